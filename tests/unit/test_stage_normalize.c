/*
 * test_stage_normalize.c — the normalize stage called as a library
 * (grym/stage_normalize.h), as a server would: inputs from a
 * grym_sources, results collected by a sink, failures and progress
 * through the stage environment. What it measures must be what
 * grym-normalize reports for the same file.
 */
#include "grym/grym.h"
#include "tap.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the callbacks saw. */
typedef struct seen {
	int nresults, nfailed, nmeasured, nprogress;
	char failed[4096], failed_msg[1024];
	char input[4096], file[4096];
	double lufs, gain, measured_lufs, last_done;
	int progress_down;
} seen;

static void on_failed(void *ud, const char *input, const grym_error *err)
{
	seen *s = ud;
	s->nfailed++;
	snprintf(s->failed, sizeof s->failed, "%s", input ? input : "(none)");
	snprintf(s->failed_msg, sizeof s->failed_msg, "%s", err->msg);
}

static void on_progress(void *ud, double done, uint64_t total, const char *msg)
{
	seen *s = ud;
	if (done < s->last_done)
		s->progress_down = 1;
	s->last_done = done;
	s->nprogress++;
}

static void on_result(void *ud, const grym_normalize_result *r)
{
	seen *s = ud;
	s->nresults++;
	snprintf(s->input, sizeof s->input, "%s", r->input);
	snprintf(s->file, sizeof s->file, "%s", r->file ? r->file : "");
	s->lufs = r->rep->in.integrated_lufs;
	s->gain = r->rep->gain_db;
}

static void on_measured(void *ud, const char *input, const grym_loudness_result *r)
{
	seen *s = ud;
	s->nmeasured++;
	s->measured_lufs = r->integrated_lufs;
}

/* A mono 16-bit WAV of n frames at rate: a tone at -16 dBFS and a little
 * noise. */
static int write_wav(const char *path, int rate, int64_t n)
{
	grym_error err;
	grym_output *out = grym_output_open(path, &err);
	grym_encoder *e = out ? grym_encoder_open(out, GRYM_FILE_WAV, GRYM_SAMPLE_S16, rate, 1, 0, 0, &err)
			      : NULL;
	float buf[4096];
	uint32_t seed = 7;
	int rc = e ? GRYM_OK : -1;

	for (int64_t i = 0; i < n && rc == GRYM_OK; i += 4096) {
		int64_t m = n - i < 4096 ? n - i : 4096;
		for (int64_t k = 0; k < m; k++) {
			seed = seed * 1664525u + 1013904223u;
			buf[k] = (float)(0.158 * sin(2 * M_PI * 997.0 * (double)(i + k) / rate) +
					 0.01 * ((double)(seed >> 8) / 16777216.0 - 0.5));
		}
		rc = grym_encoder_write(e, buf, m, &err);
	}
	if (e && grym_encoder_close(e, &err) != GRYM_OK)
		rc = -1;
	if (rc == GRYM_OK)
		return grym_output_commit(out, &err);
	if (out)
		grym_output_abort(out);
	return -1;
}

/* What grym-normalize -v says it measured and applied for path: the
 * "measured X LUFS, ...; gain +Y dB" line. 0 when found. */
static int cli_report(const char *dir, const char *path, char *lufs, char *gain)
{
	const char *bin = getenv("GRYM_BIN");
	char cmd[8192], line[8192];
	FILE *f;
	int found = -1;

	snprintf(cmd, sizeof cmd, "'%s/grym-normalize' -v -o '%s/cli.wav' '%s' 2>&1",
		 bin ? bin : "build/bin", dir, path);
	if (!(f = popen(cmd, "r")))
		return -1;
	while (fgets(line, sizeof line, f)) {
		const char *m = strstr(line, ": measured "), *g = strstr(line, "; gain ");
		if (m && g && sscanf(m, ": measured %31s LUFS", lufs) == 1 &&
		    sscanf(g, "; gain %31s dB", gain) == 1)
			found = 0;
	}
	if (pclose(f) != 0)
		return -1;
	return found;
}

static grym_sources *sources(int n, char **ops)
{
	grym_sources_opts so = { .flags = GRYM_SOURCES_RECORDS };
	grym_error err = { 0 };
	grym_sources *s = grym_sources_new(&so, &err);
	if (s && grym_sources_add_operands(s, n, ops, &err) != GRYM_OK) {
		grym_sources_free(s);
		return NULL;
	}
	return s;
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	const char *dir = tap_tmpdir();
	char tone[4096], missing[4096], outdir[4096], cdir[4096], want[8192];
	char cli_lufs[32] = "", cli_gain[32] = "", got[32];
	grym_normalize_params p, run;
	grym_error err = { 0 };
	int rc;

	tap_plan(20);
	snprintf(tone, sizeof tone, "%s/tone.wav", dir);
	snprintf(missing, sizeof missing, "%s/missing.wav", dir);
	snprintf(outdir, sizeof outdir, "%s/out", dir);
	snprintf(cdir, sizeof cdir, "%s/cancelled", dir);
	TAP_EQ_INT(write_wav(tone, 48000, 48000 * 3), GRYM_OK, "a three-second tone");
	TAP_EQ_INT(grym_schema_defaults(grym_normalize_schema(), &p, &err), GRYM_OK, "the defaults");
	run = p;
	TAP_EQ_INT(grym_normalize_params_opts(&p, &run.o, &err), GRYM_OK, "settled: %s", err.msg);
	TAP_EQ_INT(cli_report(dir, tone, cli_lufs, cli_gain), 0,
		   "grym-normalize -v reports %s LUFS, gain %s dB", cli_lufs, cli_gain);

	/* a missing file, then the tone: into a folder, the failure by name */
	{
		seen s = { 0 };
		char *ops[] = { missing, tone };
		grym_sources *src = sources(2, ops);
		grym_stage_env env = { .jobs = 2, .failed = on_failed, .progress = on_progress,
				       .ud = &s };
		grym_normalize_sink sink = { .ud = &s, .outdir = outdir, .result = on_result };
		rc = src ? grym_stage_normalize(&env, src, &run, &sink, &err) : -99;
		grym_sources_free(src);
		TAP_EQ_INT(rc, GRYM_OK, "the stage ran: %s", rc ? err.msg : "");
		TAP_EQ_INT((int)env.nfailed, 1, "one input failed");
		TAP_EQ_INT(s.nfailed, 1, "reported once through env->failed");
		TAP_EQ_STR(s.failed, missing, "by its name (%s)", s.failed_msg);
		TAP_EQ_INT(s.nresults, 1, "the next one succeeded");
		TAP_EQ_STR(s.input, tone, "the result names its input");
		snprintf(want, sizeof want, "%s/tone.wav", outdir);
		TAP_EQ_STR(s.file, want, "and the file written");
		TAP_OK(access(want, F_OK) == 0, "which is there");
		snprintf(got, sizeof got, "%.2f", s.lufs);
		TAP_EQ_STR(got, cli_lufs, "measured loudness as grym-normalize reports it");
		snprintf(got, sizeof got, "%+.2f", s.gain);
		TAP_EQ_STR(got, cli_gain, "gain as grym-normalize reports it");
		TAP_OK(s.nprogress > 0 && !s.progress_down && s.last_done >= 1.0,
		       "progress rose to the end (%d reports, last %g)", s.nprogress, s.last_done);
	}

	/* --measure as a call: the same loudness */
	{
		seen s = { 0 };
		char *ops[] = { tone };
		grym_sources *src = sources(1, ops);
		grym_stage_env env = { .failed = on_failed, .ud = &s };
		grym_measure_sink sink = { .ud = &s, .measured = on_measured };
		rc = src ? grym_stage_measure(&env, src, &run, &sink, &err) : -99;
		grym_sources_free(src);
		TAP_EQ_INT(rc, GRYM_OK, "measured: %s", rc ? err.msg : "");
		snprintf(got, sizeof got, "%.2f", s.measured_lufs);
		TAP_OK(s.nmeasured == 1 && !strcmp(got, cli_lufs), "once, %s LUFS", got);
	}

	/* a cancel flag set before the call: cancelled, nothing written */
	{
		seen s = { 0 };
		volatile sig_atomic_t flag = 1;
		char *ops[] = { tone, tone };
		grym_sources *src = sources(2, ops);
		grym_stage_env env = { .cancel = &flag, .failed = on_failed, .ud = &s };
		grym_normalize_sink sink = { .ud = &s, .outdir = cdir, .result = on_result };
		mkdir(cdir, 0777);
		rc = src ? grym_stage_normalize(&env, src, &run, &sink, &err) : -99;
		grym_sources_free(src);
		TAP_EQ_INT(rc, GRYM_ERR_CANCELLED, "a set cancel flag: GRYM_ERR_CANCELLED");
		TAP_EQ_INT(entries(cdir), 0, "no file left in the output folder");
		TAP_EQ_INT(s.nresults, 0, "and no result");
	}
	return tap_done();
}
