/*
 * ll_alloc.h - the one door to the heap.
 *
 * Every allocation and free of the core (src/) goes through these, so a
 * test can swap the allocator for one that fails the k-th allocation and
 * counts live blocks (tests/ll_failalloc.h), and an embedder can supply
 * its own.  Memory from any of them is released with ll_free(), never
 * free(): that includes memory the core hands to its callers
 * (ll_path_join, ll_read_file, ll_npz_list, ll_idx_read_u8, and anything
 * from ll_malloc_array / ll_calloc_array).
 *
 *   ll_malloc(n)       NULL on failure; n = 0 allocates 1 byte, so NULL
 *                      always means out of memory.
 *   ll_calloc(n, sz)   zeroed; NULL also when n * sz overflows.
 *   ll_realloc(p, n)   p = NULL is ll_malloc(n); n = 0 keeps 1 byte; on
 *                      failure p is untouched and still owned.
 *   ll_strdup(s), ll_strndup(s, n)   copies (at most n bytes, then a NUL).
 *   ll_free(p)         p = NULL does nothing.
 *   ll_malloc_array(n, sz), ll_calloc_array(n, sz)   the same with the
 *                      n * sz overflow check (NULL if it overflows).
 *
 * The allocator is process-global: ll_alloc_set() installs one (NULL
 * restores libc's malloc/realloc/free).  Like libuv's uv_replace_allocator
 * it is meant for tests and embedders, and must be called before any other
 * latentlab call, or at least while no block from the previous allocator
 * is still live and no other thread is allocating: a block must be freed
 * by the allocator that made it.  The table is copied; all three function
 * pointers must be set.  The core calls realloc only with p != NULL and
 * free only with p != NULL, and never asks for 0 bytes.  The functions
 * may be called from several threads at once (the OpenMP fits allocate),
 * so they must be thread-safe.
 *
 * What does not go through the hook, because we cannot reach it:
 *  - stdio's own buffers (fopen, fdopen, open_memstream), opendir;
 *  - LAPACKE's work arrays (LAPACKE_malloc), OpenBLAS' buffers and the
 *    OpenMP runtime;
 *  - libpng's structures (report/plot);
 *  - cmark (report/): it aborts the process when an allocation fails, so
 *    it must never be given a failing allocator; report/ uses its default.
 * zlib is hooked: the npz and IDX code set z_stream's zalloc/zfree to
 * ll_malloc/ll_free (io/ll_zlib.h).
 */
#ifndef LL_ALLOC_H
#define LL_ALLOC_H

#include <stddef.h>

typedef struct ll_allocator {
	void *(*malloc)(void *ud, size_t size);
	void *(*realloc)(void *ud, void *p, size_t size);
	void (*free)(void *ud, void *p);
	void *ud; /* passed to each */
} ll_allocator;

/* Install a (copied), or NULL for libc's.  See above for when. */
void ll_alloc_set(const ll_allocator *a);

void *ll_malloc(size_t size);
void *ll_calloc(size_t n, size_t size);
void *ll_realloc(void *p, size_t size);
char *ll_strdup(const char *s);
char *ll_strndup(const char *s, size_t n);
void ll_free(void *p);

/* Checked allocation: NULL on failure or when n*size overflows.
 * Release with ll_free(). */
void *ll_malloc_array(size_t n, size_t size);
void *ll_calloc_array(size_t n, size_t size);
/* a*b into *out; returns 0 on overflow */
int ll_mul_ok(size_t a, size_t b, size_t *out);

#endif
