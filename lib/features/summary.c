/*
 * summary.c — clip and segment summaries of frame matrices: per-dimension
 * mean, standard deviation, extremes and percentiles, the vectors that
 * grym-train and grym-infer consume. Moments accumulate in double with
 * Welford's update, streaming (grym_moments) or over a matrix; percentiles follow numpy.percentile's default (linear
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

struct grym_moments {
	int dims;
	int64_t n;
	double *mean, *m2, *mn, *mx;
};

grym_moments *grym_moments_new(int dims, grym_error *err)
{
	grym_moments *m = dims > 0 ? calloc(1, sizeof *m) : NULL;
	if (m) {
		m->dims = dims;
		m->mean = malloc(4 * (size_t)dims * sizeof *m->mean);
	}
	if (!m || !m->mean) {
		free(m);
		grym_error_set(err, dims > 0 ? GRYM_ERR_NOMEM : GRYM_ERR_INVALID,
			       dims > 0 ? "out of memory" : "moments of no dimension");
		return NULL;
	}
	m->m2 = m->mean + dims;
	m->mn = m->m2 + dims;
	m->mx = m->mn + dims;
	grym_moments_reset(m);
	return m;
}

void grym_moments_free(grym_moments *m)
{
	if (!m)
		return;
	free(m->mean);
	free(m);
}

void grym_moments_reset(grym_moments *m)
{
	m->n = 0;
	for (int j = 0; j < m->dims; j++) {
		m->mean[j] = m->m2[j] = 0.0;
		m->mn[j] = HUGE_VAL;
		m->mx[j] = -HUGE_VAL;
	}
}

void grym_moments_add(grym_moments *m, const float *rows, int64_t n)
{
	int d = m->dims;
	for (int64_t t = 0; t < n; t++) {
		const float *r = rows + t * d;
		double inv = 1.0 / (double)(++m->n);
		for (int j = 0; j < d; j++) {
			double v = r[j];
			double delta = v - m->mean[j];
			m->mean[j] += delta * inv;
			m->m2[j] += delta * (v - m->mean[j]);
			if (v < m->mn[j])
				m->mn[j] = v;
			if (v > m->mx[j])
				m->mx[j] = v;
		}
	}
}

int64_t grym_moments_count(const grym_moments *m)
{
	return m->n;
}

int grym_stats_are_moments(const grym_stat *stats, int nstats)
{
	for (int s = 0; s < nstats; s++)
		if (stats[s] >= GRYM_STAT_P10)
			return 0;
	return 1;
}

static double moment(const grym_moments *m, grym_stat s, int j)
{
	switch (s) {
	case GRYM_STAT_MEAN: return m->mean[j];
	case GRYM_STAT_STD: return sqrt(m->m2[j] > 0 ? m->m2[j] / (double)m->n : 0.0);
	case GRYM_STAT_MIN: return m->mn[j];
	case GRYM_STAT_MAX: return m->mx[j];
	default: return NAN;
	}
}

int grym_moments_get(const grym_moments *m, const grym_stat *stats, int nstats, float *out,
		     grym_error *err)
{
	if (m->n == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no frames to summarise");
	if (!grym_stats_are_moments(stats, nstats))
		return grym_error_set(err, GRYM_ERR_INVALID, "percentiles need the whole matrix");
	for (int s = 0; s < nstats; s++)
		for (int j = 0; j < m->dims; j++)
			out[(size_t)s * m->dims + j] = (float)moment(m, stats[s], j);
	return GRYM_OK;
}

int grym_fmat_summary(const grym_fmat *m, int64_t t0, int64_t t1, const grym_stat *stats,
		      int nstats, float *out, grym_error *err)
{
	if (t0 < 0 || t1 > m->frames || t1 <= t0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no frames to summarise (%lld..%lld of %lld)",
				      (long long)t0, (long long)t1, (long long)m->frames);
	int d = m->dims;
	int64_t n = t1 - t0;
	grym_moments *mo = grym_moments_new(d, err);
	if (!mo)
		return err ? err->code : GRYM_ERR_NOMEM;
	grym_moments_add(mo, m->data + t0 * d, n);
	float *col = NULL;
	if (!grym_stats_are_moments(stats, nstats) && !(col = malloc((size_t)n * sizeof *col))) {
		grym_moments_free(mo);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (int j = 0; j < d; j++) {
		if (col) {
			for (int64_t t = t0; t < t1; t++)
				col[t - t0] = m->data[t * d + j];
			qsort(col, (size_t)n, sizeof *col, cmp_float);
		}
		for (int s = 0; s < nstats; s++) {
			double v;
			switch (stats[s]) {
			case GRYM_STAT_P10: v = percentile(col, n, 10); break;
			case GRYM_STAT_P50: v = percentile(col, n, 50); break;
			case GRYM_STAT_P90: v = percentile(col, n, 90); break;
			default: v = moment(mo, stats[s], j); break;
			}
			out[(size_t)s * d + j] = (float)v;
		}
	}
	free(col);
	grym_moments_free(mo);
	return GRYM_OK;
}
