# tests/lib/cli.sh — helpers for grym's CLI tests, sourced by tests/cli/*.sh.
#
# Each check prints a TAP line; `done_testing` prints the plan and sets the
# exit status. Tests run in a scratch directory (the current one) that
# tests/run removes afterwards; GRYM_BIN holds the programs under test.
#
#   . "$GRYM_TOP/tests/lib/cli.sh"
#   ok "ingest accepts a wav"  grym-ingest a.wav
#   is "$(cmd)" "expected"  "what it shows"
#   fails 2 "usage error on bad option"  grym-ingest --nope
#   done_testing

set -u
: "${GRYM_TOP:?run me through tests/run}"
export PATH="$GRYM_BIN:$PATH"
export GRYM_CATALOG="$PWD/catalog"
_n=0
_failed=0

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

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then _report 0 "$3"
	else _report 1 "$3"; printf '#   got:  %s\n#   want: %s\n' "$1" "$2"; fi
}

# like GOT PATTERN DESC: GOT matches the grep -E PATTERN
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then _report 0 "$3"
	else _report 1 "$3"; printf '#   got:  %s\n#   want match: %s\n' "$1" "$2"; fi
}

# near GOT WANT TOL DESC: numbers within TOL
near() {
	if awk -v g="$1" -v w="$2" -v t="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= t) }'
	then _report 0 "$4"
	else _report 1 "$4"; printf '#   got %s, want %s +- %s\n' "$1" "$2" "$3"; fi
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

skip() { _n=$((_n + 1)); echo "ok $_n - # SKIP $1"; }

done_testing() {
	echo "1..$_n"
	[ "$_failed" = 0 ]
	exit $?
}
