// Fortran LAPACK entry points used by Kelvin (column-major, arguments by pointer), loaded on first
// use as OpenBLAS is (see CBLAS.h): Kelvin's definitions (lapack.c) open liblapack.so.3 with dlopen
// on the first call and forward to it.
// Debian ships no LAPACKE headers with liblapack-dev, so the few routines needed are declared here.
#ifndef KELVIN_CLAPACK_H
#define KELVIN_CLAPACK_H

typedef struct { double re, im; } lapack_complex_double_t;

// LU factorisation and solve, real double.
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info);
// Reciprocal condition number estimate from an LU factorisation.
void dgecon_(const char *norm, const int *n, const double *a, const int *lda, const double *anorm,
             double *rcond, double *work, int *iwork, int *info);
// LU factorisation and solve, complex double (AC analysis).
void zgetrf_(const int *m, const int *n, lapack_complex_double_t *a, const int *lda, int *ipiv, int *info);
void zgetrs_(const char *trans, const int *n, const int *nrhs, const lapack_complex_double_t *a,
             const int *lda, const int *ipiv, lapack_complex_double_t *b, const int *ldb, int *info);

#endif
