// OpenBLAS, loaded on first use.
//
// Kelvin does not link OpenBLAS: loading it (and LAPACK, libgfortran, libquadmath) costs about
// 3 ms at process start, a third of a small `kelvin sim` run, which never calls it. The functions
// below have the signatures of OpenBLAS's own; Kelvin's definitions (blas.c) open
// libopenblas.so.0 with dlopen on the first call and forward to it. A machine without OpenBLAS
// gets a one-line error naming the library and the package that provides it.
#ifndef KELVIN_CBLAS_H
#define KELVIN_CBLAS_H

// OpenBLAS's CBLAS interface (Debian: libopenblas-dev installs cblas.h on the default include path).
#include <cblas.h>

// Thread control exported by OpenBLAS.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/// The name of the kernel set OpenBLAS chose for this CPU (or `OPENBLAS_CORETYPE`), e.g. "Haswell".
char *openblas_get_corename(void);
// Stops OpenBLAS's worker threads (they are re-created on the next multithreaded call).
void blas_thread_shutdown_(void);

// 1 once OpenBLAS has been loaded into the process, else 0.
int kelvin_openblas_loaded(void);
// Sets OpenBLAS's thread count now if it is loaded, else right after it is loaded; with 1, the
// worker threads OpenBLAS starts when it is loaded are stopped too.
void kelvin_openblas_request_threads(int count);
// The address of `symbol` in `library` (a soname), opening the library on first use; on failure,
// prints what is missing and exits with status 1.
void *kelvin_blas_symbol(const char *library, const char *symbol);

#endif
