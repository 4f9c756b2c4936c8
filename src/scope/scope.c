/*-------------------------------------------------------------------------
 *
 * scope.c
 *		The scope filter language in SQL: ctem.scope_filter_valid (the
 *		CHECK of ctem.scope.filter and ctem.routing_rule.match),
 *		ctem.filter_matches (one asset row against a filter) and
 *		ctem.filter_uses_reachability, over the pure core
 *		src/core/scope_core.c.
 *
 * A filter arrives as jsonb and goes to the core as its JSON text; the
 * compiled filter is kept in the function's fn_extra while the same filter
 * comes back, so a set-based statement compiles each scope once.  Nothing
 * here builds SQL from a filter.
 *
 * src/scope/scope.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "compat.h"
#include "common/common.h"
#include "scope/scope.h"

PG_FUNCTION_INFO_V1(ctem_scope_filter_valid);
PG_FUNCTION_INFO_V1(ctem_filter_matches);
PG_FUNCTION_INFO_V1(ctem_filter_uses_reachability);

/* is label a value of ctem.asset_kind / ctem.exposure_kind? */
static bool
scope_label_ok(void *arg, int list, const char *label)
{
	Oid			nsp = get_namespace_oid("ctem", false);
	const char *type = list == CTEM_SCOPE_LABEL_ASSET_KIND ? "asset_kind" : "exposure_kind";
	Oid			typoid;

	typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							 CStringGetDatum(type), ObjectIdGetDatum(nsp));
	if (!OidIsValid(typoid))
		return true;
	return SearchSysCacheExists2(ENUMTYPOIDNAME, ObjectIdGetDatum(typoid),
								 CStringGetDatum(label));
}

static void
scope_filter_free(void *arg)
{
	ctem_scope_free((CtemScopeFilter *) arg);
}

CtemScopeFilter *
ctem_scope_filter(Jsonb *filter, bool routing, MemoryContext cxt)
{
	char	   *json = JsonbToCString(NULL, &filter->root, VARSIZE(filter));
	CtemScopeError err;
	CtemScopeFilter *f;
	MemoryContextCallback *cb;

	f = ctem_scope_compile(json, strlen(json), routing ? CTEM_SCOPE_ROUTING : 0,
						   scope_label_ok, NULL, &err);
	pfree(json);
	if (f == NULL)
	{
		if (err.code == CTEM_SCOPE_ENOMEM)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory compiling a scope filter")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: %s", routing ? "routing rule match" : "scope filter",
						err.message),
				 errdetail("At %s.", err.path),
				 errhint("See docs/scoping.md for the members of a filter.")));
	}
	cb = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));
	cb->func = scope_filter_free;
	cb->arg = f;
	MemoryContextRegisterResetCallback(cxt, cb);
	return f;
}

CtemScopeStr
ctem_scope_str_text(text *t)
{
	CtemScopeStr s;

	s.s = VARDATA_ANY(t);
	s.len = VARSIZE_ANY_EXHDR(t);
	return s;
}

/*
 * ctem.scope_filter_valid(filter jsonb, routing boolean) -> true, or an
 * error naming the member at fault
 */
Datum
ctem_scope_filter_valid(PG_FUNCTION_ARGS)
{
	Jsonb	   *filter = PG_GETARG_JSONB_P(0);
	bool		routing = PG_GETARG_BOOL(1);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ctem scope filter",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);

	(void) ctem_scope_filter(filter, routing, cxt);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	PG_RETURN_BOOL(true);
}

/* the compiled filter of the last call, kept while the filter repeats */
typedef struct MatchCache
{
	MemoryContext cxt;			/* the filter's; reset for another one */
	Jsonb	   *filter;			/* a copy */
	CtemScopeFilter *f;
	CtemLabels	labels;
} MatchCache;

static CtemScopeFilter *
cached_filter(FunctionCallInfo fcinfo, Jsonb *filter, MatchCache **out)
{
	MatchCache *mc = (MatchCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;

	if (mc == NULL)
	{
		mc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(MatchCache));
		mc->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "ctem scope filter cache",
										ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = mc;
	}
	*out = mc;
	if (mc->f != NULL && VARSIZE(mc->filter) == VARSIZE(filter) &&
		memcmp(mc->filter, filter, VARSIZE(filter)) == 0)
		return mc->f;
	mc->f = NULL;
	MemoryContextReset(mc->cxt);
	old = MemoryContextSwitchTo(mc->cxt);
	mc->filter = palloc(VARSIZE(filter));
	memcpy(mc->filter, filter, VARSIZE(filter));
	mc->f = ctem_scope_filter(filter, true, mc->cxt);
	MemoryContextSwitchTo(old);
	return mc->f;
}

static CtemScopeStr
arg_str(FunctionCallInfo fcinfo, int i)
{
	CtemScopeStr s = {NULL, 0};

	if (!PG_ARGISNULL(i))
		s = ctem_scope_str_text(PG_GETARG_TEXT_PP(i));
	return s;
}

static CtemScopeStr
arg_label(FunctionCallInfo fcinfo, CtemLabels *labels, int i)
{
	CtemScopeStr s = {NULL, 0};

	if (!PG_ARGISNULL(i))
	{
		s.s = ctem_label(labels, PG_GETARG_DATUM(i));
		s.len = strlen(s.s);
	}
	return s;
}

static int
arg_tri(FunctionCallInfo fcinfo, int i)
{
	return PG_ARGISNULL(i) ? -1 : (PG_GETARG_BOOL(i) ? 1 : 0);
}

/*
 * ctem.filter_matches(filter, kind, natural_key, environment,
 * business_service, owner, criticality, internet_facing, crown_jewel, tags,
 * reachable, exposure_kind, rule_id, severity) -> boolean; NULL filter:
 * NULL
 */
Datum
ctem_filter_matches(PG_FUNCTION_ARGS)
{
	MatchCache *mc;
	CtemScopeFilter *f;
	CtemScopeSubject s;
	CtemScopeStr *tags = NULL;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	f = cached_filter(fcinfo, PG_GETARG_JSONB_P(0), &mc);

	memset(&s, 0, sizeof(s));
	s.kind = arg_label(fcinfo, &mc->labels, 1);
	s.natural_key = arg_str(fcinfo, 2);
	s.environment = arg_str(fcinfo, 3);
	s.business_service = arg_str(fcinfo, 4);
	s.owner = arg_str(fcinfo, 5);
	s.criticality = PG_ARGISNULL(6) ? 0 : PG_GETARG_INT16(6);
	s.internet_facing = arg_tri(fcinfo, 7);
	s.crown_jewel = arg_tri(fcinfo, 8);
	if (!PG_ARGISNULL(9))
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(9);
		Datum	   *elems;
		bool	   *enulls;
		int			n;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &n);
		tags = palloc(sizeof(CtemScopeStr) * Max(n, 1));
		for (int i = 0; i < n; i++)
		{
			if (enulls[i])
			{
				tags[i].s = NULL;
				tags[i].len = 0;
			}
			else
				tags[i] = ctem_scope_str_text(DatumGetTextPP(elems[i]));
		}
		s.tags = tags;
		s.ntags = n;
	}
	s.reachable = arg_tri(fcinfo, 10);
	s.exposure_kind = arg_label(fcinfo, &mc->labels, 11);
	s.rule_id = arg_str(fcinfo, 12);
	s.severity = -1;
	if (!PG_ARGISNULL(13))
	{
		const char *sev = ctem_label(&mc->labels, PG_GETARG_DATUM(13));

		s.severity = ctem_scope_severity_rank(sev, strlen(sev));
	}
	PG_RETURN_BOOL(ctem_scope_eval(f, &s));
}

/* ctem.filter_uses_reachability(filter jsonb) -> boolean */
Datum
ctem_filter_uses_reachability(PG_FUNCTION_ARGS)
{
	MatchCache *mc;
	CtemScopeFilter *f = cached_filter(fcinfo, PG_GETARG_JSONB_P(0), &mc);

	PG_RETURN_BOOL(ctem_scope_needs_reachability(f));
}
