/* test_view_features.c — feature plots (grym/view.h): a 440 Hz sine's RMS
 * is its amplitude / sqrt(2) and its spectral centroid 440 Hz at every
 * point inside the clip; the features computed are stored as feature sets
 * under the default plan's recipe ids (so grym-features reuses them) and
 * the second call takes them from the catalog without decoding; MFCC is
 * a 20 x points matrix with its dim names; the summary mean is the mean
 * of the frames; points beyond the frames give one point per frame;
 * errors are named. */
#include "view_fixture.h"

#define RATE 22050
#define AMP 0.5

static int count_sets(void *ud, const grym_feature_set *f)
{
	(void)f;
	(*(int *)ud)++;
	return 0;
}

int main(void)
{
	tap_plan(18);
	grym_error err = { 0 };
	char dir[4096], id[GRYM_ID_LEN + 1];
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *cat = grym_catalog_open(dir, &err);
	float *x = vf_sine(RATE * 3, 1, RATE, 440, 20 * log10(AMP));
	TAP_SETUP(cat ? vf_add_asset(cat, "sine", x, RATE * 3, 1, RATE, GRYM_SAMPLE_F32, id) : -1);

	char *js = NULL, *js2 = NULL;
	grym_view_stat st;
	TAP_EQ_INT(vf_text(&js, grym_view_features(cat, id, NULL, 20, NULL, &st, &err), &err), GRYM_OK, "features: %s", err.msg);
	json_t *j = json_loads(js ? js : "", 0, NULL), *fs = json_object_get(j, "features");
	json_t *rms = json_object_get(fs, "rms"), *cen = json_object_get(fs, "centroid"), *mf = json_object_get(fs, "mfcc");
	TAP_OK(rms && cen && mf && json_object_size(fs) == 3, "the default names: rms, centroid, mfcc");
	json_t *rv = json_array_get(json_object_get(rms, "values"), 0), *cv = json_array_get(json_object_get(cen, "values"), 0);
	TAP_OK(json_array_size(rv) == 20 && json_array_size(cv) == 20 &&
	       json_integer_value(json_object_get(rms, "frames")) == 1 + RATE * 3 / 512, "20 points of 130 frames");
	int ok = 1;
	for (size_t i = 2; i < 18; i++)
		ok &= fabs(json_number_value(json_array_get(rv, i)) - AMP / sqrt(2)) < 0.01;
	TAP_OK(ok, "rms is amplitude / sqrt(2) inside the clip");
	ok = 1;
	for (size_t i = 2; i < 18; i++)
		ok &= fabs(json_number_value(json_array_get(cv, i)) - 440) < 30;
	TAP_OK(ok, "the centroid of a 440 Hz sine is near 440 Hz");
	TAP_OK(json_array_size(json_object_get(mf, "values")) == 20 &&
	       json_array_size(json_array_get(json_object_get(mf, "values"), 19)) == 20 &&
	       strcmp(json_string_value(json_array_get(json_object_get(mf, "names"), 3)), "mfcc3") == 0,
	       "mfcc: 20 series of 20 points, named mfcc0..");
	TAP_NEAR(json_number_value(json_object_get(rms, "time_step")), 512.0 / RATE * 130 / 20, 1e-5,
		 "time_step: frames per point x hop / rate");
	TAP_OK(st.decoded == 1 && st.cached == 0, "computed: one decode");

	/* stored as the features stage stores them */
	int nsets = 0;
	TAP_SETUP(grym_catalog_foreach_features(cat, id, count_sets, &nsets, &err));
	TAP_EQ_INT(nsets, 3, "three feature sets stored");
	grym_features_plan p;
	grym_features_plan_default(&p);
	json_t *r = grym_features_recipe(&p, GRYM_FEAT_MFCC);
	char fid[GRYM_ID_LEN + 1];
	grym_feature_set set;
	TAP_SETUP(grym_id_derived(id, r, fid, &err));
	json_decref(r);
	TAP_OK(grym_catalog_get_features(cat, fid, &set, &err) == GRYM_OK && set.frames == 130 && set.dims == 20,
	       "mfcc under the default plan's recipe id: %s", err.msg);
	grym_feature_set_clear(&set);

	/* again: from the catalog */
	TAP_EQ_INT(vf_text(&js2, grym_view_features(cat, id, "rms,centroid,mfcc", 20, NULL, &st, &err), &err), GRYM_OK, "again");
	TAP_OK(js2 && strcmp(js, js2) == 0 && st.decoded == 0 && st.cached == 1, "cached: no decode, same text");
	free(js2);
	js2 = NULL;

	/* every frame: the summary mean is the mean of the points */
	TAP_EQ_INT(vf_text(&js2, grym_view_features(cat, id, "rms", 1000, NULL, &st, &err), &err), GRYM_OK, "rms at 1000 points");
	json_t *j2 = json_loads(js2 ? js2 : "", 0, NULL), *r2 = json_object_get(json_object_get(j2, "features"), "rms");
	json_t *v2 = json_array_get(json_object_get(r2, "values"), 0);
	double s = 0;
	for (size_t i = 0; i < json_array_size(v2); i++)
		s += json_number_value(json_array_get(v2, i));
	TAP_OK(json_array_size(v2) == 130 && json_integer_value(json_object_get(r2, "points")) == 130,
	       "more points than frames: one per frame");
	TAP_NEAR(json_number_value(json_array_get(json_object_get(json_object_get(r2, "summary"), "mean"), 0)),
		 s / 130, 1e-4, "summary mean is the frames' mean");
	json_decref(j2);
	free(js2);

	TAP_EQ_INT(vf_text(&js2, grym_view_features(cat, id, "rms,nonsense", 20, NULL, NULL, &err), &err), GRYM_ERR_INVALID,
		   "unknown feature: %s", err.msg);
	TAP_EQ_INT(vf_text(&js2, grym_view_features(cat, id, NULL, 0, NULL, NULL, &err), &err), GRYM_ERR_INVALID, "points 0");
	char unknown[GRYM_ID_LEN + 1];
	memset(unknown, 'd', GRYM_ID_LEN);
	unknown[GRYM_ID_LEN] = 0;
	TAP_OK(vf_text(&js2, grym_view_features(cat, unknown, NULL, 20, NULL, NULL, &err), &err) == GRYM_ERR_NOTFOUND &&
	       strstr(err.msg, unknown), "unknown asset, named: %s", err.msg);

	json_decref(j);
	free(js);
	grym_catalog_close(cat);
	free(x);
	return tap_done();
}
