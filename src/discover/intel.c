/*-------------------------------------------------------------------------
 *
 * intel.c
 *		ctem.load_kev() and ctem.load_epss(): threat intel into
 *		ctem.vuln_intel.
 *
 * Both parse in C (intel_core.c) into column arrays, then upsert with one
 * set-based statement that only touches rows whose values change, so that
 * re-loading the same feed re-scores nothing and a feed that adds one CVE
 * re-scores only that CVE's exposures (the statement triggers of
 * ctem.vuln_intel do the re-scoring).
 *
 * src/discover/intel.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"

#include "compat.h"
#include "common/common.h"
#include "common/encoding.h"
#include "core/intel_core.h"
#include "core/report/report.h"
#include "prioritize/context.h"

PG_FUNCTION_INFO_V1(ctem_load_kev);
PG_FUNCTION_INFO_V1(ctem_load_epss);

typedef struct Cols
{
	int			n;
	int			cap;
	int			ncols;
	char	  **v[12];
	double	   *d[2];
} Cols;

static void
cols_init(Cols *c, int ncols, int ndoubles)
{
	c->n = 0;
	c->cap = 1024;
	c->ncols = ncols;
	for (int i = 0; i < ncols; i++)
		c->v[i] = palloc(sizeof(char *) * c->cap);
	for (int i = 0; i < ndoubles; i++)
		c->d[i] = palloc(sizeof(double) * c->cap);
	for (int i = ndoubles; i < 2; i++)
		c->d[i] = NULL;
}

static int
cols_add(Cols *c)
{
	if (c->n == c->cap)
	{
		c->cap *= 2;
		for (int i = 0; i < c->ncols; i++)
			c->v[i] = repalloc_huge(c->v[i], sizeof(char *) * c->cap);
		for (int i = 0; i < 2; i++)
			if (c->d[i])
				c->d[i] = repalloc_huge(c->d[i], sizeof(double) * c->cap);
	}
	return c->n++;
}

static Datum
text_array(char **vals, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int k = 0; k < n; k++)
	{
		nulls[k] = vals[k] == NULL;
		elems[k] = vals[k] ? CStringGetTextDatum(vals[k]) : (Datum) 0;
	}
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  TEXTOID, -1, false, TYPALIGN_INT));
}

static Datum
float8_array(const double *vals, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int k = 0; k < n; k++)
	{
		nulls[k] = isnan(vals[k]);
		elems[k] = Float8GetDatum(nulls[k] ? 0 : vals[k]);
	}
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

static void
intel_error(const CtemReportError *err, const char *what)
{
	/* they may quote the file, which is UTF-8 */
	const char *message = ctem_utf8_to_db_lenient(err->message, strlen(err->message), NULL);
	const char *path = ctem_utf8_to_db_lenient(err->path, strlen(err->path), NULL);

	if (err->code == CTEM_REPORT_EMALFORMED)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid %s input", what),
				 errdetail("%s", message),
				 errhint("Load the file exactly as published.")));
	if (err->code == CTEM_REPORT_ENOMEM)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while parsing the %s", what)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid %s: bad value at %s%s", what,
					path[0] ? path : "$",
					err->line > 0 ? psprintf(" (line %d, column %d)", err->line, err->column) : ""),
			 errdetail("%s", message),
			 errhint("Load the file exactly as published.")));
}

/* ------------------------------------------------------------------------
 * KEV
 * ------------------------------------------------------------------------ */

enum
{
	K_CVE, K_VENDOR, K_PRODUCT, K_NAME, K_ADDED, K_ACTION, K_DUE, K_RANSOM,
	K_NOTES, K_CWES, K_NCOLS
};

/*
 * A text of the catalog (UTF-8) in the database's encoding, copied; NULL
 * when absent or empty
 */
static char *
db_str(const char *s)
{
	char	   *r;

	if (s == NULL || s[0] == '\0')
		return NULL;
	r = ctem_utf8_to_db_str(s);
	return r == s ? pstrdup(s) : r;
}

static void
kev_error_context(void *arg)
{
	errcontext("KEV entry %s", (const char *) arg);
}

static int
collect_kev(void *arg, const CtemKevEntry *e)
{
	Cols	   *c = (Cols *) arg;
	int			i = cols_add(c);
	ErrorContextCallback errcb;

	CHECK_FOR_INTERRUPTS();
	/* a conversion error (22P05) names the entry */
	errcb.callback = kev_error_context;
	errcb.arg = unconstify(char *, e->cve_id);
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	c->v[K_CVE][i] = pstrdup(e->cve_id);
	c->v[K_VENDOR][i] = db_str(e->vendor_project);
	c->v[K_PRODUCT][i] = db_str(e->product);
	c->v[K_NAME][i] = db_str(e->vulnerability_name);
	c->v[K_ADDED][i] = db_str(e->date_added);
	c->v[K_ACTION][i] = db_str(e->required_action);
	c->v[K_DUE][i] = db_str(e->due_date);
	c->v[K_RANSOM][i] = pstrdup(e->known_ransomware ? "t" : "f");
	c->v[K_NOTES][i] = db_str(e->notes);
	c->v[K_CWES][i] = db_str(e->cwes);
	error_context_stack = errcb.previous;
	return 0;
}

static void
parse_kev(text *t, Cols *c, CtemKevInfo *info)
{
	CtemReportError err;

	ctem_core_use_palloc(true);
	PG_TRY();
	{
		size_t		len;
		const char *json = ctem_text_to_utf8(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &len);

		if (!ctem_kev_parse(json, len, collect_kev, c, info, &err))
			intel_error(&err, "CISA KEV catalog");
	}
	PG_FINALLY();
	{
		ctem_core_use_palloc(false);
	}
	PG_END_TRY();
}

/*
 * A CVE the catalog lists more than once takes its last entry: DISTINCT ON
 * keeps the first row of each CVE in the order CVE, then position in the
 * file from the last (WITH ORDINALITY); so does the EPSS upsert below.
 */
#define KEV_UPSERT_SQL \
	"WITH k AS (SELECT DISTINCT ON (u.cve) u.* FROM ROWS FROM (pg_catalog.unnest($1::text[]), " \
	"pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[]), pg_catalog.unnest($4::text[]), " \
	"pg_catalog.unnest($5::text[]), pg_catalog.unnest($6::text[]), pg_catalog.unnest($7::text[]), " \
	"pg_catalog.unnest($8::text[]), pg_catalog.unnest($9::text[]), pg_catalog.unnest($10::text[])) WITH ORDINALITY " \
	"AS u(cve, vendor, product, name, added, action, due, ransom, notes, cwes, ord) " \
	"ORDER BY u.cve, u.ord DESC), " \
	"prev AS (SELECT v.cve_id, v.kev FROM ctem.vuln_intel v JOIN k " \
	"ON v.cve_id OPERATOR(pg_catalog.=) k.cve), " \
	"up AS (INSERT INTO ctem.vuln_intel AS v (cve_id, kev, kev_date_added, kev_due_date, " \
	"kev_ransomware, kev_vendor, kev_product, kev_name, kev_required_action, kev_notes, " \
	"kev_cwes, kev_catalog_version, updated_at) " \
	"SELECT k.cve, true, k.added::date, k.due::date, k.ransom::boolean, k.vendor, k.product, " \
	"k.name, k.action, k.notes, pg_catalog.string_to_array(k.cwes, E'\\x1f'), $11, pg_catalog.now() FROM k " \
	"ON CONFLICT (cve_id) DO UPDATE SET kev = true, kev_date_added = excluded.kev_date_added, " \
	"kev_due_date = excluded.kev_due_date, kev_ransomware = excluded.kev_ransomware, " \
	"kev_vendor = excluded.kev_vendor, kev_product = excluded.kev_product, " \
	"kev_name = excluded.kev_name, kev_required_action = excluded.kev_required_action, " \
	"kev_notes = excluded.kev_notes, kev_cwes = excluded.kev_cwes, " \
	"kev_catalog_version = excluded.kev_catalog_version, updated_at = pg_catalog.now() " \
	"WHERE NOT (ROW(v.kev, v.kev_date_added, v.kev_due_date, v.kev_ransomware, v.kev_vendor, " \
	"v.kev_product, v.kev_name, v.kev_required_action, v.kev_notes, v.kev_cwes)::record " \
	"OPERATOR(pg_catalog.=) ROW(true, excluded.kev_date_added, excluded.kev_due_date, " \
	"excluded.kev_ransomware, excluded.kev_vendor, excluded.kev_product, excluded.kev_name, " \
	"excluded.kev_required_action, excluded.kev_notes, excluded.kev_cwes)::record) " \
	"RETURNING v.cve_id) " \
	"SELECT pg_catalog.count(*) FILTER (WHERE p.kev IS NOT TRUE), " \
	"pg_catalog.count(*) FILTER (WHERE p.kev) FROM up LEFT JOIN prev p USING (cve_id)"

#define KEV_REMOVE_SQL \
	"WITH gone AS (UPDATE ctem.vuln_intel v SET kev = false, updated_at = pg_catalog.now() " \
	"WHERE v.kev AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest($1::text[]) AS u(cve) " \
	"WHERE u.cve OPERATOR(pg_catalog.=) v.cve_id) RETURNING 1) " \
	"SELECT pg_catalog.count(*) FROM gone"

static int64
count_col(int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * ctem.load_kev(catalog text) -> (catalog_version, entries, added, updated,
 * removed)
 */
Datum
ctem_load_kev(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	TupleDesc	tupdesc;
	Cols		c;
	CtemKevInfo info;
	Oid			types[11];
	Datum		vals[11];
	Datum		result[5];
	bool		nulls[5] = {false};
	int64		added,
				updated,
				removed;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "ctem.load_kev must return a composite type");
	memset(&info, 0, sizeof(info));
	cols_init(&c, K_NCOLS, 0);
	parse_kev(t, &c, &info);
	if (c.n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the KEV catalog lists no vulnerability"),
				 errdetail("Loading it would mark every known exploited vulnerability as no longer listed."),
				 errhint("Load the full catalog (known_exploited_vulnerabilities.json).")));

	/*
	 * the context lock before any row lock: the re-score of the changed
	 * CVEs (ctem.vuln_intel's triggers) then sees every exposure committed
	 * by the writers it waited for, and no writer scores meanwhile
	 */
	ctem_context_lock(true);
	ctem_spi_connect();
	for (int i = 0; i < K_NCOLS; i++)
	{
		types[i] = TEXTARRAYOID;
		vals[i] = text_array(c.v[i], c.n);
	}
	types[10] = TEXTOID;
	vals[10] = CStringGetTextDatum(ctem_utf8_to_db_str(info.catalog_version));
	if (SPI_execute_with_args(KEV_UPSERT_SQL, 11, types, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "KEV upsert failed");
	added = count_col(1);
	updated = count_col(2);
	if (SPI_execute_with_args(KEV_REMOVE_SQL, 1, types, vals, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "KEV removal failed");
	removed = count_col(1);
	SPI_finish();

	result[0] = CStringGetTextDatum(ctem_utf8_to_db_str(info.catalog_version));
	nulls[0] = info.catalog_version[0] == '\0';
	result[1] = Int64GetDatum(c.n);
	result[2] = Int64GetDatum(added);
	result[3] = Int64GetDatum(updated);
	result[4] = Int64GetDatum(removed);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), result, nulls)));
}

/* ------------------------------------------------------------------------
 * EPSS
 * ------------------------------------------------------------------------ */

static int
collect_epss(void *arg, const char *cve, double epss, double percentile)
{
	Cols	   *c = (Cols *) arg;
	int			i = cols_add(c);

	if ((i & 4095) == 0)
		CHECK_FOR_INTERRUPTS();
	c->v[0][i] = pstrdup(cve);
	c->d[0][i] = epss;
	c->d[1][i] = percentile;
	return 0;
}

/* a CVE listed more than once takes its last row (see KEV_UPSERT_SQL) */
#define EPSS_UPSERT_SQL \
	"WITH e AS (SELECT DISTINCT ON (u.cve) u.* FROM ROWS FROM (pg_catalog.unnest($1::text[]), " \
	"pg_catalog.unnest($2::float8[]), pg_catalog.unnest($3::float8[])) WITH ORDINALITY " \
	"AS u(cve, epss, pct, ord) ORDER BY u.cve, u.ord DESC), " \
	"up AS (INSERT INTO ctem.vuln_intel AS v (cve_id, epss, epss_percentile, epss_model, " \
	"epss_date, updated_at) " \
	"SELECT e.cve, e.epss, e.pct, $4, $5::date, pg_catalog.now() FROM e " \
	"ON CONFLICT (cve_id) DO UPDATE SET epss = excluded.epss, " \
	"epss_percentile = excluded.epss_percentile, epss_model = excluded.epss_model, " \
	"epss_date = excluded.epss_date, updated_at = pg_catalog.now() " \
	"WHERE NOT (ROW(v.epss, v.epss_percentile, v.epss_model, v.epss_date)::record " \
	"OPERATOR(pg_catalog.=) " \
	"ROW(excluded.epss, excluded.epss_percentile, excluded.epss_model, excluded.epss_date)::record) " \
	"RETURNING (v.xmax OPERATOR(pg_catalog.=) 0) AS inserted) " \
	"SELECT pg_catalog.count(*) FILTER (WHERE inserted), " \
	"pg_catalog.count(*) FILTER (WHERE NOT inserted) FROM up"

/*
 * ctem.load_epss(csv text) -> (model_version, score_date, rows_read,
 * inserted, updated)
 */
Datum
ctem_load_epss(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	TupleDesc	tupdesc;
	Cols		c;
	CtemEpssInfo info;
	CtemReportError err;
	Oid			types[5] = {TEXTARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, TEXTOID, TEXTOID};
	Datum		vals[5];
	char		nulls_in[5] = {' ', ' ', ' ', ' ', ' '};
	Datum		result[5];
	bool		nulls[5] = {false};
	int64		inserted = 0,
				updated = 0;
	const char *csv;
	size_t		len;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "ctem.load_epss must return a composite type");
	memset(&info, 0, sizeof(info));
	cols_init(&c, 1, 2);
	csv = ctem_text_to_utf8(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &len);
	if (!ctem_epss_parse(csv, len, collect_epss, &c, &info, &err))
		intel_error(&err, "EPSS CSV");

	if (c.n > 0)
	{
		/* the context lock before any row lock, as in ctem_load_kev */
		ctem_context_lock(true);
		ctem_spi_connect();
		vals[0] = text_array(c.v[0], c.n);
		vals[1] = float8_array(c.d[0], c.n);
		vals[2] = float8_array(c.d[1], c.n);
		vals[3] = CStringGetTextDatum(ctem_utf8_to_db_str(info.model_version));
		nulls_in[3] = info.model_version[0] ? ' ' : 'n';
		vals[4] = CStringGetTextDatum(info.score_day);
		nulls_in[4] = info.score_day[0] ? ' ' : 'n';
		if (SPI_execute_with_args(EPSS_UPSERT_SQL, 5, types, vals, nulls_in, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "EPSS upsert failed");
		inserted = count_col(1);
		updated = count_col(2);
		SPI_finish();
	}

	result[0] = CStringGetTextDatum(ctem_utf8_to_db_str(info.model_version));
	nulls[0] = info.model_version[0] == '\0';
	result[1] = info.score_day[0] ?
		DirectFunctionCall1(date_in, CStringGetDatum(info.score_day)) : (Datum) 0;
	nulls[1] = info.score_day[0] == '\0';
	result[2] = Int64GetDatum(c.n);
	result[3] = Int64GetDatum(inserted);
	result[4] = Int64GetDatum(updated);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), result, nulls)));
}
