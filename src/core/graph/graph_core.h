/*-------------------------------------------------------------------------
 *
 * graph_core.h
 *	  ctem's attack-graph engine: the most likely attack paths over an
 *	  asset graph, blast radius, reachability, chokepoints and what-if
 *	  fixes.  Plain C, no PostgreSQL header: the glue (src/validate/graph.c)
 *	  maps assets and edges to dense indices, builds a CtemGraph once and
 *	  keeps it; test/graph_check.c and test/fuzz/fuzz_graph.c use it alone.
 *
 * The model (docs/attack-paths.md):
 *	- nodes are assets, 0..n-1; a node may be an entry point (the attacker
 *	  starts there) and/or a crown jewel (a target);
 *	- each node has open exposures, each with a probability p in [0, 1] that
 *	  it can be exploited; the node's exploitability is 1 - prod(1 - p),
 *	  or the graph's baseline when it has none;
 *	- edges are directed steps src -> dst with a probability in (0, 1] that
 *	  the step succeeds given the attacker holds src; an edge that requires
 *	  an exploit succeeds with probability p * exploitability(dst);
 *	- a path's probability is the product of its steps' (independent
 *	  steps); its hops are its edges.  The most likely path is the shortest
 *	  path on -ln(step probability).  max_hops limits every search to paths
 *	  of at most that many edges; the probabilities returned are those of the
 *	  most likely path within the limit.
 *	- paths are compared exactly on integer weights: each step's -ln(step)
 *	  rounded to a multiple of 2^-44 (see "Ties" below), so two paths whose
 *	  probabilities agree to about 12 significant digits are equally likely.
 *	  The probability reported for a path is the product of its steps,
 *	  multiplied from the path's origin (the search's start) outwards.  A
 *	  step of probability 0 (an exploit into a node of exploitability 0) is
 *	  no step; a path less likely than e^-700 (about 1e-304) is no path.
 *	- fixing exposures (a bitmap, bit i = byte i / 8, bit i % 8, least
 *	  significant first) closes them: a node's exploitability is then that
 *	  of its still open exposures, or the baseline when none is left open,
 *	  as for a node that never had one (so fixing a node's only exposure of
 *	  p below the baseline raises it to the baseline).
 *	- the path risk of the graph is the sum over crown jewels of the
 *	  probability of the most likely path from any entry point to the jewel
 *	  (a jewel that is an entry point counts 1).  Chokepoints and fix plans
 *	  rank fixes by how much of it they remove.
 *
 * Ties (deterministic, the same in every function): of the paths of the
 * least weight the one of fewest hops; of those, the one whose edge ids
 * are lower compared from the end at the node asked about (the last edge
 * first for ctem_graph_search and ctem_graph_k_paths, which end there;
 * the first edge first for ctem_graph_search_to, which starts there).
 * Such a most likely path never repeats a node.
 *
 * Every allocation goes through the CtemGraphAlloc given (palloc in the
 * glue); a function that fails returns false / NULL / -1 with a message in
 * the CtemGraphError given, and allocates nothing that outlives the call
 * except what it returns (free it with the ctem_graph_*_free functions,
 * which do nothing when the allocator has no free).  A call's working
 * memory is about 100 bytes a node, plus 40 for each path a search keeps
 * (a node keeps one more for each hop count that makes it more likely).
 * Long loops call the interrupt hook, which may longjmp out (the glue's
 * CHECK_FOR_INTERRUPTS); memory from the allocator is then the caller's
 * to drop (a memory context).
 *
 * src/core/graph/graph_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_GRAPH_CORE_H
#define CTEM_GRAPH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTEM_NODE_ENTRY		0x01
#define CTEM_NODE_JEWEL		0x02

#define CTEM_GRAPH_MAX_HOPS	64	/* max_hops above this is an error */
#define CTEM_GRAPH_MAX_K	100 /* k above this is an error */
#define CTEM_GRAPH_MAX_ITEMS	(INT32_MAX - 1) /* most nodes, edges, exposures */

typedef struct CtemGraphAlloc
{
	void	   *(*alloc) (void *arg, size_t size);	/* NULL on failure */
	void		(*free) (void *arg, void *ptr); /* may be NULL: no frees */
	void		(*interrupt) (void *arg);	/* may be NULL */
	void	   *arg;
} CtemGraphAlloc;

typedef struct CtemGraphError
{
	char		message[256];
} CtemGraphError;

/*
 * What the glue gives to build a graph (arrays are copied).  flags may be
 * NULL (no entry point, no jewel), exp_off NULL (no exposure) and exploit
 * NULL (no edge requires an exploit).
 */
typedef struct CtemGraphInput
{
	int32_t		n;				/* nodes */
	const uint8_t *flags;		/* [n] CTEM_NODE_* */
	/* open exposures by node: those of node v are exp_p[exp_off[v] ..
	 * exp_off[v + 1] - 1]; exp_off has n + 1 entries, exp_off[0] = 0 */
	const int32_t *exp_off;
	const double *exp_p;		/* each in [0, 1] */
	double		baseline;		/* exploitability of a node without any, (0, 1] */
	int32_t		m;				/* edges */
	const int32_t *src;			/* [m] */
	const int32_t *dst;			/* [m] */
	const double *p;			/* [m], each in (0, 1] */
	const uint8_t *exploit;		/* [m], exploit_required */
} CtemGraphInput;

typedef struct CtemGraph
{
	int32_t		n;
	int32_t		m;
	uint8_t    *flags;			/* [n] */
	int32_t    *exp_off;		/* [n + 1] */
	double	   *exp_p;			/* [exp_off[n]] */
	double		baseline;
	double	   *exploitability; /* [n] */
	int32_t    *src;			/* [m] */
	int32_t    *dst;			/* [m] */
	double	   *p;				/* [m] */
	uint8_t    *exploit;		/* [m] */
	double	   *step;			/* [m] step probability */
	/* CSR offsets: the out-edges of v are at out_off[v] .. out_off[v+1]-1
	 * of out_arc, the in-edges likewise of in_arc; within a node, edges in
	 * input order */
	int32_t    *out_off;		/* [n + 1] */
	int32_t    *in_off;			/* [n + 1] */
	int32_t		nentries;
	int32_t		njewels;
	size_t		bytes;			/* memory the graph holds */
	/* private to the core: one record per out-edge (its integer weight,
	 * target and edge id) and per in-edge (its source and the position
	 * of its out-arc), for the searches */
	struct CtemGraphArc *out_arc;	/* [m] */
	struct CtemGraphInArc *in_arc;	/* [m] */
} CtemGraph;

/*
 * Build (and validate) a graph: every index in range, no self-loop, edge
 * probabilities in (0, 1], exposure probabilities in [0, 1], baseline in
 * (0, 1], exp_off non-decreasing from 0, n, m and exposures at most
 * CTEM_GRAPH_MAX_ITEMS.  NULL with err set when the input is invalid or
 * memory runs out.  The graph is one allocation of g->bytes bytes.
 */
extern CtemGraph *ctem_graph_build(const CtemGraphInput *in,
								   const CtemGraphAlloc *a, CtemGraphError *err);

/* frees a graph of ctem_graph_build (NULL: nothing) */
extern void ctem_graph_free(CtemGraph *g, const CtemGraphAlloc *a);

/*
 * memory ctem_graph_build would need for n nodes, m edges, e exposures
 * (exactly the g->bytes it allocates: 49 bytes an edge, 21 a node, 8 an
 * exposure, so about 52 MB for 100k nodes and 1M edges); SIZE_MAX when a
 * count is negative or above CTEM_GRAPH_MAX_ITEMS
 */
extern size_t ctem_graph_size(int32_t n, int32_t m, int32_t e);

/*
 * Exploitability of node v with the exposures marked in fixed (a bitmap
 * over exposure indices, bit i = exposure i is fixed; NULL = none fixed):
 * 1 - prod(1 - p) over its open exposures, the baseline when none is
 * open.  -1 when v is out of range.
 */
extern double ctem_graph_node_exploitability(const CtemGraph *g, int32_t v,
											 const uint8_t *fixed);

/*
 * A search result: for every node the most likely path to it within the
 * hop limit from the search's sources.  prob 0 = not reached.
 */
typedef struct CtemGraphSearch
{
	int32_t		n;
	int			max_hops;
	double	   *prob;			/* [n] */
	int32_t    *hops;			/* [n] edges on that path, -1 when not reached */
	int32_t    *origin;			/* [n] source the path starts at, -1 */
	/* path reconstruction, private to the core */
	int32_t    *pred;
	int32_t    *pred_hops;
	void	   *priv;
} CtemGraphSearch;

/* frees a search result (one allocation; NULL: nothing) */
extern void ctem_graph_search_free(CtemGraphSearch *s, const CtemGraphAlloc *a);

/*
 * The step probabilities of g with the exposures in fixed fixed (NULL: as
 * built): an overlay array of m doubles for the searches below (NULL in a
 * search = g->step).  Only the edges that require an exploit into a node
 * with a fixed exposure differ from g->step.  Free it with a->free.  A
 * search may also be given any array of m probabilities in [0, 1] (others
 * count as 0: no step).
 */
extern double *ctem_graph_overlay(const CtemGraph *g, const uint8_t *fixed,
								  const CtemGraphAlloc *a, CtemGraphError *err);

/*
 * Most likely paths from the sources (every entry point when sources is
 * NULL; each source at probability 1, hops 0) to every node, within
 * max_hops edges (0 .. CTEM_GRAPH_MAX_HOPS), on step probabilities step
 * (NULL: g->step).  A source listed twice counts once; one out of range is
 * an error.
 */
extern CtemGraphSearch *ctem_graph_search(const CtemGraph *g, const double *step,
										  const int32_t *sources, int32_t nsources,
										  int max_hops, const CtemGraphAlloc *a,
										  CtemGraphError *err);

/*
 * The same towards targets: for every node the most likely path from it to
 * any of targets (every crown jewel when targets is NULL) within max_hops;
 * origin is then the target the path ends at.
 */
extern CtemGraphSearch *ctem_graph_search_to(const CtemGraph *g, const double *step,
											 const int32_t *targets, int32_t ntargets,
											 int max_hops, const CtemGraphAlloc *a,
											 CtemGraphError *err);

/*
 * The path factor of every node, into factor[n]: the probability of the
 * most likely path from an entry point through the node to a crown jewel,
 * of at most max_hops edges in all (0 when there is none; a node that is
 * both an entry point and a jewel has 1).  Exactly: the best over h of
 * (the most likely path of at most h edges from an entry point to the
 * node) * (the most likely of at most max_hops - h from it to a jewel);
 * the two halves may share a node.  What the score reads as "reachability
 * on attack paths".
 */
extern bool ctem_graph_path_factor(const CtemGraph *g, const double *step,
								   int max_hops, double *factor,
								   const CtemGraphAlloc *a, CtemGraphError *err);

/*
 * The path of a search to node v (for ctem_graph_search_to: from v): its
 * edge ids in the path's order, each edge's dst the next one's src, written
 * to edges (room for max_hops); returns the number of edges (0 for a
 * source), or -1 when v was not reached or is out of range.  Its nodes are
 * the first edge's src, then each edge's dst (from the origin to v; for
 * ctem_graph_search_to from v to the origin).
 */
extern int	ctem_graph_search_path(const CtemGraph *g, const CtemGraphSearch *s,
								   int32_t v, int32_t *edges);

/* one path of ctem_graph_k_paths */
typedef struct CtemGraphPath
{
	double		prob;
	int			hops;
	int32_t		entry;			/* first node */
	int32_t    *edges;			/* [hops] edge ids in order (NULL for 0
								 * hops), from the allocator */
} CtemGraphPath;

/* frees the edges of npaths paths of ctem_graph_k_paths */
extern void ctem_graph_paths_free(CtemGraphPath *paths, int npaths,
								  const CtemGraphAlloc *a);

/*
 * The k most likely loopless paths from any entry point to target within
 * max_hops edges (Yen's algorithm over a super-source joined to every entry
 * point), most likely first; ties broken by fewer hops, then by the edge
 * ids compared from the target's end (see "Ties").  Loopless: no node
 * twice; a path may pass through another entry point.  Returns how many
 * were found (0 when target is unreachable, fewer than k when there are
 * fewer paths), -1 with err on failure (k in 0 .. CTEM_GRAPH_MAX_K).  A
 * target that is an entry point itself has the path of 0 hops and
 * probability 1, first.  out[i].edges comes from the allocator
 * (ctem_graph_paths_free).
 */
extern int	ctem_graph_k_paths(const CtemGraph *g, const double *step,
							   int32_t target, int k, int max_hops,
							   CtemGraphPath *out, const CtemGraphAlloc *a,
							   CtemGraphError *err);

/*
 * Path risk: the sum over crown jewels of their search prob (entries ->
 * everything, within max_hops, on step).  -1 with err on failure.
 */
extern double ctem_graph_risk(const CtemGraph *g, const double *step,
							  int max_hops, const CtemGraphAlloc *a,
							  CtemGraphError *err);

/* one chokepoint */
typedef struct CtemChokepoint
{
	int32_t		node;
	int32_t		entries_reaching;	/* entry points that reach it (any hops) */
	int32_t		jewels_reached; /* crown jewels it reaches (any hops) */
	double		risk_reduction; /* path risk removed by fixing all its
								 * exposures (exact, within max_hops) */
} CtemChokepoint;

/*
 * Nodes ranked by risk_reduction (then entries_reaching * jewels_reached,
 * then node), at most top.  Candidates are the nodes with at least one
 * exposure (only those can be fixed) that lie between an entry point and a
 * jewel (reachability over the strongly connected components, without the
 * hop limit, over the steps of probability above 0).  They are pre-ranked
 * by the path risk through them (what fixing the node could remove from
 * the jewels' current most likely paths that enter it by an exploit step:
 * an upper bound of risk_reduction), then entries_reaching *
 * jewels_reached, then node; the exact risk_reduction is computed for the
 * best 4 * top of them (as many as can still rank in the top: the bound
 * skips the others).  (Pre-ranking by entries_reaching * jewels_reached
 * alone, as first specified, ties every node of a large strongly connected
 * component and cut the real chokepoints of dense graphs.)  risk_reduction
 * may be 0, or below 0 when fixing a node's exposures raises it to the
 * baseline.  Returns the number written, -1 with err.
 */
extern int	ctem_graph_chokepoints(const CtemGraph *g, int top, int max_hops,
								   CtemChokepoint *out, const CtemGraphAlloc *a,
								   CtemGraphError *err);

/* one step of a fix plan */
typedef struct CtemFixStep
{
	int32_t		exposure;		/* exposure index */
	int32_t		node;
	double		risk_after;		/* path risk with this and the earlier fixed */
} CtemFixStep;

/*
 * Greedy fix plan: up to budget steps; each fixes the exposure whose fix
 * lowers the path risk most given the fixes before it (candidates: the
 * open exposures of the nodes on the current most likely path to each
 * jewel, the path's first node excepted, as fixing it cannot lower that
 * path; every candidate re-evaluated at each step, exactly, or skipped when
 * a bound proves it cannot win); ties by lower exposure index.  Stops early
 * when no fix lowers the risk.  Returns the number of steps, -1 with err.
 */
extern int	ctem_graph_fix_plan(const CtemGraph *g, int budget, int max_hops,
								CtemFixStep *out, const CtemGraphAlloc *a,
								CtemGraphError *err);

/*
 * The entry points that reach target within max_hops on step (over the
 * steps of probability above 0, whatever their product), counted; target
 * itself counts when it is one.  -1 with err.
 */
extern int32_t ctem_graph_entries_reaching(const CtemGraph *g, const double *step,
										   int32_t target, int max_hops,
										   const CtemGraphAlloc *a,
										   CtemGraphError *err);

#endif							/* CTEM_GRAPH_CORE_H */
