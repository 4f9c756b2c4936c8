/*-------------------------------------------------------------------------
 *
 * report_nuclei.c
 *	  ProjectDiscovery nuclei output: JSONL (-jsonl, one finding per line,
 *	  handled as a stream of top-level values by report.c), a JSON array
 *	  (-json-export) or a single finding object.  Three field generations
 *	  are accepted (templateID / template-id, matched / matched-at, ...).
 *
 * src/core/report/report_nuclei.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <string.h>

#include "core/report/report_int.h"

static const char *const nuclei_ignore[] = {
	"request", "response", "curl-command", "interaction", NULL
};

static bool
has_tag(const CjDoc *d, int tags, const char *tag)
{
	int			i,
				k,
				n;

	if (ctem_cj_type(d, tags) == CJ_STRING)
	{
		const char *s = ctem_cj_str(d, tags);
		size_t		l = strlen(tag);

		while (s && *s)
		{
			size_t		w = strcspn(s, ",");

			while (*s == ' ')
				s++, w--;
			if (w == l && strncmp(s, tag, l) == 0)
				return true;
			s += strcspn(s, ",");
			if (*s == ',')
				s++;
		}
		return false;
	}
	n = ctem_cj_len(d, tags);
	for (i = 0, k = ctem_cj_first(d, tags); i < n; i++, k = ctem_cj_next(d, k))
		if (ctem_cj_str(d, k) && strcmp(ctem_cj_str(d, k), tag) == 0)
			return true;
	return false;
}

static void
nuclei_finding(CtemCtx *c, const CjDoc *d, int f)
{
	CtemDraft	dr;
	const char *id,
			   *type,
			   *host,
			   *tpath;
	int			info,
				cls,
				k,
				i,
				n,
				tags;
	bool		is_url,
				any_cve = false;

	if (ctem_cj_type(d, f) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[f].off,
				  "A nuclei finding must be an object.");
	id = ctem_cj_sget(d, f, "template-id");
	if (id == NULL)
		id = ctem_cj_sget(d, f, "templateID");
	if (id == NULL)
		ctem_fail_missing(c, d, f, "template-id", "a nuclei finding");
	info = ctem_cj_get(d, f, "info");
	cls = ctem_cj_get(d, info, "classification");
	type = ctem_cj_sget(d, f, "type");
	ctem_draft_init(c, &dr);
	dr.f.tool = "nuclei";
	dr.f.rule_id = id;
	dr.f.title = ctem_cj_sget(d, info, "name");
	dr.f.description = ctem_cj_sget(d, info, "description");
	dr.f.remediation = ctem_cj_sget(d, info, "remediation");
	dr.f.severity = ctem_severity(ctem_cj_sget(d, info, "severity"));
	k = ctem_cj_get(d, info, "reference");
	dr.f.url = ctem_cj_type(d, k) == CJ_ARRAY ?
		ctem_cj_str(d, ctem_cj_first(d, k)) : NULL;
	/* classification */
	k = ctem_cj_get(d, cls, "cve-id");
	if (ctem_cj_type(d, k) == CJ_STRING)
	{
		any_cve = ctem_cve_prefix(c, ctem_cj_str(d, k)) != NULL;
		ctem_draft_alias(c, &dr, ctem_cve_prefix(c, ctem_cj_str(d, k)));
	}
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *cve = ctem_cve_prefix(c, ctem_cj_str(d, k));

		if (cve)
		{
			any_cve = true;
			ctem_draft_alias(c, &dr, cve);
		}
	}
	k = ctem_cj_get(d, cls, "cwe-id");
	if (ctem_cj_type(d, k) == CJ_STRING)
		ctem_draft_cwe(c, &dr, ctem_cj_str(d, k));
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_cwe(c, &dr, ctem_cj_str(d, k));
	ctem_draft_cvss(c, &dr, ctem_cj_sget(d, cls, "cvss-metrics"),
					ctem_cj_num(d, ctem_cj_get(d, cls, "cvss-score")),
					NULL, NULL);
	/* kind from the CVE, tags and template path */
	tags = ctem_cj_get(d, info, "tags");
	tpath = ctem_cj_sget(d, f, "template");
	if (tpath == NULL)
		tpath = ctem_cj_sget(d, f, "template-path");
	if (any_cve || has_tag(d, tags, "cve"))
		dr.f.kind = CTEM_KIND_VULNERABILITY;
	else if (has_tag(d, tags, "default-login") ||
			 (tpath && strstr(tpath, "default-login")))
		dr.f.kind = CTEM_KIND_IDENTITY_RISK;
	else if (has_tag(d, tags, "misconfig") ||
			 (tpath && strstr(tpath, "misconfiguration")))
		dr.f.kind = CTEM_KIND_MISCONFIGURATION;
	else if (has_tag(d, tags, "exposure") || has_tag(d, tags, "panel") ||
			 has_tag(d, tags, "tech") || has_tag(d, tags, "network") ||
			 has_tag(d, tags, "dns") || has_tag(d, tags, "ssl") ||
			 has_tag(d, tags, "service") ||
			 (tpath && (strstr(tpath, "exposure") || strstr(tpath, "panel") ||
						strstr(tpath, "technologies") || strstr(tpath, "dns/") ||
						strstr(tpath, "ssl/") || strstr(tpath, "network/"))))
		dr.f.kind = CTEM_KIND_EXPOSED_SERVICE;
	else
		dr.f.kind = CTEM_KIND_VULNERABILITY;
	/* asset: the scanned host */
	host = ctem_cj_sget(d, f, "host");
	dr.f.asset_name = host;
	dr.f.asset_key = ctem_url_host(c, host, &is_url);
	if (dr.f.asset_key == NULL)
		dr.f.asset_key = ctem_cj_sget(d, f, "ip");
	dr.f.asset_kind = (is_url || (type && (strcmp(type, "http") == 0 ||
										   strcmp(type, "headless") == 0))) ?
		CTEM_ASSET_WEB_APP : CTEM_ASSET_HOST;
	dr.f.location = ctem_cj_sget(d, f, "matched-at");
	if (dr.f.location == NULL)
		dr.f.location = ctem_cj_sget(d, f, "matched");
	if (dr.f.location == NULL)
		dr.f.location = ctem_cj_sget(d, f, "url");
	dr.f.component = ctem_cj_sget(d, f, "matcher-name");
	if (dr.f.component == NULL)
		dr.f.component = ctem_cj_sget(d, f, "matcher_name");
	k = ctem_cj_get(d, f, "extracted-results");
	if (k < 0)
		k = ctem_cj_get(d, f, "extracted_results");
	dr.f.message = ctem_join(c, d, k, ", ");
	dr.f.observed_at = ctem_cj_sget(d, f, "timestamp");
	ctem_emit(c, &dr);
}

static void
nuclei_finding_item(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	(void) arg;
	nuclei_finding(c, d, root);
}

size_t
ctem_parse_nuclei(CtemCtx *c, size_t pos)
{
	return ctem_parse_object_or_array(c, pos, "A nuclei report", nuclei_ignore, nuclei_finding_item, NULL);
}
