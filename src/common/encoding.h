/*-------------------------------------------------------------------------
 *
 * encoding.h
 *		Text between the UTF-8 the parsing cores read and write and the
 *		database's encoding.
 *
 * JSON is UTF-8, so the cores parse UTF-8 and emit UTF-8.  A database in
 * another encoding gets its text arguments in that encoding and must store
 * text in it: ctem_text_to_utf8() converts what a function receives before
 * a core parses it, ctem_utf8_to_db() what a core emits before it is
 * stored (refusing, with PostgreSQL's own 22P05 error, a character the
 * encoding has no equivalent for).  In a UTF8 (or SQL_ASCII) database
 * nothing is converted: ctem_db_is_utf8() tells, and the callers test it
 * once per call.
 *
 * src/common/encoding.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_ENCODING_H
#define CTEM_ENCODING_H

#include "mb/pg_wchar.h"

/*
 * Whether the database's text is UTF-8 as the cores read and write it:
 * UTF8, or SQL_ASCII, where bytes are stored as they are (as PostgreSQL
 * does there).
 */
static inline bool
ctem_db_is_utf8(void)
{
	int			enc = GetDatabaseEncoding();

	return enc == PG_UTF8 || enc == PG_SQL_ASCII;
}

/* whether s[0..len) is ASCII (then it is the same text in every encoding) */
extern bool ctem_is_ascii(const char *s, size_t len);

/*
 * s[0..len), text in the database's encoding, as UTF-8: s itself when it
 * is already (a UTF-8 database, or ASCII), else a palloc'd copy, converted
 * piece by piece (so any text value converts, however large).  *outlen is
 * the result's length.
 */
extern const char *ctem_text_to_utf8(const char *s, size_t len, size_t *outlen);

/*
 * UTF-8 s[0..len) in the database's encoding: s itself when nothing
 * changes, else a NUL-terminated palloc'd copy.  A character the database
 * encoding cannot represent is an ERROR with SQLSTATE 22P05
 * (untranslatable_character), PostgreSQL's own; but U+FFFD, the
 * replacement character (the reader's stand-in for a \u0000), becomes "?"
 * in an encoding without it.  outlen may be NULL.
 */
extern char *ctem_utf8_to_db(const char *s, size_t len, size_t *outlen);

/* ctem_utf8_to_db() of a NUL-terminated string; NULL stays NULL */
extern char *ctem_utf8_to_db_str(const char *s);

/*
 * The same for ctem's own texts (the explanation's formula, messages that
 * quote a report): a character the encoding cannot represent, or an
 * invalid byte, becomes an ASCII stand-in ("x" for U+00D7, "-" for the
 * dashes and U+2212, "?" otherwise) instead of an error.
 */
extern char *ctem_utf8_to_db_lenient(const char *s, size_t len, size_t *outlen);

#endif							/* CTEM_ENCODING_H */
