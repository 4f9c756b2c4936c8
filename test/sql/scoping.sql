--
-- scoping: scopes (the filter language, validation, evaluation as data,
-- membership history), teams and routing (precedence, owner fallback,
-- re-routing, reassignment history), tenant isolation
--
\pset null '(null)'
SET client_min_messages = warning;

-- the estate: tenant 1
INSERT INTO ctem.asset (kind, natural_key, environment, business_service, owner,
                        criticality, internet_facing, crown_jewel, tags)
VALUES ('host', 'web-01.example.com', 'prod', 'shop', 'team-web', 4, true, false, '{pci,linux}'),
       ('host', 'web-02.example.com', 'staging', 'shop', 'team-web', 2, false, false, '{linux}'),
       ('database', 'payments-db', 'prod', 'payments', 'team-data', 5, false, true, '{pci}'),
       ('container_image', 'registry.acme.example/shop/frontend:2.14.1', 'prod', 'shop', NULL, NULL, NULL, false, '{}'),
       ('repository', 'github.com/acme/50%_off', 'dev', 'marketing', 'x''); DROP TABLE ctem.asset; --', 1, false, false, '{}');
SELECT id, natural_key FROM ctem.asset ORDER BY id;

--
-- 1. Each member of the filter language (ctem.scope_assets over a scope)
--
CREATE FUNCTION pg_temp.members(f jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	-- inactive: evaluated, but without membership history
	INSERT INTO ctem.scope (name, filter, active) VALUES ('probe', f, false);
	SELECT string_agg(a.natural_key, ', ' ORDER BY a.id) INTO r FROM ctem.scope_assets('probe') a;
	DELETE FROM ctem.scope WHERE name = 'probe';
	RETURN COALESCE(r, '(none)');
END $$;
SELECT f, pg_temp.members(f::jsonb) FROM (VALUES
	('{}'),
	('{"asset_kinds": ["host", "database"]}'),
	('{"environments": ["prod"]}'),
	('{"business_services": ["payments", "marketing"]}'),
	('{"owners": ["team-web"]}'),
	('{"owners": ["x''); DROP TABLE ctem.asset; --"]}'),
	('{"tags_any": ["pci", "windows"]}'),
	('{"tags_all": ["pci", "linux"]}'),
	('{"internet_facing": true}'),
	('{"internet_facing": false}'),
	('{"crown_jewel": true}'),
	('{"min_criticality": 4}'),
	('{"key_pattern": "web-__.example.com"}'),
	('{"key_pattern": "%.EXAMPLE.COM"}'),
	('{"key_pattern": "%50\\%\\_off"}'),
	('{"key_pattern": "%50%off"}'),
	('{"key_pattern": "''; DELETE FROM ctem.asset; --"}'),
	('{"reachable_from_entry": true}'),
	('{"any_of": [{"crown_jewel": true}, {"internet_facing": true}]}'),
	('{"not": {"internet_facing": true}}'),
	('{"environments": ["prod"], "not": {"any_of": [{"asset_kinds": ["database"]}, {"min_criticality": 4}]}}')
) v(f) ORDER BY f;
-- nothing was executed: the assets are all still there
SELECT count(*) AS assets FROM ctem.asset;

--
-- 2. Invalid filters: each error names the member and its path
--
\set VERBOSITY default
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '[]');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"owner": ["a"]}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"owners": "team-web"}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"owners": ["a", 1]}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"owners": []}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"asset_kinds": ["hots"]}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"internet_facing": "yes"}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"min_criticality": 6}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"min_criticality": 2.5}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"min_criticality": "3"}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"key_pattern": "web\\"}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"key_pattern": 7}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"reachable_from_entry": null}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"any_of": []}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"any_of": [{"owners": ["a"]}, {"tags": ["b"]}]}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"any_of": {"owners": ["a"]}}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"not": [{"owners": ["a"]}]}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"not": {"not": {"tags_all": [true]}}}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"exposure_kinds": ["secret"]}');
INSERT INTO ctem.scope (name, filter) VALUES ('bad', '{"min_severity": "high"}');
SELECT ctem.scope_filter_valid('{"min_severity": "hihg"}', true);
SELECT ctem.scope_filter_valid('{"exposure_kinds": ["vuln"]}', true);
SELECT ctem.scope_filter_valid('{"rule_pattern": ["CVE-%"]}', true);
SELECT ctem.in_scope(a, 'no such scope') FROM ctem.asset a LIMIT 1;
SELECT * FROM ctem.scope_assets('no such scope');
SELECT count(*) FROM ctem.scope;

--
-- 3. Scopes, ctem.in_scope, ctem.scope_exposures, and membership history
--
INSERT INTO ctem.scope (name, description, filter) VALUES
	('external', 'The external attack surface', '{"internet_facing": true}'),
	('pci', 'Cardholder data environment', '{"tags_any": ["pci"]}');
SELECT a.natural_key, ctem.in_scope(a, 'external') AS external, ctem.in_scope(a, 'pci') AS pci
FROM ctem.asset a ORDER BY a.id;
INSERT INTO ctem.exposure (asset_id, rule_id, severity)
SELECT id, 'CVE-2021-44228', 'critical' FROM ctem.asset WHERE natural_key = 'web-01.example.com';
INSERT INTO ctem.exposure (asset_id, kind, rule_id, severity)
SELECT id, 'secret', 'aws-access-key', 'high' FROM ctem.asset WHERE natural_key = 'payments-db';
SELECT e.rule_id, a.natural_key FROM ctem.scope_exposures('pci') e
JOIN ctem.asset a ON a.id = e.asset_id ORDER BY e.rule_id;
-- asset changes: one enters, one leaves, a new one enters, a deleted one leaves
UPDATE ctem.asset SET internet_facing = true WHERE natural_key = 'web-02.example.com';
UPDATE ctem.asset SET internet_facing = false WHERE natural_key = 'web-01.example.com';
INSERT INTO ctem.asset (kind, natural_key, internet_facing, tags) VALUES ('domain', 'shop.example.com', true, '{pci}');
DELETE FROM ctem.asset WHERE natural_key = 'shop.example.com';
-- scope changes: the filter, deactivation, activation, rename, deletion
UPDATE ctem.scope SET filter = '{"tags_all": ["pci", "linux"]}' WHERE name = 'pci';
UPDATE ctem.scope SET active = false WHERE name = 'external';
UPDATE ctem.scope SET active = true WHERE name = 'external';
UPDATE ctem.scope SET name = 'cde' WHERE name = 'pci';
SELECT ev.scope, ev.asset_id, ev.event, ev.reason FROM ctem.scope_membership_event ev ORDER BY ev.id;
SELECT m.scope, m.asset_id FROM ctem.scope_member m ORDER BY 1, 2;
-- the history answers "what was in scope then"
SELECT max(at) AS t0 FROM ctem.scope_membership_event \gset
SELECT asset_id FROM ctem.scope_assets_at('external', :'t0') ORDER BY 1;
SELECT asset_id FROM ctem.scope_assets_at('external', :'t0'::timestamptz - interval '1 day') ORDER BY 1;
DELETE FROM ctem.scope WHERE name = 'cde';
SELECT ev.scope, ev.asset_id, ev.event, ev.reason FROM ctem.scope_membership_event ev
WHERE ev.reason = 'scope deleted' ORDER BY ev.id;
-- a scope over reachability follows the attack graph
INSERT INTO ctem.scope (name, filter) VALUES ('reachable', '{"reachable_from_entry": true}');
SELECT a.natural_key FROM ctem.scope_assets('reachable') a ORDER BY a.id;
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, probability)
SELECT s.id, t.id, 0.5 FROM ctem.asset s, ctem.asset t
WHERE s.natural_key = 'web-02.example.com' AND t.natural_key = 'payments-db';
SELECT a.natural_key FROM ctem.scope_assets('reachable') a ORDER BY a.id;
SELECT ev.scope, ev.asset_id, ev.event, ev.reason FROM ctem.scope_membership_event ev
WHERE ev.scope = 'reachable' ORDER BY ev.id;
SELECT ctem.scope_refresh();

--
-- 4. Teams and routing
--
INSERT INTO ctem.team (name, contact, ticket_project) VALUES
	('team-web', 'web@acme.example', 'WEB'),
	('secops', 'secops@acme.example', 'SEC'),
	('dba', 'dba@acme.example', 'DBA');
-- no rule yet: the owner's team when it is a team
SELECT e.rule_id, e.team FROM ctem.exposure e ORDER BY e.id;
INSERT INTO ctem.routing_rule (priority, match, team) VALUES
	(10, '{"exposure_kinds": ["secret"]}', 'secops'),
	(20, '{"business_services": ["payments"]}', 'dba'),
	(30, '{"rule_pattern": "CVE-2021-%", "min_severity": "critical"}', 'secops');
SELECT e.rule_id, e.team FROM ctem.exposure e ORDER BY e.id;
-- precedence: lower priority first, then id
INSERT INTO ctem.routing_rule (priority, match, team) VALUES (5, '{"crown_jewel": true}', 'dba');
SELECT e.rule_id, e.team FROM ctem.exposure e ORDER BY e.id;
UPDATE ctem.routing_rule SET priority = 1 WHERE team = 'secops' AND priority = 10;
SELECT e.rule_id, e.team FROM ctem.exposure e ORDER BY e.id;
-- a new exposure is routed on insert, and by COPY
INSERT INTO ctem.exposure (asset_id, rule_id, severity)
SELECT id, 'CVE-2023-1111', 'low' FROM ctem.asset WHERE natural_key = 'web-02.example.com';
COPY ctem.exposure (asset_id, kind, rule_id, severity) FROM stdin;
3	misconfiguration	AVD-DS-0001	medium
\.
SELECT e.rule_id, e.team FROM ctem.exposure e ORDER BY e.id;
-- an exposure changes: re-routed by the trigger
UPDATE ctem.exposure SET severity = 'critical', rule_id = 'CVE-2021-9999' WHERE rule_id = 'CVE-2023-1111';
-- an asset changes: its exposures are re-routed
UPDATE ctem.asset SET owner = 'secops' WHERE natural_key = 'web-01.example.com';
UPDATE ctem.asset SET owner = 'nobody' WHERE natural_key = 'web-01.example.com';
-- a team is renamed (its rules follow) and a rule deleted
UPDATE ctem.team SET name = 'security' WHERE name = 'secops';
DELETE FROM ctem.routing_rule WHERE match = '{"crown_jewel": true}';
SELECT e.rule_id, e.team FROM ctem.exposure e ORDER BY e.id;
-- a team with rules cannot be deleted
DELETE FROM ctem.team WHERE name = 'dba';
-- the reassignment history
SELECT ev.exposure_id, ev.event, ev.old_team, ev.new_team
FROM ctem.exposure_event ev WHERE ev.old_team IS DISTINCT FROM ev.new_team ORDER BY ev.exposure_id, ev.id;
SELECT ctem.exposure_team(1, e.asset_id, e.kind, e.rule_id, e.severity) = e.team AS consistent
FROM ctem.exposure e ORDER BY e.id;
SELECT ctem.route_exposures();
-- invalid matches
INSERT INTO ctem.routing_rule (match, team) VALUES ('{"rule_pattern": 1}', 'dba');
INSERT INTO ctem.routing_rule (match, team) VALUES ('{"min_severity": "severe"}', 'dba');
INSERT INTO ctem.routing_rule (match, team) VALUES ('{}', 'no such team');

--
-- 5. Tenant isolation: tenant 2's scopes, teams and rules see only tenant 2
--
INSERT INTO ctem.asset (tenant_id, kind, natural_key, owner, internet_facing)
VALUES (2, 'host', 'web-01.example.com', 'team-web', true);
INSERT INTO ctem.scope (tenant_id, name, filter) VALUES (2, 'external', '{}');
INSERT INTO ctem.team (tenant_id, name) VALUES (2, 'tenant2-team');
INSERT INTO ctem.routing_rule (tenant_id, match, team) VALUES (2, '{}', 'tenant2-team');
INSERT INTO ctem.routing_rule (tenant_id, match, team) VALUES (2, '{}', 'dba');
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id)
SELECT 2, id, 'CVE-2021-44228' FROM ctem.asset WHERE tenant_id = 2;
SELECT tenant_id, rule_id, team FROM ctem.exposure ORDER BY tenant_id, id;
SELECT a.tenant_id, a.natural_key FROM ctem.scope_assets('external', 2) a;
SELECT a.tenant_id, a.natural_key FROM ctem.scope_assets('external', 1) a;
SELECT tenant_id, scope, count(*) FROM ctem.scope_member GROUP BY 1, 2 ORDER BY 1, 2;

-- clean up
DELETE FROM ctem.routing_rule;
DELETE FROM ctem.team;
DELETE FROM ctem.scope;
TRUNCATE ctem.asset, ctem.exposure, ctem.asset_edge CASCADE;
TRUNCATE ctem.scope_membership_event, ctem.scope_member;
