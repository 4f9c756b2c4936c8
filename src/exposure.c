/*-------------------------------------------------------------------------
 *
 * exposure.c
 *		Exposure identity: ctem.exposure_fingerprint() and the BEFORE row
 *		trigger of ctem.exposure.
 *
 * The fingerprint is the first 128 bits of SHA-256 over
 *		asset_id US kind US canonical rule_id US lower(component) US location
 * (US = 0x1f), so the same problem reported twice, by one tool or several,
 * maps to one row.  The component version is deliberately not part of it:
 * an upgrade that does not fix the problem is the same exposure.
 *
 * src/exposure.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "ctem.h"
#include "keys_core.h"

PG_FUNCTION_INFO_V1(ctem_exposure_fingerprint);
PG_FUNCTION_INFO_V1(ctem_exposure_before_row);

#define FIELD_SEP '\x1f'

/* attribute numbers of ctem.exposure, looked up once per statement */
typedef struct ExposureAtts
{
	Oid			relid;
	int			natts;
	int			asset_id;
	int			kind;
	int			rule_id;
	int			component;
	int			location;
	int			fingerprint;
	int			status;
	int			resolved_at;
} ExposureAtts;

static void
append_lower(StringInfo buf, const char *s, int len)
{
	int			i;

	enlargeStringInfo(buf, len);
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		buf->data[buf->len++] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
	}
	buf->data[buf->len] = '\0';
}

/* canonical rule id of t as palloc'd text */
static text *
canonical_rule_id(text *t)
{
	size_t		len = VARSIZE_ANY_EXHDR(t);
	char	   *out = palloc(len + 1);
	size_t		n = ctem_canonical_rule_id(VARDATA_ANY(t), len, out);

	return cstring_to_text_with_len(out, (int) n);
}

/*
 * Fingerprint of the given identity fields; rule_id must be canonical
 * already.  component and location may be NULL.
 */
static pg_uuid_t *
fingerprint(int64 asset_id, const char *kind, text *rule_id,
			text *component, text *location)
{
	StringInfoData buf;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	pg_uuid_t  *uuid;

	initStringInfo(&buf);
	appendStringInfo(&buf, INT64_FORMAT "%c%s%c", asset_id, FIELD_SEP,
					 kind, FIELD_SEP);
	appendBinaryStringInfo(&buf, VARDATA_ANY(rule_id),
						   VARSIZE_ANY_EXHDR(rule_id));
	appendStringInfoChar(&buf, FIELD_SEP);
	if (component)
		append_lower(&buf, VARDATA_ANY(component),
					 VARSIZE_ANY_EXHDR(component));
	appendStringInfoChar(&buf, FIELD_SEP);
	if (location)
		appendBinaryStringInfo(&buf, VARDATA_ANY(location),
							   VARSIZE_ANY_EXHDR(location));

	ctx = pg_cryptohash_create(PG_SHA256);
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (uint8 *) buf.data, buf.len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute SHA-256 of exposure identity: %s",
			 pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	pfree(buf.data);

	uuid = palloc(sizeof(pg_uuid_t));
	memcpy(uuid->data, digest, UUID_LEN);
	return uuid;
}

/* treat an empty text like NULL */
static text *
nonempty_or_null(text *t)
{
	return (t != NULL && VARSIZE_ANY_EXHDR(t) > 0) ? t : NULL;
}

/*
 * ctem.exposure_fingerprint(asset_id, kind, rule_id, component, location)
 * Not STRICT: component and location may be NULL; NULL asset, kind or rule
 * give NULL.
 */
Datum
ctem_exposure_fingerprint(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_UUID_P(fingerprint(PG_GETARG_INT64(0),
								 ctem_enum_label(PG_GETARG_DATUM(1)),
								 canonical_rule_id(PG_GETARG_TEXT_PP(2)),
								 PG_ARGISNULL(3) ? NULL :
								 nonempty_or_null(PG_GETARG_TEXT_PP(3)),
								 PG_ARGISNULL(4) ? NULL :
								 nonempty_or_null(PG_GETARG_TEXT_PP(4))));
}

static int
required_att(TupleDesc tupdesc, const char *name)
{
	int			att = SPI_fnumber(tupdesc, name);

	if (att <= 0)
		elog(ERROR, "ctem_exposure_before_row: column \"%s\" not found; fired on a table that is not ctem.exposure",
			 name);
	return att;
}

static ExposureAtts *
exposure_atts(FunctionCallInfo fcinfo, Relation rel)
{
	ExposureAtts *atts = (ExposureAtts *) fcinfo->flinfo->fn_extra;
	TupleDesc	tupdesc = rel->rd_att;

	if (atts != NULL && atts->relid == RelationGetRelid(rel) &&
		atts->natts == tupdesc->natts)
		return atts;

	if (atts == NULL)
		atts = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ExposureAtts));
	atts->relid = RelationGetRelid(rel);
	atts->natts = tupdesc->natts;
	atts->asset_id = required_att(tupdesc, "asset_id");
	atts->kind = required_att(tupdesc, "kind");
	atts->rule_id = required_att(tupdesc, "rule_id");
	atts->component = required_att(tupdesc, "component");
	atts->location = required_att(tupdesc, "location");
	atts->fingerprint = required_att(tupdesc, "fingerprint");
	atts->status = required_att(tupdesc, "status");
	atts->resolved_at = required_att(tupdesc, "resolved_at");
	fcinfo->flinfo->fn_extra = atts;
	return atts;
}

static text *
getattr_text(HeapTuple tuple, TupleDesc tupdesc, int att)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, att, tupdesc, &isnull);

	return isnull ? NULL : DatumGetTextPP(d);
}

static bool
status_is_closed(const char *label)
{
	return strcmp(label, "fixed") == 0 ||
		strcmp(label, "risk_accepted") == 0 ||
		strcmp(label, "false_positive") == 0;
}

/*
 * BEFORE INSERT OR UPDATE FOR EACH ROW on ctem.exposure.
 */
Datum
ctem_exposure_before_row(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	tupdesc;
	HeapTuple	tuple;
	ExposureAtts *atts;
	bool		isnull;
	Datum		asset_id;
	Datum		kind;
	Datum		status;
	text	   *rule_id;
	int			cols[3];
	Datum		values[3];
	bool		nulls[3];
	int			ncols = 0;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "ctem_exposure_before_row: must be fired before a row event");

	tupdesc = trigdata->tg_relation->rd_att;
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;
	atts = exposure_atts(fcinfo, trigdata->tg_relation);

	/* NOT NULL constraints report missing identity columns */
	asset_id = heap_getattr(tuple, atts->asset_id, tupdesc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	kind = heap_getattr(tuple, atts->kind, tupdesc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);
	rule_id = getattr_text(tuple, tupdesc, atts->rule_id);
	if (rule_id == NULL)
		return PointerGetDatum(tuple);

	rule_id = canonical_rule_id(rule_id);
	cols[ncols] = atts->rule_id;
	values[ncols] = PointerGetDatum(rule_id);
	nulls[ncols++] = false;

	cols[ncols] = atts->fingerprint;
	values[ncols] = UUIDPGetDatum(fingerprint(DatumGetInt64(asset_id),
											  ctem_enum_label(kind),
											  rule_id,
											  nonempty_or_null(getattr_text(tuple, tupdesc, atts->component)),
											  nonempty_or_null(getattr_text(tuple, tupdesc, atts->location))));
	nulls[ncols++] = false;

	/* resolved_at follows status: set when it closes, cleared on reopen */
	status = heap_getattr(tuple, atts->status, tupdesc, &isnull);
	if (!isnull)
	{
		bool		closed = status_is_closed(ctem_enum_label(status));
		bool		resolved_null;

		(void) heap_getattr(tuple, atts->resolved_at, tupdesc, &resolved_null);
		if (closed && resolved_null)
		{
			cols[ncols] = atts->resolved_at;
			values[ncols] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
			nulls[ncols++] = false;
		}
		else if (!closed && !resolved_null)
		{
			cols[ncols] = atts->resolved_at;
			values[ncols] = (Datum) 0;
			nulls[ncols++] = true;
		}
	}

	tuple = heap_modify_tuple_by_cols(tuple, tupdesc, ncols, cols, values, nulls);
	return PointerGetDatum(tuple);
}
