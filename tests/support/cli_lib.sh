# SPDX-License-Identifier: MIT
# Sourced by the shell tests of the command (tests/cli/*.sh): $SMMUKIT is
# the binary under test, $TMP a scratch directory removed at exit, and
# fail() reports one failed check and counts it in $fails (the test exits
# non-zero when it is not 0).
set -u

SMMUKIT=${SMMUKIT:?set SMMUKIT to the smmukit binary}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
