/*-------------------------------------------------------------------------
 *
 * ingest.c
 *		ctem.ingest(): scanner reports into assets and exposures.
 *
 * The report is parsed in C (report*.c) into column arrays, one element per
 * finding, a batch at a time: every INGEST_FLUSH findings (and at the end)
 * the batch is written and its memory reused, so memory stays bounded by a
 * batch, not by the report.  Each batch goes through four set-based
 * statements:
 *		1. upsert the assets it names that the report did not name before
 *		   (natural keys normalised here with the same code as the asset
 *		   trigger), ids back;
 *		2. fingerprint every finding (the same function as the trigger's) and
 *		   look up the ones the report did not name before: known exposures
 *		   and new problems (on an asset step 1 created, all are new);
 *		3. UPDATE the known exposures with the re-detection merge the
 *		   trigger uses for ETL rows (CTEM_MERGE_SET_SQL: last_seen, sources,
 *		   aliases, newer details, fixed ones reopened), then INSERT the new
 *		   ones (the trigger merges a problem the report names twice), with
 *		   ON CONFLICT except on assets the call created;
 * and once the whole report is in:
 *		4. with full_scan, open exposures of the scanned assets that the same
 *		   tool did not report this time lose that source, and are resolved
 *		   when no source is left (assets the call created have none).
 * Everything runs in the caller's transaction: an error anywhere (a report
 * that turns out malformed after a few batches too) leaves nothing behind.
 *
 * src/discover/ingest.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "compat.h"
#include "common/common.h"
#include "common/tenant.h"
#include "common/encoding.h"
#include "common/share.h"
#include "core/cvss_core.h"
#include "core/keys_core.h"
#include "core/report/report.h"
#include "discover/exposure.h"
#include "prioritize/context.h"
#include "prioritize/score.h"
#include "store/identity.h"
#include "validate/graph_log.h"

PG_FUNCTION_INFO_V1(ctem_ingest);
PG_FUNCTION_INFO_V1(ctem_report_formats);

/* the columns collected per finding */
enum
{
	C_ASSET_KIND,
	C_ASSET_KEY,				/* normalised */
	C_ASSET_NAME,
	C_KIND,
	C_RULE_ID,
	C_ALIASES,					/* joined with US (0x1f) */
	C_TITLE,
	C_SEVERITY,
	C_CVSS,
	C_COMPONENT,
	C_COMPONENT_VERSION,
	C_LOCATION,
	C_FIXED_VERSION,
	C_TOOL,
	C_STATUS,
	C_DETAILS,
	NCOLS
};

/* findings collected before a batch is written */
#define INGEST_FLUSH 10000

/* findings per statement of the re-detection and insert steps */
#define INGEST_BATCH 5000

typedef struct IngestState
{
	MemoryContext cxt;			/* the whole call: the maps below, step 4
								 * inputs, the value blocks, abuf */
	MemoryContext batch;		/* the batch's values over 128 kB, and what
								 * collecting a finding allocates for a while */
	MemoryContext flushcxt;		/* one flush's arrays and lookups */
	MemoryContext scratch;		/* one finding's details while built */
	MemoryContext convcxt;		/* one finding's text in the database's
								 * encoding, when it is not UTF-8 */
	bool		convert;		/* the database's encoding is not UTF-8 */
	int			n;				/* findings in the batch (at most INGEST_FLUSH) */
	long		total;			/* findings of the report so far */
	char	  **cols[NCOLS];	/* cols[c][i], made by col_dup(); NULL = SQL
								 * NULL; cols[C_DETAILS] is NULL: details[] */
	Jsonb	  **details;		/* details[i], never NULL */
	struct ValueBlock *vfirst;	/* the batch's values: see value_alloc() */
	struct ValueBlock *vcur;
	struct
	{
		char	   *data;
		Size		size;
	}			abuf[2 + NCOLS];	/* array parameters: see array_buffer();
									 * [2 + c] holds column c's */
	int64		given_asset;	/* asset_id argument, 0 if none */
	long		no_asset;		/* findings that name no asset */
	char	   *placeholder;	/* the first placeholder target among them
								 * ("Unknown", "."), in cxt, or NULL */
	StringInfoData buf;

	/* what the flushes need */
	int32		tenant;
	bool		full_scan;
	CtemReportFormat fmt;		/* the report's format, from its findings */
	bool		started;		/* ingest_start() ran */
	bool		share_created;
	HTAB	   *assets;			/* "kind/key" -> asset id, every asset named */
	HTAB	   *seen;			/* every fingerprint named on an asset that
								 * existed before the call (steps 2 and 4) */
	HTAB	   *scope;			/* (asset id, tool) pairs named, for step 4 */
	char	  **tools;			/* distinct tools named, scope's tool numbers */
	int			ntools;
	SPIPlanPtr	redetect_plan;
	SPIPlanPtr	insert_plan;
	SPIPlanPtr	insert_new_plan;

	/* what the call returns */
	int64		assets_created;
	int64		matched;
	int64		reopened;
	int64		inserted;
} IngestState;

/*
 * The batch's values (collected strings, details) are bump-allocated in
 * blocks of VALUE_BLOCK_SIZE that are kept for the whole call and rewound
 * after each batch (value_rewind()), so that each batch writes into the
 * pages the previous one used.  In a memory context they were freed on
 * reset, malloc returned the larger blocks to the kernel, and the next
 * batch faulted them in again page by page, which on a virtual machine
 * costs more than the work done on them.  A value over an eighth of a block
 * goes into st->batch, reset after each batch.
 */
#define VALUE_BLOCK_SIZE ((Size) 1 << 20)

typedef struct ValueBlock
{
	struct ValueBlock *next;
	Size		used;
	char		data[FLEXIBLE_ARRAY_MEMBER];	/* VALUE_BLOCK_SIZE bytes */
} ValueBlock;

static void *
value_alloc(IngestState *st, Size n)
{
	ValueBlock *b = st->vcur;
	char	   *p;

	n = MAXALIGN(n);
	if (n > VALUE_BLOCK_SIZE / 8)
		return MemoryContextAlloc(st->batch, n);
	if (b == NULL || VALUE_BLOCK_SIZE - b->used < n)
	{
		ValueBlock *next = b != NULL ? b->next : st->vfirst;

		if (next == NULL)
		{
			next = MemoryContextAlloc(st->cxt, offsetof(ValueBlock, data) + VALUE_BLOCK_SIZE);
			next->next = NULL;
			if (b != NULL)
				b->next = next;
			else
				st->vfirst = next;
		}
		next->used = 0;
		st->vcur = b = next;
	}
	p = b->data + b->used;
	b->used += n;
	return p;
}

/* the next batch's values start again at the first block */
static void
value_rewind(IngestState *st)
{
	st->vcur = NULL;
}

/*
 * A collected value is a C string that is also the data of a text datum:
 * col_fill() puts a varlena header before it (and a NUL after it), so the
 * statements' text[] arrays take it as it is (COL_TEXT), without strlen or
 * copy, while C code reads it as a string.  Every value in cols[] is made
 * here: col_dup() and the two below in the batch's values, col_keep() in
 * the current memory context for a value kept past the batch.
 */
static char *
col_fill(char *p, const char *s, size_t len)
{
	SET_VARSIZE(p, VARHDRSZ + len);
	memcpy(p + VARHDRSZ, s, len);
	p[VARHDRSZ + len] = '\0';
	return p + VARHDRSZ;
}

static char *
col_dup(IngestState *st, const char *s, size_t len)
{
	return col_fill(value_alloc(st, VARHDRSZ + len + 1), s, len);
}

static char *
col_keep(const char *s)
{
	size_t		len = strlen(s);

	return col_fill(palloc(VARHDRSZ + len + 1), s, len);
}

#define COL_TEXT(s) ((text *) ((s) - VARHDRSZ))

/*
 * The natural key s (of an asset of kind) as a collected value, normalised
 * as the asset trigger does it straight into the batch's values
 */
static char *
col_asset_key(IngestState *st, const char *kind, const char *s)
{
	size_t		len = strlen(s);
	size_t		outsize = Max(len + 1, CTEM_IP_TEXT_MAX);
	char	   *p = value_alloc(st, VARHDRSZ + outsize);
	bool		is_ip;
	size_t		n = ctem_normalize_key(kind, s, len, p + VARHDRSZ, outsize, &is_ip);

	Assert(n < outsize);
	SET_VARSIZE(p, VARHDRSZ + n);
	p[VARHDRSZ + n] = '\0';
	return p + VARHDRSZ;
}

/* s as a collected value; NULL stays NULL */
static char *
col_str(IngestState *st, const char *s)
{
	return s == NULL ? NULL : col_dup(st, s, strlen(s));
}

/* s as a collected value; NULL or empty is NULL */
static char *
col_nonempty(IngestState *st, const char *s)
{
	return (s == NULL || s[0] == '\0') ? NULL : col_dup(st, s, strlen(s));
}

/*
 * An invalid value kept in details as the report gave it (cvss_invalid,
 * published_invalid, ...): its first INVALID_KEEP_MAX bytes, then "..."
 * when that is not all of it, so that junk (a 100 MB "vector") does not
 * fill the row.  Valid values are far shorter (a CVSS v4.0 vector with
 * every metric is about 300 bytes).
 */
#define INVALID_KEEP_MAX 1000

static const char *
cut_invalid(const char *s)
{
	size_t		len = strlen(s);
	int			n;

	if (len <= INVALID_KEEP_MAX)
		return s;
	n = pg_mbcliplen(s, INVALID_KEEP_MAX * 2, INVALID_KEEP_MAX);
	return psprintf("%.*s...", n, s);
}

/*
 * details: what the report says beyond the columns, as a jsonb object built
 * here rather than written as JSON text for jsonb_in to parse again, and
 * without pushJsonbValue() token by token: the pairs are collected, put in
 * jsonb's key order (shorter keys first, then bytewise; no key is added
 * twice) and converted by JsonbValueToJsonb(), as pushJsonbValue() ends.
 */
#define DETAILS_MAX_PAIRS 20		/* finding_details() adds at most 19 */

typedef struct DetailsObj
{
	int			n;
	JsonbPair	pairs[DETAILS_MAX_PAIRS];
} DetailsObj;

/* a new member key of d: its value to fill */
static JsonbValue *
det_member(DetailsObj *d, const char *key)
{
	JsonbPair  *p;

	if (d->n >= DETAILS_MAX_PAIRS)
		elog(ERROR, "ctem.ingest: too many members in details");
	p = &d->pairs[d->n];
	p->key.type = jbvString;
	p->key.val.string.val = (char *) key;
	p->key.val.string.len = strlen(key);
	p->order = d->n++;
	return &p->value;
}

static void
det_string_value(JsonbValue *v, const char *str)
{
	v->type = jbvString;
	v->val.string.val = (char *) str;
	v->val.string.len = strlen(str);
}

static void
det_field(DetailsObj *d, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	det_string_value(det_member(d, key), value);
}

/*
 * A number as JSON would give it: the value "%.6g" prints, read by
 * numeric_in.  A value that is an integer over 10^k for the smallest
 * k <= 6, with at most 6 digits (a CVSS score, an EPSS probability), is
 * built directly as that numeric with k decimals, which is what numeric_in
 * makes of "%.6g"'s text: the value is the double nearest that decimal, so
 * rounding it to 6 significant digits gives the decimal back, and the
 * smallest k is the number of decimals "%.6g" keeps.  Any other value goes
 * through the text.
 */
static Numeric
det_numeric(double value)
{
	static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
	char		num[64];

	for (int k = 0; k < lengthof(pow10); k++)
	{
		double		s = value * pow10[k];

		if (fabs(s) >= 1e6)
			break;
		if (s == rint(s))
		{
			int64		r = (int64) s;

			if (k == 0)
				return int64_to_numeric(r);
			if (r % 10 == 0)
				break;			/* float error: a smaller k missed it */
			return int64_div_fast_to_numeric(r, k);
		}
	}
	snprintf(num, sizeof(num), "%.6g", value);
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(num),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

static void
det_number(DetailsObj *d, const char *key, double value)
{
	JsonbValue *v;

	if (isnan(value) || isinf(value))
		return;
	v = det_member(d, key);
	v->type = jbvNumeric;
	v->val.numeric = det_numeric(value);
}

/* jsonb's order of object keys */
static int
det_key_cmp(const JsonbPair *a, const JsonbPair *b)
{
	int			la = a->key.val.string.len;
	int			lb = b->key.val.string.len;

	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(a->key.val.string.val, b->key.val.string.val, la);
}

/*
 * The details of finding f, built in st->scratch and copied into the
 * batch's values.
 */
static Jsonb *
finding_details(IngestState *st, const CtemFinding *f, const char *cvss_invalid,
				bool asset_overridden)
{
	MemoryContext old = MemoryContextSwitchTo(st->scratch);
	DetailsObj	d;
	JsonbValue	obj;
	Jsonb	   *j;
	Jsonb	   *copy;

	d.n = 0;
	det_field(&d, "description", f->description);
	det_field(&d, "message", f->message);
	det_field(&d, "remediation", f->remediation);
	det_field(&d, "url", f->url);
	det_field(&d, "purl", f->purl);
	det_field(&d, "published", f->published);
	det_field(&d, "observed_at", f->observed_at);
	det_field(&d, "published_invalid", f->published_invalid ? cut_invalid(f->published_invalid) : NULL);
	det_field(&d, "observed_at_invalid",
			  f->observed_at_invalid ? cut_invalid(f->observed_at_invalid) : NULL);
	det_field(&d, "scanner_status", f->status);
	det_field(&d, "cvss_invalid", cvss_invalid);
	det_number(&d, "cvss_score", f->cvss_score);
	det_number(&d, "epss", f->epss);
	det_number(&d, "epss_percentile", f->epss_percentile);
	if (f->cwe != NULL && f->cwe[0] != '\0')
	{
		char	   *cwes = pstrdup(f->cwe);
		char	   *save = NULL;
		JsonbValue *arr = det_member(&d, "cwe");
		int			max = 1;

		for (const char *c = cwes; *c; c++)
			max += (*c == ',');
		arr->type = jbvArray;
		arr->val.array.rawScalar = false;
		arr->val.array.nElems = 0;
		arr->val.array.elems = palloc(sizeof(JsonbValue) * max);
		for (char *tok = strtok_r(cwes, ",", &save); tok != NULL;
			 tok = strtok_r(NULL, ",", &save))
		{
			while (*tok == ' ')
				tok++;
			if (*tok != '\0')
				det_string_value(&arr->val.array.elems[arr->val.array.nElems++], tok);
		}
	}
	/* the members whose \u0000 the reader replaced by U+FFFD */
	if (f->nul_members != NULL && f->nul_members[0] != '\0')
	{
		char	   *members = pstrdup(f->nul_members);
		char	   *save = NULL;
		JsonbValue *arr = det_member(&d, "nul_replaced");
		int			max = 1;

		for (const char *c = members; *c; c++)
			max += (*c == ',');
		arr->type = jbvArray;
		arr->val.array.rawScalar = false;
		arr->val.array.nElems = 0;
		arr->val.array.elems = palloc(sizeof(JsonbValue) * max);
		for (char *tok = strtok_r(members, ",", &save); tok != NULL;
			 tok = strtok_r(NULL, ",", &save))
			det_string_value(&arr->val.array.elems[arr->val.array.nElems++], tok);
	}
	if (f->suppressed)
	{
		JsonbValue *v = det_member(&d, "suppressed");

		v->type = jbvBool;
		v->val.boolean = true;
	}
	if (asset_overridden && f->asset_key != NULL)
	{
		det_field(&d, "report_asset_kind", f->asset_kind);
		det_field(&d, "report_asset", f->asset_key);
	}

	/* insertion sort: a few pairs, mostly in order already */
	for (int i = 1; i < d.n; i++)
	{
		JsonbPair	p = d.pairs[i];
		int			k = i;

		for (; k > 0 && det_key_cmp(&d.pairs[k - 1], &p) > 0; k--)
			d.pairs[k] = d.pairs[k - 1];
		Assert(k == 0 || det_key_cmp(&d.pairs[k - 1], &p) != 0);	/* no key twice */
		d.pairs[k] = p;
	}
	obj.type = jbvObject;
	obj.val.object.nPairs = d.n;
	obj.val.object.pairs = d.pairs;
	j = JsonbValueToJsonb(&obj);
	MemoryContextSwitchTo(old);
	copy = value_alloc(st, VARSIZE(j));
	memcpy(copy, j, VARSIZE(j));
	MemoryContextReset(st->scratch);
	return copy;
}

/*
 * The component name as the fingerprint needs it: tools spell Maven
 * packages differently (Trivy "group:artifact", Grype "artifact"), so a
 * Maven package URL decides: "group:artifact".
 */
static char *
component_name(IngestState *st, const CtemFinding *f)
{
	if (f->purl != NULL && strncmp(f->purl, "pkg:maven/", 10) == 0)
	{
		const char *p = f->purl + 10;
		const char *slash = strchr(p, '/');
		size_t		end = strcspn(p, "@?#");

		if (slash != NULL && (size_t) (slash - p) < end && slash[1] != '\0')
		{
			StringInfoData buf;
			char	   *name;

			initStringInfo(&buf);
			appendBinaryStringInfo(&buf, p, slash - p);
			appendStringInfoChar(&buf, ':');
			appendBinaryStringInfo(&buf, slash + 1, end - (slash + 1 - p));
			name = col_dup(st, buf.data, buf.len);
			pfree(buf.data);
			return name;
		}
	}
	return col_nonempty(st, f->component);
}

static void flush_batch(IngestState *st);

/*
 * The report is UTF-8 (JSON is); in a database of another encoding every
 * text value of a finding is converted to that encoding before anything
 * else reads it: the values stored, the details, and what the asset key
 * and the fingerprint are computed from, which must be the stored text
 * (the triggers compute them from it).  ASCII values, almost all of them,
 * are the same bytes and are not copied.  A character the encoding cannot
 * represent is PostgreSQL's 22P05 error; the context names the finding.
 */
static void
finding_to_db(IngestState *st, const CtemFinding *f, CtemFinding *out)
{
	MemoryContext old = MemoryContextSwitchTo(st->convcxt);

	*out = *f;
#define CONV(field) out->field = ctem_utf8_to_db_str(f->field)
	CONV(asset_kind);
	CONV(asset_key);
	CONV(asset_name);
	CONV(kind);
	CONV(rule_id);
	CONV(title);
	CONV(description);
	CONV(severity);
	CONV(cvss_vector);
	CONV(component);
	CONV(component_version);
	CONV(location);
	CONV(fixed_version);
	CONV(status);
	CONV(cwe);
	CONV(purl);
	CONV(tool);
	CONV(published);
	CONV(message);
	CONV(remediation);
	CONV(url);
	CONV(observed_at);
	CONV(published_invalid);
	CONV(observed_at_invalid);
	CONV(asset_placeholder);
	CONV(nul_members);
#undef CONV
	if (f->naliases > 0)
	{
		const char **aliases = palloc(sizeof(char *) * f->naliases);

		for (int a = 0; a < f->naliases; a++)
			aliases[a] = ctem_utf8_to_db_str(f->aliases[a]);
		out->aliases = aliases;
	}
	MemoryContextSwitchTo(old);
}

static void
finding_error_context(void *arg)
{
	IngestState *st = (IngestState *) arg;

	errcontext("finding %ld of the report", st->total);
}

/*
 * callback of the parsing core: one finding into the column arrays of the
 * batch, which is written when full
 */
static int
collect_finding(void *arg, const CtemFinding *f)
{
	IngestState *st = (IngestState *) arg;
	MemoryContext old;
	const char *cvss_invalid = NULL;
	char	   *cvss = NULL;
	int			i;
	CtemFinding converted;
	ErrorContextCallback errcb;

	CHECK_FOR_INTERRUPTS();
	st->total++;
	if (unlikely(st->convert))
	{
		MemoryContextReset(st->convcxt);
		errcb.callback = finding_error_context;
		errcb.arg = st;
		errcb.previous = error_context_stack;
		error_context_stack = &errcb;
		finding_to_db(st, f, &converted);
		error_context_stack = errcb.previous;
		f = &converted;
	}
	old = MemoryContextSwitchTo(st->batch);

	st->fmt = f->format;
	i = st->n++;

	if (st->given_asset == 0)
	{
		if (f->asset_key == NULL || f->asset_key[0] == '\0')
		{
			st->no_asset++;
			st->cols[C_ASSET_KEY][i] = NULL;
			if (st->placeholder == NULL && f->asset_placeholder != NULL)
				st->placeholder = MemoryContextStrdup(st->cxt, f->asset_placeholder);
		}
		else
		{
			char	   *key = col_asset_key(st, f->asset_kind, f->asset_key);

			if (key[0] == '\0')
				st->no_asset++;
			st->cols[C_ASSET_KEY][i] = key;
		}
		st->cols[C_ASSET_KIND][i] = col_str(st, f->asset_kind);
		st->cols[C_ASSET_NAME][i] = col_nonempty(st, f->asset_name);
	}
	else
	{
		st->cols[C_ASSET_KIND][i] = NULL;
		st->cols[C_ASSET_KEY][i] = NULL;
		st->cols[C_ASSET_NAME][i] = NULL;
	}

	st->cols[C_KIND][i] = col_str(st, f->kind);
	st->cols[C_RULE_ID][i] = col_str(st, f->rule_id);
	if (f->naliases > 0)
	{
		resetStringInfo(&st->buf);
		for (int a = 0; a < f->naliases; a++)
		{
			if (a > 0)
				appendStringInfoChar(&st->buf, '\x1f');
			appendStringInfoString(&st->buf, f->aliases[a]);
		}
		st->cols[C_ALIASES][i] = col_dup(st, st->buf.data, st->buf.len);
	}
	else
		st->cols[C_ALIASES][i] = NULL;
	st->cols[C_TITLE][i] = col_nonempty(st, f->title);
	st->cols[C_SEVERITY][i] = col_str(st, f->severity);

	/* a vector that does not parse is kept in details, never fatal */
	if (f->cvss_vector != NULL && f->cvss_vector[0] != '\0')
	{
		CtemCvss	c;

		if (ctem_cvss_parse(f->cvss_vector, strlen(f->cvss_vector), &c, NULL))
		{
			char		vec[CTEM_CVSS_MAX_TEXT];

			ctem_cvss_format(&c, vec, sizeof(vec));
			cvss = col_str(st, vec);
		}
		else
			cvss_invalid = cut_invalid(f->cvss_vector);
	}
	st->cols[C_CVSS][i] = cvss;
	st->cols[C_COMPONENT][i] = component_name(st, f);
	st->cols[C_COMPONENT_VERSION][i] = col_nonempty(st, f->component_version);
	st->cols[C_LOCATION][i] = col_nonempty(st, f->location);
	st->cols[C_FIXED_VERSION][i] = col_nonempty(st, f->fixed_version);
	st->cols[C_TOOL][i] = col_str(st, f->tool);
	st->cols[C_STATUS][i] = col_str(st, f->suppressed ? "false_positive" : "open");
	st->details[i] = finding_details(st, f, cvss_invalid, st->given_asset != 0);

	MemoryContextSwitchTo(old);
	if (st->n == INGEST_FLUSH)
		flush_batch(st);
	return 0;
}

/*
 * The array parameters of the statements are built here rather than with
 * construct_md_array(), into buffers kept for the whole call
 * (st->abuf[slot]: the batched statements use slot 1 for ids and 2 + c for
 * column c, the other statements slots 1 to 3; the arrays of one statement
 * use distinct slots).  A batch's arrays are megabytes: made and freed for
 * every statement, they went back to malloc, which returned them to the
 * kernel, and the next statement's faulted them in again page by page (on
 * a virtual machine a first touch of a page can cost more than the work
 * done on it).  The layout is that of construct_md_array() for one
 * dimension, padding zeroed.
 */
pg_noreturn static void array_too_large(void);

static void
array_too_large(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("array size exceeds the maximum allowed (%d)", (int) MaxAllocSize),
			 errhint("Split the report into smaller ones.")));
}

static char *
array_buffer(IngestState *st, int slot, Size len)
{
	Assert(slot >= 0 && slot < lengthof(st->abuf));
	if (!AllocSizeIsValid(len))
		array_too_large();
	if (st->abuf[slot].size < len)
	{
		/* a quarter more than asked: the next batch's may be a little larger */
		Size		size = Min(len + len / 4, MaxAllocSize);

		if (st->abuf[slot].data != NULL)
			pfree(st->abuf[slot].data);
		st->abuf[slot].data = NULL;
		st->abuf[slot].size = 0;
		st->abuf[slot].data = MemoryContextAlloc(st->cxt, size);
		st->abuf[slot].size = size;
	}
	return st->abuf[slot].data;
}

/* the header of a one-dimensional array of n elements in buffer slot */
static ArrayType *
array_start(IngestState *st, int slot, Oid elemtype, int n, bool hasnull, Size nbytes)
{
	Size		hdr = hasnull ? ARR_OVERHEAD_WITHNULLS(1, n) : ARR_OVERHEAD_NONULLS(1);
	ArrayType  *a;

	if ((Size) n > MaxArraySize || nbytes > MaxAllocSize - hdr)
		array_too_large();
	a = (ArrayType *) array_buffer(st, slot, hdr + nbytes);
	memset(a, 0, hdr);
	SET_VARSIZE(a, hdr + nbytes);
	a->ndim = 1;
	a->dataoffset = hasnull ? (int32) hdr : 0;
	a->elemtype = elemtype;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	return a;
}

/*
 * An array of varlena elements (typalign 'i': text, jsonb) in buffer slot:
 * element k is vals[idx[k]] (vals[k] without idx), at hdroff bytes past its
 * varlena header (VARHDRSZ for a collected value, 0 for a Jsonb); NULL is
 * SQL NULL.  The values are plain (made by this file, never toasted).
 */
static Datum
varlena_array(IngestState *st, int slot, Oid elemtype, void *const *vals,
			  Size hdroff, int n, const int *idx)
{
	Size		nbytes = 0;
	bool		hasnull = false;
	ArrayType  *a;
	bits8	   *bitmap;
	char	   *p;

	if (n == 0)
		return PointerGetDatum(construct_empty_array(elemtype));
	for (int k = 0; k < n; k++)
	{
		char	   *v = vals[idx ? idx[k] : k];

		if (v == NULL)
			hasnull = true;
		else
		{
			Assert(VARATT_IS_4B_U(v - hdroff));
			nbytes += INTALIGN(VARSIZE(v - hdroff));
			if (nbytes > MaxAllocSize)
				array_too_large();
		}
	}
	a = array_start(st, slot, elemtype, n, hasnull, nbytes);
	bitmap = ARR_NULLBITMAP(a);
	p = ARR_DATA_PTR(a);
	for (int k = 0; k < n; k++)
	{
		char	   *v = vals[idx ? idx[k] : k];
		Size		len;

		if (v == NULL)
			continue;
		if (bitmap != NULL)
			bitmap[k / 8] |= 1 << (k % 8);
		len = VARSIZE(v - hdroff);
		memcpy(p, v - hdroff, len);
		memset(p + len, 0, INTALIGN(len) - len);
		p += INTALIGN(len);
	}
	Assert(p == (char *) a + VARSIZE(a));
	return PointerGetDatum(a);
}

/* a text[] of collected values (a column of the batch, or a subset: idx) */
static Datum
text_array(IngestState *st, int slot, char **vals, int n, const int *idx)
{
	return varlena_array(st, slot, TEXTOID, (void *const *) vals, VARHDRSZ, n, idx);
}

/* a jsonb[] of the details of the batch's findings idx[] */
static Datum
jsonb_array(IngestState *st, int slot, Jsonb **vals, int n, const int *idx)
{
	return varlena_array(st, slot, JSONBOID, (void *const *) vals, 0, n, idx);
}

/* a bigint[] of vals[0 .. n - 1] */
static Datum
int8_array(IngestState *st, int slot, const int64 *vals, int n)
{
	ArrayType  *a;

	if (n == 0)
		return PointerGetDatum(construct_empty_array(INT8OID));
	a = array_start(st, slot, INT8OID, n, false, sizeof(int64) * (Size) n);
	memcpy(ARR_DATA_PTR(a), vals, sizeof(int64) * (Size) n);
	return PointerGetDatum(a);
}

/* a uuid[] of *vals[0 .. n - 1] */
static Datum
uuid_array(IngestState *st, int slot, pg_uuid_t **vals, int n)
{
	ArrayType  *a;
	char	   *p;

	if (n == 0)
		return PointerGetDatum(construct_empty_array(UUIDOID));
	a = array_start(st, slot, UUIDOID, n, false, (Size) UUID_LEN * n);
	p = ARR_DATA_PTR(a);
	for (int k = 0; k < n; k++)
		memcpy(p + (Size) UUID_LEN * k, vals[k]->data, UUID_LEN);
	return PointerGetDatum(a);
}

/* a message without its final period, to continue the sentence */
static char *
sentence_body(const char *msg)
{
	char	   *s = pstrdup(msg);
	size_t		n = strlen(s);

	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static void
report_error(const CtemReportError *err, const char *format, bool declared)
{
	/* they may quote the report, which is UTF-8 */
	const char *message = ctem_utf8_to_db_lenient(err->message, strlen(err->message), NULL);
	const char *path = ctem_utf8_to_db_lenient(err->path, strlen(err->path), NULL);

	switch (err->code)
	{
		case CTEM_REPORT_EMALFORMED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid JSON input"),
					 errdetail("%s at line %d, column %d.", sentence_body(message),
							   err->line, err->column),
					 errhint("The report must be the JSON (or JSON Lines) output of a supported scanner.")));
			break;
		case CTEM_REPORT_EUNDETECTED:
			if (declared)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the report is not a %s report", format),
						 errdetail("%s", message),
						 errhint("Pass format => NULL to detect the format, or one of: %s.",
								 ctem_report_supported_formats())));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("could not detect the format of the report"),
					 errdetail("%s", message),
					 errhint("Pass the format explicitly; supported formats: %s.",
							 ctem_report_supported_formats())));
			break;
		case CTEM_REPORT_EMISSING:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid %s report: missing or malformed value at %s",
							format, path[0] ? path : "$"),
					 errdetail("%s", message),
					 errhint("Check that the report is complete and was produced by a supported version of the tool.")));
			break;
		case CTEM_REPORT_EREPORTED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the %s report is an error report, not a scan result", format),
					 errdetail("%s", message),
					 errhint("Fix the scan and ingest its output again.")));
			break;
		case CTEM_REPORT_ENOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory while parsing the report")));
			break;
		default:
			elog(ERROR, "report parser failed: %s", message);
	}
}

/*
 * Parse the report into st's columns; the callback writes each full batch
 * (flush_batch) while the parse goes on.  The core allocates in the
 * current memory context (st->cxt), so their memory goes on ERROR too,
 * also on one raised by a batch's statements; the allocator hook is reset
 * whatever happens.
 */
static void
parse_report(IngestState *st, text *report, CtemReportFormat fmt,
			 CtemReportStats *stats)
{
	CtemReportError err;
	size_t		len;
	const char *json = ctem_text_to_utf8(VARDATA_ANY(report),
										 VARSIZE_ANY_EXHDR(report), &len);

	ctem_core_use_palloc(true);
	PG_TRY();
	{
		if (!ctem_report_parse_ex(json, len, fmt, collect_finding, st, stats, &err))
			report_error(&err, ctem_report_format_name(fmt != CTEM_FMT_UNKNOWN ? fmt :
													   stats->detected),
						 fmt != CTEM_FMT_UNKNOWN);
	}
	PG_FINALLY();
	{
		ctem_core_use_palloc(false);
	}
	PG_END_TRY();
}

static int64 first_int8(int col);

/*
 * Run sql once per batch of at most INGEST_BATCH findings: $1 the tenant,
 * $2 ids[b..] (bigint[]), $3.. the columns cols[] (text[], jsonb[] for the
 * details) of findings idx[b..] of the batch.  Small batches keep the arrays
 * small.  *planp is prepared on first use, with a generic plan (a custom
 * plan would copy every array into the plan as a constant), and kept for
 * the call's other flushes.  Returns the sum of the first column of the
 * results.
 */
static int64
exec_batched(const char *sql, SPIPlanPtr *planp, const int64 *ids, const int *idx,
			 int n, IngestState *st, const int *cols, int ncols)
{
	Oid			types[2 + NCOLS];
	Datum		vals[2 + NCOLS];
	int64		total = 0;

	if (*planp == NULL)
	{
		types[0] = INT4OID;
		types[1] = INT8ARRAYOID;
		for (int c = 0; c < ncols; c++)
			types[2 + c] = cols[c] == C_DETAILS ? JSONBARRAYOID : TEXTARRAYOID;
		*planp = SPI_prepare_cursor(sql, 2 + ncols, types, CURSOR_OPT_GENERIC_PLAN);
		if (*planp == NULL)
			elog(ERROR, "ctem.ingest: could not prepare (%s): %s",
				 SPI_result_code_string(SPI_result), sql);
	}
	for (int b = 0; b < n; b += INGEST_BATCH)
	{
		int			m = Min(INGEST_BATCH, n - b);
		int			rc;

		/* buffers by column, so that the statements share the large ones */
		vals[0] = Int32GetDatum(st->tenant);
		vals[1] = int8_array(st, 1, ids + b, m);
		for (int c = 0; c < ncols; c++)
			vals[2 + c] = cols[c] == C_DETAILS ?
				jsonb_array(st, 2 + cols[c], st->details, m, idx + b) :
				text_array(st, 2 + cols[c], st->cols[cols[c]], m, idx + b);
		rc = SPI_execute_plan(*planp, vals, NULL, false, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "ctem.ingest: statement failed (%s): %s",
				 SPI_result_code_string(rc), sql);
		total += first_int8(1);
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
	}
	return total;
}

/*
 * Run sql once with the given parameters, planned for their values (the
 * lookup of known exposures is better for it: with a generic plan it was
 * no faster and took more instructions; docs/performance.md)
 */
static void
exec_params(const char *sql, int nargs, Oid *types, Datum *values, int expected)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, NULL,
										   false, 0);

	if (rc != expected)
		elog(ERROR, "ctem.ingest: statement failed (%s): %s",
			 SPI_result_code_string(rc), sql);
}

static int64
first_int8(int col)
{
	bool		isnull;
	Datum		d;

	if (SPI_processed < 1)
		return 0;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

#define UPSERT_ASSETS_SQL \
	"INSERT INTO ctem.asset AS a (tenant_id, kind, natural_key, name) " \
	"SELECT $1, u.k::ctem.asset_kind, u.key, u.name " \
	"FROM ROWS FROM (pg_catalog.unnest($2::text[]), pg_catalog.unnest($3::text[]), " \
	"pg_catalog.unnest($4::text[])) AS u(k, key, name) " \
	"ORDER BY u.k COLLATE pg_catalog.\"C\", u.key COLLATE pg_catalog.\"C\" " \
	"ON CONFLICT ON CONSTRAINT asset_natural_key_unique DO UPDATE " \
	"SET last_seen = GREATEST(a.last_seen, pg_catalog.now()), " \
	"name = COALESCE(a.name, excluded.name) " \
	"RETURNING a.id, a.kind::text, a.natural_key, (a.xmax OPERATOR(pg_catalog.=) 0)"

#define PRESTATE_SQL \
	"SELECT e.fingerprint, e.id, e.status OPERATOR(pg_catalog.=) 'fixed' " \
	"FROM ctem.exposure e WHERE e.tenant_id OPERATOR(pg_catalog.=) $1 " \
	"AND e.fingerprint OPERATOR(pg_catalog.=) ANY ($2::uuid[])"

/*
 * The statements below take their rows from the arrays unnested in a select
 * list (a ProjectSet), not in FROM: a function scan would first copy every
 * row into a tuplestore, spilled to a temporary file past work_mem; the
 * select list streams them, in array order.  INSERT_SQL and INSERT_NEW_SQL
 * keep that order (nothing in their plans sorts or joins), so the first
 * finding of a problem the report names twice is inserted and the later
 * ones merge into it.
 */

/* re-detection of known exposures: the same SET as the trigger's merge */
#define REDETECT_SQL \
	"WITH upd AS (UPDATE ctem.exposure e SET " CTEM_MERGE_SET_SQL " " \
	"FROM (SELECT u.id, pg_catalog.now() AS last_seen, ARRAY[u.tool] AS sources, " \
	"COALESCE(pg_catalog.string_to_array(u.aliases, E'\\x1f'), '{}') AS aliases, u.title, " \
	"u.severity::ctem.severity AS severity, u.cvss::ctem.cvss AS cvss, u.component_version, " \
	"u.fixed_version, u.details " \
	"FROM (SELECT pg_catalog.unnest($2::bigint[]) AS id, pg_catalog.unnest($3::text[]) AS tool, " \
	"pg_catalog.unnest($4::text[]) AS aliases, pg_catalog.unnest($5::text[]) AS title, " \
	"pg_catalog.unnest($6::text[]) AS severity, pg_catalog.unnest($7::text[]) AS cvss, " \
	"pg_catalog.unnest($8::text[]) AS component_version, " \
	"pg_catalog.unnest($9::text[]) AS fixed_version, " \
	"pg_catalog.unnest($10::jsonb[]) AS details) AS u) n " \
	"WHERE e.tenant_id OPERATOR(pg_catalog.=) $1 AND e.id OPERATOR(pg_catalog.=) n.id " \
	"RETURNING 1) SELECT pg_catalog.count(*) FROM upd"

/* the INSERT of new problems, completed by INSERT_SQL and INSERT_NEW_SQL */
#define INSERT_ROWS_SQL \
	"INSERT INTO ctem.exposure AS e (tenant_id, asset_id, kind, rule_id, aliases, " \
	"title, severity, cvss, component, component_version, location, fixed_version, " \
	"sources, status, details) " \
	"SELECT $1, u.asset_id, u.kind::ctem.exposure_kind, u.rule_id, " \
	"COALESCE(pg_catalog.string_to_array(u.aliases, E'\\x1f'), '{}'), u.title, " \
	"u.severity::ctem.severity, u.cvss::ctem.cvss, u.component, u.component_version, " \
	"u.location, u.fixed_version, ARRAY[u.tool], u.status::ctem.exposure_status, " \
	"u.details " \
	"FROM (SELECT pg_catalog.unnest($2::bigint[]) AS asset_id, pg_catalog.unnest($3::text[]) AS kind, " \
	"pg_catalog.unnest($4::text[]) AS rule_id, pg_catalog.unnest($5::text[]) AS aliases, " \
	"pg_catalog.unnest($6::text[]) AS title, pg_catalog.unnest($7::text[]) AS severity, " \
	"pg_catalog.unnest($8::text[]) AS cvss, pg_catalog.unnest($9::text[]) AS component, " \
	"pg_catalog.unnest($10::text[]) AS component_version, pg_catalog.unnest($11::text[]) AS location, " \
	"pg_catalog.unnest($12::text[]) AS fixed_version, pg_catalog.unnest($13::text[]) AS tool, " \
	"pg_catalog.unnest($14::text[]) AS status, pg_catalog.unnest($15::jsonb[]) AS details) AS u "

/*
 * On assets that existed before the call: ON CONFLICT merges what a
 * concurrent ingest inserted meanwhile.
 */
#define INSERT_SQL \
	"WITH ins AS (" INSERT_ROWS_SQL \
	"ON CONFLICT (tenant_id, fingerprint) DO UPDATE SET " CTEM_MERGE_SET("excluded") " " \
	"RETURNING (e.xmax OPERATOR(pg_catalog.=) 0) AS inserted) " \
	"SELECT pg_catalog.count(*) FILTER (WHERE inserted) FROM ins"

/*
 * On assets this call created: no other transaction can see such an asset
 * until this one commits, and the exposure trigger refuses a row whose asset
 * it cannot see, so nothing but this call can have inserted a fingerprint
 * of one (a fingerprint hashes its asset id).  The speculative insertion of
 * ON CONFLICT (an extra probe of the fingerprint index and a lock per row)
 * is not needed; the trigger still merges the report's own repeats.  This
 * holds while the trigger runs: a writer with triggers off (replica mode,
 * a restore) that inserts a fingerprint of the new asset first makes this
 * INSERT fail on the unique index (the call then leaves nothing behind)
 * instead of merging into it.
 */
#define INSERT_NEW_SQL \
	"WITH ins AS (" INSERT_ROWS_SQL "RETURNING 1) SELECT pg_catalog.count(*) FROM ins"

/*
 * The exposures a batch may change are those of the assets it names that
 * existed before the call (re-detections, reopenings, the resolve of step
 * 4): lock them all first, in id order, the order every writer of several
 * existing exposures follows (docs/architecture.md, "Locks"); the later
 * statements then wait for no other writer on them.
 */
#define LOCK_SQL \
	"SELECT pg_catalog.count(*) FROM (SELECT 1 FROM ctem.exposure e " \
	"WHERE e.tenant_id OPERATOR(pg_catalog.=) $1 " \
	"AND e.asset_id OPERATOR(pg_catalog.=) ANY ($2::bigint[]) " \
	"ORDER BY e.id FOR NO KEY UPDATE OF e) l"

#define RESOLVE_SQL \
	"WITH scope AS (SELECT DISTINCT s.asset_id, s.tool " \
	"FROM ROWS FROM (pg_catalog.unnest($2::bigint[]), pg_catalog.unnest($3::text[])) " \
	"AS s(asset_id, tool)), " \
	"gone AS (UPDATE ctem.exposure e " \
	"SET sources = pg_catalog.array_remove(e.sources, scope.tool), " \
	"status = CASE WHEN pg_catalog.array_remove(e.sources, scope.tool) OPERATOR(pg_catalog.=) '{}'::text[] " \
	"THEN 'fixed'::ctem.exposure_status ELSE e.status END " \
	"FROM scope WHERE e.tenant_id OPERATOR(pg_catalog.=) $1 " \
	"AND e.asset_id OPERATOR(pg_catalog.=) scope.asset_id " \
	"AND scope.tool OPERATOR(pg_catalog.=) ANY (e.sources) " \
	"AND e.status OPERATOR(pg_catalog.=) ANY ('{open,in_progress}'::ctem.exposure_status[]) " \
	"AND e.fingerprint OPERATOR(pg_catalog.<>) ALL ($4::uuid[]) " \
	"RETURNING e.status) " \
	"SELECT pg_catalog.count(*) FILTER (WHERE gone.status OPERATOR(pg_catalog.=) 'fixed') FROM gone"

/* LOCK_SQL over the assets of n findings that existed before the call */
static void
lock_exposures(IngestState *st, int n, const int64 *asset_ids, const bool *on_new)
{
	Datum	   *elems = palloc(sizeof(Datum) * n);
	int			m = 0;
	Oid			types[2] = {INT4OID, INT8ARRAYOID};
	Datum		vals[2];

	for (int i = 0; i < n; i++)
		if (!on_new[i] && (m == 0 || DatumGetInt64(elems[m - 1]) != asset_ids[i]))
			elems[m++] = Int64GetDatum(asset_ids[i]);
	if (m == 0)
		return;
	vals[0] = Int32GetDatum(st->tenant);
	vals[1] = PointerGetDatum(construct_array(elems, m, INT8OID, sizeof(int64),
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	exec_params(LOCK_SQL, 2, types, vals, SPI_OK_SELECT);
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Split the n findings of the batch, whose fingerprints are fps[]: one on
 * an asset the call created (on_new[]; its fps[i] is NULL) is new, as no
 * exposure can exist there, and so is one whose fingerprint the report
 * named before (the insert path merges it, so its tool and aliases are not
 * lost); any other is a known exposure if PRESTATE_SQL (run here for those
 * only) finds it, with its id, and new otherwise.  Counts the known
 * exposures that are fixed and will be reopened.  Order is kept: known[]
 * and fresh[] are ascending.
 */
static void
split_known(IngestState *st, int n, pg_uuid_t **fps, const bool *on_new,
			int *known, int *nknown, int64 *known_ids, int *fresh, int *nfresh)
{
	HTAB	   *map = NULL;
	bool	   *lookup = palloc(sizeof(bool) * n);
	pg_uuid_t **firsts = palloc(sizeof(pg_uuid_t *) * n);
	int			nfirst = 0;
	typedef struct KnownEntry
	{
		pg_uuid_t	fp;
		int64		id;
	} KnownEntry;

	for (int i = 0; i < n; i++)
	{
		bool		found;

		lookup[i] = false;
		if (on_new[i])
			continue;
		(void) hash_search(st->seen, fps[i], HASH_ENTER, &found);
		if (!found)
		{
			lookup[i] = true;
			firsts[nfirst++] = fps[i];
		}
	}
	if (nfirst > 0)
	{
		Oid			types[2] = {INT4OID, UUIDARRAYOID};
		Datum		vals[2];

		vals[0] = Int32GetDatum(st->tenant);
		vals[1] = uuid_array(st, 1, firsts, nfirst);
		exec_params(PRESTATE_SQL, 2, types, vals, SPI_OK_SELECT);
		map = ctem_hash_create("ctem ingest known", Max(SPI_processed, 16),
							   sizeof(pg_uuid_t), sizeof(KnownEntry), HASH_BLOBS,
							   CurrentMemoryContext);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	td = SPI_tuptable->tupdesc;
			bool		isnull;
			pg_uuid_t  *fp = DatumGetUUIDP(SPI_getbinval(tup, td, 1, &isnull));
			KnownEntry *e = hash_search(map, fp, HASH_ENTER, NULL);

			e->id = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
			if (DatumGetBool(SPI_getbinval(tup, td, 3, &isnull)))
				st->reopened++;
		}
		SPI_freetuptable(SPI_tuptable);
	}
	*nknown = 0;
	*nfresh = 0;
	for (int i = 0; i < n; i++)
	{
		KnownEntry *e = (!lookup[i] || map == NULL) ? NULL :
			hash_search(map, fps[i], HASH_FIND, NULL);

		if (e == NULL)
			fresh[(*nfresh)++] = i;
		else
		{
			known_ids[*nknown] = e->id;
			known[(*nknown)++] = i;
		}
	}
}

/*
 * The distinct assets a report names, by "kind/key" (a kind has no "/").
 * The key is a pointer to a copy in st->cxt, so an entry is as small as the
 * key, not as long as the longest one allowed.
 */
typedef struct AssetEntry
{
	char	   *key;
	int64		id;
	bool		created;		/* by this call */
} AssetEntry;

/* the longest "kind/key" accepted */
#define ASSET_KEY_MAX 1023

static uint32
asset_key_hash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
asset_key_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

/* the entry of "kind/key" k in st->assets; with enter, made if new */
static AssetEntry *
asset_entry(IngestState *st, const char *k, bool enter, bool *found)
{
	AssetEntry *e = hash_search(st->assets, &k, enter ? HASH_ENTER : HASH_FIND, found);

	if (enter && !*found)
	{
		e->key = MemoryContextStrdup(st->cxt, k);	/* k is the caller's */
		e->id = 0;
		e->created = false;
	}
	return e;
}

/* an (asset, tool) pair of step 4: tool numbers index IngestState.tools */
typedef struct ScopeKey
{
	int64		asset_id;
	int32		tool;
} ScopeKey;

/* finding i of the batch's asset as the key of st->assets, into k */
static void
asset_entry_key(IngestState *st, int i, StringInfo k)
{
	resetStringInfo(k);
	appendStringInfo(k, "%s/%s", st->cols[C_ASSET_KIND][i], st->cols[C_ASSET_KEY][i]);
	if (k->len > ASSET_KEY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("asset key of finding %ld is too long (%d bytes)",
						st->total - st->n + i + 1, k->len),
				 errdetail("ctem.ingest accepts an asset kind and natural key of at most %d bytes together.",
						   ASSET_KEY_MAX),
				 errhint("Check the host, image, repository or resource name the report gives for this finding.")));
}

/*
 * Once, before the first batch is written (or at the end of an empty
 * report): check the asset the caller named, open the scoring share for the
 * batches, and say in the history why exposures change.
 */
static void
ingest_start(IngestState *st)
{
	char		note[128];

	if (st->started)
		return;
	st->started = true;
	if (st->given_asset != 0)
	{
		Oid			types[2] = {INT4OID, INT8OID};
		Datum		vals[2] = {Int32GetDatum(st->tenant), Int64GetDatum(st->given_asset)};

		exec_params("UPDATE ctem.asset SET last_seen = GREATEST(last_seen, pg_catalog.now()) "
					"WHERE tenant_id OPERATOR(pg_catalog.=) $1 AND id OPERATOR(pg_catalog.=) $2",
					2, types, vals, SPI_OK_UPDATE);
		if (SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("asset %lld does not exist in tenant %d",
							(long long) st->given_asset, st->tenant),
					 errhint("Create it first, e.g. with ctem.ensure_asset(kind, natural_key).")));
	}
	/* the batches score with one shared context */
	st->share_created = ctem_share_begin(st->cxt);
	snprintf(note, sizeof(note), "re-detected by a %s report",
			 ctem_report_format_name(st->fmt));
	set_config_option("ctem.event_note", note, PGC_USERSET, PGC_S_SESSION,
					  GUC_ACTION_LOCAL, true, 0, false);
}

/*
 * Step 1 for the n findings of the batch: their asset ids into asset_ids[],
 * upserting the assets the report names for the first time; on_new[i] says
 * whether finding i's asset was created by this call.
 */
static void
batch_assets(IngestState *st, int n, int64 *asset_ids, bool *on_new)
{
	int		   *firsts;
	int			nfirst = 0;
	AssetEntry **entries;
	StringInfoData k;

	if (st->given_asset != 0)
	{
		for (int i = 0; i < n; i++)
		{
			asset_ids[i] = st->given_asset;
			on_new[i] = false;
		}
		return;
	}
	initStringInfo(&k);
	firsts = palloc(sizeof(int) * n);
	entries = palloc(sizeof(AssetEntry *) * n);	/* entries do not move */
	for (int i = 0; i < n; i++)
	{
		bool		found;

		asset_entry_key(st, i, &k);
		entries[i] = asset_entry(st, k.data, true, &found);
		if (!found)
			firsts[nfirst++] = i;
	}
	if (nfirst > 0)
	{
		Oid			types[4] = {INT4OID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
		Datum		vals[4];

		vals[0] = Int32GetDatum(st->tenant);
		vals[1] = text_array(st, 1, st->cols[C_ASSET_KIND], nfirst, firsts);
		vals[2] = text_array(st, 2, st->cols[C_ASSET_KEY], nfirst, firsts);
		vals[3] = text_array(st, 3, st->cols[C_ASSET_NAME], nfirst, firsts);
		exec_params(UPSERT_ASSETS_SQL, 4, types, vals, SPI_OK_INSERT_RETURNING);
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	td = SPI_tuptable->tupdesc;
			bool		isnull;
			AssetEntry *e;

			resetStringInfo(&k);
			appendStringInfo(&k, "%s/%s", SPI_getvalue(tup, td, 2), SPI_getvalue(tup, td, 3));
			e = asset_entry(st, k.data, false, NULL);
			if (e == NULL)
				elog(ERROR, "ctem.ingest: asset \"%s\" came back under another key", k.data);
			e->id = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
			if (DatumGetBool(SPI_getbinval(tup, td, 4, &isnull)))
			{
				e->created = true;
				st->assets_created++;
			}
		}
		SPI_freetuptable(SPI_tuptable);

		/*
		 * assets the scoring share may not know: created now, or by another
		 * transaction since the share read the tenant's assets
		 */
		ctem_score_assets_added();
	}
	for (int i = 0; i < n; i++)
	{
		if (entries[i]->id == 0)
			elog(ERROR, "ctem.ingest: no id for asset \"%s\"", entries[i]->key);
		asset_ids[i] = entries[i]->id;
		on_new[i] = entries[i]->created;
	}
}

/*
 * The (asset, tool) pairs of n findings into st->scope, for step 4, but not
 * those on assets the call created (on_new[], or NULL): every exposure there
 * is one the report named.
 */
static void
remember_scope(IngestState *st, int n, const int64 *asset_ids, const bool *on_new,
			   char **tools)
{
	int			t = -1;

	for (int i = 0; i < n; i++)
	{
		const char *tool = tools[i];
		ScopeKey	key;

		if (on_new != NULL && on_new[i])
			continue;

		/* consecutive findings mostly share asset and tool: entered already */
		if (t >= 0 && asset_ids[i] == asset_ids[i - 1] && strcmp(st->tools[t], tool) == 0)
			continue;
		if (t < 0 || strcmp(st->tools[t], tool) != 0)
		{
			for (t = 0; t < st->ntools; t++)
				if (strcmp(st->tools[t], tool) == 0)
					break;
			if (t == st->ntools)
			{
				MemoryContext old = MemoryContextSwitchTo(st->cxt);

				st->tools = st->tools == NULL ? palloc(sizeof(char *)) :
					repalloc(st->tools, sizeof(char *) * (st->ntools + 1));
				st->tools[st->ntools++] = col_keep(tool);
				MemoryContextSwitchTo(old);
			}
		}
		memset(&key, 0, sizeof(key));	/* padding too: hashed as bytes */
		key.asset_id = asset_ids[i];
		key.tool = t;
		(void) hash_search(st->scope, &key, HASH_ENTER, NULL);
	}
}

/*
 * Write the collected batch (steps 1 to 3) and reuse its memory.  After a
 * finding that names no asset, nothing more is written: the call fails once
 * the report is read (ctem_ingest says how many findings lack one).
 */
static void
flush_batch(IngestState *st)
{
	int			n = st->n;

	if (n > 0 && st->no_asset == 0)
	{
		MemoryContext old;
		int64	   *asset_ids;
		bool	   *on_new;
		pg_uuid_t **fps;
		int		   *known;
		int		   *fresh;
		int64	   *known_ids;
		int			nknown;
		int			nfresh;
		static const int cols[13] = {
			C_KIND, C_RULE_ID, C_ALIASES, C_TITLE, C_SEVERITY, C_CVSS, C_COMPONENT,
			C_COMPONENT_VERSION, C_LOCATION, C_FIXED_VERSION, C_TOOL, C_STATUS, C_DETAILS
		};
		static const int ucols[8] = {
			C_TOOL, C_ALIASES, C_TITLE, C_SEVERITY, C_CVSS, C_COMPONENT_VERSION,
			C_FIXED_VERSION, C_DETAILS
		};

		ingest_start(st);
		old = MemoryContextSwitchTo(st->flushcxt);

		/* 1. assets */
		asset_ids = palloc(sizeof(int64) * n);
		on_new = palloc(sizeof(bool) * n);
		batch_assets(st, n, asset_ids, on_new);

		/*
		 * fingerprints, as the trigger computes them, of the findings on
		 * assets that existed (the others need none: see split_known)
		 */
		fps = palloc0(sizeof(pg_uuid_t *) * n);
		for (int i = 0; i < n; i++)
		{
			if (on_new[i])
				continue;
			fps[i] = ctem_fingerprint(asset_ids[i], st->cols[C_KIND][i],
									  ctem_canonical_rule_id_text(COL_TEXT(st->cols[C_RULE_ID][i])),
									  st->cols[C_COMPONENT][i] ? COL_TEXT(st->cols[C_COMPONENT][i]) : NULL,
									  st->cols[C_LOCATION][i] ? COL_TEXT(st->cols[C_LOCATION][i]) : NULL);
			if ((i & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		if (st->full_scan)
			remember_scope(st, n, asset_ids, on_new, st->cols[C_TOOL]);
		lock_exposures(st, n, asset_ids, on_new);

		/*
		 * 2. which findings are known exposures (one update each, from the
		 * first finding that names it) and which are new
		 */
		known = palloc(sizeof(int) * n);
		known_ids = palloc(sizeof(int64) * n);
		fresh = palloc(sizeof(int) * n);
		split_known(st, n, fps, on_new, known, &nknown, known_ids, fresh, &nfresh);
		st->matched += nknown;

		/* 3a. re-detections, set-based, through the same merge as the trigger's */
		if (nknown > 0)
			(void) exec_batched(REDETECT_SQL, &st->redetect_plan, known_ids, known,
								nknown, st, ucols, lengthof(ucols));

		/*
		 * 3b. new problems; the trigger merges repeats within the report.
		 * Those on assets that existed go through ON CONFLICT, which merges
		 * what a concurrent ingest inserted meanwhile; those on assets the
		 * call created cannot meet one (INSERT_NEW_SQL).  A fingerprint
		 * hashes its asset, so a problem's repeats are all in one of the
		 * two, in report order.
		 */
		if (nfresh > 0)
		{
			int64	   *fresh_assets = palloc(sizeof(int64) * nfresh);
			int		   *idx = palloc(sizeof(int) * nfresh);
			int			nold = 0;
			int			nnew = 0;

			/* old first, then new, each in report order */
			for (int pass = 0; pass < 2; pass++)
				for (int k = 0; k < nfresh; k++)
				{
					int			i = fresh[k];

					if (on_new[i] != (pass == 1))
						continue;
					fresh_assets[nold + nnew] = asset_ids[i];
					idx[nold + nnew] = i;
					if (pass == 0)
						nold++;
					else
						nnew++;
				}
			if (nold > 0)
				st->inserted += exec_batched(INSERT_SQL, &st->insert_plan, fresh_assets,
											 idx, nold, st, cols, lengthof(cols));
			if (nnew > 0)
				st->inserted += exec_batched(INSERT_NEW_SQL, &st->insert_new_plan,
											 fresh_assets + nold, idx + nold, nnew,
											 st, cols, lengthof(cols));
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(st->flushcxt);
	}
	MemoryContextReset(st->batch);
	value_rewind(st);
	st->n = 0;
}

/*
 * Step 4: open exposures of the scanned (asset, tool) pairs whose
 * fingerprint the report did not name lose the tool, and are fixed when no
 * source is left.  Returns how many were fixed.  The pairs and the
 * fingerprints leave out the assets the call created: a report of new
 * assets only has nothing to resolve.
 */
static int64
resolve_missing(IngestState *st)
{
	Oid			types[4] = {INT4OID, INT8ARRAYOID, TEXTARRAYOID, UUIDARRAYOID};
	Datum		vals[4];
	long		npairs = hash_get_num_entries(st->scope);
	long		nfps = hash_get_num_entries(st->seen);
	int64	   *ids;
	char	  **tools;
	pg_uuid_t **fps;
	HASH_SEQ_STATUS hs;
	ScopeKey   *sk;
	pg_uuid_t  *fp;
	long		k = 0;
	char		note[128];

	if (npairs == 0)
		return 0;
	ids = palloc(sizeof(int64) * npairs);
	tools = palloc(sizeof(char *) * npairs);
	fps = palloc(sizeof(pg_uuid_t *) * Max(nfps, 1));
	hash_seq_init(&hs, st->scope);
	while ((sk = hash_seq_search(&hs)) != NULL)
	{
		ids[k] = sk->asset_id;
		tools[k++] = st->tools[sk->tool];
	}
	k = 0;
	hash_seq_init(&hs, st->seen);
	while ((fp = hash_seq_search(&hs)) != NULL)
		fps[k++] = fp;

	snprintf(note, sizeof(note), "not reported by a full %s scan",
			 ctem_report_format_name(st->fmt));
	set_config_option("ctem.event_note", note, PGC_USERSET, PGC_S_SESSION,
					  GUC_ACTION_LOCAL, true, 0, false);
	vals[0] = Int32GetDatum(st->tenant);
	vals[1] = int8_array(st, 1, ids, npairs);
	vals[2] = text_array(st, 2, tools, npairs, NULL);
	vals[3] = uuid_array(st, 3, fps, nfps);
	exec_params(RESOLVE_SQL, 4, types, vals, SPI_OK_SELECT);
	return first_int8(1);
}

/*
 * ctem.ingest(report text, format text, asset_id bigint, full_scan boolean
 *			   [, tenant_id integer]) -> ctem.ingest_result
 */
Datum
ctem_ingest(PG_FUNCTION_ARGS)
{
	text	   *report;
	CtemReportFormat fmt = CTEM_FMT_UNKNOWN;
	bool		full_scan = PG_ARGISNULL(3) ? true : PG_GETARG_BOOL(3);
	int32		tenant = (PG_NARGS() > 4 && !PG_ARGISNULL(4)) ? PG_GETARG_INT32(4) : 1;
	IngestState st;
	CtemReportStats stats;
	const char *format_name;
	int64		resolved = 0;
	TupleDesc	tupdesc;
	Datum		result[7];
	bool		rnulls[7] = {false};
	MemoryContext oldcxt;
	HASHCTL		ctl;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("report must not be NULL"),
				 errhint("Pass the scanner output as text, e.g. pg_read_file() or a client-side variable.")));
	ctem_tenant_check(tenant, false);
	report = PG_GETARG_TEXT_PP(0);

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "ctem.ingest must return a composite type");

	if (!PG_ARGISNULL(1))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));

		fmt = ctem_report_format_from_name(name);
		if (fmt == CTEM_FMT_UNKNOWN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown report format \"%s\"", name),
					 errhint("Supported formats: %s; or pass NULL to detect the format.",
							 ctem_report_supported_formats())));
	}
	if (tenant <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant_id must be positive, not %d", tenant)));

	memset(&st, 0, sizeof(st));
	memset(&stats, 0, sizeof(stats));
	st.cxt = AllocSetContextCreate(CurrentMemoryContext, "ctem ingest",
								   ALLOCSET_DEFAULT_SIZES);
	st.given_asset = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2);
	st.tenant = tenant;
	st.full_scan = full_scan;
	st.fmt = fmt;
	oldcxt = MemoryContextSwitchTo(st.cxt);
	for (int c = 0; c < NCOLS; c++)
		if (c != C_DETAILS)
			st.cols[c] = palloc(sizeof(char *) * INGEST_FLUSH);
	st.details = palloc(sizeof(Jsonb *) * INGEST_FLUSH);
	st.batch = AllocSetContextCreate(st.cxt, "ctem ingest batch",
									 ALLOCSET_DEFAULT_SIZES);
	st.flushcxt = AllocSetContextCreate(st.cxt, "ctem ingest flush",
										ALLOCSET_DEFAULT_SIZES);
	st.scratch = AllocSetContextCreate(st.cxt, "ctem ingest details",
									   ALLOCSET_SMALL_SIZES);
	st.convert = !ctem_db_is_utf8();
	if (st.convert)
		st.convcxt = AllocSetContextCreate(st.cxt, "ctem ingest convert",
										   ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(AssetEntry);
	ctl.hash = asset_key_hash;
	ctl.match = asset_key_match;
	ctl.hcxt = st.cxt;
	st.assets = hash_create("ctem ingest assets", 256, &ctl,
							HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	st.seen = ctem_hash_create("ctem ingest fingerprints", 256, sizeof(pg_uuid_t),
							   sizeof(pg_uuid_t), HASH_BLOBS, st.cxt);
	st.scope = ctem_hash_create("ctem ingest scope", 256, sizeof(ScopeKey), sizeof(ScopeKey),
								HASH_BLOBS, st.cxt);
	initStringInfo(&st.buf);
	MemoryContextSwitchTo(oldcxt);

	/*
	 * the scoring context lock, shared, before the first row lock (the
	 * asset upsert): no context change commits between the scoring of the
	 * call's rows and their commit (prioritize/context.c)
	 */
	ctem_context_lock(false);
	/* the batches are written while the report is read */
	ctem_spi_connect();
	/* attack-path refreshes wait for the end of the call: one, not one a batch */
	ctem_graph_refresh_defer();
	oldcxt = MemoryContextSwitchTo(st.cxt);
	parse_report(&st, report, fmt, &stats);
	MemoryContextSwitchTo(oldcxt);

	st.fmt = stats.detected != CTEM_FMT_UNKNOWN ? stats.detected : fmt;
	format_name = ctem_report_format_name(st.fmt);
	if (st.given_asset == 0 && st.no_asset > 0 && st.placeholder != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%ld of %ld findings of the %s report name no asset",
						st.no_asset, st.total, format_name),
				 errdetail("The report names \"%s\" as what was scanned: a placeholder or a path relative to where the scanner ran, which does not identify an asset.",
						   st.placeholder),
				 errhint("Pass the asset the report is about: ctem.ingest(report, asset_id => ctem.ensure_asset(kind, natural_key)).")));
	if (st.given_asset == 0 && st.no_asset > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%ld of %ld findings of the %s report name no asset",
						st.no_asset, st.total, format_name),
				 errdetail("The report does not say which host, image, repository or resource was scanned."),
				 errhint("Pass the asset the report is about: ctem.ingest(report, asset_id => ctem.ensure_asset(kind, natural_key)).")));

	flush_batch(&st);			/* the last batch */
	ingest_start(&st);			/* an empty report still checks asset_id */
	ctem_share_end(st.share_created);

	/* 4. what a full scan no longer reports */
	if (full_scan && st.total > 0)
		resolved = resolve_missing(&st);
	else if (full_scan && st.given_asset != 0 && st.fmt != CTEM_FMT_UNKNOWN &&
			 st.fmt != CTEM_FMT_SARIF)
	{
		/* an empty full scan of one asset: everything that tool saw is gone */
		char	   *tool = col_keep(format_name);

		remember_scope(&st, 1, &st.given_asset, NULL, &tool);
		resolved = resolve_missing(&st);
	}
	ctem_graph_refresh_run_deferred();
	set_config_option("ctem.event_note", "", PGC_USERSET, PGC_S_SESSION,
					  GUC_ACTION_LOCAL, true, 0, false);

	SPI_finish();

	result[0] = CStringGetTextDatum(format_name);
	result[1] = Int64GetDatum(st.assets_created);
	result[2] = Int64GetDatum(st.total);
	result[3] = Int64GetDatum(st.inserted);
	result[4] = Int64GetDatum(st.matched - st.reopened);
	result[5] = Int64GetDatum(st.reopened);
	result[6] = Int64GetDatum(resolved);
	MemoryContextDelete(st.cxt);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  result, rnulls)));
}

/* ctem.report_formats(): the names ctem.ingest accepts */
Datum
ctem_report_formats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (int f = CTEM_FMT_UNKNOWN + 1; f < CTEM_FMT_COUNT; f++)
	{
		Datum		v = CStringGetTextDatum(ctem_report_format_name((CtemReportFormat) f));
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &isnull);
	}
	return (Datum) 0;
}
