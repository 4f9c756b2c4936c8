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

static void
asff_finding(CtemCtx *c, const CjDoc *d, int f)
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

	if (ctem_cj_type(d, f) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[f].off,
				  "An ASFF finding must be an object.");
	comp = ctem_cj_sget(d, ctem_cj_get(d, f, "Compliance"), "Status");
	if (comp && strcmp(comp, "PASSED") == 0)
	{
		ctem_skipped(c);
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
			if (dr.f.rule_id == NULL)
			{
				ctem_path_key(c, "Vulnerabilities");
				ctem_path_index(c, vi);
				ctem_fail_missing(c, d, v, "Id", "an ASFF vulnerability");
			}
			if (vid)
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
			else if (!vid)
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
			asff_finding(c, &c->docs[CTEM_DOC_ITEM], root);
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

		it.valoff = pos;
		it.pending = true;
		root = ctem_item_parse(c, &it, NULL);
		asff_finding(c, &c->docs[CTEM_DOC_ITEM], root);
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
