/*
 * ctem--0.3.0--0.4.0.sql
 *		Prioritization: a contextual, explained risk score computed in C,
 *		weights in ctem.policy, compensating controls, validation results,
 *		SSVC; triggers keep every exposure's score current.
 *
 * sql/ctem--0.3.0--0.4.0.sql
 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION ctem UPDATE TO '0.4.0'" to load this file. \quit

CREATE TYPE ctem.exploit_maturity AS ENUM ('unknown', 'unproven', 'poc', 'functional', 'high');
COMMENT ON TYPE ctem.exploit_maturity IS
	'Exploit code maturity: unknown, unproven, poc (proof of concept), functional, high (weaponised or attacked in the wild)';

CREATE TYPE ctem.validation_outcome AS ENUM ('exploitable', 'blocked', 'not_exploitable');
COMMENT ON TYPE ctem.validation_outcome IS
	'Outcome of a validation (breach-and-attack simulation, pentest, manual test): the attack worked, was blocked by a control, or the weakness could not be exploited';

/* ------------------------------------------------------------------------
 * Policy: the model's weights (a catalogue table, no tenant)
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.policy (
	name			text NOT NULL,
	version			integer NOT NULL DEFAULT 1,
	active			boolean NOT NULL DEFAULT false,
	builtin			boolean NOT NULL DEFAULT false,
	description		text,
	sev_critical	double precision NOT NULL DEFAULT 9.5,
	sev_high		double precision NOT NULL DEFAULT 8.0,
	sev_medium		double precision NOT NULL DEFAULT 5.5,
	sev_low			double precision NOT NULL DEFAULT 2.5,
	sev_info		double precision NOT NULL DEFAULT 0.0,
	sev_missing		double precision NOT NULL DEFAULT 5.0,
	l_kev			double precision NOT NULL DEFAULT 1.0,
	l_validated		double precision NOT NULL DEFAULT 1.0,
	l_mat_high		double precision NOT NULL DEFAULT 0.95,
	l_mat_functional double precision NOT NULL DEFAULT 0.9,
	l_mat_poc		double precision NOT NULL DEFAULT 0.8,
	l_mat_unproven	double precision NOT NULL DEFAULT 0.6,
	epss_thresholds double precision[] NOT NULL DEFAULT '{0.5,0.1,0.01,0}',
	epss_values		double precision[] NOT NULL DEFAULT '{0.95,0.85,0.7,0.55}',
	l_epss_unknown	double precision NOT NULL DEFAULT 0.7,
	l_min			double precision NOT NULL DEFAULT 0.5,
	l_max			double precision NOT NULL DEFAULT 1.0,
	a_by_criticality double precision[] NOT NULL DEFAULT '{0.6,0.7,0.8,0.9,1.0}',
	a_unknown		double precision NOT NULL DEFAULT 0.8,
	x_internet		double precision NOT NULL DEFAULT 1.0,
	x_attack_path	double precision NOT NULL DEFAULT 0.8,
	x_internal		double precision NOT NULL DEFAULT 0.5,
	x_unknown		double precision NOT NULL DEFAULT 0.7,
	c_max			double precision NOT NULL DEFAULT 0.4,
	v_blocked		double precision NOT NULL DEFAULT 0.6,
	p1_min			double precision NOT NULL DEFAULT 80,
	p2_min			double precision NOT NULL DEFAULT 60,
	p3_min			double precision NOT NULL DEFAULT 35,
	sla_days		integer[] NOT NULL DEFAULT '{3,14,60,180}',
	sla_override	integer[] NOT NULL DEFAULT '{{0,0,0,0},{0,0,0,0},{0,0,0,0},{0,0,0,0},{0,0,0,0}}',
	use_ssvc		boolean NOT NULL DEFAULT false,
	updated_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT policy_pkey PRIMARY KEY (name),
	CONSTRAINT policy_one_active EXCLUDE USING btree ((true) WITH OPERATOR(pg_catalog.=))
		WHERE (active) DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON CONSTRAINT policy_one_active ON ctem.policy IS
	'At most one policy is active (checked at commit, so one UPDATE can switch policies)';
COMMENT ON TABLE ctem.policy IS
	'Scoring policies: the weights of the risk model (docs/scoring.md). The active one scores every exposure; the builtin "default" row is read-only, copy it to change weights. A catalogue shared by all tenants.';
COMMENT ON COLUMN ctem.policy.name IS 'Policy name';
COMMENT ON COLUMN ctem.policy.version IS 'Version, reported in every explanation; raised by the trigger on each change';
COMMENT ON COLUMN ctem.policy.active IS 'The policy in force (at most one)';
COMMENT ON COLUMN ctem.policy.builtin IS 'Shipped with the extension and read-only';
COMMENT ON COLUMN ctem.policy.description IS 'What the policy is for';
COMMENT ON COLUMN ctem.policy.sev_critical IS 'S when there is no CVSS score and the scanner says critical';
COMMENT ON COLUMN ctem.policy.sev_high IS 'S for scanner severity high';
COMMENT ON COLUMN ctem.policy.sev_medium IS 'S for scanner severity medium';
COMMENT ON COLUMN ctem.policy.sev_low IS 'S for scanner severity low';
COMMENT ON COLUMN ctem.policy.sev_info IS 'S for scanner severity info';
COMMENT ON COLUMN ctem.policy.sev_missing IS 'S when neither a CVSS score nor a scanner severity is known (flagged as a default)';
COMMENT ON COLUMN ctem.policy.l_kev IS 'L when the CVE is in CISA KEV';
COMMENT ON COLUMN ctem.policy.l_validated IS 'L when validation showed the exposure exploitable';
COMMENT ON COLUMN ctem.policy.l_mat_high IS 'L for exploit maturity high';
COMMENT ON COLUMN ctem.policy.l_mat_functional IS 'L for exploit maturity functional';
COMMENT ON COLUMN ctem.policy.l_mat_poc IS 'L for exploit maturity poc';
COMMENT ON COLUMN ctem.policy.l_mat_unproven IS 'L for exploit maturity unproven';
COMMENT ON COLUMN ctem.policy.epss_thresholds IS 'EPSS band lower bounds, strictly descending';
COMMENT ON COLUMN ctem.policy.epss_values IS 'L of each EPSS band';
COMMENT ON COLUMN ctem.policy.l_epss_unknown IS 'L when no EPSS score is known (flagged as a default)';
COMMENT ON COLUMN ctem.policy.l_min IS 'Lowest L';
COMMENT ON COLUMN ctem.policy.l_max IS 'Highest L';
COMMENT ON COLUMN ctem.policy.a_by_criticality IS 'A for asset criticality 1..5';
COMMENT ON COLUMN ctem.policy.a_unknown IS 'A when the criticality is unknown (flagged as a default)';
COMMENT ON COLUMN ctem.policy.x_internet IS 'X for an internet-facing asset';
COMMENT ON COLUMN ctem.policy.x_attack_path IS 'X for an asset on an attack path to a crown jewel (or a crown jewel)';
COMMENT ON COLUMN ctem.policy.x_internal IS 'X for an internal asset';
COMMENT ON COLUMN ctem.policy.x_unknown IS 'X when internet exposure is unknown (flagged as a default)';
COMMENT ON COLUMN ctem.policy.c_max IS 'Cap of the combined effectiveness of compensating controls';
COMMENT ON COLUMN ctem.policy.v_blocked IS 'V when validation showed the attack blocked';
COMMENT ON COLUMN ctem.policy.p1_min IS 'Lowest score of P1';
COMMENT ON COLUMN ctem.policy.p2_min IS 'Lowest score of P2';
COMMENT ON COLUMN ctem.policy.p3_min IS 'Lowest score of P3';
COMMENT ON COLUMN ctem.policy.sla_days IS 'Days to remediate P1..P4';
COMMENT ON COLUMN ctem.policy.sla_override IS 'Days to remediate per asset criticality (rows 1..5) and priority (columns P1..P4); 0 = use sla_days';
COMMENT ON COLUMN ctem.policy.use_ssvc IS 'Derive the priority from the CISA SSVC decision (Act P1, Attend P2, Track* P3, Track P4) instead of the score thresholds';
COMMENT ON COLUMN ctem.policy.updated_at IS 'When the policy last changed';

INSERT INTO ctem.policy (name, active, builtin, description)
VALUES ('default', true, true, 'The documented default model of docs/scoring.md');
-- the builtin row comes with the extension; dump only the users' policies
SELECT pg_catalog.pg_extension_config_dump('ctem.policy', 'WHERE NOT builtin');

CREATE FUNCTION ctem.policy_before_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_policy_before_row'
LANGUAGE C;
COMMENT ON FUNCTION ctem.policy_before_row() IS
	'BEFORE INSERT OR UPDATE OR DELETE row trigger of ctem.policy: validates the weights (the error names the column), protects the builtin row, raises version';
CREATE TRIGGER policy_before_row
	BEFORE INSERT OR UPDATE OR DELETE ON ctem.policy
	FOR EACH ROW EXECUTE FUNCTION ctem.policy_before_row();
COMMENT ON TRIGGER policy_before_row ON ctem.policy IS 'Validates policies (ctem.policy_before_row)';

/* ------------------------------------------------------------------------
 * Compensating controls and validation results (tenant tables)
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.control (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	asset_id		bigint NOT NULL,
	kind			text NOT NULL,
	rule_id			text,
	effectiveness	double precision NOT NULL,
	description		text,
	expires_at		timestamptz,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT control_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT control_asset_fk FOREIGN KEY (tenant_id, asset_id)
		REFERENCES ctem.asset (tenant_id, id) ON DELETE CASCADE,
	CONSTRAINT control_effectiveness_range CHECK (effectiveness > 0 AND effectiveness <= 1),
	CONSTRAINT control_kind_not_empty CHECK (pg_catalog.btrim(kind) OPERATOR(pg_catalog.<>) '')
);
CREATE INDEX control_asset_idx ON ctem.control (tenant_id, asset_id);
COMMENT ON TABLE ctem.control IS
	'Compensating controls on an asset (WAF, IPS, EDR, segmentation, virtual patch...): each lowers the risk of the asset''s exposures (or only of rule_id) by its effectiveness; combined as 1 - product(1 - e), capped by the policy';
COMMENT ON COLUMN ctem.control.tenant_id IS 'Tenant';
COMMENT ON COLUMN ctem.control.id IS 'Control id';
COMMENT ON COLUMN ctem.control.asset_id IS 'Asset the control protects';
COMMENT ON COLUMN ctem.control.kind IS 'Kind of control: waf, ips, edr, segmentation, virtual_patch, mfa, ...';
COMMENT ON COLUMN ctem.control.rule_id IS 'Only exposures with this rule id (e.g. a WAF rule for one CVE); NULL = every exposure of the asset';
COMMENT ON COLUMN ctem.control.effectiveness IS 'Share of the risk the control removes, in (0, 1]';
COMMENT ON COLUMN ctem.control.description IS 'What the control is';
COMMENT ON COLUMN ctem.control.expires_at IS 'When the control stops counting (NULL = never); ctem.rescore() applies expiries';
COMMENT ON COLUMN ctem.control.created_at IS 'When recorded';
SELECT pg_catalog.pg_extension_config_dump('ctem.control', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.control_id_seq', '');

CREATE TABLE ctem.validation_result (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	exposure_id		bigint NOT NULL,
	outcome			ctem.validation_outcome NOT NULL,
	source			text NOT NULL DEFAULT 'manual',
	tool			text,
	validated_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	evidence		jsonb NOT NULL DEFAULT '{}',
	CONSTRAINT validation_result_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT validation_result_exposure_fk FOREIGN KEY (tenant_id, exposure_id)
		REFERENCES ctem.exposure (tenant_id, id) ON DELETE CASCADE,
	CONSTRAINT validation_result_source CHECK (source IN ('bas', 'pentest', 'red_team', 'manual'))
);
CREATE INDEX validation_result_exposure_idx ON ctem.validation_result (tenant_id, exposure_id, validated_at);
COMMENT ON TABLE ctem.validation_result IS
	'Validation of exposures by breach-and-attack simulation, pentest, red team or manual test; the latest result of an exposure feeds its score (exploitable: L = 1 and a P2 floor; blocked: V = 0.6)';
COMMENT ON COLUMN ctem.validation_result.tenant_id IS 'Tenant';
COMMENT ON COLUMN ctem.validation_result.id IS 'Result id';
COMMENT ON COLUMN ctem.validation_result.exposure_id IS 'The exposure validated';
COMMENT ON COLUMN ctem.validation_result.outcome IS 'exploitable, blocked or not_exploitable';
COMMENT ON COLUMN ctem.validation_result.source IS 'bas, pentest, red_team or manual';
COMMENT ON COLUMN ctem.validation_result.tool IS 'Tool or team that validated';
COMMENT ON COLUMN ctem.validation_result.validated_at IS 'When; the latest result counts';
COMMENT ON COLUMN ctem.validation_result.evidence IS 'Evidence as a JSON object';
SELECT pg_catalog.pg_extension_config_dump('ctem.validation_result', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.validation_result_id_seq', '');

/* ------------------------------------------------------------------------
 * Scoring inputs kept on the exposure, so that ctem.risk_score(e, a) needs
 * nothing else; the BEFORE row trigger fills them and the score
 * ------------------------------------------------------------------------ */

ALTER TABLE ctem.exposure
	ADD COLUMN exploit_maturity ctem.exploit_maturity NOT NULL DEFAULT 'unknown',
	ADD COLUMN kev boolean,
	ADD COLUMN epss double precision,
	ADD COLUMN validation ctem.validation_outcome,
	ADD COLUMN controls_effectiveness double precision NOT NULL DEFAULT 0;
COMMENT ON COLUMN ctem.exposure.exploit_maturity IS 'Exploit code maturity as reported or set by an analyst (an input of the score)';
COMMENT ON COLUMN ctem.exposure.kev IS 'The rule id is in CISA KEV (from ctem.vuln_intel; NULL when unknown: no KEV catalog loaded or not a CVE)';
COMMENT ON COLUMN ctem.exposure.epss IS 'EPSS of the rule id (from ctem.vuln_intel; NULL when unknown)';
COMMENT ON COLUMN ctem.exposure.validation IS 'Outcome of the latest ctem.validation_result of this exposure';
COMMENT ON COLUMN ctem.exposure.controls_effectiveness IS 'Combined effectiveness of the compensating controls that apply (before the policy cap)';
COMMENT ON COLUMN ctem.exposure.risk_score IS 'Contextual risk score 0-100 (docs/scoring.md), kept current by triggers';
COMMENT ON COLUMN ctem.exposure.priority IS 'Remediation priority P1-P4 from the score, floors (KEV, validated) or SSVC';
COMMENT ON COLUMN ctem.exposure.sla_due IS 'first_seen + the SLA days of the priority (per asset criticality when the policy overrides them)';
COMMENT ON COLUMN ctem.exposure.score_explain IS 'Every factor of risk_score with its value and source, floors applied, defaults used, policy version (same as ctem.explain)';
-- The trigger stores score_explain compressed with the column's method when
-- that makes it smaller (src/score.c, explain_datum): lz4 takes the usual
-- 470-byte document to about 400, where pglz, the server default, saves
-- nothing on so short a value.  A server built without lz4 keeps the default.
DO $$
BEGIN
	ALTER TABLE ctem.exposure ALTER COLUMN score_explain SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'this server has no lz4: ctem.exposure.score_explain keeps the default compression';
END
$$;
-- the exposures of a CVE across tenants, when threat intel changes; it also
-- serves the per-tenant lookups the (tenant_id, rule_id) index did, which
-- every insert no longer has to maintain
DROP INDEX ctem.exposure_rule_idx;
CREATE INDEX exposure_rule_idx ON ctem.exposure (rule_id);
COMMENT ON INDEX ctem.exposure_rule_idx IS 'Finds the exposures of a rule id (CVE) in all tenants, e.g. when threat intel changes';
-- The work queue index keys on priority alone.  With risk_score as a third
-- key every insert compared numerics down the tree (numeric_cmp copies each
-- short-header index datum before comparing): a third of what COPY into
-- ctem.exposure executes beyond the same COPY without triggers
-- (test/bench/copy_profile.sh).  The index never gave ctem.work_queue its
-- score order anyway (risk_score DESC NULLS LAST there, NULLS FIRST here):
-- the view sorts each priority at query time, as before.  On priority alone
-- the index deduplicates (about a quarter of the size), and a re-score that
-- changes risk_score but not priority can be a HOT update.
DROP INDEX ctem.exposure_queue_idx;
CREATE INDEX exposure_queue_idx ON ctem.exposure (tenant_id, priority)
	WHERE status IN ('open', 'in_progress');

DROP TRIGGER exposure_before_row ON ctem.exposure;
CREATE TRIGGER exposure_before_row
	BEFORE INSERT OR UPDATE ON ctem.exposure
	FOR EACH ROW EXECUTE FUNCTION ctem.exposure_before_row('merge', 'score', 'asset');
COMMENT ON TRIGGER exposure_before_row ON ctem.exposure IS
	'Canonicalises rule_id, computes fingerprint, merges a re-detected problem into its existing row, checks and locks the asset it references, and scores the row (ctem.exposure_before_row)';

-- The exposure -> asset reference is enforced by ctem's triggers from here
-- on, with the semantics of the foreign key it replaces (ON DELETE CASCADE,
-- NO ACTION on key changes, FOR KEY SHARE locking, RI's snapshot rules):
-- the foreign key checked every inserted row with one query, the trigger
-- checks and locks each asset once per statement.  See src/asset_ref.c.
ALTER TABLE ctem.exposure DROP CONSTRAINT exposure_asset_fk;
COMMENT ON COLUMN ctem.exposure.asset_id IS
	'The asset the exposure is on: ctem.asset.id of the same tenant (checked by the trigger exposure_before_row; deleting the asset deletes its exposures)';

CREATE FUNCTION ctem.asset_reference() RETURNS trigger
	LANGUAGE c AS 'MODULE_PATHNAME', 'ctem_asset_reference';
COMMENT ON FUNCTION ctem.asset_reference() IS
	'Trigger of ctem.asset for the exposure -> asset reference: deleting an asset deletes its exposures, changing the tenant_id or id of a referenced asset is an error, TRUNCATE of ctem.asset alone is refused while exposures exist';
CREATE TRIGGER asset_exposures_delete
	AFTER DELETE ON ctem.asset
	FOR EACH ROW EXECUTE FUNCTION ctem.asset_reference();
COMMENT ON TRIGGER asset_exposures_delete ON ctem.asset IS
	'Deletes the exposures of a deleted asset (ON DELETE CASCADE of the exposure -> asset reference)';
CREATE TRIGGER asset_exposures_key
	AFTER UPDATE OF tenant_id, id ON ctem.asset
	FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
	EXECUTE FUNCTION ctem.asset_reference();
COMMENT ON TRIGGER asset_exposures_key ON ctem.asset IS
	'Refuses to change the tenant_id or id of an asset that exposures reference';
CREATE TRIGGER asset_exposures_truncate
	AFTER TRUNCATE ON ctem.asset
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_reference();
COMMENT ON TRIGGER asset_exposures_truncate ON ctem.asset IS
	'Refuses TRUNCATE of ctem.asset while ctem.exposure has rows (truncate both together)';
COMMENT ON FUNCTION ctem.exposure_before_row() IS
	'BEFORE INSERT OR UPDATE row trigger of ctem.exposure: canonicalises rule_id, computes fingerprint, keeps resolved_at consistent with status; merges a re-detection into the existing exposure; checks that the referenced asset exists and locks it FOR KEY SHARE (once per statement and asset); fills kev, epss and controls_effectiveness from ctem.vuln_intel and ctem.control and computes risk_score, priority, sla_due and score_explain with the active policy';

-- "has any KEV catalog been loaded?", asked once per scoring statement
CREATE INDEX vuln_intel_kev_idx ON ctem.vuln_intel (cve_id) WHERE kev;
COMMENT ON INDEX ctem.vuln_intel_kev_idx IS 'The CVEs listed in CISA KEV';

/* ------------------------------------------------------------------------
 * Functions
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.risk_support(internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'ctem_risk_support'
LANGUAGE C STRICT;
COMMENT ON FUNCTION ctem.risk_support(internal) IS
	'Planner support of ctem.risk_score(e, a) and ctem.risk_explain(e, a): called with the whole rows of ctem.exposure and ctem.asset, they are planned as ctem.risk_score_inputs / ctem.risk_explain_inputs over the ten columns they read (same result, no composite values built); not callable from SQL';

CREATE FUNCTION ctem.risk_score(e ctem.exposure, a ctem.asset)
RETURNS numeric
AS 'MODULE_PATHNAME', 'ctem_risk_score'
LANGUAGE C STABLE STRICT PARALLEL SAFE
SUPPORT ctem.risk_support;
COMMENT ON FUNCTION ctem.risk_score(ctem.exposure, ctem.asset) IS
	'Risk score 0-100 of exposure e on asset a with the active policy, from the inputs on the rows (cvss, severity, kev, epss, exploit_maturity, validation, controls_effectiveness; criticality, internet_facing, crown_jewel); the C scoring core, no other lookup';

CREATE FUNCTION ctem.risk_explain(e ctem.exposure, a ctem.asset)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'ctem_risk_explain'
LANGUAGE C STABLE STRICT PARALLEL SAFE
SUPPORT ctem.risk_support;
COMMENT ON FUNCTION ctem.risk_explain(ctem.exposure, ctem.asset) IS
	'The explanation of ctem.risk_score(e, a): each factor with value and source, floors applied, defaults used, policy version';

CREATE FUNCTION ctem.risk_score_inputs(cvss ctem.cvss DEFAULT NULL,
	severity ctem.severity DEFAULT NULL, kev boolean DEFAULT NULL,
	epss double precision DEFAULT NULL, exploit_maturity ctem.exploit_maturity DEFAULT NULL,
	validation ctem.validation_outcome DEFAULT NULL, criticality smallint DEFAULT NULL,
	internet_facing boolean DEFAULT NULL, crown_jewel boolean DEFAULT NULL,
	controls_effectiveness double precision DEFAULT NULL)
RETURNS numeric
AS 'MODULE_PATHNAME', 'ctem_risk_score_inputs'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.risk_score_inputs(ctem.cvss, ctem.severity, boolean, double precision, ctem.exploit_maturity, ctem.validation_outcome, smallint, boolean, boolean, double precision) IS
	'Risk score 0-100 with the active policy from inputs given as arguments, NULL meaning unknown (the model''s stated defaults apply): a what-if calculator, and the scorer for data that is not in ctem.exposure; ctem.risk_score(e, a) on the same values gives the same score';

CREATE FUNCTION ctem.risk_explain_inputs(cvss ctem.cvss DEFAULT NULL,
	severity ctem.severity DEFAULT NULL, kev boolean DEFAULT NULL,
	epss double precision DEFAULT NULL, exploit_maturity ctem.exploit_maturity DEFAULT NULL,
	validation ctem.validation_outcome DEFAULT NULL, criticality smallint DEFAULT NULL,
	internet_facing boolean DEFAULT NULL, crown_jewel boolean DEFAULT NULL,
	controls_effectiveness double precision DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'ctem_risk_explain_inputs'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.risk_explain_inputs(ctem.cvss, ctem.severity, boolean, double precision, ctem.exploit_maturity, ctem.validation_outcome, smallint, boolean, boolean, double precision) IS
	'The explanation of ctem.risk_score_inputs() with the same arguments: each factor with value and source, floors applied, defaults used, policy version';

CREATE FUNCTION ctem.explain(exposure_id bigint, tenant_id integer DEFAULT 1)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT ctem.risk_explain(e, a)
	FROM ctem.exposure e
	JOIN ctem.asset a ON a.tenant_id OPERATOR(pg_catalog.=) e.tenant_id
					 AND a.id OPERATOR(pg_catalog.=) e.asset_id
	WHERE e.tenant_id OPERATOR(pg_catalog.=) $2 AND e.id OPERATOR(pg_catalog.=) $1
$$;
COMMENT ON FUNCTION ctem.explain(bigint, integer) IS
	'How the risk score and priority of an exposure come about now: each factor with its value and where it came from, the floors applied, the defaults used and the policy version; NULL if there is no such exposure';

CREATE FUNCTION ctem.ssvc_decision(exploitation text, automatable text,
								   technical_impact text, mission_wellbeing text)
RETURNS text
AS 'MODULE_PATHNAME', 'ctem_ssvc_decision_sql'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.ssvc_decision(text, text, text, text) IS
	'CISA SSVC deployer decision (Track, Track*, Attend, Act) for exploitation (none, poc, active), automatable (no, yes), technical impact (partial, total) and mission & well-being (low, medium, high)';

CREATE FUNCTION ctem.rescore(tenant_id integer DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	UPDATE ctem.exposure e SET priority = e.priority
	WHERE ($1 IS NULL OR e.tenant_id = $1);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ctem.rescore(integer) IS
	'Re-scores every exposure (of one tenant, or all): for a policy change or control expiries; returns the number of rows';

/* ------------------------------------------------------------------------
 * Context changes re-score only the exposures they affect (set-based)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.asset_rescore()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE ctem.exposure e SET priority = e.priority
	FROM new_assets n JOIN old_assets o ON o.tenant_id = n.tenant_id AND o.id = n.id
	WHERE e.tenant_id = n.tenant_id AND e.asset_id = n.id
	  AND (n.criticality IS DISTINCT FROM o.criticality
		   OR n.internet_facing IS DISTINCT FROM o.internet_facing
		   OR n.crown_jewel IS DISTINCT FROM o.crown_jewel);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.asset_rescore() IS
	'AFTER UPDATE statement trigger of ctem.asset: re-scores the exposures of assets whose criticality, internet_facing or crown_jewel changed';
CREATE TRIGGER asset_rescore
	AFTER UPDATE ON ctem.asset
	REFERENCING OLD TABLE AS old_assets NEW TABLE AS new_assets
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_rescore();
COMMENT ON TRIGGER asset_rescore ON ctem.asset IS 'Re-scores exposures when asset context changes';

CREATE FUNCTION ctem.vuln_intel_rescore()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	kev_now bigint;
	kev_before bigint;
BEGIN
	SELECT count(*) INTO kev_now FROM ctem.vuln_intel WHERE kev;
	IF TG_OP = 'INSERT' THEN
		UPDATE ctem.exposure e SET priority = e.priority
		FROM new_intel n WHERE e.rule_id = n.cve_id;
		kev_before := kev_now - (SELECT count(*) FROM new_intel WHERE kev);
	ELSIF TG_OP = 'UPDATE' THEN
		UPDATE ctem.exposure e SET priority = e.priority
		FROM new_intel n JOIN old_intel o ON o.cve_id = n.cve_id
		WHERE e.rule_id = n.cve_id
		  AND (n.kev IS DISTINCT FROM o.kev OR n.epss IS DISTINCT FROM o.epss);
		kev_before := kev_now - (SELECT count(*) FROM new_intel WHERE kev)
		                      + (SELECT count(*) FROM old_intel WHERE kev);
	ELSE
		UPDATE ctem.exposure e SET priority = e.priority
		FROM old_intel o WHERE e.rule_id = o.cve_id;
		kev_before := kev_now + (SELECT count(*) FROM old_intel WHERE kev);
	END IF;
	-- the first KEV catalog makes every other CVE "not listed" (kev false
	-- instead of unknown), and removing the last one makes them unknown
	-- again: re-score the exposures whose kev says otherwise
	IF (kev_before > 0) <> (kev_now > 0) THEN
		UPDATE ctem.exposure e SET priority = e.priority
		WHERE e.rule_id LIKE 'CVE-%' AND (e.kev IS NULL) = (kev_now > 0);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.vuln_intel_rescore() IS
	'AFTER statement trigger of ctem.vuln_intel: re-scores only the exposures of the CVEs whose KEV membership or EPSS changed, and, when the first KEV catalog arrives or the last one goes, the exposures of the other CVEs (not listed vs unknown)';
CREATE TRIGGER vuln_intel_rescore_ins AFTER INSERT ON ctem.vuln_intel
	REFERENCING NEW TABLE AS new_intel
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.vuln_intel_rescore();
CREATE TRIGGER vuln_intel_rescore_upd AFTER UPDATE ON ctem.vuln_intel
	REFERENCING OLD TABLE AS old_intel NEW TABLE AS new_intel
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.vuln_intel_rescore();
CREATE TRIGGER vuln_intel_rescore_del AFTER DELETE ON ctem.vuln_intel
	REFERENCING OLD TABLE AS old_intel
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.vuln_intel_rescore();
COMMENT ON TRIGGER vuln_intel_rescore_ins ON ctem.vuln_intel IS 'Re-scores exposures of newly known CVEs';
COMMENT ON TRIGGER vuln_intel_rescore_upd ON ctem.vuln_intel IS 'Re-scores exposures of CVEs whose KEV or EPSS changed';
COMMENT ON TRIGGER vuln_intel_rescore_del ON ctem.vuln_intel IS 'Re-scores exposures of CVEs whose intel was deleted';

CREATE FUNCTION ctem.control_rescore()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		UPDATE ctem.exposure e SET priority = e.priority
		FROM (SELECT DISTINCT tenant_id, asset_id FROM new_controls) c
		WHERE e.tenant_id = c.tenant_id AND e.asset_id = c.asset_id;
	END IF;
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		UPDATE ctem.exposure e SET priority = e.priority
		FROM (SELECT DISTINCT tenant_id, asset_id FROM old_controls) c
		WHERE e.tenant_id = c.tenant_id AND e.asset_id = c.asset_id;
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.control_rescore() IS
	'AFTER statement trigger of ctem.control: re-scores the exposures of the assets whose controls changed';
CREATE TRIGGER control_rescore_ins AFTER INSERT ON ctem.control
	REFERENCING NEW TABLE AS new_controls
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.control_rescore();
CREATE TRIGGER control_rescore_upd AFTER UPDATE ON ctem.control
	REFERENCING OLD TABLE AS old_controls NEW TABLE AS new_controls
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.control_rescore();
CREATE TRIGGER control_rescore_del AFTER DELETE ON ctem.control
	REFERENCING OLD TABLE AS old_controls
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.control_rescore();
COMMENT ON TRIGGER control_rescore_ins ON ctem.control IS 'Re-scores exposures of assets that got a control';
COMMENT ON TRIGGER control_rescore_upd ON ctem.control IS 'Re-scores exposures of assets whose controls changed';
COMMENT ON TRIGGER control_rescore_del ON ctem.control IS 'Re-scores exposures of assets that lost a control';

CREATE FUNCTION ctem.validation_apply()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE ctem.exposure e
	SET validation = (SELECT v.outcome FROM ctem.validation_result v
					  WHERE v.tenant_id = e.tenant_id AND v.exposure_id = e.id
					  ORDER BY v.validated_at DESC, v.id DESC LIMIT 1)
	FROM (SELECT DISTINCT tenant_id, exposure_id FROM changed_results) c
	WHERE e.tenant_id = c.tenant_id AND e.id = c.exposure_id;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.validation_apply() IS
	'AFTER statement trigger of ctem.validation_result: sets exposure.validation to the latest outcome of each affected exposure (which re-scores it)';
CREATE TRIGGER validation_apply_ins AFTER INSERT ON ctem.validation_result
	REFERENCING NEW TABLE AS changed_results
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.validation_apply();
CREATE TRIGGER validation_apply_upd AFTER UPDATE ON ctem.validation_result
	REFERENCING NEW TABLE AS changed_results
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.validation_apply();
CREATE TRIGGER validation_apply_del AFTER DELETE ON ctem.validation_result
	REFERENCING OLD TABLE AS changed_results
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.validation_apply();
COMMENT ON TRIGGER validation_apply_ins ON ctem.validation_result IS 'Feeds new validation results into scores';
COMMENT ON TRIGGER validation_apply_upd ON ctem.validation_result IS 'Feeds changed validation results into scores';
COMMENT ON TRIGGER validation_apply_del ON ctem.validation_result IS 'Feeds deleted validation results into scores';

CREATE FUNCTION ctem.policy_rescore()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM ctem.rescore();
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.policy_rescore() IS
	'AFTER statement trigger of ctem.policy: re-scores every exposure with the policy now active';
CREATE TRIGGER policy_rescore AFTER INSERT OR UPDATE OR DELETE ON ctem.policy
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.policy_rescore();
COMMENT ON TRIGGER policy_rescore ON ctem.policy IS 'Re-scores everything when policies change';

-- score what is already there
SELECT ctem.rescore();

/* ------------------------------------------------------------------------
 * Comments on the indexes of earlier versions
 * ------------------------------------------------------------------------ */
COMMENT ON INDEX ctem.asset_tenant_service_idx IS 'Assets of a business service';
COMMENT ON INDEX ctem.asset_tenant_ip_idx IS 'Hosts by IP address or network (inet operators such as <<)';
COMMENT ON INDEX ctem.exposure_asset_idx IS 'Exposures of an asset';
COMMENT ON INDEX ctem.exposure_queue_idx IS 'The work queue: active exposures by priority (ctem.work_queue sorts by risk score within a priority)';
COMMENT ON INDEX ctem.exposure_event_exposure_idx IS 'History of an exposure in time order';
COMMENT ON INDEX ctem.control_asset_idx IS 'Controls of an asset';
COMMENT ON INDEX ctem.validation_result_exposure_idx IS 'Validation results of an exposure in time order';

/* ------------------------------------------------------------------------
 * Restore: the users' policy takes over from the new extension's default,
 * and event ids continue after restored rows
 * ------------------------------------------------------------------------ */

-- fires in replica mode too (session_replication_role = replica, the exact
-- restore of docs/architecture.md): inserting the users' active policy must
-- switch off the builtin default there as well
ALTER TABLE ctem.policy ENABLE ALWAYS TRIGGER policy_before_row;

-- The history is written set-based (src/history.c): the row trigger notes
-- each change of status or priority, the statement trigger writes the
-- statement's events with one INSERT per 10,000.  A restore loads
-- ctem.exposure_event before it sets the identity sequence (pg_dump sets
-- sequences after all table data), and a plain restore re-scores the
-- exposures as the context tables load after them: events written then
-- must not take the ids of restored ones.  So when the sequence's next
-- value is not above a tenant's highest id (one backward step of the
-- primary key), the sequence is moved past it first.  The events are
-- written as the table's owner: the history is written for every change,
-- and nobody needs (or should have) INSERT on ctem.exposure_event to make
-- one.
CREATE OR REPLACE FUNCTION ctem.exposure_history_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_history_row'
LANGUAGE C;
REVOKE EXECUTE ON FUNCTION ctem.exposure_history_row() FROM PUBLIC;
COMMENT ON FUNCTION ctem.exposure_history_row() IS
	'AFTER UPDATE row trigger of ctem.exposure (only for rows whose status or priority changed): notes the event for ctem.exposure_history_flush() to write';

CREATE FUNCTION ctem.exposure_history_flush()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_history_flush'
LANGUAGE C;
REVOKE EXECUTE ON FUNCTION ctem.exposure_history_flush() FROM PUBLIC;
COMMENT ON FUNCTION ctem.exposure_history_flush() IS
	'AFTER UPDATE statement trigger of ctem.exposure: writes the events its statement''s row triggers noted into ctem.exposure_event (one INSERT per 10,000), with the next ids of its sequence or, after a restore loaded higher ids, the ids after them; as the table''s owner';
CREATE TRIGGER exposure_history_flush
	AFTER UPDATE ON ctem.exposure
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.exposure_history_flush();
COMMENT ON TRIGGER exposure_history_flush ON ctem.exposure IS
	'Writes the status and priority changes the row trigger exposure_history noted, set-based, once per statement';

/* ------------------------------------------------------------------------
 * Re-scoring is ctem's own bookkeeping: it runs as the extension's owner
 * ------------------------------------------------------------------------ */

-- A role allowed to change assets, controls, intel, validation results or
-- policies keeps the exposures' scores current without UPDATE on
-- ctem.exposure (as a foreign key's cascade does not need the referencing
-- table's privileges).  The functions read only their transition tables and
-- fixed statements, with a fixed search_path; nobody can call or attach
-- them (EXECUTE revoked; the triggers fire regardless).
ALTER FUNCTION ctem.asset_rescore() SECURITY DEFINER;
ALTER FUNCTION ctem.vuln_intel_rescore() SECURITY DEFINER;
ALTER FUNCTION ctem.control_rescore() SECURITY DEFINER;
ALTER FUNCTION ctem.validation_apply() SECURITY DEFINER;
ALTER FUNCTION ctem.policy_rescore() SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION ctem.asset_rescore(), ctem.vuln_intel_rescore(), ctem.control_rescore(),
	ctem.validation_apply(), ctem.policy_rescore() FROM PUBLIC;

CREATE FUNCTION ctem.event_actor()
RETURNS text
AS 'MODULE_PATHNAME', 'ctem_event_actor'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.event_actor() IS
	'The role that made a change: current_user outside ctem''s re-scoring triggers (which run as the extension owner); the default of ctem.exposure_event.actor';
ALTER TABLE ctem.exposure_event ALTER COLUMN actor SET DEFAULT ctem.event_actor();
COMMENT ON COLUMN ctem.exposure_event.actor IS
	'Database role whose statement made the change (also when ctem''s re-scoring triggers carried it out)';
