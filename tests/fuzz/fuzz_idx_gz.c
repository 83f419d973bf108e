/* libFuzzer harness: an IDX file inflated as it is read.  The input is the
 * IDX content after one control byte; the harness gzips it (so the fuzzer
 * works on the IDX header and data, not on deflate's bits) and, as the
 * control byte says, cuts the gzip stream short, flips a byte of it, or
 * appends a second gzip member, then reads it as doubles and as bytes. */
#include <zlib.h>

#include "fuzz.h"
#include "io/ll_idx.h"

/* gzip of in[0..n) appended at out + *len (cap bytes in all); 0 on success. */
static int gzip_into(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out + *len;
	zs.avail_out = (uInt)(cap - *len);
	int zr = deflate(&zs, Z_FINISH);
	*len += zs.total_out;
	deflateEnd(&zs);
	return zr == Z_STREAM_END ? 0 : -1;
}

LL_FUZZ_TARGET(idx_gz)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	unsigned ctl = data[0];
	const uint8_t *idx = data + 1;
	size_t n = size - 1, split = ctl & 0x40 ? n / 2 : n;
	size_t cap = 2 * compressBound((uLong)n) + 64, len = 0;
	uint8_t *gz = malloc(cap);
	if (!gz)
		return 0;
	/* 0x40: two gzip members, the content split between them */
	if (gzip_into(idx, split, gz, cap, &len) != 0 ||
	    (split < n && gzip_into(idx + split, n - split, gz, cap, &len) != 0)) {
		free(gz);
		return 0;
	}
	switch (ctl & 0x30) {
	case 0x10: /* cut short by 1..16 bytes */
		len -= len > (ctl & 15) + 1 ? (ctl & 15) + 1 : len;
		break;
	case 0x20: /* a flipped byte */
		if (len)
			gz[(ctl & 15) * 7919 % len] ^= 0x55;
		break;
	case 0x30: /* junk after the last member (ignored, as gzread does) */
		if (len + 3 <= cap)
			memcpy(gz + len, "xyz", 3), len += 3;
		break;
	}

	ll_tensor t;
	ll_array_info info;
	unsigned char *u8;
	ll_err e;
	ll_err_clear(&e);
	int rc = ll_idx_read_mem(gz, len, "fuzz.idx.gz", &t, &info, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.idx.gz");
	ll_fuzz_check_tensor(rc, &t);
	ll_tensor_free(&t);
	rc = ll_idx_read_u8_mem(gz, len, "fuzz.idx.gz", &u8, &info, &e);
	ll_fuzz_check_err(rc, &e, "fuzz.idx.gz");
	LL_FUZZ_CHECK((rc == LL_OK) == (u8 != NULL));
	ll_free(u8);
	free(gz);
	return 0;
}
