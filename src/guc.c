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
int			ctem_graph_cache_mb = 256;
bool		ctem_graph_trace = false;

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

	/*
	 * The attack graphs one backend keeps (validate/graph.c), all tenants
	 * together: a graph that would not fit even after the other tenants'
	 * are dropped is an error.  A session may raise it for itself (like
	 * work_mem); a graph of 100,000 assets and a million edges takes about
	 * 90 MB (docs/attack-paths.md).
	 */
	DefineCustomIntVariable("ctem.graph_cache_mb",
							"Memory for the attack graphs a backend keeps, all tenants together.",
							"A graph that does not fit is an error; the least recently used graphs of other tenants are dropped to make room.",
							&ctem_graph_cache_mb,
							256,
							1,
							1024 * 1024,
							PGC_USERSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);

	/*
	 * Whether a backend reads a tenant's attack graph anew or finds its
	 * cached one current, as a NOTICE (else at DEBUG1): for an operator who
	 * wonders what a change costs, and for the tests, which must not depend
	 * on other DEBUG1 messages.
	 */
	DefineCustomBoolVariable("ctem.graph_trace",
							 "Reports each read of an attack graph and each use of a cached one.",
							 "As a NOTICE; when off, the same messages are DEBUG1.",
							 &ctem_graph_trace,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("ctem");
}
