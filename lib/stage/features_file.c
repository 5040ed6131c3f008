/*
 * features_file.c — the extractor run on an audio file
 * (grym_features_file, see grym/features_file.h): the one decode-and-feed
 * loop that grym-features and a model's replay share, so both stop on the
 * same cancel flag and report progress the same way.
 *
 * Progress is the position in the file: decoding and feeding take most
 * of the time, so they are given the first nine tenths; the whole-clip
 * steps of grym_extractor_finish (the top_db floor, deltas, chroma's
 * tuning, reading back spilled rows) the last tenth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/audio.h"
#include "grym/features.h"
#include "grym/features_file.h"
#include "grym/progress.h"

#define BLOCK 65536
#define FEED_SHARE 0.9

int grym_features_file(const char *path, const grym_decode_opts *dec,
		       const grym_features_opts *o, const grym_feature *list, int n,
		       const grym_feature_sink *sink, double *rate, int64_t *samples,
		       grym_error *err)
{
	grym_decode_opts d;
	grym_decoder *dd;
	grym_extractor *x = NULL;
	grym_features_opts xo = *o;
	grym_progress_span span = { o->progress, o->progress_ud, FEED_SHARE, 1.0, "" };
	grym_ticker t;
	float *buf = NULL;
	int rc = GRYM_OK;

	if (dec)
		d = *dec;
	else
		memset(&d, 0, sizeof d);
	d.channels = 1;
	d.cancel = o->cancel;
	grym_ticker_init(&t, o->cancel, o->progress, o->progress_ud);
	if (!(dd = grym_decoder_open(path, &d, err)))
		return err ? err->code : GRYM_ERR_FORMAT;
	if (rate)
		*rate = grym_decoder_rate(dd);
	if (o->progress) {
		xo.progress = grym_progress_span_fn;
		xo.progress_ud = &span;
	}
	if (!(x = grym_extractor_new(&xo, grym_decoder_rate(dd), list, n, err))) {
		rc = err ? err->code : GRYM_ERR_INVALID;
		goto done;
	}
	if (!(buf = malloc(BLOCK * sizeof *buf))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto done;
	}
	grym_ticker_report(&t, 0.0, "analysing");
	for (;;) {
		int64_t got = grym_decoder_read(dd, buf, BLOCK, err);
		if (got < 0) {
			rc = (int)got;
			goto done;
		}
		if (got == 0)
			break;
		if ((rc = grym_extractor_feed(x, buf, (size_t)got, err)) != GRYM_OK)
			goto done;
		if (grym_ticker_due(&t)) {
			double sec, f = grym_decoder_progress(dd, &sec);
			char msg[64];
			if (f >= 0) {
				grym_ticker_report(&t, f * FEED_SHARE, "analysing");
			} else {
				snprintf(msg, sizeof msg, "analysing %.0f s", sec);
				grym_ticker_report(&t, -1, msg);
			}
		}
	}
	if (samples)
		*samples = grym_extractor_samples(x);
	rc = grym_extractor_finish(x, sink, err);
done:
	free(buf);
	grym_extractor_free(x);
	grym_decoder_close(dd);
	return rc;
}
