// Fortran LAPACK entry points used by Kelvin (column-major, arguments by pointer).
// Debian ships no LAPACKE headers with liblapack-dev, so the few routines needed are declared here.
#ifndef KELVIN_CLAPACK_SHIM_H
#define KELVIN_CLAPACK_SHIM_H

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
// Least squares and singular values (fits, rank estimates).
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work,
             const int *lwork, int *iwork, int *info);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info);

#endif
