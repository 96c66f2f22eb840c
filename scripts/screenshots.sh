#!/usr/bin/env bash
# The README's screenshots of every page (docs/img/*.png), taken by the browser tests in
# Debian's headless chromium (apt-get install chromium) against the seeded test programme.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
GLASSCREDIT_SCREENSHOTS=docs/img GLASSCREDIT_REQUIRE_BROWSER=1 \
  "$PY" -m pytest tests/web/test_browser.py -q -p no:cacheprovider \
  -k "every_page_passes_axe or person_disputes or runs_the_red_team"
ls -l docs/img
