/*
 * recipe.c — a synth sequence as JSON, for record metadata and the
 * catalog: everything needed to make the same samples again.
 *
 * Only the parameters a generator reads are written, with their values
 * after defaults, so two recipes that make the same sound compare equal
 * and a recipe never names a parameter that had no effect.
 */
#include "grym/synth.h"

#include <jansson.h>

static int put(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *segment(const grym_synth_params *p)
{
	json_t *o = json_object();
	int rc = 0;
	grym_synth_kind k = p->kind;

	if (!o)
		return NULL;
	rc |= put(o, "generator", json_string(grym_synth_kind_name(k)));
	rc |= put(o, "duration", json_real(p->duration));
	if (k != GRYM_SYNTH_SILENCE)
		rc |= put(o, "level", json_real(p->level));
	switch (k) {
	case GRYM_SYNTH_SINE: case GRYM_SYNTH_SQUARE: case GRYM_SYNTH_SAW:
		rc |= put(o, "freq", json_real(p->freq));
		rc |= put(o, "phase", json_real(p->phase));
		break;
	case GRYM_SYNTH_CHIRP:
		rc |= put(o, "freq", json_real(p->freq));
		rc |= put(o, "to", json_real(p->to));
		rc |= put(o, "sweep", json_string(grym_sweep_name(p->sweep)));
		rc |= put(o, "phase", json_real(p->phase));
		break;
	case GRYM_SYNTH_IMPULSE:
		if (p->sieve) {
			rc |= put(o, "sieve", json_string(p->sieve));
			rc |= put(o, "grid", json_real(p->grid));
		} else {
			rc |= put(o, "freq", json_real(p->freq));
			rc |= put(o, "phase", json_real(p->phase));
		}
		break;
	case GRYM_SYNTH_NOISE:
		rc |= put(o, "color", json_string(grym_noise_color_name(p->color)));
		rc |= put(o, "seed", json_integer((json_int_t)p->seed));
		break;
	case GRYM_SYNTH_GENDYN: {
		const grym_gendyn_params *g = &p->gendyn;
		rc |= put(o, "points", json_integer(g->points));
		rc |= put(o, "adist", json_string(grym_dist_name(g->adist)));
		rc |= put(o, "ddist", json_string(grym_dist_name(g->ddist)));
		rc |= put(o, "apar", json_real(g->apar));
		rc |= put(o, "dpar", json_real(g->dpar));
		rc |= put(o, "amp_barrier", json_real(g->amp_barrier));
		rc |= put(o, "amp_step", json_real(g->amp_step));
		rc |= put(o, "freq_min", json_real(g->freq_min));
		rc |= put(o, "freq_max", json_real(g->freq_max));
		rc |= put(o, "dur_step", json_real(g->dur_step));
		rc |= put(o, "seed", json_integer((json_int_t)p->seed));
		break;
	}
	case GRYM_SYNTH_CLOUD: {
		const grym_cloud_params *c = &p->cloud;
		rc |= put(o, "freq", json_real(p->freq));
		rc |= put(o, "to", json_real(p->to));
		if (c->onset_sieve) {
			rc |= put(o, "onset_sieve", json_string(c->onset_sieve));
			rc |= put(o, "grid", json_real(c->grid));
		} else
			rc |= put(o, "density", json_real(c->density));
		if (c->sieve)
			rc |= put(o, "sieve", json_string(c->sieve));
		rc |= put(o, "grain_min", json_real(c->grain_min));
		rc |= put(o, "grain_max", json_real(c->grain_max));
		rc |= put(o, "amp_range", json_real(c->amp_range));
		rc |= put(o, "seed", json_integer((json_int_t)p->seed));
		break;
	}
	default:
		break;
	}
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *grym_synth_recipe(const grym_synth_params *params, size_t nseg, int rate,
			  int channels)
{
	json_t *r = json_object(), *segs = json_array();
	int rc = 0;

	if (!r || !segs) {
		json_decref(r);
		json_decref(segs);
		return NULL;
	}
	rc |= put(r, "stage", json_string("synth"));
	rc |= put(r, "rate", json_integer(rate));
	rc |= put(r, "channels", json_integer(channels));
	for (size_t i = 0; i < nseg; i++)
		rc |= json_array_append_new(segs, segment(&params[i])) ? 1 : 0;
	rc |= put(r, "segments", segs);
	if (rc) {
		json_decref(r);
		return NULL;
	}
	return r;
}
