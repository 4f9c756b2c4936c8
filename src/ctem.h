/*-------------------------------------------------------------------------
 *
 * ctem.h
 *		Declarations shared by the backend-side files of ctem.
 *
 * src/ctem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_H
#define CTEM_H

#include "fmgr.h"

#include "utils/uuid.h"

/* label of an enum value, in the caller's memory context */
extern char *ctem_enum_label(Datum value);

/* exposure.c: identity of an exposure */
extern text *ctem_canonical_rule_id_text(text *t);
extern text *ctem_nonempty_or_null(text *t);
extern pg_uuid_t *ctem_fingerprint(int64 asset_id, const char *kind,
								   text *rule_id, text *component,
								   text *location);

#endif							/* CTEM_H */
