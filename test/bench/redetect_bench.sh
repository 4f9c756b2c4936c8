#!/usr/bin/env bash
# test/bench/redetect_bench.sh: re-detection (ctem.ingest of a report whose
# findings are all known) at the default fillfactor of ctem.exposure against
# a lower one, measured in one run.  Run as root:
#   bash test/bench/redetect_bench.sh [FINDINGS] [FILLFACTOR]
#
# A re-detection updates every known exposure (last_seen at least).  At
# fillfactor 100 the pages are full, so each update writes its new version
# on another page and inserts into every index; with room left on the page
# the update can be HOT (same page, no index entries).  For each fillfactor:
# the first ingest of a FINDINGS-finding Trivy report (default 100000), then
# three re-detections of it, each after a CHECKPOINT, with the share of HOT
# updates (pg_stat_user_tables) and the table's size (with its indexes and
# TOAST) after the first ingest and after the re-detections (no vacuum runs
# in between: what a daily scan meets until autovacuum comes).
set -eu
. "$(dirname "$0")/lib_bench.sh"
N=${1:-100000}
FF=${2:-60}
bench_setup
W=$BENCH_DIR/work
bench_trivy "$N" "$W/report.json"
bench_report_setup "$W/report.json"

run_ff() {
	local ff=$1 first r1 r2 r3
	bench_sql -c "SELECT reset_store()" -c "ALTER TABLE ctem.exposure SET (fillfactor = $ff)" >/dev/null
	first=$(bench_once "CHECKPOINT; SELECT inserted FROM report, ctem.ingest(doc, 'trivy')")
	sleep 1	# the ingest's backend reports its statistics as it exits
	local hot0 upd0 size0
	size0=$(bench_sql -At -c "SELECT pg_total_relation_size('ctem.exposure')")
	read -r upd0 hot0 <<<"$(bench_sql -At -F ' ' -c "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'ctem.exposure'::regclass")"
	r1=$(bench_once "CHECKPOINT; SELECT updated FROM report, ctem.ingest(doc, 'trivy')")
	r2=$(bench_once "CHECKPOINT; SELECT updated FROM report, ctem.ingest(doc, 'trivy')")
	r3=$(bench_once "CHECKPOINT; SELECT updated FROM report, ctem.ingest(doc, 'trivy')")
	sleep 1
	local hot upd size
	read -r upd hot <<<"$(bench_sql -At -F ' ' -c "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'ctem.exposure'::regclass")"
	size=$(bench_sql -At -c "SELECT pg_total_relation_size('ctem.exposure')")
	echo "$ff $first $r1 $r2 $r3 $((upd - upd0)) $((hot - hot0)) $size0 $size"
}

echo "== first ingest and three re-detections of $N findings, fillfactor 100 and $FF"
a=$(run_ff 100)
b=$(run_ff "$FF")
bench_sql -c "ALTER TABLE ctem.exposure RESET (fillfactor)" >/dev/null
awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN {
	split(a, x, " "); split(b, y, " ")
	printf "%-10s %9s %9s %9s %9s %5s %14s %14s\n", "fillfactor", "first ms", "again 1", "again 2", "again 3", "HOT",
		"MB after first", "MB after 3"
	printf "%-10s %9.1f %9.1f %9.1f %9.1f %4.0f%% %14.1f %14.1f\n", x[1], x[2], x[3], x[4], x[5],
		100 * x[7] / (x[6] ? x[6] : 1), x[8] / 1048576, x[9] / 1048576
	printf "%-10s %9.1f %9.1f %9.1f %9.1f %4.0f%% %14.1f %14.1f\n", y[1], y[2], y[3], y[4], y[5],
		100 * y[7] / (y[6] ? y[6] : 1), y[8] / 1048576, y[9] / 1048576
	bx = x[3]; if (x[4] < bx) bx = x[4]; if (x[5] < bx) bx = x[5]
	by = y[3]; if (y[4] < by) by = y[4]; if (y[5] < by) by = y[5]
	printf "fillfactor %d against 100: first ingest %.2fx, best re-detection %.2fx, size %.2fx after the first ingest and %.2fx after three re-detections (no vacuum between)\n",
		y[1], y[2] / x[2], by / bx, y[8] / x[8], y[9] / x[9]
}'
