/*
 * decode.c — decoding any audio file with FFmpeg into float32 frames
 * (see grym/audio.h).
 *
 * One grym_decoder owns one demuxer, one codec context, one resampler and
 * a small FIFO of converted frames, so grym_decoder_read can hand out
 * exactly as many frames as the caller asks for while the file streams
 * through in packets. Conversion to interleaved float32 (and resampling,
 * only when a rate is asked for, with the soxr engine) is done by
 * libswresample; a mono mixdown is the plain mean of the channels, done
 * here after conversion (swresample's matrix is not a mean).
 *
 * Truncation: FFmpeg decodes a cut WAV, MP3 or FLAC without complaint, so
 * the decoder counts the frames it produced and compares them at the end
 * with what the container declares (stream or format duration), allowing
 * for the encoder delay and padding of lossy codecs. Ogg declares no
 * length (its duration is the last granule found), so an Ogg stream is
 * truncated when its last page lacks the end-of-stream flag.
 *
 * Seeking (opts.seek, else an offset is decoded through): on a regular
 * file of a container whose timestamps place every sample, the demuxer
 * seeks back to a pre-roll before the offset, the first frame decoded
 * there says by its timestamp where it is, and the output frames up to
 * the offset are dropped as without a seek; the frames before the seek
 * point count as decoded, so the truncation check is the same. Whatever
 * goes wrong on the way (a refused seek, a frame without a timestamp or
 * past the offset, the end first) opens the file again and decodes
 * through, so a seek never changes what a read returns beyond the
 * codec's own noise (AAC's noise substitution: see test_audio_seek.c).
 */
#include "grym/audio.h"
#include "grym/progress.h"
#include "audio/ffmpeg_quiet.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

/* Demuxers that may be opened. A whitelist rather than "anything": some
 * demuxers (hls, concat, dash, image2...) open further files or URLs named
 * inside the input, which must never happen to an uploaded or archived
 * file. The list covers every audio container FFmpeg reads plus the
 * common video containers audio arrives in. */
static const char demuxer_whitelist[] =
	"wav,w64,rf64,flac,mp3,ogg,mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,aiff,"
	"wv,ape,aac,ac3,eac3,dts,dtshd,truehd,mlp,au,caf,amr,amrnb,amrwb,mpc,"
	"mpc8,tta,tak,voc,xwma,asf,avi,mpeg,mpegts,flv,gsm,sox,sln,shn,ircam,"
	"nistsphere,mmf,dsf,iff,wsaud,xa,musx,epaf,mp2,s337m,loas,adts,"
	"alaw,mulaw,g722,g723_1,g729,ilbc,qcp,spdif,dfpwm,wve,rso,svag,vag";

struct grym_decoder {
	AVFormatContext *fmt;
	AVCodecContext *cc;
	SwrContext *swr;
	AVPacket *pkt;
	AVFrame *frame;
	int stream;
	grym_audio_info info;
	int path_tail_ogg;        /* check the Ogg EOS flag at the end */
	int ogg_eos;               /* last Ogg page has the EOS flag */
	int declared_exact;        /* info.frames is a real declaration */
	int64_t tolerance;         /* frames a lossy codec may legally lack */

	int in_rate, in_channels;  /* what swr was configured for */
	enum AVSampleFormat in_fmt;
	int out_rate, out_channels;
	int mix;                   /* mix down to mono */

	float *conv;               /* swr output: in_channels interleaved */
	int conv_cap;              /* frames */
	float *fifo;               /* out_channels interleaved */
	int64_t fifo_cap, fifo_len, fifo_pos;  /* frames */

	int64_t skip;              /* output frames still to drop (offset) */
	int64_t left;              /* output frames still to give, -1: all */
	int64_t want;              /* output frames asked for (duration), -1: all */
	int64_t length;            /* source frames to measure progress by, -1: unknown */
	int64_t given;             /* output frames handed out so far */
	int64_t skip0;             /* the offset in output frames */
	const volatile sig_atomic_t *cancel; /* the caller's flag, or NULL */
	int64_t decoded;           /* source frames decoded */
	int64_t errors;            /* packets the decoder rejected */
	char first_error[160];
	int demux_eof, decoder_eof, swr_flushed, done;
	int truncated;
	int accept;                /* accept_truncated */
	int checked, verdict;      /* end-of-stream judgement, once */
	int seek_pending;          /* seeked: the first frame still to place */
	int seek_lost;             /* it cannot be placed: open again, no seek */
	int seeked;                /* the offset was reached by a seek */
	int64_t skip_in;           /* source frames to drop before the resampler */
	char verdict_msg[256];
	char *path;                /* for the Ogg tail check */
};

void grym_audio_info_clear(grym_audio_info *info)
{
	if (!info)
		return;
	json_decref(info->tags);
	memset(info, 0, sizeof *info);
}

static void av_err(int e, char *buf, size_t len)
{
	if (av_strerror(e, buf, len) < 0)
		snprintf(buf, len, "FFmpeg error %d", e);
}

/* Container name as grym reports it: the first of FFmpeg's aliases,
 * except the MP4 family, named by its brand. */
static void format_name(const AVFormatContext *fmt, char *out, size_t len)
{
	const char *name = fmt->iformat->name;
	size_t n = strcspn(name, ",");
	if (strncmp(name, "mov,", 4) == 0) {
		AVDictionaryEntry *e = av_dict_get(fmt->metadata, "major_brand", NULL, 0);
		if (e && strncmp(e->value, "M4A", 3) == 0)
			snprintf(out, len, "m4a");
		else if (e && strncmp(e->value, "qt", 2) == 0)
			snprintf(out, len, "mov");
		else
			snprintf(out, len, "mp4");
		return;
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, name, n);
	out[n] = '\0';
}

/* Copy a dictionary into a JSON object, keys lowercased; existing keys are
 * kept (format tags are read first, then the stream's). */
static int tags_add(json_t *obj, const AVDictionary *d)
{
	const AVDictionaryEntry *e = NULL;
	while ((e = av_dict_get(d, "", e, AV_DICT_IGNORE_SUFFIX))) {
		char key[128];
		size_t i;
		for (i = 0; e->key[i] && i < sizeof key - 1; i++)
			key[i] = (char)tolower((unsigned char)e->key[i]);
		key[i] = '\0';
		if (json_object_get(obj, key))
			continue;
		/* Tag values are not always valid UTF-8; jansson refuses those,
		 * and a tag must never make a file unreadable, so skip them. */
		json_t *v = json_string(e->value);
		if (!v)
			continue;
		if (json_object_set_new(obj, key, v) < 0)
			return GRYM_ERR_NOMEM;
	}
	return GRYM_OK;
}

/* Frames a lossy codec may lack against its declared duration: encoder
 * delay and padding that FFmpeg trims or estimates (measured on files from
 * lame, libvorbis, libopus and FFmpeg's aac: at most one codec frame is
 * ever off; two frames leave margin). Lossless codecs: none. */
static int64_t codec_tolerance(const AVCodecParameters *par)
{
	switch (par->codec_id) {
	case AV_CODEC_ID_MP3:
	case AV_CODEC_ID_MP2:
	case AV_CODEC_ID_MP1:
		return 2 * 1152 + 529;
	case AV_CODEC_ID_AAC:
		return 2 * 2048;
	case AV_CODEC_ID_VORBIS:
	case AV_CODEC_ID_OPUS:
		return 2 * 2048;
	default: {
		const AVCodecDescriptor *desc = avcodec_descriptor_get(par->codec_id);
		if (desc && (desc->props & AV_CODEC_PROP_LOSSY))
			return par->frame_size > 0 ? 2 * (int64_t)par->frame_size : 4096;
		return 0;
	}
	}
}

/* 1 if the last Ogg page of the file carries the end-of-stream flag. Ogg
 * has no length header; a file cut short lacks its EOS page. */
static int ogg_has_eos(const char *path)
{
	unsigned char buf[65536 + 27];
	struct stat st;
	int fd;
	/* a FIFO is not opened again: at its end no writer is left, and
	 * the open would wait for one */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return 1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return 1;      /* a pipe, or unreadable: cannot tell, do not accuse */
	}
	off_t size = st.st_size;
	off_t start = size > 65536 ? size - 65536 : 0;
	ssize_t n = size > 0 ? pread(fd, buf, (size_t)(size - start), start) : 0;
	close(fd);
	if (n < 27)
		return 0;
	for (ssize_t i = n - 27; i >= 0; i--) {
		if (memcmp(buf + i, "OggS", 4) == 0 && buf[i + 4] == 0) {
			/* Header: 27 bytes, then the segment table; the page
			 * must be complete and flagged EOS. */
			int nseg = buf[i + 26];
			if (i + 27 + nseg > n)
				return 0;
			size_t body = 0;
			for (int s = 0; s < nseg; s++)
				body += buf[i + 27 + s];
			if ((size_t)i + 27 + nseg + body > (size_t)n)
				return 0;
			return (buf[i + 5] & 4) != 0;
		}
	}
	return 0;
}


static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Read up to len bytes from the start of a regular file (a pipe is left
 * untouched for FFmpeg); returns bytes read, -1 if not a regular file. */
static ssize_t read_head(const char *path, unsigned char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd;
	/* never open a FIFO here: this reader's close would leave a writer
	 * that got in meanwhile without a reader (SIGPIPE), and FFmpeg's
	 * open after it waiting for one that never comes */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	do
		n = pread(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n > 0 ? n : 0;
}

/* The frames a RIFF/WAVE header declares: the data chunk's size over the
 * block size. FFmpeg clamps the data size to the file's, which would hide
 * a cut file; -1 when the header declares no size (as written to a pipe)
 * or cannot be walked. */
static int64_t wav_declared_frames(const unsigned char *b, size_t n)
{
	size_t pos = 12;
	unsigned block = 0;
	if (n < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0)
		return -1;
	while (pos + 8 <= n) {
		uint32_t size = le32(b + pos + 4);
		if (memcmp(b + pos, "fmt ", 4) == 0 && pos + 8 + 14 <= n)
			block = (unsigned)(b[pos + 8 + 12] | b[pos + 8 + 13] << 8);
		if (memcmp(b + pos, "data", 4) == 0) {
			/* Writers that cannot seek put a placeholder here:
			 * 0 or 0xFFFFFFFF (ffmpeg), about 0x7FFFF000 (sox),
			 * 0x7FFFFFFF (arecord). Sizes from 2 GiB - 64 KiB
			 * up are taken as "unknown": a real WAV that large
			 * loses its truncation check, a piped one is not
			 * called truncated. */
			if (!block || size == 0 || size >= 0x7FFF0000u)
				return -1;
			return (int64_t)(size / block);
		}
		pos += 8 + (size_t)size + (size & 1);
	}
	return -1;
}

/* 1 if an MP3 starts with a Xing/Info/VBRI header, i.e. declares its
 * length; without one FFmpeg guesses the length from the file size, which
 * shrinks with a cut file and so proves nothing. */
static int mp3_has_length_header(const unsigned char *b, size_t n)
{
	size_t start = 0;
	if (n >= 10 && memcmp(b, "ID3", 3) == 0)
		start = 10 + ((size_t)(b[6] & 0x7f) << 21 | (size_t)(b[7] & 0x7f) << 14 |
			      (size_t)(b[8] & 0x7f) << 7 | (size_t)(b[9] & 0x7f));
	if (start >= n)
		return 0;
	size_t end = start + 4096 < n ? start + 4096 : n;
	return memmem(b + start, end - start, "Xing", 4) || memmem(b + start, end - start, "Info", 4) ||
	       memmem(b + start, end - start, "VBRI", 4);
}

/* A container magic FFmpeg should have read: the file is damaged, not
 * foreign. */
static int known_magic(const unsigned char *b, size_t n)
{
	static const char *const m0[] = { "RIFF", "RF64", "FORM", "fLaC", "OggS", "wvpk", "ID3", "MAC ", "caff" };
	for (size_t i = 0; i < sizeof m0 / sizeof m0[0]; i++)
		if (n >= strlen(m0[i]) && memcmp(b, m0[i], strlen(m0[i])) == 0)
			return 1;
	if (n >= 8 && memcmp(b + 4, "ftyp", 4) == 0)
		return 1;
	if (n >= 4 && memcmp(b, "\x1a\x45\xdf\xa3", 4) == 0)
		return 1;
	return 0;
}

/* The head of a file FFmpeg could not open is text (grym_input_detect's
 * rule): say so, rather than quote FFmpeg's "invalid data". */
static int is_text_head(const unsigned char *b, size_t n)
{
	grym_input_kind kind = GRYM_INPUT_EMPTY;
	grym_input *in = grym_input_from_memory(b, n, "head", NULL);
	int text = in && grym_input_detect(in, &kind, NULL) == GRYM_OK && kind == GRYM_INPUT_TEXT;
	grym_input_free(in);
	return text;
}

/* FFmpeg's I/O asks this while it waits (a read of a FIFO that a
 * signal interrupted, which it would otherwise retry forever): 1 stops
 * it with AVERROR_EXIT. */
static int io_interrupt(void *ud)
{
	const grym_decoder *d = ud;
	return grym_cancelled(d->cancel);
}

/* Open the container and find the audio stream; fills d->info. */
static int open_input(grym_decoder *d, const char *path, grym_error *err)
{
	char msg[128];
	AVDictionary *o = NULL;
	unsigned char head[65536];
	ssize_t got;
	size_t nhead;
	int e;

	got = read_head(path, head, sizeof head);
	nhead = got > 0 ? (size_t)got : 0;
	grym__ffmpeg_quiet();   /* FFmpeg must not print (audio/ffmpeg_quiet.c) */
	d->fmt = avformat_alloc_context();
	if (!d->fmt)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	av_dict_set(&o, "format_whitelist", demuxer_whitelist, 0);
	av_dict_set(&o, "protocol_whitelist", "file", 0);
	d->fmt->interrupt_callback.callback = io_interrupt;
	d->fmt->interrupt_callback.opaque = d;
	e = avformat_open_input(&d->fmt, path, NULL, &o);
	av_dict_free(&o);
	if (e < 0) {
		/* avformat_open_input frees the context on failure. */
		d->fmt = NULL;
		if (grym_cancelled(d->cancel))
			return grym_error_cancelled(err);
		if (e == AVERROR(ENOENT) || e == AVERROR(EACCES) || e == AVERROR(EISDIR)) {
			av_err(e, msg, sizeof msg);
			return grym_error_set(err, GRYM_ERR_IO, "%s", msg);
		}
		if (got == 0)
			return grym_error_set(err, GRYM_ERR_FORMAT, "empty file");
		if (is_text_head(head, nhead))
			return grym_error_set(err, GRYM_ERR_FORMAT, "not audio (text file)");
		if (known_magic(head, nhead)) {
			av_err(e, msg, sizeof msg);
			return grym_error_set(err, GRYM_ERR_CORRUPT, "truncated or corrupt: "
					      "its header cannot be read (%s)", msg);
		}
		if (e == AVERROR_INVALIDDATA || e == AVERROR(EINVAL))
			return grym_error_set(err, GRYM_ERR_FORMAT, "not audio (no decodable format found)");
		av_err(e, msg, sizeof msg);
		return grym_error_set(err, GRYM_ERR_FORMAT, "not audio: %s", msg);
	}
	e = avformat_find_stream_info(d->fmt, NULL);
	if (e < 0 && grym_cancelled(d->cancel))
		return grym_error_cancelled(err);
	if (e < 0) {
		av_err(e, msg, sizeof msg);
		return grym_error_set(err, GRYM_ERR_FORMAT, "cannot read stream info: %s", msg);
	}
	d->stream = av_find_best_stream(d->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
	if (d->stream < 0)
		return grym_error_set(err, GRYM_ERR_FORMAT, "not audio (no audio stream)");

	AVStream *st = d->fmt->streams[d->stream];
	AVCodecParameters *par = st->codecpar;
	grym_audio_info *in = &d->info;
	format_name(d->fmt, in->format, sizeof in->format);
	snprintf(in->codec, sizeof in->codec, "%s", avcodec_get_name(par->codec_id));
	in->sample_rate = par->sample_rate;
	in->channels = par->ch_layout.nb_channels;
	if (in->sample_rate <= 0 || in->channels <= 0)
		return grym_error_set(err, GRYM_ERR_FORMAT, "audio stream without rate or channels");
	/* said before FFmpeg's decoder refuses it with a bare EINVAL */
	if (in->channels > GRYM_MAX_CHANNELS)
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED, "%d channels: more than grym "
				      "supports (%d)", in->channels, GRYM_MAX_CHANNELS);
	const AVCodecDescriptor *desc = avcodec_descriptor_get(par->codec_id);
	if (!desc || !(desc->props & AV_CODEC_PROP_LOSSLESS))
		in->bits = 0;
	else
		in->bits = par->bits_per_raw_sample > 0 ? par->bits_per_raw_sample
							: par->bits_per_coded_sample;
	in->bit_rate = par->bit_rate > 0 ? par->bit_rate
					 : (d->fmt->bit_rate > 0 ? d->fmt->bit_rate : 0);
	in->frames = -1;
	in->duration = -1;
	if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
		in->frames = av_rescale_q(st->duration, st->time_base,
					  (AVRational){ 1, in->sample_rate });
		d->declared_exact = 1;
	} else if (d->fmt->duration != AV_NOPTS_VALUE && d->fmt->duration > 0) {
		in->frames = av_rescale(d->fmt->duration, in->sample_rate, AV_TIME_BASE);
		d->declared_exact = 1;
	}
	/* A duration guessed from the bit rate and the file size (an MP3
	 * without a Xing/LAME header) shrinks with the file: it declares
	 * nothing a truncation could be checked against. */
	if (d->fmt->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE)
		d->declared_exact = 0;
	if (strcmp(in->format, "wav") == 0) {
		int64_t w = wav_declared_frames(head, nhead);
		if (w >= 0)
			in->frames = w;
		d->declared_exact = w >= 0;
	}
	if (par->codec_id == AV_CODEC_ID_MP3 && !mp3_has_length_header(head, nhead))
		d->declared_exact = 0;
	if (in->frames >= 0)
		in->duration = (double)in->frames / in->sample_rate;
	/* The length progress goes by: what the container says, except a
	 * WAV on a pipe whose data size is a writer's placeholder (sox puts
	 * about 2 GiB there): hours that are not coming. */
	d->length = in->frames;
	if (strcmp(in->format, "wav") == 0 && d->fmt->pb && !(d->fmt->pb->seekable & AVIO_SEEKABLE_NORMAL) &&
	    par->block_align > 0 && in->frames * par->block_align >= (int64_t)0x7FFF0000)
		d->length = -1;
	d->tolerance = codec_tolerance(par);
	d->path_tail_ogg = strcmp(in->format, "ogg") == 0;
	if (d->path_tail_ogg)
		d->declared_exact = 0;   /* the "duration" is the last granule found */

	in->tags = json_object();
	if (!in->tags)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (tags_add(in->tags, d->fmt->metadata) < 0 || tags_add(in->tags, st->metadata) < 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	/* The container's own bookkeeping is not a tag of the recording. */
	json_object_del(in->tags, "major_brand");
	json_object_del(in->tags, "minor_version");
	json_object_del(in->tags, "compatible_brands");
	json_object_del(in->tags, "handler_name");
	json_object_del(in->tags, "vendor_id");
	return GRYM_OK;
}

/* (Re)configure swr for what the decoder outputs now. */
static int setup_swr(grym_decoder *d, const AVFrame *f, grym_error *err)
{
	AVChannelLayout lay;
	int e;

	swr_free(&d->swr);
	if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || f->ch_layout.nb_channels == 0)
		av_channel_layout_default(&lay, f->ch_layout.nb_channels ? f->ch_layout.nb_channels
									  : d->info.channels);
	else if (av_channel_layout_copy(&lay, &f->ch_layout) < 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	/* Same layout in and out: swresample converts the sample format
	 * (and the rate) but never remixes. */
	e = swr_alloc_set_opts2(&d->swr, &lay, AV_SAMPLE_FMT_FLT, d->out_rate,
				&lay, (enum AVSampleFormat)f->format, f->sample_rate, 0, NULL);
	av_channel_layout_uninit(&lay);
	if (e < 0 || !d->swr)
		return grym_error_set(err, GRYM_ERR_NOMEM, "cannot set up the converter");
	if (f->sample_rate != d->out_rate) {
		av_opt_set(d->swr, "resampler", "soxr", 0);
		av_opt_set_int(d->swr, "precision", 28, 0);
	}
	if ((e = swr_init(d->swr)) < 0) {
		char msg[128];
		av_err(e, msg, sizeof msg);
		return grym_error_set(err, GRYM_ERR_UNSUPPORTED, "converter: %s", msg);
	}
	d->swr_flushed = 0;
	d->in_rate = f->sample_rate;
	d->in_channels = f->ch_layout.nb_channels;
	d->in_fmt = (enum AVSampleFormat)f->format;
	return GRYM_OK;
}

static int grow_fifo(grym_decoder *d, int64_t extra, grym_error *err)
{
	/* Move the unread part to the front first. */
	if (d->fifo_pos > 0) {
		int64_t n = d->fifo_len - d->fifo_pos;
		memmove(d->fifo, d->fifo + d->fifo_pos * d->out_channels,
			(size_t)(n * d->out_channels) * sizeof(float));
		d->fifo_len = n;
		d->fifo_pos = 0;
	}
	if (d->fifo_len + extra <= d->fifo_cap)
		return GRYM_OK;
	int64_t cap = d->fifo_cap ? d->fifo_cap : 4096;
	while (cap < d->fifo_len + extra)
		cap *= 2;
	float *p = realloc(d->fifo, (size_t)(cap * d->out_channels) * sizeof(float));
	if (!p)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	d->fifo = p;
	d->fifo_cap = cap;
	return GRYM_OK;
}

/* Append n converted frames (d->conv, in_channels wide) to the FIFO,
 * dropping the offset and stopping at the duration. */
static int push_frames(grym_decoder *d, int n, grym_error *err)
{
	const float *src = d->conv;
	int ch = d->in_channels;
	int e;

	if (d->skip > 0) {
		int64_t k = d->skip < n ? d->skip : n;
		d->skip -= k;
		src += k * ch;
		n -= (int)k;
	}
	if (d->left >= 0 && n > d->left)
		n = (int)d->left;
	if (n <= 0)
		return GRYM_OK;
	if ((e = grow_fifo(d, n, err)) < 0)
		return e;
	float *dst = d->fifo + d->fifo_len * d->out_channels;
	if (d->mix && ch > 1) {
		const float scale = 1.0f / (float)ch;
		for (int i = 0; i < n; i++) {
			float s = 0;
			for (int c = 0; c < ch; c++)
				s += src[c];
			dst[i] = s * scale;
			src += ch;
		}
	} else {
		memcpy(dst, src, (size_t)n * ch * sizeof(float));
	}
	d->fifo_len += n;
	if (d->left >= 0)
		d->left -= n;
	return GRYM_OK;
}

/* Run swr on a decoded frame (or NULL to drain) and queue the result;
 * the first d->skip_in frames of the source are dropped here. */
static int convert(grym_decoder *d, const AVFrame *f, grym_error *err)
{
	int in_n = f ? f->nb_samples : 0;
	const uint8_t *in[GRYM_MAX_CHANNELS];
	const uint8_t **inp = f ? (const uint8_t **)f->extended_data : NULL;
	if (f && d->skip_in > 0) {
		int k = d->skip_in < in_n ? (int)d->skip_in : in_n;
		int bps = av_get_bytes_per_sample((enum AVSampleFormat)f->format);
		int planar = av_sample_fmt_is_planar((enum AVSampleFormat)f->format);
		int nch = f->ch_layout.nb_channels;
		d->skip_in -= k;
		in_n -= k;
		if (in_n == 0)
			return GRYM_OK;
		for (int c = 0; c < (planar ? nch : 1); c++)
			in[c] = f->extended_data[c] + (size_t)k * bps * (planar ? 1 : nch);
		inp = in;
	}
	int need = swr_get_out_samples(d->swr, in_n);
	if (need < 0)
		return grym_error_set(err, GRYM_ERR_INTERNAL, "converter state");
	need += 16;
	if (need > d->conv_cap) {
		float *p = realloc(d->conv, (size_t)need * d->in_channels * sizeof(float));
		if (!p)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		d->conv = p;
		d->conv_cap = need;
	}
	uint8_t *out[1] = { (uint8_t *)d->conv };
	int n = swr_convert(d->swr, out, d->conv_cap, inp, in_n);
	if (n < 0) {
		char msg[128];
		av_err(n, msg, sizeof msg);
		return grym_error_set(err, GRYM_ERR_INTERNAL, "converter: %s", msg);
	}
	if (!f && n == 0)
		d->swr_flushed = 1;
	return push_frames(d, n, err);
}

static void note_error(grym_decoder *d, int e)
{
	if (d->errors++ == 0) {
		char msg[128];
		av_err(e, msg, sizeof msg);
		snprintf(d->first_error, sizeof d->first_error,
			 "decode error at %.3f s: %s",
			 (double)d->decoded / d->info.sample_rate, msg);
	}
}

/* The timestamp that the first frame of a decode from the start
 * carries: frame k of the stream is at origin + k. */
static int64_t stream_origin(const AVStream *st)
{
	return st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
}

/* The first frame after a seek (d->frame) says where the decode now is:
 * count the frames before it as decoded (the truncation check compares
 * the count with the declared length) and drop the output frames from
 * there to the offset. -1 when it cannot say, or says a place past the
 * offset: the caller decodes through instead. */
static int place_after_seek(grym_decoder *d)
{
	const AVStream *st = d->fmt->streams[d->stream];
	int64_t ts = d->frame->best_effort_timestamp;
	if (ts == AV_NOPTS_VALUE)
		return -1;
	int in_rate = d->info.sample_rate;
	int64_t pos = av_rescale_q(ts - stream_origin(st), st->time_base, (AVRational){ 1, in_rate });
	if (pos < 0)
		return -1;
	/* Resampling: start the resampler on a source frame that falls on
	 * an output frame (a multiple of in_rate / gcd), so that its output
	 * frames are at the times they are at in a decode from the start. */
	int64_t g = in_rate / av_gcd(in_rate, d->out_rate);
	int64_t start = (pos + g - 1) / g * g;
	int64_t out = av_rescale(start, d->out_rate, in_rate);
	if (out > d->skip0)
		return -1;
	d->skip_in = start - pos;
	d->decoded = pos;
	d->skip = d->skip0 - out;
	d->seek_pending = 0;
	d->seeked = 1;
	return 0;
}

/* Receive every frame the decoder has ready and convert it. */
static int drain_decoder(grym_decoder *d, grym_error *err)
{
	int e;
	for (;;) {
		e = avcodec_receive_frame(d->cc, d->frame);
		if (e == AVERROR(EAGAIN))
			return GRYM_OK;
		if (e == AVERROR_EOF) {
			d->decoder_eof = 1;
			return GRYM_OK;
		}
		if (e < 0) {
			note_error(d, e);
			return GRYM_OK;
		}
		if (d->frame->decode_error_flags)
			note_error(d, AVERROR_INVALIDDATA);
		if (d->frame->ch_layout.nb_channels != d->info.channels) {
			av_frame_unref(d->frame);
			return grym_error_set(err, GRYM_ERR_UNSUPPORTED,
					      "channel count changes within the stream");
		}
		if (d->seek_pending && place_after_seek(d) < 0) {
			av_frame_unref(d->frame);
			d->seek_lost = 1;
			return GRYM_OK;
		}
		if (!d->swr || d->frame->sample_rate != d->in_rate ||
		    d->frame->format != d->in_fmt) {
			if (d->swr && (e = convert(d, NULL, err)) < 0) {
				av_frame_unref(d->frame);
				return e;
			}
			if ((e = setup_swr(d, d->frame, err)) < 0) {
				av_frame_unref(d->frame);
				return e;
			}
		}
		d->decoded += d->frame->nb_samples;
		e = convert(d, d->frame, err);
		av_frame_unref(d->frame);
		if (e < 0)
			return e;
	}
}

/* Feed one more packet (or the end) to the decoder. */
static int step(grym_decoder *d, grym_error *err)
{
	int e;
	if (!d->demux_eof) {
		e = av_read_frame(d->fmt, d->pkt);
		if (e < 0 && grym_cancelled(d->cancel))
			return grym_error_cancelled(err);
		if (e == AVERROR_EOF) {
			d->demux_eof = 1;
			avcodec_send_packet(d->cc, NULL);
		} else if (e < 0) {
			/* A read error other than the end: treat as the end of
			 * what can be decoded, and as damage. */
			note_error(d, e);
			d->demux_eof = 1;
			avcodec_send_packet(d->cc, NULL);
		} else {
			if (d->pkt->stream_index == d->stream) {
				e = avcodec_send_packet(d->cc, d->pkt);
				if (e == AVERROR(EAGAIN)) {
					/* Should not happen: we drain after each send. */
					av_packet_unref(d->pkt);
					return grym_error_set(err, GRYM_ERR_INTERNAL, "decoder refused a packet");
				}
				if (e < 0)
					note_error(d, e);
			}
			av_packet_unref(d->pkt);
		}
	}
	if ((e = drain_decoder(d, err)) < 0)
		return e;
	if (d->demux_eof && d->decoder_eof && d->swr && !d->swr_flushed)
		while (!d->swr_flushed)
			if ((e = convert(d, NULL, err)) < 0)
				return e;
	return GRYM_OK;
}

/* Frames before the offset that a seek goes back for: lossy decoders
 * start cold after a seek (an MDCT's overlap, MP3's bit reservoir,
 * Opus's and Vorbis's pre-roll), so the frames a seek lands on differ from
 * a decode through; a second of them is dropped, enough for every codec
 * measured (tests/unit/test_audio_seek.c). Lossless codecs need none:
 * the seek lands on a frame at or before the offset. */
static int64_t seek_preroll(const grym_decoder *d)
{
	const AVCodecParameters *par = d->fmt->streams[d->stream]->codecpar;
	const AVCodecDescriptor *desc = avcodec_descriptor_get(par->codec_id);
	int in_rate = d->info.sample_rate;
	int64_t pre = 0;
	if (!desc || !(desc->props & AV_CODEC_PROP_LOSSLESS) || (desc->props & AV_CODEC_PROP_LOSSY))
		pre = in_rate + (par->seek_preroll > 0 ? par->seek_preroll : 0);
	/* the resampler starts cold too: its filter spans about 30 frames
	 * of the lower rate (measured at 44.1 -> 4 kHz); 1024 of them and a
	 * tenth of a second leave margin. And it starts on a frame up to
	 * in_rate / gcd after the one the seek lands on. */
	if (d->out_rate != in_rate) {
		int lower = d->out_rate < in_rate ? d->out_rate : in_rate;
		pre += in_rate / 10 + (int64_t)in_rate * 1024 / lower + in_rate / av_gcd(in_rate, d->out_rate);
	}
	return pre;
}

/* Containers whose seeks land where their timestamps say, to the sample
 * (measured: tests/unit/test_audio_seek.c and by hand on FFmpeg 5.1).
 * Not Matroska/WebM (millisecond timestamps: a seeked FLAC came out a
 * few frames off, and short) nor raw AC-3 and the like (positions guessed
 * from the byte offset): those decode through. */
static int seeks_exactly(const grym_decoder *d)
{
	static const char *const ok[] = { "wav", "w64", "aiff", "caf", "flac", "wv",
					  "mp3", "ogg", "m4a", "mp4", "mov" };
	const AVStream *st = d->fmt->streams[d->stream];
	/* and a time base that names every sample */
	if ((int64_t)st->time_base.num * d->info.sample_rate > st->time_base.den)
		return 0;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(d->info.format, ok[i]) == 0)
			return 1;
	return 0;
}

/* Seek the demuxer to a little before the offset (opts.seek): 1 done
 * (the first frame decoded places the rest, place_after_seek), 0 not
 * worth it or not possible on this input (a pipe), -1 the seek failed
 * and left the demuxer where it cannot be trusted. */
static int seek_to_offset(grym_decoder *d)
{
	const AVStream *st = d->fmt->streams[d->stream];
	int64_t pre = seek_preroll(d);
	int64_t target, margin;

	if (!d->fmt->pb || !(d->fmt->pb->seekable & AVIO_SEEKABLE_NORMAL) || d->skip0 <= 0 ||
	    !seeks_exactly(d))
		return 0;
	target = av_rescale(d->skip0, d->info.sample_rate, d->out_rate) - pre;
	/* an offset at or past the declared end: seek to a little before the
	 * end, so that the frames left there still prove the length */
	margin = pre > 4096 ? pre : 4096;
	if (d->declared_exact && d->info.frames > 0 && target > d->info.frames - margin)
		target = d->info.frames - margin;
	if (target <= 0)
		return 0;
	int64_t ts = av_rescale_q(target, (AVRational){ 1, d->info.sample_rate }, st->time_base) +
		     stream_origin(st);
	if (av_seek_frame(d->fmt, d->stream, ts, AVSEEK_FLAG_BACKWARD) < 0)
		return -1;
	avcodec_flush_buffers(d->cc);
	d->seek_pending = 1;
	return 1;
}

static grym_decoder *open_decoder(const char *path, const grym_decode_opts *opts, int seek,
				  grym_error *err);

grym_decoder *grym_decoder_open(const char *path, const grym_decode_opts *opts,
				grym_error *err)
{
	static const grym_decode_opts none;
	grym_decoder *d;

	if (!opts)
		opts = &none;
	if (!opts->seek)
		return open_decoder(path, opts, 0, err);
	d = open_decoder(path, opts, 1, err);
	if (d && d->seek_lost) {
		/* the seek failed or landed where its frames cannot be
		 * placed: decode through, as without opts.seek */
		grym_decoder_close(d);
		d = open_decoder(path, opts, 0, err);
	}
	return d;
}

/* Open, and with seek, seek to the offset and decode the first frame
 * there; d->seek_lost says the caller should open again without. */
static grym_decoder *open_decoder(const char *path, const grym_decode_opts *opts, int seek,
				  grym_error *err)
{
	grym_decoder *d = calloc(1, sizeof *d);
	const AVCodec *codec;
	int e;

	if (!d) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	d->cancel = opts->cancel;
	if (opts->rate < 0 || opts->rate > 1000000 || opts->channels < 0 || opts->channels > 1 ||
	    !(opts->offset >= 0) || isnan(opts->duration)) {
		grym_error_set(err, GRYM_ERR_INVALID, "invalid decoding options");
		goto fail;
	}
	if (open_input(d, path, err) < 0)
		goto fail;
	AVStream *st = d->fmt->streams[d->stream];
	codec = avcodec_find_decoder(st->codecpar->codec_id);
	if (!codec) {
		grym_error_set(err, GRYM_ERR_UNSUPPORTED, "no decoder for codec %s", d->info.codec);
		goto fail;
	}
	d->cc = avcodec_alloc_context3(codec);
	d->pkt = av_packet_alloc();
	d->frame = av_frame_alloc();
	if (!d->cc || !d->pkt || !d->frame) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (avcodec_parameters_to_context(d->cc, st->codecpar) < 0) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	d->cc->pkt_timebase = st->time_base;
	d->cc->thread_count = 1;          /* parallelism is grym's, per file */
	d->cc->err_recognition |= AV_EF_CRCCHECK;
	if ((e = avcodec_open2(d->cc, codec, NULL)) < 0) {
		char msg[128];
		av_err(e, msg, sizeof msg);
		grym_error_set(err, GRYM_ERR_UNSUPPORTED, "cannot open decoder %s: %s",
			       d->info.codec, msg);
		goto fail;
	}
	/* Only the chosen stream is read. */
	for (unsigned i = 0; i < d->fmt->nb_streams; i++)
		if ((int)i != d->stream)
			d->fmt->streams[i]->discard = AVDISCARD_ALL;

	d->out_rate = opts->rate > 0 ? opts->rate : d->info.sample_rate;
	d->mix = opts->channels == 1 && d->info.channels > 1;
	d->out_channels = opts->channels == 1 ? 1 : d->info.channels;
	d->skip = (int64_t)llround(opts->offset * d->out_rate);
	d->left = opts->duration > 0 ? (int64_t)llround(opts->duration * d->out_rate) : -1;
	d->skip0 = d->skip;
	d->want = d->left;
	d->in_fmt = AV_SAMPLE_FMT_NONE;
	d->accept = opts->accept_truncated;
	if (d->path_tail_ogg && !(d->path = strdup(path))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (seek) {
		e = seek_to_offset(d);
		if (e < 0)
			d->seek_lost = 1;
		/* decode up to the first frame after the seek, to place it */
		while (e > 0 && d->seek_pending && !d->seek_lost &&
		       !(d->demux_eof && d->decoder_eof)) {
			if (grym_cancelled(d->cancel)) {
				grym_error_cancelled(err);
				goto fail;
			}
			if (step(d, err) < 0)
				goto fail;
		}
		if (d->seek_pending)
			d->seek_lost = 1;   /* the end came first */
	}
	return d;
fail:
	grym_decoder_close(d);
	return NULL;
}

const grym_audio_info *grym_decoder_info(const grym_decoder *d)
{
	return &d->info;
}

int grym_decoder_rate(const grym_decoder *d)
{
	return d->out_rate;
}

int grym_decoder_channels(const grym_decoder *d)
{
	return d->out_channels;
}

double grym_decoder_progress(const grym_decoder *d, double *seconds)
{
	int64_t total = -1;

	if (seconds)
		*seconds = d->out_rate > 0 ? (double)d->given / d->out_rate : 0;
	if (d->done)
		return 1.0;
	if (d->length > 0) {
		/* the declared (or estimated) length, in output frames, less
		 * the offset, at most the duration asked for */
		total = av_rescale(d->length, d->out_rate, d->info.sample_rate) - d->skip0;
		if (d->want >= 0 && d->want < total)
			total = d->want;
	} else if (d->want >= 0 && d->fmt && d->fmt->pb && avio_size(d->fmt->pb) <= 0) {
		total = d->want;
	}
	if (total > 0) {
		double f = (double)d->given / (double)total;
		return f < 1 ? f : 1;
	}
	if (d->fmt && d->fmt->pb) {
		/* no length declared: how much of the file has been read */
		int64_t size = avio_size(d->fmt->pb), pos = avio_tell(d->fmt->pb);
		if (size > 0 && pos >= 0)
			return pos < size ? (double)pos / (double)size : 1;
	}
	return -1;
}

int grym_decoder_seeked(const grym_decoder *d)
{
	return d->seeked;
}

int grym_decoder_was_truncated(const grym_decoder *d)
{
	return d->truncated;
}

/* The end was reached: judge decode errors and truncation, once; the
 * verdict is kept so that every later read repeats it. */
static int finish_check(grym_decoder *d, grym_error *err)
{
	if (!d->checked) {
		d->checked = 1;
		d->verdict = GRYM_OK;
		if (d->declared_exact && d->info.frames > 0 &&
			   d->decoded < d->info.frames - d->tolerance) {
			snprintf(d->verdict_msg, sizeof d->verdict_msg,
				 "truncated: decoded %lld of %lld frames",
				 (long long)d->decoded, (long long)d->info.frames);
			d->verdict = GRYM_ERR_CORRUPT;
		} else if (d->path_tail_ogg && !ogg_has_eos(d->path)) {
			snprintf(d->verdict_msg, sizeof d->verdict_msg,
				 "truncated: Ogg stream ends without its last page "
				 "(decoded %lld frames)", (long long)d->decoded);
			d->verdict = GRYM_ERR_CORRUPT;
		} else if (d->errors > 0) {
			snprintf(d->verdict_msg, sizeof d->verdict_msg, "corrupt: %s%s",
				 d->first_error, d->errors > 1 ? " (and more)" : "");
			d->verdict = GRYM_ERR_CORRUPT;
		}
		if (d->verdict < 0 && d->accept) {
			d->truncated = 1;
			d->verdict = GRYM_OK;
		}
	}
	if (d->verdict < 0)
		return grym_error_set(err, d->verdict, "%s", d->verdict_msg);
	return 0;
}

int64_t grym_decoder_read(grym_decoder *d, float *buf, int64_t max_frames,
			  grym_error *err)
{
	int e;
	if (max_frames <= 0)
		return 0;
	if (grym_cancelled(d->cancel))
		return grym_error_cancelled(err);
	while (d->fifo_len - d->fifo_pos < max_frames && !d->done) {
		if (d->left == 0)
			break;   /* the asked duration is complete */
		if (d->demux_eof && d->decoder_eof && (d->swr_flushed || !d->swr)) {
			d->done = 1;
			break;
		}
		/* a long --offset is decoded through in this loop */
		if (grym_cancelled(d->cancel))
			return grym_error_cancelled(err);
		if ((e = step(d, err)) < 0)
			return e;
	}
	int64_t n = d->fifo_len - d->fifo_pos;
	if (n > max_frames)
		n = max_frames;
	if (n > 0) {
		memcpy(buf, d->fifo + d->fifo_pos * d->out_channels,
		       (size_t)(n * d->out_channels) * sizeof(float));
		d->fifo_pos += n;
		if (d->fifo_pos == d->fifo_len)
			d->fifo_pos = d->fifo_len = 0;
		d->given += n;
		return n;
	}
	if (d->done)
		return finish_check(d, err);
	return 0;
}

void grym_decoder_close(grym_decoder *d)
{
	if (!d)
		return;
	swr_free(&d->swr);
	avcodec_free_context(&d->cc);
	av_packet_free(&d->pkt);
	av_frame_free(&d->frame);
	avformat_close_input(&d->fmt);
	grym_audio_info_clear(&d->info);
	free(d->conv);
	free(d->fifo);
	free(d->path);
	free(d);
}

int grym_audio_probe(const char *path, grym_audio_info *info, grym_error *err)
{
	grym_decoder d;
	int e;

	memset(info, 0, sizeof *info);
	memset(&d, 0, sizeof d);
	e = open_input(&d, path, err);
	if (e == GRYM_OK) {
		*info = d.info;           /* tags move to the caller */
		d.info.tags = NULL;
	}
	avformat_close_input(&d.fmt);
	grym_audio_info_clear(&d.info);
	return e;
}

void grym_audio_clear(grym_audio *a)
{
	if (!a)
		return;
	free(a->data);
	memset(a, 0, sizeof *a);
}

int grym_audio_decode_file(const char *path, const grym_decode_opts *opts,
			   grym_audio *out, grym_audio_info *info, grym_error *err)
{
	grym_decoder *d;
	int64_t cap = 0, n;
	int ch;

	memset(out, 0, sizeof *out);
	if (info)
		memset(info, 0, sizeof *info);
	if (!(d = grym_decoder_open(path, opts, err)))
		return err ? err->code : GRYM_ERR_FORMAT;
	ch = d->out_channels;
	/* Start from the declared length (plus a little for resampling and
	 * codec slack) so that one allocation usually suffices. */
	if (d->info.frames > 0)
		cap = av_rescale(d->info.frames, d->out_rate, d->info.sample_rate) + 8192;
	if (cap < 65536)
		cap = 65536;
	/* A damaged header may declare hours: trust it only so far, then
	 * grow by doubling as the frames really arrive. */
	if (cap > ((int64_t)1 << 24))
		cap = (int64_t)1 << 24;
	for (;;) {
		if (!out->data || out->frames == cap) {
			if (out->data)
				cap *= 2;
			float *p = realloc(out->data, (size_t)(cap * ch) * sizeof(float));
			if (!p) {
				grym_decoder_close(d);
				grym_audio_clear(out);
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			}
			out->data = p;
		}
		n = grym_decoder_read(d, out->data + out->frames * ch, cap - out->frames, err);
		if (n < 0) {
			grym_decoder_close(d);
			grym_audio_clear(out);
			return (int)n;
		}
		if (n == 0)
			break;
		out->frames += n;
	}
	out->channels = ch;
	out->rate = d->out_rate;
	if (info) {
		*info = d->info;
		d->info.tags = NULL;
	}
	grym_decoder_close(d);
	return GRYM_OK;
}
