# SPDX-License-Identifier: MIT
# Sourced by the benchmark scripts: what each needs before it measures.
#   bench_begin NAME [sample]
#   bench_build                 only the release tree
# Builds the release tree ($build), makes $work (removed on exit, with the
# rig and any daemon started through cw_start_daemon), and starts a
# throwaway rig in $rig, loaded with the sample staff if asked.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${CW_BUILD_DIR:-$top/build/release}
. "$top/tests/lib/daemon.sh"

bench_cleanup() {
    cw_stop_daemon
    bash "$top/tests/rig/rig.sh" stop "$rig" >/dev/null 2>&1 || true
    rm -rf "$work"
}

# The release tree in $build, built (also used alone by peers.sh).
bench_build() {
    cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCW_BUILD_TESTS=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" >/dev/null
}

bench_begin() {
    bench_build
    work=$(mktemp -d "/tmp/cw-$1.XXXXXX")
    chmod 0755 "$work"
    rig=$work/rig
    trap bench_cleanup EXIT
    if [[ ${2:-} == sample ]]; then
        bash "$top/tests/rig/start-with-sample.sh" "$rig" >/dev/null 2>&1
    else
        bash "$top/tests/rig/rig.sh" start "$rig" >/dev/null 2>&1
    fi
    set -a; . "$rig/env"; set +a
}
