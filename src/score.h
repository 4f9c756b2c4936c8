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
 * Score an exposure row; *cache is created in cxt on first use and reused
 * for the rest of the statement.  Returns the modified tuple.
 */
extern HeapTuple ctem_score_exposure_tuple(CtemScoreCache **cache,
										   MemoryContext cxt, Relation rel,
										   HeapTuple tuple);

#endif							/* CTEM_SCORE_H */
