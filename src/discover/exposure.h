/*-------------------------------------------------------------------------
 *
 * exposure.h
 *		What ctem.ingest shares with the exposure trigger: the merge of a
 *		re-detection.
 *
 * src/discover/exposure.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_EXPOSURE_H
#define CTEM_EXPOSURE_H

/*
 * The SET clause of a re-detection: exposure "e" seen again with the values
 * of row n (last_seen, sources, aliases, title, severity, cvss,
 * component_version, fixed_version, details).  One definition for the
 * trigger's merge and for ctem.ingest (its UPDATE and its ON CONFLICT, where
 * n is "excluded"), so every path agrees.
 */
#define CTEM_MERGE_SET(n) \
	"last_seen = GREATEST(e.last_seen, " n ".last_seen), " \
	"sources = CASE WHEN " n ".sources OPERATOR(pg_catalog.<@) e.sources THEN e.sources " \
	"ELSE ctem.array_union(e.sources, " n ".sources) END, " \
	"aliases = CASE WHEN " n ".aliases OPERATOR(pg_catalog.<@) e.aliases THEN e.aliases " \
	"ELSE ctem.array_union(e.aliases, " n ".aliases) END, " \
	"title = COALESCE(e.title, " n ".title), " \
	"severity = CASE WHEN " n ".severity OPERATOR(pg_catalog.=) 'unknown' THEN e.severity ELSE " n ".severity END, " \
	"cvss = COALESCE(" n ".cvss, e.cvss), " \
	"component_version = COALESCE(" n ".component_version, e.component_version), " \
	"fixed_version = COALESCE(" n ".fixed_version, e.fixed_version), " \
	"details = e.details OPERATOR(pg_catalog.||) " n ".details, " \
	"status = CASE WHEN e.status OPERATOR(pg_catalog.=) 'fixed' " \
	"THEN 'open'::ctem.exposure_status ELSE e.status END"
#define CTEM_MERGE_SET_SQL CTEM_MERGE_SET("n")

/*
 * Routing (src/scope/routing.c, a higher layer, sets it in _PG_init): called
 * by the exposure trigger for every row it writes, after scoring, to set the
 * row's team.  *state is the hook's, kept for the statement in cxt.
 */
#include "utils/relcache.h"
typedef void (*CtemExposureTeamHook) (void **state, MemoryContext cxt,
									  Relation rel, Datum *row, bool *nulls);
extern PGDLLIMPORT CtemExposureTeamHook ctem_exposure_team_hook;

#endif							/* CTEM_EXPOSURE_H */
