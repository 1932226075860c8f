#!/bin/bash
# Where secrets may go in the C sources of ipc/ power/ polkit-agent/ session/:
# - pn_secret_expose is named only in the files of ALLOWED (it hands the
#   bytes of a struct pn_secret to PAM or a pipe, nowhere else);
# - no statement both exposes a secret and logs or prints;
# - no statement puts something that looks like a password or a cookie into
#   the environment (setenv/putenv) or into a child's argv (exec*, spawn*,
#   argv/args arrays).
# The C is cut into statements (comments removed, lines joined up to ; { or })
# so a call split over several lines is still one unit for the greps.
#
#   tests/lint-secrets.sh [SOURCE_DIR]
set -u

ALLOWED=(
	ipc/secret.c
	ipc/include/panther/secret.h
	ipc/op-command.c # hands op its service account token
	'polkit-agent/*.c'
)
DIRS=(ipc power polkit-agent session)

# Extended regular expressions, without backslashes (they pass through awk -v).
LOGGING='pn_(log|vlog|err|warn|notice|info|debug)[[:space:]]*[(]|printf|puts[[:space:]]*[(]|syslog|g_(print|printerr|message|warning|debug|info|critical|error)[[:space:]]*[(]|perror'
ENV_CALL='(^|[^[:alnum:]_])(setenv|putenv|g_setenv|g_environ_setenv)[[:space:]]*[(]'
EXEC_CALL='(^|[^[:alnum:]_])(exec[lv]p?e?|execvpe|fexecve|posix_spawnp?|g_spawn_[[:alnum:]_]+)[[:space:]]*[(]|(^|[^[:alnum:]_])(argv|args)[[:alnum:]_]*[[:space:]]*([[][^]]*[]])*[[:space:]]*=[^=]'
# Outside string literals: a variable or call that smells of a secret.
SECRET_WORD='[Pp][Aa][Ss][Ss][Ww]([Oo][Rr])?[Dd]|pn_secret_expose|[Cc][Oo][Oo][Kk][Ii][Ee]'
# Inside string literals: an environment variable named like a secret.
SECRET_ENV_NAME='"[A-Z0-9_]*(PASSWORD|PASSWD|COOKIE|SECRET)[A-Z0-9_]*(=[^"]*)?"'
EXPOSE='(^|[^[:alnum:]_])pn_secret_expose([^[:alnum:]_]|$)'

src=${1:-${PANTHER_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}}
cd "$src" || {
	echo "FAIL: lint-secrets: no source directory $src"
	exit 1
}

# Glob patterns of ALLOWED as one regular expression.
allowed_re=
for pat in "${ALLOWED[@]}"; do
	re=${pat//./[.]}
	re=${re//\*/[^/]*}
	allowed_re+="${allowed_re:+|}^$re\$"
done

files=()
while IFS= read -r -d '' f; do
	files+=("${f#./}")
done < <(find "${DIRS[@]}" -type f \( -name '*.c' -o -name '*.h' \) -print0 2>/dev/null | sort -z)
if [ ${#files[@]} -eq 0 ]; then
	echo "FAIL: lint-secrets: no C sources under ${DIRS[*]} in $src"
	exit 1
fi

# Cuts each file into statements (comments dropped, lines joined up to ; { or
# }, preprocessor lines on their own), keeping two copies: stmt as written and
# code with the contents of string literals removed; then checks each one.
awk -v allowed_re="$allowed_re" -v allowed_list="${ALLOWED[*]}" \
	-v logging="$LOGGING" -v env_call="$ENV_CALL" -v exec_call="$EXEC_CALL" \
	-v secret_word="$SECRET_WORD" -v secret_env_name="$SECRET_ENV_NAME" \
	-v expose="$EXPOSE" '
function report(why) {
	shown = stmt
	if (length(shown) > 160)
		shown = substr(shown, 1, 157) "..."
	printf "lint-secrets: %s:%d: %s: %s\n", file, start, why, shown
	violations++
}
function flush() {
	if (stmt ~ /[^[:space:]]/) {
		gsub(/[[:space:]]+/, " ", stmt)
		gsub(/[[:space:]]+/, " ", code)
		sub(/^ /, "", stmt)
		check()
	}
	stmt = ""
	code = ""
}
function check() {
	if (code ~ expose) {
		if (file !~ allowed_re)
			report("pn_secret_expose outside the allowed files (" allowed_list ")")
		if (code ~ logging)
			report("an exposed secret in a statement that logs or prints")
	}
	if (code ~ env_call && (code ~ secret_word || stmt ~ secret_env_name))
		report("a password or cookie put into the environment")
	if (code ~ exec_call && code ~ secret_word)
		report("a password or cookie in a program argv")
}
FNR == 1 {
	flush()
	file = FILENAME
	incomment = 0
	nfiles++
}
{
	line = $0
	if (!incomment && stmt !~ /[^[:space:]]/ && line ~ /^[[:space:]]*#/) {
		start = FNR
		stmt = line
		code = line
		flush()
		next
	}
	instr = 0
	n = length(line)
	for (i = 1; i <= n; i++) {
		c = substr(line, i, 1)
		c2 = substr(line, i, 2)
		if (incomment) {
			if (c2 == "*/") {
				incomment = 0
				i++
			}
			continue
		}
		if (instr) {
			stmt = stmt c
			if (c == "\\") {
				stmt = stmt substr(line, i + 1, 1)
				i++
			} else if (c == q) {
				instr = 0
				code = code c
			}
			continue
		}
		if (c2 == "/*") {
			incomment = 1
			i++
			stmt = stmt " "
			code = code " "
			continue
		}
		if (c2 == "//")
			break
		if (stmt !~ /[^[:space:]]/ && c !~ /[[:space:]]/)
			start = FNR
		stmt = stmt c
		code = code c
		if (c == "\"" || c == "\047") {
			instr = 1
			q = c
		} else if (c == ";" || c == "{" || c == "}") {
			flush()
		}
	}
	stmt = stmt " "
	code = code " "
}
END {
	flush()
	if (violations) {
		printf "FAIL: lint-secrets: %d violation(s)\n", violations
		exit 1
	}
	printf "PASS: lint-secrets (%d files checked)\n", nfiles
}
' "${files[@]}"
