#!/usr/bin/env bash
# test/bench/copy_profile.sh: what COPY into ctem.exposure costs, counted
# instead of timed.
#
#   bash test/bench/copy_profile.sh [ROWS] [ASSETS]
#
# ingest_bench.sh times COPY with and without the triggers, but on a shared
# 2-core VM the same COPY varies by +-30% from run to run, which hides any
# change of a few percent.  This script runs the same two COPYs (the rows
# of ingest_bench.sh section 2, ASSETS assets round robin, default 100 rows
# per asset as there) in a single-user backend under valgrind's callgrind,
# which counts instructions and simulates the L1 caches: the figures are
# the same on every run, so a change in them is a change in the code.
#
# Each table is loaded twice, with ROWS and with 2 x ROWS rows; the
# difference is the cost of ROWS more rows, without what a statement pays
# once (catalog lookups, the scorer's bulk load of assets and intel, the
# per-asset reference checks).  Printed: instructions and L1 misses per row
# for COPY into ctem.exposure (all triggers) and into a same-shape table
# without triggers, their ratio, and the trigger functions' share.
#
# Instructions are not time: a cache miss costs more than an instruction
# and the simulated caches are not the real ones.  valgrind also hides the
# CPU's SHA extensions, so fingerprints are hashed by the portable code
# here (about 4,000 instructions a row that SHA-NI does in a fraction).  Use this to compare
# versions of the code; the time ratio the goal is stated in comes from
# ingest_bench.sh.  Needs valgrind (installed here if missing); takes about
# 5 minutes with the defaults.
set -eu
ROWS=${1:-20000}
ASSETS=${2:-$((ROWS / 100))}
. "$(dirname "$0")/lib_bench.sh"
bench_need_valgrind
bench_setup
W=$BENCH_DIR/work
mkdir -p "$W"
chown postgres: "$W"

bench_copy_setup "$ASSETS" $((2 * ROWS)) "$W/rows2.csv"
head -n "$ROWS" "$W/rows2.csv" > "$W/rows1.csv"
chown postgres: "$W"/*.csv
ctem_stop "$BENCH_DIR"

COLS=$COPY_COLS
# profile TABLE FILE -> "Ir D1mr D1mw I1mr" inside DoCopy, then the same four
# inside the BEFORE row trigger (ExecBRInsertTriggers; zeros without one)
profile() {
	local t=$1 f=$2 out=$W/cg.$RANDOM
	printf 'TRUNCATE %s RESTART IDENTITY CASCADE\nCOPY %s (%s) FROM %s (FORMAT csv)\n' \
		"$t" "$t" "$COLS" "'$f'" > "$W/in.sql"
	chown postgres: "$W/in.sql"
	bench_single valgrind --tool=callgrind --cache-sim=yes --toggle-collect=DoCopy \
		--callgrind-out-file="$out" < "$W/in.sql" > "$W/valgrind.log" 2>&1
	# events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
	callgrind_annotate --inclusive=yes --show-percs=no "$out" 2>/dev/null | awk '
		function n(v) { gsub(",", "", v); return v == "." ? 0 : v }
		/PROGRAM TOTALS/ { ir = n($1); i1 = n($4); d1r = n($5); d1w = n($6) }
		/ExecBRInsertTriggers/ && tir == "" { tir = n($1); ti1 = n($4); td1r = n($5); td1w = n($6) }
		END { print ir, d1r, d1w, i1, tir + 0, td1r + 0, td1w + 0, ti1 + 0 }'
}

echo "== COPY of $ROWS and $((2 * ROWS)) rows, $ASSETS assets, under callgrind"
t1=$(profile ctem.exposure "$W/rows1.csv")
t2=$(profile ctem.exposure "$W/rows2.csv")
p1=$(profile plain_exposure "$W/rows1.csv")
p2=$(profile plain_exposure "$W/rows2.csv")
echo "$t1 $t2 $p1 $p2" | awk -v n="$ROWS" '{
	# marginal cost of n more rows = run with 2n - run with n; fields 1-8
	# of each run as profile() prints them
	ti = ($9 - $1) / n; td = ($10 + $11 - $2 - $3) / n; tc = ($12 - $4) / n
	gi = ($13 - $5) / n; gd = ($14 + $15 - $6 - $7) / n; gc = ($16 - $8) / n
	pi = ($25 - $17) / n; pd = ($26 + $27 - $18 - $19) / n; pc = ($28 - $20) / n
	printf "%-44s %10s %12s %12s\n", "per row (marginal)", "instr.", "L1d misses", "L1i misses"
	printf "%-44s %10.0f %12.1f %12.1f\n", "COPY into ctem.exposure (triggers)", ti, td, tc
	printf "%-44s %10.0f %12.1f %12.1f\n", "  of which in the BEFORE row trigger", gi, gd, gc
	printf "%-44s %10.0f %12.1f %12.1f\n", "COPY into same-shape table", pi, pd, pc
	printf "COPY with triggers executes %.2fx the instructions of COPY without\n", ti / pi
	printf "the trigger: %.0f%% of the added instructions, %.0f%% of the added L1d and %.0f%% of the added L1i misses\n", \
		100 * gi / (ti - pi), 100 * gd / (td - pd), 100 * gc / (tc - pc)
	printf "whole statements of %d rows: %.2fx the instructions\n", 2 * n, $9 / $25
}'
