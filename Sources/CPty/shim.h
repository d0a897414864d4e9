#ifndef PSREC_CPTY_SHIM_H
#define PSREC_CPTY_SHIM_H
#include <stddef.h>

/* glibc declares these only under _XOPEN_SOURCE/_GNU_SOURCE, which Swift's Glibc module
   is not built with; they are plain libc functions (POSIX.1-2001, ptsname_r GNU). */
int posix_openpt(int flags);
int grantpt(int fd);
int unlockpt(int fd);
int ptsname_r(int fd, char *buf, size_t buflen);
#endif
