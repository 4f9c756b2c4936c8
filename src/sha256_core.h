/*-------------------------------------------------------------------------
 *
 * sha256_core.h
 *		SHA-256 (FIPS 180-4), incremental, for exposure fingerprints.
 *
 * Pure C (no backend calls, no allocation) so that the standalone check
 * test/sha256_check.c links it alone.
 *
 * src/sha256_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_SHA256_CORE_H
#define CTEM_SHA256_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTEM_SHA256_DIGEST 32

typedef struct CtemSha256
{
	uint32_t	h[8];			/* chaining state */
	uint64_t	length;			/* bytes hashed so far */
	unsigned char block[64];	/* pending input, block_len bytes */
	size_t		block_len;
} CtemSha256;

extern void ctem_sha256_init(CtemSha256 *ctx);
extern void ctem_sha256_update(CtemSha256 *ctx, const void *data, size_t len);
extern void ctem_sha256_final(CtemSha256 *ctx, unsigned char out[CTEM_SHA256_DIGEST]);

/*
 * On x86-64 CPUs with the SHA extensions the compression uses them
 * (detected on first use); accelerated() says whether it does, and
 * set_portable(true) makes it use the portable code (for tests).
 */
extern bool ctem_sha256_accelerated(void);
extern void ctem_sha256_set_portable(bool portable);

#endif							/* CTEM_SHA256_CORE_H */
