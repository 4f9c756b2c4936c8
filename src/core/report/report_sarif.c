/*-------------------------------------------------------------------------
 *
 * report_sarif.c
 *	  SARIF 2.1.0 logs from any tool: runs[].results[] joined with the rule
 *	  metadata of runs[].tool.driver.rules (and tool.extensions[].rules).
 *
 * src/core/report/report_sarif.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report/report_int.h"

typedef struct SarifRun
{
	int			root;			/* run object in DOC_MID (results excluded) */
	int		   *rules;			/* node of each driver rule */
	int			nrules;
	const char *tool;			/* driver name, lower case */
	const char *asset_kind;		/* what the run names as scanned */
	const char *asset_key;
	int			artifacts;		/* artifacts array or -1 */
	bool		prepared;
} SarifRun;

static const char *const sarif_ignore[] = {
	"codeFlows", "relatedLocations", "stacks", "graphs", "graphTraversals",
	"attachments", "fixes", "webRequest", "webResponse", NULL
};

static void
prepare_run(CtemCtx *c, SarifRun *r)
{
	CjDoc	   *d = &c->docs[CTEM_DOC_MID];
	int			drv = ctem_cj_path(d, r->root, "tool.driver");
	int			rules = ctem_cj_get(d, drv, "rules");
	int			i,
				k;
	const char *name = ctem_cj_sget(d, drv, "name");

	r->nrules = ctem_cj_len(d, rules);
	r->rules = ctem_arena_alloc(&c->cj, &c->keep, sizeof(int) * (r->nrules + 1));
	for (i = 0, k = ctem_cj_first(d, rules); i < r->nrules;
		 i++, k = ctem_cj_next(d, k))
		r->rules[i] = k;
	r->tool = name ? ctem_arena_strndup(&c->cj, &c->keep, name, strlen(name)) : NULL;
	if (r->tool)
		for (i = 0; r->tool[i]; i++)
			((char *) r->tool)[i] = (char) tolower((unsigned char) r->tool[i]);
	/*
	 * the scanned thing: Trivy's image (run properties imageName, else its
	 * tags, digests, id), else the repository of versionControlProvenance
	 */
	r->asset_kind = CTEM_ASSET_REPOSITORY;
	r->asset_key = ctem_cj_sget(d, ctem_cj_get(d, r->root, "properties"), "imageName");
	if (r->asset_key == NULL)
		r->asset_key = ctem_cj_str(d, ctem_cj_path(d, r->root, "properties.repoTags.0"));
	if (r->asset_key == NULL)
		r->asset_key = ctem_cj_str(d, ctem_cj_path(d, r->root, "properties.repoDigests.0"));
	if (r->asset_key == NULL)
		r->asset_key = ctem_cj_str(d, ctem_cj_path(d, r->root, "properties.imageID"));
	if (r->asset_key != NULL)
		r->asset_kind = CTEM_ASSET_CONTAINER_IMAGE;
	else
		r->asset_key = ctem_cj_str(d, ctem_cj_path(d, r->root,
												   "versionControlProvenance.0.repositoryUri"));
	r->artifacts = ctem_cj_get(d, r->root, "artifacts");
	r->prepared = true;
}

/* the rule object for a result: by index, else by id (driver, extensions) */
static int
find_rule(const CjDoc *d, const SarifRun *r, int res, const char *id)
{
	double		idx = ctem_cj_num(d, ctem_cj_get(d, res, "ruleIndex"));
	int			i,
				e,
				n,
				k;

	if (isnan(idx))
		idx = ctem_cj_num(d, ctem_cj_path(d, res, "rule.index"));
	if (!isnan(idx) && idx >= 0 && idx < r->nrules &&
		ctem_cj_path(d, res, "rule.toolComponent") < 0)
		return r->rules[(int) idx];
	if (id == NULL)
		return -1;
	for (i = 0; i < r->nrules; i++)
	{
		const char *rid = ctem_cj_sget(d, r->rules[i], "id");

		if (rid && strcmp(rid, id) == 0)
			return r->rules[i];
	}
	e = ctem_cj_path(d, r->root, "tool.extensions");
	n = ctem_cj_len(d, e);
	for (i = 0, e = ctem_cj_first(d, e); i < n; i++, e = ctem_cj_next(d, e))
	{
		int			rules = ctem_cj_get(d, e, "rules");
		int			j,
					m = ctem_cj_len(d, rules);

		for (j = 0, k = ctem_cj_first(d, rules); j < m;
			 j++, k = ctem_cj_next(d, k))
		{
			const char *rid = ctem_cj_sget(d, k, "id");

			if (rid && strcmp(rid, id) == 0)
				return k;
		}
	}
	return -1;
}

/* Gitleaks 7 writes no ruleId; its message starts with the rule id */
static const char *
rule_from_message(const CjDoc *d, const SarifRun *r, const char *msg)
{
	const char *best = NULL;
	size_t		bestlen = 0;
	int			i;

	if (msg == NULL)
		return NULL;
	for (i = 0; i < r->nrules; i++)
	{
		const char *rid = ctem_cj_sget(d, r->rules[i], "id");
		size_t		l = rid ? strlen(rid) : 0;

		if (l > bestlen && strncmp(msg, rid, l) == 0 &&
			(msg[l] == ' ' || msg[l] == '\0' || msg[l] == ':'))
		{
			best = rid;
			bestlen = l;
		}
	}
	return best;
}

/* value of a "Label: value" line in a help text, or NULL */
static const char *
help_field(CtemCtx *c, const char *text, const char *label)
{
	size_t		l = strlen(label);
	const char *p = text;

	while (p && *p)
	{
		if (strncmp(p, label, l) == 0 && p[l] == ':')
		{
			const char *v = p + l + 1;
			size_t		n;

			while (*v == ' ')
				v++;
			n = strcspn(v, "\r\n");
			while (n > 0 && v[n - 1] == ' ')
				n--;
			return n ? ctem_arena_strndup(&c->cj, &c->scratch, v, n) : NULL;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* message text, or a rule messageStrings template with {n} substituted */
static const char *
message_text(CtemCtx *c, const CjDoc *d, int res, const CjDoc *rd, int rule)
{
	int			msg = ctem_cj_get(d, res, "message");
	const char *t = ctem_cj_sget(d, msg, "text");
	const char *id;
	int			args;
	char	   *out,
			   *w;
	size_t		cap;

	if (t)
		return t;
	id = ctem_cj_sget(d, msg, "id");
	if (id == NULL)
		return NULL;
	t = ctem_cj_sget(rd, ctem_cj_get(rd, ctem_cj_get(rd, rule, "messageStrings"), id),
					 "text");
	if (t == NULL)
		return NULL;
	args = ctem_cj_get(d, msg, "arguments");
	cap = strlen(t) + 1;
	{
		int			i,
					k,
					n = ctem_cj_len(d, args);

		for (i = 0, k = ctem_cj_first(d, args); i < n; i++, k = ctem_cj_next(d, k))
			if (ctem_cj_str(d, k))
				cap += strlen(ctem_cj_str(d, k));
	}
	out = w = ctem_arena_strndup(&c->cj, &c->scratch, NULL, cap);
	while (*t)
	{
		if (t[0] == '{' && isdigit((unsigned char) t[1]))
		{
			char	   *end;
			long		i = strtol(t + 1, &end, 10);
			const char *a;

			if (*end == '}' && i < 1000 &&
				(a = ctem_cj_str(d, ctem_cj_at(d, args, (int) i))) != NULL &&
				(size_t) (w - out) + strlen(a) < cap)
			{
				strcpy(w, a);
				w += strlen(a);
				t = end + 1;
				continue;
			}
		}
		if ((size_t) (w - out) + 1 >= cap)
			break;
		*w++ = *t++;
	}
	*w = '\0';
	return out;
}

/*
 * Tools whose results carry no sign of their kind (a tag, an advisory id):
 * the driver name decides, matched whole and ignoring case.  A tool not
 * listed gets code_weakness.  docs/formats.md has this table.
 */
static const struct
{
	const char *name;
	const char *kind;
}			sarif_tools[] = {
	{"gitleaks", CTEM_KIND_SECRET},
	{"trufflehog", CTEM_KIND_SECRET},
	{"detect-secrets", CTEM_KIND_SECRET},
	{"grype", CTEM_KIND_VULNERABILITY},
	{"dependency-check", CTEM_KIND_VULNERABILITY},
	{"osv-scanner", CTEM_KIND_VULNERABILITY},
	{"govulncheck", CTEM_KIND_VULNERABILITY},
	{"retire.js", CTEM_KIND_VULNERABILITY},
	{"snyk open source", CTEM_KIND_VULNERABILITY},
	{"snyk container", CTEM_KIND_VULNERABILITY},
	{"checkov", CTEM_KIND_MISCONFIGURATION},
	{"tfsec", CTEM_KIND_MISCONFIGURATION},
	{"defsec", CTEM_KIND_MISCONFIGURATION},
	{"kics", CTEM_KIND_MISCONFIGURATION},
	{"terrascan", CTEM_KIND_MISCONFIGURATION},
	{"hadolint", CTEM_KIND_MISCONFIGURATION},
	{"kube-linter", CTEM_KIND_MISCONFIGURATION},
	{"kubelinter", CTEM_KIND_MISCONFIGURATION},
	{"kubesec", CTEM_KIND_MISCONFIGURATION},
	{"cfn-lint", CTEM_KIND_MISCONFIGURATION},
	{"cfn_nag", CTEM_KIND_MISCONFIGURATION},
	{"dockle", CTEM_KIND_MISCONFIGURATION},
	{"snyk iac", CTEM_KIND_MISCONFIGURATION},
	{"trivy", CTEM_KIND_MISCONFIGURATION}	/* its license results */
};

static const char *
tool_kind(const char *tool)
{
	int			i;

	for (i = 0; tool && i < (int) (sizeof(sarif_tools) / sizeof(sarif_tools[0])); i++)
		if (ctem_strcaseeq(tool, sarif_tools[i].name))
			return sarif_tools[i].kind;
	return NULL;
}

/* what the tags of a rule or result say: kind and severity words, CWEs */
typedef struct SarifTags
{
	bool		secret;
	bool		vulnerability;
	bool		misconfiguration;
	const char *severity;
} SarifTags;

static void
read_tags(CtemCtx *c, CtemDraft *dr, const CjDoc *d, int props, SarifTags *t)
{
	int			tags = ctem_cj_get(d, props, "tags");
	int			n = ctem_cj_len(d, tags);
	int			i,
				k;

	for (i = 0, k = ctem_cj_first(d, tags); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *s = ctem_cj_str(d, k);

		if (s == NULL)
			continue;
		ctem_draft_cwe(c, dr, s);
		if (ctem_strcaseeq(s, "secret") || ctem_strcaseeq(s, "secrets"))
			t->secret = true;
		else if (ctem_strcaseeq(s, "vulnerability"))
			t->vulnerability = true;
		else if (ctem_strcaseeq(s, "misconfiguration") ||
				 ctem_strcaseeq(s, "misconfig"))
			t->misconfiguration = true;
		if (t->severity == NULL)
		{
			const char *sev = ctem_severity(s);	/* Trivy's tags */

			if (sev && strcmp(sev, "unknown") != 0)
				t->severity = sev;
		}
	}
	/* the cwe property: Semgrep's rules, njsscan's and mobsfscan's results */
	k = ctem_cj_get(d, props, "cwe");
	if (ctem_cj_type(d, k) == CJ_STRING)
		ctem_draft_cwe(c, dr, ctem_cj_str(d, k));
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_cwe(c, dr, ctem_cj_str(d, k));
}

/* Trivy's rules of OS packages, whose uri is the image, not a file */
static bool
os_package_rule(const char *name)
{
	return name && (strcmp(name, "OsPackageVulnerability") == 0 ||
					ctem_has_prefix(name, "OS Package Vulnerability"));
}

/*
 * "name@version" (Snyk's logical locations), the last '@' after the first
 * character; the version starts with a letter or digit and holds no '/'
 */
static bool
name_at_version(CtemCtx *c, const char *s, const char **name,
				const char **version)
{
	const char *at = s ? strrchr(s, '@') : NULL;

	if (at == NULL || at == s || !isalnum((unsigned char) at[1]) ||
		strpbrk(at + 1, "/ \t") != NULL ||
		memchr(s, ' ', at - s) != NULL || memchr(s, ':', at - s) != NULL)
		return false;
	*name = ctem_arena_strndup(&c->cj, &c->scratch, s, at - s);
	*version = at + 1;
	return true;
}

/* Grype's message: "The path P reports NAME at version VERSION  which ..." */
static void
grype_message(CtemCtx *c, const char *msg, const char **name,
			  const char **version)
{
	const char *p = msg ? strstr(msg, " reports ") : NULL;
	const char *q;

	if (p == NULL || (q = strstr(p + 9, " at version ")) == NULL || q == p + 9)
		return;
	*name = ctem_arena_strndup(&c->cj, &c->scratch, p + 9, q - (p + 9));
	q += 12;
	*version = ctem_arena_strndup(&c->cj, &c->scratch, q, strcspn(q, " \n"));
	if (**version == '\0')
		*version = NULL;
}

static void
sarif_result(CtemCtx *c, const CjDoc *d, int res, SarifRun *r)
{
	CjDoc	   *m = &c->docs[CTEM_DOC_MID];
	CtemDraft	dr;
	SarifTags	tags;
	const char *id,
			   *level,
			   *kind,
			   *uri = NULL,
			   *help,
			   *msg,
			   *sev,
			   *pkg = NULL,
			   *pkgver = NULL,
			   *tool_says;
	int			rule,
				loc,
				i,
				k,
				n,
				props,
				rprops;
	double		line,
				secsev;
	size_t		adv;
	bool		is_cve,
				rule_per_package,
				os_pkg;

	if (ctem_cj_type(d, res) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[res].off,
				  "A SARIF result must be an object.");
	kind = ctem_cj_sget(d, res, "kind");
	if (kind && (strcmp(kind, "pass") == 0 ||
				 strcmp(kind, "notApplicable") == 0 ||
				 strcmp(kind, "informational") == 0))
	{
		ctem_skipped(c);
		return;
	}
	id = ctem_cj_sget(d, res, "ruleId");
	if (id == NULL)
		id = ctem_nonempty(ctem_cj_str(d, ctem_cj_path(d, res, "rule.id")));
	/* the rule lives in DOC_MID: look it up there */
	rule = -1;
	{
		double		idx = ctem_cj_num(d, ctem_cj_get(d, res, "ruleIndex"));

		if (isnan(idx))
			idx = ctem_cj_num(d, ctem_cj_path(d, res, "rule.index"));
		if (!isnan(idx) && idx >= 0 && idx < r->nrules &&
			ctem_cj_path(d, res, "rule.toolComponent") < 0)
			rule = r->rules[(int) idx];

		/*
		 * the id decides when the index points elsewhere: Trivy's old
		 * template numbers ruleIndex by result, not by rule (half of its
		 * results point at another package's rule)
		 */
		if (id && (rule < 0 || ctem_cj_sget(m, rule, "id") == NULL ||
				   strcmp(ctem_cj_sget(m, rule, "id"), id) != 0))
		{
			int			byid = find_rule(m, r, -1, id);

			if (byid >= 0 || rule < 0)
				rule = byid;
		}
	}
	if (id == NULL && rule >= 0)
		id = ctem_cj_sget(m, rule, "id");
	if (id == NULL)
	{
		id = rule_from_message(m, r,
							   ctem_cj_sget(d, ctem_cj_get(d, res, "message"), "text"));
		if (id)
			rule = find_rule(m, r, -1, id);
	}
	if (id == NULL)
		ctem_fail_missing(c, d, res, "ruleId", "a SARIF result");

	ctem_draft_init(c, &dr);
	dr.f.tool = r->tool ? r->tool : "sarif";
	dr.f.asset_kind = r->asset_kind;
	dr.f.asset_key = r->asset_key;
	dr.f.rule_id = id;
	is_cve = ctem_cve_prefix(c, id) != NULL;
	if (is_cve)
		ctem_draft_alias(c, &dr, ctem_cve_prefix(c, id));
	/* an id longer than its advisory names the package too (CVE-X/curl) */
	adv = ctem_advisory_len(id);
	rule_per_package = adv > 0 && id[adv] != '\0';

	/* rule metadata */
	dr.f.title = ctem_cj_sget(m, ctem_cj_get(m, rule, "shortDescription"), "text");
	if (dr.f.title == NULL)
	{
		const char *nm = ctem_cj_sget(m, rule, "name");

		if (nm && strcmp(nm, id) != 0)
			dr.f.title = nm;
	}
	dr.f.description = ctem_cj_sget(m, ctem_cj_get(m, rule, "fullDescription"), "text");
	help = ctem_cj_sget(m, ctem_cj_get(m, rule, "help"), "text");
	if (dr.f.description == NULL)
		dr.f.description = help;
	dr.f.url = ctem_cj_sget(m, rule, "helpUri");
	msg = message_text(c, d, res, m, rule);
	dr.f.message = msg;
	if (dr.f.title == NULL && msg)
		dr.f.title = ctem_arena_strndup(&c->cj, &c->scratch, msg, strcspn(msg, "\n"));

	/*
	 * CWE and kind words: the result's tags and cwe property, then the
	 * rule's (CodeQL and Semgrep tags, Semgrep's cwe property), and
	 * Flawfinder's relationships
	 */
	memset(&tags, 0, sizeof(tags));
	props = ctem_cj_get(d, res, "properties");
	read_tags(c, &dr, d, props, &tags);
	rprops = ctem_cj_get(m, rule, "properties");
	read_tags(c, &dr, m, rprops, &tags);
	k = ctem_cj_get(m, rule, "relationships");
	n = ctem_cj_len(m, k);
	for (i = 0, k = ctem_cj_first(m, k); i < n; i++, k = ctem_cj_next(m, k))
		ctem_draft_cwe(c, &dr, ctem_cj_str(m, ctem_cj_path(m, k, "target.id")));

	/*
	 * The package is the result's: a package URL (Dependency-Check) or
	 * "name@version" (Snyk) among its logical locations, the "Package:" and
	 * "Installed Version:" lines of its message (Trivy), Grype's message;
	 * a rule's help text names a package only when the rule is made for one
	 * package (its id is the advisory and the package, CVE-X/curl), since a
	 * rule shared by the results of several packages names the first.
	 */
	loc = ctem_cj_path(d, res, "locations.0");
	k = ctem_cj_get(d, loc, "logicalLocations");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *fq = ctem_cj_sget(d, k, "fullyQualifiedName");

		if (fq && ctem_purl_parse(c, fq, &pkg, &pkgver))
		{
			dr.f.purl = fq;
			break;
		}
		if (fq && name_at_version(c, fq, &pkg, &pkgver))
			break;
	}
	if (pkg == NULL)
	{
		pkg = help_field(c, msg, "Package");
		pkgver = help_field(c, msg, "Installed Version");
	}
	if (pkg == NULL)
		grype_message(c, msg, &pkg, &pkgver);
	if (pkg == NULL && rule_per_package)
	{
		pkg = help_field(c, help, "Package");
		pkgver = help_field(c, help, "Installed Version");
		if (pkgver == NULL)
			pkgver = help_field(c, help, "Version");
	}

	/*
	 * kind: the result's and rule's own signs first (a secret tag; an
	 * advisory id, or the vulnerability tag on a package; a
	 * misconfiguration tag), then the table of tools, then code_weakness
	 */
	tool_says = tool_kind(dr.f.tool);
	if (tags.secret)
		dr.f.kind = CTEM_KIND_SECRET;
	else if (adv > 0 || (tags.vulnerability && pkg != NULL))
		dr.f.kind = CTEM_KIND_VULNERABILITY;
	else if (tags.misconfiguration)
		dr.f.kind = CTEM_KIND_MISCONFIGURATION;
	else if (tool_says)
		dr.f.kind = tool_says;
	else
		dr.f.kind = CTEM_KIND_CODE_WEAKNESS;

	/*
	 * severity: the result's own "Severity:" line (Trivy), a
	 * security-severity score, the rule's help text, a tag, the level
	 */
	sev = ctem_severity(help_field(c, msg, "Severity"));
	secsev = ctem_cj_num(d, ctem_cj_get(d, props, "security-severity"));
	if (isnan(secsev))
		secsev = ctem_cj_num(m, ctem_cj_get(m, rprops, "security-severity"));
	dr.f.severity = (sev && strcmp(sev, "unknown") != 0) ? sev :
		ctem_severity_from_score(secsev);
	if (dr.f.severity == NULL)
		dr.f.severity = ctem_severity(help_field(c, help, "Severity"));
	if (dr.f.severity == NULL)
		dr.f.severity = tags.severity;
	if (dr.f.severity == NULL)
	{
		level = ctem_cj_sget(d, res, "level");
		if (level == NULL)
			level = ctem_cj_sget(m, ctem_cj_get(m, rule, "defaultConfiguration"), "level");
		if (level == NULL || strcmp(level, "warning") == 0)
			dr.f.severity = "medium";
		else if (strcmp(level, "error") == 0)
			dr.f.severity = "high";
		else if (strcmp(level, "note") == 0)
			dr.f.severity = "low";
		else if (strcmp(level, "none") == 0)
			dr.f.severity = "info";
	}
	/* CVSS in rule properties: Trivy's vectors, Dependency-Check's scores */
	ctem_draft_cvss(c, &dr, ctem_cj_sget(m, rprops, "cvssv40_vector"),
					ctem_cj_num(m, ctem_cj_get(m, rprops, "cvssv40_baseScore")),
					NULL, "4.0");
	ctem_draft_cvss(c, &dr, ctem_cj_sget(m, rprops, "cvssv3_vector"),
					ctem_cj_num(m, ctem_cj_get(m, rprops, "cvssv3_baseScore")),
					NULL, "3.0");
	ctem_draft_cvss(c, &dr, ctem_cj_sget(m, rprops, "cvssv2_vector"),
					ctem_cj_num(m, ctem_cj_get(m, rprops, "cvssv2_score")),
					NULL, "2.0");

	/* location */
	{
		int			al = ctem_cj_path(d, loc, "physicalLocation.artifactLocation");

		uri = ctem_cj_sget(d, al, "uri");
		if (uri == NULL)
		{
			double		ai = ctem_cj_num(d, ctem_cj_get(d, al, "index"));

			if (!isnan(ai) && ai >= 0 && ai < 1e9)
				uri = ctem_cj_str(m, ctem_cj_path(m, ctem_cj_at(m, r->artifacts, (int) ai),
												  "location.uri"));
		}
	}
	uri = ctem_strip_file_uri(c, uri);
	line = ctem_cj_num(d, ctem_cj_path(d, loc, "physicalLocation.region.startLine"));
	os_pkg = os_package_rule(ctem_cj_sget(m, rule, "name"));
	if (strcmp(dr.f.kind, CTEM_KIND_VULNERABILITY) == 0)
	{
		/*
		 * Package findings: no line, paths absolute as in the JSON formats.
		 * An OS package has no location (Trivy names the image instead:
		 * "library/alpine", or "image (alpine 3.7.1)" in its old template;
		 * Grype a package database); a language label ("Java") is no path.
		 * Grype's image results write "image/<path>" with the real path as
		 * the logical location's name.
		 */
		const char *real = ctem_cj_str(d, ctem_cj_path(d, loc, "logicalLocations.0.name"));

		if (uri && ctem_has_prefix(uri, "image/") && real && real[0] == '/')
			uri = real;
		if (uri && !os_pkg && strstr(uri, " (") == NULL &&
			!ctem_is_pkgdb_path(uri) && ctem_target_is_path(uri))
			dr.f.location = ctem_pkg_location(c, uri);
		if (dr.f.component == NULL)
		{
			dr.f.component = pkg;
			dr.f.component_version = pkgver;
		}
		dr.f.fixed_version = help_field(c, msg, "Fixed Version");
		if (dr.f.fixed_version == NULL && rule_per_package)
		{
			dr.f.fixed_version = help_field(c, help, "Fixed Version");
			if (dr.f.fixed_version == NULL)
				dr.f.fixed_version = help_field(c, help, "Fix Version");
		}
	}
	else
	{
		dr.f.location = ctem_with_line(c, uri, line);
		if (dr.f.purl)
		{
			dr.f.component = pkg;
			dr.f.component_version = pkgver;
		}
		/* Trivy's checks: the message's "Type: dockerfile", as its JSON */
		else if (strcmp(dr.f.kind, CTEM_KIND_MISCONFIGURATION) == 0)
			dr.f.component = help_field(c, msg, "Type");
	}

	/* suppressions: any not rejected one suppresses the result */
	k = ctem_cj_get(d, res, "suppressions");
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
	{
		const char *st = ctem_cj_sget(d, k, "status");

		if (st == NULL || strcmp(st, "rejected") != 0)
		{
			dr.f.suppressed = true;
			dr.f.status = st ? st : "accepted";
			break;
		}
	}
	if (dr.f.status == NULL)
		dr.f.status = kind;
	ctem_emit(c, &dr);
}

static size_t
stream_results(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	SarifRun   *r = arg;
	size_t		p0 = ctem_path_key(c, "results");
	CjIter		it;

	if (!r->prepared)
		prepare_run(c, r);
	if (!ctem_require_container(c, off, '[', "results"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1 = ctem_path_index(c, it.index);
		int			root = ctem_item_parse(c, &it, sarif_ignore);

		sarif_result(c, &c->docs[CTEM_DOC_ITEM], root, r);
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

static size_t
stream_runs(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	size_t		p0 = ctem_path_key(c, "runs");
	CjIter		it;

	(void) arg;
	if (!ctem_require_container(c, off, '[', "runs"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		SarifRun	r;
		CjLazy		lz[] = {
			{"results", CJ_STREAM, {"tool", "artifacts", NULL},
			stream_results, &r, false, 0},
			{"invocations", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
			{"threadFlowLocations", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
			{"logicalLocations", CJ_IGNORE, {NULL}, NULL, NULL, false, 0},
			{"graphs", CJ_IGNORE, {NULL}, NULL, NULL, false, 0}
		};
		size_t		p1;

		if (!ctem_require_container(c, it.valoff, '{', "A SARIF run"))
			continue;
		p1 = ctem_path_index(c, it.index);
		memset(&r, 0, sizeof(r));
		ctem_cj_doc_reset(&c->docs[CTEM_DOC_MID]);
		ctem_arena_reset(&c->keep);
		ctem_cj_iter_done(&it, ctem_cj_parse_partial(&c->cj, it.valoff,
													 &c->docs[CTEM_DOC_MID],
													 lz, 5, &r.root));
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

size_t
ctem_parse_sarif(CtemCtx *c, size_t pos)
{
	CjLazy		lz[] = {
		{"runs", CJ_STREAM, {NULL}, stream_runs, NULL, false, 0},
		{"inlineExternalProperties", CJ_IGNORE, {NULL}, NULL, NULL, false, 0}
	};
	int			root;

	ctem_require_container(c, pos, '{', "A SARIF log");
	ctem_cj_doc_reset(&c->docs[CTEM_DOC_TOP]);
	return ctem_cj_parse_partial(&c->cj, pos, &c->docs[CTEM_DOC_TOP], lz, 2, &root);
}
