--
-- workflow: the allowed status transitions, ctem.set_status, and risk
-- acceptance with expiry (docs/mobilization.md).  Tenants 41 and 42.
--
\pset null '(null)'

SELECT ctem.ensure_asset('host', 'wf-a.example', NULL, 41) > 0 AS a,
       ctem.ensure_asset('host', 'wf-b.example', NULL, 41) > 0 AS b,
       ctem.ensure_asset('host', 'wf-a.example', NULL, 42) > 0 AS a42;
-- explicit ids, so that the messages that name them do not depend on other tests
INSERT INTO ctem.exposure (tenant_id, id, asset_id, kind, rule_id, severity)
SELECT 41, i, a.id, k, r, 'high'
FROM ctem.asset a,
     (VALUES (4100, 'vulnerability'::ctem.exposure_kind, 'WF-M'), (4101, 'vulnerability', 'WF-1'),
             (4102, 'vulnerability', 'WF-2'), (4103, 'vulnerability', 'WF-3'),
             (4104, 'vulnerability', 'CVE-2099-0001'), (4105, 'misconfiguration', 'WF-CFG-1'),
             (4106, 'misconfiguration', 'WF-CFG-2')) v(i, k, r)
WHERE a.tenant_id = 41 AND a.natural_key = 'wf-a.example';
INSERT INTO ctem.exposure (tenant_id, id, asset_id, rule_id, severity)
SELECT a.tenant_id, CASE a.tenant_id WHEN 41 THEN 4107 ELSE 4201 END, a.id, 'CVE-2099-0001', 'high'
FROM ctem.asset a
WHERE (a.tenant_id, a.natural_key) IN ((41, 'wf-b.example'), (42, 'wf-a.example'));

CREATE TEMP VIEW wf AS
SELECT e.tenant_id, a.natural_key AS asset, e.rule_id, e.status, e.resolved_at IS NOT NULL AS resolved
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE e.tenant_id IN (41, 42);
CREATE TEMP VIEW wf_events AS
SELECT e.rule_id, v.event, v.old_status, v.new_status, v.new_priority = e.priority AS current_priority,
       v.actor, v.app_actor, v.note, v.acceptance_id IS NOT NULL AS by_acceptance
FROM ctem.exposure_event v JOIN ctem.exposure e ON e.tenant_id = v.tenant_id AND e.id = v.exposure_id
WHERE v.tenant_id IN (41, 42) AND v.event <> 'priority_changed';
SELECT * FROM wf ORDER BY 1, 2, 3;

--
-- 1. Every transition, through a plain UPDATE.  The exposure is put into
-- each status with the triggers off (replica mode, as a restore), then
-- moved to each other status with them on.
--
CREATE TEMP TABLE wf_matrix (from_s ctem.exposure_status, to_s ctem.exposure_status, result text);
CREATE FUNCTION pg_temp.wf_matrix(note text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	f ctem.exposure_status;
	t ctem.exposure_status;
	eid bigint := (SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-M');
BEGIN
	PERFORM set_config('ctem.event_note', note, true);
	FOREACH f IN ARRAY enum_range(NULL::ctem.exposure_status) LOOP
		FOREACH t IN ARRAY enum_range(NULL::ctem.exposure_status) LOOP
			CONTINUE WHEN f = t;
			SET LOCAL session_replication_role = replica;
			UPDATE ctem.exposure SET status = f,
				resolved_at = CASE WHEN f IN ('fixed', 'risk_accepted', 'false_positive') THEN now() END
			WHERE tenant_id = 41 AND id = eid;
			SET LOCAL session_replication_role = origin;
			BEGIN
				UPDATE ctem.exposure SET status = t WHERE tenant_id = 41 AND id = eid;
				INSERT INTO wf_matrix VALUES (f, t, 'allowed');
			EXCEPTION WHEN OTHERS THEN
				INSERT INTO wf_matrix VALUES (f, t, 'refused ' || SQLSTATE);
			END;
		END LOOP;
	END LOOP;
	SET LOCAL session_replication_role = replica;
	UPDATE ctem.exposure SET status = 'open', resolved_at = NULL WHERE tenant_id = 41 AND id = eid;
	SET LOCAL session_replication_role = origin;
END
$$;
-- with a reason (ctem.event_note), then without one
SELECT pg_temp.wf_matrix('matrix');
SELECT from_s, to_s, result FROM wf_matrix ORDER BY 1, 2;
TRUNCATE wf_matrix;
SELECT pg_temp.wf_matrix('');
SELECT from_s, to_s, result FROM wf_matrix WHERE to_s = 'false_positive' ORDER BY 1, 2;

-- the errors name the transition and what is allowed
UPDATE ctem.exposure SET status = 'fixed' WHERE tenant_id = 41 AND rule_id = 'WF-3';
UPDATE ctem.exposure SET status = 'in_progress' WHERE tenant_id = 41 AND rule_id = 'WF-3';
UPDATE ctem.exposure SET status = 'risk_accepted' WHERE tenant_id = 41 AND rule_id = 'WF-2';
UPDATE ctem.exposure SET status = 'false_positive' WHERE tenant_id = 41 AND rule_id = 'WF-2';
INSERT INTO ctem.exposure (tenant_id, id, asset_id, rule_id, status)
SELECT 41, 4199, id, 'WF-NEW', 'risk_accepted' FROM ctem.asset WHERE tenant_id = 41 AND natural_key = 'wf-a.example';
-- a reason by ctem.event_note for a plain UPDATE
BEGIN;
SET LOCAL ctem.event_note = 'scanner misreads the banner';
UPDATE ctem.exposure SET status = 'false_positive' WHERE tenant_id = 41 AND rule_id = 'WF-2';
COMMIT;
-- reopen
UPDATE ctem.exposure SET status = 'open' WHERE tenant_id = 41 AND rule_id IN ('WF-2', 'WF-3');
SELECT rule_id, event, old_status, new_status, actor, app_actor, note FROM wf_events
WHERE rule_id IN ('WF-2', 'WF-3') ORDER BY rule_id, event, new_status;

--
-- 2. ctem.set_status: one statement, all or nothing
--
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id LIKE 'WF-_'),
                       'in_progress', 'sprint 12', 'alice@example.com', tenant_id => 41) AS changed;
-- again: nothing left to change
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id LIKE 'WF-_'),
                       'in_progress', 'sprint 12', tenant_id => 41) AS changed;
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-1'),
                       'fixed', 'patched', tenant_id => 41) AS changed;
-- WF-1 is fixed: fixed -> in_progress is refused, so WF-2 and WF-3 stay as they are
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id LIKE 'WF-_' ORDER BY rule_id DESC),
                       'open', 'back to the queue', tenant_id => 41) AS changed;
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id IN ('WF-1', 'WF-2')),
                       'in_progress', 'again', tenant_id => 41) AS changed;
SELECT rule_id, status FROM wf WHERE rule_id LIKE 'WF-_' ORDER BY 1;
-- an id of another tenant is unknown here
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id IN (41, 42) AND rule_id IN ('WF-2', 'CVE-2099-0001')),
                       'fixed', 'patched', tenant_id => 42) AS changed;
SELECT ctem.set_status(ARRAY[-1, -2], 'fixed', 'x', tenant_id => 41);
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-2'),
                       'risk_accepted', 'x', tenant_id => 41);
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-2'),
                       'false_positive', ' ', tenant_id => 41);
SELECT ctem.set_status(ARRAY[1], NULL, 'x');
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-2'),
                       'false_positive', 'test host, not deployed', 'bob', 41) AS changed;
SELECT rule_id, event, old_status, new_status, actor, app_actor, note FROM wf_events
WHERE rule_id IN ('WF-1', 'WF-2') AND note <> 'matrix' ORDER BY rule_id, event, new_status, note;

--
-- 3. Risk acceptance: refused without expiry, beyond the policy's maximum,
-- with a bad target or match
--
SELECT name, max_acceptance_days FROM ctem.policy WHERE active;
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason)
VALUES (41, '{"rule_id": "CVE-2099-0001"}', 'no expiry');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"rule_id": "CVE-2099-0001"}', 'too long', now() + interval '400 days');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"rule_id": "CVE-2099-0001"}', 'in the past', now() - interval '1 day');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"rule_id": "CVE-2099-0001"}', '  ', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, reason, expires_at)
VALUES (41, 'neither', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, exposure_id, match, reason, expires_at)
VALUES (41, 1, '{"kind": "secret"}', 'both', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{}', 'empty', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"rule": "CVE-2099-0001"}', 'unknown member', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"asset_id": "12"}', 'wrong type', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"rule_id": [1]}', 'wrong type', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"kind": "bug"}', 'no such kind', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"rule_pattern": ""}', 'empty pattern', now() + interval '30 days');
-- a scope filter over the asset: validated by the scope language, and
-- without reachable_from_entry
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"assets": {"environment": ["prod"]}}', 'scope filter typo', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (41, '{"assets": {"reachable_from_entry": false}}', 'reachability', now() + interval '30 days');
-- one exposure: it must exist in the tenant and be active
INSERT INTO ctem.risk_acceptance (tenant_id, exposure_id, reason, expires_at)
VALUES (41, -5, 'missing', now() + interval '30 days');
INSERT INTO ctem.risk_acceptance (tenant_id, exposure_id, reason, expires_at)
SELECT 42, id, 'other tenant', now() + interval '30 days' FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-3';
INSERT INTO ctem.risk_acceptance (tenant_id, exposure_id, reason, expires_at)
SELECT 41, id, 'closed', now() + interval '30 days' FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-2';
SELECT count(*) AS acceptances FROM ctem.risk_acceptance WHERE tenant_id IN (41, 42);

--
-- 4. Accepting: the only way to risk_accepted
--
-- one exposure, for 30 days
INSERT INTO ctem.risk_acceptance (tenant_id, exposure_id, reason, approved_by, expires_at)
SELECT 41, id, 'legacy host, isolated', 'ciso@example.com', now() + interval '30 days'
FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-3';
-- a match, for 30 days: a CVE on every asset of tenant 41 (lower case is read as the CVE)
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, approved_by, expires_at)
VALUES (41, '{"rule_id": "cve-2099-0001"}', 'no exploit path', 'ciso@example.com', now() + interval '30 days');
-- a match, for 60 days: misconfigurations WF-CFG-* on asset wf-a, and the same CVE there
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, approved_by, expires_at)
SELECT 41, jsonb_build_object('asset_id', id, 'rule_pattern', 'WF-CFG-%', 'kind', 'misconfiguration'),
       'compensated by WAF', 'ciso@example.com', now() + interval '60 days'
FROM ctem.asset WHERE tenant_id = 41 AND natural_key = 'wf-a.example';
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, approved_by, expires_at)
SELECT 41, jsonb_build_object('asset_id', jsonb_build_array(id), 'rule_id', 'CVE-2099-0001'),
       'reviewed again', 'ciso@example.com', now() + interval '60 days'
FROM ctem.asset WHERE tenant_id = 41 AND natural_key = 'wf-a.example';
SELECT reason, exposure_id IS NOT NULL AS one, jsonb_typeof(match -> 'asset_id') AS asset_id,
       match -> 'rule_id' AS rule_id, match -> 'rule_pattern' AS rule_pattern, match -> 'kind' AS kind,
       approved_by, created_by, ended_at
FROM ctem.risk_acceptance WHERE tenant_id = 41 ORDER BY id;
SELECT r.reason, e.rule_id
FROM ctem.risk_acceptance_exposure l
JOIN ctem.risk_acceptance r ON r.tenant_id = l.tenant_id AND r.id = l.acceptance_id
JOIN ctem.exposure e ON e.tenant_id = l.tenant_id AND e.id = l.exposure_id
WHERE l.tenant_id IN (41, 42) ORDER BY r.id, e.rule_id, e.asset_id;
SELECT * FROM wf ORDER BY 1, 2, 3;
SELECT rule_id, event, old_status, new_status, app_actor, note, by_acceptance FROM wf_events
WHERE event = 'accepted' ORDER BY rule_id, note;
-- tenant 42's exposure of the CVE was not touched; a bare UPDATE cannot leave risk_accepted
UPDATE ctem.exposure SET status = 'open' WHERE tenant_id = 41 AND rule_id = 'WF-3';
-- nor can an acceptance be changed
UPDATE ctem.risk_acceptance SET expires_at = expires_at + interval '1 year' WHERE tenant_id = 41;
DELETE FROM ctem.risk_acceptance WHERE tenant_id = 41;
-- a re-detection of an accepted exposure keeps it accepted
INSERT INTO ctem.exposure (tenant_id, id, asset_id, rule_id, severity)
SELECT 41, 4198, id, 'WF-3', 'critical' FROM ctem.asset WHERE tenant_id = 41 AND natural_key = 'wf-a.example';
SELECT rule_id, status, severity FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-3';
-- a new finding the match covers is not accepted by itself ...
INSERT INTO ctem.exposure (tenant_id, id, asset_id, kind, rule_id)
SELECT 41, 4108, id, 'misconfiguration', 'WF-CFG-3' FROM ctem.asset WHERE tenant_id = 41 AND natural_key = 'wf-a.example';
SELECT rule_id, status FROM wf WHERE rule_id = 'WF-CFG-3';
-- ... until the acceptance is applied again
SELECT ctem.apply_acceptance(id, 41) AS accepted FROM ctem.risk_acceptance
WHERE tenant_id = 41 AND reason = 'compensated by WAF';
SELECT rule_id, status FROM wf WHERE rule_id = 'WF-CFG-3';
SELECT ctem.apply_acceptance(-1, 41);

--
-- 5. Expiry: ctem.expire_acceptances(at => ...)
--
SELECT ctem.expire_acceptances(at => now() + interval '10 days') AS expired;
-- another tenant's run sees none of tenant 41's
SELECT ctem.expire_acceptances(at => now() + interval '31 days', tenant_id => 42) AS expired;
SELECT ctem.expire_acceptances(at => now() + interval '31 days', tenant_id => 41) AS expired;
-- the 30-day ones ended: WF-3 and the CVE on wf-b reopened; the CVE on wf-a
-- stays accepted (the 60-day acceptance covers it too)
SELECT * FROM wf ORDER BY 1, 2, 3;
SELECT reason, end_reason, ended_at IS NOT NULL AS ended, ended_by FROM ctem.risk_acceptance
WHERE tenant_id = 41 ORDER BY id;
SELECT rule_id, event, old_status, new_status, current_priority, actor, app_actor,
       note ~ '^risk acceptance [0-9]+ expired$' AS note_says_why, by_acceptance
FROM wf_events WHERE event = 'acceptance_expired' ORDER BY rule_id;
-- idempotent
SELECT ctem.expire_acceptances(at => now() + interval '31 days') AS expired;
SELECT ctem.apply_acceptance(id, 41) FROM ctem.risk_acceptance
WHERE tenant_id = 41 AND reason = 'no exploit path';
-- an accepted exposure may still be fixed; it then stays fixed at expiry
SELECT ctem.set_status(ARRAY(SELECT id FROM ctem.exposure WHERE tenant_id = 41 AND rule_id = 'WF-CFG-1'),
                       'fixed', 'config corrected', tenant_id => 41) AS changed;
SELECT ctem.expire_acceptances(at => now() + interval '61 days') AS expired;
SELECT * FROM wf ORDER BY 1, 2, 3;

--
-- 6. Revocation, and tenant isolation
--
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (42, '{"rule_id": "CVE-2099-0001"}', 'tenant 42 accepts', now() + interval '90 days');
SELECT * FROM wf WHERE rule_id = 'CVE-2099-0001' ORDER BY 1, 2, 3;
SELECT ctem.revoke_acceptance(id, '', tenant_id => 42) FROM ctem.risk_acceptance WHERE tenant_id = 42;
SELECT ctem.revoke_acceptance(id, 'exploit published', 'ciso@example.com', 41) FROM ctem.risk_acceptance WHERE tenant_id = 42;
SELECT ctem.revoke_acceptance(id, 'exploit published', 'ciso@example.com', 42) AS reopened FROM ctem.risk_acceptance WHERE tenant_id = 42;
SELECT ctem.revoke_acceptance(id, 'again', tenant_id => 42) FROM ctem.risk_acceptance WHERE tenant_id = 42;
SELECT end_reason, ended_by FROM ctem.risk_acceptance WHERE tenant_id = 42;
SELECT e.tenant_id, e.rule_id, v.event, v.app_actor, v.note
FROM ctem.exposure_event v JOIN ctem.exposure e ON e.tenant_id = v.tenant_id AND e.id = v.exposure_id
WHERE v.tenant_id = 42 AND v.event <> 'priority_changed' ORDER BY v.id;
SELECT * FROM wf WHERE tenant_id = 42 ORDER BY 1, 2, 3;

-- a match over assets by the scope language (tenant 43): the staging
-- hosts' findings of one rule; the prod host's finding stays open
INSERT INTO ctem.asset (tenant_id, kind, natural_key, environment, tags) VALUES
	(43, 'host', 'stg1.example', 'staging', '{lab}'),
	(43, 'host', 'stg2.example', 'staging', '{}'),
	(43, 'host', 'prod1.example', 'prod', '{lab}');
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, severity)
SELECT 43, a.id, r, 'high' FROM ctem.asset a, (VALUES ('CVE-2099-0043'), ('CVE-2099-0044')) v(r)
WHERE a.tenant_id = 43;
INSERT INTO ctem.risk_acceptance (tenant_id, match, reason, expires_at)
VALUES (43, '{"rule_id": "CVE-2099-0043", "assets": {"environments": ["staging"], "not": {"tags_any": ["lab"]}}}',
		'staging only, not the lab host', now() + interval '30 days');
SELECT a.natural_key, e.rule_id, e.status
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE e.tenant_id = 43 ORDER BY 1, 2;

-- the policy bounds its maximum
\set VERBOSITY terse
INSERT INTO ctem.policy (name, max_acceptance_days) VALUES ('wf-bad', 0);
\set VERBOSITY default
