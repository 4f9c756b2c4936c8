/*-------------------------------------------------------------------------
 *
 * common.h
 *		Helpers that the PostgreSQL glue of every stage shares: allocation
 *		for the pure cores, hash tables, attribute numbers, acting as the
 *		extension's owner, enum labels and codes, index probes and SPI.
 *
 * Nothing here knows a ctem table's meaning: a helper that does belongs to
 * its stage's folder.  Every stage may include this header; it includes no
 * stage header.
 *
 * src/common/common.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_COMMON_H
#define CTEM_COMMON_H

#include "fmgr.h"

#include "executor/spi.h"
#include "utils/array.h"
#include "utils/relcache.h"

/*
 * Make the pure cores (report reader, KEV parser and jansson) allocate with
 * palloc in the current memory context, or go back to malloc; call with
 * false in a PG_FINALLY.
 */
extern void ctem_core_use_palloc(bool on);

/* a palloc'd copy of s, or NULL when s is NULL or empty */
extern char *ctem_pstrdup_nonempty(const char *s);

/* a backend-local hash table in cxt (keyflag: HASH_BLOBS or HASH_STRINGS) */
extern struct HTAB *ctem_hash_create(const char *name, long nelem, Size keysize,
									 Size entrysize, int keyflag, MemoryContext cxt);

/* attribute number of column name of rel; an error when it has none */
extern int	ctem_attnum(Relation rel, const char *name);

/*
 * Act as role owner without row-level security, as RI does, until
 * ctem_owner_end(save): ctem's own bookkeeping (reference checks, the
 * scoring context) needs no privilege of the user.  An error restores the
 * user with the (sub)transaction's abort.
 */
typedef struct CtemSavedUser
{
	Oid			userid;
	int			sec_context;
} CtemSavedUser;

extern void ctem_owner_begin(Oid owner, CtemSavedUser *save);
extern void ctem_owner_end(const CtemSavedUser *save);

/* label of an enum value, in the caller's memory context */
extern char *ctem_enum_label(Datum value);

/*
 * The labels of the enum values one statement or function meets (a few:
 * severity, status, maturity...), kept in a short list; zero it to start.
 * A value past the list's room gets a label in the caller's context.
 */
#define CTEM_LABELS_MAX 32
typedef struct CtemLabels
{
	int			n;
	Oid			oid[CTEM_LABELS_MAX];
	char		label[CTEM_LABELS_MAX][NAMEDATALEN];
} CtemLabels;

extern const char *ctem_label(CtemLabels *labels, Datum value);

/*
 * An enum value's code, as parse() reads its label: parsed once per value,
 * then found by OID (enum OIDs never change meaning, so nothing needs
 * invalidating).  One CtemEnumCodes per enum type and parser; zero it to
 * start.  A value past the list's room is parsed each time.
 */
#define CTEM_ENUM_CODES_MAX 16
typedef struct CtemEnumCodes
{
	int			n;
	Oid			oid[CTEM_ENUM_CODES_MAX];
	int			code[CTEM_ENUM_CODES_MAX];
} CtemEnumCodes;

extern int	ctem_enum_code(CtemEnumCodes *codes, Datum value,
						   int (*parse) (const char *label));

/* ctem.exposure_status; the last three are closed (resolved_at set) */
typedef enum CtemStatus
{
	CTEM_STATUS_OPEN,
	CTEM_STATUS_IN_PROGRESS,
	CTEM_STATUS_FIXED,
	CTEM_STATUS_RISK_ACCEPTED,
	CTEM_STATUS_FALSE_POSITIVE
} CtemStatus;
#define CTEM_STATUS_CLOSED(s) ((s) >= CTEM_STATUS_FIXED)

/* code of a ctem.exposure_status label, -1 if none */
extern int	ctem_status_parse(const char *label);

/*
 * Is there a row of rel that index indexoid finds for two equality keys
 * (eq1/k1 on its first column, eq2/k2 on its second), seen with SnapshotSelf
 * (committed rows and this transaction's, this statement's included)?  With
 * out_att > 0, *out gets that column of the first one (0 when NULL).
 */
extern bool ctem_index_probe2(Relation rel, Oid indexoid, RegProcedure eq1,
							  Datum k1, RegProcedure eq2, Datum k2,
							  int out_att, Datum *out);

/* SPI_connect, or an error */
/* a bigint[] of the n values (palloc'd; huge allocations allowed) */
extern ArrayType *ctem_int8_array(const int64 *values, int n);

extern void ctem_spi_connect(void);

/*
 * The plan of sql with nargs parameters of types argtypes, prepared and
 * kept for the backend in *plan on first use (a backend-lifetime cache:
 * SPI re-plans it when a table it reads changes).  Call while connected.
 */
extern SPIPlanPtr ctem_spi_keep_plan(SPIPlanPtr *plan, const char *sql,
									 int nargs, Oid *argtypes);

#endif							/* CTEM_COMMON_H */
