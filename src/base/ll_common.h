/*
 * ll_common.h - status codes, the error buffer and the progress callback
 * shared by every latentlab module; it brings in the allocation hook
 * (ll_alloc.h) too.
 *
 * Conventions (every module follows them):
 *  - functions that can fail return int: LL_OK (0) or a negative ll_status,
 *    and fill an optional ll_err (may be NULL) with a one-line message that
 *    names the file or argument and the problem;
 *  - objects use _init/_free (caller-owned struct) or _new/_free (heap);
 *    _free on a zeroed or already-freed object is a no-op;
 *  - one rule for out-parameters after a failed read, load, make, fit or
 *    init: on failure the output is zeroed and holds nothing to free (its
 *    _free is harmless, not needed); a function returning a pointer
 *    returns NULL.  Each such function's header says "On failure:".  Side
 *    outputs that own nothing (an ll_array_info) may still describe what
 *    was read, where the header says so;
 *  - every heap block comes from ll_alloc.h (ll_malloc, ll_malloc_array,
 *    ...) and goes back with ll_free, including what a function hands to
 *    its caller;
 *  - the core keeps no global mutable state, except process-wide
 *    configuration set once at start-up, before anything else: the
 *    allocator that ll_alloc_set installs (for tests and embedders) and
 *    the input limit of ll_input_limit_set (base/ll_limits.h).
 */
#ifndef LL_COMMON_H
#define LL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "base/ll_alloc.h"

#define LL_MAX_MODES 8 /* most modes a tensor may have */

/* Every status once: X(name, value, message).  The map generates enum
 * ll_status, ll_strerror() (the message) and ll_status_name() (the name),
 * as libuv's UV_ERRNO_MAP does; a new code is one line here. */
#define LL_STATUS_MAP(X)                                                                        \
	X(LL_OK, 0, "success")                                                                  \
	X(LL_ENOMEM, -1, "out of memory")       /* allocation failed or size overflows */       \
	X(LL_EIO, -2, "input/output error")     /* open/read/write/rename failed */             \
	X(LL_EFORMAT, -3, "bad file format")    /* file is truncated, garbled or unsupported */ \
	X(LL_EINVAL, -4, "invalid argument")    /* bad argument or option value */              \
	X(LL_ESHAPE, -5, "shape mismatch")      /* shapes do not agree, or a mode is empty */   \
	X(LL_ENUMERIC, -6, "numerical problem") /* NaN/Inf where not allowed, or breakdown */   \
	X(LL_ELAPACK, -7, "LAPACK failure")     /* LAPACK returned info != 0 and no fallback */ \
	X(LL_ECANCELED, -8, "canceled")         /* the progress callback asked to stop */       \
	X(LL_ENOTSUP, -9, "not supported")      /* valid input we deliberately do not handle */ \
	X(LL_ELIMIT, -10, "input larger than the limit") /* decodes to more than ll_input_limit() */ \
	X(LL_EEXIST, -11, "in the way")         /* something latentlab did not make is where it writes */

#define LL_STATUS_ENUM_(name, value, msg) name = value,
enum ll_status { LL_STATUS_MAP(LL_STATUS_ENUM_) };
#undef LL_STATUS_ENUM_

#define LL_ERRMSG_MAX 512

typedef struct ll_err {
	int code;                /* last status set, LL_OK if none */
	char msg[LL_ERRMSG_MAX]; /* one line, no trailing newline */
} ll_err;

/* Set *err (if non-NULL) and return code, so callers can write
 * `return ll_err_set(err, LL_EINVAL, "rank %zu > ...", r);`. */
int ll_err_set(ll_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/* Prefix the message already in err with "prefix: " (e.g. a file name). */
int ll_err_prefix(ll_err *err, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* The one out-of-memory message: ll_err_set(err, LL_ENOMEM, "out of
 * memory"), so `return ll_err_oom(err);`.  Where the size or the object
 * helps, say it instead ("cp: out of memory for the SVD init"). */
int ll_err_oom(ll_err *err);
void ll_err_clear(ll_err *err);
/* The message of a status ("out of memory"), or "unknown error". */
const char *ll_strerror(int code);
/* The name of a status ("LL_ENOMEM"), or "LL_UNKNOWN". */
const char *ll_status_name(int code);

/* Progress reporting for long work.  Return non-zero from the callback to
 * cancel: the running routine then returns LL_ECANCELED. */
typedef struct ll_progress {
	const char *stage;  /* e.g. "tca rank 5" */
	double frac;        /* 0..1, or negative if unknown */
	const char *detail; /* optional one-line detail, may be NULL */
} ll_progress;
typedef int (*ll_progress_fn)(void *ud, const ll_progress *p);

/* One list per enum, X(ID, "name") in value order, gives the enum, its
 * names and the choices string a session parameter shows, so they cannot
 * drift apart:
 *
 *   #define LL_CP_METHODS(X) X(LL_CP_ALS, "cp-als") X(LL_CP_NCP_HALS, "ncp-hals")
 *   typedef enum ll_cp_method { LL_CP_METHODS(LL_ENUM_ID) } ll_cp_method;
 *   static const char *const names[] = {LL_CP_METHODS(LL_ENUM_NAME)};
 *   LL_ENUM_CHOICES(LL_CP_METHODS)   ->   "cp-als|ncp-hals" (a constant)
 */
#define LL_ENUM_ID(id, name) id,
#define LL_ENUM_NAME(id, name) name,
#define LL_ENUM_CHOICE_(id, name) "|" name
#define LL_ENUM_COUNT_(id, name) +1
#define LL_ENUM_CHOICES(list) (list(LL_ENUM_CHOICE_) + 1)
#define LL_ENUM_N(list) (0 list(LL_ENUM_COUNT_))

/* Index of s in names[0..n-1], or -1.  Case-insensitive, and '_' matches
 * '-' ("CP_ALS" finds "cp-als"): option and session values share it. */
int ll_name_lookup(const char *const *names, int n, const char *s);

/* qsort comparator for doubles, ascending (a NaN compares equal to
 * anything, as (x > y) - (x < y) gives). */
int ll_cmp_double(const void *a, const void *b);
/* The q-quantile (0..1) of v[0..n-1] sorted ascending, n >= 1, with
 * linear interpolation between order statistics (NumPy's default). */
double ll_quantile_sorted(const double *v, size_t n, double q);

/* Monotonic wall-clock seconds. */
double ll_now(void);

#endif
