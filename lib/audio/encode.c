/*
 * encode.c — writing audio files: libsndfile for FLAC and Ogg Vorbis,
 * grym's own writer for WAV (see grym/audio.h).
 *
 * libsndfile refuses to write WAV to a pipe, because it fills the RIFF
 * sizes in at the end, and in a file it writes float WAVs with a 16-byte
 * fmt chunk that sox warns about. So grym writes every WAV header itself
 * (write_wav_header: the header sox and ffmpeg write), with sizes
 * 0xFFFFFFFF ("until the end of the stream") on a pipe, as ffmpeg does,
 * and the real sizes filled in at the end in a file. FLAC and Ogg go to
 * a pipe through libsndfile's virtual I/O, which only ever appends.
 *
 * Samples are converted to integers here rather than in libsndfile, so
 * every path scales the same way: x * 2^(bits-1), rounded, clipped to the
 * integer range (the inverse of how FFmpeg decodes integer PCM, so a file
 * decoded by grym and written back at its depth is bit-identical).
 * GRYM_ENCODE_DITHER adds TPDF dither of +-1 LSB before rounding to 16
 * bits, from a xorshift generator seeded by the caller, so the output is
 * deterministic.
 *
 * MP3, Ogg Opus and M4A are FFmpeg's (encode_lavc.c); this file only
 * hands them on.
 */
#include "grym/audio.h"
#include "grym/rng.h"
#include "encode_lavc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include <sndfile.h>

#define BLOCK 4096   /* frames converted per write */

/* A failed sf_open_* leaves its reason in libsndfile's process-wide
 * error variables, read back by sf_strerror(NULL): opening and reading the
 * reason happen under this lock, so a thread's message is its own failure's
 * and not another encoder's opened at the same moment. */
static pthread_mutex_t sf_open_mutex = PTHREAD_MUTEX_INITIALIZER;

struct grym_encoder {
	grym_output *out;
	grym_file_type type;
	grym_sample_format fmt;
	int rate, channels, flags;
	grym_rng rng;             /* TPDF dither */
	SNDFILE *sf;              /* libsndfile path (file or virtual) */
	grym_lavc_enc *lav;       /* FFmpeg path (mp3, opus, m4a) */
	int own_wav;              /* grym's WAV writer */
	int64_t header_bytes;     /* its header's length */
	int64_t fact_at;          /* offset of the fact chunk's count, or 0 */
	int64_t data_bytes;       /* sample bytes written */
	int64_t written;          /* bytes through virtual I/O */
	int64_t pos;              /* virtual I/O position (< written: ghost) */
	grym_error io_err;        /* first write error seen by virtual I/O */
	unsigned char *buf;       /* conversion buffer: BLOCK frames */
	int failed;
};

static const struct {
	const char *name, *alias[3];
} type_names[GRYM_FILE_TYPES] = {
	[GRYM_FILE_WAV] = { "wav", { "wave" } },
	[GRYM_FILE_FLAC] = { "flac", { 0 } },
	[GRYM_FILE_OGG] = { "ogg", { "oga", "vorbis" } },
	[GRYM_FILE_MP3] = { "mp3", { 0 } },
	[GRYM_FILE_OPUS] = { "opus", { 0 } },
	[GRYM_FILE_M4A] = { "m4a", { "mp4" } },
};
#define TYPE_LIST "wav, flac, ogg, mp3, opus or m4a"

static int type_of_name(const char *s, grym_file_type *type)
{
	for (int t = 0; t < GRYM_FILE_TYPES; t++) {
		int hit = !strcasecmp(s, type_names[t].name);
		for (int a = 0; !hit && a < 3 && type_names[t].alias[a]; a++)
			hit = !strcasecmp(s, type_names[t].alias[a]);
		if (hit) {
			*type = (grym_file_type)t;
			return GRYM_OK;
		}
	}
	return GRYM_ERR_INVALID;
}

/* The extension of path's last component, NULL if it has none. */
static const char *extension(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;
	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	return dot && dot != base && dot[1] ? dot + 1 : NULL;
}

int grym_file_type_parse(const char *s, grym_file_type *type)
{
	const char *ext;
	if (!s || !*s)
		return GRYM_ERR_INVALID;
	if (type_of_name(s, type) == GRYM_OK)
		return GRYM_OK;
	ext = extension(s);
	return ext ? type_of_name(ext, type) : GRYM_ERR_INVALID;
}

const char *grym_file_type_name(grym_file_type type)
{
	return (unsigned)type < GRYM_FILE_TYPES ? type_names[type].name : NULL;
}

const char *grym_file_type_codec(grym_file_type t, grym_sample_format f, int *bits)
{
	*bits = 0;
	switch (t) {
	case GRYM_FILE_OGG: return "vorbis";
	case GRYM_FILE_MP3: return "mp3";
	case GRYM_FILE_OPUS: return "opus";
	case GRYM_FILE_M4A: return "aac";
	default: break;
	}
	*bits = f == GRYM_SAMPLE_S16 ? 16 : f == GRYM_SAMPLE_S24 ? 24 : 32;
	if (t == GRYM_FILE_FLAC) {
		if (*bits == 32)
			*bits = 24;   /* FLAC has no float samples: kept at 24 bits */
		return "flac";
	}
	return f == GRYM_SAMPLE_S16 ? "pcm_s16le" : f == GRYM_SAMPLE_S24 ? "pcm_s24le" : "pcm_f32le";
}

int grym_file_type_choose(const char *type, const char *path, grym_file_type *out,
			  grym_error *err)
{
	const char *ext;

	if (type) {
		if (type_of_name(type, out) != GRYM_OK)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "-t %s: unknown audio type (" TYPE_LIST ")", type);
		return GRYM_OK;
	}
	if (!path || !strcmp(path, "-")) {
		*out = GRYM_FILE_WAV;
		return GRYM_OK;
	}
	if (!(ext = extension(path)))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "no extension to tell the audio type by: name it .wav, "
				      ".flac, .ogg, .mp3, .opus or .m4a, or use -t");
	if (type_of_name(ext, out) != GRYM_OK)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "cannot write audio as .%s (" TYPE_LIST "; or use -t)", ext);
	return GRYM_OK;
}

int grym_sample_format_parse(const char *s, grym_sample_format *fmt)
{
	if (!s)
		return GRYM_ERR_INVALID;
	if (!strcmp(s, "16") || !strcasecmp(s, "s16"))
		*fmt = GRYM_SAMPLE_S16;
	else if (!strcmp(s, "24") || !strcasecmp(s, "s24"))
		*fmt = GRYM_SAMPLE_S24;
	else if (!strcasecmp(s, "32f") || !strcasecmp(s, "f32") || !strcasecmp(s, "float"))
		*fmt = GRYM_SAMPLE_F32;
	else
		return GRYM_ERR_INVALID;
	return GRYM_OK;
}

/* Uniform in [0, 1) from the top 24 bits: a float's worth. */
static float rng_unit(grym_rng *r)
{
	return (float)(grym_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

/* Scale, (dither,) round and clip n samples to 16-bit little-endian. */
static void to_s16(grym_encoder *e, const float *x, size_t n, unsigned char *out)
{
	const int dither = e->flags & GRYM_ENCODE_DITHER;
	for (size_t i = 0; i < n; i++) {
		float v = x[i] * 32768.0f;
		if (dither)
			v += rng_unit(&e->rng) - rng_unit(&e->rng);
		long s = lrintf(v);
		if (!(v == v))
			s = 0;            /* NaN writes silence */
		if (s > 32767)
			s = 32767;
		else if (s < -32768)
			s = -32768;
		out[2 * i] = (unsigned char)(s & 0xff);
		out[2 * i + 1] = (unsigned char)((s >> 8) & 0xff);
	}
}

static long clip24(float v)
{
	if (!(v == v))
		return 0;
	if (v >= 8388607.0f)
		return 8388607;
	if (v <= -8388608.0f)
		return -8388608;
	return lrintf(v);
}

/* Same for 24-bit: packed little-endian, or as int32 left-justified
 * (what sf_write_int expects). */
static void to_s24(const float *x, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		long s = clip24(x[i] * 8388608.0f);
		out[3 * i] = (unsigned char)(s & 0xff);
		out[3 * i + 1] = (unsigned char)((s >> 8) & 0xff);
		out[3 * i + 2] = (unsigned char)((s >> 16) & 0xff);
	}
}

static void to_s24_int(const float *x, size_t n, int *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (int)((uint32_t)clip24(x[i] * 8388608.0f) << 8);
}

static void to_s16_short(grym_encoder *e, const float *x, size_t n, short *out)
{
	/* Via the byte path: one rounding rule for every writer. */
	unsigned char *b = (unsigned char *)out;
	to_s16(e, x, n, b);
	for (size_t i = 0; i < n; i++)
		out[i] = (short)(uint16_t)(b[2 * i] | (b[2 * i + 1] << 8));
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/* Default speaker mask for n channels (as FFmpeg's default layouts). */
static uint32_t channel_mask(int n)
{
	static const uint32_t masks[] = {
		0, 0x4, 0x3, 0x7, 0x33, 0x37, 0x3f, 0x13f, 0x63f
	};
	return n >= 1 && n <= 8 ? masks[n] : 0;
}

/* The WAV header grym writes for files and pipes alike. The fmt chunk
 * follows what sox and ffmpeg write and read without complaint:
 *  - 16-bit PCM on one or two channels: WAVE_FORMAT_PCM, 16-byte fmt;
 *  - float on one or two channels: WAVE_FORMAT_IEEE_FLOAT with the
 *    extended part (cbSize 0, an 18-byte fmt) and a fact chunk, as the
 *    spec asks of every non-PCM format and as sox writes it (libsndfile
 *    writes a 16-byte fmt here, and sox warns "wave header missing
 *    extended part of fmt chunk"; sox 14.4 also warns on an EXTENSIBLE
 *    float header, so that is kept for where a channel mask is needed);
 *  - more than 16 bits or more than two channels: WAVE_FORMAT_EXTENSIBLE
 *    (subformat PCM or IEEE float, FFmpeg's default channel mask).
 * On a pipe the sizes are unknown: 0xFFFFFFFF, "until the end of the
 * stream", as ffmpeg writes them. In a file they are filled in at the
 * end (wav_patch_sizes). Returns the header's length or < 0. */
static int write_wav_header(grym_encoder *e, grym_error *err)
{
	unsigned char h[80];
	int bits = e->fmt == GRYM_SAMPLE_S16 ? 16 : e->fmt == GRYM_SAMPLE_S24 ? 24 : 32;
	int is_float = e->fmt == GRYM_SAMPLE_F32;
	int ext = e->channels > 2 || (bits > 16 && !is_float);
	int fact = is_float && !ext;
	unsigned block = (unsigned)(e->channels * bits / 8);
	size_t n = 0;

	memcpy(h, "RIFF", 4);
	put32(h + 4, 0xFFFFFFFFu);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, ext ? 40 : is_float ? 18 : 16);
	put16(h + 20, ext ? 0xFFFE : is_float ? 3 : 1);
	put16(h + 22, (unsigned)e->channels);
	put32(h + 24, (uint32_t)e->rate);
	put32(h + 28, (uint32_t)e->rate * block);
	put16(h + 32, block);
	put16(h + 34, (unsigned)bits);
	n = 36;
	if (ext) {
		/* cbSize, valid bits, channel mask, subformat GUID
		 * (xxxxxxxx-0000-0010-8000-00aa00389b71). */
		static const unsigned char guid_tail[14] = {
			0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
			0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71
		};
		put16(h + 36, 22);
		put16(h + 38, (unsigned)bits);
		put32(h + 40, channel_mask(e->channels));
		put16(h + 44, is_float ? 3 : 1);
		memcpy(h + 46, guid_tail, sizeof guid_tail);
		n = 60;
	} else if (is_float) {
		put16(h + 36, 0);   /* cbSize: the extended part, empty */
		n = 38;
	}
	if (fact) {
		/* frames per channel, filled in at the end in a file */
		memcpy(h + n, "fact", 4);
		put32(h + n + 4, 4);
		put32(h + n + 8, 0xFFFFFFFFu);
		e->fact_at = (int64_t)n + 8;
		n += 12;
	}
	memcpy(h + n, "data", 4);
	put32(h + n + 4, 0xFFFFFFFFu);
	n += 8;
	e->header_bytes = (int64_t)n;
	return grym_output_write(e->out, h, n, err);
}

/* In a seekable file: the RIFF, fact and data sizes, once the samples are
 * all written. Over 4 GiB the 32-bit sizes stay 0xFFFFFFFF, which readers
 * take as "to the end of the file", as on a pipe. */
static int wav_patch_sizes(grym_encoder *e, grym_error *err)
{
	unsigned char b[4];
	int fd = grym_output_fd(e->out);
	int64_t riff = e->header_bytes - 8 + e->data_bytes;
	int odd = (int)(e->data_bytes & 1);

	if (grym_output_flush(e->out, err) < 0)
		return GRYM_ERR_IO;
	if (odd && grym_output_write(e->out, "", 1, err) < 0)   /* RIFF pad byte */
		return GRYM_ERR_IO;
	if (grym_output_flush(e->out, err) < 0)
		return GRYM_ERR_IO;
	if (riff + odd > 0xFFFFFFFFLL)
		return GRYM_OK;
	put32(b, (uint32_t)(riff + odd));
	if (pwrite(fd, b, 4, 4) != 4)
		goto fail;
	put32(b, (uint32_t)e->data_bytes);
	if (pwrite(fd, b, 4, (off_t)e->header_bytes - 4) != 4)
		goto fail;
	if (e->fact_at) {
		put32(b, (uint32_t)(e->data_bytes / (4 * e->channels)));
		if (pwrite(fd, b, 4, (off_t)e->fact_at) != 4)
			goto fail;
	}
	return GRYM_OK;
fail:
	return grym_error_set(err, GRYM_ERR_IO, "%s: cannot fill in the WAV sizes: %s",
			      grym_output_name(e->out), strerror(errno));
}

/* ---- libsndfile virtual I/O onto a grym_output (append only) ----
 * At the end the FLAC encoder seeks back to fill in STREAMINFO (length and
 * MD5). A pipe cannot go back, so a seek behind the end starts a "ghost"
 * region whose writes are dropped, until a seek returns to the end: the
 * stream keeps the "length unknown" STREAMINFO it began with, which is
 * valid FLAC (ffmpeg's muxer does the same on a pipe). */
static sf_count_t vio_len(void *ud)
{
	return ((grym_encoder *)ud)->written;
}

static sf_count_t vio_seek(sf_count_t off, int whence, void *ud)
{
	grym_encoder *e = ud;
	sf_count_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ? e->pos + off
								   : e->written + off;
	if (to < 0 || to > e->written)
		return -1;
	e->pos = to;
	return to;
}

static sf_count_t vio_read(void *ptr, sf_count_t n, void *ud)
{
	return 0;
}

static sf_count_t vio_write(const void *ptr, sf_count_t n, void *ud)
{
	grym_encoder *e = ud;
	if (e->io_err.code < 0)
		return 0;
	if (e->pos < e->written) {
		/* ghost write behind the end: dropped */
		e->pos += n;
		if (e->pos > e->written)
			e->pos = e->written;   /* never happens with libFLAC */
		return n;
	}
	if (grym_output_write(e->out, ptr, (size_t)n, &e->io_err) < 0)
		return 0;
	e->written += n;
	e->pos = e->written;
	return n;
}

static sf_count_t vio_tell(void *ud)
{
	return ((grym_encoder *)ud)->pos;
}

static int sf_format_of(grym_file_type type, grym_sample_format fmt)
{
	switch (type) {
	case GRYM_FILE_WAV:   /* written by grym itself: write_wav_header */
		return 0;
	case GRYM_FILE_FLAC:
		/* FLAC has no float samples: float input is kept at 24 bits. */
		return SF_FORMAT_FLAC | (fmt == GRYM_SAMPLE_S16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24);
	case GRYM_FILE_OGG:
		return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
	default:   /* FFmpeg's types never reach libsndfile */
		break;
	}
	return 0;
}

grym_encoder *grym_encoder_open(grym_output *out, grym_file_type type,
				grym_sample_format fmt, int rate, int channels,
				int flags, uint64_t seed, grym_error *err)
{
	grym_encoder *e;
	SF_INFO info;

	if (!out || rate <= 0 || rate > 1000000 || channels <= 0 || channels > GRYM_MAX_CHANNELS ||
	    (unsigned)type >= GRYM_FILE_TYPES || (unsigned)fmt > GRYM_SAMPLE_S24) {
		grym_error_set(err, GRYM_ERR_INVALID, "invalid encoder parameters");
		return NULL;
	}
	if (!(e = calloc(1, sizeof *e))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	e->out = out;
	e->type = type;
	e->fmt = fmt;
	e->rate = rate;
	e->channels = channels;
	e->flags = flags;
	grym_rng_seed(&e->rng, seed);
	e->buf = malloc((size_t)BLOCK * channels * 4);
	if (!e->buf) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}

	if (type == GRYM_FILE_MP3 || type == GRYM_FILE_OPUS || type == GRYM_FILE_M4A) {
		if (!(e->lav = grym_lavc_enc_open(out, type, rate, channels, err)))
			goto fail;
		return e;
	}
	if (type == GRYM_FILE_WAV) {
		e->own_wav = 1;
		if (write_wav_header(e, err) < 0)
			goto fail;
		return e;
	}

	memset(&info, 0, sizeof info);
	info.samplerate = rate;
	info.channels = channels;
	info.format = sf_format_of(type, fmt);
	if (!sf_format_check(&info)) {
		grym_error_set(err, GRYM_ERR_UNSUPPORTED, "libsndfile cannot write this format "
			       "(%d channels at %d Hz)", channels, rate);
		goto fail;
	}
	if (grym_output_seekable(out) && grym_output_flush(out, err) < 0)
		goto fail;
	pthread_mutex_lock(&sf_open_mutex);
	if (grym_output_seekable(out)) {
		e->sf = sf_open_fd(grym_output_fd(out), SFM_WRITE, &info, 0);
	} else {
		SF_VIRTUAL_IO vio = { vio_len, vio_seek, vio_read, vio_write, vio_tell };
		e->sf = sf_open_virtual(&vio, SFM_WRITE, &info, e);
	}
	if (!e->sf)
		grym_error_set(err, GRYM_ERR_IO, "cannot write %s: %s", grym_output_name(out),
			       sf_strerror(NULL));
	pthread_mutex_unlock(&sf_open_mutex);
	if (!e->sf)
		goto fail;
	/* The PEAK chunk of float WAVs carries the time of writing: off, so
	 * the same audio always gives the same bytes. */
	sf_command(e->sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
	if (type == GRYM_FILE_OGG) {
		double q = 0.5;   /* about 160 kbit/s stereo */
		sf_command(e->sf, SFC_SET_VBR_ENCODING_QUALITY, &q, sizeof q);
	}
	return e;
fail:
	if (e->sf)
		sf_close(e->sf);
	free(e->buf);
	free(e);
	return NULL;
}

static int sf_fail(grym_encoder *e, grym_error *err)
{
	e->failed = 1;
	if (e->io_err.code < 0)
		return grym_error_set(err, e->io_err.code, "%s", e->io_err.msg);
	return grym_error_set(err, GRYM_ERR_IO, "write error: %s", sf_strerror(e->sf));
}

int grym_encoder_rate(const grym_encoder *e)
{
	return e->lav ? grym_lavc_enc_rate(e->lav) : e->rate;
}

int grym_encoder_write(grym_encoder *e, const float *x, int64_t nframes, grym_error *err)
{
	const int ch = e->channels;

	if (e->failed)
		return grym_error_set(err, GRYM_ERR_IO, "encoder already failed");
	if (e->lav) {
		int rc = grym_lavc_enc_write(e->lav, x, nframes, err);
		if (rc != GRYM_OK)
			e->failed = 1;
		return rc;
	}
	while (nframes > 0) {
		int64_t n = nframes < BLOCK ? nframes : BLOCK;
		size_t ns = (size_t)(n * ch);
		int rc = GRYM_OK;

		if (e->own_wav) {
			size_t bytes;
			if (e->fmt == GRYM_SAMPLE_S16) {
				to_s16(e, x, ns, e->buf);
				bytes = ns * 2;
			} else if (e->fmt == GRYM_SAMPLE_S24) {
				to_s24(x, ns, e->buf);
				bytes = ns * 3;
			} else {
				/* float32 little-endian, as in memory on LE hosts */
				unsigned char *p = e->buf;
				for (size_t i = 0; i < ns; i++) {
					uint32_t u;
					memcpy(&u, x + i, 4);
					put32(p + 4 * i, u);
				}
				bytes = ns * 4;
			}
			rc = grym_output_write(e->out, e->buf, bytes, err);
			if (rc < 0) {
				e->failed = 1;
				return rc;
			}
			e->data_bytes += (int64_t)bytes;
		} else {
			sf_count_t got;
			if (e->type == GRYM_FILE_OGG) {
				got = sf_writef_float(e->sf, x, n);
			} else if (e->fmt == GRYM_SAMPLE_S16) {
				to_s16_short(e, x, ns, (short *)e->buf);
				got = sf_writef_short(e->sf, (short *)e->buf, n);
			} else if (e->fmt == GRYM_SAMPLE_S24 || e->type == GRYM_FILE_FLAC) {
				to_s24_int(x, ns, (int *)e->buf);
				got = sf_writef_int(e->sf, (int *)e->buf, n);
			} else {
				got = sf_writef_float(e->sf, x, n);
			}
			if (got != n)
				return sf_fail(e, err);
		}
		x += ns;
		nframes -= n;
	}
	return GRYM_OK;
}

int grym_encoder_close(grym_encoder *e, grym_error *err)
{
	int rc = GRYM_OK;
	if (!e)
		return GRYM_OK;
	if (e->lav) {
		if (!e->failed)
			rc = grym_lavc_enc_finish(e->lav, err);
		grym_lavc_enc_free(e->lav);
	} else if (e->sf) {
		if (sf_close(e->sf) != 0 && !e->failed)
			rc = grym_error_set(err, GRYM_ERR_IO, "cannot finish the file");
		if (rc == GRYM_OK && e->io_err.code < 0)
			rc = grym_error_set(err, e->io_err.code, "%s", e->io_err.msg);
	} else if (e->failed) {
		rc = grym_error_set(err, GRYM_ERR_IO, "write failed earlier");
	} else if (e->own_wav && grym_output_seekable(e->out)) {
		rc = wav_patch_sizes(e, err);
	}
	if (rc == GRYM_OK && e->failed)
		rc = grym_error_set(err, GRYM_ERR_IO, "write failed earlier");
	if (rc == GRYM_OK)
		rc = grym_output_flush(e->out, err);
	free(e->buf);
	free(e);
	return rc;
}
