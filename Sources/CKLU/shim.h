// SuiteSparse KLU, the sparse LU used by circuit simulators (Debian: libsuitesparse-dev installs
// the headers under /usr/include/suitesparse).
#ifndef KELVIN_CKLU_SHIM_H
#define KELVIN_CKLU_SHIM_H
#include <suitesparse/klu.h>
#endif
