#!/usr/bin/env bash
# test/bench/ingest_profile.sh: what ctem.ingest costs, counted instead of
# timed.
#
#   bash test/bench/ingest_profile.sh [FINDINGS]
#
# ingest_bench.sh times a Trivy report through ctem.ingest against the same
# ingest in plain SQL over jsonb; on a shared 2-core VM those times vary by
# +-10-30% from run to run, which hides a change of a few percent.  This
# script runs the same statements in a single-user backend under valgrind's
# callgrind, which counts instructions: the same on every run, so a change
# in them is a change in the code (or in PostgreSQL).
#
# Reports of FINDINGS (default 10000) and 2 x FINDINGS findings
# (gen_trivy.py) each go through: ctem.ingest into an empty store, ctem.ingest
# of the same report again (re-detection), and, into an empty store again,
# the plain SQL ingest (bench_sql_ingest_setup).  Each statement reads its
# report with pg_read_file, as in ingest_bench.sh.  The difference between
# the two sizes is the cost of FINDINGS more findings, without what a call
# pays once; printed per finding, with the plain SQL / ctem.ingest ratio.
#
# Instructions are not time (a cache miss or a page fault costs more than
# an instruction): use this to compare versions of the code; the time ratio
# the goal is stated in comes from ingest_bench.sh.  Needs valgrind
# (installed here if missing); takes about 5 minutes with the defaults.
set -eu
N=${1:-10000}
. "$(dirname "$0")/lib_bench.sh"
bench_need_valgrind
bench_setup
bench_sql_ingest_setup
W=$BENCH_DIR/work
bench_trivy "$N" "$W/r1.json"
bench_trivy $((2 * N)) "$W/r2.json"
ctem_stop "$BENCH_DIR"

reset_store() {
	echo "TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event RESTART IDENTITY CASCADE" \
		| bench_single > "$W/reset.log" 2>&1
}
# profile SQL -> instructions of that one statement (PortalRun: exported,
# and not called again inside the statements profiled here)
profile() {
	local out=$W/cg.$RANDOM
	echo "$1" | bench_single valgrind --tool=callgrind --toggle-collect=PortalRun \
		--callgrind-out-file="$out" > "$W/valgrind.log" 2>&1
	grep -q ERROR "$W/valgrind.log" && { cat "$W/valgrind.log" >&2; exit 1; }
	callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", ""); print $1 }'
}

echo "== ctem.ingest and plain SQL of $N and $((2 * N)) Trivy findings, under callgrind"
for k in 1 2; do
	R=$W/r$k.json
	reset_store
	c[$k]=$(profile "SELECT findings FROM ctem.ingest(pg_read_file('$R'), 'trivy')")
	a[$k]=$(profile "SELECT findings FROM ctem.ingest(pg_read_file('$R'), 'trivy')")
	reset_store
	s[$k]=$(profile "SELECT sql_ingest(pg_read_file('$R'))")
done
awk -v n="$N" -v c1="${c[1]}" -v c2="${c[2]}" -v a1="${a[1]}" -v a2="${a[2]}" \
	-v s1="${s[1]}" -v s2="${s[2]}" 'BEGIN {
	c = (c2 - c1) / n; a = (a2 - a1) / n; s = (s2 - s1) / n
	printf "%-44s %12s\n", "per finding (marginal)", "instr."
	printf "%-44s %12.0f\n", "ctem.ingest, new findings", c
	printf "%-44s %12.0f\n", "ctem.ingest again (re-detection)", a
	printf "%-44s %12.0f\n", "plain SQL over jsonb, new findings", s
	printf "plain SQL executes %.2fx the instructions of ctem.ingest\n", s / c
	printf "whole statements of %d findings: ctem.ingest %.0f, again %.0f, plain SQL %.0f million\n",
		2 * n, c2 / 1e6, a2 / 1e6, s2 / 1e6
}'
