/*
 * test_audio_encode.c — the encoder: files written by grym read back by
 * libsndfile, sox and ffmpeg with the exact values; the same input gives
 * the same bytes; WAV on a pipe carries 0xFFFFFFFF sizes and sox and
 * ffmpeg read it; integers are clipped, dither is seeded.
 */
#include "tap.h"
#include "grym/audio.h"

#include <fcntl.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RATE 48000
#define N 48000

static const char *dir;
static float sig[N * 2];

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

static int write_file(const char *name, grym_file_type t, grym_sample_format f,
		      const float *x, int64_t n, int ch, int flags, uint64_t seed)
{
	grym_error err = { 0 };
	grym_output *o = grym_output_open(p(name), &err);
	if (!o)
		return err.code;
	grym_encoder *e = grym_encoder_open(o, t, f, RATE, ch, flags, seed, &err);
	if (!e) {
		grym_output_abort(o);
		tap_diag("%s", err.msg);
		return err.code;
	}
	/* In uneven pieces, as a streaming caller would. */
	int64_t done = 0;
	int rc = GRYM_OK;
	while (done < n && rc == GRYM_OK) {
		int64_t k = n - done < 1234 ? n - done : 1234;
		rc = grym_encoder_write(e, x + done * ch, k, &err);
		done += k;
	}
	int rc2 = grym_encoder_close(e, &err);
	if (rc == GRYM_OK)
		rc = rc2;
	if (rc == GRYM_OK)
		return grym_output_commit(o, &err);
	grym_output_abort(o);
	return rc;
}

/* Read back with libsndfile as integers (32-bit left-justified). */
static int64_t read_int(const char *name, int *buf, int64_t max, SF_INFO *info)
{
	memset(info, 0, sizeof *info);
	SNDFILE *sf = sf_open(p(name), SFM_READ, info);
	if (!sf)
		return -1;
	int64_t n = sf_readf_int(sf, buf, max);
	sf_close(sf);
	return n;
}

static int same_bytes(const char *a, const char *b)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", p(a), p(b));
	return system(cmd) == 0;
}

static void test_files(void)
{
	static int back[N * 2];
	SF_INFO info;
	int ok;

	/* 16-bit WAV: x * 32768 rounded, read back exactly. */
	TAP_EQ_INT(write_file("s16.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S16, sig, N, 2, 0, 0), GRYM_OK, "write 16-bit wav");
	TAP_EQ_INT(read_int("s16.wav", back, N, &info), N, "16-bit wav frames");
	TAP_EQ_INT(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16, "16-bit wav format");
	TAP_EQ_INT(info.channels, 2, "channels");
	TAP_EQ_INT(info.samplerate, RATE, "rate");
	ok = 1;
	for (int i = 0; i < N * 2 && ok; i++)
		ok = back[i] == (int)lrintf(sig[i] * 32768.0f) * 65536;
	TAP_OK(ok, "16-bit samples are round(x * 32768)");

	TAP_EQ_INT(write_file("s24.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S24, sig, N, 2, 0, 0), GRYM_OK, "write 24-bit wav");
	TAP_EQ_INT(read_int("s24.wav", back, N, &info), N, "24-bit wav frames");
	TAP_EQ_INT(info.format, SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, "24-bit wav format: WAVE_FORMAT_EXTENSIBLE");
	ok = 1;
	for (int i = 0; i < N * 2 && ok; i++)
		ok = back[i] == (int)lrintf(sig[i] * 8388608.0f) * 256;
	TAP_OK(ok, "24-bit samples are round(x * 2^23)");

	TAP_EQ_INT(write_file("f32.wav", GRYM_FILE_WAV, GRYM_SAMPLE_F32, sig, N, 2, 0, 0), GRYM_OK, "write float wav");
	{
		static float fb[N * 2];
		memset(&info, 0, sizeof info);
		SNDFILE *sf = sf_open(p("f32.wav"), SFM_READ, &info);
		TAP_OK(sf != NULL, "float wav opens");
		if (sf) {
			TAP_EQ_INT(sf_readf_float(sf, fb, N), N, "float wav frames");
			sf_close(sf);
			TAP_OK(memcmp(fb, sig, sizeof fb) == 0, "float samples bit-exact");
		}
		TAP_EQ_INT(info.format, SF_FORMAT_WAV | SF_FORMAT_FLOAT, "float wav format");
	}

	TAP_EQ_INT(write_file("a.flac", GRYM_FILE_FLAC, GRYM_SAMPLE_S16, sig, N, 2, 0, 0), GRYM_OK, "write flac");
	TAP_EQ_INT(read_int("a.flac", back, N, &info), N, "flac frames");
	ok = 1;
	for (int i = 0; i < N * 2 && ok; i++)
		ok = back[i] == (int)lrintf(sig[i] * 32768.0f) * 65536;
	TAP_OK(ok, "flac samples exact");
	/* The decoder reads grym's own files back to the same floats. */
	{
		grym_audio a;
		grym_error err = { 0 };
		TAP_EQ_INT(grym_audio_decode_file(p("a.flac"), NULL, &a, NULL, &err), GRYM_OK, "decode own flac");
		ok = a.frames == N;
		for (int i = 0; i < N * 2 && ok; i++)
			ok = a.data[i] == lrintf(sig[i] * 32768.0f) / 32768.0f;
		TAP_OK(ok, "decoded flac = quantized signal");
		grym_audio_clear(&a);
		/* s16 -> float -> s16 is the identity */
		TAP_EQ_INT(grym_audio_decode_file(p("s16.wav"), NULL, &a, NULL, &err), GRYM_OK, "decode own wav");
		TAP_EQ_INT(write_file("s16b.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S16, a.data, a.frames, 2, 0, 0),
			   GRYM_OK, "re-encode");
		TAP_OK(same_bytes("s16.wav", "s16b.wav"), "16-bit decode/encode round trip is bit-identical");
		grym_audio_clear(&a);
	}

	TAP_EQ_INT(write_file("a.ogg", GRYM_FILE_OGG, GRYM_SAMPLE_F32, sig, N, 2, 0, 0), GRYM_OK, "write ogg");
	{
		grym_audio a;
		grym_error err = { 0 };
		grym_audio_info in;
		TAP_EQ_INT(grym_audio_decode_file(p("a.ogg"), NULL, &a, &in, &err), GRYM_OK, "decode own ogg");
		TAP_EQ_STR(in.codec, "vorbis", "ogg holds vorbis");
		TAP_EQ_INT(a.frames, N, "ogg frames");
		double sxy = 0, sxx = 0, syy = 0;
		for (int64_t i = 0; i < a.frames && i < N; i++) {
			sxy += (double)sig[2 * i] * a.data[2 * i];
			sxx += (double)sig[2 * i] * sig[2 * i];
			syy += (double)a.data[2 * i] * a.data[2 * i];
		}
		TAP_OK(sxy / sqrt(sxx * syy) > 0.99, "ogg correlates with the input");
		grym_audio_clear(&a);
		grym_audio_info_clear(&in);
	}

	/* Same input, same bytes (no time-stamped PEAK chunk, no dates). */
	write_file("f32b.wav", GRYM_FILE_WAV, GRYM_SAMPLE_F32, sig, N, 2, 0, 0);
	TAP_OK(same_bytes("f32.wav", "f32b.wav"), "float wav twice: identical bytes");
	write_file("b.flac", GRYM_FILE_FLAC, GRYM_SAMPLE_S16, sig, N, 2, 0, 0);
	TAP_OK(same_bytes("a.flac", "b.flac"), "flac twice: identical bytes");
	write_file("s24b.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S24, sig, N, 2, 0, 0);
	TAP_OK(same_bytes("s24.wav", "s24b.wav"), "24-bit wav twice: identical bytes");
	TAP_EQ_INT(sh("! grep -q PEAK f32.wav"), 0, "no PEAK chunk in float wav");

	/* sox agrees on the values. */
	TAP_EQ_INT(sh("test \"$(soxi -b s24.wav) $(soxi -s s24.wav) $(soxi -c s24.wav)\" = '24 48000 2'"),
		   0, "soxi reads the 24-bit wav: 24 bits, 48000 samples, 2 channels");
}

static void test_clip_dither(void)
{
	static const float loud[8] = { 1.5f, -1.5f, 1.0f, -1.0f, 0.99999f, -2e9f, 0.5f, 0 };
	static int back[8];
	SF_INFO info;
	TAP_EQ_INT(write_file("clip16.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S16, loud, 4, 2, 0, 0), GRYM_OK, "write clip16");
	read_int("clip16.wav", back, 4, &info);
	static const int want16[8] = { 32767, -32768, 32767, -32768, 32767, -32768, 16384, 0 };
	int ok = 1;
	for (int i = 0; i < 8; i++)
		ok &= back[i] == want16[i] * 65536;
	TAP_OK(ok, "16-bit clipping to [-32768, 32767]");
	TAP_EQ_INT(write_file("clip24.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S24, loud, 4, 2, 0, 0), GRYM_OK, "write clip24");
	read_int("clip24.wav", back, 4, &info);
	const int want24[8] = { 8388607, -8388608, 8388607, -8388608,
				(int)lrintf(0.99999f * 8388608.0f), -8388608, 4194304, 0 };
	ok = 1;
	for (int i = 0; i < 8; i++) {
		if (back[i] != want24[i] * 256)
			tap_diag("  24-bit sample %d: %d want %d", i, back[i] / 256, want24[i]);
		ok &= back[i] == want24[i] * 256;
	}
	TAP_OK(ok, "24-bit clipping to [-2^23, 2^23-1]");

	/* TPDF dither: same seed, same bytes; another seed, other bytes; the
	 * error stays within +-1.5 LSB and averages out. */
	static float quiet[N];
	for (int i = 0; i < N; i++)
		quiet[i] = (float)(0.3 / 32768 * sin(2 * M_PI * 100 * i / RATE));
	write_file("d1.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S16, quiet, N, 1, GRYM_ENCODE_DITHER, 7);
	write_file("d2.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S16, quiet, N, 1, GRYM_ENCODE_DITHER, 7);
	write_file("d3.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S16, quiet, N, 1, GRYM_ENCODE_DITHER, 8);
	write_file("d0.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S16, quiet, N, 1, 0, 7);
	TAP_OK(same_bytes("d1.wav", "d2.wav"), "dither is deterministic for a seed");
	TAP_OK(!same_bytes("d1.wav", "d3.wav"), "another seed, another dither");
	static int db[N];
	read_int("d1.wav", db, N, &info);
	double maxe = 0, sum = 0, corr = 0;
	for (int i = 0; i < N; i++) {
		double v = db[i] / 65536.0, x = quiet[i] * 32768.0;
		if (fabs(v - x) > maxe)
			maxe = fabs(v - x);
		sum += v - x;
		corr += v * x;
	}
	TAP_OK(maxe < 1.5, "dither error within 1.5 LSB (%.3f)", maxe);
	TAP_NEAR(sum / N, 0, 0.02, "dither error has zero mean");
	/* Undithered, a 0.3 LSB sine rounds to silence; dithered, it survives. */
	read_int("d0.wav", db, N, &info);
	int nonzero = 0;
	for (int i = 0; i < N; i++)
		nonzero += db[i] != 0;
	TAP_EQ_INT(nonzero, 0, "without dither a 0.3 LSB sine is silence");
	TAP_OK(corr > 0, "with dither it correlates with the sine");
}

/* Run the encoder with stdout on a pipe into a peer tool. */
static void pipe_into(const char *cmd, grym_sample_format fmt, int ch, const float *x, int64_t n)
{
	char full[1200];
	snprintf(full, sizeof full, "cd '%s' && %s", dir, cmd);
	fflush(stdout);
	int saved = dup(1);
	FILE *pp = popen(full, "w");
	dup2(fileno(pp), 1);
	grym_error err = { 0 };
	grym_output *o = grym_output_open("-", &err);
	int seek = grym_output_seekable(o);
	grym_encoder *e = grym_encoder_open(o, GRYM_FILE_WAV, fmt, RATE, ch, 0, 0, &err);
	int rc = e ? grym_encoder_write(e, x, n, &err) : err.code;
	int rc2 = e ? grym_encoder_close(e, &err) : err.code;
	int rc3 = grym_output_commit(o, &err);
	dup2(saved, 1);
	close(saved);
	int st = pclose(pp);
	TAP_EQ_INT(seek, 0, "stdout is a pipe");
	TAP_OK(rc == 0 && rc2 == 0 && rc3 == 0, "pipe write ok (%s)", err.msg);
	TAP_EQ_INT(st, 0, "%s exits 0", cmd);
}

static void test_pipe(void)
{
	static int back[N * 2];
	SF_INFO info;
	int ok;

	pipe_into("cat > pipe16.wav", GRYM_SAMPLE_S16, 2, sig, N);
	TAP_EQ_INT(sh("head -c 8 pipe16.wav | od -An -tx1 | tr -d ' \\n' | grep -qx 52494646ffffffff"), 0,
		   "RIFF size is 0xFFFFFFFF");
	TAP_EQ_INT(sh("head -c 44 pipe16.wav | tail -c 8 | od -An -tx1 | tr -d ' \\n' | grep -qx 64617461ffffffff"), 0,
		   "data size is 0xFFFFFFFF");

	pipe_into("sox -t wav - sox16.wav", GRYM_SAMPLE_S16, 2, sig, N);
	TAP_EQ_INT(read_int("sox16.wav", back, N, &info), N, "sox read all frames from the pipe");
	ok = 1;
	for (int i = 0; i < N * 2 && ok; i++)
		ok = back[i] == (int)lrintf(sig[i] * 32768.0f) * 65536;
	TAP_OK(ok, "sox got the exact 16-bit samples");

	pipe_into("sox -t wav - -b 24 sox24.wav", GRYM_SAMPLE_S24, 2, sig, N);
	TAP_EQ_INT(read_int("sox24.wav", back, N, &info), N, "sox read 24-bit extensible from the pipe");
	ok = 1;
	for (int i = 0; i < N * 2 && ok; i++)
		ok = back[i] == (int)lrintf(sig[i] * 8388608.0f) * 256;
	TAP_OK(ok, "sox got the exact 24-bit samples");

	pipe_into("ffmpeg -nostdin -v error -f wav -i - -c:a pcm_f32le -y ff32.wav", GRYM_SAMPLE_F32, 2, sig, N);
	{
		grym_audio a;
		grym_error err = { 0 };
		TAP_EQ_INT(grym_audio_decode_file(p("ff32.wav"), NULL, &a, NULL, &err), GRYM_OK, "ffmpeg wrote float wav");
		TAP_EQ_INT(a.frames, N, "ffmpeg read all float frames from the pipe");
		TAP_OK(a.frames == N && memcmp(a.data, sig, sizeof sig) == 0, "ffmpeg got the exact floats");
		grym_audio_clear(&a);
	}
	pipe_into("sox -t wav - -e floating-point soxf.wav", GRYM_SAMPLE_F32, 2, sig, N);
	{
		static float fb[N * 2];
		memset(&info, 0, sizeof info);
		SNDFILE *sf = sf_open(p("soxf.wav"), SFM_READ, &info);
		int64_t n = sf ? sf_readf_float(sf, fb, N) : -1;
		if (sf)
			sf_close(sf);
		TAP_EQ_INT(n, N, "sox read float wav from the pipe");
		/* sox holds samples as 32-bit integers and rounds float
		 * conversions: within one float ulp of 1.0 */
		double maxd = 0;
		for (int i = 0; i < N * 2; i++)
			if (fabs(fb[i] - sig[i]) > maxd)
				maxd = fabs(fb[i] - sig[i]);
		TAP_NEAR(maxd, 0, 6e-8, "sox got the floats (within 2^-24)");
	}
	/* Six channels: extensible with a 5.1 mask; ffmpeg keeps them. */
	static float six[1000 * 6];
	for (int i = 0; i < 6000; i++)
		six[i] = (float)((i % 6) + 1) / 8.0f;
	pipe_into("ffmpeg -nostdin -v error -f wav -i - -y six.wav", GRYM_SAMPLE_S16, 6, six, 1000);
	TAP_EQ_INT(read_int("six.wav", back, 1000, &info), 1000, "six-channel pipe wav");
	TAP_EQ_INT(info.channels, 6, "six channels survive");
	TAP_EQ_INT(back[5] / 65536, 6 * 4096, "channel 6 value");

	/* FLAC on a pipe (virtual I/O, append only): ffmpeg decodes it. */
	fflush(stdout);
	{
		char full[1200];
		snprintf(full, sizeof full, "cat > '%s/pipe.flac'", dir);
		int saved = dup(1);
		FILE *pp = popen(full, "w");
		dup2(fileno(pp), 1);
		grym_error err = { 0 };
		grym_output *o = grym_output_open("-", &err);
		grym_encoder *e = grym_encoder_open(o, GRYM_FILE_FLAC, GRYM_SAMPLE_S16, RATE, 2, 0, 0, &err);
		int rc = e ? grym_encoder_write(e, sig, N, &err) : -1;
		int rc2 = e ? grym_encoder_close(e, &err) : -1;
		TAP_SETUP(grym_output_commit(o, NULL));
		dup2(saved, 1);
		close(saved);
		pclose(pp);
		TAP_OK(e && rc == 0 && rc2 == 0, "flac to a pipe (%s)", err.msg);
		grym_audio a;
		TAP_EQ_INT(grym_audio_decode_file(p("pipe.flac"), NULL, &a, NULL, &err), GRYM_OK,
			   "pipe flac decodes (%s)", err.msg);
		ok = a.frames == N;
		for (int i = 0; i < N * 2 && ok; i++)
			ok = a.data[i] == lrintf(sig[i] * 32768.0f) / 32768.0f;
		TAP_OK(ok, "pipe flac samples exact");
		grym_audio_clear(&a);
	}
}

/* The whole filter: sox in.wav -t wav - | decode, re-encode to a pipe |
 * sox -t wav - out.wav, streaming block by block. */
static void test_filter_chain(void)
{
	static int back[N * 2];
	SF_INFO info;
	char in_cmd[1024], out_cmd[1024], path[64];
	grym_error err = { 0 };

	TAP_EQ_INT(write_file("chain-in.wav", GRYM_FILE_WAV, GRYM_SAMPLE_S16, sig, N, 2, 0, 0), GRYM_OK,
		   "chain input");
	snprintf(in_cmd, sizeof in_cmd, "sox '%s' -t wav - 2>/dev/null", p("chain-in.wav"));
	snprintf(out_cmd, sizeof out_cmd, "sox -t wav - '%s' 2>/dev/null", p("chain-out.wav"));
	FILE *in = popen(in_cmd, "r");
	snprintf(path, sizeof path, "/dev/fd/%d", fileno(in));
	fflush(stdout);
	int saved = dup(1);
	FILE *out = popen(out_cmd, "w");
	dup2(fileno(out), 1);
	grym_decoder *d = grym_decoder_open(path, NULL, &err);
	grym_output *o = grym_output_open("-", &err);
	grym_encoder *e = d ? grym_encoder_open(o, GRYM_FILE_WAV, GRYM_SAMPLE_S16,
						grym_decoder_rate(d), grym_decoder_channels(d), 0, 0, &err) : NULL;
	float buf[1000 * 2];
	int64_t n = -1, total = 0;
	int rc = e ? 0 : -1;
	while (e && (n = grym_decoder_read(d, buf, 1000, &err)) > 0 && rc == 0) {
		rc = grym_encoder_write(e, buf, n, &err);
		total += n;
	}
	int rc2 = e ? grym_encoder_close(e, &err) : -1;
	TAP_SETUP(grym_output_commit(o, NULL));
	grym_decoder_close(d);
	dup2(saved, 1);
	close(saved);
	int st_out = pclose(out);
	pclose(in);
	TAP_OK(d && e && rc == 0 && rc2 == 0 && n == 0, "chain ran (%s)", err.msg);
	TAP_EQ_INT(total, N, "chain carried every frame");
	TAP_EQ_INT(st_out, 0, "sox read the chain's output");
	TAP_EQ_INT(read_int("chain-out.wav", back, N, &info), N, "chain output frames");
	int ok = 1;
	for (int i = 0; i < N * 2 && ok; i++)
		ok = back[i] == (int)lrintf(sig[i] * 32768.0f) * 65536;
	TAP_OK(ok, "16-bit samples survive sox | grym | sox exactly");
	TAP_EQ_INT(sh("ffmpeg -nostdin -v error -i chain-out.wav -f null -"), 0, "ffmpeg reads the result");
}

static void test_parse(void)
{
	grym_file_type t;
	grym_sample_format f;
	TAP_OK(grym_file_type_parse("wav", &t) == 0 && t == GRYM_FILE_WAV, "type wav");
	TAP_OK(grym_file_type_parse("out/x.FLAC", &t) == 0 && t == GRYM_FILE_FLAC, "type from path");
	TAP_OK(grym_file_type_parse("a.b/c.ogg", &t) == 0 && t == GRYM_FILE_OGG, "type ogg");
	TAP_OK(grym_file_type_parse("x.mp3", &t) == 0 && t == GRYM_FILE_MP3, "type mp3 (FFmpeg)");
	TAP_OK(grym_file_type_parse("x.opus", &t) == 0 && t == GRYM_FILE_OPUS, "type opus");
	TAP_OK(grym_file_type_parse("x.m4a", &t) == 0 && t == GRYM_FILE_M4A, "type m4a");
	TAP_EQ_INT(grym_file_type_parse("x.mp2", &t), GRYM_ERR_INVALID, "mp2 is not writable");
	{
		grym_error e = { 0 };
		t = GRYM_FILE_FLAC;
		TAP_OK(grym_file_type_choose(NULL, "-", &t, &e) == 0 && t == GRYM_FILE_WAV,
		       "choose: stdout is WAV");
		TAP_OK(grym_file_type_choose("opus", "x.wav", &t, &e) == 0 && t == GRYM_FILE_OPUS,
		       "choose: -t wins over the extension");
		TAP_OK(grym_file_type_choose(NULL, "d.x/a.M4A", &t, &e) == 0 && t == GRYM_FILE_M4A,
		       "choose: extension of the last component, any case");
		TAP_EQ_INT(grym_file_type_choose(NULL, "x.xyz", &t, &e), GRYM_ERR_INVALID,
			   "choose: unknown extension refused");
		TAP_OK(strstr(e.msg, ".xyz") != NULL, "the message names the extension: %s", e.msg);
		TAP_EQ_INT(grym_file_type_choose(NULL, "d.wav/noext", &t, &e), GRYM_ERR_INVALID,
			   "choose: no extension refused");
		TAP_EQ_INT(grym_file_type_choose("aiff", NULL, &t, &e), GRYM_ERR_INVALID,
			   "choose: unknown -t refused");
		TAP_EQ_STR(grym_file_type_name(GRYM_FILE_OPUS), "opus", "name of opus");
	}
	TAP_EQ_INT(grym_file_type_parse("dir.wav/file", &t), GRYM_ERR_INVALID, "no extension");
	TAP_OK(grym_sample_format_parse("16", &f) == 0 && f == GRYM_SAMPLE_S16, "16");
	TAP_OK(grym_sample_format_parse("24", &f) == 0 && f == GRYM_SAMPLE_S24, "24");
	TAP_OK(grym_sample_format_parse("32f", &f) == 0 && f == GRYM_SAMPLE_F32, "32f");
	TAP_OK(grym_sample_format_parse("float", &f) == 0 && f == GRYM_SAMPLE_F32, "float");
	TAP_EQ_INT(grym_sample_format_parse("8", &f), GRYM_ERR_INVALID, "8 bits refused");
	grym_error err = { 0 };
	grym_output *o = grym_output_open(p("bad.wav"), &err);
	TAP_OK(grym_encoder_open(o, GRYM_FILE_WAV, GRYM_SAMPLE_S16, 0, 2, 0, 0, &err) == NULL,
	       "rate 0 refused");
	TAP_EQ_INT(err.code, GRYM_ERR_INVALID, "invalid parameters");
	grym_output_abort(o);
}

int main(void)
{
	tap_plan(108);
	dir = tap_tmpdir();
	for (int i = 0; i < N; i++) {
		sig[2 * i] = (float)(0.7 * sin(2 * M_PI * 440 * i / RATE));
		sig[2 * i + 1] = (float)(0.3 * sin(2 * M_PI * 3000 * i / RATE) + 1e-4 * ((i * 7919) % 13));
	}
	test_parse();
	test_files();
	test_clip_dither();
	test_pipe();
	test_filter_chain();
	return tap_done();
}
