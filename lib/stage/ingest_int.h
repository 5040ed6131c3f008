/*
 * ingest_int.h — what the files of the ingester share (ingest_one.c:
 * one input, ingest_rows.c: its catalog row, ingest_archive.c: archive
 * members). Not public: grym/ingest.h is the contract.
 */
#ifndef GRYM_INGEST_INT_H
#define GRYM_INGEST_INT_H

#include "grym/audio.h"
#include "grym/catalog.h"
#include "grym/idset.h"
#include "grym/ingest.h"
#include "grym/store.h"

#include <jansson.h>

#define COPY_BUF (256 * 1024)
#define DECODE_BLOCK 16384

struct grym_ingester {
	grym_ingest_opts o;
	grym_catalog *cat;
	grym_store *store;
	unsigned char *buf;      /* COPY_BUF bytes for copying */
	float *pcm;              /* decode scratch */
	size_t pcm_cap;          /* floats */
	grym_idset *met;         /* assets met in this run (replace_labels) */
};

/* A failure as an outcome (cb's return). */
int grym__ingest_fail(grym_ingest_fn cb, void *ud, const char *path, const grym_error *e);
int grym__ingest_fail_msg(grym_ingest_fn cb, void *ud, const char *path, int code,
			  const char *msg);

/* An asset committed with its record rec (consumed) as an outcome. */
int grym__ingest_emit(const char *id, const char *path, int created, int truncated,
		      json_t *rec, grym_ingest_fn cb, void *ud);

/* A known id: add what is new, emit. 1 if known (*rc: the outcome's), 0
 * if not, <0 when it failed (reported as the input's outcome). */
int grym__ingest_known(grym_ingester *g, const char *id, const char *path,
		       const char *record_path, json_t *labels, json_t *meta,
		       grym_store_writer **w, const char *from, grym_ingest_fn cb, void *ud,
		       int *rc);

/* A new asset whose object is committed: its row and record. */
int grym__ingest_put_new(grym_ingester *g, const char *id, const char *path,
			 const char *record_path, const grym_audio_info *in, int64_t frames,
			 uint64_t bytes, json_t *labels, json_t *meta, int *created, json_t **rec,
			 grym_error *err);

/* Bytes in a store writer (consumed): known, or decoded, committed,
 * inserted. */
int grym__ingest_spooled(grym_ingester *g, grym_store_writer *w, const char *path,
			 const char *record_path, const char *member, grym_ingest_fn cb, void *ud);

/* The members of the archive at path (shown: its name in outcomes). */
int grym__ingest_archive(grym_ingester *g, const char *path, const char *shown,
			 grym_ingest_fn cb, void *ud);

#endif
