/*-------------------------------------------------------------------------
 *
 * sha256_check.c
 *		Standalone check of the SHA-256 of exposure fingerprints
 *		(src/sha256_core.c) against the example digests of FIPS 180-4 /
 *		NIST's SHA-256 examples, fed at once and in pieces of every size,
 *		through the portable code and (on CPUs that have them) the x86 SHA
 *		extensions, which must also agree on messages of every length.
 *		(The regression tests compare it with PostgreSQL's sha256() too.)
 *		Prints "N passed, N failed" last; exits 1 on any failure.
 *
 * Build and run:
 *	  cc -std=gnu99 -O2 -Isrc test/sha256_check.c src/sha256_core.c -o sha256_check
 *	  ./sha256_check
 *
 * test/sha256_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256_core.h"

static int	n_passed = 0;
static int	n_failed = 0;

static void
hex(const unsigned char *d, char *out)
{
	for (int i = 0; i < CTEM_SHA256_DIGEST; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void
check(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		n_passed++;
	else
	{
		n_failed++;
		printf("FAIL: %s: got %s, want %s\n", what, got, want);
	}
}

/* digest of msg (len bytes) fed in pieces of "piece" bytes (0: at once) */
static void
digest_pieces(const unsigned char *msg, size_t len, size_t piece, char *out)
{
	CtemSha256	ctx;
	unsigned char d[CTEM_SHA256_DIGEST];

	ctem_sha256_init(&ctx);
	if (piece == 0)
		ctem_sha256_update(&ctx, msg, len);
	else
		for (size_t off = 0; off < len; off += piece)
			ctem_sha256_update(&ctx, msg + off, len - off < piece ? len - off : piece);
	ctem_sha256_final(&ctx, d);
	hex(d, out);
}

int
main(void)
{
	static const struct
	{
		const char *msg;
		const char *digest;
	}			examples[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		/* 448 bits: the padding needs a second block */
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		/* 896 bits */
		{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		"cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	};
	char		got[2 * CTEM_SHA256_DIGEST + 1];
	char		other[2 * CTEM_SHA256_DIGEST + 1];
	unsigned char *million;
	unsigned char msg[300];
	bool		accelerated = ctem_sha256_accelerated();

	/* the portable code, then the SHA extensions' when this CPU has them */
	for (int pass = 0; pass < (accelerated ? 2 : 1); pass++)
	{
		const char *path = pass == 0 ? "portable" : "SHA-NI";

		ctem_sha256_set_portable(pass == 0);
		for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		{
			size_t		len = strlen(examples[i].msg);

			for (size_t piece = 0; piece <= 70; piece++)
			{
				char		what[80];

				snprintf(what, sizeof(what), "%s: example %zu, pieces of %zu", path, i, piece);
				digest_pieces((const unsigned char *) examples[i].msg, len, piece, got);
				check(what, got, examples[i].digest);
			}
		}

		/* one million "a" */
		million = malloc(1000000);
		if (million == NULL)
			return 2;
		memset(million, 'a', 1000000);
		digest_pieces(million, 1000000, 0, got);
		check(pass == 0 ? "portable: million a" : "SHA-NI: million a", got,
			  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
		digest_pieces(million, 1000000, 4093, got);
		check(pass == 0 ? "portable: million a, pieces of 4093" : "SHA-NI: million a, pieces of 4093", got,
			  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
		free(million);
	}

	/* both paths agree on pseudo-random messages of every length to 300 */
	if (accelerated)
	{
		unsigned int x = 12345;

		for (size_t len = 0; len <= sizeof(msg); len++)
		{
			char		what[64];

			for (size_t i = 0; i < len; i++)
			{
				x = x * 1103515245u + 12345u;
				msg[i] = (unsigned char) (x >> 16);
			}
			ctem_sha256_set_portable(true);
			digest_pieces(msg, len, 0, got);
			ctem_sha256_set_portable(false);
			digest_pieces(msg, len, 0, other);
			snprintf(what, sizeof(what), "portable and SHA-NI agree, length %zu", len);
			check(what, other, got);
		}
	}
	else
		printf("this CPU has no SHA extensions: only the portable code was checked\n");

	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed > 0;
}
