/* test_schema.c — parameter tables (lib/core/schema*.c): defaults, options
 * parsed from text with their ranges and words, the API's JSON applied all
 * or nothing, recipes written and read back, and the JSON Schema. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "tap.h"
#include "core/schema_int.h"

typedef struct toy {
	int n_fft;
	double fmax;            /* 0: rate/2 */
	double top_db;          /* -1: none */
	double tuning;          /* NaN: estimate */
	int window;
	int center;
	int jobs;
	char *name;
	int list[4], nlist;     /* a custom list: letters a..d */
} toy;

static const char *const windows[] = { "hann", "hamming", "blackman", NULL };
static const grym_param_word none_word[] = { { "none", -1, GRYM_WORD_AS_NULL }, { NULL, 0, 0 } };
static const grym_param_word nyquist_word[] = { { "nyquist", 0, GRYM_WORD_AS_NUMBER }, { NULL, 0, 0 } };
static const grym_param_word estimate_word[] = { { "estimate", NAN, GRYM_WORD_AS_WORD }, { NULL, 0, 0 } };

static int parse_list(const grym_param *p, void *params, const char *text, grym_error *err)
{
	toy *t = params;
	int n = 0;
	for (const char *c = text; *c; c++) {
		if (*c == ',')
			continue;
		if (*c < 'a' || *c > 'd' || (c[1] && c[1] != ','))
			return grym_error_set(err, GRYM_ERR_INVALID, "'%s': letters a to d", text);
		if (n == 4)
			return grym_error_set(err, GRYM_ERR_INVALID, "too many");
		t->list[n++] = *c - 'a';
	}
	t->nlist = n;
	return GRYM_OK;
}

static char *list_json(const grym_param *p, const void *params)
{
	const toy *t = params;
	json_t *a = json_array();
	for (int i = 0; i < t->nlist; i++) {
		char s[2] = { (char)('a' + t->list[i]), 0 };
		json_array_append_new(a, json_string(s));
	}
	char *out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return out;
}

static const grym_param params[] = {
	{ .name = "n-fft", .type = GRYM_PARAM_INT, .offset = offsetof(toy, n_fft), .def = 2048,
	  .min = 2, .max = 1 << 24, .unit = "samples", .arg = "N", .help = "FFT size",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "fmax", .type = GRYM_PARAM_REAL, .offset = offsetof(toy, fmax), .def = 0,
	  .words = nyquist_word, .min = 0, .max = 1e6, .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_MIN_OPEN,
	  .unit = "Hz", .arg = "HZ", .help = "highest frequency" },
	{ .name = "top-db", .type = GRYM_PARAM_REAL, .offset = offsetof(toy, top_db), .def = 80,
	  .min = 0, .max = 1e6, .words = none_word, .unit = "dB", .arg = "DB", .help = "range",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "tuning", .type = GRYM_PARAM_REAL, .offset = offsetof(toy, tuning), .def = NAN,
	  .min = -100, .max = 100, .words = estimate_word, .arg = "BINS", .help = "tuning",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = "window", .type = GRYM_PARAM_ENUM, .offset = offsetof(toy, window), .def = 0,
	  .choices = windows, .arg = "NAME", .help = "window", .flags = GRYM_PARAM_RECIPE },
	{ .name = "center", .type = GRYM_PARAM_FLAG, .offset = offsetof(toy, center), .def = 1,
	  .help = "centre frames", .flags = GRYM_PARAM_RECIPE | GRYM_PARAM_NEGATABLE },
	{ .name = "jobs", .short_name = 'j', .type = GRYM_PARAM_INT, .offset = offsetof(toy, jobs),
	  .def = 1, .min = 1, .max = 256, .arg = "N", .help = "threads" },
	{ .name = "name", .type = GRYM_PARAM_STRING, .offset = offsetof(toy, name),
	  .def_text = "model", .arg = "NAME", .help = "a name", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "letters", .type = GRYM_PARAM_CUSTOM, .def_text = "a,b", .parse = parse_list,
	  .json_text = list_json, .help = "letters",
	  .schema = "{\"type\":\"array\",\"items\":{\"enum\":[\"a\",\"b\",\"c\",\"d\"]}}",
	  .flags = GRYM_PARAM_RECIPE },
	{ .name = NULL }
};

static const grym_schema schema = { .stage = "toy", .title = "a stage for tests", .params = params,
				    .size = sizeof(toy) };

/* A stage with kinds, lists, a type left unset and a required string. */
typedef struct kinded {
	int kind;               /* a, b, c */
	int k;                  /* a and c only */
	double rate;            /* b only */
	int type;               /* -1: not given */
	grym_strings label;
	char *model;
	uint64_t seed;
} kinded;

static const char *const kinds[] = { "a", "b", "c", NULL };
static const char *const types[] = { "wav", "flac", NULL };

static const grym_param kparams[] = {
	{ .name = "kind", .type = GRYM_PARAM_ENUM, .offset = offsetof(kinded, kind), .choices = kinds,
	  .help = "the kind", .flags = GRYM_PARAM_RECIPE },
	{ .name = "k", .type = GRYM_PARAM_INT, .offset = offsetof(kinded, k), .def = 5, .min = 1,
	  .max = 100, .applies = 1u << 0 | 1u << 2, .help = "a and c", .flags = GRYM_PARAM_RECIPE },
	{ .name = "rate", .type = GRYM_PARAM_REAL, .offset = offsetof(kinded, rate), .def = 1, .min = 0,
	  .max = 10, .applies = 1u << 1, .help = "b", .flags = GRYM_PARAM_RECIPE },
	{ .name = "type", .type = GRYM_PARAM_ENUM, .offset = offsetof(kinded, type), .def = -1,
	  .choices = types, .def_text = "from the file name", .help = "output type" },
	{ .name = "label", .type = GRYM_PARAM_LIST, .offset = offsetof(kinded, label), .min = 1,
	  .help = "a label (repeatable)" },
	{ .name = "model", .type = GRYM_PARAM_STRING, .offset = offsetof(kinded, model), .min = 1,
	  .def_text = "m0", .help = "the model", .flags = GRYM_PARAM_REQUIRED },
	{ .name = "seed", .type = GRYM_PARAM_U64, .offset = offsetof(kinded, seed), .def = 3,
	  .help = "a seed", .flags = GRYM_PARAM_RECIPE },
	{ .name = NULL }
};

static const grym_schema kschema = { .stage = "kinded", .title = "kinds", .params = kparams,
				     .size = sizeof(kinded), .kind = "kind" };

/* Kinds, lists, unset enums, required and string lengths. */
static void kinded_tests(void)
{
	grym_error err = { 0 };
	kinded a;
	char *s;

	TAP_EQ_INT(grym_schema_defaults(&kschema, &a, &err), GRYM_OK, "kinded defaults");
	TAP_OK(a.type == -1 && a.label.n == 0 && !a.label.v && !strcmp(a.model, "m0"),
	       "an enum left unset, an empty list, a string");
	s = grym_param_text(&kparams[3], &a);
	TAP_EQ_STR(s, "from the file name", "an unset enum reads as its default's text");
	free(s);
	TAP_OK(grym_param_applies(&kschema, &kparams[1], 0) && !grym_param_applies(&kschema, &kparams[1], 1) &&
	       grym_param_applies(&kschema, &kparams[0], 1) && grym_param_applies(&schema, &params[0], 3),
	       "applies: by the bits, 0 for every kind, always without kinds");

	/* lists: each option adds, empty refused, the API replaces */
	TAP_EQ_INT(grym_schema_set(&kschema, &a, "label", "dog", &err), GRYM_OK, "--label dog");
	TAP_EQ_INT(grym_schema_set(&kschema, &a, "label", "cat", &err), GRYM_OK, "--label cat");
	TAP_OK(a.label.n == 2 && !strcmp(a.label.v[0], "dog") && !strcmp(a.label.v[1], "cat"), "both, in order");
	TAP_EQ_INT(grym_schema_set(&kschema, &a, "label", "", &err), GRYM_ERR_INVALID, "an empty label");
	TAP_EQ_STR(err.msg, "--label: empty", "named");
	TAP_EQ_INT(grym_schema_set(&kschema, &a, "model", "", &err), GRYM_ERR_INVALID, "an empty string");
	s = grym_param_text(&kparams[4], &a);
	TAP_EQ_STR(s, "dog,cat", "a list as text");
	free(s);
	TAP_EQ_INT(grym_schema_set_json(&kschema, &a, "{\"label\": [\"x\"], \"model\": \"m1\", \"k\": 7}", &err),
		   GRYM_OK, "the API sets a list, a string held already, a number");
	TAP_OK(a.label.n == 1 && !strcmp(a.label.v[0], "x") && !strcmp(a.model, "m1") && a.k == 7,
	       "the list replaced, the string replaced");
	TAP_EQ_INT(grym_schema_set_json(&kschema, &a, "{\"label\": [\"y\", \"\"], \"model\": \"m2\"}", &err),
		   GRYM_ERR_INVALID, "an empty string in a list fails the body");
	TAP_OK(a.label.n == 1 && !strcmp(a.label.v[0], "x") && !strcmp(a.model, "m1"), "which changes nothing");
	TAP_EQ_INT(grym_schema_set_json(&kschema, &a, "{\"label\": \"x\"}", &err), GRYM_ERR_INVALID,
		   "a list is an array");

	/* kinds through the API: a parameter of another kind is refused */
	TAP_EQ_INT(grym_schema_set_json(&kschema, &a, "{\"kind\": \"b\", \"k\": 3}", &err), GRYM_ERR_INVALID,
		   "k with kind b");
	TAP_EQ_STR(err.msg, "kinded parameters: \"k\" does not apply to b", "named, with the kind");
	TAP_EQ_INT(grym_schema_set_json(&kschema, &a, "{\"kind\": \"b\", \"rate\": 3, \"type\": \"flac\"}", &err),
		   GRYM_OK, "rate with kind b");
	TAP_OK(a.kind == 1 && a.rate == 3 && a.type == 1, "set");

	/* a recipe holds the parameters of its kind only */
	json_t *r = json_object();
	TAP_EQ_INT(grym__schema_recipe_add(&kschema, &a, r, &err), GRYM_OK, "kinded recipe");
	TAP_OK(json_object_get(r, "rate") && !json_object_get(r, "k") && json_object_size(r) == 3,
	       "kind, rate and seed, no k");
	kinded b;
	TAP_SETUP(grym_schema_defaults(&kschema, &b, &err));
	TAP_EQ_INT(grym__schema_recipe_read(&kschema, &b, r, NULL, 1, "kinded recipe", &err), GRYM_OK,
		   "read back: k is not missing, it does not apply");
	TAP_OK(b.kind == 1 && b.rate == 3, "round trip");
	json_object_set_new(r, "k", json_integer(4));
	TAP_EQ_INT(grym__schema_recipe_read(&kschema, &b, r, NULL, 1, "kinded recipe", &err), GRYM_ERR_FORMAT,
		   "a recipe key of another kind is refused");
	json_decref(r);
	grym_schema_clear(&kschema, &b);

	/* 64-bit seeds */
	TAP_OK(a.seed == 3, "a U64 default");
	TAP_EQ_INT(grym_schema_set(&kschema, &a, "seed", "9223372036854775807", &err), GRYM_OK, "2^63-1");
	TAP_OK(a.seed == 9223372036854775807ull, "every bit of it");
	TAP_EQ_INT(grym_schema_set(&kschema, &a, "seed", "9223372036854775808", &err), GRYM_ERR_INVALID,
		   "2^63 is out of JSON's range");
	TAP_EQ_STR(err.msg, "--seed: 9223372036854775808 is out of range (0 to 9223372036854775807)", "said so");
	TAP_EQ_INT(grym_schema_set(&kschema, &a, "seed", "-1", &err), GRYM_ERR_INVALID, "no sign");
	TAP_EQ_INT(grym_schema_set_json(&kschema, &a, "{\"seed\": 12345678901234}", &err), GRYM_OK, "from JSON");
	s = grym_param_text(&kparams[6], &a);
	TAP_EQ_STR(s, "12345678901234", "as text");
	free(s);

	/* JSON Schema */
	s = grym_schema_json(&kschema, 0);
	json_t *js = s ? json_loads(s, 0, NULL) : NULL, *props = json_object_get(js, "properties");
	json_t *ap = json_object_get(json_object_get(props, "k"), "x-grym-applies");
	TAP_OK(json_array_size(ap) == 2 && !strcmp(json_string_value(json_array_get(ap, 1)), "c") &&
	       !json_object_get(json_object_get(props, "kind"), "x-grym-applies"),
	       "x-grym-applies lists the kinds, only when not all");
	TAP_OK(!json_object_get(json_object_get(props, "type"), "default") &&
	       !strcmp(json_string_value(json_object_get(json_object_get(props, "type"), "x-grym-default")),
		       "from the file name"), "an unset enum: no default, what happens instead");
	TAP_OK(!strcmp(json_string_value(json_object_get(json_object_get(props, "label"), "type")), "array") &&
	       json_integer_value(json_object_get(json_object_get(json_object_get(props, "label"), "items"),
						  "minLength")) == 1, "a list is an array of non-empty strings");
	TAP_OK(json_array_size(json_object_get(js, "required")) == 1 &&
	       !strcmp(json_string_value(json_array_get(json_object_get(js, "required"), 0)), "model"),
	       "required parameters are listed");
	free(s);
	json_decref(js);
	grym_schema_clear(&kschema, &a);
	TAP_OK(!a.label.v && !a.model, "clear frees lists and strings");
}

int main(void)
{
	tap_plan(85);
	grym_error err = { 0 };
	toy t, u;
	char k[64];

	/* defaults */
	memset(&t, 0x55, sizeof t);
	TAP_EQ_INT(grym_schema_defaults(&schema, &t, &err), GRYM_OK, "defaults");
	TAP_EQ_INT(t.n_fft, 2048, "int default");
	TAP_OK(isnan(t.tuning) && t.top_db == 80 && t.fmax == 0, "real defaults, NaN included");
	TAP_OK(t.center == 1 && t.window == 0 && t.jobs == 1, "flag, enum, int defaults");
	TAP_EQ_STR(t.name, "model", "a string default is a copy");
	TAP_OK(t.nlist == 2 && t.list[0] == 0 && t.list[1] == 1, "a custom default goes through its parser");

	/* lookup */
	TAP_OK(grym_schema_find(&schema, "n-fft") == &params[0], "found by option name");
	TAP_OK(grym_schema_find(&schema, "n_fft") == &params[0], "found by API key");
	TAP_OK(grym_schema_find(&schema, "nfft") == NULL, "no such parameter");
	TAP_EQ_STR(grym_param_key(&params[2], k, sizeof k), "top_db", "key: '-' becomes '_'");

	/* text, as options */
	TAP_EQ_INT(grym_schema_set(&schema, &t, "n-fft", "4096", &err), GRYM_OK, "--n-fft 4096");
	TAP_EQ_INT(t.n_fft, 4096, "set");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "n-fft", "1", &err), GRYM_ERR_INVALID, "below the range");
	TAP_EQ_STR(err.msg, "--n-fft: 1 is out of range (2 to 16777216)", "the message names option and range");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "n-fft", "12.5", &err), GRYM_ERR_INVALID, "not whole");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "n-fft", "12x", &err), GRYM_ERR_INVALID, "trailing junk");
	TAP_EQ_INT(t.n_fft, 4096, "a refused value leaves the field");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "fmax", "0", &err), GRYM_ERR_INVALID, "an open minimum excludes itself");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "top-db", "none", &err), GRYM_OK, "a word");
	TAP_OK(t.top_db == -1, "the word's value, outside the range");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "top-db", "nan", &err), GRYM_ERR_INVALID, "NaN is no number");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "tuning", "0.25", &err), GRYM_OK, "tuning 0.25");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "window", "blackman", &err), GRYM_OK, "an enum");
	TAP_EQ_INT(t.window, 2, "its index");
	TAP_EQ_INT(grym_schema_set(&schema, &t, "window", "kaiser", &err), GRYM_ERR_INVALID, "an unknown choice");
	TAP_OK(strstr(err.msg, "hann, hamming, blackman") != NULL, "lists the choices: %s", err.msg);
	TAP_EQ_INT(grym_schema_set(&schema, &t, "letters", "c,x", &err), GRYM_ERR_INVALID, "custom refuses");
	TAP_OK(!strncmp(err.msg, "--letters: ", 11), "custom errors are named: %s", err.msg);

	/* text back */
	char *s = grym_param_text(&params[2], &t);
	TAP_EQ_STR(s, "none", "a value shown as its word");
	free(s);

	/* recipe round trip */
	json_t *r = json_object();
	TAP_EQ_INT(grym__schema_recipe_add(&schema, &t, r, &err), GRYM_OK, "recipe written");
	TAP_OK(json_is_null(json_object_get(r, "top_db")), "none as null, as the word's form says");
	TAP_OK(!json_object_get(r, "jobs") && !json_object_get(r, "name"), "run-only parameters are no recipe keys");
	TAP_SETUP(grym_schema_defaults(&schema, &u, &err));
	TAP_EQ_INT(grym__schema_recipe_read(&schema, &u, r, NULL, 1, "toy recipe", &err), GRYM_OK, "read back");
	TAP_OK(u.n_fft == 4096 && u.top_db == -1 && u.tuning == 0.25 && u.window == 2 && u.center == 1 &&
	       u.nlist == 2 && u.fmax == 0, "every recipe value round-trips");
	TAP_OK(json_integer_value(json_object_get(r, "n_fft")) == 4096 && json_is_real(json_object_get(r, "fmax")),
	       "numbers keep their JSON type: an int is an integer, a real a real");
	json_object_set_new(r, "n_fft", json_integer(1));
	TAP_EQ_INT(grym__schema_recipe_read(&schema, &u, r, NULL, 1, "toy recipe", &err), GRYM_ERR_FORMAT,
		   "a recipe's range is the option's range");
	json_object_set_new(r, "n_fft", json_integer(512));
	json_object_set_new(r, "future", json_true());
	TAP_EQ_INT(grym__schema_recipe_read(&schema, &u, r, NULL, 1, "toy recipe", &err), GRYM_ERR_FORMAT,
		   "an unknown recipe key is refused");
	TAP_EQ_STR(err.msg, "toy recipe: unknown key \"future\"", "naming it");
	TAP_EQ_INT(u.n_fft, 4096, "a refused recipe leaves everything as it was");
	json_decref(r);

	/* the API's JSON: all or nothing */
	TAP_EQ_INT(grym_schema_set_json(&schema, &u, "{\"n_fft\": 1024, \"window\": \"nope\"}", &err),
		   GRYM_ERR_INVALID, "one bad value fails the body");
	TAP_EQ_INT(u.n_fft, 4096, "and nothing of it is applied");
	TAP_EQ_INT(grym_schema_set_json(&schema, &u,
		   "{\"n_fft\": 1024, \"top_db\": \"none\", \"letters\": [\"d\"], \"jobs\": 2}", &err),
		   GRYM_OK, "a good body");
	TAP_OK(u.n_fft == 1024 && u.top_db == -1 && u.nlist == 1 && u.list[0] == 3 && u.jobs == 2,
	       "applied, words and lists included");
	TAP_EQ_INT(grym_schema_set_json(&schema, &u, "{\"name\": \"x\"}", &err), GRYM_ERR_INVALID,
		   "a command-line-only parameter is not in the API");

	/* JSON Schema */
	s = grym_schema_json(&schema, 0);
	json_t *js = s ? json_loads(s, 0, NULL) : NULL;
	json_t *nf = json_object_get(json_object_get(js, "properties"), "n_fft");
	TAP_OK(nf && json_integer_value(json_object_get(nf, "maximum")) == 1 << 24 &&
	       json_integer_value(json_object_get(nf, "default")) == 2048 &&
	       !strcmp(json_string_value(json_object_get(nf, "x-grym-cli")), "--n-fft") &&
	       !strcmp(json_string_value(json_object_get(nf, "x-grym-unit")), "samples") &&
	       json_is_true(json_object_get(nf, "x-grym-recipe")), "n_fft's schema: range, default, annotations");
	json_t *td = json_object_get(json_object_get(js, "properties"), "tuning");
	TAP_OK(!json_object_get(json_object_get(js, "properties"), "name"), "command-line-only parameters are left out");
	TAP_OK(td && !strcmp(json_string_value(json_object_get(td, "default")), "estimate") &&
	       json_array_size(json_object_get(td, "anyOf")) == 2, "a word is a const beside the number");
	free(s);
	json_decref(js);

	grym_schema_clear(&schema, &t);
	grym_schema_clear(&schema, &u);
	kinded_tests();
	return tap_done();
}
