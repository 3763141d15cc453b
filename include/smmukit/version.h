/* SPDX-License-Identifier: MIT */
/*
 * smmukit's version: one number for the headers, the library
 * (smmukit_version()), the shared library's file name and SONAME, smmukit.pc
 * and `smmukit --version`. CMakeLists.txt reads SMMUKIT_VERSION_STRING from
 * this file, so this is the only place it is written down.
 *
 * Compatibility: while the major number is 0, any minor release may change
 * the API and ABI (the SONAME is libsmmukit.so.0 throughout).
 *
 * Error codes: none (smmukit_version() never fails, never NULL).
 */
#ifndef SMMUKIT_VERSION_H
#define SMMUKIT_VERSION_H

#define SMMUKIT_VERSION_MAJOR 0
#define SMMUKIT_VERSION_MINOR 1
#define SMMUKIT_VERSION_PATCH 0
#define SMMUKIT_VERSION_STRING "0.1.0"
/* Comparable: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define SMMUKIT_VERSION_NUMBER \
	(SMMUKIT_VERSION_MAJOR * 10000 + SMMUKIT_VERSION_MINOR * 100 + \
	 SMMUKIT_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of the library linked in (SMMUKIT_VERSION_STRING when it was
 * built), to compare with the headers a program was compiled against.
 */
const char *smmukit_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SMMUKIT_VERSION_H */
