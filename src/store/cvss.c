/*-------------------------------------------------------------------------
 *
 * cvss.c
 *		SQL glue of the ctem.cvss base type: I/O, comparison, hashing and
 *		accessor functions over the pure parser/scorer in cvss_core.c.
 *
 * A ctem.cvss value is the fixed-size CtemCvss struct: version, the metric
 * values as small indexes, and every score precomputed at input time, so
 * accessors and comparisons never reparse.
 *
 * src/store/cvss.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "compat.h"
#include "core/cvss_core.h"

PG_FUNCTION_INFO_V1(ctem_cvss_in);
PG_FUNCTION_INFO_V1(ctem_cvss_out);
PG_FUNCTION_INFO_V1(ctem_cvss_recv);
PG_FUNCTION_INFO_V1(ctem_cvss_send);
PG_FUNCTION_INFO_V1(ctem_try_cvss);
PG_FUNCTION_INFO_V1(ctem_cvss_eq);
PG_FUNCTION_INFO_V1(ctem_cvss_ne);
PG_FUNCTION_INFO_V1(ctem_cvss_lt);
PG_FUNCTION_INFO_V1(ctem_cvss_le);
PG_FUNCTION_INFO_V1(ctem_cvss_gt);
PG_FUNCTION_INFO_V1(ctem_cvss_ge);
PG_FUNCTION_INFO_V1(ctem_cvss_cmp);
PG_FUNCTION_INFO_V1(ctem_cvss_hash);
PG_FUNCTION_INFO_V1(ctem_cvss_hash_extended);
PG_FUNCTION_INFO_V1(ctem_cvss_score);
PG_FUNCTION_INFO_V1(ctem_cvss_base_score);
PG_FUNCTION_INFO_V1(ctem_cvss_temporal_score);
PG_FUNCTION_INFO_V1(ctem_cvss_environmental_score);
PG_FUNCTION_INFO_V1(ctem_cvss_version);
PG_FUNCTION_INFO_V1(ctem_cvss_severity);
PG_FUNCTION_INFO_V1(ctem_cvss_get_nomenclature);
PG_FUNCTION_INFO_V1(ctem_cvss_get_macrovector);
PG_FUNCTION_INFO_V1(ctem_cvss_get_metric);

#define PG_GETARG_CVSS_P(n)		((CtemCvss *) PG_GETARG_POINTER(n))

/*
 * The characters of an input quoted in a message: the first
 * CVSS_QUOTE_MAX bytes (never a character cut in two), then "..." when
 * that is not all, as PostgreSQL quotes a long value in a constraint
 * violation's detail; a vector is far shorter, and the detail names the
 * component at fault.
 */
#define CVSS_QUOTE_MAX 100

static char *
cvss_quote(const char *str, size_t len)
{
	int			n;

	if (len <= CVSS_QUOTE_MAX)
		return pnstrdup(str, len);
	n = pg_mbcliplen(str, (int) Min(len, (size_t) CVSS_QUOTE_MAX * 2), CVSS_QUOTE_MAX);
	return psprintf("%.*s...", n, str);
}

/* parse or ereport(ERROR) naming the input, the component and the form */
static CtemCvss *
cvss_parse_or_error(const char *str, size_t len)
{
	CtemCvss   *result = palloc0(sizeof(CtemCvss));
	CtemCvssError err;

	if (!ctem_cvss_parse(str, len, result, &err))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						"ctem.cvss", cvss_quote(str, len)),
				 errdetail("%s", err.detail),
				 errhint("%s", err.hint)));
	return result;
}

static char *
cvss_text(const CtemCvss *c)
{
	char	   *buf = palloc(CTEM_CVSS_MAX_TEXT);

	ctem_cvss_format(c, buf, CTEM_CVSS_MAX_TEXT);
	return buf;
}

Datum
ctem_cvss_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);

	PG_RETURN_POINTER(cvss_parse_or_error(str, strlen(str)));
}

Datum
ctem_cvss_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(cvss_text(PG_GETARG_CVSS_P(0)));
}

/*
 * Binary format: the canonical vector as text.  Receiving reparses it, so
 * a value can never be out of sync with its scores.
 */
Datum
ctem_cvss_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_POINTER(cvss_parse_or_error(str, nbytes));
}

Datum
ctem_cvss_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	char	   *str = cvss_text(PG_GETARG_CVSS_P(0));

	pq_begintypsend(&buf);
	pq_sendtext(&buf, str, strlen(str));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ctem.try_cvss(text): NULL instead of an error, for ETL */
Datum
ctem_try_cvss(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	CtemCvss   *result = palloc0(sizeof(CtemCvss));
	CtemCvssError err;

	if (!ctem_cvss_parse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), result, &err))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(result);
}

/* comparison: by score, then by canonical vector */

Datum
ctem_cvss_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ctem_cvss_equal(PG_GETARG_CVSS_P(0), PG_GETARG_CVSS_P(1)));
}

Datum
ctem_cvss_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!ctem_cvss_equal(PG_GETARG_CVSS_P(0), PG_GETARG_CVSS_P(1)));
}

Datum
ctem_cvss_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ctem_cvss_compare(PG_GETARG_CVSS_P(0), PG_GETARG_CVSS_P(1)) < 0);
}

Datum
ctem_cvss_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ctem_cvss_compare(PG_GETARG_CVSS_P(0), PG_GETARG_CVSS_P(1)) <= 0);
}

Datum
ctem_cvss_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ctem_cvss_compare(PG_GETARG_CVSS_P(0), PG_GETARG_CVSS_P(1)) > 0);
}

Datum
ctem_cvss_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ctem_cvss_compare(PG_GETARG_CVSS_P(0), PG_GETARG_CVSS_P(1)) >= 0);
}

Datum
ctem_cvss_cmp(PG_FUNCTION_ARGS)
{
	int			c = ctem_cvss_compare(PG_GETARG_CVSS_P(0), PG_GETARG_CVSS_P(1));

	PG_RETURN_INT32(c < 0 ? -1 : (c > 0 ? 1 : 0));
}

/* hash the identity (version and metric values), consistent with = */
Datum
ctem_cvss_hash(PG_FUNCTION_ARGS)
{
	CtemCvss   *c = PG_GETARG_CVSS_P(0);
	uint8		key[1 + CTEM_CVSS_MAX_METRICS];

	key[0] = c->version;
	memcpy(key + 1, c->values, CTEM_CVSS_MAX_METRICS);
	return hash_any(key, sizeof(key));
}

Datum
ctem_cvss_hash_extended(PG_FUNCTION_ARGS)
{
	CtemCvss   *c = PG_GETARG_CVSS_P(0);
	uint8		key[1 + CTEM_CVSS_MAX_METRICS];

	key[0] = c->version;
	memcpy(key + 1, c->values, CTEM_CVSS_MAX_METRICS);
	return hash_any_extended(key, sizeof(key), PG_GETARG_INT64(1));
}

/* scores are stored ×10; -1 means absent */
static Datum
score_numeric(int score10, bool *isnull)
{
	if (score10 < 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	return NumericGetDatum(int64_div_fast_to_numeric(score10, 1));
}

#define RETURN_SCORE(s10) \
	do { \
		bool	isnull_; \
		Datum	d_ = score_numeric((s10), &isnull_); \
		if (isnull_) \
			PG_RETURN_NULL(); \
		PG_RETURN_DATUM(d_); \
	} while (0)

Datum
ctem_cvss_score(PG_FUNCTION_ARGS)
{
	RETURN_SCORE(PG_GETARG_CVSS_P(0)->score10);
}

Datum
ctem_cvss_base_score(PG_FUNCTION_ARGS)
{
	RETURN_SCORE(PG_GETARG_CVSS_P(0)->base10);
}

Datum
ctem_cvss_temporal_score(PG_FUNCTION_ARGS)
{
	RETURN_SCORE(PG_GETARG_CVSS_P(0)->temporal10);
}

Datum
ctem_cvss_environmental_score(PG_FUNCTION_ARGS)
{
	RETURN_SCORE(PG_GETARG_CVSS_P(0)->env10);
}

Datum
ctem_cvss_version(PG_FUNCTION_ARGS)
{
	const char *v = ctem_cvss_version_text(PG_GETARG_CVSS_P(0));

	if (v == NULL)
		elog(ERROR, "corrupt ctem.cvss value");
	PG_RETURN_TEXT_P(cstring_to_text(v));
}

Datum
ctem_cvss_severity(PG_FUNCTION_ARGS)
{
	CtemCvss   *c = PG_GETARG_CVSS_P(0);
	const char *s = ctem_cvss_severity_text(c, c->score10);

	if (s == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(s));
}

Datum
ctem_cvss_get_nomenclature(PG_FUNCTION_ARGS)
{
	const char *n = ctem_cvss_nomenclature(PG_GETARG_CVSS_P(0));

	if (n == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(n));
}

Datum
ctem_cvss_get_macrovector(PG_FUNCTION_ARGS)
{
	char		buf[7];

	if (!ctem_cvss_macrovector(PG_GETARG_CVSS_P(0), buf))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, 6));
}

/*
 * ctem.cvss_metric(cvss, name): the value given for a metric, NULL when the
 * vector does not give it, an error for a name the version does not have.
 */
Datum
ctem_cvss_get_metric(PG_FUNCTION_ARGS)
{
	CtemCvss   *c = PG_GETARG_CVSS_P(0);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	const char *value = NULL;
	int			rc = ctem_cvss_metric(c, name, &value);

	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("CVSS %s has no metric \"%s\"",
						ctem_cvss_version_text(c) ? ctem_cvss_version_text(c) : "?",
						cvss_quote(name, strlen(name))),
				 errhint("Metric names are case-sensitive abbreviations such as \"AV\" or \"MAV\", as written in the vector.")));
	if (rc == 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(value));
}
