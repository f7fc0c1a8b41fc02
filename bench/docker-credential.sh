#!/usr/bin/env bash
# Benchmark the docker credential helper (`docker-credential-entra-auth-cli get`) against
# same-run baselines (BENCHMARKS.md, "The docker credential helper"):
# - a cached `get` (the ACR refresh token from the file store) against `/bin/true`
#   (target: at most 2x, DESIGN.md "Performance targets");
# - a cold `get` (nothing cached: the IdP's token endpoint, then the registry's
#   /oauth2/exchange) against curl making the same two HTTP calls.
#
#   bench/docker-credential.sh            # RUNS=200 by default (cold group: RUNS/2)
#   BIN=target/release/entra-auth-cli bench/docker-credential.sh   # the dynamic build instead
#
# The binary is the static one (`cargo build-static`, what a container gets and what the 2x
# target of issue 14 is set for; bench/footprint.sh), unless BIN names another.
#
# Everything talks to the loopback emulator (examples/emulator.rs: Entra and an emulated ACR) on
# 127.0.0.1 only, in a temp HOME. docker writes the server URL on the helper's stdin, and
# Debian's hyperfine (1.15: no --input) gives a command /dev/null as stdin, so every process that
# needs the server URL is started by `feed` (a 10-line static C program built here: opens the
# file as stdin, then execs the command, no shell and no fork). `feed FILE /bin/true` is measured
# in the same run, so the feeder's own cost is known and subtracted for the ratio to `/bin/true`.
# Results are medians and ratios; nothing here asserts a timing. Raw hyperfine JSON goes to
# $BENCH_OUT (default target/bench/).
set -euo pipefail

RUNS="${RUNS:-200}"
WARMUP="${WARMUP:-20}"
COLD_RUNS="${COLD_RUNS:-$((RUNS / 2))}"
CACHED_TARGET_RATIO=2

# Test-only fixtures: the emulator's constant secret and a fixed cache key (bytes 0..31).
CLIENT_SECRET='emu~s3cr3t.Value_0123456789'
CACHE_KEY='AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
ACR_SCOPE='https://containerregistry.azure.net/.default'

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH_OUT="${BENCH_OUT:-$ROOT/target/bench}"
log() { printf '==> %s\n' "$*" >&2; }

# shellcheck source=bench/packages.sh
. "$ROOT/bench/packages.sh"
install_missing hyperfine:hyperfine curl:curl cc:gcc
command -v python3 >/dev/null 2>&1 || { echo "python3 is required" >&2; exit 1; }

log "building the binary and the emulator"
# Separate commands on purpose (see bench/get-token.sh): the example's dev-dependencies must not
# unify features into the binary.
if [[ -z "${BIN:-}" ]]; then
    cargo build-static
    BIN="$ROOT/target/x86_64-unknown-linux-gnu/release/entra-auth-cli"
fi
cargo build --release --locked --example emulator
CLI="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
[[ -x "$CLI" ]] || { echo "no binary at $BIN" >&2; exit 1; }
EMU="$ROOT/target/release/examples/emulator"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/entra-bench-docker.XXXXXX")"
EMU_PID=""
cleanup() {
    stop_emulator
    rm -rf "$TMP"
}
# shellcheck source=bench/emulator.sh
. "$ROOT/bench/emulator.sh"
trap cleanup EXIT
trap 'exit 130' INT TERM
start_emulator "$EMU" || exit 1
case "$AUTHORITY|$REGISTRY" in
    http://127.0.0.1:*"|127.0.0.1:"*) ;;
    *) echo "refusing non-loopback endpoints: $AUTHORITY $REGISTRY" >&2; exit 1 ;;
esac
log "emulator at $AUTHORITY, registry at $REGISTRY (pid $EMU_PID)"

# A sandbox: nothing from the real HOME, no proxies, no config file, file backend only; the
# default profile from AZURE_* variables, listing the emulated registry (plain http: loopback).
mkdir -p "$TMP/home" "$TMP/config" "$TMP/bin"
mkdir -m 700 "$TMP/run"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy ENTRA_AUTH_PROFILE \
      ENTRA_AUTH_LOG AZURE_CLIENT_CERTIFICATE_PATH AZURE_FEDERATED_TOKEN_FILE DOCKER_CONFIG
export HOME="$TMP/home" XDG_RUNTIME_DIR="$TMP/run" \
       DBUS_SESSION_BUS_ADDRESS="unix:path=$TMP/no-such-bus" \
       NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
       AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT_ID" AZURE_CLIENT_SECRET="$CLIENT_SECRET" \
       AZURE_AUTHORITY_HOST="$AUTHORITY" ENTRA_AUTH_CONTAINER_REGISTRIES="$REGISTRY" \
       ENTRA_AUTH_CONFIG_DIR="$TMP/config" ENTRA_AUTH_CACHE_DIR="$TMP/cache" \
       ENTRA_AUTH_CACHE_KEY="$CACHE_KEY" ENTRA_AUTH_STORE=file
HELPER="$TMP/bin/docker-credential-entra-auth-cli"
ln -s "$CLI" "$HELPER"
printf '%s\n' "$REGISTRY" >"$TMP/server.txt"
cat >"$TMP/feed.c" <<'C'
#include <fcntl.h>
#include <unistd.h>
/* feed FILE COMMAND [ARGS...]: COMMAND with FILE as its stdin (exec, no fork, no shell). */
int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0 || dup2(fd, 0) < 0) return 2;
    execv(argv[2], argv + 2);
    return 127;
}
C
cc -O2 -static -o "$TMP/feed" "$TMP/feed.c" 2>/dev/null || cc -O2 -o "$TMP/feed" "$TMP/feed.c"
FEED="$TMP/feed $TMP/server.txt"

secret_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["Secret"])'; }
# Warm-up checks: a cold get exchanges, the next one is the cached token (same refresh token;
# a new exchange would mint another), and a cleared cache exchanges again.
first="$("$HELPER" get <"$TMP/server.txt" | secret_of)"
second="$("$HELPER" get <"$TMP/server.txt" | secret_of)"
[[ -n "$first" && "$first" == "$second" ]] || { echo "warm-up: the second get was not a cache hit" >&2; exit 1; }
rm -rf "$TMP/cache"
third="$("$HELPER" get <"$TMP/server.txt" | secret_of)"
[[ "$third" != "$first" ]] || { echo "warm-up: a cleared cache did not exchange again" >&2; exit 1; }

# The two HTTP calls of a cold get, for curl: the client-credentials request for ACR's scope,
# then the exchange with that token (-q: ignore any .curlrc).
FORM="grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&scope=https%3A%2F%2Fcontainerregistry.azure.net%2F.default"
ENTRA_TOKEN="$(curl -q -sS --fail -X POST --data "$FORM" "$TOKEN_URL" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
EXCHANGE="grant_type=access_token&service=$REGISTRY&tenant=$TENANT&access_token=$ENTRA_TOKEN"
EXCHANGE_URL="http://$REGISTRY/oauth2/exchange"
curl -q -sS --fail -o /dev/null -X POST --data "$EXCHANGE" "$EXCHANGE_URL" \
    || { echo "curl baseline exchange failed" >&2; exit 1; }
printf '%s' "$FORM" >"$TMP/idp.form"
printf '%s' "$EXCHANGE" >"$TMP/exchange.form"
# Both calls in sequence, the token passed from the first to the second (what a script would do).
cat >"$TMP/two-calls.sh" <<SH
#!/bin/sh
t=\$(curl -q -sS --fail -X POST --data @$TMP/idp.form $TOKEN_URL | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
curl -q -sS --fail -o /dev/null -X POST --data "grant_type=access_token&service=$REGISTRY&tenant=$TENANT&access_token=\$t" $EXCHANGE_URL
SH
chmod +x "$TMP/two-calls.sh"
"$TMP/two-calls.sh"

mkdir -p "$BENCH_OUT"
HF=(hyperfine -N --warmup "$WARMUP" --style basic --time-unit millisecond)

"$HELPER" get <"$TMP/server.txt" >/dev/null
log "group cached: $RUNS runs"
"${HF[@]}" --runs "$RUNS" --export-json "$BENCH_OUT/docker-cached.json" \
    -n "/bin/true" "/bin/true" \
    -n "feed /bin/true" "$FEED /bin/true" \
    -n "feed docker-credential-entra-auth-cli get (cache hit)" "$FEED $HELPER get" \
    -n "feed entra-auth-cli docker-credential get (cache hit)" "$FEED $CLI docker-credential get" \
    -n "entra-auth-cli get-token (cache hit, reference)" "$CLI get-token -s $ACR_SCOPE" \
    >"$BENCH_OUT/docker-cached.txt"
[[ "$("$HELPER" get <"$TMP/server.txt" | secret_of)" == "$third" ]] \
    || { echo "after the cached group: not the cached token" >&2; exit 1; }

log "group cold: $COLD_RUNS runs (the cache is removed before each helper run)"
"${HF[@]}" --runs "$COLD_RUNS" --export-json "$BENCH_OUT/docker-cold.json" \
    --prepare "rm -rf $TMP/cache" -n "feed docker-credential-entra-auth-cli get (cold: IdP + exchange)" "$FEED $HELPER get" \
    --prepare "/bin/true" -n "curl: IdP token request" "curl -q -sS --fail -o /dev/null -X POST --data @$TMP/idp.form $TOKEN_URL" \
    --prepare "/bin/true" -n "curl: ACR exchange" "curl -q -sS --fail -o /dev/null -X POST --data @$TMP/exchange.form $EXCHANGE_URL" \
    --prepare "/bin/true" -n "curl: both calls in sequence (sh script)" "$TMP/two-calls.sh" \
    >"$BENCH_OUT/docker-cold.txt"

python3 - "$BENCH_OUT/docker-cached.json" "$BENCH_OUT/docker-cold.json" "$CACHED_TARGET_RATIO" <<'PY'
import json, statistics, sys
def medians(path):
    return {r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(path))["results"]}
cached, cold, target = medians(sys.argv[1]), medians(sys.argv[2]), float(sys.argv[3])
true = cached["/bin/true"]
feed = cached["feed /bin/true"] - true
print("| cached group | median (ms) | vs /bin/true | without the feeder's cost, vs /bin/true |")
print("|---|---|---|---|")
for name, ms in cached.items():
    own = ms - feed if name.startswith("feed ") else ms
    print(f"| {name} | {ms:.2f} | {ms / true:.2f}x | {own / true:.2f}x |")
helper = cached["feed docker-credential-entra-auth-cli get (cache hit)"] - feed
verdict = "met" if helper / true <= target else "NOT met"
print(f"\ncached get / /bin/true = {helper / true:.2f}x without the feeder ({(helper + feed) / (true + feed):.2f}x both fed) (target <= {target:.0f}x: {verdict})\n")
pair = cold["curl: IdP token request"] + cold["curl: ACR exchange"]
print("| cold group | median (ms) | vs the two curl calls (sum) |")
print("|---|---|---|")
for name, ms in cold.items():
    print(f"| {name} | {ms:.2f} | {ms / pair:.2f}x |")
print(f"| sum of the two curl calls | {pair:.2f} | 1.00x |")
PY
