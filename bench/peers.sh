#!/usr/bin/env bash
# youyue next to its peers, in one run:
#
#   bench/peers.sh
#
# installs and runs the peer helpdesks — django-helpdesk (dh), Request Tracker 5 (rt) and
# Roundup (rd) — with the scripts of ../shared/peers (see its README: they install the
# peers from PyPI and Debian at run time; no peer code is kept in this repository), runs
# their measurements on loopback, then gives youyue the same load on a data set of the same
# size and writes bench/results/peers-<date>.md: for each scenario youyue's figure, each
# peer's and the ratio (throughput: youyue ÷ peer; latency, memory and start time:
# peer ÷ youyue, so that every ratio above 1 reads "youyue ×N better").
#
# Scenarios (those the peers can do): ticket creation at c=1 and c=16, the first page of a
# filtered list and a keyword search (rare and common word) with 50,000 tickets, resident
# memory, launch → first authenticated 200.
#
# The same load generator for everyone: youyue is driven by a copy of the peers' own
# loadgen.py made under a temporary directory, with one more "peer" definition (yy: the
# public submission POST /api/v1/public/cases, the staff registration POST /api/v1/cases
# and GETs with a bearer token). youyue-bench's own runner (Rust, time-bounded cells) is run
# as well, as a second opinion on how much the Python generator limits.
#
# Runs as root (apt-get, pip, roundup-server as www-data). Takes about 30 minutes. Every
# step is bounded by `timeout`; a failed step is recorded in the results, the others go on.
# The peer servers and the youyue server are stopped at the end.
#
# Environment:
#   PEERS_DIR=../shared/peers   the peer scripts (read-only is fine)
#   PEER_RESULTS=bench/results/peers-raw   raw JSON lines; each run writes a subdirectory
#   PEERS=dh,rt,rd              which peers
#   PEER_TICKETS=50000          size of every data set (peers seeded, youyue generated)
#   CREATE_N=2000               creations per run (c=1 and c=16); the time caps below end the slow runs
#   CREATE_MAX_DH=120 CREATE_MAX_RT=90 CREATE_MAX_RD=90 CREATE_MAX_YY=120   seconds
#   LIST_N_DH=3 LIST_N_RT=5 LIST_N_RD=3 LIST_N_YY=20   repeats of each list/search request (c=1)
#   BENCH_SECONDS=10            seconds per youyue-bench cell (intake, inbox, search at c=1,16)
#   YOUYUE_BIN, YOUYUE_BENCH_BIN  use these binaries instead of building target/release
#   YOUYUE_COMMIT               the commit those binaries were built from, for the results
#   PEERS_FRESH=1               start every peer from an empty database (dh_setup.sh always does;
#                               rd's tracker is made again, rt's database restored from the install's)
#   PEERS_OUT=bench/results/peers-<date>.md
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PEERS_DIR=$(cd "${PEERS_DIR:-$ROOT/../shared/peers}" && pwd) || { echo "no peers directory" >&2; exit 2; }
PEERS=${PEERS:-dh,rt,rd}
N_TICKETS=${PEER_TICKETS:-50000}
CREATE_N=${CREATE_N:-2000}
BENCH_SECONDS=${BENCH_SECONDS:-10}
DATE=$(date +%F)
STAMP=$(date +%Y%m%d-%H%M%S)
PY=python3

# ---------------------------------------------------------------- the report
report() {
$PY - "$RAW" "$OUT" <<'PY'
import json, os, re, sys
raw, out = sys.argv[1:3]
def jl(name):
    p = os.path.join(raw, name)
    return [json.loads(l) for l in open(p) if l.strip().startswith("{")] if os.path.exists(p) else []
meta = {}
for l in open(os.path.join(raw, "meta.txt")):
    k, _, v = l.rstrip("\n").partition("=")
    meta.setdefault(k, v)
n_tickets = meta.get("n_tickets", "50000")
create_n = meta.get("create_n", "2000")
bench_seconds = meta.get("bench_seconds", "10")
create = {p: jl(f"create_{p}.jsonl") for p in ("yy", "dh", "rt", "rd")}
lists = {p: jl(f"list_{p}.jsonl") for p in ("yy", "dh", "rt", "rd")}
mem = jl("mem.jsonl")
totals = {d["label"]: d["total"] for d in jl("yy_totals.jsonl")}
first = {}
if os.path.exists(os.path.join(raw, "first_request.txt")):
    for l in open(os.path.join(raw, "first_request.txt")):
        m = re.match(r"(\w+): launch -> first HTTP 200 on (\S+): ([0-9.]+) s", l.strip())
        if m:
            first[m.group(1)] = (float(m.group(3)), m.group(2))
steps = [l.rstrip("\n").split("\t") for l in open(os.path.join(raw, "steps.tsv"))] if os.path.exists(os.path.join(raw, "steps.tsv")) else []
bench = json.load(open(os.path.join(raw, "youyue-bench.json"))) if os.path.exists(os.path.join(raw, "youyue-bench.json")) else None
NAMES = {"dh": "django-helpdesk 2.6.1", "rt": "Request Tracker 5.0.3", "rd": "Roundup 2.6.0"}
PEERS = [p for p in ("dh", "rt", "rd")]

def find(rows, label):
    for d in rows:
        if d["label"] == label:
            return d
    return None
def f(x, nd=1):
    if x is None:
        return "—"
    if isinstance(x, float) and x >= 100:
        return f"{x:,.0f}"
    return f"{x:,.{nd}f}" if isinstance(x, float) else str(x)
def ratio(a, b):
    if not a or not b:
        return "—"
    r = a / b
    return f"×{r:,.0f}" if r >= 100 else f"×{r:,.1f}" if r >= 10 else f"×{r:,.2f}"
def okn(d):
    return f"{d['ok']}/{d['n']}" + ("" if not d.get("codes") or set(d["codes"]) <= {200, 201, "200", "201"} else f" {d['codes']}")

L = []
w = L.append
w(f"# youyue and its peers, {meta.get('date', '')[:10]}")
w("")
w("Written by `bench/peers.sh` (one run: the peers installed and measured with the scripts of "
  "`../shared/peers`, youyue measured with the same load generator on a data set of the same size). "
  "Raw figures: `" + os.path.relpath(raw, os.path.dirname(os.path.abspath(out))) + "/`.")
w("")
w(f"- date: {meta.get('date')}")
w(f"- commit: {meta.get('commit')}")
w(f"- machine: {meta.get('machine')}")
w(f"- disk: {meta.get('disk')}")
w(f"- {meta.get('userland')}; youyue: {meta.get('youyue')} (release, SQLite)")
w(f"- load average (1, 5, 15 min) at the start: {meta.get('load_start')}; at the end: {meta.get('load_end')}. "
  f"Per block — youyue: {meta.get('load_yy_before', '—')} → {meta.get('load_yy_after', '—')}; "
  + "; ".join(f"{p}: {meta.get('load_' + p + '_before', '—')} → {meta.get('load_' + p + '_after', '—')}" for p in PEERS)
  + f". rustc processes running (other work on the machine) at the start / end: {meta.get('other_compilers_start')} / {meta.get('other_compilers_end')}.")
w("- everything on loopback; the load generator shares the machine's cores with the server; each figure is one run: "
  "differences under ~20–30 % are noise on this shared 2-core machine.")
w("")
w("**How to read the ratios.** Throughput: youyue req/s ÷ peer req/s. Latency, memory and start time: "
  "peer ÷ youyue. Either way a ratio above 1 means youyue is better by that factor "
  "(×10 = ten times the throughput, or a tenth of the latency / memory / start time).")
w("")
w("**Load generator.** The same for all: the peers' `loadgen.py` (Python threads, one keep-alive connection "
  "each, a fixed number of requests capped by a time limit), run against youyue from a copy with one more "
  "peer definition (`yy`). youyue-bench's own runner (Rust, time-bounded cells) was run on the same youyue "
  "server as well; its figures are listed separately, not used in the ratios.")
w("")

# ---- creation
summary_at = len(L)
w("## Ticket creation (one ticket = title + description + the submitter's contact)")
w("")
w(f"Up to {create_n} creations per run after a warm-up of 20; the time cap (90–120 s) ends the slow runs. "
  "youyue: `POST /api/v1/public/cases` (the public submission: no account, a studio chosen in rotation "
  "among the 2,000 enterprise unions, every write committed with fsync) — the peers' creations go through their "
  "staff APIs with a token (dh, rt) or a session cookie (rd; one rd creation is two HTTP calls). "
  "youyue's authenticated staff registration (`POST /api/v1/cases`, channel hotline) is listed too. "
  f"The peers create into their fresh (empty) databases on a first run; youyue into its {int(n_tickets):,}-case one.")
w("")
for c in (1, 16):
    yy = find(create["yy"], f"create c={c} (public)")
    ys = find(create["yy"], f"create c={c} (staff)")
    w(f"### c = {c}")
    w("")
    w("| system | ok/n | wall s | req/s | p50 ms | p99 ms | throughput youyue ÷ peer | p50 peer ÷ youyue |")
    w("|---|---|---|---|---|---|---|---|")
    for lab, d in (("youyue, public submission", yy), ("youyue, staff registration", ys)):
        if d:
            w(f"| {lab} | {okn(d)} | {d['wall_s']} | {f(d['rps'])} | {f(d['p50_ms'])} | {f(d['p99_ms'])} | | |")
        else:
            w(f"| {lab} | failed | | | | | | |")
    for p in PEERS:
        d = find(create[p], f"create c={c}")
        if not d:
            w(f"| {NAMES[p]} | not measured | | | | | | |"); continue
        w(f"| {NAMES[p]} | {okn(d)} | {d['wall_s']} | {f(d['rps'])} | {f(d['p50_ms'])} | {f(d['p99_ms'])} | "
          f"{ratio(yy and yy['rps'], d['rps'])} | {ratio(d['p50_ms'], yy and yy['p50_ms'])} |")
    w("")

# ---- list / search
PRIMARY = {
    "filtered": {"dh": "ui_filtered_first_page_json(status=Open,newest_first)",
                 "rt": "rest2_filtered_first_page_with_fields(Status=new,newest_first)",
                 "rd": "rest_filtered_first_page(status=unread,newest_first)"},
    "rare": {"dh": "ui_keyword_search_json(q=asbestos)", "rt": "rest2_keyword_search_subject(asbestos)",
             "rd": "rest_keyword_search_title(asbestos)"},
    "common": {"dh": "ui_keyword_search_json(q=overtime,common_word)",
               "rt": "rest2_keyword_search_subject(overtime,common_word)",
               "rd": "rest_keyword_search_title(overtime,common_word)"},
}
yy_filtered = [d for d in lists["yy"] if d["label"].startswith("filtered_first_page")]
yy_rare = next((d for d in lists["yy"] if d["label"].startswith("keyword_search(rare")), None)
yy_common = next((d for d in lists["yy"] if d["label"].startswith("keyword_search(common")), None)
# youyue's figure for the filtered list: the slowest of its filters (the conservative choice)
yy_f = max(yy_filtered, key=lambda d: d["p50_ms"] or 0) if yy_filtered else None

w(f"## First page (25) of a filtered list and keyword search, ~{int(n_tickets):,} tickets, one client")
w("")
w("Peers: the first page of their status filter, newest first (about half the tickets match), and a search "
  "for a rare word (`asbestos`, 1 ticket in 500) and a common one (`overtime`, 1 in 6–12), with the requests of "
  "`run_list.sh` (dh: the staff UI's JSON list, which is what its browser page calls, since its REST list takes "
  "~16 s; rt: REST2 TicketSQL with fields; rd: REST). "
  f"youyue: `GET /api/v1/cases?…` with a bearer token on {int(n_tickets):,} generated cases with record books "
  "(`youyue-bench gen --records`; the cases created above come on top), whole province; for the list youyue's figure is the "
  "slowest of four filters (all listed below); its search `q=` looks in titles and descriptions (rd and rt search titles/subjects only).")
w("")
w("| scenario | system | ok/n | p50 ms | max ms | req/s | p50 peer ÷ youyue |")
w("|---|---|---|---|---|---|---|")
for key, title, yd in (("filtered", "filtered list, first page", yy_f), ("rare", "search, rare word", yy_rare),
                       ("common", "search, common word", yy_common)):
    if yd:
        tot = totals.get(yd["label"])
        w(f"| {title} | youyue `{yd['label']}`{'' if tot is None else f' ({tot:,} matches)'} | {okn(yd)} | {f(yd['p50_ms'])} | {f(yd['max_ms'])} | {f(yd['rps'])} | |")
    else:
        w(f"| {title} | youyue | failed | | | | |")
    for p in PEERS:
        d = find(lists[p], PRIMARY[key][p])
        if not d:
            w(f"| {title} | {NAMES[p]} | not measured | | | | |"); continue
        w(f"| {title} | {NAMES[p]} `{d['label']}` | {okn(d)} | {f(d['p50_ms'])} | {f(d['max_ms'])} | {f(d['rps'])} | "
          f"{ratio(d['p50_ms'], yd and yd['p50_ms'])} |")
w("")
w("Every list and search request measured (youyue's and the peers' other variants):")
w("")
w("| system | request | ok/n | p50 ms | p90 ms | max ms | tree RSS before / peak MB |")
w("|---|---|---|---|---|---|---|")
for p in ("yy",) + tuple(PEERS):
    for d in lists[p]:
        tot = totals.get(d["label"]) if p == "yy" else None
        w(f"| {'youyue' if p == 'yy' else p} | {d['label']}{'' if tot is None else f' — {tot:,} matches'} | {okn(d)} | {f(d['p50_ms'])} | "
          f"{f(d['p90_ms'])} | {f(d['max_ms'])} | {f(d['rss_before_MB'])} / {f(d['rss_peak_MB'])} |")
w("")

# ---- memory
w("## Resident memory of the server (process tree; RSS, and PSS which counts pages shared between forked workers once)")
w("")
def memrow(prefix, needle):
    for d in mem:
        if d["label"].startswith(prefix) and needle in d["label"]:
            return d
    return None
def peak(p):
    vals = [d.get("rss_peak_MB") for d in create[p] + lists[p] if d.get("rss_peak_MB")]
    return max(vals) if vals else None
w("| system | idle after a fresh start with the data, RSS (PSS) MB | peak RSS during creation and lists MB | idle RSS peer ÷ youyue | idle PSS peer ÷ youyue | peak peer ÷ youyue |")
w("|---|---|---|---|---|---|")
yi = memrow("yy", "fresh start")
yp = peak("yy")
w(f"| youyue | {f(yi and yi['rss_MB'])} ({f(yi and yi['pss_MB'])}) | {f(yp)} | | | |")
for p in PEERS:
    d = memrow(p, f"fresh start ({n_tickets}")
    pk = peak(p)
    w(f"| {NAMES[p]} | {f(d and d['rss_MB'])} ({f(d and d['pss_MB'])}), {d['processes'] if d else '—'} process{'es' if not d or d['processes'] != 1 else ''} | {f(pk)} | "
      f"{ratio(d and d['rss_MB'], yi and yi['rss_MB'])} | {ratio(d and d['pss_MB'], yi and yi['pss_MB'])} | {ratio(pk, yp)} |")
w("")
w("All memory readings (`mem.py`):")
w("")
w("| reading | processes | RSS MB | PSS MB |")
w("|---|---|---|---|")
for d in mem:
    w(f"| {d['label']} | {d['processes']} | {d['rss_MB']} | {d['pss_MB']} |")
w("")

# ---- start
w("## Launch → first authenticated 200, with the full data set")
w("")
w("Peers: `first_request.sh` (restart by its start script, curl every 50 ms; rd's start script includes a "
  "no-op `pip install` of ~1.5 s). youyue: `youyue serve` on the SQLite file, curl with the bearer token on "
  "`/api/v1/me` every 5 ms.")
w("")
w("| system | URL | seconds | peer ÷ youyue |")
w("|---|---|---|---|")
yf = first.get("yy")
w(f"| youyue | {yf[1] if yf else '—'} | {f(yf and yf[0], 3)} | |")
for p in PEERS:
    d = first.get(p)
    w(f"| {NAMES[p]} | {d[1] if d else '—'} | {f(d and d[0], 2)} | {ratio(d and d[0], yf and yf[0])} |")
w("")

# ---- youyue-bench
if bench:
    w(f"## youyue-bench's runner on the same youyue server ({bench_seconds} s per cell)")
    w("")
    w("Not in the ratios above; it shows how much the Python generator limits youyue's figures. `inbox` is youyue-bench's mix of four "
      "inbox queries, `search` is `q=工资` (a very common word).")
    w("")
    w("| scenario | c | requests | errors | req/s | p50 ms | p99 ms | server CPU % | runner CPU % |")
    w("|---|---|---|---|---|---|---|---|---|")
    for c in bench["cells"]:
        w(f"| {c['scenario']} | {c['concurrency']} | {c['requests']} | {c['errors']} | {f(c['rps'])} | {f(c['p50_ms'], 2)} | "
          f"{f(c['p99_ms'], 2)} | {f(c.get('server_cpu_pct'), 0)} | {f(c.get('runner_cpu_pct'), 0)} |")
    w("")

# ---- the summary, at the top
def val(d, k):
    return d.get(k) if d else None
S = []
rows = []
for c in (1, 16):
    yy = find(create["yy"], f"create c={c} (public)")
    rows.append((f"creation c={c}, req/s", "up", val(yy, "rps"),
                 {p: val(find(create[p], f"create c={c}"), "rps") for p in PEERS}))
    rows.append((f"creation c={c}, p50 ms", "down", val(yy, "p50_ms"),
                 {p: val(find(create[p], f"create c={c}"), "p50_ms") for p in PEERS}))
for key, title, yd in (("filtered", "filtered list, first page, p50 ms", yy_f),
                       ("rare", "search, rare word, p50 ms", yy_rare), ("common", "search, common word, p50 ms", yy_common)):
    rows.append((title, "down", val(yd, "p50_ms"), {p: val(find(lists[p], PRIMARY[key][p]), "p50_ms") for p in PEERS}))
rows.append(("idle RSS after start with the data, MB", "down", val(yi, "rss_MB"),
             {p: val(memrow(p, f"fresh start ({n_tickets}"), "rss_MB") for p in PEERS}))
rows.append(("idle PSS after start with the data, MB", "down", val(yi, "pss_MB"),
             {p: val(memrow(p, f"fresh start ({n_tickets}"), "pss_MB") for p in PEERS}))
rows.append(("peak RSS under the load above, MB", "down", yp, {p: peak(p) for p in PEERS}))
rows.append(("launch → first authenticated 200, s", "down", yf and yf[0], {p: first.get(p) and first[p][0] for p in PEERS}))
S.append("## Summary")
S.append("")
S.append("Each ratio reads \"youyue ×N better\": youyue ÷ peer for req/s, peer ÷ youyue for everything else; "
         "below 1, the peer is better. The sections below give every figure and how it was taken.")
S.append("")
S.append("| scenario | youyue | " + " | ".join(p for p in PEERS) + " | " + " | ".join(f"vs {p}" for p in PEERS) + " |")
S.append("|---|---|" + "---|" * (2 * len(PEERS)))
for title, way, y, peers in rows:
    rs = [ratio(y, peers[p]) if way == "up" else ratio(peers[p], y) for p in PEERS]
    S.append(f"| {title} | {f(y, 3) if (y or 0) < 1 else f(y)} | " + " | ".join(f(peers[p]) for p in PEERS) + " | " + " | ".join(rs) + " |")
S.append("")
S.append(f"Peers: {', '.join(f'{p} = {NAMES[p]}' for p in PEERS)}.")
S.append("")
L[summary_at:summary_at] = S

# ---- steps
w("## Steps")
w("")
w("| step | exit | seconds |")
w("|---|---|---|")
for s in steps:
    w("| " + " | ".join(s + [""] * (3 - len(s))) + " |")
failed = [s for s in steps if len(s) > 1 and s[1] not in ("0",)]
w("")
w("Failed steps: " + (", ".join(s[0] for s in failed) if failed else "none") + ".")
if os.path.exists(os.path.join(raw, "yy_server_warnings.txt")):
    w(f"youyue server log lines at WARN or ERROR: {open(os.path.join(raw, 'yy_server_warnings.txt')).read().strip() or '0'}.")
open(out, "w").write("\n".join(L) + "\n")
print("\n".join(L))
PY
}

# bench/peers.sh --report RAWDIR: write the results file again from a run's raw figures.
if [ "${1:-}" = --report ]; then
  RAW=$(cd "${2:?--report RAWDIR}" && pwd) || exit 2
  OUT=${PEERS_OUT:-$ROOT/bench/results/peers-$(sed -n 's/^date=\(.\{10\}\).*/\1/p' "$RAW/meta.txt").md}
  report > /dev/null
  echo "== wrote $OUT (raw: $RAW)" >&2
  exit 0
fi

RAW_BASE=${PEER_RESULTS:-$ROOT/bench/results/peers-raw}
mkdir -p "$RAW_BASE"
RAW=$(cd "$RAW_BASE" && pwd)/$STAMP
mkdir -p "$RAW"
export PEER_RESULTS=$RAW    # the peers' scripts write here
OUT=${PEERS_OUT:-$ROOT/bench/results/peers-$DATE.md}
WORK=$(mktemp -d /tmp/youyue-peers.XXXXXX)
LOG=$RAW/steps.log

if [ "$(id -u)" != 0 ]; then echo "peers.sh: run as root (apt-get, pip, roundup-server -u www-data)" >&2; exit 2; fi

if [ -z "${YOUYUE_BIN:-}" ] || [ -z "${YOUYUE_BENCH_BIN:-}" ]; then
  echo "== building the release binaries" >&2
  cargo build --release -p youyue -p youyue-bench || exit 1
fi
YOUYUE=${YOUYUE_BIN:-$ROOT/target/release/youyue}
BENCH=${YOUYUE_BENCH_BIN:-$ROOT/target/release/youyue-bench}

now() { date +%s.%N; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
note() { echo "$*" >> "$RAW/meta.txt"; }
# step NAME SECONDS COMMAND...: bounded, logged; a failure is recorded and the run goes on.
step() {
  local name=$1 limit=$2; shift 2
  local t0 rc; t0=$(now)
  echo "== $name" >&2
  echo "--- $name ($(date +%T), load $(loadavg))" >> "$LOG"
  timeout --kill-after=10 "$limit" "$@" >> "$LOG" 2>&1; rc=$?
  local secs; secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
  echo "$name	$rc	$secs" >> "$RAW/steps.tsv"
  if [ $rc != 0 ]; then echo "   FAILED ($rc after $secs s; see $LOG)" >&2; fi
  return $rc
}

YY_PID=""
stop_pidfile() { # stop the process in a pid file and wait for it
  local f=$1 p
  [ -s "$f" ] || return 0
  p=$(cat "$f")
  if kill -0 "$p" 2>/dev/null; then
    kill "$p"
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  fi
}
stop_yy() {
  if [ -n "$YY_PID" ]; then kill "$YY_PID" 2>/dev/null; wait "$YY_PID" 2>/dev/null; YY_PID=""; fi
}
cleanup() {
  stop_yy
  for f in /opt/peers/dhsite/gunicorn.pid /opt/peers/rt/server.pid /opt/peers/rdtracker.pid; do stop_pidfile "$f"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---------------------------------------------------------------- machine and start
note "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
DIRTY=$(git status --porcelain --untracked-files=no | wc -l)
if [ -n "${YOUYUE_COMMIT:-}" ]; then
  note "commit=$YOUYUE_COMMIT (the binaries given by YOUYUE_BIN / YOUYUE_BENCH_BIN were built from it; the tree is at $(git rev-parse --short HEAD))"
else
  note "commit=$(git rev-parse HEAD)$([ "$DIRTY" -gt 0 ] && echo " with $DIRTY changed tracked files in the tree")"
fi
note "machine=$(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM; $(uname -sr)"
note "disk=$(df -h --output=source,size,avail / | tail -1 | awk '{ print $1 " " $2 " (" $3 " free)" }')$(lsblk -dno ROTA "$(df --output=source / | tail -1)" 2>/dev/null | awk '{ print ($1 == 1 ? ", reported rotational (virtual disk)" : ", reported non-rotational") }')"
note "userland=Debian $(cat /etc/debian_version), $($PY --version 2>&1)"
note "youyue=$("$YOUYUE" --version 2>/dev/null || echo "$YOUYUE")"
note "n_tickets=$N_TICKETS"
note "create_n=$CREATE_N"
note "bench_seconds=$BENCH_SECONDS"
note "load_start=$(loadavg)"
note "other_compilers_start=$(pgrep -c -x rustc || true)"

# The peers' load generator, with youyue as one more "peer" (a copy in $WORK; nothing of it is kept).
$PY - "$PEERS_DIR/loadgen.py" "$WORK/loadgen.py" <<'PY' || { echo "cannot adapt loadgen.py" >&2; exit 1; }
import sys
src = open(sys.argv[1]).read()
def sub(old, new):
    global src
    if src.count(old) != 1:
        sys.exit(f"loadgen.py has changed: {old!r} is not there exactly once")
    src = src.replace(old, new)
sub('PEERS = {\n', 'PEERS = {\n    # youyue (added by bench/peers.sh): YY_PORT, YY_CREATE (path), YY_UNIONS, YY_TOKEN\n'
    '    "yy": dict(port=int(os.environ.get("YY_PORT", "0")), create=os.environ.get("YY_CREATE", "/api/v1/public/cases"), auth=None),\n')
sub('    if peer == "rd":\n        return {"title": title, "desc": desc}\n',
    '    if peer == "yy":\n'
    '        unions = os.environ["YY_UNIONS"].split(",")\n'
    '        b = {"union": unions[i % len(unions)], "kind": ("claim", "dispute", "wellbeing", "suggestion")[i % 4],\n'
    '             "title": title, "description": desc, "worker_name": f"worker{i}", "contact": f"worker{i}@example.org"}\n'
    '        if os.environ.get("YY_CREATE", "/api/v1/public/cases") == "/api/v1/cases":\n'
    '            b["channel"] = "hotline"\n'
    '        return b\n'
    '    if peer == "rd":\n        return {"title": title, "desc": desc}\n')
sub('    else:\n        with open("/opt/peers/rt/token") as f:\n',
    '    elif a.peer == "yy":\n'
    '        if os.environ.get("YY_TOKEN"):\n'
    '            headers["Authorization"] = "Bearer " + os.environ["YY_TOKEN"]\n'
    '    else:\n        with open("/opt/peers/rt/token") as f:\n')
open(sys.argv[2], "w").write(src)
PY

has_peer() { case ",$PEERS," in *",$1,"*) return 0;; *) return 1;; esac; }
mem() { # mem PIDFILE LABEL: RSS and PSS of the process tree, appended to mem.jsonl
  [ -s "$1" ] && $PY "$PEERS_DIR/mem.py" "$(cat "$1")" "$2" >> "$RAW/mem.jsonl" 2>> "$LOG"
}

# ---------------------------------------------------------------- youyue
youyue_block() {
  note "load_yy_before=$(loadavg)"
  local D=$WORK/yy; mkdir -p "$D"
  step "yy: generate $N_TICKETS cases" 600 sh -c "'$BENCH' gen --cases $N_TICKETS --end $DATE --records > '$D/province.jsonl'" || return 1
  step "yy: import" 1800 "$YOUYUE" --db "sqlite://$D/yy.db" import "$D/province.jsonl" || return 1
  local PASSWORD; PASSWORD="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
  YOUYUE_PASSWORD=$PASSWORD "$YOUYUE" --db "sqlite://$D/yy.db" add-user bench.admin --name 压测管理员 --union zj --role admin >> "$LOG" 2>&1 || return 1
  local PORT; PORT=$("$BENCH" free-port)
  local URL=http://127.0.0.1:$PORT
  serve() {
    "$YOUYUE" --db "sqlite://$D/yy.db" serve --listen "127.0.0.1:$PORT" --submissions-per-minute 100000000 \
      >> "$D/server.out" 2>> "$D/server.err" &
    YY_PID=$!; echo "$YY_PID" > "$D/server.pid"
  }
  # The first start (it sweeps the supervision of the imported cases), then a token.
  serve
  "$BENCH" wait --url "$URL/healthz" --pid "$YY_PID" --timeout-seconds 300 > /dev/null || return 1
  local TOKEN; TOKEN=$(BENCH_PASSWORD=$PASSWORD "$BENCH" token --url "$URL" --username bench.admin) || return 1
  stop_yy; sleep 1
  # Launch → first authenticated 200, polled with curl like first_request.sh (which sleeps
  # 50 ms between tries; 5 ms here, youyue starts in tens of milliseconds).
  local T0 c; T0=$(now); serve
  for _ in $(seq 1 6000); do
    c=$(curl -s -m 5 -o /dev/null -w "%{http_code}" -H "Authorization: Bearer $TOKEN" "$URL/api/v1/me" || true)
    [ "$c" = 200 ] && break; sleep 0.005
  done
  echo "yy: launch -> first HTTP 200 on $URL/api/v1/me: $(echo "$(now)-$T0" | bc) s" | tee -a "$RAW/first_request.txt" >&2
  sleep 1
  mem "$D/server.pid" "yy idle, fresh start ($N_TICKETS cases)"

  # Studios to submit to: enterprise unions (with a studio, no union below).
  local UNIONS
  UNIONS=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/unions" | $PY -c '
import json, sys
us = json.load(sys.stdin); parents = {u.get("parent") for u in us}
print(",".join(u["code"] for u in us if u.get("studio_opened_on") and u["code"] not in parents))')
  [ -n "$UNIONS" ] || { echo "no enterprise unions" >> "$LOG"; return 1; }
  local LG="$PY $WORK/loadgen.py" MAX=${CREATE_MAX_YY:-120}
  # Creation, as run_create.sh does it: warm-up 20, then c=1 and c=16. Public submission (the
  # issue's endpoint; no account), then the staff registration (authenticated, like the peers' APIs).
  for kind in public staff; do
    local path=/api/v1/public/cases tok=""
    if [ $kind = staff ]; then path=/api/v1/cases; tok=$TOKEN; fi
    export YY_PORT=$PORT YY_UNIONS=$UNIONS YY_CREATE=$path YY_TOKEN=$tok
    step "yy: create warm-up ($kind)" 120 $LG create --peer yy -n 20 -c 4 --start 800000 --label warmup
    for c in 1 16; do
      echo "--- yy: create $kind c=$c" >> "$LOG"
      timeout 300 $LG create --peer yy -n "$CREATE_N" -c $c --start $((c == 1 ? 100000 : 200000)) --pid "$YY_PID" \
        --max-seconds "$MAX" --label "create c=$c ($kind)" >> "$RAW/create_yy.jsonl" 2>> "$LOG" \
        || echo "yy: create $kind c=$c	failed" >> "$RAW/steps.tsv"
    done
  done
  mem "$D/server.pid" "yy after creation load"

  # First page of a filtered list and keyword searches, c=1, as run_list.sh does for the peers.
  export YY_TOKEN=$TOKEN
  local N=${LIST_N_YY:-20}
  while read -r label query; do
    echo "--- yy: $label" >> "$LOG"
    timeout 600 $LG get --peer yy --url "/api/v1/cases?$query" -n "$N" -c 1 --pid "$YY_PID" --max-seconds 300 \
      --label "$label" >> "$RAW/list_yy.jsonl" 2>> "$LOG" || echo "yy: $label	failed" >> "$RAW/steps.tsv"
    # how many cases match (the peers' RESULTS give their hit counts too)
    curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/cases?$query&per_page=1" \
      | $PY -c "import json,sys; print(json.dumps({'label': sys.argv[1], 'total': json.load(sys.stdin).get('total')}))" "$label" \
      >> "$RAW/yy_totals.jsonl" 2>> "$LOG"
  done <<LIST
filtered_first_page(kind=claim) kind=claim
filtered_first_page(status=resolved) status=resolved
filtered_first_page(open=true) open=true
filtered_first_page(status=registered) status=registered
keyword_search(rare:$YY_RARE) q=$(enc_q "$YY_RARE")
keyword_search(common:$YY_COMMON) q=$(enc_q "$YY_COMMON")
LIST
  mem "$D/server.pid" "yy after list/search"

  # youyue-bench's own runner on the same server (Rust, time-bounded cells).
  step "yy: youyue-bench run intake,inbox,search c=1,16" 900 env BENCH_TOKEN="$TOKEN" "$BENCH" run --url "$URL" --pid "$YY_PID" \
    --scenarios intake,inbox,search --concurrency 1,16 --seconds "$BENCH_SECONDS" \
    --out "$RAW/youyue-bench.json" --markdown "$RAW/youyue-bench.md"
  mem "$D/server.pid" "yy after youyue-bench"
  note "yy_rss_status=$(grep -E '^(VmRSS|VmHWM)' /proc/$YY_PID/status | tr -s ' \t' ' ' | tr '\n' ';')"
  note "yy_db_mib=$(( $(cat "$D"/yy.db* | wc -c) / 1048576 ))"
  stop_yy
  sed 's/\x1b\[[0-9;]*m//g' "$D/server.err" | grep -cE "^[^ ]+ +(ERROR|WARN) " > "$RAW/yy_server_warnings.txt" || true
  note "load_yy_after=$(loadavg)"
}
# percent-encoding for the query string; the words are UTF-8 Chinese
enc_q() { $PY -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
# A rare word and a common one, as "asbestos" (1 ticket in 500) and "overtime" (1 in 6–12)
# are for the peers. The generator's texts have nothing as rare: 联名 (a joint letter) is in
# 1 case in 240 of `youyue-bench gen --cases 50000`, 夜班 (night shift) in 1 in 8. The
# measured counts are in the results.
YY_RARE=${YY_RARE:-联名}
YY_COMMON=${YY_COMMON:-夜班}

# ---------------------------------------------------------------- the peers
dh_block() {
  note "load_dh_before=$(loadavg)"
  cd "$PEERS_DIR" || return 1
  step "dh: setup (pip django-helpdesk, project, migrate)" 900 ./dh_setup.sh || return 1
  step "dh: serve" 120 ./dh_serve.sh || return 1
  mem /opt/peers/dhsite/gunicorn.pid "dh idle, fresh install (0 tickets)"
  step "dh: create c=1, c=16" 600 ./run_create.sh dh "$CREATE_N" "${CREATE_MAX_DH:-120}"
  mem /opt/peers/dhsite/gunicorn.pid "dh after creation load"
  step "dh: seed to $N_TICKETS" 900 sh -c "cd /opt/peers/dhsite && TARGET=$N_TICKETS ../dh-venv/bin/python manage.py shell < '$PEERS_DIR/dh_seed.py'"
  step "dh: first request" 300 sh -c "./first_request.sh dh >> '$RAW/first_request.txt'"
  sleep 1; mem /opt/peers/dhsite/gunicorn.pid "dh idle, fresh start ($N_TICKETS tickets)"
  step "dh: list/search" 1200 ./run_list.sh dh "${LIST_N_DH:-3}"
  mem /opt/peers/dhsite/gunicorn.pid "dh after list/search"
  stop_pidfile /opt/peers/dhsite/gunicorn.pid
  note "load_dh_after=$(loadavg)"
  cd "$ROOT"
}
rt_block() {
  note "load_rt_before=$(loadavg)"
  cd "$PEERS_DIR" || return 1
  if ! dpkg -s request-tracker5 >/dev/null 2>&1; then
    step "rt: apt-get update" 600 apt-get update
    step "rt: install (apt request-tracker5)" 1200 env OUT="$WORK/rt-install" ./rt_install.sh || return 1
  else
    echo "rt: already installed" >> "$LOG"
  fi
  # A fresh database each run (PEERS_FRESH=1): the one the install made, kept aside the first
  # time it is seen with no tickets; RT's auth token lives in it, so it is made again.
  local RTDB=/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
  if [ "${PEERS_FRESH:-1}" = 1 ] && [ -f "$RTDB" ]; then
    mkdir -p /opt/peers/rt
    if [ ! -f /opt/peers/rt/rtdb.pristine ] && [ "$(sqlite3 "$RTDB" 'SELECT count(*) FROM Tickets')" = 0 ]; then
      cp -p "$RTDB" /opt/peers/rt/rtdb.pristine
    fi
    if [ -f /opt/peers/rt/rtdb.pristine ]; then
      cp -p /opt/peers/rt/rtdb.pristine "$RTDB"; rm -f /opt/peers/rt/token /opt/peers/rt/server.pid
      echo "rt: fresh database" >> "$LOG"
    fi
  fi
  step "rt: configure, serve" 300 ./rt_configure_serve.sh || return 1
  mem /opt/peers/rt/server.pid "rt idle, fresh start (before creation)"
  step "rt: create c=1, c=16" 600 ./run_create.sh rt "$CREATE_N" "${CREATE_MAX_RT:-90}"
  mem /opt/peers/rt/server.pid "rt after creation load"
  step "rt: seed to $N_TICKETS" 900 env TARGET="$N_TICKETS" ./rt_seed.sh
  step "rt: first request" 300 sh -c "./first_request.sh rt >> '$RAW/first_request.txt'"
  sleep 1; mem /opt/peers/rt/server.pid "rt idle, fresh start ($N_TICKETS tickets)"
  step "rt: list/search" 1200 ./run_list.sh rt "${LIST_N_RT:-5}"
  mem /opt/peers/rt/server.pid "rt after list/search"
  stop_pidfile /opt/peers/rt/server.pid
  note "load_rt_after=$(loadavg)"
  cd "$ROOT"
}
rd_block() {
  note "load_rd_before=$(loadavg)"
  cd "$PEERS_DIR" || return 1
  # A fresh tracker each run (PEERS_FRESH=1); rd_setup_serve.sh installs and initialises it again.
  if [ "${PEERS_FRESH:-1}" = 1 ]; then rm -rf /opt/peers/rdtracker; fi
  step "rd: setup, serve (pip roundup, tracker)" 900 ./rd_setup_serve.sh || return 1
  mem /opt/peers/rdtracker.pid "rd idle, fresh start (before creation)"
  step "rd: create c=1, c=16" 600 ./run_create.sh rd "$CREATE_N" "${CREATE_MAX_RD:-90}"
  mem /opt/peers/rdtracker.pid "rd after creation load"
  step "rd: seed to $N_TICKETS" 1200 sh -c "TARGET=$N_TICKETS /opt/peers/rd-venv/bin/python rd_seed.py && chown -R www-data:www-data /opt/peers/rdtracker"
  step "rd: first request" 300 sh -c "./first_request.sh rd >> '$RAW/first_request.txt'"
  sleep 1; mem /opt/peers/rdtracker.pid "rd idle, fresh start ($N_TICKETS tickets)"
  step "rd: list/search" 1200 ./run_list.sh rd "${LIST_N_RD:-3}"
  mem /opt/peers/rdtracker.pid "rd after list/search"
  stop_pidfile /opt/peers/rdtracker.pid
  note "load_rd_after=$(loadavg)"
  cd "$ROOT"
}

youyue_block || echo "youyue block	failed" >> "$RAW/steps.tsv"
stop_yy
for p in dh rt rd; do
  if has_peer $p; then ${p}_block || echo "$p block	failed" >> "$RAW/steps.tsv"; fi
  cd "$ROOT"
done
note "load_end=$(loadavg)"
note "other_compilers_end=$(pgrep -c -x rustc || true)"
for f in /opt/peers/dhsite/gunicorn.pid /opt/peers/rt/server.pid /opt/peers/rdtracker.pid; do stop_pidfile "$f"; done

report
echo "== wrote $OUT (raw: $RAW)" >&2
