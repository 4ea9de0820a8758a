// zlib (Debian: zlib1g-dev installs zlib.h on the default include path); used to read .gz data sets.
#include <zlib.h>
