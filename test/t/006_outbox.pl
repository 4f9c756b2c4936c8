# The ticketing outbox seen from outside (docs/mobilization.md):
# - NOTIFY ctem_events: a session that LISTENs receives the outbox row ids
#   of another session's committed change, nothing of a rolled-back one, and
#   one notification (the highest id) for a statement that writes more than
#   100 rows;
# - the consumer script test/outbox_consumer.py turns claimed rows into
#   Jira- and ServiceNow-style JSON on stdout and acknowledges them, or
#   records a failure that is retried with backoff;
# - pg_cron runs ctem.run_maintenance on a schedule: the job's run marks an
#   SLA breach and writes its outbox row.  Skipped, with the reason, when
#   pg_cron is not installed in this PostgreSQL.
use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pkglibdir = `pg_config --pkglibdir`;
chomp $pkglibdir;
my $sharedir = `pg_config --sharedir`;
chomp $sharedir;
my $have_cron = -f "$pkglibdir/pg_cron.so" && -f "$sharedir/extension/pg_cron.control";

my $node = PostgreSQL::Test::Cluster->new('outbox');
$node->init;
if ($have_cron)
{
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
});
}
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION ctem');

# an asset whose critical exposures are P1
$node->safe_psql('postgres', q{
INSERT INTO ctem.team (name, contact, ticket_project) VALUES ('web', 'web@acme.example', 'WEB');
INSERT INTO ctem.asset (id, kind, natural_key, owner, criticality, internet_facing, crown_jewel)
VALUES (1, 'host', 'shop.acme.example', 'web', 5, true, true);
CREATE FUNCTION p1s(first integer, n integer) RETURNS text LANGUAGE sql AS $$
  SELECT format('INSERT INTO ctem.exposure (asset_id, rule_id, title, severity, cvss, exploit_maturity) '
				'SELECT 1, ''CVE-2026-'' || i, ''finding '' || i, ''critical'', '
				'''CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'', ''high'' FROM generate_series(%s, %s) i',
				first, first + n - 1) $$;
});

# LISTEN in one session while another changes exposures (psql's \! runs a
# second psql); psql prints the notifications it received after each query
sub listen_while
{
	my ($sql) = @_;
	my $connstr = $node->connstr('postgres');
	my $cmd = $node->safe_psql('postgres', "SELECT $sql");
	my ($ret, $out, $err) = $node->psql('postgres', qq{LISTEN ctem_events;
\\! psql -X -q -v ON_ERROR_STOP=1 "$connstr" -c "$cmd"
SELECT 1;
});
	is($ret, 0, "listener ran") or diag($err);
	return [ $out =~ /Asynchronous notification "ctem_events" with payload "(\d+)" received/g ];
}

my $ids = listen_while("p1s(1, 2)");
my $rows = $node->safe_psql('postgres',
	"SELECT string_agg(id::text, ',' ORDER BY id) FROM ctem.outbox WHERE event_type = 'new'");
is(join(',', @$ids), $rows, 'two new P1 exposures: one notification per outbox row, with its id');
is(scalar(@$ids), 2, 'two notifications');

my $none = listen_while("'BEGIN; ' || p1s(10, 3) || '; ROLLBACK'");
is(scalar(@$none), 0, 'a rolled-back change notifies nothing');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ctem.outbox'), '2', 'and writes no outbox row');

my $bulk = listen_while("p1s(100, 150)");
is(scalar(@$bulk), 1, 'a statement writing 150 rows notifies once');
is($bulk->[0], $node->safe_psql('postgres', 'SELECT max(id) FROM ctem.outbox'),
	'with the highest id');

# the consumer script: Jira JSON for every row, acknowledged
my $python = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';
my $script = "$ENV{TESTDIR}/outbox_consumer.py";
SKIP:
{
	skip "no python3 or no $script", 9
	  unless -f $script && system("$python -c 1 >/dev/null 2>&1") == 0;
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGDATABASE} = 'postgres';
	my ($out, $err) = ('', '');
	IPC::Run::run([ $python, $script, '--target', 'jira', '--batch', '40' ], '>', \$out, '2>', \$err);
	my @tickets = map { decode_json($_) } split /\n/, $out;
	is(scalar(@tickets), 152, 'jira: one JSON line per outbox row') or diag($err);
	my $t = $tickets[0];
	is($t->{target}, 'jira', 'jira: target');
	is($t->{request}{fields}{project}{key}, 'WEB', "jira: the team's ticket project");
	is($t->{request}{fields}{priority}{name}, 'Highest', 'jira: P1 is Highest');
	like($t->{request}{fields}{summary}, qr/^\[P1\] finding 1 on shop\.acme\.example$/, 'jira: summary');
	like($t->{request}{fields}{description}, qr/^score [0-9.]+ \(P1\): cvss; exploit maturity high/,
		'jira: why in one line');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM ctem.outbox WHERE delivered_at IS NULL'),
		'0', 'every row acknowledged');

	# ServiceNow, and a failure retried with backoff
	$node->safe_psql('postgres', 'DO $$ BEGIN EXECUTE p1s(1000, 2); END $$');
	($out, $err) = ('', '');
	IPC::Run::run([ $python, $script, '--target', 'servicenow', '--fail-match', 'finding 1001' ],
		'>', \$out, '2>', \$err);
	my @sn = map { decode_json($_) } split /\n/, $out;
	is_deeply([ map { [ $_->{request}{correlation_id} =~ /^ctem:1:\d+$/ ? 1 : 0,
						$_->{request}{assignment_group}, $_->{request}{urgency} ] } @sn ],
		[ [ 1, 'web', '1' ] ], 'servicenow: one ticket, correlation id, assignment group, urgency');
	is($node->safe_psql('postgres',
		"SELECT attempts || ' ' || last_error || ' ' || (next_attempt_at > now()) FROM ctem.outbox "
		  . "WHERE delivered_at IS NULL"),
		'1 simulated failure true', 'the failed row waits for its retry');
}

SKIP:
{
	skip "pg_cron is not installed in this PostgreSQL ($pkglibdir/pg_cron.so): "
	  . "apt-get install postgresql-15-cron", 3
	  unless $have_cron;
	$node->safe_psql('postgres', 'CREATE EXTENSION pg_cron');
	# an exposure whose SLA has passed
	$node->safe_psql('postgres', q{
INSERT INTO ctem.exposure (asset_id, rule_id, severity, first_seen, last_seen)
VALUES (1, 'OLD-1', 'low', now() - interval '3 years', now() - interval '3 years')});
	my $job = $node->safe_psql('postgres',
		"SELECT cron.schedule('ctem-maintenance', '* * * * *', 'SELECT ctem.run_maintenance()')");
	ok($job > 0, 'scheduled ctem.run_maintenance every minute');
	my $ran = 0;
	for (1 .. 150)
	{
		$ran = $node->safe_psql('postgres',
			"SELECT count(*) FROM cron.job_run_details WHERE jobid = $job AND status = 'succeeded'");
		last if $ran > 0;
		sleep 1;
	}
	ok($ran > 0, 'pg_cron ran the job') or diag($node->safe_psql('postgres',
		'SELECT status, return_message FROM cron.job_run_details'));
	is($node->safe_psql('postgres', q{
SELECT (e.sla_breached_at IS NOT NULL) || ' ' || count(o.id) || ' ' || (SELECT count(*) > 0 FROM ctem.risk_snapshot)
FROM ctem.exposure e LEFT JOIN ctem.outbox o ON o.exposure_id = e.id AND o.event_type = 'sla_breached'
WHERE e.rule_id = 'OLD-1' GROUP BY e.sla_breached_at}),
		'true 1 true', 'the scheduled run marked the SLA breach, wrote its outbox row and the snapshot');
	$node->safe_psql('postgres', "SELECT cron.unschedule($job)");
}

$node->stop;
done_testing();
