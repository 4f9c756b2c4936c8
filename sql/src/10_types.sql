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

CREATE TYPE ctem.edge_kind AS ENUM ('network', 'credential', 'trust', 'lateral', 'runs_on', 'other');
COMMENT ON TYPE ctem.edge_kind IS
	'What lets an attacker step from one asset to another (ctem.asset_edge): network reachability, a credential found on the source that opens the target, a trust relation (domain or federation trust, assumable role), lateral movement (session, admin share), runs_on (the source runs on the target: a container on its host, an app on its VM), or other';

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
