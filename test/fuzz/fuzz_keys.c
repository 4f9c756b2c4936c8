/*-------------------------------------------------------------------------
 *
 * fuzz_keys.c
 *		libFuzzer harness for natural-key and rule-id normalisation.
 *
 * Every asset kind normalises the input; the result must fit the bound the
 * callers allocate (len + 1, or CTEM_IP_TEXT_MAX for an IP), be
 * NUL-terminated, and be a fixed point (normalising it again changes
 * nothing).  Run: bash test/fuzz/run.sh keys
 *
 * test/fuzz/fuzz_keys.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/keys_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = {
	"host", "container_image", "repository", "cloud_resource",
	"kubernetes_resource", "web_app", "api", "saas_app", "identity",
	"network", "application", "database", "domain"
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		outsize = (size + 1 > CTEM_IP_TEXT_MAX) ? size + 1 : CTEM_IP_TEXT_MAX;
	char	   *out = malloc(outsize);
	char	   *again = malloc(outsize);
	char	   *rule = malloc(size + 1);
	bool		is_ip;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
	{
		size_t		n = ctem_normalize_key(kinds[k], (const char *) data, size,
										   out, outsize, &is_ip);
		size_t		m;
		bool		is_ip2;

		if (n >= outsize || out[n] != '\0')
			abort();
		m = ctem_normalize_key(kinds[k], out, n, again, outsize, &is_ip2);
		if (m != n || memcmp(out, again, n) != 0 || is_ip != is_ip2)
			abort();
	}
	if (ctem_canonical_rule_id((const char *) data, size, rule) > size)
		abort();
	free(out);
	free(again);
	free(rule);
	return 0;
}
