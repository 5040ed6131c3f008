/*
 * output.c — how every program ends its output (see cli.h): commit, or
 * leave nothing behind when a run that wrote nothing failed.
 */
#include "cli.h"

#include <stdio.h>

#include "grym/io.h"

int grym_cli_finish_output(const grym_cli *cli, grym_output *o, int any_failed)
{
	grym_error err = { 0 };
	char name[4096];

	if (!o)
		return 0;
	/* commit frees o whatever happens: keep its name for the message. */
	snprintf(name, sizeof name, "%s", grym_output_name(o));
	if (grym_cli_cancel && grym_output_tmp_path(o)) {
		/* Interrupted: never publish a partial result over FILE (on a
		 * pipe, what is done is flushed: the reader decides). */
		grym_output_abort(o);
		return 0;
	}
	if (any_failed && grym_output_tmp_path(o) && grym_output_size(o) == 0) {
		/* Every input failed: an empty FILE would look like a result. */
		grym_output_abort(o);
		return 0;
	}
	if (grym_output_commit(o, &err) != GRYM_OK) {
		grym_report(cli, name, &err);
		return -1;
	}
	return 0;
}
