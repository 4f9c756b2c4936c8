/*-------------------------------------------------------------------------
 *
 * sha256_bench.c
 *	  The fingerprint hash two ways, in one run: ctem's retired hand-written
 *	  SHA-256 (sha256_core.c of commit cfadc9c, SHA extensions where the CPU
 *	  has them) against OpenSSL's EVP interface used as
 *	  PostgreSQL's pg_cryptohash uses it (one EVP_MD_CTX per statement,
 *	  EVP_DigestInit_ex + updates + EVP_DigestFinal_ex per row).  The input
 *	  is shaped like a fingerprint's: asset id, kind, rule id, component and
 *	  location, nine updates of 1-40 bytes.  test/bench/sha256_bench.sh
 *	  builds and runs it.
 *
 * test/bench/sha256_bench.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "sha256_core.h"

/* processor time in seconds: the loops are single-threaded */
#define now() ((double) clock() / CLOCKS_PER_SEC)

int
main(int argc, char **argv)
{
	long		n = argc > 1 ? atol(argv[1]) : 2000000;
	const char *parts[9] = {NULL, "\x1f", "vulnerability", "\x1f", "CVE-2021-44228",
	"\x1f", "org.apache.logging.log4j:log4j-core", "\x1f",
	"usr/share/app/lib/log4j-core-2.14.1.jar"};
	char		num[24];
	unsigned char out[32];
	unsigned int outlen;
	unsigned long check1 = 0,
				check2 = 0;
	double		t0,
				t_core,
				t_evp;
	EVP_MD_CTX *ctx = EVP_MD_CTX_create();

	t0 = now();
	for (long i = 0; i < n; i++)
	{
		CtemSha256	s;

		parts[0] = num;
		snprintf(num, sizeof(num), "%ld", i);
		ctem_sha256_init(&s);
		for (int p = 0; p < 9; p++)
			ctem_sha256_update(&s, parts[p], strlen(parts[p]));
		ctem_sha256_final(&s, out);
		check1 += out[0];
	}
	t_core = now() - t0;

	t0 = now();
	for (long i = 0; i < n; i++)
	{
		snprintf(num, sizeof(num), "%ld", i);
		if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
			return 1;
		for (int p = 0; p < 9; p++)
			EVP_DigestUpdate(ctx, parts[p], strlen(parts[p]));
		EVP_DigestFinal_ex(ctx, out, &outlen);
		check2 += out[0];
	}
	t_evp = now() - t0;
	EVP_MD_CTX_destroy(ctx);

	printf("fingerprints: %ld (checksums %s)\n", n, check1 == check2 ? "agree" : "DIFFER");
	printf("ctem sha256_core (%s): %.1f ns per fingerprint\n",
		   ctem_sha256_accelerated() ? "SHA extensions" : "portable", t_core / n * 1e9);
	printf("OpenSSL EVP as pg_cryptohash: %.1f ns per fingerprint (%s)\n",
		   t_evp / n * 1e9, OpenSSL_version(OPENSSL_VERSION));
	printf("ratio EVP / core: %.2f\n", t_evp / t_core);
	return check1 == check2 ? 0 : 1;
}
