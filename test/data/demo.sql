-- test/data/demo.sql: a small estate for the demo (test/demo.sh).
-- Shaped like what discovery jobs push: an inventory from a CMDB/cloud
-- export, then findings as Trivy, Grype, Gitleaks, Prowler and nuclei
-- report them.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO ctem.asset (kind, natural_key, name, environment, business_service, owner,
                        criticality, internet_facing, crown_jewel, tags, attributes)
VALUES
 ('web_app', 'https://shop.acme.example', 'Shop storefront', 'prod', 'e-commerce', 'team-storefront', 4, true, false, '{pci}', '{"waf": "cloudflare"}'),
 ('container_image', 'registry.acme.example/shop/frontend:2.14.1', 'frontend image', 'prod', 'e-commerce', 'team-storefront', 4, true, false, '{}', '{"digest": "sha256:5f1c0e2a"}'),
 ('container_image', 'registry.acme.example/shop/payments:1.9.0', 'payments image', 'prod', 'e-commerce', 'team-payments', 5, false, false, '{pci}', '{}'),
 ('host', '10.20.1.15', 'pay-db-01', 'prod', 'e-commerce', 'team-dba', 5, false, true, '{pci,database}', '{"os": "Debian 11"}'),
 ('host', 'bastion.acme.example', 'bastion', 'prod', 'platform', 'team-platform', 3, true, false, '{}', '{"os": "Ubuntu 22.04"}'),
 ('host', '10.20.9.40', 'build-agent-3', 'ci', 'platform', 'team-platform', 2, false, false, '{}', '{"os": "Ubuntu 20.04"}'),
 ('repository', 'https://github.com/acme/shop-backend', 'shop-backend', NULL, 'e-commerce', 'team-payments', 4, false, false, '{}', '{}'),
 ('cloud_resource', 'arn:aws:s3:::acme-customer-exports', 'customer exports bucket', 'prod', 'e-commerce', 'team-data', 5, NULL, true, '{pii}', '{"account": "111122223333", "region": "eu-west-1"}'),
 ('cloud_resource', 'arn:aws:iam::111122223333:role/ci-deployer', 'CI deploy role', 'prod', 'platform', 'team-platform', 4, false, false, '{}', '{"account": "111122223333"}'),
 ('host', 'intranet-wiki.corp.acme.example', 'wiki', 'prod', 'internal-tools', 'team-it', 2, false, false, '{}', '{}');

INSERT INTO ctem.exposure (asset_id, kind, rule_id, aliases, title, severity, cvss, component,
                           component_version, fixed_version, location, sources, details)
SELECT a.id, f.kind::ctem.exposure_kind, f.rule_id, f.aliases, f.title, f.severity::ctem.severity,
       f.cvss, f.component, f.version, f.fixed, f.location, f.sources, f.details::jsonb
FROM (VALUES
 ('registry.acme.example/shop/frontend:2.14.1', 'vulnerability', 'CVE-2023-44487', '{GHSA-qppj-fm5r-hxr3}'::text[], 'HTTP/2 Rapid Reset: stream cancellation DoS', 'high', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 'nghttp2-libs', '1.51.0-r0', '1.51.0-r2', NULL, '{trivy,grype}'::text[], '{"cwe": ["CWE-400"], "pkg_type": "alpine"}'),
 ('registry.acme.example/shop/frontend:2.14.1', 'vulnerability', 'CVE-2024-24790', '{}', 'net/netip: unexpected behaviour of Is methods for IPv4-mapped IPv6 addresses', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'stdlib', '1.21.5', '1.21.11', 'usr/local/bin/frontend', '{trivy}', '{"pkg_type": "gobinary"}'),
 ('registry.acme.example/shop/frontend:2.14.1', 'vulnerability', 'CVE-2023-5363', '{}', 'openssl: incorrect cipher key and IV length processing', 'high', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 'libssl3', '3.0.11-r0', '3.0.12-r0', NULL, '{trivy}', '{"pkg_type": "alpine"}'),
 ('registry.acme.example/shop/payments:1.9.0', 'vulnerability', 'CVE-2021-44228', '{GHSA-jfh8-c2jp-5v3q}', 'Apache Log4j2 JNDI remote code execution (Log4Shell)', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 'org.apache.logging.log4j:log4j-core', '2.14.1', '2.15.0', 'app/lib/log4j-core-2.14.1.jar', '{grype}', '{"cwe": ["CWE-502", "CWE-917"], "pkg_type": "java-archive"}'),
 ('registry.acme.example/shop/payments:1.9.0', 'vulnerability', 'CVE-2022-42889', '{GHSA-599f-7c49-w659}', 'Apache Commons Text variable interpolation RCE (Text4Shell)', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'org.apache.commons:commons-text', '1.9', '1.10.0', 'app/lib/commons-text-1.9.jar', '{grype,trivy}', '{"pkg_type": "java-archive"}'),
 ('10.20.1.15', 'vulnerability', 'CVE-2023-38408', '{}', 'OpenSSH ssh-agent remote code execution via PKCS#11 providers', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'openssh-client', '1:8.4p1-5+deb11u1', '1:8.4p1-5+deb11u2', NULL, '{trivy}', '{}'),
 ('10.20.1.15', 'exposed_service', 'postgresql-open-to-vpc', '{}', 'PostgreSQL 5432 reachable from the whole VPC', 'medium', NULL, 'postgresql', '13.11', NULL, 'tcp/5432', '{nmap}', '{}'),
 ('bastion.acme.example', 'vulnerability', 'CVE-2024-6387', '{}', 'OpenSSH regreSSHion: unauthenticated RCE in sshd signal handler', 'high', 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', 'openssh-server', '1:8.9p1-3ubuntu0.6', '1:8.9p1-3ubuntu0.10', NULL, '{nuclei,trivy}', '{}'),
 ('bastion.acme.example', 'misconfiguration', 'ssh-password-auth', '{}', 'SSH password authentication enabled', 'medium', NULL, 'sshd', NULL, NULL, '/etc/ssh/sshd_config', '{nuclei}', '{}'),
 ('https://shop.acme.example', 'vulnerability', 'CVE-2021-41773', '{}', 'Apache HTTP Server 2.4.49 path traversal', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 'apache', '2.4.49', '2.4.51', 'https://shop.acme.example/cgi-bin/.%2e/.%2e/etc/passwd', '{nuclei}', '{"template": "CVE-2021-41773"}'),
 ('https://shop.acme.example', 'misconfiguration', 'missing-hsts', '{}', 'Strict-Transport-Security header missing', 'info', NULL, NULL, NULL, NULL, 'https://shop.acme.example/', '{nuclei}', '{}'),
 ('https://github.com/acme/shop-backend', 'secret', 'aws-access-key-id', '{}', 'AWS access key ID committed to the repository', 'critical', NULL, NULL, NULL, NULL, 'deploy/staging.env:3', '{gitleaks,trivy}', '{"match": "AKIA****************"}'),
 ('https://github.com/acme/shop-backend', 'code_weakness', 'java/sql-injection', '{}', 'Query built from user-controlled sources', 'high', NULL, NULL, NULL, NULL, 'src/main/java/com/acme/shop/OrderDao.java:88', '{codeql}', '{"cwe": ["CWE-89"]}'),
 ('arn:aws:s3:::acme-customer-exports', 'misconfiguration', 's3_bucket_public_access', '{S3.8}', 'S3 bucket policy allows public read', 'critical', NULL, 'AwsS3Bucket', NULL, NULL, NULL, '{prowler,securityhub}', '{"compliance": ["CIS-1.4 2.1.5"]}'),
 ('arn:aws:iam::111122223333:role/ci-deployer', 'identity_risk', 'iam_role_administrator_access', '{}', 'Role has AdministratorAccess attached', 'high', NULL, 'AwsIamRole', NULL, NULL, NULL, '{prowler}', '{}'),
 ('10.20.9.40', 'vulnerability', 'CVE-2023-4911', '{}', 'glibc ld.so Looney Tunables local privilege escalation', 'high', 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 'libc6', '2.31-0ubuntu9.9', '2.31-0ubuntu9.12', NULL, '{trivy}', '{}'),
 ('10.20.9.40', 'vulnerability', 'CVE-2022-3602', '{}', 'OpenSSL X.509 email address buffer overflow', 'high', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 'openssl', '3.0.2-0ubuntu1.6', '3.0.2-0ubuntu1.7', NULL, '{trivy}', '{}'),
 ('intranet-wiki.corp.acme.example', 'vulnerability', 'CVE-2023-22515', '{}', 'Confluence broken access control: create administrator accounts', 'critical', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 'confluence', '8.3.2', '8.3.3', 'https://intranet-wiki.corp.acme.example/setup/setupadministrator.action', '{nuclei}', '{}'),
 ('intranet-wiki.corp.acme.example', 'vulnerability', 'CVE-2019-11358', '{GHSA-6c3j-c64m-qhgq}', 'jQuery prototype pollution in extend()', 'medium', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:L/A:N', 'jquery', '3.3.1', '3.4.0', 'https://intranet-wiki.corp.acme.example/static/jquery.js', '{nuclei}', '{}')
) AS f(asset, kind, rule_id, aliases, title, severity, cvss, component, version, fixed, location, sources, details)
JOIN ctem.asset a ON a.natural_key = ctem.normalize_asset_key(
	(SELECT kind FROM ctem.asset WHERE natural_key = ctem.normalize_asset_key(kind, f.asset) LIMIT 1), f.asset);
COMMIT;
