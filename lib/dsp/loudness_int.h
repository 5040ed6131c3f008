/*
 * loudness_int.h — test hooks of the loudness meter (not installed).
 *
 * The oversampling factor of the true-peak meter follows the sample rate
 * (4x below 96 kHz, 2x below 192 kHz, none above). The unit tests force it
 * to 1 at 48 kHz, to show that their true-peak cases fail without the
 * oversampler and so really exercise it.
 */
#ifndef GRYM_DSP_LOUDNESS_INT_H
#define GRYM_DSP_LOUDNESS_INT_H

#include "grym/loudness.h"

/* grym_truepeak_new with the factor given: 1, 2 or 4; 0 chooses by rate. */
grym_truepeak *grym__truepeak_new_factor(int rate, int channels, int factor, grym_error *err);
/* grym_loudness_new whose true-peak meter uses tp_factor (as above). */
grym_loudness *grym__loudness_new_tp_factor(int rate, int channels, int flags, int tp_factor,
					    grym_error *err);

#endif
