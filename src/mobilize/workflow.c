/*-------------------------------------------------------------------------
 *
 * workflow.c
 *		The exposure workflow and risk acceptance: which status changes are
 *		allowed, ctem.set_status for bulk work, and the life of a risk
 *		acceptance (applied when recorded, ended by expiry or revocation).
 *
 * The trigger exposure_workflow (BEFORE UPDATE of ctem.exposure, only for
 * rows whose status changes) refuses a transition the workflow does not
 * allow; exposure_workflow_insert (BEFORE INSERT, only for rows inserted
 * as risk_accepted) refuses such rows.  Both run after exposure_before_row
 * (triggers fire in name order), so a re-detection the merge turns into an
 * UPDATE of the existing row is checked as that UPDATE.
 *
 * ctem's own functions change statuses inside a workflow context (mode,
 * reason, application actor, acceptance): the trigger allows what the mode
 * allows (risk_accepted is reached only while an acceptance is applied and
 * left to open only while one ends), and the history (history.c) writes
 * the context's reason, actor and acceptance with the events.  The context
 * is a backend-local variable, set only around the statements these
 * functions run and restored on error: no SQL can set it.
 *
 * Acceptances are applied, expired and revoked as the owner of
 * ctem.risk_acceptance, as a foreign key's cascade runs: the right to
 * accept is INSERT on ctem.risk_acceptance.  The history's actor still
 * names the role whose statement made the change.
 *
 * src/mobilize/workflow.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "common/common.h"
#include "common/tenant.h"
#include "guc.h"
#include "mobilize/workflow.h"

PG_FUNCTION_INFO_V1(ctem_exposure_workflow);
PG_FUNCTION_INFO_V1(ctem_set_status);
PG_FUNCTION_INFO_V1(ctem_risk_acceptance_applied);
PG_FUNCTION_INFO_V1(ctem_risk_acceptance_guard);
PG_FUNCTION_INFO_V1(ctem_apply_acceptance);
PG_FUNCTION_INFO_V1(ctem_expire_acceptances);
PG_FUNCTION_INFO_V1(ctem_revoke_acceptance);

static CtemWorkflowContext current = {CTEM_WF_NONE, NULL, NULL, 0};
static CtemEnumCodes status_codes;

const CtemWorkflowContext *
ctem_workflow_context(void)
{
	return &current;
}

/* ------------------------------------------------------------------------
 * The transitions
 * ------------------------------------------------------------------------ */

static const char *const status_names[] = {
	"open", "in_progress", "fixed", "risk_accepted", "false_positive"
};

/* what the hint lists as allowed from each status */
static const char *const allowed_targets[] = {
	"in_progress, fixed, false_positive (with a reason), and risk_accepted through a risk acceptance",
	"open, fixed, false_positive (with a reason), and risk_accepted through a risk acceptance",
	"open (reopen)",
	"fixed, and open when its risk acceptance expires (ctem.expire_acceptances) or is revoked (ctem.revoke_acceptance)",
	"open (reopen)"
};

/* may an exposure go from "from" to "to" in this mode? */
static bool
transition_allowed(int from, int to, CtemWorkflowMode mode)
{
	switch (from)
	{
		case CTEM_STATUS_OPEN:
		case CTEM_STATUS_IN_PROGRESS:
			if (to == CTEM_STATUS_RISK_ACCEPTED)
				return mode == CTEM_WF_ACCEPT;
			return true;
		case CTEM_STATUS_FIXED:
		case CTEM_STATUS_FALSE_POSITIVE:
			return to == CTEM_STATUS_OPEN;
		case CTEM_STATUS_RISK_ACCEPTED:
			if (to == CTEM_STATUS_OPEN)
				return mode == CTEM_WF_EXPIRE || mode == CTEM_WF_REVOKE;
			return to == CTEM_STATUS_FIXED;
	}
	return false;
}

/* the reason a status change gives: the context's, else ctem.event_note */
static bool
has_reason(void)
{
	const char *r = current.mode != CTEM_WF_NONE ? current.note : ctem_event_note;

	if (r == NULL)
		return false;
	while (*r == ' ' || *r == '\t' || *r == '\n')
		r++;
	return *r != '\0';
}

static int
status_of(Datum d)
{
	int			code = ctem_enum_code(&status_codes, d, ctem_status_parse);

	if (code < 0 || code >= lengthof(status_names))
		elog(ERROR, "ctem: unknown exposure status");
	return code;
}

/*
 * ctem.exposure_workflow(): BEFORE row trigger of ctem.exposure, for
 * UPDATE (WHEN the status changes) and INSERT (WHEN the row is inserted as
 * risk_accepted).  Refuses what the workflow does not allow.
 */
Datum
ctem_exposure_workflow(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	int			att_status;
	int			att_id;
	bool		isnull;
	Datum		d;
	int			from,
				to;
	int64		id;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("exposure_workflow() must be a BEFORE INSERT or UPDATE row trigger of ctem.exposure")));
	desc = RelationGetDescr(td->tg_relation);
	att_status = ctem_attnum(td->tg_relation, "status");
	att_id = ctem_attnum(td->tg_relation, "id");

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		d = heap_getattr(td->tg_trigtuple, att_status, desc, &isnull);
		if (!isnull && status_of(d) == CTEM_STATUS_RISK_ACCEPTED)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("an exposure cannot be inserted as \"risk_accepted\""),
					 errdetail("An exposure becomes risk_accepted only through a risk acceptance."),
					 errhint("Insert it as open, then record the acceptance: INSERT INTO ctem.risk_acceptance (exposure_id, reason, expires_at) VALUES (...).")));
		return PointerGetDatum(td->tg_trigtuple);
	}

	d = heap_getattr(td->tg_trigtuple, att_status, desc, &isnull);
	if (isnull)
		return PointerGetDatum(td->tg_newtuple);
	from = status_of(d);
	d = heap_getattr(td->tg_newtuple, att_status, desc, &isnull);
	if (isnull)
		return PointerGetDatum(td->tg_newtuple);	/* NOT NULL reports it */
	to = status_of(d);
	if (from == to)
		return PointerGetDatum(td->tg_newtuple);
	id = DatumGetInt64(heap_getattr(td->tg_newtuple, att_id, desc, &isnull));

	if (!transition_allowed(from, to, current.mode))
	{
		if (to == CTEM_STATUS_RISK_ACCEPTED)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("exposure %lld cannot change status from \"%s\" to \"%s\"",
							(long long) id, status_names[from], status_names[to]),
					 errdetail("Transition %s -> %s: an exposure becomes risk_accepted only through a risk acceptance.",
							   status_names[from], status_names[to]),
					 errhint("Record the acceptance in ctem.risk_acceptance (exposure_id or match, reason, expires_at); it moves the matching open exposures to risk_accepted.")));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("exposure %lld cannot change status from \"%s\" to \"%s\"",
						(long long) id, status_names[from], status_names[to]),
				 errdetail("Transition %s -> %s is not in the workflow.",
						   status_names[from], status_names[to]),
				 errhint("From %s the workflow allows: %s.",
						 status_names[from], allowed_targets[from])));
	}
	if (to == CTEM_STATUS_FALSE_POSITIVE && !has_reason())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("exposure %lld cannot change status from \"%s\" to \"false_positive\" without a reason",
						(long long) id, status_names[from]),
				 errdetail("Transition %s -> false_positive needs a reason for the history.",
						   status_names[from]),
				 errhint("Use ctem.set_status(ARRAY[...], 'false_positive', 'why'), or SET LOCAL ctem.event_note = 'why' before the UPDATE.")));
	return PointerGetDatum(td->tg_newtuple);
}

/* ------------------------------------------------------------------------
 * Running statements in a workflow context
 * ------------------------------------------------------------------------ */

typedef struct WorkflowCall
{
	CtemWorkflowContext saved;
	CtemSavedUser user;
	bool		as_owner;
} WorkflowCall;

static char *
text_or_null(FunctionCallInfo fcinfo, int arg)
{
	return PG_ARGISNULL(arg) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(arg));
}

static void
require_arg(FunctionCallInfo fcinfo, int arg, const char *name)
{
	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name)));
}

static bool
blank(const char *s)
{
	if (s == NULL)
		return true;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	return *s == '\0';
}

/* the owner of ctem.risk_acceptance */
static Oid
acceptance_owner(void)
{
	Oid			relid = RangeVarGetRelid(makeRangeVar("ctem", "risk_acceptance", -1),
										 NoLock, false);
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Enter a context (and act as the acceptances' owner when as_owner); the
 * caller leaves it with workflow_end, or an error does: the context is
 * restored by the PG_FINALLY of every caller, the user by the abort.
 */
static void
workflow_begin(WorkflowCall *call, CtemWorkflowMode mode, const char *note,
			   const char *app_actor, int64 acceptance_id, bool as_owner)
{
	call->saved = current;
	call->as_owner = as_owner;
	if (as_owner)
		ctem_owner_begin(acceptance_owner(), &call->user);
	current.mode = mode;
	current.note = note;
	current.app_actor = app_actor;
	current.acceptance_id = acceptance_id;
}

static void
workflow_end(WorkflowCall *call)
{
	current = call->saved;
	if (call->as_owner)
		ctem_owner_end(&call->user);
}

static int64
spi_int8(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/* ------------------------------------------------------------------------
 * ctem.set_status
 * ------------------------------------------------------------------------ */

#define MISSING_SQL \
	"SELECT pg_catalog.array_to_string(pg_catalog.array_agg(u.x ORDER BY u.x), ', ') " \
	"FROM (SELECT DISTINCT pg_catalog.unnest($1::bigint[]) AS x) u " \
	"WHERE u.x IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ctem.exposure e " \
	"WHERE e.tenant_id OPERATOR(pg_catalog.=) $2 AND e.id OPERATOR(pg_catalog.=) u.x)"

#define SET_STATUS_SQL \
	"UPDATE ctem.exposure e SET status = $3 " \
	"WHERE e.tenant_id OPERATOR(pg_catalog.=) $2 " \
	"AND e.id OPERATOR(pg_catalog.=) ANY ($1::bigint[]) " \
	"AND e.status OPERATOR(pg_catalog.<>) $3"

/*
 * ctem.set_status(exposure_ids bigint[], status ctem.exposure_status,
 * reason text, actor text DEFAULT NULL, tenant_id integer DEFAULT 1)
 * RETURNS integer: one UPDATE of the tenant's exposures that are not in
 * that status yet; all or nothing (an unknown id, or a transition the
 * workflow refuses for any row, changes nothing).  The number changed.
 */
Datum
ctem_set_status(PG_FUNCTION_ARGS)
{
	Datum		args[3];
	Oid			types[3];
	Oid			status_type = get_fn_expr_argtype(fcinfo->flinfo, 1);
	char	   *reason;
	char	   *actor;
	int32		tenant;
	int			to;
	WorkflowCall call;
	volatile int64 changed = 0;

	require_arg(fcinfo, 0, "exposure_ids");
	require_arg(fcinfo, 1, "status");
	require_arg(fcinfo, 4, "tenant_id");
	reason = text_or_null(fcinfo, 2);
	actor = text_or_null(fcinfo, 3);
	tenant = PG_GETARG_INT32(4);
	ctem_tenant_check(tenant, false);
	if (!OidIsValid(status_type))
		elog(ERROR, "ctem: could not determine the status type");
	to = status_of(PG_GETARG_DATUM(1));
	if (to == CTEM_STATUS_RISK_ACCEPTED)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ctem.set_status cannot set \"risk_accepted\""),
				 errdetail("An exposure becomes risk_accepted only through a risk acceptance."),
				 errhint("Record the acceptance in ctem.risk_acceptance (exposure_id or match, reason, expires_at).")));
	if (to == CTEM_STATUS_FALSE_POSITIVE && blank(reason))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a change to \"false_positive\" needs a reason"),
				 errhint("Pass why the findings are false positives as reason.")));

	args[0] = PG_GETARG_DATUM(0);
	types[0] = INT8ARRAYOID;
	args[1] = Int32GetDatum(tenant);
	types[1] = INT4OID;
	args[2] = PG_GETARG_DATUM(1);
	types[2] = status_type;

	ctem_spi_connect();
	if (SPI_execute_with_args(MISSING_SQL, 2, types, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "ctem: could not look up the exposures");
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		m = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("no exposure %s in tenant %d", TextDatumGetCString(m), tenant),
					 errdetail("ctem.set_status changes all the exposures it is given or none."),
					 errhint("Pass the ids of exposures of this tenant (tenant_id => ...).")));
	}

	workflow_begin(&call, CTEM_WF_SET_STATUS, reason, actor, 0, false);
	PG_TRY();
	{
		if (SPI_execute_with_args(SET_STATUS_SQL, 3, types, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "ctem: could not change the status");
		changed = (int64) SPI_processed;
	}
	PG_FINALLY();
	{
		workflow_end(&call);
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_INT32((int32) changed);
}

/* ------------------------------------------------------------------------
 * Risk acceptances
 * ------------------------------------------------------------------------ */

/* the acceptance $1/$2: exposure_id, reason, approved_by, active at $3 */
#define ACCEPTANCE_SQL \
	"SELECT a.exposure_id, a.reason, a.approved_by, " \
	"(a.ended_at IS NULL AND a.expires_at OPERATOR(pg_catalog.>) $3), a.ended_at IS NULL " \
	"FROM ctem.risk_acceptance a WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 " \
	"AND a.id OPERATOR(pg_catalog.=) $2 FOR UPDATE"

/*
 * The exposures an acceptance covers: active (or accepted already by
 * another acceptance) and matching.  Extension point: the asset filter of
 * a match's member "assets" is a scope filter (ctem.filter_matches, the
 * language of ctem.scope) over the exposure's asset (docs/mobilization.md).
 */
#define LINK_HEAD_SQL \
	"INSERT INTO ctem.risk_acceptance_exposure (tenant_id, acceptance_id, exposure_id) " \
	"SELECT a.tenant_id, a.id, e.id FROM ctem.risk_acceptance a, ctem.exposure e " \
	"WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 AND a.id OPERATOR(pg_catalog.=) $2 " \
	"AND e.tenant_id OPERATOR(pg_catalog.=) $1 " \
	"AND e.status OPERATOR(pg_catalog.=) ANY ('{open,in_progress,risk_accepted}'::ctem.exposure_status[]) "
#define LINK_TAIL_SQL \
	"ON CONFLICT DO NOTHING"
#define LINK_ONE_SQL LINK_HEAD_SQL \
	"AND e.id OPERATOR(pg_catalog.=) a.exposure_id " LINK_TAIL_SQL
#define LINK_MATCH_SQL LINK_HEAD_SQL \
	"AND (NOT (a.match OPERATOR(pg_catalog.?) 'asset_id') OR (a.match OPERATOR(pg_catalog.->) 'asset_id') " \
	"OPERATOR(pg_catalog.@>) pg_catalog.to_jsonb(e.asset_id)) " \
	"AND (NOT (a.match OPERATOR(pg_catalog.?) 'rule_id') OR (a.match OPERATOR(pg_catalog.->) 'rule_id') " \
	"OPERATOR(pg_catalog.@>) pg_catalog.to_jsonb(e.rule_id)) " \
	"AND (NOT (a.match OPERATOR(pg_catalog.?) 'rule_pattern') OR e.rule_id OPERATOR(pg_catalog.~~) " \
	"(a.match OPERATOR(pg_catalog.->>) 'rule_pattern')) " \
	"AND (NOT (a.match OPERATOR(pg_catalog.?) 'kind') OR (a.match OPERATOR(pg_catalog.->) 'kind') " \
	"OPERATOR(pg_catalog.@>) pg_catalog.to_jsonb(e.kind::text)) " \
	"AND (NOT (a.match OPERATOR(pg_catalog.?) 'assets') OR EXISTS (SELECT 1 FROM ctem.asset x " \
	"WHERE x.tenant_id OPERATOR(pg_catalog.=) $1 AND x.id OPERATOR(pg_catalog.=) e.asset_id " \
	"AND ctem.filter_matches(a.match OPERATOR(pg_catalog.->) 'assets', x.kind, x.natural_key, " \
	"x.environment, x.business_service, x.owner, x.criticality, x.internet_facing, " \
	"x.crown_jewel, x.tags))) " LINK_TAIL_SQL

/* the active exposures the acceptance covers go to risk_accepted */
#define ACCEPT_SQL \
	"UPDATE ctem.exposure e SET status = 'risk_accepted' " \
	"WHERE e.tenant_id OPERATOR(pg_catalog.=) $1 " \
	"AND e.status OPERATOR(pg_catalog.=) ANY ('{open,in_progress}'::ctem.exposure_status[]) " \
	"AND e.id OPERATOR(pg_catalog.=) ANY (SELECT l.exposure_id FROM ctem.risk_acceptance_exposure l " \
	"WHERE l.tenant_id OPERATOR(pg_catalog.=) $1 AND l.acceptance_id OPERATOR(pg_catalog.=) $2)"

/*
 * When an acceptance ends at $3, its accepted exposures that no other
 * acceptance active at $3 covers reopen.
 */
#define REOPEN_SQL \
	"UPDATE ctem.exposure e SET status = 'open' " \
	"WHERE e.tenant_id OPERATOR(pg_catalog.=) $1 " \
	"AND e.status OPERATOR(pg_catalog.=) 'risk_accepted' " \
	"AND e.id OPERATOR(pg_catalog.=) ANY (SELECT l.exposure_id FROM ctem.risk_acceptance_exposure l " \
	"WHERE l.tenant_id OPERATOR(pg_catalog.=) $1 AND l.acceptance_id OPERATOR(pg_catalog.=) $2) " \
	"AND NOT EXISTS (SELECT 1 FROM ctem.risk_acceptance_exposure l2, ctem.risk_acceptance a2 " \
	"WHERE l2.tenant_id OPERATOR(pg_catalog.=) $1 AND a2.tenant_id OPERATOR(pg_catalog.=) $1 " \
	"AND l2.exposure_id OPERATOR(pg_catalog.=) e.id AND a2.id OPERATOR(pg_catalog.=) l2.acceptance_id " \
	"AND a2.id OPERATOR(pg_catalog.<>) $2 AND a2.ended_at IS NULL " \
	"AND a2.expires_at OPERATOR(pg_catalog.>) $3)"

#define END_SQL \
	"UPDATE ctem.risk_acceptance a SET ended_at = $3, end_reason = $4, " \
	"ended_by = COALESCE($5, ctem.event_actor()) " \
	"WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 AND a.id OPERATOR(pg_catalog.=) $2"

typedef struct Acceptance
{
	bool		found;
	bool		has_exposure;
	char	   *reason;
	char	   *approved_by;
	bool		active;			/* not ended, not expired at "at" */
	bool		open;			/* not ended */
} Acceptance;

/* read (and lock) acceptance id of tenant; connected to SPI */
static Acceptance
acceptance_read(int32 tenant, int64 id, TimestampTz at)
{
	Acceptance	a;
	Oid			types[3] = {INT4OID, INT8OID, TIMESTAMPTZOID};
	Datum		args[3];
	bool		isnull;
	HeapTuple	tup;
	TupleDesc	desc;

	memset(&a, 0, sizeof(a));
	args[0] = Int32GetDatum(tenant);
	args[1] = Int64GetDatum(id);
	args[2] = TimestampTzGetDatum(at);
	if (SPI_execute_with_args(ACCEPTANCE_SQL, 3, types, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "ctem: could not read the risk acceptance");
	if (SPI_processed == 0)
		return a;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	a.found = true;
	(void) SPI_getbinval(tup, desc, 1, &isnull);
	a.has_exposure = !isnull;
	a.reason = SPI_getvalue(tup, desc, 2);
	a.approved_by = SPI_getvalue(tup, desc, 3);
	a.active = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
	a.open = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
	return a;
}

/* the one exposure acceptance id names could not be linked: say why */
static void
exposure_not_acceptable(int32 tenant, int64 id)
{
	Oid			types[2] = {INT4OID, INT8OID};
	Datum		args[2];

	args[0] = Int32GetDatum(tenant);
	args[1] = Int64GetDatum(id);
	if (SPI_execute_with_args("SELECT a.exposure_id, e.status::text FROM ctem.risk_acceptance a "
							  "LEFT JOIN ctem.exposure e ON e.tenant_id OPERATOR(pg_catalog.=) $1 "
							  "AND e.id OPERATOR(pg_catalog.=) a.exposure_id "
							  "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 AND a.id OPERATOR(pg_catalog.=) $2",
							  2, types, args, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "ctem: could not read risk acceptance %lld", (long long) id);
	if (SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("no exposure %s in tenant %d to accept",
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), tenant)));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("exposure %s of tenant %d is %s: only an open or in-progress exposure can be accepted",
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), tenant,
					SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
			 errhint("Reopen it first with ctem.set_status(ARRAY[...], 'open', reason).")));
}

/*
 * Apply acceptance id of tenant: link the exposures it covers, move the
 * active ones to risk_accepted.  Connected to SPI, as the owner.  Returns
 * the number moved.
 */
static int64
acceptance_apply(int32 tenant, int64 id, const Acceptance *a)
{
	Oid			types[2] = {INT4OID, INT8OID};
	Datum		args[2];
	WorkflowCall call;
	volatile int64 moved = 0;

	args[0] = Int32GetDatum(tenant);
	args[1] = Int64GetDatum(id);
	if (SPI_execute_with_args(a->has_exposure ? LINK_ONE_SQL : LINK_MATCH_SQL,
							  2, types, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "ctem: could not link the exposures of risk acceptance %lld", (long long) id);
	if (a->has_exposure && SPI_processed == 0)
		exposure_not_acceptable(tenant, id);
	workflow_begin(&call, CTEM_WF_ACCEPT, a->reason, a->approved_by, id, false);
	PG_TRY();
	{
		if (SPI_execute_with_args(ACCEPT_SQL, 2, types, args, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "ctem: could not accept the exposures of risk acceptance %lld", (long long) id);
		moved = (int64) SPI_processed;
	}
	PG_FINALLY();
	{
		workflow_end(&call);
	}
	PG_END_TRY();
	return moved;
}

/*
 * End acceptance id of tenant at "at" (expired or revoked): reopen what
 * only it covered, and mark it ended.  Connected to SPI, as the owner.
 * Returns the number reopened.
 */
static int64
acceptance_end(int32 tenant, int64 id, TimestampTz at, CtemWorkflowMode mode,
			   const char *note, const char *end_reason, const char *actor)
{
	Oid			types[5] = {INT4OID, INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
	Datum		args[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	WorkflowCall call;
	volatile int64 reopened = 0;

	args[0] = Int32GetDatum(tenant);
	args[1] = Int64GetDatum(id);
	args[2] = TimestampTzGetDatum(at);
	args[3] = CStringGetTextDatum(end_reason);
	if (actor != NULL)
		args[4] = CStringGetTextDatum(actor);
	else
	{
		args[4] = (Datum) 0;
		nulls[4] = 'n';
	}
	workflow_begin(&call, mode, note, actor, id, false);
	PG_TRY();
	{
		if (SPI_execute_with_args(REOPEN_SQL, 3, types, args, nulls, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "ctem: could not reopen the exposures of risk acceptance %lld", (long long) id);
		reopened = (int64) SPI_processed;
		if (SPI_execute_with_args(END_SQL, 5, types, args, nulls, false, 0) != SPI_OK_UPDATE ||
			SPI_processed != 1)
			elog(ERROR, "ctem: could not end risk acceptance %lld", (long long) id);
	}
	PG_FINALLY();
	{
		workflow_end(&call);
	}
	PG_END_TRY();
	return reopened;
}

/*
 * ctem.risk_acceptance_applied(): AFTER INSERT row trigger of
 * ctem.risk_acceptance.  Applies the new acceptance (the BEFORE INSERT
 * trigger risk_acceptance_check validated it).
 */
Datum
ctem_risk_acceptance_applied(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	bool		isnull;
	int32		tenant;
	int64		id;
	CtemSavedUser save;
	Acceptance	a;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("risk_acceptance_applied() must be an AFTER INSERT row trigger of ctem.risk_acceptance")));
	rel = td->tg_relation;
	tenant = DatumGetInt32(heap_getattr(td->tg_trigtuple, ctem_attnum(rel, "tenant_id"),
										RelationGetDescr(rel), &isnull));
	id = DatumGetInt64(heap_getattr(td->tg_trigtuple, ctem_attnum(rel, "id"),
									RelationGetDescr(rel), &isnull));
	ctem_owner_begin(rel->rd_rel->relowner, &save);
	ctem_spi_connect();
	a = acceptance_read(tenant, id, GetCurrentTransactionStartTimestamp());
	if (!a.found)
		elog(ERROR, "ctem: risk acceptance %lld not found", (long long) id);
	(void) acceptance_apply(tenant, id, &a);
	SPI_finish();
	ctem_owner_end(&save);
	return PointerGetDatum(NULL);
}

/*
 * ctem.risk_acceptance_guard(): BEFORE UPDATE row trigger of
 * ctem.risk_acceptance.  An acceptance is the record of a decision: only
 * ctem's functions end it (ended_at, end_reason, ended_by); nothing else
 * of it changes.
 */
Datum
ctem_risk_acceptance_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("risk_acceptance_guard() must be a BEFORE UPDATE row trigger of ctem.risk_acceptance")));
	if (current.mode != CTEM_WF_EXPIRE && current.mode != CTEM_WF_REVOKE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("a risk acceptance cannot be changed"),
				 errdetail("A risk acceptance records a decision; it ends by expiry or revocation."),
				 errhint("Revoke it with ctem.revoke_acceptance(id, reason) and record a new one.")));
	return PointerGetDatum(td->tg_newtuple);
}

/*
 * ctem.apply_acceptance(id bigint, tenant_id integer DEFAULT 1) RETURNS
 * integer: applies an active acceptance again, to the exposures that match
 * it now (new findings, reopened ones).  The number moved to risk_accepted.
 */
Datum
ctem_apply_acceptance(PG_FUNCTION_ARGS)
{
	int64		id;
	int32		tenant;
	CtemSavedUser save;
	Acceptance	a;
	int64		moved;

	require_arg(fcinfo, 0, "id");
	require_arg(fcinfo, 1, "tenant_id");
	id = PG_GETARG_INT64(0);
	tenant = PG_GETARG_INT32(1);
	ctem_tenant_check(tenant, false);
	ctem_owner_begin(acceptance_owner(), &save);
	ctem_spi_connect();
	a = acceptance_read(tenant, id, GetCurrentTransactionStartTimestamp());
	if (!a.found)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no risk acceptance %lld in tenant %d", (long long) id, tenant)));
	if (!a.active)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("risk acceptance %lld of tenant %d is no longer active", (long long) id, tenant),
				 errdetail("It expired or was revoked."),
				 errhint("Record a new risk acceptance.")));
	moved = acceptance_apply(tenant, id, &a);
	SPI_finish();
	ctem_owner_end(&save);
	PG_RETURN_INT32((int32) moved);
}

/*
 * ctem.expire_acceptances(at timestamptz DEFAULT now(), tenant_id integer
 * DEFAULT NULL) RETURNS integer: ends every acceptance (of the tenant, or
 * of all) not yet ended whose expires_at is not after "at"; the exposures
 * only it covered reopen, with the history saying why.  The number of
 * acceptances ended; idempotent.
 */
#define DUE_SQL \
	"SELECT a.tenant_id, a.id FROM ctem.risk_acceptance a " \
	"WHERE a.ended_at IS NULL AND a.expires_at OPERATOR(pg_catalog.<=) $1 " \
	"AND ($2::integer IS NULL OR a.tenant_id OPERATOR(pg_catalog.=) $2) " \
	"ORDER BY a.tenant_id, a.expires_at, a.id FOR UPDATE"

Datum
ctem_expire_acceptances(PG_FUNCTION_ARGS)
{
	Oid			types[2] = {TIMESTAMPTZOID, INT4OID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	TimestampTz at;
	CtemSavedUser save;
	int			n;
	int32	   *tenants;
	int64	   *ids;

	require_arg(fcinfo, 0, "at");
	at = PG_GETARG_TIMESTAMPTZ(0);
	args[0] = TimestampTzGetDatum(at);
	if (PG_ARGISNULL(1))
	{
		args[1] = (Datum) 0;
		nulls[1] = 'n';
	}
	else
		args[1] = PG_GETARG_DATUM(1);
	ctem_tenant_check(PG_ARGISNULL(1) ? 0 : PG_GETARG_INT32(1), PG_ARGISNULL(1));

	ctem_owner_begin(acceptance_owner(), &save);
	ctem_spi_connect();
	if (SPI_execute_with_args(DUE_SQL, 2, types, args, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "ctem: could not read the due risk acceptances");
	n = (int) SPI_processed;
	tenants = palloc(sizeof(int32) * Max(n, 1));
	ids = palloc(sizeof(int64) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;

		tenants[i] = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		ids[i] = spi_int8(i, 2);
	}
	for (int i = 0; i < n; i++)
	{
		char	   *note = psprintf("risk acceptance %lld expired", (long long) ids[i]);

		(void) acceptance_end(tenants[i], ids[i], at, CTEM_WF_EXPIRE, note, "expired", NULL);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_finish();
	ctem_owner_end(&save);
	PG_RETURN_INT32(n);
}

/*
 * ctem.revoke_acceptance(id bigint, reason text, actor text DEFAULT NULL,
 * tenant_id integer DEFAULT 1) RETURNS integer: ends an acceptance now;
 * the exposures only it covered reopen.  The number reopened.
 */
Datum
ctem_revoke_acceptance(PG_FUNCTION_ARGS)
{
	int64		id;
	char	   *reason;
	char	   *actor;
	int32		tenant;
	CtemSavedUser save;
	Acceptance	a;
	int64		reopened;
	TimestampTz at = GetCurrentTransactionStartTimestamp();

	require_arg(fcinfo, 0, "id");
	require_arg(fcinfo, 3, "tenant_id");
	id = PG_GETARG_INT64(0);
	reason = text_or_null(fcinfo, 1);
	actor = text_or_null(fcinfo, 2);
	tenant = PG_GETARG_INT32(3);
	ctem_tenant_check(tenant, false);
	if (blank(reason))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revoking a risk acceptance needs a reason"),
				 errhint("Pass why the risk is no longer accepted as reason.")));
	ctem_owner_begin(acceptance_owner(), &save);
	ctem_spi_connect();
	a = acceptance_read(tenant, id, at);
	if (!a.found)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no risk acceptance %lld in tenant %d", (long long) id, tenant)));
	if (!a.open)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("risk acceptance %lld of tenant %d has ended already", (long long) id, tenant)));
	reopened = acceptance_end(tenant, id, at, CTEM_WF_REVOKE,
							  psprintf("risk acceptance %lld revoked: %s", (long long) id, reason),
							  psprintf("revoked: %s", reason), actor);
	SPI_finish();
	ctem_owner_end(&save);
	PG_RETURN_INT32((int32) reopened);
}
