/*
 * test_pathname.c — lib/core/pathname.c: UTF-8 checks and repair, base64,
 * paths in JSON ("path" + "path_b64"), unique keys and output names.
 */
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "grym/pathname.h"

static void test_utf8(void)
{
	TAP_OK(grym_utf8_valid("plain.wav", 9), "ASCII is UTF-8");
	TAP_OK(grym_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5", 14), "2, 3 and 4-byte sequences");
	TAP_OK(!grym_utf8_valid("bad\xff\xfe", 5), "0xff 0xfe are not UTF-8");
	TAP_OK(!grym_utf8_valid("\xc0\xaf", 2), "an overlong '/' is not UTF-8");
	TAP_OK(!grym_utf8_valid("\xed\xa0\x80", 3), "a surrogate is not UTF-8");
	TAP_OK(!grym_utf8_valid("\xf4\x90\x80\x80", 4), "past U+10FFFF is not UTF-8");
	TAP_OK(!grym_utf8_valid("\xe2\x82", 2), "a cut sequence is not UTF-8");

	char *r = grym_utf8_repair("bad\xff\xfe.wav", 9);
	TAP_EQ_STR(r, "bad\xef\xbf\xbd\xef\xbf\xbd.wav", "each bad byte becomes U+FFFD");
	free(r);
	r = grym_utf8_repair("caf\xc3\xa9\xe2\x82", 7);
	TAP_EQ_STR(r, "caf\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd", "valid sequences are kept, a cut one replaced");
	free(r);
}

static void test_base64(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	grym_error err = { 0 };
	for (int i = 0; i < 7; i++) {
		char *e = grym_base64_encode(plain[i], strlen(plain[i]));
		TAP_EQ_STR(e, enc[i], "RFC 4648 vector %d encodes", i);
		char *d = NULL;
		size_t n = 99;
		TAP_OK(grym_base64_decode(e, strlen(e), &d, &n, &err) == GRYM_OK && n == strlen(plain[i]) &&
		       memcmp(d, plain[i], n) == 0, "RFC 4648 vector %d decodes", i);
		free(e);
		free(d);
	}
	char *d = NULL;
	size_t n;
	TAP_EQ_INT(grym_base64_decode("Zm9", 3, &d, &n, &err), GRYM_ERR_FORMAT, "a cut base64 is refused");
	TAP_EQ_INT(grym_base64_decode("Zm=v", 4, &d, &n, &err), GRYM_ERR_FORMAT, "padding inside is refused");
	TAP_EQ_INT(grym_base64_decode("Zm9*", 4, &d, &n, &err), GRYM_ERR_FORMAT, "a foreign character is refused");
}

static void test_json_path(void)
{
	grym_error err = { 0 };
	json_t *o = json_object();
	char *p = NULL, *s;

	TAP_EQ_INT(grym_json_set_path(o, "path", "d/bad\xff\xfe.wav", &err), GRYM_OK, "set a non-UTF-8 path");
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	TAP_EQ_STR(s, "{\"path\":\"d/bad\xef\xbf\xbd\xef\xbf\xbd.wav\",\"path_b64\":\"ZC9iYWT//i53YXY=\"}",
		   "path with U+FFFD, path_b64 with the bytes, and the JSON dumps");
	free(s);
	TAP_OK(grym_json_get_path(o, "path", &p, &err) == GRYM_OK && p && strcmp(p, "d/bad\xff\xfe.wav") == 0,
	       "get gives back the exact bytes");
	free(p);
	TAP_EQ_INT(grym_json_set_path(o, "path", "a/x.wav", &err), GRYM_OK, "set a UTF-8 path");
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	TAP_EQ_STR(s, "{\"path\":\"a/x.wav\"}", "a UTF-8 path has no path_b64 (a stale one is removed)");
	free(s);
	json_object_set_new(o, "path_b64", json_string("AA=="));
	TAP_EQ_INT(grym_json_get_path(o, "path", &p, &err), GRYM_ERR_FORMAT, "a path_b64 holding a NUL is refused");
	json_object_set_new(o, "path_b64", json_integer(3));
	TAP_EQ_INT(grym_json_get_path(o, "path", &p, &err), GRYM_ERR_FORMAT, "a path_b64 that is not a string is refused");
	TAP_OK(strstr(err.msg, "path_b64") != NULL, "the message names the field: %s", err.msg);
	json_decref(o);
	o = json_object();
	TAP_OK(grym_json_get_path(o, "path", &p, &err) == GRYM_OK && p == NULL, "no path: NULL");
	json_decref(o);
}

/* The names for paths, space-separated ("(null)" for NULL). */
static char *names_of(const char *const *paths, size_t n)
{
	grym_error err = { 0 };
	char **names = grym_unique_names(paths, n, &err);
	static char buf[4096];
	size_t o = 0;
	buf[0] = '\0';
	if (!names)
		return "FAILED";
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "",
				      names[i] ? names[i] : "(null)");
	grym_names_free(names, n);
	return buf;
}

static void test_unique_names(void)
{
	const char *p1[] = { "a/x.wav", "c/y.flac", ".hidden", "dir/z" };
	TAP_EQ_STR(names_of(p1, 4), "x y .hidden z", "unique base names stay base names without extension");
	const char *p2[] = { "a/x.wav", "b/x.wav", "b/y.wav" };
	TAP_EQ_STR(names_of(p2, 3), "a/x b/x b/y", "a shared base name: paths relative to the common folder");
	const char *p3[] = { "corpus/dog/x.wav", "corpus/./cat/../cat/x.wav", NULL, "corpus/dog/../y.wav" };
	TAP_EQ_STR(names_of(p3, 4), "dog/x cat/x (null) y", "a NULL entry takes no part; .. is resolved");
	const char *p4[] = { "corpus/dog/x.wav", "corpus/./cat/../cat/x.wav", "./corpus/z.wav" };
	TAP_EQ_STR(names_of(p4, 3), "dog/x cat/x z", "lexically normal paths; a file in the common folder");
	const char *p5[] = { "a/x.wav", "a/x.flac" };
	TAP_EQ_STR(names_of(p5, 2), "x.wav x.flac", "one stem, two extensions: the extensions stay");
	const char *p6[] = { "a/x.wav", "a/x.wav", "a/x~2.wav", "a/x.wav" };
	TAP_EQ_STR(names_of(p6, 4), "x x~3 x~2 x~4",
		   "the same file named again gets ~N, never a name another holds");
	const char *p6b[] = { "a/x.wav", "a/x.flac", "a/x.wav" };
	TAP_EQ_STR(names_of(p6b, 3), "x.wav x.flac x.wav~2",
		   "extensions when they tell more apart, then ~N");
	const char *p7[] = { "d/new\nline.wav", "d/tab\there.wav", "d/bad\xff.wav", "#hash.wav" };
	TAP_EQ_STR(names_of(p7, 4), "new\xef\xbf\xbdline tab\xef\xbf\xbdhere bad\xef\xbf\xbd \xef\xbf\xbdhash",
		   "keys hold no newline, TAB, bad byte or leading #");
	const char *p8[] = { "d/bad\xff.wav", "d/bad\xfe.wav" };
	TAP_EQ_STR(names_of(p8, 2), "bad\xef\xbf\xbd bad\xef\xbf\xbd~2",
		   "names equal once repaired are still made unique");

	grym_error err = { 0 };
	char *n[] = { strdup("x"), NULL, strdup("x"), strdup("x~2") };
	TAP_EQ_INT(grym_names_dedupe(n, 4, &err), 1, "dedupe changes one name");
	TAP_EQ_STR(n[2], "x~3", "...to one no other entry holds");
	for (int i = 0; i < 4; i++)
		free(n[i]);
}

int main(void)
{
	test_utf8();
	test_base64();
	test_json_path();
	test_unique_names();
	return tap_done();
}
