#!/usr/bin/env bash
# test/bench/soak.sh: mixed concurrent load, then the invariants it must keep
# (issue 24, defects 3 and 4).  Run as root:
#   bash test/bench/soak.sh [SECONDS] [CLIENTS]
#
# Builds and installs ctem, starts a throwaway cluster in $BENCH_DIR
# (lib_bench.sh; the server logs each message's SQLSTATE) and runs pgbench
# for SECONDS (default 60) with CLIENTS clients (default 4) over the unix
# socket, mixing, by weight:
#   ingest  4  ctem.ingest of one of 12 small Trivy reports (3 images x 3
#              versions in tenant 1, 3 more in tenant 2) whose findings
#              overlap: re-detections, new problems, resolutions;
#   copy    2  COPY of 60 rows (its own components, half on the images'
#              assets, half on an ETL host of the client's) into
#              ctem.exposure: the raw path with every trigger;
#   kev     1  ctem.load_kev of one of two KEV catalogs (different CVEs of
#              the reports: each load adds and removes listings);
#   epss    1  ctem.load_epss of one of two EPSS files (other scores);
#   status  4  a status change of up to 3 open exposures (open <->
#              in_progress), locked in id order;
#   queue   4  a read of the first 50 rows of ctem.work_queue.
# pgbench retries nothing: a deadlock or serialization failure counts as a
# failed transaction, and the server log has it.
#
# Then prints pgbench's throughput and checks:
#   1. no deadlock: "40P01" in the server log (pgbench's failures too);
#   2. no duplicate: fingerprints, natural keys, the same finding twice;
#   3. every exposure scored from the final context: risk_score, priority,
#      kev, epss, controls_effectiveness, sla_due and score_explain as
#      stored equal what a fresh ctem.rescore() gives (in one transaction,
#      rolled back); open ones reported apart;
#   4. history consistent: for each exposure, its status events and its
#      priority events form chains (each one's old value is the previous
#      one's new value) that end at its current status and priority.
# Ends with "soak: N passed, N failed" (the invariants).  A benchmark: it
# does not run in test/check.sh.
set -eu
SECS=${1:-60}
CLIENTS=${2:-4}
# every message's SQLSTATE in the log; deadlocks found fast
export CTEM_PG_OPTS="-c shared_buffers=512MB -c max_wal_size=4GB -c deadlock_timeout=200ms -c log_line_prefix='%m_[%p]_%e_' -c log_lock_waits=on"
. "$(dirname "$0")/lib_bench.sh"
bench_setup
W=$BENCH_DIR/soak
mkdir -p "$W"
chown postgres: "$W"

echo "== generating reports, intel and COPY files"
python3 - "$W" "$CLIENTS" <<'EOF'
import json, random, sys
w, clients = sys.argv[1], int(sys.argv[2])
rnd = random.Random(24)
pool = ["CVE-2023-%d" % (20000 + i) for i in range(150)]
sev = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]
vectors = ["CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
           "CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:U/C:L/I:L/A:N",
           "CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:H/I:N/A:N"]
rows = []
rid = 0
for tenant, images in ((1, 3), (2, 1)):
    for img in range(images):
        name = "registry.example.com/soak/app%d:1.0" % img
        base = rnd.sample(pool, 60)
        for ver in range(3):
            # each version keeps most findings, drops some, adds some
            f = base[ver * 8: ver * 8 + 40] + rnd.sample(pool, 6)
            vulns = []
            for c in f:
                i = pool.index(c)
                vulns.append({"VulnerabilityID": c, "PkgName": "lib%d" % (i % 40),
                              "InstalledVersion": "1.%d" % ver, "FixedVersion": "2.0",
                              "Severity": sev[i % 4], "Title": "problem in lib%d" % (i % 40),
                              "CVSS": {"nvd": {"V3Vector": vectors[i % 3]}}})
            rep = {"SchemaVersion": 2, "ArtifactName": name, "ArtifactType": "container_image",
                   "Results": [{"Target": "app", "Class": "os-pkgs", "Type": "debian",
                                "Vulnerabilities": vulns}]}
            rid += 1
            rows.append((rid, tenant, json.dumps(rep)))
with open(w + "/reports.csv", "w") as o:
    for r in rows:
        o.write("%d\t%d\t%s\n" % (r[0], r[1], r[2].replace("\\", "\\\\")))
intel = []
for v in (1, 2):
    listed = rnd.sample(pool, 30)
    kev = {"catalogVersion": "2026.12.0%d" % v, "count": len(listed), "vulnerabilities": [
        {"cveID": c, "vendorProject": "Soak", "product": "lib", "vulnerabilityName": c,
         "dateAdded": "2026-11-2%d" % v, "dueDate": "2026-12-2%d" % v,
         "knownRansomwareCampaignUse": "Unknown"} for c in sorted(listed)]}
    intel.append(("kev", v, json.dumps(kev)))
    epss = "#model_version:v2026.06.15,score_date:2026-12-0%dT00:00:00Z\ncve,epss,percentile\n" % v
    for c in pool:
        e = round(rnd.random() ** 3, 5)
        epss += "%s,%s,%s\n" % (c, e, round(min(0.99999, e * 1.5), 5))
    intel.append(("epss", v, epss))
with open(w + "/intel.csv", "w") as o:
    for k, v, b in intel:
        o.write("%s\t%d\t%s\n" % (k, v, b.replace("\\", "\\\\").replace("\n", "\\n")))
EOF
chown -R postgres: "$W"

bench_sql -q <<SQL
CREATE TABLE soak_report (id int PRIMARY KEY, tenant_id int, body text);
CREATE TABLE soak_intel (kind text, v int, body text, PRIMARY KEY (kind, v));
\copy soak_report FROM '$W/reports.csv'
\copy soak_intel FROM '$W/intel.csv'
-- every asset a COPY names exists first: the images (one ingest each) and
-- an ETL host per client
SELECT count(*) FROM (SELECT ctem.ingest(body, NULL, NULL, true, tenant_id)
					  FROM soak_report WHERE id IN (1, 4, 7, 10) ORDER BY id) s;
SELECT ctem.ensure_asset('host', 'etl-' || c || '.example.com')
FROM generate_series(1, $CLIENTS) c;
-- the COPY files: 60 rows each, components of their own (no fingerprint
-- another writer inserts), rule ids from the reports' pool
CREATE FUNCTION soak_copy(c int) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
	EXECUTE format('COPY ctem.exposure (tenant_id, asset_id, rule_id, component, severity, sources) '
				   'FROM %L WITH (FORMAT csv)', '$W/copy_' || c || '.csv');
END \$\$;
DO \$\$
DECLARE
	c int;
BEGIN
	FOR c IN 1..$CLIENTS LOOP
		EXECUTE format('COPY (SELECT 1, CASE WHEN i %% 2 = 0 THEN (SELECT id FROM ctem.asset WHERE tenant_id = 1 AND natural_key LIKE %L ORDER BY id LIMIT 1 OFFSET i %% 3) ELSE (SELECT id FROM ctem.asset WHERE natural_key = %L) END, '
					   '''CVE-2023-'' || (20000 + (i * 7) %% 150), ''etl-c%s-'' || i, (ARRAY[''low'',''medium'',''high'',''critical''])[1 + i %% 4], ''{etl}'' '
					   'FROM generate_series(1, 60) i) TO %L WITH (FORMAT csv)',
					   '%soak%', 'etl-' || c || '.example.com', c, '$W/copy_' || c || '.csv');
	END LOOP;
END \$\$;
SQL

cat >"$W/ingest.sql" <<'EOF'
\set r random(1, 12)
SELECT inserted, updated, resolved FROM ctem.ingest((SELECT body FROM soak_report WHERE id = :r), NULL, NULL, true, (SELECT tenant_id FROM soak_report WHERE id = :r));
EOF
cat >"$W/copy.sql" <<EOF
SELECT soak_copy(:client_id % $CLIENTS + 1);
EOF
cat >"$W/kev.sql" <<'EOF'
\set v random(1, 2)
SELECT entries, added, removed FROM ctem.load_kev((SELECT body FROM soak_intel WHERE kind = 'kev' AND v = :v));
EOF
cat >"$W/epss.sql" <<'EOF'
\set v random(1, 2)
SELECT rows_read, updated FROM ctem.load_epss((SELECT body FROM soak_intel WHERE kind = 'epss' AND v = :v));
EOF
cat >"$W/status.sql" <<'EOF'
\set t random(1, 2)
\set r random(1, 1000)
UPDATE ctem.exposure e SET status = CASE e.status WHEN 'open' THEN 'in_progress'::ctem.exposure_status ELSE 'open' END
WHERE e.tenant_id = :t AND e.id IN (SELECT x.id FROM ctem.exposure x WHERE x.tenant_id = :t AND x.id >= :r AND x.status IN ('open', 'in_progress') ORDER BY x.id LIMIT 3 FOR UPDATE);
EOF
cat >"$W/queue.sql" <<'EOF'
\set t random(1, 2)
SELECT count(*), max(risk_score) FROM (SELECT * FROM ctem.work_queue WHERE tenant_id = :t LIMIT 50) q;
EOF
chown -R postgres: "$W"
LOG_START=$(wc -l <"$BENCH_DIR/server.log")

echo "== pgbench: $CLIENTS clients, $SECS s"
set +e
$PGBIN/pgbench -n -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" \
	-f "$W/ingest.sql@4" -f "$W/copy.sql@2" -f "$W/kev.sql@1" -f "$W/epss.sql@1" \
	-f "$W/status.sql@4" -f "$W/queue.sql@4" $BENCH_DB >"$W/pgbench.out" 2>"$W/pgbench.err"
rc=$?
set -e
grep -vE '^(transaction type|scaling factor|query mode|number of threads|maximum number of tries|initial connection time)' "$W/pgbench.out"
grep -E 'aborted|ERROR' "$W/pgbench.err" | sort | uniq -c | sort -rn | head -n 10 || true
[ $rc -ne 0 ] && echo "pgbench exited with $rc"

echo "== invariants"
passed=0
failed=0
check() {	# name, value, expected
	if [ "$2" = "$3" ]; then
		echo "ok   $1: $2"; passed=$((passed + 1))
	else
		echo "FAIL $1: $2 (expected $3)"; failed=$((failed + 1))
	fi
}
LOG_NEW=$(tail -n +"$((LOG_START + 1))" "$BENCH_DIR/server.log")
check "deadlocks (40P01 in the server log)" "$(echo "$LOG_NEW" | grep -c '_40P01_ERROR' || true)" 0
if echo "$LOG_NEW" | grep -q '_40P01_ERROR'; then
	echo "     the first deadlocks:"
	echo "$LOG_NEW" | grep -A8 '_40P01_ERROR' | head -n 40 | sed 's/^/     /'
fi
echo "     errors in the server log, by SQLSTATE:"
echo "$LOG_NEW" | sed -n 's/^.*_\([0-9A-Z]\{5\}\)_ERROR: .*$/\1/p' | sort | uniq -c | sed 's/^/     /'
echo "     lock waits logged (over deadlock_timeout): $(echo "$LOG_NEW" | grep -c 'still waiting for' || true)"

q() { bench_sql -At -c "$1"; }
check "duplicate fingerprints" "$(q "SELECT count(*) FROM (SELECT 1 FROM ctem.exposure GROUP BY tenant_id, fingerprint HAVING count(*) > 1) d")" 0
check "duplicate assets" "$(q "SELECT count(*) FROM (SELECT 1 FROM ctem.asset GROUP BY tenant_id, kind, natural_key HAVING count(*) > 1) d")" 0
check "the same finding twice" "$(q "SELECT count(*) FROM (SELECT 1 FROM ctem.exposure GROUP BY tenant_id, asset_id, kind, rule_id, lower(component), location HAVING count(*) > 1) d")" 0

read -r stale stale_open total <<<"$(bench_sql -At -F ' ' <<'SQL'
BEGIN;
CREATE TEMP TABLE stored AS
SELECT tenant_id, id, status, risk_score, priority, kev, epss, controls_effectiveness, sla_due, score_explain
FROM ctem.exposure;
SELECT ctem.rescore() IS NOT NULL AS rescored \g /dev/null
SELECT count(*) FILTER (WHERE d), count(*) FILTER (WHERE d AND s.status IN ('open', 'in_progress')), count(*)
FROM stored s JOIN ctem.exposure e USING (tenant_id, id),
	 LATERAL (SELECT NOT (ROW(s.risk_score, s.priority, s.kev, s.epss, s.controls_effectiveness, s.sla_due, s.score_explain)
						  IS NOT DISTINCT FROM
						  ROW(e.risk_score, e.priority, e.kev, e.epss, e.controls_effectiveness, e.sla_due, e.score_explain)) AS d) x;
ROLLBACK;
SQL
)"
echo "     exposures: $total"
check "exposures whose stored score differs from a fresh ctem.rescore()" "$stale" 0
check "open ones among them" "$stale_open" 0

check "status history chains broken" "$(q "
SELECT count(*) FROM (
	SELECT e.tenant_id, e.exposure_id, e.old_status, e.new_status,
		   lag(e.new_status) OVER w AS prev, lead(e.id) OVER w AS next
	FROM ctem.exposure_event e WHERE e.new_status IS NOT NULL
	WINDOW w AS (PARTITION BY e.tenant_id, e.exposure_id ORDER BY e.id)) h
JOIN ctem.exposure x ON x.tenant_id = h.tenant_id AND x.id = h.exposure_id
WHERE (h.prev IS NOT NULL AND h.prev IS DISTINCT FROM h.old_status)
   OR (h.next IS NULL AND h.new_status IS DISTINCT FROM x.status)")" 0
check "priority history chains broken" "$(q "
SELECT count(*) FROM (
	SELECT e.tenant_id, e.exposure_id, e.old_priority, e.new_priority,
		   lag(e.new_priority) OVER w AS prev, lead(e.id) OVER w AS next
	FROM ctem.exposure_event e WHERE e.new_priority IS NOT NULL
	WINDOW w AS (PARTITION BY e.tenant_id, e.exposure_id ORDER BY e.id)) h
JOIN ctem.exposure x ON x.tenant_id = h.tenant_id AND x.id = h.exposure_id
WHERE (h.prev IS NOT NULL AND h.prev IS DISTINCT FROM h.old_priority)
   OR (h.next IS NULL AND h.new_priority IS DISTINCT FROM x.priority)")" 0
echo "     history events: $(q "SELECT count(*) FROM ctem.exposure_event"), by kind: $(q "SELECT string_agg(event || ' ' || n, ', ' ORDER BY event) FROM (SELECT event, count(*) n FROM ctem.exposure_event GROUP BY 1) s")"

echo "soak: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
