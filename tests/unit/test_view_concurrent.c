/* test_view_concurrent.c — two threads, each with its own catalog handle
 * (grym/catalog.h: one handle per thread), ask for the peaks and the
 * spectrogram of one asset at the same time, before either is stored:
 * both succeed with the same text and the same object, and the catalog
 * keeps one row of each view (the views table's key) and is clean. */
#include <pthread.h>
#include "view_fixture.h"

#define RATE 16000

typedef struct job {
	const char *dir, *id;
	char *peaks;
	unsigned char spec[64 * 32];
	char object[GRYM_ID_LEN + 1];
	int rc;
	char msg[GRYM_ERROR_MSG_MAX];
} job;

static void *run(void *p)
{
	job *j = p;
	grym_error err = { 0 };
	grym_catalog *cat = grym_catalog_open(j->dir, &err);
	grym_peaks_query q = { 500, 0, -1 };
	grym_spectrogram_query sq = { 0, -1, 64, 32, GRYM_SPEC_SCALE_MEL, 1024, 80 };
	grym_spectrogram_view v = { 0 };
	grym_view_stat st;
	j->rc = cat ? vf_text(&j->peaks, grym_view_peaks(cat, j->id, &q, NULL, &st, &err), &err) : -1;
	memcpy(j->object, st.object, sizeof j->object);
	if (j->rc == GRYM_OK)
		j->rc = vf_spec(&v, grym_view_spectrogram(cat, j->id, &sq, NULL, NULL, &err), &err);
	if (j->rc == GRYM_OK && v.width * v.height == (int)sizeof j->spec)
		memcpy(j->spec, v.data, sizeof j->spec);
	vf_spec_clear(&v);
	snprintf(j->msg, sizeof j->msg, "%s", err.msg);
	grym_catalog_close(cat);
	return NULL;
}


int main(void)
{
	tap_plan(5);
	grym_error err = { 0 };
	char dir[4096], id[GRYM_ID_LEN + 1];
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	grym_catalog *cat = grym_catalog_open(dir, &err);
	float *x = vf_sine(RATE * 20, 2, RATE, 500, -10);
	TAP_SETUP(cat ? vf_add_asset(cat, "sine", x, RATE * 20, 2, RATE, GRYM_SAMPLE_S16, id) : -1);
	grym_catalog_close(cat);

	job a = { dir, id, NULL, { 0 }, "", 0, "" }, b = a;
	pthread_t ta, tb;
	pthread_create(&ta, NULL, run, &a);
	pthread_create(&tb, NULL, run, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	TAP_OK(a.rc == GRYM_OK && b.rc == GRYM_OK, "both threads: %s %s", a.msg, b.msg);
	TAP_OK(a.peaks && b.peaks && strcmp(a.peaks, b.peaks) == 0 && strcmp(a.object, b.object) == 0,
	       "the same peaks and the same object");
	TAP_OK(memcmp(a.spec, b.spec, sizeof a.spec) == 0, "the same spectrogram");

	cat = grym_catalog_open(dir, &err);
	grym_store_reader *r = NULL;
	int rc = cat ? vf_reader(&r, grym_catalog_open_view(cat, id, "peaks", "{\"bucket\":256,\"factor\":4,\"version\":1}", &err), &err) : -1;
	TAP_OK(rc == GRYM_OK && strcmp(grym_store_reader_id(r), a.object) == 0, "one peaks row, that object");
	grym_store_reader_close(r);
	TAP_EQ_INT(cat ? grym_catalog_fsck(cat, NULL, NULL, &err) : -1, GRYM_OK, "fsck clean: %s", err.msg);
	grym_catalog_close(cat);
	free(a.peaks);
	free(b.peaks);
	free(x);
	return tap_done();
}
