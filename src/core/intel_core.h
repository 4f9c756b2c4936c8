/*-------------------------------------------------------------------------
 *
 * intel_core.h
 *	  Parsers for threat-intelligence feeds: the CISA Known Exploited
 *	  Vulnerabilities catalog (JSON) and the FIRST EPSS daily scores (CSV).
 *	  Plain C, no PostgreSQL header; errors are reported in a
 *	  CtemReportError as for scanner reports.
 *
 * The KEV parser reads the catalog with jansson: the catalog is one small
 * document (about 1,500 entries, 1.5 MB) whose members are looked up by
 * name in any order, which a tree serves naturally, and it is loaded once a
 * day, so the streaming reader's speed buys nothing there.  Scanner
 * reports, large and streamed, go through core/json instead.  jansson
 * allocates with what ctem_kev_set_allocator sets.  The EPSS parser
 * allocates nothing.
 *
 * src/core/intel_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_INTEL_CORE_H
#define CTEM_INTEL_CORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/report/report.h"

/* ---- CISA KEV ---- */

typedef struct CtemKevInfo
{
	char		catalog_version[64];	/* "2025.08.25", "" if absent */
	char		date_released[64];	/* as given, "" if absent */
	long		count;			/* the catalog's "count", -1 if absent */
	long		nentries;		/* entries passed to the callback */
} CtemKevInfo;

typedef struct CtemKevEntry
{
	const char *cve_id;			/* validated CVE-YYYY-NNNN+ */
	const char *vendor_project;
	const char *product;
	const char *vulnerability_name;
	const char *date_added;		/* validated YYYY-MM-DD */
	const char *short_description;
	const char *required_action;
	const char *due_date;		/* validated YYYY-MM-DD, or NULL */
	bool		known_ransomware;	/* knownRansomwareCampaignUse == "Known" */
	const char *known_ransomware_raw;	/* the raw value, may be NULL */
	const char *notes;
	const char *cwes;			/* the "cwes" entries joined by
								 * CTEM_KEV_CWE_SEP, NULL if none */
} CtemKevEntry;

/* what joins the entries of CtemKevEntry.cwes: US, which no CWE contains */
#define CTEM_KEV_CWE_SEP '\x1f'

/* jansson's allocator (NULL: malloc/free); free_fn must accept NULL */
extern void ctem_kev_set_allocator(CtemAllocFn alloc, CtemFreeFn free_fn);

/* non-zero return stops the parse with CTEM_REPORT_ECALLBACK */
typedef int (*CtemKevFn) (void *arg, const CtemKevEntry *e);

extern bool ctem_kev_parse(const char *json, size_t len, CtemKevFn cb,
						   void *arg, CtemKevInfo *info, CtemReportError *err);

/* ---- FIRST EPSS ---- */

typedef struct CtemEpssInfo
{
	char		model_version[64];	/* "v2026.06.15", "" if no comment */
	char		score_date[64];	/* as given, "" if no comment */
	char		score_day[11];	/* YYYY-MM-DD of score_date, "" if none */
	long		nrows;			/* rows passed to the callback */
} CtemEpssInfo;

/* non-zero return stops the parse with CTEM_REPORT_ECALLBACK */
typedef int (*CtemEpssFn) (void *arg, const char *cve, double epss,
						   double percentile);

/*
 * Parse "#model_version:...,score_date:..." (optional), the header
 * "cve,epss,percentile" (percentile may be missing: NaN is passed), then
 * one row per CVE.  CRLF line ends, a UTF-8 BOM and blank lines are
 * tolerated.  Errors name the line (err->line), the column (err->column)
 * and the field (err->path).
 */
extern bool ctem_epss_parse(const char *csv, size_t len, CtemEpssFn cb,
							void *arg, CtemEpssInfo *info,
							CtemReportError *err);

#endif							/* CTEM_INTEL_CORE_H */
