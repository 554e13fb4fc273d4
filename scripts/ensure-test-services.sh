#!/usr/bin/env bash
# Servers the test suite runs for real on 127.0.0.1: nginx (compression, cache headers, HTTP/2),
# PostgreSQL, redis-server and rabbitmq-server (the workers' brokers); and the full Chromium beside the headless
# shell, for the test that measures the same pages in both builds. Installed from the distribution when missing; the tests start their
# own private instances and stop them. Idempotent.
set -uo pipefail
need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
[ -x /usr/sbin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1 \
  || need+=(rabbitmq-server)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || command -v google-chrome >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "Installing test servers: ${need[*]}"
  $SUDO apt-get update -qq || true
  # One package at a time: one that cannot be installed here must not block the others.
  for package in "${need[@]}"; do
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$package" >/dev/null || true
  done
  # The packaged services are not needed running: the tests start private instances.
  $SUDO service nginx stop >/dev/null 2>&1 || true
  $SUDO service postgresql stop >/dev/null 2>&1 || true
  $SUDO service redis-server stop >/dev/null 2>&1 || true
  $SUDO service rabbitmq-server stop >/dev/null 2>&1 || true
else
  echo "apt-get not found: tests needing ${need[*]} will be skipped." >&2
fi
exit 0
