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

#include "common/hashfn.h"
#include "utils/relcache.h"
#include "utils/uuid.h"

/*
 * The SET clause of a re-detection: exposure "e" seen again with the values
 * of row n (last_seen, sources, aliases, title, severity, cvss,
 * component_version, fixed_version, details).  One definition for the
 * trigger's merge and for ctem.ingest (its UPDATE and its ON CONFLICT, where
 * n is "excluded"), so every path agrees.
 */
#define CTEM_MERGE_SET(n) \
	"last_seen = GREATEST(e.last_seen, " n ".last_seen), " \
	"sources = CASE WHEN " n ".sources OPERATOR(pg_catalog.<@) e.sources THEN e.sources " \
	"ELSE ctem.array_union(e.sources, " n ".sources) END, " \
	"aliases = CASE WHEN " n ".aliases OPERATOR(pg_catalog.<@) e.aliases THEN e.aliases " \
	"ELSE ctem.array_union(e.aliases, " n ".aliases) END, " \
	"title = COALESCE(e.title, " n ".title), " \
	"severity = CASE WHEN " n ".severity OPERATOR(pg_catalog.=) 'unknown' THEN e.severity ELSE " n ".severity END, " \
	"cvss = COALESCE(" n ".cvss, e.cvss), " \
	"component_version = COALESCE(" n ".component_version, e.component_version), " \
	"fixed_version = COALESCE(" n ".fixed_version, e.fixed_version), " \
	"details = e.details OPERATOR(pg_catalog.||) " n ".details, " \
	"status = CASE WHEN e.status OPERATOR(pg_catalog.=) 'fixed' " \
	"THEN 'open'::ctem.exposure_status ELSE e.status END"
#define CTEM_MERGE_SET_SQL CTEM_MERGE_SET("n")

/*
 * ctem.c: make the parsing cores (and jansson) allocate with palloc in the
 * current memory context, or go back to malloc; call with false in a
 * PG_FINALLY.  A palloc'd copy of s, or NULL when s is NULL or empty.
 */
extern void ctem_core_use_palloc(bool on);
extern char *ctem_pstrdup_nonempty(const char *s);

/* a backend-local hash table in cxt (keyflag: HASH_BLOBS or HASH_STRINGS) */
extern struct HTAB *ctem_hash_create(const char *name, long nelem, Size keysize,
									 Size entrysize, int keyflag, MemoryContext cxt);

/*
 * The key of an asset, (tenant_id, id), in the per-statement tables that
 * the exposure trigger looks an asset up in once per row (asset_ref.c,
 * score.c).  Those are lib/simplehash.h tables rather than dynahash: an
 * open-addressing lookup reads the entry itself, where dynahash walks a
 * directory, a segment and a bucket chain first; on a COPY whose rows name
 * thousands of assets that is a few cache misses a row fewer.
 */
typedef struct CtemAssetKey
{
	int64		asset_id;
	int32		tenant;
} CtemAssetKey;

static inline uint32
ctem_asset_key_hash(CtemAssetKey k)
{
	return hash_combine(murmurhash32((uint32) k.tenant),
						murmurhash32((uint32) k.asset_id ^ (uint32) (k.asset_id >> 32)));
}

#define CTEM_ASSET_KEY_EQUAL(a, b) \
	((a).asset_id == (b).asset_id && (a).tenant == (b).tenant)

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

/* exposure.c: code of a status label, -1 if none */
extern int	ctem_status_parse(const char *label);

/* exposure.c: identity of an exposure */
extern text *ctem_canonical_rule_id_text(text *t);
extern text *ctem_nonempty_or_null(text *t);
extern bool ctem_index_probe2(Relation rel, Oid indexoid, RegProcedure eq1,
							  Datum k1, RegProcedure eq2, Datum k2,
							  int out_att, Datum *out);
extern pg_uuid_t *ctem_fingerprint(int64 asset_id, const char *kind,
								   text *rule_id, text *component,
								   text *location);

/* asset_ref.c: the exposure -> asset reference (per-statement state) */
typedef struct CtemAssetRefs CtemAssetRefs;
extern bool ctem_asset_ref_check(CtemAssetRefs **refsp, MemoryContext cxt,
								 Relation exposure_rel, int32 tenant,
								 int64 asset_id);

#endif							/* CTEM_H */
