/*-------------------------------------------------------------------------
 *
 * graph.h
 *		A tenant's attack graph as this backend holds it: the engine's graph
 *		(core/graph/graph_core.h) with the ids its dense indices stand for,
 *		cached per tenant and rebuilt when the tenant's change log says the
 *		inputs changed (graph.c, docs/attack-paths.md).
 *
 * What other stages call: ctem_graph_get for the graph of a tenant,
 * ctem_graph_path_factors for the path factor of every asset (what the score
 * reads as "on an attack path").
 *
 * src/validate/graph.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_GRAPH_H
#define CTEM_GRAPH_H

#include "access/tupdesc.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "core/graph/graph_core.h"

/* ctem.edge_kind, in label order */
typedef enum CtemEdgeKind
{
	CTEM_EDGE_NETWORK,
	CTEM_EDGE_CREDENTIAL,
	CTEM_EDGE_TRUST,
	CTEM_EDGE_LATERAL,
	CTEM_EDGE_RUNS_ON,
	CTEM_EDGE_OTHER
} CtemEdgeKind;

extern const char *const ctem_edge_kind_labels[];

/*
 * A tenant's graph.  Node v of g is asset asset_ids[v] (ascending, so nodes
 * sort as their asset ids); edge i is ctem.asset_edge id edge_ids[i] (edges
 * in id order); exposure j (g->exp_p[j]) is ctem.exposure id exp_ids[j]
 * (by node, then id).  The nodes are the entry points, the crown jewels and
 * the ends of edges; an asset that is none of these is not in the graph.
 * The exposures are the open ones (open, in_progress) of the assets some
 * edge needs an exploit of, each with p = L x V from its stored score.
 */
typedef struct CtemTenantGraph
{
	int32		tenant;
	CtemGraph  *g;
	int64	   *asset_ids;		/* [g->n] */
	int64	   *edge_ids;		/* [g->m] */
	uint8	   *edge_kind;		/* [g->m] CtemEdgeKind */
	int64	   *exp_ids;		/* [g->exp_off[g->n]] */
	int			path_max_hops;	/* the active policy's path_max_hops */
	bool		cached;			/* kept for the backend (else the caller's) */

	/* the rest is graph.c's */
	MemoryContext cxt;			/* holds all of it */
	Size		bytes;			/* what it holds, as counted against the cap */
	Oid			log_filenode;	/* of ctem.graph_change when read */
	int			nseq;			/* the tenant's log rows seen */
	int64	   *seq;			/* [nseq] their numbers, ascending */
	char	   *policy;			/* the active policy row as text */
	uint64		used;			/* when last used (a counter) */
} CtemTenantGraph;

/*
 * The graph of tenant as the active snapshot sees it: the cached one when
 * still current, else read anew (and cached, unless the tenant's change log
 * is empty or row-level security applies to the caller on ctem's tables:
 * then it lives in the caller's memory context).  The data is read as the
 * caller (privileges and row security apply); the change log and policy as
 * the extension's owner.  fresh_snapshot: read with a new snapshot (a
 * trigger that wants the effects of its own statement); else the active one
 * (a STABLE function's, consistent with its query).  Valid until the next
 * call (which may drop cached graphs to make room).
 */
extern CtemTenantGraph *ctem_graph_get(int32 tenant, bool fresh_snapshot);

/* the node of asset_id in tg, -1 when it is not a node */
extern int32 ctem_graph_node(const CtemTenantGraph *tg, int64 asset_id);

/*
 * The engine's allocator for what a query over tg needs, in cxt (palloc
 * that returns NULL when memory runs out), with CHECK_FOR_INTERRUPTS as
 * the interrupt hook.
 */
extern void ctem_graph_allocator(CtemGraphAlloc *a, MemoryContext cxt);

/* ereport an engine failure (what it was doing, the engine's message) */
pg_noreturn extern void ctem_graph_fail(const char *what, const CtemGraphError *err);

/*
 * The path factor of every asset of tenant: the probability of the most
 * likely path of at most max_hops edges (1 to CTEM_GRAPH_MAX_HOPS; 0: the
 * active policy's path_max_hops) from an entry point through the asset to
 * a crown jewel (an entry point that is a jewel: 1).  Returns the number of
 * assets with a factor above 0; *asset_ids and *factors (palloc'd in the
 * caller's context) list them by ascending asset id.  Assets not listed
 * have factor 0.  fresh_snapshot as for ctem_graph_get.
 */
extern int	ctem_graph_path_factors(int32 tenant, int max_hops, bool fresh_snapshot,
									int64 **asset_ids, double **factors);

/*
 * An edge statement's changes, for patching a tenant's cached graph instead
 * of reading it again (graph.c, "Patching"): the statement trigger's
 * transition tables (old_rows: the rows deleted or updated, new_rows: the
 * rows inserted or updated; either may be NULL) and the attribute numbers
 * of tenant_id, id, source_asset_id, target_asset_id, kind, probability and
 * exploit_required in desc; tenant and seq: the tenant whose refresh runs
 * now and the ctem.graph_change row the statement wrote for it.
 */
typedef struct CtemEdgeDelta
{
	Tuplestorestate *old_rows;
	Tuplestorestate *new_rows;
	TupleDesc	desc;
	int			atts[7];
	int32		tenant;
	int64		seq;
} CtemEdgeDelta;

/*
 * Offer delta to the next ctem_graph_get(tenant, true) of delta->tenant
 * (NULL: withdraw it).  The caller withdraws it before the transition
 * tables go, also on error.
 */
extern void ctem_graph_offer_delta(CtemEdgeDelta *delta);

#endif							/* CTEM_GRAPH_H */
