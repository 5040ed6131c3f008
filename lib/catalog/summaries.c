/*
 * summaries.c — the clip summaries of one feature for every asset that
 * has them (grym_catalog_foreach_summary), read in one query with what a
 * scatter plot labels each point with: the feature explorer's input
 * (lib/view/embedding.c).
 */
#include "catalog_int.h"
#include "grym/catalog_page.h"
#include "grym/pathname.h"

#include <stdlib.h>
#include <string.h>

int grym_catalog_foreach_summary(grym_catalog *cat, const char *feature,
				 grym_summary_visit_fn cb, void *ud, grym_error *err)
{
	static const char sql[] =
		"SELECT a.id, a.name, (SELECT json_group_array(label) FROM (SELECT label FROM"
		" asset_labels WHERE asset = a.id ORDER BY rowid)), f.id, f.summary"
		" FROM features f JOIN assets a ON a.id = f.asset"
		" WHERE json_valid(f.extractor) AND json_extract(f.extractor, '$.feature') = ?1"
		" AND length(f.summary) >= 4"
		" ORDER BY a.rowid, f.created, f.rowid";
	sqlite3_stmt *st;
	int rc, ret = GRYM_OK;
	float *buf = NULL;
	size_t cap = 0;

	if (!feature || !*feature)
		return grym_error_set(err, GRYM_ERR_INVALID, "features: an empty feature name");
	if (!(st = cat_prep(cat, sql, err)))
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, feature);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int bytes = sqlite3_column_bytes(st, 4);
		size_t len = (size_t)bytes / sizeof(float);
		char *name = grym_utf8_repair((const char *)sqlite3_column_text(st, 1),
					      (size_t)sqlite3_column_bytes(st, 1));
		/* a copy: the blob need not be aligned for floats */
		if (len > cap) {
			float *nb = realloc(buf, len * sizeof *nb);
			if (nb) {
				buf = nb;
				cap = len;
			}
		}
		if (!name || len > cap) {
			free(name);
			ret = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		memcpy(buf, sqlite3_column_blob(st, 4), len * sizeof *buf);
		grym_summary_row r = { (const char *)sqlite3_column_text(st, 0), name,
				       (const char *)sqlite3_column_text(st, 2),
				       (const char *)sqlite3_column_text(st, 3), buf, (int)len };
		ret = cb(ud, &r);
		free(name);
		if (ret)
			break;
	}
	if (ret == GRYM_OK && rc != SQLITE_DONE)
		ret = cat_db_error(cat, err, "reading feature summaries");
	cat_done(st);
	free(buf);
	return ret;
}
