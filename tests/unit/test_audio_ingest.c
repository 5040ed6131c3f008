/*
 * test_audio_ingest.c — the ingest library as grym-serve will call it:
 * file choice, archive magic, manifests looked up by any spelling of a
 * path, and the ingester's outcomes (new, known, failed) with the catalog
 * and store left exactly as promised.
 */
#include "tap.h"
#include "grym/catalog.h"
#include "grym/ingest.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *dir;

static const char *p(const char *name)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int n = snprintf(cmd, sizeof cmd, "cd '%s' && ", dir);
	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		tap_diag("command failed (%d): %s", rc, cmd);
	return rc;
}

static void test_match(void)
{
	TAP_OK(grym_walk_match(NULL, "a/b/x.WAV"), "default: .WAV taken");
	TAP_OK(grym_walk_match(NULL, "x.flac") && grym_walk_match(NULL, "x.m4a") &&
	       grym_walk_match(NULL, "x.opus") && grym_walk_match(NULL, "x.wv"), "default audio extensions");
	TAP_OK(!grym_walk_match(NULL, "notes.txt") && !grym_walk_match(NULL, "wav") &&
	       !grym_walk_match(NULL, "dir.wav/readme"), "default: other names skipped");
	TAP_OK(grym_walk_match("*.flac", "deep/dir/a.flac"), "glob on the base name");
	TAP_OK(!grym_walk_match("*.flac", "deep/dir/a.wav"), "glob excludes");
	TAP_OK(grym_walk_match("dog/*.wav", "dog/a.wav") && !grym_walk_match("dog/*.wav", "cat/a.wav"),
	       "glob with / on the relative path");
	TAP_OK(grym_walk_match("*", "README"), "explicit * takes everything");

	TAP_OK(grym_walk_hidden("._a.wav") && grym_walk_hidden("x/.DS_Store") &&
	       grym_walk_hidden("__MACOSX/a.wav") && grym_walk_hidden(".git/a.wav"),
	       "hidden names and macOS litter left out");
	TAP_OK(!grym_walk_hidden("a.wav") && !grym_walk_hidden("./a.wav") &&
	       !grym_walk_hidden("../a.wav") && !grym_walk_hidden("dir.d/a.wav"),
	       "ordinary names kept");

	static const unsigned char zip[] = "PK\x03\x04", gz[] = "\x1f\x8b\x08", xz[] = "\xfd" "7zXZ\0",
		sz[] = "7z\xbc\xaf\x27\x1c", wav[] = "RIFF\0\0\0\0WAVE";
	unsigned char tar[512] = { 0 };
	memcpy(tar + 257, "ustar", 5);
	TAP_OK(grym_ingest_is_archive(zip, 4) && grym_ingest_is_archive(gz, 3) &&
	       grym_ingest_is_archive(xz, 6) && grym_ingest_is_archive(sz, 6) &&
	       grym_ingest_is_archive(tar, sizeof tar), "archive magics");
	TAP_OK(!grym_ingest_is_archive(wav, 12) && !grym_ingest_is_archive("fLaC", 4) &&
	       !grym_ingest_is_archive("ID3", 3), "audio is not an archive");
}

static void test_manifest(void)
{
	grym_error err = { 0 };
	const json_t *labels, *meta;
	char cwd[1024];

	sh("mkdir -p ds/sub && printf '\\357\\273\\277path,label,labels,split,speaker\\n"
	   "sub/a.wav,dog,loud;near,train,\"Smith, J\"\\n./b.wav,,,test,\\n\\n' > ds/m.csv");
	grym_manifest *m = grym_manifest_load(p("ds/m.csv"), &err);
	TAP_OK(m != NULL, "manifest loads (%s)", err.msg);
	if (!m)
		return;
	TAP_EQ_INT(grym_manifest_rows(m), 2, "two rows (blank line skipped)");
	TAP_EQ_STR(grym_manifest_path(m, 0), p("ds/sub/a.wav"), "row path joined to the manifest's directory");
	TAP_OK(grym_manifest_find(m, p("ds/sub/a.wav"), NULL, &labels, &meta), "found by its joined path");
	TAP_EQ_INT(json_array_size(labels), 3, "label + labels column");
	TAP_EQ_STR(json_string_value(json_array_get(labels, 0)), "dog", "label");
	TAP_EQ_STR(json_string_value(json_array_get(labels, 2)), "near", "labels split on ;");
	TAP_EQ_STR(json_string_value(json_object_get(meta, "speaker")), "Smith, J", "quoted cell");
	TAP_EQ_STR(json_string_value(json_object_get(meta, "split")), "train", "split column");
	TAP_EQ_INT(json_object_size(meta), 2, "only the extra columns are metadata");
	/* Other spellings of the same file. */
	TAP_OK(grym_manifest_find(m, p("ds/./sub/../sub//a.wav"), NULL, NULL, NULL), "found through ./ .. //");
	if (getcwd(cwd, sizeof cwd) && chdir(p("ds")) == 0) {
		TAP_OK(grym_manifest_find(m, "sub/a.wav", NULL, NULL, NULL), "found relative to the cwd");
		TAP_OK(grym_manifest_find(m, "b.wav", NULL, &labels, &meta), "./b.wav row found as b.wav");
		TAP_EQ_INT(json_array_size(labels), 0, "empty label cells give no label");
		TAP_EQ_INT(json_object_size(meta), 1, "empty speaker omitted");
		TAP_OK(chdir(cwd) == 0, "back");
	}
	TAP_OK(grym_manifest_find(m, NULL, "./sub/a.wav", NULL, NULL), "archive member by name");
	TAP_OK(!grym_manifest_find(m, NULL, "a.wav", NULL, NULL), "member names are not base names");
	TAP_OK(!grym_manifest_find(m, p("ds/c.wav"), NULL, NULL, NULL), "unknown path");
	grym_manifest_free(m);

	sh("printf 'label\\tsplit\\nx\\ty\\n' > bad.tsv && : > empty.csv && "
	   "printf 'path,label\\n,dog\\n' > nopath.csv");
	TAP_OK(!grym_manifest_load(p("bad.tsv"), &err), "no path column refused");
	TAP_EQ_STR(err.msg, "manifest header has no \"path\" column", "no path column message");
	TAP_OK(!grym_manifest_load(p("empty.csv"), &err), "empty manifest refused");
	TAP_OK(!grym_manifest_load(p("nopath.csv"), &err), "row without a path refused");
	TAP_EQ_STR(err.msg, "line 2: no path", "row error names the line");
	TAP_OK(!grym_manifest_load(p("missing.csv"), &err), "missing manifest");
	TAP_EQ_INT(err.code, GRYM_ERR_IO, "missing manifest is an I/O error");
}

typedef struct seen {
	int n, ok, created, failed;
	char last_id[GRYM_ID_LEN + 1];
	char last_msg[256];
	json_t *last_record;
} seen;

static int collect(void *ud, const grym_ingest_result *r)
{
	seen *s = ud;
	s->n++;
	if (r->status == GRYM_OK) {
		s->ok++;
		s->created += r->created;
		snprintf(s->last_id, sizeof s->last_id, "%s", r->id);
		json_decref(s->last_record);
		s->last_record = json_deep_copy(r->record);
	} else {
		s->failed++;
		snprintf(s->last_msg, sizeof s->last_msg, "%s", r->message);
	}
	return 0;
}

static void test_ingester(void)
{
	grym_error err = { 0 };
	const char *labels[] = { "bird" };
	grym_ingest_opts o = { 0 };
	seen s = { 0 };

	sh("sox -n -r 16000 -b 16 one.wav synth 0.25 sine 440 && cp one.wav same.wav && "
	   "head -c 3000 one.wav > cut.wav && echo text > t.wav");
	o.labels = labels;
	o.nlabels = 1;
	grym_ingester *g = grym_ingester_new(p("cat"), &o, &err);
	TAP_OK(g != NULL, "ingester opens a new catalog (%s)", err.msg);
	if (!g)
		return;
	TAP_EQ_INT(grym_ingest_path(g, p("one.wav"), collect, &s), GRYM_OK, "ingest a file");
	TAP_OK(s.ok == 1 && s.created == 1, "one new asset");
	char id[GRYM_ID_LEN + 1];
	TAP_SETUP(grym_sha256_file(p("one.wav"), id, &err));
	TAP_EQ_STR(s.last_id, id, "id is the SHA-256 of the bytes");
	TAP_EQ_INT(json_integer_value(json_object_get(s.last_record, "frames")), 4000, "record frames");
	TAP_EQ_STR(json_string_value(json_array_get(json_object_get(s.last_record, "labels"), 0)), "bird",
		   "record labels");
	TAP_EQ_STR(json_string_value(json_object_get(s.last_record, "asset")), id, "record asset");
	TAP_EQ_INT(grym_ingest_path(g, p("same.wav"), collect, &s), GRYM_OK, "same bytes, other name");
	TAP_OK(s.ok == 2 && s.created == 1, "known, not created");
	TAP_EQ_INT(grym_ingest_path(g, p("cut.wav"), collect, &s), GRYM_OK, "a failure is an outcome");
	TAP_EQ_INT(s.failed, 1, "cut file failed");
	TAP_OK(strncmp(s.last_msg, "truncated: decoded", 18) == 0, "truncated message: %s", s.last_msg);
	TAP_EQ_INT(grym_ingest_path(g, p("t.wav"), collect, &s), GRYM_OK, "text file");
	TAP_EQ_STR(s.last_msg, "not audio (text file)", "text file message");
	grym_ingester_free(g);

	grym_catalog *cat = grym_catalog_open(p("cat"), &err);
	grym_asset a;
	TAP_EQ_INT(grym_catalog_get_asset(cat, id, &a, &err), GRYM_OK, "asset in the catalog");
	TAP_EQ_INT(json_array_size(a.paths), 2, "both paths recorded");
	TAP_EQ_INT(a.frames, 4000, "frames recorded");
	TAP_EQ_INT(a.bits, 16, "bits recorded");
	TAP_EQ_STR(a.format, "wav", "format recorded");
	grym_asset_clear(&a);
	grym_catalog_stats st;
	TAP_SETUP(grym_catalog_stats_get(cat, &st, &err));
	TAP_EQ_INT(st.assets, 1, "one asset: failures left no row");
	TAP_EQ_INT(st.objects, 1, "one object: failures left no object");
	grym_catalog_close(cat);
	json_decref(s.last_record);
}

/* A name that is not UTF-8 is ingested with its exact bytes; an input
 * whose row cannot be written whole (here: an empty name, refused as a
 * path after the asset row was inserted) leaves no row at all. */
static void test_rows_whole(void)
{
	grym_error err = { 0 };
	grym_ingest_opts o = { 0 };
	seen s = { 0 };
	char id[GRYM_ID_LEN + 1], id2[GRYM_ID_LEN + 1];

	sh("mkdir -p odd && sox -n -r 16000 -b 16 \"odd/$(printf 'b\\377d')\".wav synth 0.2 sine 500 && "
	   "sox -n -r 16000 -b 16 other.wav synth 0.2 sine 700");
	grym_ingester *g = grym_ingester_new(p("cat2"), &o, &err);
	TAP_OK(g != NULL, "ingester opens (%s)", err.msg);
	if (!g)
		return;
	TAP_EQ_INT(grym_ingest_path(g, p("odd/b\377d.wav"), collect, &s), GRYM_OK, "ingest a non-UTF-8 name");
	TAP_OK(s.ok == 1 && s.created == 1, "a new asset, no failure (%s)", s.last_msg);
	TAP_SETUP(grym_sha256_file(p("odd/b\377d.wav"), id, &err));
	const char *rp = json_string_value(json_object_get(s.last_record, "path"));
	TAP_OK(rp && strstr(rp, "/odd/b\xef\xbf\xbd" "d.wav") != NULL, "record path with U+FFFD: %s", rp);
	TAP_OK(json_is_string(json_object_get(s.last_record, "path_b64")), "record path_b64");

	int fd = open(p("other.wav"), O_RDONLY);
	TAP_SETUP(grym_sha256_file(p("other.wav"), id2, &err));
	TAP_EQ_INT(grym_ingest_fd(g, fd, "", collect, &s), GRYM_OK, "an input with an empty name");
	close(fd);
	TAP_EQ_INT(s.failed, 1, "...fails: %s", s.last_msg);
	grym_ingester_free(g);

	grym_catalog *cat = grym_catalog_open(p("cat2"), &err);
	grym_asset a;
	TAP_EQ_INT(grym_catalog_get_asset(cat, id, &a, &err), GRYM_OK, "the non-UTF-8 asset is in the catalog");
	const json_t *p0 = json_array_get(a.paths, 0);
	TAP_OK(json_array_size(a.paths) == 1 && json_string_length(p0) == strlen(p("odd/b\377d.wav")) &&
	       memcmp(json_string_value(p0), p("odd/b\377d.wav"), json_string_length(p0)) == 0,
	       "its path is the exact bytes");
	grym_asset_clear(&a);
	TAP_EQ_INT(grym_catalog_get_asset(cat, id2, &a, &err), GRYM_ERR_NOTFOUND,
		   "the failed input left no row");
	grym_catalog_close(cat);
	json_decref(s.last_record);
}

/* The cancel flag (a signal): a file, new or known, stops at once with
 * GRYM_ERR_INTERRUPTED and leaves no outcome, no row, no object and no
 * temporary; stopping inside the hash, the decode or the copy is the
 * same path, timed by tests/cli/ingest_bad.sh. */
static void test_cancel(void)
{
	grym_error err = { 0 };
	grym_ingest_opts o = { 0 };
	volatile sig_atomic_t flag = 0;
	seen s = { 0 };

	sh("sox -n -r 16000 -b 16 c1.wav synth 0.5 sine 300 && sox -n -r 16000 -b 16 c2.wav synth 0.5 sine 600");
	o.cancel = &flag;
	grym_ingester *g = grym_ingester_new(p("cat3"), &o, &err);
	TAP_OK(g != NULL, "ingester opens (%s)", err.msg);
	if (!g)
		return;
	TAP_EQ_INT(grym_ingest_path(g, p("c1.wav"), collect, &s), GRYM_OK, "before the signal: ingested");
	flag = SIGINT;
	TAP_EQ_INT(grym_ingest_path(g, p("c2.wav"), collect, &s), GRYM_ERR_INTERRUPTED,
		   "a new file after the signal: interrupted");
	TAP_EQ_INT(grym_ingest_path(g, p("c1.wav"), collect, &s), GRYM_ERR_INTERRUPTED,
		   "a known file after the signal: interrupted");
	TAP_OK(s.n == 1 && s.ok == 1, "no outcome for either (%d outcomes)", s.n);
	grym_ingester_free(g);
	grym_catalog *cat = grym_catalog_open(p("cat3"), &err);
	grym_catalog_stats st;
	TAP_SETUP(grym_catalog_stats_get(cat, &st, &err));
	TAP_OK(st.assets == 1 && st.objects == 1, "one row, one object: the stopped file left none");
	grym_catalog_close(cat);
	TAP_EQ_INT(sh("test -d cat3/tmp && test -z \"$(find cat3/tmp -type f)\""), 0, "no temporary in the store");
	json_decref(s.last_record);
}

int main(void)
{
	tap_plan(75);
	dir = tap_tmpdir();
	test_match();
	test_manifest();
	test_ingester();
	test_rows_whole();
	test_cancel();
	return tap_done();
}
