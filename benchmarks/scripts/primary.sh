# Sourced by the benchmark scripts: a PostgreSQL primary (PG_BIN's) that accepts replication from 127.0.0.1, run as
# postgres when the script runs as root.
#   as_pg CMD...                 runs CMD as the server's account
#   init_primary DIR PORT [HBA]  initdb in DIR; postgresql.conf gets port, listen_addresses = '127.0.0.1', the socket
#                                in DIR's parent, then the lines read from stdin; pg_hba.conf lets postgres replicate
#                                (HBA: host, the default, or hostssl)
#   start_primary DIR            starts it (log in DIR.log); stop_primary DIR stops it at once
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
init_primary() {
  local dir=$1 port=$2 hba=${3:-host}
  as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --no-sync >/dev/null 2>&1
  {
    echo "port = $port"
    echo "unix_socket_directories = '$(dirname "$dir")'"
    echo "listen_addresses = '127.0.0.1'"
    cat
  } >> "$dir/postgresql.conf"
  echo "$hba replication postgres 127.0.0.1/32 trust" >> "$dir/pg_hba.conf"
}
start_primary() { as_pg "$PG_BIN/pg_ctl" -D "$1" -l "$1.log" -w start >/dev/null; }
stop_primary() { as_pg "$PG_BIN/pg_ctl" -D "$1" -m immediate stop >/dev/null 2>&1 || true; }
