// Fixed-format number printing for result writers: Swift cannot call C's variadic snprintf
// directly, and its va_list bridge costs more than the formatting itself.
#ifndef KELVIN_CSTDIO_SHIM_H
#define KELVIN_CSTDIO_SHIM_H
#include <stdio.h>

/// Writes `value` as "%.12g" into `buffer` (capacity `size`); returns snprintf's result.
static inline int kelvin_format_g12(char *buffer, size_t size, double value) {
    return snprintf(buffer, size, "%.12g", value);
}

/// Writes `value` as "%g" into `buffer` (capacity `size`); returns snprintf's result.
static inline int kelvin_format_g6(char *buffer, size_t size, double value) {
    return snprintf(buffer, size, "%g", value);
}

/// Writes `value` as "%.15e" into `buffer` (capacity `size`); returns snprintf's result.
static inline int kelvin_format_e15(char *buffer, size_t size, double value) {
    return snprintf(buffer, size, "%.15e", value);
}
#endif
