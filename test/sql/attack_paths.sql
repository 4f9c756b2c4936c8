-- Attack paths: the asset graph (ctem.asset_edge), its checks and
-- references, the most likely paths (ctem.attack_paths), blast radius,
-- reachability, chokepoints, fix simulation and plans, the DOT picture, the
-- per-backend graph cache and its change log.  Every answer is worked out
-- by hand in the comments; probabilities are rounded to 6 decimals.

-- start from an empty store, the default policy active
TRUNCATE ctem.asset, ctem.asset_edge, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result, ctem.vuln_intel RESTART IDENTITY;
UPDATE ctem.policy SET active = builtin;
SELECT name, exploit_baseline, path_max_hops FROM ctem.policy WHERE active;

/*
 * Tenant 1, the graph every section below starts from:
 *
 *	1 internet-lb (internet-facing: an entry point)
 *	2 vpn (tagged entry_point: an entry point)
 *	3 web, 4 app
 *	5 db (crown jewel), 6 dc (crown jewel, nothing leads to it from an entry)
 *	7 wks (a workstation that reaches dc, but no entry reaches it)
 *
 *	edge 1: 1 -> 3 network    0.9
 *	edge 2: 3 -> 4 network    0.5
 *	edge 3: 4 -> 5 network    0.8
 *	edge 4: 2 -> 4 credential 0.3
 *	edge 5: 4 -> 3 lateral    0.6    (a cycle 3 -> 4 -> 3)
 *	edge 6: 3 -> 5 trust      0.2
 *	edge 7: 3 -> 4 lateral    0.4    (parallel to edge 2, another kind)
 *	edge 8: 7 -> 6 credential 0.7
 *
 * No edge needs an exploit yet (exploit_required = false): each step is the
 * edge's probability.  The loopless paths from an entry point to db:
 *	1 -> 3 -> 4 -> 5 by edges 1, 2, 3: 0.9 x 0.5 x 0.8 = 0.36   (3 hops)
 *	1 -> 3 -> 4 -> 5 by edges 1, 7, 3: 0.9 x 0.4 x 0.8 = 0.288  (3 hops)
 *	2 -> 4 -> 5      by edges 4, 3:    0.3 x 0.8       = 0.24   (2 hops)
 *	1 -> 3 -> 5      by edges 1, 6:    0.9 x 0.2       = 0.18   (2 hops)
 *	2 -> 4 -> 3 -> 5 by edges 4, 5, 6: 0.3 x 0.6 x 0.2 = 0.036  (3 hops)
 * (1 -> 3 -> 4 -> 3 ... would pass 3 twice: not a path.)
 */
INSERT INTO ctem.asset (kind, natural_key, internet_facing, crown_jewel, tags) VALUES
	('host', 'internet-lb.example.com', true, false, '{}'),
	('host', 'vpn.example.com', false, false, '{entry_point}'),
	('web_app', 'https://web.example.com', false, false, '{}'),
	('host', 'app.example.com', NULL, false, '{}'),
	('database', 'db.example.com', false, true, '{}'),
	('host', 'dc.example.com', false, true, '{}'),
	('host', 'wks-17.example.com', false, false, '{}');
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, kind, probability, exploit_required) VALUES
	(1, 3, 'network', 0.9, false),
	(3, 4, 'network', 0.5, false),
	(4, 5, 'network', 0.8, false),
	(2, 4, 'credential', 0.3, false),
	(4, 3, 'lateral', 0.6, false),
	(3, 5, 'trust', 0.2, false),
	(3, 4, 'lateral', 0.4, false),
	(7, 6, 'credential', 0.7, false);
SELECT id, source_asset_id, target_asset_id, kind, probability, exploit_required, attributes
FROM ctem.asset_edge ORDER BY id;

-- the most likely path to each crown jewel: db by edges 1, 2, 3; dc has none
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path, edges
FROM ctem.attack_paths() ORDER BY target, rank;
-- k larger than the number of paths: the five, most likely first
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path, edges
FROM ctem.attack_paths(5, k => 10) ORDER BY target, rank;
-- max_hops 2 leaves the two paths of 2 hops; max_hops 1 none (no entry
-- point is next to db)
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path, edges
FROM ctem.attack_paths(5, k => 10, max_hops => 2) ORDER BY target, rank;
SELECT count(*) AS paths_of_one_hop FROM ctem.attack_paths(5, k => 10, max_hops => 1);
-- dc is unreachable: no row
SELECT count(*) AS paths_to_dc FROM ctem.attack_paths(6, k => 10);

/*
 * Blast radius of web (3): itself; app (4) at 0.5 by edge 2 (edge 7 gives
 * only 0.4); db (5) at 0.5 x 0.8 = 0.4 in 2 hops (edge 6 alone gives 0.2).
 * Within 1 hop db is 0.2 (edge 6).  The cycle back to 3 changes nothing.
 */
SELECT asset_id, hops, round(probability::numeric, 6) AS probability
FROM ctem.blast_radius(3) ORDER BY asset_id;
SELECT asset_id, hops, round(probability::numeric, 6) AS probability
FROM ctem.blast_radius(3, max_hops => 1) ORDER BY asset_id;
-- the workstation reaches dc; an asset without edges only itself
SELECT asset_id, hops, round(probability::numeric, 6) AS probability
FROM ctem.blast_radius(7) ORDER BY asset_id;
INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', 'printer.example.com');
SELECT asset_id, hops, round(probability::numeric, 6) AS probability
FROM ctem.blast_radius(8) ORDER BY asset_id;

/*
 * Everything an attacker reaches from the entry points 1 and 2: the entry
 * points (hops 0, probability 1); web 0.9 from 1 (2 -> 4 -> 3 gives 0.18);
 * app 0.9 x 0.5 = 0.45 from 1 (2 -> 4 gives 0.3); db 0.36 from 1.  Within
 * 1 hop: web 0.9, app 0.3 from 2, no db.  dc, wks and the printer: no row.
 */
SELECT asset_id, round(probability::numeric, 6) AS probability, hops, entry_asset_id
FROM ctem.reachable_assets() ORDER BY asset_id;
SELECT asset_id, round(probability::numeric, 6) AS probability, hops, entry_asset_id
FROM ctem.reachable_assets(max_hops => 1) ORDER BY asset_id;

/* ------------------------------------------------------------------------
 * Bad edges are refused with the edge in the message, and nothing is
 * written
 * ------------------------------------------------------------------------ */
SELECT count(*) AS edges_before FROM ctem.asset_edge;
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, probability) VALUES (1, 4, 0);
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, probability) VALUES (1, 4, 1.5);
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, probability) VALUES (1, 4, -0.25);
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, probability) VALUES (1, 4, 'NaN');
\set VERBOSITY terse
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, probability) VALUES (1, 4, NULL);
\set VERBOSITY default
-- a self-loop, also by an update
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, kind) VALUES (4, 4, 'lateral');
UPDATE ctem.asset_edge SET target_asset_id = source_asset_id WHERE id = 1;
-- an unknown asset, at either end
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id) VALUES (999, 4);
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, kind) VALUES (4, 999, 'trust');
-- one bad row among good ones: the statement writes none of them
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, kind, probability) VALUES
	(1, 4, 'other', 0.5), (2, 3, 'other', 0.5), (2, 5, 'other', 2);
-- the same source, target and kind twice
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, kind, probability) VALUES (1, 3, 'network', 0.5);
SELECT count(*) AS edges_after FROM ctem.asset_edge;
-- an ETL job upserts on the natural key: the probability and last_seen
-- change, the id and first_seen stay
BEGIN;
INSERT INTO ctem.asset_edge AS e (tenant_id, source_asset_id, target_asset_id, kind, probability)
VALUES (1, 1, 3, 'network', 0.85)
ON CONFLICT (tenant_id, source_asset_id, target_asset_id, kind) DO UPDATE
	SET probability = excluded.probability, last_seen = excluded.last_seen;
SELECT id, probability, last_seen >= first_seen AS seen_again FROM ctem.asset_edge WHERE id = 1;
ROLLBACK;

/* ------------------------------------------------------------------------
 * Tenants: another tenant's graph, and edges across tenants
 * ------------------------------------------------------------------------ */

/*
 * Tenant 2: its own entry point (9) and crown jewel (10), one edge of 0.25.
 * An edge of tenant 2 cannot name tenant 1's assets, at either end.
 */
INSERT INTO ctem.asset (tenant_id, kind, natural_key, internet_facing, crown_jewel) VALUES
	(2, 'host', 'edge.tenant2.example', true, false),
	(2, 'database', 'vault.tenant2.example', false, true);
SELECT id, tenant_id, natural_key FROM ctem.asset WHERE tenant_id = 2 ORDER BY id;
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, probability, exploit_required)
VALUES (2, 9, 10, 0.25, false);
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id) VALUES (2, 9, 5);
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id) VALUES (2, 1, 10);
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id) VALUES (1, 1, 10);
-- each tenant sees its own graph only
SELECT target, rank, round(probability::numeric, 6) AS probability, path, edges
FROM ctem.attack_paths(tenant_id => 2) ORDER BY target, rank;
SELECT asset_id, round(probability::numeric, 6) AS probability, hops, entry_asset_id
FROM ctem.reachable_assets(tenant_id => 2) ORDER BY asset_id;
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths() ORDER BY target, rank;
-- tenant 1's asset 5 is no asset of tenant 2
SELECT * FROM ctem.attack_paths(5, tenant_id => 2);
SELECT * FROM ctem.blast_radius(5, tenant_id => 2);
-- a tenant without edges: its entry points reach themselves
INSERT INTO ctem.asset (tenant_id, kind, natural_key, internet_facing) VALUES (4, 'host', 'lonely.tenant4.example', true);
SELECT asset_id, probability, hops, entry_asset_id FROM ctem.reachable_assets(tenant_id => 4);
SELECT count(*) AS paths FROM ctem.attack_paths(tenant_id => 4);

/* ------------------------------------------------------------------------
 * Exploits: a step into an asset that must be exploited
 * ------------------------------------------------------------------------ */

/*
 * Edge 3 (app -> db, 0.8) now needs an exploit of db.  db has no open
 * exposure: its exploitability is the policy's baseline 0.05, the step
 * 0.8 x 0.05 = 0.04, and the paths through it: 1-3-4-5 0.9 x 0.5 x 0.04 =
 * 0.018, 1-3-4-5 by edge 7 0.9 x 0.4 x 0.04 = 0.0144, 2-4-5 0.3 x 0.04 =
 * 0.012; now 1 -> 3 -> 5 (0.18) is the most likely.
 */
UPDATE ctem.asset_edge SET exploit_required = true WHERE id = 3;
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path, edges
FROM ctem.attack_paths(5, k => 10) ORDER BY target, rank;

/*
 * db gets two open exposures, scored as always: exploit maturity high
 * (L 0.95) and poc (L 0.8), neither validated (V 1).  Its exploitability is
 * 1 - (1 - 0.95)(1 - 0.8) = 0.99, the step 0.8 x 0.99 = 0.792, and the path
 * 1 -> 3 -> 4 -> 5 0.9 x 0.5 x 0.792 = 0.3564.
 */
INSERT INTO ctem.exposure (asset_id, rule_id, severity, exploit_maturity) VALUES
	(5, 'CVE-2099-0001', 'critical', 'high'),
	(5, 'CVE-2099-0002', 'high', 'poc');
SELECT id, rule_id, score_explain->'factors'->'L'->>0 AS l, score_explain->'factors'->'V'->>0 AS v
FROM ctem.exposure ORDER BY id;
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path, edges
FROM ctem.attack_paths(5) ORDER BY target, rank;
-- a pentest blocked the first (V 0.6): 0.95 x 0.6 = 0.57, exploitability
-- 1 - 0.43 x 0.2 = 0.914, path 0.9 x 0.5 x 0.8 x 0.914 = 0.32904
INSERT INTO ctem.validation_result (exposure_id, outcome, source) VALUES (1, 'blocked', 'pentest');
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path
FROM ctem.attack_paths(5) ORDER BY target, rank;
-- the second is fixed: exploitability 0.57, path 0.9 x 0.5 x 0.8 x 0.57 = 0.2052
UPDATE ctem.exposure SET status = 'fixed' WHERE id = 2;
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path
FROM ctem.attack_paths(5) ORDER BY target, rank;
-- validated exploitable: L 1 and V 1, exploitability 1, path 0.36 again
INSERT INTO ctem.validation_result (exposure_id, outcome, source) VALUES (1, 'exploitable', 'bas');
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path
FROM ctem.attack_paths(5) ORDER BY target, rank;
-- exploit_required off again: the step is exactly the edge's 0.8 whatever
-- the exposures (reopen the second: nothing changes)
UPDATE ctem.asset_edge SET exploit_required = false WHERE id = 3;
UPDATE ctem.exposure SET status = 'open' WHERE id = 2;
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path
FROM ctem.attack_paths(5) ORDER BY target, rank;

/* ------------------------------------------------------------------------
 * Chokepoints, fix simulation and fix plans (tenant 3)
 * ------------------------------------------------------------------------ */

/*
 * Tenant 3: two entry points a (12) and b (13), a middle asset m (14) both
 * reach with an exploit, m's credentials open the jewels j1 (15, 0.5) and
 * j2 (16, 0.4), and b reaches j2 directly with an exploit (0.1).  m has two
 * open exposures: x1, exploit maturity functional (L 0.9), and x2 with
 * nothing known (L 0.7, the EPSS default); j2 has none (baseline 0.05).
 *	exploitability(m) = 1 - 0.1 x 0.3 = 0.97
 *	j1: a -> m -> j1 = 0.97 x 0.5 = 0.485 (b -> m -> j1 the same)
 *	j2: a -> m -> j2 = 0.97 x 0.4 = 0.388 (b -> j2 = 0.1 x 0.05 = 0.005)
 *	path risk = 0.485 + 0.388 = 0.873
 */
INSERT INTO ctem.asset (tenant_id, kind, natural_key, internet_facing, crown_jewel) VALUES
	(3, 'web_app', 'https://a.tenant3.example', true, false),
	(3, 'api', 'https://b.tenant3.example/api', true, false),
	(3, 'host', 'm.tenant3.example', false, false),
	(3, 'database', 'j1.tenant3.example', false, true),
	(3, 'cloud_resource', 'arn:aws:s3:::j2-"tenant3"\exports', false, true);
SELECT id, natural_key FROM ctem.asset WHERE tenant_id = 3 ORDER BY id;
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, kind, probability, exploit_required) VALUES
	(3, 12, 14, 'network', 1, true),
	(3, 13, 14, 'network', 1, true),
	(3, 14, 15, 'credential', 0.5, false),
	(3, 14, 16, 'credential', 0.4, false),
	(3, 13, 16, 'network', 0.1, true);
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, severity, exploit_maturity) VALUES
	(3, 14, 'CVE-2099-0101', 'critical', 'functional'),
	(3, 14, 'CVE-2099-0102', 'medium', 'unknown');
SELECT id, rule_id, score_explain->'factors'->'L'->>0 AS l FROM ctem.exposure WHERE tenant_id = 3 ORDER BY id;
SELECT target, rank, round(probability::numeric, 6) AS probability, hops, path, edges
FROM ctem.attack_paths(k => 3, tenant_id => 3) ORDER BY target, rank;

/*
 * Fixing m's exposures leaves m at the baseline: j1 0.05 x 0.5 = 0.025, j2
 * 0.05 x 0.4 = 0.02; the risk falls from 0.873 to 0.045, by 0.828.  m is
 * reached by both entry points and reaches both jewels.  j1 and j2 have no
 * exposure: not candidates.
 */
SELECT asset_id, entries_reaching, jewels_reached, round(risk_reduction::numeric, 6) AS risk_reduction,
	   exposure_ids
FROM ctem.chokepoints(tenant_id => 3) ORDER BY risk_reduction DESC, asset_id;

/*
 * As if x1 (exposure 3) were fixed: m's exploitability 0.7, j1 0.35, j2
 * 0.28; both entry points still reach both jewels.  Nothing is written.
 */
SELECT count(*) AS open_before FROM ctem.exposure WHERE status = 'open';
SELECT target, round(probability_before::numeric, 6) AS before, round(probability_after::numeric, 6) AS after,
	   entries_before, entries_after
FROM ctem.simulate_fix(ARRAY[3]::bigint[], tenant_id => 3) ORDER BY target;
SELECT count(*) AS open_after FROM ctem.exposure WHERE status = 'open';
-- both: j1 0.025, j2 0.02; an exposure of the tenant that no step needs
-- (closed, or on an asset nothing exploits) changes nothing; an empty list
-- changes nothing
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, exploit_maturity) VALUES (3, 12, 'CVE-2099-0103', 'high');
SELECT target, round(probability_before::numeric, 6) AS before, round(probability_after::numeric, 6) AS after,
	   entries_before, entries_after
FROM ctem.simulate_fix(ARRAY[3, 4, 5], tenant_id => 3) ORDER BY target;
SELECT target, round(probability_before::numeric, 6) AS before, round(probability_after::numeric, 6) AS after
FROM ctem.simulate_fix('{}', tenant_id => 3) ORDER BY target;

/*
 * The greedy plan: fixing x1 leaves 0.35 + 0.28 = 0.63, fixing x2 instead
 * (m at 1 - 0.1 = 0.9) 0.45 + 0.36 = 0.81: x1 first; then x2, 0.045.  No
 * other exposure is on a most likely path: the plan stops after two steps
 * whatever the budget.
 */
SELECT step, exposure_id, asset_id, round(risk_after::numeric, 6) AS risk_after
FROM ctem.fix_plan(tenant_id => 3) ORDER BY step;
SELECT step, exposure_id, asset_id, round(risk_after::numeric, 6) AS risk_after
FROM ctem.fix_plan(1, tenant_id => 3) ORDER BY step;

/*
 * The picture: j1's two paths (a and b tie at 0.485; a's edge has the lower
 * id), j2's three; each step's probability and why; the natural key with a
 * quote and a backslash escaped for DOT.
 */
SELECT ctem.attack_graph_dot(tenant_id => 3);
SELECT ctem.attack_graph_dot(15, k => 1, tenant_id => 3);
-- tenant 1's dc: no path, drawn alone
SELECT ctem.attack_graph_dot(6, k => 1);

/* ------------------------------------------------------------------------
 * Bad arguments
 * ------------------------------------------------------------------------ */
SELECT * FROM ctem.attack_paths(k => 0);
SELECT * FROM ctem.attack_paths(k => 101);
SELECT * FROM ctem.attack_paths(max_hops => 0);
SELECT * FROM ctem.attack_paths(max_hops => 65);
SELECT * FROM ctem.attack_paths(k => NULL);
SELECT * FROM ctem.attack_paths(tenant_id => 0);
SELECT * FROM ctem.attack_paths(999);
SELECT * FROM ctem.attack_paths(3);
SELECT * FROM ctem.blast_radius(999);
SELECT * FROM ctem.blast_radius(3, max_hops => 0);
SELECT * FROM ctem.reachable_assets(max_hops => 100);
SELECT * FROM ctem.chokepoints(0);
SELECT * FROM ctem.fix_plan(0);
SELECT * FROM ctem.simulate_fix(ARRAY[3, 999], tenant_id => 3);
SELECT * FROM ctem.simulate_fix(ARRAY[1], tenant_id => 3);
SELECT * FROM ctem.simulate_fix(ARRAY[3, NULL], tenant_id => 3);
SELECT ctem.attack_graph_dot(k => 0);
SELECT ctem.attack_graph_dot(4);
-- STRICT functions: NULL in, no row out
SELECT count(*) FROM ctem.blast_radius(NULL);
SELECT count(*) FROM ctem.chokepoints(NULL);
-- the policy's attack-path columns are checked (terse: the failing row
-- holds a time)
UPDATE ctem.policy SET exploit_baseline = 0 WHERE name = 'default';
\set VERBOSITY terse
INSERT INTO ctem.policy (name, exploit_baseline) VALUES ('bad', 1.5);
INSERT INTO ctem.policy (name, exploit_baseline) VALUES ('bad', 0);
INSERT INTO ctem.policy (name, path_max_hops) VALUES ('bad', 65);
\set VERBOSITY default

/* ------------------------------------------------------------------------
 * The edges follow their assets
 * ------------------------------------------------------------------------ */
BEGIN;
-- deleting app (4) deletes edges 2, 3, 4, 5 and 7, and the paths through it
DELETE FROM ctem.asset WHERE id = 4;
SELECT id FROM ctem.asset_edge WHERE tenant_id = 1 ORDER BY id;
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths(k => 10) ORDER BY target, rank;
ROLLBACK;
-- the key of an asset that edges reference cannot change; TRUNCATE of the
-- assets alone is refused while edges exist
UPDATE ctem.asset SET id = 100 WHERE id = 7;
BEGIN;
TRUNCATE ctem.asset, ctem.exposure CASCADE;
ROLLBACK;

/* ------------------------------------------------------------------------
 * The cache and the change log
 * ------------------------------------------------------------------------ */

-- the first call of a tenant reads its graph, the next ones find it
-- current; a call of another tenant keeps its own graph
SET ctem.graph_trace = on;
SELECT count(*) FROM ctem.attack_paths(k => 10);
SELECT count(*) FROM ctem.attack_paths(k => 10);
SELECT count(*) FROM ctem.reachable_assets(tenant_id => 2);
SELECT count(*) FROM ctem.reachable_assets();
-- a change that the graph does not read (an exposure's title, an asset's
-- owner) keeps the cached graph; one it reads (an asset becomes an entry
-- point) does not
UPDATE ctem.exposure SET title = 'a new title' WHERE id = 1;
UPDATE ctem.asset SET owner = 'team-web' WHERE id = 3;
SELECT count(*) FROM ctem.reachable_assets();
UPDATE ctem.asset SET tags = '{entry_point}' WHERE id = 7;
SELECT count(*) FROM ctem.reachable_assets();
UPDATE ctem.asset SET tags = '{}' WHERE id = 7;
-- a tenant without a change log (no edge yet) is read for every call
SELECT count(*) FROM ctem.reachable_assets(tenant_id => 4);
SELECT count(*) FROM ctem.reachable_assets(tenant_id => 4);
-- deleting an exposure the graph reads is a change (tenant 3's m keeps x1
-- alone: exploitability 0.9, j1 0.9 x 0.5 = 0.45); so is a TRUNCATE of the
-- edges, which leaves a row for each tenant that had edges
BEGIN;
DELETE FROM ctem.exposure WHERE id = 4;
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths(15, tenant_id => 3) ORDER BY target, rank;
ROLLBACK;
RESET ctem.graph_trace;
BEGIN;
CREATE TEMP TABLE log_before AS
SELECT tenant_id, count(*) AS n FROM ctem.graph_change GROUP BY tenant_id;
TRUNCATE ctem.asset_edge;
SELECT g.tenant_id, count(*) - b.n AS new_rows
FROM ctem.graph_change g JOIN log_before b USING (tenant_id)
GROUP BY g.tenant_id, b.n ORDER BY 1;
SELECT count(*) AS paths FROM ctem.attack_paths();
ROLLBACK;

-- the graph is read with the caller's privileges, cached or not; where
-- row-level security applies to the caller, it is read for the call and
-- not kept
CREATE ROLE regress_ctem_graph_reader;
GRANT USAGE ON SCHEMA ctem TO regress_ctem_graph_reader;
SET ROLE regress_ctem_graph_reader;
SELECT count(*) FROM ctem.attack_paths();
RESET ROLE;
GRANT SELECT ON ctem.asset, ctem.asset_edge TO regress_ctem_graph_reader;
GRANT SELECT (tenant_id, id, asset_id, status) ON ctem.exposure TO regress_ctem_graph_reader;
SET ROLE regress_ctem_graph_reader;
SELECT count(*) FROM ctem.attack_paths();
RESET ROLE;
GRANT SELECT ON ctem.exposure TO regress_ctem_graph_reader;
SET ROLE regress_ctem_graph_reader;
SELECT count(*) FROM ctem.attack_paths();
RESET ROLE;
BEGIN;
ALTER TABLE ctem.asset_edge ENABLE ROW LEVEL SECURITY;
CREATE POLICY regress_no_network ON ctem.asset_edge TO regress_ctem_graph_reader
	USING (kind <> 'network');
SET ROLE regress_ctem_graph_reader;
SET ctem.graph_trace = on;
-- without the network edges, 2 -> 4 -> 3 -> 5 by credential, lateral and
-- trust edges is left: 0.3 x 0.6 x 0.2 = 0.036
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths(5) ORDER BY target, rank;
RESET ctem.graph_trace;
RESET ROLE;
ROLLBACK;
-- without row-level security the reader gets the cached graph, which the
-- read under row-level security left alone
SET ROLE regress_ctem_graph_reader;
SET ctem.graph_trace = on;
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths(5) ORDER BY target, rank;
RESET ctem.graph_trace;
RESET ROLE;
REVOKE ALL ON ctem.asset, ctem.asset_edge, ctem.exposure FROM regress_ctem_graph_reader;
REVOKE ALL ON SCHEMA ctem FROM regress_ctem_graph_reader;
DROP ROLE regress_ctem_graph_reader;

-- the transaction's own new edge is seen at once (internet-lb -> db, 0.95),
-- and gone again after the rollback
BEGIN;
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, kind, probability, exploit_required)
VALUES (1, 5, 'network', 0.95, false);
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths(5) ORDER BY target, rank;
ROLLBACK;
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths(5) ORDER BY target, rank;

-- every statement that changed tenant 1's graph left a row; compaction
-- leaves one (a new number), and the answers stay the same
SELECT count(*) > 1 AS many_rows FROM ctem.graph_change WHERE tenant_id = 1;
SELECT ctem.graph_compact() > 0 AS compacted;
SELECT count(*) AS rows_left, bool_and(seq > 0) AS numbered FROM ctem.graph_change WHERE tenant_id = 1;
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths(5) ORDER BY target, rank;
-- tenants without edges have no rows, and compaction starts a log
SELECT count(*) AS tenant4_rows FROM ctem.graph_change WHERE tenant_id = 4;
SELECT ctem.graph_compact(4) AS deleted;
SELECT count(*) AS tenant4_rows FROM ctem.graph_change WHERE tenant_id = 4;
SELECT ctem.graph_compact(0);
-- a change of the policy's baseline changes the steps into assets without
-- open exposures (tenant 3's j2: b -> j2 0.1 x 0.2 = 0.02)
INSERT INTO ctem.policy (name, exploit_baseline, active) VALUES ('baseline-0.2', 0.2, true);
SELECT target, rank, round(probability::numeric, 6) AS probability, path
FROM ctem.attack_paths(16, k => 3, tenant_id => 3) ORDER BY target, rank;
UPDATE ctem.policy SET active = builtin;
DELETE FROM ctem.policy WHERE name = 'baseline-0.2';

-- the memory cap: a graph that does not fit is an error with a hint
-- (tenant 5: 300 assets, each with edges to the next 100)
INSERT INTO ctem.asset (tenant_id, kind, natural_key, internet_facing)
SELECT 5, 'host', 'h' || g || '.tenant5.example', g = 1 FROM generate_series(1, 300) g;
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, probability)
SELECT 5, s.id, t.id, 0.5
FROM ctem.asset s JOIN ctem.asset t ON t.tenant_id = 5 AND t.id > s.id AND t.id <= s.id + 100
WHERE s.tenant_id = 5;
-- (the edge INSERT's path refresh built and cached it: a write is not
-- refused for the cap; a compaction makes the cached graph stale)
SET ctem.graph_cache_mb = 1;
SELECT ctem.graph_compact(5) > 0 AS compacted;
DO $$
BEGIN
	PERFORM count(*) FROM ctem.reachable_assets(tenant_id => 5);
EXCEPTION WHEN program_limit_exceeded THEN
	RAISE NOTICE 'refused: %', SQLERRM ~ '^the attack graph of tenant 5 needs \d+ MB, more than "ctem.graph_cache_mb" allows$';
END
$$;
SET ctem.graph_cache_mb = 64;
SELECT count(*) AS reached FROM ctem.reachable_assets(tenant_id => 5);
-- the cap holds the graphs of all tenants together: tenant 6, as large as
-- tenant 5, makes room by dropping the least recently used graphs (tenants
-- 1, 2 and 3, then 5); pg_backend_memory_contexts shows one context
-- "ctem graph" per graph kept
INSERT INTO ctem.asset (tenant_id, kind, natural_key, internet_facing)
SELECT 6, 'host', 'h' || g || '.tenant6.example', g = 1 FROM generate_series(1, 300) g;
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, probability)
SELECT 6, s.id, t.id, 0.5
FROM ctem.asset s JOIN ctem.asset t ON t.tenant_id = 6 AND t.id > s.id AND t.id <= s.id + 100
WHERE s.tenant_id = 6;
SELECT count(*) AS reached FROM ctem.reachable_assets(tenant_id => 5);
-- a cap that holds tenant 5's graph (the largest kept, over 1.1 MB) and a
-- few small ones, but not two of its size: its size in MB plus 0.1,
-- rounded up
SELECT set_config('ctem.graph_cache_mb', ceil(max(total_bytes) / (1024.0 * 1024) + 0.1)::text, false) <> ''
	   AS capped
FROM pg_backend_memory_contexts WHERE name = 'ctem graph';
-- (above the cap for now: the path refresh of tenant 6's edges built its
-- graph whatever the cap, and the next query makes room)
SELECT count(*) AS graphs_kept FROM pg_backend_memory_contexts WHERE name = 'ctem graph';
SELECT count(*) AS reached FROM ctem.reachable_assets(tenant_id => 6);
SELECT count(*) AS graphs_kept FROM pg_backend_memory_contexts WHERE name = 'ctem graph';
SET ctem.graph_trace = on;
SELECT count(*) AS reached FROM ctem.reachable_assets(tenant_id => 5);
SELECT count(*) AS reached FROM ctem.reachable_assets(tenant_id => 1);
SELECT count(*) AS reached FROM ctem.reachable_assets(tenant_id => 5);
RESET ctem.graph_trace;
SELECT count(*) AS graphs_kept FROM pg_backend_memory_contexts WHERE name = 'ctem graph';
RESET ctem.graph_cache_mb;
SHOW ctem.graph_cache_mb;
-- (the error's wording of the range differs between PostgreSQL versions)
DO $$
BEGIN
	PERFORM set_config('ctem.graph_cache_mb', '0', false);
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'ctem.graph_cache_mb = 0 refused: %', SQLSTATE;
END
$$;

-- Reachability feeds the score (tenant 7): the DMZ web server, an internal
-- database that is no crown jewel, and the vault (the jewel) that the
-- database's service account opens.  The database's exposure scores as
-- "internal (attack path unknown)" until an edge connects the DMZ to it.
INSERT INTO ctem.asset (tenant_id, kind, natural_key, internet_facing, crown_jewel, criticality) VALUES
	(7, 'host', 'web.dmz.example', true, false, 3),
	(7, 'host', 'db.internal.example', false, false, 5),
	(7, 'host', 'vault.internal.example', false, true, 5);
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, severity, cvss, exploit_maturity)
SELECT 7, a.id, 'CVE-2099-0001', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'high'
FROM ctem.asset a WHERE a.tenant_id = 7 AND a.natural_key = 'db.internal.example';
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, kind, probability, exploit_required)
SELECT 7, s.id, t.id, 'credential', 0.9, false
FROM ctem.asset s, ctem.asset t
WHERE s.tenant_id = 7 AND s.natural_key = 'db.internal.example'
  AND t.tenant_id = 7 AND t.natural_key = 'vault.internal.example';
CREATE TEMP VIEW t7 AS
SELECT a.natural_key, a.attack_path_probability AS path_p, e.risk_score, e.priority,
       (ctem.explain(e.id, 7))->'factors'->'X'->>'value' AS x,
       (ctem.explain(e.id, 7))->'factors'->'X'->>'source' AS x_source,
       e.risk_score = ctem.risk_score(e, a) AS score_matches
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE e.tenant_id = 7
ORDER BY e.id;
SELECT * FROM t7;
-- the edge from the DMZ: the database is on a path (0.9 x its
-- exploitability x 0.9 >= path_probability_full), in the same transaction,
-- with one graph read for the statement
BEGIN;
SET LOCAL ctem.graph_trace = on;
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, kind, probability)
SELECT 7, s.id, t.id, 'network', 0.9
FROM ctem.asset s, ctem.asset t
WHERE s.tenant_id = 7 AND s.natural_key = 'web.dmz.example'
  AND t.tenant_id = 7 AND t.natural_key = 'db.internal.example';
RESET ctem.graph_trace;
SELECT natural_key, round(path_p::numeric, 4) AS path_p, risk_score, priority, x, x_source, score_matches FROM t7;
COMMIT;
-- ctem.explain names the path; ctem.attack_path_through is its source
SELECT x->'attack_path'->>'assets' AS assets, x->'attack_path'->'hops' AS hops,
       round((x->'attack_path'->>'probability')::numeric, 4) AS probability
FROM ctem.exposure e, ctem.explain(e.id, 7) x WHERE e.tenant_id = 7;
SELECT round(probability::numeric, 4) AS probability, hops, cardinality(path) AS assets, cardinality(edges) AS edges
FROM ctem.attack_path_through((SELECT id FROM ctem.asset WHERE tenant_id = 7 AND natural_key = 'db.internal.example'),
							  tenant_id => 7);
-- the web server itself is an entry point on the path; the jewel too
SELECT a.natural_key, round(t.probability::numeric, 4) AS probability, t.hops
FROM ctem.asset a, ctem.attack_path_through(a.id, tenant_id => 7) t WHERE a.tenant_id = 7 ORDER BY a.id;
-- a one-hop limit cuts the database's path (two edges): no row
SELECT count(*) FROM ctem.attack_path_through((SELECT id FROM ctem.asset WHERE tenant_id = 7 AND natural_key = 'db.internal.example'),
											  1, 7);
-- removing the edge lowers it again; the history has both changes
DELETE FROM ctem.asset_edge e USING ctem.asset s
WHERE e.tenant_id = 7 AND s.tenant_id = 7 AND s.id = e.source_asset_id AND s.natural_key = 'web.dmz.example';
SELECT natural_key, path_p, risk_score, priority, x, x_source, score_matches FROM t7;
SELECT v.old_priority, v.new_priority, v.note
FROM ctem.exposure_event v WHERE v.tenant_id = 7 AND v.old_priority IS DISTINCT FROM v.new_priority ORDER BY v.id;
-- a less likely path scales X: the DMZ edge at 0.05 gives 0.05 x 0.95 x 0.9
-- (about 0.043 < 0.1): X = 0.5 + 0.3 x 0.43
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, kind, probability)
SELECT 7, s.id, t.id, 'network', 0.05
FROM ctem.asset s, ctem.asset t
WHERE s.tenant_id = 7 AND s.natural_key = 'web.dmz.example'
  AND t.tenant_id = 7 AND t.natural_key = 'db.internal.example';
SELECT natural_key, round(path_p::numeric, 4) AS path_p, risk_score, priority, x, x_source, score_matches FROM t7;
-- ctem.ingest recomputes once, at the end of the call, however many
-- statements it runs (a new finding on the web server, an entry point)
SET ctem.graph_trace = on;
SELECT format, findings, inserted
FROM ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "web.dmz.example", "ArtifactType": "filesystem",
  "Results": [{"Target": "web", "Class": "lang-pkgs", "Type": "jar", "Vulnerabilities": [
    {"VulnerabilityID": "CVE-2099-0002", "PkgName": "struts", "InstalledVersion": "2.5", "Severity": "HIGH"},
    {"VulnerabilityID": "CVE-2099-0003", "PkgName": "spring", "InstalledVersion": "5.3", "Severity": "MEDIUM"}]}]}',
  'trivy', (SELECT id FROM ctem.asset WHERE tenant_id = 7 AND natural_key = 'web.dmz.example'), true, 7);
RESET ctem.graph_trace;
-- fixing the exposure lowers the database's exploitability to the policy's
-- baseline: the path and the score follow
UPDATE ctem.exposure SET status = 'fixed' WHERE tenant_id = 7;
SELECT a.natural_key, round(a.attack_path_probability::numeric, 4) AS path_p
FROM ctem.asset a WHERE a.tenant_id = 7 ORDER BY a.id;
UPDATE ctem.exposure SET status = 'open' WHERE tenant_id = 7;
-- a policy whose full-credit probability is lower gives the full X
INSERT INTO ctem.policy (name, path_probability_full, active) VALUES ('path-0.01', 0.01, true);
SELECT natural_key, round(path_p::numeric, 4) AS path_p, risk_score, priority, x, x_source FROM t7;
UPDATE ctem.policy SET active = builtin;
DELETE FROM ctem.policy WHERE name = 'path-0.01';
-- a bad full-credit probability is refused
INSERT INTO ctem.policy (name, path_probability_full) VALUES ('bad', 0);
-- ctem.attack_path_refresh recomputes on demand: nothing changed, 0
SELECT ctem.attack_path_refresh(7);
-- TRUNCATE of the edges clears every factor
TRUNCATE ctem.asset_edge;
SELECT count(*) AS on_a_path FROM ctem.asset WHERE attack_path_probability IS NOT NULL;
SELECT natural_key, path_p, risk_score, priority, x_source FROM t7;
DROP VIEW t7;

-- An edge statement patches this backend's cached graph instead of reading
-- it again (docs/attack-paths.md, "Patching the cached graph"): after every
-- kind of edge change its answers and the stored factors equal a full read's
-- (forced by ctem.graph_compact, which is no edge change).
INSERT INTO ctem.asset (tenant_id, kind, natural_key, internet_facing, crown_jewel, tags) VALUES
	(11, 'host', 'p-web', true, false, '{}'), (11, 'host', 'p-app', false, false, '{}'),
	(11, 'database', 'p-db', false, true, '{}'), (11, 'host', 'p-vpn', false, false, '{entry_point}'),
	(11, 'host', 'p-new', false, false, '{}'), (11, 'database', 'p-db2', false, true, '{}'),
	(12, 'host', 'q-web', true, false, '{}'), (12, 'host', 'q-app', false, false, '{}'),
	(12, 'database', 'q-db', false, true, '{}');
CREATE FUNCTION pg_temp.aid(k text) RETURNS bigint LANGUAGE sql
	AS $$ SELECT id FROM ctem.asset WHERE natural_key = k $$;
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, severity, exploit_maturity) VALUES
	(11, pg_temp.aid('p-app'), 'CVE-2099-1101', 'critical', 'high'),
	(11, pg_temp.aid('p-db'), 'CVE-2099-1102', 'high', 'poc'),
	(11, pg_temp.aid('p-new'), 'CVE-2099-1103', 'critical', 'functional'),
	(11, pg_temp.aid('p-new'), 'CVE-2099-1104', 'medium', 'unknown'),
	(12, pg_temp.aid('q-app'), 'CVE-2099-1201', 'high', 'high');
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, kind, probability, exploit_required) VALUES
	(11, pg_temp.aid('p-web'), pg_temp.aid('p-app'), 'network', 0.9, true),
	(11, pg_temp.aid('p-app'), pg_temp.aid('p-db'), 'network', 0.8, true),
	(12, pg_temp.aid('q-web'), pg_temp.aid('q-app'), 'network', 0.9, true);
CREATE FUNCTION pg_temp.answers() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT 'path ' || t || ' ' || p::text FROM (VALUES (11), (12)) v(t),
		ctem.attack_paths(k => 3, tenant_id => t) p
	UNION ALL
	SELECT 'reach ' || t || ' ' || r::text FROM (VALUES (11), (12)) v(t),
		ctem.reachable_assets(tenant_id => t) r
	UNION ALL
	SELECT 'factor ' || a.id || ' ' || coalesce(a.attack_path_probability::text, '-')
	FROM ctem.asset a WHERE a.tenant_id IN (11, 12) $$;
CREATE TEMP TABLE patched (v text);
-- compare: the answers now (from patched graphs), then after a full read
CREATE FUNCTION pg_temp.compare() RETURNS TABLE (differ bigint, refreshed integer) LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM patched;
	INSERT INTO patched SELECT * FROM pg_temp.answers();
	PERFORM ctem.graph_compact(11), ctem.graph_compact(12);
	refreshed := ctem.attack_path_refresh(11) + ctem.attack_path_refresh(12);
	SELECT count(*) INTO differ FROM (
		(SELECT v FROM patched EXCEPT ALL SELECT * FROM pg_temp.answers())
		UNION ALL
		(SELECT * FROM pg_temp.answers() EXCEPT ALL SELECT v FROM patched)) d;
	RETURN NEXT;
END $$;
SELECT * FROM pg_temp.compare();
SELECT count(*) AS answers FROM pg_temp.answers();
SET ctem.graph_trace = on;
-- read once: then every edge statement below patches
SELECT count(*) FROM ctem.attack_paths(tenant_id => 11);
SELECT count(*) FROM ctem.attack_paths(tenant_id => 12);
-- a new asset enters the graph (its exposures read: an exploit step leads
-- to it), a second path, a second jewel reached by a step needing no exploit
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, kind, probability, exploit_required) VALUES
	(11, pg_temp.aid('p-vpn'), pg_temp.aid('p-new'), 'network', 0.5, true),
	(11, pg_temp.aid('p-new'), pg_temp.aid('p-db'), 'credential', 0.7, false),
	(11, pg_temp.aid('p-new'), pg_temp.aid('p-db2'), 'trust', 0.6, false);
-- an update of probability, exploit_required and kind; one statement, two tenants
UPDATE ctem.asset_edge SET probability = probability / 2, exploit_required = NOT exploit_required,
	kind = 'lateral' WHERE target_asset_id IN (pg_temp.aid('p-db'), pg_temp.aid('q-app'));
-- the update moves an edge's source; the delete then takes p-app, and its exposure, out of the graph
UPDATE ctem.asset_edge SET source_asset_id = pg_temp.aid('p-web')
	WHERE source_asset_id = pg_temp.aid('p-app');
DELETE FROM ctem.asset_edge WHERE target_asset_id = pg_temp.aid('p-app');
-- a self-cancelling statement: an upsert that changes nothing
INSERT INTO ctem.asset_edge AS e (tenant_id, source_asset_id, target_asset_id, kind, probability)
	SELECT tenant_id, source_asset_id, target_asset_id, kind, probability
	FROM ctem.asset_edge WHERE tenant_id = 12
ON CONFLICT (tenant_id, source_asset_id, target_asset_id, kind) DO UPDATE
	SET probability = excluded.probability;
-- a subtransaction rolled back: its patched graph's key never holds again
BEGIN;
SAVEPOINT s;
DELETE FROM ctem.asset_edge WHERE tenant_id = 11 AND target_asset_id = pg_temp.aid('p-db2');
ROLLBACK TO s;
SELECT count(*) FROM ctem.attack_paths(tenant_id => 11);
INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, kind, probability) VALUES
	(11, pg_temp.aid('p-web'), pg_temp.aid('p-db2'), 'network', 0.3);
COMMIT;
RESET ctem.graph_trace;
SELECT * FROM pg_temp.compare();
SELECT count(*) AS answers FROM pg_temp.answers();
-- the answers of the patched graphs (equal to the full read's above)
SELECT v FROM patched ORDER BY v;

-- leave an empty store for the tests after this one
TRUNCATE ctem.asset, ctem.asset_edge, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result RESTART IDENTITY;
SELECT count(*) AS paths FROM ctem.attack_paths();
