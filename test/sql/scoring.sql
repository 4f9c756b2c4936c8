-- Prioritization: the contextual risk score, its explanation, floors,
-- SLA, controls, validation, SSVC, policies, and re-scoring triggers.

-- start from an empty store
TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result, ctem.vuln_intel RESTART IDENTITY;

-- the default policy is there and active
SELECT name, version, active, builtin FROM ctem.policy;

-- an estate with every kind of context
INSERT INTO ctem.asset (kind, natural_key, criticality, internet_facing, crown_jewel) VALUES
  ('web_app', 'https://shop.example.com', 5, true, false),    -- 1
  ('host', 'db.internal.example.com', 5, false, true),         -- 2: crown jewel
  ('host', 'build.internal.example.com', 2, false, false),     -- 3: internal
  ('host', 'unknown.example.com', NULL, NULL, false);          -- 4: nothing known

-- worked examples: inputs -> score, priority, SLA days
INSERT INTO ctem.exposure (asset_id, rule_id, severity, cvss, exploit_maturity, first_seen) VALUES
  (1, 'CVE-2099-0001', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'functional', '2026-01-01'),
  (1, 'CVE-2099-0002', 'medium', 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:U/C:L/I:L/A:N', 'unknown', '2026-01-01'),
  (2, 'CVE-2099-0003', 'high', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 'poc', '2026-01-01'),
  (3, 'CVE-2099-0004', 'high', NULL, 'unknown', '2026-01-01'),
  (3, 'lint-rule-7', 'low', NULL, 'unknown', '2026-01-01'),
  (4, 'CVE-2099-0005', 'unknown', NULL, 'unknown', '2026-01-01'),
  (4, 'CVE-2099-0006', 'critical', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'high', '2026-01-01');
SELECT e.id, e.rule_id, a.criticality AS crit, a.internet_facing AS inet, a.crown_jewel AS jewel,
       ctem.cvss_score(e.cvss) AS cvss, e.severity, e.exploit_maturity AS maturity,
       e.risk_score, e.priority, extract(day FROM e.sla_due - e.first_seen) AS sla_days
FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id ORDER BY e.id;

-- every factor explains itself; defaults are listed
SELECT jsonb_pretty(ctem.explain(1));
SELECT e.id, ctem.explain(e.id)->'defaults_used' AS defaults
FROM ctem.exposure e ORDER BY e.id;
-- the row keeps a short explanation: each factor as [value, source]
SELECT jsonb_pretty(score_explain) FROM ctem.exposure WHERE id = 1;
-- it agrees with ctem.explain, and risk_score(e, a) with the stored score
SELECT bool_and(x.ok) AS explain_matches, bool_and(x.score_ok) AS score_matches
FROM (SELECT e.risk_score = ctem.risk_score(e, a) AS score_ok,
             (e.score_explain->>'score') = (fx->>'score')
             AND (e.score_explain->>'priority') = (fx->>'priority')
             AND COALESCE(e.score_explain->'floors_applied', '[]') = (fx->'floors_applied')
             AND COALESCE(e.score_explain->'defaults_used', '[]') = (fx->'defaults_used')
             AND COALESCE(e.score_explain->'inputs_ignored', '[]') = (fx->'inputs_ignored')
             AND COALESCE(e.score_explain->>'priority_by_score', e.score_explain->>'priority') = (fx->>'priority_by_score')
             AND COALESCE(e.score_explain->>'mode', 'score') = (fx->>'mode')
             AND (e.score_explain->>'policy_version') = (fx->>'policy_version')
             AND (SELECT bool_and(e.score_explain->'factors'->f->>0 = fx->'factors'->f->>'value'
                                  AND e.score_explain->'factors'->f->>1 = fx->'factors'->f->>'source')
                  FROM unnest(ARRAY['S', 'L', 'A', 'X', 'C', 'V']) f) AS ok
      FROM ctem.exposure e
      JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id,
      LATERAL ctem.explain(e.id) fx) x;
SELECT ctem.explain(424242) IS NULL AS no_such_exposure;
-- the row's explanation is stored compressed with the column's method (lz4
-- as shipped) when that makes it smaller; readers see the same document
SELECT attcompression AS shipped_compression FROM pg_attribute
WHERE attrelid = 'ctem.exposure'::regclass AND attname = 'score_explain';
CREATE TEMP TABLE explain_before AS
SELECT id, score_explain::text AS doc, pg_column_compression(score_explain) AS method,
       pg_column_size(score_explain) AS stored, pg_column_size(score_explain::text::jsonb) AS plain
FROM ctem.exposure;
SELECT count(*) AS rows, bool_and(method = 'lz4') AS all_lz4, bool_and(stored < plain) AS all_smaller
FROM explain_before;
-- with the column set to the server default (pglz, which saves nothing on
-- so short a value) rows written after it carry the same document as is
BEGIN;
ALTER TABLE ctem.exposure ALTER COLUMN score_explain SET COMPRESSION default;
UPDATE ctem.exposure SET title = 'rescored' WHERE id = 1;
SELECT pg_column_compression(e.score_explain) AS method,
       pg_column_size(e.score_explain) = b.plain AS stored_plain,
       e.score_explain::text = b.doc AS same_document
FROM ctem.exposure e JOIN explain_before b USING (id) WHERE id = 1;
ROLLBACK;
DROP TABLE explain_before;
-- the same inputs as arguments give the same score and explanation
SELECT bool_and(ctem.risk_score_inputs(e.cvss, e.severity, e.kev, e.epss, e.exploit_maturity,
                    e.validation, a.criticality, a.internet_facing, a.crown_jewel,
                    e.controls_effectiveness) = e.risk_score) AS inputs_score_matches,
       bool_and(ctem.risk_explain_inputs(e.cvss, e.severity, e.kev, e.epss, e.exploit_maturity,
                    e.validation, a.criticality, a.internet_facing, a.crown_jewel,
                    e.controls_effectiveness) = ctem.risk_explain(e, a)) AS inputs_explain_matches
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id;
-- over the tables themselves, risk_score(e, a) and risk_explain(e, a) are
-- planned as the _inputs functions over the ten columns (no whole rows built)
CREATE FUNCTION pg_temp.top_output(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
	FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
		IF l LIKE '%Output:%' THEN RETURN trim(l); END IF;
	END LOOP;
	RETURN NULL;
END $$;
SELECT pg_temp.top_output('SELECT ctem.risk_score(e, a), ctem.risk_explain(e, a) FROM ctem.exposure e
                           JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id') AS planned;
-- rows that are values (a subquery's columns) keep the plain call
SELECT pg_temp.top_output('SELECT ctem.risk_score(x.e, x.a) FROM (SELECT e, a FROM ctem.exposure e
                           JOIN ctem.asset a ON a.id = e.asset_id OFFSET 0) x') AS planned;
-- and both give the same score and explanation on every row
SELECT count(*) AS rows, bool_and(x.s = ctem.risk_score(x.e, x.a)) AS scores_match,
       bool_and(x.x = ctem.risk_explain(x.e, x.a)) AS explains_match,
       bool_and(x.s = (x.e).risk_score) AS stored_match
FROM (SELECT e, a, ctem.risk_score(e, a) AS s, ctem.risk_explain(e, a) AS x FROM ctem.exposure e
      JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id OFFSET 0) x;
-- a row an outer join left NULL scores NULL (the functions are STRICT), both ways
SELECT a.id, e.id AS exposure, ctem.risk_score(e, a) AS score, ctem.risk_explain(e, a) IS NULL AS no_explain,
       ctem.risk_score(e2, a) AS score_no_asset_row
FROM ctem.asset a
LEFT JOIN ctem.exposure e ON e.asset_id = a.id AND e.rule_id = 'CVE-2099-0003'
LEFT JOIN ctem.exposure e2 ON false
WHERE a.id IN (1, 2) ORDER BY a.id;
SELECT x.id, ctem.risk_score(x.e, x.a) AS score
FROM (SELECT a.id, e, a FROM ctem.asset a
      LEFT JOIN ctem.exposure e ON e.asset_id = a.id AND e.rule_id = 'CVE-2099-0003'
      WHERE a.id IN (1, 2) OFFSET 0) x ORDER BY x.id;
-- a role without EXECUTE on the _inputs function keeps the plain call
CREATE ROLE regress_ctem_score_reader;
GRANT USAGE ON SCHEMA ctem TO regress_ctem_score_reader;
GRANT SELECT ON ctem.exposure, ctem.asset, ctem.policy TO regress_ctem_score_reader;
REVOKE EXECUTE ON FUNCTION ctem.risk_score_inputs(ctem.cvss, ctem.severity, boolean, double precision,
	ctem.exploit_maturity, ctem.validation_outcome, smallint, boolean, boolean, double precision, double precision) FROM PUBLIC;
SET ROLE regress_ctem_score_reader;
SELECT pg_temp.top_output('SELECT ctem.risk_score(e, a) FROM ctem.exposure e
                           JOIN ctem.asset a ON a.id = e.asset_id') AS planned;
SELECT count(*) AS scored, bool_and(ctem.risk_score(e, a) = e.risk_score) AS scores_match
FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id;
RESET ROLE;
GRANT EXECUTE ON FUNCTION ctem.risk_score_inputs(ctem.cvss, ctem.severity, boolean, double precision,
	ctem.exploit_maturity, ctem.validation_outcome, smallint, boolean, boolean, double precision, double precision) TO PUBLIC;
REVOKE ALL ON ctem.exposure, ctem.asset, ctem.policy FROM regress_ctem_score_reader;
REVOKE USAGE ON SCHEMA ctem FROM regress_ctem_score_reader;
DROP ROLE regress_ctem_score_reader;
-- what-if: named arguments, everything else unknown (the stated defaults)
SELECT ctem.risk_score_inputs() AS nothing_known,
       ctem.risk_score_inputs(cvss => 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H') AS critical_vector,
       ctem.risk_score_inputs(cvss => 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', kev => true,
                              criticality => 5::smallint, internet_facing => true) AS worst_case,
       ctem.risk_score_inputs(severity => 'low', epss => 0.001, criticality => 1::smallint,
                              internet_facing => false, controls_effectiveness => 0.5) AS mild;
SELECT ctem.risk_explain_inputs(severity => 'high', kev => true, internet_facing => true)
       -> 'floors_applied' AS kev_internet_floor;

-- KEV: loading a catalog that adds one CVE raises that CVE's open exposures, and only those
CREATE TEMP TABLE before AS SELECT id, risk_score, priority FROM ctem.exposure;
SELECT * FROM ctem.load_kev('{"catalogVersion": "2099.01.01", "count": 1, "vulnerabilities": [{"cveID": "CVE-2099-0002", "vendorProject": "Example", "product": "Shop", "vulnerabilityName": "Example RCE", "dateAdded": "2099-01-01", "shortDescription": "x", "requiredAction": "Patch.", "dueDate": "2099-01-22", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []}]}');
SELECT e.id, e.rule_id, b.risk_score AS before, e.risk_score AS after, b.priority AS was, e.priority AS now, e.kev
FROM ctem.exposure e JOIN before b USING (id)
WHERE (e.risk_score, e.priority) IS DISTINCT FROM (b.risk_score, b.priority) ORDER BY e.id;
-- floors: KEV on an internet-facing asset is P1 whatever the score
SELECT ctem.explain(2)->'floors_applied' AS floors, ctem.explain(2)->>'priority_by_score' AS by_score;
-- floors: KEV on an internal asset is at least P2 (the internal build host)
INSERT INTO ctem.exposure (asset_id, rule_id, severity, first_seen) VALUES (3, 'CVE-2099-0002', 'low', '2026-01-01');
SELECT id, rule_id, risk_score, score_explain->>'priority_by_score' AS by_score, priority,
       score_explain->'floors_applied' AS floors
FROM ctem.exposure WHERE asset_id = 3 AND rule_id = 'CVE-2099-0002';
DELETE FROM ctem.exposure WHERE asset_id = 3 AND rule_id = 'CVE-2099-0002';
-- the history records the priority change
SELECT exposure_id, event, old_priority, new_priority FROM ctem.exposure_event ORDER BY id;

-- EPSS moves only the exposures of the CVEs it changes
SELECT * FROM ctem.load_epss(E'cve,epss,percentile\nCVE-2099-0004,0.62,0.99\n');
SELECT id, rule_id, epss, risk_score, priority FROM ctem.exposure WHERE id IN (3, 4) ORDER BY id;

-- context changes re-score: the build host becomes internet-facing
UPDATE ctem.asset SET internet_facing = true WHERE id = 3;
SELECT id, risk_score, priority FROM ctem.exposure WHERE asset_id = 3 ORDER BY id;
UPDATE ctem.asset SET internet_facing = false WHERE id = 3;

-- compensating controls: combined 1 - (1-0.3)(1-0.3) = 0.51, capped at 0.4
INSERT INTO ctem.control (asset_id, kind, effectiveness, description)
VALUES (1, 'waf', 0.3, 'Managed WAF ruleset'), (1, 'ips', 0.3, 'Inline IPS');
SELECT id, controls_effectiveness, risk_score, ctem.explain(id)->'factors'->'C' AS c
FROM ctem.exposure WHERE asset_id = 1 ORDER BY id;
-- a control for one CVE only (rule ids compare in canonical form)
INSERT INTO ctem.control (asset_id, kind, rule_id, effectiveness) VALUES (2, 'virtual_patch', 'cve-2099-0003', 0.25);
SELECT id, rule_id, controls_effectiveness FROM ctem.exposure WHERE asset_id = 2;
DELETE FROM ctem.control;
SELECT id, controls_effectiveness, risk_score FROM ctem.exposure WHERE asset_id IN (1, 2) ORDER BY id;
\set VERBOSITY terse
INSERT INTO ctem.control (asset_id, kind, effectiveness) VALUES (1, 'waf', 0);
\set VERBOSITY default

-- validation: blocked lowers the score (V = 0.6); exploitable is at least P2
INSERT INTO ctem.validation_result (exposure_id, outcome, source, tool) VALUES (3, 'blocked', 'bas', 'example-bas');
SELECT id, validation, risk_score, priority FROM ctem.exposure WHERE id = 3;
INSERT INTO ctem.validation_result (exposure_id, outcome, source, validated_at) VALUES (5, 'exploitable', 'pentest', '2026-02-01');
SELECT id, validation, risk_score, priority, score_explain->'floors_applied' AS floors FROM ctem.exposure WHERE id = 5;
-- the latest result counts
INSERT INTO ctem.validation_result (exposure_id, outcome, source, validated_at) VALUES (5, 'not_exploitable', 'pentest', '2026-03-01');
SELECT id, validation, priority FROM ctem.exposure WHERE id = 5;

-- CISA SSVC: the full 36-row table
SELECT e AS exploitation, a AS automatable, t AS technical_impact,
       ctem.ssvc_decision(e, a, t, 'low') AS low,
       ctem.ssvc_decision(e, a, t, 'medium') AS medium,
       ctem.ssvc_decision(e, a, t, 'high') AS high
FROM unnest(ARRAY['none', 'poc', 'active']) WITH ORDINALITY AS x(e, i),
     unnest(ARRAY['no', 'yes']) WITH ORDINALITY AS y(a, j),
     unnest(ARRAY['partial', 'total']) WITH ORDINALITY AS z(t, k)
ORDER BY i, j, k;
SELECT ctem.ssvc_decision('active', 'YES', 'Total', 'HIGH');
SELECT ctem.ssvc_decision('weaponized', 'yes', 'total', 'high');

-- policies: the builtin one is read-only; a copy with SSVC on drives priorities
UPDATE ctem.policy SET p1_min = 70 WHERE name = 'default';
DELETE FROM ctem.policy WHERE name = 'default';
INSERT INTO ctem.policy (name, p1_min, p2_min) VALUES ('bad', 50, 60);
INSERT INTO ctem.policy (name, a_by_criticality) VALUES ('bad', '{0.6,0.7}');
INSERT INTO ctem.policy (name, x_internet) VALUES ('bad', 1.5);
INSERT INTO ctem.policy (name, sla_override) VALUES ('bad', '{{0,0,0,0,0},{0,0,0,0,0},{0,0,0,0,0},{0,0,0,0,0}}');
INSERT INTO ctem.policy (name, sla_days) VALUES ('bad', '{{3,14},{60,180}}');
INSERT INTO ctem.policy (name, builtin) VALUES ('bad', true);
INSERT INTO ctem.policy (name, description, use_ssvc) VALUES ('ssvc', 'SSVC decides', true);
UPDATE ctem.policy SET active = (name = 'ssvc');
SELECT name, version, active FROM ctem.policy ORDER BY name;
SELECT id, rule_id, risk_score, priority, score_explain->>'ssvc' AS ssvc
FROM ctem.exposure ORDER BY id;
-- a policy of one's own cannot become builtin (it would leave pg_dump)
UPDATE ctem.policy SET builtin = true WHERE name = 'ssvc';
-- changing the weights of a policy raises its version, reported in explanations
UPDATE ctem.policy SET sla_days = '{2,10,45,120}' WHERE name = 'ssvc';
SELECT version FROM ctem.policy WHERE name = 'ssvc';
SELECT DISTINCT (score_explain->>'policy_version')::int AS explained_version FROM ctem.exposure;
UPDATE ctem.policy SET active = (name = 'default');
SELECT id, priority FROM ctem.exposure ORDER BY id;
-- a policy inserted as active takes over from the builtin default (as a
-- restore inserts the users' active policy next to the new extension's
-- default), and the exposures are scored with it
INSERT INTO ctem.policy (name, description, p1_min, p2_min, p3_min, active)
VALUES ('strict', 'lower thresholds', 60, 40, 20, true);
SELECT name, active FROM ctem.policy ORDER BY name;
SELECT count(*) AS exposures, count(*) FILTER (WHERE score_explain->>'policy_version' IS NOT NULL) AS scored,
       bool_and(priority = CASE WHEN risk_score >= 60 THEN 'P1' WHEN risk_score >= 40 THEN 'P2'
                                WHEN risk_score >= 20 THEN 'P3' ELSE 'P4' END::ctem.priority
                OR score_explain ? 'floors_applied') AS strict_thresholds
FROM ctem.exposure WHERE status IN ('open', 'in_progress');
SELECT id, risk_score, priority FROM ctem.exposure ORDER BY id;
-- but it does not switch off another user's policy: two active ones fail at commit
INSERT INTO ctem.policy (name, active) VALUES ('second', true);
SELECT name, active FROM ctem.policy ORDER BY name;
UPDATE ctem.policy SET active = (name = 'default');
DELETE FROM ctem.policy WHERE name = 'strict';
SELECT id, priority FROM ctem.exposure ORDER BY id;

-- a statement touching more than 256 assets and CVEs switches to one bulk
-- read of each: the context found is the same as row by row
INSERT INTO ctem.asset (kind, natural_key, criticality, internet_facing)
SELECT 'host', 'bulk-' || g || '.example.com', 1 + g % 5, g % 2 = 0 FROM generate_series(1, 300) g;
INSERT INTO ctem.control (asset_id, kind, effectiveness)
SELECT id, 'edr', 0.2 FROM ctem.asset WHERE natural_key LIKE 'bulk-%' AND id % 3 = 0;
INSERT INTO ctem.vuln_intel (cve_id, kev, epss)
SELECT 'CVE-2098-' || (1000 + g), g % 50 = 0, g / 300.0 FROM generate_series(1, 300) g;
INSERT INTO ctem.exposure (asset_id, rule_id, severity)
SELECT a.id, 'CVE-2098-' || (1000 + row_number() OVER (ORDER BY a.id)), 'high'
FROM ctem.asset a WHERE a.natural_key LIKE 'bulk-%';
SELECT count(*) AS exposures,
       count(*) FILTER (WHERE e.epss IS NOT NULL) AS with_epss,
       count(*) FILTER (WHERE e.kev) AS kev,
       count(*) FILTER (WHERE e.controls_effectiveness > 0) AS with_controls,
       count(*) FILTER (WHERE a.id % 3 = 0) AS assets_with_controls,
       bool_and(e.risk_score = ctem.risk_score(e, a)) AS same_scores,
       bool_and(e.epss = i.epss) AS epss_matches
FROM ctem.exposure e
JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
JOIN ctem.vuln_intel i ON i.cve_id = e.rule_id
WHERE a.natural_key LIKE 'bulk-%';

-- the history is written once per statement (src/history.c): every change,
-- with distinct consecutive ids, and only changes that stay
CREATE TEMP TABLE ev_top AS SELECT max(id) AS top FROM ctem.exposure_event;
UPDATE ctem.exposure SET status = 'in_progress' WHERE rule_id LIKE 'CVE-2098-%';
SELECT count(*) AS events, count(DISTINCT id) AS ids, max(id) - min(id) + 1 AS id_span,
       min(event) AS event, min(actor) = current_user AS actor_ok
FROM ctem.exposure_event WHERE id > (SELECT top FROM ev_top);
BEGIN;
SAVEPOINT a;
UPDATE ctem.exposure SET status = 'open' WHERE rule_id = 'CVE-2098-1001';
ROLLBACK TO SAVEPOINT a;
SAVEPOINT b;
UPDATE ctem.exposure SET status = 'open' WHERE rule_id = 'CVE-2098-1002';
RELEASE SAVEPOINT b;
COMMIT;
-- an error caught in PL/pgSQL takes its events with it
DO $$
BEGIN
	BEGIN
		UPDATE ctem.exposure SET status = 'open' WHERE rule_id = 'CVE-2098-1003';
		RAISE EXCEPTION 'undone';
	EXCEPTION WHEN raise_exception THEN
		NULL;
	END;
	UPDATE ctem.exposure SET status = 'open' WHERE rule_id = 'CVE-2098-1004';
END
$$;
SELECT x.rule_id, x.status, v.event, v.old_status, v.new_status
FROM ctem.exposure x
LEFT JOIN ctem.exposure_event v ON v.tenant_id = x.tenant_id AND v.exposure_id = x.id
     AND v.id > (SELECT top FROM ev_top) AND v.new_status = 'open'
WHERE x.rule_id IN ('CVE-2098-1001', 'CVE-2098-1002', 'CVE-2098-1003', 'CVE-2098-1004')
ORDER BY x.rule_id;
-- the two triggers go together: with the statement trigger off the change
-- cannot commit (its history would be lost)
ALTER TABLE ctem.exposure DISABLE TRIGGER exposure_history_flush;
UPDATE ctem.exposure SET status = 'open' WHERE rule_id = 'CVE-2098-1005';
ALTER TABLE ctem.exposure ENABLE TRIGGER exposure_history_flush;
SELECT status FROM ctem.exposure WHERE rule_id = 'CVE-2098-1005';
