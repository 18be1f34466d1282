#!/bin/bash
# fresh-demo.sh COMMAND...: runs COMMAND with $VIRTFLOW_DEMO_ROOT in a new temporary
# directory, removed after: each run starts from the demo as first built, whatever an
# earlier run (or one that failed half-way) left.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-demo.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
VIRTFLOW_DEMO_ROOT=$dir/demo "$@"
