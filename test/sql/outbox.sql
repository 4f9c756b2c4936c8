--
-- outbox: the ticketing outbox (rows, payloads, claim / ack / fail with
-- backoff) and ctem.run_maintenance (acceptance expiry, SLA breaches, stale
-- assets, the daily risk snapshot); docs/mobilization.md.  Tenant 75.
-- NOTIFY payloads and two concurrent consumers: test/t/006_outbox.pl and
-- test/specs/outbox_claim.spec.
--
\pset null '(null)'

INSERT INTO ctem.team (tenant_id, name, contact, ticket_project) VALUES
	(75, 'web', 'web@acme.example', 'WEB'), (75, 'ops', 'ops@acme.example', 'OPS');
INSERT INTO ctem.routing_rule (tenant_id, priority, match, team) VALUES
	(75, 10, '{"exposure_kinds": ["secret"]}', 'ops');
INSERT INTO ctem.scope (tenant_id, name, filter) VALUES (75, 'external', '{"internet_facing": true}');
INSERT INTO ctem.asset (tenant_id, id, kind, natural_key, name, owner, criticality, internet_facing,
						crown_jewel, first_seen, last_seen) VALUES
	(75, 7501, 'host', 'shop.acme.example', 'Web shop', 'web', 5, true, true, '2020-03-01', '2020-03-01'),
	(75, 7502, 'host', 'db.acme.internal', NULL, 'ops', 2, false, false, '2020-03-01', '2020-03-20');

--
-- 1. New exposures: only active P1 and P2 ones write a row (event new)
--
INSERT INTO ctem.exposure (tenant_id, id, asset_id, kind, rule_id, title, severity, cvss,
						   exploit_maturity, status, first_seen, last_seen) VALUES
	(75, 7510, 7501, 'vulnerability', 'CVE-2026-1000', 'RCE in the shop', 'critical',
	 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'high', 'open', '2020-03-01', '2020-03-01'),
	(75, 7511, 7501, 'vulnerability', 'CVE-2026-1001', NULL, 'critical',
	 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'high', 'false_positive', '2020-03-01', '2020-03-01'),
	(75, 7512, 7502, 'vulnerability', 'CVE-2026-1002', 'Old OpenSSL', 'medium',
	 NULL, 'unknown', 'open', '2020-03-01', '2020-03-01'),
	(75, 7513, 7502, 'secret', 'aws-key', 'AWS key in a config file', 'high',
	 NULL, 'unknown', 'open', '2020-03-01', '2020-03-01');
SELECT id, rule_id, status, priority, team, sla_due FROM ctem.exposure WHERE tenant_id = 75 ORDER BY id;
CREATE TEMP VIEW ob AS
SELECT o.id - (SELECT min(id) FROM ctem.outbox WHERE tenant_id = 75) + 1 AS n, o.event_type, o.exposure_id,
       o.team, o.payload IS NOT NULL AS has_ticket
FROM ctem.outbox o WHERE o.tenant_id = 75;
SELECT * FROM ob ORDER BY n;
-- the payload, a ready ticket, is built when a consumer first claims the
-- row (ctem.outbox_fill, which ctem.outbox_claim calls), not on the write path
SELECT ctem.outbox_fill(array_agg(id)) AS built FROM ctem.outbox WHERE tenant_id = 75;
SELECT ctem.outbox_fill(array_agg(id)) AS built_again FROM ctem.outbox WHERE tenant_id = 75;
SELECT jsonb_pretty(payload) FROM ctem.outbox WHERE tenant_id = 75 AND exposure_id = 7510;
SELECT ctem.explain_line(ctem.explain(7510, 75)) = payload ->> 'why' AS why_from_explain
FROM ctem.outbox WHERE tenant_id = 75 AND exposure_id = 7510;
SELECT ctem.explain_line(NULL) IS NULL AS no_explain, ctem.explain_line('{"score": 1}') IS NULL AS no_factors;

--
-- 2. Updates: a priority raised to P1/P2 (event priority_raised), a reopen
-- (reopened); a lowered priority or a change of a closed exposure writes none
--
UPDATE ctem.asset SET criticality = 5, internet_facing = true WHERE tenant_id = 75 AND id = 7502;
UPDATE ctem.exposure SET cvss = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', exploit_maturity = 'high'
WHERE tenant_id = 75 AND id = 7512;
SELECT id, priority FROM ctem.exposure WHERE tenant_id = 75 AND id IN (7512, 7513) ORDER BY id;
UPDATE ctem.asset SET criticality = 1, internet_facing = false WHERE tenant_id = 75 AND id = 7502;
UPDATE ctem.exposure SET cvss = NULL, exploit_maturity = 'unknown' WHERE tenant_id = 75 AND id = 7512;
SELECT id, priority FROM ctem.exposure WHERE tenant_id = 75 AND id IN (7512, 7513) ORDER BY id;
SELECT ctem.set_status(ARRAY[7510]::bigint[], 'fixed', 'patched', tenant_id => 75);
SELECT ctem.set_status(ARRAY[7510]::bigint[], 'open', 'came back', tenant_id => 75);
SELECT * FROM ob ORDER BY n;

--
-- 3. ctem.run_maintenance: acceptance expiry, SLA breaches, stale assets,
-- the snapshot; idempotent
--
INSERT INTO ctem.risk_acceptance (tenant_id, exposure_id, reason, approved_by, expires_at)
VALUES (75, 7513, 'key rotated out of band', 'ciso@acme.example', now() + interval '10 days');
SELECT id, status FROM ctem.exposure WHERE tenant_id = 75 ORDER BY id;
-- before the expiry and the SLA: nothing but the snapshot
SELECT * FROM ctem.run_maintenance(at => '2020-03-02 12:00+00', tenant_id => 75);
-- later: the acceptance expires, SLAs have passed, db.acme.internal is stale
SELECT * FROM ctem.run_maintenance(at => now() + interval '11 days', tenant_id => 75);
SELECT * FROM ctem.run_maintenance(at => now() + interval '11 days', tenant_id => 75);
SELECT id, status, priority, sla_due, sla_breached_at FROM ctem.exposure WHERE tenant_id = 75 ORDER BY id;
SELECT id, natural_key, last_seen, stale_since FROM ctem.asset WHERE tenant_id = 75 ORDER BY id;
SELECT * FROM ob ORDER BY n;
SELECT e.event, regexp_replace(e.note, '[0-9]+', 'N') AS note FROM ctem.exposure_event e
WHERE e.tenant_id = 75 AND e.exposure_id = 7513 ORDER BY e.id;
-- closing clears the breach
SELECT ctem.set_status(ARRAY[7512]::bigint[], 'fixed', 'upgraded', tenant_id => 75);
SELECT id, status, sla_breached_at FROM ctem.exposure WHERE tenant_id = 75 AND id = 7512;
-- an asset seen again is fresh on the next run
UPDATE ctem.asset SET last_seen = now() WHERE tenant_id = 75 AND id = 7502;
SELECT * FROM ctem.run_maintenance(at => now() + interval '11 days', tenant_id => 75);
SELECT id, stale_since FROM ctem.asset WHERE tenant_id = 75 ORDER BY id;

-- the snapshots: per scope ('*' = all) and team ('*' = all, '' = none)
SELECT day, scope, team, open_p1, open_p2, open_p3, open_p4, open_unscored, open_total, risk_sum,
       sla_breached, risk_accepted, open_change, risk_change
FROM ctem.risk_trend WHERE tenant_id = 75 AND day = '2020-03-02' ORDER BY scope, team;
SELECT scope, team, open_total, risk_accepted, open_change, risk_change
FROM ctem.risk_trend WHERE tenant_id = 75 AND day > '2020-03-02' ORDER BY scope, team;
SELECT count(DISTINCT day) AS days FROM ctem.risk_snapshot WHERE tenant_id = 75;
SELECT ctem.run_maintenance(NULL);

--
-- 4. Consuming: claim, ack, fail with backoff, dead after max_attempts,
-- claim timeout
--
UPDATE ctem.outbox SET delivered_at = '2020-03-01' WHERE tenant_id = 75 AND exposure_id <> 7510;
SELECT count(*) AS pending FROM ctem.outbox WHERE tenant_id = 75 AND delivered_at IS NULL;
CREATE TEMP TABLE claimed AS
SELECT id, event_type, claimed_by, attempts FROM ctem.outbox_claim(2, 'jira', tenant_id => 75);
SELECT event_type, claimed_by, attempts FROM claimed ORDER BY id;
-- claimed: handed to no other consumer
SELECT count(*) AS second_claim FROM ctem.outbox_claim(10, 'servicenow', tenant_id => 75);
-- a failure releases it with a backoff: 1 minute, then 2, capped ...
SELECT ctem.outbox_fail((SELECT min(id) FROM claimed), 'HTTP 503') - statement_timestamp() AS retry_in;
SELECT count(*) AS during_backoff FROM ctem.outbox_claim(10, 'jira', tenant_id => 75);
UPDATE ctem.outbox SET next_attempt_at = next_attempt_at - interval '1 hour' WHERE id = (SELECT min(id) FROM claimed);
SELECT attempts, last_error FROM ctem.outbox_claim(10, 'jira', tenant_id => 75);
SELECT ctem.outbox_fail((SELECT min(id) FROM claimed), 'HTTP 503', backoff => '10 minutes',
						max_backoff => '15 minutes') - statement_timestamp() AS retry_in;
UPDATE ctem.outbox SET next_attempt_at = next_attempt_at - interval '1 hour' WHERE id = (SELECT min(id) FROM claimed);
SELECT attempts FROM ctem.outbox_claim(10, 'jira', tenant_id => 75);
-- ... and after max_attempts it is dead
SELECT ctem.outbox_fail((SELECT min(id) FROM claimed), 'HTTP 400', max_attempts => 3) AS retry_at;
SELECT attempts, last_error, dead_at IS NOT NULL AS dead, claimed_at FROM ctem.outbox WHERE id = (SELECT min(id) FROM claimed);
-- a claim that timed out is handed out again
UPDATE ctem.outbox SET claimed_at = claimed_at - interval '10 minutes' WHERE id = (SELECT max(id) FROM claimed);
SELECT count(*) AS within_timeout FROM ctem.outbox_claim(10, 'servicenow', claim_timeout => '1 hour', tenant_id => 75);
SELECT claimed_by, attempts, payload ->> 'title' AS title, payload ->> 'event' AS event
FROM ctem.outbox_claim(10, 'servicenow', tenant_id => 75);
SELECT ctem.outbox_ack((SELECT array_agg(id) FROM claimed)) AS acked;
SELECT ctem.outbox_ack((SELECT array_agg(id) FROM claimed)) AS acked_again;
SELECT count(*) AS pending FROM ctem.outbox
WHERE tenant_id = 75 AND delivered_at IS NULL AND dead_at IS NULL;

-- errors (outbox ids depend on the tests before this one: shown as N)
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE sql;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9]+', 'N', 'g');
END
$$;
SELECT ctem.outbox_claim(0, 'jira');
SELECT ctem.outbox_claim(1, ' ');
SELECT ctem.outbox_claim(1, 'jira', interval '0');
SELECT ctem.outbox_fail(-1, 'x');
SELECT pg_temp.try(format('SELECT ctem.outbox_fail(%s, %L)', (SELECT max(id) FROM claimed), 'x')) AS delivered,
       pg_temp.try(format('SELECT ctem.outbox_fail(%s, %L)', (SELECT min(id) FROM claimed), 'x')) AS dead;
SELECT ctem.outbox_fail((SELECT max(id) FROM claimed), 'x', max_attempts => 0);
\set VERBOSITY terse
INSERT INTO ctem.outbox (tenant_id, event_type, exposure_id, payload) VALUES (75, 'closed', 7510, '{}');
\set VERBOSITY default

-- who may run what
SELECT p.oid::regprocedure AS function, has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p
WHERE p.pronamespace = 'ctem'::regnamespace
  AND p.proname IN ('run_maintenance', 'outbox_write', 'outbox_fill', 'outbox_install', 'outbox_claim', 'outbox_ack',
					'outbox_fail', 'explain_line', 'exposure_outbox_row', 'exposure_outbox_flush',
					'exposure_sla_clear')
ORDER BY 1::text;
