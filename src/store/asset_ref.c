/*-------------------------------------------------------------------------
 *
 * asset_ref.c
 *		The reference from ctem.exposure (tenant_id, asset_id) to ctem.asset,
 *		enforced by ctem's own triggers instead of a declared foreign key
 *		(from 0.4.0 on).
 *
 * Why: a declared foreign key checks every inserted row in an AFTER trigger
 * that runs one SPI query per row and re-reads the row from the heap; on a
 * COPY of a million exposures that was the largest single cost.  Exposures
 * of one statement reference few assets (ten thousand for a million rows in
 * a typical load), so the BEFORE row trigger of ctem.exposure checks and
 * locks each referenced asset once per statement instead.
 *
 * The semantics are those of the foreign key it replaces (they mirror
 * ri_triggers.c):
 *	- insert, or update changing tenant_id/asset_id, of an exposure: the
 *	  asset must exist; it is locked FOR KEY SHARE (held to the end of the
 *	  transaction), so a concurrent DELETE of it waits for this transaction,
 *	  and under REPEATABLE READ one that already happened fails with a
 *	  serialization error.  The lock is taken once per statement and asset
 *	  (a row lock lasts until the transaction or the subtransaction that took
 *	  it ends, and a statement never outlives its subtransaction).
 *	- delete of an asset: its exposures are deleted (ON DELETE CASCADE),
 *	  with RI's snapshot rules: under REPEATABLE READ, exposures committed
 *	  after the transaction's snapshot make it fail instead of being missed.
 *	- change of an asset's tenant_id or id while exposures reference it:
 *	  error (NO ACTION).
 *	- TRUNCATE of ctem.asset while ctem.exposure has rows: error.
 * Like RI, the queries run as the owner of the table they read, without
 * row-level security, so a role allowed to delete assets cascades without
 * needing rights on ctem.exposure.
 *
 * src/store/asset_ref.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "compat.h"
#include "common/asset_key.h"
#include "common/common.h"
#include "store/asset_ref.h"

PG_FUNCTION_INFO_V1(ctem_asset_reference);

typedef struct AssetRefEntry
{
	CtemAssetKey key;			/* hash key */
	char		status;			/* simplehash's */
	bool		fresh;			/* had no exposure when first checked */
} AssetRefEntry;

#define SH_PREFIX asset_refs
#define SH_ELEMENT_TYPE AssetRefEntry
#include "common/asset_table.h"

struct CtemAssetRefs
{
	asset_refs_hash *checked;	/* the assets locked in this statement */
	AssetRefEntry last;			/* the last one checked, before the hash */
	bool		have_last;
};

static SPIPlanPtr lock_plan = NULL;
static SPIPlanPtr cascade_plan = NULL;
static SPIPlanPtr referenced_plan = NULL;

/* plans of (tenant, asset) */
static SPIPlanPtr
keep_plan(SPIPlanPtr *plan, const char *sql)
{
	Oid			types[2] = {INT4OID, INT8OID};

	return ctem_spi_keep_plan(plan, sql, 2, types);
}

/*
 * Run plan with (tenant, asset) as the owner of relation "owner_of", without
 * row-level security, as RI does.  detect_new: under REPEATABLE READ, use the
 * latest snapshot and fail on rows the transaction's snapshot cannot see
 * (the rules of ri_PerformCheck for cascades and NO ACTION checks).
 */
static uint64
run_as_owner(SPIPlanPtr plan, Oid owner_of, int32 tenant, int64 asset,
			 bool detect_new, long limit)
{
	Datum		vals[2] = {Int32GetDatum(tenant), Int64GetDatum(asset)};
	Snapshot	test = InvalidSnapshot;
	Snapshot	crosscheck = InvalidSnapshot;
	CtemSavedUser save;
	Oid			owner;
	HeapTuple	tup;
	int			rc;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(owner_of));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", owner_of);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	if (detect_new && IsolationUsesXactSnapshot())
	{
		CommandCounterIncrement();
		test = GetLatestSnapshot();
		crosscheck = GetTransactionSnapshot();
	}
	ctem_owner_begin(owner, &save);
	rc = SPI_execute_snapshot(plan, vals, NULL, test, crosscheck,
							  false, true, limit);
	ctem_owner_end(&save);
	if (rc < 0)
		elog(ERROR, "asset reference query failed: %s", SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Does any exposure of the asset exist (committed, or this transaction's)?
 * One probe of exposure_asset_idx; done in C rather than in SQL because a
 * plan prepared while ctem.exposure was empty would scan it sequentially,
 * once per new asset, as a COPY fills it.
 */
static bool
asset_has_exposure(Relation exposure_rel, int32 tenant, int64 asset_id)
{
	Oid			idxoid = get_relname_relid("exposure_asset_idx",
										   RelationGetNamespace(exposure_rel));

	if (!OidIsValid(idxoid))
		return true;			/* no index: never claim freshness */
	return ctem_index_probe2(exposure_rel, idxoid, F_INT4EQ, Int32GetDatum(tenant),
							 F_INT8EQ, Int64GetDatum(asset_id), 0, NULL);
}

/*
 * The asset (tenant, asset_id) that a row references must exist: lock it
 * FOR KEY SHARE, once per statement (asset_ref.h).  With exposure_rel (an
 * exposure insert), returns whether the asset had no exposure at all when
 * this statement first checked it and no row was moved onto it since
 * ("fresh"): the exposure trigger then knows that a fingerprint of that
 * asset can only exist if this statement inserted it (exposure.c).  Without
 * (an update moving a row onto the asset, or an edge end), returns false.
 */
bool
ctem_asset_ref_check(CtemAssetRefs **refsp, MemoryContext cxt,
					 Relation exposure_rel, int32 tenant, int64 asset_id,
					 CtemAssetRefMissing missing, const void *arg)
{
	CtemAssetRefs *refs = *refsp;
	CtemAssetKey key = {.asset_id = asset_id, .tenant = tenant};
	AssetRefEntry *e;
	bool		found;
	Oid			asset_rel;

	if (refs == NULL)
	{
		refs = MemoryContextAllocZero(cxt, sizeof(CtemAssetRefs));
		refs->checked = asset_refs_create(cxt, 64, NULL);
		*refsp = refs;
	}
	if (exposure_rel != NULL && refs->have_last &&
		CTEM_ASSET_KEY_EQUAL(refs->last.key, key))
		return refs->last.fresh;
	e = asset_refs_lookup(refs->checked, key);
	if (e == NULL)
	{
		bool		fresh;

		asset_rel = get_relname_relid("asset", get_namespace_oid("ctem", false));
		if (!OidIsValid(asset_rel))
			elog(ERROR, "table ctem.asset not found");
		ctem_spi_connect();
		keep_plan(&lock_plan,
				  "SELECT 1 FROM ONLY ctem.asset x "
				  "WHERE x.tenant_id OPERATOR(pg_catalog.=) $1 "
				  "AND x.id OPERATOR(pg_catalog.=) $2 FOR KEY SHARE OF x");
		if (run_as_owner(lock_plan, asset_rel, tenant, asset_id, false, 1) == 0)
		{
			if (missing != NULL)
				missing(arg, tenant, asset_id);
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("exposure references asset " INT64_FORMAT " of tenant %d, which does not exist",
							asset_id, tenant),
					 errdetail("Every ctem.exposure row must reference a ctem.asset row with the same tenant_id (exposure.asset_id = asset.id)."),
					 errhint("Create the asset first, for example with ctem.ensure_asset(kind, natural_key).")));
		}
		SPI_finish();
		fresh = exposure_rel != NULL && !asset_has_exposure(exposure_rel, tenant, asset_id);
		e = asset_refs_insert(refs->checked, key, &found);
		e->fresh = fresh;
	}
	/* an update moved a row onto the asset (a MERGE can): not fresh now */
	if (exposure_rel == NULL)
		e->fresh = false;
	refs->last = *e;
	refs->have_last = true;
	return e->fresh;
}

/*
 * AFTER DELETE / AFTER UPDATE OF tenant_id, id FOR EACH ROW and AFTER
 * TRUNCATE on ctem.asset: the other side of the reference.
 */
Datum
ctem_asset_reference(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	Oid			exposure_rel;
	HeapTuple	old;
	bool		isnull;
	int32		tenant;
	int64		asset;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event))
		elog(ERROR, "ctem_asset_reference: must be fired as an AFTER trigger");
	rel = td->tg_relation;
	exposure_rel = get_relname_relid("exposure", RelationGetNamespace(rel));
	if (!OidIsValid(exposure_rel))
		elog(ERROR, "table ctem.exposure not found");

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		uint64		n;

		ctem_spi_connect();
		if (SPI_execute("SELECT 1 FROM ONLY ctem.exposure LIMIT 1", true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read ctem.exposure");
		n = SPI_processed;
		SPI_finish();
		if (n > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot truncate ctem.asset while ctem.exposure has rows"),
					 errdetail("Exposures reference assets."),
					 errhint("Truncate both in one command: TRUNCATE ctem.asset, ctem.exposure CASCADE.")));
		return PointerGetDatum(NULL);
	}
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "ctem_asset_reference: must be fired for each row on DELETE or UPDATE");

	old = td->tg_trigtuple;
	tenant = DatumGetInt32(heap_getattr(old, ctem_attnum(rel, "tenant_id"), rel->rd_att, &isnull));
	if (isnull)
		return PointerGetDatum(NULL);
	asset = DatumGetInt64(heap_getattr(old, ctem_attnum(rel, "id"), rel->rd_att, &isnull));
	if (isnull)
		return PointerGetDatum(NULL);

	ctem_spi_connect();
	if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		keep_plan(&cascade_plan,
				  "DELETE FROM ONLY ctem.exposure "
				  "WHERE tenant_id OPERATOR(pg_catalog.=) $1 "
				  "AND asset_id OPERATOR(pg_catalog.=) $2");
		(void) run_as_owner(cascade_plan, exposure_rel, tenant, asset, true, 0);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		HeapTuple	new = td->tg_newtuple;
		bool		n1,
					n2;
		Datum		nt = heap_getattr(new, ctem_attnum(rel, "tenant_id"), rel->rd_att, &n1);
		Datum		na = heap_getattr(new, ctem_attnum(rel, "id"), rel->rd_att, &n2);

		if ((n1 || DatumGetInt32(nt) != tenant || n2 || DatumGetInt64(na) != asset))
		{
			keep_plan(&referenced_plan,
					  "SELECT 1 FROM ONLY ctem.exposure x "
					  "WHERE x.tenant_id OPERATOR(pg_catalog.=) $1 "
					  "AND x.asset_id OPERATOR(pg_catalog.=) $2 FOR KEY SHARE OF x");
			if (run_as_owner(referenced_plan, exposure_rel, tenant, asset, true, 1) > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
						 errmsg("cannot change the key of asset " INT64_FORMAT " of tenant %d: exposures reference it",
								asset, tenant),
						 errdetail("ctem.exposure rows reference ctem.asset by (tenant_id, id)."),
						 errhint("Assets keep their tenant_id and id; create a new asset and move the exposures instead.")));
		}
	}
	else
		elog(ERROR, "ctem_asset_reference: must be fired on DELETE, UPDATE or TRUNCATE");
	SPI_finish();
	return PointerGetDatum(NULL);
}
