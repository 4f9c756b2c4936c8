/*
 * 00_schema.sql
 *		Start of the ctem install script: the guard against sourcing it in
 *		psql, and the ctem schema that holds every object of the extension.
 *
 * The install script sql/ctem--<default_version>.sql is the files of
 * sql/src/ concatenated in file-name order (see the Makefile), one file per
 * CTEM stage, so that the current schema reads in one place:
 *
 *	00_schema.sql			the schema
 *	10_types.sql			the enums and the ctem.cvss base type with its
 *							casts, operators and accessors
 *	20_store.sql			ctem.asset and ctem.exposure, their keys and
 *							row triggers, ctem.ensure_asset
 *	30_discovery.sql		threat intel (ctem.vuln_intel, KEV and EPSS
 *							loaders), report ingest, the re-detection merge,
 *							the exposure history (ctem.exposure_event)
 *	40_prioritization.sql	the scoring policy, compensating controls, the
 *							risk score functions, the re-scoring triggers
 *	50_validation.sql		validation results and how they feed the score
 *	80_views.sql			views for analysts and BI tools
 *	90_grants.sql			privileges
 *
 * The order in which the tables are created shows in query output (ORDER BY
 * regclass, pg_extension.extconfig, the tables a TRUNCATE ... CASCADE
 * names), and the tests expect it: asset, exposure (20), vuln_intel,
 * exposure_event (30), policy, control (40), validation_result (50).
 *
 * Every tenant-scoped table carries tenant_id (default 1) first in every
 * primary, unique and foreign key, so that the schema stays distributable
 * by tenant (docs/architecture.md, "Scale-out").  The script seeds no row
 * into a tenant table.  Column order is part of the interface (ETL jobs COPY
 * without a column list): a new column goes at the end of its table.
 *
 * Once a version is released its script is never edited: a later change
 * goes here and into an upgrade step sql/ctem--A--B.sql, and the upgrade
 * test (test/sql/upgrade.sql) checks that both give the same catalog.
 *
 * sql/src/00_schema.sql
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION ctem" to load this file. \quit

-- The schema is the script's first object, so the extension owns it: it is
-- dropped with the extension, and CREATE EXTENSION fails when a ctem schema
-- already exists (nobody can plant objects in it beforehand).
CREATE SCHEMA ctem;
COMMENT ON SCHEMA ctem IS
	'Continuous Threat Exposure Management: asset inventory, exposures, scoring, validation and mobilization objects of the ctem extension';
/*
 * 10_types.sql
 *		The types ctem's tables use: the enums, and the ctem.cvss base type
 *		(CVSS v2, v3.0, v3.1 and v4.0 vectors parsed and scored in C) with its
 *		casts, operators, operator classes and accessors.  The result type of
 *		ctem.ingest is next to that function in 30_discovery.sql.
 *
 * sql/src/10_types.sql
 */

/* ------------------------------------------------------------------------
 * Enums
 * ------------------------------------------------------------------------ */

CREATE TYPE ctem.asset_kind AS ENUM (
	'host',
	'container_image',
	'repository',
	'cloud_resource',
	'kubernetes_resource',
	'web_app',
	'api',
	'saas_app',
	'identity',
	'network',
	'application',
	'database',
	'domain'
);
COMMENT ON TYPE ctem.asset_kind IS
	'What an asset is; decides how its natural key is normalised (host: hostname or IP, container_image: image reference, repository: URL, cloud_resource: provider id such as an ARN, web_app/api: URL, domain: FQDN)';

CREATE TYPE ctem.exposure_kind AS ENUM (
	'vulnerability',
	'misconfiguration',
	'secret',
	'identity_risk',
	'exposed_service',
	'code_weakness',
	'threat_detection'
);
COMMENT ON TYPE ctem.exposure_kind IS
	'What kind of problem an exposure is: a known vulnerability (CVE/GHSA), a configuration or posture failure, a leaked secret, an identity risk, a service exposed to a network, a weakness in source code, or a threat detected at run time';

CREATE TYPE ctem.exposure_status AS ENUM (
	'open',
	'in_progress',
	'fixed',
	'risk_accepted',
	'false_positive'
);
COMMENT ON TYPE ctem.exposure_status IS
	'Workflow state of an exposure: open and in_progress are active; fixed, risk_accepted and false_positive are closed';

CREATE TYPE ctem.priority AS ENUM ('P1', 'P2', 'P3', 'P4');
COMMENT ON TYPE ctem.priority IS
	'Remediation priority, P1 most urgent; sorts P1 first, so "priority <= ''P2''" means P1 or P2';

CREATE TYPE ctem.severity AS ENUM (
	'unknown',
	'info',
	'low',
	'medium',
	'high',
	'critical'
);
COMMENT ON TYPE ctem.severity IS
	'Severity as the scanner reported it, normalised; sorts from unknown to critical, so "severity >= ''high''" means high or critical';

CREATE TYPE ctem.exploit_maturity AS ENUM ('unknown', 'unproven', 'poc', 'functional', 'high');
COMMENT ON TYPE ctem.exploit_maturity IS
	'Exploit code maturity: unknown, unproven, poc (proof of concept), functional, high (weaponised or attacked in the wild)';

CREATE TYPE ctem.validation_outcome AS ENUM ('exploitable', 'blocked', 'not_exploitable');
COMMENT ON TYPE ctem.validation_outcome IS
	'Outcome of a validation (breach-and-attack simulation, pentest, manual test): the attack worked, was blocked by a control, or the weakness could not be exploited';

/* ------------------------------------------------------------------------
 * ctem.cvss: a CVSS vector, validated and scored at input
 * ------------------------------------------------------------------------ */

CREATE TYPE ctem.cvss;

CREATE FUNCTION ctem.cvss_in(cstring) RETURNS ctem.cvss
AS 'MODULE_PATHNAME', 'ctem_cvss_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_in(cstring) IS
	'Input function of ctem.cvss: parses and scores a CVSS v2, v3.0, v3.1 or v4.0 vector; errors (22P02) name the offending component and its position';
CREATE FUNCTION ctem.cvss_out(ctem.cvss) RETURNS cstring
AS 'MODULE_PATHNAME', 'ctem_cvss_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_out(ctem.cvss) IS
	'Output function of ctem.cvss: the canonical vector (metrics in specification order)';
CREATE FUNCTION ctem.cvss_recv(internal) RETURNS ctem.cvss
AS 'MODULE_PATHNAME', 'ctem_cvss_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_recv(internal) IS
	'Binary input of ctem.cvss: the vector as text, parsed again';
CREATE FUNCTION ctem.cvss_send(ctem.cvss) RETURNS bytea
AS 'MODULE_PATHNAME', 'ctem_cvss_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_send(ctem.cvss) IS
	'Binary output of ctem.cvss: the canonical vector as text';

CREATE TYPE ctem.cvss (
	INPUT = ctem.cvss_in,
	OUTPUT = ctem.cvss_out,
	RECEIVE = ctem.cvss_recv,
	SEND = ctem.cvss_send,
	INTERNALLENGTH = 44,
	ALIGNMENT = int2,
	STORAGE = plain
);
COMMENT ON TYPE ctem.cvss IS
	'A CVSS vector (v2.0, v3.0, v3.1 or v4.0), validated and scored at input; shown as its canonical vector; ordered by score, then vector';

/* casts */

CREATE FUNCTION ctem.try_cvss(vector text) RETURNS ctem.cvss
AS 'MODULE_PATHNAME', 'ctem_try_cvss' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.try_cvss(text) IS
	'The vector as ctem.cvss, or NULL when it is not a valid CVSS vector (for ETL jobs that must not stop on a bad vector)';

CREATE CAST (text AS ctem.cvss) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (text AS ctem.cvss) IS 'Parses a vector; an invalid one is an error (use ctem.try_cvss to get NULL instead)';
CREATE CAST (ctem.cvss AS text) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (ctem.cvss AS text) IS 'The canonical vector';

/*
 * comparison; the operators live in pg_catalog, like those of the built-in
 * types, so that "cvss = '...'" works whatever the search_path
 */

CREATE FUNCTION ctem.cvss_eq(ctem.cvss, ctem.cvss) RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_cvss_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_eq(ctem.cvss, ctem.cvss) IS 'Same version and same metric values (same canonical vector)';
CREATE FUNCTION ctem.cvss_ne(ctem.cvss, ctem.cvss) RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_cvss_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_ne(ctem.cvss, ctem.cvss) IS 'Not the same canonical vector';
CREATE FUNCTION ctem.cvss_lt(ctem.cvss, ctem.cvss) RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_cvss_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_lt(ctem.cvss, ctem.cvss) IS 'Lower score, or same score and vector sorting first';
CREATE FUNCTION ctem.cvss_le(ctem.cvss, ctem.cvss) RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_cvss_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_le(ctem.cvss, ctem.cvss) IS 'cvss_lt or cvss_eq';
CREATE FUNCTION ctem.cvss_gt(ctem.cvss, ctem.cvss) RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_cvss_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_gt(ctem.cvss, ctem.cvss) IS 'Higher score, or same score and vector sorting last';
CREATE FUNCTION ctem.cvss_ge(ctem.cvss, ctem.cvss) RETURNS boolean
AS 'MODULE_PATHNAME', 'ctem_cvss_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_ge(ctem.cvss, ctem.cvss) IS 'cvss_gt or cvss_eq';
CREATE FUNCTION ctem.cvss_cmp(ctem.cvss, ctem.cvss) RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_cvss_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_cmp(ctem.cvss, ctem.cvss) IS 'Btree support: -1, 0 or 1 ordering by score, then canonical vector';
CREATE FUNCTION ctem.cvss_hash(ctem.cvss) RETURNS integer
AS 'MODULE_PATHNAME', 'ctem_cvss_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_hash(ctem.cvss) IS 'Hash support: hash of version and metric values';
CREATE FUNCTION ctem.cvss_hash_extended(ctem.cvss, bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'ctem_cvss_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION ctem.cvss_hash_extended(ctem.cvss, bigint) IS 'Hash support: seeded 64-bit hash of version and metric values';

CREATE OPERATOR pg_catalog.= (LEFTARG = ctem.cvss, RIGHTARG = ctem.cvss, PROCEDURE = ctem.cvss_eq,
	COMMUTATOR = OPERATOR(pg_catalog.=), NEGATOR = OPERATOR(pg_catalog.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
COMMENT ON OPERATOR pg_catalog.= (ctem.cvss, ctem.cvss) IS 'Same canonical CVSS vector';
CREATE OPERATOR pg_catalog.<> (LEFTARG = ctem.cvss, RIGHTARG = ctem.cvss, PROCEDURE = ctem.cvss_ne,
	COMMUTATOR = OPERATOR(pg_catalog.<>), NEGATOR = OPERATOR(pg_catalog.=),
	RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR pg_catalog.<> (ctem.cvss, ctem.cvss) IS 'Different CVSS vectors';
CREATE OPERATOR pg_catalog.< (LEFTARG = ctem.cvss, RIGHTARG = ctem.cvss, PROCEDURE = ctem.cvss_lt,
	COMMUTATOR = OPERATOR(pg_catalog.>), NEGATOR = OPERATOR(pg_catalog.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
COMMENT ON OPERATOR pg_catalog.< (ctem.cvss, ctem.cvss) IS 'Lower score (then vector order)';
CREATE OPERATOR pg_catalog.<= (LEFTARG = ctem.cvss, RIGHTARG = ctem.cvss, PROCEDURE = ctem.cvss_le,
	COMMUTATOR = OPERATOR(pg_catalog.>=), NEGATOR = OPERATOR(pg_catalog.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
COMMENT ON OPERATOR pg_catalog.<= (ctem.cvss, ctem.cvss) IS 'Lower or equal';
CREATE OPERATOR pg_catalog.> (LEFTARG = ctem.cvss, RIGHTARG = ctem.cvss, PROCEDURE = ctem.cvss_gt,
	COMMUTATOR = OPERATOR(pg_catalog.<), NEGATOR = OPERATOR(pg_catalog.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
COMMENT ON OPERATOR pg_catalog.> (ctem.cvss, ctem.cvss) IS 'Higher score (then vector order)';
CREATE OPERATOR pg_catalog.>= (LEFTARG = ctem.cvss, RIGHTARG = ctem.cvss, PROCEDURE = ctem.cvss_ge,
	COMMUTATOR = OPERATOR(pg_catalog.<=), NEGATOR = OPERATOR(pg_catalog.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR pg_catalog.>= (ctem.cvss, ctem.cvss) IS 'Higher or equal';

CREATE OPERATOR CLASS ctem.cvss_ops DEFAULT FOR TYPE ctem.cvss USING btree AS
	OPERATOR 1 pg_catalog.< (ctem.cvss, ctem.cvss),
	OPERATOR 2 pg_catalog.<= (ctem.cvss, ctem.cvss),
	OPERATOR 3 pg_catalog.= (ctem.cvss, ctem.cvss),
	OPERATOR 4 pg_catalog.>= (ctem.cvss, ctem.cvss),
	OPERATOR 5 pg_catalog.> (ctem.cvss, ctem.cvss),
	FUNCTION 1 ctem.cvss_cmp(ctem.cvss, ctem.cvss);
COMMENT ON OPERATOR CLASS ctem.cvss_ops USING btree IS 'Orders CVSS vectors by score, then canonical vector';
COMMENT ON OPERATOR FAMILY ctem.cvss_ops USING btree IS 'Btree family of ctem.cvss';
CREATE OPERATOR CLASS ctem.cvss_hash_ops DEFAULT FOR TYPE ctem.cvss USING hash AS
	OPERATOR 1 pg_catalog.= (ctem.cvss, ctem.cvss),
	FUNCTION 1 ctem.cvss_hash(ctem.cvss),
	FUNCTION 2 ctem.cvss_hash_extended(ctem.cvss, bigint);
COMMENT ON OPERATOR CLASS ctem.cvss_hash_ops USING hash IS 'Hashes CVSS vectors by version and metric values';
COMMENT ON OPERATOR FAMILY ctem.cvss_hash_ops USING hash IS 'Hash family of ctem.cvss';

/* accessors */

CREATE FUNCTION ctem.cvss_score(ctem.cvss) RETURNS numeric
AS 'MODULE_PATHNAME', 'ctem_cvss_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_score(ctem.cvss) IS
	'The score to rank by: for v4.0 the single CVSS v4.0 score (CVSS-B, -BT, -BE or -BTE, whatever the vector carries); for v2 and v3 the base score';
CREATE FUNCTION ctem.cvss_base_score(ctem.cvss) RETURNS numeric
AS 'MODULE_PATHNAME', 'ctem_cvss_base_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_base_score(ctem.cvss) IS
	'Base score; for v4.0 the CVSS-B score (threat and environmental metrics ignored)';
CREATE FUNCTION ctem.cvss_temporal_score(ctem.cvss) RETURNS numeric
AS 'MODULE_PATHNAME', 'ctem_cvss_temporal_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_temporal_score(ctem.cvss) IS
	'Temporal score (v2, v3); v2 gives NULL when E, RL and RC are all absent or ND; v4.0 gives NULL';
CREATE FUNCTION ctem.cvss_environmental_score(ctem.cvss) RETURNS numeric
AS 'MODULE_PATHNAME', 'ctem_cvss_environmental_score' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_environmental_score(ctem.cvss) IS
	'Environmental score (v2, v3); v2 gives NULL when CDP, TD, CR, IR and AR are all absent or ND; v4.0 gives NULL';
CREATE FUNCTION ctem.cvss_version(ctem.cvss) RETURNS text
AS 'MODULE_PATHNAME', 'ctem_cvss_version' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_version(ctem.cvss) IS 'CVSS version: 2.0, 3.0, 3.1 or 4.0';
CREATE FUNCTION ctem.cvss_severity(ctem.cvss) RETURNS text
AS 'MODULE_PATHNAME', 'ctem_cvss_severity' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_severity(ctem.cvss) IS
	'Qualitative rating of cvss_score: None, Low, Medium, High, Critical (v3/v4 scale); v2 uses the NVD scale Low, Medium, High';
CREATE FUNCTION ctem.cvss_nomenclature(ctem.cvss) RETURNS text
AS 'MODULE_PATHNAME', 'ctem_cvss_get_nomenclature' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_nomenclature(ctem.cvss) IS
	'CVSS v4.0 nomenclature of the score: CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE; NULL for other versions';
CREATE FUNCTION ctem.cvss_macrovector(ctem.cvss) RETURNS text
AS 'MODULE_PATHNAME', 'ctem_cvss_get_macrovector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_macrovector(ctem.cvss) IS
	'CVSS v4.0 MacroVector (EQ1..EQ6 as six digits) the score was looked up with; NULL for other versions';
CREATE FUNCTION ctem.cvss_metric(ctem.cvss, name text) RETURNS text
AS 'MODULE_PATHNAME', 'ctem_cvss_get_metric' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.cvss_metric(ctem.cvss, text) IS
	'Value the vector gives for a metric (e.g. ''AV'' -> ''N''); NULL when the vector does not give it; an error when the version has no such metric';
/*
 * 20_store.sql
 *		The asset and exposure store that every CTEM stage reads and writes:
 *		ctem.asset and ctem.exposure, their keys, indexes and row triggers
 *		(key normalisation, fingerprint, re-detection merge, scoring), the
 *		exposure -> asset reference, and ctem.ensure_asset.
 *
 * Triggers other stages put on these tables are with those stages: the
 * history triggers of ctem.exposure in 30_discovery.sql, the re-scoring
 * trigger of ctem.asset in 40_prioritization.sql.
 *
 * sql/src/20_store.sql
 */

/* ------------------------------------------------------------------------
 * Natural keys and fingerprints (C; also used by ctem.ingest)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.normalize_asset_key(kind ctem.asset_kind, natural_key text)
RETURNS text
AS 'MODULE_PATHNAME', 'ctem_normalize_asset_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.normalize_asset_key(ctem.asset_kind, text) IS
	'Canonical form of an asset natural key for its kind: surrounding blanks removed; hosts, domains, web_app/api hosts and repository hosts lower-cased; an IP address in canonical inet text; trailing dots and ".git" removed; docker.io/library/ prefixes dropped from image references; a blank key stays empty (the asset table rejects it)';

CREATE FUNCTION ctem.exposure_fingerprint(asset_id bigint, kind ctem.exposure_kind,
										  rule_id text, component text,
										  location text)
RETURNS uuid
AS 'MODULE_PATHNAME', 'ctem_exposure_fingerprint'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.exposure_fingerprint(bigint, ctem.exposure_kind, text, text, text) IS
	'Identity of one real problem: the first 128 bits of SHA-256 over asset, exposure kind, canonical rule id (upper-cased CVE), component name (lower-cased, never its version) and location; NULL and empty component or location are the same';

/* ------------------------------------------------------------------------
 * ctem.asset
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.asset (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	kind			ctem.asset_kind NOT NULL,
	natural_key		text NOT NULL,
	ip				inet,
	name			text,
	environment		text,
	business_service text,
	owner			text,
	criticality		smallint,
	internet_facing boolean,
	crown_jewel		boolean NOT NULL DEFAULT false,
	tags			text[] NOT NULL DEFAULT '{}',
	attributes		jsonb NOT NULL DEFAULT '{}',
	first_seen		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	last_seen		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT asset_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT asset_natural_key_unique UNIQUE (tenant_id, kind, natural_key),
	CONSTRAINT asset_natural_key_not_empty CHECK (pg_catalog.btrim(natural_key) OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT asset_criticality_range CHECK (criticality BETWEEN 1 AND 5),
	CONSTRAINT asset_attributes_is_object CHECK (pg_catalog.jsonb_typeof(attributes) OPERATOR(pg_catalog.=) 'object'),
	CONSTRAINT asset_seen_order CHECK (last_seen OPERATOR(pg_catalog.>=) first_seen),
	CONSTRAINT asset_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.asset IS
	'The asset inventory: one row per host, image, repository, cloud resource, application... per tenant, found by (kind, natural_key)';
COMMENT ON COLUMN ctem.asset.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use';
COMMENT ON COLUMN ctem.asset.id IS 'Surrogate key, unique within the tenant';
COMMENT ON COLUMN ctem.asset.kind IS 'What the asset is (ctem.asset_kind)';
COMMENT ON COLUMN ctem.asset.natural_key IS 'Identity of the asset for its kind, normalised by ctem.normalize_asset_key: hostname or IP, FQDN, image reference, repository URL, cloud resource id';
COMMENT ON COLUMN ctem.asset.ip IS 'The natural key as inet when it is an IP address (filled by the trigger), else NULL; query with inet operators such as <<';
COMMENT ON COLUMN ctem.asset.name IS 'Display name';
COMMENT ON COLUMN ctem.asset.environment IS 'Deployment environment, e.g. prod, staging, dev';
COMMENT ON COLUMN ctem.asset.business_service IS 'Business service the asset supports';
COMMENT ON COLUMN ctem.asset.owner IS 'Accountable owner (team or person) who receives remediation work';
COMMENT ON COLUMN ctem.asset.criticality IS 'Business criticality 1 (lowest) to 5 (highest); NULL when unknown (scoring then uses its stated default)';
COMMENT ON COLUMN ctem.asset.internet_facing IS 'Whether the asset is reachable from the internet; NULL when unknown';
COMMENT ON COLUMN ctem.asset.crown_jewel IS 'Whether the asset is a crown jewel (what matters most to the business): raises the exposure factor of its exposures';
COMMENT ON COLUMN ctem.asset.tags IS 'Free-form labels';
COMMENT ON COLUMN ctem.asset.attributes IS 'Any other attributes as a JSON object (cloud account, region, OS, image digest...)';
COMMENT ON COLUMN ctem.asset.first_seen IS 'When the asset was first reported';
COMMENT ON COLUMN ctem.asset.last_seen IS 'When the asset was last reported by discovery';
COMMENT ON CONSTRAINT asset_pkey ON ctem.asset IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT asset_natural_key_unique ON ctem.asset IS
	'An asset is found by kind and normalised natural key within its tenant; ctem.ensure_asset and ctem.ingest upsert on this key';
COMMENT ON CONSTRAINT asset_natural_key_not_empty ON ctem.asset IS 'A natural key is not blank';
COMMENT ON CONSTRAINT asset_criticality_range ON ctem.asset IS 'Criticality is 1 to 5, or NULL when unknown';
COMMENT ON CONSTRAINT asset_attributes_is_object ON ctem.asset IS 'attributes is a JSON object';
COMMENT ON CONSTRAINT asset_seen_order ON ctem.asset IS 'last_seen is not before first_seen';
COMMENT ON CONSTRAINT asset_tenant_positive ON ctem.asset IS 'Tenant ids are positive';
COMMENT ON SEQUENCE ctem.asset_id_seq IS 'Identity sequence of ctem.asset.id';

CREATE INDEX asset_tenant_service_idx ON ctem.asset (tenant_id, business_service);
COMMENT ON INDEX ctem.asset_tenant_service_idx IS 'Assets of a business service';
CREATE INDEX asset_tenant_ip_idx ON ctem.asset USING gist (ip inet_ops) WHERE ip IS NOT NULL;
COMMENT ON INDEX ctem.asset_tenant_ip_idx IS 'Hosts by IP address or network (inet operators such as <<)';

CREATE FUNCTION ctem.asset_before_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_asset_before_row'
LANGUAGE C;
COMMENT ON FUNCTION ctem.asset_before_row() IS
	'BEFORE INSERT OR UPDATE row trigger of ctem.asset: normalises natural_key for the kind and fills ip when the key is an IP address';
CREATE TRIGGER asset_before_row
	BEFORE INSERT OR UPDATE ON ctem.asset
	FOR EACH ROW EXECUTE FUNCTION ctem.asset_before_row();
COMMENT ON TRIGGER asset_before_row ON ctem.asset IS
	'Normalises natural_key and fills ip (ctem.asset_before_row)';

-- pg_dump keeps the data of every ctem table
SELECT pg_catalog.pg_extension_config_dump('ctem.asset', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.asset_id_seq', '');

/* ------------------------------------------------------------------------
 * ctem.exposure
 * ------------------------------------------------------------------------ */

/*
 * The scoring inputs (exploit_maturity .. controls_effectiveness, at the end)
 * are kept on the exposure, so that ctem.risk_score(e, a) needs nothing
 * else; the BEFORE row trigger fills them and the score.
 */
CREATE TABLE ctem.exposure (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	asset_id		bigint NOT NULL,
	kind			ctem.exposure_kind NOT NULL DEFAULT 'vulnerability',
	rule_id			text NOT NULL,
	aliases			text[] NOT NULL DEFAULT '{}',
	title			text,
	severity		ctem.severity NOT NULL DEFAULT 'unknown',
	cvss			ctem.cvss,
	component		text,
	component_version text,
	location		text,
	fixed_version	text,
	sources			text[] NOT NULL DEFAULT '{}',
	fingerprint		uuid NOT NULL,
	status			ctem.exposure_status NOT NULL DEFAULT 'open',
	first_seen		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	last_seen		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	resolved_at		timestamptz,
	risk_score		numeric(4, 1),
	priority		ctem.priority,
	sla_due			timestamptz,
	score_explain	jsonb,
	details			jsonb NOT NULL DEFAULT '{}',
	exploit_maturity ctem.exploit_maturity NOT NULL DEFAULT 'unknown',
	kev				boolean,
	epss			double precision,
	validation		ctem.validation_outcome,
	controls_effectiveness double precision NOT NULL DEFAULT 0,
	CONSTRAINT exposure_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT exposure_fingerprint_unique UNIQUE (tenant_id, fingerprint),
	CONSTRAINT exposure_rule_id_not_empty CHECK (pg_catalog.btrim(rule_id) OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT exposure_risk_score_range CHECK (risk_score BETWEEN 0 AND 100),
	CONSTRAINT exposure_details_is_object CHECK (pg_catalog.jsonb_typeof(details) OPERATOR(pg_catalog.=) 'object'),
	CONSTRAINT exposure_seen_order CHECK (last_seen OPERATOR(pg_catalog.>=) first_seen),
	CONSTRAINT exposure_resolved_when_closed CHECK (
		(status IN ('fixed', 'risk_accepted', 'false_positive')) OPERATOR(pg_catalog.=) (resolved_at IS NOT NULL)),
	CONSTRAINT exposure_tenant_positive CHECK (tenant_id OPERATOR(pg_catalog.>) 0)
);
COMMENT ON TABLE ctem.exposure IS
	'Exposures: one row per real problem (vulnerability, misconfiguration, secret...) on one asset, whichever tools reported it; identified by fingerprint';
COMMENT ON COLUMN ctem.exposure.tenant_id IS 'Tenant (organisation) that owns the row; 1 for single-organisation use';
COMMENT ON COLUMN ctem.exposure.id IS 'Surrogate key, unique within the tenant';
COMMENT ON COLUMN ctem.exposure.asset_id IS
	'The asset the exposure is on: ctem.asset.id of the same tenant (checked by the trigger exposure_before_row; deleting the asset deletes its exposures)';
COMMENT ON COLUMN ctem.exposure.kind IS 'What kind of problem it is (ctem.exposure_kind)';
COMMENT ON COLUMN ctem.exposure.rule_id IS 'Canonical vulnerability or check id: the CVE when there is one, else GHSA/vendor id, check id or rule id';
COMMENT ON COLUMN ctem.exposure.aliases IS 'Other ids of the same problem (GHSA, distro advisories...)';
COMMENT ON COLUMN ctem.exposure.title IS 'Short human-readable title';
COMMENT ON COLUMN ctem.exposure.severity IS 'Severity as reported by the scanner, normalised (ctem.severity)';
COMMENT ON COLUMN ctem.exposure.cvss IS
	'CVSS vector (ctem.cvss), validated and scored; a vector a scanner reported that is not valid is kept as text in details->''cvss_invalid''';
COMMENT ON COLUMN ctem.exposure.component IS 'Affected component: package, library, resource type; its version is in component_version';
COMMENT ON COLUMN ctem.exposure.component_version IS 'Installed version of the component';
COMMENT ON COLUMN ctem.exposure.location IS 'Where on the asset: file or package path, URL, port, resource id; NULL where the source has none';
COMMENT ON COLUMN ctem.exposure.fixed_version IS 'Version that fixes the problem, when known';
COMMENT ON COLUMN ctem.exposure.sources IS 'Tools that reported the exposure (trivy, grype, ...)';
COMMENT ON COLUMN ctem.exposure.fingerprint IS 'Identity of the problem, computed by the trigger with ctem.exposure_fingerprint; unique per tenant';
COMMENT ON COLUMN ctem.exposure.status IS 'Workflow state (ctem.exposure_status)';
COMMENT ON COLUMN ctem.exposure.first_seen IS 'When the problem was first reported';
COMMENT ON COLUMN ctem.exposure.last_seen IS 'When the problem was last reported';
COMMENT ON COLUMN ctem.exposure.resolved_at IS 'When the exposure was closed (fixed, risk accepted, false positive); set by the trigger when status closes, cleared when it reopens';
COMMENT ON COLUMN ctem.exposure.risk_score IS 'Contextual risk score 0-100 (docs/scoring.md), kept current by triggers';
COMMENT ON COLUMN ctem.exposure.priority IS 'Remediation priority P1-P4 from the score, floors (KEV, validated) or SSVC';
COMMENT ON COLUMN ctem.exposure.sla_due IS 'first_seen + the SLA days of the priority (per asset criticality when the policy overrides them)';
COMMENT ON COLUMN ctem.exposure.score_explain IS 'Every factor of risk_score with its value and source, floors applied, defaults used, policy version (same as ctem.explain)';
COMMENT ON COLUMN ctem.exposure.details IS 'Any other details from the source as a JSON object (description, references, CWE, purl...)';
COMMENT ON COLUMN ctem.exposure.exploit_maturity IS 'Exploit code maturity as reported or set by an analyst (an input of the score)';
COMMENT ON COLUMN ctem.exposure.kev IS 'The rule id is in CISA KEV (from ctem.vuln_intel; NULL when unknown: no KEV catalog loaded or not a CVE)';
COMMENT ON COLUMN ctem.exposure.epss IS 'EPSS of the rule id (from ctem.vuln_intel; NULL when unknown)';
COMMENT ON COLUMN ctem.exposure.validation IS 'Outcome of the latest ctem.validation_result of this exposure';
COMMENT ON COLUMN ctem.exposure.controls_effectiveness IS 'Combined effectiveness of the compensating controls that apply (before the policy cap)';
COMMENT ON CONSTRAINT exposure_pkey ON ctem.exposure IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT exposure_fingerprint_unique ON ctem.exposure IS
	'One row per real problem in a tenant: the trigger exposure_before_row merges a re-detection into the existing row';
COMMENT ON CONSTRAINT exposure_rule_id_not_empty ON ctem.exposure IS 'A rule id is not blank';
COMMENT ON CONSTRAINT exposure_risk_score_range ON ctem.exposure IS 'risk_score is 0 to 100';
COMMENT ON CONSTRAINT exposure_details_is_object ON ctem.exposure IS 'details is a JSON object';
COMMENT ON CONSTRAINT exposure_seen_order ON ctem.exposure IS 'last_seen is not before first_seen';
COMMENT ON CONSTRAINT exposure_resolved_when_closed ON ctem.exposure IS
	'resolved_at is set exactly when the status is closed (fixed, risk_accepted, false_positive)';
COMMENT ON CONSTRAINT exposure_tenant_positive ON ctem.exposure IS 'Tenant ids are positive';
COMMENT ON SEQUENCE ctem.exposure_id_seq IS 'Identity sequence of ctem.exposure.id';

-- The trigger stores score_explain compressed with the column's method when
-- that makes it smaller (src/prioritize/score.c, explain_datum): lz4 takes
-- the usual 470-byte document to about 400, where pglz, the server default,
-- saves nothing on so short a value.  A server built without lz4 keeps the
-- default.
DO $$
BEGIN
	ALTER TABLE ctem.exposure ALTER COLUMN score_explain SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'this server has no lz4: ctem.exposure.score_explain keeps the default compression';
END
$$;

CREATE INDEX exposure_asset_idx ON ctem.exposure (tenant_id, asset_id);
COMMENT ON INDEX ctem.exposure_asset_idx IS 'Exposures of an asset';
-- On rule_id alone: the exposures of a CVE across tenants, when threat intel
-- changes; it also serves the per-tenant lookups, so that every insert
-- maintains one index on rule_id, not two.
CREATE INDEX exposure_rule_idx ON ctem.exposure (rule_id);
COMMENT ON INDEX ctem.exposure_rule_idx IS 'Finds the exposures of a rule id (CVE) in all tenants, e.g. when threat intel changes';
-- The work queue index keys on priority alone.  With risk_score as a third
-- key every insert would compare numerics down the tree (numeric_cmp copies
-- each short-header index datum before comparing): a third of what COPY
-- into ctem.exposure executes beyond the same COPY without triggers
-- (docs/performance.md, "The work-queue index").  Nor could it give ctem.work_queue its
-- score order (risk_score DESC NULLS LAST there, NULLS FIRST in such an
-- index): the view sorts each priority at query time.  On priority alone
-- the index deduplicates (about a quarter of the size), and a re-score that
-- changes risk_score but not priority can be a HOT update.
CREATE INDEX exposure_queue_idx ON ctem.exposure (tenant_id, priority)
	WHERE status IN ('open', 'in_progress');
COMMENT ON INDEX ctem.exposure_queue_idx IS 'The work queue: active exposures by priority (ctem.work_queue sorts by risk score within a priority)';

CREATE FUNCTION ctem.exposure_before_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_before_row'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_before_row() IS
	'BEFORE INSERT OR UPDATE row trigger of ctem.exposure: canonicalises rule_id, computes fingerprint, keeps resolved_at consistent with status; merges a re-detection into the existing exposure; checks that the referenced asset exists and locks it FOR KEY SHARE (once per statement and asset); fills kev, epss and controls_effectiveness from ctem.vuln_intel and ctem.control and computes risk_score, priority, sla_due and score_explain with the active policy';
-- the arguments switch on the trigger's steps beyond canonicalising and
-- fingerprinting: merge (a re-detection), score, asset (the reference
-- check); see src/discover/exposure.c
CREATE TRIGGER exposure_before_row
	BEFORE INSERT OR UPDATE ON ctem.exposure
	FOR EACH ROW EXECUTE FUNCTION ctem.exposure_before_row('merge', 'score', 'asset');
COMMENT ON TRIGGER exposure_before_row ON ctem.exposure IS
	'Canonicalises rule_id, computes fingerprint, merges a re-detected problem into its existing row, checks and locks the asset it references, and scores the row (ctem.exposure_before_row)';

SELECT pg_catalog.pg_extension_config_dump('ctem.exposure', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.exposure_id_seq', '');

/* ------------------------------------------------------------------------
 * The exposure -> asset reference
 * ------------------------------------------------------------------------ */

-- The reference is enforced by ctem's triggers, with the semantics of a
-- foreign key (ON DELETE CASCADE, NO ACTION on key changes, FOR KEY SHARE
-- locking, RI's snapshot rules): a foreign key would check every inserted
-- row with one query, the trigger exposure_before_row checks and locks each
-- asset once per statement.  See src/store/asset_ref.c.
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

/* ------------------------------------------------------------------------
 * ctem.ensure_asset
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.ensure_asset(kind ctem.asset_kind, natural_key text,
								  name text DEFAULT NULL,
								  tenant_id integer DEFAULT 1)
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
	INSERT INTO ctem.asset AS a (tenant_id, kind, natural_key, name)
	VALUES ($4, $1, ctem.normalize_asset_key($1, $2), $3)
	ON CONFLICT ON CONSTRAINT asset_natural_key_unique DO UPDATE
		SET last_seen = GREATEST(a.last_seen, pg_catalog.now()),
			name = COALESCE(a.name, excluded.name)
	RETURNING a.id
$$;
COMMENT ON FUNCTION ctem.ensure_asset(ctem.asset_kind, text, text, integer) IS
	'Id of the asset with this kind and natural key, created if missing (last_seen refreshed if present); safe under concurrency';
/*
 * 30_discovery.sql
 *		Discovery: the KEV / EPSS threat-intel catalogue and its loaders;
 *		scanner reports ingested in C (one exposure per real problem across
 *		tools; re-detection merges into the existing row and re-opens fixed
 *		exposures; a full scan resolves what it no longer reports); and the
 *		history of every exposure those changes write (ctem.exposure_event).
 *
 * The re-scoring triggers of ctem.vuln_intel are in 40_prioritization.sql.
 *
 * sql/src/30_discovery.sql
 */

/* ------------------------------------------------------------------------
 * ctem.vuln_intel: a catalogue (reference) table, no tenant
 * ------------------------------------------------------------------------ */

CREATE TABLE ctem.vuln_intel (
	cve_id			text NOT NULL,
	kev				boolean NOT NULL DEFAULT false,
	kev_date_added	date,
	kev_due_date	date,
	kev_ransomware	boolean,
	kev_vendor		text,
	kev_product		text,
	kev_name		text,
	kev_required_action text,
	kev_notes		text,
	kev_cwes		text[],
	kev_catalog_version text,
	epss			double precision,
	epss_percentile double precision,
	epss_model		text,
	epss_date		date,
	updated_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT vuln_intel_pkey PRIMARY KEY (cve_id),
	CONSTRAINT vuln_intel_cve_id_form CHECK (cve_id OPERATOR(pg_catalog.~) '^CVE-[0-9]{4}-[0-9]{4,}$'),
	CONSTRAINT vuln_intel_epss_range CHECK (epss BETWEEN 0 AND 1),
	CONSTRAINT vuln_intel_epss_percentile_range CHECK (epss_percentile BETWEEN 0 AND 1)
);
COMMENT ON TABLE ctem.vuln_intel IS
	'Exploitation intelligence per CVE: CISA KEV membership (ctem.load_kev) and FIRST EPSS scores (ctem.load_epss); a catalogue shared by all tenants';
COMMENT ON COLUMN ctem.vuln_intel.cve_id IS 'CVE id, upper case';
COMMENT ON COLUMN ctem.vuln_intel.kev IS 'Listed in the last loaded CISA Known Exploited Vulnerabilities catalog';
COMMENT ON COLUMN ctem.vuln_intel.kev_date_added IS 'KEV dateAdded';
COMMENT ON COLUMN ctem.vuln_intel.kev_due_date IS 'KEV dueDate: the federal remediation deadline';
COMMENT ON COLUMN ctem.vuln_intel.kev_ransomware IS 'KEV knownRansomwareCampaignUse is "Known"';
COMMENT ON COLUMN ctem.vuln_intel.kev_vendor IS 'KEV vendorProject';
COMMENT ON COLUMN ctem.vuln_intel.kev_product IS 'KEV product';
COMMENT ON COLUMN ctem.vuln_intel.kev_name IS 'KEV vulnerabilityName';
COMMENT ON COLUMN ctem.vuln_intel.kev_required_action IS 'KEV requiredAction';
COMMENT ON COLUMN ctem.vuln_intel.kev_notes IS 'KEV notes';
COMMENT ON COLUMN ctem.vuln_intel.kev_cwes IS 'KEV cwes';
COMMENT ON COLUMN ctem.vuln_intel.kev_catalog_version IS 'catalogVersion of the KEV catalog that last listed the CVE';
COMMENT ON COLUMN ctem.vuln_intel.epss IS 'FIRST EPSS probability of exploitation in the next 30 days (0-1)';
COMMENT ON COLUMN ctem.vuln_intel.epss_percentile IS 'FIRST EPSS percentile (0-1)';
COMMENT ON COLUMN ctem.vuln_intel.epss_model IS 'EPSS model_version of the loaded file';
COMMENT ON COLUMN ctem.vuln_intel.epss_date IS 'EPSS score_date of the loaded file';
COMMENT ON COLUMN ctem.vuln_intel.updated_at IS 'When the row last changed';
COMMENT ON CONSTRAINT vuln_intel_pkey ON ctem.vuln_intel IS 'One row per CVE';
COMMENT ON CONSTRAINT vuln_intel_cve_id_form ON ctem.vuln_intel IS 'cve_id is a CVE id in upper case: CVE-YYYY-NNNN, four or more digits';
COMMENT ON CONSTRAINT vuln_intel_epss_range ON ctem.vuln_intel IS 'epss is a probability, 0 to 1';
COMMENT ON CONSTRAINT vuln_intel_epss_percentile_range ON ctem.vuln_intel IS 'epss_percentile is 0 to 1';

-- "has any KEV catalog been loaded?", asked once per scoring statement
CREATE INDEX vuln_intel_kev_idx ON ctem.vuln_intel (cve_id) WHERE kev;
COMMENT ON INDEX ctem.vuln_intel_kev_idx IS 'The CVEs listed in CISA KEV';

SELECT pg_catalog.pg_extension_config_dump('ctem.vuln_intel', '');

CREATE FUNCTION ctem.load_kev(catalog text,
							  OUT catalog_version text, OUT entries bigint,
							  OUT added bigint, OUT updated bigint,
							  OUT removed bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'ctem_load_kev'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.load_kev(text) IS
	'Loads a full CISA KEV catalog (JSON) into ctem.vuln_intel: listed CVEs get kev = true and their KEV fields; CVEs no longer listed get kev = false (removed). Returns counts. All or nothing.';

CREATE FUNCTION ctem.load_epss(csv text,
							   OUT model_version text, OUT score_date date,
							   OUT rows_read bigint, OUT inserted bigint,
							   OUT updated bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'ctem_load_epss'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.load_epss(text) IS
	'Loads a FIRST EPSS CSV (with its #model_version comment line) into ctem.vuln_intel: upserts epss and percentile per CVE. Returns counts. All or nothing.';

/* ------------------------------------------------------------------------
 * Exposure history: ctem.event_actor, ctem.exposure_event and the history
 * triggers of ctem.exposure (src/mobilize/history.c)
 * ------------------------------------------------------------------------ */

CREATE FUNCTION ctem.event_actor()
RETURNS text
AS 'MODULE_PATHNAME', 'ctem_event_actor'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION ctem.event_actor() IS
	'The role that made a change: current_user outside ctem''s re-scoring triggers (which run as the extension owner); the default of ctem.exposure_event.actor';

CREATE TABLE ctem.exposure_event (
	tenant_id		integer NOT NULL DEFAULT 1,
	id				bigint GENERATED BY DEFAULT AS IDENTITY,
	exposure_id		bigint NOT NULL,
	at				timestamptz NOT NULL DEFAULT pg_catalog.now(),
	event			text NOT NULL,
	old_status		ctem.exposure_status,
	new_status		ctem.exposure_status,
	old_priority	ctem.priority,
	new_priority	ctem.priority,
	actor			text NOT NULL DEFAULT ctem.event_actor(),
	note			text,
	CONSTRAINT exposure_event_pkey PRIMARY KEY (tenant_id, id),
	CONSTRAINT exposure_event_exposure_fk FOREIGN KEY (tenant_id, exposure_id)
		REFERENCES ctem.exposure (tenant_id, id) ON DELETE CASCADE,
	CONSTRAINT exposure_event_kind CHECK (event IN
		('reopened', 'resolved', 'status_changed', 'priority_changed'))
);
COMMENT ON TABLE ctem.exposure_event IS
	'History of every exposure: status changes (reopened when a fixed exposure is detected again, resolved when it closes) and priority changes, written by a trigger';
COMMENT ON COLUMN ctem.exposure_event.tenant_id IS 'Tenant of the exposure';
COMMENT ON COLUMN ctem.exposure_event.id IS 'Event id, increasing';
COMMENT ON COLUMN ctem.exposure_event.exposure_id IS 'The exposure';
COMMENT ON COLUMN ctem.exposure_event.at IS 'When (transaction start time)';
COMMENT ON COLUMN ctem.exposure_event.event IS 'reopened, resolved, status_changed or priority_changed';
COMMENT ON COLUMN ctem.exposure_event.old_status IS 'Status before';
COMMENT ON COLUMN ctem.exposure_event.new_status IS 'Status after';
COMMENT ON COLUMN ctem.exposure_event.old_priority IS 'Priority before';
COMMENT ON COLUMN ctem.exposure_event.new_priority IS 'Priority after';
COMMENT ON COLUMN ctem.exposure_event.actor IS
	'Database role whose statement made the change (also when ctem''s re-scoring triggers carried it out)';
COMMENT ON COLUMN ctem.exposure_event.note IS 'Why, when known (e.g. the scan that re-detected or missed it)';
COMMENT ON CONSTRAINT exposure_event_pkey ON ctem.exposure_event IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT exposure_event_exposure_fk ON ctem.exposure_event IS
	'An event belongs to an exposure of the same tenant; the history is deleted with the exposure';
COMMENT ON CONSTRAINT exposure_event_kind ON ctem.exposure_event IS
	'event is reopened, resolved, status_changed or priority_changed';
COMMENT ON SEQUENCE ctem.exposure_event_id_seq IS 'Identity sequence of ctem.exposure_event.id';

CREATE INDEX exposure_event_exposure_idx ON ctem.exposure_event (tenant_id, exposure_id, at);
COMMENT ON INDEX ctem.exposure_event_exposure_idx IS 'History of an exposure in time order';

SELECT pg_catalog.pg_extension_config_dump('ctem.exposure_event', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.exposure_event_id_seq', '');

-- The history is written set-based (src/mobilize/history.c): the row trigger
-- notes each change of status or priority, the statement trigger writes the
-- statement's events with one INSERT per 10,000.  A restore loads
-- ctem.exposure_event before it sets the identity sequence (pg_dump sets
-- sequences after all table data), and a plain restore re-scores the
-- exposures as the context tables load after them: events written then
-- must not take the ids of restored ones.  So when the sequence's next
-- value is not above a tenant's highest id (one backward step of the
-- primary key), the sequence is moved past it first.  The events are
-- written as the table's owner: the history is written for every change,
-- and nobody needs (or should have) INSERT on ctem.exposure_event to make
-- one.  EXECUTE on both functions is revoked in 90_grants.sql.
CREATE FUNCTION ctem.exposure_history_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_history_row'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_history_row() IS
	'AFTER UPDATE row trigger of ctem.exposure (only for rows whose status or priority changed): notes the event for ctem.exposure_history_flush() to write';
CREATE TRIGGER exposure_history
	AFTER UPDATE ON ctem.exposure
	FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority)
	EXECUTE FUNCTION ctem.exposure_history_row();
COMMENT ON TRIGGER exposure_history ON ctem.exposure IS
	'Notes status and priority changes for the statement trigger exposure_history_flush to write into ctem.exposure_event';

CREATE FUNCTION ctem.exposure_history_flush()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ctem_exposure_history_flush'
LANGUAGE C;
COMMENT ON FUNCTION ctem.exposure_history_flush() IS
	'AFTER UPDATE statement trigger of ctem.exposure: writes the events its statement''s row triggers noted into ctem.exposure_event (one INSERT per 10,000), with the next ids of its sequence or, after a restore loaded higher ids, the ids after them; as the table''s owner';
CREATE TRIGGER exposure_history_flush
	AFTER UPDATE ON ctem.exposure
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.exposure_history_flush();
COMMENT ON TRIGGER exposure_history_flush ON ctem.exposure IS
	'Writes the status and priority changes the row trigger exposure_history noted, set-based, once per statement';

/* ------------------------------------------------------------------------
 * Re-detection merge
 * ------------------------------------------------------------------------ */

-- used by the merge of a re-detected problem into its existing row (the
-- trigger exposure_before_row and ctem.ingest; src/discover/exposure.h)
CREATE FUNCTION ctem.array_union(a text[], b text[])
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT COALESCE(pg_catalog.array_agg(DISTINCT x ORDER BY x), '{}')
	FROM pg_catalog.unnest(COALESCE(a, '{}') OPERATOR(pg_catalog.||) COALESCE(b, '{}')) AS x
	WHERE x IS NOT NULL AND x OPERATOR(pg_catalog.<>) ''
$$;
COMMENT ON FUNCTION ctem.array_union(text[], text[]) IS
	'Sorted union of two text arrays without NULL, empty or duplicate elements (how sources and aliases merge)';

/* ------------------------------------------------------------------------
 * Report ingest (C)
 * ------------------------------------------------------------------------ */

CREATE TYPE ctem.ingest_result AS (
	format			text,
	assets_created	bigint,
	findings		bigint,
	inserted		bigint,
	updated			bigint,
	reopened		bigint,
	resolved		bigint
);
COMMENT ON TYPE ctem.ingest_result IS
	'Result of ctem.ingest: detected format; assets created; findings in the report; exposures inserted; existing exposures seen again (updated, not counting reopened ones); fixed exposures reopened; exposures resolved because a full scan no longer reports them';

CREATE FUNCTION ctem.ingest(report text, format text DEFAULT NULL,
							asset_id bigint DEFAULT NULL,
							full_scan boolean DEFAULT true)
RETURNS ctem.ingest_result
AS 'MODULE_PATHNAME', 'ctem_ingest'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.ingest(text, text, bigint, boolean) IS
	'Ingests a scanner report (format NULL = auto-detect; see ctem.report_formats()) into tenant 1: assets found by natural key or created (or every finding put on asset_id), one exposure per real problem across tools, re-detection updates last_seen and reopens fixed exposures; with full_scan, open exposures of the scanned assets that the same tool no longer reports lose that source and, with no source left, are resolved. All or nothing.';

CREATE FUNCTION ctem.ingest(report text, format text, asset_id bigint,
							full_scan boolean, tenant_id integer)
RETURNS ctem.ingest_result
AS 'MODULE_PATHNAME', 'ctem_ingest'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION ctem.ingest(text, text, bigint, boolean, integer) IS
	'ctem.ingest into the given tenant';

CREATE FUNCTION ctem.report_formats(OUT format text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'ctem_report_formats'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ctem.report_formats() IS
	'Names of the report formats ctem.ingest accepts';
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
	CONSTRAINT policy_pkey PRIMARY KEY (name),
	CONSTRAINT policy_one_active EXCLUDE USING btree ((true) WITH OPERATOR(pg_catalog.=))
		WHERE (active) DEFERRABLE INITIALLY DEFERRED
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
COMMENT ON CONSTRAINT policy_pkey ON ctem.policy IS 'Policies are found by name';
COMMENT ON CONSTRAINT policy_one_active ON ctem.policy IS
	'At most one policy is active (checked at commit, so one UPDATE can switch policies)';

-- The builtin row comes with the extension (seeded before the trigger that
-- protects builtin rows exists); dump only the users' policies.
INSERT INTO ctem.policy (name, active, builtin, description)
VALUES ('default', true, true, 'The documented default model of docs/scoring.md');
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

/* ------------------------------------------------------------------------
 * Scoring functions
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
SECURITY DEFINER
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
/*
 * 50_validation.sql
 *		Validation: results of breach-and-attack simulation, pentests, red
 *		team and manual tests (ctem.validation_result); the latest result of
 *		an exposure feeds its score through exposure.validation.
 *
 * sql/src/50_validation.sql
 */

/* ------------------------------------------------------------------------
 * ctem.validation_result (a tenant table)
 * ------------------------------------------------------------------------ */

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
COMMENT ON CONSTRAINT validation_result_pkey ON ctem.validation_result IS
	'Tenant first, as in every key of a tenant table, so that the table distributes by tenant';
COMMENT ON CONSTRAINT validation_result_exposure_fk ON ctem.validation_result IS
	'A result validates an exposure of the same tenant and is deleted with it';
COMMENT ON CONSTRAINT validation_result_source ON ctem.validation_result IS 'source is bas, pentest, red_team or manual';
COMMENT ON SEQUENCE ctem.validation_result_id_seq IS 'Identity sequence of ctem.validation_result.id';

CREATE INDEX validation_result_exposure_idx ON ctem.validation_result (tenant_id, exposure_id, validated_at);
COMMENT ON INDEX ctem.validation_result_exposure_idx IS 'Validation results of an exposure in time order';

SELECT pg_catalog.pg_extension_config_dump('ctem.validation_result', '');
SELECT pg_catalog.pg_extension_config_dump('ctem.validation_result_id_seq', '');

/* ------------------------------------------------------------------------
 * Results feed the score
 * ------------------------------------------------------------------------ */

-- SECURITY DEFINER like the re-scoring triggers of 40_prioritization.sql,
-- for the same reason: a role that records results need not UPDATE exposures
CREATE FUNCTION ctem.validation_apply()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
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
COMMENT ON TRIGGER validation_apply_ins ON ctem.validation_result IS 'Feeds new validation results into scores';
CREATE TRIGGER validation_apply_upd AFTER UPDATE ON ctem.validation_result
	REFERENCING NEW TABLE AS changed_results
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.validation_apply();
COMMENT ON TRIGGER validation_apply_upd ON ctem.validation_result IS 'Feeds changed validation results into scores';
CREATE TRIGGER validation_apply_del AFTER DELETE ON ctem.validation_result
	REFERENCING OLD TABLE AS changed_results
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.validation_apply();
COMMENT ON TRIGGER validation_apply_del ON ctem.validation_result IS 'Feeds deleted validation results into scores';
/*
 * 80_views.sql
 *		Views for analysts and BI tools: the remediation work queue and
 *		exposure counts for dashboards.
 *
 * sql/src/80_views.sql
 */

/* ------------------------------------------------------------------------
 * ctem.work_queue
 * ------------------------------------------------------------------------ */

CREATE VIEW ctem.work_queue AS
SELECT e.tenant_id,
	   e.priority,
	   e.risk_score,
	   e.severity,
	   e.sla_due,
	   e.id AS exposure_id,
	   e.kind,
	   e.rule_id,
	   e.title,
	   e.component,
	   e.component_version,
	   e.fixed_version,
	   e.location,
	   e.status,
	   e.sources,
	   a.id AS asset_id,
	   a.kind AS asset_kind,
	   a.natural_key AS asset,
	   a.environment,
	   a.business_service,
	   a.owner,
	   a.criticality,
	   a.internet_facing,
	   a.crown_jewel,
	   e.first_seen,
	   e.last_seen
FROM ctem.exposure e
JOIN ctem.asset a ON a.tenant_id OPERATOR(pg_catalog.=) e.tenant_id
				 AND a.id OPERATOR(pg_catalog.=) e.asset_id
WHERE e.status IN ('open', 'in_progress')
ORDER BY e.tenant_id, e.priority NULLS LAST, e.risk_score DESC NULLS LAST,
		 e.severity DESC, e.first_seen, e.id;
COMMENT ON VIEW ctem.work_queue IS
	'Active exposures (open, in progress) with their asset context, most urgent first: priority, then risk score, then scanner severity';

/* ------------------------------------------------------------------------
 * ctem.exposure_summary
 * ------------------------------------------------------------------------ */

CREATE VIEW ctem.exposure_summary AS
SELECT e.tenant_id,
	   a.business_service,
	   e.status,
	   e.priority,
	   e.severity,
	   pg_catalog.count(*) AS exposures,
	   pg_catalog.count(DISTINCT e.asset_id) AS assets
FROM ctem.exposure e
JOIN ctem.asset a ON a.tenant_id OPERATOR(pg_catalog.=) e.tenant_id
				 AND a.id OPERATOR(pg_catalog.=) e.asset_id
GROUP BY e.tenant_id, a.business_service, e.status, e.priority, e.severity;
COMMENT ON VIEW ctem.exposure_summary IS
	'Exposure and asset counts by tenant, business service, status, priority and severity, for dashboards';
/*
 * 90_grants.sql
 *		Privileges on ctem's objects that differ from PostgreSQL's defaults.
 *
 * Everything else keeps the defaults: the schema, tables, views and
 * sequences belong to the extension's owner with no grant, and the
 * administrator grants what each role needs (README.md, "Security model");
 * the other functions are executable by PUBLIC.
 *
 * sql/src/90_grants.sql
 */

-- The trigger functions that run as the extension's owner or write on its
-- behalf: the re-scoring triggers (SECURITY DEFINER, 40_prioritization.sql
-- and 50_validation.sql) and the history triggers, which write
-- ctem.exposure_event as the table's owner (30_discovery.sql).  Nobody
-- may call them or attach them to a table of their own; the triggers fire
-- regardless.
REVOKE EXECUTE ON FUNCTION ctem.asset_rescore(), ctem.vuln_intel_rescore(), ctem.control_rescore(),
	ctem.validation_apply(), ctem.policy_rescore() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.exposure_history_row() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.exposure_history_flush() FROM PUBLIC;
