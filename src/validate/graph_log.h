/*-------------------------------------------------------------------------
 *
 * graph_log.h
 *		The attack graph's change log (ctem.graph_change): what the exposure
 *		trigger calls to note a tenant whose graph inputs a row changed.
 *
 * The BEFORE row trigger of ctem.exposure (discover/exposure.c) notes the
 * tenant of each row it lets through; the statement trigger
 * ctem.graph_change_flush() writes one ctem.graph_change row per noted
 * tenant.  Noting a row of the tenant noted last, at the same transaction
 * nesting level, is two comparisons: a COPY of a million exposures of one
 * tenant pays nothing more.  See graph_log.c and docs/attack-paths.md.
 *
 * src/validate/graph_log.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_GRAPH_LOG_H
#define CTEM_GRAPH_LOG_H

#include "access/htup.h"
#include "access/xact.h"
#include "utils/relcache.h"

/* the tenant noted last and the nesting level it was noted at (0: none) */
extern int32 ctem_graph_noted_tenant;
extern int	ctem_graph_noted_level;

/* note tenant in the list the statement trigger writes (graph_log.c) */
extern void ctem_graph_note(int32 tenant);

/* note the tenant of an inserted exposure row */
static inline void
ctem_graph_note_tenant(int32 tenant)
{
	if (tenant != ctem_graph_noted_tenant ||
		GetCurrentTransactionNestLevel() != ctem_graph_noted_level)
		ctem_graph_note(tenant);
}

/*
 * An updated exposure row: note its tenants (old and new) when a column the
 * attack graph reads changed: tenant_id, asset_id, status, or an input of
 * the likelihood and validation factors (kev, epss, exploit_maturity,
 * validation).  row/nulls are the new row, as the trigger will store it.
 */
extern void ctem_graph_note_exposure_update(Relation rel, HeapTuple oldtup,
											const Datum *row, const bool *nulls);

/*
 * Path refreshes (path_refresh.c).  After a statement writes a tenant's
 * ctem.graph_change row, the statement trigger refreshes the tenant's
 * ctem.asset.attack_path_probability (and so its exposures' scores).
 * Between ctem_graph_refresh_defer() and ctem_graph_refresh_run_deferred()
 * (calls nest; ctem.ingest brackets its batches and the resolution of a
 * full scan) the refreshes wait, one per tenant, for the end; an error
 * forgets them with the changes they were for.
 */
extern void ctem_graph_refresh_defer(void);
extern void ctem_graph_refresh_run_deferred(void);

#endif							/* CTEM_GRAPH_LOG_H */
