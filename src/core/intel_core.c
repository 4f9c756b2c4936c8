/*-------------------------------------------------------------------------
 *
 * intel_core.c
 *	  CISA KEV catalog (JSON, through jansson) and FIRST EPSS scores (CSV)
 *	  parsers.
 *
 * src/core/intel_core.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/intel_core.h"

void
ctem_kev_set_allocator(CtemAllocFn alloc, CtemFreeFn free_fn)
{
	json_set_alloc_funcs(alloc ? alloc : malloc, free_fn ? free_fn : free);
}

static void set_error(CtemReportError *err, int code, int line, int column,
					  const char *path, const char *fmt,...)
			__attribute__((format(printf, 6, 7)));

static void
set_error(CtemReportError *err, int code, int line, int column,
		  const char *path, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return;
	err->code = code;
	err->line = line;
	err->column = column;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "$");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void
clear_error(CtemReportError *err)
{
	if (err)
	{
		memset(err, 0, sizeof(*err));
		err->position = -1;
	}
}

/* CVE-YYYY-NNNN with four or more digits in the sequence part */
static bool
valid_cve(const char *s)
{
	int			i;

	if (s == NULL || strncmp(s, "CVE-", 4) != 0)
		return false;
	for (i = 4; i < 8; i++)
		if (!isdigit((unsigned char) s[i]))
			return false;
	if (s[8] != '-')
		return false;
	for (i = 9; isdigit((unsigned char) s[i]); i++)
		;
	return i - 9 >= 4 && i - 9 <= 19 && s[i] == '\0';
}

/* YYYY-MM-DD naming a real calendar day (n characters are checked) */
static bool
valid_date(const char *s, size_t n)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			y,
				m,
				d,
				i;

	if (s == NULL || n != 10)
		return false;
	for (i = 0; i < 10; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : !isdigit((unsigned char) s[i]))
			return false;
	y = atoi(s);
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

/* ---- KEV ---- */

static const char *
opt_str(json_t *o, const char *key)
{
	json_t	   *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * The entries of "cwes" (an array of strings; a string is one entry),
 * joined by CTEM_KEV_CWE_SEP, which no CWE name contains: an entry with a
 * comma in it stays one entry.  Empty entries are left out; a separator
 * byte inside an entry becomes a space.  Allocated with jansson's
 * allocator; NULL when out of memory.
 */
static char *
kev_cwes(json_t *v)
{
	json_malloc_t malloc_fn;
	size_t		n = json_is_array(v) ? json_array_size(v) : 1;
	size_t		need = 1;
	size_t		len = 0;
	char	   *out;

	for (size_t j = 0; j < n; j++)
	{
		const char *s = json_string_value(json_is_array(v) ? json_array_get(v, j) : v);

		need += (s ? strlen(s) : 0) + 1;
	}
	json_get_alloc_funcs(&malloc_fn, NULL);
	out = malloc_fn(need);
	if (out == NULL)
		return NULL;
	for (size_t j = 0; j < n; j++)
	{
		const char *s = json_string_value(json_is_array(v) ? json_array_get(v, j) : v);
		size_t		l = s ? strlen(s) : 0;

		if (l == 0)
			continue;
		if (len > 0)
			out[len++] = CTEM_KEV_CWE_SEP;
		for (size_t k = 0; k < l; k++)
			out[len++] = s[k] == CTEM_KEV_CWE_SEP ? ' ' : s[k];
	}
	out[len] = '\0';
	return out;
}

static bool
kev_entry(json_t *e, long i, CtemKevFn cb, void *arg, CtemReportError *err)
{
	CtemKevEntry ke;
	char		path[96];
	char	   *cwes = NULL;
	json_t	   *v;
	int			r;

	if (!json_is_object(e))
	{
		snprintf(path, sizeof(path), "$.vulnerabilities[%ld]", i);
		set_error(err, CTEM_REPORT_EMISSING, 0, 0, path,
				  "KEV entry %ld is not a JSON object.", i);
		return false;
	}
	memset(&ke, 0, sizeof(ke));
	ke.cve_id = opt_str(e, "cveID");
	if (!valid_cve(ke.cve_id))
	{
		snprintf(path, sizeof(path), "$.vulnerabilities[%ld].cveID", i);
		if (ke.cve_id == NULL)
			set_error(err, CTEM_REPORT_EMISSING, 0, 0, path,
					  "KEV entry %ld has no \"cveID\" string.", i);
		else
			set_error(err, CTEM_REPORT_EMISSING, 0, 0, path,
					  "KEV entry %ld has the cveID \"%.80s\", which is not of the form CVE-YYYY-NNNN.",
					  i, ke.cve_id);
		return false;
	}
	ke.date_added = opt_str(e, "dateAdded");
	if (!valid_date(ke.date_added, ke.date_added ? strlen(ke.date_added) : 0))
	{
		snprintf(path, sizeof(path), "$.vulnerabilities[%ld].dateAdded", i);
		set_error(err, CTEM_REPORT_EMISSING, 0, 0, path,
				  "KEV entry %ld (%s) has %s%.40s%s as dateAdded; a date YYYY-MM-DD is required.",
				  i, ke.cve_id, ke.date_added ? "\"" : "",
				  ke.date_added ? ke.date_added : "no string",
				  ke.date_added ? "\"" : "");
		return false;
	}
	v = json_object_get(e, "dueDate");
	ke.due_date = opt_str(e, "dueDate");
	if ((v && !json_is_null(v) && ke.due_date == NULL) ||
		(ke.due_date && !valid_date(ke.due_date, strlen(ke.due_date))))
	{
		snprintf(path, sizeof(path), "$.vulnerabilities[%ld].dueDate", i);
		set_error(err, CTEM_REPORT_EMISSING, 0, 0, path,
				  "KEV entry %ld (%s) has %s%.40s%s as dueDate; a date YYYY-MM-DD is required.",
				  i, ke.cve_id, ke.due_date ? "\"" : "",
				  ke.due_date ? ke.due_date : "a non-string",
				  ke.due_date ? "\"" : "");
		return false;
	}
	ke.vendor_project = opt_str(e, "vendorProject");
	ke.product = opt_str(e, "product");
	ke.vulnerability_name = opt_str(e, "vulnerabilityName");
	ke.short_description = opt_str(e, "shortDescription");
	ke.required_action = opt_str(e, "requiredAction");
	ke.notes = opt_str(e, "notes");
	ke.known_ransomware_raw = opt_str(e, "knownRansomwareCampaignUse");
	ke.known_ransomware = ke.known_ransomware_raw &&
		strcmp(ke.known_ransomware_raw, "Known") == 0;
	v = json_object_get(e, "cwes");
	if (json_is_string(v) || json_is_array(v))
	{
		cwes = kev_cwes(v);
		if (cwes == NULL)
		{
			snprintf(path, sizeof(path), "$.vulnerabilities[%ld].cwes", i);
			set_error(err, CTEM_REPORT_ENOMEM, 0, 0, path,
					  "Out of memory while reading KEV entry %ld.", i);
			return false;
		}
	}
	ke.cwes = cwes != NULL && cwes[0] ? cwes : NULL;
	r = cb ? cb(arg, &ke) : 0;
	if (cwes != NULL)
	{
		json_free_t free_fn;

		json_get_alloc_funcs(NULL, &free_fn);
		free_fn(cwes);
	}
	if (r != 0)
	{
		snprintf(path, sizeof(path), "$.vulnerabilities[%ld]", i);
		set_error(err, CTEM_REPORT_ECALLBACK, 0, 0, path,
				  "The KEV callback stopped the parse (it returned %d).", r);
		if (err)
			err->cb_result = r;
		return false;
	}
	return true;
}

bool
ctem_kev_parse(const char *json, size_t len, CtemKevFn cb, void *arg,
			   CtemKevInfo *info, CtemReportError *err)
{
	json_error_t jerr;
	json_t	   *root,
			   *vulns,
			   *v;
	CtemKevInfo local;
	size_t		i;
	bool		ok = true;

	clear_error(err);
	if (info == NULL)
		info = &local;
	memset(info, 0, sizeof(*info));
	info->count = -1;
	root = json_loadb(json ? json : "", json ? len : 0, 0, &jerr);
	if (root == NULL)
	{
		set_error(err, CTEM_REPORT_EMALFORMED, jerr.line, jerr.column, "$",
				  "The KEV catalog is not valid JSON: %s at line %d, column %d.",
				  jerr.text, jerr.line, jerr.column);
		if (err)
			err->position = jerr.position;
		return false;
	}
	if (!json_is_object(root))
	{
		set_error(err, CTEM_REPORT_EUNDETECTED, 1, 1, "$",
				  "The KEV catalog must be a JSON object with a \"vulnerabilities\" array.");
		json_decref(root);
		return false;
	}
	if (opt_str(root, "catalogVersion"))
		snprintf(info->catalog_version, sizeof(info->catalog_version), "%s",
				 opt_str(root, "catalogVersion"));
	if (opt_str(root, "dateReleased"))
		snprintf(info->date_released, sizeof(info->date_released), "%s",
				 opt_str(root, "dateReleased"));
	v = json_object_get(root, "count");
	if (json_is_integer(v))
		info->count = (long) json_integer_value(v);
	vulns = json_object_get(root, "vulnerabilities");
	if (!json_is_array(vulns))
	{
		set_error(err, CTEM_REPORT_EMISSING, 0, 0, "$.vulnerabilities",
				  vulns ? "The KEV field \"vulnerabilities\" must be an array." :
				  "The KEV catalog has no \"vulnerabilities\" array.");
		json_decref(root);
		return false;
	}
	for (i = 0; i < json_array_size(vulns) && ok; i++)
	{
		ok = kev_entry(json_array_get(vulns, i), (long) i, cb, arg, err);
		if (ok)
			info->nentries++;
	}
	json_decref(root);
	return ok;
}

/* ---- EPSS ---- */

typedef struct Field
{
	const char *p;
	size_t		n;
} Field;

/* decimal text in 0..1 ("0.018", "1", "7e-05"); false otherwise */
static bool
parse_prob(const Field *f, double *out)
{
	char		buf[40];
	char	   *end;
	size_t		i;
	bool		digit = false;

	if (f->n == 0 || f->n >= sizeof(buf))
		return false;
	for (i = 0; i < f->n; i++)
	{
		char		ch = f->p[i];

		if (isdigit((unsigned char) ch))
			digit = true;
		else if (ch != '.' && ch != 'e' && ch != 'E' && ch != '-' && ch != '+')
			return false;
	}
	if (!digit || f->p[0] == '-' || f->p[0] == '+' || f->p[0] == 'e' ||
		f->p[0] == 'E')
		return false;
	memcpy(buf, f->p, f->n);
	buf[f->n] = '\0';
	*out = strtod(buf, &end);
	if (*end != '\0' || isnan(*out) || *out < 0 || *out > 1)
		return false;
	return true;
}

static void
trim(Field *f)
{
	while (f->n > 0 && (f->p[0] == ' ' || f->p[0] == '\t'))
		f->p++, f->n--;
	while (f->n > 0 && (f->p[f->n - 1] == ' ' || f->p[f->n - 1] == '\t'))
		f->n--;
}

static bool
field_is(const Field *f, const char *name)
{
	return f->n == strlen(name) && strncasecmp(f->p, name, f->n) == 0;
}

/* column (1-based, in characters) of p within the line starting at bol */
static int
col_of(const char *bol, const char *p)
{
	int			c = 1;

	for (; bol < p; bol++)
		if (((unsigned char) *bol & 0xC0) != 0x80)
			c++;
	return c;
}

/* "2026-09-29T12:00:22Z", "2024-01-15T00:00:00+0000", "...+00:00", date */
static bool
valid_score_date(const char *s, size_t n)
{
	size_t		i;

	if (n < 10 || !valid_date(s, 10))
		return false;
	if (n == 10)
		return true;
	if (n < 19 || (s[10] != 'T' && s[10] != ' '))
		return false;
	for (i = 11; i < 19; i++)
		if ((i == 13 || i == 16) ? s[i] != ':' : !isdigit((unsigned char) s[i]))
			return false;
	i = 19;
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char) s[i]); i++)
			;
	if (i == n)
		return true;
	if (s[i] == 'Z')
		return i + 1 == n;
	if (s[i] != '+' && s[i] != '-')
		return false;
	if (n - i == 5)
		return isdigit((unsigned char) s[i + 1]) && isdigit((unsigned char) s[i + 2]) &&
			isdigit((unsigned char) s[i + 3]) && isdigit((unsigned char) s[i + 4]);
	if (n - i == 6)
		return isdigit((unsigned char) s[i + 1]) && isdigit((unsigned char) s[i + 2]) &&
			s[i + 3] == ':' && isdigit((unsigned char) s[i + 4]) &&
			isdigit((unsigned char) s[i + 5]);
	if (n - i == 3)
		return isdigit((unsigned char) s[i + 1]) && isdigit((unsigned char) s[i + 2]);
	return false;
}

static bool
epss_comment(const char *bol, const char *eol, int line, CtemEpssInfo *info,
			 CtemReportError *err)
{
	const char *p = bol + 1;

	while (p < eol)
	{
		const char *end = memchr(p, ',', eol - p);
		const char *colon;
		Field		k,
					v;

		if (end == NULL)
			end = eol;
		colon = memchr(p, ':', end - p);
		if (colon)
		{
			k.p = p;
			k.n = colon - p;
			v.p = colon + 1;
			v.n = end - colon - 1;
			trim(&k);
			trim(&v);
			if (field_is(&k, "model_version"))
				snprintf(info->model_version, sizeof(info->model_version),
						 "%.*s", (int) (v.n < 63 ? v.n : 63), v.p);
			else if (field_is(&k, "score_date"))
			{
				if (!valid_score_date(v.p, v.n))
				{
					set_error(err, CTEM_REPORT_EMISSING, line, col_of(bol, v.p),
							  "score_date",
							  "Line %d: the EPSS score_date \"%.*s\" is not an ISO 8601 date-time such as 2026-09-29T12:00:22Z or 2024-01-15T00:00:00+0000.",
							  line, (int) (v.n < 60 ? v.n : 60), v.p);
					return false;
				}
				snprintf(info->score_date, sizeof(info->score_date), "%.*s",
						 (int) (v.n < 63 ? v.n : 63), v.p);
				memcpy(info->score_day, v.p, 10);
				info->score_day[10] = '\0';
			}
		}
		p = end + 1;
	}
	return true;
}

bool
ctem_epss_parse(const char *csv, size_t len, CtemEpssFn cb, void *arg,
				CtemEpssInfo *info, CtemReportError *err)
{
	const char *p = csv ? csv : "";
	const char *end = p + (csv ? len : 0);
	CtemEpssInfo local;
	int			line = 0;
	int			col_cve = -1,
				col_epss = -1,
				col_pct = -1,
				ncols = 0;
	bool		have_header = false;

	clear_error(err);
	if (info == NULL)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end)
	{
		const char *bol = p;
		const char *eol = memchr(p, '\n', end - p);
		const char *next;
		Field		f[16];
		int			nf = 0;
		const char *q;

		if (eol == NULL)
			eol = end;
		next = eol < end ? eol + 1 : end;
		line++;
		if (eol > bol && eol[-1] == '\r')
			eol--;
		p = next;
		{
			const char *nul;

			for (nul = bol; nul < eol && *nul != '\0'; nul++)
				;
			if (nul < eol)
			{
				set_error(err, CTEM_REPORT_EMALFORMED, line, col_of(bol, nul),
						  "line", "Line %d of the EPSS file contains a NUL byte.",
						  line);
				return false;
			}
		}
		/* blank line */
		for (q = bol; q < eol && (*q == ' ' || *q == '\t'); q++)
			;
		if (q == eol)
			continue;
		if (*bol == '#')
		{
			if (!have_header && !epss_comment(bol, eol, line, info, err))
				return false;
			continue;
		}
		/* split */
		q = bol;
		for (;;)
		{
			const char *comma = memchr(q, ',', eol - q);

			if (nf == 16)
			{
				set_error(err, CTEM_REPORT_EMALFORMED, line, col_of(bol, q),
						  "line", "Line %d of the EPSS file has more than 16 fields.",
						  line);
				return false;
			}
			f[nf].p = q;
			f[nf].n = (comma ? comma : eol) - q;
			trim(&f[nf]);
			nf++;
			if (comma == NULL)
				break;
			q = comma + 1;
		}
		if (!have_header)
		{
			int			i;

			for (i = 0; i < nf; i++)
			{
				if (field_is(&f[i], "cve"))
					col_cve = i;
				else if (field_is(&f[i], "epss"))
					col_epss = i;
				else if (field_is(&f[i], "percentile"))
					col_pct = i;
			}
			if (col_cve < 0 || col_epss < 0)
			{
				set_error(err, CTEM_REPORT_EUNDETECTED, line, 1, "header",
						  "Line %d of the EPSS file should be the header \"cve,epss,percentile\", found \"%.*s\".",
						  line, (int) ((eol - bol) < 80 ? (eol - bol) : 80), bol);
				return false;
			}
			ncols = nf;
			have_header = true;
			continue;
		}
		if (nf != ncols)
		{
			set_error(err, CTEM_REPORT_EMALFORMED, line, 1, "line",
					  "Line %d of the EPSS file has %d fields; the header has %d.",
					  line, nf, ncols);
			return false;
		}
		{
			char		cve[32];
			double		e,
						pct = NAN;
			int			r;

			if (f[col_cve].n >= sizeof(cve))
				cve[0] = '\0';
			else
			{
				memcpy(cve, f[col_cve].p, f[col_cve].n);
				cve[f[col_cve].n] = '\0';
			}
			if (!valid_cve(cve))
			{
				set_error(err, CTEM_REPORT_EMISSING, line,
						  col_of(bol, f[col_cve].p), "cve",
						  "Line %d, column %d: \"%.*s\" is not a CVE id (CVE-YYYY-NNNN).",
						  line, col_of(bol, f[col_cve].p),
						  (int) (f[col_cve].n < 40 ? f[col_cve].n : 40), f[col_cve].p);
				return false;
			}
			if (!parse_prob(&f[col_epss], &e))
			{
				set_error(err, CTEM_REPORT_EMISSING, line,
						  col_of(bol, f[col_epss].p), "epss",
						  "Line %d, column %d: the epss value \"%.*s\" is not a decimal number between 0 and 1.",
						  line, col_of(bol, f[col_epss].p),
						  (int) (f[col_epss].n < 40 ? f[col_epss].n : 40), f[col_epss].p);
				return false;
			}
			if (col_pct >= 0 && !parse_prob(&f[col_pct], &pct))
			{
				set_error(err, CTEM_REPORT_EMISSING, line,
						  col_of(bol, f[col_pct].p), "percentile",
						  "Line %d, column %d: the percentile value \"%.*s\" is not a decimal number between 0 and 1.",
						  line, col_of(bol, f[col_pct].p),
						  (int) (f[col_pct].n < 40 ? f[col_pct].n : 40), f[col_pct].p);
				return false;
			}
			r = cb ? cb(arg, cve, e, pct) : 0;
			if (r != 0)
			{
				set_error(err, CTEM_REPORT_ECALLBACK, line, 1, "line",
						  "The EPSS callback stopped the parse at line %d (it returned %d).",
						  line, r);
				if (err)
					err->cb_result = r;
				return false;
			}
			info->nrows++;
		}
	}
	return true;
}
