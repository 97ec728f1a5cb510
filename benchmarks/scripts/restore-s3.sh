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

. "$root/benchmarks/scripts/s3proxy.sh"
start_s3proxy "$work" "$S3_PORT"
pids+=("$S3PROXY_PID")
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
  local t0 calls=()
  for f in "${names[@]}"; do
    local args=("${@//%f/$f}"); args=("${args[@]//%p/$work/pg_wal/RECOVERYXLOG}")
    t0=$(date +%s%N)
    "${args[@]}" >/dev/null
    calls+=($(( ($(date +%s%N) - t0) / 1000 )))
    # checked outside the timed part, as PostgreSQL would read it
    cmp -s "$work/pg_wal/RECOVERYXLOG" "$work/local/$f" || { echo "$label: $f differs" >&2; exit 1; }
    if [ "$REPLAY_MS" -gt 0 ]; then sleep "$(awk -v m="$REPLAY_MS" 'BEGIN { print m / 1000 }')"; fi
  done

  # a filler waits 30 s for the next ask before it exits: not into the next run
  pkill -f -- '--fill-prefetch' || true; while pgrep -f -- '--fill-prefetch' >/dev/null; do sleep 0.1; done
  # mean and median of the calls, in ms
  printf '%s\n' "${calls[@]}" | sort -n | awk -v l="$label" '{ v[NR] = $1; s += $1 }
    END { printf "%s %d %d\n", l, s / NR / 1000, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) / 1000 }'
}

echo "$SEGMENTS segments of 16 MB, $ROUNDS rounds, ${REPLAY_MS} ms between calls; ms per segment"
for r in $(seq 1 "$ROUNDS"); do
  read -r _ c cm < <(run cp cp "$work/local/%f" %p)
  read -r _ n nm < <(run none "$root/walstream" restore %f %p "${s3[@]}" --prefetch 0)
  read -r _ p pm < <(run prefetch "$root/walstream" restore %f %p "${s3[@]}")
  awk -v r="$r" -v c="$c" -v n="$n" -v p="$p" -v cm="$cm" -v nm="$nm" -v pm="$pm" 'BEGIN {
    printf "round %d  mean (median): cp %d (%d) ms  s3 %d (%d) ms = %.1fx cp  s3 --prefetch 8 %d (%d) ms = %.1fx cp," \
      " %.2fx without\n", r, c, cm, n, nm, n / (c ? c : 1), p, pm, p / (c ? c : 1), p / (n ? n : 1) }'
done
