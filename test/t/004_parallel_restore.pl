# A restore reproduces a populated ctem database exactly: pg_dump -Fd and
# pg_restore -j 4, five times into fresh databases, and a plain pg_dump -Fp
# script run by psql, with no options.  Every row of every dumped ctem table
# (scores, KEV flags, history with its ids, validation results, edges) and
# every identity sequence comes back as it was, and rows written after the
# restore get ids never used before, in every tenant.  A role that is not a
# superuser cannot use the restore path to skip ctem's checks.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('prestore');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
# three tenants, 1,500 assets and 6,000 exposures each: large enough that
# the parallel restore loads ctem.exposure while ctem.asset is loading
$node->safe_psql('src', q{
	CREATE EXTENSION ctem;
	INSERT INTO ctem.asset (tenant_id, kind, natural_key, criticality, internet_facing, crown_jewel, tags)
	SELECT t, 'host', 't' || t || '-host-' || g || '.example.com', 1 + g % 5, g % 7 = 0, g % 50 = 0,
	       CASE WHEN g % 40 = 1 THEN '{entry_point}'::text[] ELSE '{}' END
	FROM generate_series(1, 3) t, generate_series(1, 1500) g;
	INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, component, severity, status)
	SELECT a.tenant_id, a.id, 'CVE-2024-' || (1000 + (a.id * 7 + k) % 900), 'pkg' || k,
	       (ARRAY['low','medium','high','critical'])[1 + (a.id + k) % 4]::ctem.severity,
	       (ARRAY['open','open','fixed','in_progress'])[1 + (a.id * 3 + k) % 4]::ctem.exposure_status
	FROM ctem.asset a, generate_series(1, 4) k;
	INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id, kind, probability)
	SELECT tenant_id, id, next_id, 'network', 0.25 + (id % 3) / 4.0
	FROM (SELECT tenant_id, id, lead(id) OVER (PARTITION BY tenant_id ORDER BY id) AS next_id
	      FROM ctem.asset) s
	WHERE next_id IS NOT NULL AND id % 3 <> 0;
});
# the context, loaded after the exposures so that they were re-scored and
# have history in every tenant: a user's policy, KEV and EPSS, controls,
# validation results, status and criticality changes
$node->safe_psql('src', q{
	INSERT INTO ctem.policy (name, description, p1_min, p2_min, p3_min, active)
	VALUES ('ours', 'stricter thresholds', 70, 45, 25, true);
	INSERT INTO ctem.vuln_intel (cve_id, kev, epss)
	SELECT 'CVE-2024-' || (1000 + g), g % 30 = 0, (g % 100) / 100.0 FROM generate_series(0, 899, 2) g;
	INSERT INTO ctem.control (tenant_id, asset_id, kind, effectiveness)
	SELECT tenant_id, id, 'waf', 0.3 FROM ctem.asset WHERE id % 11 = 0;
	INSERT INTO ctem.validation_result (tenant_id, exposure_id, outcome, source)
	SELECT tenant_id, id, (ARRAY['exploitable', 'blocked', 'not_exploitable'])[1 + id % 3]::ctem.validation_outcome, 'bas'
	FROM ctem.exposure WHERE id % 13 = 0;
	-- risk_accepted is reached only through a risk acceptance (docs/mobilization.md)
	INSERT INTO ctem.risk_acceptance (tenant_id, exposure_id, reason, expires_at)
	SELECT tenant_id, id, 'accepted for the restore test', now() + interval '90 days'
	FROM ctem.exposure WHERE id % 29 = 0 AND status = 'open';
	UPDATE ctem.asset SET criticality = 5 WHERE id % 9 = 0;
});
is($node->safe_psql('src', q{
	SELECT count(DISTINCT tenant_id) || ' ' || (count(*) > 1000) FROM ctem.exposure_event}),
	'3 true', 'the source database has history in three tenants');

# every row of every dumped ctem table as text (ctem.graph_change, the
# graph's bookkeeping, is not dumped; the builtin policy comes with CREATE
# EXTENSION, only whether it is active matters), and every sequence's state
my $content_sql = q{
	SELECT c.relname || '=' || (xpath('/row/h/text()',
	       query_to_xml(format('SELECT count(*) || %L || md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) AS h FROM %s t %s',
	                           ' ', ',', '', c.oid::regclass,
	                           CASE WHEN c.relname = 'policy' THEN 'WHERE NOT builtin' ELSE '' END),
	                    false, true, '')))[1]::text
	FROM pg_class c
	WHERE c.relnamespace = 'ctem'::regnamespace AND c.relkind = 'r' AND c.relname <> 'graph_change'
	UNION ALL SELECT 'builtin active=' || active FROM ctem.policy WHERE builtin
	UNION ALL SELECT 'sequence ' || sequencename || '=' || coalesce(last_value::text, 'null')
	FROM pg_sequences WHERE schemaname = 'ctem' AND sequencename <> 'graph_change_seq'
	ORDER BY 1
};
my $score_sql = q{SELECT md5(string_agg(concat_ws('|', tenant_id, id, risk_score, priority, sla_due, kev, epss,
	controls_effectiveness, validation, score_explain), ',' ORDER BY tenant_id, id)) FROM ctem.exposure};
my $content = $node->safe_psql('src', $content_sql);
my $scores = $node->safe_psql('src', $score_sql);
my %max;
$max{$_} = $node->safe_psql('src', "SELECT max(id) FROM ctem.$_")
  for qw(asset exposure exposure_event asset_edge validation_result control);
my $nevents = $node->safe_psql('src', 'SELECT count(*) FROM ctem.exposure_event');

# what differs, table by table, for the test's diagnostics
sub differences
{
	my ($got) = @_;
	my %want = map { /^(.*?)=(.*)$/ ? ($1 => $2) : () } split /\n/, $content;
	my @d;
	for (split /\n/, $got)
	{
		next unless /^(.*?)=(.*)$/;
		push @d, "$1: $2, source $want{$1}" if ($want{$1} // '') ne $2;
	}
	return join('; ', @d);
}

sub check_copy
{
	my ($db, $how) = @_;
	my $got = $node->safe_psql($db, $content_sql);
	is($got, $content, "$how: every row of every ctem table and every sequence as in the source")
	  or diag(differences($got));
	is($node->safe_psql($db, $score_sql), $scores, "$how: scores, KEV flags, EPSS and explanations as in the source");
	is($node->safe_psql($db, q{SELECT count(*) FROM ctem.exposure}), '18000', "$how: every exposure is back");
}

my $dir = $node->basedir . '/ctem.dir';
$node->command_ok([ 'pg_dump', '-Fd', '-d', $node->connstr('src'), '-f', $dir ], 'pg_dump -Fd');

for my $i (1 .. 5)
{
	$node->safe_psql('postgres', "CREATE DATABASE par$i");
	$node->command_ok([ 'pg_restore', '-j', '4', '-d', $node->connstr("par$i"), $dir ],
		"pg_restore -j 4, run $i");
	check_copy("par$i", "pg_restore -j 4, run $i");
}

my $sql = $node->basedir . '/ctem.sql';
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('src'), '-f', $sql ], 'pg_dump -Fp');
$node->safe_psql('postgres', 'CREATE DATABASE plain');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('plain'), '-f', $sql ],
	'plain restore with psql');
check_copy('plain', 'plain restore');

# after the restore, new rows get ids never used before, in every tenant:
# events of status changes in tenants 2 and 3, an asset, an exposure, an
# edge, a validation result
for my $db ('par1', 'plain')
{
	my $new = $node->safe_psql($db, q{
		UPDATE ctem.exposure SET status = 'in_progress'
		WHERE (tenant_id, id) IN (SELECT tenant_id, min(id) FROM ctem.exposure
		                          WHERE tenant_id IN (2, 3) AND status = 'open' GROUP BY tenant_id);
		INSERT INTO ctem.asset (tenant_id, kind, natural_key) VALUES (2, 'host', 'new.example.com');
		INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id)
		SELECT 2, id, 'CVE-2025-0001' FROM ctem.asset WHERE natural_key = 'new.example.com';
		INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id)
		SELECT 2, (SELECT min(id) FROM ctem.asset WHERE tenant_id = 2), id FROM ctem.asset WHERE natural_key = 'new.example.com';
		INSERT INTO ctem.validation_result (tenant_id, exposure_id, outcome, source)
		SELECT 2, id, 'exploitable', 'bas' FROM ctem.exposure WHERE rule_id = 'CVE-2025-0001';
	});
	my %min_new;
	$min_new{$_} = $node->safe_psql($db, "SELECT min(id) FROM ctem.$_ WHERE id > $max{$_}")
	  for qw(asset exposure exposure_event asset_edge validation_result);
	my $events = $node->safe_psql($db, qq{
		SELECT string_agg(DISTINCT tenant_id || ':' || event, ',')
		       FILTER (WHERE event = 'status_changed' AND id > $max{exposure_event})
		       || ' ' || count(*) FILTER (WHERE id <= $max{exposure_event})
		FROM ctem.exposure_event});
	is($events, '2:status_changed,3:status_changed ' . $nevents,
		"$db: the new events of tenants 2 and 3 have ids above every restored id");
	is($node->safe_psql($db, q{SELECT count(*) = count(DISTINCT id) FROM ctem.exposure_event}), 't',
		"$db: no event id is used in two tenants");
	for (qw(asset exposure exposure_event asset_edge validation_result))
	{
		ok(($min_new{$_} // 0) > $max{$_}, "$db: a new row of ctem.$_ gets an id above the restored ones");
	}
}

# a role that is not a superuser, with the settings of a restore session,
# gets no restore path: its rows are refused, not stored as given
$node->safe_psql('src', q{
	CREATE ROLE etl LOGIN;
	GRANT USAGE ON SCHEMA ctem TO etl;
	GRANT SELECT, INSERT ON ctem.exposure, ctem.asset_edge TO etl;
});
my ($ret, $stdout, $stderr) = $node->psql('src', q{
	SET ROLE etl;
	SELECT pg_catalog.set_config('search_path', '', false);
	SET check_function_bodies = false;
	SET client_min_messages = warning;
	INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id, fingerprint, risk_score, priority)
	VALUES (1, 1, 'CVE-2024-1000', gen_random_uuid(), 100, 'P1');
});
isnt($ret, 0, 'a role that is not a superuser cannot store an exposure as given with restore settings');
like($stderr, qr/restore/, '... and is told that a restore needs a superuser');
($ret, $stdout, $stderr) = $node->psql('src', q{
	SET ROLE etl;
	SELECT pg_catalog.set_config('search_path', '', false);
	SET check_function_bodies = false;
	SET client_min_messages = warning;
	INSERT INTO ctem.asset_edge (tenant_id, source_asset_id, target_asset_id) VALUES (1, 1, 999999);
});
isnt($ret, 0, 'nor an edge to an asset that does not exist');

# a superuser outside a restore gets every check
($ret, $stdout, $stderr) = $node->psql('src', q{
	INSERT INTO ctem.exposure (tenant_id, asset_id, rule_id) VALUES (1, 999999, 'CVE-2024-1000');
});
like($stderr, qr/23503|not present|does not exist/, 'outside a restore a superuser\'s exposure on a missing asset is refused');
is($node->safe_psql('src', 'SELECT ctem.restoring()'), 'f', 'ctem.restoring() is false in an ordinary session');

$node->stop;
done_testing();
