// OpenBLAS's CBLAS interface (Debian: libopenblas-dev installs cblas.h on the default include path).
#include <cblas.h>
// Thread control exported by OpenBLAS.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// Stops OpenBLAS's worker threads (they are re-created on the next multithreaded call).
void blas_thread_shutdown_(void);
