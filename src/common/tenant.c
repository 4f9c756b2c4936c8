/*-------------------------------------------------------------------------
 *
 * tenant.c
 *		The tenant check of every function that takes a tenant_id, and
 *		ctem.tenant_check().
 *
 * Under team isolation (ctem.enable_team_isolation(): row-level security on
 * ctem's tenant tables, docs/security.md), a role sees the rows of the
 * teams and tenants ctem.team_member gives it.  A function that takes a
 * tenant_id and reads or writes as the extension's owner, or that would
 * only return nothing under row-level security, refuses a tenant the caller
 * may not see, with one shared check.
 *
 * "The caller" is the role the session acts as (GetOuterUserId: the login
 * role or the one of SET ROLE), not the one a SECURITY DEFINER function or
 * ctem's own bookkeeping runs as: so the check means the same in
 * ctem.route_exposures (SECURITY DEFINER) as in ctem.set_status.
 *
 * May the caller see the tenant: yes when isolation is off, or the role is a
 * superuser, has BYPASSRLS, owns ctem.exposure, or is a member of ctem_admin
 * or of a role that ctem.team_member lists for a team of the tenant.  The
 * last two are one query, run as the owner of ctem.exposure, and a yes is
 * remembered for the rest of the statement (ctem.exposure_team is called
 * once per row by ctem.route_exposures).
 *
 * src/common/tenant.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "compat.h"
#include "common/common.h"
#include "common/tenant.h"

PG_FUNCTION_INFO_V1(ctem_tenant_check_sql);

/* the last yes: role, tenant (or all), and the statement it holds for */
static struct
{
	bool		valid;
	Oid			user;
	int32		tenant;
	bool		all;
	LocalTransactionId lxid;
	CommandId	cid;
} last_yes;

static SPIPlanPtr check_plan = NULL;

void
ctem_tenant_check(int32 tenant, bool all)
{
	Oid			user = GetOuterUserId();
	Oid			nsp;
	Oid			rel;
	Oid			owner;
	bool		rowsecurity;
	HeapTuple	tup;
	Oid			types[2] = {OIDOID, INT4OID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	CtemSavedUser save;
	bool		ok;
	bool		isnull;
	int			rc;

	if (superuser_arg(user) || has_bypassrls_privilege(user))
		return;
	nsp = get_namespace_oid("ctem", true);
	rel = OidIsValid(nsp) ? get_relname_relid("exposure", nsp) : InvalidOid;
	if (!OidIsValid(rel))
		return;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(rel));
	if (!HeapTupleIsValid(tup))
		return;
	rowsecurity = ((Form_pg_class) GETSTRUCT(tup))->relrowsecurity;
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	if (!rowsecurity || has_privs_of_role(user, owner))
		return;
	if (last_yes.valid && last_yes.user == user && last_yes.all == all &&
		(all || last_yes.tenant == tenant) &&
		last_yes.lxid == CTEM_MY_LXID && last_yes.cid == GetCurrentCommandId(false))
		return;

	values[0] = ObjectIdGetDatum(user);
	values[1] = Int32GetDatum(tenant);
	if (all)
		nulls[1] = 'n';
	ctem_spi_connect();
	ctem_spi_keep_plan(&check_plan,
					   "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r "
					   "WHERE r.rolname OPERATOR(pg_catalog.=) 'ctem_admin' "
					   "AND pg_catalog.pg_has_role($1, r.oid, 'MEMBER')) "
					   "OR ($2 IS NOT NULL AND EXISTS (SELECT 1 FROM ctem.team_member m "
					   "JOIN pg_catalog.pg_roles r "
					   "ON r.rolname OPERATOR(pg_catalog.=) m.role_name::pg_catalog.name "
					   "WHERE m.tenant_id OPERATOR(pg_catalog.=) $2 "
					   "AND pg_catalog.pg_has_role($1, r.oid, 'MEMBER')))",
					   2, types);
	ctem_owner_begin(owner, &save);
	rc = SPI_execute_plan(check_plan, values, nulls, true, 1);
	ctem_owner_end(&save);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not check the tenant: %s", SPI_result_code_string(rc));
	ok = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	ok = ok && !isnull;
	SPI_finish();
	if (!ok)
	{
		char	   *name = GetUserNameFromId(user, true);

		if (all)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied for every tenant"),
					 errdetail("Team isolation is enabled and role \"%s\" is not a member of ctem_admin.",
							   name ? name : "?"),
					 errhint("Name one tenant, or ask an administrator for ctem_admin.")));
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for tenant %d", tenant),
				 errdetail("Team isolation is enabled and role \"%s\" is not a member of a team of tenant %d.",
						   name ? name : "?", tenant),
				 errhint("An administrator adds the role to ctem.team_member, or grants it ctem_admin.")));
	}
	last_yes.valid = true;
	last_yes.user = user;
	last_yes.tenant = tenant;
	last_yes.all = all;
	last_yes.lxid = CTEM_MY_LXID;
	last_yes.cid = GetCurrentCommandId(false);
}

/*
 * ctem.tenant_check(tenant_id integer) RETURNS integer: the check for SQL
 * and PL/pgSQL functions; NULL asks for every tenant.  Returns the tenant.
 */
Datum
ctem_tenant_check_sql(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
	{
		ctem_tenant_check(0, true);
		PG_RETURN_NULL();
	}
	ctem_tenant_check(PG_GETARG_INT32(0), false);
	PG_RETURN_INT32(PG_GETARG_INT32(0));
}
