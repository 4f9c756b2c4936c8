/*-------------------------------------------------------------------------
 *
 * restore.h
 *		Whether the session is restoring a dump: then ctem's triggers store
 *		the dumped rows as they are (restore.c).
 *
 * src/common/restore.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_RESTORE_H
#define CTEM_RESTORE_H

#include "compat.h"

typedef enum CtemRestore
{
	CTEM_RESTORE_NONE,			/* an ordinary session: every check applies */
	CTEM_RESTORE_YES,			/* a superuser's restore: rows as dumped */
	CTEM_RESTORE_REFUSED		/* restore settings, but not a superuser */
} CtemRestore;

extern CtemRestore ctem_restore_state(void);
pg_noreturn extern void ctem_restore_refuse(const char *table);

#endif							/* CTEM_RESTORE_H */
