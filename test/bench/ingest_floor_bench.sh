#!/usr/bin/env bash
# test/bench/ingest_floor_bench.sh: how fast any ingest of a report could be
# on this machine, against ctem.ingest, measured in one run.  Run as root:
#   bash test/bench/ingest_floor_bench.sh [FINDINGS] [ROUNDS] [PAGES]
#
# Whatever parses a FINDINGS-finding Trivy report (default 100000) must at
# least get the report's text into the backend and store the rows it makes.
# Each round times, each in a fresh connection:
#   read    the report's text alone (octet_length of the view report, as
#           ingest_bench.sh reads it);
#   copy    COPY (FORMAT binary) of exactly the rows one ctem.ingest of the
#           report wrote (every column, scores and explanation included)
#           into a same-shape table with the same indexes and no trigger or
#           foreign key: COPY's buffered multi-insert, but its input
#           functions still parse details and score_explain as JSON text;
#   insert  INSERT ... SELECT of the same rows from a table holding them
#           (in shared buffers) into that table: nothing parsed, one row at
#           a time;
#   ingest  ctem.ingest of the report into an empty store;
# then the same four on a connection that has just done the same work once
# (an ETL job on a pooled connection: a fresh backend faults in every
# shared buffer it touches, which costs more than the work on it on this
# VM); then insert-x, the INSERT with score_explain NULL in every row.
# The floor is read + store, store the faster of copy and insert: no ingest
# that reads this report and stores these rows (no fingerprint, no lookup,
# no scoring, no trigger) can be faster here.  Printed: each round, the best
# of each over ROUNDS (default 5), the floor as findings/s, ctem.ingest
# against it, and what the explanation costs the store.
# PAGES is small (default: the server's memory in 4 kB pages, PostgreSQL's
# and Linux's defaults) or huge (2 MB pages: shared memory with huge_pages =
# on and the backends' large allocations as transparent huge pages, see
# bench_pages_start in lib_bench.sh).
# autovacuum is off on the tables written (bench_report_setup), so that no
# vacuum of one round's rows runs during the next.
set -eu
N=${1:-100000}
ROUNDS=${2:-5}
PAGES=${3:-small}
. "$(dirname "$0")/lib_bench.sh"
case $PAGES in
small) ;;
huge) bench_pages_check ;;
*) echo "PAGES is small or huge, not $PAGES" >&2; exit 1 ;;
esac
bench_setup
W=$BENCH_DIR/work
bench_trivy "$N" "$W/report.json"
bench_report_setup "$W/report.json"

# the rows one ingest writes, kept in two tables (with and without the
# explanation) and a file, and a table of their shape without triggers
bench_sql <<SQL
SELECT reset_store();
SELECT findings FROM report, ctem.ingest(doc, 'trivy');
COPY ctem.exposure TO '$W/rows.bin' (FORMAT binary);
CREATE TABLE floor_source AS SELECT * FROM ctem.exposure;
CREATE TABLE floor_source_x AS SELECT * FROM ctem.exposure;
UPDATE floor_source_x SET score_explain = NULL;
VACUUM ANALYZE floor_source, floor_source_x;
CREATE TABLE floor_exposure (LIKE ctem.exposure INCLUDING DEFAULTS INCLUDING IDENTITY
                             INCLUDING CONSTRAINTS INCLUDING INDEXES);
ALTER TABLE floor_exposure SET (autovacuum_enabled = off);
SQL
rows=$(bench_sql -At -c "SELECT count(*) FROM ctem.exposure")
row_bytes=$(bench_sql -At -c "SELECT round(avg(pg_column_size(e.*))) FROM ctem.exposure e")
SIZE=$(stat -c %s "$W/report.json")
if [ "$PAGES" = huge ]; then
	bench_pages_reserve
	bench_pages_start huge
fi

READ="SELECT octet_length(doc) FROM report"
COPY="TRUNCATE floor_exposure; CHECKPOINT; COPY floor_exposure FROM '$W/rows.bin' (FORMAT binary)"
INSERT="TRUNCATE floor_exposure; CHECKPOINT; INSERT INTO floor_exposure OVERRIDING SYSTEM VALUE SELECT * FROM floor_source"
INSERT_X="TRUNCATE floor_exposure; CHECKPOINT; INSERT INTO floor_exposure OVERRIDING SYSTEM VALUE SELECT * FROM floor_source_x"
INGEST="SELECT reset_store(); CHECKPOINT; SELECT findings FROM report, ctem.ingest(doc, 'trivy')"

echo "== $N findings ($((SIZE / 1048576)) MB of JSON, $rows rows of $row_bytes bytes), $ROUNDS rounds (ms), $PAGES pages"
printf "%-5s %8s %8s %8s %8s | %8s %8s %8s %8s | %8s\n" round read copy insert ingest read copy insert ingest insert-x
printf "%-5s %-35s | %-35s |\n" "" "  in a fresh connection" "  after the same on the connection"
for r in $(seq "$ROUNDS"); do
	t=$(for q in "$READ" "$COPY" "$INSERT" "$INGEST"; do bench_once "$q"; done
		for q in "$READ" "$COPY" "$INSERT" "$INGEST"; do bench_once "$q; $q"; done
		bench_once "$INSERT_X")
	printf "%-5s %8.1f %8.1f %8.1f %8.1f | %8.1f %8.1f %8.1f %8.1f | %8.1f\n" "$r" $t
	check=$(bench_sql -At -c "SELECT (SELECT count(*) FROM ctem.exposure) || ' ' || (SELECT count(*) FROM floor_exposure)")
	if [ "$check" != "$rows $rows" ]; then
		echo "round $r stored $check rows (ctem.exposure, floor_exposure), not $rows each" >&2
		exit 1
	fi
done | tee "$W/rounds.txt"
awk -v n="$N" '$1 ~ /^[0-9]+$/ {
		for (k = 2; k <= 12; k++) if ($k != "|" && (!(k in b) || $k < b[k])) b[k] = $k
	}
	END {
		printf "best of each:\n"
		for (w = 0; w <= 1; w++) {
			o = 2 + 5 * w
			r = b[o]; c = b[o + 1]; i = b[o + 2]; g = b[o + 3]
			s = (c < i) ? c : i
			printf "%s\n", w ? "after the same on the connection:" : "in a fresh connection:"
			printf "  %-36s %9.1f ms\n", "read the report", r
			printf "  %-36s %9.1f ms  (COPY binary %.1f, INSERT ... SELECT %.1f)\n", "store the rows", s, c, i
			printf "  %-36s %9.1f ms  = at most %.0f findings/s\n", "floor: read + store", r + s, n / ((r + s) / 1000)
			printf "  %-36s %9.1f ms  = %.0f findings/s, %.2fx the floor\n", "ctem.ingest", g, n / (g / 1000), g / (r + s)
			printf "  %-36s %9.1f ms\n", "ctem.ingest above the floor", g - r - s
		}
		printf "rows without score_explain (fresh connection): INSERT ... SELECT %.1f ms = %.2fx the rows with it\n", b[12], b[12] / b[4]
	}' "$W/rounds.txt"
