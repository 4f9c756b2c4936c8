#!/usr/bin/env bash
# test/bench/ab_bench.sh: two versions of ctem's C code on the same
# workload, interleaved, so that both meet the same drift of the machine.
# Run as root:
#   bash test/bench/ab_bench.sh OLD_REV NEW_REV [ingest|redetect|copy] [ROUNDS] [SIZE]
#
# On the shared 2-core VMs this project is measured on, one run of a
# statement varies by 10-30% from the next; two versions measured one after
# the other can differ by more than the change being measured.  Here each
# round runs the workload once under each version's ctem.so, swapped into
# the server's library directory between runs (every run is a fresh backend,
# which loads the library anew), and the summary is the median of the
# rounds' NEW / OLD time ratios, with their range and how many rounds NEW
# was faster.
#
# Workloads:
#   ingest  ctem.ingest of a SIZE-finding Trivy report (default 100000) into
#           an empty store (ingest_bench.sh section 1)
#   redetect  the same report ingested again, every finding a re-detection
#           (the first ingest of each run is not timed)
#   copy    COPY of SIZE rows (default 1000000) into ctem.exposure with its
#           triggers, and into the same-shape table without (ingest_bench.sh
#           section 2); also prints each version's median ratio to that
#           COPY without triggers
# ROUNDS defaults to 8.
#
# Only the shared library is swapped, so the two revisions (and this tree,
# whose extension scripts are installed) must have the same extension
# scripts and control file: the schema's source sql/src/ (from which the
# Makefile builds sql/ctem--VERSION.sql), the upgrade steps
# sql/ctem--A--B.sql and ctem.control.  The script checks that and refuses
# otherwise (so no revision before the 0.5.0 layout, 6826e46, can be
# compared with one after it).
set -eu
if [ $# -lt 2 ]; then
	sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi
OLD_REV=$1
NEW_REV=$2
WORK=${3:-ingest}
ROUNDS=${4:-8}
. "$(dirname "$0")/lib_bench.sh"
case $WORK in
ingest | redetect) SIZE=${5:-100000} ;;
copy) SIZE=${5:-1000000} ;;
*) echo "workload must be ingest, redetect or copy, not \"$WORK\"" >&2; exit 2 ;;
esac

cd "$CTEM_ROOT"
for rev in "$OLD_REV" "$NEW_REV"; do
	git rev-parse --verify -q "$rev^{commit}" >/dev/null || { echo "no such revision: $rev" >&2; exit 2; }
	if ! git diff --quiet "$rev" -- ctem.control sql/src 'sql/ctem--*--*.sql'; then
		echo "the extension scripts of $rev differ from this tree's: only the C code can be compared" >&2
		exit 2
	fi
done

bench_setup
LIBDIR=$($PGC --pkglibdir)
SAVED=$(mktemp -d /tmp/ctem-ab.XXXXXX)
cp "$LIBDIR/ctem.so" "$SAVED/installed.so"
trap 'cp "$SAVED/installed.so" "$LIBDIR/ctem.so.tmp"; mv -f "$LIBDIR/ctem.so.tmp" "$LIBDIR/ctem.so";
	bench_cleanup; rm -rf "$SAVED"' EXIT
# build each revision's ctem.so from a clean export of it
build_rev() {
	local rev=$1 out=$2 src
	src=$SAVED/src-$out
	mkdir -p "$src"
	git archive "$rev" | tar -x -C "$src"
	make -C "$src" -s -j2 PG_CONFIG=$PGC PG_CFLAGS="$CTEM_CFLAGS" >/dev/null
	cp "$src/ctem.so" "$SAVED/$out.so"
}
echo "== building $OLD_REV and $NEW_REV"
build_rev "$OLD_REV" old
build_rev "$NEW_REV" new

use() {
	cp "$SAVED/$1.so" "$LIBDIR/ctem.so.tmp"
	mv -f "$LIBDIR/ctem.so.tmp" "$LIBDIR/ctem.so"
}
W=$BENCH_DIR/work
mkdir -p "$W"
chown postgres: "$W"

if [ "$WORK" != copy ]; then
	bench_trivy "$SIZE" "$W/report.json"
	bench_report_setup "$W/report.json"
	I="SELECT findings FROM report, ctem.ingest(doc, 'trivy')"
	if [ "$WORK" = ingest ]; then
		Q="SELECT reset_store(); CHECKPOINT; $I"
		echo "== ctem.ingest of a $SIZE-finding Trivy report, $ROUNDS rounds (ms)"
	else
		Q="SELECT reset_store(); $I; CHECKPOINT; $I"
		echo "== ctem.ingest of a $SIZE-finding Trivy report again (re-detection), $ROUNDS rounds (ms)"
	fi
	printf "%-6s %10s %10s %8s\n" round old new new/old
	for r in $(seq "$ROUNDS"); do
		use old
		o=$(bench_once "$Q")
		use new
		n=$(bench_once "$Q")
		printf "%-6s %10.1f %10.1f %8.3f\n" "$r" "$o" "$n" "$(awk -v a="$n" -v b="$o" 'BEGIN {print a / b}')"
	done | tee "$W/rounds.txt"
	check=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure")
	[ "$check" = "$SIZE" ] || { echo "the last ingest wrote $check exposures, not $SIZE" >&2; exit 1; }
else
	bench_copy_setup 10000 "$SIZE" "$W/rows.csv"
	COLS=$COPY_COLS
	T="TRUNCATE ctem.exposure RESTART IDENTITY CASCADE; CHECKPOINT; COPY ctem.exposure ($COLS) FROM '$W/rows.csv' (FORMAT csv)"
	echo "== COPY of $SIZE rows, $ROUNDS rounds (ms; plain = the same-shape table without triggers)"
	printf "%-6s %10s %10s %10s %8s %8s %8s\n" round plain old new new/old old/plain new/plain
	for r in $(seq "$ROUNDS"); do
		p=$(bench_once "TRUNCATE plain_exposure; CHECKPOINT; COPY plain_exposure ($COLS) FROM '$W/rows.csv' (FORMAT csv)")
		use old
		o=$(bench_once "$T")
		use new
		n=$(bench_once "$T")
		awk -v r="$r" -v p="$p" -v o="$o" -v n="$n" \
			'BEGIN {printf "%-6s %10.1f %10.1f %10.1f %8.3f %8.3f %8.3f\n", r, p, o, n, n / o, o / p, n / p}'
	done | tee "$W/rounds.txt"
	check=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure WHERE priority IS NOT NULL")
	[ "$check" = "$SIZE" ] || { echo "the last COPY scored $check rows, not $SIZE" >&2; exit 1; }
fi

# the ratio columns: 4th (ingest, redetect) or 5th-7th (copy)
awk -v work="$WORK" "$BENCH_AWK_MEDIAN"'
	{
		k++
		if (work != "copy") { r[k] = $4 } else { r[k] = $5; op[k] = $6; np[k] = $7 }
		if (r[k] < 1) faster++
		if (k == 1 || r[k] < lo) lo = r[k]
		if (k == 1 || r[k] > hi) hi = r[k]
	}
	END {
		printf "new / old time: median %.3f (range %.3f-%.3f), new faster in %d of %d rounds\n", median(r, k), lo, hi, faster, k
		if (work == "copy")
			printf "COPY with triggers / without: old median %.3f, new median %.3f\n", median(op, k), median(np, k)
	}' "$W/rounds.txt"
