/*-------------------------------------------------------------------------
 *
 * graph_log.c
 *		The attack graph's change log, ctem.graph_change: the statement
 *		triggers that write it, the exposure trigger's notes they read, and
 *		ctem.graph_compact.
 *
 * A backend caches a tenant's graph under the set of that tenant's
 * ctem.graph_change rows its snapshot sees (graph.c).  Every change of the
 * graph's inputs writes a row, in the changing statement's own
 * (sub)transaction, with a number never used before; so the row is visible
 * exactly when the change is, and two snapshots that see the same rows see
 * the same graph.  Writers only insert, so they never wait for each other
 * (docs/attack-paths.md has the argument).
 *
 * Logged tenants.  A tenant gets rows once it has a first one: the first
 * edge of a tenant writes it (or ctem.graph_compact does).  Until then the
 * changes of its assets and exposures write nothing, and readers build its
 * graph anew on every call (graph.c).  So a tenant that does not use attack
 * paths pays one probe per statement.  The step to logged must not miss a
 * change that a writer made while it skipped its row: a writer that finds
 * its tenant unlogged holds a shared advisory lock on the tenant (key
 * CTEM_GRAPH_LOCK_CLASS, tenant) to the end of its transaction, and the first
 * row is written under the exclusive lock, which waits for those writers.
 * A writer that comes later finds the tenant logged (it looks with the
 * latest snapshot, after taking the lock) and writes its row.
 *
 * Who writes:
 *	- edges (always): ctem.graph_change_note('edge') on ctem.asset_edge,
 *	  tenants read from the transition tables, or before a TRUNCATE every
 *	  tenant that has edges;
 *	- assets (logged tenants): inserted and deleted rows, updated rows
 *	  whose internet_facing, crown_jewel or 'entry_point' tag changed (old
 *	  and new transition rows compared pairwise), before a TRUNCATE every
 *	  tenant with assets;
 *	- exposures (logged tenants): the BEFORE row trigger notes the tenant of
 *	  inserted rows and of updated rows whose graph inputs changed
 *	  (ctem_graph_note_exposure_update), ctem.graph_change_flush() writes
 *	  them after the statement; deleted rows from the transition table; a
 *	  TRUNCATE like the assets'.
 *
 * Notes carry the transaction nesting level they were made at.  A statement
 * trigger at level L writes the notes of levels L and deeper and leaves the
 * outer ones to their own statement's trigger: a nested statement in a
 * subtransaction that is rolled back must not take away the row of the
 * statement around it.  Notes whose rows a rollback took away are written
 * anyway by the next flush (one row too many is harmless); all notes go at
 * the end of the top-level transaction.
 *
 * src/validate/graph_log.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "common/common.h"
#include "common/tenant.h"
#include "validate/graph.h"
#include "validate/graph_log.h"
#include "validate/path_refresh.h"

PG_FUNCTION_INFO_V1(ctem_graph_change_note);
PG_FUNCTION_INFO_V1(ctem_graph_change_flush);
PG_FUNCTION_INFO_V1(ctem_graph_compact);

/*
 * The advisory lock of a tenant's log: pg_advisory_xact_lock(1668573036,
 * tenant_id) in SQL terms (the first key is "ctgl" in ASCII); pg_locks shows
 * it as an advisory lock with classid 1668573036, objid the tenant and
 * objsubid 2.
 */
#define CTEM_GRAPH_LOCK_CLASS 0x6374676C

/* the tag that makes an asset an entry point (besides internet_facing) */
#define CTEM_ENTRY_TAG "entry_point"

int32		ctem_graph_noted_tenant = 0;
int			ctem_graph_noted_level = 0;

/* the notes of the current transaction, in TopMemoryContext */
typedef struct GraphNote
{
	int32		tenant;
	int			level;
} GraphNote;

static GraphNote *notes = NULL;
static int	nnotes = 0;
static int	notes_room = 0;
static bool xact_callback_set = false;

static SPIPlanPtr logged_plan = NULL;
static SPIPlanPtr insert_plan = NULL;
static SPIPlanPtr compact_plan = NULL;

/* ------------------------------------------------------------------------
 * A set of tenants (a statement's rows may name many)
 * ------------------------------------------------------------------------ */

typedef struct TenantEntry
{
	int32		tenant;
	char		status;
} TenantEntry;

#define SH_PREFIX tenantset
#define SH_ELEMENT_TYPE TenantEntry
#define SH_KEY_TYPE int32
#define SH_KEY tenant
#define SH_HASH_KEY(tb, key) murmurhash32((uint32) (key))
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct TenantSet
{
	tenantset_hash *hash;
	int32		last;			/* added last (0: none; tenants are > 0) */
} TenantSet;

static void
tenant_set_init(TenantSet *s)
{
	s->hash = tenantset_create(CurrentMemoryContext, 8, NULL);
	s->last = 0;
}

static inline void
tenant_set_add(TenantSet *s, int32 tenant)
{
	bool		found;

	if (tenant == s->last)
		return;
	(void) tenantset_insert(s->hash, tenant, &found);
	s->last = tenant;
}

static int
cmp_int32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/* the set's tenants in ascending order (the order locks are taken in) */
static int32 *
tenant_set_sorted(TenantSet *s, int *n)
{
	tenantset_iterator it;
	TenantEntry *e;
	int32	   *out = palloc(sizeof(int32) * Max(s->hash->members, 1));
	int			k = 0;

	tenantset_start_iterate(s->hash, &it);
	while ((e = tenantset_iterate(s->hash, &it)) != NULL)
		out[k++] = e->tenant;
	qsort(out, k, sizeof(int32), cmp_int32);
	*n = k;
	return out;
}

/* ------------------------------------------------------------------------
 * Writing rows
 * ------------------------------------------------------------------------ */

static void
lock_tenant(int32 tenant, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) CTEM_GRAPH_LOCK_CLASS,
						 (uint32) tenant, 2);
	(void) LockAcquire(&tag, mode, false, false);
}

/*
 * Has tenant a row now: committed, or this transaction's (the latest
 * snapshot, whatever the isolation level: a repeatable-read writer must see
 * a log that started after its snapshot).  Call connected to SPI.
 */
static bool
tenant_logged(int32 tenant)
{
	Oid			type = INT4OID;
	Datum		v = Int32GetDatum(tenant);
	int			rc;

	ctem_spi_keep_plan(&logged_plan,
					   "SELECT 1 FROM ctem.graph_change g "
					   "WHERE g.tenant_id OPERATOR(pg_catalog.=) $1 LIMIT 1",
					   1, &type);
	CommandCounterIncrement();
	rc = SPI_execute_snapshot(logged_plan, &v, NULL, GetLatestSnapshot(),
							  InvalidSnapshot, true, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read ctem.graph_change: %s", SPI_result_code_string(rc));
	return SPI_processed > 0;
}

/* insert a row for tenant; its number back.  Connected to SPI. */
static int64
insert_row(int32 tenant)
{
	Oid			type = INT4OID;
	Datum		v = Int32GetDatum(tenant);
	bool		isnull;
	Datum		seq;
	int			rc;

	ctem_spi_keep_plan(&insert_plan,
					   "INSERT INTO ctem.graph_change (tenant_id) VALUES ($1) RETURNING seq",
					   1, &type);
	rc = SPI_execute_plan(insert_plan, &v, NULL, false, 1);
	if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
		elog(ERROR, "could not write ctem.graph_change: %s", SPI_result_code_string(rc));
	seq = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(seq);
}

/*
 * Make sure tenant may get rows: true when it is logged (or now starts to
 * be, always), false when this writer may skip its row (holding the shared
 * lock, so that a first row waits for this transaction).  Connected to SPI.
 */
static bool
tenant_log_ready(int32 tenant, bool always)
{
	if (tenant_logged(tenant))
		return true;
	if (always)
	{
		/* the first row: after every writer that skipped its row is done */
		lock_tenant(tenant, ExclusiveLock);
		return true;
	}
	lock_tenant(tenant, ShareLock);
	/* a first row committed while we waited for the lock: write ours */
	return tenant_logged(tenant);
}

/* ------------------------------------------------------------------------
 * Path refreshes (path_refresh.c): now, or deferred to the end of a call
 * ------------------------------------------------------------------------ */

static int	defer_depth = 0;
static int	defer_level = 0;	/* nesting level of the outermost deferral */
static int32 *pending = NULL;	/* in TopMemoryContext */
static int	npending = 0;
static int	pending_room = 0;
static bool defer_callbacks_set = false;

static void
defer_forget(void)
{
	defer_depth = 0;
	defer_level = 0;
	npending = 0;
}

static void
defer_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PREPARE)
		defer_forget();
}

/*
 * A subtransaction at or inside the deferring call's level aborted: the
 * changes whose refresh waited are rolled back with it, and the call ends
 * by the error.
 */
static void
defer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && defer_depth > 0 &&
		GetCurrentTransactionNestLevel() <= defer_level)
		defer_forget();
}

void
ctem_graph_refresh_defer(void)
{
	if (!defer_callbacks_set)
	{
		RegisterXactCallback(defer_xact_callback, NULL);
		RegisterSubXactCallback(defer_subxact_callback, NULL);
		defer_callbacks_set = true;
	}
	if (defer_depth++ == 0)
	{
		defer_level = GetCurrentTransactionNestLevel();
		npending = 0;
	}
}

void
ctem_graph_refresh_run_deferred(void)
{
	int32	   *tenants;
	int			n;

	if (defer_depth == 0 || --defer_depth > 0)
		return;
	n = npending;
	tenants = palloc(sizeof(int32) * Max(n, 1));
	memcpy(tenants, pending, sizeof(int32) * n);
	defer_forget();
	qsort(tenants, n, sizeof(int32), cmp_int32);
	for (int i = 0; i < n; i++)
		if (i == 0 || tenants[i] != tenants[i - 1])
			(void) ctem_path_refresh(tenants[i]);
	pfree(tenants);
}

/* the path factors of tenant after a change: now, or at the call's end */
static void
refresh_tenant(int32 tenant)
{
	if (defer_depth > 0)
	{
		for (int i = 0; i < npending; i++)
			if (pending[i] == tenant)
				return;
		if (npending == pending_room)
		{
			int			room = pending_room == 0 ? 16 : pending_room * 2;

			pending = pending == NULL ?
				MemoryContextAlloc(TopMemoryContext, sizeof(int32) * room) :
				repalloc(pending, sizeof(int32) * room);
			pending_room = room;
		}
		pending[npending++] = tenant;
		return;
	}
	(void) ctem_path_refresh(tenant);
}

/*
 * Write one row for each of the tenants (ascending), as role owner: always
 * (a change of edges), or only for logged tenants; then refresh the path
 * factors of the tenants that got a row (refresh false: before a TRUNCATE,
 * when there is nothing to compute from yet).
 */
static void
write_rows(const int32 *tenants, int n, bool always, Oid owner, bool refresh,
		   CtemEdgeDelta *delta)
{
	CtemSavedUser save;
	int32	   *changed;
	int64	   *seqs;
	int			nchanged = 0;

	if (n == 0)
		return;
	changed = palloc(sizeof(int32) * n);
	seqs = palloc(sizeof(int64) * n);
	ctem_owner_begin(owner, &save);
	ctem_spi_connect();
	for (int i = 0; i < n; i++)
	{
		if (i > 0 && tenants[i] == tenants[i - 1])
			continue;
		if (tenant_log_ready(tenants[i], always))
		{
			seqs[nchanged] = insert_row(tenants[i]);
			changed[nchanged++] = tenants[i];
		}
	}
	SPI_finish();
	ctem_owner_end(&save);
	if (refresh)
		for (int i = 0; i < nchanged; i++)
		{
			/* an edge statement's changes may patch the cached graph */
			if (delta != NULL)
			{
				delta->tenant = changed[i];
				delta->seq = seqs[i];
				ctem_graph_offer_delta(delta);
			}
			refresh_tenant(changed[i]);
			ctem_graph_offer_delta(NULL);
		}
	pfree(changed);
	pfree(seqs);
}

/* ------------------------------------------------------------------------
 * The exposure trigger's notes
 * ------------------------------------------------------------------------ */

static void
graph_log_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			nnotes = 0;
			ctem_graph_noted_tenant = 0;
			ctem_graph_noted_level = 0;
			break;
		default:
			break;
	}
}

void
ctem_graph_note(int32 tenant)
{
	int			level = GetCurrentTransactionNestLevel();
	int			i;

	if (!xact_callback_set)
	{
		RegisterXactCallback(graph_log_xact_callback, NULL);
		xact_callback_set = true;
	}
	for (i = 0; i < nnotes; i++)
		if (notes[i].tenant == tenant && notes[i].level == level)
			break;
	if (i == nnotes)
	{
		if (nnotes == notes_room)
		{
			int			room = notes_room == 0 ? 16 : notes_room * 2;

			notes = notes == NULL ?
				MemoryContextAlloc(TopMemoryContext, sizeof(GraphNote) * room) :
				repalloc(notes, sizeof(GraphNote) * room);
			notes_room = room;
		}
		notes[nnotes].tenant = tenant;
		notes[nnotes].level = level;
		nnotes++;
	}
	ctem_graph_noted_tenant = tenant;
	ctem_graph_noted_level = level;
}

/* the columns of ctem.exposure an update is compared on */
static const char *const exposure_graph_columns[] = {
	"tenant_id", "asset_id", "status", "kev", "epss", "exploit_maturity", "validation"
};
#define N_EXPOSURE_GRAPH_COLUMNS lengthof(exposure_graph_columns)

static Oid	exposure_atts_relid = InvalidOid;
static int	exposure_atts_natts = 0;
static int	exposure_atts[N_EXPOSURE_GRAPH_COLUMNS];

void
ctem_graph_note_exposure_update(Relation rel, HeapTuple oldtup,
								const Datum *row, const bool *nulls)
{
	TupleDesc	td = RelationGetDescr(rel);
	bool		changed = false;
	Datum		oldtenant;
	bool		oldtenant_null;

	if (exposure_atts_relid != RelationGetRelid(rel) || exposure_atts_natts != td->natts)
	{
		for (int i = 0; i < N_EXPOSURE_GRAPH_COLUMNS; i++)
			exposure_atts[i] = ctem_attnum(rel, exposure_graph_columns[i]);
		exposure_atts_relid = RelationGetRelid(rel);
		exposure_atts_natts = td->natts;
	}
	for (int i = 0; i < N_EXPOSURE_GRAPH_COLUMNS && !changed; i++)
	{
		int			att = exposure_atts[i];
		Form_pg_attribute a = TupleDescAttr(td, att - 1);
		bool		isnull;
		Datum		old = heap_getattr(oldtup, att, td, &isnull);

		if (isnull != nulls[att - 1])
			changed = true;
		else if (!isnull && !datumIsEqual(old, row[exposure_atts[i] - 1],
										  a->attbyval, a->attlen))
			changed = true;
	}
	if (!changed)
		return;
	if (!nulls[exposure_atts[0] - 1])
		ctem_graph_note_tenant(DatumGetInt32(row[exposure_atts[0] - 1]));
	oldtenant = heap_getattr(oldtup, exposure_atts[0], td, &oldtenant_null);
	if (!oldtenant_null)
		ctem_graph_note_tenant(DatumGetInt32(oldtenant));
}

/*
 * AFTER INSERT OR UPDATE FOR EACH STATEMENT on ctem.exposure: write the
 * notes of this nesting level and deeper.
 */
Datum
ctem_graph_change_flush(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	int			level = GetCurrentTransactionNestLevel();
	int32	   *tenants;
	int			n = 0;
	int			kept = 0;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		elog(ERROR, "ctem_graph_change_flush: must be fired AFTER ... FOR EACH STATEMENT");
	if (nnotes == 0)
		return PointerGetDatum(NULL);

	tenants = palloc(sizeof(int32) * nnotes);
	for (int i = 0; i < nnotes; i++)
	{
		if (notes[i].level >= level)
			tenants[n++] = notes[i].tenant;
		else
			notes[kept++] = notes[i];
	}
	nnotes = kept;
	ctem_graph_noted_tenant = 0;
	ctem_graph_noted_level = 0;
	qsort(tenants, n, sizeof(int32), cmp_int32);
	write_rows(tenants, n, false, td->tg_relation->rd_rel->relowner, true, NULL);
	return PointerGetDatum(NULL);
}

/* ------------------------------------------------------------------------
 * ctem.graph_change_note(): tenants from transition tables
 * ------------------------------------------------------------------------ */

/* a read pointer of its own on a transition table, rewound */
static TupleTableSlot *
transition_open(Tuplestorestate *ts, TupleDesc td, int *ptr)
{
	*ptr = tuplestore_alloc_read_pointer(ts, EXEC_FLAG_REWIND);
	tuplestore_select_read_pointer(ts, *ptr);
	tuplestore_rescan(ts);
	return MakeSingleTupleTableSlot(td, &TTSOpsMinimalTuple);
}

static bool
transition_next(Tuplestorestate *ts, int ptr, TupleTableSlot *slot)
{
	tuplestore_select_read_pointer(ts, ptr);
	return tuplestore_gettupleslot(ts, true, false, slot);
}

/* add the tenant of every row of a transition table */
static void
transition_tenants(Tuplestorestate *ts, TupleDesc td, int att, TenantSet *set)
{
	int			ptr;
	TupleTableSlot *slot = transition_open(ts, td, &ptr);
	uint64		rows = 0;

	while (transition_next(ts, ptr, slot))
	{
		bool		isnull;
		Datum		t = slot_getattr(slot, att, &isnull);

		if (!isnull)
			tenant_set_add(set, DatumGetInt32(t));
		if ((++rows & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	ExecDropSingleTupleTableSlot(slot);
}

/* what makes an asset a node of its own: an entry point, a crown jewel */
static void
asset_graph_flags(TupleTableSlot *slot, const int *atts, int *entry, int *jewel)
{
	bool		isnull;
	Datum		d;

	d = slot_getattr(slot, atts[2], &isnull);	/* internet_facing */
	*entry = !isnull && DatumGetBool(d);
	d = slot_getattr(slot, atts[4], &isnull);	/* tags */
	if (!isnull && !*entry)
	{
		ArrayType  *tags = DatumGetArrayTypeP(d);
		Datum	   *elems;
		bool	   *enulls;
		int			n;

		deconstruct_array(tags, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
		for (int i = 0; i < n && !*entry; i++)
		{
			text	   *t = (text *) DatumGetPointer(elems[i]);

			if (!enulls[i] && VARSIZE_ANY_EXHDR(t) == strlen(CTEM_ENTRY_TAG) &&
				memcmp(VARDATA_ANY(t), CTEM_ENTRY_TAG, strlen(CTEM_ENTRY_TAG)) == 0)
				*entry = 1;
		}
	}
	d = slot_getattr(slot, atts[3], &isnull);	/* crown_jewel */
	*jewel = !isnull && DatumGetBool(d);
}

/*
 * An UPDATE of ctem.asset: the tenants of rows whose entry point or crown
 * jewel status changed.  The old and new transition tables hold the rows in
 * the same order (each updated row adds one to both); a pair whose keys
 * differ anyway counts for both tenants.
 */
static void
asset_update_tenants(TriggerData *trig, TenantSet *set)
{
	Relation	rel = trig->tg_relation;
	TupleDesc	td = RelationGetDescr(rel);
	int			atts[5];
	int			po,
				pn;
	TupleTableSlot *so,
			   *sn;
	uint64		rows = 0;
	MemoryContext rowcxt;
	MemoryContext old;

	atts[0] = ctem_attnum(rel, "tenant_id");
	atts[1] = ctem_attnum(rel, "id");
	atts[2] = ctem_attnum(rel, "internet_facing");
	atts[3] = ctem_attnum(rel, "crown_jewel");
	atts[4] = ctem_attnum(rel, "tags");
	so = transition_open(trig->tg_oldtable, td, &po);
	sn = transition_open(trig->tg_newtable, td, &pn);
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "ctem graph asset rows",
								   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(rowcxt);
	for (;;)
	{
		bool		have_old;
		bool		have_new;
		bool		n1,
					n2,
					n3,
					n4;
		Datum		ot,
					nt,
					oi,
					ni;
		int			oe,
					oj,
					ne,
					nj;

		/*
		 * Fetched in the outer context: a tuplestore that spilled to disk
		 * reads each tuple into a palloc of the current context, which the
		 * slot frees when the next one is stored (rowcxt is reset between).
		 */
		MemoryContextSwitchTo(old);
		have_old = transition_next(trig->tg_oldtable, po, so);
		have_new = transition_next(trig->tg_newtable, pn, sn);
		MemoryContextSwitchTo(rowcxt);
		if (!have_old && !have_new)
			break;
		if (!have_old || !have_new)
		{
			/* cannot happen; count what is left */
			TupleTableSlot *s = have_old ? so : sn;
			Datum		t = slot_getattr(s, atts[0], &n1);

			if (!n1)
				tenant_set_add(set, DatumGetInt32(t));
			continue;
		}
		ot = slot_getattr(so, atts[0], &n1);
		nt = slot_getattr(sn, atts[0], &n2);
		oi = slot_getattr(so, atts[1], &n3);
		ni = slot_getattr(sn, atts[1], &n4);
		if (n1 || n2 || n3 || n4 || DatumGetInt32(ot) != DatumGetInt32(nt) ||
			DatumGetInt64(oi) != DatumGetInt64(ni))
		{
			if (!n1)
				tenant_set_add(set, DatumGetInt32(ot));
			if (!n2)
				tenant_set_add(set, DatumGetInt32(nt));
			continue;
		}
		asset_graph_flags(so, atts, &oe, &oj);
		asset_graph_flags(sn, atts, &ne, &nj);
		MemoryContextReset(rowcxt);
		if (oe != ne || oj != nj)
		{
			MemoryContextSwitchTo(old);
			tenant_set_add(set, DatumGetInt32(nt));
			MemoryContextSwitchTo(rowcxt);
		}
		if ((++rows & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(rowcxt);
	ExecDropSingleTupleTableSlot(so);
	ExecDropSingleTupleTableSlot(sn);
}

/*
 * Before a TRUNCATE: the tenants that have rows in the relation, one index
 * descent each (its primary key starts with tenant_id).  The query names the
 * trigger's own relation.
 */
static void
truncate_tenants(Relation rel, TenantSet *set)
{
	char	   *name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
												  RelationGetRelationName(rel));
	char	   *sql;
	CtemSavedUser save;
	int			rc;

	sql = psprintf("WITH RECURSIVE t(tenant) AS ("
				   "SELECT pg_catalog.min(x.tenant_id) FROM ONLY %s x "
				   "UNION ALL "
				   "SELECT (SELECT pg_catalog.min(x.tenant_id) FROM ONLY %s x "
				   "WHERE x.tenant_id OPERATOR(pg_catalog.>) t.tenant) "
				   "FROM t WHERE t.tenant IS NOT NULL) "
				   "SELECT t.tenant FROM t WHERE t.tenant IS NOT NULL",
				   name, name);
	ctem_owner_begin(rel->rd_rel->relowner, &save);
	ctem_spi_connect();
	rc = SPI_execute(sql, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the tenants of %s: %s", name, SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		t = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			tenant_set_add(set, DatumGetInt32(t));
	}
	SPI_finish();
	ctem_owner_end(&save);
}

/*
 * An edge statement's rows, its changes offered to the refreshes so that
 * they may patch the cached graphs (graph.c), withdrawn also on error.
 */
static void
write_edge_rows(TriggerData *td, const int32 *tenants, int n)
{
	static const char *const cols[7] = {
		"tenant_id", "id", "source_asset_id", "target_asset_id", "kind",
		"probability", "exploit_required"
	};
	Relation	rel = td->tg_relation;
	CtemEdgeDelta delta;

	memset(&delta, 0, sizeof(delta));
	delta.desc = RelationGetDescr(rel);
	for (int i = 0; i < 7; i++)
		delta.atts[i] = ctem_attnum(rel, cols[i]);
	if (!TRIGGER_FIRED_BY_INSERT(td->tg_event))
		delta.old_rows = td->tg_oldtable;
	if (!TRIGGER_FIRED_BY_DELETE(td->tg_event))
		delta.new_rows = td->tg_newtable;
	PG_TRY();
	{
		write_rows(tenants, n, true, rel->rd_rel->relowner, true, &delta);
	}
	PG_FINALLY();
	{
		ctem_graph_offer_delta(NULL);
	}
	PG_END_TRY();
}

/*
 * Statement trigger (AFTER INSERT, UPDATE or DELETE with transition tables,
 * or BEFORE TRUNCATE) of ctem.asset_edge, ctem.asset and ctem.exposure:
 * write a row for each tenant whose graph inputs the statement changed.
 * Argument 'edge': always (edges are the graph); else only for logged
 * tenants.  The transition tables are read into a set of tenants, never
 * joined with another table.
 */
Datum
ctem_graph_change_note(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	Trigger    *tg;
	bool		always;
	TenantSet	set;
	int32	   *tenants;
	int			n;
	int			tenant_att;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		elog(ERROR, "ctem_graph_change_note: must be fired FOR EACH STATEMENT");
	rel = td->tg_relation;
	tg = td->tg_trigger;
	always = tg->tgnargs > 0 && strcmp(tg->tgargs[0], "edge") == 0;
	tenant_set_init(&set);

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		if (!TRIGGER_FIRED_BEFORE(td->tg_event))
			elog(ERROR, "ctem_graph_change_note: must be fired BEFORE TRUNCATE");
		truncate_tenants(rel, &set);
	}
	else
	{
		if (!TRIGGER_FIRED_AFTER(td->tg_event))
			elog(ERROR, "ctem_graph_change_note: must be fired AFTER INSERT, UPDATE or DELETE");
		tenant_att = ctem_attnum(rel, "tenant_id");
		if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		{
			if (td->tg_oldtable == NULL || td->tg_newtable == NULL)
				elog(ERROR, "ctem_graph_change_note: an UPDATE trigger needs REFERENCING OLD TABLE and NEW TABLE");
			if (!always && SPI_fnumber(RelationGetDescr(rel), "crown_jewel") > 0)
				asset_update_tenants(td, &set);
			else
			{
				transition_tenants(td->tg_oldtable, RelationGetDescr(rel), tenant_att, &set);
				transition_tenants(td->tg_newtable, RelationGetDescr(rel), tenant_att, &set);
			}
		}
		else
		{
			Tuplestorestate *ts = TRIGGER_FIRED_BY_INSERT(td->tg_event) ?
				td->tg_newtable : td->tg_oldtable;

			if (ts == NULL)
				elog(ERROR, "ctem_graph_change_note: an INSERT or DELETE trigger needs a transition table");
			transition_tenants(ts, RelationGetDescr(rel), tenant_att, &set);
		}
	}
	tenants = tenant_set_sorted(&set, &n);
	if (always && !TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		write_edge_rows(td, tenants, n);
	else
		write_rows(tenants, n, always, rel->rd_rel->relowner,
				   !TRIGGER_FIRED_BY_TRUNCATE(td->tg_event), NULL);
	/* without edges no asset is on a path */
	if (always && TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
		for (int i = 0; i < n; i++)
			ctem_path_clear(tenants[i]);
	return PointerGetDatum(NULL);
}

/* ------------------------------------------------------------------------
 * ctem.graph_compact(tenant_id)
 * ------------------------------------------------------------------------ */

/*
 * Insert a fresh row, then delete the tenant's rows numbered below it that
 * this transaction sees, in one transaction: a snapshot that sees the new
 * row sees the same graph as one that saw the deleted rows, and no snapshot
 * saw this set of rows before (the new number is new), so no cached graph
 * is taken for current wrongly; rows of writers still running are not seen,
 * not deleted, and count as before (docs/attack-paths.md).  On an unlogged
 * tenant, the first row (waiting for the writers that skipped theirs).  As
 * the owner of ctem.graph_change.
 */
Datum
ctem_graph_compact(PG_FUNCTION_ARGS)
{
	int32		tenant = PG_GETARG_INT32(0);
	CtemSavedUser save;
	Oid			owner;
	bool		isnull;
	int64		seq;
	int			rc;
	uint64		deleted;
	Oid			types[2] = {INT4OID, INT8OID};
	Datum		vals[2];

	if (tenant <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant_id must be positive"),
				 errdetail("tenant_id is %d.", tenant)));
	ctem_tenant_check(tenant, false);

	ctem_spi_connect();
	rc = SPI_execute("SELECT c.relowner FROM pg_catalog.pg_class c "
					 "WHERE c.oid OPERATOR(pg_catalog.=) 'ctem.graph_change'::pg_catalog.regclass",
					 true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not find ctem.graph_change");
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

	ctem_owner_begin(owner, &save);
	(void) tenant_log_ready(tenant, true);
	seq = insert_row(tenant);
	ctem_spi_keep_plan(&compact_plan,
					   "DELETE FROM ctem.graph_change g "
					   "WHERE g.tenant_id OPERATOR(pg_catalog.=) $1 "
					   "AND g.seq OPERATOR(pg_catalog.<) $2",
					   2, types);
	vals[0] = Int32GetDatum(tenant);
	vals[1] = Int64GetDatum(seq);
	rc = SPI_execute_plan(compact_plan, vals, NULL, false, 0);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "could not compact ctem.graph_change: %s", SPI_result_code_string(rc));
	deleted = SPI_processed;
	ctem_owner_end(&save);
	SPI_finish();
	PG_RETURN_INT64((int64) deleted);
}
