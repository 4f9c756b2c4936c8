# test/bench/lib_bench.sh: shared by the benchmark scripts (sourced).
# Builds and installs ctem, starts a throwaway cluster in $BENCH_DIR, and
# offers bench_ms "SQL" (best of $BENCH_RUNS runs, in ms, from psql \timing,
# on one core: parallel query is off so that figures are per-process costs).
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
ctem_require_root
BENCH_DIR=${BENCH_DIR:-/tmp/ctem-bench}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_DB=ctem_bench
# a server sized like a real one (the same for both sides of every ratio)
export CTEM_PG_OPTS=${CTEM_PG_OPTS:--c shared_buffers=2GB -c max_wal_size=16GB -c checkpoint_timeout=1h}

# for the scripts' awk summaries: median(a, k), the median of a[1..k],
# which it sorts in place
BENCH_AWK_MEDIAN='
	function median(a, k,    i, j, t) {
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
'

# bench_cleanup: stops the bench cluster and removes it (bench_setup's exit
# trap; scripts that set their own trap call it from theirs)
bench_cleanup() {
	ctem_stop "$BENCH_DIR"
	rm -rf "$BENCH_DIR"
}

bench_setup() {
	cd "$CTEM_ROOT"
	ctem_packages
	ctem_build
	ctem_start "$BENCH_DIR"
	trap bench_cleanup EXIT
	PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1"
	$PSQL -d postgres -c "DROP DATABASE IF EXISTS $BENCH_DB" -c "CREATE DATABASE $BENCH_DB"
	$PSQL -d $BENCH_DB -c 'CREATE EXTENSION ctem'
}

bench_sql() {
	$PSQL -d $BENCH_DB "$@"
}

# one run of SQL (its last statement timed), in ms
bench_once() {
	{ echo 'SET max_parallel_workers_per_gather = 0;'; echo '\timing on'; echo "$1"; } \
		| $PSQL -d $BENCH_DB -o /dev/null 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}

# best wall time in ms over BENCH_RUNS runs of the LAST statement of SQL
# (earlier statements, such as a TRUNCATE, prepare each run untimed)
bench_ms() {
	local sql=$1 best="" t i
	for i in $(seq "$BENCH_RUNS"); do
		t=$(bench_once "$sql")
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	echo "$best"
}

# bench_faults "PREP" "SQL": one run in a fresh backend of PREP (untimed)
# then SQL; prints "<ms> <faults>": SQL's wall time and the page faults the
# backend took meanwhile (minor + major, /proc/PID/stat).  Almost all are a
# first touch of a page (private memory, or a shared buffer this backend has
# not mapped yet), and on a virtual machine each can cost more than the work
# done on the page.
bench_faults() {
	{
		echo 'SET max_parallel_workers_per_gather = 0;'
		echo "$1"
		echo 'SELECT pg_backend_pid() AS bench_pid \gset'
		echo '\setenv BENCH_PID :bench_pid'
		echo '\! echo "faults_before $(awk '"'"'{print $10 + $12}'"'"' /proc/$BENCH_PID/stat)"'
		echo '\timing on'
		echo "${2%;};"
		echo '\timing off'
		echo '\! echo "faults_after $(awk '"'"'{print $10 + $12}'"'"' /proc/$BENCH_PID/stat)"'
	} | $PSQL -d $BENCH_DB -At 2>&1 |
		awk '/^faults_before/ {b = $2} /^Time: / {t = $2} /^faults_after/ {a = $2}
			END {printf "%s %d\n", t, a - b}'
}

# bench_rounds N "SQL 1" "SQL 2" ...: N rounds, each running every SQL once
# in turn, so that all of them meet the same drift of the machine; prints
# each one's best time in ms over the rounds, space-separated, in order.
bench_rounds() {
	local n=$1 i q
	shift
	for i in $(seq "$n"); do
		for q in "$@"; do
			bench_once "$q"
		done | paste -sd ' '
	done | awk '{ for (k = 1; k <= NF; k++) if (NR == 1 || $k < b[k]) b[k] = $k }
		END { for (k = 1; k <= NF; k++) printf "%s%.1f", (k > 1 ? " " : ""), b[k]; printf "\n" }'
}

# bench_pairs N "SQL A" "SQL B": N pairs, A then B back to back, so that
# both sides of each ratio meet the same machine (on a shared VM the speed
# drifts over minutes).  Prints "median min max A_best B_best": the
# median, smallest and largest A/B ratio of the pairs, and each side's best
# time in ms.
bench_pairs() {
	local n=$1 a=$2 b=$3 i ta tb
	for i in $(seq "$n"); do
		ta=$(bench_once "$a")
		tb=$(bench_once "$b")
		echo "$ta $tb"
	done | awk "$BENCH_AWK_MEDIAN"'{ r[NR] = $1 / $2; if (NR == 1 || $1 < ba) ba = $1; if (NR == 1 || $2 < bb) bb = $2 }
		END {
			m = median(r, NR)	# sorts r
			printf "%.3f %.3f %.3f %.1f %.1f\n", m, r[1], r[NR], ba, bb }'
}

# The COPY benchmark's data (ingest_bench.sh section 2, ab_bench.sh copy):
# bench_copy_setup ASSETS ROWS FILE adds ASSETS hosts, creates
# plain_exposure (ctem.exposure's shape, no triggers) and writes ROWS rows
# for COPY ... (COPY_COLS) to FILE, naming the assets round robin.
# Autovacuum is off on both tables: it vacuums and analyzes a table in the
# minute after a COPY loads it, so a timed COPY shared the 2 cores with the
# vacuum of the table the previous one had loaded (pg_stat_activity showed
# VACUUM ANALYZE ctem.exposure running during the next COPY).  The assets
# are vacuumed and analyzed here, before any timing.
COPY_COLS="asset_id, rule_id, severity, component, component_version, sources, fingerprint"
bench_copy_setup() {
	local assets=$1 rows=$2 file=$3
	bench_sql <<SQL
INSERT INTO ctem.asset (kind, natural_key, criticality, internet_facing)
SELECT 'host', 'host-' || g || '.example.com', 1 + g % 5, g % 4 = 0 FROM generate_series(1, $assets) g;
CREATE TABLE plain_exposure (LIKE ctem.exposure INCLUDING DEFAULTS INCLUDING IDENTITY
                             INCLUDING CONSTRAINTS INCLUDING INDEXES);
ALTER TABLE ctem.exposure SET (autovacuum_enabled = off);
ALTER TABLE plain_exposure SET (autovacuum_enabled = off);
VACUUM ANALYZE ctem.asset;
COPY (SELECT 1 + g % $assets AS asset_id, 'CVE-20' || (10 + g % 15) || '-' || (10000 + g % 100000) AS rule_id,
             (ARRAY['low','medium','high','critical'])[1 + g % 4] AS severity,
             'pkg' || (g / 10000) AS component, '1.' || g % 30 AS component_version,
             '{scanner-etl}' AS sources, gen_random_uuid() AS fingerprint
      FROM generate_series(1, $rows) g) TO '$file' (FORMAT csv);
SQL
}

# bench_trivy N FILE: a Trivy report of N findings (gen_trivy.py) written to
# FILE, in a directory made if missing; both owned by postgres, so that the
# server can pg_read_file it.
bench_trivy() {
	local dir
	dir=$(dirname "$2")
	mkdir -p "$dir"
	python3 "$CTEM_ROOT/test/bench/gen_trivy.py" -n "$1" -o "$2"
	chown postgres: "$dir" "$2"
}

# bench_report_setup FILE: the view report, whose doc is FILE's text, and
# reset_store(), which empties what an ingest writes.  The report arrives as
# a client would bind it: a plain text value, read from the file in the
# timed statement (stored in a table, a 200 MB value would first be rebuilt
# from 100k TOAST chunks and decompressed, adding the same second or two to
# both sides of a ratio).  autovacuum is off on the tables an ingest writes,
# so that the vacuum of one run's rows does not share the two cores with the
# next timed run (as bench_copy_setup does for the COPY).
bench_report_setup() {
	bench_sql <<SQL
CREATE VIEW report AS SELECT pg_read_file('$1') AS doc;
ALTER TABLE ctem.asset SET (autovacuum_enabled = off);
ALTER TABLE ctem.exposure SET (autovacuum_enabled = off);
ALTER TABLE ctem.exposure_event SET (autovacuum_enabled = off);
CREATE FUNCTION reset_store() RETURNS void LANGUAGE sql AS \$\$
	TRUNCATE ctem.asset, ctem.exposure, ctem.exposure_event, ctem.control, ctem.validation_result RESTART IDENTITY
\$\$;
SQL
}

# bench_sql_ingest_setup: creates sql_ingest(doc text), the ingest of a
# Trivy report written in plain SQL over jsonb that ctem.ingest is measured
# against (ingest_bench.sh section 1): one asset, every
# vulnerability of every result into ctem.exposure, through the same
# triggers (fingerprint, merge, score).
bench_sql_ingest_setup() {
	bench_sql <<'SQL'
CREATE FUNCTION sql_ingest(doc text) RETURNS bigint LANGUAGE sql AS $$
	WITH r AS (SELECT doc::jsonb AS j),
	a AS (SELECT ctem.ensure_asset('container_image', r.j->>'ArtifactName') AS id FROM r),
	v AS (SELECT x AS v FROM r, jsonb_array_elements(r.j->'Results') res,
	             jsonb_array_elements(COALESCE(res->'Vulnerabilities', '[]')) x),
	ins AS (
		INSERT INTO ctem.exposure (asset_id, kind, rule_id, aliases, title, severity, cvss,
		                           component, component_version, location, fixed_version,
		                           sources, details)
		SELECT a.id, 'vulnerability', v->>'VulnerabilityID',
		       COALESCE(ARRAY(SELECT jsonb_array_elements_text(v->'VendorIDs')), '{}'),
		       COALESCE(v->>'Title', v->>'VulnerabilityID'),
		       COALESCE(lower(v->>'Severity'), 'unknown')::ctem.severity,
		       ctem.try_cvss(COALESCE(v#>>'{CVSS,nvd,V3Vector}', v#>>'{CVSS,ghsa,V3Vector}')),
		       v->>'PkgName', v->>'InstalledVersion',
		       CASE WHEN v->>'PkgPath' IS NULL THEN NULL
		            WHEN left(v->>'PkgPath', 1) = '/' THEN v->>'PkgPath'
		            ELSE '/' || (v->>'PkgPath') END,
		       v->>'FixedVersion', '{trivy}',
		       jsonb_strip_nulls(jsonb_build_object('description', v->>'Description',
		           'url', v->>'PrimaryURL', 'scanner_status', v->>'Status',
		           'published', v->>'PublishedDate', 'cwe', v->'CweIDs'))
		FROM v, a
		RETURNING 1)
	SELECT count(*) FROM ins
$$;
SQL
}

# The server's memory in 4 kB or 2 MB pages (ingest_floor_bench.sh).
# bench_pages_check, before bench_setup, fails
# unless transparent huge pages can be used, and notes vm.nr_hugepages;
# bench_pages_reserve, after it, reserves the 2 MB pages the cluster's
# shared memory needs (put back when the script exits); bench_pages_start
# small|huge restarts the cluster with its memory in 4 kB pages, or in 2 MB
# pages: shared memory with huge_pages = on, and the backends' large
# allocations (the report text, the batches) as transparent huge pages
# through glibc's glibc.malloc.hugetlb=1 tunable.  Nothing in ctem depends
# on this: it is the server's configuration
# (https://www.postgresql.org/docs/15/kernel-resources.html#LINUX-HUGE-PAGES).
bench_pages_check() {
	local thp
	BENCH_BASE_OPTS=$CTEM_PG_OPTS
	unset GLIBC_TUNABLES
	thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo "[never]")
	case $thp in
	*"[never]"*) echo "transparent huge pages are off (/sys/kernel/mm/transparent_hugepage/enabled)" >&2; exit 1 ;;
	esac
	BENCH_OLD_HUGEPAGES=$(cat /proc/sys/vm/nr_hugepages)
}
bench_pages_reserve() {
	local need
	trap 'bench_cleanup; echo "$BENCH_OLD_HUGEPAGES" > /proc/sys/vm/nr_hugepages' EXIT
	ctem_stop "$BENCH_DIR"
	# the server says how many it needs
	need=$(runuser -u postgres -- "$PGBIN/postgres" -D "$BENCH_DIR/data" $BENCH_BASE_OPTS \
		-C shared_memory_size_in_huge_pages 2>/dev/null)
	if ! echo $((need + 16)) > /proc/sys/vm/nr_hugepages ||
		[ "$(cat /proc/sys/vm/nr_hugepages)" -lt "$need" ]; then
		echo "could not reserve $need huge pages (vm.nr_hugepages is $(cat /proc/sys/vm/nr_hugepages))" >&2
		exit 1
	fi
}
bench_pages_start() {
	ctem_stop "$BENCH_DIR"
	if [ "$1" = huge ]; then
		GLIBC_TUNABLES=glibc.malloc.hugetlb=1 CTEM_PG_OPTS="$BENCH_BASE_OPTS -c huge_pages=on" \
			ctem_start "$BENCH_DIR"
	else
		CTEM_PG_OPTS="$BENCH_BASE_OPTS -c huge_pages=off" ctem_start "$BENCH_DIR"
	fi
}
