/*
 * spectral.h — per-frame spectral descriptors of one magnitude frame
 * (internal to lib/features; the extractor in extract.c drives them).
 * Magnitudes are float32, as librosa's |stft| is.
 */
#ifndef GRYM_FEATURES_SPECTRAL_H
#define GRYM_FEATURES_SPECTRAL_H

#include "grym/error.h"

double gf_centroid(const float *mag, const double *freq, int bins);
double gf_bandwidth(const float *mag, const double *freq, int bins, double centroid);
double gf_rolloff(const float *mag, const double *freq, int bins, double roll_percent);
double gf_flatness(const float *mag, int bins, double amin, double power);
double gf_zcr(const float *frame, int n);
double gf_rms(const float *frame, int n);

/* Spectral contrast: band layout made once, then per frame. */
typedef struct gf_contrast {
	int n_bands;            /* bands + 1 rows */
	int *lo, *len, *q;      /* per band: first bin, bins in the sub-band, quantile count */
	float *scratch;
} gf_contrast;
int gf_contrast_init(gf_contrast *c, double rate, int n_fft, double fmin, int n_bands,
		     double quantile, grym_error *err);
void gf_contrast_free(gf_contrast *c);
/* peak and valley (mean magnitudes of the top and bottom quantile) per band */
void gf_contrast_frame(gf_contrast *c, const float *mag, double *peak, double *valley);

#endif
