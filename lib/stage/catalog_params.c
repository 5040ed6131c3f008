/*
 * catalog_params.c — the one table of grym-catalog's options (see
 * grym/catalog_params.h). The command is the table's kind, so each
 * option's `applies` names the commands that take it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "grym/catalog_params.h"

#define P(f) offsetof(grym_catalog_params, f)
#define ON(c) (1u << GRYM_CATALOG_##c)
#define SELECTS (ON(LS) | ON(EXPORT))

static const char *const commands[] = {
	"init", "ls", "show", "label", "rm", "gc", "fsck", "export", "import", "merge", "stats", NULL
};
static const char *const kinds[] = { "source", "derived", NULL };

/* A duration: seconds, or a number with s, m, h or d. */
static int parse_duration(const grym_param *p, void *params, const char *s, grym_error *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno || v < 0 || s[0] < '0' || s[0] > '9')
		goto bad;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: goto bad;
	}
	if (*end && end[1])
		goto bad;
	*(uint64_t *)((char *)params + p->offset) = (uint64_t)v;
	return GRYM_OK;
bad:
	return grym_error_set(err, GRYM_ERR_INVALID,
			      "'%s' is not a duration (like 3600, 30m, 1h, 2d)", s);
}

/* KEY=VALUE with a key. */
static int check_meta(const grym_param *p, void *params, const char *s, grym_error *err)
{
	const char *eq = strchr(s, '=');
	if (!eq || eq == s)
		return grym_error_set(err, GRYM_ERR_INVALID, "'%s' is not KEY=VALUE", s);
	return GRYM_OK;
}

static const grym_param params[] = {
	{ .name = "command", .type = GRYM_PARAM_ENUM, .offset = P(command), .def = -1,
	  .def_text = "none: a command must be given", .choices = commands, .arg = "COMMAND",
	  .help = "what to do: init, ls, show, label, rm, gc, fsck, export, import, merge, stats",
	  .flags = GRYM_PARAM_OPERAND | GRYM_PARAM_REQUIRED },
	{ .name = "label", .type = GRYM_PARAM_STRING, .offset = P(label), .min = 1, .arg = "L",
	  .help = "ls, export: only assets with label L", .applies = SELECTS },
	{ .name = "kind", .type = GRYM_PARAM_ENUM, .offset = P(kind), .def = -1, .def_text = "either",
	  .choices = kinds, .arg = "KIND", .help = "ls, export: only 'source' or 'derived' assets",
	  .applies = SELECTS },
	{ .name = "parent", .type = GRYM_PARAM_STRING, .offset = P(parent), .min = 1, .arg = "ID",
	  .help = "ls, export: only assets derived from ID", .applies = SELECTS },
	{ .name = "meta", .type = GRYM_PARAM_STRING, .offset = P(meta), .min = 1, .parse = check_meta,
	  .arg = "KEY=VALUE", .help = "ls, export: only assets whose metadata KEY is VALUE",
	  .applies = SELECTS },
	{ .name = "path", .type = GRYM_PARAM_STRING, .offset = P(path), .min = 1, .arg = "GLOB",
	  .help = "ls, export: only assets with an origin path matching GLOB", .applies = SELECTS },
	{ .name = "limit", .type = GRYM_PARAM_INT, .offset = P(limit), .def = 0, .def_text = "all",
	  .min = 1, .max = 1 << 30, .arg = "N", .help = "ls, export: at most N assets",
	  .applies = SELECTS },
	{ .name = "ids", .type = GRYM_PARAM_FLAG, .offset = P(ids), .help = "ls: print full ids only",
	  .flags = GRYM_PARAM_CLI_ONLY, .applies = ON(LS) },
	{ .name = "json", .type = GRYM_PARAM_FLAG, .offset = P(json),
	  .help = "ls: one JSON object per line; stats: one JSON object",
	  .flags = GRYM_PARAM_CLI_ONLY, .applies = ON(LS) | ON(STATS) },
	{ .name = "add", .type = GRYM_PARAM_LIST, .offset = P(add), .min = 1, .arg = "L",
	  .help = "label: add label L (repeatable)", .applies = ON(LABEL) },
	{ .name = "remove", .type = GRYM_PARAM_LIST, .offset = P(remove), .min = 1, .arg = "L",
	  .help = "label: remove label L (repeatable)", .applies = ON(LABEL) },
	{ .name = "force", .short_name = 'f', .type = GRYM_PARAM_FLAG, .offset = P(force),
	  .help = "rm: also remove the assets derived from it", .applies = ON(RM) },
	{ .name = "grace", .type = GRYM_PARAM_U64, .offset = P(grace), .def = 3600, .def_text = "1h",
	  .parse = parse_duration, .unit = "s", .arg = "DUR",
	  .help = "gc: keep unreferenced objects younger than DUR (3600, 30m, 1h, 2d)",
	  .applies = ON(GC) },
	{ .name = "dry-run", .short_name = 'n', .type = GRYM_PARAM_FLAG, .offset = P(dry_run),
	  .help = "gc: only list what would be removed", .applies = ON(GC) },
	{ .name = "repair", .type = GRYM_PARAM_FLAG, .offset = P(repair),
	  .help = "fsck: first restore damaged source objects from their origin paths",
	  .applies = ON(FSCK) },
	{ .name = "output", .short_name = 'o', .type = GRYM_PARAM_STRING, .offset = P(output),
	  .def_text = "-", .arg = "FILE",
	  .help = "export: write the archive to FILE (.tar, .tar.gz, .tgz, .zip; - is a tar on stdout)",
	  .flags = GRYM_PARAM_CLI_ONLY, .applies = ON(EXPORT) },
	{ .name = "verify", .type = GRYM_PARAM_FLAG, .offset = P(verify),
	  .help = "export: hash each object in full as it is copied (else only its size is checked)",
	  .applies = ON(EXPORT) },
	{ .name = NULL }
};

static const grym_schema schema = {
	.stage = "catalog",
	.title = "look after a grym catalog: list, show, label and remove assets, collect "
		 "garbage, check, export, import and merge",
	.params = params, .size = sizeof(grym_catalog_params),
	.kind = "command"
};

const grym_schema *grym_catalog_schema(void)
{
	return &schema;
}
