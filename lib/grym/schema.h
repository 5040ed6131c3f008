/*
 * schema.h — a stage's parameters as one table.
 *
 * Each stage (normalize, features, train...) describes its parameters once,
 * as an array of grym_param: name, field, type, default, range or choices,
 * unit, help, and whether the parameter changes the result (a recipe key)
 * or only the run (-j, -q). Everything else is derived from that table, so
 * the places can never disagree:
 *
 *   - option parsing and --help in cmd/ (grym_schema_set per option);
 *   - the defaults (grym_schema_defaults) the library itself starts from;
 *   - the recipe written into records and the catalog, and its reading
 *     back with validation (lib-internal, core/schema_recipe.h);
 *   - the JSON the HTTP API accepts (grym_schema_set_json), whose keys
 *     are the long option names with '-' replaced by '_';
 *   - `grym-X --schema`: JSON Schema (2020-12) with x-grym-unit,
 *     x-grym-recipe and x-grym-cli annotations (grym_schema_json).
 *
 * A parameter lives in a field of the stage's own parameter struct,
 * named by offsetof; the schema functions read and write it there. No
 * state is kept anywhere else, so one table serves any number of threads.
 */
#ifndef GRYM_SCHEMA_H
#define GRYM_SCHEMA_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum grym_param_type {
	GRYM_PARAM_FLAG,        /* int field: 0 or 1; an option without argument sets 1 */
	GRYM_PARAM_INT,         /* int field, whole numbers in [min, max] */
	GRYM_PARAM_REAL,        /* double field, finite numbers in [min, max] */
	GRYM_PARAM_ENUM,        /* int field: index of the name in choices; a
				 * default of -1 is "not given" (def_text says
				 * what then happens) */
	GRYM_PARAM_STRING,      /* char * field, owned (grym_schema_clear frees it) */
	GRYM_PARAM_CUSTOM,      /* parsed and written by the param's callbacks */
	GRYM_PARAM_LIST,        /* grym_strings field: each option adds one
				 * string, the API and recipes give an array;
				 * owned (grym_schema_clear frees it) */
	GRYM_PARAM_U64          /* uint64_t field (seeds, sizes): whole numbers
				 * from min to max, or to 2^63-1 (JSON's
				 * largest) when max is 0 */
} grym_param_type;

/* The field of a GRYM_PARAM_LIST: n strings, owned. */
typedef struct grym_strings {
	char **v;
	size_t n;
} grym_strings;

/* Flags of a parameter. */
enum {
	GRYM_PARAM_RECIPE = 1 << 0,   /* shapes the result: a recipe key */
	GRYM_PARAM_CLI_ONLY = 1 << 1, /* a command-line matter (an output file, a
				       * display form): not in the API */
	GRYM_PARAM_MIN_OPEN = 1 << 2, /* min itself is out of range (> min) */
	GRYM_PARAM_MAX_OPEN = 1 << 3, /* max itself is out of range (< max) */
	GRYM_PARAM_NEGATABLE = 1 << 4,/* FLAG: --no-NAME sets 0 */
	GRYM_PARAM_OWN_KEY = 1 << 5,  /* RECIPE: the stage writes and reads this
				       * key itself (it is there only sometimes,
				       * or spelled its own way) */
	GRYM_PARAM_REQUIRED = 1 << 6, /* must be given (JSON Schema "required";
				       * the stage checks it once all is set) */
	GRYM_PARAM_OPERAND = 1 << 7   /* not an option: a word of the command
				       * line (grym-synth's GENERATOR), named by
				       * arg; --help leaves it out, the API and
				       * the JSON Schema have it */
};

/* A word that stands for a value of a number parameter: "native" (rate
 * 0), "none" (top_db -1), "estimate" (tuning NaN). --help, the API and
 * the JSON Schema show the word; the recipe holds what `recipe` says (the
 * recipes already in catalogs fix that form, since a recipe's bytes name
 * what it made). */
typedef enum grym_word_form {
	GRYM_WORD_AS_NUMBER,    /* the recipe holds value ("rate": 0) */
	GRYM_WORD_AS_NULL,      /* the recipe holds null ("top_db": null) */
	GRYM_WORD_AS_WORD       /* the recipe holds the word ("tuning": "estimate") */
} grym_word_form;

typedef struct grym_param_word {
	const char *word;
	double value;           /* NaN matches NaN */
	grym_word_form recipe;
} grym_param_word;

typedef struct grym_param grym_param;
struct grym_param {
	const char *name;       /* long option without "--": "n-fft" */
	int short_name;         /* 'j', or 0 */
	grym_param_type type;
	size_t offset;          /* offsetof(the stage's struct, the field) */
	double def;             /* FLAG, INT, REAL, ENUM (the index) */
	const char *def_text;   /* STRING and CUSTOM default (NULL: none); for
				 * numbers, how --help shows a default that
				 * depends on others ("rate/2") or reads
				 * better ("4G"), else NULL; for an ENUM left
				 * unset (def -1), what happens then */
	double min, max;        /* INT, REAL (see the _OPEN flags); STRING and
				 * LIST: min is the shortest string taken (1:
				 * not empty), max unused */
	const char *const *choices;     /* ENUM: names, NULL-terminated */
	const grym_param_word *words;   /* INT, REAL: NULL-terminated, or NULL */
	const char *unit;       /* "Hz", "s", "dB", "LUFS", "samples"... or NULL */
	const char *arg;        /* argument name in --help: "N", "HZ" */
	const char *help;       /* one line */
	unsigned flags;
	/* CUSTOM: parse sets the field(s) from the option's text (a comma
	 * list for lists); json_text gives the value as JSON text
	 * (allocated), as the recipe and the API hold it; schema is the
	 * JSON Schema of the value (a JSON object text, static).
	 * ENUM, INT, REAL, U64: parse, when set, reads the other names a
	 * value goes by (-t wave, --bits float, --max-bytes 4G): it is asked
	 * about text that is neither a choice, a number nor a word, and sets
	 * the field or fails (the table's message then says what is
	 * taken). STRING, LIST: parse, when set, checks a value before it is
	 * kept (a sieve's syntax), its message named by the option. */
	int (*parse)(const grym_param *p, void *params, const char *text, grym_error *err);
	char *(*json_text)(const grym_param *p, const void *params);
	const char *schema;
	/* In a stage with kinds (grym_schema.kind): the kinds that take this
	 * parameter, bit i for choice i of the kind parameter; 0 is every
	 * kind. */
	unsigned applies;
};

typedef struct grym_schema {
	const char *stage;      /* "features" */
	const char *title;      /* one line: what the stage does */
	const grym_param *params;       /* ended by a param with name NULL */
	size_t size;            /* sizeof the stage's parameter struct */
	/* A stage whose parameters depend on a kind of thing (grym-train's
	 * --model, grym-synth's generator): the name of the ENUM parameter
	 * choosing the kind, else NULL. */
	const char *kind;
	/* Which kinds take p (bits as grym_param.applies), when the stage
	 * works it out rather than listing it (grym-train asks lib/ml's
	 * kinds); NULL: p->applies. */
	unsigned (*applies)(const grym_param *p);
	/* 1: --help says before a parameter's help which kinds take it,
	 * when not all do ("logreg/kmeans: iterations"); 0: its help says
	 * it */
	int help_kinds;
} grym_schema;

/* The parameter named name: the long option ("n-fft") or its API key
 * ("n_fft"); NULL if none. */
const grym_param *grym_schema_find(const grym_schema *s, const char *name);

/* The API and recipe key of p ("n_fft") into buf (at least 64 bytes). */
const char *grym_param_key(const grym_param *p, char *buf, size_t len);

/* 1 when kind (an index into the choices of s->kind) takes p: always
 * in a stage without kinds, and for parameters that apply to every kind. */
int grym_param_applies(const grym_schema *s, const grym_param *p, int kind);

/* Write every parameter's default into params (CUSTOM ones through their
 * parse of def_text, when it is set). STRING fields get a copy of
 * def_text (or NULL), whatever they held: call it on a new struct, and
 * grym_schema_clear when done. */
int grym_schema_defaults(const grym_schema *s, void *params, grym_error *err) GRYM_MUST_CHECK;
/* Free what params owns (its STRING fields) and set them to NULL. */
void grym_schema_clear(const grym_schema *s, void *params);

/* Set one parameter from text, as an option's argument: numbers in the C
 * locale, whole string, in range, or one of the param's words; ENUM one
 * of the choices; FLAG "true"/"false"/"1"/"0" (or NULL text: true). An
 * error names the option and says what was expected: "--n-fft: 1 is out
 * of range (2 to 16777216)". */
int grym_schema_set(const grym_schema *s, void *params, const char *name,
		    const char *text, grym_error *err) GRYM_MUST_CHECK;
int grym_param_set(const grym_param *p, void *params, const char *text, grym_error *err)
	GRYM_MUST_CHECK;

/* Set parameters from a JSON object (the API's body): every key must be a
 * parameter's key (CLI_ONLY ones excluded), well typed, and in a stage
 * with kinds one that applies to the kind the parameters then hold; the
 * first bad one fails naming it, and params is then left as it was. */
int grym_schema_set_json(const grym_schema *s, void *params, const char *json,
			 grym_error *err) GRYM_MUST_CHECK;

/* The value of p in params as text, as --help and messages show it: a
 * word when the value has one, numbers with %.10g. Allocated; NULL when
 * out of memory. */
char *grym_param_text(const grym_param *p, const void *params) GRYM_MUST_CHECK;

/* The stage's JSON Schema (2020-12) as text (allocated, NULL when out of
 * memory): an object schema whose properties are the API keys, each with
 * type, default, minimum/maximum or enum, description, and the
 * annotations x-grym-unit, x-grym-recipe (true when the parameter shapes
 * the result), x-grym-cli ("--n-fft"), and x-grym-applies (the kinds that
 * take it, when not all do). The REQUIRED parameters are listed in
 * "required". CLI_ONLY parameters are left out unless with_cli_only. */
char *grym_schema_json(const grym_schema *s, int with_cli_only) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
