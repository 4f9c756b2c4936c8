/*-------------------------------------------------------------------------
 *
 * ctem.c
 *		Module magic and initialisation of the ctem extension, and the
 *		helpers the SQL glue files share.
 *
 * src/ctem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/rel.h"

#include "ctem.h"
#include "report.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/*
	 * Nothing to set up yet: ctem keeps its configuration in tables (a SET
	 * would not reach the workers of a distributed cluster).
	 */
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

/* palloc/pfree for the parsing cores and jansson; pfree must accept NULL */
static void *
core_alloc(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
core_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

void
ctem_core_use_palloc(bool on)
{
	if (on)
		ctem_report_set_allocator(core_alloc, core_free);
	else
		ctem_report_set_allocator(NULL, NULL);
}

char *
ctem_pstrdup_nonempty(const char *s)
{
	return (s != NULL && s[0] != '\0') ? pstrdup(s) : NULL;
}

HTAB *
ctem_hash_create(const char *name, long nelem, Size keysize, Size entrysize,
				 int keyflag, MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, nelem, &ctl, HASH_ELEM | keyflag | HASH_CONTEXT);
}

void
ctem_owner_begin(Oid owner, CtemSavedUser *save)
{
	GetUserIdAndSecContext(&save->userid, &save->sec_context);
	SetUserIdAndSecContext(owner, save->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
}

void
ctem_owner_end(const CtemSavedUser *save)
{
	SetUserIdAndSecContext(save->userid, save->sec_context);
}

int
ctem_attnum(Relation rel, const char *name)
{
	int			a = SPI_fnumber(RelationGetDescr(rel), name);

	if (a <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" has no column \"%s\" that ctem needs",
						RelationGetRelationName(rel), name),
				 errhint("A ctem trigger was attached to another table, or the extension is older than its library: run ALTER EXTENSION ctem UPDATE.")));
	return a;
}
