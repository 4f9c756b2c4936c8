/*-------------------------------------------------------------------------
 *
 * fuzz_scope.c
 *		libFuzzer harness for the scope filter language (core/scope_core.c).
 *
 * The input is compiled as a scope filter and as a routing rule's match.
 * A filter that compiles is evaluated on a few subjects, and {"not": F}
 * must give the opposite answer on each; {"any_of": [F, F]} the same one.
 * The LIKE matcher is checked too: the input, with every %, _ and \
 * escaped, must match itself and nothing one byte shorter.
 * Run: bash test/fuzz/run.sh scope
 *
 * test/fuzz/fuzz_scope.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/scope_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define S(x) {x, sizeof(x) - 1}

static const CtemScopeStr tags1[] = {S("pci"), S("entry_point"), {NULL, 0}};

static bool
label_ok(void *arg, int list, const char *label)
{
	(void) arg;
	if (list == CTEM_SCOPE_LABEL_ASSET_KIND)
		return strcmp(label, "host") == 0 || strcmp(label, "container_image") == 0;
	return strcmp(label, "vulnerability") == 0 || strcmp(label, "secret") == 0;
}

static void
subjects(CtemScopeSubject *s)
{
	memset(s, 0, sizeof(CtemScopeSubject) * 3);
	s[0].kind = (CtemScopeStr) S("host");
	s[0].natural_key = (CtemScopeStr) S("web-01.example.com");
	s[0].environment = (CtemScopeStr) S("prod");
	s[0].business_service = (CtemScopeStr) S("shop");
	s[0].owner = (CtemScopeStr) S("x'); DROP TABLE ctem.asset; --");
	s[0].criticality = 4;
	s[0].internet_facing = 1;
	s[0].crown_jewel = 0;
	s[0].reachable = 1;
	s[0].tags = tags1;
	s[0].ntags = 3;
	s[0].exposure_kind = (CtemScopeStr) S("vulnerability");
	s[0].rule_id = (CtemScopeStr) S("CVE-2021-44228");
	s[0].severity = 5;

	s[1].kind = (CtemScopeStr) S("container_image");
	s[1].natural_key = (CtemScopeStr) S("registry/\xc3\xa9t\xc3\xa9:1%_\\");
	s[1].internet_facing = -1;
	s[1].crown_jewel = 1;
	s[1].reachable = -1;
	s[1].severity = -1;

	s[2].kind = (CtemScopeStr) S("host");
	s[2].natural_key = (CtemScopeStr) S("10.0.0.1");
	s[2].internet_facing = 0;
	s[2].crown_jewel = 0;
	s[2].reachable = 0;
	s[2].criticality = 1;
	s[2].severity = 0;
}

static void
check_filter(const uint8_t *data, size_t size, int flags)
{
	CtemScopeError err;
	CtemScopeFilter *f = ctem_scope_compile((const char *) data, size, flags,
											label_ok, NULL, &err);
	CtemScopeFilter *nf,
			   *af;
	CtemScopeSubject s[3];
	char	   *wrap;

	if (f == NULL)
	{
		if (err.code == CTEM_SCOPE_OK || err.message[0] == '\0' || err.path[0] != '$')
			abort();
		return;
	}
	subjects(s);
	wrap = malloc(size + 32);
	memcpy(wrap, "{\"not\":", 7);
	memcpy(wrap + 7, data, size);
	wrap[7 + size] = '}';
	nf = ctem_scope_compile(wrap, size + 8, flags, label_ok, NULL, &err);
	free(wrap);
	wrap = NULL;
	af = NULL;
	if (size < 1000)
	{
		char	   *w2 = malloc(2 * size + 16);

		memcpy(w2, "{\"any_of\":[", 11);
		memcpy(w2 + 11, data, size);
		w2[11 + size] = ',';
		memcpy(w2 + 12 + size, data, size);
		memcpy(w2 + 12 + 2 * size, "]}", 2);
		af = ctem_scope_compile(w2, 2 * size + 14, flags, label_ok, NULL, &err);
		free(w2);
	}
	for (int i = 0; i < 3; i++)
	{
		bool		r = ctem_scope_eval(f, &s[i]);

		/* one nesting deeper may pass the depth limit, nothing else */
		if (nf != NULL && ctem_scope_eval(nf, &s[i]) == r)
			abort();
		if (af != NULL && ctem_scope_eval(af, &s[i]) != r)
			abort();
	}
	ctem_scope_free(f);
	ctem_scope_free(nf);
	ctem_scope_free(af);
}

static void
check_like(const uint8_t *data, size_t size)
{
	char	   *p = malloc(2 * size + 1);
	size_t		n = 0;

	for (size_t i = 0; i < size; i++)
	{
		if (data[i] == '%' || data[i] == '_' || data[i] == '\\')
			p[n++] = '\\';
		p[n++] = (char) data[i];
	}
	if (!ctem_scope_like_valid(p, n) ||
		!ctem_scope_like((const char *) data, size, p, n))
		abort();
	if (size > 0 && ctem_scope_like((const char *) data, size - 1, p, n))
		abort();
	/* % matches anything; any pattern either matches or not, in bounds */
	if (!ctem_scope_like((const char *) data, size, "%", 1))
		abort();
	if (ctem_scope_like_valid((const char *) data, size))
		(void) ctem_scope_like("web-01.example.com", 18, (const char *) data, size);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_filter(data, size, 0);
	check_filter(data, size, CTEM_SCOPE_ROUTING);
	check_like(data, size);
	return 0;
}
