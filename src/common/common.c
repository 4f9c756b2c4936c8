/*-------------------------------------------------------------------------
 *
 * common.c
 *		Helpers that the PostgreSQL glue of every stage shares (common.h).
 *
 * src/common/common.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_enum.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "compat.h"
#include "common/common.h"
#include "core/intel_core.h"
#include "core/report/report.h"

/* palloc/pfree for the parsing cores and jansson; pfree must accept NULL */
static void *
core_alloc(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
core_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

void
ctem_core_use_palloc(bool on)
{
	if (on)
	{
		ctem_report_set_allocator(core_alloc, core_free);
		ctem_kev_set_allocator(core_alloc, core_free);
	}
	else
	{
		ctem_report_set_allocator(NULL, NULL);
		ctem_kev_set_allocator(NULL, NULL);
	}
}

char *
ctem_pstrdup_nonempty(const char *s)
{
	return (s != NULL && s[0] != '\0') ? pstrdup(s) : NULL;
}

HTAB *
ctem_hash_create(const char *name, long nelem, Size keysize, Size entrysize,
				 int keyflag, MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, nelem, &ctl, HASH_ELEM | keyflag | HASH_CONTEXT);
}

void
ctem_owner_begin(Oid owner, CtemSavedUser *save)
{
	GetUserIdAndSecContext(&save->userid, &save->sec_context);
	SetUserIdAndSecContext(owner, save->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
}

void
ctem_owner_end(const CtemSavedUser *save)
{
	SetUserIdAndSecContext(save->userid, save->sec_context);
}

int
ctem_attnum(Relation rel, const char *name)
{
	int			a = SPI_fnumber(RelationGetDescr(rel), name);

	if (a <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" has no column \"%s\" that ctem needs",
						RelationGetRelationName(rel), name),
				 errhint("A ctem trigger was attached to another table, or the extension is older than its library: run ALTER EXTENSION ctem UPDATE.")));
	return a;
}

char *
ctem_enum_label(Datum value)
{
	HeapTuple	tup;
	char	   *label;

	tup = SearchSysCache1(ENUMOID, value);
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for enum value %u",
			 DatumGetObjectId(value));
	label = pstrdup(NameStr(((Form_pg_enum) GETSTRUCT(tup))->enumlabel));
	ReleaseSysCache(tup);
	return label;
}

const char *
ctem_label(CtemLabels *labels, Datum value)
{
	Oid			oid = DatumGetObjectId(value);
	char	   *label;

	for (int i = 0; i < labels->n; i++)
		if (labels->oid[i] == oid)
			return labels->label[i];
	label = ctem_enum_label(value);
	if (labels->n < CTEM_LABELS_MAX)
	{
		int			i = labels->n++;

		labels->oid[i] = oid;
		strlcpy(labels->label[i], label, NAMEDATALEN);
		pfree(label);
		return labels->label[i];
	}
	return label;
}

int
ctem_enum_code(CtemEnumCodes *codes, Datum value, int (*parse) (const char *label))
{
	Oid			oid = DatumGetObjectId(value);
	char	   *label;
	int			code;

	for (int i = 0; i < codes->n; i++)
		if (codes->oid[i] == oid)
			return codes->code[i];
	label = ctem_enum_label(value);
	code = parse(label);
	pfree(label);
	if (codes->n < CTEM_ENUM_CODES_MAX)
	{
		codes->oid[codes->n] = oid;
		codes->code[codes->n] = code;
		codes->n++;
	}
	return code;
}

int
ctem_status_parse(const char *label)
{
	static const char *const names[] = {
		"open", "in_progress", "fixed", "risk_accepted", "false_positive"
	};

	for (int i = 0; i < lengthof(names); i++)
		if (strcmp(label, names[i]) == 0)
			return i;
	return -1;
}

/*
 * Is there a row of rel that index indexoid finds for two equality keys
 * (eq1/k1 on its first column, eq2/k2 on its second), seen with SnapshotSelf
 * (committed rows and this transaction's, this statement's included)?  With
 * out_att > 0, *out gets that column of the first one (0 when NULL).
 */
bool
ctem_index_probe2(Relation rel, Oid indexoid, RegProcedure eq1, Datum k1,
				  RegProcedure eq2, Datum k2, int out_att, Datum *out)
{
	Relation	idx;
	IndexScanDesc scan;
	ScanKeyData keys[2];
	TupleTableSlot *slot;
	bool		found;

	idx = index_open(indexoid, AccessShareLock);
	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, eq1, k1);
	ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, eq2, k2);
	slot = table_slot_create(rel, NULL);
	scan = ctem_index_beginscan(rel, idx, SnapshotSelf, 2, 0);
	index_rescan(scan, keys, 2, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	if (found && out_att > 0)
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, out_att, &isnull);

		*out = isnull ? (Datum) 0 : d;
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	return found;
}

void
ctem_spi_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

SPIPlanPtr
ctem_spi_keep_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		*plan = p;
	}
	return *plan;
}

ArrayType *
ctem_int8_array(const int64 *values, int n)
{
	Datum	   *d = palloc_extended(sizeof(Datum) * Max(n, 1), MCXT_ALLOC_HUGE);

	for (int i = 0; i < n; i++)
		d[i] = Int64GetDatum(values[i]);
	return construct_array(d, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}
