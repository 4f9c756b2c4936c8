/*-------------------------------------------------------------------------
 *
 * cvss_core.h
 *	  Parser, scorer and formatter for CVSS v2.0, v3.0, v3.1 and v4.0
 *	  vector strings.
 *
 * This is plain C99 with no PostgreSQL dependency: the backend glue lives
 * in cvss.c, while test/cvss_conformance.c and test/fuzz/fuzz_cvss.c link
 * cvss_core.c on its own.  Nothing here allocates memory.  See docs/cvss.md
 * for the parsing rules, the scoring arithmetic and the error messages.
 *
 * ON-DISK FORMAT: a CtemCvss is stored by PostgreSQL exactly as laid out
 * below (44 bytes, 2-byte alignment, native byte order).  values[] holds,
 * per metric in the version's specification order, the 1-based index of
 * the value in that metric's value list.  The metric tables and the value
 * lists in cvss_core.c may therefore only ever be APPENDED to: never
 * reorder, remove or insert entries, or stored vectors change meaning.
 *
 * src/core/cvss_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_CVSS_CORE_H
#define CTEM_CVSS_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* v4.0 has 32 metrics including the supplemental ones; 2 spare slots */
#define CTEM_CVSS_MAX_METRICS 34

/*
 * Buffer size that always holds a canonical vector and its NUL terminator.
 * The longest canonical vector today is 178 bytes (v4.0 with every metric).
 */
#define CTEM_CVSS_MAX_TEXT 256

/* Sentinel for an absent temporal or environmental score */
#define CTEM_CVSS_SCORE_ABSENT (-1)

typedef enum CtemCvssVersion
{
	CTEM_CVSS_V2 = 1,
	CTEM_CVSS_V30 = 2,
	CTEM_CVSS_V31 = 3,
	CTEM_CVSS_V40 = 4
} CtemCvssVersion;

/*
 * A parsed and scored vector.  Fixed size, no pointers: PostgreSQL stores it
 * as-is (CREATE TYPE ... INTERNALLENGTH = 44, ALIGNMENT = int2,
 * STORAGE = plain).  Scores are tenths (97 means 9.7).
 */
typedef struct CtemCvss
{
	uint8_t		version;		/* CtemCvssVersion */
	uint8_t		flags;			/* reserved, always 0 */
	int16_t		score10;		/* v4: the v4 score; v2/v3: base score */
	int16_t		base10;			/* base score; v4: score with threat and
								 * environmental metrics taken as X */
	int16_t		temporal10;		/* -1 = absent (v2 rule; always -1 for v4) */
	int16_t		env10;			/* -1 = absent (v2 rule; always -1 for v4) */
	uint8_t		values[CTEM_CVSS_MAX_METRICS];	/* 0 = not given, else
												 * 1-based value index */
} CtemCvss;

/* C99 compile-time checks of the on-disk layout */
typedef char ctem_cvss_size_check[(sizeof(CtemCvss) == 44) ? 1 : -1];
typedef char ctem_cvss_values_offset_check[(offsetof(CtemCvss, values) == 10) ? 1 : -1];

/* Why a string was rejected; the names match the corpus's invalid.tsv */
typedef enum CtemCvssErrorCode
{
	CTEM_CVSS_ERR_NONE = 0,
	CTEM_CVSS_ERR_EMPTY,
	CTEM_CVSS_ERR_TRUNCATED,
	CTEM_CVSS_ERR_MISSING_MANDATORY,
	CTEM_CVSS_ERR_DUPLICATE_METRIC,
	CTEM_CVSS_ERR_BAD_VALUE,
	CTEM_CVSS_ERR_UNKNOWN_METRIC,
	CTEM_CVSS_ERR_EMPTY_COMPONENT,
	CTEM_CVSS_ERR_TRAILING_GARBAGE,
	CTEM_CVSS_ERR_LEADING_GARBAGE,
	CTEM_CVSS_ERR_MALFORMED_COMPONENT,
	CTEM_CVSS_ERR_BAD_CASE,
	CTEM_CVSS_ERR_BAD_SEPARATOR,
	CTEM_CVSS_ERR_WRONG_PREFIX,
	CTEM_CVSS_ERR_OUT_OF_ORDER
} CtemCvssErrorCode;

typedef struct CtemCvssError
{
	int			position;		/* 0-based byte offset of the offending
								 * component, or the input length when the
								 * input ends too early */
	char		component[64];	/* offending component (non-printable bytes
								 * shown as '?', "..." when cut) */
	char		detail[256];	/* capitalised sentence ending with a period */
	char		hint[256];		/* expected form, capitalised, with a period */
	int			code;			/* CtemCvssErrorCode */
} CtemCvssError;

/*
 * Parse len bytes at str (no NUL terminator needed), compute every score and
 * fill *out.  On failure return false, fill *err (if not NULL) and leave
 * *out zeroed.
 */
extern bool ctem_cvss_parse(const char *str, size_t len, CtemCvss *out,
							CtemCvssError *err);

/*
 * Write the canonical vector: version prefix ("" for v2), then every metric
 * that was given (explicit X/ND included) in specification order.  snprintf
 * semantics: returns the full length, writes at most buflen - 1 bytes plus
 * a NUL when buflen > 0.
 */
extern size_t ctem_cvss_format(const CtemCvss *c, char *buf, size_t buflen);

/* "2.0", "3.0", "3.1", "4.0"; NULL for an invalid struct */
extern const char *ctem_cvss_version_text(const CtemCvss *c);

/*
 * Qualitative rating of score10 for the version of c: v3/v4 None, Low,
 * Medium, High, Critical; v2 (NVD scale) Low, Medium, High.  NULL when
 * score10 is negative (absent) or above 100.
 */
extern const char *ctem_cvss_severity_text(const CtemCvss *c, int score10);

/* v4 only: "CVSS-B", "CVSS-BT", "CVSS-BE" or "CVSS-BTE"; else NULL */
extern const char *ctem_cvss_nomenclature(const CtemCvss *c);

/* v4 only: write the EQ1..EQ6 MacroVector ("002201") and a NUL */
extern bool ctem_cvss_macrovector(const CtemCvss *c, char buf[7]);

/*
 * Look a metric up by its exact (case-sensitive) abbreviation.  Returns 1
 * when given (*value, if value is not NULL, points at the value text), 0 when
 * it is a metric of that version but not given, -1 when the version has no
 * such metric.
 */
extern int	ctem_cvss_metric(const CtemCvss *c, const char *name,
							 const char **value);

/* Total order: score10, then strcmp() of the canonical texts */
extern int	ctem_cvss_compare(const CtemCvss *a, const CtemCvss *b);

/* Same version and same values[] (equivalently: same canonical text) */
extern bool ctem_cvss_equal(const CtemCvss *a, const CtemCvss *b);

/*
 * Check that a struct from an untrusted source (binary input, old data)
 * describes a valid vector, and recompute its scores from values[].
 * Returns false, leaving *c untouched, when it does not.
 */
extern bool ctem_cvss_rescore(CtemCvss *c);

/* "empty", "truncated", ... as in the corpus; "none" for 0 */
extern const char *ctem_cvss_error_code_text(int code);

#endif							/* CTEM_CVSS_CORE_H */
