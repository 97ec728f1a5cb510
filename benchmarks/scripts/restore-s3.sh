#!/usr/bin/env bash
# restore_command from object storage, one process per segment as PostgreSQL runs it, back to back: cp from a
# local directory, then `walstream restore %f %p -D s3://…` without and with --prefetch, against S3Proxy
# (filesystem backend) on this machine. Prints milliseconds per segment and the ratio to cp.
#
#   SEGMENTS=32 ROUNDS=3 benchmarks/scripts/restore-s3.sh
#   REPLAY_MS=200 …   # pause that long after each call, untimed, as a standby replays the segment before the next
#
# Needs: the repository's launcher (./walstream, which builds the jar on first use), S3Proxy's jar
# (store-s3/target/s3proxy/s3proxy.jar, from ./mvnw -B -DskipTests -pl store-s3 -am package) and curl.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
S3PROXY_JAR="${S3PROXY_JAR:-$root/store-s3/target/s3proxy/s3proxy.jar}"
SEGMENTS="${SEGMENTS:-32}"; ROUNDS="${ROUNDS:-3}"; S3_PORT="${S3_PORT:-17491}"; REPLAY_MS="${REPLAY_MS:-0}"
work="${WORK:-/tmp/walstream-restore-s3}"
rm -rf "$work"; mkdir -p "$work/s3/bench/wal" "$work/local" "$work/pg_wal"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

cat > "$work/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench
s3proxy.credential=bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/s3
PROPS
java -Xmx256m -jar "$S3PROXY_JAR" --properties "$work/s3proxy.properties" >"$work/s3proxy.log" 2>&1 &
pids+=($!)
names=()
for i in $(seq 1 "$SEGMENTS"); do
  name=$(printf '%08X%08X%08X' 1 0 "$i")
  names+=("$name")
  head -c 16777216 /dev/urandom > "$work/local/$name"
  cp "$work/local/$name" "$work/s3/bench/wal/$name" # S3Proxy's filesystem backend serves files as objects
done
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break; sleep 0.2; done
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1
s3=(-D s3://bench/wal --s3-endpoint "http://127.0.0.1:$S3_PORT" --s3-path-style)
"$root/walstream" restore "${names[0]}" "$work/pg_wal/warm" "${s3[@]}" --prefetch 0 # builds the class archive

run() { # label, then the command with %f and %p
  local label=$1; shift
  rm -rf "$work/pg_wal"; mkdir -p "$work/pg_wal"; sync
  local ns=0 t0
  for f in "${names[@]}"; do
    local args=("${@//%f/$f}"); args=("${args[@]//%p/$work/pg_wal/RECOVERYXLOG}")
    t0=$(date +%s%N)
    "${args[@]}" >/dev/null
    ns=$(( ns + $(date +%s%N) - t0 ))
    # checked outside the timed part, as PostgreSQL would read it
    cmp -s "$work/pg_wal/RECOVERYXLOG" "$work/local/$f" || { echo "$label: $f differs" >&2; exit 1; }
    if [ "$REPLAY_MS" -gt 0 ]; then sleep "$(awk -v m="$REPLAY_MS" 'BEGIN { print m / 1000 }')"; fi
  done
  local ms=$(( ns / 1000000 ))
  # a filler waits 30 s for the next ask before it exits: not into the next run
  pkill -f -- '--fill-prefetch' || true; while pgrep -f -- '--fill-prefetch' >/dev/null; do sleep 0.1; done
  echo "$label $(( ms / SEGMENTS ))"
}

echo "$SEGMENTS segments of 16 MB, $ROUNDS rounds, ${REPLAY_MS} ms between calls; ms per segment"
for r in $(seq 1 "$ROUNDS"); do
  cp_ms=$(run cp cp "$work/local/%f" %p | awk '{print $2}')
  none=$(run none "$root/walstream" restore %f %p "${s3[@]}" --prefetch 0 | awk '{print $2}')
  pre=$(run prefetch "$root/walstream" restore %f %p "${s3[@]}" | awk '{print $2}')
  awk -v r="$r" -v c="$cp_ms" -v n="$none" -v p="$pre" 'BEGIN {
    printf "round %d  cp %d ms  s3 %d ms (%.1fx cp)  s3 --prefetch 8 %d ms (%.1fx cp, %.2fx without)\n",
      r, c, n, n / (c ? c : 1), p, p / (c ? c : 1), p / (n ? n : 1) }'
done
