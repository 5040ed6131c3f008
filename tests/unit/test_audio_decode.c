/*
 * test_audio_decode.c — the FFmpeg decoder against a known signal in every
 * format grym promises to read.
 *
 * A 16-bit stereo WAV is written here from an exact integer signal; sox and
 * ffmpeg convert it to the other formats. Lossless formats must decode to
 * the very same values (after scaling), lossy ones must correlate with it
 * and keep the frame count within the codec's padding. Files cut in half
 * with truncate(1) semantics must be reported truncated (and kept with
 * accept_truncated); text and empty files are not audio.
 */
#include "tap.h"
#include "grym/audio.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#define RATE 44100
#define FRAMES 66150          /* 1.5 s */

static const char *dir;
static short ref[FRAMES * 2];

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

static void put16(FILE *f, unsigned v) { fputc(v & 0xff, f); fputc((v >> 8) & 0xff, f); }
static void put32(FILE *f, unsigned v) { put16(f, v & 0xffff); put16(f, v >> 16); }

/* The reference: 440 Hz at half scale left, 1 kHz at a quarter right,
 * plus a little deterministic noise so that every bit matters. */
static void write_ref(void)
{
	uint32_t lcg = 12345;
	for (int i = 0; i < FRAMES; i++) {
		lcg = lcg * 1664525u + 1013904223u;
		int noise = (int)(lcg >> 28) - 8;
		ref[2 * i] = (short)lrint(16384 * sin(2 * M_PI * 440 * i / RATE)) + noise;
		ref[2 * i + 1] = (short)lrint(8192 * sin(2 * M_PI * 1000 * i / RATE));
	}
	FILE *f = fopen(p("ref.wav"), "wb");
	fwrite("RIFF", 1, 4, f); put32(f, 36 + FRAMES * 4); fwrite("WAVEfmt ", 1, 8, f);
	put32(f, 16); put16(f, 1); put16(f, 2); put32(f, RATE); put32(f, RATE * 4);
	put16(f, 4); put16(f, 16); fwrite("data", 1, 4, f); put32(f, FRAMES * 4);
	for (int i = 0; i < FRAMES * 2; i++)
		put16(f, (unsigned)(uint16_t)ref[i]);
	fclose(f);
}

static int decode(const char *name, const grym_decode_opts *o, grym_audio *a,
		  grym_audio_info *info, grym_error *err)
{
	return grym_audio_decode_file(p(name), o, a, info, err);
}

/* Every sample equals the reference scaled by 1/32768 (or within tol). */
static void check_exact(const char *name, double tol, int bits)
{
	grym_audio a;
	grym_audio_info info;
	grym_error err = { 0 };
	int rc = decode(name, NULL, &a, &info, &err);
	TAP_EQ_INT(rc, GRYM_OK, "%s decodes (%s)", name, err.msg);
	if (rc != GRYM_OK)
		return;
	TAP_EQ_INT(a.rate, RATE, "%s rate", name);
	TAP_EQ_INT(a.channels, 2, "%s channels", name);
	TAP_EQ_INT(a.frames, FRAMES, "%s frames exactly", name);
	TAP_EQ_INT(info.frames, FRAMES, "%s declared frames", name);
	TAP_EQ_INT(info.bits, bits, "%s bits", name);
	double maxd = 0;
	for (int64_t i = 0; i < a.frames * 2 && a.frames == FRAMES; i++) {
		double d = fabs(a.data[i] - ref[i] / 32768.0);
		if (d > maxd)
			maxd = d;
	}
	TAP_NEAR(maxd, 0, tol, "%s samples equal the reference", name);
	grym_audio_clear(&a);
	grym_audio_info_clear(&info);
}

/* Lossy: frames within padding, and the left channel correlates with the
 * reference. */
static void check_lossy(const char *name, int rate, int64_t frames, int64_t slack,
			const char *codec)
{
	grym_audio a;
	grym_audio_info info;
	grym_error err = { 0 };
	int rc = decode(name, NULL, &a, &info, &err);
	TAP_EQ_INT(rc, GRYM_OK, "%s decodes (%s)", name, err.msg);
	if (rc != GRYM_OK)
		return;
	TAP_EQ_INT(a.rate, rate, "%s rate", name);
	TAP_EQ_INT(a.channels, 2, "%s channels", name);
	TAP_OK(llabs(a.frames - frames) <= slack, "%s frames %lld within %lld of %lld", name,
	       (long long)a.frames, (long long)slack, (long long)frames);
	TAP_EQ_STR(info.codec, codec, "%s codec", name);
	TAP_EQ_INT(info.bits, 0, "%s has no bit depth", name);
	if (rate == RATE) {
		double sxy = 0, sxx = 0, syy = 0;
		int64_t n = a.frames < FRAMES ? a.frames : FRAMES;
		for (int64_t i = 0; i < n; i++) {
			double x = ref[2 * i] / 32768.0, y = a.data[2 * i];
			sxy += x * y; sxx += x * x; syy += y * y;
		}
		double r = sxy / sqrt(sxx * syy);
		TAP_OK(r > 0.99, "%s correlates with the reference (r = %.5f)", name, r);
		/* (lame's joint stereo costs the 440 Hz channel 3 %: ffmpeg's
		 * own decode reads the same 0.343) */
		TAP_NEAR(sqrt(syy / n), 0.5 / sqrt(2), 0.015, "%s RMS of the 440 Hz channel", name);
	} else {
		/* Opus at 48 kHz: the RMS of the 440 Hz channel is still known. */
		double syy = 0;
		for (int64_t i = 0; i < a.frames; i++)
			syy += (double)a.data[2 * i] * a.data[2 * i];
		TAP_NEAR(sqrt(syy / a.frames), 0.5 / sqrt(2), 0.01, "%s RMS of the 440 Hz channel", name);
	}
	grym_audio_clear(&a);
	grym_audio_info_clear(&info);
}

static off_t fsize(const char *name)
{
	struct stat st;
	return stat(p(name), &st) == 0 ? st.st_size : -1;
}

/* Cut a file in half: rejected as truncated or corrupt; kept with
 * accept_truncated (when the container header survived). */
static void check_truncated(const char *name, int percent, int header_survives)
{
	char cut[256];
	grym_audio a;
	grym_error err = { 0 };
	grym_decode_opts o = { 0 };

	snprintf(cut, sizeof cut, "cut%d-%s", percent, name);
	sh("head -c %lld %s > %s", (long long)(fsize(name) * percent / 100), name, cut);
	int rc = decode(cut, NULL, &a, NULL, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CORRUPT, "%s cut in half is rejected", name);
	TAP_OK(strstr(err.msg, "truncated") != NULL, "%s: message says truncated: %s", name, err.msg);
	if (rc == GRYM_OK)
		grym_audio_clear(&a);
	if (!header_survives)
		return;
	o.accept_truncated = 1;
	grym_decoder *d = grym_decoder_open(p(cut), &o, &err);
	TAP_OK(d != NULL, "%s cut opens (%s)", name, err.msg);
	if (!d)
		return;
	float buf[4096 * 2];
	int64_t n, total = 0;
	while ((n = grym_decoder_read(d, buf, 4096, &err)) > 0)
		total += n;
	TAP_EQ_INT(n, 0, "%s cut decodes with accept_truncated (%s)", name, err.msg);
	TAP_EQ_INT(grym_decoder_was_truncated(d), 1, "%s cut is flagged truncated", name);
	int rate = grym_decoder_rate(d);
	/* Lossy codecs lose up to a page or a codec frame more. */
	int64_t want = (int64_t)rate * 3 / 2 * percent / 100;
	TAP_OK(total > want - rate / 2 && total <= want + rate / 20, "%s cut at %d%% keeps %lld frames (about %lld)",
	       name, percent, (long long)total, (long long)want);
	grym_decoder_close(d);
}

static void test_options(void)
{
	grym_audio a, m;
	grym_error err = { 0 };
	grym_decode_opts o = { 0 };

	/* Mono mixdown: the plain mean of the channels. */
	o.channels = 1;
	TAP_EQ_INT(decode("ref.wav", &o, &m, NULL, &err), GRYM_OK, "mono mixdown decodes");
	TAP_EQ_INT(m.channels, 1, "mixdown has one channel");
	TAP_EQ_INT(m.frames, FRAMES, "mixdown keeps frames");
	double maxd = 0;
	for (int i = 0; i < FRAMES && m.frames == FRAMES; i++) {
		double want = (ref[2 * i] / 32768.0 + ref[2 * i + 1] / 32768.0) / 2;
		if (fabs(m.data[i] - want) > maxd)
			maxd = fabs(m.data[i] - want);
	}
	TAP_NEAR(maxd, 0, 1e-7, "mixdown is the channel mean");
	grym_audio_clear(&m);

	/* Offset and duration, in exact frames. */
	memset(&o, 0, sizeof o);
	o.offset = 0.5;
	o.duration = 0.25;
	TAP_EQ_INT(decode("ref.wav", &o, &a, NULL, &err), GRYM_OK, "offset/duration decode");
	TAP_EQ_INT(a.frames, 11025, "0.25 s at 44.1 kHz");
	int same = a.frames == 11025;
	for (int i = 0; i < 11025 * 2 && same; i++)
		same = a.data[i] == ref[22050 * 2 + i] / 32768.0f;
	TAP_OK(same, "offset 0.5 s starts at frame 22050");
	grym_audio_clear(&a);

	/* An offset past the end gives nothing, without an error. */
	o.offset = 10;
	o.duration = 0;
	TAP_EQ_INT(decode("ref.wav", &o, &a, NULL, &err), GRYM_OK, "offset past the end");
	TAP_EQ_INT(a.frames, 0, "no frames past the end");
	grym_audio_clear(&a);

	/* Resampling (soxr) to 16 kHz: length scales, level is kept. */
	memset(&o, 0, sizeof o);
	o.rate = 16000;
	TAP_EQ_INT(decode("ref.wav", &o, &a, NULL, &err), GRYM_OK, "resample decodes (%s)", err.msg);
	TAP_EQ_INT(a.rate, 16000, "resampled rate");
	TAP_OK(llabs(a.frames - 24000) <= 1, "resampled frames %lld (want 24000)", (long long)a.frames);
	double s = 0;
	for (int64_t i = 1000; i < a.frames - 1000; i++)
		s += (double)a.data[2 * i] * a.data[2 * i];
	TAP_NEAR(sqrt(s / (a.frames - 2000)), 0.5 / sqrt(2), 0.002, "resampled 440 Hz keeps its RMS");
	/* The 440 Hz sine keeps its phase: sample 8000 (0.5 s) matches. */
	TAP_NEAR(a.data[2 * 8000], 0.5 * sin(2 * M_PI * 440 * 0.5), 0.01, "resampled sine in phase");
	grym_audio_clear(&a);

	/* Streaming reads in odd block sizes give the same samples. */
	grym_decoder *d = grym_decoder_open(p("a.flac"), NULL, &err);
	TAP_OK(d != NULL, "flac opens as a stream");
	if (d) {
		float buf[777 * 2];
		int64_t n, pos = 0;
		int ok = 1;
		while ((n = grym_decoder_read(d, buf, 1 + pos % 777, &err)) > 0) {
			for (int64_t i = 0; i < n * 2 && ok; i++)
				ok = buf[i] == ref[pos * 2 + i] / 32768.0f;
			pos += n;
		}
		TAP_EQ_INT(pos, FRAMES, "streamed frames");
		TAP_OK(ok && n == 0, "streamed samples exact");
		TAP_EQ_INT(grym_decoder_read(d, buf, 10, &err), 0, "read after the end is 0 again");
		grym_decoder_close(d);
	}
}

static void test_tags(void)
{
	grym_audio_info info;
	grym_error err = { 0 };
	sh("ffmpeg -nostdin -v error -y -i ref.wav -metadata TITLE='Bird Song' -metadata artist=Kea "
	   "-metadata date=2024 tagged.flac");
	TAP_EQ_INT(grym_audio_probe(p("tagged.flac"), &info, &err), GRYM_OK, "probe tagged flac");
	TAP_EQ_STR(json_string_value(json_object_get(info.tags, "title")), "Bird Song", "title tag, key lowercased");
	TAP_EQ_STR(json_string_value(json_object_get(info.tags, "artist")), "Kea", "artist tag");
	TAP_EQ_STR(json_string_value(json_object_get(info.tags, "date")), "2024", "date tag");
	TAP_EQ_STR(info.format, "flac", "probe format");
	TAP_EQ_INT(info.frames, FRAMES, "probe frames");
	TAP_NEAR(info.duration, 1.5, 1e-9, "probe duration");
	grym_audio_info_clear(&info);
	sh("ffmpeg -nostdin -v error -y -i ref.wav -metadata title=Kiwi -b:a 128k tagged.mp3");
	TAP_EQ_INT(grym_audio_probe(p("tagged.mp3"), &info, &err), GRYM_OK, "probe tagged mp3");
	TAP_EQ_STR(json_string_value(json_object_get(info.tags, "title")), "Kiwi", "id3 title");
	TAP_EQ_STR(info.format, "mp3", "mp3 format");
	grym_audio_info_clear(&info);
}

static void test_not_audio(void)
{
	grym_audio a;
	grym_error err = { 0 };
	sh("printf 'path,label\\na.wav,dog\\n' > list.csv && : > empty.wav && mkdir -p adir && "
	   "head -c 5000 /dev/zero > zeros.bin");
	TAP_EQ_INT(decode("list.csv", NULL, &a, NULL, &err), GRYM_ERR_FORMAT, "text is not audio: %s", err.msg);
	TAP_OK(strstr(err.msg, "not audio") != NULL, "message says not audio");
	TAP_EQ_INT(decode("empty.wav", NULL, &a, NULL, &err), GRYM_ERR_FORMAT, "empty file: %s", err.msg);
	TAP_EQ_STR(err.msg, "empty file", "message says empty");
	TAP_EQ_INT(decode("zeros.bin", NULL, &a, NULL, &err), GRYM_ERR_FORMAT, "zeros are not audio: %s", err.msg);
	TAP_EQ_INT(decode("nonexistent.wav", NULL, &a, NULL, &err), GRYM_ERR_IO, "missing file: %s", err.msg);
	TAP_EQ_INT(decode("adir", NULL, &a, NULL, &err), GRYM_ERR_IO, "directory: %s", err.msg);
	/* A playlist that names another file must not be followed. */
	sh("printf 'ffconcat version 1.0\\nfile ref.wav\\n' > list.ffconcat && "
	   "printf '#EXTM3U\\n#EXTINF:1,\\nref.wav\\n' > list.m3u8");
	TAP_OK(decode("list.ffconcat", NULL, &a, NULL, &err) < 0, "concat script is not opened: %s", err.msg);
	TAP_OK(decode("list.m3u8", NULL, &a, NULL, &err) < 0, "HLS playlist is not opened: %s", err.msg);
}

/* A corrupt packet in the middle (bytes overwritten) is an error. */
static void test_corrupt(void)
{
	grym_audio a;
	grym_error err = { 0 };
	grym_decode_opts o = { 0 };
	sh("cp a.flac bad.flac && printf '\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377' | "
	   "dd of=bad.flac bs=1 seek=%lld conv=notrunc 2>/dev/null", (long long)(fsize("a.flac") / 2));
	int rc = decode("bad.flac", NULL, &a, NULL, &err);
	TAP_EQ_INT(rc, GRYM_ERR_CORRUPT, "flac with damaged frame fails: %s", err.msg);
	if (rc == GRYM_OK)
		grym_audio_clear(&a);
	o.accept_truncated = 1;
	rc = decode("bad.flac", &o, &a, NULL, &err);
	TAP_EQ_INT(rc, GRYM_OK, "damaged flac decodes with accept_truncated");
	if (rc == GRYM_OK)
		grym_audio_clear(&a);
}

/* Decoders are independent: four threads decoding (and resampling) at
 * once get exactly what one thread gets. */
typedef struct thread_job {
	const char *name;
	grym_audio a;
	int rc;
} thread_job;

static void *decode_thread(void *arg)
{
	thread_job *j = arg;
	grym_decode_opts o = { 0 };
	grym_error err = { 0 };
	o.rate = 22050;
	o.channels = 1;
	j->rc = grym_audio_decode_file(p(j->name), &o, &j->a, NULL, &err);
	return NULL;
}

static void test_threads(void)
{
	const char *names[4] = { "a.flac", "a.mp3", "a.flac", "a.mp3" };
	thread_job jobs[4];
	pthread_t t[4];
	grym_audio ref1[2];
	memset(jobs, 0, sizeof jobs);
	for (int i = 0; i < 2; i++) {
		jobs[i].name = names[i];
		decode_thread(&jobs[i]);
		ref1[i] = jobs[i].a;
	}
	for (int i = 0; i < 4; i++) {
		memset(&jobs[i], 0, sizeof jobs[i]);
		jobs[i].name = names[i];
		pthread_create(&t[i], NULL, decode_thread, &jobs[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 4; i++) {
		const grym_audio *r = &ref1[i % 2];
		TAP_EQ_INT(jobs[i].rc, GRYM_OK, "thread %d decodes %s", i, names[i]);
		TAP_OK(jobs[i].a.frames == r->frames && jobs[i].a.frames > 0 &&
		       memcmp(jobs[i].a.data, r->data, (size_t)r->frames * sizeof(float)) == 0,
		       "thread %d: same samples as a lone decode", i);
		grym_audio_clear(&jobs[i].a);
	}
	grym_audio_clear(&ref1[0]);
	grym_audio_clear(&ref1[1]);
}

/* A WAV from a pipe (sox writes a placeholder length) decodes in full,
 * without a truncation complaint. */
static void test_pipe_input(void)
{
	char cmd[1024], path[64];
	snprintf(cmd, sizeof cmd, "sox '%s' -t wav - 2>/dev/null", p("ref.wav"));
	FILE *f = popen(cmd, "r");
	snprintf(path, sizeof path, "/dev/fd/%d", fileno(f));
	grym_audio a;
	grym_error err = { 0 };
	int rc = grym_audio_decode_file(path, NULL, &a, NULL, &err);
	pclose(f);
	TAP_EQ_INT(rc, GRYM_OK, "WAV from a pipe decodes (%s)", err.msg);
	TAP_EQ_INT(rc == GRYM_OK ? a.frames : -1, FRAMES, "all frames from the pipe");
	int same = rc == GRYM_OK && a.frames == FRAMES;
	for (int i = 0; same && i < FRAMES * 2; i++)
		same = a.data[i] == ref[i] / 32768.0f;
	TAP_OK(same, "pipe samples exact");
	if (rc == GRYM_OK)
		grym_audio_clear(&a);
	/* Ogg from a pipe: its tail cannot be checked, so it is not accused. */
	snprintf(cmd, sizeof cmd, "cat '%s'", p("a.ogg"));
	f = popen(cmd, "r");
	snprintf(path, sizeof path, "/dev/fd/%d", fileno(f));
	rc = grym_audio_decode_file(path, NULL, &a, NULL, &err);
	pclose(f);
	TAP_EQ_INT(rc, GRYM_OK, "Ogg from a pipe decodes (%s)", err.msg);
	TAP_EQ_INT(rc == GRYM_OK ? a.frames : -1, FRAMES, "Ogg from a pipe: all frames");
	if (rc == GRYM_OK)
		grym_audio_clear(&a);
	/* sox's own placeholder, written to a pipe without knowing the length */
	sh("sox -n -r 8000 -b 16 -t wav - synth 0.5 sine 440 2>/dev/null | cat > placeholder.wav");
	rc = grym_audio_decode_file(p("placeholder.wav"), NULL, &a, NULL, &err);
	TAP_EQ_INT(rc, GRYM_OK, "placeholder length is not a truncation (%s)", err.msg);
	TAP_EQ_INT(rc == GRYM_OK ? a.frames : -1, 4000, "placeholder file: all frames");
	if (rc == GRYM_OK)
		grym_audio_clear(&a);
}

int main(void)
{
	tap_plan(244);
	dir = tap_tmpdir();
	write_ref();
	/* Lossless conversions of the reference. */
	sh("ffmpeg -nostdin -v error -y -i ref.wav -c:a pcm_s24le s24.wav && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -c:a pcm_s32le s32.wav && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -c:a pcm_f32le f32.wav && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -c:a pcm_f64le f64.wav && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -c:a pcm_u8 u8.wav && "
	   "sox ref.wav -b 16 -e signed-integer -t wavpcm pcm.wav && "
	   "ffmpeg -nostdin -v error -y -i ref.wav a.flac && "
	   "ffmpeg -nostdin -v error -y -i ref.wav a.aiff && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -c:a wavpack a.wv && "
	   "sox ref.wav sox.flac");
	/* Lossy. a.m4a keeps FFmpeg's default: the moov index at the end. */
	sh("ffmpeg -nostdin -v error -y -i ref.wav -b:a 192k a.mp3 && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -c:a libvorbis -q:a 6 a.ogg && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -ar 48000 -c:a libopus -b:a 128k a.opus && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -c:a aac -b:a 192k a.m4a && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -c:a aac -b:a 192k -movflags +faststart fs.m4a && "
	   "ffmpeg -nostdin -v error -y -i ref.wav -ar 48000 -c:a libopus a.webm");

	check_exact("ref.wav", 0, 16);
	check_exact("s24.wav", 0, 24);        /* WAVE_FORMAT_EXTENSIBLE */
	check_exact("s32.wav", 0, 32);
	check_exact("f32.wav", 0, 32);        /* extensible, IEEE float */
	check_exact("f64.wav", 0, 64);
	check_exact("pcm.wav", 0, 16);
	check_exact("u8.wav", 1.0 / 128, 8);
	check_exact("a.flac", 0, 16);
	check_exact("sox.flac", 0, 16);
	check_exact("a.aiff", 0, 16);
	check_exact("a.wv", 0, 16);

	grym_audio_info info;
	grym_error err = { 0 };
	TAP_SETUP(grym_audio_probe(p("s24.wav"), &info, &err));
	TAP_EQ_STR(info.codec, "pcm_s24le", "extensible 24-bit codec");
	TAP_EQ_STR(info.format, "wav", "wav format");
	grym_audio_info_clear(&info);
	TAP_SETUP(grym_audio_probe(p("a.m4a"), &info, &err));
	TAP_EQ_STR(info.format, "m4a", "m4a format name");
	grym_audio_info_clear(&info);
	TAP_SETUP(grym_audio_probe(p("a.wv"), &info, &err));
	TAP_EQ_STR(info.format, "wv", "wavpack format name");
	grym_audio_info_clear(&info);

	check_lossy("a.mp3", RATE, FRAMES, 1152 + 529, "mp3");
	check_lossy("a.ogg", RATE, FRAMES, 0, "vorbis");
	check_lossy("a.opus", 48000, 72000, 0, "opus");
	check_lossy("a.m4a", RATE, FRAMES, 1024, "aac");

	const char *cuts[] = { "ref.wav", "s24.wav", "f32.wav", "u8.wav", "a.flac", "a.aiff",
			       "a.wv", "a.mp3" };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
		check_truncated(cuts[i], 50, 1);
	/* Cut exactly on a frame boundary: no partial sample gives it away. */
	sh("head -c %d ref.wav > aligned.wav", 44 + 4 * 30000);
	{
		grym_audio a;
		int rc = decode("aligned.wav", NULL, &a, NULL, &err);
		TAP_EQ_INT(rc, GRYM_ERR_CORRUPT, "wav cut on a frame boundary is truncated");
		TAP_EQ_STR(err.msg, "truncated: decoded 30000 of 66150 frames", "exact truncation message");
		if (rc == GRYM_OK)
			grym_audio_clear(&a);
	}
	/* The M4A index sits at the end, the Ogg Vorbis headers are read from
	 * both ends: cut, their headers are gone. */
	check_truncated("a.m4a", 50, 0);
	check_truncated("a.ogg", 30, 0);
	/* Cut late, Ogg still opens; its missing end-of-stream page tells. */
	check_truncated("a.ogg", 90, 1);
	check_truncated("a.opus", 90, 1);
	/* An index at the front declares the length: a cut M4A or WebM opens
	 * and is caught by its frame count. */
	check_truncated("fs.m4a", 60, 1);
	check_truncated("a.webm", 50, 1);

	test_options();
	test_tags();
	test_not_audio();
	test_corrupt();
	test_threads();
	test_pipe_input();
	return tap_done();
}
