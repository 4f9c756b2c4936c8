--
-- Issue 24, defect 5: only a change of the active policy re-scores.
-- Inserting, changing or deleting a policy that is not active (a draft)
-- re-scores nothing and locks no exposure; activating one, changing the
-- active one or switching back re-scores every exposure once.
-- pg_stat_get_xact_tuples_updated counts the rows the transaction updated
-- (a re-score updates each exposure).
--
SET client_min_messages = warning;
TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control, ctem.validation_result,
	ctem.vuln_intel;
DELETE FROM ctem.policy WHERE NOT builtin;
UPDATE ctem.policy SET active = true WHERE builtin;
INSERT INTO ctem.exposure (asset_id, rule_id, component, severity, sources)
SELECT ctem.ensure_asset('host', 'policy-' || (i % 2) || '.example.com'),
	   'CVE-2024-' || (1000 + i), 'openssl', 'high', ARRAY['etl']
FROM generate_series(1, 3) i;
-- the count is the session's, until its statistics are reported: each
-- figure below is the difference from the figure at the step before
CREATE FUNCTION pg_temp.updated() RETURNS bigint LANGUAGE sql AS
	$$ SELECT pg_stat_get_xact_tuples_updated('ctem.exposure'::regclass) $$;

-- a draft: inserted, changed, deleted; nothing re-scored
BEGIN;
SELECT pg_temp.updated() AS base \gset
INSERT INTO ctem.policy (name, description, sev_high) VALUES ('draft', 'not yet', 9.0);
SELECT pg_temp.updated() - :base AS after_draft_insert;
SELECT pg_temp.updated() AS base \gset
UPDATE ctem.policy SET sev_high = 9.5 WHERE name = 'draft';
SELECT pg_temp.updated() - :base AS after_draft_update;
SELECT pg_temp.updated() AS base \gset
UPDATE ctem.policy SET description = 'still a draft' WHERE builtin OR name = 'draft';
SELECT pg_temp.updated() - :base AS after_description;
SELECT pg_temp.updated() AS base \gset
DELETE FROM ctem.policy WHERE name = 'draft';
SELECT pg_temp.updated() - :base AS after_draft_delete;
SELECT pg_temp.updated() AS base \gset
SELECT count(*) AS rows_locked FROM ctem.exposure WHERE xmin = pg_current_xact_id()::xid;
ROLLBACK;

-- inserted active: every exposure re-scored once (the builtin is switched
-- off in the same statement)
BEGIN;
SELECT pg_temp.updated() AS base \gset
INSERT INTO ctem.policy (name, active, sev_high) VALUES ('strict', true, 9.0);
SELECT pg_temp.updated() - :base AS after_active_insert;
SELECT pg_temp.updated() AS base \gset
SELECT DISTINCT risk_score, score_explain->>'policy_version' AS version FROM ctem.exposure;
ROLLBACK;

-- a draft activated by UPDATE, then its weights changed, then deactivated
INSERT INTO ctem.policy (name, sev_high) VALUES ('draft', 9.0);
BEGIN;
SELECT pg_temp.updated() AS base \gset
UPDATE ctem.policy SET active = (name = 'draft');
SELECT pg_temp.updated() - :base AS after_activation;
SELECT pg_temp.updated() AS base \gset
UPDATE ctem.policy SET sev_high = 9.5 WHERE name = 'draft';
SELECT pg_temp.updated() - :base AS after_active_change;
SELECT pg_temp.updated() AS base \gset
UPDATE ctem.policy SET sev_high = 7.0 WHERE builtin IS NOT TRUE AND name <> 'draft';
SELECT pg_temp.updated() - :base AS after_other_change;
SELECT pg_temp.updated() AS base \gset
SELECT DISTINCT risk_score FROM ctem.exposure;
UPDATE ctem.policy SET active = builtin;
SELECT pg_temp.updated() - :base AS after_switch_back;
SELECT pg_temp.updated() AS base \gset
COMMIT;
SELECT DISTINCT risk_score, score_explain->>'policy_version' AS version FROM ctem.exposure;
-- deleting the draft, now inactive, re-scores nothing
BEGIN;
SELECT pg_temp.updated() AS base \gset
DELETE FROM ctem.policy WHERE name = 'draft';
SELECT pg_temp.updated() - :base AS after_inactive_delete;
SELECT pg_temp.updated() AS base \gset
COMMIT;

TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event;
RESET client_min_messages;
