/*-------------------------------------------------------------------------
 *
 * restore.c
 *		Whether the session is restoring a dump, and ctem.restoring().
 *
 * ctem's tables are extension configuration tables: pg_dump dumps their
 * rows, and a restore loads them into the tables CREATE EXTENSION made,
 * whose triggers exist before the data.  Those triggers check references,
 * merge, score and write history.  On dumped rows they would refuse an
 * exposure whose asset a parallel restore has not loaded yet (pg_restore -j
 * orders table data by nothing: pg_dump gives a TABLE DATA entry no
 * dependency but its table, so even a declared foreign key between two
 * configuration tables only orders the serial restore), score it with
 * whatever context has arrived, and write history the source never had.
 *
 * So each dumped table has a BEFORE INSERT statement trigger,
 * ctem.restore_statement(): during a restore it puts the transaction in
 * replica mode (SET LOCAL session_replication_role = replica), and the
 * statement loads its rows as the documented exact restore always did: no
 * ctem trigger and no foreign-key check fires, the rows are stored as they
 * were dumped.  pg_restore and psql run each COPY in a transaction of its
 * own, so replica mode ends with it (with --single-transaction, with the
 * restore).
 *
 * A restore is recognised by the settings that pg_dump puts at the start of
 * every script and pg_restore gives every connection it opens, its parallel
 * workers' too (pg_backup_archiver.c, _doSetFixedOutputState), together:
 * search_path empty, check_function_bodies off and client_min_messages
 * warning.  And the role must be a superuser (the role of the session or of
 * SET ROLE, not one a SECURITY DEFINER function runs as): a superuser can
 * set replica mode anyway, so nobody gains a way around the checks.  A role
 * that is not a superuser with these settings is refused, loudly, before
 * any row of the statement is written: a restore that would not be exact
 * does not happen.
 *
 * src/common/restore.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "compat.h"
#include "common/restore.h"

PG_FUNCTION_INFO_V1(ctem_restoring);
PG_FUNCTION_INFO_V1(ctem_restore_statement);

/* the settings of a pg_dump script or a pg_restore connection */
static bool
restore_settings(void)
{
	const char *path = namespace_search_path;

	if (check_function_bodies || client_min_messages != WARNING)
		return false;
	/* set_config('search_path', '', false) gives "", SET ... = '' gives "" quoted */
	return path != NULL && (path[0] == '\0' || strcmp(path, "\"\"") == 0);
}

CtemRestore
ctem_restore_state(void)
{
	if (!restore_settings())
		return CTEM_RESTORE_NONE;
	return superuser_arg(GetOuterUserId()) ? CTEM_RESTORE_YES : CTEM_RESTORE_REFUSED;
}

void
ctem_restore_refuse(const char *table)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("could not restore rows of \"ctem.%s\": a restore of ctem's tables needs a superuser",
					table),
			 errdetail("The session has the settings pg_dump and pg_restore give a restore (search_path empty, check_function_bodies off, client_min_messages warning), and its role is not a superuser."),
			 errhint("Restore as a superuser, so that the dumped rows are stored as they were (docs/architecture.md, \"Backup and restore\"); outside a restore, reset one of these settings.")));
}

/* ctem.restoring(): whether the session restores a dump as a superuser */
Datum
ctem_restoring(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(ctem_restore_state() == CTEM_RESTORE_YES);
}

/*
 * BEFORE INSERT FOR EACH STATEMENT on every dumped ctem table: in a
 * superuser's restore, replica mode for the rest of the transaction (the
 * statement's row triggers, its foreign-key checks and its statement
 * triggers then do not fire); with the settings of a restore but no
 * superuser, an error.
 */
Datum
ctem_restore_statement(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(td->tg_event))
		elog(ERROR, "ctem_restore_statement: must be fired BEFORE INSERT ... FOR EACH STATEMENT");

	switch (ctem_restore_state())
	{
		case CTEM_RESTORE_NONE:
			break;
		case CTEM_RESTORE_REFUSED:
			ctem_restore_refuse(RelationGetRelationName(td->tg_relation));
			break;
		case CTEM_RESTORE_YES:
			(void) set_config_option("session_replication_role", "replica",
									 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
									 true, 0, false);
			break;
	}
	return PointerGetDatum(NULL);
}
