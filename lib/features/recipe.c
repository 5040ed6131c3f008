/*
 * recipe.c — the features stage as data: a grym_features_plan (what
 * grym-features was asked for: features, extractor parameters, decoding
 * window, summary statistics, segments) to its recipe object and back,
 * and the summary/segment vectors a plan makes from frame matrices.
 *
 * This is the one place that knows how a features recipe is spelled: the
 * command writes it into every record's "pipeline" and the catalog names
 * feature sets by it; a model's pipeline is replayed (lib/pipeline) by
 * reading it back with grym_features_plan_from_recipe. The vector code is
 * here for the same reason: grym-features and the replay must cut a clip
 * into the same windows and summarise them into the same numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "grym/features.h"
#include "grym/json_field.h"

void grym_features_plan_default(grym_features_plan *p)
{
	memset(p, 0, sizeof *p);
	grym_features_opts_default(&p->fo);
	p->stats[0] = GRYM_STAT_MEAN;
	p->stats[1] = GRYM_STAT_STD;
	p->nstats = 2;
}

json_t *grym_features_recipe(const grym_features_plan *p, int feature)
{
	const grym_features_opts *o = &p->fo;
	json_t *r = json_object();
	if (!r)
		return NULL;
	json_object_set_new(r, "stage", json_string("features"));
	if (feature >= 0) {
		json_object_set_new(r, "feature", json_string(grym_feature_name((grym_feature)feature)));
	} else {
		json_t *a = json_array();
		for (int i = 0; i < p->nlist; i++)
			json_array_append_new(a, json_string(grym_feature_name(p->list[i])));
		json_object_set_new(r, "features", a);
	}
	json_object_set_new(r, "rate", json_integer(p->rate));
	json_object_set_new(r, "offset", json_real(p->offset));
	json_object_set_new(r, "duration", json_real(p->duration));
	json_object_set_new(r, "n_fft", json_integer(o->stft.n_fft));
	json_object_set_new(r, "hop", json_integer(o->stft.hop));
	json_object_set_new(r, "win_length", json_integer(o->stft.win_length ? o->stft.win_length : o->stft.n_fft));
	json_object_set_new(r, "window", json_string(grym_window_name(o->stft.window)));
	json_object_set_new(r, "center", json_boolean(o->stft.center));
	json_object_set_new(r, "pad_mode", json_string(grym_pad_mode_name(o->stft.pad_mode)));
	json_object_set_new(r, "n_mels", json_integer(o->mel.n_mels));
	json_object_set_new(r, "fmin", json_real(o->mel.fmin));
	json_object_set_new(r, "fmax", json_real(o->mel.fmax));
	json_object_set_new(r, "htk", json_boolean(o->mel.htk));
	json_object_set_new(r, "mel_norm", json_string(o->mel.norm == GRYM_MEL_NORM_NONE ? "none" : "slaney"));
	json_object_set_new(r, "ref", json_real(o->db.ref));
	json_object_set_new(r, "amin", json_real(o->db.amin));
	json_object_set_new(r, "top_db", o->db.top_db >= 0 ? json_real(o->db.top_db) : json_null());
	json_object_set_new(r, "n_mfcc", json_integer(o->n_mfcc));
	json_object_set_new(r, "lifter", json_real(o->lifter));
	json_object_set_new(r, "roll_percent", json_real(o->roll_percent));
	json_object_set_new(r, "contrast_fmin", json_real(o->contrast_fmin));
	json_object_set_new(r, "contrast_bands", json_integer(o->contrast_bands));
	json_object_set_new(r, "contrast_quantile", json_real(o->contrast_quantile));
	json_object_set_new(r, "tuning", isnan(o->tuning) ? json_string("estimate") : json_real(o->tuning));
	json_object_set_new(r, "yin_fmin", json_real(o->yin_fmin));
	json_object_set_new(r, "yin_fmax", json_real(o->yin_fmax));
	json_object_set_new(r, "yin_threshold", json_real(o->yin_threshold));
	if (feature < 0 && (p->summary || p->segment > 0)) {
		json_t *a = json_array();
		for (int i = 0; i < p->nstats; i++)
			json_array_append_new(a, json_string(grym_stat_name(p->stats[i])));
		json_object_set_new(r, "stats", a);
		if (p->segment > 0) {
			json_object_set_new(r, "segment", json_real(p->segment));
			json_object_set_new(r, "segment_hop", json_real(p->segment_hop));
		}
	}
	return r;
}

/* ---- the inverse ---- */

static int get_num(const json_t *r, const char *key, double *out, grym_error *err)
{
	return grym_json_number(r, key, "features recipe", out, err);
}

static int get_int(const json_t *r, const char *key, int lo, int *out, grym_error *err)
{
	long long v;
	int rc = grym_json_integer(r, key, "features recipe", lo, 1 << 30, &v, err);
	if (rc == GRYM_OK)
		*out = (int)v;
	return rc;
}

static int get_bool(const json_t *r, const char *key, int *out, grym_error *err)
{
	return grym_json_bool(r, key, "features recipe", out, err);
}

static const char *get_str(const json_t *r, const char *key, grym_error *err)
{
	return grym_json_string(r, key, "features recipe", err);
}

int grym_features_plan_from_recipe(const json_t *recipe, grym_features_plan *out, grym_error *err)
{
	static const char *const known[] = {
		"stage", "features", "rate", "offset", "duration", "n_fft", "hop", "win_length",
		"window", "center", "pad_mode", "n_mels", "fmin", "fmax", "htk", "mel_norm", "ref",
		"amin", "top_db", "n_mfcc", "lifter", "roll_percent", "contrast_fmin",
		"contrast_bands", "contrast_quantile", "tuning", "yin_fmin", "yin_fmax",
		"yin_threshold", "stats", "segment", "segment_hop"
	};
	grym_features_plan p;
	grym_features_opts *o = &p.fo;
	const char *s, *k;
	const json_t *v, *a;
	size_t i;
	int rc;

	if (!json_is_object(recipe))
		return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: not a JSON object");
	s = json_string_value(json_object_get(recipe, "stage"));
	if (!s || strcmp(s, "features"))
		return grym_error_set(err, GRYM_ERR_FORMAT, "not a features recipe (stage \"%s\")",
				      s ? s : "(none)");
	if (json_object_get(recipe, "feature"))
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "features recipe of one stored feature, not of a features stage");
	json_object_foreach((json_t *)recipe, k, v) {
		size_t n;
		for (n = 0; n < sizeof known / sizeof known[0]; n++)
			if (!strcmp(k, known[n]))
				break;
		if (n == sizeof known / sizeof known[0])
			return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: unknown key \"%s\"", k);
	}
	grym_features_plan_default(&p);
	a = json_object_get(recipe, "features");
	if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > GRYM_FEAT_COUNT)
		return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: \"features\" missing or not a list");
	json_array_foreach(a, i, v) {
		grym_feature f;
		if (!json_is_string(v))
			return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: a feature name is not a string");
		if ((rc = grym_feature_lookup(json_string_value(v), &f, err)) != GRYM_OK)
			return grym_error_prefix(err, "features recipe");
		for (int j = 0; j < p.nlist; j++)
			if (p.list[j] == f)
				return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: %s listed twice",
						      json_string_value(v));
		p.list[p.nlist++] = f;
	}
	if ((rc = get_int(recipe, "rate", 0, &p.rate, err)) || (rc = get_num(recipe, "offset", &p.offset, err)) ||
	    (rc = get_num(recipe, "duration", &p.duration, err)) ||
	    (rc = get_int(recipe, "n_fft", 2, &o->stft.n_fft, err)) ||
	    (rc = get_int(recipe, "hop", 1, &o->stft.hop, err)) ||
	    (rc = get_int(recipe, "win_length", 1, &o->stft.win_length, err)))
		return rc;
	if (!(s = get_str(recipe, "window", err)))
		return GRYM_ERR_FORMAT;
	if (grym_window_parse(s, &o->stft.window, err))
		return grym_error_prefix(err, "features recipe");
	if ((rc = get_bool(recipe, "center", &o->stft.center, err)))
		return rc;
	if (!(s = get_str(recipe, "pad_mode", err)))
		return GRYM_ERR_FORMAT;
	if (grym_pad_mode_parse(s, &o->stft.pad_mode, err))
		return grym_error_prefix(err, "features recipe");
	if ((rc = get_int(recipe, "n_mels", 1, &o->mel.n_mels, err)) ||
	    (rc = get_num(recipe, "fmin", &o->mel.fmin, err)) ||
	    (rc = get_num(recipe, "fmax", &o->mel.fmax, err)) ||
	    (rc = get_bool(recipe, "htk", &o->mel.htk, err)))
		return rc;
	if (!(s = get_str(recipe, "mel_norm", err)))
		return GRYM_ERR_FORMAT;
	if (grym_mel_norm_parse(s, &o->mel.norm, err))
		return grym_error_prefix(err, "features recipe");
	if ((rc = get_num(recipe, "ref", &o->db.ref, err)) || (rc = get_num(recipe, "amin", &o->db.amin, err)))
		return rc;
	v = json_object_get(recipe, "top_db");
	if (json_is_null(v))
		o->db.top_db = -1;
	else if ((rc = get_num(recipe, "top_db", &o->db.top_db, err)))
		return rc;
	if ((rc = get_int(recipe, "n_mfcc", 1, &o->n_mfcc, err)) ||
	    (rc = get_num(recipe, "lifter", &o->lifter, err)) ||
	    (rc = get_num(recipe, "roll_percent", &o->roll_percent, err)) ||
	    (rc = get_num(recipe, "contrast_fmin", &o->contrast_fmin, err)) ||
	    (rc = get_int(recipe, "contrast_bands", 1, &o->contrast_bands, err)) ||
	    (rc = get_num(recipe, "contrast_quantile", &o->contrast_quantile, err)))
		return rc;
	v = json_object_get(recipe, "tuning");
	if (json_is_string(v) && !strcmp(json_string_value(v), "estimate"))
		o->tuning = NAN;
	else if ((rc = get_num(recipe, "tuning", &o->tuning, err)))
		return rc;
	if ((rc = get_num(recipe, "yin_fmin", &o->yin_fmin, err)) ||
	    (rc = get_num(recipe, "yin_fmax", &o->yin_fmax, err)) ||
	    (rc = get_num(recipe, "yin_threshold", &o->yin_threshold, err)))
		return rc;
	a = json_object_get(recipe, "stats");
	if (a) {
		if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > GRYM_STAT_COUNT)
			return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: \"stats\" is not a list");
		p.nstats = 0;
		json_array_foreach(a, i, v) {
			grym_stat st[GRYM_STAT_COUNT];
			int n = 0;
			if (!json_is_string(v) || strchr(json_string_value(v), ','))
				return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: a stat is not a name");
			if (grym_stats_parse(json_string_value(v), st, &n, err) || n != 1)
				return grym_error_prefix(err, "features recipe");
			p.stats[p.nstats++] = st[0];
		}
		if (json_object_get(recipe, "segment")) {
			if ((rc = get_num(recipe, "segment", &p.segment, err)) ||
			    (rc = get_num(recipe, "segment_hop", &p.segment_hop, err)))
				return rc;
			if (!(p.segment > 0))
				return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: segment %g", p.segment);
		} else {
			p.summary = 1;
		}
	} else if (json_object_get(recipe, "segment")) {
		return grym_error_set(err, GRYM_ERR_FORMAT, "features recipe: \"segment\" without \"stats\"");
	}
	*out = p;
	return GRYM_OK;
}

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
