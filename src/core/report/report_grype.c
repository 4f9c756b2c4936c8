/*-------------------------------------------------------------------------
 *
 * report_grype.c
 *	  Anchore Grype JSON ("grype -o json"), versions 0.7 to 0.9x: matches[]
 *	  with vulnerability, relatedVulnerabilities, artifact; source/distro/
 *	  descriptor give the scanned image or directory.
 *
 * src/core/report/report_grype.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "core/report/report_int.h"

typedef struct GrypeArg
{
	int			root;			/* report object in DOC_TOP */
	const char *kind;
	const char *key;
} GrypeArg;

static const char *const grype_ignore[] = {"matchDetails", NULL};

static const char *
first_str(const CjDoc *d, int arr)
{
	int			i,
				k,
				n = ctem_cj_len(d, arr);

	for (i = 0, k = ctem_cj_first(d, arr); i < n; i++, k = ctem_cj_next(d, k))
		if (ctem_cj_str(d, k) && *ctem_cj_str(d, k))
			return ctem_cj_str(d, k);
	return NULL;
}

static void
grype_asset(CtemCtx *c, GrypeArg *g)
{
	CjDoc	   *t = &c->docs[CTEM_DOC_TOP];
	int			src = ctem_cj_get(t, g->root, "source");
	const char *type = ctem_cj_sget(t, src, "type");
	int			target = ctem_cj_get(t, src, "target");

	g->kind = CTEM_ASSET_REPOSITORY;
	g->key = NULL;
	if (type && strcmp(type, "image") == 0)
	{
		g->kind = CTEM_ASSET_CONTAINER_IMAGE;
		g->key = ctem_cj_sget(t, target, "userInput");
		if (g->key == NULL)
			g->key = first_str(t, ctem_cj_get(t, target, "tags"));
		if (g->key == NULL)
			g->key = first_str(t, ctem_cj_get(t, target, "repoDigests"));
		if (g->key == NULL)
			g->key = ctem_cj_sget(t, target, "imageID");
	}
	else if (ctem_cj_type(t, target) == CJ_STRING)
		g->key = ctem_cj_str(t, target);
	else
	{
		g->key = ctem_cj_sget(t, target, "path");
		if (g->key == NULL)
			g->key = ctem_cj_sget(t, target, "userInput");
	}
}

/* CVSS entries: [{version, vector, metrics.baseScore, source}] */
static void
grype_cvss_list(CtemCtx *c, CtemDraft *dr, const CjDoc *d, int arr,
				const char *ns)
{
	int			i,
				k,
				n = ctem_cj_len(d, arr);

	for (i = 0, k = ctem_cj_first(d, arr); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *src = ctem_cj_sget(d, k, "source");

		ctem_draft_cvss(c, dr, ctem_cj_sget(d, k, "vector"),
						ctem_cj_num(d, ctem_cj_path(d, k, "metrics.baseScore")),
						src ? src : ns, ctem_cj_sget(d, k, "version"));
	}
}

static void
grype_match(CtemCtx *c, const CjDoc *d, int m, const GrypeArg *g)
{
	CtemDraft	dr;
	int			v,
				art,
				rel,
				locs,
				k,
				i,
				n;
	const char *id,
			   *ns,
			   *path = NULL;
	bool		pkgdb = false;

	if (ctem_cj_type(d, m) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[m].off,
				  "A Grype match must be an object.");
	v = ctem_cj_get(d, m, "vulnerability");
	if (ctem_cj_type(d, v) != CJ_OBJECT)
		ctem_fail_missing(c, d, m, "vulnerability", "a Grype match");
	id = ctem_cj_sget(d, v, "id");
	if (id == NULL)
	{
		ctem_path_key(c, "vulnerability");
		ctem_fail_missing(c, d, v, "id", "a Grype vulnerability");
	}
	art = ctem_cj_get(d, m, "artifact");
	ns = ctem_cj_sget(d, v, "namespace");
	ctem_draft_init(c, &dr);
	dr.f.tool = "grype";
	dr.f.asset_kind = g->kind;
	dr.f.asset_key = g->key;
	dr.f.kind = CTEM_KIND_VULNERABILITY;
	dr.f.rule_id = id;
	dr.f.severity = ctem_severity(ctem_cj_sget(d, v, "severity"));
	dr.f.description = ctem_cj_sget(d, v, "description");
	dr.f.url = ctem_cj_sget(d, v, "dataSource");
	dr.sev_source = ns;
	grype_cvss_list(c, &dr, d, ctem_cj_get(d, v, "cvss"), ns);
	/* grype 0.7: cvssV2 / cvssV3 objects */
	k = ctem_cj_get(d, v, "cvssV3");
	ctem_draft_cvss(c, &dr, ctem_cj_sget(d, k, "vector"),
					ctem_cj_num(d, ctem_cj_get(d, k, "baseScore")), ns, "3.0");
	k = ctem_cj_get(d, v, "cvssV2");
	ctem_draft_cvss(c, &dr, ctem_cj_sget(d, k, "vector"),
					ctem_cj_num(d, ctem_cj_get(d, k, "baseScore")), ns, "2.0");
	rel = ctem_cj_get(d, m, "relatedVulnerabilities");
	n = ctem_cj_len(d, rel);
	for (i = 0, k = ctem_cj_first(d, rel); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *rns = ctem_cj_sget(d, k, "namespace");

		ctem_draft_alias(c, &dr, ctem_cj_sget(d, k, "id"));
		grype_cvss_list(c, &dr, d, ctem_cj_get(d, k, "cvss"), rns);
		if (dr.f.description == NULL)
			dr.f.description = ctem_cj_sget(d, k, "description");
	}
	k = ctem_cj_get(d, v, "advisories");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_alias(c, &dr, ctem_cj_sget(d, k, "id"));
	/* fix */
	k = ctem_cj_get(d, v, "fix");
	dr.f.fixed_version = ctem_join(c, d, ctem_cj_get(d, k, "versions"), ", ");
	dr.f.status = ctem_cj_sget(d, k, "state");
	/* embedded EPSS: the entry for the finding's CVE, else the first */
	k = ctem_cj_get(d, v, "epss");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *cve = ctem_cj_sget(d, k, "cve");

		if (i == 0 || (cve && strcmp(cve, id) == 0))
		{
			dr.f.epss = ctem_cj_num(d, ctem_cj_get(d, k, "epss"));
			dr.f.epss_percentile = ctem_cj_num(d, ctem_cj_get(d, k, "percentile"));
		}
	}
	/* the package */
	dr.f.component = ctem_cj_sget(d, art, "name");
	dr.f.component_version = ctem_cj_sget(d, art, "version");
	dr.f.purl = ctem_cj_sget(d, art, "purl");
	locs = ctem_cj_get(d, art, "locations");
	n = ctem_cj_len(d, locs);
	for (i = 0, k = ctem_cj_first(d, locs); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *p = ctem_cj_sget(d, k, "path");

		if (i == 0)
			path = p;
		if (ctem_is_pkgdb_path(p))
			pkgdb = true;
	}
	/* an OS package found in the package database has no file of its own */
	if (!pkgdb)
		dr.f.location = ctem_pkg_location(c, path);
	ctem_emit(c, &dr);
}

static size_t
stream_matches(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	GrypeArg   *g = arg;
	size_t		p0 = ctem_path_key(c, "matches");
	CjIter		it;

	grype_asset(c, g);
	if (!ctem_require_container(c, off, '[', "matches"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1 = ctem_path_index(c, it.index);
		int			root = ctem_item_parse(c, &it, grype_ignore);

		grype_match(c, &c->docs[CTEM_DOC_ITEM], root, g);
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

size_t
ctem_parse_grype(CtemCtx *c, size_t pos)
{
	GrypeArg	g;
	CjLazy		lz[] = {
		{"matches", CJ_STREAM, {"source", NULL}, stream_matches, &g, false, 0},
		{"ignoredMatches", CJ_IGNORE, {NULL}, NULL, NULL, false, 0}
	};

	ctem_require_container(c, pos, '{', "A Grype report");
	ctem_cj_doc_reset(&c->docs[CTEM_DOC_TOP]);
	return ctem_cj_parse_partial(&c->cj, pos, &c->docs[CTEM_DOC_TOP], lz, 2, &g.root);
}
