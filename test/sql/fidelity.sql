-- Discovery fidelity (issue 27): real scanner output read into the right
-- exposures.  Each fixture below is written for this test in the shape the
-- tool writes (no report is copied); each section shows the exposures it
-- gives: kind, rule, component, version, location, asset and sources.

TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control,
         ctem.validation_result, ctem.vuln_intel RESTART IDENTITY;

CREATE TEMP TABLE fx (name text PRIMARY KEY, report text NOT NULL);
CREATE TEMP VIEW shown AS
SELECT a.natural_key AS asset, e.kind, e.rule_id, e.component, e.component_version AS version,
       e.location, e.sources
FROM ctem.exposure e JOIN ctem.asset a ON a.tenant_id = e.tenant_id AND a.id = e.asset_id;

------------------------------------------------------------------------
-- 1. Trivy's SARIF: the package and its installed version come from each
-- result's message, not from the rule's help (which names the first
-- package of the CVE); OS packages have no location; the run's imageName
-- names the image; a check's component is its message's Type, as in the
-- JSON.  With Trivy's JSON and Grype's of the same image: one exposure per
-- (CVE, package) and per check.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('trivy_json', $j${
  "SchemaVersion": 2, "ArtifactName": "registry.example.com/fid/web:2.1", "ArtifactType": "container_image",
  "Metadata": {"OS": {"Family": "alpine", "Name": "3.18.4"}, "RepoTags": ["registry.example.com/fid/web:2.1"]},
  "Results": [
    {"Target": "registry.example.com/fid/web:2.1 (alpine 3.18.4)", "Class": "os-pkgs", "Type": "alpine",
     "Vulnerabilities": [
       {"VulnerabilityID": "CVE-2023-5678", "PkgName": "libcrypto3", "InstalledVersion": "3.1.2-r0", "FixedVersion": "3.1.4-r1", "Severity": "MEDIUM"},
       {"VulnerabilityID": "CVE-2023-5678", "PkgName": "libssl3", "InstalledVersion": "3.1.2-r0", "FixedVersion": "3.1.4-r1", "Severity": "MEDIUM"}]},
    {"Target": "app/package-lock.json", "Class": "lang-pkgs", "Type": "npm",
     "Vulnerabilities": [
       {"VulnerabilityID": "CVE-2022-25883", "PkgName": "semver", "InstalledVersion": "7.3.5", "FixedVersion": "7.5.2", "Severity": "HIGH"}]},
    {"Target": "Dockerfile", "Class": "config", "Type": "dockerfile",
     "Misconfigurations": [
       {"Type": "Dockerfile Security Check", "ID": "DS002", "AVDID": "AVD-DS-0002", "Title": "Image user should not be 'root'",
        "Message": "Specify at least 1 USER command in Dockerfile with non-root user as argument", "Severity": "HIGH",
        "Status": "FAIL", "CauseMetadata": {"StartLine": 1, "EndLine": 1}}]}]}$j$);
INSERT INTO fx VALUES ('trivy_sarif', $j${
  "version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "runs": [{
    "tool": {"driver": {"name": "Trivy", "fullName": "Trivy Vulnerability Scanner", "version": "0.50.1",
      "rules": [
        {"id": "CVE-2023-5678", "name": "OsPackageVulnerability",
         "shortDescription": {"text": "openssl: Generating excessively long X9.42 DH keys"},
         "help": {"text": "Vulnerability CVE-2023-5678\nSeverity: MEDIUM\nPackage: libcrypto3\nFixed Version: 3.1.4-r1\nLink: [CVE-2023-5678](https://avd.aquasec.com/nvd/cve-2023-5678)"},
         "properties": {"precision": "very-high", "security-severity": "5.3", "tags": ["vulnerability", "security", "MEDIUM"],
                        "cvssv3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", "cvssv3_baseScore": 5.3}},
        {"id": "CVE-2022-25883", "name": "LanguageSpecificPackageVulnerability",
         "shortDescription": {"text": "nodejs-semver: Regular expression denial of service"},
         "help": {"text": "Vulnerability CVE-2022-25883\nSeverity: HIGH\nPackage: semver\nFixed Version: 7.5.2"},
         "properties": {"precision": "very-high", "security-severity": "7.5", "tags": ["vulnerability", "security", "HIGH"]}},
        {"id": "DS002", "name": "Misconfiguration",
         "shortDescription": {"text": "Image user should not be 'root'"},
         "help": {"text": "Misconfiguration DS002\nType: Dockerfile Security Check\nSeverity: HIGH\nCheck: Image user should not be 'root'"},
         "properties": {"precision": "very-high", "security-severity": "8.0", "tags": ["misconfiguration", "security", "HIGH"]}}]}},
    "results": [
      {"ruleId": "CVE-2023-5678", "ruleIndex": 0, "level": "warning",
       "message": {"text": "Package: libcrypto3\nInstalled Version: 3.1.2-r0\nVulnerability CVE-2023-5678\nSeverity: MEDIUM\nFixed Version: 3.1.4-r1\nLink: [CVE-2023-5678](https://avd.aquasec.com/nvd/cve-2023-5678)"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "fid/web", "uriBaseId": "ROOTPATH"},
                                           "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}},
                      "message": {"text": "fid/web: libcrypto3@3.1.2-r0"}}]},
      {"ruleId": "CVE-2023-5678", "ruleIndex": 0, "level": "warning",
       "message": {"text": "Package: libssl3\nInstalled Version: 3.1.2-r0\nVulnerability CVE-2023-5678\nSeverity: MEDIUM\nFixed Version: 3.1.4-r1\nLink: [CVE-2023-5678](https://avd.aquasec.com/nvd/cve-2023-5678)"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "fid/web", "uriBaseId": "ROOTPATH"},
                                           "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}},
                      "message": {"text": "fid/web: libssl3@3.1.2-r0"}}]},
      {"ruleId": "CVE-2022-25883", "ruleIndex": 1, "level": "error",
       "message": {"text": "Package: semver\nInstalled Version: 7.3.5\nVulnerability CVE-2022-25883\nSeverity: HIGH\nFixed Version: 7.5.2\nLink: [CVE-2022-25883](https://avd.aquasec.com/nvd/cve-2022-25883)"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app/package-lock.json", "uriBaseId": "ROOTPATH"},
                                           "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}}}]},
      {"ruleId": "DS002", "ruleIndex": 2, "level": "error",
       "message": {"text": "Artifact: Dockerfile\nType: dockerfile\nVulnerability DS002\nSeverity: HIGH\nMessage: Specify at least 1 USER command in Dockerfile with non-root user as argument\nLink: [DS002](https://avd.aquasec.com/misconfig/ds002)"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "Dockerfile", "uriBaseId": "ROOTPATH"},
                                           "region": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1}},
                      "message": {"text": "Dockerfile"}}]}],
    "columnKind": "utf16CodeUnits",
    "properties": {"imageName": "registry.example.com/fid/web:2.1", "repoTags": ["registry.example.com/fid/web:2.1"],
                   "repoDigests": [], "imageID": "sha256:5b0c"}}]}$j$);
INSERT INTO fx VALUES ('grype_json', $j${
  "matches": [
    {"vulnerability": {"id": "CVE-2023-5678", "namespace": "alpine:distro:alpine:3.18", "severity": "Medium",
                       "fix": {"versions": ["3.1.4-r1"], "state": "fixed"}},
     "relatedVulnerabilities": [],
     "artifact": {"name": "libssl3", "version": "3.1.2-r0", "type": "apk",
                  "locations": [{"path": "/lib/apk/db/installed"}], "purl": "pkg:apk/alpine/libssl3@3.1.2-r0"}}],
  "source": {"type": "image", "target": {"userInput": "registry.example.com/fid/web:2.1", "imageID": "sha256:5b0c"}},
  "descriptor": {"name": "grype", "version": "0.74.0"}}$j$);
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'trivy_json'));
-- the SARIF of the same scan names the same four problems
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'trivy_sarif'));
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'grype_json'), full_scan => false);
SELECT * FROM shown WHERE asset = 'registry.example.com/fid/web:2.1' ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT e.rule_id, e.component, e.fixed_version, e.severity, e.cvss
FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
WHERE a.natural_key = 'registry.example.com/fid/web:2.1' ORDER BY 1, 2, 3, 4, 5;

-- Trivy's old SARIF template (0.15) numbers ruleIndex by result, not by
-- rule: the id decides which rule (and so which package) a result is of
INSERT INTO fx VALUES ('trivy_sarif_tpl', $j${
  "version": "2.1.0",
  "runs": [{
    "tool": {"driver": {"name": "Trivy", "version": "0.15.0", "rules": [
      {"id": "CVE-2019-11358/jquery", "name": "Programming Language Vulnerability",
       "shortDescription": {"text": "CVE-2019-11358 Package: jquery"},
       "help": {"text": "Vulnerability CVE-2019-11358\nSeverity: MEDIUM\nPackage: jquery\nInstalled Version: 3.3.9\nFixed Version: 3.4.0\nLink: [CVE-2019-11358](https://avd.aquasec.com/nvd/cve-2019-11358)"},
       "properties": {"tags": ["vulnerability", "MEDIUM"], "precision": "very-high"}},
      {"id": "RUSTSEC-2019-0009/smallvec", "name": "Programming Language Vulnerability",
       "shortDescription": {"text": "RUSTSEC-2019-0009 Package: smallvec"},
       "help": {"text": "Vulnerability RUSTSEC-2019-0009\nSeverity: CRITICAL\nPackage: smallvec\nInstalled Version: 0.6.9\nFixed Version: >= 0.6.10\nLink: [RUSTSEC-2019-0009](https://osv.dev/RUSTSEC-2019-0009)"},
       "properties": {"tags": ["vulnerability", "CRITICAL"], "precision": "very-high"}}]}},
    "results": [
      {"ruleId": "CVE-2019-11358/jquery", "ruleIndex": 1, "level": "warning",
       "message": {"text": "jQuery before 3.4.0 mishandles jQuery.extend(true, {}, ...)."},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "node-app/package-lock.json"}}}]},
      {"ruleId": "RUSTSEC-2019-0009/smallvec", "ruleIndex": 0, "level": "error",
       "message": {"text": "Double-free and use-after-free in SmallVec::grow()"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "rust-app/Cargo.lock"}}}]}]}]}$j$);
SELECT ctem.ensure_asset('repository', 'https://git.example.com/fid/apps') AS apps \gset
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'trivy_sarif_tpl'), NULL, :apps);
SELECT * FROM shown WHERE asset = 'https://git.example.com/fid/apps' ORDER BY 1, 2, 3, 4, 5, 6, 7;

------------------------------------------------------------------------
-- 2. Trivy's ASFF template (contrib/asff.tpl): CVEs are vulnerabilities of
-- the package in Resources[].Details.Other, on the image of the OS target
-- (language packages, misconfigurations and secrets of the same report are
-- on that image too); each secret is its own rule.  The glibc CVE merges
-- with Trivy's JSON of the same image.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('trivy_asff', $j${
  "Findings": [
    {"SchemaVersion": "2018-10-08", "Id": "app/package-lock.json/CVE-2022-25883",
     "ProductArn": "arn:aws:securityhub:eu-west-1::product/aquasecurity/aquasecurity",
     "GeneratorId": "Trivy/CVE-2022-25883", "AwsAccountId": "123456789012",
     "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
     "CreatedAt": "2024-05-02T10:00:00Z", "UpdatedAt": "2024-05-02T10:00:00Z",
     "Severity": {"Label": "HIGH"},
     "Title": "Trivy found a vulnerability to CVE-2022-25883 in container app/package-lock.json, related to semver",
     "Description": "Versions of the package semver before 7.5.2 are vulnerable to ReDoS.",
     "ProductFields": {"Product Name": "Trivy"},
     "Resources": [{"Type": "Container", "Id": "app/package-lock.json", "Partition": "aws", "Region": "eu-west-1",
                    "Details": {"Container": {"ImageName": "app/package-lock.json"},
                                "Other": {"CVE ID": "CVE-2022-25883", "CVE Title": "nodejs-semver: Regular expression denial of service",
                                          "PkgName": "semver", "Installed Package": "7.3.5", "Patched Package": "7.5.2",
                                          "NvdCvssScoreV3": "7.5", "NvdCvssVectorV3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                                          "NvdCvssScoreV2": "0", "NvdCvssVectorV2": ""}}}],
     "RecordState": "ACTIVE"},
    {"SchemaVersion": "2018-10-08", "Id": "registry.example.com/fid/api:3.0 (debian 12.1)/CVE-2023-4911",
     "ProductArn": "arn:aws:securityhub:eu-west-1::product/aquasecurity/aquasecurity",
     "GeneratorId": "Trivy/CVE-2023-4911", "AwsAccountId": "123456789012",
     "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
     "CreatedAt": "2024-05-02T10:00:00Z", "UpdatedAt": "2024-05-02T10:00:00Z",
     "Severity": {"Label": "HIGH"},
     "Title": "Trivy found a vulnerability to CVE-2023-4911 in container registry.example.com/fid/api:3.0 (debian 12.1), related to libc6",
     "Description": "A buffer overflow was discovered in the GNU C Library's dynamic loader ld.so.",
     "ProductFields": {"Product Name": "Trivy"},
     "Resources": [{"Type": "Container", "Id": "registry.example.com/fid/api:3.0 (debian 12.1)", "Partition": "aws", "Region": "eu-west-1",
                    "Details": {"Container": {"ImageName": "registry.example.com/fid/api:3.0 (debian 12.1)"},
                                "Other": {"CVE ID": "CVE-2023-4911", "CVE Title": "glibc: buffer overflow in ld.so leading to privilege escalation",
                                          "PkgName": "libc6", "Installed Package": "2.36-9", "Patched Package": "2.36-9+deb12u3",
                                          "NvdCvssScoreV3": "7.8", "NvdCvssVectorV3": "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}}}],
     "RecordState": "ACTIVE"},
    {"SchemaVersion": "2018-10-08", "Id": "Dockerfile/DS002",
     "ProductArn": "arn:aws:securityhub:eu-west-1::product/aquasecurity/aquasecurity",
     "GeneratorId": "Trivy/DS002", "AwsAccountId": "123456789012",
     "Types": ["Software and Configuration Checks"],
     "CreatedAt": "2024-05-02T10:00:00Z", "UpdatedAt": "2024-05-02T10:00:00Z",
     "Severity": {"Label": "HIGH"},
     "Title": "Trivy found a misconfiguration in Dockerfile: Image user should not be 'root'",
     "Description": "Running containers with 'root' user can lead to a container escape situation.",
     "Remediation": {"Recommendation": {"Text": "Add 'USER <non root user name>' line to the Dockerfile", "Url": "https://avd.aquasec.com/misconfig/ds002"}},
     "ProductFields": {"Product Name": "Trivy"},
     "Resources": [{"Type": "Other", "Id": "Dockerfile", "Partition": "aws", "Region": "eu-west-1",
                    "Details": {"Other": {"Message": "Specify at least 1 USER command in Dockerfile with non-root user as argument",
                                          "Filename": "Dockerfile", "StartLine": "1", "EndLine": "1"}}}],
     "RecordState": "ACTIVE"},
    {"SchemaVersion": "2018-10-08", "Id": "/app/.env",
     "ProductArn": "arn:aws:securityhub:eu-west-1::product/aquasecurity/aquasecurity",
     "GeneratorId": "Trivy", "AwsAccountId": "123456789012",
     "Types": ["Sensitive Data Identifications"],
     "CreatedAt": "2024-05-02T10:00:00Z", "UpdatedAt": "2024-05-02T10:00:00Z",
     "Severity": {"Label": "CRITICAL"},
     "Title": "Trivy found a secret in /app/.env: AWS Access Key ID",
     "Description": "Trivy found a secret in /app/.env: AWS Access Key ID",
     "ProductFields": {"Product Name": "Trivy"},
     "Resources": [{"Type": "Other", "Id": "/app/.env", "Partition": "aws", "Region": "eu-west-1",
                    "Details": {"Other": {"Filename": "/app/.env"}}}],
     "RecordState": "ACTIVE"},
    {"SchemaVersion": "2018-10-08", "Id": "/app/.env",
     "ProductArn": "arn:aws:securityhub:eu-west-1::product/aquasecurity/aquasecurity",
     "GeneratorId": "Trivy", "AwsAccountId": "123456789012",
     "Types": ["Sensitive Data Identifications"],
     "CreatedAt": "2024-05-02T10:00:00Z", "UpdatedAt": "2024-05-02T10:00:00Z",
     "Severity": {"Label": "CRITICAL"},
     "Title": "Trivy found a secret in /app/.env: GitHub Personal Access Token",
     "Description": "Trivy found a secret in /app/.env: GitHub Personal Access Token",
     "ProductFields": {"Product Name": "Trivy"},
     "Resources": [{"Type": "Other", "Id": "/app/.env", "Partition": "aws", "Region": "eu-west-1",
                    "Details": {"Other": {"Filename": "/app/.env"}}}],
     "RecordState": "ACTIVE"}]}$j$);
INSERT INTO fx VALUES ('trivy_json_api', $j${
  "SchemaVersion": 2, "ArtifactName": "registry.example.com/fid/api:3.0", "ArtifactType": "container_image",
  "Results": [
    {"Target": "registry.example.com/fid/api:3.0 (debian 12.1)", "Class": "os-pkgs", "Type": "debian",
     "Vulnerabilities": [
       {"VulnerabilityID": "CVE-2023-4911", "PkgName": "libc6", "InstalledVersion": "2.36-9", "FixedVersion": "2.36-9+deb12u3", "Severity": "HIGH"}]}]}$j$);
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'trivy_json_api'));
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'trivy_asff'));
SELECT * FROM shown WHERE asset = 'registry.example.com/fid/api:3.0' ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT e.rule_id, e.title, e.severity, e.cvss, e.fixed_version
FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
WHERE a.natural_key = 'registry.example.com/fid/api:3.0' ORDER BY 1, 2, 3, 4, 5;

------------------------------------------------------------------------
-- 3. SARIF kind from the results and rules, then the table of tools:
-- Snyk Code keeps its lines (a code weakness), Snyk IaC is a
-- misconfiguration, Snyk Open Source's advisory ids are vulnerabilities of
-- the package its logical location names, Dockle checks images' settings.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('snyk_code', $j${
  "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json", "version": "2.1.0",
  "runs": [{
    "tool": {"driver": {"name": "SnykCode", "semanticVersion": "1.0.0", "version": "1.0.0",
      "rules": [{"id": "javascript/XSS", "name": "XSS",
                 "shortDescription": {"text": "Cross-site Scripting (XSS)"},
                 "defaultConfiguration": {"level": "error"},
                 "properties": {"tags": ["javascript", "maintenance", "express", "security"], "categories": ["Security"],
                                "precision": "very-high", "cwe": ["CWE-79"]}}]}},
    "results": [
      {"ruleId": "javascript/XSS", "ruleIndex": 0, "level": "error",
       "message": {"text": "Unsanitized input from the HTTP request body flows into send, where it is used to render an HTML page."},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "routes/profile.js", "uriBaseId": "%SRCROOT%"},
                                           "region": {"startLine": 10, "endLine": 10, "startColumn": 5, "endColumn": 12}}}]},
      {"ruleId": "javascript/XSS", "ruleIndex": 0, "level": "error",
       "message": {"text": "Unsanitized input from the HTTP request body flows into send, where it is used to render an HTML page."},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "routes/profile.js", "uriBaseId": "%SRCROOT%"},
                                           "region": {"startLine": 42, "endLine": 42, "startColumn": 5, "endColumn": 12}}}]}]}]}$j$);
INSERT INTO fx VALUES ('snyk_iac', $j${
  "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json", "version": "2.1.0",
  "runs": [{
    "originalUriBaseIds": {"PROJECTROOT": {"uri": "file:///builds/fid/shop/", "description": {"text": "The root directory for all project files."}}},
    "tool": {"driver": {"name": "Snyk IaC", "fullName": "Snyk Infrastructure as Code", "version": "1.1290.0",
      "rules": [{"id": "SNYK-CC-TF-4", "name": "S3BucketServerSideEncryptionDisabled",
                 "shortDescription": {"text": "Medium severity - S3 bucket server side encryption disabled"},
                 "fullDescription": {"text": "Medium severity - S3"},
                 "help": {"text": "The issue is... \nServer-side encryption is disabled\n\n"},
                 "defaultConfiguration": {"level": "warning"},
                 "properties": {"tags": ["security", "S3"], "problem": {"severity": "medium"}}}]}},
    "automationDetails": {"id": "snyk-iac"},
    "results": [{"ruleId": "SNYK-CC-TF-4",
                 "message": {"text": "This line contains a potential medium severity misconfiguration affecting the S3 bucket"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "infra/s3.tf", "uriBaseId": "PROJECTROOT"},
                                                     "region": {"startLine": 7}}}]}]}]}$j$);
INSERT INTO fx VALUES ('snyk_os', $j${
  "$schema": "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json", "version": "2.1.0",
  "runs": [{
    "tool": {"driver": {"name": "Snyk Open Source", "properties": {"artifactsScanned": 212},
      "rules": [{"id": "SNYK-JS-LODASH-567746",
                 "shortDescription": {"text": "High severity - Prototype Pollution vulnerability in lodash"},
                 "fullDescription": {"text": "(CVE-2020-8203) lodash@4.17.15"},
                 "help": {"text": "", "markdown": "* Package Manager: npm\n* Vulnerable module: lodash"},
                 "properties": {"tags": ["security", "CWE-1321", "npm"], "cvssv3_baseScore": 7.4, "security-severity": "7.4"}}]}},
    "results": [{"ruleId": "SNYK-JS-LODASH-567746", "level": "error",
                 "message": {"text": "This file introduces a vulnerable lodash package with a high severity vulnerability."},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "package.json"}, "region": {"startLine": 1}},
                                "logicalLocations": [{"fullyQualifiedName": "lodash@4.17.15"}]}]}]}]}$j$);
INSERT INTO fx VALUES ('dockle', $j${
  "version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0-rtm.5.json",
  "runs": [{
    "tool": {"driver": {"name": "dockle", "informationUri": "https://github.com/goodwithtech/dockle", "version": "0.4.14",
      "rules": [{"id": "CIS-DI-0001", "shortDescription": {"text": "Create a user for the container"},
                 "helpUri": "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#CIS-DI-0001"}]}},
    "results": [{"ruleId": "CIS-DI-0001", "ruleIndex": 0, "level": "warning",
                 "message": {"text": "Last user should not be root"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "Dockerfile"}}}]}]}]}$j$);
SELECT ctem.ensure_asset('repository', 'https://git.example.com/fid/shop') AS shop \gset
SELECT format, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'snyk_code'), NULL, :shop);
SELECT format, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'snyk_iac'), NULL, :shop);
SELECT format, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'snyk_os'), NULL, :shop);
SELECT format, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'dockle'), NULL, :shop);
SELECT * FROM shown WHERE asset = 'https://git.example.com/fid/shop' ORDER BY 1, 2, 3, 4, 5, 6, 7;

------------------------------------------------------------------------
-- 4. GitLab security reports of the older schemas (no scan object) are
-- detected; DAST findings keep their request (method, host, path) as the
-- location, on the web application, with the scanner's id as the rule.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('gitlab_cs_14', $j${
  "version": "14.0.6",
  "vulnerabilities": [
    {"id": "CVE-2023-44487", "category": "container_scanning", "message": "nghttp2: HTTP/2 Rapid Reset",
     "description": "The HTTP/2 protocol allows a denial of service.", "cve": "CVE-2023-44487", "severity": "High",
     "solution": "Upgrade nghttp2-libs to 1.57.0-r0", "scanner": {"id": "trivy", "name": "trivy"},
     "location": {"dependency": {"package": {"name": "nghttp2-libs"}, "version": "1.55.1-r0"},
                  "operating_system": "Unknown", "image": "registry.example.com/fid/db:5"},
     "identifiers": [{"type": "cve", "name": "CVE-2023-44487", "value": "CVE-2023-44487", "url": "https://avd.aquasec.com/nvd/cve-2023-44487"}],
     "links": [{"url": "https://avd.aquasec.com/nvd/cve-2023-44487"}]}],
  "remediations": []}$j$);
INSERT INTO fx VALUES ('gitlab_dast', $j${
  "version": "2.5",
  "vulnerabilities": [
    {"category": "dast", "name": "X-Frame-Options Header Not Set", "message": "X-Frame-Options Header Not Set",
     "description": "X-Frame-Options header is not included in the HTTP response.", "cve": "10020",
     "severity": "Medium", "confidence": "Medium", "solution": "Set the X-Frame-Options header.",
     "scanner": {"id": "zaproxy", "name": "ZAProxy"},
     "identifiers": [{"type": "ZAProxy_PluginId", "name": "X-Frame-Options Header Not Set", "value": "10020",
                      "url": "https://github.com/zaproxy/zaproxy/blob/w2019-01-14/docs/scanners.md"},
                     {"type": "CWE", "name": "CWE-16", "value": "16", "url": "https://cwe.mitre.org/data/definitions/16.html"},
                     {"type": "WASC", "name": "WASC-15", "value": "15"}],
     "links": [{"url": "https://blogs.msdn.microsoft.com/ieinternals/2010/03/30/combating-clickjacking-with-x-frame-options/"}],
     "location": {"param": "X-Frame-Options", "method": "GET", "hostname": "https://shop.example.com", "path": "/"}},
    {"category": "dast", "name": "X-Frame-Options Header Not Set", "message": "X-Frame-Options Header Not Set",
     "description": "X-Frame-Options header is not included in the HTTP response.", "cve": "10020",
     "severity": "Medium", "confidence": "Medium", "solution": "Set the X-Frame-Options header.",
     "scanner": {"id": "zaproxy", "name": "ZAProxy"},
     "identifiers": [{"type": "ZAProxy_PluginId", "name": "X-Frame-Options Header Not Set", "value": "10020"},
                     {"type": "CWE", "name": "CWE-16", "value": "16"}],
     "location": {"param": "X-Frame-Options", "method": "GET", "hostname": "https://shop.example.com", "path": "/login"}}],
  "remediations": []}$j$);
SELECT format, assets_created, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'gitlab_cs_14'));
SELECT format, assets_created, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'gitlab_dast'));
SELECT a.kind AS asset_kind, s.* FROM shown s JOIN ctem.asset a ON a.natural_key = s.asset
WHERE s.asset IN ('registry.example.com/fid/db:5', 'shop.example.com') ORDER BY 1, 2, 3, 4, 5, 6, 7, 8;
SELECT e.rule_id, e.aliases, e.title, e.details->'cwe' AS cwe, e.details->>'message' AS message
FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
WHERE a.natural_key = 'shop.example.com' ORDER BY 1, 2, 3, 4, 5;

------------------------------------------------------------------------
-- 5. A placeholder or relative target names no asset: the report is
-- refused as a SARIF log without asset_id is, and the error says which
-- target it named; with asset_id it is read.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('gitlab_unknown', $j${
  "version": "15.0.7",
  "scan": {"scanner": {"id": "trivy", "name": "Trivy", "vendor": {"name": "Aqua Security"}, "version": "0.50.1"},
           "analyzer": {"id": "trivy", "name": "Trivy", "vendor": {"name": "Aqua Security"}, "version": "0.50.1"},
           "type": "container_scanning", "status": "success", "start_time": "2024-05-02T10:00:00", "end_time": "2024-05-02T10:00:09"},
  "vulnerabilities": [
    {"id": "CVE-2022-25883", "name": "nodejs-semver: Regular expression denial of service", "severity": "High",
     "solution": "Upgrade semver to 7.5.2",
     "location": {"dependency": {"package": {"name": "semver"}, "version": "7.3.5"}, "operating_system": "Unknown", "image": "Unknown"},
     "identifiers": [{"type": "cve", "name": "CVE-2022-25883", "value": "CVE-2022-25883"}]}],
  "remediations": []}$j$);
INSERT INTO fx VALUES ('grype_dot', $j${
  "matches": [
    {"vulnerability": {"id": "GHSA-c2qf-rxjj-qqgw", "severity": "High", "fix": {"versions": ["7.5.2"], "state": "fixed"}},
     "relatedVulnerabilities": [{"id": "CVE-2022-25883", "severity": "High"}],
     "artifact": {"name": "semver", "version": "7.3.5", "type": "npm", "locations": [{"path": "/package-lock.json"}],
                  "purl": "pkg:npm/semver@7.3.5"}}],
  "source": {"type": "directory", "target": "."},
  "descriptor": {"name": "grype", "version": "0.74.0"}}$j$);
INSERT INTO fx VALUES ('trivy_lockfile', $j${
  "SchemaVersion": 2, "ArtifactName": "package-lock.json", "ArtifactType": "filesystem",
  "Results": [{"Target": "package-lock.json", "Class": "lang-pkgs", "Type": "npm",
               "Vulnerabilities": [{"VulnerabilityID": "CVE-2022-25883", "PkgName": "semver", "InstalledVersion": "7.3.5", "Severity": "HIGH"}]}]}$j$);
SELECT count(*) AS assets_before FROM ctem.asset \gset
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'gitlab_unknown'));
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'grype_dot'));
SELECT * FROM ctem.ingest((SELECT report FROM fx WHERE name = 'trivy_lockfile'));
SELECT count(*) = :assets_before AS no_asset_added FROM ctem.asset;
-- the caller names the project: Grype's and Trivy's findings are one exposure
SELECT ctem.ensure_asset('repository', 'https://git.example.com/fid/frontend') AS frontend \gset
SELECT format, findings, inserted, updated FROM ctem.ingest((SELECT report FROM fx WHERE name = 'grype_dot'), NULL, :frontend);
SELECT format, findings, inserted, updated FROM ctem.ingest((SELECT report FROM fx WHERE name = 'trivy_lockfile'), NULL, :frontend);
SELECT * FROM shown WHERE asset = 'https://git.example.com/fid/frontend' ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT details ? 'report_asset' AS placeholder_kept
FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
WHERE a.natural_key = 'https://git.example.com/fid/frontend';

------------------------------------------------------------------------
-- 6. \u0000: skipped in members that are not read (matchDetails, cpes),
-- replaced by U+FFFD in stored ones (the version, the purl), which details
-- name.  A raw NUL byte is still invalid JSON (PostgreSQL text cannot
-- carry one; test/report_dump checks it).
------------------------------------------------------------------------
INSERT INTO fx VALUES ('grype_nul', $j${
  "matches": [
    {"vulnerability": {"id": "CVE-2023-21930", "namespace": "nvd:cpe", "severity": "High",
                       "fix": {"versions": [], "state": "unknown"}},
     "relatedVulnerabilities": [],
     "matchDetails": [{"type": "cpe-match", "matcher": "java-matcher",
                       "searchedBy": {"cpes": ["cpe:2.3:a:oracle:jdk:17.0.6\u0000:*:*:*:*:*:*:*"]},
                       "found": {"vulnerabilityID": "CVE-2023-21930", "cpes": ["cpe:2.3:a:oracle:jdk:*:*:*:*:*:*:*:*"]}}],
     "artifact": {"name": "jdk", "version": "17.0.6\u0000", "type": "binary",
                  "locations": [{"path": "/opt/java/openjdk/release"}],
                  "cpes": ["cpe:2.3:a:oracle:jdk:17.0.6\u0000:*:*:*:*:*:*:*"],
                  "purl": "pkg:generic/oracle/jdk@17.0.6%00\u0000"}}],
  "source": {"type": "image", "target": {"userInput": "registry.example.com/fid/jre:17"}},
  "descriptor": {"name": "grype", "version": "0.74.0"}}$j$);
SELECT format, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'grype_nul'));
SELECT * FROM shown WHERE asset = 'registry.example.com/fid/jre:17' ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT e.component_version = E'17.0.6\uFFFD' AS version_replaced, e.details->'nul_replaced' AS nul_replaced,
       e.details->>'purl' AS purl
FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
WHERE a.natural_key = 'registry.example.com/fid/jre:17';

------------------------------------------------------------------------
-- 7. A CycloneDX VEX about products of other BOMs (BOM-Links): one
-- exposure per (vulnerability, product); a product affected in some
-- versions stays open whatever the order of the statements.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('vex_bomlink', $j${
  "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "vulnerabilities": [
    {"id": "CVE-2021-44228", "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"},
     "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#product-ABC",
                  "versions": [{"range": "vers:generic/>=1.0|<=2.3", "status": "unaffected"}]}],
     "analysis": {"state": "not_affected", "justification": "code_not_present"}},
    {"id": "CVE-2021-44228", "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228"},
     "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#product-ABC",
                  "versions": [{"version": "2.4", "status": "affected"}]},
                 {"ref": "urn:cdx:a4e4f2b5-6f55-4c58-9c2d-0b1b4d5e7f10/2#product-JKL",
                  "versions": [{"range": "vers:generic/>=4.5|<=5.0", "status": "affected"}]}],
     "analysis": {"state": "exploitable", "response": ["update"]}},
    {"id": "CVE-2021-45105", "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-45105"},
     "affects": [{"ref": "urn:cdx:a4e4f2b5-6f55-4c58-9c2d-0b1b4d5e7f10/2#product-JKL"}],
     "analysis": {"state": "not_affected", "justification": "code_not_reachable"}}]}$j$);
SELECT ctem.ensure_asset('application', 'fid-product-line') AS line \gset
SELECT format, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'vex_bomlink'), NULL, :line);
SELECT s.*, e.status, e.details->>'scanner_status' AS vex_state
FROM shown s JOIN ctem.exposure e ON e.rule_id = s.rule_id AND e.component IS NOT DISTINCT FROM s.component
WHERE s.asset = 'fid-product-line' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

------------------------------------------------------------------------
-- 8. file:////src/app.js is /src/app.js, as file:///src/app.js is: one
-- exposure.  10. A result's own cwe property (njsscan, mobsfscan) is read.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('njsscan', $j${
  "version": "2.1.0", "$schema": "https://json.schemastore.org/sarif-2.1.0-rtm.4",
  "runs": [{
    "tool": {"driver": {"name": "nodejsscan", "fullName": "nodejsscan reporter", "version": "0.3.7",
      "rules": [{"id": "node_sqli_injection", "name": "node_sqli_injection",
                 "shortDescription": {"text": "Untrusted input concatinated with raw SQL query can result in SQL Injection."},
                 "defaultConfiguration": {"level": "error"}}]}},
    "results": [{"ruleId": "node_sqli_injection", "level": "error",
                 "message": {"text": "Untrusted input concatinated with raw SQL query can result in SQL Injection."},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:////src/routes/search.js"},
                                                     "region": {"startLine": 12, "endLine": 12, "snippet": {"text": "db.query(q)"}}}}],
                 "properties": {"owasp-web": "A1: Injection",
                                "cwe": "CWE-89: Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"}}]}]}$j$);
INSERT INTO fx VALUES ('njsscan_3slash', $j${
  "version": "2.1.0",
  "runs": [{"tool": {"driver": {"name": "nodejsscan", "rules": [{"id": "node_sqli_injection"}]}},
    "results": [{"ruleId": "node_sqli_injection", "level": "error", "message": {"text": "SQL Injection."},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///src/routes/search.js"},
                                                     "region": {"startLine": 12}}}]}]}]}$j$);
SELECT format, findings, inserted, updated FROM ctem.ingest((SELECT report FROM fx WHERE name = 'njsscan'), NULL, :shop);
SELECT format, findings, inserted, updated FROM ctem.ingest((SELECT report FROM fx WHERE name = 'njsscan_3slash'), NULL, :shop, false);
SELECT s.*, e.details->'cwe' AS cwe
FROM shown s JOIN ctem.exposure e ON e.rule_id = s.rule_id
WHERE s.asset = 'https://git.example.com/fid/shop' AND s.rule_id = 'node_sqli_injection' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8;

------------------------------------------------------------------------
-- 9. CycloneDX ratings whose vector has no "CVSS:3.1/" prefix (the version
-- is in method, as CycloneDX's own examples write it) give the cvss.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('cdx_ratings', $j${
  "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
  "metadata": {"component": {"type": "application", "name": "fid-billing", "version": "4.2.0", "bom-ref": "app"}},
  "components": [{"type": "library", "bom-ref": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4",
                  "group": "com.fasterxml.jackson.core", "name": "jackson-databind", "version": "2.9.4",
                  "purl": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4"}],
  "vulnerabilities": [
    {"id": "CVE-2018-7489", "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2018-7489"},
     "ratings": [{"source": {"name": "NVD"}, "score": 9.8, "severity": "critical", "method": "CVSSv31",
                  "vector": "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
     "affects": [{"ref": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4"}]},
    {"id": "CVE-2019-12384", "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2019-12384"},
     "ratings": [{"source": {"name": "NVD"}, "score": 5.9, "severity": "medium", "method": "CVSSv3",
                  "vector": "AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"},
                 {"source": {"name": "NVD"}, "score": 8.2, "severity": "high", "method": "CVSSv4",
                  "vector": "AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N"}],
     "affects": [{"ref": "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4"}]}]}$j$);
SELECT format, assets_created, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'cdx_ratings'));
SELECT s.rule_id, s.component, s.version, e.cvss, e.details ? 'cvss_invalid' AS invalid
FROM shown s JOIN ctem.exposure e ON e.rule_id = s.rule_id
WHERE s.asset = 'fid-billing' ORDER BY 1, 2, 3, 4, 5;

------------------------------------------------------------------------
-- 11. Checkov's resource types: Dockerfile resources (paths) give their
-- instruction, or the file for a missing one; Terraform module resources
-- their type.
------------------------------------------------------------------------
INSERT INTO fx VALUES ('checkov', $j$[
  {"check_type": "dockerfile",
   "results": {"passed_checks": [],
     "failed_checks": [
       {"check_id": "CKV_DOCKER_2", "bc_check_id": "BC_DKR_2", "check_name": "Ensure that HEALTHCHECK instructions have been added to container images",
        "check_result": {"result": "FAILED"}, "file_path": "/app/Dockerfile", "repo_file_path": "/app/Dockerfile",
        "file_line_range": [1, 14], "resource": "/app/Dockerfile.", "guideline": "https://docs.prismacloud.io/en/policy-reference/docker-policies/docker-policy-index/ensure-that-healthcheck-instructions-have-been-added-to-container-images"},
       {"check_id": "CKV_DOCKER_8", "bc_check_id": "BC_DKR_8", "check_name": "Ensure the last USER is not root",
        "check_result": {"result": "FAILED"}, "file_path": "/app/Dockerfile", "repo_file_path": "/app/Dockerfile",
        "file_line_range": [12, 12], "resource": "/app/Dockerfile.USER"}],
     "skipped_checks": [], "parsing_errors": []},
   "summary": {"passed": 0, "failed": 2, "skipped": 0, "parsing_errors": 0, "resource_count": 1, "checkov_version": "3.2.0"}},
  {"check_type": "terraform",
   "results": {"passed_checks": [],
     "failed_checks": [
       {"check_id": "CKV_AWS_130", "bc_check_id": "BC_AWS_NETWORKING_53", "check_name": "Ensure VPC subnets do not assign public IP by default",
        "check_result": {"result": "FAILED"}, "file_path": "/modules/vpc/main.tf", "repo_file_path": "/modules/vpc/main.tf",
        "file_line_range": [20, 28], "resource": "module.vpc.aws_subnet.public"}],
     "skipped_checks": [], "parsing_errors": []},
   "summary": {"passed": 0, "failed": 1, "skipped": 0, "parsing_errors": 0, "resource_count": 1, "checkov_version": "3.2.0"}}]$j$);
SELECT format, findings, inserted FROM ctem.ingest((SELECT report FROM fx WHERE name = 'checkov'), NULL, :shop);
SELECT s.*, e.details->>'message' AS resource
FROM shown s JOIN ctem.exposure e ON e.rule_id = s.rule_id
WHERE s.asset = 'https://git.example.com/fid/shop' AND s.rule_id LIKE 'CKV%' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8;
