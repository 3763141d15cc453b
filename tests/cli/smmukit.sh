#!/usr/bin/env bash
# The smmukit command itself: dispatch, usage errors (exit 2, one line), and
# the page-table self-test that `make run` shows.
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
check "pgtable bad argument" 2 "$SMMUKIT" pgtable --bogus
lines=$(wc -l </tmp/smmukit-cli-err.$$)
[ "$lines" = 1 ] || { echo "FAIL usage error is not one line ($lines)"; fail=1; }

# Script lines longer than the reader's buffer: a long comment is ignored and
# line numbers stay right; a long command is refused with its own line number.
long=$(printf 'a%.0s' $(seq 1 5000))
printf '# %s\nmap 0x1000 0x80000000 4K rw\nbogus\n' "$long" >/tmp/smmukit-long.$$
check "long comment line is ignored" 2 "$SMMUKIT" pgtable /tmp/smmukit-long.$$
grep -q 'line 3' /tmp/smmukit-cli-err.$$ || { echo "FAIL long comment shifted line numbers: $(cat /tmp/smmukit-cli-err.$$)"; fail=1; }
printf 'map %s\n' "$long" >/tmp/smmukit-long.$$
check "long command line" 2 "$SMMUKIT" pgtable /tmp/smmukit-long.$$
grep -q 'line 1.*too long' /tmp/smmukit-cli-err.$$ || { echo "FAIL long line: $(cat /tmp/smmukit-cli-err.$$)"; fail=1; }
rm -f /tmp/smmukit-long.$$

# The main job of `make run`: the library's page-table self-test.
check "selftest passes" 0 "$SMMUKIT" pgtable --selftest --json
last=$(tail -n 1 /tmp/smmukit-cli.$$)
case "$last" in
  *'"fail":0,'*'"pages_leaked":0}') echo "ok   selftest summary: $last" ;;
  *) echo "FAIL selftest summary: $last"; fail=1 ;;
esac
# Every other line is one configuration, JSON only on stdout.
n=$(grep -c '"result":"pass"' /tmp/smmukit-cli.$$)
[ "$n" -ge 120 ] || { echo "FAIL expected >= 120 passing configurations, got $n"; fail=1; }
bad=$(grep -vc '^{' /tmp/smmukit-cli.$$)
[ "$bad" = 0 ] || { echo "FAIL $bad non-JSON lines on stdout"; fail=1; }
rm -f /tmp/smmukit-cli.$$ /tmp/smmukit-cli-err.$$
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
