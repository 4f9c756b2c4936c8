/*-------------------------------------------------------------------------
 *
 * path_refresh.h
 *		ctem.asset.attack_path_probability: what the graph's statement
 *		triggers (graph_log.c) call after a tenant's graph changed.
 *
 * src/validate/path_refresh.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_PATH_REFRESH_H
#define CTEM_PATH_REFRESH_H

/*
 * Recompute the path factors of tenant with a fresh snapshot and store
 * those that changed (re-scoring their exposures); the number of assets
 * whose value changed.
 */
extern int	ctem_path_refresh(int32 tenant);

/* clear every stored path factor of tenant (its edges are gone) */
extern void ctem_path_clear(int32 tenant);

#endif							/* CTEM_PATH_REFRESH_H */
