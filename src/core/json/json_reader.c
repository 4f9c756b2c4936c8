/*-------------------------------------------------------------------------
 *
 * json_reader.c
 *	  Streaming, validating, zero-allocation-per-byte JSON reader
 *	  (json_reader.h): the reader of every scanner report.
 *
 * The reader works on the whole input held in memory.  It offers three
 * ways through a value: a validating skip, a fast bracket-matching skip
 * (used only for values that are parsed strictly later) and a parse into
 * a CjDoc node array.  Streamed arrays and objects are walked with CjIter,
 * so a report is converted one finding at a time and memory stays
 * proportional to the largest finding, not to the report.
 *
 * Validation follows RFC 8259 as jansson does: UTF-8 is checked, control
 * characters in strings (a raw NUL byte among them), bad escapes and lone
 * surrogates are rejected, numbers follow the JSON grammar, nesting is
 * limited.  Unlike jansson, the escape \u0000 is accepted, as RFC 8259
 * allows: real reports carry it (Grype's JDK versions).  A decoded string
 * gets U+FFFD in its place, and the node is listed in the document's nuls[]
 * (json_reader.h); a skipped value is not decoded.
 *
 * src/core/json/json_reader.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/json/json_reader.h"

/* ---- failures ---- */

void
ctem_cj_fail(CjReader *r, int code, size_t pos, const char *fmt,...)
{
	char		message[sizeof(r->message)];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (r->fail != NULL)
		r->fail(r, code, pos, message);
	r->code = code;
	r->pos = pos;
	memcpy(r->message, message, sizeof(message));
	longjmp(r->jb, 1);
}

/* ---- allocation ---- */

static CjAllocFn cur_alloc = NULL;
static CjFreeFn cur_free = NULL;

void
ctem_cj_set_allocator(CjAllocFn alloc, CjFreeFn free_fn)
{
	cur_alloc = alloc;
	cur_free = free_fn;
}

void *
ctem_cj_alloc(CjReader *r, size_t n)
{
	void	   *p = cur_alloc ? cur_alloc(n) : malloc(n);

	if (p == NULL)
	{
		if (r)
			ctem_cj_fail(r, CJ_ENOMEM, (size_t) -1,
					  "Out of memory while reading JSON (%zu bytes requested).",
					  n);
		return NULL;
	}
	return p;
}

void
ctem_cj_free(void *p)
{
	if (p == NULL)
		return;
	if (cur_free)
		cur_free(p);
	else
		free(p);
}

static void *
arena_raw(CjReader *r, CtemArena *a, size_t n, bool align)
{
	CtemArenaChunk *h = a->head;
	char	   *p;

	if (h && align)
		h->used = (h->used + 7) & ~(size_t) 7;
	if (h == NULL || h->used > h->size || h->size - h->used < n)
	{
		size_t		sz = h ? h->size * 2 : 8192;
		CtemArenaChunk *nc;

		if (sz > ((size_t) 1 << 20))
			sz = (size_t) 1 << 20;
		if (sz < n)
			sz = n;
		nc = ctem_cj_alloc(r, sizeof(CtemArenaChunk) + sz);
		nc->next = h;
		nc->size = sz;
		nc->used = 0;
		a->head = nc;
		h = nc;
	}
	p = h->data + h->used;
	h->used += n;
	return p;
}

void *
ctem_arena_alloc(CjReader *r, CtemArena *a, size_t n)
{
	return arena_raw(r, a, n ? n : 1, true);
}

/* copy n bytes of s plus a NUL; with s == NULL only reserve n + 1 bytes */
char *
ctem_arena_strndup(CjReader *r, CtemArena *a, const char *s, size_t n)
{
	char	   *p = arena_raw(r, a, n + 1, false);

	if (s)
	{
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* keep the newest chunk for reuse, free the others */
void
ctem_arena_reset(CtemArena *a)
{
	CtemArenaChunk *h = a->head;
	CtemArenaChunk *n;

	if (h == NULL)
		return;
	n = h->next;
	while (n)
	{
		CtemArenaChunk *next = n->next;

		ctem_cj_free(n);
		n = next;
	}
	h->next = NULL;
	h->used = 0;
}

void
ctem_arena_free(CtemArena *a)
{
	CtemArenaChunk *h = a->head;

	while (h)
	{
		CtemArenaChunk *next = h->next;

		ctem_cj_free(h);
		h = next;
	}
	a->head = NULL;
}

/* ---- positions ---- */

void
ctem_position(const char *buf, size_t len, size_t pos, int *line, int *column)
{
	size_t		i;
	size_t		bol = 0;
	int			l = 1;
	int			col = 1;

	if (pos > len)
		pos = len;
	for (i = 0; i < pos; i++)
		if (buf[i] == '\n')
		{
			l++;
			bol = i + 1;
		}
	for (i = bol; i < pos; i++)
		if (((unsigned char) buf[i] & 0xC0) != 0x80)
			col++;
	*line = l;
	*column = col;
}

/* ---- reading ---- */

/* string byte classes: 0 plain, 1 quote, 2 backslash, 3 control, 4 high */
static unsigned char strclass[256];

static bool tables_ready = false;

static size_t parse_value(CjReader *c, size_t pos, CjDoc *d, int depth);

static void
init_tables(void)
{
	int			i;

	if (tables_ready)
		return;
	for (i = 0; i < 256; i++)
	{
		strclass[i] = (i < 0x20) ? 3 : (i >= 0x80) ? 4 : 0;
	}
	strclass['"'] = 1;
	strclass['\\'] = 2;
	tables_ready = true;
}

/* describe the byte at pos for an error message */
static const char *
describe_byte(CjReader *c, size_t pos, char *buf, size_t bufsize)
{
	unsigned char ch;

	if (pos >= c->len)
		return "the end of the input";
	ch = (unsigned char) c->buf[pos];
	if (ch >= 0x21 && ch < 0x7f)
		snprintf(buf, bufsize, "'%c'", ch);
	else
		snprintf(buf, bufsize, "byte 0x%02X", ch);
	return buf;
}

/* report a syntax error at pos */
void
ctem_cj_syntax_error(CjReader *c, size_t pos, const char *what)
{
	char		b[32];

	ctem_cj_fail(c, CJ_EMALFORMED, pos,
			  "The report is not valid JSON: %s, found %s.",
			  what, describe_byte(c, pos, b, sizeof(b)));
}

/* ctem_cj_ws() past whitespace (report_int.h) */
size_t
ctem_cj_ws_run(CjReader *c, size_t pos)
{
	const char *b = c->buf;
	size_t		len = c->len;

	while (pos < len)
	{
		char		ch = b[pos];

		if (ch == ' ' || ch == '\r' || ch == '\t')
			pos++;
		else if (ch == '\n')
		{
			/* indentation: sixteen (SSE2), then eight spaces at a time */
			pos++;
#ifdef __SSE2__
			while (len - pos >= 16)
			{
				__m128i		v = _mm_loadu_si128((const __m128i *) (b + pos));
				unsigned int sp = (unsigned int)
					_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));

				if (sp != 0xFFFF)
				{
					pos += __builtin_ctz(~sp);
					break;
				}
				pos += 16;
			}
#endif
			while (len - pos >= 8)
			{
				uint64_t	w;

				memcpy(&w, b + pos, 8);
				if (w != UINT64_C(0x2020202020202020))
					break;
				pos += 8;
			}
		}
		else
			break;
	}
	return pos;
}

/* length of a valid UTF-8 sequence of two or more bytes at p, else 0 */
static int
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned int c0 = p[0];
	unsigned int lo = 0x80,
				hi = 0xBF;

	if (c0 < 0xC2)
		return 0;
	if (c0 < 0xE0)
	{
		if (end - p < 2 || p[1] < 0x80 || p[1] > 0xBF)
			return 0;
		return 2;
	}
	if (c0 < 0xF0)
	{
		if (c0 == 0xE0)
			lo = 0xA0;
		if (c0 == 0xED)
			hi = 0x9F;
		if (end - p < 3 || p[1] < lo || p[1] > hi ||
			p[2] < 0x80 || p[2] > 0xBF)
			return 0;
		return 3;
	}
	if (c0 < 0xF5)
	{
		if (c0 == 0xF0)
			lo = 0x90;
		if (c0 == 0xF4)
			hi = 0x8F;
		if (end - p < 4 || p[1] < lo || p[1] > hi ||
			p[2] < 0x80 || p[2] > 0xBF || p[3] < 0x80 || p[3] > 0xBF)
			return 0;
		return 4;
	}
	return 0;
}

static int
hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* read 4 hex digits at p (bounds checked by the caller); -1 if invalid */
static long
hex4(const unsigned char *p)
{
	long		v = 0;
	int			i;

	for (i = 0; i < 4; i++)
	{
		int			h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = (v << 4) | h;
	}
	return v;
}

/*
 * Validate the string starting with the quote at pos.  Returns the offset
 * after the closing quote; *esc tells whether it contains escapes.
 */
static size_t
scan_string(CjReader *c, size_t pos, bool *esc)
{
	const unsigned char *b = (const unsigned char *) c->buf;
	const unsigned char *end = b + c->len;
	size_t		len = c->len;
	size_t		p = pos + 1;

	for (;;)
	{
#ifdef __SSE2__
		/*
		 * sixteen bytes at a time: a signed compare below 0x20 finds both the
		 * control characters and the bytes of 0x80 and above (UTF-8)
		 */
		while (len - p >= 16)
		{
			__m128i		v = _mm_loadu_si128((const __m128i *) (b + p));
			__m128i		m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
													  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
										 _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
			unsigned int hit = (unsigned int) _mm_movemask_epi8(m);

			if (hit != 0)
			{
				p += __builtin_ctz(hit);
				goto special;
			}
			p += 16;
		}
#endif
		/* eight plain ASCII bytes at a time */
		while (len - p >= 8)
		{
			uint64_t	w,
						t;

			memcpy(&w, b + p, 8);
			t = ((w ^ UINT64_C(0x2222222222222222)) - UINT64_C(0x0101010101010101)) &
				~(w ^ UINT64_C(0x2222222222222222));
			t |= ((w ^ UINT64_C(0x5C5C5C5C5C5C5C5C)) - UINT64_C(0x0101010101010101)) &
				~(w ^ UINT64_C(0x5C5C5C5C5C5C5C5C));
			t |= (w - UINT64_C(0x2020202020202020)) & ~w;
			t |= w;
			if (t & UINT64_C(0x8080808080808080))
				break;
			p += 8;
		}
		while (p < len && strclass[b[p]] == 0)
			p++;
#ifdef __SSE2__
special:
#endif
		if (p >= len)
			ctem_cj_syntax_error(c, p, "a string is not terminated");
		switch (strclass[b[p]])
		{
			case 1:
				return p + 1;
			case 2:
				{
					unsigned char e;

					*esc = true;
					if (p + 1 >= len)
						ctem_cj_syntax_error(c, p + 1,
											 "an escape sequence is not complete");
					e = b[p + 1];
					if (e == '"' || e == '\\' || e == '/' || e == 'b' ||
						e == 'f' || e == 'n' || e == 'r' || e == 't')
					{
						p += 2;
						break;
					}
					if (e != 'u')
						ctem_cj_syntax_error(c, p + 1,
											 "a string contains an invalid escape");
					{
						long		u;

						if (p + 6 > len || (u = hex4(b + p + 2)) < 0)
							ctem_cj_syntax_error(c, p,
												 "a \\u escape needs four hex digits");
						if (u >= 0xDC00 && u <= 0xDFFF)
							ctem_cj_syntax_error(c, p,
												 "a string contains a lone low surrogate");
						if (u >= 0xD800 && u <= 0xDBFF)
						{
							long		l;

							if (p + 12 > len || b[p + 6] != '\\' ||
								b[p + 7] != 'u' ||
								(l = hex4(b + p + 8)) < 0xDC00 || l > 0xDFFF)
								ctem_cj_syntax_error(c, p,
													 "a string contains a lone high surrogate");
							p += 12;
						}
						else
							p += 6;
					}
					break;
				}
			case 3:
				ctem_cj_syntax_error(c, p,
									 "a string contains an unescaped control character");
				break;
			default:
				{
					int			n = utf8_seq(b + p, end);

					if (n == 0)
						ctem_cj_syntax_error(c, p,
											 "a string is not valid UTF-8");
					p += n;
					break;
				}
		}
	}
}

static void
put_utf8(char **o, long u)
{
	char	   *q = *o;

	if (u < 0x80)
		*q++ = (char) u;
	else if (u < 0x800)
	{
		*q++ = (char) (0xC0 | (u >> 6));
		*q++ = (char) (0x80 | (u & 0x3F));
	}
	else if (u < 0x10000)
	{
		*q++ = (char) (0xE0 | (u >> 12));
		*q++ = (char) (0x80 | ((u >> 6) & 0x3F));
		*q++ = (char) (0x80 | (u & 0x3F));
	}
	else
	{
		*q++ = (char) (0xF0 | (u >> 18));
		*q++ = (char) (0x80 | ((u >> 12) & 0x3F));
		*q++ = (char) (0x80 | ((u >> 6) & 0x3F));
		*q++ = (char) (0x80 | (u & 0x3F));
	}
	*o = q;
}

/*
 * Decode the validated string body [s, e) (escapes present) into out; a
 * \u0000 becomes U+FFFD (six bytes of input, three of output) and sets
 * *nul
 */
static size_t
decode_string(const unsigned char *s, const unsigned char *e, char *out,
			  bool *nul)
{
	char	   *o = out;

	while (s < e)
	{
		if (*s != '\\')
		{
			*o++ = (char) *s++;
			continue;
		}
		switch (s[1])
		{
			case 'b':
				*o++ = '\b';
				s += 2;
				break;
			case 'f':
				*o++ = '\f';
				s += 2;
				break;
			case 'n':
				*o++ = '\n';
				s += 2;
				break;
			case 'r':
				*o++ = '\r';
				s += 2;
				break;
			case 't':
				*o++ = '\t';
				s += 2;
				break;
			case 'u':
				{
					long		u = hex4(s + 2);

					s += 6;
					if (u >= 0xD800 && u <= 0xDBFF)
					{
						long		l = hex4(s + 2);

						u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
						s += 6;
					}
					if (u == 0)
					{
						u = 0xFFFD;
						*nul = true;
					}
					put_utf8(&o, u);
					break;
				}
			default:
				*o++ = (char) s[1];
				s += 2;
				break;
		}
	}
	*o = '\0';
	return o - out;
}

/* copy the string token [pos, end) into d's arena as a C string */
static const char *
string_text(CjReader *c, CtemArena *a, size_t pos, size_t end, bool esc,
			uint32_t *outlen, bool *nul)
{
	const unsigned char *s = (const unsigned char *) c->buf + pos + 1;
	const unsigned char *e = (const unsigned char *) c->buf + end - 1;
	size_t		n = e - s;
	char	   *out = ctem_arena_strndup(c, a, NULL, n);

	if (!esc)
	{
		memcpy(out, s, n);
		out[n] = '\0';
	}
	else
		n = decode_string(s, e, out, nul);
	*outlen = (uint32_t) n;
	return out;
}

static size_t
scan_number(CjReader *c, size_t pos)
{
	const char *b = c->buf;
	size_t		len = c->len;
	size_t		p = pos;

	if (b[p] == '-')
		p++;
	if (p >= len || b[p] < '0' || b[p] > '9')
		ctem_cj_syntax_error(c, p, "a number needs a digit");
	if (b[p] == '0')
		p++;
	else
		while (p < len && b[p] >= '0' && b[p] <= '9')
			p++;
	if (p < len && b[p] == '.')
	{
		p++;
		if (p >= len || b[p] < '0' || b[p] > '9')
			ctem_cj_syntax_error(c, p, "a fraction needs a digit");
		while (p < len && b[p] >= '0' && b[p] <= '9')
			p++;
	}
	if (p < len && (b[p] == 'e' || b[p] == 'E'))
	{
		p++;
		if (p < len && (b[p] == '+' || b[p] == '-'))
			p++;
		if (p >= len || b[p] < '0' || b[p] > '9')
			ctem_cj_syntax_error(c, p, "an exponent needs a digit");
		while (p < len && b[p] >= '0' && b[p] <= '9')
			p++;
	}
	return p;
}

static int
add_node(CjReader *c, CjDoc *d, int type, size_t off)
{
	CjNode	   *n;

	if (d->n >= d->cap)
	{
		int			ncap = d->cap ? d->cap * 2 : 256;
		CjNode	   *nn;

		if (ncap > (1 << 28))
			ctem_cj_fail(c, CJ_ENOMEM, off,
					  "A JSON value of the report has too many elements.");
		nn = ctem_cj_alloc(c, sizeof(CjNode) * (size_t) ncap);
		if (d->n > 0)
			memcpy(nn, d->nodes, sizeof(CjNode) * (size_t) d->n);
		ctem_cj_free(d->nodes);
		d->nodes = nn;
		d->cap = ncap;
	}
	n = &d->nodes[d->n];
	n->type = (uint8_t) type;
	n->size = 1;
	n->count = 0;
	n->off = off;
	n->s = NULL;
	return d->n++;
}

/* list node i in d->nuls: its text had a \u0000 replaced */
static void
note_nul(CjReader *c, CjDoc *d, int i)
{
	c->nnul++;
	if (d->nnuls >= d->capnuls)
	{
		int			ncap = d->capnuls ? d->capnuls * 2 : 8;
		int		   *nn = ctem_arena_alloc(c, &d->arena, sizeof(int) * (size_t) ncap);

		if (d->nnuls > 0)
			memcpy(nn, d->nuls, sizeof(int) * (size_t) d->nnuls);
		d->nuls = nn;
		d->capnuls = ncap;
	}
	d->nuls[d->nnuls++] = i;
}

static void
add_string(CjReader *c, CjDoc *d, size_t pos, size_t end, bool esc)
{
	int			i = add_node(c, d, CJ_STRING, pos);
	uint32_t	n;
	bool		nul = false;
	const char *s = string_text(c, &d->arena, pos, end, esc, &n, &nul);

	d->nodes[i].s = s;
	d->nodes[i].count = n;
	if (nul)
		note_nul(c, d, i);
}

static size_t
parse_container(CjReader *c, size_t pos, CjDoc *d, int depth)
{
	const char *b = c->buf;
	size_t		len = c->len;
	bool		isobj = (b[pos] == '{');
	char		close = isobj ? '}' : ']';
	int			self = -1;
	uint32_t	count = 0;

	if (depth >= CTEM_CJ_MAX_DEPTH)
		ctem_cj_syntax_error(c, pos, "values are nested too deeply");
	if (d)
		self = add_node(c, d, isobj ? CJ_OBJECT : CJ_ARRAY, pos);
	pos = ctem_cj_ws(c, pos + 1);
	if (pos < len && b[pos] == close)
		pos++;
	else
	{
		for (;;)
		{
			if (isobj)
			{
				bool		esc = false;
				size_t		e;

				if (pos >= len || b[pos] != '"')
					ctem_cj_syntax_error(c, pos,
										 "an object member must start with a string key");
				e = scan_string(c, pos, &esc);
				if (d)
					add_string(c, d, pos, e, esc);
				pos = ctem_cj_ws(c, e);
				if (pos >= len || b[pos] != ':')
					ctem_cj_syntax_error(c, pos,
										 "':' was expected after an object key");
				pos++;
			}
			pos = parse_value(c, pos, d, depth + 1);
			count++;
			pos = ctem_cj_ws(c, pos);
			if (pos < len && b[pos] == ',')
			{
				pos = ctem_cj_ws(c, pos + 1);
				continue;
			}
			if (pos < len && b[pos] == close)
			{
				pos++;
				break;
			}
			ctem_cj_syntax_error(c, pos, isobj ?
								 "',' or '}' was expected after an object member" :
								 "',' or ']' was expected after an array element");
		}
	}
	if (d)
	{
		d->nodes[self].size = (uint32_t) (d->n - self);
		d->nodes[self].count = count;
	}
	return pos;
}

static size_t
parse_value(CjReader *c, size_t pos, CjDoc *d, int depth)
{
	const char *b = c->buf;
	size_t		len = c->len;
	size_t		e;
	char		ch;

	pos = ctem_cj_ws(c, pos);
	if (pos >= len)
		ctem_cj_syntax_error(c, pos, "a value was expected");
	ch = b[pos];
	switch (ch)
	{
		case '{':
		case '[':
			return parse_container(c, pos, d, depth);
		case '"':
			{
				bool		esc = false;

				e = scan_string(c, pos, &esc);
				if (d)
					add_string(c, d, pos, e, esc);
				return e;
			}
		case 't':
			if (len - pos >= 4 && memcmp(b + pos, "true", 4) == 0)
			{
				if (d)
					add_node(c, d, CJ_TRUE, pos);
				return pos + 4;
			}
			break;
		case 'f':
			if (len - pos >= 5 && memcmp(b + pos, "false", 5) == 0)
			{
				if (d)
					add_node(c, d, CJ_FALSE, pos);
				return pos + 5;
			}
			break;
		case 'n':
			if (len - pos >= 4 && memcmp(b + pos, "null", 4) == 0)
			{
				if (d)
					add_node(c, d, CJ_NULL, pos);
				return pos + 4;
			}
			break;
		default:
			if (ch == '-' || (ch >= '0' && ch <= '9'))
			{
				e = scan_number(c, pos);
				if (d)
				{
					int			i = add_node(c, d, CJ_NUMBER, pos);

					d->nodes[i].s = ctem_arena_strndup(c, &d->arena,
													   b + pos, e - pos);
					d->nodes[i].count = (uint32_t) (e - pos);
				}
				return e;
			}
			break;
	}
	ctem_cj_syntax_error(c, pos, "a value was expected");
	return pos;					/* not reached */
}

size_t
ctem_cj_parse(CjReader *c, size_t pos, CjDoc *d, int *root)
{
	init_tables();
	pos = ctem_cj_ws(c, pos);
	*root = d->n;
	return parse_value(c, pos, d, 0);
}

size_t
ctem_cj_skip(CjReader *c, size_t pos)
{
	init_tables();
	return parse_value(c, pos, NULL, 0);
}

/*
 * Skip a value that will be parsed again later.  A bracket-matching skip
 * that does not validate was measured slower (520 MB/s) than the validating
 * skip (800 MB/s) on indented scanner output, so this validates too.
 */
size_t
ctem_cj_fastskip(CjReader *c, size_t pos)
{
	return ctem_cj_skip(c, pos);
}

void
ctem_cj_doc_reset(CjDoc *d)
{
	d->n = 0;
	d->nuls = NULL;				/* in the arena */
	d->nnuls = d->capnuls = 0;
	ctem_arena_reset(&d->arena);
}

void
ctem_cj_doc_free(CjDoc *d)
{
	ctem_cj_free(d->nodes);
	d->nodes = NULL;
	d->n = d->cap = 0;
	d->nuls = NULL;
	d->nnuls = d->capnuls = 0;
	ctem_arena_free(&d->arena);
}

bool
ctem_cj_iter_begin(CjReader *c, size_t pos, char open, CjIter *it)
{
	init_tables();
	pos = ctem_cj_ws(c, pos);
	if (pos >= c->len || c->buf[pos] != open)
		return false;
	it->pos = pos + 1;
	it->valoff = pos;
	it->index = -1;
	it->isobj = (open == '{');
	it->close = it->isobj ? '}' : ']';
	it->first = true;
	it->pending = false;
	it->keylong = false;
	it->key[0] = '\0';
	return true;
}

bool
ctem_cj_iter_next(CjReader *c, CjIter *it)
{
	const char *b = c->buf;
	size_t		len = c->len;
	size_t		p;

	if (it->pending)
	{
		it->pos = ctem_cj_skip(c, it->valoff);
		it->pending = false;
	}
	p = ctem_cj_ws(c, it->pos);
	if (p < len && b[p] == it->close && it->first)
	{
		it->pos = p + 1;
		return false;
	}
	if (!it->first)
	{
		if (p < len && b[p] == it->close)
		{
			it->pos = p + 1;
			return false;
		}
		if (p >= len || b[p] != ',')
			ctem_cj_syntax_error(c, p, it->isobj ?
								 "',' or '}' was expected after an object member" :
								 "',' or ']' was expected after an array element");
		p = ctem_cj_ws(c, p + 1);
	}
	it->first = false;
	if (it->isobj)
	{
		bool		esc = false;
		size_t		e;

		if (p >= len || b[p] != '"')
			ctem_cj_syntax_error(c, p,
								 "an object member must start with a string key");
		e = scan_string(c, p, &esc);
		it->keylong = (e - p - 2 >= sizeof(it->key));
		if (it->keylong)
		{
			memcpy(it->key, b + p + 1, sizeof(it->key) - 1);
			it->key[sizeof(it->key) - 1] = '\0';
			it->keylen = sizeof(it->key) - 1;
		}
		else if (!esc)
		{
			memcpy(it->key, b + p + 1, e - p - 2);
			it->key[e - p - 2] = '\0';
			it->keylen = e - p - 2;
		}
		else
		{
			bool		nul = false;	/* a key is a name, never stored */

			it->keylen = decode_string((const unsigned char *) b + p + 1,
									   (const unsigned char *) b + e - 1,
									   it->key, &nul);
		}
		p = ctem_cj_ws(c, e);
		if (p >= len || b[p] != ':')
			ctem_cj_syntax_error(c, p, "':' was expected after an object key");
		p = ctem_cj_ws(c, p + 1);
	}
	if (p >= len)
		ctem_cj_syntax_error(c, p, "a value was expected");
	it->valoff = p;
	it->pending = true;
	it->index++;
	return true;
}

void
ctem_cj_iter_done(CjIter *it, size_t end)
{
	it->pos = end;
	it->pending = false;
}

/* has key been parsed into the unfinished object at self? */
static bool
partial_has(const CjDoc *d, int self, const char *key)
{
	int			k = self + 1;

	while (k < d->n)
	{
		if (strcmp(d->nodes[k].s, key) == 0)
			return true;
		k = k + 1 + (int) d->nodes[k + 1].size;
	}
	return false;
}

static bool
needs_met(const CjDoc *d, int self, const CjLazy *m)
{
	int			i;

	for (i = 0; i < 4 && m->needs[i]; i++)
		if (!partial_has(d, self, m->needs[i]))
			return false;
	return true;
}

/*
 * Parse the object at pos into d, except the members listed in lz (see
 * CJ_LAZY etc.).  Returns the offset after the object, or 0 if the value at
 * pos is not an object.  *root is the object's node.
 */
size_t
ctem_cj_parse_partial(CjReader *c, size_t pos, CjDoc *d, CjLazy *lz,
					  int nlz, int *root)
{
	CjIter		it;
	int			self;
	uint32_t	count = 0;
	int			i;

	if (!ctem_cj_iter_begin(c, pos, '{', &it))
		return 0;
	self = add_node(c, d, CJ_OBJECT, it.pos - 1);
	*root = self;
	while (ctem_cj_iter_next(c, &it))
	{
		CjLazy	   *m = NULL;
		size_t		end;

		if (!it.keylong)
			for (i = 0; i < nlz; i++)
				if (lz[i].key[0] == it.key[0] && strcmp(lz[i].key, it.key) == 0)
				{
					m = &lz[i];
					break;
				}
		if (m)
		{
			if (m->policy == CJ_STREAM && needs_met(d, self, m))
			{
				/* make the object readable as it is so far */
				d->nodes[self].size = (uint32_t) (d->n - self);
				d->nodes[self].count = count;
				m->found = false;
				end = m->fn(c, it.valoff, m->arg);
			}
			else if (m->policy == CJ_IGNORE)
				end = ctem_cj_skip(c, it.valoff);
			else
			{
				m->found = true;
				m->off = it.valoff;
				end = ctem_cj_skip(c, it.valoff);
			}
			ctem_cj_iter_done(&it, end);
			continue;
		}
		i = add_node(c, d, CJ_STRING, it.valoff);
		d->nodes[i].s = ctem_arena_strndup(c, &d->arena, it.key, it.keylen);
		d->nodes[i].count = (uint32_t) it.keylen;
		end = parse_value(c, it.valoff, d, 1);
		ctem_cj_iter_done(&it, end);
		count++;
	}
	d->nodes[self].size = (uint32_t) (d->n - self);
	d->nodes[self].count = count;
	for (i = 0; i < nlz; i++)
		if (lz[i].policy == CJ_STREAM && lz[i].found)
		{
			lz[i].found = false;
			lz[i].fn(c, lz[i].off, lz[i].arg);
		}
	return it.pos;
}

/* ---- DOM accessors ---- */

int
ctem_cj_type(const CjDoc *d, int idx)
{
	if (idx < 0 || idx >= d->n)
		return CJ_NONE;
	return d->nodes[idx].type;
}

int
ctem_cj_get(const CjDoc *d, int obj, const char *key)
{
	int			k,
				end,
				found = -1;
	uint32_t	klen;

	if (ctem_cj_type(d, obj) != CJ_OBJECT)
		return -1;
	klen = (uint32_t) strlen(key);
	end = obj + (int) d->nodes[obj].size;
	k = obj + 1;
	while (k < end)
	{
		int			v = k + 1;

		if (d->nodes[k].count == klen && d->nodes[k].s[0] == key[0] &&
			memcmp(d->nodes[k].s, key, klen) == 0)
			found = v;			/* the last duplicate wins, as in jansson */
		k = v + (int) d->nodes[v].size;
	}
	return found;
}

const char *
ctem_cj_str(const CjDoc *d, int idx)
{
	if (ctem_cj_type(d, idx) != CJ_STRING)
		return NULL;
	return d->nodes[idx].s;
}

/* string member; NULL when absent, not a string or empty */
const char *
ctem_cj_sget(const CjDoc *d, int obj, const char *key)
{
	const char *s = ctem_cj_str(d, ctem_cj_get(d, obj, key));

	return (s && *s) ? s : NULL;
}

/* a number, or a string holding one; NaN otherwise */
double
ctem_cj_num(const CjDoc *d, int idx)
{
	int			t = ctem_cj_type(d, idx);
	const char *s;
	char	   *end;
	double		v;

	if (t != CJ_NUMBER && t != CJ_STRING)
		return NAN;
	s = d->nodes[idx].s;
	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NAN;
	v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (*end != '\0' || !isfinite(v))
		return NAN;
	return v;
}

int
ctem_cj_len(const CjDoc *d, int idx)
{
	int			t = ctem_cj_type(d, idx);

	if (t != CJ_ARRAY && t != CJ_OBJECT)
		return 0;
	return (int) d->nodes[idx].count;
}

int
ctem_cj_first(const CjDoc *d, int idx)
{
	int			t = ctem_cj_type(d, idx);

	if ((t != CJ_ARRAY && t != CJ_OBJECT) || d->nodes[idx].count == 0)
		return -1;
	return idx + 1;
}

/*
 * Next sibling of an array element, or next key of an object given a key
 * (the value of key k is k + 1).  end is implicit: the caller stops after
 * ctem_cj_len elements, or uses the -1 this returns past the parent.
 */
int
ctem_cj_next(const CjDoc *d, int idx)
{
	return idx + (int) d->nodes[idx].size;
}

/* next key of an object member whose key node is key */
int
ctem_cj_next_member(const CjDoc *d, int key)
{
	return key + 1 + (int) d->nodes[key + 1].size;
}

int
ctem_cj_at(const CjDoc *d, int arr, int i)
{
	int			k,
				n;

	if (ctem_cj_type(d, arr) != CJ_ARRAY || i < 0 ||
		i >= (int) d->nodes[arr].count)
		return -1;
	k = arr + 1;
	for (n = 0; n < i; n++)
		k += (int) d->nodes[k].size;
	return k;
}

/* follow "a.b.c" through objects; numeric parts index arrays */
int
ctem_cj_path(const CjDoc *d, int obj, const char *dotted)
{
	char		part[128];
	const char *p = dotted;

	while (obj >= 0 && *p)
	{
		size_t		n = strcspn(p, ".");

		if (n >= sizeof(part))
			return -1;
		memcpy(part, p, n);
		part[n] = '\0';
		if (ctem_cj_type(d, obj) == CJ_ARRAY && part[0] >= '0' &&
			part[0] <= '9')
			obj = ctem_cj_at(d, obj, atoi(part));
		else
			obj = ctem_cj_get(d, obj, part);
		p += n;
		if (*p == '.')
			p++;
	}
	return obj;
}

/* append text to buf (size n) at *len, truncating */
static void
path_append(char *buf, size_t n, size_t *len, const char *text)
{
	size_t		l = strlen(text);

	if (*len + l >= n)
		l = *len < n ? n - *len - 1 : 0;
	memcpy(buf + *len, text, l);
	*len += l;
	buf[*len] = '\0';
}

bool
ctem_cj_node_path(const CjDoc *d, int root, int node, char *buf, size_t n)
{
	size_t		len = 0;
	int			cur = root;

	if (n == 0)
		return false;
	buf[0] = '\0';
	if (root < 0 || node < root || node >= d->n ||
		node >= root + (int) d->nodes[root].size)
		return false;
	while (cur != node)
	{
		int			t = d->nodes[cur].type;
		int			k = cur + 1;
		int			end = cur + (int) d->nodes[cur].size;
		long		i = 0;

		if (t != CJ_OBJECT && t != CJ_ARRAY)
			return false;
		while (k < end)
		{
			int			v = t == CJ_OBJECT ? k + 1 : k;

			if (node >= k && node < v + (int) d->nodes[v].size)
			{
				char		idx[24];

				if (t == CJ_OBJECT)
				{
					if (len > 0)
						path_append(buf, n, &len, ".");
					path_append(buf, n, &len, d->nodes[k].s);
				}
				else
				{
					snprintf(idx, sizeof(idx), "[%ld]", i);
					path_append(buf, n, &len, idx);
				}
				/* a key that holds a NUL itself: the member it names */
				cur = v;
				if (node == k)
					return true;
				break;
			}
			k = v + (int) d->nodes[v].size;
			i++;
		}
		if (k >= end)
			return false;
	}
	return true;
}
