#!/usr/bin/env python3
"""outbox_consumer.py: a small consumer of ctem's ticketing outbox.

Claims rows with ctem.outbox_claim, turns each ready ticket (the row's
payload) into the JSON a Jira or ServiceNow REST call would send, prints it
on stdout (one JSON object a line) and acknowledges the rows with
ctem.outbox_ack.  No network: pipe the lines into your own HTTP client, or
replace emit() with one.  It talks to PostgreSQL through psql, so the usual
PG* environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE) choose the
database; the role needs SELECT and UPDATE on ctem.outbox.

    python3 test/outbox_consumer.py --target jira --consumer jira-sync
    python3 test/outbox_consumer.py --target servicenow --batch 50 --follow

--fail-match PATTERN records a failed delivery (ctem.outbox_fail, retried
with backoff) instead of printing, for rows whose title contains PATTERN:
a way to see the retry path without a ticketing system.
--follow keeps polling (every --interval seconds) instead of stopping when
the outbox is empty; a production consumer LISTENs on ctem_events and
claims when a notification arrives (docs/mobilization.md).

test/outbox_consumer.py
"""
import argparse
import json
import subprocess
import sys
import time

# ctem priority -> Jira priority name, ServiceNow urgency/impact (1 = high)
JIRA_PRIORITY = {"P1": "Highest", "P2": "High", "P3": "Medium", "P4": "Low"}
SNOW_LEVEL = {"P1": 1, "P2": 1, "P3": 2, "P4": 3}


def psql(sql, *params):
    """Run sql with psql variables :'p1', :'p2' ... bound to params; rows as text."""
    cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    for i, p in enumerate(params, 1):
        cmd += ["-v", "p%d=%s" % (i, p)]
    out = subprocess.run(cmd, input=sql, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit("outbox_consumer: psql failed")
    return [line for line in out.stdout.splitlines() if line]


def description(p):
    a = p.get("asset") or {}
    lines = [
        p.get("why") or "",
        "",
        "Asset: %s %s (%s)" % (a.get("kind"), a.get("natural_key"), a.get("environment") or "no environment"),
        "Rule: %s, severity %s, risk score %s" % (p.get("rule_id"), p.get("severity"), p.get("risk_score")),
        "Event: %s; SLA due %s" % (p.get("event"), p.get("sla_due")),
    ]
    if p.get("fixed_version"):
        lines.append("Fixed in: %s %s" % (p.get("component") or "", p["fixed_version"]))
    return "\n".join(lines)


def jira(row):
    p = row["payload"] or {}
    links = p.get("links") or {}
    return {
        "fields": {
            "project": {"key": p.get("ticket_project") or "SEC"},
            "issuetype": {"name": "Bug"},
            "summary": p.get("title"),
            "priority": {"name": JIRA_PRIORITY.get(p.get("priority"), "Medium")},
            "duedate": (p.get("sla_due") or "")[:10] or None,
            "labels": ["ctem", "ctem-" + row["event_type"].replace("_", "-")],
            "description": description(p),
        },
        "properties": [{"key": "ctem", "value": links}],
    }


def servicenow(row):
    p = row["payload"] or {}
    links = p.get("links") or {}
    level = SNOW_LEVEL.get(p.get("priority"), 3)
    return {
        "short_description": p.get("title"),
        "description": description(p),
        "urgency": str(level),
        "impact": str(level),
        "assignment_group": p.get("team"),
        "due_date": (p.get("sla_due") or "").replace("T", " ")[:19] or None,
        "category": "security",
        "correlation_id": "ctem:%s:%s" % (links.get("tenant_id"), links.get("exposure_id")),
        "u_ctem_event": row["event_type"],
        "u_ctem_rule": links.get("rule_id"),
        "u_ctem_asset": links.get("asset_natural_key"),
    }


def emit(target, row):
    # a row whose exposure was deleted since has no ticket (payload NULL):
    # it is still printed, with what the row itself says
    out = {"outbox_id": row["id"], "target": target,
           "request": jira(row) if target == "jira" else servicenow(row)}
    print(json.dumps(out, sort_keys=True), flush=True)


def main():
    ap = argparse.ArgumentParser(description="Turn ctem.outbox rows into Jira / ServiceNow JSON on stdout.")
    ap.add_argument("--target", choices=["jira", "servicenow"], default="jira")
    ap.add_argument("--consumer", default=None, help="consumer name (default: the target)")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--tenant", type=int, default=None)
    ap.add_argument("--claim-timeout", default="5 minutes")
    ap.add_argument("--fail-match", default=None)
    ap.add_argument("--follow", action="store_true")
    ap.add_argument("--interval", type=float, default=5.0)
    args = ap.parse_args()
    consumer = args.consumer or args.target
    tenant = "NULL" if args.tenant is None else str(int(args.tenant))

    total = 0
    while True:
        rows = [json.loads(r) for r in psql(
            "SELECT pg_catalog.row_to_json(o) FROM ctem.outbox_claim(%d, :'p1', :'p2'::interval, %s) o "
            "ORDER BY o.id;\n" % (args.batch, tenant), consumer, args.claim_timeout)]
        if not rows:
            if args.follow:
                time.sleep(args.interval)
                continue
            break
        done = []
        for row in rows:
            title = (row["payload"] or {}).get("title") or ""
            if args.fail_match and args.fail_match in title:
                psql("SELECT ctem.outbox_fail(%d, :'p1');\n" % row["id"], "simulated failure")
                continue
            emit(args.target, row)
            done.append(row["id"])
        if done:
            psql("SELECT ctem.outbox_ack('{%s}'::bigint[]);\n" % ",".join(str(i) for i in done))
        total += len(done)
    sys.stderr.write("outbox_consumer: %d delivered\n" % total)


if __name__ == "__main__":
    main()
