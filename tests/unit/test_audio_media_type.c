/*
 * test_audio_media_type.c — the media type a server sends with a file
 * comes from what the decoder found in its bytes (grym_audio_media_type
 * over grym_decoder_info's format and codec): files of each container
 * made by ffmpeg, some under a misleading extension, and whether a
 * browser plays each. Also the table's edges: unknown format, NULLs.
 */
#include "grym/grym.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct want {
	const char *file;       /* made by ffmpeg with the arguments below */
	const char *args;       /* output options (format, codec) */
	const char *type;
	int plays;
} want;

static const want cases[] = {
	{ "a.wav", "-c:a pcm_s16le", "audio/wav", 1 },
	{ "alaw.wav", "-c:a pcm_alaw", "audio/wav", 0 },
	{ "a.flac", "", "audio/flac", 1 },
	{ "a.mp3", "", "audio/mpeg", 1 },
	{ "a.mp2", "-c:a mp2 -f mp2", "audio/mpeg", 0 },
	{ "a.ogg", "-c:a libvorbis", "audio/ogg", 1 },
	{ "a.opus", "-c:a libopus", "audio/ogg", 1 },
	{ "a.m4a", "-c:a aac", "audio/mp4", 1 },
	{ "a.webm", "-c:a libopus", "audio/webm", 1 },
	{ "a.aiff", "", "audio/aiff", 0 },
	{ "a.wv", "", "audio/x-wavpack", 0 },
	{ "a.caf", "", "audio/x-caf", 0 },
	/* the name says one thing, the bytes another: the bytes win */
	{ "flac-named.mp3", "-f flac", "audio/flac", 1 },
	{ "page.html", "-f wav -c:a pcm_s16le", "audio/wav", 1 },
};

int main(void)
{
	const char *dir = tap_tmpdir();
	const size_t n = sizeof cases / sizeof *cases;
	int plays;

	tap_plan((int)n + 5);
	for (size_t i = 0; i < n; i++) {
		char cmd[8192], path[4200];
		grym_error err = { 0 };
		snprintf(path, sizeof path, "%s/%s", dir, cases[i].file);
		snprintf(cmd, sizeof cmd,
			 "ffmpeg -nostdin -loglevel error -y -f lavfi -i sine=frequency=440:duration=0.3 "
			 "-ar 48000 %s '%s'", cases[i].args, path);
		if (system(cmd) != 0) {
			TAP_OK(0, "%s: ffmpeg could not make it (%s)", cases[i].file, cmd);
			continue;
		}
		grym_decoder *d = grym_decoder_open(path, NULL, &err);
		const grym_audio_info *in = d ? grym_decoder_info(d) : NULL;
		const char *type = in ? grym_audio_media_type(in->format, in->codec, &plays) : "";
		TAP_OK(in && !strcmp(type, cases[i].type) && plays == cases[i].plays,
		       "%s (%s, %s): %s, %s", cases[i].file, in ? in->format : err.msg,
		       in ? in->codec : "", type, plays ? "a browser plays it" : "to be transcoded");
		grym_decoder_close(d);
	}
	TAP_EQ_STR(grym_audio_media_type("gif", "gif", &plays), "application/octet-stream",
		   "a container it does not know is plain bytes");
	TAP_EQ_INT(plays, 0, "and not offered to a browser as is");
	TAP_EQ_STR(grym_audio_media_type(NULL, NULL, NULL), "application/octet-stream",
		   "no format at all");
	TAP_EQ_STR(grym_audio_media_type("wav", NULL, &plays), "audio/wav",
		   "a WAV of unknown codec is still a WAV");
	TAP_EQ_INT(plays, 0, "but not known to play");
	return tap_done();
}
