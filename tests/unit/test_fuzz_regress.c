/*
 * test_fuzz_regress.c — the inputs the fuzzers of the outside-bytes
 * parsers crashed on (tests/fuzz/regress/<target>/) go through the same
 * entry point as the fuzz target and must end in success or a clean error
 * (a message, no model/manifest left behind); the seeds
 * (tests/fuzz/corpus/<target>/) must succeed with exact results: a model
 * file loads and saves back to the same bytes, a manifest keeps its rows,
 * an export archive imports its two assets into a fresh catalog whose
 * fsck passes. Targets: fuzz_model, fuzz_manifest, fuzz_catalog_import,
 * fuzz_wav_pipe, fuzz_json_meta, fuzz_train_tsv (tests/fuzz/fuzz_*.c). Files are found
 * through $GRYM_TOP, so adding a file is adding a test.
 */
#include "tap.h"
#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/hash.h"
#include "grym/ingest.h"
#include "grym/ml.h"
#include "grym/stage_train.h"
#include "grym/stream.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *scratch;
static int serial;

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
	*n = p ? fread(p, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	return p;
}

static int spill(const unsigned char *p, size_t n, char *path, size_t cap, const char *ext)
{
	FILE *f;
	snprintf(path, cap, "%s/in%d%s", scratch, ++serial, ext);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	if (fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* ---- fuzz_model: as given, and with the checksum made right ---- */
enum { BROKEN = 1, DIFFERS = 2 };       /* a contract broken (not a grym_status) */

/* GRYM_OK, a clean failure's status, or BROKEN / DIFFERS. */
static int model_one(const unsigned char *p, size_t n, int seed, char *msg, size_t cap)
{
	grym_model *m = NULL;
	grym_error err;
	int rc;

	grym_error_clear(&err);
	if (!(m = grym_model_load(p, n, &err))) {
		/* a clean failure: NULL, a failure's status in err.code and
		 * a message */
		snprintf(msg, cap, "%.400s", err.msg);
		return !err.msg[0] || err.code >= 0 ? BROKEN : err.code;
	}
	/* a model that loads predicts, and saves to the same bytes */
	size_t d = grym_model_dims(m), k = grym_model_nclasses(m), len = 0;
	float *x = calloc(d, sizeof *x), *pr = malloc(k * sizeof *pr);
	unsigned char *buf = NULL;
	int pred = -1;
	rc = grym_model_predict(m, x, 1, pr, &pred, &err);
	if (rc == GRYM_OK)
		rc = grym_model_save(m, &buf, &len, &err);
	if (rc == GRYM_OK && seed && (len != n || memcmp(buf, p, n) != 0))
		rc = DIFFERS;
	if (rc && rc != DIFFERS)
		snprintf(msg, cap, "%.400s", err.msg);
	else
		snprintf(msg, cap, rc == DIFFERS ? "saved bytes differ" : rc ? "error" : "loaded, predicted %d", pred);
	free(x);
	free(pr);
	free(buf);
	grym_model_free(m);
	return rc;
}

static void run_model(const char *name, const unsigned char *p, size_t n, int seed)
{
	char msg[512];
	int rc = model_one(p, n, seed, msg, sizeof msg);
	if (seed) {
		TAP_OK(rc == GRYM_OK, "seed fuzz_model/%s: %s", name, msg);
		return;
	}
	TAP_OK(rc <= GRYM_OK, "regression fuzz_model/%s: %s", name, msg);
	if (n >= 48) {
		unsigned char *c = malloc(n);
		char hex[GRYM_ID_LEN + 1];
		memcpy(c, p, n);
		grym_sha256_hex(c, n - 32, hex);
		for (int i = 0; i < 32; i++) {
			unsigned v;
			sscanf(hex + 2 * i, "%2x", &v);
			c[n - 32 + i] = (unsigned char)v;
		}
		rc = model_one(c, n, 0, msg, sizeof msg);
		TAP_OK(rc <= GRYM_OK, "regression fuzz_model/%s, checksum fixed: %s", name, msg);
		free(c);
	}
}

/* ---- fuzz_manifest ---- */
static void run_manifest(const char *name, const unsigned char *p, size_t n, int seed)
{
	char path[4096];
	grym_error err;
	grym_manifest *m;
	size_t found = 0, members = 0, rows;

	if (spill(p, n, path, sizeof path, ".csv") != 0) {
		TAP_OK(0, "fuzz_manifest/%s: cannot write %s", name, path);
		return;
	}
	grym_error_clear(&err);
	m = grym_manifest_load(path, &err);
	if (!m) {
		TAP_OK(!seed && err.msg[0] != '\0', "%s fuzz_manifest/%s: %s",
		       seed ? "seed" : "regression", name, err.msg);
		return;
	}
	rows = grym_manifest_rows(m);
	for (size_t i = 0; i < rows; i++) {
		const char *rp = grym_manifest_path(m, i);
		size_t k = strlen(scratch);
		found += grym_manifest_find(m, rp, NULL, NULL, NULL);
		/* a relative row is also found as an archive member of its name */
		if (strncmp(rp, scratch, k) == 0 && rp[k] == '/')
			members += grym_manifest_find(m, NULL, rp + k + 1, NULL, NULL) ||
				   grym_manifest_find(m, NULL, rp, NULL, NULL);
		else
			members++;
	}
	TAP_OK(found == rows && members == rows && (!seed || rows >= 2),
	       "%s fuzz_manifest/%s: %zu rows, %zu found by path, %zu as members",
	       seed ? "seed" : "regression", name, rows, found, members);
	grym_manifest_free(m);
}

/* ---- fuzz_catalog_import: into a fresh catalog each time ---- */
static void quiet(void *ud, const char *line)
{
	(void)ud;
	(void)line;
}

static void run_import(const char *name, const unsigned char *p, size_t n, int seed)
{
	char path[4096], dir[4096];
	grym_error err;
	grym_catalog *cat;
	int64_t added = -1, conflicts = -1;
	int rc;

	if (spill(p, n, path, sizeof path, ".tar") != 0) {
		TAP_OK(0, "fuzz_catalog_import/%s: cannot write %s", name, path);
		return;
	}
	snprintf(dir, sizeof dir, "%s/catalog%d", scratch, serial);
	grym_error_clear(&err);
	cat = grym_catalog_open(dir, &err);
	if (!cat) {
		TAP_OK(0, "fuzz_catalog_import/%s: catalog: %s", name, err.msg);
		return;
	}
	rc = grym_catalog_import(cat, path, &added, &conflicts, quiet, NULL, &err);
	if (seed) {
		TAP_OK(rc == GRYM_OK && added == 2 && conflicts == 0,
		       "seed fuzz_catalog_import/%s: %lld added, %lld conflicts%s%s", name,
		       (long long)added, (long long)conflicts, rc ? ": " : "", rc ? err.msg : "");
	} else {
		TAP_OK(rc == GRYM_OK || err.msg[0] != '\0', "regression fuzz_catalog_import/%s: %s",
		       name, rc ? err.msg : "imported");
	}
	if (seed && rc == GRYM_OK) {
		/* exporting it again gives the seed's bytes (the seeds were
		 * exported by grym-catalog, then libarchive's zero padding
		 * trimmed): no timestamp anywhere, gzip header included */
		char again[4096];
		const char *ext = strrchr(name, '.');
		unsigned char *b = NULL;
		size_t m = 0, z = 0;
		snprintf(again, sizeof again, "%s/again%d%s", scratch, serial,
			 strstr(name, ".tar.gz") ? ".tar.gz" : ext ? ext : ".tar");
		rc = grym_catalog_export(cat, NULL, again, &err);
		if (rc == GRYM_OK)
			b = slurp(again, &m);
		if (b)
			for (z = n; z < m && b[z] == 0; z++)
				;
		TAP_OK(b && m >= n && memcmp(b, p, n) == 0 && z == m,
		       "seed fuzz_catalog_import/%s: export again gives the same bytes (%zu, seed %zu)%s%s",
		       name, m, n, rc ? ": " : "", rc ? err.msg : "");
		free(b);
	}
	grym_error_clear(&err);
	TAP_OK(grym_catalog_fsck(cat, quiet, NULL, &err) == GRYM_OK,
	       "fuzz_catalog_import/%s: catalog fsck after import%s%s", name,
	       err.msg[0] ? ": " : "", err.msg);
	grym_catalog_close(cat);
}

/* ---- fuzz_wav_pipe: detect, then decode or read records as grym-train ---- */
static void run_wav_pipe(const char *name, const unsigned char *p, size_t n, int seed)
{
	grym_error err;
	grym_input *in = grym_input_from_memory(p, n, "stdin", &err);
	grym_input_kind kind = GRYM_INPUT_EMPTY;
	char msg[512] = "";
	int rc = GRYM_OK;

	grym_error_clear(&err);
	if (in)
		rc = grym_input_detect(in, &kind, &err);
	grym_input_free(in);
	if (rc == GRYM_OK && kind == GRYM_INPUT_AUDIO) {
		char path[4096];
		grym_decode_opts o = { 0 };
		grym_decoder *d;
		int64_t frames = 0, k;
		float buf[4096];
		spill(p, n, path, sizeof path, "");
		d = grym_decoder_open(path, &o, &err);
		rc = d ? GRYM_OK : err.code;
		while (d && (k = grym_decoder_read(d, buf, 4096 / grym_decoder_channels(d), &err)) > 0)
			frames += k;
		if (d && k < 0)
			rc = (int)k;
		snprintf(msg, sizeof msg, "audio, %lld frames%s%.400s", (long long)frames,
			 rc ? ": " : "", rc ? err.msg : "");
		grym_decoder_close(d);
	} else if (rc == GRYM_OK && kind != GRYM_INPUT_EMPTY) {
		grym_ml_read_opts o = { 0 };
		grym_dataset *ds = NULL;
		json_t *pl = NULL;
		grym_stream_reader *r;
		in = grym_input_from_memory(p, n, "stdin", &err);
		r = grym_stream_reader_new(in, &err);
		rc = r ? grym_dataset_read_records(r, &o, &ds, &pl, &err) : err.code;
		snprintf(msg, sizeof msg, "records, %zu items%s%.400s", ds ? ds->n : 0,
			 rc ? ": " : "", rc ? err.msg : "");
		grym_dataset_free(ds);
		json_decref(pl);
		grym_stream_reader_free(r);
		grym_input_free(in);
	}
	if (seed)
		TAP_OK(rc == GRYM_OK || strstr(msg, "not a feature vector"), "seed fuzz_wav_pipe/%s: %s",
		       name, msg);
	else
		TAP_OK(rc == GRYM_OK || err.msg[0] != '\0', "regression fuzz_wav_pipe/%s: %s", name, msg);
}

/* ---- fuzz_json_meta: every record of a text stream, metadata kept ---- */
static void run_json_meta(const char *name, const unsigned char *p, size_t n, int seed)
{
	grym_error err;
	grym_input *in = grym_input_from_memory(p, n, "regress", &err);
	grym_stream_reader *r = grym_stream_reader_new(in, &err);
	grym_record rec;
	int rc = r ? GRYM_OK : err.code, records = 0;

	grym_error_clear(&err);
	while (r && (rc = grym_stream_read(r, &rec, 1 << 24, &err)) == GRYM_OK) {
		/* written again in both forms, it reads back the same */
		for (int form = 0; form < 2; form++) {
			char path[4096];
			grym_error e2;
			grym_output *o;
			grym_stream_writer *w;
			grym_input *i2;
			grym_stream_reader *r2;
			grym_record back;
			int same = 0;
			snprintf(path, sizeof path, "%s/meta%d", scratch, ++serial);
			o = grym_output_open(path, &e2);
			w = o ? grym_stream_writer_new(o, form, 0, &e2) : NULL;
			if (w && grym_stream_write(w, &rec, &e2) == GRYM_OK) {
				grym_stream_writer_free(w);
				w = NULL;
				if (grym_output_commit(o, &e2) == GRYM_OK &&
				    (i2 = grym_input_open(path, &e2))) {
					r2 = grym_stream_reader_new(i2, &e2);
					if (r2 && grym_stream_read(r2, &back, 0, &e2) == GRYM_OK) {
						same = strcmp(back.head.key, rec.head.key) == 0 &&
						       back.head.kind == rec.head.kind &&
						       back.rows == rec.rows &&
						       json_equal(back.head.meta, rec.head.meta);
						grym_record_clear(&back);
					}
					grym_stream_reader_free(r2);
					grym_input_free(i2);
				}
				o = NULL;
			}
			grym_stream_writer_free(w);
			if (o)
				grym_output_abort(o);
			TAP_OK(same, "fuzz_json_meta/%s: record %d reads back the same from %s form", name,
			       records + 1, form ? "text" : "binary");
		}
		records += json_is_object(rec.head.meta);
		grym_record_clear(&rec);
	}
	if (rc == GRYM_ERR_EOF)
		rc = GRYM_OK;
	if (seed)
		TAP_OK(rc == GRYM_OK && records >= 1, "seed fuzz_json_meta/%s: %d records%s%s", name,
		       records, rc ? ": " : "", rc ? err.msg : "");
	else
		TAP_OK(rc == GRYM_OK || err.msg[0] != '\0', "regression fuzz_json_meta/%s: %s", name,
		       rc ? err.msg : "read cleanly");
	grym_stream_reader_free(r);
	grym_input_free(in);
}

/* ---- fuzz_train_tsv: grym-train --tsv tables ---- */
static void run_train_tsv(const char *name, const unsigned char *p, size_t n, int seed)
{
	grym_error err;
	grym_input *in = grym_input_from_memory(p, n, "table.tsv", &err);
	grym_ml_read_opts o = { .group_by = "speaker" };
	grym_dataset *ds = NULL;
	int rc;

	grym_error_clear(&err);
	rc = grym_dataset_read_tsv(in, &o, &ds, &err);
	if (rc == GRYM_OK && ds)
		rc = grym_dataset_finish(ds, &err);
	TAP_OK(rc == GRYM_OK ? ds && ds->n >= (size_t)(seed ? 2 : 0) : err.msg[0] != '\0',
	       "%s fuzz_train_tsv/%s: %zu items%s%.400s", seed ? "seed" : "regression", name,
	       ds ? ds->n : 0, rc ? ": " : "", rc ? err.msg : "");
	grym_dataset_free(ds);
	grym_input_free(in);
}

typedef void (*runner)(const char *, const unsigned char *, size_t, int);

static int run_dir(const char *top, const char *kind, const char *target, runner fn)
{
	char dir[2048], path[4096];
	struct dirent **list;
	int files = 0, k;

	snprintf(dir, sizeof dir, "%s/tests/fuzz/%s/%s", top, kind, target);
	k = scandir(dir, &list, NULL, alphasort);
	for (int i = 0; i < k; i++) {
		size_t n = 0;
		unsigned char *p;
		if (list[i]->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
			if ((p = slurp(path, &n))) {
				fn(list[i]->d_name, p, n, strcmp(kind, "corpus") == 0);
				free(p);
				files++;
			} else {
				TAP_OK(0, "%s %s/%s can be read", kind, target, list[i]->d_name);
			}
		}
		free(list[i]);
	}
	if (k >= 0)
		free(list);
	return files;
}

int main(void)
{
	const char *top = getenv("GRYM_TOP");
	static const struct { const char *name; runner fn; int min_seeds; } t[] = {
		{ "fuzz_model", run_model, 6 },
		{ "fuzz_manifest", run_manifest, 5 },
		{ "fuzz_catalog_import", run_import, 3 },
		{ "fuzz_wav_pipe", run_wav_pipe, 4 },
		{ "fuzz_json_meta", run_json_meta, 4 },
		{ "fuzz_train_tsv", run_train_tsv, 3 },
	};

	if (!top)
		top = ".";
	scratch = tap_tmpdir();
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int seeds = run_dir(top, "corpus", t[i].name, t[i].fn);
		TAP_OK(seeds >= t[i].min_seeds, "found the %s seeds (%d files)", t[i].name, seeds);
		run_dir(top, "regress", t[i].name, t[i].fn);
	}
	return tap_done();
}
