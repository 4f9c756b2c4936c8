#!/usr/bin/env bash
# test/bench/queue_index_bench.sh: both sides of the trade made by the shape
# of ctem.exposure's work-queue index.  Run as root:
#   bash test/bench/queue_index_bench.sh [ROUNDS] [COPY_ROWS]
#
# exposure_queue_idx is (tenant_id, priority) WHERE status IN ('open',
# 'in_progress') since 0.4.0; before, risk_score DESC was its third key.
# Each round loads COPY_ROWS rows (default 1000000, the rows of
# ingest_bench.sh section 2 over 10,000 assets) into ctem.exposure with all
# its triggers once under each shape, in alternating order, and after each
# load times two queries (best of 3): the first 20 rows of ctem.work_queue,
# and the 10 highest scores of one priority (P2, 5% of the rows) written by
# hand.  Printed: each round's times, the median over the rounds of the
# ratio three-key / shipped for the COPY (with its range and how many rounds
# the shipped shape was faster), the queries' best times and the index sizes.
# ROUNDS defaults to 8.
set -eu
ROUNDS=${1:-8}
COPY_ROWS=${2:-1000000}
. "$(dirname "$0")/lib_bench.sh"
bench_setup
W=$BENCH_DIR/work
mkdir -p "$W"
chown postgres: "$W"
bench_copy_setup 10000 "$COPY_ROWS" "$W/rows.csv"
COLS=$COPY_COLS

# index DDL of each shape
shipped="(tenant_id, priority)"
threekey="(tenant_id, priority, risk_score DESC)"
Q_QUEUE="SELECT count(*) FROM (SELECT * FROM ctem.work_queue LIMIT 20) q"
Q_TOP="SELECT count(*) FROM (SELECT id FROM ctem.exposure WHERE tenant_id = 1 AND priority = 'P2'
	AND status IN ('open', 'in_progress') ORDER BY risk_score DESC LIMIT 10) q"

# run SHAPE -> "copy_ms queue_ms top_ms index_bytes"
run() {
	local cols=$1 c q t s
	bench_sql -c "SET client_min_messages = warning" -c "TRUNCATE ctem.exposure RESTART IDENTITY CASCADE" \
		-c "DROP INDEX ctem.exposure_queue_idx" \
		-c "CREATE INDEX exposure_queue_idx ON ctem.exposure $cols WHERE status IN ('open', 'in_progress')"
	c=$(bench_once "CHECKPOINT; COPY ctem.exposure ($COLS) FROM '$W/rows.csv' (FORMAT csv)")
	bench_sql -c "VACUUM ANALYZE ctem.exposure"
	q=$(bench_ms "$Q_QUEUE")
	t=$(bench_ms "$Q_TOP")
	s=$(bench_sql -At -c "SELECT pg_relation_size('ctem.exposure_queue_idx')")
	echo "$c $q $t $s"
}

echo "== COPY of $COPY_ROWS rows into ctem.exposure under each shape of exposure_queue_idx, $ROUNDS rounds"
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) -eq 1 ]; then
		a=$(run "$shipped")
		b=$(run "$threekey")
	else
		b=$(run "$threekey")
		a=$(run "$shipped")
	fi
	echo "$i $a $b"
done | awk "$BENCH_AWK_MEDIAN"'
	function best(v, k) { return (NR == 1 || v < b[k]) ? v : b[k] }
	{
		printf "round %d: COPY %s: %8.1f ms   %s: %8.1f ms   ratio %.3f\n", $1, "'"$shipped"'", $2, "'"$threekey"'", $6, $6 / $2
		r[NR] = $6 / $2; if ($2 < $6) faster++
		b[1] = best($3, 1); b[2] = best($4, 2); b[3] = best($7, 3); b[4] = best($8, 4)
		s1 = $5; s2 = $9
	}
	END {
		m = median(r, NR)
		printf "COPY with the three-key index takes %.3fx the time of the shipped one (median of %d rounds, range %.3f-%.3f; shipped faster in %d)\n", m, NR, r[1], r[NR], faster
		printf "%-44s %12s %12s\n", "best of all rounds", "shipped", "three-key"
		printf "%-44s %9.1f ms %9.1f ms\n", "first 20 rows of ctem.work_queue", b[1], b[3]
		printf "%-44s %9.1f ms %9.1f ms\n", "10 highest scores of P2, by hand", b[2], b[4]
		printf "%-44s %9.1f MB %9.1f MB\n", "exposure_queue_idx after the COPY", s1 / 1048576, s2 / 1048576
	}'
