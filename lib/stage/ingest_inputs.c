/*
 * ingest_inputs.c — the inputs the ingest stage's parameters name beside
 * a caller's operands (grym/stage_ingest.h): a list file, and a
 * manifest's rows when nothing else was given, so that "grym-ingest
 * --manifest m.csv" ingests what the manifest describes.
 */
#include "grym/stage_ingest.h"

int grym_ingest_add_inputs(grym_sources *inputs, const grym_ingest_params *p, int given,
			   grym_error *err)
{
	int rc = GRYM_OK;

	if (p->from_list)
		return grym_sources_add_list(inputs, p->from_list, err);
	if (given)
		return GRYM_OK;
	if (!p->manifest)
		return grym_sources_add(inputs, "-", err);
	grym_manifest *m = grym_manifest_load(p->manifest, err);
	if (!m)
		return err->code ? err->code : GRYM_ERR_IO;
	for (size_t i = 0; rc == GRYM_OK && i < grym_manifest_rows(m); i++)
		rc = grym_sources_add(inputs, grym_manifest_path(m, i), err);
	grym_manifest_free(m);
	return rc;
}
