/*
 * holdout.c — a grouped holdout: whole groups chosen so that the test set
 * is as close as it can be to the fraction asked for, and, among the
 * choices that come as close, as close as can be to that fraction of
 * every class.
 *
 * Taking one fold of round(1/F)-fold grouped CV gave 50% for any F above
 * 0.5; this chooses groups directly. The groups are shuffled (--seed),
 * added greedily while that brings the test set nearer its target, then
 * improved by moving single groups in or out and by swapping pairs until
 * no move helps. Each choice is scored first by |test items - F n|, then
 * by the sum over classes of |test items of c - F n_c|. Every class keeps
 * at least one training item (the model must see it) and the test set is
 * never empty.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

typedef struct hsel {
	size_t G, K;
	const int64_t *gc;      /* G x K items per group and class */
	const int64_t *gsize;   /* G */
	const int64_t *ccount;  /* K */
	double F;
	int64_t n;
	int64_t S;              /* test items */
	int64_t *Sc;            /* K test items per class */
} hsel;

/* The score of the selection after adding sign * group g (sign -1, 0, 1)
 * and sign2 * group h; INFINITY when a class would lose its last
 * training item or the test set would be empty. */
static void score(const hsel *s, size_t g, int sign, size_t h, int sign2, double *p, double *q)
{
	int64_t S = s->S + sign * s->gsize[g] + sign2 * s->gsize[h];
	double sec = 0;
	*p = *q = INFINITY;
	if (S < 1)
		return;
	for (size_t c = 0; c < s->K; c++) {
		int64_t v = s->Sc[c] + sign * s->gc[g * s->K + c] + sign2 * s->gc[h * s->K + c];
		if (v > s->ccount[c] - 1)
			return;
		sec += fabs((double)v - s->F * (double)s->ccount[c]);
	}
	*p = fabs((double)S - s->F * (double)s->n);
	*q = sec;
}

static int better(double p, double q, double bp, double bq)
{
	if (p < bp - 1e-9)
		return 1;
	return p <= bp + 1e-9 && q < bq - 1e-9;
}

static void apply(hsel *s, size_t g, int sign, char *in)
{
	s->S += sign * s->gsize[g];
	for (size_t c = 0; c < s->K; c++)
		s->Sc[c] += sign * s->gc[g * s->K + c];
	in[g] = sign > 0;
}

int grym_folds_holdout_grouped(const grym_dataset *ds, double fraction, uint64_t seed, int *fold,
			       grym_error *err)
{
	size_t G = ds->ngroups, K = ds->nlabels;
	if (!ds->group)
		return grym_error_set(err, GRYM_ERR_INVALID, "no group ids");
	for (size_t i = 0; i < ds->n; i++)
		if (ds->group[i] < 0)
			return grym_error_set(err, GRYM_ERR_INVALID, "item %s has no group",
					      ds->keys[i] ? ds->keys[i] : "?");
	if (G < 2)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "%zu group: a grouped holdout needs at least 2", G);
	int64_t *gc = calloc(G * K, sizeof *gc), *gsize = calloc(G, sizeof *gsize);
	int64_t *ccount = calloc(K, sizeof *ccount), *Sc = calloc(K, sizeof *Sc);
	int *perm = malloc(G * sizeof *perm);
	char *in = calloc(G, 1);
	int rc = GRYM_OK;
	if (!gc || !gsize || !ccount || !Sc || !perm || !in) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ds->n; i++) {
		gc[(size_t)ds->group[i] * K + (size_t)ds->y[i]]++;
		gsize[ds->group[i]]++;
		ccount[ds->y[i]]++;
	}
	for (size_t c = 0; c < K; c++)
		if (ccount[c] < 2) {
			rc = grym_error_set(err, GRYM_ERR_INVALID,
					    "class '%s' has %lld item, too few to be both trained and tested",
					    ds->labels[c], (long long)ccount[c]);
			goto out;
		}
	hsel s = { G, K, gc, gsize, ccount, fraction, (int64_t)ds->n, 0, Sc };
	grym_rng rng;
	grym_rng_seed(&rng, seed);
	for (size_t g = 0; g < G; g++)
		perm[g] = (int)g;
	grym_rng_shuffle(&rng, perm, G);
	/* greedy: take a group while it brings the test set nearer */
	double bp = fabs(-fraction * (double)ds->n), bq = INFINITY, p, q;
	for (size_t t = 0; t < G; t++) {
		size_t g = (size_t)perm[t];
		score(&s, g, 1, g, 0, &p, &q);
		if (better(p, q, bp, bq)) {
			apply(&s, g, 1, in);
			bp = p;
			bq = q;
		}
	}
	if (s.S == 0) {
		/* no single group fits (each holds some class's only training
		 * items): nothing can be tested */
		rc = grym_error_set(err, GRYM_ERR_INVALID,
				    "no group can be held out without taking a class's last training item");
		goto out;
	}
	/* improve: single moves, then pairwise swaps (bounded work) */
	int swaps = G <= 2000;
	for (int pass = 0; pass < 200; pass++) {
		int moved = 0;
		for (size_t t = 0; t < G; t++) {
			size_t g = (size_t)perm[t];
			score(&s, g, in[g] ? -1 : 1, g, 0, &p, &q);
			if (better(p, q, bp, bq)) {
				apply(&s, g, in[g] ? -1 : 1, in);
				bp = p;
				bq = q;
				moved = 1;
			}
		}
		for (size_t t = 0; swaps && t < G; t++) {
			size_t g = (size_t)perm[t];
			if (!in[g])
				continue;
			for (size_t u = 0; u < G && in[g]; u++) {
				size_t h = (size_t)perm[u];
				if (in[h])
					continue;
				score(&s, g, -1, h, 1, &p, &q);
				if (better(p, q, bp, bq)) {
					apply(&s, g, -1, in);
					apply(&s, h, 1, in);
					bp = p;
					bq = q;
					moved = 1;
				}
			}
		}
		if (!moved)
			break;
	}
	for (size_t i = 0; i < ds->n; i++)
		fold[i] = in[ds->group[i]] ? 0 : 1;
out:
	free(gc); free(gsize); free(ccount); free(Sc); free(perm); free(in);
	return rc;
}
