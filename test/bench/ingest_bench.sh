#!/usr/bin/env bash
# test/bench/ingest_bench.sh: discovery throughput and memory, as ratios
# measured in one run.  Run as root:
#   bash test/bench/ingest_bench.sh [FINDINGS] [COPY_ROWS] [BIG_MB]
#
# 1. A FINDINGS-finding Trivy report (default 100000) through ctem.ingest,
#    against the same ingest written in plain SQL with jsonb functions
#    (same asset, same rows into ctem.exposure through the same triggers).
#    Then one more run of each in a fresh backend, with its page faults.
# 2. COPY of COPY_ROWS rows (default 1000000) into ctem.exposure with all
#    its triggers (fingerprint, merge probe, scoring, FK), against COPY of
#    the same file into a same-shape table (same columns, primary key and
#    unique index) without triggers or foreign key: COPY_PAIRS pairs
#    (default 5), each measured back to back, ratio = median of the pairs'
#    ratios (printed with their range).  Then, for scale, the
#    rows as the trigger left them (scored) copied into that table without
#    any trigger: what the added columns and index entries alone cost.
# Each timed statement starts after a CHECKPOINT (untimed), so that no run
# pays for writing out the dirty buffers of the one before.
# 3. Peak resident anonymous memory of the backend while ingesting a
#    Trivy report of about BIG_MB megabytes (default 50), against its size.
set -eu
. "$(dirname "$0")/lib_bench.sh"
N=${1:-100000}
COPY_ROWS=${2:-1000000}
BIG_MB=${3:-50}
bench_setup
W=$BENCH_DIR/work
mkdir -p "$W"

echo "== generating reports"
python3 "$CTEM_ROOT/test/bench/gen_trivy.py" -n "$N" -o "$W/report.json"
chown -R postgres: "$W"
SIZE=$(stat -c %s "$W/report.json")

bench_report_setup "$W/report.json"
bench_sql_ingest_setup

echo "== 1. ingest of a $N-finding Trivy report ($((SIZE / 1024)) kB)"
c_ms=$(bench_ms "SELECT reset_store(); CHECKPOINT; SELECT findings FROM report, ctem.ingest(doc, 'trivy')")
check_c=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure")
s_ms=$(bench_ms "SELECT reset_store(); CHECKPOINT; SELECT sql_ingest(doc) FROM report")
check_s=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure")
r_ms=$(bench_ms "CHECKPOINT; SELECT count(*) FROM report, ctem.ingest(doc, 'trivy')")
awk -v n="$N" -v c="$c_ms" -v s="$s_ms" -v r="$r_ms" -v cc="$check_c" -v cs="$check_s" 'BEGIN {
	printf "exposures written: ctem.ingest %d, plain SQL %d\n", cc, cs
	printf "%-40s %9.1f ms  %9.0f findings/s\n", "ctem.ingest (C parser)", c, n / (c / 1000)
	printf "%-40s %9.1f ms  %9.0f findings/s\n", "plain SQL over jsonb", s, n / (s / 1000)
	printf "%-40s %9.1f ms  %9.0f findings/s\n", "ctem.ingest again (re-detection)", r, n / (r / 1000)
	printf "ctem.ingest is %.2fx faster than plain SQL\n", s / c
}'
# one more run of each in a fresh backend, counting its page faults; the
# report's text (read by both sides) is measured alone for reference
read -r rf_ms rf_pf <<<"$(bench_faults "" "SELECT octet_length(doc) FROM report")"
read -r cf_ms cf_pf <<<"$(bench_faults "SELECT reset_store(); CHECKPOINT;" \
	"SELECT findings FROM report, ctem.ingest(doc, 'trivy')")"
read -r sf_ms sf_pf <<<"$(bench_faults "SELECT reset_store(); CHECKPOINT;" "SELECT sql_ingest(doc) FROM report")"
awk -v n="$N" -v rt="$rf_ms" -v rp="$rf_pf" -v ct="$cf_ms" -v cp="$cf_pf" -v st="$sf_ms" -v sp="$sf_pf" 'BEGIN {
	printf "page faults of one run in a fresh backend:\n"
	printf "  %-38s %9.1f ms  %8d faults\n", "reading the report text only", rt, rp
	printf "  %-38s %9.1f ms  %8d faults  (%.2f per finding)\n", "ctem.ingest", ct, cp, cp / n
	printf "  %-38s %9.1f ms  %8d faults  (%.2f per finding)\n", "plain SQL over jsonb", st, sp, sp / n
}'

echo "== 2. COPY of $COPY_ROWS rows"
bench_sql -c "SELECT reset_store()"
bench_copy_setup 10000 "$COPY_ROWS" "$W/rows.csv"
COLS=$COPY_COLS
# COPY_PAIRS pairs (default 5), each COPY with triggers followed at once by
# the COPY without: the ratio is the median of the pairs' ratios
read -r c_med c_min c_max t_ms p_ms <<<"$(bench_pairs "${COPY_PAIRS:-5}" \
	"TRUNCATE ctem.exposure RESTART IDENTITY CASCADE; CHECKPOINT; COPY ctem.exposure ($COLS) FROM '$W/rows.csv' (FORMAT csv)" \
	"TRUNCATE plain_exposure; CHECKPOINT; COPY plain_exposure ($COLS) FROM '$W/rows.csv' (FORMAT csv)")"
check_t=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure WHERE priority IS NOT NULL")
# what the scored data alone costs: the rows as the trigger left them
# (scores, priority, SLA, intel columns, with and without the explanation)
# copied into the same-shape table, no trigger involved
SCORED="risk_score, priority, sla_due, kev, epss"
bench_sql -c "COPY (SELECT $COLS, $SCORED, score_explain FROM ctem.exposure ORDER BY id) TO '$W/scored.csv' (FORMAT csv)"
bench_sql -c "COPY (SELECT $COLS, $SCORED FROM ctem.exposure ORDER BY id) TO '$W/scored_noexplain.csv' (FORMAT csv)"
se_ms=$(bench_ms "TRUNCATE plain_exposure; CHECKPOINT; COPY plain_exposure ($COLS, $SCORED, score_explain) FROM '$W/scored.csv' (FORMAT csv)")
sn_ms=$(bench_ms "TRUNCATE plain_exposure; CHECKPOINT; COPY plain_exposure ($COLS, $SCORED) FROM '$W/scored_noexplain.csv' (FORMAT csv)")
awk -v n="$COPY_ROWS" -v t="$t_ms" -v p="$p_ms" -v ct="$check_t" -v se="$se_ms" -v sn="$sn_ms" \
	-v med="$c_med" -v lo="$c_min" -v hi="$c_max" -v pairs="${COPY_PAIRS:-5}" 'BEGIN {
	printf "rows scored by the trigger: %d\n", ct
	printf "%-52s %9.1f ms  %9.0f rows/s (best)\n", "COPY into ctem.exposure (triggers)", t, n / (t / 1000)
	printf "%-52s %9.1f ms  %9.0f rows/s (best)\n", "COPY into same-shape table", p, n / (p / 1000)
	printf "COPY with triggers takes %.2fx the time of COPY without (median of %d pairs; range %.2f-%.2f)\n", med, pairs, lo, hi
	printf "-- the scored rows without any trigger, into the same-shape table:\n"
	printf "%-52s %9.1f ms  = %.2fx the unscored COPY\n", "scored columns, no score_explain", sn, sn / p
	printf "%-52s %9.1f ms  = %.2fx the unscored COPY\n", "scored columns and score_explain (parsed as text)", se, se / p
}'

echo "== 3. memory for a ~${BIG_MB} MB report"
BIGN=$(( BIG_MB * 1024 * 1024 / (SIZE / N) ))
python3 "$CTEM_ROOT/test/bench/gen_trivy.py" -n "$BIGN" -o "$W/big.json"
chown postgres: "$W/big.json"
BIGSIZE=$(stat -c %s "$W/big.json")
bench_sql -c "SELECT reset_store()" >/dev/null
# one backend: note its pid, sample its RssAnon every 10 ms while it ingests
PIDFILE=$W/pid
{
	echo "SELECT pg_backend_pid() \\g $PIDFILE"
	echo "SELECT pg_sleep(0.5);"
	echo "SELECT findings FROM ctem.ingest(pg_read_file('$W/big.json'), 'trivy');"
} | $PSQL -d $BENCH_DB -At >/dev/null &
CLIENT=$!
for _ in $(seq 100); do [ -s "$PIDFILE" ] && break; sleep 0.05; done
BPID=$(grep -Eo '[0-9]+' "$PIDFILE" | head -n 1)
base=$(awk '/^RssAnon/ {print $2}' /proc/"$BPID"/status)
peak=$base
while kill -0 "$CLIENT" 2>/dev/null; do
	cur=$(awk '/^RssAnon/ {print $2}' /proc/"$BPID"/status 2>/dev/null || echo 0)
	[ -n "$cur" ] && [ "$cur" -gt "$peak" ] && peak=$cur
	sleep 0.01
done
wait "$CLIENT"
awk -v size="$BIGSIZE" -v base="$base" -v peak="$peak" -v n="$BIGN" 'BEGIN {
	grow = (peak - base) * 1024
	printf "report: %.1f MB, %d findings\n", size / 1048576, n
	printf "backend RssAnon: %.1f MB before, %.1f MB peak, growth %.1f MB = %.2fx the report\n",
		base / 1024, peak / 1024, grow / 1048576, grow / size
}'
