-- test/data/demo.sql: the inventory of the demo estate (test/demo.sh), as
-- a CMDB or cloud-inventory export would load it.  Findings come after,
-- from scanner reports in test/data/demo/ through ctem.ingest.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO ctem.asset (kind, natural_key, name, environment, business_service, owner,
                        criticality, internet_facing, crown_jewel, tags, attributes)
VALUES
 ('web_app', 'shop.acme.example', 'Shop storefront', 'prod', 'e-commerce', 'team-storefront', 4, true, false, '{pci}', '{"waf": "managed"}'),
 ('container_image', 'registry.acme.example/shop/frontend:2.14.1', 'frontend image', 'prod', 'e-commerce', 'team-storefront', 4, true, false, '{}', '{"digest": "sha256:5f1c0e2a9b"}'),
 ('container_image', 'registry.acme.example/shop/payments:1.9.0', 'payments image', 'prod', 'e-commerce', 'team-payments', 5, false, false, '{pci}', '{}'),
 ('host', '10.20.1.15', 'pay-db-01', 'prod', 'e-commerce', 'team-dba', 5, false, true, '{pci,database}', '{"os": "Debian 12"}'),
 ('repository', 'https://github.com/acme/shop-backend', 'shop-backend', NULL, 'e-commerce', 'team-payments', 4, false, false, '{}', '{}'),
 ('cloud_resource', 'arn:aws:s3:::acme-customer-exports', 'customer exports bucket', 'prod', 'e-commerce', 'team-data', 5, NULL, true, '{pii}', '{"account": "111122223333", "region": "eu-west-1"}'),
 ('identity', 'arn:aws:iam::111122223333:role/ci-deployer', 'CI deploy role', 'prod', 'platform', 'team-platform', 4, false, false, '{}', '{"account": "111122223333"}'),
 ('web_app', 'intranet-wiki.corp.acme.example', 'wiki', 'prod', 'internal-tools', 'team-it', 2, false, false, '{}', '{}');
-- a managed WAF in front of the storefront
INSERT INTO ctem.control (asset_id, kind, effectiveness, description)
SELECT id, 'waf', 0.3, 'Managed WAF ruleset in blocking mode'
FROM ctem.asset WHERE natural_key = 'shop.acme.example';
COMMIT;
