/*-------------------------------------------------------------------------
 *
 * graph_edge.c
 *		The rows of the attack graph, ctem.asset_edge: the BEFORE row trigger
 *		that validates an edge, and the references from an edge to its two
 *		assets, enforced by ctem's triggers instead of declared foreign keys.
 *
 * Why triggers (as for the exposure -> asset reference, store/asset_ref.c):
 * a declared foreign key to ctem.asset would make every TRUNCATE of
 * ctem.asset name ctem.asset_edge too; it checks each inserted row with its
 * own query, where a bulk load of edges names each asset many times (the
 * trigger checks and locks an asset once per statement); and its error says
 * neither which edge nor which end is wrong.  The semantics are those of the
 * foreign keys it replaces (ri_triggers.c):
 *	- insert, or update changing tenant_id, source_asset_id or
 *	  target_asset_id: both assets must exist in the edge's tenant; each is
 *	  locked FOR KEY SHARE to the end of the transaction, so a concurrent
 *	  DELETE of it waits, and under REPEATABLE READ one that already happened
 *	  fails with a serialization error;
 *	- delete of assets: their edges are deleted (ON DELETE CASCADE), in one
 *	  statement per end over the keys read from the transition table, with
 *	  RI's snapshot rules (under REPEATABLE READ an edge committed after the
 *	  snapshot makes the delete fail instead of being missed);
 *	- change of the tenant_id or id of an asset that edges reference: error;
 *	- TRUNCATE of ctem.asset while ctem.asset_edge has rows: error.
 * The queries run as the owner of the trigger's table, without row-level
 * security, as RI does.
 *
 * src/validate/graph_edge.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "common/common.h"
#include "store/asset_ref.h"

PG_FUNCTION_INFO_V1(ctem_asset_edge_before_row);
PG_FUNCTION_INFO_V1(ctem_asset_edge_reference);

/* what the trigger keeps for its statement (fn_extra) */
typedef struct EdgeAtts
{
	Oid			relid;
	int			natts;
	int			tenant_id;
	int			source;
	int			target;
	int			kind;
	int			probability;
	CtemAssetRefs *refs;		/* assets locked in this statement */
	CtemLabels	labels;			/* edge kinds met */
} EdgeAtts;

static SPIPlanPtr cascade_source_plan = NULL;
static SPIPlanPtr cascade_target_plan = NULL;
static SPIPlanPtr referenced_plan = NULL;

static EdgeAtts *
edge_atts(FunctionCallInfo fcinfo, Relation rel)
{
	EdgeAtts   *atts = (EdgeAtts *) fcinfo->flinfo->fn_extra;

	if (atts != NULL && atts->relid == RelationGetRelid(rel) &&
		atts->natts == RelationGetDescr(rel)->natts)
		return atts;
	atts = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(EdgeAtts));
	atts->relid = RelationGetRelid(rel);
	atts->natts = RelationGetDescr(rel)->natts;
	atts->tenant_id = ctem_attnum(rel, "tenant_id");
	atts->source = ctem_attnum(rel, "source_asset_id");
	atts->target = ctem_attnum(rel, "target_asset_id");
	atts->kind = ctem_attnum(rel, "kind");
	atts->probability = ctem_attnum(rel, "probability");
	fcinfo->flinfo->fn_extra = atts;
	return atts;
}

/* the edge a message is about */
typedef struct EdgeDesc
{
	int32		tenant;
	int64		source;
	int64		target;
	const char *kind;
} EdgeDesc;

/* an end of an edge, for the error when its asset does not exist */
typedef struct EdgeEnd
{
	const EdgeDesc *e;
	bool		source;
} EdgeEnd;

static void
edge_asset_missing(const void *arg, int32 tenant, int64 asset)
{
	const EdgeEnd *end = arg;
	const EdgeDesc *e = end->e;

	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("edge %s asset " INT64_FORMAT " is not an asset of tenant %d",
					end->source ? "source" : "target", asset, tenant),
			 errdetail("The %s edge from asset " INT64_FORMAT " to asset " INT64_FORMAT
					   " of tenant %d references an asset that does not exist in that tenant; an edge joins two assets of its own tenant.",
					   e->kind, e->source, e->target, e->tenant),
			 errhint("Create the asset first (ctem.ensure_asset(kind, natural_key, tenant_id => %d) returns its id), or give the edge the tenant_id of its assets.",
					 e->tenant)));
}

/*
 * The asset at one end of the edge exists in the edge's tenant: checked and
 * locked FOR KEY SHARE once per statement and asset, as an exposure's asset
 * is (store/asset_ref.c).
 */
static void
edge_asset_check(EdgeAtts *atts, MemoryContext cxt, const EdgeDesc *e,
				 bool source)
{
	EdgeEnd		end = {.e = e,.source = source};

	(void) ctem_asset_ref_check(&atts->refs, cxt, NULL, e->tenant,
								source ? e->source : e->target,
								edge_asset_missing, &end);
}

/*
 * BEFORE INSERT OR UPDATE FOR EACH ROW on ctem.asset_edge: the probability
 * is in (0, 1], the edge is not a self-loop, and both assets exist in the
 * edge's tenant (checked and locked once per statement and asset).  NULLs
 * are left to the NOT NULL constraints.
 */
Datum
ctem_asset_edge_before_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	EdgeAtts   *atts;
	EdgeDesc	e;
	bool		n_tenant,
				n_source,
				n_target,
				n_kind,
				n_prob;
	Datum		kind,
				prob;
	bool		check_source = true,
				check_target = true;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "ctem_asset_edge_before_row: must be fired BEFORE ... FOR EACH ROW");
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	atts = edge_atts(fcinfo, rel);

	e.tenant = DatumGetInt32(heap_getattr(tuple, atts->tenant_id, desc, &n_tenant));
	e.source = DatumGetInt64(heap_getattr(tuple, atts->source, desc, &n_source));
	e.target = DatumGetInt64(heap_getattr(tuple, atts->target, desc, &n_target));
	kind = heap_getattr(tuple, atts->kind, desc, &n_kind);
	prob = heap_getattr(tuple, atts->probability, desc, &n_prob);
	if (n_tenant || n_source || n_target || n_kind)
		return PointerGetDatum(tuple);
	e.kind = ctem_label(&atts->labels, kind);

	if (!n_prob)
	{
		double		p = DatumGetFloat8(prob);

		if (isnan(p) || p <= 0.0 || p > 1.0)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("edge probability %s is not in (0, 1]", float8out_internal(p)),
					 errdetail("The %s edge from asset " INT64_FORMAT " to asset " INT64_FORMAT
							   " of tenant %d has probability %s.",
							   e.kind, e.source, e.target, e.tenant, float8out_internal(p)),
					 errhint("probability is the chance that the step succeeds once the attacker holds the source: above 0, at most 1 (the default). Leave out a step that cannot be taken.")));
	}
	if (e.source == e.target)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("edge from asset " INT64_FORMAT " to itself", e.source),
				 errdetail("The %s edge of tenant %d names asset " INT64_FORMAT " as both its source and its target.",
						   e.kind, e.tenant, e.source),
				 errhint("An edge is a step from one asset to another; an attacker holds the asset he stands on without one.")));

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		HeapTuple	old = td->tg_trigtuple;
		bool		n1,
					n2,
					n3;
		int32		ot = DatumGetInt32(heap_getattr(old, atts->tenant_id, desc, &n1));
		int64		os = DatumGetInt64(heap_getattr(old, atts->source, desc, &n2));
		int64		ox = DatumGetInt64(heap_getattr(old, atts->target, desc, &n3));
		bool		same_tenant = !n1 && ot == e.tenant;

		check_source = !(same_tenant && !n2 && os == e.source);
		check_target = !(same_tenant && !n3 && ox == e.target);
	}
	if (check_source)
		edge_asset_check(atts, fcinfo->flinfo->fn_mcxt, &e, true);
	if (check_target)
		edge_asset_check(atts, fcinfo->flinfo->fn_mcxt, &e, false);
	return PointerGetDatum(tuple);
}

/*
 * Run plan with (tenant, asset) arrays or a pair as the owner of rel,
 * without row-level security; detect_new: under REPEATABLE READ, use the
 * latest snapshot and fail on rows the transaction's snapshot cannot see
 * (ri_PerformCheck's rules for cascades and NO ACTION checks).
 */
static uint64
run_detecting_new(SPIPlanPtr plan, Datum *vals, Relation rel, long limit)
{
	Snapshot	test = InvalidSnapshot;
	Snapshot	crosscheck = InvalidSnapshot;
	CtemSavedUser save;
	int			rc;

	if (IsolationUsesXactSnapshot())
	{
		CommandCounterIncrement();
		test = GetLatestSnapshot();
		crosscheck = GetTransactionSnapshot();
	}
	ctem_owner_begin(rel->rd_rel->relowner, &save);
	rc = SPI_execute_snapshot(plan, vals, NULL, test, crosscheck, false, true, limit);
	ctem_owner_end(&save);
	if (rc < 0)
		elog(ERROR, "edge reference query failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/* the deleted assets' edges go: one statement per end, keys as arrays */
static void
edges_cascade(TriggerData *td)
{
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	Tuplestorestate *ts = td->tg_oldtable;
	int			att_tenant = ctem_attnum(rel, "tenant_id");
	int			att_id = ctem_attnum(rel, "id");
	TupleTableSlot *slot;
	int			ptr;
	int			n = 0,
				room = 64;
	Datum	   *tenants;
	Datum	   *ids;
	Datum		vals[2];
	Oid			types[2] = {INT4ARRAYOID, INT8ARRAYOID};
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ts == NULL)
		elog(ERROR, "ctem_asset_edge_reference: AFTER DELETE needs REFERENCING OLD TABLE");
	tenants = palloc(sizeof(Datum) * room);
	ids = palloc(sizeof(Datum) * room);
	ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	for (;;)
	{
		bool		n1,
					n2;
		Datum		t,
					a;

		tuplestore_select_read_pointer(ts, ptr);
		if (!tuplestore_gettupleslot(ts, true, false, slot))
			break;
		t = slot_getattr(slot, att_tenant, &n1);
		a = slot_getattr(slot, att_id, &n2);
		if (n1 || n2)
			continue;
		if (n == room)
		{
			room *= 2;
			tenants = repalloc_huge(tenants, sizeof(Datum) * room);
			ids = repalloc_huge(ids, sizeof(Datum) * room);
		}
		tenants[n] = t;
		ids[n] = a;
		n++;
		if ((n & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	ExecDropSingleTupleTableSlot(slot);
	if (n == 0)
		return;

	get_typlenbyvalalign(INT8OID, &typlen, &typbyval, &typalign);
	vals[0] = PointerGetDatum(construct_array(tenants, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
	vals[1] = PointerGetDatum(construct_array(ids, n, INT8OID, typlen, typbyval, typalign));
	ctem_spi_connect();
	ctem_spi_keep_plan(&cascade_source_plan,
					   "DELETE FROM ONLY ctem.asset_edge e "
					   "USING (SELECT pg_catalog.unnest($1) AS t, pg_catalog.unnest($2) AS a) d "
					   "WHERE e.tenant_id OPERATOR(pg_catalog.=) d.t "
					   "AND e.source_asset_id OPERATOR(pg_catalog.=) d.a",
					   2, types);
	ctem_spi_keep_plan(&cascade_target_plan,
					   "DELETE FROM ONLY ctem.asset_edge e "
					   "USING (SELECT pg_catalog.unnest($1) AS t, pg_catalog.unnest($2) AS a) d "
					   "WHERE e.tenant_id OPERATOR(pg_catalog.=) d.t "
					   "AND e.target_asset_id OPERATOR(pg_catalog.=) d.a",
					   2, types);
	(void) run_detecting_new(cascade_source_plan, vals, rel, 0);
	(void) run_detecting_new(cascade_target_plan, vals, rel, 0);
	SPI_finish();
}

/*
 * Triggers of ctem.asset for the edge -> asset references: AFTER DELETE
 * FOR EACH STATEMENT (REFERENCING OLD TABLE) deletes the edges of the
 * deleted assets; AFTER UPDATE OF tenant_id, id FOR EACH ROW refuses to
 * change the key of a referenced asset; AFTER TRUNCATE refuses while edges
 * exist.
 */
Datum
ctem_asset_edge_reference(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event))
		elog(ERROR, "ctem_asset_edge_reference: must be fired as an AFTER trigger");
	rel = td->tg_relation;

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		CtemSavedUser save;
		uint64		n;

		ctem_owner_begin(rel->rd_rel->relowner, &save);
		ctem_spi_connect();
		if (SPI_execute("SELECT 1 FROM ONLY ctem.asset_edge LIMIT 1", true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read ctem.asset_edge");
		n = SPI_processed;
		SPI_finish();
		ctem_owner_end(&save);
		if (n > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot truncate ctem.asset while ctem.asset_edge has rows"),
					 errdetail("Edges reference assets."),
					 errhint("Truncate both in one command: TRUNCATE ctem.asset, ctem.asset_edge, ctem.exposure CASCADE.")));
		return PointerGetDatum(NULL);
	}
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event) && TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
	{
		edges_cascade(td);
		return PointerGetDatum(NULL);
	}
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event) && TRIGGER_FIRED_FOR_ROW(td->tg_event))
	{
		TupleDesc	desc = RelationGetDescr(rel);
		bool		n1,
					n2,
					n3,
					n4;
		Datum		ot = heap_getattr(td->tg_trigtuple, ctem_attnum(rel, "tenant_id"), desc, &n1);
		Datum		oa = heap_getattr(td->tg_trigtuple, ctem_attnum(rel, "id"), desc, &n2);
		Datum		nt = heap_getattr(td->tg_newtuple, ctem_attnum(rel, "tenant_id"), desc, &n3);
		Datum		na = heap_getattr(td->tg_newtuple, ctem_attnum(rel, "id"), desc, &n4);
		Oid			types[2] = {INT4OID, INT8OID};
		Datum		vals[2];

		if (n1 || n2)
			return PointerGetDatum(NULL);
		if (!n3 && !n4 && DatumGetInt32(ot) == DatumGetInt32(nt) &&
			DatumGetInt64(oa) == DatumGetInt64(na))
			return PointerGetDatum(NULL);
		vals[0] = ot;
		vals[1] = oa;
		ctem_spi_connect();
		ctem_spi_keep_plan(&referenced_plan,
						   "SELECT 1 FROM ONLY ctem.asset_edge x "
						   "WHERE x.tenant_id OPERATOR(pg_catalog.=) $1 "
						   "AND (x.source_asset_id OPERATOR(pg_catalog.=) $2 "
						   "OR x.target_asset_id OPERATOR(pg_catalog.=) $2) "
						   "FOR KEY SHARE OF x",
						   2, types);
		if (run_detecting_new(referenced_plan, vals, rel, 1) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("cannot change the key of asset " INT64_FORMAT " of tenant %d: edges reference it",
							DatumGetInt64(oa), DatumGetInt32(ot)),
					 errdetail("ctem.asset_edge rows reference ctem.asset by (tenant_id, source_asset_id) and (tenant_id, target_asset_id)."),
					 errhint("Assets keep their tenant_id and id; create a new asset and move the edges instead.")));
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	elog(ERROR, "ctem_asset_edge_reference: must be fired AFTER DELETE FOR EACH STATEMENT, AFTER UPDATE FOR EACH ROW or AFTER TRUNCATE");
	return PointerGetDatum(NULL);
}
