/*
 * cli.c — option parsing, messages, lists and progress shared by every grym
 * program (see cli.h). This is the tool side: printing and exiting are
 * allowed here and nowhere in lib/.
 */
#include "cli.h"
#include "grym/pool.h"
#include "grym/sources.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Ids for the common options, above any character value. */
enum {
	OPT_HELP = 0x1000,
	OPT_VERSION,
	OPT_CATALOG,
	OPT_QUIET,
	OPT_VERBOSE,
	OPT_NULL,
	OPT_PROGRAM = 0x2000 /* + index into cli->opts */
};

void grym_cli_init(grym_cli *cli, const char *prog, const char *usage,
		   const char *summary, const grym_option *opts)
{
	memset(cli, 0, sizeof *cli);
	cli->prog = prog;
	cli->usage = usage;
	cli->summary = summary;
	cli->opts = opts;
	cli->stderr_tty = isatty(STDERR_FILENO);
	/* Numbers are read and printed the same everywhere. */
	setlocale(LC_ALL, "C");
	/* Ctrl-C, TERM, HUP, and a closed pipe downstream (| head) end the
	 * program quietly through the cancel flag (signals.c). */
	grym_cli_catch_signals();
}

static void print_option(FILE *f, const grym_option *o)
{
	char left[96];
	int n = 0;

	if (o->short_name)
		n = snprintf(left, sizeof left, "  -%c, --%s", o->short_name, o->name);
	else
		n = snprintf(left, sizeof left, "      --%s", o->name);
	if (o->arg && n > 0 && (size_t)n < sizeof left)
		snprintf(left + n, sizeof left - (size_t)n, " %s", o->arg);
	if (strlen(left) < 26)
		fprintf(f, "%-26s %s", left, o->help ? o->help : "");
	else
		fprintf(f, "%s\n%-26s %s", left, "", o->help ? o->help : "");
	if (o->def)
		fprintf(f, " (default: %s)", o->def);
	fputc('\n', f);
}

static const grym_option common_opts[] = {
	{ "catalog", 0, "DIR", "$GRYM_CATALOG or ~/.local/share/grym", "catalog directory" },
	{ "null", '0', NULL, NULL, "lists of paths are NUL-separated" },
	{ "quiet", 'q', NULL, NULL, "print no summaries or progress, only errors" },
	{ "verbose", 'v', NULL, NULL, "say more about each step (repeatable)" },
	{ "help", 0, NULL, NULL, "show this help and exit" },
	{ "version", 0, NULL, NULL, "show the version and exit" },
	{ 0 }
};

void grym_cli_help(const grym_cli *cli)
{
	printf("Usage: %s %s\n", cli->prog, cli->usage ? cli->usage : "[OPTION]...");
	if (cli->summary)
		printf("%s\n", cli->summary);
	printf("\nOptions:\n");
	for (const grym_option *o = cli->opts; o && o->name; o++)
		print_option(stdout, o);
	printf("\nCommon options:\n");
	for (const grym_option *o = common_opts; o->name; o++)
		print_option(stdout, o);
	printf("\nExit status: 0 success, 1 some inputs failed, 2 usage error,\n"
	       "128+N ended by signal N (130: Ctrl-C), nothing left half-written.\n");
	printf("See %s(1) and grym(7).\n", cli->prog);
}

int grym_cli_parse(grym_cli *cli, int argc, char **argv, grym_cli_option_fn cb, void *ud)
{
	size_t nprog = 0, i, k = 0;
	struct option *lopts;
	char shorts[256];
	size_t ns = 0;
	int c;

	for (const grym_option *o = cli->opts; o && o->name; o++)
		nprog++;
	lopts = calloc(nprog + 8, sizeof *lopts);
	if (!lopts) {
		grym_msg(cli, "out of memory");
		exit(GRYM_EXIT_FAILED);
	}
	/* GNU order: options may follow operands (grym-ingest a.wav --text);
	 * "--" ends the options. Leading ':' reports a missing argument. */
	shorts[ns++] = ':';
	for (i = 0; i < nprog; i++) {
		const grym_option *o = &cli->opts[i];
		lopts[k].name = o->name;
		lopts[k].has_arg = o->arg ? required_argument : no_argument;
		lopts[k].val = OPT_PROGRAM + (int)i;
		k++;
		if (o->short_name && ns + 3 < sizeof shorts) {
			shorts[ns++] = (char)o->short_name;
			if (o->arg)
				shorts[ns++] = ':';
		}
	}
	lopts[k++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	lopts[k++] = (struct option){ "version", no_argument, NULL, OPT_VERSION };
	lopts[k++] = (struct option){ "catalog", required_argument, NULL, OPT_CATALOG };
	lopts[k++] = (struct option){ "quiet", no_argument, NULL, OPT_QUIET };
	lopts[k++] = (struct option){ "verbose", no_argument, NULL, OPT_VERBOSE };
	lopts[k++] = (struct option){ "null", no_argument, NULL, OPT_NULL };
	lopts[k] = (struct option){ 0 };
	/* Programs may claim -q, -v or -0 themselves; add them only if free. */
	if (!memchr(shorts, 'q', ns)) shorts[ns++] = 'q';
	if (!memchr(shorts, 'v', ns)) shorts[ns++] = 'v';
	if (!memchr(shorts, '0', ns)) shorts[ns++] = '0';
	shorts[ns] = '\0';

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		const grym_option *o = NULL;
		if (c >= OPT_PROGRAM) {
			o = &cli->opts[c - OPT_PROGRAM];
		} else if (c > 0 && c < 256 && c != '?' && c != ':') {
			for (i = 0; i < nprog; i++)
				if (cli->opts[i].short_name == c)
					o = &cli->opts[i];
		}
		if (o) {
			if (cb(ud, o->name, optarg) != 0) {
				free(lopts);
				fprintf(stderr, "Try '%s --help' for more information.\n", cli->prog);
				exit(GRYM_EXIT_USAGE);
			}
			continue;
		}
		switch (c) {
		case OPT_HELP:
			grym_cli_help(cli);
			free(lopts);
			exit(GRYM_EXIT_OK);
		case OPT_VERSION:
			printf("%s %s\n", cli->prog, GRYM_VERSION);
			free(lopts);
			exit(GRYM_EXIT_OK);
		case OPT_CATALOG: cli->catalog_dir = optarg; break;
		case 'q': case OPT_QUIET: cli->quiet = 1; break;
		case 'v': case OPT_VERBOSE: cli->verbose++; break;
		case '0': case OPT_NULL: cli->null_sep = 1; break;
		case ':':
			free(lopts);
			grym_usage_error(cli, "option '%s' needs an argument", argv[optind - 1]);
		default:
			free(lopts);
			if (optopt && optopt < 256)
				grym_usage_error(cli, "unknown option '-%c'", optopt);
			grym_usage_error(cli, "unknown option '%s'", argv[optind - 1]);
		}
	}
	free(lopts);
	return optind;
}

static void vmsg(const grym_cli *cli, const char *fmt, va_list ap)
{
	char buf[4096];
	/* The reader went away (| head): nothing to say, as for any filter. */
	if (grym_cli_cancel == SIGPIPE)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	/* One write per line so messages of parallel workers do not interleave. */
	fprintf(stderr, "%s: %s\n", cli->prog, buf);
}

void grym_msg(const grym_cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cli, fmt, ap);
	va_end(ap);
}

void grym_verbose(const grym_cli *cli, const char *fmt, ...)
{
	va_list ap;
	if (cli->verbose <= 0)
		return;
	va_start(ap, fmt);
	vmsg(cli, fmt, ap);
	va_end(ap);
}

void grym_info(const grym_cli *cli, const char *fmt, ...)
{
	va_list ap;
	if (cli->quiet)
		return;
	va_start(ap, fmt);
	vmsg(cli, fmt, ap);
	va_end(ap);
}

void grym_report(const grym_cli *cli, const char *input, const grym_error *err)
{
	/* Stopped by a signal: the exit status (128+N) says it, once, rather
	 * than an "interrupted" line for every input under way */
	if (err && err->code == GRYM_ERR_CANCELLED && grym_cli_cancel)
		return;
	const char *msg = err && err->msg[0] ? err->msg : grym_status_str(err ? err->code : GRYM_ERR_INTERNAL);
	if (input)
		grym_msg(cli, "%s: %s", input, msg);
	else
		grym_msg(cli, "%s", msg);
}

void grym_usage_error(const grym_cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(cli, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", cli->prog);
	exit(GRYM_EXIT_USAGE);
}

int grym_parse_double(const grym_cli *cli, const char *name, const char *s,
		      double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = s ? strtod(s, &end) : 0;
	if (!s || !*s || *end || errno || isnan(v)) {
		grym_msg(cli, "--%s: '%s' is not a number", name, s ? s : "");
		return -1;
	}
	if (v < lo || v > hi) {
		grym_msg(cli, "--%s: %s is out of range (%g to %g)", name, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int grym_parse_int(const grym_cli *cli, const char *name, const char *s,
		   long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno) {
		grym_msg(cli, "--%s: '%s' is not a whole number", name, s ? s : "");
		return -1;
	}
	if (v < lo || v > hi) {
		grym_msg(cli, "--%s: %s is out of range (%ld to %ld)", name, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int grym_parse_jobs(const grym_cli *cli, const char *s, long *out)
{
	return grym_parse_int(cli, "jobs", s, 1, GRYM_JOBS_MAX, out);
}

int grym_cli_read_list(const grym_cli *cli, const char *path, grym_cli_list_fn cb, void *ud)
{
	grym_error err = { 0 };
	const char *name = path && strcmp(path, "-") ? path : "-";
	grym_input *in = grym_input_open(path, &err);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (!in) {
		grym_report(cli, name, &err);
		return -1;
	}
	grym_input_set_cancel(in, &grym_cli_cancel);
	/* the list rules of every program (grym/sources.h) */
	while ((n = grym_list_next(in, cli->null_sep, &line, &cap, &err)) > 0)
		if (cb(ud, line) != 0) {
			rc = -1;
			break;
		}
	if (n < 0 && n != GRYM_ERR_EOF) {
		grym_report(cli, name, &err);
		rc = -1;
	}
	free(line);
	grym_input_free(in);
	return rc;
}

/* Items under way whose fraction the bar adds: one per worker thread is
 * enough (-j is at most 256; beyond PARTS the oldest item's part is
 * replaced, which only makes the bar a little pessimistic). */
#define PROGRESS_PARTS 64

struct grym_progress {
	const grym_cli *cli;
	char label[64];
	uint64_t total, done;
	struct timespec start, last;
	int shown;              /* something is on the line */
	int drawn;              /* drawn at least once (finish ends the line) */
	pthread_mutex_t lock;   /* lib/ callbacks come from worker threads */
	struct {
		uint64_t item;
		double frac;
		int used;
	} part[PROGRESS_PARTS];
	char msg[64];           /* what the latest item said it does */
	double extra;           /* grym_progress_set's part beyond done */
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

grym_progress *grym_progress_new(const grym_cli *cli, const char *label, uint64_t total)
{
	grym_progress *p;
	if (!cli->stderr_tty || cli->quiet)
		return NULL; /* progress is for eyes, never for logs */
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->cli = cli;
	snprintf(p->label, sizeof p->label, "%s", label ? label : cli->prog);
	p->total = total;
	pthread_mutex_init(&p->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
	p->last.tv_sec -= 1;    /* the first update draws at once */
	return p;
}

/* Called with p->lock held. */
static void progress_draw(grym_progress *p, const struct timespec *now)
{
	double t = since(&p->start, now), part = 0;
	char line[256];
	int n;

	for (int i = 0; i < PROGRESS_PARTS; i++)
		if (p->part[i].used && p->part[i].item >= p->done && p->part[i].frac > 0)
			part += p->part[i].frac;
	part += p->extra;
	if (p->total) {
		double f = ((double)p->done + part) / (double)p->total;
		int width = 24, fill;
		char bar[32];
		if (f > 1)
			f = 1;
		fill = (int)((double)width * f);
		for (int i = 0; i < width; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[width] = '\0';
		if (p->total > 1)
			n = snprintf(line, sizeof line, "%s [%s] %llu/%llu %3.0f%%", p->label, bar,
				     (unsigned long long)p->done, (unsigned long long)p->total, 100 * f);
		else
			n = snprintf(line, sizeof line, "%s [%s] %3.0f%%", p->label, bar, 100 * f);
		if (n > 0 && (size_t)n < sizeof line && p->msg[0] && f < 1)
			n += snprintf(line + n, sizeof line - (size_t)n, "  %s", p->msg);
		/* the time left, once there is something to go by */
		if (n > 0 && (size_t)n < sizeof line && f > 0.005 && f < 1 && t > 1) {
			double eta = t * (1 - f) / f;
			snprintf(line + n, sizeof line - (size_t)n, "  ETA %02d:%02d", (int)(eta / 60),
				 (int)eta % 60);
		}
	} else {
		/* how many are coming is not known: the count, and how far
		 * into the one(s) under way */
		n = snprintf(line, sizeof line, "%s %llu done", p->label, (unsigned long long)p->done);
		if (n > 0 && (size_t)n < sizeof line && part > 0 && part <= 1)
			n += snprintf(line + n, sizeof line - (size_t)n, ", %.0f%% of the next", 100 * part);
		else if (n > 0 && (size_t)n < sizeof line && part > 1)   /* -j: several */
			n += snprintf(line + n, sizeof line - (size_t)n, ", %.1f more under way", part);
		if (n > 0 && (size_t)n < sizeof line && p->msg[0])
			snprintf(line + n, sizeof line - (size_t)n, "  %s", p->msg);
	}
	/* \033[K: clear what a longer line before left */
	fprintf(stderr, "\r%s\033[K", line);
	p->shown = p->drawn = 1;
	p->last = *now;
}

/* Redraw at most five times a second, and always at the end. Lock held. */
static void progress_maybe_draw(grym_progress *p, int force)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!force && since(&p->last, &now) < 0.2)
		return;
	progress_draw(p, &now);
}

void grym_progress_update(grym_progress *p, uint64_t done)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->total && done > p->total)
		p->total = 0;   /* more than announced: only count from now on */
	p->done = done;
	p->extra = 0;
	for (int i = 0; i < PROGRESS_PARTS; i++)
		if (p->part[i].used && p->part[i].item < done)
			p->part[i].used = 0;
	progress_maybe_draw(p, done == p->total);
	pthread_mutex_unlock(&p->lock);
}

void grym_progress_set(grym_progress *p, double done)
{
	if (!p || !(done >= 0))
		return;
	pthread_mutex_lock(&p->lock);
	if (p->total && done > (double)p->total)
		p->total = 0;   /* more than announced: only count from now on */
	p->done = (uint64_t)done;
	p->extra = done - (double)p->done;
	progress_maybe_draw(p, p->total && p->done == p->total);
	pthread_mutex_unlock(&p->lock);
}

void grym_progress_note(grym_progress *p, const char *msg)
{
	if (!p || !msg)
		return;
	pthread_mutex_lock(&p->lock);
	snprintf(p->msg, sizeof p->msg, "%s", msg);
	pthread_mutex_unlock(&p->lock);
}

void grym_progress_item(grym_progress *p, uint64_t item, double fraction, const char *msg)
{
	int slot = -1, oldest = 0;
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (item >= p->done) {
		for (int i = 0; i < PROGRESS_PARTS; i++) {
			if (p->part[i].used && p->part[i].item == item) {
				slot = i;
				break;
			}
			if (slot < 0 && !p->part[i].used)
				slot = i;
			if (p->part[i].item < p->part[oldest].item)
				oldest = i;
		}
		if (slot < 0)
			slot = oldest;
		p->part[slot].used = 1;
		p->part[slot].item = item;
		p->part[slot].frac = fraction > 1 ? 1 : fraction;
		snprintf(p->msg, sizeof p->msg, "%s", msg ? msg : "");
		progress_maybe_draw(p, 0);
	}
	pthread_mutex_unlock(&p->lock);
}

void grym_progress_cb(void *ud, double fraction, const char *msg)
{
	grym_progress_slot *s = ud;
	if (s)
		grym_progress_item(s->p, s->item, fraction, msg);
}

void grym_progress_total(grym_progress *p, uint64_t total)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->total = total;
	pthread_mutex_unlock(&p->lock);
}

void grym_progress_clear(grym_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = 0;
		/* redrawn at the next update, not a fifth of a second later */
		p->last.tv_sec -= 1;
	}
	pthread_mutex_unlock(&p->lock);
}

void grym_progress_finish(grym_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->drawn) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		p->msg[0] = '\0';
		/* the last state, unless the last update drew it already */
		if (!p->shown || !p->total || p->done != p->total)
			progress_draw(p, &now);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
