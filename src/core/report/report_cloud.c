/*-------------------------------------------------------------------------
 *
 * report_cloud.c
 *	  AWS Security Finding Format (bare array, {"Findings": [...]} and
 *	  {"findings": [...]}, or one finding) from Security Hub, Inspector,
 *	  GuardDuty, AWS Config and Prowler; and Prowler OCSF Detection
 *	  Findings (OCSF 1.2 - 1.4).
 *
 * src/core/report/report_cloud.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/report/report_int.h"

static const char *
lower_keep(CtemCtx *c, const char *s)
{
	return s ? ctem_lower(c, s) : NULL;
}

/* AwsIamUser, AwsIamRole, AwsIamAccessKey, AwsIamGroup: principals */
static const char *
aws_asset_kind(const char *type)
{
	if (type && (strncmp(type, "AwsIamUser", 10) == 0 ||
				 strncmp(type, "AwsIamRole", 10) == 0 ||
				 strncmp(type, "AwsIamAccessKey", 15) == 0 ||
				 strncmp(type, "AwsIamGroup", 11) == 0))
		return CTEM_ASSET_IDENTITY;
	return CTEM_ASSET_CLOUD_RESOURCE;
}

static const char *
asff_tool(CtemCtx *c, const CjDoc *d, int f)
{
	const char *t = ctem_cj_sget(d, f, "ProductName");
	const char *arn;

	if (t == NULL)
		t = ctem_cj_sget(d, ctem_cj_get(d, f, "ProductFields"), "ProviderName");
	if (t == NULL)				/* Trivy's template */
		t = ctem_cj_sget(d, ctem_cj_get(d, f, "ProductFields"), "Product Name");
	if (t == NULL)
		t = ctem_cj_sget(d, ctem_cj_get(d, f, "ProductFields"),
						 "aws/securityhub/ProductName");
	if (t == NULL && (arn = ctem_cj_sget(d, f, "ProductArn")) != NULL)
	{
		const char *slash = strrchr(arn, '/');

		if (slash && slash[1])
			t = slash + 1;
	}
	return t ? lower_keep(c, t) : "asff";
}

/* what the findings of one ASFF report share */
typedef struct AsffState
{
	size_t		array;			/* offset of the findings array, or -1 */
	bool		image_sought;	/* Trivy: the report's image looked for */
	const char *image;			/* ... and found (in keep), or NULL */
} AsffState;

/* does the finding come from Trivy's ASFF template (contrib/asff.tpl)? */
static bool
is_trivy_template(const CjDoc *d, int f)
{
	const char *gen = ctem_cj_sget(d, f, "GeneratorId");
	const char *arn = ctem_cj_sget(d, f, "ProductArn");
	const char *pn = ctem_cj_sget(d, ctem_cj_get(d, f, "ProductFields"), "Product Name");

	static const char suffix[] = "/aquasecurity/aquasecurity";

	return gen && ctem_has_prefix(gen, "Trivy") &&
		((pn && strcmp(pn, "Trivy") == 0) ||
		 (arn && strlen(arn) >= sizeof(suffix) - 1 &&
		  strcmp(arn + strlen(arn) - (sizeof(suffix) - 1), suffix) == 0));
}

/* the target of a Trivy template finding: its resource's Id */
static const char *
trivy_target(const CjDoc *d, int f)
{
	int			res = ctem_cj_path(d, f, "Resources.0");
	const char *t = ctem_cj_sget(d, res, "Id");

	if (t == NULL)
		t = ctem_cj_str(d, ctem_cj_path(d, res, "Details.Container.ImageName"));
	return t;
}

/*
 * The image a Trivy ASFF report is about: the template writes it only in
 * the targets of OS packages ("registry/app:1.4 (alpine 3.18.4)"); the
 * findings of language packages, misconfigurations and secrets name a file.
 * The findings array is read once more (into DOC_AUX) for the first such
 * target, as for Trivy's legacy array.
 */
static const char *
trivy_report_image(CtemCtx *c, AsffState *st)
{
	CjIter		it;
	CjDoc	   *a = &c->docs[CTEM_DOC_AUX];

	if (st->image_sought)
		return st->image;
	st->image_sought = true;
	if (st->array == (size_t) -1 ||
		!ctem_cj_iter_begin(&c->cj, st->array, '[', &it))
		return NULL;
	while (st->image == NULL && ctem_cj_iter_next(&c->cj, &it))
	{
		int			root;
		const char *img;

		ctem_cj_doc_reset(a);
		ctem_cj_iter_done(&it, ctem_cj_parse(&c->cj, it.valoff, a, &root));
		if (ctem_cj_type(a, root) == CJ_OBJECT && is_trivy_template(a, root) &&
			(img = ctem_os_target_image(c, trivy_target(a, root))) != NULL)
			st->image = ctem_arena_strndup(&c->cj, &c->keep, img, strlen(img));
	}
	ctem_cj_doc_reset(a);
	return st->image;
}

/*
 * "Trivy found a secret in /app/.env: AWS Access Key ID": the check's own
 * title, after the target
 */
static const char *
trivy_title(const char *title, const char *target)
{
	const char *p = title && target ? strstr(title, target) : NULL;

	if (p && strncmp(p + strlen(target), ": ", 2) == 0 && p[strlen(target) + 2])
		return p + strlen(target) + 2;
	return NULL;
}

/*
 * Trivy's ASFF template: one finding per vulnerability (the package in
 * Resources[0].Details.Other), misconfiguration and secret, each mapped
 * as Trivy's JSON maps it.
 */
static void
trivy_asff_finding(CtemCtx *c, const CjDoc *d, int f, AsffState *st)
{
	CtemDraft	dr;
	const char *gen = ctem_cj_sget(d, f, "GeneratorId");
	const char *type0 = ctem_cj_str(d, ctem_cj_path(d, f, "Types.0"));
	const char *target = trivy_target(d, f);
	const char *image = ctem_os_target_image(c, target);
	const char *title = ctem_cj_sget(d, f, "Title");
	int			other = ctem_cj_path(d, f, "Resources.0.Details.Other");
	const char *wf = ctem_cj_sget(d, ctem_cj_get(d, f, "Workflow"), "Status");
	const char *sev;

	ctem_draft_init(c, &dr);
	dr.f.tool = "trivy";
	dr.f.asset_kind = CTEM_ASSET_CONTAINER_IMAGE;
	dr.f.asset_key = image ? image : trivy_report_image(c, st);
	dr.f.asset_name = dr.f.asset_key;
	dr.f.description = ctem_cj_sget(d, f, "Description");
	dr.f.url = ctem_cj_str(d, ctem_cj_path(d, f, "Remediation.Recommendation.Url"));
	sev = ctem_severity(ctem_cj_str(d, ctem_cj_path(d, f, "Severity.Label")));
	if (sev == NULL)
	{
		double		norm = ctem_cj_num(d, ctem_cj_path(d, f, "Severity.Normalized"));

		if (!isnan(norm))
			sev = norm >= 90 ? "critical" : norm >= 70 ? "high" :
				norm >= 40 ? "medium" : norm >= 1 ? "low" : "info";
	}
	dr.f.severity = sev;
	dr.f.observed_at = ctem_cj_sget(d, f, "UpdatedAt");
	dr.f.suppressed = wf && strcmp(wf, "SUPPRESSED") == 0;
	dr.f.status = wf;
	if (type0 && strstr(type0, "/Vulnerabilities"))
	{
		const char *cve = ctem_cj_sget(d, other, "CVE ID");

		dr.f.kind = CTEM_KIND_VULNERABILITY;
		dr.f.rule_id = cve;
		if (dr.f.rule_id == NULL && gen && strchr(gen, '/'))
			dr.f.rule_id = ctem_nonempty(strrchr(gen, '/') + 1);
		dr.f.title = ctem_cj_sget(d, other, "CVE Title");
		dr.f.component = ctem_cj_sget(d, other, "PkgName");
		dr.f.component_version = ctem_cj_sget(d, other, "Installed Package");
		dr.f.fixed_version = ctem_cj_sget(d, other, "Patched Package");
		/* the template prints 0 and "" when NVD has no score */
		if (ctem_cj_sget(d, other, "NvdCvssVectorV3"))
			ctem_draft_cvss(c, &dr, ctem_cj_sget(d, other, "NvdCvssVectorV3"),
							ctem_cj_num(d, ctem_cj_get(d, other, "NvdCvssScoreV3")),
							"nvd", "3.0");
		if (ctem_cj_sget(d, other, "NvdCvssVectorV2"))
			ctem_draft_cvss(c, &dr, ctem_cj_sget(d, other, "NvdCvssVectorV2"),
							ctem_cj_num(d, ctem_cj_get(d, other, "NvdCvssScoreV2")),
							"nvd", "2.0");
		/* OS packages: no location; language packages: the lock file */
		if (image == NULL && ctem_target_is_path(target))
			dr.f.location = ctem_pkg_location(c, target);
	}
	else if (type0 && ctem_has_prefix(type0, "Sensitive Data"))
	{
		/* the template keeps no rule id: the secret's title names it */
		dr.f.kind = CTEM_KIND_SECRET;
		dr.f.title = trivy_title(title, target);
		dr.f.rule_id = dr.f.title;
		dr.nofold = true;
		dr.f.location = ctem_cj_sget(d, other, "Filename");
		if (dr.f.location == NULL)
			dr.f.location = target;
	}
	else
	{
		dr.f.kind = CTEM_KIND_MISCONFIGURATION;
		dr.f.rule_id = gen && strchr(gen, '/') ? ctem_nonempty(strrchr(gen, '/') + 1) : NULL;
		dr.nofold = true;
		dr.f.title = trivy_title(title, target);
		dr.f.message = ctem_cj_sget(d, other, "Message");
		dr.f.remediation = ctem_cj_str(d, ctem_cj_path(d, f, "Remediation.Recommendation.Text"));
		dr.f.location = ctem_with_line(c, ctem_cj_sget(d, other, "Filename") ?
									   ctem_cj_sget(d, other, "Filename") : target,
									   ctem_cj_num(d, ctem_cj_get(d, other, "StartLine")));
	}
	if (dr.f.title == NULL)
		dr.f.title = title;
	if (dr.f.rule_id == NULL)
	{
		ctem_path_key(c, "Resources");
		ctem_path_index(c, 0);
		ctem_path_key(c, "Details");
		ctem_fail_missing(c, d, other >= 0 ? other : f, "CVE ID",
						  "a Trivy ASFF finding");
	}
	ctem_emit(c, &dr);
}

static void
asff_finding(CtemCtx *c, const CjDoc *d, int f, AsffState *st)
{
	CtemDraft	dr;
	const char *gen,
			   *comp,
			   *wf,
			   *rec,
			   *tool,
			   *rule = NULL,
			   *type0,
			   *rtype;
	int			res,
				vulns,
				nv,
				vi,
				pf,
				k;
	double		epss_top;
	bool		vuln_type = false;

	if (ctem_cj_type(d, f) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[f].off,
				  "An ASFF finding must be an object.");
	comp = ctem_cj_sget(d, ctem_cj_get(d, f, "Compliance"), "Status");
	if (comp && strcmp(comp, "PASSED") == 0)
	{
		ctem_skipped(c);
		return;
	}
	if (is_trivy_template(d, f))
	{
		trivy_asff_finding(c, d, f, st);
		return;
	}
	gen = ctem_cj_sget(d, f, "GeneratorId");
	pf = ctem_cj_get(d, f, "ProductFields");
	tool = asff_tool(c, d, f);
	/* rule: control id, GuardDuty type, generator */
	rule = ctem_cj_sget(d, ctem_cj_get(d, f, "Compliance"), "SecurityControlId");
	if (rule == NULL)
		rule = ctem_cj_sget(d, pf, "ControlId");
	if (rule == NULL)
		rule = ctem_cj_sget(d, pf, "RuleId");
	type0 = ctem_cj_str(d, ctem_cj_path(d, f, "Types.0"));
	if (rule == NULL && strcmp(tool, "guardduty") == 0 && type0 &&
		strrchr(type0, '/') && strrchr(type0, '/')[1] != '\0')
		rule = strrchr(type0, '/') + 1;
	if (rule == NULL && gen)
		rule = (strcmp(tool, "prowler") == 0 && strncmp(gen, "prowler-", 8) == 0 &&
				gen[8] != '\0') ? gen + 8 : gen;
	vulns = ctem_cj_get(d, f, "Vulnerabilities");
	nv = ctem_cj_len(d, vulns);
	if (rule == NULL && nv == 0)
		ctem_fail_missing(c, d, f, "GeneratorId", "an ASFF finding");
	res = ctem_cj_path(d, f, "Resources.0");
	rtype = ctem_cj_sget(d, res, "Type");
	wf = ctem_cj_sget(d, ctem_cj_get(d, f, "Workflow"), "Status");
	if (wf == NULL)
		wf = ctem_cj_sget(d, f, "WorkflowState");
	rec = ctem_cj_sget(d, f, "RecordState");
	epss_top = ctem_cj_num(d, ctem_cj_get(d, f, "EpssScore"));
	/* "Software and Configuration Checks/Vulnerabilities/CVE" */
	{
		int			types = ctem_cj_get(d, f, "Types");
		int			i,
					t,
					n = ctem_cj_len(d, types);

		for (i = 0, t = ctem_cj_first(d, types); i < n; i++, t = ctem_cj_next(d, t))
			if (ctem_cj_str(d, t) && strstr(ctem_cj_str(d, t), "/Vulnerabilities"))
				vuln_type = true;
	}

	/* one finding per vulnerability x package, or one for the control */
	for (vi = 0; vi < (nv ? nv : 1); vi++)
	{
		int			v = ctem_cj_at(d, vulns, vi);
		int			pkgs = ctem_cj_get(d, v, "VulnerablePackages");
		int			np = ctem_cj_len(d, pkgs);
		int			pi;

		for (pi = 0; pi < (np ? np : 1); pi++)
		{
			int			p = ctem_cj_at(d, pkgs, pi);
			int			i,
						n;
			const char *vid = ctem_cj_sget(d, v, "Id");
			const char *sev;

			ctem_draft_init(c, &dr);
			dr.f.tool = tool;
			dr.f.asset_kind = aws_asset_kind(rtype);
			dr.f.asset_key = ctem_cj_sget(d, res, "Id");
			dr.f.asset_name = ctem_cj_sget(d, ctem_cj_get(d, res, "Tags"), "Name");
			dr.f.rule_id = vid ? vid : rule;
			/* a generator "Tool/CVE-2024-1" names the advisory */
			if (!vid && rule && strrchr(rule, '/') &&
				ctem_advisory_len(strrchr(rule, '/') + 1) > 0)
				ctem_draft_alias(c, &dr, strrchr(rule, '/') + 1);
			if (dr.f.rule_id == NULL)
			{
				ctem_path_key(c, "Vulnerabilities");
				ctem_path_index(c, vi);
				ctem_fail_missing(c, d, v, "Id", "an ASFF vulnerability");
			}
			if (vid || vuln_type)
				dr.f.kind = CTEM_KIND_VULNERABILITY;
			else if (strcmp(tool, "guardduty") == 0 ||
					 (type0 && (ctem_has_prefix(type0, "TTPs") ||
								ctem_has_prefix(type0, "Unusual Behaviors") ||
								ctem_has_prefix(type0, "Effects"))))
				dr.f.kind = CTEM_KIND_THREAT_DETECTION;
			else if (strcmp(dr.f.asset_kind, CTEM_ASSET_IDENTITY) == 0)
				dr.f.kind = CTEM_KIND_IDENTITY_RISK;
			else if (type0 && ctem_has_prefix(type0, "Sensitive Data"))
				dr.f.kind = CTEM_KIND_SECRET;
			else
				dr.f.kind = CTEM_KIND_MISCONFIGURATION;
			dr.f.title = ctem_cj_sget(d, f, "Title");
			dr.f.description = ctem_cj_sget(d, f, "Description");
			k = ctem_cj_path(d, f, "Remediation.Recommendation");
			dr.f.remediation = ctem_cj_sget(d, k, "Text");
			dr.f.url = ctem_cj_sget(d, k, "Url");
			if (dr.f.url == NULL)
				dr.f.url = ctem_cj_sget(d, f, "SourceUrl");
			sev = ctem_severity(ctem_cj_sget(d, ctem_cj_get(d, f, "Severity"), "Label"));
			if (sev == NULL)
				sev = ctem_severity(ctem_cj_str(d, ctem_cj_path(d, f,
																"FindingProviderFields.Severity.Label")));
			if (sev == NULL)
			{
				double		norm = ctem_cj_num(d, ctem_cj_path(d, f, "Severity.Normalized"));

				if (!isnan(norm))
					sev = norm >= 90 ? "critical" : norm >= 70 ? "high" :
						norm >= 40 ? "medium" : norm >= 1 ? "low" : "info";
			}
			dr.f.severity = sev;
			k = ctem_cj_get(d, v, "Cvss");
			n = ctem_cj_len(d, k);
			for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
				ctem_draft_cvss(c, &dr, ctem_cj_sget(d, k, "BaseVector"),
								ctem_cj_num(d, ctem_cj_get(d, k, "BaseScore")),
								ctem_cj_sget(d, k, "Source"),
								ctem_cj_sget(d, k, "Version"));
			k = ctem_cj_get(d, v, "RelatedVulnerabilities");
			n = ctem_cj_len(d, k);
			for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
				ctem_draft_alias(c, &dr, ctem_cj_str(d, k));
			dr.f.epss = ctem_cj_num(d, ctem_cj_get(d, v, "EpssScore"));
			if (isnan(dr.f.epss))
				dr.f.epss = epss_top;
			dr.f.published = ctem_date_or_null(ctem_cj_str(d, ctem_cj_path(d, v,
																			"Vendor.VendorCreatedAt")));
			if (p >= 0)
			{
				const char *ver = ctem_cj_sget(d, p, "Version");
				const char *rel = ctem_cj_sget(d, p, "Release");

				dr.f.component = ctem_cj_sget(d, p, "Name");
				dr.f.component_version = (ver && rel) ?
					ctem_printf(c, "%s-%s", ver, rel) : ver;
				dr.f.fixed_version = ctem_cj_sget(d, p, "FixedInVersion");
				dr.f.location = ctem_pkg_location(c, ctem_cj_sget(d, p, "FilePath"));
			}
			else if (!vid && !vuln_type)
			{
				/* controls: the resource type and, per region, the place */
				dr.f.component = rtype;
				dr.f.location = ctem_cj_sget(d, res, "Region");
			}
			dr.f.status = (rec && strcmp(rec, "ARCHIVED") == 0) ? rec :
				comp ? comp : wf;
			dr.f.suppressed = wf && strcmp(wf, "SUPPRESSED") == 0;
			dr.f.observed_at = ctem_cj_sget(d, f, "LastObservedAt");
			if (dr.f.observed_at == NULL)
				dr.f.observed_at = ctem_cj_sget(d, f, "UpdatedAt");
			ctem_emit(c, &dr);
		}
	}
}

static size_t
asff_array(CtemCtx *c, size_t off, const char *key)
{
	CjIter		it;
	size_t		p0 = key ? ctem_path_key(c, key) : c->pathlen;
	AsffState	st = {off, false, NULL};

	if (!ctem_require_container(c, off, '[', key ? key : "An ASFF report"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1 = ctem_path_index(c, it.index);
		int			root = ctem_item_parse(c, &it, NULL);

		if (ctem_cj_type(&c->docs[CTEM_DOC_ITEM], root) != CJ_NULL)
			asff_finding(c, &c->docs[CTEM_DOC_ITEM], root, &st);
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

static size_t
stream_findings_uc(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);

	(void) arg;
	return asff_array(c, off, "Findings");
}

static size_t
stream_findings_lc(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);

	(void) arg;
	return asff_array(c, off, "findings");
}

size_t
ctem_parse_asff(CtemCtx *c, size_t pos)
{
	CjLazy		lz[] = {
		{"Findings", CJ_STREAM, {NULL}, stream_findings_uc, NULL, false, 0},
		{"findings", CJ_STREAM, {NULL}, stream_findings_lc, NULL, false, 0}
	};
	CjDoc	   *t = &c->docs[CTEM_DOC_TOP];
	int			root;
	size_t		end;

	pos = ctem_cj_ws(&c->cj, pos);
	if (c->cj.buf[pos] == '[')
		return asff_array(c, pos, NULL);
	ctem_require_container(c, pos, '{', "An ASFF report");
	ctem_cj_doc_reset(t);
	end = ctem_cj_parse_partial(&c->cj, pos, t, lz, 2, &root);
	/* a single finding object */
	if (ctem_cj_get(t, root, "SchemaVersion") >= 0 &&
		(ctem_cj_get(t, root, "GeneratorId") >= 0 ||
		 ctem_cj_get(t, root, "ProductArn") >= 0))
	{
		CjIter		it;
		AsffState	st = {(size_t) -1, false, NULL};

		it.valoff = pos;
		it.pending = true;
		root = ctem_item_parse(c, &it, NULL);
		asff_finding(c, &c->docs[CTEM_DOC_ITEM], root, &st);
	}
	return end;
}

/* ---- Prowler OCSF ---- */

static void
ocsf_finding(CtemCtx *c, const CjDoc *d, int f)
{
	CtemDraft	dr;
	const char *code,
			   *rule,
			   *sev,
			   *provider,
			   *rtype,
			   *status,
			   *group;
	int			res,
				meta,
				fi;
	double		sid;

	if (ctem_cj_type(d, f) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[f].off,
				  "An OCSF finding must be an object.");
	code = ctem_cj_sget(d, f, "status_code");
	if (code && strcmp(code, "FAIL") != 0)
	{
		ctem_skipped(c);		/* PASS, MANUAL */
		return;
	}
	meta = ctem_cj_get(d, f, "metadata");
	fi = ctem_cj_get(d, f, "finding_info");
	rule = ctem_cj_sget(d, meta, "event_code");
	if (rule == NULL)
	{
		ctem_path_key(c, "metadata");
		ctem_fail_missing(c, d, meta >= 0 ? meta : f, "event_code",
						  "an OCSF finding's metadata");
	}
	res = ctem_cj_path(d, f, "resources.0");
	rtype = ctem_cj_sget(d, res, "type");
	provider = ctem_cj_str(d, ctem_cj_path(d, f, "cloud.provider"));
	group = ctem_cj_str(d, ctem_cj_path(d, res, "group.name"));
	ctem_draft_init(c, &dr);
	dr.f.tool = lower_keep(c, ctem_cj_str(d, ctem_cj_path(d, meta, "product.name")));
	if (dr.f.tool == NULL)
		dr.f.tool = "ocsf";
	dr.f.rule_id = rule;
	dr.nofold = true;
	dr.f.title = ctem_cj_sget(d, fi, "title");
	dr.f.description = ctem_cj_sget(d, fi, "desc");
	dr.f.message = ctem_cj_sget(d, f, "status_detail");
	if (dr.f.message == NULL)
		dr.f.message = ctem_cj_sget(d, f, "message");
	dr.f.remediation = ctem_cj_str(d, ctem_cj_path(d, f, "remediation.desc"));
	dr.f.url = ctem_cj_str(d, ctem_cj_path(d, f, "unmapped.related_url"));
	sev = ctem_severity(ctem_cj_sget(d, f, "severity"));
	sid = ctem_cj_num(d, ctem_cj_get(d, f, "severity_id"));
	if (sev == NULL && !isnan(sid))
		sev = sid >= 5 ? "critical" : sid == 4 ? "high" : sid == 3 ? "medium" :
			sid == 2 ? "low" : sid == 1 ? "info" : "unknown";
	dr.f.severity = sev;
	status = ctem_cj_sget(d, f, "status");
	dr.f.suppressed = status && strcmp(status, "Suppressed") == 0;
	dr.f.status = code ? code : status;
	dr.f.component = rtype;
	dr.f.location = ctem_cj_sget(d, res, "region");
	dr.f.observed_at = ctem_cj_sget(d, f, "time_dt");
	if ((provider && strcmp(provider, "kubernetes") == 0) ||
		(provider == NULL && ctem_cj_get(d, res, "namespace") >= 0))
	{
		const char *ns = ctem_cj_sget(d, res, "namespace");
		const char *name = ctem_cj_sget(d, res, "name");
		const char *cluster = ctem_cj_str(d, ctem_cj_path(d, f, "cloud.account.uid"));

		dr.f.asset_kind = CTEM_ASSET_K8S_RESOURCE;
		dr.f.asset_key = ctem_printf(c, "%s/%s/%s/%s", cluster ? cluster : "",
									 ns ? ns : "", rtype ? rtype : "",
									 name ? name : "");
		dr.f.asset_name = name;
	}
	else
	{
		dr.f.asset_kind = aws_asset_kind(rtype);
		dr.f.asset_key = ctem_cj_sget(d, res, "uid");
		dr.f.asset_name = ctem_cj_sget(d, res, "name");
	}
	if (strcmp(dr.f.asset_kind, CTEM_ASSET_IDENTITY) == 0 ||
		(group && (strcmp(group, "iam") == 0 || strcmp(group, "entra") == 0)))
		dr.f.kind = CTEM_KIND_IDENTITY_RISK;
	else
		dr.f.kind = CTEM_KIND_MISCONFIGURATION;
	ctem_emit(c, &dr);
}

static const char *const ocsf_ignore[] = {"unmapped.compliance", "raw_data", NULL};

static void
ocsf_finding_item(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	(void) arg;
	ocsf_finding(c, d, root);
}

size_t
ctem_parse_ocsf(CtemCtx *c, size_t pos)
{
	return ctem_parse_object_or_array(c, pos, "An OCSF report", ocsf_ignore, ocsf_finding_item, NULL);
}
