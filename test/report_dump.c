/*-------------------------------------------------------------------------
 *
 * report_dump.c
 *	  Standalone CLI over the report-parsing core: prints the detected
 *	  format and every normalized finding, one per line, tab-separated.
 *
 * Usage: report_dump [-f FORMAT] [-q] [-m] [-t] [-r N] [-j] FILE...
 *	  -f FORMAT  force a format instead of auto-detection
 *	  -q         print only the per-file summary line
 *	  -m         count allocations and print the peak (bytes and ratio)
 *	  -t         print parse CPU time and findings per second
 *	  -r N       parse each file N times (for timing)
 *	  -j         load each file with jansson's json_loadb instead, the whole
 *	             document as a tree (the baseline of test/bench/parse_bench.sh;
 *	             -m and -t count and time the load)
 *
 * Output per file:
 *	  "# FILE<TAB>format=F<TAB>findings=N<TAB>suppressed=N<TAB>skipped=N"
 *	  ("# FILE<TAB>jansson=loaded" with -j)
 *	  or "# FILE<TAB>ERROR<TAB>code=C<TAB>line=L<TAB>column=K<TAB>path=P<TAB>message"
 * then one line per finding with the columns printed by print_finding().
 * Tabs, newlines and backslashes inside values are escaped (\t \n \\);
 * NULL is printed as "-".
 *
 * Build: gcc -std=gnu99 -O2 -Isrc test/report_dump.c src/core/json/json_reader.c src/core/report/report*.c \
 *		   $(pkg-config --cflags --libs jansson) -lm -o report_dump
 *
 * test/report_dump.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/report/report.h"

static size_t cur_bytes = 0;
static size_t peak_bytes = 0;
static long nallocs = 0;
static bool quiet = false;

/* counting allocator: a header in front of each block holds its size */
static void *
count_alloc(size_t n)
{
	size_t	   *p = malloc(n + 16);

	if (p == NULL)
		return NULL;
	p[0] = n;
	cur_bytes += n;
	nallocs++;
	if (cur_bytes > peak_bytes)
		peak_bytes = cur_bytes;
	return (char *) p + 16;
}

static void
count_free(void *q)
{
	size_t	   *p;

	if (q == NULL)
		return;
	p = (size_t *) ((char *) q - 16);
	cur_bytes -= p[0];
	free(p);
}

static void
put_value(const char *s)
{
	if (s == NULL)
	{
		fputs("-", stdout);
		return;
	}
	for (; *s; s++)
	{
		switch (*s)
		{
			case '\t':
				fputs("\\t", stdout);
				break;
			case '\n':
				fputs("\\n", stdout);
				break;
			case '\r':
				fputs("\\r", stdout);
				break;
			case '\\':
				fputs("\\\\", stdout);
				break;
			default:
				putchar(*s);
		}
	}
}

static void
put_num(double v)
{
	if (isnan(v))
		fputs("-", stdout);
	else
		printf("%g", v);
}

/*
 * Columns: kind, asset_kind, asset_key, asset_name, rule_id, aliases,
 * severity, cvss_score, cvss_vector, component, component_version,
 * location, fixed_version, status, suppressed, epss, epss_percentile, cwe,
 * purl, tool, published, observed_at, url, title, message,
 * asset_placeholder, nul_members.
 */
static int
print_finding(void *arg, const CtemFinding *f)
{
	int			i;

	(void) arg;
	if (quiet)
		return 0;
	put_value(f->kind);
	putchar('\t');
	put_value(f->asset_kind);
	putchar('\t');
	put_value(f->asset_key);
	putchar('\t');
	put_value(f->asset_name);
	putchar('\t');
	put_value(f->rule_id);
	putchar('\t');
	if (f->naliases == 0)
		putchar('-');
	for (i = 0; i < f->naliases; i++)
	{
		if (i)
			putchar(',');
		put_value(f->aliases[i]);
	}
	putchar('\t');
	put_value(f->severity);
	putchar('\t');
	put_num(f->cvss_score);
	putchar('\t');
	put_value(f->cvss_vector);
	putchar('\t');
	put_value(f->component);
	putchar('\t');
	put_value(f->component_version);
	putchar('\t');
	put_value(f->location);
	putchar('\t');
	put_value(f->fixed_version);
	putchar('\t');
	put_value(f->status);
	putchar('\t');
	fputs(f->suppressed ? "suppressed" : "open", stdout);
	putchar('\t');
	put_num(f->epss);
	putchar('\t');
	put_num(f->epss_percentile);
	putchar('\t');
	put_value(f->cwe);
	putchar('\t');
	put_value(f->purl);
	putchar('\t');
	put_value(f->tool);
	putchar('\t');
	put_value(f->published);
	putchar('\t');
	put_value(f->observed_at);
	putchar('\t');
	put_value(f->url);
	putchar('\t');
	put_value(f->title);
	putchar('\t');
	put_value(f->message);
	putchar('\t');
	put_value(f->asset_placeholder);
	putchar('\t');
	put_value(f->nul_members);
	putchar('\n');
	return 0;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE	   *fp = fopen(path, "rb");
	char	   *buf = NULL;
	size_t		cap = 0,
				n = 0;

	if (fp == NULL)
		return NULL;
	for (;;)
	{
		size_t		got;

		if (n == cap)
		{
			char	   *nb;

			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (nb == NULL)
			{
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	*len = n;
	return buf;
}

/*
 * -j: load buf with jansson repeat times, the whole document as a tree each
 * time; false with err filled on a syntax error
 */
static bool
jansson_load(const char *buf, size_t len, long repeat, CtemReportError *err)
{
	for (long r = 0; r < repeat; r++)
	{
		json_error_t jerr;
		json_t	   *doc = json_loadb(buf, len, 0, &jerr);

		if (doc == NULL)
		{
			memset(err, 0, sizeof(*err));
			err->line = jerr.line;
			err->column = jerr.column;
			snprintf(err->path, sizeof(err->path), "-");
			snprintf(err->message, sizeof(err->message), "%s", jerr.text);
			return false;
		}
		json_decref(doc);
	}
	return true;
}

/* CPU time of the process: other load on the machine does not count */
static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	CtemReportFormat fmt = CTEM_FMT_UNKNOWN;
	bool		mem = false;
	bool		timing = false;
	bool		jansson = false;
	long		repeat = 1;
	int			i;
	int			status = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
	{
		if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
		{
			fmt = ctem_report_format_from_name(argv[++i]);
			if (fmt == CTEM_FMT_UNKNOWN)
			{
				fprintf(stderr, "report_dump: unknown format \"%s\"; use one of %s\n",
						argv[i], ctem_report_supported_formats());
				return 2;
			}
		}
		else if (strcmp(argv[i], "-q") == 0)
			quiet = true;
		else if (strcmp(argv[i], "-m") == 0)
			mem = true;
		else if (strcmp(argv[i], "-t") == 0)
			timing = true;
		else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			repeat = atol(argv[++i]);
		else if (strcmp(argv[i], "-j") == 0)
			jansson = true;
		else
		{
			fprintf(stderr, "usage: report_dump [-f FORMAT] [-q] [-m] [-t] [-r N] [-j] FILE...\n");
			return 2;
		}
	}
	if (i >= argc)
	{
		fprintf(stderr, "usage: report_dump [-f FORMAT] [-q] [-m] [-t] [-r N] [-j] FILE...\n");
		return 2;
	}
	if (mem)
	{
		ctem_report_set_allocator(count_alloc, count_free);
		json_set_alloc_funcs(count_alloc, count_free);	/* for -j */
	}
	for (; i < argc; i++)
	{
		size_t		len = 0;
		char	   *buf = read_file(argv[i], &len);
		CtemReportStats st;
		CtemReportError err;
		bool		ok = false;
		double		t0,
					t1;
		long		r;

		if (buf == NULL)
		{
			printf("# %s\tERROR\tcannot read: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		peak_bytes = cur_bytes;
		t0 = now_seconds();
		if (jansson)
			ok = jansson_load(buf, len, repeat, &err);
		else
		{
			for (r = 0; r < repeat; r++)
			{
				ok = ctem_report_parse_ex(buf, len, fmt, print_finding, NULL,
										  &st, &err);
				if (r == 0 && repeat > 1)
					quiet = true;
			}
		}
		t1 = now_seconds();
		if (ok && jansson)
			printf("# %s\tjansson=loaded\n", argv[i]);
		else if (ok)
			printf("# %s\tformat=%s\tfindings=%ld\tsuppressed=%ld\tskipped=%ld\tdocuments=%ld\n",
				   argv[i], ctem_report_format_name(st.detected), st.nfindings,
				   st.nsuppressed, st.nskipped, st.ndocuments);
		else
		{
			printf("# %s\tERROR\tcode=%d\tline=%d\tcolumn=%d\tpath=%s\t%s\n",
				   argv[i], err.code, err.line, err.column, err.path,
				   err.message);
			status = 1;
		}
		if (mem)
			printf("# memory\tinput=%zu\tpeak=%zu\tratio=%.3f\tallocs=%ld\tleaked=%zu\n",
				   len, peak_bytes, len ? (double) peak_bytes / len : 0.0,
				   nallocs, cur_bytes);
		if (timing)
		{
			double		s = (t1 - t0) / repeat;

			printf("# time\t%.4f s\t%.1f MB/s\t%.0f findings/s\n", s,
				   len / s / 1e6, ok && !jansson ? st.nfindings / s : 0.0);
		}
		free(buf);
	}
	return status;
}
