/*-------------------------------------------------------------------------
 *
 * guc.h
 *		The settings of ctem (all under the reserved prefix "ctem.").
 *
 * src/guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_GUC_H
#define CTEM_GUC_H

/* ctem.event_note: the note the next history events get; NULL when unset */
extern char *ctem_event_note;

/* ctem.graph_cache_mb: memory for one backend's cached attack graphs */
extern int	ctem_graph_cache_mb;

/* ctem.graph_trace: report graph reads and cache hits as NOTICEs */
extern bool ctem_graph_trace;

extern void ctem_guc_init(void);

#endif							/* CTEM_GUC_H */
