/*
 * version.h — the version of libgrym.
 */
#ifndef GRYM_VERSION_H
#define GRYM_VERSION_H
#pragma GCC visibility push(default)

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, e.g. "0.1.0": a static string. */
const char *grym_version(void);

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
