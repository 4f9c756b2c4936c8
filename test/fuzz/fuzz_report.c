/*-------------------------------------------------------------------------
 *
 * fuzz_report.c
 *	  libFuzzer harness for the scanner-report parsing core: every input is
 *	  parsed with auto-detection and with each format forced, and every
 *	  finding handed to the callback is checked against the contract.
 *
 * Build:
 *	  clang-14 -g -O1 -fsanitize=fuzzer,address,undefined \
 *		  $(pkg-config --cflags jansson) -Isrc test/fuzz/fuzz_report.c \
 *		  src/core/json/json_reader.c src/core/report/report*.c $(pkg-config --libs jansson) -o fuzz_report
 * Run:
 *	  ./fuzz_report -max_len=65536 CORPUS_DIR SEED_DIR...
 *
 * test/fuzz/fuzz_report.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/report/report.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
one_of(const char *s, const char *const *set)
{
	int			i;

	for (i = 0; set[i]; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static void
check_str(const char *s)
{
	/* touches every byte: ASan reports a string that is not terminated */
	if (s)
		(void) strlen(s);
}

static int
check_finding(void *arg, const CtemFinding *f)
{
	static const char *const sev[] = {
		"critical", "high", "medium", "low", "info", "unknown", NULL
	};
	static const char *const kinds[] = {
		"vulnerability", "misconfiguration", "secret", "identity_risk",
		"exposed_service", "code_weakness", "threat_detection", NULL
	};
	static const char *const assets[] = {
		"host", "container_image", "repository", "cloud_resource",
		"kubernetes_resource", "web_app", "application", "identity",
		"network", "saas_app", NULL
	};
	int			i,
				j;
	long	   *count = arg;

	if (f->rule_id == NULL || f->rule_id[0] == '\0' || f->title == NULL ||
		f->tool == NULL || f->severity == NULL || f->kind == NULL ||
		f->asset_kind == NULL)
		abort();
	if (!one_of(f->severity, sev) || !one_of(f->kind, kinds) ||
		!one_of(f->asset_kind, assets))
		abort();
	if (f->naliases < 0 || (f->naliases > 0 && f->aliases == NULL))
		abort();
	for (i = 0; i < f->naliases; i++)
	{
		if (f->aliases[i] == NULL || strcmp(f->aliases[i], f->rule_id) == 0)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(f->aliases[i], f->aliases[j]) == 0)
				abort();
	}
	check_str(f->asset_key);
	check_str(f->asset_name);
	check_str(f->description);
	check_str(f->cvss_vector);
	check_str(f->component);
	check_str(f->component_version);
	check_str(f->location);
	check_str(f->fixed_version);
	check_str(f->status);
	check_str(f->cwe);
	check_str(f->purl);
	check_str(f->published);
	check_str(f->message);
	check_str(f->remediation);
	check_str(f->url);
	check_str(f->observed_at);
	check_str(f->published_invalid);
	check_str(f->observed_at_invalid);
	/* a date is passed as one only when it is on the calendar */
	if ((f->published != NULL && f->published_invalid != NULL) ||
		(f->observed_at != NULL && f->observed_at_invalid != NULL))
		abort();
	check_str(f->nul_members);
	/* a placeholder target is kept apart, never the asset's key */
	check_str(f->asset_placeholder);
	if (f->asset_placeholder != NULL && f->asset_key != NULL)
		abort();
	if (f->asset_key != NULL && f->asset_key[0] == '\0')
		abort();
	(*count)++;
	/* stop early sometimes, to exercise the ECALLBACK path */
	return (*count == 1000) ? 7 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			f;

	for (f = CTEM_FMT_UNKNOWN; f < CTEM_FMT_COUNT; f++)
	{
		CtemReportStats st;
		CtemReportError err;
		long		count = 0;
		bool		ok;

		ok = ctem_report_parse_ex((const char *) data, size,
								  (CtemReportFormat) f, check_finding, &count,
								  &st, &err);
		if (ok && st.nfindings != count)
			abort();
		if (!ok && (err.code < 1 || err.code > 6 ||
					memchr(err.message, '\0', sizeof(err.message)) == NULL ||
					memchr(err.path, '\0', sizeof(err.path)) == NULL ||
					err.message[0] == '\0'))
			abort();
		if (!ok && err.code == CTEM_REPORT_EMALFORMED && f != CTEM_FMT_UNKNOWN)
			break;				/* bad JSON fails the same way for all */
	}
	return 0;
}
