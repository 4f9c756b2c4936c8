#!/usr/bin/env bash
# test/bench/graph_bench.sh: the attack graph's costs (issue 23), measured in
# one run on an enterprise-shaped graph (test/bench/gen_graph.py: DMZ, app,
# DB, domain-controller and workstation tiers, jump hosts and DCs as hubs,
# segments, KEV/EPSS-bearing exposures) at each size of GRAPH_SIZES.  Run as
# root:
#   bash test/bench/graph_bench.sh
#   GRAPH_SIZES="10000:100000" bash test/bench/graph_bench.sh     (quick)
#
# For each ASSETS:EDGES size (default "10000:100000 100000:1000000"), in a
# new database: the graph is loaded by COPY (edges after the exposures,
# with the tenant's change log started first, as docs/attack-paths.md
# advises for bulk loads), then, for one crown jewel J (the median of the
# reachable jewels by best path probability):
#   - cold: ctem.attack_paths(J) as the first call of a fresh backend (the
#     cache build), GRAPH_COLD_RUNS backends (default 3), median;
#   - the cache of that backend: the size of its "ctem graph" memory context
#     (pg_backend_memory_contexts.total_bytes);
#   - warm: ctem.attack_paths(J) again in one backend, GRAPH_WARM_RUNS times
#     (default 7), median; and with max_hops => 64;
#   - warm in that backend: chokepoints(20), blast_radius of a jump host
#     (max_hops 6), reachable_assets(), fix_plan(10), attack_paths() for
#     every jewel;
#   - the refresh after one edge change: INSERT of one edge in a transaction
#     in the warm backend; its statement trigger writes the log row and
#     recomputes the path factors on the cached graph patched with the edge
#     (docs/attack-paths.md, "Patching the cached graph"), so the INSERT's
#     time is the refresh's; then reachable_assets() on the patched graph;
#   - where pgRouting is installed (postgresql-NN-pgrouting): pgr_dijkstra
#     on the same graph, from a super-source joined at cost 0 to every entry
#     point, to J, with cost -ln(step probability).  The step probabilities
#     are computed once by SQL, untimed, exactly as ctem's model defines
#     them (docs/attack-paths.md): probability x (when exploit_required) the
#     target's exploitability 1 - prod(1 - L x V) over its open exposures'
#     stored score factors, or the active policy's exploit_baseline.  Both
#     must give the same best path (probability within 1e-9; the same asset
#     path, or a tie of equal probability); ctem with max_hops => 64, as
#     pgr_dijkstra has no hop limit.  The speed ratio is pgr_dijkstra's best
#     time over ctem's warm median.
# Each figure is printed next to its goal from issue 23 (the goals are for
# 100k assets / 1M edges).  Parallel query is off (per-process costs).
set -eu
. "$(dirname "$0")/lib_bench.sh"
SIZES=${GRAPH_SIZES:-"10000:100000 100000:1000000"}
COLD_RUNS=${GRAPH_COLD_RUNS:-3}
WARM_RUNS=${GRAPH_WARM_RUNS:-7}
PGR_RUNS=${GRAPH_PGR_RUNS:-3}
bench_setup
W=$BENCH_DIR/work
mkdir -p "$W"
chown postgres: "$W"
PGR=no
[ -f "$($PGC --sharedir)/extension/pgrouting.control" ] && PGR=yes

# psql session of a script on stdin: prints "label ms" for each statement
# that follows a line "\echo T label", and "name value" for each "\echo V
# name value"; query output is discarded
session() {
	{
		echo '\o /dev/null'
		echo 'SET max_parallel_workers_per_gather = 0;'
		echo '\timing on'
		cat
	} | $PSQL -d $BENCH_DB -At 2>&1 |
		awk '/^T / {label = $2; next}
			/^Time: / {if (label != "") print label, $2; label = ""; next}
			/^V / {print $2, $3; next}
			/ctem: read the attack graph of tenant [0-9]+ in / {sub(/^.*ctem: read the attack graph of tenant [0-9]+ in /, ""); print "phases", $0; next}
			/ERROR|FATAL/ {print "error", $0}'
}

median_of() {	# median of the numbers on stdin
	sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# row GOAL_TEXT WHAT VALUE UNIT [GOAL_LIMIT]: one line of the table; with a
# limit, "met" or "NOT met" (only judged on the 100k size)
row() {
	local what=$1 value=$2 unit=$3 goal=${4:-} verdict=""
	if [ -n "$goal" ] && [ "$JUDGE" = yes ]; then
		verdict=$(awk -v v="$value" -v g="$goal" 'BEGIN {print (v + 0 <= g + 0) ? "met" : "NOT met"}')
	fi
	printf "  %-52s %12s %-3s %-12s %s\n" "$what" "$value" "$unit" "${goal:+<= $goal $unit}" "$verdict"
}

run_size() {
	local n=$1 m=$2 dir=$W/g$1
	echo "== $n assets, $m edges"
	python3 "$CTEM_ROOT/test/bench/gen_graph.py" -n "$n" -m "$m" -o "$dir"
	chown -R postgres: "$dir"
	echo "  generated: $(paste -sd ' ' "$dir/summary.txt")"
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
	bench_sql -c 'CREATE EXTENSION ctem'
	session <<SQL | awk 'BEGIN {printf "  load (ms):"} {printf " %s %s", $1, $2} END {print ""}'
\echo T intel
COPY ctem.vuln_intel (cve_id, kev, epss) FROM '$dir/intel.csv' (FORMAT csv);
\echo T assets
COPY ctem.asset (id, kind, natural_key, internet_facing, crown_jewel, tags, criticality) FROM '$dir/assets.csv' (FORMAT csv);
\timing off
SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('ctem.asset', 'id'), $n);
\timing on
\echo T exposures
COPY ctem.exposure (asset_id, rule_id, component, severity, exploit_maturity, status) FROM '$dir/exposures.csv' (FORMAT csv);
\timing off
SELECT ctem.graph_compact(1);
\timing on
\echo T edges
COPY ctem.asset_edge (id, source_asset_id, target_asset_id, kind, probability, exploit_required) FROM '$dir/edges.csv' (FORMAT csv);
\timing off
SELECT pg_catalog.setval(pg_catalog.pg_get_serial_sequence('ctem.asset_edge', 'id'), $m);
\timing on
\echo T vacuum_analyze
VACUUM ANALYZE;
SQL

	# the jewel: the median of the reachable ones by best path probability
	local jewel njewels reached jump
	read -r jewel njewels reached <<<"$(bench_sql -At -F ' ' -c "
		SELECT (SELECT target FROM (SELECT target, row_number() OVER (ORDER BY probability, target) AS r,
		                                   count(*) OVER () AS c FROM ctem.attack_paths()) s
		        WHERE r = (c + 1) / 2),
		       (SELECT count(*) FROM ctem.asset WHERE crown_jewel),
		       (SELECT count(*) FROM ctem.attack_paths())")"
	jump=$(bench_sql -At -c "SELECT min(id) FROM ctem.asset WHERE tags @> '{jump_host}'")
	echo "  crown jewels $njewels, reachable $reached; the jewel timed: asset $jewel; blast_radius from jump host $jump"

	# cold: the first call of fresh backends, and the cache's size
	local i cold="" cache="" out phases=""
	for i in $(seq "$COLD_RUNS"); do
		out=$(session <<SQL
SET client_min_messages = debug2;
\echo T cold
SELECT count(*) FROM ctem.attack_paths($jewel);
RESET client_min_messages;
\timing off
SELECT pg_catalog.sum(total_bytes) AS b FROM pg_catalog.pg_backend_memory_contexts WHERE name = 'ctem graph' \gset
\echo V cache :b
SQL
)
		cold="$cold $(echo "$out" | awk '$1 == "cold" {print $2}')"
		phases="$phases
      $(echo "$out" | awk '$1 == "phases" {$1 = ""; print substr($0, 2)}')"
		cache=$(echo "$out" | awk '$1 == "cache" {print $2}')
		echo "$out" | grep '^error' || true
	done

	# warm, and the other functions, in one backend
	local script="\\echo T first
SELECT count(*) FROM ctem.attack_paths($jewel);
"
	for i in $(seq "$WARM_RUNS"); do
		script="$script\\echo T warm
SELECT count(*) FROM ctem.attack_paths($jewel);
\\echo T warm64
SELECT count(*) FROM ctem.attack_paths($jewel, max_hops => 64);
"
	done
	script="$script\\echo T keycheck
SELECT count(*) FROM ctem.blast_radius($jump, 1);
\\echo T chokepoints
SELECT count(*) FROM ctem.chokepoints(20);
\\echo T blast_radius
SELECT count(*) FROM ctem.blast_radius($jump);
\\echo T reachable
SELECT count(*) FROM ctem.reachable_assets();
\\echo T fix_plan
SELECT count(*) FROM ctem.fix_plan(10);
\\echo T all_jewels
SELECT count(*) FROM ctem.attack_paths();
BEGIN;
\\echo T refresh_insert
INSERT INTO ctem.asset_edge (source_asset_id, target_asset_id, kind, probability) VALUES (1, $jewel, 'other', 0.5);
\\echo T refresh_query
SELECT count(*) FROM ctem.reachable_assets();
ROLLBACK;
"
	out=$(echo "$script" | session)
	echo "$out" | grep '^error' || true
	local warm warm64 t
	warm=$(echo "$out" | awk '$1 == "warm" {print $2}' | median_of)
	warm64=$(echo "$out" | awk '$1 == "warm64" {print $2}' | median_of)
	t() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }

	# pgRouting on the same graph
	local pgr="" pgr_check=""
	if [ "$PGR" = yes ]; then
		bench_sql -q <<'SQL'
CREATE EXTENSION IF NOT EXISTS pgrouting CASCADE;
CREATE AGGREGATE bench_prod(float8) (sfunc = float8mul, stype = float8, initcond = '1');
-- exploitability of every asset with open exposures, as the engine computes it
CREATE TABLE bench_expl AS
SELECT x.asset_id,
       1 - bench_prod(1 - least(greatest(coalesce((x.score_explain #>> '{factors,L,0}')::float8, 1)
                                         * coalesce((x.score_explain #>> '{factors,V,0}')::float8, 1), 0), 1)
                      ORDER BY x.id) AS expl
FROM ctem.exposure x
WHERE x.tenant_id = 1 AND x.status IN ('open', 'in_progress')
GROUP BY x.asset_id;
CREATE TABLE bench_pgr_edges AS
SELECT e.id, e.source_asset_id AS source, e.target_asset_id AS target,
       -ln(CASE WHEN e.exploit_required
                THEN e.probability * coalesce(x.expl, (SELECT p.exploit_baseline FROM ctem.policy p WHERE p.active))
                ELSE e.probability END) AS cost
FROM ctem.asset_edge e LEFT JOIN bench_expl x ON x.asset_id = e.target_asset_id
WHERE e.tenant_id = 1
UNION ALL
-- the super-source 0, joined at cost 0 to every entry point
SELECT -a.id, 0, a.id, 0 FROM ctem.asset a
WHERE a.tenant_id = 1 AND (a.internet_facing OR a.tags @> '{entry_point}');
VACUUM ANALYZE bench_pgr_edges;
SQL
		local pscript=""
		for i in $(seq "$PGR_RUNS"); do
			pscript="$pscript\\echo T pgr
SELECT count(*) FROM pgr_dijkstra('SELECT id, source, target, cost FROM bench_pgr_edges', 0, $jewel, directed => true);
"
		done
		pgr=$(echo "$pscript" | session | awk '$1 == "pgr" {print $2}' | sort -g | head -n 1)
		pgr_check=$(bench_sql -At -F ' ' <<SQL
WITH d AS (SELECT * FROM pgr_dijkstra('SELECT id, source, target, cost FROM bench_pgr_edges', 0, $jewel, directed => true)),
pg AS (SELECT exp(-(SELECT max(agg_cost) FROM d)) AS prob,
              (SELECT array_agg(node ORDER BY seq) FROM d WHERE node <> 0) AS path),
ct AS (SELECT probability AS prob, path FROM ctem.attack_paths($jewel, 1, 64))
SELECT ct.prob, pg.prob, abs(ct.prob - pg.prob) <= 1e-9, ct.path = pg.path,
       cardinality(ct.path) - 1, cardinality(pg.path) - 1
FROM ct, pg
SQL
)
	fi

	echo "  figure                                                      value     goal (100k/1M)"
	JUDGE=no
	[ "$n" -ge 100000 ] && JUDGE=yes
	row "cold attack_paths(J) (fresh backend; median of $COLD_RUNS)" "$(echo $cold | tr ' ' '\n' | median_of)" ms 400
	echo "    (cold runs: $cold ms; the read's phases (DEBUG2), per run:$phases)"
	row "cache of one backend (\"ctem graph\" context)" "$(awk -v b="$cache" 'BEGIN {printf "%.1f", b / 1048576}')" MB 64
	row "warm attack_paths(J) (median of $WARM_RUNS)" "$warm" ms 20
	row "warm attack_paths(J, max_hops => 64) (median)" "$warm64" ms
	row "warm key check alone (blast_radius(jump, 1))" "$(t keycheck)" ms
	row "chokepoints(20)" "$(t chokepoints)" ms 1000
	row "blast_radius(jump host) (max_hops 6)" "$(t blast_radius)" ms
	row "reachable_assets()" "$(t reachable)" ms
	row "fix_plan(10)" "$(t fix_plan)" ms
	row "attack_paths() for all $reached reachable jewels" "$(t all_jewels)" ms
	row "INSERT one edge (its statement includes the path refresh)" "$(t refresh_insert)" ms 200
	row "then reachable_assets() on the patched graph" "$(t refresh_query)" ms
	if [ "$PGR" = yes ]; then
		local cp pp same samepath ch ph
		read -r cp pp same samepath ch ph <<<"$pgr_check"
		row "pgr_dijkstra from every entry to J (best of $PGR_RUNS)" "$pgr" ms
		awk -v p="$pgr" -v w="$warm" -v j="$JUDGE" 'BEGIN {
			r = p / w
			printf "  %-52s %12.0f %-3s %-12s %s\n", "pgr_dijkstra / warm ctem attack_paths(J)", r, "x", ">= 100 x", (j == "yes") ? ((r >= 100) ? "met" : "NOT met") : "" }'
		echo "  same best path: ctem $cp ($ch hops), pgr_dijkstra $pp ($ph hops); probability within 1e-9: $same; same assets: $samepath"
	else
		echo "  pgRouting is not installed (apt-get install postgresql-$PG_MAJOR-pgrouting): no comparison"
	fi
}

for size in $SIZES; do
	run_size "${size%%:*}" "${size##*:}"
done
