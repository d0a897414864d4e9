#ifndef PSREC_CZSTD_SHIM_H
#define PSREC_CZSTD_SHIM_H
#include <zstd.h>
#endif
