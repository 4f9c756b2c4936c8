/*-------------------------------------------------------------------------
 *
 * identity.h
 *		The identity of an exposure: canonical rule id and fingerprint.
 *
 * src/store/identity.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_IDENTITY_H
#define CTEM_IDENTITY_H

#include "fmgr.h"

#include "utils/uuid.h"

/* canonical rule id of t (keys_core.c) as palloc'd text */
extern text *ctem_canonical_rule_id_text(text *t);

/* t, or NULL when t is NULL or empty */
extern text *ctem_nonempty_or_null(text *t);

/*
 * Fingerprint of the given identity fields; rule_id must be canonical
 * already.  component and location may be NULL (pass NULL for empty ones).
 */
extern pg_uuid_t *ctem_fingerprint(int64 asset_id, const char *kind,
								   text *rule_id, text *component,
								   text *location);

#endif							/* CTEM_IDENTITY_H */
