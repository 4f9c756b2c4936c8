/*-------------------------------------------------------------------------
 *
 * graph_check.c
 *		Standalone test of the attack-graph engine (src/core/graph).
 *
 * Small graphs with answers worked out by hand (the reasoning is in the
 * comments), input validation, every allocation failing in turn, then a
 * brute-force cross-check: 20000 random graphs (CTEM_GRAPH_BRUTE_CASES) of
 * up to 8 nodes and 16 edges whose simple paths are all enumerated,
 * compared with the searches, k paths, risk, path factor, entries
 * reaching, chokepoints and fix plans, on the graph and on an overlay.
 * Then the functions against each other on a 3000-asset enterprise-shaped
 * graph, with hop limits that bind and that do not.  Last, a timing
 * section on the same shape at 100k assets and about 1M edges
 * (CTEM_GRAPH_BENCH_N sets the assets, 0 skips it) that prints figures
 * and never fails on them.
 *
 * Prints "FAIL: ..." per failed check and "N passed, N failed" last; exits
 * 1 on any failure.
 *
 * Build and run:
 *	  gcc -std=gnu99 -O2 -Wall -Wextra -Werror -Isrc -o test/bin/graph_check \
 *		  test/graph_check.c src/core/graph/graph_core.c -lm
 *	  test/bin/graph_check
 *
 * test/graph_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/graph/graph_core.h"

static int	n_passed = 0;
static int	n_failed = 0;

#define CHECK(cond, ...) \
	do { \
		if (cond) \
			n_passed++; \
		else \
		{ \
			n_failed++; \
			printf("FAIL: "); \
			printf(__VA_ARGS__); \
			printf("  [%s:%d]\n", __FILE__, __LINE__); \
		} \
	} while (0)

/* quiet check: counts one pass or one failure for a whole loop */
#define QCHECK(ok, cond, ...) \
	do { \
		if (!(cond) && (ok)) \
		{ \
			printf("FAIL: "); \
			printf(__VA_ARGS__); \
			printf("  [%s:%d]\n", __FILE__, __LINE__); \
			(ok) = false; \
		} \
	} while (0)

#define NEAR(a, b) (fabs((a) - (b)) <= 1e-12 * fmax(1.0, fmax(fabs(a), fabs(b))))

/*
 * Allocators: malloc with a live count (leaks show as a count above 0
 * after a test), one that fails at the Nth allocation, and an interrupt
 * hook that counts its calls.
 */
static long live = 0;
static long fail_at = -1;		/* the allocation that fails, -1: none */
static long nallocs = 0;
static long ninterrupts = 0;

static void *
t_alloc(void *arg, size_t size)
{
	(void) arg;
	if (fail_at >= 0 && nallocs++ == fail_at)
		return NULL;
	live++;
	return malloc(size);
}

static void
t_free(void *arg, void *p)
{
	(void) arg;
	live--;
	free(p);
}

static void
t_interrupt(void *arg)
{
	(void) arg;
	ninterrupts++;
}

static const CtemGraphAlloc A = {t_alloc, t_free, t_interrupt, NULL};

/*
 * A small graph under construction: exposures must be added in node order
 * (their index is the order they are added in).
 */
#define TB_N	64
#define TB_M	256
#define TB_E	256

typedef struct TB
{
	int32_t		n;
	uint8_t		flags[TB_N];
	int32_t		exp_node[TB_E];
	double		exp_p[TB_E];
	int32_t		nexp;
	int32_t		exp_off[TB_N + 1];
	int32_t		m;
	int32_t		src[TB_M];
	int32_t		dst[TB_M];
	double		p[TB_M];
	uint8_t		exploit[TB_M];
	double		baseline;
} TB;

static void
tb_init(TB *t, int32_t n, double baseline)
{
	memset(t, 0, sizeof(TB));
	t->n = n;
	t->baseline = baseline;
}

static int32_t
tb_edge(TB *t, int32_t s, int32_t d, double p, int exploit)
{
	t->src[t->m] = s;
	t->dst[t->m] = d;
	t->p[t->m] = p;
	t->exploit[t->m] = (uint8_t) exploit;
	return t->m++;
}

static int32_t
tb_exp(TB *t, int32_t v, double p)
{
	t->exp_node[t->nexp] = v;
	t->exp_p[t->nexp] = p;
	return t->nexp++;
}

static void
tb_input(TB *t, CtemGraphInput *in)
{
	int32_t		v;
	int32_t		i = 0;

	for (v = 0; v <= t->n; v++)
	{
		while (i < t->nexp && t->exp_node[i] < v)
			i++;
		t->exp_off[v] = i;
	}
	t->exp_off[t->n] = t->nexp;
	memset(in, 0, sizeof(CtemGraphInput));
	in->n = t->n;
	in->flags = t->flags;
	in->exp_off = t->exp_off;
	in->exp_p = t->exp_p;
	in->baseline = t->baseline;
	in->m = t->m;
	in->src = t->src;
	in->dst = t->dst;
	in->p = t->p;
	in->exploit = t->exploit;
}

static CtemGraph *
tb_build(TB *t)
{
	CtemGraphInput in;
	CtemGraphError err;
	CtemGraph  *g;

	tb_input(t, &in);
	err.message[0] = '\0';
	g = ctem_graph_build(&in, &A, &err);
	if (g == NULL)
		printf("build failed: %s\n", err.message);
	return g;
}

/* the node sequence of a path of edges is connected and loopless */
static bool
path_ok(const CtemGraph *g, int32_t start, const int32_t *edges, int h,
		int32_t end)
{
	int32_t		seen[TB_N + 1];
	int			i;
	int			j;
	int32_t		cur = start;

	if (h == 0)
		return start == end;
	seen[0] = start;
	for (i = 0; i < h; i++)
	{
		if (edges[i] < 0 || edges[i] >= g->m || g->src[edges[i]] != cur)
			return false;
		cur = g->dst[edges[i]];
		for (j = 0; j <= i; j++)
			if (seen[j] == cur)
				return false;
		if (i + 1 <= TB_N)
			seen[i + 1] = cur;
	}
	return cur == end;
}

static double
path_prob(const CtemGraph *g, const double *step, const int32_t *edges, int h)
{
	double		p = 1.0;
	int			i;

	for (i = 0; i < h; i++)
		p *= step != NULL ? step[edges[i]] : g->step[edges[i]];
	return p;
}

/*
 * Hand-worked graphs
 */

/*
 * A chain 0 -> 1 -> 2 -> 3 of three steps of 0.9 and a direct edge 0 -> 3
 * of 0.1; 0 is the entry, 3 the jewel; no exploits.  Within 3 hops the
 * chain wins: 0.9^3 = 0.729; within 2 hops only the direct edge (0.1, 1
 * hop) reaches 3, and 2 is reached at 0.81 in 2 hops; within 1 hop node 2
 * is not reached at all.
 */
static void
test_chain_hops(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphSearch *s;
	CtemGraphError err;
	CtemGraphPath paths[5];
	int32_t		edges[CTEM_GRAPH_MAX_HOPS];
	double		factor[6];
	int			k;
	int32_t		e_direct,
				e01,
				e12,
				e23;
	double		chain = 0.9 * 0.9 * 0.9;

	tb_init(&t, 6, 0.5);
	t.flags[0] = CTEM_NODE_ENTRY;
	t.flags[3] = CTEM_NODE_JEWEL;
	e_direct = tb_edge(&t, 0, 3, 0.1, 0);
	e01 = tb_edge(&t, 0, 1, 0.9, 0);
	e12 = tb_edge(&t, 1, 2, 0.9, 0);
	e23 = tb_edge(&t, 2, 3, 0.9, 0);
	tb_edge(&t, 0, 4, 0.5, 0);	/* 4: a dead end off every path */
	tb_edge(&t, 5, 3, 0.5, 0);	/* 5: reaches the jewel, unreachable */
	g = tb_build(&t);
	CHECK(g != NULL, "chain: build");
	if (g == NULL)
		return;
	CHECK(g->nentries == 1 && g->njewels == 1, "chain: counts %d %d",
		  g->nentries, g->njewels);
	CHECK(g->bytes == ctem_graph_size(6, 6, 0), "chain: bytes %zu", g->bytes);

	s = ctem_graph_search(g, NULL, NULL, 0, 3, &A, &err);
	CHECK(s != NULL, "chain: search");
	if (s != NULL)
	{
		CHECK(s->prob[3] == chain && s->hops[3] == 3 && s->origin[3] == 0,
			  "chain: 3 hops: prob %.17g hops %d", s->prob[3], s->hops[3]);
		k = ctem_graph_search_path(g, s, 3, edges);
		CHECK(k == 3 && edges[0] == e01 && edges[1] == e12 && edges[2] == e23,
			  "chain: path of %d edges", k);
		CHECK(s->prob[0] == 1.0 && s->hops[0] == 0 && s->origin[0] == 0 &&
			  ctem_graph_search_path(g, s, 0, edges) == 0, "chain: source");
		CHECK(s->prob[5] == 0.0 && s->hops[5] == -1 && s->origin[5] == -1 &&
			  ctem_graph_search_path(g, s, 5, edges) == -1,
			  "chain: unreachable node");
		ctem_graph_search_free(s, &A);
	}
	s = ctem_graph_search(g, NULL, NULL, 0, 2, &A, &err);
	if (s != NULL)
	{
		CHECK(s->prob[3] == 0.1 && s->hops[3] == 1, "chain: 2 hops: prob %g hops %d",
			  s->prob[3], s->hops[3]);
		CHECK(s->prob[2] == 0.9 * 0.9 && s->hops[2] == 2, "chain: node 2 in 2 hops");
		k = ctem_graph_search_path(g, s, 3, edges);
		CHECK(k == 1 && edges[0] == e_direct, "chain: 2 hops: direct edge");
		ctem_graph_search_free(s, &A);
	}
	s = ctem_graph_search(g, NULL, NULL, 0, 1, &A, &err);
	if (s != NULL)
	{
		CHECK(s->prob[2] == 0.0 && s->hops[2] == -1, "chain: 1 hop: 2 not reached");
		ctem_graph_search_free(s, &A);
	}

	/* the jewel's two paths, most likely first; fewer when k is larger */
	k = ctem_graph_k_paths(g, NULL, 3, 5, 3, paths, &A, &err);
	CHECK(k == 2, "chain: k paths found %d", k);
	if (k == 2)
	{
		CHECK(paths[0].prob == chain && paths[0].hops == 3 &&
			  paths[0].entry == 0 && paths[0].edges[2] == e23,
			  "chain: first path");
		CHECK(paths[1].prob == 0.1 && paths[1].hops == 1 &&
			  paths[1].edges[0] == e_direct, "chain: second path");
	}
	if (k > 0)
		ctem_graph_paths_free(paths, k, &A);
	k = ctem_graph_k_paths(g, NULL, 3, 5, 2, paths, &A, &err);
	CHECK(k == 1 && paths[0].prob == 0.1, "chain: k paths within 2 hops: %d", k);
	if (k > 0)
		ctem_graph_paths_free(paths, k, &A);
	k = ctem_graph_k_paths(g, NULL, 5, 5, 3, paths, &A, &err);
	CHECK(k == 0, "chain: unreachable target has %d paths", k);

	CHECK(ctem_graph_risk(g, NULL, 3, &A, &err) == chain, "chain: risk in 3 hops");
	CHECK(ctem_graph_risk(g, NULL, 2, &A, &err) == 0.1, "chain: risk in 2 hops");

	/*
	 * Path factor: within 3 hops every node of the chain is on the 0.729
	 * path; 4 and 5 are on none.  Within 2 hops 1 and 2 are on no path
	 * (entry -> 1 -> 2 -> jewel is 3 hops), the entry and jewel on the
	 * direct one.
	 */
	CHECK(ctem_graph_path_factor(g, NULL, 3, factor, &A, &err),
		  "chain: path factor");
	CHECK(factor[0] == chain && factor[1] == chain && factor[2] == chain &&
		  factor[3] == chain && factor[4] == 0.0 && factor[5] == 0.0,
		  "chain: path factor within 3 hops: %g %g %g %g %g %g", factor[0],
		  factor[1], factor[2], factor[3], factor[4], factor[5]);
	CHECK(ctem_graph_path_factor(g, NULL, 2, factor, &A, &err),
		  "chain: path factor 2");
	CHECK(factor[0] == 0.1 && factor[1] == 0.0 && factor[2] == 0.0 &&
		  factor[3] == 0.1, "chain: path factor within 2 hops");

	/* towards the jewel: node 0 goes 0 -> 1 -> 2 -> 3, edges in path order */
	s = ctem_graph_search_to(g, NULL, NULL, 0, 3, &A, &err);
	CHECK(s != NULL, "chain: search_to");
	if (s != NULL)
	{
		CHECK(s->prob[0] == chain && s->hops[0] == 3 && s->origin[0] == 3,
			  "chain: search_to prob %g origin %d", s->prob[0], s->origin[0]);
		k = ctem_graph_search_path(g, s, 0, edges);
		CHECK(k == 3 && edges[0] == e01 && edges[1] == e12 && edges[2] == e23,
			  "chain: search_to path");
		CHECK(s->prob[5] == 0.5 && s->origin[5] == 3, "chain: search_to from 5");
		CHECK(s->prob[4] == 0.0, "chain: search_to from 4");
		ctem_graph_search_free(s, &A);
	}
	CHECK(ctem_graph_entries_reaching(g, NULL, 3, 3, &A, &err) == 1,
		  "chain: entries reaching");
	CHECK(ctem_graph_entries_reaching(g, NULL, 3, 0, &A, &err) == 0,
		  "chain: entries reaching in 0 hops");
	CHECK(ctem_graph_entries_reaching(g, NULL, 0, 0, &A, &err) == 1,
		  "chain: an entry reaches itself");
	ctem_graph_free(g, &A);
}

/*
 * Exploitability and parallel edges.  Node 1 (the jewel) has exposures of
 * 0.5 and 0.2: exploitability 1 - 0.5 * 0.8 = 0.6.  Node 0 (the entry) has
 * none: the baseline 0.25.  Two parallel edges 0 -> 1 of different kinds:
 * e0 (p 0.5, exploit required: step 0.5 * 0.6 = 0.3) and e1 (p 0.4, no
 * exploit: step exactly 0.4).  The best is e1; the k paths are e1 then e0.
 * Fixing exposure 0 leaves 0.2, e0's step 0.1; fixing both leaves none
 * open: the baseline 0.25, step 0.125.
 */
static void
test_exploitability(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphSearch *s;
	CtemGraphError err;
	CtemGraphPath paths[3];
	int32_t		edges[4];
	double	   *ov;
	uint8_t		fixed[1];
	int			k;

	tb_init(&t, 2, 0.25);
	t.flags[0] = CTEM_NODE_ENTRY;
	t.flags[1] = CTEM_NODE_JEWEL;
	tb_exp(&t, 1, 0.5);
	tb_exp(&t, 1, 0.2);
	tb_edge(&t, 0, 1, 0.5, 1);
	tb_edge(&t, 0, 1, 0.4, 0);
	g = tb_build(&t);
	CHECK(g != NULL, "expl: build");
	if (g == NULL)
		return;
	CHECK(g->exploitability[1] == 1.0 - 0.5 * 0.8, "expl: two exposures %.17g",
		  g->exploitability[1]);
	CHECK(g->exploitability[0] == 0.25, "expl: baseline");
	CHECK(g->step[0] == 0.5 * (1.0 - 0.5 * 0.8) && g->step[1] == 0.4,
		  "expl: steps %g %g", g->step[0], g->step[1]);
	CHECK(g->bytes == ctem_graph_size(g->n, g->m, g->exp_off[g->n]),
		  "expl: the graph holds ctem_graph_size bytes");
	CHECK(g->out_off[0] == 0 && g->out_off[1] == 2 && g->in_off[1] == 0 &&
		  g->in_off[2] == 2, "expl: CSR offsets");
	s = ctem_graph_search(g, NULL, NULL, 0, 4, &A, &err);
	if (s != NULL)
	{
		CHECK(s->prob[1] == 0.4 && ctem_graph_search_path(g, s, 1, edges) == 1 &&
			  edges[0] == 1, "expl: best of the parallel edges");
		ctem_graph_search_free(s, &A);
	}
	k = ctem_graph_k_paths(g, NULL, 1, 3, 4, paths, &A, &err);
	CHECK(k == 2 && paths[0].edges[0] == 1 && paths[1].edges[0] == 0 &&
		  paths[1].prob == g->step[0], "expl: parallel edges are two paths (%d)", k);
	if (k > 0)
		ctem_graph_paths_free(paths, k, &A);

	fixed[0] = 0x01;
	/* 1 - (1 - 0.2), which is not 0.2 in binary */
	CHECK(ctem_graph_node_exploitability(g, 1, fixed) == 1.0 - (1.0 - 0.2),
		  "expl: one exposure fixed");
	ov = ctem_graph_overlay(g, fixed, &A, &err);
	CHECK(ov != NULL && ov[0] == 0.5 * (1.0 - (1.0 - 0.2)) && ov[1] == 0.4,
		  "expl: overlay");
	t_free(NULL, ov);
	fixed[0] = 0x03;
	CHECK(ctem_graph_node_exploitability(g, 1, fixed) == 0.25,
		  "expl: all fixed: the baseline");
	ov = ctem_graph_overlay(g, fixed, &A, &err);
	CHECK(ov != NULL && ov[0] == 0.5 * 0.25, "expl: overlay, all fixed");
	if (ov != NULL)
	{
		/* the plain edge e1 (0.4) still beats e0 (0.125) */
		s = ctem_graph_search(g, ov, NULL, 0, 4, &A, &err);
		CHECK(s != NULL && s->prob[1] == 0.4, "expl: search on the overlay");
		ctem_graph_search_free(s, &A);
		t_free(NULL, ov);
	}
	ov = ctem_graph_overlay(g, NULL, &A, &err);
	CHECK(ov != NULL && memcmp(ov, g->step, sizeof(double) * 2) == 0,
		  "expl: overlay of no fix is the steps");
	t_free(NULL, ov);
	CHECK(ctem_graph_node_exploitability(g, 1, NULL) == g->exploitability[1] &&
		  ctem_graph_node_exploitability(g, 2, NULL) == -1.0,
		  "expl: node_exploitability");
	ctem_graph_free(g, &A);
}

/*
 * Exploit off: step = p exactly, whatever the exploitability; an exposure
 * of 0 gives exploitability 0, so an exploit step into it is no step.
 */
static void
test_exploit_off_and_zero(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphError err;
	CtemGraphSearch *s;

	tb_init(&t, 3, 1.0);
	t.flags[0] = CTEM_NODE_ENTRY;
	t.flags[2] = CTEM_NODE_JEWEL;
	tb_exp(&t, 1, 0.0);
	tb_edge(&t, 0, 1, 0.7, 0);	/* no exploit: 0.7 exactly */
	tb_edge(&t, 1, 2, 0.7, 0);
	tb_edge(&t, 0, 2, 0.9, 1);	/* exploit into 2 (baseline 1): 0.9 */
	tb_edge(&t, 2, 1, 0.9, 1);	/* exploit into 1 (exploitability 0) */
	g = tb_build(&t);
	if (g == NULL)
		return;
	CHECK(g->exploitability[1] == 0.0 && g->step[0] == 0.7 && g->step[2] == 0.9 &&
		  g->step[3] == 0.0, "zero: steps");
	s = ctem_graph_search(g, NULL, NULL, 0, 5, &A, &err);
	if (s != NULL)
	{
		CHECK(s->prob[1] == 0.7 && s->hops[1] == 1, "zero: 1 via the plain edge");
		CHECK(s->prob[2] == 0.9 && s->hops[2] == 1, "zero: 2");
		ctem_graph_search_free(s, &A);
	}
	s = ctem_graph_search(g, NULL, (int32_t[]) {2}, 1, 5, &A, &err);
	if (s != NULL)
	{
		CHECK(s->prob[1] == 0.0, "zero: a step of 0 is no step");
		ctem_graph_search_free(s, &A);
	}
	CHECK(ctem_graph_entries_reaching(g, NULL, 1, 5, &A, &err) == 1,
		  "zero: entries reaching over steps above 0");
	ctem_graph_free(g, &A);
}

/* invalid input is rejected with a message; nothing leaks */
static void
test_validation(void)
{
	TB			t;
	CtemGraphInput in;
	CtemGraphError err;
	CtemGraph  *g;
	long		before = live;
	int			i;
	static const struct
	{
		const char *what;
		int			kind;
	}			cases[] = {
		{"self-loop", 0}, {"edge p 0", 1}, {"edge p above 1", 2},
		{"edge p NaN", 3}, {"exposure p below 0", 4}, {"baseline 0", 5},
		{"dst out of range", 6}, {"offsets decrease", 7}, {"n negative", 8},
		{"src negative", 9}, {"exposure p NaN", 10}, {"baseline above 1", 11},
		{"exp_off[0] not 0", 12}, {"m negative", 13}
	};

	for (i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
	{
		tb_init(&t, 3, 0.5);
		tb_exp(&t, 1, 0.5);
		tb_edge(&t, 0, 1, 0.5, 1);
		tb_edge(&t, 1, 2, 0.5, 0);
		tb_input(&t, &in);
		switch (cases[i].kind)
		{
			case 0:
				t.dst[1] = 1;
				break;
			case 1:
				t.p[0] = 0.0;
				break;
			case 2:
				t.p[1] = 1.5;
				break;
			case 3:
				t.p[1] = NAN;
				break;
			case 4:
				t.exp_p[0] = -0.1;
				break;
			case 5:
				in.baseline = 0.0;
				break;
			case 6:
				t.dst[1] = 3;
				break;
			case 7:
				t.exp_off[1] = 1;
				t.exp_off[2] = 0;
				break;
			case 8:
				in.n = -1;
				break;
			case 9:
				t.src[0] = -1;
				break;
			case 10:
				t.exp_p[0] = NAN;
				break;
			case 11:
				in.baseline = 1.01;
				break;
			case 12:
				t.exp_off[0] = 1;
				break;
			case 13:
				in.m = -2;
				break;
		}
		err.message[0] = '\0';
		g = ctem_graph_build(&in, &A, &err);
		CHECK(g == NULL && strlen(err.message) > 10, "validation: %s accepted (%s)",
			  cases[i].what, err.message);
		ctem_graph_free(g, &A);
	}
	tb_init(&t, 3, 0.5);
	tb_edge(&t, 0, 1, 0.5, 1);
	g = tb_build(&t);
	if (g != NULL)
	{
		CtemGraphPath paths[1];
		CtemChokepoint cp[1];
		CtemFixStep fs[1];
		double		f[3];

		CHECK(ctem_graph_search(g, NULL, NULL, 0, CTEM_GRAPH_MAX_HOPS + 1, &A, &err) == NULL &&
			  strstr(err.message, "max_hops") != NULL, "validation: max_hops");
		CHECK(ctem_graph_search(g, NULL, NULL, 0, -1, &A, &err) == NULL,
			  "validation: max_hops -1");
		CHECK(ctem_graph_search(g, NULL, (int32_t[]) {3}, 1, 3, &A, &err) == NULL,
			  "validation: source out of range");
		CHECK(ctem_graph_k_paths(g, NULL, 1, CTEM_GRAPH_MAX_K + 1, 3, paths, &A, &err) == -1,
			  "validation: k too large");
		CHECK(ctem_graph_k_paths(g, NULL, 7, 1, 3, paths, &A, &err) == -1,
			  "validation: k paths target out of range");
		CHECK(ctem_graph_k_paths(g, NULL, 1, 0, 3, paths, &A, &err) == 0,
			  "validation: k = 0");
		CHECK(ctem_graph_entries_reaching(g, NULL, -1, 3, &A, &err) == -1,
			  "validation: entries reaching target");
		CHECK(ctem_graph_risk(g, NULL, 99, &A, &err) == -1.0, "validation: risk hops");
		CHECK(!ctem_graph_path_factor(g, NULL, 99, f, &A, &err),
			  "validation: path factor hops");
		CHECK(ctem_graph_chokepoints(g, -1, 3, cp, &A, &err) == -1,
			  "validation: chokepoints top");
		CHECK(ctem_graph_fix_plan(g, -1, 3, fs, &A, &err) == -1,
			  "validation: fix plan budget");
		CHECK(ctem_graph_search_path(g, NULL, 0, NULL) == -1, "validation: path of NULL");
		ctem_graph_free(g, &A);
	}
	CHECK(ctem_graph_size(-1, 0, 0) == SIZE_MAX &&
		  ctem_graph_size(0, INT32_MAX, 0) == SIZE_MAX &&
		  ctem_graph_size(0, 0, 0) > 0, "validation: size limits");
	/* an empty graph is fine, and so is one without edges */
	tb_init(&t, 0, 1.0);
	g = tb_build(&t);
	CHECK(g != NULL && ctem_graph_risk(g, NULL, 3, &A, &err) == 0.0,
		  "validation: empty graph");
	if (g != NULL)
	{
		CtemGraphSearch *s = ctem_graph_search(g, NULL, NULL, 0, 3, &A, &err);
		CtemGraphSearch *st = ctem_graph_search_to(g, NULL, NULL, 0, 3, &A, &err);
		CtemChokepoint cp[1];
		CtemFixStep fs[1];
		CtemGraphPath paths[1];
		double		f[1];
		double	   *ov = ctem_graph_overlay(g, NULL, &A, &err);

		CHECK(s != NULL && st != NULL && ov != NULL &&
			  ctem_graph_path_factor(g, NULL, 3, f, &A, &err) &&
			  ctem_graph_chokepoints(g, 3, 3, cp, &A, &err) == 0 &&
			  ctem_graph_fix_plan(g, 3, 3, fs, &A, &err) == 0 &&
			  ctem_graph_k_paths(g, NULL, 0, 1, 3, paths, &A, &err) == -1 &&
			  ctem_graph_entries_reaching(g, NULL, 0, 3, &A, &err) == -1,
			  "validation: every function on an empty graph");
		ctem_graph_search_free(s, &A);
		ctem_graph_search_free(st, &A);
		t_free(NULL, ov);
	}
	ctem_graph_free(g, &A);
	tb_init(&t, 3, 0.5);
	t.flags[0] = CTEM_NODE_ENTRY | CTEM_NODE_JEWEL;
	t.flags[2] = CTEM_NODE_JEWEL;
	tb_exp(&t, 2, 0.4);
	g = tb_build(&t);
	if (g != NULL)
	{
		CtemChokepoint cp[1];
		CtemFixStep fs[1];
		CtemGraphPath paths[2];
		double		f[3];
		int			k = ctem_graph_k_paths(g, NULL, 0, 2, 3, paths, &A, &err);

		CHECK(k == 1 && paths[0].hops == 0 &&
			  ctem_graph_k_paths(g, NULL, 2, 2, 3, paths + 1, &A, &err) == 0 &&
			  ctem_graph_risk(g, NULL, 3, &A, &err) == 1.0 &&
			  ctem_graph_path_factor(g, NULL, 3, f, &A, &err) &&
			  f[0] == 1.0 && f[1] == 0.0 && f[2] == 0.0 &&
			  ctem_graph_chokepoints(g, 3, 3, cp, &A, &err) == 0 &&
			  ctem_graph_fix_plan(g, 3, 3, fs, &A, &err) == 0,
			  "validation: a graph without edges");
		if (k > 0)
			ctem_graph_paths_free(paths, k, &A);
		ctem_graph_free(g, &A);
	}
	CHECK(live == before, "validation: %ld allocations leaked", live - before);
}

/*
 * A cycle 1 <-> 2: entry 0 -> 1 (0.5), 1 -> 2 (0.5), 2 -> 1 (0.9),
 * 2 -> 3 (0.5), 1 -> 3 (0.1); jewels 3 and 4 (4 has no in-edge).  The
 * best to 3 is 0 1 2 3 = 0.125 over 0 1 3 = 0.05; the walk 0 1 2 1 3
 * (0.0225) repeats 1 and is no path, so there are exactly two paths.
 * From node 1 alone (a blast radius): 2 at 0.5, 3 at 0.25 in 2 hops or
 * 0.1 in 1 hop, 0 never.
 */
static void
test_cycle(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphError err;
	CtemGraphPath paths[5];
	CtemGraphSearch *s;
	int			k;

	tb_init(&t, 5, 1.0);
	t.flags[0] = CTEM_NODE_ENTRY;
	t.flags[3] = CTEM_NODE_JEWEL;
	t.flags[4] = CTEM_NODE_JEWEL;
	tb_edge(&t, 0, 1, 0.5, 0);
	tb_edge(&t, 1, 2, 0.5, 0);
	tb_edge(&t, 2, 1, 0.9, 0);
	tb_edge(&t, 2, 3, 0.5, 0);
	tb_edge(&t, 1, 3, 0.1, 0);
	g = tb_build(&t);
	if (g == NULL)
		return;
	k = ctem_graph_k_paths(g, NULL, 3, 5, 10, paths, &A, &err);
	CHECK(k == 2 && paths[0].prob == 0.125 && paths[0].hops == 3 &&
		  paths[1].prob == 0.05 && paths[1].hops == 2,
		  "cycle: two loopless paths (%d)", k);
	if (k > 0)
		ctem_graph_paths_free(paths, k, &A);
	CHECK(ctem_graph_k_paths(g, NULL, 4, 5, 10, paths, &A, &err) == 0,
		  "cycle: unreachable jewel");
	CHECK(ctem_graph_risk(g, NULL, 10, &A, &err) == 0.125, "cycle: risk");
	s = ctem_graph_search(g, NULL, (int32_t[]) {1, 1}, 2, 10, &A, &err);
	CHECK(s != NULL, "cycle: blast radius");
	if (s != NULL)
	{
		CHECK(s->prob[1] == 1.0 && s->hops[1] == 0 && s->origin[1] == 1 &&
			  s->prob[2] == 0.5 && s->prob[3] == 0.25 && s->hops[3] == 2 &&
			  s->prob[0] == 0.0 && s->hops[0] == -1,
			  "cycle: blast radius from 1: %g %g %g", s->prob[2], s->prob[3],
			  s->prob[0]);
		ctem_graph_search_free(s, &A);
	}
	s = ctem_graph_search(g, NULL, (int32_t[]) {1}, 1, 1, &A, &err);
	if (s != NULL)
	{
		CHECK(s->prob[3] == 0.1 && s->hops[3] == 1, "cycle: blast radius, 1 hop");
		ctem_graph_search_free(s, &A);
	}
	CHECK(ctem_graph_entries_reaching(g, NULL, 4, 10, &A, &err) == 0,
		  "cycle: no entry reaches 4");
	ctem_graph_free(g, &A);
}

/*
 * An entry that is a jewel (0) and another entry (1 -> 0, 0.5): the first
 * path to 0 has 0 hops and probability 1, then 1 -> 0.  The risk counts 1;
 * node 0's path factor is 1, node 1's 0.5.
 */
static void
test_entry_jewel(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphError err;
	CtemGraphPath paths[3];
	double		factor[2];
	int			k;

	tb_init(&t, 2, 1.0);
	t.flags[0] = CTEM_NODE_ENTRY | CTEM_NODE_JEWEL;
	t.flags[1] = CTEM_NODE_ENTRY;
	tb_edge(&t, 1, 0, 0.5, 0);
	g = tb_build(&t);
	if (g == NULL)
		return;
	k = ctem_graph_k_paths(g, NULL, 0, 3, 4, paths, &A, &err);
	CHECK(k == 2 && paths[0].hops == 0 && paths[0].prob == 1.0 &&
		  paths[0].entry == 0 && paths[0].edges == NULL &&
		  paths[1].hops == 1 && paths[1].entry == 1 && paths[1].prob == 0.5,
		  "entry jewel: paths (%d)", k);
	if (k > 0)
		ctem_graph_paths_free(paths, k, &A);
	k = ctem_graph_k_paths(g, NULL, 0, 1, 0, paths, &A, &err);
	CHECK(k == 1 && paths[0].hops == 0, "entry jewel: 0 hops allowed");
	CHECK(ctem_graph_risk(g, NULL, 4, &A, &err) == 1.0, "entry jewel: risk 1");
	CHECK(ctem_graph_path_factor(g, NULL, 4, factor, &A, &err) &&
		  factor[0] == 1.0 && factor[1] == 0.5, "entry jewel: path factor");
	CHECK(ctem_graph_entries_reaching(g, NULL, 0, 4, &A, &err) == 2,
		  "entry jewel: entries reaching");
	ctem_graph_free(g, &A);
}

/*
 * A diamond with a rung both ways: e0 0->1 (0.9), e1 0->2 (0.8),
 * e2 1->3 (0.8), e3 2->3 (0.9), e4 1->2 (0.5), e5 2->1 (0.9).  Paths to
 * the jewel 3 from the entry 0:
 *	  A = e0 e2 = 0.72, B = e1 e3 = 0.72 (a tie: equal weight and hops; the
 *	  last edges decide, e2 < e3, so A first), D = e1 e5 e2 = 0.576,
 *	  C = e0 e4 e3 = 0.405.
 * The walks 0 1 2 1 3 and 0 2 1 2 3 repeat a node: no paths.
 */
static void
test_yen_order(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphError err;
	CtemGraphPath paths[10];
	CtemGraphSearch *s;
	int32_t		edges[4];
	int			k;
	int			i;
	bool		ok = true;

	tb_init(&t, 4, 1.0);
	t.flags[0] = CTEM_NODE_ENTRY;
	t.flags[3] = CTEM_NODE_JEWEL;
	tb_edge(&t, 0, 1, 0.9, 0);
	tb_edge(&t, 0, 2, 0.8, 0);
	tb_edge(&t, 1, 3, 0.8, 0);
	tb_edge(&t, 2, 3, 0.9, 0);
	tb_edge(&t, 1, 2, 0.5, 0);
	tb_edge(&t, 2, 1, 0.9, 0);
	g = tb_build(&t);
	if (g == NULL)
		return;
	k = ctem_graph_k_paths(g, NULL, 3, 10, 5, paths, &A, &err);
	CHECK(k == 4, "yen: %d paths", k);
	if (k == 4)
	{
		CHECK(paths[0].hops == 2 && paths[0].edges[0] == 0 && paths[0].edges[1] == 2,
			  "yen: A first");
		CHECK(paths[1].hops == 2 && paths[1].edges[0] == 1 && paths[1].edges[1] == 3,
			  "yen: B second");
		CHECK(paths[2].hops == 3 && paths[2].edges[0] == 1 && paths[2].edges[1] == 5 &&
			  paths[2].edges[2] == 2, "yen: D third");
		CHECK(paths[3].hops == 3 && paths[3].edges[0] == 0 && paths[3].edges[1] == 4 &&
			  paths[3].edges[2] == 3, "yen: C fourth");
		CHECK(paths[0].prob == 0.9 * 0.8 && paths[1].prob == 0.8 * 0.9 &&
			  paths[2].prob == 0.8 * 0.9 * 0.8 && paths[3].prob == 0.9 * 0.5 * 0.9,
			  "yen: probabilities");
	}
	for (i = 0; i < k; i++)
		QCHECK(ok, path_ok(g, paths[i].entry, paths[i].edges, paths[i].hops, 3),
			   "yen: path %d is not a loopless path to 3", i);
	CHECK(ok, "yen: loopless");
	if (k > 0)
		ctem_graph_paths_free(paths, k, &A);
	/* the first two only, and within 2 hops only A and B */
	k = ctem_graph_k_paths(g, NULL, 3, 2, 5, paths, &A, &err);
	CHECK(k == 2 && paths[1].edges[1] == 3, "yen: k = 2");
	if (k > 0)
		ctem_graph_paths_free(paths, k, &A);
	k = ctem_graph_k_paths(g, NULL, 3, 10, 2, paths, &A, &err);
	CHECK(k == 2, "yen: within 2 hops %d", k);
	if (k > 0)
		ctem_graph_paths_free(paths, k, &A);
	/* the search breaks the A/B tie the same way */
	s = ctem_graph_search(g, NULL, NULL, 0, 5, &A, &err);
	if (s != NULL)
	{
		CHECK(ctem_graph_search_path(g, s, 3, edges) == 2 && edges[1] == 2,
			  "yen: search picks A");
		ctem_graph_search_free(s, &A);
	}
	ctem_graph_free(g, &A);
}

/*
 * An obvious chokepoint: entries 0, 1, 2 each reach node 3 (exposure 0.9,
 * exploit steps of p 1: step 0.9); 3 -> 4 and 3 -> 5 (p 0.5, exploit;
 * 4 and 5 have exposure 0.8: step 0.4); 4 -> 6 and 5 -> 7 (p 1, plain);
 * jewels 6 and 7; baseline 0.1.
 *	  risk = 0.9 * 0.4 + 0.9 * 0.4 = 0.72.
 *	  fixing 3 (to the baseline 0.1): 0.1 * 0.4 * 2 = 0.08, removes 0.64.
 *	  fixing 4: 3 -> 4 becomes 0.05: 6 at 0.045, removes 0.315; 5 alike.
 * entries_reaching * jewels_reached: 3: 3 * 2 = 6; 4 and 5: 3 * 1.
 * The fix plan: exposure 0 (node 3, risk 0.08), then exposure 1 (node 4:
 * 0.005 + 0.04 = 0.045; a tie with exposure 2, the lower index first),
 * then exposure 2 (0.01), then nothing is left: it stops after 3 steps.
 */
static void
test_chokepoint_fix(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphError err;
	CtemChokepoint cp[8];
	CtemFixStep fs[8];
	CtemGraphSearch *s;
	double	   *ov;
	double		risk;
	uint8_t		fixed[1];
	int			k;

	tb_init(&t, 8, 0.1);
	t.flags[0] = t.flags[1] = t.flags[2] = CTEM_NODE_ENTRY;
	t.flags[6] = t.flags[7] = CTEM_NODE_JEWEL;
	tb_exp(&t, 3, 0.9);
	tb_exp(&t, 4, 0.8);
	tb_exp(&t, 5, 0.8);
	tb_edge(&t, 0, 3, 1.0, 1);
	tb_edge(&t, 1, 3, 1.0, 1);
	tb_edge(&t, 2, 3, 1.0, 1);
	tb_edge(&t, 3, 4, 0.5, 1);
	tb_edge(&t, 3, 5, 0.5, 1);
	tb_edge(&t, 4, 6, 1.0, 0);
	tb_edge(&t, 5, 7, 1.0, 0);
	g = tb_build(&t);
	if (g == NULL)
		return;
	risk = ctem_graph_risk(g, NULL, 8, &A, &err);
	CHECK(NEAR(risk, 0.72), "choke: risk %.17g", risk);
	k = ctem_graph_chokepoints(g, 3, 8, cp, &A, &err);
	CHECK(k == 3, "choke: %d chokepoints", k);
	if (k == 3)
	{
		CHECK(cp[0].node == 3 && cp[0].entries_reaching == 3 &&
			  cp[0].jewels_reached == 2 && NEAR(cp[0].risk_reduction, 0.64),
			  "choke: first is 3 (%d, %.17g)", cp[0].node, cp[0].risk_reduction);
		CHECK(cp[1].node == 4 && cp[2].node == 5 &&
			  cp[1].entries_reaching == 3 && cp[1].jewels_reached == 1 &&
			  NEAR(cp[1].risk_reduction, 0.315) &&
			  cp[1].risk_reduction == cp[2].risk_reduction,
			  "choke: then 4 and 5 (%d %d)", cp[1].node, cp[2].node);
	}
	k = ctem_graph_chokepoints(g, 1, 8, cp, &A, &err);
	CHECK(k == 1 && cp[0].node == 3, "choke: top 1");

	/* simulate: fixing node 3's exposure, before and after */
	fixed[0] = 0x01;
	ov = ctem_graph_overlay(g, fixed, &A, &err);
	if (ov != NULL)
	{
		double		after = ctem_graph_risk(g, ov, 8, &A, &err);

		CHECK(NEAR(after, 0.08), "simulate: risk after %.17g", after);
		CHECK(risk - after == cp[0].risk_reduction,
			  "simulate: the chokepoint's reduction is exact");
		s = ctem_graph_search(g, ov, NULL, 0, 8, &A, &err);
		if (s != NULL)
		{
			CHECK(NEAR(s->prob[6], 0.04), "simulate: jewel 6 after %g", s->prob[6]);
			ctem_graph_search_free(s, &A);
		}
		t_free(NULL, ov);
	}

	k = ctem_graph_fix_plan(g, 5, 8, fs, &A, &err);
	CHECK(k == 3, "fix plan: %d steps", k);
	if (k == 3)
	{
		CHECK(fs[0].exposure == 0 && fs[0].node == 3 && NEAR(fs[0].risk_after, 0.08),
			  "fix plan: first %d %.17g", fs[0].exposure, fs[0].risk_after);
		CHECK(fs[1].exposure == 1 && fs[1].node == 4 && NEAR(fs[1].risk_after, 0.045),
			  "fix plan: second %d %.17g", fs[1].exposure, fs[1].risk_after);
		CHECK(fs[2].exposure == 2 && NEAR(fs[2].risk_after, 0.01),
			  "fix plan: third %.17g", fs[2].risk_after);
	}
	k = ctem_graph_fix_plan(g, 2, 8, fs, &A, &err);
	CHECK(k == 2, "fix plan: budget 2 gives %d", k);
	ctem_graph_free(g, &A);

	/*
	 * A fix that raises a node to the baseline is never chosen: node 1's
	 * only exposure is 0.05, below the baseline 0.5; fixing it raises the
	 * step into the jewel from 0.05 to 0.5.  The chokepoint shows a
	 * negative reduction of 0.45.
	 */
	tb_init(&t, 2, 0.5);
	t.flags[0] = CTEM_NODE_ENTRY;
	t.flags[1] = CTEM_NODE_JEWEL;
	tb_exp(&t, 1, 0.05);
	tb_edge(&t, 0, 1, 1.0, 1);
	g = tb_build(&t);
	if (g == NULL)
		return;
	CHECK(ctem_graph_fix_plan(g, 3, 4, fs, &A, &err) == 0,
		  "fix plan: a raise is no fix");
	k = ctem_graph_chokepoints(g, 3, 4, cp, &A, &err);
	CHECK(k == 1 && cp[0].node == 1 && NEAR(cp[0].risk_reduction, -0.45),
		  "choke: negative reduction (%d, %g)", k, k > 0 ? cp[0].risk_reduction : 0.0);
	ctem_graph_free(g, &A);
}

/*
 * Every allocation of every function fails in turn: each must fail with a
 * message and leak nothing, then succeed when the allocations do.
 */
static void
test_alloc_failures(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphError err;
	int			fn;
	bool		ok = true;

	tb_init(&t, 6, 0.3);
	t.flags[0] = CTEM_NODE_ENTRY;
	t.flags[1] = CTEM_NODE_ENTRY | CTEM_NODE_JEWEL;
	t.flags[5] = CTEM_NODE_JEWEL;
	tb_exp(&t, 2, 0.7);
	tb_exp(&t, 3, 0.6);
	tb_exp(&t, 3, 0.1);
	tb_exp(&t, 4, 0.9);
	tb_edge(&t, 0, 2, 0.9, 1);
	tb_edge(&t, 2, 3, 0.8, 1);
	tb_edge(&t, 3, 4, 0.7, 1);
	tb_edge(&t, 4, 5, 0.9, 1);
	tb_edge(&t, 1, 3, 0.5, 1);
	tb_edge(&t, 3, 2, 0.5, 0);
	tb_edge(&t, 2, 5, 0.1, 1);
	g = tb_build(&t);
	if (g == NULL)
		return;
	for (fn = 0; fn < 9; fn++)
	{
		long		at;

		for (at = 0; at < 200; at++)
		{
			long		before = live;
			bool		failed = false;

			fail_at = at;
			nallocs = 0;
			err.message[0] = '\0';
			switch (fn)
			{
				case 0:
					{
						CtemGraphInput in;
						CtemGraph  *h;

						tb_input(&t, &in);
						h = ctem_graph_build(&in, &A, &err);
						failed = (h == NULL);
						ctem_graph_free(h, &A);
						break;
					}
				case 1:
					{
						CtemGraphSearch *s = ctem_graph_search(g, NULL, NULL, 0, 5, &A, &err);

						failed = (s == NULL);
						ctem_graph_search_free(s, &A);
						break;
					}
				case 2:
					{
						CtemGraphSearch *s = ctem_graph_search_to(g, NULL, (int32_t[]) {5, 5}, 2, 5, &A, &err);

						failed = (s == NULL);
						ctem_graph_search_free(s, &A);
						break;
					}
				case 3:
					{
						CtemGraphPath paths[10];
						int			k = ctem_graph_k_paths(g, NULL, 5, 10, 5, paths, &A, &err);

						failed = (k < 0);
						if (k > 0)
							ctem_graph_paths_free(paths, k, &A);
						break;
					}
				case 4:
					failed = ctem_graph_risk(g, NULL, 5, &A, &err) < 0;
					break;
				case 5:
					{
						double		f[6];

						failed = !ctem_graph_path_factor(g, NULL, 5, f, &A, &err);
						break;
					}
				case 6:
					{
						CtemChokepoint cp[4];

						failed = ctem_graph_chokepoints(g, 4, 5, cp, &A, &err) < 0;
						break;
					}
				case 7:
					{
						CtemFixStep fs[4];

						failed = ctem_graph_fix_plan(g, 4, 5, fs, &A, &err) < 0;
						break;
					}
				case 8:
					{
						double	   *ov = ctem_graph_overlay(g, (uint8_t[]) {0x0f}, &A, &err);

						failed = (ov == NULL);
						if (ov != NULL)
							t_free(NULL, ov);
						failed = failed || ctem_graph_entries_reaching(g, NULL, 5, 5, &A, &err) < 0;
						break;
					}
			}
			fail_at = -1;
			QCHECK(ok, live == before, "alloc failure: function %d, allocation %ld: %ld leaked",
				   fn, at, live - before);
			if (!failed)
				break;
			QCHECK(ok, strstr(err.message, "out of memory") != NULL,
				   "alloc failure: function %d, allocation %ld: message \"%s\"",
				   fn, at, err.message);
		}
		QCHECK(ok, at < 200, "alloc failure: function %d never succeeds", fn);
	}
	CHECK(ok, "alloc failures: clean errors, no leaks");
	ctem_graph_free(g, &A);
}

/*
 * Brute force: every simple path of a small random graph
 */

#define BF_MAXP	200000

typedef struct BPath
{
	int64_t		w;
	double		pf;				/* product from the start */
	double		pr;				/* product from the end */
	int			h;
	int32_t		start;
	int32_t		end;
	int32_t		edges[16];
} BPath;

static BPath *bp;
static int	nbp;
static bool bp_overflow;

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t	z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
rng_unit(void)
{
	return (double) (rng() >> 11) / 9007199254740992.0;
}

static int
rng_int(int n)
{
	return (int) (rng() % (uint64_t) n);
}

/* the engine's documented weight of a step */
static int64_t
bf_weight(double s)
{
	double		w = s >= 1.0 ? 0.0 : -log(s);

	return (int64_t) (w * 17592186044416.0 + 0.5);
}

static void
bf_extend(const CtemGraph *g, const double *step, int32_t *nodes, int32_t *edges,
		  int h, int64_t w, double pf)
{
	int32_t		v = nodes[h];
	int32_t		k;
	int			i;

	if (nbp >= BF_MAXP)
	{
		bp_overflow = true;
		return;
	}
	{
		BPath	   *p = &bp[nbp++];
		double		pr = 1.0;

		p->w = w;
		p->pf = pf;
		p->h = h;
		p->start = nodes[0];
		p->end = v;
		for (i = 0; i < h; i++)
			p->edges[i] = edges[i];
		for (i = h - 1; i >= 0; i--)
			pr *= step[edges[i]];
		p->pr = pr;
	}
	if (h >= 15)
		return;
	for (k = 0; k < g->m; k++)	/* v's out-edges, in input order */
	{
		int32_t		e = k;
		int32_t		u = g->dst[e];
		bool		seen = false;

		if (g->src[e] != v || !(step[e] > 0.0))
			continue;
		for (i = 0; i <= h; i++)
			if (nodes[i] == u)
				seen = true;
		if (seen)
			continue;
		nodes[h + 1] = u;
		edges[h] = e;
		bf_extend(g, step, nodes, edges, h + 1, w + bf_weight(step[e]), pf * step[e]);
	}
}

static void
bf_enumerate(const CtemGraph *g, const double *step)
{
	int32_t		nodes[17];
	int32_t		edges[16];
	int32_t		v;

	nbp = 0;
	bp_overflow = false;
	for (v = 0; v < g->n; v++)
	{
		nodes[0] = v;
		bf_extend(g, step, nodes, edges, 0, 0, 1.0);
	}
}

/* (w, h, edges from the end, start) order */
static int
bf_cmp(const void *x, const void *y)
{
	const BPath *a = x;
	const BPath *b = y;
	int			i;

	if (a->w != b->w)
		return a->w < b->w ? -1 : 1;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	for (i = a->h - 1; i >= 0; i--)
		if (a->edges[i] != b->edges[i])
			return a->edges[i] < b->edges[i] ? -1 : 1;
	return (a->start > b->start) - (a->start < b->start);
}

/* the best path from a node with flag `from` to v (reverse: v to `to`) */
static const BPath *
bf_best(const CtemGraph *g, int32_t v, uint8_t flag, bool reverse, int H)
{
	const BPath *best = NULL;
	int			i;

	for (i = 0; i < nbp; i++)
	{
		const BPath *p = &bp[i];

		if (p->h > H)
			continue;
		if (!reverse && (p->end != v || !(g->flags[p->start] & flag)))
			continue;
		if (reverse && (p->start != v || !(g->flags[p->end] & flag)))
			continue;
		if (best == NULL || p->w < best->w || (p->w == best->w && p->h < best->h))
			best = p;
	}
	return best;
}

static double
bf_risk(const CtemGraph *g, int H)
{
	double		sum = 0.0;
	int32_t		v;

	for (v = 0; v < g->n; v++)
	{
		const BPath *b;

		if (!(g->flags[v] & CTEM_NODE_JEWEL))
			continue;
		b = bf_best(g, v, CTEM_NODE_ENTRY, false, H);
		if (b != NULL)
			sum += b->pf;
	}
	return sum;
}

/* a random small graph */
static CtemGraph *
random_graph(TB *t)
{
	static const double ps[] = {0.5, 0.25, 1.0, 0.9, 0.3, 0.7, 0.8, 0.1, 0.6};
	int32_t		n = 2 + rng_int(7);
	int32_t		m = rng_int(17);
	int32_t		v;
	int32_t		i;

	tb_init(t, n, (double[]) {0.3, 1.0, 0.5, 0.05}[rng_int(4)]);
	for (v = 0; v < n; v++)
	{
		int			ne = rng_int(4) == 0 ? 2 : rng_int(2);

		t->flags[v] = (uint8_t) ((rng_int(10) < 3 ? CTEM_NODE_ENTRY : 0) |
								 (rng_int(10) < 3 ? CTEM_NODE_JEWEL : 0));
		for (i = 0; i < ne; i++)
			tb_exp(t, v, rng_int(3) == 0 ? rng_unit() :
				   (double[]) {0.0, 1.0, 0.5, 0.2, 0.9}[rng_int(5)]);
	}
	if (rng_int(3) > 0)
		t->flags[rng_int(n)] |= CTEM_NODE_ENTRY;
	if (rng_int(3) > 0)
		t->flags[rng_int(n)] |= CTEM_NODE_JEWEL;
	for (i = 0; i < m; i++)
	{
		int32_t		s = rng_int(n);
		int32_t		d = rng_int(n - 1);

		if (d >= s)
			d++;
		tb_edge(t, s, d, rng_int(3) == 0 ? 0.01 + 0.99 * rng_unit() :
				ps[rng_int(9)], rng_int(2));
	}
	return tb_build(t);
}

static void
test_brute_force(int ncases)
{
	bool		ok_build = true,
				ok_search = true,
				ok_to = true,
				ok_k = true,
				ok_risk = true,
				ok_factor = true,
				ok_er = true,
				ok_choke = true,
				ok_fix = true,
				ok_overlay = true;
	int			c;
	long		before = live;
	long		n_reached = 0,
				n_paths = 0,
				n_choke = 0,
				n_fix = 0,
				n_skipped = 0,
				n_multi = 0;

	bp = malloc(sizeof(BPath) * BF_MAXP);
	rng_state = 20240611;
	for (c = 0; c < ncases; c++)
	{
		TB			t;
		CtemGraph  *g = random_graph(&t);
		CtemGraphError err;
		int			H = rng_int(9);
		int32_t		v;
		int32_t		e;
		double	   *ov = NULL;
		uint8_t		fixed[TB_E / 8];
		const double *step;
		int			pass;

		QCHECK(ok_build, g != NULL, "brute %d: build", c);
		if (g == NULL)
			continue;
		/* steps as documented */
		for (e = 0; e < g->m; e++)
		{
			int32_t		d = g->dst[e];
			double		prod = 1.0;
			double		x;
			int32_t		i;

			for (i = g->exp_off[d]; i < g->exp_off[d + 1]; i++)
				prod *= 1.0 - g->exp_p[i];
			x = g->exp_off[d + 1] > g->exp_off[d] ? 1.0 - prod : g->baseline;
			QCHECK(ok_build, g->step[e] == (g->exploit[e] ? g->p[e] * x : g->p[e]),
				   "brute %d: step of edge %d", c, e);
		}
		/* pass 0 on g->step, pass 1 on an overlay with random fixes */
		for (pass = 0; pass < 2; pass++)
		{
			CtemGraphSearch *s;
			CtemGraphSearch *st;
			double		factor[TB_N];
			double		risk;

			step = g->step;
			if (pass == 1)
			{
				int			i;

				memset(fixed, 0, sizeof(fixed));
				for (i = 0; i < g->exp_off[g->n]; i++)
					if (rng_int(2))
						fixed[i / 8] |= (uint8_t) (1 << (i % 8));
				ov = ctem_graph_overlay(g, fixed, &A, &err);
				if (ov == NULL)
					break;
				/* the overlay changes only exploit steps into fixed nodes */
				for (e = 0; e < g->m; e++)
				{
					double		x = ctem_graph_node_exploitability(g, g->dst[e], fixed);

					QCHECK(ok_overlay, ov[e] == (g->exploit[e] ? g->p[e] * x : g->p[e]),
						   "brute %d: overlay edge %d", c, e);
				}
				step = ov;
			}
			bf_enumerate(g, step);
			if (bp_overflow)
			{
				n_skipped++;
				continue;
			}

			/* search from the entries */
			s = ctem_graph_search(g, pass ? ov : NULL, NULL, 0, H, &A, &err);
			QCHECK(ok_search, s != NULL, "brute %d: search: %s", c, err.message);
			for (v = 0; s != NULL && v < g->n; v++)
			{
				const BPath *b = bf_best(g, v, CTEM_NODE_ENTRY, false, H);
				int32_t		edges[CTEM_GRAPH_MAX_HOPS];
				int			h;

				if (b == NULL)
				{
					QCHECK(ok_search, s->prob[v] == 0.0 && s->hops[v] == -1,
						   "brute %d: node %d reached (%g)", c, v, s->prob[v]);
					continue;
				}
				n_reached++;
				QCHECK(ok_search, s->hops[v] == b->h && NEAR(s->prob[v], b->pf),
					   "brute %d (H %d): node %d: engine %.17g/%d, brute %.17g/%d",
					   c, H, v, s->prob[v], s->hops[v], b->pf, b->h);
				h = ctem_graph_search_path(g, s, v, edges);
				QCHECK(ok_search, h == s->hops[v] &&
					   path_ok(g, s->origin[v], edges, h, v) &&
					   (g->flags[s->origin[v]] & CTEM_NODE_ENTRY) &&
					   path_prob(g, step, edges, h) == s->prob[v],
					   "brute %d: node %d: path", c, v);
				if (h >= 0)
				{
					int64_t		w = 0;
					int			i;

					for (i = 0; i < h; i++)
						w += bf_weight(step[edges[i]]);
					QCHECK(ok_search, w == b->w, "brute %d: node %d: weight", c, v);
				}
			}
			ctem_graph_search_free(s, &A);

			/* towards the jewels */
			st = ctem_graph_search_to(g, pass ? ov : NULL, NULL, 0, H, &A, &err);
			QCHECK(ok_to, st != NULL, "brute %d: search_to", c);
			for (v = 0; st != NULL && v < g->n; v++)
			{
				const BPath *b = bf_best(g, v, CTEM_NODE_JEWEL, true, H);
				int32_t		edges[CTEM_GRAPH_MAX_HOPS];
				int			h;

				if (b == NULL)
				{
					QCHECK(ok_to, st->prob[v] == 0.0 && st->hops[v] == -1,
						   "brute %d: search_to node %d", c, v);
					continue;
				}
				QCHECK(ok_to, st->hops[v] == b->h && NEAR(st->prob[v], b->pr),
					   "brute %d: search_to node %d: %.17g/%d vs %.17g/%d", c, v,
					   st->prob[v], st->hops[v], b->pr, b->h);
				h = ctem_graph_search_path(g, st, v, edges);
				QCHECK(ok_to, h == st->hops[v] && path_ok(g, v, edges, h, st->origin[v]) &&
					   (g->flags[st->origin[v]] & CTEM_NODE_JEWEL) &&
					   NEAR(path_prob(g, step, edges, h), st->prob[v]),
					   "brute %d: search_to node %d: path", c, v);
			}
			ctem_graph_search_free(st, &A);

			/* k paths to a random node */
			{
				int32_t		target = rng_int(g->n);
				int			k = 1 + rng_int(12);
				CtemGraphPath paths[CTEM_GRAPH_MAX_K];
				int			got;
				int			nall = 0;
				int			i;
				BPath	   *all = malloc(sizeof(BPath) * (nbp + 1));

				for (i = 0; i < nbp; i++)
					if (bp[i].end == target && bp[i].h <= H &&
						(g->flags[bp[i].start] & CTEM_NODE_ENTRY))
						all[nall++] = bp[i];
				qsort(all, nall, sizeof(BPath), bf_cmp);
				got = ctem_graph_k_paths(g, pass ? ov : NULL, target, k, H, paths, &A, &err);
				n_paths += got > 0 ? got : 0;
				n_multi += got > 1;
				QCHECK(ok_k, got == (nall < k ? nall : k),
					   "brute %d: k paths to %d: %d, brute %d (k %d, H %d)", c, target,
					   got, nall, k, H);
				for (i = 0; i < got && i < nall; i++)
				{
					QCHECK(ok_k, paths[i].hops == all[i].h && paths[i].entry == all[i].start &&
						   (all[i].h == 0 ||
							memcmp(paths[i].edges, all[i].edges, sizeof(int32_t) * all[i].h) == 0) &&
						   paths[i].prob == all[i].pf,
						   "brute %d: path %d to %d differs (hops %d/%d)", c, i, target,
						   paths[i].hops, all[i].h);
				}
				if (got > 0)
					ctem_graph_paths_free(paths, got, &A);
				free(all);
			}

			/* risk */
			risk = ctem_graph_risk(g, pass ? ov : NULL, H, &A, &err);
			QCHECK(ok_risk, NEAR(risk, bf_risk(g, H)), "brute %d: risk %.17g vs %.17g",
				   c, risk, bf_risk(g, H));

			/* path factor: best prefix from an entry times suffix to a jewel */
			QCHECK(ok_factor, ctem_graph_path_factor(g, pass ? ov : NULL, H, factor, &A, &err),
				   "brute %d: path factor", c);
			for (v = 0; v < g->n; v++)
			{
				int64_t		bw = INT64_MAX;
				int			bh = 99;
				double		bprob = 0.0;
				int			i;
				int			j;

				for (i = 0; i < nbp; i++)
				{
					if (bp[i].end != v || !(g->flags[bp[i].start] & CTEM_NODE_ENTRY))
						continue;
					for (j = 0; j < nbp; j++)
					{
						if (bp[j].start != v || !(g->flags[bp[j].end] & CTEM_NODE_JEWEL) ||
							bp[i].h + bp[j].h > H)
							continue;
						if (bp[i].w + bp[j].w < bw ||
							(bp[i].w + bp[j].w == bw && bp[i].h + bp[j].h < bh))
						{
							bw = bp[i].w + bp[j].w;
							bh = bp[i].h + bp[j].h;
							bprob = bp[i].pf * bp[j].pr;
						}
					}
				}
				QCHECK(ok_factor, NEAR(factor[v], bprob),
					   "brute %d: path factor of %d: %.17g vs %.17g", c, v, factor[v], bprob);
			}

			/* entries reaching each node within H hops */
			for (v = 0; v < g->n; v++)
			{
				int32_t		cnt = 0;
				int32_t		u;
				int			i;

				for (u = 0; u < g->n; u++)
				{
					if (!(g->flags[u] & CTEM_NODE_ENTRY))
						continue;
					for (i = 0; i < nbp; i++)
						if (bp[i].start == u && bp[i].end == v && bp[i].h <= H)
							break;
					if (i < nbp)
						cnt++;
				}
				QCHECK(ok_er, ctem_graph_entries_reaching(g, pass ? ov : NULL, v, H, &A, &err) == cnt,
					   "brute %d: entries reaching %d", c, v);
			}
			if (pass == 1)
			{
				t_free(NULL, ov);
				ov = NULL;
			}
		}

		/*
		 * Chokepoints against a ranking redone with ctem_graph_risk on
		 * overlays (bit for bit: the engine's incremental evaluation must
		 * agree with a full search).  Pre-rank: the path risk through the
		 * node (each jewel's most likely path entering it by an exploit
		 * step: prob * (1 - p * baseline / step), when the baseline is
		 * below the node's exploitability), then er * jr, then node.
		 */
		bf_enumerate(g, g->step);
		if (!bp_overflow)
		{
			int			top = 1 + rng_int(4);
			CtemChokepoint cp[16];
			int			got = ctem_graph_chokepoints(g, top, H, cp, &A, &err);
			struct
			{
				int32_t		node,
							er,
							jr;
				int64_t		rank;
				double		onpath;
				double		red;
			}			cand[TB_N],
						tmp;
			double		onpath[TB_N];
			CtemGraphSearch *sj = ctem_graph_search(g, NULL, NULL, 0, H, &A, &err);
			int			nc = 0;
			int			i;
			int			j;
			double		base = ctem_graph_risk(g, NULL, H, &A, &err);

			memset(onpath, 0, sizeof(onpath));
			for (v = 0; sj != NULL && v < g->n; v++)
			{
				int32_t		edges[CTEM_GRAPH_MAX_HOPS];
				int			h;

				if (!(g->flags[v] & CTEM_NODE_JEWEL))
					continue;
				h = ctem_graph_search_path(g, sj, v, edges);
				for (i = h - 1; i >= 0; i--)
				{
					int32_t		e = edges[i];
					int32_t		x = g->dst[e];

					if (g->exploit[e] && g->baseline < g->exploitability[x])
						onpath[x] += sj->prob[v] * (1.0 - g->p[e] * g->baseline / g->step[e]);
				}
			}
			ctem_graph_search_free(sj, &A);
			for (v = 0; v < g->n; v++)
			{
				int32_t		er = 0,
							jr = 0;
				int32_t		u;

				if (g->exp_off[v + 1] == g->exp_off[v])
					continue;
				for (u = 0; u < g->n; u++)
				{
					bool		fwd = false,
								bwd = false;

					for (i = 0; i < nbp; i++)
					{
						if (bp[i].start == u && bp[i].end == v)
							fwd = true;
						if (bp[i].start == v && bp[i].end == u)
							bwd = true;
					}
					if (fwd && (g->flags[u] & CTEM_NODE_ENTRY))
						er++;
					if (bwd && (g->flags[u] & CTEM_NODE_JEWEL))
						jr++;
				}
				if (er == 0 || jr == 0)
					continue;
				cand[nc].node = v;
				cand[nc].er = er;
				cand[nc].jr = jr;
				cand[nc].rank = (int64_t) er * jr;
				cand[nc].onpath = onpath[v];
				nc++;
			}
			/* pre-rank, keep 4 * top, exact reductions, rank */
			for (i = 0; i < nc; i++)
				for (j = i + 1; j < nc; j++)
					if (cand[j].onpath > cand[i].onpath ||
						(cand[j].onpath == cand[i].onpath &&
						 (cand[j].rank > cand[i].rank ||
						  (cand[j].rank == cand[i].rank && cand[j].node < cand[i].node))))
					{
						tmp = cand[i];
						cand[i] = cand[j];
						cand[j] = tmp;
					}
			if (nc > 4 * top)
				nc = 4 * top;
			for (i = 0; i < nc; i++)
			{
				int32_t		x;

				memset(fixed, 0, sizeof(fixed));
				for (x = g->exp_off[cand[i].node]; x < g->exp_off[cand[i].node + 1]; x++)
					fixed[x / 8] |= (uint8_t) (1 << (x % 8));
				ov = ctem_graph_overlay(g, fixed, &A, &err);
				cand[i].red = base - ctem_graph_risk(g, ov, H, &A, &err);
				t_free(NULL, ov);
				ov = NULL;
			}
			for (i = 0; i < nc; i++)
				for (j = i + 1; j < nc; j++)
					if (cand[j].red > cand[i].red ||
						(cand[j].red == cand[i].red &&
						 (cand[j].rank > cand[i].rank ||
						  (cand[j].rank == cand[i].rank && cand[j].node < cand[i].node))))
					{
						tmp = cand[i];
						cand[i] = cand[j];
						cand[j] = tmp;
					}
			if (g->nentries == 0 || g->njewels == 0)
				nc = 0;
			QCHECK(ok_choke, got == (nc < top ? nc : top), "brute %d: %d chokepoints, brute %d",
				   c, got, nc < top ? nc : top);
			n_choke += got > 0 ? got : 0;
			for (i = 0; i < got && i < nc; i++)
				QCHECK(ok_choke, cp[i].node == cand[i].node && cp[i].entries_reaching == cand[i].er &&
					   cp[i].jewels_reached == cand[i].jr && cp[i].risk_reduction == cand[i].red,
					   "brute %d: chokepoint %d: node %d (%d/%d, %.17g) vs %d (%d/%d, %.17g)",
					   c, i, cp[i].node, cp[i].entries_reaching, cp[i].jewels_reached,
					   cp[i].risk_reduction, cand[i].node, cand[i].er, cand[i].jr, cand[i].red);
		}

		/* the fix plan against a greedy of full risk evaluations */
		{
			int			budget = 1 + rng_int(4);
			CtemFixStep fs[8];
			int			got = ctem_graph_fix_plan(g, budget, H, fs, &A, &err);
			int			steps = 0;
			double		cur;
			uint8_t		seen[TB_E];

			memset(fixed, 0, sizeof(fixed));
			cur = ctem_graph_risk(g, NULL, H, &A, &err);
			while (steps < budget && g->nentries > 0)
			{
				CtemGraphSearch *s;
				int32_t		best = -1;
				double		best_after = cur;
				int32_t		j;

				ov = ctem_graph_overlay(g, fixed, &A, &err);
				s = ctem_graph_search(g, ov, NULL, 0, H, &A, &err);
				memset(seen, 0, sizeof(seen));
				for (j = 0; j < g->n; j++)
				{
					int32_t		edges[CTEM_GRAPH_MAX_HOPS];
					int			h;
					int			i;

					if (!(g->flags[j] & CTEM_NODE_JEWEL))
						continue;
					h = ctem_graph_search_path(g, s, j, edges);
					for (i = 0; i < h; i++)
					{
						int32_t		x = g->dst[edges[i]];
						int32_t		q;

						for (q = g->exp_off[x]; q < g->exp_off[x + 1]; q++)
						{
							double	   *ov2;
							double		after;

							if ((fixed[q / 8] >> (q % 8)) & 1 || seen[q])
								continue;
							seen[q] = 1;
							fixed[q / 8] |= (uint8_t) (1 << (q % 8));
							ov2 = ctem_graph_overlay(g, fixed, &A, &err);
							after = ctem_graph_risk(g, ov2, H, &A, &err);
							t_free(NULL, ov2);
							fixed[q / 8] &= (uint8_t) ~(1 << (q % 8));
							if (after < best_after || (after == best_after && best >= 0 && q < best))
							{
								best_after = after;
								best = q;
							}
						}
					}
				}
				ctem_graph_search_free(s, &A);
				t_free(NULL, ov);
				ov = NULL;
				if (best < 0)
					break;
				fixed[best / 8] |= (uint8_t) (1 << (best % 8));
				QCHECK(ok_fix, steps < got && fs[steps].exposure == best &&
					   fs[steps].risk_after == best_after,
					   "brute %d: fix step %d: engine %d (%.17g), brute %d (%.17g)", c,
					   steps, steps < got ? fs[steps].exposure : -1,
					   steps < got ? fs[steps].risk_after : -1.0, best, best_after);
				cur = best_after;
				steps++;
				n_fix++;
			}
			QCHECK(ok_fix, got == steps, "brute %d: fix plan of %d steps, brute %d", c, got, steps);
		}
		ctem_graph_free(g, &A);
	}
	printf("brute force: %d graphs, %ld nodes reached, %ld k paths (%ld lists of 2+), %ld chokepoints, %ld fix steps compared; %ld skipped\n",
		   ncases, n_reached, n_paths, n_multi, n_choke, n_fix, n_skipped);
	CHECK(ok_build, "brute force: builds and steps");
	CHECK(ok_overlay, "brute force: overlays");
	CHECK(ok_search, "brute force: searches from the entries (%d graphs)", ncases);
	CHECK(ok_to, "brute force: searches towards the jewels");
	CHECK(ok_k, "brute force: k paths");
	CHECK(ok_risk, "brute force: risk");
	CHECK(ok_factor, "brute force: path factor");
	CHECK(ok_er, "brute force: entries reaching");
	CHECK(ok_choke, "brute force: chokepoints");
	CHECK(ok_fix, "brute force: fix plans");
	CHECK(live == before, "brute force: %ld allocations leaked", live - before);
	free(bp);
}

/*
 * Hop limits that bind: a long likely chain next to short unlikely
 * shortcuts, where the most likely path within max_hops needs a label the
 * unlimited search would throw away.  Node 1 is reached by 0 -> 1 (0.1)
 * or 0 -> 2 -> 3 -> 1 (0.9^3); 4 hangs off 1 (0.9), 5 off 4 (0.9).
 * Within 3 hops 5 is reached only through the 1-hop label of 1:
 * 0.1 * 0.9 * 0.9 = 0.081; within 5 hops through the chain: 0.9^5.
 */
static void
test_binding_hops(void)
{
	TB			t;
	CtemGraph  *g;
	CtemGraphError err;
	CtemGraphSearch *s;
	double		factor[6];
	int			H;

	tb_init(&t, 6, 1.0);
	t.flags[0] = CTEM_NODE_ENTRY;
	t.flags[5] = CTEM_NODE_JEWEL;
	tb_edge(&t, 0, 1, 0.1, 0);
	tb_edge(&t, 0, 2, 0.9, 0);
	tb_edge(&t, 2, 3, 0.9, 0);
	tb_edge(&t, 3, 1, 0.9, 0);
	tb_edge(&t, 1, 4, 0.9, 0);
	tb_edge(&t, 4, 5, 0.9, 0);
	g = tb_build(&t);
	if (g == NULL)
		return;
	for (H = 2; H <= 6; H++)
	{
		double		want = H < 3 ? 0.0 : H < 5 ? 0.1 * 0.9 * 0.9 : 0.9 * 0.9 * 0.9 * 0.9 * 0.9;

		s = ctem_graph_search(g, NULL, NULL, 0, H, &A, &err);
		if (s == NULL)
			continue;
		CHECK(NEAR(s->prob[5], want) && s->prob[1] == (H < 3 ? 0.1 : 0.9 * 0.9 * 0.9),
			  "binding hops %d: prob %.17g (want %.17g)", H, s->prob[5], want);
		ctem_graph_search_free(s, &A);
		CHECK(ctem_graph_path_factor(g, NULL, H, factor, &A, &err) &&
			  NEAR(factor[2], H < 5 ? 0.0 : want) && NEAR(factor[1], want),
			  "binding hops %d: path factor %g %g", H, factor[1], factor[2]);
	}
	ctem_graph_free(g, &A);
}

/*
 * Timing on an enterprise-shaped graph
 */

typedef struct Gen Gen;
static void gen_enterprise(Gen *G, int32_t n);
static void gen_free(Gen *G);
static CtemGraph *gen_graph(Gen *G);

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

struct Gen
{
	int32_t		n;
	int32_t		m;
	int32_t		cap;
	uint8_t    *flags;
	int32_t    *exp_off;
	double	   *exp_p;
	int32_t		nexp;
	int32_t    *src;
	int32_t    *dst;
	double	   *p;
	uint8_t    *exploit;
};

static void
gen_edge(Gen *G, int32_t s, int32_t d, double p, int exploit)
{
	if (s == d || G->m >= G->cap)
		return;
	G->src[G->m] = s;
	G->dst[G->m] = d;
	G->p[G->m] = p;
	G->exploit[G->m] = (uint8_t) exploit;
	G->m++;
}

/*
 * Tiers, in node order: DMZ (2%, the entry points), application servers
 * (15%, in service clusters of 100), databases (4%; every 40th is a crown
 * jewel), domain controllers (0.04%, crown jewels), the rest workstations
 * in 20 sites; one workstation in 400 is an admin's.  Edges: DMZ -> apps
 * of its cluster, app -> app within the cluster, app -> DB, DB
 * replication, workstation lateral movement within the site, workstation
 * -> app, admin workstations (hubs) -> many servers and the domain
 * controllers (tier 0: only admins and a few service accounts reach a
 * DC), DC -> servers; about 10 per asset.  Exposures: 0-3 per asset,
 * mostly unlikely, some likely.
 */
static void
gen_enterprise(Gen *G, int32_t n)
{
	int32_t		ndmz = n / 50;
	int32_t		napp = n * 15 / 100;
	int32_t		ndb = n / 25;
	int32_t		ndc = n / 2500 > 2 ? n / 2500 : 2;
	int32_t		app0 = ndmz;
	int32_t		db0 = app0 + napp;
	int32_t		dc0 = db0 + ndb;
	int32_t		ws0 = dc0 + ndc;
	int32_t		nws = n - ws0;
	int32_t		nclusters = napp / 100 > 1 ? napp / 100 : 1;
	int32_t		nsites = 20;
	int32_t		v;
	int32_t		i;

	memset(G, 0, sizeof(Gen));
	G->n = n;
	G->cap = n * 11;
	G->flags = calloc(n, 1);
	G->exp_off = malloc(sizeof(int32_t) * (n + 1));
	G->exp_p = malloc(sizeof(double) * n * 3);
	G->src = malloc(sizeof(int32_t) * G->cap);
	G->dst = malloc(sizeof(int32_t) * G->cap);
	G->p = malloc(sizeof(double) * G->cap);
	G->exploit = malloc(G->cap);
	rng_state = 42;
	for (v = 0; v < n; v++)
	{
		int			ne = rng_int(4);

		G->exp_off[v] = G->nexp;
		if (v >= ws0 && rng_int(10) < 4)
			ne = 0;
		for (i = 0; i < ne; i++)
			G->exp_p[G->nexp++] = rng_int(10) == 0 ? 0.5 + 0.47 * rng_unit()
				: 0.01 + 0.2 * rng_unit();
		if (v < ndmz)
			G->flags[v] |= CTEM_NODE_ENTRY;
		if ((v >= db0 && v < dc0 && (v - db0) % 40 == 0) || (v >= dc0 && v < ws0))
			G->flags[v] |= CTEM_NODE_JEWEL;
	}
	G->exp_off[n] = G->nexp;
	for (v = 0; v < ndmz; v++)
	{
		int32_t		cl = rng_int(nclusters);

		for (i = 0; i < 20; i++)
			gen_edge(G, v, app0 + (cl * 100 + rng_int(100)) % napp,
					 0.3 + 0.6 * rng_unit(), rng_int(10) < 7);
	}
	for (v = app0; v < db0; v++)
	{
		int32_t		cl = (v - app0) / 100;

		for (i = 0; i < 15; i++)
			gen_edge(G, v, app0 + (cl * 100 + rng_int(100)) % napp,
					 0.1 + 0.6 * rng_unit(), rng_int(2));
		for (i = 0; i < 5; i++)
			gen_edge(G, v, db0 + ((cl * 13 + rng_int(40)) % ndb),
					 0.2 + 0.6 * rng_unit(), rng_int(2));
		if (rng_int(100) == 0)	/* a service account of domain admin */
			gen_edge(G, v, dc0 + rng_int(ndc), 0.05 + 0.3 * rng_unit(), 0);
	}
	for (v = db0; v < dc0; v++)
		for (i = 0; i < 5; i++)
			gen_edge(G, v, db0 + rng_int(ndb), 0.1 + 0.5 * rng_unit(), rng_int(2));
	for (v = dc0; v < ws0; v++)
		for (i = 0; i < 200; i++)
			gen_edge(G, v, app0 + rng_int(napp + ndb), 0.9, 0);
	for (v = ws0; v < n; v++)
	{
		int32_t		site = (v - ws0) % nsites;
		int32_t		per = nws / nsites > 1 ? nws / nsites : 1;

		for (i = 0; i < 7; i++)
			gen_edge(G, v, ws0 + (site + nsites * rng_int(per)) % nws,
					 0.05 + 0.4 * rng_unit(), rng_int(2));
		gen_edge(G, v, app0 + rng_int(napp), 0.1 + 0.5 * rng_unit(), rng_int(2));
		if ((v - ws0) % 400 == 0)	/* an admin workstation: a hub */
		{
			for (i = 0; i < 200; i++)
				gen_edge(G, v, app0 + rng_int(napp + ndb), 0.5 + 0.4 * rng_unit(), 0);
			for (i = 0; i < ndc; i++)
				gen_edge(G, v, dc0 + i, 0.6 + 0.3 * rng_unit(), 0);
		}
	}
	/* a few phished workstations reach in from the DMZ side */
	for (v = 0; v < ndmz; v += 10)
		gen_edge(G, v, ws0 + rng_int(nws), 0.2, 1);
}

static void
gen_free(Gen *G)
{
	free(G->flags);
	free(G->exp_off);
	free(G->exp_p);
	free(G->src);
	free(G->dst);
	free(G->p);
	free(G->exploit);
}

static CtemGraph *
gen_graph(Gen *G)
{
	CtemGraphInput in;
	CtemGraphError err;
	CtemGraph  *g;

	memset(&in, 0, sizeof(in));
	in.n = G->n;
	in.flags = G->flags;
	in.exp_off = G->exp_off;
	in.exp_p = G->exp_p;
	in.baseline = 0.3;
	in.m = G->m;
	in.src = G->src;
	in.dst = G->dst;
	in.p = G->p;
	in.exploit = G->exploit;
	g = ctem_graph_build(&in, &A, &err);
	if (g == NULL)
		printf("build failed: %s\n", err.message);
	return g;
}

/*
 * A mid-size enterprise graph (3000 assets), the functions checked against
 * each other for hop limits that bind and that do not: the risk is the sum
 * of the search's jewel probabilities, k paths start with the search's
 * path and are sorted loopless paths within the limit, the best entry
 * towards a jewel matches, path factors are bounded by the risk's terms,
 * every chokepoint's reduction and fix step's risk equal ctem_graph_risk
 * on the overlay, bit for bit.  Long loops call the interrupt hook.
 */
static void
test_consistency(void)
{
	Gen			G;
	CtemGraph  *g;
	CtemGraphError err;
	static const int hops[] = {2, 3, 5, 8, 64};
	int			hi;
	bool		ok = true;
	long		before_int = ninterrupts;

	gen_enterprise(&G, 3000);
	g = gen_graph(&G);
	CHECK(g != NULL, "consistency: build");
	if (g == NULL)
	{
		gen_free(&G);
		return;
	}
	for (hi = 0; hi < (int) (sizeof(hops) / sizeof(hops[0])); hi++)
	{
		int			H = hops[hi];
		CtemGraphSearch *s = ctem_graph_search(g, NULL, NULL, 0, H, &A, &err);
		double	   *factor = malloc(sizeof(double) * g->n);
		double		risk = ctem_graph_risk(g, NULL, H, &A, &err);
		double		sum = 0.0;
		double		maxj = 0.0;
		CtemChokepoint cp[5];
		CtemFixStep fs[3];
		int			ncp;
		int			nfs;
		int			i;
		int			nj = 0;
		int32_t		v;

		QCHECK(ok, s != NULL && risk >= 0, "consistency H %d: search/risk", H);
		if (s == NULL)
			break;
		for (v = 0; v < g->n; v++)
		{
			if (!(g->flags[v] & CTEM_NODE_JEWEL))
				continue;
			sum += s->prob[v];
			maxj = fmax(maxj, s->prob[v]);
		}
		QCHECK(ok, sum == risk, "consistency H %d: risk %.17g, sum %.17g", H, risk, sum);
		QCHECK(ok, ctem_graph_path_factor(g, NULL, H, factor, &A, &err),
			   "consistency H %d: path factor", H);
		for (v = 0; v < g->n; v++)
		{
			QCHECK(ok, factor[v] >= 0 && factor[v] <= maxj * (1 + 1e-12),
				   "consistency H %d: factor of %d %.17g above %.17g", H, v, factor[v], maxj);
			if (g->flags[v] & CTEM_NODE_JEWEL)
				QCHECK(ok, factor[v] >= s->prob[v] * (1 - 1e-12),
					   "consistency H %d: jewel %d factor %.17g below %.17g", H, v,
					   factor[v], s->prob[v]);
		}
		for (v = 0; v < g->n && nj < 8; v++)
		{
			CtemGraphPath paths[6];
			int32_t		edges[CTEM_GRAPH_MAX_HOPS];
			int			k;
			int			h;
			CtemGraphSearch *st;
			double		best = 0.0;
			int32_t		u;

			if (!(g->flags[v] & CTEM_NODE_JEWEL) || s->prob[v] == 0.0)
				continue;
			nj++;
			k = ctem_graph_k_paths(g, NULL, v, 6, H, paths, &A, &err);
			h = ctem_graph_search_path(g, s, v, edges);
			QCHECK(ok, k >= 1 && paths[0].prob == s->prob[v] && paths[0].hops == h &&
				   memcmp(paths[0].edges, edges, sizeof(int32_t) * h) == 0,
				   "consistency H %d: jewel %d: first path is not the search's", H, v);
			for (i = 0; i < k; i++)
			{
				QCHECK(ok, paths[i].hops <= H && (g->flags[paths[i].entry] & CTEM_NODE_ENTRY) &&
					   path_prob(g, NULL, paths[i].edges, paths[i].hops) == paths[i].prob,
					   "consistency H %d: jewel %d: path %d", H, v, i);
				if (i > 0)
					QCHECK(ok, paths[i].prob <= paths[i - 1].prob * (1 + 1e-11),
						   "consistency H %d: jewel %d: paths out of order", H, v);
				{
					/* loopless: no node twice */
					int			a2;
					int			b2;
					int32_t		nodes[CTEM_GRAPH_MAX_HOPS + 1];

					nodes[0] = paths[i].entry;
					for (a2 = 0; a2 < paths[i].hops; a2++)
					{
						QCHECK(ok, g->src[paths[i].edges[a2]] == nodes[a2],
							   "consistency: path not connected");
						nodes[a2 + 1] = g->dst[paths[i].edges[a2]];
					}
					for (a2 = 0; a2 <= paths[i].hops; a2++)
						for (b2 = a2 + 1; b2 <= paths[i].hops; b2++)
							QCHECK(ok, nodes[a2] != nodes[b2], "consistency: path loops");
				}
			}
			if (k > 0)
				ctem_graph_paths_free(paths, k, &A);
			st = ctem_graph_search_to(g, NULL, &v, 1, H, &A, &err);
			for (u = 0; st != NULL && u < g->n; u++)
				if (g->flags[u] & CTEM_NODE_ENTRY)
					best = fmax(best, st->prob[u]);
			QCHECK(ok, st != NULL && NEAR(best, s->prob[v]),
				   "consistency H %d: jewel %d: best entry towards it %.17g vs %.17g",
				   H, v, best, s->prob[v]);
			ctem_graph_search_free(st, &A);
			QCHECK(ok, ctem_graph_entries_reaching(g, NULL, v, H, &A, &err) >= 1,
				   "consistency H %d: entries reaching %d", H, v);
		}
		ncp = ctem_graph_chokepoints(g, 5, H, cp, &A, &err);
		QCHECK(ok, ncp >= 0, "consistency H %d: chokepoints: %s", H, err.message);
		for (i = 0; i < ncp; i++)
		{
			uint8_t    *fixed = calloc((g->exp_off[g->n] + 7) / 8 + 1, 1);
			double	   *ov;
			int32_t		q;

			for (q = g->exp_off[cp[i].node]; q < g->exp_off[cp[i].node + 1]; q++)
				fixed[q / 8] |= (uint8_t) (1 << (q % 8));
			ov = ctem_graph_overlay(g, fixed, &A, &err);
			QCHECK(ok, risk - ctem_graph_risk(g, ov, H, &A, &err) == cp[i].risk_reduction,
				   "consistency H %d: chokepoint %d reduction", H, cp[i].node);
			if (i > 0)
				QCHECK(ok, cp[i].risk_reduction <= cp[i - 1].risk_reduction,
					   "consistency H %d: chokepoints out of order", H);
			t_free(NULL, ov);
			free(fixed);
		}
		nfs = ctem_graph_fix_plan(g, 3, H, fs, &A, &err);
		QCHECK(ok, nfs >= 0, "consistency H %d: fix plan", H);
		{
			uint8_t    *fixed = calloc((g->exp_off[g->n] + 7) / 8 + 1, 1);
			double		prev = risk;

			for (i = 0; i < nfs; i++)
			{
				double	   *ov;
				double		r;

				fixed[fs[i].exposure / 8] |= (uint8_t) (1 << (fs[i].exposure % 8));
				ov = ctem_graph_overlay(g, fixed, &A, &err);
				r = ctem_graph_risk(g, ov, H, &A, &err);
				QCHECK(ok, r == fs[i].risk_after && r < prev,
					   "consistency H %d: fix step %d: %.17g vs %.17g", H, i, fs[i].risk_after, r);
				QCHECK(ok, fs[i].exposure >= g->exp_off[fs[i].node] &&
					   fs[i].exposure < g->exp_off[fs[i].node + 1],
					   "consistency H %d: fix step %d node", H, i);
				prev = r;
				t_free(NULL, ov);
			}
			free(fixed);
		}
		ctem_graph_search_free(s, &A);
		free(factor);
	}
	CHECK(ok, "consistency: functions agree on a 3000-asset graph");
	CHECK(ninterrupts > before_int, "consistency: the interrupt hook was called");
	ctem_graph_free(g, &A);
	gen_free(&G);
}

static void
test_timing(int32_t n)
{
	Gen			G;
	CtemGraphError err;
	CtemGraph  *g;
	CtemGraphSearch *s;
	CtemGraphPath paths[CTEM_GRAPH_MAX_K];
	CtemChokepoint cp[20];
	CtemFixStep fs[5];
	double	   *factor;
	double	   *ov;
	double		t0;
	double		risk;
	int32_t		jewel = -1;
	int32_t		median = -1;
	int32_t		v;
	int			k;
	int			H;
	int			rep;
	double		best;

	gen_enterprise(&G, n);
	t0 = now_ms();
	g = gen_graph(&G);
	CHECK(g != NULL, "timing: build");
	if (g == NULL)
	{
		gen_free(&G);
		return;
	}
	printf("timing: %d assets, %d edges, %d exposures, %d entries, %d jewels\n",
		   g->n, g->m, g->exp_off[g->n], g->nentries, g->njewels);
	printf("timing: build %.1f ms, %.1f MB (ctem_graph_size %.1f MB)\n", now_ms() - t0,
		   g->bytes / 1048576.0, ctem_graph_size(g->n, g->m, g->exp_off[g->n]) / 1048576.0);
	/* the jewel reached best */
	s = ctem_graph_search(g, NULL, NULL, 0, 64, &A, &err);
	if (s != NULL)
	{
		int			maxh = 0;

		for (v = 0; v < g->n; v++)
		{
			if ((g->flags[v] & CTEM_NODE_JEWEL) && s->prob[v] > 0 &&
				(jewel < 0 || s->prob[v] < s->prob[jewel]))
				jewel = v;
			if (s->hops[v] > maxh)
				maxh = s->hops[v];
		}
		printf("timing: unlimited best paths have up to %d hops; least likely reached jewel %d at %.3g\n",
			   maxh, jewel, jewel >= 0 ? s->prob[jewel] : 0.0);
		ctem_graph_search_free(s, &A);
	}
	if (jewel < 0)
		jewel = g->n - 1;
	/* and the median reached jewel */
	s = ctem_graph_search(g, NULL, NULL, 0, 64, &A, &err);
	if (s != NULL)
	{
		double		probs[4096];
		int			np = 0;
		int			i;

		for (v = 0; v < g->n && np < 4096; v++)
			if ((g->flags[v] & CTEM_NODE_JEWEL) && s->prob[v] > 0)
				probs[np++] = s->prob[v];
		for (i = 1; i < np; i++)	/* insertion sort, few */
		{
			double		x = probs[i];
			int			j = i;

			while (j > 0 && probs[j - 1] > x)
			{
				probs[j] = probs[j - 1];
				j--;
			}
			probs[j] = x;
		}
		for (v = 0; v < g->n && np > 0; v++)
			if ((g->flags[v] & CTEM_NODE_JEWEL) && s->prob[v] == probs[np / 2])
			{
				median = v;
				break;
			}
		printf("timing: median jewel %d at %.3g\n", median, median >= 0 ? s->prob[median] : 0.0);
		ctem_graph_search_free(s, &A);
	}
	if (median < 0)
		median = jewel;
	for (H = 6; H <= 64; H = H == 6 ? 12 : 64 + 1)
	{
		int			h = H > 64 ? 64 : H;

		printf("timing: max_hops %d\n", h);
		for (rep = 0, best = 1e9; rep < 3; rep++)
		{
			t0 = now_ms();
			s = ctem_graph_search(g, NULL, NULL, 0, h, &A, &err);
			best = fmin(best, now_ms() - t0);
			ctem_graph_search_free(s, &A);
		}
		printf("  search from all %d entries      %8.1f ms\n", g->nentries, best);
		for (rep = 0, best = 1e9; rep < 3; rep++)
		{
			t0 = now_ms();
			s = ctem_graph_search_to(g, NULL, &jewel, 1, h, &A, &err);
			best = fmin(best, now_ms() - t0);
			ctem_graph_search_free(s, &A);
		}
		printf("  search_to one jewel               %8.1f ms\n", best);
		for (rep = 0, best = 1e9; rep < 3; rep++)
		{
			t0 = now_ms();
			k = ctem_graph_k_paths(g, NULL, median, 1, h, paths, &A, &err);
			best = fmin(best, now_ms() - t0);
			if (k > 0)
				ctem_graph_paths_free(paths, k, &A);
		}
		printf("  k_paths k=1, median jewel         %8.1f ms\n", best);
		for (rep = 0, best = 1e9; rep < 3; rep++)
		{
			t0 = now_ms();
			k = ctem_graph_k_paths(g, NULL, median, 5, h, paths, &A, &err);
			best = fmin(best, now_ms() - t0);
			if (k > 0)
				ctem_graph_paths_free(paths, k, &A);
		}
		printf("  k_paths k=5, median jewel         %8.1f ms\n", best);
		for (rep = 0, best = 1e9; rep < 3; rep++)
		{
			t0 = now_ms();
			k = ctem_graph_k_paths(g, NULL, jewel, 1, h, paths, &A, &err);
			best = fmin(best, now_ms() - t0);
			if (k > 0)
				ctem_graph_paths_free(paths, k, &A);
		}
		printf("  k_paths k=1, least likely jewel   %8.1f ms\n", best);
		t0 = now_ms();
		k = ctem_graph_k_paths(g, NULL, jewel, 5, h, paths, &A, &err);
		printf("  k_paths k=5, least likely jewel   %8.1f ms (%d paths, best %.3g)\n",
			   now_ms() - t0, k, k > 0 ? paths[0].prob : 0.0);
		if (k > 0)
			ctem_graph_paths_free(paths, k, &A);
		t0 = now_ms();
		k = ctem_graph_k_paths(g, NULL, jewel, 20, h, paths, &A, &err);
		printf("  k_paths k=20, least likely jewel  %8.1f ms (%d paths)\n", now_ms() - t0, k);
		if (k > 0)
			ctem_graph_paths_free(paths, k, &A);
		t0 = now_ms();
		risk = ctem_graph_risk(g, NULL, h, &A, &err);
		printf("  risk                              %8.1f ms (%.4f)\n", now_ms() - t0, risk);
		factor = malloc(sizeof(double) * g->n);
		t0 = now_ms();
		CHECK(ctem_graph_path_factor(g, NULL, h, factor, &A, &err), "timing: path factor");
		printf("  path factor of every node         %8.1f ms\n", now_ms() - t0);
		free(factor);
		t0 = now_ms();
		k = ctem_graph_entries_reaching(g, NULL, jewel, h, &A, &err);
		printf("  entries reaching one jewel        %8.1f ms (%d)\n", now_ms() - t0, k);
		t0 = now_ms();
		k = ctem_graph_chokepoints(g, 20, h, cp, &A, &err);
		printf("  chokepoints top 20                %8.1f ms (%d; best node %d removes %.4f)\n",
			   now_ms() - t0, k, k > 0 ? cp[0].node : -1, k > 0 ? cp[0].risk_reduction : 0.0);
		t0 = now_ms();
		k = ctem_graph_fix_plan(g, 5, h, fs, &A, &err);
		printf("  fix plan of 5                     %8.1f ms (%d steps; risk after %.4f)\n",
			   now_ms() - t0, k, k > 0 ? fs[k - 1].risk_after : 0.0);
	}
	t0 = now_ms();
	ov = ctem_graph_overlay(g, NULL, &A, &err);
	printf("timing: overlay %.1f ms\n", now_ms() - t0);
	t_free(NULL, ov);
	ctem_graph_free(g, &A);
	gen_free(&G);
}

int
main(void)
{
	const char *bench = getenv("CTEM_GRAPH_BENCH_N");
	const char *cases = getenv("CTEM_GRAPH_BRUTE_CASES");
	int32_t		n = bench != NULL ? atoi(bench) : 100000;

	test_chain_hops();
	test_exploitability();
	test_exploit_off_and_zero();
	test_validation();
	test_cycle();
	test_entry_jewel();
	test_yen_order();
	test_chokepoint_fix();
	test_binding_hops();
	test_alloc_failures();
	test_brute_force(cases != NULL ? atoi(cases) : 20000);
	test_consistency();
	CHECK(live == 0, "%ld allocations leaked", live);
	if (n > 0)
		test_timing(n);
	CHECK(live == 0, "%ld allocations leaked after timing", live);
	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed > 0 ? 1 : 0;
}
