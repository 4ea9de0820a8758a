// Open MPI, loaded on first use.
//
// Kelvin does not link MPI: `kelvin sim` and every single-process command never load it, and a
// machine without Open MPI runs them as before. The first call below opens libmpi.so.40 (Debian:
// libopenmpi-dev / openmpi-bin) with dlopen and resolves the few MPI functions Kelvin uses. The
// declarations here are Kelvin's own, not mpi.h's, so building needs no MPI headers; mpi.c maps
// them onto Open MPI's ABI (handles are addresses of exported predefined objects, MPI_IN_PLACE
// is 1, MPI_STATUS_IGNORE is NULL), checked against mpi.h in a comment there.
//
// All communication is on MPI_COMM_WORLD. Any MPI failure after initialisation is fatal for a
// data-parallel job: the call prints `kelvin: error: rank R: WHAT failed: MPI's reason` on
// stderr and aborts the whole job (MPI_Abort), so no rank is left waiting for a peer that is gone.
#ifndef KELVIN_CMPI_H
#define KELVIN_CMPI_H

#include <stddef.h>

/// The soname Kelvin opens: Open MPI 4 and 5 (Debian bookworm and later).
#define KELVIN_MPI_LIBRARY "libmpi.so.40"

/// Opens `library` (KELVIN_MPI_LIBRARY) and initialises MPI (MPI_THREAD_SERIALIZED: one thread
/// calls MPI at a time). Returns 0 with `*rank` and `*size` set, or -1 with a one-line reason in
/// `error` (for a library that cannot be opened, naming the Debian packages to install).
int kelvin_mpi_init(const char *library, int *rank, int *size, char *error, size_t error_length);

/// Element-wise sum over all ranks, in place (blocking).
void kelvin_mpi_allreduce_sum_float(float *values, long count, const char *what);
void kelvin_mpi_allreduce_sum_double(double *values, long count, const char *what);

/// Starts an in-place element-wise float sum over all ranks; `*request` receives the handle.
void kelvin_mpi_iallreduce_sum_float(float *values, long count, void **request, const char *what);
/// 1 when the operation of `*request` has completed (and frees the handle), else 0. Drives progress.
int kelvin_mpi_test(void **request, const char *what);
/// Waits for the operation of `*request` to complete (and frees the handle).
void kelvin_mpi_wait(void **request, const char *what);

/// Copies `bytes` bytes of `root`'s buffer into every rank's.
void kelvin_mpi_broadcast(void *buffer, long bytes, int root, const char *what);
void kelvin_mpi_barrier(const char *what);
/// Ends every rank of the job with `code` (after printing nothing).
void kelvin_mpi_abort(int code);
void kelvin_mpi_finalize(void);

#endif
