// Forwarding definitions of the LAPACK routines Kelvin calls (see include/CLAPACK.h).
#include "CLAPACK.h"
#include "CBLAS.h"

// The function pointer of `name` in LAPACK, resolved once (a race resolves it twice, harmlessly).
#define LAPACK_FUNCTION(type, name)                                                      \
    static type cached;                                                                  \
    type forward = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);                           \
    if (!forward) {                                                                      \
        forward = (type)kelvin_blas_symbol("liblapack.so.3", #name);                     \
        __atomic_store_n(&cached, forward, __ATOMIC_RELEASE);                            \
    }

void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info) {
    typedef void (*fn)(const int *, const int *, double *, const int *, int *, int *);
    LAPACK_FUNCTION(fn, dgetrf_)
    forward(m, n, a, lda, ipiv, info);
}

void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info) {
    typedef void (*fn)(const char *, const int *, const int *, const double *, const int *,
                       const int *, double *, const int *, int *);
    LAPACK_FUNCTION(fn, dgetrs_)
    forward(trans, n, nrhs, a, lda, ipiv, b, ldb, info);
}

void dgecon_(const char *norm, const int *n, const double *a, const int *lda, const double *anorm,
             double *rcond, double *work, int *iwork, int *info) {
    typedef void (*fn)(const char *, const int *, const double *, const int *, const double *,
                       double *, double *, int *, int *);
    LAPACK_FUNCTION(fn, dgecon_)
    forward(norm, n, a, lda, anorm, rcond, work, iwork, info);
}

void zgetrf_(const int *m, const int *n, lapack_complex_double_t *a, const int *lda, int *ipiv, int *info) {
    typedef void (*fn)(const int *, const int *, lapack_complex_double_t *, const int *, int *, int *);
    LAPACK_FUNCTION(fn, zgetrf_)
    forward(m, n, a, lda, ipiv, info);
}

void zgetrs_(const char *trans, const int *n, const int *nrhs, const lapack_complex_double_t *a,
             const int *lda, const int *ipiv, lapack_complex_double_t *b, const int *ldb, int *info) {
    typedef void (*fn)(const char *, const int *, const int *, const lapack_complex_double_t *,
                       const int *, const int *, lapack_complex_double_t *, const int *, int *);
    LAPACK_FUNCTION(fn, zgetrs_)
    forward(trans, n, nrhs, a, lda, ipiv, b, ldb, info);
}
