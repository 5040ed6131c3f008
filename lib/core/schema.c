/*
 * schema.c — a parameter table's values: lookup, defaults, parsing from
 * text (options), and the text form of a value (--help, messages). The
 * JSON side (the API body, the recipe, JSON Schema) is schema_json.c.
 *
 * Numbers are parsed strictly, in the C locale whatever the program's
 * locale (strtod_l on a "C" locale_t), as the whole string, and checked
 * against the table's range; the error names the option the way the user
 * typed it, so "--n-fft: 1 is out of range (2 to 16777216)" needs no
 * second check in cmd/.
 */
#include "core/schema_int.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t *grym__param_u64(const grym_param *p, void *params)
{
	return (uint64_t *)((char *)params + p->offset);
}

uint64_t grym__param_u64_max(const grym_param *p)
{
	return p->max > 0 && p->max < 9.2e18 ? (uint64_t)p->max : (uint64_t)INT64_MAX;
}

int grym__param_set_u64(const grym_param *p, void *params, uint64_t v, const char *shown,
			const char *as_typed, grym_error *err)
{
	uint64_t lo = p->min > 0 ? (uint64_t)p->min : 0;
	if (v < lo || v > grym__param_u64_max(p))
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: %s is out of range (%llu to %llu)",
				      shown, as_typed, (unsigned long long)lo,
				      (unsigned long long)grym__param_u64_max(p));
	*grym__param_u64(p, params) = v;
	return GRYM_OK;
}

int *grym__param_int(const grym_param *p, void *params)
{
	return (int *)((char *)params + p->offset);
}

double *grym__param_real(const grym_param *p, void *params)
{
	return (double *)((char *)params + p->offset);
}

char **grym__param_string(const grym_param *p, void *params)
{
	return (char **)((char *)params + p->offset);
}

grym_strings *grym__param_list(const grym_param *p, void *params)
{
	return (grym_strings *)((char *)params + p->offset);
}

void grym__strings_free(grym_strings *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int grym__strings_add(grym_strings *l, const char *text, grym_error *err)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	l->v = v;
	if (!(v[l->n] = strdup(text)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	l->n++;
	return GRYM_OK;
}

int grym__param_check_text(const grym_param *p, const char *text, const char *shown,
			   grym_error *err)
{
	if (p->min > 0 && strlen(text) < (size_t)p->min)
		return p->min == 1 ? grym_error_set(err, GRYM_ERR_INVALID, "%s: empty", shown)
				   : grym_error_set(err, GRYM_ERR_INVALID, "%s: '%s' is shorter "
						    "than %.0f characters", shown, text, p->min);
	if (p->parse) {         /* the table's own check of the text */
		grym_error pe = { 0 };
		if (p->parse(p, NULL, text, &pe) != GRYM_OK)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: %s", shown,
					      pe.msg[0] ? pe.msg : "not taken");
	}
	return GRYM_OK;
}

/* '-' and '_' are the same letter in a name: "n-fft" is "n_fft". */
static int name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
		if (x != y)
			return 0;
	}
	return *a == *b;
}

const grym_param *grym_schema_find(const grym_schema *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (const grym_param *p = s->params; p->name; p++)
		if (name_eq(p->name, name))
			return p;
	return NULL;
}

const char *grym_param_key(const grym_param *p, char *buf, size_t len)
{
	size_t i = 0;
	if (!len)
		return buf;
	for (; p->name[i] && i + 1 < len; i++)
		buf[i] = p->name[i] == '-' ? '_' : p->name[i];
	buf[i] = '\0';
	return buf;
}

int grym_param_applies(const grym_schema *s, const grym_param *p, int kind)
{
	unsigned bits = s && s->applies ? s->applies(p) : p->applies;
	return !s || !s->kind || !bits || kind < 0 || kind >= 32 || (bits & (1u << kind));
}

static int same_value(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

const grym_param_word *grym__param_word_of(const grym_param *p, double v)
{
	for (const grym_param_word *w = p->words; w && w->word; w++)
		if (same_value(w->value, v))
			return w;
	return NULL;
}

static const grym_param_word *word_named(const grym_param *p, const char *text)
{
	for (const grym_param_word *w = p->words; w && w->word; w++)
		if (!strcmp(w->word, text))
			return w;
	return NULL;
}

/* "(2 to 16777216)", "(over 0)", "(0 to under 1)" */
static void describe_range(const grym_param *p, char *buf, size_t len)
{
	const char *lo = p->flags & GRYM_PARAM_MIN_OPEN ? "over " : "";
	const char *hi = p->flags & GRYM_PARAM_MAX_OPEN ? "under " : "";
	if (isinf(p->max))
		snprintf(buf, len, "%s%s%.10g", *lo ? "" : "at least ", lo, p->min);
	else
		snprintf(buf, len, "%s%.10g to %s%.10g", lo, p->min, hi, p->max);
}

static void words_list(const grym_param *p, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (const grym_param_word *w = p->words; w && w->word && o < len; w++)
		o += (size_t)snprintf(buf + o, len - o, ", or %s", w->word);
}

int grym__param_set_number(const grym_param *p, void *params, double v, int word_value,
			   const char *shown, const char *as_typed, grym_error *err)
{
	char range[96], words[128];
	const grym_param_word *w = word_value ? grym__param_word_of(p, v) : NULL;

	if (w) {        /* a word's value need not lie in the range */
		if (p->type == GRYM_PARAM_INT)
			*grym__param_int(p, params) = (int)v;
		else
			*grym__param_real(p, params) = v;
		return GRYM_OK;
	}
	describe_range(p, range, sizeof range);
	words_list(p, words, sizeof words);
	if (!isfinite(v) || v < p->min || v > p->max ||
	    ((p->flags & GRYM_PARAM_MIN_OPEN) && v == p->min) ||
	    ((p->flags & GRYM_PARAM_MAX_OPEN) && v == p->max))
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: %s is out of range (%s%s)", shown,
				      as_typed, range, words);
	if (p->type == GRYM_PARAM_INT) {
		if (v != floor(v))
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: %s is not a whole number",
					      shown, as_typed);
		*grym__param_int(p, params) = (int)v;
	} else {
		*grym__param_real(p, params) = v;
	}
	return GRYM_OK;
}

int grym__param_set_enum(const grym_param *p, void *params, const char *text, const char *shown,
			 grym_error *err)
{
	char list[512];
	size_t o = 0;
	for (int i = 0; p->choices[i]; i++)
		if (!strcmp(p->choices[i], text)) {
			*grym__param_int(p, params) = i;
			return GRYM_OK;
		}
	if (p->parse && p->parse(p, params, text, NULL) == GRYM_OK)
		return GRYM_OK;   /* another name of a choice */
	list[0] = '\0';
	for (int i = 0; p->choices[i] && o < sizeof list; i++)
		o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", p->choices[i]);
	return grym_error_set(err, GRYM_ERR_INVALID, "%s: unknown value '%s' (one of: %s)", shown,
			      text, list);
}

static int parse_number(const char *text, double *out)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	char *end;
	int ok;
	if (!c)
		return -1;
	errno = 0;
	*out = strtod_l(text, &end, c);
	ok = *text && !*end && errno != ERANGE;
	freelocale(c);
	return ok ? 0 : -1;
}

int grym_param_set(const grym_param *p, void *params, const char *text, grym_error *err)
{
	char shown[80];
	double v;
	const grym_param_word *w;
	int rc;

	snprintf(shown, sizeof shown, "--%s", p->name);
	switch (p->type) {
	case GRYM_PARAM_FLAG:
		if (!text || !strcmp(text, "1") || !strcmp(text, "true"))
			*grym__param_int(p, params) = 1;
		else if (!strcmp(text, "0") || !strcmp(text, "false"))
			*grym__param_int(p, params) = 0;
		else
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: '%s' is not true or false",
					      shown, text);
		return GRYM_OK;
	case GRYM_PARAM_INT:
	case GRYM_PARAM_REAL:
		if (!text)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: needs a value", shown);
		if ((w = word_named(p, text)))
			return grym__param_set_number(p, params, w->value, 1, shown, text, err);
		if (parse_number(text, &v) && p->parse && p->parse(p, params, text, NULL) == GRYM_OK)
			return GRYM_OK;   /* another name of a value */
		if (parse_number(text, &v))
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: '%s' is not a%s number%s", shown,
					      text, p->type == GRYM_PARAM_INT ? " whole" : "",
					      p->words ? " (nor a word it takes)" : "");
		return grym__param_set_number(p, params, v, 0, shown, text, err);
	case GRYM_PARAM_ENUM:
		if (!text)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: needs a value", shown);
		return grym__param_set_enum(p, params, text, shown, err);
	case GRYM_PARAM_U64: {
		char *end;
		unsigned long long u;
		if (!text)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: needs a value", shown);
		errno = 0;
		u = strtoull(text, &end, 10);
		if ((text[0] < '0' || text[0] > '9' || *end || errno == ERANGE) && p->parse) {
			/* another way to write a value (4G), its parser's message */
			grym_error pe = { 0 };
			if (p->parse(p, params, text, &pe) == GRYM_OK)
				return GRYM_OK;
			if (pe.msg[0])
				return grym_error_set(err, GRYM_ERR_INVALID, "%s: %s", shown, pe.msg);
		}
		if (text[0] < '0' || text[0] > '9' || *end || errno == ERANGE)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: '%s' is not a whole number "
					      "from 0 to %llu", shown, text,
					      (unsigned long long)grym__param_u64_max(p));
		return grym__param_set_u64(p, params, u, shown, text, err);
	}
	case GRYM_PARAM_STRING: {
		char *copy = NULL;
		if (!text)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: needs a value", shown);
		if ((rc = grym__param_check_text(p, text, shown, err)) != GRYM_OK)
			return rc;
		if (!(copy = strdup(text)))
			return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		free(*grym__param_string(p, params));
		*grym__param_string(p, params) = copy;
		return GRYM_OK;
	}
	case GRYM_PARAM_LIST:   /* an option adds one more */
		if (!text)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s: needs a value", shown);
		if ((rc = grym__param_check_text(p, text, shown, err)) != GRYM_OK)
			return rc;
		return grym__strings_add(grym__param_list(p, params), text, err);
	case GRYM_PARAM_CUSTOM:
		if (!p->parse)
			return grym_error_set(err, GRYM_ERR_INTERNAL, "%s: no parser", shown);
		if ((rc = p->parse(p, params, text, err)) != GRYM_OK)
			return grym_error_prefix(err, rc, "%s", shown);
		return GRYM_OK;
	}
	return grym_error_set(err, GRYM_ERR_INTERNAL, "%s: unknown parameter type", shown);
}

int grym_schema_set(const grym_schema *s, void *params, const char *name, const char *text,
		    grym_error *err)
{
	const grym_param *p = grym_schema_find(s, name);
	if (!p)
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: no parameter '%s'",
				      s ? s->stage : "(no schema)", name ? name : "");
	return grym_param_set(p, params, text, err);
}

int grym_schema_defaults(const grym_schema *s, void *params, grym_error *err)
{
	int rc;
	for (const grym_param *p = s->params; p->name; p++) {
		switch (p->type) {
		case GRYM_PARAM_FLAG:
		case GRYM_PARAM_INT:
		case GRYM_PARAM_ENUM:
			*grym__param_int(p, params) = (int)p->def;
			break;
		case GRYM_PARAM_REAL:
			*grym__param_real(p, params) = p->def;
			break;
		case GRYM_PARAM_STRING:
			*grym__param_string(p, params) = NULL;
			if (p->def_text && !(*grym__param_string(p, params) = strdup(p->def_text)))
				return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		case GRYM_PARAM_LIST:
			*grym__param_list(p, params) = (grym_strings){ NULL, 0 };
			break;
		case GRYM_PARAM_U64:
			*grym__param_u64(p, params) = (uint64_t)p->def;
			break;
		case GRYM_PARAM_CUSTOM:
			if (p->def_text && p->parse &&
			    (rc = p->parse(p, params, p->def_text, err)) != GRYM_OK)
				return grym_error_prefix(err, rc, "%s: default of --%s", s->stage, p->name);
			break;
		}
	}
	return GRYM_OK;
}

void grym_schema_clear(const grym_schema *s, void *params)
{
	for (const grym_param *p = s->params; p->name; p++)
		if (p->type == GRYM_PARAM_STRING) {
			free(*grym__param_string(p, params));
			*grym__param_string(p, params) = NULL;
		} else if (p->type == GRYM_PARAM_LIST) {
			grym__strings_free(grym__param_list(p, params));
		}
}

char *grym_param_text(const grym_param *p, const void *params)
{
	char buf[64];
	const grym_param_word *w;
	void *pp = (void *)params;   /* the accessors are shared with writers */

	switch (p->type) {
	case GRYM_PARAM_FLAG:
		return strdup(*grym__param_int(p, pp) ? "true" : "false");
	case GRYM_PARAM_INT:
		if ((w = grym__param_word_of(p, *grym__param_int(p, pp))))
			return strdup(w->word);
		snprintf(buf, sizeof buf, "%d", *grym__param_int(p, pp));
		return strdup(buf);
	case GRYM_PARAM_REAL:
		if ((w = grym__param_word_of(p, *grym__param_real(p, pp))))
			return strdup(w->word);
		snprintf(buf, sizeof buf, "%.10g", *grym__param_real(p, pp));
		return strdup(buf);
	case GRYM_PARAM_ENUM: {
		int i = *grym__param_int(p, pp);
		if (i < 0)      /* not given */
			return strdup(p->def_text ? p->def_text : "");
		return strdup(p->choices[i] ? p->choices[i] : "?");
	}
	case GRYM_PARAM_STRING: {
		const char *s = *grym__param_string(p, pp);
		return strdup(s ? s : "");
	}
	case GRYM_PARAM_U64:
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)*grym__param_u64(p, pp));
		return strdup(buf);
	case GRYM_PARAM_LIST: {
		const grym_strings *l = grym__param_list(p, pp);
		size_t len = 1;
		char *out;
		for (size_t i = 0; i < l->n; i++)
			len += strlen(l->v[i]) + 1;
		if (!(out = calloc(1, len)))
			return NULL;
		for (size_t i = 0; i < l->n; i++) {
			if (i)
				strcat(out, ",");
			strcat(out, l->v[i]);
		}
		return out;
	}
	case GRYM_PARAM_CUSTOM:
		return p->json_text ? p->json_text(p, params) : strdup("");
	}
	return NULL;
}
