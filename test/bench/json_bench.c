/*-------------------------------------------------------------------------
 *
 * json_bench.c
 *	  ctem's JSON reader (src/core/json) against PostgreSQL's own callback
 *	  parser, pg_parse_json (src/common/jsonapi.c, from libpgcommon), on the
 *	  same bytes in one run.  Two passes each, best of R rounds:
 *		validate   ctem_cj_skip over the whole document / pg_parse_json
 *				   with the null semantic actions
 *		values     every value materialised, as a report is read: ctem streams
 *				   the containers of the first three levels (CjIter) and
 *				   parses each value below into one reused node array (the
 *				   strings de-escaped), as the report core parses one finding
 *				   at a time / pg_parse_json with need_escapes and callbacks
 *				   that take every member name and scalar
 *	  test/bench/json_bench.sh builds and runs it.
 *
 * test/bench/json_bench.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <time.h>

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"

#include "core/json/json_reader.h"

static long nvalues;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
take_field(void *state, char *fname, bool isnull)
{
	nvalues++;
	pfree(fname);
}

static void
take_scalar(void *state, char *token, JsonTokenType tokentype)
{
	nvalues++;
	pfree(token);
}

static double
run_pg(char *buf, size_t len, bool values)
{
	JsonSemAction sem;
	JsonLexContext *lex;
	double		t0 = now();
	JsonParseErrorType rc;

	memset(&sem, 0, sizeof(sem));
	sem.object_field_start = take_field;
	sem.scalar = take_scalar;
	lex = makeJsonLexContextCstringLen(buf, (int) len, PG_UTF8, values);
	rc = pg_parse_json(lex, values ? &sem : &nullSemAction);
	if (rc != JSON_SUCCESS)
	{
		fprintf(stderr, "pg_parse_json: error %d\n", (int) rc);
		exit(1);
	}
	pfree(lex);
	return now() - t0;
}

/* stream the containers of the first levels, parse the values below */
static size_t
walk(CjReader *r, size_t pos, int depth, CjDoc *d)
{
	CjIter		it;
	int			root;
	size_t		end;

	pos = ctem_cj_ws(r, pos);
	if (depth < 3 && pos < r->len && (r->buf[pos] == '[' || r->buf[pos] == '{'))
	{
		ctem_cj_iter_begin(r, pos, r->buf[pos], &it);
		while (ctem_cj_iter_next(r, &it))
		{
			ctem_cj_iter_done(&it, walk(r, it.valoff, depth + 1, d));
			nvalues++;
		}
		return it.pos;
	}
	end = ctem_cj_parse(r, pos, d, &root);
	nvalues += d->n;
	ctem_cj_doc_reset(d);
	return end;
}

static double
run_ctem(const char *buf, size_t len, bool values)
{
	CjReader	r;
	CjDoc		d;
	double		t0 = now();

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	r.buf = buf;
	r.len = len;
	if (setjmp(r.jb) != 0)
	{
		fprintf(stderr, "ctem reader: %s at byte %zu\n", r.message, r.pos);
		exit(1);
	}
	if (values)
		(void) walk(&r, 0, 0, &d);
	else
		ctem_cj_skip(&r, 0);
	ctem_cj_doc_free(&d);
	return now() - t0;
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	char	   *buf;
	long		len;
	int			rounds = argc > 2 ? atoi(argv[2]) : 5;
	double		best[4] = {1e9, 1e9, 1e9, 1e9};

	if (argc < 2 || (f = fopen(argv[1], "rb")) == NULL)
	{
		fprintf(stderr, "usage: json_bench FILE [ROUNDS]\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len + 1);
	if (fread(buf, 1, len, f) != (size_t) len)
		return 1;
	buf[len] = '\0';
	fclose(f);

	for (int i = 0; i < rounds; i++)
	{
		double		t;

		t = run_ctem(buf, len, false);
		best[0] = t < best[0] ? t : best[0];
		t = run_pg(buf, len, false);
		best[1] = t < best[1] ? t : best[1];
		t = run_ctem(buf, len, true);
		best[2] = t < best[2] ? t : best[2];
		t = run_pg(buf, len, true);
		best[3] = t < best[3] ? t : best[3];
	}
	printf("%s: %.1f MB, best of %d\n", argv[1], len / 1e6, rounds);
	printf("validate  ctem %7.1f MB/s   pg_parse_json %7.1f MB/s   (pg / ctem time %.2f)\n",
		   len / 1e6 / best[0], len / 1e6 / best[1], best[1] / best[0]);
	printf("values    ctem %7.1f MB/s   pg_parse_json %7.1f MB/s   (pg / ctem time %.2f)\n",
		   len / 1e6 / best[2], len / 1e6 / best[3], best[3] / best[2]);
	return 0;
}
