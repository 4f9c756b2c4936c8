/*-------------------------------------------------------------------------
 *
 * report_trivy.c
 *	  Aqua Trivy JSON: SchemaVersion 2 reports, the legacy top-level array
 *	  of results, and both "trivy k8s" layouts (ClusterName with
 *	  Vulnerabilities/Misconfigurations per workload, and Resources[]).
 *
 * src/core/report/report_trivy.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/report/report_int.h"

typedef struct TrivyAsset
{
	const char *kind;
	const char *key;
	const char *name;
} TrivyAsset;

/* per-Result context */
typedef struct TrivyResult
{
	const TrivyAsset *asset;
	const char *target;
	const char *type;
	bool		os;
} TrivyResult;

static bool
is_os_type(const char *t)
{
	static const char *const os[] = {
		"alpine", "debian", "ubuntu", "redhat", "centos", "rocky", "alma",
		"amazon", "oracle", "photon", "suse", "opensuse", "opensuse.leap",
		"opensuse.tumbleweed", "sles", "cbl-mariner", "azurelinux", "wolfi",
		"chainguard", "fedora", "bottlerocket", "echo", "minimos"
	};
	int			i;

	if (t == NULL)
		return false;
	for (i = 0; i < (int) (sizeof(os) / sizeof(os[0])); i++)
		if (ctem_strcaseeq(t, os[i]))
			return true;
	return false;
}

static void
set_asset(CtemDraft *dr, const TrivyResult *r)
{
	dr->f.asset_kind = r->asset->kind;
	dr->f.asset_key = r->asset->key;
	dr->f.asset_name = r->asset->name;
	dr->f.tool = "trivy";
}

static void
require_object(CtemCtx *c, const CjDoc *d, int v, const char *what)
{
	if (ctem_cj_type(d, v) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[v].off,
				  "%s must be an object.", what);
}

static void
trivy_vuln(CtemCtx *c, const CjDoc *d, int v, const TrivyResult *r)
{
	CtemDraft	dr;
	int			cvss,
				k,
				i,
				n;
	const char *id;
	const char *path;

	require_object(c, d, v, "A Trivy vulnerability");
	id = ctem_cj_sget(d, v, "VulnerabilityID");
	if (id == NULL)
		ctem_fail_missing(c, d, v, "VulnerabilityID", "a Trivy vulnerability");
	ctem_draft_init(c, &dr);
	set_asset(&dr, r);
	dr.f.kind = CTEM_KIND_VULNERABILITY;
	dr.f.rule_id = id;
	k = ctem_cj_get(d, v, "VendorIDs");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_alias(c, &dr, ctem_cj_str(d, k));
	dr.f.title = ctem_cj_sget(d, v, "Title");
	dr.f.description = ctem_cj_sget(d, v, "Description");
	dr.f.severity = ctem_severity(ctem_cj_sget(d, v, "Severity"));
	dr.sev_source = ctem_cj_sget(d, v, "SeveritySource");
	cvss = ctem_cj_get(d, v, "CVSS");
	n = ctem_cj_len(d, cvss);
	if (ctem_cj_type(d, cvss) == CJ_OBJECT)
		for (i = 0, k = ctem_cj_first(d, cvss); i < n;
			 i++, k = ctem_cj_next_member(d, k))
		{
			const char *src = d->nodes[k].s;
			int			o = k + 1;

			ctem_draft_cvss(c, &dr, ctem_cj_sget(d, o, "V40Vector"),
							ctem_cj_num(d, ctem_cj_get(d, o, "V40Score")),
							src, "4.0");
			ctem_draft_cvss(c, &dr, ctem_cj_sget(d, o, "V3Vector"),
							ctem_cj_num(d, ctem_cj_get(d, o, "V3Score")),
							src, "3.0");
			ctem_draft_cvss(c, &dr, ctem_cj_sget(d, o, "V2Vector"),
							ctem_cj_num(d, ctem_cj_get(d, o, "V2Score")),
							src, "2.0");
		}
	dr.f.component = ctem_cj_sget(d, v, "PkgName");
	dr.f.component_version = ctem_cj_sget(d, v, "InstalledVersion");
	dr.f.fixed_version = ctem_cj_sget(d, v, "FixedVersion");
	dr.f.status = ctem_cj_sget(d, v, "Status");
	dr.f.suppressed = dr.f.status && strcmp(dr.f.status, "not_affected") == 0;
	if (!r->os)
	{
		path = ctem_cj_sget(d, v, "PkgPath");
		if (path)
			dr.f.location = ctem_pkg_location(c, path);
		else if (ctem_target_is_path(r->target))
			dr.f.location = ctem_pkg_location(c, r->target);
	}
	k = ctem_cj_get(d, v, "CweIDs");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_cwe(c, &dr, ctem_cj_str(d, k));
	dr.f.purl = ctem_cj_str(d, ctem_cj_path(d, v, "PkgIdentifier.PURL"));
	dr.f.published = ctem_date_or_null(ctem_cj_sget(d, v, "PublishedDate"));
	dr.f.url = ctem_cj_sget(d, v, "PrimaryURL");
	ctem_emit(c, &dr);
}

static void
trivy_misconf(CtemCtx *c, const CjDoc *d, int v, const TrivyResult *r)
{
	CtemDraft	dr;
	const char *id;
	const char *status;

	require_object(c, d, v, "A Trivy misconfiguration");
	status = ctem_cj_sget(d, v, "Status");
	if (status && strcmp(status, "FAIL") != 0 &&
		strcmp(status, "EXCEPTION") != 0)
	{
		ctem_skipped(c);		/* PASS */
		return;
	}
	id = ctem_cj_sget(d, v, "ID");
	if (id == NULL)
		id = ctem_cj_sget(d, v, "AVDID");
	if (id == NULL)
		ctem_fail_missing(c, d, v, "ID", "a Trivy misconfiguration");
	ctem_draft_init(c, &dr);
	set_asset(&dr, r);
	dr.f.kind = CTEM_KIND_MISCONFIGURATION;
	dr.f.rule_id = id;
	dr.nofold = true;
	ctem_draft_alias(c, &dr, ctem_cj_sget(d, v, "AVDID"));
	dr.f.title = ctem_cj_sget(d, v, "Title");
	dr.f.description = ctem_cj_sget(d, v, "Description");
	dr.f.message = ctem_cj_sget(d, v, "Message");
	dr.f.remediation = ctem_cj_sget(d, v, "Resolution");
	dr.f.severity = ctem_severity(ctem_cj_sget(d, v, "Severity"));
	dr.f.component = r->type;
	dr.f.location = ctem_with_line(c, r->target,
							  ctem_cj_num(d, ctem_cj_path(d, v, "CauseMetadata.StartLine")));
	dr.f.status = status;
	dr.f.suppressed = status && strcmp(status, "EXCEPTION") == 0;
	dr.f.url = ctem_cj_sget(d, v, "PrimaryURL");
	ctem_emit(c, &dr);
}

static void
trivy_secret(CtemCtx *c, const CjDoc *d, int v, const TrivyResult *r)
{
	CtemDraft	dr;
	const char *id;

	require_object(c, d, v, "A Trivy secret");
	id = ctem_cj_sget(d, v, "RuleID");
	if (id == NULL)
		ctem_fail_missing(c, d, v, "RuleID", "a Trivy secret");
	ctem_draft_init(c, &dr);
	set_asset(&dr, r);
	dr.f.kind = CTEM_KIND_SECRET;
	dr.f.rule_id = id;
	dr.nofold = true;
	dr.f.title = ctem_cj_sget(d, v, "Title");
	dr.f.severity = ctem_severity(ctem_cj_sget(d, v, "Severity"));
	dr.f.message = ctem_cj_sget(d, v, "Match");
	dr.f.location = ctem_with_line(c, r->target,
							  ctem_cj_num(d, ctem_cj_get(d, v, "StartLine")));
	ctem_emit(c, &dr);
}

/* members of findings that are never used */
static const char *const trivy_ignore[] = {
	"References", "Layer", "DataSource", "VendorSeverity", "LastModifiedDate",
	"PkgID", "Fingerprint", "Code", NULL
};

typedef void (*TrivyConv) (CtemCtx *, const CjDoc *, int, const TrivyResult *);

typedef struct TrivyItemsArg
{
	const TrivyResult *r;
	TrivyConv	conv;
} TrivyItemsArg;

static void
trivy_item(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	const TrivyItemsArg *a = arg;

	if (ctem_cj_type(d, root) != CJ_NULL)
		a->conv(c, d, root, a->r);
}

static size_t
trivy_items(CtemCtx *c, size_t off, const char *key, const TrivyResult *r,
			TrivyConv conv)
{
	TrivyItemsArg a = {r, conv};

	return ctem_stream_array(c, off, key, trivy_ignore, trivy_item, &a);
}

/* state of one element of Results[] while its members are streamed */
typedef struct TrivyResultArg
{
	const TrivyAsset *asset;
	int			root;
} TrivyResultArg;

static void
result_info(CtemCtx *c, const TrivyResultArg *a, TrivyResult *r)
{
	CjDoc	   *m = &c->docs[CTEM_DOC_MID];
	const char *cls;

	r->asset = a->asset;
	r->target = ctem_cj_sget(m, a->root, "Target");
	r->type = ctem_cj_sget(m, a->root, "Type");
	cls = ctem_cj_sget(m, a->root, "Class");
	r->os = cls ? strcmp(cls, "os-pkgs") == 0 : is_os_type(r->type);
}

static size_t
stream_vulns(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	TrivyResult r;

	result_info(c, arg, &r);
	return trivy_items(c, off, "Vulnerabilities", &r, trivy_vuln);
}

static size_t
stream_misconfs(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	TrivyResult r;

	result_info(c, arg, &r);
	return trivy_items(c, off, "Misconfigurations", &r, trivy_misconf);
}

static size_t
stream_secrets(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	TrivyResult r;

	result_info(c, arg, &r);
	return trivy_items(c, off, "Secrets", &r, trivy_secret);
}

/* one element of Results[] */
static size_t
trivy_result(CtemCtx *c, size_t off, const TrivyAsset *asset)
{
	TrivyResultArg a;
	CjLazy		lz[] = {
		{"Vulnerabilities", CJ_STREAM, {"Target", "Class", "Type", NULL},
		stream_vulns, &a, false, 0},
		{"Misconfigurations", CJ_STREAM, {"Target", "Class", "Type", NULL},
		stream_misconfs, &a, false, 0},
		{"Secrets", CJ_STREAM, {"Target", "Class", NULL},
		stream_secrets, &a, false, 0},
		{"Packages", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
		{"Licenses", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
		{"CustomResources", CJ_IGNORE, {NULL}, NULL, NULL, false, 0}
	};
	CjDoc	   *m = &c->docs[CTEM_DOC_MID];

	ctem_require_container(c, off, '{', "A Trivy result");
	ctem_cj_doc_reset(m);
	a.asset = asset;
	return ctem_cj_parse_partial(&c->cj, off, m, lz, 6, &a.root);
}

static size_t
trivy_results(CtemCtx *c, size_t off, const TrivyAsset *asset)
{
	size_t		p0 = ctem_path_key(c, "Results");
	CjIter		it;

	if (!ctem_require_container(c, off, '[', "Results"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1;

		if (c->cj.buf[it.valoff] == 'n')
			continue;			/* null result: skipped by the iterator */
		p1 = ctem_path_index(c, it.index);
		ctem_cj_iter_done(&it, trivy_result(c, it.valoff, asset));
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

static const char *
keep_str(CtemCtx *c, const char *s)
{
	return s ? ctem_arena_strndup(&c->cj, &c->keep, s, strlen(s)) : NULL;
}

static const char *
first_nonempty(const CjDoc *d, int arr)
{
	int			i,
				n = ctem_cj_len(d, arr),
				k;

	for (i = 0, k = ctem_cj_first(d, arr); i < n; i++, k = ctem_cj_next(d, k))
		if (ctem_cj_str(d, k) && *ctem_cj_str(d, k))
			return ctem_cj_str(d, k);
	return NULL;
}

typedef struct TrivyK8sArg
{
	const char *cluster;
	int			root;			/* workload object in DOC_AUX */
	TrivyAsset	asset;
} TrivyK8sArg;

static size_t
stream_workload_results(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	TrivyK8sArg *k = arg;
	CjDoc	   *w = &c->docs[CTEM_DOC_AUX];
	const char *ns = ctem_cj_sget(w, k->root, "Namespace");
	const char *kind = ctem_cj_sget(w, k->root, "Kind");
	const char *name = ctem_cj_sget(w, k->root, "Name");
	char		buf[1024];

	k->asset.kind = CTEM_ASSET_K8S_RESOURCE;
	snprintf(buf, sizeof(buf), "%s/%s/%s/%s", k->cluster,
			 ns ? ns : "", kind ? kind : "", name ? name : "");
	k->asset.key = keep_str(c, buf);
	snprintf(buf, sizeof(buf), "%s/%s", kind ? kind : "", name ? name : "");
	k->asset.name = keep_str(c, buf);
	return trivy_results(c, off, &k->asset);
}

/* Kubernetes report: workloads each with their own Results */
static size_t
trivy_k8s(CtemCtx *c, size_t off, const char *section, const char *cluster)
{
	size_t		p0 = ctem_path_key(c, section);
	CjIter		it;
	CjDoc	   *w = &c->docs[CTEM_DOC_AUX];

	if (!ctem_require_container(c, off, '[', section))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		TrivyK8sArg k;
		CjLazy		lz[] = {
			{"Results", CJ_STREAM, {"Namespace", "Kind", "Name", NULL},
			stream_workload_results, &k, false, 0}
		};
		size_t		p1;

		if (!ctem_require_container(c, it.valoff, '{',
									"A Trivy Kubernetes resource"))
			continue;
		p1 = ctem_path_index(c, it.index);
		k.cluster = cluster;
		ctem_cj_doc_reset(w);
		ctem_cj_iter_done(&it, ctem_cj_parse_partial(&c->cj, it.valoff, w, lz, 1,
													 &k.root));
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

/* legacy: a top-level array of results; the image comes from an OS target */
static size_t
trivy_legacy(CtemCtx *c, size_t off)
{
	TrivyAsset	a = {CTEM_ASSET_CONTAINER_IMAGE, NULL, NULL};
	CjIter		it;
	CjDoc	   *m = &c->docs[CTEM_DOC_MID];

	/* pre-pass: find "image (os version)" among the targets */
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (a.key == NULL && ctem_cj_iter_next(&c->cj, &it))
	{
		CjLazy		lz[] = {
			{"Vulnerabilities", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
			{"Misconfigurations", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
			{"Secrets", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
			{"Packages", CJ_IGNORE, {NULL}, NULL, NULL, false, 0}
		};
		int			root;
		size_t		end;
		const char *t,
				   *paren;

		if (c->cj.buf[it.valoff] != '{')
			continue;
		ctem_cj_doc_reset(m);
		end = ctem_cj_parse_partial(&c->cj, it.valoff, m, lz, 4, &root);
		ctem_cj_iter_done(&it, end);
		t = ctem_cj_sget(m, root, "Target");
		if (t && (paren = strstr(t, " (")) != NULL &&
			t[strlen(t) - 1] == ')' && paren > t)
			a.key = ctem_arena_strndup(&c->cj, &c->keep, t, paren - t);
	}
	a.name = a.key;
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1;

		if (c->cj.buf[it.valoff] == 'n')
			continue;
		p1 = ctem_path_index(c, it.index);
		ctem_cj_iter_done(&it, trivy_result(c, it.valoff, &a));
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, 0);
	return it.pos;
}

typedef struct TrivyTopArg
{
	int			root;
	const char *cluster;
	TrivyAsset	asset;
} TrivyTopArg;

static size_t
stream_results(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	TrivyTopArg *ta = arg;
	CjDoc	   *t = &c->docs[CTEM_DOC_TOP];
	TrivyAsset *a = &ta->asset;
	int			root = ta->root;
	int			meta = ctem_cj_get(t, root, "Metadata");
	const char *atype = ctem_cj_sget(t, root, "ArtifactType");

	a->name = ctem_cj_sget(t, root, "ArtifactName");
	a->key = a->name;
	if ((atype && strcmp(atype, "container_image") == 0) ||
		(atype == NULL && (ctem_cj_get(t, meta, "ImageID") >= 0 ||
						   ctem_cj_get(t, meta, "RepoTags") >= 0)))
	{
		a->kind = CTEM_ASSET_CONTAINER_IMAGE;
		if (a->key == NULL)
			a->key = first_nonempty(t, ctem_cj_get(t, meta, "RepoTags"));
		if (a->key == NULL)
			a->key = first_nonempty(t, ctem_cj_get(t, meta, "RepoDigests"));
		if (a->key == NULL)
			a->key = ctem_cj_sget(t, meta, "ImageID");
	}
	else if (atype && strcmp(atype, "vm") == 0)
		a->kind = CTEM_ASSET_HOST;
	else
		a->kind = CTEM_ASSET_REPOSITORY;
	return trivy_results(c, off, a);
}

static const char *
top_cluster(CtemCtx *c, int root)
{
	const char *s = ctem_cj_str(&c->docs[CTEM_DOC_TOP],
								ctem_cj_get(&c->docs[CTEM_DOC_TOP], root,
											"ClusterName"));

	return s ? s : "";
}

static size_t
stream_k8s_vulns(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);

	return trivy_k8s(c, off, "Vulnerabilities",
					 top_cluster(c, ((TrivyTopArg *) arg)->root));
}

static size_t
stream_k8s_misconfs(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);

	return trivy_k8s(c, off, "Misconfigurations",
					 top_cluster(c, ((TrivyTopArg *) arg)->root));
}

static size_t
stream_k8s_resources(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);

	return trivy_k8s(c, off, "Resources",
					 top_cluster(c, ((TrivyTopArg *) arg)->root));
}

size_t
ctem_parse_trivy(CtemCtx *c, size_t pos)
{
	TrivyTopArg ta;
	CjLazy		lz[] = {
		{"Results", CJ_STREAM, {"ArtifactName", "ArtifactType", "Metadata", NULL},
		stream_results, &ta, false, 0},
		{"Vulnerabilities", CJ_STREAM, {"ClusterName", NULL},
		stream_k8s_vulns, &ta, false, 0},
		{"Misconfigurations", CJ_STREAM, {"ClusterName", NULL},
		stream_k8s_misconfs, &ta, false, 0},
		{"Resources", CJ_STREAM, {"ClusterName", NULL},
		stream_k8s_resources, &ta, false, 0}
	};
	CjDoc	   *t = &c->docs[CTEM_DOC_TOP];

	pos = ctem_cj_ws(&c->cj, pos);
	if (c->cj.buf[pos] == '[')
		return trivy_legacy(c, pos);
	ctem_require_container(c, pos, '{', "A Trivy report");
	ctem_cj_doc_reset(t);
	return ctem_cj_parse_partial(&c->cj, pos, t, lz, 4, &ta.root);
}
