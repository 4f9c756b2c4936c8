# pg_dump + pg_restore keep every row of every ctem table, and the restored
# database keeps working (identity sequences restored, triggers intact).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
	CREATE EXTENSION ctem;
	INSERT INTO ctem.asset (kind, natural_key, criticality, internet_facing, crown_jewel)
	SELECT 'host', 'host-' || g || '.example.com', 1 + g % 5, g % 3 = 0, g = 7
	FROM generate_series(1, 50) g;
	INSERT INTO ctem.asset (tenant_id, kind, natural_key) VALUES (2, 'host', 'other-tenant.example.com');
	INSERT INTO ctem.exposure (asset_id, rule_id, component, severity, status)
	SELECT 1 + g % 50, 'CVE-2024-' || (1000 + g), 'pkg' || g % 7,
	       (ARRAY['low','medium','high','critical'])[1 + g % 4]::ctem.severity,
	       (ARRAY['open','fixed','in_progress'])[1 + g % 3]::ctem.exposure_status
	FROM generate_series(1, 400) g;
	INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id) VALUES (2, 51, 'CVE-2024-9999');
});

my $counts_sql = q{
	SELECT c.relname || '=' || (xpath('/row/n/text()',
	       query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass), false, true, '')))[1]::text
	FROM pg_class c
	WHERE c.relnamespace = 'ctem'::regnamespace AND c.relkind = 'r'
	ORDER BY c.relname
};
my $before = $node->safe_psql('src', $counts_sql);
my $tables = $node->safe_psql('src',
	q{SELECT count(*) FROM pg_class WHERE relnamespace = 'ctem'::regnamespace AND relkind = 'r'});
cmp_ok($tables, '>=', 2, 'ctem has tables to dump');
my $fp_before = $node->safe_psql('src',
	'SELECT md5(string_agg(tenant_id || fingerprint::text || status::text, \',\' ORDER BY tenant_id, id)) FROM ctem.exposure');

my $score_sql = q{SELECT md5(string_agg(concat_ws('|', tenant_id, id, risk_score, priority, sla_due, kev, epss,
	controls_effectiveness, validation, score_explain), ',' ORDER BY tenant_id, id)) FROM ctem.exposure};
my $scores_before = $node->safe_psql('src', $score_sql);

my $dump = $node->basedir . '/ctem.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('dst'), '--exit-on-error', $dump ], 'pg_restore');

my $after = $node->safe_psql('dst', $counts_sql);
is($after, $before, 'identical row counts in every ctem table after restore');
my $fp_after = $node->safe_psql('dst',
	'SELECT md5(string_agg(tenant_id || fingerprint::text || status::text, \',\' ORDER BY tenant_id, id)) FROM ctem.exposure');
is($fp_after, $fp_before, 'exposure identities and statuses survive restore');
is($node->safe_psql('dst', $score_sql), $scores_before,
	'scores, their context and explanations are the same after restore');

# the restored database keeps working: new rows get fresh ids
my $next = $node->safe_psql('dst', q{
	INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', 'new.example.com') RETURNING id});
cmp_ok($next, '>', 51, 'asset id sequence restored');
my $nexte = $node->safe_psql('dst', qq{
	INSERT INTO ctem.exposure (asset_id, rule_id) VALUES ($next, 'cve-2025-0001') RETURNING rule_id || ' ' || (id > 401)});
is($nexte, 'CVE-2025-0001 true', 'exposure trigger and sequence work after restore');

$node->stop;
done_testing();
