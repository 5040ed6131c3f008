/*
 * test_core.c — lib/core: SHA-256, content ids, canonical recipes, errors.
 */
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "grym/error.h"
#include "grym/hash.h"

static void test_sha256(void)
{
	char hex[GRYM_ID_LEN + 1];
	grym_sha256 *h;

	/* FIPS 180-2 test vectors. */
	grym_sha256_hex("abc", 3, hex);
	TAP_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		   "sha256('abc')");
	grym_sha256_hex("", 0, hex);
	TAP_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		   "sha256('')");

	h = grym_sha256_new();
	grym_sha256_update(h, "ab", 2);
	grym_sha256_update(h, "c", 1);
	grym_sha256_final_hex(h, hex);
	TAP_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		   "incremental sha256 equals one-shot");
	grym_sha256_update(h, "abc", 3);
	grym_sha256_final_hex(h, hex);
	TAP_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		   "final resets the hasher for reuse");
	grym_sha256_free(h);
}

static void test_sha256_file(void)
{
	char path[4096], hex[GRYM_ID_LEN + 1];
	grym_error err;
	FILE *f;

	snprintf(path, sizeof path, "%s/abc", tap_tmpdir());
	f = fopen(path, "w");
	fputs("abc", f);
	fclose(f);
	TAP_EQ_INT(grym_sha256_file(path, hex, &err), GRYM_OK, "hash a file");
	TAP_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		   "file hash equals buffer hash");
	TAP_EQ_INT(grym_sha256_file("/nonexistent/x", hex, &err), GRYM_ERR_IO,
		   "missing file is an I/O error");
	TAP_OK(strstr(err.msg, "No such file") != NULL, "message says why: %s", err.msg);
}

static void test_ids(void)
{
	const char *parent = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char a[GRYM_ID_LEN + 1], b[GRYM_ID_LEN + 1], want[GRYM_ID_LEN + 1];
	json_t *r1 = json_pack("{s:s, s:f, s:i}", "stage", "normalize", "lufs", -23.0, "rate", 16000);
	json_t *r2 = json_pack("{s:i, s:f, s:s}", "rate", 16000, "lufs", -23.0, "stage", "normalize");
	json_t *r3 = json_pack("{s:s, s:f, s:i}", "stage", "normalize", "lufs", -16.0, "rate", 16000);
	grym_error err;
	char *canon, buf[512];

	canon = grym_recipe_canonical(r1);
	TAP_EQ_STR(canon, "{\"lufs\":-23.0,\"rate\":16000,\"stage\":\"normalize\"}",
		   "canonical recipe: sorted keys, compact");
	TAP_EQ_INT(grym_id_derived(parent, r1, a, &err), GRYM_OK, "derived id");
	TAP_EQ_INT(grym_id_derived(parent, r2, b, &err), GRYM_OK, "derived id, keys in another order");
	TAP_EQ_STR(a, b, "key order does not change the derived id");
	snprintf(buf, sizeof buf, "%s\n%s", parent, canon);
	grym_sha256_hex(buf, strlen(buf), want);
	TAP_EQ_STR(a, want, "derived id = sha256(parent \\n canonical recipe)");
	TAP_EQ_INT(grym_id_derived(parent, r3, b, &err), GRYM_OK, "derived id of another recipe");
	TAP_OK(strcmp(a, b) != 0, "another recipe gives another id");
	TAP_EQ_INT(grym_id_derived("abc", r1, b, &err), GRYM_ERR_INVALID, "short parent id refused");
	free(canon);
	json_decref(r1);
	json_decref(r2);
	json_decref(r3);

	TAP_OK(grym_id_is_full(parent), "full id recognised");
	TAP_OK(!grym_id_is_full("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
	       "upper-case hex is not an id");
	TAP_OK(grym_id_is_prefix("ba78"), "4-char prefix");
	TAP_OK(!grym_id_is_prefix("ba7"), "3 chars are too short for a prefix");
	TAP_OK(!grym_id_is_prefix("ba7g"), "non-hex is not a prefix");
}

static void test_errors(void)
{
	grym_error err;
	char longmsg[3000];

	grym_error_clear(&err);
	TAP_EQ_INT(err.code, GRYM_OK, "cleared error is OK");
	TAP_EQ_INT(grym_error_set(&err, GRYM_ERR_CORRUPT, "chunk %d: checksum mismatch", 2),
		   GRYM_ERR_CORRUPT, "set returns the code");
	grym_error_prefix(&err, err.code, "record %d", 3);
	TAP_EQ_STR(err.msg, "record 3: chunk 2: checksum mismatch", "prefix adds context");
	memset(longmsg, 'x', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	grym_error_set(&err, GRYM_ERR_IO, "%s", longmsg);
	grym_error_prefix(&err, err.code, "file");
	TAP_EQ_INT((long long)strlen(err.msg), GRYM_ERROR_MSG_MAX - 1, "long messages truncate safely");
	TAP_EQ_INT(grym_error_set(NULL, GRYM_ERR_IO, "ignored"), GRYM_ERR_IO, "NULL error is allowed");
	TAP_EQ_INT(grym_error_prefix(NULL, GRYM_ERR_CORRUPT, "record %d", 3), GRYM_ERR_CORRUPT,
		   "prefix with no error keeps the failure's status (it was 'internal')");
	TAP_EQ_INT(grym_error_prefix(&err, GRYM_ERR_NOTFOUND, "x"), GRYM_ERR_NOTFOUND,
		   "prefix returns the status it is given");
	TAP_EQ_STR(grym_status_str(GRYM_ERR_CORRUPT), "corrupt data", "status names");
}

int main(void)
{
	tap_plan(29);
	test_sha256();
	test_sha256_file();
	test_ids();
	test_errors();
	return tap_done();
}
