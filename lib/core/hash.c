/*
 * hash.c — SHA-256 (OpenSSL EVP) and grym's content ids (see grym/hash.h).
 */
#include "grym/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

struct grym_sha256 {
	EVP_MD_CTX *ctx;
};

grym_sha256 *grym_sha256_new(void)
{
	grym_sha256 *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		grym_sha256_free(h);
		return NULL;
	}
	return h;
}

void grym_sha256_update(grym_sha256 *h, const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(h->ctx, data, len);
}

static void to_hex(const unsigned char *md, unsigned n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	for (unsigned i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

void grym_sha256_final_hex(grym_sha256 *h, char hex[GRYM_ID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_DigestFinal_ex(h->ctx, md, &n);
	to_hex(md, n, hex);
	EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void grym_sha256_free(grym_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void grym_sha256_hex(const void *data, size_t len, char hex[GRYM_ID_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	to_hex(md, n, hex);
}

int grym_sha256_file(const char *path, char hex[GRYM_ID_LEN + 1], grym_error *err)
{
	unsigned char buf[1 << 16];
	grym_sha256 *h;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return grym_error_set(err, GRYM_ERR_IO, "%s", strerror(errno));
	h = grym_sha256_new();
	if (!h) {
		close(fd);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			grym_sha256_free(h);
			close(fd);
			return grym_error_set(err, GRYM_ERR_IO, "read: %s", strerror(e));
		}
		if (n == 0)
			break;
		grym_sha256_update(h, buf, (size_t)n);
	}
	close(fd);
	grym_sha256_final_hex(h, hex);
	grym_sha256_free(h);
	return GRYM_OK;
}

char *grym_recipe_canonical(const json_t *recipe)
{
	/* Sorted keys and compact separators make the text a function of the
	 * recipe's content alone; 17 significant digits round-trip doubles. */
	return json_dumps(recipe, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
				  JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);
}

int grym_id_derived(const char *parent_id, const json_t *recipe,
		    char hex[GRYM_ID_LEN + 1], grym_error *err)
{
	grym_sha256 *h;
	char *canon;

	if (!grym_id_is_full(parent_id))
		return grym_error_set(err, GRYM_ERR_INVALID, "'%s' is not a full id", parent_id);
	canon = grym_recipe_canonical(recipe);
	if (!canon)
		return grym_error_set(err, GRYM_ERR_INVALID, "recipe is not valid JSON");
	h = grym_sha256_new();
	if (!h) {
		free(canon);
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
	}
	grym_sha256_update(h, parent_id, GRYM_ID_LEN);
	grym_sha256_update(h, "\n", 1);
	grym_sha256_update(h, canon, strlen(canon));
	grym_sha256_final_hex(h, hex);
	grym_sha256_free(h);
	free(canon);
	return GRYM_OK;
}

static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int grym_id_is_full(const char *s)
{
	return s && strlen(s) == GRYM_ID_LEN && is_lower_hex(s, GRYM_ID_LEN);
}

int grym_id_is_prefix(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 4 && n <= GRYM_ID_LEN && is_lower_hex(s, n);
}
