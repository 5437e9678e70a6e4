#!/bin/bash
# SPDX-License-Identifier: MIT
# Start a fresh rig in DIR and load the sample data into it: the ctest
# fixture "rig" that integration tests share.
#   tests/rig/start-with-sample.sh DIR
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

bash "$here/rig.sh" start "$1"
# A failed load must not leave servers behind with no cleanup test to run.
if ! bash "$here/../data/gen-sample.sh" | bash "$here/rig.sh" load "$1" - >/dev/null; then
    echo "start-with-sample: loading the sample data failed" >&2
    bash "$here/rig.sh" stop "$1"
    exit 1
fi
echo "rig with sample data up in $1 (env: $1/env)"
