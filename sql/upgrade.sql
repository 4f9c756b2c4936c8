-- Walk every upgrade step from the oldest version, calling the API at each.
DROP EXTENSION ctem;
CREATE EXTENSION ctem VERSION '0.1.0';
SELECT extversion FROM pg_extension WHERE extname = 'ctem';
INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', 'upgrade.example.com');
INSERT INTO ctem.exposure (asset_id, rule_id, cvss)
SELECT id, r, v FROM ctem.asset, (VALUES
    ('CVE-2021-44228', 'CVSS:3.1/A:H/I:H/C:H/S:C/UI:N/PR:N/AC:L/AV:N'),
    ('CVE-2014-0160', 'AV:N/AC:L/Au:N/C:P/I:N/A:N'),
    ('CVE-2020-0001', 'not a vector'),
    ('CVE-2020-0002', NULL)) AS t(r, v);
SELECT count(*) FROM ctem.exposure;

ALTER EXTENSION ctem UPDATE TO '0.2.0';
SELECT extversion FROM pg_extension WHERE extname = 'ctem';
-- valid vectors became ctem.cvss (canonical); the invalid one is kept in details
SELECT rule_id, cvss, ctem.cvss_score(cvss) AS score, details
FROM ctem.exposure ORDER BY rule_id;

-- 0.3.0: discovery
ALTER EXTENSION ctem UPDATE TO '0.3.0';
SELECT extversion FROM pg_extension WHERE extname = 'ctem';
SELECT * FROM ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "upgrade.example.com", "ArtifactType": "filesystem", "Results": [{"Target": "x", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": [{"VulnerabilityID": "CVE-2014-0160", "PkgName": "openssl", "InstalledVersion": "1.0.1f", "Severity": "HIGH"}]}]}', 'trivy', (SELECT id FROM ctem.asset WHERE natural_key = 'upgrade.example.com'));
SELECT rule_id, sources FROM ctem.exposure ORDER BY rule_id;

-- 0.4.0: prioritization; existing exposures are scored by the upgrade
ALTER EXTENSION ctem UPDATE TO '0.4.0';
SELECT extversion FROM pg_extension WHERE extname = 'ctem';
SELECT rule_id, risk_score, priority, score_explain->>'policy_version' AS policy FROM ctem.exposure ORDER BY rule_id;

-- a fresh install of the newest version has the same objects as the upgraded one
CREATE TEMP TABLE upgraded AS
SELECT pg_describe_object(classid, objid, objsubid) AS obj
FROM pg_depend WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ctem') AND deptype = 'e';
DROP EXTENSION ctem;
CREATE EXTENSION ctem;
SELECT obj AS only_after_upgrade FROM upgraded
EXCEPT SELECT pg_describe_object(classid, objid, objsubid)
FROM pg_depend WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ctem') AND deptype = 'e'
ORDER BY 1;
SELECT pg_describe_object(classid, objid, objsubid) AS only_in_fresh_install
FROM pg_depend WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ctem') AND deptype = 'e'
EXCEPT SELECT obj FROM upgraded
ORDER BY 1;
