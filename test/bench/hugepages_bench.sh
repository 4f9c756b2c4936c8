#!/usr/bin/env bash
# test/bench/hugepages_bench.sh: what page faults cost ctem.ingest (and the
# ETL COPY) on this machine.  Run as root:
#   bash test/bench/hugepages_bench.sh [FINDINGS] [ROUNDS]
#   bash test/bench/hugepages_bench.sh copy [ROWS] [ROUNDS]
#
# The same FINDINGS-finding Trivy report (default 100000) goes through
# ctem.ingest into an empty store, in a fresh backend, with the server's
# memory in 4 kB pages (PostgreSQL's and Linux's defaults) and in 2 MB pages:
# shared memory with huge_pages = on (vm.nr_hugepages is raised for the run
# and put back after), and the backend's own large allocations (the report
# text, the batches) as transparent huge pages through glibc's
# glibc.malloc.hugetlb=1 tunable.  ROUNDS rounds (default 5), each restarting
# the server under both settings in turn, so that both meet the same drift
# of the machine; medians and their ratio are printed, with the page faults
# of each run and the time of reading the report text alone.
#
# With copy: ROWS rows (default 1000000) are copied into ctem.exposure with
# its triggers and into the same-shape table without them (ingest_bench.sh
# section 2), each in a fresh backend, under both settings; the medians of
# the two ratios (triggers / none) are printed.  A row of ctem.exposure is
# about three times as wide once scored, so the COPY with triggers writes
# three times the pages, and a fresh backend faults in each shared buffer
# it touches.
#
# Why: on a virtual machine the first touch of a 4 kB page can cost more
# than the work done on it (ingest_bench.sh prints the faults of each side);
# this shows how much of ctem.ingest's time that is here.  Nothing in ctem
# depends on the setting: it is the server's configuration
# (https://www.postgresql.org/docs/15/kernel-resources.html#LINUX-HUGE-PAGES).
set -eu
. "$(dirname "$0")/lib_bench.sh"
WORK=ingest
if [ "${1:-}" = copy ]; then
	WORK=copy
	shift
	N=${1:-1000000}
else
	N=${1:-100000}
fi
ROUNDS=${2:-5}
bench_pages_check

bench_setup
W=$BENCH_DIR/work
mkdir -p "$W"
chown postgres: "$W"
if [ "$WORK" = ingest ]; then
	bench_trivy "$N" "$W/report.json"
	SIZE=$(stat -c %s "$W/report.json")
	bench_report_setup "$W/report.json"
else
	bench_copy_setup 10000 "$N" "$W/rows.csv"
fi

bench_pages_reserve

if [ "$WORK" = copy ]; then
	echo "== COPY of $N rows into ctem.exposure (triggers) and the same-shape table (none), $ROUNDS rounds"
	printf "%-6s %-6s %10s %10s %10s %10s %8s\n" round pages "none ms" faults "trig ms" faults ratio
	for r in $(seq "$ROUNDS"); do
		for arm in small huge; do
			bench_pages_start $arm
			read -r pm pp <<<"$(bench_faults "TRUNCATE plain_exposure; CHECKPOINT;" \
				"COPY plain_exposure ($COPY_COLS) FROM '$W/rows.csv' (FORMAT csv)")"
			read -r tm tp <<<"$(bench_faults "TRUNCATE ctem.exposure RESTART IDENTITY CASCADE; CHECKPOINT;" \
				"COPY ctem.exposure ($COPY_COLS) FROM '$W/rows.csv' (FORMAT csv)")"
			printf "%-6s %-6s %10.1f %10d %10.1f %10d %8.3f\n" "$r" $arm "$pm" "$pp" "$tm" "$tp" \
				"$(awk -v a="$tm" -v b="$pm" 'BEGIN {print a / b}')"
		done
	done | tee "$W/runs.txt"
	check=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure WHERE priority IS NOT NULL")
	[ "$check" = "$N" ] || { echo "the last COPY scored $check rows, not $N" >&2; exit 1; }
	awk "$BENCH_AWK_MEDIAN"'
		$2 == "small" { s[++ns] = $7; sp[ns] = $3; st[ns] = $5 }
		$2 == "huge"  { h[++nh] = $7; hp[nh] = $3; ht[nh] = $5 }
		END {
			printf "4 kB pages: COPY with triggers / without, median %.3f (none %.1f ms, triggers %.1f ms)\n", median(s, ns), median(sp, ns), median(st, ns)
			printf "2 MB pages: COPY with triggers / without, median %.3f (none %.1f ms, triggers %.1f ms)\n", median(h, nh), median(hp, nh), median(ht, nh)
		}' "$W/runs.txt"
	exit 0
fi

echo "== ctem.ingest of a $N-finding Trivy report ($((SIZE / 1024)) kB), $ROUNDS rounds"
printf "%-6s %-6s %12s %10s %14s %10s\n" round pages "ingest ms" faults "read-only ms" faults
for r in $(seq "$ROUNDS"); do
	for arm in small huge; do
		bench_pages_start $arm
		read -r rm rp <<<"$(bench_faults "" "SELECT octet_length(doc) FROM report")"
		read -r im ip <<<"$(bench_faults "SELECT reset_store(); CHECKPOINT;" \
			"SELECT findings FROM report, ctem.ingest(doc, 'trivy')")"
		printf "%-6s %-6s %12.1f %10d %14.1f %10d\n" "$r" $arm "$im" "$ip" "$rm" "$rp"
	done
done | tee "$W/runs.txt"
check=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure")
awk -v n="$N" -v check="$check" "$BENCH_AWK_MEDIAN"'
	$2 == "small" { s[++ns] = $3; sr[ns] = $5 }
	$2 == "huge"  { h[++nh] = $3; hr[nh] = $5 }
	END {
		ms = median(s, ns); mh = median(h, nh); rs = median(sr, ns); rh = median(hr, nh)
		printf "exposures written by the last run: %d\n", check
		printf "%-34s %9.1f ms  %7.0f findings/s  (report read alone %.1f ms)\n", "4 kB pages, median", ms, n / (ms / 1000), rs
		printf "%-34s %9.1f ms  %7.0f findings/s  (report read alone %.1f ms)\n", "2 MB pages, median", mh, n / (mh / 1000), rh
		printf "ctem.ingest with 2 MB pages takes %.2fx the time with 4 kB pages\n", mh / ms
	}' "$W/runs.txt"
