--
-- security: roles, team isolation (row-level security), views as the
-- invoker, the tenant check of functions that take a tenant_id
--
-- (errors without their CONTEXT lines: PostgreSQL 18 words them otherwise)
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_sec_a, regress_sec_b, regress_sec_admin, regress_sec_etl;
CREATE ROLE regress_sec_a;
CREATE ROLE regress_sec_b;
CREATE ROLE regress_sec_admin;
CREATE ROLE regress_sec_etl;
RESET client_min_messages;
-- the roles exist, NOLOGIN, in a chain
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname LIKE 'ctem\_%' ORDER BY 1;
SELECT pg_has_role('ctem_admin', 'ctem_reader', 'MEMBER') AS admin_reads,
       pg_has_role('ctem_reader', 'ctem_writer', 'MEMBER') AS reader_writes;
GRANT ctem_writer TO regress_sec_a, regress_sec_b, regress_sec_etl;
GRANT ctem_admin TO regress_sec_admin;

-- two tenants; in tenant 1 two teams, assets owned by each, one exposure
-- of an asset of team-b routed to team-a by a rule
INSERT INTO ctem.team (tenant_id, name) VALUES (1, 'sec-a'), (1, 'sec-b'), (2, 'sec-a');
INSERT INTO ctem.asset (tenant_id, kind, natural_key, owner, business_service) VALUES
  (1, 'host', 'sec-a1.example.com', 'sec-a', 'sec-svc'),
  (1, 'host', 'sec-b1.example.com', 'sec-b', 'sec-svc'),
  (1, 'host', 'sec-b2.example.com', 'sec-b', 'sec-svc'),
  (2, 'host', 'sec-a1.example.com', 'sec-a', 'sec-svc');
INSERT INTO ctem.routing_rule (tenant_id, priority, match, team)
VALUES (1, 1, '{"key_pattern": "sec-b2.%", "min_severity": "critical"}', 'sec-a');
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, severity)
SELECT a.tenant_id, a.id, r, s
FROM ctem.asset a, (VALUES ('CVE-2096-0001', 'critical'::ctem.severity),
                           ('CVE-2096-0002', 'low'::ctem.severity)) v(r, s)
WHERE a.natural_key LIKE 'sec-%';
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id)
SELECT a.tenant_id, a.id, b.id FROM ctem.asset a JOIN ctem.asset b
  ON b.tenant_id = a.tenant_id AND b.natural_key = 'sec-b1.example.com'
WHERE a.natural_key = 'sec-b2.example.com';
INSERT INTO ctem.control (tenant_id, asset_id, kind, effectiveness)
SELECT tenant_id, id, 'waf', 0.2 FROM ctem.asset WHERE natural_key LIKE 'sec-%';
UPDATE ctem.exposure SET status = 'in_progress' WHERE rule_id = 'CVE-2096-0002';
SELECT e.tenant_id, a.natural_key, e.rule_id, e.team
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key LIKE 'sec-%' ORDER BY 1, 2, 3;

INSERT INTO ctem.team_member (tenant_id, team, role_name) VALUES
  (1, 'sec-a', 'regress_sec_a'), (1, 'sec-b', 'regress_sec_b'), (1, NULL, 'regress_sec_etl');
-- a role is listed once per team, once for the whole tenant
INSERT INTO ctem.team_member (tenant_id, team, role_name) VALUES (1, NULL, 'regress_sec_etl');
-- the team must exist in the tenant
INSERT INTO ctem.team_member (tenant_id, team, role_name) VALUES (2, 'sec-b', 'regress_sec_b');

-- without isolation, the views were plain views: with row-level security
-- on ctem.exposure turned on by hand, they read as their owner and
-- showed every tenant's rows (the leak of issue 24)
BEGIN;
ALTER TABLE ctem.exposure ENABLE ROW LEVEL SECURITY;
CREATE POLICY regress_tenant1 ON ctem.exposure USING (tenant_id = 1);
ALTER VIEW ctem.work_queue RESET (security_invoker);
SET ROLE regress_sec_a;
SELECT DISTINCT tenant_id AS leaked_tenant FROM ctem.work_queue WHERE asset LIKE 'sec-%' ORDER BY 1;
RESET ROLE;
ALTER VIEW ctem.work_queue SET (security_invoker = true);
SET ROLE regress_sec_a;
SELECT DISTINCT tenant_id AS tenant FROM ctem.work_queue WHERE asset LIKE 'sec-%' ORDER BY 1;
RESET ROLE;
ROLLBACK;
SELECT c.relname, c.reloptions FROM pg_class c
WHERE c.relnamespace = 'ctem'::regnamespace AND c.relkind = 'v' ORDER BY 1;

-- turning isolation on is for the owner
SET ROLE regress_sec_admin;
SELECT ctem.enable_team_isolation();
RESET ROLE;
SELECT ctem.enable_team_isolation() AS tables;
SELECT ctem.enable_team_isolation() AS tables_again;
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'ctem'::regnamespace AND c.relrowsecurity ORDER BY 1;

-- what each role sees, through every table
CREATE FUNCTION public.regress_sec_counts()
RETURNS TABLE (tbl text, n bigint, tenants int[]) LANGUAGE sql AS $$
  SELECT 'asset', count(*), array_agg(DISTINCT tenant_id) FROM ctem.asset WHERE natural_key LIKE 'sec-%'
  UNION ALL SELECT 'exposure', count(*), array_agg(DISTINCT tenant_id) FROM ctem.exposure WHERE rule_id LIKE 'CVE-2096-%'
  UNION ALL SELECT 'exposure_event', count(*), array_agg(DISTINCT tenant_id) FROM ctem.exposure_event v
    WHERE EXISTS (SELECT 1 FROM ctem.exposure e WHERE e.tenant_id = v.tenant_id AND e.id = v.exposure_id AND e.rule_id LIKE 'CVE-2096-%')
  UNION ALL SELECT 'asset_edge', count(*), array_agg(DISTINCT tenant_id) FROM ctem.asset_edge WHERE EXISTS (SELECT 1 FROM ctem.asset a WHERE a.id = source_asset_id AND a.natural_key LIKE 'sec-%')
  UNION ALL SELECT 'control', count(*), array_agg(DISTINCT tenant_id) FROM ctem.control c WHERE EXISTS (SELECT 1 FROM ctem.asset a WHERE a.tenant_id = c.tenant_id AND a.id = c.asset_id AND a.natural_key LIKE 'sec-%')
  UNION ALL SELECT 'validation_result', count(*), array_agg(DISTINCT tenant_id) FROM ctem.validation_result v WHERE EXISTS (SELECT 1 FROM ctem.exposure e WHERE e.tenant_id = v.tenant_id AND e.id = v.exposure_id AND e.rule_id LIKE 'CVE-2096-%')
  UNION ALL SELECT 'team', count(*), array_agg(DISTINCT tenant_id) FROM ctem.team WHERE name LIKE 'sec-%'
  UNION ALL SELECT 'routing_rule', count(*), array_agg(DISTINCT tenant_id) FROM ctem.routing_rule WHERE team LIKE 'sec-%'
  UNION ALL SELECT 'team_member', count(*), array_agg(DISTINCT tenant_id) FROM ctem.team_member WHERE role_name LIKE 'regress_sec_%'
  UNION ALL SELECT 'work_queue', count(*), array_agg(DISTINCT tenant_id) FROM ctem.work_queue WHERE asset LIKE 'sec-%'
  UNION ALL SELECT 'exposure_summary', sum(exposures), array_agg(DISTINCT tenant_id) FROM ctem.exposure_summary WHERE business_service = 'sec-svc'
$$;
GRANT EXECUTE ON FUNCTION public.regress_sec_counts() TO PUBLIC;
SET ROLE regress_sec_a;
SELECT * FROM public.regress_sec_counts();
-- team-a sees its own asset, and team-b's asset that carries its exposure
SELECT a.natural_key, e.rule_id, e.team FROM ctem.exposure e
JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id ORDER BY 1, 2;
SELECT exposure_id IS NOT NULL AS has_id, asset, rule_id FROM ctem.work_queue ORDER BY asset, rule_id;
-- changing team-b's or tenant 2's rows changes nothing
UPDATE ctem.exposure SET status = 'fixed' WHERE rule_id LIKE 'CVE-2096-%' AND team IS DISTINCT FROM 'sec-a';
UPDATE ctem.asset SET criticality = 5 WHERE natural_key = 'sec-b1.example.com';
DELETE FROM ctem.asset_edge;
-- and cannot create them: a new asset of team-b, an exposure on it
INSERT INTO ctem.asset (tenant_id, kind, natural_key, owner) VALUES (1, 'host', 'sec-b9.example.com', 'sec-b');
INSERT INTO ctem.asset (tenant_id, kind, natural_key, owner) VALUES (2, 'host', 'sec-a9.example.com', 'sec-a');
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, severity)
SELECT 1, id, 'CVE-2096-0003', 'low' FROM ctem.asset WHERE natural_key = 'sec-b2.example.com';
RESET ROLE;
SELECT count(*) AS changed FROM ctem.exposure WHERE rule_id LIKE 'CVE-2096-%' AND status = 'fixed';
SELECT count(*) AS edges, (SELECT criticality FROM ctem.asset WHERE tenant_id = 1 AND natural_key = 'sec-b1.example.com')
FROM ctem.asset_edge;

-- functions that take a tenant_id refuse tenant 2 (and "every tenant")
SET ROLE regress_sec_a;
SELECT ctem.tenant_check(1);
SELECT ctem.tenant_check(2);
SELECT ctem.tenant_check(NULL);
SELECT ctem.set_status(ARRAY[1::bigint], 'in_progress', 'x', tenant_id => 2);
SELECT * FROM ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "sec-x:1", "ArtifactType": "container_image", "Results": []}', NULL, NULL, true, 2);
SELECT ctem.explain(1, 2);
SELECT ctem.rescore(2);
SELECT ctem.rescore();
SELECT * FROM ctem.attack_paths(tenant_id => 2);
SELECT * FROM ctem.reachable_assets(12, 2);
SELECT * FROM ctem.blast_radius(1, 6, 2);
SELECT * FROM ctem.chokepoints(20, 2);
SELECT * FROM ctem.simulate_fix(ARRAY[1::bigint], 2);
SELECT * FROM ctem.fix_plan(10, 2);
SELECT ctem.attack_graph_dot(NULL, 3, 2);
SELECT * FROM ctem.attack_path_through(1, NULL, 2);
SELECT ctem.exposure_team(2, 1, 'vulnerability', 'CVE-2096-0001', 'critical');
SELECT * FROM ctem.scope_assets('x', 2);
SELECT * FROM ctem.scope_exposures('x', 2);
SELECT * FROM ctem.scope_assets_at('x', now(), 2);
SELECT ctem.scope_reachable(2);
-- the administrator's functions: not granted to a writer at all
SELECT ctem.apply_acceptance(1, 2);
SELECT ctem.expire_acceptances(now(), NULL);
SELECT ctem.revoke_acceptance(1, 'x', NULL, 2);
SELECT ctem.route_exposures(2);
SELECT ctem.scope_refresh(NULL, 2);
SELECT ctem.graph_compact(2);
SELECT ctem.attack_path_refresh(2);
SELECT ctem.disable_team_isolation();
-- its own tenant works, and returns only its teams' rows
SELECT count(*) AS reachable_in_tenant_1 FROM ctem.reachable_assets(12, 1);
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 1 AND rule_id = 'CVE-2096-0001' ORDER BY id),
                       'in_progress', 'team-a works it');
RESET ROLE;

-- a whole-tenant member (an ingest job) sees all of tenant 1, nothing of 2
SET ROLE regress_sec_etl;
SELECT * FROM public.regress_sec_counts();
SELECT count(*) FROM ctem.work_queue WHERE tenant_id = 2;
RESET ROLE;
-- ctem_admin sees all
SET ROLE regress_sec_admin;
SELECT * FROM public.regress_sec_counts();
SELECT ctem.tenant_check(2), ctem.tenant_check(NULL);
RESET ROLE;
-- a role in no team sees nothing
SET ROLE ctem_reader;
SELECT * FROM public.regress_sec_counts();
RESET ROLE;

-- the policies' helpers run once per statement (InitPlans)
SET ROLE regress_sec_a;
-- (counted, not printed: PostgreSQL 17 prints InitPlans differently)
DO $$
DECLARE
	line text;
	init_plans integer := 0;
	seq_scans integer := 0;
BEGIN
	FOR line IN EXPLAIN (COSTS OFF) SELECT id FROM ctem.exposure LOOP
		IF line ~ '^\s*InitPlan' THEN init_plans := init_plans + 1; END IF;
		IF line ~ 'Scan on exposure' THEN seq_scans := seq_scans + 1; END IF;
	END LOOP;
	RAISE NOTICE 'one scan of ctem.exposure: %, InitPlans (the helpers, once each): %', seq_scans, init_plans;
END
$$;
SELECT ctem.member_teams(), ctem.member_tenants(), ctem.is_team_admin();
RESET ROLE;

-- turning it off restores the old behaviour
SELECT ctem.disable_team_isolation() AS tables;
SELECT c.relname FROM pg_class c
WHERE c.relnamespace = 'ctem'::regnamespace AND c.relrowsecurity ORDER BY 1;
SET ROLE regress_sec_a;
SELECT ctem.tenant_check(2);
SELECT count(*) AS all_exposures FROM ctem.exposure WHERE rule_id LIKE 'CVE-2096-%';
RESET ROLE;

-- clean up
DROP FUNCTION public.regress_sec_counts();
DELETE FROM ctem.asset WHERE natural_key LIKE 'sec-%';
DELETE FROM ctem.routing_rule WHERE team LIKE 'sec-%';
DELETE FROM ctem.team WHERE name LIKE 'sec-%';
SELECT count(*) AS members_left FROM ctem.team_member WHERE team IS NOT NULL;
DELETE FROM ctem.team_member WHERE role_name LIKE 'regress_sec_%';
REVOKE ctem_writer FROM regress_sec_a, regress_sec_b, regress_sec_etl;
REVOKE ctem_admin FROM regress_sec_admin;
DROP ROLE regress_sec_a, regress_sec_b, regress_sec_admin, regress_sec_etl;
