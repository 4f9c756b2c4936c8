/*-------------------------------------------------------------------------
 *
 * report_extra.c
 *	  Formats beyond the first set: Checkov native JSON (one report object
 *	  or an array of them, one per check type) and Semgrep CLI JSON.
 *
 * src/core/report/report_extra.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "core/report/report_int.h"

/* ---- Checkov ---- */

/*
 * The resource type of a Checkov resource address, the component:
 * - "aws_s3_bucket.logs", "Deployment.default.web", "AWS::S3::Bucket.Logs":
 *	 the part before the first '.', past Terraform's "module.<name>." prefixes
 *	 ("module.vpc.aws_subnet.private" is an aws_subnet);
 * - a Dockerfile's "/app/Dockerfile.USER" (a path, or any resource of a
 *	 dockerfile report): the instruction after the last '.', or the file's
 *	 name for a check of a missing instruction ("/app/Dockerfile.");
 * - ARM and Bicep "Microsoft.Storage/storageAccounts.logs": the type up to
 *	 the first '.' after its first '/'.
 */
static const char *
checkov_component(CtemCtx *c, const char *res, const char *check_type)
{
	const char *slash,
			   *dot;

	if (res == NULL)
		return NULL;
	if (res[0] == '/' || (check_type && strcmp(check_type, "dockerfile") == 0))
	{
		const char *base;

		dot = strrchr(res, '.');
		if (dot == NULL || strchr(dot, '/') != NULL)
			return NULL;
		if (dot[1] != '\0')
			return dot + 1;
		base = res;
		for (slash = res; slash < dot; slash++)
			if (*slash == '/')
				base = slash + 1;
		return dot > base ? ctem_arena_strndup(&c->cj, &c->scratch, base, dot - base) : NULL;
	}
	if ((slash = strchr(res, '/')) != NULL)
	{
		dot = strchr(slash, '.');
		return dot ? ctem_arena_strndup(&c->cj, &c->scratch, res, dot - res) : NULL;
	}
	while (strncmp(res, "module.", 7) == 0 && (dot = strchr(res + 7, '.')) != NULL)
		res = dot + 1;
	dot = strchr(res, '.');
	return (dot && dot > res) ? ctem_arena_strndup(&c->cj, &c->scratch, res, dot - res) : NULL;
}

static void
checkov_check(CtemCtx *c, const CjDoc *d, int k, bool skipped)
{
	CtemDraft	dr;
	const char *id = ctem_cj_sget(d, k, "check_id");
	const char *res,
			   *file;
	double		line;

	if (ctem_cj_type(d, k) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[k].off,
				  "A Checkov check must be an object.");
	if (id == NULL)
		ctem_fail_missing(c, d, k, "check_id", "a Checkov check");
	ctem_draft_init(c, &dr);
	dr.f.tool = "checkov";
	dr.f.asset_kind = CTEM_ASSET_REPOSITORY;
	dr.f.kind = CTEM_KIND_MISCONFIGURATION;
	dr.f.rule_id = id;
	dr.nofold = true;
	ctem_draft_alias(c, &dr, ctem_cj_sget(d, k, "bc_check_id"));
	dr.f.title = ctem_cj_sget(d, k, "check_name");
	dr.f.description = ctem_cj_sget(d, k, "description");
	dr.f.severity = ctem_severity(ctem_cj_sget(d, k, "severity"));
	dr.f.url = ctem_cj_sget(d, k, "guideline");
	res = ctem_cj_sget(d, k, "resource");
	dr.f.message = res;
	dr.f.component = checkov_component(c, res,
									   ctem_cj_sget(&c->docs[CTEM_DOC_MID],
													0, "check_type"));
	file = ctem_cj_sget(d, k, "repo_file_path");
	if (file == NULL)
		file = ctem_cj_sget(d, k, "file_path");
	line = ctem_cj_num(d, ctem_cj_path(d, k, "file_line_range.0"));
	dr.f.location = ctem_with_line(c, file, line);
	dr.f.status = ctem_cj_str(d, ctem_cj_path(d, k, "check_result.result"));
	dr.f.suppressed = skipped;
	ctem_emit(c, &dr);
}

static void
checkov_failed(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	checkov_check(c, d, root, false);
}

static void
checkov_skipped(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	checkov_check(c, d, root, true);
}

/* passed checks are counted as skipped findings, not read */
static size_t
checkov_passed(CtemCtx *c, size_t off, const char *key)
{
	CjIter		it;
	size_t		p0 = ctem_path_key(c, key);

	if (ctem_require_container(c, off, '[', key))
	{
		ctem_cj_iter_begin(&c->cj, off, '[', &it);
		while (ctem_cj_iter_next(&c->cj, &it))
		{
			size_t		p1 = ctem_path_index(c, it.index);

			ctem_skipped(c);
			ctem_cj_iter_done(&it, ctem_cj_skip(&c->cj, it.valoff));
			ctem_path_set(c, p1);
		}
		off = it.pos;
	}
	else
		off = ctem_cj_skip(&c->cj, off);
	ctem_path_set(c, p0);
	return off;
}

static size_t
stream_checkov_results(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	CjIter		it;
	size_t		p0 = ctem_path_key(c, "results");

	(void) arg;
	if (!ctem_require_container(c, off, '{', "results"))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '{', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		if (strcmp(it.key, "failed_checks") == 0)
			ctem_cj_iter_done(&it, ctem_stream_array(c, it.valoff, it.key, NULL,
													 checkov_failed, NULL));
		else if (strcmp(it.key, "skipped_checks") == 0)
			ctem_cj_iter_done(&it, ctem_stream_array(c, it.valoff, it.key, NULL,
													 checkov_skipped, NULL));
		else if (strcmp(it.key, "passed_checks") == 0)
			ctem_cj_iter_done(&it, checkov_passed(c, it.valoff, it.key));
	}
	ctem_path_set(c, p0);
	return it.pos;
}

static size_t
checkov_report(CtemCtx *c, size_t pos)
{
	CjLazy		lz[] = {
		{"results", CJ_STREAM, {"check_type", NULL}, stream_checkov_results,
		NULL, false, 0}
	};
	int			root;

	ctem_require_container(c, pos, '{', "A Checkov report");
	ctem_cj_doc_reset(&c->docs[CTEM_DOC_MID]);
	return ctem_cj_parse_partial(&c->cj, pos, &c->docs[CTEM_DOC_MID], lz, 1, &root);
}

size_t
ctem_parse_checkov(CtemCtx *c, size_t pos)
{
	CjIter		it;

	pos = ctem_cj_ws(&c->cj, pos);
	if (c->cj.buf[pos] != '[')
		return checkov_report(c, pos);
	ctem_cj_iter_begin(&c->cj, pos, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1 = ctem_path_index(c, it.index);

		ctem_cj_iter_done(&it, checkov_report(c, it.valoff));
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, 0);
	return it.pos;
}

/* ---- Semgrep ---- */

/*
 * A rule of Semgrep's secrets rulesets: "secrets" is one of the id's dotted
 * segments (generic.secrets.security.detected-aws-access-key-id), not any
 * part of it
 */
static bool
semgrep_secrets_rule(const char *id)
{
	const char *p;

	for (p = strstr(id, "secrets"); p; p = strstr(p + 1, "secrets"))
		if ((p == id || p[-1] == '.') && (p[7] == '.' || p[7] == '\0'))
			return true;
	return false;
}

/* does the string array arr hold s? */
static bool
semgrep_has(const CjDoc *d, int arr, const char *s)
{
	int			i,
				k,
				n = ctem_cj_len(d, arr);

	for (i = 0, k = ctem_cj_first(d, arr); i < n; i++, k = ctem_cj_next(d, k))
		if (ctem_cj_str(d, k) && strcmp(ctem_cj_str(d, k), s) == 0)
			return true;
	return false;
}

static void
semgrep_result(CtemCtx *c, const CjDoc *d, int r)
{
	CtemDraft	dr;
	const char *id = ctem_cj_sget(d, r, "check_id");
	const char *path,
			   *sev,
			   *msg,
			   *cat;
	int			extra,
				meta,
				k,
				i,
				n;
	double		line;

	if (ctem_cj_type(d, r) != CJ_OBJECT)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[r].off,
				  "A Semgrep result must be an object.");
	if (id == NULL)
		ctem_fail_missing(c, d, r, "check_id", "a Semgrep result");
	extra = ctem_cj_get(d, r, "extra");
	meta = ctem_cj_get(d, extra, "metadata");
	ctem_draft_init(c, &dr);
	dr.f.tool = "semgrep";
	dr.f.asset_kind = CTEM_ASSET_REPOSITORY;
	dr.f.rule_id = id;
	dr.nofold = true;
	cat = ctem_cj_sget(d, meta, "category");
	dr.f.kind = (semgrep_secrets_rule(id) || (cat && strcmp(cat, "secrets") == 0) ||
				 semgrep_has(d, ctem_cj_get(d, meta, "technology"), "secrets")) ?
		CTEM_KIND_SECRET : CTEM_KIND_CODE_WEAKNESS;
	msg = ctem_cj_sget(d, extra, "message");
	dr.f.message = msg;
	if (msg)
		dr.f.title = ctem_arena_strndup(&c->cj, &c->scratch, msg, strcspn(msg, "\n"));
	sev = ctem_cj_sget(d, extra, "severity");
	if (sev && ctem_strcaseeq(sev, "ERROR"))
		dr.f.severity = "high";
	else if (sev && ctem_strcaseeq(sev, "WARNING"))
		dr.f.severity = "medium";
	else if (sev && ctem_strcaseeq(sev, "INFO"))
		dr.f.severity = "low";
	else
		dr.f.severity = ctem_severity(sev);
	k = ctem_cj_get(d, meta, "cwe");
	if (ctem_cj_type(d, k) == CJ_STRING)
		ctem_draft_cwe(c, &dr, ctem_cj_str(d, k));
	n = ctem_cj_len(d, k);
	for (i = 0, k = ctem_cj_first(d, k); i < n; i++, k = ctem_cj_next(d, k))
		ctem_draft_cwe(c, &dr, ctem_cj_str(d, k));
	dr.f.url = ctem_cj_sget(d, meta, "source");
	if (dr.f.url == NULL)
		dr.f.url = ctem_cj_str(d, ctem_cj_path(d, meta, "references.0"));
	path = ctem_cj_sget(d, r, "path");
	line = ctem_cj_num(d, ctem_cj_path(d, r, "start.line"));
	dr.f.location = ctem_with_line(c, path, line);
	dr.f.suppressed = ctem_cj_type(d, ctem_cj_get(d, extra, "is_ignored")) == CJ_TRUE;
	ctem_emit(c, &dr);
}

static void
semgrep_item(CtemCtx *c, const CjDoc *d, int root, void *arg)
{
	(void) arg;
	semgrep_result(c, d, root);
}

static size_t
stream_semgrep(CjReader *cj, size_t off, void *arg)
{
	CtemCtx    *c = ctem_ctx(cj);
	static const char *const ignore[] = {"dataflow_trace", NULL};

	return ctem_stream_array(c, off, "results", ignore, semgrep_item, arg);
}

size_t
ctem_parse_semgrep(CtemCtx *c, size_t pos)
{
	CjLazy		lz[] = {
		{"results", CJ_STREAM, {NULL}, stream_semgrep, NULL, false, 0},
		{"errors", CJ_IGNORE, {NULL}, NULL, NULL, false, 0}
	};
	int			root;

	ctem_require_container(c, pos, '{', "A Semgrep report");
	ctem_cj_doc_reset(&c->docs[CTEM_DOC_TOP]);
	return ctem_cj_parse_partial(&c->cj, pos, &c->docs[CTEM_DOC_TOP], lz, 2, &root);
}
