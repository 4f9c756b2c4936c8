-- test/data/demo_graph.sql: the attack graph of the demo estate
-- (test/demo.sh), as a collector would export it: network reachability
-- from firewall rules, credentials and trusts from a cloud inventory and a
-- secrets scan, by natural key.  One statement: the scores follow the
-- graph once, at its end.
\set ON_ERROR_STOP on
-- the backend repository takes outside contributions: an entry point
UPDATE ctem.asset SET tags = tags || '{entry_point}'
WHERE natural_key = 'https://github.com/acme/shop-backend';
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, kind, probability, exploit_required, attributes)
SELECT s.id, t.id, e.kind::ctem.edge_kind, e.probability, e.exploit_required, e.attributes::jsonb
FROM (VALUES
	-- the storefront and its image reach the payments service (port 8443)
	('shop.acme.example', 'registry.acme.example/shop/payments:1.9.0', 'network', 0.9, true, '{"port": 8443, "rule": "fw-dmz-app-12"}'),
	('registry.acme.example/shop/frontend:2.14.1', 'registry.acme.example/shop/payments:1.9.0', 'network', 0.9, true, '{"port": 8443, "rule": "fw-dmz-app-12"}'),
	-- the payments service holds the database's credentials
	('registry.acme.example/shop/payments:1.9.0', '10.20.1.15', 'credential', 0.9, false, '{"secret": "PAYMENTS_DB_URL"}'),
	-- the storefront reaches the wiki (its Confluence is the weakness)
	('shop.acme.example', 'intranet-wiki.corp.acme.example', 'network', 0.5, true, '{"port": 443}'),
	-- the wiki's admins may assume the CI role (an overly broad trust)
	('intranet-wiki.corp.acme.example', 'arn:aws:iam::111122223333:role/ci-deployer', 'trust', 0.3, false, '{"policy": "wiki-admins-assume"}'),
	-- the backend repository's workflow can use the CI role, which can
	-- write the customer exports bucket and deploy payments
	('https://github.com/acme/shop-backend', 'arn:aws:iam::111122223333:role/ci-deployer', 'credential', 0.4, false, '{"via": "GitHub OIDC, any branch"}'),
	('arn:aws:iam::111122223333:role/ci-deployer', 'arn:aws:s3:::acme-customer-exports', 'trust', 0.9, false, '{"action": "s3:*"}'),
	('arn:aws:iam::111122223333:role/ci-deployer', 'registry.acme.example/shop/payments:1.9.0', 'credential', 0.7, false, '{"action": "deploy"}')
) AS e(source, target, kind, probability, exploit_required, attributes)
JOIN ctem.asset s ON s.tenant_id = 1 AND s.natural_key = e.source
JOIN ctem.asset t ON t.tenant_id = 1 AND t.natural_key = e.target;
