/*
 * grym-catalog — look after a grym catalog: list, show, label and remove
 * assets, collect garbage, check, export, import and merge catalogs.
 *
 *   grym-catalog COMMAND [OPTION]... [ARG]...
 *
 * One option table serves every command (so --help and the man page list
 * them all); each command accepts the options that make sense for it and
 * calls libgrym (grym/catalog.h). Options may come before or after the
 * command's operands: `grym-catalog label ID --add dog` works.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "grym/catalog.h"
#include "grym/catalog_params.h"
#include "grym/pathname.h"

static const grym_option own_options[] = {
	GRYM_CLI_SCHEMA_OPTION,
	{ 0, 0, NULL, NULL, NULL }
};

#define MAX_LABEL_OPS 64

/* What the command runs with: the query and switches from the table's
 * values (grym/catalog_params.h), and the label operations in the order
 * given (--add and --remove interleave: `--remove x --add x` keeps x). */
typedef struct args {
	grym_asset_query q;
	char *meta_buf;
	int ids, json, force, dry_run, repair, verify;
	int64_t grace;
	const char *output;
	struct { int add; const char *label; } lab[MAX_LABEL_OPS];
	int nlab;
	const char *used[16];   /* options given, for the command's check */
	int nused;
} args;

static grym_cli cli;
static grym_catalog_params params;

static int on_option(void *ud, const char *name, const char *arg)
{
	args *a = ud;
	if (!strcmp(name, "schema")) {
		grym_cli_print_schema(&cli, grym_catalog_schema());
		exit(GRYM_EXIT_OK);
	}
	if (a->nused < 16)
		a->used[a->nused++] = name;
	if (grym_cli_schema_set(&cli, grym_catalog_schema(), &params, name, arg) != 0)
		return -1;
	if (!strcmp(name, "add") || !strcmp(name, "remove")) {
		if (a->nlab == MAX_LABEL_OPS) {
			grym_msg(&cli, "too many --add/--remove");
			return -1;
		}
		a->lab[a->nlab].add = name[0] == 'a';
		a->lab[a->nlab++].label = arg;
	}
	return 0;
}

/* The table's values as the command reads them. */
static int settle(args *a)
{
	static const char *const kinds[] = { "source", "derived" };
	a->q.label = params.label;
	a->q.kind = params.kind >= 0 ? kinds[params.kind] : NULL;
	a->q.parent = params.parent;
	if (params.meta) {
		char *eq;
		if (!(a->meta_buf = strdup(params.meta)))
			return -1;
		eq = strchr(a->meta_buf, '=');         /* the table checked there is one */
		*eq = '\0';
		a->q.meta_key = a->meta_buf;
		a->q.meta_value = eq + 1;
	}
	a->q.path_glob = params.path;
	a->q.limit = params.limit;
	a->ids = params.ids;
	a->json = params.json;
	a->force = params.force;
	a->grace = (int64_t)params.grace;
	a->dry_run = params.dry_run;
	a->repair = params.repair;
	a->output = params.output;
	a->verify = params.verify;
	return 0;
}

/* ---- helpers ---- */

static int check_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		grym_msg(&cli, "stdout: %s", strerror(errno ? errno : EIO));
		return GRYM_EXIT_FAILED;
	}
	return GRYM_EXIT_OK;
}

static void report_stdout(void *ud, const char *line)
{
	(void)ud;
	printf("%s\n", line);
}

static void report_stderr(void *ud, const char *line)
{
	(void)ud;
	grym_msg(&cli, "%s", line);
}

/* Call fn for every id operand; "-" reads ids from stdin, one per line
 * (the first tab-separated field, so `ls` output feeds it). */
typedef int (*id_fn)(grym_catalog *cat, const char *id, args *a);
struct each { grym_catalog *cat; args *a; id_fn fn; int failed; };

static int show_one(grym_catalog *cat, const char *id, args *a);
static int show_model(grym_catalog *cat, const char *word);

static int each_one(void *ud, const char *item)
{
	struct each *e = ud;
	char word[GRYM_ID_LEN * 2], id[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	size_t n = strcspn(item, "\t ");
	if (n >= sizeof word)
		n = sizeof word - 1;
	memcpy(word, item, n);
	word[n] = '\0';
	if (grym_catalog_resolve(e->cat, word, id, &err) != GRYM_OK) {
		/* show: a model id, id prefix or name is shown as its model row */
		if (e->fn == show_one && err.code == GRYM_ERR_NOTFOUND && show_model(e->cat, word) == 0)
			return 0;
		grym_report(&cli, word, &err);
		e->failed = 1;
		return 0;
	}
	if (e->fn(e->cat, id, e->a) != 0)
		e->failed = 1;
	return 0;
}

static int for_ids(grym_catalog *cat, args *a, int n, char **ids, id_fn fn)
{
	struct each e = { cat, a, fn, 0 };
	for (int i = 0; i < n; i++) {
		if (!strcmp(ids[i], "-")) {
			if (grym_cli_read_list(&cli, "-", each_one, &e) != 0)
				e.failed = 1;
		} else {
			each_one(&e, ids[i]);
		}
	}
	return e.failed ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
}

/* ---- commands ---- */

/* A field of the ls table on one line (see grym_cli_put_escaped). */
static void put_escaped(const char *s)
{
	grym_cli_put_escaped(stdout, s);
}

static int ls_visit(void *ud, const grym_asset *as)
{
	args *a = ud;
	/* -0: entries end with NUL and fields are printed as they are (a
	 * NUL never occurs in a name), for `find -print0`-style readers */
	int end = cli.null_sep ? '\0' : '\n';
	void (*field)(const char *) = cli.null_sep ? NULL : put_escaped;
	if (a->ids) {
		printf("%s%c", as->id, end);
	} else if (a->json) {
		json_t *j = grym_asset_to_json(as);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
		if (s)
			printf("%s%c", s, end);
		free(s);
		json_decref(j);
	} else {
		size_t i;
		json_t *v;
		printf("%s\t%.3f\t%d\t%d\t", as->id, as->duration, as->sample_rate, as->channels);
		if (json_array_size(as->labels) == 0)
			fputs("-", stdout);
		json_array_foreach(as->labels, i, v) {
			if (i)
				putchar(',');
			if (field)
				field(json_string_value(v));
			else
				fputs(json_string_value(v), stdout);
		}
		/* the first path, in UTF-8 like every text grym writes (a
		 * name that is not gets U+FFFD; show has its exact bytes) */
		const json_t *p0 = json_array_get(as->paths, 0);
		char *path = p0 ? grym_utf8_repair(json_string_value(p0), json_string_length(p0))
				: NULL;
		putchar('\t');
		if (!path)
			fputs("-", stdout);
		else if (field)
			field(path);
		else
			fputs(path, stdout);
		putchar(end);
		free(path);
	}
	return ferror(stdout) ? 1 : 0;
}

static int resolve_parent(grym_catalog *cat, args *a, char *buf)
{
	grym_error err = { 0 };
	if (!a->q.parent)
		return 0;
	if (grym_catalog_resolve(cat, a->q.parent, buf, &err) != GRYM_OK) {
		grym_report(&cli, a->q.parent, &err);
		return -1;
	}
	a->q.parent = buf;
	return 0;
}

static int cmd_ls(grym_catalog *cat, args *a, int n, char **ops)
{
	char parent[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	int rc;
	(void)ops;
	(void)n;
	if (a->ids && a->json)
		grym_usage_error(&cli, "--ids and --json exclude each other");
	if (resolve_parent(cat, a, parent) != 0)
		return GRYM_EXIT_FAILED;
	rc = grym_catalog_foreach_asset(cat, &a->q, ls_visit, a, &err);
	if (rc < 0) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}
	return check_stdout();
}

static int show_one(grym_catalog *cat, const char *id, args *a)
{
	grym_asset as;
	grym_error err = { 0 };
	json_t *j;
	char *s;
	(void)a;
	if (grym_catalog_get_asset(cat, id, &as, &err) != GRYM_OK) {
		grym_report(&cli, id, &err);
		return -1;
	}
	j = grym_asset_to_json(&as);
	s = j ? json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(j);
	grym_asset_clear(&as);
	return s ? 0 : -1;
}

/* A model row as JSON: id, name, type, and its params, training (target,
 * grouping, class counts or cluster sizes, recipe) and metrics objects.
 * Non-zero (and nothing printed) when word names no model. */
static int show_model(grym_catalog *cat, const char *word)
{
	grym_model_row row = { 0 };
	if (grym_catalog_get_model(cat, word, &row, NULL) != GRYM_OK)
		return -1;
	json_t *j = json_pack("{s:s,s:s,s:s,s:s?}", "model", row.id, "type", row.type ? row.type : "",
			      "object", row.object, "name", row.name);
	const char *key[3] = { "params", "training", "metrics" };
	const char *val[3] = { row.params, row.training, row.metrics };
	for (int k = 0; j && k < 3; k++) {
		json_t *v = val[k] ? json_loads(val[k], 0, NULL) : NULL;
		json_object_set_new(j, key[k], v ? v : json_null());
	}
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(j);
	grym_model_row_clear(&row);
	return s ? 0 : -1;
}

static int label_one(grym_catalog *cat, const char *id, args *a)
{
	int rc = 0;
	for (int i = 0; i < a->nlab; i++) {
		grym_error err = { 0 };
		int r = a->lab[i].add ? grym_catalog_add_label(cat, id, a->lab[i].label, &err)
				      : grym_catalog_remove_label(cat, id, a->lab[i].label, &err);
		if (r != GRYM_OK) {
			grym_report(&cli, id, &err);
			rc = -1;
		}
	}
	return rc;
}

static int rm_one(grym_catalog *cat, const char *id, args *a)
{
	grym_error err = { 0 };
	if (grym_catalog_rm_asset(cat, id, a->force, &err) != GRYM_OK) {
		grym_report(&cli, id, &err);
		return -1;
	}
	grym_verbose(&cli, "removed %s", id);
	return 0;
}

static int cmd_ids(grym_catalog *cat, args *a, int n, char **ops, id_fn fn, const char *name)
{
	int rc;
	(void)name;
	rc = for_ids(cat, a, n, ops, fn);
	if (check_stdout() != GRYM_EXIT_OK)
		rc = GRYM_EXIT_FAILED;
	return rc;
}

static int cmd_gc(grym_catalog *cat, args *a)
{
	grym_error err = { 0 };
	int64_t removed = 0;
	uint64_t bytes = 0;
	int rc = grym_catalog_gc(cat, a->grace, a->dry_run, &removed, &bytes, report_stdout,
				 NULL, &err);
	if (rc != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}
	grym_info(&cli, "gc: %s %" PRId64 " object%s (%" PRIu64 " bytes)",
		  a->dry_run ? "would remove" : "removed", removed, removed == 1 ? "" : "s", bytes);
	return check_stdout();
}

static int cmd_fsck(grym_catalog *cat, const args *a)
{
	grym_error err = { 0 };
	grym_catalog_stats s;
	int rc = a->repair ? grym_catalog_repair(cat, report_stdout, NULL, &err) : GRYM_OK;
	if (rc == GRYM_OK)
		rc = grym_catalog_fsck(cat, report_stdout, NULL, &err);
	if (check_stdout() != GRYM_EXIT_OK)
		return GRYM_EXIT_FAILED;
	if (rc != GRYM_OK) {
		grym_report(&cli, "fsck", &err);
		return GRYM_EXIT_FAILED;
	}
	if (grym_catalog_stats_get(cat, &s, &err) == GRYM_OK)
		grym_info(&cli, "fsck: ok (%" PRId64 " assets, %" PRId64 " objects)", s.assets, s.objects);
	return GRYM_EXIT_OK;
}

static int cmd_export(grym_catalog *cat, args *a, int n)
{
	char parent[GRYM_ID_LEN + 1];
	grym_error err = { 0 };
	const char *out = a->output ? a->output : "-";
	(void)n;
	if (!strcmp(out, "-") && isatty(STDOUT_FILENO))
		grym_usage_error(&cli, "not writing an archive to a terminal (use -o FILE or a pipe)");
	if (resolve_parent(cat, a, parent) != 0)
		return GRYM_EXIT_FAILED;
	fflush(stdout);
	grym_catalog_set_verify(cat, a->verify);
	if (grym_catalog_export(cat, &a->q, out, &err) != GRYM_OK) {
		grym_report(&cli, out, &err);
		/* an unknown archive type is a bad option value */
		return err.code == GRYM_ERR_INVALID ? GRYM_EXIT_USAGE : GRYM_EXIT_FAILED;
	}
	return GRYM_EXIT_OK;
}

static int cmd_import_merge(grym_catalog *cat, int n, char **ops, int merge)
{
	int rc = GRYM_EXIT_OK;
	for (int i = 0; i < n; i++) {
		grym_error err = { 0 };
		int64_t added = 0, conflicts = 0;
		int r = merge ? grym_catalog_merge(cat, ops[i], &added, &conflicts, report_stderr,
						   NULL, &err)
			      : grym_catalog_import(cat, ops[i], &added, &conflicts, report_stderr,
						    NULL, &err);
		if (r != GRYM_OK) {
			grym_report(&cli, ops[i], &err);
			rc = GRYM_EXIT_FAILED;
		}
		if (r == GRYM_ERR_CANCELLED)
			break;   /* nothing was added; the rest are not started */
		grym_info(&cli, "%s: %" PRId64 " asset%s added, %" PRId64 " conflict%s", ops[i],
			  added, added == 1 ? "" : "s", conflicts, conflicts == 1 ? "" : "s");
	}
	return rc;
}

static int cmd_stats(grym_catalog *cat, args *a)
{
	grym_catalog_stats s;
	grym_error err = { 0 };
	if (grym_catalog_stats_get(cat, &s, &err) != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}
	if (a->json) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f}",
				      "assets", (json_int_t)s.assets, "sources", (json_int_t)s.sources,
				      "derived", (json_int_t)s.derived, "labels", (json_int_t)s.labels,
				      "features", (json_int_t)s.features, "models", (json_int_t)s.models,
				      "predictions", (json_int_t)s.predictions,
				      "objects", (json_int_t)s.objects,
				      "object_bytes", (json_int_t)s.object_bytes,
				      "duration", s.total_duration);
		char *t = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (t)
			printf("%s\n", t);
		free(t);
		json_decref(j);
	} else {
		printf("assets\t%" PRId64 "\nsources\t%" PRId64 "\nderived\t%" PRId64
		       "\nlabels\t%" PRId64 "\nfeatures\t%" PRId64 "\nmodels\t%" PRId64
		       "\npredictions\t%" PRId64 "\nobjects\t%" PRId64 "\nobject_bytes\t%" PRIu64
		       "\nduration\t%.3f\n", s.assets, s.sources, s.derived, s.labels, s.features,
		       s.models, s.predictions, s.objects, s.object_bytes, s.total_duration);
	}
	return check_stdout();
}

/* The operands of each command, in the table's order of commands (which
 * options each takes is the table's: grym_param_applies). */
static const struct {
	int operands;           /* 0 none, 1 at least one */
	const char *what;       /* the operands, for the message */
} allowed[] = {
	[GRYM_CATALOG_INIT] = { 0, NULL },
	[GRYM_CATALOG_LS] = { 0, NULL },
	[GRYM_CATALOG_SHOW] = { 1, "at least one asset id (or - to read ids from stdin)" },
	[GRYM_CATALOG_LABEL] = { 1, "at least one asset id (or - to read ids from stdin)" },
	[GRYM_CATALOG_RM] = { 1, "at least one asset id (or - to read ids from stdin)" },
	[GRYM_CATALOG_GC] = { 0, NULL },
	[GRYM_CATALOG_FSCK] = { 0, NULL },
	[GRYM_CATALOG_EXPORT] = { 0, NULL },
	[GRYM_CATALOG_IMPORT] = { 1, "an archive (or - for stdin)" },
	[GRYM_CATALOG_MERGE] = { 1, "the directory of another catalog" },
	[GRYM_CATALOG_STATS] = { 0, NULL },
};

int main(int argc, char **argv)
{
	args a = { 0 };
	char dir[4096];
	grym_error err = { 0 };
	grym_catalog *cat;
	char **av, *cmd;
	int ac, first, n, rc, known = -1;
	const grym_schema *schema = grym_catalog_schema();
	const grym_param *commands = grym_schema_find(schema, "command");
	const grym_option *options = grym_cli_schema_options(schema, own_options);

	if (!options || grym_schema_defaults(schema, &params, &err) != GRYM_OK) {
		fprintf(stderr, "grym-catalog: %s\n", err.msg[0] ? err.msg : "out of memory");
		return GRYM_EXIT_FAILED;
	}
	grym_cli_init(&cli, "grym-catalog", "COMMAND [OPTION]... [ARG]...",
		      "Look after a grym catalog. COMMAND is one of: init, ls, show ID..., "
		      "label ID... --add L --remove L, rm ID..., gc, fsck, export, "
		      "import FILE|-, merge DIR, stats.", options);
	av = argv;
	ac = argc;
	first = grym_cli_parse(&cli, ac, av, on_option, &a);
	if (first >= ac)
		grym_usage_error(&cli, "no command given (init, ls, show, label, rm, gc, fsck, "
				 "export, import, merge, stats)");
	cmd = av[first];
	for (int i = 0; commands->choices[i]; i++)
		if (!strcmp(cmd, commands->choices[i]))
			known = i;
	if (known < 0)
		grym_usage_error(&cli, "unknown command '%s'", cmd);
	params.command = known;
	for (int i = 0; i < a.nused; i++)
		if (!grym_param_applies(schema, grym_schema_find(schema, a.used[i]), known))
			grym_usage_error(&cli, "%s does not take --%s", cmd, a.used[i]);
	if (settle(&a) != 0) {
		grym_msg(&cli, "out of memory");
		return GRYM_EXIT_FAILED;
	}
	if (!strcmp(cmd, "label") && a.nlab == 0)
		grym_usage_error(&cli, "label needs --add L or --remove L");
	if (grym_cli_catalog_dir(&cli, dir, sizeof dir, &err) != GRYM_OK) {
		grym_report(&cli, NULL, &err);
		return GRYM_EXIT_FAILED;
	}
	n = ac - first - 1;
	if (allowed[known].operands == 0 && n)
		grym_usage_error(&cli, "%s takes no operand", cmd);
	if (allowed[known].operands == 1 && !n)
		grym_usage_error(&cli, "%s needs %s", cmd, allowed[known].what);
	cat = grym_catalog_open(dir, &err);
	if (!cat) {
		grym_report(&cli, dir, &err);
		free(a.meta_buf);
		return GRYM_EXIT_FAILED;
	}
	/* a signal stops import and export, even blocked on a pipe */
	grym_catalog_set_cancel(cat, &grym_cli_cancel);
	if (!strcmp(cmd, "init")) {
		grym_info(&cli, "%s: catalog ready (schema version %d)", dir,
			  grym_catalog_schema_version(cat));
		rc = GRYM_EXIT_OK;
	} else if (!strcmp(cmd, "ls")) {
		rc = cmd_ls(cat, &a, n, av + first + 1);
	} else if (!strcmp(cmd, "show")) {
		rc = cmd_ids(cat, &a, n, av + first + 1, show_one, "show");
	} else if (!strcmp(cmd, "label")) {
		rc = cmd_ids(cat, &a, n, av + first + 1, label_one, "label");
	} else if (!strcmp(cmd, "rm")) {
		rc = cmd_ids(cat, &a, n, av + first + 1, rm_one, "rm");
	} else if (!strcmp(cmd, "gc")) {
		rc = cmd_gc(cat, &a);
	} else if (!strcmp(cmd, "fsck")) {
		rc = cmd_fsck(cat, &a);
	} else if (!strcmp(cmd, "export")) {
		rc = cmd_export(cat, &a, n);
	} else if (!strcmp(cmd, "import")) {
		rc = cmd_import_merge(cat, n, av + first + 1, 0);
	} else if (!strcmp(cmd, "merge")) {
		rc = cmd_import_merge(cat, n, av + first + 1, 1);
	} else {
		rc = cmd_stats(cat, &a);
	}
	grym_catalog_close(cat);
	free(a.meta_buf);
	grym_schema_clear(schema, &params);
	return rc;
}
