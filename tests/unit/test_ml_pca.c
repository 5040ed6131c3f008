/*
 * test_ml_pca.c — grym_pca_new against scikit-learn's PCA on the same
 * matrices (tests/fixtures/pca/pca.json, made by make-fixture.py beside
 * it): scores, components, variances, ratios and means within 1e-4,
 * centred and standardized, tall and wide; then properties on synthetic
 * data: orthonormal axes, descending ratios summing to 1 when every axis
 * is kept, a line's one axis, the other sign rule, refused inputs.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grym/ml_pca.h"
#include "tap.h"

#define TOL 1e-4

/* Largest |got - want| over a JSON array (of arrays) and a row-major
 * array of doubles; inf when the shapes differ. */
static double max_diff(const json_t *want, const double *got, size_t rows, size_t cols)
{
	double m = 0;
	if (json_array_size(want) != rows)
		return INFINITY;
	for (size_t i = 0; i < rows; i++) {
		const json_t *r = json_array_get(want, i);
		if (cols == 0) {
			m = fmax(m, fabs(json_number_value(r) - got[i]));
			continue;
		}
		if (json_array_size(r) != cols)
			return INFINITY;
		for (size_t j = 0; j < cols; j++)
			m = fmax(m, fabs(json_number_value(json_array_get(r, j)) - got[i * cols + j]));
	}
	return m;
}

static void test_fixture(void)
{
	char path[4200];
	const char *top = getenv("GRYM_TOP");
	snprintf(path, sizeof path, "%s/tests/fixtures/pca/pca.json", top && *top ? top : ".");
	json_error_t je;
	json_t *fx = json_load_file(path, 0, &je), *c;
	size_t ci;
	TAP_OK(json_array_size(json_object_get(fx, "cases")) == 4, "fixture %s: %s", path, je.text);
	json_array_foreach(json_object_get(fx, "cases"), ci, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *xs = json_object_get(c, "x");
		size_t n = json_array_size(xs), d = json_array_size(json_array_get(xs, 0));
		float *x = malloc(n * d * sizeof *x);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < d; j++)
				x[i * d + j] = (float)json_number_value(json_array_get(json_array_get(xs, i), j));
		grym_pca_opts o = { .components = (int)json_integer_value(json_object_get(c, "components")),
				    .standardize = (int)json_integer_value(json_object_get(c, "standardize")) };
		grym_error err = { 0 };
		grym_pca *p = grym_pca_new(x, n, d, &o, &err);
		TAP_OK(p && p->k == o.components, "%s: fitted, %d axes: %s", name, o.components, err.msg);
		if (!p) {
			for (int k = 0; k < 5; k++)
				TAP_OK(0, "%s: not fitted", name);
			free(x);
			continue;
		}
		double ds = max_diff(json_object_get(c, "scores"), p->scores, n, (size_t)p->k);
		double dc = max_diff(json_object_get(c, "components_"), p->components, (size_t)p->k, d);
		double dv = max_diff(json_object_get(c, "variance"), p->variance, (size_t)p->k, 0);
		double dr = max_diff(json_object_get(c, "ratio"), p->ratio, (size_t)p->k, 0);
		double dm = o.standardize ? 0 : max_diff(json_object_get(c, "mean"), p->mean, d, 0);
		TAP_OK(ds <= TOL, "%s: scores as scikit-learn's (largest difference %.3g)", name, ds);
		TAP_OK(dc <= TOL, "%s: components, signs included (%.3g)", name, dc);
		TAP_OK(dv <= TOL * fmax(1, json_number_value(json_array_get(json_object_get(c, "variance"), 0))),
		       "%s: explained variance (%.3g)", name, dv);
		TAP_OK(dr <= TOL, "%s: explained variance ratio (%.3g)", name, dr);
		TAP_OK(dm <= TOL, "%s: means (%.3g)", name, dm);
		grym_pca_free(p);
		free(x);
	}
	json_decref(fx);
}

/* A reproducible matrix of n rows and d correlated columns. */
static float *synthetic(size_t n, size_t d, unsigned seed)
{
	float *x = malloc(n * d * sizeof *x);
	for (size_t i = 0; i < n; i++) {
		double a = sin((double)(i * 7 + seed)), b = cos((double)(i * i % 97) + seed);
		for (size_t j = 0; j < d; j++)
			x[i * d + j] = (float)(a * (double)(j + 1) + b * (j % 2 ? -3.0 : 0.5) +
					       0.1 * sin((double)(i * 31 + j * 17 + seed)));
	}
	return x;
}

static void test_properties(void)
{
	size_t n = 200, d = 5;
	float *x = synthetic(n, d, 3);
	grym_error err = { 0 };
	grym_pca_opts o = { .components = 5 };
	grym_pca *p = grym_pca_new(x, n, d, &o, &err);
	TAP_OK(p != NULL, "all five axes: %s", err.msg);
	if (!p) {
		for (int k = 0; k < 4; k++)
			TAP_OK(0, "not fitted");
		free(x);
		return;
	}
	double worst = 0, sum = 0;
	int desc = 1;
	for (int a = 0; a < 5; a++) {
		for (int b = 0; b < 5; b++) {
			double dot = 0;
			for (size_t j = 0; j < d; j++)
				dot += p->components[a * d + j] * p->components[b * d + j];
			worst = fmax(worst, fabs(dot - (a == b)));
		}
		sum += p->ratio[a];
		if (a && p->ratio[a] > p->ratio[a - 1])
			desc = 0;
	}
	TAP_OK(worst < 1e-9, "the axes are orthonormal (%.3g)", worst);
	TAP_OK(fabs(sum - 1) < 1e-9 && desc, "ratios descend and sum to 1 with every axis (%.12f)", sum);
	/* scores are the centred rows on the axes */
	double off = 0;
	for (size_t i = 0; i < n; i++)
		for (int a = 0; a < 5; a++) {
			double s = 0;
			for (size_t j = 0; j < d; j++)
				s += ((double)x[i * d + j] - p->mean[j]) * p->components[a * d + j];
			off = fmax(off, fabs(s - p->scores[i * 5 + a]));
		}
	TAP_OK(off < 1e-9, "scores are the centred rows projected on the axes (%.3g)", off);
	/* each score column's largest entry in magnitude is positive */
	int pos = 1;
	for (int a = 0; a < 5; a++) {
		double big = 0;
		for (size_t i = 0; i < n; i++)
			if (fabs(p->scores[i * 5 + a]) > fabs(big))
				big = p->scores[i * 5 + a];
		pos &= big > 0;
	}
	TAP_OK(pos, "default signs: the largest score of each axis is positive (scikit-learn 1.2)");
	grym_pca_free(p);

	o.sign = GRYM_PCA_SIGN_LOADINGS;
	o.components = 3;
	p = grym_pca_new(x, n, d, &o, &err);
	pos = p != NULL;
	for (int a = 0; p && a < 3; a++) {
		double big = 0;
		for (size_t j = 0; j < d; j++)
			if (fabs(p->components[a * d + j]) > fabs(big))
				big = p->components[a * d + j];
		pos &= big > 0;
	}
	TAP_OK(pos, "the other rule: the largest loading of each axis is positive (scikit-learn 1.5)");
	grym_pca_free(p);
	free(x);

	/* points on the line y = 2x + 1: one axis, all the variance */
	float line[20];
	for (int i = 0; i < 10; i++) {
		line[2 * i] = (float)i;
		line[2 * i + 1] = (float)(2 * i + 1);
	}
	o = (grym_pca_opts){ .components = 3 };
	p = grym_pca_new(line, 10, 2, &o, &err);
	TAP_OK(p && p->k == 2, "3 axes asked of 2 columns: 2 given");
	/* the scores of 0..9 tie in magnitude at both ends: the first (the
	 * lowest, negative) wins, as numpy's argmax, so the axis points down */
	TAP_OK(p && fabs(p->ratio[0] - 1) < 1e-12 && fabs(p->components[0] + 1 / sqrt(5.0)) < 1e-12 &&
	       fabs(p->components[1] + 2 / sqrt(5.0)) < 1e-12,
	       "a line: its direction, with all the variance");
	TAP_NEAR(p ? p->variance[0] : 0, 5 * 55 / 6.0, 1e-9,
		 "its variance: 5 times that of 0..9 (n - 1 divisor)");
	grym_pca_free(p);

	/* refused */
	float one[3] = { 1, 2, 3 }, bad[4] = { 1, NAN, 2, 3 };
	p = grym_pca_new(one, 1, 3, NULL, &err);
	TAP_OK(!p && err.code == GRYM_ERR_INVALID, "one row is refused: %s", err.msg);
	p = grym_pca_new(bad, 2, 2, NULL, &err);
	TAP_OK(!p && err.code == GRYM_ERR_INVALID && strstr(err.msg, "row 1, column 2"),
	       "a NaN is refused, naming it: %s", err.msg);
}

int main(void)
{
	tap_plan(1 + 4 * 6 + 11);
	test_fixture();
	test_properties();
	return tap_done();
}
