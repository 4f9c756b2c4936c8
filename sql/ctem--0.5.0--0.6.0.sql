/*
 * ctem--0.5.0--0.6.0.sql
 *		Upgrade from 0.5.0 to 0.6.0: attack paths (docs/attack-paths.md);
 *		exact restores, parallel ones too (docs/architecture.md, "Backup and
 *		restore"); the exposure workflow and risk acceptance
 *		(docs/mobilization.md).
 *
 * The same objects as a fresh 0.6.0 install (sql/src/: 10_types.sql,
 * 40_prioritization.sql, 50_validation.sql, 90_grants.sql), in the same
 * words, so that test/sql/upgrade.sql finds no difference: the edge kinds,
 * two policy columns (at the end of ctem.policy, a catalogue table), the
 * graph ctem.asset_edge, its change log ctem.graph_change, their triggers
 * and the attack-path functions; scopes, teams and routing (60_scoping.sql,
 * 65_teams.sql).  The triggers and columns on the older tenant tables
 * ctem.asset, ctem.exposure and ctem.exposure_event come from
 * ctem.graph_install(), ctem.scope_install(), ctem.workflow_install() and
 * ctem.outbox_install() (the outbox and maintenance, 75_outbox.sql), which
 * this script runs only when the install is not distributed.
 *
 * sql/ctem--0.5.0--0.6.0.sql
 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION ctem UPDATE TO '0.6.0'" to load this file. \quit

/* ------------------------------------------------------------------------
 * Types (10_types.sql)
 * ------------------------------------------------------------------------ */

CREATE TYPE ctem.edge_kind AS ENUM ('network', 'credential', 'trust', 'lateral', 'runs_on', 'other');
COMMENT ON TYPE ctem.edge_kind IS
	'What lets an attacker step from one asset to another (ctem.asset_edge): network reachability, a credential found on the source that opens the target, a trust relation (domain or federation trust, assumable role), lateral movement (session, admin share), runs_on (the source runs on the target: a container on its host, an app on its VM), or other';

/* ------------------------------------------------------------------------
 * The policy's attack-path columns (40_prioritization.sql), at the end
 * ------------------------------------------------------------------------ */

ALTER TABLE ctem.policy
	ADD COLUMN exploit_baseline double precision NOT NULL DEFAULT 0.05,
	ADD COLUMN path_max_hops integer NOT NULL DEFAULT 12,
	ADD CONSTRAINT policy_exploit_baseline_range CHECK (exploit_baseline OPERATOR(pg_catalog.>) 0
		AND exploit_baseline OPERATOR(pg_catalog.<=) 1),
	ADD COLUMN path_probability_full double precision NOT NULL DEFAULT 0.1,
	ADD CONSTRAINT policy_path_max_hops_range CHECK (path_max_hops BETWEEN 1 AND 64),
	ADD CONSTRAINT policy_path_probability_full_range CHECK (path_probability_full OPERATOR(pg_catalog.>) 0
		AND path_probability_full OPERATOR(pg_catalog.<=) 1);
COMMENT ON COLUMN ctem.policy.exploit_baseline IS
	'Attack paths: the exploitability of an asset without an open exposure, in (0, 1] (an unknown weakness, a zero-day, a misconfiguration no scanner reports); a step into an asset that needs an exploit succeeds with the edge''s probability times the asset''s exploitability (docs/attack-paths.md)';
COMMENT ON COLUMN ctem.policy.path_max_hops IS
	'Attack paths: the most edges a path may have (1 to 64) where a function takes no max_hops argument (ctem.chokepoints, ctem.simulate_fix, ctem.fix_plan) and for the path factor the score reads';
COMMENT ON CONSTRAINT policy_exploit_baseline_range ON ctem.policy IS
	'exploit_baseline is a probability in (0, 1]: an asset without a known exposure is not unbreakable, nor more than certainly exploitable';
COMMENT ON CONSTRAINT policy_path_max_hops_range ON ctem.policy IS
	'path_max_hops is 1 to 64 edges, the range the graph engine searches';
COMMENT ON COLUMN ctem.policy.path_probability_full IS
	'Attack paths: the probability of the most likely entry-to-jewel path through an internal asset (ctem.asset.attack_path_probability) from which its X is all of x_attack_path, in (0, 1]; below it X = x_internal + (x_attack_path - x_internal) x probability / path_probability_full (docs/scoring.md)';
COMMENT ON CONSTRAINT policy_path_probability_full_range ON ctem.policy IS
	'path_probability_full is a probability in (0, 1]';
COMMENT ON COLUMN ctem.policy.x_attack_path IS 'X for a crown jewel, and for an internal asset whose most likely attack path to a crown jewel has at least path_probability_full (less likely paths scale X between x_internal and this)';

/* ------------------------------------------------------------------------
 * Reachability feeds the score (40_prioritization.sql): the path
 * probability is an input of the scoring functions, ctem.explain names the
 * path, and the re-scoring triggers follow it
 * ------------------------------------------------------------------------ */

DROP FUNCTION ctem.risk_score_inputs(ctem.cvss, ctem.severity, boolean, double precision, ctem.exploit_maturity, ctem.validation_outcome, smallint, boolean, boolean, double precision);
DROP FUNCTION ctem.risk_explain_inputs(ctem.cvss, ctem.severity, boolean, double precision, ctem.exploit_maturity, ctem.validation_outcome, smallint, boolean, boolean, double precision);
COMMENT ON FUNCTION ctem.risk_support(internal) IS
	'Planner support of ctem.risk_score(e, a) and ctem.risk_explain(e, a): called with the whole rows of ctem.exposure and ctem.asset, they are planned as ctem.risk_score_inputs / ctem.risk_explain_inputs over the eleven columns they read (same result, no composite values built); not callable from SQL';
COMMENT ON FUNCTION ctem.risk_score(ctem.exposure, ctem.asset) IS
	'Risk score 0-100 of exposure e on asset a with the active policy, from the inputs on the rows (cvss, severity, kev, epss, exploit_maturity, validation, controls_effectiveness; criticality, internet_facing, crown_jewel, attack_path_probability); the C scoring core, no other lookup';

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

CREATE OR REPLACE FUNCTION ctem.explain(exposure_id bigint, tenant_id integer DEFAULT 1)
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

CREATE OR REPLACE FUNCTION ctem.asset_rescore()
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

/* ------------------------------------------------------------------------
 * Attack paths: the asset graph, ctem.asset_edge (a tenant table)
 * ------------------------------------------------------------------------ */

/*
 * An edge says that an attacker who holds the source asset can take the
 * target with the given probability (given that he holds the source); a
 * step that needs an exploit on the target (exploit_required) succeeds with
 * that probability times the target's exploitability, computed from its open
 * exposures (docs/attack-paths.md).  Entry points are the internet-facing
 * assets and those tagged 'entry_point'; targets are the crown jewels.
 *
 * The references to ctem.asset are enforced by ctem's triggers, like the
 * exposure -> asset reference (20_store.sql), not by declared foreign keys:
 * a declared one would make every TRUNCATE of ctem.asset name ctem.asset_edge
 * too (TRUNCATE refuses a referenced table otherwise), it runs one query per
 * inserted row where the trigger checks and locks each asset once per
 * statement, and its error cannot say which edge and which end is wrong.  The
 * semantics are a foreign key's: the assets must exist in the edge's tenant
 * and are locked FOR KEY SHARE; deleting an asset deletes its edges (with
 * RI's snapshot rules); changing the tenant_id or id of an asset that edges
 * reference is an error; TRUNCATE of ctem.asset alone is refused while edges
 * exist (src/validate/graph_edge.c).
 *
 * ETL jobs upsert edges on their natural key:
 *	INSERT INTO ctem.asset_edge AS e (tenant_id, source_asset_id, target_asset_id, kind, probability)
 *	VALUES (...)
 *	ON CONFLICT (tenant_id, source_asset_id, target_asset_id, kind) DO UPDATE
 *		SET probability = excluded.probability, last_seen = excluded.last_seen;
 * (excluded.last_seen, the inserted row's default now(): no volatile function
 * in DO UPDATE SET, which a distributed table refuses.)
 */
CREATE TABLE ctem.asset_edge (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	source_asset_id bigint NOT NULL,
	target_asset_id bigint NOT NULL,
	kind			ctem.edge_kind NOT NULL DEFAULT 'network',
	probability		double precision NOT NULL DEFAULT 1,
	exploit_required boolean NOT NULL DEFAULT true,
	attributes		jsonb NOT NULL DEFAULT '{}',
	first_seen		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	last_seen		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT asset_edge_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT asset_edge_unique UNIQUE (tenant_id, source_asset_id, target_asset_id, kind),
	CONSTRAINT asset_edge_probability_range CHECK (probability OPERATOR(pg_catalog.>) 0
		AND probability OPERATOR(pg_catalog.<=) 1),
	CONSTRAINT asset_edge_no_self_loop CHECK (source_asset_id OPERATOR(pg_catalog.<>) target_asset_id),
	CONSTRAINT asset_edge_attributes_is_object CHECK (pg_catalog.jsonb_typeof(attributes) OPERATOR(pg_catalog.=) 'object'),
	CONSTRAINT asset_edge_seen_order CHECK (last_seen OPERATOR(pg_catalog.>=) first_seen),
	CONSTRAINT asset_edge_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.asset_edge IS
	'The attack graph: one row per way an attacker holding the source asset can take the target asset (network reachability, credential, trust, lateral movement, runs_on), with the probability that the step succeeds; upsert on (tenant_id, source_asset_id, target_asset_id, kind); read by ctem.attack_paths and its peers (docs/attack-paths.md)';
COMMENT ON COLUMN ctem.asset_edge.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use; both assets belong to it';
COMMENT ON COLUMN ctem.asset_edge.id IS 'Surrogate key, unique within the tenant; the attack-path functions return it in their edges arrays';
COMMENT ON COLUMN ctem.asset_edge.source_asset_id IS
	'The asset the attacker holds: ctem.asset.id of the same tenant (checked and locked by the trigger asset_edge_before_row; deleting the asset deletes the edge)';
COMMENT ON COLUMN ctem.asset_edge.target_asset_id IS
	'The asset the step reaches: ctem.asset.id of the same tenant, not the source (checked like source_asset_id)';
COMMENT ON COLUMN ctem.asset_edge.kind IS 'What makes the step possible (ctem.edge_kind); one edge per kind between two assets';
COMMENT ON COLUMN ctem.asset_edge.probability IS
	'Chance in (0, 1] that the step succeeds given the attacker holds the source (1 by default); for an exploit_required edge it is multiplied by the target''s exploitability';
COMMENT ON COLUMN ctem.asset_edge.exploit_required IS
	'Whether taking the target needs an exploit of one of its weaknesses (true by default: a network path to a service usually does); then the step probability is probability x the target''s exploitability, 1 - product(1 - L x V) over its open exposures or the policy''s exploit_baseline when it has none; false (a stolen credential, a trust, runs_on) takes probability as it is';
COMMENT ON COLUMN ctem.asset_edge.attributes IS 'Any other attributes as a JSON object (ports, protocol, rule or collector that found the relation...)';
COMMENT ON COLUMN ctem.asset_edge.first_seen IS 'When the relation was first reported';
COMMENT ON COLUMN ctem.asset_edge.last_seen IS 'When the relation was last reported (an upsert sets excluded.last_seen)';
COMMENT ON CONSTRAINT asset_edge_pkey ON ctem.asset_edge IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT asset_edge_unique ON ctem.asset_edge IS
	'One edge per source, target and kind within a tenant: the key ETL jobs upsert on';
COMMENT ON CONSTRAINT asset_edge_probability_range ON ctem.asset_edge IS
	'probability is in (0, 1] (NaN is not); the trigger asset_edge_before_row reports a bad value with the edge it belongs to';
COMMENT ON CONSTRAINT asset_edge_no_self_loop ON ctem.asset_edge IS 'An edge joins two different assets';
COMMENT ON CONSTRAINT asset_edge_attributes_is_object ON ctem.asset_edge IS 'attributes is a JSON object';
COMMENT ON CONSTRAINT asset_edge_seen_order ON ctem.asset_edge IS 'last_seen is not before first_seen';
COMMENT ON CONSTRAINT asset_edge_tenant_positive ON ctem.asset_edge IS 'Tenant ids are positive';
COMMENT ON SEQUENCE ctem.asset_edge_id_seq IS 'Identity sequence of ctem.asset_edge.id';

CREATE INDEX asset_edge_target_idx ON ctem.asset_edge (tenant_id, target_asset_id);
COMMENT ON INDEX ctem.asset_edge_target_idx IS
	'Edges into an asset: the exposures that make a step (exploit_required edges), and the edges a deleted asset takes with it';

SELECT pg_catalog.pg_extension_config_dump('ctem.asset_edge', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.asset_edge_id_seq', '');

CREATE FUNCTION ctem.asset_edge_before_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_asset_edge_before_row'
LANGUAGE C;
COMMENT ON FUNCTION ctem.asset_edge_before_row() IS
	'BEFORE INSERT OR UPDATE row trigger of ctem.asset_edge: refuses a probability outside (0, 1] and a self-loop, and checks that both assets exist in the edge''s tenant, locking them FOR KEY SHARE once per statement and asset; each error names the edge';
CREATE TRIGGER asset_edge_before_row
	BEFORE INSERT OR UPDATE ON ctem.asset_edge
	FOR EACH ROW EXECUTE FUNCTION ctem.asset_edge_before_row();
COMMENT ON TRIGGER asset_edge_before_row ON ctem.asset_edge IS
	'Validates an edge and checks and locks its two assets (ctem.asset_edge_before_row)';

CREATE FUNCTION ctem.asset_edge_reference()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_asset_edge_reference'
LANGUAGE C;
COMMENT ON FUNCTION ctem.asset_edge_reference() IS
	'Triggers of ctem.asset for the edge -> asset references: deleting assets deletes their edges (AFTER DELETE statement trigger, keys read from the transition table), changing the tenant_id or id of an asset that edges reference is an error, TRUNCATE of ctem.asset is refused while ctem.asset_edge has rows';

/* ------------------------------------------------------------------------
 * The graph's change log: what keeps the per-backend graph caches current
 * ------------------------------------------------------------------------ */

/*
 * Statement triggers on ctem.asset_edge, ctem.asset and ctem.exposure write
 * one row per tenant whose graph inputs a statement changed, in the
 * statement's own (sub)transaction.  A backend caches a tenant's graph under
 * the set of that tenant's rows its snapshot sees; every change of the graph
 * inputs comes with a row of a sequence number never used before, visible
 * exactly when the change is, so a snapshot that sees the same set sees the
 * same graph (the argument, and why a count and a maximum are not enough, is
 * in docs/attack-paths.md).  Writers only insert: no row is updated, so
 * writers do not wait for each other.
 *
 * A tenant is "logged" once it has a row: the first edge of a tenant (or
 * ctem.graph_compact) writes one; until then changes of its assets and
 * exposures write none (its graph is read anew on every call), so tenants
 * that do not use attack paths pay almost nothing.  The step from unlogged
 * to logged waits for the transactions that skipped a row meanwhile (a
 * per-tenant advisory lock, shared by those writers, exclusive for the
 * first row; docs/attack-paths.md).
 *
 * The data is bookkeeping, not the user's: it is not dumped
 * (pg_extension_config_dump), and a restored database starts without rows
 * (its graphs are read anew until the next edge change or ctem.graph_compact).
 * Never delete rows yourself: ctem.graph_compact removes the ones that are no
 * longer needed.
 */
CREATE TABLE ctem.graph_change (
	tenant_id		integer NOT NULL DEFAULT 1,
	seq				bigint NOT NULL,
	CONSTRAINT graph_change_pkey PRIMARY KEY (tenant_id, seq)
);
CREATE SEQUENCE ctem.graph_change_seq OWNED BY ctem.graph_change.seq;
ALTER TABLE ctem.graph_change ALTER COLUMN seq SET DEFAULT pg_catalog.nextval('ctem.graph_change_seq');
COMMENT ON TABLE ctem.graph_change IS
	'Change log of the attack graph, insert-only: one row per statement and tenant whose edges, entry points, crown jewels or open exposures changed; a backend''s cached graph of a tenant is current while its snapshot sees the same rows of that tenant (docs/attack-paths.md). Written by ctem''s triggers, compacted by ctem.graph_compact, not dumped.';
COMMENT ON COLUMN ctem.graph_change.tenant_id IS 'Tenant whose graph changed';
COMMENT ON COLUMN ctem.graph_change.seq IS 'A number never used before (ctem.graph_change_seq): tells one change from every other';
COMMENT ON CONSTRAINT graph_change_pkey ON ctem.graph_change IS
	'Tenant first, as in every key of a tenant table; a backend reads its tenant''s numbers in this order';
COMMENT ON SEQUENCE ctem.graph_change_seq IS 'Numbers of ctem.graph_change rows; never reset it (a number used twice could make a stale cached graph look current)';

CREATE FUNCTION ctem.graph_change_note()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_graph_change_note'
LANGUAGE C;
COMMENT ON FUNCTION ctem.graph_change_note() IS
	'Statement trigger of ctem.asset_edge, ctem.asset and ctem.exposure: writes a ctem.graph_change row for each tenant whose graph inputs the statement changed, read from its transition tables (for ctem.asset only rows whose internet_facing, crown_jewel or entry_point tag changed), or before a TRUNCATE for each tenant with rows; argument ''edge'': always, else only for tenants already logged';

CREATE FUNCTION ctem.graph_change_flush()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_graph_change_flush'
LANGUAGE C;
COMMENT ON FUNCTION ctem.graph_change_flush() IS
	'AFTER INSERT OR UPDATE statement trigger of ctem.exposure: writes a ctem.graph_change row for each logged tenant whose exposures the statement''s rows changed, as the row trigger exposure_before_row noted them (inserted rows; updated rows whose tenant, asset, status or likelihood inputs changed); no transition table, so a COPY pays one comparison a row';

CREATE FUNCTION ctem.graph_compact(tenant_id integer DEFAULT 1)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ctem_graph_compact'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.graph_compact(integer) IS
	'Compacts the graph change log of a tenant: inserts a fresh ctem.graph_change row and deletes the older ones the transaction sees, in one transaction; returns the number deleted. Run it now and then (e.g. nightly) on busy tenants; on a tenant without rows it starts logging (after a restore). As the extension''s owner; EXECUTE is not granted to PUBLIC.';

-- the edge's own change triggers: every change of an edge is a graph change
CREATE TRIGGER asset_edge_graph_change_ins AFTER INSERT ON ctem.asset_edge
	REFERENCING NEW TABLE AS new_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note('edge');
COMMENT ON TRIGGER asset_edge_graph_change_ins ON ctem.asset_edge IS
	'Logs a graph change for each tenant that got edges (ctem.graph_change_note)';
CREATE TRIGGER asset_edge_graph_change_upd AFTER UPDATE ON ctem.asset_edge
	REFERENCING OLD TABLE AS old_edges NEW TABLE AS new_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note('edge');
COMMENT ON TRIGGER asset_edge_graph_change_upd ON ctem.asset_edge IS
	'Logs a graph change for each tenant whose edges changed (ctem.graph_change_note)';
CREATE TRIGGER asset_edge_graph_change_del AFTER DELETE ON ctem.asset_edge
	REFERENCING OLD TABLE AS old_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note('edge');
COMMENT ON TRIGGER asset_edge_graph_change_del ON ctem.asset_edge IS
	'Logs a graph change for each tenant that lost edges (ctem.graph_change_note)';
CREATE TRIGGER asset_edge_graph_change_truncate BEFORE TRUNCATE ON ctem.asset_edge
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note('edge');
COMMENT ON TRIGGER asset_edge_graph_change_truncate ON ctem.asset_edge IS
	'Logs a graph change for each tenant that has edges, before they go (ctem.graph_change_note)';

/*
 * What the graph adds to ctem.asset and ctem.exposure, tables older than the
 * graph: the column the score reads and the triggers.  Created by a function,
 * so that an upgrade can leave them to the operator on a distributed install
 * (an upgrade script must not alter a distributed tenant table;
 * docs/attack-paths.md, "Upgrading"), and the fresh install and the upgrade
 * create the same objects.  Idempotent: run it again at will.
 */
CREATE FUNCTION ctem.graph_install()
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- reachability feeds the score (src/validate/path_refresh.c)
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
				   WHERE attrelid OPERATOR(pg_catalog.=) 'ctem.asset'::pg_catalog.regclass
					 AND attname OPERATOR(pg_catalog.=) 'attack_path_probability'
					 AND NOT attisdropped) THEN
		ALTER TABLE ctem.asset ADD COLUMN attack_path_probability double precision
			CONSTRAINT asset_attack_path_probability_range
			CHECK (attack_path_probability OPERATOR(pg_catalog.>) 0
				   AND attack_path_probability OPERATOR(pg_catalog.<=) 1);
		COMMENT ON COLUMN ctem.asset.attack_path_probability IS
			'Kept by ctem, do not write it: the probability of the most likely attack path from an entry point through the asset to a crown jewel, of at most the active policy''s path_max_hops edges; NULL when the asset is on no such path or its tenant has no attack graph. The score''s X reads it (docs/scoring.md); recomputed after every statement that changes the tenant''s graph (edges, entry points, crown jewels, open exposures), and by ctem.attack_path_refresh';
		COMMENT ON CONSTRAINT asset_attack_path_probability_range ON ctem.asset IS
			'attack_path_probability is a probability in (0, 1], or NULL';
	END IF;
	-- the edges follow their assets
	CREATE OR REPLACE TRIGGER asset_edges_delete AFTER DELETE ON ctem.asset
		REFERENCING OLD TABLE AS old_assets
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_edge_reference();
	COMMENT ON TRIGGER asset_edges_delete ON ctem.asset IS
		'Deletes the edges of deleted assets (ON DELETE CASCADE of the edge -> asset references)';
	CREATE OR REPLACE TRIGGER asset_edges_key AFTER UPDATE OF tenant_id, id ON ctem.asset
		FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
		EXECUTE FUNCTION ctem.asset_edge_reference();
	COMMENT ON TRIGGER asset_edges_key ON ctem.asset IS
		'Refuses to change the tenant_id or id of an asset that edges reference';
	CREATE OR REPLACE TRIGGER asset_edges_truncate AFTER TRUNCATE ON ctem.asset
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_edge_reference();
	COMMENT ON TRIGGER asset_edges_truncate ON ctem.asset IS
		'Refuses TRUNCATE of ctem.asset while ctem.asset_edge has rows (truncate both together)';
	-- entry points and crown jewels are nodes of the graph
	CREATE OR REPLACE TRIGGER asset_graph_change_ins AFTER INSERT ON ctem.asset
		REFERENCING NEW TABLE AS new_assets
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note();
	COMMENT ON TRIGGER asset_graph_change_ins ON ctem.asset IS
		'Logs a graph change for each logged tenant that got assets (ctem.graph_change_note)';
	CREATE OR REPLACE TRIGGER asset_graph_change_upd AFTER UPDATE ON ctem.asset
		REFERENCING OLD TABLE AS old_assets NEW TABLE AS new_assets
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note();
	COMMENT ON TRIGGER asset_graph_change_upd ON ctem.asset IS
		'Logs a graph change for each logged tenant whose assets became or stopped being entry points or crown jewels (ctem.graph_change_note)';
	CREATE OR REPLACE TRIGGER asset_graph_change_del AFTER DELETE ON ctem.asset
		REFERENCING OLD TABLE AS old_assets
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note();
	COMMENT ON TRIGGER asset_graph_change_del ON ctem.asset IS
		'Logs a graph change for each logged tenant that lost assets (ctem.graph_change_note)';
	CREATE OR REPLACE TRIGGER asset_graph_change_truncate BEFORE TRUNCATE ON ctem.asset
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note();
	COMMENT ON TRIGGER asset_graph_change_truncate ON ctem.asset IS
		'Logs a graph change for each logged tenant that has assets, before they go (ctem.graph_change_note)';
	-- open exposures make steps exploitable
	CREATE OR REPLACE TRIGGER exposure_graph_change AFTER INSERT OR UPDATE ON ctem.exposure
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_flush();
	COMMENT ON TRIGGER exposure_graph_change ON ctem.exposure IS
		'Logs a graph change for each logged tenant whose exposures the row trigger exposure_before_row noted as changed (ctem.graph_change_flush)';
	CREATE OR REPLACE TRIGGER exposure_graph_change_del AFTER DELETE ON ctem.exposure
		REFERENCING OLD TABLE AS old_exposures
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note();
	COMMENT ON TRIGGER exposure_graph_change_del ON ctem.exposure IS
		'Logs a graph change for each logged tenant that lost exposures (ctem.graph_change_note)';
	CREATE OR REPLACE TRIGGER exposure_graph_change_truncate BEFORE TRUNCATE ON ctem.exposure
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.graph_change_note();
	COMMENT ON TRIGGER exposure_graph_change_truncate ON ctem.exposure IS
		'Logs a graph change for each logged tenant that has exposures, before they go (ctem.graph_change_note)';
	RETURN 10;
END
$$;
COMMENT ON FUNCTION ctem.graph_install() IS
	'Adds what the attack graph needs to ctem.asset and ctem.exposure: the column ctem.asset.attack_path_probability (when missing) and the 10 triggers (created or replaced: edges follow their assets, and changes of entry points, crown jewels and exposures are logged in ctem.graph_change); returns the number of triggers. Run by CREATE EXTENSION and by the upgrade to 0.6.0; on a distributed install the upgrade leaves it to the operator (docs/attack-paths.md). EXECUTE is not granted to PUBLIC.';
-- Rule 17 of SCALE_OUT.md: an upgrade script does not alter the tenant
-- tables of a distributed install (Citus forwards the whole script); there
-- the operator runs ctem.graph_install() after the upgrade.
DO $$
DECLARE
	distributed boolean := false;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p '
				'WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''ctem.exposure''::pg_catalog.regclass)'
			INTO distributed;
	END IF;
	IF distributed THEN
		RAISE NOTICE 'ctem 0.6.0: ctem.exposure is distributed, so this upgrade does not add the attack graph''s column and triggers to ctem.asset and ctem.exposure'
			USING HINT = 'After ALTER EXTENSION ctem UPDATE, run SELECT ctem.graph_install(); on the coordinator (docs/attack-paths.md, "Upgrading"). Until then scoring and edge changes fail (ctem.asset.attack_path_probability is missing), deleting an asset does not delete its edges, and asset and exposure changes do not refresh cached attack graphs.';
	ELSE
		PERFORM ctem.graph_install();
	END IF;
END
$$;

/* ------------------------------------------------------------------------
 * The attack-path functions (src/validate/graph_sql.c over the cached graph
 * of src/validate/graph.c and the engine src/core/graph/graph_core.c)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.attack_paths(target bigint DEFAULT NULL, k integer DEFAULT 1,
								  max_hops integer DEFAULT 12, tenant_id integer DEFAULT 1)
RETURNS TABLE (target bigint, rank integer, probability double precision, hops integer,
			   path bigint[], edges bigint[])
AS 'MODULE_PATHNAME', 'ctem_attack_paths'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION ctem.attack_paths(bigint, integer, integer, integer) IS
	'For each crown jewel (or the one target given), the k most likely loopless attack paths (k 1 to 100) from any entry point, of at most max_hops edges (1 to 64): rank 1 the most likely; probability the product of the step probabilities; path the asset ids from the entry point to the target, edges the ctem.asset_edge ids along it. An unreachable jewel gives no row; a jewel that is an entry point has a path of 0 hops.';

CREATE FUNCTION ctem.attack_path_through(asset bigint, max_hops integer DEFAULT NULL,
										 tenant_id integer DEFAULT 1)
RETURNS TABLE (probability double precision, hops integer, entry_asset_id bigint,
			   jewel_asset_id bigint, path bigint[], edges bigint[])
AS 'MODULE_PATHNAME', 'ctem_attack_path_through'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION ctem.attack_path_through(bigint, integer, integer) IS
	'The most likely attack path from an entry point through the asset to a crown jewel, of at most max_hops edges (1 to 64; NULL: the active policy''s path_max_hops, as ctem.asset.attack_path_probability uses): its probability, hops, first and last asset, the asset ids in order and the edge ids along it; no row when there is none. What ctem.explain shows as attack_path';

CREATE FUNCTION ctem.attack_path_refresh(tenant_id integer DEFAULT 1)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_attack_path_refresh'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.attack_path_refresh(integer) IS
	'Recomputes ctem.asset.attack_path_probability of every asset of the tenant from its attack graph now, writes the values that changed (which re-scores their exposures) and returns how many changed. ctem''s triggers do this after every graph change; run it after a TRUNCATE of ctem.exposure, after a restore, or when two transactions changed the same tenant''s graph at once (docs/attack-paths.md). As the extension''s owner; EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.blast_radius(asset bigint, max_hops integer DEFAULT 6, tenant_id integer DEFAULT 1)
RETURNS TABLE (asset_id bigint, hops integer, probability double precision)
AS 'MODULE_PATHNAME', 'ctem_blast_radius'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION ctem.blast_radius(bigint, integer, integer) IS
	'What an attacker holding the asset reaches within max_hops edges (1 to 64): each asset with the hops and probability of the most likely path to it within the limit; the asset itself at hops 0, probability 1';

CREATE FUNCTION ctem.reachable_assets(max_hops integer DEFAULT 12, tenant_id integer DEFAULT 1)
RETURNS TABLE (asset_id bigint, probability double precision, hops integer, entry_asset_id bigint)
AS 'MODULE_PATHNAME', 'ctem_reachable_assets'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION ctem.reachable_assets(integer, integer) IS
	'Every asset an attacker starting from any entry point reaches within max_hops edges (1 to 64), entry points included (hops 0, probability 1), with the probability and hops of the most likely way in and the entry point it starts from';

CREATE FUNCTION ctem.chokepoints(top integer DEFAULT 20, tenant_id integer DEFAULT 1)
RETURNS TABLE (asset_id bigint, entries_reaching integer, jewels_reached integer,
			   risk_reduction double precision, exposure_ids bigint[])
AS 'MODULE_PATHNAME', 'ctem_chokepoints'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 20;
COMMENT ON FUNCTION ctem.chokepoints(integer, integer) IS
	'The top assets (at most top, 1 or more) whose fix removes the most crown-jewel path risk (the sum over jewels of the best path probability, paths of at most the policy''s path_max_hops): risk_reduction computed exactly for the best candidates (ranked first by entry points reaching them x jewels they reach), with the open exposures to fix (docs/attack-paths.md)';

CREATE FUNCTION ctem.simulate_fix(exposure_ids bigint[], tenant_id integer DEFAULT 1)
RETURNS TABLE (target bigint, probability_before double precision, probability_after double precision,
			   entries_before integer, entries_after integer)
AS 'MODULE_PATHNAME', 'ctem_simulate_fix'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION ctem.simulate_fix(bigint[], integer) IS
	'What fixing the given exposures would do to each crown jewel: the probability of its most likely attack path and the number of entry points that reach it, before and after (paths of at most the policy''s path_max_hops), computed on the cached graph; nothing is written';

CREATE FUNCTION ctem.fix_plan(budget integer DEFAULT 10, tenant_id integer DEFAULT 1)
RETURNS TABLE (step integer, exposure_id bigint, asset_id bigint, risk_after double precision)
AS 'MODULE_PATHNAME', 'ctem_fix_plan'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 10;
COMMENT ON FUNCTION ctem.fix_plan(integer, integer) IS
	'A greedy plan of at most budget fixes (1 or more): each step the exposure whose fix lowers the crown-jewel path risk most given the steps before it, with the path risk left after it; stops early when no fix lowers it';

CREATE FUNCTION ctem.attack_graph_dot(target bigint DEFAULT NULL, k integer DEFAULT 3,
									  tenant_id integer DEFAULT 1)
RETURNS text
AS 'MODULE_PATHNAME', 'ctem_attack_graph_dot'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION ctem.attack_graph_dot(bigint, integer, integer) IS
	'Graphviz DOT of the k most likely attack paths (k 1 to 100, paths of at most the policy''s path_max_hops) to each crown jewel, or to the one target: entry points and crown jewels drawn apart, assets labelled with natural key and kind, each step with its probability and why (edge kind and probability; for a step that needs an exploit, the target''s exploitability and its likeliest exposures); render with: dot -Tsvg';

/* ------------------------------------------------------------------------
 * Restores (20_store.sql; the trigger of every dumped table, with the table
 * in 20_store.sql, 30_discovery.sql, 40_prioritization.sql and
 * 50_validation.sql): a superuser's restore, parallel or not, stores the
 * dumped rows as they are
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.restoring()
RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_restoring'
LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.restoring() IS
	'Whether this session restores a dump as a superuser: it has the settings pg_dump and pg_restore give a restore (search_path empty, check_function_bodies off, client_min_messages warning) and its role is a superuser';

CREATE FUNCTION ctem.restore_statement()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_restore_statement'
LANGUAGE C;
COMMENT ON FUNCTION ctem.restore_statement() IS
	'BEFORE INSERT statement trigger of every dumped ctem table: when ctem.restoring(), sets session_replication_role to replica for the rest of the transaction, so that the dumped rows are stored as they are; with the settings of a restore but a role that is not a superuser, refuses the statement';
REVOKE EXECUTE ON FUNCTION ctem.restore_statement() FROM PUBLIC;

CREATE TRIGGER asset_edge_restore
	BEFORE INSERT ON ctem.asset_edge
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER asset_edge_restore ON ctem.asset_edge IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

-- Rule 17 of SCALE_OUT.md: not on the tables of an install that
-- distributed them (restore such a database with
-- PGOPTIONS='-c session_replication_role=replica', as before)
DO $$
DECLARE
	distributed boolean := false;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p '
				'WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''ctem.exposure''::pg_catalog.regclass)'
			INTO distributed;
	END IF;
	IF distributed THEN
		RAISE NOTICE 'ctem 0.6.0: ctem.exposure is distributed, so this upgrade does not create the restore triggers of the 0.5.0 tables'
			USING HINT = 'Restore a dump of this database with PGOPTIONS=''-c session_replication_role=replica'' (docs/architecture.md, "Backup and restore").';
	ELSE
		CREATE TRIGGER asset_restore
			BEFORE INSERT ON ctem.asset
			FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
		COMMENT ON TRIGGER asset_restore ON ctem.asset IS
			'A restore stores the dumped rows as they are (ctem.restore_statement)';
		CREATE TRIGGER exposure_restore
			BEFORE INSERT ON ctem.exposure
			FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
		COMMENT ON TRIGGER exposure_restore ON ctem.exposure IS
			'A restore stores the dumped rows as they are (ctem.restore_statement)';
		CREATE TRIGGER vuln_intel_restore
			BEFORE INSERT ON ctem.vuln_intel
			FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
		COMMENT ON TRIGGER vuln_intel_restore ON ctem.vuln_intel IS
			'A restore stores the dumped rows as they are (ctem.restore_statement)';
		CREATE TRIGGER exposure_event_restore
			BEFORE INSERT ON ctem.exposure_event
			FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
		COMMENT ON TRIGGER exposure_event_restore ON ctem.exposure_event IS
			'A restore stores the dumped rows as they are (ctem.restore_statement)';
		CREATE TRIGGER policy_restore
			BEFORE INSERT ON ctem.policy
			FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
		COMMENT ON TRIGGER policy_restore ON ctem.policy IS
			'A restore stores the dumped rows as they are (ctem.restore_statement)';
		CREATE TRIGGER control_restore
			BEFORE INSERT ON ctem.control
			FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
		COMMENT ON TRIGGER control_restore ON ctem.control IS
			'A restore stores the dumped rows as they are (ctem.restore_statement)';
		CREATE TRIGGER validation_result_restore
			BEFORE INSERT ON ctem.validation_result
			FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
		COMMENT ON TRIGGER validation_result_restore ON ctem.validation_result IS
			'A restore stores the dumped rows as they are (ctem.restore_statement)';
	END IF;
END
$$;

/* ------------------------------------------------------------------------
 * The scoring context lock; only the active policy re-scores (issue 24,
 * defects 3 to 5; 40_prioritization.sql)
 * ------------------------------------------------------------------------ */

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
CREATE OR REPLACE FUNCTION ctem.vuln_intel_rescore()
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

CREATE OR REPLACE FUNCTION ctem.control_rescore()
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

CREATE OR REPLACE FUNCTION ctem.policy_rescore()
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
DROP TRIGGER policy_rescore ON ctem.policy;
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

REVOKE EXECUTE ON FUNCTION ctem.context_lock(), ctem.exposure_context_lock() FROM PUBLIC;

-- Rule 17 of SCALE_OUT.md: not on ctem.exposure where it is distributed
DO $$
DECLARE
	distributed boolean := false;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p '
				'WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''ctem.exposure''::pg_catalog.regclass)'
			INTO distributed;
	END IF;
	IF distributed THEN
		RAISE NOTICE 'ctem 0.6.0: ctem.exposure is distributed, so this upgrade does not create its trigger exposure_context_lock'
			USING HINT = 'After ALTER EXTENSION ctem UPDATE, create it on the coordinator as docs/architecture.md ("Locks") shows. Until then a context change committed while exposures are written may leave their scores stale.';
	ELSE
		CREATE TRIGGER exposure_context_lock
			BEFORE INSERT OR UPDATE ON ctem.exposure
			FOR EACH STATEMENT EXECUTE FUNCTION ctem.exposure_context_lock();
		COMMENT ON TRIGGER exposure_context_lock ON ctem.exposure IS
			'Exposure writers hold the scoring context lock shared (ctem.exposure_context_lock)';
	END IF;
END
$$;

/* ------------------------------------------------------------------------
 * Scoping, teams and routing (60_scoping.sql, 65_teams.sql): the tables,
 * functions and triggers of a fresh install; what they add to the older
 * tenant tables comes from ctem.scope_install(), run here only when the
 * install is not distributed
 * ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------
 * The filter language (C)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.scope_filter_valid(filter jsonb, routing boolean DEFAULT false)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_scope_filter_valid'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.scope_filter_valid(jsonb, boolean) IS
	'true when filter is a valid scope filter (routing: a valid routing rule match, which may also name exposure_kinds, rule_pattern and min_severity); otherwise an error (22023) naming the member at fault, with its JSON path in the detail';

CREATE FUNCTION ctem.filter_matches(filter jsonb, kind ctem.asset_kind, natural_key text,
									environment text, business_service text, owner text,
									criticality smallint, internet_facing boolean,
									crown_jewel boolean, tags text[],
									reachable boolean DEFAULT NULL,
									exposure_kind ctem.exposure_kind DEFAULT NULL,
									rule_id text DEFAULT NULL,
									severity ctem.severity DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_filter_matches'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.filter_matches(jsonb, ctem.asset_kind, text, text, text, text, smallint, boolean, boolean, text[], boolean, ctem.exposure_kind, text, ctem.severity) IS
	'Whether an asset (and, for a routing match, an exposure on it) with these fields satisfies filter: every member must hold; a member on a NULL field does not hold; reachable is whether the asset is reachable from an entry point (only read by reachable_from_entry). NULL when filter is NULL';

CREATE FUNCTION ctem.filter_uses_reachability(filter jsonb)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_filter_uses_reachability'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.filter_uses_reachability(jsonb) IS
	'Whether the filter (or routing match) has a reachable_from_entry member anywhere, so that evaluating it needs the tenant''s attack graph';

/* ------------------------------------------------------------------------
 * ctem.scope
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.scope (
	tenant_id		integer NOT NULL DEFAULT 1,
	name			text NOT NULL,
	description		text,
	filter			jsonb NOT NULL DEFAULT '{}',
	active			boolean NOT NULL DEFAULT true,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	updated_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT scope_pkey PRIMARY KEY (tenant_id, name),
	CONSTRAINT scope_name_not_empty CHECK (pg_catalog.btrim(name) OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT scope_filter_valid CHECK (ctem.scope_filter_valid(filter, false)),
	CONSTRAINT scope_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.scope IS
	'Named scopes ("the external attack surface", "the payments service"): a filter over the tenant''s assets, evaluated whenever asked (ctem.scope_assets, ctem.in_scope), with the membership of active scopes kept in ctem.scope_member and its history in ctem.scope_membership_event';
COMMENT ON COLUMN ctem.scope.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use';
COMMENT ON COLUMN ctem.scope.name IS 'Name of the scope, unique within the tenant';
COMMENT ON COLUMN ctem.scope.description IS 'What the scope is for';
COMMENT ON COLUMN ctem.scope.filter IS
	'Which assets are in scope: a JSON object whose members all hold (asset_kinds, environments, business_services, owners, tags_any, tags_all, internet_facing, crown_jewel, min_criticality, key_pattern, reachable_from_entry, any_of, not; docs/scoping.md); validated on write';
COMMENT ON COLUMN ctem.scope.active IS 'Whether the membership history follows the scope; an inactive scope has no members (ctem.scope_assets still evaluates it)';
COMMENT ON COLUMN ctem.scope.created_at IS 'When the scope was created';
COMMENT ON COLUMN ctem.scope.updated_at IS 'When the scope last changed (set by the trigger scope_touch)';
COMMENT ON CONSTRAINT scope_pkey ON ctem.scope IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT scope_name_not_empty ON ctem.scope IS 'A scope name is not blank';
COMMENT ON CONSTRAINT scope_filter_valid ON ctem.scope IS
	'The filter is valid (ctem.scope_filter_valid): an unknown member or a value of the wrong type is an error naming the member';
COMMENT ON CONSTRAINT scope_tenant_positive ON ctem.scope IS 'Tenant ids are positive';

/* ------------------------------------------------------------------------
 * Membership: the current members and the history
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.scope_member (
	tenant_id		integer NOT NULL DEFAULT 1,
	scope			text NOT NULL,
	asset_id		bigint NOT NULL,
	since			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT scope_member_pkey PRIMARY KEY (tenant_id, scope, asset_id)
);
COMMENT ON TABLE ctem.scope_member IS
	'The assets in each active scope now, kept by ctem''s triggers (do not write it): the state ctem.scope_membership_event records the changes of';
COMMENT ON COLUMN ctem.scope_member.tenant_id IS 'Tenant of the scope and the asset';
COMMENT ON COLUMN ctem.scope_member.scope IS 'The scope (ctem.scope.name)';
COMMENT ON COLUMN ctem.scope_member.asset_id IS 'The asset (ctem.asset.id)';
COMMENT ON COLUMN ctem.scope_member.since IS 'When the asset entered the scope';
COMMENT ON CONSTRAINT scope_member_pkey ON ctem.scope_member IS
	'An asset is in a scope once; tenant first';
CREATE INDEX scope_member_asset_idx ON ctem.scope_member (tenant_id, asset_id);
COMMENT ON INDEX ctem.scope_member_asset_idx IS 'The scopes an asset is in (what an asset change re-evaluates)';

CREATE TABLE ctem.scope_membership_event (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	scope			text NOT NULL,
	asset_id		bigint NOT NULL,
	event			text NOT NULL,
	at				timestamptz NOT NULL DEFAULT pg_catalog.now(),
	reason			text,
	CONSTRAINT scope_membership_event_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT scope_membership_event_kind CHECK (event IN ('entered', 'left'))
);
COMMENT ON TABLE ctem.scope_membership_event IS
	'History of scope membership: an asset entered or left an active scope, when and why (the asset changed, the filter changed, the scope was activated, deactivated or deleted, the attack graph changed); written by ctem''s triggers. ctem.scope_assets_at reads it back';
COMMENT ON COLUMN ctem.scope_membership_event.tenant_id IS 'Tenant of the scope and the asset';
COMMENT ON COLUMN ctem.scope_membership_event.id IS 'Event id, increasing';
COMMENT ON COLUMN ctem.scope_membership_event.scope IS 'The scope''s name at the time';
COMMENT ON COLUMN ctem.scope_membership_event.asset_id IS 'The asset (it may have been deleted since)';
COMMENT ON COLUMN ctem.scope_membership_event.event IS 'entered or left';
COMMENT ON COLUMN ctem.scope_membership_event.at IS 'When (transaction start time)';
COMMENT ON COLUMN ctem.scope_membership_event.reason IS
	'Why: asset inserted, asset updated, asset deleted, scope created, filter changed, scope activated, scope deactivated, scope deleted, scope renamed, attack graph changed or refresh';
COMMENT ON CONSTRAINT scope_membership_event_pkey ON ctem.scope_membership_event IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT scope_membership_event_kind ON ctem.scope_membership_event IS 'event is entered or left';
COMMENT ON SEQUENCE ctem.scope_membership_event_id_seq IS 'Identity sequence of ctem.scope_membership_event.id';
CREATE INDEX scope_membership_event_scope_idx ON ctem.scope_membership_event (tenant_id, scope, at);
COMMENT ON INDEX ctem.scope_membership_event_scope_idx IS 'The history of a scope in time order (ctem.scope_assets_at)';

SELECT pg_catalog.pg_extension_config_dump('ctem.scope', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.scope_member', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.scope_membership_event', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.scope_membership_event_id_seq', '');
CREATE TRIGGER scope_restore
	BEFORE INSERT ON ctem.scope
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER scope_restore ON ctem.scope IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';
CREATE TRIGGER scope_member_restore
	BEFORE INSERT ON ctem.scope_member
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER scope_member_restore ON ctem.scope_member IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';
CREATE TRIGGER scope_membership_event_restore
	BEFORE INSERT ON ctem.scope_membership_event
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER scope_membership_event_restore ON ctem.scope_membership_event IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

/* ------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------ */

-- reachable_from_entry: the assets an attacker reaches from any entry point
-- within the active policy's path_max_hops (ctem.reachable_assets), read
-- once per statement and tenant, and only for filters that ask
CREATE FUNCTION ctem.scope_reachable(tenant_id integer DEFAULT 1)
RETURNS bigint[]
LANGUAGE plpgsql STABLE STRICT PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN ARRAY(SELECT r.asset_id FROM ctem.reachable_assets(
		COALESCE((SELECT p.path_max_hops FROM ctem.policy p WHERE p.active), 12),
		scope_reachable.tenant_id) r ORDER BY r.asset_id);
END
$$;
COMMENT ON FUNCTION ctem.scope_reachable(integer) IS
	'The ids of the tenant''s assets reachable from an entry point within the active policy''s path_max_hops edges (ctem.reachable_assets), sorted: what reachable_from_entry reads';

CREATE FUNCTION ctem.scope_filter_of(scope text, tenant_id integer)
RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f jsonb;
BEGIN
	PERFORM ctem.tenant_check(scope_filter_of.tenant_id);
	SELECT s.filter INTO f FROM ctem.scope s
	WHERE s.tenant_id OPERATOR(pg_catalog.=) scope_filter_of.tenant_id
	  AND s.name OPERATOR(pg_catalog.=) scope_filter_of.scope;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'scope "%" does not exist', scope
			USING ERRCODE = 'undefined_object',
				  DETAIL = format('Tenant %s has no scope of that name.', tenant_id),
				  HINT = 'List the scopes with SELECT name FROM ctem.scope.';
	END IF;
	RETURN f;
END
$$;
COMMENT ON FUNCTION ctem.scope_filter_of(text, integer) IS
	'The filter of the tenant''s scope; an error (42704) when there is no such scope';

-- the whole-row argument is the API the issue names; SCALE_OUT rule 15:
-- on a distributed install call it on the coordinator, or use
-- ctem.scope_assets (docs/scoping.md)
CREATE FUNCTION ctem.in_scope(a ctem.asset, scope text)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f jsonb;
BEGIN
	IF a IS NULL OR scope IS NULL THEN
		RETURN NULL;
	END IF;
	f := ctem.scope_filter_of(scope, a.tenant_id);
	RETURN ctem.filter_matches(f, a.kind, a.natural_key, a.environment, a.business_service,
		a.owner, a.criticality, a.internet_facing, a.crown_jewel, a.tags,
		CASE WHEN ctem.filter_uses_reachability(f)
			 THEN a.id OPERATOR(pg_catalog.=) ANY (ctem.scope_reachable(a.tenant_id)) END);
END
$$;
COMMENT ON FUNCTION ctem.in_scope(ctem.asset, text) IS
	'Whether the asset is in the scope of its tenant (its filter evaluated now, active or not); an error when the scope does not exist';

CREATE FUNCTION ctem.scope_assets(scope text, tenant_id integer DEFAULT 1)
RETURNS SETOF ctem.asset
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f jsonb := ctem.scope_filter_of(scope, tenant_id);
	reach bigint[];
BEGIN
	IF ctem.filter_uses_reachability(f) THEN
		reach := ctem.scope_reachable(tenant_id);
	END IF;
	RETURN QUERY
		SELECT a.* FROM ctem.asset a
		WHERE a.tenant_id OPERATOR(pg_catalog.=) scope_assets.tenant_id
		  AND ctem.filter_matches(f, a.kind, a.natural_key, a.environment, a.business_service,
				a.owner, a.criticality, a.internet_facing, a.crown_jewel, a.tags,
				a.id OPERATOR(pg_catalog.=) ANY (reach))
		ORDER BY a.id;
END
$$;
COMMENT ON FUNCTION ctem.scope_assets(text, integer) IS
	'The tenant''s assets in the scope now (its filter evaluated over every asset, active or not), by id; an error when the scope does not exist';

CREATE FUNCTION ctem.scope_exposures(scope text, tenant_id integer DEFAULT 1)
RETURNS SETOF ctem.exposure
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 1000
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ids bigint[] := ARRAY(SELECT a.id FROM ctem.scope_assets(scope, tenant_id) a);
BEGIN
	RETURN QUERY
		SELECT e.* FROM ctem.exposure e
		WHERE e.tenant_id OPERATOR(pg_catalog.=) scope_exposures.tenant_id
		  AND e.asset_id OPERATOR(pg_catalog.=) ANY (ids)
		ORDER BY e.id;
END
$$;
COMMENT ON FUNCTION ctem.scope_exposures(text, integer) IS
	'The exposures (any status) on the assets in the scope now, by id; filter on status for the open ones';

CREATE FUNCTION ctem.scope_assets_at(scope text, at timestamptz, tenant_id integer DEFAULT 1)
RETURNS TABLE (asset_id bigint, entered_at timestamptz)
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 100
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM ctem.tenant_check(scope_assets_at.tenant_id);
	RETURN QUERY
		SELECT h.asset_id, h.at FROM (
			SELECT DISTINCT ON (ev.asset_id) ev.asset_id, ev.event, ev.at
			FROM ctem.scope_membership_event ev
			WHERE ev.tenant_id OPERATOR(pg_catalog.=) scope_assets_at.tenant_id
			  AND ev.scope OPERATOR(pg_catalog.=) scope_assets_at.scope
			  AND ev.at OPERATOR(pg_catalog.<=) scope_assets_at.at
			ORDER BY ev.asset_id, ev.id DESC) h
		WHERE h.event OPERATOR(pg_catalog.=) 'entered'
		ORDER BY h.asset_id;
END
$$;
COMMENT ON FUNCTION ctem.scope_assets_at(text, timestamptz, integer) IS
	'The assets that were in the (active) scope at the given time, from ctem.scope_membership_event, with when they last entered: "what was in scope last quarter"';

/* ------------------------------------------------------------------------
 * Keeping membership current
 * ------------------------------------------------------------------------ */

/*
 * Set-based: the members the scopes' filters give now (of the given assets,
 * or of all the tenant's) against ctem.scope_member; the differences are
 * written as entered / left events.  Only active scopes have members; a
 * scope name that no longer exists loses its members.  As the owner: the
 * history is written for every change, whoever made it.
 */
CREATE FUNCTION ctem.scope_sync(tenant_id integer, scopes text[], asset_ids bigint[],
								reason text)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- plans for the asset ids given (NULL folds away and the indexes serve
-- "= ANY"), not a generic plan that scans every row against the array
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
	t integer := scope_sync.tenant_id;
	reach bigint[];
	want_s text[];
	want_a bigint[];
	in_s text[];
	in_a bigint[];
	out_s text[];
	out_a bigint[];
BEGIN
	IF EXISTS (SELECT 1 FROM ctem.scope s
			   WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.active
				 AND s.name OPERATOR(pg_catalog.=) ANY (scopes)
				 AND ctem.filter_uses_reachability(s.filter)) THEN
		reach := ctem.scope_reachable(t);
	END IF;
	SELECT pg_catalog.array_agg(s.name), pg_catalog.array_agg(a.id)
	INTO want_s, want_a
	FROM ctem.scope s, ctem.asset a
	WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.active
	  AND s.name OPERATOR(pg_catalog.=) ANY (scopes)
	  AND a.tenant_id OPERATOR(pg_catalog.=) t
	  AND (asset_ids IS NULL OR a.id OPERATOR(pg_catalog.=) ANY (asset_ids))
	  AND ctem.filter_matches(s.filter, a.kind, a.natural_key, a.environment,
			a.business_service, a.owner, a.criticality, a.internet_facing,
			a.crown_jewel, a.tags, a.id OPERATOR(pg_catalog.=) ANY (reach));
	SELECT pg_catalog.array_agg(w.scope ORDER BY w.scope, w.asset_id),
		   pg_catalog.array_agg(w.asset_id ORDER BY w.scope, w.asset_id)
	INTO in_s, in_a
	FROM (SELECT x.scope, x.asset_id FROM ROWS FROM (pg_catalog.unnest(want_s), pg_catalog.unnest(want_a)) AS x(scope, asset_id)
		  EXCEPT
		  SELECT m.scope, m.asset_id FROM ctem.scope_member m
		  WHERE m.tenant_id OPERATOR(pg_catalog.=) t
			AND m.scope OPERATOR(pg_catalog.=) ANY (scopes)
			AND (asset_ids IS NULL OR m.asset_id OPERATOR(pg_catalog.=) ANY (asset_ids))) w;
	SELECT pg_catalog.array_agg(w.scope ORDER BY w.scope, w.asset_id),
		   pg_catalog.array_agg(w.asset_id ORDER BY w.scope, w.asset_id)
	INTO out_s, out_a
	FROM (SELECT m.scope, m.asset_id FROM ctem.scope_member m
		  WHERE m.tenant_id OPERATOR(pg_catalog.=) t
			AND m.scope OPERATOR(pg_catalog.=) ANY (scopes)
			AND (asset_ids IS NULL OR m.asset_id OPERATOR(pg_catalog.=) ANY (asset_ids))
		  EXCEPT
		  SELECT x.scope, x.asset_id FROM ROWS FROM (pg_catalog.unnest(want_s), pg_catalog.unnest(want_a)) AS x(scope, asset_id)) w;
	IF out_s IS NOT NULL THEN
		DELETE FROM ctem.scope_member m
		USING ROWS FROM (pg_catalog.unnest(out_s), pg_catalog.unnest(out_a)) AS g(scope, asset_id)
		WHERE m.tenant_id OPERATOR(pg_catalog.=) t
		  AND m.scope OPERATOR(pg_catalog.=) g.scope
		  AND m.asset_id OPERATOR(pg_catalog.=) g.asset_id;
		INSERT INTO ctem.scope_membership_event (tenant_id, scope, asset_id, event, reason)
		SELECT t, g.scope, g.asset_id, 'left', reason
		FROM ROWS FROM (pg_catalog.unnest(out_s), pg_catalog.unnest(out_a)) AS g(scope, asset_id);
	END IF;
	IF in_s IS NOT NULL THEN
		INSERT INTO ctem.scope_member (tenant_id, scope, asset_id)
		SELECT t, g.scope, g.asset_id
		FROM ROWS FROM (pg_catalog.unnest(in_s), pg_catalog.unnest(in_a)) AS g(scope, asset_id);
		INSERT INTO ctem.scope_membership_event (tenant_id, scope, asset_id, event, reason)
		SELECT t, g.scope, g.asset_id, 'entered', reason
		FROM ROWS FROM (pg_catalog.unnest(in_s), pg_catalog.unnest(in_a)) AS g(scope, asset_id);
	END IF;
	RETURN COALESCE(pg_catalog.cardinality(in_s), 0) + COALESCE(pg_catalog.cardinality(out_s), 0);
END
$$;
COMMENT ON FUNCTION ctem.scope_sync(integer, text[], bigint[], text) IS
	'Brings ctem.scope_member up to date for the named scopes of the tenant and the given assets (NULL: all of them), writing an entered or left event with the reason for each difference; returns the number of events. Used by the triggers; EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.scope_refresh(scope text DEFAULT NULL, tenant_id integer DEFAULT 1)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM ctem.tenant_check(scope_refresh.tenant_id);
	RETURN ctem.scope_sync(scope_refresh.tenant_id,
		CASE WHEN scope_refresh.scope IS NULL
			 THEN ARRAY(SELECT s.name FROM ctem.scope s
						WHERE s.tenant_id OPERATOR(pg_catalog.=) scope_refresh.tenant_id)
			 ELSE ARRAY[scope_refresh.scope] END,
		NULL, 'refresh');
END
$$;
COMMENT ON FUNCTION ctem.scope_refresh(text, integer) IS
	'Re-evaluates the membership of one scope (NULL: every scope of the tenant) over all its assets now and records the differences (reason refresh); returns the number of events. Triggers do this on every change of scopes, assets and the attack graph; run it after a restore or a TRUNCATE. EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.scope_touch()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	NEW.updated_at := pg_catalog.now();
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION ctem.scope_touch() IS
	'BEFORE UPDATE row trigger of ctem.scope: sets updated_at';
CREATE TRIGGER scope_touch
	BEFORE UPDATE ON ctem.scope
	FOR EACH ROW EXECUTE FUNCTION ctem.scope_touch();
COMMENT ON TRIGGER scope_touch ON ctem.scope IS 'Sets updated_at (ctem.scope_touch)';

-- scopes change rarely and one at a time: a row trigger
CREATE FUNCTION ctem.scope_membership()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL, 'scope created');
	ELSIF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		PERFORM ctem.scope_sync(OLD.tenant_id, ARRAY[OLD.name], NULL, 'scope deleted');
	ELSIF OLD.tenant_id OPERATOR(pg_catalog.<>) NEW.tenant_id
		  OR OLD.name OPERATOR(pg_catalog.<>) NEW.name THEN
		PERFORM ctem.scope_sync(OLD.tenant_id, ARRAY[OLD.name], NULL,
			'scope renamed to ' OPERATOR(pg_catalog.||) NEW.name);
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL,
			'scope renamed from ' OPERATOR(pg_catalog.||) OLD.name);
	ELSIF OLD.active AND NOT NEW.active THEN
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL, 'scope deactivated');
	ELSIF NEW.active AND NOT OLD.active THEN
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL, 'scope activated');
	ELSIF OLD.filter OPERATOR(pg_catalog.<>) NEW.filter THEN
		PERFORM ctem.scope_sync(NEW.tenant_id, ARRAY[NEW.name], NULL, 'filter changed');
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.scope_membership() IS
	'AFTER row trigger of ctem.scope: re-evaluates the membership of a scope that was created, deleted, renamed, (de)activated or given another filter (ctem.scope_sync)';
CREATE TRIGGER scope_membership
	AFTER INSERT OR UPDATE OR DELETE ON ctem.scope
	FOR EACH ROW EXECUTE FUNCTION ctem.scope_membership();
COMMENT ON TRIGGER scope_membership ON ctem.scope IS
	'Keeps ctem.scope_member and its history current when scopes change (ctem.scope_membership)';

/*
 * Assets: statement triggers (created by ctem.scope_install, 65_teams.sql)
 * read their transition table into arrays, one query, then re-evaluate the
 * tenant's active scopes for those assets (SCALE_OUT rule 12); when a scope
 * of the tenant reads reachable_from_entry, for all its assets (a new entry
 * point changes what the others reach).  The same trigger re-routes the
 * exposures of updated assets (ctem.route_exposures).
 */
CREATE FUNCTION ctem.asset_scope_sync()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	tenants integer[];
	ids bigint[];
	t integer;
	reason text := CASE TG_OP WHEN 'INSERT' THEN 'asset inserted'
							  WHEN 'UPDATE' THEN 'asset updated' ELSE 'asset deleted' END;
	scopes text[];
	reach_scopes text[];
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		SELECT pg_catalog.array_agg(o.tenant_id), pg_catalog.array_agg(o.id)
		INTO tenants, ids FROM old_assets o;
	ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
		-- only the assets whose filtered or routed columns changed (an
		-- ingest's last_seen is neither)
		SELECT pg_catalog.array_agg(n.tenant_id), pg_catalog.array_agg(n.id)
		INTO tenants, ids
		FROM new_assets n JOIN old_assets o ON o.tenant_id OPERATOR(pg_catalog.=) n.tenant_id
											AND o.id OPERATOR(pg_catalog.=) n.id
		WHERE (n.kind, n.natural_key, n.environment, n.business_service, n.owner,
			   n.criticality, n.internet_facing, n.crown_jewel, n.tags)
			  IS DISTINCT FROM
			  (o.kind, o.natural_key, o.environment, o.business_service, o.owner,
			   o.criticality, o.internet_facing, o.crown_jewel, o.tags);
	ELSE
		SELECT pg_catalog.array_agg(n.tenant_id), pg_catalog.array_agg(n.id)
		INTO tenants, ids FROM new_assets n;
	END IF;
	IF tenants IS NULL THEN
		RETURN NULL;
	END IF;
	FOR t IN SELECT DISTINCT x FROM pg_catalog.unnest(tenants) x ORDER BY x LOOP
		SELECT pg_catalog.array_agg(s.name ORDER BY s.name)
				   FILTER (WHERE NOT ctem.filter_uses_reachability(s.filter)),
			   pg_catalog.array_agg(s.name ORDER BY s.name)
				   FILTER (WHERE ctem.filter_uses_reachability(s.filter))
		INTO scopes, reach_scopes
		FROM ctem.scope s
		WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.active;
		IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
			-- every scope the deleted assets were in, active or not
			scopes := ARRAY(SELECT DISTINCT m.scope FROM ctem.scope_member m
							WHERE m.tenant_id OPERATOR(pg_catalog.=) t
							  AND m.asset_id OPERATOR(pg_catalog.=) ANY (ids));
		END IF;
		IF scopes IS NOT NULL THEN
			PERFORM ctem.scope_sync(t, scopes,
				ARRAY(SELECT i.id FROM ROWS FROM (pg_catalog.unnest(tenants), pg_catalog.unnest(ids)) AS i(tenant_id, id)
					  WHERE i.tenant_id OPERATOR(pg_catalog.=) t), reason);
		END IF;
		IF reach_scopes IS NOT NULL AND TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
			PERFORM ctem.scope_sync(t, reach_scopes, NULL, reason);
		END IF;
		-- routing gives no team in a tenant without teams
		IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
		   AND EXISTS (SELECT 1 FROM ctem.team m WHERE m.tenant_id OPERATOR(pg_catalog.=) t) THEN
			PERFORM ctem.route_exposures(t,
				ARRAY(SELECT i.id FROM ROWS FROM (pg_catalog.unnest(tenants), pg_catalog.unnest(ids)) AS i(tenant_id, id)
					  WHERE i.tenant_id OPERATOR(pg_catalog.=) t));
		END IF;
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.asset_scope_sync() IS
	'AFTER INSERT, UPDATE and DELETE statement trigger of ctem.asset: re-evaluates the tenant''s active scopes for the assets the statement wrote (all assets for scopes that read reachable_from_entry) and records entered / left events; after an UPDATE, re-routes the exposures of those assets';

-- the attack graph: edges decide what is reachable from an entry point
CREATE FUNCTION ctem.asset_edge_scope_sync()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	tenants integer[];
	t integer;
	reach_scopes text[];
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		SELECT pg_catalog.array_agg(DISTINCT o.tenant_id) INTO tenants FROM old_edges o;
	ELSE
		SELECT pg_catalog.array_agg(DISTINCT n.tenant_id) INTO tenants FROM new_edges n;
	END IF;
	IF tenants IS NULL THEN
		RETURN NULL;
	END IF;
	FOREACH t IN ARRAY tenants LOOP
		SELECT pg_catalog.array_agg(s.name ORDER BY s.name) INTO reach_scopes
		FROM ctem.scope s
		WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.active
		  AND ctem.filter_uses_reachability(s.filter);
		IF reach_scopes IS NOT NULL THEN
			PERFORM ctem.scope_sync(t, reach_scopes, NULL, 'attack graph changed');
		END IF;
		IF EXISTS (SELECT 1 FROM ctem.routing_rule r
				   WHERE r.tenant_id OPERATOR(pg_catalog.=) t
					 AND ctem.filter_uses_reachability(r.match)) THEN
			PERFORM ctem.route_exposures(t, NULL);
		END IF;
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.asset_edge_scope_sync() IS
	'AFTER INSERT, UPDATE and DELETE statement trigger of ctem.asset_edge: for each tenant whose edges changed, re-evaluates the active scopes and re-routes the exposures whose filters read reachable_from_entry';
CREATE TRIGGER asset_edge_scope_ins
	AFTER INSERT ON ctem.asset_edge
	REFERENCING NEW TABLE AS new_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_edge_scope_sync();
COMMENT ON TRIGGER asset_edge_scope_ins ON ctem.asset_edge IS
	'Scopes and routing rules that read reachable_from_entry follow the attack graph (ctem.asset_edge_scope_sync)';
CREATE TRIGGER asset_edge_scope_upd
	AFTER UPDATE ON ctem.asset_edge
	REFERENCING NEW TABLE AS new_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_edge_scope_sync();
COMMENT ON TRIGGER asset_edge_scope_upd ON ctem.asset_edge IS
	'Scopes and routing rules that read reachable_from_entry follow the attack graph (ctem.asset_edge_scope_sync)';
CREATE TRIGGER asset_edge_scope_del
	AFTER DELETE ON ctem.asset_edge
	REFERENCING OLD TABLE AS old_edges
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_edge_scope_sync();
COMMENT ON TRIGGER asset_edge_scope_del ON ctem.asset_edge IS
	'Scopes and routing rules that read reachable_from_entry follow the attack graph (ctem.asset_edge_scope_sync)';

/* ------------------------------------------------------------------------
 * ctem.team
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.team (
	tenant_id		integer NOT NULL DEFAULT 1,
	name			text NOT NULL,
	contact			text,
	ticket_project	text,
	description		text,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT team_pkey PRIMARY KEY (tenant_id, name),
	CONSTRAINT team_name_not_empty CHECK (pg_catalog.btrim(name) OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT team_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.team IS
	'The teams that fix exposures: routing rules name them, and an asset whose owner is a team''s name routes its otherwise unmatched exposures to that team';
COMMENT ON COLUMN ctem.team.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use';
COMMENT ON COLUMN ctem.team.name IS 'Name of the team, unique within the tenant (compared exactly with ctem.asset.owner)';
COMMENT ON COLUMN ctem.team.contact IS 'How to reach the team: an e-mail address, a chat channel';
COMMENT ON COLUMN ctem.team.ticket_project IS 'The ticketing project the team''s work goes to (e.g. a Jira project key)';
COMMENT ON COLUMN ctem.team.description IS 'What the team looks after';
COMMENT ON COLUMN ctem.team.created_at IS 'When the team was created';
COMMENT ON CONSTRAINT team_pkey ON ctem.team IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT team_name_not_empty ON ctem.team IS 'A team name is not blank';
COMMENT ON CONSTRAINT team_tenant_positive ON ctem.team IS 'Tenant ids are positive';

/* ------------------------------------------------------------------------
 * ctem.routing_rule
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.routing_rule (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	priority		integer NOT NULL DEFAULT 100,
	match			jsonb NOT NULL DEFAULT '{}',
	team			text NOT NULL,
	description		text,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT routing_rule_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT routing_rule_team_fk FOREIGN KEY (tenant_id, team)
		REFERENCES ctem.team (tenant_id, name) ON UPDATE CASCADE,
	CONSTRAINT routing_rule_match_valid CHECK (ctem.scope_filter_valid(match, true)),
	CONSTRAINT routing_rule_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.routing_rule IS
	'Which team gets which exposures: the first rule (lowest priority, then lowest id) whose match holds for an exposure and its asset sets ctem.exposure.team; no rule matching, the asset''s owner when it names a team; else no team';
COMMENT ON COLUMN ctem.routing_rule.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use';
COMMENT ON COLUMN ctem.routing_rule.id IS 'Surrogate key, unique within the tenant; breaks ties of priority';
COMMENT ON COLUMN ctem.routing_rule.priority IS 'Order of evaluation: lower first';
COMMENT ON COLUMN ctem.routing_rule.match IS
	'Which exposures: a scope filter over the asset (docs/scoping.md) that may also name exposure_kinds (any of), rule_pattern (a LIKE pattern on rule_id) and min_severity (a ctem.severity); {} matches every exposure';
COMMENT ON COLUMN ctem.routing_rule.team IS 'The team (ctem.team.name) the matching exposures go to';
COMMENT ON COLUMN ctem.routing_rule.description IS 'Why the rule exists';
COMMENT ON COLUMN ctem.routing_rule.created_at IS 'When the rule was created';
COMMENT ON CONSTRAINT routing_rule_pkey ON ctem.routing_rule IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT routing_rule_team_fk ON ctem.routing_rule IS
	'A rule names a team of its tenant; renaming the team renames it in the rules; a team with rules cannot be deleted';
COMMENT ON CONSTRAINT routing_rule_match_valid ON ctem.routing_rule IS
	'The match is valid (ctem.scope_filter_valid with routing): an unknown member or a value of the wrong type is an error naming the member';
COMMENT ON CONSTRAINT routing_rule_tenant_positive ON ctem.routing_rule IS 'Tenant ids are positive';
COMMENT ON SEQUENCE ctem.routing_rule_id_seq IS 'Identity sequence of ctem.routing_rule.id';
CREATE INDEX routing_rule_order_idx ON ctem.routing_rule (tenant_id, priority, id);
COMMENT ON INDEX ctem.routing_rule_order_idx IS 'A tenant''s rules in the order they are tried';

SELECT pg_catalog.pg_extension_config_dump('ctem.team', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.routing_rule', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.routing_rule_id_seq', '');
CREATE TRIGGER team_restore
	BEFORE INSERT ON ctem.team
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER team_restore ON ctem.team IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';
CREATE TRIGGER routing_rule_restore
	BEFORE INSERT ON ctem.routing_rule
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER routing_rule_restore ON ctem.routing_rule IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

/* ------------------------------------------------------------------------
 * Routing (C, src/scope/routing.c) and re-routing
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.exposure_team(tenant_id integer, asset_id bigint,
								   kind ctem.exposure_kind, rule_id text,
								   severity ctem.severity)
RETURNS text
AS 'MODULE_PATHNAME', 'ctem_exposure_team'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION ctem.exposure_team(integer, bigint, ctem.exposure_kind, text, ctem.severity) IS
	'The team routing gives an exposure of this kind, rule id and severity on this asset now: the first matching ctem.routing_rule''s, else the asset''s owner when a ctem.team has that name, else NULL (what the exposure trigger writes into ctem.exposure.team)';

/*
 * Set-based: the exposures of the tenant (of the given assets, or all)
 * whose team routing would change get it in one UPDATE; the exposure
 * trigger routes each again and the history trigger records the
 * reassignment.
 */
CREATE FUNCTION ctem.route_exposures(tenant_id integer DEFAULT 1, asset_ids bigint[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- plans for the asset ids given (exposure_asset_idx serves "= ANY"), not
-- a generic plan that scans every exposure against the array
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
	n bigint;
BEGIN
	PERFORM ctem.tenant_check(route_exposures.tenant_id);
	UPDATE ctem.exposure e SET team = x.team
	FROM (SELECT e2.id,
				 ctem.exposure_team(e2.tenant_id, e2.asset_id, e2.kind, e2.rule_id, e2.severity) AS team
		  FROM ctem.exposure e2
		  WHERE e2.tenant_id OPERATOR(pg_catalog.=) route_exposures.tenant_id
			AND (asset_ids IS NULL OR e2.asset_id OPERATOR(pg_catalog.=) ANY (asset_ids))) x
	WHERE e.tenant_id OPERATOR(pg_catalog.=) route_exposures.tenant_id
	  AND e.id OPERATOR(pg_catalog.=) x.id
	  AND e.team IS DISTINCT FROM x.team;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ctem.route_exposures(integer, bigint[]) IS
	'Routes the tenant''s exposures (on the given assets; NULL: all) again and writes the teams that changed, with their history; returns how many changed. Triggers do this when rules, teams or assets change; run it after a restore. EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.routing_change()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	tenants integer[];
	t integer;
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
		SELECT pg_catalog.array_agg(DISTINCT o.tenant_id) INTO tenants FROM old_rows o;
	ELSE
		SELECT pg_catalog.array_agg(DISTINCT n.tenant_id) INTO tenants FROM new_rows n;
	END IF;
	IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
		tenants := tenants OPERATOR(pg_catalog.||)
			ARRAY(SELECT DISTINCT o.tenant_id FROM old_rows o);
	END IF;
	IF tenants IS NULL THEN
		RETURN NULL;
	END IF;
	FOR t IN SELECT DISTINCT x FROM pg_catalog.unnest(tenants) x ORDER BY x LOOP
		PERFORM ctem.route_exposures(t, NULL);
	END LOOP;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION ctem.routing_change() IS
	'AFTER statement trigger of ctem.routing_rule and ctem.team: re-routes the exposures of every tenant whose rules or teams the statement changed (ctem.route_exposures)';

CREATE TRIGGER routing_rule_change_ins AFTER INSERT ON ctem.routing_rule
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.routing_change();
COMMENT ON TRIGGER routing_rule_change_ins ON ctem.routing_rule IS
	'New rules re-route their tenant''s exposures (ctem.routing_change)';
CREATE TRIGGER routing_rule_change_upd AFTER UPDATE ON ctem.routing_rule
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.routing_change();
COMMENT ON TRIGGER routing_rule_change_upd ON ctem.routing_rule IS
	'Changed rules re-route their tenant''s exposures (ctem.routing_change)';
CREATE TRIGGER routing_rule_change_del AFTER DELETE ON ctem.routing_rule
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.routing_change();
COMMENT ON TRIGGER routing_rule_change_del ON ctem.routing_rule IS
	'Deleted rules re-route their tenant''s exposures (ctem.routing_change)';
CREATE TRIGGER team_change_ins AFTER INSERT ON ctem.team
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.routing_change();
COMMENT ON TRIGGER team_change_ins ON ctem.team IS
	'A new team takes the exposures of assets it owns (ctem.routing_change)';
CREATE TRIGGER team_change_upd AFTER UPDATE ON ctem.team
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.routing_change();
COMMENT ON TRIGGER team_change_upd ON ctem.team IS
	'A renamed team keeps its exposures under its new name (ctem.routing_change)';
CREATE TRIGGER team_change_del AFTER DELETE ON ctem.team
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.routing_change();
COMMENT ON TRIGGER team_change_del ON ctem.team IS
	'A deleted team''s exposures go elsewhere (ctem.routing_change)';

/* ------------------------------------------------------------------------
 * What scoping and routing add to ctem.asset, ctem.exposure and
 * ctem.exposure_event, tables older than them
 * ------------------------------------------------------------------------ */

/*
 * Created by a function, so that an upgrade can leave them to the operator
 * on a distributed install (an upgrade script must not alter a distributed
 * tenant table), and the fresh install and the upgrade create the same
 * objects.  Idempotent: run it again at will.
 */
CREATE FUNCTION ctem.scope_install()
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- the team of every exposure, at the end of the table
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
				   WHERE attrelid OPERATOR(pg_catalog.=) 'ctem.exposure'::pg_catalog.regclass
					 AND attname OPERATOR(pg_catalog.=) 'team' AND NOT attisdropped) THEN
		ALTER TABLE ctem.exposure ADD COLUMN team text;
		COMMENT ON COLUMN ctem.exposure.team IS
			'Kept by ctem, do not write it: the team that fixes the exposure, by the first matching ctem.routing_rule, else the asset''s owner when a ctem.team has that name, else NULL; set on every insert and update and re-routed when rules, teams or assets change (docs/scoping.md)';
	END IF;
	-- the history records reassignments
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
				   WHERE attrelid OPERATOR(pg_catalog.=) 'ctem.exposure_event'::pg_catalog.regclass
					 AND attname OPERATOR(pg_catalog.=) 'old_team' AND NOT attisdropped) THEN
		ALTER TABLE ctem.exposure_event ADD COLUMN old_team text, ADD COLUMN new_team text;
		COMMENT ON COLUMN ctem.exposure_event.old_team IS 'Team before (ctem.exposure.team)';
		COMMENT ON COLUMN ctem.exposure_event.new_team IS 'Team after; a reassignment when it differs from old_team';
	END IF;
	-- every kind of event of 0.6.0 (ctem.workflow_install sets the same list)
	ALTER TABLE ctem.exposure_event
		DROP CONSTRAINT IF EXISTS exposure_event_kind,
		ADD CONSTRAINT exposure_event_kind CHECK (event IN
			('reopened', 'resolved', 'status_changed', 'priority_changed', 'team_changed',
			 'accepted', 'acceptance_expired', 'acceptance_revoked'));
	COMMENT ON CONSTRAINT exposure_event_kind ON ctem.exposure_event IS
		'event is reopened, resolved, status_changed, priority_changed, team_changed, accepted, acceptance_expired or acceptance_revoked';
	CREATE OR REPLACE TRIGGER exposure_history
		AFTER UPDATE ON ctem.exposure
		FOR EACH ROW
		WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority
			  OR OLD.team IS DISTINCT FROM NEW.team)
		EXECUTE FUNCTION ctem.exposure_history_row();
	COMMENT ON TRIGGER exposure_history ON ctem.exposure IS
		'Notes status, priority and team changes for the statement trigger exposure_history_flush to write into ctem.exposure_event';
	-- scope membership and routing follow the assets
	CREATE OR REPLACE TRIGGER asset_scope_ins AFTER INSERT ON ctem.asset
		REFERENCING NEW TABLE AS new_assets
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_scope_sync();
	COMMENT ON TRIGGER asset_scope_ins ON ctem.asset IS
		'New assets enter the active scopes whose filters they satisfy (ctem.asset_scope_sync)';
	CREATE OR REPLACE TRIGGER asset_scope_upd AFTER UPDATE ON ctem.asset
		REFERENCING OLD TABLE AS old_assets NEW TABLE AS new_assets
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_scope_sync();
	COMMENT ON TRIGGER asset_scope_upd ON ctem.asset IS
		'Changed assets enter or leave scopes, and their exposures are re-routed (ctem.asset_scope_sync)';
	CREATE OR REPLACE TRIGGER asset_scope_del AFTER DELETE ON ctem.asset
		REFERENCING OLD TABLE AS old_assets
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.asset_scope_sync();
	COMMENT ON TRIGGER asset_scope_del ON ctem.asset IS
		'Deleted assets leave their scopes (ctem.asset_scope_sync)';
	RETURN 4;
END
$$;
COMMENT ON FUNCTION ctem.scope_install() IS
	'Adds what scoping and routing need to the older tables: the column ctem.exposure.team, the history''s old_team and new_team and its event team_changed (when missing), and 4 triggers (created or replaced: the history trigger that also notes team changes, the asset triggers that keep scope membership and routing current); returns the number of triggers. Run by CREATE EXTENSION and by the upgrade to 0.6.0; on a distributed install the upgrade leaves it to the operator (docs/scoping.md). EXECUTE is not granted to PUBLIC.';
-- Rule 17 of SCALE_OUT.md: not on the tables of an install that
-- distributed them (run SELECT ctem.scope_install() on each node after
-- the upgrade, docs/scoping.md)
DO $$
DECLARE
	distributed boolean := false;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p '
				'WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''ctem.exposure''::pg_catalog.regclass)'
			INTO distributed;
	END IF;
	IF distributed THEN
		RAISE NOTICE 'ctem 0.6.0: ctem.exposure is distributed, so this upgrade does not add ctem.exposure.team and the scope triggers of ctem.asset'
			USING HINT = 'Run SELECT ctem.scope_install() as the administrator (docs/scoping.md, "Upgrading").';
	ELSE
		PERFORM ctem.scope_install();
	END IF;
END
$$;

/* ------------------------------------------------------------------------
 * Mobilization: the workflow and risk acceptance (70_mobilization.sql;
 * docs/mobilization.md), with the policy's max_acceptance_days
 * (40_prioritization.sql, at the end of ctem.policy, a catalogue table)
 * ------------------------------------------------------------------------ */

ALTER TABLE ctem.policy
	ADD COLUMN max_acceptance_days integer NOT NULL DEFAULT 365,
	ADD CONSTRAINT policy_max_acceptance_days_range CHECK (max_acceptance_days BETWEEN 1 AND 3650);
COMMENT ON COLUMN ctem.policy.max_acceptance_days IS
	'Risk acceptance: the longest an acceptance may last, in days from approved_at to expires_at (1 to 3650); a longer one is refused (docs/mobilization.md)';
COMMENT ON CONSTRAINT policy_max_acceptance_days_range ON ctem.policy IS
	'max_acceptance_days is 1 to 3650 days: every acceptance expires, within ten years';

/* ------------------------------------------------------------------------
 * The workflow trigger and what the workflow adds to older tenant tables
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.exposure_workflow()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_workflow'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_workflow() IS
	'BEFORE row trigger of ctem.exposure: refuses a status change the workflow does not allow (naming the transition and the allowed targets), a change to false_positive without a reason, and risk_accepted outside a risk acceptance (on UPDATE and on INSERT)';

/*
 * The history's columns and event kinds of the workflow (at the end of
 * ctem.exposure_event) and the workflow triggers of ctem.exposure.  Created
 * by a function, so that an upgrade can leave them to the operator on a
 * distributed install (rule 17 of SCALE_OUT.md; as ctem.graph_install),
 * and the fresh install and the upgrade create the same objects.
 * Idempotent.
 */
CREATE FUNCTION ctem.workflow_install()
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
				   WHERE attrelid OPERATOR(pg_catalog.=) 'ctem.exposure_event'::pg_catalog.regclass
					 AND attname OPERATOR(pg_catalog.=) 'app_actor'
					 AND NOT attisdropped) THEN
		ALTER TABLE ctem.exposure_event
			ADD COLUMN app_actor text,
			ADD COLUMN acceptance_id bigint;
		COMMENT ON COLUMN ctem.exposure_event.app_actor IS
			'The person or system the application named for the change (the actor argument of ctem.set_status and ctem.revoke_acceptance; approved_by of a risk acceptance); NULL when none was given';
		COMMENT ON COLUMN ctem.exposure_event.acceptance_id IS
			'The ctem.risk_acceptance (same tenant) that accepted the exposure, or whose expiry or revocation reopened it';
	END IF;
	ALTER TABLE ctem.exposure_event
		DROP CONSTRAINT IF EXISTS exposure_event_kind,
		ADD CONSTRAINT exposure_event_kind CHECK (event IN
			('reopened', 'resolved', 'status_changed', 'priority_changed', 'team_changed',
			 'accepted', 'acceptance_expired', 'acceptance_revoked'));
	COMMENT ON CONSTRAINT exposure_event_kind ON ctem.exposure_event IS
		'event is reopened, resolved, status_changed, priority_changed, team_changed, accepted, acceptance_expired or acceptance_revoked';
	COMMENT ON COLUMN ctem.exposure_event.event IS
		'reopened (a closed exposure became active again), resolved (it closed), status_changed, priority_changed, team_changed (routing assigned another team), accepted (a risk acceptance moved it to risk_accepted), acceptance_expired or acceptance_revoked (its acceptance ended and it reopened)';
	-- after exposure_before_row (name order): a re-detection the merge
	-- turns into an UPDATE is checked as that UPDATE
	CREATE OR REPLACE TRIGGER exposure_workflow
		BEFORE UPDATE OF status ON ctem.exposure
		FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
		EXECUTE FUNCTION ctem.exposure_workflow();
	COMMENT ON TRIGGER exposure_workflow ON ctem.exposure IS
		'Refuses a status change the workflow does not allow (ctem.exposure_workflow; docs/mobilization.md)';
	CREATE OR REPLACE TRIGGER exposure_workflow_insert
		BEFORE INSERT ON ctem.exposure
		FOR EACH ROW WHEN (NEW.status OPERATOR(pg_catalog.=) 'risk_accepted'::ctem.exposure_status)
		EXECUTE FUNCTION ctem.exposure_workflow();
	COMMENT ON TRIGGER exposure_workflow_insert ON ctem.exposure IS
		'Refuses an exposure inserted as risk_accepted: only a risk acceptance leads there (ctem.exposure_workflow)';
	RETURN 2;
END
$$;
COMMENT ON FUNCTION ctem.workflow_install() IS
	'Adds what the workflow needs to ctem.exposure_event and ctem.exposure: the columns app_actor and acceptance_id (when missing), the event kinds of risk acceptance, and the 2 triggers exposure_workflow and exposure_workflow_insert (created or replaced); returns the number of triggers. Run by CREATE EXTENSION and by the upgrade to 0.6.0; on a distributed install the upgrade leaves it to the operator (docs/mobilization.md). EXECUTE is not granted to PUBLIC.';
-- Rule 17 of SCALE_OUT.md: on a distributed install the operator runs
-- ctem.workflow_install() after the upgrade.
DO $$
DECLARE
	distributed boolean := false;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p '
				'WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''ctem.exposure''::pg_catalog.regclass)'
			INTO distributed;
	END IF;
	IF distributed THEN
		RAISE NOTICE 'ctem 0.6.0: ctem.exposure is distributed, so this upgrade does not add the workflow''s columns and triggers to ctem.exposure_event and ctem.exposure'
			USING HINT = 'After ALTER EXTENSION ctem UPDATE, run SELECT ctem.workflow_install(); on the coordinator (docs/mobilization.md, "Upgrading"). Until then status and priority changes fail (ctem.exposure_event.app_actor is missing) and the workflow is not enforced.';
	ELSE
		PERFORM ctem.workflow_install();
	END IF;
END
$$;

/* ------------------------------------------------------------------------
 * ctem.set_status
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.set_status(exposure_ids bigint[], status ctem.exposure_status,
								reason text, actor text DEFAULT NULL,
								tenant_id integer DEFAULT 1)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_set_status'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.set_status(bigint[], ctem.exposure_status, text, text, integer) IS
	'Sets the status of the tenant''s exposures exposure_ids in one UPDATE, all or nothing: an id the tenant does not have, or a transition the workflow refuses for any row, changes nothing. reason (required for false_positive) and actor (the application''s user, optional) go into ctem.exposure_event. risk_accepted is not a target: record a ctem.risk_acceptance. Returns the number of exposures changed (those already in the status are left alone).';

/* ------------------------------------------------------------------------
 * ctem.risk_acceptance
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.risk_acceptance (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	exposure_id		bigint,
	match			jsonb,
	reason			text NOT NULL,
	approved_by		text NOT NULL DEFAULT ctem.event_actor(),
	approved_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	expires_at		timestamptz NOT NULL,
	created_by		text NOT NULL DEFAULT ctem.event_actor(),
	ended_at		timestamptz,
	end_reason		text,
	ended_by		text,
	CONSTRAINT risk_acceptance_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT risk_acceptance_target CHECK ((exposure_id IS NULL) OPERATOR(pg_catalog.<>) (match IS NULL)),
	CONSTRAINT risk_acceptance_match_is_object CHECK (pg_catalog.jsonb_typeof(match) OPERATOR(pg_catalog.=) 'object'),
	CONSTRAINT risk_acceptance_expiry_order CHECK (expires_at OPERATOR(pg_catalog.>) approved_at),
	CONSTRAINT risk_acceptance_ended CHECK ((ended_at IS NULL) OPERATOR(pg_catalog.=) (end_reason IS NULL)),
	CONSTRAINT risk_acceptance_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.risk_acceptance IS
	'Risk acceptances: a decision, with reason, approver and expiry, to accept the risk of one exposure or of the exposures a match selects. Recording one moves the matching open and in-progress exposures to risk_accepted, the only way to that status; when it expires (ctem.expire_acceptances) or is revoked (ctem.revoke_acceptance), the exposures it alone covered reopen. A row is never changed otherwise (docs/mobilization.md).';
COMMENT ON COLUMN ctem.risk_acceptance.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use';
COMMENT ON COLUMN ctem.risk_acceptance.id IS 'Surrogate key, unique within the tenant';
COMMENT ON COLUMN ctem.risk_acceptance.exposure_id IS 'The one exposure accepted (same tenant); NULL when match selects them';
COMMENT ON COLUMN ctem.risk_acceptance.match IS
	'The exposures accepted, when not one: an object whose members all must hold: asset_id (number or array: any of), rule_id (string or array: any of; CVE ids upper-cased), rule_pattern (a LIKE pattern on rule_id), kind (ctem.exposure_kind label or array). Stored with arrays. assets: a scope filter over the exposure''s asset, in the language of ctem.scope, without reachable_from_entry (docs/mobilization.md)';
COMMENT ON COLUMN ctem.risk_acceptance.reason IS 'Why the risk is accepted (the note of the history events)';
COMMENT ON COLUMN ctem.risk_acceptance.approved_by IS 'Who approved it (the application actor of the history events); the recording role by default';
COMMENT ON COLUMN ctem.risk_acceptance.approved_at IS 'When it was approved';
COMMENT ON COLUMN ctem.risk_acceptance.expires_at IS
	'When it expires: required, in the future, and at most the active policy''s max_acceptance_days after approved_at';
COMMENT ON COLUMN ctem.risk_acceptance.created_by IS 'The database role that recorded it';
COMMENT ON COLUMN ctem.risk_acceptance.ended_at IS 'When it ended (expiry as applied by ctem.expire_acceptances, or revocation); NULL while in force';
COMMENT ON COLUMN ctem.risk_acceptance.end_reason IS 'expired, or revoked: and the reason';
COMMENT ON COLUMN ctem.risk_acceptance.ended_by IS 'Who ended it: the actor given to ctem.revoke_acceptance, else the role';
COMMENT ON CONSTRAINT risk_acceptance_pkey ON ctem.risk_acceptance IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT risk_acceptance_target ON ctem.risk_acceptance IS
	'An acceptance names one exposure (exposure_id) or a match, not both';
COMMENT ON CONSTRAINT risk_acceptance_match_is_object ON ctem.risk_acceptance IS 'match is a JSON object';
COMMENT ON CONSTRAINT risk_acceptance_expiry_order ON ctem.risk_acceptance IS 'expires_at is after approved_at';
COMMENT ON CONSTRAINT risk_acceptance_ended ON ctem.risk_acceptance IS 'An ended acceptance says why (end_reason), and only an ended one';
COMMENT ON CONSTRAINT risk_acceptance_tenant_positive ON ctem.risk_acceptance IS 'Tenant ids are positive';
COMMENT ON SEQUENCE ctem.risk_acceptance_id_seq IS 'Identity sequence of ctem.risk_acceptance.id';

CREATE INDEX risk_acceptance_due_idx ON ctem.risk_acceptance (tenant_id, expires_at) WHERE ended_at IS NULL;
COMMENT ON INDEX ctem.risk_acceptance_due_idx IS 'The acceptances in force by expiry (ctem.expire_acceptances)';

CREATE TABLE ctem.risk_acceptance_exposure (
	tenant_id		integer NOT NULL DEFAULT 1,
	acceptance_id	bigint NOT NULL,
	exposure_id		bigint NOT NULL,
	linked_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT risk_acceptance_exposure_pkey PRIMARY KEY (tenant_id, acceptance_id, exposure_id),
	CONSTRAINT risk_acceptance_exposure_acceptance_fk FOREIGN KEY (tenant_id, acceptance_id)
		REFERENCES ctem.risk_acceptance (tenant_id, id)
);
COMMENT ON TABLE ctem.risk_acceptance_exposure IS
	'The exposures each risk acceptance covers, written by ctem when the acceptance is recorded or applied again (ctem.apply_acceptance); when it ends, those of them still risk_accepted that no other acceptance in force covers reopen. No declared foreign key to ctem.exposure (a TRUNCATE of the exposures need not name this table); a link whose exposure was deleted is ignored';
COMMENT ON COLUMN ctem.risk_acceptance_exposure.tenant_id IS 'Tenant of the acceptance and the exposure';
COMMENT ON COLUMN ctem.risk_acceptance_exposure.acceptance_id IS 'The risk acceptance';
COMMENT ON COLUMN ctem.risk_acceptance_exposure.exposure_id IS 'An exposure it covers (same tenant)';
COMMENT ON COLUMN ctem.risk_acceptance_exposure.linked_at IS 'When the acceptance took the exposure in';
COMMENT ON CONSTRAINT risk_acceptance_exposure_pkey ON ctem.risk_acceptance_exposure IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT risk_acceptance_exposure_acceptance_fk ON ctem.risk_acceptance_exposure IS
	'A link belongs to an acceptance of the same tenant; an acceptance that covered exposures cannot be deleted';

CREATE INDEX risk_acceptance_exposure_exposure_idx ON ctem.risk_acceptance_exposure (tenant_id, exposure_id);
COMMENT ON INDEX ctem.risk_acceptance_exposure_exposure_idx IS 'The acceptances that cover an exposure';

-- A recorded acceptance is checked (PL/pgSQL: the match is validated and
-- stored in its normal form) and applied (C: the status change is ctem's
-- own, see src/mobilize/workflow.c), as the owner of ctem.risk_acceptance.
CREATE FUNCTION ctem.risk_acceptance_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	max_days integer;
	policy_name text;
	member text;
	val jsonb;
	norm jsonb := '{}';
	elem jsonb;
	arr jsonb;
BEGIN
	IF NEW.reason IS NULL OR pg_catalog.btrim(NEW.reason) OPERATOR(pg_catalog.=) '' THEN
		RAISE EXCEPTION 'a risk acceptance needs a reason'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Say why the risk is accepted (reason).';
	END IF;
	SELECT p.max_acceptance_days, p.name INTO max_days, policy_name
	FROM ctem.policy p WHERE p.active;
	IF max_days IS NULL THEN
		max_days := 365;
		policy_name := '(none active)';
	END IF;
	IF NEW.expires_at IS NULL THEN
		RAISE EXCEPTION 'a risk acceptance needs an expiry'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Every accepted risk is reviewed again: an acceptance without expires_at is refused.',
				  HINT = pg_catalog.format('Set expires_at, at most %s days after approved_at (max_acceptance_days of policy "%s").', max_days, policy_name);
	END IF;
	IF NEW.approved_at IS NOT NULL THEN
		IF NEW.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
			RAISE EXCEPTION 'a risk acceptance must expire in the future'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Set expires_at to a later time.';
		END IF;
		IF NEW.expires_at OPERATOR(pg_catalog.>) (NEW.approved_at OPERATOR(pg_catalog.+) pg_catalog.make_interval(days => max_days)) THEN
			RAISE EXCEPTION 'a risk acceptance may last at most % days', max_days
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = pg_catalog.format('It would last %s days from approved_at; policy "%s" allows %s (max_acceptance_days).',
										  pg_catalog.round(pg_catalog.date_part('epoch', NEW.expires_at OPERATOR(pg_catalog.-) NEW.approved_at) OPERATOR(pg_catalog./) 86400), policy_name, max_days),
					  HINT = 'Choose an earlier expires_at, and accept again when it expires if the risk still stands.';
		END IF;
	END IF;
	IF (NEW.exposure_id IS NULL) OPERATOR(pg_catalog.=) (NEW.match IS NULL) THEN
		RAISE EXCEPTION 'a risk acceptance names either one exposure or a match'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Set exposure_id, or match (e.g. {"rule_id": "CVE-2024-1234", "asset_id": [12, 13]}), not both.';
	END IF;
	IF NEW.match IS NOT NULL THEN
		IF pg_catalog.jsonb_typeof(NEW.match) OPERATOR(pg_catalog.<>) 'object' OR NEW.match OPERATOR(pg_catalog.=) '{}' THEN
			RAISE EXCEPTION 'the match of a risk acceptance must be a non-empty JSON object'
				USING ERRCODE = 'invalid_parameter_value',
					  HINT = 'Use members asset_id, rule_id, rule_pattern and kind, e.g. {"rule_id": "CVE-2024-1234"}.';
		END IF;
		FOR member, val IN SELECT j.key, j.value FROM pg_catalog.jsonb_each(NEW.match) j LOOP
			IF member OPERATOR(pg_catalog.=) 'assets' THEN
				-- a scope filter over the exposure's asset (60_scoping.sql);
				-- ctem.scope_filter_valid raises the error naming the member
				PERFORM ctem.scope_filter_valid(val);
				IF ctem.filter_uses_reachability(val) THEN
					RAISE EXCEPTION 'match member "assets" must not use reachable_from_entry'
						USING ERRCODE = 'invalid_parameter_value',
							  DETAIL = 'What an acceptance covers is fixed when it is recorded from properties of the assets; reachability changes with every edge.',
							  HINT = 'Name the assets by their properties (asset_kinds, environments, owners, tags_any, key_pattern, ...).';
				END IF;
				norm := norm OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(member, val);
			ELSIF member OPERATOR(pg_catalog.=) 'rule_pattern' THEN
				IF pg_catalog.jsonb_typeof(val) OPERATOR(pg_catalog.<>) 'string' OR (val OPERATOR(pg_catalog.#>>) '{}') OPERATOR(pg_catalog.=) '' THEN
					RAISE EXCEPTION 'match member "rule_pattern" must be a non-empty string'
						USING ERRCODE = 'invalid_parameter_value',
							  HINT = 'A LIKE pattern on rule_id, e.g. "CVE-2024-%".';
				END IF;
				norm := norm OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(member, val);
			ELSIF member OPERATOR(pg_catalog.=) ANY ('{asset_id,rule_id,kind}'::text[]) THEN
				arr := CASE pg_catalog.jsonb_typeof(val) WHEN 'array' THEN val
					   ELSE pg_catalog.jsonb_build_array(val) END;
				IF pg_catalog.jsonb_array_length(arr) OPERATOR(pg_catalog.=) 0 THEN
					RAISE EXCEPTION 'match member "%" must not be an empty array', member
						USING ERRCODE = 'invalid_parameter_value';
				END IF;
				norm := norm OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(member, '[]'::jsonb);
				FOR elem IN SELECT pg_catalog.jsonb_array_elements(arr) LOOP
					IF member OPERATOR(pg_catalog.=) 'asset_id' THEN
						IF pg_catalog.jsonb_typeof(elem) OPERATOR(pg_catalog.<>) 'number'
						   OR (elem OPERATOR(pg_catalog.#>>) '{}') OPERATOR(pg_catalog.!~) '^[0-9]+$' THEN
							RAISE EXCEPTION 'match member "asset_id" must be an asset id or an array of them'
								USING ERRCODE = 'invalid_parameter_value',
									  DETAIL = pg_catalog.format('%s is not an asset id.', elem);
						END IF;
					ELSIF pg_catalog.jsonb_typeof(elem) OPERATOR(pg_catalog.<>) 'string' THEN
						RAISE EXCEPTION 'match member "%" must be a string or an array of strings', member
							USING ERRCODE = 'invalid_parameter_value',
								  DETAIL = pg_catalog.format('%s is not a string.', elem);
					ELSIF member OPERATOR(pg_catalog.=) 'kind' THEN
						IF NOT (elem OPERATOR(pg_catalog.#>>) '{}') OPERATOR(pg_catalog.=) ANY (pg_catalog.enum_range(NULL::ctem.exposure_kind)::text[]) THEN
							RAISE EXCEPTION 'match member "kind" names no exposure kind: %', elem
								USING ERRCODE = 'invalid_parameter_value',
									  HINT = pg_catalog.format('The kinds are %s.', pg_catalog.array_to_string(pg_catalog.enum_range(NULL::ctem.exposure_kind)::text[], ', '));
						END IF;
					ELSIF (elem OPERATOR(pg_catalog.#>>) '{}') OPERATOR(pg_catalog.~*) '^cve-' THEN
						-- CVE ids are stored upper-cased on exposures
						elem := pg_catalog.to_jsonb(pg_catalog.upper(elem OPERATOR(pg_catalog.#>>) '{}'));
					END IF;
					norm := pg_catalog.jsonb_set(norm, ARRAY[member],
						(norm OPERATOR(pg_catalog.->) member) OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(elem));
				END LOOP;
			ELSE
				RAISE EXCEPTION 'unknown member "%" in the match of a risk acceptance', member
					USING ERRCODE = 'invalid_parameter_value',
						  HINT = 'The members are asset_id, rule_id, rule_pattern, kind and assets (a scope filter over the asset); all must hold.';
			END IF;
		END LOOP;
		NEW.match := norm;
	END IF;
	NEW.ended_at := NULL;
	NEW.end_reason := NULL;
	NEW.ended_by := NULL;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION ctem.risk_acceptance_check() IS
	'BEFORE INSERT row trigger of ctem.risk_acceptance: refuses an acceptance without reason, without expires_at, expiring in the past or later than the active policy''s max_acceptance_days after approved_at, or naming both or neither of exposure_id and match; validates match (an unknown member or a wrong type is an error naming the member) and stores it with arrays';
CREATE TRIGGER risk_acceptance_check
	BEFORE INSERT ON ctem.risk_acceptance
	FOR EACH ROW EXECUTE FUNCTION ctem.risk_acceptance_check();
COMMENT ON TRIGGER risk_acceptance_check ON ctem.risk_acceptance IS
	'Validates a new acceptance (ctem.risk_acceptance_check)';

CREATE FUNCTION ctem.risk_acceptance_applied()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_risk_acceptance_applied'
LANGUAGE C;
COMMENT ON FUNCTION ctem.risk_acceptance_applied() IS
	'AFTER INSERT row trigger of ctem.risk_acceptance: links the exposures the acceptance covers and moves the open and in-progress ones to risk_accepted, with history events (accepted) that carry the reason, approver and acceptance; as the table''s owner';
CREATE TRIGGER risk_acceptance_applied
	AFTER INSERT ON ctem.risk_acceptance
	FOR EACH ROW EXECUTE FUNCTION ctem.risk_acceptance_applied();
COMMENT ON TRIGGER risk_acceptance_applied ON ctem.risk_acceptance IS
	'Applies a new acceptance to the exposures it covers (ctem.risk_acceptance_applied)';

CREATE FUNCTION ctem.risk_acceptance_guard()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_risk_acceptance_guard'
LANGUAGE C;
COMMENT ON FUNCTION ctem.risk_acceptance_guard() IS
	'BEFORE UPDATE row trigger of ctem.risk_acceptance: an acceptance is not changed, except when ctem.expire_acceptances or ctem.revoke_acceptance ends it';
CREATE TRIGGER risk_acceptance_guard
	BEFORE UPDATE ON ctem.risk_acceptance
	FOR EACH ROW EXECUTE FUNCTION ctem.risk_acceptance_guard();
COMMENT ON TRIGGER risk_acceptance_guard ON ctem.risk_acceptance IS
	'Refuses changes of an acceptance other than its end (ctem.risk_acceptance_guard)';

SELECT pg_catalog.pg_extension_config_dump('ctem.risk_acceptance', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.risk_acceptance_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.risk_acceptance_exposure', '');
CREATE TRIGGER risk_acceptance_restore
	BEFORE INSERT ON ctem.risk_acceptance
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER risk_acceptance_restore ON ctem.risk_acceptance IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';
CREATE TRIGGER risk_acceptance_exposure_restore
	BEFORE INSERT ON ctem.risk_acceptance_exposure
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER risk_acceptance_exposure_restore ON ctem.risk_acceptance_exposure IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

CREATE FUNCTION ctem.apply_acceptance(id bigint, tenant_id integer DEFAULT 1)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_apply_acceptance'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.apply_acceptance(bigint, integer) IS
	'Applies an acceptance in force again, to the exposures that match it now (new findings are not accepted on their own: docs/mobilization.md); returns the number moved to risk_accepted. As the owner of ctem.risk_acceptance; EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.expire_acceptances(at timestamptz DEFAULT pg_catalog.now(),
										tenant_id integer DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_expire_acceptances'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.expire_acceptances(timestamptz, integer) IS
	'Ends the acceptances (of tenant_id, or of every tenant when NULL) in force whose expires_at is not after "at": their risk_accepted exposures that no other acceptance in force at "at" covers reopen (history event acceptance_expired, at their current priority). Returns the number of acceptances ended; idempotent. For ctem.run_maintenance and schedulers. As the owner of ctem.risk_acceptance; EXECUTE is not granted to PUBLIC.';

CREATE FUNCTION ctem.revoke_acceptance(id bigint, reason text, actor text DEFAULT NULL,
									   tenant_id integer DEFAULT 1)
RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_revoke_acceptance'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.revoke_acceptance(bigint, text, text, integer) IS
	'Ends an acceptance in force now, for a reason (required) and by an actor (optional): its risk_accepted exposures that no other acceptance covers reopen (history event acceptance_revoked). Returns the number reopened. As the owner of ctem.risk_acceptance; EXECUTE is not granted to PUBLIC.';

/* ------------------------------------------------------------------------
 * Security: views as the invoker, the tenant check, roles, team isolation
 * (80_views.sql, 85_security.sql)
 * ------------------------------------------------------------------------ */

ALTER VIEW ctem.work_queue SET (security_invoker = true);
ALTER VIEW ctem.exposure_summary SET (security_invoker = true);

CREATE OR REPLACE FUNCTION ctem.rescore(tenant_id integer DEFAULT NULL)
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

/* ------------------------------------------------------------------------
 * Mobilization: the ticketing outbox and maintenance (75_outbox.sql;
 * docs/mobilization.md), with the policy's stale_after_days
 * (40_prioritization.sql, at the end of ctem.policy, a catalogue table)
 * ------------------------------------------------------------------------ */

ALTER TABLE ctem.policy
	ADD COLUMN stale_after_days integer NOT NULL DEFAULT 30,
	ADD CONSTRAINT policy_stale_after_days_range CHECK (stale_after_days BETWEEN 1 AND 3650);
COMMENT ON COLUMN ctem.policy.stale_after_days IS
	'Maintenance: an asset not reported (last_seen) for this many days is marked stale by ctem.run_maintenance (ctem.asset.stale_since; 1 to 3650, default 30; docs/mobilization.md)';
COMMENT ON CONSTRAINT policy_stale_after_days_range ON ctem.policy IS
	'stale_after_days is 1 to 3650 days';

/* ------------------------------------------------------------------------
 * ctem.outbox
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.outbox (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	event_type		text NOT NULL,
	exposure_id		bigint NOT NULL,
	team			text,
	payload			jsonb,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	claimed_at		timestamptz,
	claimed_by		text,
	delivered_at	timestamptz,
	attempts		integer NOT NULL DEFAULT 0,
	last_error		text,
	next_attempt_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	dead_at			timestamptz,
	CONSTRAINT outbox_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT outbox_event_type CHECK (event_type IN
		('new', 'priority_raised', 'sla_breached', 'reopened', 'acceptance_expired',
		 'acceptance_revoked')),
	CONSTRAINT outbox_payload_is_object CHECK (pg_catalog.jsonb_typeof(payload) OPERATOR(pg_catalog.=) 'object'),
	CONSTRAINT outbox_attempts_positive CHECK (attempts OPERATOR(pg_catalog.>=) 0),
	CONSTRAINT outbox_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.outbox IS
	'The ticketing outbox: one row per event a ticketing integration acts on (a new P1/P2 exposure, a priority raised to P1/P2, an SLA breach, a reopen, an acceptance that expired or was revoked), with a ready ticket as payload. Written in the transaction that made the change, announced with NOTIFY ctem_events on commit, consumed with ctem.outbox_claim, ctem.outbox_ack and ctem.outbox_fail (docs/mobilization.md)';
COMMENT ON COLUMN ctem.outbox.tenant_id IS 'Tenant of the exposure';
COMMENT ON COLUMN ctem.outbox.id IS 'Row id, increasing; the payload of the NOTIFY';
COMMENT ON COLUMN ctem.outbox.event_type IS
	'new (a new exposure of priority P1 or P2), priority_raised (an active exposure''s priority rose to P1 or P2), sla_breached (ctem.run_maintenance found its sla_due passed), reopened (a closed exposure became active again), acceptance_expired or acceptance_revoked (its risk acceptance ended and it reopened)';
COMMENT ON COLUMN ctem.outbox.exposure_id IS 'The exposure (ctem.exposure.id of the same tenant)';
COMMENT ON COLUMN ctem.outbox.team IS 'The exposure''s team (ctem.exposure.team) when the row was written';
COMMENT ON COLUMN ctem.outbox.payload IS
	'Built by ctem.outbox_fill when the row is first claimed (NULL until then), from the exposure as it is then: a ready ticket, title, priority, risk_score, sla_due, status, asset, team, ticket_project, contact, why (one line from score_explain), links (tenant_id, exposure_id, rule_id, asset_kind, asset_natural_key), event';
COMMENT ON COLUMN ctem.outbox.created_at IS 'When it was written (the transaction''s start)';
COMMENT ON COLUMN ctem.outbox.claimed_at IS 'When a consumer last claimed it (ctem.outbox_claim); NULL when not claimed or after a failure';
COMMENT ON COLUMN ctem.outbox.claimed_by IS 'The consumer that last claimed it';
COMMENT ON COLUMN ctem.outbox.delivered_at IS 'When a consumer acknowledged it (ctem.outbox_ack); NULL until then';
COMMENT ON COLUMN ctem.outbox.attempts IS 'How many times it was claimed';
COMMENT ON COLUMN ctem.outbox.last_error IS 'The error of the last failed delivery (ctem.outbox_fail)';
COMMENT ON COLUMN ctem.outbox.next_attempt_at IS 'Not handed out before then (the backoff after a failure)';
COMMENT ON COLUMN ctem.outbox.dead_at IS 'When it was given up after its last allowed attempt; never handed out again';
COMMENT ON CONSTRAINT outbox_pkey ON ctem.outbox IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT outbox_event_type ON ctem.outbox IS
	'event_type is new, priority_raised, sla_breached, reopened, acceptance_expired or acceptance_revoked';
COMMENT ON CONSTRAINT outbox_payload_is_object ON ctem.outbox IS 'payload is a JSON object';
COMMENT ON CONSTRAINT outbox_attempts_positive ON ctem.outbox IS 'attempts is not negative';
COMMENT ON CONSTRAINT outbox_tenant_positive ON ctem.outbox IS 'Tenant ids are positive';
COMMENT ON SEQUENCE ctem.outbox_id_seq IS 'Identity sequence of ctem.outbox.id';

CREATE INDEX outbox_pending_idx ON ctem.outbox (id)
	WHERE delivered_at IS NULL AND dead_at IS NULL;
COMMENT ON INDEX ctem.outbox_pending_idx IS 'The rows still to deliver, in the order ctem.outbox_claim hands them out; found by id by ctem.outbox_ack, outbox_fill and outbox_fail';

SELECT pg_catalog.pg_extension_config_dump('ctem.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.outbox_id_seq', '');
CREATE TRIGGER outbox_restore
	BEFORE INSERT ON ctem.outbox
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER outbox_restore ON ctem.outbox IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

/* ------------------------------------------------------------------------
 * Writing the outbox
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.explain_line(score_explain jsonb)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	parts text[] := '{}';
	f text;
	v jsonb;
	src text;
BEGIN
	IF score_explain IS NULL OR jsonb_typeof(score_explain -> 'factors') IS DISTINCT FROM 'object' THEN
		RETURN NULL;
	END IF;
	-- severity, likelihood, exposure, asset, then what lowered the score
	FOREACH f IN ARRAY ARRAY['S', 'L', 'X', 'A', 'C', 'V'] LOOP
		v := score_explain -> 'factors' -> f;
		CONTINUE WHEN v IS NULL;
		-- the stored form is [value, source], ctem.explain's an object
		src := CASE jsonb_typeof(v) WHEN 'array' THEN v ->> 1 ELSE v ->> 'source' END;
		CONTINUE WHEN src IS NULL OR src IN ('none', 'not validated');
		parts := parts || src;
	END LOOP;
	RETURN format('score %s (%s): %s', score_explain ->> 'score',
				  coalesce(score_explain ->> 'priority', 'no priority'),
				  array_to_string(parts, '; '));
END
$$;
COMMENT ON FUNCTION ctem.explain_line(jsonb) IS
	'A score explanation (ctem.exposure.score_explain, or ctem.explain) in one line: the score, the priority and the sources of the factors that set it, e.g. "score 88.2 (P1): cvss; exploit maturity functional; internet-facing; asset criticality 5". The "why" of an outbox ticket.';

/*
 * Writes the outbox rows of one tenant: for each exposure_ids[i], an event
 * event_types[i] of team teams[i] (the exposure's team then), without the
 * payload (ctem.outbox_fill builds it when the row is first claimed: the
 * write path stays a plain INSERT).  Then NOTIFY ctem_events with each row
 * id (with more than 100 rows, once, with the highest id: a consumer claims
 * until nothing is left anyway).  Called by the exposure triggers
 * (src/mobilize/outbox.c, as the table's owner) and ctem.run_maintenance.
 */
CREATE FUNCTION ctem.outbox_write(tenant integer, exposure_ids bigint[], event_types text[],
								  teams text[])
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	ids bigint[];
	i bigint;
BEGIN
	WITH w AS (
		INSERT INTO ctem.outbox (tenant_id, event_type, exposure_id, team)
		SELECT tenant, x.event_type, x.exposure_id, x.team
		FROM unnest(exposure_ids, event_types, teams) AS x(exposure_id, event_type, team)
		RETURNING id)
	SELECT array_agg(w.id) INTO ids FROM w;
	IF ids IS NULL THEN
		RETURN 0;
	END IF;
	IF cardinality(ids) <= 100 THEN
		FOREACH i IN ARRAY ids LOOP
			PERFORM pg_notify('ctem_events', i::text);
		END LOOP;
	ELSE
		PERFORM pg_notify('ctem_events', max(x)::text) FROM unnest(ids) x;
	END IF;
	RETURN cardinality(ids);
END
$$;
COMMENT ON FUNCTION ctem.outbox_write(integer, bigint[], text[], text[]) IS
	'Writes ctem.outbox rows of one tenant: for each exposure_ids[i] an event event_types[i] of team teams[i], without payload (ctem.outbox_fill builds it when the row is first claimed), then NOTIFY ctem_events with each new row id (more than 100 rows: once, with the highest). Returns the number written. For ctem''s triggers and ctem.run_maintenance; EXECUTE is not granted to PUBLIC.';

/*
 * The ticket of each outbox row ids[i] that has none yet, built from the
 * exposure, its asset and its team as they are now.  ctem.outbox_claim
 * calls it for the rows it hands out; as the owner, so that a consumer
 * needs no privilege on the exposures.
 */
CREATE FUNCTION ctem.outbox_fill(ids bigint[])
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	r record;
	e ctem.exposure;
	a ctem.asset;
	tm ctem.team;
	n integer := 0;
BEGIN
	-- row by row, each lookup by its full key: a batch is small, and no
	-- join order depends on statistics (a fresh table has none)
	FOR r IN
		SELECT o.tenant_id, o.id, o.exposure_id, o.event_type FROM ctem.outbox o
		WHERE o.id OPERATOR(pg_catalog.=) ANY (ids) AND o.payload IS NULL
		  AND o.delivered_at IS NULL AND o.dead_at IS NULL
	LOOP
		SELECT x.* INTO e FROM ctem.exposure x
		WHERE x.tenant_id OPERATOR(pg_catalog.=) r.tenant_id AND x.id OPERATOR(pg_catalog.=) r.exposure_id;
		CONTINUE WHEN NOT FOUND;
		SELECT x.* INTO a FROM ctem.asset x
		WHERE x.tenant_id OPERATOR(pg_catalog.=) r.tenant_id AND x.id OPERATOR(pg_catalog.=) e.asset_id;
		SELECT x.* INTO tm FROM ctem.team x
		WHERE x.tenant_id OPERATOR(pg_catalog.=) r.tenant_id AND x.name OPERATOR(pg_catalog.=) e.team;
		UPDATE ctem.outbox o SET payload = jsonb_build_object(
			'event', r.event_type,
			'title', format('[%s] %s on %s', coalesce(e.priority::text, '-'),
							coalesce(nullif(e.title, ''), e.rule_id), coalesce(a.name, a.natural_key)),
			'priority', e.priority,
			'risk_score', e.risk_score,
			-- in UTC, whatever the session's TimeZone
			'sla_due', to_char(e.sla_due AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
			'sla_breached_at', to_char(e.sla_breached_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
			'status', e.status,
			'severity', e.severity,
			'rule_id', e.rule_id,
			'component', e.component,
			'component_version', e.component_version,
			'fixed_version', e.fixed_version,
			'asset', jsonb_build_object('id', a.id, 'kind', a.kind, 'natural_key', a.natural_key,
										'name', a.name, 'environment', a.environment,
										'business_service', a.business_service, 'owner', a.owner,
										'criticality', a.criticality, 'internet_facing', a.internet_facing,
										'crown_jewel', a.crown_jewel),
			'team', e.team,
			'ticket_project', tm.ticket_project,
			'contact', tm.contact,
			'why', ctem.explain_line(e.score_explain),
			'links', jsonb_build_object('tenant_id', e.tenant_id, 'exposure_id', e.id,
										'rule_id', e.rule_id, 'asset_kind', a.kind,
										'asset_natural_key', a.natural_key))
		WHERE o.tenant_id OPERATOR(pg_catalog.=) r.tenant_id AND o.id OPERATOR(pg_catalog.=) r.id;
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ctem.outbox_fill(bigint[]) IS
	'Builds the payload (a ready ticket: title, priority, risk_score, sla_due, status, asset, team, ticket_project, contact, why, links) of the outbox rows ids that have none yet, from the exposure, its asset and its team as they are now; returns how many it built. ctem.outbox_claim calls it for the rows it hands out. As its owner, so that consumers need no privilege on exposures; rows of an exposure deleted since keep a NULL payload.';

CREATE FUNCTION ctem.exposure_outbox_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_outbox_row'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_outbox_row() IS
	'AFTER INSERT row trigger of ctem.exposure, for new active P1 and P2 exposures: notes the exposure for the statement trigger exposure_outbox_flush';
CREATE FUNCTION ctem.exposure_outbox_flush()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_outbox_flush'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_outbox_flush() IS
	'AFTER INSERT statement trigger of ctem.exposure: writes the outbox rows (event new) of the exposures its statement''s row triggers noted, per tenant with ctem.outbox_write, as the owner of ctem.outbox';

CREATE FUNCTION ctem.exposure_sla_clear()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	NEW.sla_breached_at := NULL;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION ctem.exposure_sla_clear() IS
	'BEFORE UPDATE row trigger of ctem.exposure, for closing exposures marked as past their SLA: clears sla_breached_at';

/*
 * What the outbox and maintenance add to older tenant tables: the columns
 * ctem.exposure.sla_breached_at and ctem.asset.stale_since (at the end)
 * and the triggers of ctem.exposure.  A function, so that an upgrade can
 * leave it to the operator on a distributed install (rule 17 of
 * SCALE_OUT.md; as ctem.workflow_install), and the fresh install and the
 * upgrade create the same objects.  Idempotent.
 */
CREATE FUNCTION ctem.outbox_install()
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
				   WHERE attrelid OPERATOR(pg_catalog.=) 'ctem.exposure'::pg_catalog.regclass
					 AND attname OPERATOR(pg_catalog.=) 'sla_breached_at' AND NOT attisdropped) THEN
		ALTER TABLE ctem.exposure ADD COLUMN sla_breached_at timestamptz;
		COMMENT ON COLUMN ctem.exposure.sla_breached_at IS
			'Kept by ctem: when the SLA ran out (sla_due at the time), set by ctem.run_maintenance for an active exposure whose sla_due had passed (with an outbox event sla_breached); cleared when the exposure closes';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
				   WHERE attrelid OPERATOR(pg_catalog.=) 'ctem.asset'::pg_catalog.regclass
					 AND attname OPERATOR(pg_catalog.=) 'stale_since' AND NOT attisdropped) THEN
		ALTER TABLE ctem.asset ADD COLUMN stale_since timestamptz;
		COMMENT ON COLUMN ctem.asset.stale_since IS
			'Kept by ctem.run_maintenance: last_seen plus the active policy''s stale_after_days, once that has passed (the asset was not reported for that long); NULL while the asset is current. Cleared by the next run after the asset is seen again';
	END IF;
	-- after exposure_before_row (name order), which scores the row
	CREATE OR REPLACE TRIGGER exposure_outbox
		AFTER INSERT ON ctem.exposure
		FOR EACH ROW
		WHEN (NEW.priority OPERATOR(pg_catalog.<=) 'P2'::ctem.priority
			  AND NEW.status OPERATOR(pg_catalog.<=) 'in_progress'::ctem.exposure_status)
		EXECUTE FUNCTION ctem.exposure_outbox_row();
	COMMENT ON TRIGGER exposure_outbox ON ctem.exposure IS
		'Notes new active P1 and P2 exposures for the outbox (ctem.exposure_outbox_row)';
	CREATE OR REPLACE TRIGGER exposure_outbox_flush
		AFTER INSERT ON ctem.exposure
		FOR EACH STATEMENT EXECUTE FUNCTION ctem.exposure_outbox_flush();
	COMMENT ON TRIGGER exposure_outbox_flush ON ctem.exposure IS
		'Writes the outbox rows of the new P1 and P2 exposures its statement noted (ctem.exposure_outbox_flush)';
	CREATE OR REPLACE TRIGGER exposure_sla_clear
		BEFORE UPDATE OF status ON ctem.exposure
		FOR EACH ROW
		WHEN (OLD.sla_breached_at IS NOT NULL
			  AND NEW.status OPERATOR(pg_catalog.>=) 'fixed'::ctem.exposure_status)
		EXECUTE FUNCTION ctem.exposure_sla_clear();
	COMMENT ON TRIGGER exposure_sla_clear ON ctem.exposure IS
		'Clears sla_breached_at when an exposure closes (ctem.exposure_sla_clear)';
	RETURN 3;
END
$$;
COMMENT ON FUNCTION ctem.outbox_install() IS
	'Adds what the outbox and maintenance need to the older tables: the columns ctem.exposure.sla_breached_at and ctem.asset.stale_since (when missing) and 3 triggers of ctem.exposure (created or replaced: exposure_outbox, exposure_outbox_flush, exposure_sla_clear); returns the number of triggers. Run by CREATE EXTENSION and by the upgrade to 0.6.0; on a distributed install the upgrade leaves it to the operator (docs/mobilization.md). EXECUTE is not granted to PUBLIC.';
-- Rule 17 of SCALE_OUT.md: on a distributed install the operator runs
-- ctem.outbox_install() after the upgrade.
DO $$
DECLARE
	distributed boolean := false;
BEGIN
	IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
		EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p '
				'WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''ctem.exposure''::pg_catalog.regclass)'
			INTO distributed;
	END IF;
	IF distributed THEN
		RAISE NOTICE 'ctem 0.6.0: ctem.exposure is distributed, so this upgrade does not add the outbox''s and maintenance''s columns and triggers to ctem.exposure and ctem.asset'
			USING HINT = 'After ALTER EXTENSION ctem UPDATE, run SELECT ctem.outbox_install(); on the coordinator (docs/mobilization.md, "Upgrading"). Until then new and changed exposures write no outbox rows and ctem.run_maintenance fails.';
	ELSE
		PERFORM ctem.outbox_install();
	END IF;
END
$$;

/* ------------------------------------------------------------------------
 * Consuming the outbox
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.outbox_claim(batch integer, consumer text,
								  claim_timeout interval DEFAULT '5 minutes',
								  tenant_id integer DEFAULT NULL)
RETURNS SETOF ctem.outbox
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t alias FOR tenant_id;
	claimed bigint[];
BEGIN
	IF batch IS NULL OR batch < 1 THEN
		RAISE EXCEPTION 'outbox batch must be at least 1'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Claim 1 or more rows, e.g. ctem.outbox_claim(100, ''jira'').';
	END IF;
	IF consumer IS NULL OR btrim(consumer) = '' THEN
		RAISE EXCEPTION 'an outbox consumer needs a name'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Pass the consumer''s name, e.g. ctem.outbox_claim(100, ''jira'').';
	END IF;
	IF claim_timeout IS NULL OR claim_timeout <= interval '0' THEN
		RAISE EXCEPTION 'outbox claim timeout must be positive'
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'Give the time a consumer has to acknowledge, e.g. interval ''5 minutes''.';
	END IF;
	WITH c AS (
		SELECT o.tenant_id, o.id FROM ctem.outbox o
		WHERE o.delivered_at IS NULL AND o.dead_at IS NULL
		  AND o.next_attempt_at OPERATOR(pg_catalog.<=) statement_timestamp()
		  AND (o.claimed_at IS NULL
			   OR o.claimed_at OPERATOR(pg_catalog.<=) (statement_timestamp() OPERATOR(pg_catalog.-) claim_timeout))
		  AND (t IS NULL OR o.tenant_id OPERATOR(pg_catalog.=) t)
		ORDER BY o.id
		LIMIT batch
		FOR UPDATE SKIP LOCKED),
	u AS (
		UPDATE ctem.outbox o
		SET claimed_at = statement_timestamp(), claimed_by = consumer,
			attempts = o.attempts OPERATOR(pg_catalog.+) 1
		FROM c
		WHERE o.tenant_id OPERATOR(pg_catalog.=) c.tenant_id AND o.id OPERATOR(pg_catalog.=) c.id
		RETURNING o.id)
	SELECT array_agg(u.id) INTO claimed FROM u;
	IF claimed IS NULL THEN
		RETURN;
	END IF;
	PERFORM ctem.outbox_fill(claimed);
	RETURN QUERY SELECT o.* FROM ctem.outbox o
	WHERE o.id OPERATOR(pg_catalog.=) ANY (claimed) AND o.delivered_at IS NULL AND o.dead_at IS NULL
	ORDER BY o.id;
END
$$;
COMMENT ON FUNCTION ctem.outbox_claim(integer, text, interval, integer) IS
	'Claims up to batch outbox rows (of tenant_id, or of every tenant when NULL) for consumer, oldest (lowest id) due first, with FOR UPDATE SKIP LOCKED: rows delivered, dead, waiting for their next attempt, or claimed less than claim_timeout ago are skipped, so a row is handed to one consumer until it is acknowledged (ctem.outbox_ack), failed (ctem.outbox_fail) or its claim times out. Counts an attempt and builds the payloads still missing (ctem.outbox_fill). Returns the rows; as the caller (SELECT, UPDATE on ctem.outbox).';

CREATE FUNCTION ctem.outbox_ack(ids bigint[], tenant_id integer DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t alias FOR tenant_id;
	n integer;
BEGIN
	UPDATE ctem.outbox o SET delivered_at = statement_timestamp()
	WHERE o.id OPERATOR(pg_catalog.=) ANY (ids)
	  AND (t IS NULL OR o.tenant_id OPERATOR(pg_catalog.=) t)
	  AND o.delivered_at IS NULL AND o.dead_at IS NULL;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION ctem.outbox_ack(bigint[], integer) IS
	'Marks the outbox rows ids (of tenant_id, or of any tenant when NULL) delivered; they are never handed out again. Returns the number marked (rows delivered or dead already are left alone). As the caller (SELECT, UPDATE on ctem.outbox).';

CREATE FUNCTION ctem.outbox_fail(id bigint, error text, max_attempts integer DEFAULT 8,
								 backoff interval DEFAULT '1 minute',
								 max_backoff interval DEFAULT '6 hours',
								 tenant_id integer DEFAULT NULL)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t alias FOR tenant_id;
	r ctem.outbox;
	wait interval;
BEGIN
	IF max_attempts IS NULL OR max_attempts < 1 OR backoff IS NULL OR backoff < interval '0'
	   OR max_backoff IS NULL OR max_backoff < backoff THEN
		RAISE EXCEPTION 'invalid outbox retry settings'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = format('max_attempts %s, backoff %s, max_backoff %s.', max_attempts, backoff, max_backoff),
				  HINT = 'max_attempts is at least 1, backoff is not negative and max_backoff is at least backoff.';
	END IF;
	SELECT o.* INTO r FROM ctem.outbox o
	WHERE o.id OPERATOR(pg_catalog.=) outbox_fail.id
	  AND (t IS NULL OR o.tenant_id OPERATOR(pg_catalog.=) t)
	  AND o.delivered_at IS NULL AND o.dead_at IS NULL
	FOR UPDATE;
	IF NOT FOUND THEN
		-- delivered, dead or unknown: only for the message, off the index
		SELECT o.* INTO r FROM ctem.outbox o
		WHERE o.id OPERATOR(pg_catalog.=) outbox_fail.id
		  AND (t IS NULL OR o.tenant_id OPERATOR(pg_catalog.=) t);
		IF NOT FOUND THEN
			RAISE EXCEPTION 'outbox row % does not exist', outbox_fail.id
				USING ERRCODE = 'undefined_object';
		END IF;
		RAISE EXCEPTION 'outbox row % is % already', r.id,
						CASE WHEN r.dead_at IS NOT NULL THEN 'dead' ELSE 'delivered' END
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Only a row that is still to deliver can fail.';
	END IF;
	IF r.attempts >= max_attempts THEN
		UPDATE ctem.outbox o SET last_error = error, claimed_at = NULL, claimed_by = NULL,
								 dead_at = statement_timestamp()
		WHERE o.tenant_id OPERATOR(pg_catalog.=) r.tenant_id AND o.id OPERATOR(pg_catalog.=) r.id;
		RETURN NULL;
	END IF;
	-- exponential: backoff, 2 backoff, 4 backoff ... up to max_backoff
	wait := least(max_backoff, backoff OPERATOR(pg_catalog.*)
				  power(2, least(greatest(r.attempts, 1) - 1, 30))::double precision);
	UPDATE ctem.outbox o SET last_error = error, claimed_at = NULL, claimed_by = NULL,
							 next_attempt_at = statement_timestamp() OPERATOR(pg_catalog.+) wait
	WHERE o.tenant_id OPERATOR(pg_catalog.=) r.tenant_id AND o.id OPERATOR(pg_catalog.=) r.id;
	RETURN statement_timestamp() OPERATOR(pg_catalog.+) wait;
END
$$;
COMMENT ON FUNCTION ctem.outbox_fail(bigint, text, integer, interval, interval, integer) IS
	'Records a failed delivery of outbox row id with its error and releases the claim. The row is handed out again after backoff times 2^(attempts-1), at most max_backoff (returned: the next attempt''s time); after max_attempts claims it is dead (dead_at set, NULL returned) and never handed out again. As the caller (SELECT, UPDATE on ctem.outbox).';

/* ------------------------------------------------------------------------
 * The daily risk snapshot
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.risk_snapshot (
	tenant_id		integer NOT NULL DEFAULT 1,
	day				date NOT NULL,
	scope			text NOT NULL,
	team			text NOT NULL,
	open_p1			integer NOT NULL DEFAULT 0,
	open_p2			integer NOT NULL DEFAULT 0,
	open_p3			integer NOT NULL DEFAULT 0,
	open_p4			integer NOT NULL DEFAULT 0,
	open_unscored	integer NOT NULL DEFAULT 0,
	open_total		integer NOT NULL DEFAULT 0,
	risk_sum		numeric NOT NULL DEFAULT 0,
	sla_breached	integer NOT NULL DEFAULT 0,
	risk_accepted	integer NOT NULL DEFAULT 0,
	taken_at		timestamptz NOT NULL,
	CONSTRAINT risk_snapshot_pkey PRIMARY KEY (tenant_id, day, scope, team),
	CONSTRAINT risk_snapshot_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.risk_snapshot IS
	'The risk figures of each day, per scope and team, as ctem.run_maintenance saw them (one run a day keeps the latest figures of the day); read through ctem.risk_trend';
COMMENT ON COLUMN ctem.risk_snapshot.tenant_id IS 'Tenant';
COMMENT ON COLUMN ctem.risk_snapshot.day IS 'The day (UTC) of the run''s "at"';
COMMENT ON COLUMN ctem.risk_snapshot.scope IS 'An active ctem.scope (its members'' exposures), or * for all of the tenant''s exposures';
COMMENT ON COLUMN ctem.risk_snapshot.team IS 'A team (ctem.exposure.team), '''' for exposures without a team, or * for all teams';
COMMENT ON COLUMN ctem.risk_snapshot.open_p1 IS 'Active (open or in_progress) exposures of priority P1';
COMMENT ON COLUMN ctem.risk_snapshot.open_p2 IS 'Active exposures of priority P2';
COMMENT ON COLUMN ctem.risk_snapshot.open_p3 IS 'Active exposures of priority P3';
COMMENT ON COLUMN ctem.risk_snapshot.open_p4 IS 'Active exposures of priority P4';
COMMENT ON COLUMN ctem.risk_snapshot.open_unscored IS 'Active exposures without a priority';
COMMENT ON COLUMN ctem.risk_snapshot.open_total IS 'All active exposures';
COMMENT ON COLUMN ctem.risk_snapshot.risk_sum IS 'Sum of the risk_score of the active exposures';
COMMENT ON COLUMN ctem.risk_snapshot.sla_breached IS 'Active exposures past their SLA (sla_breached_at set)';
COMMENT ON COLUMN ctem.risk_snapshot.risk_accepted IS 'Exposures in status risk_accepted';
COMMENT ON COLUMN ctem.risk_snapshot.taken_at IS 'The "at" of the run that wrote the row';
COMMENT ON CONSTRAINT risk_snapshot_pkey ON ctem.risk_snapshot IS
	'One row per tenant, day, scope and team; tenant first';
COMMENT ON CONSTRAINT risk_snapshot_tenant_positive ON ctem.risk_snapshot IS 'Tenant ids are positive';

SELECT pg_catalog.pg_extension_config_dump('ctem.risk_snapshot', '');
CREATE TRIGGER risk_snapshot_restore
	BEFORE INSERT ON ctem.risk_snapshot
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.restore_statement();
COMMENT ON TRIGGER risk_snapshot_restore ON ctem.risk_snapshot IS
	'A restore stores the dumped rows as they are (ctem.restore_statement)';

CREATE VIEW ctem.risk_trend WITH (security_invoker = true) AS
SELECT s.tenant_id,
	   s.day,
	   s.scope,
	   s.team,
	   s.open_p1,
	   s.open_p2,
	   s.open_p3,
	   s.open_p4,
	   s.open_unscored,
	   s.open_total,
	   s.risk_sum,
	   s.sla_breached,
	   s.risk_accepted,
	   s.open_total OPERATOR(pg_catalog.-) pg_catalog.lag(s.open_total)
		   OVER (PARTITION BY s.tenant_id, s.scope, s.team ORDER BY s.day) AS open_change,
	   s.risk_sum OPERATOR(pg_catalog.-) pg_catalog.lag(s.risk_sum)
		   OVER (PARTITION BY s.tenant_id, s.scope, s.team ORDER BY s.day) AS risk_change,
	   s.taken_at
FROM ctem.risk_snapshot s;
COMMENT ON VIEW ctem.risk_trend IS
	'The daily risk snapshots for trend charts, with the change since the previous snapshot of the same scope and team (open_change, risk_change; NULL for the first). Reads with the caller''s rights (security_invoker)';

/* ------------------------------------------------------------------------
 * ctem.run_maintenance
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.run_maintenance(at timestamptz DEFAULT pg_catalog.now(),
									 tenant_id integer DEFAULT NULL,
									 OUT acceptances_expired integer,
									 OUT sla_breached integer,
									 OUT assets_stale integer,
									 OUT assets_fresh integer,
									 OUT snapshot_rows integer)
RETURNS record
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t integer;
	tenants integer[];
	stale_days integer;
	snap_day date := (at AT TIME ZONE 'UTC')::date;
	ids bigint[];
	teams text[];
	n integer;
BEGIN
	IF at IS NULL THEN
		RAISE EXCEPTION 'maintenance needs a time'
			USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass at => now(), or leave it out.';
	END IF;
	-- one run at a time: a second one waits, then finds its work done
	PERFORM pg_advisory_xact_lock(1668572525, 1);	-- 'ctem', 1
	acceptances_expired := ctem.expire_acceptances(at, run_maintenance.tenant_id);
	sla_breached := 0;
	assets_stale := 0;
	assets_fresh := 0;
	snapshot_rows := 0;
	SELECT p.stale_after_days INTO stale_days FROM ctem.policy p WHERE p.active;
	stale_days := coalesce(stale_days, 30);
	IF run_maintenance.tenant_id IS NOT NULL THEN
		tenants := ARRAY[run_maintenance.tenant_id];
	ELSE
		SELECT array_agg(DISTINCT x.tenant_id ORDER BY x.tenant_id) INTO tenants
		FROM (SELECT a.tenant_id FROM ctem.asset a
			  UNION SELECT s.tenant_id FROM ctem.risk_snapshot s
					WHERE s.day OPERATOR(pg_catalog.=) snap_day) x;
	END IF;
	FOREACH t IN ARRAY coalesce(tenants, '{}') LOOP
		-- SLA breaches: once per breach, with an outbox event
		WITH b AS (
			UPDATE ctem.exposure e SET sla_breached_at = e.sla_due
			WHERE e.tenant_id OPERATOR(pg_catalog.=) t
			  AND e.status IN ('open', 'in_progress')
			  AND e.sla_due OPERATOR(pg_catalog.<) at
			  AND e.sla_breached_at IS NULL
			RETURNING e.id, e.team)
		SELECT array_agg(b.id ORDER BY b.id), array_agg(b.team ORDER BY b.id) INTO ids, teams FROM b;
		IF ids IS NOT NULL THEN
			sla_breached := sla_breached + cardinality(ids);
			PERFORM ctem.outbox_write(t, ids, array_fill('sla_breached'::text, ARRAY[cardinality(ids)]), teams);
		END IF;
		-- stale assets, and assets seen again
		UPDATE ctem.asset a
		SET stale_since = a.last_seen OPERATOR(pg_catalog.+) make_interval(days => stale_days)
		WHERE a.tenant_id OPERATOR(pg_catalog.=) t AND a.stale_since IS NULL
		  AND a.last_seen OPERATOR(pg_catalog.<) (at OPERATOR(pg_catalog.-) make_interval(days => stale_days));
		GET DIAGNOSTICS n = ROW_COUNT;
		assets_stale := assets_stale + n;
		UPDATE ctem.asset a SET stale_since = NULL
		WHERE a.tenant_id OPERATOR(pg_catalog.=) t AND a.stale_since IS NOT NULL
		  AND a.last_seen OPERATOR(pg_catalog.>=) (at OPERATOR(pg_catalog.-) make_interval(days => stale_days));
		GET DIAGNOSTICS n = ROW_COUNT;
		assets_fresh := assets_fresh + n;
		-- the day's snapshot, replaced by a later run of the same day
		DELETE FROM ctem.risk_snapshot s
		WHERE s.tenant_id OPERATOR(pg_catalog.=) t AND s.day OPERATOR(pg_catalog.=) snap_day;
		INSERT INTO ctem.risk_snapshot (tenant_id, day, scope, team, open_p1, open_p2, open_p3,
										open_p4, open_unscored, open_total, risk_sum,
										sla_breached, risk_accepted, taken_at)
		SELECT t, snap_day, x.scope,
			   CASE WHEN GROUPING(x.team) OPERATOR(pg_catalog.=) 1 THEN '*' ELSE x.team END,
			   count(*) FILTER (WHERE x.active AND x.priority OPERATOR(pg_catalog.=) 'P1'),
			   count(*) FILTER (WHERE x.active AND x.priority OPERATOR(pg_catalog.=) 'P2'),
			   count(*) FILTER (WHERE x.active AND x.priority OPERATOR(pg_catalog.=) 'P3'),
			   count(*) FILTER (WHERE x.active AND x.priority OPERATOR(pg_catalog.=) 'P4'),
			   count(*) FILTER (WHERE x.active AND x.priority IS NULL),
			   count(*) FILTER (WHERE x.active),
			   coalesce(sum(x.risk_score) FILTER (WHERE x.active), 0),
			   count(*) FILTER (WHERE x.active AND x.sla_breached_at IS NOT NULL),
			   count(*) FILTER (WHERE NOT x.active),
			   at
		FROM (SELECT m.scope, coalesce(e.team, '') AS team, e.priority, e.risk_score,
					 e.sla_breached_at, e.status IN ('open', 'in_progress') AS active
			  FROM ctem.exposure e
			  CROSS JOIN LATERAL (
				  SELECT '*'::text AS scope
				  UNION ALL
				  SELECT sm.scope FROM ctem.scope_member sm
				  WHERE sm.tenant_id OPERATOR(pg_catalog.=) t
					AND sm.asset_id OPERATOR(pg_catalog.=) e.asset_id) m
			  WHERE e.tenant_id OPERATOR(pg_catalog.=) t
				AND e.status IN ('open', 'in_progress', 'risk_accepted')) x
		GROUP BY GROUPING SETS ((x.scope, x.team), (x.scope));
		GET DIAGNOSTICS n = ROW_COUNT;
		snapshot_rows := snapshot_rows + n;
	END LOOP;
END
$$;
COMMENT ON FUNCTION ctem.run_maintenance(timestamptz, integer) IS
	'Scheduled maintenance as of "at" (default now), for tenant_id or every tenant when NULL: expires acceptances (ctem.expire_acceptances), marks active exposures past their sla_due (sla_breached_at, outbox event sla_breached), marks assets not seen for the active policy''s stale_after_days (stale_since; cleared when seen again), and writes the day''s ctem.risk_snapshot per scope and team. Returns the counts. Idempotent; one run at a time (advisory lock: a concurrent run waits). Runs as its owner; EXECUTE is not granted to PUBLIC. Schedule it daily, e.g. with pg_cron (docs/mobilization.md).';

/* ------------------------------------------------------------------------
 * Privileges (90_grants.sql)
 * ------------------------------------------------------------------------ */

-- The attack graph's trigger functions (50_validation.sql) write
-- ctem.graph_change and delete edges as the tables' owner: nobody calls them
-- or attaches them elsewhere.  ctem.graph_install (DDL on ctem's
-- tables) and ctem.graph_compact (which may wait for the tenant's writers)
-- are for the administrator, who grants them as needed.
REVOKE EXECUTE ON FUNCTION ctem.asset_edge_before_row(), ctem.asset_edge_reference(),
	ctem.graph_change_note(), ctem.graph_change_flush() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.graph_install(), ctem.graph_compact(integer),
	ctem.attack_path_refresh(integer) FROM PUBLIC;

-- Scoping and routing (60_scoping.sql, 65_teams.sql): the trigger functions
-- and the functions that write membership history and teams as the
-- tables' owner.  ctem.scope_refresh, ctem.route_exposures and
-- ctem.scope_install are for the administrator, who grants them as needed.
REVOKE EXECUTE ON FUNCTION ctem.scope_sync(integer, text[], bigint[], text),
	ctem.scope_membership(), ctem.asset_scope_sync(), ctem.asset_edge_scope_sync(),
	ctem.routing_change() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.scope_refresh(text, integer),
	ctem.route_exposures(integer, bigint[]), ctem.scope_install() FROM PUBLIC;
-- The workflow (70_mobilization.sql): its trigger functions, and the
-- functions that apply, expire and revoke risk acceptances as the owner of
-- ctem.risk_acceptance (expire_acceptances with a later "at" would end
-- acceptances early) are for the roles the administrator grants them to;
-- ctem.workflow_install does DDL on ctem's tables.  Recording an
-- acceptance needs INSERT on ctem.risk_acceptance, ctem.set_status UPDATE
-- on ctem.exposure.
REVOKE EXECUTE ON FUNCTION ctem.exposure_workflow(), ctem.risk_acceptance_check(),
	ctem.risk_acceptance_applied(), ctem.risk_acceptance_guard() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.workflow_install(), ctem.apply_acceptance(bigint, integer),
	ctem.expire_acceptances(timestamptz, integer),
	ctem.revoke_acceptance(bigint, text, text, integer) FROM PUBLIC;
-- The outbox and maintenance (75_outbox.sql): the trigger functions and
-- ctem.outbox_write write the outbox as its owner; ctem.run_maintenance
-- runs as its owner (a later "at" would end acceptances early) and
-- ctem.outbox_install does DDL on ctem's tables: for the roles the
-- administrator grants them to.  Consumers need SELECT and UPDATE on
-- ctem.outbox for ctem.outbox_claim, outbox_ack and outbox_fail.
REVOKE EXECUTE ON FUNCTION ctem.exposure_outbox_row(), ctem.exposure_outbox_flush(),
	ctem.exposure_sla_clear(), ctem.outbox_write(integer, bigint[], text[], text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.outbox_install(), ctem.run_maintenance(timestamptz, integer) FROM PUBLIC;

-- Team isolation (85_security.sql): turning it on or off is DDL on ctem's
-- tables, for their owner.  ctem.team_member is under row-level security
-- (a role reads its own memberships, which the policies' helpers read as
-- the caller), so every role may select from it.
REVOKE EXECUTE ON FUNCTION ctem.enable_team_isolation(), ctem.disable_team_isolation() FROM PUBLIC;
GRANT SELECT ON ctem.team_member TO PUBLIC;

-- The roles (85_security.sql, docs/security.md).  ctem_admin is a member
-- of ctem_writer, ctem_writer of ctem_reader: each has the privileges of
-- the one below.  Functions not revoked above are executable by PUBLIC;
-- what they read or write, they do as the caller, with these grants.
-- ctem_reader: the tables and views (under team isolation: its teams'
-- rows), and through them every read function.
GRANT USAGE ON SCHEMA ctem TO ctem_reader;
GRANT SELECT ON ctem.asset, ctem.exposure, ctem.exposure_event, ctem.vuln_intel, ctem.policy,
	ctem.control, ctem.validation_result, ctem.asset_edge, ctem.scope, ctem.scope_member,
	ctem.scope_membership_event, ctem.team, ctem.routing_rule, ctem.risk_acceptance,
	ctem.risk_acceptance_exposure, ctem.work_queue, ctem.exposure_summary TO ctem_reader;
-- ctem_writer: ctem.ingest and ETL INSERT / COPY of assets, exposures,
-- edges, controls and validation results; status changes (UPDATE,
-- ctem.set_status).  The history is written by ctem, not by the writer.
GRANT INSERT, UPDATE ON ctem.asset, ctem.exposure, ctem.asset_edge, ctem.control,
	ctem.validation_result TO ctem_writer;
GRANT USAGE ON SEQUENCE ctem.asset_id_seq, ctem.exposure_id_seq, ctem.asset_edge_id_seq,
	ctem.control_id_seq, ctem.validation_result_id_seq TO ctem_writer;
-- ctem_admin: policies, intel, scopes, teams, team members, routing rules,
-- risk acceptances (record, apply, expire, revoke), deletes, and the
-- administrator's functions; under team isolation it sees every row.
GRANT INSERT, UPDATE, DELETE ON ctem.policy, ctem.vuln_intel, ctem.scope, ctem.team,
	ctem.team_member, ctem.routing_rule TO ctem_admin;
GRANT INSERT ON ctem.risk_acceptance TO ctem_admin;
GRANT DELETE ON ctem.asset, ctem.exposure, ctem.asset_edge, ctem.control,
	ctem.validation_result TO ctem_admin;
GRANT USAGE ON SEQUENCE ctem.routing_rule_id_seq, ctem.risk_acceptance_id_seq TO ctem_admin;
GRANT EXECUTE ON FUNCTION ctem.apply_acceptance(bigint, integer),
	ctem.expire_acceptances(timestamptz, integer),
	ctem.revoke_acceptance(bigint, text, text, integer),
	ctem.scope_refresh(text, integer), ctem.route_exposures(integer, bigint[]),
	ctem.graph_compact(integer), ctem.attack_path_refresh(integer),
	ctem.context_lock() TO ctem_admin;
-- the outbox and the trend (75_outbox.sql): readers read them, writers
-- (ticketing consumers) claim, ack and fail rows, the administrator runs
-- the maintenance
GRANT SELECT ON ctem.outbox, ctem.risk_snapshot, ctem.risk_trend TO ctem_reader;
GRANT UPDATE ON ctem.outbox TO ctem_writer;
GRANT EXECUTE ON FUNCTION ctem.run_maintenance(timestamptz, integer) TO ctem_admin;
