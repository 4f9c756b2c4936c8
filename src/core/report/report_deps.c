/*-------------------------------------------------------------------------
 *
 * report_deps.c
 *	  Dependency scanners: npm audit (npm <= 6 "advisories" and npm >= 7
 *	  "auditReportVersion": 2 layouts, and its {"error": ...} document),
 *	  OWASP Dependency-Check JSON (reportSchema 1.x) and GitLab security
 *	  report JSON (as written by Dependency-Check and other GitLab
 *	  analyzers).
 *
 * src/core/report/report_deps.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/report/report_int.h"

/* ---- npm audit ---- */

/* "https://github.com/advisories/GHSA-xxxx-xxxx-xxxx" -> the GHSA id */
static const char *
ghsa_of(CtemCtx *c, const char *url)
{
	const char *p = url ? strstr(url, "GHSA-") : NULL;

	if (p == NULL)
		return NULL;
	return ctem_arena_strndup(&c->cj, &c->scratch, p, strcspn(p, "/?#"));
}

/* npm writes "cwe" as a string, an array, or a string holding an array */
static void
npm_cwe(CtemCtx *c, CtemDraft *dr, const CjDoc *d, int k)
{
	int			i,
				n;

	if (ctem_cj_type(d, k) == CJ_STRING)
	{
		ctem_draft_cwe(c, dr, ctem_cj_str(d, k));
		return;
	}
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_cwe(c, dr, ctem_cj_str(d, k));
}

static void
npm6_advisory(CtemCtx *c, const CjDoc *d, int a, const char *key)
{
	const char *ghsa;
	double		id;
	int			finds,
				nf,
				fi,
				k,
				i,
				n;

	if (ctem_cj_type(d, a) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[a].off,
				  "An npm audit advisory must be an object.");
	id = ctem_id_number(ctem_cj_num(d, ctem_cj_get(d, a, "id")));
	ghsa = ctem_cj_sget(d, a, "github_advisory_id");
	if (ghsa == NULL)
		ghsa = ghsa_of(c, ctem_cj_sget(d, a, "url"));
	if (isnan(id) && ghsa == NULL && ctem_cj_len(d, ctem_cj_get(d, a, "cves")) == 0)
		ctem_fail_missing(c, d, a, "id", "an npm audit advisory");
	finds = ctem_cj_get(d, a, "findings");
	nf = ctem_cj_len(d, finds);
	for (fi = 0; fi < (nf ? nf : 1); fi++)
	{
		CtemDraft	dr;
		int			f = ctem_cj_at(d, finds, fi);

		ctem_draft_init(c, &dr);
		dr.f.tool = "npm-audit";
		dr.f.asset_kind = CTEM_ASSET_APPLICATION;
		dr.f.kind = CTEM_KIND_VULNERABILITY;
		dr.f.rule_id = ghsa ? ghsa :
			!isnan(id) ? ctem_printf(c, "NPM-%.0f", id) : key;
		if (!isnan(id))
			ctem_draft_alias(c, &dr, ctem_printf(c, "NPM-%.0f", id));
		k = ctem_cj_get(d, a, "cves");
		n = ctem_cj_len(d, k);
		for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
			ctem_draft_alias(c, &dr, ctem_cj_str(d, k));
		dr.f.title = ctem_cj_sget(d, a, "title");
		dr.f.description = ctem_cj_sget(d, a, "overview");
		dr.f.remediation = ctem_cj_sget(d, a, "recommendation");
		dr.f.severity = ctem_severity(ctem_cj_sget(d, a, "severity"));
		dr.f.url = ctem_cj_sget(d, a, "url");
		dr.f.published = ctem_date_or_null(ctem_cj_sget(d, a, "created"));
		npm_cwe(c, &dr, d, ctem_cj_get(d, a, "cwe"));
		k = ctem_cj_get(d, a, "cvss");
		ctem_draft_cvss(c, &dr, ctem_cj_sget(d, k, "vectorString"),
						ctem_cj_num(d, ctem_cj_get(d, k, "score")), NULL, NULL);
		dr.f.component = ctem_cj_sget(d, a, "module_name");
		dr.f.component_version = ctem_cj_sget(d, f, "version");
		dr.f.fixed_version = ctem_cj_sget(d, a, "patched_versions");
		dr.f.message = ctem_cj_str(d, ctem_cj_path(d, f, "paths.0"));
		ctem_emit(c, &dr);
	}
}

static void
npm7_package(CtemCtx *c, const CjDoc *d, int p, const char *key)
{
	int			via,
				nv,
				i,
				k,
				emitted = 0;
	const char *node;

	if (ctem_cj_type(d, p) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[p].off,
				  "An npm audit vulnerability entry must be an object.");
	via = ctem_cj_get(d, p, "via");
	nv = ctem_cj_len(d, via);
	node = ctem_cj_str(d, ctem_cj_path(d, p, "nodes.0"));
	for (i = 0, k = ctem_cj_first(d, via); i < nv; i++, k = ctem_cj_next(d, k))
	{
		CtemDraft	dr;
		double		src;
		const char *ghsa,
				   *name;

		if (ctem_cj_type(d, k) != CJ_OBJECT)
			continue;			/* "via": "other-package" (transitive) */
		src = ctem_id_number(ctem_cj_num(d, ctem_cj_get(d, k, "source")));
		ghsa = ghsa_of(c, ctem_cj_sget(d, k, "url"));
		if (isnan(src) && ghsa == NULL)
		{
			ctem_path_key(c, "via");
			ctem_path_index(c, i);
			ctem_fail_missing(c, d, k, "source", "an npm audit advisory");
		}
		name = ctem_cj_sget(d, k, "name");
		ctem_draft_init(c, &dr);
		dr.f.tool = "npm-audit";
		dr.f.asset_kind = CTEM_ASSET_APPLICATION;
		dr.f.kind = CTEM_KIND_VULNERABILITY;
		dr.f.rule_id = ghsa ? ghsa : ctem_printf(c, "NPM-%.0f", src);
		if (!isnan(src))
			ctem_draft_alias(c, &dr, ctem_printf(c, "NPM-%.0f", src));
		dr.f.title = ctem_cj_sget(d, k, "title");
		dr.f.severity = ctem_severity(ctem_cj_sget(d, k, "severity"));
		dr.f.url = ctem_cj_sget(d, k, "url");
		npm_cwe(c, &dr, d, ctem_cj_get(d, k, "cwe"));
		ctem_draft_cvss(c, &dr, ctem_cj_str(d, ctem_cj_path(d, k, "cvss.vectorString")),
						ctem_cj_num(d, ctem_cj_path(d, k, "cvss.score")), NULL, NULL);
		dr.f.component = name ? name : key;
		dr.f.message = ctem_cj_sget(d, k, "range");
		dr.f.location = node;
		ctem_emit(c, &dr);
		emitted++;
	}
	if (emitted == 0)
		ctem_skipped(c);
}

static size_t
npm_object(CtemCtx *c, size_t off, const char *section, bool v6)
{
	CjIter		it;
	size_t		p0 = ctem_path_key(c, section);

	if (!ctem_require_container(c, off, '{', section))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '{', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1 = ctem_path_key(c, it.key);
		char		key[256];
		int			root;

		memcpy(key, it.key, sizeof(key));
		root = ctem_item_parse(c, &it, NULL);
		if (v6)
			npm6_advisory(c, &c->docs[CTEM_DOC_ITEM], root, key);
		else
			npm7_package(c, &c->docs[CTEM_DOC_ITEM], root, key);
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

static size_t
stream_advisories(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);

	(void) arg;
	return npm_object(c, off, "advisories", true);
}

static size_t
stream_npm7(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);

	(void) arg;
	return npm_object(c, off, "vulnerabilities", false);
}

size_t
ctem_parse_npm(CtemCtx *c, size_t pos)
{
	CjLazy		lz[] = {
		{"advisories", CJ_STREAM, {NULL}, stream_advisories, NULL, false, 0},
		{"vulnerabilities", CJ_STREAM, {NULL}, stream_npm7, NULL, false, 0}
	};
	CjDoc	   *t = &c->docs[CTEM_DOC_TOP];
	int			root,
				e;
	size_t		end;

	ctem_require_container(c, pos, '{', "An npm audit report");
	ctem_cj_doc_reset(t);
	end = ctem_cj_parse_partial(&c->cj, pos, t, lz, 2, &root);
	e = ctem_cj_get(t, root, "error");
	if (e >= 0 && ctem_cj_type(t, e) != CJ_NULL)
	{
		const char *code = ctem_cj_sget(t, e, "code");
		const char *summary = ctem_cj_sget(t, e, "summary");

		if (summary == NULL && ctem_cj_type(t, e) == CJ_STRING)
			summary = ctem_cj_str(t, e);
		ctem_path_key(c, "error");
		ctem_fail(c, CTEM_REPORT_EREPORTED, t->nodes[e].off,
				  "npm audit reported an error instead of results: %s%s%s",
				  code ? code : "", code && summary ? ": " : "",
				  summary ? summary : (code ? "" : "(no details)"));
	}
	return end;
}

/* ---- OWASP Dependency-Check ---- */

typedef struct DcState
{
	int			root;			/* report in DOC_TOP */
	const char *project;
} DcState;

static char
cvss_letter(const char *word)
{
	/* NETWORK->N, ADJACENT_NETWORK->A, LOCAL->L, PHYSICAL->P, LOW->L, ... */
	if (word == NULL || *word == '\0')
		return 'X';
	if (strcmp(word, "ADJACENT_NETWORK") == 0 || strcmp(word, "ADJACENT") == 0)
		return 'A';
	if (strcmp(word, "MULTIPLE") == 0)
		return 'M';
	if (strcmp(word, "SINGLE") == 0)
		return 'S';
	if (strcmp(word, "PARTIAL") == 0)
		return 'P';
	if (strcmp(word, "COMPLETE") == 0)
		return 'C';
	if (strcmp(word, "UNCHANGED") == 0)
		return 'U';
	if (strcmp(word, "CHANGED") == 0)
		return 'C';
	if (strcmp(word, "REQUIRED") == 0)
		return 'R';
	return (char) toupper((unsigned char) word[0]);
}

/* Dependency-Check JSON spells the metrics out; rebuild the vector */
static const char *
dc_vector3(CtemCtx *c, const CjDoc *d, int v3)
{
	const char *av = ctem_cj_sget(d, v3, "attackVector");
	const char *ver = ctem_cj_sget(d, v3, "version");

	if (av == NULL)
		return NULL;
	return ctem_printf(c, "CVSS:%s/AV:%c/AC:%c/PR:%c/UI:%c/S:%c/C:%c/I:%c/A:%c",
					   ver && strcmp(ver, "3.1") == 0 ? "3.1" : "3.0",
					   cvss_letter(av),
					   cvss_letter(ctem_cj_sget(d, v3, "attackComplexity")),
					   cvss_letter(ctem_cj_sget(d, v3, "privilegesRequired")),
					   cvss_letter(ctem_cj_sget(d, v3, "userInteraction")),
					   cvss_letter(ctem_cj_sget(d, v3, "scope")),
					   cvss_letter(ctem_cj_sget(d, v3, "confidentialityImpact")),
					   cvss_letter(ctem_cj_sget(d, v3, "integrityImpact")),
					   cvss_letter(ctem_cj_sget(d, v3, "availabilityImpact")));
}

static const char *
dc_vector2(CtemCtx *c, const CjDoc *d, int v2)
{
	const char *av = ctem_cj_sget(d, v2, "accessVector");
	const char *au = ctem_cj_sget(d, v2, "authentication");

	if (av == NULL)
		return NULL;
	if (au == NULL)
		au = ctem_cj_sget(d, v2, "authenticationr");	/* sic, 12.x */
	return ctem_printf(c, "AV:%c/AC:%c/Au:%c/C:%c/I:%c/A:%c",
					   cvss_letter(av),
					   cvss_letter(ctem_cj_sget(d, v2, "accessComplexity")),
					   cvss_letter(au),
					   cvss_letter(ctem_cj_sget(d, v2, "confidentialityImpact")),
					   cvss_letter(ctem_cj_sget(d, v2, "integrityImpact")),
					   cvss_letter(ctem_cj_sget(d, v2, "availabilityImpact")));
}

static void
dc_vulns(CtemCtx *c, const CjDoc *d, int dep, const DcState *st,
		 const char *list, bool suppressed)
{
	int			vulns = ctem_cj_get(d, dep, list);
	int			i,
				v,
				n = ctem_cj_len(d, vulns);
	const char *file = ctem_cj_sget(d, dep, "filePath");
	const char *purl = ctem_cj_str(d, ctem_cj_path(d, dep, "packages.0.id"));
	const char *cname = NULL,
			   *cver = NULL;

	if (!ctem_purl_parse(c, purl, &cname, &cver))
	{
		purl = NULL;
		cname = ctem_cj_sget(d, dep, "fileName");
	}
	for (i = 0, v = ctem_cj_first(d, vulns); i < n; i++, v = ctem_cj_next(d, v))
	{
		CtemDraft	dr;
		const char *name = ctem_cj_sget(d, v, "name");
		int			k,
					j,
					m;

		if (name == NULL)
		{
			ctem_path_key(c, list);
			ctem_path_index(c, i);
			ctem_fail_missing(c, d, v, "name", "a Dependency-Check vulnerability");
		}
		ctem_draft_init(c, &dr);
		dr.f.tool = "dependency-check";
		dr.f.asset_kind = CTEM_ASSET_APPLICATION;
		dr.f.asset_key = st->project;
		dr.f.kind = CTEM_KIND_VULNERABILITY;
		dr.f.rule_id = name;
		dr.f.description = ctem_cj_sget(d, v, "description");
		dr.f.severity = ctem_severity(ctem_cj_sget(d, v, "severity"));
		k = ctem_cj_get(d, v, "cvssv4");
		ctem_draft_cvss(c, &dr, ctem_cj_sget(d, k, "vectorString"),
						ctem_cj_num(d, ctem_cj_get(d, k, "baseScore")), "NVD", "4.0");
		k = ctem_cj_get(d, v, "cvssv3");
		ctem_draft_cvss(c, &dr, dc_vector3(c, d, k),
						ctem_cj_num(d, ctem_cj_get(d, k, "baseScore")), "NVD",
						ctem_cj_sget(d, k, "version"));
		if (dr.f.severity == NULL)
			dr.f.severity = ctem_severity(ctem_cj_sget(d, k, "baseSeverity"));
		k = ctem_cj_get(d, v, "cvssv2");
		ctem_draft_cvss(c, &dr, dc_vector2(c, d, k),
						ctem_cj_num(d, ctem_cj_get(d, k, "score")), "NVD", "2.0");
		k = ctem_cj_get(d, v, "cwes");
		m = ctem_cj_len(d, k);
		for (j = 0, k = ctem_cj_first(d, k); j < m; j++, k = ctem_cj_next(d, k))
			ctem_draft_cwe(c, &dr, ctem_cj_str(d, k));
		dr.f.component = cname;
		dr.f.component_version = cver;
		dr.f.purl = purl;
		dr.f.location = file;
		dr.f.suppressed = suppressed;
		dr.f.status = suppressed ? "suppressed" : NULL;
		dr.f.message = ctem_cj_sget(d, v, "notes");
		ctem_emit(c, &dr);
	}
}

static size_t
stream_dependencies(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	DcState    *st = arg;
	CjIter		it;
	size_t		p0 = ctem_path_key(c, "dependencies");

	st->project = ctem_cj_str(&c->docs[CTEM_DOC_TOP],
							  ctem_cj_path(&c->docs[CTEM_DOC_TOP], st->root,
										   "projectInfo.name"));
	if (!ctem_require_container(c, off, '[', "dependencies"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		static const char *const ignore[] = {
			"evidenceCollected", "relatedDependencies", "vulnerabilityIds",
			NULL
		};
		size_t		p1 = ctem_path_index(c, it.index);
		int			root = ctem_item_parse(c, &it, ignore);
		CjDoc	   *d = &c->docs[CTEM_DOC_ITEM];

		if (ctem_cj_type(d, root) == CJ_OBJECT)
		{
			dc_vulns(c, d, root, st, "vulnerabilities", false);
			dc_vulns(c, d, root, st, "suppressedVulnerabilities", true);
		}
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

size_t
ctem_parse_depcheck(CtemCtx *c, size_t pos)
{
	DcState		st;
	CjLazy		lz[] = {
		{"dependencies", CJ_STREAM, {"projectInfo", NULL}, stream_dependencies,
		&st, false, 0}
	};

	memset(&st, 0, sizeof(st));
	ctem_require_container(c, pos, '{', "A Dependency-Check report");
	ctem_cj_doc_reset(&c->docs[CTEM_DOC_TOP]);
	return ctem_cj_parse_partial(&c->cj, pos, &c->docs[CTEM_DOC_TOP], lz, 1, &st.root);
}

/* ---- GitLab security report ---- */

typedef struct GlState
{
	int			root;
	const char *tool;			/* scan.scanner.id, or NULL (older schemas) */
	const char *type;			/* scan.type, or NULL */
} GlState;

/* the kind of a report type or vulnerability category */
static const char *
gitlab_kind(const char *type)
{
	if (type && strcmp(type, "sast") == 0)
		return CTEM_KIND_CODE_WEAKNESS;
	if (type && strcmp(type, "secret_detection") == 0)
		return CTEM_KIND_SECRET;
	return CTEM_KIND_VULNERABILITY;
}

/* identifier types that classify (CWE, WASC, OWASP) rather than identify */
static bool
gitlab_classification(const char *type)
{
	return type && (ctem_strcaseeq(type, "cwe") || ctem_strcaseeq(type, "wasc") ||
					ctem_strcaseeq(type, "owasp"));
}

/* an advisory id alone ("CVE-2020-1", "GHSA-..."): one of the aliases */
static void
gitlab_advisory_alias(CtemCtx *c, CtemDraft *dr, const char *s)
{
	if (s && ctem_advisory_len(s) == strlen(s))
		ctem_draft_alias(c, dr, s);
}

static void
gitlab_vuln(CtemCtx *c, const CjDoc *d, int v, const GlState *st)
{
	CtemDraft	dr;
	int			ids = ctem_cj_get(d, v, "identifiers");
	int			loc = ctem_cj_get(d, v, "location");
	int			i,
				k,
				n = ctem_cj_len(d, ids);
	const char *rule = NULL,
			   *advisory = NULL,
			   *type,
			   *host,
			   *image;
	double		line;
	bool		depcheck;

	if (ctem_cj_type(d, v) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[v].off,
				  "A GitLab vulnerability must be an object.");
	ctem_draft_init(c, &dr);
	/* older schemas (2.x, 14.x) name the scanner and type per finding */
	dr.f.tool = st->tool;
	if (dr.f.tool == NULL)
	{
		const char *sid = ctem_cj_str(d, ctem_cj_path(d, v, "scanner.id"));

		dr.f.tool = sid ? (strstr(sid, "dependency-check") ?
						   "dependency-check" : ctem_lower(c, sid)) : "gitlab";
	}
	type = st->type ? st->type : ctem_cj_sget(d, v, "category");
	dr.f.kind = gitlab_kind(type);
	dr.f.asset_kind = CTEM_ASSET_REPOSITORY;
	depcheck = strcmp(dr.f.tool, "dependency-check") == 0;

	/*
	 * The rule is the first identifier that is not a classification: its
	 * value, the scanner's id of the check (ZAP's plugin id "10020", Semgrep's
	 * "bandit.B303"), not its name, which is a display name ("X-Frame-Options
	 * Header Not Set").  Dependency-Check writes the id in the name and the
	 * file's SHA-1 in the value.  An advisory id among the names and values
	 * is an alias, and the first one is the rule when the scanner's own id
	 * is not an advisory (Gemnasium's uuid next to a GHSA).
	 */
	for (i = 0, k = ctem_cj_first(d, ids); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *itype = ctem_cj_sget(d, k, "type");
		const char *name = ctem_cj_sget(d, k, "name");
		const char *value = ctem_cj_sget(d, k, "value");
		const char *idv;

		if (itype && ctem_strcaseeq(itype, "cwe"))
		{
			ctem_draft_cwe(c, &dr, value ? value : name);
			continue;
		}
		if (gitlab_classification(itype))
			continue;
		idv = depcheck ? (name ? name : value) : (value ? value : name);
		if (rule == NULL)
			rule = idv;
		ctem_draft_alias(c, &dr, idv);
		gitlab_advisory_alias(c, &dr, name);
		gitlab_advisory_alias(c, &dr, value);
		if (advisory == NULL && value && ctem_advisory_len(value) == strlen(value))
			advisory = value;
		if (advisory == NULL && name && ctem_advisory_len(name) == strlen(name))
			advisory = name;
	}
	/* an advisory id rather than a scanner's own (Gemnasium's uuid) */
	if (rule && advisory && ctem_advisory_len(rule) != strlen(rule))
		rule = advisory;
	if (rule == NULL)
		rule = ctem_cj_sget(d, v, "name");
	if (rule == NULL)
		rule = ctem_cj_sget(d, v, "id");
	if (rule == NULL)
		ctem_fail_missing(c, d, v, "identifiers", "a GitLab vulnerability");
	dr.f.rule_id = rule;
	dr.f.title = ctem_cj_sget(d, v, "name");
	if (dr.f.title == NULL)
		dr.f.title = ctem_cj_sget(d, v, "message");
	dr.f.description = ctem_cj_sget(d, v, "description");
	dr.f.remediation = ctem_cj_sget(d, v, "solution");
	dr.f.severity = ctem_severity(ctem_cj_sget(d, v, "severity"));
	dr.f.url = ctem_cj_str(d, ctem_cj_path(d, v, "links.0.url"));
	dr.f.component = ctem_cj_str(d, ctem_cj_path(d, loc, "dependency.package.name"));
	dr.f.component_version = ctem_cj_str(d, ctem_cj_path(d, loc, "dependency.version"));
	dr.f.location = ctem_cj_sget(d, loc, "file");
	line = ctem_cj_num(d, ctem_cj_get(d, loc, "start_line"));
	if (strcmp(dr.f.kind, CTEM_KIND_VULNERABILITY) != 0)
		dr.f.location = ctem_with_line(c, dr.f.location, line);
	image = ctem_cj_sget(d, loc, "image");
	host = ctem_cj_sget(d, loc, "hostname");
	if (image)
	{
		/* container scanning; Trivy's template 2.3 writes its OS target */
		const char *img = ctem_os_target_image(c, image);

		dr.f.asset_kind = CTEM_ASSET_CONTAINER_IMAGE;
		dr.f.asset_key = img ? img : image;
		dr.f.location = NULL;
	}
	else if (host || (type && strcmp(type, "dast") == 0))
	{
		/* DAST: the web application, and the request as the location */
		const char *method = ctem_cj_sget(d, loc, "method");
		const char *path = ctem_cj_sget(d, loc, "path");
		bool		is_url;

		dr.f.asset_kind = CTEM_ASSET_WEB_APP;
		dr.f.asset_key = ctem_url_host(c, host, &is_url);
		dr.f.asset_name = host;
		if (host || path)
			dr.f.location = ctem_printf(c, "%s%s%s%s", method ? method : "",
										method ? " " : "", host ? host : "",
										path ? path : "");
		dr.f.message = ctem_cj_sget(d, loc, "param");
		if (dr.f.message)
			dr.f.message = ctem_printf(c, "parameter %s", dr.f.message);
	}
	ctem_emit(c, &dr);
}

static void
gitlab_item(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	gitlab_vuln(c, d, root, (const GlState *) arg);
}

static size_t
stream_gitlab(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	GlState    *st = arg;
	CjDoc	   *t = &c->docs[CTEM_DOC_TOP];
	const char *id = ctem_cj_str(t, ctem_cj_path(t, st->root, "scan.scanner.id"));

	st->tool = NULL;
	if (id && strstr(id, "dependency-check"))
		st->tool = "dependency-check";
	else if (id)
	{
		st->tool = ctem_lower(c, id);
		st->tool = ctem_arena_strndup(&c->cj, &c->keep, st->tool, strlen(st->tool));
	}
	st->type = ctem_cj_str(t, ctem_cj_path(t, st->root, "scan.type"));
	return ctem_stream_array(c, off, "vulnerabilities", NULL, gitlab_item, st);
}

size_t
ctem_parse_gitlab(CtemCtx *c, size_t pos)
{
	GlState		st;
	CjLazy		lz[] = {
		{"vulnerabilities", CJ_STREAM, {"scan", NULL}, stream_gitlab, &st,
		false, 0},
		{"dependency_files", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
		{"remediations", CJ_IGNORE, {NULL}, NULL, NULL, false, 0}
	};

	memset(&st, 0, sizeof(st));
	ctem_require_container(c, pos, '{', "A GitLab security report");
	ctem_cj_doc_reset(&c->docs[CTEM_DOC_TOP]);
	return ctem_cj_parse_partial(&c->cj, pos, &c->docs[CTEM_DOC_TOP], lz, 3, &st.root);
}
