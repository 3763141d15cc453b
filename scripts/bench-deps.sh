#!/usr/bin/env bash
# Installs what `make bench-instr` needs (valgrind, whose Debian package also
# ships valgrind/callgrind.h) when it can: as root with apt-get. Otherwise
# says in one line what to install.
set -euo pipefail
have_hdr() { printf '#include <%s>\n' "$1" | cc -E -x c - >/dev/null 2>&1; }
command -v valgrind >/dev/null && have_hdr valgrind/callgrind.h && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing benchmark dependencies: valgrind"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq valgrind >/dev/null
else
  echo "smmukit: make bench-instr needs valgrind (apt-get install valgrind)" >&2
  exit 1
fi
