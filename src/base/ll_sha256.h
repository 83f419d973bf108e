/*
 * ll_sha256.h - SHA-256 (FIPS 180-4), for the report's provenance: the
 * checksum of every input file, so a reader can tell that a report was
 * made from the bytes they hold.  Not for anything secret (no constant-time
 * claims, no key handling).
 *
 * Streaming: init, update any number of times, final.  The state is the
 * caller's struct; nothing here allocates.  ll_sha256_file reads a file in
 * blocks and gives the 64-character lowercase hex digest.
 */
#ifndef LL_SHA256_H
#define LL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_common.h"

#define LL_SHA256_LEN 32      /* digest bytes */
#define LL_SHA256_HEX_LEN 65  /* hex digest + NUL */

typedef struct ll_sha256 {
	uint32_t h[8];
	uint64_t nbytes;  /* message length so far */
	uint8_t buf[64];  /* a partial block */
	size_t nbuf;
} ll_sha256;

void ll_sha256_init(ll_sha256 *c);
void ll_sha256_update(ll_sha256 *c, const void *p, size_t n);
/* The digest; c must be initialised again before reuse. */
void ll_sha256_final(ll_sha256 *c, uint8_t out[LL_SHA256_LEN]);
/* digest as 64 lowercase hex digits + NUL */
void ll_sha256_hex(const uint8_t d[LL_SHA256_LEN], char out[LL_SHA256_HEX_LEN]);
/* One call: the hex digest of n bytes. */
void ll_sha256_buf_hex(const void *p, size_t n, char out[LL_SHA256_HEX_LEN]);
/* The hex digest of the file at path.  LL_OK, or LL_EIO with a message
 * naming the file (cannot open, read error). */
int ll_sha256_file(const char *path, char out[LL_SHA256_HEX_LEN], ll_err *err);

#endif
