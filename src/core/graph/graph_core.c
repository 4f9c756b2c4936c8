/*-------------------------------------------------------------------------
 *
 * graph_core.c
 *	  ctem's attack-graph engine: build, overlays, hop-limited most likely
 *	  paths, Yen's k paths, path factor, risk, chokepoints and fix plans.
 *
 * Paths are compared on integer weights (-ln of the step probability,
 * rounded to 2^-44): sums are exact, so ties are exact and every search
 * below chooses the same path (graph_core.h, "Ties").  A node's labels are
 * the Pareto set of (weight, hops) of its paths within the hop limit: the
 * best, then ones of fewer hops that a path going on may need.  Three
 * searches find them:
 *	- layered (gc_run_layers): Bellman-Ford by hops, each layer made from
 *	  the nodes improved at the one before, in node order.  No heap; the
 *	  fastest way to every node, whether or not the limit binds;
 *	- single (gc_run_single): plain Dijkstra, one label per node, no hop
 *	  limit; exact as long as no best path is over the limit (it gives up
 *	  when one is), and it can stop once its goals are settled;
 *	- label-setting (gc_run): Dijkstra over labels, with an A* potential,
 *	  hop bounds and removed nodes and edges, for Yen's spur paths.
 * The searches read the CSR through arcs (weight, other node, edge id in
 * one record, CSR order); nodes whose steps differ from the graph's
 * (overlays, a fix being tried) take a slower path that reads the steps.
 *
 * Chokepoints and fix plans evaluate many fixes.  A fix lowers the steps
 * into one node only, so a jewel whose most likely path does not take such
 * a step keeps its probability bit for bit, and the others are found by a
 * search that stops once they are settled.  A bound (the same path with the
 * lowered step) orders the candidates and skips those that cannot win.
 *
 * src/core/graph/graph_core.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph/graph_core.h"

#define GC_QSCALE		17592186044416.0	/* 2^44: weight units per -ln */
#define GC_W_MAX		((int64_t) (700.0 * GC_QSCALE))	/* e^-700 */
#define GC_QW_NONE		INT64_MAX	/* weight of a step of 0 */
#define GC_POT_INF		INT64_MAX	/* no path to the goal */
#define GC_TICK_EVERY	4096	/* loop iterations between interrupt calls */
#define GC_NO_HOPS		255		/* minh of a node with no label */
#define GC_HOP_BITS		7		/* hops in the low bits of a heap key */
#define GC_SLACK		1e-9	/* relative slack of the fix bounds */

/*
 * One edge as a search reads it, in CSR order: its weight (-ln(step) in
 * units of 2^-44, GC_QW_NONE for a step of 0), the node at its other end
 * and its id.
 */
struct CtemGraphArc
{
	int64_t		qw;
	int32_t		nbr;
	int32_t		edge;
};
typedef struct CtemGraphArc GcArc;

/*
 * One edge as a search backwards reads it, in the reverse CSR's order: the
 * node at its other end (its source) and the position of its out-arc,
 * which holds its weight and id (half the memory of a full arc; a reverse
 * relaxation reads that arc).
 */
struct CtemGraphInArc
{
	int32_t		nbr;
	int32_t		pos;
};
typedef struct CtemGraphInArc GcInArc;

/* the arc of edge position k of v's out- or (rev) in-edges, and its node */
#define GC_ARC(g, rev, k) \
	((rev) ? &(g)->out_arc[(g)->in_arc[k].pos] : &(g)->out_arc[k])
#define GC_ARC_NBR(g, rev, k) \
	((rev) ? (g)->in_arc[k].nbr : (g)->out_arc[k].nbr)
/*
 * Backwards, the out-arcs are read out of order: fetch the one a few
 * in-arcs ahead (a hint only, where the compiler offers one)
 */
#if defined(__GNUC__) || defined(__clang__)
#define GC_PREFETCH_IN(g, rev, k, end) \
	do { \
		if ((rev) && (k) + 6 < (end)) \
			__builtin_prefetch(&(g)->out_arc[(g)->in_arc[(k) + 6].pos]); \
	} while (0)
#else
#define GC_PREFETCH_IN(g, rev, k, end) ((void) 0)
#endif

/* the edge of reverse CSR position k */
#define GC_IN_EDGE(g, k)	((g)->out_arc[(g)->in_arc[k].pos].edge)

/*
 * Per-node state of a search, valid when hot.stamp is the search's gen:
 * what a relaxation reads (hot: with the least (weight, hops) pushed) and
 * what settling writes (cold).
 */
typedef struct GcHot
{
	uint32_t	stamp;
	uint8_t		minh;			/* hops of the last settled label */
	uint8_t		th;				/* hops of the least weight pushed */
	uint16_t	pad;
	int64_t		tw;				/* the least weight pushed */
} GcHot;

typedef struct GcCold
{
	int32_t		first;			/* first settled label (the best), -1 */
	int32_t		last;			/* last settled label, -1 */
} GcCold;

/*
 * A label waiting in the heap: key = (weight + potential) << GC_HOP_BITS
 * | hops, then e; e is the edge into v (out of it, reverse), or -1 - i for
 * seed i; prev the label it extends.
 */
typedef struct GcEnt
{
	uint64_t	key;
	int32_t		e;
	int32_t		prev;
	int32_t		v;
	int32_t		pad;
} GcEnt;

/* single mode (plain Dijkstra): a heap entry */
typedef struct GcSEnt
{
	uint64_t	key;
	int32_t		e;
	int32_t		v;
} GcSEnt;

/*
 * A settled label: one Pareto-optimal path to v.  prob and origin are
 * filled when the search ends (gc_finish), parents first.
 */
typedef struct GcLabel
{
	int64_t		w;
	double		prob;
	int32_t		v;
	int32_t		h;
	int32_t		e;				/* edge into v (reverse: out of v), -1 */
	int32_t		prev;			/* label of the path without e, -1 */
	int32_t		origin;
	int32_t		next;			/* next label of the same node, -1 */
} GcLabel;

/* where a search starts */
typedef struct GcSeed
{
	int32_t		v;
	int32_t		h;
	int64_t		w;
	double		prob;
	int32_t		origin;
} GcSeed;

/* what a search does */
typedef struct GcSpec
{
	bool		reverse;		/* walk in-edges: paths towards the seeds */
	const double *step;			/* NULL: g->step */
	const uint8_t *chg;			/* nodes whose in-steps differ from g->step */
	int32_t		ovr_node;		/* exploit steps into it use ovr_expl; -1 */
	double		ovr_expl;
	int			max_hops;
	const int64_t *pot;			/* A* potential, or NULL */
	const int32_t *hopdist;		/* hops to the goal (-1: none), or NULL */
	const uint32_t *removed;	/* node v removed when removed[v] == rgen */
	uint32_t	rgen;
	int32_t		spur;			/* node whose rm_edges are not taken */
	const int32_t *rm_edges;
	int			nrm_edges;
	const uint32_t *goal;		/* stop once every goal[v] == ggen node */
	uint32_t	ggen;			/* has its first label (ngoals of them) */
	int32_t		ngoals;			/* 0: run to the end */
	int64_t		wstop;			/* single and layered modes: no label
								 * beyond this weight */
} GcSpec;

/* work buffers of a search, reused across the searches of one call */
typedef struct GcWork
{
	const CtemGraph *g;
	const CtemGraphAlloc *a;
	CtemGraphError *err;
	uint32_t	gen;
	GcHot	   *hot;			/* [n] */
	GcCold	   *cold;			/* [n] */
	GcEnt	   *heap;
	size_t		nheap;
	size_t		capheap;
	GcLabel    *lab;
	int32_t		nlab;
	int32_t		caplab;
	/* single mode, allocated when used: each node's best pushed key
	 * (weight << GC_HOP_BITS | hops), its edge and the label it extends */
	uint64_t   *skey;			/* [n] */
	int32_t    *se;				/* [n] */
	int32_t    *sprev;			/* [n] */
	GcSEnt	   *sheap;
	size_t		capsheap;
	/* layered mode, allocated when used: each node's least weight so far
	 * and the best candidate of the current layer */
	int64_t    *lbw;			/* [n] */
	int64_t    *lcw;			/* [n] */
	int32_t    *lce;			/* [n] */
	int32_t    *lcprev;			/* [n] */
	uint64_t   *lbits;			/* [n / 64 + 1] nodes with a candidate */
	int32_t    *lglist;			/* [capglist] the goals labelled */
	int32_t		capglist;
	bool		last_single;	/* the last search ran in single mode */
	bool		exceeded;		/* single mode met a path over max_hops */
	int32_t		exceeded_goal;	/* at this goal (single mode) */
	int32_t		single_failed;	/* gc_search_run: the goal single mode
								 * failed at, -1 */
	unsigned	ticks;
} GcWork;

/* the private part of a CtemGraphSearch */
typedef struct GcSearchPriv
{
	bool		reverse;
	int32_t		nlab;
	int32_t    *lab_e;
	int32_t    *lab_prev;
} GcSearchPriv;

/* one path of Yen's algorithm */
typedef struct GcPath
{
	int64_t		w;
	double		prob;
	int32_t		h;
	int32_t		entry;
	int32_t		edges[CTEM_GRAPH_MAX_HOPS];
} GcPath;

/*
 * Helpers: errors, memory, interrupts
 */

#if defined(__GNUC__) || defined(__clang__)
static void gc_error(CtemGraphError *err, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
#endif

static void
gc_error(CtemGraphError *err, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void *
gc_alloc(const CtemGraphAlloc *a, size_t count, size_t size,
		 CtemGraphError *err)
{
	void	   *p;

	if (size != 0 && count > SIZE_MAX / size)
	{
		gc_error(err, "out of memory: %zu items of %zu bytes do not fit in size_t",
				 count, size);
		return NULL;
	}
	p = a->alloc(a->arg, count * size > 0 ? count * size : 1);
	if (p == NULL)
		gc_error(err, "out of memory: could not allocate %zu bytes",
				 count * size);
	return p;
}

static void
gc_free(const CtemGraphAlloc *a, void *p)
{
	if (p != NULL && a != NULL && a->free != NULL)
		a->free(a->arg, p);
}

/* call once per iteration of a search loop */
static inline void
gc_tick(const CtemGraphAlloc *a, unsigned *ticks)
{
	if ((++(*ticks) % GC_TICK_EVERY) == 0 && a->interrupt != NULL)
		a->interrupt(a->arg);
}

/* the same in a loop over an index i */
#define GC_CHECK(a, i) \
	do { \
		if (((i) % GC_TICK_EVERY) == GC_TICK_EVERY - 1 && \
			(a)->interrupt != NULL) \
			(a)->interrupt((a)->arg); \
	} while (0)

static bool
gc_check_alloc(const CtemGraphAlloc *a, CtemGraphError *err)
{
	if (a == NULL || a->alloc == NULL)
	{
		gc_error(err, "no allocator was given");
		return false;
	}
	return true;
}

static bool
gc_check_graph(const CtemGraph *g, CtemGraphError *err)
{
	if (g == NULL)
	{
		gc_error(err, "no graph was given");
		return false;
	}
	return true;
}

static bool
gc_check_hops(int max_hops, CtemGraphError *err)
{
	if (max_hops < 0 || max_hops > CTEM_GRAPH_MAX_HOPS)
	{
		gc_error(err, "max_hops %d is out of range: it must be between 0 and %d",
				 max_hops, CTEM_GRAPH_MAX_HOPS);
		return false;
	}
	return true;
}

static inline bool
gc_bit(const uint8_t *bits, int32_t i)
{
	return bits != NULL && ((bits[i >> 3] >> (i & 7)) & 1) != 0;
}

/*
 * Weights: -ln(step) in units of 2^-44, exact and additive.  A step of 1 (or
 * one so likely it rounds to 0) weighs 0; a step weighs below 2^54, and a
 * path above GC_W_MAX (e^-700) is none, so sums and keys stay far from
 * overflow.
 */
static inline int64_t
gc_quant(double w)
{
	return (int64_t) (w * GC_QSCALE + 0.5);
}

static inline double
gc_neglog(double s)
{
	return s >= 1.0 ? 0.0 : -log(s);
}

static inline double
gc_step(const GcSpec *sp, const CtemGraph *g, int32_t e)
{
	if (sp->ovr_node >= 0 && g->dst[e] == sp->ovr_node && g->exploit[e])
		return g->p[e] * sp->ovr_expl;
	return sp->step != NULL ? sp->step[e] : g->step[e];
}

/* weight of edge e of step s (s > 0) */
static inline int64_t
gc_weight(const CtemGraph *g, int32_t e, double s)
{
	(void) g;
	(void) e;
	return gc_quant(gc_neglog(s));
}

/*
 * Build
 */

typedef struct GcLayout
{
	size_t		flags,
				exp_off,
				exp_p,
				expl,
				src,
				dst,
				p,
				exploit,
				step,
				out_off,
				in_off,
				out_arc,
				in_arc,
				total;
} GcLayout;

/* reserve count items of size bytes at *end, 8-aligned; false on overflow */
static bool
gc_reserve(size_t *end, size_t count, size_t size, size_t *at)
{
	size_t		bytes;

	if (size != 0 && count > (SIZE_MAX - 8) / size)
		return false;
	bytes = (count * size + 7) & ~(size_t) 7;
	if (*end > SIZE_MAX - bytes)
		return false;
	*at = *end;
	*end += bytes;
	return true;
}

static bool
gc_layout(int32_t n, int32_t m, int32_t e, GcLayout *l)
{
	size_t		end;
	size_t		n1;

	if (n < 0 || m < 0 || e < 0 || n > CTEM_GRAPH_MAX_ITEMS ||
		m > CTEM_GRAPH_MAX_ITEMS || e > CTEM_GRAPH_MAX_ITEMS)
		return false;
	n1 = (size_t) n + 1;
	end = (sizeof(CtemGraph) + 7) & ~(size_t) 7;
	if (!gc_reserve(&end, (size_t) n, 1, &l->flags) ||
		!gc_reserve(&end, n1, sizeof(int32_t), &l->exp_off) ||
		!gc_reserve(&end, (size_t) e, sizeof(double), &l->exp_p) ||
		!gc_reserve(&end, (size_t) n, sizeof(double), &l->expl) ||
		!gc_reserve(&end, (size_t) m, sizeof(int32_t), &l->src) ||
		!gc_reserve(&end, (size_t) m, sizeof(int32_t), &l->dst) ||
		!gc_reserve(&end, (size_t) m, sizeof(double), &l->p) ||
		!gc_reserve(&end, (size_t) m, 1, &l->exploit) ||
		!gc_reserve(&end, (size_t) m, sizeof(double), &l->step) ||
		!gc_reserve(&end, n1, sizeof(int32_t), &l->out_off) ||
		!gc_reserve(&end, n1, sizeof(int32_t), &l->in_off) ||
		!gc_reserve(&end, (size_t) m, sizeof(GcArc), &l->out_arc) ||
		!gc_reserve(&end, (size_t) m, sizeof(GcInArc), &l->in_arc))
		return false;
	l->total = end;
	return true;
}

size_t
ctem_graph_size(int32_t n, int32_t m, int32_t e)
{
	GcLayout	l;

	if (!gc_layout(n, m, e, &l))
		return SIZE_MAX;
	return l.total;
}

/* 1 - prod(1 - p) over the open exposures of v, baseline when none */
static double
gc_exploitability(const CtemGraph *g, int32_t v, const uint8_t *fixed)
{
	double		prod = 1.0;
	bool		any = false;
	int32_t		i;

	for (i = g->exp_off[v]; i < g->exp_off[v + 1]; i++)
	{
		if (gc_bit(fixed, i))
			continue;
		prod *= 1.0 - g->exp_p[i];
		any = true;
	}
	return any ? 1.0 - prod : g->baseline;
}

double
ctem_graph_node_exploitability(const CtemGraph *g, int32_t v,
							   const uint8_t *fixed)
{
	if (g == NULL || v < 0 || v >= g->n)
		return -1.0;
	return gc_exploitability(g, v, fixed);
}

static bool
gc_validate(const CtemGraphInput *in, int32_t *nexp, const CtemGraphAlloc *a,
			CtemGraphError *err)
{
	int32_t		v;
	int32_t		i;

	if (in == NULL)
	{
		gc_error(err, "no graph input was given");
		return false;
	}
	if (in->n < 0 || in->n > CTEM_GRAPH_MAX_ITEMS)
	{
		gc_error(err, "node count %d is out of range (0 .. %d)",
				 (int) in->n, (int) CTEM_GRAPH_MAX_ITEMS);
		return false;
	}
	if (in->m < 0 || in->m > CTEM_GRAPH_MAX_ITEMS)
	{
		gc_error(err, "edge count %d is out of range (0 .. %d)",
				 (int) in->m, (int) CTEM_GRAPH_MAX_ITEMS);
		return false;
	}
	if (!(in->baseline > 0.0 && in->baseline <= 1.0))
	{
		gc_error(err, "baseline exploitability %g is out of range: it must be in (0, 1]",
				 in->baseline);
		return false;
	}
	*nexp = 0;
	if (in->exp_off != NULL && in->n > 0)
	{
		if (in->exp_off[0] != 0)
		{
			gc_error(err, "exposure offsets must start at 0, not %d",
					 (int) in->exp_off[0]);
			return false;
		}
		for (v = 0; v < in->n; v++)
		{
			GC_CHECK(a, v);
			if (in->exp_off[v + 1] < in->exp_off[v])
			{
				gc_error(err, "exposure offsets decrease at node %d (%d after %d)",
						 (int) v, (int) in->exp_off[v + 1], (int) in->exp_off[v]);
				return false;
			}
		}
		*nexp = in->exp_off[in->n];
		if (*nexp > CTEM_GRAPH_MAX_ITEMS)
		{
			gc_error(err, "exposure count %d is out of range (0 .. %d)",
					 (int) *nexp, (int) CTEM_GRAPH_MAX_ITEMS);
			return false;
		}
		if (*nexp > 0 && in->exp_p == NULL)
		{
			gc_error(err, "%d exposures are listed but no exposure probabilities were given",
					 (int) *nexp);
			return false;
		}
		for (i = 0; i < *nexp; i++)
		{
			GC_CHECK(a, i);
			if (!(in->exp_p[i] >= 0.0 && in->exp_p[i] <= 1.0))
			{
				gc_error(err, "exposure %d has probability %g: it must be in [0, 1]",
						 (int) i, in->exp_p[i]);
				return false;
			}
		}
	}
	if (in->m > 0 && (in->src == NULL || in->dst == NULL || in->p == NULL))
	{
		gc_error(err, "%d edges are listed but their sources, targets or probabilities are missing",
				 (int) in->m);
		return false;
	}
	for (i = 0; i < in->m; i++)
	{
		GC_CHECK(a, i);
		if (in->src[i] < 0 || in->src[i] >= in->n ||
			in->dst[i] < 0 || in->dst[i] >= in->n)
		{
			gc_error(err, "edge %d joins nodes %d and %d: a node index must be in 0 .. %d",
					 (int) i, (int) in->src[i], (int) in->dst[i], (int) in->n - 1);
			return false;
		}
		if (in->src[i] == in->dst[i])
		{
			gc_error(err, "edge %d is a self-loop on node %d", (int) i,
					 (int) in->src[i]);
			return false;
		}
		if (!(in->p[i] > 0.0 && in->p[i] <= 1.0))
		{
			gc_error(err, "edge %d has probability %g: it must be in (0, 1]",
					 (int) i, in->p[i]);
			return false;
		}
	}
	return true;
}

/*
 * CSR offsets by key[e], each off[v] left at the start of node v's range
 * (a cursor for placing its edges; gc_offsets_restore then shifts them
 * back, once each cursor has passed its node's edges)
 */
static void
gc_offsets(int32_t n, int32_t m, const int32_t *key, int32_t *off,
		   const CtemGraphAlloc *a)
{
	int32_t		v;
	int32_t		e;

	memset(off, 0, ((size_t) n + 1) * sizeof(int32_t));
	for (e = 0; e < m; e++)
	{
		off[key[e] + 1]++;
		GC_CHECK(a, e);
	}
	for (v = 0; v < n; v++)
		off[v + 1] += off[v];
}

static void
gc_offsets_restore(int32_t n, int32_t *off)
{
	int32_t		v;

	for (v = n; v > 0; v--)
		off[v] = off[v - 1];
	off[0] = 0;
}

CtemGraph *
ctem_graph_build(const CtemGraphInput *in, const CtemGraphAlloc *a,
				 CtemGraphError *err)
{
	GcLayout	l;
	int32_t		nexp;
	char	   *base;
	CtemGraph  *g;
	int32_t		v;
	int32_t		e;
	int32_t    *outpos;

	if (!gc_check_alloc(a, err) || !gc_validate(in, &nexp, a, err))
		return NULL;
	if (!gc_layout(in->n, in->m, nexp, &l))
	{
		gc_error(err, "graph of %d nodes and %d edges is too large",
				 (int) in->n, (int) in->m);
		return NULL;
	}
	base = gc_alloc(a, l.total, 1, err);
	if (base == NULL)
		return NULL;
	g = (CtemGraph *) base;
	memset(g, 0, sizeof(CtemGraph));
	g->n = in->n;
	g->m = in->m;
	g->flags = (uint8_t *) (base + l.flags);
	g->exp_off = (int32_t *) (base + l.exp_off);
	g->exp_p = (double *) (base + l.exp_p);
	g->baseline = in->baseline;
	g->exploitability = (double *) (base + l.expl);
	g->src = (int32_t *) (base + l.src);
	g->dst = (int32_t *) (base + l.dst);
	g->p = (double *) (base + l.p);
	g->exploit = (uint8_t *) (base + l.exploit);
	g->step = (double *) (base + l.step);
	g->out_off = (int32_t *) (base + l.out_off);
	g->in_off = (int32_t *) (base + l.in_off);
	g->out_arc = (GcArc *) (base + l.out_arc);
	g->in_arc = (GcInArc *) (base + l.in_arc);
	g->bytes = l.total;

	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		g->flags[v] = in->flags != NULL ? in->flags[v] : 0;
		if (g->flags[v] & CTEM_NODE_ENTRY)
			g->nentries++;
		if (g->flags[v] & CTEM_NODE_JEWEL)
			g->njewels++;
		g->exp_off[v] = in->exp_off != NULL ? in->exp_off[v] : 0;
	}
	g->exp_off[g->n] = nexp;
	if (nexp > 0)
		memcpy(g->exp_p, in->exp_p, (size_t) nexp * sizeof(double));
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		g->exploitability[v] = gc_exploitability(g, v, NULL);
	}

	if (g->m > 0)
	{
		memcpy(g->src, in->src, (size_t) g->m * sizeof(int32_t));
		memcpy(g->dst, in->dst, (size_t) g->m * sizeof(int32_t));
		memcpy(g->p, in->p, (size_t) g->m * sizeof(double));
	}
	for (e = 0; e < g->m; e++)
	{
		g->exploit[e] = (in->exploit != NULL && in->exploit[e] != 0) ? 1 : 0;
		g->step[e] = g->exploit[e] ? g->p[e] * g->exploitability[g->dst[e]]
			: g->p[e];
		GC_CHECK(a, e);
	}

	/*
	 * The CSRs, each stable (a node's edges in input order): out-arcs by
	 * source with their weights, then in-arcs by target, each with the
	 * position of its edge's out-arc (outpos, kept for the build only).
	 */
	outpos = gc_alloc(a, (size_t) g->m, sizeof(int32_t), err);
	if (outpos == NULL && g->m > 0)
	{
		gc_free(a, base);
		return NULL;
	}
	gc_offsets(g->n, g->m, g->src, g->out_off, a);
	for (e = 0; e < g->m; e++)
	{
		int32_t		k = g->out_off[g->src[e]]++;

		g->out_arc[k].qw = g->step[e] > 0.0 ? gc_quant(gc_neglog(g->step[e])) : GC_QW_NONE;
		g->out_arc[k].nbr = g->dst[e];
		g->out_arc[k].edge = e;
		outpos[e] = k;
		GC_CHECK(a, e);
	}
	gc_offsets_restore(g->n, g->out_off);
	gc_offsets(g->n, g->m, g->dst, g->in_off, a);
	for (e = 0; e < g->m; e++)
	{
		int32_t		k = g->in_off[g->dst[e]]++;

		g->in_arc[k].nbr = g->src[e];
		g->in_arc[k].pos = outpos[e];
		GC_CHECK(a, e);
	}
	gc_offsets_restore(g->n, g->in_off);
	gc_free(a, outpos);
	return g;
}

void
ctem_graph_free(CtemGraph *g, const CtemGraphAlloc *a)
{
	gc_free(a, g);
}

/*
 * Overlay
 */

/* writes into step (m doubles, a copy of g->step) the steps with fixed */
static void
gc_apply_fixed(const CtemGraph *g, const uint8_t *fixed, double *step,
			   const CtemGraphAlloc *a)
{
	int32_t		v;
	int32_t		i;
	int32_t		k;

	for (v = 0; v < g->n; v++)
	{
		bool		any = false;
		double		x;

		GC_CHECK(a, v);
		for (i = g->exp_off[v]; i < g->exp_off[v + 1] && !any; i++)
			any = gc_bit(fixed, i);
		if (!any)
			continue;
		x = gc_exploitability(g, v, fixed);
		for (k = g->in_off[v]; k < g->in_off[v + 1]; k++)
		{
			int32_t		e = GC_IN_EDGE(g, k);

			if (g->exploit[e])
				step[e] = g->p[e] * x;
		}
	}
}

double *
ctem_graph_overlay(const CtemGraph *g, const uint8_t *fixed,
				   const CtemGraphAlloc *a, CtemGraphError *err)
{
	double	   *step;

	if (!gc_check_alloc(a, err) || !gc_check_graph(g, err))
		return NULL;
	step = gc_alloc(a, (size_t) g->m, sizeof(double), err);
	if (step == NULL)
		return NULL;
	if (g->m > 0)
		memcpy(step, g->step, (size_t) g->m * sizeof(double));
	if (fixed != NULL)
		gc_apply_fixed(g, fixed, step, a);
	return step;
}

/*
 * Changed steps: the nodes whose in-edges have a step in step other than
 * g->step's (they take the slow path, which reads step); NULL in *chg when
 * none.
 */
static bool
gc_changed(const CtemGraph *g, const double *step, const CtemGraphAlloc *a,
		   uint8_t **chg, CtemGraphError *err)
{
	int32_t		e;
	bool		any = false;

	*chg = NULL;
	if (step == NULL || step == g->step)
		return true;
	*chg = gc_alloc(a, (size_t) g->n, 1, err);
	if (*chg == NULL)
		return false;
	memset(*chg, 0, (size_t) g->n);
	for (e = 0; e < g->m; e++)
	{
		if (step[e] != g->step[e])
		{
			(*chg)[g->dst[e]] = 1;
			any = true;
		}
		GC_CHECK(a, e);
	}
	if (!any)
	{
		gc_free(a, *chg);
		*chg = NULL;
	}
	return true;
}

/*
 * The search
 */

static bool
gc_work_init(GcWork *ws, const CtemGraph *g, const CtemGraphAlloc *a,
			 CtemGraphError *err)
{
	memset(ws, 0, sizeof(GcWork));
	ws->g = g;
	ws->a = a;
	ws->err = err;
	ws->hot = gc_alloc(a, (size_t) g->n, sizeof(GcHot), err);
	ws->cold = gc_alloc(a, (size_t) g->n, sizeof(GcCold), err);
	/* room for one label per node from the start: growing costs copies */
	ws->capheap = 1024;
	ws->heap = gc_alloc(a, ws->capheap, sizeof(GcEnt), err);
	ws->caplab = g->n < 1024 ? 1024 : g->n;
	ws->lab = gc_alloc(a, (size_t) ws->caplab, sizeof(GcLabel), err);
	if (ws->hot == NULL || ws->cold == NULL || ws->heap == NULL ||
		ws->lab == NULL)
		return false;
	memset(ws->hot, 0, (size_t) g->n * sizeof(GcHot));
	return true;
}

static void
gc_work_free(GcWork *ws)
{
	gc_free(ws->a, ws->hot);
	gc_free(ws->a, ws->cold);
	gc_free(ws->a, ws->heap);
	gc_free(ws->a, ws->lab);
	gc_free(ws->a, ws->lbw);
	gc_free(ws->a, ws->lcw);
	gc_free(ws->a, ws->lce);
	gc_free(ws->a, ws->lcprev);
	gc_free(ws->a, ws->lbits);
	gc_free(ws->a, ws->lglist);
	ws->lglist = NULL;
	ws->capglist = 0;
	ws->lbw = NULL;
	ws->lcw = NULL;
	ws->lce = NULL;
	ws->lcprev = NULL;
	ws->lbits = NULL;
	gc_free(ws->a, ws->skey);
	gc_free(ws->a, ws->se);
	gc_free(ws->a, ws->sprev);
	gc_free(ws->a, ws->sheap);
	ws->skey = NULL;
	ws->se = NULL;
	ws->sprev = NULL;
	ws->sheap = NULL;
	ws->hot = NULL;
	ws->cold = NULL;
	ws->heap = NULL;
	ws->lab = NULL;
}

/* a new stamp: every node's state is stale */
static void
gc_next_gen(GcWork *ws)
{
	ws->gen++;
	if (ws->gen == 0)
	{
		int32_t		v;

		for (v = 0; v < ws->g->n; v++)
			ws->hot[v].stamp = 0;
		ws->gen = 1;
	}
}

/* make v's state current */
static inline void
gc_touch(GcWork *ws, int32_t v)
{
	if (ws->hot[v].stamp != ws->gen)
	{
		ws->hot[v].stamp = ws->gen;
		ws->hot[v].minh = GC_NO_HOPS;
		ws->hot[v].th = GC_NO_HOPS;
		ws->hot[v].tw = INT64_MAX;
		ws->cold[v].first = -1;
		ws->cold[v].last = -1;
	}
}

/*
 * First settled label of v in the last search, -1.  (In single mode
 * se[v] marks a settled node and sprev[v] holds its label.)
 */
#define GC_SETTLED	INT32_MIN

static inline int32_t
gc_first(const GcWork *ws, int32_t v)
{
	if (ws->last_single)
		return ws->se[v] == GC_SETTLED ? ws->sprev[v] : -1;
	return ws->hot[v].stamp == ws->gen ? ws->cold[v].first : -1;
}

static inline bool
gc_ent_less(const GcEnt *x, const GcEnt *y)
{
	return x->key < y->key || (x->key == y->key && x->e < y->e);
}

/* a 4-ary heap */
static bool
gc_push(GcWork *ws, uint64_t key, int32_t e, int32_t prev, int32_t v)
{
	GcEnt	   *heap;
	size_t		i;

	if (ws->nheap == ws->capheap)
	{
		GcEnt	   *h = gc_alloc(ws->a, ws->capheap * 2, sizeof(GcEnt), ws->err);

		if (h == NULL)
			return false;
		memcpy(h, ws->heap, ws->nheap * sizeof(GcEnt));
		gc_free(ws->a, ws->heap);
		ws->heap = h;
		ws->capheap *= 2;
	}
	heap = ws->heap;
	i = ws->nheap++;
	while (i > 0)
	{
		size_t		parent = (i - 1) / 4;

		if (heap[parent].key < key ||
			(heap[parent].key == key && heap[parent].e <= e))
			break;
		heap[i] = heap[parent];
		i = parent;
	}
	heap[i].key = key;
	heap[i].e = e;
	heap[i].prev = prev;
	heap[i].v = v;
	heap[i].pad = 0;
	return true;
}

static void
gc_pop(GcWork *ws, GcEnt *out)
{
	GcEnt	   *heap = ws->heap;
	GcEnt		last;
	size_t		i = 0;
	size_t		n;

	*out = heap[0];
	n = --ws->nheap;
	if (n == 0)
		return;
	last = heap[n];
	for (;;)
	{
		size_t		c = 4 * i + 1;
		size_t		best;
		size_t		j;
		size_t		end;

		if (c >= n)
			break;
		best = c;
		end = c + 4 < n ? c + 4 : n;
		for (j = c + 1; j < end; j++)
			if (gc_ent_less(&heap[j], &heap[best]))
				best = j;
		if (!gc_ent_less(&heap[best], &last))
			break;
		heap[i] = heap[best];
		i = best;
	}
	heap[i] = last;
}

static bool
gc_new_label(GcWork *ws, int32_t *id)
{
	if (ws->nlab == ws->caplab)
	{
		GcLabel    *l;
		int32_t		cap;

		if (ws->caplab > CTEM_GRAPH_MAX_ITEMS / 2)
		{
			gc_error(ws->err, "the search would keep more than %d paths", (int) ws->caplab);
			return false;
		}
		cap = ws->caplab * 2;
		l = gc_alloc(ws->a, (size_t) cap, sizeof(GcLabel), ws->err);
		if (l == NULL)
			return false;
		memcpy(l, ws->lab, (size_t) ws->nlab * sizeof(GcLabel));
		gc_free(ws->a, ws->lab);
		ws->lab = l;
		ws->caplab = cap;
	}
	*id = ws->nlab++;
	return true;
}

static inline bool
gc_edge_removed(const GcSpec *sp, int32_t e)
{
	int			i;

	for (i = 0; i < sp->nrm_edges; i++)
		if (sp->rm_edges[i] == e)
			return true;
	return false;
}

/*
 * The probability and origin of every label, parents first: the product
 * of the steps from the origin outwards.  (Done here rather than when a
 * label settles: the loads of step[e] then overlap.)
 */
static void
gc_finish(GcWork *ws, const GcSpec *sp)
{
	GcLabel    *lab = ws->lab;
	int32_t		id;

	for (id = 0; id < ws->nlab; id++)
	{
		GC_CHECK(ws->a, id);
		if (lab[id].e >= 0)
		{
			lab[id].prob = lab[lab[id].prev].prob * gc_step(sp, ws->g, lab[id].e);
			lab[id].origin = lab[lab[id].prev].origin;
		}
	}
}

/*
 * Run one search from seeds (at distinct nodes).  Labels are settled in
 * (weight + potential, hops, edge) order; a label is pruned when a settled
 * label of its node has no more hops (settled before it, it has no more
 * weight), or one pushed before it has no more weight and hops, one of
 * them less.  (Of equals, the one of the lower edge settles first.)
 */
static bool
gc_run(GcWork *ws, const GcSpec *sp, const GcSeed *seeds, int32_t nseeds)
{
	const CtemGraph *g = ws->g;
	const int	H = sp->max_hops;
	const bool	rev = sp->reverse;
	const int32_t *off = rev ? g->in_off : g->out_off;
	const int64_t *pot = sp->pot;
	GcHot	   *hot = ws->hot;
	int32_t		goals_left = sp->ngoals;
	uint32_t	gen;
	int32_t		i;

	gc_next_gen(ws);
	gen = ws->gen;
	ws->nheap = 0;
	ws->nlab = 0;
	ws->exceeded = false;
	ws->last_single = false;
	for (i = 0; i < nseeds; i++)
	{
		int32_t		v = seeds[i].v;
		int64_t		f = seeds[i].w;

		if (pot != NULL)
		{
			if (pot[v] == GC_POT_INF)
				continue;
			f += pot[v];
		}
		if (sp->hopdist != NULL &&
			(sp->hopdist[v] < 0 || seeds[i].h + sp->hopdist[v] > H))
			continue;
		if (sp->removed != NULL && sp->removed[v] == sp->rgen)
			continue;
		gc_touch(ws, v);
		if (!gc_push(ws, ((uint64_t) f << GC_HOP_BITS) | (uint64_t) seeds[i].h,
					 -1 - i, -1, v))
			return false;
	}
	while (ws->nheap > 0)
	{
		GcEnt		it;
		GcLabel    *lb;
		int32_t		id;
		int32_t		v;
		int32_t		h;
		int64_t		w;
		int32_t		k;
		int32_t		hi;
		bool		vchg;
		bool		at_spur;

		gc_pop(ws, &it);
		gc_tick(ws->a, &ws->ticks);
		h = (int32_t) (it.key & ((1 << GC_HOP_BITS) - 1));
		v = it.v;
		if (h >= hot[v].minh)
			continue;
		if (!gc_new_label(ws, &id))
			return false;
		w = (int64_t) (it.key >> GC_HOP_BITS) - (pot != NULL ? pot[v] : 0);
		lb = &ws->lab[id];
		lb->w = w;
		lb->v = v;
		lb->h = h;
		lb->next = -1;
		if (it.e < 0)
		{
			lb->e = -1;
			lb->prev = -1;
			lb->prob = seeds[-1 - it.e].prob;
			lb->origin = seeds[-1 - it.e].origin;
		}
		else
		{
			lb->e = it.e;
			lb->prev = it.prev;
		}
		hot[v].minh = (uint8_t) h;
		if (ws->cold[v].first < 0)
		{
			ws->cold[v].first = id;
			if (goals_left > 0 && sp->goal[v] == sp->ggen &&
				--goals_left == 0)
				break;
		}
		else
			ws->lab[ws->cold[v].last].next = id;
		ws->cold[v].last = id;
		if (h >= H)
			continue;

		vchg = rev && sp->chg != NULL && sp->chg[v];
		at_spur = (v == sp->spur);
		hi = off[v + 1];
		for (k = off[v]; k < hi; k++)
		{
			int32_t		u = GC_ARC_NBR(g, rev, k);
			int32_t		nh = h + 1;
			int32_t		e;
			int64_t		q;
			int64_t		nw;
			uint64_t	key;
			GcHot	   *hu = &hot[u];
			const GcArc *ar;

			if (hu->stamp == gen && nh >= hu->minh)
				continue;
			ar = GC_ARC(g, rev, k);
			e = ar->edge;
			if (vchg || (!rev && sp->chg != NULL && sp->chg[u]))
			{
				double		s = gc_step(sp, g, e);

				if (!(s > 0.0 && s <= 1.0))
					continue;
				q = gc_weight(g, e, s);
			}
			else
				q = ar->qw;
			if (q > GC_W_MAX)
				continue;
			nw = w + q;
			if (nw > GC_W_MAX)
				continue;
			if (at_spur && gc_edge_removed(sp, e))
				continue;
			if (sp->removed != NULL && sp->removed[u] == sp->rgen)
				continue;
			if (sp->hopdist != NULL &&
				(sp->hopdist[u] < 0 || nh + sp->hopdist[u] > H))
				continue;
			key = (uint64_t) nw;
			if (pot != NULL)
			{
				if (pot[u] == GC_POT_INF)
					continue;
				key += (uint64_t) pot[u];
			}
			gc_touch(ws, u);
			if (hu->tw <= nw && hu->th <= nh && (hu->tw < nw || hu->th < nh))
				continue;
			if (nw < hu->tw || (nw == hu->tw && nh < hu->th))
			{
				hu->tw = nw;
				hu->th = (uint8_t) nh;
			}
			if (!gc_push(ws, (key << GC_HOP_BITS) | (uint64_t) nh, e, id, u))
				return false;
		}
	}
	gc_finish(ws, sp);
	return true;
}

/*
 * The weight of in-edge k of node x (CSR position) on sp's steps, above
 * GC_W_MAX when it is no step
 */
static inline int64_t
gc_in_weight(const CtemGraph *g, const GcSpec *sp, int32_t x, int32_t k)
{
	if (sp->chg != NULL && sp->chg[x])
	{
		int32_t		e = GC_IN_EDGE(g, k);
		double		s = gc_step(sp, g, e);

		if (!(s > 0.0 && s <= 1.0))
			return GC_QW_NONE;
		return gc_weight(g, e, s);
	}
	return g->out_arc[g->in_arc[k].pos].qw;
}

static inline bool
gc_sent_less(const GcSEnt *x, const GcSEnt *y)
{
	return x->key < y->key || (x->key == y->key && x->e < y->e);
}

/*
 * Single mode: plain Dijkstra on (weight, hops, edge), one label per node,
 * without the hop limit: each label is its node's best path at any number
 * of hops.  A goal whose best path has at most max_hops edges has the
 * full search's label (that path is within the limit, and no path within
 * it is better); at the first goal settled over the limit the search stops
 * with ws->exceeded (then the search with labels decides), as it does when
 * a path was cut at the hop field's width before.  Other nodes' labels
 * may be over the limit: only the goals' are read.  A heap entry is stale
 * when it is not its node's best; a settled node needs no mark, as every
 * later candidate has a greater key (more weight, or as much and more
 * hops).
 */
static bool
gc_run_single(GcWork *ws, const GcSpec *sp, const GcSeed *seeds,
			  int32_t nseeds)
{
	const CtemGraph *g = ws->g;
	const int	H = sp->max_hops;
	const bool	rev = sp->reverse;
	const int32_t *off = rev ? g->in_off : g->out_off;
	uint64_t   *skey;
	int32_t    *se;
	int32_t    *sprev;
	GcSEnt	   *heap;
	size_t		nheap = 0;
	int32_t		goals_left = sp->ngoals;
	int32_t		i;
	bool		capped = false;

	if (ws->skey == NULL)
	{
		ws->skey = gc_alloc(ws->a, (size_t) g->n, sizeof(uint64_t), ws->err);
		ws->se = gc_alloc(ws->a, (size_t) g->n, sizeof(int32_t), ws->err);
		ws->sprev = gc_alloc(ws->a, (size_t) g->n, sizeof(int32_t), ws->err);
		if (ws->skey == NULL || ws->se == NULL || ws->sprev == NULL)
			return false;
	}
	if (ws->sheap == NULL)
	{
		ws->capsheap = g->n < 1024 ? 1024 : (size_t) g->n;
		ws->sheap = gc_alloc(ws->a, ws->capsheap, sizeof(GcSEnt), ws->err);
		if (ws->sheap == NULL)
			return false;
	}
	skey = ws->skey;
	se = ws->se;
	sprev = ws->sprev;
	heap = ws->sheap;
	memset(skey, 0xff, (size_t) g->n * sizeof(uint64_t));
	memset(se, 0, (size_t) g->n * sizeof(int32_t));
	ws->nlab = 0;
	ws->exceeded = false;
	ws->last_single = true;

#define GC_SPUSH(K, E, V) \
	do { \
		size_t		i_ = nheap; \
		GcSEnt		x_; \
		if (nheap == ws->capsheap) \
		{ \
			GcSEnt	   *h_ = gc_alloc(ws->a, ws->capsheap * 2, sizeof(GcSEnt), ws->err); \
			if (h_ == NULL) \
				return false; \
			memcpy(h_, heap, nheap * sizeof(GcSEnt)); \
			gc_free(ws->a, heap); \
			ws->sheap = heap = h_; \
			ws->capsheap *= 2; \
		} \
		x_.key = (K); \
		x_.e = (E); \
		x_.v = (V); \
		nheap++; \
		while (i_ > 0 && gc_sent_less(&x_, &heap[(i_ - 1) / 2])) \
		{ \
			heap[i_] = heap[(i_ - 1) / 2]; \
			i_ = (i_ - 1) / 2; \
		} \
		heap[i_] = x_; \
	} while (0)

	for (i = 0; i < nseeds; i++)
	{
		int32_t		v = seeds[i].v;
		uint64_t	key = ((uint64_t) seeds[i].w << GC_HOP_BITS) |
			(uint64_t) seeds[i].h;

		skey[v] = key;
		se[v] = -1 - i;
		sprev[v] = -1;
		GC_SPUSH(key, -1 - i, v);
	}
	while (nheap > 0)
	{
		GcSEnt		it = heap[0];
		GcLabel    *lb;
		int32_t		id;
		int32_t		v = it.v;
		int32_t		h;
		int64_t		w;
		int32_t		k;
		int32_t		hi;
		bool		vchg;

		/* pop */
		if (--nheap > 0)
		{
			GcSEnt		last = heap[nheap];
			size_t		j = 0;

			for (;;)
			{
				size_t		c = 2 * j + 1;

				if (c >= nheap)
					break;
				if (c + 1 < nheap && gc_sent_less(&heap[c + 1], &heap[c]))
					c++;
				if (!gc_sent_less(&heap[c], &last))
					break;
				heap[j] = heap[c];
				j = c;
			}
			heap[j] = last;
		}
		gc_tick(ws->a, &ws->ticks);
		if (it.key != skey[v] || it.e != se[v])
			continue;			/* stale */
		if ((int64_t) (it.key >> GC_HOP_BITS) > sp->wstop)
			break;
		h = (int32_t) (it.key & ((1 << GC_HOP_BITS) - 1));
		if (ws->nlab < ws->caplab)
			id = ws->nlab++;
		else if (!gc_new_label(ws, &id))
			return false;
		w = (int64_t) (it.key >> GC_HOP_BITS);
		lb = &ws->lab[id];
		lb->w = w;
		lb->v = v;
		lb->h = h;
		lb->next = -1;
		if (it.e < 0)
		{
			lb->e = -1;
			lb->prev = -1;
			lb->prob = seeds[-1 - it.e].prob;
			lb->origin = seeds[-1 - it.e].origin;
		}
		else
		{
			lb->e = it.e;
			lb->prev = sprev[v];
		}
		se[v] = GC_SETTLED;
		sprev[v] = id;
		if (goals_left > 0 && sp->goal[v] == sp->ggen)
		{
			/* a goal's best path over the limit, or one the hop field
			 * may have cut: the search with labels decides */
			if (h > H || capped)
			{
				ws->exceeded = true;
				ws->exceeded_goal = v;
				break;
			}
			if (--goals_left == 0)
				break;
		}

		vchg = rev && sp->chg != NULL && sp->chg[v];
		hi = off[v + 1];
		for (k = off[v]; k < hi; k++)
		{
			const GcArc *ar = GC_ARC(g, rev, k);
			int32_t		u = GC_ARC_NBR(g, rev, k);
			int32_t		e = ar->edge;
			int64_t		q;
			int64_t		nw;
			uint64_t	key;

			if (vchg || (!rev && sp->chg != NULL && sp->chg[u]))
			{
				double		s = gc_step(sp, g, e);

				if (!(s > 0.0 && s <= 1.0))
					continue;
				q = gc_weight(g, e, s);
			}
			else
				q = ar->qw;
			if (q > GC_W_MAX)
				continue;
			nw = w + q;
			if (nw > GC_W_MAX)
				continue;
			if (h + 1 >= (1 << GC_HOP_BITS))
			{
				capped = true;
				continue;
			}
			key = ((uint64_t) nw << GC_HOP_BITS) | (uint64_t) (h + 1);
			if (key > skey[u] || (key == skey[u] && e >= se[u]))
				continue;
			skey[u] = key;
			se[u] = e;
			sprev[u] = id;
			GC_SPUSH(key, e, u);
		}
	}
#undef GC_SPUSH
	gc_finish(ws, sp);
	return true;
}

/*
 * Layered mode: Bellman-Ford by hops.  Layer h holds the labels of h hops,
 * made from the labels of layer h - 1 (the nodes improved there): a node
 * gets a label at layer h when its best weight over h hops is below its
 * best over fewer; of equal weights, the lowest edge.  These are exactly
 * the full search's labels (the Pareto set of (weight, hops) per node) and
 * choices, found without a heap; the last label of a node is its best and
 * comes first in its chain.  A layer's labels are made in node order (from
 * a bitmap of the nodes with a candidate), so the next layer reads the
 * CSR front to back.  Seeds must have 0 hops; no potential, hop bound,
 * removal or early stop.  With goals, once each goal has a label, a
 * layer makes no label at or above the greatest goal weight: extended, it
 * could not give a goal a better path (more weight, or as much and more
 * hops); the goals' labels are then the full search's, the other nodes'
 * may be missing.
 */
static bool
gc_run_layers(GcWork *ws, const GcSpec *sp, const GcSeed *seeds,
			  int32_t nseeds)
{
	const CtemGraph *g = ws->g;
	const int	H = sp->max_hops;
	const bool	rev = sp->reverse;
	const int32_t *off = rev ? g->in_off : g->out_off;
	size_t		n = (size_t) g->n;
	int64_t    *bw;
	int64_t    *cw;
	int32_t    *ce;
	int32_t    *cprev;
	uint64_t   *bits;
	size_t		nwords = n / 64 + 1;
	int32_t		lo;
	int32_t		hi;
	int32_t		i;
	int			h;
	int64_t		wstop = sp->wstop;
	int32_t		goals_seen = 0;
	int32_t		nglist = 0;
	int32_t    *glist = NULL;

	if (ws->lbw == NULL)
	{
		ws->lbw = gc_alloc(ws->a, n, sizeof(int64_t), ws->err);
		ws->lcw = gc_alloc(ws->a, n, sizeof(int64_t), ws->err);
		ws->lce = gc_alloc(ws->a, n, sizeof(int32_t), ws->err);
		ws->lcprev = gc_alloc(ws->a, n, sizeof(int32_t), ws->err);
		ws->lbits = gc_alloc(ws->a, nwords, sizeof(uint64_t), ws->err);
		if (ws->lbw == NULL || ws->lcw == NULL || ws->lce == NULL ||
			ws->lcprev == NULL || ws->lbits == NULL)
			return false;
	}
	if (sp->ngoals > 0 && ws->capglist < sp->ngoals)
	{
		gc_free(ws->a, ws->lglist);
		ws->lglist = gc_alloc(ws->a, (size_t) sp->ngoals, sizeof(int32_t), ws->err);
		if (ws->lglist == NULL)
			return false;
		ws->capglist = sp->ngoals;
	}
	glist = ws->lglist;
	bw = ws->lbw;
	cw = ws->lcw;
	ce = ws->lce;
	cprev = ws->lcprev;
	bits = ws->lbits;
	for (i = 0; i < g->n; i++)
		bw[i] = INT64_MAX;
	memset(bits, 0, nwords * sizeof(uint64_t));
	gc_next_gen(ws);
	ws->nlab = 0;
	ws->exceeded = false;
	ws->last_single = false;

	/* layer 0: the seeds */
	for (i = 0; i < nseeds; i++)
	{
		int32_t		v = seeds[i].v;
		int32_t		id;
		GcLabel    *lb;

		if (!gc_new_label(ws, &id))
			return false;
		lb = &ws->lab[id];
		lb->w = seeds[i].w;
		lb->prob = seeds[i].prob;
		lb->v = v;
		lb->h = 0;
		lb->e = -1;
		lb->prev = -1;
		lb->origin = seeds[i].origin;
		lb->next = -1;
		if (sp->ngoals > 0 && bw[v] == INT64_MAX && sp->goal[v] == sp->ggen)
		{
			if (nglist < sp->ngoals)
				glist[nglist++] = v;
			goals_seen++;
		}
		bw[v] = seeds[i].w;
		gc_touch(ws, v);
		ws->cold[v].first = id;
		ws->cold[v].last = id;
	}
	lo = 0;
	hi = ws->nlab;
	for (h = 1; h <= H && lo < hi; h++)
	{
		int32_t		x;
		size_t		wd;

		/*
		 * With goals, once each has a label: no label of this layer at or
		 * above the greatest goal weight can lead to a better path to a
		 * goal (more weight, or as much and more hops than its label).
		 */
		if (sp->ngoals > 0 && goals_seen == sp->ngoals)
		{
			int64_t		b = INT64_MIN;

			for (i = 0; i < nglist; i++)
				if (bw[glist[i]] > b)
					b = bw[glist[i]];
			if (b - 1 < wstop)
				wstop = b - 1;
		}

		for (x = lo; x < hi; x++)
		{
			int32_t		v = ws->lab[x].v;
			int64_t		w = ws->lab[x].w;
			bool		vchg = rev && sp->chg != NULL && sp->chg[v];
			int32_t		k;
			int32_t		kend = off[v + 1];

			gc_tick(ws->a, &ws->ticks);
			for (k = off[v]; k < kend; k++)
			{
				const GcArc *ar = GC_ARC(g, rev, k);
				int32_t		u = GC_ARC_NBR(g, rev, k);
				int64_t		q;
				int64_t		nw;
				int32_t		e;

				GC_PREFETCH_IN(g, rev, k, kend);

				if (vchg || (!rev && sp->chg != NULL && sp->chg[u]))
				{
					double		st = gc_step(sp, g, ar->edge);

					if (!(st > 0.0 && st <= 1.0))
						continue;
					q = gc_weight(g, ar->edge, st);
				}
				else
					q = ar->qw;
				if (q > GC_W_MAX)
					continue;
				nw = w + q;
				if (nw >= bw[u] || nw > GC_W_MAX || nw > wstop)
					continue;
				e = ar->edge;
				if ((bits[u >> 6] & ((uint64_t) 1 << (u & 63))) == 0)
					bits[u >> 6] |= (uint64_t) 1 << (u & 63);
				else if (nw > cw[u] || (nw == cw[u] && e >= ce[u]))
					continue;
				cw[u] = nw;
				ce[u] = e;
				cprev[u] = x;
			}
		}
		/* the labels of layer h, in node order */
		lo = hi;
		for (wd = 0; wd < nwords; wd++)
		{
			uint64_t	word = bits[wd];

			bits[wd] = 0;
			while (word != 0)
			{
				int32_t		u = (int32_t) (wd * 64 + (size_t) __builtin_ctzll(word));
				int32_t		id;
				GcLabel    *lb;

				word &= word - 1;
				if (!gc_new_label(ws, &id))
					return false;
				lb = &ws->lab[id];
				lb->w = cw[u];
				lb->v = u;
				lb->h = h;
				lb->e = ce[u];
				lb->prev = cprev[u];
				if (sp->ngoals > 0 && bw[u] == INT64_MAX && sp->goal[u] == sp->ggen)
				{
					if (nglist < sp->ngoals)
						glist[nglist++] = u;
					goals_seen++;
				}
				bw[u] = cw[u];
				gc_touch(ws, u);
				lb->next = ws->cold[u].first;
				ws->cold[u].first = id;
				if (ws->cold[u].last < 0)
					ws->cold[u].last = id;
			}
		}
		hi = ws->nlab;
	}
	gc_finish(ws, sp);
	return true;
}

/*
 * A search without potential.  One that may stop early (goals) tries
 * single mode first, unless *single says it failed before (then, and
 * when it meets a path over the limit, the layered search); one that runs
 * to the end is layered: without a heap it beats Dijkstra even when the
 * limit does not bind.  single may be NULL; it is set to false when
 * single mode fails, for the next search of the same call.
 */
static bool
gc_search_run(GcWork *ws, GcSpec *sp, const GcSeed *seeds, int32_t nseeds,
			  bool *single)
{
	int32_t		i;

	ws->single_failed = -1;
	for (i = 0; i < nseeds; i++)
		if (seeds[i].h != 0)
			return gc_run(ws, sp, seeds, nseeds);
	if (sp->pot != NULL || sp->hopdist != NULL || sp->removed != NULL)
		return gc_run(ws, sp, seeds, nseeds);
	if (sp->ngoals > 0 && (single == NULL || *single))
	{
		if (!gc_run_single(ws, sp, seeds, nseeds))
			return false;
		if (!ws->exceeded)
			return true;
		ws->single_failed = ws->exceeded_goal;
		if (single != NULL)
			*single = false;
	}
	return gc_run_layers(ws, sp, seeds, nseeds);
}

static void
gc_spec_init(GcSpec *sp, const double *step, int max_hops)
{
	memset(sp, 0, sizeof(GcSpec));
	sp->step = step;
	sp->ovr_node = -1;
	sp->max_hops = max_hops;
	sp->spur = -1;
	sp->wstop = INT64_MAX;
}

/* seeds at every node with flag (each at probability 1), into *seeds */
static bool
gc_flag_seeds(const CtemGraph *g, uint8_t flag, const CtemGraphAlloc *a,
			  GcSeed **seeds, int32_t *nseeds, CtemGraphError *err)
{
	int32_t		v;
	int32_t		k = 0;

	*seeds = gc_alloc(a, (size_t) g->n, sizeof(GcSeed), err);
	if (*seeds == NULL)
		return false;
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		if ((g->flags[v] & flag) == 0)
			continue;
		(*seeds)[k].v = v;
		(*seeds)[k].h = 0;
		(*seeds)[k].w = 0;
		(*seeds)[k].prob = 1.0;
		(*seeds)[k].origin = v;
		k++;
	}
	*nseeds = k;
	return true;
}

/* seeds at the nodes listed (duplicates once), or at flag when NULL */
static bool
gc_list_seeds(const CtemGraph *g, const int32_t *list, int32_t nlist,
			  uint8_t flag, const CtemGraphAlloc *a, GcSeed **seeds,
			  int32_t *nseeds, CtemGraphError *err)
{
	uint8_t    *seen;
	int32_t		i;
	int32_t		k = 0;

	if (list == NULL)
		return gc_flag_seeds(g, flag, a, seeds, nseeds, err);
	if (nlist < 0)
	{
		gc_error(err, "the number of start nodes is negative (%d)", (int) nlist);
		return false;
	}
	for (i = 0; i < nlist; i++)
	{
		if (list[i] < 0 || list[i] >= g->n)
		{
			gc_error(err, "start node %d is out of range (0 .. %d)",
					 (int) list[i], (int) g->n - 1);
			return false;
		}
	}
	*seeds = gc_alloc(a, (size_t) nlist, sizeof(GcSeed), err);
	seen = gc_alloc(a, (size_t) g->n, 1, err);
	if (*seeds == NULL || seen == NULL)
	{
		gc_free(a, *seeds);
		gc_free(a, seen);
		*seeds = NULL;
		return false;
	}
	memset(seen, 0, (size_t) g->n);
	for (i = 0; i < nlist; i++)
	{
		if (seen[list[i]])
			continue;
		seen[list[i]] = 1;
		(*seeds)[k].v = list[i];
		(*seeds)[k].h = 0;
		(*seeds)[k].w = 0;
		(*seeds)[k].prob = 1.0;
		(*seeds)[k].origin = list[i];
		k++;
	}
	gc_free(a, seen);
	*nseeds = k;
	return true;
}

/* the search result of the last run of ws */
static CtemGraphSearch *
gc_result(GcWork *ws, bool reverse, int max_hops)
{
	const CtemGraph *g = ws->g;
	size_t		n = (size_t) g->n;
	size_t		nl = (size_t) ws->nlab;
	size_t		end = 0;
	size_t		o_struct,
				o_prob,
				o_hops,
				o_origin,
				o_pred,
				o_priv,
				o_e,
				o_prev;
	char	   *base;
	CtemGraphSearch *s;
	GcSearchPriv *pv;
	int32_t		v;
	int32_t		i;

	if (!gc_reserve(&end, 1, sizeof(CtemGraphSearch), &o_struct) ||
		!gc_reserve(&end, n, sizeof(double), &o_prob) ||
		!gc_reserve(&end, n, sizeof(int32_t), &o_hops) ||
		!gc_reserve(&end, n, sizeof(int32_t), &o_origin) ||
		!gc_reserve(&end, n, sizeof(int32_t), &o_pred) ||
		!gc_reserve(&end, 1, sizeof(GcSearchPriv), &o_priv) ||
		!gc_reserve(&end, nl, sizeof(int32_t), &o_e) ||
		!gc_reserve(&end, nl, sizeof(int32_t), &o_prev))
	{
		gc_error(ws->err, "search result is too large");
		return NULL;
	}
	base = gc_alloc(ws->a, end, 1, ws->err);
	if (base == NULL)
		return NULL;
	s = (CtemGraphSearch *) base;
	pv = (GcSearchPriv *) (base + o_priv);
	s->n = g->n;
	s->max_hops = max_hops;
	s->prob = (double *) (base + o_prob);
	s->hops = (int32_t *) (base + o_hops);
	s->origin = (int32_t *) (base + o_origin);
	s->pred = (int32_t *) (base + o_pred);
	s->pred_hops = NULL;
	s->priv = pv;
	pv->reverse = reverse;
	pv->nlab = ws->nlab;
	pv->lab_e = (int32_t *) (base + o_e);
	pv->lab_prev = (int32_t *) (base + o_prev);
	for (v = 0; v < g->n; v++)
	{
		int32_t		f = gc_first(ws, v);

		GC_CHECK(ws->a, v);
		s->pred[v] = f;
		if (f >= 0)
		{
			s->prob[v] = ws->lab[f].prob;
			s->hops[v] = ws->lab[f].h;
			s->origin[v] = ws->lab[f].origin;
		}
		else
		{
			s->prob[v] = 0.0;
			s->hops[v] = -1;
			s->origin[v] = -1;
		}
	}
	for (i = 0; i < ws->nlab; i++)
	{
		GC_CHECK(ws->a, i);
		pv->lab_e[i] = ws->lab[i].e;
		pv->lab_prev[i] = ws->lab[i].prev;
	}
	return s;
}

static CtemGraphSearch *
gc_search(const CtemGraph *g, const double *step, const int32_t *list,
		  int32_t nlist, int max_hops, bool reverse, const CtemGraphAlloc *a,
		  CtemGraphError *err)
{
	GcWork		ws;
	GcSpec		sp;
	GcSeed	   *seeds = NULL;
	int32_t		nseeds = 0;
	uint8_t    *chg = NULL;
	CtemGraphSearch *s = NULL;

	if (!gc_check_alloc(a, err) || !gc_check_graph(g, err) ||
		!gc_check_hops(max_hops, err))
		return NULL;
	if (!gc_list_seeds(g, list, nlist,
					   reverse ? CTEM_NODE_JEWEL : CTEM_NODE_ENTRY,
					   a, &seeds, &nseeds, err))
		return NULL;
	memset(&ws, 0, sizeof(ws));
	if (gc_changed(g, step, a, &chg, err) && gc_work_init(&ws, g, a, err))
	{
		gc_spec_init(&sp, step, max_hops);
		sp.reverse = reverse;
		sp.chg = chg;
		if (gc_search_run(&ws, &sp, seeds, nseeds, NULL))
			s = gc_result(&ws, reverse, max_hops);
	}
	gc_work_free(&ws);
	gc_free(a, seeds);
	gc_free(a, chg);
	return s;
}

CtemGraphSearch *
ctem_graph_search(const CtemGraph *g, const double *step,
				  const int32_t *sources, int32_t nsources, int max_hops,
				  const CtemGraphAlloc *a, CtemGraphError *err)
{
	return gc_search(g, step, sources, nsources, max_hops, false, a, err);
}

CtemGraphSearch *
ctem_graph_search_to(const CtemGraph *g, const double *step,
					 const int32_t *targets, int32_t ntargets, int max_hops,
					 const CtemGraphAlloc *a, CtemGraphError *err)
{
	return gc_search(g, step, targets, ntargets, max_hops, true, a, err);
}

void
ctem_graph_search_free(CtemGraphSearch *s, const CtemGraphAlloc *a)
{
	gc_free(a, s);
}

int
ctem_graph_search_path(const CtemGraph *g, const CtemGraphSearch *s,
					   int32_t v, int32_t *edges)
{
	const GcSearchPriv *pv;
	int32_t		l;
	int			h;
	int			i;

	if (g == NULL || s == NULL || v < 0 || v >= s->n || s->pred[v] < 0)
		return -1;
	pv = (const GcSearchPriv *) s->priv;
	h = s->hops[v];
	l = s->pred[v];
	for (i = 0; i < h && l >= 0; i++)
	{
		if (edges != NULL)
			edges[pv->reverse ? i : h - 1 - i] = pv->lab_e[l];
		l = pv->lab_prev[l];
	}
	return h;
}

/*
 * Path factor
 */

bool
ctem_graph_path_factor(const CtemGraph *g, const double *step, int max_hops,
					   double *factor, const CtemGraphAlloc *a,
					   CtemGraphError *err)
{
	GcWork		ws;
	GcSpec		sp;
	GcSeed	   *seeds = NULL;
	int32_t		nseeds;
	GcLabel    *flab = NULL;
	int32_t    *ffirst = NULL;
	uint8_t    *chg = NULL;
	bool		ok = false;
	int32_t		v;

	if (!gc_check_alloc(a, err) || !gc_check_graph(g, err) ||
		!gc_check_hops(max_hops, err))
		return false;
	if (factor == NULL)
	{
		gc_error(err, "no output array was given for the path factors");
		return false;
	}
	memset(&ws, 0, sizeof(ws));
	if (!gc_changed(g, step, a, &chg, err) || !gc_work_init(&ws, g, a, err))
		goto done;
	ffirst = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	if (ffirst == NULL)
		goto done;
	gc_spec_init(&sp, step, max_hops);
	sp.chg = chg;

	/* forward from the entries, keeping every label */
	if (!gc_flag_seeds(g, CTEM_NODE_ENTRY, a, &seeds, &nseeds, err) ||
		!gc_run_layers(&ws, &sp, seeds, nseeds))
		goto done;
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		ffirst[v] = gc_first(&ws, v);
	}
	flab = ws.lab;
	ws.lab = gc_alloc(a, (size_t) ws.caplab, sizeof(GcLabel), err);
	if (ws.lab == NULL)
		goto done;
	gc_free(a, seeds);
	seeds = NULL;

	/* backward from the jewels */
	sp.reverse = true;
	if (!gc_flag_seeds(g, CTEM_NODE_JEWEL, a, &seeds, &nseeds, err) ||
		!gc_run_layers(&ws, &sp, seeds, nseeds))
		goto done;

	/* the best pair of halves within the limit at each node */
	for (v = 0; v < g->n; v++)
	{
		int64_t		bw = INT64_MAX;
		int32_t		bh = GC_NO_HOPS;
		double		bp = 0.0;
		int32_t		x;
		int32_t		y;

		GC_CHECK(a, v);
		for (x = ffirst[v]; x >= 0; x = flab[x].next)
		{
			for (y = gc_first(&ws, v); y >= 0; y = ws.lab[y].next)
			{
				int64_t		tw = flab[x].w + ws.lab[y].w;
				int32_t		th = flab[x].h + ws.lab[y].h;

				if (th > max_hops)
					continue;
				if (tw < bw || (tw == bw && th < bh))
				{
					bw = tw;
					bh = th;
					bp = flab[x].prob * ws.lab[y].prob;
				}
			}
		}
		factor[v] = bp;
	}
	ok = true;
done:
	gc_free(a, seeds);
	gc_free(a, flab);
	gc_free(a, ffirst);
	gc_free(a, chg);
	gc_work_free(&ws);
	return ok;
}

/*
 * Risk
 */

/* goal marks at every jewel (stamp 1), into *goal */
static bool
gc_jewel_goals(const CtemGraph *g, const CtemGraphAlloc *a, uint32_t **goal,
			   CtemGraphError *err)
{
	int32_t		v;

	*goal = gc_alloc(a, (size_t) g->n, sizeof(uint32_t), err);
	if (*goal == NULL)
		return false;
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		(*goal)[v] = (g->flags[v] & CTEM_NODE_JEWEL) ? 1 : 0;
	}
	return true;
}

/*
 * Forward search from the entries that stops once every jewel is settled
 * (the goal marks of gc_jewel_goals); the risk is summed in node order.
 */
static bool
gc_risk_run(GcWork *ws, GcSpec *sp, const GcSeed *seeds, int32_t nseeds,
			const uint32_t *jewels, bool *single, double *risk)
{
	const CtemGraph *g = ws->g;
	int32_t		v;
	double		sum = 0.0;

	sp->goal = jewels;
	sp->ggen = 1;
	sp->ngoals = g->njewels;
	if (!gc_search_run(ws, sp, seeds, nseeds, single))
		return false;
	for (v = 0; v < g->n; v++)
	{
		int32_t		f;

		GC_CHECK(ws->a, v);
		if ((g->flags[v] & CTEM_NODE_JEWEL) == 0)
			continue;
		f = gc_first(ws, v);
		if (f >= 0)
			sum += ws->lab[f].prob;
	}
	*risk = sum;
	return true;
}

double
ctem_graph_risk(const CtemGraph *g, const double *step, int max_hops,
				const CtemGraphAlloc *a, CtemGraphError *err)
{
	GcWork		ws;
	GcSpec		sp;
	GcSeed	   *seeds = NULL;
	int32_t		nseeds;
	uint32_t   *jewels = NULL;
	uint8_t    *chg = NULL;
	double		risk = -1.0;

	if (!gc_check_alloc(a, err) || !gc_check_graph(g, err) ||
		!gc_check_hops(max_hops, err))
		return -1.0;
	if (g->njewels == 0)
		return 0.0;
	memset(&ws, 0, sizeof(ws));
	if (gc_changed(g, step, a, &chg, err) &&
		gc_work_init(&ws, g, a, err) &&
		gc_flag_seeds(g, CTEM_NODE_ENTRY, a, &seeds, &nseeds, err) &&
		gc_jewel_goals(g, a, &jewels, err))
	{
		gc_spec_init(&sp, step, max_hops);
		sp.chg = chg;
		if (!gc_risk_run(&ws, &sp, seeds, nseeds, jewels, NULL, &risk))
			risk = -1.0;
	}
	gc_free(a, seeds);
	gc_free(a, jewels);
	gc_free(a, chg);
	gc_work_free(&ws);
	return risk;
}

/*
 * Entries reaching a target
 */

int32_t
ctem_graph_entries_reaching(const CtemGraph *g, const double *step,
							int32_t target, int max_hops,
							const CtemGraphAlloc *a, CtemGraphError *err)
{
	GcSpec		sp;
	uint8_t    *chg = NULL;
	int32_t    *queue;
	int32_t    *dist;
	int32_t		qh = 0;
	int32_t		qt = 0;
	int32_t		count = 0;
	unsigned	ticks = 0;

	if (!gc_check_alloc(a, err) || !gc_check_graph(g, err) ||
		!gc_check_hops(max_hops, err))
		return -1;
	if (target < 0 || target >= g->n)
	{
		gc_error(err, "target node %d is out of range (0 .. %d)",
				 (int) target, (int) g->n - 1);
		return -1;
	}
	if (!gc_changed(g, step, a, &chg, err))
		return -1;
	gc_spec_init(&sp, step, max_hops);
	sp.chg = chg;
	queue = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	dist = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	if (queue == NULL || dist == NULL)
	{
		gc_free(a, queue);
		gc_free(a, dist);
		gc_free(a, chg);
		return -1;
	}
	memset(dist, 0xff, (size_t) g->n * sizeof(int32_t));
	dist[target] = 0;
	queue[qt++] = target;
	while (qh < qt)
	{
		int32_t		v = queue[qh++];
		int32_t		k;

		gc_tick(a, &ticks);
		if (g->flags[v] & CTEM_NODE_ENTRY)
			count++;
		if (dist[v] >= max_hops)
			continue;
		for (k = g->in_off[v]; k < g->in_off[v + 1]; k++)
		{
			int32_t		u = g->in_arc[k].nbr;

			if (dist[u] >= 0 || gc_in_weight(g, &sp, v, k) > GC_W_MAX)
				continue;
			dist[u] = dist[v] + 1;
			queue[qt++] = u;
		}
	}
	gc_free(a, queue);
	gc_free(a, dist);
	gc_free(a, chg);
	return count;
}

/*
 * Yen's k most likely paths
 */

/*
 * Potential and hop bound towards target on sp's steps: hopdist[v] the
 * fewest hops from v to target (-1: more than max_hops), pot[v] the least
 * weight from v to target, capped at radius (the backward search goes no
 * further).  Capped, pot is still consistent (pot(u) <= w(u, v) + pot(v)
 * on every edge), so an A* search keeps its order; beyond the radius it
 * only guides less.
 */
static bool
gc_goal_bounds(GcWork *ws, const GcSpec *sp, int32_t target, int64_t radius,
			   int64_t *pot, int32_t *hopdist)
{
	const CtemGraph *g = ws->g;
	int32_t    *queue;
	int32_t		qh = 0;
	int32_t		qt = 0;
	int32_t		v;
	GcSpec		bsp;
	GcSeed		seed;
	int64_t		reached = 0;

	queue = gc_alloc(ws->a, (size_t) g->n, sizeof(int32_t), ws->err);
	if (queue == NULL)
		return false;
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(ws->a, v);
		hopdist[v] = -1;
	}
	hopdist[target] = 0;
	queue[qt++] = target;
	while (qh < qt)
	{
		int32_t		x = queue[qh++];
		int32_t		k;

		gc_tick(ws->a, &ws->ticks);
		if (hopdist[x] >= sp->max_hops)
			continue;
		for (k = g->in_off[x]; k < g->in_off[x + 1]; k++)
		{
			int32_t		u = g->in_arc[k].nbr;

			if (hopdist[u] >= 0 || gc_in_weight(g, sp, x, k) > GC_W_MAX)
				continue;
			hopdist[u] = hopdist[x] + 1;
			queue[qt++] = u;
		}
	}
	gc_free(ws->a, queue);

	/* backwards, layered with no hop limit that binds, up to the radius */
	bsp = *sp;
	bsp.reverse = true;
	bsp.pot = NULL;
	bsp.hopdist = NULL;
	bsp.removed = NULL;
	bsp.goal = NULL;
	bsp.ngoals = 0;
	bsp.max_hops = (1 << GC_HOP_BITS) - 2;
	bsp.wstop = radius;
	seed.v = target;
	seed.h = 0;
	seed.w = 0;
	seed.prob = 1.0;
	seed.origin = target;
	if (!gc_run_layers(ws, &bsp, &seed, 1))
		return false;
	reached = radius < GC_W_MAX ? radius : GC_W_MAX;
	for (v = 0; v < g->n; v++)
	{
		int32_t		f = gc_first(ws, v);

		GC_CHECK(ws->a, v);
		pot[v] = hopdist[v] < 0 ? GC_POT_INF : f >= 0 ? ws->lab[f].w : reached;
	}
	return true;
}

/* a < b in the order of paths: weight, hops, edge ids from the end */
static bool
gc_path_less(const GcPath *a, const GcPath *b)
{
	int			i;

	if (a->w != b->w)
		return a->w < b->w;
	if (a->h != b->h)
		return a->h < b->h;
	for (i = a->h - 1; i >= 0; i--)
		if (a->edges[i] != b->edges[i])
			return a->edges[i] < b->edges[i];
	return a->entry < b->entry;
}

static bool
gc_path_equal(const GcPath *a, const GcPath *b)
{
	return a->w == b->w && a->h == b->h && a->entry == b->entry &&
		memcmp(a->edges, b->edges, (size_t) a->h * sizeof(int32_t)) == 0;
}

/* the node at position i of path P (0 = entry) */
static inline int32_t
gc_path_node(const CtemGraph *g, const GcPath *p, int i)
{
	return i == 0 ? p->entry : g->dst[p->edges[i - 1]];
}

int
ctem_graph_k_paths(const CtemGraph *g, const double *step, int32_t target,
				   int k, int max_hops, CtemGraphPath *out,
				   const CtemGraphAlloc *a, CtemGraphError *err)
{
	GcWork		ws;
	GcSpec		sp;
	GcSeed	   *seeds = NULL;
	int32_t		nentries = 0;
	GcSeed	   *spur_seeds = NULL;
	int64_t    *pot = NULL;
	int32_t    *hopdist = NULL;
	uint32_t   *removed = NULL;
	uint32_t   *goal = NULL;
	uint8_t    *started = NULL;	/* entries that start a path found */
	GcPath	   *A = NULL;
	GcPath	   *B = NULL;
	int			nA = 0;
	int			nB = 0;
	int			capB = 0;
	int32_t		rm_edges[CTEM_GRAPH_MAX_K];
	uint8_t    *chg = NULL;
	int			result = -1;
	int			i;

	if (!gc_check_alloc(a, err) || !gc_check_graph(g, err) ||
		!gc_check_hops(max_hops, err))
		return -1;
	if (target < 0 || target >= g->n)
	{
		gc_error(err, "target node %d is out of range (0 .. %d)",
				 (int) target, (int) g->n - 1);
		return -1;
	}
	if (k < 0 || k > CTEM_GRAPH_MAX_K)
	{
		gc_error(err, "k %d is out of range: it must be between 0 and %d",
				 k, CTEM_GRAPH_MAX_K);
		return -1;
	}
	if (k == 0)
		return 0;
	if (out == NULL)
	{
		gc_error(err, "no output array was given for the paths");
		return -1;
	}
	memset(&ws, 0, sizeof(ws));
	if (!gc_changed(g, step, a, &chg, err) || !gc_work_init(&ws, g, a, err) ||
		!gc_flag_seeds(g, CTEM_NODE_ENTRY, a, &seeds, &nentries, err))
		goto done;
	spur_seeds = gc_alloc(a, (size_t) nentries + 1, sizeof(GcSeed), err);
	pot = gc_alloc(a, (size_t) g->n, sizeof(int64_t), err);
	hopdist = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	removed = gc_alloc(a, (size_t) g->n, sizeof(uint32_t), err);
	goal = gc_alloc(a, (size_t) g->n, sizeof(uint32_t), err);
	started = gc_alloc(a, (size_t) g->n, 1, err);
	A = gc_alloc(a, (size_t) k, sizeof(GcPath), err);
	if (spur_seeds == NULL || pot == NULL || hopdist == NULL ||
		removed == NULL || goal == NULL || started == NULL || A == NULL)
		goto done;
	memset(removed, 0, (size_t) g->n * sizeof(uint32_t));
	memset(goal, 0, (size_t) g->n * sizeof(uint32_t));
	memset(started, 0, (size_t) g->n);
	goal[target] = 1;

	gc_spec_init(&sp, step, max_hops);
	sp.chg = chg;

	/*
	 * The first path: the search from the entries, stopped at the target
	 * (the same path as ctem_graph_search's).  The others need the
	 * potential, towards the target, as far as the first path's weight and
	 * e^2 more (the next paths are seldom much less likely).
	 */
	sp.goal = goal;
	sp.ggen = 1;
	sp.ngoals = 1;
	if (!gc_search_run(&ws, &sp, seeds, nentries, NULL))
		goto done;
	{
		int32_t		f = gc_first(&ws, target);
		int			h;
		int32_t		l;

		if (f < 0)
		{
			result = 0;
			goto done;
		}
		A[0].w = ws.lab[f].w;
		A[0].prob = ws.lab[f].prob;
		A[0].h = h = ws.lab[f].h;
		A[0].entry = ws.lab[f].origin;
		for (l = f; l >= 0 && ws.lab[l].e >= 0; l = ws.lab[l].prev)
			A[0].edges[--h] = ws.lab[l].e;
		nA = 1;
		started[A[0].entry] = 1;
	}
	if (k > 1 &&
		!gc_goal_bounds(&ws, &sp, target,
						A[0].w + (int64_t) (2.0 * GC_QSCALE), pot, hopdist))
		goto done;
	sp.pot = pot;
	sp.hopdist = hopdist;
	sp.removed = removed;
	sp.rm_edges = rm_edges;

	while (nA < k)
	{
		const GcPath *P = nA > 0 ? &A[nA - 1] : NULL;
		int			sidx;
		int			best;

		/* spur at the super-source (-1), then at each node of P but the last */
		for (sidx = -1; sidx < (P != NULL ? P->h : 0); sidx++)
		{
			int32_t		nseeds = 0;
			int32_t		f;
			int			q;
			int			nrm = 0;
			GcPath		cand;

			if (P == NULL && sidx >= 0)
				break;
			sp.rgen++;
			sp.spur = -1;
			sp.nrm_edges = 0;
			cand.w = 0;
			cand.prob = 1.0;
			cand.h = sidx < 0 ? 0 : sidx;
			cand.entry = sidx < 0 ? -1 : P->entry;
			if (sidx < 0)
			{
				int32_t		j;

				/*
				 * Every entry but those that start a path found (Yen removes
				 * the super-source's edge of every path with its root).
				 */
				for (j = 0; j < nentries; j++)
					if (!started[seeds[j].v])
						spur_seeds[nseeds++] = seeds[j];
			}
			else
			{
				/* root: P's first sidx edges; its nodes but the spur removed */
				int			r;

				for (r = 0; r < sidx; r++)
				{
					int32_t		e = P->edges[r];
					double		s = gc_step(&sp, g, e);

					cand.edges[r] = e;
					cand.w += gc_weight(g, e, s);
					cand.prob *= s;
					removed[gc_path_node(g, P, r)] = sp.rgen;
				}
				/* the next edge of every path found with this root */
				for (q = 0; q < nA; q++)
				{
					if (A[q].h > sidx && A[q].entry == P->entry &&
						memcmp(A[q].edges, P->edges,
							   (size_t) sidx * sizeof(int32_t)) == 0)
						rm_edges[nrm++] = A[q].edges[sidx];
				}
				sp.spur = gc_path_node(g, P, sidx);
				sp.nrm_edges = nrm;
				spur_seeds[0].v = sp.spur;
				spur_seeds[0].h = sidx;
				spur_seeds[0].w = cand.w;
				spur_seeds[0].prob = cand.prob;
				spur_seeds[0].origin = P->entry;
				nseeds = 1;
			}
			if (!gc_run(&ws, &sp, spur_seeds, nseeds))
				goto done;
			f = gc_first(&ws, target);
			if (f < 0)
				continue;
			{
				const GcLabel *lb = &ws.lab[f];
				int			h = lb->h;
				int32_t		l;

				cand.w = lb->w;
				cand.prob = lb->prob;
				cand.h = h;
				cand.entry = lb->origin;
				for (l = f; l >= 0 && ws.lab[l].e >= 0; l = ws.lab[l].prev)
					cand.edges[--h] = ws.lab[l].e;
			}
			for (q = 0; q < nB; q++)
				if (gc_path_equal(&B[q], &cand))
					break;
			if (q < nB)
				continue;
			if (nB == capB)
			{
				GcPath	   *nb;
				int			cap = capB == 0 ? 16 : capB * 2;

				nb = gc_alloc(a, (size_t) cap, sizeof(GcPath), err);
				if (nb == NULL)
					goto done;
				if (nB > 0)
					memcpy(nb, B, (size_t) nB * sizeof(GcPath));
				gc_free(a, B);
				B = nb;
				capB = cap;
			}
			B[nB++] = cand;
		}
		if (nB == 0)
			break;
		best = 0;
		for (i = 1; i < nB; i++)
			if (gc_path_less(&B[i], &B[best]))
				best = i;
		A[nA++] = B[best];
		started[B[best].entry] = 1;
		B[best] = B[--nB];
	}

	for (i = 0; i < nA; i++)
	{
		out[i].prob = A[i].prob;
		out[i].hops = A[i].h;
		out[i].entry = A[i].entry;
		out[i].edges = NULL;
		if (A[i].h > 0)
		{
			out[i].edges = gc_alloc(a, (size_t) A[i].h, sizeof(int32_t), err);
			if (out[i].edges == NULL)
			{
				ctem_graph_paths_free(out, i, a);
				goto done;
			}
			memcpy(out[i].edges, A[i].edges, (size_t) A[i].h * sizeof(int32_t));
		}
	}
	result = nA;
done:
	gc_work_free(&ws);
	gc_free(a, seeds);
	gc_free(a, spur_seeds);
	gc_free(a, pot);
	gc_free(a, hopdist);
	gc_free(a, removed);
	gc_free(a, goal);
	gc_free(a, started);
	gc_free(a, A);
	gc_free(a, B);
	gc_free(a, chg);
	return result;
}

void
ctem_graph_paths_free(CtemGraphPath *paths, int npaths,
					  const CtemGraphAlloc *a)
{
	int			i;

	if (paths == NULL)
		return;
	for (i = 0; i < npaths; i++)
	{
		gc_free(a, paths[i].edges);
		paths[i].edges = NULL;
	}
}

/*
 * Fix evaluation, shared by chokepoints and fix plans
 */

/* the state a set of fixes is evaluated against */
typedef struct GcFixBase
{
	GcWork		ws;
	GcSpec		sp;
	GcSeed	   *seeds;
	int32_t		nseeds;
	uint32_t   *jewels;			/* goal marks of every jewel (1) */
	uint32_t   *affected;		/* goal marks of the affected jewels */
	uint8_t    *chg;			/* nodes whose in-steps differ from g's */
	uint32_t	agen;
	int32_t    *jlist;			/* the jewels, in node order */
	double	   *jprob;			/* [njewels] prob at the base */
	int32_t    *jhit;			/* [njewels] edge of the path into node x */
	int32_t    *jpath_off;		/* [njewels + 1] the edges of each */
	int32_t    *jpath_edge;		/* jewel's chosen path, from the jewel */
	int32_t		npath_edge;
	double		risk;
	uint8_t    *long_goal;		/* [n] single mode failed at this jewel:
								 * its best path is over the hop limit */
} GcFixBase;

/*
 * Whether to try single mode for a search of fb's jewels (all, or those
 * with jhit[j] >= 0): not when one of them made it fail before (a jewel
 * whose best path is over the hop limit makes it fail again, after most
 * of the work); and after the search, note the jewel it failed at.
 */
static bool
gc_fix_try_single(const GcFixBase *fb, bool affected_only)
{
	int32_t		j;

	for (j = 0; j < fb->ws.g->njewels; j++)
		if ((!affected_only || fb->jhit[j] >= 0) && fb->long_goal[fb->jlist[j]])
			return false;
	return true;
}

static void
gc_fix_note_single(GcFixBase *fb)
{
	if (fb->ws.single_failed >= 0)
		fb->long_goal[fb->ws.single_failed] = 1;
}

static bool
gc_fix_init(GcFixBase *fb, const CtemGraph *g, const double *step,
			int max_hops, const CtemGraphAlloc *a, CtemGraphError *err)
{
	int32_t		v;
	int32_t		j = 0;

	memset(fb, 0, sizeof(GcFixBase));
	if (!gc_work_init(&fb->ws, g, a, err))
		return false;
	gc_spec_init(&fb->sp, step, max_hops);
	if (!gc_flag_seeds(g, CTEM_NODE_ENTRY, a, &fb->seeds, &fb->nseeds, err) ||
		!gc_jewel_goals(g, a, &fb->jewels, err))
		return false;
	fb->affected = gc_alloc(a, (size_t) g->n, sizeof(uint32_t), err);
	fb->long_goal = gc_alloc(a, (size_t) g->n, 1, err);
	if (fb->long_goal == NULL)
		return false;
	memset(fb->long_goal, 0, (size_t) g->n);
	fb->chg = gc_alloc(a, (size_t) g->n, 1, err);
	fb->jlist = gc_alloc(a, (size_t) g->njewels, sizeof(int32_t), err);
	fb->jprob = gc_alloc(a, (size_t) g->njewels, sizeof(double), err);
	fb->jhit = gc_alloc(a, (size_t) g->njewels, sizeof(int32_t), err);
	fb->jpath_off = gc_alloc(a, (size_t) g->njewels + 1, sizeof(int32_t), err);
	fb->jpath_edge = gc_alloc(a, (size_t) g->njewels * (max_hops + 1),
							  sizeof(int32_t), err);
	if (fb->affected == NULL || fb->chg == NULL || fb->jlist == NULL ||
		fb->jprob == NULL || fb->jhit == NULL || fb->jpath_off == NULL ||
		fb->jpath_edge == NULL)
		return false;
	memset(fb->affected, 0, (size_t) g->n * sizeof(uint32_t));
	memset(fb->chg, 0, (size_t) g->n);
	fb->sp.chg = fb->chg;
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		if (g->flags[v] & CTEM_NODE_JEWEL)
			fb->jlist[j++] = v;
	}
	return true;
}

static void
gc_fix_free(GcFixBase *fb, const CtemGraphAlloc *a)
{
	gc_work_free(&fb->ws);
	gc_free(a, fb->seeds);
	gc_free(a, fb->jewels);
	gc_free(a, fb->affected);
	gc_free(a, fb->long_goal);
	gc_free(a, fb->chg);
	gc_free(a, fb->jlist);
	gc_free(a, fb->jprob);
	gc_free(a, fb->jhit);
	gc_free(a, fb->jpath_off);
	gc_free(a, fb->jpath_edge);
}

/* the base search: risk, each jewel's probability and path edges */
static bool
gc_fix_base(GcFixBase *fb)
{
	const CtemGraph *g = fb->ws.g;
	int32_t		j;
	bool		single = gc_fix_try_single(fb, false);

	fb->sp.ovr_node = -1;
	if (!gc_risk_run(&fb->ws, &fb->sp, fb->seeds, fb->nseeds, fb->jewels,
					 &single, &fb->risk))
		return false;
	gc_fix_note_single(fb);
	fb->npath_edge = 0;
	for (j = 0; j < g->njewels; j++)
	{
		int32_t		l = gc_first(&fb->ws, fb->jlist[j]);

		GC_CHECK(fb->ws.a, j);
		fb->jpath_off[j] = fb->npath_edge;
		fb->jprob[j] = l >= 0 ? fb->ws.lab[l].prob : 0.0;
		for (; l >= 0 && fb->ws.lab[l].e >= 0; l = fb->ws.lab[l].prev)
			fb->jpath_edge[fb->npath_edge++] = fb->ws.lab[l].e;
	}
	fb->jpath_off[g->njewels] = fb->npath_edge;
	return true;
}

/*
 * Which jewels' chosen paths take a step that setting node x's
 * exploitability to expl lowers, and a bound on the risk that removes:
 * the same path with its lowered step is still there.  Returns the number
 * of such jewels (their index in jhit as the edge, -1 for the others).
 */
static int32_t
gc_fix_bound(GcFixBase *fb, const double *step, int32_t x, double expl,
			 double *bound)
{
	const CtemGraph *g = fb->ws.g;
	int32_t		j;
	int32_t		naff = 0;
	double		b = 0.0;

	for (j = 0; j < g->njewels; j++)
	{
		int32_t		i;

		GC_CHECK(fb->ws.a, j);
		fb->jhit[j] = -1;
		for (i = fb->jpath_off[j]; i < fb->jpath_off[j + 1]; i++)
		{
			int32_t		e = fb->jpath_edge[i];
			double		olds;
			double		news;

			if (g->dst[e] != x || !g->exploit[e])
				continue;
			olds = step != NULL ? step[e] : g->step[e];
			news = g->p[e] * expl;
			if (news == olds)
				break;
			fb->jhit[j] = e;
			naff++;
			b += fb->jprob[j] * (olds > 0.0 ? 1.0 - news / olds : 1.0);
			break;
		}
	}
	*bound = b + GC_SLACK * fb->risk + 1e-300;
	return naff;
}

/*
 * The risk with node x's exploitability set to expl (on the base steps):
 * the jewels whose paths take a lowered step are searched again, the
 * search stopping once they are settled; the others keep their
 * probability, bit for bit, as no path got more likely.  When raise is
 * true (expl above the node's), every jewel is searched.
 */
static bool
gc_fix_eval(GcFixBase *fb, int32_t x, double expl, bool raise,
			int32_t naff, double *risk)
{
	const CtemGraph *g = fb->ws.g;
	int32_t		j;
	double		sum = 0.0;
	bool		ok;
	bool		single;
	uint8_t		was = fb->chg[x];

	fb->sp.ovr_node = x;
	fb->sp.ovr_expl = expl;
	fb->chg[x] = 1;
	if (raise)
	{
		single = gc_fix_try_single(fb, false);
		ok = gc_risk_run(&fb->ws, &fb->sp, fb->seeds, fb->nseeds, fb->jewels,
						 &single, risk);
		gc_fix_note_single(fb);
		fb->sp.ovr_node = -1;
		fb->chg[x] = was;
		return ok;
	}
	fb->agen++;
	if (fb->agen == 0)
	{
		memset(fb->affected, 0, (size_t) g->n * sizeof(uint32_t));
		fb->agen = 1;
	}
	for (j = 0; j < g->njewels; j++)
	{
		GC_CHECK(fb->ws.a, j);
		if (fb->jhit[j] >= 0)
			fb->affected[fb->jlist[j]] = fb->agen;
	}
	fb->sp.goal = fb->affected;
	fb->sp.ggen = fb->agen;
	fb->sp.ngoals = naff;
	single = gc_fix_try_single(fb, true);
	ok = gc_search_run(&fb->ws, &fb->sp, fb->seeds, fb->nseeds, &single);
	gc_fix_note_single(fb);
	fb->sp.ovr_node = -1;
	fb->chg[x] = was;
	if (!ok)
		return false;
	for (j = 0; j < g->njewels; j++)
	{
		GC_CHECK(fb->ws.a, j);
		if (fb->jhit[j] >= 0)
		{
			int32_t		f = gc_first(&fb->ws, fb->jlist[j]);

			if (f >= 0)
				sum += fb->ws.lab[f].prob;
		}
		else
			sum += fb->jprob[j];
	}
	*risk = sum;
	return true;
}

/*
 * Chokepoints
 */

/* strongly connected components over the steps above 0 (Tarjan, iterative) */
static bool
gc_scc(const CtemGraph *g, const CtemGraphAlloc *a, int32_t *comp,
	   int32_t *ncomp, CtemGraphError *err)
{
	int32_t    *index = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	int32_t    *low = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	int32_t    *stack = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	int32_t    *cs_v = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	int32_t    *cs_pos = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	int32_t		next = 0;
	int32_t		nstack = 0;
	int32_t		r;
	unsigned	ticks = 0;
	bool		ok = false;

	*ncomp = 0;
	if (index == NULL || low == NULL || stack == NULL || cs_v == NULL ||
		cs_pos == NULL)
		goto done;
	for (r = 0; r < g->n; r++)
	{
		GC_CHECK(a, r);
		index[r] = -1;
		comp[r] = -1;
	}
	for (r = 0; r < g->n; r++)
	{
		int32_t		ncs = 0;

		GC_CHECK(a, r);
		if (index[r] >= 0)
			continue;
		index[r] = low[r] = next++;
		stack[nstack++] = r;
		cs_v[ncs] = r;
		cs_pos[ncs++] = g->out_off[r];
		while (ncs > 0)
		{
			int32_t		v = cs_v[ncs - 1];

			gc_tick(a, &ticks);
			if (cs_pos[ncs - 1] < g->out_off[v + 1])
			{
				int32_t		k = cs_pos[ncs - 1]++;
				int32_t		w = g->out_arc[k].nbr;

				if (g->out_arc[k].qw > GC_W_MAX)
					continue;
				if (index[w] < 0)
				{
					index[w] = low[w] = next++;
					stack[nstack++] = w;
					cs_v[ncs] = w;
					cs_pos[ncs++] = g->out_off[w];
				}
				else if (comp[w] < 0 && index[w] < low[v])
					low[v] = index[w];
			}
			else
			{
				ncs--;
				if (low[v] == index[v])
				{
					int32_t		x;

					do
					{
						x = stack[--nstack];
						comp[x] = *ncomp;
					} while (x != v);
					(*ncomp)++;
				}
				if (ncs > 0 && low[v] < low[cs_v[ncs - 1]])
					low[cs_v[ncs - 1]] = low[v];
			}
		}
	}
	ok = true;
done:
	gc_free(a, index);
	gc_free(a, low);
	gc_free(a, stack);
	gc_free(a, cs_v);
	gc_free(a, cs_pos);
	return ok;
}

/*
 * For each component, how many nodes with flag reach it (forward) or it
 * reaches (backward), over the condensed DAG (dag: component c's successors
 * dag_to[dag_off[c] .. dag_off[c + 1] - 1], all of lower id), counted with
 * bitsets of up to 512 flagged nodes at a time.
 */
static bool
gc_reach_counts(const CtemGraph *g, const int32_t *comp, int32_t ncomp,
				const int32_t *dag_off, const int32_t *dag_to, uint8_t flag,
				bool forward, int32_t *count, const CtemGraphAlloc *a,
				CtemGraphError *err)
{
	int32_t    *list;
	int32_t		nlist = 0;
	uint64_t   *bits;
	int32_t		v;
	int32_t		start;
	int			words = 8;

	memset(count, 0, (size_t) ncomp * sizeof(int32_t));
	list = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	if (list == NULL)
		return false;
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		if (g->flags[v] & flag)
			list[nlist++] = v;
	}
	if (nlist < 64 * words)
		words = (nlist + 63) / 64;
	if (words == 0)
	{
		gc_free(a, list);
		return true;
	}
	bits = gc_alloc(a, (size_t) ncomp * words, sizeof(uint64_t), err);
	if (bits == NULL)
	{
		gc_free(a, list);
		return false;
	}
	for (start = 0; start < nlist; start += 64 * words)
	{
		int32_t		i;
		int32_t		c;

		memset(bits, 0, (size_t) ncomp * words * sizeof(uint64_t));
		for (i = start; i < nlist && i < start + 64 * words; i++)
		{
			int			b = i - start;

			bits[(size_t) comp[list[i]] * words + b / 64] |=
				(uint64_t) 1 << (b % 64);
		}
		for (i = 0; i < ncomp; i++)
		{
			int32_t		k;
			uint64_t   *bc;

			c = forward ? ncomp - 1 - i : i;
			bc = &bits[(size_t) c * words];
			GC_CHECK(a, i);
			for (k = dag_off[c]; k < dag_off[c + 1]; k++)
			{
				uint64_t   *bd = &bits[(size_t) dag_to[k] * words];
				int			x;

				if (forward)
					for (x = 0; x < words; x++)
						bd[x] |= bc[x];
				else
					for (x = 0; x < words; x++)
						bc[x] |= bd[x];
			}
		}
		for (c = 0; c < ncomp; c++)
		{
			int			x;

			GC_CHECK(a, c);
			for (x = 0; x < words; x++)
				count[c] += __builtin_popcountll(bits[(size_t) c * words + x]);
		}
	}
	gc_free(a, bits);
	gc_free(a, list);
	return true;
}

/* the condensed DAG: successor components of each component, deduplicated */
static bool
gc_dag(const CtemGraph *g, const int32_t *comp, int32_t ncomp,
	   int32_t **dag_off, int32_t **dag_to, const CtemGraphAlloc *a,
	   CtemGraphError *err)
{
	int32_t    *coff = gc_alloc(a, (size_t) ncomp + 1, sizeof(int32_t), err);
	int32_t    *cnode = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	int32_t    *mark = gc_alloc(a, (size_t) ncomp, sizeof(int32_t), err);
	int32_t		v;
	int32_t		c;
	int			pass;
	int32_t		nd = 0;
	unsigned	ticks = 0;
	bool		ok = false;

	*dag_off = gc_alloc(a, (size_t) ncomp + 1, sizeof(int32_t), err);
	*dag_to = NULL;
	if (coff == NULL || cnode == NULL || mark == NULL || *dag_off == NULL)
		goto done;
	/* the nodes of each component */
	memset(coff, 0, ((size_t) ncomp + 1) * sizeof(int32_t));
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		coff[comp[v] + 1]++;
	}
	for (c = 0; c < ncomp; c++)
	{
		GC_CHECK(a, c);
		coff[c + 1] += coff[c];
	}
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		cnode[coff[comp[v]]++] = v;
	}
	for (c = ncomp; c > 0; c--)
		coff[c] = coff[c - 1];
	coff[0] = 0;
	/* count, then fill */
	for (pass = 0; pass < 2; pass++)
	{
		for (c = 0; c < ncomp; c++)
		{
			GC_CHECK(a, c);
			mark[c] = -1;
		}
		nd = 0;
		for (c = 0; c < ncomp; c++)
		{
			int32_t		i;

			GC_CHECK(a, c);
			(*dag_off)[c] = nd;
			for (i = coff[c]; i < coff[c + 1]; i++)
			{
				int32_t		u = cnode[i];
				int32_t		k;

				gc_tick(a, &ticks);
				for (k = g->out_off[u]; k < g->out_off[u + 1]; k++)
				{
					int32_t		d = comp[g->out_arc[k].nbr];

					if (d == c || mark[d] == c || g->out_arc[k].qw > GC_W_MAX)
						continue;
					mark[d] = c;
					if (pass == 1)
						(*dag_to)[nd] = d;
					nd++;
				}
			}
		}
		(*dag_off)[ncomp] = nd;
		if (pass == 0)
		{
			*dag_to = gc_alloc(a, (size_t) nd, sizeof(int32_t), err);
			if (*dag_to == NULL)
				goto done;
		}
	}
	ok = true;
done:
	gc_free(a, coff);
	gc_free(a, cnode);
	gc_free(a, mark);
	return ok;
}

typedef struct GcCand
{
	int32_t		node;
	int32_t		er;
	int32_t		jr;
	int64_t		rank;			/* er * jr */
	double		onpath;			/* risk on the paths it can remove */
	double		bound;
	double		reduction;
} GcCand;

static int
gc_cand_by_rank(const void *x, const void *y)
{
	const GcCand *a = x;
	const GcCand *b = y;

	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	return (a->node > b->node) - (a->node < b->node);
}

static int
gc_cand_by_onpath(const void *x, const void *y)
{
	const GcCand *a = x;
	const GcCand *b = y;

	if (a->onpath != b->onpath)
		return a->onpath > b->onpath ? -1 : 1;
	return gc_cand_by_rank(x, y);
}

static int
gc_cand_by_bound(const void *x, const void *y)
{
	const GcCand *a = x;
	const GcCand *b = y;

	if (a->bound != b->bound)
		return a->bound > b->bound ? -1 : 1;
	return gc_cand_by_rank(x, y);
}

static int
gc_cand_by_reduction(const void *x, const void *y)
{
	const GcCand *a = x;
	const GcCand *b = y;

	if (a->reduction != b->reduction)
		return a->reduction > b->reduction ? -1 : 1;
	return gc_cand_by_rank(x, y);
}

int
ctem_graph_chokepoints(const CtemGraph *g, int top, int max_hops,
					   CtemChokepoint *out, const CtemGraphAlloc *a,
					   CtemGraphError *err)
{
	int32_t    *comp = NULL;
	int32_t		ncomp = 0;
	int32_t    *dag_off = NULL;
	int32_t    *dag_to = NULL;
	int32_t    *er = NULL;
	int32_t    *jr = NULL;
	GcCand	   *cand = NULL;
	GcCand	   *best = NULL;
	double	   *onpath = NULL;
	int32_t		ncand = 0;
	int32_t		nbest = 0;
	size_t		limit;
	GcFixBase	fb;
	int			result = -1;
	int32_t		v;
	int32_t		i;

	memset(&fb, 0, sizeof(fb));
	if (!gc_check_alloc(a, err) || !gc_check_graph(g, err) ||
		!gc_check_hops(max_hops, err))
		return -1;
	if (top < 0)
	{
		gc_error(err, "the number of chokepoints asked for is negative (%d)", top);
		return -1;
	}
	if (top == 0 || g->nentries == 0 || g->njewels == 0)
		return 0;
	if (out == NULL)
	{
		gc_error(err, "no output array was given for the chokepoints");
		return -1;
	}
	comp = gc_alloc(a, (size_t) g->n, sizeof(int32_t), err);
	if (comp == NULL || !gc_scc(g, a, comp, &ncomp, err) ||
		!gc_dag(g, comp, ncomp, &dag_off, &dag_to, a, err))
		goto done;
	er = gc_alloc(a, (size_t) ncomp, sizeof(int32_t), err);
	jr = gc_alloc(a, (size_t) ncomp, sizeof(int32_t), err);
	if (er == NULL || jr == NULL ||
		!gc_reach_counts(g, comp, ncomp, dag_off, dag_to, CTEM_NODE_ENTRY,
						 true, er, a, err) ||
		!gc_reach_counts(g, comp, ncomp, dag_off, dag_to, CTEM_NODE_JEWEL,
						 false, jr, a, err))
		goto done;
	gc_free(a, dag_off);
	gc_free(a, dag_to);
	dag_off = dag_to = NULL;

	/* candidates, pre-ranked; the first 4 * top */
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		if (g->exp_off[v + 1] > g->exp_off[v] && er[comp[v]] > 0 &&
			jr[comp[v]] > 0)
			ncand++;
	}
	cand = gc_alloc(a, (size_t) ncand, sizeof(GcCand), err);
	if (cand == NULL)
		goto done;
	ncand = 0;
	for (v = 0; v < g->n; v++)
	{
		GC_CHECK(a, v);
		if (g->exp_off[v + 1] > g->exp_off[v] && er[comp[v]] > 0 &&
			jr[comp[v]] > 0)
		{
			cand[ncand].node = v;
			cand[ncand].er = er[comp[v]];
			cand[ncand].jr = jr[comp[v]];
			cand[ncand].rank = (int64_t) er[comp[v]] * jr[comp[v]];
			cand[ncand].onpath = 0.0;
			cand[ncand].bound = 0.0;
			cand[ncand].reduction = 0.0;
			ncand++;
		}
	}
	/*
	 * Pre-rank: first by the risk the fix can remove from the jewels'
	 * most likely paths (each path that enters the node by an exploit
	 * step, at the step's share: an upper bound of the reduction, 0 when
	 * none or when the fix raises the node), then er * jr, then node.
	 * (er * jr alone is the same for every node of a large strongly
	 * connected component, which dense graphs have.)
	 */
	if (!gc_fix_init(&fb, g, NULL, max_hops, a, err) || !gc_fix_base(&fb))
		goto done;
	onpath = gc_alloc(a, (size_t) g->n, sizeof(double), err);
	if (onpath == NULL)
		goto done;
	memset(onpath, 0, (size_t) g->n * sizeof(double));
	for (i = 0; i < g->njewels; i++)
	{
		int32_t		k;

		GC_CHECK(a, i);
		for (k = fb.jpath_off[i]; k < fb.jpath_off[i + 1]; k++)
		{
			int32_t		e = fb.jpath_edge[k];
			int32_t		x = g->dst[e];

			if (g->exploit[e] && g->baseline < g->exploitability[x] &&
				g->step[e] > 0.0)
				onpath[x] += fb.jprob[i] *
					(1.0 - g->p[e] * g->baseline / g->step[e]);
		}
	}
	for (i = 0; i < ncand; i++)
	{
		GC_CHECK(a, i);
		cand[i].onpath = onpath[cand[i].node];
	}
	qsort(cand, (size_t) ncand, sizeof(GcCand), gc_cand_by_onpath);
	limit = (size_t) top * 4;
	if ((size_t) ncand > limit)
		ncand = (int32_t) limit;

	/* bounds, then exact reductions while one can still rank */
	for (i = 0; i < ncand; i++)
	{
		int32_t		x = cand[i].node;
		double		expl = g->baseline;	/* every exposure fixed */

		GC_CHECK(a, i);
		if (expl < g->exploitability[x])
			gc_fix_bound(&fb, NULL, x, expl, &cand[i].bound);
		else
			cand[i].bound = GC_SLACK * fb.risk + 1e-300;
	}
	qsort(cand, (size_t) ncand, sizeof(GcCand), gc_cand_by_bound);
	best = gc_alloc(a, (size_t) top + 1, sizeof(GcCand), err);
	if (best == NULL)
		goto done;
	for (i = 0; i < ncand; i++)
	{
		int32_t		x = cand[i].node;
		double		expl = g->baseline;
		double		after = fb.risk;
		int32_t		pos;

		GC_CHECK(a, i);
		if (nbest >= top && cand[i].bound < best[top - 1].reduction)
			break;
		if (expl < g->exploitability[x])
		{
			double		b;
			int32_t		naff = gc_fix_bound(&fb, NULL, x, expl, &b);

			if (naff > 0 && !gc_fix_eval(&fb, x, expl, false, naff, &after))
				goto done;
		}
		else if (expl > g->exploitability[x])
		{
			if (!gc_fix_eval(&fb, x, expl, true, 0, &after))
				goto done;
		}
		cand[i].reduction = fb.risk - after;
		/* insert into the sorted top list */
		pos = nbest < top ? nbest++ : top;
		best[pos] = cand[i];
		while (pos > 0 && gc_cand_by_reduction(&best[pos], &best[pos - 1]) < 0)
		{
			GcCand		t = best[pos];

			best[pos] = best[pos - 1];
			best[pos - 1] = t;
			pos--;
		}
	}
	for (i = 0; i < nbest; i++)
	{
		out[i].node = best[i].node;
		out[i].entries_reaching = best[i].er;
		out[i].jewels_reached = best[i].jr;
		out[i].risk_reduction = best[i].reduction;
	}
	result = nbest;
done:
	gc_fix_free(&fb, a);
	gc_free(a, comp);
	gc_free(a, dag_off);
	gc_free(a, dag_to);
	gc_free(a, er);
	gc_free(a, jr);
	gc_free(a, cand);
	gc_free(a, best);
	gc_free(a, onpath);
	return result;
}

/*
 * Fix plan
 */

typedef struct GcFixCand
{
	int32_t		exposure;
	int32_t		node;
	double		expl;			/* the node's exploitability with it fixed */
	double		bound;
} GcFixCand;

static int
gc_fixcand_cmp(const void *x, const void *y)
{
	const GcFixCand *a = x;
	const GcFixCand *b = y;

	if (a->bound != b->bound)
		return a->bound > b->bound ? -1 : 1;
	return (a->exposure > b->exposure) - (a->exposure < b->exposure);
}

int
ctem_graph_fix_plan(const CtemGraph *g, int budget, int max_hops,
					CtemFixStep *out, const CtemGraphAlloc *a,
					CtemGraphError *err)
{
	GcFixBase	fb;
	double	   *cur_step = NULL;
	double	   *cur_expl = NULL;
	uint8_t    *fixed = NULL;
	uint32_t   *seen = NULL;
	GcFixCand  *cand = NULL;
	int32_t		nexp;
	int			nsteps = 0;
	int			result = -1;
	uint32_t	sgen = 0;

	memset(&fb, 0, sizeof(fb));
	if (!gc_check_alloc(a, err) || !gc_check_graph(g, err) ||
		!gc_check_hops(max_hops, err))
		return -1;
	if (budget < 0)
	{
		gc_error(err, "the fix budget is negative (%d)", budget);
		return -1;
	}
	nexp = g->exp_off[g->n];
	if (budget == 0 || g->njewels == 0 || g->nentries == 0 || nexp == 0)
		return 0;
	if (out == NULL)
	{
		gc_error(err, "no output array was given for the fix plan");
		return -1;
	}
	cur_step = gc_alloc(a, (size_t) g->m, sizeof(double), err);
	cur_expl = gc_alloc(a, (size_t) g->n, sizeof(double), err);
	fixed = gc_alloc(a, ((size_t) nexp + 7) / 8, 1, err);
	seen = gc_alloc(a, (size_t) nexp, sizeof(uint32_t), err);
	cand = gc_alloc(a, (size_t) nexp, sizeof(GcFixCand), err);
	if (cur_step == NULL || cur_expl == NULL || fixed == NULL ||
		seen == NULL || cand == NULL)
		goto done;
	if (g->m > 0)
		memcpy(cur_step, g->step, (size_t) g->m * sizeof(double));
	memcpy(cur_expl, g->exploitability, (size_t) g->n * sizeof(double));
	memset(fixed, 0, ((size_t) nexp + 7) / 8);
	memset(seen, 0, (size_t) nexp * sizeof(uint32_t));
	if (!gc_fix_init(&fb, g, cur_step, max_hops, a, err) || !gc_fix_base(&fb))
		goto done;

	while (nsteps < budget)
	{
		int32_t		ncand = 0;
		int32_t		j;
		int32_t		i;
		int32_t		best = -1;
		double		best_after = fb.risk;

		/* candidates: open exposures of nodes entered on the paths */
		sgen++;
		for (j = 0; j < g->njewels; j++)
		{
			GC_CHECK(a, j);
			for (i = fb.jpath_off[j]; i < fb.jpath_off[j + 1]; i++)
			{
				int32_t		x = g->dst[fb.jpath_edge[i]];
				int32_t		q;

				for (q = g->exp_off[x]; q < g->exp_off[x + 1]; q++)
				{
					if (gc_bit(fixed, q) || seen[q] == sgen)
						continue;
					seen[q] = sgen;
					cand[ncand].exposure = q;
					cand[ncand].node = x;
					fixed[q >> 3] |= (uint8_t) (1 << (q & 7));
					cand[ncand].expl = gc_exploitability(g, x, fixed);
					fixed[q >> 3] &= (uint8_t) ~(1 << (q & 7));
					cand[ncand].bound = 0.0;
					/* only a lower exploitability can lower the risk */
					if (cand[ncand].expl < cur_expl[x] &&
						gc_fix_bound(&fb, cur_step, x, cand[ncand].expl,
									 &cand[ncand].bound) > 0)
						ncand++;
				}
			}
		}
		qsort(cand, (size_t) ncand, sizeof(GcFixCand), gc_fixcand_cmp);
		for (i = 0; i < ncand; i++)
		{
			double		after;
			int32_t		naff;
			double		b;

			GC_CHECK(a, i);
			if (cand[i].bound < fb.risk - best_after)
				break;
			naff = gc_fix_bound(&fb, cur_step, cand[i].node, cand[i].expl, &b);
			if (!gc_fix_eval(&fb, cand[i].node, cand[i].expl, false, naff,
							 &after))
				goto done;
			if (after < best_after ||
				(after == best_after && best >= 0 &&
				 cand[i].exposure < cand[best].exposure))
			{
				best_after = after;
				best = i;
			}
		}
		if (best < 0)
			break;
		/* commit it */
		{
			int32_t		x = cand[best].node;
			int32_t		q = cand[best].exposure;
			int32_t		k;

			fixed[q >> 3] |= (uint8_t) (1 << (q & 7));
			cur_expl[x] = cand[best].expl;
			fb.chg[x] = 1;
			for (k = g->in_off[x]; k < g->in_off[x + 1]; k++)
			{
				int32_t		e = GC_IN_EDGE(g, k);

				if (g->exploit[e])
					cur_step[e] = g->p[e] * cur_expl[x];
			}
			if (!gc_fix_base(&fb))
				goto done;
			out[nsteps].exposure = q;
			out[nsteps].node = x;
			out[nsteps].risk_after = fb.risk;
			nsteps++;
		}
	}
	result = nsteps;
done:
	gc_fix_free(&fb, a);
	gc_free(a, cur_step);
	gc_free(a, cur_expl);
	gc_free(a, fixed);
	gc_free(a, seen);
	gc_free(a, cand);
	return result;
}
