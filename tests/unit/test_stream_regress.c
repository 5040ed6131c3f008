/*
 * test_stream_regress.c — every input the fuzzers ever crashed on
 * (tests/fuzz/regress/<target>/) goes through the matching reader and must
 * end in success or a clean error; every seed (tests/fuzz/corpus/<target>/)
 * must read without error. Found through $GRYM_TOP, so adding a file is
 * adding a test.
 */
#include "tap.h"
#include "grym/npy.h"
#include "grym/stream.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	struct stat st;
	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) < 0) {
		fclose(f);
		return NULL;
	}
	/* exact size, so ASan sees any read past the end */
	p = malloc(st.st_size ? (size_t)st.st_size : 1);
	*n = fread(p, 1, (size_t)st.st_size, f);
	fclose(f);
	return p;
}

/* Read all records; GRYM_OK if the stream ended cleanly, else the error.
 * *records counts the records read. */
static int read_stream(const unsigned char *p, size_t n, int *records, grym_error *err)
{
	grym_input *in = grym_input_from_memory(p, n, "regress", err);
	grym_stream_reader *r = grym_stream_reader_new(in, err);
	int rc = GRYM_OK;
	float buf[4096];

	*records = 0;
	if (!r) {
		grym_input_free(in);
		return err->code;
	}
	for (;;) {
		grym_record_head h;
		rc = grym_stream_next(r, &h, err);
		if (rc < 0)
			break;
		(*records)++;
		if (h.cols > 0 && h.cols <= 4096) {
			int64_t k;
			while ((k = grym_stream_read_rows(r, buf, 4096 / h.cols, err)) > 0)
				;
			if (k < 0) {
				rc = (int)k;
				grym_record_head_clear(&h);
				break;
			}
		}
		grym_record_head_clear(&h);
	}
	grym_stream_reader_free(r);
	grym_input_free(in);
	return rc == GRYM_ERR_EOF ? GRYM_OK : rc;
}

static int read_npy(const unsigned char *p, size_t n, grym_error *err)
{
	grym_input *in = grym_input_from_memory(p, n, "regress", err);
	float *d = NULL;
	int nd;
	uint64_t sh[2];
	int rc = grym_npy_read(in, &d, &nd, sh, err);
	free(d);
	grym_input_free(in);
	return rc;
}

/* Run every file of dir/<target>; must_succeed for seeds. */
static int run_dir(const char *top, const char *kind, const char *target, int must_succeed)
{
	char dir[2048], path[4096];
	DIR *d;
	struct dirent *e;
	int files = 0;

	snprintf(dir, sizeof dir, "%s/tests/fuzz/%s/%s", top, kind, target);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t n = 0;
		unsigned char *p;
		grym_error err;
		int rc, records = 0;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		p = slurp(path, &n);
		if (!p) {
			TAP_OK(0, "%s %s/%s can be read", kind, target, e->d_name);
			continue;
		}
		grym_error_clear(&err);
		if (strcmp(target, "fuzz_npy") == 0)
			rc = read_npy(p, n, &err);
		else
			rc = read_stream(p, n, &records, &err);
		if (must_succeed)
			TAP_OK(rc == 0 && (records > 0 || strcmp(target, "fuzz_npy") == 0),
			       "seed %s/%s reads (%d records%s%s)", target, e->d_name, records,
			       rc ? ": " : "", rc ? err.msg : "");
		else
			TAP_OK(rc == 0 || (rc < 0 && err.msg[0] != '\0'),
			       "regression %s/%s: %s", target, e->d_name, rc ? err.msg : "read cleanly");
		files++;
		free(p);
	}
	closedir(d);
	return files;
}

int main(void)
{
	const char *top = getenv("GRYM_TOP");
	static const char *const targets[] = { "fuzz_stream", "fuzz_text", "fuzz_npy" };
	int seeds = 0;

	if (!top)
		top = ".";
	for (int i = 0; i < 3; i++) {
		/* every target has its seeds: a corpus that moved or emptied
		 * must not leave its reader untested */
		int n = run_dir(top, "corpus", targets[i], 1);
		TAP_OK(n >= 2, "found the %s seeds (%d files)", targets[i], n);
		seeds += n;
		run_dir(top, "regress", targets[i], 0);
	}
	TAP_OK(seeds >= 10, "found the seed corpora (%d files)", seeds);
	return tap_done();
}
