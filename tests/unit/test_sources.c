/*
 * test_sources.c — the input layer every program reads through
 * (grym/sources.h): operands of each kind, directories (walked, empty,
 * without audio), lists on stdin (newline, CRLF, -0, names with TAB,
 * newline and bytes that are not UTF-8), records on stdin and in files,
 * the bare-reference rule, a missing file in the middle of a batch, and
 * stdin named twice. Each run is summed up as one line per item.
 */
#include "tap.h"
#include "grym/sources.h"
#include "grym/stream.h"
#include "grym/walk.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Fake audio: a header with NULs, as every real one has. */
static const unsigned char WAVISH[] = "RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0";

static void put(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
}

static void audio(const char *path)
{
	put(path, WAVISH, sizeof WAVISH);
}

/* Standard input from bytes: a pipe (as from `ls |`) or a regular file
 * (as from `< list`). */
static void stdin_pipe(const void *data, size_t n)
{
	int p[2];
	if (pipe(p) != 0)
		return;
	if (write(p[1], data, n) != (ssize_t)n)
		tap_diag("short write to the pipe");
	close(p[1]);
	dup2(p[0], 0);
	close(p[0]);
}

static void stdin_file(const char *path, const void *data, size_t n)
{
	put(path, data, n);
	int fd = open(path, O_RDONLY);
	dup2(fd, 0);
	close(fd);
}

/* Every item of a run as "KIND name" lines (ERROR with its message,
 * RECORD with its rows, nested ones marked '+'). */
static char *run(unsigned flags, int null_sep, const char *const *ops, size_t n)
{
	static char out[8192];
	grym_sources_opts o = { 0 };
	grym_error err = { 0 };
	grym_source *it;
	size_t len = 0;
	int rc;

	o.flags = flags;
	o.null_sep = null_sep;
	grym_sources *s = grym_sources_new(&o, &err);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		TAP_SETUP(grym_sources_add(s, ops[i], &err));
	while ((rc = grym_sources_next(s, &it, &err)) == GRYM_OK) {
		static const char *const kinds[] = { "ERROR", "FILE", "AUDIO_IN", "RECORD", "REF",
						     "STREAM", "TSV", "NPY" };
		char extra[1200] = "";
		if (it->kind == GRYM_SOURCE_ERROR)
			snprintf(extra, sizeof extra, ": %s", it->err.msg);
		if (it->kind == GRYM_SOURCE_RECORD) {
			grym_record rec = { 0 };
			rec.head = it->head;
			if (grym_stream_read_payload(it->reader, &rec, 0, &err) == GRYM_OK)
				snprintf(extra, sizeof extra, " rows=%llu", (unsigned long long)rec.rows);
			free(rec.data);
		}
		if (it->kind == GRYM_SOURCE_FILE && it->head.key)
			snprintf(extra, sizeof extra, " (record %s)", it->head.key);
		len += (size_t)snprintf(out + len, sizeof out - len, "%s%s %s%s\n", kinds[it->kind],
					it->nested ? "+" : "", it->kind == GRYM_SOURCE_FILE ? it->path
					: it->name, extra);
		if (len >= sizeof out)
			break;
	}
	if (rc != GRYM_ERR_EOF)
		snprintf(out + strlen(out), sizeof out - strlen(out), "END %d\n", rc);
	grym_sources_free(s);
	return out;
}

#define OPS(...) (const char *const[]){ __VA_ARGS__ }, sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)
#define REC GRYM_SOURCES_RECORDS

static void binary_records(const char *path)
{
	grym_error err = { 0 };
	grym_output *o = grym_output_open(path, &err);
	grym_stream_writer *w = grym_stream_writer_new(o, GRYM_STREAM_BINARY, 0, &err);
	json_t *m = json_pack("{s:i}", "rate", 8000), *r = json_pack("{s:s}", "path", "a.wav");
	json_t *lab = json_pack("{s:[s]}", "labels", "dog");
	float x[3] = { 0.1f, 0.2f, 0.3f };
	TAP_SETUP(grym_stream_begin(w, "clip", m, GRYM_PAYLOAD_AUDIO, 1, &err));
	TAP_SETUP(grym_stream_write_rows(w, x, 3, &err));
	TAP_SETUP(grym_stream_end(w, &err));
	/* an id with the file it came from (as grym-ingest writes), a
	 * name that is a file, one that is neither */
	TAP_SETUP(grym_stream_write_ref(w, "0213ca40e9f1", r, &err));
	TAP_SETUP(grym_stream_write_ref(w, "a.wav", lab, &err));
	json_t *none = json_object();
	TAP_SETUP(grym_stream_write_ref(w, "nothing-here", none, &err));
	json_decref(none);
	grym_stream_writer_free(w);
	TAP_SETUP(grym_output_commit(o, &err));
	json_decref(m);
	json_decref(r);
	json_decref(lab);
}

int main(void)
{
	tap_plan(41);
	if (chdir(tap_tmpdir()) != 0)
		return 1;
	mkdir("d", 0777);
	mkdir("d/sub", 0777);
	mkdir("d/.git", 0777);
	mkdir("empty", 0777);
	mkdir("textonly", 0777);
	audio("d/a.wav");
	audio("d/sub/b.WAV");
	audio("d/.hidden.wav");
	audio("d/.git/c.wav");
	put("d/notes.txt", "hello\n", 6);
	put("textonly/readme.txt", "hello\n", 6);
	audio("a.wav");
	audio("ta\tb.wav");
	audio("new\nline.wav");
	audio("caf\xe9.wav");
	put("list.wav", "a.wav\n", 6);
	put("t.tsv", "key\tx\nk\t1\n", 11);
	put("empty.wav", "", 0);
	binary_records("rec.grym");

	/* operands */
	TAP_EQ_STR(run(REC, 0, OPS("a.wav")), "FILE a.wav\n", "an audio file operand");
	TAP_EQ_STR(run(REC, 0, OPS("d")), "FILE+ d/a.wav\nFILE+ d/sub/b.WAV\n",
		   "a directory: its audio files, sorted, recursively; hidden and other files left out");
	TAP_EQ_STR(run(REC, 0, OPS("d/")), "FILE+ d/a.wav\nFILE+ d/sub/b.WAV\n",
		   "a trailing slash makes no double slash");
	TAP_EQ_STR(run(REC, 0, OPS("a.wav", "missing.wav", "d/a.wav")),
		   "FILE a.wav\nERROR missing.wav: No such file or directory\nFILE d/a.wav\n",
		   "a missing operand is an error item in its place, and the rest follow");
	TAP_OK(strstr(run(REC, 0, OPS("empty")), "ERROR empty: no audio files in this directory"),
	       "an empty directory is an error naming it: %s", run(REC, 0, OPS("empty")));
	TAP_OK(strstr(run(REC, 0, OPS("textonly")), "ERROR textonly: no audio files"),
	       "a directory without audio is an error naming it");
	TAP_EQ_STR(run(REC, 0, OPS("empty.wav")), "ERROR empty.wav: empty file\n", "an empty file");
	TAP_EQ_STR(run(REC, 0, OPS("list.wav")), "ERROR list.wav: not audio (text file)\n",
		   "a named text file is not followed as a list");
	TAP_EQ_STR(run(0, 0, OPS("list.wav", "d")), "FILE list.wav\nFILE+ d/a.wav\nFILE+ d/sub/b.WAV\n",
		   "without records a file is not opened here (the program says what it is)");
	TAP_EQ_STR(run(REC, 0, OPS("caf\xe9.wav", "ta\tb.wav", "new\nline.wav")),
		   "FILE caf\xe9.wav\nFILE ta\tb.wav\nFILE new\nline.wav\n",
		   "operands with bytes that are not UTF-8, a TAB, a newline");
	TAP_EQ_STR(run(REC | GRYM_SOURCES_TSV, 0, OPS("t.tsv")), "TSV t.tsv\n", ".tsv: a table");
	TAP_EQ_STR(run(REC | GRYM_SOURCES_STREAMS, 0, OPS("rec.grym")), "STREAM rec.grym\n",
		   "streams mode: a record file is one item");
	TAP_EQ_STR(run(REC | GRYM_SOURCES_ID_OPERANDS, 0, OPS("beef12", "nofile")),
		   "REF beef12\nERROR nofile: No such file or directory\n",
		   "id operands: an id naming no file is a reference");
	TAP_EQ_STR(run(REC, 0, OPS("beef12")), "ERROR beef12: No such file or directory\n",
		   "without that flag it is a missing file");

	/* records in a file: payloads, ids, names of files */
	TAP_EQ_STR(run(REC, 0, OPS("rec.grym")),
		   "RECORD+ clip rows=3\nREF+ 0213ca40e9f1\nFILE+ a.wav (record a.wav)\n"
		   "ERROR+ nothing-here: neither a file nor a catalog id\n",
		   "a record file: an audio record, an id, a file (with its record), neither");

	/* stdin: lists */
	const char nl[] = "ta\tb.wav\r\nd\r\n\r\na.wav\tdog\n";
	stdin_pipe(nl, sizeof nl - 1);
	TAP_EQ_STR(run(REC, 0, OPS("-")),
		   "FILE+ ta\tb.wav\nFILE+ d/a.wav\nFILE+ d/sub/b.WAV\nFILE+ a.wav\n",
		   "a CRLF list on a pipe: a TAB name whole, a directory walked, a first field");
	stdin_file("list.txt", nl, sizeof nl - 1);
	TAP_EQ_STR(run(0, 0, OPS("-")),
		   "FILE+ ta\tb.wav\nFILE+ d/a.wav\nFILE+ d/sub/b.WAV\nFILE+ a.wav\n",
		   "the same list from a file, for a program without records (grym-ingest)");
	const char z[] = "new\nline.wav\0caf\xe9.wav\0\0d/a.wav\0";
	stdin_pipe(z, sizeof z - 1);
	TAP_EQ_STR(run(REC, 1, OPS("-")), "FILE+ new\nline.wav\nFILE+ caf\xe9.wav\nFILE+ d/a.wav\n",
		   "-0: a newline and a byte that is not UTF-8 in names");
	const char latin[] = "caf\xe9.wav\na.wav\n";
	stdin_pipe(latin, sizeof latin - 1);
	TAP_EQ_STR(run(REC, 0, OPS("-")), "FILE+ caf\xe9.wav\nFILE+ a.wav\n",
		   "a newline list of names that are not UTF-8 is still a list");
	const char miss[] = "a.wav\nmissing.wav\nd/a.wav\n";
	stdin_pipe(miss, sizeof miss - 1);
	TAP_EQ_STR(run(REC, 0, OPS("-")),
		   "FILE+ a.wav\nERROR+ missing.wav: No such file or directory\nFILE+ d/a.wav\n",
		   "a missing file in the middle of a list: named, the rest run");
	const char ids[] = "0213ca40\t(a.wav)\nzz-not-hex\n";
	stdin_pipe(ids, sizeof ids - 1);
	TAP_EQ_STR(run(REC, 0, OPS("-")), "REF+ 0213ca40\nERROR+ zz-not-hex: No such file or directory\n",
		   "lines of ids are references; a word naming nothing is an error");
	stdin_pipe(ids, sizeof ids - 1);
	TAP_EQ_STR(run(0, 0, OPS("-")),
		   "ERROR+ 0213ca40\t(a.wav): No such file or directory\n"
		   "ERROR+ zz-not-hex: No such file or directory\n",
		   "a program without records takes no ids");
	const char dash[] = "a.wav\n-\n";
	stdin_pipe(dash, sizeof dash - 1);
	TAP_EQ_STR(run(REC, 0, OPS("-")),
		   "FILE+ a.wav\nERROR+ -: stdin holds the list; it cannot be an input too\n",
		   "'-' in a list on stdin");
	stdin_pipe(dash, sizeof dash - 1);
	TAP_EQ_STR(run(REC, 0, OPS("-", "a.wav", "-")),
		   "FILE+ a.wav\nERROR+ -: stdin holds the list; it cannot be an input too\nFILE a.wav\n"
		   "ERROR stdin: standard input was already read (named twice)\n",
		   "'-' twice: the second is an error");

	/* stdin: records, audio, nothing */
	const char txt[] = "#r1\t{\"kind\":\"audio\",\"cols\":1,\"rate\":8000}\nr1\t0.5\nr1\t0.25\n"
			   "0213ca40\nta\tb.wav\n";
	stdin_pipe(txt, sizeof txt - 1);
	TAP_EQ_STR(run(REC, 0, OPS("-")), "RECORD+ r1 rows=2\nREF+ 0213ca40\nFILE+ ta\tb.wav\n",
		   "text records on stdin: an audio record, an id, a bare line naming a TAB file");
	stdin_file("r.grym", "", 0);
	{
		FILE *f = fopen("rec.grym", "rb");
		char buf[4096];
		size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
		if (f)
			fclose(f);
		stdin_pipe(buf, n);
	}
	TAP_OK(strstr(run(REC, 0, OPS("-")), "RECORD+ clip rows=3\nREF+ 0213ca40e9f1\n") != NULL,
	       "binary records on stdin");
	stdin_pipe("GRYMxx", 6);
	TAP_OK(!strncmp(run(0, 0, OPS("-")), "ERROR stdin: grym records, not audio", 36),
	       "records where only audio is taken: an error");
	stdin_pipe("", 0);
	TAP_EQ_STR(run(REC, 0, OPS("-")), "ERROR stdin: empty file\n", "empty stdin");
	stdin_pipe(WAVISH, sizeof WAVISH);
	{
		grym_sources_opts o = { 0 };
		grym_error err = { 0 };
		grym_source *it = NULL;
		char path[4096];
		int is_tmp = 0;
		o.flags = REC;
		grym_sources *s = grym_sources_new(&o, &err);
		TAP_SETUP(grym_sources_add(s, "-", &err));
		int rc = grym_sources_next(s, &it, &err);
		TAP_OK(rc == GRYM_OK && it->kind == GRYM_SOURCE_AUDIO_IN && it->in && !it->path,
		       "audio on a pipe: an AUDIO_IN item with its input");
		rc = rc ? rc : grym_source_audio_path(it, NULL, path, sizeof path, &is_tmp, &err);
		struct stat st;
		TAP_OK(rc == GRYM_OK && is_tmp && stat(path, &st) == 0 &&
		       st.st_size == (off_t)sizeof WAVISH, "spooled whole, peeked bytes included");
		if (is_tmp)
			grym_tmp_release(path);
		grym_sources_free(s);
	}
	stdin_file("in.wav", WAVISH, sizeof WAVISH);
	{
		grym_sources_opts o = { 0 };
		grym_error err = { 0 };
		grym_source *it = NULL;
		char path[4096] = "";
		int is_tmp = 1;
		grym_sources *s = grym_sources_new(&o, &err);
		TAP_SETUP(grym_sources_add(s, "-", &err));
		if (grym_sources_next(s, &it, &err) == GRYM_OK)
			TAP_SETUP(grym_source_audio_path(it, NULL, path, sizeof path, &is_tmp, &err));
		TAP_OK(!strcmp(path, "/dev/stdin") && !is_tmp, "a regular file on stdin is reopened, not copied");
		grym_sources_free(s);
	}

	/* cancel */
	{
		volatile sig_atomic_t stop = 1;
		grym_sources_opts o = { 0 };
		grym_error err = { 0 };
		grym_source *it;
		o.cancel = &stop;
		grym_sources *s = grym_sources_new(&o, &err);
		TAP_SETUP(grym_sources_add(s, "a.wav", &err));
		TAP_EQ_INT(grym_sources_next(s, &it, &err), GRYM_ERR_INTERRUPTED, "a set cancel flag stops it");
		grym_sources_free(s);
	}

	/* the list reader and the walk rules */
	{
		const char l[] = "x\r\n\ny\nz";
		grym_input *in = grym_input_from_memory(l, sizeof l - 1, "l", NULL);
		char *line = NULL;
		size_t cap = 0;
		char got[64] = "";
		ssize_t n;
		while ((n = grym_list_next(in, 0, &line, &cap, NULL)) > 0)
			snprintf(got + strlen(got), sizeof got - strlen(got), "[%s]", line);
		TAP_EQ_STR(got, "[x][y][z]", "lines: CR dropped, empty skipped, last without newline");
		TAP_EQ_INT(n, GRYM_ERR_EOF, "then the end");
		grym_input_free(in);
		const char zl[] = "a\r\0\0b\n\0";
		in = grym_input_from_memory(zl, sizeof zl - 1, "z", NULL);
		got[0] = '\0';
		while ((n = grym_list_next(in, 1, &line, &cap, NULL)) > 0)
			snprintf(got + strlen(got), sizeof got - strlen(got), "[%s]", line);
		TAP_EQ_STR(got, "[a\r][b\n]", "NUL-separated: names exactly as they are");
		grym_input_free(in);
		free(line);
	}
	{
		/* a reference queued as such is never a file, even one of
		 * its name */
		grym_error err = { 0 };
		grym_source *it;
		grym_sources *s = grym_sources_new(NULL, &err);
		put("abcd1234", "x", 1);
		TAP_EQ_INT(grym_sources_add_ref(s, "a.wav", &err), GRYM_ERR_INVALID, "add_ref: not an id");
		TAP_SETUP(grym_sources_add_ref(s, "abcd1234", &err));
		int rc = grym_sources_next(s, &it, &err);
		TAP_OK(rc == GRYM_OK && it->kind == GRYM_SOURCE_REF && !strcmp(it->head.key, "abcd1234") &&
		       !it->nested, "add_ref: a reference item, though a file has that name");
		grym_sources_free(s);
	}
	TAP_OK(grym_walk_match(NULL, "x/Y.FLAC") && !grym_walk_match(NULL, "notes.txt") &&
	       grym_walk_match("*.txt", "notes.txt"), "walk: audio extensions, or the glob");
	TAP_OK(grym_walk_hidden("d/.git/c.wav") && !grym_walk_hidden("d/a.wav"), "walk: hidden parts");
	{
		const char bare[] = "one\ttwo\tthree\r\n#k\t{}\n";
		grym_input *in = grym_input_from_memory(bare, sizeof bare - 1, "b", NULL);
		grym_stream_reader *r = grym_stream_reader_new(in, NULL);
		grym_record_head h;
		int rc = grym_stream_next(r, &h, NULL);
		TAP_OK(rc == GRYM_OK && !strcmp(h.key, "one") && grym_stream_bare_line(r) &&
		       !strcmp(grym_stream_bare_line(r), "one\ttwo\tthree"),
		       "a bare reference: key the first field, the whole line kept (CR dropped)");
		grym_record_head_clear(&h);
		rc = grym_stream_next(r, &h, NULL);
		TAP_OK(rc == GRYM_OK && !grym_stream_bare_line(r), "a record line is not bare");
		grym_record_head_clear(&h);
		grym_stream_reader_free(r);
		grym_input_free(in);
	}
	return tap_done();
}
