/*
 * rates.c — the analysis rates of a training set (see grym/ml.h).
 *
 * Features computed at one sample rate do not describe audio at another
 * (mel bands, MFCCs and spectral statistics all move with the rate), so a
 * model must know the rate its training vectors were made at; the tally
 * counts the rates of the items read, and the most common one is what a
 * model records.
 */
#include "grym/ml.h"

void grym_rate_tally_add(grym_rate_tally *t, int rate)
{
	int i;

	if (rate <= 0) {
		t->unknown++;
		return;
	}
	for (i = 0; i < t->n; i++)
		if (t->rate[i] == rate) {
			t->count[i]++;
			return;
		}
	if (t->n < GRYM_RATE_TALLY_MAX) {
		t->rate[t->n] = rate;
		t->count[t->n++] = 1;
	} else {
		t->other++;
	}
}

int grym_rate_tally_mode(const grym_rate_tally *t)
{
	int best = -1;

	for (int i = 0; i < t->n; i++)
		if (best < 0 || t->count[i] > t->count[best] ||
		    (t->count[i] == t->count[best] && t->rate[i] > t->rate[best]))
			best = i;
	return best < 0 ? 0 : t->rate[best];
}
