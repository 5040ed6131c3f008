/*
 * catalog_auth.h — the rows grym-serve keeps about who may do what: its
 * tokens (API tokens, issued JWTs, browser sessions) and its audit log,
 * in the catalog's tables `tokens` and `audit` (schema version 3).
 *
 * A token row never holds a secret: an API token or a session keeps only
 * a keyed hash of its text (grym/serve_auth.h makes it), a JWT only its
 * id (jti). Export, import and merge carry neither table. Times are Unix
 * seconds; 0 stands for "none" (no expiry, not revoked, never used).
 *
 * Thread-safety: as every catalog call, one handle in one thread at a
 * time.
 */
#ifndef GRYM_CATALOG_AUTH_H
#define GRYM_CATALOG_AUTH_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/catalog.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRYM_TOKEN_ID_MAX 48
#define GRYM_TOKEN_NAME_MAX 128

/* One row of `tokens`. kind is "token", "jwt" or "session"; role is
 * "admin", "editor" or "viewer"; parent is the token a session was made
 * from ("" for none). The parent_* fields are filled by the lookups (the
 * parent's revocation and expiry, 0 when it has none or there is no
 * parent row) and ignored by grym_catalog_token_add. */
typedef struct grym_token_row {
	char id[GRYM_TOKEN_ID_MAX];
	char kind[12];
	char role[12];
	char name[GRYM_TOKEN_NAME_MAX];
	char parent[GRYM_TOKEN_ID_MAX];
	int64_t created, expires, revoked, last_used;
	int64_t parent_revoked, parent_expires;
} grym_token_row;

/* Add row t with the keyed hash of its secret (hash, hlen bytes; NULL
 * for a JWT, which is found by its id). GRYM_ERR_INVALID for a bad kind
 * or role (the message names it), GRYM_ERR_CONFLICT when the id or the
 * hash is already there, GRYM_ERR_DB. */
int grym_catalog_token_add(grym_catalog *cat, const grym_token_row *t,
			   const unsigned char *hash, size_t hlen, grym_error *err) GRYM_MUST_CHECK;

/* The row whose hash is hash (kinds token and session) or whose id is id
 * (any kind) into *out, with its parent's revocation and expiry. Returns
 * 1 found, 0 not found, or a negative status (GRYM_ERR_DB). Whether it
 * is usable (expired, revoked) is the caller's decision. */
int grym_catalog_token_by_hash(grym_catalog *cat, const unsigned char *hash, size_t hlen,
			       grym_token_row *out, grym_error *err) GRYM_MUST_CHECK;
int grym_catalog_token_get(grym_catalog *cat, const char *id, grym_token_row *out,
			   grym_error *err) GRYM_MUST_CHECK;

/* Every row of kind (NULL: tokens and JWTs, not sessions), oldest first,
 * to cb; a non-zero return of cb stops the walk and is returned. */
typedef int (*grym_token_row_fn)(void *ud, const grym_token_row *t);
int grym_catalog_token_list(grym_catalog *cat, const char *kind, grym_token_row_fn cb,
			    void *ud, grym_error *err) GRYM_MUST_CHECK;

/* Revoke the row id at time now, and every session made from it.
 * GRYM_ERR_NOTFOUND when there is no such row; revoking a revoked row
 * keeps its first time and succeeds. */
int grym_catalog_token_revoke(grym_catalog *cat, const char *id, int64_t now,
			      grym_error *err) GRYM_MUST_CHECK;

/* Note that id was used at now (last_used). */
int grym_catalog_token_touch(grym_catalog *cat, const char *id, int64_t now,
			     grym_error *err) GRYM_MUST_CHECK;

/* How many rows of kind with role (NULL: any) are usable at now (not
 * revoked, not expired), into *n. */
int grym_catalog_token_count(grym_catalog *cat, const char *kind, const char *role,
			     int64_t now, int64_t *n, grym_error *err) GRYM_MUST_CHECK;

/* Delete the sessions that expired or were revoked before `before`
 * (their rows serve nothing after that); *n receives how many. */
int grym_catalog_token_purge_sessions(grym_catalog *cat, int64_t before, int64_t *n,
				      grym_error *err) GRYM_MUST_CHECK;

/* One row of `audit`: seq is given by the catalog. */
typedef struct grym_audit_row {
	int64_t seq, time;
	char principal[64];
	char client[64];
	char action[32];
	char route[128];
	char outcome[32];
	char detail[256];
} grym_audit_row;

/* Append a (its seq is ignored); empty strings are stored as NULL except
 * action and outcome, which must be set (GRYM_ERR_INVALID). */
int grym_catalog_audit_add(grym_catalog *cat, const grym_audit_row *a,
			   grym_error *err) GRYM_MUST_CHECK;
/* Every audit row with time >= since, in order, to cb (as token_list). */
typedef int (*grym_audit_row_fn)(void *ud, const grym_audit_row *a);
int grym_catalog_audit_list(grym_catalog *cat, int64_t since, grym_audit_row_fn cb,
			    void *ud, grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
