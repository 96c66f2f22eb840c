#!/usr/bin/env bash
# The quick start: set everything up, then run the main job on the embedded SQLite ledger.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/glasscredit demo "$@"
