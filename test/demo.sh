#!/usr/bin/env bash
# test/demo.sh: the main job, on a fresh Debian 12 machine, as root.
#
#   bash test/demo.sh         build, install, start a throwaway cluster in
#                             /tmp/ctem-demo, load an inventory, threat intel
#                             and real-format scanner reports and an attack
#                             graph, print the attack paths, chokepoints and
#                             a fix plan, render the paths as a picture
#                             (SVG and PNG, with Debian's graphviz), and
#                             print the prioritised work queue and an
#                             explanation
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
# the picture of the attack paths
CTEM_PACKAGES=graphviz ctem_packages
ctem_build
ctem_start "$D"
PSQL="$PGBIN/psql -X -q -v ON_ERROR_STOP=1 -P pager=off"
DATA=$CTEM_ROOT/test/data/demo
$PSQL -d postgres -c 'DROP DATABASE IF EXISTS ctem_demo' -c 'CREATE DATABASE ctem_demo'
$PSQL -d ctem_demo -c 'CREATE EXTENSION ctem'

echo
echo "== 1. Scoping: the inventory (a CMDB export) and a compensating control"
$PSQL -d ctem_demo -f test/data/demo.sql
$PSQL -d ctem_demo -c "
SELECT kind, natural_key AS asset, business_service AS service, criticality AS crit,
       internet_facing AS internet, crown_jewel AS jewel
FROM ctem.asset ORDER BY business_service, id"

echo "== 2. Discovery: threat intel, then scanner reports (Trivy, Grype, nuclei, Prowler, CodeQL)"
$PSQL -d ctem_demo <<SQL
\\set kev \`cat $DATA/kev_sample.json\`
\\set epss \`cat $DATA/epss_sample.csv\`
SELECT 'KEV' AS feed, catalog_version AS version, entries FROM ctem.load_kev(:'kev')
UNION ALL
SELECT 'EPSS', model_version, rows_read FROM ctem.load_epss(:'epss');
\\set frontend \`cat $DATA/trivy_frontend.json\`
\\set payments_trivy \`cat $DATA/trivy_payments.json\`
\\set payments_grype \`cat $DATA/grype_payments.json\`
\\set nuclei \`cat $DATA/nuclei.jsonl\`
\\set prowler \`cat $DATA/prowler.ocsf.json\`
\\set codeql \`cat $DATA/codeql.sarif\`
SELECT 'trivy_frontend.json' AS report, r.* FROM ctem.ingest(:'frontend') r
UNION ALL SELECT 'trivy_payments.json', r.* FROM ctem.ingest(:'payments_trivy') r
UNION ALL SELECT 'grype_payments.json', r.* FROM ctem.ingest(:'payments_grype') r
UNION ALL SELECT 'nuclei.jsonl', r.* FROM ctem.ingest(:'nuclei') r
UNION ALL SELECT 'prowler.ocsf.json', r.* FROM ctem.ingest(:'prowler') r
UNION ALL SELECT 'codeql.sarif', r.* FROM ctem.ingest(:'codeql', 'sarif',
	(SELECT id FROM ctem.asset WHERE natural_key = 'https://github.com/acme/shop-backend')) r;
SQL

echo "== 3. Validation: a pentest exploited Log4Shell; the WAF blocked the path traversal in a BAS run"
$PSQL -d ctem_demo -c "
INSERT INTO ctem.validation_result (exposure_id, outcome, source, tool)
SELECT id, 'exploitable'::ctem.validation_outcome, 'pentest', 'external pentest 2026-Q4' FROM ctem.exposure WHERE rule_id = 'CVE-2021-44228'
UNION ALL
SELECT id, 'blocked'::ctem.validation_outcome, 'bas', 'bas-nightly' FROM ctem.exposure WHERE rule_id = 'CVE-2021-41773'"

echo "== 3b. Validation: the attack graph (firewall rules, credentials, trusts) and its paths"
$PSQL -d ctem_demo -f test/data/demo_graph.sql
$PSQL -d ctem_demo -c "
SELECT j.natural_key AS crown_jewel, p.rank, round(p.probability::numeric, 3) AS probability, p.hops,
       (SELECT string_agg(a.natural_key, ' -> ' ORDER BY u.o)
        FROM unnest(p.path) WITH ORDINALITY u(id, o) JOIN ctem.asset a ON a.id = u.id) AS path
FROM ctem.attack_paths(k => 2) p JOIN ctem.asset j ON j.id = p.target
ORDER BY j.natural_key, p.rank"
echo "== chokepoints: fixing these cuts the most crown-jewel path risk"
$PSQL -d ctem_demo -c "
SELECT a.natural_key AS asset, c.entries_reaching AS entries, c.jewels_reached AS jewels,
       round(c.risk_reduction::numeric, 3) AS risk_cut,
       (SELECT string_agg(e.rule_id, ', ' ORDER BY e.id) FROM ctem.exposure e WHERE e.id = ANY (c.exposure_ids)) AS fix
FROM ctem.chokepoints(3) c JOIN ctem.asset a ON a.id = c.asset_id WHERE c.risk_reduction > 0 ORDER BY c.risk_reduction DESC"
echo "== fix plan: the three tickets that make the crown jewels safest"
$PSQL -d ctem_demo -c "
SELECT f.step, e.rule_id, a.natural_key AS asset, round(f.risk_after::numeric, 3) AS path_risk_left
FROM ctem.fix_plan(3) f JOIN ctem.exposure e ON e.id = f.exposure_id JOIN ctem.asset a ON a.id = f.asset_id
ORDER BY f.step"
$PSQL -d ctem_demo -At -c "SELECT ctem.attack_graph_dot(k => 2)" > "$D/attack-paths.dot"
dot -Tsvg "$D/attack-paths.dot" -o "$D/attack-paths.svg"
dot -Tpng "$D/attack-paths.dot" -o "$D/attack-paths.png"
echo "the picture: $D/attack-paths.svg and $D/attack-paths.png (render again: psql -Atc \"SELECT ctem.attack_graph_dot()\" ctem_demo | dot -Tsvg)"

echo
echo "== 4. Prioritization: the work queue, most urgent first"
$PSQL -d ctem_demo -c "
SELECT priority AS prio, risk_score AS score, rule_id, left(title, 42) AS title, asset,
       sources, owner, sla_due::date AS due
FROM ctem.work_queue"

echo "== why is the first one first? ctem.explain (factors with their sources)"
$PSQL -d ctem_demo -At -c "
SELECT format('%s on %s: score %s, %s%s', e.rule_id, a.natural_key, x->>'score', x->>'priority',
              CASE WHEN x->'floors_applied' <> '[]' THEN ' (floor: ' || (x->'floors_applied'->>0) || ')' ELSE '' END)
       || E'\n' || string_agg(format('  %s = %-5s %s', f, x->'factors'->f->>'value', x->'factors'->f->>'source'), E'\n' ORDER BY f)
FROM (SELECT exposure_id FROM ctem.work_queue LIMIT 1) q
JOIN ctem.exposure e ON e.id = q.exposure_id JOIN ctem.asset a ON a.id = e.asset_id,
     LATERAL ctem.explain(e.id) x, unnest(ARRAY['S','L','A','X','C','V']) f
GROUP BY e.rule_id, a.natural_key, x"
$PSQL -d ctem_demo -At -c "
SELECT format('  attack path (p %s): %s', round((x->'attack_path'->>'probability')::numeric, 3), x->'attack_path'->>'assets')
FROM (SELECT exposure_id FROM ctem.work_queue LIMIT 1) q, LATERAL ctem.explain(q.exposure_id) x
WHERE x ? 'attack_path'"

echo
echo "== 5. Mobilization: the next frontend scan no longer finds the Go stdlib issue"
$PSQL -d ctem_demo <<SQL
\\set frontend \`cat $DATA/trivy_frontend.json\`
SELECT r.* FROM ctem.ingest((:'frontend'::jsonb #- '{Results,1}')::text) r;
SELECT e.rule_id, v.event, v.old_status, v.new_status, v.old_priority, v.new_priority, v.note
FROM ctem.exposure_event v JOIN ctem.exposure e ON e.tenant_id = v.tenant_id AND e.id = v.exposure_id
ORDER BY v.id;
SELECT business_service, priority, count(*) AS open_exposures
FROM ctem.work_queue GROUP BY 1, 2 ORDER BY 1, 2;
SQL

echo "== 5b. Mobilization: a scope, the teams (routed by the assets' owners) and the per-team queue"
$PSQL -d ctem_demo <<SQL
INSERT INTO ctem.scope (name, description, filter)
VALUES ('pci', 'Cardholder data environment', '{"tags_any": ["pci"]}');
SELECT natural_key AS pci_scope FROM ctem.scope_assets('pci') ORDER BY 1;
INSERT INTO ctem.team (name, contact, ticket_project) VALUES
  ('team-storefront', 'storefront@acme.example', 'SHOP'), ('team-payments', 'payments@acme.example', 'PAY'),
  ('team-dba', 'dba@acme.example', 'DBA'), ('team-data', 'data@acme.example', 'DATA'),
  ('team-platform', 'platform@acme.example', 'PLAT'), ('team-it', 'it@acme.example', 'IT'),
  ('secops', 'secops@acme.example', 'SEC');
INSERT INTO ctem.routing_rule (priority, match, team)
VALUES (10, '{"exposure_kinds": ["secret"]}', 'secops');
SELECT e.team, count(*) FILTER (WHERE q.priority = 'P1') AS p1, count(*) FILTER (WHERE q.priority = 'P2') AS p2,
       count(*) FILTER (WHERE q.priority >= 'P3') AS p3_p4, min(q.sla_due)::date AS next_sla_due
FROM ctem.work_queue q JOIN ctem.exposure e ON e.tenant_id = q.tenant_id AND e.id = q.exposure_id
GROUP BY e.team ORDER BY 2 DESC, 3 DESC, 1;
SQL

echo "== 5c. Mobilization: the wiki's finding is an accepted risk for 30 days; maintenance 31 days later"
$PSQL -d ctem_demo <<SQL
INSERT INTO ctem.risk_acceptance (match, reason, approved_by, expires_at)
SELECT jsonb_build_object('asset_id', a.id), 'wiki is retired next month', 'ciso@acme.example',
       now() + interval '30 days'
FROM ctem.asset a WHERE a.natural_key = 'intranet-wiki.corp.acme.example';
SELECT e.rule_id, e.status, e.team FROM ctem.exposure e JOIN ctem.asset a ON a.id = e.asset_id
WHERE a.natural_key = 'intranet-wiki.corp.acme.example' ORDER BY 1;
-- what a daily pg_cron job runs (docs/mobilization.md): here as of 31 days from now
SELECT * FROM ctem.run_maintenance(at => now() + interval '31 days');
SELECT e.rule_id, e.status, v.event, v.note FROM ctem.exposure_event v JOIN ctem.exposure e ON e.id = v.exposure_id
WHERE v.event IN ('accepted', 'acceptance_expired') ORDER BY v.id;
SELECT scope, team, open_p1, open_p2, open_total, risk_sum, sla_breached
FROM ctem.risk_trend WHERE scope = 'pci' OR team = '*' ORDER BY scope, team;
SQL

echo "== 5d. Mobilization: the outbox rows a ticketing integration receives (NOTIFY ctem_events on commit)"
$PSQL -d ctem_demo -c "SELECT event_type, count(*) FROM ctem.outbox GROUP BY 1 ORDER BY 2 DESC"
echo "-- test/outbox_consumer.py claims them (ctem.outbox_claim builds each ticket), prints"
echo "-- Jira JSON and acknowledges them (ctem.outbox_ack); the first SLA breach:"
PATH=$PGBIN:$PATH PGDATABASE=ctem_demo /usr/bin/python3 "$CTEM_ROOT/test/outbox_consumer.py" \
	--target jira --consumer demo >"$D/tickets.jsonl"
grep -m 1 ctem-sla-breached "$D/tickets.jsonl" | /usr/bin/python3 -m json.tool
$PSQL -d ctem_demo <<SQL
SELECT o.id, o.event_type, o.team, left(o.payload ->> 'title', 60) AS ticket, o.payload ->> 'sla_due' AS sla_due,
       o.delivered_at IS NOT NULL AS delivered
FROM ctem.outbox o WHERE o.event_type IN ('acceptance_expired', 'sla_breached') ORDER BY o.id LIMIT 8;
SQL

cat <<MSG
Explore it:   psql -h $D -p 5432 -U postgres ctem_demo
              SELECT * FROM ctem.work_queue;   SELECT ctem.explain(1);
              SELECT * FROM ctem.exposure_event;   SELECT * FROM ctem.outbox_claim(10, 'me');
              SELECT * FROM ctem.attack_paths(k => 3);   SELECT * FROM ctem.chokepoints();
Stop it:      bash test/demo.sh stop
MSG
