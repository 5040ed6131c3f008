#!/bin/sh
# harness.sh — tests/run and tests/lib/cli.sh themselves: a test cannot
# pass by doing nothing. Small TAP scripts are run through a copy of
# tests/run in a scratch tree, and its closing line is checked: a skip
# is a failure unless it is skip_sanitize in a sanitized build, a test
# that stops early (exit 0) fails, with or without a leading plan, an
# unmet plan fails, test numbers must count up, a unit test that is not
# built fails, near() refuses what is not a number.
. "$GRYM_TOP/tests/lib/cli.sh"
plan 30

# tree NAME [san]: a scratch copy of the harness under NAME (no tests
# yet), with an empty build whose programs carry the ASan runtime if san.
tree() {
	rm -rf "$1"
	mkdir -p "$1/tests/lib" "$1/tests/cli" "$1/tests/unit" "$1/build/bin" "$1/build/tests"
	cp "$GRYM_TOP/tests/run" "$1/tests/"
	cp "$GRYM_TOP/tests/lib/cli.sh" "$1/tests/lib/"
	if [ "${2:-}" = san ]; then
		printf 'binary with __asan_init inside\n' >"$1/build/bin/grym-x"
	else
		printf 'plain binary\n' >"$1/build/bin/grym-x"
	fi
	chmod +x "$1/build/bin/grym-x"
}
# t NAME BODY: a CLI test script NAME.sh in the current tree
t() {
	printf '#!/bin/sh\n. "$GRYM_TOP/tests/lib/cli.sh"\n%s\n' "$2" >"$T/tests/cli/$1.sh"
	chmod +x "$T/tests/cli/$1.sh"
}
# run: the closing line of tests/run over the current tree (and its exit
# status after a colon), the full output in run.out
run() {
	(cd "$T" && env -u GRYM_TOP -u GRYM_BIN GRYM_BUILD=build TEST_JOBS=1 tests/run) >run.out 2>&1
	echo "$(tail -n 1 run.out):$?"
}

# --- the closing line, and what passes -----------------------------------
T=$PWD/t1; tree "$T"
t pass 'plan 2
ok "true" true
is a a "a is a"
done_testing'
t late 'ok "true" true
done_testing'
is "$(run)" "3 passed, 0 failed, 0 skipped:0" "passing tests: N passed, N failed, N skipped"
is "$(sed -n '$p' run.out | grep -c .) $(tail -n 2 run.out | head -n 1)" "1 " "the closing line is alone at the end"

# --- skips ---------------------------------------------------------------
T=$PWD/t2; tree "$T"
t rawskip 'ok "true" true
_n=$((_n + 1)); echo "ok $_n - # SKIP no tool"
done_testing'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "a plain SKIP is a failure"
like "$(cat run.out)" "skip without a condition tests/run re-checks" "and says why"
T=$PWD/t3; tree "$T"
t forged 'ok "true" true
_n=$((_n + 1)); echo "ok $_n - # SKIP SANITIZE=1: forged"
done_testing'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "a SANITIZE=1 skip in a normal build is a failure"
T=$PWD/t4; tree "$T"
t helper 'ok "true" true
skip_sanitize "RSS under ASan"
done_testing'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "skip_sanitize in a normal build is a failure"
tree "$T" san
t helper 'ok "true" true
skip_sanitize "RSS under ASan"
done_testing'
is "$(run)" "1 passed, 0 failed, 1 skipped:0" "skip_sanitize in a sanitized build is a skip"
like "$(cat run.out)" "helper.sh: SANITIZE=1: RSS under ASan" "its reason is listed above the closing line"
(cd "$T" && SANITIZE=0 GRYM_BUILD=build TEST_JOBS=1 tests/run) >run.out 2>&1
is "$(tail -n 1 run.out)" "1 passed, 0 failed, 1 skipped" "SANITIZE is taken from the build, not from the caller"

# --- plans and early ends ---------------------------------------------------
T=$PWD/t5; tree "$T"
t early 'plan 3
ok "one" true
exit 0
ok "two" true
ok "three" true
done_testing'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "leading plan, exit 0 between checks: a failure"
like "$(cat run.out)" "planned 3, ran 1: the test stopped early" "planned 3, ran 1"
T=$PWD/t6; tree "$T"
t noplan 'ok "one" true
exit 0
done_testing'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "no plan at all (stopped before done_testing): a failure"
T=$PWD/t7; tree "$T"
t died 'plan 2
ok "one" true
kill -KILL $$
ok "two" true
done_testing'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "killed between checks: a failure"
like "$(cat run.out)" "exit status 137" "naming the exit status"
T=$PWD/t8; tree "$T"
t short 'plan 3
ok "one" true
done_testing'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "done_testing with fewer checks than planned fails"
T=$PWD/t9; tree "$T"
t twice 'ok "one" true
echo "1..1"
ok "two" true
done_testing'
like "$(run)" "^2 passed, [1-9][0-9]* failed, 0 skipped:1$" "a plan in the middle, or two plans: a failure"
T=$PWD/t10; tree "$T"
t order 'echo "ok 1 - a"
echo "ok 3 - b"
echo "1..2"'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "test numbers must count 1, 2, 3"
T=$PWD/t11; tree "$T"
t none 'echo "1..0"'
is "$(run)" "0 passed, 1 failed, 0 skipped:1" "a test that runs no check fails"
T=$PWD/t12; tree "$T"
t junk 'echo "ok"
echo "ok 1 - a"
echo "1..1"'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "a malformed test line fails"
T=$PWD/t13; tree "$T"
t san 'ok "one" true
echo "==123==ERROR: AddressSanitizer: heap-use-after-free" >&2
done_testing'
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "a sanitizer report on stderr fails"

# --- unit tests: a source without its binary fails -------------------------
T=$PWD/t14; tree "$T"
t pass 'ok "true" true
done_testing'
printf 'int main(void) { return 0; }\n' >"$T/tests/unit/test_gone.c"
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "a unit test that is not built fails"
like "$(cat run.out)" "test_gone: not built" "naming it"
printf '#!/bin/sh\necho "ok 1 - a"; echo "1..1"\n' >"$T/build/tests/test_gone"
chmod +x "$T/build/tests/test_gone"
touch -d '2001-01-01' "$T/build/tests/test_gone"
is "$(run)" "1 passed, 1 failed, 0 skipped:1" "a unit binary older than its source fails"
touch "$T/build/tests/test_gone"
is "$(run)" "2 passed, 0 failed, 0 skipped:0" "built and fresh: it runs"

# --- the helpers ------------------------------------------------------------
T=$PWD/t15; tree "$T"
t near 'near null 0 0.01 "null"
near "" 0 0.01 "empty"
near nan nan 1 "nan"
near inf inf 1 "inf"
near abc 0 1 "text"
near 1.5 1.5 0 "number"
near -2e-3 0 0.01 "exponent"
done_testing'
is "$(run)" "2 passed, 5 failed, 0 skipped:1" "near: null, empty, nan, inf and text fail; numbers pass"
t near 'satisfies null "v < 1" "null"
satisfies 0.5 "v < 1" "number"
same "" "" "two empty values"
same x x "two values"
like "" ".*" "empty output"
like "abc" "b" "a match"
done_testing'
is "$(run)" "3 passed, 3 failed, 0 skipped:1" "satisfies, same and like refuse empty or non-numeric values"

# --- unprivileged: an unreadable file is unreadable, even to root ---------
printf 'secret\n' >closed.txt
mkdir closed.d
chmod 000 closed.txt closed.d
fails 1 "unprivileged cat of a mode-000 file fails (as uid $(id -u))" unprivileged cat closed.txt
is "$(cat .err)" "cat: closed.txt: Permission denied" "Permission denied"
fails 2 "unprivileged ls of a mode-000 directory fails" unprivileged ls closed.d
ok "unprivileged runs what it may" unprivileged cat "$GRYM_TOP/tests/run"
chmod 700 closed.d; chmod 600 closed.txt
done_testing
