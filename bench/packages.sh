# Sourced by the benchmark scripts: installs the Debian packages of the commands that are
# missing, with one `apt-get update` first (sudo when not root).
#
#   install_missing hyperfine:hyperfine curl:curl /usr/bin/time:time readelf:binutils
install_missing() {
    local need=() pair cmd pkg
    for pair in "$@"; do
        cmd="${pair%%:*}" pkg="${pair#*:}"
        if [[ "$cmd" == /* ]]; then [[ -x "$cmd" ]] && continue; else command -v "$cmd" >/dev/null 2>&1 && continue; fi
        need+=("$pkg")
    done
    ((${#need[@]})) || return 0
    local sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    printf '==> installing %s from Debian\n' "${need[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        "${need[@]}" >/dev/null
}
