/*-------------------------------------------------------------------------
 *
 * report_int.h
 *	  Internal declarations shared by the files of the report-parsing core
 *	  (report.c, report_json.c and the per-format report_*.c files).
 *
 * The core reads JSON with its own streaming, zero-copy reader rather than
 * with jansson: jansson builds a full tree (several times the size of the
 * input) and parses Trivy output at about 30k findings/s, while the reader
 * here validates every byte once, materializes one finding at a time into
 * a small node array and reaches the throughput and memory targets.
 *
 * Errors unwind with longjmp to ctem_report_parse_ex, which frees every
 * arena of the parse context.  No state outlives a call.
 *
 * src/report_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_REPORT_INT_H
#define CTEM_REPORT_INT_H

#include <setjmp.h>
#include <stdint.h>

#include "report.h"

#define CTEM_CJ_MAX_DEPTH	512

#if defined(__GNUC__) || defined(__clang__)
#define CTEM_NORETURN __attribute__((noreturn))
#define CTEM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CTEM_NORETURN
#define CTEM_PRINTF(f, a)
#endif

/* bump allocator made of chunks obtained from the configured allocator */
typedef struct CtemArenaChunk
{
	struct CtemArenaChunk *next;
	size_t		size;
	size_t		used;
	char		data[];
} CtemArenaChunk;

typedef struct CtemArena
{
	CtemArenaChunk *head;
} CtemArena;

/* JSON node types */
typedef enum CjType
{
	CJ_NONE = 0,
	CJ_NULL,
	CJ_FALSE,
	CJ_TRUE,
	CJ_NUMBER,
	CJ_STRING,
	CJ_ARRAY,
	CJ_OBJECT
} CjType;

/*
 * A parsed JSON value is a run of nodes in pre-order.  An object's node is
 * followed by key/value pairs (the key is a CJ_STRING node), an array's by
 * its elements.  "size" is the number of nodes of the subtree including the
 * node itself, so the next sibling of node i is i + size.
 */
typedef struct CjNode
{
	uint8_t		type;
	uint32_t	size;
	uint32_t	count;			/* members / elements / string length */
	size_t		off;			/* byte offset of the value in the input */
	const char *s;				/* NUL-terminated text of strings, numbers */
} CjNode;

typedef struct CjDoc
{
	CjNode	   *nodes;
	int			n;
	int			cap;
	CtemArena	arena;
} CjDoc;

/* iterator over an array or object that is streamed from the input */
typedef struct CjIter
{
	size_t		pos;			/* where to continue */
	size_t		valoff;			/* offset of the current element's value */
	long		index;			/* 0-based index of the current element */
	char		close;
	bool		isobj;
	bool		first;
	bool		pending;		/* current element not consumed yet */
	bool		keylong;		/* key did not fit in key[] */
	size_t		keylen;
	char		key[256];		/* current member name (objects) */
} CjIter;

/*
 * Member policies for ctem_cj_parse_partial.  Members not listed are parsed
 * into the document.
 *	CJ_LAZY    validate and skip; remember the offset for the caller
 *	CJ_IGNORE  validate and skip
 *	CJ_STREAM  hand the value to fn: at once when every key in needs[] has
 *			   already been parsed (the usual key order of the scanner),
 *			   otherwise after the whole object has been read
 */
#define CJ_LAZY		1
#define CJ_IGNORE	2
#define CJ_STREAM	3

struct CtemCtx;
typedef size_t (*CjStreamFn) (struct CtemCtx *c, size_t off, void *arg);

typedef struct CjLazy
{
	const char *key;
	int			policy;
	const char *needs[4];		/* CJ_STREAM: NULL-terminated */
	CjStreamFn	fn;
	void	   *arg;
	bool		found;			/* seen and not yet handed to fn */
	size_t		off;
} CjLazy;

/* documents of a parse context */
#define CTEM_DOC_TOP	0		/* report header */
#define CTEM_DOC_MID	1		/* intermediate level (Result, run, ...) */
#define CTEM_DOC_ITEM	2		/* the finding being converted */
#define CTEM_DOC_AUX	3		/* spare */
#define CTEM_NDOCS		4

typedef struct CtemCtx
{
	const char *buf;
	size_t		len;
	CtemReportError *err;
	jmp_buf		jb;
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

/* allocation (report.c) */
extern void *ctem_report_alloc(CtemCtx *c, size_t n);
extern void ctem_report_free(void *p);
extern void *ctem_arena_alloc(CtemCtx *c, CtemArena *a, size_t n);
extern char *ctem_arena_strndup(CtemCtx *c, CtemArena *a, const char *s,
								size_t n);
extern void ctem_arena_reset(CtemArena *a);
extern void ctem_arena_free(CtemArena *a);

/* errors and paths (report.c) */
extern void ctem_fail(CtemCtx *c, int code, size_t pos, const char *fmt,...)
			CTEM_NORETURN CTEM_PRINTF(4, 5);
extern void ctem_fail_missing(CtemCtx *c, const CjDoc *d, int node,
							  const char *field, const char *what)
			CTEM_NORETURN;
extern size_t ctem_path_key(CtemCtx *c, const char *key);
extern size_t ctem_path_index(CtemCtx *c, long i);
extern void ctem_path_set(CtemCtx *c, size_t len);
extern void ctem_position(const char *buf, size_t len, size_t pos,
						  int *line, int *column);

/* JSON reader (report_json.c) */
extern size_t ctem_cj_ws_run(CtemCtx *c, size_t pos);

/* the offset of the first byte at or after pos that is not JSON whitespace */
static inline size_t
ctem_cj_ws(CtemCtx *c, size_t pos)
{
	/* most tokens follow another directly: no call for those */
	if (pos < c->len && (unsigned char) c->buf[pos] > ' ')
		return pos;
	return ctem_cj_ws_run(c, pos);
}
extern size_t ctem_cj_parse(CtemCtx *c, size_t pos, CjDoc *d, int *root);
extern size_t ctem_cj_skip(CtemCtx *c, size_t pos);
extern size_t ctem_cj_fastskip(CtemCtx *c, size_t pos);
extern size_t ctem_cj_parse_partial(CtemCtx *c, size_t pos, CjDoc *d,
									CjLazy *lz, int nlz, int *root);
extern bool ctem_cj_iter_begin(CtemCtx *c, size_t pos, char open, CjIter *it);
extern bool ctem_cj_iter_next(CtemCtx *c, CjIter *it);
extern void ctem_cj_iter_done(CjIter *it, size_t end);
extern void ctem_cj_doc_reset(CjDoc *d);
extern void ctem_cj_doc_free(CjDoc *d);
extern void ctem_cj_syntax_error(CtemCtx *c, size_t pos, const char *what)
			CTEM_NORETURN;
extern int	ctem_cj_get(const CjDoc *d, int obj, const char *key);
extern const char *ctem_cj_str(const CjDoc *d, int idx);
extern const char *ctem_cj_sget(const CjDoc *d, int obj, const char *key);
extern double ctem_cj_num(const CjDoc *d, int idx);
extern int	ctem_cj_type(const CjDoc *d, int idx);
extern int	ctem_cj_len(const CjDoc *d, int idx);
extern int	ctem_cj_at(const CjDoc *d, int arr, int i);
extern int	ctem_cj_path(const CjDoc *d, int obj, const char *dotted);
extern int	ctem_cj_first(const CjDoc *d, int idx);
extern int	ctem_cj_next(const CjDoc *d, int idx);
extern int	ctem_cj_next_member(const CjDoc *d, int key);

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
extern const char *ctem_date_or_null(const char *s);
extern const char *ctem_with_line(CtemCtx *c, const char *file, double line);
extern double ctem_id_number(double v);
extern bool ctem_strcaseeq(const char *a, const char *b);
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
