/*-------------------------------------------------------------------------
 *
 * score_core.c
 *		Contextual risk scoring of exposures: the pure C core.
 *
 * score = 100 x S/10 x L x A x X x (1 - C) x V where
 *	S	severity: CVSS base score, else the scanner severity mapped to 0-10;
 *	L	likelihood: the strongest of KEV, validation, exploit maturity and
 *		the EPSS band (an unknown EPSS stands in with a default);
 *	A	asset criticality weight;
 *	X	exposure: internet-facing, on an attack path, internal;
 *	C	combined compensating control effectiveness, capped;
 *	V	validation: reduced when an attack was tried and blocked.
 * The score is clamped to 0-100 and rounded half up to one decimal.  The
 * priority comes from score thresholds raised by floors (KEV on an
 * internet-facing asset is P1, KEV or validated exploitable at least P2),
 * or, in SSVC mode, from the CISA SSVC decision tree.  Every number comes
 * from the CtemPolicy; docs/scoring.md documents the model.
 *
 * Nothing here allocates, calls the backend or keeps state.
 * ctem_score_compute does no formatting either, so that scoring millions
 * of rows stays cheap; only the explain functions and ctem_policy_check
 * call snprintf.  The explanation goes out value by value through a
 * CtemJsonSink: the glue's builds jsonb directly, the text sink here writes
 * the JSON text (the tests, the fuzzer, debugging).
 *
 * src/core/score_core.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/score_core.h"

/* added before rounding half up, absorbs binary representation error */
#define ROUND_EPSILON 1e-9

/* one piece of likelihood evidence */
typedef enum EvidenceKind
{
	EV_KEV,
	EV_VALIDATED,
	EV_MATURITY,
	EV_EPSS,					/* known EPSS, in band "band" */
	EV_EPSS_BELOW,				/* known EPSS below every band: l_min */
	EV_EPSS_UNKNOWN				/* default l_epss_unknown */
} EvidenceKind;

typedef struct Evidence
{
	EvidenceKind kind;
	double		value;
	int			band;
} Evidence;

#define EVIDENCE_MAX 4

/* the input after range checks: anything out of range is unknown */
typedef struct NormInput
{
	double		cvss;			/* NaN = unknown */
	CtemSeverity severity;
	int			kev;			/* 1, 0, -1 */
	CtemValidation validation;
	CtemExploitMaturity maturity;
	double		epss;			/* NaN = unknown */
	int			criticality;	/* 1..5, 0 unknown */
	int			internet_facing;	/* 1, 0, -1 */
	int			on_attack_path; /* 1, 0, -1 */
	double		path_p;			/* 0..1, NaN = unknown */
	double		controls;		/* 0..1 */
	int			n_controls;
	int			ssvc_exploitation;	/* -1 = derive */
	int			ssvc_automatable;
	int			ssvc_technical_impact;
	int			ssvc_mission;
} NormInput;

static const char *const severity_names[] = {
	"unknown", "info", "low", "medium", "high", "critical"
};
static const char *const severity_sources[] = {
	"default (missing severity)",
	"scanner severity info",
	"scanner severity low",
	"scanner severity medium",
	"scanner severity high",
	"scanner severity critical"
};
static const char *const maturity_names[] = {
	"unknown", "unproven", "poc", "functional", "high"
};
static const char *const maturity_sources[] = {
	"exploit maturity unknown",
	"exploit maturity unproven",
	"exploit maturity poc",
	"exploit maturity functional",
	"exploit maturity high"
};
static const char *const validation_names[] = {
	"none", "exploitable", "blocked", "not_exploitable"
};
static const char *const criticality_sources[] = {
	"default (criticality unknown)",
	"asset criticality 1",
	"asset criticality 2",
	"asset criticality 3",
	"asset criticality 4",
	"asset criticality 5"
};
static const char *const ssvc_decision_names[] = {
	"Track", "Track*", "Attend", "Act"
};
static const char *const ssvc_exploitation_names[] = {
	"none", "poc", "active"
};
static const char *const ssvc_automatable_names[] = {"no", "yes"};
static const char *const ssvc_technical_impact_names[] = {"partial", "total"};
static const char *const ssvc_mission_names[] = {"low", "medium", "high"};
static const char *const priority_names[] = {"P1", "P2", "P3", "P4"};

/*
 * CISA SSVC decision table (CISA SSVC Guide, November 2022; CERT/CC
 * "CISA Coordinator" table v2.0.3), indexed
 * [exploitation][automatable][technical impact][mission & well-being].
 */
#define T	CTEM_SSVC_TRACK
#define TS	CTEM_SSVC_TRACK_STAR
#define AT	CTEM_SSVC_ATTEND
#define AC	CTEM_SSVC_ACT
static const signed char ssvc_table[3][2][2][3] = {
	/* exploitation none */
	{
		/* automatable no: partial, total (low, medium, high) */
		{{T, T, T}, {T, T, TS}},
		/* automatable yes */
		{{T, T, AT}, {T, T, AT}}
	},
	/* exploitation poc */
	{
		{{T, T, TS}, {T, TS, AT}},
		{{T, T, AT}, {T, TS, AT}}
	},
	/* exploitation active */
	{
		{{T, T, AT}, {T, AT, AC}},
		{{AT, AT, AC}, {AT, AC, AC}}
	}
};
#undef T
#undef TS
#undef AT
#undef AC

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------
 */

static bool
in_range(double v, double lo, double hi)
{
	/* false for NaN */
	return v >= lo && v <= hi;
}

static int
tristate(int v, unsigned *invalid, unsigned flag)
{
	if (v == 1 || v == 0 || v == -1)
		return v;
	*invalid |= flag;
	return -1;
}

static char
lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c + ('a' - 'A')) : c;
}

static bool
equal_ci(const char *a, const char *b)
{
	while (*a && *b)
	{
		if (lower_ascii(*a) != lower_ascii(*b))
			return false;
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

static int
parse_name(const char *s, const char *const *names, int n)
{
	int			i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (equal_ci(s, names[i]))
			return i;
	return -1;
}

/* validate and copy the input; out-of-range values become unknown */
static void
normalise_input(const CtemScoreInput *in, NormInput *n, unsigned *invalid)
{
	*invalid = 0;

	n->cvss = in->cvss;
	if (!isnan(n->cvss) && !in_range(n->cvss, 0.0, 10.0))
	{
		*invalid |= CTEM_INVALID_CVSS;
		n->cvss = NAN;
	}

	n->severity = in->severity;
	if ((int) n->severity < CTEM_SEV_UNKNOWN ||
		(int) n->severity > CTEM_SEV_CRITICAL)
	{
		*invalid |= CTEM_INVALID_SEVERITY;
		n->severity = CTEM_SEV_UNKNOWN;
	}

	n->kev = tristate(in->kev, invalid, CTEM_INVALID_KEV);

	n->validation = in->validation;
	if ((int) n->validation < CTEM_VAL_NONE ||
		(int) n->validation > CTEM_VAL_NOT_EXPLOITABLE)
	{
		*invalid |= CTEM_INVALID_VALIDATION;
		n->validation = CTEM_VAL_NONE;
	}

	n->maturity = in->maturity;
	if ((int) n->maturity < CTEM_MAT_UNKNOWN ||
		(int) n->maturity > CTEM_MAT_HIGH)
	{
		*invalid |= CTEM_INVALID_MATURITY;
		n->maturity = CTEM_MAT_UNKNOWN;
	}

	n->epss = in->epss;
	if (!isnan(n->epss) && !in_range(n->epss, 0.0, 1.0))
	{
		*invalid |= CTEM_INVALID_EPSS;
		n->epss = NAN;
	}

	n->criticality = in->criticality;
	if (n->criticality < 0 || n->criticality > 5)
	{
		*invalid |= CTEM_INVALID_CRITICALITY;
		n->criticality = 0;
	}

	n->internet_facing = tristate(in->internet_facing, invalid,
								  CTEM_INVALID_INTERNET_FACING);
	n->on_attack_path = tristate(in->on_attack_path, invalid,
								 CTEM_INVALID_ATTACK_PATH);
	n->path_p = in->attack_path_probability;
	if (!isnan(n->path_p) && !in_range(n->path_p, 0.0, 1.0))
	{
		*invalid |= CTEM_INVALID_ATTACK_PATH;
		n->path_p = NAN;
	}

	n->controls = in->control_effectiveness;
	if (!in_range(n->controls, 0.0, 1.0))
	{
		*invalid |= CTEM_INVALID_CONTROLS;
		n->controls = 0.0;
	}
	n->n_controls = in->n_controls;

	n->ssvc_exploitation = in->ssvc_exploitation;
	if (n->ssvc_exploitation < -1 ||
		n->ssvc_exploitation > CTEM_SSVC_EXPL_ACTIVE)
	{
		*invalid |= CTEM_INVALID_SSVC_EXPLOITATION;
		n->ssvc_exploitation = -1;
	}
	n->ssvc_automatable = in->ssvc_automatable;
	if (n->ssvc_automatable < -1 || n->ssvc_automatable > CTEM_SSVC_AUTO_YES)
	{
		*invalid |= CTEM_INVALID_SSVC_AUTOMATABLE;
		n->ssvc_automatable = -1;
	}
	n->ssvc_technical_impact = in->ssvc_technical_impact;
	if (n->ssvc_technical_impact < -1 ||
		n->ssvc_technical_impact > CTEM_SSVC_TI_TOTAL)
	{
		*invalid |= CTEM_INVALID_SSVC_TECHNICAL_IMPACT;
		n->ssvc_technical_impact = -1;
	}
	n->ssvc_mission = in->ssvc_mission;
	if (n->ssvc_mission < -1 || n->ssvc_mission > CTEM_SSVC_MWB_HIGH)
	{
		*invalid |= CTEM_INVALID_SSVC_MISSION;
		n->ssvc_mission = -1;
	}
}

static int
epss_band_count(const CtemPolicy *p)
{
	if (p->n_epss_bands < 0)
		return 0;
	if (p->n_epss_bands > CTEM_EPSS_BANDS_MAX)
		return CTEM_EPSS_BANDS_MAX;
	return p->n_epss_bands;
}

static double
maturity_weight(const CtemPolicy *p, CtemExploitMaturity m)
{
	switch (m)
	{
		case CTEM_MAT_HIGH:
			return p->l_mat_high;
		case CTEM_MAT_FUNCTIONAL:
			return p->l_mat_functional;
		case CTEM_MAT_POC:
			return p->l_mat_poc;
		case CTEM_MAT_UNPROVEN:
			return p->l_mat_unproven;
		default:
			return 0.0;
	}
}

/* every piece of likelihood evidence available, in order of precedence */
static int
collect_evidence(const CtemPolicy *p, const NormInput *n, Evidence *ev)
{
	int			k = 0;

	if (n->kev == 1)
	{
		ev[k].kind = EV_KEV;
		ev[k].value = p->l_kev;
		ev[k].band = -1;
		k++;
	}
	if (n->validation == CTEM_VAL_EXPLOITABLE)
	{
		ev[k].kind = EV_VALIDATED;
		ev[k].value = p->l_validated;
		ev[k].band = -1;
		k++;
	}
	if (n->maturity != CTEM_MAT_UNKNOWN)
	{
		ev[k].kind = EV_MATURITY;
		ev[k].value = maturity_weight(p, n->maturity);
		ev[k].band = -1;
		k++;
	}
	if (isnan(n->epss))
	{
		ev[k].kind = EV_EPSS_UNKNOWN;
		ev[k].value = p->l_epss_unknown;
		ev[k].band = -1;
	}
	else
	{
		int			nb = epss_band_count(p);
		int			i;

		ev[k].kind = EV_EPSS_BELOW;
		ev[k].value = p->l_min;
		ev[k].band = -1;
		for (i = 0; i < nb; i++)
		{
			if (n->epss >= p->epss_threshold[i])
			{
				ev[k].kind = EV_EPSS;
				ev[k].value = p->epss_value[i];
				ev[k].band = i;
				break;
			}
		}
	}
	k++;
	return k;
}

static const char *
evidence_source(const Evidence *e, CtemExploitMaturity m)
{
	switch (e->kind)
	{
		case EV_KEV:
			return "kev";
		case EV_VALIDATED:
			return "validated exploitable";
		case EV_MATURITY:
			return maturity_sources[m];
		case EV_EPSS:
			return "epss band";
		case EV_EPSS_BELOW:
			return "epss below all bands";
		case EV_EPSS_UNKNOWN:
			return "default (epss unknown)";
	}
	return "unknown";
}

static double
round_score(double raw)
{
	if (!(raw >= 0.0))			/* also NaN */
		raw = 0.0;
	if (raw > 100.0)
		raw = 100.0;
	return (double) (long) (raw * 10.0 + 0.5 + ROUND_EPSILON) / 10.0;
}

static int
priority_from_score(const CtemPolicy *p, double score)
{
	if (score >= p->p1_min)
		return 1;
	if (score >= p->p2_min)
		return 2;
	if (score >= p->p3_min)
		return 3;
	return 4;
}

/* ------------------------------------------------------------------------
 * Policy
 * ------------------------------------------------------------------------
 */

/*
 * The documented defaults.  The SQL seed of ctem.policy repeats these
 * numbers; docs/scoring.md lists both.
 */
void
ctem_policy_default(CtemPolicy *p)
{
	int			i;
	int			j;

	memset(p, 0, sizeof(*p));
	p->version = 1;

	p->sev_critical = 9.5;
	p->sev_high = 8.0;
	p->sev_medium = 5.5;
	p->sev_low = 2.5;
	p->sev_info = 0.0;
	p->sev_missing = 5.0;

	p->l_kev = 1.0;
	p->l_validated = 1.0;
	p->l_mat_high = 0.95;
	p->l_mat_functional = 0.9;
	p->l_mat_poc = 0.8;
	p->l_mat_unproven = 0.6;
	p->n_epss_bands = 4;
	p->epss_threshold[0] = 0.5;
	p->epss_value[0] = 0.95;
	p->epss_threshold[1] = 0.1;
	p->epss_value[1] = 0.85;
	p->epss_threshold[2] = 0.01;
	p->epss_value[2] = 0.7;
	p->epss_threshold[3] = 0.0;
	p->epss_value[3] = 0.55;
	p->l_epss_unknown = 0.7;
	p->l_min = 0.5;
	p->l_max = 1.0;

	p->a_by_criticality[0] = 0.6;
	p->a_by_criticality[1] = 0.7;
	p->a_by_criticality[2] = 0.8;
	p->a_by_criticality[3] = 0.9;
	p->a_by_criticality[4] = 1.0;
	p->a_unknown = 0.8;

	p->x_internet = 1.0;
	p->x_attack_path = 0.8;
	p->x_internal = 0.5;
	p->x_unknown = 0.7;
	p->path_probability_full = 0.1;

	p->c_max = 0.4;
	p->v_blocked = 0.6;

	p->p1_min = 80.0;
	p->p2_min = 60.0;
	p->p3_min = 35.0;

	p->sla_days[0] = 3;
	p->sla_days[1] = 14;
	p->sla_days[2] = 60;
	p->sla_days[3] = 180;
	for (i = 0; i < 5; i++)
		for (j = 0; j < 4; j++)
			p->sla_override[i][j] = 0;

	p->use_ssvc = false;
}

static bool
check_fail(char *errbuf, size_t errlen, const char *fmt, const char *field,
		   double value)
{
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, fmt, field, value);
	return false;
}

/* "field" must lie in [lo, hi] */
static bool
check_weight(const char *field, double v, double lo, double hi,
			 char *errbuf, size_t errlen)
{
	if (in_range(v, lo, hi))
		return true;
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s must be between %g and %g (got %g)",
				 field, lo, hi, v);
	return false;
}

/* "hi_field" must not be below "lo_field" */
static bool
check_order(const char *hi_field, double hi, const char *lo_field, double lo,
			char *errbuf, size_t errlen)
{
	if (hi >= lo)
		return true;
	if (errbuf != NULL && errlen > 0)
		snprintf(errbuf, errlen, "%s (%g) must not be below %s (%g)",
				 hi_field, hi, lo_field, lo);
	return false;
}

#define CHECK_W(field, lo, hi) \
	do { \
		if (!check_weight(#field, p->field, (lo), (hi), errbuf, errlen)) \
			return false; \
	} while (0)

#define CHECK_ORDER(hi_field, lo_field) \
	do { \
		if (!check_order(#hi_field, p->hi_field, #lo_field, p->lo_field, \
						 errbuf, errlen)) \
			return false; \
	} while (0)

/*
 * Is the policy sane?  Weights in [0, 1], severities in [0, 10], thresholds
 * strictly descending, weights ordered with the evidence they stand for,
 * SLA days positive and not shrinking from P1 to P4.  On failure a message
 * naming the offending field goes to errbuf (CTEM_POLICY_ERR_MAX bytes
 * always suffice).
 */
bool
ctem_policy_check(const CtemPolicy *p, char *errbuf, size_t errlen)
{
	char		name[64];
	int			i;
	int			j;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (p == NULL)
	{
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "policy is missing");
		return false;
	}
	if (p->version < 1)
		return check_fail(errbuf, errlen, "%s must be at least 1 (got %g)",
						  "version", (double) p->version);

	CHECK_W(sev_critical, 0.0, 10.0);
	CHECK_W(sev_high, 0.0, 10.0);
	CHECK_W(sev_medium, 0.0, 10.0);
	CHECK_W(sev_low, 0.0, 10.0);
	CHECK_W(sev_info, 0.0, 10.0);
	CHECK_W(sev_missing, 0.0, 10.0);
	CHECK_ORDER(sev_critical, sev_high);
	CHECK_ORDER(sev_high, sev_medium);
	CHECK_ORDER(sev_medium, sev_low);
	CHECK_ORDER(sev_low, sev_info);

	CHECK_W(l_kev, 0.0, 1.0);
	CHECK_W(l_validated, 0.0, 1.0);
	CHECK_W(l_mat_high, 0.0, 1.0);
	CHECK_W(l_mat_functional, 0.0, 1.0);
	CHECK_W(l_mat_poc, 0.0, 1.0);
	CHECK_W(l_mat_unproven, 0.0, 1.0);
	CHECK_ORDER(l_mat_high, l_mat_functional);
	CHECK_ORDER(l_mat_functional, l_mat_poc);
	CHECK_ORDER(l_mat_poc, l_mat_unproven);
	CHECK_W(l_epss_unknown, 0.0, 1.0);
	CHECK_W(l_min, 0.0, 1.0);
	CHECK_W(l_max, 0.0, 1.0);
	CHECK_ORDER(l_max, l_min);

	if (p->n_epss_bands < 0 || p->n_epss_bands > CTEM_EPSS_BANDS_MAX)
	{
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen,
					 "n_epss_bands must be between 0 and %d (got %d)",
					 CTEM_EPSS_BANDS_MAX, p->n_epss_bands);
		return false;
	}
	for (i = 0; i < p->n_epss_bands; i++)
	{
		snprintf(name, sizeof(name), "epss_threshold[%d]", i);
		if (!check_weight(name, p->epss_threshold[i], 0.0, 1.0,
						  errbuf, errlen))
			return false;
		snprintf(name, sizeof(name), "epss_value[%d]", i);
		if (!check_weight(name, p->epss_value[i], 0.0, 1.0, errbuf, errlen))
			return false;
		if (i > 0 && !(p->epss_threshold[i] < p->epss_threshold[i - 1]))
		{
			if (errbuf != NULL && errlen > 0)
				snprintf(errbuf, errlen,
						 "epss_threshold[%d] (%g) must be below epss_threshold[%d] (%g): thresholds are strictly descending",
						 i, p->epss_threshold[i], i - 1,
						 p->epss_threshold[i - 1]);
			return false;
		}
		if (i > 0 && !(p->epss_value[i] <= p->epss_value[i - 1]))
		{
			if (errbuf != NULL && errlen > 0)
				snprintf(errbuf, errlen,
						 "epss_value[%d] (%g) must not exceed epss_value[%d] (%g)",
						 i, p->epss_value[i], i - 1, p->epss_value[i - 1]);
			return false;
		}
	}

	for (i = 0; i < 5; i++)
	{
		snprintf(name, sizeof(name), "a_by_criticality[%d]", i);
		if (!check_weight(name, p->a_by_criticality[i], 0.0, 1.0,
						  errbuf, errlen))
			return false;
		if (i > 0 && !(p->a_by_criticality[i] >= p->a_by_criticality[i - 1]))
		{
			if (errbuf != NULL && errlen > 0)
				snprintf(errbuf, errlen,
						 "a_by_criticality[%d] (%g) must not be below a_by_criticality[%d] (%g)",
						 i, p->a_by_criticality[i], i - 1,
						 p->a_by_criticality[i - 1]);
			return false;
		}
	}
	CHECK_W(a_unknown, 0.0, 1.0);

	CHECK_W(x_internet, 0.0, 1.0);
	CHECK_W(x_attack_path, 0.0, 1.0);
	CHECK_W(x_internal, 0.0, 1.0);
	CHECK_W(x_unknown, 0.0, 1.0);
	CHECK_ORDER(x_internet, x_attack_path);
	CHECK_ORDER(x_attack_path, x_internal);
	if (!(p->path_probability_full > 0.0 && p->path_probability_full <= 1.0))
		return check_fail(errbuf, errlen,
						  "%s must be in (0, 1] (got %g)",
						  "path_probability_full", p->path_probability_full);

	CHECK_W(c_max, 0.0, 1.0);
	CHECK_W(v_blocked, 0.0, 1.0);

	CHECK_W(p1_min, 0.0, 100.0);
	CHECK_W(p2_min, 0.0, 100.0);
	CHECK_W(p3_min, 0.0, 100.0);
	if (!(p->p1_min > p->p2_min))
		return check_fail(errbuf, errlen,
						  "%s must be above p2_min (got %g): thresholds are strictly descending",
						  "p1_min", p->p1_min);
	if (!(p->p2_min > p->p3_min))
		return check_fail(errbuf, errlen,
						  "%s must be above p3_min (got %g): thresholds are strictly descending",
						  "p2_min", p->p2_min);

	for (i = 0; i < 4; i++)
	{
		if (p->sla_days[i] < 1 || p->sla_days[i] > 3650)
		{
			if (errbuf != NULL && errlen > 0)
				snprintf(errbuf, errlen,
						 "sla_days[%d] (P%d) must be between 1 and 3650 (got %d)",
						 i, i + 1, p->sla_days[i]);
			return false;
		}
		if (i > 0 && p->sla_days[i] < p->sla_days[i - 1])
		{
			if (errbuf != NULL && errlen > 0)
				snprintf(errbuf, errlen,
						 "sla_days[%d] (P%d, %d days) must not be shorter than sla_days[%d] (P%d, %d days)",
						 i, i + 1, p->sla_days[i], i - 1, i,
						 p->sla_days[i - 1]);
			return false;
		}
	}
	for (i = 0; i < 5; i++)
		for (j = 0; j < 4; j++)
			if (p->sla_override[i][j] < 0 || p->sla_override[i][j] > 3650)
			{
				if (errbuf != NULL && errlen > 0)
					snprintf(errbuf, errlen,
							 "sla_override[%d][%d] (criticality %d, P%d) must be 0 (no override) or between 1 and 3650 (got %d)",
							 i, j, i + 1, j + 1, p->sla_override[i][j]);
				return false;
			}
	return true;
}

/* ------------------------------------------------------------------------
 * SSVC
 * ------------------------------------------------------------------------
 */

/*
 * CISA SSVC decision for the four decision points; CTEM_SSVC_INVALID when
 * one is out of range (including -1, unknown).
 */
CtemSsvcDecision
ctem_ssvc_decision(int exploitation, int automatable, int technical_impact,
				   int mission_wellbeing)
{
	if (exploitation < 0 || exploitation > CTEM_SSVC_EXPL_ACTIVE ||
		automatable < 0 || automatable > CTEM_SSVC_AUTO_YES ||
		technical_impact < 0 || technical_impact > CTEM_SSVC_TI_TOTAL ||
		mission_wellbeing < 0 || mission_wellbeing > CTEM_SSVC_MWB_HIGH)
		return CTEM_SSVC_INVALID;
	return (CtemSsvcDecision) ssvc_table[exploitation][automatable]
		[technical_impact][mission_wellbeing];
}

/* Act -> 1, Attend -> 2, Track* -> 3, Track -> 4; 4 for invalid */
int
ctem_ssvc_priority(CtemSsvcDecision d)
{
	switch (d)
	{
		case CTEM_SSVC_ACT:
			return 1;
		case CTEM_SSVC_ATTEND:
			return 2;
		case CTEM_SSVC_TRACK_STAR:
			return 3;
		default:
			return 4;
	}
}

/*
 * Exploitation: active when listed in KEV or validated exploitable; poc
 * when an exploit of maturity poc, functional or high exists; else none.
 */
CtemSsvcExploitation
ctem_ssvc_exploitation_from_evidence(int kev, CtemValidation validation,
									 CtemExploitMaturity maturity)
{
	if (kev == 1 || validation == CTEM_VAL_EXPLOITABLE)
		return CTEM_SSVC_EXPL_ACTIVE;
	if (maturity == CTEM_MAT_POC || maturity == CTEM_MAT_FUNCTIONAL ||
		maturity == CTEM_MAT_HIGH)
		return CTEM_SSVC_EXPL_POC;
	return CTEM_SSVC_EXPL_NONE;
}

/* three-valued logic: 1 true, 0 false, -1 unknown (anything else too) */
static int
tv_and(int a, int b)
{
	if (a == 0 || b == 0)
		return 0;
	if (a == 1 && b == 1)
		return 1;
	return -1;
}

static int
tv_or(int a, int b)
{
	if (a == 1 || b == 1)
		return 1;
	if (a == 0 && b == 0)
		return 0;
	return -1;
}

/*
 * Automatable: yes when the attack vector is network, complexity low, no
 * privileges and no user interaction are needed (CVSS AV:N/AC:L/PR:N/UI:N);
 * no when any of them is known not to hold; -1 when undecided.  Each
 * argument is 1, 0 or -1 (unknown).
 */
int
ctem_ssvc_automatable_from_cvss(int network_vector, int low_complexity,
								int no_privileges, int no_user_interaction)
{
	return tv_and(tv_and(network_vector, low_complexity),
				  tv_and(no_privileges, no_user_interaction));
}

/*
 * Technical impact: total when confidentiality and integrity impact are
 * both high (C:H/I:H), or availability impact is high with a changed
 * scope (A:H/S:C); partial when neither can hold; -1 when undecided.
 */
int
ctem_ssvc_technical_impact_from_cvss(int confidentiality_high,
									 int integrity_high,
									 int availability_high,
									 int scope_changed)
{
	return tv_or(tv_and(confidentiality_high, integrity_high),
				 tv_and(availability_high, scope_changed));
}

/*
 * Mission & well-being from asset criticality: 4-5 high, 3 medium, 1-2 low;
 * unknown (anything else) medium, with *defaulted set.
 */
int
ctem_ssvc_mission_from_criticality(int criticality, bool *defaulted)
{
	bool		dflt = false;
	int			m;

	if (criticality >= 4 && criticality <= 5)
		m = CTEM_SSVC_MWB_HIGH;
	else if (criticality == 3)
		m = CTEM_SSVC_MWB_MEDIUM;
	else if (criticality >= 1 && criticality <= 2)
		m = CTEM_SSVC_MWB_LOW;
	else
	{
		m = CTEM_SSVC_MWB_MEDIUM;
		dflt = true;
	}
	if (defaulted != NULL)
		*defaulted = dflt;
	return m;
}

/* ------------------------------------------------------------------------
 * Scoring
 * ------------------------------------------------------------------------
 */

/* an input with everything unknown and nothing reported */
void
ctem_score_input_init(CtemScoreInput *in)
{
	memset(in, 0, sizeof(*in));
	in->cvss = NAN;
	in->cvss_source = NULL;
	in->severity = CTEM_SEV_UNKNOWN;
	in->kev = -1;
	in->validation = CTEM_VAL_NONE;
	in->maturity = CTEM_MAT_UNKNOWN;
	in->epss = NAN;
	in->criticality = 0;
	in->internet_facing = -1;
	in->on_attack_path = -1;
	in->attack_path_probability = NAN;
	in->control_effectiveness = 0.0;
	in->n_controls = 0;
	in->ssvc_exploitation = -1;
	in->ssvc_automatable = -1;
	in->ssvc_technical_impact = -1;
	in->ssvc_mission = -1;
}

/*
 * Combined effectiveness of n controls, 1 - prod(1 - e_i).  Values outside
 * [0, 1] are clamped, NaN ignored.  Rounded to 12 decimals: the product's
 * binary rounding would otherwise show (one control of 0.3 gives
 * 0.30000000000000004), and the stored value is what users read.
 */
double
ctem_controls_combine(const double *effectiveness, int n)
{
	double		keep = 1.0;
	int			i;

	if (effectiveness == NULL)
		return 0.0;
	for (i = 0; i < n; i++)
	{
		double		e = effectiveness[i];

		if (isnan(e) || e <= 0.0)
			continue;
		if (e >= 1.0)
			return 1.0;
		keep *= 1.0 - e;
	}
	return round((1.0 - keep) * 1e12) / 1e12;
}

static double
severity_weight(const CtemPolicy *p, CtemSeverity s)
{
	switch (s)
	{
		case CTEM_SEV_CRITICAL:
			return p->sev_critical;
		case CTEM_SEV_HIGH:
			return p->sev_high;
		case CTEM_SEV_MEDIUM:
			return p->sev_medium;
		case CTEM_SEV_LOW:
			return p->sev_low;
		case CTEM_SEV_INFO:
			return p->sev_info;
		default:
			return p->sev_missing;
	}
}

void
ctem_score_compute(const CtemPolicy *p, const CtemScoreInput *in,
				   CtemScoreResult *out)
{
	NormInput	n;
	Evidence	ev[EVIDENCE_MAX];
	unsigned	invalid;
	unsigned	defaults = 0;
	int			nev;
	int			best;
	int			i;
	int			prio;
	double		raw;
	double		xp = 0.0;		/* X from an attack path, when xp_source */
	const char *xp_source = NULL;

	normalise_input(in, &n, &invalid);

	/* S */
	if (!isnan(n.cvss))
	{
		out->s = n.cvss;
		out->s_source = "cvss";
	}
	else
	{
		out->s = severity_weight(p, n.severity);
		out->s_source = severity_sources[n.severity];
		if (n.severity == CTEM_SEV_UNKNOWN)
			defaults |= CTEM_DEFAULT_SEVERITY;
	}

	/* L: the strongest evidence, within [l_min, l_max] */
	if (n.kev == -1)
		defaults |= CTEM_DEFAULT_KEV;
	if (isnan(n.epss))
		defaults |= CTEM_DEFAULT_EPSS;
	nev = collect_evidence(p, &n, ev);
	best = 0;
	for (i = 1; i < nev; i++)
		if (ev[i].value > ev[best].value ||
			(isnan(ev[best].value) && !isnan(ev[i].value)))
			best = i;
	out->l = ev[best].value;
	out->l_source = evidence_source(&ev[best], n.maturity);
	if (!(out->l >= p->l_min))
		out->l = p->l_min;
	if (out->l > p->l_max)
		out->l = p->l_max;

	/* A */
	if (n.criticality >= 1)
		out->a = p->a_by_criticality[n.criticality - 1];
	else
	{
		out->a = p->a_unknown;
		defaults |= CTEM_DEFAULT_CRITICALITY;
	}
	out->a_source = criticality_sources[n.criticality];

	/* X */
	if (n.on_attack_path == 1)
	{
		/* a crown jewel (or an asset said to be on a path) */
		xp = p->x_attack_path;
		xp_source = "attack path to crown jewel";
	}
	else if (!isnan(n.path_p) && n.path_p > 0.0)
	{
		/* reachable: all of x_attack_path from path_probability_full up */
		if (n.path_p >= p->path_probability_full)
		{
			xp = p->x_attack_path;
			xp_source = "likely attack path to a crown jewel";
		}
		else
		{
			xp = p->x_internal + (p->x_attack_path - p->x_internal) *
				(n.path_p / p->path_probability_full);
			xp_source = "unlikely attack path to a crown jewel (scaled)";
		}
	}
	if (n.internet_facing == 1)
	{
		out->x = p->x_internet;
		out->x_source = "internet-facing";
	}
	else if (n.internet_facing == -1)
	{
		defaults |= CTEM_DEFAULT_INTERNET_FACING;
		out->x = p->x_unknown;
		out->x_source = "default (internet exposure unknown)";
		if (xp_source != NULL && xp > p->x_unknown)
		{
			out->x = xp;
			out->x_source = "attack path (internet exposure unknown)";
		}
	}
	else if (xp_source != NULL)
	{
		out->x = xp;
		out->x_source = xp_source;
	}
	else
	{
		out->x = p->x_internal;
		if (n.on_attack_path == -1 && isnan(n.path_p))
		{
			defaults |= CTEM_DEFAULT_ATTACK_PATH;
			out->x_source = "internal (attack path unknown)";
		}
		else if (n.on_attack_path == -1)
			out->x_source = "internal (no attack path to a crown jewel)";
		else
			out->x_source = "internal";
	}

	/* C */
	if (n.controls > 0.0)
	{
		if (n.controls > p->c_max)
		{
			out->c = p->c_max;
			out->c_source = "compensating controls (capped)";
		}
		else
		{
			out->c = n.controls;
			out->c_source = "compensating controls";
		}
	}
	else
	{
		out->c = 0.0;
		out->c_source = "none";
	}

	/* V */
	switch (n.validation)
	{
		case CTEM_VAL_BLOCKED:
			out->v = p->v_blocked;
			out->v_source = "validation blocked";
			break;
		case CTEM_VAL_EXPLOITABLE:
			out->v = 1.0;
			out->v_source = "validation exploitable";
			break;
		case CTEM_VAL_NOT_EXPLOITABLE:
			out->v = 1.0;
			out->v_source = "validation not exploitable";
			break;
		default:
			out->v = 1.0;
			out->v_source = "not validated";
			break;
	}

	raw = 100.0 * (out->s / 10.0) * out->l * out->a * out->x *
		(1.0 - out->c) * out->v;
	out->score = round_score(raw);

	/* priority */
	out->priority_by_score = priority_from_score(p, out->score);
	out->floors = 0;
	out->ssvc = -1;
	out->ssvc_exploitation = -1;
	out->ssvc_automatable = -1;
	out->ssvc_technical_impact = -1;
	out->ssvc_mission = -1;

	if (p->use_ssvc)
	{
		CtemSsvcDecision d;
		bool		mission_default;

		out->ssvc_exploitation = n.ssvc_exploitation >= 0 ?
			n.ssvc_exploitation :
			(int) ctem_ssvc_exploitation_from_evidence(n.kev, n.validation,
													   n.maturity);
		if (n.ssvc_automatable >= 0)
			out->ssvc_automatable = n.ssvc_automatable;
		else
		{
			out->ssvc_automatable = CTEM_SSVC_AUTO_YES;
			defaults |= CTEM_DEFAULT_SSVC_AUTOMATABLE;
		}
		if (n.ssvc_technical_impact >= 0)
			out->ssvc_technical_impact = n.ssvc_technical_impact;
		else
		{
			out->ssvc_technical_impact = CTEM_SSVC_TI_TOTAL;
			defaults |= CTEM_DEFAULT_SSVC_TECHNICAL_IMPACT;
		}
		if (n.ssvc_mission >= 0)
			out->ssvc_mission = n.ssvc_mission;
		else
		{
			out->ssvc_mission =
				ctem_ssvc_mission_from_criticality(n.criticality,
												   &mission_default);
			if (mission_default)
				defaults |= CTEM_DEFAULT_SSVC_MISSION;
		}
		d = ctem_ssvc_decision(out->ssvc_exploitation, out->ssvc_automatable,
							   out->ssvc_technical_impact, out->ssvc_mission);
		out->ssvc = (int) d;
		prio = ctem_ssvc_priority(d);
	}
	else
	{
		prio = out->priority_by_score;
		if (n.kev == 1 && n.internet_facing == 1 && prio > 1)
		{
			prio = 1;
			out->floors |= CTEM_FLOOR_KEV_INTERNET_P1;
		}
		if ((n.kev == 1 || n.validation == CTEM_VAL_EXPLOITABLE) && prio > 2)
		{
			prio = 2;
			out->floors |= CTEM_FLOOR_KEV_OR_VALIDATED_P2;
		}
	}
	out->priority = prio;

	/* SLA */
	out->sla_overridden = false;
	out->sla_days = p->sla_days[prio - 1];
	if (n.criticality >= 1 && p->sla_override[n.criticality - 1][prio - 1] > 0)
	{
		out->sla_days = p->sla_override[n.criticality - 1][prio - 1];
		out->sla_overridden = true;
	}

	out->defaults = defaults;
	out->invalid = invalid;
}

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------
 */

const char *
ctem_severity_name(CtemSeverity s)
{
	if ((int) s < CTEM_SEV_UNKNOWN || (int) s > CTEM_SEV_CRITICAL)
		return "invalid";
	return severity_names[s];
}

const char *
ctem_maturity_name(CtemExploitMaturity m)
{
	if ((int) m < CTEM_MAT_UNKNOWN || (int) m > CTEM_MAT_HIGH)
		return "invalid";
	return maturity_names[m];
}

const char *
ctem_validation_name(CtemValidation v)
{
	if ((int) v < CTEM_VAL_NONE || (int) v > CTEM_VAL_NOT_EXPLOITABLE)
		return "invalid";
	return validation_names[v];
}

const char *
ctem_ssvc_decision_name(CtemSsvcDecision d)
{
	if ((int) d < CTEM_SSVC_TRACK || (int) d > CTEM_SSVC_ACT)
		return "invalid";
	return ssvc_decision_names[d];
}

const char *
ctem_ssvc_exploitation_name(int e)
{
	return (e >= 0 && e <= 2) ? ssvc_exploitation_names[e] : "unknown";
}

const char *
ctem_ssvc_automatable_name(int a)
{
	return (a >= 0 && a <= 1) ? ssvc_automatable_names[a] : "unknown";
}

const char *
ctem_ssvc_technical_impact_name(int t)
{
	return (t >= 0 && t <= 1) ? ssvc_technical_impact_names[t] : "unknown";
}

const char *
ctem_ssvc_mission_name(int m)
{
	return (m >= 0 && m <= 2) ? ssvc_mission_names[m] : "unknown";
}

const char *
ctem_priority_name(int priority)
{
	return (priority >= 1 && priority <= 4) ?
		priority_names[priority - 1] : "invalid";
}

int
ctem_severity_parse(const char *s)
{
	int			r = parse_name(s, severity_names, 6);

	if (r < 0 && s != NULL)
	{
		if (equal_ci(s, "informational") || equal_ci(s, "none"))
			r = CTEM_SEV_INFO;
		else if (equal_ci(s, "moderate"))
			r = CTEM_SEV_MEDIUM;
		else if (equal_ci(s, "important"))
			r = CTEM_SEV_HIGH;
	}
	return r;
}

int
ctem_maturity_parse(const char *s)
{
	int			r = parse_name(s, maturity_names, 5);

	if (r < 0 && s != NULL)
	{
		if (equal_ci(s, "proof-of-concept") || equal_ci(s, "proof_of_concept"))
			r = CTEM_MAT_POC;
		else if (equal_ci(s, "attacked"))
			r = CTEM_MAT_HIGH;
	}
	return r;
}

int
ctem_validation_parse(const char *s)
{
	return parse_name(s, validation_names, 4);
}

int
ctem_ssvc_decision_parse(const char *s)
{
	int			r = parse_name(s, ssvc_decision_names, 4);

	if (r < 0 && s != NULL && equal_ci(s, "track_star"))
		r = CTEM_SSVC_TRACK_STAR;
	return r;
}

/* ------------------------------------------------------------------------
 * The text sink
 * ------------------------------------------------------------------------
 */

/* n bytes, as many as fit before the NUL's place; len counts them all */
static void
text_bytes(CtemJsonText *t, const char *s, size_t n)
{
	if (t->len + 1 < t->cap)
	{
		size_t		room = t->cap - 1 - t->len;

		memcpy(t->buf + t->len, s, n < room ? n : room);
	}
	t->len += n;
}

static void
text_char(CtemJsonText *t, char c)
{
	if (t->len + 1 < t->cap)
		t->buf[t->len] = c;
	t->len++;
}

static void
text_str(CtemJsonText *t, const char *s)
{
	text_bytes(t, s, strlen(s));
}

/* a comma when a value came before, at the start of a value or a key */
static void
text_sep(CtemJsonText *t)
{
	if (t->comma)
		text_char(t, ',');
	t->comma = false;
}

size_t
ctem_utf8_seq_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *) str;
	unsigned char c = s[0];
	size_t		len;
	unsigned char lo = 0x80;
	unsigned char hi = 0xBF;
	size_t		i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
	{
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	}
	else
		return 0;
	if (len > n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* the n bytes at s as a JSON string, escaped; invalid UTF-8 as \ufffd */
static void
text_json_string(CtemJsonText *t, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *) s;
	size_t		i = 0;

	text_char(t, '"');
	while (i < n)
	{
		unsigned char c = u[i];
		size_t		len;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
		{
			/* a run of ASCII that needs no escape, at once */
			len = 1;
			while (i + len < n && u[i + len] >= 0x20 && u[i + len] < 0x80 &&
				   u[i + len] != '"' && u[i + len] != '\\')
				len++;
			text_bytes(t, s + i, len);
			i += len;
			continue;
		}
		if (c == '"')
			text_str(t, "\\\"");
		else if (c == '\\')
			text_str(t, "\\\\");
		else if (c == '\n')
			text_str(t, "\\n");
		else if (c == '\r')
			text_str(t, "\\r");
		else if (c == '\t')
			text_str(t, "\\t");
		else if (c < 0x20)
		{
			char		esc[6];

			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0x0F];
			text_bytes(t, esc, sizeof(esc));
		}
		else
		{
			len = ctem_utf8_seq_len(s + i, n - i);
			if (len == 0)
			{
				text_str(t, "\\ufffd");
				i++;
				continue;
			}
			text_bytes(t, s + i, len);
			i += len;
			continue;
		}
		i++;
	}
	text_char(t, '"');
}

static void
text_begin_object(void *arg)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	text_sep(t);
	text_char(t, '{');
}

static void
text_end_object(void *arg)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	text_char(t, '}');
	t->comma = true;
}

static void
text_begin_array(void *arg)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	text_sep(t);
	text_char(t, '[');
}

static void
text_end_array(void *arg)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	text_char(t, ']');
	t->comma = true;
}

static void
text_key(void *arg, const char *key)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	/* keys are ASCII without quotes or backslashes: no escaping */
	text_sep(t);
	text_char(t, '"');
	text_str(t, key);
	text_bytes(t, "\":", 2);
}

static void
text_string(void *arg, const char *s, size_t len)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	text_sep(t);
	text_json_string(t, s, len);
	t->comma = true;
}

static void
text_number(void *arg, const char *text)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	text_sep(t);
	text_str(t, text);
	t->comma = true;
}

static void
text_boolean(void *arg, bool value)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	text_sep(t);
	text_str(t, value ? "true" : "false");
	t->comma = true;
}

static void
text_null(void *arg)
{
	CtemJsonText *t = (CtemJsonText *) arg;

	text_sep(t);
	text_str(t, "null");
	t->comma = true;
}

void
ctem_json_text_init(CtemJsonText *t, char *buf, size_t buflen)
{
	t->sink.begin_object = text_begin_object;
	t->sink.end_object = text_end_object;
	t->sink.begin_array = text_begin_array;
	t->sink.end_array = text_end_array;
	t->sink.key = text_key;
	t->sink.string = text_string;
	t->sink.number = text_number;
	t->sink.boolean = text_boolean;
	t->sink.null = text_null;
	t->sink.arg = t;
	t->buf = buf;
	t->cap = buf != NULL ? buflen : 0;
	t->len = 0;
	t->comma = false;
}

size_t
ctem_json_text_finish(CtemJsonText *t)
{
	if (t->cap > 0)
		t->buf[t->len < t->cap ? t->len : t->cap - 1] = '\0';
	return t->len;
}

/* ------------------------------------------------------------------------
 * Explain
 * ------------------------------------------------------------------------
 */

static void
emit_key(const CtemJsonSink *k, const char *key)
{
	k->key(k->arg, key);
}

static void
emit_str(const CtemJsonSink *k, const char *s)
{
	k->string(k->arg, s, strlen(s));
}

/* the first maxbytes bytes of s (up to its NUL) as a string */
static void
emit_str_max(const CtemJsonSink *k, const char *s, size_t maxbytes)
{
	size_t		n = 0;

	while (n < maxbytes && s[n] != '\0')
		n++;
	k->string(k->arg, s, n);
}

/* number as JSON; NaN and infinities (impossible in JSON) as null */
static void
emit_num(const CtemJsonSink *k, double v)
{
	char		tmp[40];
	int			n;
	int			i;

	if (!isfinite(v))
	{
		k->null(k->arg);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.10g", v);
	if (n < 0 || n >= (int) sizeof(tmp))
	{
		k->null(k->arg);
		return;
	}
	/* a locale with a decimal comma would break JSON */
	for (i = 0; i < n; i++)
		if (tmp[i] == ',')
			tmp[i] = '.';
	k->number(k->arg, tmp);
}

static void
emit_int(const CtemJsonSink *k, long v)
{
	char		tmp[24];

	snprintf(tmp, sizeof(tmp), "%ld", v);
	k->number(k->arg, tmp);
}

static void
emit_tristate(const CtemJsonSink *k, int v)
{
	if (v == 1 || v == 0)
		k->boolean(k->arg, v == 1);
	else
		k->null(k->arg);
}

/* members: "key": value */
static void
kv_str(const CtemJsonSink *k, const char *key, const char *s)
{
	emit_key(k, key);
	emit_str(k, s);
}

static void
kv_num(const CtemJsonSink *k, const char *key, double v)
{
	emit_key(k, key);
	emit_num(k, v);
}

static void
kv_int(const CtemJsonSink *k, const char *key, long v)
{
	emit_key(k, key);
	emit_int(k, v);
}

static void
kv_tristate(const CtemJsonSink *k, const char *key, int v)
{
	emit_key(k, key);
	emit_tristate(k, v);
}

static void
emit_flag_list(const CtemJsonSink *k, unsigned mask, const unsigned *flags,
			   const char *const *names, int n)
{
	int			i;

	k->begin_array(k->arg);
	for (i = 0; i < n; i++)
		if (mask & flags[i])
			emit_str(k, names[i]);
	k->end_array(k->arg);
}

static const unsigned floor_flags[] = {
	CTEM_FLOOR_KEV_INTERNET_P1, CTEM_FLOOR_KEV_OR_VALIDATED_P2
};
static const char *const floor_names[] = {
	"kev_internet_facing_p1", "kev_or_validated_p2"
};
static const unsigned default_flags[] = {
	CTEM_DEFAULT_SEVERITY, CTEM_DEFAULT_EPSS, CTEM_DEFAULT_CRITICALITY,
	CTEM_DEFAULT_INTERNET_FACING, CTEM_DEFAULT_ATTACK_PATH, CTEM_DEFAULT_KEV,
	CTEM_DEFAULT_SSVC_AUTOMATABLE, CTEM_DEFAULT_SSVC_TECHNICAL_IMPACT,
	CTEM_DEFAULT_SSVC_MISSION
};
static const char *const default_names[] = {
	"severity", "epss", "criticality", "internet_facing", "attack_path",
	"kev", "ssvc_automatable", "ssvc_technical_impact", "ssvc_mission"
};
static const unsigned invalid_flags[] = {
	CTEM_INVALID_CVSS, CTEM_INVALID_SEVERITY, CTEM_INVALID_KEV,
	CTEM_INVALID_VALIDATION, CTEM_INVALID_MATURITY, CTEM_INVALID_EPSS,
	CTEM_INVALID_CRITICALITY, CTEM_INVALID_INTERNET_FACING,
	CTEM_INVALID_ATTACK_PATH, CTEM_INVALID_CONTROLS,
	CTEM_INVALID_SSVC_EXPLOITATION, CTEM_INVALID_SSVC_AUTOMATABLE,
	CTEM_INVALID_SSVC_TECHNICAL_IMPACT, CTEM_INVALID_SSVC_MISSION
};
static const char *const invalid_names[] = {
	"cvss", "severity", "kev", "validation", "exploit_maturity", "epss",
	"criticality", "internet_facing", "on_attack_path",
	"control_effectiveness", "ssvc_exploitation", "ssvc_automatable",
	"ssvc_technical_impact", "ssvc_mission"
};

static void
kv_flag_list(const CtemJsonSink *k, const char *key, unsigned mask,
			 const unsigned *flags, const char *const *names, int n)
{
	emit_key(k, key);
	emit_flag_list(k, mask, flags, names, n);
}

/*
 * One factor: "name": {"value": v, "source": "...", and the caller
 * continues the object and ends it.
 */
static void
emit_factor_head(const CtemJsonSink *k, const char *name, double value,
				 const char *source)
{
	emit_key(k, name);
	k->begin_object(k->arg);
	kv_num(k, "value", value);
	emit_key(k, "source");
	emit_str_max(k, source != NULL ? source : "", 200);
}

static void
emit_evidence(const CtemJsonSink *k, const CtemPolicy *p, const NormInput *n,
			  const Evidence *e)
{
	k->begin_object(k->arg);
	switch (e->kind)
	{
		case EV_KEV:
			kv_str(k, "kind", "kev");
			emit_key(k, "input");
			k->boolean(k->arg, true);
			break;
		case EV_VALIDATED:
			kv_str(k, "kind", "validation");
			kv_str(k, "input", "exploitable");
			break;
		case EV_MATURITY:
			kv_str(k, "kind", "exploit_maturity");
			kv_str(k, "input", maturity_names[n->maturity]);
			break;
		case EV_EPSS:
			kv_str(k, "kind", "epss");
			kv_num(k, "input", n->epss);
			kv_num(k, "band_min", p->epss_threshold[e->band]);
			break;
		case EV_EPSS_BELOW:
			kv_str(k, "kind", "epss");
			kv_num(k, "input", n->epss);
			emit_key(k, "band_min");
			k->null(k->arg);
			break;
		case EV_EPSS_UNKNOWN:
			kv_str(k, "kind", "epss");
			emit_key(k, "input");
			k->null(k->arg);
			emit_key(k, "default");
			k->boolean(k->arg, true);
			break;
	}
	kv_num(k, "value", e->value);
	k->end_object(k->arg);
}

/* "name": [value, "source"] */
static void
emit_compact_factor(const CtemJsonSink *k, const char *name, double value,
					const char *source)
{
	emit_key(k, name);
	k->begin_array(k->arg);
	emit_num(k, value);
	emit_str_max(k, source != NULL ? source : "", 200);
	k->end_array(k->arg);
}

/*
 * The short explanation stored on every exposure row: score, priority,
 * SLA, policy version, each factor as [value, source], floors, defaults
 * and ignored inputs; the same key names as ctem_score_explain_emit,
 * without inputs, evidence and formula (ctem.explain() gives those).
 * Members at their obvious value are left out: priority_by_score when it
 * is the priority, mode when it is "score", floors_applied, defaults_used
 * and inputs_ignored when empty, ssvc when there is no decision.  Short,
 * so that a million rows do not carry a kilobyte each.
 */
void
ctem_score_explain_compact_emit(const CtemPolicy *p, const CtemScoreResult *r,
								const CtemJsonSink *k)
{
	k->begin_object(k->arg);
	if (p == NULL || r == NULL)
	{
		k->end_object(k->arg);
		return;
	}
	kv_num(k, "score", r->score);
	kv_str(k, "priority", ctem_priority_name(r->priority));
	if (r->priority_by_score != r->priority)
		kv_str(k, "priority_by_score",
			   ctem_priority_name(r->priority_by_score));
	kv_int(k, "sla_days", r->sla_days);
	kv_int(k, "policy_version", p->version);
	if (p->use_ssvc)
		kv_str(k, "mode", "ssvc");
	emit_key(k, "factors");
	k->begin_object(k->arg);
	emit_compact_factor(k, "S", r->s, r->s_source);
	emit_compact_factor(k, "L", r->l, r->l_source);
	emit_compact_factor(k, "A", r->a, r->a_source);
	emit_compact_factor(k, "X", r->x, r->x_source);
	emit_compact_factor(k, "C", r->c, r->c_source);
	emit_compact_factor(k, "V", r->v, r->v_source);
	k->end_object(k->arg);
	if (r->floors != 0)
		kv_flag_list(k, "floors_applied", r->floors, floor_flags,
					 floor_names, 2);
	if (r->defaults != 0)
		kv_flag_list(k, "defaults_used", r->defaults, default_flags,
					 default_names, 9);
	if (r->invalid != 0)
		kv_flag_list(k, "inputs_ignored", r->invalid, invalid_flags,
					 invalid_names, 14);
	if (r->ssvc >= 0)
		kv_str(k, "ssvc",
			   ctem_ssvc_decision_name((CtemSsvcDecision) r->ssvc));
	k->end_object(k->arg);
}

/*
 * The explain JSON object of result r, computed from p and in.  See
 * docs/scoring.md, "Explain format".
 */
void
ctem_score_explain_emit(const CtemPolicy *p, const CtemScoreInput *in,
						const CtemScoreResult *r, const CtemJsonSink *k)
{
	NormInput	n;
	Evidence	ev[EVIDENCE_MAX];
	unsigned	invalid;
	int			nev;
	int			i;

	k->begin_object(k->arg);
	if (p == NULL || in == NULL || r == NULL)
	{
		k->end_object(k->arg);
		return;
	}
	normalise_input(in, &n, &invalid);

	kv_num(k, "score", r->score);
	kv_str(k, "priority", ctem_priority_name(r->priority));
	kv_str(k, "priority_by_score", ctem_priority_name(r->priority_by_score));
	kv_int(k, "sla_days", r->sla_days);
	kv_str(k, "sla_source",
		   r->sla_overridden ? "criticality override" : "priority");
	kv_int(k, "policy_version", p->version);
	kv_str(k, "mode", p->use_ssvc ? "ssvc" : "score");
	kv_str(k, "formula", CTEM_SCORE_FORMULA);

	emit_key(k, "factors");
	k->begin_object(k->arg);

	/* S */
	emit_factor_head(k, "S", r->s, r->s_source);
	emit_key(k, "input");
	k->begin_object(k->arg);
	kv_num(k, "cvss", n.cvss);
	emit_key(k, "cvss_source");
	if (in->cvss_source != NULL)
		emit_str_max(k, in->cvss_source, CTEM_EXPLAIN_SOURCE_MAX);
	else
		k->null(k->arg);
	kv_str(k, "scanner_severity", severity_names[n.severity]);
	k->end_object(k->arg);
	k->end_object(k->arg);

	/* L */
	emit_factor_head(k, "L", r->l, r->l_source);
	emit_key(k, "evidence");
	k->begin_array(k->arg);
	nev = collect_evidence(p, &n, ev);
	for (i = 0; i < nev; i++)
		emit_evidence(k, p, &n, &ev[i]);
	k->end_array(k->arg);
	kv_num(k, "min", p->l_min);
	kv_num(k, "max", p->l_max);
	emit_key(k, "input");
	k->begin_object(k->arg);
	kv_tristate(k, "kev", n.kev);
	kv_str(k, "validation", validation_names[n.validation]);
	kv_str(k, "exploit_maturity", maturity_names[n.maturity]);
	kv_num(k, "epss", n.epss);
	k->end_object(k->arg);
	k->end_object(k->arg);

	/* A */
	emit_factor_head(k, "A", r->a, r->a_source);
	emit_key(k, "input");
	k->begin_object(k->arg);
	emit_key(k, "criticality");
	if (n.criticality >= 1)
		emit_int(k, n.criticality);
	else
		k->null(k->arg);
	k->end_object(k->arg);
	k->end_object(k->arg);

	/* X */
	emit_factor_head(k, "X", r->x, r->x_source);
	emit_key(k, "input");
	k->begin_object(k->arg);
	kv_tristate(k, "internet_facing", n.internet_facing);
	kv_tristate(k, "on_attack_path", n.on_attack_path);
	kv_num(k, "attack_path_probability", n.path_p);
	kv_num(k, "path_probability_full", p->path_probability_full);
	k->end_object(k->arg);
	k->end_object(k->arg);

	/* C */
	emit_factor_head(k, "C", r->c, r->c_source);
	emit_key(k, "input");
	k->begin_object(k->arg);
	kv_num(k, "effectiveness", n.controls);
	kv_int(k, "n_controls", n.n_controls);
	kv_num(k, "cap", p->c_max);
	k->end_object(k->arg);
	k->end_object(k->arg);

	/* V */
	emit_factor_head(k, "V", r->v, r->v_source);
	emit_key(k, "input");
	k->begin_object(k->arg);
	kv_str(k, "validation", validation_names[n.validation]);
	k->end_object(k->arg);
	k->end_object(k->arg);

	k->end_object(k->arg);		/* factors */

	kv_flag_list(k, "floors_applied", r->floors, floor_flags, floor_names, 2);
	kv_flag_list(k, "defaults_used", r->defaults, default_flags,
				 default_names, 9);
	kv_flag_list(k, "inputs_ignored", r->invalid, invalid_flags,
				 invalid_names, 14);

	emit_key(k, "ssvc");
	if (r->ssvc >= CTEM_SSVC_TRACK && r->ssvc <= CTEM_SSVC_ACT)
	{
		CtemSsvcDecision d = (CtemSsvcDecision) r->ssvc;

		k->begin_object(k->arg);
		kv_str(k, "decision", ctem_ssvc_decision_name(d));
		kv_str(k, "priority", ctem_priority_name(ctem_ssvc_priority(d)));
		kv_str(k, "exploitation",
			   ctem_ssvc_exploitation_name(r->ssvc_exploitation));
		kv_str(k, "automatable",
			   ctem_ssvc_automatable_name(r->ssvc_automatable));
		kv_str(k, "technical_impact",
			   ctem_ssvc_technical_impact_name(r->ssvc_technical_impact));
		kv_str(k, "mission_wellbeing",
			   ctem_ssvc_mission_name(r->ssvc_mission));
		k->end_object(k->arg);
	}
	else
		k->null(k->arg);
	k->end_object(k->arg);
}

size_t
ctem_score_explain(const CtemPolicy *p, const CtemScoreInput *in,
				   const CtemScoreResult *r, char *buf, size_t buflen)
{
	CtemJsonText t;

	ctem_json_text_init(&t, buf, buflen);
	ctem_score_explain_emit(p, in, r, &t.sink);
	return ctem_json_text_finish(&t);
}

size_t
ctem_score_explain_compact(const CtemPolicy *p, const CtemScoreResult *r,
						   char *buf, size_t buflen)
{
	CtemJsonText t;

	ctem_json_text_init(&t, buf, buflen);
	ctem_score_explain_compact_emit(p, r, &t.sink);
	return ctem_json_text_finish(&t);
}
