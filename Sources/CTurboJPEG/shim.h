// libjpeg-turbo's TurboJPEG API (Debian: libturbojpeg0-dev installs turbojpeg.h on the default
// include path); used to decode the JPEG files of an ImageFolder data set.
#include <turbojpeg.h>
