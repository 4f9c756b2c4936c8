/*-------------------------------------------------------------------------
 *
 * path_refresh.c
 *		Reachability feeds the score: ctem.asset.attack_path_probability,
 *		kept current after every change of a tenant's attack graph.
 *
 * The score's X factor reads, for an asset that is neither internet-facing
 * nor a crown jewel, the probability of the most likely attack path from an
 * entry point through the asset to a crown jewel (the engine's path factor,
 * within the active policy's path_max_hops).  It is stored on the asset, so
 * that ctem.risk_score(e, a) computes from the two rows what the trigger
 * stored, and BI tools can query it.  NULL means the asset is on no path
 * (or its tenant has no graph): the score then says the path is unknown,
 * as it did before there were graphs.
 *
 * When it is computed.  Every statement that changes a tenant's graph
 * inputs writes a ctem.graph_change row (graph_log.c); right after writing
 * it, the same statement trigger calls ctem_path_refresh for the tenant:
 * one computation per statement and tenant, however many rows the
 * statement changed (a COPY of a million edges pays one).  ctem.ingest
 * defers the refreshes of its batches to the end of the call
 * (ctem_graph_refresh_defer in graph_log.h): one per call.
 *
 * What it does.  It builds the tenant's graph with a fresh snapshot (the
 * statement's own changes included), computes every asset's path factor,
 * compares it with the stored values and updates only the assets whose
 * value changed, in ascending id order, as the owner of ctem.asset.  That
 * UPDATE fires ctem.asset's trigger asset_rescore, which re-scores exactly
 * those assets' exposures (and their history records the priority changes,
 * with the note "attack path changed").  The re-score changes no input of
 * the graph (only X), so it writes no graph change and does not recurse.
 *
 * Concurrency.  The factors are computed from what the transaction sees:
 * the committed graph and its own changes.  Two transactions that change
 * the same tenant's graph at the same time each compute without the
 * other's uncommitted change; the one that commits last may leave factors
 * that miss the other's change until the tenant's graph changes again or
 * ctem.attack_path_refresh(tenant) runs (docs/attack-paths.md, "Limits").
 * Lock order: the assets whose factor changed, by ascending id, then their
 * exposures (asset_rescore).
 *
 * src/validate/path_refresh.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "compat.h"
#include "common/common.h"
#include "common/tenant.h"
#include "guc.h"
#include "validate/graph.h"
#include "validate/path_refresh.h"

PG_FUNCTION_INFO_V1(ctem_attack_path_refresh);

/* ctem.graph_cache_mb while a refresh builds the graph: 1 TB, no limit */
#define CTEM_REFRESH_CACHE_MB (1024 * 1024)

/* the history note of the exposures a refresh re-scores */
#define CTEM_PATH_NOTE "attack path changed"

static SPIPlanPtr stored_plan = NULL;
static SPIPlanPtr update_plan = NULL;

/* two factors are the same when they differ by no more than rounding */
static bool
same_factor(double a, double b)
{
	return fabs(a - b) <= 1e-12 * Max(fabs(a), fabs(b));
}

/* float8[] with NULL where isnan(v[i]) */
static ArrayType *
float8_array(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
	{
		nulls[i] = isnan(v[i]);
		d[i] = Float8GetDatum(nulls[i] ? 0.0 : v[i]);
	}
	return construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID, sizeof(float8),
							  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * The history note of the re-scores a refresh causes: set for the
 * statement it runs, transaction-locally (an error reverts it), then put
 * back; note_begin returns the note to put back.
 */
static char *
note_begin(void)
{
	char	   *saved = ctem_event_note != NULL ? pstrdup(ctem_event_note) : NULL;

	(void) set_config_option("ctem.event_note", CTEM_PATH_NOTE, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	return saved;
}

static void
note_end(const char *saved)
{
	(void) set_config_option("ctem.event_note", saved != NULL ? saved : "",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
}

/*
 * Write the changed values (ascending ids; NaN = NULL) with one UPDATE,
 * the exposures re-scored under the history note CTEM_PATH_NOTE.
 * Connected to SPI, as the owner.
 */
static void
write_factors(int32 tenant, const int64 *ids, const double *vals, int n)
{
	Oid			types[3] = {INT4OID, INT8ARRAYOID, FLOAT8ARRAYOID};
	Datum		args[3];
	char	   *saved_note;
	int			rc;

	ctem_spi_keep_plan(&update_plan,
					   "UPDATE ctem.asset a "
					   "SET attack_path_probability = u.p "
					   "FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS u(id, p) "
					   "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
					   "AND a.id OPERATOR(pg_catalog.=) u.id",
					   3, types);
	args[0] = Int32GetDatum(tenant);
	args[1] = PointerGetDatum(ctem_int8_array(ids, n));
	args[2] = PointerGetDatum(float8_array(vals, n));
	saved_note = note_begin();
	rc = SPI_execute_plan(update_plan, args, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not update ctem.asset.attack_path_probability: %s",
			 SPI_result_code_string(rc));
	note_end(saved_note);
}

/* the owner of ctem.asset (whose rights the refresh uses); connected */
static Oid
asset_owner(void)
{
	bool		isnull;
	int			rc;

	rc = SPI_execute("SELECT c.relowner FROM pg_catalog.pg_class c "
					 "WHERE c.oid OPERATOR(pg_catalog.=) 'ctem.asset'::pg_catalog.regclass",
					 true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not find ctem.asset");
	return DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

int
ctem_path_refresh(int32 tenant)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ctem path refresh",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CtemSavedUser save;
	int64	   *ids;
	double	   *factors;
	int			n;
	int64	   *cids;
	double	   *cvals;
	int			nc = 0;
	int			i = 0;
	Oid			type = INT4OID;
	Datum		arg = Int32GetDatum(tenant);
	int			rc;
	uint64		nstored;
	instr_time	t0,
				t1,
				t2,
				t3;

	INSTR_TIME_SET_CURRENT(t0);
	ctem_spi_connect();
	ctem_owner_begin(asset_owner(), &save);

	/*
	 * The factors now, this statement's changes included.  A write must not
	 * fail because a backend's graph cache is small: ctem.graph_cache_mb
	 * bounds what queries may build, not this (the graph built stays cached
	 * until a query of another tenant makes room).
	 */
	{
		int			cap = ctem_graph_cache_mb;

		ctem_graph_cache_mb = CTEM_REFRESH_CACHE_MB;
		PG_TRY();
		{
			n = ctem_graph_path_factors(tenant, 0, true, &ids, &factors);
		}
		PG_FINALLY();
		{
			ctem_graph_cache_mb = cap;
		}
		PG_END_TRY();
	}

	INSTR_TIME_SET_CURRENT(t1);
	/* the values stored, by id (a fresh snapshot: read_only false) */
	ctem_spi_keep_plan(&stored_plan,
					   "SELECT a.id, a.attack_path_probability FROM ctem.asset a "
					   "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
					   "AND a.attack_path_probability IS NOT NULL ORDER BY a.id",
					   1, &type);
	rc = SPI_execute_plan(stored_plan, &arg, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read ctem.asset.attack_path_probability: %s",
			 SPI_result_code_string(rc));
	nstored = SPI_processed;
	cids = palloc_extended(sizeof(int64) * Max(n + nstored, 1), MCXT_ALLOC_HUGE);
	cvals = palloc_extended(sizeof(double) * Max(n + nstored, 1), MCXT_ALLOC_HUGE);

	/* merge the two ascending lists: what differs changes */
	for (uint64 j = 0; j <= nstored; j++)
	{
		int64		sid = 0;
		double		sval = 0.0;
		bool		isnull;

		if (j < nstored)
		{
			sid = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 1, &isnull));
			sval = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[j], SPI_tuptable->tupdesc, 2, &isnull));
		}
		/* new factors of assets before sid (or all the rest) */
		for (; i < n && (j == nstored || ids[i] < sid); i++)
		{
			cids[nc] = ids[i];
			cvals[nc++] = factors[i];
		}
		if (j == nstored)
			break;
		if (i < n && ids[i] == sid)
		{
			if (!same_factor(factors[i], sval))
			{
				cids[nc] = sid;
				cvals[nc++] = factors[i];
			}
			i++;
		}
		else
		{
			/* on no path any more */
			cids[nc] = sid;
			cvals[nc++] = NAN;
		}
		if ((j & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	INSTR_TIME_SET_CURRENT(t2);
	if (nc > 0)
		write_factors(tenant, cids, cvals, nc);
	INSTR_TIME_SET_CURRENT(t3);
	INSTR_TIME_SUBTRACT(t3, t2);
	INSTR_TIME_SUBTRACT(t2, t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	ereport(DEBUG2,
			(errmsg_internal("ctem: path refresh of tenant %d: graph and factors %.1f ms, compared with %llu stored %.1f ms, %d written %.1f ms",
							 tenant, INSTR_TIME_GET_MILLISEC(t1), (unsigned long long) nstored,
							 INSTR_TIME_GET_MILLISEC(t2), nc, INSTR_TIME_GET_MILLISEC(t3))));

	ctem_owner_end(&save);
	SPI_finish();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return nc;
}

void
ctem_path_clear(int32 tenant)
{
	CtemSavedUser save;
	Oid			type = INT4OID;
	Datum		arg = Int32GetDatum(tenant);
	char	   *saved_note;
	int			rc;

	ctem_spi_connect();
	ctem_owner_begin(asset_owner(), &save);
	saved_note = note_begin();
	rc = SPI_execute_with_args("UPDATE ctem.asset a SET attack_path_probability = NULL "
							   "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
							   "AND a.attack_path_probability IS NOT NULL",
							   1, &type, &arg, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "could not clear ctem.asset.attack_path_probability: %s",
			 SPI_result_code_string(rc));
	note_end(saved_note);
	ctem_owner_end(&save);
	SPI_finish();
}

/*
 * ctem.attack_path_refresh(tenant_id integer DEFAULT 1) RETURNS integer:
 * compute the tenant's path factors now and store those that changed
 * (re-scoring their exposures); the number of assets changed.  For after a
 * TRUNCATE of ctem.exposure, a restore, or concurrent graph changes
 * (path_refresh.c, "Concurrency").
 */
Datum
ctem_attack_path_refresh(PG_FUNCTION_ARGS)
{
	int32		tenant = PG_GETARG_INT32(0);

	if (tenant <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant_id must be positive"),
				 errdetail("tenant_id is %d.", tenant)));
	ctem_tenant_check(tenant, false);
	PG_RETURN_INT32(ctem_path_refresh(tenant));
}
