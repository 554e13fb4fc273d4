#!/usr/bin/env bash
# Servers the test suite runs for real on 127.0.0.1: nginx (compression, cache headers, HTTP/2)
# and PostgreSQL. Installed from the distribution when missing; the tests start their own
# private instances and stop them. Idempotent.
set -uo pipefail
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing test servers: ${need[*]}"
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null || true
  # The packaged services are not needed running: the tests start private instances.
  $SUDO service nginx stop >/dev/null 2>&1 || true
  $SUDO service postgresql stop >/dev/null 2>&1 || true
else
  echo "apt-get not found: tests needing ${need[*]} will be skipped." >&2
fi
exit 0
