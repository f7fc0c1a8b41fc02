#!/usr/bin/env bash
# A/B benchmark of two `entra-auth-cli` builds in ONE hyperfine run, for refactors that must not
# cost time: the cached path (file backend), the network path, and `exec -- true` (endpoint up,
# first token from the cache, the child run and its group ended), against the loopback emulator.
#
#   bench/ab.sh OLD_BINARY [NEW_BINARY]     # NEW defaults to target/release/entra-auth-cli
#   RUNS=300 bench/ab.sh /tmp/old/entra-auth-cli
#
# Build the baseline from another commit first, the binary alone (never together with the
# examples, whose dev-dependencies would change its features), e.g.
#   git worktree add /tmp/old <commit> && cargo build --release --bin entra-auth-cli --manifest-path /tmp/old/Cargo.toml
# Prints medians and NEW/OLD ratios; asserts nothing. Everything stays on 127.0.0.1.
set -euo pipefail

OLD="${1:?usage: bench/ab.sh OLD_BINARY [NEW_BINARY]}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NEW="${2:-$ROOT/target/release/entra-auth-cli}"
RUNS="${RUNS:-200}"
WARMUP="${WARMUP:-20}"
CLIENT_SECRET='emu~s3cr3t.Value_0123456789'
CACHE_KEY='AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='

command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
if [[ -z "${2:-}" ]]; then
    # Alone: built together with the example, dev-dependency features would leak into it.
    cargo build --release --locked --bin entra-auth-cli --manifest-path "$ROOT/Cargo.toml" >&2
fi
[[ -x "$OLD" && -x "$NEW" ]] || { echo "both binaries must exist: $OLD $NEW" >&2; exit 1; }
cargo build --release --locked --example emulator --manifest-path "$ROOT/Cargo.toml" >&2
EMU="$ROOT/target/release/examples/emulator"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/entra-ab.XXXXXX")"
EMU_PID=""
# shellcheck source=bench/emulator.sh
source "$ROOT/bench/emulator.sh"
cleanup() {
    stop_emulator
    rm -rf "$TMP"
}
trap cleanup EXIT
start_emulator "$EMU"

# A sandbox per binary (own cache), nothing from the real HOME, file backend, no proxies.
sandbox() {
    local dir="$TMP/$1"
    mkdir -p "$dir/home" "$dir/config" "$dir/cache"
    printf 'env -i PATH=%q HOME=%q ENTRA_AUTH_CONFIG_DIR=%q ENTRA_AUTH_CACHE_DIR=%q ENTRA_AUTH_CACHE_KEY=%q ENTRA_AUTH_STORE=file DBUS_SESSION_BUS_ADDRESS=unix:path=%q NO_PROXY=127.0.0.1 AZURE_TENANT_ID=%q AZURE_CLIENT_ID=%q AZURE_CLIENT_SECRET=%q AZURE_AUTHORITY_HOST=%q' \
        "$PATH" "$dir/home" "$dir/config" "$dir/cache" "$CACHE_KEY" "$dir/no-bus" \
        "$TENANT" "$CLIENT_ID" "$CLIENT_SECRET" "$AUTHORITY"
}
OLD_ENV="$(sandbox old)"
NEW_ENV="$(sandbox new)"
for pair in "$OLD_ENV|$OLD" "$NEW_ENV|$NEW"; do
    e="${pair%%|*}"; b="${pair##*|}"
    eval "$e $(printf %q "$b") get-token" >/dev/null   # fills the cache
    eval "$e $(printf %q "$b") get-token -o json" | grep -q '"source": "cache"' \
        || { echo "warm-up failed for $b" >&2; exit 1; }
done

mkdir -p "$ROOT/target/bench"
OUT="$ROOT/target/bench/ab.json"
hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --export-json "$OUT" \
    -n "old cached" "$OLD_ENV $OLD get-token" \
    -n "new cached" "$NEW_ENV $NEW get-token" \
    -n "old network" "$OLD_ENV $OLD get-token --no-cache" \
    -n "new network" "$NEW_ENV $NEW get-token --no-cache" \
    -n "old exec" "$OLD_ENV $OLD exec -- true" \
    -n "new exec" "$NEW_ENV $NEW exec -- true" >&2

python3 - "$OUT" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
def median_ms(name):
    return results[name]["median"] * 1000
print("| path | old median ms | new median ms | new / old |")
print("|---|---|---|---|")
for path in ("cached", "network", "exec"):
    old, new = median_ms(f"old {path}"), median_ms(f"new {path}")
    print(f"| {path} | {old:.2f} | {new:.2f} | {new / old:.3f}× |")
PY
