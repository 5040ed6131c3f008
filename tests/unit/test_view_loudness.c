/* test_view_loudness.c — the loudness view (grym/view.h): a stereo 1 kHz
 * sine at -23 dBFS per channel (EBU Tech 3341 case 1, shortened to 10 s)
 * reads -23 LUFS integrated, and -23 in every momentary value from 0.4 s
 * and every short-term value from 3 s, within 0.1; the values before a
 * block is complete are null; the true peak is the sine's; points
 * downsample by the loudest of each group; the second call is cached;
 * errors are named. */
#include "view_fixture.h"

#define RATE 48000
#define SECS 10

static int all_near(const json_t *a, size_t from, double want, double tol)
{
	for (size_t i = from; i < json_array_size(a); i++)
		if (fabs(json_number_value(json_array_get(a, i)) - want) > tol || !json_is_number(json_array_get(a, i))) {
			tap_diag("value %zu: %g", i, json_number_value(json_array_get(a, i)));
			return 0;
		}
	return 1;
}

int main(void)
{
	tap_plan(16);
	grym_error err = { 0 };
	char dir[4096], id[GRYM_ID_LEN + 1];
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *cat = grym_catalog_open(dir, &err);
	float *x = vf_sine(RATE * SECS, 2, RATE, 1000, -23);
	TAP_SETUP(cat ? vf_add_asset(cat, "sine", x, RATE * SECS, 2, RATE, GRYM_SAMPLE_F32, id) : -1);

	char *js = NULL, *js2 = NULL;
	grym_view_stat st;
	TAP_EQ_INT(vf_text(&js, grym_view_loudness(cat, id, 0, NULL, &st, &err), &err), GRYM_OK, "loudness: %s", err.msg);
	json_t *j = json_loads(js ? js : "", 0, NULL);
	json_t *m = json_object_get(j, "momentary"), *s = json_object_get(j, "shortterm");
	TAP_OK(j && json_array_size(m) == SECS * 10 && json_array_size(s) == SECS * 10 &&
	       json_number_value(json_object_get(j, "step")) == 0.1, "a value every 100 ms for 10 s");
	TAP_NEAR(json_number_value(json_object_get(j, "integrated")), -23, 0.1, "integrated -23 LUFS");
	TAP_OK(all_near(m, 3, -23, 0.1), "momentary -23 from 0.4 s on");
	TAP_OK(all_near(s, 29, -23, 0.1), "short-term -23 from 3 s on");
	TAP_OK(json_is_null(json_array_get(m, 0)) && json_is_null(json_array_get(s, 0)) &&
	       json_is_null(json_array_get(s, 28)), "null before the first block is complete");
	TAP_NEAR(json_number_value(json_object_get(j, "true_peak")), -23, 0.1,
		 "true peak of a sine whose peak is -23 dBFS");
	TAP_OK(json_is_number(json_object_get(j, "lra")) && json_number_value(json_object_get(j, "lra")) < 0.1,
	       "LRA of a steady tone is 0");
	TAP_OK(st.decoded == 1 && st.cached == 0 && grym_id_is_full(st.object), "decoded once, stored");
	json_decref(j);

	TAP_EQ_INT(vf_text(&js2, grym_view_loudness(cat, id, 0, NULL, &st, &err), &err), GRYM_OK, "again");
	TAP_OK(js2 && strcmp(js, js2) == 0 && st.decoded == 0 && st.cached == 1, "cached: same bytes, no decode");
	free(js2);
	js2 = NULL;

	/* 10 points: each the loudest of 10 values */
	TAP_EQ_INT(vf_text(&js2, grym_view_loudness(cat, id, 10, NULL, &st, &err), &err), GRYM_OK, "10 points");
	j = json_loads(js2 ? js2 : "", 0, NULL);
	m = json_object_get(j, "momentary");
	TAP_OK(j && json_array_size(m) == 10 && json_number_value(json_object_get(j, "step")) == 1 &&
	       all_near(m, 0, -23, 0.1) && all_near(json_object_get(j, "shortterm"), 2, -23, 0.1) &&
	       json_is_null(json_array_get(json_object_get(j, "shortterm"), 1)),
	       "10 points of 1 s: the loudest of each (short-term null until 3 s)");
	json_decref(j);
	free(js2);
	free(js);

	TAP_EQ_INT(vf_text(&js, grym_view_loudness(cat, id, -1, NULL, NULL, &err), &err), GRYM_ERR_INVALID, "points -1");
	char unknown[GRYM_ID_LEN + 1];
	memset(unknown, 'c', GRYM_ID_LEN);
	unknown[GRYM_ID_LEN] = 0;
	TAP_EQ_INT(vf_text(&js, grym_view_loudness(cat, unknown, 0, NULL, NULL, &err), &err), GRYM_ERR_NOTFOUND, "unknown asset");
	TAP_OK(strstr(err.msg, unknown) != NULL, "named: %s", err.msg);

	grym_catalog_close(cat);
	free(x);
	return tap_done();
}
