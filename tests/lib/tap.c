/* tap.c — see tap.h. */
#include "tap.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static int tap_count;
static int tap_failed;
static int tap_planned = -1;

int tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_plan(int n)
{
	tap_planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

int tap_done(void)
{
	if (tap_planned < 0) {
		printf("1..%d\n", tap_count);
	} else if (tap_count != tap_planned) {
		printf("# planned %d checks, ran %d\n", tap_planned, tap_count);
		fflush(stdout);
		return 1;
	}
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

const char *tap_tmpdir(void)
{
	static char dir[4096];
	const char *base = getenv("TEST_TMP");
	if (!base || !*base)
		base = "/tmp";
	snprintf(dir, sizeof dir, "%s/unit.XXXXXX", base);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(2);
	}
	return dir;
}

const char *tap_fixture_dir(void)
{
	static char dir[4096];
	char probe[4200];
	const char *top = getenv("GRYM_TOP");
	snprintf(dir, sizeof dir, "%s/tests/fixtures/librosa", top && *top ? top : ".");
	snprintf(probe, sizeof probe, "%s/manifest.json", dir);
	if (access(probe, R_OK) != 0) {
		tap_ok(0, __FILE__, __LINE__, "fixture %s is missing", probe);
		return NULL;
	}
	return dir;
}

const char *tap_fixture(const char *name)
{
	static char path[4200];
	const char *dir = tap_fixture_dir();
	if (!dir)
		return NULL;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (access(path, R_OK) != 0) {
		tap_ok(0, __FILE__, __LINE__, "fixture %s is missing", path);
		return NULL;
	}
	return path;
}
