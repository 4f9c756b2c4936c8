/*-------------------------------------------------------------------------
 *
 * fuzz_cvss.c
 *	  libFuzzer harness for the CVSS core (src/core/cvss_core.c).
 *
 * Every input is parsed.  An accepted vector must format to a canonical
 * text that reparses to an identical struct (same values, same scores),
 * whose own canonical text is the same again; every accessor is called and
 * its result checked for sanity.  A rejected input must leave the output
 * zeroed and produce a complete, NUL-terminated error report.  Inputs of
 * exactly sizeof(CtemCvss) bytes are also treated as an untrusted on-disk
 * struct and run through ctem_cvss_rescore() and the accessors.
 *
 * Build and run (clang 14, libclang-rt-14-dev):
 *	clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *		test/fuzz/fuzz_cvss.c src/core/cvss_core.c -o fuzz_cvss
 *	./fuzz_cvss -dict=cvss.dict -runs=10000000 seeds/
 *
 * test/fuzz/fuzz_cvss.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cvss_core.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz_cvss: check failed at line %d: %s\n", \
					__LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* a NUL-terminated string of printable ASCII, shorter than size */
static void
check_text(const char *s, size_t size)
{
	size_t		n = strnlen(s, size);
	size_t		k;

	CHECK(n < size);
	for (k = 0; k < n; k++)
		CHECK(s[k] >= 0x20 && s[k] < 0x7f);
}

/* accessors that must work on any struct, valid or not */
static void
check_accessors(const CtemCvss *c)
{
	static const char *const names[] = {
		"AV", "AC", "Au", "AT", "PR", "UI", "S", "C", "I", "A", "E", "RL",
		"RC", "CDP", "TD", "CR", "IR", "AR", "MAV", "MSI", "U", "", "ZZZZ",
		NULL
	};
	char		buf[CTEM_CVSS_MAX_TEXT];
	char		tiny[3];
	char		mv[7];
	const char *value;
	size_t		n;
	int			i;

	n = ctem_cvss_format(c, buf, sizeof(buf));
	CHECK(n < sizeof(buf) && strlen(buf) == n);
	CHECK(ctem_cvss_format(c, tiny, sizeof(tiny)) == n);
	CHECK(strlen(tiny) == (n < 2 ? n : 2));
	CHECK(ctem_cvss_format(c, NULL, 0) == n);
	(void) ctem_cvss_version_text(c);
	for (i = -2; i <= 102; i++)
		(void) ctem_cvss_severity_text(c, i);
	(void) ctem_cvss_nomenclature(c);
	if (ctem_cvss_macrovector(c, mv))
	{
		CHECK(strlen(mv) == 6);
		for (i = 0; i < 6; i++)
			CHECK(mv[i] >= '0' && mv[i] <= '2');
	}
	for (i = 0; names[i] != NULL; i++)
	{
		int			r = ctem_cvss_metric(c, names[i], &value);

		CHECK(r >= -1 && r <= 1);
		CHECK((r == 1) == (value != NULL));
	}
	CHECK(ctem_cvss_compare(c, c) == 0);
	CHECK(ctem_cvss_equal(c, c));
}

static void
check_scores(const CtemCvss *c)
{
	CHECK(c->flags == 0);
	CHECK(c->score10 >= 0 && c->score10 <= 100);
	CHECK(c->base10 >= 0 && c->base10 <= 100);
	CHECK(c->temporal10 >= -1 && c->temporal10 <= 100);
	CHECK(c->env10 >= -1 && c->env10 <= 100);
	CHECK(ctem_cvss_severity_text(c, c->score10) != NULL);
	if (c->version == CTEM_CVSS_V40)
	{
		CHECK(c->temporal10 == -1 && c->env10 == -1);
		CHECK(ctem_cvss_nomenclature(c) != NULL);
	}
	else
	{
		CHECK(c->score10 == c->base10);
		CHECK(ctem_cvss_nomenclature(c) == NULL);
		if (c->version != CTEM_CVSS_V2)
			CHECK(c->temporal10 >= 0 && c->env10 >= 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *str = (const char *) data;
	CtemCvss	c;
	CtemCvssError err;

	memset(&err, 0xA5, sizeof(err));
	if (ctem_cvss_parse(str, size, &c, &err))
	{
		char		canon[CTEM_CVSS_MAX_TEXT];
		char		canon2[CTEM_CVSS_MAX_TEXT];
		CtemCvss	re;
		CtemCvss	copy;
		size_t		n;

		CHECK(c.version >= CTEM_CVSS_V2 && c.version <= CTEM_CVSS_V40);
		check_scores(&c);
		check_accessors(&c);

		/* canonical text reparses to the identical struct */
		n = ctem_cvss_format(&c, canon, sizeof(canon));
		CHECK(n == size);
		CHECK(ctem_cvss_parse(canon, n, &re, &err));
		CHECK(ctem_cvss_equal(&c, &re));
		CHECK(ctem_cvss_compare(&c, &re) == 0);
		CHECK(memcmp(&c, &re, sizeof(c)) == 0);
		CHECK(re.score10 == c.score10 && re.base10 == c.base10 &&
			  re.temporal10 == c.temporal10 && re.env10 == c.env10);
		CHECK(ctem_cvss_format(&re, canon2, sizeof(canon2)) == n);
		CHECK(strcmp(canon, canon2) == 0);

		/* rescoring a valid struct changes nothing */
		copy = c;
		CHECK(ctem_cvss_rescore(&copy));
		CHECK(memcmp(&copy, &c, sizeof(c)) == 0);
	}
	else
	{
		static const CtemCvss zero;

		CHECK(memcmp(&c, &zero, sizeof(c)) == 0);
		CHECK(ctem_cvss_error_code_text(err.code) != NULL);
		CHECK(err.code != 0);
		CHECK(err.position >= 0 && (size_t) err.position <= size);
		check_text(err.component, sizeof(err.component));
		check_text(err.detail, sizeof(err.detail));
		check_text(err.hint, sizeof(err.hint));
		CHECK(err.detail[0] >= 'A' && err.detail[0] <= 'Z');
		CHECK(err.detail[strlen(err.detail) - 1] == '.');
		CHECK(err.hint[0] >= 'A' && err.hint[0] <= 'Z');
		CHECK(err.hint[strlen(err.hint) - 1] == '.');
		/* without an error report the answer is the same */
		CHECK(!ctem_cvss_parse(str, size, &c, NULL));
	}

	/* the same bytes as an untrusted stored struct */
	if (size == sizeof(CtemCvss))
	{
		CtemCvss	raw;

		memcpy(&raw, data, sizeof(raw));
		check_accessors(&raw);
		if (ctem_cvss_rescore(&raw))
		{
			char		canon[CTEM_CVSS_MAX_TEXT];
			CtemCvss	re;
			size_t		n;

			check_scores(&raw);
			n = ctem_cvss_format(&raw, canon, sizeof(canon));
			CHECK(ctem_cvss_parse(canon, n, &re, &err));
			CHECK(memcmp(&raw, &re, sizeof(raw)) == 0);
		}
	}
	return 0;
}
