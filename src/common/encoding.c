/*-------------------------------------------------------------------------
 *
 * encoding.c
 *		Text between the UTF-8 the parsing cores read and write and the
 *		database's encoding (see encoding.h).
 *
 * The conversions are PostgreSQL's own (pg_server_to_any,
 * pg_any_to_server, the default conversion procedure), so a character
 * without an equivalent is refused with the same error as anywhere in
 * PostgreSQL, and ASCII text, the same bytes in every server encoding, is
 * never converted.
 *
 * src/common/encoding.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "common/encoding.h"

/* the server-encoded text converted at a time by ctem_text_to_utf8() */
#define TO_UTF8_CHUNK (1024 * 1024)

bool
ctem_is_ascii(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;

	while (end - p >= 8)
	{
		uint64		w;

		memcpy(&w, p, sizeof(w));
		if (w & UINT64CONST(0x8080808080808080))
			return false;
		p += 8;
	}
	while (p < end)
		if (*p++ & 0x80)
			return false;
	return true;
}

const char *
ctem_text_to_utf8(const char *s, size_t len, size_t *outlen)
{
	size_t		ascii = 0;
	size_t		cap;
	size_t		n;
	char	   *out;

	*outlen = len;
	if (ctem_db_is_utf8())
		return s;
	/* the ASCII prefix (often all of it) is the same in UTF-8 */
	while (ascii + 8 <= len && ctem_is_ascii(s + ascii, 8))
		ascii += 8;
	while (ascii < len && !((unsigned char) s[ascii] & 0x80))
		ascii++;
	if (ascii == len)
		return s;

	cap = len + len / 4 + 16;
	out = MemoryContextAllocHuge(CurrentMemoryContext, cap);
	memcpy(out, s, ascii);
	n = ascii;
	while (ascii < len)
	{
		int			chunk = pg_mbcliplen(s + ascii, (int) Min(len - ascii, (size_t) 2 * TO_UTF8_CHUNK),
										 TO_UTF8_CHUNK);
		char	   *conv;
		size_t		clen;

		if (chunk <= 0)
			chunk = (int) Min(len - ascii, (size_t) TO_UTF8_CHUNK);
		conv = pg_server_to_any(s + ascii, chunk, PG_UTF8);
		clen = conv == s + ascii ? (size_t) chunk : strlen(conv);
		if (n + clen + 1 > cap)
		{
			cap = Max(cap * 2, n + clen + 1);
			out = repalloc_huge(out, cap);
		}
		memcpy(out + n, conv, clen);
		n += clen;
		if (conv != s + ascii)
			pfree(conv);
		ascii += chunk;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* the default conversion from UTF-8 to the database's encoding */
static Oid
to_db_proc(void)
{
	static Oid	proc = InvalidOid;
	static int	proc_encoding = -1;
	int			enc = GetDatabaseEncoding();

	if (proc_encoding != enc)
	{
		proc = FindDefaultConversionProc(PG_UTF8, enc);
		if (!OidIsValid(proc))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("default conversion function for encoding \"%s\" to \"%s\" does not exist",
							pg_encoding_to_char(PG_UTF8), pg_encoding_to_char(enc))));
		proc_encoding = enc;
	}
	return proc;
}

/* whether UTF-8 s[0..len) has U+FFFD */
static bool
has_fffd(const char *s, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++)
		if (s[i] == '\xef' && s[i + 1] == '\xbf' && s[i + 2] == '\xbd')
			return true;
	return false;
}

/* whether the database's encoding has U+FFFD, the replacement character */
static bool
db_has_fffd(void)
{
	static int	known_encoding = -1;
	static bool has;
	int			enc = GetDatabaseEncoding();

	if (known_encoding != enc)
	{
		unsigned char src[] = "\xef\xbf\xbd";
		unsigned char dst[3 * MAX_CONVERSION_GROWTH + 1];

		has = pg_do_encoding_conversion_buf(to_db_proc(), PG_UTF8, enc, src, 3,
											dst, sizeof(dst), true) == 3;
		known_encoding = enc;
	}
	return has;
}

char *
ctem_utf8_to_db(const char *s, size_t len, size_t *outlen)
{
	char	   *r;

	if (outlen != NULL)
		*outlen = len;
	if (ctem_db_is_utf8() || ctem_is_ascii(s, len))
		return unconstify(char *, s);

	/*
	 * U+FFFD says a character is unknown (the reader puts it for a \u0000,
	 * which text cannot hold): "?" says the same where the encoding has no
	 * U+FFFD, rather than refusing the report.
	 */
	if (has_fffd(s, len) && !db_has_fffd())
	{
		char	   *q = palloc(len + 1);
		size_t		n = 0;

		for (size_t i = 0; i < len; i++)
		{
			if (i + 2 < len && memcmp(s + i, "\xef\xbf\xbd", 3) == 0)
			{
				q[n++] = '?';
				i += 2;
			}
			else
				q[n++] = s[i];
		}
		q[n] = '\0';
		s = q;
		len = n;
		if (outlen != NULL)
			*outlen = len;
		if (ctem_is_ascii(s, len))
			return q;
	}
	r = pg_any_to_server(s, (int) len, PG_UTF8);
	if (outlen != NULL)
		*outlen = r == s ? len : strlen(r);
	return r;
}

char *
ctem_utf8_to_db_str(const char *s)
{
	return s == NULL ? NULL : ctem_utf8_to_db(s, strlen(s), NULL);
}

/* the ASCII stand-in of a character the database encoding lacks */
static const char *
stand_in(pg_wchar c)
{
	switch (c)
	{
		case 0x00D7:			/* multiplication sign */
			return "x";
		case 0x2010:			/* hyphen */
		case 0x2011:
		case 0x2012:
		case 0x2013:			/* en dash */
		case 0x2014:			/* em dash */
		case 0x2212:			/* minus sign */
			return "-";
		default:
			return "?";
	}
}

char *
ctem_utf8_to_db_lenient(const char *s, size_t len, size_t *outlen)
{
	int			enc = GetDatabaseEncoding();
	StringInfoData buf;
	unsigned char *dst;
	size_t		pos = 0;
	Oid			proc;

	if (outlen != NULL)
		*outlen = len;
	if (ctem_db_is_utf8() || ctem_is_ascii(s, len))
		return unconstify(char *, s);
	proc = to_db_proc();
	initStringInfo(&buf);
	dst = palloc(len * MAX_CONVERSION_GROWTH + 1);
	while (pos < len)
	{
		int			done = pg_do_encoding_conversion_buf(proc, PG_UTF8, enc,
														 (unsigned char *) s + pos,
														 (int) (len - pos), dst,
														 (int) (len * MAX_CONVERSION_GROWTH + 1),
														 true);

		appendStringInfoString(&buf, (char *) dst);
		pos += done;
		if (pos < len)
		{
			/* a character without an equivalent, or an invalid byte */
			const unsigned char *c = (const unsigned char *) s + pos;
			int			l = pg_utf_mblen(c);

			if (l <= (int) (len - pos) && pg_utf8_islegal(c, l))
			{
				appendStringInfoString(&buf, stand_in(utf8_to_unicode(c)));
				pos += l;
			}
			else
			{
				appendStringInfoChar(&buf, '?');
				pos++;
			}
		}
	}
	pfree(dst);
	if (outlen != NULL)
		*outlen = buf.len;
	return buf.data;
}
