/*-------------------------------------------------------------------------
 *
 * workflow.h
 *		What the history (history.c) reads of the workflow (workflow.c): the
 *		reason, application actor and risk acceptance of the status change
 *		ctem's own functions are making right now.
 *
 * src/mobilize/workflow.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_WORKFLOW_H
#define CTEM_WORKFLOW_H

/* why ctem's own code is changing statuses */
typedef enum CtemWorkflowMode
{
	CTEM_WF_NONE = 0,			/* a plain UPDATE: no context */
	CTEM_WF_SET_STATUS,			/* ctem.set_status */
	CTEM_WF_ACCEPT,				/* a risk acceptance is applied */
	CTEM_WF_EXPIRE,				/* a risk acceptance expired */
	CTEM_WF_REVOKE				/* a risk acceptance was revoked */
} CtemWorkflowMode;

typedef struct CtemWorkflowContext
{
	CtemWorkflowMode mode;
	const char *note;			/* the reason, or NULL */
	const char *app_actor;		/* the application's actor, or NULL */
	int64		acceptance_id;	/* 0 = none */
} CtemWorkflowContext;

/* the context in force (mode CTEM_WF_NONE outside ctem's functions) */
extern const CtemWorkflowContext *ctem_workflow_context(void);

#endif							/* CTEM_WORKFLOW_H */
