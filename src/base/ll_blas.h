/*
 * ll_blas.h - small shims for OpenBLAS and OpenMP shared by the core.
 *
 * OpenBLAS' thread control is declared here by hand: its cblas.h would do
 * it too, but it also defines a macro `I` (complex.h's), which clashes
 * with ordinary variable names, so only files that call CBLAS include it.
 * These prototypes match OpenBLAS' own, so a file may include both.
 *
 * LL_SIMD goes before an element-wise loop to have it vectorised even at
 * -O2 (an OpenMP simd pragma; nothing without OpenMP).  Give it only to
 * loops whose elements are independent (no reductions), so results do not
 * depend on how the loop is split into vectors.
 */
#ifndef LL_BLAS_H
#define LL_BLAS_H

/* OpenBLAS' thread count: process-global, so save and restore it around
 * a region that wants one thread per OpenMP task. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#ifdef _OPENMP
#define LL_SIMD _Pragma("omp simd")
#else
#define LL_SIMD
#endif

#endif
