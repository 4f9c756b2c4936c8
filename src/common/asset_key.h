/*-------------------------------------------------------------------------
 *
 * asset_key.h
 *		The key of an asset in backend-local hash tables.
 *
 * src/common/asset_key.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_ASSET_KEY_H
#define CTEM_ASSET_KEY_H

#include "common/hashfn.h"

/*
 * The key of an asset, (tenant_id, id), in the per-statement tables that
 * the exposure trigger looks an asset up in once per row (store/asset_ref.c,
 * prioritize/score.c).  Those are lib/simplehash.h tables rather than
 * dynahash: an open-addressing lookup reads the entry itself, where dynahash
 * walks a directory, a segment and a bucket chain first; on a COPY whose
 * rows name thousands of assets that is a few cache misses a row fewer.
 */
typedef struct CtemAssetKey
{
	int64		asset_id;
	int32		tenant;
} CtemAssetKey;

static inline uint32
ctem_asset_key_hash(CtemAssetKey k)
{
	return hash_combine(murmurhash32((uint32) k.tenant),
						murmurhash32((uint32) k.asset_id ^ (uint32) (k.asset_id >> 32)));
}

#define CTEM_ASSET_KEY_EQUAL(a, b) \
	((a).asset_id == (b).asset_id && (a).tenant == (b).tenant)

#endif							/* CTEM_ASSET_KEY_H */
