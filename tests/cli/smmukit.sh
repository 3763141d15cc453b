#!/usr/bin/env bash
# The smmukit command itself: dispatch, usage errors (exit 2, one line), and
# the page-table self-check that `make run` shows.
set -u
fail=0
check() { # name, expected status, command...
  local name=$1 want=$2; shift 2
  "$@" >/tmp/smmukit-cli.$$ 2>/tmp/smmukit-cli-err.$$
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want"; cat /tmp/smmukit-cli-err.$$; fail=1
  else
    echo "ok   $name"
  fi
}
check "no subcommand is a usage error" 2 "$SMMUKIT"
check "unknown subcommand" 2 "$SMMUKIT" frobnicate
check "unknown global option" 2 "$SMMUKIT" --frob selfcheck
check "--cmdline needs a value" 2 "$SMMUKIT" --cmdline
check "help" 0 "$SMMUKIT" --help
check "selfcheck bad argument" 2 "$SMMUKIT" selfcheck --bogus
lines=$(wc -l </tmp/smmukit-cli-err.$$)
[ "$lines" = 1 ] || { echo "FAIL usage error is not one line ($lines)"; fail=1; }

check "selfcheck passes" 0 "$SMMUKIT" selfcheck --json
last=$(tail -n 1 /tmp/smmukit-cli.$$)
case "$last" in
  *'"failed":0}'*) echo "ok   selfcheck summary: $last" ;;
  *) echo "FAIL selfcheck summary: $last"; fail=1 ;;
esac
# Every other line is one configuration, JSON only on stdout.
n=$(grep -c '"stage"' /tmp/smmukit-cli.$$)
[ "$n" -ge 36 ] || { echo "FAIL expected >= 36 configurations, got $n"; fail=1; }
rm -f /tmp/smmukit-cli.$$ /tmp/smmukit-cli-err.$$
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
