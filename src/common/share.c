/*-------------------------------------------------------------------------
 *
 * share.c
 *		The state one call shares between the statements it runs (share.h).
 *
 * src/common/share.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/memutils.h"

#include "compat.h"
#include "common/share.h"

static CtemCallShare *share = NULL;
static bool share_callbacks_registered = false;

static void
share_reset(void *arg)
{
	/* a context callback clears only its own share; aborts clear any */
	if (arg != NULL && arg != (void *) share)
		return;
	share = NULL;
}

/*
 * An error between begin and end frees the context with the (sub)transaction;
 * forget it then too, whatever order the cleanup runs in.
 */
static void
share_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		share_reset(NULL);
}

static void
share_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		share_reset(NULL);
}

bool
ctem_share_begin(MemoryContext parent)
{
	MemoryContext cxt;
	MemoryContextCallback *cb;

	if (!share_callbacks_registered)
	{
		RegisterXactCallback(share_xact_callback, NULL);
		RegisterSubXactCallback(share_subxact_callback, NULL);
		share_callbacks_registered = true;
	}
	if (share != NULL)
		return false;			/* nested: the outer caller owns the share */
	cxt = AllocSetContextCreate(parent, "ctem call share", ALLOCSET_SMALL_SIZES);
	share = MemoryContextAllocZero(cxt, sizeof(CtemCallShare));
	share->cxt = cxt;
	cb = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));
	cb->func = share_reset;
	cb->arg = share;
	MemoryContextRegisterResetCallback(cxt, cb);
	return true;
}

void
ctem_share_end(bool created)
{
	if (created && share != NULL)
		MemoryContextDelete(share->cxt);	/* the callback clears share */
}

CtemCallShare *
ctem_share_current(void)
{
	return share;
}
