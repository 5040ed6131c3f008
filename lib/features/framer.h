/*
 * framer.h — the sliding sample buffer every framed analysis reads from
 * (internal to lib/features).
 *
 * A framer is fed samples block by block and hands out frames of
 * frame_len samples every hop samples, padded at the edges as numpy.pad
 * would pad the whole signal (zeros, reflect or edge), without ever
 * holding more than the samples still needed. Frame t starts at signal
 * index t * hop - pad, where pad is frame_len / 2 when centred, else 0.
 */
#ifndef GRYM_FEATURES_FRAMER_H
#define GRYM_FEATURES_FRAMER_H

#include <stddef.h>
#include <stdint.h>
#include "grym/error.h"

enum { GF_PAD_CONSTANT = 0, GF_PAD_REFLECT = 1, GF_PAD_EDGE = 2 };

typedef struct gf_framer {
	float *buf;          /* samples [start, fed) */
	size_t cap;          /* allocated floats */
	int64_t start;       /* signal index of buf[0] */
	int64_t fed;         /* samples fed so far */
	int ended;
	int frame_len, hop, pad;
	int64_t next;        /* next frame to hand out */
} gf_framer;

void gf_framer_init(gf_framer *f, int frame_len, int hop, int center);
void gf_framer_free(gf_framer *f);
void gf_framer_reset(gf_framer *f);
int gf_framer_feed(gf_framer *f, const float *x, size_t n, grym_error *err);
void gf_framer_end(gf_framer *f);
/* Frames a signal of n samples gives. */
int64_t gf_framer_count(int frame_len, int hop, int center, int64_t n);
/* 1 when frame f->next can be read now. */
int gf_framer_ready(const gf_framer *f);
/* Pointer to frame f->next when it lies wholly inside the signal (no
 * padding needed), else NULL. */
const float *gf_framer_direct(const gf_framer *f);
/* Copy frame f->next into out (frame_len floats), padding with mode. */
void gf_framer_copy(const gf_framer *f, int mode, float *out);
/* Move to the next frame and drop samples no longer needed. */
void gf_framer_advance(gf_framer *f);

#endif

/* From stft.c: compute the next frame and return FFTW's output buffer
 * (bins complex values, re/im interleaved, valid until the next call),
 * or NULL when no frame is ready. Saves the extractor a copy. */
struct grym_stft;
const double *gf_stft_next_raw(struct grym_stft *s);
