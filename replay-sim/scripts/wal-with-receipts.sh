#!/bin/bash
# Generates WAL with receipt times for the simulator throughput measurement: pgbench -i (bulk) + pgbench (small records).
set -e
B=${PG_BIN:-/usr/lib/postgresql/15/bin}
T=${1:?usage: $0 WORKDIR (WAL archive goes to WORKDIR/archive)}
rm -rf $T/data $T/archive; mkdir -p $T/data; chown postgres $T $T/data  # the server runs as postgres
runuser -u postgres -- $B/initdb -D $T/data -A trust >/dev/null
echo "host replication all 127.0.0.1/32 trust" >> $T/data/pg_hba.conf
runuser -u postgres -- $B/pg_ctl -D $T/data -o "-p 55999 -k /tmp -c max_wal_size=4GB -c autovacuum=on" -l $T/pg.log start >/dev/null
"$(dirname "$0")/../../walstream" receive -D $T/archive -d 'host=127.0.0.1 port=55999 user=postgres sslmode=disable' --slot tp --create-slot --if-not-exists --receipt-log > $T/receive.log 2>&1 &
RPID=$!
sleep 3
$B/pgbench -h 127.0.0.1 -p 55999 -U postgres -i -s ${SCALE:-30} -q postgres
$B/pgbench -h 127.0.0.1 -p 55999 -U postgres -c 4 -j 2 -T ${SECONDS_RUN:-120} -M prepared postgres | grep -E 'tps|transactions'
$B/psql -h 127.0.0.1 -p 55999 -U postgres -Atc "select pg_switch_wal(); select pg_current_wal_lsn()" postgres
sleep 5
kill -INT $RPID; wait $RPID || true
runuser -u postgres -- $B/pg_ctl -D $T/data stop -m fast >/dev/null
du -sh $T/archive
