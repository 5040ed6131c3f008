/*
 * test_features_api.c — the small accessors and the reset of the feature
 * objects, which no program calls but which are part of their API: each
 * against a value worked out by hand (librosa's where it has one).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "grym/features.h"
#include "grym/features_pitch.h"

/* grym_stft_position counts the frames returned: 1 + 32/4 = 9 centred
 * frames for 32 samples, as grym_stft_frames (and librosa) say. */
static void stft_position(void)
{
	grym_error err = { 0 };
	grym_stft *s = grym_stft_new(8, 4, 0, GRYM_WINDOW_HANN, 1, GRYM_PAD_CONSTANT, &err);
	float x[32];
	double out[5];
	int n = 0;

	for (int i = 0; i < 32; i++)
		x[i] = (float)sin(i * 0.7);
	TAP_OK(s && grym_stft_feed(s, x, 32, &err) == GRYM_OK && grym_stft_end(s, &err) == GRYM_OK,
	       "stft: 32 samples fed (%s)", err.msg);
	TAP_EQ_INT(grym_stft_position(s), 0, "stft: position 0 before the first frame");
	while (s && grym_stft_next(s, GRYM_SPEC_POWER, out) == 1)
		n++;
	TAP_EQ_INT(n, 9, "stft: 9 centred frames");
	TAP_EQ_INT(grym_stft_position(s), 9, "stft: position counts them");
	grym_stft_free(s);
}

/* The mel filterbank's shape and the sparse support of each filter: the
 * dense row is nonzero at both ends of [first, first + count) and zero
 * outside it. */
static void melbank(void)
{
	grym_error err = { 0 };
	grym_mel_params p = GRYM_MEL_PARAMS_DEFAULT;
	grym_melbank *m = grym_melbank_new(22050, 2048, &p, &err);
	int ok = m != NULL;

	TAP_OK(m != NULL, "melbank: made (%s)", err.msg);
	TAP_EQ_INT(m ? grym_melbank_mels(m) : -1, 128, "melbank: 128 mels");
	TAP_EQ_INT(m ? grym_melbank_bins(m) : -1, 1025, "melbank: n_fft/2 + 1 = 1025 bins");
	for (int i = 0; ok && i < 128; i++) {
		const float *row = grym_melbank_dense(m) + (size_t)i * 1025;
		int first = -1, count = -1;
		grym_melbank_support(m, i, &first, &count);
		ok = first >= 0 && count >= 1 && first + count <= 1025 && row[first] != 0 &&
		     row[first + count - 1] != 0;
		for (int k = 0; ok && k < 1025; k++)
			if (k < first || k >= first + count)
				ok = row[k] == 0;
	}
	TAP_OK(ok, "melbank: every filter's support holds exactly its nonzero weights");
	grym_melbank_free(m);
}

/* librosa.power_to_db([1, 0.1, 1e-12, 100]) = [0, -10, -60, 20]: amin
 * 1e-10 takes 1e-12 to -100 dB, top_db 80 floors it at 20 - 80. */
static void power_to_db(void)
{
	float x[4] = { 1.0f, 0.1f, 1e-12f, 100.0f };
	grym_db_params p = { 1.0, 1e-10, 80.0 };
	grym_error err = { 0 };

	TAP_OK(grym_power_to_db_inplace(x, 4, &p, &err) == GRYM_OK, "power_to_db: runs");
	TAP_OK(fabsf(x[0]) < 1e-6f && fabsf(x[1] + 10) < 1e-4f && fabsf(x[2] + 60) < 1e-4f &&
	       fabsf(x[3] - 20) < 1e-4f,
	       "power_to_db: [%g %g %g %g], librosa [0 -10 -60 20]", x[0], x[1], x[2], x[3]);
	p.amin = 0;
	TAP_OK(grym_power_to_db_inplace(x, 4, &p, &err) == GRYM_ERR_INVALID,
	       "power_to_db: amin 0 refused: %s", err.msg);
}

static void moments_count(void)
{
	grym_error err = { 0 };
	grym_moments *m = grym_moments_new(3, &err);
	float rows[7 * 3] = { 0 };

	TAP_OK(m != NULL, "moments: made");
	grym_moments_add(m, rows, 5);
	grym_moments_add(m, rows + 15, 2);
	TAP_EQ_INT(grym_moments_count(m), 7, "moments: 7 rows counted");
	grym_moments_reset(m);
	TAP_EQ_INT(grym_moments_count(m), 0, "moments: none after a reset");
	grym_moments_free(m);
}

static void chroma_bins(void)
{
	grym_error err = { 0 };
	grym_chroma *c = grym_chroma_new(22050, 2048, 0.0, &err);

	TAP_EQ_INT(c ? grym_chroma_bins_in(c) : -1, 1025, "chroma: takes n_fft/2 + 1 bins");
	TAP_EQ_INT(c ? grym_chroma_dims(c) : -1, 12, "chroma: gives 12");
	grym_chroma_free(c);
}

/* After grym_onset_reset the streaming onset starts a new clip: the same
 * clip again gives the same values, equal to the whole-clip function. */
static void onset_reset(void)
{
	enum { ROWS = 20, MELS = 4 };
	float lm[ROWS * MELS], whole[ROWS], a[ROWS], b[ROWS];
	grym_error err = { 0 };
	grym_onset *o = grym_onset_new(MELS, 2048, 512, 1, &err);
	int ok;

	for (int i = 0; i < ROWS * MELS; i++)
		lm[i] = (float)(-40 + 30 * sin(i * 1.3));
	ok = o && grym_onset_strength(lm, ROWS, MELS, 2048, 512, 1, whole, &err) == GRYM_OK &&
	     grym_onset_do(o, lm, ROWS, a, &err) == GRYM_OK;
	if (ok)
		grym_onset_reset(o);
	ok = ok && grym_onset_do(o, lm, 7, b, &err) == GRYM_OK &&
	     grym_onset_do(o, lm + 7 * MELS, ROWS - 7, b + 7, &err) == GRYM_OK;
	TAP_OK(ok, "onset: two clips streamed (%s)", err.msg);
	TAP_OK(ok && memcmp(a, whole, sizeof a) == 0, "onset: the first clip equals the whole-clip onset");
	TAP_OK(ok && memcmp(b, whole, sizeof b) == 0 && whole[5] > 0,
	       "onset: after a reset the second clip equals it too");
	grym_onset_free(o);
}

int main(void)
{
	tap_plan(19);
	stft_position();
	melbank();
	power_to_db();
	moments_count();
	chroma_bins();
	onset_reset();
	return tap_done();
}
