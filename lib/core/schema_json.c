/*
 * schema_json.c — parameter tables and JSON: the value of a parameter as
 * JSON (recipe or API form), setting parameters from JSON (the API body,
 * a recipe), and the stage's JSON Schema for `--schema` and the browser
 * forms.
 */
#include "core/schema_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

json_t *grym__param_json(const grym_param *p, const void *params, int recipe_form)
{
	void *pp = (void *)params;
	const grym_param_word *w = NULL;
	double v = 0;

	switch (p->type) {
	case GRYM_PARAM_FLAG:
		return json_boolean(*grym__param_int(p, pp));
	case GRYM_PARAM_INT:
	case GRYM_PARAM_REAL:
		v = p->type == GRYM_PARAM_INT ? *grym__param_int(p, pp) : *grym__param_real(p, pp);
		w = grym__param_word_of(p, v);
		if (w && (!recipe_form || w->recipe == GRYM_WORD_AS_WORD))
			return json_string(w->word);
		if (w && w->recipe == GRYM_WORD_AS_NULL)
			return json_null();
		if (!isfinite(v))        /* JSON has no NaN: only a word can say it */
			return json_null();
		return p->type == GRYM_PARAM_INT ? json_integer((json_int_t)v) : json_real(v);
	case GRYM_PARAM_ENUM: {
		int i = *grym__param_int(p, pp);
		if (i < 0)      /* not given */
			return json_null();
		return json_string(p->choices[i] ? p->choices[i] : "?");
	}
	case GRYM_PARAM_STRING: {
		const char *s = *grym__param_string(p, pp);
		return s ? json_string(s) : json_null();
	}
	case GRYM_PARAM_U64:
		return json_integer((json_int_t)*grym__param_u64(p, pp));
	case GRYM_PARAM_LIST: {
		const grym_strings *l = grym__param_list(p, pp);
		json_t *a = json_array();
		for (size_t i = 0; a && i < l->n; i++)
			if (json_array_append_new(a, json_string(l->v[i]))) {
				json_decref(a);
				return NULL;
			}
		return a;
	}
	case GRYM_PARAM_CUSTOM: {
		char *t = p->json_text ? p->json_text(p, params) : NULL;
		json_t *j = t ? json_loads(t, JSON_DECODE_ANY, NULL) : NULL;
		free(t);
		return j;
	}
	}
	return NULL;
}

int grym__param_set_json(const grym_param *p, void *params, const json_t *v, const char *shown,
			 grym_error *err)
{
	char typed[64];

	switch (p->type) {
	case GRYM_PARAM_FLAG:
		if (!json_is_boolean(v))
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: not true or false", shown);
		*grym__param_int(p, params) = json_is_true(v);
		return GRYM_OK;
	case GRYM_PARAM_INT:
	case GRYM_PARAM_REAL:
		if (json_is_string(v)) {
			for (const grym_param_word *w = p->words; w && w->word; w++)
				if (!strcmp(w->word, json_string_value(v)))
					return grym__param_set_number(p, params, w->value, 1,
								      shown, w->word, err);
			if (p->parse && p->parse(p, params, json_string_value(v), NULL) == GRYM_OK)
				return GRYM_OK;   /* another name of a value */
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: '%s' is not a number%s", shown,
					      json_string_value(v), p->words ? " nor a word it takes" : "");
		}
		if (json_is_null(v)) {
			for (const grym_param_word *w = p->words; w && w->word; w++)
				if (w->recipe == GRYM_WORD_AS_NULL)
					return grym__param_set_number(p, params, w->value, 1,
								      shown, w->word, err);
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: null is not a number", shown);
		}
		if (!json_is_number(v))
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: not a number", shown);
		snprintf(typed, sizeof typed, "%.10g", json_number_value(v));
		/* a recipe may hold a word's value as a number ("rate": 0) */
		return grym__param_set_number(p, params, json_number_value(v), 1, shown, typed, err);
	case GRYM_PARAM_ENUM:
		if (!json_is_string(v))
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: not a string", shown);
		return grym__param_set_enum(p, params, json_string_value(v), shown, err);
	case GRYM_PARAM_U64:
		if (json_is_string(v) && p->parse && p->parse(p, params, json_string_value(v), NULL) == GRYM_OK)
			return GRYM_OK;   /* another way to write a value ("4G") */
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: not a whole number from 0 to %llu",
					      shown, (unsigned long long)grym__param_u64_max(p));
		snprintf(typed, sizeof typed, "%lld", (long long)json_integer_value(v));
		return grym__param_set_u64(p, params, (uint64_t)json_integer_value(v), shown, typed, err);
	case GRYM_PARAM_STRING: {
		/* params is the caller's copy (apply_object): the string it
		 * replaces is still the original's, freed by settle_owned */
		char *copy;
		int rc;
		if (!json_is_string(v))
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: not a string", shown);
		if ((rc = grym__param_check_text(p, json_string_value(v), shown, err)) != GRYM_OK)
			return rc;
		if (!(copy = strdup(json_string_value(v))))
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		*grym__param_string(p, params) = copy;
		return GRYM_OK;
	}
	case GRYM_PARAM_LIST: {
		/* the whole list, replacing the one held (as for a string) */
		grym_strings l = { NULL, 0 };
		size_t i;
		const json_t *e;
		int rc = GRYM_OK;
		if (!json_is_array(v))
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: not a list of strings", shown);
		json_array_foreach(v, i, e) {
			if (!json_is_string(e))
				rc = grym_error_set(err, GRYM_ERR_INVALID, "%s: not a list of strings", shown);
			if (rc == GRYM_OK)
				rc = grym__param_check_text(p, json_string_value(e), shown, err);
			if (rc == GRYM_OK)
				rc = grym__strings_add(&l, json_string_value(e), err);
			if (rc != GRYM_OK) {
				grym__strings_free(&l);
				return rc;
			}
		}
		*grym__param_list(p, params) = l;
		return GRYM_OK;
	}
	case GRYM_PARAM_CUSTOM: {
		/* a list comes as an array (of strings or numbers) and goes to
		 * parse as a comma list; any other value as its text */
		char *text = NULL;
		int rc;
		if (json_is_array(v)) {
			size_t i, len = 1;
			const json_t *e;
			json_array_foreach(v, i, e) {
				if (!json_is_string(e) && !json_is_number(e))
					return grym_error_set(err, GRYM_ERR_INVALID,
							      "%s: a list of names or numbers is expected",
							      shown);
				len += (json_is_string(e) ? strlen(json_string_value(e)) : 32) + 1;
			}
			if (!(text = calloc(1, len)))
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			json_array_foreach(v, i, e) {
				char num[32];
				if (i)
					strcat(text, ",");
				if (json_is_integer(e))
					snprintf(num, sizeof num, "%lld", (long long)json_integer_value(e));
				else if (json_is_real(e))
					snprintf(num, sizeof num, "%.17g", json_real_value(e));
				strcat(text, json_is_string(e) ? json_string_value(e) : num);
			}
		} else if (json_is_string(v)) {
			text = strdup(json_string_value(v));
		} else {
			text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		}
		if (!text)
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		rc = p->parse ? p->parse(p, params, text, err)
			      : grym_error_set(err, GRYM_ERR_INTERNAL, "no parser");
		free(text);
		return rc ? grym_error_prefix(err, rc, "%s", shown) : GRYM_OK;
	}
	}
	return grym_error_set(err, GRYM_ERR_INTERNAL, "%s: unknown parameter type", shown);
}

/* ---- a whole object of parameters, applied all or nothing ---- */

/* The strings and lists of tmp that params does not hold are tmp's own:
 * free them (keep_tmp 0), or free params' ones that tmp replaced
 * (keep_tmp 1). */
static void settle_owned(const grym_schema *s, void *params, void *tmp, int keep_tmp)
{
	for (const grym_param *p = s->params; p->name; p++) {
		if (p->type == GRYM_PARAM_STRING) {
			char **a = grym__param_string(p, params), **b = grym__param_string(p, tmp);
			if (*a != *b)
				free(keep_tmp ? *a : *b);
		} else if (p->type == GRYM_PARAM_LIST) {
			grym_strings *a = grym__param_list(p, params), *b = grym__param_list(p, tmp);
			if (a->v != b->v) {
				grym_strings dropped = keep_tmp ? *a : *b;
				grym__strings_free(&dropped);
			}
		}
	}
}

/* In a stage with kinds: every key of obj names a parameter that applies
 * to the kind tmp holds (a parameter the kind does not take would be
 * accepted and do nothing). */
static int check_applies(const grym_schema *s, const void *tmp, const json_t *obj,
			 const char *what, grym_error *err)
{
	const grym_param *kp = s->kind ? grym_schema_find(s, s->kind) : NULL;
	const char *key;
	const json_t *v;
	int kind;

	if (!kp || kp->type != GRYM_PARAM_ENUM)
		return GRYM_OK;
	kind = *grym__param_int(kp, (void *)tmp);
	json_object_foreach((json_t *)obj, key, v) {
		const grym_param *p = grym_schema_find(s, key);
		if (p && kind >= 0 && !grym_param_applies(s, p, kind))
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: \"%s\" does not apply to %s",
					      what, key, kp->choices[kind]);
	}
	return GRYM_OK;
}

/* Whether p applies to the kind params hold (in a stage without kinds,
 * always). */
static int applies_now(const grym_schema *s, const grym_param *p, const void *params)
{
	const grym_param *kp = s->kind ? grym_schema_find(s, s->kind) : NULL;
	if (!kp || kp->type != GRYM_PARAM_ENUM)
		return 1;
	return grym_param_applies(s, p, *grym__param_int(kp, (void *)params));
}

static int apply_object(const grym_schema *s, void *params, const json_t *obj, int recipe,
			const char *const *extra, int all_keys, const char *what, grym_error *err)
{
	const char *key;
	const json_t *v;
	char shown[160], k[64];
	void *tmp;
	int rc = GRYM_OK;

	if (!json_is_object(obj))
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: not a JSON object", what);
	if (!(tmp = malloc(s->size)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	memcpy(tmp, params, s->size);
	json_object_foreach((json_t *)obj, key, v) {
		const grym_param *p = grym_schema_find(s, key);
		int skip = 0;
		for (const char *const *e = extra; e && *e; e++)
			skip |= !strcmp(*e, key);
		if (skip)
			continue;
		snprintf(shown, sizeof shown, "%s: \"%s\"", what, key);
		/* a key the stage reads itself is one of extra; any other
		 * OWN_KEY parameter's name is none of the recipe's */
		if (!p || strcmp(grym_param_key(p, k, sizeof k), key) ||
		    (recipe && (!(p->flags & GRYM_PARAM_RECIPE) || (p->flags & GRYM_PARAM_OWN_KEY))) ||
		    (!recipe && (p->flags & GRYM_PARAM_CLI_ONLY))) {
			rc = grym_error_set(err, GRYM_ERR_INVALID, "%s: unknown %s \"%s\"", what,
					    recipe ? "key" : "parameter", key);
			break;
		}
		if ((rc = grym__param_set_json(p, tmp, v, shown, err)) != GRYM_OK)
			break;
	}
	if (rc == GRYM_OK)
		rc = check_applies(s, tmp, obj, what, err);
	if (rc == GRYM_OK && all_keys)
		for (const grym_param *p = s->params; p->name; p++)
			if ((p->flags & GRYM_PARAM_RECIPE) && !(p->flags & GRYM_PARAM_OWN_KEY) &&
			    applies_now(s, p, tmp) &&
			    !json_object_get(obj, grym_param_key(p, k, sizeof k))) {
				rc = grym_error_set(err, GRYM_ERR_FORMAT, "%s: \"%s\" is missing", what, k);
				break;
			}
	settle_owned(s, params, tmp, rc == GRYM_OK);
	if (rc == GRYM_OK)
		memcpy(params, tmp, s->size);
	free(tmp);
	return rc;
}

int grym_schema_set_json(const grym_schema *s, void *params, const char *json, grym_error *err)
{
	json_error_t je;
	json_t *obj = json_loads(json ? json : "", 0, &je);
	char what[96];
	int rc;

	snprintf(what, sizeof what, "%s parameters", s->stage);
	if (!obj)
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: not JSON: %s (line %d)", what,
				      je.text, je.line);
	rc = apply_object(s, params, obj, 0, NULL, 0, what, err);
	json_decref(obj);
	return rc;
}

int grym__schema_recipe_add(const grym_schema *s, const void *params, json_t *recipe,
			    grym_error *err)
{
	char k[64];
	for (const grym_param *p = s->params; p->name; p++) {
		json_t *v;
		if (!(p->flags & GRYM_PARAM_RECIPE) || (p->flags & GRYM_PARAM_OWN_KEY) ||
		    !applies_now(s, p, params))
			continue;
		if (!(v = grym__param_json(p, params, 1)) ||
		    json_object_set_new(recipe, grym_param_key(p, k, sizeof k), v))
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	return GRYM_OK;
}

int grym__schema_recipe_read(const grym_schema *s, void *params, const json_t *recipe,
			     const char *const *extra, int all_keys, const char *what,
			     grym_error *err)
{
	int rc = apply_object(s, params, recipe, 1, extra, all_keys, what, err);
	/* a recipe is data, not a request: its faults are format errors */
	if (rc == GRYM_ERR_INVALID && err)
		err->code = GRYM_ERR_FORMAT;
	return rc == GRYM_ERR_INVALID ? GRYM_ERR_FORMAT : rc;
}

/* ---- JSON Schema ---- */

static void set_bounds(json_t *o, const grym_param *p)
{
	json_t *(*num)(double) = NULL;
	if (p->type == GRYM_PARAM_INT) {
		if (isfinite(p->min))
			json_object_set_new(o, "minimum", json_integer((json_int_t)p->min));
		if (isfinite(p->max))
			json_object_set_new(o, "maximum", json_integer((json_int_t)p->max));
		return;
	}
	num = json_real;
	if (isfinite(p->min))
		json_object_set_new(o, p->flags & GRYM_PARAM_MIN_OPEN ? "exclusiveMinimum" : "minimum",
				    num(p->min));
	if (isfinite(p->max))
		json_object_set_new(o, p->flags & GRYM_PARAM_MAX_OPEN ? "exclusiveMaximum" : "maximum",
				    num(p->max));
}

static json_t *param_schema(const grym_schema *s, const grym_param *p)
{
	json_t *o = NULL, *choices;
	const grym_param *kp;
	char cli[80];

	switch (p->type) {
	case GRYM_PARAM_FLAG:
		o = json_pack("{s:s, s:b}", "type", "boolean", "default", p->def != 0);
		break;
	case GRYM_PARAM_INT:
	case GRYM_PARAM_REAL: {
		json_t *num = json_pack("{s:s}", "type", p->type == GRYM_PARAM_INT ? "integer" : "number");
		const grym_param_word *dw = grym__param_word_of(p, p->def);
		set_bounds(num, p);
		if (p->words) {
			json_t *any = json_array();
			json_array_append_new(any, num);
			for (const grym_param_word *w = p->words; w->word; w++)
				json_array_append_new(any, json_pack("{s:s}", "const", w->word));
			o = json_pack("{s:o}", "anyOf", any);
		} else {
			o = num;
		}
		if (p->def_text)
			;       /* "x-grym-default" says it, below */
		else if (dw)
			json_object_set_new(o, "default", json_string(dw->word));
		else if (isfinite(p->def))
			json_object_set_new(o, "default", p->type == GRYM_PARAM_INT
					    ? json_integer((json_int_t)p->def) : json_real(p->def));
		break;
	}
	case GRYM_PARAM_ENUM:
		choices = json_array();
		for (int i = 0; p->choices[i]; i++)
			json_array_append_new(choices, json_string(p->choices[i]));
		o = json_pack("{s:s, s:o}", "type", "string", "enum", choices);
		if (o && p->def >= 0)
			json_object_set_new(o, "default", json_string(p->choices[(int)p->def]));
		else if (o && p->def_text)   /* not given: what happens then */
			json_object_set_new(o, "x-grym-default", json_string(p->def_text));
		break;
	case GRYM_PARAM_STRING:
		o = json_pack("{s:s}", "type", "string");
		if (o && p->min > 0)
			json_object_set_new(o, "minLength", json_integer((json_int_t)p->min));
		if (p->def_text)
			json_object_set_new(o, "default", json_string(p->def_text));
		break;
	case GRYM_PARAM_U64:
		o = json_pack("{s:s, s:I, s:I}", "type", "integer", "minimum",
			      (json_int_t)(p->min > 0 ? p->min : 0), "maximum",
			      (json_int_t)grym__param_u64_max(p));
		if (o && !p->def_text)
			json_object_set_new(o, "default", json_integer((json_int_t)p->def));
		break;
	case GRYM_PARAM_LIST: {
		json_t *item = json_pack("{s:s}", "type", "string");
		if (item && p->min > 0)
			json_object_set_new(item, "minLength", json_integer((json_int_t)p->min));
		o = json_pack("{s:s, s:o, s:[]}", "type", "array", "items", item, "default");
		if (o)   /* each option adds one */
			json_object_set_new(o, "x-grym-repeatable", json_true());
		break;
	}
	case GRYM_PARAM_CUSTOM:
		o = p->schema ? json_loads(p->schema, 0, NULL) : json_object();
		break;
	}
	if (!o)
		return NULL;
	if (p->def_text && (p->type == GRYM_PARAM_INT || p->type == GRYM_PARAM_REAL ||
			    p->type == GRYM_PARAM_U64))
		json_object_set_new(o, "x-grym-default", json_string(p->def_text));
	json_object_set_new(o, "description", json_string(p->help ? p->help : ""));
	if (p->unit)
		json_object_set_new(o, "x-grym-unit", json_string(p->unit));
	json_object_set_new(o, "x-grym-recipe", json_boolean(p->flags & GRYM_PARAM_RECIPE));
	if (p->flags & GRYM_PARAM_OPERAND)
		snprintf(cli, sizeof cli, "%s", p->arg ? p->arg : p->name);
	else
		snprintf(cli, sizeof cli, "--%s", p->name);
	json_object_set_new(o, "x-grym-cli", json_string(cli));
	kp = s->kind ? grym_schema_find(s, s->kind) : NULL;
	if (kp && kp->type == GRYM_PARAM_ENUM) {
		json_t *kinds = json_array();
		int all = 1;
		for (int i = 0; kp->choices[i]; i++) {
			if (grym_param_applies(s, p, i))
				json_array_append_new(kinds, json_string(kp->choices[i]));
			else
				all = 0;
		}
		if (all)
			json_decref(kinds);
		else
			json_object_set_new(o, "x-grym-applies", kinds);
	}
	return o;
}

char *grym_schema_json(const grym_schema *s, int with_cli_only)
{
	json_t *props = json_object(), *required = json_array(), *root;
	char k[64], id[128], *text;

	for (const grym_param *p = s->params; p->name; p++) {
		if ((p->flags & GRYM_PARAM_CLI_ONLY) && !with_cli_only)
			continue;
		json_t *ps = param_schema(s, p);
		if (!ps || json_object_set_new(props, grym_param_key(p, k, sizeof k), ps)) {
			json_decref(props);
			json_decref(required);
			return NULL;
		}
		if (p->flags & GRYM_PARAM_REQUIRED)
			json_array_append_new(required, json_string(k));
	}
	snprintf(id, sizeof id, "urn:grym:stage:%s", s->stage);
	root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:b}",
			 "$schema", "https://json-schema.org/draft/2020-12/schema",
			 "$id", id, "title", s->stage, "description", s->title ? s->title : "",
			 "type", "object", "properties", props, "additionalProperties", 0);
	if (!root) {
		json_decref(required);
		return NULL;
	}
	if (json_array_size(required))
		json_object_set_new(root, "required", required);
	else
		json_decref(required);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}
