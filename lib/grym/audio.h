/*
 * audio.h — decoding any audio (FFmpeg) and writing audio (libsndfile, or
 * grym's own WAV writer on pipes).
 *
 * Samples in memory are float32, interleaved (frame-major: L R L R ...),
 * nominally in [-1, 1]. Decoding streams in blocks: grym_decoder_read
 * hands out as many frames as asked, so a 3-hour file never sits decoded
 * in memory unless the caller collects it.
 *
 * Truncation: FFmpeg decodes a truncated WAV/MP3 without an error, so the
 * decoder compares the frames it produced with the container's declared
 * duration and, at the end, fails with GRYM_ERR_CORRUPT ("truncated:
 * decoded N of M frames") unless accept_truncated is set.
 *
 * Thread-safety: decoders and encoders are independent objects; several
 * may run in parallel threads.
 */
#ifndef GRYM_AUDIO_H
#define GRYM_AUDIO_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stdint.h>
#include "grym/error.h"
#include "grym/json.h"
#include "grym/io.h"

#ifdef __cplusplus
extern "C" {
#endif


/* The most channels grym decodes, processes and writes: every stage
 * (resampler, limiter, normalizer, encoder) is sized by it. */
#define GRYM_MAX_CHANNELS 64

/* What a file holds, as probed or decoded. */
typedef struct grym_audio_info {
	char format[32];        /* container short name: "wav", "flac", "mp3", "ogg"... */
	char codec[32];         /* "pcm_s16le", "flac", "mp3", "vorbis", "opus", "aac"... */
	int sample_rate;        /* of the source */
	int channels;           /* of the source */
	int bits;               /* bits per raw sample, 0 if not meaningful (lossy) */
	int64_t frames;         /* declared frames per channel, -1 if unknown */
	double duration;        /* declared seconds, -1 if unknown */
	int64_t bit_rate;       /* bits per second, 0 if unknown */
	grym_json *tags;           /* object: lowercase tag name -> string; owned */
} grym_audio_info;
/* Release the tags info owns and zero it (the struct itself is the
 * caller's); NULL is fine. */
void grym_audio_info_clear(grym_audio_info *info);

/* Decoding options; zero-initialised means "as the file is". */
typedef struct grym_decode_opts {
	int rate;               /* resample to this rate (soxr), 0: keep */
	int channels;           /* 1: mix to mono (channel mean), 0: keep */
	double offset;          /* seconds to skip at the start */
	double duration;        /* seconds to keep, <= 0: all */
	int accept_truncated;   /* keep what decodes of a truncated file */
	const volatile sig_atomic_t *cancel; /* non-NULL: once *cancel is set, reads
				   fail with GRYM_ERR_CANCELLED, also one blocked
				   on a FIFO (grym/progress.h) */
	int seek;               /* 1: reach offset by seeking when the input
				   allows it (a regular file), else by decoding
				   through as with 0. The first frame read is
				   still the one at offset: the same samples for
				   PCM and FLAC, for lossy codecs and resampling
				   within their tolerance (decode.c). 0 reads
				   every byte up to offset, as the integrity
				   checks of ingest need. */
} grym_decode_opts;

typedef struct grym_decoder grym_decoder;

/* Open a file by path (FFmpeg probes the format from the bytes); path and
 * opts are copied. The caller owns the decoder and ends it with
 * grym_decoder_close. NULL on failure with err filled, naming the problem
 * (not audio, an unsupported codec: GRYM_ERR_FORMAT, GRYM_ERR_UNSUPPORTED;
 * GRYM_ERR_IO, GRYM_ERR_NOMEM). */
grym_decoder *grym_decoder_open(const char *path, const grym_decode_opts *opts,
				grym_error *err) GRYM_MUST_CHECK;
/* Source properties (rate and channels of the source, not of the output). */
const grym_audio_info *grym_decoder_info(const grym_decoder *d);
/* Rate and channels of what grym_decoder_read returns. */
int grym_decoder_rate(const grym_decoder *d);
int grym_decoder_channels(const grym_decoder *d);
/* Read up to max_frames frames (interleaved float32) into buf; returns
 * frames read, 0 at the end, or a negative status (GRYM_ERR_CORRUPT for
 * decode errors and, at the end, truncation). */
int64_t grym_decoder_read(grym_decoder *d, float *buf, int64_t max_frames,
			  grym_error *err) GRYM_MUST_CHECK;
/* How far the reads are: the fraction (0..1) of the frames to come that
 * grym_decoder_read has handed out, from the length the container
 * declares (or estimates), else from the bytes read of the file's size;
 * -1 when neither is known (a pipe). *seconds (may be NULL) gets the
 * position in seconds of output. For progress reports only: the
 * declaration of a damaged file may be wrong. */
double grym_decoder_progress(const grym_decoder *d, double *seconds);
/* 1 when opts.seek reached the offset by a seek, 0 when the decoder
 * decodes (or decoded) through to it: no seek asked, a pipe, an offset
 * too small to be worth one, a seek the demuxer refused or whose first
 * frame could not be placed. For tests and reports. */
int grym_decoder_seeked(const grym_decoder *d);
/* Set when the decode ended short and accept_truncated let it pass. */
int grym_decoder_was_truncated(const grym_decoder *d);
void grym_decoder_close(grym_decoder *d);

/* Probe without decoding the samples (like ffprobe/soxi). */
int grym_audio_probe(const char *path, grym_audio_info *info, grym_error *err) GRYM_MUST_CHECK;

/* A whole signal in memory. */
typedef struct grym_audio {
	float *data;            /* frames * channels, interleaved, owned */
	int64_t frames;
	int channels;
	int rate;
} grym_audio;
/* Free a->data and zero a (the struct itself is the caller's). */
void grym_audio_clear(grym_audio *a);
/* Decode a whole file (info may be NULL). */
int grym_audio_decode_file(const char *path, const grym_decode_opts *opts,
			   grym_audio *out, grym_audio_info *info, grym_error *err)
	GRYM_MUST_CHECK;

/* ---- writing ---- */
typedef enum grym_file_type {
	GRYM_FILE_WAV = 0, GRYM_FILE_FLAC, GRYM_FILE_OGG,
	GRYM_FILE_MP3, GRYM_FILE_OPUS, GRYM_FILE_M4A    /* through FFmpeg */
} grym_file_type;
#define GRYM_FILE_TYPES 6
typedef enum grym_sample_format {
	GRYM_SAMPLE_F32 = 0, GRYM_SAMPLE_S16, GRYM_SAMPLE_S24
} grym_sample_format;

/* "wav", "flac", "ogg", "mp3", "opus", "m4a" (also from a path's
 * extension); GRYM_ERR_INVALID for anything else. */
int grym_file_type_parse(const char *type_or_path, grym_file_type *type) GRYM_MUST_CHECK;
/* The short name of a type ("wav"...), as the catalog's format column and
 * recipes spell it; NULL out of range. */
const char *grym_file_type_name(grym_file_type type);
/* The codec a type holds at a sample format ("pcm_s16le", "flac",
 * "vorbis", "mp3", "opus", "aac"); *bits gets the bits a sample, 0 for
 * lossy codecs. */
const char *grym_file_type_codec(grym_file_type type, grym_sample_format fmt, int *bits);
/* Which type to write, the one rule of every program that writes audio:
 * type (-t) when given, else path's extension, else (no path, or "-")
 * WAV. An unknown -t, an unknown extension or a name with none is
 * GRYM_ERR_INVALID with a message naming the extension and the types
 * (the caller prefixes the path): grym never writes one format under
 * another's name. */
int grym_file_type_choose(const char *type, const char *path, grym_file_type *out,
			  grym_error *err) GRYM_MUST_CHECK;
int grym_sample_format_parse(const char *s, grym_sample_format *fmt) GRYM_MUST_CHECK;

typedef struct grym_encoder grym_encoder;
enum { GRYM_ENCODE_DITHER = 1 };  /* TPDF dither when reducing to 16 bits */

/* Write audio to out (not owned). MP3, Opus and M4A go through FFmpeg's
 * encoders (libmp3lame, libopus, aac; see encode_lavc.c). Seekable outputs
 * of the other types go through libsndfile
 * (with its time-stamped PEAK chunk turned off, so the bytes are
 * reproducible); WAV to a pipe is written by grym with 0xFFFFFFFF RIFF and
 * data sizes, as ffmpeg does. FLAC/Ogg to a pipe use libsndfile's virtual
 * I/O. seed feeds the dither. */
grym_encoder *grym_encoder_open(grym_output *out, grym_file_type type,
				grym_sample_format fmt, int rate, int channels,
				int flags, uint64_t seed, grym_error *err) GRYM_MUST_CHECK;
/* The rate the file holds: the rate given to open, except where the
 * codec cannot take it and the encoder resamples (Opus: 48000). */
int grym_encoder_rate(const grym_encoder *e);
int grym_encoder_write(grym_encoder *e, const float *frames, int64_t nframes,
		       grym_error *err) GRYM_MUST_CHECK;
/* Finish the file (sizes, flush). The caller then commits out. */
int grym_encoder_close(grym_encoder *e, grym_error *err) GRYM_MUST_CHECK;

/* The media type of a file that the decoder found to be of container
 * format and codec (grym_audio_info's format and codec, as the catalog
 * keeps them): "audio/flac", "audio/mpeg", "audio/ogg"... and
 * "application/octet-stream" for what it does not know, never a type a
 * browser would render as a page. *browser_plays (may be NULL) is 1 when
 * web browsers play such a file in an <audio> element (WAV of PCM, FLAC,
 * MP3, Ogg and WebM of Vorbis or Opus, MP4 of AAC), else 0: a server
 * offers those others transcoded. A static string. */
const char *grym_audio_media_type(const char *format, const char *codec, int *browser_plays);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
