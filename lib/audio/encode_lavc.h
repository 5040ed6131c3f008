/*
 * encode_lavc.h — libgrym-internal: writing MP3, Ogg Opus and M4A (AAC)
 * through FFmpeg, for grym_encoder (encode.c) where libsndfile cannot.
 */
#ifndef GRYM_ENCODE_LAVC_H
#define GRYM_ENCODE_LAVC_H

#include "grym/audio.h"

typedef struct grym_lavc_enc grym_lavc_enc;

/* Open the encoder and muxer for type and write the header to out. */
grym_lavc_enc *grym_lavc_enc_open(grym_output *out, grym_file_type type, int rate,
				  int channels, grym_error *err);
/* The rate the file holds (the encoder's: 48000 for Opus at 44.1 kHz). */
int grym_lavc_enc_rate(const grym_lavc_enc *l);
/* Interleaved float frames at the rate given to open. */
int grym_lavc_enc_write(grym_lavc_enc *l, const float *x, int64_t nframes, grym_error *err);
/* Flush the encoder, write the trailer. */
int grym_lavc_enc_finish(grym_lavc_enc *l, grym_error *err);
void grym_lavc_enc_free(grym_lavc_enc *l);

#endif
