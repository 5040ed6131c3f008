/*
 * features_file.h — the features stage's analysis of one audio file:
 * decoding and the extractor in one call, with the cancel flag and the
 * progress callback of every stage (grym/progress.h). grym-features and
 * a model's replay (grym/replay.h) both run files through it.
 */
#ifndef GRYM_FEATURES_FILE_H
#define GRYM_FEATURES_FILE_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include "grym/audio.h"
#include "grym/error.h"
#include "grym/features.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The extractor run on the audio file at path: decoded mono (the mean of
 * the channels) with dec's rate, offset and duration (dec may be NULL: as
 * the file is), fed block by block, finished into sink. *rate (may be
 * NULL) gets the analysis rate, *samples (may be NULL) the samples
 * analysed. o->cancel stops the decoding and the extractor alike
 * (GRYM_ERR_CANCELLED, nothing more given to sink); o->progress hears
 * the fraction of the file done: the position in the file while decoding
 * and feeding (for a pipe of unknown length, a negative fraction and the
 * seconds analysed), then the whole-clip steps of the last tenth. */
int grym_features_file(const char *path, const grym_decode_opts *dec,
		       const grym_features_opts *o, const grym_feature *list, int n,
		       const grym_feature_sink *sink, double *rate, int64_t *samples,
		       grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
