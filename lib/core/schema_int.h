/*
 * schema_int.h — the JSON side of parameter tables, inside lib/ only:
 * a recipe is a jansson object, and json_t stays out of public headers.
 * A stage's recipe code calls grym__schema_recipe_add to write its
 * parameters and grym__schema_recipe_read to read them back, so the
 * recipe keys, types and ranges are the table's.
 */
#ifndef GRYM_CORE_SCHEMA_INT_H
#define GRYM_CORE_SCHEMA_INT_H

#include <stdint.h>
#include <jansson.h>
#include "grym/schema.h"

/* The field of p inside params. */
int *grym__param_int(const grym_param *p, void *params);
double *grym__param_real(const grym_param *p, void *params);
char **grym__param_string(const grym_param *p, void *params);
grym_strings *grym__param_list(const grym_param *p, void *params);
uint64_t *grym__param_u64(const grym_param *p, void *params);
/* The largest value of a U64 parameter; set one, checked against it. */
uint64_t grym__param_u64_max(const grym_param *p);
int grym__param_set_u64(const grym_param *p, void *params, uint64_t v, const char *shown,
			const char *as_typed, grym_error *err);
/* A list's strings: free them all (the list is then empty), add a copy. */
void grym__strings_free(grym_strings *l);
int grym__strings_add(grym_strings *l, const char *text, grym_error *err);
/* A STRING or LIST value against p's shortest length (min). */
int grym__param_check_text(const grym_param *p, const char *text, const char *shown,
			   grym_error *err);
const grym_param_word *grym__param_word_of(const grym_param *p, double v);

/* Set a number or an enum, checked against the table; shown names the
 * parameter in the error ("--n-fft", "n_fft"), as_typed the value. With
 * word_value, a word's value is taken outside the range too (a recipe's
 * "rate": 0 is "native"); typed text takes only the word itself. */
int grym__param_set_number(const grym_param *p, void *params, double v, int word_value,
			   const char *shown, const char *as_typed, grym_error *err);
int grym__param_set_enum(const grym_param *p, void *params, const char *text, const char *shown,
			 grym_error *err);

/* The value of p as JSON (new reference; NULL when out of memory): in
 * the recipe's form (a word as its grym_word_form says), or the API's (a
 * word as its string). */
json_t *grym__param_json(const grym_param *p, const void *params, int recipe_form);
/* Set p from a JSON value, in either form; shown names it in errors. */
int grym__param_set_json(const grym_param *p, void *params, const json_t *v, const char *shown,
			 grym_error *err);

/* Add every GRYM_PARAM_RECIPE parameter to recipe under its key, in table
 * order. */
int grym__schema_recipe_add(const grym_schema *s, const void *params, json_t *recipe,
			    grym_error *err);

/* Read the GRYM_PARAM_RECIPE parameters of recipe into params (which holds
 * the defaults for keys a recipe may lack). Every key of recipe must be a
 * recipe parameter or one of extra (NULL-terminated: "stage", keys the
 * caller reads itself); an unknown key is refused naming it, since it is
 * an option of a newer grym whose result this one cannot make. With
 * all_keys, a missing recipe parameter is an error too. what names the
 * recipe in errors ("features recipe"). */
int grym__schema_recipe_read(const grym_schema *s, void *params, const json_t *recipe,
			     const char *const *extra, int all_keys, const char *what,
			     grym_error *err);

#endif
