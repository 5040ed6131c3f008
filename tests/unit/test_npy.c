/*
 * test_npy.c — .npy writing checked by numpy itself, reading of files
 * numpy wrote (float32/float64, C/Fortran order, v1/v2 headers, big
 * endian), librosa's fixture, and malformed headers.
 */
#include "tap.h"
#include "grym/npy.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;

static int run(const char *cmd)
{
	int rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static int write_npy(const char *path, const float *data, int ndim, const uint64_t *shape)
{
	grym_error err;
	grym_output *o = grym_output_open(path, &err);
	if (!o)
		return -1;
	if (grym_npy_write(o, data, ndim, shape, &err) < 0) {
		grym_output_abort(o);
		return -1;
	}
	return grym_output_commit(o, &err);
}

static int read_npy(const char *path, float **data, int *ndim, uint64_t shape[2], grym_error *err)
{
	grym_input *in = grym_input_open(path, err);
	if (!in)
		return err->code;
	int rc = grym_npy_read(in, data, ndim, shape, err);
	grym_input_free(in);
	return rc;
}

static void test_write_numpy(void)
{
	char path[600], cmd[2000];
	float m[3 * 4];
	uint64_t shape[2] = { 3, 4 };

	for (int i = 0; i < 12; i++)
		m[i] = (float)(i * 1.25 - 3.0) / 7.0f;
	m[5] = 1e-30f;
	m[6] = -3.4028235e38f;
	snprintf(path, sizeof path, "%s/m.npy", dir);
	TAP_EQ_INT(write_npy(path, m, 2, shape), 0, "write 3x4 matrix");
	/* numpy loads it and compares with the same float32 values, bit for bit */
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c \"import numpy as np, sys\n"
		 "a = np.load('%s')\n"
		 "e = (np.arange(12, dtype=np.float64) * 1.25 - 3.0).astype(np.float32) / np.float32(7)\n"
		 "e[5] = np.float32(1e-30); e[6] = np.float32(-3.4028235e38)\n"
		 "e = e.reshape(3, 4)\n"
		 "sys.exit(0 if a.dtype == np.float32 and a.shape == (3, 4) and a.tobytes() == e.tobytes() else 1)\"",
		 path);
	TAP_EQ_INT(run(cmd), 0, "numpy.load reads the matrix with exact values");

	float v[5] = { 1, 2, 3, 4.5f, -0.0f };
	uint64_t vs[1] = { 5 };
	snprintf(path, sizeof path, "%s/v.npy", dir);
	TAP_EQ_INT(write_npy(path, v, 1, vs), 0, "write vector");
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c \"import numpy as np, sys\n"
		 "a = np.load('%s')\n"
		 "sys.exit(0 if a.shape == (5,) and list(a) == [1, 2, 3, 4.5, 0] and np.signbit(a[4]) else 1)\"",
		 path);
	TAP_EQ_INT(run(cmd), 0, "numpy.load reads the vector");

	/* header is padded so data is 64-byte aligned */
	FILE *f = fopen(path, "rb");
	unsigned char pre[10];
	TAP_OK(f && fread(pre, 1, 10, f) == 10, "read header");
	if (f)
		fclose(f);
	TAP_EQ_INT((10 + (pre[8] | pre[9] << 8)) % 64, 0, "data offset is a multiple of 64");

	float *d;
	int nd;
	uint64_t sh[2];
	grym_error err;
	TAP_EQ_INT(read_npy(path, &d, &nd, sh, &err), 0, "read back our vector");
	TAP_OK(nd == 1 && sh[0] == 5 && memcmp(d, v, sizeof v) == 0, "vector round trip");
	free(d);
	uint64_t es[2] = { 0, 7 };
	snprintf(path, sizeof path, "%s/e.npy", dir);
	TAP_EQ_INT(write_npy(path, NULL, 2, es), 0, "write empty 0x7 matrix");
	TAP_EQ_INT(read_npy(path, &d, &nd, sh, &err), 0, "read empty matrix");
	TAP_OK(nd == 2 && sh[0] == 0 && sh[1] == 7 && d != NULL, "empty matrix shape 0x7");
	free(d);
}

/* numpy writes a file with the given expression; we read and compare. */
static void check_numpy_file(const char *name, const char *expr, const char *save)
{
	char path[600], cmd[2000];
	float *d = NULL;
	int nd = 0;
	uint64_t sh[2];
	grym_error err;

	snprintf(path, sizeof path, "%s/%s.npy", dir, name);
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c \"import numpy as np\n"
		 "a = %s\n"
		 "%s\"", expr, save);
	{
		char full[2600];
		snprintf(full, sizeof full, "cd '%s' && %s", dir, cmd);
		if (run(full) != 0) {
			TAP_OK(0, "%s: numpy wrote the file", name);
			return;
		}
	}
	int rc = read_npy(path, &d, &nd, sh, &err);
	TAP_EQ_INT(rc, 0, "%s: read (%s)", name, rc ? err.msg : "ok");
	if (rc)
		return;
	/* the reference: arange(R*C).reshape(R, C) * 0.5 - 1 in C order */
	int ok = nd == 2 && sh[0] == 3 && sh[1] == 5;
	for (int i = 0; ok && i < 15; i++)
		ok = d[i] == (float)(i * 0.5 - 1);
	TAP_OK(ok, "%s: 3x5 values in C order", name);
	free(d);
}

static void test_read_numpy(void)
{
	const char *base = "(np.arange(15).reshape(3, 5) * 0.5 - 1)";
	char expr[300];

	snprintf(expr, sizeof expr, "%s.astype('<f4')", base);
	check_numpy_file("c_f4", expr, "np.save('c_f4.npy', a)");
	snprintf(expr, sizeof expr, "%s.astype('<f8')", base);
	check_numpy_file("c_f8", expr, "np.save('c_f8.npy', a)");
	snprintf(expr, sizeof expr, "np.asfortranarray(%s.astype('<f4'))", base);
	check_numpy_file("f_f4", expr, "np.save('f_f4.npy', a)");
	snprintf(expr, sizeof expr, "np.asfortranarray(%s.astype('<f8'))", base);
	check_numpy_file("f_f8", expr, "np.save('f_f8.npy', a)");
	snprintf(expr, sizeof expr, "%s.astype('>f4')", base);
	check_numpy_file("big_f4", expr, "np.save('big_f4.npy', a)");
	snprintf(expr, sizeof expr, "%s.astype('<f4')", base);
	check_numpy_file("v2", expr,
			 "import numpy.lib.format as F\n"
			 "f = open('v2.npy', 'wb'); F.write_array(f, a, version=(2, 0)); f.close()");

	float *d;
	int nd;
	uint64_t sh[2];
	grym_error err;
	const char *path = tap_fixture("chirp.mfcc.npy");
	if (!path)
		return;
	int rc = read_npy(path, &d, &nd, sh, &err);
	TAP_EQ_INT(rc, 0, "read librosa chirp.mfcc.npy (%s)", rc ? err.msg : "ok");
	if (rc == 0) {
		TAP_OK(nd == 2 && sh[0] == 20 && sh[1] == 130, "shape 20 x 130 as in manifest.json");
		TAP_NEAR(d[0], -205.46378, 1e-4, "mfcc[0,0]");
		TAP_NEAR(d[2], -445.98593, 1e-4, "mfcc[0,2]");
		TAP_NEAR(d[19 * 130 + 129], -9.871237, 1e-5, "mfcc[19,129]");
		free(d);
	}
}

static int read_mem(const void *p, size_t n, grym_error *err)
{
	grym_input *in = grym_input_from_memory(p, n, "mem", NULL);
	float *d = NULL;
	int nd;
	uint64_t sh[2];
	int rc = grym_npy_read(in, &d, &nd, sh, err);
	grym_input_free(in);
	free(d);
	return rc;
}

/* Build a v1 file around a header string and n data bytes. */
static size_t mk(unsigned char *buf, const char *header, size_t ndata)
{
	size_t h = strlen(header);
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)(h & 0xff);
	buf[9] = (unsigned char)(h >> 8);
	memcpy(buf + 10, header, h);
	memset(buf + 10 + h, 0, ndata);
	return 10 + h + ndata;
}

static void test_bad(void)
{
	static unsigned char buf[70000];
	grym_error err;
	size_t n;

	TAP_EQ_INT(read_mem("", 0, &err), GRYM_ERR_FORMAT, "empty input");
	TAP_EQ_INT(read_mem("\x93NUMPZ\x01\x00\x10\x00", 10, &err), GRYM_ERR_FORMAT, "bad magic");
	TAP_EQ_INT(read_mem("\x93NUMPY\x09\x00\x10\x00", 10, &err), GRYM_ERR_UNSUPPORTED, "version 9");
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), 0, "well-formed minimal file");
	TAP_EQ_INT(read_mem(buf, n - 1, &err), GRYM_ERR_CORRUPT, "truncated data");
	TAP_OK(strstr(err.msg, "truncated") != NULL, "message: %s", err.msg);
	TAP_EQ_INT(read_mem(buf, 30, &err), GRYM_ERR_FORMAT, "truncated header");
	n = mk(buf, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_UNSUPPORTED, "int32 refused: %s", err.msg);
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), }\n", 48);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_UNSUPPORTED, "3-D refused: %s", err.msg);
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", 4);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_UNSUPPORTED, "0-D refused");
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_FORMAT, "negative dim refused");
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_FORMAT, "unknown key refused");
	n = mk(buf, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_FORMAT, "duplicate key refused");
	n = mk(buf, "{'descr': '<f4', 'shape': (3,)}\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_FORMAT, "missing key refused");
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} junk\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_FORMAT, "junk after dict refused");
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_FORMAT, "dim overflowing 64 bits refused");
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_LIMIT, "2^64 elements refused");
	/* claims 100 GB but holds 12 bytes: fails as truncated, allocates little */
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (25000000000,)}\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_LIMIT, "100 GB claim over the 64 GiB cap refused");
	n = mk(buf, "{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000,)}\n", 12);
	TAP_EQ_INT(read_mem(buf, n, &err), GRYM_ERR_CORRUPT, "16 GB claim with 12 bytes: truncated, no big allocation");
	/* v2 header length beyond the limit */
	memcpy(buf, "\x93NUMPY\x02\x00\x01\x00\x01\x00", 12);
	TAP_EQ_INT(read_mem(buf, 12, &err), GRYM_ERR_LIMIT, "64 KiB+ header refused: %s", err.msg);
}

int main(void)
{
	tap_plan(48);
	dir = tap_tmpdir();
	test_write_numpy();
	test_read_numpy();
	test_bad();
	return tap_done();
}
