# SPDX-License-Identifier: MIT
# bash completion for smmukit. It asks the command itself (`smmukit --help`,
# `smmukit SUBCOMMAND --help`), so it offers exactly the subcommands and
# flags the installed binary has. Installed as
# share/bash-completion/completions/smmukit; or: source this file.
_smmukit() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmd=${COMP_WORDS[0]} sub="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--cmdline) ((i++)) ;;
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ -z "$sub" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--cmdline --help --version --help-options" -- "$cur"))
		elif [ "$prev" != --cmdline ]; then
			COMPREPLY=($(compgen -W "$("$cmd" --help 2>/dev/null |
				awk '/^subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1}')" -- "$cur"))
		fi
		return
	fi
	case $prev in
	--profile)
		local dir
		dir=$("$cmd" model --help 2>/dev/null | sed -n 's/.*NAME.profile in \(.*\) (\$SMMUKIT_PROFILE_DIR).*/\1/p;s/.*a name in \([^ ]*\).*/\1/p' | head -1)
		COMPREPLY=($(compgen -W "zero $(ls "${SMMUKIT_PROFILE_DIR:-$dir}" 2>/dev/null | sed -n 's/\.profile$//p')" -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$cmd" $sub --help 2>/dev/null |
			grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _smmukit smmukit
