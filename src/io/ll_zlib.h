/*
 * ll_zlib.h - zlib glue for the io room: z_streams whose allocations go
 * through the allocation hook (base/ll_alloc.h), so the failing-allocator
 * tests reach zlib's window and state too.  Internal to io/.
 */
#ifndef LL_ZLIB_H
#define LL_ZLIB_H

#include <string.h>
#include <zlib.h>

#include "base/ll_alloc.h"

static inline voidpf ll_zalloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return ll_malloc_array(items, size);
}

static inline void ll_zfree(voidpf opaque, voidpf p)
{
	(void)opaque;
	ll_free(p);
}

/* Zero zs and point its allocator at the hook; call before inflateInit2
 * or deflateInit2. */
static inline void ll_zstream_init(z_stream *zs)
{
	memset(zs, 0, sizeof *zs);
	zs->zalloc = ll_zalloc;
	zs->zfree = ll_zfree;
	zs->opaque = Z_NULL;
}

#endif
