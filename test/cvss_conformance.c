/*-------------------------------------------------------------------------
 *
 * cvss_conformance.c
 *	  Check the CVSS core (src/core/cvss_core.c) against the shared test corpus.
 *
 * Usage: cvss_conformance <corpus_dir> [--bench N]
 *
 * Reads cvss2.tsv, cvss30.tsv, cvss31.tsv, cvss40.tsv and invalid.tsv from
 * corpus_dir.  Every valid row must parse with the expected version and
 * scores (an empty expected column means "absent"), v4.0 rows also with the
 * expected nomenclature and MacroVector; its canonical text must reparse to
 * an equal vector with the same scores, and for v4.0 (whose corpus rows are
 * already in specification order) equal the input byte for byte.  Every
 * invalid row must be rejected with the corpus's reason and a well-formed
 * message.  Prints "file: N rows, N agree, N disagree" per file with the
 * first disagreeing rows, then "N passed, N failed"; exits 1 on any failure.
 *
 * With --bench N, also times N passes of parse + score (and parse + score +
 * format) over every valid corpus vector and prints ns per vector.
 *
 * Build: cc -std=gnu99 -O2 -Isrc test/cvss_conformance.c src/core/cvss_core.c -lm
 *
 * test/cvss_conformance.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cvss_core.h"

#define MAX_LINE 4096
#define MAX_FIELDS 8
#define MAX_SHOWN 5

typedef struct FileResult
{
	int			rows;
	int			agree;
	int			disagree;
	int			shown;
} FileResult;

typedef struct VectorList
{
	char	  **items;
	size_t	   *lens;
	int			n;
	int			cap;
} VectorList;

static int	total_passed;
static int	total_failed;
static VectorList bench_vectors;

static void
list_add(VectorList *l, const char *s)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->items = realloc(l->items, sizeof(char *) * (size_t) l->cap);
		l->lens = realloc(l->lens, sizeof(size_t) * (size_t) l->cap);
		if (l->items == NULL || l->lens == NULL)
		{
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	l->lens[l->n] = strlen(s);
	l->items[l->n] = malloc(l->lens[l->n] + 1);
	if (l->items[l->n] == NULL)
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(l->items[l->n], s, l->lens[l->n] + 1);
	l->n++;
}

/* split line in place at tabs; returns the number of fields */
static int
split_tabs(char *line, char **fields, int max)
{
	int			n = 0;
	char	   *p = line;

	fields[n++] = p;
	while (*p && n < max)
	{
		if (*p == '\t')
		{
			*p = '\0';
			fields[n++] = p + 1;
		}
		p++;
	}
	return n;
}

/* "7.5" -> 75, "" -> -1, garbage -> -2 */
static int
parse_tenths(const char *s)
{
	int			whole = 0;

	if (*s == '\0')
		return -1;
	if (!isdigit((unsigned char) *s))
		return -2;
	while (isdigit((unsigned char) *s))
		whole = whole * 10 + (*s++ - '0');
	if (s[0] != '.' || !isdigit((unsigned char) s[1]) || s[2] != '\0')
		return -2;
	return whole * 10 + (s[1] - '0');
}

static void
fmt_tenths(char *buf, size_t n, int t)
{
	if (t < 0)
		snprintf(buf, n, "NULL");
	else
		snprintf(buf, n, "%d.%d", t / 10, t % 10);
}

static FILE *
open_corpus(const char *dir, const char *name)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
	{
		fprintf(stderr, "could not open \"%s\"\n", path);
		exit(2);
	}
	return f;
}

static bool
read_line(FILE *f, char *buf, size_t n)
{
	size_t		l;

	if (fgets(buf, (int) n, f) == NULL)
		return false;
	l = strlen(buf);
	while (l > 0 && (buf[l - 1] == '\n' || buf[l - 1] == '\r'))
		buf[--l] = '\0';
	return true;
}

static void
record(FileResult *r, const char *file, bool ok, const char *vector,
	   const char *why)
{
	r->rows++;
	if (ok)
	{
		r->agree++;
		total_passed++;
		return;
	}
	r->disagree++;
	total_failed++;
	if (r->shown++ < MAX_SHOWN)
		printf("  %s: DISAGREE \"%s\": %s\n", file, vector, why);
}

/*
 * Checks shared by every accepted vector: canonical text, round trip,
 * accessors.  Returns false with a reason in why.
 */
static bool
check_common(const char *vector, const CtemCvss *c, char *why, size_t whylen)
{
	char		canon[CTEM_CVSS_MAX_TEXT];
	char		small[8];
	size_t		n;
	size_t		n2;
	CtemCvss	re;
	CtemCvssError err;
	CtemCvss	copy;
	char		comp[MAX_LINE];
	char	   *p;
	char	   *save = NULL;

	n = ctem_cvss_format(c, canon, sizeof(canon));
	if (n != strlen(canon) || n >= CTEM_CVSS_MAX_TEXT)
	{
		snprintf(why, whylen, "format length %zu is wrong", n);
		return false;
	}
	n2 = ctem_cvss_format(c, small, sizeof(small));
	if (n2 != n || strlen(small) != sizeof(small) - 1 ||
		strncmp(small, canon, sizeof(small) - 1) != 0)
	{
		snprintf(why, whylen, "format into a short buffer is wrong");
		return false;
	}
	if (!ctem_cvss_parse(canon, n, &re, &err))
	{
		snprintf(why, whylen, "canonical \"%s\" does not reparse: %s", canon,
				 err.detail);
		return false;
	}
	if (!ctem_cvss_equal(c, &re) || ctem_cvss_compare(c, &re) != 0 ||
		memcmp(c, &re, sizeof(CtemCvss)) != 0)
	{
		snprintf(why, whylen, "canonical \"%s\" reparses to a different vector",
				 canon);
		return false;
	}
	copy = *c;
	if (!ctem_cvss_rescore(&copy) || memcmp(&copy, c, sizeof(CtemCvss)) != 0)
	{
		snprintf(why, whylen, "rescore changes the vector");
		return false;
	}
	if (ctem_cvss_version_text(c) == NULL ||
		ctem_cvss_severity_text(c, c->score10) == NULL ||
		ctem_cvss_metric(c, "ZZ", NULL) != -1)
	{
		snprintf(why, whylen, "accessor failure");
		return false;
	}

	/* every component of the input is reported by ctem_cvss_metric */
	snprintf(comp, sizeof(comp), "%s", vector);
	p = comp;
	if (strncmp(p, "CVSS:", 5) == 0)
		p = strchr(p, '/') + 1;
	for (p = strtok_r(p, "/", &save); p != NULL; p = strtok_r(NULL, "/", &save))
	{
		char	   *colon = strchr(p, ':');
		const char *value = NULL;

		*colon = '\0';
		if (ctem_cvss_metric(c, p, &value) != 1 || strcmp(value, colon + 1) != 0)
		{
			snprintf(why, whylen, "ctem_cvss_metric(\"%s\") is wrong", p);
			return false;
		}
	}
	return true;
}

static void
run_v2v3(const char *dir, const char *file, int version, int *canonical_same)
{
	FILE	   *f = open_corpus(dir, file);
	char		line[MAX_LINE];
	FileResult	r = {0, 0, 0, 0};

	*canonical_same = 0;
	read_line(f, line, sizeof(line));	/* header */
	while (read_line(f, line, sizeof(line)))
	{
		char	   *fld[MAX_FIELDS];
		char		why[512];
		CtemCvss	c;
		CtemCvssError err;
		int			eb,
					et,
					ee;
		bool		ok = true;

		if (split_tabs(line, fld, MAX_FIELDS) < 4)
		{
			record(&r, file, false, line, "malformed corpus row");
			continue;
		}
		eb = parse_tenths(fld[1]);
		et = parse_tenths(fld[2]);
		ee = parse_tenths(fld[3]);
		list_add(&bench_vectors, fld[0]);
		why[0] = '\0';
		if (!ctem_cvss_parse(fld[0], strlen(fld[0]), &c, &err))
		{
			snprintf(why, sizeof(why), "rejected: %s", err.detail);
			ok = false;
		}
		else if (c.version != version)
		{
			snprintf(why, sizeof(why), "version %d", c.version);
			ok = false;
		}
		else if (c.base10 != eb || c.score10 != eb || c.temporal10 != et ||
				 c.env10 != ee)
		{
			char		b[3][16];

			fmt_tenths(b[0], 16, c.base10);
			fmt_tenths(b[1], 16, c.temporal10);
			fmt_tenths(b[2], 16, c.env10);
			snprintf(why, sizeof(why),
					 "got %s/%s/%s, expected %s/%s/%s", b[0], b[1], b[2],
					 fld[1], fld[2][0] ? fld[2] : "NULL",
					 fld[3][0] ? fld[3] : "NULL");
			ok = false;
		}
		else if (!check_common(fld[0], &c, why, sizeof(why)))
			ok = false;
		else
		{
			char		canon[CTEM_CVSS_MAX_TEXT];

			ctem_cvss_format(&c, canon, sizeof(canon));
			if (strcmp(canon, fld[0]) == 0)
				(*canonical_same)++;
		}
		record(&r, file, ok, fld[0], why);
	}
	fclose(f);
	printf("%s: %d rows, %d agree, %d disagree (%d already canonical)\n",
		   file, r.rows, r.agree, r.disagree, *canonical_same);
}

/*
 * The v4.0 base-only score (base10) must be the score of the same vector
 * with its threat and environmental metrics removed.
 */
static bool
check_v4_base_only(const char *vector, const CtemCvss *c, char *why,
				   size_t whylen)
{
	static const char *const drop[] = {
		"E", "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC",
		"MVI", "MVA", "MSC", "MSI", "MSA", NULL
	};
	char		copy[MAX_LINE];
	char		stripped[MAX_LINE];
	char	   *p;
	char	   *save = NULL;
	size_t		n;
	CtemCvss	b;
	CtemCvssError err;

	snprintf(copy, sizeof(copy), "%s", vector);
	snprintf(stripped, sizeof(stripped), "CVSS:4.0");
	n = strlen(stripped);
	for (p = strtok_r(copy + 9, "/", &save); p != NULL;
		 p = strtok_r(NULL, "/", &save))
	{
		size_t		nl = strcspn(p, ":");
		bool		skip = false;
		int			i;

		for (i = 0; drop[i] != NULL; i++)
		{
			if (strlen(drop[i]) == nl && strncmp(drop[i], p, nl) == 0)
				skip = true;
		}
		if (!skip)
			n += (size_t) snprintf(stripped + n, sizeof(stripped) - n, "/%s", p);
	}
	if (!ctem_cvss_parse(stripped, n, &b, &err))
	{
		snprintf(why, whylen, "base-only vector \"%s\" rejected", stripped);
		return false;
	}
	if (b.score10 != c->base10 || b.base10 != c->base10)
	{
		snprintf(why, whylen, "base10 %d, but \"%s\" scores %d", c->base10,
				 stripped, b.score10);
		return false;
	}
	return true;
}

static void
run_v4(const char *dir)
{
	const char *file = "cvss40.tsv";
	FILE	   *f = open_corpus(dir, file);
	char		line[MAX_LINE];
	FileResult	r = {0, 0, 0, 0};

	read_line(f, line, sizeof(line));
	while (read_line(f, line, sizeof(line)))
	{
		char	   *fld[MAX_FIELDS];
		char		why[512];
		CtemCvss	c;
		CtemCvssError err;
		char		mv[7];
		char		canon[CTEM_CVSS_MAX_TEXT];
		const char *nom;
		int			es;
		bool		ok = true;

		if (split_tabs(line, fld, MAX_FIELDS) < 4)
		{
			record(&r, file, false, line, "malformed corpus row");
			continue;
		}
		es = parse_tenths(fld[1]);
		list_add(&bench_vectors, fld[0]);
		why[0] = '\0';
		if (!ctem_cvss_parse(fld[0], strlen(fld[0]), &c, &err))
		{
			snprintf(why, sizeof(why), "rejected: %s", err.detail);
			ok = false;
		}
		else if (c.version != CTEM_CVSS_V40)
		{
			snprintf(why, sizeof(why), "version %d", c.version);
			ok = false;
		}
		else if (c.score10 != es)
		{
			char		b[16];

			fmt_tenths(b, sizeof(b), c.score10);
			snprintf(why, sizeof(why), "score %s, expected %s", b, fld[1]);
			ok = false;
		}
		else if ((nom = ctem_cvss_nomenclature(&c)) == NULL ||
				 strcmp(nom, fld[2]) != 0)
		{
			snprintf(why, sizeof(why), "nomenclature %s, expected %s",
					 nom ? nom : "NULL", fld[2]);
			ok = false;
		}
		else if (!ctem_cvss_macrovector(&c, mv) || strcmp(mv, fld[3]) != 0)
		{
			snprintf(why, sizeof(why), "macrovector %s, expected %s", mv,
					 fld[3]);
			ok = false;
		}
		else if (c.temporal10 != -1 || c.env10 != -1 || c.base10 < 0 ||
				 c.base10 > 100 || (strcmp(nom, "CVSS-B") == 0 &&
									c.base10 != c.score10))
		{
			snprintf(why, sizeof(why), "base-only/temporal/env fields wrong");
			ok = false;
		}
		else if (!check_common(fld[0], &c, why, sizeof(why)))
			ok = false;
		else if (!check_v4_base_only(fld[0], &c, why, sizeof(why)))
			ok = false;
		else if (ctem_cvss_format(&c, canon, sizeof(canon)) != strlen(fld[0]) ||
				 strcmp(canon, fld[0]) != 0)
		{
			snprintf(why, sizeof(why), "canonical form \"%s\" differs", canon);
			ok = false;
		}
		record(&r, file, ok, fld[0], why);
	}
	fclose(f);
	printf("%s: %d rows, %d agree, %d disagree\n", file, r.rows, r.agree,
		   r.disagree);
}

/* a well-formed message: capitalised, ends with a period */
static bool
good_sentence(const char *s)
{
	size_t		n = strlen(s);

	return n > 1 && isupper((unsigned char) s[0]) && s[n - 1] == '.';
}

static void
run_invalid(const char *dir)
{
	const char *file = "invalid.tsv";
	FILE	   *f = open_corpus(dir, file);
	char		line[MAX_LINE];
	FileResult	r = {0, 0, 0, 0};
	int			rejected = 0;
	int			reason_agree = 0;

	read_line(f, line, sizeof(line));
	while (read_line(f, line, sizeof(line)))
	{
		char	   *fld[MAX_FIELDS];
		char		why[1024];
		CtemCvss	c;
		CtemCvssError err;
		const char *code;
		size_t		len;
		bool		ok = true;

		if (split_tabs(line, fld, MAX_FIELDS) < 4)
		{
			record(&r, file, false, line, "malformed corpus row");
			continue;
		}
		len = strlen(fld[0]);
		memset(&err, 0x55, sizeof(err));
		why[0] = '\0';
		if (ctem_cvss_parse(fld[0], len, &c, &err))
		{
			snprintf(why, sizeof(why), "accepted (expected %s)", fld[2]);
			ok = false;
		}
		else
		{
			static const CtemCvss zero;

			rejected++;
			code = ctem_cvss_error_code_text(err.code);
			if (code != NULL && strcmp(code, fld[2]) == 0)
				reason_agree++;
			if (code == NULL || strcmp(code, fld[2]) != 0)
			{
				snprintf(why, sizeof(why), "reason %s, expected %s (%s)",
						 code ? code : "?", fld[2], err.detail);
				ok = false;
			}
			else if (!good_sentence(err.detail) || !good_sentence(err.hint) ||
					 err.position < 0 || (size_t) err.position > len ||
					 strlen(err.component) >= sizeof(err.component) ||
					 memcmp(&c, &zero, sizeof(c)) != 0)
			{
				snprintf(why, sizeof(why), "bad error report: [%d] \"%s\" / \"%s\" / \"%s\"",
						 err.position, err.component, err.detail, err.hint);
				ok = false;
			}
		}
		record(&r, file, ok, fld[0], why);
	}
	fclose(f);
	printf("%s: %d rows, %d agree, %d disagree (%d rejected, %d with the corpus's reason)\n",
		   file, r.rows, r.agree, r.disagree, rejected, reason_agree);
}

/* CPU time of this thread: less disturbed by other load than wall time */
static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/*
 * Time N passes over every valid corpus vector, five times, and print the
 * best run (per vector, thread CPU time).
 */
static void
run_bench(int iterations)
{
	volatile long sink = 0;
	double		best_parse = 0;
	double		best_format = 0;
	int			round;
	int			it;
	int			i;
	double		count = (double) iterations * bench_vectors.n;
	char		buf[CTEM_CVSS_MAX_TEXT];

	if (bench_vectors.n == 0 || iterations <= 0)
		return;
	for (round = 0; round < 5; round++)
	{
		double		t0;
		double		t1;
		double		t2;

		t0 = now_ns();
		for (it = 0; it < iterations; it++)
		{
			for (i = 0; i < bench_vectors.n; i++)
			{
				CtemCvss	c;
				CtemCvssError err;

				if (ctem_cvss_parse(bench_vectors.items[i],
									bench_vectors.lens[i], &c, &err))
					sink += c.score10;
			}
		}
		t1 = now_ns();
		for (it = 0; it < iterations; it++)
		{
			for (i = 0; i < bench_vectors.n; i++)
			{
				CtemCvss	c;
				CtemCvssError err;

				if (ctem_cvss_parse(bench_vectors.items[i],
									bench_vectors.lens[i], &c, &err))
					sink += (long) ctem_cvss_format(&c, buf, sizeof(buf));
			}
		}
		t2 = now_ns();
		if (round == 0 || (t1 - t0) / count < best_parse)
			best_parse = (t1 - t0) / count;
		if (round == 0 || (t2 - t1) / count < best_format)
			best_format = (t2 - t1) / count;
	}
	printf("bench: %d vectors x %d passes, best of 5: parse+score %.1f ns/vector, parse+score+format %.1f ns/vector\n",
		   bench_vectors.n, iterations, best_parse, best_format);
	(void) sink;
}

int
main(int argc, char **argv)
{
	int			bench = 0;
	int			same;
	int			i;

	if (argc < 2)
	{
		fprintf(stderr, "usage: %s <corpus_dir> [--bench N]\n", argv[0]);
		return 2;
	}
	for (i = 2; i < argc; i++)
	{
		if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
			bench = atoi(argv[++i]);
		else
		{
			fprintf(stderr, "unknown argument \"%s\"\n", argv[i]);
			return 2;
		}
	}

	run_v2v3(argv[1], "cvss2.tsv", CTEM_CVSS_V2, &same);
	run_v2v3(argv[1], "cvss30.tsv", CTEM_CVSS_V30, &same);
	run_v2v3(argv[1], "cvss31.tsv", CTEM_CVSS_V31, &same);
	run_v4(argv[1]);
	run_invalid(argv[1]);

	if (bench > 0)
		run_bench(bench);

	printf("%d passed, %d failed\n", total_passed, total_failed);
	return total_failed > 0 ? 1 : 0;
}
