/*
 * serve_auth.h — grym-serve's credentials: the server's keys, API tokens
 * and their keyed hashes, HS256 JWTs, and issuing either into the
 * catalog's tokens table (grym/catalog_auth.h).
 *
 * An API token is "grym_" and 32 base64url characters: 192 random bits
 * from libsodium's randombytes_buf. The catalog keeps only its keyed
 * BLAKE2b hash (crypto_generichash with the server's token key, a fast
 * hash on purpose: a slow password hash would cap the request rate, and
 * 192 random bits need no stretching). A JWT is HS256 (libjwt) signed
 * with the server's JWT key; its jti is the row's id, so it can be
 * revoked. Both keys are 256 random bits in CATALOG/serve/ (a folder of
 * mode 0700, files of mode 0600, made on first use), which export, import
 * and merge never carry.
 *
 * Every function is thread-safe (libsodium is initialised on first use).
 */
#ifndef GRYM_SERVE_AUTH_H
#define GRYM_SERVE_AUTH_H
#pragma GCC visibility push(default)

#include <stddef.h>
#include <stdint.h>
#include "grym/catalog.h"
#include "grym/catalog_auth.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GRYM_SERVE_KEY_LEN 32           /* bytes of a key (256 bits) */
#define GRYM_SERVE_HASH_LEN 32          /* bytes of a token's keyed hash */
#define GRYM_SERVE_TOKEN_BYTES 24       /* random bytes of a token (192 bits) */
#define GRYM_SERVE_TOKEN_TEXT_MAX 64    /* room for a token's text and NUL */
#define GRYM_SERVE_JWT_LEEWAY 30        /* seconds allowed on exp and nbf */

/* The key in CATALOG/serve/NAME ("token.key", "jwt.key"): read it, or
 * make it (random, mode 0600, written atomically) when there is none.
 * A key file of the wrong size, or readable by others than its owner, is
 * refused (GRYM_ERR_CORRUPT / GRYM_ERR_INVALID naming the file);
 * GRYM_ERR_IO when the folder or file cannot be made or read. */
int grym_serve_key_load(const char *catalog_dir, const char *name,
			unsigned char key[GRYM_SERVE_KEY_LEN], grym_error *err) GRYM_MUST_CHECK;

/* A new random secret as text: prefix (e.g. "grym_") then the base64url
 * form (no padding) of GRYM_SERVE_TOKEN_BYTES random bytes, into text
 * (len >= GRYM_SERVE_TOKEN_TEXT_MAX). GRYM_ERR_INVALID when it does not
 * fit, GRYM_ERR_INTERNAL when libsodium cannot start. */
int grym_serve_secret_new(const char *prefix, char *text, size_t len,
			  grym_error *err) GRYM_MUST_CHECK;

/* A new id for a token row: prefix and 16 hex characters (64 random
 * bits), into id (GRYM_TOKEN_ID_MAX). */
int grym_serve_id_new(const char *prefix, char id[GRYM_TOKEN_ID_MAX],
		      grym_error *err) GRYM_MUST_CHECK;

/* The keyed hash of text (a token, a session secret) with key, into out
 * (GRYM_SERVE_HASH_LEN bytes). ctx separates uses (the same secret gives
 * unrelated hashes for "token" and "csrf"). */
void grym_serve_hash(const unsigned char key[GRYM_SERVE_KEY_LEN], const char *ctx,
		     const char *text, unsigned char out[GRYM_SERVE_HASH_LEN]);

/* Compare two strings in time independent of where they differ (their
 * lengths are not secret): 1 equal, 0 not. */
int grym_serve_equal(const char *a, const char *b);

/* The claims grym checks in a JWT. */
typedef struct grym_serve_jwt_claims {
	char jti[GRYM_TOKEN_ID_MAX];
	char role[12];
	int64_t iat, nbf, exp;
} grym_serve_jwt_claims;

/* An HS256 JWT with claims jti, role, iat, nbf = iat and exp, signed
 * with key: *out is allocated (the caller frees it). GRYM_ERR_INVALID for
 * an empty jti, a bad role or exp <= iat; GRYM_ERR_NOMEM. */
int grym_serve_jwt_issue(const unsigned char key[GRYM_SERVE_KEY_LEN],
			 const grym_serve_jwt_claims *c, char **out, grym_error *err) GRYM_MUST_CHECK;

/* Check token as a JWT signed with key at time now: the signature
 * (libjwt's jwt_decode with the key: a wrong key or alg "none" fails),
 * the algorithm (HS256 only), exp present and now <= exp + leeway, nbf
 * (when present) <= now + leeway, and the jti and role claims present.
 * Fills *c on success. GRYM_ERR_INVALID with a message saying which test
 * failed ("malformed", "bad signature", "algorithm", "expired", "not yet
 * valid", "no jti"). Whether the jti is revoked is the catalog's (see
 * grym/catalog_auth.h). */
int grym_serve_jwt_verify(const unsigned char key[GRYM_SERVE_KEY_LEN], const char *token,
			  int64_t now, int64_t leeway, grym_serve_jwt_claims *c,
			  grym_error *err) GRYM_MUST_CHECK;

/* A duration as "90", "90s", "15m", "12h", "30d" or "2w" in seconds
 * (from 1 s to 10 years), into *secs; GRYM_ERR_INVALID naming text. */
int grym_serve_parse_duration(const char *text, int64_t *secs, grym_error *err) GRYM_MUST_CHECK;

/* Issue a credential into cat's tokens table at time now: an API token
 * (jwt 0: a random token whose keyed hash under token_key is stored) or
 * a JWT (jwt 1: signed with jwt_key, its jti the row's id; a JWT must
 * expire). role "admin", "editor" or "viewer"; name may be NULL; expires
 * 0 for never (tokens only). *secret receives the text the holder sends
 * (allocated; shown once, never stored) and row the row written.
 * GRYM_ERR_INVALID for a bad role or a JWT without expiry; catalog
 * errors. */
int grym_serve_token_issue(grym_catalog *cat, const unsigned char token_key[GRYM_SERVE_KEY_LEN],
			   const unsigned char jwt_key[GRYM_SERVE_KEY_LEN], int jwt,
			   const char *role, const char *name, int64_t expires, int64_t now,
			   char **secret, grym_token_row *row, grym_error *err) GRYM_MUST_CHECK;

/* The rank of a role: viewer 1, editor 2, admin 3; 0 for anything else. */
int grym_serve_role_rank(const char *role);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
