#!/usr/bin/env bash
# The benchmark in one command:
#
#   bench/run.sh [SIZE]          # default 10000 cases
#
# builds the release binaries, generates a province of SIZE cases (youyue-bench gen),
# imports it into a fresh SQLite file in a temporary directory (and, with BENCH_PG=1, into
# a fresh PostgreSQL database, vacuumed after the import and dropped afterwards), creates
# an administrator and an API
# token, starts `youyue serve` on a free port, times its first 200, runs every scenario at
# each concurrency for a bounded time, stops the server and writes
# bench/results/RESULTS-<SIZE>-<backend>.md (and .json).
#
# Environment:
#   BENCH_SECONDS=5            seconds per scenario and concurrency
#   BENCH_CONCURRENCY=1,16,64  concurrent clients
#   BENCH_SCENARIOS=all        or e.g. inbox,search
#   BENCH_RECORDS=1            generate record books (0: only the import's own entry per case)
#   BENCH_PG=1                 also PostgreSQL, at BENCH_PG_URL (postgres://postgres@127.0.0.1:5432)
#   BENCH_SQLITE=0             skip SQLite (with BENCH_PG=1: PostgreSQL only)
#   BENCH_KEEP=1               keep the temporary directory (data file, databases, logs)
#   BENCH_PIPE=1               no data file: the generator writes straight into each import
#                              (10M cases are ~9 GB of JSON Lines; PostgreSQL needs ~60 GB more)
set -euo pipefail

SIZE=${1:-10000}
SECONDS_PER_CELL=${BENCH_SECONDS:-5}
CONCURRENCY=${BENCH_CONCURRENCY:-1,16,64}
SCENARIOS=${BENCH_SCENARIOS:-all}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
mkdir -p bench/results

echo "== building the release binaries" >&2
cargo build --release -p youyue -p youyue-bench
YOUYUE=$ROOT/target/release/youyue
BENCH=$ROOT/target/release/youyue-bench

TMP=$(mktemp -d /tmp/youyue-bench.XXXXXX)
SERVER_PID=""
PG_DB=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null || true; fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }

# The data end today, so that the open cases are the current ones.
END=$(date +%F)
GEN_ARGS=(--cases "$SIZE" --end "$END")
if [ "${BENCH_RECORDS:-1}" = 1 ]; then GEN_ARGS+=(--records); fi
PIPE=${BENCH_PIPE:-0}
if [ "$PIPE" = 1 ]; then
  echo "== generating ${GEN_ARGS[*]} into each import (no data file)" >&2
else
  echo "== generating ${GEN_ARGS[*]}" >&2
  T0=$(now)
  "$BENCH" gen "${GEN_ARGS[@]}" > "$TMP/province.jsonl" 2> "$TMP/gen.log"
  GEN_SECONDS=$(since "$T0")
  GEN_SUMMARY=$(cat "$TMP/gen.log")
  DATA_MIB=$(mib $(( $(stat -c %s "$TMP/province.jsonl") / 1024 )))
  LINES=$(wc -l < "$TMP/province.jsonl")
fi

PASSWORD="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
BACKENDS=()
if [ "${BENCH_SQLITE:-1}" = 1 ]; then BACKENDS+=(sqlite); fi
if [ "${BENCH_PG:-0}" = 1 ]; then BACKENDS+=(postgres); fi
if [ ${#BACKENDS[@]} = 0 ]; then echo "no backend: BENCH_SQLITE=0 needs BENCH_PG=1" >&2; exit 2; fi

for BACKEND in "${BACKENDS[@]}"; do
  if [ "$BACKEND" = sqlite ]; then
    DB="sqlite://$TMP/bench.db"
  else
    PG_DB="youyue_bench_$(date +%s)_$$"
    psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
    DB="$PG_URL/$PG_DB"
  fi

  echo "== importing into $BACKEND" >&2
  T0=$(now)
  if [ "$PIPE" = 1 ]; then
    # The import's time includes the generator's, which shares the cores with it.
    "$BENCH" gen "${GEN_ARGS[@]}" 2> "$TMP/gen.log" \
      | /usr/bin/time -f "%M" -o "$TMP/import.rss" "$YOUYUE" --db "$DB" import - 2> "$TMP/import.log"
    GEN_SUMMARY=$(cat "$TMP/gen.log")
  else
    /usr/bin/time -f "%M" -o "$TMP/import.rss" "$YOUYUE" --db "$DB" import "$TMP/province.jsonl" 2> "$TMP/import.log"
  fi
  IMPORT_SECONDS=$(since "$T0")
  IMPORT_RSS=$(mib "$(tail -n1 "$TMP/import.rss")")
  IMPORT_SUMMARY=$(cat "$TMP/import.log")
  # PostgreSQL's first pass over a million freshly committed rows (hint bits, the visibility
  # map, autovacuum's insert-triggered vacuum) otherwise runs during the requests: the
  # steady state is measured, and the vacuum's time is reported.
  VACUUM_SECONDS=""
  if [ "$BACKEND" = postgres ]; then
    T0=$(now)
    psql "$DB" -qc "VACUUM (ANALYZE)" >/dev/null
    VACUUM_SECONDS=$(since "$T0")
  fi
  if [ "$BACKEND" = sqlite ]; then
    DB_MIB=$(mib $(( $(cat "$TMP"/bench.db* | wc -c) / 1024 )))
  else
    DB_MIB=$(mib $(( $(psql "$PG_URL/postgres" -tAc "SELECT pg_database_size('$PG_DB')") / 1024 )))
  fi

  YOUYUE_PASSWORD=$PASSWORD "$YOUYUE" --db "$DB" add-user bench.admin --name 压测管理员 --union zj --role admin >/dev/null

  PORT=$("$BENCH" free-port)
  URL="http://127.0.0.1:$PORT"
  echo "== serving on $URL" >&2
  T0=$(now)
  "$YOUYUE" --db "$DB" serve --listen "127.0.0.1:$PORT" --submissions-per-minute 100000000 \
    > "$TMP/server.out" 2> "$TMP/server.err" &
  SERVER_PID=$!
  FIRST_200_MS=$("$BENCH" wait --url "$URL/healthz" --since "$T0" --pid "$SERVER_PID" --timeout-seconds 600)
  START_RSS=$(mib "$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")")
  export BENCH_TOKEN
  BENCH_TOKEN=$(BENCH_PASSWORD=$PASSWORD "$BENCH" token --url "$URL" --username bench.admin)

  OUT="bench/results/RESULTS-$SIZE-$BACKEND"
  # Other work on the machine (builds) shows in the load average: keep it with the figures.
  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "== running $SCENARIOS at c=$CONCURRENCY, ${SECONDS_PER_CELL} s each" >&2
  # The write floor: a durable insert a commit, no HTTP, in a file of its own (SQLite) or a
  # table created and dropped in the same database (PostgreSQL).
  if [ "$BACKEND" = sqlite ]; then FLOOR_DB="sqlite://$TMP/floor.db"; else FLOOR_DB=$DB; fi
  "$BENCH" run --url "$URL" --pid "$SERVER_PID" --scenarios "$SCENARIOS" --concurrency "$CONCURRENCY" \
    --seconds "$SECONDS_PER_CELL" --out "$OUT.json" --markdown "$TMP/table.md" --insert-floor-db "$FLOOR_DB" > /dev/null
  END_RSS=$(mib "$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")")
  LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
  # The server colours its log even into a file: strip the escapes before reading it.
  sed 's/\x1b\[[0-9;]*m//g' "$TMP/server.err" > "$TMP/server.log"
  SERVER_ERRORS=$(grep -c -E "^[^ ]+ +(ERROR|WARN) " "$TMP/server.log" || true)

  kill "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  if [ -n "$PG_DB" ]; then
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
    PG_DB=""
  fi

  # Results files this script rewrote are not changes to what was measured.
  DIRTY=$(git status --porcelain --untracked-files=no -- . ":(exclude)bench/results" | wc -l)
  {
    echo "# youyue benchmark: $SIZE cases on $BACKEND"
    echo
    echo "Written by \`bench/run.sh $SIZE\` (BENCH_SECONDS=$SECONDS_PER_CELL, BENCH_CONCURRENCY=$CONCURRENCY)."
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- commit: $(git rev-parse HEAD)$([ "$DIRTY" -gt 0 ] && echo " with $DIRTY changed tracked files in the tree")"
    echo "- machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; $(uname -sr)"
    echo "- $BACKEND: $([ "$BACKEND" = sqlite ] && echo "file in $TMP (temporary)" || psql "$PG_URL/postgres" -tAc "SHOW server_version" | sed 's/^/PostgreSQL /')"
    echo "- the load runner runs on the same machine and shares its cores with the server"
    echo "- load average (1, 5, 15 min) before the requests: $LOAD_BEFORE; after: $LOAD_AFTER (the runner and server add about 2; more is other work)"
    echo
    echo "## Data and start"
    echo
    echo "| step | figure |"
    echo "|---|---|"
    if [ "$PIPE" = 1 ]; then
      echo "| \`youyue-bench gen ${GEN_ARGS[*]} \| youyue import -\` (one transaction) | $IMPORT_SECONDS s, import's peak RSS $IMPORT_RSS MiB |"
    else
      echo "| \`youyue-bench gen ${GEN_ARGS[*]}\` | $GEN_SECONDS s, $LINES lines, $DATA_MIB MiB |"
      echo "| \`youyue import\` (one transaction) | $IMPORT_SECONDS s, peak RSS $IMPORT_RSS MiB |"
    fi
    if [ -n "$VACUUM_SECONDS" ]; then echo "| \`VACUUM (ANALYZE)\` after the import | $VACUUM_SECONDS s |"; fi
    echo "| database size after import | $DB_MIB MiB |"
    echo "| \`youyue serve\` start to first 200 on /healthz | $FIRST_200_MS ms |"
    echo "| server RSS after start / after the run | $START_RSS MiB / $END_RSS MiB |"
    echo "| server log lines at WARN or ERROR during the run | $SERVER_ERRORS |"
    echo
    echo "Generator: $GEN_SUMMARY"
    echo
    echo "Import: $(echo "$IMPORT_SUMMARY" | tr '\n' ' ' | sed "s#$TMP/##g")"
    if [ "$SERVER_ERRORS" -gt 0 ]; then
      echo
      echo "Server log at WARN or ERROR (count, message without its time; whole log in \`$(basename "$OUT").server.log\`):"
      echo
      echo '```'
      grep -E "^[^ ]+ +(ERROR|WARN) " "$TMP/server.log" | sed -E 's/^[^ ]+ +//; s/[0-9]+\.[0-9]+/N/g' | cut -c1-160 \
        | sort | uniq -c | sort -rn | head -n 8
      echo '```'
    fi
    echo
    echo "## Requests (${SECONDS_PER_CELL} s per cell; latencies of every request, errors included)"
    echo
    cat "$TMP/table.md"
  } > "$OUT.md"
  if [ "$SERVER_ERRORS" -gt 0 ]; then cp "$TMP/server.log" "$OUT.server.log"; else rm -f "$OUT.server.log"; fi
  echo "== wrote $OUT.md" >&2
  cat "$OUT.md"
done
