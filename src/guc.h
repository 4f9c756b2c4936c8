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

extern void ctem_guc_init(void);

#endif							/* CTEM_GUC_H */
