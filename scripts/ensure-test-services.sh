#!/usr/bin/env bash
# The scale-out tests run real Redis, nginx and openssl on 127.0.0.1 (Debian's packages). Installs what is missing
# when it can (root with apt-get, as in CI); otherwise says what to install and fails.
set -uo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} for the tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; } \
    && exit 0
  echo "apt-get install ${missing[*]} failed" >&2
  exit 1
fi
echo "The tests need ${missing[*]} on PATH: e.g. sudo apt-get install -y ${missing[*]} (macOS: brew install redis nginx openssl)" >&2
exit 1
