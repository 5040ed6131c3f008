/*
 * gendyn.c — GENDYN, Xenakis's dynamic stochastic synthesis.
 *
 * Xenakis (Formalized Music, 2nd ed., ch. IX and XIV "GENDY3") made the
 * waveform itself the random process: one period is a polygon of N
 * breakpoints; at every period each breakpoint's amplitude and its
 * duration (the time to the next breakpoint) take a step of a random walk
 * drawn from a probability distribution, and reflecting "mirrors" keep
 * them in range. In the second-order walk of GENDY3 the step itself walks
 * too, between its own mirrors, which gives the slowly gliding,
 * stochastically mutating timbres of the piece. The sound is the straight
 * line from breakpoint to breakpoint (P. Hoffmann and M. Serra describe
 * the same scheme). The distributions' inverse CDFs are in grym/synth.h.
 *
 * Each breakpoint is stepped once per period, when the segment that ends
 * on it starts, so the wave stays continuous.
 */
#include "grym/synth.h"
#include "grym/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GENDYN_MAX_POINTS 4096

static const char *const dist_names[] = {
	"cauchy", "logistic", "hypcos", "arcsine", "exponential", "uniform"
};

const char *grym_dist_name(grym_dist d)
{
	return (unsigned)d <= GRYM_DIST_UNIFORM ? dist_names[d] : NULL;
}

int grym_dist_parse(const char *name, grym_dist *d, grym_error *err)
{
	for (int i = 0; i <= GRYM_DIST_UNIFORM; i++)
		if (name && strcmp(name, dist_names[i]) == 0) {
			*d = (grym_dist)i;
			return GRYM_OK;
		}
	if (name && strcmp(name, "cosh") == 0) {
		*d = GRYM_DIST_HYPCOS;
		return GRYM_OK;
	}
	return grym_error_set(err, GRYM_ERR_INVALID, "unknown distribution '%s' (cauchy, "
			      "logistic, hypcos, arcsine, exponential, uniform)", name ? name : "");
}

double grym_dist_draw(grym_dist d, double a, double z)
{
	const double eps = 1e-12;

	if (!(z > eps))
		z = eps;
	if (!(z < 1 - eps))
		z = 1 - eps;
	switch (d) {
	case GRYM_DIST_CAUCHY:
		return a * tan(M_PI * (z - 0.5));
	case GRYM_DIST_LOGISTIC:
		return log(z / (1 - z)) / a;
	case GRYM_DIST_HYPCOS:
		return log(tan(M_PI * z / 2)) / a;
	case GRYM_DIST_ARCSINE:
		return a * sin(M_PI * (z - 0.5));
	case GRYM_DIST_EXPONENTIAL: {
		double u = 2 * z - 1;
		return u < 0 ? log1p(u) / a : -log1p(-u) / a;
	}
	case GRYM_DIST_UNIFORM:
		return a * (2 * z - 1);
	}
	return 0;
}

double grym_mirror(double x, double lo, double hi)
{
	double w = hi - lo, y;

	if (!isfinite(x) || !(w > 0))
		return lo + w / 2;
	if (x >= lo && x <= hi)
		return x;
	y = fmod(x - lo, 2 * w);
	if (y < 0)
		y += 2 * w;
	if (y > w)
		y = 2 * w - y;
	return lo + y;
}

struct grym_gendyn {
	grym_gendyn_params p;
	grym_rng rng;
	double dmin, dmax;      /* duration range, samples */
	double astep, dstep;    /* secondary barriers */
	double *amp, *dur;      /* breakpoint amplitude, duration */
	double *samp, *sdur;    /* their steps (secondary walk) */
	int seg;                /* current segment: from breakpoint seg to seg+1 */
	double t;               /* position in it, samples */
	double from, to;        /* its end values */
};

/* One second-order walk step of breakpoint i. */
static void step_amp(grym_gendyn *g, int i)
{
	double x = grym_dist_draw(g->p.adist, g->p.apar, grym_rng_open(&g->rng));
	g->samp[i] = grym_mirror(g->samp[i] + g->astep * x, -g->astep, g->astep);
	g->amp[i] = grym_mirror(g->amp[i] + g->samp[i], -g->p.amp_barrier, g->p.amp_barrier);
}

static void step_dur(grym_gendyn *g, int i)
{
	double x = grym_dist_draw(g->p.ddist, g->p.dpar, grym_rng_open(&g->rng));
	if (g->dstep > 0) {
		g->sdur[i] = grym_mirror(g->sdur[i] + g->dstep * x, -g->dstep, g->dstep);
		g->dur[i] = grym_mirror(g->dur[i] + g->sdur[i], g->dmin, g->dmax);
	}
}

/* Start segment seg: step its duration and the amplitude it goes to. */
static void begin_segment(grym_gendyn *g)
{
	int next = (g->seg + 1) % g->p.points;
	step_dur(g, g->seg);
	step_amp(g, next);
	g->to = g->amp[next];
}

grym_gendyn *grym_gendyn_new(const grym_gendyn_params *p, int rate, uint64_t seed,
			     grym_error *err)
{
	grym_gendyn *g;
	int n = p->points;

	if (n < 2 || n > GENDYN_MAX_POINTS) {
		grym_error_set(err, GRYM_ERR_INVALID, "points %d out of range (2..%d)",
			       n, GENDYN_MAX_POINTS);
		return NULL;
	}
	if (!(p->apar > 0 && p->apar < 1e6) || !(p->dpar > 0 && p->dpar < 1e6)) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "distribution parameters must be above 0 (apar %g, dpar %g)",
			       p->apar, p->dpar);
		return NULL;
	}
	if ((unsigned)p->adist > GRYM_DIST_UNIFORM || (unsigned)p->ddist > GRYM_DIST_UNIFORM) {
		grym_error_set(err, GRYM_ERR_INVALID, "unknown distribution");
		return NULL;
	}
	if (!(p->amp_barrier > 0 && p->amp_barrier <= 1)) {
		grym_error_set(err, GRYM_ERR_INVALID, "amp-barrier %g out of range (0..1]",
			       p->amp_barrier);
		return NULL;
	}
	if (!(p->amp_step > 0 && p->amp_step <= 2) || !(p->dur_step >= 0 && p->dur_step <= 1)) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "amp-step %g (0..2] or dur-step %g [0..1] out of range",
			       p->amp_step, p->dur_step);
		return NULL;
	}
	if (!(p->freq_min > 0 && p->freq_max >= p->freq_min &&
	      p->freq_max <= rate / 2.0 && p->freq_min >= 1e-3)) {
		grym_error_set(err, GRYM_ERR_INVALID,
			       "frequency range %g..%g Hz must be ascending, above 0 and below "
			       "half the rate", p->freq_min, p->freq_max);
		return NULL;
	}
	if (!(g = calloc(1, sizeof *g)) || !(g->amp = calloc((size_t)n * 4, sizeof *g->amp))) {
		free(g);
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	g->dur = g->amp + n;
	g->samp = g->dur + n;
	g->sdur = g->samp + n;
	g->p = *p;
	grym_rng_seed(&g->rng, seed);
	g->dmin = rate / (p->freq_max * n);
	g->dmax = rate / (p->freq_min * n);
	if (g->dmin < 1)
		g->dmin = 1;
	if (g->dmax < g->dmin)
		g->dmax = g->dmin;
	g->astep = p->amp_step;
	g->dstep = p->dur_step * (g->dmax - g->dmin);
	for (int i = 0; i < n; i++)
		g->dur[i] = (g->dmin + g->dmax) / 2;
	g->seg = 0;
	g->t = 0;
	g->from = g->amp[0];
	begin_segment(g);
	return g;
}

void grym_gendyn_do(grym_gendyn *g, float *out, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		double d = g->dur[g->seg];
		out[i] = (float)(g->from + (g->to - g->from) * (g->t / d));
		g->t += 1;
		while (g->t >= d) {
			g->t -= d;
			g->from = g->to;
			g->seg = (g->seg + 1) % g->p.points;
			begin_segment(g);
			d = g->dur[g->seg];
		}
	}
}

int grym_gendyn_breakpoint(const grym_gendyn *g, int i, double *amp, double *dur)
{
	if (i < 0 || i >= g->p.points)
		return GRYM_ERR_INVALID;
	if (amp)
		*amp = g->amp[i];
	if (dur)
		*dur = g->dur[i];
	return GRYM_OK;
}

void grym_gendyn_dur_range(const grym_gendyn *g, double *dmin, double *dmax)
{
	*dmin = g->dmin;
	*dmax = g->dmax;
}

void grym_gendyn_free(grym_gendyn *g)
{
	if (!g)
		return;
	free(g->amp);
	free(g);
}
