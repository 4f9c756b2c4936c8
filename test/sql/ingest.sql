-- Discovery: ctem.ingest of scanner reports, cross-scanner dedup,
-- re-detection, the raw ETL path, and bad input.

-- start from an empty store
TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result, ctem.vuln_intel RESTART IDENTITY;

-- a Trivy and a Grype report of the same image (fixtures written for these tests)
\set trivy '{"SchemaVersion": 2, "ArtifactName": "registry.example.com/shop/api:1.4", "ArtifactType": "container_image", "Metadata": {"OS": {"Family": "alpine", "Name": "3.18.4"}}, "Results": [{"Target": "registry.example.com/shop/api:1.4 (alpine 3.18.4)", "Class": "os-pkgs", "Type": "alpine", "Vulnerabilities": [{"VulnerabilityID": "CVE-2023-44487", "PkgName": "nghttp2-libs", "InstalledVersion": "1.55.1-r0", "FixedVersion": "1.57.0-r0", "Severity": "HIGH", "Title": "HTTP/2 Rapid Reset", "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "V3Score": 7.5}}}]}, {"Target": "Java", "Class": "lang-pkgs", "Type": "jar", "Vulnerabilities": [{"VulnerabilityID": "CVE-2022-42889", "PkgName": "org.apache.commons:commons-text", "PkgPath": "app/lib/commons-text-1.9.jar", "InstalledVersion": "1.9", "FixedVersion": "1.10.0", "Severity": "CRITICAL", "Title": "Text4Shell", "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "V3Score": 9.8}}}, {"VulnerabilityID": "GHSA-4w2v-q235-vp99", "PkgName": "com.example:legacy-utils", "PkgPath": "app/lib/legacy-utils-0.3.jar", "InstalledVersion": "0.3", "Severity": "LOW", "Title": "Information exposure in legacy-utils"}]}]}'
\set grype '{"matches": [{"vulnerability": {"id": "CVE-2023-44487", "dataSource": "https://nvd.nist.gov/vuln/detail/CVE-2023-44487", "severity": "High", "cvss": [{"version": "3.1", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "metrics": {"baseScore": 7.5}}], "fix": {"versions": ["1.57.0-r0"], "state": "fixed"}}, "relatedVulnerabilities": [], "artifact": {"name": "nghttp2-libs", "version": "1.55.1-r0", "type": "apk", "locations": [{"path": "/lib/apk/db/installed"}], "purl": "pkg:apk/alpine/nghttp2-libs@1.55.1-r0"}}, {"vulnerability": {"id": "GHSA-599f-7c49-w659", "dataSource": "https://github.com/advisories/GHSA-599f-7c49-w659", "severity": "Critical", "fix": {"versions": ["1.10.0"], "state": "fixed"}}, "relatedVulnerabilities": [{"id": "CVE-2022-42889", "dataSource": "https://nvd.nist.gov/vuln/detail/CVE-2022-42889", "severity": "Critical", "cvss": [{"version": "3.1", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "metrics": {"baseScore": 9.8}}]}], "artifact": {"name": "commons-text", "version": "1.9", "type": "java-archive", "locations": [{"path": "/app/lib/commons-text-1.9.jar"}], "purl": "pkg:maven/org.apache.commons/commons-text@1.9"}}], "source": {"type": "image", "target": {"userInput": "registry.example.com/shop/api:1.4", "imageID": "sha256:abc"}}, "descriptor": {"name": "grype", "version": "0.74.0"}}'
\set grype_fixed '{"matches": [{"vulnerability": {"id": "CVE-2023-44487", "dataSource": "https://nvd.nist.gov/vuln/detail/CVE-2023-44487", "severity": "High", "cvss": [{"version": "3.1", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "metrics": {"baseScore": 7.5}}], "fix": {"versions": ["1.57.0-r0"], "state": "fixed"}}, "relatedVulnerabilities": [], "artifact": {"name": "nghttp2-libs", "version": "1.55.1-r0", "type": "apk", "locations": [{"path": "/lib/apk/db/installed"}], "purl": "pkg:apk/alpine/nghttp2-libs@1.55.1-r0"}}], "source": {"type": "image", "target": {"userInput": "registry.example.com/shop/api:1.4", "imageID": "sha256:abc"}}, "descriptor": {"name": "grype", "version": "0.74.0"}}'
\set trivy_fixed '{"SchemaVersion": 2, "ArtifactName": "registry.example.com/shop/api:1.4", "ArtifactType": "container_image", "Metadata": {"OS": {"Family": "alpine", "Name": "3.18.4"}}, "Results": [{"Target": "registry.example.com/shop/api:1.4 (alpine 3.18.4)", "Class": "os-pkgs", "Type": "alpine", "Vulnerabilities": [{"VulnerabilityID": "CVE-2023-44487", "PkgName": "nghttp2-libs", "InstalledVersion": "1.55.1-r0", "FixedVersion": "1.57.0-r0", "Severity": "HIGH", "Title": "HTTP/2 Rapid Reset", "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "V3Score": 7.5}}}]}, {"Target": "Java", "Class": "lang-pkgs", "Type": "jar", "Vulnerabilities": [{"VulnerabilityID": "GHSA-4w2v-q235-vp99", "PkgName": "com.example:legacy-utils", "PkgPath": "app/lib/legacy-utils-0.3.jar", "InstalledVersion": "0.3", "Severity": "LOW", "Title": "Information exposure in legacy-utils"}]}]}'

SELECT * FROM ctem.ingest(:'trivy');
SELECT kind, natural_key, name FROM ctem.asset ORDER BY id;
SELECT rule_id, aliases, component, component_version, location, sources, severity, cvss, status
FROM ctem.exposure ORDER BY rule_id;

-- the same report again changes nothing but last_seen
CREATE TEMP TABLE before AS SELECT * FROM ctem.exposure;
SELECT * FROM ctem.ingest(:'trivy');
SELECT count(*) AS changed_beyond_last_seen
FROM ctem.exposure e JOIN before b USING (tenant_id, id)
WHERE (e.rule_id, e.aliases, e.title, e.severity, e.cvss::text, e.component, e.component_version,
       e.location, e.fixed_version, e.sources, e.fingerprint, e.status, e.resolved_at, e.details, e.first_seen)
      IS DISTINCT FROM
      (b.rule_id, b.aliases, b.title, b.severity, b.cvss::text, b.component, b.component_version,
       b.location, b.fixed_version, b.sources, b.fingerprint, b.status, b.resolved_at, b.details, b.first_seen);

-- Grype sees two of the same problems: one exposure each, both tools in sources;
-- the GHSA id Grype reports is folded onto the CVE and kept in aliases
SELECT * FROM ctem.ingest(:'grype');
SELECT rule_id, aliases, component, location, sources FROM ctem.exposure ORDER BY rule_id;
SELECT count(*) AS exposures, count(DISTINCT fingerprint) AS problems FROM ctem.exposure;

-- a full Trivy scan without the commons-text finding: Trivy no longer sees it,
-- Grype still does, so it stays open with Grype as its only source
SELECT * FROM ctem.ingest(:'trivy_fixed');
SELECT rule_id, sources, status FROM ctem.exposure ORDER BY rule_id;
-- Grype's next full scan without it: now it is fixed
SELECT * FROM ctem.ingest(:'grype_fixed');
SELECT rule_id, sources, status, resolved_at IS NOT NULL AS resolved FROM ctem.exposure ORDER BY rule_id;
-- and when it comes back it is reopened, and the history says so
SELECT * FROM ctem.ingest(:'trivy');
SELECT rule_id, sources, status, resolved_at IS NULL AS unresolved FROM ctem.exposure ORDER BY rule_id;
SELECT e.rule_id, v.event, v.old_status, v.new_status, v.note
FROM ctem.exposure_event v JOIN ctem.exposure e ON e.tenant_id = v.tenant_id AND e.id = v.exposure_id
WHERE v.event IN ('resolved', 'reopened', 'status_changed')
ORDER BY v.id;

-- full_scan => false only adds and updates
SELECT * FROM ctem.ingest(:'trivy_fixed', full_scan => false);

-- findings on an asset named by the caller
SELECT ctem.ensure_asset('repository', 'https://git.example.com/shop/api') AS repo \gset
SELECT * FROM ctem.ingest(:'trivy', 'trivy', :repo);
SELECT count(*), min(details->>'report_asset') FROM ctem.exposure WHERE asset_id = :repo;

-- the raw ETL path: an INSERT of a known problem merges into it
INSERT INTO ctem.exposure (asset_id, rule_id, component, severity, sources, aliases)
SELECT id, 'cve-2023-44487', 'NGHTTP2-LIBS', 'high', '{etl-job}', '{RHSA-2023:5837}'
FROM ctem.asset WHERE natural_key = 'registry.example.com/shop/api:1.4';
SELECT rule_id, sources, aliases FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
WHERE a.natural_key = 'registry.example.com/shop/api:1.4' AND rule_id = 'CVE-2023-44487';
-- ... also within one statement, and with COPY
CREATE TEMP TABLE etl (asset_id bigint, rule_id text, component text, sources text[]);
INSERT INTO etl SELECT id, 'CVE-2024-0001', 'openssl', '{etl-a}' FROM ctem.asset WHERE natural_key = 'registry.example.com/shop/api:1.4';
INSERT INTO etl SELECT id, 'CVE-2024-0001', 'OpenSSL', '{etl-b}' FROM ctem.asset WHERE natural_key = 'registry.example.com/shop/api:1.4';
INSERT INTO ctem.exposure (asset_id, rule_id, component, sources) SELECT * FROM etl;
SELECT rule_id, component, sources FROM ctem.exposure WHERE rule_id = 'CVE-2024-0001';
COPY etl TO '/dev/null';

-- empty reports are zero counts
SELECT * FROM ctem.ingest('');
SELECT * FROM ctem.ingest('null');
SELECT * FROM ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "x:1", "ArtifactType": "container_image", "Results": []}', full_scan => false);
SELECT * FROM ctem.report_formats();

-- bad input: a clear error, and nothing is inserted
SELECT count(*) AS exposures_before FROM ctem.exposure \gset
SELECT * FROM ctem.ingest('{"SchemaVersion": 2, "Results": [');
SELECT * FROM ctem.ingest('{"hello": "world"}');
SELECT * FROM ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "x:1", "ArtifactType": "container_image", "Results": [{"Target": "x", "Vulnerabilities": [{"PkgName": "a"}]}]}');
SELECT * FROM ctem.ingest(:'trivy', 'nessus');
SELECT * FROM ctem.ingest(:'trivy', 'grype');
SELECT * FROM ctem.ingest(:'trivy', NULL, 999999);
SELECT * FROM ctem.ingest('{"error": {"code": "ENOAUDIT", "summary": "Your configured registry does not support audit requests."}}');
SELECT * FROM ctem.ingest(NULL);
SELECT count(*) = :exposures_before AS nothing_inserted FROM ctem.exposure;

-- a new asset's report larger than one insert batch (5000 findings), with
-- repeats in a later batch of findings of the first: the batches share what
-- they inserted, so the repeats merge (6100 findings, 6000 problems)
SELECT jsonb_build_object('SchemaVersion', 2, 'ArtifactName', 'big.example.com',
  'ArtifactType', 'filesystem', 'Results', jsonb_build_array(jsonb_build_object(
    'Target', 'x', 'Class', 'os-pkgs', 'Type', 'debian', 'Vulnerabilities',
    (SELECT jsonb_agg(jsonb_build_object('VulnerabilityID', 'CVE-2024-' || (10000 + g % 6000),
                                         'PkgName', 'p' || (g % 6000), 'InstalledVersion', '1',
                                         'Severity', 'HIGH') ORDER BY g)
     FROM generate_series(0, 6099) g))))::text AS big \gset
SELECT format, assets_created, findings, inserted, updated FROM ctem.ingest(:'big', 'trivy');
SELECT count(*) AS exposures, count(DISTINCT fingerprint) AS distinct_problems
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key = 'big.example.com';
-- the same report again: re-detection only
SELECT format, assets_created, findings, inserted, updated FROM ctem.ingest(:'big', 'trivy');

-- the statements' array parameters (built by ingest.c itself) carry NULLs
-- and values in every position: 40 findings on a new image, a fixed version
-- on every third, a description on every other, CWEs on every fifth; then
-- the same problems re-detected (the UPDATE's arrays) with fixed versions on
-- every second, which the merge prefers
CREATE FUNCTION pg_temp.arrays_report(m int, v text) RETURNS text LANGUAGE sql AS $$
SELECT jsonb_build_object('SchemaVersion', 2, 'ArtifactName', 'arrays.example/app:1',
  'ArtifactType', 'container_image', 'Results', jsonb_build_array(jsonb_build_object(
    'Target', 'x', 'Class', 'os-pkgs', 'Type', 'debian', 'Vulnerabilities',
    (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
              'VulnerabilityID', 'CVE-2024-' || (20000 + g), 'PkgName', 'a' || g,
              'InstalledVersion', '1', 'Severity', 'LOW',
              'FixedVersion', CASE WHEN g % m = 0 THEN v || g END,
              'Description', CASE WHEN g % 2 = 1 THEN 'about ' || g END,
              'PrimaryURL', 'https://example.com/' || g,
              'CweIDs', CASE WHEN g % 5 = 0 THEN jsonb_build_array('CWE-' || g, 'CWE-1') END))
              ORDER BY g)
     FROM generate_series(0, 39) g))))::text
$$;
SELECT format, assets_created, findings, inserted, updated
FROM ctem.ingest(pg_temp.arrays_report(3, '2.'), 'trivy');
SELECT format, assets_created, findings, inserted, updated
FROM ctem.ingest(pg_temp.arrays_report(2, '3.'), 'trivy');
SELECT count(*) AS exposures,
       count(*) FILTER (WHERE e.fixed_version IS NOT DISTINCT FROM
                          CASE WHEN g % 2 = 0 THEN '3.' || g WHEN g % 3 = 0 THEN '2.' || g END)
         AS fixed_version_ok,
       count(*) FILTER (WHERE e.details = jsonb_strip_nulls(jsonb_build_object(
                          'description', CASE WHEN g % 2 = 1 THEN 'about ' || g END,
                          'url', 'https://example.com/' || g,
                          'cwe', CASE WHEN g % 5 = 0 THEN jsonb_build_array('CWE-' || g, 'CWE-1') END)))
         AS details_ok,
       count(*) FILTER (WHERE e.component = 'a' || g AND e.sources = '{trivy}') AS columns_ok
FROM ctem.exposure e
JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id,
     LATERAL (SELECT substr(e.rule_id, 10)::int - 20000 AS g) n
WHERE a.natural_key = 'arrays.example/app:1';

-- a report larger than one written batch (10000 findings, see ingest.c):
-- 12000 nuclei findings on 2990 hosts, of which 990 are first named in the
-- second batch, and the last 10 findings repeat the first 10.  With a
-- default criticality for new assets, the stored scores show that rows on
-- assets a later batch created are scored with their asset's context.
ALTER TABLE ctem.asset ALTER COLUMN criticality SET DEFAULT 5;
SELECT string_agg(jsonb_build_object(
         'template-id', 'multi-' || (k % 7),
         'info', jsonb_build_object('name', 'Multi ' || (k % 7), 'severity', 'high'),
         'host', 'h' || CASE WHEN k < 10000 THEN k % 2000 ELSE k % 3000 END || '.multi.example',
         'matched-at', 'https://h' || CASE WHEN k < 10000 THEN k % 2000 ELSE k % 3000 END
                       || '.multi.example/p' || k)::text, E'\n' ORDER BY g) AS multi
FROM (SELECT g, CASE WHEN g >= 11990 THEN g - 11990 ELSE g END AS k
      FROM generate_series(0, 11999) g) s \gset
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(:'multi', 'nuclei');
SELECT count(*) AS exposures, count(DISTINCT e.fingerprint) AS problems,
       count(DISTINCT a.id) AS assets,
       count(*) FILTER (WHERE a.criticality = 5) AS on_default_criticality,
       count(*) FILTER (WHERE e.risk_score IS DISTINCT FROM ctem.risk_score(e, a)
                          OR e.priority IS DISTINCT FROM (ctem.risk_explain(e, a)->>'priority')::ctem.priority) AS stale_scores
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key LIKE '%.multi.example';
-- again: every problem re-detected once, nothing new
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(:'multi', 'nuclei');
-- a full scan of the first 8000 findings (hosts h0-h1999 only) resolves the
-- 3000 other problems of those hosts, whichever batch named them; the 990
-- on hosts it did not scan stay open
SELECT string_agg(line, E'\n') AS multi_part
FROM (SELECT line FROM regexp_split_to_table(:'multi', E'\n') WITH ORDINALITY AS t(line, n)
      WHERE n <= 8000) s \gset
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(:'multi_part', 'nuclei');
-- and the whole report back: the 3000 are reopened
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(:'multi', 'nuclei');
SELECT v.event, v.note, count(*)
FROM ctem.exposure_event v
JOIN ctem.exposure e ON e.tenant_id = v.tenant_id AND e.id = v.exposure_id
JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key LIKE '%.multi.example' AND v.event IN ('resolved', 'reopened')
GROUP BY 1, 2 ORDER BY 1, 2;
ALTER TABLE ctem.asset ALTER COLUMN criticality DROP DEFAULT;

-- an asset key longer than ctem.ingest accepts is a clear error
SELECT * FROM ctem.ingest(jsonb_build_object('template-id', 'x',
  'info', jsonb_build_object('name', 'x', 'severity', 'low'),
  'host', repeat('h', 1100) || '.example')::text, 'nuclei');

-- a report that turns out malformed after a batch was written: the error
-- names the line, and nothing is left behind
SELECT count(*) AS exposures_before FROM ctem.exposure \gset
SELECT count(*) AS assets_before FROM ctem.asset \gset
SELECT * FROM ctem.ingest(:'multi' || E'\n{"template-id": "broken", ', 'nuclei');
-- ... or that has a finding naming no asset after a batch was written
SELECT * FROM ctem.ingest(:'multi' || E'\n{"template-id": "x", "info": {"name": "x", "severity": "low"}}', 'nuclei');
SELECT count(*) = :exposures_before AS no_exposure_added,
       (SELECT count(*) FROM ctem.asset) = :assets_before AS no_asset_added
FROM ctem.exposure;
DELETE FROM ctem.asset WHERE natural_key LIKE '%.multi.example';

-- one full scan naming an asset ctem knows and one it creates: the new
-- asset's findings are inserted (the repeated one once), and only the
-- known asset's missing problem is resolved
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(E'{"template-id": "mix-a", "info": {"name": "A", "severity": "high"}, "host": "old.mix.example", "matched-at": "https://old.mix.example/a"}\n'
                 '{"template-id": "mix-b", "info": {"name": "B", "severity": "low"}, "host": "old.mix.example", "matched-at": "https://old.mix.example/b"}', 'nuclei');
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(E'{"template-id": "mix-a", "info": {"name": "A", "severity": "high"}, "host": "old.mix.example", "matched-at": "https://old.mix.example/a"}\n'
                 '{"template-id": "mix-a", "info": {"name": "A", "severity": "high"}, "host": "new.mix.example", "matched-at": "https://new.mix.example/a"}\n'
                 '{"template-id": "mix-c", "info": {"name": "C", "severity": "medium"}, "host": "new.mix.example", "matched-at": "https://new.mix.example/c"}\n'
                 '{"template-id": "mix-c", "info": {"name": "C", "severity": "medium"}, "host": "new.mix.example", "matched-at": "https://new.mix.example/c"}', 'nuclei');
SELECT a.natural_key, e.rule_id, e.sources, e.status, e.resolved_at IS NOT NULL AS resolved
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key LIKE '%.mix.example' ORDER BY 1, 2;
-- within one transaction: an asset an earlier statement of the transaction
-- created (here ctem.ensure_asset, then an earlier ingest) is not one this
-- call created, so a full scan resolves on it
BEGIN;
SELECT ctem.ensure_asset('host', 'tx.mix.example') IS NOT NULL AS ensured;
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(E'{"template-id": "mix-a", "info": {"name": "A", "severity": "high"}, "host": "tx.mix.example", "matched-at": "https://tx.mix.example/a"}\n'
                 '{"template-id": "mix-b", "info": {"name": "B", "severity": "low"}, "host": "tx.mix.example", "matched-at": "https://tx.mix.example/b"}', 'nuclei');
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(E'{"template-id": "mix-a", "info": {"name": "A", "severity": "high"}, "host": "tx.mix.example", "matched-at": "https://tx.mix.example/a"}\n'
                 '{"template-id": "mix-c", "info": {"name": "C", "severity": "low"}, "host": "tx2.mix.example", "matched-at": "https://tx2.mix.example/c"}', 'nuclei');
SELECT format, assets_created, findings, inserted, updated, reopened, resolved
FROM ctem.ingest(E'{"template-id": "mix-d", "info": {"name": "D", "severity": "low"}, "host": "tx2.mix.example", "matched-at": "https://tx2.mix.example/d"}', 'nuclei');
SELECT a.natural_key, e.rule_id, e.status
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key LIKE 'tx%.mix.example' ORDER BY 1, 2;
ROLLBACK;
DELETE FROM ctem.asset WHERE natural_key LIKE '%.mix.example';
-- The JSON reader scans strings sixteen bytes at a time, then eight, then
-- one: a quote, an escape, UTF-8 or a control character at any offset of a
-- string is read (or rejected) the same way.  Titles with 0 to 40 plain
-- bytes before each special one, then the same with a raw control character,
-- which fails with its exact column.
BEGIN;
CREATE TEMP TABLE scan_case AS
SELECT n, k, 'CVE-2024-' || (10000 + 10 * n + k) AS id,
       repeat('a', n) || raw || repeat('b', n % 7) AS raw, repeat('a', n) || want || repeat('b', n % 7) AS want
FROM generate_series(0, 40) n,
     (VALUES (1, '\"', '"'), (2, '\\', '\'), (3, 'é€😀', 'é€😀'), (4, '\u00e9\ud83d\ude00', 'é😀'),
             (5, '\n\t', E'\n\t'), (6, '/\/', '//')) v(k, raw, want);
SELECT findings, inserted
FROM ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "scan.example/strings:1", "ArtifactType": "container_image", '
                 '"Results": [{"Target": "t", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": ['
                 || (SELECT string_agg(format('{"VulnerabilityID": "%s", "PkgName": "p", "InstalledVersion": "1", '
                                              '"Severity": "LOW", "Title": "%s"}', id, raw), ', ') FROM scan_case)
                 || ']}]}', 'trivy');
SELECT count(*) AS cases, count(*) FILTER (WHERE e.title = c.want) AS read_right
FROM scan_case c
LEFT JOIN ctem.exposure e ON e.rule_id = c.id
     AND e.asset_id = (SELECT id FROM ctem.asset WHERE natural_key = 'scan.example/strings:1');
ROLLBACK;
DO $$
DECLARE
	bad int := 0;
	report text;
	detail text;
BEGIN
	FOR n IN 0..40 LOOP
		report := '{"SchemaVersion": 2, "ArtifactName": "scan.example/strings:2", "ArtifactType": "container_image", '
			'"Results": [{"Target": "t", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": ['
			'{"VulnerabilityID": "CVE-2024-1", "PkgName": "p", "InstalledVersion": "1", "Title": "'
			|| repeat('a', n) || chr(1) || repeat('b', 20) || '"}]}]}';
		BEGIN
			PERFORM ctem.ingest(report, 'trivy');
			bad := bad + 1;
		EXCEPTION WHEN invalid_text_representation THEN
			GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
			IF detail NOT LIKE '%unescaped control character, found byte 0x01 at line 1, column '
					|| strpos(report, chr(1)) || '.' THEN
				RAISE NOTICE 'offset %: %', n, detail;
				bad := bad + 1;
			END IF;
		END;
	END LOOP;
	RAISE NOTICE 'control characters at 41 offsets, % not rejected at their column', bad;
END
$$;
-- Numbers in details are what "%.6g" prints of the report's value: CVSS
-- scores and probabilities with up to 6 decimals keep them exactly (built
-- without the text), anything longer is rounded to 6 significant digits.
BEGIN;
SELECT findings
FROM ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "scan.example/numbers:1", "ArtifactType": "container_image", '
                 '"Results": [{"Target": "t", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": ['
                 || (SELECT string_agg(format('{"VulnerabilityID": "CVE-2024-%s", "PkgName": "p", "InstalledVersion": "1", '
                                              '"CVSS": {"nvd": {"V3Score": %s}}}', 20000 + i, v), ', ')
                     FROM unnest(ARRAY['0.3', '5.9', '10', '10.0', '7.25', '0', '-0.0', '0.00043', '0.000043', '1e-7',
                                       '2.675', '99999.95', '123456.5', '999999', '1e6', '1234567', '1234.5678',
                                       '0.1234567']) WITH ORDINALITY u(v, i))
                 || ']}]}', 'trivy');
SELECT e.rule_id, e.details->'cvss_score' AS cvss_score
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id
WHERE a.natural_key = 'scan.example/numbers:1' ORDER BY e.rule_id;
-- 3000 more: up to 6 digits with 0 to 7 decimals (kept exactly), and 12
-- digits (rounded); the expected text is the literal rounded to 6
-- significant digits with its trailing zeros dropped
CREATE TEMP TABLE num_case AS
SELECT i, CASE WHEN i % 3 = 0
               THEN ((i * 7919) % 900000 + 100000)::text || lpad(((i * 104729) % 999999 + 1)::text, 6, '0')
               ELSE ((i * 7919) % (10 ^ (1 + i % 6))::int)::text END AS digits,
       i % 8 AS decimals, CASE WHEN i % 5 = 0 THEN '-' ELSE '' END AS sign
FROM generate_series(1, 3000) i;
ALTER TABLE num_case ADD lit text, ADD want text;
UPDATE num_case SET lit = sign || CASE WHEN decimals = 0 THEN digits
                                       ELSE (digits::numeric / 10 ^ decimals)::numeric(30, 12)::text END;
UPDATE num_case SET lit = trim_scale(lit::numeric)::text;
UPDATE num_case SET want = CASE WHEN lit::numeric = 0 THEN '0'
                                ELSE trim_scale(round(lit::numeric, 5 - floor(log(abs(lit::numeric)))::int))::text END;
SELECT findings
FROM ctem.ingest('{"SchemaVersion": 2, "ArtifactName": "scan.example/numbers:2", "ArtifactType": "container_image", '
                 '"Results": [{"Target": "t", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": ['
                 || (SELECT string_agg(format('{"VulnerabilityID": "CVE-2024-%s", "PkgName": "p", "InstalledVersion": "1", '
                                              '"CVSS": {"nvd": {"V3Score": %s}}}', 30000 + i, lit), ', ') FROM num_case)
                 || ']}]}', 'trivy');
SELECT count(*) AS cases, count(*) FILTER (WHERE e.details->>'cvss_score' = c.want) AS as_printed,
       count(*) FILTER (WHERE c.i % 3 <> 0) AS short,
       count(*) FILTER (WHERE c.i % 3 <> 0 AND e.details->>'cvss_score' = c.lit) AS short_kept
FROM num_case c
LEFT JOIN ctem.exposure e ON e.rule_id = 'CVE-2024-' || (30000 + c.i)
     AND e.asset_id = (SELECT id FROM ctem.asset WHERE natural_key = 'scan.example/numbers:2');
SELECT c.lit, c.want, e.details->>'cvss_score' AS got
FROM num_case c
LEFT JOIN ctem.exposure e ON e.rule_id = 'CVE-2024-' || (30000 + c.i)
     AND e.asset_id = (SELECT id FROM ctem.asset WHERE natural_key = 'scan.example/numbers:2')
WHERE e.details->>'cvss_score' IS DISTINCT FROM c.want ORDER BY c.i LIMIT 5;
ROLLBACK;
