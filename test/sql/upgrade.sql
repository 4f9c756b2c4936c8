--
-- upgrade: install the first release, walk every upgrade step from it to
-- the default version, and check that the walked install has the same
-- catalog as a fresh CREATE EXTENSION ctem; then check that the
-- comparison does see a difference when there is one.
--
\pset null '(null)'

--
-- 1. The first release, 0.5.0, and a little of its API
--
DROP EXTENSION ctem;
CREATE EXTENSION ctem VERSION '0.5.0';
SELECT extversion FROM pg_extension WHERE extname = 'ctem';
SELECT ctem.ensure_asset('host', 'Upgrade.Example.COM.') AS asset_id;
UPDATE ctem.asset SET criticality = 5, internet_facing = true
WHERE natural_key = 'upgrade.example.com';
INSERT INTO ctem.exposure (asset_id, rule_id, severity, cvss)
SELECT id, 'cve-2021-44228', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'
FROM ctem.asset WHERE natural_key = 'upgrade.example.com';
-- the trigger canonicalised the rule id and scored the row
SELECT a.natural_key, e.rule_id, ctem.cvss_score(e.cvss) AS cvss, e.risk_score, e.priority,
       e.risk_score = ctem.risk_score(e, a) AS score_matches
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id;

--
-- 2. Every upgrade step from the installed version to the default version,
-- one ALTER EXTENSION ... UPDATE per step, as pg_extension_update_paths()
-- finds them: today one, 0.5.0 -> 0.6.0 (attack paths).
--
SELECT default_version FROM pg_available_extensions WHERE name = 'ctem';
SELECT source, target, path FROM pg_extension_update_paths('ctem')
WHERE source = (SELECT extversion FROM pg_extension WHERE extname = 'ctem')
  AND target = (SELECT default_version FROM pg_available_extensions WHERE name = 'ctem');
DO $$
DECLARE
	installed text := (SELECT extversion FROM pg_extension WHERE extname = 'ctem');
	wanted text := (SELECT default_version FROM pg_available_extensions WHERE name = 'ctem');
	path text;
	step text;
	steps integer := 0;
BEGIN
	IF installed <> wanted THEN
		SELECT p.path INTO path FROM pg_extension_update_paths('ctem') p
		WHERE p.source = installed AND p.target = wanted;
		IF path IS NULL THEN
			RAISE EXCEPTION 'no upgrade path from ctem % to %', installed, wanted;
		END IF;
		-- path is 'installed--v1--v2--...--wanted'
		FOREACH step IN ARRAY (string_to_array(path, '--'))[2:] LOOP
			RAISE NOTICE 'step: ALTER EXTENSION ctem UPDATE TO %', quote_literal(step);
			EXECUTE format('ALTER EXTENSION ctem UPDATE TO %L', step);
			steps := steps + 1;
			-- the API still answers after each step
			RAISE NOTICE 'at %: % exposures, % scored', step,
				(SELECT count(*) FROM ctem.exposure),
				(SELECT count(*) FROM ctem.exposure WHERE risk_score IS NOT NULL);
		END LOOP;
	END IF;
	RAISE NOTICE 'ctem % -> %: % upgrade steps taken', installed, wanted, steps;
END
$$;
SELECT extversion = (SELECT default_version FROM pg_available_extensions WHERE name = 'ctem')
       AS at_default_version
FROM pg_extension WHERE extname = 'ctem';
-- the data survived the walk and is still scored
SELECT e.rule_id, e.risk_score, e.priority FROM ctem.exposure e ORDER BY e.rule_id;
-- 0.6.0's API on the walked install: the upgraded policy has the new
-- columns, and an edge from the internet-facing asset to a new crown jewel
-- is an attack path (the step needs an exploit of the jewel, which has no
-- open exposure: the baseline 0.05 times the edge's 0.5); deleting the
-- jewel takes the edge with it (the triggers the upgrade put on ctem.asset)
SELECT name, exploit_baseline, path_max_hops FROM ctem.policy ORDER BY name;
SELECT ctem.ensure_asset('database', 'payments-db') AS jewel_id \gset
UPDATE ctem.asset SET crown_jewel = true WHERE id = :jewel_id;
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, probability)
SELECT id, :jewel_id, 0.5 FROM ctem.asset WHERE natural_key = 'upgrade.example.com';
SELECT target = :jewel_id AS to_jewel, rank, round(probability::numeric, 6) AS probability, hops
FROM ctem.attack_paths();
DELETE FROM ctem.asset WHERE id = :jewel_id;
SELECT count(*) AS edges_left FROM ctem.asset_edge;

--
-- 3. The walked install against a fresh CREATE EXTENSION ctem, catalog by
-- catalog.  ctem_catalog() describes every object of the extension as
-- (section, object, property, value) rows, with no OID: the extension and
-- its pg_dump configuration tables, every member object with its comment
-- and initial privileges, the schema, relations (kind, options, ACL, row
-- security), columns in attnum order (type, not null, default, identity,
-- generated, compression, comment...), constraints, indexes, triggers
-- (definition, enabled), row security policies, views, sequences,
-- functions (what pg_get_functiondef prints, one property each, with ACL
-- and settings), types (with enum labels in order), operators, operator
-- classes and their members, casts, and the rows the extension seeds into
-- ctem.policy.  Not compared: OIDs and their order, and
-- pg_attribute.atthasmissing (a column added by ALTER TABLE ... ADD COLUMN
-- to an existing table keeps a "missing" value, which CREATE TABLE does
-- not have; it changes no query result).
--
CREATE FUNCTION pg_temp.ctem_catalog()
RETURNS TABLE (section text, object text, property text, value text)
LANGUAGE sql STABLE
AS $fn$
WITH ext AS (
	SELECT oid FROM pg_extension WHERE extname = 'ctem'
), rel AS (
	SELECT c.*, c.oid::regclass::text AS qname
	FROM pg_class c WHERE c.relnamespace = 'ctem'::regnamespace
), props (section, object, p) AS (
	-- the extension and its configuration tables (pg_dump keeps their data)
	SELECT 'extension', 'ctem', jsonb_build_object(
		'schema', e.extnamespace::regnamespace::text,
		'relocatable', e.extrelocatable,
		'owner', pg_get_userbyid(e.extowner))
	FROM pg_extension e WHERE e.extname = 'ctem'
	UNION ALL
	SELECT 'config dump', c.cfg::regclass::text, jsonb_build_object('condition', c.cond)
	FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(cfg, cond)
	WHERE e.extname = 'ctem'
	UNION ALL
	-- every member object of the extension, with its comment and initial privileges
	SELECT 'member', pg_describe_object(d.classid, d.objid, d.objsubid), jsonb_build_object(
		'comment', obj_description(d.objid, d.classid::regclass::name),
		'initprivs', (SELECT i.initprivs::text FROM pg_init_privs i
					  WHERE i.classoid = d.classid AND i.objoid = d.objid AND i.objsubid = 0))
	FROM pg_depend d, ext
	WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	SELECT 'schema', n.nspname, jsonb_build_object(
		'owner', pg_get_userbyid(n.nspowner), 'acl', n.nspacl::text,
		'comment', obj_description(n.oid, 'pg_namespace'))
	FROM pg_namespace n WHERE n.nspname = 'ctem'
	UNION ALL
	-- tables, views, indexes, sequences, composite types
	SELECT 'relation', r.qname, jsonb_build_object(
		'kind', r.relkind, 'access method', (SELECT amname FROM pg_am WHERE oid = r.relam),
		'options', r.reloptions::text, 'acl', r.relacl::text,
		'row security', r.relrowsecurity, 'force row security', r.relforcerowsecurity,
		'persistence', r.relpersistence, 'replica identity', r.relreplident,
		'owner', pg_get_userbyid(r.relowner), 'comment', obj_description(r.oid, 'pg_class'))
	FROM rel r
	UNION ALL
	-- columns; their order is part of the interface (COPY without a column list)
	SELECT 'column', r.qname || '.' || a.attname, jsonb_build_object(
		'position', a.attnum, 'type', format_type(a.atttypid, a.atttypmod),
		'not null', a.attnotnull, 'default', pg_get_expr(ad.adbin, ad.adrelid),
		'identity', a.attidentity, 'generated', a.attgenerated,
		'collation', (SELECT collname FROM pg_collation WHERE oid = a.attcollation),
		'storage', a.attstorage, 'compression', a.attcompression,
		'statistics', a.attstattarget,
		-- pg_attver: a stamp some server builds keep per column, not a setting
		'options', (SELECT array_agg(o ORDER BY o) FROM unnest(a.attoptions) AS o
					WHERE o NOT LIKE 'pg_attver=%')::text,
		'acl', a.attacl::text, 'comment', col_description(r.oid, a.attnum))
	FROM rel r
	JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
	WHERE r.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')
	UNION ALL
	SELECT 'constraint', r.qname || ' ' || c.conname, jsonb_build_object(
		'definition', pg_get_constraintdef(c.oid), 'deferrable', c.condeferrable,
		'deferred', c.condeferred, 'validated', c.convalidated,
		'comment', obj_description(c.oid, 'pg_constraint'))
	FROM pg_constraint c JOIN rel r ON r.oid = c.conrelid
	UNION ALL
	SELECT 'index', r.qname, jsonb_build_object(
		'definition', pg_get_indexdef(r.oid), 'options', r.reloptions::text,
		'clustered', i.indisclustered, 'replica identity', i.indisreplident)
	FROM rel r JOIN pg_index i ON i.indexrelid = r.oid
	UNION ALL
	-- user triggers; their names decide the order in which they fire
	SELECT 'trigger', r.qname || ' ' || t.tgname, jsonb_build_object(
		'definition', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled,
		'comment', obj_description(t.oid, 'pg_trigger'))
	FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid
	WHERE NOT t.tgisinternal
	UNION ALL
	SELECT 'row security policy', r.qname || ' ' || p.polname, jsonb_build_object(
		'command', p.polcmd, 'permissive', p.polpermissive,
		'roles', (SELECT array_agg(CASE WHEN x = 0 THEN 'public' ELSE pg_get_userbyid(x)::text END
								   ORDER BY 1)
				  FROM unnest(p.polroles) AS x),
		'using', pg_get_expr(p.polqual, p.polrelid),
		'check', pg_get_expr(p.polwithcheck, p.polrelid))
	FROM pg_policy p JOIN rel r ON r.oid = p.polrelid
	UNION ALL
	SELECT 'view', r.qname, jsonb_build_object('definition', pg_get_viewdef(r.oid, true))
	FROM rel r WHERE r.relkind IN ('v', 'm')
	UNION ALL
	SELECT 'sequence', r.qname, jsonb_build_object(
		'type', format_type(s.seqtypid, NULL), 'start', s.seqstart,
		'increment', s.seqincrement, 'min', s.seqmin, 'max', s.seqmax,
		'cache', s.seqcache, 'cycle', s.seqcycle)
	FROM pg_sequence s JOIN rel r ON r.oid = s.seqrelid
	UNION ALL
	-- functions: the parts pg_get_functiondef prints, one property each
	SELECT 'function', p.oid::regprocedure::text, jsonb_build_object(
		'arguments', pg_get_function_arguments(p.oid),
		'result', pg_get_function_result(p.oid),
		'kind', p.prokind, 'language', l.lanname,
		'volatility', p.provolatile, 'strict', p.proisstrict,
		'parallel', p.proparallel, 'security definer', p.prosecdef,
		'leakproof', p.proleakproof, 'cost', p.procost, 'rows', p.prorows,
		'support', p.prosupport::regproc::text, 'config', p.proconfig::text,
		'source', p.prosrc, 'library', p.probin, 'acl', p.proacl::text,
		'owner', pg_get_userbyid(p.proowner),
		'comment', obj_description(p.oid, 'pg_proc'))
	FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
	WHERE p.pronamespace = 'ctem'::regnamespace
	UNION ALL
	SELECT 'type', format_type(t.oid, NULL), jsonb_build_object(
		'kind', t.typtype, 'length', t.typlen, 'by value', t.typbyval,
		'alignment', t.typalign, 'storage', t.typstorage,
		'category', t.typcategory, 'input', t.typinput::text,
		'output', t.typoutput::text, 'receive', t.typreceive::text,
		'send', t.typsend::text, 'element', t.typelem::regtype::text,
		'array type', t.typarray::regtype::text, 'default', t.typdefault,
		'acl', t.typacl::text, 'comment', obj_description(t.oid, 'pg_type'),
		'labels', (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder)::text
				   FROM pg_enum e WHERE e.enumtypid = t.oid))
	FROM pg_type t WHERE t.typnamespace = 'ctem'::regnamespace
	UNION ALL
	-- operators, operator classes and casts of the extension (the operators
	-- live in pg_catalog)
	SELECT 'operator', o.oid::regoperator::text, jsonb_build_object(
		'function', o.oprcode::text, 'result', o.oprresult::regtype::text,
		'commutator', o.oprcom::regoperator::text, 'negator', o.oprnegate::regoperator::text,
		'restrict', o.oprrest::text, 'join', o.oprjoin::text,
		'merges', o.oprcanmerge, 'hashes', o.oprcanhash)
	FROM pg_operator o JOIN pg_depend d ON d.classid = 'pg_operator'::regclass AND d.objid = o.oid
	JOIN ext ON d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	SELECT 'operator class', pg_describe_object('pg_opclass'::regclass, c.oid, 0), jsonb_build_object(
		'type', c.opcintype::regtype::text, 'default', c.opcdefault,
		'family', pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0),
		'storage', c.opckeytype::regtype::text)
	FROM pg_opclass c WHERE c.opcnamespace = 'ctem'::regnamespace
	UNION ALL
	SELECT 'operator family member', pg_describe_object('pg_amop'::regclass, a.oid, 0),
		jsonb_build_object('purpose', a.amoppurpose, 'sort family', a.amopsortfamily)
	FROM pg_amop a JOIN pg_opfamily f ON f.oid = a.amopfamily
	WHERE f.opfnamespace = 'ctem'::regnamespace
	UNION ALL
	SELECT 'operator family member', pg_describe_object('pg_amproc'::regclass, a.oid, 0),
		jsonb_build_object('function', a.amproc::regprocedure::text)
	FROM pg_amproc a JOIN pg_opfamily f ON f.oid = a.amprocfamily
	WHERE f.opfnamespace = 'ctem'::regnamespace
	UNION ALL
	SELECT 'cast', pg_describe_object('pg_cast'::regclass, c.oid, 0), jsonb_build_object(
		'function', c.castfunc::regprocedure::text, 'context', c.castcontext,
		'method', c.castmethod)
	FROM pg_cast c JOIN pg_depend d ON d.classid = 'pg_cast'::regclass AND d.objid = c.oid
	JOIN ext ON d.refobjid = ext.oid AND d.deptype = 'e'
	UNION ALL
	-- the rows the extension seeds into its catalogue tables (updated_at is
	-- the time of the install)
	SELECT 'catalogue row', 'ctem.policy ' || p.name, to_jsonb(p) - 'updated_at'
	FROM ctem.policy p WHERE p.builtin
)
SELECT p.section, p.object, kv.key, kv.value
FROM props p, jsonb_each_text(p.p) AS kv
$fn$;

-- the walked install's catalog
CREATE TEMP TABLE walked_catalog AS SELECT * FROM pg_temp.ctem_catalog();
-- what it covers: every section has rows (row security policies: ctem has none)
SELECT section, count(*) > 0 AS compared FROM walked_catalog GROUP BY section ORDER BY section;

-- the differences between walked_catalog and the catalog now: an object on
-- one side only is one row, (object); for an object on both sides, each
-- property whose value differs
CREATE FUNCTION pg_temp.ctem_catalog_diff()
RETURNS TABLE (section text, object text, property text, walked text, fresh text)
LANGUAGE sql STABLE
AS $fn$
WITH w AS (SELECT * FROM walked_catalog),
	 f AS (SELECT * FROM pg_temp.ctem_catalog()),
	 wo AS (SELECT DISTINCT section, object FROM w),
	 fo AS (SELECT DISTINCT section, object FROM f)
SELECT section, object, '(object)',
	   CASE WHEN wo.object IS NULL THEN 'missing' ELSE 'present' END,
	   CASE WHEN fo.object IS NULL THEN 'missing' ELSE 'present' END
FROM wo FULL JOIN fo USING (section, object)
WHERE wo.object IS NULL OR fo.object IS NULL
UNION ALL
SELECT section, object, property, w.value, f.value
FROM w JOIN f USING (section, object, property)
WHERE w.value IS DISTINCT FROM f.value
$fn$;

-- a fresh install of the default version
DROP EXTENSION ctem;
CREATE EXTENSION ctem;
SELECT extversion FROM pg_extension WHERE extname = 'ctem';
-- no difference
SELECT * FROM pg_temp.ctem_catalog_diff() ORDER BY 1, 2, 3;

--
-- 4. The comparison sees a difference: a few changes to the fresh install,
-- inside a transaction that is rolled back, are reported, and only they
--
BEGIN;
ALTER TABLE ctem.asset ADD COLUMN upgrade_probe text;
ALTER TABLE ctem.exposure ALTER COLUMN kind SET DEFAULT 'secret';
ALTER FUNCTION ctem.array_union(text[], text[]) STABLE;
COMMENT ON COLUMN ctem.work_queue.asset IS 'The natural key of the asset';
SELECT * FROM pg_temp.ctem_catalog_diff() ORDER BY 1, 2, 3;
ROLLBACK;
SELECT * FROM pg_temp.ctem_catalog_diff() ORDER BY 1, 2, 3;
