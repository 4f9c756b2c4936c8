/*-------------------------------------------------------------------------
 *
 * json_reader.h
 *	  ctem's streaming JSON reader: validates every byte once, parses one
 *	  value at a time into a small node array, streams arrays and objects.
 *
 * Plain C, no PostgreSQL header.  A CjReader is the reader's whole state:
 * the input, where a failure unwinds to, and how it is reported.  Its
 * owner embeds it (the report core's CtemCtx starts with one), sets buf,
 * len and fail, and calls setjmp(r->jb) before reading.  Every failure
 * (invalid JSON, out of memory) calls r->fail, which does not return, or,
 * when fail is NULL, records code, pos and message in the reader and
 * longjmps to r->jb.
 *
 * Memory comes from the allocator set with ctem_cj_set_allocator (malloc by
 * default), in arenas and node arrays that the owner frees; nothing is
 * cached between calls.
 *
 * Why not jansson or PostgreSQL's pg_parse_json: jansson builds a tree of
 * the whole input (several times its size); pg_parse_json is a callback
 * parser that allocates each scalar; the reader here materialises one
 * finding at a time in a reused node array.  docs/performance.md has the
 * figures.
 *
 * src/core/json/json_reader.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_JSON_READER_H
#define CTEM_JSON_READER_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTEM_CJ_MAX_DEPTH	512

#if defined(__GNUC__) || defined(__clang__)
#define CTEM_NORETURN __attribute__((noreturn))
#define CTEM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CTEM_NORETURN
#define CTEM_PRINTF(f, a)
#endif

/* failures */
#define CJ_EMALFORMED	1		/* not valid JSON */
#define CJ_ENOMEM		2		/* the allocator returned NULL */

typedef struct CjReader
{
	const char *buf;			/* the input, all of it */
	size_t		len;
	jmp_buf		jb;				/* a failure unwinds here */
	/* report a failure and longjmp(r->jb); NULL: record it below */
	void		(*fail) (struct CjReader *r, int code, size_t pos,
						 const char *message) CTEM_NORETURN;
	int			code;			/* the failure recorded when fail is NULL */
	size_t		pos;			/* its offset, (size_t) -1 if none */
	char		message[512];
	long		nnul;			/* strings decoded with a \u0000 replaced */
} CjReader;

/* fail with a message (printf format); does not return */
extern void ctem_cj_fail(CjReader *r, int code, size_t pos, const char *fmt,...)
			CTEM_NORETURN CTEM_PRINTF(4, 5);

/* ---- allocation ---- */

typedef void *(*CjAllocFn) (size_t);
typedef void (*CjFreeFn) (void *);

/*
 * Route every allocation of the reader (and of its owners that use
 * ctem_cj_alloc) through alloc/free_fn; NULL restores malloc/free.
 * free_fn must accept NULL.
 */
extern void ctem_cj_set_allocator(CjAllocFn alloc, CjFreeFn free_fn);

/* n bytes; when the allocator fails: fails r, or returns NULL if r is NULL */
extern void *ctem_cj_alloc(CjReader *r, size_t n);
extern void ctem_cj_free(void *p);

/* bump allocator made of chunks from the allocator */
typedef struct CtemArenaChunk
{
	struct CtemArenaChunk *next;
	size_t		size;
	size_t		used;
	char		data[];
} CtemArenaChunk;

typedef struct CtemArena
{
	CtemArenaChunk *head;
} CtemArena;

extern void *ctem_arena_alloc(CjReader *r, CtemArena *a, size_t n);
extern char *ctem_arena_strndup(CjReader *r, CtemArena *a, const char *s,
								size_t n);
extern void ctem_arena_reset(CtemArena *a);
extern void ctem_arena_free(CtemArena *a);

/* ---- documents ---- */

/* JSON node types */
typedef enum CjType
{
	CJ_NONE = 0,
	CJ_NULL,
	CJ_FALSE,
	CJ_TRUE,
	CJ_NUMBER,
	CJ_STRING,
	CJ_ARRAY,
	CJ_OBJECT
} CjType;

/*
 * A parsed JSON value is a run of nodes in pre-order.  An object's node is
 * followed by key/value pairs (the key is a CJ_STRING node), an array's by
 * its elements.  "size" is the number of nodes of the subtree including the
 * node itself, so the next sibling of node i is i + size.
 */
typedef struct CjNode
{
	uint8_t		type;
	uint32_t	size;
	uint32_t	count;			/* members / elements / string length */
	size_t		off;			/* byte offset of the value in the input */
	const char *s;				/* NUL-terminated text of strings, numbers */
} CjNode;

typedef struct CjDoc
{
	CjNode	   *nodes;
	int			n;
	int			cap;
	CtemArena	arena;
	int		   *nuls;			/* string nodes that held a \u0000 (in arena) */
	int			nnuls;
	int			capnuls;
} CjDoc;

/*
 * PostgreSQL text cannot hold NUL.  A \u0000 escape is valid JSON: it is
 * validated like any other escape, and where a string is decoded into a
 * document it becomes U+FFFD, the Unicode replacement character (the three
 * bytes below), and the node is listed in the document's nuls[].  Members
 * that are skipped are never decoded, so their NULs leave no trace.  A raw
 * NUL byte in the text is a control character and stays invalid JSON.
 */
#define CJ_NUL_REPLACEMENT	"\xEF\xBF\xBD"

/* iterator over an array or object that is streamed from the input */
typedef struct CjIter
{
	size_t		pos;			/* where to continue */
	size_t		valoff;			/* offset of the current element's value */
	long		index;			/* 0-based index of the current element */
	char		close;
	bool		isobj;
	bool		first;
	bool		pending;		/* current element not consumed yet */
	bool		keylong;		/* key did not fit in key[] */
	size_t		keylen;
	char		key[256];		/* current member name (objects) */
} CjIter;

/*
 * Member policies for ctem_cj_parse_partial.  Members not listed are parsed
 * into the document.
 *	CJ_LAZY    validate and skip; remember the offset for the caller
 *	CJ_IGNORE  validate and skip
 *	CJ_STREAM  hand the value to fn: at once when every key in needs[] has
 *			   already been parsed (the usual key order of the scanner),
 *			   otherwise after the whole object has been read
 */
#define CJ_LAZY		1
#define CJ_IGNORE	2
#define CJ_STREAM	3

typedef size_t (*CjStreamFn) (CjReader *r, size_t off, void *arg);

typedef struct CjLazy
{
	const char *key;
	int			policy;
	const char *needs[4];		/* CJ_STREAM: NULL-terminated */
	CjStreamFn	fn;
	void	   *arg;
	bool		found;			/* seen and not yet handed to fn */
	size_t		off;
} CjLazy;

/* ---- reading ---- */

extern size_t ctem_cj_ws_run(CjReader *r, size_t pos);

/* the offset of the first byte at or after pos that is not JSON whitespace */
static inline size_t
ctem_cj_ws(CjReader *r, size_t pos)
{
	/* most tokens follow another directly: no call for those */
	if (pos < r->len && (unsigned char) r->buf[pos] > ' ')
		return pos;
	return ctem_cj_ws_run(r, pos);
}
extern size_t ctem_cj_parse(CjReader *r, size_t pos, CjDoc *d, int *root);
extern size_t ctem_cj_skip(CjReader *r, size_t pos);
extern size_t ctem_cj_fastskip(CjReader *r, size_t pos);
extern size_t ctem_cj_parse_partial(CjReader *r, size_t pos, CjDoc *d,
									CjLazy *lz, int nlz, int *root);
extern bool ctem_cj_iter_begin(CjReader *r, size_t pos, char open, CjIter *it);
extern bool ctem_cj_iter_next(CjReader *r, CjIter *it);
extern void ctem_cj_iter_done(CjIter *it, size_t end);
extern void ctem_cj_doc_reset(CjDoc *d);
extern void ctem_cj_doc_free(CjDoc *d);
extern void ctem_cj_syntax_error(CjReader *r, size_t pos, const char *what)
			CTEM_NORETURN;

/* ---- parsed documents ---- */

extern int	ctem_cj_get(const CjDoc *d, int obj, const char *key);
extern const char *ctem_cj_str(const CjDoc *d, int idx);
extern const char *ctem_cj_sget(const CjDoc *d, int obj, const char *key);
extern double ctem_cj_num(const CjDoc *d, int idx);
extern int	ctem_cj_type(const CjDoc *d, int idx);
extern int	ctem_cj_len(const CjDoc *d, int idx);
extern int	ctem_cj_at(const CjDoc *d, int arr, int i);
extern int	ctem_cj_path(const CjDoc *d, int obj, const char *dotted);
extern int	ctem_cj_first(const CjDoc *d, int idx);
extern int	ctem_cj_next(const CjDoc *d, int idx);
extern int	ctem_cj_next_member(const CjDoc *d, int key);

/*
 * The path of node within the value at root ("artifact.version",
 * "cpes[2]") into buf (of size n); false when node is not inside it
 */
extern bool ctem_cj_node_path(const CjDoc *d, int root, int node, char *buf,
							  size_t n);

/* line and column (1-based, in characters) of byte pos of buf */
extern void ctem_position(const char *buf, size_t len, size_t pos,
						  int *line, int *column);

#endif							/* CTEM_JSON_READER_H */
