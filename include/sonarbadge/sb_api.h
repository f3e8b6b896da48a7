/*
 * sb_api.h - SB_API marks what libsonarbadge exports. The library is
 * compiled with -fvisibility=hidden, so the shared library's dynamic
 * symbols are exactly the declarations marked SB_API: the public API of
 * sonarbadge.h and the POSIX port's sb_port_posix_init. Everything else
 * (the internal sb_ functions) stays private to it; the static library
 * still holds all of it.
 */
#ifndef SONARBADGE_SB_API_H
#define SONARBADGE_SB_API_H

#ifndef SB_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define SB_API __attribute__((visibility("default")))
#else
#define SB_API
#endif
#endif

#endif
