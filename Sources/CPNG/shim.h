#ifndef PSREC_CPNG_SHIM_H
#define PSREC_CPNG_SHIM_H
#include <png.h>

/* libpng's simplified API (png_image): errors come back as return values, so no setjmp
   crosses Swift frames. The format constants are macro expressions Swift cannot import. */
static inline png_uint_32 psrec_png_image_version(void) { return PNG_IMAGE_VERSION; }
static inline png_uint_32 psrec_png_format_rgb(void) { return PNG_FORMAT_RGB; }
#endif
