/*-------------------------------------------------------------------------
 *
 * sha256_core.c
 *		SHA-256 (FIPS 180-4), incremental, for exposure fingerprints.
 *
 * The fingerprint of every exposure row is a SHA-256 of a few dozen bytes.
 * The backend's pg_cryptohash goes through OpenSSL's EVP layer, whose
 * per-call setup (context allocation, digest fetch, resource owner
 * bookkeeping) costs several times the hashing of one block; at COPY rates
 * that setup was a measurable share of the trigger.  This implementation
 * needs no setup beyond eight words.  The compression runs on the x86 SHA
 * extensions when the CPU has them (checked once with cpuid), else in
 * portable C.  Both must agree with PostgreSQL's sha256():
 * test/sha256_check.c checks the FIPS 180-4 example digests through both
 * paths and compares them on messages of every length to 300 bytes, and
 * the regression tests compare ctem.exposure_fingerprint() with sha256()
 * over identities of every length across the block boundaries.
 *
 * src/sha256_core.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CTEM_SHA_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "sha256_core.h"

/* first 32 bits of the fractional parts of the cube roots of the first 64 primes */
static const uint32_t round_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* first 32 bits of the fractional parts of the square roots of the first 8 primes */
static const uint32_t initial_h[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

static inline uint32_t
rotr(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t
load_be32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline void
store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
}

/* one 64-byte block into the chaining state (FIPS 180-4, 6.2.2) */
static void
compress(uint32_t h[8], const unsigned char *block)
{
	uint32_t	w[64];
	uint32_t	a = h[0],
				b = h[1],
				c = h[2],
				d = h[3],
				e = h[4],
				f = h[5],
				g = h[6],
				k = h[7];

	for (int t = 0; t < 16; t++)
		w[t] = load_be32(block + 4 * t);
	for (int t = 16; t < 64; t++)
	{
		uint32_t	s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
		uint32_t	s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);

		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}
	for (int t = 0; t < 64; t++)
	{
		uint32_t	t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
			((e & f) ^ (~e & g)) + round_k[t] + w[t];
		uint32_t	t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
			((a & b) ^ (a & c) ^ (b & c));

		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += k;
}

#ifdef CTEM_SHA_NI
/*
 * The same compression with the x86 SHA extensions (SHA-NI): two rounds per
 * sha256rnds2, the message schedule by sha256msg1/msg2.  The instructions
 * keep the state as the words A,B,E,F and C,D,G,H, so it is rearranged on
 * the way in and out.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void
compress_shani(uint32_t h[8], const unsigned char *block)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i		abcd = _mm_loadu_si128((const __m128i *) &h[0]);
	__m128i		efgh = _mm_loadu_si128((const __m128i *) &h[4]);
	__m128i		abef,
				cdgh,
				abef_in,
				cdgh_in,
				t;
	__m128i		w[4];

	/* lanes (low to high) F,E,B,A and H,G,D,C */
	abcd = _mm_shuffle_epi32(abcd, 0xB1);
	efgh = _mm_shuffle_epi32(efgh, 0x1B);
	abef = _mm_alignr_epi8(abcd, efgh, 8);
	cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);
	abef_in = abef;
	cdgh_in = cdgh;

	for (int i = 0; i < 4; i++)
		w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (block + 16 * i)), bswap);

	/* 16 groups of 4 rounds; group g uses words 4g..4g+3, held in w[g % 4] */
	for (int g = 0; g < 16; g++)
	{
		__m128i		wk = _mm_add_epi32(w[g & 3],
									   _mm_loadu_si128((const __m128i *) &round_k[4 * g]));

		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
		if (g < 12)
		{
			/* words 4g+16..4g+19 replace the ones just used */
			t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
			t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
			w[g & 3] = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
		}
		wk = _mm_shuffle_epi32(wk, 0x0E);
		abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
		/* two rounds each: the roles of abef and cdgh swap back */
	}

	abef = _mm_add_epi32(abef, abef_in);
	cdgh = _mm_add_epi32(cdgh, cdgh_in);
	t = _mm_shuffle_epi32(abef, 0x1B);	/* A,B,E,F */
	cdgh = _mm_shuffle_epi32(cdgh, 0xB1);	/* G,H,C,D */
	_mm_storeu_si128((__m128i *) &h[0], _mm_blend_epi16(t, cdgh, 0xF0));
	_mm_storeu_si128((__m128i *) &h[4], _mm_alignr_epi8(cdgh, t, 8));
}

static bool
cpu_has_sha_ni(void)
{
	unsigned int a,
				b,
				c,
				d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (b & bit_SHA) != 0;
}
#endif

/* the compression in use: chosen on first use (-1), or forced by a test */
static int	use_shani = -1;

static void
compress_block(uint32_t h[8], const unsigned char *block)
{
#ifdef CTEM_SHA_NI
	if (use_shani < 0)
		use_shani = cpu_has_sha_ni() ? 1 : 0;
	if (use_shani)
	{
		compress_shani(h, block);
		return;
	}
#endif
	compress(h, block);
}

bool
ctem_sha256_accelerated(void)
{
#ifdef CTEM_SHA_NI
	if (use_shani < 0)
		use_shani = cpu_has_sha_ni() ? 1 : 0;
	return use_shani == 1;
#else
	return false;
#endif
}

void
ctem_sha256_set_portable(bool portable)
{
#ifdef CTEM_SHA_NI
	use_shani = portable ? 0 : (cpu_has_sha_ni() ? 1 : 0);
#else
	(void) portable;
#endif
}

void
ctem_sha256_init(CtemSha256 *ctx)
{
	memcpy(ctx->h, initial_h, sizeof(initial_h));
	ctx->length = 0;
	ctx->block_len = 0;
}

void
ctem_sha256_update(CtemSha256 *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;

	ctx->length += len;
	if (ctx->block_len > 0)
	{
		size_t		n = 64 - ctx->block_len;

		if (n > len)
			n = len;
		memcpy(ctx->block + ctx->block_len, p, n);
		ctx->block_len += n;
		p += n;
		len -= n;
		if (ctx->block_len < 64)
			return;
		compress_block(ctx->h, ctx->block);
		ctx->block_len = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		compress_block(ctx->h, p);
	if (len > 0)
		memcpy(ctx->block, p, len);
	ctx->block_len = len;
}

/* padding (a 1 bit, zeros, the length in bits) and the digest */
void
ctem_sha256_final(CtemSha256 *ctx, unsigned char out[CTEM_SHA256_DIGEST])
{
	uint64_t	bits = ctx->length * 8;

	ctx->block[ctx->block_len++] = 0x80;
	if (ctx->block_len > 56)
	{
		memset(ctx->block + ctx->block_len, 0, 64 - ctx->block_len);
		compress_block(ctx->h, ctx->block);
		ctx->block_len = 0;
	}
	memset(ctx->block + ctx->block_len, 0, 56 - ctx->block_len);
	store_be32(ctx->block + 56, (uint32_t) (bits >> 32));
	store_be32(ctx->block + 60, (uint32_t) bits);
	compress_block(ctx->h, ctx->block);
	for (int i = 0; i < 8; i++)
		store_be32(out + 4 * i, ctx->h[i]);
}
