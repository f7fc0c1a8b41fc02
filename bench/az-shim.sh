#!/usr/bin/env bash
# Benchmark the `az` shim (the binary started as `az`) against same-run baselines.
#
#   bench/az-shim.sh                  # RUNS=200; BIN=target/release/entra-auth-cli
#   BIN=target/debug/entra-auth-cli bench/az-shim.sh
#
# A loopback App Service endpoint (Python stdlib, fixed token reply, 127.0.0.1 only) stands in for
# `exec`'s endpoint. Baselines in the same hyperfine run: `entra-auth-cli --version` (the CLI's
# cheapest start) and `curl` of the same endpoint (one HTTP round trip). Results are medians and
# ratios; nothing here asserts a timing. Raw hyperfine JSON goes to $BENCH_OUT (target/bench/).
set -euo pipefail

RUNS="${RUNS:-200}"
WARMUP="${WARMUP:-20}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${BIN:-$ROOT/target/release/entra-auth-cli}"
BENCH_OUT="${BENCH_OUT:-$ROOT/target/bench}"
mkdir -p "$BENCH_OUT"

need=()
command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine)
command -v curl >/dev/null 2>&1 || need+=(curl)
if ((${#need[@]})); then
    SUDO=""
    [[ "$(id -u)" -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
[[ -x "$BIN" ]] || cargo build --release --locked
command -v python3 >/dev/null 2>&1 || { echo "python3 is required" >&2; exit 1; }

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

HEADER="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
cat >"$WORK/endpoint.py" <<'PY'
import http.server, json, sys, time
header = sys.argv[1]
# {"tid":"7f3c1a2e-9b4d-4c6e-8f10-2a3b4c5d6e7f"} as an unsigned JWT payload
token = "eyJhbGciOiJub25lIn0.eyJ0aWQiOiI3ZjNjMWEyZS05YjRkLTRjNmUtOGYxMC0yYTNiNGM1ZDZlN2YifQ.sig"
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.headers.get("X-IDENTITY-HEADER") != header:
            status, body = 401, {"statusCode": 401, "message": "bad header", "correlationId": "c"}
        else:
            status, body = 200, {"access_token": token, "expires_on": str(int(time.time()) + 3600),
                                 "expires_in": "3600", "resource": "r", "token_type": "Bearer"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$WORK/endpoint.py" "$HEADER" >"$WORK/port" &
SERVER_PID=$!
for _ in $(seq 50); do [[ -s "$WORK/port" ]] && break; sleep 0.1; done
PORT="$(cat "$WORK/port")"
mkdir "$WORK/shim"
ln -s "$BIN" "$WORK/shim/az"
export IDENTITY_ENDPOINT="http://127.0.0.1:$PORT/msi/token" IDENTITY_HEADER="$HEADER" TZ=UTC
export ENTRA_AUTH_AZ_ACCOUNT='{"environmentName":"AzureCloud","id":"s","tenantId":"t"}'
"$WORK/shim/az" account get-access-token --resource https://vault.azure.net >/dev/null

hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --export-json "$BENCH_OUT/az-shim.json" \
    -n 'baseline: entra-auth-cli --version' "$BIN --version" \
    -n 'baseline: curl the endpoint' \
    "curl -s -H X-IDENTITY-HEADER:$HEADER $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=https://vault.azure.net" \
    -n 'az version (shim)' "$WORK/shim/az version" \
    -n 'az account show (shim)' "$WORK/shim/az account show" \
    -n 'az account get-access-token (shim)' \
    "$WORK/shim/az account get-access-token --output json --resource https://vault.azure.net" \
    >/dev/null

python3 - "$BENCH_OUT/az-shim.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
median = {r["command"]: statistics.median(r["times"]) * 1000 for r in results}
version = median["baseline: entra-auth-cli --version"]
curl = median["baseline: curl the endpoint"]
print("| command | median (ms) | vs `--version` | vs curl |")
print("|---|---|---|---|")
for name, ms in median.items():
    print(f"| {name} | {ms:.2f} | {ms / version:.2f}x | {ms / curl:.2f}x |")
PY
