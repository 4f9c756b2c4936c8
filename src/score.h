/*-------------------------------------------------------------------------
 *
 * score.h
 *		Scoring glue shared with the exposure trigger.
 *
 * src/score.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_SCORE_H
#define CTEM_SCORE_H

#include "access/htup.h"
#include "utils/palloc.h"
#include "utils/relcache.h"

/* per-statement context of the scoring trigger (policy, assets, intel) */
typedef struct CtemScoreCache CtemScoreCache;

/*
 * Score an exposure row, deformed into row/row_nulls (by attribute number -
 * 1), whose canonical rule id is rule: set its kev, epss,
 * controls_effectiveness, risk_score, priority, sla_due and score_explain
 * there (nothing when tenant or asset is NULL: the constraints reject the
 * row).  *cache is created in cxt on first use and reused for the rest of
 * the statement.
 */
extern void ctem_score_exposure_row(CtemScoreCache **cache, MemoryContext cxt,
									Relation rel, Datum *row, bool *row_nulls,
									const char *rule);

/*
 * Between begin and end, every statement's scoring shares one context
 * (created under parent, gone with it on error): for the batches of one
 * ctem.ingest call.  begin returns whether it created the share (false
 * when nested in another one); pass that to end.
 */
extern bool ctem_score_share_begin(MemoryContext parent);
extern void ctem_score_share_end(bool created);

/*
 * The share's caller is about to write rows on assets the share's scoring
 * cache may not have (it created them, or another transaction did since
 * the cache read a tenant's assets): the cache forgets that it held every
 * asset of a tenant, so that such rows get their asset's context.  Assets
 * it has keep theirs (creating others changes no input); the others are
 * looked up one by one, without another read of all.
 */
extern void ctem_score_share_assets_added(void);

/*
 * The share's memory context (NULL when no share is active) and a slot in
 * which the exposure trigger keeps its own per-call state (the assets it
 * checked, the fingerprints it inserted on fresh assets); the slot is
 * cleared whenever the share goes away.
 */
extern MemoryContext ctem_score_share_context(void);
extern void **ctem_score_share_slot(void);

#endif							/* CTEM_SCORE_H */
