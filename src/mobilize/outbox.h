/*-------------------------------------------------------------------------
 *
 * outbox.h
 *		Writing ctem.outbox from ctem's triggers (outbox.c).
 *
 * src/mobilize/outbox.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_OUTBOX_H
#define CTEM_OUTBOX_H

/* one outbox row to write */
typedef struct CtemOutboxEvent
{
	int32		tenant;
	int64		exposure_id;
	const char *event_type;		/* a value of ctem.outbox.event_type */
	const char *team;			/* the exposure's team, or NULL */
	int			order;			/* used by ctem_outbox_enqueue */
} CtemOutboxEvent;

/*
 * Writes the rows with ctem.outbox_write, one call per tenant, as the owner
 * of ctem.outbox, in the order given within a tenant; reorders ev.  Does
 * nothing when ctem.outbox does not exist.
 */
extern void ctem_outbox_enqueue(CtemOutboxEvent *ev, int n);

#endif							/* CTEM_OUTBOX_H */
