#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --cmdline after the subcommand (`smmukit dma --cmdline "iommu.strict=0"
# SCRIPT`) is the same as before it, for every subcommand: a bad key is
# refused naming it (so the string was read), a good one takes effect, two
# strings add up with the later setting winning, a --cmdline replaces
# $SMMUKIT_CMDLINE, and after "--" it is an argument like any other.
# shellcheck source=../support/cli_lib.sh
. "$(dirname "$0")/../support/cli_lib.sh"

printf 'device nvme 8\n' >"$TMP/s.dma"

# Every subcommand reads a --cmdline given after its name.
for sub in info model pgtable dma "bench map" "bench io" compare attack options; do
	# shellcheck disable=SC2086
	timeout 20 "$SMMUKIT" $sub --cmdline "iommu.fq_size=3" </dev/null \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] || fail "$sub --cmdline bad key: exit $rc, want 2"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$sub: want one stderr line: $(cat "$TMP/err")"
	grep -q 'iommu.fq_size=3' "$TMP/err" || fail "$sub: error does not name the key: $(cat "$TMP/err")"
	grep -q -- '--cmdline' "$TMP/err" || fail "$sub: error does not name --cmdline: $(cat "$TMP/err")"
done

domain_of() { # args... -> the device's domain type from `dma --json`
	"$@" --json "$TMP/s.dma" 2>/dev/null | sed -n 's/.*"domain":"\([^"]*\)".*/\1/p'
}

got=$(domain_of "$SMMUKIT" dma --cmdline "iommu.strict=0")
[ "$got" = DMA-FQ ] || fail "dma --cmdline iommu.strict=0: domain '$got', want DMA-FQ"
got=$(domain_of "$SMMUKIT" dma --cmdline=iommu.strict=0)
[ "$got" = DMA-FQ ] || fail "dma --cmdline=iommu.strict=0: domain '$got', want DMA-FQ"
got=$(domain_of "$SMMUKIT" --cmdline "iommu.strict=0" dma)
[ "$got" = DMA-FQ ] || fail "--cmdline before dma: domain '$got', want DMA-FQ"
# Two strings add up; of two settings of one key the later wins.
got=$(domain_of "$SMMUKIT" --cmdline "iommu.strict=0" dma --cmdline "iommu.strict=1")
[ "$got" = DMA ] || fail "strict=0 then strict=1: domain '$got', want DMA"
got=$(domain_of "$SMMUKIT" --cmdline "iommu.strict=0" dma --cmdline "iommu.passthrough=1")
[ "$got" = identity ] || fail "two strings: domain '$got', want identity"
# A --cmdline replaces the environment's string.
got=$(SMMUKIT_CMDLINE="iommu.strict=0" domain_of "$SMMUKIT" dma --cmdline "iommu.passthrough=0")
[ "$got" = DMA ] || fail "--cmdline with \$SMMUKIT_CMDLINE: domain '$got', want DMA"
got=$(SMMUKIT_CMDLINE="iommu.strict=0" domain_of "$SMMUKIT" dma)
[ "$got" = DMA-FQ ] || fail "\$SMMUKIT_CMDLINE alone: domain '$got', want DMA-FQ"

# No value: exit 2, one line.
"$SMMUKIT" dma --cmdline >"$TMP/out" 2>"$TMP/err" </dev/null
rc=$?
[ $rc -eq 2 ] || fail "dma --cmdline without a value: exit $rc, want 2"
grep -q 'needs a value' "$TMP/err" || fail "dma --cmdline without a value: $(cat "$TMP/err")"
# After "--" it is the script's name.
"$SMMUKIT" dma -- --cmdline >"$TMP/out" 2>"$TMP/err" </dev/null
rc=$?
[ $rc -eq 2 ] || fail "dma -- --cmdline: exit $rc, want 2"
grep -q "script '--cmdline'" "$TMP/err" || fail "dma -- --cmdline: $(cat "$TMP/err")"

[ $fails -eq 0 ] && echo "cmdline_position: all passed"
exit $((fails > 0))
