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

# the context the scores depend on, loaded after the exposures (so that the
# exposures were re-scored and have history), in tables a dump loads after
# ctem.exposure: a user's active policy, KEV and EPSS, validation results;
# and controls, status changes with their events
$node->safe_psql('src', q{
	INSERT INTO ctem.policy (name, description, p1_min, p2_min, p3_min, active)
	VALUES ('ours', 'stricter thresholds', 70, 45, 25, true);
	INSERT INTO ctem.vuln_intel (cve_id, kev, epss)
	SELECT 'CVE-2024-' || (1000 + g), g % 40 = 0, (g % 100) / 100.0 FROM generate_series(1, 400, 2) g;
	INSERT INTO ctem.control (asset_id, kind, effectiveness)
	SELECT g, 'waf', 0.3 FROM generate_series(1, 50, 5) g;
	INSERT INTO ctem.validation_result (exposure_id, outcome, source)
	SELECT id, (ARRAY['exploitable', 'blocked', 'not_exploitable'])[1 + id % 3]::ctem.validation_outcome, 'bas'
	FROM ctem.exposure WHERE tenant_id = 1 AND id % 17 = 0;
	-- risk_accepted is reached only through a risk acceptance (docs/mobilization.md)
	INSERT INTO ctem.risk_acceptance (tenant_id, exposure_id, reason, expires_at)
	SELECT tenant_id, id, 'accepted for the restore test', now() + interval '90 days'
	FROM ctem.exposure WHERE id % 29 = 0 AND status = 'open';
	UPDATE ctem.asset SET criticality = 5 WHERE id % 9 = 0;
});
cmp_ok($node->safe_psql('src', 'SELECT count(*) FROM ctem.exposure_event'), '>', 20,
	'the source database has history');

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

# every row of every ctem table, as text (the builtin policy is not dumped:
# it comes with CREATE EXTENSION, only whether it is active matters)
my $content_sql = q{
	SELECT c.relname || '=' || (xpath('/row/h/text()',
	       query_to_xml(format('SELECT md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) AS h FROM %s t %s',
	                           ',', '', c.oid::regclass,
	                           CASE WHEN c.relname = 'policy' THEN 'WHERE NOT builtin' ELSE '' END),
	                    false, true, '')))[1]::text
	FROM pg_class c
	WHERE c.relnamespace = 'ctem'::regnamespace AND c.relkind = 'r'
	UNION ALL SELECT 'builtin active=' || active FROM ctem.policy WHERE builtin
	ORDER BY 1
};
my $content_before = $node->safe_psql('src', $content_sql);
my $events_before = $node->safe_psql('src',
	q{SELECT md5(string_agg(t::text, ',' ORDER BY tenant_id, id)) FROM ctem.exposure_event t});
my $max_event = $node->safe_psql('src', 'SELECT max(id) FROM ctem.exposure_event');

my $dump = $node->basedir . '/ctem.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump');

# the exact restore (docs/architecture.md): ctem's triggers do not fire in
# replica mode, every row comes back as it was
$node->safe_psql('postgres', 'CREATE DATABASE exact');
{
	local $ENV{PGOPTIONS} = '-c session_replication_role=replica';
	$node->command_ok([ 'pg_restore', '-d', $node->connstr('exact'), '--exit-on-error', $dump ],
		'pg_restore in replica mode');
}
is($node->safe_psql('exact', $content_sql), $content_before,
	'replica-mode restore: every row of every ctem table is the same');
my $ev = $node->safe_psql('exact', q{
	UPDATE ctem.exposure SET status = 'in_progress'
	WHERE id = (SELECT min(id) FROM ctem.exposure WHERE tenant_id = 1 AND status = 'open');
	SELECT string_agg(event, ',') FROM ctem.exposure_event WHERE id > } . $max_event);
is($ev, 'status_changed', 'replica-mode restore: the triggers work again afterwards, new events get new ids');

# a plain restore: the exposures load before the policy, the intel and the
# validation results, so they are re-scored as those arrive; it must not
# fail, and ends with the same scores; the history keeps every event it had
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('dst'), '--exit-on-error', $dump ], 'pg_restore');
is($node->safe_psql('dst', qq{
	SELECT md5(string_agg(t::text, ',' ORDER BY tenant_id, id)) FROM ctem.exposure_event t WHERE id <= $max_event}),
	$events_before, 'plain restore: every event of the history is back, with its id');

my $extra = $node->safe_psql('dst', qq{
	SELECT count(*) FILTER (WHERE event <> 'priority_changed') FROM ctem.exposure_event WHERE id > $max_event});
is($extra, '0', 'plain restore: any event it adds is a re-scoring (priority_changed)');
note('plain restore added ' . $node->safe_psql('dst', "SELECT count(*) FROM ctem.exposure_event WHERE id > $max_event")
	. ' priority_changed events');
my $after = $node->safe_psql('dst', $counts_sql);
(my $before_but_events = $before) =~ s/^exposure_event=.*\n//m;
(my $after_but_events = $after) =~ s/^exposure_event=.*\n//m;
is($after_but_events, $before_but_events, 'identical row counts in every other ctem table after restore');
my $fp_after = $node->safe_psql('dst',
	'SELECT md5(string_agg(tenant_id || fingerprint::text || status::text, \',\' ORDER BY tenant_id, id)) FROM ctem.exposure');
is($fp_after, $fp_before, 'exposure identities and statuses survive restore');
is($node->safe_psql('dst', $score_sql), $scores_before,
	'scores, their context and explanations are the same after restore');

# after the restore set the sequence back to its dumped value, the next
# event moves it past the events the restore added: later ones use it again
my $seq = $node->safe_psql('dst', q{
	UPDATE ctem.exposure SET status = 'in_progress'
	WHERE id = (SELECT min(id) FROM ctem.exposure WHERE tenant_id = 1 AND status = 'open');
	SELECT (SELECT max(id) FROM ctem.exposure_event) = (SELECT last_value FROM ctem.exposure_event_id_seq)
	       AND (SELECT event FROM ctem.exposure_event ORDER BY id DESC LIMIT 1) = 'status_changed'});
is($seq, 't', 'plain restore: the first new event moves the event id sequence past the restored ids');

# the restored database keeps working: new rows get fresh ids
my $next = $node->safe_psql('dst', q{
	INSERT INTO ctem.asset (kind, natural_key) VALUES ('host', 'new.example.com') RETURNING id});
cmp_ok($next, '>', 51, 'asset id sequence restored');
my $nexte = $node->safe_psql('dst', qq{
	INSERT INTO ctem.exposure (asset_id, rule_id) VALUES ($next, 'cve-2025-0001') RETURNING rule_id || ' ' || (id > 401)});
is($nexte, 'CVE-2025-0001 true', 'exposure trigger and sequence work after restore');

$node->stop;
done_testing();
