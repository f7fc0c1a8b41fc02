#!/usr/bin/env bash
# `serve` under load, side by side with nginx (issue 23, DESIGN.md Turn-3 targets):
#   1. wrk, 100 keep-alive connections: `serve` answering token requests (memo hit, header
#      checked, JSON rendered per request) vs nginx-light with ONE worker serving the same token
#      JSON as a static file, alternating ROUNDS times in one run; requests/s, errors, ratio;
#   2. memory: RSS of a fresh `serve` after its first 1000 requests and after a million;
#   3. slowloris: the slowest of 20 requests from a client with the header while another
#      process holds 200 trickling connections (tests/support/endpoint_load.py).
#
#   bench/serve.sh                    # ROUNDS=3 DURATION=10s THREADS=2
#
# Needs wrk and nginx-light (apt-get install wrk nginx-light), python3 and curl. The header
# reaches wrk through a Lua script reading its file, never a command line. Prints figures;
# asserts nothing. Everything stays on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS=100
CLIENT_SECRET='emu~s3cr3t.Value_0123456789'
CACHE_KEY='AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
ARM=https://management.azure.com
NGINX="${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
[[ -x "$NGINX" ]] || { echo "needs nginx (apt-get install nginx-light)" >&2; exit 1; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 1; }
# Alone: built together with the example, dev-dependency features would leak into it.
cargo build --release --locked --bin entra-auth-cli --manifest-path "$ROOT/Cargo.toml" >&2
cargo build --release --locked --example emulator --manifest-path "$ROOT/Cargo.toml" >&2
CLI="$ROOT/target/release/entra-auth-cli"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/entra-serve-bench.XXXXXX")"
SERVE_PID="" NGINX_PID=""
# shellcheck source=bench/emulator.sh
source "$ROOT/bench/emulator.sh"
cleanup() {
    [[ -n "$SERVE_PID" ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
    [[ -n "$NGINX_PID" ]] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
    stop_emulator
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_emulator "$ROOT/target/release/examples/emulator"

mkdir -p "$TMP/home" "$TMP/config" "$TMP/cache" "$TMP/www/msi" "$TMP/nginx"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy ENTRA_AUTH_PROFILE
export HOME="$TMP/home" DBUS_SESSION_BUS_ADDRESS="unix:path=$TMP/no-bus" \
       NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
       AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT_ID" AZURE_CLIENT_SECRET="$CLIENT_SECRET" \
       AZURE_AUTHORITY_HOST="$AUTHORITY" ENTRA_AUTH_CONFIG_DIR="$TMP/config" \
       ENTRA_AUTH_CACHE_DIR="$TMP/cache" ENTRA_AUTH_CACHE_KEY="$CACHE_KEY" ENTRA_AUTH_STORE=file
HEADER_FILE="$TMP/header"
export HEADER_FILE

# Starts `serve` on a free port; sets SERVE_PID and SERVE_URL.
start_serve() {
    "$CLI" serve --header-file "$HEADER_FILE" >"$TMP/serve.out" 2>"$TMP/serve.err" &
    SERVE_PID=$!
    for _ in $(seq 1 200); do
        grep -q '^IDENTITY_ENDPOINT=' "$TMP/serve.out" 2>/dev/null && break
        sleep 0.05
    done
    SERVE_URL="$(sed -n 's/^IDENTITY_ENDPOINT=//p' "$TMP/serve.out")"
    [[ -n "$SERVE_URL" ]] || { echo "serve did not start:" >&2; cat "$TMP/serve.err" >&2; exit 1; }
}
stop_serve() { kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

start_serve
QUERY="api-version=2019-08-01&resource=$ARM"
# The token JSON, once, for nginx to serve as it is (header from a file: curl -H @file).
printf 'X-IDENTITY-HEADER: %s\n' "$(cat "$HEADER_FILE")" >"$TMP/curl-header"
curl -sf -H @"$TMP/curl-header" "$SERVE_URL?$QUERY" >"$TMP/www/msi/token"
BYTES="$(wc -c <"$TMP/www/msi/token")"

NGINX_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# As root, nginx's worker would drop to nobody, who cannot read the private temp directory.
USER_LINE=""
[[ "$(id -u)" -eq 0 ]] && USER_LINE="user root root;"
cat >"$TMP/nginx/nginx.conf" <<CONF
$USER_LINE
worker_processes 1;
daemon off;
error_log $TMP/nginx/error.log;
pid $TMP/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 60s;
    client_body_temp_path $TMP/nginx/body;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
        default_type application/json;
        location = /msi/token { add_header Cache-Control no-store; }
    }
}
CONF
"$NGINX" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
NGINX_PID=$!
sleep 0.3
curl -sf "http://127.0.0.1:$NGINX_PORT/msi/token?$QUERY" -o /dev/null || { echo "nginx did not start:" >&2; cat "$TMP/nginx/error.log" >&2; exit 1; }

cat >"$TMP/header.lua" <<'LUA'
local f = assert(io.open(os.getenv("HEADER_FILE"), "r"))
wrk.headers["X-IDENTITY-HEADER"] = f:read("*l")
f:close()
LUA

# One wrk run; prints "requests/s errors".
run_wrk() {
    local out
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$TMP/header.lua" "$1")"
    local rps errors
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    errors="$(awk '/Socket errors:/ {gsub(",",""); print $4+$6+$8+$10} /Non-2xx/ {print $5}' <<<"$out" | paste -sd+ | bc 2>/dev/null || true)"
    echo "$rps ${errors:-0}"
}

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION, alternating, $ROUNDS rounds ($BYTES-byte token JSON)"
declare -a SERVE_RPS NGINX_RPS
for round in $(seq 1 "$ROUNDS"); do
    read -r s_rps s_err < <(run_wrk "$SERVE_URL?$QUERY")
    read -r n_rps n_err < <(run_wrk "http://127.0.0.1:$NGINX_PORT/msi/token?$QUERY")
    SERVE_RPS+=("$s_rps") NGINX_RPS+=("$n_rps")
    printf 'round %d: serve %10.0f req/s (%s errors)   nginx %10.0f req/s (%s errors)   ratio %.2f\n' \
        "$round" "$s_rps" "$s_err" "$n_rps" "$n_err" "$(bc -l <<<"$s_rps / $n_rps")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
S_MED="$(median "${SERVE_RPS[@]}")" N_MED="$(median "${NGINX_RPS[@]}")"
printf 'median: serve %.0f req/s, nginx %.0f req/s, serve/nginx = %.2f\n' "$S_MED" "$N_MED" "$(bc -l <<<"$S_MED / $N_MED")"
kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""

echo "== memory: a fresh serve, RSS after 1000 requests and after 1,000,000"
stop_serve
start_serve
python3 - "$SERVE_URL?$QUERY" <<'PY'
import http.client, os, sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
header = open(os.environ["HEADER_FILE"]).read().strip()
conn = http.client.HTTPConnection(url.hostname, url.port)
for _ in range(1000):
    conn.request("GET", url.path + "?" + url.query, headers={"X-IDENTITY-HEADER": header})
    response = conn.getresponse()
    response.read()
    assert response.status == 200, response.status
PY
RSS_1K="$(rss_kb "$SERVE_PID")"
TOTAL=1000
while (( TOTAL < 1000000 )); do
    out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$TMP/header.lua" "$SERVE_URL?$QUERY")"
    done_now="$(awk '/requests in/ {print $1}' <<<"$out")"
    TOTAL=$(( TOTAL + done_now ))
done
RSS_1M="$(rss_kb "$SERVE_PID")"
printf 'RSS after 1000 requests: %d KiB; after %d: %d KiB (%.2fx)\n' "$RSS_1K" "$TOTAL" "$RSS_1M" "$(bc -l <<<"$RSS_1M / $RSS_1K")"

echo "== slowloris: 200 trickling connections from another process, 20 requests with the header"
HOSTPORT="${SERVE_URL#http://}"; HOSTPORT="${HOSTPORT%%/*}"
coproc SLOW { python3 "$ROOT/tests/support/endpoint_load.py" slowloris 127.0.0.1 "${HOSTPORT##*:}" 200; }
read -r ready <&"${SLOW[0]}"
[[ "$ready" == ready ]] || { echo "slowloris did not start" >&2; exit 1; }
python3 - "$SERVE_URL?$QUERY" <<'PY'
import http.client, os, sys, time, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
header = open(os.environ["HEADER_FILE"]).read().strip()
times = []
for _ in range(20):
    start = time.monotonic()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", url.path + "?" + url.query, headers={"X-IDENTITY-HEADER": header})
    response = conn.getresponse()
    response.read()
    assert response.status == 200, response.status
    times.append(time.monotonic() - start)
    conn.close()
    time.sleep(0.4)
times.sort()
print(f"served 20/20 while 200 slow connections were held: median {times[10]*1000:.1f} ms, slowest {times[-1]*1000:.1f} ms")
PY
eval "exec ${SLOW[1]}>&-"
wait "$SLOW_PID" 2>/dev/null || true
