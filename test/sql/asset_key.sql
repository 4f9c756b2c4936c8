-- Natural key normalisation per asset kind.
SELECT kind, input, ctem.normalize_asset_key(kind::ctem.asset_kind, input) AS normalized
FROM (VALUES
    ('host', 'Web-01.Example.COM.'),
    ('host', E'\t192.168.001.010 '),
    ('host', '192.168.1.10'),
    ('host', '[2001:db8::0:1]'),
    ('host', '2001:DB8:0000::1'),
    ('host', '::ffff:10.1.2.3'),
    ('host', '999.1.1.1'),
    ('domain', 'Shop.Example.com.'),
    ('web_app', 'HTTPS://Shop.Example.COM/Login?Next=/Cart'),
    ('web_app', 'https://shop.example.com/'),
    ('api', 'api.Example.com/v1/Users'),
    ('repository', 'https://GitHub.com/Acme/Shop.git/'),
    ('repository', 'git@GitHub.com:Acme/Shop.git'),
    ('repository', 'https://gitlab.example.com/group/sub/Project'),
    ('container_image', 'docker.io/library/alpine:3.19'),
    ('container_image', 'index.docker.io/bitnami/redis:7.2'),
    ('container_image', 'ghcr.io/Acme/app@sha256:0123abcd'),
    ('cloud_resource', ' arn:aws:iam::123456789012:role/Admin '),
    ('kubernetes_resource', 'prod/default/Deployment/web'),
    ('identity', 'Alice@Example.com'),
    ('host', '   ')
) AS t(kind, input)
ORDER BY kind, input;
SELECT ctem.normalize_asset_key('host', NULL) IS NULL AS strict;
