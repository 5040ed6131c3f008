/*
 * auth.c — keys, API tokens, keyed hashes and HS256 JWTs (grym/serve_auth.h).
 *
 * Nothing here is cryptography of its own: random bytes, BLAKE2b and
 * constant-time compares are libsodium's, JWT signing and checking
 * libjwt's. What grym adds is the policy libjwt 1.10 leaves to its
 * caller: pin the algorithm, require exp, honour nbf, with a leeway.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jwt.h>
#include <sodium.h>

#include "grym/serve_auth.h"

static int sodium_ready(grym_error *err)
{
	/* sodium_init is thread-safe and returns 1 once it has run */
	if (sodium_init() < 0)
		return grym_error_set(err, GRYM_ERR_INTERNAL, "libsodium cannot start");
	return GRYM_OK;
}

int grym_serve_role_rank(const char *role)
{
	if (!role)
		return 0;
	if (!strcmp(role, "viewer"))
		return 1;
	if (!strcmp(role, "editor"))
		return 2;
	if (!strcmp(role, "admin"))
		return 3;
	return 0;
}

/* ---- keys ---- */

static int read_key(const char *path, unsigned char key[GRYM_SERVE_KEY_LEN], grym_error *err)
{
	struct stat sb;
	unsigned char buf[GRYM_SERVE_KEY_LEN + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? GRYM_ERR_NOTFOUND
				       : grym_error_set(err, GRYM_ERR_IO, "%s: %s", path,
							strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: not a regular file", path);
	}
	if (sb.st_mode & 077) {
		close(fd);
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "%s: readable by others (mode %03o): chmod 600 it",
				      path, (unsigned)(sb.st_mode & 0777));
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n != GRYM_SERVE_KEY_LEN) {
		sodium_memzero(buf, sizeof buf);
		return grym_error_set(err, GRYM_ERR_CORRUPT, "%s: %zd bytes, a key has %d", path,
				      n, GRYM_SERVE_KEY_LEN);
	}
	memcpy(key, buf, GRYM_SERVE_KEY_LEN);
	sodium_memzero(buf, sizeof buf);
	return GRYM_OK;
}

/* Write a new key under a temporary name and link it in place: link
 * never replaces, so of two processes making the key at once one wins
 * and the other reads the winner's. */
static int make_key(const char *dir, const char *path, grym_error *err)
{
	unsigned char key[GRYM_SERVE_KEY_LEN];
	char tmp[PATH_MAX];
	int fd, rc = GRYM_OK;

	if (snprintf(tmp, sizeof tmp, "%s/.key.%ld.tmp", dir, (long)getpid()) >= (int)sizeof tmp)
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: name too long", dir);
	randombytes_buf(key, sizeof key);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (write(fd, key, sizeof key) != (ssize_t)sizeof key || fsync(fd) != 0)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == GRYM_OK)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s: %s", tmp, strerror(errno));
	sodium_memzero(key, sizeof key);
	if (rc == GRYM_OK && link(tmp, path) != 0 && errno != EEXIST)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s: %s", path, strerror(errno));
	unlink(tmp);
	return rc;
}

int grym_serve_key_load(const char *catalog_dir, const char *name,
			unsigned char key[GRYM_SERVE_KEY_LEN], grym_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat sb;
	int rc;

	if ((rc = sodium_ready(err)) != GRYM_OK)
		return rc;
	if (snprintf(dir, sizeof dir, "%s/serve", catalog_dir) >= (int)sizeof dir ||
	    snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: name too long", catalog_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return grym_error_set(err, GRYM_ERR_IO, "%s: %s", dir, strerror(errno));
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return grym_error_set(err, GRYM_ERR_INVALID, "%s: not a folder", dir);
	rc = read_key(path, key, err);
	if (rc != GRYM_ERR_NOTFOUND)
		return rc;
	if ((rc = make_key(dir, path, err)) != GRYM_OK)
		return rc;
	rc = read_key(path, key, err);
	if (rc == GRYM_ERR_NOTFOUND)
		rc = grym_error_set(err, GRYM_ERR_IO, "%s: vanished after it was made", path);
	return rc;
}

/* ---- secrets, ids, hashes ---- */

int grym_serve_secret_new(const char *prefix, char *text, size_t len, grym_error *err)
{
	unsigned char raw[GRYM_SERVE_TOKEN_BYTES];
	size_t plen = strlen(prefix);
	size_t b64 = sodium_base64_ENCODED_LEN(sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	int rc;

	if ((rc = sodium_ready(err)) != GRYM_OK)
		return rc;
	if (plen + b64 > len)
		return grym_error_set(err, GRYM_ERR_INVALID, "no room for a secret");
	randombytes_buf(raw, sizeof raw);
	memcpy(text, prefix, plen);
	sodium_bin2base64(text + plen, len - plen, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	return GRYM_OK;
}

int grym_serve_id_new(const char *prefix, char id[GRYM_TOKEN_ID_MAX], grym_error *err)
{
	unsigned char raw[8];
	char hex[2 * sizeof raw + 1];
	int rc;

	if ((rc = sodium_ready(err)) != GRYM_OK)
		return rc;
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
	if (snprintf(id, GRYM_TOKEN_ID_MAX, "%s%s", prefix, hex) >= GRYM_TOKEN_ID_MAX)
		return grym_error_set(err, GRYM_ERR_INVALID, "id prefix too long");
	return GRYM_OK;
}

void grym_serve_hash(const unsigned char key[GRYM_SERVE_KEY_LEN], const char *ctx,
		     const char *text, unsigned char out[GRYM_SERVE_HASH_LEN])
{
	crypto_generichash_state st;
	/* the context and a NUL first, so ("ab","c") and ("a","bc") differ */
	crypto_generichash_init(&st, key, GRYM_SERVE_KEY_LEN, GRYM_SERVE_HASH_LEN);
	crypto_generichash_update(&st, (const unsigned char *)ctx, strlen(ctx) + 1);
	crypto_generichash_update(&st, (const unsigned char *)text, strlen(text));
	crypto_generichash_final(&st, out, GRYM_SERVE_HASH_LEN);
}

int grym_serve_equal(const char *a, const char *b)
{
	size_t n = strlen(a);
	if (n != strlen(b))
		return 0;
	return n == 0 || sodium_memcmp(a, b, n) == 0;
}

/* ---- JWT ---- */

int grym_serve_jwt_issue(const unsigned char key[GRYM_SERVE_KEY_LEN],
			 const grym_serve_jwt_claims *c, char **out, grym_error *err)
{
	jwt_t *j = NULL;
	char *s;

	*out = NULL;
	if (!c->jti[0] || !grym_serve_role_rank(c->role) || c->exp <= c->iat)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "a JWT needs a jti, a role and an expiry after its start");
	if (jwt_new(&j) != 0)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	if (jwt_add_grant(j, "jti", c->jti) || jwt_add_grant(j, "role", c->role) ||
	    jwt_add_grant(j, "iss", "grym-serve") ||
	    jwt_add_grant_int(j, "iat", (long)c->iat) || jwt_add_grant_int(j, "nbf", (long)c->iat) ||
	    jwt_add_grant_int(j, "exp", (long)c->exp) ||
	    jwt_set_alg(j, JWT_ALG_HS256, key, GRYM_SERVE_KEY_LEN)) {
		jwt_free(j);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory making a JWT");
	}
	s = jwt_encode_str(j);
	jwt_free(j);
	if (!s)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory signing a JWT");
	*out = s;
	return GRYM_OK;
}

/* An integer claim: 1 present (*v set), 0 absent. */
static int int_claim(jwt_t *j, const char *name, int64_t *v)
{
	long x;
	errno = 0;
	x = jwt_get_grant_int(j, name);
	if (errno == ENOENT)
		return 0;
	*v = x;
	return 1;
}

int grym_serve_jwt_verify(const unsigned char key[GRYM_SERVE_KEY_LEN], const char *token,
			  int64_t now, int64_t leeway, grym_serve_jwt_claims *c,
			  grym_error *err)
{
	jwt_t *j = NULL;
	const char *s;
	int rc = GRYM_OK, dots = 0;

	memset(c, 0, sizeof *c);
	for (const char *p = token; *p; p++)
		dots += *p == '.';
	if (dots != 2 || strlen(token) > 8192)
		return grym_error_set(err, GRYM_ERR_INVALID, "JWT: malformed");
	/* with a key, jwt_decode checks the signature and refuses alg none */
	if (jwt_decode(&j, token, key, GRYM_SERVE_KEY_LEN) != 0 || !j)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "JWT: bad signature, algorithm or encoding");
	if (jwt_get_alg(j) != JWT_ALG_HS256)
		rc = grym_error_set(err, GRYM_ERR_INVALID, "JWT: algorithm is not HS256");
	else if (!int_claim(j, "exp", &c->exp))
		rc = grym_error_set(err, GRYM_ERR_INVALID, "JWT: no exp");
	else if (now > c->exp + leeway)
		rc = grym_error_set(err, GRYM_ERR_INVALID, "JWT: expired");
	else if (int_claim(j, "nbf", &c->nbf) && c->nbf > now + leeway)
		rc = grym_error_set(err, GRYM_ERR_INVALID, "JWT: not yet valid");
	if (rc == GRYM_OK) {
		(void)int_claim(j, "iat", &c->iat);
		s = jwt_get_grant(j, "jti");
		if (!s || !*s || strlen(s) >= sizeof c->jti)
			rc = grym_error_set(err, GRYM_ERR_INVALID, "JWT: no jti");
		else
			snprintf(c->jti, sizeof c->jti, "%s", s);
	}
	if (rc == GRYM_OK) {
		s = jwt_get_grant(j, "role");
		if (!grym_serve_role_rank(s))
			rc = grym_error_set(err, GRYM_ERR_INVALID, "JWT: no role");
		else
			snprintf(c->role, sizeof c->role, "%s", s);
	}
	jwt_free(j);
	return rc;
}

/* ---- durations and issuing ---- */

int grym_serve_parse_duration(const char *text, int64_t *secs, grym_error *err)
{
	char *end;
	long long v;
	int64_t unit = 1;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (end == text || errno || v <= 0)
		goto bad;
	if (*end) {
		switch (*end) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		default: goto bad;
		}
		if (end[1])
			goto bad;
	}
	if (v > 10LL * 366 * 86400 / unit)
		goto bad;
	*secs = (int64_t)v * unit;
	return GRYM_OK;
bad:
	return grym_error_set(err, GRYM_ERR_INVALID,
			      "'%s' is not a duration (e.g. 90s, 15m, 12h, 30d, 2w; at most 10 years)",
			      text);
}

int grym_serve_token_issue(grym_catalog *cat, const unsigned char token_key[GRYM_SERVE_KEY_LEN],
			   const unsigned char jwt_key[GRYM_SERVE_KEY_LEN], int jwt,
			   const char *role, const char *name, int64_t expires, int64_t now,
			   char **secret, grym_token_row *row, grym_error *err)
{
	unsigned char hash[GRYM_SERVE_HASH_LEN];
	char text[GRYM_SERVE_TOKEN_TEXT_MAX];
	int rc;

	*secret = NULL;
	memset(row, 0, sizeof *row);
	if (!grym_serve_role_rank(role))
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "role '%s' is not admin, editor or viewer", role ? role : "");
	if (jwt && expires <= now)
		return grym_error_set(err, GRYM_ERR_INVALID, "a JWT must expire (give --expires)");
	if ((rc = grym_serve_id_new(jwt ? "j" : "t", row->id, err)) != GRYM_OK)
		return rc;
	snprintf(row->kind, sizeof row->kind, "%s", jwt ? "jwt" : "token");
	snprintf(row->role, sizeof row->role, "%s", role);
	snprintf(row->name, sizeof row->name, "%s", name ? name : "");
	row->created = now;
	row->expires = expires;
	if (jwt) {
		grym_serve_jwt_claims c = { .iat = now, .nbf = now, .exp = expires };
		snprintf(c.jti, sizeof c.jti, "%s", row->id);
		snprintf(c.role, sizeof c.role, "%s", role);
		if ((rc = grym_catalog_token_add(cat, row, NULL, 0, err)) != GRYM_OK)
			return rc;
		return grym_serve_jwt_issue(jwt_key, &c, secret, err);
	}
	if ((rc = grym_serve_secret_new("grym_", text, sizeof text, err)) != GRYM_OK)
		return rc;
	grym_serve_hash(token_key, "token", text, hash);
	if ((rc = grym_catalog_token_add(cat, row, hash, sizeof hash, err)) != GRYM_OK) {
		sodium_memzero(text, sizeof text);
		return rc;
	}
	*secret = strdup(text);
	sodium_memzero(text, sizeof text);
	if (!*secret)
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	return GRYM_OK;
}
