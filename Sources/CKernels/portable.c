// Portable variant: the baseline instruction set of the build (SSE2 on x86-64), 4-lane tiles.
#include <string.h>
#include "CKernels.h"
#define CK_SUFFIX portable
#define CK_NAME_STRING "portable"
#define CK_MAX_LANES 4
#include "kernels_body.h"
