/*-------------------------------------------------------------------------
 *
 * routing.c
 *		ctem.exposure.team: the first ctem.routing_rule (lowest priority,
 *		then id) whose match holds for the exposure and its asset, else the
 *		asset's owner when a ctem.team of that name exists, else NULL.
 *
 * One engine serves both paths:
 *	- the BEFORE row trigger of ctem.exposure (src/discover/exposure.c)
 *	  calls routing_row through ctem_exposure_team_hook (scope is a higher
 *	  layer than discover, so the trigger knows only the hook) on every
 *	  INSERT and UPDATE;
 *	- ctem.exposure_team(tenant, asset, kind, rule_id, severity), which the
 *	  set-based re-routing of 65_teams.sql calls when rules, teams or
 *	  assets change.
 * Per statement (the trigger's or the function's fn_extra), each tenant's
 * rules are compiled once, its team names read once, and each asset read
 * once (after ROUTE_MISSES misses, all of the tenant's assets in one
 * query).  A tenant without rules and teams costs one query per statement
 * and nothing per row.  The reachable set (reachable_from_entry) is read
 * only when a rule uses it.
 *
 * src/scope/routing.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "compat.h"
#include "common/common.h"
#include "common/tenant.h"
#include "discover/exposure.h"
#include "scope/scope.h"

PG_FUNCTION_INFO_V1(ctem_exposure_team);

/* asset misses after which all of the tenant's assets are read at once */
#define ROUTE_MISSES 64

typedef struct RouteAsset
{
	int64		id;				/* hash key */
	bool		found;
	int			reachable;		/* -1 until looked up */
	CtemScopeSubject s;
	Datum		owner_team;		/* the owner's name when it is a team */
	bool		owner_is_team;
} RouteAsset;

typedef struct RouteTenant
{
	struct RouteTenant *next;
	int32		tenant;
	bool		empty;			/* no rule and no team */
	int			nrules;
	CtemScopeFilter **rules;
	Datum	   *teams;			/* text, of each rule */
	bool		need_reach;
	HTAB	   *reach;			/* asset ids reachable from an entry point */
	char	  **team_names;		/* sorted bytewise */
	int			nteams;
	HTAB	   *assets;
	int			misses;
	bool		all_assets;
} RouteTenant;

typedef struct RouteState
{
	MemoryContext cxt;
	RouteTenant *tenants;
	CtemLabels	labels;
	/* attribute numbers of ctem.exposure (the trigger's relation) */
	Oid			relid;
	int			natts;
	AttrNumber	team;			/* InvalidAttrNumber: no such column */
	AttrNumber	tenant_id;
	AttrNumber	asset_id;
	AttrNumber	kind;
	AttrNumber	rule_id;
	AttrNumber	severity;
} RouteState;

static SPIPlanPtr rules_plan = NULL;
static SPIPlanPtr teams_plan = NULL;
static SPIPlanPtr asset_plan = NULL;
static SPIPlanPtr assets_plan = NULL;
static SPIPlanPtr reach_plan = NULL;

#define ASSET_COLS "a.id, a.kind::pg_catalog.text, a.natural_key, a.environment, " \
	"a.business_service, a.owner, a.criticality, a.internet_facing, a.crown_jewel, a.tags "

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *
col_text(HeapTuple tup, TupleDesc desc, int col, size_t *len)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	text	   *t;

	if (isnull)
		return NULL;
	t = DatumGetTextPP(d);
	*len = VARSIZE_ANY_EXHDR(t);
	return pnstrdup(VARDATA_ANY(t), *len);
}

static CtemScopeStr
col_str(HeapTuple tup, TupleDesc desc, int col)
{
	CtemScopeStr s;

	s.len = 0;
	s.s = col_text(tup, desc, col, &s.len);
	return s;
}

static int
col_tri(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? -1 : (DatumGetBool(d) ? 1 : 0);
}

/* copy an asset row of ASSET_COLS into the tenant's cache (in cxt) */
static RouteAsset *
store_asset(RouteState *st, RouteTenant *t, HeapTuple tup, TupleDesc desc)
{
	bool		isnull,
				found;
	int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	RouteAsset *a = hash_search(t->assets, &id, HASH_ENTER, &found);
	Datum		d;

	memset(((char *) a) + sizeof(int64), 0, sizeof(RouteAsset) - sizeof(int64));
	a->found = true;
	a->reachable = -1;
	a->s.kind = col_str(tup, desc, 2);
	a->s.natural_key = col_str(tup, desc, 3);
	a->s.environment = col_str(tup, desc, 4);
	a->s.business_service = col_str(tup, desc, 5);
	a->s.owner = col_str(tup, desc, 6);
	d = SPI_getbinval(tup, desc, 7, &isnull);
	a->s.criticality = isnull ? 0 : DatumGetInt16(d);
	a->s.internet_facing = col_tri(tup, desc, 8);
	a->s.crown_jewel = col_tri(tup, desc, 9);
	d = SPI_getbinval(tup, desc, 10, &isnull);
	if (!isnull)
	{
		Datum	   *elems;
		bool	   *enulls;
		int			n;
		CtemScopeStr *tags;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &enulls, &n);
		tags = palloc(sizeof(CtemScopeStr) * Max(n, 1));
		for (int i = 0; i < n; i++)
		{
			tags[i].s = NULL;
			tags[i].len = 0;
			if (!enulls[i])
			{
				text	   *tt = DatumGetTextPP(elems[i]);

				tags[i].len = VARSIZE_ANY_EXHDR(tt);
				tags[i].s = pnstrdup(VARDATA_ANY(tt), tags[i].len);
			}
		}
		a->s.tags = tags;
		a->s.ntags = n;
	}
	if (a->s.owner.s != NULL && t->nteams > 0)
	{
		const char *key = a->s.owner.s;

		if (bsearch(&key, t->team_names, t->nteams, sizeof(char *), cmp_names) != NULL)
		{
			a->owner_is_team = true;
			a->owner_team = PointerGetDatum(cstring_to_text_with_len(a->s.owner.s,
																	 a->s.owner.len));
		}
	}
	(void) found;
	return a;
}

/* the tenant's rules and team names, read as the current user (see callers) */
static RouteTenant *
load_tenant(RouteState *st, int32 tenant)
{
	RouteTenant *t;
	Datum		arg = Int32GetDatum(tenant);
	Oid			type = INT4OID;
	MemoryContext old = MemoryContextSwitchTo(st->cxt);
	int			n;

	t = palloc0(sizeof(RouteTenant));
	t->tenant = tenant;
	t->next = st->tenants;
	st->tenants = t;

	ctem_spi_connect();
	ctem_spi_keep_plan(&rules_plan,
					   "SELECT r.match, r.team FROM ctem.routing_rule r "
					   "WHERE r.tenant_id OPERATOR(pg_catalog.=) $1 ORDER BY r.priority, r.id",
					   1, &type);
	if (SPI_execute_plan(rules_plan, &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "ctem: could not read the routing rules");
	n = (int) SPI_processed;
	MemoryContextSwitchTo(st->cxt);
	t->nrules = n;
	t->rules = palloc(sizeof(CtemScopeFilter *) * Max(n, 1));
	t->teams = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		Datum		m = SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull);
		Datum		team = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull);

		t->rules[i] = ctem_scope_filter(DatumGetJsonbP(m), true, st->cxt);
		t->teams[i] = PointerGetDatum(DatumGetTextPCopy(team));
		if (ctem_scope_needs_reachability(t->rules[i]))
			t->need_reach = true;
	}

	ctem_spi_keep_plan(&teams_plan,
					   "SELECT t.name FROM ctem.team t "
					   "WHERE t.tenant_id OPERATOR(pg_catalog.=) $1 ORDER BY t.name COLLATE \"C\"",
					   1, &type);
	if (SPI_execute_plan(teams_plan, &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "ctem: could not read the teams");
	n = (int) SPI_processed;
	MemoryContextSwitchTo(st->cxt);
	t->nteams = n;
	t->team_names = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		size_t		len;

		t->team_names[i] = col_text(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &len);
	}
	/* bytewise, whatever the collation gave */
	qsort(t->team_names, n, sizeof(char *), cmp_names);
	t->empty = (t->nrules == 0 && t->nteams == 0);
	t->assets = ctem_hash_create("ctem routing assets", 256, sizeof(int64),
								 sizeof(RouteAsset), HASH_BLOBS, st->cxt);
	SPI_finish();
	MemoryContextSwitchTo(old);
	return t;
}

static RouteAsset *
lookup_asset(RouteState *st, RouteTenant *t, int64 asset_id)
{
	bool		found;
	RouteAsset *a = hash_search(t->assets, &asset_id, HASH_FIND, &found);
	Datum		args[2];
	Oid			types[2] = {INT4OID, INT8OID};
	MemoryContext old;

	if (a != NULL)
		return a;
	if (t->all_assets)
		return NULL;
	args[0] = Int32GetDatum(t->tenant);
	args[1] = Int64GetDatum(asset_id);
	ctem_spi_connect();
	if (++t->misses > ROUTE_MISSES)
	{
		ctem_spi_keep_plan(&assets_plan,
						   "SELECT " ASSET_COLS "FROM ctem.asset a "
						   "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1",
						   1, types);
		if (SPI_execute_plan(assets_plan, args, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "ctem: could not read the assets for routing");
		old = MemoryContextSwitchTo(st->cxt);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));

			if (hash_search(t->assets, &id, HASH_FIND, NULL) == NULL)
				(void) store_asset(st, t, SPI_tuptable->vals[i], SPI_tuptable->tupdesc);
		}
		MemoryContextSwitchTo(old);
		t->all_assets = true;
		SPI_finish();
		return hash_search(t->assets, &asset_id, HASH_FIND, NULL);
	}
	ctem_spi_keep_plan(&asset_plan,
					   "SELECT " ASSET_COLS "FROM ctem.asset a "
					   "WHERE a.tenant_id OPERATOR(pg_catalog.=) $1 AND a.id OPERATOR(pg_catalog.=) $2",
					   2, types);
	if (SPI_execute_plan(asset_plan, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "ctem: could not read an asset for routing");
	a = NULL;
	if (SPI_processed == 1)
	{
		old = MemoryContextSwitchTo(st->cxt);
		a = store_asset(st, t, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return a;
}

/* is the asset reachable from an entry point (ctem.reachable_assets)? */
static int
asset_reachable(RouteState *st, RouteTenant *t, int64 asset_id)
{
	if (t->reach == NULL)
	{
		Datum		arg = Int32GetDatum(t->tenant);
		Oid			type = INT4OID;

		t->reach = ctem_hash_create("ctem routing reach", 256, sizeof(int64),
									sizeof(int64), HASH_BLOBS, st->cxt);
		ctem_spi_connect();
		ctem_spi_keep_plan(&reach_plan,
						   "SELECT r.asset_id FROM ctem.reachable_assets("
						   "COALESCE((SELECT p.path_max_hops FROM ctem.policy p WHERE p.active), 12), $1) r",
						   1, &type);
		if (SPI_execute_plan(reach_plan, &arg, NULL, false, 0) != SPI_OK_SELECT)
			elog(ERROR, "ctem: could not read the reachable assets");
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc, 1, &isnull));

			(void) hash_search(t->reach, &id, HASH_ENTER, NULL);
		}
		SPI_finish();
	}
	return hash_search(t->reach, &asset_id, HASH_FIND, NULL) != NULL ? 1 : 0;
}

static RouteTenant *
route_tenant(RouteState *st, int32 tenant)
{
	for (RouteTenant *t = st->tenants; t != NULL; t = t->next)
		if (t->tenant == tenant)
			return t;
	return load_tenant(st, tenant);
}

/*
 * The team of an exposure: a text datum, or false when it has none.
 */
static bool
route(RouteState *st, int32 tenant, int64 asset_id, Datum kind, text *rule_id,
	  Datum severity, bool severity_null, Datum *team)
{
	RouteTenant *t = route_tenant(st, tenant);
	RouteAsset *a;
	CtemScopeSubject s;

	if (t->empty)
		return false;
	a = lookup_asset(st, t, asset_id);
	if (a == NULL)
		return false;
	if (t->nrules > 0)
	{
		if (t->need_reach && a->reachable < 0)
			a->reachable = asset_reachable(st, t, asset_id);
		s = a->s;
		s.reachable = a->reachable;
		s.exposure_kind.s = ctem_label(&st->labels, kind);
		s.exposure_kind.len = strlen(s.exposure_kind.s);
		s.rule_id = ctem_scope_str_text(rule_id);
		s.severity = -1;
		if (!severity_null)
		{
			const char *sev = ctem_label(&st->labels, severity);

			s.severity = ctem_scope_severity_rank(sev, strlen(sev));
		}
		for (int i = 0; i < t->nrules; i++)
			if (ctem_scope_eval(t->rules[i], &s))
			{
				*team = t->teams[i];
				return true;
			}
	}
	if (a->owner_is_team)
	{
		*team = a->owner_team;
		return true;
	}
	return false;
}

static RouteState *
route_state(void **state, MemoryContext cxt)
{
	RouteState *st = (RouteState *) *state;

	if (st == NULL)
	{
		st = MemoryContextAllocZero(cxt, sizeof(RouteState));
		st->cxt = AllocSetContextCreate(cxt, "ctem routing", ALLOCSET_DEFAULT_SIZES);
		*state = st;
	}
	return st;
}

/*
 * The hook the exposure trigger calls for every row it writes (after
 * scoring): sets the row's team.  *state lives as long as cxt (the
 * trigger's statement).
 */
static void
routing_row(void **state, MemoryContext cxt, Relation rel, Datum *row, bool *nulls)
{
	RouteState *st = route_state(state, cxt);
	TupleDesc	desc = RelationGetDescr(rel);
	CtemSavedUser save;
	Datum		team;
	bool		has;

	if (st->relid != RelationGetRelid(rel) || st->natts != desc->natts)
	{
		st->relid = RelationGetRelid(rel);
		st->natts = desc->natts;
		/* an install whose exposure table has no team column yet */
		st->team = get_attnum(st->relid, "team");
		if (st->team != InvalidAttrNumber)
		{
			st->tenant_id = ctem_attnum(rel, "tenant_id");
			st->asset_id = ctem_attnum(rel, "asset_id");
			st->kind = ctem_attnum(rel, "kind");
			st->rule_id = ctem_attnum(rel, "rule_id");
			st->severity = ctem_attnum(rel, "severity");
		}
	}
	if (st->team == InvalidAttrNumber ||
		nulls[st->tenant_id - 1] || nulls[st->asset_id - 1] ||
		nulls[st->kind - 1] || nulls[st->rule_id - 1])
		return;

	/* the routing context is read as the table's owner, as the score's */
	ctem_owner_begin(rel->rd_rel->relowner, &save);
	has = route(st, DatumGetInt32(row[st->tenant_id - 1]),
				DatumGetInt64(row[st->asset_id - 1]), row[st->kind - 1],
				DatumGetTextPP(row[st->rule_id - 1]),
				row[st->severity - 1], nulls[st->severity - 1], &team);
	ctem_owner_end(&save);
	row[st->team - 1] = has ? team : (Datum) 0;
	nulls[st->team - 1] = !has;
}

/*
 * ctem.exposure_team(tenant_id, asset_id, kind, rule_id, severity) -> text:
 * the team routing gives such an exposure now
 */
Datum
ctem_exposure_team(PG_FUNCTION_ARGS)
{
	RouteState *st;
	Datum		team;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	ctem_tenant_check(PG_GETARG_INT32(0), false);
	st = route_state(&fcinfo->flinfo->fn_extra, fcinfo->flinfo->fn_mcxt);
	if (!route(st, PG_GETARG_INT32(0), PG_GETARG_INT64(1), PG_GETARG_DATUM(2),
			   PG_GETARG_TEXT_PP(3), PG_ARGISNULL(4) ? (Datum) 0 : PG_GETARG_DATUM(4),
			   PG_ARGISNULL(4), &team))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(team);
}

void
ctem_routing_init(void)
{
	ctem_exposure_team_hook = routing_row;
}
