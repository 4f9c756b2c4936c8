#!/usr/bin/env bash
# test/bench/cvss_bench.sh: parse and score 1M CVSS vectors (v2, v3.1, v4.0
# mixed) through ctem.cvss, against casting the same strings to text in the
# same run.  Prints µs per vector and the ratio.  Run as root:
#   bash test/bench/cvss_bench.sh [N]
set -eu
. "$(dirname "$0")/lib_bench.sh"
N=${1:-1000000}
bench_setup

bench_sql <<SQL
CREATE TABLE vec AS
SELECT CASE g % 3
	WHEN 0 THEN 'CVSS:3.1/AV:' || (ARRAY['N','A','L','P'])[1 + g % 4] || '/AC:' || (ARRAY['L','H'])[1 + (g / 4) % 2]
		|| '/PR:' || (ARRAY['N','L','H'])[1 + (g / 8) % 3] || '/UI:' || (ARRAY['N','R'])[1 + (g / 24) % 2]
		|| '/S:' || (ARRAY['U','C'])[1 + (g / 48) % 2] || '/C:' || (ARRAY['N','L','H'])[1 + (g / 96) % 3]
		|| '/I:' || (ARRAY['N','L','H'])[1 + (g / 288) % 3] || '/A:' || (ARRAY['N','L','H'])[1 + (g / 864) % 3]
		|| CASE WHEN g % 7 = 0 THEN '/E:' || (ARRAY['U','P','F','H'])[1 + g % 4] || '/MAV:L/CR:H' ELSE '' END
	WHEN 1 THEN 'CVSS:4.0/AV:' || (ARRAY['N','A','L','P'])[1 + g % 4] || '/AC:' || (ARRAY['L','H'])[1 + (g / 4) % 2]
		|| '/AT:' || (ARRAY['N','P'])[1 + (g / 8) % 2] || '/PR:' || (ARRAY['N','L','H'])[1 + (g / 16) % 3]
		|| '/UI:' || (ARRAY['N','P','A'])[1 + (g / 48) % 3] || '/VC:' || (ARRAY['H','L','N'])[1 + (g / 144) % 3]
		|| '/VI:' || (ARRAY['H','L','N'])[1 + (g / 432) % 3] || '/VA:' || (ARRAY['H','L','N'])[1 + (g / 1296) % 3]
		|| '/SC:' || (ARRAY['H','L','N'])[1 + (g / 3888) % 3] || '/SI:' || (ARRAY['H','L','N'])[1 + (g / 11664) % 3]
		|| '/SA:' || (ARRAY['H','L','N'])[1 + (g / 34992) % 3]
		|| CASE WHEN g % 5 = 0 THEN '/E:' || (ARRAY['A','P','U'])[1 + g % 3] ELSE '' END
	ELSE 'AV:' || (ARRAY['L','A','N'])[1 + g % 3] || '/AC:' || (ARRAY['H','M','L'])[1 + (g / 3) % 3]
		|| '/Au:' || (ARRAY['M','S','N'])[1 + (g / 9) % 3] || '/C:' || (ARRAY['N','P','C'])[1 + (g / 27) % 3]
		|| '/I:' || (ARRAY['N','P','C'])[1 + (g / 81) % 3] || '/A:' || (ARRAY['N','P','C'])[1 + (g / 243) % 3]
		|| CASE WHEN g % 4 = 0 THEN '/E:F/RL:OF/RC:C' ELSE '' END
	END AS v
FROM generate_series(1, $N) g;
VACUUM ANALYZE vec;
SQL
# every generated vector must be valid, or the figures would measure errors
bad=$(bench_sql -At -c "SELECT count(*) FROM vec WHERE ctem.try_cvss(v) IS NULL")
[ "$bad" = 0 ] || { echo "generated $bad invalid vectors"; exit 1; }

base=$(bench_ms "SELECT sum(length(v::text)) FROM vec")
parse=$(bench_ms "SELECT count(v::ctem.cvss) FROM vec")
score=$(bench_ms "SELECT sum(ctem.cvss_score(v::ctem.cvss)) FROM vec")
stored=$(bench_sql -c "CREATE TABLE vc AS SELECT v::ctem.cvss AS c FROM vec" && bench_ms "SELECT sum(ctem.cvss_score(c)) FROM vc")

awk -v n="$N" -v b="$base" -v p="$parse" -v s="$score" -v st="$stored" 'BEGIN {
	printf "vectors: %d (v2, v3.1, v4.0 mixed), best of runs\n", n
	printf "%-44s %10.1f ms  %7.3f us/vector\n", "baseline: cast to text + length()", b, b * 1000 / n
	printf "%-44s %10.1f ms  %7.3f us/vector\n", "parse (text -> ctem.cvss)", p, p * 1000 / n
	printf "%-44s %10.1f ms  %7.3f us/vector\n", "parse + score (cvss_score(v::ctem.cvss))", s, s * 1000 / n
	printf "%-44s %10.1f ms  %7.3f us/vector\n", "score of stored ctem.cvss", st, st * 1000 / n
	printf "parse + score over baseline: %.3f us/vector more, ratio %.2fx\n", (s - b) * 1000 / n, s / b
}'
