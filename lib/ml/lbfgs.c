/*
 * lbfgs.c — limited-memory BFGS (Nocedal & Wright, Numerical Optimization,
 * 2nd ed., algorithms 7.4 and 7.5) with a line search that satisfies the
 * strong Wolfe conditions (algorithms 3.5 and 3.6: bracketing, then zoom
 * with safeguarded cubic interpolation). Used to fit the multinomial
 * logistic regression; any smooth function of a double vector will do.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grym/ml.h"
#include "grym/progress.h"

void grym_lbfgs_opts_default(grym_lbfgs_opts *o)
{
	o->m = 10;
	o->max_iter = 1000;
	o->gtol = 1e-6;
	o->ftol = 1e-12;
	o->max_ls = 40;
	o->cancel = NULL;
	o->progress = NULL;
	o->progress_ud = NULL;
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static double amax(const double *a, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (fabs(a[i]) > m)
			m = fabs(a[i]);
	return m;
}

typedef struct ls_ctx {
	grym_lbfgs_fn f;
	void *ud;
	const double *x0, *d;
	double *x, *g;
	size_t n;
	int evals;
	const volatile sig_atomic_t *cancel;
} ls_ctx;

/* phi(a) = f(x0 + a d); writes the gradient to c->g and phi'(a) to *dphi. */
static double phi(ls_ctx *c, double a, double *dphi)
{
	/* cancelled: no more evaluations, and the search fails at once
	 * (NaN is never accepted); the caller sees the flag and stops */
	if (grym_cancelled(c->cancel)) {
		c->evals = INT32_MAX / 2;
		*dphi = NAN;
		return NAN;
	}
	for (size_t i = 0; i < c->n; i++)
		c->x[i] = c->x0[i] + a * c->d[i];
	double v = c->f(c->ud, c->x, c->g);
	c->evals++;
	*dphi = dot(c->g, c->d, c->n);
	return v;
}

/* Minimizer of the cubic through (a,fa,da), (b,fb,db), kept inside the
 * interval with a margin; falls back to bisection. */
static double cubic_min(double a, double fa, double da, double b, double fb, double db)
{
	double lo = a < b ? a : b, hi = a < b ? b : a;
	double d1 = da + db - 3 * (fa - fb) / (a - b);
	double s = d1 * d1 - da * db;
	double t;
	if (s >= 0 && a != b) {
		double d2 = (b > a ? 1 : -1) * sqrt(s);
		t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
	} else {
		t = (a + b) / 2;
	}
	double margin = 0.1 * (hi - lo);
	if (!isfinite(t) || t < lo + margin || t > hi - margin)
		t = (a + b) / 2;
	return t;
}

/* Strong Wolfe line search; on success x, g hold the new point. */
static int wolfe(ls_ctx *c, double f0, double d0, double a1, int max_ls,
		 double *fa_out, double *a_out)
{
	const double c1 = 1e-4, c2 = 0.9;
	double a_prev = 0, f_prev = f0, d_prev = d0;
	double a = a1;
	for (int i = 0; c->evals < max_ls; i++) {
		double da, fa = phi(c, a, &da);
		if (!isfinite(fa) || fa > f0 + c1 * a * d0 || (i > 0 && fa >= f_prev)) {
			/* zoom between a_prev (lo) and a (hi) */
			double lo = a_prev, flo = f_prev, dlo = d_prev;
			double hi = a, fhi = fa, dhi = da;
			while (c->evals < max_ls) {
				double t = isfinite(fhi) && isfinite(dhi)
					? cubic_min(lo, flo, dlo, hi, fhi, dhi) : (lo + hi) / 2;
				double dt, ft = phi(c, t, &dt);
				if (!isfinite(ft) || ft > f0 + c1 * t * d0 || ft >= flo) {
					hi = t; fhi = ft; dhi = dt;
				} else {
					if (fabs(dt) <= -c2 * d0) {
						*fa_out = ft; *a_out = t;
						return 0;
					}
					if (dt * (hi - lo) >= 0) {
						hi = lo; fhi = flo; dhi = dlo;
					}
					lo = t; flo = ft; dlo = dt;
				}
				if (fabs(hi - lo) < 1e-16 * (1 + fabs(lo)))
					break;
			}
			/* Accept the best sufficient-decrease point seen, if any. */
			if (lo > 0 && flo < f0) {
				double dd;
				*fa_out = phi(c, lo, &dd);
				*a_out = lo;
				return 0;
			}
			return -1;
		}
		if (fabs(da) <= -c2 * d0) {
			*fa_out = fa; *a_out = a;
			return 0;
		}
		if (da >= 0) {
			double lo = a, flo = fa, dlo = da, hi = a_prev, fhi = f_prev, dhi = d_prev;
			while (c->evals < max_ls) {
				double t = cubic_min(lo, flo, dlo, hi, fhi, dhi);
				double dt, ft = phi(c, t, &dt);
				if (!isfinite(ft) || ft > f0 + c1 * t * d0 || ft >= flo) {
					hi = t; fhi = ft; dhi = dt;
				} else {
					if (fabs(dt) <= -c2 * d0) {
						*fa_out = ft; *a_out = t;
						return 0;
					}
					if (dt * (hi - lo) >= 0) {
						hi = lo; fhi = flo; dhi = dlo;
					}
					lo = t; flo = ft; dlo = dt;
				}
				if (fabs(hi - lo) < 1e-16 * (1 + fabs(lo)))
					break;
			}
			double dd;
			*fa_out = phi(c, lo, &dd);
			*a_out = lo;
			return flo < f0 ? 0 : -1;
		}
		a_prev = a; f_prev = fa; d_prev = da;
		a *= 2;
	}
	return -1;
}

int grym_lbfgs(grym_lbfgs_fn f, void *ud, double *x, size_t n, const grym_lbfgs_opts *o,
	       int *iters, double *fx, grym_error *err)
{
	grym_lbfgs_opts def;
	if (!o) {
		grym_lbfgs_opts_default(&def);
		o = &def;
	}
	int m = o->m > 0 ? o->m : 10;
	double *buf = calloc((size_t)(2 * m + 5) * n + (size_t)m, sizeof *buf);
	if (!buf)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	double *S = buf, *Y = S + (size_t)m * n, *g = Y + (size_t)m * n;
	double *d = g + n, *x0 = d + n, *g0 = x0 + n, *xt = g0 + n, *rho = xt + n;
	double alpha[64 > m ? 64 : m];
	int rc = GRYM_OK, it = 0, hist = 0, head = 0;

	grym_ticker tick;
	grym_ticker_init(&tick, o->cancel, o->progress, o->progress_ud);
	double fk = f(ud, x, g);
	if (!isfinite(fk)) {
		rc = grym_error_set(err, GRYM_ERR_INVALID, "objective is not finite at the start");
		goto out;
	}
	for (it = 0; it < o->max_iter; it++) {
		if (amax(g, n) <= o->gtol)
			break;
		if ((rc = grym_ticker_check(&tick, err)))
			goto out;
		if (grym_ticker_due(&tick)) {
			char msg[48];
			snprintf(msg, sizeof msg, "iteration %d", it + 1);
			grym_ticker_report(&tick, (double)it / o->max_iter, msg);
		}
		/* two-loop recursion: d = -H g */
		for (size_t i = 0; i < n; i++)
			d[i] = -g[i];
		for (int j = 0; j < hist; j++) {
			int idx = (head - 1 - j + m) % m;
			alpha[idx] = rho[idx] * dot(S + (size_t)idx * n, d, n);
			for (size_t i = 0; i < n; i++)
				d[i] -= alpha[idx] * Y[(size_t)idx * n + i];
		}
		if (hist > 0) {
			int last = (head - 1 + m) % m;
			double gam = dot(S + (size_t)last * n, Y + (size_t)last * n, n) /
				     dot(Y + (size_t)last * n, Y + (size_t)last * n, n);
			for (size_t i = 0; i < n; i++)
				d[i] *= gam;
		}
		for (int j = hist - 1; j >= 0; j--) {
			int idx = (head - 1 - j + m) % m;
			double b = rho[idx] * dot(Y + (size_t)idx * n, d, n);
			for (size_t i = 0; i < n; i++)
				d[i] += S[(size_t)idx * n + i] * (alpha[idx] - b);
		}
		double d0 = dot(g, d, n);
		if (!(d0 < 0)) { /* not a descent direction: restart from steepest descent */
			hist = 0;
			for (size_t i = 0; i < n; i++)
				d[i] = -g[i];
			d0 = dot(g, d, n);
		}
		double a1 = 1.0;
		if (hist == 0) {
			double gn = sqrt(dot(g, g, n));
			a1 = gn > 0 ? fmin(1.0, 1.0 / gn) : 1.0;
		}
		memcpy(x0, x, n * sizeof *x);
		memcpy(g0, g, n * sizeof *g);
		ls_ctx c = { f, ud, x0, d, xt, g, n, 0, o->cancel };
		double fnew, a;
		int ls = wolfe(&c, fk, d0, a1, o->max_ls, &fnew, &a);
		if ((rc = grym_ticker_check(&tick, err))) {
			memcpy(x, x0, n * sizeof *x);
			goto out;
		}
		if (ls < 0) {
			/* no progress possible: keep the last point */
			memcpy(g, g0, n * sizeof *g);
			if (it == 0 && hist == 0) {
				rc = grym_error_set(err, GRYM_ERR_INTERNAL,
						    "line search failed at the first step");
				goto out;
			}
			break;
		}
		memcpy(x, xt, n * sizeof *x);
		double *s = S + (size_t)head * n, *y = Y + (size_t)head * n;
		for (size_t i = 0; i < n; i++) {
			s[i] = x[i] - x0[i];
			y[i] = g[i] - g0[i];
		}
		double sy = dot(s, y, n);
		if (sy > 1e-300) {
			rho[head] = 1.0 / sy;
			head = (head + 1) % m;
			if (hist < m)
				hist++;
		}
		double rel = (fk - fnew) / fmax(fmax(fabs(fk), fabs(fnew)), 1.0);
		fk = fnew;
		if (rel <= o->ftol) {
			it++;
			break;
		}
	}
out:
	if (iters)
		*iters = it;
	if (fx)
		*fx = fk;
	free(buf);
	return rc;
}
