/*-------------------------------------------------------------------------
 *
 * report.h
 *	  Public API of the scanner-report parsing core of ctem.
 *
 * The core turns a scanner report (Trivy, Grype, SARIF, CycloneDX, nuclei,
 * OSV-Scanner, AWS ASFF, Prowler OCSF, npm audit, OWASP Dependency-Check,
 * GitLab security reports, Checkov, Semgrep) into a stream of normalized
 * findings handed to a callback.  It is plain C: no PostgreSQL header and
 * no jansson type appears here, so the PostgreSQL glue (discover/ingest.c) can
 * include it next to utils/builtins.h.
 *
 * All memory goes through the allocator set with ctem_report_set_allocator.
 * Nothing is cached between calls, so an ERROR raised inside the callback
 * (a longjmp out of the core) leaks nothing that outlives its memory
 * context.
 *
 * src/core/report/report.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_REPORT_H
#define CTEM_REPORT_H

#include <stdbool.h>
#include <stddef.h>

typedef void *(*CtemAllocFn) (size_t);
typedef void (*CtemFreeFn) (void *);

/*
 * Route every allocation of the core (and of its JSON reader) through
 * alloc/free_fn.  Passing NULL restores malloc/free.  free_fn must accept
 * NULL.
 */
extern void ctem_report_set_allocator(CtemAllocFn alloc, CtemFreeFn free_fn);

typedef enum CtemReportFormat
{
	CTEM_FMT_UNKNOWN = 0,
	CTEM_FMT_TRIVY,
	CTEM_FMT_GRYPE,
	CTEM_FMT_SARIF,
	CTEM_FMT_CYCLONEDX,
	CTEM_FMT_NUCLEI,
	CTEM_FMT_OSV,
	CTEM_FMT_ASFF,
	CTEM_FMT_OCSF,
	CTEM_FMT_NPM_AUDIT,
	CTEM_FMT_DEPCHECK,
	CTEM_FMT_GITLAB,
	CTEM_FMT_CHECKOV,
	CTEM_FMT_SEMGREP,
	CTEM_FMT_COUNT				/* number of entries, not a format */
} CtemReportFormat;

/* "trivy", "grype", ..., "unknown" for CTEM_FMT_UNKNOWN or bad values */
extern const char *ctem_report_format_name(CtemReportFormat f);

/* case-insensitive inverse of ctem_report_format_name; UNKNOWN otherwise */
extern CtemReportFormat ctem_report_format_from_name(const char *name);

/* "trivy, grype, sarif, ..." for error hints */
extern const char *ctem_report_supported_formats(void);

/* normalized vocabularies (the strings below are the only values used) */
#define CTEM_ASSET_HOST				"host"
#define CTEM_ASSET_CONTAINER_IMAGE	"container_image"
#define CTEM_ASSET_REPOSITORY		"repository"
#define CTEM_ASSET_CLOUD_RESOURCE	"cloud_resource"
#define CTEM_ASSET_K8S_RESOURCE		"kubernetes_resource"
#define CTEM_ASSET_WEB_APP			"web_app"
#define CTEM_ASSET_APPLICATION		"application"
#define CTEM_ASSET_IDENTITY			"identity"
#define CTEM_ASSET_NETWORK			"network"
#define CTEM_ASSET_SAAS_APP			"saas_app"

#define CTEM_KIND_VULNERABILITY		"vulnerability"
#define CTEM_KIND_MISCONFIGURATION	"misconfiguration"
#define CTEM_KIND_SECRET			"secret"
#define CTEM_KIND_IDENTITY_RISK		"identity_risk"
#define CTEM_KIND_EXPOSED_SERVICE	"exposed_service"
#define CTEM_KIND_CODE_WEAKNESS		"code_weakness"
#define CTEM_KIND_THREAT_DETECTION	"threat_detection"

typedef struct CtemFinding
{
	/* asset the finding is on, as the report names it */
	const char *asset_kind;		/* CTEM_ASSET_*; never NULL */
	const char *asset_key;		/* natural key; NULL when the report names no
								 * asset (the caller supplies a default) */
	const char *asset_name;		/* display name, may be NULL */
	/* the problem */
	const char *kind;			/* CTEM_KIND_*; never NULL */
	const char *rule_id;		/* canonical id (a CVE when one is named);
								 * never NULL */
	const char **aliases;		/* other ids, no duplicates, never rule_id */
	int			naliases;
	const char *title;			/* never NULL (falls back to rule_id) */
	const char *description;	/* may be NULL */
	const char *severity;		/* critical, high, medium, low, info,
								 * unknown; never NULL */
	const char *cvss_vector;	/* best CVSS vector, raw text, may be NULL */
	double		cvss_score;		/* reported score or NaN */
	const char *component;		/* package name / resource type, may be NULL */
	const char *component_version;
	const char *location;		/* file path, package path, URL, may be NULL */
	const char *fixed_version;
	const char *status;			/* raw scanner / VEX status, may be NULL */
	bool		suppressed;		/* SARIF suppression, VEX not_affected, ... */
	double		epss;			/* scanner-embedded EPSS or NaN */
	double		epss_percentile;
	const char *cwe;			/* "CWE-79,CWE-89" or NULL */
	const char *purl;			/* package URL if given */
	const char *tool;			/* producing scanner, lower case; never NULL */
	CtemReportFormat format;	/* the report's format (given or detected) */
	const char *published;		/* ISO 8601 date/time as given, or NULL;
								 * a real calendar date (see
								 * ctem_valid_datetime) */
	/* additions to the agreed contract, all may be NULL */
	const char *message;		/* instance-specific text (SARIF message,
								 * Trivy misconfiguration message, ...) */
	const char *remediation;	/* remediation advice text */
	const char *url;			/* primary advisory / documentation URL */
	const char *observed_at;	/* ISO 8601 time the scanner saw it, valid
								 * as published is */
	const char *asset_placeholder;	/* when asset_key is NULL because the
									 * report named a placeholder ("Unknown",
									 * ".", "package-lock.json"): that text */
	const char *nul_members;	/* members whose \u0000 was replaced by
								 * U+FFFD in a stored value, comma-separated
								 * paths ("artifact.version"), or NULL */
	const char *published_invalid;	/* the report's published date when it
									 * is not a valid date (2023-02-30),
									 * else NULL; published is then NULL */
	const char *observed_at_invalid;	/* the same for observed_at */
} CtemFinding;

#define CTEM_REPORT_OK			0
#define CTEM_REPORT_EMALFORMED	1	/* not valid JSON */
#define CTEM_REPORT_EUNDETECTED 2	/* valid JSON, unknown layout */
#define CTEM_REPORT_EMISSING	3	/* required field missing / wrong type */
#define CTEM_REPORT_EREPORTED	4	/* the report itself is an error */
#define CTEM_REPORT_ECALLBACK	5	/* the callback returned non-zero */
#define CTEM_REPORT_ENOMEM		6	/* allocator returned NULL */

typedef struct CtemReportError
{
	int			code;			/* CTEM_REPORT_* */
	int			line,			/* 1-based position of the offending byte */
				column;			/* (column counts characters); 0 if unknown */
	char		path[256];		/* JSON path, e.g. $.Results[3].Vulnerabilities[0].VulnerabilityID */
	char		message[512];	/* a full sentence */
	long		position;		/* byte offset of the offending value, -1 if
								 * unknown */
	int			cb_result;		/* the callback's return for ECALLBACK */
} CtemReportError;

typedef int (*CtemFindingFn) (void *arg, const CtemFinding *f);

/* per-parse counters (an addition to the contract) */
typedef struct CtemReportStats
{
	CtemReportFormat detected;
	long		nfindings;		/* findings passed to the callback */
	long		nsuppressed;	/* of those, with suppressed = true */
	long		nskipped;		/* records that are not findings: PASS checks,
								 * transitive npm entries, ... */
	long		ndocuments;		/* JSON values at top level (JSONL lines) */
} CtemReportStats;

/*
 * Parse report (len bytes, need not be NUL-terminated), auto-detecting the
 * format when fmt == CTEM_FMT_UNKNOWN.  Pointers in *f are valid only
 * during the callback.  Returns true on success and sets *detected and
 * *nfindings (either may be NULL).  Empty input, whitespace only, JSON null
 * and an empty top-level array are valid empty reports; *detected is then
 * fmt (CTEM_FMT_UNKNOWN when auto-detecting).  On failure *err is filled.
 */
extern bool ctem_report_parse(const char *report, size_t len,
							  CtemReportFormat fmt, CtemFindingFn cb, void *arg,
							  CtemReportFormat *detected, long *nfindings,
							  CtemReportError *err);

/* the same, with counters; stats may be NULL */
extern bool ctem_report_parse_ex(const char *report, size_t len,
								 CtemReportFormat fmt, CtemFindingFn cb,
								 void *arg, CtemReportStats *stats,
								 CtemReportError *err);

#endif							/* CTEM_REPORT_H */
