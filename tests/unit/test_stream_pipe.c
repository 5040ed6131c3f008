/*
 * test_stream_pipe.c — bounded memory: 256 MiB of stereo audio streamed
 * through a pipe (writer in a child process, reader taking 4096-frame
 * blocks) while the reader's peak RSS stays under 64 MB, every sample
 * checked. Prints the throughput as a diagnostic (never asserted).
 */
#include "tap.h"
#include "grym/stream.h"

#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define BLOCK 4096
/* Under ASan the shadow memory and the allocator's own arenas count in
 * RSS, so the bound there only catches gross growth, on less data. */
#define TOTAL_BYTES ((uint64_t)(SANITIZED ? 64 : 256) << 20)
#define RSS_LIMIT_KB (SANITIZED ? 256 * 1024 : 64 * 1024)

static float sample(uint64_t frame, int ch)
{
	float v = (float)(frame & 0xffff) * (1.0f / 65536.0f);
	return ch ? -v : v;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void child_writer(int fd, int flags)
{
	grym_error err;
	static float blk[BLOCK * 2];
	uint64_t frames = TOTAL_BYTES / 8;
	int rc;

	dup2(fd, 1);
	close(fd);
	grym_output *o = grym_output_open(NULL, &err);
	grym_stream_writer *w = grym_stream_writer_new(o, GRYM_STREAM_BINARY, flags, &err);
	json_t *m = json_pack("{sisi}", "rate", 48000, "channels", 2);
	rc = grym_stream_begin(w, "long", m, GRYM_PAYLOAD_AUDIO, 2, &err);
	for (uint64_t f = 0; f < frames && rc == 0; f += BLOCK) {
		for (int i = 0; i < BLOCK; i++) {
			blk[2 * i] = sample(f + (uint64_t)i, 0);
			blk[2 * i + 1] = sample(f + (uint64_t)i, 1);
		}
		rc = grym_stream_write_rows(w, blk, BLOCK, &err);
	}
	if (rc == 0)
		rc = grym_stream_end(w, &err);
	if (rc == 0)
		rc = grym_stream_write_ref(w, "after", NULL, &err);
	grym_stream_writer_free(w);
	json_decref(m);
	if (rc == 0)
		rc = grym_output_commit(o, &err);
	else
		grym_output_abort(o);
	_exit(rc == 0 ? 0 : 1);
}

static void run(int flags, const char *name)
{
	int fds[2];
	grym_error err;
	static float blk[BLOCK * 2];
	uint64_t frames = 0, bad = 0;
	struct rusage ru;
	pid_t pid;
	double t0;

	if (pipe(fds) < 0)
		abort();
	t0 = now();
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child_writer(fds[1], flags);
	}
	close(fds[1]);
	grym_input *in = grym_input_from_fd(fds[0], "pipe", 1, &err);
	grym_stream_reader *r = grym_stream_reader_new(in, &err);
	grym_record_head h;
	int rc = grym_stream_next(r, &h, &err);
	TAP_OK(rc == 0 && h.kind == GRYM_PAYLOAD_AUDIO && h.cols == 2 &&
	       json_integer_value(json_object_get(h.meta, "rate")) == 48000,
	       "%s: audio record head through the pipe", name);
	grym_record_head_clear(&h);
	int64_t n;
	while ((n = grym_stream_read_rows(r, blk, BLOCK, &err)) > 0) {
		for (int64_t i = 0; i < n; i++)
			bad += blk[2 * i] != sample(frames + (uint64_t)i, 0) ||
			       blk[2 * i + 1] != sample(frames + (uint64_t)i, 1);
		frames += (uint64_t)n;
	}
	TAP_EQ_INT(n, 0, "%s: payload ended cleanly (%s)", name, n < 0 ? err.msg : "ok");
	TAP_EQ_INT(frames, TOTAL_BYTES / 8, "%s: every frame arrived", name);
	TAP_EQ_INT(bad, 0, "%s: every sample exact", name);
	TAP_EQ_INT(grym_stream_next(r, &h, &err), 0, "%s: the record after it", name);
	TAP_EQ_STR(h.key, "after", "%s: key of the next record", name);
	grym_record_head_clear(&h);
	TAP_EQ_INT(grym_stream_next(r, &h, &err), GRYM_ERR_EOF, "%s: then the end", name);
	double dt = now() - t0;
	grym_stream_reader_free(r);
	grym_input_free(in);
	int st;
	waitpid(pid, &st, 0);
	TAP_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: writer child succeeded", name);
	getrusage(RUSAGE_SELF, &ru);
	TAP_OK(ru.ru_maxrss < RSS_LIMIT_KB, "%s: reader peak RSS %ld kB < %d kB after %llu MiB",
	       name, ru.ru_maxrss, RSS_LIMIT_KB, (unsigned long long)(TOTAL_BYTES >> 20));
	tap_diag("%s: %llu MiB through a pipe in %.2f s: %.0f MB/s (writer and reader together%s)",
		 name, (unsigned long long)(TOTAL_BYTES >> 20), dt, TOTAL_BYTES / dt / 1e6,
		 SANITIZED ? ", sanitized build" : "");
}

int main(void)
{
	tap_plan(18);
	run(0, "raw");
	run(GRYM_STREAM_COMPRESS, "zlib");
	return tap_done();
}
