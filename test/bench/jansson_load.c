/*-------------------------------------------------------------------------
 *
 * jansson_load.c
 *	  The baseline of test/bench/parse_bench.sh: load a JSON file with
 *	  jansson (json_loadb, the whole document as a tree, as a reader that
 *	  builds the document first would) N times and print the CPU time of
 *	  one load.  The file is read into memory first, as report_dump does.
 *
 * Usage: jansson_load [-r N] FILE
 * Output: "# time<TAB>S s<TAB>M MB/s"
 *
 * test/bench/jansson_load.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	long		repeat = 1;
	const char *path;
	FILE	   *f;
	char	   *buf;
	long		len;
	double		t0,
				t1;

	if (argc == 4 && strcmp(argv[1], "-r") == 0)
	{
		repeat = atol(argv[2]);
		path = argv[3];
	}
	else if (argc == 2)
		path = argv[1];
	else
	{
		fprintf(stderr, "usage: jansson_load [-r N] FILE\n");
		return 2;
	}
	if (repeat < 1)
		repeat = 1;
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0)
	{
		perror(path);
		return 1;
	}
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL || fread(buf, 1, len, f) != (size_t) len)
	{
		perror(path);
		return 1;
	}
	fclose(f);

	t0 = cpu_seconds();
	for (long r = 0; r < repeat; r++)
	{
		json_error_t err;
		json_t	   *doc = json_loadb(buf, len, 0, &err);

		if (doc == NULL)
		{
			fprintf(stderr, "%s: line %d, column %d: %s\n", path, err.line,
					err.column, err.text);
			return 1;
		}
		json_decref(doc);
	}
	t1 = cpu_seconds();
	printf("# time\t%.4f s\t%.1f MB/s\n", (t1 - t0) / repeat,
		   len / ((t1 - t0) / repeat) / 1e6);
	free(buf);
	return 0;
}
