/* SHA-256 after FIPS 180-4, section 6.2 (see ll_sha256.h). */
#include "base/ll_sha256.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void block(ll_sha256 *c, const uint8_t *p)
{
	uint32_t w[64];
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 |
		       (uint32_t)p[4 * t + 3];
	for (int t = 16; t < 64; t++) {
		uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3];
	uint32_t e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (int t = 0; t < 64; t++) {
		uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
		uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = cc;
		cc = b;
		b = a;
		a = t1 + t2;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
	c->h[5] += f;
	c->h[6] += g;
	c->h[7] += h;
}

void ll_sha256_init(ll_sha256 *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				       0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, h0, sizeof h0);
	c->nbytes = 0;
	c->nbuf = 0;
}

void ll_sha256_update(ll_sha256 *c, const void *data, size_t n)
{
	const uint8_t *p = data;
	if (n == 0)
		return; /* data may be NULL then: memcpy must not see it */
	c->nbytes += n;
	if (c->nbuf) {
		size_t take = 64 - c->nbuf < n ? 64 - c->nbuf : n;
		memcpy(c->buf + c->nbuf, p, take);
		c->nbuf += take;
		p += take;
		n -= take;
		if (c->nbuf < 64)
			return;
		block(c, c->buf);
		c->nbuf = 0;
	}
	for (; n >= 64; p += 64, n -= 64)
		block(c, p);
	if (n)
		memcpy(c->buf, p, n);
	c->nbuf = n;
}

void ll_sha256_final(ll_sha256 *c, uint8_t out[LL_SHA256_LEN])
{
	uint64_t bits = c->nbytes * 8;
	/* 0x80, zeros up to 56 mod 64, then the length as 64 bits big-endian */
	static const uint8_t pad[64] = {0x80};
	size_t npad = c->nbuf < 56 ? 56 - c->nbuf : 120 - c->nbuf;
	uint8_t len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	ll_sha256_update(c, pad, npad);
	ll_sha256_update(c, len, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void ll_sha256_hex(const uint8_t d[LL_SHA256_LEN], char out[LL_SHA256_HEX_LEN])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < LL_SHA256_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * LL_SHA256_LEN] = '\0';
}

void ll_sha256_buf_hex(const void *p, size_t n, char out[LL_SHA256_HEX_LEN])
{
	ll_sha256 c;
	uint8_t d[LL_SHA256_LEN];
	ll_sha256_init(&c);
	ll_sha256_update(&c, p, n);
	ll_sha256_final(&c, d);
	ll_sha256_hex(d, out);
}

int ll_sha256_file(const char *path, char out[LL_SHA256_HEX_LEN], ll_err *err)
{
	out[0] = '\0';
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	ll_sha256 c;
	uint8_t buf[1 << 14], d[LL_SHA256_LEN];
	size_t n;
	ll_sha256_init(&c);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		ll_sha256_update(&c, buf, n);
	int bad = ferror(fp);
	fclose(fp);
	if (bad)
		return ll_err_set(err, LL_EIO, "%s: read error", path);
	ll_sha256_final(&c, d);
	ll_sha256_hex(d, out);
	return LL_OK;
}
