/*
 * catalog_dir.c — which catalog a program uses (see cli.h). Kept apart from
 * cli.c so that programs which never open a catalog do not link it.
 */
#include "cli.h"

#include <string.h>

#include "grym/catalog.h"

int grym_cli_catalog_dir(const grym_cli *cli, char *buf, size_t len, grym_error *err)
{
	if (cli->catalog_dir) {
		if (strlen(cli->catalog_dir) >= len)
			return grym_error_set(err, GRYM_ERR_INVALID, "catalog path too long");
		strcpy(buf, cli->catalog_dir);
		return GRYM_OK;
	}
	return grym_catalog_default_dir(buf, len, err);
}
