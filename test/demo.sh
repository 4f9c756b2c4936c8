#!/usr/bin/env bash
# test/demo.sh: the main job, on a fresh Debian 12 machine, as root.
#
#   bash test/demo.sh         build, install, start a throwaway cluster in
#                             /tmp/ctem-demo, load a sample estate with
#                             scanner-shaped findings, print the work queue
#   bash test/demo.sh stop    stop the cluster and delete /tmp/ctem-demo
set -eu
. "$(dirname "$0")/lib.sh"
ctem_require_root
D=${CTEM_DEMO_DIR:-/tmp/ctem-demo}

if [ "${1:-}" = stop ]; then
	ctem_stop "$D"
	rm -rf "$D"
	echo "ctem demo cluster stopped and $D removed"
	exit 0
fi

cd "$CTEM_ROOT"
ctem_packages
ctem_build
ctem_start "$D"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1"
$PSQL -d postgres -c 'DROP DATABASE IF EXISTS ctem_demo' -c 'CREATE DATABASE ctem_demo'
$PSQL -d ctem_demo -c 'CREATE EXTENSION ctem'
$PSQL -d ctem_demo -f test/data/demo.sql

echo
echo "== the estate"
$PSQL -d ctem_demo -P pager=off -c "
SELECT a.kind, a.natural_key AS asset, a.business_service AS service, a.criticality AS crit,
       a.internet_facing AS internet, a.crown_jewel AS jewel, count(e.id) AS exposures
FROM ctem.asset a LEFT JOIN ctem.exposure e ON e.tenant_id = a.tenant_id AND e.asset_id = a.id
GROUP BY a.tenant_id, a.id ORDER BY a.business_service, a.id"

echo "== the work queue, most urgent first"
$PSQL -d ctem_demo -P pager=off -c "
SELECT priority, risk_score AS score, severity, rule_id, left(title, 48) AS title,
       asset, owner
FROM ctem.work_queue LIMIT 15"

cat <<MSG

Explore it:   psql -h $D -p 5432 -U postgres ctem_demo
              (try: SELECT * FROM ctem.work_queue; SELECT * FROM ctem.exposure_summary;)
Stop it:      bash test/demo.sh stop
MSG
