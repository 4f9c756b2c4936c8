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

-- Team isolation (85_security.sql): turning it on or off is DDL on ctem's
-- tables, for their owner.  ctem.team_member is under row-level security
-- (a role reads its own memberships, which the policies' helpers read as
-- the caller), so every role may select from it.
REVOKE EXECUTE ON FUNCTION ctem.enable_team_isolation(), ctem.disable_team_isolation() FROM PUBLIC;
GRANT SELECT ON ctem.team_member TO PUBLIC;

-- The roles (85_security.sql, docs/security.md).  ctem_admin is a member
-- of ctem_writer, ctem_writer of ctem_reader: each has the privileges of
-- the one below.  Functions not revoked above are executable by PUBLIC;
-- what they read or write, they do as the caller, with these grants.
-- ctem_reader: the tables and views (under team isolation: its teams'
-- rows), and through them every read function.
GRANT USAGE ON SCHEMA ctem TO ctem_reader;
GRANT SELECT ON ctem.asset, ctem.exposure, ctem.exposure_event, ctem.vuln_intel, ctem.policy,
	ctem.control, ctem.validation_result, ctem.asset_edge, ctem.scope, ctem.scope_member,
	ctem.scope_membership_event, ctem.team, ctem.routing_rule, ctem.risk_acceptance,
	ctem.risk_acceptance_exposure, ctem.work_queue, ctem.exposure_summary TO ctem_reader;
-- ctem_writer: ctem.ingest and ETL INSERT / COPY of assets, exposures,
-- edges, controls and validation results; status changes (UPDATE,
-- ctem.set_status).  The history is written by ctem, not by the writer.
GRANT INSERT, UPDATE ON ctem.asset, ctem.exposure, ctem.asset_edge, ctem.control,
	ctem.validation_result TO ctem_writer;
GRANT USAGE ON SEQUENCE ctem.asset_id_seq, ctem.exposure_id_seq, ctem.asset_edge_id_seq,
	ctem.control_id_seq, ctem.validation_result_id_seq TO ctem_writer;
-- ctem_admin: policies, intel, scopes, teams, team members, routing rules,
-- risk acceptances (record, apply, expire, revoke), deletes, and the
-- administrator's functions; under team isolation it sees every row.
GRANT INSERT, UPDATE, DELETE ON ctem.policy, ctem.vuln_intel, ctem.scope, ctem.team,
	ctem.team_member, ctem.routing_rule TO ctem_admin;
GRANT INSERT ON ctem.risk_acceptance TO ctem_admin;
GRANT DELETE ON ctem.asset, ctem.exposure, ctem.asset_edge, ctem.control,
	ctem.validation_result TO ctem_admin;
GRANT USAGE ON SEQUENCE ctem.routing_rule_id_seq, ctem.risk_acceptance_id_seq TO ctem_admin;
GRANT EXECUTE ON FUNCTION ctem.apply_acceptance(bigint, integer),
	ctem.expire_acceptances(timestamptz, integer),
	ctem.revoke_acceptance(bigint, text, text, integer),
	ctem.scope_refresh(text, integer), ctem.route_exposures(integer, bigint[]),
	ctem.graph_compact(integer), ctem.attack_path_refresh(integer),
	ctem.context_lock() TO ctem_admin;
-- the outbox and the trend (75_outbox.sql): readers read them, writers
-- (ticketing consumers) claim, ack and fail rows, the administrator runs
-- the maintenance
GRANT SELECT ON ctem.outbox, ctem.risk_snapshot, ctem.risk_trend TO ctem_reader;
GRANT UPDATE ON ctem.outbox TO ctem_writer;
GRANT EXECUTE ON FUNCTION ctem.run_maintenance(timestamptz, integer) TO ctem_admin;
-- The outbox and maintenance (75_outbox.sql): the trigger functions and
-- ctem.outbox_write write the outbox as its owner; ctem.run_maintenance
-- runs as its owner (a later "at" would end acceptances early) and
-- ctem.outbox_install does DDL on ctem's tables: for the roles the
-- administrator grants them to.  Consumers need SELECT and UPDATE on
-- ctem.outbox for ctem.outbox_claim, outbox_ack and outbox_fail.
REVOKE EXECUTE ON FUNCTION ctem.exposure_outbox_row(), ctem.exposure_outbox_flush(),
	ctem.exposure_sla_clear(), ctem.outbox_write(integer, bigint[], text[], text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION ctem.outbox_install(), ctem.run_maintenance(timestamptz, integer) FROM PUBLIC;
