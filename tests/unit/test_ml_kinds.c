/*
 * test_ml_kinds.c — the table of model kinds (lib/ml/kind.h, kinds.c):
 * every grym_model_type has a complete entry (no required member NULL,
 * load and unload together, a unique name that parses back to its type,
 * notes only for hyper-parameters it does not take); the hyper-parameters
 * a kind takes are exactly those its model file records; an unknown kind
 * in a model file is an error naming it. And the models of every kind in
 * the fuzz seed corpus (tests/fuzz/corpus/fuzz_model/KIND, written by
 * the code before the table) load as their kind, predict what that code
 * predicted, describe themselves as it did, and save to the same bytes.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "grym/hash.h"
#include "grym/ml.h"
#include "ml/kind.h"
#include "tap.h"

static void test_registry(void)
{
	int n = grym_model_type_count();
	TAP_EQ_INT(n, GRYM_MODEL_KMEANS + 1, "one kind per grym_model_type");
	TAP_OK(ml_kind_of((grym_model_type)n) == NULL && ml_kind_of((grym_model_type)-1) == NULL,
	       "no kind past the table");
	TAP_EQ_STR(grym_model_type_name((grym_model_type)n), "?", "the name of no kind");
	for (int t = 0; t < n; t++) {
		const grym_model_kind *k = ml_kind_of((grym_model_type)t);
		if (!TAP_OK(k != NULL, "type %d has a kind in the registry", t)) {
			for (int i = 0; i < 6; i++)
				TAP_OK(0, "type %d: no entry to check", t);
			continue;
		}
		const char *nm = k->name ? k->name : "(no name)";
		TAP_OK(k->name && k->name[0] && k->defaults && k->train && k->predict && k->validate &&
		       k->hyper, "%s: name, defaults, train, predict, validate and hyper set", nm);
		TAP_OK(!k->load == !k->unload, "%s: load and unload both or neither", nm);
		grym_model_type back = (grym_model_type)-1;
		TAP_OK(grym_model_type_parse(nm, &back) == GRYM_OK && back == (grym_model_type)t &&
		       !strcmp(grym_model_type_name((grym_model_type)t), nm),
		       "%s: its name parses back to type %d", nm, t);
		int unique = 1;
		for (int u = 0; u < t; u++)
			if (ml_kind_of((grym_model_type)u) && !strcmp(ml_kind_of((grym_model_type)u)->name, nm))
				unique = 0;
		TAP_OK(unique, "%s: no other kind has its name", nm);
		int notes_ok = 1;
		for (int i = 0; i < ML_HP_COUNT; i++)
			if (k->why_not[i] && (k->hyper & (1u << i)))
				notes_ok = 0;
		TAP_OK(notes_ok, "%s: why-not notes only for hyper-parameters it does not take", nm);
		/* its defaults pass the checks, and its file's "params" holds
		 * exactly the hyper-parameters grym-train accepts for it */
		grym_ml_params p;
		grym_error err = { 0 };
		grym_ml_params_default(&p, (grym_model_type)t);
		json_t *o = ml_params_json(&p);
		static const char *const opts[] = { "C", "class-weight", "max-iter", "tol", "gamma", "k",
						    "metric", "n-init", "hidden", "dropout", "alpha",
						    "epochs", "batch-size", "lr", "val-fraction",
						    "patience" };
		int agree = o && json_object_size(o) > 0;
		for (size_t i = 0; agree && i < sizeof opts / sizeof *opts; i++) {
			char key[32];
			snprintf(key, sizeof key, "%s", opts[i]);
			for (char *c = key; *c; c++)
				if (*c == '-')
					*c = '_';
			agree = (json_object_get(o, key) != NULL) ==
				(grym_model_type_uses((grym_model_type)t, opts[i]) == 1);
		}
		json_decref(o);
		TAP_OK(agree && ml_params_check(&p, &err) == GRYM_OK,
		       "%s: defaults pass the checks; the header's params are the options it takes (%s)",
		       nm, err.msg);
	}
	TAP_EQ_INT(grym_model_type_uses(GRYM_MODEL_LOGREG, "seed"), -1, "--seed is no kind's hyper-parameter");
	TAP_OK(grym_model_type_why_not(GRYM_MODEL_LINSVM, "max-iter") &&
	       strstr(grym_model_type_why_not(GRYM_MODEL_LINSVM, "max-iter"), "liblinear") &&
	       !grym_model_type_why_not(GRYM_MODEL_LOGREG, "max-iter"),
	       "linsvm says why --max-iter does not apply; logreg takes it");
	TAP_OK(grym_model_type_supervised(GRYM_MODEL_SVM) && !grym_model_type_supervised(GRYM_MODEL_KMEANS) &&
	       !grym_model_type_supervised((grym_model_type)n), "svm is supervised, kmeans and no kind are not");
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = malloc(1 << 20);
	*n = 0;
	if (f && p)
		*n = fread(p, 1, 1 << 20, f);
	if (f)
		fclose(f);
	return p;
}

static char *corpus_path(const char *kind)
{
	static char path[4096];
	const char *top = getenv("GRYM_TOP");
	snprintf(path, sizeof path, "%s/tests/fuzz/corpus/fuzz_model/%s", top ? top : ".", kind);
	return path;
}

/* The model bytes with the header's "type" changed to `to` (same length)
 * or removed (to NULL: renamed to a key nobody reads), the checksum made
 * right. */
static unsigned char *retype(const unsigned char *b, size_t n, const char *from, const char *to)
{
	char pat[64], rep[64];
	unsigned char *c = malloc(n);
	memcpy(c, b, n);
	snprintf(pat, sizeof pat, "\"type\":\"%s\"", from);
	if (to)
		snprintf(rep, sizeof rep, "\"type\":\"%s\"", to);
	else
		snprintf(rep, sizeof rep, "\"tipe\":\"%s\"", from);
	for (size_t i = 0; i + strlen(pat) <= n; i++)
		if (!memcmp(c + i, pat, strlen(pat))) {
			memcpy(c + i, rep, strlen(rep));
			break;
		}
	char hex[GRYM_ID_LEN + 1];
	grym_sha256_hex(c, n - 32, hex);
	for (int i = 0; i < 32; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		c[n - 32 + i] = (unsigned char)v;
	}
	return c;
}

static void test_unknown_kind(void)
{
	size_t n;
	unsigned char *b = slurp(corpus_path("logreg"), &n);
	grym_model *m = NULL;
	grym_error err = { 0 };
	TAP_OK(n > 48 && (m = grym_model_load(b, n, &err)), "the logreg seed loads (%s)", err.msg);
	grym_model_free(m);
	m = NULL;

	unsigned char *c = retype(b, n, "logreg", "forest");
	int rc = (m = grym_model_load(c, n, &err)) ? GRYM_OK : err.code;
	TAP_EQ_INT(rc, GRYM_ERR_CORRUPT, "a model of kind 'forest' does not load");
	TAP_OK(!m && strstr(err.msg, "unknown model type 'forest'") &&
	       strstr(err.msg, "logreg, linsvm, svm, knn, mlp, kmeans"),
	       "the error names the kind and the kinds known: %s", err.msg);
	/* from a file: the same error (callers put the path in front) */
	char path[4096];
	snprintf(path, sizeof path, "%s/forest.model", tap_tmpdir());
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(c, 1, n, f);
		fclose(f);
	}
	grym_error_clear(&err);
	rc = (m = grym_model_load_file(path, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_CORRUPT && !m && strstr(err.msg, "'forest'"),
	       "grym_model_load_file: the same (%s)", err.msg);
	free(c);

	c = retype(b, n, "logreg", NULL);
	grym_error_clear(&err);
	rc = (m = grym_model_load(c, n, &err)) ? GRYM_OK : err.code;
	TAP_OK(rc == GRYM_ERR_CORRUPT && !m && strstr(err.msg, "no model type"),
	       "a header without a type says so: %s", err.msg);
	free(c);
	free(b);
}

/* What the code before the table gave for these seeds (rows of 1 and of
 * -0.5): labels exactly, probabilities to 1e-6; the SHA-256 of
 * grym_model_describe. */
static const struct {
	const char *kind;
	int pred[2];
	float proba[6];
	const char *describe;
} seeds[] = {
	{ "kmeans", { 0, 1 }, { 0x1p+0, 0x0p+0, 0x0p+0, 0x1p+0 },
	  "c9978ddc7939dd5d9817f7a01eaa85a84740c4d4dea5f3fdcef5c1d45f64023a" },
	{ "knn", { 1, 1 }, { 0x1.555556p-2, 0x1.555556p-1, 0x0p+0, 0x0p+0, 0x1.555556p-1, 0x1.555556p-2 },
	  "844439695a7d2ef90465c515c78570b179d25cd0ef98555d2ea080e8444be815" },
	{ "linsvm", { 0, 1 }, { 0x1.63f42ep-2, 0x1.3966bap-2, 0x1.62a518p-2, 0x1.a0bdc6p-3, 0x1.3bca94p-1, 0x1.7017eep-3 },
	  "5a4abbfd1f87739592d07a92f1b2ca70d576cec74cacb93f34700f93a95447f3" },
	{ "logreg", { 0, 1 }, { 0x1.633964p-2, 0x1.4721c6p-2, 0x1.55a4d6p-2, 0x1.bdc6b6p-3, 0x1.0c322ep-1, 0x1.08b84ap-2 },
	  "217e3541ed5d8d4efb36ac6475cdf814e3a63e83a63d2d294a8494eba8e77adc" },
	{ "mlp", { 2, 2 }, { 0x1.bedad2p-3, 0x1.7b3128p-2, 0x1.a5617p-2, 0x1.3b3742p-3, 0x1.e80ff2p-3, 0x1.372e34p-1 },
	  "61ae98b6d3d07250fb96a2a4d19118d4774e3a4f4110de57e9a7b1f351157afd" },
	{ "svm", { 2, 1 }, { 0x1.3c624cp-2, 0x1.18b496p-2, 0x1.aae91ep-2, 0x1.9a12ecp-3, 0x1.bf1a32p-2, 0x1.73dc58p-2 },
	  "a89f019a24489582bdd0f7f1de9c4bb439c2c1df42439224693ee76826d19874" },
};

static void test_seeds(void)
{
	for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
		size_t n;
		unsigned char *b = slurp(corpus_path(seeds[s].kind), &n);
		grym_model *m = NULL;
		grym_error err = { 0 };
		if (!TAP_OK((m = grym_model_load(b, n, &err)), "seed %s loads (%s)", seeds[s].kind,
			    err.msg)) {
			for (int i = 0; i < 4; i++)
				TAP_OK(0, "seed %s: not loaded", seeds[s].kind);
			free(b);
			continue;
		}
		TAP_EQ_STR(grym_model_type_name(grym_model_type_of(m)), seeds[s].kind,
			   "seed %s is of its kind", seeds[s].kind);
		size_t d = grym_model_dims(m), k = grym_model_nclasses(m);
		float *x = malloc(2 * d * sizeof *x), p[6] = { 0 };
		int pred[2] = { -1, -1 }, pred2[2] = { -1, -1 };
		for (size_t j = 0; j < d; j++) {
			x[j] = 1.0f;
			x[d + j] = -0.5f;
		}
		int rc = k * 2 <= 6 ? grym_model_predict(m, x, 2, p, pred, &err) : -1;
		rc |= grym_model_predict(m, x, 2, NULL, pred2, &err);
		double dev = 0;
		for (size_t j = 0; j < 2 * k && j < 6; j++)
			dev = fmax(dev, fabs((double)p[j] - (double)seeds[s].proba[j]));
		TAP_OK(rc == 0 && pred[0] == seeds[s].pred[0] && pred[1] == seeds[s].pred[1] &&
		       pred2[0] == pred[0] && pred2[1] == pred[1] && dev <= 1e-6,
		       "seed %s predicts as before: labels %d %d, probabilities within %.1g", seeds[s].kind,
		       pred[0], pred[1], dev);
		free(x);
		char *txt = grym_model_describe(m), hex[GRYM_ID_LEN + 1] = "";
		if (txt)
			grym_sha256_hex(txt, strlen(txt), hex);
		if (!TAP_OK(!strcmp(hex, seeds[s].describe), "seed %s describes itself as before",
			    seeds[s].kind))
			tap_diag("%s", txt ? txt : "(null)");
		free(txt);
		unsigned char *out = NULL;
		size_t len = 0;
		TAP_OK(grym_model_save(m, &out, &len, &err) == GRYM_OK && len == n && !memcmp(out, b, n),
		       "seed %s saves to its own bytes", seeds[s].kind);
		free(out);
		grym_model_free(m);
		free(b);
	}
}

int main(void)
{
	tap_plan(3 + 6 * 7 + 3 + 5 + 6 * 5);
	test_registry();
	test_unknown_kind();
	test_seeds();
	return tap_done();
}
