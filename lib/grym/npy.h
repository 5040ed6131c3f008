/*
 * npy.h — numpy .npy files for matrices and vectors, so Python users can
 * numpy.load any grym feature output.
 */
#ifndef GRYM_NPY_H
#define GRYM_NPY_H
#pragma GCC visibility push(default)

#include <stdint.h>
#include "grym/error.h"
#include "grym/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write a float32 C-order array of ndim (1 or 2) dims to out. */
int grym_npy_write(grym_output *out, const float *data, int ndim, const uint64_t *shape,
		   grym_error *err) GRYM_MUST_CHECK;
/* Read a .npy of float32 or float64 (converted), 1-D or 2-D, C or Fortran
 * order (transposed to C order); *data is malloc'ed. */
int grym_npy_read(grym_input *in, float **data, int *ndim, uint64_t shape[2],
		  grym_error *err) GRYM_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#pragma GCC visibility pop

#endif
