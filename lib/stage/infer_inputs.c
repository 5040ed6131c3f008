/*
 * infer_inputs.c — the vector inputs of the infer stage: a record with a
 * payload, a catalog reference (a feature set's summary, else an asset),
 * and a TSV table whose header names the model's features.
 */
#include "infer_int.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/io.h"
#include "grym/stream.h"

static double meta_num(const json_t *meta, const char *name)
{
	json_t *v = json_object_get(meta, name);
	if (!v)
		v = json_object_get(json_object_get(meta, "meta"), name);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The model's checks of a vector from elsewhere: its dimensions, the
 * recipe and the rate that made it. */
static int check_vector(inf_run *r, size_t d, const json_t *meta, grym_error *err)
{
	if (grym_model_check_dims(r->m, d, err) ||
	    grym_model_check_recipe(r->m, json_object_get(meta, "pipeline"), err) ||
	    grym_model_check_rate(r->m, (int)json_integer_value(json_object_get(meta, "rate")), err))
		return err->code;
	return GRYM_OK;
}

int inf_ref(inf_run *r, grym_source *it, grym_error *err)
{
	grym_error e = { 0 };
	grym_feature_set fs = { 0 };
	const char *key = it->head.key;

	if (!r->cat) {
		grym_error_set(&e, GRYM_ERR_UNSUPPORTED,
			       "a bare reference needs a catalog (--catalog or GRYM_CATALOG)");
		grym_stage_fail(r->env, key, &e);
		return GRYM_OK;
	}
	if (grym_catalog_get_features(r->cat, key, &fs, &e)) {
		grym_feature_set_clear(&fs);
		return inf_asset(r, key, it->head.meta, err);
	}
	int rc = GRYM_OK;
	if (!fs.summary || fs.summary_len < 1)
		grym_error_set(&e, GRYM_ERR_FORMAT, "feature set has no summary vector");
	else if (check_vector(r, (size_t)fs.summary_len, it->head.meta, &e) == GRYM_OK) {
		rc = inf_push(r, key, fs.summary, (size_t)fs.summary_len, fs.asset,
			      meta_num(it->head.meta, "start"), meta_num(it->head.meta, "end"), err);
		grym_feature_set_clear(&fs);
		return rc ? inf_output_failed(r, rc, err) : GRYM_OK;
	}
	grym_stage_fail(r->env, key, &e);
	grym_feature_set_clear(&fs);
	return GRYM_OK;
}

int inf_record(inf_run *r, grym_source *it, grym_error *err)
{
	grym_error e = { 0 };
	grym_record rec;
	const char *key = it->head.key;
	char asset[GRYM_ID_LEN + 1] = "";
	int bad = 1;

	memset(&rec, 0, sizeof rec);
	rec.head = it->head;    /* borrowed: it owns it */
	if (rec.head.kind == GRYM_PAYLOAD_AUDIO) {
		grym_error_set(&e, GRYM_ERR_UNSUPPORTED,
			       "audio record: run it through grym-features --summary first");
	} else if (grym_stream_read_payload(it->reader, &rec, 0, &e) != GRYM_OK) {
	} else if (rec.rows != 1) {
		grym_error_set(&e, GRYM_ERR_FORMAT,
			       "a matrix of %llu frames: use grym-features --summary or --segment",
			       (unsigned long long)rec.rows);
	} else if (check_vector(r, rec.head.cols, rec.head.meta, &e) == GRYM_OK) {
		bad = 0;
	}
	if (bad) {
		grym_stage_fail(r->env, key, &e);
		free(rec.data);
		return GRYM_OK;
	}
	int windowed = json_is_number(json_object_get(rec.head.meta, "start"));
	if (r->cat && !windowed) {
		/* the asset the vector describes: meta "asset", else the key */
		json_t *a = json_object_get(rec.head.meta, "asset");
		const char *cand = json_is_string(a) ? json_string_value(a) : key;
		grym_asset ga;
		if (strlen(cand) == GRYM_ID_LEN && grym_catalog_get_asset(r->cat, cand, &ga, NULL) == GRYM_OK) {
			memcpy(asset, cand, sizeof asset);
			grym_asset_clear(&ga);
		}
	}
	int rc = inf_push(r, key, rec.data, rec.head.cols, asset, meta_num(rec.head.meta, "start"),
			  meta_num(rec.head.meta, "end"), err);
	free(rec.data);
	return rc ? inf_output_failed(r, rc, err) : GRYM_OK;
}

static size_t split_tabs(char *s, char **f, size_t max)
{
	size_t n = 0;
	for (;;) {
		if (n < max)
			f[n] = s;
		n++;
		char *t = strchr(s, '\t');
		if (!t)
			break;
		*t = 0;
		s = t + 1;
	}
	return n;
}

#define TSV_MAXC 65536

/* A TSV table: the header names the columns, matched to the model's
 * feature names (any order, extra columns ignored, a missing one an error
 * naming it); the key is the "key", "id" or "path" column, else "line N".
 * A line that cannot be read is reported and skipped; a table that cannot
 * be used at all is one failure under its name. An output failure is
 * named by the table too (as grym-infer always said it). */
int inf_tsv(inf_run *r, grym_input *in, const char *name, grym_error *err)
{
	grym_error e = { 0 };
	char *line = NULL, **f = malloc(TSV_MAXC * sizeof *f), **hdr = NULL;
	size_t cap = 0, d = grym_model_dims(r->m), *map = malloc((d ? d : 1) * sizeof *map), nh = 0;
	float *x = malloc((d ? d : 1) * sizeof *x);
	int rc = GRYM_OK, fatal = 0;
	long keycol = -1;
	if (!f || !map || !x) {
		rc = grym_error_set(&e, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (grym_input_getline(in, &line, &cap, 1 << 24, &e) < 0) {
		if (e.code == GRYM_ERR_EOF)
			grym_error_set(&e, GRYM_ERR_FORMAT, "empty table (no header line)");
		rc = e.code;
		goto out;
	}
	line[strcspn(line, "\r")] = 0;
	nh = split_tabs(line, f, TSV_MAXC);
	if (nh > TSV_MAXC) {
		rc = grym_error_set(&e, GRYM_ERR_LIMIT, "line 1: more than %d columns", TSV_MAXC);
		goto out;
	}
	if (!(hdr = calloc(nh, sizeof *hdr))) {
		rc = grym_error_set(&e, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t c = 0; c < nh; c++) {
		if (!(hdr[c] = strdup(f[c]))) {
			rc = grym_error_set(&e, GRYM_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (keycol < 0 && (!strcmp(f[c], "key") || !strcmp(f[c], "id") || !strcmp(f[c], "path")))
			keycol = (long)c;
	}
	if (grym_model_match_columns(r->m, (const char *const *)hdr, nh, map, &e)) {
		rc = grym_error_prefix(&e, e.code, "line 1");
		goto out;
	}
	for (uint64_t ln = 2;; ln++) {
		ssize_t got = grym_input_getline(in, &line, &cap, 1 << 24, &e);
		if (got < 0) {
			if (e.code != GRYM_ERR_EOF)
				rc = e.code;
			break;
		}
		line[strcspn(line, "\r")] = 0;
		if (!*line)
			continue;
		size_t n = split_tabs(line, f, TSV_MAXC);
		char key[64];
		snprintf(key, sizeof key, "line %llu", (unsigned long long)ln);
		const char *k = keycol >= 0 && (size_t)keycol < n && *f[keycol] ? f[keycol] : key;
		grym_error le = { 0 };
		int bad = 0;
		if (n != nh) {
			grym_error_set(&le, GRYM_ERR_FORMAT, "line %llu: %zu fields, the header has %zu",
				       (unsigned long long)ln, n, nh);
			bad = 1;
		}
		for (size_t j = 0; j < d && !bad; j++) {
			char *end;
			const char *v = f[map[j]];
			x[j] = strtof(v, &end);
			if (end == v || *end) {
				grym_error_set(&le, GRYM_ERR_FORMAT, "line %llu, column '%s': '%s' is not a number",
					       (unsigned long long)ln, hdr[map[j]], v);
				bad = 1;
			}
		}
		if (bad) {
			grym_stage_fail(r->env, name, &le);
			continue;
		}
		if ((rc = inf_push(r, k, x, d, "", NAN, NAN, &e))) {
			fatal = 1;
			break;
		}
	}
	if (!rc && (rc = inf_flush(r, &e)))
		fatal = 1;
out:
	if (rc) {
		inf_batch_drop(r);
		if (fatal) {    /* the output: the run stops */
			*err = e;
			grym_error_prefix(err, rc, "%s", name);
		} else {
			grym_stage_fail(r->env, name, &e);
			rc = GRYM_OK;
		}
	}
	for (size_t c = 0; hdr && c < nh; c++)
		free(hdr[c]);
	free(hdr);
	free(line);
	free(f);
	free(map);
	free(x);
	return rc;
}
