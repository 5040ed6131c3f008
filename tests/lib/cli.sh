# tests/lib/cli.sh — helpers for grym's CLI tests, sourced by tests/cli/*.sh.
#
# Each check prints a TAP line; `done_testing` ends the test and sets the
# exit status. Tests run in a scratch directory (the current one) that
# tests/run removes afterwards; GRYM_BIN holds the programs under test.
#
#   . "$GRYM_TOP/tests/lib/cli.sh"
#   plan 4                  (first, whenever the number of checks is fixed)
#   ok "ingest accepts a wav"  grym-ingest a.wav
#   is "$(cmd)" "expected"  "what it shows"
#   fails 2 "usage error on bad option"  grym-ingest --nope
#   near "$(cmd)" -23 0.1 "loudness"
#   done_testing
#
# Rules (tests/run enforces them; see the top of tests/run):
#   - Declare `plan N` before the first check when the count is fixed: a
#     test that stops early then fails. Without it done_testing prints the
#     plan at the end, which only catches a crash.
#   - No silent skips. A missing tool, a missing file, running as root, a
#     race lost: none of these is a reason to skip; the check must fail (or
#     be made deterministic). The only skip is skip_sanitize, for checks
#     meaningless under AddressSanitizer; tests/run re-checks that the
#     build really is sanitized, and counts any other skip as a failure.
#   - Unreadable-file checks run under `unprivileged CMD...`, which drops
#     the capabilities that let root read anything, so they test something
#     as root too.
#   - Compare two computed values with `same`, which fails when they are
#     empty: two failing commands print the same nothing.

set -u
: "${GRYM_TOP:?run me through tests/run}"
export PATH="$GRYM_BIN:$PATH"
export GRYM_CATALOG="$PWD/catalog"
_n=0
_failed=0
_planned=""

# plan N: the number of checks this test will run, printed first.
plan() {
	_planned=$1
	echo "1..$1"
}

_report() { # status description
	_n=$((_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_n - $2"
	else
		_failed=$((_failed + 1))
		echo "not ok $_n - $2"
	fi
}

# ok DESC CMD...: CMD must exit 0; its stderr is shown on failure.
ok() {
	_d=$1; shift
	if "$@" >"$PWD/.out" 2>"$PWD/.err"; then _report 0 "$_d"
	else _s=$?; _report 1 "$_d"; echo "#   exit $_s: $*"; sed 's/^/#   /' "$PWD/.err" | tail -n 15; fi
}

# fails STATUS DESC CMD...: CMD must exit with exactly STATUS.
fails() {
	_want=$1; _d=$2; shift 2
	"$@" >"$PWD/.out" 2>"$PWD/.err"
	_s=$?
	if [ "$_s" = "$_want" ]; then _report 0 "$_d"
	else _report 1 "$_d"; echo "#   exit $_s, want $_want: $*"; sed 's/^/#   /' "$PWD/.err" | tail -n 15; fi
}

# is GOT WANT DESC: GOT is exactly WANT (WANT written out in the test).
is() {
	if [ "$1" = "$2" ]; then _report 0 "$3"
	else _report 1 "$3"; printf '#   got:  %s\n#   want: %s\n' "$1" "$2"; fi
}

# same GOT WANT DESC: two computed values agree and are not empty (two
# failing commands print the same nothing, which proves nothing).
same() {
	if [ -n "$2" ] && [ "$1" = "$2" ]; then _report 0 "$3"
	else _report 1 "$3"; printf '#   got:  %s\n#   want: %s\n' "$1" "${2:-(empty: nothing to compare with)}"; fi
}

# like GOT PATTERN DESC: GOT is not empty and matches the grep -E PATTERN
# (empty output matches too many patterns to prove anything).
like() {
	if [ -n "$1" ] && printf '%s\n' "$1" | grep -Eq -- "$2"; then _report 0 "$3"
	else _report 1 "$3"; printf '#   got:  %s\n#   want match: %s\n' "${1:-(empty)}" "$2"; fi
}

# A finite decimal number (what awk can compare); empty, null, nan, inf
# and text are not.
_is_number() {
	printf '%s\n' "$1" | grep -Eqx -- '[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?'
}

# near GOT WANT TOL DESC: GOT and WANT are numbers within TOL. A value that
# is not a number (empty, null, nan, text) fails.
near() {
	if _is_number "$1" && _is_number "$2" && _is_number "$3" &&
	   awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= t) }'
	then _report 0 "$4"
	else _report 1 "$4"; printf '#   got %s, want %s +- %s\n' "${1:-(empty)}" "$2" "$3"; fi
}

# satisfies GOT CONDITION DESC: GOT is a number and the awk CONDITION on v
# holds, e.g. satisfies "$tp" 'v <= -0.99' "true peak under -1 dBTP".
satisfies() {
	if _is_number "$1" && awk -v v="$1" "BEGIN { exit !($2) }"
	then _report 0 "$3"
	else _report 1 "$3"; printf '#   got %s, want %s\n' "${1:-(empty)}" "$2"; fi
}

# need_fixtures: set FIX to the librosa fixtures shipped in the repository
# (tests/fixtures/librosa). When they are missing, report a failing check
# naming the file and end the test: a test without its data never passes.
need_fixtures() {
	FIX="$GRYM_TOP/tests/fixtures/librosa"
	[ -f "$FIX/manifest.json" ] && return 0
	_report 1 "fixture $FIX/manifest.json is missing"
	done_testing
}

# check DESC CONDITION...: run a shell test expression
check() { _d=$1; shift; if "$@"; then _report 0 "$_d"; else _report 1 "$_d"; fi; }

# unprivileged CMD...: run CMD without the capabilities that let root read
# and search what its mode forbids (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH),
# so a permission check tests something when the suite runs as root. Not
# root: CMD runs as it is. setpriv comes with util-linux.
unprivileged() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --bounding-set -dac_override,-dac_read_search \
			--inh-caps -dac_override,-dac_read_search -- "$@"
	else
		"$@"
	fi
}

# need_unreadable PATH...: a check that PATH really cannot be read by
# `unprivileged` (mode 000 and the capability drop working), so the checks
# that follow cannot pass against a readable file.
need_unreadable() {
	for _p in "$@"; do
		if [ -d "$_p" ]; then _what=listed; set -- ls "$_p"; else _what=read; set -- cat "$_p"; fi
		if unprivileged "$@" >/dev/null 2>&1; then
			_report 1 "$_p cannot be $_what by an unprivileged process"
			echo "#   it can: $* (as uid $(id -u))"
		else
			_report 0 "$_p cannot be $_what by an unprivileged process"
		fi
	done
}

# skip_sanitize REASON: the one allowed skip, for a check that means
# nothing under AddressSanitizer. Only when SANITIZE=1 (tests/run sets it
# from the build and re-checks it); anywhere else it is a failure.
skip_sanitize() {
	if [ "${SANITIZE:-0}" = 1 ]; then
		_n=$((_n + 1)); echo "ok $_n - # SKIP SANITIZE=1: $1"
	else
		_report 1 "skip_sanitize outside a sanitized build: $1"
	fi
}

done_testing() {
	if [ -z "$_planned" ]; then
		echo "1..$_n"
	elif [ "$_planned" != "$_n" ]; then
		echo "# planned $_planned checks, ran $_n"
		_failed=$((_failed + 1))
	fi
	[ "$_failed" = 0 ]
	exit $?
}
