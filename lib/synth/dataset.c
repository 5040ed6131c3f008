/*
 * dataset.c — labelled synthetic sound classes for demos and tests.
 *
 * grym needs a classification dataset that costs no download and is
 * reproducible bit for bit: each class is a family of sounds built from
 * the generators of this module, with its parameters drawn per item from
 * a random generator seeded by (seed, class, index). Classes differ in
 * spectral shape and its motion (steady tone, rising or falling sweep,
 * pink or brown noise, GENDYN, clicks, chords, grain clouds, square
 * waves), which MFCC means and deviations separate; items within a class
 * differ in pitch, length, level and noise floor. Writing the files is
 * the caller's (grym-synth dataset), so this stays pure computation.
 */
#include "grym/synth.h"
#include "grym/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const class_names[GRYM_SYNTH_DATASET_MAX_CLASSES] = {
	"tone", "chirp-up", "chirp-down", "pink-burst", "gendyn",
	"pulses", "chord", "cloud", "square", "brown-rumble"
};

const char *grym_synth_dataset_class(int cls)
{
	return cls >= 0 && cls < GRYM_SYNTH_DATASET_MAX_CLASSES ? class_names[cls] : NULL;
}

static double uni(grym_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * grym_rng_uniform(r);
}

static double logu(grym_rng *r, double lo, double hi)
{
	return lo * pow(hi / lo, grym_rng_uniform(r));
}

/* Add the whole of segment p (scaled by gain) into buf[0..n). */
static int mix(const grym_synth_params *p, int rate, double gain, float *buf, int64_t n,
	       grym_error *err)
{
	float tmp[4096];
	grym_synth *s = grym_synth_new(p, rate, err);
	int64_t done = 0, got;

	if (!s)
		return err ? err->code : GRYM_ERR_INVALID;
	while (done < n && (got = grym_synth_do(s, tmp, n - done < 4096 ? n - done : 4096)) > 0) {
		for (int64_t i = 0; i < got; i++)
			buf[done + i] += (float)(gain * tmp[i]);
		done += got;
	}
	grym_synth_free(s);
	return GRYM_OK;
}

/* The generator state of one item: (seed, class, index) hashed by chained
 * splitmix64 steps, each absorbing one field. XOR-ing the three into one
 * word (as grym once did) made seed 7's item 0 the same clip as seed 1's
 * item 6, so a "fresh" dataset made with another seed repeated the
 * training clips; hashing makes any two distinct triples collide with
 * probability 2^-64. */
static uint64_t item_state(uint64_t seed, int cls, int index)
{
	uint64_t h = seed;

	h = grym_rng_mix(&h) ^ (uint64_t)(uint32_t)cls;
	h = grym_rng_mix(&h) ^ (uint64_t)(uint32_t)index;
	return grym_rng_mix(&h);
}

int grym_synth_dataset_item(int cls, int index, uint64_t seed, int rate,
			    float **out, int64_t *frames, grym_error *err)
{
	grym_rng r;
	grym_synth_params p;
	uint64_t mixseed = item_state(seed, cls, index);
	double dur, peak_db, floor_db, peak = 0, nyq = rate / 2.0;
	int64_t n, fade;
	float *buf;
	int rc = GRYM_OK;

	*out = NULL;
	*frames = 0;
	if (!grym_synth_dataset_class(cls))
		return grym_error_set(err, GRYM_ERR_INVALID, "class %d out of range (0..%d)",
				      cls, GRYM_SYNTH_DATASET_MAX_CLASSES - 1);
	if (rate < 16000 || rate > 384000)
		return grym_error_set(err, GRYM_ERR_INVALID,
				      "dataset rate %d out of range (16000..384000)", rate);
	grym_rng_seed(&r, grym_rng_mix(&mixseed));
	dur = uni(&r, 0.5, 1.5);
	peak_db = uni(&r, -12, -1);
	floor_db = peak_db - uni(&r, 40, 50);
	n = llround(dur * rate);
	if (!(buf = calloc((size_t)n, sizeof *buf)))
		return grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");

	grym_synth_params_default(&p, GRYM_SYNTH_SINE);
	p.duration = dur;
	p.level = 0;
	p.seed = grym_rng_next(&r);
	p.phase = uni(&r, 0, 360);
	switch (cls) {
	case 0: /* tone */
		p.freq = logu(&r, 500, 1500);
		rc = mix(&p, rate, 1, buf, n, err);
		break;
	case 1: case 2: { /* log sweeps: up from the low register, down from the high */
		double lo, hi;
		if (cls == 1) {
			lo = logu(&r, 100, 200);
			hi = lo * pow(2, uni(&r, 2, 3));
		} else {
			hi = logu(&r, 3000, 6000);
			lo = hi / pow(2, uni(&r, 1.5, 2.5));
		}
		if (hi > nyq * 0.8)
			hi = nyq * 0.8;
		p.kind = GRYM_SYNTH_CHIRP;
		p.sweep = GRYM_SWEEP_LOG;
		p.freq = cls == 1 ? lo : hi;
		p.to = cls == 1 ? hi : lo;
		rc = mix(&p, rate, 1, buf, n, err);
		break;
	}
	case 3: /* pink noise burst */
		p.kind = GRYM_SYNTH_NOISE;
		p.color = GRYM_NOISE_PINK;
		rc = mix(&p, rate, 1, buf, n, err);
		break;
	case 4: /* gendyn */
		p.kind = GRYM_SYNTH_GENDYN;
		p.gendyn.points = 8 + (int)(grym_rng_uniform(&r) * 8);
		p.gendyn.freq_min = logu(&r, 150, 300);
		p.gendyn.freq_max = p.gendyn.freq_min * uni(&r, 1.5, 3);
		p.gendyn.adist = (grym_dist)(grym_rng_uniform(&r) * 3);
		p.gendyn.apar = uni(&r, 0.5, 2);
		rc = mix(&p, rate, 1, buf, n, err);
		break;
	case 5: /* click train */
		p.kind = GRYM_SYNTH_IMPULSE;
		p.freq = uni(&r, 4, 16);
		p.phase = 0;
		rc = mix(&p, rate, 1, buf, n, err);
		break;
	case 6: { /* triad, major or minor */
		double root = logu(&r, 110, 220);
		int third = grym_rng_uniform(&r) < 0.5 ? 3 : 4;
		int steps[3] = { 0, third, 7 };
		for (int i = 0; i < 3 && !rc; i++) {
			p.freq = root * pow(2, steps[i] / 12.0);
			p.phase = uni(&r, 0, 360);
			rc = mix(&p, rate, 1.0 / 3, buf, n, err);
		}
		break;
	}
	case 7: /* cloud */
		p.kind = GRYM_SYNTH_CLOUD;
		p.freq = logu(&r, 250, 500);
		p.to = p.freq * uni(&r, 2, 3);
		if (p.to > nyq * 0.8)
			p.to = nyq * 0.8;
		p.cloud.density = uni(&r, 30, 100);
		p.cloud.grain_min = 0.01;
		p.cloud.grain_max = uni(&r, 0.03, 0.06);
		rc = mix(&p, rate, 1, buf, n, err);
		break;
	case 8: /* square */
		p.kind = GRYM_SYNTH_SQUARE;
		p.freq = logu(&r, 60, 150);
		rc = mix(&p, rate, 1, buf, n, err);
		break;
	case 9: /* brown rumble */
		p.kind = GRYM_SYNTH_NOISE;
		p.color = GRYM_NOISE_BROWN;
		rc = mix(&p, rate, 1, buf, n, err);
		break;
	}
	if (rc) {
		free(buf);
		return rc;
	}
	/* noise floor, relative to the signal's unit peak */
	grym_synth_params_default(&p, GRYM_SYNTH_NOISE);
	p.duration = dur;
	p.level = floor_db - peak_db;
	if (p.level < -200)
		p.level = -200;
	p.seed = grym_rng_next(&r);
	if ((rc = mix(&p, rate, 1, buf, n, err))) {
		free(buf);
		return rc;
	}
	/* 5 ms raised-cosine fades, then the peak level */
	fade = rate / 200;
	if (fade > n / 2)
		fade = n / 2;
	for (int64_t i = 0; i < fade; i++) {
		float g = (float)(0.5 - 0.5 * cos(M_PI * (double)i / fade));
		buf[i] *= g;
		buf[n - 1 - i] *= g;
	}
	for (int64_t i = 0; i < n; i++)
		if (fabsf(buf[i]) > peak)
			peak = fabsf(buf[i]);
	if (peak > 0) {
		double g = pow(10, peak_db / 20) / peak;
		for (int64_t i = 0; i < n; i++)
			buf[i] = (float)(buf[i] * g);
	}
	*out = buf;
	*frames = n;
	return GRYM_OK;
}
