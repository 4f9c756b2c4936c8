/*-------------------------------------------------------------------------
 *
 * score.c
 *		SQL glue of the risk model: scoring in the exposure trigger,
 *		ctem.risk_score(), ctem.risk_explain(), ctem.ssvc_decision() and the
 *		validation trigger of ctem.policy.
 *
 * The model itself is score_core.c (pure C, inputs as arguments).  This
 * file gathers the inputs: the exposure row, its asset, the active policy,
 * the exposure's CVE in ctem.vuln_intel and the asset's compensating
 * controls.  The exposure trigger looks these up once per statement and
 * caches them (per asset, per CVE), so a COPY of a million rows costs one
 * lookup per distinct asset and CVE, not per row.  The cache lives in the
 * trigger's FmgrInfo, which is per statement: every statement sees current
 * context and nothing needs invalidating.
 *
 * The explanations (ctem.risk_explain()'s and the row's score_explain) are
 * built as jsonb directly: the core emits them value by value through a
 * CtemJsonSink and the sink here pushes each value with pushJsonbValue(),
 * so no JSON text is written to be parsed again by jsonb_in.  The row's
 * is built once per distinct result in a statement (cached_explain).
 *
 * src/prioritize/score.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/toast_compression.h"
#include "access/toast_internals.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "compat.h"
#include "common/asset_key.h"
#include "common/common.h"
#include "common/encoding.h"
#include "common/share.h"
#include "core/cvss_core.h"
#include "core/score_core.h"
#include "prioritize/score.h"
#include "store/identity.h"

PG_FUNCTION_INFO_V1(ctem_risk_score);
PG_FUNCTION_INFO_V1(ctem_risk_explain);
PG_FUNCTION_INFO_V1(ctem_ssvc_decision_sql);
PG_FUNCTION_INFO_V1(ctem_policy_before_row);
PG_FUNCTION_INFO_V1(ctem_risk_score_inputs);
PG_FUNCTION_INFO_V1(ctem_risk_explain_inputs);
PG_FUNCTION_INFO_V1(ctem_risk_support);

/* context of one asset: its row and its unexpired controls */
typedef struct AssetCtx
{
	CtemAssetKey key;			/* hash key */
	char		status;			/* simplehash's */
	bool		found;
	bool		crown_jewel;
	int			criticality;	/* 0 unknown */
	int			internet_facing;	/* -1 unknown */
	double		attack_path_probability;	/* NaN unknown */
	int			ncontrols;
	double	   *effectiveness;
	char	  **control_rule;	/* NULL = applies to every exposure */
} AssetCtx;

/* score_assets: the assets met, by (tenant, id) */
#define SH_PREFIX score_assets
#define SH_ELEMENT_TYPE AssetCtx
#include "common/asset_table.h"

/*
 * What the short explanation is made of (the policy is fixed for the
 * statement); the sources are the core's static strings, so comparing the
 * pointers is comparing the texts.
 */
typedef struct ExplainKey
{
	double		score,
				s,
				l,
				a,
				x,
				c,
				v;
	const char *src[6];
	int			priority,
				priority_by_score,
				sla_days,
				ssvc;
	unsigned	floors,
				defaults,
				invalid;
	uint32		pad;			/* zeroed with the rest: no padding bytes */
} ExplainKey;

typedef struct ExplainEntry
{
	ExplainKey	key;			/* hash key */
	uint32		hash;			/* of the key */
	char		status;			/* simplehash's */
	Datum		jsonb;
} ExplainEntry;

/*
 * A key's hash: its 64-bit words mixed.  The key is zeroed before it is
 * filled and has no padding (pad is a member), so equal keys have equal
 * bytes, whatever copies them.  Cheaper than hash_bytes() over the 136
 * bytes, once per row.
 */
StaticAssertDecl(sizeof(ExplainKey) == offsetof(ExplainKey, pad) + sizeof(uint32) &&
				 sizeof(ExplainKey) % sizeof(uint64) == 0,
				 "ExplainKey must have no padding and be a whole number of 64-bit words");

static inline uint32
explain_key_hash(const ExplainKey *k)
{
	uint64		h = 0;

	for (size_t i = 0; i < sizeof(ExplainKey) / sizeof(uint64); i++)
	{
		uint64		w;

		memcpy(&w, (const char *) k + i * sizeof(uint64), sizeof(uint64));
		h = hash_combine64(h, w);
	}
	return murmurhash32((uint32) (h ^ (h >> 32)));
}

#define SH_PREFIX explains
#define SH_ELEMENT_TYPE ExplainEntry
#define SH_KEY_TYPE ExplainKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) explain_key_hash(&(k))
#define SH_EQUAL(tb, a, b) (memcmp(&(a), &(b), sizeof(ExplainKey)) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * Lookups one by one until this many misses, then one bulk load of the
 * table; at least CTEM_BULK_AFTER, and one eighth of the table's estimated
 * rows (a bulk load costs about what an eighth of its rows would cost looked
 * up one by one: so a statement touching a few thousand CVEs does not read
 * a quarter of a million EPSS rows, and one touching most of them pays at
 * most twice the best choice).
 */
#define CTEM_BULK_AFTER 256
#define CTEM_BULK_FRACTION 8

/* the model's codes of the enum values seen: one list per input */
typedef struct InputCodes
{
	CtemEnumCodes severity;
	CtemEnumCodes maturity;
	CtemEnumCodes validation;
} InputCodes;

/* unknown labels: 0, the model's unknown */
#define SEVERITY_CODE(codes, v) \
	((CtemSeverity) Max(ctem_enum_code(&(codes)->severity, (v), ctem_severity_parse), 0))
#define MATURITY_CODE(codes, v) \
	((CtemExploitMaturity) Max(ctem_enum_code(&(codes)->maturity, (v), ctem_maturity_parse), 0))
#define VALIDATION_CODE(codes, v) \
	((CtemValidation) Max(ctem_enum_code(&(codes)->validation, (v), ctem_validation_parse), 0))

/* explanations shared between rows of one statement, at most */
#define CTEM_EXPLAIN_CACHE_MAX 4096

typedef struct IntelCtx
{
	const char *cve;			/* hash key, in the cache's string arena */
	uint32		hash;			/* of the key */
	char		status;			/* simplehash's */
	bool		found;
	bool		kev;
	bool		epss_null;
	double		epss;
} IntelCtx;

/* the longest CVE id looked up in ctem.vuln_intel (longer: no intel) */
#define CTEM_CVE_MAXLEN 63

/* the hash of a CVE id of length len, computed once by the callers below */
static inline uint32
intel_hash_key(const char *cve, size_t len)
{
	return hash_bytes((const unsigned char *) cve, (int) len);
}

#define SH_PREFIX intel
#define SH_ELEMENT_TYPE IntelCtx
#define SH_KEY_TYPE const char *
#define SH_KEY cve
#define SH_HASH_KEY(tb, k) intel_hash_key(k, strlen(k))
#define SH_EQUAL(tb, a, b) (strcmp(a, b) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

struct CtemScoreCache
{
	MemoryContext cxt;
	CtemPolicy	policy;
	bool		policy_active;	/* false: no active policy, defaults */
	bool		kev_loaded;		/* some KEV catalog was loaded */
	score_assets_hash *assets;
	intel_hash *intel;
	char	   *strings;		/* arena of intel's keys: next free byte */
	Size		strings_left;	/* and the room after it */
	Size		strings_block;	/* size of the last block */
	InputCodes	codes;			/* severity, maturity, validation codes */
	explains_hash *explains;	/* explanation -> jsonb, shared by rows */
	char		explain_cmethod;	/* compression of score_explain (see
									 * explain_datum) */
	int			intel_misses;
	double		intel_bulk_after;
	bool		intel_complete; /* all of ctem.vuln_intel is in "intel" */
	int			asset_misses;
	double		asset_bulk_after;
	int32		assets_complete_tenant; /* all assets of it are in "assets" */
	/* attribute numbers of ctem.exposure */
	int			att_tenant,
				att_asset,
				att_rule,
				att_severity,
				att_cvss,
				att_maturity,
				att_validation,
				att_first_seen,
				att_kev,
				att_epss,
				att_controls,
				att_score,
				att_priority,
				att_sla_due,
				att_explain;
	Oid			priority_oids[4];
};

/* ------------------------------------------------------------------------
 * policy
 * ------------------------------------------------------------------------ */

static double
attr_float8(HeapTuple tup, TupleDesc td, const char *name, double dflt)
{
	int			att = SPI_fnumber(td, name);
	bool		isnull;
	Datum		d;

	if (att <= 0)
		return dflt;
	d = SPI_getbinval(tup, td, att, &isnull);
	return isnull ? dflt : DatumGetFloat8(d);
}

/* elements of a float8[] or int4[] column into out (up to max), count back */
static int
attr_array(HeapTuple tup, TupleDesc td, const char *name, Oid elemtype,
		   double *out, int max, int *ndims_out, int *dims_out)
{
	int			att = SPI_fnumber(td, name);
	bool		isnull;
	Datum		d;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ndims_out)
		*ndims_out = 0;
	if (att <= 0)
		return 0;
	d = SPI_getbinval(tup, td, att, &isnull);
	if (isnull)
		return 0;
	arr = DatumGetArrayTypeP(d);
	if (ndims_out)
		*ndims_out = ARR_NDIM(arr);
	else if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("policy column \"%s\" must be a one-dimensional array", name)));
	if (ARR_NDIM(arr) == 2 && dims_out)
	{
		dims_out[0] = ARR_DIMS(arr)[0];
		dims_out[1] = ARR_DIMS(arr)[1];
	}
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &elems, &nulls, &n);
	for (int i = 0; i < n && i < max; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("policy column \"%s\" must not contain NULL elements", name)));
		out[i] = elemtype == FLOAT8OID ? DatumGetFloat8(elems[i]) :
			(double) DatumGetInt32(elems[i]);
	}
	return n;
}

/* a CtemPolicy from a ctem.policy row; errors name the offending column */
static void
policy_from_tuple(HeapTuple tup, TupleDesc td, CtemPolicy *p)
{
	double		buf[CTEM_EPSS_BANDS_MAX + 1];
	double		crit[6];
	double		sla[5];
	double		ovr[21];
	int			n,
				m,
				ndims,
				dims[2] = {0, 0};
	bool		isnull;
	Datum		v;

	ctem_policy_default(p);
	v = SPI_getbinval(tup, td, SPI_fnumber(td, "version"), &isnull);
	p->version = isnull ? 0 : DatumGetInt32(v);
#define F(field) p->field = attr_float8(tup, td, #field, p->field)
	F(sev_critical);
	F(sev_high);
	F(sev_medium);
	F(sev_low);
	F(sev_info);
	F(sev_missing);
	F(l_kev);
	F(l_validated);
	F(l_mat_high);
	F(l_mat_functional);
	F(l_mat_poc);
	F(l_mat_unproven);
	F(l_epss_unknown);
	F(l_min);
	F(l_max);
	F(a_unknown);
	F(x_internet);
	F(x_attack_path);
	F(x_internal);
	F(x_unknown);
	F(path_probability_full);
	F(c_max);
	F(v_blocked);
	F(p1_min);
	F(p2_min);
	F(p3_min);
#undef F

	n = attr_array(tup, td, "epss_thresholds", FLOAT8OID, buf, CTEM_EPSS_BANDS_MAX + 1, NULL, NULL);
	m = attr_array(tup, td, "epss_values", FLOAT8OID, p->epss_value, CTEM_EPSS_BANDS_MAX, NULL, NULL);
	if (n != m || n > CTEM_EPSS_BANDS_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid policy: \"epss_thresholds\" and \"epss_values\" must have the same number of elements, at most %d",
						CTEM_EPSS_BANDS_MAX),
				 errdetail("epss_thresholds has %d, epss_values has %d.", n, m)));
	p->n_epss_bands = n;
	for (int i = 0; i < n; i++)
		p->epss_threshold[i] = buf[i];

	if (attr_array(tup, td, "a_by_criticality", FLOAT8OID, crit, 6, NULL, NULL) != 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid policy: \"a_by_criticality\" must have 5 elements, for criticality 1 to 5")));
	for (int i = 0; i < 5; i++)
		p->a_by_criticality[i] = crit[i];

	if (attr_array(tup, td, "sla_days", INT4OID, sla, 5, NULL, NULL) != 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid policy: \"sla_days\" must have 4 elements, for P1 to P4")));
	for (int i = 0; i < 4; i++)
		p->sla_days[i] = (int) sla[i];

	n = attr_array(tup, td, "sla_override", INT4OID, ovr, 21, &ndims, dims);
	if (n != 20 || ndims != 2 || dims[0] != 5 || dims[1] != 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid policy: \"sla_override\" must be a 5 x 4 array (criticality 1..5 by P1..P4)")));
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 4; j++)
			p->sla_override[i][j] = (int) ovr[i * 4 + j];

	v = SPI_getbinval(tup, td, SPI_fnumber(td, "use_ssvc"), &isnull);
	p->use_ssvc = !isnull && DatumGetBool(v);
}

/* the active policy; false (and the defaults) when none is active */
static bool
load_active_policy(CtemPolicy *p)
{
	bool		found = false;
	int			rc;

	ctem_spi_connect();
	/*
	 * read_only false: a fresh snapshot (under READ COMMITTED), taken after
	 * the statement got the context lock (context.c), so that a policy
	 * committed while it waited is the one it scores with
	 */
	rc = SPI_execute("SELECT * FROM ctem.policy WHERE active", false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read ctem.policy: %s", SPI_result_code_string(rc));
	if (SPI_processed > 0)
	{
		policy_from_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, p);
		found = true;
	}
	else
	{
		ctem_policy_default(p);
		p->version = 0;
	}
	SPI_finish();
	return found;
}

/* ------------------------------------------------------------------------
 * inputs
 * ------------------------------------------------------------------------ */

/* the parts of an exposure and its asset the model reads */
typedef struct RowInputs
{
	CtemCvss   *cvss;			/* NULL if none */
	CtemSeverity severity;
	CtemExploitMaturity maturity;
	CtemValidation validation;
	int			kev;
	double		epss;			/* NaN unknown */
	double		controls;
	int			ncontrols;
	int			criticality;
	int			internet_facing;
	bool		crown_jewel;
	double		attack_path_probability;	/* NaN unknown */
} RowInputs;

static int
metric_is(const CtemCvss *c, const char *name, const char *value)
{
	const char *v = NULL;

	if (ctem_cvss_metric(c, name, &v) != 1 || v == NULL)
		return -1;
	return strcmp(v, value) == 0 ? 1 : 0;
}

/*
 * ssvc: derive the SSVC decision points from the vector; only SSVC mode
 * reads them (no score or explanation in score mode depends on them).
 */
static void
make_input(const RowInputs *r, CtemScoreInput *in, bool ssvc)
{
	ctem_score_input_init(in);
	if (r->cvss != NULL && r->cvss->score10 >= 0)
	{
		in->cvss = r->cvss->score10 / 10.0;
		in->cvss_source = r->cvss->version == CTEM_CVSS_V40 ? "cvss v4.0 vector" :
			r->cvss->version == CTEM_CVSS_V31 ? "cvss v3.1 vector" :
			r->cvss->version == CTEM_CVSS_V30 ? "cvss v3.0 vector" : "cvss v2.0 vector";
	}
	in->severity = r->severity;
	in->kev = r->kev;
	in->validation = r->validation;
	in->maturity = r->maturity;
	in->epss = r->epss;
	in->criticality = r->criticality;
	in->internet_facing = r->internet_facing;
	in->on_attack_path = r->crown_jewel ? 1 : CTEM_UNKNOWN;
	in->attack_path_probability = r->attack_path_probability;
	in->control_effectiveness = r->controls;
	in->n_controls = r->ncontrols;

	/* SSVC decision points the row can tell; the rest the core derives */
	if (ssvc && r->cvss != NULL)
	{
		const CtemCvss *c = r->cvss;

		if (c->version == CTEM_CVSS_V40)
		{
			in->ssvc_automatable = ctem_ssvc_automatable_from_cvss(metric_is(c, "AV", "N"),
																   metric_is(c, "AC", "L") == 1 && metric_is(c, "AT", "N") == 1,
																   metric_is(c, "PR", "N"),
																   metric_is(c, "UI", "N"));
			in->ssvc_technical_impact = ctem_ssvc_technical_impact_from_cvss(metric_is(c, "VC", "H"),
																			 metric_is(c, "VI", "H"),
																			 metric_is(c, "VA", "H"),
																			 metric_is(c, "SC", "H") == 1 || metric_is(c, "SI", "H") == 1);
		}
		else if (c->version == CTEM_CVSS_V2)
		{
			in->ssvc_automatable = ctem_ssvc_automatable_from_cvss(metric_is(c, "AV", "N"),
																   metric_is(c, "AC", "L"),
																   metric_is(c, "Au", "N"),
																   1);
			in->ssvc_technical_impact = ctem_ssvc_technical_impact_from_cvss(metric_is(c, "C", "C"),
																			 metric_is(c, "I", "C"),
																			 metric_is(c, "A", "C"),
																			 0);
		}
		else
		{
			in->ssvc_automatable = ctem_ssvc_automatable_from_cvss(metric_is(c, "AV", "N"),
																   metric_is(c, "AC", "L"),
																   metric_is(c, "PR", "N"),
																   metric_is(c, "UI", "N"));
			in->ssvc_technical_impact = ctem_ssvc_technical_impact_from_cvss(metric_is(c, "C", "H"),
																			 metric_is(c, "I", "H"),
																			 metric_is(c, "A", "H"),
																			 metric_is(c, "S", "C"));
		}
		if (in->ssvc_automatable < 0)
			in->ssvc_automatable = CTEM_UNKNOWN;
		if (in->ssvc_technical_impact < 0)
			in->ssvc_technical_impact = CTEM_UNKNOWN;
	}
}

static Datum
score_numeric(double score)
{
	return NumericGetDatum(int64_div_fast_to_numeric((int64) llround(score * 10.0), 1));
}

/* ------------------------------------------------------------------------
 * the explanation as jsonb
 * ------------------------------------------------------------------------ */

/*
 * A CtemJsonSink that builds jsonb with pushJsonbValue() as the core emits
 * the explanation: the same calls, with the same values, as jsonb_in makes
 * parsing the core's text (numbers through numeric_in on the same number
 * text, an invalid UTF-8 byte as the U+FFFD its "\ufffd" escape gave), so
 * the jsonb is the same, without the text.
 */
typedef struct JsonbSink
{
	CtemJsonSink sink;			/* sink.arg points here */
	JsonbParseState *state;
	Jsonb	   *result;			/* set when the top-level value ends */
} JsonbSink;

/* the document is complete: to jsonb, while the core's strings live */
static void
jsonb_sink_done(JsonbSink *js, JsonbValue *res)
{
	if (js->state == NULL)
		js->result = JsonbValueToJsonb(res);
}

/* a scalar: a member's value, an element, or the whole document */
static void
jsonb_sink_scalar(JsonbSink *js, JsonbValue *v)
{
	if (js->state == NULL)
	{
		JsonbValue	va;
		JsonbValue *res;

		/* a raw scalar, as jsonb_in stores one */
		va.type = jbvArray;
		va.val.array.rawScalar = true;
		va.val.array.nElems = 1;
		(void) pushJsonbValue(&js->state, WJB_BEGIN_ARRAY, &va);
		(void) pushJsonbValue(&js->state, WJB_ELEM, v);
		res = pushJsonbValue(&js->state, WJB_END_ARRAY, NULL);
		jsonb_sink_done(js, res);
	}
	else if (js->state->contVal.type == jbvArray)
		(void) pushJsonbValue(&js->state, WJB_ELEM, v);
	else
		(void) pushJsonbValue(&js->state, WJB_VALUE, v);
}

static void
jsonb_sink_begin_object(void *arg)
{
	JsonbSink  *js = (JsonbSink *) arg;

	(void) pushJsonbValue(&js->state, WJB_BEGIN_OBJECT, NULL);
}

static void
jsonb_sink_end_object(void *arg)
{
	JsonbSink  *js = (JsonbSink *) arg;

	jsonb_sink_done(js, pushJsonbValue(&js->state, WJB_END_OBJECT, NULL));
}

static void
jsonb_sink_begin_array(void *arg)
{
	JsonbSink  *js = (JsonbSink *) arg;

	(void) pushJsonbValue(&js->state, WJB_BEGIN_ARRAY, NULL);
}

static void
jsonb_sink_end_array(void *arg)
{
	JsonbSink  *js = (JsonbSink *) arg;

	jsonb_sink_done(js, pushJsonbValue(&js->state, WJB_END_ARRAY, NULL));
}

static void
jsonb_sink_key(void *arg, const char *key)
{
	JsonbSink  *js = (JsonbSink *) arg;
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = unconstify(char *, key);
	v.val.string.len = strlen(key);
	(void) pushJsonbValue(&js->state, WJB_KEY, &v);
}

static void
jsonb_sink_string(void *arg, const char *s, size_t len)
{
	JsonbSink  *js = (JsonbSink *) arg;
	JsonbValue	v;
	size_t		i = 0;

	/*
	 * The core's strings are UTF-8 (the formula's U+00D7 and U+2212): in a
	 * database of another encoding, in that encoding, with an ASCII
	 * stand-in for a character it lacks (ctem's own text, never refused).
	 */
	if (unlikely(!ctem_db_is_utf8()))
	{
		v.type = jbvString;
		v.val.string.val = ctem_utf8_to_db_lenient(s, len, &i);
		v.val.string.len = i;
		jsonb_sink_scalar(js, &v);
		return;
	}

	/* the core's strings are valid UTF-8, but for a hostile cvss_source */
	while (i < len)
	{
		size_t		n = (unsigned char) s[i] < 0x80 ? 1 :
			ctem_utf8_seq_len(s + i, len - i);

		if (n == 0)
			break;
		i += n;
	}
	v.type = jbvString;
	if (i == len)
	{
		v.val.string.val = unconstify(char *, s);
		v.val.string.len = len;
	}
	else
	{
		StringInfoData buf;
		char		fffd[MAX_UNICODE_EQUIVALENT_STRING + 1];

		/* each invalid byte as jsonb_in reads the text sink's \ufffd */
		pg_unicode_to_server(0xFFFD, (unsigned char *) fffd);
		initStringInfo(&buf);
		appendBinaryStringInfo(&buf, s, i);
		while (i < len)
		{
			size_t		n = ctem_utf8_seq_len(s + i, len - i);

			if (n == 0)
			{
				appendStringInfoString(&buf, fffd);
				i++;
			}
			else
			{
				appendBinaryStringInfo(&buf, s + i, n);
				i += n;
			}
		}
		v.val.string.val = buf.data;
		v.val.string.len = buf.len;
	}
	jsonb_sink_scalar(js, &v);
}

static void
jsonb_sink_number(void *arg, const char *text)
{
	JsonbSink  *js = (JsonbSink *) arg;
	JsonbValue	v;
	Datum		num;

	/* as jsonb_in reads a number: the same scale as the text */
	num = DirectFunctionCall3(numeric_in, CStringGetDatum(text),
							  ObjectIdGetDatum(InvalidOid),
							  Int32GetDatum(-1));
	v.type = jbvNumeric;
	v.val.numeric = DatumGetNumeric(num);
	jsonb_sink_scalar(js, &v);
}

static void
jsonb_sink_boolean(void *arg, bool value)
{
	JsonbSink  *js = (JsonbSink *) arg;
	JsonbValue	v;

	v.type = jbvBool;
	v.val.boolean = value;
	jsonb_sink_scalar(js, &v);
}

static void
jsonb_sink_null(void *arg)
{
	JsonbSink  *js = (JsonbSink *) arg;
	JsonbValue	v;

	v.type = jbvNull;
	jsonb_sink_scalar(js, &v);
}

static void
jsonb_sink_init(JsonbSink *js)
{
	static const CtemJsonSink jsonb_sink = {
		.begin_object = jsonb_sink_begin_object,
		.end_object = jsonb_sink_end_object,
		.begin_array = jsonb_sink_begin_array,
		.end_array = jsonb_sink_end_array,
		.key = jsonb_sink_key,
		.string = jsonb_sink_string,
		.number = jsonb_sink_number,
		.boolean = jsonb_sink_boolean,
		.null = jsonb_sink_null
	};

	js->sink = jsonb_sink;
	js->sink.arg = js;
	js->state = NULL;
	js->result = NULL;
}

static Jsonb *
jsonb_sink_result(const JsonbSink *js)
{
	if (js->result == NULL || js->state != NULL)
		elog(ERROR, "the score explanation is not a complete JSON document");
	return js->result;
}

/* ctem.risk_explain()'s full explanation */
static Datum
explain_jsonb(const CtemPolicy *p, const CtemScoreInput *in,
			  const CtemScoreResult *r)
{
	JsonbSink	js;

	jsonb_sink_init(&js);
	ctem_score_explain_emit(p, in, r, &js.sink);
	return JsonbPGetDatum(jsonb_sink_result(&js));
}

/* ------------------------------------------------------------------------
 * the exposure trigger's part
 * ------------------------------------------------------------------------ */

/* misses before a bulk load of table relname (see CTEM_BULK_AFTER) */
static double
bulk_after(const char *relname, Oid nsp)
{
	Oid			relid = get_relname_relid(relname, nsp);
	double		rows = 0;
	HeapTuple	tup;

	if (OidIsValid(relid))
	{
		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
		if (HeapTupleIsValid(tup))
		{
			rows = ((Form_pg_class) GETSTRUCT(tup))->reltuples;	/* -1: unknown */
			ReleaseSysCache(tup);
		}
	}
	return Max((double) CTEM_BULK_AFTER, rows / CTEM_BULK_FRACTION);
}

static CtemScoreCache *
score_cache_create(MemoryContext parent, Relation rel)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "ctem score cache",
											  ALLOCSET_SMALL_SIZES);
	CtemScoreCache *c = MemoryContextAllocZero(cxt, sizeof(CtemScoreCache));
	TupleDesc	td = rel->rd_att;
	Oid			prio_type;
	static const char *const labels[4] = {"P1", "P2", "P3", "P4"};

	c->cxt = cxt;
	c->att_tenant = ctem_attnum(rel, "tenant_id");
	c->att_asset = ctem_attnum(rel, "asset_id");
	c->att_rule = ctem_attnum(rel, "rule_id");
	c->att_severity = ctem_attnum(rel, "severity");
	c->att_cvss = ctem_attnum(rel, "cvss");
	c->att_maturity = ctem_attnum(rel, "exploit_maturity");
	c->att_validation = ctem_attnum(rel, "validation");
	c->att_first_seen = ctem_attnum(rel, "first_seen");
	c->att_kev = ctem_attnum(rel, "kev");
	c->att_epss = ctem_attnum(rel, "epss");
	c->att_controls = ctem_attnum(rel, "controls_effectiveness");
	c->att_score = ctem_attnum(rel, "risk_score");
	c->att_priority = ctem_attnum(rel, "priority");
	c->att_sla_due = ctem_attnum(rel, "sla_due");
	c->att_explain = ctem_attnum(rel, "score_explain");
	c->explain_cmethod = TupleDescAttr(td, c->att_explain - 1)->attcompression;
	prio_type = TupleDescAttr(td, c->att_priority - 1)->atttypid;
	for (int i = 0; i < 4; i++)
		c->priority_oids[i] = DatumGetObjectId(DirectFunctionCall2(enum_in,
																   CStringGetDatum(labels[i]),
																   ObjectIdGetDatum(prio_type)));

	c->assets = score_assets_create(cxt, 64, NULL);
	c->intel = intel_create(cxt, 64, NULL);
	c->explains = explains_create(cxt, 32, NULL);
	c->assets_complete_tenant = 0;
	c->intel_bulk_after = bulk_after("vuln_intel", RelationGetNamespace(rel));
	c->asset_bulk_after = bulk_after("asset", RelationGetNamespace(rel));

	c->policy_active = load_active_policy(&c->policy);

	ctem_spi_connect();
	if (SPI_execute("SELECT EXISTS (SELECT 1 FROM ctem.vuln_intel WHERE kev)", false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read ctem.vuln_intel");
	{
		bool		isnull;

		c->kev_loaded = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1, &isnull));
	}
	SPI_finish();
	return c;
}

static SPIPlanPtr asset_plan[2] = {NULL, NULL};

/*
 * The call's share (common/share.h) learns of assets its caller is about
 * to write rows on: see score.h.
 */
void
ctem_score_assets_added(void)
{
	CtemCallShare *share = ctem_share_current();
	CtemScoreCache *c = share != NULL ? share->score : NULL;

	if (c != NULL && c->assets_complete_tenant != 0)
	{
		/* new assets are looked up one by one: no bulk load again */
		c->assets_complete_tenant = 0;
		c->asset_bulk_after = INFINITY;
	}
}
static SPIPlanPtr intel_plan = NULL;

/*
 * An asset's scoring context: its row and the effectiveness and rule of
 * its unexpired controls (arrays in the same order; NULL when none).
 */
#define ASSET_COLUMNS_SQL(path) \
	"a.criticality::int4, a.internet_facing, a.crown_jewel, " path ", " \
	"ctl.effs, ctl.rules "
#define ASSET_PATH_SQL "a.attack_path_probability"
#define ASSET_NO_PATH_SQL "NULL::pg_catalog.float8"

/*
 * Does ctem.asset have attack_path_probability (0.6.0 on)?  A database
 * still at an older version scores with this library until ALTER EXTENSION
 * UPDATE, its assets on no known path.  Looked up once per backend, and
 * again after any change of the table (a relcache invalidation).
 */
static int	asset_path_column = -1;
static Oid	asset_relid = InvalidOid;
static bool asset_path_callback_set = false;

static void
asset_path_inval(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == asset_relid)
		asset_path_column = -1;
}

static bool
asset_has_path_column(void)
{
	if (asset_path_column < 0)
	{
		bool		isnull;

		if (!asset_path_callback_set)
		{
			CacheRegisterRelcacheCallback(asset_path_inval, (Datum) 0);
			asset_path_callback_set = true;
		}
		ctem_spi_connect();
		if (SPI_execute("SELECT 'ctem.asset'::pg_catalog.regclass::pg_catalog.oid, "
						"EXISTS (SELECT 1 FROM pg_catalog.pg_attribute t "
						"WHERE t.attrelid OPERATOR(pg_catalog.=) 'ctem.asset'::pg_catalog.regclass "
						"AND t.attname OPERATOR(pg_catalog.=) 'attack_path_probability' "
						"AND NOT t.attisdropped)", true, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not read the columns of ctem.asset");
		asset_relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		asset_path_column = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)) ? 1 : 0;
		SPI_finish();
	}
	return asset_path_column == 1;
}
#define ASSET_FROM_SQL \
	"FROM ctem.asset a LEFT JOIN LATERAL (" \
	"SELECT pg_catalog.array_agg(c.effectiveness ORDER BY c.id) AS effs, " \
	"pg_catalog.array_agg(c.rule_id ORDER BY c.id) AS rules FROM ctem.control c " \
	"WHERE c.tenant_id OPERATOR(pg_catalog.=) a.tenant_id " \
	"AND c.asset_id OPERATOR(pg_catalog.=) a.id " \
	"AND (c.expires_at IS NULL OR c.expires_at OPERATOR(pg_catalog.>) pg_catalog.now())) ctl ON true "

/* fill a from columns first..first+5 of an ASSET_COLUMNS_SQL row */
static void
asset_from_row(CtemScoreCache *c, AssetCtx *a, HeapTuple tup, TupleDesc td,
			   int first)
{
	bool		isnull;
	Datum		d;

	a->found = true;
	d = SPI_getbinval(tup, td, first, &isnull);
	a->criticality = isnull ? 0 : DatumGetInt32(d);
	d = SPI_getbinval(tup, td, first + 1, &isnull);
	a->internet_facing = isnull ? CTEM_UNKNOWN : (DatumGetBool(d) ? 1 : 0);
	d = SPI_getbinval(tup, td, first + 2, &isnull);
	a->crown_jewel = !isnull && DatumGetBool(d);
	d = SPI_getbinval(tup, td, first + 3, &isnull);
	a->attack_path_probability = isnull ? NAN : DatumGetFloat8(d);
	a->ncontrols = 0;
	d = SPI_getbinval(tup, td, first + 4, &isnull);
	if (!isnull)
	{
		ArrayType  *effs = DatumGetArrayTypeP(d);
		ArrayType  *rules = DatumGetArrayTypeP(SPI_getbinval(tup, td, first + 5, &isnull));
		Datum	   *e;
		Datum	   *r;
		bool	   *en;
		bool	   *rn;
		int			ne,
					nr;

		deconstruct_array(effs, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &e, &en, &ne);
		if (ne == 0)
			return;
		deconstruct_array(rules, TEXTOID, -1, false, TYPALIGN_INT, &r, &rn, &nr);
		a->ncontrols = ne;
		a->effectiveness = MemoryContextAlloc(c->cxt, sizeof(double) * ne);
		a->control_rule = MemoryContextAlloc(c->cxt, sizeof(char *) * ne);
		for (int i = 0; i < ne; i++)
		{
			a->effectiveness[i] = DatumGetFloat8(e[i]);
			a->control_rule[i] = NULL;
			if (i < nr && !rn[i])
			{
				/* compared with the exposure's canonical rule id */
				text	   *t = ctem_canonical_rule_id_text(DatumGetTextPP(r[i]));

				a->control_rule[i] = MemoryContextStrdup(c->cxt, text_to_cstring(t));
			}
		}
	}
}

static void
asset_unknown(AssetCtx *a)
{
	a->found = false;
	a->criticality = 0;
	a->internet_facing = CTEM_UNKNOWN;
	a->crown_jewel = false;
	a->attack_path_probability = NAN;
	a->ncontrols = 0;
}

/* every asset of the tenant into the cache, in one query */
static void
assets_bulk_load(CtemScoreCache *c, int32 tenant)
{
	Oid			type = INT4OID;
	Datum		val = Int32GetDatum(tenant);
	bool		path = asset_has_path_column();

	ctem_spi_connect();
	if (SPI_execute_with_args(path ?
							  "SELECT a.id, " ASSET_COLUMNS_SQL(ASSET_PATH_SQL) ASSET_FROM_SQL
							  "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1" :
							  "SELECT a.id, " ASSET_COLUMNS_SQL(ASSET_NO_PATH_SQL) ASSET_FROM_SQL
							  "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1",
							  1, &type, &val, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "asset bulk lookup failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		CtemAssetKey key;
		bool		found;
		AssetCtx   *a;

		key.tenant = tenant;
		key.asset_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		a = score_assets_insert(c->assets, key, &found);
		asset_from_row(c, a, SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	c->assets_complete_tenant = tenant;
}

static AssetCtx *
asset_ctx(CtemScoreCache *c, int32 tenant, int64 asset_id)
{
	CtemAssetKey key = {.asset_id = asset_id, .tenant = tenant};
	bool		found;
	AssetCtx   *a;
	Datum		vals[2];
	bool		path;

	a = score_assets_lookup(c->assets, key);
	if (a != NULL)
		return a;
	if (c->assets_complete_tenant != tenant && ++c->asset_misses > c->asset_bulk_after)
	{
		assets_bulk_load(c, tenant);
		a = score_assets_lookup(c->assets, key);
		if (a != NULL)
			return a;
	}
	a = score_assets_insert(c->assets, key, &found);
	asset_unknown(a);
	if (c->assets_complete_tenant == tenant)
		return a;				/* complete: the asset does not exist */

	path = asset_has_path_column();
	ctem_spi_connect();
	{
		Oid			types[2] = {INT4OID, INT8OID};

		if (path)
			ctem_spi_keep_plan(&asset_plan[1], "SELECT " ASSET_COLUMNS_SQL(ASSET_PATH_SQL) ASSET_FROM_SQL
							   "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
							   "AND a.id OPERATOR(pg_catalog.=) $2", 2, types);
		else
			ctem_spi_keep_plan(&asset_plan[0], "SELECT " ASSET_COLUMNS_SQL(ASSET_NO_PATH_SQL) ASSET_FROM_SQL
							   "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
							   "AND a.id OPERATOR(pg_catalog.=) $2", 2, types);
	}
	vals[0] = Int32GetDatum(tenant);
	vals[1] = Int64GetDatum(asset_id);
	/* read_only = false: a fresh snapshot sees rows this statement wrote */
	if (SPI_execute_plan(asset_plan[path ? 1 : 0], vals, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "asset lookup failed");
	if (SPI_processed > 0)
		asset_from_row(c, a, SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_finish();
	return a;
}

/*
 * What a CVE without a ctem.vuln_intel row gets once the cache holds the
 * whole table: not a cache entry each (a COPY of a million rows naming a few
 * hundred thousand CVEs nobody has intel on would otherwise fill the hash
 * with entries that all say the same thing).  Read-only.
 */
static const IntelCtx intel_none = {.found = false, .kev = false, .epss_null = true};

/*
 * A copy of cve that lasts as long as the cache, for a key of c->intel:
 * bump-allocated in blocks of the cache's context (a quarter of a million
 * EPSS rows would otherwise cost a palloc chunk each), the first of 1 kB
 * (a one-row INSERT looks up one CVE), each next one twice the last, up to
 * 64 kB.
 */
static const char *
intel_key(CtemScoreCache *c, const char *cve, size_t cvelen)
{
	Size		len = cvelen + 1;
	char	   *copy;

	Assert(len <= CTEM_CVE_MAXLEN + 1);
	if (len > c->strings_left)
	{
		c->strings_block = c->strings_block == 0 ? 1024 : Min(c->strings_block * 2, 64 * 1024);
		c->strings_left = c->strings_block;
		c->strings = MemoryContextAlloc(c->cxt, c->strings_left);
	}
	copy = c->strings;
	memcpy(copy, cve, len);
	c->strings += len;
	c->strings_left -= len;
	return copy;
}

/* all of ctem.vuln_intel into the cache, in one query */
static void
intel_bulk_load(CtemScoreCache *c)
{
	ctem_spi_connect();
	if (SPI_execute("SELECT cve_id, kev, epss FROM ctem.vuln_intel", false, 0) != SPI_OK_SELECT)
		elog(ERROR, "intel bulk lookup failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		found;
		IntelCtx   *e;
		char	   *cve = SPI_getvalue(tup, td, 1);
		size_t		len;
		Datum		d;

		if (cve == NULL || (len = strlen(cve)) > CTEM_CVE_MAXLEN)
			continue;
		e = intel_insert_hash(c->intel, cve, intel_hash_key(cve, len), &found);
		if (!found)
			e->cve = intel_key(c, cve, len);	/* same text, so hash and slot stay right */
		e->found = true;
		d = SPI_getbinval(tup, td, 2, &isnull);
		e->kev = !isnull && DatumGetBool(d);
		d = SPI_getbinval(tup, td, 3, &isnull);
		e->epss_null = isnull;
		e->epss = isnull ? 0 : DatumGetFloat8(d);
		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	c->intel_complete = true;
}

static const IntelCtx *
intel_ctx(CtemScoreCache *c, const char *rule)
{
	bool		found;
	IntelCtx   *e;
	Datum		val;
	size_t		len;
	uint32		hash;

	if (strncmp(rule, "CVE-", 4) != 0 || (len = strlen(rule)) > CTEM_CVE_MAXLEN)
		return NULL;
	hash = intel_hash_key(rule, len);
	e = intel_lookup_hash(c->intel, rule, hash);
	if (e != NULL)
		return e;
	if (!c->intel_complete && ++c->intel_misses > c->intel_bulk_after)
	{
		intel_bulk_load(c);
		e = intel_lookup_hash(c->intel, rule, hash);
		if (e != NULL)
			return e;
	}
	if (c->intel_complete)
		return &intel_none;		/* complete: no intel for this CVE */
	e = intel_insert_hash(c->intel, intel_key(c, rule, len), hash, &found);
	e->found = false;
	e->kev = false;
	e->epss_null = true;
	e->epss = 0;

	ctem_spi_connect();
	{
		Oid			types[1] = {TEXTOID};

		ctem_spi_keep_plan(&intel_plan, "SELECT kev, epss FROM ctem.vuln_intel "
						   "WHERE cve_id OPERATOR(pg_catalog.=) $1", 1, types);
	}
	val = CStringGetTextDatum(rule);
	if (SPI_execute_plan(intel_plan, &val, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "intel lookup failed");
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		d;

		e->found = true;
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		e->kev = !isnull && DatumGetBool(d);
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		e->epss_null = isnull;
		e->epss = isnull ? 0 : DatumGetFloat8(d);
	}
	SPI_finish();
	return e;
}


/*
 * The short explanation (ctem_score_explain_compact_emit) as the jsonb
 * datum the row stores: compressed inline with the column's compression
 * method (lz4 as ctem ships it; the server default when the column names
 * none) when that makes it smaller.  The toaster compresses only rows over
 * TOAST_TUPLE_THRESHOLD (2 kB), which an exposure rarely is, so without
 * this every row would carry the whole document: about 470 bytes, where
 * lz4 keeps about 400.  Readers see no difference (every jsonb reader
 * detoasts); pg_column_compression() shows it.
 */
static Datum
explain_datum(const CtemScoreCache *c, const CtemScoreResult *r)
{
	JsonbSink	js;
	Datum		j;
	Datum		z;

	jsonb_sink_init(&js);
	ctem_score_explain_compact_emit(&c->policy, r, &js.sink);
	j = JsonbPGetDatum(jsonb_sink_result(&js));
	z = toast_compress_datum(j, c->explain_cmethod);

	if (z == (Datum) 0)
		return j;				/* not compressible enough: stored as is */
	pfree(DatumGetPointer(j));
	return z;
}

/*
 * The short explanation stored on the row as jsonb.  Rows with the same
 * result share it: it is built once per distinct result in a statement,
 * not once per row.
 */
static Datum
cached_explain(CtemScoreCache *c, const CtemScoreResult *r)
{
	ExplainKey	key;
	bool		found;
	ExplainEntry *e;

	memset(&key, 0, sizeof(key));	/* padding too: the key is hashed as bytes */
	key.score = r->score;
	key.s = r->s;
	key.l = r->l;
	key.a = r->a;
	key.x = r->x;
	key.c = r->c;
	key.v = r->v;
	key.src[0] = r->s_source;
	key.src[1] = r->l_source;
	key.src[2] = r->a_source;
	key.src[3] = r->x_source;
	key.src[4] = r->c_source;
	key.src[5] = r->v_source;
	key.priority = r->priority;
	key.priority_by_score = r->priority_by_score;
	key.sla_days = r->sla_days;
	key.ssvc = r->ssvc;
	key.floors = r->floors;
	key.defaults = r->defaults;
	key.invalid = r->invalid;

	e = explains_lookup(c->explains, key);
	if (e != NULL)
		return e->jsonb;
	if (c->explains->members < CTEM_EXPLAIN_CACHE_MAX)
	{
		Datum		j = explain_datum(c, r);
		MemoryContext old = MemoryContextSwitchTo(c->cxt);

		/* only the result goes in the cache, not the builder's scratch */
		e = explains_insert(c->explains, key, &found);
		e->jsonb = datumCopy(j, false, -1);
		MemoryContextSwitchTo(old);
		return e->jsonb;
	}
	return explain_datum(c, r);
}

/*
 * Score the exposure row deformed into row/row_nulls, whose canonical rule
 * id is rule: set its kev, epss, controls_effectiveness (from the context)
 * and risk_score, priority, sla_due, score_explain (from the model).
 * Nothing when tenant or asset is NULL: the constraints reject the row.
 */
void
ctem_score_exposure_row(CtemScoreCache **cachep, MemoryContext cxt,
						Relation rel, Datum *row, bool *row_nulls,
						const char *rule)
{
	CtemScoreCache *c = *cachep;
	RowInputs	r;
	CtemScoreInput in;
	CtemScoreResult res;
	int32		tenant;
	int64		asset_id;
	AssetCtx   *a;
	const IntelCtx *intel;
	double		effs[64];
	int			neff = 0;

	if (c == NULL)
	{
		CtemCallShare *share = ctem_share_current();

		if (share != NULL)
		{
			if (share->score == NULL)
				share->score = score_cache_create(share->cxt, rel);
			c = share->score;
		}
		else
			c = score_cache_create(cxt, rel);
		*cachep = c;
	}

#define COL(att) row[(att) - 1]
#define COL_NULL(att) row_nulls[(att) - 1]
	if (COL_NULL(c->att_tenant) || COL_NULL(c->att_asset))
		return;
	tenant = DatumGetInt32(COL(c->att_tenant));
	asset_id = DatumGetInt64(COL(c->att_asset));

	memset(&r, 0, sizeof(r));
	r.cvss = COL_NULL(c->att_cvss) ? NULL : (CtemCvss *) DatumGetPointer(COL(c->att_cvss));
	r.severity = COL_NULL(c->att_severity) ? CTEM_SEV_UNKNOWN :
		SEVERITY_CODE(&c->codes, COL(c->att_severity));
	r.maturity = COL_NULL(c->att_maturity) ? CTEM_MAT_UNKNOWN :
		MATURITY_CODE(&c->codes, COL(c->att_maturity));
	r.validation = COL_NULL(c->att_validation) ? CTEM_VAL_NONE :
		VALIDATION_CODE(&c->codes, COL(c->att_validation));

	/*
	 * KEV: listed, or "not listed" once some KEV catalog was loaded, else
	 * unknown (an EPSS-only row of ctem.vuln_intel says nothing of KEV).
	 */
	intel = intel_ctx(c, rule);
	if (intel != NULL && intel->found && intel->kev)
		r.kev = 1;
	else if (intel != NULL && c->kev_loaded)
		r.kev = 0;
	else
		r.kev = CTEM_UNKNOWN;
	r.epss = (intel != NULL && intel->found && !intel->epss_null) ? intel->epss : NAN;

	a = asset_ctx(c, tenant, asset_id);
	r.criticality = a->criticality;
	r.internet_facing = a->internet_facing;
	r.crown_jewel = a->crown_jewel;
	r.attack_path_probability = a->attack_path_probability;
	for (int i = 0; i < a->ncontrols && neff < lengthof(effs); i++)
		if (a->control_rule[i] == NULL || strcmp(a->control_rule[i], rule) == 0)
			effs[neff++] = a->effectiveness[i];
	r.controls = neff > 0 ? ctem_controls_combine(effs, neff) : 0.0;
	/* as ctem.risk_explain sees it from the row, so both explain alike */
	r.ncontrols = r.controls > 0 ? 1 : 0;

	make_input(&r, &in, c->policy.use_ssvc);
	ctem_score_compute(&c->policy, &in, &res);

	COL_NULL(c->att_kev) = r.kev == CTEM_UNKNOWN;
	COL(c->att_kev) = BoolGetDatum(r.kev == 1);
	COL_NULL(c->att_epss) = isnan(r.epss);
	COL(c->att_epss) = Float8GetDatum(isnan(r.epss) ? 0 : r.epss);
	COL_NULL(c->att_controls) = false;
	COL(c->att_controls) = Float8GetDatum(r.controls);
	COL_NULL(c->att_score) = false;
	COL(c->att_score) = score_numeric(res.score);
	COL_NULL(c->att_priority) = false;
	COL(c->att_priority) = ObjectIdGetDatum(c->priority_oids[Min(Max(res.priority, 1), 4) - 1]);
	/* sla_due: first_seen + SLA days (infinity + days is infinity) */
	if (COL_NULL(c->att_first_seen))
	{
		COL_NULL(c->att_sla_due) = true;
		COL(c->att_sla_due) = (Datum) 0;
	}
	else
	{
		TimestampTz first_seen = DatumGetTimestampTz(COL(c->att_first_seen));

		COL_NULL(c->att_sla_due) = false;
		COL(c->att_sla_due) = TIMESTAMP_NOT_FINITE(first_seen) ?
			TimestampTzGetDatum(first_seen) :
			TimestampTzGetDatum(first_seen + (TimestampTz) res.sla_days * USECS_PER_DAY);
	}
	COL_NULL(c->att_explain) = false;
	COL(c->att_explain) = cached_explain(c, &res);
#undef COL
#undef COL_NULL
}

/* ------------------------------------------------------------------------
 * ctem.risk_score(e, a) and ctem.risk_explain(e, a)
 * ------------------------------------------------------------------------ */

/*
 * What ctem.risk_score(e, a) and ctem.risk_explain(e, a) keep for the
 * query: the active policy, the attribute numbers of the columns they read
 * in the two row types, and the codes of the enum values seen.
 */
enum
{
	E_CVSS, E_SEVERITY, E_MATURITY, E_VALIDATION, E_KEV, E_EPSS, E_CONTROLS, E_NATTS
};
enum
{
	A_CRITICALITY, A_INTERNET_FACING, A_CROWN_JEWEL, A_PATH, A_NATTS
};
static const char *const e_names[E_NATTS] = {
	"cvss", "severity", "exploit_maturity", "validation", "kev", "epss",
	"controls_effectiveness"
};
static const char *const a_names[A_NATTS] = {
	"criticality", "internet_facing", "crown_jewel", "attack_path_probability"
};

typedef struct FnPolicy
{
	CtemPolicy	policy;
	bool		active;
	Oid			e_type,
				a_type;
	TupleDesc	e_desc,
				a_desc;
	int			e_att[E_NATTS];
	int			a_att[A_NATTS];
	InputCodes	codes;
} FnPolicy;

static FnPolicy *
fn_policy(FunctionCallInfo fcinfo)
{
	FnPolicy   *p = (FnPolicy *) fcinfo->flinfo->fn_extra;

	if (p == NULL)
	{
		p = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FnPolicy));
		p->active = load_active_policy(&p->policy);
		fcinfo->flinfo->fn_extra = p;
	}
	return p;
}

/* descriptor and attribute numbers of a row type, looked up once */
static TupleDesc
row_desc(FunctionCallInfo fcinfo, HeapTupleHeader row, Oid *cached_type,
		 TupleDesc *cached_desc, int *atts, const char *const *names, int n)
{
	Oid			type = HeapTupleHeaderGetTypeId(row);

	if (*cached_desc == NULL || *cached_type != type)
	{
		TupleDesc	td = lookup_rowtype_tupdesc(type, HeapTupleHeaderGetTypMod(row));
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		*cached_desc = CreateTupleDescCopy(td);
		MemoryContextSwitchTo(old);
		ReleaseTupleDesc(td);
		*cached_type = type;
		for (int i = 0; i < n; i++)
		{
			atts[i] = SPI_fnumber(*cached_desc, names[i]);
			/* an asset row of a version before 0.6.0 has no path column */
			if (atts[i] <= 0 && strcmp(names[i], "attack_path_probability") == 0)
				atts[i] = 0;
			else if (atts[i] <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("row type %s has no column \"%s\"",
								format_type_be(type), names[i]),
						 errhint("Pass rows of ctem.exposure and ctem.asset.")));
		}
	}
	return *cached_desc;
}

/* all columns of a row at once (one pass, not one walk per column) */
static void
row_deform(HeapTupleHeader row, TupleDesc td, Datum *values, bool *nulls)
{
	HeapTupleData tup;

	tup.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = row;
	heap_deform_tuple(&tup, td, values, nulls);
}

static void
inputs_from_rows(FunctionCallInfo fcinfo, FnPolicy *p, HeapTupleHeader e,
				 HeapTupleHeader a, RowInputs *r)
{
	TupleDesc	ed = row_desc(fcinfo, e, &p->e_type, &p->e_desc, p->e_att, e_names, E_NATTS);
	TupleDesc	ad = row_desc(fcinfo, a, &p->a_type, &p->a_desc, p->a_att, a_names, A_NATTS);
	Datum	   *ev = palloc(sizeof(Datum) * ed->natts);
	bool	   *en = palloc(sizeof(bool) * ed->natts);
	Datum	   *av = palloc(sizeof(Datum) * ad->natts);
	bool	   *an = palloc(sizeof(bool) * ad->natts);

#define EV(i) ev[p->e_att[i] - 1]
#define EN(i) en[p->e_att[i] - 1]
#define AV(i) av[p->a_att[i] - 1]
#define AN(i) an[p->a_att[i] - 1]
	row_deform(e, ed, ev, en);
	row_deform(a, ad, av, an);
	memset(r, 0, sizeof(*r));
	r->cvss = EN(E_CVSS) ? NULL : (CtemCvss *) DatumGetPointer(EV(E_CVSS));
	r->severity = EN(E_SEVERITY) ? CTEM_SEV_UNKNOWN : SEVERITY_CODE(&p->codes, EV(E_SEVERITY));
	r->maturity = EN(E_MATURITY) ? CTEM_MAT_UNKNOWN : MATURITY_CODE(&p->codes, EV(E_MATURITY));
	r->validation = EN(E_VALIDATION) ? CTEM_VAL_NONE : VALIDATION_CODE(&p->codes, EV(E_VALIDATION));
	r->kev = EN(E_KEV) ? CTEM_UNKNOWN : (DatumGetBool(EV(E_KEV)) ? 1 : 0);
	r->epss = EN(E_EPSS) ? NAN : DatumGetFloat8(EV(E_EPSS));
	r->controls = EN(E_CONTROLS) ? 0.0 : DatumGetFloat8(EV(E_CONTROLS));
	r->ncontrols = r->controls > 0 ? 1 : 0;
	r->criticality = AN(A_CRITICALITY) ? 0 : DatumGetInt16(AV(A_CRITICALITY));
	r->internet_facing = AN(A_INTERNET_FACING) ? CTEM_UNKNOWN :
		(DatumGetBool(AV(A_INTERNET_FACING)) ? 1 : 0);
	r->crown_jewel = !AN(A_CROWN_JEWEL) && DatumGetBool(AV(A_CROWN_JEWEL));
	r->attack_path_probability = p->a_att[A_PATH] == 0 || AN(A_PATH) ? NAN :
		DatumGetFloat8(AV(A_PATH));
#undef EV
#undef EN
#undef AV
#undef AN
}

/*
 * The inputs as arguments (ctem.risk_score_inputs, ctem.risk_explain_inputs):
 * cvss, severity, kev, epss, exploit_maturity, validation, criticality,
 * internet_facing, crown_jewel, controls_effectiveness,
 * attack_path_probability; NULL = unknown.
 */
static void
inputs_from_args(FunctionCallInfo fcinfo, FnPolicy *p, RowInputs *r)
{
	memset(r, 0, sizeof(*r));
	r->cvss = PG_ARGISNULL(0) ? NULL : (CtemCvss *) PG_GETARG_POINTER(0);
	r->severity = PG_ARGISNULL(1) ? CTEM_SEV_UNKNOWN : SEVERITY_CODE(&p->codes, PG_GETARG_DATUM(1));
	r->kev = PG_ARGISNULL(2) ? CTEM_UNKNOWN : (PG_GETARG_BOOL(2) ? 1 : 0);
	r->epss = PG_ARGISNULL(3) ? NAN : PG_GETARG_FLOAT8(3);
	r->maturity = PG_ARGISNULL(4) ? CTEM_MAT_UNKNOWN : MATURITY_CODE(&p->codes, PG_GETARG_DATUM(4));
	r->validation = PG_ARGISNULL(5) ? CTEM_VAL_NONE : VALIDATION_CODE(&p->codes, PG_GETARG_DATUM(5));
	r->criticality = PG_ARGISNULL(6) ? 0 : PG_GETARG_INT16(6);
	r->internet_facing = PG_ARGISNULL(7) ? CTEM_UNKNOWN : (PG_GETARG_BOOL(7) ? 1 : 0);
	r->crown_jewel = !PG_ARGISNULL(8) && PG_GETARG_BOOL(8);
	r->controls = PG_ARGISNULL(9) ? 0.0 : PG_GETARG_FLOAT8(9);
	r->ncontrols = r->controls > 0 ? 1 : 0;
	r->attack_path_probability = PG_ARGISNULL(10) ? NAN : PG_GETARG_FLOAT8(10);
}

/*
 * Score the function's arguments with the active policy: two rows (e, a)
 * or the eleven inputs.  The four SQL functions differ only in that and in
 * what they return.
 */
static FnPolicy *
score_fn_args(FunctionCallInfo fcinfo, bool from_rows, CtemScoreInput *in,
			  CtemScoreResult *res)
{
	FnPolicy   *p = fn_policy(fcinfo);
	RowInputs	r;

	if (from_rows)
		inputs_from_rows(fcinfo, p, PG_GETARG_HEAPTUPLEHEADER(0),
						 PG_GETARG_HEAPTUPLEHEADER(1), &r);
	else
		inputs_from_args(fcinfo, p, &r);
	make_input(&r, in, p->policy.use_ssvc);
	ctem_score_compute(&p->policy, in, res);
	return p;
}

Datum
ctem_risk_score(PG_FUNCTION_ARGS)
{
	CtemScoreInput in;
	CtemScoreResult res;

	(void) score_fn_args(fcinfo, true, &in, &res);
	PG_RETURN_DATUM(score_numeric(res.score));
}

Datum
ctem_risk_explain(PG_FUNCTION_ARGS)
{
	CtemScoreInput in;
	CtemScoreResult res;
	FnPolicy   *p = score_fn_args(fcinfo, true, &in, &res);

	PG_RETURN_DATUM(explain_jsonb(&p->policy, &in, &res));
}

Datum
ctem_risk_score_inputs(PG_FUNCTION_ARGS)
{
	CtemScoreInput in;
	CtemScoreResult res;

	(void) score_fn_args(fcinfo, false, &in, &res);
	PG_RETURN_DATUM(score_numeric(res.score));
}

Datum
ctem_risk_explain_inputs(PG_FUNCTION_ARGS)
{
	CtemScoreInput in;
	CtemScoreResult res;
	FnPolicy   *p = score_fn_args(fcinfo, false, &in, &res);

	PG_RETURN_DATUM(explain_jsonb(&p->policy, &in, &res));
}

/*
 * Planner support of ctem.risk_score(e, a) and ctem.risk_explain(e, a).
 *
 * Called over the tables, as in
 *		SELECT ctem.risk_score(e, a) FROM ctem.exposure e JOIN ctem.asset a ...
 * the two arguments are whole-row Vars: the executor would deform each
 * exposure, form a new composite value of all its columns (score_explain,
 * details and the rest), pass it up the join, and the function would
 * deform it again to read seven columns.  That costs more than the score.
 * When both arguments are whole-row Vars of the two tables themselves, this
 * rewrites the call at plan time into the same function over the columns
 * it reads:
 *		CASE WHEN e.id IS NULL OR a.id IS NULL THEN NULL
 *			 ELSE ctem.risk_score_inputs(e.cvss, e.severity, e.kev, e.epss,
 *				e.exploit_maturity, e.validation, a.criticality,
 *				a.internet_facing, a.crown_jewel, e.controls_effectiveness,
 *				a.attack_path_probability) END
 * risk_score_inputs on a row's values gives the row's score (it is the same
 * code path after the inputs are read, and a regression test compares the
 * two on every row); the CASE keeps risk_score's STRICT result for a row
 * that an outer join left NULL (id is the NOT NULL primary key column, so
 * it is NULL exactly then).  The rewrite needs EXECUTE on the _inputs
 * function (PUBLIC has it; checked for the planning role, so revoke it from
 * nobody who may reuse a plan made by a role that has it).  Any other
 * argument (a row built at run time, a trigger's NEW, a subquery's column,
 * an outer query's row) keeps the call as it is.
 *
 * The column Vars are copies of the whole-row Var, not makeVar()s: they keep
 * every field that places it in the query (from PostgreSQL 16
 * varnullingrels, the outer joins that can null it, which setrefs.c checks
 * against the join's; from 18 varreturningtype).
 */
/* the arguments of ctem.risk_score_inputs and ctem.risk_explain_inputs */
#define CTEM_RISK_INPUTS 11

static Var *
support_column(Var *row, Oid relid, const char *name)
{
	AttrNumber	att = get_attnum(relid, name);
	Var		   *col;

	if (att == InvalidAttrNumber)
		return NULL;
	col = copyObject(row);
	col->varattno = att;
	col->varnosyn = row->varno;
	col->varattnosyn = att;
	get_atttypetypmodcoll(relid, att, &col->vartype, &col->vartypmod,
						  &col->varcollid);
	return col;
}

static Expr *
support_is_null(Var *col)
{
	NullTest   *t = makeNode(NullTest);

	t->arg = (Expr *) col;
	t->nulltesttype = IS_NULL;
	t->argisrow = false;
	t->location = -1;
	return (Expr *) t;
}

/* the table whose whole row Var arg is, if it is one over a plain table */
static Oid
support_row_table(PlannerInfo *root, Node *arg)
{
	Var		   *var = (Var *) arg;
	RangeTblEntry *rte;

	if (root == NULL || !IsA(arg, Var) || var->varattno != InvalidAttrNumber ||
		var->varlevelsup != 0 || var->varno < 1 ||
		var->varno > list_length(root->parse->rtable))
		return InvalidOid;
	rte = rt_fetch(var->varno, root->parse->rtable);
	if (rte->rtekind != RTE_RELATION || get_rel_type_id(rte->relid) != var->vartype)
		return InvalidOid;
	return rte->relid;
}

Datum
ctem_risk_support(PG_FUNCTION_ARGS)
{
	static const char *const input_cols[CTEM_RISK_INPUTS][2] = {
		{"e", "cvss"}, {"e", "severity"}, {"e", "kev"}, {"e", "epss"},
		{"e", "exploit_maturity"}, {"e", "validation"}, {"a", "criticality"},
		{"a", "internet_facing"}, {"a", "crown_jewel"},
		{"e", "controls_effectiveness"}, {"a", "attack_path_probability"}
	};
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSimplify *req;
	FuncExpr   *call;
	Oid			e_rel,
				a_rel;
	Var		   *e_row,
			   *a_row;
	List	   *args = NIL;
	Oid			argtypes[CTEM_RISK_INPUTS];
	char	   *fname;
	Oid			target;
	FuncExpr   *inner;
	CaseWhen   *when;
	CaseExpr   *cexpr;
	Var		   *e_id,
			   *a_id;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSimplify *) rawreq;
	call = req->fcall;
	if (list_length(call->args) != 2)
		PG_RETURN_POINTER(NULL);
	e_rel = support_row_table(req->root, linitial(call->args));
	a_rel = support_row_table(req->root, lsecond(call->args));
	if (!OidIsValid(e_rel) || !OidIsValid(a_rel))
		PG_RETURN_POINTER(NULL);
	e_row = linitial_node(Var, call->args);
	a_row = lsecond_node(Var, call->args);

	for (int i = 0; i < CTEM_RISK_INPUTS; i++)
	{
		bool		on_e = input_cols[i][0][0] == 'e';
		Var		   *col = support_column(on_e ? e_row : a_row, on_e ? e_rel : a_rel,
										 input_cols[i][1]);

		if (col == NULL)
			PG_RETURN_POINTER(NULL);
		argtypes[i] = col->vartype;
		args = lappend(args, col);
	}
	e_id = support_column(e_row, e_rel, "id");
	a_id = support_column(a_row, a_rel, "id");
	if (e_id == NULL || a_id == NULL)
		PG_RETURN_POINTER(NULL);

	/* risk_score -> risk_score_inputs, risk_explain -> risk_explain_inputs */
	fname = get_func_name(call->funcid);
	if (fname == NULL)
		PG_RETURN_POINTER(NULL);
	target = LookupFuncName(list_make2(makeString(get_namespace_name(get_func_namespace(call->funcid))),
									   makeString(psprintf("%s_inputs", fname))),
							CTEM_RISK_INPUTS, argtypes, true);
	if (!OidIsValid(target) || get_func_rettype(target) != call->funcresulttype ||
		ctem_proc_aclcheck(target, GetUserId(), ACL_EXECUTE) != ACLCHECK_OK)
		PG_RETURN_POINTER(NULL);

	inner = makeFuncExpr(target, call->funcresulttype, args, InvalidOid,
						 InvalidOid, COERCE_EXPLICIT_CALL);
	inner->location = call->location;

	when = makeNode(CaseWhen);
	when->expr = (Expr *) makeBoolExpr(OR_EXPR,
									   list_make2(support_is_null(e_id),
												  support_is_null(a_id)),
									   -1);
	when->result = (Expr *) makeNullConst(call->funcresulttype, -1, InvalidOid);
	when->location = -1;
	cexpr = makeNode(CaseExpr);
	cexpr->casetype = call->funcresulttype;
	cexpr->casecollid = InvalidOid;
	cexpr->arg = NULL;
	cexpr->args = list_make1(when);
	cexpr->defresult = (Expr *) inner;
	cexpr->location = call->location;
	PG_RETURN_POINTER(cexpr);
}

/* ------------------------------------------------------------------------
 * ctem.ssvc_decision(exploitation, automatable, technical_impact, mission)
 * ------------------------------------------------------------------------ */

static int
ssvc_value(text *t, const char *point, const char *const *names, int n)
{
	char	   *s = text_to_cstring(t);

	for (int i = 0; i < n; i++)
		if (pg_strcasecmp(s, names[i]) == 0)
			return i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid SSVC %s value \"%s\"", point, s),
			 errhint("Use one of: %s%s%s%s%s.", names[0], n > 1 ? ", " : "", n > 1 ? names[1] : "",
					 n > 2 ? ", " : "", n > 2 ? names[2] : "")));
	return -1;
}

Datum
ctem_ssvc_decision_sql(PG_FUNCTION_ARGS)
{
	static const char *const expl[] = {"none", "poc", "active"};
	static const char *const autom[] = {"no", "yes"};
	static const char *const ti[] = {"partial", "total"};
	static const char *const mwb[] = {"low", "medium", "high"};
	CtemSsvcDecision d;

	d = ctem_ssvc_decision(ssvc_value(PG_GETARG_TEXT_PP(0), "exploitation", expl, 3),
						   ssvc_value(PG_GETARG_TEXT_PP(1), "automatable", autom, 2),
						   ssvc_value(PG_GETARG_TEXT_PP(2), "technical impact", ti, 2),
						   ssvc_value(PG_GETARG_TEXT_PP(3), "mission and well-being", mwb, 3));
	PG_RETURN_TEXT_P(cstring_to_text(ctem_ssvc_decision_name(d)));
}

/* ------------------------------------------------------------------------
 * ctem.policy BEFORE row trigger
 * ------------------------------------------------------------------------ */

static bool
policy_weights_equal(HeapTuple a, HeapTuple b, TupleDesc td)
{
	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(td, i);
		const char *n = NameStr(attr->attname);
		bool		an,
					bn;
		Datum		ad,
					bd;

		if (attr->attisdropped || strcmp(n, "active") == 0 ||
			strcmp(n, "version") == 0 || strcmp(n, "updated_at") == 0 ||
			strcmp(n, "description") == 0)
			continue;
		ad = heap_getattr(a, i + 1, td, &an);
		bd = heap_getattr(b, i + 1, td, &bn);
		if (an != bn)
			return false;
		if (!an && !datumIsEqual(ad, bd, attr->attbyval, attr->attlen))
			return false;
	}
	return true;
}

/*
 * A user's policy inserted as active takes over from the builtin default:
 * switch the default off (an active user policy is not switched off: two
 * of them still fail policy_one_active at commit).  This is also what makes
 * a restore work: the dump holds the users' policies, the builtin row comes
 * with CREATE EXTENSION, active.
 */
static void
deactivate_builtin_policy(void)
{
	ctem_spi_connect();
	if (SPI_execute("UPDATE ctem.policy SET active = false WHERE builtin AND active",
					false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not switch off the builtin policy");
	SPI_finish();
}

Datum
ctem_policy_before_row(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	td;
	HeapTuple	newtup;
	CtemPolicy	p;
	char		err[CTEM_POLICY_ERR_MAX];
	bool		isnull;
	int			builtin_att;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "ctem_policy_before_row: must be fired before a row event");
	td = trigdata->tg_relation->rd_att;
	builtin_att = ctem_attnum(trigdata->tg_relation, "builtin");

	if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		Datum		b = heap_getattr(trigdata->tg_trigtuple, builtin_att, td, &isnull);

		if (!isnull && DatumGetBool(b) && !creating_extension)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the builtin policy \"default\" cannot be deleted"),
					 errhint("Create your own policy and make it active instead.")));
		return PointerGetDatum(trigdata->tg_trigtuple);
	}

	newtup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		Datum		b = heap_getattr(trigdata->tg_trigtuple, builtin_att, td, &isnull);
		bool		same = policy_weights_equal(trigdata->tg_trigtuple, newtup, td);
		int			cols[2];
		Datum		vals[2];
		bool		nulls[2] = {false, false};
		Datum		oldver;

		if (!creating_extension && (isnull || !DatumGetBool(b)))
		{
			bool		newnull;
			Datum		nb = heap_getattr(newtup, builtin_att, td, &newnull);

			if (!newnull && DatumGetBool(nb))
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("only the extension creates builtin policies"),
						 errhint("Leave builtin = false on your policies.")));
		}
		if (!isnull && DatumGetBool(b) && !same && !creating_extension)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the builtin policy \"default\" is read-only"),
					 errdetail("Only its \"active\" flag can change."),
					 errhint("Copy it: INSERT INTO ctem.policy SELECT ... with another name, change the copy and make it active.")));
		/* a change of weights is a new version */
		cols[0] = ctem_attnum(trigdata->tg_relation, "version");
		oldver = heap_getattr(trigdata->tg_trigtuple, cols[0], td, &isnull);
		vals[0] = Int32GetDatum((isnull ? 0 : DatumGetInt32(oldver)) + (same ? 0 : 1));
		cols[1] = ctem_attnum(trigdata->tg_relation, "updated_at");
		vals[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		newtup = heap_modify_tuple_by_cols(newtup, td, 2, cols, vals, nulls);
	}
	else if (!creating_extension)
	{
		Datum		b = heap_getattr(newtup, builtin_att, td, &isnull);
		Datum		act;

		if (!isnull && DatumGetBool(b))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("only the extension creates builtin policies"),
					 errhint("Insert your policy with builtin = false.")));
		act = heap_getattr(newtup, ctem_attnum(trigdata->tg_relation, "active"), td, &isnull);
		if (!isnull && DatumGetBool(act))
		{
			CtemSavedUser save;

			/*
			 * As the table's owner: inserting the active policy is the
			 * user's act, switching the default off its bookkeeping (no
			 * UPDATE on ctem.policy needed for it).
			 */
			ctem_owner_begin(trigdata->tg_relation->rd_rel->relowner, &save);
			deactivate_builtin_policy();
			ctem_owner_end(&save);
		}
	}

	policy_from_tuple(newtup, td, &p);
	if (!ctem_policy_check(&p, err, sizeof(err)))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("invalid policy \"%s\"",
						SPI_getvalue(newtup, td, ctem_attnum(trigdata->tg_relation, "name"))),
				 errdetail("%s", err),
				 errhint("See docs/scoring.md for the meaning and range of each policy column.")));
	return PointerGetDatum(newtup);
}
