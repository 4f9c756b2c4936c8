/*-------------------------------------------------------------------------
 *
 * fuzz_graph.c
 *		libFuzzer harness of the attack-graph engine (src/core/graph).
 *
 * Decodes the input into a small graph (up to 12 nodes, 40 edges, 3
 * exposures a node; probabilities from a table of edge cases or the raw
 * bytes, tiny ones included), sometimes made invalid on purpose, and calls
 * every function, checking the invariants: the build is rejected with a
 * message or its bytes match ctem_graph_size; probabilities lie in [0, 1];
 * hops within max_hops, -1 exactly when not reached; every path returned is
 * connected, loopless, starts (or, towards the jewels, ends) at an entry
 * or jewel origin, and its probability is the product of its steps (to
 * 1e-9 relative); k paths are distinct, sorted and the first is the
 * search's; the risk is the sum of the search's jewel probabilities;
 * path factors are bounded by them; overlays change only exploit steps
 * into nodes with a fixed exposure; chokepoint reductions and fix plan
 * risks equal ctem_graph_risk on the overlay, bit for bit; every
 * allocation is freed, also when one fails on purpose.
 *
 * Run: bash test/fuzz/run.sh graph
 *
 * test/fuzz/fuzz_graph.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph/graph_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_N	12
#define FZ_M	40
#define FZ_E	(FZ_N * 3)

/* reads the input front to back; zeros once it is used up */
typedef struct FuzzReader
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
} FuzzReader;

static uint8_t
fz_byte(FuzzReader *r)
{
	return r->pos < r->size ? r->data[r->pos++] : 0;
}

static const double fz_probs[] = {
	1.0, 0.5, 0.25, 0.9, 0.1, 0.3, 0.7, 1e-300, 1e-160, 0.999999999999,
	1e-12, 0.0, 0.8, 0.6, 0.2, 0.4
};

/* a probability: one of the table, or a byte scaled into [0, 1] */
static double
fz_prob(FuzzReader *r)
{
	uint8_t		b = fz_byte(r);

	if (b & 0x80)
		return fz_probs[b % (sizeof(fz_probs) / sizeof(fz_probs[0]))];
	return (double) (b & 0x7f) / 127.0;
}

/* the allocator: a live count, and one allocation that fails on purpose */
static long fz_live;
static long fz_fail_at = -1;
static long fz_nallocs;

static void *
fz_alloc(void *arg, size_t size)
{
	(void) arg;
	if (fz_fail_at >= 0 && fz_nallocs++ == fz_fail_at)
		return NULL;
	fz_live++;
	return malloc(size);
}

static void
fz_free(void *arg, void *p)
{
	(void) arg;
	fz_live--;
	free(p);
}

static void
fz_interrupt(void *arg)
{
	(void) arg;
}

static const CtemGraphAlloc FA = {fz_alloc, fz_free, fz_interrupt, NULL};

#define FZ_ASSERT(c) \
	do { \
		if (!(c)) \
		{ \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c, __FILE__, __LINE__); \
			abort(); \
		} \
	} while (0)

static bool
fz_near(double a, double b)
{
	return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-300;
}

/* edges form a loopless path from start to end within max_hops; product */
static double
fz_path(const CtemGraph *g, const double *step, int32_t start,
		const int32_t *edges, int h, int32_t end, int max_hops)
{
	int32_t		nodes[CTEM_GRAPH_MAX_HOPS + 1];
	double		prob = 1.0;
	int			i;
	int			j;

	FZ_ASSERT(h >= 0 && h <= max_hops);
	nodes[0] = start;
	for (i = 0; i < h; i++)
	{
		FZ_ASSERT(edges[i] >= 0 && edges[i] < g->m);
		FZ_ASSERT(g->src[edges[i]] == nodes[i]);
		nodes[i + 1] = g->dst[edges[i]];
		prob *= step != NULL ? step[edges[i]] : g->step[edges[i]];
	}
	FZ_ASSERT(nodes[h] == end);
	for (i = 0; i <= h; i++)
		for (j = i + 1; j <= h; j++)
			FZ_ASSERT(nodes[i] != nodes[j]);
	return prob;
}

/* the search's invariants; reverse: towards the origins */
static void
fz_check_search(const CtemGraph *g, const double *step,
				const CtemGraphSearch *s, bool reverse, int max_hops)
{
	int32_t		v;

	for (v = 0; v < g->n; v++)
	{
		int32_t		edges[CTEM_GRAPH_MAX_HOPS];
		int			h;

		FZ_ASSERT(s->prob[v] >= 0.0 && s->prob[v] <= 1.0);
		FZ_ASSERT((s->prob[v] == 0.0) == (s->hops[v] == -1));
		FZ_ASSERT((s->hops[v] == -1) == (s->origin[v] == -1));
		h = ctem_graph_search_path(g, s, v, edges);
		FZ_ASSERT(h == s->hops[v]);
		if (h < 0)
			continue;
		FZ_ASSERT(s->origin[v] >= 0 && s->origin[v] < g->n);
		if (reverse)
			FZ_ASSERT(fz_near(fz_path(g, step, v, edges, h, s->origin[v], max_hops),
							  s->prob[v]));
		else
			FZ_ASSERT(fz_path(g, step, s->origin[v], edges, h, v, max_hops) ==
					  s->prob[v]);
		if (h == 0)
			FZ_ASSERT(s->prob[v] == 1.0 && s->origin[v] == v);
	}
}

static void
fz_run(FuzzReader *r)
{
	int32_t		n = 1 + fz_byte(r) % FZ_N;
	int32_t		m = fz_byte(r) % (FZ_M + 1);
	int			H = fz_byte(r) % 10;
	int			k = fz_byte(r) % 9;
	uint8_t		mode = fz_byte(r);
	double		baseline = (double) (1 + fz_byte(r) % 10) / 10.0;
	uint8_t		flags[FZ_N];
	int32_t		exp_off[FZ_N + 1];
	double		exp_p[FZ_E];
	int32_t		src[FZ_M];
	int32_t		dst[FZ_M];
	double		p[FZ_M];
	uint8_t		exploit[FZ_M];
	uint8_t		fixed[FZ_E / 8 + 1];
	CtemGraphInput in;
	CtemGraphError err;
	CtemGraph  *g;
	CtemGraphSearch *s;
	CtemGraphSearch *st;
	double	   *ov;
	double		factor[FZ_N];
	double		risk;
	double		maxj = 0.0;
	int32_t		nexp = 0;
	int32_t		v;
	int32_t		i;

	for (v = 0; v < n; v++)
	{
		int			ne = fz_byte(r) % 4;

		flags[v] = fz_byte(r) & 0x03;
		exp_off[v] = nexp;
		for (i = 0; i < ne; i++)
			exp_p[nexp++] = fz_prob(r);
	}
	exp_off[n] = nexp;
	for (i = 0; i < m; i++)
	{
		uint8_t		b = fz_byte(r);

		src[i] = fz_byte(r) % n;
		dst[i] = fz_byte(r) % n;
		if (dst[i] == src[i] && !(mode & 0x40))
			dst[i] = (dst[i] + 1) % n;
		p[i] = fz_prob(r);
		if (p[i] == 0.0 && !(mode & 0x40))
			p[i] = 1.0;
		exploit[i] = b & 1;
	}
	if (n == 1)
		m = 0;					/* no edge without a self-loop */
	memset(&in, 0, sizeof(in));
	in.n = n;
	in.flags = flags;
	in.exp_off = (mode & 0x20) ? NULL : exp_off;
	in.exp_p = exp_p;
	in.baseline = (mode & 0x10) ? 1e-300 : baseline;
	in.m = m;
	in.src = src;
	in.dst = dst;
	in.p = p;
	in.exploit = exploit;

	err.message[0] = '\0';
	g = ctem_graph_build(&in, &FA, &err);
	if (g == NULL)
	{
		/* only invalid input is rejected: a self-loop or a probability of 0 */
		FZ_ASSERT(mode & 0x40);
		FZ_ASSERT(strlen(err.message) > 0);
		return;
	}
	FZ_ASSERT(g->bytes == ctem_graph_size(g->n, g->m, g->exp_off[g->n]));
	nexp = g->exp_off[g->n];
	for (i = 0; i < g->m; i++)
		FZ_ASSERT(g->step[i] >= 0.0 && g->step[i] <= 1.0);

	/* searches, from the entries, towards the jewels, from some nodes */
	s = ctem_graph_search(g, NULL, NULL, 0, H, &FA, &err);
	FZ_ASSERT(s != NULL);
	fz_check_search(g, NULL, s, false, H);
	risk = ctem_graph_risk(g, NULL, H, &FA, &err);
	{
		double		sum = 0.0;

		for (v = 0; v < n; v++)
			if (g->flags[v] & CTEM_NODE_JEWEL)
			{
				sum += s->prob[v];
				maxj = fmax(maxj, s->prob[v]);
			}
		FZ_ASSERT(risk == sum);
	}
	st = ctem_graph_search_to(g, NULL, NULL, 0, H, &FA, &err);
	FZ_ASSERT(st != NULL);
	fz_check_search(g, NULL, st, true, H);
	for (v = 0; v < n; v++)
	{
		if (g->flags[v] & CTEM_NODE_ENTRY)
			FZ_ASSERT(st->prob[v] <= maxj * (1 + 1e-9) + 1e-300);
	}
	ctem_graph_search_free(st, &FA);
	{
		int32_t		srcs[3] = {fz_byte(r) % n, fz_byte(r) % n, fz_byte(r) % n};

		st = ctem_graph_search(g, NULL, srcs, 3, H, &FA, &err);
		FZ_ASSERT(st != NULL);
		fz_check_search(g, NULL, st, false, H);
		ctem_graph_search_free(st, &FA);
	}

	/* path factor */
	FZ_ASSERT(ctem_graph_path_factor(g, NULL, H, factor, &FA, &err));
	for (v = 0; v < n; v++)
	{
		FZ_ASSERT(factor[v] >= 0.0 && factor[v] <= maxj * (1 + 1e-9) + 1e-300);
		if (g->flags[v] & CTEM_NODE_JEWEL)
			FZ_ASSERT(factor[v] >= s->prob[v] * (1 - 1e-9));
	}

	/* k paths to each node */
	for (v = 0; v < n; v++)
	{
		CtemGraphPath paths[8];
		int			got = ctem_graph_k_paths(g, NULL, v, k, H, paths, &FA, &err);
		int32_t		er = ctem_graph_entries_reaching(g, NULL, v, H, &FA, &err);

		FZ_ASSERT(got >= 0 && got <= k);
		FZ_ASSERT(er >= 0 && er <= g->nentries);
		if (s->prob[v] > 0.0)
			FZ_ASSERT(er >= 1);
		if (k > 0)
			FZ_ASSERT((got > 0) == (s->prob[v] > 0.0));
		for (i = 0; i < got; i++)
		{
			int			j;

			FZ_ASSERT(g->flags[paths[i].entry] & CTEM_NODE_ENTRY);
			FZ_ASSERT(fz_path(g, NULL, paths[i].entry, paths[i].edges, paths[i].hops,
							  v, H) == paths[i].prob);
			if (i == 0)
			{
				int32_t		edges[CTEM_GRAPH_MAX_HOPS];
				int			h = ctem_graph_search_path(g, s, v, edges);

				FZ_ASSERT(paths[0].prob == s->prob[v] && paths[0].hops == h &&
						  (h == 0 || memcmp(edges, paths[0].edges, sizeof(int32_t) * h) == 0));
			}
			else
				FZ_ASSERT(paths[i].prob <= paths[i - 1].prob * (1 + 1e-9));
			for (j = 0; j < i; j++)
				FZ_ASSERT(paths[i].hops != paths[j].hops || paths[i].entry != paths[j].entry ||
						  (paths[i].hops > 0 &&
						   memcmp(paths[i].edges, paths[j].edges, sizeof(int32_t) * paths[i].hops) != 0));
		}
		if (got > 0)
			ctem_graph_paths_free(paths, got, &FA);
	}

	/* an overlay of some fixes, and the search on it */
	memset(fixed, 0, sizeof(fixed));
	for (i = 0; i < nexp; i++)
		if (fz_byte(r) & 1)
			fixed[i / 8] |= (uint8_t) (1 << (i % 8));
	ov = ctem_graph_overlay(g, fixed, &FA, &err);
	FZ_ASSERT(ov != NULL);
	for (i = 0; i < g->m; i++)
	{
		double		x = ctem_graph_node_exploitability(g, g->dst[i], fixed);

		FZ_ASSERT(x >= 0.0 && x <= 1.0);
		FZ_ASSERT(ov[i] == (g->exploit[i] ? g->p[i] * x : g->step[i]));
	}
	st = ctem_graph_search(g, ov, NULL, 0, H, &FA, &err);
	FZ_ASSERT(st != NULL);
	fz_check_search(g, ov, st, false, H);
	ctem_graph_search_free(st, &FA);
	FZ_ASSERT(ctem_graph_risk(g, ov, H, &FA, &err) >= 0.0);
	fz_free(NULL, ov);

	/* chokepoints: exact reductions */
	{
		CtemChokepoint cp[4];
		int			top = 1 + fz_byte(r) % 4;
		int			got = ctem_graph_chokepoints(g, top, H, cp, &FA, &err);

		FZ_ASSERT(got >= 0 && got <= top);
		for (i = 0; i < got; i++)
		{
			int32_t		q;
			double		after;

			FZ_ASSERT(g->exp_off[cp[i].node + 1] > g->exp_off[cp[i].node]);
			FZ_ASSERT(cp[i].entries_reaching >= 1 && cp[i].jewels_reached >= 1);
			if (i > 0)
				FZ_ASSERT(cp[i].risk_reduction <= cp[i - 1].risk_reduction);
			memset(fixed, 0, sizeof(fixed));
			for (q = g->exp_off[cp[i].node]; q < g->exp_off[cp[i].node + 1]; q++)
				fixed[q / 8] |= (uint8_t) (1 << (q % 8));
			ov = ctem_graph_overlay(g, fixed, &FA, &err);
			FZ_ASSERT(ov != NULL);
			after = ctem_graph_risk(g, ov, H, &FA, &err);
			FZ_ASSERT(risk - after == cp[i].risk_reduction);
			fz_free(NULL, ov);
		}
	}

	/* fix plan: each step's risk, bit for bit, and falling */
	{
		CtemFixStep fs[4];
		int			budget = fz_byte(r) % 5;
		int			got = ctem_graph_fix_plan(g, budget, H, fs, &FA, &err);
		double		prev = risk;

		FZ_ASSERT(got >= 0 && got <= budget);
		memset(fixed, 0, sizeof(fixed));
		for (i = 0; i < got; i++)
		{
			double		after;

			FZ_ASSERT(fs[i].exposure >= g->exp_off[fs[i].node] &&
					  fs[i].exposure < g->exp_off[fs[i].node + 1]);
			FZ_ASSERT(!((fixed[fs[i].exposure / 8] >> (fs[i].exposure % 8)) & 1));
			fixed[fs[i].exposure / 8] |= (uint8_t) (1 << (fs[i].exposure % 8));
			ov = ctem_graph_overlay(g, fixed, &FA, &err);
			FZ_ASSERT(ov != NULL);
			after = ctem_graph_risk(g, ov, H, &FA, &err);
			FZ_ASSERT(after == fs[i].risk_after && after < prev);
			prev = after;
			fz_free(NULL, ov);
		}
	}

	/* one allocation fails: a clean error, nothing leaked */
	{
		long		before = fz_live;
		int			which = fz_byte(r) % 6;
		CtemGraphPath paths[8];
		CtemChokepoint cp[2];
		CtemFixStep fs[2];
		bool		failed = false;

		fz_nallocs = 0;
		fz_fail_at = fz_byte(r) % 16;
		err.message[0] = '\0';
		switch (which)
		{
			case 0:
				st = ctem_graph_search_to(g, NULL, NULL, 0, H, &FA, &err);
				failed = (st == NULL);
				ctem_graph_search_free(st, &FA);
				break;
			case 1:
				i = ctem_graph_k_paths(g, NULL, 0, 8, H, paths, &FA, &err);
				failed = (i < 0);
				if (i > 0)
					ctem_graph_paths_free(paths, i, &FA);
				break;
			case 2:
				failed = !ctem_graph_path_factor(g, NULL, H, factor, &FA, &err);
				break;
			case 3:
				failed = ctem_graph_chokepoints(g, 2, H, cp, &FA, &err) < 0;
				break;
			case 4:
				failed = ctem_graph_fix_plan(g, 2, H, fs, &FA, &err) < 0;
				break;
			default:
				failed = ctem_graph_risk(g, NULL, H, &FA, &err) < 0;
				break;
		}
		fz_fail_at = -1;
		FZ_ASSERT(fz_live == before);
		if (failed)
			FZ_ASSERT(strstr(err.message, "out of memory") != NULL);
	}

	ctem_graph_search_free(s, &FA);
	ctem_graph_free(g, &FA);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzReader	r = {data, size, 0};

	fz_live = 0;
	fz_fail_at = -1;
	fz_run(&r);
	FZ_ASSERT(fz_live == 0);
	return 0;
}
