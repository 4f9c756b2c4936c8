/*-------------------------------------------------------------------------
 *
 * report_int.h
 *	  Internal declarations shared by the files of the report-parsing core
 *	  (report.c and the per-format report_*.c files).
 *
 * The core reads JSON with ctem's streaming reader (core/json): a parse
 * context (CtemCtx) starts with the reader's state, so the reader's
 * functions take &c->cj, and a stream callback gets its CtemCtx back with
 * ctem_ctx().
 *
 * Errors, the reader's and the core's, unwind with longjmp to
 * ctem_report_parse_ex, which frees every arena of the parse context.  No
 * state outlives a call.
 *
 * src/core/report/report_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_REPORT_INT_H
#define CTEM_REPORT_INT_H

#include <setjmp.h>
#include <stdint.h>

#include "core/json/json_reader.h"
#include "core/report/report.h"

/* documents of a parse context */
#define CTEM_DOC_TOP	0		/* report header */
#define CTEM_DOC_MID	1		/* intermediate level (Result, run, ...) */
#define CTEM_DOC_ITEM	2		/* the finding being converted */
#define CTEM_DOC_AUX	3		/* spare */
#define CTEM_NDOCS		4

typedef struct CtemCtx
{
	CjReader	cj;				/* the JSON reader: input, unwinding */
	CtemReportError *err;
	CtemFindingFn cb;
	void	   *cbarg;
	CtemReportStats stats;
	CtemReportFormat fmt;		/* format being parsed */
	size_t		doc_off;		/* start of the current top-level value */
	char		path[1024];
	size_t		pathlen;
	CjDoc		docs[CTEM_NDOCS];
	CtemArena	scratch;		/* strings built for one finding */
	CtemArena	keep;			/* strings that live for one document */
	void	   *fmtstate;		/* per-format state (in keep) */
} CtemCtx;

/* one finding under construction */
#define CTEM_MAX_IDS 64

typedef struct CtemDraft
{
	CtemFinding f;
	const char *ids[CTEM_MAX_IDS];	/* candidate aliases */
	int			nids;
	int			cvss_rank;
	const char *sev_source;		/* vendor whose CVSS to prefer after NVD */
	char		cwebuf[256];
	size_t		cwelen;
	bool		nofold;			/* keep rule_id even if one CVE is named */
} CtemDraft;

/* the parse context of a reader: the CtemCtx it is the first member of */
static inline CtemCtx *
ctem_ctx(CjReader *r)
{
	return (CtemCtx *) ((char *) r - offsetof(CtemCtx, cj));
}

/* allocation through the reader's allocator (report.c) */
extern void *ctem_report_alloc(CtemCtx *c, size_t n);
extern void ctem_report_free(void *p);

/* errors and paths (report.c) */
extern void ctem_fail(CtemCtx *c, int code, size_t pos, const char *fmt,...)
			CTEM_NORETURN CTEM_PRINTF(4, 5);
extern void ctem_fail_missing(CtemCtx *c, const CjDoc *d, int node,
							  const char *field, const char *what)
			CTEM_NORETURN;
extern size_t ctem_path_key(CtemCtx *c, const char *key);
extern size_t ctem_path_index(CtemCtx *c, long i);
extern void ctem_path_set(CtemCtx *c, size_t len);

/* finding construction (report.c) */
extern void ctem_draft_init(CtemCtx *c, CtemDraft *dr);
extern void ctem_draft_alias(CtemCtx *c, CtemDraft *dr, const char *id);
extern void ctem_draft_cvss(CtemCtx *c, CtemDraft *dr, const char *vector,
							double score, const char *source,
							const char *version);
extern void ctem_draft_cwe(CtemCtx *c, CtemDraft *dr, const char *text);
extern void ctem_draft_cwe_num(CtemCtx *c, CtemDraft *dr, double n);
extern void ctem_emit(CtemCtx *c, CtemDraft *dr);
extern void ctem_skipped(CtemCtx *c);

/* normalization helpers (report.c) */
extern const char *ctem_severity(const char *s);
extern const char *ctem_severity_from_score(double score);
extern bool ctem_is_cve(const char *s);
extern const char *ctem_cve_prefix(CtemCtx *c, const char *s);
extern const char *ctem_find_cve(CtemCtx *c, const char *s);
extern char *ctem_printf(CtemCtx *c, const char *fmt,...)
			CTEM_PRINTF(2, 3);
extern char *ctem_lower(CtemCtx *c, const char *s);
extern const char *ctem_nonempty(const char *s);
extern const char *ctem_pkg_location(CtemCtx *c, const char *path);
extern bool ctem_is_pkgdb_path(const char *path);
extern bool ctem_purl_parse(CtemCtx *c, const char *purl, const char **name,
							const char **version);
extern const char *ctem_join(CtemCtx *c, const CjDoc *d, int arr,
							 const char *sep);
extern const char *ctem_strip_file_uri(CtemCtx *c, const char *uri);
extern const char *ctem_percent_decoded(CtemCtx *c, const char *s);
extern const char *ctem_date_or_null(const char *s);
/* s is YYYY-MM-DD, a calendar day, optionally with an ISO 8601 time */
extern bool ctem_valid_datetime(const char *s);
extern const char *ctem_with_line(CtemCtx *c, const char *file, double line);
extern double ctem_id_number(double v);
extern bool ctem_strcaseeq(const char *a, const char *b);
extern bool ctem_placeholder_key(const char *kind, const char *key);
extern bool ctem_target_is_path(const char *t);
extern const char *ctem_os_target_image(CtemCtx *c, const char *t);
extern size_t ctem_advisory_len(const char *id);
extern const char *ctem_url_host(CtemCtx *c, const char *h, bool *is_url);
extern bool ctem_has_prefix(const char *s, const char *prefix);
extern bool ctem_contains_ci(const char *s, const char *needle);

/* format handlers: parse one top-level value starting at pos */
extern size_t ctem_parse_trivy(CtemCtx *c, size_t pos);
extern size_t ctem_parse_grype(CtemCtx *c, size_t pos);
extern size_t ctem_parse_sarif(CtemCtx *c, size_t pos);
extern size_t ctem_parse_cyclonedx(CtemCtx *c, size_t pos);
extern size_t ctem_parse_nuclei(CtemCtx *c, size_t pos);
extern size_t ctem_parse_osv(CtemCtx *c, size_t pos);
extern size_t ctem_parse_asff(CtemCtx *c, size_t pos);
extern size_t ctem_parse_ocsf(CtemCtx *c, size_t pos);
extern size_t ctem_parse_npm(CtemCtx *c, size_t pos);
extern size_t ctem_parse_depcheck(CtemCtx *c, size_t pos);
extern size_t ctem_parse_gitlab(CtemCtx *c, size_t pos);
extern size_t ctem_parse_checkov(CtemCtx *c, size_t pos);
extern size_t ctem_parse_semgrep(CtemCtx *c, size_t pos);

/* helpers for handlers (report.c) */
extern bool ctem_require_container(CtemCtx *c, size_t pos, char open,
								   const char *what);
extern int	ctem_item_parse(CtemCtx *c, CjIter *it, const char *const *ignore);

/*
 * Stream the array at off, the value of key: parse each element as one item
 * (CTEM_DOC_ITEM, the keys in ignore left out; ignore may be NULL) and hand
 * it to fn, keeping the JSON path for errors.  A value that is not an array
 * is reported and skipped.  Returns the position after the value.
 */
typedef void (*CtemItemFn) (struct CtemCtx *c, const CjDoc *d, int root,
							void *arg);
extern size_t ctem_stream_array(struct CtemCtx *c, size_t off, const char *key,
								const char *const *ignore, CtemItemFn fn,
								void *arg);

/*
 * A report that is one finding object or an array of them (nuclei, OCSF):
 * each object, parsed with the keys in ignore left out, goes to fn; null
 * elements are skipped.  "what" names the report in errors.
 */
extern size_t ctem_parse_object_or_array(struct CtemCtx *c, size_t pos,
										 const char *what,
										 const char *const *ignore,
										 CtemItemFn fn, void *arg);

#endif							/* CTEM_REPORT_INT_H */
