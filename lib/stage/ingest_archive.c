/*
 * ingest_archive.c — the members of an archive (zip, tar, 7z, gzip...,
 * read with libarchive), each streamed into a store writer and ingested
 * from its temporary file, never extracted under its own name (see
 * grym/ingest.h): unsafe names refused, the expansion capped.
 */
#include "ingest_int.h"
#include "grym/store.h"
#include "grym/walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

int grym_ingest_is_archive(const void *head, size_t n)
{
	const unsigned char *b = head;
	if (n >= 4 && memcmp(b, "PK\x03\x04", 4) == 0)
		return 1;
	if (n >= 4 && memcmp(b, "PK\x05\x06", 4) == 0)   /* empty zip */
		return 1;
	if (n >= 6 && memcmp(b, "7z\xbc\xaf\x27\x1c", 6) == 0)
		return 1;
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)        /* gzip */
		return 1;
	if (n >= 3 && memcmp(b, "BZh", 3) == 0)
		return 1;
	if (n >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0)
		return 1;
	if (n >= 4 && memcmp(b, "\x28\xb5\x2f\xfd", 4) == 0) /* zstd */
		return 1;
	if (n >= 262 && memcmp(b + 257, "ustar", 5) == 0)
		return 1;
	return 0;
}

/* 1 if an archive member name could escape a directory: absolute, or a
 * ".." component (also with backslashes, as zip files from Windows
 * carry them). */
static int unsafe_name(const char *name)
{
	if (name[0] == '/' || name[0] == '\\')
		return 1;
	if (name[0] && name[1] == ':')        /* C:\... */
		return 1;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "/\\");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

int grym__ingest_archive(grym_ingester *g, const char *path, const char *shown,
			  grym_ingest_fn cb, void *ud)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ent;
	uint64_t expanded = 0;
	char *rpath = NULL;
	int rc = 0, r;

	if (!ar)
		return grym__ingest_fail_msg(cb, ud, shown, GRYM_ERR_NOMEM, "out of memory");
	archive_read_support_filter_all(ar);
	archive_read_support_format_all(ar);
	if (archive_read_open_filename(ar, path, COPY_BUF) != ARCHIVE_OK) {
		char msg[512];
		snprintf(msg, sizeof msg, "cannot read archive: %s", archive_error_string(ar));
		rc = grym__ingest_fail_msg(cb, ud, shown, GRYM_ERR_FORMAT, msg);
		archive_read_free(ar);
		return rc;
	}
	while (rc == 0) {
		if (g->o.cancel && *g->o.cancel) {
			rc = GRYM_ERR_INTERRUPTED;
			break;
		}
		r = archive_read_next_header(ar, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			char msg[512];
			snprintf(msg, sizeof msg, "archive is damaged: %s", archive_error_string(ar));
			rc = grym__ingest_fail_msg(cb, ud, shown, GRYM_ERR_CORRUPT, msg);
			break;
		}
		const char *name = archive_entry_pathname(ent);
		if (!name)
			continue;
		free(rpath);
		rpath = malloc(strlen(shown) + strlen(name) + 2);
		if (!rpath) {
			rc = grym__ingest_fail_msg(cb, ud, shown, GRYM_ERR_NOMEM, "out of memory");
			break;
		}
		sprintf(rpath, "%s:%s", shown, name);
		if (unsafe_name(name)) {
			rc = grym__ingest_fail_msg(cb, ud, rpath, GRYM_ERR_FORMAT,
				      "unsafe member name (absolute or with ..): refused");
			continue;
		}
		if (archive_entry_filetype(ent) != AE_IFREG)
			continue;       /* directories, links, devices */
		const char *member = name;
		while (member[0] == '.' && member[1] == '/')
			member += 2;
		if (grym_walk_hidden(member) || !grym_walk_match(g->o.match, member))
			continue;
		grym_error e = { 0 };
		grym_store_writer *w = grym_store_writer_new(g->store, &e);
		if (!w) {
			rc = grym__ingest_fail(cb, ud, rpath, &e);
			break;
		}
		la_ssize_t n;
		int bad = 0;
		while ((n = archive_read_data(ar, g->buf, COPY_BUF)) > 0) {
			expanded += (uint64_t)n;
			if (expanded > g->o.max_bytes) {
				char msg[256];
				snprintf(msg, sizeof msg, "archive expands to more than %llu bytes "
					 "(--max-bytes): stopped", (unsigned long long)g->o.max_bytes);
				rc = grym__ingest_fail_msg(cb, ud, rpath, GRYM_ERR_LIMIT, msg);
				bad = 2;
				break;
			}
			if (grym_store_writer_write(w, g->buf, (size_t)n, &e) < 0) {
				rc = grym__ingest_fail(cb, ud, rpath, &e);
				bad = 2;
				break;
			}
		}
		if (!bad && n < 0) {
			char msg[512];
			snprintf(msg, sizeof msg, "cannot read member: %s", archive_error_string(ar));
			rc = grym__ingest_fail_msg(cb, ud, rpath, GRYM_ERR_CORRUPT, msg);
			bad = n == ARCHIVE_FATAL ? 2 : 1;
		}
		if (bad) {
			grym_store_writer_abort(w);
			if (bad == 2)
				break;
			continue;
		}
		rc = grym__ingest_spooled(g, w, rpath, rpath, member, cb, ud);
	}
	free(rpath);
	archive_read_free(ar);
	return rc;
}
