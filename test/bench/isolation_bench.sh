#!/bin/bash
# test/bench/isolation_bench.sh: the work queue read with and without team isolation
# (docs/performance.md, "Team isolation").  As root; PG_CONFIG names the PostgreSQL.
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
cd "$(dirname "$0")/../.."; . test/lib.sh
D=$(mktemp -d /tmp/ctem-b.XXXXXX); trap 'ctem_stop "$D"; rm -rf "$D"' EXIT
ctem_start "$D" || exit 1
P="$PGBIN/psql -X -q -d postgres"
$P <<'SQL'
CREATE EXTENSION ctem;
CREATE ROLE bench_a; CREATE ROLE bench_etl; GRANT ctem_reader TO bench_a, bench_etl;
INSERT INTO ctem.team (name) SELECT 'team-' || g FROM generate_series(0, 3) g;
INSERT INTO ctem.asset (kind, natural_key, owner) SELECT 'host', 'h' || g || '.example.com', 'team-' || (g % 4) FROM generate_series(1, 2000) g;
INSERT INTO ctem.exposure (asset_id, rule_id, severity)
SELECT a.id, 'CVE-2090-' || r, (ARRAY['low','medium','high','critical'])[1 + r % 4]::ctem.severity
FROM ctem.asset a, generate_series(1, 50) r;
INSERT INTO ctem.team_member (team, role_name) VALUES ('team-0', 'bench_a');
INSERT INTO ctem.team_member (team, role_name) VALUES (NULL, 'bench_etl');
VACUUM ANALYZE;
SQL
run() { # label role
  for i in 1 2 3 4 5 6 7; do
    $P -c "SET ROLE $2" -c '\timing on' -c "SELECT count(*), sum(risk_score) FROM ctem.work_queue" | grep Time: | sed 's/Time: //'
  done | sort -n | sed -n 4p | sed "s/^/$1 (median of 7): /"
}
run "no isolation, superuser        " postgres
run "no isolation, team-0 reader    " bench_a
$P -c "SELECT ctem.enable_team_isolation()" >/dev/null
run "isolation, superuser (bypass)  " postgres
run "isolation, team-0 reader, a quarter" bench_a
run "isolation, whole-tenant member " bench_etl
$P -c "SET ROLE bench_a" -c "SELECT count(*) FROM ctem.work_queue" -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT count(*) FROM ctem.work_queue"
