/*
 * test_io.c — grym_input (peek, read, getline, detection) and grym_output
 * (temp file + rename, abort, EPIPE/ENOSPC on stdout).
 */
#include "tap.h"
#include "grym/io.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *detect_name(grym_input_kind k)
{
	switch (k) {
	case GRYM_INPUT_EMPTY: return "empty";
	case GRYM_INPUT_RECORDS: return "records";
	case GRYM_INPUT_TEXT: return "text";
	case GRYM_INPUT_AUDIO: return "audio";
	}
	return "?";
}

static const char *detect_mem(const void *p, size_t n)
{
	grym_input *in = grym_input_from_memory(p, n, "mem", NULL);
	grym_input_kind k = GRYM_INPUT_EMPTY;
	int rc = grym_input_detect(in, &k, NULL);
	/* detection never consumes */
	uint64_t off = grym_input_offset(in);
	grym_input_free(in);
	if (rc != 0 || off != 0)
		return "error";
	return detect_name(k);
}

static void test_memory(void)
{
	const char text[] = "alpha\tone\nbeta\n\ngamma";
	grym_input *in = grym_input_from_memory(text, strlen(text), "mem", NULL);
	const void *p;
	char *line = NULL, buf[8];
	size_t cap = 0;
	grym_error err;

	TAP_EQ_STR(grym_input_name(in), "mem", "memory input keeps its name");
	TAP_EQ_INT(grym_input_peek(in, 5, &p, &err), (long long)strlen(text), "peek sees all of memory");
	TAP_OK(memcmp(p, "alpha", 5) == 0, "peek shows the first bytes");
	TAP_EQ_INT(grym_input_getline(in, &line, &cap, 100, &err), 9, "first line length");
	TAP_EQ_STR(line, "alpha\tone", "first line without newline");
	TAP_EQ_INT(grym_input_offset(in), 10, "offset after first line");
	TAP_EQ_INT(grym_input_getline(in, &line, &cap, 100, &err), 4, "second line");
	TAP_EQ_STR(line, "beta", "second line text");
	TAP_EQ_INT(grym_input_getline(in, &line, &cap, 100, &err), 0, "empty line");
	TAP_EQ_INT(grym_input_getline(in, &line, &cap, 3, &err), GRYM_ERR_LIMIT, "line over max is an error");
	grym_input_free(in);

	in = grym_input_from_memory(text, strlen(text), "mem", NULL);
	for (int i = 0; i < 3; i++)
		TAP_SETUP(grym_input_getline(in, &line, &cap, 100, &err));
	TAP_EQ_INT(grym_input_getline(in, &line, &cap, 100, &err), 5, "last line without newline");
	TAP_EQ_STR(line, "gamma", "last line text");
	TAP_EQ_INT(grym_input_getline(in, &line, &cap, 100, &err), GRYM_ERR_EOF, "EOF after last line");
	TAP_EQ_INT(err.code, GRYM_ERR_EOF, "error code EOF");
	grym_input_free(in);
	free(line);

	in = grym_input_from_memory("abcdef", 6, "mem", NULL);
	TAP_EQ_INT(grym_input_read_full(in, buf, 4, &err), 0, "read_full 4 of 6");
	TAP_OK(memcmp(buf, "abcd", 4) == 0, "read_full bytes");
	TAP_EQ_INT(grym_input_read_full(in, buf, 4, &err), GRYM_ERR_CORRUPT, "read_full past end is truncated");
	TAP_OK(strstr(err.msg, "truncated") != NULL, "message says truncated: %s", err.msg);
	TAP_EQ_INT(grym_input_read_full(in, buf, 4, &err), GRYM_ERR_EOF, "read_full at end is EOF");
	TAP_EQ_INT(grym_input_read(in, buf, 4, &err), 0, "read at end returns 0");
	TAP_EQ_INT(grym_input_peek(in, GRYM_INPUT_PEEK_MAX + 1, &p, &err), GRYM_ERR_INVALID, "peek over max refused");
	grym_input_free(in);

	in = grym_input_from_memory(NULL, 0, NULL, NULL);
	TAP_EQ_INT(grym_input_peek(in, 10, &p, &err), 0, "empty memory peeks 0");
	grym_input_free(in);
}

/* A pipe fed by a child in small pieces: peek must gather across reads. */
static void test_pipe(void)
{
	enum { N = 300000 };
	unsigned char *want = malloc(N), *got = malloc(N);
	int fds[2];
	pid_t pid;
	const void *p;
	grym_error err;

	for (int i = 0; i < N; i++)
		want[i] = (unsigned char)(i * 7 + (i >> 9));
	if (pipe(fds) < 0)
		abort();
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		for (int i = 0; i < N; i += 1000) {
			if (write(fds[1], want + i, N - i < 1000 ? N - i : 1000) < 0)
				_exit(1);
			if (i < 100000 && i % 10000 == 0)
				usleep(1000);
		}
		_exit(0);
	}
	close(fds[1]);
	grym_input *in = grym_input_from_fd(fds[0], "pipe", 1, &err);
	ssize_t n = grym_input_peek(in, GRYM_INPUT_PEEK_MAX, &p, &err);
	TAP_EQ_INT(n >= GRYM_INPUT_PEEK_MAX, 1, "peek of 64 KiB on a trickling pipe gets all of it (%zd)", n);
	TAP_OK(memcmp(p, want, GRYM_INPUT_PEEK_MAX) == 0, "peeked bytes are right");
	/* mixed reads: small, then big (direct), then rest */
	size_t off = 0;
	TAP_EQ_INT(grym_input_read_full(in, got, 10, &err), 0, "small read");
	off = 10;
	TAP_EQ_INT(grym_input_read_full(in, got + off, 200000, &err), 0, "big read");
	off += 200000;
	TAP_EQ_INT(grym_input_peek(in, 5000, &p, &err) >= 5000, 1, "peek in the middle");
	TAP_EQ_INT(grym_input_read_full(in, got + off, N - off, &err), 0, "rest");
	TAP_OK(memcmp(got, want, N) == 0, "all %d bytes through the pipe in order", N);
	TAP_EQ_INT(grym_input_offset(in), N, "offset counts every byte");
	TAP_EQ_INT(grym_input_read(in, got, 10, &err), 0, "EOF after");
	grym_input_free(in);
	waitpid(pid, NULL, 0);
	free(want);
	free(got);
}

static void test_detect(const char *dir)
{
	static const unsigned char mp3[] = { 0xff, 0xfb, 0x90, 0x64, 0x00 };
	static const unsigned char m4a[] = { 0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'M', '4', 'A', ' ' };
	static const unsigned char id3[] = { 'I', 'D', '3', 3, 0, 0, 0, 0, 0x0f, 0x76 };
	static const unsigned char bad_utf8[] = { 'a', 'b', 0xc3, 0x28, '\n' };
	static const unsigned char nul[] = { 'a', 'b', 0, 'c', '\n' };
	static const unsigned char overlong[] = { 0xc0, 0xaf, '\n' };
	char cmd[1024], path[512];

	TAP_EQ_STR(detect_mem("", 0), "empty", "no bytes: empty");
	TAP_EQ_STR(detect_mem("GRYM\x01\x02", 6), "records", "record magic");
	TAP_EQ_STR(detect_mem("RIFF\x24\0\0\0WAVEfmt ", 16), "audio", "RIFF");
	TAP_EQ_STR(detect_mem("RF64\xff\xff\xff\xffWAVE", 12), "audio", "RF64");
	TAP_EQ_STR(detect_mem("FORM\0\0\0\x20" "AIFF", 12), "audio", "AIFF");
	TAP_EQ_STR(detect_mem("fLaC\0\0\0\x22", 8), "audio", "FLAC");
	TAP_EQ_STR(detect_mem("OggS\0\x02", 6), "audio", "Ogg");
	TAP_EQ_STR(detect_mem(id3, sizeof id3), "audio", "ID3");
	TAP_EQ_STR(detect_mem(mp3, sizeof mp3), "audio", "MP3 frame sync");
	TAP_EQ_STR(detect_mem(m4a, sizeof m4a), "audio", "ftyp at offset 4");
	TAP_EQ_STR(detect_mem("wvpk\x20\0\0\0", 8), "audio", "WavPack");
	TAP_EQ_STR(detect_mem(".snd\0\0\0\x18", 8), "audio", "Sun au");
	TAP_EQ_STR(detect_mem("caff\0\x01\0\0", 8), "audio", "CAF");
	TAP_EQ_STR(detect_mem("0123abcd\tdog\n", 13), "text", "line of an id");
	TAP_EQ_STR(detect_mem("#k\t{\"kind\":\"ref\"}\n", 18), "text", "text record");
	TAP_EQ_STR(detect_mem("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5\n", 15), "text", "UTF-8 text");
	TAP_EQ_STR(detect_mem(bad_utf8, sizeof bad_utf8), "audio", "invalid UTF-8: not text");
	TAP_EQ_STR(detect_mem(overlong, sizeof overlong), "audio", "overlong UTF-8: not text");
	TAP_EQ_STR(detect_mem(nul, sizeof nul), "audio", "NUL byte: not text");
	/* Text whose first bytes spell an audio magic is still text. */
	TAP_EQ_STR(detect_mem("RIFF\tdog\n", 9), "text", "a text key 'RIFF' is text");
	TAP_EQ_STR(detect_mem("#!AMR\t{}\n", 9), "text", "a text record keyed '!AMR' is text");
	TAP_EQ_STR(detect_mem("OggS is a word\n", 15), "text", "'OggS...' line is text");
	TAP_EQ_STR(detect_mem("ID3 tags\n", 9), "text", "'ID3...' line is text");
	TAP_EQ_STR(detect_mem("FORM\n.snd\nMP+\n", 14), "text", "'FORM', '.snd', 'MP+' lines are text");

	/* A real WAV and FLAC from sox, through a file input. */
	const char *exts[] = { "wav", "flac", "aiff", "au" };
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/t.%s", dir, exts[i]);
		snprintf(cmd, sizeof cmd, "sox -n -r 8000 -c 1 '%s' synth 0.1 sine 440 2>/dev/null", path);
		if (system(cmd) != 0) {
			TAP_OK(0, "sox made %s", path);
			continue;
		}
		grym_input *in = grym_input_open(path, NULL);
		grym_input_kind k = GRYM_INPUT_EMPTY;
		TAP_OK(in && grym_input_detect(in, &k, NULL) == 0 && k == GRYM_INPUT_AUDIO,
		       "sox %s detected as audio (%s)", exts[i], detect_name(k));
		grym_input_free(in);
	}
	grym_error err;
	TAP_OK(grym_input_open("/nonexistent/x", &err) == NULL, "open of missing file fails");
	TAP_EQ_INT(err.code, GRYM_ERR_NOTFOUND, "missing file is NOTFOUND (%s)", err.msg);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	if (!f)
		return NULL;
	buf = malloc(2 << 20);
	*len = fread(buf, 1, 2 << 20, f);
	fclose(f);
	return buf;
}

static int count_entries(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 0", dir);
	return system(cmd) == 0 ? 0 : 1;
}


/* An output's temporary lies in dir: an unnamed O_TMPFILE file (its
 * /proc/self/fd link points into dir), or a hidden named one. */
static int tmp_in_dir(const char *tmp, const char *dir, const char *hidden)
{
	char link[4096];
	ssize_t n;
	if (!tmp)
		return 0;
	if (strncmp(tmp, "/proc/self/fd/", 14) != 0)
		return strstr(tmp, hidden) != NULL;
	n = readlink(tmp, link, sizeof link - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return strncmp(link, dir, strlen(dir)) == 0 && link[strlen(dir)] == '/';
}

static void test_output(const char *top)
{
	char dir[512], path[600];
	grym_error err;
	size_t len;
	char *got;
	struct stat st;

	snprintf(dir, sizeof dir, "%s/out", top);
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/result.txt", dir);

	grym_output *o = grym_output_open(path, &err);
	TAP_OK(o != NULL, "open output file");
	TAP_EQ_INT(grym_output_seekable(o), 1, "file output is seekable");
	TAP_OK(tmp_in_dir(grym_output_tmp_path(o), dir, ".result.txt.tmp."),
	       "temporary file beside the target (unnamed, or hidden): %s", grym_output_tmp_path(o));
	TAP_EQ_STR(grym_output_name(o), path, "output name is the target");
	TAP_EQ_INT(grym_output_printf(o, &err, "x=%d %s\n", 42, "ok"), 0, "printf");
	char *big = malloc(1 << 20);
	for (int i = 0; i < (1 << 20); i++)
		big[i] = (char)('a' + i % 26);
	TAP_EQ_INT(grym_output_write(o, big, 1 << 20, &err), 0, "write 1 MiB");
	TAP_EQ_INT(grym_output_write(o, "end\n", 4, &err), 0, "small write after big");
	TAP_OK(stat(path, &st) != 0, "target absent before commit");
	TAP_EQ_INT(grym_output_commit(o, &err), 0, "commit");
	got = slurp(path, &len);
	TAP_EQ_INT(len, 8 + (1 << 20) + 4, "committed size");
	TAP_OK(got && memcmp(got, "x=42 ok\n", 8) == 0 && memcmp(got + 8, big, 1 << 20) == 0 &&
	       memcmp(got + 8 + (1 << 20), "end\n", 4) == 0, "committed bytes exact");
	free(got);
	TAP_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~022),
	       "mode follows the umask (%o)", st.st_mode & 0777);

	/* Overwrite keeps the mode of the old file; abort leaves it alone. */
	chmod(path, 0600);
	o = grym_output_open(path, &err);
	TAP_SETUP(grym_output_write(o, "new\n", 4, &err));
	TAP_EQ_INT(grym_output_commit(o, &err), 0, "commit over an existing file");
	got = slurp(path, &len);
	TAP_OK(len == 4 && memcmp(got, "new\n", 4) == 0, "replaced content");
	free(got);
	TAP_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "old mode kept (%o)", st.st_mode & 0777);
	o = grym_output_open(path, &err);
	TAP_SETUP(grym_output_write(o, big, 1 << 20, &err));
	grym_output_abort(o);
	got = slurp(path, &len);
	TAP_OK(len == 4 && memcmp(got, "new\n", 4) == 0, "abort leaves the old file untouched");
	free(got);
	unlink(path);
	TAP_EQ_INT(count_entries(dir), 0, "no temporary file left behind");
	o = grym_output_open(path, &err);
	TAP_SETUP(grym_output_write(o, "x", 1, &err));
	grym_output_abort(o);
	TAP_OK(stat(path, &st) != 0, "abort of a new file leaves no file");
	TAP_EQ_INT(count_entries(dir), 0, "and no temporary");

	/* a bare file name: the temporary goes in the current directory */
	char cwd[1024];
	if (getcwd(cwd, sizeof cwd) && chdir(dir) == 0) {
		o = grym_output_open("rel.txt", &err);
		TAP_OK(o && (strncmp(grym_output_tmp_path(o), ".rel.txt.tmp.", 13) == 0 ||
			     tmp_in_dir(grym_output_tmp_path(o), dir, ".rel.txt.tmp.")),
		       "relative name: temporary in the current directory (%s)",
		       o ? grym_output_tmp_path(o) : err.msg);
		TAP_SETUP(grym_output_write(o, "r\n", 2, &err));
		TAP_EQ_INT(grym_output_commit(o, &err), 0, "commit relative name");
		got = slurp("rel.txt", &len);
		TAP_OK(got && len == 2 && memcmp(got, "r\n", 2) == 0, "relative file written");
		free(got);
		unlink("rel.txt");
		if (chdir(cwd) != 0)
			abort();
	}
	o = grym_output_open("/nonexistent-dir/x", &err);
	TAP_OK(o == NULL && err.code == GRYM_ERR_IO, "output in a missing directory fails: %s", err.msg);
	TAP_EQ_INT(grym_fsync_dir(dir, &err), 0, "fsync_dir");
	TAP_EQ_INT(grym_fsync_dir("/nonexistent-dir", &err), GRYM_ERR_IO, "fsync_dir of missing dir");
	free(big);
}

/* stdout cases run in a child whose fd 1 is redirected. */
static int child_stdout_write(int fd1, char *msg, size_t msgsz)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		grym_error err;
		char chunk[65536] = { 0 };
		int rc = 0, rc2;
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		dup2(fd1, 1);
		grym_output *o = grym_output_open(NULL, &err);
		for (int i = 0; i < 64 && rc == 0; i++)
			rc = grym_output_write(o, chunk, sizeof chunk, &err);
		if (rc == 0)
			rc = grym_output_commit(o, &err);
		else {
			rc2 = grym_output_write(o, "x", 1, NULL);
			if (rc2 == 0)
				strcpy(err.msg, "write after failure succeeded");
			grym_output_abort(o);
		}
		if (write(p[1], err.msg, strlen(err.msg)) < 0)
			_exit(3);
		_exit(rc == 0 ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], msg, msgsz - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_stdout_errors(void)
{
	char msg[1100];
	int p[2];

	if (pipe(p) < 0)
		abort();
	close(p[0]);    /* the reader went away */
	TAP_EQ_INT(child_stdout_write(p[1], msg, sizeof msg), 1, "EPIPE on stdout is a failure");
	TAP_OK(strstr(msg, "broken pipe") != NULL, "message names the broken pipe: %s", msg);
	close(p[1]);

	int full = open("/dev/full", O_WRONLY);
	if (full >= 0) {
		TAP_EQ_INT(child_stdout_write(full, msg, sizeof msg), 1, "ENOSPC on stdout is a failure");
		TAP_OK(strstr(msg, "No space left") != NULL, "message names the full disk: %s", msg);
		close(full);
	}
	int null = open("/dev/null", O_WRONLY);
	TAP_EQ_INT(child_stdout_write(null, msg, sizeof msg), 0, "stdout to /dev/null succeeds");
	close(null);

	grym_error err;
	if (pipe(p) < 0)
		abort();
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	TAP_EQ_INT(grym_write_all(p[1], "abc", 3, &err), GRYM_ERR_IO, "write_all to a closed pipe fails");
	TAP_OK(strstr(err.msg, "Broken pipe") != NULL, "write_all message: %s", err.msg);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

int main(void)
{
	tap_plan(93);
	const char *dir = tap_tmpdir();
	umask(022);
	test_memory();
	test_pipe();
	test_detect(dir);
	test_output(dir);
	test_stdout_errors();
	return tap_done();
}
