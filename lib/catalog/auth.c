/*
 * auth.c — grym-serve's tokens and audit rows (grym/catalog_auth.h).
 *
 * The server checks a credential on every request, so a lookup is one
 * indexed statement (tokens.hash is UNIQUE, tokens.id the key) from the
 * handle's statement cache, with the parent's state joined in: revoking a
 * token ends the sessions made from it without touching them.
 */
#include <stdio.h>
#include <string.h>

#include "catalog_int.h"
#include "grym/catalog_auth.h"

static int is_word(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(s, *words))
			return 1;
	return 0;
}

static const char *const kinds[] = { "token", "jwt", "session", NULL };
static const char *const roles[] = { "admin", "editor", "viewer", NULL };

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, (sqlite3_int64)v);
	else
		sqlite3_bind_null(st, i);
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	cat_bind_text(st, i, s && *s ? s : NULL);
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	snprintf(dst, len, "%s", s ? (const char *)s : "");
}

int grym_catalog_token_add(grym_catalog *cat, const grym_token_row *t,
			   const unsigned char *hash, size_t hlen, grym_error *err)
{
	static const char sql[] =
		"INSERT INTO tokens (id, kind, name, role, hash, parent, created, expires,"
		" revoked, last_used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL)";
	sqlite3_stmt *st;
	int rc;

	if (!t->id[0])
		return grym_error_set(err, GRYM_ERR_INVALID, "a token needs an id");
	if (!is_word(t->kind, kinds))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "token %s: kind '%s' is not token, jwt or session", t->id,
				      t->kind);
	if (!is_word(t->role, roles))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "token %s: role '%s' is not admin, editor or viewer", t->id,
				      t->role);
	st = cat_prep(cat, sql, err);
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, t->id);
	cat_bind_text(st, 2, t->kind);
	bind_opt_text(st, 3, t->name);
	cat_bind_text(st, 4, t->role);
	if (hash)
		sqlite3_bind_blob(st, 5, hash, (int)hlen, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 5);
	bind_opt_text(st, 6, t->parent);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)t->created);
	bind_opt_int(st, 8, t->expires);
	rc = sqlite3_step(st);
	cat_done(st);
	if (rc == SQLITE_CONSTRAINT)
		return grym_error_set(err, GRYM_ERR_CONFLICT, "token %s: already there", t->id);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "adding a token");
	return GRYM_OK;
}

#define ROW_COLS \
	"SELECT t.id, t.kind, t.role, t.name, t.parent, t.created, t.expires, t.revoked," \
	" t.last_used, p.revoked, p.expires FROM tokens t LEFT JOIN tokens p ON p.id = t.parent"

static void load_row(sqlite3_stmt *st, grym_token_row *out)
{
	memset(out, 0, sizeof *out);
	copy_col(st, 0, out->id, sizeof out->id);
	copy_col(st, 1, out->kind, sizeof out->kind);
	copy_col(st, 2, out->role, sizeof out->role);
	copy_col(st, 3, out->name, sizeof out->name);
	copy_col(st, 4, out->parent, sizeof out->parent);
	out->created = sqlite3_column_int64(st, 5);
	out->expires = sqlite3_column_int64(st, 6);
	out->revoked = sqlite3_column_int64(st, 7);
	out->last_used = sqlite3_column_int64(st, 8);
	out->parent_revoked = sqlite3_column_int64(st, 9);
	out->parent_expires = sqlite3_column_int64(st, 10);
}

/* Step a one-row lookup: 1 found (out filled), 0 none, <0 error. */
static int one_row(grym_catalog *cat, sqlite3_stmt *st, grym_token_row *out, grym_error *err)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		load_row(st, out);
	cat_done(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return cat_db_error(cat, err, "looking up a token");
}

int grym_catalog_token_by_hash(grym_catalog *cat, const unsigned char *hash, size_t hlen,
			       grym_token_row *out, grym_error *err)
{
	static const char sql[] = ROW_COLS " WHERE t.hash = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	if (!st)
		return GRYM_ERR_DB;
	sqlite3_bind_blob(st, 1, hash, (int)hlen, SQLITE_TRANSIENT);
	return one_row(cat, st, out, err);
}

int grym_catalog_token_get(grym_catalog *cat, const char *id, grym_token_row *out,
			   grym_error *err)
{
	static const char sql[] = ROW_COLS " WHERE t.id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	return one_row(cat, st, out, err);
}

int grym_catalog_token_list(grym_catalog *cat, const char *kind, grym_token_row_fn cb,
			    void *ud, grym_error *err)
{
	static const char sql_kind[] = ROW_COLS " WHERE t.kind = ?1 ORDER BY t.created, t.id";
	static const char sql_all[] =
		ROW_COLS " WHERE t.kind IN ('token', 'jwt') ORDER BY t.created, t.id";
	/* a private statement: cb may look rows up through the same handle */
	sqlite3_stmt *st = NULL;
	grym_token_row row;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(cat->db, kind ? sql_kind : sql_all, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return cat_db_error(cat, err, "listing tokens");
	}
	if (kind)
		cat_bind_text(st, 1, kind);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		load_row(st, &row);
		if ((stop = cb(ud, &row)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "listing tokens");
	return GRYM_OK;
}

int grym_catalog_token_revoke(grym_catalog *cat, const char *id, int64_t now, grym_error *err)
{
	static const char sql_one[] =
		"UPDATE tokens SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL";
	static const char sql_children[] =
		"UPDATE tokens SET revoked = ?2 WHERE parent = ?1 AND revoked IS NULL";
	grym_token_row row;
	sqlite3_stmt *st;
	int rc = cat_wbegin(cat, err);

	if (rc != GRYM_OK)
		return rc;
	rc = grym_catalog_token_get(cat, id, &row, err);
	if (rc == 0)
		rc = grym_error_set(err, GRYM_ERR_NOTFOUND, "token %s: no such token", id);
	else if (rc == 1)
		rc = GRYM_OK;
	for (int i = 0; i < 2 && rc == GRYM_OK; i++) {
		st = cat_prep(cat, i ? sql_children : sql_one, err);
		if (!st) {
			rc = GRYM_ERR_DB;
			break;
		}
		cat_bind_text(st, 1, id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = cat_db_error(cat, err, "revoking a token");
		cat_done(st);
	}
	return cat_wend(cat, rc, err);
}

int grym_catalog_token_touch(grym_catalog *cat, const char *id, int64_t now, grym_error *err)
{
	static const char sql[] = "UPDATE tokens SET last_used = ?2 WHERE id = ?1";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	cat_done(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "noting a token's use");
	return GRYM_OK;
}

int grym_catalog_token_count(grym_catalog *cat, const char *kind, const char *role,
			     int64_t now, int64_t *n, grym_error *err)
{
	static const char sql[] =
		"SELECT count(*) FROM tokens WHERE kind = ?1 AND (?2 IS NULL OR role = ?2)"
		" AND revoked IS NULL AND (expires IS NULL OR expires > ?3)";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	cat_bind_text(st, 1, kind);
	cat_bind_text(st, 2, role);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	cat_done(st);
	if (rc != SQLITE_ROW)
		return cat_db_error(cat, err, "counting tokens");
	return GRYM_OK;
}

int grym_catalog_token_purge_sessions(grym_catalog *cat, int64_t before, int64_t *n,
				      grym_error *err)
{
	static const char sql[] =
		"DELETE FROM tokens WHERE kind = 'session' AND (expires < ?1 OR revoked < ?1)";
	sqlite3_stmt *st = cat_prep(cat, sql, err);
	int rc;
	if (!st)
		return GRYM_ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
	rc = sqlite3_step(st);
	cat_done(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "removing old sessions");
	*n = sqlite3_changes(cat->db);
	return GRYM_OK;
}

int grym_catalog_audit_add(grym_catalog *cat, const grym_audit_row *a, grym_error *err)
{
	static const char sql[] =
		"INSERT INTO audit (time, principal, client, action, route, outcome, detail)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st;
	int rc;

	if (!a->action[0] || !a->outcome[0])
		return grym_error_set(err, GRYM_ERR_INVALID, "an audit row needs an action and an outcome");
	st = cat_prep(cat, sql, err);
	if (!st)
		return GRYM_ERR_DB;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a->time);
	bind_opt_text(st, 2, a->principal);
	bind_opt_text(st, 3, a->client);
	cat_bind_text(st, 4, a->action);
	bind_opt_text(st, 5, a->route);
	cat_bind_text(st, 6, a->outcome);
	bind_opt_text(st, 7, a->detail);
	rc = sqlite3_step(st);
	cat_done(st);
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "adding an audit row");
	return GRYM_OK;
}

int grym_catalog_audit_list(grym_catalog *cat, int64_t since, grym_audit_row_fn cb, void *ud,
			    grym_error *err)
{
	static const char sql[] =
		"SELECT seq, time, principal, client, action, route, outcome, detail FROM audit"
		" WHERE time >= ?1 ORDER BY seq";
	sqlite3_stmt *st = NULL;
	grym_audit_row a;
	int rc, stop = 0;

	if (sqlite3_prepare_v2(cat->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return cat_db_error(cat, err, "reading the audit log");
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof a);
		a.seq = sqlite3_column_int64(st, 0);
		a.time = sqlite3_column_int64(st, 1);
		copy_col(st, 2, a.principal, sizeof a.principal);
		copy_col(st, 3, a.client, sizeof a.client);
		copy_col(st, 4, a.action, sizeof a.action);
		copy_col(st, 5, a.route, sizeof a.route);
		copy_col(st, 6, a.outcome, sizeof a.outcome);
		copy_col(st, 7, a.detail, sizeof a.detail);
		if ((stop = cb(ud, &a)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return cat_db_error(cat, err, "reading the audit log");
	return GRYM_OK;
}
