/*
 * ffmpeg_quiet.h — libgrym-internal: FFmpeg silenced once for the process.
 */
#ifndef GRYM_FFMPEG_QUIET_H
#define GRYM_FFMPEG_QUIET_H

/* Call before any FFmpeg call that may log (opening a demuxer, an encoder
 * or a resampler). The first call, from whichever thread, silences
 * FFmpeg's log; every other call returns at once. */
void grym__ffmpeg_quiet(void);

#endif
