/*-------------------------------------------------------------------------
 *
 * graph_sql.c
 *		The attack-path functions of SQL: ctem.attack_paths,
 *		ctem.blast_radius, ctem.reachable_assets, ctem.chokepoints,
 *		ctem.simulate_fix, ctem.fix_plan and ctem.attack_graph_dot.
 *
 * Each checks its arguments, takes the tenant's graph (graph.c: cached, or
 * read for the call), asks the engine (core/graph/graph_core.c) with the
 * query's scratch in a short-lived memory context, and maps dense indices
 * back to asset, edge and exposure ids.  Rows come in a fixed order (by
 * target, then rank; by asset id), though callers should ORDER BY.
 * Nothing here writes.
 *
 * src/validate/graph_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "compat.h"
#include "common/common.h"
#include "validate/graph.h"

PG_FUNCTION_INFO_V1(ctem_attack_paths);
PG_FUNCTION_INFO_V1(ctem_attack_path_through);
PG_FUNCTION_INFO_V1(ctem_blast_radius);
PG_FUNCTION_INFO_V1(ctem_reachable_assets);
PG_FUNCTION_INFO_V1(ctem_chokepoints);
PG_FUNCTION_INFO_V1(ctem_simulate_fix);
PG_FUNCTION_INFO_V1(ctem_fix_plan);
PG_FUNCTION_INFO_V1(ctem_attack_graph_dot);

/* exposures named in a DOT edge label, the likeliest first */
#define DOT_TOP_EXPOSURES 3

/* ------------------------------------------------------------------------
 * Arguments
 * ------------------------------------------------------------------------ */

static int32
arg_int(FunctionCallInfo fcinfo, int i, const char *name)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
	return PG_GETARG_INT32(i);
}

static int64
arg_int64(FunctionCallInfo fcinfo, int i, const char *name)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
	return PG_GETARG_INT64(i);
}

static void
check_range(const char *name, int32 v, int32 lo, int32 hi)
{
	if (v < lo || v > hi)
	{
		if (hi == PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be at least %d", name, lo),
					 errdetail("%s is %d.", name, v)));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %d and %d", name, lo, hi),
				 errdetail("%s is %d.", name, v)));
	}
}

static int32
arg_tenant(FunctionCallInfo fcinfo, int i)
{
	int32		tenant = arg_int(fcinfo, i, "tenant_id");

	check_range("tenant_id", tenant, 1, PG_INT32_MAX);
	return tenant;
}

/*
 * Does asset (tenant, id) exist, and is it a crown jewel?  For the errors
 * about an asset that is not a node of the graph; as the caller.
 */
static bool
asset_exists(int32 tenant, int64 id, bool *jewel)
{
	Oid			types[2] = {INT4OID, INT8OID};
	Datum		vals[2] = {Int32GetDatum(tenant), Int64GetDatum(id)};
	bool		found;
	bool		isnull;
	int			rc;

	ctem_spi_connect();
	rc = SPI_execute_with_args("SELECT a.crown_jewel FROM ctem.asset a "
							   "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
							   "AND a.id OPERATOR(pg_catalog.=) $2",
							   2, types, vals, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read ctem.asset: %s", SPI_result_code_string(rc));
	found = SPI_processed > 0;
	*jewel = found && DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull)) && !isnull;
	SPI_finish();
	return found;
}

pg_noreturn static void
no_such_asset(const char *what, int32 tenant, int64 id)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("%s " INT64_FORMAT " is not an asset of tenant %d", what, id, tenant),
			 errhint("Pass the id of an asset of tenant %d (ctem.asset.id).", tenant)));
}

/* the node of a target: a crown jewel of the tenant */
static int32
target_node(const CtemTenantGraph *tg, int64 target)
{
	int32		v = ctem_graph_node(tg, target);
	bool		jewel;

	if (v >= 0 && (tg->g->flags[v] & CTEM_NODE_JEWEL))
		return v;
	if (!asset_exists(tg->tenant, target, &jewel))
		no_such_asset("target", tg->tenant, target);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("target " INT64_FORMAT " is not a crown jewel of tenant %d", target, tg->tenant),
			 errdetail("Attack paths lead from entry points to crown jewels (ctem.asset.crown_jewel)."),
			 errhint("Mark the asset as a crown jewel (UPDATE ctem.asset SET crown_jewel = true WHERE tenant_id = %d AND id = " INT64_FORMAT "), use ctem.blast_radius for what an asset reaches, or leave target NULL for every crown jewel.",
					 tg->tenant, target)));
	return -1;					/* not reached */
}

/* a short-lived context and the engine's allocator on it */
static MemoryContext
query_scratch(CtemGraphAlloc *a)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ctem graph query",
											  ALLOCSET_DEFAULT_SIZES);

	ctem_graph_allocator(a, cxt);
	return cxt;
}

/* path of k_paths as asset ids (entry first) and edge ids */
static void
path_ids(const CtemTenantGraph *tg, const CtemGraphPath *p, int32 target,
		 int64 *assets, int64 *edges)
{
	assets[0] = tg->asset_ids[p->hops == 0 ? target : p->entry];
	for (int i = 0; i < p->hops; i++)
	{
		edges[i] = tg->edge_ids[p->edges[i]];
		assets[i + 1] = tg->asset_ids[tg->g->dst[p->edges[i]]];
	}
}

/* ------------------------------------------------------------------------
 * ctem.attack_paths(target, k, max_hops, tenant_id)
 * ------------------------------------------------------------------------ */

Datum
ctem_attack_paths(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		k = arg_int(fcinfo, 1, "k");
	int32		max_hops = arg_int(fcinfo, 2, "max_hops");
	int32		tenant = arg_tenant(fcinfo, 3);
	CtemTenantGraph *tg;
	const CtemGraph *g;
	MemoryContext scratch;
	CtemGraphAlloc a;
	CtemGraphError err;
	CtemGraphPath *paths;
	int64	   *assets;
	int64	   *edges;
	int32	   *targets;
	int			ntargets = 0;

	check_range("k", k, 1, CTEM_GRAPH_MAX_K);
	check_range("max_hops", max_hops, 1, CTEM_GRAPH_MAX_HOPS);
	InitMaterializedSRF(fcinfo, 0);
	tg = ctem_graph_get(tenant, false);
	g = tg->g;
	scratch = query_scratch(&a);
	targets = MemoryContextAlloc(scratch, sizeof(int32) * Max(g->n, 1));
	if (!PG_ARGISNULL(0))
		targets[ntargets++] = target_node(tg, PG_GETARG_INT64(0));
	else
		for (int32 v = 0; v < g->n; v++)
			if (g->flags[v] & CTEM_NODE_JEWEL)
				targets[ntargets++] = v;
	paths = MemoryContextAlloc(scratch, sizeof(CtemGraphPath) * k);
	assets = MemoryContextAlloc(scratch, sizeof(int64) * (max_hops + 1));
	edges = MemoryContextAlloc(scratch, sizeof(int64) * max_hops);

	for (int t = 0; t < ntargets; t++)
	{
		int32		v = targets[t];
		int			np = ctem_graph_k_paths(g, NULL, v, k, max_hops, paths, &a, &err);

		if (np < 0)
			ctem_graph_fail("find attack paths", &err);
		for (int i = 0; i < np; i++)
		{
			Datum		values[6];
			bool		nulls[6] = {false, false, false, false, false, false};

			path_ids(tg, &paths[i], v, assets, edges);
			values[0] = Int64GetDatum(tg->asset_ids[v]);
			values[1] = Int32GetDatum(i + 1);
			values[2] = Float8GetDatum(paths[i].prob);
			values[3] = Int32GetDatum(paths[i].hops);
			values[4] = PointerGetDatum(ctem_int8_array(assets, paths[i].hops + 1));
			values[5] = PointerGetDatum(ctem_int8_array(edges, paths[i].hops));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		ctem_graph_paths_free(paths, np, &a);
	}
	MemoryContextDelete(scratch);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * ctem.attack_path_through(asset, max_hops, tenant_id)
 * ------------------------------------------------------------------------ */

/*
 * The two halves at v: the most likely path of at most hf edges from an
 * entry point to v and of at most hb from v to a jewel (NULL when either
 * is missing).
 */
static bool
halves(const CtemGraph *g, int32 v, int hf, int hb, CtemGraphAlloc *a,
	   CtemGraphSearch **f, CtemGraphSearch **b)
{
	CtemGraphError err;

	*f = ctem_graph_search(g, NULL, NULL, 0, hf, a, &err);
	if (*f == NULL)
		ctem_graph_fail("search the attack graph", &err);
	*b = ctem_graph_search_to(g, NULL, NULL, 0, hb, a, &err);
	if (*b == NULL)
		ctem_graph_fail("search the attack graph", &err);
	return (*f)->prob[v] > 0.0 && (*b)->prob[v] > 0.0;
}

/*
 * The most likely entry -> v -> jewel path of at most max_hops edges, as the
 * path factor defines it (the best over h of the best h-edge-limited half
 * to v times the best (max_hops - h)-limited half from it).  The two
 * unlimited-by-the-split halves are the answer when their hops fit in
 * max_hops (nothing can beat their product); else every split is tried.
 */
Datum
ctem_attack_path_through(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		asset = arg_int64(fcinfo, 0, "asset");
	int32		tenant = arg_tenant(fcinfo, 2);
	int32		max_hops;
	CtemTenantGraph *tg;
	const CtemGraph *g;
	MemoryContext scratch;
	CtemGraphAlloc a;
	CtemGraphSearch *f = NULL;
	CtemGraphSearch *b = NULL;
	int32		v;
	int32	   *fe;
	int32	   *be;
	int			nf;
	int			nb;
	int64	   *assets;
	int64	   *edges;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	InitMaterializedSRF(fcinfo, 0);
	tg = ctem_graph_get(tenant, false);
	g = tg->g;
	max_hops = PG_ARGISNULL(1) ? tg->path_max_hops : PG_GETARG_INT32(1);
	check_range("max_hops", max_hops, 1, CTEM_GRAPH_MAX_HOPS);
	v = ctem_graph_node(tg, asset);
	if (v < 0)
	{
		bool		jewel;

		if (!asset_exists(tenant, asset, &jewel))
			no_such_asset("asset", tenant, asset);
		return (Datum) 0;		/* no edge: on no path */
	}
	scratch = query_scratch(&a);
	if (!halves(g, v, max_hops, max_hops, &a, &f, &b))
	{
		MemoryContextDelete(scratch);
		return (Datum) 0;
	}
	if (f->hops[v] + b->hops[v] > max_hops)
	{
		double		best = 0.0;
		int			best_h = -1;

		for (int h = 0; h <= max_hops; h++)
		{
			CHECK_FOR_INTERRUPTS();
			ctem_graph_search_free(f, &a);
			ctem_graph_search_free(b, &a);
			if (halves(g, v, h, max_hops - h, &a, &f, &b) &&
				f->prob[v] * b->prob[v] > best)
			{
				best = f->prob[v] * b->prob[v];
				best_h = h;
			}
		}
		ctem_graph_search_free(f, &a);
		ctem_graph_search_free(b, &a);
		if (best_h < 0 || !halves(g, v, best_h, max_hops - best_h, &a, &f, &b))
		{
			MemoryContextDelete(scratch);
			return (Datum) 0;
		}
	}
	fe = MemoryContextAlloc(scratch, sizeof(int32) * (max_hops + 1));
	be = MemoryContextAlloc(scratch, sizeof(int32) * (max_hops + 1));
	nf = ctem_graph_search_path(g, f, v, fe);
	nb = ctem_graph_search_path(g, b, v, be);
	if (nf < 0 || nb < 0)
		elog(ERROR, "attack path through asset " INT64_FORMAT " could not be rebuilt", asset);
	assets = MemoryContextAlloc(scratch, sizeof(int64) * (nf + nb + 1));
	edges = MemoryContextAlloc(scratch, sizeof(int64) * Max(nf + nb, 1));
	/* entry ... v from the forward half, then v ... jewel */
	assets[0] = tg->asset_ids[nf > 0 ? g->src[fe[0]] : v];
	for (int i = 0; i < nf; i++)
	{
		edges[i] = tg->edge_ids[fe[i]];
		assets[i + 1] = tg->asset_ids[g->dst[fe[i]]];
	}
	for (int i = 0; i < nb; i++)
	{
		edges[nf + i] = tg->edge_ids[be[i]];
		assets[nf + i + 1] = tg->asset_ids[g->dst[be[i]]];
	}
	values[0] = Float8GetDatum(f->prob[v] * b->prob[v]);
	values[1] = Int32GetDatum(nf + nb);
	values[2] = Int64GetDatum(assets[0]);
	values[3] = Int64GetDatum(assets[nf + nb]);
	values[4] = PointerGetDatum(ctem_int8_array(assets, nf + nb + 1));
	values[5] = PointerGetDatum(ctem_int8_array(edges, nf + nb));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	MemoryContextDelete(scratch);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * ctem.blast_radius(asset, max_hops, tenant_id)
 * ------------------------------------------------------------------------ */

Datum
ctem_blast_radius(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		asset = PG_GETARG_INT64(0);
	int32		max_hops = PG_GETARG_INT32(1);
	int32		tenant = arg_tenant(fcinfo, 2);
	CtemTenantGraph *tg;
	MemoryContext scratch;
	CtemGraphAlloc a;
	CtemGraphError err;
	CtemGraphSearch *s;
	int32		v;

	check_range("max_hops", max_hops, 1, CTEM_GRAPH_MAX_HOPS);
	InitMaterializedSRF(fcinfo, 0);
	tg = ctem_graph_get(tenant, false);
	v = ctem_graph_node(tg, asset);
	if (v < 0)
	{
		bool		jewel;
		Datum		values[3] = {Int64GetDatum(asset), Int32GetDatum(0), Float8GetDatum(1.0)};
		bool		nulls[3] = {false, false, false};

		/* an asset without edges reaches only itself */
		if (!asset_exists(tenant, asset, &jewel))
			no_such_asset("asset", tenant, asset);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		return (Datum) 0;
	}
	scratch = query_scratch(&a);
	s = ctem_graph_search(tg->g, NULL, &v, 1, max_hops, &a, &err);
	if (s == NULL)
		ctem_graph_fail("search the attack graph", &err);
	for (int32 u = 0; u < tg->g->n; u++)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		if (s->prob[u] <= 0.0)
			continue;
		values[0] = Int64GetDatum(tg->asset_ids[u]);
		values[1] = Int32GetDatum(s->hops[u]);
		values[2] = Float8GetDatum(s->prob[u]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(scratch);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * ctem.reachable_assets(max_hops, tenant_id)
 * ------------------------------------------------------------------------ */

Datum
ctem_reachable_assets(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		max_hops = PG_GETARG_INT32(0);
	int32		tenant = arg_tenant(fcinfo, 1);
	CtemTenantGraph *tg;
	MemoryContext scratch;
	CtemGraphAlloc a;
	CtemGraphError err;
	CtemGraphSearch *s;

	check_range("max_hops", max_hops, 1, CTEM_GRAPH_MAX_HOPS);
	InitMaterializedSRF(fcinfo, 0);
	tg = ctem_graph_get(tenant, false);
	scratch = query_scratch(&a);
	s = ctem_graph_search(tg->g, NULL, NULL, 0, max_hops, &a, &err);
	if (s == NULL)
		ctem_graph_fail("search the attack graph", &err);
	for (int32 u = 0; u < tg->g->n; u++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		if (s->prob[u] <= 0.0)
			continue;
		values[0] = Int64GetDatum(tg->asset_ids[u]);
		values[1] = Float8GetDatum(s->prob[u]);
		values[2] = Int32GetDatum(s->hops[u]);
		values[3] = Int64GetDatum(tg->asset_ids[s->origin[u]]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(scratch);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * ctem.chokepoints(top, tenant_id)
 * ------------------------------------------------------------------------ */

Datum
ctem_chokepoints(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		top = PG_GETARG_INT32(0);
	int32		tenant = arg_tenant(fcinfo, 1);
	CtemTenantGraph *tg;
	const CtemGraph *g;
	MemoryContext scratch;
	CtemGraphAlloc a;
	CtemGraphError err;
	CtemChokepoint *out;
	int			n;

	check_range("top", top, 1, PG_INT32_MAX);
	InitMaterializedSRF(fcinfo, 0);
	tg = ctem_graph_get(tenant, false);
	g = tg->g;
	if (g->n == 0)
		return (Datum) 0;
	top = Min(top, g->n);
	scratch = query_scratch(&a);
	out = MemoryContextAllocExtended(scratch, sizeof(CtemChokepoint) * top, MCXT_ALLOC_HUGE);
	n = ctem_graph_chokepoints(g, top, tg->path_max_hops, out, &a, &err);
	if (n < 0)
		ctem_graph_fail("rank chokepoints", &err);
	for (int i = 0; i < n; i++)
	{
		int32		v = out[i].node;
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int64GetDatum(tg->asset_ids[v]);
		values[1] = Int32GetDatum(out[i].entries_reaching);
		values[2] = Int32GetDatum(out[i].jewels_reached);
		values[3] = Float8GetDatum(out[i].risk_reduction);
		values[4] = PointerGetDatum(ctem_int8_array(tg->exp_ids + g->exp_off[v],
											   g->exp_off[v + 1] - g->exp_off[v]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(scratch);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * ctem.simulate_fix(exposure_ids, tenant_id)
 * ------------------------------------------------------------------------ */

typedef struct ExpPos
{
	int64		id;
	int32		index;
} ExpPos;

static int
cmp_exppos(const void *a, const void *b)
{
	int64		x = ((const ExpPos *) a)->id;
	int64		y = ((const ExpPos *) b)->id;

	return (x > y) - (x < y);
}

/*
 * The exposures of the graph marked in a bitmap; each id must be an
 * exposure of the tenant (one that is not in the graph, closed or on an
 * asset no step needs an exploit of, changes nothing).
 */
static uint8 *
fixed_bitmap(const CtemTenantGraph *tg, ArrayType *ids_arr, MemoryContext cxt)
{
	int32		e = tg->g->exp_off[tg->g->n];
	uint8	   *fixed = MemoryContextAllocZero(cxt, (Size) e / 8 + 1);
	ExpPos	   *pos = MemoryContextAllocExtended(cxt, sizeof(ExpPos) * Max(e, 1), MCXT_ALLOC_HUGE);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int64	   *missing;
	int			nmissing = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ARR_NDIM(ids_arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("exposure_ids must be a one-dimensional array")));
	get_typlenbyvalalign(INT8OID, &typlen, &typbyval, &typalign);
	deconstruct_array(ids_arr, INT8OID, typlen, typbyval, typalign, &elems, &nulls, &n);
	for (int32 j = 0; j < e; j++)
	{
		pos[j].id = tg->exp_ids[j];
		pos[j].index = j;
	}
	qsort(pos, e, sizeof(ExpPos), cmp_exppos);
	missing = palloc(sizeof(int64) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		ExpPos		key;
		ExpPos	   *hit;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("exposure_ids must not contain NULL")));
		key.id = DatumGetInt64(elems[i]);
		hit = e > 0 ? bsearch(&key, pos, e, sizeof(ExpPos), cmp_exppos) : NULL;
		if (hit != NULL)
			fixed[hit->index / 8] |= (uint8) (1 << (hit->index % 8));
		else
			missing[nmissing++] = key.id;
	}
	if (nmissing > 0)
	{
		Oid			types[2] = {INT4OID, INT8ARRAYOID};
		Datum		vals[2];
		int			rc;
		int64		unknown = 0;
		int			nunknown = 0;

		vals[0] = Int32GetDatum(tg->tenant);
		vals[1] = PointerGetDatum(ctem_int8_array(missing, nmissing));
		ctem_spi_connect();
		rc = SPI_execute_with_args("SELECT m.id FROM pg_catalog.unnest($2) m(id) "
								   "WHERE NOT EXISTS (SELECT 1 FROM ctem.exposure x "
								   "WHERE x.tenant_id OPERATOR(pg_catalog.=) $1 "
								   "AND x.id OPERATOR(pg_catalog.=) m.id) ORDER BY m.id",
								   2, types, vals, NULL, true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not read ctem.exposure: %s", SPI_result_code_string(rc));
		nunknown = (int) SPI_processed;
		if (nunknown > 0)
		{
			bool		isnull;

			unknown = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 1, &isnull));
		}
		SPI_finish();
		if (nunknown > 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("exposure " INT64_FORMAT " is not an exposure of tenant %d", unknown, tg->tenant),
					 nunknown > 1 ? errdetail("%d of the exposure ids given are not exposures of tenant %d.",
											  nunknown, tg->tenant) : 0,
					 errhint("Pass ids of ctem.exposure rows of tenant %d.", tg->tenant)));
	}
	return fixed;
}

Datum
ctem_simulate_fix(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *ids = PG_GETARG_ARRAYTYPE_P(0);
	int32		tenant = arg_tenant(fcinfo, 1);
	CtemTenantGraph *tg;
	const CtemGraph *g;
	MemoryContext scratch;
	CtemGraphAlloc a;
	CtemGraphError err;
	uint8	   *fixed;
	double	   *after;
	CtemGraphSearch *s0;
	CtemGraphSearch *s1;
	int			hops;

	InitMaterializedSRF(fcinfo, 0);
	tg = ctem_graph_get(tenant, false);
	g = tg->g;
	hops = tg->path_max_hops;
	scratch = query_scratch(&a);
	fixed = fixed_bitmap(tg, ids, scratch);
	after = ctem_graph_overlay(g, fixed, &a, &err);
	if (after == NULL)
		ctem_graph_fail("apply the fixes", &err);
	s0 = ctem_graph_search(g, NULL, NULL, 0, hops, &a, &err);
	if (s0 == NULL)
		ctem_graph_fail("search the attack graph", &err);
	s1 = ctem_graph_search(g, after, NULL, 0, hops, &a, &err);
	if (s1 == NULL)
		ctem_graph_fail("search the attack graph", &err);
	for (int32 v = 0; v < g->n; v++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		int32		e0,
					e1;

		if (!(g->flags[v] & CTEM_NODE_JEWEL))
			continue;
		e0 = ctem_graph_entries_reaching(g, NULL, v, hops, &a, &err);
		if (e0 < 0)
			ctem_graph_fail("count entry points", &err);
		e1 = ctem_graph_entries_reaching(g, after, v, hops, &a, &err);
		if (e1 < 0)
			ctem_graph_fail("count entry points", &err);
		values[0] = Int64GetDatum(tg->asset_ids[v]);
		values[1] = Float8GetDatum(s0->prob[v]);
		values[2] = Float8GetDatum(s1->prob[v]);
		values[3] = Int32GetDatum(e0);
		values[4] = Int32GetDatum(e1);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(scratch);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * ctem.fix_plan(budget, tenant_id)
 * ------------------------------------------------------------------------ */

Datum
ctem_fix_plan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		budget = PG_GETARG_INT32(0);
	int32		tenant = arg_tenant(fcinfo, 1);
	CtemTenantGraph *tg;
	const CtemGraph *g;
	MemoryContext scratch;
	CtemGraphAlloc a;
	CtemGraphError err;
	CtemFixStep *out;
	int32		e;
	int			n;

	check_range("budget", budget, 1, PG_INT32_MAX);
	InitMaterializedSRF(fcinfo, 0);
	tg = ctem_graph_get(tenant, false);
	g = tg->g;
	e = g->exp_off[g->n];
	if (e == 0)
		return (Datum) 0;
	budget = Min(budget, e);
	scratch = query_scratch(&a);
	out = MemoryContextAllocExtended(scratch, sizeof(CtemFixStep) * budget, MCXT_ALLOC_HUGE);
	n = ctem_graph_fix_plan(g, budget, tg->path_max_hops, out, &a, &err);
	if (n < 0)
		ctem_graph_fail("plan fixes", &err);
	for (int i = 0; i < n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = Int64GetDatum(tg->exp_ids[out[i].exposure]);
		values[2] = Int64GetDatum(tg->asset_ids[out[i].node]);
		values[3] = Float8GetDatum(out[i].risk_after);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	MemoryContextDelete(scratch);
	return (Datum) 0;
}

/* ------------------------------------------------------------------------
 * ctem.attack_graph_dot(target, k, tenant_id)
 * ------------------------------------------------------------------------ */

/* s in a DOT double-quoted string: quotes and backslashes escaped, line
 * breaks as \n, other control characters as blanks */
static void
dot_escape(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\')
		{
			appendStringInfoChar(buf, '\\');
			appendStringInfoChar(buf, (char) c);
		}
		else if (c == '\n')
			appendStringInfoString(buf, "\\n");
		else if (c < 0x20 || c == 0x7f)
			appendStringInfoChar(buf, ' ');
		else
			appendStringInfoChar(buf, (char) c);
	}
}

/* a probability as a label shows it: 4 significant digits */
static void
append_prob(StringInfo buf, double p)
{
	appendStringInfo(buf, "%.4g", p);
}

typedef struct DotPath
{
	int32		target;
	int			rank;
	CtemGraphPath path;
} DotPath;

/* id -> label text, from one query; ids ascending */
typedef struct IdText
{
	int64		id;
	char	   *text;
	char	   *text2;
} IdText;

static int
cmp_idtext(const void *a, const void *b)
{
	int64		x = ((const IdText *) a)->id;
	int64		y = ((const IdText *) b)->id;

	return (x > y) - (x < y);
}

/* rows (id, text, text) of sql over ($1 tenant, $2 ids), as the caller */
static IdText *
fetch_texts(const char *sql, int32 tenant, const int64 *ids, int n, int *nout)
{
	Oid			types[2] = {INT4OID, INT8ARRAYOID};
	Datum		vals[2];
	MemoryContext cxt = CurrentMemoryContext;
	IdText	   *out;
	int			rc;

	vals[0] = Int32GetDatum(tenant);
	vals[1] = PointerGetDatum(ctem_int8_array(ids, n));
	ctem_spi_connect();
	rc = SPI_execute_with_args(sql, 2, types, vals, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read labels: %s", SPI_result_code_string(rc));
	out = MemoryContextAlloc(cxt, sizeof(IdText) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		char	   *t;

		out[i].id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		t = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		out[i].text = MemoryContextStrdup(cxt, t ? t : "");
		t = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		out[i].text2 = MemoryContextStrdup(cxt, t ? t : "");
	}
	*nout = (int) SPI_processed;
	SPI_finish();
	qsort(out, *nout, sizeof(IdText), cmp_idtext);
	return out;
}

static const IdText *
find_text(const IdText *texts, int n, int64 id)
{
	IdText		key = {.id = id};

	return n > 0 ? bsearch(&key, texts, n, sizeof(IdText), cmp_idtext) : NULL;
}

/* is exposure x likelier than y (then: lower id)? */
static bool
exposure_before(const CtemTenantGraph *tg, int32 x, int32 y)
{
	const double *p = tg->g->exp_p;

	return p[x] > p[y] || (p[x] == p[y] && tg->exp_ids[x] < tg->exp_ids[y]);
}

/* the exposures of node v, likeliest first (then by id), at most max */
static int
top_exposures(const CtemTenantGraph *tg, int32 v, int32 *out, int max)
{
	const CtemGraph *g = tg->g;
	int			n = 0;

	for (int32 j = g->exp_off[v]; j < g->exp_off[v + 1]; j++)
	{
		int			at = n;

		while (at > 0 && exposure_before(tg, j, out[at - 1]))
			at--;
		if (at >= max)
			continue;
		for (int s = Min(n, max - 1); s > at; s--)
			out[s] = out[s - 1];
		out[at] = j;
		if (n < max)
			n++;
	}
	return n;
}

Datum
ctem_attack_graph_dot(PG_FUNCTION_ARGS)
{
	int32		k = arg_int(fcinfo, 1, "k");
	int32		tenant = arg_tenant(fcinfo, 2);
	CtemTenantGraph *tg;
	const CtemGraph *g;
	MemoryContext scratch;
	MemoryContext caller = CurrentMemoryContext;
	CtemGraphAlloc a;
	CtemGraphError err;
	int			hops;
	DotPath    *dp;
	int			ndp = 0,
				dp_room = 16;
	uint8	   *node_used;
	uint8	   *edge_used;
	int32	   *targets;
	int			ntargets = 0;
	int64	   *ids;
	int			nids = 0;
	IdText	   *assets;
	int			nassets;
	IdText	   *rules;
	int			nrules;
	StringInfoData buf;
	text	   *result;

	check_range("k", k, 1, CTEM_GRAPH_MAX_K);
	tg = ctem_graph_get(tenant, false);
	g = tg->g;
	hops = tg->path_max_hops;
	scratch = query_scratch(&a);
	MemoryContextSwitchTo(scratch);

	targets = palloc(sizeof(int32) * Max(g->n, 1));
	if (!PG_ARGISNULL(0))
		targets[ntargets++] = target_node(tg, PG_GETARG_INT64(0));
	else
		for (int32 v = 0; v < g->n; v++)
			if (g->flags[v] & CTEM_NODE_JEWEL)
				targets[ntargets++] = v;

	/* the paths */
	dp = palloc(sizeof(DotPath) * dp_room);
	node_used = palloc0(Max(g->n, 1));
	edge_used = palloc0(Max(g->m, 1));
	for (int t = 0; t < ntargets; t++)
	{
		CtemGraphPath *paths = palloc(sizeof(CtemGraphPath) * k);
		int			np = ctem_graph_k_paths(g, NULL, targets[t], k, hops, paths, &a, &err);

		if (np < 0)
			ctem_graph_fail("find attack paths", &err);
		node_used[targets[t]] = 1;
		for (int i = 0; i < np; i++)
		{
			if (ndp == dp_room)
			{
				dp_room *= 2;
				dp = repalloc(dp, sizeof(DotPath) * dp_room);
			}
			dp[ndp].target = targets[t];
			dp[ndp].rank = i + 1;
			dp[ndp].path = paths[i];
			ndp++;
			node_used[paths[i].hops == 0 ? targets[t] : paths[i].entry] = 1;
			for (int h = 0; h < paths[i].hops; h++)
			{
				edge_used[paths[i].edges[h]] = 1;
				node_used[g->dst[paths[i].edges[h]]] = 1;
			}
		}
	}

	/* natural keys and kinds of the assets drawn */
	ids = palloc(sizeof(int64) * (Max(g->n, 1)));
	for (int32 v = 0; v < g->n; v++)
		if (node_used[v])
			ids[nids++] = tg->asset_ids[v];
	assets = fetch_texts("SELECT a.id, a.natural_key, a.kind FROM ctem.asset a "
						 "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
						 "AND a.id OPERATOR(pg_catalog.=) ANY ($2)",
						 tenant, ids, nids, &nassets);

	/* rule ids of the exposures named on the steps drawn */
	nids = 0;
	for (int32 i = 0; i < g->m; i++)
	{
		int32		top[DOT_TOP_EXPOSURES];
		int			nt;

		if (!edge_used[i] || !g->exploit[i])
			continue;
		nt = top_exposures(tg, g->dst[i], top, DOT_TOP_EXPOSURES);
		for (int j = 0; j < nt; j++)
		{
			if (nids % 64 == 0)
				ids = repalloc(ids, sizeof(int64) * (nids + 64));
			ids[nids++] = tg->exp_ids[top[j]];
		}
	}
	rules = fetch_texts("SELECT x.id, x.rule_id, NULL FROM ctem.exposure x "
						"WHERE x.tenant_id OPERATOR(pg_catalog.=) $1 "
						"AND x.id OPERATOR(pg_catalog.=) ANY ($2)",
						tenant, ids, nids, &nrules);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "digraph \"ctem attack paths\" {\n");
	appendStringInfo(&buf, "\tgraph [rankdir=LR, fontname=\"Helvetica\", labelloc=t, label=\"");
	if (!PG_ARGISNULL(0))
		appendStringInfo(&buf, "Attack paths of tenant %d to asset " INT64_FORMAT, tenant, PG_GETARG_INT64(0));
	else
		appendStringInfo(&buf, "Attack paths of tenant %d to its crown jewels", tenant);
	appendStringInfo(&buf, ": the %d most likely to each, of at most %d steps\"];\n", k, hops);
	appendStringInfoString(&buf,
						   "\tnode [shape=box, style=\"rounded,filled\", fillcolor=\"#eeeeee\", fontname=\"Helvetica\"];\n"
						   "\tedge [fontname=\"Helvetica\", fontsize=10];\n");

	/* one comment line per path, by target then rank */
	for (int t = 0, i = 0; t < ntargets; t++)
	{
		bool		any = false;

		for (; i < ndp && dp[i].target == targets[t]; i++)
		{
			const CtemGraphPath *p = &dp[i].path;

			any = true;
			appendStringInfo(&buf, "\t// path %d to a" INT64_FORMAT ": probability ", dp[i].rank,
							 tg->asset_ids[targets[t]]);
			append_prob(&buf, p->prob);
			appendStringInfo(&buf, ", %d step%s: a" INT64_FORMAT, p->hops, p->hops == 1 ? "" : "s",
							 tg->asset_ids[p->hops == 0 ? targets[t] : p->entry]);
			for (int h = 0; h < p->hops; h++)
				appendStringInfo(&buf, " -> a" INT64_FORMAT, tg->asset_ids[g->dst[p->edges[h]]]);
			appendStringInfoChar(&buf, '\n');
		}
		if (!any)
			appendStringInfo(&buf, "\t// a" INT64_FORMAT ": no attack path of at most %d steps\n",
							 tg->asset_ids[targets[t]], hops);
	}

	/* the assets, by id */
	for (int32 v = 0; v < g->n; v++)
	{
		const IdText *at;
		uint8		f = g->flags[v];

		if (!node_used[v])
			continue;
		at = find_text(assets, nassets, tg->asset_ids[v]);
		appendStringInfo(&buf, "\t\"a" INT64_FORMAT "\" [label=\"", tg->asset_ids[v]);
		dot_escape(&buf, at ? at->text : "?");
		appendStringInfoString(&buf, "\\n(");
		dot_escape(&buf, at ? at->text2 : "?");
		appendStringInfoChar(&buf, ')');
		if (f & CTEM_NODE_ENTRY)
			appendStringInfoString(&buf, "\\nentry point");
		if (f & CTEM_NODE_JEWEL)
			appendStringInfoString(&buf, "\\ncrown jewel");
		appendStringInfoChar(&buf, '"');
		if (f & CTEM_NODE_JEWEL)
			appendStringInfoString(&buf, ", shape=doubleoctagon, fillcolor=\"#fb6a4a\"");
		else if (f & CTEM_NODE_ENTRY)
			appendStringInfoString(&buf, ", shape=box, fillcolor=\"#fdae6b\"");
		if ((f & CTEM_NODE_ENTRY) && (f & CTEM_NODE_JEWEL))
			appendStringInfoString(&buf, ", peripheries=3");
		appendStringInfoString(&buf, "];\n");
	}

	/* the steps, by edge id (edges are in id order) */
	for (int32 i = 0; i < g->m; i++)
	{
		if (!edge_used[i])
			continue;
		appendStringInfo(&buf, "\t\"a" INT64_FORMAT "\" -> \"a" INT64_FORMAT "\" [label=\"",
						 tg->asset_ids[g->src[i]], tg->asset_ids[g->dst[i]]);
		append_prob(&buf, g->step[i]);
		appendStringInfo(&buf, "\\n%s ", ctem_edge_kind_labels[tg->edge_kind[i]]);
		append_prob(&buf, g->p[i]);
		if (g->exploit[i])
		{
			int32		top[DOT_TOP_EXPOSURES];
			int			nt = top_exposures(tg, g->dst[i], top, DOT_TOP_EXPOSURES);
			int32		more = g->exp_off[g->dst[i] + 1] - g->exp_off[g->dst[i]] - nt;

			appendStringInfoString(&buf, " x exploitability ");
			append_prob(&buf, g->exploitability[g->dst[i]]);
			appendStringInfoString(&buf, "\\n");
			if (nt == 0)
				appendStringInfoString(&buf, "no open exposure: baseline");
			for (int j = 0; j < nt; j++)
			{
				const IdText *rt = find_text(rules, nrules, tg->exp_ids[top[j]]);

				if (j > 0)
					appendStringInfoString(&buf, ", ");
				dot_escape(&buf, rt ? rt->text : "?");
				appendStringInfoChar(&buf, ' ');
				append_prob(&buf, g->exp_p[top[j]]);
			}
			if (more > 0)
				appendStringInfo(&buf, ", %d more", more);
		}
		appendStringInfo(&buf, "\", penwidth=%.2f];\n", 1.0 + 3.0 * g->step[i]);
	}
	appendStringInfoString(&buf, "}\n");

	MemoryContextSwitchTo(caller);
	result = cstring_to_text_with_len(buf.data, buf.len);
	MemoryContextDelete(scratch);
	PG_RETURN_TEXT_P(result);
}
