/*-------------------------------------------------------------------------
 *
 * asset.c
 *		SQL glue for asset natural keys: ctem.normalize_asset_key() and the
 *		BEFORE row trigger of ctem.asset.
 *
 * src/store/asset.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/inet.h"
#include "utils/syscache.h"

#include "compat.h"
#include "common/common.h"
#include "core/keys_core.h"

PG_FUNCTION_INFO_V1(ctem_normalize_asset_key);
PG_FUNCTION_INFO_V1(ctem_asset_before_row);

/* normalise key for kind; returns a palloc'd text, *is_ip as the core says */
static text *
normalize_key(const char *kind, text *key, bool *is_ip)
{
	size_t		len = VARSIZE_ANY_EXHDR(key);
	size_t		outsize = Max(len + 1, CTEM_IP_TEXT_MAX);
	char	   *out = palloc(outsize);
	size_t		n;

	n = ctem_normalize_key(kind, VARDATA_ANY(key), len, out, outsize, is_ip);
	return cstring_to_text_with_len(out, (int) n);
}

/*
 * ctem.normalize_asset_key(kind ctem.asset_kind, natural_key text) -> text
 */
Datum
ctem_normalize_asset_key(PG_FUNCTION_ARGS)
{
	char	   *kind = ctem_enum_label(PG_GETARG_DATUM(0));
	bool		is_ip;

	PG_RETURN_TEXT_P(normalize_key(kind, PG_GETARG_TEXT_PP(1), &is_ip));
}

/*
 * BEFORE INSERT OR UPDATE FOR EACH ROW on ctem.asset.
 */
Datum
ctem_asset_before_row(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	tupdesc;
	HeapTuple	tuple;
	int			att_kind;
	int			att_key;
	int			att_ip;
	bool		isnull;
	Datum		kind;
	Datum		key;
	text	   *norm;
	bool		is_ip;
	int			cols[2];
	Datum		values[2];
	bool		nulls[2];

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "ctem_asset_before_row: must be fired before a row event");

	tupdesc = trigdata->tg_relation->rd_att;
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;

	att_kind = SPI_fnumber(tupdesc, "kind");
	att_key = SPI_fnumber(tupdesc, "natural_key");
	att_ip = SPI_fnumber(tupdesc, "ip");
	if (att_kind <= 0 || att_key <= 0 || att_ip <= 0)
		elog(ERROR, "ctem_asset_before_row: fired on a table that is not ctem.asset");

	kind = heap_getattr(tuple, att_kind, tupdesc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);	/* NOT NULL reports it */
	key = heap_getattr(tuple, att_key, tupdesc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);

	norm = normalize_key(ctem_enum_label(kind), DatumGetTextPP(key), &is_ip);

	cols[0] = att_key;
	values[0] = PointerGetDatum(norm);
	nulls[0] = false;
	cols[1] = att_ip;
	nulls[1] = !is_ip;
	values[1] = is_ip ?
		DirectFunctionCall1(inet_in, CStringGetDatum(text_to_cstring(norm))) :
		(Datum) 0;

	tuple = heap_modify_tuple_by_cols(tuple, tupdesc, 2, cols, values, nulls);
	return PointerGetDatum(tuple);
}
