/*
 * test_synth_dataset.c — the synthetic dataset is deterministic, varied
 * within a class and separable between classes.
 *
 * Separability is checked the way a training stage would see it: a
 * summary of log band energies (30 log-spaced bands, 100 Hz - 10 kHz,
 * mean and standard deviation over 1024-sample frames: the information
 * MFCC summaries carry before the DCT), standardised, and classified by
 * leave-one-out nearest class centroid. Items must not repeat within a
 * class (no two with the same length and the same first samples).
 */
#include "tap.h"
#include "grym/synth.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NCLS GRYM_SYNTH_DATASET_MAX_CLASSES
#define PER 8
#define NB 30
#define DIM (2 * NB)
#define RATE 22050
#define NFFT 1024

static void summary(const float *x, int64_t n, double *v)
{
	double *in = fftw_alloc_real(NFFT);
	fftw_complex *out = fftw_alloc_complex(NFFT / 2 + 1);
	fftw_plan plan = fftw_plan_dft_r2c_1d(NFFT, in, out, FFTW_ESTIMATE);
	double sum[NB] = { 0 }, sq[NB] = { 0 };
	int frames = 0;

	for (int64_t off = 0; off + NFFT <= n; off += NFFT / 2, frames++) {
		double band[NB] = { 0 };
		for (int i = 0; i < NFFT; i++)
			in[i] = x[off + i] * (0.5 - 0.5 * cos(2 * M_PI * i / NFFT));
		fftw_execute(plan);
		for (int k = 1; k <= NFFT / 2; k++) {
			double f = (double)k * RATE / NFFT;
			int b = (int)floor(NB * log(f / 100) / log(100));
			if (b >= 0 && b < NB)
				band[b] += out[k][0] * out[k][0] + out[k][1] * out[k][1];
		}
		for (int b = 0; b < NB; b++) {
			double l = 10 * log10(band[b] + 1e-10);
			sum[b] += l;
			sq[b] += l * l;
		}
	}
	for (int b = 0; b < NB; b++) {
		double m = sum[b] / frames;
		v[b] = m;
		v[NB + b] = sqrt(fmax(sq[b] / frames - m * m, 0));
	}
	fftw_destroy_plan(plan);
	fftw_free(in);
	fftw_free(out);
}

/* The README scores a model trained on seed 1 with clips of seed 7, "made
 * with another seed": no clip of seed b (any class, index < per_b) may
 * equal any clip of seed a (index < per_a), nor two clips of the same
 * seed but different slots. A per-item state made by XOR-ing seed, class
 * and index once gave new/tone-000 of seed 7 = corpus/tone-006 of seed 1. */
static void seeds_share_nothing(uint64_t a, int per_a, uint64_t b, int per_b)
{
	enum { MAXI = NCLS * 8 };
	float *xa[MAXI], *xb[MAXI];
	int64_t na[MAXI], nb[MAXI];
	grym_error err = { 0 };
	int shared = 0, fail = 0;

	for (int c = 0; c < NCLS; c++) {
		for (int i = 0; i < per_a; i++)
			fail |= grym_synth_dataset_item(c, i, a, RATE, &xa[c * per_a + i],
							&na[c * per_a + i], &err);
		for (int i = 0; i < per_b; i++)
			fail |= grym_synth_dataset_item(c, i, b, RATE, &xb[c * per_b + i],
							&nb[c * per_b + i], &err);
	}
	if (fail) {
		TAP_OK(0, "seeds %llu and %llu: %s", (unsigned long long)a,
		       (unsigned long long)b, err.msg);
		return;
	}
	for (int i = 0; i < NCLS * per_a; i++)
		for (int j = 0; j < NCLS * per_b; j++)
			if (na[i] == nb[j] && memcmp(xa[i], xb[j], (size_t)na[i] * sizeof(float)) == 0) {
				shared++;
				tap_diag("seed %llu %s-%03d = seed %llu %s-%03d",
					 (unsigned long long)a, grym_synth_dataset_class(i / per_a),
					 i % per_a, (unsigned long long)b,
					 grym_synth_dataset_class(j / per_b), j % per_b);
			}
	TAP_OK(shared == 0, "seeds %llu (%d a class) and %llu (%d a class) share no clip (%d shared)",
	       (unsigned long long)a, per_a, (unsigned long long)b, per_b, shared);
	for (int i = 0; i < NCLS * per_a; i++)
		free(xa[i]);
	for (int j = 0; j < NCLS * per_b; j++)
		free(xb[j]);
}

int main(void)
{
	tap_plan(11);
	static double feat[NCLS * PER][DIM];
	grym_error err = { 0 };
	float *x, *y;
	int64_t n, m;
	int correct = 0, distinct = 1, ok = 1;
	double mean[DIM] = { 0 }, sd[DIM] = { 0 };

	TAP_EQ_STR(grym_synth_dataset_class(0), "tone", "class 0 is tone");
	TAP_EQ_STR(grym_synth_dataset_class(9), "brown-rumble", "class 9 is brown-rumble");
	TAP_OK(grym_synth_dataset_class(10) == NULL, "no class 10");
	TAP_EQ_INT(grym_synth_dataset_item(10, 0, 1, RATE, &x, &n, &err), GRYM_ERR_INVALID,
		   "item of class 10 refused");

	/* determinism */
	grym_synth_dataset_item(4, 3, 77, RATE, &x, &n, &err);
	grym_synth_dataset_item(4, 3, 77, RATE, &y, &m, &err);
	TAP_OK(n == m && memcmp(x, y, (size_t)n * sizeof *x) == 0, "same seed, same item");
	free(y);
	grym_synth_dataset_item(4, 3, 78, RATE, &y, &m, &err);
	TAP_OK(n != m || memcmp(x, y, (size_t)n * sizeof *x) != 0, "another seed, another item");
	free(x);
	free(y);
	seeds_share_nothing(1, 8, 7, 2);
	seeds_share_nothing(1, 8, 2, 8);

	for (int c = 0; c < NCLS; c++)
		for (int i = 0; i < PER; i++) {
			double peak = 0;
			if (grym_synth_dataset_item(c, i, 1, RATE, &x, &n, &err)) {
				TAP_OK(0, "item %d/%d: %s", c, i, err.msg);
				return tap_done();
			}
			for (int64_t k = 0; k < n; k++)
				peak = fmax(peak, fabs(x[k]));
			if (!(n >= RATE / 2 - 1 && n <= RATE * 3 / 2 + 1 && peak <= 0.9 && peak >= 0.25))
				ok = 0;
			summary(x, n, feat[c * PER + i]);
			if (i > 0) {
				float *prev;
				int64_t pn;
				grym_synth_dataset_item(c, i - 1, 1, RATE, &prev, &pn, &err);
				if (pn == n && memcmp(prev, x, (size_t)n * sizeof *x) == 0)
					distinct = 0;
				free(prev);
			}
			free(x);
		}
	TAP_OK(ok, "items last 0.5..1.5 s with peaks between -12 and -1 dBFS");
	TAP_OK(distinct, "items within a class differ");

	for (int j = 0; j < DIM; j++) {
		for (int i = 0; i < NCLS * PER; i++)
			mean[j] += feat[i][j] / (NCLS * PER);
		for (int i = 0; i < NCLS * PER; i++)
			sd[j] += pow(feat[i][j] - mean[j], 2) / (NCLS * PER);
		sd[j] = sqrt(sd[j]) + 1e-9;
		for (int i = 0; i < NCLS * PER; i++)
			feat[i][j] = (feat[i][j] - mean[j]) / sd[j];
	}
	for (int i = 0; i < NCLS * PER; i++) {
		int best = -1;
		double bd = INFINITY;
		for (int c = 0; c < NCLS; c++) {
			double cen[DIM] = { 0 }, d = 0;
			int cnt = 0;
			for (int k = 0; k < PER; k++) {
				int idx = c * PER + k;
				if (idx == i)
					continue;
				for (int j = 0; j < DIM; j++)
					cen[j] += feat[idx][j];
				cnt++;
			}
			for (int j = 0; j < DIM; j++)
				d += pow(feat[i][j] - cen[j] / cnt, 2);
			if (d < bd) {
				bd = d;
				best = c;
			}
		}
		if (best == i / PER)
			correct++;
		else
			tap_diag("item %d of %s taken for %s", i % PER,
				 grym_synth_dataset_class(i / PER), grym_synth_dataset_class(best));
	}
	tap_diag("leave-one-out nearest centroid: %d of %d", correct, NCLS * PER);
	TAP_OK(correct >= NCLS * PER * 95 / 100, "classes separable: %d of %d right", correct, NCLS * PER);
	return tap_done();
}
