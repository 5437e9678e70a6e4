#!/bin/bash
# SPDX-License-Identifier: MIT
# Renders an HTML file (the evidence pack of clearwayctl report --format
# html) to a PNG with Debian's headless Chromium, installing it if missing
# (as root).  The pack has no script and no external asset, so Chromium
# needs no network.
#   scripts/render-html.sh PACK.html OUT.png [WIDTHxHEIGHT]
set -euo pipefail
in=${1:?usage: render-html.sh PACK.html OUT.png [WIDTHxHEIGHT]}
out=${2:?usage: render-html.sh PACK.html OUT.png [WIDTHxHEIGHT]}
size=${3:-1100x1600}
if ! command -v chromium >/dev/null; then
    [[ $(id -u) -eq 0 ]] || { echo "render-html: chromium missing; run as root to install it" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
out=$(realpath -m "$out")
rm -f "$out"
# Headless Chromium now and then exits without writing: try three times.
for _ in 1 2 3; do
    timeout 60 chromium --headless --no-sandbox --disable-gpu \
        --user-data-dir="$profile" --window-size="${size/x/,}" --screenshot="$out" \
        "file://$(realpath "$in")" >/dev/null 2>&1
    [[ -s $out ]] && break
    sleep 1
done
[[ -s $out ]] || { echo "render-html: no PNG written" >&2; exit 1; }
echo "render-html: $out"
