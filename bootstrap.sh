#!/usr/bin/env bash
# Set up the project's .venv (CPU torch 2.13.0 first, then the package). Idempotent.
# Usage: ./bootstrap.sh          runtime only
#        ./bootstrap.sh --dev    with the test tools
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
VPIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
# torch first, pinned to the CPU build on this machine's disk: an unpinned torch pulls a CUDA build.
if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
    echo "bootstrap: installing torch 2.13.0 (CPU)…" >&2
    "${VPIP[@]}" install "torch==2.13.0"
fi
extra=""
[ "${1:-}" = "--dev" ] && extra="[dev]"
echo "bootstrap: installing qa${extra}…" >&2
"${VPIP[@]}" install -e ".${extra}" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import qa" 
# The runtime set-up builds the article's index once (with a progress bar), so that the first
# `qa` opens on a ready index instead of building it behind the chat.
if [ "${1:-}" != "--dev" ] && [ ! -f index/manifest.json ]; then
    echo "bootstrap: building the index…" >&2
    .venv/bin/qa index --if-stale
fi
