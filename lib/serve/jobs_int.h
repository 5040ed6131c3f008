/*
 * jobs_int.h — what the job runner's files share: the runner itself
 * (jobs.c: threads, queue, states, events) calls the stage side
 * (jobs_stage.c: parameters and inputs checked, the stage call run with
 * its catalog-mode sink, the result made; synth jobs in jobs_synth.c).
 */
#ifndef GRYM_SERVE_JOBS_INT_H
#define GRYM_SERVE_JOBS_INT_H

#include <jansson.h>
#include "grym/catalog.h"
#include "grym/sources.h"
#include "grym/stage.h"

/* Check a job before it is queued, with the catalog cat (the caller's
 * handle): the stage is one the runner runs, params a JSON object the
 * stage's table takes (with the job's -j defaulting to 1), inputs what
 * the stage takes (ids resolved to full ids now). *params_out and
 * *inputs_out receive the texts to store (allocated). Errors as
 * grym_jobs_submit says, field filled ("" when none is to blame). */
int sj_check(grym_catalog *cat, const char *stage, const char *params, const char *inputs,
	     char **params_out, char **inputs_out, char *field, size_t field_len,
	     grym_error *err);
/* The same with "ingest" taken too (staged files: never from a client). */
int sj_check_any(grym_catalog *cat, const char *stage, const char *params, const char *inputs,
		 char **params_out, char **inputs_out, char *field, size_t field_len,
		 grym_error *err);

/* Run a checked job: the stage call of kind with env (the runner's
 * callbacks, cancel flag and catalog_dir set; jobs and total are set
 * here), cat a handle of the worker's own for selections. What was
 * made is added to result (an object). Returns the stage's status. */
int sj_run(grym_catalog *cat, const char *kind, const char *params, const char *inputs,
	   grym_stage_env *env, json_t *result, grym_error *err);

/* The "ingest" stage (jobs_ingest.c): params {"label", "replace_labels",
 * "accept_truncated", "match", "max_bytes", "meta": {KEY: value}},
 * inputs [{"path": a staged file of the server, "name": the client's
 * name}]. Checked as sj_check checks; run as sj_run runs, the staged
 * files removed at the end whatever the outcome. */
int sj_ingest_check(const char *params, const char *inputs, char **params_out,
		    char **inputs_out, char *field, size_t len, grym_error *err);
int sj_ingest_run(grym_catalog *cat, const char *params, const char *inputs,
		  grym_stage_env *env, json_t *result, grym_error *err);

/* A synth job (jobs_synth.c): what sj_check and sj_run do for the stage
 * "synth", which they hand it to. */
int sj_synth_check(grym_catalog *cat, const char *params, const char *inputs,
		   char **params_out, char **inputs_out, char *field, size_t field_len,
		   grym_error *err);
int sj_synth_run(grym_catalog *cat, const char *params, const char *inputs, grym_stage_env *env,
		 json_t *result, grym_error *err);

/* What the stages' files share (jobs_stage.c). */
/* The field of a failed grym_schema_set_json into field: "params.KEY"
 * for the key its message names, else "params"; returns rc. */
int sj_params_error(int rc, const grym_error *e, char *field, size_t len);
/* Inputs of a stage that reads assets, checked as grym_jobs_submit says:
 * a non-empty array of ids (resolved to full ids) or a selection object;
 * *out receives the text to store (allocated). */
int sj_check_assets(grym_catalog *cat, const char *inputs, char **out, char *field, size_t len,
		    grym_error *err);
/* Stored inputs as references in a new grym_sources (*src, the caller
 * frees it), their number in *n: the ids, or the assets the selection
 * names now. */
int sj_open_assets(grym_catalog *cat, const char *inputs, grym_sources **src, uint64_t *n,
		   grym_error *err);

#endif
