/* test_serve_auth.c — grym-serve's credentials (grym/serve_auth.h): token
 * text, keyed hashes, keys on disk, every case of JWT checking, and the
 * token rows (grym/catalog_auth.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jwt.h>
#include <sodium.h>

#include "tap.h"
#include "grym/grym.h"

static unsigned char key[GRYM_SERVE_KEY_LEN], other[GRYM_SERVE_KEY_LEN];

/* A JWT made with libjwt directly, for the cases grym never issues. */
static char *forge(jwt_alg_t alg, const unsigned char *k, int klen, const char *jti,
		   const char *role, long iat, long nbf, long exp)
{
	jwt_t *j = NULL;
	char *s;
	if (jwt_new(&j))
		return NULL;
	if (jti)
		jwt_add_grant(j, "jti", jti);
	if (role)
		jwt_add_grant(j, "role", role);
	if (iat)
		jwt_add_grant_int(j, "iat", iat);
	if (nbf)
		jwt_add_grant_int(j, "nbf", nbf);
	if (exp)
		jwt_add_grant_int(j, "exp", exp);
	jwt_set_alg(j, alg, k, klen);
	s = jwt_encode_str(j);
	jwt_free(j);
	return s;
}

/* "alg": "none" by hand: header and claims in base64url, no signature. */
static char *alg_none(long exp)
{
	char claims[200], h64[200], c64[400], *out = malloc(700);
	const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	snprintf(claims, sizeof claims, "{\"jti\":\"j1\",\"role\":\"admin\",\"exp\":%ld}", exp);
	sodium_bin2base64(h64, sizeof h64, (const unsigned char *)hdr, strlen(hdr),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(c64, sizeof c64, (const unsigned char *)claims, strlen(claims),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(out, 700, "%s.%s.", h64, c64);
	return out;
}

static void jwt_table(void)
{
	long now = (long)time(NULL);
	char *none = alg_none(now + 3600);
	char *valid = forge(JWT_ALG_HS256, key, sizeof key, "j1", "editor", now, now, now + 3600);
	char *tampered = valid ? strdup(valid) : NULL;
	if (tampered) {
		/* flip the signature's last character */
		size_t n = strlen(tampered);
		tampered[n - 1] = tampered[n - 1] == 'A' ? 'B' : 'A';
	}
	struct {
		const char *what;
		char *tok;
		int ok;
		const char *why;        /* a word of the message when refused */
	} cases[] = {
		{ "valid", valid, 1, NULL },
		{ "alg none", none, 0, "signature" },
		{ "wrong key", forge(JWT_ALG_HS256, other, sizeof other, "j1", "editor", now, now, now + 3600), 0, "signature" },
		{ "tampered signature", tampered, 0, "signature" },
		{ "HS384 with the right key", forge(JWT_ALG_HS384, key, sizeof key, "j1", "editor", now, now, now + 3600), 0, "algorithm" },
		{ "expired 31 s ago", forge(JWT_ALG_HS256, key, sizeof key, "j1", "editor", now - 100, now - 100, now - 31), 0, "expired" },
		{ "expired 29 s ago (leeway)", forge(JWT_ALG_HS256, key, sizeof key, "j1", "editor", now - 100, now - 100, now - 29), 1, NULL },
		{ "nbf 31 s ahead", forge(JWT_ALG_HS256, key, sizeof key, "j1", "editor", now, now + 31, now + 3600), 0, "not yet" },
		{ "nbf 29 s ahead (leeway)", forge(JWT_ALG_HS256, key, sizeof key, "j1", "editor", now, now + 29, now + 3600), 1, NULL },
		{ "no exp", forge(JWT_ALG_HS256, key, sizeof key, "j1", "editor", now, now, 0), 0, "no exp" },
		{ "no jti", forge(JWT_ALG_HS256, key, sizeof key, NULL, "editor", now, now, now + 3600), 0, "jti" },
		{ "bad role", forge(JWT_ALG_HS256, key, sizeof key, "j1", "root", now, now, now + 3600), 0, "role" },
		{ "malformed: one part", strdup("garbage"), 0, "malformed" },
		{ "malformed: three bad parts", strdup("a.b.c"), 0, "signature" },
		{ "malformed: empty", strdup(""), 0, "malformed" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		grym_serve_jwt_claims c;
		grym_error err = { 0 };
		int rc;
		if (!cases[i].tok) {
			TAP_OK(0, "JWT %s: could not make the token", cases[i].what);
			continue;
		}
		rc = grym_serve_jwt_verify(key, cases[i].tok, now, GRYM_SERVE_JWT_LEEWAY, &c, &err);
		if (cases[i].ok)
			TAP_OK(rc == GRYM_OK && !strcmp(c.jti, "j1") && !strcmp(c.role, "editor"),
			       "JWT %s: accepted (%s)", cases[i].what, err.msg);
		else
			TAP_OK(rc == GRYM_ERR_INVALID && strstr(err.msg, cases[i].why),
			       "JWT %s: refused for '%s' (%s)", cases[i].what, cases[i].why, err.msg);
		free(cases[i].tok);
	}
}

static void issued_jwt(grym_catalog *cat)
{
	int64_t now = (int64_t)time(NULL);
	char *secret = NULL;
	grym_token_row row, got;
	grym_serve_jwt_claims c;
	grym_error err = { 0 };

	TAP_EQ_INT(grym_serve_token_issue(cat, other, key, 1, "viewer", "ci", 0, now, &secret, &row,
					  &err),
		   GRYM_ERR_INVALID, "a JWT without expiry is refused");
	free(secret);
	TAP_SETUP(grym_serve_token_issue(cat, other, key, 1, "viewer", "ci", now + 60, now, &secret,
					 &row, &err));
	TAP_OK(secret && grym_serve_jwt_verify(key, secret, now, 30, &c, &err) == GRYM_OK,
	       "an issued JWT verifies (%s)", err.msg);
	TAP_EQ_STR(c.jti, row.id, "its jti is the row's id");
	TAP_EQ_INT(c.exp, now + 60, "its exp");
	TAP_EQ_INT(grym_catalog_token_get(cat, c.jti, &got, &err), 1, "its row is there");
	TAP_EQ_INT(got.revoked, 0, "not revoked");
	TAP_SETUP(grym_catalog_token_revoke(cat, c.jti, now, &err));
	TAP_EQ_INT(grym_catalog_token_get(cat, c.jti, &got, &err), 1, "still there");
	TAP_EQ_INT(got.revoked, now, "revoked jti: the row says so (the server refuses it)");
	free(secret);
}

static void tokens(grym_catalog *cat)
{
	int64_t now = (int64_t)time(NULL), n = -1;
	char *secret = NULL;
	grym_token_row row, got, sess;
	unsigned char h[GRYM_SERVE_HASH_LEN];
	grym_error err = { 0 };

	TAP_SETUP(grym_serve_token_issue(cat, key, other, 0, "editor", "laptop", 0, now, &secret,
					 &row, &err));
	TAP_OK(secret && !strncmp(secret, "grym_", 5) && strlen(secret) == 37,
	       "an API token is grym_ and 32 characters");
	grym_serve_hash(key, "token", secret, h);
	TAP_EQ_INT(grym_catalog_token_by_hash(cat, h, sizeof h, &got, &err), 1, "found by its hash");
	TAP_EQ_STR(got.role, "editor", "with its role");
	TAP_EQ_STR(got.name, "laptop", "and name");
	grym_serve_hash(other, "token", secret, h);
	TAP_EQ_INT(grym_catalog_token_by_hash(cat, h, sizeof h, &got, &err), 0,
		   "not found by a hash under another key");
	TAP_EQ_INT(grym_catalog_token_count(cat, "token", "editor", now, &n, &err), GRYM_OK, "count");
	TAP_EQ_INT(n, 1, "one usable editor token");
	/* a session made from it ends with it */
	memset(&sess, 0, sizeof sess);
	snprintf(sess.id, sizeof sess.id, "s1");
	snprintf(sess.kind, sizeof sess.kind, "session");
	snprintf(sess.role, sizeof sess.role, "editor");
	snprintf(sess.parent, sizeof sess.parent, "%s", row.id);
	sess.created = now;
	grym_serve_hash(key, "session", "cookie-secret", h);
	TAP_SETUP(grym_catalog_token_add(cat, &sess, h, sizeof h, &err));
	TAP_EQ_INT(grym_catalog_token_add(cat, &sess, h, sizeof h, &err), GRYM_ERR_CONFLICT,
		   "the same row twice is a conflict");
	TAP_SETUP(grym_catalog_token_revoke(cat, row.id, now, &err));
	TAP_EQ_INT(grym_catalog_token_by_hash(cat, h, sizeof h, &got, &err), 1, "the session row");
	TAP_EQ_INT(got.revoked, now, "revoking a token revokes its sessions");
	TAP_EQ_INT(got.parent_revoked, now, "and the lookup sees the parent revoked");
	TAP_EQ_INT(grym_catalog_token_purge_sessions(cat, now, &n, &err), GRYM_OK, "purge");
	TAP_EQ_INT(n, 0, "a session revoked at now is kept by a purge before now");
	TAP_SETUP(grym_catalog_token_purge_sessions(cat, now + 1, &n, &err));
	TAP_EQ_INT(n, 1, "and removed by a purge after it");
	TAP_EQ_INT(grym_catalog_token_by_hash(cat, h, sizeof h, &got, &err), 0, "gone");
	TAP_EQ_INT(grym_catalog_token_revoke(cat, "t-none", now, &err), GRYM_ERR_NOTFOUND,
		   "revoking an unknown id: not found");
	TAP_EQ_INT(grym_catalog_token_count(cat, "token", "editor", now, &n, &err), GRYM_OK, "count");
	TAP_EQ_INT(n, 0, "no usable editor token left");
	free(secret);
}

static void keys(const char *dir)
{
	unsigned char k1[GRYM_SERVE_KEY_LEN], k2[GRYM_SERVE_KEY_LEN];
	char path[4200];
	struct stat sb;
	grym_error err = { 0 };
	FILE *f;

	TAP_EQ_INT(grym_serve_key_load(dir, "jwt.key", k1, &err), GRYM_OK, "a key is made");
	snprintf(path, sizeof path, "%s/serve/jwt.key", dir);
	TAP_OK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "with mode 0600");
	TAP_EQ_INT(grym_serve_key_load(dir, "jwt.key", k2, &err), GRYM_OK, "and read back");
	TAP_OK(!memcmp(k1, k2, sizeof k1), "the same key");
	chmod(path, 0644);
	TAP_EQ_INT(grym_serve_key_load(dir, "jwt.key", k2, &err), GRYM_ERR_INVALID,
		   "a key readable by others is refused");
	snprintf(path, sizeof path, "%s/serve/short.key", dir);
	f = fopen(path, "w");
	if (f) {
		fputs("short", f);
		fclose(f);
	}
	chmod(path, 0600);
	TAP_EQ_INT(grym_serve_key_load(dir, "short.key", k2, &err), GRYM_ERR_CORRUPT,
		   "a key of the wrong size is refused");
}

static void texts(void)
{
	char a[GRYM_SERVE_TOKEN_TEXT_MAX], b[GRYM_SERVE_TOKEN_TEXT_MAX];
	unsigned char h1[GRYM_SERVE_HASH_LEN], h2[GRYM_SERVE_HASH_LEN];
	int64_t secs = 0;
	grym_error err = { 0 };

	TAP_SETUP(grym_serve_secret_new("grym_", a, sizeof a, &err));
	TAP_SETUP(grym_serve_secret_new("grym_", b, sizeof b, &err));
	TAP_OK(strcmp(a, b) != 0, "two secrets differ");
	TAP_EQ_INT(strspn(a + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		   32, "base64url: 32 characters for 192 bits");
	TAP_EQ_INT(grym_serve_secret_new("grym_", a, 20, &err), GRYM_ERR_INVALID, "no room: refused");
	grym_serve_hash(key, "token", "x", h1);
	grym_serve_hash(key, "csrf", "x", h2);
	TAP_OK(memcmp(h1, h2, sizeof h1) != 0, "the context changes the hash");
	grym_serve_hash(key, "token", "x", h2);
	TAP_OK(memcmp(h1, h2, sizeof h1) == 0, "the same input, the same hash");
	TAP_EQ_INT(grym_serve_equal("abc", "abc"), 1, "equal strings");
	TAP_EQ_INT(grym_serve_equal("abc", "abd"), 0, "different strings");
	TAP_EQ_INT(grym_serve_equal("abc", "abcd"), 0, "different lengths");
	TAP_EQ_INT(grym_serve_parse_duration("90", &secs, &err), GRYM_OK, "90");
	TAP_EQ_INT(secs, 90, "90 s");
	TAP_SETUP(grym_serve_parse_duration("12h", &secs, &err));
	TAP_EQ_INT(secs, 43200, "12h");
	TAP_SETUP(grym_serve_parse_duration("2w", &secs, &err));
	TAP_EQ_INT(secs, 1209600, "2w");
	TAP_EQ_INT(grym_serve_parse_duration("0", &secs, &err), GRYM_ERR_INVALID, "0 refused");
	TAP_EQ_INT(grym_serve_parse_duration("5x", &secs, &err), GRYM_ERR_INVALID, "5x refused");
	TAP_EQ_INT(grym_serve_parse_duration("-1h", &secs, &err), GRYM_ERR_INVALID, "-1h refused");
	TAP_EQ_INT(grym_serve_parse_duration("11000d", &secs, &err), GRYM_ERR_INVALID,
		   "over 10 years refused");
	TAP_EQ_INT(grym_serve_role_rank("admin") > grym_serve_role_rank("editor") &&
			   grym_serve_role_rank("editor") > grym_serve_role_rank("viewer") &&
			   grym_serve_role_rank("viewer") > 0 && grym_serve_role_rank("root") == 0,
		   1, "roles rank admin > editor > viewer; others 0");
}

int main(void)
{
	grym_error err = { 0 };
	char dir[4096];
	grym_catalog *cat;

	tap_plan(65);
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(key, sizeof key);
	randombytes_buf(other, sizeof other);
	texts();
	jwt_table();
	snprintf(dir, sizeof dir, "%s/cat", tap_tmpdir());
	cat = grym_catalog_open(dir, &err);
	TAP_OK(cat != NULL, "a catalog (%s)", err.msg);
	if (cat) {
		tokens(cat);
		issued_jwt(cat);
		grym_catalog_close(cat);
	}
	keys(dir);
	return tap_done();
}
