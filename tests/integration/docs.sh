#!/bin/bash
# The documentation as a user meets it: every man page renders without a
# warning, panther.json(5) documents every key the parser accepts and its
# examples are valid, and the pantherctl completions load and complete in
# fish, bash and zsh.
set -u
src=${PANTHER_SOURCE_DIR:?PANTHER_SOURCE_DIR is not set}
build=${PANTHER_BUILD_DIR:?PANTHER_BUILD_DIR is not set}
ctl=${PANTHERCTL:?PANTHERCTL is not set}
completions=$src/contrib/completions
tmp=$(mktemp -d /tmp/panther-docs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A program the test cannot do without: skip, or fail under CI.
need() {
	command -v "$1" >/dev/null && return
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $1 is not installed (scripts/setup-debian.sh installs it)"
		exit 1
	fi
	echo "SKIP: $1 is not installed (scripts/setup-debian.sh installs it)"
	exit 77
}
need scdoc
need man
need fish

# ---- man pages ----

# Every page with a source is built, and scdoc has nothing to say about it.
pages=()
for scd in "$src"/doc/*.scd; do
	[ -e "$scd" ] || continue
	page=$(basename "$scd" .scd)
	if ! scdoc <"$scd" >/dev/null 2>"$tmp/scdoc.err" || [ -s "$tmp/scdoc.err" ]; then
		fail "scdoc on doc/$page.scd: $(head -3 "$tmp/scdoc.err")"
	fi
	if [ -f "$build/doc/$page" ]; then
		pages+=("$build/doc/$page")
	else
		fail "doc/$page.scd exists but $build/doc/$page was not built (doc/meson.build lists the pages; a page added since the build dir was set up needs meson setup --reconfigure)"
	fi
done
[ "${#pages[@]}" -gt 0 ] || fail "no man page was built in $build/doc"
[ -f "$build/doc/panther.json.5" ] || fail "panther.json.5 was not built"

for page in "${pages[@]}"; do
	name=$(basename "$page")
	MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" >"$tmp/page.txt" 2>"$tmp/page.err"
	status=$?
	[ "$status" -eq 0 ] || fail "man -l $name: exit status $status"
	[ -s "$tmp/page.err" ] && fail "man -l $name warns: $(head -3 "$tmp/page.err")"
	if [ "$(grep -c . "$tmp/page.txt")" -lt 10 ]; then
		fail "man -l $name rendered almost nothing"
		continue
	fi
	grep -q '^NAME$' "$tmp/page.txt" || fail "$name has no NAME section"
	# whatis and apropos read the NAME line: it must parse.
	if command -v lexgrog >/dev/null && ! lexgrog "$page" >/dev/null 2>&1; then
		fail "$name: lexgrog cannot parse its NAME section"
	fi
done

# ---- panther.json(5) ----

# The keys the parser accepts: every *_keys[] table of ipc/config.c and ipc/config/.
keys=$(awk '/^static const char \*const [a-z_]+_keys\[\] = \{/ { on = 1 }
	on { print } on && /\};/ { on = 0 }' "$src/ipc/config.c" "$src"/ipc/config/*.c |
	grep -o '"[a-z_]*"' | tr -d '"' | sort -u)
nkeys=$(echo "$keys" | grep -c .)
if [ "$nkeys" -lt 30 ] || ! grep -qx on_battery <<<"$keys"; then
	fail "found only $nkeys keys in ipc/config.c and ipc/config/: the key tables changed shape"
fi
page5=$build/doc/panther.json.5
if [ -f "$page5" ]; then
	# Each key is a documented term: bold, alone or at the end of a dotted path.
	sed 's/\\&//g' "$page5" >"$tmp/page5.roff"
	for key in $keys; do
		grep -qE "\\\\fB([a-z_]+\\.)*$key\\\\fR" "$tmp/page5.roff" ||
			fail "panther.json.5 does not document the key \"$key\""
	done
	# The examples are valid files.
	awk -v dir="$tmp" '/^```$/ { if (on) { on = 0; close(f) } else { on = 1; n++; f = dir "/example" n ".json"; first = 1 }; next }
		on { print > f }' "$src/doc/panther.json.5.scd"
	examples=0
	for example in "$tmp"/example*.json; do
		[ -e "$example" ] || continue
		[ "$(head -c1 "$example")" = "{" ] || continue
		examples=$((examples + 1))
		"$ctl" check-config "$example" >"$tmp/check.out" 2>&1 ||
			fail "an example of panther.json.5 is refused: $(cat "$tmp/check.out")"
	done
	[ "$examples" -ge 2 ] || fail "panther.json.5 shows $examples JSON examples, expected 2"
fi

# ---- completions ----

# The commands and subcommands pantherctl --help shows.
help=$("$ctl" --help)
commands=$(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' <<<"$help" | sort -u)
[ "$(echo "$commands" | grep -c .)" -ge 5 ] || fail "cannot read the commands from pantherctl --help"
# subcommands WORD: the words after WORD in the help's usage lines.
subcommands() {
	sed -n "s/^  $1 \\(.*\\)/\\1/p" <<<"$help" | sed 's/   .*//' | tr ' |' '\n\n' |
		grep -x '[a-z][a-z-]*' | sort -u
}

# Stand-ins for pantherctl on PATH: one that answers, one that is not running.
mkdir -p "$tmp/answers" "$tmp/silent"
cat >"$tmp/answers/pantherctl" <<'EOF'
#!/bin/sh
case "$*" in
"power list") printf '  power-saver\n* balanced\n' ;;
"--json session status") printf '{"mode":"direct","services":[{"name":"dms","state":"running","pid":12,"restarts":0},{"name":"panther-powerd","state":"running","pid":13,"restarts":1}]}\n' ;;
*) exit 1 ;;
esac
EOF
printf '#!/bin/sh\necho "pantherctl: not running" >&2\nexit 1\n' >"$tmp/silent/pantherctl"
chmod +x "$tmp/answers/pantherctl" "$tmp/silent/pantherctl"
answers_path=$tmp/answers:$PATH
silent_path=$tmp/silent:$PATH
all_profiles=$'balanced\nperformance\npower-saver'
offered=$'balanced\npower-saver'
services=$'dms\npanther-powerd'

# expect SHELL LINE WANT GOT: the completions of LINE are exactly WANT (sorted).
expect() {
	local want got
	want=$(sort -u <<<"$3")
	got=$(sort -u <<<"$4" | grep .)
	[ "$got" = "$want" ] || fail "$1: \"$2\" completes to [$(echo $got)], expected [$(echo $want)]"
}
# expect_has SHELL LINE WANT GOT: every word of WANT is among the completions.
expect_has() {
	local w
	for w in $3; do
		grep -qx -- "$w" <<<"$4" || fail "$1: \"$2\" does not offer $w (offers: $(echo $4))"
	done
}

# fish
fish_complete() {
	PATH=${2:-$PATH} fish --no-config -c "source $completions/pantherctl.fish; complete -C '$1'" 2>&1 |
		cut -f1
}
if ! fish --no-config -c "source $completions/pantherctl.fish" 2>"$tmp/fish.err" || [ -s "$tmp/fish.err" ]; then
	fail "fish cannot load pantherctl.fish: $(head -3 "$tmp/fish.err")"
fi
expect fish "pantherctl po" $'power\npolkit' "$(fish_complete 'pantherctl po')"
expect_has fish "pantherctl " "$commands" "$(fish_complete 'pantherctl ')"
expect fish "pantherctl power " "$(subcommands power)" "$(fish_complete 'pantherctl power ')"
expect fish "pantherctl session " "$(subcommands session)" "$(fish_complete 'pantherctl session ')"
expect fish "pantherctl polkit " "$(subcommands polkit)" "$(fish_complete 'pantherctl polkit ')"
expect fish "pantherctl --json power set " "$all_profiles" \
	"$(fish_complete 'pantherctl --json power set ' "$silent_path")"
expect fish "pantherctl power set (backend offers two)" "$offered" \
	"$(fish_complete 'pantherctl power set ' "$answers_path")"
expect fish "pantherctl session restart " "$services" \
	"$(fish_complete 'pantherctl session restart ' "$answers_path")"
expect_has fish "pantherctl --" "--json --config --help --version" "$(fish_complete 'pantherctl --')"
expect_has fish "pantherctl doctor --" "--try-1password" "$(fish_complete 'pantherctl doctor --')"
touch "$tmp/my-config.json"
expect fish "pantherctl check-config FILE" "$tmp/my-config.json" \
	"$(fish_complete "pantherctl check-config $tmp/my-")"
expect fish "pantherctl --config FILE" "$tmp/my-config.json" \
	"$(fish_complete "pantherctl --config $tmp/my-")"
expect fish "pantherctl power get " "" "$(fish_complete 'pantherctl power get ')"

# bash: the completion function driven as bash drives it on Tab.
cat >"$tmp/bash-complete.sh" <<'EOF'
source "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_pantherctl 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
EOF
bash_complete() {
	local path=$1
	shift
	PATH=$path bash "$tmp/bash-complete.sh" "$completions/pantherctl.bash" "$@"
}
expect_has bash "pantherctl doctor --" "--try-1password" \
	"$(bash_complete "$PATH" pantherctl --json doctor --)"
registered=$(bash -c "source $completions/pantherctl.bash; complete -p pantherctl" 2>&1)
[ "$registered" = "complete -F _pantherctl pantherctl" ] ||
	fail "bash: complete -p pantherctl says '$registered'"
expect bash "pantherctl po" $'power\npolkit' "$(bash_complete "$PATH" pantherctl po)"
expect_has bash "pantherctl " "$commands" "$(bash_complete "$PATH" pantherctl '')"
expect bash "pantherctl power " "$(subcommands power)" "$(bash_complete "$PATH" pantherctl power '')"
expect bash "pantherctl session " "$(subcommands session)" \
	"$(bash_complete "$PATH" pantherctl session '')"
expect bash "pantherctl --json power set " "$all_profiles" \
	"$(bash_complete "$silent_path" pantherctl --json power set '')"
expect bash "pantherctl power set (backend offers two)" "$offered" \
	"$(bash_complete "$answers_path" pantherctl power set '')"
expect bash "pantherctl --config=F session restart " "$services" \
	"$(bash_complete "$answers_path" pantherctl --config = x.json session restart '')"
expect bash "pantherctl check-config FILE" "$tmp/my-config.json" \
	"$(bash_complete "$PATH" pantherctl check-config "$tmp/my-")"
expect bash "pantherctl --config FILE" "$tmp/my-config.json" \
	"$(bash_complete "$PATH" pantherctl --config "$tmp/my-")"

# zsh: an interactive zsh on a pseudo-terminal, Tab pressed, the matches recorded.
if ! command -v zsh >/dev/null; then
	echo "note: zsh is not installed: the zsh completion was not tested (skipped for zsh only)"
else
	cat >"$tmp/zsh-complete.zsh" <<'EOF'
# zsh -f zsh-complete.zsh FPATH_DIR LINE: prints each match, one a line.
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z "PS1=''; PROMPT_EOL_MARK=''; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
# Every match added is printed, tagged, before zsh shows it.
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __m; builtin compadd -A __m "$@"; (( $#__m )) && print -rl -- "<M>"${^__m}; builtin compadd "$@"; }'
zpty -w z 'zstyle ":completion:*" insert-tab false; bindkey "^I" complete-word; print "<READY$((1+1))>"'
# Waits for the output, not the echo of the line, so that zsh is at its prompt.
zpty -r z line '*<READY2>*' || exit 2
zpty -w -n z "$2"$'\t'
zpty -w z $'\C-u print "<DONE$((1+1))>"'
while zpty -r z line; do
	[[ $line == *'<DONE2>'* ]] && break
	line=${line//$'\r'/}
	[[ $line == *'<M>'* ]] && print -r -- ${${line##*<M>}%$'\n'}
done
zpty -d z
EOF
	zsh_complete() {
		# The pseudo-terminal session is timing-sensitive on a loaded machine:
		# an empty answer is asked again (a real miss stays empty every time).
		local out try
		for try in 1 2 3; do
			out=$(PATH=${2:-$PATH} timeout 20 zsh -f "$tmp/zsh-complete.zsh" "$completions" "$1")
			[ -n "$out" ] && break
		done
		printf '%s\n' "$out"
	}
	zsh -n "$completions/_pantherctl" 2>"$tmp/zsh.err" || fail "zsh cannot parse _pantherctl: $(head -3 "$tmp/zsh.err")"
	expect zsh "pantherctl po" $'power\npolkit' "$(zsh_complete 'pantherctl po')"
	expect_has zsh "pantherctl " "$commands" "$(zsh_complete 'pantherctl ')"
	expect zsh "pantherctl power " "$(subcommands power)" "$(zsh_complete 'pantherctl power ')"
	expect zsh "pantherctl session " "$(subcommands session)" "$(zsh_complete 'pantherctl session ')"
	expect zsh "pantherctl --json power set " "$all_profiles" \
		"$(zsh_complete 'pantherctl --json power set ' "$silent_path")"
	expect zsh "pantherctl power set (backend offers two)" "$offered" \
		"$(zsh_complete 'pantherctl power set ' "$answers_path")"
	expect zsh "pantherctl session restart " "$services" \
		"$(zsh_complete 'pantherctl session restart ' "$answers_path")"
	expect_has zsh "pantherctl --" "--json --config --help --version" "$(zsh_complete 'pantherctl --')"
	expect_has zsh "pantherctl doctor --" "--try-1password" "$(zsh_complete 'pantherctl doctor --')"
	expect zsh "pantherctl check-config FILE" "my-config.json" \
		"$(zsh_complete "pantherctl check-config $tmp/my-")"
fi

if [ "$failures" -gt 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok: ${#pages[@]} man page(s), $nkeys config keys, completions for fish, bash$(command -v zsh >/dev/null && echo ", zsh")"
