/*
 * loudness.c — the streaming BS.1770-4 / EBU R128 meter (grym/loudness.h).
 *
 * Signal path per channel: K-weighting (two biquads in double precision,
 * designed for the meter's rate from the analog prototypes by the
 * bilinear transform, with the constants that reproduce the BS.1770
 * 48 kHz coefficients), squared and weighted, summed over channels into
 * 100 ms sub-blocks. The last 30 sub-block energies live in a ring: 4 of
 * them make a 400 ms momentary block, 30 a 3 s short-term window, both
 * every 100 ms. Sub-block lengths follow floor(k * rate / 10), so rates
 * not divisible by 10 keep exact 100 ms timing on average.
 *
 * Gating needs every block, which would grow with the input; instead each
 * gated quantity keeps a histogram of 0.01 LU bins from -70 to +30 LUFS
 * holding, per bin, the number of blocks and the sum of their mean
 * energies. Gated means are therefore exact sums of block energies; only
 * the decision at the relative-gate threshold is made per bin (0.01 LU).
 * Memory is two histograms (about 320 KB) whatever the input length.
 */
#include "grym/loudness.h"
#include "loudness_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HIST_MIN (-70.0)
#define HIST_STEP 0.01
#define HIST_BINS 10000          /* -70 .. +30 LUFS */
#define RING 30                  /* sub-blocks in a short-term window */

typedef struct histogram {
	int64_t count[HIST_BINS];
	double energy[HIST_BINS];    /* sum of mean-square energies of the blocks */
	int64_t total;
} histogram;

typedef struct biquad {
	double b0, b1, b2, a1, a2;
} biquad;

struct grym_loudness {
	int rate, channels, flags;
	double *weight;              /* per channel */
	biquad shelf, hpf;
	double *state;               /* per channel: x1 x2 y1 y2 z1 z2 (direct form I) */
	/* 100 ms sub-blocks */
	int64_t sub_index;           /* index of the sub-block being filled */
	int64_t sub_len;             /* its length in frames */
	int64_t sub_fill;            /* frames in it so far */
	double sub_acc;              /* weighted energy so far */
	double ring_e[RING];         /* energies of the last complete sub-blocks */
	int64_t ring_n[RING];        /* their lengths */
	int64_t completed;           /* complete sub-blocks */
	double momentary, shortterm; /* last values, NaN before the first */
	double momentary_max, shortterm_max;
	histogram *gate;             /* momentary blocks, for integrated */
	histogram *lra;              /* short-term windows, for LRA */
	/* levels */
	double *sum;                 /* per channel sum (DC) */
	double sumsq;                /* all channels */
	float sample_peak;
	int64_t frames;
	grym_truepeak *tp;
	int started;
};

/* K-weighting constants: the analog prototypes behind the BS.1770 48 kHz
 * coefficients (as derived for libebur128). */
static void design_kweighting(double rate, biquad *shelf, biquad *hpf)
{
	double f0 = 1681.974450955533, g = 3.999843853973347, q = 0.7071752369554196;
	double k = tan(M_PI * f0 / rate);
	double vh = pow(10.0, g / 20.0);
	double vb = pow(vh, 0.4996667741545416);
	double a0 = 1.0 + k / q + k * k;

	shelf->b0 = (vh + vb * k / q + k * k) / a0;
	shelf->b1 = 2.0 * (k * k - vh) / a0;
	shelf->b2 = (vh - vb * k / q + k * k) / a0;
	shelf->a1 = 2.0 * (k * k - 1.0) / a0;
	shelf->a2 = (1.0 - k / q + k * k) / a0;

	f0 = 38.13547087602444;
	q = 0.5003270373238773;
	k = tan(M_PI * f0 / rate);
	a0 = 1.0 + k / q + k * k;
	hpf->b0 = 1.0;
	hpf->b1 = -2.0;
	hpf->b2 = 1.0;
	hpf->a1 = 2.0 * (k * k - 1.0) / a0;
	hpf->a2 = (1.0 - k / q + k * k) / a0;
}

static int64_t sub_block_len(int rate, int64_t k)
{
	return ((k + 1) * rate) / 10 - (k * rate) / 10;
}

static double energy_to_lufs(double e)
{
	return e > 0.0 ? -0.691 + 10.0 * log10(e) : -INFINITY;
}

static void hist_add(histogram *h, double lufs, double e)
{
	int i;
	if (!(lufs > HIST_MIN))
		return;                 /* absolute gate: l > -70 LUFS */
	i = (int)((lufs - HIST_MIN) / HIST_STEP);
	if (i >= HIST_BINS)
		i = HIST_BINS - 1;
	if (i < 0)
		i = 0;
	h->count[i]++;
	h->energy[i] += e;
	h->total++;
}

/* Loudness of the blocks above the relative gate rel_lu below the mean of
 * all blocks in h; NaN if none. */
static double hist_gated_mean(const histogram *h, double rel_lu, int *first_bin)
{
	double e = 0.0, thr;
	int64_t n = 0;
	int i;

	if (h->total == 0)
		return NAN;
	for (i = 0; i < HIST_BINS; i++) {
		e += h->energy[i];
		n += h->count[i];
	}
	thr = energy_to_lufs(e / n) + rel_lu;
	e = 0.0;
	n = 0;
	for (i = 0; i < HIST_BINS; i++) {
		if (h->count[i] == 0)
			continue;
		/* Bin loudness: the mean of its blocks, exact to 0.01 LU. */
		if (energy_to_lufs(h->energy[i] / h->count[i]) <= thr)
			continue;
		if (first_bin && n == 0)
			*first_bin = i;
		e += h->energy[i];
		n += h->count[i];
	}
	if (n == 0)
		return NAN;
	return energy_to_lufs(e / n);
}

grym_loudness *grym_loudness_new(int rate, int channels, int flags, grym_error *err)
{
	return grym__loudness_new_tp_factor(rate, channels, flags, 0, err);
}

grym_loudness *grym__loudness_new_tp_factor(int rate, int channels, int flags, int tp_factor,
					    grym_error *err)
{
	grym_loudness *m;

	if (rate < GRYM_LOUDNESS_RATE_MIN || rate > GRYM_LOUDNESS_RATE_MAX) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "loudness: sample rate %d Hz outside %d..%d Hz",
			       rate, GRYM_LOUDNESS_RATE_MIN, GRYM_LOUDNESS_RATE_MAX);
		return NULL;
	}
	if (channels < 1 || channels > GRYM_LOUDNESS_CHANNELS_MAX) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "loudness: %d channels (1..%d supported)",
			       channels, GRYM_LOUDNESS_CHANNELS_MAX);
		return NULL;
	}
	m = calloc(1, sizeof *m);
	if (!m)
		goto nomem;
	m->rate = rate;
	m->channels = channels;
	m->flags = flags;
	m->weight = calloc((size_t)channels, sizeof *m->weight);
	m->state = calloc((size_t)channels * 6, sizeof *m->state);
	m->sum = calloc((size_t)channels, sizeof *m->sum);
	m->gate = calloc(1, sizeof *m->gate);
	m->lra = calloc(1, sizeof *m->lra);
	if (!m->weight || !m->state || !m->sum || !m->gate || !m->lra)
		goto nomem;
	if (flags & GRYM_LOUDNESS_TRUE_PEAK) {
		m->tp = grym__truepeak_new_factor(rate, channels, tp_factor, err);
		if (!m->tp) {
			grym_loudness_free(m);
			return NULL;
		}
	}
	for (int c = 0; c < channels; c++) {
		double w = 1.0;
		if ((channels == 6 || channels == 8) && c == 3)
			w = 0.0;                        /* LFE */
		else if ((channels == 6 || channels == 8) && c >= 4)
			w = 1.41;                       /* surrounds */
		else if (channels == 5 && c >= 3)
			w = 1.41;
		m->weight[c] = w;
	}
	design_kweighting(rate, &m->shelf, &m->hpf);
	m->sub_len = sub_block_len(rate, 0);
	m->momentary = m->shortterm = NAN;
	m->momentary_max = m->shortterm_max = -INFINITY;
	return m;
nomem:
	grym_loudness_free(m);
	grym_error_set(err, GRYM_ERR_NOMEM, "loudness: out of memory");
	return NULL;
}

void grym_loudness_free(grym_loudness *m)
{
	if (!m)
		return;
	free(m->weight);
	free(m->state);
	free(m->sum);
	free(m->gate);
	free(m->lra);
	grym_truepeak_free(m->tp);
	free(m);
}

int grym_loudness_set_weight(grym_loudness *m, int channel, double weight,
			     grym_error *err)
{
	if (channel < 0 || channel >= m->channels || !(weight >= 0.0) || !isfinite(weight))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "loudness: bad weight %g for channel %d", weight, channel);
	if (m->started)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "loudness: weights must be set before the first frames");
	m->weight[channel] = weight;
	return GRYM_OK;
}

/* A sub-block is complete: update momentary/short-term and the gates. */
static void finish_sub_block(grym_loudness *m)
{
	int slot = (int)(m->completed % RING);
	double e = 0.0;
	int64_t n = 0;

	m->ring_e[slot] = m->sub_acc;
	m->ring_n[slot] = m->sub_len;
	m->completed++;
	if (m->completed >= 4) {
		for (int i = 0; i < 4; i++) {
			int s = (int)((m->completed - 1 - i) % RING);
			e += m->ring_e[s];
			n += m->ring_n[s];
		}
		e /= (double)n;
		m->momentary = energy_to_lufs(e);
		if (m->momentary > m->momentary_max)
			m->momentary_max = m->momentary;
		hist_add(m->gate, m->momentary, e);
	}
	if (m->completed >= RING) {
		e = 0.0;
		n = 0;
		for (int i = 0; i < RING; i++) {
			e += m->ring_e[i];
			n += m->ring_n[i];
		}
		e /= (double)n;
		m->shortterm = energy_to_lufs(e);
		if (m->shortterm > m->shortterm_max)
			m->shortterm_max = m->shortterm;
		hist_add(m->lra, m->shortterm, e);
	}
	m->sub_index++;
	m->sub_len = sub_block_len(m->rate, m->sub_index);
	m->sub_fill = 0;
	m->sub_acc = 0.0;
}

int grym_loudness_add_frames(grym_loudness *m, const float *frames, int64_t n,
			     grym_error *err)
{
	int ch = m->channels;
	int64_t done = 0;

	/* Check first, so a bad sample leaves the meter untouched. */
	for (int64_t i = 0; i < n * ch; i++) {
		if (!isfinite(frames[i]))
			return grym_error_set(err, GRYM_ERR_FORMAT,
					      "non-finite sample at frame %lld (channel %d)",
					      (long long)(m->frames + i / ch), (int)(i % ch) + 1);
	}
	m->started = 1;
	if (m->tp)
		grym_truepeak_process(m->tp, frames, n, NULL);
	for (int64_t i = 0; i < n * ch; i++) {
		float v = fabsf(frames[i]);
		if (v > m->sample_peak)
			m->sample_peak = v;
	}
	while (done < n) {
		int64_t run = m->sub_len - m->sub_fill;
		if (run > n - done)
			run = n - done;
		const float *in = frames + done * ch;
		for (int c = 0; c < ch; c++) {
			double *s = m->state + 6 * c;
			double x1 = s[0], x2 = s[1], y1 = s[2], y2 = s[3];
			double z1 = s[4], z2 = s[5];
			double acc = 0.0, sum = 0.0, sq = 0.0;
			const biquad *a = &m->shelf, *b = &m->hpf;
			for (int64_t i = 0; i < run; i++) {
				double x = in[i * ch + c];
				double y = a->b0 * x + a->b1 * x1 + a->b2 * x2 - a->a1 * y1 - a->a2 * y2;
				double z = y - 2.0 * y1 + y2 - b->a1 * z1 - b->a2 * z2;
				x2 = x1; x1 = x;
				y2 = y1; y1 = y;
				z2 = z1; z1 = z;
				acc += z * z;
				sum += x;
				sq += x * x;
			}
			s[0] = x1; s[1] = x2; s[2] = y1; s[3] = y2;
			s[4] = z1; s[5] = z2;
			m->sub_acc += m->weight[c] * acc;
			m->sum[c] += sum;
			m->sumsq += sq;
		}
		m->sub_fill += run;
		done += run;
		m->frames += run;
		if (m->sub_fill == m->sub_len)
			finish_sub_block(m);
	}
	return GRYM_OK;
}

double grym_loudness_integrated(const grym_loudness *m)
{
	return hist_gated_mean(m->gate, -10.0, NULL);
}

/* Loudness of the bin holding the block of rank r among the gated ones. */
static double hist_rank(const histogram *h, int first_bin, int64_t r)
{
	int64_t seen = 0;
	for (int i = first_bin; i < HIST_BINS; i++) {
		seen += h->count[i];
		if (seen > r)
			return energy_to_lufs(h->energy[i] / h->count[i]);
	}
	return NAN;
}

static double lra_parts(const grym_loudness *m, double *lo, double *hi)
{
	const histogram *h = m->lra;
	int first = -1;
	int64_t n = 0;
	double gated = hist_gated_mean(h, -20.0, &first);

	*lo = *hi = NAN;
	if (isnan(gated) || first < 0)
		return NAN;
	for (int i = first; i < HIST_BINS; i++)
		n += h->count[i];
	/* Blocks in bins from `first` on all passed the relative gate
	 * (bins are ordered and the gate tests the bin's loudness). */
	*lo = hist_rank(h, first, (int64_t)((double)(n - 1) * 0.10 + 0.5));
	*hi = hist_rank(h, first, (int64_t)((double)(n - 1) * 0.95 + 0.5));
	return *hi - *lo;
}

double grym_loudness_range(const grym_loudness *m)
{
	double lo, hi;
	return lra_parts(m, &lo, &hi);
}

double grym_loudness_momentary(const grym_loudness *m)
{
	return m->momentary;
}

double grym_loudness_shortterm(const grym_loudness *m)
{
	return m->shortterm;
}

double grym_loudness_dc(const grym_loudness *m, int channel)
{
	if (channel < 0 || channel >= m->channels || m->frames == 0)
		return 0.0;
	return m->sum[channel] / (double)m->frames;
}

int64_t grym_loudness_frames(const grym_loudness *m)
{
	return m->frames;
}

static double to_db(double v)
{
	return v > 0.0 ? 20.0 * log10(v) : -INFINITY;
}

void grym_loudness_get(const grym_loudness *m, grym_loudness_result *r)
{
	memset(r, 0, sizeof *r);
	r->integrated_lufs = grym_loudness_integrated(m);
	r->loudness_range_lu = lra_parts(m, &r->lra_low_lufs, &r->lra_high_lufs);
	r->momentary_max_lufs = m->completed >= 4 ? m->momentary_max : NAN;
	r->shortterm_max_lufs = m->completed >= RING ? m->shortterm_max : NAN;
	r->sample_peak = m->sample_peak;
	r->sample_peak_dbfs = to_db(r->sample_peak);
	if (m->tp) {
		float tp = grym_truepeak_tail(m->tp);
		r->true_peak = tp > m->sample_peak ? tp : m->sample_peak;
		r->true_peak_dbtp = to_db(r->true_peak);
	} else {
		r->true_peak = NAN;
		r->true_peak_dbtp = NAN;
	}
	r->rms = m->frames > 0 ? sqrt(m->sumsq / ((double)m->frames * m->channels)) : 0.0;
	r->rms_dbfs = to_db(r->rms);
	for (int c = 0; c < m->channels; c++)
		r->dc[c] = grym_loudness_dc(m, c);
	r->frames = m->frames;
	r->rate = m->rate;
	r->channels = m->channels;
}
