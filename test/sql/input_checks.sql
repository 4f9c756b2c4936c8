-- Hostile or odd input values: a long invalid CVSS vector is cut in the
-- error message; impossible report dates are not stored as dates; a KEV
-- "cwes" entry stays one element; a CVE listed twice in one KEV or EPSS
-- file takes its last entry.

-- raw INSERTs: NULL and blank names in sources and aliases are dropped
-- (they named nothing), on insert and on a merge
INSERT INTO ctem.exposure (asset_id, rule_id, component, sources, aliases)
SELECT ctem.ensure_asset('host', 'names.example.com'), 'CVE-2024-7000', 'pkg',
	   '{NULL,"",trivy," "}', '{NULL,"GHSA-xxxx-yyyy-zzzz",""}';
INSERT INTO ctem.exposure (asset_id, rule_id, component, sources, aliases)
SELECT ctem.ensure_asset('host', 'names.example.com'), 'CVE-2024-7000', 'pkg',
	   '{grype,NULL}', '{"	"}';
INSERT INTO ctem.exposure (asset_id, rule_id, component, sources, aliases)
SELECT ctem.ensure_asset('host', 'names.example.com'), 'CVE-2024-7001', 'pkg', '{NULL}', '{}';
SELECT rule_id, sources, aliases FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
WHERE a.natural_key = 'names.example.com' ORDER BY rule_id;
UPDATE ctem.exposure SET sources = sources || '{NULL,""}'::text[] WHERE rule_id = 'CVE-2024-7000';
SELECT rule_id, sources FROM ctem.exposure WHERE rule_id = 'CVE-2024-7000';

TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result, ctem.vuln_intel RESTART IDENTITY;

-- 1. an invalid vector of 100 MB: the message quotes its first 100
-- characters, then "..."
SELECT ('CVSS:3.1/AV:N/AC:L/' || repeat('X', 100 * 1024 * 1024))::ctem.cvss;
-- a short one is quoted whole
SELECT 'CVSS:3.1/AV:N/AC:L/XX'::ctem.cvss;
-- multibyte characters are not cut in the middle
SELECT ('CVSS:3.1/' || repeat('é', 200))::ctem.cvss;
-- a metric name is cut the same way
SELECT ctem.cvss_metric('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', repeat('Z', 100000));
-- in a report, the invalid vector kept in details is cut at 1,000 bytes
SELECT (r).findings, (r).inserted
FROM (SELECT ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "checks.example/app:1", "ArtifactType": "container_image", "Results": [{"Target": "Java", "Class": "lang-pkgs", "Type": "jar", "Vulnerabilities": [{"VulnerabilityID": "CVE-2021-44228", "PkgName": "log4j", "InstalledVersion": "2.14.1", "Severity": "CRITICAL", "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/' || repeat('X', 5000) || '"}}}]}]}') AS r) s;
SELECT cvss, length(details->>'cvss_invalid') AS kept, right(details->>'cvss_invalid', 5) AS tail
FROM ctem.exposure;
TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result RESTART IDENTITY;

-- 2. report dates: a date that is not on the calendar (2023-02-30,
-- 2023-13-01, 2023-04-31, 2100-02-29), or a time that is not a time, is
-- not stored as "published" / "observed_at": the finding is kept, and the
-- value as the report gave it goes to "published_invalid" /
-- "observed_at_invalid"; real dates (2024-02-29) are kept as they are
CREATE FUNCTION pg_temp.trivy_dated(published text) RETURNS text
LANGUAGE sql AS $$
SELECT '{"SchemaVersion": 2, "ArtifactName": "dates.example/app:1", "ArtifactType": "container_image", "Results": [{"Target": "Java", "Class": "lang-pkgs", "Type": "jar", "Vulnerabilities": [{"VulnerabilityID": "CVE-2021-44228", "PkgName": "pkg-' || published || '", "InstalledVersion": "1", "Severity": "HIGH", "PublishedDate": "' || published || '"}]}]}'
$$;
SELECT d, (ctem.ingest(pg_temp.trivy_dated(d), full_scan => false)).inserted
FROM unnest(ARRAY['2024-02-29T10:15:00Z', '2023-02-30T00:00:00Z', '2023-13-01', '2023-04-31',
                  '2100-02-29T00:00:00Z', '2023-02-28T25:00:00Z', '2023-02-28T10:61:00Z',
                  '2023-02-28T10:15:00.123456+02:00', '2023-02-28 10:15:00', '2023-02-28',
                  '2023-02-28T10:15:00Zjunk']) AS d
ORDER BY d;
SELECT component, details->>'published' AS published, details->>'published_invalid' AS published_invalid
FROM ctem.exposure ORDER BY component;
-- observed_at (nuclei's timestamp) the same way
SELECT (ctem.ingest(E'{"template-id": "t1", "info": {"name": "one", "severity": "high"}, "host": "https://a.example", "matched-at": "https://a.example/x", "type": "http", "timestamp": "2023-02-30T10:00:00.5Z"}\n{"template-id": "t2", "info": {"name": "two", "severity": "high"}, "host": "https://a.example", "matched-at": "https://a.example/y", "type": "http", "timestamp": "2023-02-28T10:00:00.5+01:00"}', 'nuclei')).inserted;
SELECT rule_id, details->>'observed_at' AS observed_at, details->>'observed_at_invalid' AS observed_at_invalid
FROM ctem.exposure WHERE 'nuclei' = ANY (sources) ORDER BY rule_id;
TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result RESTART IDENTITY;

-- 3. a KEV "cwes" entry with a comma in it stays one element
SELECT entries FROM ctem.load_kev('{"catalogVersion": "c1", "vulnerabilities": [{"cveID": "CVE-2021-44228", "dateAdded": "2021-12-10", "cwes": ["CWE-20", "CWE-79, CWE-89 (legacy)", "", "CWE-502"]}, {"cveID": "CVE-2023-44487", "dateAdded": "2023-10-10", "cwes": "CWE-400, as one string"}]}');
SELECT cve_id, kev_cwes, array_length(kev_cwes, 1) AS n FROM ctem.vuln_intel ORDER BY cve_id;

-- 4. a CVE listed more than once in one file: its last entry wins, in KEV
-- (200 CVEs, three entries each, interleaved) and in EPSS
SELECT entries FROM ctem.load_kev(
	'{"catalogVersion": "c2", "vulnerabilities": [' ||
	(SELECT string_agg(format('{"cveID": "CVE-2024-%s", "dateAdded": "2024-01-%s", "vendorProject": "%s"}',
	                          10000 + g, to_char(k, 'FM00'), (ARRAY['first', 'middle', 'last'])[k]), ', '
	                   ORDER BY k, g)
	 FROM generate_series(1, 200) g, generate_series(1, 3) k) || ']}');
SELECT kev_vendor, kev_date_added, count(*) FROM ctem.vuln_intel
WHERE cve_id LIKE 'CVE-2024-%' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT rows_read FROM ctem.load_epss(E'cve,epss,percentile\n' ||
	(SELECT string_agg(format('CVE-2024-%s,%s,%s', 10000 + g, k / 10.0, k / 10.0), E'\n' ORDER BY k, g)
	 FROM generate_series(1, 200) g, generate_series(1, 3) k) || E'\n');
SELECT epss, epss_percentile, count(*) FROM ctem.vuln_intel
WHERE cve_id LIKE 'CVE-2024-%' GROUP BY 1, 2 ORDER BY 1, 2;

TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result, ctem.vuln_intel RESTART IDENTITY;
