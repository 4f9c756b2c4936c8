/*-------------------------------------------------------------------------
 *
 * guc.c
 *		Every setting of ctem, declared in one place.
 *
 * ctem keeps its configuration in tables (ctem.policy and its peers), so
 * that it reaches every node of a distributed cluster; a setting is only
 * for what belongs to one session.  The prefix "ctem." is reserved: a
 * misspelt ctem setting is an error, not a silent placeholder.
 *
 * src/guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "compat.h"
#include "guc.h"

char	   *ctem_event_note = NULL;

void
ctem_guc_init(void)
{
	/*
	 * Unset (NULL) by default; ctem.ingest sets it for the events its own
	 * statements cause ("re-detected by a trivy report", ...), transaction-
	 * locally, and any session may set it to say why it changes exposures.
	 */
	DefineCustomStringVariable("ctem.event_note",
							   "Note recorded with the history events of the changes that follow.",
							   "Stored in ctem.exposure_event.note; ctem.ingest sets it for the events of its own statements.",
							   &ctem_event_note,
							   NULL,
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	MarkGUCPrefixReserved("ctem");
}
