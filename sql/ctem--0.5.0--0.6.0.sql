/*
 * ctem--0.5.0--0.6.0.sql
 *		Upgrade from 0.5.0 to 0.6.0: attack paths (docs/attack-paths.md);
 *		exact restores, parallel ones too (docs/architecture.md, "Backup and
 *		restore").
 *
 * The same objects as a fresh 0.6.0 install (sql/src/: 10_types.sql,
 * 40_prioritization.sql, 50_validation.sql, 90_grants.sql), in the same
 * words, so that test/sql/upgrade.sql finds no difference: the edge kinds,
 * two policy columns (at the end of ctem.policy, a catalogue table), the
 * graph ctem.asset_edge, its change log ctem.graph_change, their triggers
 * and the attack-path functions.  The triggers on the older tenant tables
 * ctem.asset and ctem.exposure come from ctem.graph_install(),
 * which this script runs only when the install is not distributed.
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
