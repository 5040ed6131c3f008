/*
 * peaks.h — the peaks pyramid's object, shared by peaks_build.c (which
 * writes it) and peaks_query.c (which reads slices of it).
 *
 * Layout, host byte order (grym builds for little-endian hosts, as the
 * catalog's feature matrices): level 0's buckets, then level 1's, ...,
 * then one fixed-size trailer (peaks_trailer) at the very end, because
 * level 0 is written to the store while the file is still decoding and
 * the number of buckets is known only at the end. A bucket is channels x
 * (min, max) float32. A reader reads the trailer, then only the buckets a
 * request needs (the store's reader seeks).
 */
#ifndef GRYM_VIEW_PEAKS_H
#define GRYM_VIEW_PEAKS_H

#include <stdint.h>

#define PEAKS_MAGIC "GRYMPKS1"
#define PEAKS_VERSION 1
#define PEAKS_MAX_LEVELS 40
/* The views row's params: what shapes the object's bytes. */
#define PEAKS_PARAMS "{\"bucket\":256,\"factor\":4,\"version\":1}"

typedef struct peaks_trailer {
	char magic[8];
	uint32_t version, channels, rate, bucket, factor, nlevels;
	int64_t frames;                        /* decoded frames per channel */
	int64_t buckets[PEAKS_MAX_LEVELS];     /* buckets of each level */
	int64_t offset[PEAKS_MAX_LEVELS];      /* byte offset of each level */
} peaks_trailer;

/* Build the pyramid of asset (full id) and store it (over a damaged
 * object when restore); st->decoded counts the decode. */
int grym__peaks_build(grym_catalog *cat, const char *asset, const grym_view_opts *opts,
		      int restore, grym_view_stat *st, grym_error *err);

#endif
