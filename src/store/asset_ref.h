/*-------------------------------------------------------------------------
 *
 * asset_ref.h
 *		The exposure -> asset reference, checked by the exposure trigger.
 *
 * src/store/asset_ref.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_ASSET_REF_H
#define CTEM_ASSET_REF_H

#include "utils/palloc.h"
#include "utils/relcache.h"

/* the assets one statement (or call share) checked and locked */
typedef struct CtemAssetRefs CtemAssetRefs;

/*
 * The asset (tenant, asset_id) that an exposure row references must exist:
 * lock it FOR KEY SHARE, once per statement (*refsp is created in cxt on
 * first use).  With exposure_rel (an insert), returns whether the asset had
 * no exposure at all when this statement first checked it and no row was
 * moved onto it since ("fresh"); without (an update moving a row onto the
 * asset), returns false.
 */
extern bool ctem_asset_ref_check(CtemAssetRefs **refsp, MemoryContext cxt,
								 Relation exposure_rel, int32 tenant,
								 int64 asset_id);

#endif							/* CTEM_ASSET_REF_H */
