/*
 * cloud.c — stochastic clouds of grains (Xenakis's "clouds of sound
 * grains", Formalized Music ch. II-III; Roads, Microsound).
 *
 * Grains start at the events of a Poisson process of the given density
 * (exponential inter-onset times), or at the points of a rhythm sieve on
 * a time grid. Each grain draws its duration (uniform), its pitch
 * (log-uniform in a range, or a uniformly chosen point of a pitch sieve in
 * semitones above the low frequency) and its amplitude (uniform in dB
 * below 0), and is a Hann-windowed sine or a Hann-windowed, resampled
 * slice of a source signal. Only the grains sounding at a time are kept
 * (at most CLOUD_MAX_ACTIVE; a grain that would exceed it is skipped), so
 * a cloud of any length runs in bounded memory.
 */
#include "grym/synth.h"
#include "grym/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CLOUD_MAX_ACTIVE 1024
#define CLOUD_MAX_PITCHES 4096

typedef struct grain {
	double i, len;          /* samples done, length */
	double ph, inc;         /* sine: cycles; source: position and step */
	double amp;
} grain;

struct grym_cloud {
	grym_cloud_params p;
	int rate;
	grym_rng rng;
	int64_t t;              /* next output sample */
	double next_onset;      /* sample time of the next grain, < 0: none */
	int64_t onset_k;        /* sieve rhythm: current point */
	grym_sieve *onsets;
	double *pitches;        /* Hz, when a pitch sieve is given */
	int npitch;
	grain *active;
	int nactive;
	uint64_t started;
};

static void next_onset(grym_cloud *c)
{
	if (c->onsets) {
		double horizon = 1e15;
		for (int64_t k = c->onset_k + 1;; k++) {
			double at = (double)k * c->p.grid * c->rate;
			if (at > horizon) {
				c->next_onset = -1;
				return;
			}
			if (grym_sieve_contains(c->onsets, k)) {
				c->onset_k = k;
				c->next_onset = at;
				return;
			}
			if (k - c->onset_k > grym_sieve_period(c->onsets)) {
				c->next_onset = -1;     /* empty sieve */
				return;
			}
		}
	}
	c->next_onset += -log(grym_rng_open(&c->rng)) / c->p.density * c->rate;
}

grym_cloud *grym_cloud_new(const grym_cloud_params *p, int rate, uint64_t seed,
			   grym_error *err)
{
	grym_cloud *c;

	if (!p->onset_sieve && !(p->density > 0 && p->density <= 100000)) {
		grym_error_set(err, GRYM_ERR_INVALID, "density %g grains/s out of range (0..100000]",
			       p->density);
		return NULL;
	}
	if (p->onset_sieve && !(p->grid * rate >= 1 && p->grid < 1e6)) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "grid %g s out of range (one sample to 1e6 s)", p->grid);
		return NULL;
	}
	if (!(p->grain_min > 0 && p->grain_max >= p->grain_min && p->grain_max <= 60)) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "grain duration %g..%g s must be ascending and in (0, 60]",
			       p->grain_min, p->grain_max);
		return NULL;
	}
	if (!(p->freq_lo > 0 && p->freq_hi >= p->freq_lo && p->freq_hi < rate / 2.0)) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "pitch range %g..%g Hz must be ascending, above 0 and below half "
			       "the rate", p->freq_lo, p->freq_hi);
		return NULL;
	}
	if (!(p->amp_range >= 0 && p->amp_range <= 200)) {
		grym_error_set(err, GRYM_ERR_INVALID, "amplitude range %g dB out of range (0..200)",
			       p->amp_range);
		return NULL;
	}
	if (p->source && (p->source_frames < 1 || p->source_rate < 1)) {
		grym_error_set(err, GRYM_ERR_INVALID, "empty grain source");
		return NULL;
	}
	if (!(c = calloc(1, sizeof *c)) ||
	    !(c->active = malloc(CLOUD_MAX_ACTIVE * sizeof *c->active))) {
		if (c)
			free(c);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	c->p = *p;
	c->rate = rate;
	grym_rng_seed(&c->rng, seed);
	if (p->sieve) {
		grym_sieve *sv = grym_sieve_parse(p->sieve, err);
		int top;
		if (!sv)
			goto fail;
		top = (int)floor(12 * log2(p->freq_hi / p->freq_lo) + 1e-9);
		if (top >= CLOUD_MAX_PITCHES)
			top = CLOUD_MAX_PITCHES - 1;
		if (!(c->pitches = malloc((size_t)(top + 1) * sizeof *c->pitches))) {
			grym_sieve_free(sv);
			grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			goto fail;
		}
		for (int k = 0; k <= top; k++)
			if (grym_sieve_contains(sv, k))
				c->pitches[c->npitch++] = p->freq_lo * pow(2.0, k / 12.0);
		grym_sieve_free(sv);
		if (c->npitch == 0) {
			grym_error_set(err, GRYM_ERR_INVALID,
				       "pitch sieve '%s' has no point between 0 and %d semitones",
				       p->sieve, top);
			goto fail;
		}
	}
	if (p->onset_sieve) {
		if (!(c->onsets = grym_sieve_parse(p->onset_sieve, err)))
			goto fail;
		c->onset_k = -1;
		next_onset(c);
	} else {
		c->next_onset = 0;
		next_onset(c);
	}
	return c;
fail:
	grym_cloud_free(c);
	return NULL;
}

static void start_grain(grym_cloud *c)
{
	grain g;
	double f;

	g.len = (c->p.grain_min + (c->p.grain_max - c->p.grain_min) *
		 grym_rng_uniform(&c->rng)) * c->rate;
	if (g.len < 2)
		g.len = 2;
	if (c->npitch > 0)
		f = c->pitches[(int)(grym_rng_uniform(&c->rng) * c->npitch)];
	else
		f = c->p.freq_lo * pow(c->p.freq_hi / c->p.freq_lo, grym_rng_uniform(&c->rng));
	g.amp = pow(10.0, -c->p.amp_range * grym_rng_uniform(&c->rng) / 20);
	g.i = 0;
	if (c->p.source) {
		double span;
		g.inc = f / c->p.freq_lo * c->p.source_rate / c->rate;
		span = (double)c->p.source_frames - 1 - g.len * g.inc;
		g.ph = span > 0 ? span * grym_rng_uniform(&c->rng) : 0;
	} else {
		g.inc = f / c->rate;
		g.ph = grym_rng_uniform(&c->rng);
	}
	c->started++;
	if (c->nactive < CLOUD_MAX_ACTIVE)
		c->active[c->nactive++] = g;
}

static double grain_sample(const grym_cloud *c, const grain *g)
{
	double w = 0.5 - 0.5 * cos(2 * M_PI * g->i / g->len), x;
	if (c->p.source) {
		int64_t k = (int64_t)g->ph;
		double fr = g->ph - (double)k;
		if (k + 1 < c->p.source_frames)
			x = c->p.source[k] + fr * (c->p.source[k + 1] - c->p.source[k]);
		else if (k < c->p.source_frames)
			x = c->p.source[k];
		else
			x = 0;
	} else
		x = sin(2 * M_PI * g->ph);
	return g->amp * w * x;
}

void grym_cloud_do(grym_cloud *c, float *out, int64_t n)
{
	for (int64_t i = 0; i < n; i++, c->t++) {
		double sum = 0;
		while (c->next_onset >= 0 && c->next_onset < (double)c->t + 1) {
			start_grain(c);
			next_onset(c);
		}
		for (int j = 0; j < c->nactive;) {
			grain *g = &c->active[j];
			sum += grain_sample(c, g);
			g->i += 1;
			g->ph += g->inc;
			if (!c->p.source && g->ph >= 1)
				g->ph -= floor(g->ph);
			if (g->i >= g->len)
				c->active[j] = c->active[--c->nactive];
			else
				j++;
		}
		out[i] = (float)sum;
	}
}

uint64_t grym_cloud_grains(const grym_cloud *c)
{
	return c->started;
}

void grym_cloud_free(grym_cloud *c)
{
	if (!c)
		return;
	grym_sieve_free(c->onsets);
	free(c->pitches);
	free(c->active);
	free(c);
}
