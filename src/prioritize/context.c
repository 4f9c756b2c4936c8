/*-------------------------------------------------------------------------
 *
 * context.c
 *		The scoring context lock, and the statement trigger of
 *		ctem.exposure that takes it.
 *
 * A score is computed when an exposure is written, from the context its
 * transaction sees: the active policy, ctem.vuln_intel, the asset's
 * controls.  A context change re-scores the exposures it affects, but only
 * those its transaction can see: an exposure written by a transaction still
 * open when the change commits would commit later with the old context.
 * So the two kinds of writer serialize on one lock per database:
 *
 *	 - every INSERT or UPDATE statement on ctem.exposure (ctem.ingest, COPY,
 *	   status changes, re-scores) takes it in ShareLock mode, in a BEFORE
 *	   statement trigger, before the statement locks any row; ctem.ingest
 *	   takes it when the call starts, before its asset upsert;
 *	 - ctem.load_kev and ctem.load_epss take it in ExclusiveLock mode when
 *	   they start, and the re-scoring triggers of ctem.vuln_intel,
 *	   ctem.policy (only for a change of the active policy) and
 *	   ctem.control before they re-score.
 *
 * Held to the end of the transaction.  A context writer therefore waits
 * for the open exposure writers to commit and then re-scores their rows
 * too (its re-scoring statement takes a new snapshot under READ
 * COMMITTED); an exposure writer that starts meanwhile waits for the change
 * to commit, and then reads the new context (the scoring cache reads it
 * with a fresh snapshot).  Exposure writers do not wait for one another.
 *
 * The lock is neither taken after a row lock an exposure writer may wait
 * for, nor the other way round: exposure writers take it before their
 * first row lock, and context writers hold, when they take it, only locks
 * on context rows (and, for a control, a KEY SHARE lock on its asset),
 * which no exposure writer waits for.  Under REPEATABLE READ or
 * SERIALIZABLE the snapshot predates the wait, so a transaction that had to
 * wait fails with a serialization error and is retried.
 *
 * The lock's tag is not an advisory lock's: no role can take it with
 * pg_advisory_lock() to stop ctem's writers, and no application's advisory
 * key can clash with it.  pg_locks shows it as locktype "userlock", with
 * classid 1668572525 ('ctem') and objid 1.
 *
 * src/prioritize/context.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lock.h"

#include "prioritize/context.h"

PG_FUNCTION_INFO_V1(ctem_context_lock_sql);
PG_FUNCTION_INFO_V1(ctem_exposure_context_lock);

/* 'ctem' in ASCII, and the number of the lock */
#define CTEM_LOCK_KEY		0x6374656d
#define CTEM_LOCK_CONTEXT	1

void
ctem_context_lock(bool exclusive)
{
	LOCKTAG		tag;
	LOCKMODE	mode = exclusive ? ExclusiveLock : ShareLock;

	tag.locktag_field1 = MyDatabaseId;
	tag.locktag_field2 = CTEM_LOCK_KEY;
	tag.locktag_field3 = CTEM_LOCK_CONTEXT;
	tag.locktag_field4 = 0;
	tag.locktag_type = LOCKTAG_USERLOCK;
	tag.locktag_lockmethodid = USER_LOCKMETHOD;

	if (LockAcquire(&tag, mode, false, true) != LOCKACQUIRE_NOT_AVAIL)
		return;
	(void) LockAcquire(&tag, mode, false, false);
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent change of the scoring context"),
				 errdetail(exclusive ?
						   "Exposures were written by a transaction that committed after this transaction's snapshot was taken." :
						   "The scoring context was changed by a transaction that committed after this transaction's snapshot was taken."),
				 errhint("Retry the transaction.")));
}

/* ctem.context_lock(): the exclusive lock, for a context writer */
Datum
ctem_context_lock_sql(PG_FUNCTION_ARGS)
{
	ctem_context_lock(true);
	PG_RETURN_VOID();
}

/* BEFORE INSERT OR UPDATE statement trigger of ctem.exposure */
Datum
ctem_exposure_context_lock(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("ctem.exposure_context_lock() must be fired BEFORE a statement")));
	ctem_context_lock(false);
	return PointerGetDatum(NULL);
}
