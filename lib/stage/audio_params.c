/*
 * audio_params.c — the -t and --bits parsers of the stages that write
 * audio, one copy for normalize's and synth's tables.
 */
#include "stage/audio_params.h"
#include "core/schema_int.h"
#include "grym/audio.h"

int grym__parse_file_type(const grym_param *p, void *params, const char *text, grym_error *err)
{
	grym_file_type t;
	if (grym_file_type_choose(text, NULL, &t, err) != GRYM_OK)
		return GRYM_ERR_INVALID;
	*grym__param_int(p, params) = (int)t;
	return GRYM_OK;
}

int grym__parse_bits(const grym_param *p, void *params, const char *text, grym_error *err)
{
	grym_sample_format f;
	if (grym_sample_format_parse(text, &f) != GRYM_OK)
		return GRYM_ERR_INVALID;
	*grym__param_int(p, params) = f == GRYM_SAMPLE_S16 ? 16 : f == GRYM_SAMPLE_S24 ? 24 : 32;
	return GRYM_OK;
}
