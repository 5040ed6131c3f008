/*
 * summary.c — clip and segment summaries of frame matrices: per-dimension
 * mean, standard deviation, extremes and percentiles, the vectors that
 * grym-train and grym-infer consume. Means and variances accumulate in
 * double; percentiles follow numpy.percentile's default (linear
 * interpolation between the two nearest ranks).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "grym/features.h"

static const char *const stat_names[GRYM_STAT_COUNT] = {
	"mean", "std", "min", "max", "p10", "p50", "p90"
};

const char *grym_stat_name(grym_stat s)
{
	return (int)s >= 0 && s < GRYM_STAT_COUNT ? stat_names[s] : "?";
}

int grym_stats_parse(const char *list, grym_stat *stats, int *n, grym_error *err)
{
	*n = 0;
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		int found = -1;
		for (int i = 0; i < GRYM_STAT_COUNT; i++)
			if (strlen(stat_names[i]) == len && !strncmp(p, stat_names[i], len))
				found = i;
		if (found < 0)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "unknown statistic '%.*s' (mean, std, min, max, p10, p50, p90)",
					      (int)len, p);
		for (int i = 0; i < *n; i++)
			if (stats[i] == (grym_stat)found)
				return grym_error_set(err, GRYM_ERR_INVALID, "statistic '%.*s' given twice",
						      (int)len, p);
		stats[(*n)++] = (grym_stat)found;
		p += len;
		if (*p == ',')
			p++;
	}
	if (*n == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no statistics given");
	return GRYM_OK;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* numpy.percentile(v, q) of sorted v (method 'linear') */
static double percentile(const float *v, int64_t n, double q)
{
	double pos = q / 100.0 * (double)(n - 1);
	int64_t lo = (int64_t)floor(pos);
	int64_t hi = lo + 1 < n ? lo + 1 : lo;
	double frac = pos - (double)lo;
	return (double)v[lo] + ((double)v[hi] - (double)v[lo]) * frac;
}

int grym_fmat_summary(const grym_fmat *m, int64_t t0, int64_t t1, const grym_stat *stats,
		      int nstats, float *out, grym_error *err)
{
	if (t0 < 0 || t1 > m->frames || t1 <= t0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no frames to summarise (%lld..%lld of %lld)",
				      (long long)t0, (long long)t1, (long long)m->frames);
	int d = m->dims;
	int64_t n = t1 - t0;
	int need_sort = 0;
	for (int s = 0; s < nstats; s++)
		need_sort |= stats[s] >= GRYM_STAT_P10;
	float *col = NULL;
	if (need_sort && !(col = malloc((size_t)n * sizeof *col)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	for (int j = 0; j < d; j++) {
		double sum = 0, mn = HUGE_VAL, mx = -HUGE_VAL;
		for (int64_t t = t0; t < t1; t++) {
			double v = m->data[t * d + j];
			sum += v;
			if (v < mn) mn = v;
			if (v > mx) mx = v;
		}
		double mean = sum / (double)n, ss = 0;
		for (int64_t t = t0; t < t1; t++) {
			double e = m->data[t * d + j] - mean;
			ss += e * e;
		}
		if (col) {
			for (int64_t t = t0; t < t1; t++)
				col[t - t0] = m->data[t * d + j];
			qsort(col, (size_t)n, sizeof *col, cmp_float);
		}
		for (int s = 0; s < nstats; s++) {
			double v = 0;
			switch (stats[s]) {
			case GRYM_STAT_MEAN: v = mean; break;
			case GRYM_STAT_STD: v = sqrt(ss / (double)n); break;
			case GRYM_STAT_MIN: v = mn; break;
			case GRYM_STAT_MAX: v = mx; break;
			case GRYM_STAT_P10: v = percentile(col, n, 10); break;
			case GRYM_STAT_P50: v = percentile(col, n, 50); break;
			case GRYM_STAT_P90: v = percentile(col, n, 90); break;
			default: break;
			}
			out[(size_t)s * d + j] = (float)v;
		}
	}
	free(col);
	return GRYM_OK;
}
