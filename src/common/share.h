/*-------------------------------------------------------------------------
 *
 * share.h
 *		The state one call shares between the statements it runs.
 *
 * ctem.ingest writes a report in batches, one statement each.  The assets
 * and the intel do not change meanwhile, so the batches share what the
 * exposure trigger (discover/exposure.c: the assets it checked, the
 * fingerprints it inserted) and the scoring (prioritize/score.c: policy,
 * assets, CVEs) read or remember, instead of reading it again per batch.
 * Outside a share, each statement keeps its own.
 *
 * The share lives in a memory context under the caller's; it goes with
 * that context, with ctem_share_end, or with any (sub)transaction abort.
 *
 * src/common/share.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_SHARE_H
#define CTEM_SHARE_H

#include "utils/palloc.h"

typedef struct CtemCallShare
{
	MemoryContext cxt;			/* what the members are allocated in */
	struct CtemScoreCache *score;	/* prioritize/score.c, or NULL */
	struct CtemExposureWrites *writes;	/* discover/exposure.c, or NULL */
} CtemCallShare;

/*
 * Open a share under parent.  Returns whether it created one (false when
 * nested in another call's share, which then serves both); pass that to
 * ctem_share_end.
 */
extern bool ctem_share_begin(MemoryContext parent);
extern void ctem_share_end(bool created);

/* the open share, or NULL */
extern CtemCallShare *ctem_share_current(void);

#endif							/* CTEM_SHARE_H */
