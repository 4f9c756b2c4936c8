/*-------------------------------------------------------------------------
 *
 * score_check.c
 *		Standalone unit test of the risk scoring core (src/core/score_core.c).
 *
 * Worked examples computed by hand, unknown inputs and their defaults,
 * floors, the control cap, SLA overrides, the full CISA SSVC table, the
 * SSVC derivation helpers, explain JSON (parsed with jansson) and policy
 * rejections.  Prints "FAIL: ..." per failed check and "N passed, N failed"
 * last; exits 1 on any failure.
 *
 * Build and run:
 *	  cc -std=gnu99 -O2 -Isrc test/score_check.c src/core/score_core.c \
 *		  $(pkg-config --cflags --libs jansson) -lm -o score_check
 *	  ./score_check
 *
 * test/score_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/score_core.h"

static int	n_passed = 0;
static int	n_failed = 0;

#define CHECK(cond, ...) \
	do { \
		if (cond) \
			n_passed++; \
		else \
		{ \
			n_failed++; \
			printf("FAIL: "); \
			printf(__VA_ARGS__); \
			printf("  [%s:%d]\n", __FILE__, __LINE__); \
		} \
	} while (0)

#define NA NAN

/* policy variants used by the examples */
enum
{
	POL_DEFAULT = 0,
	POL_SLA_OVERRIDE,			/* sla_override[4][1] = 7: criticality 5, P2 */
	POL_SSVC,					/* use_ssvc */
	POL_LOW_EPSS				/* epss_value[3] = 0.3, below l_min 0.5 */
};

static void
make_policy(int variant, CtemPolicy *p)
{
	ctem_policy_default(p);
	switch (variant)
	{
		case POL_SLA_OVERRIDE:
			p->sla_override[4][1] = 7;
			break;
		case POL_SSVC:
			p->use_ssvc = true;
			break;
		case POL_LOW_EPSS:
			p->epss_value[3] = 0.3;
			break;
		default:
			break;
	}
}

typedef struct Example
{
	const char *name;
	int			policy;
	double		cvss;
	CtemSeverity sev;
	int			kev;
	CtemValidation val;
	CtemExploitMaturity mat;
	double		epss;
	int			crit;
	int			inet;
	int			path;
	double		ctl;
	int			ssvc_a;			/* SSVC automatable, -1 derive/default */
	int			ssvc_t;			/* SSVC technical impact */
	/* expected */
	double		score;
	int			prio;
	int			sla;
	unsigned	floors;
	unsigned	defaults;
} Example;

#define D_SEV	CTEM_DEFAULT_SEVERITY
#define D_EPSS	CTEM_DEFAULT_EPSS
#define D_CRIT	CTEM_DEFAULT_CRITICALITY
#define D_INET	CTEM_DEFAULT_INTERNET_FACING
#define D_PATH	CTEM_DEFAULT_ATTACK_PATH
#define D_KEV	CTEM_DEFAULT_KEV
#define F_P1	CTEM_FLOOR_KEV_INTERNET_P1
#define F_P2	CTEM_FLOOR_KEV_OR_VALIDATED_P2

/*
 * Worked examples under the default policy unless noted:
 *	S = cvss, or critical 9.5 / high 8 / medium 5.5 / low 2.5 / info 0,
 *		missing 5.0
 *	L = max(kev 1.0, validated 1.0, maturity high .95 / functional .9 /
 *		poc .8 / unproven .6, epss >=.5 .95 / >=.1 .85 / >=.01 .7 / else .55,
 *		epss unknown .7), within [.5, 1]
 *	A = criticality 1..5 .6/.7/.8/.9/1.0, unknown .8
 *	X = internet 1.0, attack path .8, internal .5, internet unknown .7
 *	C = min(controls, .4); V = .6 if blocked else 1
 *	P1 >= 80, P2 >= 60, P3 >= 35, else P4; SLA 3/14/60/180
 */
static const Example examples[] = {
	/* 1: 100 x 9.8/10 x max(1.0 kev, .95 epss) x 1.0 x 1.0 = 98.0 -> P1 */
	{"kev, internet-facing crown jewel", POL_DEFAULT,
		9.8, CTEM_SEV_CRITICAL, 1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.97,
		5, 1, -1, 0.0, -1, -1,
	98.0, 1, 3, 0, 0},
	/* 2: 100 x .75 x .85 (epss .43 >= .1) x .8 (crit 3) x .8 (path) = 40.8 */
	{"epss band, internal on attack path", POL_DEFAULT,
		7.5, CTEM_SEV_HIGH, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.43,
		3, 0, 1, 0.0, -1, -1,
	40.8, 3, 60, 0, 0},
	/* 3: 100 x 8.0/10 x .7 x .8 x .7 = 31.36 -> 31.4 -> P4 */
	{"scanner high, epss/criticality/exposure/kev unknown", POL_DEFAULT,
		NA, CTEM_SEV_HIGH, -1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, NA,
		0, -1, -1, 0.0, -1, -1,
	31.4, 4, 180, 0, D_EPSS | D_CRIT | D_INET | D_KEV},
	/* 4: 100 x 5.0/10 x .7 x .8 x .7 = 19.6 -> P4 */
	{"nothing known", POL_DEFAULT,
		NA, CTEM_SEV_UNKNOWN, -1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, NA,
		0, -1, -1, 0.0, -1, -1,
	19.6, 4, 180, 0, D_SEV | D_EPSS | D_CRIT | D_INET | D_KEV},
	/* 5: 100 x .43 x 1.0 x .6 x 1.0 = 25.8 -> P4, KEV internet floor -> P1 */
	{"kev on internet-facing, low score: floor P1", POL_DEFAULT,
		4.3, CTEM_SEV_MEDIUM, 1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, NA,
		1, 1, -1, 0.0, -1, -1,
	25.8, 1, 3, F_P1, D_EPSS},
	/* 6: 100 x .5 x 1.0 x .7 x .5 = 17.5 -> P4, KEV floor -> P2 */
	{"kev internal: floor P2", POL_DEFAULT,
		5.0, CTEM_SEV_MEDIUM, 1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, NA,
		2, 0, 0, 0.0, -1, -1,
	17.5, 2, 14, F_P2, D_EPSS},
	/* 7: 100 x .65 x 1.0 (validated) x .9 x .8 = 46.8 -> P3, floor -> P2 */
	{"validated exploitable: floor P2", POL_DEFAULT,
		6.5, CTEM_SEV_MEDIUM, 0, CTEM_VAL_EXPLOITABLE, CTEM_MAT_UNKNOWN, 0.002,
		4, 0, 1, 0.0, -1, -1,
	46.8, 2, 14, F_P2, 0},
	/* 8: 100 x .9 x .95 x 1.0 x 1.0 x .6 (blocked) = 51.3 -> P3 */
	{"validation blocked", POL_DEFAULT,
		9.0, CTEM_SEV_CRITICAL, 0, CTEM_VAL_BLOCKED, CTEM_MAT_UNKNOWN, 0.6,
		5, 1, -1, 0.0, -1, -1,
	51.3, 3, 60, 0, 0},
	/* 9: controls .7 capped at .4: 100 x 1.0 x .95 x (1 - .4) = 57.0 */
	{"control cap", POL_DEFAULT,
		10.0, CTEM_SEV_CRITICAL, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.8,
		5, 1, -1, 0.7, -1, -1,
	57.0, 3, 60, 0, 0},
	/* 10: L = max(.9 functional, .7 epss): 88 x .9 x .9 x .75 = 53.46 */
	{"controls under the cap, maturity beats epss", POL_DEFAULT,
		8.8, CTEM_SEV_HIGH, 0, CTEM_VAL_NONE, CTEM_MAT_FUNCTIONAL, 0.05,
		4, 1, -1, 0.25, -1, -1,
	53.5, 3, 60, 0, 0},
	/* 11: info is 0 -> score 0.0 */
	{"info severity", POL_DEFAULT,
		NA, CTEM_SEV_INFO, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.5,
		5, 1, -1, 0.0, -1, -1,
	0.0, 4, 180, 0, 0},
	/* 12: 100 x .95 x .95 (maturity high) = 90.25 -> half up 90.3 */
	{"half-up rounding", POL_DEFAULT,
		NA, CTEM_SEV_CRITICAL, 0, CTEM_VAL_NONE, CTEM_MAT_HIGH, NA,
		5, 1, -1, 0.0, -1, -1,
	90.3, 1, 3, 0, D_EPSS},
	/* 13: L = max(.8 poc, .85 epss .2): 70 x .85 x .8 x .5 = 23.8 */
	{"epss beats poc", POL_DEFAULT,
		7.0, CTEM_SEV_HIGH, 0, CTEM_VAL_NONE, CTEM_MAT_POC, 0.2,
		3, 0, 0, 0.0, -1, -1,
	23.8, 4, 180, 0, 0},
	/* 14: L = max(.6 unproven, .7 epss default): 60 x .7 x .7 = 29.4 */
	{"epss default beats unproven", POL_DEFAULT,
		6.0, CTEM_SEV_MEDIUM, 0, CTEM_VAL_NONE, CTEM_MAT_UNPROVEN, NA,
		2, 1, -1, 0.0, -1, -1,
	29.4, 4, 180, 0, D_EPSS},
	/* 15: epss .001 -> band value .3, raised to l_min .5: 80 x .5 = 40.0 */
	{"likelihood floor l_min", POL_LOW_EPSS,
		8.0, CTEM_SEV_HIGH, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.001,
		5, 1, -1, 0.0, -1, -1,
	40.0, 3, 60, 0, 0},
	/* 16: 72 x .95 = 68.4 -> P2; override criticality 5 / P2 = 7 days */
	{"sla override", POL_SLA_OVERRIDE,
		7.2, CTEM_SEV_HIGH, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.6,
		5, 1, -1, 0.0, -1, -1,
	68.4, 2, 7, 0, 0},
	/* 17: 80 x 1.0 = 80.0 -> exactly P1 */
	{"P1 boundary", POL_DEFAULT,
		8.0, CTEM_SEV_HIGH, 1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.9,
		5, 1, -1, 0.0, -1, -1,
	80.0, 1, 3, 0, 0},
	/* 18: 60 x 1.0 (validated) = 60.0 -> exactly P2, no floor needed */
	{"P2 boundary", POL_DEFAULT,
		6.0, CTEM_SEV_MEDIUM, 0, CTEM_VAL_EXPLOITABLE, CTEM_MAT_UNKNOWN, 0.9,
		5, 1, -1, 0.0, -1, -1,
	60.0, 2, 14, 0, 0},
	/* 19: 50 x .7 (epss default) = 35.0 -> exactly P3 */
	{"P3 boundary", POL_DEFAULT,
		5.0, CTEM_SEV_MEDIUM, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, NA,
		5, 1, -1, 0.0, -1, -1,
	35.0, 3, 60, 0, D_EPSS},
	/* 20: 55 x .7 (epss .01) x .6 x .5 (internal) = 11.55 -> 11.6 */
	{"scanner medium, internal with attack path unknown", POL_DEFAULT,
		NA, CTEM_SEV_MEDIUM, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.01,
		1, 0, -1, 0.0, -1, -1,
	11.6, 4, 180, 0, D_PATH},
	/* 21: 25 x 1.0 x .8 = 20.0 -> P4, KEV internet floor -> P1 */
	{"scanner low, kev internet-facing", POL_DEFAULT,
		NA, CTEM_SEV_LOW, 1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.0,
		3, 1, -1, 0.0, -1, -1,
	20.0, 1, 3, F_P1, 0},
	/* 22: X = max(.7 unknown, .8 path): 91 x .85 x .9 x .8 = 55.692 */
	{"internet exposure unknown, on attack path", POL_DEFAULT,
		9.1, CTEM_SEV_CRITICAL, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.3,
		4, -1, 1, 0.0, -1, -1,
	55.7, 3, 60, 0, D_INET},
	/* 23: 98 x 1 x (1 - .4) x .6 = 35.28 -> P3, KEV internet -> P1 */
	{"kev blocked with capped controls: floor P1", POL_DEFAULT,
		9.8, CTEM_SEV_CRITICAL, 1, CTEM_VAL_BLOCKED, CTEM_MAT_UNKNOWN, NA,
		5, 1, -1, 0.5, -1, -1,
	35.3, 1, 3, F_P1, D_EPSS},
	/* 24: cvss 12 ignored, scanner high 8.0 x .95 (epss .5) = 76.0 */
	{"cvss out of range ignored", POL_DEFAULT,
		12.0, CTEM_SEV_HIGH, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.5,
		5, 1, -1, 0.0, -1, -1,
	76.0, 2, 14, 0, 0},
	/* 25: not exploitable keeps V 1.0: 75 x .85 x .8 = 51.0 */
	{"validation not exploitable", POL_DEFAULT,
		7.5, CTEM_SEV_HIGH, 0, CTEM_VAL_NOT_EXPLOITABLE, CTEM_MAT_UNKNOWN, 0.15,
		3, 1, -1, 0.0, -1, -1,
	51.0, 3, 60, 0, 0},
	/* 26: epss exactly .1 is in band >= .1: 100 x .85 = 85.0 */
	{"epss on a band threshold", POL_DEFAULT,
		10.0, CTEM_SEV_CRITICAL, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.1,
		5, 1, -1, 0.0, -1, -1,
	85.0, 1, 3, 0, 0},
	/* 27: SSVC active (kev) / yes / total / high (crit 5) = Act -> P1 */
	{"ssvc act", POL_SSVC,
		9.8, CTEM_SEV_CRITICAL, 1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.9,
		5, 1, -1, 0.0, 1, 1,
	98.0, 1, 3, 0, 0},
	/* 28: score 98 x .95 x .7 = 65.17 -> P2 by score; SSVC none / no /
	 * partial / low (crit 2) = Track -> P4 */
	{"ssvc track overrides the score", POL_SSVC,
		9.8, CTEM_SEV_CRITICAL, 0, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, 0.9,
		2, 1, -1, 0.0, 0, 0,
	65.2, 4, 180, 0, 0},
	/* 29: score 50 x .8 x .8 x .5 = 16.0; SSVC poc / yes (default) /
	 * total (default) / medium (criticality unknown) = Track* -> P3 */
	{"ssvc defaults", POL_SSVC,
		5.0, CTEM_SEV_MEDIUM, 0, CTEM_VAL_NONE, CTEM_MAT_POC, NA,
		0, 0, 0, 0.0, -1, -1,
	16.0, 3, 60, 0,
	D_EPSS | D_CRIT | CTEM_DEFAULT_SSVC_AUTOMATABLE |
	CTEM_DEFAULT_SSVC_TECHNICAL_IMPACT | CTEM_DEFAULT_SSVC_MISSION},
	/* 30: score 98 x 1 x .6 = 58.8; SSVC active / no / partial / low =
	 * Track -> P4: the KEV floors do not apply in SSVC mode */
	{"ssvc mode ignores floors", POL_SSVC,
		9.8, CTEM_SEV_CRITICAL, 1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN, NA,
		1, 1, -1, 0.0, 0, 0,
	58.8, 4, 180, 0, D_EPSS},
};

static void
fill_input(const Example *e, CtemScoreInput *in)
{
	ctem_score_input_init(in);
	in->cvss = e->cvss;
	in->cvss_source = isnan(e->cvss) ? NULL : "cvss v3.1 vector";
	in->severity = e->sev;
	in->kev = e->kev;
	in->validation = e->val;
	in->maturity = e->mat;
	in->epss = e->epss;
	in->criticality = e->crit;
	in->internet_facing = e->inet;
	in->on_attack_path = e->path;
	in->control_effectiveness = e->ctl;
	in->n_controls = e->ctl > 0.0 ? 1 : 0;
	in->ssvc_automatable = e->ssvc_a;
	in->ssvc_technical_impact = e->ssvc_t;
}

static bool
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

/* parse explain text with jansson and compare it with the result */
static void
check_explain(const char *name, const CtemPolicy *p, const CtemScoreInput *in,
			  const CtemScoreResult *r)
{
	char		buf[CTEM_EXPLAIN_MAX];
	size_t		len;
	json_t	   *root;
	json_t	   *factors;
	json_error_t err;
	const char *f;

	len = ctem_score_explain(p, in, r, buf, sizeof(buf));
	CHECK(len < sizeof(buf) && strlen(buf) == len,
		  "%s: explain length %zu", name, len);
	root = json_loadb(buf, len, 0, &err);
	CHECK(root != NULL, "%s: explain is not JSON: %s at %d: %s",
		  name, err.text, err.position, buf);
	if (root == NULL)
		return;
	CHECK(json_is_object(root), "%s: explain is not an object", name);
	CHECK(near(json_number_value(json_object_get(root, "score")), r->score),
		  "%s: explain score", name);
	CHECK(strcmp(json_string_value(json_object_get(root, "priority")) ?
				 json_string_value(json_object_get(root, "priority")) : "",
				 ctem_priority_name(r->priority)) == 0,
		  "%s: explain priority", name);
	CHECK(json_integer_value(json_object_get(root, "sla_days")) == r->sla_days,
		  "%s: explain sla_days", name);
	CHECK(json_integer_value(json_object_get(root, "policy_version")) ==
		  p->version, "%s: explain policy_version", name);
	CHECK(json_string_value(json_object_get(root, "formula")) != NULL &&
		  strcmp(json_string_value(json_object_get(root, "formula")),
				 CTEM_SCORE_FORMULA) == 0, "%s: explain formula", name);
	factors = json_object_get(root, "factors");
	CHECK(json_is_object(factors), "%s: explain factors", name);
	for (f = "SLAXCV"; *f; f++)
	{
		char		key[2] = {*f, '\0'};
		json_t	   *fo = json_object_get(factors, key);

		CHECK(json_is_object(fo) &&
			  json_is_string(json_object_get(fo, "source")) &&
			  json_is_object(json_object_get(fo, "input")),
			  "%s: explain factor %s", name, key);
	}
	CHECK(near(json_number_value(json_object_get(json_object_get(factors, "S"),
												 "value")), r->s),
		  "%s: explain S value", name);
	CHECK(near(json_number_value(json_object_get(json_object_get(factors, "L"),
												 "value")), r->l),
		  "%s: explain L value", name);
	CHECK(json_array_size(json_object_get(json_object_get(factors, "L"),
										  "evidence")) >= 1,
		  "%s: explain L evidence", name);
	CHECK(json_is_array(json_object_get(root, "floors_applied")) &&
		  json_array_size(json_object_get(root, "floors_applied")) ==
		  (size_t) (((r->floors & F_P1) ? 1 : 0) + ((r->floors & F_P2) ? 1 : 0)),
		  "%s: explain floors_applied", name);
	CHECK(json_is_array(json_object_get(root, "defaults_used")),
		  "%s: explain defaults_used", name);
	if (p->use_ssvc)
		CHECK(json_is_object(json_object_get(root, "ssvc")) &&
			  strcmp(json_string_value(json_object_get(json_object_get(root, "ssvc"), "decision")),
					 ctem_ssvc_decision_name((CtemSsvcDecision) r->ssvc)) == 0,
			  "%s: explain ssvc", name);
	else
		CHECK(json_is_null(json_object_get(root, "ssvc")),
			  "%s: explain ssvc not null", name);
	json_decref(root);
}

static void
test_examples(void)
{
	size_t		i;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
	{
		const Example *e = &examples[i];
		CtemPolicy	p;
		CtemScoreInput in;
		CtemScoreResult r;

		make_policy(e->policy, &p);
		fill_input(e, &in);
		ctem_score_compute(&p, &in, &r);
		CHECK(near(r.score, e->score), "example %zu (%s): score %.4f, want %.1f",
			  i + 1, e->name, r.score, e->score);
		CHECK(r.priority == e->prio, "example %zu (%s): priority P%d, want P%d",
			  i + 1, e->name, r.priority, e->prio);
		CHECK(r.sla_days == e->sla, "example %zu (%s): sla %d, want %d",
			  i + 1, e->name, r.sla_days, e->sla);
		CHECK(r.floors == e->floors, "example %zu (%s): floors %#x, want %#x",
			  i + 1, e->name, r.floors, e->floors);
		CHECK(r.defaults == e->defaults,
			  "example %zu (%s): defaults %#x, want %#x",
			  i + 1, e->name, r.defaults, e->defaults);
		check_explain(e->name, &p, &in, &r);
	}
}

/* factor values and sources of a few examples */
static void
test_factors(void)
{
	CtemPolicy	p;
	CtemScoreInput in;
	CtemScoreResult r;

	ctem_policy_default(&p);

	/* example 2 */
	fill_input(&examples[1], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.s, 7.5) && near(r.l, 0.85) && near(r.a, 0.8) &&
		  near(r.x, 0.8) && near(r.c, 0.0) && near(r.v, 1.0),
		  "factors of example 2: %g %g %g %g %g %g",
		  r.s, r.l, r.a, r.x, r.c, r.v);
	CHECK(strcmp(r.s_source, "cvss") == 0, "s_source %s", r.s_source);
	CHECK(strcmp(r.l_source, "epss band") == 0, "l_source %s", r.l_source);
	CHECK(strcmp(r.a_source, "asset criticality 3") == 0, "a_source %s",
		  r.a_source);
	CHECK(strcmp(r.x_source, "attack path to crown jewel") == 0,
		  "x_source %s", r.x_source);
	CHECK(strcmp(r.c_source, "none") == 0, "c_source %s", r.c_source);
	CHECK(strcmp(r.v_source, "not validated") == 0, "v_source %s", r.v_source);
	CHECK(r.priority_by_score == 3 && r.ssvc == -1 && r.invalid == 0,
		  "example 2 by score / ssvc / invalid");

	/* example 4: every default */
	fill_input(&examples[3], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.s, 5.0) && near(r.l, 0.7) && near(r.a, 0.8) && near(r.x, 0.7),
		  "defaults of example 4");
	CHECK(strcmp(r.s_source, "default (missing severity)") == 0, "s_source %s",
		  r.s_source);
	CHECK(strcmp(r.l_source, "default (epss unknown)") == 0, "l_source %s",
		  r.l_source);
	CHECK(strcmp(r.a_source, "default (criticality unknown)") == 0,
		  "a_source %s", r.a_source);
	CHECK(strcmp(r.x_source, "default (internet exposure unknown)") == 0,
		  "x_source %s", r.x_source);

	/* example 5: kev wins, floor */
	fill_input(&examples[4], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(strcmp(r.l_source, "kev") == 0 && r.priority_by_score == 4,
		  "example 5 l_source %s by score P%d", r.l_source,
		  r.priority_by_score);

	/* example 9: cap */
	fill_input(&examples[8], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.c, 0.4) &&
		  strcmp(r.c_source, "compensating controls (capped)") == 0,
		  "example 9 control cap %g %s", r.c, r.c_source);

	/* example 10: maturity wins */
	fill_input(&examples[9], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.l, 0.9) && strcmp(r.l_source, "exploit maturity functional") == 0 &&
		  near(r.c, 0.25) && strcmp(r.c_source, "compensating controls") == 0,
		  "example 10 %g %s %g %s", r.l, r.l_source, r.c, r.c_source);

	/* example 8: blocked */
	fill_input(&examples[7], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.v, 0.6) && strcmp(r.v_source, "validation blocked") == 0,
		  "example 8 V %g %s", r.v, r.v_source);

	/* example 15: clamped up to l_min */
	make_policy(POL_LOW_EPSS, &p);
	fill_input(&examples[14], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.l, 0.5) && strcmp(r.l_source, "epss band") == 0,
		  "example 15 L %g %s", r.l, r.l_source);

	/* example 20: internal with unknown attack path */
	ctem_policy_default(&p);
	fill_input(&examples[19], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.5) &&
		  strcmp(r.x_source, "internal (attack path unknown)") == 0 &&
		  strcmp(r.s_source, "scanner severity medium") == 0,
		  "example 20 %g %s %s", r.x, r.x_source, r.s_source);

	/* the attack-path probability of an internal asset that is no jewel */
	ctem_policy_default(&p);
	fill_input(&examples[19], &in);
	in.internet_facing = 0;
	in.on_attack_path = -1;
	in.attack_path_probability = 0.0;
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.5) && !(r.defaults & CTEM_DEFAULT_ATTACK_PATH) &&
		  strcmp(r.x_source, "internal (no attack path to a crown jewel)") == 0,
		  "path 0: %g %s", r.x, r.x_source);
	in.attack_path_probability = 0.05;	/* half of path_probability_full */
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.65) &&
		  strcmp(r.x_source, "unlikely attack path to a crown jewel (scaled)") == 0,
		  "path 0.05: %g %s", r.x, r.x_source);
	in.attack_path_probability = 0.1;
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.8) &&
		  strcmp(r.x_source, "likely attack path to a crown jewel") == 0,
		  "path 0.1: %g %s", r.x, r.x_source);
	in.attack_path_probability = 0.9;
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.8), "path 0.9: %g", r.x);
	{
		double		prev = -1.0;
		int			monotone = 1;

		for (int i = 0; i <= 100; i++)
		{
			in.attack_path_probability = i / 100.0;
			ctem_score_compute(&p, &in, &r);
			if (r.x < prev || r.x < 0.5 - 1e-12 || r.x > 0.8 + 1e-12)
				monotone = 0;
			prev = r.x;
		}
		CHECK(monotone, "X grows with the path probability, within [x_internal, x_attack_path]");
	}
	in.attack_path_probability = 1.5;
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.5) && (r.invalid & CTEM_INVALID_ATTACK_PATH) &&
		  (r.defaults & CTEM_DEFAULT_ATTACK_PATH),
		  "path 1.5 is ignored: %g %x", r.x, r.invalid);
	in.attack_path_probability = 0.01;
	in.on_attack_path = 1;		/* a crown jewel keeps all of x_attack_path */
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.8) && strcmp(r.x_source, "attack path to crown jewel") == 0,
		  "jewel: %g %s", r.x, r.x_source);
	in.on_attack_path = -1;
	in.internet_facing = 1;		/* internet-facing wins */
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 1.0), "internet-facing on a path: %g", r.x);
	in.internet_facing = -1;	/* unknown: the larger of x_unknown and the path's */
	in.attack_path_probability = 0.09;
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.77) &&
		  strcmp(r.x_source, "attack path (internet exposure unknown)") == 0,
		  "unknown internet, path 0.09: %g %s", r.x, r.x_source);
	in.attack_path_probability = 0.01;
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.7), "unknown internet, path 0.01: %g", r.x);
	p.path_probability_full = 0.0;
	CHECK(!ctem_policy_check(&p, NULL, 0), "path_probability_full 0 is refused");
	p.path_probability_full = 1.0;
	CHECK(ctem_policy_check(&p, NULL, 0), "path_probability_full 1 is fine");

	/* example 22 */
	fill_input(&examples[21], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(near(r.x, 0.8) &&
		  strcmp(r.x_source, "attack path (internet exposure unknown)") == 0,
		  "example 22 %g %s", r.x, r.x_source);

	/* example 24: invalid cvss flagged */
	fill_input(&examples[23], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(r.invalid == CTEM_INVALID_CVSS &&
		  strcmp(r.s_source, "scanner severity high") == 0,
		  "example 24 invalid %#x %s", r.invalid, r.s_source);

	/* example 28: SSVC result fields */
	make_policy(POL_SSVC, &p);
	fill_input(&examples[27], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(r.ssvc == CTEM_SSVC_TRACK && r.priority_by_score == 2 &&
		  r.ssvc_exploitation == CTEM_SSVC_EXPL_NONE &&
		  r.ssvc_automatable == 0 && r.ssvc_technical_impact == 0 &&
		  r.ssvc_mission == CTEM_SSVC_MWB_LOW,
		  "example 28 ssvc fields %d %d", r.ssvc, r.priority_by_score);
}

/* out-of-range inputs become unknown and are flagged */
static void
test_invalid_inputs(void)
{
	CtemPolicy	p;
	CtemScoreInput in;
	CtemScoreResult r;

	ctem_policy_default(&p);
	ctem_score_input_init(&in);
	in.cvss = -1.0;
	in.severity = (CtemSeverity) 42;
	in.kev = 7;
	in.validation = (CtemValidation) -3;
	in.maturity = (CtemExploitMaturity) 9;
	in.epss = 1.5;
	in.criticality = 6;
	in.internet_facing = 2;
	in.on_attack_path = -2;
	in.control_effectiveness = NAN;
	ctem_score_compute(&p, &in, &r);
	CHECK(r.invalid == (CTEM_INVALID_CVSS | CTEM_INVALID_SEVERITY |
						CTEM_INVALID_KEV | CTEM_INVALID_VALIDATION |
						CTEM_INVALID_MATURITY | CTEM_INVALID_EPSS |
						CTEM_INVALID_CRITICALITY |
						CTEM_INVALID_INTERNET_FACING |
						CTEM_INVALID_ATTACK_PATH | CTEM_INVALID_CONTROLS),
		  "invalid flags %#x", r.invalid);
	/* then scored like example 4: 19.6 */
	CHECK(near(r.score, 19.6) && r.priority == 4,
		  "invalid inputs scored as unknown: %.1f", r.score);
	CHECK(r.defaults == (D_SEV | D_EPSS | D_CRIT | D_INET | D_KEV),
		  "invalid inputs defaults %#x", r.defaults);
	check_explain("invalid inputs", &p, &in, &r);

	in.control_effectiveness = 1.5;
	ctem_score_compute(&p, &in, &r);
	CHECK((r.invalid & CTEM_INVALID_CONTROLS) && near(r.c, 0.0),
		  "controls 1.5 ignored");
	in.control_effectiveness = -0.2;
	ctem_score_compute(&p, &in, &r);
	CHECK((r.invalid & CTEM_INVALID_CONTROLS) && near(r.c, 0.0),
		  "controls -0.2 ignored");
	in.cvss = INFINITY;
	ctem_score_compute(&p, &in, &r);
	CHECK(r.invalid & CTEM_INVALID_CVSS, "cvss inf ignored");

	/* SSVC values out of range */
	p.use_ssvc = true;
	ctem_score_input_init(&in);
	in.ssvc_exploitation = 3;
	in.ssvc_automatable = 2;
	in.ssvc_technical_impact = -2;
	in.ssvc_mission = 3;
	ctem_score_compute(&p, &in, &r);
	CHECK(r.invalid == (CTEM_INVALID_SSVC_EXPLOITATION |
						CTEM_INVALID_SSVC_AUTOMATABLE |
						CTEM_INVALID_SSVC_TECHNICAL_IMPACT |
						CTEM_INVALID_SSVC_MISSION),
		  "ssvc invalid flags %#x", r.invalid);
	/* none (derived) / yes / total / medium (defaults) = Track */
	CHECK(r.ssvc == CTEM_SSVC_TRACK && r.priority == 4,
		  "ssvc from defaults: %d", r.ssvc);
	check_explain("invalid ssvc inputs", &p, &in, &r);
}

/* an unchecked policy must not break the invariants */
static void
test_unchecked_policy(void)
{
	CtemPolicy	p;
	CtemScoreInput in;
	CtemScoreResult r;

	fill_input(&examples[1], &in);

	ctem_policy_default(&p);
	p.n_epss_bands = 1000;
	ctem_score_compute(&p, &in, &r);
	CHECK(r.score >= 0 && r.score <= 100 && r.priority >= 1 &&
		  r.priority <= 4, "n_epss_bands 1000");
	p.n_epss_bands = -4;
	ctem_score_compute(&p, &in, &r);
	CHECK(strcmp(r.l_source, "epss below all bands") == 0 && near(r.l, 0.5),
		  "n_epss_bands -4: %s %g", r.l_source, r.l);

	ctem_policy_default(&p);
	p.x_attack_path = NAN;
	p.p1_min = NAN;
	ctem_score_compute(&p, &in, &r);
	CHECK(r.score == 0.0 && r.priority == 4, "NaN weight: %g P%d", r.score,
		  r.priority);
	check_explain("NaN policy", &p, &in, &r);

	ctem_policy_default(&p);
	p.sev_high = 1e300;
	p.x_internet = 1e300;
	fill_input(&examples[2], &in);
	in.internet_facing = 1;
	ctem_score_compute(&p, &in, &r);
	CHECK(r.score == 100.0 && r.priority == 1, "huge weights clamp to 100");

	ctem_policy_default(&p);
	p.v_blocked = -5.0;
	fill_input(&examples[7], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(r.score == 0.0, "negative weight clamps to 0");
}

static void
test_controls_combine(void)
{
	double		a[] = {0.5, 0.5};
	double		b[] = {0.3, 0.2, 0.1};
	double		c[] = {0.4, 1.0, 0.2};
	double		d[] = {NAN, -1.0, 0.5};

	/* 1 - .5 x .5 */
	CHECK(near(ctem_controls_combine(a, 2), 0.75), "combine .5 .5");
	/* 1 - .7 x .8 x .9 = 1 - .504 */
	CHECK(near(ctem_controls_combine(b, 3), 0.496), "combine .3 .2 .1");
	CHECK(near(ctem_controls_combine(c, 3), 1.0), "combine with 1.0");
	CHECK(near(ctem_controls_combine(d, 3), 0.5), "combine ignores NaN, < 0");
	CHECK(near(ctem_controls_combine(NULL, 3), 0.0), "combine NULL");
	{
		double		one[1] = {0.3};

		CHECK(ctem_controls_combine(one, 1) == 0.3, "one control of 0.3 combines to exactly 0.3");
	}
	CHECK(near(ctem_controls_combine(a, 0), 0.0), "combine none");
}

static void
test_sla_override(void)
{
	CtemPolicy	p;
	CtemScoreInput in;
	CtemScoreResult r;

	/* override only hits its own tier and priority */
	make_policy(POL_SLA_OVERRIDE, &p);
	fill_input(&examples[15], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(r.sla_days == 7 && r.sla_overridden, "override crit 5 P2");
	in.criticality = 4;			/* 72 x .95 x .9 = 61.56 -> P2 */
	ctem_score_compute(&p, &in, &r);
	CHECK(r.priority == 2 && r.sla_days == 14 && !r.sla_overridden,
		  "no override for crit 4: P%d %d", r.priority, r.sla_days);
	in.criticality = 0;			/* unknown criticality never overrides */
	p.sla_override[2][2] = 1;	/* crit 3, P3: a trap for "unknown = 3" */
	ctem_score_compute(&p, &in, &r);	/* 72 x .95 x .8 = 54.72 -> P3 */
	CHECK(r.priority == 3 && r.sla_days == 60 && !r.sla_overridden,
		  "no override for unknown crit: P%d %d", r.priority, r.sla_days);
	p.sla_override[0][3] = 365;
	fill_input(&examples[19], &in);
	ctem_score_compute(&p, &in, &r);
	CHECK(r.priority == 4 && r.sla_days == 365 && r.sla_overridden,
		  "override crit 1 P4: %d", r.sla_days);
	check_explain("sla override", &p, &in, &r);
}

/*
 * The CISA SSVC table, row by row (CISA SSVC Guide, Nov 2022; CERT/CC
 * CISA Coordinator table v2.0.3; see docs/scoring.md).
 */
typedef struct SsvcRow
{
	int			e;
	int			a;
	int			t;
	int			m;
	CtemSsvcDecision d;
} SsvcRow;

#define N_	CTEM_SSVC_EXPL_NONE
#define P_	CTEM_SSVC_EXPL_POC
#define A_	CTEM_SSVC_EXPL_ACTIVE
#define TR	CTEM_SSVC_TRACK
#define TS	CTEM_SSVC_TRACK_STAR
#define AT	CTEM_SSVC_ATTEND
#define AC	CTEM_SSVC_ACT

static const SsvcRow ssvc_rows[36] = {
	{N_, 0, 0, 0, TR}, {N_, 0, 0, 1, TR}, {N_, 0, 0, 2, TR},
	{N_, 0, 1, 0, TR}, {N_, 0, 1, 1, TR}, {N_, 0, 1, 2, TS},
	{N_, 1, 0, 0, TR}, {N_, 1, 0, 1, TR}, {N_, 1, 0, 2, AT},
	{N_, 1, 1, 0, TR}, {N_, 1, 1, 1, TR}, {N_, 1, 1, 2, AT},
	{P_, 0, 0, 0, TR}, {P_, 0, 0, 1, TR}, {P_, 0, 0, 2, TS},
	{P_, 0, 1, 0, TR}, {P_, 0, 1, 1, TS}, {P_, 0, 1, 2, AT},
	{P_, 1, 0, 0, TR}, {P_, 1, 0, 1, TR}, {P_, 1, 0, 2, AT},
	{P_, 1, 1, 0, TR}, {P_, 1, 1, 1, TS}, {P_, 1, 1, 2, AT},
	{A_, 0, 0, 0, TR}, {A_, 0, 0, 1, TR}, {A_, 0, 0, 2, AT},
	{A_, 0, 1, 0, TR}, {A_, 0, 1, 1, AT}, {A_, 0, 1, 2, AC},
	{A_, 1, 0, 0, AT}, {A_, 1, 0, 1, AT}, {A_, 1, 0, 2, AC},
	{A_, 1, 1, 0, AT}, {A_, 1, 1, 1, AC}, {A_, 1, 1, 2, AC},
};

static void
test_ssvc(void)
{
	int			i;
	int			counts[4] = {0, 0, 0, 0};
	CtemPolicy	p;
	CtemScoreInput in;
	CtemScoreResult r;

	for (i = 0; i < 36; i++)
	{
		const SsvcRow *s = &ssvc_rows[i];
		CtemSsvcDecision d = ctem_ssvc_decision(s->e, s->a, s->t, s->m);

		CHECK(d == s->d, "ssvc row %d (%s/%s/%s/%s): %s, want %s", i + 1,
			  ctem_ssvc_exploitation_name(s->e),
			  ctem_ssvc_automatable_name(s->a),
			  ctem_ssvc_technical_impact_name(s->t),
			  ctem_ssvc_mission_name(s->m),
			  ctem_ssvc_decision_name(d), ctem_ssvc_decision_name(s->d));
		if (d >= 0 && d <= 3)
			counts[d]++;

		/* the same row through ctem_score_compute in SSVC mode */
		make_policy(POL_SSVC, &p);
		ctem_score_input_init(&in);
		in.ssvc_exploitation = s->e;
		in.ssvc_automatable = s->a;
		in.ssvc_technical_impact = s->t;
		in.ssvc_mission = s->m;
		ctem_score_compute(&p, &in, &r);
		CHECK(r.ssvc == (int) s->d && r.priority == ctem_ssvc_priority(s->d),
			  "ssvc row %d via compute: %d P%d", i + 1, r.ssvc, r.priority);
	}
	/* CISA's table: 18 Track, 4 Track*, 10 Attend, 4 Act */
	CHECK(counts[0] == 18 && counts[1] == 4 && counts[2] == 10 &&
		  counts[3] == 4, "ssvc outcome counts %d %d %d %d",
		  counts[0], counts[1], counts[2], counts[3]);

	CHECK(ctem_ssvc_decision(-1, 0, 0, 0) == CTEM_SSVC_INVALID &&
		  ctem_ssvc_decision(3, 0, 0, 0) == CTEM_SSVC_INVALID &&
		  ctem_ssvc_decision(0, 2, 0, 0) == CTEM_SSVC_INVALID &&
		  ctem_ssvc_decision(0, 0, 2, 0) == CTEM_SSVC_INVALID &&
		  ctem_ssvc_decision(0, 0, 0, 3) == CTEM_SSVC_INVALID,
		  "ssvc invalid arguments");
	CHECK(ctem_ssvc_priority(CTEM_SSVC_ACT) == 1 &&
		  ctem_ssvc_priority(CTEM_SSVC_ATTEND) == 2 &&
		  ctem_ssvc_priority(CTEM_SSVC_TRACK_STAR) == 3 &&
		  ctem_ssvc_priority(CTEM_SSVC_TRACK) == 4 &&
		  ctem_ssvc_priority(CTEM_SSVC_INVALID) == 4, "ssvc priorities");

	/* derivation helpers */
#define EXPL ctem_ssvc_exploitation_from_evidence
	CHECK(EXPL(1, CTEM_VAL_NONE, CTEM_MAT_UNKNOWN) == A_ &&
		  EXPL(0, CTEM_VAL_EXPLOITABLE, CTEM_MAT_UNKNOWN) == A_ &&
		  EXPL(0, CTEM_VAL_NONE, CTEM_MAT_POC) == P_ &&
		  EXPL(-1, CTEM_VAL_BLOCKED, CTEM_MAT_FUNCTIONAL) == P_ &&
		  EXPL(0, CTEM_VAL_NONE, CTEM_MAT_HIGH) == P_ &&
		  EXPL(0, CTEM_VAL_NONE, CTEM_MAT_UNPROVEN) == N_ &&
		  EXPL(-1, CTEM_VAL_NOT_EXPLOITABLE, CTEM_MAT_UNKNOWN) == N_,
		  "exploitation from evidence");
#undef EXPL
	CHECK(ctem_ssvc_automatable_from_cvss(1, 1, 1, 1) == 1 &&
		  ctem_ssvc_automatable_from_cvss(1, 1, 0, 1) == 0 &&
		  ctem_ssvc_automatable_from_cvss(-1, 1, 1, 1) == -1 &&
		  ctem_ssvc_automatable_from_cvss(-1, 0, 1, -1) == 0,
		  "automatable from cvss");
	CHECK(ctem_ssvc_technical_impact_from_cvss(1, 1, 0, 0) == 1 &&
		  ctem_ssvc_technical_impact_from_cvss(0, 0, 1, 1) == 1 &&
		  ctem_ssvc_technical_impact_from_cvss(1, 0, 1, 0) == 0 &&
		  ctem_ssvc_technical_impact_from_cvss(1, -1, 0, 1) == -1 &&
		  ctem_ssvc_technical_impact_from_cvss(0, -1, 0, -1) == 0 &&
		  ctem_ssvc_technical_impact_from_cvss(-1, -1, 1, 1) == 1,
		  "technical impact from cvss");
	{
		bool		dflt = false;
		bool		ok = true;

#define MWB(c) ctem_ssvc_mission_from_criticality((c), &dflt)
		ok &= MWB(5) == CTEM_SSVC_MWB_HIGH && !dflt;
		ok &= MWB(4) == CTEM_SSVC_MWB_HIGH && !dflt;
		ok &= MWB(3) == CTEM_SSVC_MWB_MEDIUM && !dflt;
		ok &= MWB(2) == CTEM_SSVC_MWB_LOW && !dflt;
		ok &= MWB(1) == CTEM_SSVC_MWB_LOW && !dflt;
		ok &= MWB(0) == CTEM_SSVC_MWB_MEDIUM && dflt;
#undef MWB
		ok &= ctem_ssvc_mission_from_criticality(9, NULL) == CTEM_SSVC_MWB_MEDIUM;
		CHECK(ok, "mission from criticality");
	}
}

static void
test_names(void)
{
	CHECK(ctem_severity_parse("CRITICAL") == CTEM_SEV_CRITICAL &&
		  ctem_severity_parse("moderate") == CTEM_SEV_MEDIUM &&
		  ctem_severity_parse("informational") == CTEM_SEV_INFO &&
		  ctem_severity_parse("bogus") == -1 &&
		  ctem_severity_parse(NULL) == -1, "severity parse");
	CHECK(ctem_maturity_parse("PoC") == CTEM_MAT_POC &&
		  ctem_maturity_parse("attacked") == CTEM_MAT_HIGH &&
		  ctem_maturity_parse("functional") == CTEM_MAT_FUNCTIONAL,
		  "maturity parse");
	CHECK(ctem_validation_parse("blocked") == CTEM_VAL_BLOCKED &&
		  ctem_validation_parse("not_exploitable") == CTEM_VAL_NOT_EXPLOITABLE,
		  "validation parse");
	CHECK(ctem_ssvc_decision_parse("track*") == CTEM_SSVC_TRACK_STAR &&
		  ctem_ssvc_decision_parse("Act") == CTEM_SSVC_ACT &&
		  ctem_ssvc_decision_parse("nope") == -1, "ssvc parse");
	CHECK(strcmp(ctem_severity_name(CTEM_SEV_HIGH), "high") == 0 &&
		  strcmp(ctem_severity_name((CtemSeverity) 17), "invalid") == 0 &&
		  strcmp(ctem_priority_name(2), "P2") == 0 &&
		  strcmp(ctem_priority_name(0), "invalid") == 0 &&
		  strcmp(ctem_ssvc_decision_name(CTEM_SSVC_TRACK_STAR), "Track*") == 0,
		  "names");
}

/* factors.S.input.cvss_source of a parsed explain document */
static const char *
explained_source(json_t *root)
{
	json_t	   *s = json_object_get(json_object_get(root, "factors"), "S");

	return json_string_value(json_object_get(json_object_get(s, "input"),
											 "cvss_source"));
}

/* explain with hostile strings and small buffers */
static void
test_explain_edges(void)
{
	CtemPolicy	p;
	CtemScoreInput in;
	CtemScoreResult r;
	char		big[CTEM_EXPLAIN_MAX];
	char		small[16];
	char		longsrc[2000];
	size_t		full;
	size_t		len;
	json_t	   *root;
	json_error_t err;
	const char *src;

	ctem_policy_default(&p);
	fill_input(&examples[0], &in);
	in.cvss_source = "quote \" backslash \\ newline \n tab \t bell \a "
		"\xc3\xa9 bad \xff\xfe cut \xe2\x82 surrogate \xed\xa0\x80 end";
	ctem_score_compute(&p, &in, &r);
	full = ctem_score_explain(&p, &in, &r, big, sizeof(big));
	root = json_loadb(big, full, 0, &err);
	CHECK(root != NULL, "hostile cvss_source: %s: %s", err.text, big);
	if (root)
	{
		src = explained_source(root);
		CHECK(src != NULL && strstr(src, "quote \" backslash \\ newline \n") != NULL &&
			  strstr(src, "\xc3\xa9") != NULL &&
			  strstr(src, "\xef\xbf\xbd") != NULL,
			  "hostile cvss_source round trip: %s", src ? src : "(null)");
		json_decref(root);
	}

	/* long source is cut at CTEM_EXPLAIN_SOURCE_MAX bytes */
	memset(longsrc, 'x', sizeof(longsrc) - 1);
	longsrc[sizeof(longsrc) - 1] = '\0';
	in.cvss_source = longsrc;
	full = ctem_score_explain(&p, &in, &r, big, sizeof(big));
	root = json_loadb(big, full, 0, &err);
	CHECK(root != NULL && full < CTEM_EXPLAIN_MAX, "long cvss_source");
	if (root)
	{
		src = explained_source(root);
		CHECK(src != NULL && strlen(src) == CTEM_EXPLAIN_SOURCE_MAX,
			  "cvss_source cut to %d bytes", CTEM_EXPLAIN_SOURCE_MAX);
		json_decref(root);
	}

	/* snprintf semantics */
	len = ctem_score_explain(&p, &in, &r, small, sizeof(small));
	CHECK(len == full && strlen(small) == sizeof(small) - 1 &&
		  strncmp(small, big, sizeof(small) - 1) == 0,
		  "truncated explain: %zu %zu", len, full);
	len = ctem_score_explain(&p, &in, &r, NULL, 0);
	CHECK(len == full, "explain length with no buffer");
	small[0] = 'z';
	len = ctem_score_explain(&p, &in, &r, small, 1);
	CHECK(len == full && small[0] == '\0', "explain into 1 byte");
	len = ctem_score_explain(NULL, &in, &r, big, sizeof(big));
	CHECK(len == 2 && strcmp(big, "{}") == 0, "explain without policy");

	/* the exact text of one explain */
	ctem_policy_default(&p);
	fill_input(&examples[5], &in);
	in.cvss_source = "nvd";
	ctem_score_compute(&p, &in, &r);
	ctem_score_explain(&p, &in, &r, big, sizeof(big));
	CHECK(strcmp(big,
				 "{\"score\":17.5,\"priority\":\"P2\",\"priority_by_score\":\"P4\","
				 "\"sla_days\":14,\"sla_source\":\"priority\",\"policy_version\":1,"
				 "\"mode\":\"score\",\"formula\":\"" CTEM_SCORE_FORMULA "\","
				 "\"factors\":{"
				 "\"S\":{\"value\":5,\"source\":\"cvss\",\"input\":{\"cvss\":5,"
				 "\"cvss_source\":\"nvd\",\"scanner_severity\":\"medium\"}},"
				 "\"L\":{\"value\":1,\"source\":\"kev\",\"evidence\":["
				 "{\"kind\":\"kev\",\"input\":true,\"value\":1},"
				 "{\"kind\":\"epss\",\"input\":null,\"default\":true,\"value\":0.7}],"
				 "\"min\":0.5,\"max\":1,\"input\":{\"kev\":true,"
				 "\"validation\":\"none\",\"exploit_maturity\":\"unknown\","
				 "\"epss\":null}},"
				 "\"A\":{\"value\":0.7,\"source\":\"asset criticality 2\","
				 "\"input\":{\"criticality\":2}},"
				 "\"X\":{\"value\":0.5,\"source\":\"internal\","
				 "\"input\":{\"internet_facing\":false,\"on_attack_path\":false,\"attack_path_probability\":null,\"path_probability_full\":0.1}},"
				 "\"C\":{\"value\":0,\"source\":\"none\",\"input\":{"
				 "\"effectiveness\":0,\"n_controls\":0,\"cap\":0.4}},"
				 "\"V\":{\"value\":1,\"source\":\"not validated\","
				 "\"input\":{\"validation\":\"none\"}}},"
				 "\"floors_applied\":[\"kev_or_validated_p2\"],"
				 "\"defaults_used\":[\"epss\"],\"inputs_ignored\":[],"
				 "\"ssvc\":null}") == 0,
		  "explain text of example 6: %s", big);
}

static void
expect_reject(const CtemPolicy *p, const char *field, const char *what)
{
	char		err[CTEM_POLICY_ERR_MAX];
	bool		ok = ctem_policy_check(p, err, sizeof(err));

	CHECK(!ok && strstr(err, field) != NULL,
		  "policy_check should reject %s naming %s: ok=%d \"%s\"",
		  what, field, ok, err);
}

static void
test_policy_check(void)
{
	CtemPolicy	p;
	char		err[CTEM_POLICY_ERR_MAX];
	char		tiny[8];
	int			v;

	ctem_policy_default(&p);
	CHECK(ctem_policy_check(&p, err, sizeof(err)) && err[0] == '\0',
		  "default policy passes: %s", err);
	for (v = POL_SLA_OVERRIDE; v <= POL_LOW_EPSS; v++)
	{
		make_policy(v, &p);
		CHECK(ctem_policy_check(&p, err, sizeof(err)),
			  "policy variant %d passes: %s", v, err);
	}

	ctem_policy_default(&p);
	p.version = 0;
	expect_reject(&p, "version", "version 0");

	ctem_policy_default(&p);
	p.sev_high = 11.0;
	expect_reject(&p, "sev_high", "severity above 10");

	ctem_policy_default(&p);
	p.sev_medium = 9.0;
	expect_reject(&p, "sev_high", "severity order");

	ctem_policy_default(&p);
	p.l_kev = 1.5;
	expect_reject(&p, "l_kev", "likelihood above 1");

	ctem_policy_default(&p);
	p.l_mat_poc = 0.95;
	expect_reject(&p, "l_mat_functional", "maturity order");

	ctem_policy_default(&p);
	p.l_min = 0.9;
	p.l_max = 0.8;
	expect_reject(&p, "l_max", "l_min above l_max");

	ctem_policy_default(&p);
	p.n_epss_bands = 9;
	expect_reject(&p, "n_epss_bands", "too many epss bands");

	ctem_policy_default(&p);
	p.epss_threshold[2] = 0.2;
	expect_reject(&p, "epss_threshold[2]", "epss thresholds not descending");

	ctem_policy_default(&p);
	p.epss_threshold[1] = 0.5;
	expect_reject(&p, "epss_threshold[1]", "equal epss thresholds");

	ctem_policy_default(&p);
	p.epss_value[3] = 0.99;
	expect_reject(&p, "epss_value[3]", "epss value rising");

	ctem_policy_default(&p);
	p.epss_threshold[0] = -0.1;
	expect_reject(&p, "epss_threshold[0]", "negative epss threshold");

	ctem_policy_default(&p);
	p.a_by_criticality[3] = 0.5;
	expect_reject(&p, "a_by_criticality[3]", "criticality weights falling");

	ctem_policy_default(&p);
	p.a_unknown = -0.1;
	expect_reject(&p, "a_unknown", "negative a_unknown");

	ctem_policy_default(&p);
	p.x_internal = 0.9;
	expect_reject(&p, "x_attack_path", "x_internal above x_attack_path");

	ctem_policy_default(&p);
	p.c_max = NAN;
	expect_reject(&p, "c_max", "NaN c_max");

	ctem_policy_default(&p);
	p.v_blocked = INFINITY;
	expect_reject(&p, "v_blocked", "infinite v_blocked");

	ctem_policy_default(&p);
	p.p2_min = 80.0;
	expect_reject(&p, "p1_min", "p1_min not above p2_min");

	ctem_policy_default(&p);
	p.p3_min = 70.0;
	expect_reject(&p, "p2_min", "p2_min not above p3_min");

	ctem_policy_default(&p);
	p.p1_min = 120.0;
	expect_reject(&p, "p1_min", "p1_min above 100");

	ctem_policy_default(&p);
	p.sla_days[1] = 0;
	expect_reject(&p, "sla_days[1]", "zero SLA");

	ctem_policy_default(&p);
	p.sla_days[3] = 30;
	expect_reject(&p, "sla_days[3]", "SLA shrinking");

	ctem_policy_default(&p);
	p.sla_override[2][3] = -1;
	expect_reject(&p, "sla_override[2][3]", "negative override");

	/* NULL or tiny error buffers */
	ctem_policy_default(&p);
	p.l_kev = 2.0;
	CHECK(!ctem_policy_check(&p, NULL, 0), "reject with NULL errbuf");
	CHECK(!ctem_policy_check(&p, tiny, sizeof(tiny)) &&
		  strlen(tiny) == sizeof(tiny) - 1, "reject with tiny errbuf");
	CHECK(!ctem_policy_check(NULL, err, sizeof(err)), "reject NULL policy");
}

/* scoring must be cheap: the glue scores millions of rows */
static void
test_speed(void)
{
	CtemPolicy	p;
	CtemScoreInput in[8];
	CtemScoreResult r;
	struct timespec t0;
	struct timespec t1;
	double		ns;
	double		sum = 0.0;
	long		i;
	const long	n = 1000000;

	ctem_policy_default(&p);
	for (i = 0; i < 8; i++)
		fill_input(&examples[i * 3], &in[i]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++)
	{
		ctem_score_compute(&p, &in[i & 7], &r);
		sum += r.score;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
	printf("# ctem_score_compute: %.1f ns per row (%ld rows, checksum %.1f)\n",
		   ns, n, sum);
	CHECK(ns < 2000.0, "scoring too slow: %.1f ns per row", ns);
}

int
main(void)
{
	test_examples();
	test_factors();
	test_invalid_inputs();
	test_unchecked_policy();
	test_controls_combine();
	test_sla_override();
	test_ssvc();
	test_names();
	test_explain_edges();
	test_policy_check();
	test_speed();

	printf("%d passed, %d failed\n", n_passed, n_failed);
	return n_failed == 0 ? 0 : 1;
}
