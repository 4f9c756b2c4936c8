/*
 * 85_security.sql
 *		Roles, team membership and team isolation: the roles ctem_reader,
 *		ctem_writer and ctem_admin, ctem.team_member (which roles work for
 *		which team, or for a whole tenant), the helpers row-level security
 *		policies call, the tenant check of the functions that take a
 *		tenant_id, and ctem.enable_team_isolation() /
 *		ctem.disable_team_isolation(), which create or drop the policies.
 *		The grants to the roles are in 90_grants.sql; docs/security.md
 *		describes the model.
 *
 * sql/src/85_security.sql
 */

/* ------------------------------------------------------------------------
 * Roles
 * ------------------------------------------------------------------------ */

/*
 * Roles are objects of the cluster, not of the database: another database's
 * ctem may have created them already, so they are created only when
 * missing, NOLOGIN (grant them to login roles), and DROP EXTENSION leaves
 * them (docs/security.md).  ctem_admin is a member of ctem_writer, which is
 * a member of ctem_reader: each level has the privileges of the one below.
 */
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'ctem_reader') THEN
		CREATE ROLE ctem_reader NOLOGIN;
		COMMENT ON ROLE ctem_reader IS
			'ctem: reads the tables, views and read functions (docs/security.md); under team isolation only its teams'' rows';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'ctem_writer') THEN
		CREATE ROLE ctem_writer NOLOGIN;
		COMMENT ON ROLE ctem_writer IS
			'ctem: ctem_reader, and ingests reports, writes assets, exposures, edges, controls and validation results (INSERT, COPY), changes statuses (docs/security.md)';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'ctem_admin') THEN
		CREATE ROLE ctem_admin NOLOGIN;
		COMMENT ON ROLE ctem_admin IS
			'ctem: ctem_writer, and policies, intel, scopes, teams, team members, routing rules, risk acceptances, deletes; sees every tenant and team under team isolation (docs/security.md)';
	END IF;
	IF NOT pg_catalog.pg_has_role('ctem_writer', 'ctem_reader', 'MEMBER') THEN
		GRANT ctem_reader TO ctem_writer;
	END IF;
	IF NOT pg_catalog.pg_has_role('ctem_admin', 'ctem_writer', 'MEMBER') THEN
		GRANT ctem_writer TO ctem_admin;
	END IF;
END
$$;

/* ------------------------------------------------------------------------
 * ctem.team_member
 * ------------------------------------------------------------------------ */

CREATE TYPE ctem.team_ref AS (tenant_id integer, team text);
COMMENT ON TYPE ctem.team_ref IS
	'A team of a tenant: what ctem.member_teams() returns and the team isolation policies compare with';

CREATE TABLE ctem.team_member (
	tenant_id		integer NOT NULL DEFAULT 1,
	team			text,
	role_name		text NOT NULL,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT team_member_key UNIQUE NULLS NOT DISTINCT (tenant_id, role_name, team),
	CONSTRAINT team_member_team_fk FOREIGN KEY (tenant_id, team)
		REFERENCES ctem.team (tenant_id, name) ON UPDATE CASCADE ON DELETE CASCADE,
	CONSTRAINT team_member_role_not_empty CHECK (pg_catalog.btrim(role_name) OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT team_member_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.team_member IS
	'Which database roles work for which team (or, team NULL, for the whole tenant): under team isolation (ctem.enable_team_isolation) a role sees and changes the rows of the teams and tenants it is listed for, directly or through a role it is a member of';
COMMENT ON COLUMN ctem.team_member.tenant_id IS 'Tenant (organisation) of the team';
COMMENT ON COLUMN ctem.team_member.team IS 'The team (ctem.team.name); NULL: every row of the tenant, as for an ingest job or a tenant''s security lead';
COMMENT ON COLUMN ctem.team_member.role_name IS 'A database role (login or group); members of that role count too. A name that is no role gives nothing';
COMMENT ON COLUMN ctem.team_member.created_at IS 'When the membership was recorded';
COMMENT ON CONSTRAINT team_member_key ON ctem.team_member IS
	'A role is listed once per team of a tenant, and once for the whole tenant; tenant first';
COMMENT ON CONSTRAINT team_member_team_fk ON ctem.team_member IS
	'A team of the same tenant; renaming the team renames it here, deleting it removes its members';
COMMENT ON CONSTRAINT team_member_role_not_empty ON ctem.team_member IS 'A role name is not blank';
COMMENT ON CONSTRAINT team_member_tenant_positive ON ctem.team_member IS 'Tenant ids are positive';
CREATE INDEX team_member_role_idx ON ctem.team_member (role_name);
COMMENT ON INDEX ctem.team_member_role_idx IS 'The memberships of a role';

SELECT pg_catalog.pg_extension_config_dump('ctem.team_member', '');
CREATE TRIGGER team_member_restore
	BEFORE INSERT ON ctem.team_member
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER team_member_restore ON ctem.team_member IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

/* ------------------------------------------------------------------------
 * What the policies call: evaluated once per statement
 * ------------------------------------------------------------------------ */

/*
 * The policies call these as uncorrelated scalar subqueries,
 * "(SELECT ctem.member_teams())::ctem.team_ref[]" (the cast keeps
 * "= ANY ((SELECT ...))" from being read as "= ANY (subquery)"): each is then an InitPlan, run once per
 * statement, and each row is compared with "= ANY" of the array.  They run
 * as the caller (CURRENT_USER), not as a SECURITY DEFINER, and read
 * ctem.team_member under its own policies.  No parameter (SCALE_OUT rule 14).
 */
CREATE FUNCTION ctem.is_team_admin()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
				   WHERE r.rolname OPERATOR(pg_catalog.=) 'ctem_admin'
					 AND pg_catalog.pg_has_role(CURRENT_USER, r.oid, 'MEMBER'))
$$;
COMMENT ON FUNCTION ctem.is_team_admin() IS
	'Whether the current role is a member of ctem_admin, which team isolation does not restrict';

CREATE FUNCTION ctem.member_tenants()
RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT COALESCE(pg_catalog.array_agg(DISTINCT m.tenant_id), '{}')
	FROM ctem.team_member m
	JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name::pg_catalog.name
	WHERE m.team IS NULL AND pg_catalog.pg_has_role(CURRENT_USER, r.oid, 'MEMBER')
$$;
COMMENT ON FUNCTION ctem.member_tenants() IS
	'The tenants the current role works for as a whole (ctem.team_member rows with team NULL): team isolation shows it every row of them';

CREATE FUNCTION ctem.member_any_tenants()
RETURNS integer[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT COALESCE(pg_catalog.array_agg(DISTINCT m.tenant_id), '{}')
	FROM ctem.team_member m
	JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name::pg_catalog.name
	WHERE pg_catalog.pg_has_role(CURRENT_USER, r.oid, 'MEMBER')
$$;
COMMENT ON FUNCTION ctem.member_any_tenants() IS
	'The tenants in which the current role is listed at all (a team or the whole tenant): team isolation shows it their scopes, teams, routing rules and risk acceptances';

CREATE FUNCTION ctem.member_teams()
RETURNS ctem.team_ref[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT COALESCE(pg_catalog.array_agg(DISTINCT ROW(m.tenant_id, m.team)::ctem.team_ref), '{}')
	FROM ctem.team_member m
	JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name::pg_catalog.name
	WHERE m.team IS NOT NULL AND pg_catalog.pg_has_role(CURRENT_USER, r.oid, 'MEMBER')
$$;
COMMENT ON FUNCTION ctem.member_teams() IS
	'The (tenant, team) pairs the current role is listed for in ctem.team_member, directly or through a role it is a member of';

-- ctem.team_member itself is always under row-level security: a role sees
-- its own memberships (what the helpers above read), ctem_admin all
ALTER TABLE ctem.team_member ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_member_own ON ctem.team_member FOR SELECT
	USING (pg_catalog.pg_has_role(CURRENT_USER,
		   (SELECT r.oid FROM pg_catalog.pg_roles r
			WHERE r.rolname OPERATOR(pg_catalog.=) role_name::pg_catalog.name), 'MEMBER'));
CREATE POLICY team_member_admin ON ctem.team_member FOR ALL
	USING ((SELECT ctem.is_team_admin()));

/* ------------------------------------------------------------------------
 * The tenant check (C, src/common/tenant.c)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.tenant_check(tenant_id integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_tenant_check_sql'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION ctem.tenant_check(integer) IS
	'Returns the tenant when the role the session acts as may see it, else an error (42501): always under no team isolation; with it, for superusers, BYPASSRLS roles, the owner, members of ctem_admin and roles that ctem.team_member lists in the tenant. NULL means every tenant, for unrestricted roles only. Every function that takes a tenant_id calls it (docs/security.md)';

/* ------------------------------------------------------------------------
 * Team isolation: opt-in per database
 * ------------------------------------------------------------------------ */

/*
 * The tables and their policy, one per table, named team_isolation, FOR ALL
 * (the USING expression is also the WITH CHECK): which rows a role that
 * is neither ctem_admin nor whole-tenant member of the row's tenant sees
 * and may write.  A table of the list that does not exist (yet) is left
 * out, so the list may name tables other branches bring (ctem.outbox).
 */
CREATE FUNCTION ctem.team_isolation_policies()
RETURNS TABLE (table_name text, policy text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT t.table_name,
		   '(SELECT ctem.is_team_admin()) OR tenant_id OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_tenants())::integer[]) OR '
		   OPERATOR(pg_catalog.||) t.own
	FROM (VALUES
		-- an exposure is its routed team's (ctem.exposure.team)
		('exposure', 'ROW(tenant_id, team)::ctem.team_ref OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_teams())::ctem.team_ref[])'),
		-- an asset is its owner team's, and every team's that has an exposure on it
		('asset', 'ROW(tenant_id, owner)::ctem.team_ref OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_teams())::ctem.team_ref[]) '
				  'OR EXISTS (SELECT 1 FROM ctem.exposure e WHERE e.tenant_id OPERATOR(pg_catalog.=) asset.tenant_id '
				  'AND e.asset_id OPERATOR(pg_catalog.=) asset.id)'),
		-- history, validation results and acceptance links follow their exposure
		('exposure_event', 'EXISTS (SELECT 1 FROM ctem.exposure e WHERE e.tenant_id OPERATOR(pg_catalog.=) exposure_event.tenant_id '
						   'AND e.id OPERATOR(pg_catalog.=) exposure_event.exposure_id)'),
		('validation_result', 'EXISTS (SELECT 1 FROM ctem.exposure e WHERE e.tenant_id OPERATOR(pg_catalog.=) validation_result.tenant_id '
							  'AND e.id OPERATOR(pg_catalog.=) validation_result.exposure_id)'),
		('risk_acceptance_exposure', 'EXISTS (SELECT 1 FROM ctem.exposure e WHERE e.tenant_id OPERATOR(pg_catalog.=) risk_acceptance_exposure.tenant_id '
									 'AND e.id OPERATOR(pg_catalog.=) risk_acceptance_exposure.exposure_id)'),
		-- an edge is the team's when one of its ends is
		('asset_edge', 'EXISTS (SELECT 1 FROM ctem.asset a WHERE a.tenant_id OPERATOR(pg_catalog.=) asset_edge.tenant_id '
					   'AND a.id OPERATOR(pg_catalog.=) ANY (ARRAY[asset_edge.source_asset_id, asset_edge.target_asset_id]))'),
		-- controls and scope membership follow their asset
		('control', 'EXISTS (SELECT 1 FROM ctem.asset a WHERE a.tenant_id OPERATOR(pg_catalog.=) control.tenant_id '
					'AND a.id OPERATOR(pg_catalog.=) control.asset_id)'),
		('scope_member', 'EXISTS (SELECT 1 FROM ctem.asset a WHERE a.tenant_id OPERATOR(pg_catalog.=) scope_member.tenant_id '
						 'AND a.id OPERATOR(pg_catalog.=) scope_member.asset_id)'),
		('scope_membership_event', 'EXISTS (SELECT 1 FROM ctem.asset a WHERE a.tenant_id OPERATOR(pg_catalog.=) scope_membership_event.tenant_id '
								   'AND a.id OPERATOR(pg_catalog.=) scope_membership_event.asset_id)'),
		-- the tenant's configuration: every member of the tenant reads it
		('scope', 'tenant_id OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_any_tenants())::integer[])'),
		('team', 'tenant_id OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_any_tenants())::integer[])'),
		('routing_rule', 'tenant_id OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_any_tenants())::integer[])'),
		('risk_acceptance', 'tenant_id OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_any_tenants())::integer[])'),
		('graph_change', 'tenant_id OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_any_tenants())::integer[])'),
		-- the ticket outbox (issue 25; applied once the table exists): its team
		('outbox', 'ROW(tenant_id, team)::ctem.team_ref OPERATOR(pg_catalog.=) ANY ((SELECT ctem.member_teams())::ctem.team_ref[])')
	) AS t (table_name, own)
$$;
COMMENT ON FUNCTION ctem.team_isolation_policies() IS
	'The tables team isolation covers and the USING (and WITH CHECK) expression of each one''s policy team_isolation (docs/security.md)';

CREATE FUNCTION ctem.enable_team_isolation()
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
	p record;
	n integer := 0;
BEGIN
	FOR p IN SELECT * FROM ctem.team_isolation_policies() ORDER BY 1 LOOP
		IF pg_catalog.to_regclass('ctem.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(p.table_name)) IS NULL THEN
			CONTINUE;
		END IF;
		EXECUTE pg_catalog.format('DROP POLICY IF EXISTS team_isolation ON ctem.%I', p.table_name);
		EXECUTE pg_catalog.format('CREATE POLICY team_isolation ON ctem.%I FOR ALL USING (%s)',
								  p.table_name, p.policy);
		EXECUTE pg_catalog.format('ALTER TABLE ctem.%I ENABLE ROW LEVEL SECURITY', p.table_name);
		n := n OPERATOR(pg_catalog.+) 1;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ctem.enable_team_isolation() IS
	'Turns team isolation on in this database: creates (or replaces) the policy team_isolation on every table of ctem.team_isolation_policies() that exists and enables row-level security on it; returns the number of tables. Idempotent; run it again after an upgrade or when a listed table appears. For the tables'' owner; EXECUTE is not granted to PUBLIC (docs/security.md)';

CREATE FUNCTION ctem.disable_team_isolation()
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
	p record;
	n integer := 0;
BEGIN
	FOR p IN SELECT * FROM ctem.team_isolation_policies() ORDER BY 1 LOOP
		IF pg_catalog.to_regclass('ctem.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(p.table_name)) IS NULL THEN
			CONTINUE;
		END IF;
		EXECUTE pg_catalog.format('DROP POLICY IF EXISTS team_isolation ON ctem.%I', p.table_name);
		EXECUTE pg_catalog.format('ALTER TABLE ctem.%I DISABLE ROW LEVEL SECURITY', p.table_name);
		n := n OPERATOR(pg_catalog.+) 1;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ctem.disable_team_isolation() IS
	'Turns team isolation off: drops the policies team_isolation and disables row-level security on the tables of ctem.team_isolation_policies(); returns the number of tables. For the tables'' owner; EXECUTE is not granted to PUBLIC';
