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
