# Every JSON report of the shared scanner corpus (../shared/corpus/scanners)
# either ingests, with the finding count recorded in
# test/expected/scanner_corpus.txt, or fails with a clear error that leaves
# nothing behind; never a crash.  The KEV catalog and the EPSS slice of
# ../shared/corpus/intel load and mark the KEV CVEs the corpus contains.
# Skipped when the corpus is not beside the repository.
use strict;
use warnings;
use File::Basename;
use File::Find;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $corpus = "$ENV{TESTDIR}/corpus";
plan skip_all => 'no ../shared/corpus beside the repository' unless -d "$corpus/scanners";

my $node = PostgreSQL::Test::Cluster->new('corpus');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION ctem');

# threat intel first, so that ingested exposures are scored with it
my $kev = $node->safe_psql('postgres',
	"SELECT catalog_version || ' ' || entries FROM ctem.load_kev(pg_read_file('$corpus/intel/known_exploited_vulnerabilities.json'))");
is($kev, '2025.08.25 1404', 'the full CISA KEV catalog loads');
my $epss = $node->safe_psql('postgres',
	"SELECT model_version || ' ' || score_date || ' ' || rows_read FROM ctem.load_epss(pg_read_file('$corpus/intel/epss_scores-2026-09-29.first2000.csv'))");
is($epss, 'v2026.06.15 2026-09-29 2000', 'the EPSS slice loads');

my @files;
find(sub { push @files, $File::Find::name if -f $_ && /\.(json|jsonl|sarif)$/ }, "$corpus/scanners");
@files = sort @files;
cmp_ok(scalar(@files), '>=', 60, 'the corpus has its JSON reports (' . scalar(@files) . ')');

my @lines;
for my $path (@files)
{
	(my $name = $path) =~ s{^\Q$corpus/scanners/\E}{};
	my $before = $node->safe_psql('postgres', 'SELECT count(*) FROM ctem.exposure');
	my $sql = "SELECT format || '\t' || findings || '\t' || inserted FROM ctem.ingest(pg_read_file('$path'))";
	my ($ret, $out, $err) = $node->psql('postgres', $sql);
	my $how = '';
	if ($ret != 0 && $err =~ /name no asset/)
	{
		# the report does not say what was scanned: name the asset
		$how = ' (asset_id given)';
		($ret, $out, $err) = $node->psql('postgres',
			"SELECT format || '\t' || findings || '\t' || inserted FROM ctem.ingest(pg_read_file('$path'), NULL, ctem.ensure_asset('repository', 'corpus/$name'))");
	}
	if ($ret == 0)
	{
		push @lines, "$name\t$out$how";
	}
	else
	{
		my ($msg) = $err =~ /ERROR:\s+(.*)/;
		$msg //= $err;
		my $after = $node->safe_psql('postgres', 'SELECT count(*) FROM ctem.exposure');
		push @lines, "$name\tERROR\t$msg" . ($after == $before ? '' : "\tPARTIAL INSERT ($before -> $after)");
	}
}
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'no report crashed the backend');
my @partial = grep { /PARTIAL INSERT/ } @lines;
is(scalar(@partial), 0, 'a report that fails inserts nothing') or diag(join("\n", @partial));

my $got = join("\n", @lines) . "\n";
my $expected_file = "$ENV{TESTDIR}/expected/scanner_corpus.txt";
if ($ENV{CTEM_ACCEPT})
{
	open(my $fh, '>', $expected_file) or die "$expected_file: $!";
	print $fh $got;
	close($fh);
}
my $want = -f $expected_file ? slurp_file($expected_file) : '';
is($got, $want, 'per-file formats and finding counts match test/expected/scanner_corpus.txt');

# the same scan in three formats (Dependency-Check JSON, its SARIF and its
# GitLab output) on the same repository: one exposure per problem
my $dc = "$corpus/scanners/dependency_check";
my $same = $node->safe_psql('postgres', qq{
	SELECT ctem.ensure_asset('repository', 'https://github.com/annesa123/VulnerableJavaWebApplication') AS a \\gset
	SELECT inserted FROM ctem.ingest(pg_read_file('$dc/dependency_check_12.1.0.json'), NULL, :a);
	SELECT inserted FROM ctem.ingest(pg_read_file('$corpus/scanners/sarif/dependency_check_12.1.0.sarif'), NULL, :a);
	SELECT inserted FROM ctem.ingest(pg_read_file('$dc/dependency_check_12.1.0_gitlab.json'), NULL, :a);
	SELECT count(*) FROM ctem.exposure WHERE asset_id = :a;
});
is($same, "11\n0\n0\n11", 'Dependency-Check JSON, SARIF and GitLab output of one scan give 11 exposures, not 33');

my $kev_hits = $node->safe_psql('postgres', q{
	SELECT string_agg(DISTINCT rule_id, ',' ORDER BY rule_id) FROM ctem.exposure WHERE kev});
like($kev_hits, qr/CVE-2021-44228/, 'Log4Shell exposures are marked KEV');
like($kev_hits, qr/CVE-2020-11023/, 'the Dependency-Check KEV CVE is marked KEV');
my $kev_p = $node->safe_psql('postgres', q{
	SELECT count(*) FROM ctem.exposure WHERE kev AND priority > 'P2'});
is($kev_p, '0', 'every KEV exposure is at least P2');
my $unscored = $node->safe_psql('postgres',
	'SELECT count(*) FROM ctem.exposure WHERE risk_score IS NULL OR priority IS NULL OR score_explain IS NULL');
is($unscored, '0', 'every ingested exposure is scored and explained');

$node->stop;
done_testing();
