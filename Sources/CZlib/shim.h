#ifndef PSREC_CZLIB_SHIM_H
#define PSREC_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit/inflateInit are macros in zlib.h; Swift cannot call macros. */
static inline int psrec_deflateInit(z_streamp strm, int level) {
    return deflateInit(strm, level);
}
static inline int psrec_inflateInit(z_streamp strm) {
    return inflateInit(strm);
}
/* windowBits 16 + 15: a gzip stream (RFC 1952) with the largest window. */
static inline int psrec_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
