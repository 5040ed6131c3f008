/*
 * matrix.c — frame matrices and the whole-matrix steps of the feature
 * chain: decibels (librosa.power_to_db), the DCT-II of MFCCs (a matrix
 * product through BLAS) and Savitzky-Golay deltas (librosa.feature.delta).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "grym/features.h"

int grym_fmat_alloc(grym_fmat *m, int64_t frames, int dims, grym_error *err)
{
	memset(m, 0, sizeof *m);
	if (frames < 0 || dims < 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "bad matrix shape %lld x %d",
				      (long long)frames, dims);
	if ((uint64_t)frames > (SIZE_MAX / sizeof(float)) / (uint64_t)dims)
		return grym_error_set(err, GRYM_ERR_LIMIT, "matrix of %lld x %d is too large",
				      (long long)frames, dims);
	size_t n = (size_t)frames * (size_t)dims;
	m->data = calloc(n ? n : 1, sizeof *m->data);
	if (!m->data)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory for a %lld x %d matrix",
				      (long long)frames, dims);
	m->frames = frames;
	m->dims = dims;
	return GRYM_OK;
}

void grym_fmat_clear(grym_fmat *m)
{
	free(m->data);
	memset(m, 0, sizeof *m);
}

/* ---- decibels ---- */

void grym_power_to_db(const double *in, double *out, size_t n, double ref, double amin)
{
	double r = 10.0 * log10(ref > amin ? ref : amin);
	for (size_t i = 0; i < n; i++) {
		double v = in[i] > amin ? in[i] : amin;
		out[i] = 10.0 * log10(v) - r;
	}
}

void grym_db_floor(float *x, size_t n, double floor)
{
	float f = (float)floor;
	for (size_t i = 0; i < n; i++)
		if (!(x[i] >= f))
			x[i] = f;
}

int grym_power_to_db_inplace(float *x, size_t n, const grym_db_params *p, grym_error *err)
{
	if (!(p->amin > 0) || !(p->ref > 0))
		return grym_error_set(err, GRYM_ERR_INVALID, "power_to_db needs amin > 0 and ref > 0");
	double r = 10.0 * log10(p->ref > p->amin ? p->ref : p->amin);
	double mx = -HUGE_VAL;
	for (size_t i = 0; i < n; i++) {
		double v = x[i] > p->amin ? x[i] : p->amin;
		x[i] = (float)(10.0 * log10(v) - r);
		if (x[i] > mx)
			mx = x[i];
	}
	if (p->top_db >= 0 && n > 0)
		grym_db_floor(x, n, mx - p->top_db);
	return GRYM_OK;
}

/* ---- DCT-II (orthonormal) with lifter ---- */

struct grym_dct {
	int n_in, n_out;
	float *m;               /* n_in x n_out: out = in * m */
};

grym_dct *grym_dct_new(int n_in, int n_out, double lifter, grym_error *err)
{
	if (n_in < 1 || n_out < 1 || n_out > n_in) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "n_mfcc %d must be between 1 and the number of mel bands %d", n_out, n_in);
		return NULL;
	}
	if (!(lifter >= 0)) {
		grym_error_set(err, GRYM_ERR_INVALID, "lifter %g must be >= 0", lifter);
		return NULL;
	}
	grym_dct *d = calloc(1, sizeof *d);
	if (d)
		d->m = malloc((size_t)n_in * n_out * sizeof *d->m);
	if (!d || !d->m) {
		free(d);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	d->n_in = n_in;
	d->n_out = n_out;
	for (int k = 0; k < n_out; k++) {
		double scale = k == 0 ? sqrt(1.0 / n_in) : sqrt(2.0 / n_in);
		double lift = 1.0;
		if (lifter > 0)
			lift = 1.0 + (lifter / 2.0) * sin(M_PI * (double)(k + 1) / lifter);
		for (int i = 0; i < n_in; i++)
			d->m[(size_t)i * n_out + k] =
				(float)(scale * cos(M_PI * (double)k * (2.0 * i + 1.0) / (2.0 * n_in)) * lift);
	}
	return d;
}

void grym_dct_free(grym_dct *d)
{
	if (!d)
		return;
	free(d->m);
	free(d);
}

void grym_dct_apply(const grym_dct *d, const float *in, int64_t frames, float *out)
{
	if (frames <= 0)
		return;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)frames, d->n_out, d->n_in,
		    1.0f, in, d->n_in, d->m, d->n_out, 0.0f, out, d->n_out);
}

/* ---- deltas ---- */

int grym_delta(const float *in, int64_t frames, int dims, int order, float *out, grym_error *err)
{
	if (order != 1 && order != 2)
		return grym_error_set(err, GRYM_ERR_INVALID, "delta order %d must be 1 or 2", order);
	if (frames < 9)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "deltas need at least 9 frames (width 9), the input has %lld",
				      (long long)frames);
	double c[9];
	for (int k = -4; k <= 4; k++)
		c[k + 4] = order == 1 ? (double)k / 60.0 : ((double)(k * k) - 20.0 / 3.0) / 154.0;
	for (int64_t t = 0; t < frames; t++) {
		int64_t ctr = t < 4 ? 4 : (t > frames - 5 ? frames - 5 : t);
		for (int j = 0; j < dims; j++) {
			double acc = 0.0;
			for (int k = 0; k < 9; k++)
				acc += c[k] * in[(ctr - 4 + k) * dims + j];
			out[t * dims + j] = (float)acc;
		}
	}
	return GRYM_OK;
}
