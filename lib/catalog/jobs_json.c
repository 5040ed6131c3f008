/*
 * jobs_json.c — a job row as the JSON the API gives (grym_job_row_json):
 * the stored JSON texts (params, inputs, result) inlined as values, times
 * as Unix seconds or null.
 */
#include "grym/catalog_jobs.h"

#include <jansson.h>
#include <stdlib.h>

static json_t *text_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A stored JSON text as a value: null when absent, the text as a string
 * when it does not parse (a row written by hand). */
static json_t *stored(const char *s)
{
	json_t *v;
	if (!s)
		return json_null();
	v = json_loads(s, JSON_DECODE_ANY, NULL);
	return v ? v : json_string(s);
}

static json_t *when(int64_t t)
{
	return t ? json_integer(t) : json_null();
}

char *grym_job_row_json(const grym_job_row *j)
{
	json_t *o = json_object();
	char *s;
	if (!o)
		return NULL;
	if (json_object_set_new(o, "id", json_string(j->id)) ||
	    json_object_set_new(o, "stage", json_string(j->kind)) ||
	    json_object_set_new(o, "state", json_string(grym_job_state_name(j->state))) ||
	    json_object_set_new(o, "progress", json_real(j->progress)) ||
	    json_object_set_new(o, "message", text_or_null(j->message)) ||
	    json_object_set_new(o, "error", text_or_null(j->error)) ||
	    json_object_set_new(o, "params", stored(j->params)) ||
	    json_object_set_new(o, "inputs", stored(j->inputs)) ||
	    json_object_set_new(o, "result", stored(j->result)) ||
	    json_object_set_new(o, "owner", text_or_null(j->owner)) ||
	    json_object_set_new(o, "created", when(j->created)) ||
	    json_object_set_new(o, "updated", when(j->updated)) ||
	    json_object_set_new(o, "started", when(j->started)) ||
	    json_object_set_new(o, "finished", when(j->finished))) {
		json_decref(o);
		return NULL;
	}
	s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(o);
	return s;
}
