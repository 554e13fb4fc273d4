#!/usr/bin/env bash
# Make sure ecoaudit can find a Chromium, preferably a headless shell (the build the EcoIndex
# reference measures with): Playwright's own where downloads work, else the distribution's
# package (Debian/Ubuntu: chromium-headless-shell), and a full Chromium only when no shell can be
# installed. Idempotent.
set -uo pipefail
BIN=${1:-.venv/bin}

browser() { "$BIN/python" -m ecoaudit.measure.browser "$@"; }
shell_found() { browser --shell >/dev/null 2>&1; }
any_found() { browser >/dev/null 2>&1; }
apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if [ -z "${APT_UPDATED:-}" ]; then $SUDO apt-get update -qq || true; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null 2>&1
}

if shell_found; then browser; exit 0; fi
# An executable chosen with ECOAUDIT_CHROMIUM is the user's choice: nothing to install.
if [ -n "${ECOAUDIT_CHROMIUM:-}" ] && any_found; then browser; exit 0; fi

echo "No headless shell found: trying 'playwright install --only-shell chromium'..."
timeout 600 "$BIN/playwright" install --only-shell chromium \
  >/tmp/ecoaudit-playwright-install.log 2>&1 || true
if shell_found; then browser; exit 0; fi

echo "Playwright's download is not available here: installing the distribution's headless shell..."
apt_install chromium-headless-shell || true
if shell_found; then browser; exit 0; fi

if ! any_found; then
  echo "No headless shell could be installed: trying a full Chromium..."
  apt_install chromium || apt_install chromium-browser || true
fi
if any_found; then
  browser
  echo "Measuring with a full Chromium: the requests only it makes (the page's icon) are left out."
  exit 0
fi

if [ -n "${ECOAUDIT_CHROMIUM:-}" ]; then browser >&2; exit 1; fi  # says what is wrong with it
echo "Could not install a Chromium. Install chromium-headless-shell, Chromium or Google Chrome," \
  "or set ECOAUDIT_CHROMIUM to its path." >&2
exit 1
