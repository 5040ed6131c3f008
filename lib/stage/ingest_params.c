/*
 * ingest_params.c — the one table of the ingest stage's parameters.
 *
 * Options, --help, defaults, ranges and the API's JSON come from here
 * (grym/schema.h). None is a recipe key: an asset is named by its bytes.
 * The inputs themselves (operands, --from-list, --manifest) and the form
 * of the output are the command line's (GRYM_PARAM_CLI_ONLY).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>

#include "grym/ingest.h"
#include "grym/ingest_params.h"
#include "grym/pool.h"

#define P(f) offsetof(grym_ingest_params, f)

/* A size with a suffix: 500M, 4G, 1Ti, 2GB (powers of 1024). */
static int parse_bytes(const grym_param *p, void *params, const char *s, grym_error *err)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] < '0' || s[0] > '9')
		goto bad;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: goto bad;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B')
		end++;
	if (*end || v == 0 || (shift && v > ((unsigned long long)INT64_MAX >> shift)))
		goto bad;
	*(uint64_t *)((char *)params + p->offset) = (uint64_t)v << shift;
	return GRYM_OK;
bad:
	return grym_error_set(err, GRYM_ERR_INVALID, "'%s' is not a size (like 500M or 4G)", s);
}

static const grym_param params[] = {
	{ .name = "label", .short_name = 'l', .type = GRYM_PARAM_LIST, .offset = P(label), .min = 1,
	  .arg = "L", .help = "give every asset label L (repeatable)" },
	{ .name = "label-from-dir", .type = GRYM_PARAM_FLAG, .offset = P(label_from_dir),
	  .help = "label each file by its parent folder's name" },
	{ .name = "replace-labels", .type = GRYM_PARAM_FLAG, .offset = P(replace_labels),
	  .help = "the labels this run gives a known asset replace its old ones" },
	{ .name = "manifest", .type = GRYM_PARAM_STRING, .offset = P(manifest), .min = 1, .arg = "FILE",
	  .help = "TSV/CSV with path, label, split... columns (paths relative to FILE)",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "match", .type = GRYM_PARAM_STRING, .offset = P(match), .min = 1, .arg = "GLOB",
	  .help = "take only files matching GLOB from directories and archives" },
	{ .name = "from-list", .type = GRYM_PARAM_STRING, .offset = P(from_list), .min = 1,
	  .arg = "FILE", .help = "read input paths from FILE ('-': stdin), one per line (-0: NUL)",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "jobs", .short_name = 'j', .type = GRYM_PARAM_INT, .offset = P(jobs), .def = 1,
	  .min = 1, .max = GRYM_JOBS_MAX, .arg = "N",
	  .help = "decode N files in parallel (output stays in input order)" },
	{ .name = "text", .type = GRYM_PARAM_FLAG, .offset = P(text),
	  .help = "write id<TAB>path<TAB>labels lines instead of binary records",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "output", .short_name = 'o', .type = GRYM_PARAM_STRING, .offset = P(output),
	  .arg = "FILE", .help = "write the records to FILE (atomically) instead of stdout",
	  .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "accept-truncated", .type = GRYM_PARAM_FLAG, .offset = P(accept_truncated),
	  .help = "keep what decodes of a truncated or damaged file" },
	{ .name = "max-bytes", .type = GRYM_PARAM_U64, .offset = P(max_bytes),
	  .def = (double)GRYM_INGEST_MAX_BYTES_DEFAULT, .def_text = "4G", .min = 1, .parse = parse_bytes,
	  .unit = "bytes", .arg = "N",
	  .help = "refuse an archive that expands to more than N bytes (K, M, G, T suffixes)" },
	{ .name = "probe", .type = GRYM_PARAM_FLAG, .offset = P(probe),
	  .help = "print each FILE's properties and tags, store nothing", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = "json", .type = GRYM_PARAM_FLAG, .offset = P(json),
	  .help = "with --probe: one JSON object per file", .flags = GRYM_PARAM_CLI_ONLY },
	{ .name = NULL }
};

static const grym_schema schema = {
	.stage = "ingest",
	.title = "store audio files, directories and archives in the catalog, labelled",
	.params = params, .size = sizeof(grym_ingest_params)
};

const grym_schema *grym_ingest_schema(void)
{
	return &schema;
}
