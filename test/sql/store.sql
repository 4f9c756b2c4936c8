-- The asset and exposure store: types, constraints, triggers, views.

-- every object of the extension lives in schema ctem and is commented
SELECT c.relname, c.relkind, obj_description(c.oid, 'pg_class') IS NOT NULL AS commented
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'ctem' AND c.relkind IN ('r', 'v', 'm')
ORDER BY 1;
SELECT t.typname, obj_description(t.oid, 'pg_type') IS NOT NULL AS commented
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'ctem' AND t.typcategory <> 'A'
  AND (t.typtype IN ('e', 'b', 'd')
       OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
ORDER BY 1;
SELECT p.proname, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'ctem'
ORDER BY 1;
-- columns of tables without a comment (none expected)
SELECT c.relname, a.attname
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'ctem' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
  AND col_description(c.oid, a.attnum) IS NULL
ORDER BY 1, 2;
-- indexes that are not constraints, and triggers, are commented too
SELECT c.relname AS uncommented_index FROM pg_class c
WHERE c.relnamespace = 'ctem'::regnamespace AND c.relkind = 'i'
  AND obj_description(c.oid, 'pg_class') IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
ORDER BY 1;
SELECT t.tgname AS uncommented_trigger FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
WHERE c.relnamespace = 'ctem'::regnamespace AND NOT t.tgisinternal
  AND obj_description(t.oid, 'pg_trigger') IS NULL
ORDER BY 1;
-- every table's data is kept by pg_dump
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'ctem' ORDER BY 1;
-- every primary, unique and foreign key of a tenant table starts with tenant_id
SELECT conrelid::regclass AS tbl, conname, contype,
       (SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[1]) AS first_col
FROM pg_constraint
WHERE connamespace = 'ctem'::regnamespace AND contype IN ('p', 'u', 'f')
ORDER BY 1, 2;

-- assets: natural keys are normalised per kind
INSERT INTO ctem.asset (kind, natural_key, name, environment, business_service, owner,
                        criticality, internet_facing, crown_jewel, tags)
VALUES ('host', '  Web-01.Example.COM. ', 'web-01', 'prod', 'shop', 'team-web', 4, true, false, '{dmz}'),
       ('host', '10.0.0.5', 'db-01', 'prod', 'shop', 'team-db', 5, false, true, '{}'),
       ('host', '2001:DB8:0:0::1', NULL, 'prod', 'shop', NULL, NULL, NULL, false, '{}'),
       ('container_image', 'docker.io/library/nginx:1.25', NULL, 'prod', 'shop', 'team-web', 3, true, false, '{}'),
       ('repository', 'https://GitHub.com/acme/shop.git', NULL, NULL, 'shop', 'team-dev', 3, false, false, '{}'),
       ('cloud_resource', 'arn:aws:s3:::acme-Backups', NULL, 'prod', NULL, NULL, 4, NULL, false, '{}');
SELECT id, kind, natural_key, ip, name, criticality, internet_facing, crown_jewel
FROM ctem.asset ORDER BY id;
SELECT count(*) FROM ctem.asset WHERE ip << '10.0.0.0/8';

-- the same host spelled differently is the same asset
INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', 'web-01.example.com');
-- ...and ensure_asset finds it instead of failing
SELECT ctem.ensure_asset('host', 'WEB-01.example.com') = 1 AS same_asset;
SELECT ctem.ensure_asset('host', 'web-02.example.com', 'web-02') > 1 AS new_asset;
SELECT count(*) FROM ctem.asset;

-- bad rows fail with clear errors; try() shows SQLSTATE, message and
-- constraint (the row dump in DETAIL carries now() and is left out)
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text; msg text; con text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, con = CONSTRAINT_NAME;
	RETURN st || ': ' || msg || coalesce(' [' || nullif(con, '') || ']', '');
END $$;
SELECT pg_temp.try($$INSERT INTO ctem.asset (kind, natural_key, criticality) VALUES ('host', 'x.example.com', 9)$$);
SELECT pg_temp.try($$INSERT INTO ctem.asset (kind, natural_key, criticality) VALUES ('host', 'x.example.com', 0)$$);
INSERT INTO ctem.asset (kind, natural_key) VALUES ('toaster', 'x');
SELECT pg_temp.try($$INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', '   ')$$);
SELECT pg_temp.try($$INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', NULL)$$);
SELECT pg_temp.try($$INSERT INTO ctem.asset (kind, natural_key, attributes) VALUES ('host', 'y.example.com', '[1]')$$);
SELECT pg_temp.try($$INSERT INTO ctem.asset (kind, natural_key, first_seen, last_seen)
VALUES ('host', 'z.example.com', '2026-01-02', '2026-01-01')$$);
SELECT pg_temp.try($$INSERT INTO ctem.asset (tenant_id, kind, natural_key) VALUES (0, 'host', 'z.example.com')$$);

-- exposures
INSERT INTO ctem.exposure (asset_id, kind, rule_id, title, severity, cvss, component,
                           component_version, fixed_version, location, sources)
VALUES (4, 'vulnerability', 'cve-2023-44487', 'HTTP/2 Rapid Reset', 'high',
        'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 'nghttp2', '1.51.0', '1.57.0', NULL, '{trivy}'),
       (1, 'misconfiguration', 'SSH-ROOT-LOGIN', 'Root login over SSH allowed', 'medium',
        NULL, 'sshd', NULL, NULL, '/etc/ssh/sshd_config', '{cis-benchmark}'),
       (5, 'secret', 'aws-access-key-id', 'AWS access key in source', 'critical',
        NULL, NULL, NULL, NULL, 'deploy/config.env:12', '{gitleaks}'),
       (6, 'misconfiguration', 'S3.8', 'S3 bucket allows public read', 'high',
        NULL, 'AwsS3Bucket', NULL, NULL, NULL, '{securityhub}');
SELECT id, asset_id, kind, rule_id, severity, component, status, resolved_at IS NULL AS unresolved
FROM ctem.exposure ORDER BY id;

-- the fingerprint is the documented function of the identity columns
SELECT bool_and(fingerprint = ctem.exposure_fingerprint(asset_id, kind, rule_id, component, location))
FROM ctem.exposure;
-- the version is not part of the identity; case of CVE and component is not either
SELECT ctem.exposure_fingerprint(4, 'vulnerability', 'CVE-2023-44487', 'NGHTTP2', '')
     = (SELECT fingerprint FROM ctem.exposure WHERE id = 1) AS same_problem;
SELECT ctem.exposure_fingerprint(4, 'vulnerability', 'CVE-2023-44487', 'nghttp2', '/usr/lib')
     = (SELECT fingerprint FROM ctem.exposure WHERE id = 1) AS other_location_is_other_problem;
SELECT ctem.exposure_fingerprint(NULL, 'vulnerability', 'CVE-1', NULL, NULL) IS NULL AS null_identity;
-- it is the first 16 bytes of SHA-256 over asset US kind US rule US component
-- (ASCII letters lowered) US location, as PostgreSQL's sha256() computes it:
-- identities of 30 to over 500 bytes, across the 64-byte block boundaries
WITH i AS (
  SELECT g AS asset, 'CVE-2024-' || g AS rule,
         CASE WHEN g % 3 = 0 THEN NULL ELSE repeat('PkG-é', g % 60) END AS component,
         CASE WHEN g % 4 = 0 THEN NULL ELSE repeat('/x', g % 90) END AS location
  FROM generate_series(1, 2000) g)
SELECT count(*) AS identities,
       count(*) FILTER (WHERE ctem.exposure_fingerprint(asset, 'vulnerability', rule, component, location) =
         encode(substring(sha256(convert_to(asset || chr(31) || 'vulnerability' || chr(31) || rule || chr(31) ||
           coalesce(translate(component, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), '') ||
           chr(31) || coalesce(location, ''), 'UTF8')) FROM 1 FOR 16), 'hex')::uuid) AS equal_to_sha256,
       min(octet_length(asset || 'vulnerability' || rule || coalesce(component, '') || coalesce(location, '')) + 4) AS shortest,
       max(octet_length(asset || 'vulnerability' || rule || coalesce(component, '') || coalesce(location, '')) + 4) AS longest
FROM i;

-- a second report of the same problem merges into it (re-detection)
INSERT INTO ctem.exposure (asset_id, rule_id, component, component_version)
VALUES (4, 'CVE-2023-44487', 'nghttp2', '1.52.0');
SELECT id, rule_id, component_version, sources FROM ctem.exposure WHERE asset_id = 4;

-- bad exposures
INSERT INTO ctem.exposure (asset_id, rule_id) VALUES (999, 'CVE-2024-0001');
INSERT INTO ctem.exposure (asset_id, kind, rule_id) VALUES (1, 'rumour', 'X');
SELECT pg_temp.try($$INSERT INTO ctem.exposure (asset_id, rule_id) VALUES (1, '')$$);
INSERT INTO ctem.exposure (asset_id, rule_id, severity) VALUES (1, 'X-1', 'severe');
INSERT INTO ctem.exposure (asset_id, rule_id, status) VALUES (1, 'X-1', 'done');
SELECT pg_temp.try($$INSERT INTO ctem.exposure (asset_id, rule_id, details) VALUES (1, 'X-1', '"text"')$$);
-- an asset of another tenant is not visible to the asset reference
INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id) VALUES (2, 1, 'CVE-2024-0001');

-- status drives resolved_at
UPDATE ctem.exposure SET status = 'fixed' WHERE id = 2;
SELECT id, status, resolved_at IS NOT NULL AS resolved FROM ctem.exposure WHERE id = 2;
UPDATE ctem.exposure SET status = 'open' WHERE id = 2;
SELECT id, status, resolved_at IS NOT NULL AS resolved FROM ctem.exposure WHERE id = 2;
-- changing an identity column recomputes the fingerprint
UPDATE ctem.exposure SET location = '/etc/ssh/sshd_config.d/10.conf' WHERE id = 2;
SELECT fingerprint = ctem.exposure_fingerprint(1, 'misconfiguration', 'SSH-ROOT-LOGIN', 'sshd', '/etc/ssh/sshd_config.d/10.conf')
FROM ctem.exposure WHERE id = 2;

-- views
SELECT exposure_id, severity, rule_id, asset, owner, business_service FROM ctem.work_queue;
SELECT business_service, status, severity, exposures, assets FROM ctem.exposure_summary
ORDER BY 1, 2, 3;

-- the exposure -> asset reference (enforced by triggers, like a foreign key)
-- moving an exposure to a missing asset fails; to an existing one works
UPDATE ctem.exposure SET asset_id = 999 WHERE id = 2;
BEGIN;
UPDATE ctem.exposure SET asset_id = 3 WHERE id = 2;
SELECT asset_id, fingerprint = ctem.exposure_fingerprint(3, kind, rule_id, component, location) AS refingerprinted
FROM ctem.exposure WHERE id = 2;
ROLLBACK;
-- one statement referencing the same asset many times locks it once and
-- fails on the first missing one, inserting nothing
INSERT INTO ctem.exposure (asset_id, rule_id)
SELECT CASE WHEN g = 50 THEN 998 ELSE 1 END, 'CVE-2024-' || (1000 + g) FROM generate_series(1, 60) g;
SELECT count(*) FROM ctem.exposure WHERE rule_id LIKE 'CVE-2024-1%';
-- a new asset's findings in one statement skip the merge probe, yet
-- repeats still merge (the first 64 through a list, then a Bloom filter)
SELECT ctem.ensure_asset('host', 'fresh.example.com') AS fresh_id \gset
INSERT INTO ctem.exposure (asset_id, rule_id, component, sources)
SELECT :fresh_id, 'CVE-2024-' || (2000 + g % 150), 'pkg', ARRAY['tool' || (g / 150)]
FROM generate_series(0, 449) g;
SELECT count(*) AS exposures, min(cardinality(sources)) AS min_sources,
       max(cardinality(sources)) AS max_sources
FROM ctem.exposure WHERE asset_id = :fresh_id;
-- the asset is not fresh any more: the next statement merges through the index
INSERT INTO ctem.exposure (asset_id, rule_id, component, sources)
SELECT :fresh_id, 'CVE-2024-' || (2000 + g), 'pkg', '{tool9}' FROM generate_series(0, 199) g;
SELECT count(*) AS exposures, count(*) FILTER (WHERE 'tool9' = ANY (sources)) AS seen_by_tool9
FROM ctem.exposure WHERE asset_id = :fresh_id;
DELETE FROM ctem.asset WHERE id = :fresh_id;
-- the inserting transaction holds a key-share lock on the asset
BEGIN;
INSERT INTO ctem.exposure (asset_id, rule_id) VALUES (5, 'CVE-2024-7777');
SELECT xmax::text::bigint = pg_current_xact_id()::text::bigint AS locked_by_this_xact
FROM ctem.asset WHERE id = 5;
ROLLBACK;
-- the key of a referenced asset cannot change; of an unreferenced one it can
SELECT id FROM ctem.asset WHERE id NOT IN (SELECT asset_id FROM ctem.exposure) ORDER BY id LIMIT 1 \gset free_
UPDATE ctem.asset SET id = 1000 WHERE id = 1;
BEGIN;
UPDATE ctem.asset SET id = 1000 WHERE id = :free_id;
ROLLBACK;
-- TRUNCATE of the assets alone is refused while exposures exist
BEGIN;
TRUNCATE ctem.asset CASCADE;
ROLLBACK;
BEGIN;
TRUNCATE ctem.asset, ctem.exposure CASCADE;
SELECT count(*) FROM ctem.asset;
ROLLBACK;

-- deleting an asset deletes its exposures and their history
INSERT INTO ctem.exposure_event (exposure_id, event, note)
SELECT id, 'status_changed', 'before the asset goes' FROM ctem.exposure WHERE asset_id = 6;
SELECT count(*) AS events FROM ctem.exposure_event e JOIN ctem.exposure x ON x.id = e.exposure_id WHERE x.asset_id = 6;
DELETE FROM ctem.asset WHERE id = 6;
SELECT count(*) FROM ctem.exposure WHERE asset_id = 6;
SELECT count(*) AS orphan_events FROM ctem.exposure_event e
WHERE NOT EXISTS (SELECT 1 FROM ctem.exposure x WHERE x.tenant_id = e.tenant_id AND x.id = e.exposure_id);
-- a role that may delete assets cascades without the right to delete
-- exposures (it needs UPDATE on them for the control re-score trigger)
CREATE ROLE ctem_store_inventory;
GRANT USAGE ON SCHEMA ctem TO ctem_store_inventory;
GRANT SELECT, DELETE ON ctem.asset TO ctem_store_inventory;
GRANT SELECT, UPDATE ON ctem.exposure TO ctem_store_inventory;
SELECT count(*) AS before FROM ctem.exposure WHERE asset_id = 5;
SET ROLE ctem_store_inventory;
DELETE FROM ctem.asset WHERE id = 5;
RESET ROLE;
SELECT count(*) AS after FROM ctem.exposure WHERE asset_id = 5;
DROP OWNED BY ctem_store_inventory;
DROP ROLE ctem_store_inventory;

-- DROP EXTENSION leaves nothing behind; CREATE EXTENSION works again
DROP EXTENSION ctem;
SELECT count(*) AS ctem_schemas FROM pg_namespace WHERE nspname = 'ctem';
SELECT count(*) AS ctem_functions FROM pg_proc WHERE proname LIKE 'ctem%' OR prosrc LIKE 'ctem%';
CREATE EXTENSION ctem;
SELECT count(*) FROM ctem.asset;
-- a planted schema blocks installation
DROP EXTENSION ctem;
CREATE SCHEMA ctem;
-- PostgreSQL 18 adds a CONTEXT line naming the script file and line
\set SHOW_CONTEXT never
CREATE EXTENSION ctem;
\set SHOW_CONTEXT errors
DROP SCHEMA ctem;
CREATE EXTENSION ctem;
