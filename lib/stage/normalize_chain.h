/*
 * normalize_chain.h — the processing chain of the normalize stage: a
 * decoded file turned into the signal to normalize, block by block:
 *   decode -> channel mix -> resample (soxr) -> DC blocker -> high/low-pass
 * (normalize_chain.c; normalize_file.c runs it once per pass).
 */
#ifndef GRYM_STAGE_NORMALIZE_CHAIN_H
#define GRYM_STAGE_NORMALIZE_CHAIN_H

#include "grym/audio.h"
#include "grym/dsp.h"
#include "grym/normalize_params.h"
#include "grym/progress.h"

/* Frames per block: nothing larger is ever in memory. */
#define NORM_BLOCK 4096

typedef struct norm_chain {
	grym_decoder *dec;
	int in_ch, ch, in_rate, rate;
	grym_resampler *rs;
	grym_dc_blocker *dc;
	grym_filter *hp, *lp;
	float *dbuf;            /* decoded: NORM_BLOCK * in_ch */
	float *mbuf;            /* mixed: NORM_BLOCK * max(in_ch, ch) */
	float *rbuf;            /* resampled */
	int64_t rcap;
	int eof, flushed;
	int in_bits;
	int64_t pos;            /* frames handed out so far */
	grym_ticker tick;       /* the caller's cancel flag and progress */
	double lo, hi;          /* this pass's share of the call's progress */
	const char *what;       /* "measuring", "normalizing" */
} norm_chain;

/* Open path through o's chain (o NULL: the file as it is); the pass is
 * the share lo..hi of the caller's progress, what says what it does
 * ("measuring"). */
int grym__norm_chain_open(norm_chain *c, const char *path, const grym_normalize_opts *o,
			  double lo, double hi, const char *what, grym_error *err);
/* Next block of processed frames: *out points into the chain's buffers.
 * Returns frames (0 at the end) or a negative status; checks the cancel
 * flag once a block. */
int64_t grym__norm_chain_read(norm_chain *c, float **out, grym_error *err);
void grym__norm_chain_close(norm_chain *c);

#endif
