# bash completion for pantherctl(1)

# The profiles the backend offers, else the three names.
_pantherctl_profiles()
{
	local out p found=()
	out=$(timeout 2 pantherctl power list 2>/dev/null)
	for p in power-saver balanced performance; do
		[[ $out =~ (^|[^a-z-])$p([^a-z-]|$) ]] && found+=("$p")
	done
	((${#found[@]})) || found=(power-saver balanced performance)
	echo "${found[*]}"
}

# The services panther-session supervises, when it runs.
_pantherctl_services()
{
	local out names=()
	out=$(timeout 2 pantherctl --json session status 2>/dev/null)
	while [[ $out =~ \"name\":\"([^\"]*)\" ]]; do
		names+=("${BASH_REMATCH[1]}")
		out=${out#*"${BASH_REMATCH[0]}"}
	done
	echo "${names[*]}"
}

_pantherctl_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

_pantherctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]}
	local prev=${COMP_WORDS[COMP_CWORD - 1]}
	local words=() i w list=

	# A file after --config, also as --config=FILE (bash splits at '=').
	if [[ $prev == --config ]]; then
		_pantherctl_files "$cur"
		return
	fi
	if [[ $prev == = && ${COMP_WORDS[COMP_CWORD - 2]} == --config ]]; then
		_pantherctl_files "$cur"
		return
	fi

	# The words typed before this one, without global options.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--config)
			((i++))
			[[ ${COMP_WORDS[i]} == = ]] && ((i++))
			;;
		--json | -h | --help | --version) ;;
		*) words+=("$w") ;;
		esac
	done

	if [[ $cur == -* ]]; then
		list="--json --config --help --version"
		[[ ${words[0]} == doctor ]] && list+=" --try-1password"
	else
		case "${#words[@]} ${words[*]}" in
		"0 ") list="power session polkit check-config doctor version help" ;;
		"1 power") list="get list set cycle auto status" ;;
		"2 power set") list=$(_pantherctl_profiles) ;;
		"1 session") list="status restart stop" ;;
		"2 session restart") list=$(_pantherctl_services) ;;
		"1 polkit") list="status forget" ;;
		"1 doctor") list="--try-1password" ;;
		"1 check-config")
			_pantherctl_files "$cur"
			return
			;;
		esac
	fi
	mapfile -t COMPREPLY < <(compgen -W "$list" -- "$cur")
}

complete -F _pantherctl pantherctl
