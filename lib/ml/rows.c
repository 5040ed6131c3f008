/*
 * rows.c — the arithmetic of prediction, one row at a time.
 *
 * A BLAS matrix product may sum a row's terms in an order that depends on
 * the shape of the whole batch (blocking, edge kernels, threads), so the
 * same item could score differently in a batch of 1, of 4096, or under
 * -j 2. The predictors use these loops instead: every value depends only
 * on its own row and the model, summed in a fixed order (four interleaved
 * double accumulators, combined the same way every time), so batching
 * never changes a single bit of the output.
 */
#include "ml_internal.h"

double ml_row_dot(const float *a, const float *b, size_t d)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t j = 0;
	for (; j + 4 <= d; j += 4) {
		s0 += (double)a[j] * b[j];
		s1 += (double)a[j + 1] * b[j + 1];
		s2 += (double)a[j + 2] * b[j + 2];
		s3 += (double)a[j + 3] * b[j + 3];
	}
	for (; j < d; j++)
		s0 += (double)a[j] * b[j];
	return (s0 + s1) + (s2 + s3);
}

double ml_row_dot_f64(const float *a, const double *b, size_t d)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t j = 0;
	for (; j + 4 <= d; j += 4) {
		s0 += (double)a[j] * b[j];
		s1 += (double)a[j + 1] * b[j + 1];
		s2 += (double)a[j + 2] * b[j + 2];
		s3 += (double)a[j + 3] * b[j + 3];
	}
	for (; j < d; j++)
		s0 += (double)a[j] * b[j];
	return (s0 + s1) + (s2 + s3);
}

double ml_row_sqdist(const float *a, const float *b, size_t d)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t j = 0;
	for (; j + 4 <= d; j += 4) {
		double t0 = (double)a[j] - b[j], t1 = (double)a[j + 1] - b[j + 1];
		double t2 = (double)a[j + 2] - b[j + 2], t3 = (double)a[j + 3] - b[j + 3];
		s0 += t0 * t0;
		s1 += t1 * t1;
		s2 += t2 * t2;
		s3 += t3 * t3;
	}
	for (; j < d; j++) {
		double t = (double)a[j] - b[j];
		s0 += t * t;
	}
	return (s0 + s1) + (s2 + s3);
}
