// Forwarding definitions of the OpenBLAS functions Kelvin calls (see include/CBLAS.h).
#include "CBLAS.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static int openblas_is_loaded;   // guarded by load_lock; read atomically
static int requested_threads;    // 0: keep OpenBLAS's own count

void *kelvin_blas_symbol(const char *library, const char *symbol) {
    pthread_mutex_lock(&load_lock);
    void *handle = dlopen(library, RTLD_NOW | RTLD_GLOBAL);
    if (!handle) {
        fprintf(stderr, "error: cannot load %s (%s); install it with: apt-get install -y "
                        "libopenblas-dev liblapack-dev\n", library, dlerror());
        exit(1);
    }
    void *address = dlsym(handle, symbol);
    if (!address) {
        fprintf(stderr, "error: %s has no symbol %s\n", library, symbol);
        exit(1);
    }
    // Every library Kelvin opens here depends on OpenBLAS, so it is loaded now.
    if (!__atomic_load_n(&openblas_is_loaded, __ATOMIC_ACQUIRE)) {
        void *blas = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
        if (blas && requested_threads > 0) {
            ((void (*)(int))dlsym(blas, "openblas_set_num_threads"))(requested_threads);
            if (requested_threads == 1) ((void (*)(void))dlsym(blas, "blas_thread_shutdown_"))();
        }
        __atomic_store_n(&openblas_is_loaded, blas != NULL, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&load_lock);
    return address;
}

int kelvin_openblas_loaded(void) { return __atomic_load_n(&openblas_is_loaded, __ATOMIC_ACQUIRE); }

// The function pointer of `name` in OpenBLAS, resolved once (a race resolves it twice, harmlessly).
#define OPENBLAS_FUNCTION(type, name)                                                    \
    static type cached;                                                                  \
    type forward = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);                           \
    if (!forward) {                                                                      \
        forward = (type)kelvin_blas_symbol("libopenblas.so.0", #name);                   \
        __atomic_store_n(&cached, forward, __ATOMIC_RELEASE);                            \
    }

void kelvin_openblas_request_threads(int count) {
    pthread_mutex_lock(&load_lock);
    int loaded = openblas_is_loaded;
    if (!loaded) requested_threads = count;
    pthread_mutex_unlock(&load_lock);
    if (loaded) {
        openblas_set_num_threads(count);
        if (count == 1) blas_thread_shutdown_();
    }
}

void openblas_set_num_threads(int num_threads) {
    typedef void (*fn)(int);
    OPENBLAS_FUNCTION(fn, openblas_set_num_threads)
    forward(num_threads);
}

int openblas_get_num_threads(void) {
    typedef int (*fn)(void);
    OPENBLAS_FUNCTION(fn, openblas_get_num_threads)
    return forward();
}

char *openblas_get_corename(void) {
    typedef char *(*fn)(void);
    OPENBLAS_FUNCTION(fn, openblas_get_corename)
    return forward();
}

void blas_thread_shutdown_(void) {
    typedef void (*fn)(void);
    OPENBLAS_FUNCTION(fn, blas_thread_shutdown_)
    forward();
}

void cblas_sgemm(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_TRANSPOSE transA,
                 OPENBLAS_CONST enum CBLAS_TRANSPOSE transB, OPENBLAS_CONST blasint m,
                 OPENBLAS_CONST blasint n, OPENBLAS_CONST blasint k, OPENBLAS_CONST float alpha,
                 OPENBLAS_CONST float *a, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *b,
                 OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *c,
                 OPENBLAS_CONST blasint ldc) {
    typedef void (*fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint,
                       blasint, blasint, float, const float *, blasint, const float *, blasint,
                       float, float *, blasint);
    OPENBLAS_FUNCTION(fn, cblas_sgemm)
    forward(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
