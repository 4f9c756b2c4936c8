/*-------------------------------------------------------------------------
 *
 * exposure.c
 *		The BEFORE row trigger of ctem.exposure: the path every exposure row
 *		takes, from ctem.ingest and from an ETL job's INSERT or COPY alike.
 *
 * It reads top to bottom, one step a function:
 *	1. keys: the canonical rule id and the fingerprint (store/identity.c)
 *	2. reference check: the row's asset exists and is locked, once per
 *	   statement and asset (store/asset_ref.c; argument 'asset')
 *	3. merge: an INSERT of a fingerprint that already exists is a
 *	   re-detection: the existing row is updated (last_seen, sources,
 *	   aliases, the newer descriptive columns, details; a fixed exposure is
 *	   reopened) and the insert skipped (argument 'merge'), so ETL jobs get
 *	   the same dedup as ctem.ingest.  The probe uses SnapshotSelf, so
 *	   duplicates within one statement merge too.  A concurrent uncommitted
 *	   insert of the same fingerprint by another session is not seen; the
 *	   unique index then makes the later transaction fail (ingest callers
 *	   should serialise per asset).  An asset that had no exposure when the
 *	   statement met it is "fresh", and its rows are probed only when this
 *	   statement may have inserted their fingerprint.
 *	4. resolved_at follows status
 *	5. score (prioritize/score.c; argument 'score')
 *	6. note the tenant for the attack graph's change log (validate/graph_log.c)
 *	7. team: routing (scope/routing.c, through ctem_exposure_team_hook)
 *
 * src/discover/exposure.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "compat.h"
#include "common/common.h"
#include "common/share.h"
#include "discover/exposure.h"
#include "prioritize/score.h"
#include "store/asset_ref.h"
#include "store/identity.h"
#include "validate/graph_log.h"

PG_FUNCTION_INFO_V1(ctem_exposure_before_row);

CtemExposureTeamHook ctem_exposure_team_hook = NULL;


/*
 * Fingerprints inserted on fresh assets: the first FRESH_SMALL in an array,
 * then in a blocked Bloom filter of FRESH_FILTER_KB.  Each fingerprint sets
 * FRESH_FILTER_K bits of one 64-byte block, so that a test or an insert
 * touches one cache line (lib/bloomfilter.c touches up to ten, scattered
 * over the whole filter: ten cache misses a row in a COPY of a million).
 * A fingerprint is SHA-256 output, uniform already, so its bytes choose the
 * block and the bits without further hashing.  False positives, about 0.02%
 * at a million fingerprints and 0.2% at two, cost an index probe, nothing
 * else.
 */
#define FRESH_SMALL 64
#define FRESH_FILTER_KB 4096
#define FRESH_BLOCK_WORDS 8		/* uint64 words in a block: 64 bytes */
#define FRESH_FILTER_BLOCKS (FRESH_FILTER_KB * 1024 / (FRESH_BLOCK_WORDS * 8))
#define FRESH_FILTER_K 4
StaticAssertDecl((FRESH_FILTER_BLOCKS & (FRESH_FILTER_BLOCKS - 1)) == 0,
				 "FRESH_FILTER_BLOCKS must be a power of 2");

/*
 * What the trigger remembers of the rows it wrote: the assets it checked and
 * locked, and the fingerprints it inserted on fresh assets.  Per statement,
 * or per ctem.ingest call (its batches share it, see common/share.h): the locks and
 * the rows last for the transaction, and the share goes with any abort.
 */
typedef struct CtemExposureWrites
{
	MemoryContext cxt;
	CtemAssetRefs *refs;
	int			nfresh;
	pg_uuid_t	fresh_small[FRESH_SMALL];
	uint64	   *fresh_filter;	/* FRESH_FILTER_BLOCKS blocks, 64-byte aligned */
} CtemExposureWrites;

/* attribute numbers of ctem.exposure, looked up once per statement */
typedef struct ExposureAtts
{
	Oid			relid;
	int			natts;
	Oid			fp_index;		/* exposure_fingerprint_unique */
	int			tenant_id;
	int			id;
	int			asset_id;
	int			kind;
	int			rule_id;
	int			component;
	int			location;
	int			fingerprint;
	int			status;
	int			resolved_at;
	/* merged on re-detection, in the order of MERGE_SQL's $3..$11 */
	int			merge[9];
	Oid			tgoid;			/* the trigger whose arguments follow */
	bool		arg_asset;		/* its arguments: 'asset', 'merge', 'score' */
	bool		arg_merge;
	bool		arg_score;
	CtemScoreCache *score;		/* scoring context of this statement */
	CtemExposureWrites *writes;		/* of this statement, unless shared */
	CtemLabels	labels;			/* enum labels seen in this statement */
	CtemEnumCodes status_codes; /* status values seen */
	void	   *route;			/* the routing hook's state */
} ExposureAtts;

static const char *const merge_columns[9] = {
	"last_seen", "sources", "aliases", "title", "severity", "cvss",
	"component_version", "fixed_version", "details"
};

/*
 * Re-detection of an existing exposure: $1 tenant, $2 id, $3.. the new
 * row's values of merge_columns.
 */
#define MERGE_SQL \
	"UPDATE ctem.exposure e SET " CTEM_MERGE_SET_SQL " " \
	"FROM (SELECT $3 AS last_seen, $4 AS sources, $5 AS aliases, $6 AS title, " \
	"$7 AS severity, $8 AS cvss, $9 AS component_version, $10 AS fixed_version, " \
	"$11 AS details) n " \
	"WHERE e.tenant_id OPERATOR(pg_catalog.=) $1 AND e.id OPERATOR(pg_catalog.=) $2"

/* the prepared merge, kept for the backend; re-prepared if the table changes */
static SPIPlanPtr merge_plan = NULL;
static Oid	merge_plan_relid = InvalidOid;

static bool
trigger_has_arg(const Trigger *trigger, const char *arg)
{
	for (int i = 0; i < trigger->tgnargs; i++)
		if (strcmp(trigger->tgargs[i], arg) == 0)
			return true;
	return false;
}

static ExposureAtts *
exposure_atts(FunctionCallInfo fcinfo, Relation rel, const Trigger *trigger)
{
	ExposureAtts *atts = (ExposureAtts *) fcinfo->flinfo->fn_extra;
	TupleDesc	tupdesc = rel->rd_att;

	if (atts != NULL && atts->relid == RelationGetRelid(rel) &&
		atts->natts == tupdesc->natts && atts->tgoid == trigger->tgoid)
		return atts;

	if (atts == NULL)
		atts = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ExposureAtts));
	atts->score = NULL;
	atts->writes = NULL;
	atts->labels.n = 0;
	atts->status_codes.n = 0;
	atts->route = NULL;
	atts->relid = RelationGetRelid(rel);
	atts->natts = tupdesc->natts;
	atts->tgoid = trigger->tgoid;
	atts->arg_asset = trigger_has_arg(trigger, "asset");
	atts->arg_merge = trigger_has_arg(trigger, "merge");
	atts->arg_score = trigger_has_arg(trigger, "score");
	atts->fp_index = get_relname_relid("exposure_fingerprint_unique",
									   RelationGetNamespace(rel));
	atts->tenant_id = ctem_attnum(rel, "tenant_id");
	atts->id = ctem_attnum(rel, "id");
	for (int i = 0; i < lengthof(merge_columns); i++)
		atts->merge[i] = ctem_attnum(rel, merge_columns[i]);
	atts->asset_id = ctem_attnum(rel, "asset_id");
	atts->kind = ctem_attnum(rel, "kind");
	atts->rule_id = ctem_attnum(rel, "rule_id");
	atts->component = ctem_attnum(rel, "component");
	atts->location = ctem_attnum(rel, "location");
	atts->fingerprint = ctem_attnum(rel, "fingerprint");
	atts->status = ctem_attnum(rel, "status");
	atts->resolved_at = ctem_attnum(rel, "resolved_at");
	fcinfo->flinfo->fn_extra = atts;
	return atts;
}

/* text column att of a deformed row, or NULL */
static text *
row_text(const Datum *values, const bool *nulls, int att)
{
	return nulls[att - 1] ? NULL : DatumGetTextPP(values[att - 1]);
}

/*
 * Id of the exposure of this tenant with this fingerprint (seen as
 * ctem_index_probe2 sees); 0 when there is none.
 */
static int64
find_by_fingerprint(Relation rel, ExposureAtts *atts, Datum tenant, Datum fp)
{
	Datum		id = (Datum) 0;

	if (!OidIsValid(atts->fp_index))
		elog(ERROR, "index \"exposure_fingerprint_unique\" of ctem.exposure not found");
	if (!ctem_index_probe2(rel, atts->fp_index, F_INT4EQ, tenant, F_UUID_EQ, fp,
						   atts->id, &id))
		return 0;
	return DatumGetInt64(id);
}

/*
 * Merge the new row into exposure "id" (see MERGE_SQL).  Returns false when
 * the UPDATE found no row: the probe (SnapshotSelf) saw a row the statement's
 * snapshot does not, or one deleted meanwhile.
 */
static bool
merge_into(Relation rel, ExposureAtts *atts, const Datum *row, const bool *row_nulls,
		   Datum tenant, int64 id)
{
	TupleDesc	tupdesc = rel->rd_att;
	Datum		values[11];
	char		nulls[11];
	int			rc;
	bool		merged;

	ctem_spi_connect();
	if (merge_plan == NULL || merge_plan_relid != RelationGetRelid(rel))
	{
		Oid			types[11];
		SPIPlanPtr	plan;

		types[0] = INT4OID;
		types[1] = INT8OID;
		for (int i = 0; i < lengthof(merge_columns); i++)
			types[2 + i] = TupleDescAttr(tupdesc, atts->merge[i] - 1)->atttypid;
		plan = SPI_prepare(MERGE_SQL, 11, types);
		if (plan == NULL)
			elog(ERROR, "could not prepare the exposure merge: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		if (merge_plan != NULL)
			SPI_freeplan(merge_plan);
		merge_plan = plan;
		merge_plan_relid = RelationGetRelid(rel);
	}

	values[0] = tenant;
	nulls[0] = ' ';
	values[1] = Int64GetDatum(id);
	nulls[1] = ' ';
	for (int i = 0; i < lengthof(merge_columns); i++)
	{
		values[2 + i] = row[atts->merge[i] - 1];
		nulls[2 + i] = row_nulls[atts->merge[i] - 1] ? 'n' : ' ';
	}
	rc = SPI_execute_plan(merge_plan, values, nulls, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "exposure merge failed: %s", SPI_result_code_string(rc));
	merged = SPI_processed > 0;
	SPI_finish();
	return merged;
}

/*
 * What this statement (or the ctem.ingest call it is part of) wrote, kept in
 * the call's share when there is one, else in the statement's context.
 */
static CtemExposureWrites *
exposure_writes(ExposureAtts *atts, MemoryContext stmt_cxt)
{
	CtemCallShare *share = ctem_share_current();

	if (share != NULL)
	{
		if (share->writes == NULL)
		{
			share->writes = MemoryContextAllocZero(share->cxt, sizeof(CtemExposureWrites));
			share->writes->cxt = share->cxt;
		}
		return share->writes;
	}
	if (atts->writes == NULL)
	{
		atts->writes = MemoryContextAllocZero(stmt_cxt, sizeof(CtemExposureWrites));
		atts->writes->cxt = stmt_cxt;
	}
	return atts->writes;
}

/*
 * Add fp to the filter; was it (or a false positive) there already?  Bytes
 * 0-3 of the fingerprint choose the block, bytes 4-11 the bits in it.
 */
static bool
fresh_filter_add(uint64 *filter, const pg_uuid_t *fp)
{
	const uint8 *b = fp->data;
	uint32		block = ((uint32) b[0] << 24 | (uint32) b[1] << 16 |
						 (uint32) b[2] << 8 | b[3]) & (FRESH_FILTER_BLOCKS - 1);
	uint64	   *words = filter + (Size) block * FRESH_BLOCK_WORDS;
	bool		present = true;

	for (int i = 0; i < FRESH_FILTER_K; i++)
	{
		uint32		bit = ((uint32) b[4 + 2 * i] << 8 | b[5 + 2 * i]) &
			(FRESH_BLOCK_WORDS * 64 - 1);
		uint64		m = UINT64CONST(1) << (bit & 63);

		if ((words[bit >> 6] & m) == 0)
		{
			present = false;
			words[bit >> 6] |= m;
		}
	}
	return present;
}

/*
 * Could this statement have inserted fingerprint fp (of a fresh asset)
 * already?  false means certainly not, and records fp; true means maybe:
 * the caller probes the index as for any asset.
 */
static bool
fresh_fingerprint_seen(CtemExposureWrites *atts, const pg_uuid_t *fp)
{
	if (atts->fresh_filter == NULL)
	{
		char	   *mem;

		for (int i = 0; i < atts->nfresh; i++)
			if (memcmp(atts->fresh_small[i].data, fp->data, UUID_LEN) == 0)
				return true;
		if (atts->nfresh < FRESH_SMALL)
		{
			atts->fresh_small[atts->nfresh++] = *fp;
			return false;
		}
		mem = MemoryContextAllocZero(atts->cxt, FRESH_FILTER_KB * 1024 + PG_CACHE_LINE_SIZE);
		atts->fresh_filter = (uint64 *) TYPEALIGN(PG_CACHE_LINE_SIZE, mem);
		for (int i = 0; i < atts->nfresh; i++)
			(void) fresh_filter_add(atts->fresh_filter, &atts->fresh_small[i]);
	}
	return fresh_filter_add(atts->fresh_filter, fp);
}

/*
 * The row a BEFORE trigger call works on: deformed once; every column the
 * steps read comes from row/nulls, every column they set goes there, and
 * the new tuple is formed once at the end.
 */
typedef struct ExposureRow
{
	TriggerData *trigdata;
	FunctionCallInfo fcinfo;
	Relation	rel;
	ExposureAtts *atts;
	Datum	   *row;
	bool	   *nulls;
	Datum		tenant;
	bool		tenant_null;
	Datum		asset_id;
	text	   *rule_id;		/* canonical */
	Datum		fp;				/* fingerprint */
	CtemExposureWrites *writes; /* when the asset reference is checked */
} ExposureRow;

#define COL(r, att) (r)->row[(att) - 1]
#define COL_NULL(r, att) (r)->nulls[(att) - 1]

/*
 * 1. Keys: the canonical rule id and the fingerprint.  false when an
 * identity column is NULL (the NOT NULL constraints then report it).
 */
static bool
exposure_keys(ExposureRow *r)
{
	ExposureAtts *atts = r->atts;

	if (COL_NULL(r, atts->asset_id) || COL_NULL(r, atts->kind) ||
		COL_NULL(r, atts->rule_id))
		return false;
	r->asset_id = COL(r, atts->asset_id);
	r->rule_id = ctem_canonical_rule_id_text(row_text(r->row, r->nulls, atts->rule_id));
	COL(r, atts->rule_id) = PointerGetDatum(r->rule_id);

	r->fp = UUIDPGetDatum(ctem_fingerprint(DatumGetInt64(r->asset_id),
										   ctem_label(&atts->labels, COL(r, atts->kind)),
										   r->rule_id,
										   ctem_nonempty_or_null(row_text(r->row, r->nulls, atts->component)),
										   ctem_nonempty_or_null(row_text(r->row, r->nulls, atts->location))));
	COL(r, atts->fingerprint) = r->fp;
	COL_NULL(r, atts->fingerprint) = false;
	r->tenant = COL(r, atts->tenant_id);
	r->tenant_null = COL_NULL(r, atts->tenant_id);
	return true;
}

/*
 * 2. Reference check: the row references its asset (instead of a foreign
 * key): checked and locked once per statement and asset, on insert and when
 * an update moves the row to another asset.  Returns whether the asset is
 * "fresh": it had no exposure when the statement first met it.
 */
static bool
exposure_reference(ExposureRow *r)
{
	TriggerData *trigdata = r->trigdata;
	ExposureAtts *atts = r->atts;
	HeapTuple	oldtup;
	bool		n1,
				n2;
	Datum		ot,
				oa;

	if (r->tenant_null || !atts->arg_asset)
		return false;
	r->writes = exposure_writes(atts, r->fcinfo->flinfo->fn_mcxt);
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		return ctem_asset_ref_check(&r->writes->refs, r->writes->cxt, r->rel,
									DatumGetInt32(r->tenant),
									DatumGetInt64(r->asset_id), NULL, NULL);

	oldtup = trigdata->tg_trigtuple;
	ot = heap_getattr(oldtup, atts->tenant_id, RelationGetDescr(r->rel), &n1);
	oa = heap_getattr(oldtup, atts->asset_id, RelationGetDescr(r->rel), &n2);
	if (n1 || n2 || DatumGetInt32(ot) != DatumGetInt32(r->tenant) ||
		DatumGetInt64(oa) != DatumGetInt64(r->asset_id))
		(void) ctem_asset_ref_check(&r->writes->refs, r->writes->cxt, NULL,
									DatumGetInt32(r->tenant),
									DatumGetInt64(r->asset_id), NULL, NULL);
	return false;
}

/*
 * 3. Merge: an insert of a known problem is a re-detection; merge it into
 * the existing row and skip the insert (returns true).  On a fresh asset a
 * fingerprint can only exist if this statement inserted it (the asset is
 * locked, so it cannot be deleted and re-created meanwhile), so the index
 * probe is needed only for a fingerprint the statement may have inserted
 * already.  (A concurrent transaction inserting the same fingerprint on the
 * same new asset makes one of the two fail on the unique index, as an
 * uncommitted one always did.)
 */
static bool
exposure_merge(ExposureRow *r, bool fresh)
{
	int64		existing;

	if (!TRIGGER_FIRED_BY_INSERT(r->trigdata->tg_event) || r->tenant_null ||
		!r->atts->arg_merge)
		return false;
	if (fresh && !fresh_fingerprint_seen(r->writes, DatumGetUUIDP(r->fp)))
		return false;
	existing = find_by_fingerprint(r->rel, r->atts, r->tenant, r->fp);
	if (existing == 0)
		return false;
	if (merge_into(r->rel, r->atts, r->row, r->nulls, r->tenant, existing))
		return true;

	/*
	 * The row the probe saw is not visible to this statement: committed
	 * after a repeatable-read snapshot (report it as the serialization
	 * failure it is), or deleted meanwhile (insert the row; the unique index
	 * judges any new race).
	 */
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent update of an exposure"),
				 errdetail("Another transaction recorded the same exposure after this transaction's snapshot was taken."),
				 errhint("Retry the transaction.")));
	return false;
}

/* 4. resolved_at follows status: set when it closes, cleared on reopen */
static void
exposure_resolved_at(ExposureRow *r)
{
	ExposureAtts *atts = r->atts;
	int			status;
	bool		closed;

	if (COL_NULL(r, atts->status))
		return;
	status = ctem_enum_code(&atts->status_codes, COL(r, atts->status),
							ctem_status_parse);
	closed = CTEM_STATUS_CLOSED(status);
	if (closed && COL_NULL(r, atts->resolved_at))
	{
		COL(r, atts->resolved_at) = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		COL_NULL(r, atts->resolved_at) = false;
	}
	else if (!closed && !COL_NULL(r, atts->resolved_at))
	{
		COL(r, atts->resolved_at) = (Datum) 0;
		COL_NULL(r, atts->resolved_at) = true;
	}
}

/*
 * 5. Score.  The scoring context (policy, intel, assets, controls) is read
 * as the table's owner without row-level security, as a foreign key check
 * reads the referenced table: a role allowed to write exposures needs no
 * privilege on the context tables.
 */
static void
exposure_score(ExposureRow *r)
{
	CtemSavedUser save;

	if (!r->atts->arg_score)
		return;
	ctem_owner_begin(r->rel->rd_rel->relowner, &save);
	ctem_score_exposure_row(&r->atts->score, r->fcinfo->flinfo->fn_mcxt,
							r->rel, r->row, r->nulls,
							text_to_cstring(r->rule_id));
	ctem_owner_end(&save);
}

/*
 * BEFORE INSERT OR UPDATE FOR EACH ROW on ctem.exposure: keys, reference
 * check, merge, resolution time, score, in that order.
 */
/*
 * A text array column without NULL elements and without empty or blank
 * ones: the tools that saw an exposure (sources) and its other ids
 * (aliases) are names, and a raw INSERT of '{NULL,""}' names nothing.  The
 * common case, an array with none, costs one pass over its elements and no
 * copy.
 */
static void
exposure_clean_names(ExposureRow *r, int att)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *enulls;
	int			n;
	int			kept = 0;
	bool		clean = true;

	if (att <= 0 || r->nulls[att - 1])
		return;
	arr = DatumGetArrayTypeP(r->row[att - 1]);
	if (ARR_NDIM(arr) == 0)
		return;
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
	for (int i = 0; i < n; i++)
	{
		bool		blank = enulls[i];

		if (!blank)
		{
			text	   *t = DatumGetTextPP(elems[i]);
			const char *c = VARDATA_ANY(t);
			int			len = VARSIZE_ANY_EXHDR(t);

			blank = true;
			for (int j = 0; j < len && blank; j++)
				blank = c[j] == ' ' || c[j] == '\t' || c[j] == '\n' || c[j] == '\r';
		}
		if (blank)
			clean = false;
		else
			elems[kept++] = elems[i];
	}
	if (clean)
		return;
	r->row[att - 1] = PointerGetDatum(construct_array(elems, kept, TEXTOID, -1, false,
													  TYPALIGN_INT));
}

Datum
ctem_exposure_before_row(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	tupdesc;
	HeapTuple	tuple;
	HeapTuple	newtuple;
	ExposureRow r;
	bool		fresh;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "ctem_exposure_before_row: must be fired before a row event");

	tupdesc = trigdata->tg_relation->rd_att;
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ?
		trigdata->tg_newtuple : trigdata->tg_trigtuple;

	memset(&r, 0, sizeof(r));
	r.trigdata = trigdata;
	r.fcinfo = fcinfo;
	r.rel = trigdata->tg_relation;
	r.atts = exposure_atts(fcinfo, r.rel, trigdata->tg_trigger);
	r.row = palloc(sizeof(Datum) * tupdesc->natts);
	r.nulls = palloc(sizeof(bool) * tupdesc->natts);
	heap_deform_tuple(tuple, tupdesc, r.row, r.nulls);

	if (!exposure_keys(&r))
		return PointerGetDatum(tuple);
	/* names, not NULL or blank elements (merge_columns 1 and 2) */
	exposure_clean_names(&r, r.atts->merge[1]);
	exposure_clean_names(&r, r.atts->merge[2]);
	fresh = exposure_reference(&r);
	if (exposure_merge(&r, fresh))
		return PointerGetDatum(NULL);
	exposure_resolved_at(&r);
	exposure_score(&r);

	/*
	 * 6. The attack graph reads the exposure's tenant, asset, status and
	 * likelihood: note the tenant for the statement trigger that logs graph
	 * changes (one comparison a row while the tenant repeats).
	 */
	if (!r.tenant_null)
	{
		if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
			ctem_graph_note_tenant(DatumGetInt32(r.tenant));
		else
			ctem_graph_note_exposure_update(r.rel, trigdata->tg_trigtuple, r.row, r.nulls);
	}

	/* 7. the team, by the routing rules */
	if (ctem_exposure_team_hook != NULL && !r.tenant_null)
		ctem_exposure_team_hook(&r.atts->route, r.fcinfo->flinfo->fn_mcxt, r.rel,
								r.row, r.nulls);

	/* the new row, with the identity of the one it replaces */
	newtuple = heap_form_tuple(tupdesc, r.row, r.nulls);
	newtuple->t_data->t_ctid = tuple->t_data->t_ctid;
	newtuple->t_self = tuple->t_self;
	newtuple->t_tableOid = tuple->t_tableOid;
	return PointerGetDatum(newtuple);
}
