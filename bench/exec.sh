#!/usr/bin/env bash
# `exec`'s credential endpoint, seen from the child, against the loopback emulator:
#   1. hyperfine, run INSIDE `exec --az-shim -- …`: one `curl` to exec's endpoint
#      ($IDENTITY_ENDPOINT, a cached token) vs one `curl` to the emulator's App Service managed
#      identity (a real-shaped MI server that signs a new token per request), and the shim's
#      `az account get-access-token`;
#   2. Python azure-identity inside exec, timed in-process (a new credential per call, so every
#      call goes out): ManagedIdentityCredential vs AzureCliCredential through the az shim,
#      against the published ~250 ms of the real `az account get-access-token`
#      (shared/research/anchors.md), and against the real az when one is installed (AZ=path, or
#      target/azure-cli-venv/bin/az): that az runs with a managed-identity account, so its
#      `get-access-token` also asks exec's endpoint.
#
#   bench/exec.sh                 # RUNS=200 curls, CALLS=30 Python calls
#
# Prints medians and ratios; asserts nothing. Everything stays on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-200}"
WARMUP="${WARMUP:-20}"
CALLS="${CALLS:-30}"
CACHE_KEY='AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
CLIENT_SECRET='emu~s3cr3t.Value_0123456789'
ARM=https://management.azure.com

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 1; }
python3 -c 'import azure.identity' 2>/dev/null \
    || { echo "needs azure-identity (python3 -m pip install azure-identity==1.27.0)" >&2; exit 1; }
# Alone: built together with the example, dev-dependency features would leak into it.
cargo build --release --locked --bin entra-auth-cli --manifest-path "$ROOT/Cargo.toml" >&2
cargo build --release --locked --example emulator --manifest-path "$ROOT/Cargo.toml" >&2
CLI="$ROOT/target/release/entra-auth-cli"
EMU="$ROOT/target/release/examples/emulator"
REAL_AZ="${AZ:-$ROOT/target/azure-cli-venv/bin/az}"
[[ -x "$REAL_AZ" ]] || REAL_AZ=""

TMP="$(mktemp -d "${TMPDIR:-/tmp}/entra-exec-bench.XXXXXX")"
EMU_PID=""
# shellcheck source=bench/emulator.sh
. "$ROOT/bench/emulator.sh"
cleanup() {
    stop_emulator
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_emulator "$EMU" || exit 1
EMU_MI="$APP_SERVICE"
EMU_MI_HEADER="$APP_SERVICE_HEADER"

# A sandbox: nothing from the real HOME, no proxies, file backend, the client-secret profile
# from AZURE_* variables (which exec takes away from the child).
mkdir -p "$TMP/home" "$TMP/config" "$TMP/cache" "$TMP/bench"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy ENTRA_AUTH_PROFILE \
      AZURE_CLIENT_CERTIFICATE_PATH AZURE_FEDERATED_TOKEN_FILE IDENTITY_ENDPOINT IDENTITY_HEADER
export HOME="$TMP/home" DBUS_SESSION_BUS_ADDRESS="unix:path=$TMP/no-bus" \
       NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
       AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT_ID" AZURE_CLIENT_SECRET="$CLIENT_SECRET" \
       AZURE_AUTHORITY_HOST="$AUTHORITY" ENTRA_AUTH_CONFIG_DIR="$TMP/config" \
       ENTRA_AUTH_CACHE_DIR="$TMP/cache" ENTRA_AUTH_CACHE_KEY="$CACHE_KEY" ENTRA_AUTH_STORE=file \
       AZURE_CORE_COLLECT_TELEMETRY=false
export EMU_MI EMU_MI_HEADER RUNS WARMUP CALLS ARM
OUT="$ROOT/target/bench"
mkdir -p "$OUT"

# Does this build have the az shim (`--az-shim` makes the directory; the binary answers as az)?
SHIM=0
"$CLI" exec --az-shim -- az account get-access-token --resource "$ARM" -o json >/dev/null 2>&1 && SHIM=1
export SHIM

# 1. curl inside exec (the script runs as exec's child and sees IDENTITY_ENDPOINT/HEADER).
cat >"$TMP/bench/curl.sh" <<'SH'
set -euo pipefail
q="api-version=2019-08-01&resource=$ARM"
curl -q -sS --fail -o /dev/null -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" "$IDENTITY_ENDPOINT?$q"
shim=()
[[ "$SHIM" == 1 ]] && shim=(-n "az shim: account get-access-token" "az account get-access-token --resource $ARM -o json")
hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --export-json "$OUT_JSON" \
    -n "curl: exec endpoint" "curl -q -sS --fail -o /dev/null -H 'X-IDENTITY-HEADER: $IDENTITY_HEADER' '$IDENTITY_ENDPOINT?$q'" \
    -n "curl: emulator App Service MI" "curl -q -sS --fail -o /dev/null -H 'X-IDENTITY-HEADER: $EMU_MI_HEADER' '$EMU_MI?$q'" \
    "${shim[@]}" >&2
SH
OUT_JSON="$OUT/exec-curl.json" "$CLI" exec --az-shim -- bash "$TMP/bench/curl.sh"

# 2. Python azure-identity inside exec, timed in-process.
cat >"$TMP/bench/sdk.py" <<'PY'
import json, os, statistics, sys, time
from azure.identity import AzureCliCredential, ManagedIdentityCredential
kinds = {"mi": ManagedIdentityCredential, "cli": AzureCliCredential}
result = {}
for name in sys.argv[1:]:
    samples = []
    for i in range(int(os.environ["CALLS"]) + 2):
        credential = kinds[name]()
        start = time.perf_counter()
        credential.get_token(os.environ["ARM"] + "/.default")
        elapsed = time.perf_counter() - start
        credential.close()
        if i >= 2:  # two warm-up calls
            samples.append(elapsed * 1000)
    result[name] = statistics.median(samples)
print(json.dumps(result))
PY
kinds=(mi)
[[ "$SHIM" == 1 ]] && kinds+=(cli)
"$CLI" exec --az-shim -- python3 "$TMP/bench/sdk.py" "${kinds[@]}" >"$OUT/exec-sdk.json"

REAL_JSON="{}"
if [[ -n "$REAL_AZ" ]]; then
    # The real az with a managed-identity account (what `az login --identity` stores; written
    # here because that login also lists subscriptions from ARM, which is not on loopback).
    AZCFG="$TMP/azure-config"
    mkdir -p "$AZCFG" "$TMP/real-az-bin"
    ln -s "$REAL_AZ" "$TMP/real-az-bin/az"
    cat >"$AZCFG/azureProfile.json" <<JSON
{"subscriptions":[{"id":"$TENANT","name":"N/A(tenant level account)","state":"Enabled",
 "user":{"name":"systemAssignedIdentity","type":"servicePrincipal","assignedIdentityInfo":"MSI"},
 "isDefault":true,"tenantId":"$TENANT","environmentName":"AzureCloud","homeTenantId":"$TENANT",
 "managedByTenants":[]}]}
JSON
    REAL_JSON="$(AZURE_CONFIG_DIR="$AZCFG" "$CLI" exec -- env PATH="$TMP/real-az-bin:$PATH" \
        python3 "$TMP/bench/sdk.py" cli)"
    "$REAL_AZ" version -o json >"$OUT/exec-real-az-version.json"
fi

python3 - "$OUT/exec-curl.json" "$OUT/exec-sdk.json" "$REAL_JSON" <<'PY'
import json, statistics, sys
curl = {r["command"]: statistics.median(r["times"]) * 1000 for r in json.load(open(sys.argv[1]))["results"]}
sdk = json.load(open(sys.argv[2]))
real = json.loads(sys.argv[3])
published_az = 250.0
endpoint = curl["curl: exec endpoint"]
emu = curl["curl: emulator App Service MI"]
shim = curl.get("az shim: account get-access-token")
print("median, ms (curl and az shim: hyperfine; Python: in-process get_token, new credential per call)")
print(f"  curl -> exec endpoint                       {endpoint:8.2f}")
print(f"  curl -> emulator App Service MI (baseline)  {emu:8.2f}   exec/baseline = {endpoint / emu:.2f}")
if shim is not None:
    print(f"  az shim: account get-access-token           {shim:8.2f}   vs published az {published_az:.0f} ms: {shim / published_az:.3f}")
else:
    print("  (this build has no az shim: its rows are left out)")
print(f"  Python ManagedIdentityCredential            {sdk['mi']:8.2f}")
if "cli" in sdk:
    print(f"  Python AzureCliCredential (az shim)         {sdk['cli']:8.2f}   vs published az: {sdk['cli'] / published_az:.3f}")
if "cli" in real:
    line = f"  Python AzureCliCredential (real az)         {real['cli']:8.2f}"
    if "cli" in sdk:
        line += f"   shim/real = {sdk['cli'] / real['cli']:.3f}"
    print(line)
else:
    print("  (no real az: set AZ=path or install azure-cli into target/azure-cli-venv)")
PY
