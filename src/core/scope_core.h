/*-------------------------------------------------------------------------
 *
 * scope_core.h
 *	  The scope filter language: validation and evaluation over a plain
 *	  struct of asset (and, for routing rules, exposure) fields.
 *
 * Plain C, no PostgreSQL header: the glue (src/scope/scope.c) hands the
 * filter over as JSON text and the row's fields as C strings; the fuzz
 * harness test/fuzz/fuzz_scope.c links it alone.  A filter's values are
 * data: they are compared, never turned into SQL.
 *
 * A filter is a JSON object whose members must all hold (docs/scoping.md):
 *	asset_kinds, environments, business_services, owners   any of (strings)
 *	tags_any, tags_all                       the asset's tags (strings)
 *	internet_facing, crown_jewel, reachable_from_entry      booleans
 *	min_criticality                          integer 1 to 5
 *	key_pattern                              LIKE pattern on natural_key
 *	any_of                                   array of filters, one holds
 *	not                                      a filter that does not hold
 * and, in a routing rule's match only (CTEM_SCOPE_ROUTING):
 *	exposure_kinds                           any of (strings)
 *	rule_pattern                             LIKE pattern on rule_id
 *	min_severity                             a ctem.severity label
 *
 * src/core/scope_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_SCOPE_CORE_H
#define CTEM_SCOPE_CORE_H

#include <stdbool.h>
#include <stddef.h>

/* compile flags */
#define CTEM_SCOPE_ROUTING	0x01	/* allow the exposure members */

/* label lists a filter's values are checked against */
#define CTEM_SCOPE_LABEL_ASSET_KIND		0
#define CTEM_SCOPE_LABEL_EXPOSURE_KIND	1

/* error codes */
#define CTEM_SCOPE_OK			0
#define CTEM_SCOPE_EJSON		1	/* not valid JSON */
#define CTEM_SCOPE_ETYPE		2	/* a value of the wrong type */
#define CTEM_SCOPE_EMEMBER		3	/* an unknown member */
#define CTEM_SCOPE_EVALUE		4	/* a value out of range or unknown */
#define CTEM_SCOPE_ENOMEM		5
#define CTEM_SCOPE_EDEPTH		6	/* nested too deeply */

/* most nesting of any_of / not */
#define CTEM_SCOPE_MAX_DEPTH	32

typedef struct CtemScopeError
{
	int			code;
	char		member[64];		/* the member at fault, "" for the filter */
	char		path[256];		/* JSON path of the value: $.any_of[1].owners */
	char		message[256];	/* what is wrong, a sentence without period */
} CtemScopeError;

/*
 * Is label one of the values of list (CTEM_SCOPE_LABEL_*)?  NULL accepts
 * every label.
 */
typedef bool (*CtemScopeLabelOk) (void *arg, int list, const char *label);

/* a string field: s NULL is SQL NULL; not NUL-terminated necessarily */
typedef struct CtemScopeStr
{
	const char *s;
	size_t		len;
} CtemScopeStr;

/* what a filter is evaluated on */
typedef struct CtemScopeSubject
{
	CtemScopeStr kind;
	CtemScopeStr natural_key;
	CtemScopeStr environment;
	CtemScopeStr business_service;
	CtemScopeStr owner;
	int			criticality;	/* 1-5, 0 when NULL */
	int			internet_facing;	/* 1, 0, -1 when NULL */
	int			crown_jewel;	/* 1, 0, -1 when NULL */
	int			reachable;		/* 1, 0, -1 when not known */
	const CtemScopeStr *tags;
	int			ntags;
	/* routing only */
	CtemScopeStr exposure_kind;
	CtemScopeStr rule_id;
	int			severity;		/* ctem_scope_severity_rank, -1 when NULL */
} CtemScopeSubject;

typedef struct CtemScopeFilter CtemScopeFilter;

/*
 * Compile the filter in json (len bytes).  Returns the filter (allocated
 * with malloc, or the JSON reader's allocator; free it with
 * ctem_scope_free), or NULL with *err filled.  labels_ok may be NULL.
 */
extern CtemScopeFilter *ctem_scope_compile(const char *json, size_t len, int flags,
										   CtemScopeLabelOk labels_ok, void *arg,
										   CtemScopeError *err);
extern void ctem_scope_free(CtemScopeFilter *f);

/* does the subject satisfy the filter? */
extern bool ctem_scope_eval(const CtemScopeFilter *f, const CtemScopeSubject *s);

/* does the filter read reachable_from_entry (the glue then fills it)? */
extern bool ctem_scope_needs_reachability(const CtemScopeFilter *f);

/*
 * Rank of a ctem.severity label (unknown 0, info 1, low 2, medium 3, high 4,
 * critical 5), -1 when it is none.
 */
extern int	ctem_scope_severity_rank(const char *label, size_t len);

/*
 * SQL LIKE: does s match pattern p?  % any run of characters, _ one
 * character (UTF-8), \ escapes the next character; case-sensitive.  A
 * pattern ending with a lone \ matches nothing (compile refuses it).
 */
extern bool ctem_scope_like(const char *s, size_t slen, const char *p, size_t plen);

/* is p a valid LIKE pattern (no lone \ at its end)? */
extern bool ctem_scope_like_valid(const char *p, size_t plen);

#endif							/* CTEM_SCOPE_CORE_H */
