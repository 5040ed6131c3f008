/*
 * test_audio_seek.c — grym_decode_opts.seek: reaching an offset by a seek
 * gives the samples a decode through gives.
 *
 * ffmpeg makes 20 s of a deterministic, non-periodic stereo signal (a
 * chirp left, seeded pink noise right, so an off-by-N shows) in every
 * format grym reads; each is read from several offsets (0, inside the
 * first codec frame, the middle, a fractional sample, near the end, past
 * the end) with seek=1 and with seek=0, and the two are compared sample
 * by sample: identical for WAV and FLAC; for lossy codecs within a stated
 * largest difference and with the cross-correlation peaking at lag 0.
 * A truncated WAV/FLAC read with a seek is still truncated, a good one is
 * not; a FIFO falls back to decoding through.
 */
#include "tap.h"
#include "grym/audio.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SECONDS 20

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

/* Read name from offset for duration (<= 0: to the end); *seeked gets
 * grym_decoder_seeked. A status. */
static int read_range(const char *name, const grym_decode_opts *base, double offset,
		      double duration, int seek, grym_audio *a, int *seeked, grym_error *err)
{
	grym_decode_opts o = *base;
	o.offset = offset;
	o.duration = duration;
	o.seek = seek;
	memset(a, 0, sizeof *a);
	*seeked = -1;
	grym_decoder *d = grym_decoder_open(p(name), &o, err);
	if (!d)
		return err->code;
	int ch = grym_decoder_channels(d);
	int64_t cap = 0, n;
	a->channels = ch;
	a->rate = grym_decoder_rate(d);
	*seeked = grym_decoder_seeked(d);
	for (;;) {
		if (a->frames + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			float *q = realloc(a->data, sizeof *q * (size_t)(cap * ch));
			if (!q) {
				grym_decoder_close(d);
				return GRYM_ERR_NOMEM;
			}
			a->data = q;
		}
		n = grym_decoder_read(d, a->data + a->frames * ch, 4096, err);
		if (n <= 0)
			break;
		a->frames += n;
	}
	grym_decoder_close(d);
	return n < 0 ? (int)n : GRYM_OK;
}

/* The lag in -64..64 frames at which channel 0 of x best matches y's
 * (normalised cross-correlation over the first 8192 frames, or fewer). */
static int best_lag(const grym_audio *x, const grym_audio *y)
{
	int64_t n = x->frames < y->frames ? x->frames : y->frames;
	int ch = x->channels, best = 0;
	double bestc = -2;
	if (n > 8192)
		n = 8192;
	for (int lag = -64; lag <= 64; lag++) {
		double sxy = 0, sxx = 0, syy = 0;
		for (int64_t i = 64; i < n - 64; i++) {
			double a = x->data[i * ch], b = y->data[(i + lag) * ch];
			sxy += a * b;
			sxx += a * a;
			syy += b * b;
		}
		double c = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
		if (c > bestc) {
			bestc = c;
			best = lag;
		}
	}
	return best;
}

static double max_diff(const grym_audio *x, const grym_audio *y)
{
	double m = 0;
	int64_t n = (x->frames < y->frames ? x->frames : y->frames) * x->channels;
	for (int64_t i = 0; i < n; i++) {
		double e = fabs((double)x->data[i] - y->data[i]);
		if (e > m)
			m = e;
	}
	return m;
}

typedef struct fmt {
	const char *name;
	double tol;       /* largest |seek - through| allowed; 0: identical */
	double preroll;   /* seconds the seek goes back (decode.c): none for
			     lossless codecs, a second for lossy ones, a
			     little for the resampler */
} fmt;

/* The offsets of every format: 0, inside the first codec frame, the
 * middle, a fractional sample, near the end, past the end. */
static const double offsets[] = { 0, 0.01, 7.3, 12.3456789, SECONDS - 0.25, SECONDS + 5 };
#define NOFF (sizeof offsets / sizeof offsets[0])

/* 5 checks per offset */
static void check_format(const fmt *f, const grym_decode_opts *base, const char *what)
{
	for (size_t k = 0; k < NOFF; k++) {
		double off = offsets[k];
		grym_audio s, t;
		grym_error e1 = { 0 }, e2 = { 0 };
		int sk, tk;
		int r1 = read_range(f->name, base, off, 0, 1, &s, &sk, &e1);
		int r2 = read_range(f->name, base, off, 0, 0, &t, &tk, &e2);
		TAP_OK(r1 == GRYM_OK && r2 == GRYM_OK, "%s%s @%g: both read (%s / %s)", f->name, what, off,
		       e1.msg, e2.msg);
		TAP_EQ_INT(s.frames, t.frames, "%s%s @%g: as many frames with seek as without", f->name,
			   what, off);
		/* a seek is taken once the offset is past the pre-roll, also
		 * past the end (to a little before it: the frames there still
		 * prove the length) */
		int want = off > f->preroll;
		TAP_OK(tk == 0 && sk == want, "%s%s @%g: seeked %d, want %d (without: %d)", f->name, what,
		       off, sk, want, tk);
		if (s.frames != t.frames || r1 || r2) {
			TAP_OK(0, "%s%s @%g: samples (frames differ)", f->name, what, off);
			TAP_OK(0, "%s%s @%g: alignment (frames differ)", f->name, what, off);
		} else if (f->tol == 0) {
			TAP_OK(s.frames == 0 || memcmp(s.data, t.data, sizeof *s.data * (size_t)(s.frames * s.channels)) == 0,
			       "%s%s @%g: identical samples (largest difference %g)", f->name, what, off,
			       s.frames ? max_diff(&s, &t) : 0);
			TAP_OK(1, "%s%s @%g: identical, so aligned", f->name, what, off);
		} else {
			double m = max_diff(&s, &t);
			TAP_OK(m <= f->tol, "%s%s @%g: largest difference %.3g <= %g", f->name, what, off, m,
			       f->tol);
			int lag = s.frames > 256 ? best_lag(&s, &t) : 0;
			TAP_EQ_INT(lag, 0, "%s%s @%g: cross-correlation peaks at lag 0", f->name, what, off);
		}
		grym_audio_clear(&s);
		grym_audio_clear(&t);
	}
}

/* A cut file read with a seek: still truncated (3 checks). */
static void check_cut(const char *name, double off)
{
	grym_decode_opts o = { 0 };
	grym_audio a;
	grym_error err = { 0 };
	int sk;
	int rc = read_range(name, &o, off, 0, 1, &a, &sk, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CORRUPT, "%s @%g with seek: rejected", name, off);
	TAP_OK(strstr(err.msg, "truncated") != NULL, "%s @%g: message says truncated: %s", name, off,
	       err.msg);
	tap_diag("%s @%g: seeked %d", name, off, sk);
	grym_audio_clear(&a);
	/* kept with accept_truncated: the frames from the offset to the cut */
	grym_audio b;
	o.accept_truncated = 1;
	grym_error e2 = { 0 };
	int r1 = read_range(name, &o, off, 0, 1, &a, &sk, &err);
	int r2 = read_range(name, &o, off, 0, 0, &b, &sk, &e2);
	TAP_OK(r1 == GRYM_OK && r2 == GRYM_OK && a.frames == b.frames &&
	       (a.frames == 0 || memcmp(a.data, b.data, sizeof *a.data * (size_t)(a.frames * a.channels)) == 0),
	       "%s @%g accept_truncated: %lld frames with seek, %lld without, identical", name, off,
	       (long long)a.frames, (long long)b.frames);
	grym_audio_clear(&a);
	grym_audio_clear(&b);
}

/* A FIFO cannot seek: the decoder decodes through (3 checks). */
static void check_fifo(void)
{
	grym_decode_opts o = { 0 };
	grym_audio a, b;
	grym_error err = { 0 };
	int sk = -1, tk;
	memset(&a, 0, sizeof a);
	TAP_SETUP(mkfifo(p("fifo.wav"), 0600));
	pid_t pid = fork();
	if (pid == 0) {
		int in = open(p("s16.wav"), O_RDONLY), out = open(p("fifo.wav"), O_WRONLY);
		char buf[65536];
		ssize_t n;
		while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		_exit(0);
	}
	int rc = read_range("fifo.wav", &o, 7.3, 0, 1, &a, &sk, &err);
	waitpid(pid, NULL, 0);
	TAP_EQ_INT(rc, GRYM_OK, "FIFO with seek reads (%s)", err.msg);
	TAP_EQ_INT(sk, 0, "FIFO: no seek");
	TAP_SETUP(read_range("s16.wav", &o, 7.3, 0, 0, &b, &tk, &err));
	TAP_OK(a.frames == b.frames && a.frames > 0 &&
	       memcmp(a.data, b.data, sizeof *a.data * (size_t)(a.frames * a.channels)) == 0,
	       "FIFO: the samples of the file decoded through (%lld, %lld frames)", (long long)a.frames,
	       (long long)b.frames);
	grym_audio_clear(&a);
	grym_audio_clear(&b);
}

/* Progress counts from the offset with a seek too (2 checks). */
static void check_progress(void)
{
	grym_decode_opts o = { 0 };
	grym_error err = { 0 };
	o.offset = 10;
	o.seek = 1;
	grym_decoder *d = grym_decoder_open(p("s16.wav"), &o, &err);
	TAP_OK(d && grym_decoder_seeked(d), "progress: seeked (%s)", err.msg);
	if (!d) {
		TAP_OK(0, "progress: no decoder");
		return;
	}
	float buf[4096 * 2];
	int64_t got = 0, n;
	while (got < 44100 * 5 && (n = grym_decoder_read(d, buf, 4096, &err)) > 0)
		got += n;
	double sec = 0, f = grym_decoder_progress(d, &sec);
	TAP_OK(fabs(f - (double)got / (44100 * 10)) < 1e-9 && fabs(sec - (double)got / 44100) < 1e-9,
	       "progress after %lld of 10 s from the offset: %g (%g s)", (long long)got, f, sec);
	grym_decoder_close(d);
}

int main(void)
{
	static const fmt lossless[] = { { "s16.wav", 0, 0 }, { "f32.wav", 0, 0 }, { "a.flac", 0, 0 } };
	/* Lossy decoders after a second of pre-roll give the very samples
	 * of a decode through (measured: difference 0 with FFmpeg 5.1), but
	 * for AAC's perceptual noise substitution: those bands are noise
	 * from a generator whose state depends on all that came before
	 * (FFmpeg's aac encoder uses it on the pink noise: up to 0.08 on a
	 * 0.3 noise; without PNS, nopns.m4a, again 0). */
	static const fmt lossy[] = {
		{ "a.mp3", 1e-6, 1 }, { "a.ogg", 1e-6, 1 }, { "a.opus", 1e-6, 1 },
		{ "nopns.m4a", 1e-6, 1 }, { "a.m4a", 0.15, 1 },
	};
	/* containers whose timestamps cannot place a sample: no seek */
	static const fmt through[] = { { "f.mka", 0, 1e9 }, { "a.webm", 0, 1e9 }, { "a.ac3", 0, 1e9 } };
	tap_plan(5 * (int)NOFF * (3 + 5 + 3 + 2 + 2) + 3 * 4 + 3 + 2);
	dir = tap_tmpdir();
	sh("ffmpeg -nostdin -v error -y -f lavfi -i 'aevalsrc=0.5*sin(2*PI*(60*t+120*t*t)):s=44100:d=%d' "
	   "-f lavfi -i 'anoisesrc=d=%d:c=pink:r=44100:a=0.3:s=7' -filter_complex amerge=inputs=2 "
	   "-c:a pcm_s16le s16.wav", SECONDS, SECONDS);
	sh("ffmpeg -nostdin -v error -y -i s16.wav -c:a pcm_f32le f32.wav && "
	   "ffmpeg -nostdin -v error -y -i s16.wav a.flac && "
	   "ffmpeg -nostdin -v error -y -i s16.wav -c:a libmp3lame -b:a 192k a.mp3 && "
	   "ffmpeg -nostdin -v error -y -i s16.wav -c:a libvorbis -q:a 6 a.ogg && "
	   "ffmpeg -nostdin -v error -y -i s16.wav -ar 48000 -c:a libopus -b:a 128k a.opus && "
	   "ffmpeg -nostdin -v error -y -i s16.wav -c:a aac -b:a 192k a.m4a && "
	   "ffmpeg -nostdin -v error -y -i s16.wav -c:a aac -aac_pns 0 -b:a 192k nopns.m4a && "
	   "ffmpeg -nostdin -v error -y -i s16.wav -c:a flac f.mka && "
	   "ffmpeg -nostdin -v error -y -i s16.wav -c:a libvorbis a.webm && "
	   "ffmpeg -nostdin -v error -y -i s16.wav -c:a ac3 a.ac3");

	grym_decode_opts o = { 0 };
	for (size_t i = 0; i < 3; i++)
		check_format(&lossless[i], &o, "");
	for (size_t i = 0; i < 5; i++)
		check_format(&lossy[i], &o, "");
	for (size_t i = 0; i < 3; i++)
		check_format(&through[i], &o, "");
	/* as the spectrogram reads: mono; and resampled (soxr: the same
	 * samples but for rounding, measured up to 4.3e-6) */
	o.channels = 1;
	check_format(&lossless[2], &o, " mono");
	check_format(&lossy[0], &o, " mono");
	o.rate = 16000;
	fmt rs = { "s16.wav", 1e-5, 0.2 };
	check_format(&rs, &o, " 16 kHz mono");
	fmt rf = { "a.opus", 1e-5, 1 };
	check_format(&rf, &o, " 16 kHz mono");

	/* cut at 60 % (12 s): seeks before the cut and past it */
	sh("head -c $(( $(stat -c %%s s16.wav) * 6 / 10 )) s16.wav > cut.wav && "
	   "head -c $(( $(stat -c %%s a.flac) * 6 / 10 )) a.flac > cut.flac");
	check_cut("cut.wav", 5);
	check_cut("cut.wav", 15);
	check_cut("cut.flac", 5);
	check_cut("cut.flac", 15);
	check_fifo();
	check_progress();
	return tap_done();
}
