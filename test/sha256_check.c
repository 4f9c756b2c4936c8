/*-------------------------------------------------------------------------
 *
 * sha256_check.c
 *		Standalone check of the SHA-256 of exposure fingerprints
 *		(src/sha256_core.c) against the example digests of FIPS 180-4 /
 *		NIST's SHA-256 examples, fed at once and in pieces of every size.
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
	unsigned char *million;

	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
	{
		size_t		len = strlen(examples[i].msg);

		for (size_t piece = 0; piece <= 70; piece++)
		{
			char		what[64];

			snprintf(what, sizeof(what), "example %zu, pieces of %zu", i, piece);
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
	check("million a, at once", got,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	digest_pieces(million, 1000000, 4093, got);
	check("million a, pieces of 4093", got,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);

	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed > 0;
}
