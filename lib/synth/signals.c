/*
 * signals.c — test signals as block generators, and sequences of them.
 *
 * A grym_synth is one segment: a waveform, its parameters and a sample
 * counter. Periodic waveforms are computed from the sample index (phase =
 * frac(n f / rate + phase0)), so nothing drifts over hours and any block
 * size gives the same samples. Noise, GENDYN and clouds keep a seeded
 * state; their level is exact because the segment is run once to measure
 * its peak and then restarted from the same seed (see grym/synth.h).
 * A grym_synth_seq strings segments together and spreads the mono signal
 * over the channels, so the EBU Tech 3341 sequences are one object.
 */
#include "grym/audio.h"
#include "grym/synth.h"
#include "grym/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PEAK_BLOCK 4096
#define PINK_ROWS 16

static const char *const kind_names[GRYM_SYNTH_NKINDS] = {
	"sine", "square", "saw", "chirp", "noise", "impulse", "silence", "gendyn", "cloud"
};
static const char *const color_names[] = { "white", "pink", "brown" };
static const char *const sweep_names[] = { "linear", "log" };

const char *grym_synth_kind_name(grym_synth_kind k)
{
	return (unsigned)k < GRYM_SYNTH_NKINDS ? kind_names[k] : NULL;
}

int grym_synth_kind_parse(const char *name, grym_synth_kind *k, grym_error *err)
{
	for (int i = 0; i < GRYM_SYNTH_NKINDS; i++)
		if (name && strcmp(name, kind_names[i]) == 0) {
			*k = (grym_synth_kind)i;
			return GRYM_OK;
		}
	return grym_error_set(err, GRYM_ERR_INVALID, "unknown generator '%s'", name ? name : "");
}

const char *grym_noise_color_name(grym_noise_color c)
{
	return (unsigned)c < 3 ? color_names[c] : NULL;
}

int grym_noise_color_parse(const char *name, grym_noise_color *c, grym_error *err)
{
	for (int i = 0; i < 3; i++)
		if (name && strcmp(name, color_names[i]) == 0) {
			*c = (grym_noise_color)i;
			return GRYM_OK;
		}
	return grym_error_set(err, GRYM_ERR_INVALID,
			      "unknown noise color '%s' (white, pink, brown)", name ? name : "");
}

const char *grym_sweep_name(grym_sweep s)
{
	return (unsigned)s < 2 ? sweep_names[s] : NULL;
}

int grym_sweep_parse(const char *name, grym_sweep *s, grym_error *err)
{
	if (name && (strcmp(name, "linear") == 0 || strcmp(name, "lin") == 0)) {
		*s = GRYM_SWEEP_LINEAR;
		return GRYM_OK;
	}
	if (name && (strcmp(name, "log") == 0 || strcmp(name, "exp") == 0)) {
		*s = GRYM_SWEEP_LOG;
		return GRYM_OK;
	}
	return grym_error_set(err, GRYM_ERR_INVALID,
			      "unknown sweep '%s' (linear, log)", name ? name : "");
}

void grym_synth_params_default(grym_synth_params *p, grym_synth_kind kind)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->freq = kind == GRYM_SYNTH_IMPULSE ? 0 : kind == GRYM_SYNTH_CLOUD ? 200 : 1000;
	p->to = kind == GRYM_SYNTH_CLOUD ? 2000 : 8000;
	p->sweep = GRYM_SWEEP_LINEAR;
	p->level = -20;
	p->phase = 0;
	p->duration = 1;
	p->color = GRYM_NOISE_WHITE;
	p->seed = 1;
	p->sieve = NULL;
	p->grid = 0.125;

	p->gendyn.points = 12;
	p->gendyn.adist = GRYM_DIST_CAUCHY;
	p->gendyn.ddist = GRYM_DIST_CAUCHY;
	p->gendyn.apar = 1;
	p->gendyn.dpar = 1;
	p->gendyn.amp_barrier = 1;
	p->gendyn.amp_step = 0.1;
	p->gendyn.freq_min = 100;
	p->gendyn.freq_max = 400;
	p->gendyn.dur_step = 0.1;

	p->cloud.density = 50;
	p->cloud.grain_min = 0.02;
	p->cloud.grain_max = 0.08;
	p->cloud.freq_lo = 200;
	p->cloud.freq_hi = 2000;
	p->cloud.amp_range = 12;
	p->cloud.grid = 0.125;
}

struct grym_synth {
	grym_synth_params p;
	int rate;
	int64_t frames;         /* total */
	int64_t pos;            /* next sample index */
	double amp;             /* 10^(level/20) */
	double scale;           /* raw -> output for stochastic kinds */
	double ph0;             /* phase in cycles, [0, 1) */
	/* noise */
	grym_rng rng;
	float pink[PINK_ROWS];
	double pink_sum;
	double brown;
	/* impulse */
	int64_t next_click;     /* sample index of the next impulse, -1: none */
	int64_t click_k;        /* its index k (train) or sieve point */
	grym_sieve *sieve;
	/* gendyn, cloud */
	grym_gendyn *gendyn;
	grym_cloud *cloud;
};

static int stochastic(grym_synth_kind k)
{
	return k == GRYM_SYNTH_NOISE || k == GRYM_SYNTH_GENDYN || k == GRYM_SYNTH_CLOUD;
}

static int check_params(const grym_synth_params *p, int rate, grym_error *err)
{
	double nyq = rate / 2.0;

	if (rate < 1 || rate > 1536000)
		return grym_error_set(err, GRYM_ERR_INVALID, "rate %d out of range", rate);
	if (!(p->duration >= 0) || p->duration * rate > 9.0e15)
		return grym_error_set(err, GRYM_ERR_INVALID, "duration %g out of range", p->duration);
	if (!(p->level <= 0 && p->level >= -200))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "level %g dBFS out of range (-200..0)", p->level);
	if (!isfinite(p->phase))
		return grym_error_set(err, GRYM_ERR_INVALID, "phase is not a number");
	switch (p->kind) {
	case GRYM_SYNTH_SINE: case GRYM_SYNTH_SQUARE: case GRYM_SYNTH_SAW:
		if (!(p->freq > 0 && p->freq < nyq))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "freq %g Hz must be above 0 and below half the rate (%g)",
					      p->freq, nyq);
		break;
	case GRYM_SYNTH_CHIRP:
		if (!(p->freq > 0 && p->freq < nyq) || !(p->to > 0 && p->to < nyq))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "chirp %g..%g Hz must lie above 0 and below half the rate (%g)",
					      p->freq, p->to, nyq);
		break;
	case GRYM_SYNTH_IMPULSE:
		if (!(p->freq >= 0 && p->freq <= rate))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "impulse rate %g Hz out of range (0..%d)", p->freq, rate);
		if (p->sieve && !(p->grid * rate >= 1 && p->grid < 1e6))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "grid %g s out of range (one sample to 1e6 s)", p->grid);
		break;
	case GRYM_SYNTH_NOISE:
		if ((unsigned)p->color > GRYM_NOISE_BROWN)
			return grym_error_set(err, GRYM_ERR_INVALID, "bad noise color");
		break;
	case GRYM_SYNTH_CLOUD:
		if (!(p->freq > 0 && p->to >= p->freq && p->to < nyq))
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "cloud pitch range %g..%g Hz must be ascending, above 0 "
					      "and below half the rate (%g)", p->freq, p->to, nyq);
		break;
	case GRYM_SYNTH_SILENCE: case GRYM_SYNTH_GENDYN:
		break;
	default:
		return grym_error_set(err, GRYM_ERR_INVALID, "unknown generator %d", (int)p->kind);
	}
	return GRYM_OK;
}

/* The sample index of the next sieve point >= from (as grid units), or -1
 * past the end of the segment. */
static void next_sieve_click(grym_synth *s, int64_t from)
{
	int64_t period = grym_sieve_period(s->sieve);
	for (int64_t k = from;; k++) {
		int64_t at = llround((double)k * s->p.grid * s->rate);
		if (at >= s->frames || k - from > period) {   /* past the end, or an empty sieve */
			s->next_click = -1;
			return;
		}
		if (grym_sieve_contains(s->sieve, k)) {
			s->click_k = k;
			s->next_click = at;
			return;
		}
	}
}

static void next_train_click(grym_synth *s)
{
	/* impulse k at llround((k - ph0) rate / f) */
	for (;;) {
		int64_t at = llround(((double)s->click_k - s->ph0) * s->rate / s->p.freq);
		if (at >= s->frames) {
			s->next_click = -1;
			return;
		}
		if (at >= s->pos) {
			s->next_click = at;
			return;
		}
		s->click_k++;
	}
}

/* Put the generator at sample 0 (the state after new, before any do). */
static int restart(grym_synth *s, grym_error *err)
{
	s->pos = 0;
	grym_rng_seed(&s->rng, s->p.seed);
	s->pink_sum = 0;
	for (int i = 0; i < PINK_ROWS; i++) {
		s->pink[i] = (float)(2 * grym_rng_uniform(&s->rng) - 1);
		s->pink_sum += s->pink[i];
	}
	s->brown = 0;
	if (s->p.kind == GRYM_SYNTH_IMPULSE) {
		if (s->sieve)
			next_sieve_click(s, 0);
		else if (s->p.freq > 0) {
			s->click_k = 0;
			next_train_click(s);
		} else
			s->next_click = s->frames > 0 ? 0 : -1;
	}
	if (s->p.kind == GRYM_SYNTH_GENDYN) {
		grym_gendyn_free(s->gendyn);
		if (!(s->gendyn = grym_gendyn_new(&s->p.gendyn, s->rate, s->p.seed, err)))
			return err ? err->code : GRYM_ERR_INVALID;
	}
	if (s->p.kind == GRYM_SYNTH_CLOUD) {
		grym_cloud_free(s->cloud);
		if (!(s->cloud = grym_cloud_new(&s->p.cloud, s->rate, s->p.seed, err)))
			return err ? err->code : GRYM_ERR_INVALID;
	}
	return GRYM_OK;
}

/* Unscaled samples of a stochastic kind. */
static void raw_do(grym_synth *s, float *out, int64_t n)
{
	switch (s->p.kind) {
	case GRYM_SYNTH_GENDYN:
		grym_gendyn_do(s->gendyn, out, n);
		return;
	case GRYM_SYNTH_CLOUD:
		grym_cloud_do(s->cloud, out, n);
		return;
	default:
		break;
	}
	for (int64_t i = 0; i < n; i++) {
		double w = 2 * grym_rng_uniform(&s->rng) - 1;
		switch (s->p.color) {
		case GRYM_NOISE_WHITE:
			out[i] = (float)w;
			break;
		case GRYM_NOISE_PINK: {
			/* Voss-McCartney: row k is redrawn every 2^(k+1) samples,
			 * at the samples whose index has k trailing zero bits
			 * (one row per sample), plus one white term per sample. */
			uint64_t c = (uint64_t)(s->pos + i) + 1;
			int k = __builtin_ctzll(c);
			if (k < PINK_ROWS) {
				double r = 2 * grym_rng_uniform(&s->rng) - 1;
				s->pink_sum += r - s->pink[k];
				s->pink[k] = (float)r;
			}
			out[i] = (float)((s->pink_sum + w) / (PINK_ROWS + 1));
			break;
		}
		case GRYM_NOISE_BROWN:
			/* leaky integrator: corner at rate * 0.002 / (2 pi)
			 * (15 Hz at 48 kHz), -6 dB/octave above it */
			s->brown = 0.998 * s->brown + 0.05 * w;
			out[i] = (float)s->brown;
			break;
		}
	}
}

grym_synth *grym_synth_new(const grym_synth_params *p, int rate, grym_error *err)
{
	grym_synth *s;

	if (check_params(p, rate, err))
		return NULL;
	if (!(s = calloc(1, sizeof *s))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	s->p = *p;
	s->rate = rate;
	s->frames = llround(p->duration * rate);
	s->amp = pow(10.0, p->level / 20.0);
	s->ph0 = p->phase / 360.0 - floor(p->phase / 360.0);
	s->scale = 1;
	if (p->kind == GRYM_SYNTH_CLOUD) {
		s->p.cloud.freq_lo = p->freq;
		s->p.cloud.freq_hi = p->to;
	}
	if (p->kind == GRYM_SYNTH_IMPULSE && p->sieve &&
	    !(s->sieve = grym_sieve_parse(p->sieve, err)))
		goto fail;
	if (restart(s, err))
		goto fail;
	if (stochastic(p->kind) && s->frames > 0) {
		float buf[PEAK_BLOCK];
		double peak = 0;
		for (int64_t done = 0; done < s->frames;) {
			int64_t n = s->frames - done < PEAK_BLOCK ? s->frames - done : PEAK_BLOCK;
			raw_do(s, buf, n);
			for (int64_t i = 0; i < n; i++)
				if (fabsf(buf[i]) > peak)
					peak = fabsf(buf[i]);
			s->pos += n;
			done += n;
		}
		s->scale = peak > 0 ? s->amp / peak : 0;
		if (restart(s, err))
			goto fail;
	}
	return s;
fail:
	grym_synth_free(s);
	return NULL;
}

int64_t grym_synth_frames(const grym_synth *s)
{
	return s->frames;
}

/* Phase in cycles [0, 1) of sample n of a constant-frequency waveform. */
static double cycles(const grym_synth *s, int64_t n)
{
	double c = (double)n * s->p.freq / s->rate + s->ph0;
	return c - floor(c);
}

static double chirp_cycles(const grym_synth *s, int64_t n)
{
	double t = (double)n / s->rate, T = s->p.duration, f0 = s->p.freq, f1 = s->p.to, c;

	if (T <= 0 || f0 == f1)
		c = f0 * t;
	else if (s->p.sweep == GRYM_SWEEP_LINEAR)
		c = f0 * t + (f1 - f0) * t * t / (2 * T);
	else {
		double lk = log(f1 / f0);
		c = f0 * T / lk * expm1(lk * t / T);
	}
	c += s->ph0;
	return c - floor(c);
}

int64_t grym_synth_do(grym_synth *s, float *out, int64_t max)
{
	int64_t n = s->frames - s->pos;
	double a = s->amp;

	if (n > max)
		n = max;
	if (n <= 0)
		return 0;
	switch (s->p.kind) {
	case GRYM_SYNTH_SINE:
		for (int64_t i = 0; i < n; i++)
			out[i] = (float)(a * sin(2 * M_PI * cycles(s, s->pos + i)));
		break;
	case GRYM_SYNTH_SQUARE:
		for (int64_t i = 0; i < n; i++)
			out[i] = (float)(cycles(s, s->pos + i) < 0.5 ? a : -a);
		break;
	case GRYM_SYNTH_SAW:
		/* rises through 0 at phase 0, like the sine */
		for (int64_t i = 0; i < n; i++) {
			double c = cycles(s, s->pos + i) + 0.5;
			out[i] = (float)(a * (2 * (c - floor(c)) - 1));
		}
		break;
	case GRYM_SYNTH_CHIRP:
		for (int64_t i = 0; i < n; i++)
			out[i] = (float)(a * sin(2 * M_PI * chirp_cycles(s, s->pos + i)));
		break;
	case GRYM_SYNTH_IMPULSE:
		memset(out, 0, (size_t)n * sizeof *out);
		while (s->next_click >= 0 && s->next_click < s->pos + n) {
			out[s->next_click - s->pos] = (float)a;
			if (s->sieve)
				next_sieve_click(s, s->click_k + 1);
			else if (s->p.freq > 0) {
				s->click_k++;
				next_train_click(s);
			} else
				s->next_click = -1;
		}
		break;
	case GRYM_SYNTH_SILENCE:
		memset(out, 0, (size_t)n * sizeof *out);
		break;
	default:
		raw_do(s, out, n);
		for (int64_t i = 0; i < n; i++)
			out[i] = (float)(out[i] * s->scale);
		break;
	}
	s->pos += n;
	return n;
}

void grym_synth_free(grym_synth *s)
{
	if (!s)
		return;
	grym_sieve_free(s->sieve);
	grym_gendyn_free(s->gendyn);
	grym_cloud_free(s->cloud);
	free(s);
}

/* ---- sequences ---- */

/* Build and drop the parts a segment will need (GENDYN, cloud, sieve), so
 * that a bad parameter of a late segment fails before anything is made. */
static int check_parts(const grym_synth_params *p, int rate, grym_error *err)
{
	if (p->kind == GRYM_SYNTH_GENDYN) {
		grym_gendyn *g = grym_gendyn_new(&p->gendyn, rate, p->seed, err);
		if (!g)
			return err ? err->code : GRYM_ERR_INVALID;
		grym_gendyn_free(g);
	} else if (p->kind == GRYM_SYNTH_CLOUD) {
		grym_cloud_params cp = p->cloud;
		grym_cloud *c;
		cp.freq_lo = p->freq;
		cp.freq_hi = p->to;
		if (!(c = grym_cloud_new(&cp, rate, p->seed, err)))
			return err ? err->code : GRYM_ERR_INVALID;
		grym_cloud_free(c);
	} else if (p->kind == GRYM_SYNTH_IMPULSE && p->sieve) {
		grym_sieve *sv = grym_sieve_parse(p->sieve, err);
		if (!sv)
			return err ? err->code : GRYM_ERR_INVALID;
		grym_sieve_free(sv);
	}
	return GRYM_OK;
}

#define SEQ_BLOCK 4096

struct grym_synth_seq {
	grym_synth_params *params;
	size_t nseg, cur;
	int rate, channels;
	int64_t frames;
	grym_synth *seg;        /* the current segment, NULL before/between */
	float mono[SEQ_BLOCK];
};

grym_synth_seq *grym_synth_seq_new(const grym_synth_params *params, size_t nseg,
				   int rate, int channels, grym_error *err)
{
	grym_synth_seq *q;

	if (nseg == 0) {
		grym_error_set(err, GRYM_ERR_INVALID, "no segment to play");
		return NULL;
	}
	if (channels < 1 || channels > GRYM_MAX_CHANNELS) {
		grym_error_set(err, GRYM_ERR_INVALID, "channels %d out of range (1..64)", channels);
		return NULL;
	}
	for (size_t i = 0; i < nseg; i++)
		if (check_params(&params[i], rate, err) || check_parts(&params[i], rate, err)) {
			if (nseg > 1)
				grym_error_prefix(err, GRYM_ERR_INVALID, "segment %zu", i + 1);
			return NULL;
		}
	if (!(q = calloc(1, sizeof *q)) || !(q->params = malloc(nseg * sizeof *params))) {
		free(q);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(q->params, params, nseg * sizeof *params);
	q->nseg = nseg;
	q->rate = rate;
	q->channels = channels;
	for (size_t i = 0; i < nseg; i++)
		q->frames += llround(params[i].duration * rate);
	return q;
}

int64_t grym_synth_seq_frames(const grym_synth_seq *q)
{
	return q->frames;
}

int64_t grym_synth_seq_read(grym_synth_seq *q, float *buf, int64_t max, grym_error *err)
{
	int64_t done = 0;

	while (done < max && q->cur < q->nseg) {
		int64_t want = max - done, got;
		if (!q->seg) {
			if (!(q->seg = grym_synth_new(&q->params[q->cur], q->rate, err))) {
				if (q->nseg > 1)
					grym_error_prefix(err, GRYM_ERR_INVALID, "segment %zu", q->cur + 1);
				return err ? err->code : GRYM_ERR_INVALID;
			}
		}
		if (want > SEQ_BLOCK)
			want = SEQ_BLOCK;
		got = grym_synth_do(q->seg, q->mono, want);
		if (got == 0) {
			grym_synth_free(q->seg);
			q->seg = NULL;
			q->cur++;
			continue;
		}
		for (int64_t i = 0; i < got; i++)
			for (int c = 0; c < q->channels; c++)
				buf[(done + i) * q->channels + c] = q->mono[i];
		done += got;
	}
	return done;
}

void grym_synth_seq_free(grym_synth_seq *q)
{
	if (!q)
		return;
	grym_synth_free(q->seg);
	free(q->params);
	free(q);
}
