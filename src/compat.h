/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Differences between the PostgreSQL versions ctem builds against
 *		(15 and later), in one place.
 *
 * The backend-side files write to the newest API, or to a ctem_ wrapper
 * where the newest API cannot be had on older versions; each guard below
 * names the version that made the change.  Include it after postgres.h.
 *
 * src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_COMPAT_H
#define CTEM_COMPAT_H

#include "access/genam.h"
#include "catalog/dependency.h"
#include "utils/acl.h"
#include "utils/rel.h"

/*
 * PostgreSQL 16 moved the varlena macros (VARDATA_ANY, VARSIZE_ANY_EXHDR,
 * ...) out of postgres.h into varatt.h, which only some headers include.
 */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * PostgreSQL 16 replaced pg_proc_aclcheck() and its kin by
 * object_aclcheck(), which takes the catalog's oid.
 */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_proc.h"
#define ctem_proc_aclcheck(proc, role, mode) \
	object_aclcheck(ProcedureRelationId, (proc), (role), (mode))
#else
#define ctem_proc_aclcheck(proc, role, mode) \
	pg_proc_aclcheck((proc), (role), (mode))
#endif

/*
 * PostgreSQL 17 made getIdentitySequence() take the open relation rather
 * than its oid (for partitions, whose identity is their parent's).
 */
#if PG_VERSION_NUM >= 170000
#define ctem_get_identity_sequence(rel, attnum, missing_ok) \
	getIdentitySequence((rel), (attnum), (missing_ok))
#else
#define ctem_get_identity_sequence(rel, attnum, missing_ok) \
	getIdentitySequence(RelationGetRelid(rel), (attnum), (missing_ok))
#endif

/*
 * PostgreSQL 18 gave index_beginscan() an IndexScanInstrumentation
 * argument (for EXPLAIN ANALYZE's index searches); ctem's scans are not
 * instrumented.
 */
#if PG_VERSION_NUM >= 180000
#define ctem_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), NULL, (nkeys), (norderbys))
#else
#define ctem_index_beginscan(heap, index, snapshot, nkeys, norderbys) \
	index_beginscan((heap), (index), (snapshot), (nkeys), (norderbys))
#endif

/*
 * PostgreSQL 18 replaced the pg_attribute_noreturn() suffix by the
 * pg_noreturn prefix (C11 _Noreturn).  Before it, GCC and Clang take the
 * attribute in front of the declaration just as well.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * PostgreSQL 17 moved the backend's local transaction id into
 * MyProc->vxid (common/tenant.c remembers a check per statement).
 */
#if PG_VERSION_NUM >= 170000
#define CTEM_MY_LXID (MyProc->vxid.lxid)
#else
#define CTEM_MY_LXID (MyProc->lxid)
#endif

#endif							/* CTEM_COMPAT_H */
