# Sourced by the benchmark scripts: starts the loopback emulator (examples/emulator.rs) in the
# background, its stdin a fifo held open on fd 3 (closing fd 3 stops it), and sets EMU_PID,
# AUTHORITY, TENANT, CLIENT_ID, TOKEN_URL, APP_SERVICE and APP_SERVICE_HEADER (its App Service
# managed identity) and REGISTRY (its emulated ACR). Needs $TMP (a temp dir) and the emulator's
# path.
#
#   start_emulator "$ROOT/target/release/examples/emulator"
#   stop_emulator                      # in the EXIT trap
start_emulator() {
    local emu="$1" line=""
    mkfifo "$TMP/emu.stdin"
    "$emu" <"$TMP/emu.stdin" >"$TMP/emu.out" 2>"$TMP/emu.err" &
    EMU_PID=$!
    exec 3>"$TMP/emu.stdin"                # the emulator serves until its stdin closes
    for _ in $(seq 1 200); do
        line="$(head -n1 "$TMP/emu.out" 2>/dev/null || true)"
        [[ "$line" == *registry=* ]] && grep -q '^identity_header=' "$TMP/emu.err" && break
        kill -0 "$EMU_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [[ "$line" != authority=http://127.0.0.1:* ]]; then
        echo "emulator did not start on 127.0.0.1; stderr:" >&2
        cat "$TMP/emu.err" >&2
        return 1
    fi
    AUTHORITY="$(sed -E 's/.*authority=([^ ]+).*/\1/' <<<"$line")"
    TENANT="$(sed -E 's/.*tenant=([^ ]+).*/\1/' <<<"$line")"
    CLIENT_ID="$(sed -E 's/.*client_id=([^ ]+).*/\1/' <<<"$line")"
    TOKEN_URL="$AUTHORITY/$TENANT/oauth2/v2.0/token"
    APP_SERVICE="$(sed -E 's/.*app_service=([^ ]+).*/\1/' <<<"$line")"
    APP_SERVICE_HEADER="$(sed -n 's/^identity_header=//p' "$TMP/emu.err")"
    REGISTRY="$(sed -E 's/.*registry=([^ ]+).*/\1/' <<<"$line")"
}

stop_emulator() {
    exec 3>&- || true                      # EOF on the emulator's stdin
    if [[ -n "${EMU_PID:-}" ]] && kill -0 "$EMU_PID" 2>/dev/null; then
        kill "$EMU_PID" 2>/dev/null || true
        wait "$EMU_PID" 2>/dev/null || true
    fi
}
