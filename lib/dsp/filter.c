/*
 * filter.c — biquad design (RBJ Audio EQ Cookbook), Butterworth cascades
 * and the DC blocker (grym/dsp.h).
 *
 * Sections run in transposed direct form II with double state, channel
 * by channel over a block (the state stays in registers). A Butterworth
 * of order N is its N/2 conjugate pole pairs as RBJ sections with
 * Q_k = 1 / (2 cos((2k - 1) pi / 2N)), plus one first-order bilinear
 * section when N is odd (then the pairs sit at k pi / N); every section is prewarped at the same cutoff,
 * so the cascade is -3.01 dB exactly there.
 */
#include "grym/dsp.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct grym_filter {
	int channels, nsections;
	grym_biquad sec[GRYM_FILTER_SECTIONS_MAX];
	double *state;          /* channels * nsections * 2 */
};

int grym_biquad_design(grym_biquad *bq, grym_biquad_type type, double rate,
		       double f0, double q, double gain_db, grym_error *err)
{
	double w0, cw, sw, alpha, a = pow(10.0, gain_db / 40.0), sa;
	double b0, b1, b2, a0, a1, a2;

	if (!(rate > 0) || !(f0 > 0) || !(f0 < rate / 2) || !(q > 0) || !isfinite(gain_db))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "filter: frequency %g Hz must be between 0 and %g Hz (Q %g)",
				      f0, rate / 2, q);
	w0 = 2.0 * M_PI * f0 / rate;
	cw = cos(w0);
	sw = sin(w0);
	alpha = sw / (2.0 * q);
	sa = 2.0 * sqrt(a) * alpha;
	switch (type) {
	case GRYM_BIQUAD_LOWPASS:
		b0 = (1 - cw) / 2; b1 = 1 - cw; b2 = (1 - cw) / 2;
		a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha;
		break;
	case GRYM_BIQUAD_HIGHPASS:
		b0 = (1 + cw) / 2; b1 = -(1 + cw); b2 = (1 + cw) / 2;
		a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha;
		break;
	case GRYM_BIQUAD_BANDPASS:
		b0 = alpha; b1 = 0; b2 = -alpha;
		a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha;
		break;
	case GRYM_BIQUAD_NOTCH:
		b0 = 1; b1 = -2 * cw; b2 = 1;
		a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha;
		break;
	case GRYM_BIQUAD_PEAK:
		b0 = 1 + alpha * a; b1 = -2 * cw; b2 = 1 - alpha * a;
		a0 = 1 + alpha / a; a1 = -2 * cw; a2 = 1 - alpha / a;
		break;
	case GRYM_BIQUAD_LOWSHELF:
		b0 = a * ((a + 1) - (a - 1) * cw + sa);
		b1 = 2 * a * ((a - 1) - (a + 1) * cw);
		b2 = a * ((a + 1) - (a - 1) * cw - sa);
		a0 = (a + 1) + (a - 1) * cw + sa;
		a1 = -2 * ((a - 1) + (a + 1) * cw);
		a2 = (a + 1) + (a - 1) * cw - sa;
		break;
	case GRYM_BIQUAD_HIGHSHELF:
		b0 = a * ((a + 1) + (a - 1) * cw + sa);
		b1 = -2 * a * ((a - 1) + (a + 1) * cw);
		b2 = a * ((a + 1) + (a - 1) * cw - sa);
		a0 = (a + 1) - (a - 1) * cw + sa;
		a1 = 2 * ((a - 1) - (a + 1) * cw);
		a2 = (a + 1) - (a - 1) * cw - sa;
		break;
	default:
		return grym_error_set(err, GRYM_ERR_INVALID, "filter: unknown type %d", (int)type);
	}
	bq->b0 = b0 / a0;
	bq->b1 = b1 / a0;
	bq->b2 = b2 / a0;
	bq->a1 = a1 / a0;
	bq->a2 = a2 / a0;
	return GRYM_OK;
}

double grym_biquad_response(const grym_biquad *bq, double rate, double f)
{
	double complex z1 = cexp(-I * 2.0 * M_PI * f / rate), z2 = z1 * z1;
	return cabs((bq->b0 + bq->b1 * z1 + bq->b2 * z2) / (1.0 + bq->a1 * z1 + bq->a2 * z2));
}

grym_filter *grym_filter_new(const grym_biquad *sections, int nsections,
			     int channels, grym_error *err)
{
	grym_filter *f;

	if (nsections < 1 || nsections > GRYM_FILTER_SECTIONS_MAX || channels < 1) {
		grym_error_set(err, GRYM_ERR_INVALID, "filter: %d sections, %d channels",
			       nsections, channels);
		return NULL;
	}
	f = calloc(1, sizeof *f);
	if (f)
		f->state = calloc((size_t)channels * nsections * 2, sizeof *f->state);
	if (!f || !f->state) {
		grym_filter_free(f);
		grym_error_set(err, GRYM_ERR_NOMEM, "filter: out of memory");
		return NULL;
	}
	f->channels = channels;
	f->nsections = nsections;
	memcpy(f->sec, sections, sizeof *sections * (size_t)nsections);
	return f;
}

grym_filter *grym_filter_new_butterworth(grym_biquad_type type, int order,
					 double rate, double cutoff, int channels,
					 grym_error *err)
{
	grym_biquad sec[GRYM_FILTER_SECTIONS_MAX];
	int n = 0;

	if (type != GRYM_BIQUAD_LOWPASS && type != GRYM_BIQUAD_HIGHPASS) {
		grym_error_set(err, GRYM_ERR_INVALID, "Butterworth: only low- or high-pass");
		return NULL;
	}
	if (order < 1 || order > 2 * GRYM_FILTER_SECTIONS_MAX - 1) {
		grym_error_set(err, GRYM_ERR_INVALID, "Butterworth: order %d outside 1..%d",
			       order, 2 * GRYM_FILTER_SECTIONS_MAX - 1);
		return NULL;
	}
	for (int k = 1; k <= order / 2; k++) {
		/* Pole pair angle from the negative real axis. */
		double th = order % 2 ? k * M_PI / order : (2.0 * k - 1.0) * M_PI / (2.0 * order);
		double q = 1.0 / (2.0 * cos(th));
		if (grym_biquad_design(&sec[n++], type, rate, cutoff, q, 0.0, err) != GRYM_OK)
			return NULL;
	}
	if (order % 2) {
		double k;
		if (!(cutoff > 0) || !(cutoff < rate / 2)) {
			grym_error_set(err, GRYM_ERR_INVALID,
				       "filter: frequency %g Hz must be between 0 and %g Hz",
				       cutoff, rate / 2);
			return NULL;
		}
		k = tan(M_PI * cutoff / rate);
		if (type == GRYM_BIQUAD_LOWPASS) {
			sec[n].b0 = k / (1 + k);
			sec[n].b1 = k / (1 + k);
		} else {
			sec[n].b0 = 1 / (1 + k);
			sec[n].b1 = -1 / (1 + k);
		}
		sec[n].b2 = 0;
		sec[n].a1 = (k - 1) / (k + 1);
		sec[n].a2 = 0;
		n++;
	}
	return grym_filter_new(sec, n, channels, err);
}

void grym_filter_free(grym_filter *f)
{
	if (!f)
		return;
	free(f->state);
	free(f);
}

void grym_filter_reset(grym_filter *f)
{
	memset(f->state, 0, sizeof *f->state * (size_t)f->channels * f->nsections * 2);
}

void grym_filter_process(grym_filter *f, float *frames, int64_t n)
{
	int ch = f->channels;
	for (int c = 0; c < ch; c++) {
		for (int s = 0; s < f->nsections; s++) {
			const grym_biquad *q = &f->sec[s];
			double *st = f->state + ((size_t)c * f->nsections + s) * 2;
			double s1 = st[0], s2 = st[1];
			for (int64_t i = 0; i < n; i++) {
				double x = frames[i * ch + c];
				double y = q->b0 * x + s1;
				s1 = q->b1 * x - q->a1 * y + s2;
				s2 = q->b2 * x - q->a2 * y;
				frames[i * ch + c] = (float)y;
			}
			/* Flush denormals so silence after sound stays fast. */
			st[0] = fabs(s1) < 1e-30 ? 0.0 : s1;
			st[1] = fabs(s2) < 1e-30 ? 0.0 : s2;
		}
	}
}

struct grym_dc_blocker {
	int channels;
	double r;
	double *state;          /* per channel: x1, y1 */
};

grym_dc_blocker *grym_dc_blocker_new(double rate, double cutoff, int channels,
				     grym_error *err)
{
	grym_dc_blocker *d;

	if (!(rate > 0) || !(cutoff > 0) || !(cutoff < rate / 4) || channels < 1) {
		grym_error_set(err, GRYM_ERR_INVALID, "DC blocker: cutoff %g Hz at %g Hz", cutoff, rate);
		return NULL;
	}
	d = calloc(1, sizeof *d);
	if (d)
		d->state = calloc((size_t)channels * 2, sizeof *d->state);
	if (!d || !d->state) {
		grym_dc_blocker_free(d);
		grym_error_set(err, GRYM_ERR_NOMEM, "DC blocker: out of memory");
		return NULL;
	}
	d->channels = channels;
	d->r = exp(-2.0 * M_PI * cutoff / rate);
	return d;
}

void grym_dc_blocker_free(grym_dc_blocker *d)
{
	if (!d)
		return;
	free(d->state);
	free(d);
}

void grym_dc_blocker_process(grym_dc_blocker *d, float *frames, int64_t n)
{
	int ch = d->channels;
	for (int c = 0; c < ch; c++) {
		double x1 = d->state[2 * c], y1 = d->state[2 * c + 1], r = d->r;
		for (int64_t i = 0; i < n; i++) {
			double x = frames[i * ch + c];
			double y = x - x1 + r * y1;
			x1 = x;
			y1 = y;
			frames[i * ch + c] = (float)y;
		}
		d->state[2 * c] = x1;
		d->state[2 * c + 1] = fabs(y1) < 1e-30 ? 0.0 : y1;
	}
}
