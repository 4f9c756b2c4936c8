-- Threat intel: ctem.load_kev (CISA KEV JSON) and ctem.load_epss (FIRST EPSS CSV).

-- start from an empty store
TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result, ctem.vuln_intel RESTART IDENTITY;

\set kev '{"title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2025.08.25", "dateReleased": "2025-08-25T17:04:19.9796Z", "count": 2, "vulnerabilities": [{"cveID": "CVE-2021-44228", "vendorProject": "Apache", "product": "Log4j2", "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability", "dateAdded": "2021-12-10", "shortDescription": "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints.", "requiredAction": "Apply updates per vendor instructions.", "dueDate": "2021-12-24", "knownRansomwareCampaignUse": "Known", "notes": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228", "cwes": ["CWE-20", "CWE-400", "CWE-502"]}, {"cveID": "CVE-2023-44487", "vendorProject": "IETF", "product": "HTTP/2", "vulnerabilityName": "HTTP/2 Rapid Reset Attack Vulnerability", "dateAdded": "2023-10-10", "shortDescription": "HTTP/2 contains a rapid reset vulnerability that allows for a distributed denial-of-service attack (DDoS).", "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.", "dueDate": "2023-10-31", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": ["CWE-400"]}]}'

-- before any KEV catalog, KEV membership is unknown, even for a CVE that has
-- EPSS; the first catalog makes every other CVE "not listed", the exposures
-- already there included
INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', 'intel.example.com');
SELECT * FROM ctem.load_epss(E'cve,epss,percentile\nCVE-1999-0001,0.01,0.5\n');
INSERT INTO ctem.exposure (asset_id, rule_id) VALUES (1, 'CVE-2021-44228'), (1, 'CVE-1999-0001'), (1, 'CVE-2000-0002'), (1, 'NOT-A-CVE');
SELECT rule_id, kev, score_explain->'defaults_used' ? 'kev' AS kev_default FROM ctem.exposure ORDER BY rule_id;
SELECT * FROM ctem.load_kev(:'kev');
SELECT rule_id, kev, score_explain->'defaults_used' ? 'kev' AS kev_default FROM ctem.exposure ORDER BY rule_id;
-- and removing every KEV row makes them unknown again
BEGIN;
DELETE FROM ctem.vuln_intel WHERE kev;
SELECT rule_id, kev FROM ctem.exposure ORDER BY rule_id;
ROLLBACK;
TRUNCATE ctem.asset, ctem.exposure RESTART IDENTITY CASCADE;
DELETE FROM ctem.vuln_intel WHERE cve_id = 'CVE-1999-0001';
SELECT cve_id, kev, kev_date_added, kev_due_date, kev_ransomware, kev_vendor, kev_product, kev_cwes, kev_catalog_version
FROM ctem.vuln_intel ORDER BY cve_id;
-- the same catalog again changes nothing
SELECT * FROM ctem.load_kev(:'kev');
-- a catalog without Log4Shell removes it from KEV (the row stays, kev = false)
SELECT * FROM ctem.load_kev(replace(:'kev', '"CVE-2021-44228"', '"CVE-2021-45046"'));
SELECT cve_id, kev FROM ctem.vuln_intel ORDER BY cve_id;

-- EPSS, with its model/date comment line, CRLF line ends tolerated
SELECT * FROM ctem.load_epss(E'#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99957\nCVE-2023-44487,0.8164,0.99132\r\nCVE-1999-0001,0.01151,0.77918\n');
SELECT cve_id, kev, epss, epss_percentile, epss_model, epss_date FROM ctem.vuln_intel ORDER BY cve_id;
-- the older score_date style, one value changed
SELECT * FROM ctem.load_epss(E'#model_version:v2026.06.15,score_date:2026-09-30T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99957\nCVE-2023-44487,0.9,0.995\n');
SELECT cve_id, epss, epss_date FROM ctem.vuln_intel WHERE epss IS NOT NULL ORDER BY cve_id;

-- bad feeds: clear errors naming where, nothing loaded
SELECT * FROM ctem.load_kev('{"vulnerabilities": [');
SELECT * FROM ctem.load_kev('{"catalogVersion": "x", "vulnerabilities": []}');
SELECT * FROM ctem.load_kev('{"catalogVersion": "x", "vulnerabilities": [{"cveID": "CVE-2024-1", "dateAdded": "2024-01-01"}]}');
SELECT * FROM ctem.load_kev('{"catalogVersion": "x", "vulnerabilities": [{"cveID": "CVE-2024-12345", "dateAdded": "2024-13-01"}]}');
SELECT * FROM ctem.load_epss(E'cve,epss,percentile\nCVE-2024-0001,1.5,0.3\n');
SELECT * FROM ctem.load_epss(E'cve,epss,percentile\nCVE-2024-0001,0.5\nnot-a-cve,0.1,0.2\n');
SELECT * FROM ctem.load_epss(E'id;score\n');
SELECT count(*) FROM ctem.vuln_intel;
