/*
 * columns.c — a table's columns matched to a model's inputs by name, so
 * that a TSV with the training table's columns in another order (or with
 * more columns) feeds the model the right numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml_internal.h"

int grym_model_match_columns(const grym_model *m, const char *const *header, size_t ncols,
			     size_t *map, grym_error *err)
{
	if (!m->names)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "the model has no feature names to match a table's columns by");
	size_t missing = 0, shown = 0;
	char list[512] = "";
	for (size_t j = 0; j < m->d; j++) {
		size_t c = 0;
		while (c < ncols && strcmp(header[c], m->names[j]) != 0)
			c++;
		map[j] = c;
		if (c == ncols) {
			if (shown < 8) {
				size_t l = strlen(list);
				snprintf(list + l, sizeof list - l, "%s'%s'", shown ? ", " : "", m->names[j]);
				shown++;
			}
			missing++;
		}
	}
	if (missing)
		return grym_error_set(err, GRYM_ERR_FORMAT, "no column%s %s%s of the model's %zu features",
				      missing == 1 ? "" : "s", list, missing > shown ? ", ..." : "", m->d);
	return GRYM_OK;
}
