// Forwarding to Open MPI through dlopen (see include/CMPI.h).
//
// Open MPI ABI used here (mpi.h of Open MPI 4.x and 5.x): MPI_Comm, MPI_Datatype, MPI_Op,
// MPI_Errhandler and MPI_Request are pointers; MPI_COMM_WORLD is &ompi_mpi_comm_world, MPI_FLOAT
// &ompi_mpi_float, MPI_DOUBLE &ompi_mpi_double, MPI_BYTE &ompi_mpi_byte, MPI_SUM &ompi_mpi_op_sum,
// MPI_ERRORS_RETURN &ompi_mpi_errors_return; MPI_IN_PLACE is (void *)1, MPI_STATUS_IGNORE NULL,
// MPI_SUCCESS 0, MPI_THREAD_SERIALIZED 2, MPI_MAX_ERROR_STRING 256.
#include "CMPI.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IN_PLACE ((void *)1)
#define THREAD_SERIALIZED 2
#define MAX_ERROR_STRING 256

typedef void *handle;

static struct {
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(handle, int *);
    int (*comm_size)(handle, int *);
    int (*comm_set_errhandler)(handle, handle);
    int (*allreduce)(const void *, void *, int, handle, handle, handle);
    int (*iallreduce)(const void *, void *, int, handle, handle, handle, handle *);
    int (*test)(handle *, int *, void *);
    int (*wait)(handle *, void *);
    int (*bcast)(void *, int, handle, int, handle);
    int (*barrier)(handle);
    int (*abort)(handle, int);
    int (*finalize)(void);
    int (*error_string)(int, char *, int *);
    handle world, float_type, double_type, byte_type, sum, errors_return;
    int rank;
} mpi;

static const char *library_name = KELVIN_MPI_LIBRARY;

static int resolve(void *library, const char *name, void **slot, char *error, size_t length) {
    *slot = dlsym(library, name);
    if (*slot) return 0;
    snprintf(error, length, "%s has no symbol %s (Kelvin needs Open MPI 4 or later)", library_name, name);
    return -1;
}

int kelvin_mpi_init(const char *library_soname, int *rank, int *size, char *error, size_t error_length) {
    library_name = library_soname;
    // RTLD_GLOBAL: Open MPI's own plug-ins, which it opens later, resolve libmpi's symbols.
    void *library = dlopen(library_soname, RTLD_NOW | RTLD_GLOBAL);
    if (!library) {
        snprintf(error, error_length,
                 "cannot load Open MPI (%s); install it with: apt-get install -y libopenmpi-dev openmpi-bin", dlerror());
        return -1;
    }
#define RESOLVE(slot, name) if (resolve(library, name, (void **)&mpi.slot, error, error_length)) return -1
    RESOLVE(init_thread, "MPI_Init_thread");
    RESOLVE(comm_rank, "MPI_Comm_rank");
    RESOLVE(comm_size, "MPI_Comm_size");
    RESOLVE(comm_set_errhandler, "MPI_Comm_set_errhandler");
    RESOLVE(allreduce, "MPI_Allreduce");
    RESOLVE(iallreduce, "MPI_Iallreduce");
    RESOLVE(test, "MPI_Test");
    RESOLVE(wait, "MPI_Wait");
    RESOLVE(bcast, "MPI_Bcast");
    RESOLVE(barrier, "MPI_Barrier");
    RESOLVE(abort, "MPI_Abort");
    RESOLVE(finalize, "MPI_Finalize");
    RESOLVE(error_string, "MPI_Error_string");
    RESOLVE(world, "ompi_mpi_comm_world");
    RESOLVE(float_type, "ompi_mpi_float");
    RESOLVE(double_type, "ompi_mpi_double");
    RESOLVE(byte_type, "ompi_mpi_byte");
    RESOLVE(sum, "ompi_mpi_op_sum");
    RESOLVE(errors_return, "ompi_mpi_errors_return");
#undef RESOLVE
    int provided = 0;
    int code = mpi.init_thread(NULL, NULL, THREAD_SERIALIZED, &provided);
    if (code != 0) {
        snprintf(error, error_length, "MPI_Init_thread failed with code %d", code);
        return -1;
    }
    if (provided < THREAD_SERIALIZED) {
        snprintf(error, error_length, "Open MPI gives thread level %d; Kelvin needs MPI_THREAD_SERIALIZED (2)", provided);
        return -1;
    }
    // Errors come back to check() below, which names the operation before aborting the job.
    mpi.comm_set_errhandler(mpi.world, mpi.errors_return);
    mpi.comm_rank(mpi.world, &mpi.rank);
    mpi.comm_size(mpi.world, size);
    *rank = mpi.rank;
    return 0;
}

/// On failure: one line naming the rank, the operation and MPI's reason, then abort the job.
static void check(int code, const char *operation, const char *what) {
    if (code == 0) return;
    char reason[MAX_ERROR_STRING + 1] = "";
    int length = 0;
    if (mpi.error_string(code, reason, &length) != 0) snprintf(reason, sizeof reason, "code %d", code);
    fprintf(stderr, "kelvin: error: rank %d: %s of %s failed: %s (a peer rank may have stopped)\n",
            mpi.rank, operation, what, reason);
    fflush(stderr);
    mpi.abort(mpi.world, 1);
    _exit(1);
}

static int element_count(long count, const char *what) {
    if (count < 0 || count > INT_MAX) {
        fprintf(stderr, "kelvin: error: rank %d: %s: %ld elements is more than one MPI call takes\n", mpi.rank, what, count);
        mpi.abort(mpi.world, 1);
        _exit(1);
    }
    return (int)count;
}

void kelvin_mpi_allreduce_sum_float(float *values, long count, const char *what) {
    check(mpi.allreduce(IN_PLACE, values, element_count(count, what), mpi.float_type, mpi.sum, mpi.world),
          "MPI_Allreduce", what);
}

void kelvin_mpi_allreduce_sum_double(double *values, long count, const char *what) {
    check(mpi.allreduce(IN_PLACE, values, element_count(count, what), mpi.double_type, mpi.sum, mpi.world),
          "MPI_Allreduce", what);
}

void kelvin_mpi_iallreduce_sum_float(float *values, long count, void **request, const char *what) {
    check(mpi.iallreduce(IN_PLACE, values, element_count(count, what), mpi.float_type, mpi.sum, mpi.world, request),
          "MPI_Iallreduce", what);
}

int kelvin_mpi_test(void **request, const char *what) {
    int done = 0;
    check(mpi.test(request, &done, NULL), "MPI_Test", what);
    return done;
}

void kelvin_mpi_wait(void **request, const char *what) { check(mpi.wait(request, NULL), "MPI_Wait", what); }

void kelvin_mpi_broadcast(void *buffer, long bytes, int root, const char *what) {
    check(mpi.bcast(buffer, element_count(bytes, what), mpi.byte_type, root, mpi.world), "MPI_Bcast", what);
}

void kelvin_mpi_barrier(const char *what) { check(mpi.barrier(mpi.world), "MPI_Barrier", what); }

void kelvin_mpi_abort(int code) { mpi.abort(mpi.world, code); _exit(code); }

void kelvin_mpi_finalize(void) { mpi.finalize(); }
