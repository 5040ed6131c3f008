/*
 * synth_command.c — a synth command assembled word by word
 * (grym/stage_synth.h): which word an option belongs to, and the checks
 * of the whole command, from the table (grym/synth_params.h), so the
 * command line and a request say the same things about the same
 * mistakes.
 */
#include "synth_int.h"

#include <string.h>

int grym_synth_cmd_init(grym_synth_cmd *c, grym_error *err)
{
	memset(c, 0, sizeof *c);
	return grym_synth_stage_defaults(&c->g, GRYM_SYNTH_SINE, err);
}

int grym_synth_cmd_option(grym_synth_cmd *c, const char *name, const char *arg,
			  grym_error *err)
{
	const grym_schema *s = grym_synth_schema();
	const grym_param *o = grym_schema_find(s, name);
	grym_synth_stage_params *to;
	int gen = 0, xform = 0;

	grym_error_clear(err);
	if (!o)
		return GRYM_ERR_INVALID;        /* not the table's: no message */
	if (c->then_pending)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "--then must be followed by a generator, not --%s", name);
	for (int w = 0; w < GRYM_SYNTH_WORDS; w++) {
		if (!grym_param_applies(s, o, w))
			continue;
		gen |= w < GRYM_SYNTH_NKINDS;
		xform |= w > GRYM_SYNTH_WORD_DATASET;
	}
	if (grym_synth_param_global(o)) {
		to = &c->g;
	} else if (c->xform) {
		to = &c->word[0];
		if (!xform || c->xform < 2)
			return grym_error_set(err, GRYM_ERR_INVALID, "--%s does not apply to transform%s",
					      name, c->xform < 2 ? " (name the transformation first)" : "");
		if (!grym_param_applies(s, o, to->word))
			return grym_error_set(err, GRYM_ERR_INVALID, "--%s does not apply to transform %s",
					      name, grym_xform_name(to->xf.kind));
	} else {
		if (!gen)
			return grym_error_set(err, GRYM_ERR_INVALID, "--%s belongs to transform", name);
		if (c->nseg == 0 || c->dataset)
			return grym_error_set(err, GRYM_ERR_INVALID, "--%s belongs after a generator",
					      name);
		to = &c->word[c->nseg - 1];
		if (!grym_param_applies(s, o, to->word))
			return grym_error_set(err, GRYM_ERR_INVALID, "--%s does not apply to %s", name,
					      grym_synth_kind_name(to->seg.kind));
		if (!strcmp(name, "then")) {
			c->then_pending = 1;
			return GRYM_OK;
		}
	}
	return grym_param_set(o, to, arg, err);
}

int grym_synth_cmd_word(grym_synth_cmd *c, const char *w, int literal, grym_error *err)
{
	int rc = GRYM_OK;

	if (literal && (c->dataset || c->xform == 2)) {
		if (c->operand)
			return grym_error_set(err, GRYM_ERR_INVALID, "one operand only, not '%s'", w);
		c->operand = w;
	} else if (!strcmp(w, "dataset") && c->nseg == 0 && !c->dataset && !c->xform) {
		c->dataset = 1;
		c->g.word = GRYM_SYNTH_WORD_DATASET;
	} else if (!strcmp(w, "transform") && c->nseg == 0 && !c->dataset && !c->xform) {
		c->xform = 1;
	} else if (c->xform == 1) {
		grym_xform_kind xk;
		if ((rc = grym_xform_parse(w, &xk, err)) ||
		    (rc = grym_synth_stage_defaults(&c->word[0], GRYM_SYNTH_WORD_XFORM(xk), err)))
			return rc;
		c->g.word = c->word[0].word;
		c->xform = 2;
	} else if (c->dataset || c->xform) {
		if (c->operand)
			return grym_error_set(err, GRYM_ERR_INVALID, "%s takes one %s, not '%s'",
					      c->dataset ? "dataset" : "transform",
					      c->dataset ? "directory" : "input", w);
		c->operand = w;
	} else {
		grym_synth_kind kind;
		if (c->nseg > 0 && !c->then_pending)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "unexpected argument '%s' (use --then between segments)", w);
		if ((rc = grym_synth_kind_parse(w, &kind, err)))
			return rc;
		if (c->nseg == GRYM_SYNTH_MAX_SEGMENTS)
			return grym_error_set(err, GRYM_ERR_INVALID, "more than %d segments",
					      GRYM_SYNTH_MAX_SEGMENTS);
		if ((rc = grym_synth_stage_defaults(&c->word[c->nseg++], (int)kind, err)))
			return rc;
		if (c->nseg == 1)
			c->g.word = (int)kind;
	}
	c->then_pending = 0;
	return rc;
}

int grym_synth_cmd_finish(grym_synth_cmd *c, grym_synth_job *job, grym_error *err)
{
	const grym_synth_stage_params *g = &c->g;

	if (c->then_pending)
		return grym_error_set(err, GRYM_ERR_INVALID, "--then needs a generator after it");
	if (g->store && c->xform != 2)
		return grym_error_set(err, GRYM_ERR_INVALID, "--store goes with transform");
	if (g->bits != 16 && g->bits != 24 && g->bits != 32)
		return grym_error_set(err, GRYM_ERR_INVALID, "--bits %d: use 16, 24 or 32f", g->bits);
	if (c->dataset && !(g->records || g->text)) {
		grym_file_type type;
		int rc;
		/* the files are named for their type: -t flac writes .flac */
		if ((rc = grym_file_type_choose(g->type >= 0 ? grym_file_type_name(g->type) : NULL,
						NULL, &type, err)))
			return rc;
		if (!c->operand)
			return grym_error_set(err, GRYM_ERR_INVALID,
					      "dataset needs a directory (or --records)");
	} else if (c->dataset && c->operand) {
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "dataset --records writes to stdout or -o, not to '%s'", c->operand);
	}
	if (c->xform == 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "transform needs one of reverse, stretch, "
				      "pitch, randphase, smear, freeze");
	if (c->xform && g->channels && g->channels != 1)
		return grym_error_set(err, GRYM_ERR_INVALID, "transform keeps the input's channels "
				      "(or --channels 1 mixes to mono)");
	if (c->xform && !c->operand)
		c->operand = "-";       /* a filter: standard input by default */
	job->cmd = &c->g;
	job->words = c->word;
	job->nwords = c->xform ? 1 : c->nseg;
	job->operand = c->operand;
	return GRYM_OK;
}
