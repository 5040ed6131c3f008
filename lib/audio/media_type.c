/*
 * media_type.c — the media type of a decoded file, from what the decoder
 * found (its container and codec), never from a name or a client's
 * claim (grym/audio.h).
 */
#include "grym/audio.h"

#include <string.h>

typedef struct media {
	const char *format;     /* the decoder's container name */
	const char *codec;      /* NULL: any codec */
	const char *type;
	int plays;              /* browsers play it in <audio> */
} media;

/* First match wins: a container's specific codecs before its catch-all.
 * "plays" follows what Chromium and Firefox both decode. */
static const media table[] = {
	{ "wav", "pcm_s16le", "audio/wav", 1 },
	{ "wav", "pcm_u8", "audio/wav", 1 },
	{ "wav", "pcm_s24le", "audio/wav", 1 },
	{ "wav", "pcm_s32le", "audio/wav", 1 },
	{ "wav", "pcm_f32le", "audio/wav", 1 },
	{ "wav", NULL, "audio/wav", 0 },          /* ADPCM, A-law...: not everywhere */
	{ "flac", NULL, "audio/flac", 1 },
	{ "mp3", "mp3", "audio/mpeg", 1 },
	{ "mp3", NULL, "audio/mpeg", 0 },         /* MPEG layer 1 or 2 */
	{ "ogg", "vorbis", "audio/ogg", 1 },
	{ "ogg", "opus", "audio/ogg", 1 },
	{ "ogg", "flac", "audio/ogg", 1 },
	{ "ogg", NULL, "audio/ogg", 0 },          /* Speex, Theora... */
	{ "matroska", "opus", "audio/webm", 1 },
	{ "matroska", "vorbis", "audio/webm", 1 },
	{ "matroska", NULL, "audio/x-matroska", 0 },
	{ "m4a", "aac", "audio/mp4", 1 },
	{ "mp4", "aac", "audio/mp4", 1 },
	{ "m4a", NULL, "audio/mp4", 0 },          /* ALAC... */
	{ "mp4", NULL, "audio/mp4", 0 },
	{ "mov", NULL, "video/quicktime", 0 },
	{ "aac", NULL, "audio/aac", 1 },
	{ "aiff", NULL, "audio/aiff", 0 },
	{ "au", NULL, "audio/basic", 0 },
	{ "caf", NULL, "audio/x-caf", 0 },
	{ "wv", NULL, "audio/x-wavpack", 0 },
	{ "ac3", NULL, "audio/ac3", 0 },
	{ "eac3", NULL, "audio/eac3", 0 },
	{ "amr", NULL, "audio/amr", 0 },
	{ "w64", NULL, "audio/x-w64", 0 },
	{ "ape", NULL, "audio/x-ape", 0 },
	{ "tta", NULL, "audio/x-tta", 0 },
};

const char *grym_audio_media_type(const char *format, const char *codec, int *browser_plays)
{
	if (browser_plays)
		*browser_plays = 0;
	if (!format)
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		const media *m = &table[i];
		if (strcmp(m->format, format) != 0 || (m->codec && (!codec || strcmp(m->codec, codec))))
			continue;
		if (browser_plays)
			*browser_plays = m->plays;
		return m->type;
	}
	return "application/octet-stream";
}
