# Conformance of ctem.cvss with the shared CVSS corpus (../shared/corpus/cvss):
# every scored row agrees, every invalid string is rejected with 22P02.
# Skipped when the corpus is not beside the repository.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $corpus = "$ENV{TESTDIR}/corpus/cvss";
plan skip_all => 'no ../shared/corpus/cvss beside the repository' unless -d $corpus;

my $node = PostgreSQL::Test::Cluster->new('cvss');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION ctem');

# tab-separated, one header line, empty field = NULL; no quoting in the files
sub load
{
	my ($table, $cols, $file) = @_;
	$node->safe_psql('postgres', qq{
		CREATE TABLE $table ($cols);
		COPY $table FROM '$corpus/$file' (FORMAT csv, DELIMITER E'\\t', HEADER, QUOTE E'\\x01');
	});
	return $node->safe_psql('postgres', "SELECT count(*) FROM $table");
}

for my $f ([ 'v2', 'cvss2.tsv' ], [ 'v30', 'cvss30.tsv' ], [ 'v31', 'cvss31.tsv' ])
{
	my ($t, $file) = @$f;
	my $n = load($t, 'vector text, base numeric, temporal numeric, env numeric, source text', $file);
	cmp_ok($n, '>', 1000, "$file loaded ($n rows)");
	my $bad = $node->safe_psql('postgres', qq{
		SELECT count(*) FROM $t, LATERAL (SELECT vector::ctem.cvss AS c) p
		WHERE ctem.cvss_base_score(c) IS DISTINCT FROM base
		   OR ctem.cvss_temporal_score(c) IS DISTINCT FROM temporal
		   OR ctem.cvss_environmental_score(c) IS DISTINCT FROM env
		   OR ctem.cvss_score(c) IS DISTINCT FROM base});
	is($bad, '0', "$file: every row agrees on base, temporal and environmental score");
	my $rt = $node->safe_psql('postgres', qq{
		SELECT count(*) FROM $t WHERE vector::ctem.cvss::text::ctem.cvss <> vector::ctem.cvss});
	is($rt, '0', "$file: canonical output parses back to the same vector");
}

my $n4 = load('v40', 'vector text, score numeric, nomenclature text, macrovector text, source text',
	'cvss40.tsv');
cmp_ok($n4, '>', 1000, "cvss40.tsv loaded ($n4 rows)");
my $bad4 = $node->safe_psql('postgres', q{
	SELECT count(*) FROM v40, LATERAL (SELECT vector::ctem.cvss AS c) p
	WHERE ctem.cvss_score(c) IS DISTINCT FROM score
	   OR ctem.cvss_nomenclature(c) IS DISTINCT FROM nomenclature
	   OR ctem.cvss_macrovector(c) IS DISTINCT FROM macrovector});
is($bad4, '0', 'cvss40.tsv: every row agrees on score, nomenclature and macrovector');
my $canon4 = $node->safe_psql('postgres',
	q{SELECT count(*) FROM v40 WHERE vector::ctem.cvss::text <> vector});
is($canon4, '0', 'cvss40.tsv: canonical output of a v4.0 vector is the vector itself');

my $ni = load('invalid', 'vector text, version text, reason text, detail text, rejected_by text',
	'invalid.tsv');
cmp_ok($ni, '>', 400, "invalid.tsv loaded ($ni rows)");
my $accepted = $node->safe_psql('postgres',
	q{SELECT count(*) FROM invalid WHERE ctem.try_cvss(coalesce(vector, '')) IS NOT NULL});
is($accepted, '0', 'invalid.tsv: try_cvss rejects every row');
my ($ret, $out, $err) = $node->psql('postgres', q{
	DO $$ DECLARE r record; bad int := 0; msg text; det text; hin text; BEGIN
	FOR r IN SELECT coalesce(vector, '') AS v FROM invalid LOOP
		BEGIN
			PERFORM r.v::ctem.cvss;
			bad := bad + 1;
			RAISE WARNING 'accepted: "%"', r.v;
		EXCEPTION WHEN invalid_text_representation THEN
			GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
				hin = PG_EXCEPTION_HINT;
			IF position('ctem.cvss' IN msg) = 0 OR coalesce(det, '') !~ 'position'
			   OR coalesce(hin, '') = '' THEN
				bad := bad + 1;
				RAISE WARNING 'weak error for "%": % / % / %', r.v, msg, det, hin;
			END IF;
		END;
	END LOOP;
	RAISE NOTICE 'bad=%', bad; END $$});
like($err, qr/bad=0\b/, 'invalid.tsv: every row fails with 22P02, a message naming the type, a detail giving the position and a hint');

$node->stop;
done_testing();
