/*
 * cli.h — what every grym program shares: options, messages, progress,
 * exit codes. This is the tool side (like curl's src/tool_*): it prints
 * and exits; lib/ never does.
 *
 * Options are declared once in a table per program; --help is generated
 * from it and tests/cli/help_man.sh checks the man page names the same
 * options, so the docs cannot drift from the code.
 *
 *   static const grym_option opts[] = {
 *       { "lufs", 0, "T", "-23", "integrated loudness target in LUFS" },
 *       { "output", 'o', "FILE", NULL, "write to FILE (atomically) instead of stdout" },
 *       { 0 }
 *   };
 */
#ifndef GRYM_CLI_H
#define GRYM_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "grym/error.h"

/* Exit statuses of every grym program. */
enum { GRYM_EXIT_OK = 0, GRYM_EXIT_FAILED = 1, GRYM_EXIT_USAGE = 2 };

typedef struct grym_option {
	const char *name;       /* long name without "--" */
	int short_name;         /* 0 if none */
	const char *arg;        /* argument name, NULL for a flag */
	const char *def;        /* default shown in --help, NULL if none */
	const char *help;       /* one line */
} grym_option;

typedef struct grym_cli {
	const char *prog;       /* "grym-ingest" */
	const char *usage;      /* "[OPTION]... [FILE]..." */
	const char *summary;    /* one line: what the program does */
	const grym_option *opts;
	int verbose;            /* -v count */
	int quiet;              /* -q */
	int null_sep;           /* -0 */
	const char *catalog_dir;/* --catalog, else NULL (use the default) */
	int stderr_tty;         /* progress only when stderr is a terminal */
} grym_cli;

/* The process-wide cancel flag (signals.c): 0, or the number of the
 * signal (SIGINT, SIGTERM, SIGHUP, SIGPIPE) that asked the run to stop.
 * Pass &grym_cli_cancel to lib/ calls that take a cancel pointer; at exit
 * the program dies of that signal (status 128+N). */
#include <signal.h>
extern volatile sig_atomic_t grym_cli_cancel;
void grym_cli_catch_signals(void);

/* Set up: C locale for numbers, the signal handlers above (SIGPIPE ends
 * quietly), stderr tty check. */
void grym_cli_init(grym_cli *cli, const char *prog, const char *usage,
		   const char *summary, const grym_option *opts);

/* Parse argv with getopt_long from the program's table plus the common
 * options (--help, --version, -q/--quiet, -v/--verbose, --catalog DIR,
 * -0/--null). For each program option, cb(ud, name, arg) is called with
 * the long name; it returns 0 or prints its own error and returns -1
 * (usage error). --help and --version print and exit 0; a usage error
 * prints "grym-x: ..." plus a hint and exits 2. Returns optind. */
typedef int (*grym_cli_option_fn)(void *ud, const char *name, const char *arg);
int grym_cli_parse(grym_cli *cli, int argc, char **argv, grym_cli_option_fn cb, void *ud);
void grym_cli_help(const grym_cli *cli);

/* Messages on stderr, prefixed "grym-x: ". */
void grym_msg(const grym_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Only when -v was given. */
void grym_verbose(const grym_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Unless -q was given. */
void grym_info(const grym_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "grym-x: INPUT: message" for a library error (input may be NULL). */
void grym_report(const grym_cli *cli, const char *input, const grym_error *err);
/* A name in a line-oriented table: backslash, TAB, newline and CR as
 * \\, \t, \n and \r (the escapes of ls -b and of C), so a name holding
 * them neither splits the line nor shifts the columns. */
void grym_cli_put_escaped(FILE *f, const char *s);
/* Usage error: message and exit 2. */
void grym_usage_error(const grym_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Strict number parsing for option values (whole string, range checked):
 * return 0 or -1 after printing "grym-x: --NAME: ...". */
int grym_parse_double(const grym_cli *cli, const char *name, const char *s,
		      double lo, double hi, double *out);
int grym_parse_int(const grym_cli *cli, const char *name, const char *s,
		   long lo, long hi, long *out);

/* -j/--jobs N: a whole number from 1 to GRYM_JOBS_MAX (grym/pool.h), the
 * one limit of every program; 0 or more than the limit is a usage
 * error. Returns 0 or -1 after printing, as grym_parse_int. */
int grym_parse_jobs(const grym_cli *cli, const char *s, long *out);

/* The catalog directory: --catalog, $GRYM_CATALOG or the default. */
int grym_cli_catalog_dir(const grym_cli *cli, char *buf, size_t len, grym_error *err);

/* Read a list of words that name no file (grym-catalog's ids) from a
 * file or "-", by the list rules of every program (grym_list_next: lines,
 * or NUL-separated with -0); cb is called per non-empty entry; returns 0
 * or -1 after reporting an error. Inputs go through grym/sources.h. */
typedef int (*grym_cli_list_fn)(void *ud, const char *item);
int grym_cli_read_list(const grym_cli *cli, const char *path, grym_cli_list_fn cb, void *ud);

/* Options from a stage's parameter table (cli_schema.c). The table of
 * --help: every parameter (and --no-NAME for the negatable flags), then
 * the program's own extra options; allocated once, kept for the run. */
typedef struct grym_schema grym_schema;
grym_option *grym_cli_schema_options(const grym_schema *s, const grym_option *extra);
/* Set the parameter an option names (or --no-NAME): 0 done, -1 after
 * printing the table's error ("--n-fft: 1 is out of range (2 to
 * 16777216)"), 1 when the option is not the table's. */
int grym_cli_schema_set(const grym_cli *cli, const grym_schema *s, void *params,
			const char *name, const char *arg);
/* --schema: print the table as JSON Schema on stdout. */
void grym_cli_print_schema(const grym_cli *cli, const grym_schema *s);
#define GRYM_CLI_SCHEMA_OPTION \
	{ "schema", 0, NULL, NULL, "print every option as JSON Schema (2020-12) and exit" }

/* Finish a program's output the same way everywhere: commit it — unless
 * the run was cancelled by a signal (then it is aborted: an existing FILE
 * is left as it was), or unless
 * it is a file (-o) and nothing was written while some input failed
 * (any_failed): then it is removed, so a failed run leaves nothing under
 * FILE. A commit error is reported naming the output. Frees o; returns 0,
 * or -1 when the output failed (the caller exits 1). */
typedef struct grym_output grym_output;
int grym_cli_finish_output(const grym_cli *cli, grym_output *o, int any_failed);

/* Progress bar on stderr, only when stderr is a terminal and not -q:
 * "label [####....] done/total  NN%  message  ETA", redrawn at most five
 * times a second. total 0 means unknown. Items are the inputs: done
 * counts the finished ones, and the items under way add the fraction of
 * them done (grym_progress_item, from lib/'s progress callbacks), so one
 * long file moves the bar too. Every call is thread-safe and NULL-safe
 * (NULL: no bar). */
typedef struct grym_progress grym_progress;
grym_progress *grym_progress_new(const grym_cli *cli, const char *label, uint64_t total);
void grym_progress_update(grym_progress *p, uint64_t done);
/* Item number item (0-based; at or past done) is fraction done (0..1,
 * or negative when its length is unknown: msg then says the position),
 * msg a short word on what it does. The part of items below done is
 * dropped by grym_progress_update. */
void grym_progress_item(grym_progress *p, uint64_t item, double fraction, const char *msg);
/* A grym_progress_fn (grym/progress.h) for a lib/ call working on one
 * item: ud is a grym_progress_slot naming the bar and the item. */
typedef struct grym_progress_slot {
	grym_progress *p;
	uint64_t item;
} grym_progress_slot;
void grym_progress_cb(void *ud, double fraction, const char *msg);
/* The value of a grym_pool's progress callback (grym/pool.h): inputs
 * finished plus the fractions of the running ones, as one number (the
 * pool sums them; no grym_progress_item then). */
void grym_progress_set(grym_progress *p, double done);
/* The short word on what the items under way do ("analysing"), next to
 * a pool's value (grym_progress_set): from lib/'s progress callbacks,
 * which give their fraction to the pool (grym_pool_progress). NULL msg:
 * unchanged. */
void grym_progress_note(grym_progress *p, const char *msg);
/* Take the bar off its line (before printing a line of output to the
 * same terminal); the next update draws it again. */
void grym_progress_clear(grym_progress *p);
void grym_progress_finish(grym_progress *p);
/* The number of items, once known (0: unknown). */
void grym_progress_total(grym_progress *p, uint64_t total);

/* A library stage (grym/stage.h) run by a program: the process-wide
 * cancel flag, failures reported as "grym-x: INPUT: message", info lines
 * unless -q (level 1 only with -v, level -1 always), and the bar (label) drawn from the
 * stage's progress. grym_cli_stage_end takes the bar down and returns
 * the exit status of the run: GRYM_EXIT_OK, or GRYM_EXIT_FAILED when the
 * stage failed (rc, reported here with err) or some input did; a
 * cancelled run exits with its signal (signals.c). */
typedef struct grym_stage_env grym_stage_env;
typedef struct grym_cli_stage {
	const grym_cli *cli;
	const char *label;
	grym_progress *bar;     /* made at the first report */
} grym_cli_stage;
void grym_cli_stage_env(grym_cli_stage *ui, const grym_cli *cli, const char *label,
			grym_stage_env *env);
int grym_cli_stage_end(grym_cli_stage *ui, const grym_stage_env *env, int rc,
		       const grym_error *err);

#endif
