/*
 * asset_json.c — an asset as JSON and back (grym_asset_to_json,
 * grym_asset_from_json): the one representation shared by
 * `grym-catalog show`/`ls --json` and the catalog.json of exports, so what
 * a user reads is what an archive carries.
 */
#include "catalog_int.h"
#include "grym/pathname.h"

#include <stdlib.h>
#include <string.h>

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *grym_asset_to_json(const grym_asset *a)
{
	json_t *j = json_object();
	json_t *recipe = NULL;
	if (!j)
		return NULL;
	if (a->recipe)
		recipe = json_loads(a->recipe, JSON_DECODE_ANY, NULL);
	json_object_set_new(j, "id", json_string(a->id));
	json_object_set_new(j, "kind", json_string(a->kind));
	json_object_set_new(j, "parent", str_or_null(a->parent));
	json_object_set_new(j, "object", json_string(a->object));
	json_object_set_new(j, "recipe", recipe ? recipe : json_null());
	json_object_set_new(j, "format", str_or_null(a->format));
	json_object_set_new(j, "codec", str_or_null(a->codec));
	json_object_set_new(j, "sample_rate", json_integer(a->sample_rate));
	json_object_set_new(j, "channels", json_integer(a->channels));
	json_object_set_new(j, "bits", json_integer(a->bits));
	json_object_set_new(j, "frames", json_integer(a->frames));
	json_object_set_new(j, "duration", json_real(a->duration));
	json_object_set_new(j, "bytes", json_integer((json_int_t)a->bytes));
	json_object_set_new(j, "tags", a->tags ? json_deep_copy(a->tags) : json_object());
	json_object_set_new(j, "labels", a->labels ? json_deep_copy(a->labels) : json_array());
	json_object_set_new(j, "meta", a->meta ? json_deep_copy(a->meta) : json_object());
	/* "paths" with U+FFFD, and "paths_b64" when a path is not UTF-8 */
	if (grym_json_set_path_list(j, "paths", a->paths, NULL) != GRYM_OK) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int get_id(const json_t *j, const char *key, char *dst, int optional,
		  grym_error *err)
{
	const json_t *v = json_object_get(j, key);
	if ((!v || json_is_null(v)) && optional) {
		dst[0] = '\0';
		return GRYM_OK;
	}
	if (!json_is_string(v) || !grym_id_is_full(json_string_value(v)))
		return grym_error_set(err, GRYM_ERR_FORMAT, "\"%s\" is not a full id", key);
	memcpy(dst, json_string_value(v), GRYM_ID_LEN + 1);
	return GRYM_OK;
}

static int get_str(const json_t *j, const char *key, char **dst, grym_error *err)
{
	const json_t *v = json_object_get(j, key);
	*dst = NULL;
	if (!v || json_is_null(v))
		return GRYM_OK;
	if (!json_is_string(v))
		return grym_error_set(err, GRYM_ERR_FORMAT, "\"%s\" is not a string", key);
	*dst = strdup(json_string_value(v));
	return *dst ? GRYM_OK : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

static int get_int(const json_t *j, const char *key, long long lo, long long hi,
		   long long *out, grym_error *err)
{
	const json_t *v = json_object_get(j, key);
	*out = 0;
	if (!v || json_is_null(v))
		return GRYM_OK;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return grym_error_set(err, GRYM_ERR_FORMAT, "\"%s\" is not an integer in range", key);
	*out = json_integer_value(v);
	return GRYM_OK;
}

static int get_sub(const json_t *j, const char *key, int array, json_t **dst,
		   grym_error *err)
{
	json_t *v = json_object_get(j, key);
	*dst = NULL;
	if (!v || json_is_null(v))
		return GRYM_OK;
	if (array ? !json_is_array(v) : !json_is_object(v))
		return grym_error_set(err, GRYM_ERR_FORMAT, "\"%s\" is not an %s", key,
				      array ? "array" : "object");
	if (array) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
			if (!json_is_string(e))
				return grym_error_set(err, GRYM_ERR_FORMAT,
						      "\"%s\" holds a non-string", key);
	}
	*dst = json_deep_copy(v);
	return *dst ? GRYM_OK : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}

/* "paths_b64" (see set_paths): each non-null entry replaces the path at
 * its index by its exact bytes. */
static int get_paths_b64(const json_t *j, json_t *paths, grym_error *err)
{
	const json_t *b = json_object_get(j, "paths_b64");
	size_t i;
	json_t *v;
	if (!b || json_is_null(b))
		return GRYM_OK;
	if (!json_is_array(b) || json_array_size(b) != json_array_size(paths))
		return grym_error_set(err, GRYM_ERR_FORMAT,
				      "\"paths_b64\" is not an array as long as \"paths\"");
	json_array_foreach(b, i, v) {
		char *bytes;
		size_t n;
		if (json_is_null(v))
			continue;
		if (!json_is_string(v) ||
		    grym_base64_decode(json_string_value(v), json_string_length(v), &bytes, &n,
				       err) != GRYM_OK)
			return grym_error_set(err, GRYM_ERR_FORMAT,
					      "\"paths_b64\" holds something that is not base64");
		if (n == 0 || memchr(bytes, '\0', n)) {
			free(bytes);
			return grym_error_set(err, GRYM_ERR_FORMAT,
					      "\"paths_b64\" holds something that is not a file name");
		}
		json_array_set_new(paths, i, json_stringn_nocheck(bytes, n));
		free(bytes);
	}
	return GRYM_OK;
}

int grym_asset_from_json(const json_t *j, grym_asset *a, grym_error *err)
{
	const json_t *v;
	long long n;
	int rc;

	grym_asset_init(a);
	if (!json_is_object(j))
		return grym_error_set(err, GRYM_ERR_FORMAT, "asset is not a JSON object");
	if ((rc = get_id(j, "id", a->id, 0, err)) != GRYM_OK ||
	    (rc = get_id(j, "parent", a->parent, 1, err)) != GRYM_OK ||
	    (rc = get_id(j, "object", a->object, 0, err)) != GRYM_OK)
		goto fail;
	v = json_object_get(j, "kind");
	if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof a->kind) {
		rc = grym_error_set(err, GRYM_ERR_FORMAT, "\"kind\" is not a string");
		goto fail;
	}
	strcpy(a->kind, json_string_value(v));
	v = json_object_get(j, "recipe");
	if (v && !json_is_null(v) && !(a->recipe = grym_recipe_canonical(v))) {
		rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((rc = get_str(j, "format", &a->format, err)) != GRYM_OK ||
	    (rc = get_str(j, "codec", &a->codec, err)) != GRYM_OK)
		goto fail;
	if ((rc = get_int(j, "sample_rate", 0, 100000000, &n, err)) != GRYM_OK)
		goto fail;
	a->sample_rate = (int)n;
	if ((rc = get_int(j, "channels", 0, 65535, &n, err)) != GRYM_OK)
		goto fail;
	a->channels = (int)n;
	if ((rc = get_int(j, "bits", 0, 1024, &n, err)) != GRYM_OK)
		goto fail;
	a->bits = (int)n;
	if ((rc = get_int(j, "frames", 0, INT64_MAX, &n, err)) != GRYM_OK)
		goto fail;
	a->frames = n;
	if ((rc = get_int(j, "bytes", 0, INT64_MAX, &n, err)) != GRYM_OK)
		goto fail;
	a->bytes = (uint64_t)n;
	v = json_object_get(j, "duration");
	if (v && !json_is_null(v)) {
		if (!json_is_number(v)) {
			rc = grym_error_set(err, GRYM_ERR_FORMAT, "\"duration\" is not a number");
			goto fail;
		}
		a->duration = json_number_value(v);
	}
	if ((rc = get_sub(j, "tags", 0, &a->tags, err)) != GRYM_OK ||
	    (rc = get_sub(j, "meta", 0, &a->meta, err)) != GRYM_OK ||
	    (rc = get_sub(j, "labels", 1, &a->labels, err)) != GRYM_OK ||
	    (rc = get_sub(j, "paths", 1, &a->paths, err)) != GRYM_OK ||
	    (rc = get_paths_b64(j, a->paths, err)) != GRYM_OK)
		goto fail;
	return GRYM_OK;
fail:
	grym_asset_clear(a);
	return rc;
}
