/*
 * audio_params.h — parsers shared by the parameter tables of the stages
 * that write audio (normalize, synth): -t TYPE and --bits B with their
 * other spellings. Inside lib/stage only.
 */
#ifndef GRYM_STAGE_AUDIO_PARAMS_H
#define GRYM_STAGE_AUDIO_PARAMS_H

#include "grym/schema.h"

/* -t: a file type name or alias ("wave"), stored as its grym_file_type. */
int grym__parse_file_type(const grym_param *p, void *params, const char *text, grym_error *err);
/* --bits: 16, 24, 32 or a sample format name (s16, s24, f32, float). */
int grym__parse_bits(const grym_param *p, void *params, const char *text, grym_error *err);

#endif
