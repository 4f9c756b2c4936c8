/*-------------------------------------------------------------------------
 *
 * report_sbom.c
 *	  CycloneDX 1.4-1.6 JSON with vulnerabilities[] (including VEX-only
 *	  documents) and OSV-Scanner JSON.
 *
 * src/core/report/report_sbom.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "core/report/report_int.h"

/* ---- CycloneDX ---- */

typedef struct CdxComp
{
	const char *ref;
	const char *name;
	const char *version;
	const char *purl;
} CdxComp;

typedef struct CdxState
{
	int			root;			/* BOM object in DOC_TOP */
	CdxComp    *map;			/* open addressing on bom-ref */
	size_t		cap;
	size_t		n;
	const char *asset_kind;
	const char *asset_key;
	const char *asset_name;
	const char *tool;
	bool		prepared;
	size_t		vulns;			/* offset of vulnerabilities[] */
	const char **open;			/* "id US component" of the statements
								 * that say affected (open addressing) */
	size_t		opencap;
	size_t		nopen;
	bool		open_built;
} CdxState;

static uint32_t
hash_str(const char *s)
{
	uint32_t	h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 16777619u;
	return h;
}

static const char *
keep(CtemCtx *c, const char *s)
{
	return s ? ctem_arena_strndup(&c->cj, &c->keep, s, strlen(s)) : NULL;
}

static void
map_put(CtemCtx *c, CdxState *st, const char *ref, const char *name,
		const char *version, const char *purl)
{
	size_t		i;

	if (st->n * 2 >= st->cap)
	{
		size_t		ncap = st->cap ? st->cap * 2 : 256;
		CdxComp    *nm = ctem_arena_alloc(&c->cj, &c->keep, sizeof(CdxComp) * ncap);

		memset(nm, 0, sizeof(CdxComp) * ncap);
		for (i = 0; i < st->cap; i++)
			if (st->map[i].ref)
			{
				size_t		j = hash_str(st->map[i].ref) & (ncap - 1);

				while (nm[j].ref)
					j = (j + 1) & (ncap - 1);
				nm[j] = st->map[i];
			}
		st->map = nm;
		st->cap = ncap;
	}
	i = hash_str(ref) & (st->cap - 1);
	while (st->map[i].ref)
	{
		if (strcmp(st->map[i].ref, ref) == 0)
			return;
		i = (i + 1) & (st->cap - 1);
	}
	st->map[i].ref = keep(c, ref);
	st->map[i].name = keep(c, name);
	st->map[i].version = keep(c, version);
	st->map[i].purl = keep(c, purl);
	st->n++;
}

static const CdxComp *
map_get(const CdxState *st, const char *ref)
{
	size_t		i;

	if (st->cap == 0 || ref == NULL)
		return NULL;
	i = hash_str(ref) & (st->cap - 1);
	while (st->map[i].ref)
	{
		if (strcmp(st->map[i].ref, ref) == 0)
			return &st->map[i];
		i = (i + 1) & (st->cap - 1);
	}
	return NULL;
}

static void
add_component(CtemCtx *c, CdxState *st, const CjDoc *d, int comp, int depth)
{
	const char *ref = ctem_cj_sget(d, comp, "bom-ref");
	int			sub,
				i,
				k,
				n;

	if (ctem_cj_type(d, comp) != CJ_OBJECT || depth > 64)
		return;
	if (ref)
		map_put(c, st, ref, ctem_cj_sget(d, comp, "name"),
				ctem_cj_sget(d, comp, "version"),
				ctem_cj_sget(d, comp, "purl"));
	sub = ctem_cj_get(d, comp, "components");
	n = ctem_cj_len(d, sub);
	for (i = 0, k = ctem_cj_first(d, sub); i < n; i++, k = ctem_cj_next(d, k))
		add_component(c, st, d, k, depth + 1);
}

static size_t
stream_components(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	CdxState   *st = arg;
	CjIter		it;
	size_t		p0 = ctem_path_key(c, "components");

	if (!ctem_require_container(c, off, '[', "components"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		int			root = ctem_item_parse(c, &it, NULL);

		add_component(c, st, &c->docs[CTEM_DOC_ITEM], root, 0);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

static void
set_add(CtemCtx *c, CdxState *st, const char *key)
{
	size_t		i;

	if (st->nopen * 2 >= st->opencap)
	{
		size_t		ncap = st->opencap ? st->opencap * 2 : 64;
		const char **nm = ctem_arena_alloc(&c->cj, &c->keep, sizeof(char *) * ncap);

		memset(nm, 0, sizeof(char *) * ncap);
		for (i = 0; i < st->opencap; i++)
			if (st->open[i])
			{
				size_t		j = hash_str(st->open[i]) & (ncap - 1);

				while (nm[j])
					j = (j + 1) & (ncap - 1);
				nm[j] = st->open[i];
			}
		st->open = nm;
		st->opencap = ncap;
	}
	i = hash_str(key) & (st->opencap - 1);
	while (st->open[i])
	{
		if (strcmp(st->open[i], key) == 0)
			return;
		i = (i + 1) & (st->opencap - 1);
	}
	st->open[i] = keep(c, key);
	st->nopen++;
}

static bool
set_has(const CdxState *st, const char *key)
{
	size_t		i;

	if (st->opencap == 0)
		return false;
	i = hash_str(key) & (st->opencap - 1);
	while (st->open[i])
	{
		if (strcmp(st->open[i], key) == 0)
			return true;
		i = (i + 1) & (st->opencap - 1);
	}
	return false;
}

/*
 * What an affects[].ref points to.  A bom-ref of this BOM (its components
 * or metadata.component) gives the component.  A BOM-Link
 * ("urn:cdx:<serial>/<version>#<bom-ref>", a VEX about products described
 * in other BOMs) points to the bom-ref after '#': a component of this BOM
 * if it is one, else that ref.  A package URL not in the BOM is parsed.
 * Any other ref is kept as the component's name, so that statements about
 * different products stay apart.
 */
static void
cdx_affected(CtemCtx *c, const CdxState *st, const char *ref,
			 const char **name, const char **version, const char **purl)
{
	const CdxComp *comp = map_get(st, ref);
	const char *frag = ref;

	*name = *version = *purl = NULL;
	if (ref == NULL)
		return;
	if (comp == NULL && strncmp(ref, "urn:cdx:", 8) == 0 && strchr(ref, '#'))
	{
		frag = ctem_percent_decoded(c, strchr(ref, '#') + 1);
		comp = map_get(st, frag);
	}
	if (comp)
	{
		*name = comp->name ? comp->name : frag;
		*version = comp->version;
		*purl = comp->purl;
	}
	else if (ctem_purl_parse(c, frag, name, version))
		*purl = frag;
	else
		*name = ctem_nonempty(frag);
}

static bool
cdx_state_suppresses(const char *state)
{
	return state && (strcmp(state, "not_affected") == 0 ||
					 strcmp(state, "false_positive") == 0 ||
					 strcmp(state, "resolved") == 0 ||
					 strcmp(state, "resolved_with_pedigree") == 0);
}

/* does the affects[] entry list versions, all of them unaffected? */
static bool
cdx_all_unaffected(const CjDoc *d, int aff)
{
	int			vers = ctem_cj_get(d, aff, "versions");
	int			nv = ctem_cj_len(d, vers);
	int			i,
				k,
				unaffected = 0;

	for (i = 0, k = ctem_cj_first(d, vers); i < nv; i++, k = ctem_cj_next(d, k))
	{
		const char *vs = ctem_cj_sget(d, k, "status");

		if (vs && strcmp(vs, "unaffected") == 0)
			unaffected++;
	}
	return nv > 0 && unaffected == nv;
}

static const char *
statement_key(CtemCtx *c, const char *id, const char *name, const char *ref)
{
	return ctem_printf(c, "%s\x1f%s", id, name ? name : ref ? ref : "");
}

/*
 * The statements (vulnerability, component) that say affected, read once
 * more from vulnerabilities[] (into DOC_AUX) when the first statement that
 * suppresses is met: a document often says both of one product, affected
 * in some versions and not in others, and the exposure must be open
 * whatever their order.
 */
static void
cdx_build_open(CtemCtx *c, CdxState *st)
{
	CjIter		it;
	CjDoc	   *a = &c->docs[CTEM_DOC_AUX];

	st->open_built = true;
	if (!ctem_cj_iter_begin(&c->cj, st->vulns, '[', &it))
		return;
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		int			v,
					affects,
					na,
					i;
		const char *id,
				   *state;

		ctem_cj_doc_reset(a);
		ctem_cj_iter_done(&it, ctem_cj_parse(&c->cj, it.valoff, a, &v));
		id = ctem_cj_sget(a, v, "id");
		state = ctem_cj_sget(a, ctem_cj_get(a, v, "analysis"), "state");
		if (id == NULL || cdx_state_suppresses(state))
			continue;
		affects = ctem_cj_get(a, v, "affects");
		na = ctem_cj_len(a, affects);
		for (i = 0; i < na; i++)
		{
			int			aff = ctem_cj_at(a, affects, i);
			const char *ref = ctem_cj_sget(a, aff, "ref");
			const char *name,
					   *ver,
					   *purl;

			if (cdx_all_unaffected(a, aff))
				continue;
			cdx_affected(c, st, ref, &name, &ver, &purl);
			set_add(c, st, statement_key(c, id, name, ref));
		}
	}
	ctem_cj_doc_reset(a);
}

static void
cdx_prepare(CtemCtx *c, CdxState *st)
{
	CjDoc	   *t = &c->docs[CTEM_DOC_TOP];
	int			meta = ctem_cj_get(t, st->root, "metadata");
	int			comp = ctem_cj_get(t, meta, "component");
	int			tools = ctem_cj_get(t, meta, "tools");
	const char *type = ctem_cj_sget(t, comp, "type");
	const char *name = ctem_cj_sget(t, comp, "name");
	const char *version = ctem_cj_sget(t, comp, "version");
	const char *tool;

	st->prepared = true;
	/* a VEX's statements may be about the BOM's own product */
	add_component(c, st, t, comp, 0);
	if (ctem_cj_type(t, tools) == CJ_OBJECT)	/* 1.5: {components: [...]} */
		tools = ctem_cj_get(t, tools, "components");
	tool = ctem_cj_sget(t, ctem_cj_at(t, tools, 0), "name");
	if (tool)
	{
		char	   *p = (char *) keep(c, tool);
		char	   *q;

		for (q = p; *q; q++)
			*q = (char) tolower((unsigned char) *q);
		st->tool = p;
	}
	else
		st->tool = "cyclonedx";
	st->asset_kind = CTEM_ASSET_APPLICATION;
	if (name == NULL)
		return;
	st->asset_name = name;
	if (type && strcmp(type, "container") == 0)
	{
		st->asset_kind = CTEM_ASSET_CONTAINER_IMAGE;
		st->asset_key = (version && !strchr(name, ':') && !strchr(name, '@')) ?
			ctem_arena_strndup(&c->cj, &c->keep, "", 0) : name;
		if (*st->asset_key == '\0')
		{
			size_t		l = strlen(name) + strlen(version) + 2;
			char	   *k = ctem_arena_strndup(&c->cj, &c->keep, NULL, l);

			strcpy(k, name);
			strcat(k, ":");
			strcat(k, version);
			st->asset_key = k;
		}
	}
	else if (type && (strcmp(type, "file") == 0 || strcmp(type, "data") == 0))
	{
		st->asset_kind = CTEM_ASSET_REPOSITORY;
		st->asset_key = name;
	}
	else
		st->asset_key = name;
}

static int
rating_version(const char *method)
{
	if (method == NULL)
		return 0;
	if (strcmp(method, "CVSSv4") == 0)
		return 4;
	if (strcmp(method, "CVSSv31") == 0)
		return 31;
	if (strcmp(method, "CVSSv3") == 0)
		return 3;
	if (strcmp(method, "CVSSv2") == 0)
		return 2;
	return 0;
}

static void
cdx_vuln(CtemCtx *c, const CjDoc *d, int v, CdxState *st)
{
	CtemDraft	dr;
	const char *id,
			   *state,
			   *sev = NULL;
	int			k,
				i,
				n,
				affects,
				na,
				a;
	bool		suppressed;

	if (ctem_cj_type(d, v) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[v].off,
				  "A CycloneDX vulnerability must be an object.");
	id = ctem_cj_sget(d, v, "id");
	if (id == NULL)
		ctem_fail_missing(c, d, v, "id", "a CycloneDX vulnerability");
	state = ctem_cj_sget(d, ctem_cj_get(d, v, "analysis"), "state");
	suppressed = cdx_state_suppresses(state);
	affects = ctem_cj_get(d, v, "affects");
	na = ctem_cj_len(d, affects);
	/* one finding per affected component (or one without component) */
	for (a = 0; a < (na ? na : 1); a++)
	{
		int			aff = ctem_cj_at(d, affects, a);
		const char *ref = ctem_cj_sget(d, aff, "ref");
		int			vers = ctem_cj_get(d, aff, "versions");
		int			nv = ctem_cj_len(d, vers);
		const char *cname,
				   *cver,
				   *cpurl;
		bool		supp;

		cdx_affected(c, st, ref, &cname, &cver, &cpurl);
		supp = suppressed || cdx_all_unaffected(d, aff);
		if (supp && aff >= 0)
		{
			/* another statement says this product is affected: it decides */
			if (!st->open_built)
				cdx_build_open(c, st);
			if (set_has(st, statement_key(c, id, cname, ref)))
			{
				ctem_skipped(c);
				continue;
			}
		}
		ctem_draft_init(c, &dr);
		dr.f.tool = st->tool;
		dr.f.asset_kind = st->asset_kind;
		dr.f.asset_key = st->asset_key;
		dr.f.asset_name = st->asset_name;
		dr.f.kind = CTEM_KIND_VULNERABILITY;
		dr.f.rule_id = id;
		k = ctem_cj_get(d, v, "references");
		n = ctem_cj_len(d, k);
		for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
			ctem_draft_alias(c, &dr, ctem_cj_sget(d, k, "id"));
		dr.f.url = ctem_cj_sget(d, ctem_cj_get(d, v, "source"), "url");
		if (!ctem_is_cve(id))
			ctem_draft_alias(c, &dr, ctem_find_cve(c, dr.f.url));
		k = ctem_cj_get(d, v, "ratings");
		n = ctem_cj_len(d, k);
		for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		{
			int			rv = rating_version(ctem_cj_sget(d, k, "method"));
			const char *src = ctem_cj_sget(d, ctem_cj_get(d, k, "source"), "name");
			const char *vec = ctem_cj_sget(d, k, "vector");
			double		score = ctem_cj_num(d, ctem_cj_get(d, k, "score"));
			const char *rs = ctem_severity(ctem_cj_sget(d, k, "severity"));

			if (rv > 0)
				ctem_draft_cvss(c, &dr, vec, score, src,
								rv == 4 ? "4.0" : rv == 31 ? "3.1" :
								rv == 3 ? "3.0" : "2.0");
			if (rs && (sev == NULL || (src && ctem_contains_ci(src, "nvd"))))
				sev = rs;
			if (sev == NULL)
				sev = ctem_severity_from_score(score);
		}
		dr.f.severity = sev;
		dr.f.description = ctem_cj_sget(d, v, "description");
		dr.f.message = ctem_cj_sget(d, v, "detail");
		dr.f.remediation = ctem_cj_sget(d, v, "recommendation");
		dr.f.published = ctem_date_or_null(ctem_cj_sget(d, v, "published"));
		k = ctem_cj_get(d, v, "cwes");
		n = ctem_cj_len(d, k);
		for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
			ctem_draft_cwe_num(c, &dr, ctem_cj_num(d, k));
		k = ctem_cj_get(d, v, "properties");
		n = ctem_cj_len(d, k);
		for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		{
			const char *pn = ctem_cj_sget(d, k, "name");

			if (pn && (strstr(pn, "fixed_version") || strstr(pn, "FixedVersion")))
				dr.f.fixed_version = ctem_cj_sget(d, k, "value");
		}
		dr.f.component = cname;
		dr.f.component_version = cver;
		dr.f.purl = cpurl;
		for (i = 0, k = ctem_cj_first(d, vers); i < nv; i++, k = ctem_cj_next(d, k))
		{
			const char *vs = ctem_cj_sget(d, k, "status");

			if (dr.f.component_version == NULL && vs &&
				strcmp(vs, "affected") == 0)
				dr.f.component_version = ctem_cj_sget(d, k, "version");
		}
		dr.f.status = state;
		dr.f.suppressed = supp;
		ctem_emit(c, &dr);
	}
}

static void
cdx_item(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	cdx_vuln(c, d, root, (CdxState *) arg);
}

static size_t
stream_cdx_vulns(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	CdxState   *st = arg;

	if (!st->prepared)
		cdx_prepare(c, st);
	st->vulns = off;
	return ctem_stream_array(c, off, "vulnerabilities", NULL, cdx_item, st);
}

size_t
ctem_parse_cyclonedx(CtemCtx *c, size_t pos)
{
	CdxState	st;
	CjLazy		lz[] = {
		{"components", CJ_STREAM, {NULL}, stream_components, &st, false, 0},
		{"vulnerabilities", CJ_STREAM, {"metadata", "components", NULL},
		stream_cdx_vulns, &st, false, 0},
		{"dependencies", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
		{"services", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
		{"compositions", CJ_IGNORE, {NULL}, NULL, NULL, false, 0}
	};

	memset(&st, 0, sizeof(st));
	ctem_require_container(c, pos, '{', "A CycloneDX BOM");
	ctem_cj_doc_reset(&c->docs[CTEM_DOC_TOP]);
	return ctem_cj_parse_partial(&c->cj, pos, &c->docs[CTEM_DOC_TOP], lz, 5, &st.root);
}

/* ---- OSV-Scanner ---- */

typedef struct OsvResult
{
	int			root;			/* result object in DOC_MID */
} OsvResult;

/* first "fixed" event for the package in a vulnerability's affected[] */
static const char *
osv_fixed(const CjDoc *d, int vuln, const char *pkg)
{
	int			aff = ctem_cj_get(d, vuln, "affected");
	int			i,
				k,
				n = ctem_cj_len(d, aff);

	for (i = 0, k = ctem_cj_first(d, aff); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *name = ctem_cj_str(d, ctem_cj_path(d, k, "package.name"));
		int			ranges = ctem_cj_get(d, k, "ranges");
		int			j,
					r,
					m = ctem_cj_len(d, ranges);

		if (pkg && name && strcmp(name, pkg) != 0)
			continue;
		for (j = 0, r = ctem_cj_first(d, ranges); j < m; j++, r = ctem_cj_next(d, r))
		{
			int			ev = ctem_cj_get(d, r, "events");
			int			x,
						e,
						ne = ctem_cj_len(d, ev);

			for (x = 0, e = ctem_cj_first(d, ev); x < ne; x++, e = ctem_cj_next(d, e))
			{
				const char *f = ctem_cj_sget(d, e, "fixed");

				if (f)
					return f;
			}
		}
	}
	return NULL;
}

static int
osv_find_vuln(const CjDoc *d, int vulns, const char *id)
{
	int			i,
				k,
				n = ctem_cj_len(d, vulns);

	for (i = 0, k = ctem_cj_first(d, vulns); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *vid = ctem_cj_sget(d, k, "id");

		if (vid && id && strcmp(vid, id) == 0)
			return k;
	}
	return -1;
}

static void
osv_emit(CtemCtx *c, const CjDoc *d, int pkgobj, int vuln, int group,
		 const char *location)
{
	CtemDraft	dr;
	int			pkg = ctem_cj_get(d, pkgobj, "package");
	const char *name = ctem_cj_sget(d, pkg, "name");
	const char *id = NULL;
	const char *sev;
	double		maxsev;
	int			k,
				i,
				n,
				j,
				m;
	static const char *const lists[] = {"ids", "aliases"};

	ctem_draft_init(c, &dr);
	dr.f.tool = "osv-scanner";
	dr.f.asset_kind = CTEM_ASSET_REPOSITORY;
	dr.f.kind = CTEM_KIND_VULNERABILITY;
	if (group >= 0)
		for (j = 0; j < 2; j++)
		{
			k = ctem_cj_get(d, group, lists[j]);
			m = ctem_cj_len(d, k);
			for (i = 0, k = ctem_cj_first(d, k); i < m; i++, k = ctem_cj_next(d, k))
			{
				if (id == NULL && j == 0)
					id = ctem_cj_str(d, k);
				ctem_draft_alias(c, &dr, ctem_cj_str(d, k));
			}
		}
	if (id == NULL)
		id = ctem_cj_sget(d, vuln, "id");
	if (id == NULL)
		ctem_fail_missing(c, d, vuln >= 0 ? vuln : pkgobj, "id",
						  "an OSV vulnerability");
	dr.f.rule_id = id;
	ctem_draft_alias(c, &dr, ctem_cj_sget(d, vuln, "id"));
	k = ctem_cj_get(d, vuln, "aliases");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_alias(c, &dr, ctem_cj_str(d, k));
	dr.f.title = ctem_cj_sget(d, vuln, "summary");
	dr.f.description = ctem_cj_sget(d, vuln, "details");
	dr.f.published = ctem_date_or_null(ctem_cj_sget(d, vuln, "published"));
	k = ctem_cj_get(d, vuln, "severity");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *t = ctem_cj_sget(d, k, "type");

		ctem_draft_cvss(c, &dr, ctem_cj_sget(d, k, "score"), NAN, NULL,
						t && strcmp(t, "CVSS_V4") == 0 ? "4.0" :
						t && strcmp(t, "CVSS_V3") == 0 ? "3.0" :
						t && strcmp(t, "CVSS_V2") == 0 ? "2.0" : NULL);
	}
	maxsev = ctem_cj_num(d, ctem_cj_get(d, group, "max_severity"));
	if (!isnan(maxsev))
		dr.f.cvss_score = maxsev;
	sev = ctem_severity_from_score(maxsev);
	if (sev == NULL)
		sev = ctem_severity(ctem_cj_sget(d, ctem_cj_get(d, vuln, "database_specific"),
										 "severity"));
	dr.f.severity = sev;
	k = ctem_cj_path(d, vuln, "database_specific.cwe_ids");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_cwe(c, &dr, ctem_cj_str(d, k));
	k = ctem_cj_get(d, vuln, "references");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *t = ctem_cj_sget(d, k, "type");

		if (t && strcmp(t, "ADVISORY") == 0)
		{
			dr.f.url = ctem_cj_sget(d, k, "url");
			break;
		}
	}
	dr.f.component = name;
	dr.f.component_version = ctem_cj_sget(d, pkg, "version");
	if (dr.f.component_version == NULL)
		dr.f.component_version = ctem_cj_sget(d, pkg, "commit");
	dr.f.purl = ctem_cj_sget(d, pkg, "purl");
	dr.f.fixed_version = osv_fixed(d, vuln, name);
	dr.f.location = location;
	ctem_emit(c, &dr);
}

static void
osv_package(CtemCtx *c, const CjDoc *d, int p, const char *location)
{
	int			vulns = ctem_cj_get(d, p, "vulnerabilities");
	int			groups = ctem_cj_get(d, p, "groups");
	int			i,
				k,
				n;

	if (ctem_cj_type(d, p) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[p].off,
				  "An OSV-Scanner package entry must be an object.");
	n = ctem_cj_len(d, groups);
	if (n > 0)
	{
		/* one finding per alias group */
		for (i = 0, k = ctem_cj_first(d, groups); i < n; i++, k = ctem_cj_next(d, k))
		{
			const char *first = ctem_cj_str(d, ctem_cj_path(d, k, "ids.0"));
			int			v = osv_find_vuln(d, vulns, first);

			osv_emit(c, d, p, v, k, location);
		}
		return;
	}
	n = ctem_cj_len(d, vulns);
	for (i = 0, k = ctem_cj_first(d, vulns); i < n; i++, k = ctem_cj_next(d, k))
	{
		size_t		p0 = ctem_path_key(c, "vulnerabilities");

		ctem_path_index(c, i);
		osv_emit(c, d, p, k, -1, location);
		ctem_path_set(c, p0);
	}
}

static void
osv_item(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	osv_package(c, d, root, (const char *) arg);
}

static size_t
stream_osv_packages(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	OsvResult  *r = arg;
	const char *loc = ctem_cj_str(&c->docs[CTEM_DOC_MID],
								  ctem_cj_path(&c->docs[CTEM_DOC_MID], r->root,
											   "source.path"));

	loc = loc ? ctem_arena_strndup(&c->cj, &c->keep, loc, strlen(loc)) : NULL;
	return ctem_stream_array(c, off, "packages", NULL, osv_item, (void *) loc);
}

static size_t
stream_osv_results(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	CjIter		it;
	size_t		p0 = ctem_path_key(c, "results");

	(void) arg;
	if (!ctem_require_container(c, off, '[', "results"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		OsvResult	r;
		CjLazy		lz[] = {
			{"packages", CJ_STREAM, {"source", NULL}, stream_osv_packages, &r,
			false, 0}
		};
		size_t		p1;

		if (!ctem_require_container(c, it.valoff, '{', "An OSV-Scanner result"))
			continue;
		p1 = ctem_path_index(c, it.index);
		ctem_cj_doc_reset(&c->docs[CTEM_DOC_MID]);
		ctem_cj_iter_done(&it, ctem_cj_parse_partial(&c->cj, it.valoff,
													 &c->docs[CTEM_DOC_MID],
													 lz, 1, &r.root));
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

size_t
ctem_parse_osv(CtemCtx *c, size_t pos)
{
	CjLazy		lz[] = {
		{"results", CJ_STREAM, {NULL}, stream_osv_results, NULL, false, 0}
	};
	int			root;

	ctem_require_container(c, pos, '{', "An OSV-Scanner report");
	ctem_cj_doc_reset(&c->docs[CTEM_DOC_TOP]);
	return ctem_cj_parse_partial(&c->cj, pos, &c->docs[CTEM_DOC_TOP], lz, 1, &root);
}
