/*-------------------------------------------------------------------------
 *
 * fuzz_intel.c
 *	  libFuzzer harness for the threat-intelligence parsers: every input is
 *	  parsed as a CISA KEV catalog and as a FIRST EPSS CSV file, and the
 *	  values handed to the callbacks are checked.
 *
 * Build:
 *	  clang-14 -g -O1 -fsanitize=fuzzer,address,undefined \
 *		  $(pkg-config --cflags jansson) -Isrc test/fuzz/fuzz_intel.c \
 *		  src/core/intel_core.c $(pkg-config --libs jansson) -o fuzz_intel
 *
 * test/fuzz/fuzz_intel.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/intel_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
kev_cb(void *arg, const CtemKevEntry *e)
{
	(void) arg;
	if (e->cve_id == NULL || strncmp(e->cve_id, "CVE-", 4) != 0 ||
		e->date_added == NULL || strlen(e->date_added) != 10)
		abort();
	if (e->due_date && strlen(e->due_date) != 10)
		abort();
	if (e->cwes)
		(void) strlen(e->cwes);
	return 0;
}

static int
epss_cb(void *arg, const char *cve, double epss, double pct)
{
	long	   *n = arg;

	if (cve == NULL || strncmp(cve, "CVE-", 4) != 0 || !(epss >= 0 && epss <= 1))
		abort();
	if (!isnan(pct) && !(pct >= 0 && pct <= 1))
		abort();
	return ++(*n) == 5000 ? 3 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CtemReportError err;
	CtemKevInfo ki;
	CtemEpssInfo ei;
	long		n = 0;

	if (!ctem_kev_parse((const char *) data, size, kev_cb, NULL, &ki, &err) &&
		(err.message[0] == '\0' || err.code < 1 || err.code > 6))
		abort();
	if (!ctem_epss_parse((const char *) data, size, epss_cb, &n, &ei, &err) &&
		(err.message[0] == '\0' || err.code < 1 || err.code > 6))
		abort();
	if (strlen(ei.score_day) > 10)
		abort();
	return 0;
}
