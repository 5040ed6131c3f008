/*
 * cli_schema.c — a program's options from its stage's parameter table
 * (grym/schema.h): the option table --help prints, each option's value
 * parsed and checked by the table, and --schema.
 *
 * The option table is made once at start-up and lives as long as the
 * program (it is the program's, like argv).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "grym/schema.h"

/* What --help shows as the default of p, or NULL. */
static const char *default_text(const grym_param *p)
{
	static char num[64][32];   /* one per option; only used at start-up */
	static int used;
	switch (p->type) {
	case GRYM_PARAM_FLAG:
		return p->def != 0 ? "on" : NULL;
	case GRYM_PARAM_INT:
	case GRYM_PARAM_REAL:
		if (p->def_text)
			return p->def_text;
		for (const grym_param_word *w = p->words; w && w->word; w++)
			if ((isnan(w->value) && isnan(p->def)) || w->value == p->def)
				return w->word;
		if (isnan(p->def) || used >= 64)
			return NULL;
		snprintf(num[used], sizeof num[used], "%.10g", p->def);
		return num[used++];
	case GRYM_PARAM_ENUM:
		return p->def >= 0 ? p->choices[(int)p->def] : p->def_text;
	case GRYM_PARAM_STRING:
	case GRYM_PARAM_CUSTOM:
		return p->def_text;
	case GRYM_PARAM_LIST:
		return NULL;
	case GRYM_PARAM_U64:
		if (p->def_text)
			return p->def_text;
		if (used >= 64)
			return NULL;
		snprintf(num[used], sizeof num[used], "%llu", (unsigned long long)p->def);
		return num[used++];
	}
	return NULL;
}

/* In a stage with kinds, the help of a parameter some kinds do not take
 * says which do: "logreg/kmeans: iterations", or "not kmeans: ..." when
 * one kind is left out. Allocated (kept for the run); NULL: the help as
 * it is. */
static char *kinds_help(const grym_schema *s, const grym_param *p)
{
	const grym_param *kp = s->kind ? grym_schema_find(s, s->kind) : NULL;
	char in[256] = "", out[256] = "";
	int nin = 0, nout = 0;
	char *h;

	if (!kp || kp->type != GRYM_PARAM_ENUM || p == kp || !s->help_kinds)
		return NULL;
	for (int i = 0; kp->choices[i]; i++) {
		char *to = grym_param_applies(s, p, i) ? in : out;
		int *n = to == in ? &nin : &nout;
		snprintf(to + strlen(to), 256 - strlen(to), "%s%s", *n ? "/" : "", kp->choices[i]);
		(*n)++;
	}
	if (!nout || !(h = malloc(strlen(p->help ? p->help : "") + 270)))
		return NULL;
	sprintf(h, "%s%s: %s", nout == 1 && nin > 1 ? "not " : "", nout == 1 && nin > 1 ? out : in,
		p->help ? p->help : "");
	return h;
}

grym_option *grym_cli_schema_options(const grym_schema *s, const grym_option *extra)
{
	size_t n = 0, k = 0;
	grym_option *t;
	for (const grym_param *p = s->params; p->name; p++)
		n += 1 + !!(p->flags & GRYM_PARAM_NEGATABLE);
	for (const grym_option *o = extra; o && o->name; o++)
		n++;
	if (!(t = calloc(n + 1, sizeof *t)))
		return NULL;
	for (const grym_param *p = s->params; p->name; p++) {
		if (p->flags & GRYM_PARAM_OPERAND)
			continue;   /* a word, not an option */
		int takes_arg = p->type != GRYM_PARAM_FLAG &&
				!(p->type == GRYM_PARAM_CUSTOM && !p->arg);
		char *kh = kinds_help(s, p);
		t[k++] = (grym_option){ p->name, p->short_name, takes_arg ? (p->arg ? p->arg : "X") : NULL,
					default_text(p), kh ? kh : p->help };
		if (p->flags & GRYM_PARAM_NEGATABLE) {
			char *no = malloc(strlen(p->name) + 4), *help = malloc(strlen(p->name) + 32);
			if (!no || !help) {
				free(no);
				free(help);
				free(t);
				return NULL;
			}
			sprintf(no, "no-%s", p->name);
			sprintf(help, "the opposite of --%s", p->name);
			t[k++] = (grym_option){ no, 0, NULL, NULL, help };
		}
	}
	for (const grym_option *o = extra; o && o->name; o++)
		t[k++] = *o;
	return t;
}

int grym_cli_schema_set(const grym_cli *cli, const grym_schema *s, void *params,
			const char *name, const char *arg)
{
	grym_error err = { 0 };
	const grym_param *p = grym_schema_find(s, name);

	if (!p && !strncmp(name, "no-", 3) && (p = grym_schema_find(s, name + 3)) &&
	    (p->flags & GRYM_PARAM_NEGATABLE))
		arg = "false";
	else if (!p)
		return 1;   /* not the table's: the program's own option */
	if (grym_param_set(p, params, arg, &err) != GRYM_OK) {
		grym_msg(cli, "%s", err.msg);
		return -1;
	}
	return 0;
}

void grym_cli_print_schema(const grym_cli *cli, const grym_schema *s)
{
	char *json = grym_schema_json(s, 1);
	if (!json) {
		grym_msg(cli, "out of memory");
		exit(GRYM_EXIT_FAILED);
	}
	puts(json);
	free(json);
}
