#!/usr/bin/env bash
# Make sure ecoaudit can find a Chromium: Playwright's own where downloads work,
# else the distribution's package (Debian/Ubuntu). Idempotent.
set -uo pipefail
BIN=${1:-.venv/bin}

found() { "$BIN/python" -m ecoaudit.browser >/dev/null 2>&1; }

if found; then "$BIN/python" -m ecoaudit.browser; exit 0; fi

echo "No Chromium found: trying 'playwright install chromium'..."
timeout 600 "$BIN/playwright" install chromium >/tmp/ecoaudit-playwright-install.log 2>&1 || true
if found; then "$BIN/python" -m ecoaudit.browser; exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
  echo "Playwright's download is not available here: installing the distribution's Chromium with apt-get..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
    || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium-browser >/dev/null || true
fi
if found; then "$BIN/python" -m ecoaudit.browser; exit 0; fi

echo "Could not install a Chromium. Install Chromium or Google Chrome, or set ECOAUDIT_CHROMIUM to its path." >&2
exit 1
