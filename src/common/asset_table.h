/*-------------------------------------------------------------------------
 *
 * asset_table.h
 *		A lib/simplehash.h table of entries keyed by an asset (CtemAssetKey,
 *		asset_key.h).
 *		Include it once per table, after defining SH_PREFIX and
 *		SH_ELEMENT_TYPE, whose element has a CtemAssetKey "key" and a char
 *		"status".  An entry moves when the table grows: a pointer to one is
 *		good until the next insert.
 *
 * src/common/asset_table.h
 *
 *-------------------------------------------------------------------------
 */
#include "common/asset_key.h"

#define SH_KEY_TYPE CtemAssetKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) ctem_asset_key_hash(k)
#define SH_EQUAL(tb, a, b) CTEM_ASSET_KEY_EQUAL(a, b)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"
