/*
 * stage_env.c — the reporting helpers every stage call uses
 * (grym/stage.h): per-input failures, lines for the user, progress.
 */
#include "grym/stage.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include "grym/hash.h"

void grym_stage_fail(grym_stage_env *env, const char *input, const grym_error *err)
{
	if (!env)
		return;
	env->nfailed++;
	if (env->failed)
		env->failed(env->ud, input, err);
}

void grym_stage_info(const grym_stage_env *env, int level, const char *input,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!env || !env->info)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	env->info(env->ud, level, input, msg);
}

void grym_stage_progress(const grym_stage_env *env, double done, uint64_t total, const char *msg)
{
	if (env && env->progress)
		env->progress(env->ud, done, total, msg);
}

int grym_stage_workers(const grym_stage_env *env, uint64_t n)
{
	int j = env && env->jobs > 0 ? env->jobs : 1;
	if (n < (uint64_t)j)
		j = (int)n;
	return j < 1 ? 1 : j;
}

char *grym_stage_item_name(const char *key, const json_t *meta)
{
	const char *path = json_string_value(json_object_get(meta, "path"));
	if (path && *path && key && grym_id_is_prefix(key) && strcmp(path, key) != 0) {
		size_t n = strlen(path) + 32;
		char *s = malloc(n);
		if (s)
			snprintf(s, n, "%s (%.12s)", path, key);
		return s;
	}
	return strdup(key ? key : "");
}
