/*
 * page_cursor.c — the opaque cursor of the catalog's paged lists: the
 * last row's sort key and id, with the sort and order it belongs to, as
 * base64url of a small JSON object. It carries nothing secret (a client
 * could read it) and needs no signature: a forged cursor that decodes to
 * a well-formed key only starts the page elsewhere, and every other one
 * is refused.
 */
#include "catalog_int.h"
#include "page_int.h"
#include "grym/pathname.h"

#include <stdlib.h>
#include <string.h>

#define CURSOR_MAX 1024 /* a cursor holds a name, an id and a few fields */

char *cat_cursor_encode(const char *sort, int desc, const json_t *key, const char *id)
{
	json_t *o = json_pack("{s:s,s:s,s:O,s:s}", "s", sort, "o", desc ? "d" : "a", "k",
			      (json_t *)key, "i", id);
	char *text, *b64;
	size_t n;
	if (!o)
		return NULL;
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(o);
	if (!text)
		return NULL;
	b64 = grym_base64_encode(text, strlen(text));
	free(text);
	if (!b64)
		return NULL;
	/* base64 to base64url (RFC 4648 §5) without padding: safe in a URL */
	n = strlen(b64);
	while (n && b64[n - 1] == '=')
		b64[--n] = '\0';
	for (char *p = b64; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return b64;
}

/* A text key {"b64": ...} (bytes that are not UTF-8) into c->bytes. */
static int raw_key(const json_t *k, cat_cursor *c)
{
	const json_t *b = json_object_get(k, "b64");
	if (!json_is_object(k) || json_object_size(k) != 1 || !json_is_string(b))
		return 0;
	if (grym_base64_decode(json_string_value(b), json_string_length(b), &c->bytes,
			       &c->nbytes, NULL) != GRYM_OK)
		return 0;
	if (memchr(c->bytes, '\0', c->nbytes)) {
		free(c->bytes);
		c->bytes = NULL;
		return 0;
	}
	return 1;
}

void cat_cursor_clear(cat_cursor *c)
{
	json_decref(c->key);
	free(c->bytes);
	memset(c, 0, sizeof *c);
}

static int bad(grym_error *err, const char *why)
{
	return grym_error_set(err, GRYM_ERR_INVALID, "cursor: %s", why);
}

int cat_cursor_decode(const char *text, const char *sort, int desc, cat_key_type t,
		      cat_cursor *c, grym_error *err)
{
	size_t n = strlen(text), len = 0;
	char buf[CURSOR_MAX + 4], *raw = NULL;
	json_t *o, *k, *s, *ord, *i;
	int rc;

	memset(c, 0, sizeof *c);
	if (n == 0 || n > CURSOR_MAX || n % 4 == 1)
		return bad(err, "not a cursor of this list");
	for (size_t j = 0; j < n; j++) {
		char ch = text[j];
		if (ch == '+' || ch == '/' || ch == '=')
			return bad(err, "not a cursor of this list");
		buf[j] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
	}
	while (n % 4)
		buf[n++] = '=';
	if (grym_base64_decode(buf, n, &raw, &len, NULL) != GRYM_OK)
		return bad(err, "not a cursor of this list");
	o = json_loadb(raw, len, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	s = json_object_get(o, "s");
	ord = json_object_get(o, "o");
	k = json_object_get(o, "k");
	i = json_object_get(o, "i");
	if (!json_is_object(o) || json_object_size(o) != 4 || !json_is_string(s) ||
	    !json_is_string(ord) || !k || !json_is_string(i)) {
		rc = bad(err, "not a cursor of this list");
	} else if (strcmp(json_string_value(s), sort) ||
		   strcmp(json_string_value(ord), desc ? "d" : "a")) {
		rc = grym_error_set(err, GRYM_ERR_INVALID,
				    "cursor: made for another sort or order (%s %s), not %s %s",
				    json_string_value(s), json_string_value(ord), sort,
				    desc ? "d" : "a");
	} else if (!grym_id_is_full(json_string_value(i)) ||
		   (t == CAT_KEY_TEXT && !json_is_string(k) && !raw_key(k, c)) ||
		   (t == CAT_KEY_REAL && !json_is_number(k)) ||
		   (t == CAT_KEY_INT && !json_is_integer(k))) {
		rc = bad(err, "its key or id is not of this list");
	} else {
		memcpy(c->id, json_string_value(i), GRYM_ID_LEN + 1);
		c->key = json_incref(k);
		rc = GRYM_OK;
	}
	json_decref(o);
	if (rc != GRYM_OK)
		cat_cursor_clear(c);
	return rc;
}

int cat_page_limit(int limit, int *out, grym_error *err)
{
	if (limit == 0)
		limit = GRYM_PAGE_LIMIT_DEFAULT;
	if (limit < 1 || limit > GRYM_PAGE_LIMIT_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID, "limit: %d is not between 1 and %d",
				      limit, GRYM_PAGE_LIMIT_MAX);
	*out = limit;
	return GRYM_OK;
}

int cat_page_text(json_t *items, char *next, long long total, char **json, grym_error *err)
{
	json_t *o = json_object();
	*json = NULL;
	if (o && items && !json_object_set_new(o, "items", items) &&
	    !json_object_set_new(o, "next_cursor", next ? json_string(next) : json_null()) &&
	    !json_object_set_new(o, "total", json_integer(total)))
		*json = json_dumps(o, JSON_COMPACT);
	else if (!o)
		json_decref(items);
	json_decref(o);
	free(next);
	return *json ? GRYM_OK : grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
}
