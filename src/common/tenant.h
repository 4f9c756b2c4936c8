/*-------------------------------------------------------------------------
 *
 * tenant.h
 *		Whether the caller may work on a tenant under team isolation.
 *
 * src/common/tenant.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_TENANT_H
#define CTEM_TENANT_H

/*
 * Refuse (SQLSTATE 42501) a tenant the calling role may not see: when team
 * isolation is enabled (row-level security on ctem.exposure), for a role
 * that is not a superuser, has no BYPASSRLS, does not own ctem.exposure, is
 * not a member of ctem_admin and is not a member of a team of the tenant
 * (ctem.team_member).  all: every tenant (a NULL tenant_id argument), which
 * only such unrestricted roles may ask for.  Cheap when isolation is off.
 */
extern void ctem_tenant_check(int32 tenant, bool all);

#endif							/* CTEM_TENANT_H */
