/*
 * ll_limits.h - the input limit: how much memory the decoded data of one
 * input may take.
 *
 * Every reader of src/io works out, before allocating for it, how much
 * memory the data it is about to read decodes to, and refuses with
 * LL_ELIMIT when that is more than ll_input_limit():
 *  - .npy, .npz members, IDX (raw or gzip), ll_array_read: the tensor,
 *    elements x 8 bytes (float64), from the header's shape (so a 64 KB
 *    .npz or .idx.gz that inflates to gigabytes is refused after its
 *    header, before inflating), and for an .npz read whole
 *    (ll_array_read_all) the sum over its members; an .npz that is not
 *    a regular file (a pipe) is read into memory first, and that copy
 *    counts too;
 *  - ll_idx_read_u8: the bytes; MNIST: the bytes plus the float32 copy;
 *  - CSV: the text itself, the rows kept while reading, and the tensor:
 *    the long layout checks the tensor the rows read so far imply
 *    (neurons x times x trials) at every row, so a short file with
 *    distinct indices on every line stops at the row that passes the
 *    limit; the matrix layout checks rows x columns before allocating.
 * The message names the input and both sizes, in one line:
 *   big.npz: the array is 200000 x 10000 float64 = 14.9 GiB decoded, more
 *   than the input limit of 12.0 GiB (--max-input-bytes or LATENTLAB_MAX_INPUT_BYTES)
 * Scratch of a fixed size (chunk buffers, zlib's window) is not counted.
 *
 * The limit is process-wide configuration, like the allocator
 * (base/ll_alloc.h): set it once at start-up, before any read, from one
 * thread; the readers only read it.
 */
#ifndef LL_LIMITS_H
#define LL_LIMITS_H

#include <stddef.h>

#include "base/ll_common.h"

/* The smallest default: 64 MiB. */
#define LL_INPUT_LIMIT_MIN ((size_t)64 << 20)
/* The environment variable that sets the limit when ll_input_limit_set
 * has not. */
#define LL_INPUT_LIMIT_ENV "LATENTLAB_MAX_INPUT_BYTES"

/* The limit in bytes: what ll_input_limit_set set; else
 * $LATENTLAB_MAX_INPUT_BYTES if it is set and a valid size (see
 * ll_parse_bytes); else half of physical memory (sysconf
 * _SC_PHYS_PAGES x _SC_PAGESIZE), at least LL_INPUT_LIMIT_MIN (1 GiB if
 * the system does not say).  Never 0. */
size_t ll_input_limit(void);
/* Set the limit for the whole process; 0 goes back to the default
 * (environment, then physical memory).  Call before any read. */
void ll_input_limit_set(size_t bytes);

/* A size: decimal digits, optionally followed by K, M, G or T (powers of
 * 1024, either case, optionally followed by "iB" or "B": 512M = 512MiB =
 * 536870912).  Into *out; 0 if s is one, -1 (and *out untouched) if s is
 * empty, 0, malformed or does not fit size_t. */
int ll_parse_bytes(const char *s, size_t *out);
/* bytes as "512 B", "1.5 KiB", "14.9 GiB" (one decimal from KiB up). */
void ll_bytes_text(double bytes, char *buf, size_t n);

/* Set err to LL_ELIMIT with the one message for an input over the limit:
 * the text fmt gives (it should start with the input's name and say
 * what and how much, e.g. "x.npy: the array is 3 x 4 float64 = 96 B
 * decoded"), then ", more than the input limit of LIMIT (--max-input-bytes
 * or LATENTLAB_MAX_INPUT_BYTES)".  Returns LL_ELIMIT. */
int ll_err_limit(ll_err *err, size_t limit, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

#endif
