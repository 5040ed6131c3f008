/*
 * test_features_pitch_chain.c — the whole chain grym-features runs, from
 * the WAV to librosa's numbers: grym's STFT power spectrogram -> tuning
 * estimate -> chroma, and grym's log-mel -> onset strength -> tempo,
 * compared with the librosa 0.10.2 fixtures in
 * $GRYM_TOP/tests/fixtures/librosa (issue 5's tolerances: chroma and
 * onset rtol 1e-3 of the frame's largest value, tempo within 0.01 BPM).
 *
 * test_features_pitch.c tests each function on librosa's own
 * intermediates; this one checks that grym's intermediates (float32
 * power from a double FFT, grym's mel and power_to_db) lead to the same
 * results, tuning estimate included; then detuned tones at 8 to 192 kHz.
 */
#include "tap.h"
#include "grym/features.h"
#include "grym/features_pitch.h"
#include "grym/io.h"
#include "grym/npy.h"

#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char fixdir[4096];

/* A librosa fixture read with grym_npy_read, as FRAMES x DIMS (librosa's
 * (dims, frames) transposed; 1-D: frames x 1); NULL if absent. */
static float *load(const char *name, const char *feat, size_t *frames, size_t *dims)
{
	char path[8192];
	grym_input *in;
	float *raw = NULL, *v;
	uint64_t shape[2] = {0, 0};
	int ndim = 0, rc;
	size_t i, j;

	snprintf(path, sizeof path, "%s/%s.%s.npy", fixdir, name, feat);
	if (!(in = grym_input_open(path, NULL)))
		return NULL;
	rc = grym_npy_read(in, &raw, &ndim, shape, NULL);
	grym_input_free(in);
	if (rc != GRYM_OK)
		return NULL;
	if (ndim == 1) {
		*frames = (size_t)shape[0];
		*dims = 1;
		return raw;
	}
	*dims = (size_t)shape[0];
	*frames = (size_t)shape[1];
	v = malloc((*dims * *frames + 1) * sizeof *v);
	for (i = 0; v && i < *dims; i++)
		for (j = 0; j < *frames; j++)
			v[j * *dims + i] = raw[i * *frames + j];
	free(raw);
	return v;
}

/* max over elements of |g - w| / (max |w| in the frame); ok if all within
 * rtol * scale + atol */
static int within(const float *g, const float *w, size_t frames, size_t dims, double rtol,
		  double atol, double *worst)
{
	size_t t, d;
	int ok = 1;

	*worst = 0;
	for (t = 0; t < frames; t++) {
		double scale = 0;
		for (d = 0; d < dims; d++)
			scale = fmax(scale, fabs(w[t * dims + d]));
		for (d = 0; d < dims; d++) {
			double e = fabs((double)g[t * dims + d] - w[t * dims + d]);
			if (!(e <= rtol * scale + atol))
				ok = 0;
			if (scale > 0)
				*worst = fmax(*worst, e / scale);
		}
	}
	return ok;
}

static void chain(const char *name)
{
	char path[8192];
	SF_INFO info;
	SNDFILE *sf;
	float *x, *ref, *chroma = NULL, *onset = NULL;
	size_t frames, dims, t;
	grym_stft_params sp = GRYM_STFT_PARAMS_DEFAULT;
	grym_features_opts o;
	grym_fmat pow = {0}, lm = {0};
	grym_error err = {0};
	grym_chroma *c = NULL;
	grym_tempo *tp = NULL;
	double tuning = 0, worst = 0, bpm = 0;
	int rc, ok;

	snprintf(path, sizeof path, "%s/%s.wav", fixdir, name);
	memset(&info, 0, sizeof info);
	sf = sf_open(path, SFM_READ, &info);
	if (!TAP_OK(sf && info.channels == 1, "%s: WAV opened", name))
		return;
	x = malloc((size_t)info.frames * sizeof *x + 1);
	sf_readf_float(sf, x, info.frames);
	sf_close(sf);

	rc = grym_spectrogram(x, info.frames, &sp, GRYM_SPEC_POWER, &pow, &err);
	TAP_OK(rc == GRYM_OK, "%s: power spectrogram (%s)", name, err.msg);
	chroma = malloc((size_t)pow.frames * GRYM_CHROMA_BINS * sizeof *chroma);

	if ((ref = load(name, "chroma", &frames, &dims)) != NULL) {
		c = grym_chroma_new(info.samplerate, sp.n_fft, 0.0, &err);
		rc = c ? GRYM_OK : err.code;
		rc = rc ? rc : grym_chroma_do(c, pow.data, (size_t)pow.frames, chroma, &err);
		ok = rc == GRYM_OK && frames == (size_t)pow.frames &&
		     within(chroma, ref, frames, dims, 1e-3, 1e-7, &worst);
		TAP_OK(ok, "%s: chroma from grym's STFT within rtol 1e-3 (max error %.3g)", name,
		       worst);
		grym_chroma_free(c);
		c = NULL;
		free(ref);
	}
	if ((ref = load(name, "chroma_tuned", &frames, &dims)) != NULL) {
		rc = grym_tuning_estimate_spec(pow.data, (size_t)pow.frames, info.samplerate,
					       sp.n_fft, &tuning, &err);
		if (rc == GRYM_OK)
			rc = (c = grym_chroma_new(info.samplerate, sp.n_fft, tuning, &err)) ? GRYM_OK : err.code;
		rc = rc ? rc : grym_chroma_do(c, pow.data, (size_t)pow.frames, chroma, &err);
		ok = rc == GRYM_OK && within(chroma, ref, frames, dims, 1e-3, 1e-7, &worst);
		TAP_OK(ok, "%s: tuned chroma (tuning %+.2f) within rtol 1e-3 (max error %.3g)",
		       name, tuning, worst);
		grym_chroma_free(c);
		free(ref);
	}

	grym_features_opts_default(&o);
	rc = grym_features_compute(x, info.frames, info.samplerate, &o, GRYM_FEAT_LOGMEL, &lm, &err);
	TAP_OK(rc == GRYM_OK, "%s: log-mel (%s)", name, err.msg);
	onset = malloc((size_t)lm.frames * sizeof *onset + 1);
	if (rc == GRYM_OK && (ref = load(name, "onset", &frames, &dims)) != NULL) {
		float *tref;
		size_t tf, td;
		rc = grym_onset_strength(lm.data, (size_t)lm.frames, lm.dims, sp.n_fft, sp.hop, 1,
					 onset, &err);
		ok = rc == GRYM_OK && frames == (size_t)lm.frames &&
		     within(onset, ref, frames, 1, 1e-3, 1e-6, &worst);
		TAP_OK(ok, "%s: onset from grym's log-mel within rtol 1e-3 (max error %.3g)", name,
		       worst);
		if ((tref = load(name, "tempo", &tf, &td)) != NULL) {
			tp = grym_tempo_new(info.samplerate, sp.hop, NULL, &err);
			rc = tp ? GRYM_OK : err.code;
			rc = rc ? rc : grym_tempo_do(tp, onset, (size_t)lm.frames, &bpm, &err);
			TAP_OK(rc == GRYM_OK && fabs(bpm - tref[0]) <= 0.01,
			       "%s: tempo %.4f BPM from grym's onset, librosa %.4f", name, bpm,
			       tref[0]);
			grym_tempo_free(tp);
			tp = NULL;
			free(tref);
		}
		free(ref);
	}
	for (t = 0; t < (size_t)lm.frames; t++)
		if (!isfinite(onset[t]))
			break;
	TAP_OK(t == (size_t)lm.frames, "%s: onset finite everywhere", name);
	grym_fmat_clear(&pow);
	grym_fmat_clear(&lm);
	free(chroma);
	free(onset);
	free(x);
}

/* A 1 s tone at 440 Hz (A4) detuned by `cents`, at rates from 8 to 192
 * kHz: YIN reads its frequency; tempo and onset stay finite; the tuning
 * estimate and the chroma peak are librosa's. librosa's estimate is
 * biased on a pure tone (parabolic interpolation of a Hann power
 * spectrum over 2048 bins), and at 192 kHz the bins are 94 Hz wide, so
 * want_tuning and want_peak come from a numpy re-implementation of
 * librosa's chroma_stft (the one that reproduces every fixture), not
 * from the detuning itself. */
static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

static void tone_at(int rate, double cents, double want_tuning, int want_peak)
{
	const double f = 440.0 * pow(2.0, cents / 1200.0);
	const size_t n = (size_t)rate;
	float *x = malloc(n * sizeof *x), *f0, *chroma, *onset, *med;
	grym_stft_params sp = GRYM_STFT_PARAMS_DEFAULT;
	grym_features_opts o;
	grym_fmat pow = {0}, lm = {0};
	grym_yin *y = NULL;
	grym_chroma *c = NULL;
	grym_tempo *tp = NULL;
	grym_error err = {0};
	double tuning = 9, bpm = 0;
	size_t fr, i, at_a = 0, voiced = 0;
	int rc;

	for (i = 0; i < n; i++)
		x[i] = (float)(0.5 * sin(2 * M_PI * f * (double)i / rate));
	y = grym_yin_new(rate, NULL, &err);
	rc = y ? GRYM_OK : err.code;
	fr = grym_yin_frames(y, n);
	f0 = malloc(fr * 2 * sizeof *f0);
	med = malloc(fr * sizeof *med);
	rc = rc ? rc : grym_yin_do(y, x, n, f0, fr, &err);
	for (i = 0; i < fr; i++) {
		med[i] = f0[2 * i];
		voiced += f0[2 * i + 1] == 1.0f;
	}
	qsort(med, fr, sizeof *med, cmp_float);
	TAP_OK(rc == GRYM_OK && fabs(med[fr / 2] - f) < 0.002 * f && voiced > fr * 3 / 4,
	       "%d Hz: yin median %.2f Hz for a %.2f Hz tone, %zu/%zu frames voiced", rate,
	       med[fr / 2], f, voiced, fr);
	grym_yin_free(y);

	rc = grym_spectrogram(x, (int64_t)n, &sp, GRYM_SPEC_POWER, &pow, &err);
	rc = rc ? rc : grym_tuning_estimate_spec(pow.data, (size_t)pow.frames, rate, sp.n_fft,
						 &tuning, &err);
	TAP_OK(rc == GRYM_OK && fabs(tuning - want_tuning) < 1e-9,
	       "%d Hz: tuning %+.2f for a tone %+.0f cents off A440 (librosa: %+.2f)", rate,
	       tuning, cents, want_tuning);
	chroma = malloc((size_t)pow.frames * GRYM_CHROMA_BINS * sizeof *chroma);
	if (rc == GRYM_OK)
		rc = (c = grym_chroma_new(rate, sp.n_fft, tuning, &err)) ? GRYM_OK : err.code;
	rc = rc ? rc : grym_chroma_do(c, pow.data, (size_t)pow.frames, chroma, &err);
	for (i = 0; rc == GRYM_OK && i < (size_t)pow.frames; i++)
		at_a += chroma[i * GRYM_CHROMA_BINS + want_peak] == 1.0f;
	TAP_OK(rc == GRYM_OK && at_a == (size_t)pow.frames,
	       "%d Hz: chroma peaks at bin %d in %zu of %lld frames", rate, want_peak, at_a,
	       (long long)pow.frames);
	grym_chroma_free(c);

	grym_features_opts_default(&o);
	rc = grym_features_compute(x, (int64_t)n, rate, &o, GRYM_FEAT_LOGMEL, &lm, &err);
	onset = malloc((size_t)lm.frames * sizeof *onset + 1);
	rc = rc ? rc : grym_onset_strength(lm.data, (size_t)lm.frames, lm.dims, sp.n_fft, sp.hop,
					   1, onset, &err);
	if (rc == GRYM_OK)
		rc = (tp = grym_tempo_new(rate, sp.hop, NULL, &err)) ? GRYM_OK : err.code;
	rc = rc ? rc : grym_tempo_do(tp, onset, (size_t)lm.frames, &bpm, &err);
	TAP_OK(rc == GRYM_OK && isfinite(bpm) && bpm > 0 && bpm < 320,
	       "%d Hz: onset and tempo (%.2f BPM) computed (%s)", rate, bpm, err.msg);
	grym_tempo_free(tp);
	grym_fmat_clear(&pow);
	grym_fmat_clear(&lm);
	free(chroma);
	free(onset);
	free(f0);
	free(med);
	free(x);
}

int main(void)
{
	tap_plan(79);
	static const char *const names[] = {"tone440", "chirp", "bursts44k", "speech",
					    "chord44k", "sweep48k", "short"};
	const char *dir = tap_fixture_dir();
	if (!dir)
		return tap_done();
	snprintf(fixdir, sizeof fixdir, "%s", dir);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		chain(names[i]);
	tone_at(8000, 0, 0.01, 9);
	tone_at(16000, 25, 0.22, 9);
	tone_at(22050, -30, -0.34, 9);
	tone_at(44100, 10, 0.15, 9);
	tone_at(96000, 0, -0.20, 9);
	tone_at(192000, -20, 0.21, 10);  /* A#: 94 Hz bins cannot place A4 */
	return tap_done();
}
