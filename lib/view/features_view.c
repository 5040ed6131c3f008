/*
 * features_view.c — frame features for plots (grym/view.h): taken from
 * the catalog's feature sets of the asset (the default plan's recipe
 * first, else any set of that feature), the missing ones computed in one
 * decode with the default plan and stored as feature sets exactly as the
 * features stage stores them (a matrix object, the mean and std summary,
 * the one feature's recipe as extractor), so grym-features finds them
 * too. Downsampling is the mean of the frames of each point.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "view_int.h"
#include "grym/features.h"
#include "grym/features_file.h"
#include "core/error_int.h"

#define DEFAULT_NAMES "rms,centroid,mfcc"

typedef struct feat {
	grym_feature f;
	grym_fmat m;             /* frames x dims */
	float *summary;          /* mean (dims) then std (dims); NULL: none */
	double hop, rate, offset;
	int from_catalog;
} feat;

static int parse_names(const char *names, feat *fs, int *n, grym_error *err)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", names && *names ? names : DEFAULT_NAMES);
	*n = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		grym_feature f;
		while (*tok == ' ')
			tok++;
		int rc = grym_feature_lookup(tok, &f, err);
		if (rc != GRYM_OK)
			return rc;
		int dup = 0;
		for (int i = 0; i < *n; i++)
			dup |= fs[i].f == f;
		if (dup)
			continue;
		if (f == GRYM_FEAT_TEMPO)
			return grym_error_set(err, GRYM_ERR_INVALID, "tempo is one value per clip, not a plot");
		fs[(*n)++].f = f;
	}
	if (*n == 0)
		return grym_error_set(err, GRYM_ERR_INVALID, "no feature named");
	return GRYM_OK;
}

/* the hop, rate and offset a stored set's extractor recipe says */
static void timing_of(const char *extractor, int asset_rate, feat *x)
{
	json_t *r = json_loads(extractor ? extractor : "", 0, NULL);
	json_t *h = json_object_get(r, "hop"), *rt = json_object_get(r, "rate"), *o = json_object_get(r, "offset");
	x->hop = json_is_number(h) ? json_number_value(h) : 512;
	x->rate = json_is_number(rt) && json_number_value(rt) > 0 ? json_number_value(rt) : asset_rate;
	x->offset = json_is_number(o) ? json_number_value(o) : 0;
	json_decref(r);
}

static int take_set(grym_catalog *cat, const grym_feature_set *s, int asset_rate, feat *x,
		    grym_error *err)
{
	float *data = grym_catalog_feature_matrix(cat, s, err);
	if (!data)
		return grym__status(err);
	x->m.data = data;
	x->m.frames = s->frames;
	x->m.dims = s->dims;
	if (s->summary && s->summary_len == 2 * s->dims &&
	    (x->summary = malloc(sizeof *x->summary * (size_t)s->summary_len)))
		memcpy(x->summary, s->summary, sizeof *x->summary * (size_t)s->summary_len);
	timing_of(s->extractor, asset_rate, x);
	x->from_catalog = 1;
	return GRYM_OK;
}

/* any feature set of the asset for x->f (grym_catalog_foreach_features) */
typedef struct finder {
	grym_catalog *cat;
	feat *x;
	int asset_rate;
	grym_error *err;
	int rc;
} finder;

static int find_any(void *ud, const grym_feature_set *s)
{
	finder *fd = ud;
	json_t *r = json_loads(s->extractor ? s->extractor : "", 0, NULL);
	const char *name = json_string_value(json_object_get(r, "feature"));
	int match = name && strcmp(name, grym_feature_name(fd->x->f)) == 0 && s->object[0] && s->dims > 0;
	json_decref(r);
	if (!match)
		return 0;
	grym_error e = { 0 };
	if (take_set(fd->cat, s, fd->asset_rate, fd->x, &e) != GRYM_OK)
		return 0;     /* a damaged set: look on, else compute */
	return 1;
}

/* the matrix of x->f from the catalog; 0 when there is none */
static int lookup(grym_catalog *cat, const grym_asset *a, const grym_features_plan *p, feat *x,
		  grym_error *err)
{
	char id[GRYM_ID_LEN + 1];
	json_t *r = grym_features_recipe(p, (int)x->f);
	if (!r)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	int rc = grym_id_derived(a->id, r, id, err);
	json_decref(r);
	if (rc != GRYM_OK)
		return rc;
	grym_feature_set s;
	grym_error e = { 0 };
	if (grym_catalog_get_features(cat, id, &s, &e) == GRYM_OK && s.object[0] && s.dims > 0 &&
	    take_set(cat, &s, a->sample_rate, x, &e) == GRYM_OK) {
		grym_feature_set_clear(&s);
		return 1;
	}
	grym_feature_set_clear(&s);
	finder fd = { cat, x, a->sample_rate, err, GRYM_OK };
	rc = grym_catalog_foreach_features(cat, a->id, find_any, &fd, err);
	return rc < 0 ? rc : rc > 0;
}

/* the extractor's sink: each feature's matrix into feats[] */
typedef struct collect {
	feat *fs;
	int n;
} collect;

static feat *feat_of(collect *c, grym_feature f)
{
	for (int i = 0; i < c->n; i++)
		if (c->fs[i].f == f && !c->fs[i].from_catalog)
			return &c->fs[i];
	return NULL;
}

static int col_begin(void *ud, grym_feature f, int64_t frames, int dims, grym_error *err)
{
	feat *x = feat_of(ud, f);
	return x ? grym_fmat_alloc(&x->m, frames, dims, err) : GRYM_OK;
}

static int col_rows(void *ud, grym_feature f, int64_t first, const float *rows, int64_t n,
		    grym_error *err)
{
	(void)err;
	feat *x = feat_of(ud, f);
	if (x)
		memcpy(x->m.data + first * x->m.dims, rows, (size_t)n * x->m.dims * sizeof *rows);
	return GRYM_OK;
}

/* compute the features not in the catalog (one decode) and store them */
static int compute(grym_catalog *cat, const grym_asset *a, const grym_features_plan *p, feat *fs,
		   int n, const grym_view_opts *opts, grym_view_stat *st, grym_error *err)
{
	grym_feature list[GRYM_FEAT_COUNT];
	int nl = 0;
	for (int i = 0; i < n; i++)
		if (!fs[i].from_catalog)
			list[nl++] = fs[i].f;
	if (!nl)
		return GRYM_OK;
	char path[64];
	grym_store_reader *r = grym_catalog_open_asset_object(cat, a, path, sizeof path, err);
	if (!r)
		return grym__status(err);
	int rc;
	grym_features_opts fo = p->fo;
	fo.cancel = grym__view_cancel(opts);
	if (opts) {
		fo.progress = opts->progress;
		fo.progress_ud = opts->progress_ud;
	}
	grym_decode_opts dec;
	memset(&dec, 0, sizeof dec);
	dec.rate = p->rate;
	dec.offset = p->offset;
	dec.duration = p->duration;
	dec.cancel = fo.cancel;
	collect c = { fs, n };
	grym_feature_sink sink = { col_begin, col_rows, NULL, &c };
	double rate = 0;
	int64_t samples = 0;
	rc = grym_features_file(path, &dec, &fo, list, nl, &sink, &rate, &samples, err);
	grym_store_reader_close(r);
	if (st)
		st->decoded++;
	if (rc != GRYM_OK)
		return grym_error_prefix(err, rc, "asset %s", a->id);
	static const grym_stat ms[2] = { GRYM_STAT_MEAN, GRYM_STAT_STD };
	for (int i = 0; i < n && rc == GRYM_OK; i++) {
		feat *x = &fs[i];
		if (x->from_catalog)
			continue;
		x->hop = p->fo.stft.hop;
		x->rate = rate;
		x->offset = p->offset;
		if (!(x->summary = malloc(sizeof *x->summary * 2 * (size_t)x->m.dims)))
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		if ((rc = grym_fmat_summary(&x->m, 0, x->m.frames, ms, 2, x->summary, err)) != GRYM_OK)
			return rc;
		if (x->m.frames > INT_MAX)
			continue;    /* too long for the catalog's row: shown, not stored */
		grym_feature_set s;
		memset(&s, 0, sizeof s);
		json_t *rj = grym_features_recipe(p, (int)x->f);
		char *canon = rj ? grym_recipe_canonical(rj) : NULL;
		if (rj)
			rc = grym_id_derived(a->id, rj, s.id, err);
		json_decref(rj);
		if (!canon && rc == GRYM_OK)
			rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		if (rc == GRYM_OK)
			rc = grym_store_put(grym_catalog_store(cat), x->m.data,
					    (size_t)x->m.frames * x->m.dims * sizeof(float), s.object, err);
		if (rc == GRYM_OK) {
			memcpy(s.asset, a->id, sizeof s.asset);
			s.extractor = canon;
			s.frames = (int)x->m.frames;
			s.dims = x->m.dims;
			s.summary = x->summary;
			s.summary_len = 2 * x->m.dims;
			rc = grym_catalog_put_features(cat, &s, err);
		}
		free(canon);
	}
	return rc;
}

static void put_floats(grym__sb *b, const float *v, int n)
{
	grym__sb_printf(b, "[");
	for (int i = 0; i < n; i++) {
		if (i)
			grym__sb_printf(b, ",");
		grym__sb_num(b, v ? v[i] : NAN);
	}
	grym__sb_printf(b, "]");
}

static void put_feature(grym__sb *b, const feat *x, int points)
{
	int64_t F = x->m.frames;
	int dims = x->m.dims;
	int64_t np = F < points ? F : points;
	grym__sb_printf(b, "\"%s\":{\"dims\":%d,\"frames\":%lld,\"points\":%lld,\"time_start\":",
			grym_feature_name(x->f), dims, (long long)F, (long long)np);
	grym__sb_num(b, x->offset);
	grym__sb_printf(b, ",\"time_step\":");
	grym__sb_num(b, np ? x->hop / x->rate * (double)F / (double)np : 0);
	grym__sb_printf(b, ",\"names\":[");
	for (int d = 0; d < dims; d++) {
		char nm[64];
		grym_feature_dim_name(x->f, d, dims, nm, sizeof nm);
		if (d)
			grym__sb_printf(b, ",");
		grym__sb_str(b, nm);
	}
	grym__sb_printf(b, "],\"values\":[");
	for (int d = 0; d < dims; d++) {
		grym__sb_printf(b, d ? ",[" : "[");
		for (int64_t i = 0; i < np; i++) {
			int64_t lo = i * F / np, hi = (i + 1) * F / np;
			double s = 0;
			for (int64_t t = lo; t < hi; t++)
				s += x->m.data[t * dims + d];
			if (i)
				grym__sb_printf(b, ",");
			grym__sb_num(b, hi > lo ? s / (double)(hi - lo) : NAN);
		}
		grym__sb_printf(b, "]");
	}
	grym__sb_printf(b, "],\"summary\":{\"mean\":");
	put_floats(b, x->summary, dims);
	grym__sb_printf(b, ",\"std\":");
	put_floats(b, x->summary ? x->summary + dims : NULL, dims);
	grym__sb_printf(b, "}}");
}

static int features_json(grym_catalog *cat, const char *asset, const char *names, int points,
			 const grym_view_opts *opts, char **json, grym_view_stat *st,
			 grym_error *err)
{
	feat fs[GRYM_FEAT_COUNT];
	int n = 0, rc;
	grym_asset a;
	grym__sb b = { 0 };

	*json = NULL;
	if (st)
		memset(st, 0, sizeof *st);
	memset(fs, 0, sizeof fs);
	grym_asset_init(&a);
	if (points < 1 || points > GRYM_PEAKS_POINTS_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID, "points must be 1..%d, not %d",
				      GRYM_PEAKS_POINTS_MAX, points);
	if ((rc = parse_names(names, fs, &n, err)) != GRYM_OK)
		return rc;
	if ((rc = grym__view_asset(cat, asset, &a, err)) != GRYM_OK)
		goto out;
	grym_features_plan p;
	grym_features_plan_default(&p);
	int all = 1;
	for (int i = 0; i < n && rc == GRYM_OK; i++) {
		int got = lookup(cat, &a, &p, &fs[i], err);
		if (got < 0)
			rc = got;
		all &= got == 1;
	}
	if (rc == GRYM_OK)
		rc = compute(cat, &a, &p, fs, n, opts, st, err);
	if (rc != GRYM_OK)
		goto out;
	if (st)
		st->cached = all;
	grym__sb_printf(&b, "{\"asset\":\"%s\",\"points\":%d,\"features\":{", a.id, points);
	for (int i = 0; i < n; i++) {
		if (i)
			grym__sb_printf(&b, ",");
		put_feature(&b, &fs[i], points);
	}
	grym__sb_printf(&b, "}}");
	rc = grym__sb_take(&b, json, err);
out:
	free(b.s);
	for (int i = 0; i < GRYM_FEAT_COUNT; i++) {
		grym_fmat_clear(&fs[i].m);
		free(fs[i].summary);
	}
	grym_asset_clear(&a);
	return rc;
}

char *grym_view_features(grym_catalog *cat, const char *asset, const char *names, int points,
			 const grym_view_opts *opts, grym_view_stat *st, grym_error *err)
{
	char *json = NULL;
	int rc = features_json(cat, asset, names, points, opts, &json, st, err);
	return rc == GRYM_OK ? json : grym__failed(err, rc);
}
