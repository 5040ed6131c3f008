/*
 * synth_dataset.c — the dataset word of the synth stage: classes x
 * per-class labelled clips (grym_synth_dataset_item), each a clip of
 * its own with the recipe that re-makes it.
 */
#include "synth_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int synth__dataset(synth_run *r, grym_error *err)
{
	const grym_synth_stage_params *cmd = r->cmd;
	const grym_synth_sink *s = r->sink;
	const char *dir = r->job->operand ? r->job->operand : ".";
	/* files are named for their type (-t flac writes .flac); records
	 * name theirs as WAV files would be */
	const char *ext = !r->records && cmd->type >= 0
		? grym_file_type_name((grym_file_type)cmd->type) : "wav";
	float *frames = NULL;
	int rc;

	r->total = (uint64_t)(cmd->classes > 0 ? cmd->classes : 0) *
		   (uint64_t)(cmd->per_class > 0 ? cmd->per_class : 0);
	r->msg = "synthesising";
	if (s->start && (rc = s->start(s->ud, 1, err)))
		return rc;
	for (int c = 0; c < cmd->classes; c++) {
		const char *cls = grym_synth_dataset_class(c);
		for (int i = 0; i < cmd->per_class; i++) {
			char key[256], path[4096];
			float *mono;
			int64_t n;
			json_t *recipe, *meta;

			if ((rc = synth__check(r, err)))
				goto done;
			r->env->ninputs++;
			grym_error_clear(err);
			snprintf(key, sizeof key, "%s-%03d", cls, i);
			snprintf(path, sizeof path, "%s/%s/%s.%s", dir, cls, key, ext);
			if (grym_synth_dataset_item(c, i, cmd->seed, r->rate, &mono, &n, err)) {
				grym_stage_fail(r->env, path, err);
				synth__next(r);
				continue;
			}
			free(frames);
			frames = malloc((size_t)(n > 0 ? n : 1) * (size_t)r->channels * sizeof *frames);
			if (!frames) {
				free(mono);
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				goto done;
			}
			for (int64_t f = 0; f < n; f++)
				for (int ch = 0; ch < r->channels; ch++)
					frames[f * r->channels + ch] = mono[f];
			free(mono);
			recipe = json_object();
			if (recipe) {
				json_object_set_new(recipe, "stage", json_string("synth"));
				json_object_set_new(recipe, "generator", json_string("dataset"));
				json_object_set_new(recipe, "class", json_string(cls));
				json_object_set_new(recipe, "index", json_integer(i));
				json_object_set_new(recipe, "seed", json_integer((json_int_t)cmd->seed));
				json_object_set_new(recipe, "rate", json_integer(r->rate));
			}
			if (!(meta = synth__record_meta(recipe, r->rate, r->channels, cls))) {
				rc = grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
				goto done;
			}
			grym_synth_clip clip = {
				.key = key, .path = path, .label = cls, .meta = meta,
				.rate = r->rate, .channels = r->channels, .frames = n,
			};
			rc = synth__emit(r, &clip, frames, err);
			json_decref(meta);
			if (rc)
				goto done;
			synth__next(r);
		}
	}
	rc = GRYM_OK;
done:
	free(frames);
	return rc;
}
