/*-------------------------------------------------------------------------
 *
 * outbox.c
 *		ctem.outbox, written set-based from the exposure triggers.
 *
 * A ticketing integration needs an event when an exposure becomes urgent:
 * a new active P1 or P2, a priority raised to P1 or P2, a reopen, an
 * acceptance that expired or was revoked (SLA breaches come from
 * ctem.run_maintenance, in SQL).  The outbox rows are written in the
 * transaction that made the change, so a ticket exists exactly when the
 * change does, and NOTIFY ctem_events (from ctem.outbox_write) is
 * delivered on commit.
 *
 * New exposures: the AFTER INSERT row trigger exposure_outbox fires only
 * WHEN the row is an active P1 or P2 (the condition costs a COPY about an
 * expression per row; other rows queue no trigger event) and notes the
 * exposure in memory; the AFTER INSERT statement trigger
 * exposure_outbox_flush writes the statement's notes with one
 * ctem.outbox_write per tenant: a plain INSERT of the event, the exposure
 * and its team.  The ticket (payload) is built when a consumer first claims
 * the row (ctem.outbox_fill), so that a bulk COPY pays a few microseconds
 * per P1/P2 row, not the building of a ticket.  Updates: the history's statement trigger
 * (history.c) hands its qualifying events to ctem_outbox_enqueue, so a
 * change that writes history writes its outbox rows in the same pass.
 *
 * Pending notes live in TopTransactionContext with the subtransaction that
 * noted them, as the history's do: an aborted subtransaction drops its
 * notes.
 *
 * The writes run as the owner of ctem.outbox: nobody needs INSERT on the
 * outbox to insert an exposure.
 *
 * src/mobilize/outbox.c
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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "common/common.h"
#include "mobilize/outbox.h"

PG_FUNCTION_INFO_V1(ctem_exposure_outbox_row);
PG_FUNCTION_INFO_V1(ctem_exposure_outbox_flush);

typedef struct PendingNew
{
	SubTransactionId subid;
	int32		tenant;
	int64		exposure_id;
	const char *team;			/* in TopTransactionContext, or NULL */
} PendingNew;

/* this transaction's new P1/P2 exposures not yet written */
static PendingNew *pending = NULL;
static int	npending = 0;
static int	pending_cap = 0;
static bool callbacks_registered = false;

static Oid	atts_rel = InvalidOid;
static int	atts_natts = 0;
static int	att_tenant = 0;
static int	att_id = 0;
static AttrNumber att_team = InvalidAttrNumber;
static const char *last_team = NULL;	/* teams repeat: shared copies */

static SPIPlanPtr write_plan = NULL;

static void
outbox_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the memory goes with TopTransactionContext */
			pending = NULL;
			npending = 0;
			pending_cap = 0;
			last_team = NULL;
			break;
		default:
			break;
	}
}

static void
outbox_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	int			k = 0;

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		for (int i = 0; i < npending; i++)
			if (pending[i].subid != mySubid)
				pending[k++] = pending[i];
		npending = k;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		for (int i = 0; i < npending; i++)
			if (pending[i].subid == mySubid)
				pending[i].subid = parentSubid;
	}
}

static void
check_trigger(FunctionCallInfo fcinfo, const char *name, bool row)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
		(row ? !TRIGGER_FIRED_FOR_ROW(td->tg_event) : !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be an AFTER INSERT %s trigger of ctem.exposure",
						name, row ? "row" : "statement")));
}

/*
 * ctem.exposure_outbox_row(): AFTER INSERT row trigger of ctem.exposure,
 * created WHEN the new row is an active P1 or P2.  Notes it.
 */
Datum
ctem_exposure_outbox_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	PendingNew *p;
	bool		isnull;

	check_trigger(fcinfo, "exposure_outbox_row", true);
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	if (RelationGetRelid(rel) != atts_rel || desc->natts != atts_natts)
	{
		att_tenant = ctem_attnum(rel, "tenant_id");
		att_id = ctem_attnum(rel, "id");
		att_team = get_attnum(RelationGetRelid(rel), "team");
		atts_rel = RelationGetRelid(rel);
		atts_natts = desc->natts;
	}
	if (!callbacks_registered)
	{
		RegisterXactCallback(outbox_xact_callback, NULL);
		RegisterSubXactCallback(outbox_subxact_callback, NULL);
		callbacks_registered = true;
	}
	if (npending == pending_cap)
	{
		int			newcap = Max(64, pending_cap * 2);

		if (pending == NULL)
			pending = MemoryContextAlloc(TopTransactionContext, sizeof(PendingNew) * newcap);
		else
			pending = repalloc_huge(pending, sizeof(PendingNew) * newcap);
		pending_cap = newcap;
	}
	p = &pending[npending++];
	p->subid = GetCurrentSubTransactionId();
	p->tenant = DatumGetInt32(heap_getattr(td->tg_trigtuple, att_tenant, desc, &isnull));
	p->exposure_id = DatumGetInt64(heap_getattr(td->tg_trigtuple, att_id, desc, &isnull));
	p->team = NULL;
	if (att_team != InvalidAttrNumber)
	{
		Datum		t = heap_getattr(td->tg_trigtuple, att_team, desc, &isnull);

		if (!isnull)
		{
			char	   *team = TextDatumGetCString(t);

			if (last_team == NULL || strcmp(last_team, team) != 0)
				last_team = MemoryContextStrdup(TopTransactionContext, team);
			pfree(team);
			p->team = last_team;
		}
	}
	return PointerGetDatum(NULL);
}

static int
cmp_tenant(const void *a, const void *b)
{
	const CtemOutboxEvent *x = a;
	const CtemOutboxEvent *y = b;

	if (x->tenant != y->tenant)
		return x->tenant < y->tenant ? -1 : 1;
	return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

/*
 * Write outbox rows for ev[0..n): one ctem.outbox_write per tenant, as the
 * owner of ctem.outbox.  Reorders ev.  Nothing when the outbox does not
 * exist (a database not yet upgraded).
 */
void
ctem_outbox_enqueue(CtemOutboxEvent *ev, int n)
{
	Oid			nsp;
	Oid			relid;
	Oid			owner;
	CtemSavedUser save;
	MemoryContext cxt;
	MemoryContext old;

	if (n <= 0)
		return;
	nsp = get_namespace_oid("ctem", true);
	relid = OidIsValid(nsp) ? get_relname_relid("outbox", nsp) : InvalidOid;
	if (!OidIsValid(relid))
		return;
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));

		if (!HeapTupleIsValid(tup))
			return;
		owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
		ReleaseSysCache(tup);
	}

	cxt = AllocSetContextCreate(CurrentMemoryContext, "ctem outbox write",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	for (int i = 0; i < n; i++)
		ev[i].order = i;
	qsort(ev, n, sizeof(CtemOutboxEvent), cmp_tenant);

	ctem_owner_begin(owner, &save);
	ctem_spi_connect();
	{
		Oid			types[4] = {INT4OID, INT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID};

		ctem_spi_keep_plan(&write_plan, "SELECT ctem.outbox_write($1, $2, $3, $4)", 4, types);
	}
	for (int b = 0; b < n;)
	{
		int			e = b;
		Datum	   *ids;
		Datum	   *types;
		Datum	   *teams;
		bool	   *team_nulls;
		int			dims[1];
		int			lbs[1] = {1};
		Datum		args[4];

		while (e < n && ev[e].tenant == ev[b].tenant)
			e++;
		ids = palloc(sizeof(Datum) * (e - b));
		types = palloc(sizeof(Datum) * (e - b));
		teams = palloc(sizeof(Datum) * (e - b));
		team_nulls = palloc(sizeof(bool) * (e - b));
		for (int i = b; i < e; i++)
		{
			ids[i - b] = Int64GetDatum(ev[i].exposure_id);
			types[i - b] = CStringGetTextDatum(ev[i].event_type);
			team_nulls[i - b] = ev[i].team == NULL;
			teams[i - b] = ev[i].team == NULL ? (Datum) 0 : CStringGetTextDatum(ev[i].team);
		}
		dims[0] = e - b;
		args[0] = Int32GetDatum(ev[b].tenant);
		args[1] = PointerGetDatum(construct_array(ids, e - b, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[2] = PointerGetDatum(construct_array(types, e - b, TEXTOID, -1, false, TYPALIGN_INT));
		args[3] = PointerGetDatum(construct_md_array(teams, team_nulls, 1, dims, lbs, TEXTOID,
													 -1, false, TYPALIGN_INT));
		if (SPI_execute_plan(write_plan, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "ctem: writing %d outbox rows failed", e - b);
		b = e;
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	ctem_owner_end(&save);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/*
 * ctem.exposure_outbox_flush(): AFTER INSERT statement trigger of
 * ctem.exposure.  Writes the outbox rows of the new P1 and P2 exposures
 * its statement's row triggers noted.
 */
Datum
ctem_exposure_outbox_flush(PG_FUNCTION_ARGS)
{
	SubTransactionId cur = GetCurrentSubTransactionId();
	CtemOutboxEvent *mine;
	int			nmine = 0;
	int			k = 0;

	check_trigger(fcinfo, "exposure_outbox_flush", false);
	for (int i = 0; i < npending; i++)
		if (pending[i].subid == cur)
			nmine++;
	if (nmine == 0)
		return PointerGetDatum(NULL);

	mine = palloc(sizeof(CtemOutboxEvent) * nmine);
	nmine = 0;
	for (int i = 0; i < npending; i++)
	{
		if (pending[i].subid != cur)
		{
			pending[k++] = pending[i];
			continue;
		}
		mine[nmine].tenant = pending[i].tenant;
		mine[nmine].exposure_id = pending[i].exposure_id;
		mine[nmine].event_type = "new";
		mine[nmine].team = pending[i].team;
		nmine++;
	}
	npending = k;
	ctem_outbox_enqueue(mine, nmine);
	pfree(mine);
	return PointerGetDatum(NULL);
}
