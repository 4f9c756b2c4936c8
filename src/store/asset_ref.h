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
 * Reports that the asset (tenant, asset_id) a row references does not
 * exist, naming the row (arg is the caller's); raises an ERROR.
 */
typedef void (*CtemAssetRefMissing) (const void *arg, int32 tenant,
									 int64 asset_id);

/*
 * The asset (tenant, asset_id) that a row (an exposure, an edge end)
 * references must exist: lock it FOR KEY SHARE, once per statement
 * (*refsp is created in cxt on first use).  When it does not exist,
 * missing(arg, ...) reports it (NULL: the exposure's error).  With
 * exposure_rel (an exposure insert), returns whether the asset had no
 * exposure at all when this statement first checked it and no row was moved
 * onto it since ("fresh"); without (an update moving a row onto the asset,
 * or another referencing table), returns false.
 */
extern bool ctem_asset_ref_check(CtemAssetRefs **refsp, MemoryContext cxt,
								 Relation exposure_rel, int32 tenant,
								 int64 asset_id, CtemAssetRefMissing missing,
								 const void *arg);

#endif							/* CTEM_ASSET_REF_H */
