/* libFuzzer harness: NWB spike binning from arrays (ll_nwb_bin_arrays),
 * the part of kind = nwb that is ours (HDF5 parses the file).  Byte 0:
 * units (0-16), byte 1: trials (0-16), byte 2: bin and window, byte 3:
 * align (bit 0) and whether the index is the bytes' doubles (bit 1) or
 * cumulative counts made from the next units bytes (a valid index, so the
 * binning itself runs); then doubles: the index (if raw), start times,
 * stop times, and the spike times (the rest). */
#include <math.h>

#include "fuzz.h"
#include "io/ll_nwb.h"

LL_FUZZ_TARGET(nwb)
{
	static const double bins[] = {0.02, 0.001, 0.1, 1.0, 0.0, -1.0, 1e-300, 1e300};
	static const double windows[] = {0.0, 0.5, 1.0, 1e-9, 10.0, 1e6, -2.0, 3.3};
	double ix[16], t0[16], t1[16], *st = NULL;
	size_t nu, nt, ns, off = 4, nd;
	ll_tensor X;
	ll_nwb_info in;
	ll_err e;

	if (size < 4)
		return 0;
	nu = data[0] % 17;
	nt = data[1] % 17;
	ll_nwb_opts o = {
		.bin = bins[data[2] % 8],
		.align_stop = data[3] & 1,
		.window = windows[data[2] / 8 % 8],
	};
	if (!(data[3] & 2)) {
		double c = 0;
		if (size < off + nu)
			return 0;
		for (size_t n = 0; n < nu; n++) {
			c += data[off + n] % 8;
			ix[n] = c;
		}
		off += nu;
	}
	nd = (size - off) / sizeof(double);
	size_t head = (data[3] & 2 ? nu : 0) + 2 * nt;
	if (nd < head)
		return 0;
	const uint8_t *p = data + off;
	if (data[3] & 2) {
		memcpy(ix, p, nu * sizeof(double));
		p += nu * sizeof(double);
	}
	memcpy(t0, p, nt * sizeof(double));
	p += nt * sizeof(double);
	memcpy(t1, p, nt * sizeof(double));
	p += nt * sizeof(double);
	ns = nd - head;
	st = malloc(ns ? ns * sizeof(double) : 1);
	if (!st)
		return 0;
	memcpy(st, p, ns * sizeof(double));
	if (!(data[3] & 2) && nu && ix[nu - 1] > (double)ns)
		ix[nu - 1] = (double)ns; /* still non-decreasing only if it was below */
	ll_err_clear(&e);
	int rc = ll_nwb_bin_arrays("fuzz.nwb", st, ns, ix, nu, t0, t1, nt, &o, &X, &in, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.nwb");
	ll_fuzz_check_tensor(rc, &X);
	if (rc == LL_OK) {
		double sum = 0;
		LL_FUZZ_CHECK(X.nmodes == 3 && X.dim[0] == nu && X.dim[2] == nt && X.dim[1] == in.bins);
		for (size_t i = 0; i < X.size; i++)
			sum += X.data[i];
		/* every count is one spike in one trial's window */
		LL_FUZZ_CHECK(sum == (double)in.counted && in.counted <= ns * nt);
	}
	ll_tensor_free(&X);
	free(st);
	return 0;
}
