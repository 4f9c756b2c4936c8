-- The ctem.cvss type: parsing, canonical output, scores, comparisons, errors.

-- one vector of each version, with the scores the FIRST calculators give
SELECT v::ctem.cvss AS canonical,
       ctem.cvss_version(v::ctem.cvss) AS ver,
       ctem.cvss_score(v::ctem.cvss) AS score,
       ctem.cvss_base_score(v::ctem.cvss) AS base,
       ctem.cvss_temporal_score(v::ctem.cvss) AS temporal,
       ctem.cvss_environmental_score(v::ctem.cvss) AS env,
       ctem.cvss_severity(v::ctem.cvss) AS severity,
       ctem.cvss_nomenclature(v::ctem.cvss) AS nomenclature
FROM (VALUES
    ('AV:N/AC:L/Au:N/C:C/I:C/A:C'),                                   -- v2, 10.0
    ('AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C'),                    -- v2 temporal (guide 3.3.1: 7.8 / 6.4)
    ('AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H'), -- v2 env 9.2
    ('AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND'),                   -- v2 all ND: temporal NULL
    ('AV:N/AC:L/Au:S/C:C/I:C/A:C/E:F/RL:U/RC:C'),                     -- v2 rounding 8.55 -> 8.6
    ('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'),                 -- 9.8
    ('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'),                 -- Log4Shell 10.0
    ('CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H'),                 -- 9.0 / 9.0 / 9.1 (MS:C formula)
    ('CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:N/I:N/A:H/RC:U/AR:M/MS:X'),  -- Roundup: temporal 4.6 (naive ceil gives 4.7)
    ('CVSS:3.1/S:U/AV:N/PR:N/UI:N/AC:L/C:N/I:N/A:N'),                 -- any order; score 0.0
    ('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), -- 9.3 CVSS-B
    ('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U'), -- CVSS-BT
    ('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L'), -- CVSS-BE
    ('CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N') -- no impact: 0.0
) AS t(v)
ORDER BY 2, 1;

-- v3 metrics in any order give the canonical order
SELECT 'CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N'::ctem.cvss;
SELECT 'CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N'::ctem.cvss
     = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'::ctem.cvss AS same_vector;
-- a different version of the same metrics is not the same vector
SELECT 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'::ctem.cvss
     = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'::ctem.cvss AS same_vector;

-- metrics
SELECT ctem.cvss_metric('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P'::ctem.cvss, m) AS value, m
FROM unnest(ARRAY['AV', 'S', 'E', 'RL', 'MAV']) m;
SELECT ctem.cvss_metric('AV:N/AC:L/Au:N/C:P/I:P/A:P'::ctem.cvss, 'Au');
SELECT ctem.cvss_metric('AV:N/AC:L/Au:N/C:P/I:P/A:P'::ctem.cvss, 'PR');
SELECT ctem.cvss_macrovector('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'::ctem.cvss);
SELECT ctem.cvss_macrovector('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'::ctem.cvss) IS NULL AS v3_has_none;

-- ordering: by score, then vector; btree and hash indexes work
CREATE TEMP TABLE v (c ctem.cvss);
INSERT INTO v VALUES
    ('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'),
    ('AV:N/AC:L/Au:N/C:P/I:P/A:P'),
    ('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'),
    ('CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H'),
    ('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'),
    ('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H');
SELECT c, ctem.cvss_score(c) FROM v ORDER BY c;
SELECT c, count(*) FROM v GROUP BY c ORDER BY c DESC;
CREATE INDEX ON v (c);
CREATE INDEX ON v USING hash (c);
SET enable_seqscan = off;
SELECT count(*) FROM v WHERE c = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
SELECT count(*) FROM v WHERE c > 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H';
RESET enable_seqscan;
-- binary round trip through COPY
COPY v TO '/dev/null' (FORMAT binary);

-- invalid input: 22P02, the input in the message, component and position in
-- the detail, the expected form in the hint
SELECT ''::ctem.cvss;
SELECT 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H'::ctem.cvss;
SELECT 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q'::ctem.cvss;
SELECT 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L'::ctem.cvss;
SELECT 'CVSS:3.1/AV:N/AC:L/PR:U/UI:N/S:U/C:H/I:H/A:H'::ctem.cvss;
SELECT 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:1'::ctem.cvss;
SELECT 'CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'::ctem.cvss;
SELECT 'CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'::ctem.cvss;
SELECT 'AV:N/AC:L/Au:N/C:P/I:P/A:P/'::ctem.cvss;
SELECT 'av:N/AC:L/Au:N/C:P/I:P/A:P'::ctem.cvss;
SELECT ' CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'::ctem.cvss;
-- try_cvss gives NULL instead
SELECT ctem.try_cvss('CVSS:3.1/AV:N') IS NULL AS bad, ctem.try_cvss('AV:L/AC:L/Au:N/C:N/I:N/A:C') AS good;
SELECT ctem.cvss_metric('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'::ctem.cvss, 'av');

-- the exposure column is this type; text from ETL casts on assignment
INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', 'cvss-test.example.com');
INSERT INTO ctem.exposure (asset_id, rule_id, cvss)
SELECT id, 'CVE-2021-44228', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H'::text
FROM ctem.asset WHERE natural_key = 'cvss-test.example.com';
SELECT rule_id, cvss, ctem.cvss_score(cvss) FROM ctem.exposure WHERE rule_id = 'CVE-2021-44228';
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'ctem.exposure'::regclass AND attname = 'cvss';
DELETE FROM ctem.asset WHERE natural_key = 'cvss-test.example.com';
