/*-------------------------------------------------------------------------
 *
 * context.h
 *		The scoring context lock: exposure writers and context writers
 *		serialize on it, so that every committed exposure is scored from
 *		the context committed last (docs/architecture.md, "Locks").
 *
 * src/prioritize/context.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_CONTEXT_H
#define CTEM_CONTEXT_H

/*
 * Take the context lock of the current database until the end of the
 * transaction: shared (false) by a transaction that writes exposures,
 * exclusive (true) by one that changes the catalogue context (ctem.vuln_intel,
 * the active policy) or a tenant's controls and then re-scores.  Under
 * REPEATABLE READ or SERIALIZABLE, a wait for the other kind ends in a
 * serialization failure: the snapshot taken before it cannot see what the
 * other transaction committed.
 */
extern void ctem_context_lock(bool exclusive);

#endif							/* CTEM_CONTEXT_H */
