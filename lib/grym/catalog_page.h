/*
 * catalog_page.h — the catalog as grym-serve's API reads and edits it:
 * pages of assets and models, one asset or one model in full, and the
 * edits of PATCH /api/assets/ID. Every reader returns JSON text
 * (malloc'ed, the caller frees it), ready to be sent as a response body.
 *
 * Lists page by keyset, never by OFFSET: a page ends with an opaque
 * next_cursor (base64url of a small JSON holding the sort, the order,
 * the last row's sort key and id) and the next page starts right after
 * that row, so rows inserted or removed between two requests neither
 * repeat nor skip the rows not touched, and a deep page costs what the
 * first does. A cursor is only valid with the sort and order it was made
 * for. Errors that name a request field start their message with the
 * field's name and a colon ("cursor: ...", "sort: ...", "limit: ..."),
 * so a server can fill the "field" of its error body.
 */
#ifndef GRYM_CATALOG_PAGE_H
#define GRYM_CATALOG_PAGE_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include "grym/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRYM_PAGE_LIMIT_DEFAULT 50
#define GRYM_PAGE_LIMIT_MAX 1000

/* Which assets, in which order, from where. NULL/0 fields: no filter,
 * sort "created", ascending, GRYM_PAGE_LIMIT_DEFAULT rows, first page. */
typedef struct grym_asset_page_query {
	const char *const *labels; /* nlabels labels: an asset with any of them */
	size_t nlabels;
	const char *kind;          /* "source" or "derived" */
	const char *search;        /* substring, without case (ASCII letters),
				      of a name (base name of an origin path),
				      a metadata value or a tag value */
	const char *sort;          /* "name", "duration", "created", "size", "id" */
	int descending;            /* non-zero: largest first */
	int limit;                 /* 1..GRYM_PAGE_LIMIT_MAX, 0: the default */
	const char *cursor;        /* next_cursor of the page before, NULL or "": first */
} grym_asset_page_query;

/* One page of the assets q selects, as JSON text into *json (malloc'ed,
 * caller frees): {"items": [...], "next_cursor": "..." or null (no more
 * rows), "total": N (rows matching the filters, whatever the cursor)}.
 * An item is the asset's list view: {"id","kind","name","duration",
 * "sample_rate","channels","format","codec","bytes","labels" (array, in
 * the order added),"created" (Unix seconds),"parent" (null for a
 * source)}. Rows with equal sort keys are ordered by id (the same way as
 * the key), so the order is total and stable. A name is the base name of
 * the asset's first origin path (a derived asset without paths takes its
 * parent's), "" when it has none; names sort without ASCII case.
 * GRYM_ERR_INVALID naming the field: a sort, kind or limit out of range,
 * an empty label, a cursor that is not one this call made or was made
 * for another sort or order; GRYM_ERR_DB, GRYM_ERR_NOMEM. */
int grym_catalog_asset_page(grym_catalog *cat, const grym_asset_page_query *q, char **json,
			    grym_error *err) GRYM_MUST_CHECK;

/* One asset in full, as JSON text into *json (caller frees): the fields
 * of grym_asset_to_json, plus "name" and "created" as in the list view,
 * and "lineage": {"parent": null or {"id","name","kind","recipe"} (the
 * parent's own recipe, null for a source), "recipe": the recipe that
 * made this asset (null for a source), "children": [{"id","name",
 * "recipe_kind" (the recipe's "stage", else its "kind", else null)}]},
 * "features": [{"id","extractor" (the extractor recipe's "feature", else
 * null),"dims","frames","summary_len"}] and "predictions": [{"model",
 * "model_name","label","probability","created"}], newest first. id is a
 * full id. GRYM_ERR_NOTFOUND, GRYM_ERR_DB, GRYM_ERR_NOMEM. */
int grym_catalog_asset_json(grym_catalog *cat, const char *id, char **json, grym_error *err)
	GRYM_MUST_CHECK;

/* Replace the labels of the asset of full id `id` by the n labels given
 * (duplicates count once), in one transaction: labels it loses are
 * removed from it and its derivatives, labels it gains are added to it
 * and its derivatives (grym_catalog_add_label's rule), the others stay.
 * n may be 0 (no labels). GRYM_ERR_INVALID ("labels: ...") for an empty
 * or NULL label, GRYM_ERR_NOTFOUND, GRYM_ERR_DB; on failure nothing
 * changed. */
int grym_catalog_set_labels(grym_catalog *cat, const char *id, const char *const *labels,
			    size_t n, grym_error *err) GRYM_MUST_CHECK;

/* Apply a metadata patch to the asset of full id `id` in one
 * transaction: patch_json is a JSON object whose keys are set to their
 * values, a null value removing the key (RFC 7396 at the first level;
 * keys not named keep their values). GRYM_ERR_INVALID ("meta: ...") when
 * patch_json is not an object or a key is empty, GRYM_ERR_NOTFOUND,
 * GRYM_ERR_DB; on failure nothing changed. */
int grym_catalog_patch_meta(grym_catalog *cat, const char *id, const char *patch_json,
			    grym_error *err) GRYM_MUST_CHECK;

/* One page of models, newest first (created, then id, descending), as
 * JSON text (caller frees): {"items": [{"id","name","type","created",
 * "items","accuracy","macro_f1" (null when the model has no metrics)}],
 * "next_cursor","total"}. limit and cursor as for assets.
 * GRYM_ERR_INVALID ("limit: ...", "cursor: ..."), GRYM_ERR_DB,
 * GRYM_ERR_NOMEM. */
int grym_catalog_model_page(grym_catalog *cat, int limit, const char *cursor, char **json,
			    grym_error *err) GRYM_MUST_CHECK;

/* One model in full, as JSON text (caller frees): {"id","name","type",
 * "created","params" (its hyper-parameters),"training" (the training
 * record: items, dims, pipeline, target, seed...),"metrics" (accuracy,
 * macro_f1, "per_class", "confusion" with "labels" as its rows (true)
 * and columns (predicted); null when not cross-validated),
 * "predictions": the out-of-fold prediction of every item tested, when
 * the catalog keeps them: [{"key" (the asset id when trained from the
 * catalog),"fold","true","predicted","correct","scores" ({label:
 * probability})}], else null}. key is a model name, id or id prefix as
 * for grym_catalog_get_model. GRYM_ERR_NOTFOUND, GRYM_ERR_AMBIGUOUS,
 * GRYM_ERR_CORRUPT (the predictions object damaged or not a table),
 * GRYM_ERR_DB, GRYM_ERR_NOMEM. */
int grym_catalog_model_json(grym_catalog *cat, const char *key, char **json, grym_error *err)
	GRYM_MUST_CHECK;

/* One feature set's summary with what a plot of it shows of its asset,
 * valid during the visit only. */
typedef struct grym_summary_row {
	const char *asset;       /* full id */
	const char *name;        /* the asset's name (UTF-8, U+FFFD for bad bytes) */
	const char *labels;      /* its labels as a JSON array text */
	const char *feature_set; /* the feature set's id */
	const float *summary;    /* len floats: the clip summary vector */
	int len;
} grym_summary_row;
typedef int (*grym_summary_visit_fn)(void *ud, const grym_summary_row *r);

/* Visit the summary of every feature set whose extractor recipe names
 * feature ("feature": "mfcc", as grym-features stores one set per
 * feature), with a summary, in asset order (as inserted) and, for an
 * asset with several such sets (other extractor parameters), oldest
 * first. cb returns non-zero to stop (that value is returned). One
 * query for them all: a plot of 10,000 assets reads them at once. cb
 * may read the catalog but not call this function again.
 * GRYM_ERR_INVALID for an empty feature name, GRYM_ERR_DB,
 * GRYM_ERR_NOMEM. */
int grym_catalog_foreach_summary(grym_catalog *cat, const char *feature,
				 grym_summary_visit_fn cb, void *ud, grym_error *err)
	GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
