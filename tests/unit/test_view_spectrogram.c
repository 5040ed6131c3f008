/* test_view_spectrogram.c — the spectrogram view (grym/view.h): a 1 kHz
 * sine's loudest row is the band holding 1 kHz, in every column, on the
 * linear and the mel scale; the matrix is width x height with row 0 the
 * highest band (the header's frequencies fall); 255 is the maximum and
 * the dB range is top_db; the PNG decodes with libpng to the same size
 * with viridis colours; the second request is cached (no decode, same
 * bytes); a subrange and bad parameters; an unknown asset is named; a
 * subrange late in a chirp (reached by a seek) is the very view of a
 * file holding just its samples. */
#include <png.h>
#include "view_fixture.h"

#define RATE 16000

/* the row of the largest value in column c, and whether every column
 * agrees */
static int peak_row(const grym_spectrogram_view *v, int c)
{
	int best = 0;
	for (int r = 1; r < v->height; r++)
		if (v->data[(size_t)r * v->width + c] > v->data[(size_t)best * v->width + c])
			best = r;
	return best;
}

static int all_peaks_at(const grym_spectrogram_view *v, const json_t *h, double hz, double tol)
{
	json_t *f = json_object_get(h, "frequencies");
	/* the edge columns are half padding: look inside */
	for (int c = 2; c < v->width - 2; c++) {
		double got = json_number_value(json_array_get(f, (size_t)peak_row(v, c)));
		if (fabs(got - hz) > tol) {
			tap_diag("column %d: peak at %g Hz", c, got);
			return 0;
		}
	}
	return 1;
}

int main(void)
{
	tap_plan(25);
	grym_error err = { 0 };
	char dir[4096], id[GRYM_ID_LEN + 1];
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *cat = grym_catalog_open(dir, &err);
	float *x = vf_sine(RATE * 2, 1, RATE, 1000, -6);
	TAP_SETUP(cat ? vf_add_asset(cat, "sine", x, RATE * 2, 1, RATE, GRYM_SAMPLE_S16, id) : -1);

	/* linear: 64 bands of 125 Hz over 0..8 kHz */
	grym_spectrogram_query q = { 0, -1, 100, 64, GRYM_SPEC_SCALE_LINEAR, 2048, 80 };
	grym_spectrogram_view v = { 0 }, v2 = { 0 };
	grym_view_stat st;
	TAP_EQ_INT(vf_spec(&v, grym_view_spectrogram(cat, id, &q, NULL, &st, &err), &err), GRYM_OK, "linear: %s", err.msg);
	json_t *h = json_loads(v.header ? v.header : "", 0, NULL);
	TAP_OK(v.width == 100 && v.height == 64 && h &&
	       json_integer_value(json_object_get(h, "width")) == 100 &&
	       json_integer_value(json_object_get(h, "hop")) == 320 &&
	       json_array_size(json_object_get(h, "frequencies")) == 64, "100 x 64, hop 320, 64 frequencies");
	json_t *f = json_object_get(h, "frequencies");
	TAP_OK(json_number_value(json_array_get(f, 0)) > json_number_value(json_array_get(f, 63)) &&
	       json_number_value(json_array_get(f, 63)) < 100, "row 0 is the highest band, row 63 the lowest");
	TAP_OK(h && all_peaks_at(&v, h, 1000, 125), "linear: every column peaks in the band of 1 kHz");
	TAP_EQ_INT(v.data[(size_t)peak_row(&v, 50) * v.width + 50], 255, "the loudest cell is 255");
	TAP_NEAR(json_number_value(json_object_get(h, "db_max")) - json_number_value(json_object_get(h, "db_min")),
		 80, 1e-9, "the dB range is top_db");
	TAP_OK(st.cached == 0 && st.decoded == 1 && grym_id_is_full(st.object), "computed and stored");
	char obj[GRYM_ID_LEN + 1];
	memcpy(obj, st.object, sizeof obj);
	TAP_EQ_INT(vf_spec(&v2, grym_view_spectrogram(cat, id, &q, NULL, &st, &err), &err), GRYM_OK, "again");
	TAP_OK(st.cached == 1 && st.decoded == 0 && strcmp(st.object, obj) == 0 && v2.width == v.width &&
	       v2.height == v.height && memcmp(v.data, v2.data, (size_t)v.width * v.height) == 0 &&
	       strcmp(v.header, v2.header) == 0, "cached: no decode, the same object and bytes");
	vf_spec_clear(&v2);

	/* the PNG */
	unsigned char *png = NULL;
	size_t len = 0;
	TAP_EQ_INT(grym_spectrogram_png(&v, &png, &len, &err), GRYM_OK, "PNG: %s", err.msg);
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	unsigned char *pix = NULL;
	int ok = png_image_begin_read_from_memory(&img, png, len);
	if (ok) {
		img.format = PNG_FORMAT_RGB;
		pix = malloc(PNG_IMAGE_SIZE(img));
		ok = pix && png_image_finish_read(&img, NULL, pix, 0, NULL);
	}
	TAP_OK(ok && img.width == 100 && img.height == 64, "libpng reads it back: 100 x 64");
	int r = peak_row(&v, 50);
	unsigned char *px = pix ? pix + ((size_t)r * 100 + 50) * 3 : NULL;
	TAP_OK(px && px[0] == 253 && px[1] == 231 && px[2] == 37, "the loudest pixel is viridis' yellow");
	free(pix);
	free(png);
	json_decref(h);
	vf_spec_clear(&v);

	/* mel */
	q.scale = GRYM_SPEC_SCALE_MEL;
	q.height = 80;
	TAP_EQ_INT(vf_spec(&v, grym_view_spectrogram(cat, id, &q, NULL, &st, &err), &err), GRYM_OK, "mel: %s", err.msg);
	h = json_loads(v.header ? v.header : "", 0, NULL);
	/* mel bands near 1 kHz are about 100 Hz apart at 80 bands to 8 kHz */
	TAP_OK(h && v.height == 80 && all_peaks_at(&v, h, 1000, 110), "mel: every column peaks at the band of 1 kHz");
	TAP_EQ_STR(json_string_value(json_object_get(h, "scale")), "mel", "the header says mel");
	json_decref(h);
	vf_spec_clear(&v);

	/* a subrange */
	q.start = 0.5;
	q.end = 1.0;
	q.width = 50;
	TAP_EQ_INT(vf_spec(&v, grym_view_spectrogram(cat, id, &q, NULL, &st, &err), &err), GRYM_OK, "subrange");
	h = json_loads(v.header ? v.header : "", 0, NULL);
	TAP_OK(h && v.width == 50 && json_integer_value(json_object_get(h, "hop")) == 160 &&
	       json_number_value(json_object_get(h, "time_start")) == 0.5 &&
	       json_number_value(json_object_get(h, "time_step")) == 0.01, "0.5..1 s in 50 columns: hop 160, 10 ms");
	json_decref(h);
	vf_spec_clear(&v);

	/* a subrange late in a file, which the decoder reaches by a seek
	 * (grym_decode_opts.seek): the view of a file of just those samples,
	 * a chirp so that a range off by a few samples shows */
	{
		int64_t n = RATE * 20, a0 = RATE * 15 + 123, len = RATE * 2;
		float *c = malloc(sizeof *c * (size_t)n);
		char cid[GRYM_ID_LEN + 1], pid[GRYM_ID_LEN + 1];
		for (int64_t i = 0; c && i < n; i++) {
			double t = (double)i / RATE;
			c[i] = (float)(0.5 * sin(2 * M_PI * (100 * t + 150 * t * t)));
		}
		TAP_SETUP(c ? vf_add_asset(cat, "chirp", c, n, 1, RATE, GRYM_SAMPLE_S16, cid) : -1);
		TAP_SETUP(c ? vf_add_asset(cat, "piece", c + a0, len, 1, RATE, GRYM_SAMPLE_S16, pid) : -1);
		grym_spectrogram_query cq = { (double)a0 / RATE, (double)(a0 + len) / RATE, 200, 64,
					      GRYM_SPEC_SCALE_MEL, 512, 80 };
		grym_spectrogram_query pq = cq;
		pq.start = 0;
		pq.end = -1;
		grym_spectrogram_view vc = { 0 }, vp = { 0 };
		grym_error e2 = { 0 };
		int rc = vf_spec(&vc, grym_view_spectrogram(cat, cid, &cq, NULL, NULL, &err), &err);
		TAP_OK(rc == GRYM_OK && vf_spec(&vp, grym_view_spectrogram(cat, pid, &pq, NULL, NULL, &e2), &e2) == GRYM_OK,
		       "late subrange and the piece: %s %s", err.msg, e2.msg);
		TAP_OK(vc.data && vp.data && vc.width == vp.width && vc.height == vp.height &&
		       memcmp(vc.data, vp.data, (size_t)vc.width * vc.height) == 0,
		       "%.4f..%.4f s of the chirp: the very view of those samples (%d x %d)", cq.start, cq.end,
		       vc.width, vc.height);
		vf_spec_clear(&vc);
		vf_spec_clear(&vp);
		free(c);
	}

	/* errors */
	grym_spectrogram_query bad = q;
	bad.width = 9000;
	TAP_EQ_INT(vf_spec(&v, grym_view_spectrogram(cat, id, &bad, NULL, NULL, &err), &err), GRYM_ERR_INVALID, "width 9000");
	TAP_OK(strstr(err.msg, "width") != NULL, "named: %s", err.msg);
	bad = q;
	bad.n_fft = 1000;
	TAP_EQ_INT(vf_spec(&v, grym_view_spectrogram(cat, id, &bad, NULL, NULL, &err), &err), GRYM_ERR_INVALID, "n_fft 1000: %s", err.msg);
	bad = q;
	bad.start = 1.5;
	bad.end = 1.0;
	TAP_EQ_INT(vf_spec(&v, grym_view_spectrogram(cat, id, &bad, NULL, NULL, &err), &err), GRYM_ERR_INVALID, "start > end: %s", err.msg);
	char unknown[GRYM_ID_LEN + 1];
	memset(unknown, 'b', GRYM_ID_LEN);
	unknown[GRYM_ID_LEN] = 0;
	TAP_EQ_INT(vf_spec(&v, grym_view_spectrogram(cat, unknown, &q, NULL, NULL, &err), &err), GRYM_ERR_NOTFOUND, "unknown asset");
	TAP_OK(strstr(err.msg, unknown) != NULL, "named: %s", err.msg);

	grym_catalog_close(cat);
	free(x);
	return tap_done();
}
