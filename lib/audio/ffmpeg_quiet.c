/*
 * ffmpeg_quiet.c — FFmpeg's log silenced once for the whole process.
 *
 * FFmpeg logs to stderr by default; a library must not print. Its log
 * level and callback are process-wide variables of libavutil that every
 * FFmpeg call reads, so they are written exactly once, behind one
 * pthread_once shared by every user in lib/ (decoder, lossy encoders,
 * resampler): two separate "once" flags would each write them while the
 * other's threads are already decoding. The callback installed does
 * nothing, so it is safe from any thread and nothing reaches stderr even
 * if something else in the process raises the level later.
 */
#include "audio/ffmpeg_quiet.h"

#include <pthread.h>
#include <stdarg.h>
#include <libavutil/log.h>

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void drop_log(void *avcl, int level, const char *fmt, va_list vl)
{
	(void)avcl; (void)level; (void)fmt; (void)vl;
}

static void quiet_ffmpeg(void)
{
	av_log_set_level(AV_LOG_QUIET);
	av_log_set_callback(drop_log);
}

void grym__ffmpeg_quiet(void)
{
	pthread_once(&quiet_once, quiet_ffmpeg);
}
