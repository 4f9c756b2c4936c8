/*-------------------------------------------------------------------------
 *
 * ctem.c
 *		Module magic and initialisation of the ctem extension.
 *
 * The code is laid out by CTEM stage (docs/architecture.md has the map):
 * core/ the pure C cores, common/ the glue every stage shares, then
 * store/, prioritize/, discover/ and mobilize/.
 *
 * src/ctem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "guc.h"
#include "scope/scope.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	ctem_guc_init();
	ctem_routing_init();
}
