/*
 * encode_lavc.c — the lossy types libsndfile cannot write (MP3, Ogg Opus,
 * AAC in M4A), through FFmpeg's encoders and muxers (see encode_lavc.h).
 *
 * Each type is the encoder and muxer ffmpeg picks for the extension:
 * libmp3lame into "mp3", libopus into "opus" (Ogg), aac into "ipod"
 * (.m4a), at ffmpeg's default bit rates. Samples go through libswresample
 * to the encoder's sample format and, when the encoder cannot take the
 * rate (Opus knows only 8, 12, 16, 24 and 48 kHz; MP3 stops at 48 kHz), to
 * the nearest rate above it it can take (the highest otherwise), as
 * ffmpeg does; grym_encoder_rate says which. Both the encoder and the
 * muxer run bit-exact (no "Lavf" version tag, a fixed Ogg serial), so the
 * same audio always gives the same bytes.
 *
 * A seekable output is written through its fd (the muxer goes back to
 * fill in sizes and the MP3 Xing header); a pipe gets an append-only
 * stream, and M4A there is fragmented (empty moov, one fragment per
 * packet group), as ffmpeg needs to write MP4 to a pipe.
 */
#include "encode_lavc.h"
#include "audio/ffmpeg_quiet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#define IOBUF 65536

struct grym_lavc_enc {
	grym_output *out;
	int fd;                   /* seekable output: written directly */
	AVFormatContext *fc;
	AVCodecContext *cc;
	AVStream *st;
	SwrContext *swr;
	AVAudioFifo *fifo;
	AVFrame *frame;
	AVPacket *pkt;
	int in_rate, channels;
	int64_t pts;              /* samples sent to the encoder */
	uint8_t **conv;           /* swr output, conv_cap samples a channel */
	int conv_cap;
	grym_error io_err;        /* first error seen by the I/O callbacks */
	int header_written;
};

static const struct {
	grym_file_type type;
	const char *encoder, *muxer, *name;
} kinds[] = {
	{ GRYM_FILE_MP3, "libmp3lame", "mp3", "mp3" },
	{ GRYM_FILE_OPUS, "libopus", "opus", "opus" },
	{ GRYM_FILE_M4A, "aac", "ipod", "m4a" },
};

static int lav_err(grym_error *err, int code, const char *what, int e)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];
	av_strerror(e, buf, sizeof buf);
	return grym_error_set(err, code, "%s: %s", what, buf);
}

static int io_write(void *ud, uint8_t *buf, int len)
{
	grym_lavc_enc *l = ud;
	int done = 0;

	if (l->fd < 0) {
		if (grym_output_write(l->out, buf, (size_t)len, &l->io_err) < 0)
			return AVERROR(EIO);
		return len;
	}
	while (done < len) {
		ssize_t n = write(l->fd, buf + done, (size_t)(len - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (l->io_err.code == 0)
				grym_error_set(&l->io_err, GRYM_ERR_IO, "%s: %s",
					       grym_output_name(l->out), strerror(errno));
			return AVERROR(EIO);
		}
		done += (int)n;
	}
	return len;
}

static int64_t io_seek(void *ud, int64_t off, int whence)
{
	grym_lavc_enc *l = ud;
	struct stat sb;

	if (whence & AVSEEK_SIZE)
		return fstat(l->fd, &sb) == 0 ? (int64_t)sb.st_size : AVERROR(errno);
	whence &= ~AVSEEK_FORCE;
	return lseek(l->fd, off, whence);
}

/* The rate the encoder takes: rate itself, else the nearest listed above
 * it, else the highest listed. */
static int pick_rate(const AVCodec *c, int rate)
{
	const int *r = c->supported_samplerates;
	int above = 0, best = 0;

	if (!r)
		return rate;
	for (; *r; r++) {
		if (*r == rate)
			return rate;
		if (*r > rate && (!above || *r < above))
			above = *r;
		if (*r > best)
			best = *r;
	}
	return above ? above : best;
}

static enum AVSampleFormat pick_format(const AVCodec *c)
{
	const enum AVSampleFormat *f = c->sample_fmts;

	if (!f)
		return AV_SAMPLE_FMT_FLTP;
	for (const enum AVSampleFormat *p = f; *p != AV_SAMPLE_FMT_NONE; p++)
		if (*p == AV_SAMPLE_FMT_FLTP || *p == AV_SAMPLE_FMT_FLT)
			return *p;
	return f[0];
}

/* 1 if the encoder lists no layouts or lists one of `channels`. */
static int takes_channels(const AVCodec *c, int channels, int *most)
{
	const AVChannelLayout *l = c->ch_layouts;

	*most = 0;
	if (!l)
		return 1;
	for (; l->nb_channels; l++) {
		if (l->nb_channels == channels)
			return 1;
		if (l->nb_channels > *most)
			*most = l->nb_channels;
	}
	return 0;
}

void grym_lavc_enc_free(grym_lavc_enc *l)
{
	if (!l)
		return;
	if (l->fc) {
		if (l->fc->pb) {
			av_freep(&l->fc->pb->buffer);
			avio_context_free(&l->fc->pb);
		}
		avformat_free_context(l->fc);
	}
	avcodec_free_context(&l->cc);
	swr_free(&l->swr);
	if (l->fifo)
		av_audio_fifo_free(l->fifo);
	av_frame_free(&l->frame);
	av_packet_free(&l->pkt);
	if (l->conv)
		av_freep(&l->conv[0]);
	av_freep(&l->conv);
	free(l);
}

grym_lavc_enc *grym_lavc_enc_open(grym_output *out, grym_file_type type, int rate,
				  int channels, grym_error *err)
{
	grym_lavc_enc *l;
	const AVCodec *codec;
	AVChannelLayout lay = { 0 };
	AVDictionary *opts = NULL;
	unsigned char *iobuf;
	int k, e, most;

	grym__ffmpeg_quiet();   /* FFmpeg says "No bit rate set", "Qavg": not on our stderr */
	for (k = 0; k < (int)(sizeof kinds / sizeof *kinds) && kinds[k].type != type; k++)
		;
	if (k == (int)(sizeof kinds / sizeof *kinds)) {
		grym_error_set(err, GRYM_ERR_INVALID, "no FFmpeg encoder for this type");
		return NULL;
	}
	if (!(codec = avcodec_find_encoder_by_name(kinds[k].encoder))) {
		grym_error_set(err, GRYM_ERR_UNSUPPORTED, "cannot write %s: FFmpeg has no %s encoder",
			       grym_output_name(out), kinds[k].encoder);
		return NULL;
	}
	if (!takes_channels(codec, channels, &most)) {
		grym_error_set(err, GRYM_ERR_UNSUPPORTED,
			       "cannot write %s: %s holds at most %d channels, not %d",
			       grym_output_name(out), kinds[k].name, most, channels);
		return NULL;
	}
	if (!(l = calloc(1, sizeof *l))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	l->out = out;
	l->fd = -1;
	l->in_rate = rate;
	l->channels = channels;
	if ((e = avformat_alloc_output_context2(&l->fc, NULL, kinds[k].muxer, NULL)) < 0) {
		lav_err(err, GRYM_ERR_UNSUPPORTED, kinds[k].muxer, e);
		goto fail;
	}
	l->fc->flags |= AVFMT_FLAG_BITEXACT;
	if (!(l->cc = avcodec_alloc_context3(codec)) || !(l->frame = av_frame_alloc()) ||
	    !(l->pkt = av_packet_alloc())) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	l->cc->sample_fmt = pick_format(codec);
	l->cc->sample_rate = pick_rate(codec, rate);
	l->cc->time_base = (AVRational){ 1, l->cc->sample_rate };
	av_channel_layout_default(&l->cc->ch_layout, channels);
	l->cc->flags |= AV_CODEC_FLAG_BITEXACT;
	if (l->fc->oformat->flags & AVFMT_GLOBALHEADER)
		l->cc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	if ((e = avcodec_open2(l->cc, codec, NULL)) < 0) {
		lav_err(err, GRYM_ERR_UNSUPPORTED, kinds[k].encoder, e);
		goto fail;
	}
	if (!(l->st = avformat_new_stream(l->fc, NULL)) ||
	    avcodec_parameters_from_context(l->st->codecpar, l->cc) < 0) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	l->st->time_base = l->cc->time_base;

	av_channel_layout_default(&lay, channels);
	e = swr_alloc_set_opts2(&l->swr, &l->cc->ch_layout, l->cc->sample_fmt, l->cc->sample_rate,
				&lay, AV_SAMPLE_FMT_FLT, rate, 0, NULL);
	av_channel_layout_uninit(&lay);
	if (e < 0 || (e = swr_init(l->swr)) < 0) {
		lav_err(err, GRYM_ERR_UNSUPPORTED, "resampler", e);
		goto fail;
	}
	if (!(l->fifo = av_audio_fifo_alloc(l->cc->sample_fmt, channels,
					    l->cc->frame_size > 0 ? l->cc->frame_size * 2 : 4096))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}

	if (grym_output_seekable(out)) {
		if (grym_output_flush(out, err) < 0)
			goto fail;
		l->fd = grym_output_fd(out);
	}
	if (!(iobuf = av_malloc(IOBUF))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	l->fc->pb = avio_alloc_context(iobuf, IOBUF, 1, l, NULL, io_write,
				       l->fd >= 0 ? io_seek : NULL);
	if (!l->fc->pb) {
		av_free(iobuf);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if (l->fd < 0)
		l->fc->pb->seekable = 0;
	if (type == GRYM_FILE_M4A && l->fd < 0)
		av_dict_set(&opts, "movflags", "frag_keyframe+empty_moov", 0);
	e = avformat_write_header(l->fc, &opts);
	av_dict_free(&opts);
	if (e < 0) {
		if (l->io_err.code < 0)
			grym_error_set(err, l->io_err.code, "%s", l->io_err.msg);
		else
			lav_err(err, GRYM_ERR_IO, grym_output_name(out), e);
		goto fail;
	}
	l->header_written = 1;
	return l;
fail:
	grym_lavc_enc_free(l);
	return NULL;
}

int grym_lavc_enc_rate(const grym_lavc_enc *l)
{
	return l->cc->sample_rate;
}

static int io_fail(grym_lavc_enc *l, const char *what, int e, grym_error *err)
{
	if (l->io_err.code < 0)
		return grym_error_set(err, l->io_err.code, "%s", l->io_err.msg);
	return lav_err(err, GRYM_ERR_IO, what, e);
}

/* Send one frame (NULL: flush) and write every packet that comes back. */
static int encode(grym_lavc_enc *l, AVFrame *f, grym_error *err)
{
	int e = avcodec_send_frame(l->cc, f);

	if (e < 0)
		return io_fail(l, "encoder", e, err);
	for (;;) {
		e = avcodec_receive_packet(l->cc, l->pkt);
		if (e == AVERROR(EAGAIN) || e == AVERROR_EOF)
			return GRYM_OK;
		if (e < 0)
			return io_fail(l, "encoder", e, err);
		av_packet_rescale_ts(l->pkt, l->cc->time_base, l->st->time_base);
		l->pkt->stream_index = l->st->index;
		e = av_write_frame(l->fc, l->pkt);
		av_packet_unref(l->pkt);
		if (e < 0)
			return io_fail(l, grym_output_name(l->out), e, err);
	}
}

/* Encode whole frames from the FIFO; at the end (last) also the rest. */
static int drain(grym_lavc_enc *l, int last, grym_error *err)
{
	int fs = l->cc->frame_size > 0 ? l->cc->frame_size : 1024;
	int small = l->cc->codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME;

	while (av_audio_fifo_size(l->fifo) >= fs || (last && av_audio_fifo_size(l->fifo) > 0)) {
		int n = av_audio_fifo_size(l->fifo) < fs ? av_audio_fifo_size(l->fifo) : fs;
		int rc;

		av_frame_unref(l->frame);
		l->frame->nb_samples = n < fs && !small && l->cc->frame_size > 0 ? fs : n;
		l->frame->format = l->cc->sample_fmt;
		l->frame->sample_rate = l->cc->sample_rate;
		if (av_channel_layout_copy(&l->frame->ch_layout, &l->cc->ch_layout) < 0 ||
		    av_frame_get_buffer(l->frame, 0) < 0)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		if (l->frame->nb_samples > n)   /* a short last frame, padded */
			av_samples_set_silence(l->frame->extended_data, 0, l->frame->nb_samples,
					       l->channels, l->cc->sample_fmt);
		if (av_audio_fifo_read(l->fifo, (void **)l->frame->extended_data, n) != n)
			return grym_error_set(err, GRYM_ERR_IO, "encoder buffer");
		l->frame->pts = l->pts;
		l->pts += l->frame->nb_samples;
		if ((rc = encode(l, l->frame, err)) != GRYM_OK)
			return rc;
	}
	return GRYM_OK;
}

/* Convert (x NULL: flush the resampler) into the FIFO. */
static int convert(grym_lavc_enc *l, const float *x, int n, grym_error *err)
{
	int need = swr_get_out_samples(l->swr, n), got;
	const uint8_t *in[1] = { (const uint8_t *)x };

	if (need > l->conv_cap) {
		if (l->conv)
			av_freep(&l->conv[0]);
		av_freep(&l->conv);
		l->conv_cap = 0;
		if (av_samples_alloc_array_and_samples(&l->conv, NULL, l->channels, need,
						       l->cc->sample_fmt, 0) < 0)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		l->conv_cap = need;
	}
	got = swr_convert(l->swr, l->conv, l->conv_cap, x ? in : NULL, x ? n : 0);
	if (got < 0)
		return lav_err(err, GRYM_ERR_IO, "resampler", got);
	if (got > 0 && av_audio_fifo_write(l->fifo, (void **)l->conv, got) != got)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return GRYM_OK;
}

int grym_lavc_enc_write(grym_lavc_enc *l, const float *x, int64_t nframes, grym_error *err)
{
	while (nframes > 0) {
		int n = nframes > 4096 ? 4096 : (int)nframes;
		int rc = convert(l, x, n, err);
		if (rc == GRYM_OK)
			rc = drain(l, 0, err);
		if (rc != GRYM_OK)
			return rc;
		x += (size_t)n * l->channels;
		nframes -= n;
	}
	return GRYM_OK;
}

int grym_lavc_enc_finish(grym_lavc_enc *l, grym_error *err)
{
	int rc, e;

	if ((rc = convert(l, NULL, 0, err)) != GRYM_OK || (rc = drain(l, 1, err)) != GRYM_OK ||
	    (rc = encode(l, NULL, err)) != GRYM_OK)
		return rc;
	if ((e = av_write_trailer(l->fc)) < 0)
		return io_fail(l, grym_output_name(l->out), e, err);
	avio_flush(l->fc->pb);
	if (l->io_err.code < 0)
		return grym_error_set(err, l->io_err.code, "%s", l->io_err.msg);
	return GRYM_OK;
}
