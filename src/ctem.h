/*-------------------------------------------------------------------------
 *
 * ctem.h
 *		Declarations shared by the backend-side files of ctem.
 *
 * src/ctem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_H
#define CTEM_H

#include "fmgr.h"

/* label of an enum value, in the caller's memory context */
extern char *ctem_enum_label(Datum value);

#endif							/* CTEM_H */
