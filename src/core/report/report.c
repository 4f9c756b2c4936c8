/*-------------------------------------------------------------------------
 *
 * report.c
 *	  Entry points of the scanner-report parsing core: allocator, format
 *	  names, format detection, dispatch, error reporting and the helpers
 *	  that normalize a finding before it is handed to the callback.
 *
 * src/core/report/report.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report/report_int.h"

static const char *const format_names[CTEM_FMT_COUNT] = {
	"unknown",
	"trivy",
	"grype",
	"sarif",
	"cyclonedx",
	"nuclei",
	"osv-scanner",
	"asff",
	"prowler-ocsf",
	"npm-audit",
	"dependency-check",
	"gitlab",
	"checkov",
	"semgrep"
};

typedef size_t (*CtemHandler) (CtemCtx *c, size_t pos);

static const CtemHandler handlers[CTEM_FMT_COUNT] = {
	NULL,
	ctem_parse_trivy,
	ctem_parse_grype,
	ctem_parse_sarif,
	ctem_parse_cyclonedx,
	ctem_parse_nuclei,
	ctem_parse_osv,
	ctem_parse_asff,
	ctem_parse_ocsf,
	ctem_parse_npm,
	ctem_parse_depcheck,
	ctem_parse_gitlab,
	ctem_parse_checkov,
	ctem_parse_semgrep
};

/* ---- allocation ---- */

void
ctem_report_set_allocator(CtemAllocFn alloc, CtemFreeFn free_fn)
{
	ctem_cj_set_allocator(alloc, free_fn);
}

void *
ctem_report_alloc(CtemCtx *c, size_t n)
{
	return ctem_cj_alloc(c != NULL ? &c->cj : NULL, n);
}

void
ctem_report_free(void *p)
{
	ctem_cj_free(p);
}

/* ---- format names ---- */

const char *
ctem_report_format_name(CtemReportFormat f)
{
	if ((int) f < 0 || f >= CTEM_FMT_COUNT)
		return "unknown";
	return format_names[f];
}

bool
ctem_strcaseeq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return false;
	while (*a && *b)
	{
		if (tolower((unsigned char) *a) != tolower((unsigned char) *b))
			return false;
		a++;
		b++;
	}
	return *a == *b;
}

CtemReportFormat
ctem_report_format_from_name(const char *name)
{
	static const struct
	{
		const char *name;
		CtemReportFormat f;
	}			aliases[] = {
		{"osv", CTEM_FMT_OSV},
		{"ocsf", CTEM_FMT_OCSF},
		{"npm", CTEM_FMT_NPM_AUDIT},
		{"cdx", CTEM_FMT_CYCLONEDX},
		{"depcheck", CTEM_FMT_DEPCHECK},
		{"owasp-dependency-check", CTEM_FMT_DEPCHECK}
	};
	int			i;

	if (name == NULL)
		return CTEM_FMT_UNKNOWN;
	for (i = 1; i < CTEM_FMT_COUNT; i++)
		if (ctem_strcaseeq(name, format_names[i]))
			return (CtemReportFormat) i;
	for (i = 0; i < (int) (sizeof(aliases) / sizeof(aliases[0])); i++)
		if (ctem_strcaseeq(name, aliases[i].name))
			return aliases[i].f;
	return CTEM_FMT_UNKNOWN;
}

const char *
ctem_report_supported_formats(void)
{
	return "trivy, grype, sarif, cyclonedx, nuclei, osv-scanner, asff, "
		"prowler-ocsf, npm-audit, dependency-check, gitlab, checkov, semgrep";
}

/* ---- errors and paths ---- */


static void report_failure(CtemCtx *c, int code, size_t pos,
						   const char *message) CTEM_NORETURN;
static void reader_failure(CjReader *r, int code, size_t pos,
						   const char *message) CTEM_NORETURN;

void
ctem_fail(CtemCtx *c, int code, size_t pos, const char *fmt,...)
{
	char		message[sizeof(c->err->message)];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	report_failure(c, code, pos, message);
}

/* the reader's failures (c->cj.fail): invalid JSON, out of memory */
static void
reader_failure(CjReader *r, int code, size_t pos, const char *message)
{
	report_failure(ctem_ctx(r), code == CJ_ENOMEM ? CTEM_REPORT_ENOMEM :
				   CTEM_REPORT_EMALFORMED, pos, message);
}

/*
 * Record a failure at pos in the caller's error, with the JSON path being
 * read and the line and column, and unwind to ctem_report_parse_ex.
 */
static void
report_failure(CtemCtx *c, int code, size_t pos, const char *message)
{
	CtemReportError *e = c->err;

	e->code = code;
	snprintf(e->message, sizeof(e->message), "%s", message);
	if (c->pathlen == 0)
		strcpy(e->path, "$");
	else
	{
		size_t		n = c->pathlen;

		/* keep the tail, the most specific part, when it is too long */
		if (n >= sizeof(e->path))
		{
			memcpy(e->path, "$...", 4);
			memcpy(e->path + 4, c->path + n - (sizeof(e->path) - 5),
				   sizeof(e->path) - 5);
			e->path[sizeof(e->path) - 1] = '\0';
		}
		else
			memcpy(e->path, c->path, n + 1);
	}
	if (pos != (size_t) -1 && pos <= c->cj.len)
	{
		e->position = (long) pos;
		ctem_position(c->cj.buf, c->cj.len, pos, &e->line, &e->column);
	}
	else
	{
		e->position = -1;
		e->line = e->column = 0;
	}
	longjmp(c->cj.jb, 1);
}

static const char *
type_name(int t)
{
	switch (t)
	{
		case CJ_NULL:
			return "null";
		case CJ_FALSE:
		case CJ_TRUE:
			return "a boolean";
		case CJ_NUMBER:
			return "a number";
		case CJ_STRING:
			return "a string";
		case CJ_ARRAY:
			return "an array";
		case CJ_OBJECT:
			return "an object";
	}
	return "nothing";
}

void
ctem_fail_missing(CtemCtx *c, const CjDoc *d, int node, const char *field,
				  const char *what)
{
	int			v = ctem_cj_get(d, node, field);
	size_t		pos = (node >= 0 && node < d->n) ? d->nodes[node].off :
		(size_t) -1;

	ctem_path_key(c, field);
	if (v < 0)
		ctem_fail(c, CTEM_REPORT_EMISSING, pos,
				  "The required field \"%s\" is missing in %s.", field, what);
	if (ctem_cj_type(d, v) == CJ_STRING)
		ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[v].off,
				  "The required field \"%s\" in %s is an empty string.",
				  field, what);
	ctem_fail(c, CTEM_REPORT_EMISSING, d->nodes[v].off,
			  "The required field \"%s\" in %s has the wrong type (%s).",
			  field, what, type_name(ctem_cj_type(d, v)));
}

size_t
ctem_path_key(CtemCtx *c, const char *key)
{
	size_t		old = c->pathlen;
	size_t		room = sizeof(c->path) - c->pathlen;
	const char *k;
	bool		plain = (*key != '\0') && !isdigit((unsigned char) *key);
	int			n;

	for (k = key; *k && plain; k++)
		if (!isalnum((unsigned char) *k) && *k != '_' && *k != '$')
			plain = false;
	if (c->pathlen == 0)
	{
		c->path[0] = '$';
		c->path[1] = '\0';
		c->pathlen = old = 1;
		room--;
	}
	if (plain)
		n = snprintf(c->path + c->pathlen, room, ".%s", key);
	else
	{
		char		esc[200];
		size_t		j = 0;

		for (k = key; *k && j < sizeof(esc) - 3; k++)
		{
			if (*k == '\'' || *k == '\\')
				esc[j++] = '\\';
			esc[j++] = *k;
		}
		esc[j] = '\0';
		n = snprintf(c->path + c->pathlen, room, "['%s']", esc);
	}
	if (n > 0 && (size_t) n < room)
		c->pathlen += n;
	else
		c->path[c->pathlen] = '\0';
	return old;
}

/* v in decimal at out, which has room for 20 digits; the length written */
static size_t
fmt_ulong(char *out, unsigned long v)
{
	char		tmp[20];
	size_t		n = 0;

	do
	{
		tmp[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t
ctem_path_index(CtemCtx *c, long i)
{
	size_t		old;
	size_t		room;
	int			n;

	if (c->pathlen == 0)
	{
		c->path[0] = '$';
		c->path[1] = '\0';
		c->pathlen = 1;
	}
	old = c->pathlen;
	room = sizeof(c->path) - c->pathlen;
	/* "[i]" without snprintf: this runs once per element of every array */
	if (i >= 0 && room >= 24)
	{
		char	   *o = c->path + c->pathlen;

		*o++ = '[';
		o += fmt_ulong(o, (unsigned long) i);
		*o++ = ']';
		*o = '\0';
		c->pathlen = (size_t) (o - c->path);
		return old;
	}
	n = snprintf(c->path + c->pathlen, room, "[%ld]", i);
	if (n > 0 && (size_t) n < room)
		c->pathlen += n;
	else
		c->path[c->pathlen] = '\0';
	return old;
}

void
ctem_path_set(CtemCtx *c, size_t len)
{
	if (len < sizeof(c->path))
	{
		c->pathlen = len;
		c->path[len] = '\0';
	}
}

/*
 * Check that the value at pos is an array or object (open is '[' or '{').
 * Returns false for null, which callers treat as absent; fails otherwise.
 */
bool
ctem_require_container(CtemCtx *c, size_t pos, char open, const char *what)
{
	size_t		p = ctem_cj_ws(&c->cj, pos);
	const char *found;
	char		ch = p < c->cj.len ? c->cj.buf[p] : '\0';

	if (ch == open)
		return true;
	if (ch == 'n' && c->cj.len - p >= 4 && memcmp(c->cj.buf + p, "null", 4) == 0)
		return false;
	/* make a malformed value a syntax error rather than a type error */
	ctem_cj_skip(&c->cj, p);
	switch (ch)
	{
		case '{':
			found = "an object";
			break;
		case '[':
			found = "an array";
			break;
		case '"':
			found = "a string";
			break;
		case 'n':
			found = "null";
			break;
		case 't':
		case 'f':
			found = "a boolean";
			break;
		default:
			found = "a number";
			break;
	}
	if (strchr(what, ' ') == NULL)
		ctem_fail(c, CTEM_REPORT_EMISSING, p,
				  "The field \"%s\" must be %s, not %s.", what,
				  open == '[' ? "an array" : "an object", found);
	ctem_fail(c, CTEM_REPORT_EMISSING, p, "%s must be %s, not %s.", what,
			  open == '[' ? "an array" : "an object", found);
	return false;
}

/*
 * Parse the current element of it into DOC_ITEM (reset first, with the
 * scratch arena).  Members of an object element named in ignore (a
 * NULL-terminated list, or NULL) are validated but not materialized.
 */
int
ctem_item_parse(CtemCtx *c, CjIter *it, const char *const *ignore)
{
	CjDoc	   *d = &c->docs[CTEM_DOC_ITEM];
	int			root;
	size_t		end = 0;

	ctem_cj_doc_reset(d);
	ctem_arena_reset(&c->scratch);
	if (ignore && c->cj.buf[it->valoff] == '{')
	{
		CjLazy		lz[16];
		int			n;

		for (n = 0; n < 16 && ignore[n]; n++)
		{
			memset(&lz[n], 0, sizeof(CjLazy));
			lz[n].key = ignore[n];
			lz[n].policy = CJ_IGNORE;
		}
		end = ctem_cj_parse_partial(&c->cj, it->valoff, d, lz, n, &root);
	}
	else
		end = ctem_cj_parse(&c->cj, it->valoff, d, &root);
	ctem_cj_iter_done(it, end);
	return root;
}

/* ---- string helpers ---- */

char *
ctem_printf(CtemCtx *c, const char *fmt,...)
{
	va_list		ap;
	int			n;
	char	   *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	p = ctem_arena_strndup(&c->cj, &c->scratch, NULL, (size_t) n);
	va_start(ap, fmt);
	vsnprintf(p, (size_t) n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *
ctem_lower(CtemCtx *c, const char *s)
{
	size_t		n = strlen(s);
	char	   *p = ctem_arena_strndup(&c->cj, &c->scratch, s, n);
	size_t		i;

	for (i = 0; i < n; i++)
		p[i] = (char) tolower((unsigned char) p[i]);
	return p;
}

const char *
ctem_nonempty(const char *s)
{
	return (s && *s) ? s : NULL;
}

bool
ctem_has_prefix(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
ctem_contains_ci(const char *s, const char *needle)
{
	size_t		n = strlen(needle);

	if (s == NULL)
		return false;
	for (; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return true;
	return false;
}

/* length of a CVE id at s ("CVE-YYYY-NNNN+", any case), or 0 */
static size_t
cve_len(const char *s)
{
	size_t		i;

	if (strncasecmp(s, "CVE-", 4) != 0)
		return 0;
	for (i = 4; i < 8; i++)
		if (!isdigit((unsigned char) s[i]))
			return 0;
	if (s[8] != '-')
		return 0;
	for (i = 9; isdigit((unsigned char) s[i]); i++)
		;
	if (i - 9 < 4)
		return 0;
	return i;
}

bool
ctem_is_cve(const char *s)
{
	size_t		n;

	if (s == NULL)
		return false;
	n = cve_len(s);
	return n > 0 && s[n] == '\0';
}

static const char *
cve_copy(CtemCtx *c, const char *s, size_t n)
{
	char	   *p;

	if (s[n] == '\0' && strncmp(s, "CVE-", 4) == 0)
		return s;
	p = ctem_arena_strndup(&c->cj, &c->scratch, s, n);
	p[0] = 'C';
	p[1] = 'V';
	p[2] = 'E';
	return p;
}

/* the CVE id s starts with (followed by a non-digit), upper-cased, or NULL */
const char *
ctem_cve_prefix(CtemCtx *c, const char *s)
{
	size_t		n;

	if (s == NULL)
		return NULL;
	n = cve_len(s);
	if (n == 0)
		return NULL;
	return cve_copy(c, s, n);
}

/* the first CVE id inside s (e.g. in a URL), or NULL */
const char *
ctem_find_cve(CtemCtx *c, const char *s)
{
	const char *p;

	if (s == NULL)
		return NULL;
	for (p = s; *p; p++)
	{
		size_t		n;

		if ((*p != 'C' && *p != 'c') ||
			(p > s && isalnum((unsigned char) p[-1])))
			continue;
		n = cve_len(p);
		if (n > 0)
			return cve_copy(c, p, n);
	}
	return NULL;
}

/* "file:line" when line is a plausible line number, else file */
const char *
ctem_with_line(CtemCtx *c, const char *file, double line)
{
	if (file == NULL)
		return NULL;
	if (isnan(line) || line < 1 || line > 1e9)
		return file;
	return ctem_printf(c, "%s:%ld", file, (long) line);
}

/* a JSON number usable as an integer id (0 .. 1e15), else NaN */
double
ctem_id_number(double v)
{
	if (isnan(v) || v < 0 || v > 1e15 || v != (double) (long long) v)
		return NAN;
	return v;
}

/* n digits at s, their value in *v */
static bool
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++)
	{
		if (!isdigit((unsigned char) s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool
ctem_valid_datetime(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			y,
				m,
				d,
				v;

	/* YYYY-MM-DD, a day of the calendar */
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
		!digits(s + 8, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	s += 10;
	if (*s == '\0')
		return true;

	/* [T ]hh:mm[:ss[.fraction]] */
	if (*s != 'T' && *s != 't' && *s != ' ')
		return false;
	if (!digits(s + 1, 2, &v) || v > 23 || s[3] != ':' || !digits(s + 4, 2, &v) || v > 59)
		return false;
	s += 6;
	if (*s == ':')
	{
		if (!digits(s + 1, 2, &v) || v > 60)	/* 60: a leap second */
			return false;
		s += 3;
		if (*s == '.' || *s == ',')
		{
			if (!isdigit((unsigned char) s[1]))
				return false;
			for (s++; isdigit((unsigned char) *s); s++)
				;
		}
	}

	/* [Z | +hh[[:]mm] | -hh[[:]mm]] */
	if (*s == 'Z' || *s == 'z')
		s++;
	else if (*s == '+' || *s == '-')
	{
		if (!digits(s + 1, 2, &v) || v > 23)
			return false;
		s += 3;
		if (*s == ':')
			s++;
		if (isdigit((unsigned char) *s))
		{
			if (!digits(s, 2, &v) || v > 59)
				return false;
			s += 2;
		}
	}
	return *s == '\0';
}

const char *
ctem_date_or_null(const char *s)
{
	if (s == NULL || strlen(s) < 10)
		return NULL;
	if (isdigit((unsigned char) s[0]) && isdigit((unsigned char) s[1]) &&
		isdigit((unsigned char) s[2]) && isdigit((unsigned char) s[3]) &&
		s[4] == '-' && isdigit((unsigned char) s[5]) &&
		isdigit((unsigned char) s[6]) && s[7] == '-' &&
		isdigit((unsigned char) s[8]) && isdigit((unsigned char) s[9]))
		return s;
	return NULL;
}

/* OS package databases: a package found there has no file of its own */
bool
ctem_is_pkgdb_path(const char *path)
{
	static const char *const exact[] = {
		"/var/lib/dpkg/status", "/lib/apk/db/installed",
		"/usr/lib/apk/db/installed", "/var/lib/rpm/Packages",
		"/var/lib/rpm/Packages.db", "/var/lib/rpm/rpmdb.sqlite",
		"/usr/lib/sysimage/rpm/Packages",
		"/usr/lib/sysimage/rpm/Packages.db",
		"/usr/lib/sysimage/rpm/rpmdb.sqlite", "/usr/share/rpm/Packages"
	};
	static const char *const prefix[] = {
		"/var/lib/dpkg/status.d/", "/var/lib/dpkg/info/",
		"/var/lib/pacman/local/", "/var/db/pkg/"
	};
	int			i;

	if (path == NULL)
		return false;
	for (i = 0; i < (int) (sizeof(exact) / sizeof(exact[0])); i++)
		if (strcmp(path, exact[i]) == 0 || strcmp(path, exact[i] + 1) == 0)
			return true;
	for (i = 0; i < (int) (sizeof(prefix) / sizeof(prefix[0])); i++)
		if (ctem_has_prefix(path, prefix[i]) ||
			ctem_has_prefix(path, prefix[i] + 1))
			return true;
	return false;
}

/* package paths are made absolute ("/app/x.jar") so Trivy and Grype agree */
const char *
ctem_pkg_location(CtemCtx *c, const char *path)
{
	if (path == NULL || *path == '\0')
		return NULL;
	if (path[0] == '/' ||
		(isalpha((unsigned char) path[0]) && path[1] == ':'))
		return path;
	return ctem_printf(c, "/%s", path);
}

/*
 * A scanner's target that names no asset: placeholders ("Unknown", "N/A",
 * "<resource_uid>", empty), paths relative to where the scanner ran (".",
 * "./src"), manifest, lock and package files at a relative path
 * ("package-lock.json", "lib/app.jar") and, for images, names that cannot
 * be an image reference (Trivy's language labels "Java", "Node.js").  Each
 * of these would be one asset shared by every unrelated project that
 * reports it, so the finding names no asset and the caller passes one.
 */
bool
ctem_placeholder_key(const char *kind, const char *key)
{
	static const char *const words[] = {
		"unknown", "n/a", "none", "null", "nil", "<nil>", "undefined",
		"-", "--", "?"
	};
	static const char *const files[] = {
		"package.json", "package-lock.json", "npm-shrinkwrap.json",
		"yarn.lock", "pnpm-lock.yaml", "bun.lockb", "composer.json",
		"composer.lock", "gemfile", "gemfile.lock", "pipfile",
		"pipfile.lock", "poetry.lock", "pyproject.toml", "uv.lock",
		"requirements.txt", "setup.py", "go.mod", "go.sum", "cargo.toml",
		"cargo.lock", "pom.xml", "build.gradle", "build.gradle.kts",
		"gradle.lockfile", "packages.config", "packages.lock.json",
		"project.assets.json", "mix.lock", "pubspec.lock", "podfile.lock",
		"package.resolved", "conan.lock", "dockerfile", "containerfile",
		"bom.json", "sbom.json", "bom.xml"
	};
	static const char *const exts[] = {
		".jar", ".war", ".ear", ".whl", ".egg", ".gem", ".nupkg", ".tgz",
		".tar", ".tar.gz", ".zip", ".lock", ".csproj", ".cdx.json",
		".spdx.json", ".sarif"
	};
	char		buf[256];
	const char *k,
			   *last;
	size_t		n;
	int			i;
	bool		files_too;

	if (key == NULL)
		return true;
	while (*key == ' ' || *key == '\t')
		key++;
	n = strlen(key);
	while (n > 0 && (key[n - 1] == ' ' || key[n - 1] == '\t'))
		n--;
	/* grype 0.24 writes the directory quoted: "\".\"" */
	if (n >= 2 && key[0] == '"' && key[n - 1] == '"')
	{
		key++;
		n -= 2;
	}
	if (n == 0)
		return true;
	if (n >= sizeof(buf))
		return false;			/* nothing that long is a placeholder */
	memcpy(buf, key, n);
	buf[n] = '\0';
	k = buf;
	for (i = 0; i < (int) (sizeof(words) / sizeof(words[0])); i++)
		if (ctem_strcaseeq(k, words[i]))
			return true;
	/* a template's "<resource_uid>" left unfilled */
	if (k[0] == '<' && k[n - 1] == '>' && strpbrk(k + 1, "<>") == k + n - 1)
		return true;
	/* relative to the scanner's working directory */
	if (strcmp(k, ".") == 0 || strcmp(k, "..") == 0 ||
		ctem_has_prefix(k, "./") || ctem_has_prefix(k, "../") ||
		ctem_has_prefix(k, ".\\") || ctem_has_prefix(k, "..\\"))
		return true;
	if (kind && strcmp(kind, CTEM_ASSET_CONTAINER_IMAGE) == 0)
	{
		/*
		 * an image reference's repository path is lower case (a registry
		 * host may not be): "Java", "Node.js", ".NET" are Trivy's labels
		 */
		const char *p = k;
		const char *slash = strchr(k, '/');
		const char *end = k + strcspn(k, "@");

		if (slash && (memchr(k, '.', slash - k) || memchr(k, ':', slash - k) ||
					  strncmp(k, "localhost/", 10) == 0))
			p = slash + 1;
		for (; p < end; p++)
		{
			if (*p == ':' && strchr(p, '/') == NULL)
				break;			/* the tag */
			if (isupper((unsigned char) *p) || *p == ' ' || *p == '+')
				return true;
		}
		if (k[0] == '.')
			return true;
	}
	files_too = kind == NULL ||
		strcmp(kind, CTEM_ASSET_REPOSITORY) == 0 ||
		strcmp(kind, CTEM_ASSET_APPLICATION) == 0 ||
		strcmp(kind, CTEM_ASSET_CONTAINER_IMAGE) == 0;
	if (!files_too)
		return false;
	/* absolute paths, URLs and git addresses name something */
	if (k[0] == '/' || k[0] == '\\' || strstr(k, "://") != NULL ||
		ctem_has_prefix(k, "git@") ||
		(isalpha((unsigned char) k[0]) && k[1] == ':' &&
		 (k[2] == '\\' || k[2] == '/')))
		return false;
	last = k;
	for (const char *p = k; *p; p++)
		if (*p == '/' || *p == '\\')
			last = p + 1;
	for (i = 0; i < (int) (sizeof(files) / sizeof(files[0])); i++)
		if (ctem_strcaseeq(last, files[i]))
			return true;
	n = strlen(last);
	for (i = 0; i < (int) (sizeof(exts) / sizeof(exts[0])); i++)
	{
		size_t		l = strlen(exts[i]);

		if (n > l && strcasecmp(last + n - l, exts[i]) == 0)
			return true;
	}
	return false;
}

/* host part of a URL or host[:port] string, lower case */
const char *
ctem_url_host(CtemCtx *c, const char *h, bool *is_url)
{
	const char *p = h,
			   *end,
			   *at;
	char	   *out;
	size_t		n,
				i;

	*is_url = false;
	if (h == NULL)
		return NULL;
	if ((at = strstr(h, "://")) != NULL)
	{
		*is_url = true;
		p = at + 3;
	}
	while (*p == '/')
		p++;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', end - p);
	if (at)
		p = at + 1;
	if (*p == '[')
	{
		const char *rb = memchr(p, ']', end - p);

		if (rb)
			end = rb + 1;
	}
	else
	{
		const char *colon = memchr(p, ':', end - p);

		if (colon)
			end = colon;
	}
	n = end - p;
	while (n > 0 && p[n - 1] == '.')
		n--;					/* "10.10.10.10." */
	if (n == 0)
		return NULL;
	out = ctem_arena_strndup(&c->cj, &c->scratch, p, n);
	for (i = 0; i < n; i++)
		out[i] = (char) tolower((unsigned char) out[i]);
	return out;
}

/* a Trivy Target that names a file (not "Node.js", "Java", "Python", ...) */
bool
ctem_target_is_path(const char *t)
{
	if (t == NULL || strchr(t, ' ') != NULL)
		return false;
	if (strcmp(t, "Node.js") == 0 || strcmp(t, ".NET") == 0 ||
		strcmp(t, "C/C++") == 0)
		return false;
	return strchr(t, '/') != NULL || strchr(t, '.') != NULL;
}

/*
 * The image of Trivy's OS target "registry/app:1.4 (alpine 3.18.4)", or
 * NULL when t is not of that form
 */
const char *
ctem_os_target_image(CtemCtx *c, const char *t)
{
	const char *paren;
	size_t		n;

	if (t == NULL || (n = strlen(t)) < 4 || t[n - 1] != ')')
		return NULL;
	paren = strstr(t, " (");
	if (paren == NULL || paren == t)
		return NULL;
	return ctem_arena_strndup(&c->cj, &c->scratch, t, paren - t);
}

/*
 * Length of the advisory id an id starts with ("CVE-2018-14618" of
 * "CVE-2018-14618/curl", "RUSTSEC-2019-0001" of "RUSTSEC-2019-0001-ammonia"),
 * or 0 when it starts with none.  These databases name vulnerabilities of
 * packages: CVE, GHSA, Go, OSV, PyPA, RustSec, GSD, malicious packages,
 * Debian, Ubuntu, Red Hat, Amazon, Alma, Oracle and SUSE advisories, the
 * Node Security WG, pyup.io and Snyk's package advisories (not Snyk's IaC
 * rules, SNYK-CC-).
 */
size_t
ctem_advisory_len(const char *id)
{
	static const char *const prefixes[] = {
		"GO-", "OSV-", "PYSEC-", "RUSTSEC-", "GSD-", "MAL-", "DSA-", "DLA-",
		"USN-", "RHSA-", "RHBA-", "RHEA-", "ALAS-", "ALAS2-", "ALAS2022-",
		"ALAS2023-", "ALSA-", "ELSA-", "SUSE-SU-", "openSUSE-SU-",
		"NSWG-ECO-", "pyup.io-"
	};
	size_t		n;
	int			i;

	if (id == NULL)
		return 0;
	if ((n = cve_len(id)) > 0)
		return n;
	if (strncmp(id, "GHSA-", 5) == 0)
	{
		for (i = 0; i < 14; i++)
		{
			char		ch = id[5 + i];

			if ((i == 4 || i == 9) ? ch != '-' : !isalnum((unsigned char) ch))
				return 0;
		}
		return 19;
	}
	if (strncmp(id, "SNYK-", 5) == 0)
	{
		if (strncmp(id, "SNYK-CC-", 8) == 0)
			return 0;
		n = 5;
		while (isalnum((unsigned char) id[n]) ||
			   (id[n] == '-' && isalnum((unsigned char) id[n + 1])))
			n++;
		return n > 5 ? n : 0;
	}
	for (i = 0; i < (int) (sizeof(prefixes) / sizeof(prefixes[0])); i++)
	{
		size_t		l = strlen(prefixes[i]);

		if (strncmp(id, prefixes[i], l) != 0 ||
			!isdigit((unsigned char) id[l]))
			continue;
		n = l;
		while (isdigit((unsigned char) id[n]) ||
			   ((id[n] == '-' || id[n] == ':') &&
				isdigit((unsigned char) id[n + 1])))
			n++;
		return n;
	}
	return 0;
}

static size_t
percent_decode(char *s)
{
	char	   *r = s,
			   *w = s;

	while (*r)
	{
		if (r[0] == '%' && isxdigit((unsigned char) r[1]) &&
			isxdigit((unsigned char) r[2]))
		{
			char		h[3] = {r[1], r[2], '\0'};
			long		v = strtol(h, NULL, 16);

			if (v != 0)
			{
				*w++ = (char) v;
				r += 3;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
	return w - s;
}

/* s with its %XX escapes decoded (a copy when it has any) */
const char *
ctem_percent_decoded(CtemCtx *c, const char *s)
{
	char	   *p;

	if (s == NULL || strchr(s, '%') == NULL)
		return s;
	p = ctem_arena_strndup(&c->cj, &c->scratch, s, strlen(s));
	percent_decode(p);
	return p;
}

const char *
ctem_strip_file_uri(CtemCtx *c, const char *uri)
{
	char	   *p;

	if (uri == NULL || *uri == '\0')
		return NULL;
	if (strncasecmp(uri, "file://", 7) == 0)
	{
		uri += 7;
		if (strncasecmp(uri, "localhost/", 10) == 0)
			uri += 9;
		/* file:////src/x, file:///src/x: one slash, an absolute path */
		while (uri[0] == '/' && uri[1] == '/')
			uri++;
		/* file:///C:/x */
		if (uri[0] == '/' && isalpha((unsigned char) uri[1]) && uri[2] == ':')
			uri++;
	}
	/* "./src/app.js" is "src/app.js", as other tools write it */
	while (uri[0] == '.' && uri[1] == '/' && uri[2] != '\0')
		uri += 2;
	if (strchr(uri, '%') == NULL)
		return uri;
	p = ctem_arena_strndup(&c->cj, &c->scratch, uri, strlen(uri));
	percent_decode(p);
	return p;
}

/*
 * Split a package URL into a component name and version.  Maven names
 * become "group:artifact" and npm/Go names keep their namespace, as Trivy
 * names packages.
 */
bool
ctem_purl_parse(CtemCtx *c, const char *purl, const char **name,
				const char **version)
{
	const char *p,
			   *type,
			   *slash,
			   *at,
			   *end;
	char	   *buf,
			   *ns = NULL,
			   *nm,
			   *ver = NULL;
	size_t		tlen;

	*name = NULL;
	*version = NULL;
	if (purl == NULL || strncasecmp(purl, "pkg:", 4) != 0)
		return false;
	type = purl + 4;
	while (*type == '/')
		type++;
	p = strchr(type, '/');
	if (p == NULL)
		return false;
	tlen = p - type;
	end = p + strcspn(p, "?#");
	buf = ctem_arena_strndup(&c->cj, &c->scratch, p + 1, end - p - 1);
	slash = strrchr(buf, '/');
	at = strrchr(slash ? slash : buf, '@');
	if (at)
	{
		ver = (char *) at + 1;
		*(char *) at = '\0';
		percent_decode(ver);
	}
	if (slash)
	{
		*(char *) slash = '\0';
		ns = buf;
		nm = (char *) slash + 1;
		percent_decode(ns);
	}
	else
		nm = buf;
	percent_decode(nm);
	if (*nm == '\0')
		return false;
	if (ns && *ns)
	{
		if (tlen == 5 && strncasecmp(type, "maven", 5) == 0)
			nm = ctem_printf(c, "%s:%s", ns, nm);
		else if ((tlen == 3 && strncasecmp(type, "npm", 3) == 0) ||
				 (tlen == 6 && strncasecmp(type, "golang", 6) == 0) ||
				 (tlen == 8 && strncasecmp(type, "composer", 8) == 0))
			nm = ctem_printf(c, "%s/%s", ns, nm);
	}
	*name = nm;
	*version = (ver && *ver) ? ver : NULL;
	return true;
}

/* join the non-empty strings of an array (or return a lone string) */
const char *
ctem_join(CtemCtx *c, const CjDoc *d, int arr, const char *sep)
{
	size_t		total = 0;
	size_t		seplen = strlen(sep);
	int			e,
				i,
				n;
	char	   *out,
			   *w;

	if (ctem_cj_type(d, arr) == CJ_STRING)
		return ctem_nonempty(d->nodes[arr].s);
	if (ctem_cj_type(d, arr) != CJ_ARRAY)
		return NULL;
	n = ctem_cj_len(d, arr);
	for (i = 0, e = ctem_cj_first(d, arr); i < n; i++, e = ctem_cj_next(d, e))
	{
		const char *s = ctem_cj_str(d, e);

		if (s && *s)
			total += strlen(s) + seplen;
	}
	if (total == 0)
		return NULL;
	out = w = ctem_arena_strndup(&c->cj, &c->scratch, NULL, total);
	for (i = 0, e = ctem_cj_first(d, arr); i < n; i++, e = ctem_cj_next(d, e))
	{
		const char *s = ctem_cj_str(d, e);
		size_t		l;

		if (s == NULL || *s == '\0')
			continue;
		if (w != out)
		{
			memcpy(w, sep, seplen);
			w += seplen;
		}
		l = strlen(s);
		memcpy(w, s, l);
		w += l;
	}
	*w = '\0';
	return out;
}

/* ---- severity ---- */

const char *
ctem_severity(const char *s)
{
	static const struct
	{
		const char *in;
		const char *out;
	}			map[] = {
		{"critical", "critical"},
		{"high", "high"},
		{"important", "high"},
		{"medium", "medium"},
		{"moderate", "medium"},
		{"low", "low"},
		{"minor", "low"},
		{"negligible", "low"},
		{"unimportant", "low"},
		{"info", "info"},
		{"informational", "info"},
		{"information", "info"},
		{"none", "info"},
		{"unknown", "unknown"},
		{"unspecified", "unknown"},
		{"undefined", "unknown"}
	};
	int			i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < (int) (sizeof(map) / sizeof(map[0])); i++)
		if (ctem_strcaseeq(s, map[i].in))
			return map[i].out;
	return NULL;
}

const char *
ctem_severity_from_score(double score)
{
	if (isnan(score) || score < 0)
		return NULL;
	if (score == 0)
		return "info";
	if (score < 4.0)
		return "low";
	if (score < 7.0)
		return "medium";
	if (score < 9.0)
		return "high";
	return "critical";
}

/* ---- drafts ---- */

void
ctem_draft_init(CtemCtx *c, CtemDraft *dr)
{
	memset(dr, 0, sizeof(*dr));
	dr->f.cvss_score = NAN;
	dr->f.epss = NAN;
	dr->f.epss_percentile = NAN;
	dr->cvss_rank = -100000;
	dr->f.tool = ctem_report_format_name(c->fmt);
}

void
ctem_draft_alias(CtemCtx *c, CtemDraft *dr, const char *id)
{
	int			i;
	const char *cve;

	if (id == NULL || *id == '\0')
		return;
	if (ctem_is_cve(id) && (cve = ctem_cve_prefix(c, id)) != NULL)
		id = cve;
	for (i = 0; i < dr->nids; i++)
		if (strcmp(dr->ids[i], id) == 0)
			return;
	if (dr->nids < CTEM_MAX_IDS)
		dr->ids[dr->nids++] = id;
}

static int
cvss_version_rank(const char *vector, const char *version)
{
	if (vector)
	{
		if (strncmp(vector, "CVSS:4", 6) == 0)
			return 40;
		if (strncmp(vector, "CVSS:3.1", 8) == 0)
			return 31;
		if (strncmp(vector, "CVSS:3", 6) == 0)
			return 30;
		if (strncmp(vector, "CVSS:2", 6) == 0 || strstr(vector, "Au:"))
			return 20;
	}
	if (version)
	{
		while (*version && !isdigit((unsigned char) *version))
			version++;
		if (*version == '4')
			return 40;
		if (strncmp(version, "3.1", 3) == 0 || strncmp(version, "31", 2) == 0)
			return 31;
		if (*version == '3')
			return 30;
		if (*version == '2')
			return 20;
	}
	return 0;
}

void
ctem_draft_cvss(CtemCtx *c, CtemDraft *dr, const char *vector, double score,
				const char *source, const char *version)
{
	int			rank;
	int			src = 0;

	vector = ctem_nonempty(vector);
	if (vector == NULL && isnan(score))
		return;

	/*
	 * A v3 or v4 vector written without its "CVSS:3.1/" prefix, the version
	 * given beside it (CycloneDX's method "CVSSv31", as its own examples
	 * write it; Grype's and ASFF's "version"): the prefix is added, so that
	 * the vector parses.
	 */
	if (vector && strncmp(vector, "CVSS:", 5) != 0 &&
		strncmp(vector, "AV:", 3) == 0 && strstr(vector, "Au:") == NULL)
	{
		int			v = cvss_version_rank(NULL, version);

		if (v == 40 || v == 31 || v == 30)
			vector = ctem_printf(c, "CVSS:%s/%s",
								 v == 40 ? "4.0" : v == 31 ? "3.1" : "3.0",
								 vector);
	}
	if (source && (ctem_contains_ci(source, "nvd") ||
				   ctem_contains_ci(source, "nist")))
		src = 2;
	else if (source && dr->sev_source && ctem_strcaseeq(source, dr->sev_source))
		src = 1;
	rank = cvss_version_rank(vector, version) * 10 + src;
	if (vector == NULL)
		rank -= 10000;
	if (rank > dr->cvss_rank)
	{
		dr->cvss_rank = rank;
		dr->f.cvss_vector = vector;
		dr->f.cvss_score = score;
	}
	else if (rank == dr->cvss_rank && isnan(dr->f.cvss_score) && !isnan(score))
		dr->f.cvss_score = score;
}

void
ctem_draft_cwe_num(CtemCtx *c, CtemDraft *dr, double n)
{
	char		item[32];
	size_t		l;
	const char *p;

	(void) c;
	if (isnan(n) || n < 0 || n > 1e9 || n != (double) (long) n)
		return;
	memcpy(item, "CWE-", 4);
	l = 4 + fmt_ulong(item + 4, (unsigned long) n);
	item[l] = '\0';
	/* dedup: look for the item between commas */
	p = dr->cwebuf;
	while (p && *p)
	{
		if (strncmp(p, item, l) == 0 && (p[l] == ',' || p[l] == '\0'))
			return;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	if (dr->cwelen + l + 2 > sizeof(dr->cwebuf))
		return;
	if (dr->cwelen)
		dr->cwebuf[dr->cwelen++] = ',';
	memcpy(dr->cwebuf + dr->cwelen, item, l + 1);
	dr->cwelen += l;
}

/* take every "CWE-n" in text ("cwe-79", "CWE-89: SQL ...", a bare "79") */
void
ctem_draft_cwe(CtemCtx *c, CtemDraft *dr, const char *text)
{
	const char *p;
	bool		any = false;

	if (text == NULL)
		return;
	for (p = text; *p; p++)
	{
		if (strncasecmp(p, "cwe", 3) == 0 &&
			(p == text || !isalpha((unsigned char) p[-1])))
		{
			const char *q = p + 3;

			if (*q == '-' || *q == '_' || *q == ' ' || *q == ':')
				q++;
			if (isdigit((unsigned char) *q))
			{
				ctem_draft_cwe_num(c, dr, strtod(q, NULL));
				any = true;
				while (isdigit((unsigned char) *q))
					q++;
				p = q - 1;
			}
		}
	}
	if (!any)
	{
		for (p = text; isdigit((unsigned char) *p); p++)
			;
		if (*p == '\0' && p != text)
			ctem_draft_cwe_num(c, dr, strtod(text, NULL));
	}
}

void
ctem_skipped(CtemCtx *c)
{
	c->stats.nskipped++;
}

/*
 * Report the report members whose \u0000 the reader replaced (U+FFFD) and
 * that reached a field of f: each member is matched by the field's text
 * (the node's own string, or a value cut from it or holding it, as a
 * version cut from a purl).  Called only after a NUL was replaced.
 */
static const char *
nul_members(CtemCtx *c, const CtemFinding *f)
{
	const char *fields[24];
	int			nf = 0;
	char		out[512];
	size_t		len = 0;
	int			i,
				k,
				j;

	fields[nf++] = f->asset_key;
	fields[nf++] = f->asset_name;
	fields[nf++] = f->rule_id;
	fields[nf++] = f->title;
	fields[nf++] = f->description;
	fields[nf++] = f->cvss_vector;
	fields[nf++] = f->component;
	fields[nf++] = f->component_version;
	fields[nf++] = f->location;
	fields[nf++] = f->fixed_version;
	fields[nf++] = f->status;
	fields[nf++] = f->purl;
	fields[nf++] = f->published;
	fields[nf++] = f->message;
	fields[nf++] = f->remediation;
	fields[nf++] = f->url;
	fields[nf++] = f->observed_at;
	fields[nf++] = f->published_invalid;
	fields[nf++] = f->observed_at_invalid;
	fields[nf++] = f->tool;
	out[0] = '\0';
	for (i = 0; i < nf + f->naliases; i++)
	{
		const char *v = i < nf ? fields[i] : f->aliases[i - nf];

		bool		same = false;

		if (v == NULL || strstr(v, CJ_NUL_REPLACEMENT) == NULL)
			continue;
		/* the member the value is, else those it was cut from or holds */
		for (k = 0; k < CTEM_NDOCS && !same; k++)
			for (j = 0; j < c->docs[k].nnuls && !same; j++)
				same = c->docs[k].nodes[c->docs[k].nuls[j]].s == v;
		for (k = 0; k < CTEM_NDOCS; k++)
		{
			const CjDoc *d = &c->docs[k];

			for (j = 0; j < d->nnuls; j++)
			{
				const char *s = d->nodes[d->nuls[j]].s;
				char		path[200];
				size_t		pl;
				const char *hit;

				if (same ? s != v : (strstr(v, s) == NULL && strstr(s, v) == NULL))
					continue;
				if (!ctem_cj_node_path(d, 0, d->nuls[j], path, sizeof(path)) ||
					path[0] == '\0')
					continue;
				/* each member once */
				pl = strlen(path);
				for (hit = strstr(out, path); hit; hit = strstr(hit + 1, path))
					if ((hit == out || hit[-1] == ',') &&
						(hit[pl] == ',' || hit[pl] == '\0'))
						break;
				if (hit || len + pl + 2 > sizeof(out))
					continue;
				if (len > 0)
					out[len++] = ',';
				memcpy(out + len, path, pl + 1);
				len += pl;
			}
		}
	}
	return len ? ctem_arena_strndup(&c->cj, &c->scratch, out, len) : NULL;
}

void
ctem_emit(CtemCtx *c, CtemDraft *dr)
{
	CtemFinding *f = &dr->f;
	const char *cve = NULL;
	int			ncve = 0;
	int			i,
				r;
	const char **al;
	int			nal = 0;
	const char *up;

	/* handlers check their id field; this catches any other empty id */
	if (f->rule_id == NULL || f->rule_id[0] == '\0')
		ctem_fail(c, CTEM_REPORT_EMISSING, (size_t) -1,
				  "A finding of the %s report has no id.",
				  ctem_report_format_name(c->fmt));
	/* canonical id: the CVE when exactly one is named */
	if ((up = ctem_cve_prefix(c, f->rule_id)) != NULL && ctem_is_cve(f->rule_id))
		f->rule_id = up;
	if (!ctem_is_cve(f->rule_id) && !dr->nofold)
	{
		for (i = 0; i < dr->nids; i++)
			if (ctem_is_cve(dr->ids[i]))
			{
				if (cve == NULL || strcmp(cve, dr->ids[i]) != 0)
					ncve++;
				cve = dr->ids[i];
			}
		if (ncve == 1)
		{
			ctem_draft_alias(c, dr, f->rule_id);
			f->rule_id = cve;
		}
	}
	al = ctem_arena_alloc(&c->cj, &c->scratch, sizeof(char *) * (dr->nids + 1));
	for (i = 0; i < dr->nids; i++)
		if (strcmp(dr->ids[i], f->rule_id) != 0)
			al[nal++] = dr->ids[i];
	al[nal] = NULL;
	f->aliases = al;
	f->naliases = nal;

	f->title = ctem_nonempty(f->title);
	f->component = ctem_nonempty(f->component);
	if (f->title == NULL)
		f->title = f->component ?
			ctem_printf(c, "%s in %s", f->rule_id, f->component) : f->rule_id;
	if (f->severity == NULL)
		f->severity = "unknown";
	if (f->asset_kind == NULL)
		f->asset_kind = CTEM_ASSET_APPLICATION;
	if (f->kind == NULL)
		f->kind = CTEM_KIND_VULNERABILITY;
	if (f->tool == NULL)
		f->tool = ctem_report_format_name(c->fmt);
	f->format = c->fmt;
	f->asset_key = ctem_nonempty(f->asset_key);
	f->asset_name = ctem_nonempty(f->asset_name);
	f->asset_placeholder = NULL;
	if (f->asset_key && ctem_placeholder_key(f->asset_kind, f->asset_key))
	{
		/* names no asset: the caller supplies it (ingest says why) */
		f->asset_placeholder = f->asset_key;
		f->asset_key = NULL;
		f->asset_name = NULL;
	}
	f->description = ctem_nonempty(f->description);
	f->cvss_vector = ctem_nonempty(f->cvss_vector);
	f->component_version = ctem_nonempty(f->component_version);
	f->location = ctem_nonempty(f->location);
	f->fixed_version = ctem_nonempty(f->fixed_version);
	f->status = ctem_nonempty(f->status);
	f->purl = ctem_nonempty(f->purl);
	f->published = ctem_nonempty(f->published);
	f->message = ctem_nonempty(f->message);
	f->remediation = ctem_nonempty(f->remediation);
	f->url = ctem_nonempty(f->url);
	f->observed_at = ctem_nonempty(f->observed_at);
	/* a date that is not on the calendar is not passed on as one */
	f->published_invalid = NULL;
	if (f->published && !ctem_valid_datetime(f->published))
	{
		f->published_invalid = f->published;
		f->published = NULL;
	}
	f->observed_at_invalid = NULL;
	if (f->observed_at && !ctem_valid_datetime(f->observed_at))
	{
		f->observed_at_invalid = f->observed_at;
		f->observed_at = NULL;
	}
	f->cwe = dr->cwelen ?
		ctem_arena_strndup(&c->cj, &c->scratch, dr->cwebuf, dr->cwelen) : NULL;
	f->nul_members = c->cj.nnul > 0 ? nul_members(c, f) : NULL;

	c->stats.nfindings++;
	if (f->suppressed)
		c->stats.nsuppressed++;
	r = c->cb ? c->cb(c->cbarg, f) : 0;
	if (r != 0)
	{
		c->err->cb_result = r;
		ctem_fail(c, CTEM_REPORT_ECALLBACK, (size_t) -1,
				  "The finding callback stopped the parse (it returned %d).", r);
	}
}

/* ---- detection ---- */

typedef struct Seen
{
	unsigned long bits;
	int			nkeys;
	char		schemaver;		/* first byte of SchemaVersion's value */
	char		versionch;		/* ... of version's */
	char		vulnsch;		/* ... of vulnerabilities' */
	CtemReportFormat results_fmt;	/* what "results" holds */
	bool		results_empty;
} Seen;

enum
{
	K_SchemaVersion, K_Results, K_ArtifactName, K_ClusterName, K_Resources,
	K_Vulnerabilities, K_Misconfigurations, K_matches, K_source, K_descriptor,
	K_runs, K_bomFormat, K_Findings, K_findings, K_auditReportVersion,
	K_advisories, K_error, K_actions, K_muted, K_metadata, K_reportSchema,
	K_scanInfo, K_dependencies, K_scan, K_vulnerabilities, K_check_type,
	K_results, K_template_id, K_templateID, K_template, K_info, K_class_uid,
	K_finding_info, K_ProductArn, K_GeneratorId, K_AwsAccountId, K_Target,
	K_Secrets, K_Class, K_experimental_config, K_errors, K_check_id,
	K_extra, K_packages, K_path, K_runId, K_version, K_schema,
	K_remediations, K_COUNT
};

static const char *const known_keys[K_COUNT] = {
	"SchemaVersion", "Results", "ArtifactName", "ClusterName", "Resources",
	"Vulnerabilities", "Misconfigurations", "matches", "source", "descriptor",
	"runs", "bomFormat", "Findings", "findings", "auditReportVersion",
	"advisories", "error", "actions", "muted", "metadata", "reportSchema",
	"scanInfo", "dependencies", "scan", "vulnerabilities", "check_type",
	"results", "template-id", "templateID", "template", "info", "class_uid",
	"finding_info", "ProductArn", "GeneratorId", "AwsAccountId", "Target",
	"Secrets", "Class", "experimental_config", "errors", "check_id",
	"extra", "packages", "path", "runId", "version", "$schema",
	"remediations"
};

#define HAS(s, k) (((s)->bits >> (k)) & 1UL)

static void detect_keys(CtemCtx *c, size_t pos, Seen *s, int level);

static CtemReportFormat
decide(const Seen *s)
{
	if (HAS(s, K_bomFormat))
		return CTEM_FMT_CYCLONEDX;
	if (HAS(s, K_runs))
		return CTEM_FMT_SARIF;
	if (HAS(s, K_matches))
		return CTEM_FMT_GRYPE;
	if (HAS(s, K_ClusterName) || HAS(s, K_Results) ||
		(HAS(s, K_SchemaVersion) && s->schemaver != '"' &&
		 HAS(s, K_ArtifactName)))
		return CTEM_FMT_TRIVY;
	if (HAS(s, K_Findings) || HAS(s, K_findings))
		return CTEM_FMT_ASFF;
	if (HAS(s, K_auditReportVersion) ||
		(HAS(s, K_advisories) && (HAS(s, K_actions) || HAS(s, K_muted) ||
								  HAS(s, K_metadata) || HAS(s, K_runId))) ||
		(HAS(s, K_error) && s->nkeys == 1))
		return CTEM_FMT_NPM_AUDIT;
	if (HAS(s, K_reportSchema) || (HAS(s, K_scanInfo) && HAS(s, K_dependencies)))
		return CTEM_FMT_DEPCHECK;
	/*
	 * GitLab security reports: with a scan object (schema 15), or the older
	 * schemas (2.x, 14.x) that have only a version string and remediations
	 */
	if (HAS(s, K_vulnerabilities) && s->vulnsch == '[' &&
		(HAS(s, K_scan) || HAS(s, K_remediations) ||
		 (HAS(s, K_version) && s->versionch == '"')))
		return CTEM_FMT_GITLAB;
	if (HAS(s, K_check_type))
		return CTEM_FMT_CHECKOV;
	if (HAS(s, K_results))
	{
		if (s->results_fmt != CTEM_FMT_UNKNOWN)
			return s->results_fmt;
		if (s->results_empty)
			return HAS(s, K_errors) && !HAS(s, K_experimental_config) ?
				CTEM_FMT_SEMGREP : CTEM_FMT_OSV;
	}
	if (HAS(s, K_template_id) || HAS(s, K_templateID) ||
		(HAS(s, K_template) && HAS(s, K_info)))
		return CTEM_FMT_NUCLEI;
	if (HAS(s, K_class_uid) || HAS(s, K_finding_info))
		return CTEM_FMT_OCSF;
	if ((HAS(s, K_SchemaVersion) && s->schemaver == '"') &&
		(HAS(s, K_ProductArn) || HAS(s, K_GeneratorId) ||
		 HAS(s, K_AwsAccountId)))
		return CTEM_FMT_ASFF;
	if (HAS(s, K_Target) && (HAS(s, K_Vulnerabilities) ||
							 HAS(s, K_Misconfigurations) ||
							 HAS(s, K_Secrets) || HAS(s, K_Class)))
		return CTEM_FMT_TRIVY;
	/* elements of an OSV "results" array, of a Semgrep "results" array */
	if (HAS(s, K_packages) && HAS(s, K_source))
		return CTEM_FMT_OSV;
	if (HAS(s, K_check_id) && (HAS(s, K_extra) || HAS(s, K_path)))
		return CTEM_FMT_SEMGREP;
	return CTEM_FMT_UNKNOWN;
}

/* is the decision final whatever keys follow? */
static bool
decisive(const Seen *s)
{
	static const int keys[] = {
		K_bomFormat, K_runs, K_matches, K_ClusterName, K_Results, K_Findings,
		K_findings, K_auditReportVersion, K_reportSchema, K_check_type,
		K_template_id, K_templateID, K_class_uid, K_finding_info
	};
	int			i;

	for (i = 0; i < (int) (sizeof(keys) / sizeof(keys[0])); i++)
		if (HAS(s, keys[i]))
			return true;
	return HAS(s, K_results) && !s->results_empty;
}

static void
detect_keys(CtemCtx *c, size_t pos, Seen *s, int level)
{
	CjIter		it;

	memset(s, 0, sizeof(*s));
	if (!ctem_cj_iter_begin(&c->cj, pos, '{', &it))
		return;
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		int			k;

		s->nkeys++;
		for (k = 0; k < K_COUNT; k++)
			if (!it.keylong && strcmp(it.key, known_keys[k]) == 0)
				break;
		if (k < K_COUNT)
		{
			s->bits |= 1UL << k;
			if (k == K_SchemaVersion)
				s->schemaver = c->cj.buf[it.valoff];
			if (k == K_version)
				s->versionch = c->cj.buf[it.valoff];
			if (k == K_vulnerabilities)
				s->vulnsch = c->cj.buf[it.valoff];
			if (k == K_results && level == 0)
			{
				CjIter		ri;

				s->results_empty = true;
				if (ctem_cj_iter_begin(&c->cj, it.valoff, '[', &ri) &&
					ctem_cj_iter_next(&c->cj, &ri))
				{
					Seen		sub;

					s->results_empty = false;
					detect_keys(c, ri.valoff, &sub, level + 1);
					s->results_fmt = decide(&sub);
				}
			}
		}
		if (level == 0 && decisive(s))
			return;
		if (level > 0 && decide(s) != CTEM_FMT_UNKNOWN)
			return;
		ctem_cj_iter_done(&it, ctem_cj_fastskip(&c->cj, it.valoff));
	}
}

/*
 * Detect the format of the value at pos.  *empty is set for null and [],
 * which are valid empty reports of any format.
 */
static CtemReportFormat
detect(CtemCtx *c, size_t pos, bool *empty)
{
	Seen		s;
	char		ch = c->cj.buf[pos];

	*empty = false;
	if (ch == '{')
	{
		detect_keys(c, pos, &s, 0);
		return decide(&s);
	}
	if (ch == '[')
	{
		CjIter		it;

		ctem_cj_iter_begin(&c->cj, pos, '[', &it);
		if (!ctem_cj_iter_next(&c->cj, &it))
		{
			*empty = true;
			return CTEM_FMT_UNKNOWN;
		}
		detect_keys(c, it.valoff, &s, 1);
		switch (decide(&s))
		{
			case CTEM_FMT_TRIVY:
			case CTEM_FMT_ASFF:
			case CTEM_FMT_OCSF:
			case CTEM_FMT_NUCLEI:
			case CTEM_FMT_CHECKOV:
				return decide(&s);
			default:
				return CTEM_FMT_UNKNOWN;
		}
	}
	if (ch == 'n' && c->cj.len - pos >= 4 && memcmp(c->cj.buf + pos, "null", 4) == 0)
		*empty = true;
	return CTEM_FMT_UNKNOWN;
}

/* validate everything from pos, so that bad JSON wins over other errors */
static void
validate_rest(CtemCtx *c, size_t pos)
{
	pos = ctem_cj_ws(&c->cj, pos);
	while (pos < c->cj.len)
	{
		pos = ctem_cj_skip(&c->cj, pos);
		pos = ctem_cj_ws(&c->cj, pos);
	}
}

static bool
is_empty_container(CtemCtx *c, size_t pos, size_t *end)
{
	char		ch = c->cj.buf[pos];
	size_t		p;

	if (ch != '[' && ch != '{')
		return false;
	p = ctem_cj_ws(&c->cj, pos + 1);
	if (p < c->cj.len && c->cj.buf[p] == (ch == '[' ? ']' : '}'))
	{
		*end = p + 1;
		return true;
	}
	return false;
}

static void
run(CtemCtx *c, CtemReportFormat want)
{
	size_t		pos = 0;
	long		ndoc = 0;

	/* a UTF-8 byte order mark, as Windows tools write it */
	if (c->cj.len >= 3 && memcmp(c->cj.buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	pos = ctem_cj_ws(&c->cj, pos);
	if (pos < c->cj.len && c->cj.buf[pos] == '<')
		ctem_fail(c, CTEM_REPORT_EMALFORMED, pos,
				  "The report is XML, not JSON; only JSON reports are supported (%s).",
				  ctem_report_supported_formats());
	c->stats.detected = CTEM_FMT_UNKNOWN;
	while (pos < c->cj.len)
	{
		CtemReportFormat f = want;
		bool		empty = false;
		size_t		end;

		ndoc++;
		c->doc_off = pos;
		c->pathlen = 0;
		c->path[0] = '\0';
		if (f == CTEM_FMT_UNKNOWN)
			f = detect(c, pos, &empty);
		else if (c->cj.buf[pos] == 'n')
			(void) detect(c, pos, &empty);
		else if (is_empty_container(c, pos, &end) && c->cj.buf[pos] == '[')
			empty = true;
		else
		{
			/* a forced format must not contradict what the layout says */
			CtemReportFormat seen = detect(c, pos, &empty);

			/* Dependency-Check also writes the GitLab layout */
			if (f == CTEM_FMT_DEPCHECK && seen == CTEM_FMT_GITLAB)
				f = CTEM_FMT_GITLAB;
			if (seen != CTEM_FMT_UNKNOWN && seen != f)
			{
				validate_rest(c, pos);
				ctem_fail(c, CTEM_REPORT_EUNDETECTED, pos,
						  "The report was declared as %s but its layout is that of %s.",
						  ctem_report_format_name(f),
						  ctem_report_format_name(seen));
			}
		}
		if (empty)
		{
			pos = ctem_cj_ws(&c->cj, ctem_cj_skip(&c->cj, pos));
			continue;
		}
		if (f == CTEM_FMT_UNKNOWN)
		{
			validate_rest(c, pos);
			if (c->cj.buf[pos] == '{' || c->cj.buf[pos] == '[')
				ctem_fail(c, CTEM_REPORT_EUNDETECTED, pos,
						  "The report format could not be detected: the JSON %s at line %d matches none of the supported layouts (%s).",
						  c->cj.buf[pos] == '{' ? "object" : "array",
						  (ctem_position(c->cj.buf, c->cj.len, pos, &c->err->line,
										 &c->err->column), c->err->line),
						  ctem_report_supported_formats());
			ctem_fail(c, CTEM_REPORT_EUNDETECTED, pos,
					  "The report is a JSON scalar, not an object or array; no supported format (%s) looks like that.",
					  ctem_report_supported_formats());
		}
		if (c->stats.detected == CTEM_FMT_UNKNOWN)
			c->stats.detected = f;
		else if (c->stats.detected != f)
		{
			validate_rest(c, pos);
			ctem_fail(c, CTEM_REPORT_EUNDETECTED, pos,
					  "The report mixes formats: this JSON value looks like %s, earlier ones like %s.",
					  ctem_report_format_name(f),
					  ctem_report_format_name(c->stats.detected));
		}
		c->fmt = f;
		c->stats.ndocuments = ndoc;
		ctem_arena_reset(&c->keep);
		end = handlers[f] (c, pos);
		pos = ctem_cj_ws(&c->cj, end);
	}
	c->stats.ndocuments = ndoc;
	if (c->stats.detected == CTEM_FMT_UNKNOWN)
		c->stats.detected = want;
}

static void
free_ctx(CtemCtx *c)
{
	int			i;

	for (i = 0; i < CTEM_NDOCS; i++)
		ctem_cj_doc_free(&c->docs[i]);
	ctem_arena_free(&c->scratch);
	ctem_arena_free(&c->keep);
	ctem_report_free(c);
}

bool
ctem_report_parse_ex(const char *report, size_t len, CtemReportFormat fmt,
					 CtemFindingFn cb, void *arg, CtemReportStats *stats,
					 CtemReportError *err)
{
	static CtemReportError dummy;
	CtemCtx    *volatile c;
	CtemReportError *e = err ? err : &dummy;

	memset(e, 0, sizeof(*e));
	e->position = -1;
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if ((int) fmt < 0 || fmt >= CTEM_FMT_COUNT)
	{
		e->code = CTEM_REPORT_EUNDETECTED;
		snprintf(e->path, sizeof(e->path), "$");
		snprintf(e->message, sizeof(e->message),
				 "The requested report format %d is not supported; use one of %s.",
				 (int) fmt, ctem_report_supported_formats());
		return false;
	}
	c = ctem_report_alloc(NULL, sizeof(CtemCtx));
	if (c == NULL)
	{
		e->code = CTEM_REPORT_ENOMEM;
		snprintf(e->path, sizeof(e->path), "$");
		snprintf(e->message, sizeof(e->message),
				 "Out of memory while starting to parse the report.");
		return false;
	}
	memset(c, 0, sizeof(CtemCtx));
	c->cj.buf = report ? report : "";
	c->cj.len = report ? len : 0;
	c->cj.fail = reader_failure;
	c->err = e;
	c->cb = cb;
	c->cbarg = arg;
	if (setjmp(c->cj.jb) != 0)
	{
		if (stats)
			*stats = c->stats;
		free_ctx(c);
		return false;
	}
	run(c, fmt);
	if (stats)
		*stats = c->stats;
	free_ctx(c);
	return true;
}

bool
ctem_report_parse(const char *report, size_t len, CtemReportFormat fmt,
				  CtemFindingFn cb, void *arg, CtemReportFormat *detected,
				  long *nfindings, CtemReportError *err)
{
	CtemReportStats st;
	bool		ok = ctem_report_parse_ex(report, len, fmt, cb, arg, &st, err);

	if (detected)
		*detected = ok ? st.detected : CTEM_FMT_UNKNOWN;
	if (nfindings)
		*nfindings = st.nfindings;
	return ok;
}

size_t
ctem_stream_array(CtemCtx *c, size_t off, const char *key,
				  const char *const *ignore, CtemItemFn fn, void *arg)
{
	CjIter		it;
	size_t		p0 = ctem_path_key(c, key);

	if (!ctem_require_container(c, off, '[', key))
	{
		ctem_path_set(c, p0);
		return ctem_cj_skip(&c->cj, off);
	}
	ctem_cj_iter_begin(&c->cj, off, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1 = ctem_path_index(c, it.index);
		int			root = ctem_item_parse(c, &it, ignore);

		fn(c, &c->docs[CTEM_DOC_ITEM], root, arg);
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, p0);
	return it.pos;
}

size_t
ctem_parse_object_or_array(CtemCtx *c, size_t pos, const char *what,
						   const char *const *ignore, CtemItemFn fn, void *arg)
{
	CjIter		it;
	int			root;

	pos = ctem_cj_ws(&c->cj, pos);
	if (c->cj.buf[pos] == '{')
	{
		/* one finding (a JSONL line) */
		it.valoff = pos;
		it.pending = true;
		root = ctem_item_parse(c, &it, ignore);
		fn(c, &c->docs[CTEM_DOC_ITEM], root, arg);
		return it.pos;
	}
	if (!ctem_require_container(c, pos, '[', what))
		return ctem_cj_skip(&c->cj, pos);
	ctem_cj_iter_begin(&c->cj, pos, '[', &it);
	while (ctem_cj_iter_next(&c->cj, &it))
	{
		size_t		p1 = ctem_path_index(c, it.index);

		root = ctem_item_parse(c, &it, ignore);
		if (ctem_cj_type(&c->docs[CTEM_DOC_ITEM], root) != CJ_NULL)
			fn(c, &c->docs[CTEM_DOC_ITEM], root, arg);
		ctem_path_set(c, p1);
	}
	ctem_path_set(c, 0);
	return it.pos;
}
