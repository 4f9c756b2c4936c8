--
-- privileges: keeping scores current is ctem's job, not the privilege of
-- whoever changed the context; the history names who did
--
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_ctem_inventory;
CREATE ROLE regress_ctem_inventory;
RESET client_min_messages;
-- an inventory role: assets and controls, nothing on exposures
GRANT USAGE ON SCHEMA ctem TO regress_ctem_inventory;
GRANT SELECT, UPDATE, DELETE ON ctem.asset TO regress_ctem_inventory;
GRANT SELECT, INSERT, DELETE ON ctem.control TO regress_ctem_inventory;
GRANT USAGE ON SEQUENCE ctem.control_id_seq TO regress_ctem_inventory;

INSERT INTO ctem.asset (kind, natural_key, criticality, internet_facing)
VALUES ('host', 'priv-1.example.com', 1, false), ('host', 'priv-2.example.com', 2, false);
INSERT INTO ctem.exposure (asset_id, rule_id, severity)
SELECT id, 'CVE-2097-' || g, 'critical'
FROM ctem.asset, generate_series(1, 2) g WHERE natural_key LIKE 'priv-%';
SELECT a.natural_key, e.rule_id, e.risk_score, e.priority, e.controls_effectiveness
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key LIKE 'priv-%' ORDER BY 1, 2;

SET ROLE regress_ctem_inventory;
-- it cannot touch exposures itself
UPDATE ctem.exposure SET status = 'fixed' WHERE rule_id = 'CVE-2097-1';
-- but its asset and control changes re-score them
UPDATE ctem.asset SET criticality = 5, internet_facing = true WHERE natural_key = 'priv-1.example.com';
INSERT INTO ctem.control (asset_id, kind, effectiveness)
SELECT id, 'waf', 0.3 FROM ctem.asset WHERE natural_key = 'priv-1.example.com';
RESET ROLE;
SELECT a.natural_key, e.rule_id, e.risk_score, e.priority, e.controls_effectiveness
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key LIKE 'priv-%' ORDER BY 1, 2;
-- the history names the inventory role, not the extension's owner
SELECT e.rule_id, v.event, v.old_priority, v.new_priority, v.actor
FROM ctem.exposure_event v JOIN ctem.exposure e ON e.tenant_id = v.tenant_id AND e.id = v.exposure_id
WHERE e.rule_id LIKE 'CVE-2097-%' ORDER BY v.id;

-- deleting an asset with controls and exposures: the cascades run as ctem
SET ROLE regress_ctem_inventory;
DELETE FROM ctem.asset WHERE natural_key = 'priv-1.example.com';
RESET ROLE;
SELECT count(*) AS exposures_left FROM ctem.exposure WHERE rule_id LIKE 'CVE-2097-%';
SELECT count(*) AS controls_left FROM ctem.control c
WHERE NOT EXISTS (SELECT 1 FROM ctem.asset a WHERE a.tenant_id = c.tenant_id AND a.id = c.asset_id);

-- an analyst works the queue: UPDATE on exposures, nothing on the context
-- tables the trigger reads to re-score the row, nothing on the history,
-- which records the change all the same, and which it cannot write itself
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_ctem_analyst;
CREATE ROLE regress_ctem_analyst;
RESET client_min_messages;
GRANT USAGE ON SCHEMA ctem TO regress_ctem_analyst;
GRANT SELECT, UPDATE (status) ON ctem.exposure TO regress_ctem_analyst;
GRANT SELECT ON ctem.exposure_event TO regress_ctem_analyst;
SET ROLE regress_ctem_analyst;
UPDATE ctem.exposure SET status = 'in_progress' WHERE rule_id = 'CVE-2097-1';
INSERT INTO ctem.exposure_event (exposure_id, event) SELECT id, 'resolved' FROM ctem.exposure WHERE rule_id = 'CVE-2097-1';
RESET ROLE;
SELECT e.rule_id, v.event, v.old_status, v.new_status, v.actor
FROM ctem.exposure_event v JOIN ctem.exposure e ON e.tenant_id = v.tenant_id AND e.id = v.exposure_id
WHERE e.rule_id = 'CVE-2097-1' ORDER BY v.id;

-- the re-scoring functions run as the owner: nobody else may call or attach them
CREATE TABLE public.priv_controls (tenant_id integer, asset_id bigint);
ALTER TABLE public.priv_controls OWNER TO regress_ctem_inventory;
SET ROLE regress_ctem_inventory;
CREATE TRIGGER steal AFTER INSERT ON public.priv_controls
	REFERENCING NEW TABLE AS new_controls
	FOR EACH STATEMENT EXECUTE FUNCTION ctem.control_rescore();
SELECT ctem.event_actor();
RESET ROLE;
SELECT ctem.event_actor() = current_user AS actor_is_current_user;
SELECT p.proname, p.prosecdef, p.proconfig
FROM pg_proc p WHERE p.pronamespace = 'ctem'::regnamespace AND p.prosecdef ORDER BY 1;

-- a policy administrator with INSERT on ctem.policy (no UPDATE) makes its
-- policy the active one: switching the builtin default off is ctem's part
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_ctem_policy_admin;
CREATE ROLE regress_ctem_policy_admin;
RESET client_min_messages;
GRANT USAGE ON SCHEMA ctem TO regress_ctem_policy_admin;
GRANT SELECT, INSERT ON ctem.policy TO regress_ctem_policy_admin;
BEGIN;
UPDATE ctem.policy SET active = builtin;
SET ROLE regress_ctem_policy_admin;
INSERT INTO ctem.policy (name, description, active) VALUES ('priv-policy', 'the administrator''s own', true);
RESET ROLE;
SELECT name, builtin, active FROM ctem.policy WHERE active OR builtin OR name = 'priv-policy' ORDER BY name;
ROLLBACK;
REVOKE ALL ON ctem.policy FROM regress_ctem_policy_admin;
REVOKE ALL ON SCHEMA ctem FROM regress_ctem_policy_admin;
DROP ROLE regress_ctem_policy_admin;

DROP TABLE public.priv_controls;
DELETE FROM ctem.asset WHERE natural_key LIKE 'priv-%';
REVOKE ALL ON ALL TABLES IN SCHEMA ctem FROM regress_ctem_inventory;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ctem FROM regress_ctem_inventory;
REVOKE ALL ON SCHEMA ctem FROM regress_ctem_inventory;
DROP ROLE regress_ctem_inventory;
REVOKE ALL ON ALL TABLES IN SCHEMA ctem FROM regress_ctem_analyst;
REVOKE ALL ON SCHEMA ctem FROM regress_ctem_analyst;
DROP ROLE regress_ctem_analyst;

-- ctem's own statements resolve no name through the caller's search_path:
-- a schema ahead of public with an unnest() and = operators that match
-- better than pg_catalog's polymorphic ones (the CVE-2018-1058 pattern)
-- is never called by ingest, re-detection, full-scan resolution or the
-- intel loads
CREATE SCHEMA regress_trap;
CREATE FUNCTION regress_trap.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'regress_trap.unnest(text[]) was called'; END$$;
CREATE FUNCTION regress_trap.unnest(bigint[]) RETURNS SETOF bigint LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'regress_trap.unnest(bigint[]) was called'; END$$;
CREATE FUNCTION regress_trap.unnest(jsonb[]) RETURNS SETOF jsonb LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'regress_trap.unnest(jsonb[]) was called'; END$$;
CREATE FUNCTION regress_trap.unnest(float8[]) RETURNS SETOF float8 LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'regress_trap.unnest(float8[]) was called'; END$$;
CREATE FUNCTION regress_trap.status_eq(ctem.exposure_status, ctem.exposure_status) RETURNS boolean
LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'regress_trap.= (exposure_status) was called'; END$$;
CREATE OPERATOR regress_trap.= (LEFTARG = ctem.exposure_status, RIGHTARG = ctem.exposure_status,
                                FUNCTION = regress_trap.status_eq);
CREATE FUNCTION regress_trap.textarr_eq(text[], text[]) RETURNS boolean
LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'regress_trap.= (text[]) was called'; END$$;
CREATE OPERATOR regress_trap.= (LEFTARG = text[], RIGHTARG = text[], FUNCTION = regress_trap.textarr_eq);
BEGIN;
SET LOCAL search_path = regress_trap, public;
-- the trap works where a name is resolved through the search_path
SELECT count(*) FROM unnest(ARRAY['a']);
ROLLBACK;
BEGIN;
DELETE FROM ctem.vuln_intel WHERE cve_id = 'CVE-2023-44487';
SET LOCAL search_path = regress_trap, public;
\set trap_trivy '{"SchemaVersion": 2, "ArtifactName": "priv-trap:1", "ArtifactType": "container_image", "Results": [{"Target": "priv-trap:1 (alpine 3.18.4)", "Class": "os-pkgs", "Type": "alpine", "Vulnerabilities": [{"VulnerabilityID": "CVE-2023-44487", "VendorIDs": ["GHSA-qppj-fm5r-hxr3"], "PkgName": "nghttp2-libs", "InstalledVersion": "1.55.1-r0", "Severity": "HIGH", "CweIDs": ["CWE-400"]}, {"VulnerabilityID": "CVE-2023-38545", "PkgName": "curl", "InstalledVersion": "8.3.0-r0", "Severity": "CRITICAL"}]}]}'
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(:'trap_trivy');
SELECT format, findings, inserted, updated, resolved FROM ctem.ingest(:'trap_trivy');
SELECT format, findings, inserted, updated, resolved
FROM ctem.ingest(replace(:'trap_trivy', '"CVE-2023-38545"', '"CVE-2023-99999"'));
SELECT e.rule_id, e.status, e.sources, e.details
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key = 'priv-trap:1' ORDER BY e.rule_id;
SELECT catalog_version, entries, added, updated FROM ctem.load_kev('{"catalogVersion": "2025.01.01", "vulnerabilities": [{"cveID": "CVE-2023-44487", "vendorProject": "IETF", "product": "HTTP/2", "vulnerabilityName": "Rapid Reset", "dateAdded": "2023-10-10", "shortDescription": "x", "requiredAction": "Patch", "dueDate": "2023-10-31", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-400"]}]}');
SELECT catalog_version, entries, added, updated FROM ctem.load_kev('{"catalogVersion": "2025.01.02", "vulnerabilities": [{"cveID": "CVE-2023-44487", "vendorProject": "IETF", "product": "HTTP/2", "vulnerabilityName": "Rapid Reset", "dateAdded": "2023-10-10", "shortDescription": "x", "requiredAction": "Patch", "dueDate": "2023-10-31", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-400", "CWE-770"]}]}');
-- the same catalog again: nothing to update (a NULL compares equal to a NULL)
SELECT catalog_version, entries, added, updated FROM ctem.load_kev('{"catalogVersion": "2025.01.02", "vulnerabilities": [{"cveID": "CVE-2023-44487", "vendorProject": "IETF", "product": "HTTP/2", "vulnerabilityName": "Rapid Reset", "dateAdded": "2023-10-10", "shortDescription": "x", "requiredAction": "Patch", "dueDate": "2023-10-31", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-400", "CWE-770"]}]}');
SELECT * FROM ctem.load_epss(E'#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2023-44487,0.9,0.99\n');
SELECT * FROM ctem.load_epss(E'#model_version:v2025.03.14,score_date:2025-08-26T00:00:00+0000\ncve,epss,percentile\nCVE-2023-44487,0.9,0.99\n');
SELECT * FROM ctem.load_epss(E'#model_version:v2025.03.14,score_date:2025-08-26T00:00:00+0000\ncve,epss,percentile\nCVE-2023-44487,0.9,0.99\n');
ROLLBACK;
DROP SCHEMA regress_trap CASCADE;
