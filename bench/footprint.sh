#!/usr/bin/env bash
# Footprint of the static release binary (issue 14), in ONE hyperfine run: `/bin/true`,
# `--version`, a file-backend cache hit, a curl POST and a network `get-token` against the
# loopback emulator; then peak RSS, binary size and relocation count. See BENCHMARKS.md.
#
#   bench/footprint.sh                      # RUNS=300
#   COMPARE_DYNAMIC=1 bench/footprint.sh    # also the dynamically linked `cargo build --release`
#   EMULATOR=target/debug/examples/emulator bench/footprint.sh   # skip the emulator's release build
#
# Medians and ratios against the baselines of the same run; nothing here asserts a timing.
# Everything stays on 127.0.0.1. Raw hyperfine JSON goes to $BENCH_OUT (default target/bench/).
set -euo pipefail

RUNS="${RUNS:-300}"
WARMUP="${WARMUP:-20}"
RSS_SAMPLES="${RSS_SAMPLES:-5}"
COMPARE_DYNAMIC="${COMPARE_DYNAMIC:-0}"

# Targets from issue 14.
CACHED_RATIO_TARGET=2.0     # cache hit ≤ 2.0× /bin/true
NETWORK_RATIO_TARGET=0.6    # get-token --no-cache ≤ 0.6× curl POST
RSS_TARGET_MB=15
SIZE_TARGET_MIB=8

CLIENT_SECRET='emu~s3cr3t.Value_0123456789'            # the emulator's test-only secret
CACHE_KEY='AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='  # a fixed test cache key

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BENCH_OUT="${BENCH_OUT:-$ROOT/target/bench}"
# shellcheck source=bench/emulator.sh
source "$ROOT/bench/emulator.sh"
log() { printf '==> %s\n' "$*" >&2; }

# ---------------------------------------------------------------- tools and builds
# shellcheck source=bench/packages.sh
. "$ROOT/bench/packages.sh"
install_missing hyperfine:hyperfine curl:curl /usr/bin/time:time readelf:binutils
command -v python3 >/dev/null 2>&1 || { echo "python3 is required" >&2; exit 1; }

log "building the static release binary (cargo build-static), then the emulator"
# Separate commands: built together, the example's dev-dependencies would unify features into
# the binary (see BENCHMARKS.md).
cargo build-static
CLI="$ROOT/target/x86_64-unknown-linux-gnu/release/entra-auth-cli"
if readelf -lW "$CLI" | grep -q INTERP; then
    echo "$CLI has a program interpreter: not a static binary" >&2
    exit 1
fi
DYN=""
if [[ "$COMPARE_DYNAMIC" == 1 ]]; then
    cargo build --release --locked --bin entra-auth-cli
    DYN="$ROOT/target/release/entra-auth-cli"
fi
# EMULATOR=path skips this build (e.g. the debug one `cargo test` made: slower replies, which
# only make the network ratio less flattering).
EMULATOR="${EMULATOR:-}"
if [[ -z "$EMULATOR" ]]; then
    cargo build --release --locked --example emulator
    EMULATOR="$ROOT/target/release/examples/emulator"
fi

# ---------------------------------------------------------------- emulator and sandbox
TMP="$(mktemp -d "${TMPDIR:-/tmp}/entra-footprint.XXXXXX")"
EMU_PID=""
cleanup() {
    stop_emulator
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_emulator "$EMULATOR"
log "emulator at $AUTHORITY (pid $EMU_PID)"

# Nothing from the real HOME, no proxies, no config file, the file backend only, no session bus.
mkdir -p "$TMP/home" "$TMP/config" "$TMP/cache"
unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy \
      ENTRA_AUTH_PROFILE ENTRA_AUTH_LOG AZURE_CLIENT_CERTIFICATE_PATH AZURE_FEDERATED_TOKEN_FILE
export HOME="$TMP/home" XDG_RUNTIME_DIR="$TMP/home" \
       DBUS_SESSION_BUS_ADDRESS="unix:path=$TMP/no-such-bus" \
       NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
       AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$CLIENT_ID" AZURE_CLIENT_SECRET="$CLIENT_SECRET" \
       AZURE_AUTHORITY_HOST="$AUTHORITY" \
       ENTRA_AUTH_CONFIG_DIR="$TMP/config" ENTRA_AUTH_CACHE_DIR="$TMP/cache" \
       ENTRA_AUTH_CACHE_KEY="$CACHE_KEY" ENTRA_AUTH_STORE=file

source_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["source"])'; }
expect_source() {
    local want="$1" got
    shift
    got="$("$@" get-token -o json | source_of)"
    [[ "$got" == "$want" ]] || { echo "$*: expected source=$want, got $got" >&2; exit 1; }
}
expect_source network "$CLI"
expect_source cache "$CLI"
[[ -z "$DYN" ]] || expect_source cache "$DYN"

FORM="grant_type=client_credentials&client_id=$CLIENT_ID&client_secret=$CLIENT_SECRET&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
CURL=(curl -q -sS --fail -o /dev/null -X POST --data "$FORM" "$TOKEN_URL")
"${CURL[@]}" || { echo "curl baseline request failed" >&2; exit 1; }

# ---------------------------------------------------------------- one hyperfine run
mkdir -p "$BENCH_OUT"
rows=(
    -n "/bin/true" "/bin/true"
    -n "entra-auth-cli --version" "$CLI --version"
    -n "get-token (cache hit)" "$CLI get-token"
    -n "curl POST (same request)" "${CURL[*]}"
    -n "get-token --no-cache" "$CLI get-token --no-cache"
)
if [[ -n "$DYN" ]]; then
    rows+=(
        -n "dynamic: entra-auth-cli --version" "$DYN --version"
        -n "dynamic: get-token (cache hit)" "$DYN get-token"
        -n "dynamic: get-token --no-cache" "$DYN get-token --no-cache"
    )
fi
log "hyperfine: $RUNS runs of each command"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --style basic --time-unit millisecond \
    --export-json "$BENCH_OUT/footprint.json" "${rows[@]}" >"$BENCH_OUT/footprint.txt"
expect_source cache "$CLI"

# ---------------------------------------------------------------- RSS, size, relocations
# Median of RSS_SAMPLES runs of `/usr/bin/time -v`, in KiB.
peak_rss_kb() {
    local vals=()
    for _ in $(seq 1 "$RSS_SAMPLES"); do
        /usr/bin/time -v -o "$TMP/time.txt" "$@" >/dev/null
        vals+=("$(sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+).*/\1/p' "$TMP/time.txt")")
    done
    printf '%s\n' "${vals[@]}" | sort -n | sed -n "$(((RSS_SAMPLES + 1) / 2))p"
}
log "peak RSS ($RSS_SAMPLES samples each)"
relocations() { readelf -rW "$1" | grep -c ' R_X86_64_' || true; }
{
    printf '{"runs": %s, "rss_kb": {' "$RUNS"
    printf '"/bin/true": %s, ' "$(peak_rss_kb /bin/true)"
    printf '"entra-auth-cli --version": %s, ' "$(peak_rss_kb "$CLI" --version)"
    printf '"get-token (cache hit)": %s, ' "$(peak_rss_kb "$CLI" get-token)"
    printf '"curl POST (same request)": %s, ' "$(peak_rss_kb "${CURL[@]}")"
    printf '"get-token --no-cache": %s' "$(peak_rss_kb "$CLI" get-token --no-cache)"
    if [[ -n "$DYN" ]]; then
        printf ', "dynamic: get-token (cache hit)": %s' "$(peak_rss_kb "$DYN" get-token)"
        printf ', "dynamic: get-token --no-cache": %s' "$(peak_rss_kb "$DYN" get-token --no-cache)"
    fi
    printf '}, "size": {"static": %s' "$(stat -c %s "$CLI")"
    [[ -z "$DYN" ]] || printf ', "dynamic": %s' "$(stat -c %s "$DYN")"
    printf '}, "relocations": {"static": %s' "$(relocations "$CLI")"
    [[ -z "$DYN" ]] || printf ', "dynamic": %s' "$(relocations "$DYN")"
    printf '}}\n'
} >"$BENCH_OUT/footprint-extra.json"

# ---------------------------------------------------------------- report
echo
echo "$(date -u +%Y-%m-%dT%H:%MZ); $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1); Linux $(uname -r); $(hyperfine --version); load average $(cut -d' ' -f1-3 /proc/loadavg)"
CACHED_RATIO_TARGET=$CACHED_RATIO_TARGET NETWORK_RATIO_TARGET=$NETWORK_RATIO_TARGET \
RSS_TARGET_MB=$RSS_TARGET_MB SIZE_TARGET_MIB=$SIZE_TARGET_MIB \
python3 - "$BENCH_OUT" <<'PY'
import json, os, sys

out = sys.argv[1]
runs = {r["command"]: r for r in json.load(open(f"{out}/footprint.json"))["results"]}
extra = json.load(open(f"{out}/footprint-extra.json"))
t_cached = float(os.environ["CACHED_RATIO_TARGET"])
t_network = float(os.environ["NETWORK_RATIO_TARGET"])
t_rss = float(os.environ["RSS_TARGET_MB"])
t_size = float(os.environ["SIZE_TARGET_MIB"])

def ms(name, key="median"):
    return runs[name][key] * 1000.0

def mark(ok):
    return "✅" if ok else "❌"

print(f"\nhyperfine -N --warmup 20 --runs {extra['runs']} (one run, all rows); medians (min in "
      "brackets); RSS = median of `/usr/bin/time -v` peaks\n")
print("| command | median ms (min) | ratio | target | peak RSS |")
print("|---|---|---|---|---|")
for name in runs:
    network = name.endswith("--no-cache") or name.startswith("curl")
    base = "curl POST (same request)" if network else "/bin/true"
    ratio = ms(name) / ms(base)
    unit = "curl" if network else "`/bin/true`"
    if name == base:
        target = "baseline"
    elif name == "get-token (cache hit)":
        target = f"≤ {t_cached:g}× {mark(ratio <= t_cached)}"
    elif name == "get-token --no-cache":
        target = f"≤ {t_network:g}× {mark(ratio <= t_network)}"
    else:
        target = "reference"
    rss = extra["rss_kb"].get(name)
    rss_cell = "–" if rss is None else f"{rss / 1024:.1f} MB"
    if rss is not None and name.startswith("get-token"):
        rss_cell += f" {mark(rss / 1024 <= t_rss)}"
    print(f"| `{name}` | {ms(name):.2f} ({ms(name, 'min'):.2f}) | {ratio:.2f}× {unit} | {target} | {rss_cell} |")

mib = 1024 * 1024
size = extra["size"]
print(f"\nStatic release binary: {size['static'] / mib:.2f} MiB (target ≤ {t_size:g} MiB "
      f"{mark(size['static'] / mib <= t_size)}), {extra['relocations']['static']} relocations")
if "dynamic" in size:
    print(f"Dynamic release binary: {size['dynamic'] / mib:.2f} MiB, "
          f"{extra['relocations']['dynamic']} relocations")
PY
log "raw results in $BENCH_OUT"
