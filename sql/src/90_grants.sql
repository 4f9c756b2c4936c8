/*
 * 90_grants.sql
 *		Privileges on ctem's objects that differ from PostgreSQL's defaults.
 *
 * Everything else keeps the defaults: the schema, tables, views and
 * sequences belong to the extension's owner with no grant, and the
 * administrator grants what each role needs (README.md, "Security model");
 * the other functions are executable by PUBLIC.
 *
 * sql/src/90_grants.sql
 */

-- The trigger functions that run as the extension's owner or write on its
-- behalf: the re-scoring triggers (SECURITY DEFINER, 40_prioritization.sql
-- and 50_validation.sql) and the history triggers, which write
-- ctem.exposure_event as the table's owner (30_discovery.sql).  Nobody
-- may call them or attach them to a table of their own; the triggers fire
-- regardless.
REVOKE EXECUTE ON FUNCTION ctem.asset_rescore(), ctem.vuln_intel_rescore(), ctem.control_rescore(),
	ctem.validation_apply(), ctem.policy_rescore() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.exposure_history_row() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.exposure_history_flush() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.restore_statement() FROM PUBLIC;

-- The scoring context lock (40_prioritization.sql): taken exclusively, it
-- makes every writer of exposures wait, so it is the administrator's to
-- grant; its trigger function takes it shared for every writer.
REVOKE EXECUTE ON FUNCTION ctem.context_lock(), ctem.exposure_context_lock() FROM PUBLIC;

-- The attack graph's trigger functions (50_validation.sql) write
-- ctem.graph_change and delete edges as the tables' owner: nobody calls them
-- or attaches them elsewhere.  ctem.graph_install (DDL on ctem's
-- tables) and ctem.graph_compact (which may wait for the tenant's writers)
-- are for the administrator, who grants them as needed.
REVOKE EXECUTE ON FUNCTION ctem.asset_edge_before_row(), ctem.asset_edge_reference(),
	ctem.graph_change_note(), ctem.graph_change_flush() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.graph_install(), ctem.graph_compact(integer),
	ctem.attack_path_refresh(integer) FROM PUBLIC;

-- The workflow (70_mobilization.sql): its trigger functions, and the
-- functions that apply, expire and revoke risk acceptances as the owner of
-- ctem.risk_acceptance (expire_acceptances with a later "at" would end
-- acceptances early) are for the roles the administrator grants them to;
-- ctem.workflow_install does DDL on ctem's tables.  Recording an
-- acceptance needs INSERT on ctem.risk_acceptance, ctem.set_status UPDATE
-- on ctem.exposure.
REVOKE EXECUTE ON FUNCTION ctem.exposure_workflow(), ctem.risk_acceptance_check(),
	ctem.risk_acceptance_applied(), ctem.risk_acceptance_guard() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.workflow_install(), ctem.apply_acceptance(bigint, integer),
	ctem.expire_acceptances(timestamptz, integer),
	ctem.revoke_acceptance(bigint, text, text, integer) FROM PUBLIC;
-- Scoping and routing (60_scoping.sql, 65_teams.sql): the trigger functions
-- and the functions that write membership history and teams as the
-- tables' owner.  ctem.scope_refresh, ctem.route_exposures and
-- ctem.scope_install are for the administrator, who grants them as needed.
REVOKE EXECUTE ON FUNCTION ctem.scope_sync(integer, text[], bigint[], text),
	ctem.scope_membership(), ctem.asset_scope_sync(), ctem.asset_edge_scope_sync(),
	ctem.routing_change() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.scope_refresh(text, integer),
	ctem.route_exposures(integer, bigint[]), ctem.scope_install() FROM PUBLIC;
-- The outbox and maintenance (75_outbox.sql): the trigger functions and
-- ctem.outbox_write write the outbox as its owner; ctem.run_maintenance
-- runs as its owner (a later "at" would end acceptances early) and
-- ctem.outbox_install does DDL on ctem's tables: for the roles the
-- administrator grants them to.  Consumers need SELECT and UPDATE on
-- ctem.outbox for ctem.outbox_claim, outbox_ack and outbox_fail.
REVOKE EXECUTE ON FUNCTION ctem.exposure_outbox_row(), ctem.exposure_outbox_flush(),
	ctem.exposure_sla_clear(), ctem.outbox_write(integer, bigint[], text[], text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.outbox_install(), ctem.run_maintenance(timestamptz, integer) FROM PUBLIC;
