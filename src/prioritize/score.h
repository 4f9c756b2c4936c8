/*-------------------------------------------------------------------------
 *
 * score.h
 *		Scoring glue shared with the exposure trigger.
 *
 * src/prioritize/score.h
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
 * row).  *cache is created in cxt on first use (in the call share when
 * one is open) and reused for the rest of the statement.
 */
extern void ctem_score_exposure_row(CtemScoreCache **cache, MemoryContext cxt,
									Relation rel, Datum *row, bool *row_nulls,
									const char *rule);

/*
 * The caller of an open call share (common/share.h) is about to write rows
 * on assets the share's scoring cache may not have (it created them, or
 * another transaction did since the cache read a tenant's assets): the
 * cache forgets that it held every asset of a tenant, so that such rows get
 * their asset's context.  Assets it has keep theirs (creating others
 * changes no input); the others are looked up one by one, without another
 * read of all.
 */
extern void ctem_score_assets_added(void);

#endif							/* CTEM_SCORE_H */
