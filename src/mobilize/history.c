/*-------------------------------------------------------------------------
 *
 * history.c
 *		ctem.exposure_event, written set-based.
 *
 * Every change of an exposure's status, priority or team is an event.  The AFTER
 * UPDATE row trigger of ctem.exposure (WHEN status or priority changed)
 * only notes the event in memory; the AFTER UPDATE statement trigger, which
 * fires after all row triggers of its statement, writes the statement's
 * events with one INSERT per EVENT_BATCH events.  A KEV load that moves
 * ten thousand exposures to P1 writes their history with one statement
 * instead of running ten thousand.
 *
 * Pending events live in TopTransactionContext and carry the subtransaction
 * that noted them: a statement and all its triggers run in one
 * subtransaction, so the statement trigger writes exactly the events of
 * its own subtransaction (an enclosing statement's events wait for that
 * statement's trigger).  A subtransaction that aborts drops its events,
 * one that commits hands them to its parent, and a transaction must not
 * commit with events unwritten (only possible when someone disabled the
 * statement trigger but not the row trigger): that is an error, not a lost
 * history.
 *
 * Event ids: after a restore ctem.exposure_event can hold ids the sequence
 * has not reached yet (pg_dump sets sequences after all table data, and a
 * plain restore re-scores as the context tables load).  So before writing,
 * when the next id is not above the highest id of a tenant in the batch,
 * the sequence is moved past it, under an advisory lock keyed on the
 * sequence's oid and never below the last value handed out (see
 * docs/architecture.md, "Backup and restore").
 *
 * The writes run as the owner of ctem.exposure_event: nobody needs INSERT
 * on the history to change an exposure.  The actor column's default,
 * ctem.event_actor(), still names the role whose statement made the change.
 *
 * src/mobilize/history.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "compat.h"
#include "common/common.h"
#include "guc.h"
#include "mobilize/outbox.h"
#include "mobilize/workflow.h"

PG_FUNCTION_INFO_V1(ctem_exposure_history_row);
PG_FUNCTION_INFO_V1(ctem_exposure_history_flush);


/* events per INSERT statement */
#define EVENT_BATCH 10000

typedef enum EventKind
{
	EV_REOPENED,
	EV_RESOLVED,
	EV_STATUS_CHANGED,
	EV_PRIORITY_CHANGED,
	EV_ACCEPTED,
	EV_ACCEPTANCE_EXPIRED,
	EV_ACCEPTANCE_REVOKED,
	EV_TEAM_CHANGED
} EventKind;

static const char *const event_names[] = {
	"reopened", "resolved", "status_changed", "priority_changed",
	"accepted", "acceptance_expired", "acceptance_revoked", "team_changed"
};

typedef struct PendingEvent
{
	SubTransactionId subid;		/* that noted it */
	int32		tenant;
	int64		exposure_id;
	EventKind	kind;
	Oid			old_status;		/* enum values; InvalidOid = NULL */
	Oid			new_status;
	Oid			old_priority;
	Oid			new_priority;
	const char *note;			/* ctem.event_note then, or NULL */
	const char *app_actor;		/* the workflow's application actor, or NULL */
	int64		acceptance_id;	/* the workflow's risk acceptance, 0 = none */
	const char *old_team;		/* ctem.exposure.team (scope/routing.c) */
	const char *new_team;
} PendingEvent;

/* this transaction's events not yet written (TopTransactionContext) */
static PendingEvent *pending = NULL;
static int	npending = 0;
static int	pending_cap = 0;
static const char *last_note = NULL;	/* notes repeat: shared copies */

/* enum types of ctem.exposure's status and priority, from the row trigger */
static Oid	status_type = InvalidOid;
static Oid	priority_type = InvalidOid;

/* saved plans: the INSERT (for those enum types) and the highest-id probe */
static SPIPlanPtr insert_plan = NULL;
static Oid	insert_plan_types[2];
static bool insert_plan_team = false;
static bool insert_plan_workflow = false;

/*
 * The columns ctem.exposure_event has: those of ctem.scope_install (team)
 * and ctem.workflow_install (app_actor, acceptance_id) are missing in a
 * database still at 0.5.0 that this library serves until ALTER EXTENSION
 * UPDATE.  Told by the trigger's own relation: its team column, its
 * trigger exposure_workflow.
 */
static bool has_team = false;
static bool has_workflow = false;
static SPIPlanPtr top_plan = NULL;

static CtemEnumCodes status_codes;

/* attribute numbers of tenant_id, id, status, priority in atts_rel */
static Oid	atts_rel = InvalidOid;
static int	atts_natts = 0;
static int	atts[4];
static AttrNumber atts_team = InvalidAttrNumber;
static bool atts_workflow = false;
static bool atts_outbox = false;
static bool callbacks_registered = false;

/* outbox rows follow the history: ctem.outbox_install made the triggers */
static bool has_outbox = false;
static CtemEnumCodes priority_codes;

static void
history_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (npending > 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("%d history event(s) of ctem.exposure were not written", npending),
						 errdetail("The row trigger exposure_history noted them, but the statement trigger exposure_history_flush did not run."),
						 errhint("Enable or disable the two triggers of ctem.exposure together.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the memory goes with TopTransactionContext */
			pending = NULL;
			npending = 0;
			pending_cap = 0;
			last_note = NULL;
			break;
		default:
			break;
	}
}

static void
history_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
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
		!TRIGGER_FIRED_BY_UPDATE(td->tg_event) ||
		(row ? !TRIGGER_FIRED_FOR_ROW(td->tg_event) : !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be an AFTER UPDATE %s trigger of ctem.exposure",
						name, row ? "row" : "statement")));
}

static Oid
enum_or_invalid(HeapTuple tup, TupleDesc desc, int att)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, att, desc, &isnull);

	return isnull ? InvalidOid : DatumGetObjectId(d);
}

/* code of a status value, -1 for NULL */
static int
status_code(Oid status)
{
	return OidIsValid(status) ?
		ctem_enum_code(&status_codes, ObjectIdGetDatum(status), ctem_status_parse) : -1;
}

/* 1 to 4 for a ctem.priority label P1 to P4, -1 otherwise */
static int
priority_parse(const char *label)
{
	if (label[0] == 'P' && label[1] >= '1' && label[1] <= '4' && label[2] == '\0')
		return label[1] - '0';
	return -1;
}

/* code of a priority value (1 = P1), 99 for NULL */
static int
priority_code(Oid priority)
{
	int			c;

	if (!OidIsValid(priority))
		return 99;
	c = ctem_enum_code(&priority_codes, ObjectIdGetDatum(priority), priority_parse);
	return c < 0 ? 99 : c;
}

/*
 * The outbox event of a history event (docs/mobilization.md, "The ticketing
 * outbox"), or NULL: a reopen, an acceptance's end, or an active exposure
 * whose priority rose to P1 or P2.
 */
static const char *
outbox_event_type(const PendingEvent *ev)
{
	int			now;
	int			p;

	switch (ev->kind)
	{
		case EV_REOPENED:
			return "reopened";
		case EV_ACCEPTANCE_EXPIRED:
			return "acceptance_expired";
		case EV_ACCEPTANCE_REVOKED:
			return "acceptance_revoked";
		default:
			break;
	}
	now = status_code(ev->new_status);
	if (now < 0 || CTEM_STATUS_CLOSED(now))
		return NULL;
	p = priority_code(ev->new_priority);
	if (p <= 2 && p < priority_code(ev->old_priority))
		return "priority_raised";
	return NULL;
}

/*
 * ctem.exposure_history_row(): AFTER UPDATE row trigger of ctem.exposure,
 * created WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS
 * DISTINCT FROM NEW.priority).  Notes the event.
 */
Datum
ctem_exposure_history_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	int			att_tenant,
				att_id,
				att_status,
				att_priority;
	PendingEvent *ev;
	bool		isnull;
	const char *note;
	const CtemWorkflowContext *wf = ctem_workflow_context();

	check_trigger(fcinfo, "exposure_history_row", true);
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	/* looked up again for another relation or after a column was added */
	if (RelationGetRelid(rel) != atts_rel || desc->natts != atts_natts)
	{
		atts[0] = ctem_attnum(rel, "tenant_id");
		atts[1] = ctem_attnum(rel, "id");
		atts[2] = ctem_attnum(rel, "status");
		atts[3] = ctem_attnum(rel, "priority");
		atts_team = get_attnum(RelationGetRelid(rel), "team");
		atts_workflow = false;
		atts_outbox = false;
		for (int i = 0; rel->trigdesc != NULL && i < rel->trigdesc->numtriggers; i++)
		{
			if (strcmp(rel->trigdesc->triggers[i].tgname, "exposure_workflow") == 0)
				atts_workflow = true;
			if (strcmp(rel->trigdesc->triggers[i].tgname, "exposure_outbox") == 0)
				atts_outbox = true;
		}
		atts_rel = RelationGetRelid(rel);
		atts_natts = desc->natts;
	}
	att_tenant = atts[0];
	att_id = atts[1];
	att_status = atts[2];
	att_priority = atts[3];

	if (!callbacks_registered)
	{
		RegisterXactCallback(history_xact_callback, NULL);
		RegisterSubXactCallback(history_subxact_callback, NULL);
		callbacks_registered = true;
	}
	status_type = TupleDescAttr(desc, att_status - 1)->atttypid;
	priority_type = TupleDescAttr(desc, att_priority - 1)->atttypid;

	if (npending == pending_cap)
	{
		int			newcap = Max(64, pending_cap * 2);

		if (pending == NULL)
			pending = MemoryContextAlloc(TopTransactionContext,
										 sizeof(PendingEvent) * newcap);
		else
			pending = repalloc_huge(pending, sizeof(PendingEvent) * newcap);
		pending_cap = newcap;
	}
	ev = &pending[npending];
	ev->subid = GetCurrentSubTransactionId();
	ev->tenant = DatumGetInt32(heap_getattr(td->tg_newtuple, att_tenant, desc, &isnull));
	ev->exposure_id = DatumGetInt64(heap_getattr(td->tg_newtuple, att_id, desc, &isnull));
	ev->old_status = enum_or_invalid(td->tg_trigtuple, desc, att_status);
	ev->new_status = enum_or_invalid(td->tg_newtuple, desc, att_status);
	ev->old_priority = enum_or_invalid(td->tg_trigtuple, desc, att_priority);
	ev->new_priority = enum_or_invalid(td->tg_newtuple, desc, att_priority);
	ev->old_team = ev->new_team = NULL;
	has_team = atts_team != InvalidAttrNumber;
	has_workflow = atts_workflow;
	has_outbox = atts_outbox;
	if (has_team)
	{
		Datum		ot = heap_getattr(td->tg_trigtuple, atts_team, desc, &isnull);

		if (!isnull)
			ev->old_team = MemoryContextStrdup(TopTransactionContext, TextDatumGetCString(ot));
		ot = heap_getattr(td->tg_newtuple, atts_team, desc, &isnull);
		if (!isnull)
			ev->new_team = MemoryContextStrdup(TopTransactionContext, TextDatumGetCString(ot));
	}
	if (ev->old_status == ev->new_status && ev->old_priority == ev->new_priority)
		ev->kind = EV_TEAM_CHANGED;
	else if (ev->old_status == ev->new_status)
		ev->kind = EV_PRIORITY_CHANGED;
	else
	{
		int			was = status_code(ev->old_status);
		int			now = status_code(ev->new_status);

		if (wf->mode == CTEM_WF_ACCEPT && now == CTEM_STATUS_RISK_ACCEPTED)
			ev->kind = EV_ACCEPTED;
		else if (wf->mode == CTEM_WF_EXPIRE && was == CTEM_STATUS_RISK_ACCEPTED)
			ev->kind = EV_ACCEPTANCE_EXPIRED;
		else if (wf->mode == CTEM_WF_REVOKE && was == CTEM_STATUS_RISK_ACCEPTED)
			ev->kind = EV_ACCEPTANCE_REVOKED;
		else if (was >= 0 && CTEM_STATUS_CLOSED(was) && now >= 0 && !CTEM_STATUS_CLOSED(now))
			ev->kind = EV_REOPENED;
		else if (now >= 0 && CTEM_STATUS_CLOSED(now))
			ev->kind = EV_RESOLVED;
		else
			ev->kind = EV_STATUS_CHANGED;
	}

	/* ctem's workflow functions give the reason; else ctem.event_note */
	note = wf->mode != CTEM_WF_NONE ? wf->note : ctem_event_note;
	ev->app_actor = wf->app_actor == NULL ? NULL :
		MemoryContextStrdup(TopTransactionContext, wf->app_actor);
	ev->acceptance_id = ev->kind == EV_PRIORITY_CHANGED ? 0 : wf->acceptance_id;
	if (note == NULL)
		ev->note = NULL;
	else
	{
		if (last_note == NULL || strcmp(last_note, note) != 0)
			last_note = MemoryContextStrdup(TopTransactionContext, note);
		ev->note = last_note;
	}
	npending++;
	return PointerGetDatum(NULL);
}

/* the highest event id of tenant, 0 if none */
static int64
tenant_top_id(int32 tenant)
{
	Datum		arg = Int32GetDatum(tenant);
	bool		isnull;
	Datum		d;

	{
		Oid			type = INT4OID;

		ctem_spi_keep_plan(&top_plan, "SELECT ev.id FROM ctem.exposure_event ev "
						   "WHERE ev.tenant_id OPERATOR(pg_catalog.=) $1 "
						   "ORDER BY ev.id DESC LIMIT 1", 1, &type);
	}
	/* not read-only: a fresh snapshot, as a volatile function's statement */
	if (SPI_execute_plan(top_plan, &arg, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "ctem: event id probe failed");
	if (SPI_processed == 0)
		return 0;
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

/*
 * The first id of a batch whose tenants are tenants[0..n): the sequence's
 * next value, after moving the sequence past restored ids when needed.
 */
static int64
first_event_id(Oid seq, const int32 *tenants, int n)
{
	int64		id = nextval_internal(seq, false);
	int64		top = 0;

	for (int i = 0; i < n; i++)
		top = Max(top, tenant_top_id(tenants[i]));
	if (top < id)
		return id;

	/*
	 * Sessions taking this path at once are serialised by the lock, and each
	 * moves the sequence to no less than the last value handed out (read
	 * from the sequence itself, not transactional), so setval never goes
	 * back below an id another session already took.
	 */
	DirectFunctionCall1(pg_advisory_lock_int8, Int64GetDatum((int64) seq));
	PG_TRY();
	{
		Datum		arg = Int64GetDatum(top);
		Oid			type = INT8OID;
		bool		isnull;

		if (SPI_execute_with_args("SELECT GREATEST($1, s.last_value) FROM ctem.exposure_event_id_seq s",
								  1, &type, &arg, NULL, false, 1) != SPI_OK_SELECT ||
			SPI_processed != 1)
			elog(ERROR, "ctem: could not read the event id sequence");
		top = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		DirectFunctionCall2(setval_oid, ObjectIdGetDatum(seq), Int64GetDatum(top));
		id = nextval_internal(seq, false);
	}
	PG_FINALLY();
	{
		DirectFunctionCall1(pg_advisory_unlock_int8, Int64GetDatum((int64) seq));
	}
	PG_END_TRY();
	return id;
}

static Datum
enum_array(const Oid *vals, const bool *nulls, int n, Oid type)
{
	int			dims[1] = {n};
	int			lbs[1] = {1};
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		d[i] = ObjectIdGetDatum(vals[i]);
	return PointerGetDatum(construct_md_array(d, (bool *) nulls, 1, dims, lbs, type,
											  sizeof(Oid), true, TYPALIGN_INT));
}

/* write ev[0..n) with ids from first on (the sequence's next values) */
static void
insert_events(const PendingEvent *ev, int n, Oid seq, int64 first)
{
	Datum		args[13];
	int			dims[1] = {n};
	int			lbs[1] = {1};
	Datum	   *tenants = palloc(sizeof(Datum) * n);
	Datum	   *ids = palloc(sizeof(Datum) * n);
	Datum	   *exposures = palloc(sizeof(Datum) * n);
	Datum	   *kinds = palloc(sizeof(Datum) * n);
	Datum	   *notes = palloc(sizeof(Datum) * n);
	bool	   *note_nulls = palloc(sizeof(bool) * n);
	Datum	   *actors = palloc(sizeof(Datum) * n);
	bool	   *actor_nulls = palloc(sizeof(bool) * n);
	Datum	   *acceptances = palloc(sizeof(Datum) * n);
	bool	   *acceptance_nulls = palloc(sizeof(bool) * n);
	Datum	   *teams[2];
	bool	   *team_nulls[2];
	int			nargs = 9;
	Oid		   *e[4];
	bool	   *en[4];
	Datum		kind_text[lengthof(event_names)];

	if (insert_plan == NULL || insert_plan_types[0] != status_type ||
		insert_plan_types[1] != priority_type || insert_plan_team != has_team ||
		insert_plan_workflow != has_workflow)
	{
		Oid			types[13];
		SPIPlanPtr	p;
		StringInfoData cols;
		StringInfoData vals;
		int			k = 9;

		types[0] = INT4ARRAYOID;
		types[1] = INT8ARRAYOID;
		types[2] = INT8ARRAYOID;
		types[3] = TEXTARRAYOID;
		types[4] = types[5] = get_array_type(status_type);
		types[6] = types[7] = get_array_type(priority_type);
		types[8] = TEXTARRAYOID;
		/* the columns this database has (see has_team, has_workflow) */
		initStringInfo(&cols);
		initStringInfo(&vals);
		appendStringInfoString(&cols, "tenant_id, id, exposure_id, event, old_status, "
							   "new_status, old_priority, new_priority, note");
		for (int i = 1; i <= 9; i++)
			appendStringInfo(&vals, "%spg_catalog.unnest($%d)", i > 1 ? ", " : "", i);
		if (has_workflow)
		{
			appendStringInfoString(&cols, ", app_actor, acceptance_id");
			types[k++] = TEXTARRAYOID;
			types[k++] = INT8ARRAYOID;
		}
		if (has_team)
		{
			appendStringInfoString(&cols, ", old_team, new_team");
			types[k++] = TEXTARRAYOID;
			types[k++] = TEXTARRAYOID;
		}
		for (int i = 10; i <= k; i++)
			appendStringInfo(&vals, ", pg_catalog.unnest($%d)", i);
		p = SPI_prepare(psprintf("INSERT INTO ctem.exposure_event (%s) SELECT * FROM ROWS FROM (%s)",
								 cols.data, vals.data),
						k, types);
		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "ctem: could not prepare the history insert: %s",
				 SPI_result_code_string(SPI_result));
		if (insert_plan != NULL)
			SPI_freeplan(insert_plan);
		insert_plan = p;
		insert_plan_types[0] = status_type;
		insert_plan_types[1] = priority_type;
		insert_plan_team = has_team;
		insert_plan_workflow = has_workflow;
	}

	for (int k = 0; k < lengthof(event_names); k++)
		kind_text[k] = PointerGetDatum(cstring_to_text(event_names[k]));
	for (int k = 0; k < 4; k++)
	{
		e[k] = palloc(sizeof(Oid) * n);
		en[k] = palloc(sizeof(bool) * n);
	}
	for (int k = 0; k < 2; k++)
	{
		teams[k] = palloc(sizeof(Datum) * n);
		team_nulls[k] = palloc(sizeof(bool) * n);
	}
	for (int i = 0; i < n; i++)
	{
		tenants[i] = Int32GetDatum(ev[i].tenant);
		ids[i] = Int64GetDatum(i == 0 ? first : nextval_internal(seq, false));
		exposures[i] = Int64GetDatum(ev[i].exposure_id);
		kinds[i] = kind_text[ev[i].kind];
		note_nulls[i] = ev[i].note == NULL;
		notes[i] = note_nulls[i] ? (Datum) 0 : PointerGetDatum(cstring_to_text(ev[i].note));
		actor_nulls[i] = ev[i].app_actor == NULL;
		actors[i] = actor_nulls[i] ? (Datum) 0 : PointerGetDatum(cstring_to_text(ev[i].app_actor));
		acceptance_nulls[i] = ev[i].acceptance_id == 0;
		acceptances[i] = Int64GetDatum(ev[i].acceptance_id);
		team_nulls[0][i] = ev[i].old_team == NULL;
		teams[0][i] = team_nulls[0][i] ? (Datum) 0 : CStringGetTextDatum(ev[i].old_team);
		team_nulls[1][i] = ev[i].new_team == NULL;
		teams[1][i] = team_nulls[1][i] ? (Datum) 0 : CStringGetTextDatum(ev[i].new_team);
		e[0][i] = ev[i].old_status;
		e[1][i] = ev[i].new_status;
		e[2][i] = ev[i].old_priority;
		e[3][i] = ev[i].new_priority;
		for (int k = 0; k < 4; k++)
			en[k][i] = !OidIsValid(e[k][i]);
	}
	args[0] = PointerGetDatum(construct_array(tenants, n, INT4OID, 4, true, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(ids, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[2] = PointerGetDatum(construct_array(exposures, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[3] = PointerGetDatum(construct_array(kinds, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[4] = enum_array(e[0], en[0], n, status_type);
	args[5] = enum_array(e[1], en[1], n, status_type);
	args[6] = enum_array(e[2], en[2], n, priority_type);
	args[7] = enum_array(e[3], en[3], n, priority_type);
	args[8] = PointerGetDatum(construct_md_array(notes, note_nulls, 1, dims, lbs, TEXTOID,
												 -1, false, TYPALIGN_INT));
	if (insert_plan_workflow)
	{
		args[nargs++] = PointerGetDatum(construct_md_array(actors, actor_nulls, 1, dims, lbs, TEXTOID,
														   -1, false, TYPALIGN_INT));
		args[nargs++] = PointerGetDatum(construct_md_array(acceptances, acceptance_nulls, 1, dims, lbs,
														   INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	if (insert_plan_team)
		for (int k = 0; k < 2; k++)
			args[nargs++] = PointerGetDatum(construct_md_array(teams[k], team_nulls[k], 1, dims, lbs,
															   TEXTOID, -1, false, TYPALIGN_INT));
	if (SPI_execute_plan(insert_plan, args, NULL, false, 0) != SPI_OK_INSERT ||
		SPI_processed != (uint64) n)
		elog(ERROR, "ctem: writing %d history events failed", n);
}

/*
 * ctem.exposure_history_flush(): AFTER UPDATE statement trigger of
 * ctem.exposure.  Writes the events its statement's row triggers noted.
 */
Datum
ctem_exposure_history_flush(PG_FUNCTION_ARGS)
{
	SubTransactionId cur = GetCurrentSubTransactionId();
	MemoryContext cxt;
	MemoryContext old;
	PendingEvent *mine;
	int			nmine = 0;
	int			k = 0;
	int32	   *tenants;
	int			ntenants = 0;
	Oid			event_rel;
	Oid			seq;
	Relation	rel;
	CtemSavedUser save;
	int64		first;

	check_trigger(fcinfo, "exposure_history_flush", false);
	for (int i = 0; i < npending; i++)
		if (pending[i].subid == cur)
			nmine++;
	if (nmine == 0)
		return PointerGetDatum(NULL);

	cxt = AllocSetContextCreate(CurrentMemoryContext, "ctem history flush",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	/*
	 * This subtransaction's events leave the pending list now, in order; the
	 * others stay.  Should the writing fail, the subtransaction aborts, which
	 * would drop them anyway.
	 */
	mine = palloc(sizeof(PendingEvent) * nmine);
	tenants = palloc(sizeof(int32) * nmine);
	nmine = 0;
	for (int i = 0; i < npending; i++)
	{
		if (pending[i].subid != cur)
		{
			pending[k++] = pending[i];
			continue;
		}
		mine[nmine++] = pending[i];
		for (int t = 0; t <= ntenants; t++)
		{
			if (t == ntenants)
			{
				tenants[ntenants++] = pending[i].tenant;
				break;
			}
			if (tenants[t] == pending[i].tenant)
				break;
		}
	}

	npending = k;

	event_rel = RangeVarGetRelid(makeRangeVar("ctem", "exposure_event", -1),
								 RowExclusiveLock, false);
	rel = table_open(event_rel, NoLock);
	seq = ctem_get_identity_sequence(rel, ctem_attnum(rel, "id"), false);
	ctem_owner_begin(rel->rd_rel->relowner, &save);
	table_close(rel, NoLock);

	ctem_spi_connect();
	first = first_event_id(seq, tenants, ntenants);
	for (int b = 0; b < nmine; b += EVENT_BATCH)
	{
		int			m = Min(EVENT_BATCH, nmine - b);

		insert_events(mine + b, m, seq, b == 0 ? first : nextval_internal(seq, false));
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	ctem_owner_end(&save);

	/* the outbox rows of these events, in the same pass */
	if (has_outbox)
	{
		CtemOutboxEvent *out = palloc(sizeof(CtemOutboxEvent) * nmine);
		int			nout = 0;

		for (int i = 0; i < nmine; i++)
		{
			const char *type = outbox_event_type(&mine[i]);

			if (type == NULL)
				continue;
			out[nout].tenant = mine[i].tenant;
			out[nout].exposure_id = mine[i].exposure_id;
			out[nout].event_type = type;
			out[nout].team = mine[i].new_team;
			nout++;
		}
		ctem_outbox_enqueue(out, nout);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return PointerGetDatum(NULL);
}

/*
 * ctem.event_actor() -> text: the role that made a change, for the history.
 * That is current_user outside any SECURITY DEFINER function: the re-scoring
 * triggers run as the extension's owner (a role allowed to change controls
 * need not be allowed to update exposures), and the ref-action triggers as
 * the table owner, but the event belongs to whoever's statement caused it.
 */
PG_FUNCTION_INFO_V1(ctem_event_actor);
Datum
ctem_event_actor(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(GetUserNameFromId(GetOuterUserId(), false)));
}
