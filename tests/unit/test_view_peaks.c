/* test_view_peaks.c — the peaks pyramid (grym/view.h): the peaks of a
 * generated stereo float WAV whose every 256-frame bucket has a known
 * minimum and maximum are exact at levels 0, 1 and 2 and over a subrange;
 * the levels agree; a -20 dBFS 16-bit sine peaks at 0.1 (full-scale
 * relative); the second request reads the stored pyramid (no decode, the
 * same object, the same bytes); a removed object is made again; gc keeps
 * a view's object while its row lives and drops it with its asset; merge
 * carries no views; fsck is clean; errors are named. */
#include "view_fixture.h"

#define RATE 8000
#define NB 1024                 /* buckets of 256 frames */
#define N ((int64_t)NB * 256)

/* bucket k's extremes per channel: multiples of 1/16, exact in float */
static float bmax(int k, int c) { return (float)((k * (c + 3)) % 15 + 1) / 16; }
static float bmin(int k, int c) { return -(float)((k * (c + 5)) % 13 + 1) / 16; }

/* the exact min/max of buckets [k0, k1) of channel c */
static void expect(int k0, int k1, int c, float *mn, float *mx)
{
	*mn = 1;
	*mx = -1;
	for (int k = k0; k < k1; k++) {
		if (bmin(k, c) < *mn)
			*mn = bmin(k, c);
		if (bmax(k, c) > *mx)
			*mx = bmax(k, c);
	}
}

static json_t *peaks(grym_catalog *cat, const char *id, int points, double start, double end,
		     grym_view_stat *st, char **text)
{
	grym_error err = { 0 };
	grym_peaks_query q = { points, start, end };
	char *js = NULL;
	int rc = vf_text(&js, grym_view_peaks(cat, id, &q, NULL, st, &err), &err);
	if (rc) {
		tap_diag("grym_view_peaks: %s", err.msg);
		return NULL;
	}
	json_t *j = json_loads(js, 0, NULL);
	if (text)
		*text = js;
	else
		free(js);
	return j;
}

/* every point of j equals the buckets [k0 + i * per, k0 + (i + 1) * per) */
static int exact(const json_t *j, int k0, int per, int points)
{
	json_t *pk = json_object_get(j, "peaks");
	if (json_array_size(pk) != 2)
		return 0;
	for (int c = 0; c < 2; c++) {
		json_t *a = json_array_get(pk, (size_t)c);
		if ((int)json_array_size(a) != 2 * points)
			return 0;
		for (int i = 0; i < points; i++) {
			float mn, mx;
			expect(k0 + i * per, k0 + (i + 1) * per, c, &mn, &mx);
			if (json_number_value(json_array_get(a, (size_t)(2 * i))) != mn ||
			    json_number_value(json_array_get(a, (size_t)(2 * i + 1))) != mx) {
				tap_diag("channel %d point %d: %g %g, want %g %g", c, i,
					 json_number_value(json_array_get(a, (size_t)(2 * i))),
					 json_number_value(json_array_get(a, (size_t)(2 * i + 1))), mn, mx);
				return 0;
			}
		}
	}
	return 1;
}

static void last_line(void *ud, const char *line)
{
	snprintf(ud, 512, "%s", line);
}

static int count_objects(void *ud, const char *id, uint64_t size, time_t mtime)
{
	(void)id; (void)size; (void)mtime;
	(*(int *)ud)++;
	return 0;
}

int main(void)
{
	tap_plan(33);
	grym_error err = { 0 };
	char dir[4096], id[GRYM_ID_LEN + 1], sine[GRYM_ID_LEN + 1];
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *cat = grym_catalog_open(dir, &err);
	float *x = calloc((size_t)N * 2, sizeof *x);
	for (int k = 0; x && k < NB; k++)
		for (int c = 0; c < 2; c++) {
			x[((int64_t)k * 256 + 7) * 2 + c] = bmax(k, c);
			x[((int64_t)k * 256 + 100 + c) * 2 + c] = bmin(k, c);
		}
	TAP_SETUP(cat ? vf_add_asset(cat, "buckets", x, N, 2, RATE, GRYM_SAMPLE_F32, id) : -1);
	float *s = vf_sine(RATE * 3, 1, RATE, 1000, -20);
	TAP_SETUP(cat ? vf_add_asset(cat, "sine", s, RATE * 3, 1, RATE, GRYM_SAMPLE_S16, sine) : -1);

	/* level 0, made on first use */
	grym_view_stat st;
	char *t1 = NULL, *t2 = NULL;
	json_t *j = peaks(cat, id, NB, 0, -1, &st, &t1);
	TAP_OK(j && st.cached == 0 && st.decoded == 1 && grym_id_is_full(st.object),
	       "first request decodes once and stores the pyramid");
	TAP_OK(j && json_integer_value(json_object_get(j, "level")) == 0 &&
	       json_integer_value(json_object_get(j, "points")) == NB &&
	       json_integer_value(json_object_get(j, "channels")) == 2 &&
	       json_number_value(json_object_get(j, "duration")) == (double)N / RATE,
	       "level 0, %d points, 2 channels, the duration", NB);
	TAP_OK(j && exact(j, 0, 1, NB), "level 0: every bucket's min and max exactly, both channels");
	json_decref(j);

	/* the same request again: from the store, the same bytes */
	char obj[GRYM_ID_LEN + 1];
	memcpy(obj, st.object, sizeof obj);
	j = peaks(cat, id, NB, 0, -1, &st, &t2);
	TAP_OK(j && st.cached == 1 && st.decoded == 0 && strcmp(st.object, obj) == 0,
	       "second request: cached, no decode, the same object");
	TAP_OK(t1 && t2 && strcmp(t1, t2) == 0, "the same JSON bytes");
	json_decref(j);
	free(t1);
	free(t2);

	/* coarser levels agree with level 0 */
	j = peaks(cat, id, NB / 4, 0, -1, &st, NULL);
	TAP_OK(j && json_integer_value(json_object_get(j, "level")) == 1 &&
	       json_integer_value(json_object_get(j, "bucket")) == 1024 && exact(j, 0, 4, NB / 4),
	       "level 1 (1024 frames a point) is exact");
	json_decref(j);
	j = peaks(cat, id, NB / 16, 0, -1, &st, NULL);
	TAP_OK(j && json_integer_value(json_object_get(j, "level")) == 2 && exact(j, 0, 16, NB / 16),
	       "level 2 (4096 frames a point) is exact");
	json_decref(j);
	j = peaks(cat, id, NB / 8, 0, -1, &st, NULL);
	TAP_OK(j && json_integer_value(json_object_get(j, "level")) == 1 && exact(j, 0, 8, NB / 8),
	       "between levels (2048 frames a point): from level 1, exact");
	json_decref(j);
	j = peaks(cat, id, 1, 0, -1, &st, NULL);
	TAP_OK(j && exact(j, 0, NB, 1), "one point: the whole file's extremes");
	json_decref(j);

	/* a subrange: buckets 40..103 in 16 points */
	j = peaks(cat, id, 16, 40 * 256.0 / RATE, 104 * 256.0 / RATE, &st, NULL);
	TAP_OK(j && exact(j, 40, 4, 16) &&
	       json_number_value(json_object_get(j, "start")) == 40 * 256.0 / RATE &&
	       json_number_value(json_object_get(j, "end")) == 104 * 256.0 / RATE,
	       "start/end subrange: exact, the range echoed");
	json_decref(j);
	/* finer than level 0: one point per bucket */
	j = peaks(cat, id, 1000, 0, 10 * 256.0 / RATE, &st, NULL);
	TAP_OK(j && json_integer_value(json_object_get(j, "points")) == 10 && exact(j, 0, 1, 10),
	       "finer than a bucket: 10 points for 10 buckets");
	json_decref(j);
	/* an end past the end is the end */
	j = peaks(cat, id, NB, 0, 1e6, &st, NULL);
	TAP_OK(j && json_number_value(json_object_get(j, "end")) == (double)N / RATE && exact(j, 0, 1, NB),
	       "end past the end: clamped");
	json_decref(j);

	/* a quiet sine looks quiet: -20 dBFS peaks at 0.1 */
	j = peaks(cat, sine, 10, 0, -1, &st, NULL);
	json_t *a = json_array_get(json_object_get(j, "peaks"), 0);
	TAP_OK(j && json_array_size(json_object_get(j, "peaks")) == 1 && json_array_size(a) == 20,
	       "mono: one channel of 2 x 10 values");
	TAP_NEAR(json_number_value(json_array_get(a, 5)), 0.1, 2e-4, "-20 dBFS sine: max 0.1");
	TAP_NEAR(json_number_value(json_array_get(a, 4)), -0.1, 2e-4, "-20 dBFS sine: min -0.1");
	json_decref(j);

	/* errors, named */
	grym_peaks_query q = { 100, 0, -1 };
	char *js = NULL;
	char bad[GRYM_ID_LEN + 1];
	memset(bad, 'a', GRYM_ID_LEN);
	bad[GRYM_ID_LEN] = 0;
	TAP_EQ_INT(vf_text(&js, grym_view_peaks(cat, bad, &q, NULL, NULL, &err), &err), GRYM_ERR_NOTFOUND, "unknown asset");
	TAP_OK(strstr(err.msg, bad) && strstr(err.msg, "not found"), "the message names it: %s", err.msg);
	q.points = 0;
	TAP_EQ_INT(vf_text(&js, grym_view_peaks(cat, id, &q, NULL, NULL, &err), &err), GRYM_ERR_INVALID, "points=0");
	TAP_OK(strstr(err.msg, "points") != NULL, "named: %s", err.msg);
	q.points = 100;
	q.start = 5;
	q.end = 2;
	TAP_EQ_INT(vf_text(&js, grym_view_peaks(cat, id, &q, NULL, NULL, &err), &err), GRYM_ERR_INVALID, "start > end");
	TAP_OK(strstr(err.msg, "start 5 s is after end 2 s") != NULL, "named: %s", err.msg);
	q.start = 1000;
	q.end = -1;
	TAP_EQ_INT(vf_text(&js, grym_view_peaks(cat, id, &q, NULL, NULL, &err), &err), GRYM_ERR_INVALID,
		   "start past the end: %s", err.msg);

	/* the cache is a cache: an object gone is reported by fsck, and made
	 * again by the next request */
	TAP_SETUP(grym_store_remove(grym_catalog_store(cat), obj, &err));
	char line[512] = "";
	TAP_OK(grym_catalog_fsck(cat, last_line, line, &err) == GRYM_ERR_CORRUPT &&
	       strstr(line, "peaks view of") && strstr(line, "is missing"), "fsck names it: %s", line);
	j = peaks(cat, id, NB, 0, -1, &st, NULL);
	TAP_OK(j && st.decoded == 1 && st.cached == 0 && strcmp(st.object, obj) == 0 && exact(j, 0, 1, NB),
	       "removed object: decoded again, the same object back");
	json_decref(j);

	/* a cancelled build stores nothing; dropped views are made again */
	volatile sig_atomic_t stop = 1;
	grym_view_opts vo = { &stop, NULL, NULL };
	int64_t dropped = -1;
	TAP_OK(grym_catalog_drop_views(cat, sine, &dropped, &err) == GRYM_OK && dropped == 1,
	       "drop_views: the sine's one view");
	q.points = 10;
	q.start = 0;
	q.end = -1;
	js = NULL;
	TAP_EQ_INT(vf_text(&js, grym_view_peaks(cat, sine, &q, &vo, &st, &err), &err), GRYM_ERR_CANCELLED,
		   "cancel flag set: cancelled");
	grym_store_reader *rd = NULL;
	TAP_EQ_INT(vf_reader(&rd, grym_catalog_open_view(cat, sine, "peaks", "{\"bucket\":256,\"factor\":4,\"version\":1}", &err), &err), GRYM_ERR_NOTFOUND, "and no view stored");
	stop = 0;
	TAP_OK(vf_text(&js, grym_view_peaks(cat, sine, &q, &vo, &st, &err), &err) == GRYM_OK && st.decoded == 1 && js,
	       "flag clear: made again");
	free(js);

	/* gc keeps referenced view objects; fsck is clean */
	int64_t removed = -1;
	TAP_OK(grym_catalog_gc(cat, 0, 0, &removed, NULL, NULL, NULL, &err) == GRYM_OK && removed == 0 &&
	       grym_store_has(grym_catalog_store(cat), obj), "gc keeps a view's object");
	TAP_EQ_INT(grym_catalog_fsck(cat, NULL, NULL, &err), GRYM_OK, "fsck clean with views: %s", err.msg);

	/* merge carries no views */
	char dir2[4096];
	snprintf(dir2, sizeof dir2, "%s/cat2", tap_tmpdir());
	grym_catalog *c2 = grym_catalog_open(dir2, &err);
	int64_t added = 0, conflicts = 0;
	grym_store_reader *r = NULL;
	TAP_OK(c2 && grym_catalog_merge(c2, dir, &added, &conflicts, NULL, NULL, &err) == GRYM_OK &&
	       added >= 2 && vf_reader(&r, grym_catalog_open_view(c2, id, "peaks", "{\"bucket\":256,\"factor\":4,\"version\":1}", &err), &err) == GRYM_ERR_NOTFOUND &&
	       !grym_store_has(grym_catalog_store(c2), obj), "merge carries assets, not views or their objects");
	grym_catalog_close(c2);

	/* the asset goes: its views go, and gc then drops the object */
	int before = 0, after = 0;
	TAP_SETUP(grym_store_foreach(grym_catalog_store(cat), count_objects, &before, &err));
	TAP_SETUP(grym_catalog_rm_asset(cat, id, 0, &err));
	TAP_OK(grym_catalog_gc(cat, 0, 0, &removed, NULL, NULL, NULL, &err) == GRYM_OK &&
	       !grym_store_has(grym_catalog_store(cat), obj), "asset removed: its view's object goes at gc");
	TAP_SETUP(grym_store_foreach(grym_catalog_store(cat), count_objects, &after, &err));
	TAP_EQ_INT(before - after, 2, "gc removed the asset's object and its view's");

	grym_catalog_close(cat);
	free(x);
	free(s);
	return tap_done();
}
