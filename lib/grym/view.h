/*
 * view.h — what the browser UI looks at for one asset, computed by the
 * library and cached in the catalog (the views table, grym/catalog.h):
 * the waveform's peaks, a spectrogram, loudness curves and feature plots.
 * grym-serve's routes call these and send the text or bytes they return;
 * nothing here speaks HTTP.
 *
 * Views that need the audio decode the asset's object once, streaming
 * (grym/audio.h: blocks of frames, never the whole signal in memory), and
 * store what they made as an object with a views row keyed by (asset,
 * kind, params); the next request with the same parameters reads that
 * object. A view whose object is missing or damaged is made again and
 * put back. Views are caches: grym-catalog(5) says how gc, fsck, export,
 * import and merge treat them.
 *
 * A view call returns what it made: JSON text (char *, malloc'ed, the
 * caller frees), or bytes with a JSON header (the spectrogram), and NULL
 * on failure with the status in err->code. Numbers that are undefined
 * (loudness of silence) are JSON null.
 *
 * Errors name the input and the problem: an unknown asset is
 * GRYM_ERR_NOTFOUND ("asset ID not found"), a parameter out of range is
 * GRYM_ERR_INVALID naming it ("points must be 1..100000, not 0", "start
 * 5 s is after end 2 s"); GRYM_ERR_CORRUPT for an asset's damaged object,
 * GRYM_ERR_CANCELLED when opts->cancel is set, GRYM_ERR_NOMEM, GRYM_ERR_IO,
 * GRYM_ERR_DB.
 *
 * Thread-safety: a call uses the catalog handle it is given (one thread
 * at a time, as every catalog call); calls on distinct handles may run in
 * parallel, and two that make the same view at once both store it (the
 * same bytes, one row).
 */
#ifndef GRYM_VIEW_H
#define GRYM_VIEW_H
#pragma GCC visibility push(default)

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "grym/catalog.h"
#include "grym/error.h"
#include "grym/hash.h"
#include "grym/progress.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a view call may be given; NULL means none of it. cancel stops a
 * decode within a block (GRYM_ERR_CANCELLED, nothing stored); progress
 * hears the fraction of the asset decoded (grym/progress.h). */
typedef struct grym_view_opts {
	const volatile sig_atomic_t *cancel;
	grym_progress_fn progress;
	void *progress_ud;
} grym_view_opts;

/* What a view call did, for tests and metrics (may be NULL). */
typedef struct grym_view_stat {
	int cached;                     /* 1: read from a stored view */
	int decoded;                    /* decodes of the asset made by this call */
	char object[GRYM_ID_LEN + 1];   /* the view's object ("" when none) */
} grym_view_stat;

/* ---- peaks (lib/view/peaks_*.c) ----
 *
 * The pyramid: per channel, the minimum and maximum sample of every
 * bucket of GRYM_PEAKS_BUCKET frames (level 0), then of every
 * GRYM_PEAKS_FACTOR buckets of the level below (levels 1, 2, ... until one
 * bucket holds the whole asset). Samples are the decoder's float samples,
 * which are relative to the format's full scale (a 16-bit sample s is
 * s / 32768), so a quiet file looks quiet: a -20 dBFS sine peaks at 0.1.
 * 256 frames is audiowaveform's default zoom (about 5.8 ms at 44.1 kHz:
 * a 2-hour file at 1 point per bucket is still 1.2 million points, more
 * than any screen), and a factor of 4 keeps the pyramid a third larger
 * than level 0 while a request reads at most 4 buckets per point. */
#define GRYM_PEAKS_BUCKET 256
#define GRYM_PEAKS_FACTOR 4
#define GRYM_PEAKS_POINTS_MAX 100000

/* Make and store the peaks pyramid of the asset of full id asset unless
 * the catalog has it (one streaming decode; memory: level 0 is written to
 * the store as it is made, the coarser levels, a third of its size, are
 * kept until the end). For ingest ("built at ingest or on first decode")
 * and for grym_view_peaks. */
int grym_view_peaks_build(grym_catalog *cat, const char *asset, const grym_view_opts *opts,
			  grym_view_stat *st, grym_error *err) GRYM_MUST_CHECK;

/* A peaks request: points >= 1 (at most GRYM_PEAKS_POINTS_MAX), the time
 * range [start, end) in seconds; end < 0 means the end of the asset, an
 * end past it is the end. */
typedef struct grym_peaks_query {
	int points;
	double start;
	double end;
} grym_peaks_query;

/* The peaks of [start, end) in `points` points, from the pyramid (made
 * first when missing), as JSON text (malloc'ed):
 *   {"asset": ID, "sample_rate": R, "channels": C, "duration": seconds of
 *    the asset, "start": S, "end": E (seconds, as clamped), "points": N,
 *    "frames_per_point": F, "level": L, "bucket": frames per bucket of
 *    level L, "peaks": [[min0, max0, min1, max1, ...], ...one array per
 *    channel]}
 * Each channel's array holds 2 N numbers in [-1, 1], alternating the
 * minimum and the maximum of each point: wavesurfer.js (v7) takes
 * "peaks" as its `peaks` option (Array<number[]>, one array per channel,
 * drawing per pixel the largest |value|, so the alternation draws the
 * true envelope) with "duration" as its `duration`. A point is answered
 * from the coarsest level whose buckets are no longer than the point
 * (the one just finer than asked), taking the buckets that overlap it:
 * its edges are exact to a bucket of that level. A request finer than
 * level 0 gets fewer points, one per GRYM_PEAKS_BUCKET frames ("points"
 * says how many). */
char *grym_view_peaks(grym_catalog *cat, const char *asset, const grym_peaks_query *q,
		      const grym_view_opts *opts, grym_view_stat *st, grym_error *err)
	GRYM_MUST_CHECK;

/* ---- spectrogram (lib/view/spectrogram.c, png.c) ---- */

typedef enum grym_spec_scale {
	GRYM_SPEC_SCALE_MEL = 0,   /* log-mel: rows are mel bands (Slaney, as librosa) */
	GRYM_SPEC_SCALE_LINEAR     /* STFT power: rows are equal bands of 0..rate/2 */
} grym_spec_scale;

/* A spectrogram request; zero fields take the defaults in brackets. */
typedef struct grym_spectrogram_query {
	double start, end;      /* seconds; end < 0 (or 0 with start 0): to the end */
	int width;              /* columns (time frames), 1..8192 [1024] */
	int height;             /* rows (bands), 1..1024 [128] */
	grym_spec_scale scale;  /* [mel] */
	int n_fft;              /* 64..16384, a power of two [2048] */
	double top_db;          /* dynamic range shown, > 0 [80] */
} grym_spectrogram_query;

/* A spectrogram as the UI draws it: width x height bytes, row-major, row
 * 0 the HIGHEST band (the top of the picture), column 0 the earliest
 * frame; 0 is the header's db_min or below, 255 db_max, linear in dB in
 * between. header is JSON text:
 *   {"asset", "start", "end", "width", "height", "scale": "mel"|"linear",
 *    "sample_rate", "n_fft", "hop" (samples between columns), "time_start"
 *    (seconds of column 0's centre), "time_step" (seconds between
 *    columns), "frequencies": [Hz of each row, row 0 first: the centre
 *    of a mel band, or of a linear band], "db_min", "db_max", "top_db",
 *    "ref": 1 (dB relative to a full-scale power of 1, as
 *    librosa.power_to_db(ref=1.0)), "orientation": "rows top-down from
 *    the highest frequency, columns left to right in time"}
 * The signal is the mean of the asset's channels at its own rate.
 * Columns are frames of the STFT at a hop of (range in samples) / width,
 * so only the frames drawn are computed (a 10-minute range at 1024
 * columns is 1024 FFTs): each column is one window, not an average. */
typedef struct grym_spectrogram_view {
	unsigned char *data;    /* width * height bytes, owned */
	int width, height;
	char *header;           /* JSON text, owned */
} grym_spectrogram_view;
/* Free v and what it owns (NULL is fine). */
void grym_spectrogram_view_free(grym_spectrogram_view *v);

/* The spectrogram of the asset for q (from the catalog when stored with
 * the same parameters, else computed from one decode of the range, its
 * start reached by a seek where the file allows (grym_decode_opts.seek),
 * and stored): a new view, the caller's to free with
 * grym_spectrogram_view_free; NULL on failure with err->code set. */
grym_spectrogram_view *grym_view_spectrogram(grym_catalog *cat, const char *asset,
					     const grym_spectrogram_query *q,
					     const grym_view_opts *opts, grym_view_stat *st,
					     grym_error *err) GRYM_MUST_CHECK;

/* v as an 8-bit RGB PNG (libpng) of width x height pixels through the
 * viridis colour map (0 dark blue, 255 yellow): *png (malloc'ed, the
 * caller frees) and *len. GRYM_ERR_INVALID for an empty view,
 * GRYM_ERR_NOMEM, GRYM_ERR_INTERNAL for a libpng failure. */
int grym_spectrogram_png(const grym_spectrogram_view *v, unsigned char **png, size_t *len,
			 grym_error *err) GRYM_MUST_CHECK;

/* ---- loudness (lib/view/loudness_view.c) ---- */

/* Loudness curves (grym/loudness.h: BS.1770-4, EBU R128) of the asset as
 * JSON text: momentary (400 ms) and short-term (3 s) loudness every
 * 100 ms, each value that of the block ending at its time, downsampled to
 * at most `points` values per curve (0: every value) by taking the
 * loudest of each group (a short loud event stays visible):
 *   {"asset", "duration", "points": values per curve, "step": seconds
 *    between values, "time_start": seconds of the first value (the end of
 *    its group's last block), "momentary": [LUFS...], "shortterm":
 *    [LUFS...], "integrated": LUFS, "lra": LU, "true_peak": dBTP,
 *    "sample_peak": dBFS, "momentary_max", "shortterm_max"}
 * Silence and undefined values are null. The full-resolution curves are
 * stored once (one decode); later calls read them. points > 1000000 is
 * GRYM_ERR_INVALID. */
char *grym_view_loudness(grym_catalog *cat, const char *asset, int points,
			 const grym_view_opts *opts, grym_view_stat *st, grym_error *err)
	GRYM_MUST_CHECK;

/* ---- feature plots (lib/view/features_view.c) ---- */

/* Frame features of the asset for plots, downsampled to `points` points
 * (1..100000; fewer when the asset has fewer frames), as JSON text:
 *   {"asset", "points", "features": {NAME: {"dims", "frames",
 *    "time_start", "time_step" (seconds between points), "names": [the
 *    name of each dim], "values": [[dim 0 over the points], [dim 1...]...]
 *    (dims-major: one series per dim, a heat map's rows for mfcc),
 *    "summary": {"mean": [...], "std": [...]} (over all frames)}, ...}}
 * Each point is the mean of the frames it covers. names is a
 * comma-separated list of grym-features' names (grym/features.h), NULL or
 * "" for "rms,centroid,mfcc". Features come from the catalog's feature
 * sets of the asset (under the default plan's recipe, else any set of that
 * feature); those missing are computed with the default plan
 * (grym_features_plan_default: librosa's parameters at the asset's rate)
 * in one decode and stored as feature sets, as grym-features stores them.
 * An unknown name is GRYM_ERR_INVALID listing the names. */
char *grym_view_features(grym_catalog *cat, const char *asset, const char *names, int points,
			 const grym_view_opts *opts, grym_view_stat *st, grym_error *err)
	GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
