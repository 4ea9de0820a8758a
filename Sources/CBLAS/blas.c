// Forwarding definitions of the OpenBLAS functions Kelvin calls (see include/CBLAS.h).
#include "CBLAS.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

// Like kelvin_blas_symbol, but NULL when the (loaded) library lacks the symbol.
static void *kelvin_blas_symbol_optional(const char *library, const char *symbol) {
    kelvin_blas_symbol(library, "openblas_get_corename");  // opens it, or exits naming the package
    void *handle = dlopen(library, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    void *address = handle ? dlsym(handle, symbol) : NULL;
    if (handle) dlclose(handle);   // balances the NOLOAD open; the library stays loaded
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

// ---- Kernel sets (see CBLAS.h) ----

static char default_core[32];   // guarded by core_lock
static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;
// The tables initialised so far, by name: switching back to one is a pointer store.
static struct { char name[32]; void *table; } known_cores[8];
static int known_count;

const char *kelvin_openblas_default_core(void) {
    pthread_mutex_lock(&core_lock);
    if (!default_core[0]) {
        const char *name = openblas_get_corename();   // loads OpenBLAS before any switch
        strncpy(default_core, name ? name : "unknown", sizeof default_core - 1);
    }
    pthread_mutex_unlock(&core_lock);
    return default_core;
}

int kelvin_openblas_use_core(const char *name) {
    kelvin_openblas_default_core();
    void **table = (void **)kelvin_blas_symbol_optional("libopenblas.so.0", "gotoblas");
    void (*dynamic_init)(void) =
        (void (*)(void))kelvin_blas_symbol_optional("libopenblas.so.0", "gotoblas_dynamic_init");
    if (!table || !dynamic_init || !*table) return -1;
    pthread_mutex_lock(&core_lock);
    for (int i = 0; i < known_count; i++) {
        if (strcasecmp(known_cores[i].name, name) == 0) {
            *table = known_cores[i].table;
            pthread_mutex_unlock(&core_lock);
            return 0;
        }
    }
    if (known_count == 0) {  // the table OpenBLAS chose itself
        strncpy(known_cores[0].name, default_core, sizeof known_cores[0].name - 1);
        known_cores[0].table = *table;
        known_count = 1;
        if (strcasecmp(default_core, name) == 0) { pthread_mutex_unlock(&core_lock); return 0; }
    }
    if (known_count == (int)(sizeof known_cores / sizeof known_cores[0])) {
        pthread_mutex_unlock(&core_lock);
        return -2;
    }
    // OpenBLAS's own initialisation for OPENBLAS_CORETYPE=name: picks the table and sets its
    // blocking sizes from the caches. An unknown name falls back to a generic table, caught below.
    void *previous = *table;
    const char *saved = getenv("OPENBLAS_CORETYPE");
    char *saved_copy = saved ? strdup(saved) : NULL;
    setenv("OPENBLAS_CORETYPE", name, 1);
    *table = NULL;
    dynamic_init();
    if (saved_copy) { setenv("OPENBLAS_CORETYPE", saved_copy, 1); free(saved_copy); }
    else unsetenv("OPENBLAS_CORETYPE");
    const char *chosen = openblas_get_corename();
    if (!*table || !chosen || strcasecmp(chosen, name) != 0) {
        *table = previous;
        pthread_mutex_unlock(&core_lock);
        return -2;
    }
    strncpy(known_cores[known_count].name, name, sizeof known_cores[0].name - 1);
    known_cores[known_count].table = *table;
    known_count++;
    pthread_mutex_unlock(&core_lock);
    return 0;
}

int kelvin_cpu_runs_core(const char *name) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    if (strcasecmp(name, "Haswell") == 0 || strcasecmp(name, "Zen") == 0) return avx2;
    if (strcasecmp(name, "SkylakeX") == 0) return avx512;
    if (strcasecmp(name, "Cooperlake") == 0) {
        unsigned eax = 7, ebx, ecx = 1, edx;   // CPUID.(EAX=7,ECX=1):EAX bit 5 = AVX512_BF16
        __asm__("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
        return avx512 && ((eax >> 5) & 1);
    }
    return 0;
#else
    (void)name;
    return 0;
#endif
}
