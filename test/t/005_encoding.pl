# ctem.ingest and the score explanation in databases of other encodings
# than UTF8: what a report says is stored as the same characters in the
# database's encoding (raw UTF-8 and \u escapes alike), a character the
# encoding cannot represent is refused with PostgreSQL's own error (22P05)
# and nothing is written, re-ingesting the same report matches the stored
# exposures (the fingerprints are those of the stored text), and a dump of
# an EUC_JP database restores.
#
# The Perl strings here are bytes: this file is UTF-8, psql talks UTF-8
# (client_encoding), the server converts to and from each database's
# encoding.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('encoding');
$node->init;
$node->start;

my %enc = (u8 => 'UTF8', l1 => 'LATIN1', ej => 'EUC_JP');
for my $db (sort keys %enc)
{
	$node->safe_psql('postgres',
		"CREATE DATABASE $db ENCODING '$enc{$db}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
	$node->safe_psql($db, 'CREATE EXTENSION ctem');
}

# psql in UTF-8 whatever the database's encoding
sub q_utf8
{
	my ($db, $sql) = @_;
	return $node->safe_psql($db, "SET client_encoding = 'UTF8';\n$sql");
}

sub q_utf8_fails
{
	my ($db, $sql) = @_;
	my ($ret, $out, $err) = $node->psql($db,
		"SET client_encoding = 'UTF8';\n\\set VERBOSITY verbose\n$sql");
	return ($ret, $err);
}

# a Trivy report naming $image with one finding; $title, $pkg and $path
# are put in the JSON as given (raw characters or \u escapes)
sub trivy
{
	my ($image, $title, $pkg, $path, $desc) = @_;
	$desc //= 'd\\u00e9tails';
	return qq({"SchemaVersion": 2, "ArtifactName": "$image", "ArtifactType": "container_image", )
	  . qq("Results": [{"Target": "Java", "Class": "lang-pkgs", "Type": "jar", "Vulnerabilities": )
	  . qq([{"VulnerabilityID": "CVE-2021-44228", "PkgName": "$pkg", "PkgPath": "$path", )
	  . qq("InstalledVersion": "2.14.1", "Severity": "CRITICAL", "Title": "$title", )
	  . qq("Description": "$desc", "PublishedDate": "2021-12-10T10:15:00Z"}]}]});
}

# what every database can represent: Latin-1 letters, raw and escaped
my $raw = trivy('registry.example/café:1', 'Log4Shell in café', 'crème', 'app/lib/crème.jar');
my $esc = trivy('registry.example/caf\u00e9:2', 'Log4Shell in caf\u00e9',
	'cr\u00e8me', 'app/lib/cr\u00e8me.jar');

for my $db (sort keys %enc)
{
	my $e = $enc{$db};

	q_utf8($db, "SELECT ctem.ingest(\$r\$$raw\$r\$)");
	q_utf8($db, "SELECT ctem.ingest(\$r\$$esc\$r\$)");
	is( q_utf8(
			$db, q{SELECT string_agg(a.natural_key || '|' || e.title || '|' || e.component || '|'
			       || e.location, E'\n' ORDER BY a.natural_key)
			       FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id}),
		"registry.example/café:1|Log4Shell in café|crème|/app/lib/crème.jar\n"
		  . "registry.example/café:2|Log4Shell in café|crème|/app/lib/crème.jar",
		"$e: keys and titles round-trip, raw UTF-8 and \\u escapes");
	is( q_utf8(
			$db, q{SELECT count(*) FILTER (WHERE title = 'Log4Shell in café'
			                              AND octet_length(title) = octet_length('Log4Shell in café'))
			       FROM ctem.exposure}),
		'2', "$e: the stored titles are the database's own text");
	is(q_utf8($db, q{SELECT string_agg(DISTINCT details->>'description', ',') FROM ctem.exposure}),
		'détails', "$e: details in the database's encoding");
	is(q_utf8($db, q{SELECT bool_and(pg_catalog.jsonb_typeof(details) = 'object') FROM ctem.exposure}),
		't', "$e: details are valid jsonb");

	# the same report again is a re-detection: same fingerprint
	is( q_utf8(
			$db, "SELECT (r).inserted || '/' || (r).updated || '/' || (r).resolved
			      FROM (SELECT ctem.ingest(\$r\$$raw\$r\$) AS r) s"),
		'0/1/0', "$e: re-ingesting matches the stored exposure");

	# the score explanation's formula text: LATIN1 and EUC_JP have the
	# multiplication sign, not the minus sign (ASCII stands in)
	is( q_utf8(
			$db, q{SELECT ctem.explain(min(id))->>'formula' FROM ctem.exposure}),
		$e eq 'UTF8'
		? '100 × S/10 × L × A × X × (1 − C) × V'
		: '100 × S/10 × L × A × X × (1 - C) × V',
		"$e: the explanation's formula");

	# the KEV catalog's text too
	q_utf8($db, q{SELECT ctem.load_kev('{"catalogVersion": "v\u00e9", "vulnerabilities": [{"cveID": "CVE-2021-44228", "vendorProject": "Apache Caf\u00e9", "product": "Log4j crème", "dateAdded": "2021-12-10", "cwes": ["CWE-20"]}]}')});
	is(q_utf8($db, q{SELECT kev_vendor || '|' || kev_product || '|' || kev_catalog_version FROM ctem.vuln_intel}),
		'Apache Café|Log4j crème|vé', "$e: KEV text in the database's encoding");
}

# LATIN1 has no em dash: a title with one is refused, with nothing
# written
{
	my ($ret, $err) = q_utf8_fails('l1',
		"SELECT ctem.ingest(\$r\$" . trivy('registry.example/x:1', 'a \\u2014 b', 'p', 'q') . "\$r\$)");
	isnt($ret, 0, 'LATIN1: a character it cannot represent is refused');
	like($err, qr/22P05/, 'LATIN1: with SQLSTATE 22P05 (untranslatable_character)');
	is(q_utf8('l1', "SELECT count(*) FROM ctem.asset WHERE natural_key = 'registry.example/x:1'"),
		'0', 'LATIN1: nothing is written');
	like($err, qr/finding 1 of the report/, 'LATIN1: the context names the finding');

	($ret, $err) = q_utf8_fails('l1',
		q{SELECT ctem.load_kev('{"vulnerabilities": [{"cveID": "CVE-2021-44228", "dateAdded": "2021-12-10"}, {"cveID": "CVE-2023-44487", "vendorProject": "a \u2014 b", "dateAdded": "2023-10-10"}]}')});
	like($err, qr/22P05.*KEV entry CVE-2023-44487/s, 'LATIN1: a KEV text it cannot represent is refused, naming the entry');
	is(q_utf8('l1', "SELECT count(*) FROM ctem.vuln_intel WHERE cve_id = 'CVE-2023-44487'"),
		'0', 'LATIN1: nothing of that catalog is written');
}

# a \u0000, which the reader stores as U+FFFD, is "?" where the encoding has
# no U+FFFD, not a refused report
for my $db ('l1', 'ej')
{
	q_utf8($db, "SELECT ctem.ingest(\$r\$"
		  . trivy('registry.example/nul:1', 'a\u0000b', 'p', 'q') . "\$r\$)");
	is( q_utf8(
			$db, q{SELECT e.title || ' ' || (e.details->'nul_replaced')::text FROM ctem.exposure e
			       JOIN ctem.asset a ON a.id = e.asset_id WHERE a.natural_key = 'registry.example/nul:1'}),
		'a?b ["Title"]', "$enc{$db}: a \\u0000 is stored as ?");
}

# EUC_JP: Japanese text is stored as EUC_JP; an emoji is refused
{
	my $jp = trivy('registry.example/日本:1', '\u65e5\u672c\u8a9e', '日本', 'app/日本.jar',
		'\u65e5\u672c \u3001 日本');
	q_utf8('ej', "SELECT ctem.ingest(\$r\$$jp\$r\$)");
	is( q_utf8(
			'ej', q{SELECT a.natural_key || '|' || e.title || '|' || e.component || '|'
			        || octet_length(e.title) FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
			        WHERE a.natural_key LIKE '%日本%'}),
		'registry.example/日本:1|日本語|日本|6', 'EUC_JP: Japanese text is stored as EUC_JP');

	my ($ret, $err) = q_utf8_fails('ej',
		"SELECT ctem.ingest(\$r\$"
		  . trivy('registry.example/y:1', 'smile \ud83d\ude00', 'p', 'q') . "\$r\$)");
	isnt($ret, 0, 'EUC_JP: a character it cannot represent is refused');
	like($err, qr/22P05/, 'EUC_JP: with SQLSTATE 22P05 (untranslatable_character)');
	is(q_utf8('ej', "SELECT count(*) FROM ctem.asset WHERE natural_key = 'registry.example/y:1'"),
		'0', 'EUC_JP: nothing is written');
}

# a dump of the EUC_JP database restores, with the same text
{
	my $dump = $node->basedir . '/ej.dump';
	$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('ej') ],
		'EUC_JP: pg_dump');
	$node->safe_psql('postgres',
		"CREATE DATABASE ej2 ENCODING 'EUC_JP' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
	$node->command_ok(
		[ 'pg_restore', '--exit-on-error', '-d', $node->connstr('ej2'), $dump ],
		'EUC_JP: pg_restore');
	my $sql = q{SELECT string_agg(a.natural_key || '|' || e.title || '|' || e.details::text, E'\n'
	            ORDER BY e.id) FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id};
	is(q_utf8('ej2', $sql), q_utf8('ej', $sql), 'EUC_JP: the restored text is the same');
}

done_testing();
