#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man page (docs/smmukit.1) and the bash completion stay in step with
# --help: every subcommand `smmukit --help` lists has a section, every flag
# any --help shows appears in the page, the page's version is the
# command's, and the completion offers the subcommands and each one's flags.
set -u
SMMUKIT=${SMMUKIT:?set SMMUKIT to the smmukit binary}
SRC=${SMMUKIT_SRC:?set SMMUKIT_SRC to the source tree}
MAN=$SRC/docs/smmukit.1
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
[ -f "$MAN" ] || { echo "FAIL: no $MAN"; exit 1; }
# The page as text: roff's \- is a plain hyphen for our purpose.
page=$(sed 's/\\-/-/g' "$MAN")

subs=$("$SMMUKIT" --help | awk '/^subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
# Subcommands with sub-subcommands ("bench map"): their usage line says so.
all=""
for s in $subs; do
	more=$("$SMMUKIT" "$s" --help 2>/dev/null | sed -n "s/.*smmukit\( \[[^]]*\]\)\? $s \([a-z][a-z]*\) .*/\2/p" | sort -u)
	if [ -n "$more" ]; then
		for m in $more; do all="$all $s:$m"; done
	else
		all="$all $s"
	fi
done
# ... and those the page documents ("bench io"), if the command has them.
for pair in $(echo "$page" | sed -n 's/^\.SS "\([a-z]*\) \([a-z][a-z]*\) .*/\1:\2/p'); do
	case " $all " in *" $pair "*) continue ;; esac
	"$SMMUKIT" ${pair/:/ } --help >/dev/null 2>&1 && all="$all $pair"
done
for s in "" $all; do
	args=${s/:/ }
	echo "$page" | grep -q "^\.SS \"$args\b" || [ -z "$s" ] || fail "man page: no section for '$args'"
	# shellcheck disable=SC2086
	for f in $("$SMMUKIT" $args --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		[ "$f" = --opt ] && continue	# the "--opt=VALUE" convention itself
		echo "$page" | grep -q -- "$f\b" || fail "man page: '$f' (from smmukit $args --help) missing"
	done
done
v=$("$SMMUKIT" --version | awk '{print $2}')
echo "$page" | grep -q "^\.TH SMMUKIT 1 .*\"smmukit $v\"" || fail "man page version is not $v"
echo "$page" | grep -q 'SMMUKIT_PROFILE_DIR' || fail "man page: no SMMUKIT_PROFILE_DIR"
echo "$page" | grep -q 'EXIT STATUS' || fail "man page: no EXIT STATUS"

# The completion, driven as bash would.
# shellcheck disable=SC1091
source "$SRC/scripts/smmukit-completion.bash"
complete_words() { # words... (the last is the one being completed)
	COMP_WORDS=("$SMMUKIT" "$@")
	COMP_CWORD=$(($# ))
	COMPREPLY=()
	_smmukit
	echo "${COMPREPLY[*]}"
}
got=$(complete_words "")
for s in $subs; do
	echo " $got " | grep -q " $s " || fail "completion: subcommand '$s' not offered ($got)"
done
got=$(complete_words pgtable --)
for f in --stage --granule --ias --oas --json --selftest; do
	echo " $got " | grep -q -- " $f " || fail "completion: pgtable $f not offered ($got)"
done
got=$(complete_words --cmdline "iommu.strict=0" dma --pro)
[ "$got" = "--profile" ] || fail "completion after --cmdline: '$got'"

[ $fails -eq 0 ] && echo "manpage: every flag of $(echo $all | wc -w) subcommands documented; completion in step"
exit $((fails > 0))
