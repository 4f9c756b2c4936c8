/*
 * 40_prioritization.sql
 *		Prioritization: a contextual, explained risk score computed in C
 *		(docs/scoring.md), its weights in ctem.policy, compensating controls
 *		in ctem.control, SSVC, and the triggers that keep every exposure's
 *		score current when its context changes.
 *
 * The exposure's own BEFORE row trigger scores each inserted or updated row
 * (20_store.sql); validation results feed the score from 50_validation.sql.
 *
 * sql/src/40_prioritization.sql
 */

/* ------------------------------------------------------------------------
 * ctem.policy: the model's weights (a catalogue table, no tenant)
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
	-- attack paths (0.6.0, 50_validation.sql): at the end, as the upgrade
	-- adds them
	exploit_baseline double precision NOT NULL DEFAULT 0.05,
	path_max_hops	integer NOT NULL DEFAULT 12,
	path_probability_full double precision NOT NULL DEFAULT 0.1,
	-- risk acceptance (0.6.0, 70_mobilization.sql): at the end, as the
	-- upgrade adds it
	max_acceptance_days integer NOT NULL DEFAULT 365,
	-- maintenance (0.6.0, 75_outbox.sql): at the end, as the upgrade adds it
	stale_after_days integer NOT NULL DEFAULT 30,
	CONSTRAINT policy_pkey PRIMARY KEY (name),
	CONSTRAINT policy_one_active EXCLUDE USING btree ((true) WITH OPERATOR(pg_catalog.=))
		WHERE (active) DEFERRABLE INITIALLY DEFERRED,
	CONSTRAINT policy_exploit_baseline_range CHECK (exploit_baseline OPERATOR(pg_catalog.>) 0
		AND exploit_baseline OPERATOR(pg_catalog.<=) 1),
	CONSTRAINT policy_path_max_hops_range CHECK (path_max_hops BETWEEN 1 AND 64),
	CONSTRAINT policy_path_probability_full_range CHECK (path_probability_full OPERATOR(pg_catalog.>) 0
		AND path_probability_full OPERATOR(pg_catalog.<=) 1),
	CONSTRAINT policy_max_acceptance_days_range CHECK (max_acceptance_days BETWEEN 1 AND 3650),
	CONSTRAINT policy_stale_after_days_range CHECK (stale_after_days BETWEEN 1 AND 3650)
);
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
COMMENT ON COLUMN ctem.policy.x_attack_path IS 'X for a crown jewel, and for an internal asset whose most likely attack path to a crown jewel has at least path_probability_full (less likely paths scale X between x_internal and this)';
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
COMMENT ON COLUMN ctem.policy.exploit_baseline IS
	'Attack paths: the exploitability of an asset without an open exposure, in (0, 1] (an unknown weakness, a zero-day, a misconfiguration no scanner reports); a step into an asset that needs an exploit succeeds with the edge''s probability times the asset''s exploitability (docs/attack-paths.md)';
COMMENT ON COLUMN ctem.policy.path_max_hops IS
	'Attack paths: the most edges a path may have (1 to 64) where a function takes no max_hops argument (ctem.chokepoints, ctem.simulate_fix, ctem.fix_plan) and for the path factor the score reads';
COMMENT ON COLUMN ctem.policy.path_probability_full IS
	'Attack paths: the probability of the most likely entry-to-jewel path through an internal asset (ctem.asset.attack_path_probability) from which its X is all of x_attack_path, in (0, 1]; below it X = x_internal + (x_attack_path - x_internal) x probability / path_probability_full (docs/scoring.md)';
COMMENT ON CONSTRAINT policy_pkey ON ctem.policy IS 'Policies are found by name';
COMMENT ON CONSTRAINT policy_one_active ON ctem.policy IS
	'At most one policy is active (checked at commit, so one UPDATE can switch policies)';
COMMENT ON CONSTRAINT policy_exploit_baseline_range ON ctem.policy IS
	'exploit_baseline is a probability in (0, 1]: an asset without a known exposure is not unbreakable, nor more than certainly exploitable';
COMMENT ON CONSTRAINT policy_path_max_hops_range ON ctem.policy IS
	'path_max_hops is 1 to 64 edges, the range the graph engine searches';
COMMENT ON CONSTRAINT policy_path_probability_full_range ON ctem.policy IS
	'path_probability_full is a probability in (0, 1]';
COMMENT ON COLUMN ctem.policy.max_acceptance_days IS
	'Risk acceptance: the longest an acceptance may last, in days from approved_at to expires_at (1 to 3650); a longer one is refused (docs/mobilization.md)';
COMMENT ON CONSTRAINT policy_max_acceptance_days_range ON ctem.policy IS
	'max_acceptance_days is 1 to 3650 days: every acceptance expires, within ten years';
COMMENT ON COLUMN ctem.policy.stale_after_days IS
	'Maintenance: an asset not reported (last_seen) for this many days is marked stale by ctem.run_maintenance (ctem.asset.stale_since; 1 to 3650, default 30; docs/mobilization.md)';
COMMENT ON CONSTRAINT policy_stale_after_days_range ON ctem.policy IS
	'stale_after_days is 1 to 3650 days';

-- The builtin row comes with the extension (seeded before the trigger that
-- protects builtin rows exists); dump only the users' policies.
INSERT INTO ctem.policy (name, active, builtin, description)
VALUES ('default', true, true, 'The documented default model of docs/scoring.md');
SELECT pg_catalog.pg_extension_config_dump('ctem.policy', 'WHERE NOT builtin');
CREATE TRIGGER policy_restore
	BEFORE INSERT ON ctem.policy
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER policy_restore ON ctem.policy IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

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
-- fires in replica mode too (session_replication_role = replica, the exact
-- restore of docs/architecture.md): inserting the users' active policy must
-- switch off the builtin default there as well
ALTER TABLE ctem.policy ENABLE ALWAYS TRIGGER policy_before_row;

/* ------------------------------------------------------------------------
 * ctem.control: compensating controls (a tenant table)
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
COMMENT ON CONSTRAINT control_pkey ON ctem.control IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT control_asset_fk ON ctem.control IS
	'A control protects an asset of the same tenant and is deleted with it';
COMMENT ON CONSTRAINT control_effectiveness_range ON ctem.control IS 'effectiveness is in (0, 1]';
COMMENT ON CONSTRAINT control_kind_not_empty ON ctem.control IS 'A kind is not blank';
COMMENT ON SEQUENCE ctem.control_id_seq IS 'Identity sequence of ctem.control.id';

CREATE INDEX control_asset_idx ON ctem.control (tenant_id, asset_id);
COMMENT ON INDEX ctem.control_asset_idx IS 'Controls of an asset';

SELECT pg_catalog.pg_extension_config_dump('ctem.control', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.control_id_seq', '');
CREATE TRIGGER control_restore
	BEFORE INSERT ON ctem.control
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER control_restore ON ctem.control IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

/* ------------------------------------------------------------------------
 * Scoring functions
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.risk_support(internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'ctem_risk_support'
LANGUAGE C STRICT;
COMMENT ON FUNCTION ctem.risk_support(internal) IS
	'Planner support of ctem.risk_score(e, a) and ctem.risk_explain(e, a): called with the whole rows of ctem.exposure and ctem.asset, they are planned as ctem.risk_score_inputs / ctem.risk_explain_inputs over the eleven columns they read (same result, no composite values built); not callable from SQL';

CREATE FUNCTION ctem.risk_score(e ctem.exposure, a ctem.asset)
RETURNS numeric
AS 'MODULE_PATHNAME', 'ctem_risk_score'
LANGUAGE C STABLE STRICT PARALLEL SAFE
SUPPORT ctem.risk_support;
COMMENT ON FUNCTION ctem.risk_score(ctem.exposure, ctem.asset) IS
	'Risk score 0-100 of exposure e on asset a with the active policy, from the inputs on the rows (cvss, severity, kev, epss, exploit_maturity, validation, controls_effectiveness; criticality, internet_facing, crown_jewel, attack_path_probability); the C scoring core, no other lookup';

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
	controls_effectiveness double precision DEFAULT NULL,
	attack_path_probability double precision DEFAULT NULL)
RETURNS numeric
AS 'MODULE_PATHNAME', 'ctem_risk_score_inputs'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.risk_score_inputs(ctem.cvss, ctem.severity, boolean, double precision, ctem.exploit_maturity, ctem.validation_outcome, smallint, boolean, boolean, double precision, double precision) IS
	'Risk score 0-100 with the active policy from inputs given as arguments, NULL meaning unknown (the model''s stated defaults apply): a what-if calculator, and the scorer for data that is not in ctem.exposure; ctem.risk_score(e, a) on the same values gives the same score';

CREATE FUNCTION ctem.risk_explain_inputs(cvss ctem.cvss DEFAULT NULL,
	severity ctem.severity DEFAULT NULL, kev boolean DEFAULT NULL,
	epss double precision DEFAULT NULL, exploit_maturity ctem.exploit_maturity DEFAULT NULL,
	validation ctem.validation_outcome DEFAULT NULL, criticality smallint DEFAULT NULL,
	internet_facing boolean DEFAULT NULL, crown_jewel boolean DEFAULT NULL,
	controls_effectiveness double precision DEFAULT NULL,
	attack_path_probability double precision DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'ctem_risk_explain_inputs'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.risk_explain_inputs(ctem.cvss, ctem.severity, boolean, double precision, ctem.exploit_maturity, ctem.validation_outcome, smallint, boolean, boolean, double precision, double precision) IS
	'The explanation of ctem.risk_score_inputs() with the same arguments: each factor with value and source, floors applied, defaults used, policy version';

CREATE FUNCTION ctem.explain(exposure_id bigint, tenant_id integer DEFAULT 1)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	x jsonb;
	aid bigint;
	on_path boolean;
	p record;
BEGIN
	PERFORM ctem.tenant_check($2);
	SELECT ctem.risk_explain(e, a), a.id,
		   a.attack_path_probability IS NOT NULL OR a.crown_jewel
	INTO x, aid, on_path
	FROM ctem.exposure e
	JOIN ctem.asset a ON a.tenant_id OPERATOR(pg_catalog.=) e.tenant_id
					 AND a.id OPERATOR(pg_catalog.=) e.asset_id
	WHERE e.tenant_id OPERATOR(pg_catalog.=) $2 AND e.id OPERATOR(pg_catalog.=) $1;
	IF x IS NULL OR NOT on_path THEN
		RETURN x;
	END IF;
	-- name the most likely path through the asset (50_validation.sql)
	SELECT t.probability, t.hops, t.path, t.edges,
		   (SELECT pg_catalog.string_agg(a.natural_key, ' -> ' ORDER BY u.o)
			FROM pg_catalog.unnest(t.path) WITH ORDINALITY AS u(id, o)
			JOIN ctem.asset a ON a.tenant_id OPERATOR(pg_catalog.=) $2
							 AND a.id OPERATOR(pg_catalog.=) u.id) AS names
	INTO p
	FROM ctem.attack_path_through(aid, NULL, $2) t;
	IF FOUND THEN
		x := x OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('attack_path',
			pg_catalog.jsonb_build_object('probability', p.probability, 'hops', p.hops,
										  'path', p.path, 'edges', p.edges, 'assets', p.names));
	END IF;
	RETURN x;
END
$$;
COMMENT ON FUNCTION ctem.explain(bigint, integer) IS
	'How the risk score and priority of an exposure come about now: each factor with its value and where it came from, the floors applied, the defaults used and the policy version, and, when its asset is on an attack path to a crown jewel (or is one), the most likely such path (attack_path: probability, hops, asset and edge ids, the assets'' natural keys); NULL if there is no such exposure';

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
	PERFORM ctem.tenant_check($1);
	UPDATE ctem.exposure e SET priority = e.priority
	WHERE ($1 IS NULL OR e.tenant_id = $1);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ctem.rescore(integer) IS
	'Re-scores every exposure (of one tenant, or all): for a policy change or control expiries; returns the number of rows';

/* ------------------------------------------------------------------------
 * The scoring context lock (src/prioritize/context.c)
 * ------------------------------------------------------------------------ */

/*
 * Exposure writers hold it shared, context writers exclusively, to the end
 * of the transaction: a context change waits for the open exposure writers
 * and then re-scores their rows too, and an exposure written meanwhile
 * waits for the change and is scored with it (docs/architecture.md,
 * "Locks").  Every INSERT or UPDATE statement on ctem.exposure takes it in
 * a BEFORE statement trigger, before it locks any row.
 */
CREATE FUNCTION ctem.context_lock()
RETURNS void
AS 'MODULE_PATHNAME', 'ctem_context_lock_sql'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.context_lock() IS
	'Takes the scoring context lock exclusively until the end of the transaction: waits for the transactions that write exposures, and makes new ones wait. ctem.load_kev, ctem.load_epss and the re-scoring triggers of ctem.vuln_intel, ctem.policy and ctem.control take it themselves; call it first in a transaction that changes such context in several statements (docs/architecture.md, "Locks"). EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.exposure_context_lock()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_context_lock'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_context_lock() IS
	'BEFORE INSERT OR UPDATE statement trigger of ctem.exposure: takes the scoring context lock shared until the end of the transaction, so that no context change commits between the scoring of the statement''s rows and their commit';
CREATE TRIGGER exposure_context_lock
	BEFORE INSERT OR UPDATE ON ctem.exposure
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.exposure_context_lock();
COMMENT ON TRIGGER exposure_context_lock ON ctem.exposure IS
	'Exposure writers hold the scoring context lock shared (ctem.exposure_context_lock)';

/* ------------------------------------------------------------------------
 * Context changes re-score only the exposures they affect (set-based)
 * ------------------------------------------------------------------------ */

/*
 * Re-scoring is ctem's own bookkeeping: these trigger functions (and
 * ctem.validation_apply in 50_validation.sql) are SECURITY DEFINER and run as
 * the extension's owner.  A role allowed to change assets, controls, intel,
 * validation results or policies keeps the exposures' scores current
 * without UPDATE on ctem.exposure (as a foreign key's cascade does not need
 * the referencing table's privileges).  The functions read only their
 * transition tables and fixed statements, with a fixed search_path; nobody
 * can call or attach them (EXECUTE is revoked in 90_grants.sql; the
 * triggers fire regardless).
 */

CREATE FUNCTION ctem.asset_rescore()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	UPDATE ctem.exposure e SET priority = e.priority
	FROM new_assets n JOIN old_assets o ON o.tenant_id = n.tenant_id AND o.id = n.id
	WHERE e.tenant_id = n.tenant_id AND e.asset_id = n.id
	  AND (n.criticality IS DISTINCT FROM o.criticality
		   OR n.internet_facing IS DISTINCT FROM o.internet_facing
		   OR n.crown_jewel IS DISTINCT FROM o.crown_jewel
		   OR n.attack_path_probability IS DISTINCT FROM o.attack_path_probability);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.asset_rescore() IS
	'AFTER UPDATE statement trigger of ctem.asset: re-scores the exposures of assets whose criticality, internet_facing, crown_jewel or attack_path_probability changed';
CREATE TRIGGER asset_rescore
	AFTER UPDATE ON ctem.asset
	REFERENCING OLD TABLE AS old_assets NEW TABLE AS new_assets
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_rescore();
COMMENT ON TRIGGER asset_rescore ON ctem.asset IS 'Re-scores exposures when asset context changes';

CREATE FUNCTION ctem.vuln_intel_rescore()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	kev_now bigint;
	kev_before bigint;
BEGIN
	-- before the first exposure is locked: the exposure writers still open
	-- commit first, and this statement's re-score (a new snapshot) sees
	-- their rows (ctem.load_kev and ctem.load_epss took it already)
	PERFORM ctem.context_lock();
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
COMMENT ON TRIGGER vuln_intel_rescore_ins ON ctem.vuln_intel IS 'Re-scores exposures of newly known CVEs';
CREATE TRIGGER vuln_intel_rescore_upd AFTER UPDATE ON ctem.vuln_intel
	REFERENCING OLD TABLE AS old_intel NEW TABLE AS new_intel
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.vuln_intel_rescore();
COMMENT ON TRIGGER vuln_intel_rescore_upd ON ctem.vuln_intel IS 'Re-scores exposures of CVEs whose KEV or EPSS changed';
CREATE TRIGGER vuln_intel_rescore_del AFTER DELETE ON ctem.vuln_intel
	REFERENCING OLD TABLE AS old_intel
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.vuln_intel_rescore();
COMMENT ON TRIGGER vuln_intel_rescore_del ON ctem.vuln_intel IS 'Re-scores exposures of CVEs whose intel was deleted';

CREATE FUNCTION ctem.control_rescore()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- before the first exposure is locked (see ctem.vuln_intel_rescore)
	PERFORM ctem.context_lock();
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
COMMENT ON TRIGGER control_rescore_ins ON ctem.control IS 'Re-scores exposures of assets that got a control';
CREATE TRIGGER control_rescore_upd AFTER UPDATE ON ctem.control
	REFERENCING OLD TABLE AS old_controls NEW TABLE AS new_controls
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.control_rescore();
COMMENT ON TRIGGER control_rescore_upd ON ctem.control IS 'Re-scores exposures of assets whose controls changed';
CREATE TRIGGER control_rescore_del AFTER DELETE ON ctem.control
	REFERENCING OLD TABLE AS old_controls
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.control_rescore();
COMMENT ON TRIGGER control_rescore_del ON ctem.control IS 'Re-scores exposures of assets that lost a control';

CREATE FUNCTION ctem.policy_rescore()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	before_active text[];
	after_active text[];
BEGIN
	-- only a change of the active policy re-scores: which policy is active,
	-- or its version (raised by every change of its weights); a draft
	-- inserted, changed or deleted re-scores and locks nothing
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		SELECT pg_catalog.array_agg(o.name OPERATOR(pg_catalog.||) '/'
									OPERATOR(pg_catalog.||) o.version ORDER BY o.name)
		INTO before_active FROM old_policies o WHERE o.active;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		SELECT pg_catalog.array_agg(n.name OPERATOR(pg_catalog.||) '/'
									OPERATOR(pg_catalog.||) n.version ORDER BY n.name)
		INTO after_active FROM new_policies n WHERE n.active;
	END IF;
	IF NOT (before_active IS DISTINCT FROM after_active) THEN
		RETURN NULL;
	END IF;
	-- the builtin default switched off by the INSERT of an active policy
	-- (ctem.policy_before_row): that INSERT's own trigger re-scores, once
	IF TG_OP = 'UPDATE' AND pg_catalog.pg_trigger_depth() > 1 AND after_active IS NULL THEN
		IF NOT EXISTS (SELECT 1 FROM old_policies o WHERE NOT o.builtin) THEN
			RETURN NULL;
		END IF;
	END IF;
	-- before the first exposure is locked (see ctem.vuln_intel_rescore)
	PERFORM ctem.context_lock();
	-- path_max_hops and exploit_baseline shape the attack-path factors
	PERFORM ctem.attack_path_refresh(g.tenant_id)
	FROM (SELECT DISTINCT c.tenant_id FROM ctem.graph_change c ORDER BY 1) g;
	PERFORM ctem.rescore();
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.policy_rescore() IS
	'AFTER statement trigger of ctem.policy: when the statement changed which policy is active or the active policy''s version, recomputes the attack-path factors of the tenants that have an attack graph, then re-scores every exposure with the policy now active; a policy that is not active changes nothing';
CREATE TRIGGER policy_rescore_ins AFTER INSERT ON ctem.policy
	REFERENCING NEW TABLE AS new_policies
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.policy_rescore();
COMMENT ON TRIGGER policy_rescore_ins ON ctem.policy IS 'Re-scores everything when an active policy is inserted';
CREATE TRIGGER policy_rescore_upd AFTER UPDATE ON ctem.policy
	REFERENCING OLD TABLE AS old_policies NEW TABLE AS new_policies
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.policy_rescore();
COMMENT ON TRIGGER policy_rescore_upd ON ctem.policy IS 'Re-scores everything when the active policy changes or another becomes active';
CREATE TRIGGER policy_rescore_del AFTER DELETE ON ctem.policy
	REFERENCING OLD TABLE AS old_policies
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.policy_rescore();
COMMENT ON TRIGGER policy_rescore_del ON ctem.policy IS 'Re-scores everything when the active policy is deleted';
