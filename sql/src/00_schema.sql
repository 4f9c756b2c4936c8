/*
 * 00_schema.sql
 *		Start of the ctem install script: the guard against sourcing it in
 *		psql, and the ctem schema that holds every object of the extension.
 *
 * The install script sql/ctem--<default_version>.sql is the files of
 * sql/src/ concatenated in file-name order (see the Makefile), one file per
 * CTEM stage, so that the current schema reads in one place:
 *
 *	00_schema.sql			the schema
 *	10_types.sql			the enums and the ctem.cvss base type with its
 *							casts, operators and accessors
 *	20_store.sql			ctem.asset and ctem.exposure, their keys and
 *							row triggers, ctem.ensure_asset
 *	30_discovery.sql		threat intel (ctem.vuln_intel, KEV and EPSS
 *							loaders), report ingest, the re-detection merge,
 *							the exposure history (ctem.exposure_event)
 *	40_prioritization.sql	the scoring policy, compensating controls, the
 *							risk score functions, the re-scoring triggers
 *	50_validation.sql		validation results and how they feed the score;
 *							attack paths: the asset graph, its change log
 *							and the functions over the cached graph
 *	80_views.sql			views for analysts and BI tools
 *	90_grants.sql			privileges
 *
 * The order in which the tables are created shows in query output (ORDER BY
 * regclass, pg_extension.extconfig, the tables a TRUNCATE ... CASCADE
 * names), and the tests expect it: asset, exposure (20), vuln_intel,
 * exposure_event (30), policy, control (40), validation_result, asset_edge,
 * graph_change (50).
 *
 * Every tenant-scoped table carries tenant_id (default 1) first in every
 * primary, unique and foreign key, so that the schema stays distributable
 * by tenant (docs/architecture.md, "Scale-out").  The script seeds no row
 * into a tenant table.  Column order is part of the interface (ETL jobs COPY
 * without a column list): a new column goes at the end of its table.
 *
 * Once a version is released its script is never edited: a later change
 * goes here and into an upgrade step sql/ctem--A--B.sql, and the upgrade
 * test (test/sql/upgrade.sql) checks that both give the same catalog.
 *
 * sql/src/00_schema.sql
 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION ctem" to load this file. \quit

-- The schema is the script's first object, so the extension owns it: it is
-- dropped with the extension, and CREATE EXTENSION fails when a ctem schema
-- already exists (nobody can plant objects in it beforehand).
CREATE SCHEMA ctem;
COMMENT ON SCHEMA ctem IS
	'Continuous Threat Exposure Management: asset inventory, exposures, scoring, validation and mobilization objects of the ctem extension';
