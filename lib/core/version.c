/* version.c — the library's version string (set by the Makefile). */
#include "grym/version.h"

const char *grym_version(void)
{
	return GRYM_VERSION;
}
