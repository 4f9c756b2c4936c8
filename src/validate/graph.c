/*-------------------------------------------------------------------------
 *
 * graph.c
 *		A tenant's attack graph, read from ctem.asset, ctem.asset_edge and
 *		ctem.exposure, mapped to the dense indices of the graph engine
 *		(core/graph/graph_core.c) and cached per backend and tenant.
 *
 * The cache.  Each tenant's graph lives in a memory context of its own
 * under "ctem graph cache" (under TopMemoryContext), with the key it was
 * read under: the numbers of the tenant's ctem.graph_change rows the
 * snapshot saw, the file node of ctem.graph_change (a TRUNCATE, or a new
 * install after DROP EXTENSION, starts numbers again: the file node differs),
 * and the active policy row as text (its exploit_baseline, and the L and V
 * weights behind the stored scores).  A call reads the key (one index range
 * of the log and the policy, as the extension's owner); when it is the
 * cached one the graph is current for the call's snapshot (graph_log.c and
 * docs/attack-paths.md have the argument), else the graph is read anew:
 *	- the range of the tenant's asset ids and the tables' sizes (one query),
 *	- the entry points and crown jewels of the tenant (one query),
 *	- its edges (one query, unsorted: sorted by id here unless they come
 *	  in id order, as a sequential scan most often returns them),
 *	- the open exposures of the assets some edge needs an exploit of, with
 *	  p = L x V read in C from their stored scores, each distinct stored
 *	  explanation decompressed and read once (one query: one descent of
 *	  exposure_asset_idx per such asset when they are few next to the
 *	  exposures, else a scan of the tenant's open exposures),
 * as the caller, with the call's snapshot, each row going straight from the
 * executor into arrays (a DestReceiver).  Asset ids become dense indices
 * through a direct array over the tenant's id range (a hash table for ids
 * outside it, or when the range is too sparse): each id gets a provisional
 * index when first met, and the provisional indices are renumbered in id
 * order, so node order is asset id order.  The edge ids and kinds are read
 * into the graph's own context, so they are not copied.  A read reports
 * its phases' times at DEBUG2.
 *
 * Not cached: a tenant whose log is empty (not logged yet, see graph_log.c:
 * no change of it is logged, so no key could tell), or a caller to whom
 * row-level security applies on ctem's tables (the rows read depend on the
 * caller).  Such a graph is read for the call and lives in the caller's
 * memory context.  Privileges are checked on every call, cached or not (on
 * the columns read, as the query reading them would), so a role without
 * SELECT on the tables gets no graph that another role read.
 *
 * Memory.  The graphs of all tenants together stay within
 * ctem.graph_cache_mb: before a graph is built, the graphs of other tenants
 * are dropped, least recently used first, until it fits; a graph that does
 * not fit alone is an error with a hint.  The engine allocates through a
 * CtemGraphAlloc on palloc in the graph's context, the scratch of a query in
 * a short-lived one, and calls CHECK_FOR_INTERRUPTS in its loops.
 *
 * src/validate/graph.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "common/common.h"
#include "common/tenant.h"
#include "guc.h"
#include "validate/graph.h"

const char *const ctem_edge_kind_labels[] = {
	"network", "credential", "trust", "lateral", "runs_on", "other", NULL
};

/* the cached graphs, in cache_cxt */
static MemoryContext cache_cxt = NULL;
static CtemTenantGraph **cache = NULL;
static int	ncache = 0;
static int	cache_room = 0;
static uint64 use_clock = 0;

/* the phases of the last read, in ms, for a DEBUG2 message (benchmarks) */
typedef enum ReadPhase
{
	PHASE_KEY,
	PHASE_NODES,
	PHASE_EDGES,
	PHASE_EXPOSURES,
	PHASE_MAP,
	PHASE_ENGINE,
	NPHASES
} ReadPhase;

static double phase_ms[NPHASES];
static instr_time phase_start;

/* the time since the last call (or the read's start) goes to phase */
static void
phase_end(ReadPhase phase)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, phase_start);
	phase_ms[phase] += INSTR_TIME_GET_MILLISEC(now);
	INSTR_TIME_SET_CURRENT(phase_start);
}

static SPIPlanPtr access_plan = NULL;
static SPIPlanPtr key_plan = NULL;
static SPIPlanPtr nodes_plan = NULL;
static SPIPlanPtr edges_plan = NULL;
static SPIPlanPtr exposures_plan = NULL;
static SPIPlanPtr exposures_scan_plan = NULL;
static SPIPlanPtr sizes_plan = NULL;

/* ------------------------------------------------------------------------
 * The engine's allocator and errors
 * ------------------------------------------------------------------------ */

static void *
graph_alloc(void *arg, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) arg, Max(size, 1),
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
graph_free(void *arg, void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

static void
graph_interrupt(void *arg)
{
	CHECK_FOR_INTERRUPTS();
}

void
ctem_graph_allocator(CtemGraphAlloc *a, MemoryContext cxt)
{
	a->alloc = graph_alloc;
	a->free = graph_free;
	a->interrupt = graph_interrupt;
	a->arg = cxt;
}

void
ctem_graph_fail(const char *what, const CtemGraphError *err)
{
	bool		oom = strncmp(err->message, "out of memory", 13) == 0;

	ereport(ERROR,
			(errcode(oom ? ERRCODE_OUT_OF_MEMORY : ERRCODE_INTERNAL_ERROR),
			 errmsg("could not %s: %s", what, err->message)));
}

/* ------------------------------------------------------------------------
 * Asset ids to dense indices
 * ------------------------------------------------------------------------ */

typedef struct IdEntry
{
	int64		id;
	int32		index;			/* provisional: order of first meeting */
	char		status;
} IdEntry;

#define SH_PREFIX idmap
#define SH_ELEMENT_TYPE IdEntry
#define SH_KEY_TYPE int64
#define SH_KEY id
#define SH_HASH_KEY(tb, key) \
	hash_combine(murmurhash32((uint32) (key)), murmurhash32((uint32) ((uint64) (key) >> 32)))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * Asset ids to provisional indices: a direct array over the tenant's id
 * range when it is not too sparse (ids are mostly dense: one lookup, no
 * hashing, 4 bytes an id), a hash table for any id outside it.
 */
#define IDMAP_DIRECT_MAX	(1 << 22)	/* most slots of the direct array */

typedef struct IdMap
{
	idmap_hash *hash;
	int32	   *slot;			/* [nslots] index + 1 of id lo + i, 0: none */
	int64		lo;
	int64		nslots;			/* 0: no direct array */
	int32		n;
	int64	   *ids;			/* [n] by provisional index */
	int32		room;
} IdMap;

static int32
id_new(IdMap *map, int64 id)
{
	if (map->n == map->room)
	{
		map->room *= 2;
		map->ids = repalloc_huge(map->ids, sizeof(int64) * map->room);
	}
	map->ids[map->n] = id;
	return map->n++;
}

static inline bool
id_direct(const IdMap *map, int64 id)
{
	return id >= map->lo && (uint64) id - (uint64) map->lo < (uint64) map->nslots;
}

static int32
id_index(IdMap *map, int64 id)
{
	bool		found;
	IdEntry    *e;

	if (id_direct(map, id))
	{
		int32	   *s = &map->slot[id - map->lo];

		if (*s == 0)
			*s = id_new(map, id) + 1;
		return *s - 1;
	}
	e = idmap_insert(map->hash, id, &found);
	if (!found)
		e->index = id_new(map, id);
	return e->index;
}

/* the provisional index of id, -1 when it was not met */
static int32
id_find(IdMap *map, int64 id)
{
	IdEntry    *e;

	if (id_direct(map, id))
		return map->slot[id - map->lo] - 1;
	e = idmap_lookup(map->hash, id);
	return e != NULL ? e->index : -1;
}

typedef struct IdPos
{
	int64		id;
	int32		prov;
} IdPos;

static int
cmp_idpos(const void *a, const void *b)
{
	int64		x = ((const IdPos *) a)->id;
	int64		y = ((const IdPos *) b)->id;

	return (x > y) - (x < y);
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* an exposure on its way into the graph: by node, then by id */
typedef struct ExpRow
{
	int32		node;
	int64		id;
	double		p;
} ExpRow;

static int
cmp_exprow(const void *a, const void *b)
{
	const ExpRow *x = (const ExpRow *) a;
	const ExpRow *y = (const ExpRow *) b;

	if (x->node != y->node)
		return (x->node > y->node) - (x->node < y->node);
	return (x->id > y->id) - (x->id < y->id);
}

int32
ctem_graph_node(const CtemTenantGraph *tg, int64 asset_id)
{
	const int64 *ids = tg->asset_ids;
	int32		lo = 0,
				hi = tg->g->n - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (ids[mid] == asset_id)
			return mid;
		if (ids[mid] < asset_id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ------------------------------------------------------------------------
 * The cache
 * ------------------------------------------------------------------------ */

static Size
cache_limit(void)
{
	return (Size) ctem_graph_cache_mb * 1024 * 1024;
}

static Size
cache_total(void)
{
	Size		total = 0;

	for (int i = 0; i < ncache; i++)
		total += cache[i]->bytes;
	return total;
}

static void
cache_drop(int i)
{
	MemoryContextDelete(cache[i]->cxt);
	cache[i] = cache[--ncache];
}

/* drop the least recently used graphs but keep until total + need fits */
static void
cache_make_room(Size need, const CtemTenantGraph *keep)
{
	while (ncache > 0 && cache_total() + need > cache_limit())
	{
		int			lru = -1;

		for (int i = 0; i < ncache; i++)
			if (cache[i] != keep && (lru < 0 || cache[i]->used < cache[lru]->used))
				lru = i;
		if (lru < 0)
			break;
		cache_drop(lru);
	}
}

static int
cache_find(int32 tenant)
{
	for (int i = 0; i < ncache; i++)
		if (cache[i]->tenant == tenant)
			return i;
	return -1;
}

static void
cache_add(CtemTenantGraph *tg)
{
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "ctem graph cache",
										  ALLOCSET_SMALL_SIZES);
	if (ncache == cache_room)
	{
		int			room = cache_room == 0 ? 8 : cache_room * 2;

		cache = cache == NULL ?
			MemoryContextAlloc(cache_cxt, sizeof(CtemTenantGraph *) * room) :
			repalloc(cache, sizeof(CtemTenantGraph *) * room);
		cache_room = room;
	}
	MemoryContextSetParent(tg->cxt, cache_cxt);
	tg->cached = true;
	cache[ncache++] = tg;
	/* what it really takes may be a little more than foreseen */
	cache_make_room(0, tg);
}

/* ------------------------------------------------------------------------
 * Reading the key and the graph
 * ------------------------------------------------------------------------ */

/* what a call reads before it knows whether the cached graph is current */
typedef struct GraphKey
{
	Oid			owner;			/* of ctem.graph_change */
	Oid			log_filenode;
	bool		row_security;	/* applies to the caller on ctem's tables */
	int			nseq;			/* -1: the tenant has no log row */
	int64	   *seq;
	char	   *policy;			/* NULL: no active policy */
	double		baseline;
	int			path_max_hops;
} GraphKey;

/* the columns a graph reads, by table: the caller needs SELECT on them */
static const char *const asset_columns[] = {
	"tenant_id", "id", "internet_facing", "crown_jewel", "tags", NULL
};
static const char *const edge_columns[] = {
	"tenant_id", "id", "source_asset_id", "target_asset_id", "kind", "probability",
	"exploit_required", NULL
};
static const char *const exposure_columns[] = {
	"tenant_id", "id", "asset_id", "status", "score_explain", NULL
};

/*
 * The caller may read the columns of rel the graph reads (or the whole
 * table): else the error reading them would raise, even when the graph is
 * cached.
 */
static void
check_access(Oid rel, const char *const *columns)
{
	Oid			user = GetUserId();

	if (pg_class_aclcheck(rel, user, ACL_SELECT) == ACLCHECK_OK)
		return;
	for (int i = 0; columns[i] != NULL; i++)
	{
		AttrNumber	att = get_attnum(rel, columns[i]);

		if (att == InvalidAttrNumber ||
			pg_attribute_aclcheck(rel, att, user, ACL_SELECT) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(rel));
	}
}

/*
 * The caller's side (privileges on the columns the graph reads, row-level
 * security), then the owner's (the tenant's log, the active policy).
 * Connected to SPI; values copied into cxt.
 */
static void
read_key(int32 tenant, GraphKey *key, MemoryContext cxt)
{
	Oid			type = INT4OID;
	Datum		v = Int32GetDatum(tenant);
	CtemSavedUser save;
	bool		isnull;
	Datum		d;
	HeapTuple	tup;
	TupleDesc	desc;
	int			rc;

	ctem_spi_keep_plan(&access_plan,
					   "SELECT c.relowner, pg_catalog.pg_relation_filenode(c.oid), "
					   "pg_catalog.row_security_active('ctem.asset'::pg_catalog.regclass) "
					   "OR pg_catalog.row_security_active('ctem.asset_edge'::pg_catalog.regclass) "
					   "OR pg_catalog.row_security_active('ctem.exposure'::pg_catalog.regclass), "
					   "'ctem.asset'::pg_catalog.regclass::pg_catalog.oid, "
					   "'ctem.asset_edge'::pg_catalog.regclass::pg_catalog.oid, "
					   "'ctem.exposure'::pg_catalog.regclass::pg_catalog.oid "
					   "FROM pg_catalog.pg_class c "
					   "WHERE c.oid OPERATOR(pg_catalog.=) 'ctem.graph_change'::pg_catalog.regclass",
					   0, NULL);
	rc = SPI_execute_plan(access_plan, NULL, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not find ctem.graph_change");
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	check_access(DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull)), asset_columns);
	check_access(DatumGetObjectId(SPI_getbinval(tup, desc, 5, &isnull)), edge_columns);
	check_access(DatumGetObjectId(SPI_getbinval(tup, desc, 6, &isnull)), exposure_columns);
	key->owner = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
	d = SPI_getbinval(tup, desc, 2, &isnull);
	key->log_filenode = isnull ? InvalidOid : DatumGetObjectId(d);
	d = SPI_getbinval(tup, desc, 3, &isnull);
	key->row_security = !isnull && DatumGetBool(d);

	ctem_spi_keep_plan(&key_plan,
					   "SELECT (SELECT pg_catalog.array_agg(g.seq ORDER BY g.seq) "
					   "FROM ctem.graph_change g WHERE g.tenant_id OPERATOR(pg_catalog.=) $1), "
					   "(SELECT p::pg_catalog.text FROM ctem.policy p WHERE p.active LIMIT 1), "
					   "(SELECT p.exploit_baseline FROM ctem.policy p WHERE p.active LIMIT 1), "
					   "(SELECT p.path_max_hops FROM ctem.policy p WHERE p.active LIMIT 1)",
					   1, &type);
	ctem_owner_begin(key->owner, &save);
	rc = SPI_execute_plan(key_plan, &v, NULL, true, 1);
	ctem_owner_end(&save);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the graph change log: %s", SPI_result_code_string(rc));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;

	d = SPI_getbinval(tup, desc, 1, &isnull);
	key->nseq = -1;
	key->seq = NULL;
	if (!isnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		int			n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));

		if (ARR_HASNULL(arr) || ARR_ELEMTYPE(arr) != INT8OID)
			elog(ERROR, "unexpected graph change log numbers");
		key->nseq = n;
		key->seq = MemoryContextAlloc(cxt, sizeof(int64) * Max(n, 1));
		memcpy(key->seq, ARR_DATA_PTR(arr), sizeof(int64) * n);
	}
	d = SPI_getbinval(tup, desc, 2, &isnull);
	key->policy = isnull ? NULL : MemoryContextStrdup(cxt, TextDatumGetCString(d));
	d = SPI_getbinval(tup, desc, 3, &isnull);
	key->baseline = isnull ? 0.05 : DatumGetFloat8(d);
	d = SPI_getbinval(tup, desc, 4, &isnull);
	key->path_max_hops = isnull ? 12 : DatumGetInt32(d);
}

static bool
key_matches(const CtemTenantGraph *tg, const GraphKey *key)
{
	if (tg->log_filenode != key->log_filenode || tg->nseq != key->nseq)
		return false;
	if ((tg->policy == NULL) != (key->policy == NULL) ||
		(tg->policy != NULL && strcmp(tg->policy, key->policy) != 0))
		return false;
	return memcmp(tg->seq, key->seq, sizeof(int64) * key->nseq) == 0;
}

/*
 * p of a stored explanation, remembered by its bytes as stored (most often
 * compressed): the exposure trigger builds each distinct explanation once
 * per statement and every row with it holds the same bytes, so a graph's
 * exposures hold far fewer distinct explanations than rows.  Same bytes,
 * same p: the memo changes no result, it saves the decompression and the
 * lookups.
 */
typedef struct ExplainMemo
{
	uint32		hash;
	char		status;
	uint32		len;
	const char *bytes;			/* a copy, in the read's scratch */
	double		p;
} ExplainMemo;

#define SH_PREFIX explmemo
#define SH_ELEMENT_TYPE ExplainMemo
#define SH_KEY_TYPE uint32
#define SH_KEY hash
#define SH_HASH_KEY(tb, key) (key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

#define EXPLAIN_MEMO_MAX	65536	/* most explanations remembered */
#define EXPLAIN_MEMO_BYTES	4096	/* longest one remembered */

/* the rows read, before they become a graph (in the read's scratch) */
typedef struct GraphRows
{
	IdMap		map;
	/* entry points and crown jewels: provisional index and flags */
	int32		nflagged;
	int32		flagged_room;
	int32	   *flagged_node;
	uint8	   *flagged_flags;
	/* edges, in id order */
	int32		m;
	int32		edge_room;
	int64	   *edge_id;
	int32	   *src;			/* provisional, then dense */
	int32	   *dst;
	double	   *p;
	uint8	   *exploit;
	uint8	   *kind;
	CtemEnumCodes kind_codes;
	/* open exposures of the assets an edge needs an exploit of */
	bool	   *target;			/* [map.n] some edge needs an exploit of it */
	int32		e;
	int32		exp_room;
	int32	   *exp_node;		/* provisional */
	int64	   *exp_id;
	double	   *exp_p;
	MemoryContext graph_cxt;	/* the graph's: edge_id and kind go there */
	explmemo_hash *memo;		/* p by explanation bytes */
	int32		nmemo;
	MemoryContext memo_cxt;
} GraphRows;

/* grow an array of the rows to room elements */
#define GROW(ptr, room) \
	((ptr) = repalloc_huge((ptr), sizeof(*(ptr)) * (Size) (room)))

/*
 * The rows of a query go straight from the executor into GraphRows: a
 * DestReceiver, not an SPI tuple table (no copy of each row; a million
 * edges take a third less time).
 */
typedef void (*RowFn) (TupleTableSlot *slot, GraphRows *r);

typedef struct RowReceiver
{
	DestReceiver pub;
	RowFn		fn;
	GraphRows  *rows;
	MemoryContext rowcxt;		/* a row's detoasted values, reset per row */
	uint64		n;
} RowReceiver;

static bool
row_receive(TupleTableSlot *slot, DestReceiver *self)
{
	RowReceiver *rr = (RowReceiver *) self;
	MemoryContext old = MemoryContextSwitchTo(rr->rowcxt);

	slot_getallattrs(slot);
	rr->fn(slot, rr->rows);
	MemoryContextSwitchTo(old);
	MemoryContextReset(rr->rowcxt);
	if ((++rr->n & 0xFFFF) == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}

static void
row_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
row_shutdown(DestReceiver *self)
{
}

static void
row_destroy(DestReceiver *self)
{
}

/* run plan with its parameters as the caller, read-only; rows to fn */
static void
run_rows(SPIPlanPtr plan, int nparams, const Oid *types, const Datum *values,
		 RowFn fn, GraphRows *rows, MemoryContext scratch)
{
	RowReceiver rr;
	SPIExecuteOptions opt;
	ParamListInfo params = makeParamList(nparams);
	int			rc;

	for (int i = 0; i < nparams; i++)
	{
		params->params[i].value = values[i];
		params->params[i].isnull = false;
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = types[i];
	}
	memset(&rr, 0, sizeof(rr));
	rr.pub.receiveSlot = row_receive;
	rr.pub.rStartup = row_startup;
	rr.pub.rShutdown = row_shutdown;
	rr.pub.rDestroy = row_destroy;
	/* not DestNone, for which SPI reports a SELECT as discarded */
	rr.pub.mydest = DestTuplestore;
	rr.fn = fn;
	rr.rows = rows;
	rr.rowcxt = AllocSetContextCreate(scratch, "ctem graph row", ALLOCSET_SMALL_SIZES);
	memset(&opt, 0, sizeof(opt));
	opt.params = params;
	opt.read_only = true;
	opt.dest = &rr.pub;
	rc = SPI_execute_plan_extended(plan, &opt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the attack graph: %s", SPI_result_code_string(rc));
	MemoryContextDelete(rr.rowcxt);
}

static void
node_row(TupleTableSlot *slot, GraphRows *r)
{
	bool		is_entry = !slot->tts_isnull[1] && DatumGetBool(slot->tts_values[1]);
	bool		is_jewel = !slot->tts_isnull[2] && DatumGetBool(slot->tts_values[2]);

	if (!is_entry && !is_jewel)
		return;
	if (r->nflagged == r->flagged_room)
	{
		r->flagged_room *= 2;
		GROW(r->flagged_node, r->flagged_room);
		GROW(r->flagged_flags, r->flagged_room);
	}
	r->flagged_node[r->nflagged] = id_index(&r->map, DatumGetInt64(slot->tts_values[0]));
	r->flagged_flags[r->nflagged] = (is_entry ? CTEM_NODE_ENTRY : 0) |
		(is_jewel ? CTEM_NODE_JEWEL : 0);
	r->nflagged++;
}

static int
edge_kind_parse(const char *label)
{
	for (int i = 0; ctem_edge_kind_labels[i] != NULL; i++)
		if (strcmp(label, ctem_edge_kind_labels[i]) == 0)
			return i;
	return CTEM_EDGE_OTHER;
}

static void
edge_row(TupleTableSlot *slot, GraphRows *r)
{
	Datum	   *v = slot->tts_values;
	int32		k;

	if (r->m == CTEM_GRAPH_MAX_ITEMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the attack graph has more than %d edges", CTEM_GRAPH_MAX_ITEMS)));
	if (r->m == r->edge_room)
	{
		r->edge_room *= 2;
		GROW(r->edge_id, r->edge_room);
		GROW(r->src, r->edge_room);
		GROW(r->dst, r->edge_room);
		GROW(r->p, r->edge_room);
		GROW(r->exploit, r->edge_room);
		GROW(r->kind, r->edge_room);
	}
	k = r->m++;
	r->edge_id[k] = DatumGetInt64(v[0]);
	r->src[k] = id_index(&r->map, DatumGetInt64(v[1]));
	r->dst[k] = id_index(&r->map, DatumGetInt64(v[2]));
	r->kind[k] = (uint8) ctem_enum_code(&r->kind_codes, v[3], edge_kind_parse);
	r->p[k] = DatumGetFloat8(v[4]);
	r->exploit[k] = DatumGetBool(v[5]) ? 1 : 0;
}

/*
 * numeric_float8 of a value, remembered by its bytes: the explanations of
 * a graph hold a handful of distinct factor values, and the conversion
 * goes through text.  (The same bytes always give the same double.)
 */
#define NUM_MEMO		64
#define NUM_MEMO_BYTES	16

typedef struct NumMemo
{
	int			len;			/* 0: empty */
	char		bytes[NUM_MEMO_BYTES];
	double		value;
} NumMemo;

static NumMemo num_memo[NUM_MEMO];

static double
numeric_double(Numeric num)
{
	int			len = VARSIZE_ANY_EXHDR(num);
	const char *bytes = VARDATA_ANY(num);
	uint32		h;
	NumMemo    *memo;

	if (len <= 0 || len > NUM_MEMO_BYTES)
		return DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(num)));
	h = hash_bytes((const unsigned char *) bytes, len) % NUM_MEMO;
	memo = &num_memo[h];
	if (memo->len != len || memcmp(memo->bytes, bytes, len) != 0)
	{
		memo->value = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(num)));
		memcpy(memo->bytes, bytes, len);
		memo->len = len;
	}
	return memo->value;
}

/*
 * A factor of a stored score explanation, {"factors": {"L": [0.9, "..."]}}:
 * its value, or dflt when the explanation has none (docs/scoring.md).
 */
static double
explain_factor(JsonbContainer *factors, const char *name, double dflt)
{
	JsonbValue	fv;
	JsonbValue *f = getKeyJsonValueFromContainer(factors, name, strlen(name), &fv);
	JsonbValue *v;

	if (f == NULL || f->type != jbvBinary)
		return dflt;
	v = getIthJsonbValueFromContainer(f->val.binary.data, 0);
	if (v == NULL || v->type != jbvNumeric)
		return dflt;
	return numeric_double(v->val.numeric);
}

/*
 * p = L x V, the likelihood and validation factors of a stored score
 * explanation (detoasted in the current context, the row's); an exposure
 * without them (only when its trigger does not score) counts as certainly
 * exploitable.
 */
static double
explain_p(Datum explain)
{
	Jsonb	   *j = DatumGetJsonbP(explain);
	JsonbValue	fv;
	JsonbValue *factors = getKeyJsonValueFromContainer(&j->root, "factors", 7, &fv);
	double		l = 1.0,
				vf = 1.0,
				p;

	if (factors != NULL && factors->type == jbvBinary)
	{
		l = explain_factor(factors->val.binary.data, "L", 1.0);
		vf = explain_factor(factors->val.binary.data, "V", 1.0);
	}
	p = l * vf;
	if (isnan(p) || p < 0.0)
		p = 0.0;
	if (p > 1.0)
		p = 1.0;
	return p;
}

/* explain_p, remembered by the datum's bytes when they are in the row */
static double
explain_p_memo(GraphRows *r, Datum explain)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(explain);
	uint32		len;
	uint32		h;
	ExplainMemo *m;
	bool		found;
	double		p;

	if (VARATT_IS_EXTERNAL(raw))
		return explain_p(explain);
	len = VARSIZE_ANY(raw);
	if (len > EXPLAIN_MEMO_BYTES)
		return explain_p(explain);
	h = hash_bytes((const unsigned char *) raw, len);
	m = explmemo_lookup(r->memo, h);
	if (m != NULL && m->len == len && memcmp(m->bytes, raw, len) == 0)
		return m->p;
	p = explain_p(explain);
	/* a hash taken by other bytes keeps them (rare: it is only a miss) */
	if (m == NULL && r->nmemo < EXPLAIN_MEMO_MAX)
	{
		m = explmemo_insert(r->memo, h, &found);
		m->len = len;
		m->bytes = MemoryContextAlloc(r->memo_cxt, len);
		memcpy((char *) m->bytes, raw, len);
		m->p = p;
		r->nmemo++;
	}
	return p;
}

static void
exposure_row(TupleTableSlot *slot, GraphRows *r)
{
	Datum	   *v = slot->tts_values;
	int32		k;
	int32		node = id_find(&r->map, DatumGetInt64(v[0]));

	/* a scan of all the tenant's open exposures: only the targets' count */
	if (node < 0 || !r->target[node])
		return;
	if (r->e == CTEM_GRAPH_MAX_ITEMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the attack graph has more than %d exposures", CTEM_GRAPH_MAX_ITEMS)));
	if (r->e == r->exp_room)
	{
		r->exp_room *= 2;
		GROW(r->exp_node, r->exp_room);
		GROW(r->exp_id, r->exp_room);
		GROW(r->exp_p, r->exp_room);
	}
	k = r->e++;
	r->exp_node[k] = node;
	r->exp_id[k] = DatumGetInt64(v[1]);
	r->exp_p[k] = slot->tts_isnull[2] ? 1.0 : explain_p_memo(r, v[2]);
}

static void
rows_init(GraphRows *r, MemoryContext cxt, MemoryContext graph_cxt, int64 lo,
		  int64 nslots, double edges, double exposures)
{
	memset(r, 0, sizeof(*r));
	r->graph_cxt = graph_cxt;
	r->map.hash = idmap_create(cxt, 1024, NULL);
	r->map.lo = lo;
	r->map.nslots = nslots;
	if (nslots > 0)
		r->map.slot = palloc_extended(sizeof(int32) * nslots, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	r->map.room = (int32) Max(1024, Min(nslots, IDMAP_DIRECT_MAX));
	r->map.ids = palloc_extended(sizeof(int64) * r->map.room, MCXT_ALLOC_HUGE);
	r->flagged_room = 256;
	r->flagged_node = palloc(sizeof(int32) * r->flagged_room);
	r->flagged_flags = palloc(sizeof(uint8) * r->flagged_room);
	r->edge_room = (int32) Max(1024, Min(edges + 1024, 1 << 24));
	r->edge_id = MemoryContextAllocExtended(graph_cxt, sizeof(int64) * r->edge_room, MCXT_ALLOC_HUGE);
	r->src = palloc_extended(sizeof(int32) * r->edge_room, MCXT_ALLOC_HUGE);
	r->dst = palloc_extended(sizeof(int32) * r->edge_room, MCXT_ALLOC_HUGE);
	r->p = palloc_extended(sizeof(double) * r->edge_room, MCXT_ALLOC_HUGE);
	r->exploit = palloc_extended(sizeof(uint8) * r->edge_room, MCXT_ALLOC_HUGE);
	r->kind = MemoryContextAllocExtended(graph_cxt, sizeof(uint8) * r->edge_room, MCXT_ALLOC_HUGE);
	r->exp_room = (int32) Max(1024, Min(exposures + 1024, 1 << 24));
	r->exp_node = palloc_extended(sizeof(int32) * r->exp_room, MCXT_ALLOC_HUGE);
	r->exp_id = palloc_extended(sizeof(int64) * r->exp_room, MCXT_ALLOC_HUGE);
	r->exp_p = palloc_extended(sizeof(double) * r->exp_room, MCXT_ALLOC_HUGE);
	r->memo_cxt = cxt;
	r->memo = explmemo_create(cxt, 256, NULL);
}

/*
 * The edges in id order: the query does not sort them (a sequential scan
 * returns them in the order they were inserted, most often the ids'), so
 * they are sorted here when they are not.
 */
static void
edges_sort(GraphRows *r)
{
	int32		m = r->m;
	IdPos	   *pos;
	int64	   *id2;
	int32	   *i2;
	double	   *d2;
	uint8	   *b2;
	int32		i;

	for (i = 1; i < m; i++)
		if (r->edge_id[i] < r->edge_id[i - 1])
			break;
	if (i >= m)
		return;
	pos = palloc_extended(sizeof(IdPos) * m, MCXT_ALLOC_HUGE);
	for (i = 0; i < m; i++)
	{
		pos[i].id = r->edge_id[i];
		pos[i].prov = i;
	}
	qsort(pos, m, sizeof(IdPos), cmp_idpos);
	id2 = MemoryContextAllocExtended(r->graph_cxt, sizeof(int64) * m, MCXT_ALLOC_HUGE);
	for (i = 0; i < m; i++)
		id2[i] = pos[i].id;
	pfree(r->edge_id);
	r->edge_id = id2;
	i2 = palloc_extended(sizeof(int32) * m, MCXT_ALLOC_HUGE);
	for (i = 0; i < m; i++)
		i2[i] = r->src[pos[i].prov];
	pfree(r->src);
	r->src = i2;
	i2 = palloc_extended(sizeof(int32) * m, MCXT_ALLOC_HUGE);
	for (i = 0; i < m; i++)
		i2[i] = r->dst[pos[i].prov];
	pfree(r->dst);
	r->dst = i2;
	d2 = palloc_extended(sizeof(double) * m, MCXT_ALLOC_HUGE);
	for (i = 0; i < m; i++)
		d2[i] = r->p[pos[i].prov];
	pfree(r->p);
	r->p = d2;
	b2 = palloc_extended(m, MCXT_ALLOC_HUGE);
	for (i = 0; i < m; i++)
		b2[i] = r->exploit[pos[i].prov];
	pfree(r->exploit);
	r->exploit = b2;
	b2 = MemoryContextAllocExtended(r->graph_cxt, m, MCXT_ALLOC_HUGE);
	for (i = 0; i < m; i++)
		b2[i] = r->kind[pos[i].prov];
	pfree(r->kind);
	r->kind = b2;
	pfree(pos);
}

/*
 * The assets some edge needs an exploit of (only their exposures make
 * steps), marked in r->target; their ids ascending into *ids, their
 * number returned.
 */
static int32
exploit_targets(GraphRows *r, ArrayType **ids)
{
	int64	   *list = palloc_extended(sizeof(int64) * Max(r->map.n, 1), MCXT_ALLOC_HUGE);
	int32		n = 0;

	r->target = palloc_extended(Max(r->map.n, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int32 i = 0; i < r->m; i++)
		if (r->exploit[i])
			r->target[r->dst[i]] = true;
	for (int32 i = 0; i < r->map.n; i++)
		if (r->target[i])
			list[n++] = r->map.ids[i];
	qsort(list, n, sizeof(int64), cmp_int64);
	*ids = ctem_int8_array(list, n);
	return n;
}

/* the plan reading the open exposures of a list of assets */
static void
keep_exposures_plan(void)
{
	Oid			types[2] = {INT4OID, INT8ARRAYOID};

	ctem_spi_keep_plan(&exposures_plan,
					   "SELECT x.asset_id, x.id, x.score_explain "
					   "FROM pg_catalog.unnest($2) t(asset_id) "
					   "JOIN ctem.exposure x ON x.tenant_id OPERATOR(pg_catalog.=) $1 "
					   "AND x.asset_id OPERATOR(pg_catalog.=) t.asset_id "
					   "WHERE x.status OPERATOR(pg_catalog.=) ANY ('{open,in_progress}'::ctem.exposure_status[])",
					   2, types);
}

/*
 * Read the tenant's rows as the caller; connected to SPI.  First the range
 * of its asset ids and the tables' sizes (for the id map and the arrays'
 * room), then the entry points and crown jewels, the edges, and the open
 * exposures of the assets some edge needs an exploit of: when these are
 * few next to the exposures, one index descent of exposure_asset_idx per
 * such asset, else one scan of the tenant's open exposures, the others
 * skipped in C.
 */
static void
read_rows(int32 tenant, GraphRows *r, MemoryContext scratch, MemoryContext graph_cxt)
{
	Oid			types[2] = {INT4OID, INT8ARRAYOID};
	Datum		values[2];
	int64		lo = 0;
	int64		nslots = 0;
	double		edges = 0;
	double		exposures = 0;
	ArrayType  *targets;
	int32		ntargets;
	bool		isnull;
	Datum		d;
	int			rc;

	ctem_spi_keep_plan(&sizes_plan,
					   "SELECT pg_catalog.min(a.id), pg_catalog.max(a.id), "
					   "(SELECT c.reltuples FROM pg_catalog.pg_class c "
					   "WHERE c.oid OPERATOR(pg_catalog.=) 'ctem.asset_edge'::pg_catalog.regclass), "
					   "(SELECT c.reltuples FROM pg_catalog.pg_class c "
					   "WHERE c.oid OPERATOR(pg_catalog.=) 'ctem.exposure'::pg_catalog.regclass) "
					   "FROM ctem.asset a WHERE a.tenant_id OPERATOR(pg_catalog.=) $1",
					   1, types);
	ctem_spi_keep_plan(&nodes_plan,
					   "SELECT a.id, "
					   "a.internet_facing IS TRUE OR a.tags OPERATOR(pg_catalog.@>) '{entry_point}'::pg_catalog.text[], "
					   "a.crown_jewel "
					   "FROM ctem.asset a WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
					   "AND (a.internet_facing OR a.crown_jewel "
					   "OR a.tags OPERATOR(pg_catalog.@>) '{entry_point}'::pg_catalog.text[])",
					   1, types);
	ctem_spi_keep_plan(&edges_plan,
					   "SELECT e.id, e.source_asset_id, e.target_asset_id, e.kind, e.probability, "
					   "e.exploit_required FROM ctem.asset_edge e "
					   "WHERE e.tenant_id OPERATOR(pg_catalog.=) $1",
					   1, types);
	keep_exposures_plan();
	ctem_spi_keep_plan(&exposures_scan_plan,
					   "SELECT x.asset_id, x.id, x.score_explain FROM ctem.exposure x "
					   "WHERE x.tenant_id OPERATOR(pg_catalog.=) $1 "
					   "AND x.status OPERATOR(pg_catalog.=) ANY ('{open,in_progress}'::ctem.exposure_status[])",
					   1, types);
	values[0] = Int32GetDatum(tenant);

	rc = SPI_execute_plan(sizes_plan, values, NULL, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read the attack graph: %s", SPI_result_code_string(rc));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
	{
		int64		hi;

		lo = DatumGetInt64(d);
		hi = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		if (!isnull && hi >= lo && (uint64) hi - (uint64) lo < IDMAP_DIRECT_MAX)
			nslots = hi - lo + 1;
	}
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull);
	if (!isnull)
		edges = DatumGetFloat4(d);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull);
	if (!isnull)
		exposures = DatumGetFloat4(d);
	SPI_freetuptable(SPI_tuptable);
	/* SPI leaves its own context current: the rows go to scratch */
	MemoryContextSwitchTo(scratch);
	rows_init(r, scratch, graph_cxt, lo, nslots, edges, exposures);
	phase_end(PHASE_KEY);

	run_rows(nodes_plan, 1, types, values, node_row, r, scratch);
	phase_end(PHASE_NODES);
	run_rows(edges_plan, 1, types, values, edge_row, r, scratch);
	MemoryContextSwitchTo(scratch);
	edges_sort(r);
	phase_end(PHASE_EDGES);
	ntargets = exploit_targets(r, &targets);
	if (ntargets > 0 && (double) ntargets * 32 < exposures)
	{
		values[1] = PointerGetDatum(targets);
		run_rows(exposures_plan, 2, types, values, exposure_row, r, scratch);
	}
	else if (ntargets > 0)
		run_rows(exposures_scan_plan, 1, types, values, exposure_row, r, scratch);
	phase_end(PHASE_EXPOSURES);
}

/*
 * Dense indices in asset id order: perm[provisional] = final; the sorted ids
 * into sorted (map.n of them).
 */
static int32 *
renumber(IdMap *map, int64 *sorted)
{
	IdPos	   *pos;
	int32	   *perm = palloc_extended(sizeof(int32) * Max(map->n, 1), MCXT_ALLOC_HUGE);
	int32		k = 0;

	/* every id in the direct array: its slots are in id order */
	if (map->nslots > 0 && map->hash->members == 0)
	{
		for (int64 i = 0; i < map->nslots; i++)
		{
			if (map->slot[i] == 0)
				continue;
			perm[map->slot[i] - 1] = k;
			sorted[k++] = map->lo + i;
		}
		Assert(k == map->n);
		return perm;
	}
	pos = palloc_extended(sizeof(IdPos) * Max(map->n, 1), MCXT_ALLOC_HUGE);
	for (int32 i = 0; i < map->n; i++)
	{
		pos[i].id = map->ids[i];
		pos[i].prov = i;
	}
	qsort(pos, map->n, sizeof(IdPos), cmp_idpos);
	for (int32 i = 0; i < map->n; i++)
	{
		perm[pos[i].prov] = i;
		sorted[i] = pos[i].id;
	}
	return perm;
}

/* what a graph of these counts holds, as counted against the cap */
static Size
graph_bytes(int32 n, int32 m, int32 e, int nseq, const char *policy)
{
	size_t		core = ctem_graph_size(n, m, e);

	if (core == SIZE_MAX)
		return SIZE_MAX;
	return core + sizeof(CtemTenantGraph) +
		sizeof(int64) * ((Size) n + m + e + Max(nseq, 0)) + (Size) m +
		(policy ? strlen(policy) + 1 : 0) + 1024;
}

/*
 * Build the graph from the rows into their graph context (r->graph_cxt);
 * checks the cap first, dropping other tenants' graphs when it is to be
 * cached.
 */
static CtemTenantGraph *
build(int32 tenant, GraphRows *r, const GraphKey *key)
{
	int32		n = r->map.n;
	int32		m = r->m;
	int32		e = r->e;
	Size		need = graph_bytes(n, m, e, key->nseq, key->policy);
	MemoryContext cxt;
	CtemTenantGraph *tg;
	int32	   *perm;
	uint8	   *flags;
	int32	   *exp_off;
	ExpRow	   *er;
	CtemGraphInput in;
	CtemGraphAlloc a;
	CtemGraphError err;

	if (need == SIZE_MAX || need > cache_limit())
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the attack graph of tenant %d needs %zu MB, more than \"ctem.graph_cache_mb\" allows",
						tenant, need == SIZE_MAX ? (Size) 0 : (need + 1024 * 1024 - 1) / (1024 * 1024)),
				 errdetail("The graph has %d assets, %d edges and %d exposures; ctem.graph_cache_mb is %d.",
						   n, m, e, ctem_graph_cache_mb),
				 errhint("Raise the limit for this session, for example SET ctem.graph_cache_mb = '%zuMB', or in postgresql.conf for every backend.",
						 need == SIZE_MAX ? (Size) 0 : (need + 1024 * 1024 - 1) / (1024 * 1024) + 1)));
	/* the other tenants' graphs make room, least recently used first */
	cache_make_room(need, NULL);

	cxt = r->graph_cxt;
	tg = MemoryContextAllocZero(cxt, sizeof(CtemTenantGraph));
	tg->cxt = cxt;
	tg->tenant = tenant;
	tg->path_max_hops = key->path_max_hops;
	tg->asset_ids = MemoryContextAllocExtended(cxt, sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
	perm = renumber(&r->map, tg->asset_ids);

	flags = palloc_extended(Max(n, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int32 i = 0; i < r->nflagged; i++)
		flags[perm[r->flagged_node[i]]] |= r->flagged_flags[i];
	for (int32 i = 0; i < m; i++)
	{
		r->src[i] = perm[r->src[i]];
		r->dst[i] = perm[r->dst[i]];
	}

	/*
	 * Exposures by node (counted into exp_off, then placed), then by id
	 * within a node (most have a few: sorted by insertion; more, by qsort)
	 */
	er = palloc_extended(sizeof(ExpRow) * Max(e, 1), MCXT_ALLOC_HUGE);
	exp_off = palloc_extended(sizeof(int32) * ((Size) n + 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (int32 j = 0; j < e; j++)
		exp_off[perm[r->exp_node[j]] + 1]++;
	for (int32 v = 0; v < n; v++)
		exp_off[v + 1] += exp_off[v];
	for (int32 j = 0; j < e; j++)
	{
		int32		v = perm[r->exp_node[j]];
		int32		at = exp_off[v]++;

		er[at].node = v;
		er[at].id = r->exp_id[j];
		er[at].p = r->exp_p[j];
	}
	for (int32 v = n; v > 0; v--)
		exp_off[v] = exp_off[v - 1];
	exp_off[0] = 0;
	for (int32 v = 0; v < n; v++)
	{
		int32		lo = exp_off[v];
		int32		cnt = exp_off[v + 1] - lo;

		if (cnt > 16)
			qsort(er + lo, cnt, sizeof(ExpRow), cmp_exprow);
		else
			for (int32 a1 = lo + 1; a1 < lo + cnt; a1++)
			{
				ExpRow		x = er[a1];
				int32		b1 = a1;

				while (b1 > lo && er[b1 - 1].id > x.id)
				{
					er[b1] = er[b1 - 1];
					b1--;
				}
				er[b1] = x;
			}
	}
	for (int32 j = 0; j < e; j++)
	{
		r->exp_id[j] = er[j].id;
		r->exp_p[j] = er[j].p;
	}

	memset(&in, 0, sizeof(in));
	in.n = n;
	in.flags = flags;
	in.exp_off = exp_off;
	in.exp_p = r->exp_p;
	in.baseline = key->baseline;
	in.m = m;
	in.src = r->src;
	in.dst = r->dst;
	in.p = r->p;
	in.exploit = r->exploit;
	ctem_graph_allocator(&a, cxt);
	phase_end(PHASE_MAP);
	tg->g = ctem_graph_build(&in, &a, &err);
	phase_end(PHASE_ENGINE);
	if (tg->g == NULL)
		ctem_graph_fail("build the attack graph", &err);

	/* read into the graph's context with room to spare: cut to size */
	tg->edge_ids = repalloc_huge(r->edge_id, sizeof(int64) * Max(m, 1));
	tg->edge_kind = repalloc_huge(r->kind, Max(m, 1));
	tg->exp_ids = MemoryContextAllocExtended(cxt, sizeof(int64) * Max(e, 1), MCXT_ALLOC_HUGE);
	memcpy(tg->exp_ids, r->exp_id, sizeof(int64) * e);
	tg->log_filenode = key->log_filenode;
	tg->nseq = key->nseq;
	tg->seq = MemoryContextAlloc(cxt, sizeof(int64) * Max(key->nseq, 1));
	if (key->nseq > 0)
		memcpy(tg->seq, key->seq, sizeof(int64) * key->nseq);
	tg->policy = key->policy ? MemoryContextStrdup(cxt, key->policy) : NULL;
	tg->bytes = MemoryContextMemAllocated(cxt, true);
	return tg;
}

/* ------------------------------------------------------------------------
 * Patching: an edge statement's changes applied to the cached graph
 *
 * When an edge statement's refresh asks for the graph (fresh snapshot) and
 * the key it reads is the cached graph's key plus the one row the statement
 * just wrote, the new graph is the cached one with the statement's edge rows
 * of the tenant replaced: the edges whose ids the transition tables name
 * leave, the new rows come in.  Only what a full read would take from
 * other tables for the assets these edges touch is read: whether each
 * still exists and is an entry point or a crown jewel (one query; an
 * asset missing, or a node's flags differing from the cached ones, gives
 * up: the statement runs inside another one, whose change is not logged
 * yet), and the open exposures of the assets that become targets of an
 * exploit step.  Nodes without edges that are neither entry points nor
 * jewels leave, as do the exposures of assets no exploit step leads to any
 * more.  The arrays are then exactly those of a full read under the new
 * key (nodes by asset id, edges by id, exposures by node then id), and the
 * engine builds the same graph from them (docs/attack-paths.md, "Why a
 * patched graph is the graph the key stands for").
 * ------------------------------------------------------------------------ */

static CtemEdgeDelta *offered = NULL;
static SPIPlanPtr touched_plan = NULL;
static CtemEnumCodes delta_kind_codes;

void
ctem_graph_offer_delta(CtemEdgeDelta *delta)
{
	offered = delta;
}

/* key = tg's key and seq, the same file node and policy */
static bool
key_follows(const CtemTenantGraph *tg, const GraphKey *key, int64 seq)
{
	int			j = 0;
	bool		seen = false;

	if (tg->log_filenode != key->log_filenode || tg->nseq < 0 ||
		key->nseq != tg->nseq + 1)
		return false;
	if ((tg->policy == NULL) != (key->policy == NULL) ||
		(tg->policy != NULL && strcmp(tg->policy, key->policy) != 0))
		return false;
	for (int i = 0; i < key->nseq; i++)
	{
		if (!seen && key->seq[i] == seq)
		{
			seen = true;
			continue;
		}
		if (j >= tg->nseq || tg->seq[j] != key->seq[i])
			return false;
		j++;
	}
	return seen;
}

/* an edge row of a transition table */
typedef struct DeltaEdge
{
	int64		id;
	int64		src;			/* asset ids */
	int64		dst;
	double		p;
	uint8		exploit;
	uint8		kind;
} DeltaEdge;

static int
cmp_deltaedge(const void *a, const void *b)
{
	int64		x = ((const DeltaEdge *) a)->id;
	int64		y = ((const DeltaEdge *) b)->id;

	return (x > y) - (x < y);
}

/*
 * The rows of tenant in a transition table (their ids into ids, and with
 * rows the whole edges); their number, -1 when more than limit (a bulk
 * change: a full read is as cheap).
 */
static int32
delta_read(Tuplestorestate *ts, const CtemEdgeDelta *d, int32 tenant, int32 limit,
		   int64 **ids, DeltaEdge **rows)
{
	int			ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	TupleTableSlot *slot = MakeSingleTupleTableSlot(d->desc, &TTSOpsMinimalTuple);
	int32		n = 0;
	int32		room = 64;
	uint64		seen = 0;

	*ids = palloc(sizeof(int64) * room);
	if (rows != NULL)
		*rows = palloc(sizeof(DeltaEdge) * room);
	tuplestore_select_read_pointer(ts, ptr);
	tuplestore_rescan(ts);
	for (;;)
	{
		bool		isnull;
		Datum		t;

		tuplestore_select_read_pointer(ts, ptr);
		if (!tuplestore_gettupleslot(ts, true, false, slot))
			break;
		if ((++seen & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		t = slot_getattr(slot, d->atts[0], &isnull);
		if (isnull || DatumGetInt32(t) != tenant)
			continue;
		if (n == limit)
		{
			n = -1;
			break;
		}
		if (n == room)
		{
			room *= 2;
			*ids = repalloc(*ids, sizeof(int64) * room);
			if (rows != NULL)
				*rows = repalloc(*rows, sizeof(DeltaEdge) * room);
		}
		(*ids)[n] = DatumGetInt64(slot_getattr(slot, d->atts[1], &isnull));
		if (rows != NULL)
		{
			DeltaEdge  *e = &(*rows)[n];

			e->id = (*ids)[n];
			e->src = DatumGetInt64(slot_getattr(slot, d->atts[2], &isnull));
			e->dst = DatumGetInt64(slot_getattr(slot, d->atts[3], &isnull));
			e->kind = (uint8) ctem_enum_code(&delta_kind_codes,
											 slot_getattr(slot, d->atts[4], &isnull),
											 edge_kind_parse);
			e->p = DatumGetFloat8(slot_getattr(slot, d->atts[5], &isnull));
			e->exploit = DatumGetBool(slot_getattr(slot, d->atts[6], &isnull)) ? 1 : 0;
		}
		n++;
	}
	ExecDropSingleTupleTableSlot(slot);
	return n;
}

/* the position of x in the ascending v[n], -1 */
static int32
sorted_find(const int64 *v, int32 n, int64 x)
{
	int32		lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (v[mid] == x)
			return mid;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * old with the delta of old->tenant applied, under key, in a new context
 * under caller; NULL when it cannot be patched (then a full read).
 * Connected to SPI, the fresh snapshot active, in scratch.
 */
static CtemTenantGraph *
patch(const CtemTenantGraph *old, const CtemEdgeDelta *d, const GraphKey *key,
	  MemoryContext caller, MemoryContext scratch, int *nadded, int *nremoved)
{
	const CtemGraph *g = old->g;
	int32		n = g->n;
	int32		m = g->m;
	int32		limit = Max(m / 4, 4096);
	int64	   *del = NULL;
	int64	   *insids = NULL;
	DeltaEdge  *ins = NULL;
	int32		ndel = 0;
	int32		nins = 0;
	int64	   *rem;
	int32		nrem;
	bool	   *keep_e;
	int32		nkept = 0;
	int64	   *touched;
	int32		ntouched = 0;
	uint8	   *tflags;
	int64	   *nid;			/* assets new to the graph, ascending */
	int32		nn = 0;
	uint8	   *pflags;			/* [n + nn] by provisional index */
	int32		np;
	int32		m2;
	int64	   *eid;
	int32	   *esrc;
	int32	   *edst;
	double	   *ep;
	uint8	   *eexp;
	uint8	   *ekind;
	int32	   *deg;
	int32	   *perm;
	int32		n2 = 0;
	int64	   *aid;
	uint8	   *flags2;
	bool	   *old_tgt;
	bool	   *tgt;
	int64	   *need;
	int32		nneed = 0;
	GraphRows	r;
	ExpRow	   *er;
	int32		ner = 0;
	int32	   *exp_off;
	int32		e2 = 0;
	int64	   *xid;
	double	   *xp;
	Size		need_bytes;
	MemoryContext cxt;
	CtemTenantGraph *tg;
	CtemGraphInput in;
	CtemGraphAlloc a;
	CtemGraphError err;
	Oid			types[2] = {INT4OID, INT8ARRAYOID};
	Datum		values[2];
	int			rc;
	int32		i,
				j,
				k;

	/* the statement's rows of the tenant */
	if (d->old_rows != NULL &&
		(ndel = delta_read(d->old_rows, d, old->tenant, limit, &del, NULL)) < 0)
		return NULL;
	if (d->new_rows != NULL &&
		(nins = delta_read(d->new_rows, d, old->tenant, limit, &insids, &ins)) < 0)
		return NULL;
	qsort(ins, nins, sizeof(DeltaEdge), cmp_deltaedge);
	for (i = 1; i < nins; i++)
		if (ins[i].id == ins[i - 1].id)
			return NULL;
	nrem = ndel + nins;
	rem = palloc(sizeof(int64) * Max(nrem, 1));
	if (ndel > 0)
		memcpy(rem, del, sizeof(int64) * ndel);
	for (i = 0; i < nins; i++)
		rem[ndel + i] = ins[i].id;
	qsort(rem, nrem, sizeof(int64), cmp_int64);

	/* the cached edges that stay (both lists ascending), the assets touched */
	keep_e = palloc_extended(sizeof(bool) * Max(m, 1), MCXT_ALLOC_HUGE);
	touched = palloc(sizeof(int64) * (2 * (Size) nrem + 2));
	for (i = 0, j = 0; i < m; i++)
	{
		while (j < nrem && rem[j] < old->edge_ids[i])
			j++;
		keep_e[i] = !(j < nrem && rem[j] == old->edge_ids[i]);
		if (keep_e[i])
			nkept++;
		else if (ntouched < 2 * nrem)
		{
			touched[ntouched++] = old->asset_ids[g->src[i]];
			touched[ntouched++] = old->asset_ids[g->dst[i]];
		}
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	/* an id deleted twice over (an UPDATE keeping it) leaves once */
	if (m - nkept > nrem)
		return NULL;
	for (i = 0; i < nins && ntouched + 2 <= 2 * nrem + 2; i++)
	{
		touched[ntouched++] = ins[i].src;
		touched[ntouched++] = ins[i].dst;
	}
	qsort(touched, ntouched, sizeof(int64), cmp_int64);
	for (i = 0, k = 0; i < ntouched; i++)
		if (k == 0 || touched[i] != touched[k - 1])
			touched[k++] = touched[i];
	ntouched = k;

	/* the touched assets as the fresh snapshot sees them */
	tflags = palloc0(Max(ntouched, 1));
	if (ntouched > 0)
	{
		bool	   *found = palloc0(sizeof(bool) * ntouched);

		ctem_spi_keep_plan(&touched_plan,
						   "SELECT a.id, "
						   "a.internet_facing IS TRUE OR a.tags OPERATOR(pg_catalog.@>) '{entry_point}'::pg_catalog.text[], "
						   "a.crown_jewel IS TRUE "
						   "FROM ctem.asset a WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 "
						   "AND a.id OPERATOR(pg_catalog.=) ANY ($2)",
						   2, types);
		values[0] = Int32GetDatum(old->tenant);
		values[1] = PointerGetDatum(ctem_int8_array(touched, ntouched));
		rc = SPI_execute_plan(touched_plan, values, NULL, true, 0);
		if (rc != SPI_OK_SELECT)
			elog(ERROR, "could not read the attack graph: %s", SPI_result_code_string(rc));
		MemoryContextSwitchTo(scratch);
		for (uint64 row = 0; row < SPI_processed; row++)
		{
			HeapTuple	tup = SPI_tuptable->vals[row];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			int32		at = sorted_find(touched, ntouched,
										 DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull)));

			if (at < 0)
				continue;
			found[at] = true;
			tflags[at] = (DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull)) ? CTEM_NODE_ENTRY : 0) |
				(DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull)) ? CTEM_NODE_JEWEL : 0);
		}
		SPI_freetuptable(SPI_tuptable);
		for (i = 0; i < ntouched; i++)
		{
			int32		v = ctem_graph_node(old, touched[i]);

			if (!found[i] ||
				(v >= 0 && (g->flags[v] & (CTEM_NODE_ENTRY | CTEM_NODE_JEWEL)) != tflags[i]))
				return NULL;
		}
	}

	/* provisional indices: the cached nodes, then the new assets */
	nid = palloc(sizeof(int64) * Max(ntouched, 1));
	for (i = 0; i < ntouched; i++)
		if (ctem_graph_node(old, touched[i]) < 0)
			nid[nn++] = touched[i];
	np = n + nn;
	pflags = palloc_extended(Max(np, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
		pflags[i] = g->flags[i];
	for (i = 0; i < nn; i++)
		pflags[n + i] = tflags[sorted_find(touched, ntouched, nid[i])];

	/* the edges, by id: the cached ones that stay merged with the new */
	m2 = nkept + nins;
	cxt = AllocSetContextCreate(caller, "ctem graph", ALLOCSET_DEFAULT_SIZES);
	eid = MemoryContextAllocExtended(cxt, sizeof(int64) * Max(m2, 1), MCXT_ALLOC_HUGE);
	ekind = MemoryContextAllocExtended(cxt, Max(m2, 1), MCXT_ALLOC_HUGE);
	esrc = palloc_extended(sizeof(int32) * Max(m2, 1), MCXT_ALLOC_HUGE);
	edst = palloc_extended(sizeof(int32) * Max(m2, 1), MCXT_ALLOC_HUGE);
	ep = palloc_extended(sizeof(double) * Max(m2, 1), MCXT_ALLOC_HUGE);
	eexp = palloc_extended(Max(m2, 1), MCXT_ALLOC_HUGE);
	deg = palloc_extended(sizeof(int32) * Max(np, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (i = 0, j = 0, k = 0; i < m || j < nins; k++)
	{
		while (i < m && !keep_e[i])
			i++;
		if (i >= m && j >= nins)
			break;
		if (j >= nins || (i < m && old->edge_ids[i] < ins[j].id))
		{
			eid[k] = old->edge_ids[i];
			ekind[k] = old->edge_kind[i];
			esrc[k] = g->src[i];
			edst[k] = g->dst[i];
			ep[k] = g->p[i];
			eexp[k] = g->exploit[i];
			i++;
		}
		else
		{
			int32		s = ctem_graph_node(old, ins[j].src);
			int32		t = ctem_graph_node(old, ins[j].dst);

			if (s < 0)
				s = n + sorted_find(nid, nn, ins[j].src);
			if (t < 0)
				t = n + sorted_find(nid, nn, ins[j].dst);
			eid[k] = ins[j].id;
			ekind[k] = ins[j].kind;
			esrc[k] = s;
			edst[k] = t;
			ep[k] = ins[j].p;
			eexp[k] = ins[j].exploit;
			j++;
		}
		deg[esrc[k]]++;
		deg[edst[k]]++;
		if ((k & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	Assert(k == m2);

	/*
	 * The nodes: entry points, jewels and ends of edges, by asset id (the
	 * cached ones and the new ones merged)
	 */
	perm = palloc_extended(sizeof(int32) * Max(np, 1), MCXT_ALLOC_HUGE);
	aid = MemoryContextAllocExtended(cxt, sizeof(int64) * Max(np, 1), MCXT_ALLOC_HUGE);
	flags2 = palloc_extended(Max(np, 1), MCXT_ALLOC_HUGE);
	for (i = 0, j = 0; i < n || j < nn;)
	{
		int32		pv;
		int64		id;

		if (j >= nn || (i < n && old->asset_ids[i] < nid[j]))
		{
			pv = i++;
			id = old->asset_ids[pv];
		}
		else
		{
			id = nid[j];
			pv = n + j++;
		}
		if (pflags[pv] == 0 && deg[pv] == 0)
		{
			perm[pv] = -1;
			continue;
		}
		perm[pv] = n2;
		aid[n2] = id;
		flags2[n2] = pflags[pv];
		n2++;
	}
	for (k = 0; k < m2; k++)
	{
		esrc[k] = perm[esrc[k]];
		edst[k] = perm[edst[k]];
	}

	/* exploit targets before and after: whose exposures the graph holds */
	old_tgt = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (i = 0; i < m; i++)
		if (g->exploit[i])
			old_tgt[g->dst[i]] = true;
	tgt = palloc_extended(sizeof(bool) * Max(n2, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	for (k = 0; k < m2; k++)
		if (eexp[k])
			tgt[edst[k]] = true;
	/* back from final to provisional: the cached node of each, or -1 */
	{
		int32	   *cached_of = palloc_extended(sizeof(int32) * Max(n2, 1), MCXT_ALLOC_HUGE);

		for (i = 0; i < n2; i++)
			cached_of[i] = -1;
		for (i = 0; i < n; i++)
			if (perm[i] >= 0)
				cached_of[perm[i]] = i;
		need = palloc(sizeof(int64) * 16);
		for (i = 0, k = 16; i < n2; i++)
			if (tgt[i] && !(cached_of[i] >= 0 && old_tgt[cached_of[i]]))
			{
				if (nneed == k)
				{
					k *= 2;
					need = repalloc_huge(need, sizeof(int64) * k);
				}
				need[nneed++] = aid[i];
			}

		/* the open exposures of the new targets, as a full read reads them */
		er = NULL;
		if (nneed > 0)
		{
			rows_init(&r, scratch, scratch, 0, 0, 0, 0);
			for (i = 0; i < nneed; i++)
				(void) id_index(&r.map, need[i]);
			r.target = palloc(Max(r.map.n, 1));
			memset(r.target, true, Max(r.map.n, 1));
			keep_exposures_plan();
			values[0] = Int32GetDatum(old->tenant);
			values[1] = PointerGetDatum(ctem_int8_array(need, nneed));
			run_rows(exposures_plan, 2, types, values, exposure_row, &r, scratch);
			MemoryContextSwitchTo(scratch);
			er = palloc(sizeof(ExpRow) * Max(r.e, 1));
			for (i = 0; i < r.e; i++)
			{
				er[i].node = sorted_find(aid, n2, r.map.ids[r.exp_node[i]]);
				er[i].id = r.exp_id[i];
				er[i].p = r.exp_p[i];
			}
			ner = r.e;
			qsort(er, ner, sizeof(ExpRow), cmp_exprow);
		}

		/* exposures by node, then id */
		exp_off = palloc_extended(sizeof(int32) * ((Size) n2 + 1), MCXT_ALLOC_HUGE);
		e2 = 0;
		for (i = 0, j = 0; i < n2; i++)
		{
			int32		c = cached_of[i];

			exp_off[i] = e2;
			if (!tgt[i])
				continue;
			if (c >= 0 && old_tgt[c])
				e2 += g->exp_off[c + 1] - g->exp_off[c];
			else
			{
				while (j < ner && er[j].node < i)
					j++;
				while (j < ner && er[j].node == i)
					j++, e2++;
			}
		}
		exp_off[n2] = e2;
		xid = MemoryContextAllocExtended(cxt, sizeof(int64) * Max(e2, 1), MCXT_ALLOC_HUGE);
		xp = palloc_extended(sizeof(double) * Max(e2, 1), MCXT_ALLOC_HUGE);
		for (i = 0, j = 0; i < n2; i++)
		{
			int32		c = cached_of[i];
			int32		at = exp_off[i];

			if (!tgt[i])
				continue;
			if (c >= 0 && old_tgt[c])
				for (int32 x = g->exp_off[c]; x < g->exp_off[c + 1]; x++, at++)
				{
					xid[at] = old->exp_ids[x];
					xp[at] = g->exp_p[x];
				}
			else
			{
				while (j < ner && er[j].node < i)
					j++;
				for (; j < ner && er[j].node == i; j++, at++)
				{
					xid[at] = er[j].id;
					xp[at] = er[j].p;
				}
			}
		}
	}

	need_bytes = graph_bytes(n2, m2, e2, key->nseq, key->policy);
	if (need_bytes == SIZE_MAX || need_bytes > cache_limit())
	{
		MemoryContextDelete(cxt);
		return NULL;
	}
	cache_make_room(need_bytes, old);

	tg = MemoryContextAllocZero(cxt, sizeof(CtemTenantGraph));
	tg->cxt = cxt;
	tg->tenant = old->tenant;
	tg->path_max_hops = key->path_max_hops;
	tg->asset_ids = aid;
	tg->edge_ids = eid;
	tg->edge_kind = ekind;
	tg->exp_ids = xid;
	memset(&in, 0, sizeof(in));
	in.n = n2;
	in.flags = flags2;
	in.exp_off = exp_off;
	in.exp_p = xp;
	in.baseline = key->baseline;
	in.m = m2;
	in.src = esrc;
	in.dst = edst;
	in.p = ep;
	in.exploit = eexp;
	ctem_graph_allocator(&a, cxt);
	phase_end(PHASE_MAP);
	tg->g = ctem_graph_build(&in, &a, &err);
	phase_end(PHASE_ENGINE);
	if (tg->g == NULL)
		ctem_graph_fail("build the attack graph", &err);
	tg->log_filenode = key->log_filenode;
	tg->nseq = key->nseq;
	tg->seq = MemoryContextAlloc(cxt, sizeof(int64) * Max(key->nseq, 1));
	if (key->nseq > 0)
		memcpy(tg->seq, key->seq, sizeof(int64) * key->nseq);
	tg->policy = key->policy ? MemoryContextStrdup(cxt, key->policy) : NULL;
	tg->bytes = MemoryContextMemAllocated(cxt, true);
	*nadded = nins;
	*nremoved = m - nkept;
	return tg;
}

CtemTenantGraph *
ctem_graph_get(int32 tenant, bool fresh_snapshot)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext scratch;
	GraphKey	key;
	GraphRows	rows;
	CtemTenantGraph *tg;
	bool		cacheable;
	bool		current;
	int			found;

	if (tenant <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant_id must be positive"),
				 errdetail("tenant_id is %d.", tenant)));
	ctem_tenant_check(tenant, false);
	if (fresh_snapshot)
	{
		CommandCounterIncrement();
		PushActiveSnapshot(GetTransactionSnapshot());
	}
	scratch = AllocSetContextCreate(caller, "ctem graph read", ALLOCSET_DEFAULT_SIZES);
	ctem_spi_connect();
	memset(phase_ms, 0, sizeof(phase_ms));
	INSTR_TIME_SET_CURRENT(phase_start);
	read_key(tenant, &key, scratch);
	phase_end(PHASE_KEY);
	cacheable = key.nseq >= 0 && !key.row_security;
	found = cache_find(tenant);
	current = found >= 0 && key_matches(cache[found], &key);
	if (current && cacheable)
	{
		tg = cache[found];
		tg->used = ++use_clock;
		ereport(ctem_graph_trace ? NOTICE : DEBUG1,
				(errmsg_internal("ctem: the cached attack graph of tenant %d is current", tenant)));
		SPI_finish();
		MemoryContextDelete(scratch);
		if (fresh_snapshot)
			PopActiveSnapshot();
		cache_make_room(0, tg);
		return tg;
	}
	/* an edge statement's refresh: patch the cached graph when it can */
	if (fresh_snapshot && cacheable && found >= 0 && offered != NULL &&
		offered->tenant == tenant && key_follows(cache[found], &key, offered->seq))
	{
		int			added = 0;
		int			removed = 0;

		MemoryContextSwitchTo(scratch);
		tg = patch(cache[found], offered, &key, caller, scratch, &added, &removed);
		if (tg != NULL)
		{
			SPI_finish();
			MemoryContextSwitchTo(caller);
			MemoryContextDelete(scratch);
			PopActiveSnapshot();
			cache_drop(cache_find(tenant));
			tg->used = ++use_clock;
			cache_add(tg);
			ereport(DEBUG2,
					(errmsg_internal("ctem: patched the attack graph of tenant %d in %.1f ms: key %.1f, patch %.1f, engine build %.1f",
									 tenant, phase_ms[PHASE_KEY] + phase_ms[PHASE_MAP] + phase_ms[PHASE_ENGINE],
									 phase_ms[PHASE_KEY], phase_ms[PHASE_MAP], phase_ms[PHASE_ENGINE])));
			ereport(ctem_graph_trace ? NOTICE : DEBUG1,
					(errmsg_internal("ctem: patched the attack graph of tenant %d: %d edges in, %d out; %d assets, %d edges, %d exposures (cached)",
									 tenant, added, removed, tg->g->n, tg->g->m,
									 tg->g->exp_off[tg->g->n])));
			return tg;
		}
		found = cache_find(tenant);
	}

	/*
	 * A graph read under a key that no longer holds is of no more use; one
	 * this caller may not use (row-level security) stays for the others.
	 */
	if (found >= 0 && !current)
		cache_drop(found);

	MemoryContextSwitchTo(scratch);
	/* the graph's own context, under the caller's until it is cached */
	read_rows(tenant, &rows, scratch,
			  AllocSetContextCreate(caller, "ctem graph", ALLOCSET_DEFAULT_SIZES));
	SPI_finish();
	MemoryContextSwitchTo(scratch);
	tg = build(tenant, &rows, &key);
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(scratch);
	if (fresh_snapshot)
		PopActiveSnapshot();
	tg->used = ++use_clock;
	if (cacheable)
		cache_add(tg);
	phase_end(PHASE_MAP);
	ereport(DEBUG2,
			(errmsg_internal("ctem: read the attack graph of tenant %d in %.1f ms: key %.1f, nodes %.1f, edges %.1f, exposures %.1f, mapping %.1f, engine build %.1f; %zu bytes",
							 tenant, phase_ms[PHASE_KEY] + phase_ms[PHASE_NODES] +
							 phase_ms[PHASE_EDGES] + phase_ms[PHASE_EXPOSURES] +
							 phase_ms[PHASE_MAP] + phase_ms[PHASE_ENGINE],
							 phase_ms[PHASE_KEY], phase_ms[PHASE_NODES], phase_ms[PHASE_EDGES],
							 phase_ms[PHASE_EXPOSURES], phase_ms[PHASE_MAP],
							 phase_ms[PHASE_ENGINE], tg->bytes)));
	ereport(ctem_graph_trace ? NOTICE : DEBUG1,
			(errmsg_internal("ctem: read the attack graph of tenant %d: %d assets, %d edges, %d exposures (%s)",
							 tenant, tg->g->n, tg->g->m, tg->g->exp_off[tg->g->n],
							 cacheable ? "cached" :
							 key.row_security ? "not cached: row-level security applies" :
							 "not cached: the tenant's change log is empty")));
	return tg;
}

int
ctem_graph_path_factors(int32 tenant, int max_hops, bool fresh_snapshot,
						int64 **asset_ids, double **factors)
{
	CtemTenantGraph *tg = ctem_graph_get(tenant, fresh_snapshot);
	const CtemGraph *g = tg->g;
	MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "ctem graph query",
												  ALLOCSET_DEFAULT_SIZES);
	CtemGraphAlloc a;
	CtemGraphError err;
	double	   *factor;
	int			k = 0;

	if (max_hops == 0)
		max_hops = tg->path_max_hops;
	if (max_hops < 1 || max_hops > CTEM_GRAPH_MAX_HOPS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_hops must be between 1 and %d", CTEM_GRAPH_MAX_HOPS),
				 errdetail("max_hops is %d.", max_hops)));
	ctem_graph_allocator(&a, scratch);
	factor = MemoryContextAllocExtended(scratch, sizeof(double) * Max(g->n, 1), MCXT_ALLOC_HUGE);
	if (!ctem_graph_path_factor(g, NULL, max_hops, factor, &a, &err))
		ctem_graph_fail("compute path factors", &err);
	for (int32 v = 0; v < g->n; v++)
		if (factor[v] > 0.0)
			k++;
	*asset_ids = palloc_extended(sizeof(int64) * Max(k, 1), MCXT_ALLOC_HUGE);
	*factors = palloc_extended(sizeof(double) * Max(k, 1), MCXT_ALLOC_HUGE);
	k = 0;
	for (int32 v = 0; v < g->n; v++)
		if (factor[v] > 0.0)
		{
			(*asset_ids)[k] = tg->asset_ids[v];
			(*factors)[k] = factor[v];
			k++;
		}
	MemoryContextDelete(scratch);
	return k;
}
