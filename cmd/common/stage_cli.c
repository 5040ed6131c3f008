/*
 * stage_cli.c — a library stage (grym/stage.h) as a program runs it:
 * the stage's callbacks become the program's messages and progress bar.
 */
#include "cli.h"

#include <string.h>
#include "grym/stage.h"

static void on_failed(void *ud, const char *input, const grym_error *err)
{
	grym_cli_stage *ui = ud;
	grym_progress_clear(ui->bar);
	grym_report(ui->cli, input, err);
}

static void on_info(void *ud, int level, const char *input, const char *msg)
{
	grym_cli_stage *ui = ud;
	/* as grym_info (level 0), grym_verbose (1) and grym_msg (-1) */
	if (level > 0 ? ui->cli->verbose <= 0 : level == 0 && ui->cli->quiet)
		return;
	grym_progress_clear(ui->bar);
	if (input)
		grym_msg(ui->cli, "%s: %s", input, msg);
	else
		grym_msg(ui->cli, "%s", msg);
}

static void on_progress(void *ud, double done, uint64_t total, const char *msg)
{
	grym_cli_stage *ui = ud;
	if (!ui->bar)
		ui->bar = grym_progress_new(ui->cli, ui->label, total);
	if (!ui->bar)
		return;         /* not a terminal, or -q */
	grym_progress_total(ui->bar, total);
	grym_progress_note(ui->bar, msg);
	grym_progress_set(ui->bar, done);
}

void grym_cli_stage_env(grym_cli_stage *ui, const grym_cli *cli, const char *label,
			grym_stage_env *env)
{
	memset(ui, 0, sizeof *ui);
	ui->cli = cli;
	ui->label = label;
	env->cancel = &grym_cli_cancel;
	env->failed = on_failed;
	env->info = on_info;
	env->progress = on_progress;
	env->ud = ui;
}

int grym_cli_stage_end(grym_cli_stage *ui, const grym_stage_env *env, int rc,
		       const grym_error *err)
{
	grym_progress_finish(ui->bar);
	ui->bar = NULL;
	if (rc == GRYM_ERR_CANCELLED)
		return GRYM_EXIT_FAILED;        /* at exit: dies of the signal */
	if (rc != GRYM_OK) {
		grym_report(ui->cli, NULL, err);
		return GRYM_EXIT_FAILED;
	}
	return env->nfailed ? GRYM_EXIT_FAILED : GRYM_EXIT_OK;
}
