/*-------------------------------------------------------------------------
 *
 * ctem.c
 *		Module magic and initialisation of the ctem extension.
 *
 * src/ctem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/*
	 * Nothing to set up yet: ctem keeps its configuration in tables (a SET
	 * would not reach the workers of a distributed cluster).
	 */
}
