/*-------------------------------------------------------------------------
 *
 * score_core.h
 *		Contextual risk scoring of exposures: the pure C core.
 *
 * score = 100 x S/10 x L x A x X x (1 - C) x V, clamped to 0-100 and
 * rounded to one decimal, then a priority P1-P4 (score thresholds, floors
 * for KEV and validated-exploitable findings, or the CISA SSVC decision
 * tree) and an SLA in days.  Every weight comes from a CtemPolicy; the
 * model is documented in docs/scoring.md.
 *
 * Only the C standard library is used: no backend calls, no allocation, no
 * global state, so the same code runs in a backend, on a distributed
 * worker, in the unit test (test/score_check.c) and under libFuzzer
 * (test/fuzz/fuzz_score.c).  All functions are thread-safe.
 *
 * src/core/score_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CTEM_SCORE_CORE_H
#define CTEM_SCORE_CORE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Buffer size that always holds the text of ctem_score_explain and
 * ctem_score_explain_compact.  Only the text sink needs a buffer: a sink
 * that builds a document as it goes (the glue's jsonb) has no limit.
 */
#define CTEM_EXPLAIN_MAX 4096

/* bytes of CtemScoreInput.cvss_source copied into the explanation */
#define CTEM_EXPLAIN_SOURCE_MAX 128

/* size of ctem_policy_check's message buffer that never truncates */
#define CTEM_POLICY_ERR_MAX 256

#define CTEM_EPSS_BANDS_MAX 8

/* formula as written into the explanation (UTF-8) */
#define CTEM_SCORE_FORMULA "100 \xc3\x97 S/10 \xc3\x97 L \xc3\x97 A \xc3\x97 X \xc3\x97 (1 \xe2\x88\x92 C) \xc3\x97 V"

/* scanner severity; same order as the SQL enum ctem.severity */
typedef enum CtemSeverity
{
	CTEM_SEV_UNKNOWN = 0,
	CTEM_SEV_INFO,
	CTEM_SEV_LOW,
	CTEM_SEV_MEDIUM,
	CTEM_SEV_HIGH,
	CTEM_SEV_CRITICAL
} CtemSeverity;

/* exploit code maturity (CVSS E metric style) */
typedef enum CtemExploitMaturity
{
	CTEM_MAT_UNKNOWN = 0,
	CTEM_MAT_UNPROVEN,
	CTEM_MAT_POC,
	CTEM_MAT_FUNCTIONAL,
	CTEM_MAT_HIGH				/* high, or attacked in the wild */
} CtemExploitMaturity;

/* latest validation (BAS, pentest) result for the exposure */
typedef enum CtemValidation
{
	CTEM_VAL_NONE = 0,			/* not validated */
	CTEM_VAL_EXPLOITABLE,		/* validation showed it exploitable */
	CTEM_VAL_BLOCKED,			/* the attack was tried and blocked */
	CTEM_VAL_NOT_EXPLOITABLE	/* validation could not exploit it */
} CtemValidation;

/* CISA SSVC decision point values */
typedef enum CtemSsvcExploitation
{
	CTEM_SSVC_EXPL_NONE = 0,
	CTEM_SSVC_EXPL_POC,
	CTEM_SSVC_EXPL_ACTIVE
} CtemSsvcExploitation;

typedef enum CtemSsvcAutomatable
{
	CTEM_SSVC_AUTO_NO = 0,
	CTEM_SSVC_AUTO_YES
} CtemSsvcAutomatable;

typedef enum CtemSsvcTechnicalImpact
{
	CTEM_SSVC_TI_PARTIAL = 0,
	CTEM_SSVC_TI_TOTAL
} CtemSsvcTechnicalImpact;

typedef enum CtemSsvcMission
{
	CTEM_SSVC_MWB_LOW = 0,
	CTEM_SSVC_MWB_MEDIUM,
	CTEM_SSVC_MWB_HIGH
} CtemSsvcMission;

/* CISA SSVC outcome; CTEM_SSVC_INVALID for out-of-range arguments */
typedef enum CtemSsvcDecision
{
	CTEM_SSVC_INVALID = -1,
	CTEM_SSVC_TRACK = 0,
	CTEM_SSVC_TRACK_STAR,
	CTEM_SSVC_ATTEND,
	CTEM_SSVC_ACT
} CtemSsvcDecision;

/*
 * The scoring policy.  ctem_policy_default() fills the documented defaults;
 * ctem_policy_check() validates one.  Scoring with an unchecked policy is
 * memory-safe and still yields a score in 0-100 and a priority in 1-4.
 */
typedef struct CtemPolicy
{
	int			version;
	/* S: severity 0-10 by scanner severity when there is no CVSS score */
	double		sev_critical,
				sev_high,
				sev_medium,
				sev_low,
				sev_info,
				sev_missing;
	/* L: likelihood evidence */
	double		l_kev,
				l_validated,
				l_mat_high,
				l_mat_functional,
				l_mat_poc,
				l_mat_unproven;
	int			n_epss_bands;	/* 0..CTEM_EPSS_BANDS_MAX */
	double		epss_threshold[CTEM_EPSS_BANDS_MAX];	/* strictly descending */
	double		epss_value[CTEM_EPSS_BANDS_MAX];
	double		l_epss_unknown,
				l_min,
				l_max;
	/* A: asset criticality 1..5 (index 0..4) */
	double		a_by_criticality[5],
				a_unknown;
	/* X: exposure */
	double		x_internet,
				x_attack_path,
				x_internal,
				x_unknown;
	/*
	 * attack-path probability at which an asset off the internet gets the
	 * whole x_attack_path; below it X scales from x_internal (0, 1]
	 */
	double		path_probability_full;
	/* C: cap of the combined control effectiveness */
	double		c_max;
	/* V: factor when validation showed the attack blocked */
	double		v_blocked;
	/* priority thresholds on the rounded score */
	double		p1_min,
				p2_min,
				p3_min;
	int			sla_days[4];	/* P1..P4 */
	int			sla_override[5][4]; /* [criticality-1][priority-1], 0 = none */
	bool		use_ssvc;		/* priority from the SSVC decision */
} CtemPolicy;

/* CtemScoreInput.ssvc_* and ints that may be unknown */
#define CTEM_UNKNOWN (-1)

typedef struct CtemScoreInput
{
	double		cvss;			/* CVSS base score 0-10, NaN = unknown */
	const char *cvss_source;	/* e.g. "cvss v3.1 vector", for explain;
								 * may be NULL */
	CtemSeverity severity;		/* scanner severity */
	int			kev;			/* 1 listed in CISA KEV, 0 not, -1 unknown */
	CtemValidation validation;
	CtemExploitMaturity maturity;
	double		epss;			/* EPSS probability 0-1, NaN = unknown */
	int			criticality;	/* 1..5, 0 = unknown */
	int			internet_facing;	/* 1, 0, -1 unknown */
	int			on_attack_path; /* 1 on a path to a crown jewel (or is
								 * one), 0 no, -1 unknown */
	double		attack_path_probability;	/* probability of the most likely
											 * attack path from an entry point
											 * through the asset to a crown
											 * jewel, 0..1; NaN = unknown */
	double		control_effectiveness;	/* combined 0..1, 0 = none */
	int			n_controls;		/* for explain only */
	/* SSVC decision point values, used only in SSVC mode; -1 = derive */
	int			ssvc_exploitation;	/* CtemSsvcExploitation */
	int			ssvc_automatable;	/* CtemSsvcAutomatable */
	int			ssvc_technical_impact;	/* CtemSsvcTechnicalImpact */
	int			ssvc_mission;	/* CtemSsvcMission */
} CtemScoreInput;

/* CtemScoreResult.floors: floors that raised the priority */
#define CTEM_FLOOR_KEV_INTERNET_P1		0x01
#define CTEM_FLOOR_KEV_OR_VALIDATED_P2	0x02

/* CtemScoreResult.defaults: inputs that were missing, a default stood in */
#define CTEM_DEFAULT_SEVERITY			0x001
#define CTEM_DEFAULT_EPSS				0x002
#define CTEM_DEFAULT_CRITICALITY		0x004
#define CTEM_DEFAULT_INTERNET_FACING	0x008
#define CTEM_DEFAULT_ATTACK_PATH		0x010
#define CTEM_DEFAULT_KEV				0x020
#define CTEM_DEFAULT_SSVC_AUTOMATABLE	0x040
#define CTEM_DEFAULT_SSVC_TECHNICAL_IMPACT 0x080
#define CTEM_DEFAULT_SSVC_MISSION		0x100

/* CtemScoreResult.invalid: inputs out of their range, treated as unknown */
#define CTEM_INVALID_CVSS				0x0001
#define CTEM_INVALID_SEVERITY			0x0002
#define CTEM_INVALID_KEV				0x0004
#define CTEM_INVALID_VALIDATION			0x0008
#define CTEM_INVALID_MATURITY			0x0010
#define CTEM_INVALID_EPSS				0x0020
#define CTEM_INVALID_CRITICALITY		0x0040
#define CTEM_INVALID_INTERNET_FACING	0x0080
#define CTEM_INVALID_ATTACK_PATH		0x0100
#define CTEM_INVALID_CONTROLS			0x0200
#define CTEM_INVALID_SSVC_EXPLOITATION	0x0400
#define CTEM_INVALID_SSVC_AUTOMATABLE	0x0800
#define CTEM_INVALID_SSVC_TECHNICAL_IMPACT 0x1000
#define CTEM_INVALID_SSVC_MISSION		0x2000

typedef struct CtemScoreResult
{
	double		score;			/* 0-100, one decimal */
	int			priority;		/* 1..4 */
	int			sla_days;
	double		s,
				l,
				a,
				x,
				c,
				v;				/* each factor as used */
	/* static strings naming where each factor came from */
	const char *s_source,
			   *l_source,
			   *a_source,
			   *x_source,
			   *c_source,
			   *v_source;
	unsigned	floors;			/* CTEM_FLOOR_* */
	unsigned	defaults;		/* CTEM_DEFAULT_* */
	unsigned	invalid;		/* CTEM_INVALID_* */
	int			priority_by_score;	/* before floors and SSVC */
	bool		sla_overridden; /* sla_days came from sla_override */
	int			ssvc;			/* CtemSsvcDecision in SSVC mode, else -1 */
	/* SSVC decision point values used (SSVC mode), else -1 */
	int			ssvc_exploitation,
				ssvc_automatable,
				ssvc_technical_impact,
				ssvc_mission;
} CtemScoreResult;

/* policy */
extern void ctem_policy_default(CtemPolicy *p);
extern bool ctem_policy_check(const CtemPolicy *p, char *errbuf,
							  size_t errlen);

/*
 * Score one exposure into *out (every field set).  p, in and out must not
 * be NULL.  No allocation, no I/O, no formatting.
 */
extern void ctem_score_compute(const CtemPolicy *p, const CtemScoreInput *in,
							   CtemScoreResult *out);
extern void ctem_score_input_init(CtemScoreInput *in);
extern double ctem_controls_combine(const double *effectiveness, int n);

/*
 * A receiver of a JSON document, value by value in document order: the
 * explain functions emit through one, so that the core writes no JSON text
 * for somebody else to parse again.  The glue's sink builds jsonb with
 * pushJsonbValue(); ctem_json_text_init() gives one that writes the text.
 *
 * In an object, key() comes before each member's value; the members of an
 * object and the elements of an array come between its begin and end
 * calls.  number() gets the JSON number text (e.g. "0.3", "14", "1e-05"),
 * so a sink that keeps decimal text (numeric_in) keeps its scale; it is
 * valid only during the call.  string() gets len bytes without a NUL (they
 * may hold control characters, which a text sink escapes); a byte that
 * does not begin a valid UTF-8 sequence (ctem_utf8_seq_len() gives 0)
 * stands for U+FFFD.  Key and string pointers are static or point into
 * the emitting function's arguments: they stay valid until it returns.
 * Keys are ASCII and need no escaping.
 */
typedef struct CtemJsonSink
{
	void		(*begin_object) (void *arg);
	void		(*end_object) (void *arg);
	void		(*begin_array) (void *arg);
	void		(*end_array) (void *arg);
	void		(*key) (void *arg, const char *key);
	void		(*string) (void *arg, const char *s, size_t len);
	void		(*number) (void *arg, const char *text);
	void		(*boolean) (void *arg, bool value);
	void		(*null) (void *arg);
	void	   *arg;
} CtemJsonSink;

/*
 * The text sink: compact JSON on one line into buf, with snprintf
 * semantics.  ctem_json_text_init() sets sink (sink.arg is the CtemJsonText
 * itself); after the document, ctem_json_text_finish() writes the NUL
 * (within buflen; nothing when buflen is 0 or buf is NULL) and returns the
 * full length, which may exceed buflen - 1.
 */
typedef struct CtemJsonText
{
	CtemJsonSink sink;
	char	   *buf;
	size_t		cap;
	size_t		len;			/* full length, may exceed cap */
	bool		comma;			/* a value ended: a comma before the next */
} CtemJsonText;

extern void ctem_json_text_init(CtemJsonText *t, char *buf, size_t buflen);
extern size_t ctem_json_text_finish(CtemJsonText *t);

/* length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid */
extern size_t ctem_utf8_seq_len(const char *s, size_t n);

/*
 * The JSON object explaining a result, emitted through sink (an empty
 * object when p, in or r is NULL).  See docs/scoring.md, "Explain format".
 */
extern void ctem_score_explain_emit(const CtemPolicy *p,
									const CtemScoreInput *in,
									const CtemScoreResult *r,
									const CtemJsonSink *sink);

/*
 * The short explanation stored on each exposure row (same key names,
 * factors as [value, source], no inputs or evidence), emitted through sink.
 */
extern void ctem_score_explain_compact_emit(const CtemPolicy *p,
											const CtemScoreResult *r,
											const CtemJsonSink *sink);

/*
 * Both as text through the text sink, snprintf semantics: write at most
 * buflen - 1 bytes and a NUL (nothing when buflen is 0), return the full
 * length, which is always below CTEM_EXPLAIN_MAX for a result of
 * ctem_score_compute (under 2 kB even with a hostile cvss_source).
 */
extern size_t ctem_score_explain(const CtemPolicy *p, const CtemScoreInput *in,
								 const CtemScoreResult *r, char *buf,
								 size_t buflen);
extern size_t ctem_score_explain_compact(const CtemPolicy *p,
										 const CtemScoreResult *r, char *buf,
										 size_t buflen);

/* CISA SSVC */
extern CtemSsvcDecision ctem_ssvc_decision(int exploitation, int automatable,
										   int technical_impact,
										   int mission_wellbeing);
extern int	ctem_ssvc_priority(CtemSsvcDecision d);
extern CtemSsvcExploitation ctem_ssvc_exploitation_from_evidence(int kev,
																 CtemValidation validation,
																 CtemExploitMaturity maturity);
extern int	ctem_ssvc_automatable_from_cvss(int network_vector,
											int low_complexity,
											int no_privileges,
											int no_user_interaction);
extern int	ctem_ssvc_technical_impact_from_cvss(int confidentiality_high,
												 int integrity_high,
												 int availability_high,
												 int scope_changed);
extern int	ctem_ssvc_mission_from_criticality(int criticality,
											   bool *defaulted);

/* names of enum values as in SQL and in the explanation */
extern const char *ctem_severity_name(CtemSeverity s);
extern const char *ctem_maturity_name(CtemExploitMaturity m);
extern const char *ctem_validation_name(CtemValidation v);
extern const char *ctem_ssvc_decision_name(CtemSsvcDecision d);
extern const char *ctem_ssvc_exploitation_name(int e);
extern const char *ctem_ssvc_automatable_name(int a);
extern const char *ctem_ssvc_technical_impact_name(int t);
extern const char *ctem_ssvc_mission_name(int m);
extern const char *ctem_priority_name(int priority);

/* parse those names (ASCII case-insensitive); -1 when not recognised */
extern int	ctem_severity_parse(const char *s);
extern int	ctem_maturity_parse(const char *s);
extern int	ctem_validation_parse(const char *s);
extern int	ctem_ssvc_decision_parse(const char *s);

#endif							/* CTEM_SCORE_CORE_H */
