#!/usr/bin/env bash
# Bounded schemathesis check of the JSON API against its own OpenAPI document.
#
# Run it against a THROWAWAY server (e.g. `youyue --db sqlite:///tmp/st/youyue.db serve
# --demo --listen 127.0.0.1:8123 --submissions-per-minute 100000`): it registers cases,
# moves them through the workflow, creates users and unions and changes settings.
#
# Environment:
#   YOUYUE_URL       the server's origin, default http://127.0.0.1:8080 (the spec's paths
#                    already start with /api/v1)
#   YOUYUE_TOKEN     an administrator's API token (yy_…, from POST /api/v1/tokens); without
#                    it only the unauthenticated pass runs
#   ST               the schemathesis CLI, default `st` on PATH (tested with 4.32.5:
#                    python3 -m venv /opt/st && /opt/st/bin/pip install schemathesis)
#   ST_MAX_TIME      seconds per pass, default 120 (fuzzing repeats until it is spent)
#   ST_MAX_EXAMPLES  test cases per operation and round, default 20
#   ST_WORKERS       default 1: with several workers, schemathesis 4.32 on CPython 3.11
#                    sometimes dies with "AST constructor recursion depth mismatch" (a
#                    CPython thread-safety bug in ast, not the API)
#   ST_SEED          fixed seed for a reproducible run
#   ST_REPORT_DIR    if set, JUnit and JSON reports of each pass go there
# Arguments, if any, are added to every pass's `st run` (e.g. --include-path-regex '^/api/v1/cases').
#
# Passes: (1) authenticated, (2) without credentials. Checks: no 5xx, documented status
# codes, documented content types, response bodies valid against their schemas. Exits
# non-zero if either pass finds a failure or errors.
#
# Operations that end the token's own credentials are left out of the authenticated pass:
# changing the password, logging out everywhere, revoking a token (the fuzzer would guess
# the token's own id).
#
# PATCH /api/v1/users/{username} is fuzzed only on accounts other than the token's owner
# and without feeding it usernames seen in responses: changing one's own password (or
# disabling oneself) revokes the token by design and would turn the rest of the run into
# 401s.
set -u

URL="${YOUYUE_URL:-http://127.0.0.1:8080}"
URL="${URL%/}"
TOKEN="${YOUYUE_TOKEN:-}"
ST="${ST:-st}"
MAX_TIME="${ST_MAX_TIME:-120}"
MAX_EXAMPLES="${ST_MAX_EXAMPLES:-20}"
WORKERS="${ST_WORKERS:-1}"
SCHEMA="$URL/api/v1/openapi.json"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

if ! command -v "$ST" >/dev/null 2>&1; then
    echo "schemathesis CLI '$ST' not found; set ST=/path/to/st" >&2
    exit 2
fi
if ! curl -sf -o /dev/null "$SCHEMA"; then
    echo "no OpenAPI document at $SCHEMA" >&2
    exit 2
fi

# Work in a scratch directory: schemathesis leaves .hypothesis/ and .schemathesis/ in the
# current directory.
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 2

# Dictionaries of real values (unions, case numbers, usernames, dates), so that the fuzzer
# also gets past 404/422 and the 200 responses are checked against their schemas.
auth=()
[ -n "$TOKEN" ] && auth=(-H "Authorization: Bearer $TOKEN")
curl -s "${auth[@]}" "$URL/api/v1/unions" >unions.json || true
curl -s "${auth[@]}" "$URL/api/v1/cases?per_page=50" >cases.json || true
curl -s "${auth[@]}" "$URL/api/v1/users" >users.json || true
curl -s "${auth[@]}" "$URL/api/v1/me" >me.json || true
python3 - >schemathesis.toml <<'EOF'
import json

def load(path, pick):
    try:
        data = json.load(open(path))
        values = pick(data)
        return [v for v in values if isinstance(v, str)]
    except Exception:
        return []

unions = load("unions.json", lambda d: [u["code"] for u in d]) or ["jd", "jd.s1", "jd.s1.e1"]
cases = load("cases.json", lambda d: [c["number"] for c in d["cases"]]) or ["JD-2026-000001"]
staff = load("users.json", lambda d: [u["username"] for u in d])
me = load("me.json", lambda d: [d["username"]])
users = staff + ["me"]
others = [u for u in staff if u not in me] or ["nobody-here"]
q = lambda values: json.dumps(values, ensure_ascii=False)
print(f"""[dictionaries]
unions = {{ values = {q(unions)} }}
cases = {{ values = {q(cases)} }}
users = {{ values = {q(users)} }}
others = {{ values = {q(others)} }}
dates = {{ values = ["2026-01-01", "2026-03-31", "2026-12-31", "2025-01-01", "2027-02-28"] }}
times = {{ values = ["2026-03-02T14:00:00+08:00", "2026-12-01T09:30:00Z"] }}
years = {{ values = [2025, 2026, 2027] }}
items = {{ values = ["workplace", "sign", "rules", "hotline", "mailbox", "roster", "record_book", "bulletin_board"] }}
amounts = {{ values = ["0", "30000", "12.50", "0.01"] }}
ratings = {{ values = [1, 3, 5] }}

[parameters]
"query.union" = {{ dictionary = "unions", probability = 0.7 }}
"query.from" = {{ dictionary = "dates", probability = 0.7 }}
"query.to" = {{ dictionary = "dates", probability = 0.7 }}
"query.year" = {{ dictionary = "years", probability = 0.7 }}
"query.assigned" = {{ dictionary = "users", probability = 0.5 }}
"path.number" = {{ dictionary = "cases", probability = 0.8 }}
"path.code" = {{ dictionary = "unions", probability = 0.8 }}
"path.item" = {{ dictionary = "items", probability = 0.8 }}
"body.union" = {{ dictionary = "unions", probability = 0.7 }}
"body.parent" = {{ dictionary = "unions", probability = 0.7 }}
"body.handler" = {{ dictionary = "users", probability = 0.7 }}
"body.due_on" = {{ dictionary = "dates", probability = 0.5 }}
"body.studio_opened_on" = {{ dictionary = "dates", probability = 0.5 }}
"body.starts_at" = {{ dictionary = "times", probability = 0.7 }}
"body.opened_at" = {{ dictionary = "times", probability = 0.5 }}
"body.amount_recovered" = {{ dictionary = "amounts", probability = 0.5 }}
"body.rating" = {{ dictionary = "ratings", probability = 0.5 }}
"body.score" = {{ dictionary = "ratings", probability = 0.5 }}

[[operations]]
include-operation-id = "change_user"
parameters = {{ "path.username" = {{ dictionary = "others", probability = 0.9 }} }}
phases = {{ stateful = {{ enabled = false }}, examples = {{ extra-data-sources = {{ responses = false }} }}, coverage = {{ extra-data-sources = {{ responses = false }} }}, fuzzing = {{ extra-data-sources = {{ responses = false }} }} }}
""")
EOF

run_pass() {
    local name="$1"
    shift
    local extra=()
    [ -n "${ST_SEED:-}" ] && extra+=(--seed "$ST_SEED")
    if [ -n "${ST_REPORT_DIR:-}" ]; then
        mkdir -p "$ST_REPORT_DIR/$name"
        extra+=(--report junit,json --report-dir "$ST_REPORT_DIR/$name")
    fi
    echo "=== schemathesis pass: $name"
    "$ST" --config-file schemathesis.toml run "$SCHEMA" \
        --url "$URL" \
        --checks "$CHECKS" \
        --continue-on-failure \
        --max-examples "$MAX_EXAMPLES" \
        --max-time "$MAX_TIME" \
        --workers "$WORKERS" \
        --generation-database none \
        --no-color \
        "${extra[@]}" "$@" "${ARGS[@]}"
    local rc=$?
    echo "=== pass $name: exit $rc"
    return $rc
}

ARGS=("$@")
status=0
if [ -n "$TOKEN" ]; then
    run_pass authenticated -H "Authorization: Bearer $TOKEN" \
        --exclude-operation-id change_password --exclude-operation-id logout_everywhere \
        --exclude-operation-id revoke_token || status=1
    if ! curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL/api/v1/me"; then
        echo "warning: the token no longer works after the authenticated pass" >&2
    fi
else
    echo "YOUYUE_TOKEN not set: skipping the authenticated pass" >&2
fi
run_pass unauthenticated || status=1

if [ "$status" -ne 0 ]; then
    echo "schemathesis: failures found (see above)" >&2
fi
exit "$status"
