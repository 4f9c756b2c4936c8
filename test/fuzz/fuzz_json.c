/*-------------------------------------------------------------------------
 *
 * fuzz_json.c
 *	  libFuzzer harness for ctem's JSON reader alone (src/core/json): every
 *	  input is parsed into a document, skipped, and walked as a stream; they
 *	  must agree on whether it is valid and on where a valid value ends.
 *
 * Build (test/fuzz/run.sh json does it):
 *	  clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *		  test/fuzz/fuzz_json.c src/core/json/json_reader.c -lm -o fuzz_json
 *
 * test/fuzz/fuzz_json.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json/json_reader.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* visit every node of the document; its sizes must tile the node array */
static void
walk(const CjDoc *d, int idx, int depth)
{
	int			t = ctem_cj_type(d, idx);

	if (depth > CTEM_CJ_MAX_DEPTH + 1)
		abort();
	if (t == CJ_STRING && ctem_cj_str(d, idx) == NULL)
		abort();
	if (t == CJ_NUMBER)
		(void) ctem_cj_num(d, idx);
	if (t == CJ_ARRAY || t == CJ_OBJECT)
	{
		/* an object's children are key, value, key, value... */
		int			n = ctem_cj_len(d, idx) * (t == CJ_OBJECT ? 2 : 1);
		int			c = ctem_cj_first(d, idx);

		for (int i = 0; i < n; i++)
		{
			if (c <= idx || c >= d->n)
				abort();
			if (t == CJ_OBJECT && i % 2 == 0 && ctem_cj_type(d, c) != CJ_STRING)
				abort();
			walk(d, c, depth + 1);
			c = ctem_cj_next(d, c);
		}
		if (n > 0 && c != idx + (int) d->nodes[idx].size)
			abort();
	}
}

/* the end of the value at 0 read by way (0 parse, 1 skip, 2 stream), or 0 */
static size_t
read_value(const uint8_t *data, size_t size, int way, CjDoc *d)
{
	CjReader	r;
	volatile size_t end = 0;

	memset(&r, 0, sizeof(r));
	r.buf = (const char *) data;
	r.len = size;
	if (setjmp(r.jb) != 0)
	{
		if (r.message[0] == '\0' || (r.code != CJ_EMALFORMED && r.code != CJ_ENOMEM))
			abort();
		return 0;
	}
	if (way == 0)
	{
		int			root;

		end = ctem_cj_parse(&r, 0, d, &root);
		walk(d, root, 0);
	}
	else if (way == 1)
		end = ctem_cj_skip(&r, 0);
	else
	{
		size_t		pos = ctem_cj_ws(&r, 0);
		CjIter		it;

		if (pos < size && (data[pos] == '[' || data[pos] == '{'))
		{
			ctem_cj_iter_begin(&r, pos, (char) data[pos], &it);
			while (ctem_cj_iter_next(&r, &it))
				;
			end = it.pos;
		}
		else
			end = ctem_cj_skip(&r, pos);
	}
	return end;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CjDoc		d;
	size_t		e0,
				e1,
				e2;

	memset(&d, 0, sizeof(d));
	e0 = read_value(data, size, 0, &d);
	e1 = read_value(data, size, 1, NULL);
	e2 = read_value(data, size, 2, NULL);
	/*
	 * A stream skips each element from depth 0, so it may accept one level
	 * of nesting more than a parse: only a valid value must end alike.
	 */
	if (e0 != e1 || (e1 != 0 && e2 != e1))
		abort();
	ctem_cj_doc_free(&d);
	return 0;
}
