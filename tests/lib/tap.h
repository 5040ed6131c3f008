/*
 * tap.h — the smallest TAP producer for grym's C unit tests.
 *
 * Each check prints "ok N - what" or "not ok N - what" with the file and
 * line of a failure, and tap_done() returns the exit status, so tests/run
 * counts every check and a crash cannot pass.
 *
 *   int main(void) {
 *       tap_plan(2);
 *       TAP_OK(1 + 1 == 2, "addition");
 *       TAP_NEAR(x, 0.5, 1e-6, "half");
 *       return tap_done();
 *   }
 *
 * Rules (tests/run enforces them; see the top of tests/run):
 *   - Call tap_plan(N) first whenever the number of checks is fixed: the
 *     plan is printed before any check, so a test that stops early, or
 *     skips checks under a condition, fails. Without it tap_done() prints
 *     the plan at the end, which only catches a crash.
 *   - No skips: a check that cannot run (missing tool, missing data, a
 *     setup step failing) is a failing check naming what is missing, and
 *     every check a branch leaves out must be reported failed in the
 *     other branch (or the plan catches it).
 */
#ifndef GRYM_TEST_TAP_H
#define GRYM_TEST_TAP_H

#include <stdio.h>
#include <string.h>
#include <math.h>

int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan "1..n" now, before the first check; tap_done() then
 * fails when a different number of checks ran. */
void tap_plan(int n);
/* With tap_plan: 1 if any check failed or the count differs from the
 * plan. Without: prints the plan "1..N" of the checks run, then the same. */
int tap_done(void);
/* A fresh scratch directory for this test (under $TEST_TMP or /tmp);
 * the returned string is static and removed by nobody (tests/run does). */
const char *tap_tmpdir(void);
/* The directory of the librosa reference fixtures shipped with the
 * repository ($GRYM_TOP/tests/fixtures/librosa). Reports one failing check
 * naming the missing manifest and returns NULL when they are not there, so
 * a test without its data fails instead of passing by doing nothing. */
const char *tap_fixture_dir(void);
/* $GRYM_TOP/tests/fixtures/librosa/NAME when that file exists; otherwise a
 * failing check naming the file and NULL. */
const char *tap_fixture(const char *name);

#define TAP_OK(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define TAP_EQ_INT(a, b, ...) do { long long a_ = (a), b_ = (b); \
	if (!TAP_OK(a_ == b_, __VA_ARGS__)) tap_diag("  got %lld, want %lld", a_, b_); } while (0)
#define TAP_EQ_STR(a, b, ...) do { const char *a_ = (a), *b_ = (b); \
	if (!TAP_OK(a_ && b_ && strcmp(a_, b_) == 0, __VA_ARGS__)) \
		tap_diag("  got '%s', want '%s'", a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } while (0)
#define TAP_NEAR(a, b, tol, ...) do { double a_ = (a), b_ = (b); \
	if (!TAP_OK(fabs(a_ - b_) <= (tol), __VA_ARGS__)) \
		tap_diag("  got %.9g, want %.9g (tolerance %g)", a_, b_, (double)(tol)); } while (0)
/* A setup step whose own failure is not what the test checks: nothing on
 * success (the plan does not count it), a failing check naming the call
 * and its status when it returns a negative status, which also breaks the
 * plan. So an unchecked status (grym's GRYM_MUST_CHECK functions) cannot
 * hide a broken fixture. */
#define TAP_SETUP(call) do { long long s_ = (long long)(call); \
	if (s_ < 0) TAP_OK(0, "setup: %s returned %lld", #call, s_); } while (0)

#endif
