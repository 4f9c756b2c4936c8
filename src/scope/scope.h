/*-------------------------------------------------------------------------
 *
 * scope.h
 *		The glue of the scope filter language (src/core/scope_core.c):
 *		filters compiled from jsonb, the subject of an asset row.
 *
 * src/scope/scope.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_SCOPE_H
#define CTEM_SCOPE_H

#include "fmgr.h"

#include "core/scope_core.h"
#include "utils/jsonb.h"

/*
 * Compile a filter (routing: a routing rule's match) into a filter freed
 * with the memory context cxt; an invalid one is an error (22023) naming
 * the member, with the JSON path in the detail.
 */
extern CtemScopeFilter *ctem_scope_filter(Jsonb *filter, bool routing, MemoryContext cxt);

/* the labels of an asset kind or exposure kind enum value, for a subject */
extern CtemScopeStr ctem_scope_str_text(text *t);

/* set up routing in the exposure trigger (called by _PG_init) */
extern void ctem_routing_init(void);

#endif							/* CTEM_SCOPE_H */
