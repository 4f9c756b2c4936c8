/*
 * 80_views.sql
 *		Views for analysts and BI tools: the remediation work queue and
 *		exposure counts for dashboards.
 *
 * Both are security_invoker: they read the tables with the privileges and
 * under the row-level security of the role that queries them, not of the
 * view's owner (who bypasses row-level security), so team isolation holds
 * through them (docs/security.md).
 *
 * sql/src/80_views.sql
 */

/* ------------------------------------------------------------------------
 * ctem.work_queue
 * ------------------------------------------------------------------------ */

CREATE VIEW ctem.work_queue WITH (security_invoker = true) AS
SELECT e.tenant_id,
	   e.priority,
	   e.risk_score,
	   e.severity,
	   e.sla_due,
	   e.id AS exposure_id,
	   e.kind,
	   e.rule_id,
	   e.title,
	   e.component,
	   e.component_version,
	   e.fixed_version,
	   e.location,
	   e.status,
	   e.sources,
	   a.id AS asset_id,
	   a.kind AS asset_kind,
	   a.natural_key AS asset,
	   a.environment,
	   a.business_service,
	   a.owner,
	   a.criticality,
	   a.internet_facing,
	   a.crown_jewel,
	   e.first_seen,
	   e.last_seen
FROM ctem.exposure e
JOIN ctem.asset a ON a.tenant_id OPERATOR(pg_catalog.=) e.tenant_id
				 AND a.id OPERATOR(pg_catalog.=) e.asset_id
WHERE e.status IN ('open', 'in_progress')
ORDER BY e.tenant_id, e.priority NULLS LAST, e.risk_score DESC NULLS LAST,
		 e.severity DESC, e.first_seen, e.id;
COMMENT ON VIEW ctem.work_queue IS
	'Active exposures (open, in progress) with their asset context, most urgent first: priority, then risk score, then scanner severity';

/* ------------------------------------------------------------------------
 * ctem.exposure_summary
 * ------------------------------------------------------------------------ */

CREATE VIEW ctem.exposure_summary WITH (security_invoker = true) AS
SELECT e.tenant_id,
	   a.business_service,
	   e.status,
	   e.priority,
	   e.severity,
	   pg_catalog.count(*) AS exposures,
	   pg_catalog.count(DISTINCT e.asset_id) AS assets
FROM ctem.exposure e
JOIN ctem.asset a ON a.tenant_id OPERATOR(pg_catalog.=) e.tenant_id
				 AND a.id OPERATOR(pg_catalog.=) e.asset_id
GROUP BY e.tenant_id, a.business_service, e.status, e.priority, e.severity;
COMMENT ON VIEW ctem.exposure_summary IS
	'Exposure and asset counts by tenant, business service, status, priority and severity, for dashboards';
