/* The allocation hook: libc's malloc/realloc/free unless ll_alloc_set
 * installed another allocator (see ll_alloc.h). */
#include "base/ll_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *libc_malloc(void *ud, size_t size)
{
	(void)ud;
	return malloc(size);
}

static void *libc_realloc(void *ud, void *p, size_t size)
{
	(void)ud;
	return realloc(p, size);
}

static void libc_free(void *ud, void *p)
{
	(void)ud;
	free(p);
}

static const ll_allocator libc_allocator = {libc_malloc, libc_realloc, libc_free, NULL};

/* The one piece of process-global state in the core (see ll_alloc.h):
 * written only by ll_alloc_set, before any allocation. */
static ll_allocator cur = {libc_malloc, libc_realloc, libc_free, NULL};

void ll_alloc_set(const ll_allocator *a)
{
	cur = a ? *a : libc_allocator;
}

void *ll_malloc(size_t size)
{
	return cur.malloc(cur.ud, size ? size : 1);
}

void *ll_calloc(size_t n, size_t size)
{
	size_t bytes;
	if (!ll_mul_ok(n, size, &bytes))
		return NULL;
	void *p = ll_malloc(bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

void *ll_realloc(void *p, size_t size)
{
	if (!p)
		return ll_malloc(size);
	return cur.realloc(cur.ud, p, size ? size : 1);
}

char *ll_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = ll_malloc(len + 1);
	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

char *ll_strdup(const char *s)
{
	return ll_strndup(s, SIZE_MAX);
}

void ll_free(void *p)
{
	if (p)
		cur.free(cur.ud, p);
}

int ll_mul_ok(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return 0;
	*out = a * b;
	return 1;
}

void *ll_malloc_array(size_t n, size_t size)
{
	size_t bytes;
	if (!ll_mul_ok(n, size, &bytes))
		return NULL;
	return ll_malloc(bytes);
}

void *ll_calloc_array(size_t n, size_t size)
{
	return ll_calloc(n, size);
}
