/*
 * vectors.c — the vectors a features plan makes from frame matrices: the
 * windows a clip is cut into (--segment) and the statistics of each
 * window's frames (--summary, --stats), with their column names.
 *
 * grym-features and the replay of a model's recipe (lib/pipeline) both
 * come here, so they cut a clip into the same windows and summarise them
 * into the same numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "grym/features.h"

/* ---- vectors ---- */

size_t grym_features_vector_len(const grym_features_plan *p, const grym_fmat *m)
{
	size_t total = 0;
	for (int i = 0; i < p->nlist; i++)
		total += (size_t)p->nstats * m[p->list[i]].dims;
	return total;
}

int grym_features_window(const grym_features_plan *p, double rate, int64_t samples, int64_t frames,
			 int64_t k, double *start, double *end, int64_t *t0, int64_t *t1)
{
	double fdur = p->fo.stft.hop / rate;   /* seconds per frame */
	double clip = samples > 0 ? (double)samples / rate : frames * fdur;
	double seg = p->segment > 0 ? p->segment : 0;
	double shop = p->segment_hop > 0 ? p->segment_hop : seg;
	if (seg <= 0) {
		if (k > 0)
			return -1;
		*start = 0;
		*end = clip;
		*t0 = 0;
		*t1 = frames;
		return 1;
	}
	*start = (double)k * shop;
	if (k > 0 && *start >= clip)
		return -1;
	*end = *start + seg;
	if (*end > clip)
		*end = clip;
	*t0 = (int64_t)ceil(*start / fdur - 1e-9);
	*t1 = (int64_t)ceil(*end / fdur - 1e-9);
	if (*t1 > frames)
		*t1 = frames;
	return *t0 < *t1;
}

int grym_features_vector(const grym_features_plan *p, const grym_fmat *m, grym_moments *const *mo,
			 int64_t t0, int64_t t1, float *out, grym_error *err)
{
	size_t off = 0;
	int rc = GRYM_OK;
	for (int i = 0; i < p->nlist && rc == GRYM_OK; i++) {
		grym_feature f = p->list[i];
		const grym_fmat *x = &m[f];
		if (mo && mo[f]) {
			rc = grym_moments_get(mo[f], p->stats, p->nstats, out + off, err);
		} else {
			int64_t a = t0 < x->frames ? t0 : x->frames - 1, b = t1 < x->frames ? t1 : x->frames;
			if (b <= a)
				b = a + 1;
			rc = grym_fmat_summary(x, a, b, p->stats, p->nstats, out + off, err);
		}
		off += (size_t)p->nstats * x->dims;
	}
	return rc;
}

json_t *grym_features_names(const grym_features_plan *p, const grym_fmat *m, int with_stats)
{
	json_t *a = json_array();
	char buf[128];
	for (int i = 0; a && i < p->nlist; i++) {
		grym_feature f = p->list[i];
		int d = m[f].dims;
		for (int s = 0; s < (with_stats ? p->nstats : 1); s++)
			for (int k = 0; k < d; k++) {
				grym_feature_dim_name(f, k, d, buf, sizeof buf);
				if (with_stats) {
					size_t l = strlen(buf);
					snprintf(buf + l, sizeof buf - l, "_%s", grym_stat_name(p->stats[s]));
				}
				json_array_append_new(a, json_string(buf));
			}
	}
	return a;
}
