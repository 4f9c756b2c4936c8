/*-------------------------------------------------------------------------
 *
 * scope_core.c
 *	  The scope filter language: compiled from JSON text into a small tree,
 *	  evaluated over a CtemScopeSubject, with SQL LIKE done here (no SQL is
 *	  ever built from a filter).  See scope_core.h for the members.
 *
 * Compiling reads the text with ctem's JSON reader (core/json) into a
 * document, walks it once and copies what it keeps into the filter's own
 * arena: the document is freed before returning.  Errors, ours and the
 * reader's, unwind to one setjmp and free everything.
 *
 * Logic is two-valued: a member on a field that is NULL does not hold (so
 * "not": {"internet_facing": true} holds for an asset whose internet_facing
 * is unknown).
 *
 * src/core/scope_core.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json/json_reader.h"
#include "core/scope_core.h"

typedef enum ScopeOp
{
	OP_AND,
	OP_OR,
	OP_NOT,
	OP_IN,						/* field is one of strs */
	OP_TAGS_ANY,
	OP_TAGS_ALL,
	OP_BOOL,					/* field == ival */
	OP_MIN_CRIT,
	OP_LIKE,					/* field LIKE strs[0] */
	OP_MIN_SEV
} ScopeOp;

typedef enum ScopeField
{
	F_NONE,
	F_KIND,
	F_KEY,
	F_ENV,
	F_SERVICE,
	F_OWNER,
	F_EXPOSURE_KIND,
	F_RULE_ID,
	F_INTERNET,
	F_JEWEL,
	F_REACH
} ScopeField;

typedef struct ScopeNode
{
	int			op;
	int			field;
	int			ival;
	int			n;				/* kids or strs */
	struct ScopeNode **kids;
	CtemScopeStr *strs;
} ScopeNode;

struct CtemScopeFilter
{
	ScopeNode  *root;
	bool		reach;
	CtemArena	arena;
};

/* what a member is */
typedef enum MemberKind
{
	M_LIST,
	M_TAGS_ANY,
	M_TAGS_ALL,
	M_BOOL,
	M_CRIT,
	M_LIKE,
	M_SEV,
	M_ANY_OF,
	M_NOT
} MemberKind;

typedef struct MemberDef
{
	const char *name;
	MemberKind	kind;
	int			field;
	int			labels;			/* CTEM_SCOPE_LABEL_*, -1 none */
	bool		routing_only;
} MemberDef;

static const MemberDef members[] = {
	{"asset_kinds", M_LIST, F_KIND, CTEM_SCOPE_LABEL_ASSET_KIND, false},
	{"environments", M_LIST, F_ENV, -1, false},
	{"business_services", M_LIST, F_SERVICE, -1, false},
	{"owners", M_LIST, F_OWNER, -1, false},
	{"tags_any", M_TAGS_ANY, F_NONE, -1, false},
	{"tags_all", M_TAGS_ALL, F_NONE, -1, false},
	{"internet_facing", M_BOOL, F_INTERNET, -1, false},
	{"crown_jewel", M_BOOL, F_JEWEL, -1, false},
	{"reachable_from_entry", M_BOOL, F_REACH, -1, false},
	{"min_criticality", M_CRIT, F_NONE, -1, false},
	{"key_pattern", M_LIKE, F_KEY, -1, false},
	{"any_of", M_ANY_OF, F_NONE, -1, false},
	{"not", M_NOT, F_NONE, -1, false},
	{"exposure_kinds", M_LIST, F_EXPOSURE_KIND, CTEM_SCOPE_LABEL_EXPOSURE_KIND, true},
	{"rule_pattern", M_LIKE, F_RULE_ID, -1, true},
	{"min_severity", M_SEV, F_NONE, -1, true},
};

static const char *const severities[] = {
	"unknown", "info", "low", "medium", "high", "critical"
};

typedef struct Compiler
{
	CjReader	r;				/* first: the reader's failures unwind here */
	CjDoc		doc;
	CtemScopeFilter *f;
	CtemScopeError *err;
	int			flags;
	CtemScopeLabelOk labels_ok;
	void	   *arg;
} Compiler;

static void fail(Compiler *c, int code, const char *member, const char *path,
				 const char *fmt,...) CTEM_NORETURN CTEM_PRINTF(5, 6);

static void
fail(Compiler *c, int code, const char *member, const char *path,
	 const char *fmt,...)
{
	va_list		ap;

	c->err->code = code;
	snprintf(c->err->member, sizeof(c->err->member), "%s", member);
	snprintf(c->err->path, sizeof(c->err->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
	va_end(ap);
	longjmp(c->r.jb, 1);
}

int
ctem_scope_severity_rank(const char *label, size_t len)
{
	for (int i = 0; i < (int) (sizeof(severities) / sizeof(severities[0])); i++)
		if (strlen(severities[i]) == len && memcmp(severities[i], label, len) == 0)
			return i;
	return -1;
}

/* bytes of the UTF-8 character that starts with byte b (1 when invalid) */
static inline size_t
utf8_len(unsigned char b)
{
	if (b < 0xC0)
		return 1;
	if (b < 0xE0)
		return 2;
	if (b < 0xF0)
		return 3;
	return 4;
}

/* step over one character of s at i (never past slen) */
static inline size_t
next_char(const char *s, size_t slen, size_t i)
{
	size_t		n = utf8_len((unsigned char) s[i]);

	return (i + n > slen) ? slen : i + n;
}

bool
ctem_scope_like_valid(const char *p, size_t plen)
{
	for (size_t i = 0; i < plen; i++)
		if (p[i] == '\\')
		{
			if (i + 1 >= plen)
				return false;
			i++;
		}
	return true;
}

/*
 * Greedy matching with backtracking to the last %: O(len(s) x len(p)) at
 * worst, no recursion.
 */
bool
ctem_scope_like(const char *s, size_t slen, const char *p, size_t plen)
{
	size_t		si = 0,
				pi = 0;
	size_t		star_p = 0,
				star_s = 0;
	bool		star = false;

	while (si < slen)
	{
		if (pi < plen)
		{
			char		c = p[pi];

			if (c == '%')
			{
				while (pi < plen && p[pi] == '%')
					pi++;
				star = true;
				star_p = pi;
				star_s = si;
				continue;
			}
			if (c == '_')
			{
				si = next_char(s, slen, si);
				pi++;
				continue;
			}
			if (c == '\\')
			{
				if (pi + 1 >= plen)
					return false;
				c = p[++pi];
			}
			/* byte by byte: the bytes of a character follow in order */
			if (s[si] == c)
			{
				si++;
				pi++;
				continue;
			}
		}
		if (!star)
			return false;
		star_s = next_char(s, slen, star_s);
		si = star_s;
		pi = star_p;
	}
	while (pi < plen && p[pi] == '%')
		pi++;
	return pi == plen;
}

static void *
arena_alloc(Compiler *c, size_t n)
{
	void	   *p = ctem_arena_alloc(&c->r, &c->f->arena, n);

	memset(p, 0, n);
	return p;
}

static const char *
node_str(Compiler *c, int idx, size_t *len)
{
	*len = c->doc.nodes[idx].count;
	return c->doc.nodes[idx].s ? c->doc.nodes[idx].s : "";
}

static ScopeNode *compile_object(Compiler *c, int obj, const char *path,
								 const char *member, int depth);

/* member m's value v: a non-empty array of strings */
static ScopeNode *
compile_list(Compiler *c, const MemberDef *m, int v, const char *path, int op)
{
	ScopeNode  *node;
	int			n,
				k,
				i;
	char		ipath[300];

	if (ctem_cj_type(&c->doc, v) != CJ_ARRAY)
		fail(c, CTEM_SCOPE_ETYPE, m->name, path,
			 "member \"%s\" must be an array of strings", m->name);
	n = ctem_cj_len(&c->doc, v);
	if (n == 0)
		fail(c, CTEM_SCOPE_EVALUE, m->name, path,
			 "member \"%s\" must not be an empty array", m->name);
	node = arena_alloc(c, sizeof(ScopeNode));
	node->op = op;
	node->field = m->field;
	node->n = n;
	node->strs = arena_alloc(c, sizeof(CtemScopeStr) * n);
	for (i = 0, k = ctem_cj_first(&c->doc, v); i < n; i++, k = ctem_cj_next(&c->doc, k))
	{
		size_t		len;
		const char *s;

		snprintf(ipath, sizeof(ipath), "%s[%d]", path, i);
		if (ctem_cj_type(&c->doc, k) != CJ_STRING)
			fail(c, CTEM_SCOPE_ETYPE, m->name, ipath,
				 "member \"%s\" must be an array of strings", m->name);
		s = node_str(c, k, &len);
		if (m->labels >= 0 && c->labels_ok != NULL && !c->labels_ok(c->arg, m->labels, s))
			fail(c, CTEM_SCOPE_EVALUE, m->name, ipath,
				 "member \"%s\" has \"%.80s\", which is not %s", m->name, s,
				 m->labels == CTEM_SCOPE_LABEL_ASSET_KIND ?
				 "a ctem.asset_kind" : "a ctem.exposure_kind");
		node->strs[i].s = ctem_arena_strndup(&c->r, &c->f->arena, s, len);
		node->strs[i].len = len;
	}
	return node;
}

static ScopeNode *
compile_member(Compiler *c, const MemberDef *m, int v, const char *path, int depth)
{
	ScopeNode  *node;
	int			t = ctem_cj_type(&c->doc, v);

	switch (m->kind)
	{
		case M_LIST:
			return compile_list(c, m, v, path, OP_IN);
		case M_TAGS_ANY:
			return compile_list(c, m, v, path, OP_TAGS_ANY);
		case M_TAGS_ALL:
			return compile_list(c, m, v, path, OP_TAGS_ALL);
		case M_BOOL:
			if (t != CJ_TRUE && t != CJ_FALSE)
				fail(c, CTEM_SCOPE_ETYPE, m->name, path,
					 "member \"%s\" must be true or false", m->name);
			node = arena_alloc(c, sizeof(ScopeNode));
			node->op = OP_BOOL;
			node->field = m->field;
			node->ival = (t == CJ_TRUE);
			if (m->field == F_REACH)
				c->f->reach = true;
			return node;
		case M_CRIT:
			{
				double		d;

				if (t != CJ_NUMBER)
					fail(c, CTEM_SCOPE_ETYPE, m->name, path,
						 "member \"%s\" must be an integer from 1 to 5", m->name);
				d = ctem_cj_num(&c->doc, v);
				if (!(d >= 1 && d <= 5) || d != floor(d))
					fail(c, CTEM_SCOPE_EVALUE, m->name, path,
						 "member \"%s\" must be an integer from 1 to 5", m->name);
				node = arena_alloc(c, sizeof(ScopeNode));
				node->op = OP_MIN_CRIT;
				node->ival = (int) d;
				return node;
			}
		case M_LIKE:
			{
				size_t		len;
				const char *s;

				if (t != CJ_STRING)
					fail(c, CTEM_SCOPE_ETYPE, m->name, path,
						 "member \"%s\" must be a string (a LIKE pattern)", m->name);
				s = node_str(c, v, &len);
				if (!ctem_scope_like_valid(s, len))
					fail(c, CTEM_SCOPE_EVALUE, m->name, path,
						 "member \"%s\" must not end with the escape character \\", m->name);
				node = arena_alloc(c, sizeof(ScopeNode));
				node->op = OP_LIKE;
				node->field = m->field;
				node->n = 1;
				node->strs = arena_alloc(c, sizeof(CtemScopeStr));
				node->strs[0].s = ctem_arena_strndup(&c->r, &c->f->arena, s, len);
				node->strs[0].len = len;
				return node;
			}
		case M_SEV:
			{
				size_t		len;
				const char *s;
				int			rank;

				if (t != CJ_STRING)
					fail(c, CTEM_SCOPE_ETYPE, m->name, path,
						 "member \"%s\" must be a string (a ctem.severity)", m->name);
				s = node_str(c, v, &len);
				rank = ctem_scope_severity_rank(s, len);
				if (rank < 0)
					fail(c, CTEM_SCOPE_EVALUE, m->name, path,
						 "member \"%s\" has \"%.80s\", which is not a ctem.severity", m->name, s);
				node = arena_alloc(c, sizeof(ScopeNode));
				node->op = OP_MIN_SEV;
				node->ival = rank;
				return node;
			}
		case M_ANY_OF:
			{
				int			n,
							k,
							i;
				char		ipath[300];

				if (t != CJ_ARRAY)
					fail(c, CTEM_SCOPE_ETYPE, m->name, path,
						 "member \"%s\" must be an array of filters", m->name);
				n = ctem_cj_len(&c->doc, v);
				if (n == 0)
					fail(c, CTEM_SCOPE_EVALUE, m->name, path,
						 "member \"%s\" must not be an empty array", m->name);
				node = arena_alloc(c, sizeof(ScopeNode));
				node->op = OP_OR;
				node->n = n;
				node->kids = arena_alloc(c, sizeof(ScopeNode *) * n);
				for (i = 0, k = ctem_cj_first(&c->doc, v); i < n; i++, k = ctem_cj_next(&c->doc, k))
				{
					snprintf(ipath, sizeof(ipath), "%s[%d]", path, i);
					node->kids[i] = compile_object(c, k, ipath, m->name, depth + 1);
				}
				return node;
			}
		case M_NOT:
			node = arena_alloc(c, sizeof(ScopeNode));
			node->op = OP_NOT;
			node->n = 1;
			node->kids = arena_alloc(c, sizeof(ScopeNode *));
			node->kids[0] = compile_object(c, v, path, m->name, depth + 1);
			return node;
	}
	return NULL;				/* not reached */
}

/* a filter: an object whose members all hold */
static ScopeNode *
compile_object(Compiler *c, int obj, const char *path, const char *member, int depth)
{
	ScopeNode  *node;
	int			n,
				k,
				i;
	char		mpath[300];

	if (depth > CTEM_SCOPE_MAX_DEPTH)
		fail(c, CTEM_SCOPE_EDEPTH, member, path,
			 "filters are nested more than %d deep", CTEM_SCOPE_MAX_DEPTH);
	if (ctem_cj_type(&c->doc, obj) != CJ_OBJECT)
	{
		if (member[0] == '\0')
			fail(c, CTEM_SCOPE_ETYPE, member, path, "a filter must be a JSON object");
		fail(c, CTEM_SCOPE_ETYPE, member, path,
			 "member \"%s\" must hold %s", member,
			 strcmp(member, "not") == 0 ? "a filter (a JSON object)" :
			 "filters (JSON objects)");
	}
	n = ctem_cj_len(&c->doc, obj);
	node = arena_alloc(c, sizeof(ScopeNode));
	node->op = OP_AND;
	node->n = n;
	node->kids = arena_alloc(c, sizeof(ScopeNode *) * (n > 0 ? n : 1));
	for (i = 0, k = ctem_cj_first(&c->doc, obj); i < n; i++, k = ctem_cj_next_member(&c->doc, k))
	{
		size_t		len;
		const char *name = node_str(c, k, &len);
		const MemberDef *m = NULL;

		for (int j = 0; j < (int) (sizeof(members) / sizeof(members[0])); j++)
			if (strlen(members[j].name) == len && memcmp(members[j].name, name, len) == 0)
			{
				m = &members[j];
				break;
			}
		snprintf(mpath, sizeof(mpath), "%s.%.100s", path, name);
		if (m == NULL)
			fail(c, CTEM_SCOPE_EMEMBER, "", mpath, "unknown member \"%.100s\"", name);
		if (m->routing_only && !(c->flags & CTEM_SCOPE_ROUTING))
			fail(c, CTEM_SCOPE_EMEMBER, m->name, mpath,
				 "member \"%s\" is allowed in a routing rule's match only", m->name);
		node->kids[i] = compile_member(c, m, k + 1, mpath, depth);
	}
	return node;
}

CtemScopeFilter *
ctem_scope_compile(const char *json, size_t len, int flags,
				   CtemScopeLabelOk labels_ok, void *arg, CtemScopeError *err)
{
	Compiler   *c;
	CtemScopeFilter *f;
	int			root;

	memset(err, 0, sizeof(*err));
	c = ctem_cj_alloc(NULL, sizeof(Compiler));
	f = ctem_cj_alloc(NULL, sizeof(CtemScopeFilter));
	if (c == NULL || f == NULL)
	{
		ctem_cj_free(c);
		ctem_cj_free(f);
		err->code = CTEM_SCOPE_ENOMEM;
		snprintf(err->path, sizeof(err->path), "$");
		snprintf(err->message, sizeof(err->message), "out of memory");
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	memset(f, 0, sizeof(*f));
	c->r.buf = json;
	c->r.len = len;
	c->r.fail = NULL;
	c->f = f;
	c->err = err;
	c->flags = flags;
	c->labels_ok = labels_ok;
	c->arg = arg;

	if (setjmp(c->r.jb) != 0)
	{
		if (err->code == CTEM_SCOPE_OK)
		{
			/* the reader's failure */
			err->code = c->r.code == CJ_ENOMEM ? CTEM_SCOPE_ENOMEM : CTEM_SCOPE_EJSON;
			snprintf(err->path, sizeof(err->path), "$");
			snprintf(err->message, sizeof(err->message), "%s",
					 c->r.code == CJ_ENOMEM ? "out of memory" : "invalid JSON");
		}
		ctem_cj_doc_free(&c->doc);
		ctem_arena_free(&f->arena);
		ctem_cj_free(f);
		ctem_cj_free(c);
		return NULL;
	}
	{
		size_t		end = ctem_cj_parse(&c->r, 0, &c->doc, &root);

		if (ctem_cj_ws(&c->r, end) != len)
			ctem_cj_syntax_error(&c->r, end, "the end of the input");
	}
	f->root = compile_object(c, root, "$", "", 0);
	ctem_cj_doc_free(&c->doc);
	ctem_cj_free(c);
	return f;
}

void
ctem_scope_free(CtemScopeFilter *f)
{
	if (f == NULL)
		return;
	ctem_arena_free(&f->arena);
	ctem_cj_free(f);
}

bool
ctem_scope_needs_reachability(const CtemScopeFilter *f)
{
	return f->reach;
}

static inline bool
str_eq(const CtemScopeStr *a, const CtemScopeStr *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static const CtemScopeStr *
field_str(const CtemScopeSubject *s, int field)
{
	switch (field)
	{
		case F_KIND:
			return &s->kind;
		case F_KEY:
			return &s->natural_key;
		case F_ENV:
			return &s->environment;
		case F_SERVICE:
			return &s->business_service;
		case F_OWNER:
			return &s->owner;
		case F_EXPOSURE_KIND:
			return &s->exposure_kind;
		case F_RULE_ID:
			return &s->rule_id;
	}
	return NULL;
}

static bool
has_tag(const CtemScopeSubject *s, const CtemScopeStr *t)
{
	for (int i = 0; i < s->ntags; i++)
		if (s->tags[i].s != NULL && str_eq(&s->tags[i], t))
			return true;
	return false;
}

static bool
eval_node(const ScopeNode *n, const CtemScopeSubject *s)
{
	switch (n->op)
	{
		case OP_AND:
			for (int i = 0; i < n->n; i++)
				if (!eval_node(n->kids[i], s))
					return false;
			return true;
		case OP_OR:
			for (int i = 0; i < n->n; i++)
				if (eval_node(n->kids[i], s))
					return true;
			return false;
		case OP_NOT:
			return !eval_node(n->kids[0], s);
		case OP_IN:
			{
				const CtemScopeStr *v = field_str(s, n->field);

				if (v == NULL || v->s == NULL)
					return false;
				for (int i = 0; i < n->n; i++)
					if (str_eq(v, &n->strs[i]))
						return true;
				return false;
			}
		case OP_TAGS_ANY:
			for (int i = 0; i < n->n; i++)
				if (has_tag(s, &n->strs[i]))
					return true;
			return false;
		case OP_TAGS_ALL:
			for (int i = 0; i < n->n; i++)
				if (!has_tag(s, &n->strs[i]))
					return false;
			return true;
		case OP_BOOL:
			{
				int			v = n->field == F_INTERNET ? s->internet_facing :
					n->field == F_JEWEL ? s->crown_jewel : s->reachable;

				return v >= 0 && v == n->ival;
			}
		case OP_MIN_CRIT:
			return s->criticality > 0 && s->criticality >= n->ival;
		case OP_LIKE:
			{
				const CtemScopeStr *v = field_str(s, n->field);

				return v != NULL && v->s != NULL &&
					ctem_scope_like(v->s, v->len, n->strs[0].s, n->strs[0].len);
			}
		case OP_MIN_SEV:
			return s->severity >= 0 && s->severity >= n->ival;
	}
	return false;
}

bool
ctem_scope_eval(const CtemScopeFilter *f, const CtemScopeSubject *s)
{
	return eval_node(f->root, s);
}
