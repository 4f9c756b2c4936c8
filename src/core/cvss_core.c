/*-------------------------------------------------------------------------
 *
 * cvss_core.c
 *	  Parse, score and format CVSS v2.0, v3.0, v3.1 and v4.0 vector strings.
 *
 * Plain C99 plus the C standard library: no PostgreSQL headers, no memory
 * allocation, no global state.  The backend glue is cvss.c; the corpus test
 * (test/cvss_conformance.c) and the fuzz harness (test/fuzz/fuzz_cvss.c)
 * link this file on its own.
 *
 * Grammar: the FIRST JSON schemas.  v2 has no prefix, v3.x starts with
 * "CVSS:3.0/" or "CVSS:3.1/", v4.0 with "CVSS:4.0/".  v2 and v3.x metrics
 * may come in any order, v4.0 metrics must follow specification order.
 * Every metric at most once, every base metric present, "X" (v3/v4) or
 * "ND" (v2) only for optional metrics, names and values case-sensitive.
 *
 * Scoring:
 *	- v2: exact integer arithmetic on the guide's decimal weights, rounding
 *	  half away from zero, final scores clamped at 0 (as Red Hat's library).
 *	- v3.x: the specification's double formulas, with the v3.1 Appendix A
 *	  Roundup for both 3.0 and 3.1.
 *	- v4.0: the reference calculator's MacroVector interpolation, computed
 *	  as an exact fraction and rounded half up.
 *
 * docs/cvss.md documents all of it.  The metric tables and value lists
 * below define the on-disk meaning of CtemCvss.values[]: APPEND ONLY.
 *
 * src/core/cvss_core.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cvss_core.h"

#if defined(__GNUC__) || defined(__clang__)
#define CTEM_CVSS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CTEM_CVSS_PRINTF(f, a)
#endif

#define CTEM_CVSS_MAX_VALUES 6

/* metric groups */
#define CTEM_CVSS_BASE 0
#define CTEM_CVSS_TEMPORAL 1	/* v4.0: threat */
#define CTEM_CVSS_ENV 2
#define CTEM_CVSS_SUPP 3

/*
 * Names (at most 3 characters) and values (at most 7) are stored NUL-padded
 * in fixed arrays, so the parser compares one 32-bit or 64-bit word per
 * entry.
 */
typedef struct CtemCvssMetric
{
	char		name[4];
	uint8_t		group;
	uint8_t		nvalues;
	char		values[CTEM_CVSS_MAX_VALUES][8];
} CtemCvssMetric;

typedef struct CtemCvssVersionDef
{
	uint8_t		version;		/* CtemCvssVersion */
	bool		fixed_order;	/* metrics must follow table order */
	uint8_t		nmetrics;
	uint8_t		nbase;			/* the first nbase metrics are mandatory */
	const char *text;			/* "3.1" */
	const char *prefix;			/* "CVSS:3.1/", "" for v2 */
	const char *label;			/* "CVSS v3.1" */
	const char *example;
	const CtemCvssMetric *metrics;
} CtemCvssVersionDef;

/*
 * Metric tables, in specification order, with each value list in the order
 * of the specification's vector-string table.  APPEND ONLY (see header).
 */

/* CVSS v2 guide, section 2.4, Table 13 */
static const CtemCvssMetric cvss_v2_metrics[] = {
	{"AV", CTEM_CVSS_BASE, 3, {"L", "A", "N"}},
	{"AC", CTEM_CVSS_BASE, 3, {"H", "M", "L"}},
	{"Au", CTEM_CVSS_BASE, 3, {"M", "S", "N"}},
	{"C", CTEM_CVSS_BASE, 3, {"N", "P", "C"}},
	{"I", CTEM_CVSS_BASE, 3, {"N", "P", "C"}},
	{"A", CTEM_CVSS_BASE, 3, {"N", "P", "C"}},
	{"E", CTEM_CVSS_TEMPORAL, 5, {"U", "POC", "F", "H", "ND"}},
	{"RL", CTEM_CVSS_TEMPORAL, 5, {"OF", "TF", "W", "U", "ND"}},
	{"RC", CTEM_CVSS_TEMPORAL, 4, {"UC", "UR", "C", "ND"}},
	{"CDP", CTEM_CVSS_ENV, 6, {"N", "L", "LM", "MH", "H", "ND"}},
	{"TD", CTEM_CVSS_ENV, 5, {"N", "L", "M", "H", "ND"}},
	{"CR", CTEM_CVSS_ENV, 4, {"L", "M", "H", "ND"}},
	{"IR", CTEM_CVSS_ENV, 4, {"L", "M", "H", "ND"}},
	{"AR", CTEM_CVSS_ENV, 4, {"L", "M", "H", "ND"}}
};

/* CVSS v3.0/v3.1 specification, section 6, Table 15 (same for both) */
static const CtemCvssMetric cvss_v3_metrics[] = {
	{"AV", CTEM_CVSS_BASE, 4, {"N", "A", "L", "P"}},
	{"AC", CTEM_CVSS_BASE, 2, {"L", "H"}},
	{"PR", CTEM_CVSS_BASE, 3, {"N", "L", "H"}},
	{"UI", CTEM_CVSS_BASE, 2, {"N", "R"}},
	{"S", CTEM_CVSS_BASE, 2, {"U", "C"}},
	{"C", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"I", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"A", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"E", CTEM_CVSS_TEMPORAL, 5, {"X", "H", "F", "P", "U"}},
	{"RL", CTEM_CVSS_TEMPORAL, 5, {"X", "U", "W", "T", "O"}},
	{"RC", CTEM_CVSS_TEMPORAL, 4, {"X", "C", "R", "U"}},
	{"CR", CTEM_CVSS_ENV, 4, {"X", "H", "M", "L"}},
	{"IR", CTEM_CVSS_ENV, 4, {"X", "H", "M", "L"}},
	{"AR", CTEM_CVSS_ENV, 4, {"X", "H", "M", "L"}},
	{"MAV", CTEM_CVSS_ENV, 5, {"X", "N", "A", "L", "P"}},
	{"MAC", CTEM_CVSS_ENV, 3, {"X", "L", "H"}},
	{"MPR", CTEM_CVSS_ENV, 4, {"X", "N", "L", "H"}},
	{"MUI", CTEM_CVSS_ENV, 3, {"X", "N", "R"}},
	{"MS", CTEM_CVSS_ENV, 3, {"X", "U", "C"}},
	{"MC", CTEM_CVSS_ENV, 4, {"X", "H", "L", "N"}},
	{"MI", CTEM_CVSS_ENV, 4, {"X", "H", "L", "N"}},
	{"MA", CTEM_CVSS_ENV, 4, {"X", "H", "L", "N"}}
};

/* CVSS v4.0 specification, section 7, Table 23 */
static const CtemCvssMetric cvss_v4_metrics[] = {
	{"AV", CTEM_CVSS_BASE, 4, {"N", "A", "L", "P"}},
	{"AC", CTEM_CVSS_BASE, 2, {"L", "H"}},
	{"AT", CTEM_CVSS_BASE, 2, {"N", "P"}},
	{"PR", CTEM_CVSS_BASE, 3, {"N", "L", "H"}},
	{"UI", CTEM_CVSS_BASE, 3, {"N", "P", "A"}},
	{"VC", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"VI", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"VA", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"SC", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"SI", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"SA", CTEM_CVSS_BASE, 3, {"H", "L", "N"}},
	{"E", CTEM_CVSS_TEMPORAL, 4, {"X", "A", "P", "U"}},
	{"CR", CTEM_CVSS_ENV, 4, {"X", "H", "M", "L"}},
	{"IR", CTEM_CVSS_ENV, 4, {"X", "H", "M", "L"}},
	{"AR", CTEM_CVSS_ENV, 4, {"X", "H", "M", "L"}},
	{"MAV", CTEM_CVSS_ENV, 5, {"X", "N", "A", "L", "P"}},
	{"MAC", CTEM_CVSS_ENV, 3, {"X", "L", "H"}},
	{"MAT", CTEM_CVSS_ENV, 3, {"X", "N", "P"}},
	{"MPR", CTEM_CVSS_ENV, 4, {"X", "N", "L", "H"}},
	{"MUI", CTEM_CVSS_ENV, 4, {"X", "N", "P", "A"}},
	{"MVC", CTEM_CVSS_ENV, 4, {"X", "H", "L", "N"}},
	{"MVI", CTEM_CVSS_ENV, 4, {"X", "H", "L", "N"}},
	{"MVA", CTEM_CVSS_ENV, 4, {"X", "H", "L", "N"}},
	{"MSC", CTEM_CVSS_ENV, 4, {"X", "H", "L", "N"}},
	{"MSI", CTEM_CVSS_ENV, 5, {"X", "S", "H", "L", "N"}},
	{"MSA", CTEM_CVSS_ENV, 5, {"X", "S", "H", "L", "N"}},
	{"S", CTEM_CVSS_SUPP, 3, {"X", "N", "P"}},
	{"AU", CTEM_CVSS_SUPP, 3, {"X", "N", "Y"}},
	{"R", CTEM_CVSS_SUPP, 4, {"X", "A", "U", "I"}},
	{"V", CTEM_CVSS_SUPP, 3, {"X", "D", "C"}},
	{"RE", CTEM_CVSS_SUPP, 4, {"X", "L", "M", "H"}},
	{"U", CTEM_CVSS_SUPP, 5, {"X", "Clear", "Green", "Amber", "Red"}}
};

#define CTEM_CVSS_LENGTHOF(a) (sizeof(a) / sizeof((a)[0]))

/* every table must fit CtemCvss.values[] and a uint64_t "seen" mask */
#define CTEM_CVSS_FITS(t) \
	((CTEM_CVSS_LENGTHOF(t) <= CTEM_CVSS_MAX_METRICS) ? 1 : -1)
typedef char ctem_cvss_v2_fits[CTEM_CVSS_FITS(cvss_v2_metrics)];
typedef char ctem_cvss_v3_fits[CTEM_CVSS_FITS(cvss_v3_metrics)];
typedef char ctem_cvss_v4_fits[CTEM_CVSS_FITS(cvss_v4_metrics)];

/* indexed by CtemCvssVersion */
static const CtemCvssVersionDef cvss_versions[5] = {
	{0, false, 0, 0, NULL, NULL, NULL, NULL, NULL},
	{
		CTEM_CVSS_V2, false, (uint8_t) CTEM_CVSS_LENGTHOF(cvss_v2_metrics), 6,
		"2.0", "", "CVSS v2",
		"AV:N/AC:L/Au:N/C:P/I:P/A:P",
		cvss_v2_metrics
	},
	{
		CTEM_CVSS_V30, false, (uint8_t) CTEM_CVSS_LENGTHOF(cvss_v3_metrics), 8,
		"3.0", "CVSS:3.0/", "CVSS v3.0",
		"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		cvss_v3_metrics
	},
	{
		CTEM_CVSS_V31, false, (uint8_t) CTEM_CVSS_LENGTHOF(cvss_v3_metrics), 8,
		"3.1", "CVSS:3.1/", "CVSS v3.1",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		cvss_v3_metrics
	},
	{
		CTEM_CVSS_V40, true, (uint8_t) CTEM_CVSS_LENGTHOF(cvss_v4_metrics), 11,
		"4.0", "CVSS:4.0/", "CVSS v4.0",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		cvss_v4_metrics
	}
};

static const char *const cvss_error_names[] = {
	"none", "empty", "truncated", "missing_mandatory", "duplicate_metric",
	"bad_value", "unknown_metric", "empty_component", "trailing_garbage",
	"leading_garbage", "malformed_component", "bad_case", "bad_separator",
	"wrong_prefix", "out_of_order"
};

/*
 * CVSS v4.0 MacroVector scores (FIRST cvss_lookup.js), in tenths, indexed
 * by CTEM_CVSS_V4_MACRO(eq1, eq2, eq3, eq4, eq5, eq6); -1 marks the 54
 * combinations with EQ3 = 2 and EQ6 = 0, which cannot occur.  Each row
 * holds EQ5 = 0, 1, 2 with EQ6 = 0, 1.
 */
#define CTEM_CVSS_V4_MACRO(e1, e2, e3, e4, e5, e6) \
	((((((e1) * 2 + (e2)) * 3 + (e3)) * 3 + (e4)) * 3 + (e5)) * 2 + (e6))

static const int8_t cvss_v4_lookup_table[324] = {
	/* 0000.. */ 100,  99,  98,  95,  95,  92,
	/* 0001.. */ 100,  96,  93,  87,  91,  81,
	/* 0002.. */  93,  90,  89,  80,  81,  68,
	/* 0010.. */  98,  95,  95,  92,  90,  84,
	/* 0011.. */  93,  92,  89,  81,  81,  65,
	/* 0012.. */  88,  80,  78,  70,  69,  48,
	/* 0020.. */  -1,  92,  -1,  82,  -1,  72,
	/* 0021.. */  -1,  79,  -1,  69,  -1,  50,
	/* 0022.. */  -1,  69,  -1,  55,  -1,  27,
	/* 0100.. */  99,  97,  95,  92,  92,  85,
	/* 0101.. */  95,  91,  90,  83,  84,  71,
	/* 0102.. */  92,  81,  82,  71,  72,  53,
	/* 0110.. */  95,  93,  92,  85,  85,  73,
	/* 0111.. */  92,  82,  80,  72,  70,  59,
	/* 0112.. */  84,  70,  71,  52,  50,  30,
	/* 0120.. */  -1,  86,  -1,  75,  -1,  52,
	/* 0121.. */  -1,  71,  -1,  52,  -1,  29,
	/* 0122.. */  -1,  63,  -1,  29,  -1,  17,
	/* 1000.. */  98,  95,  94,  87,  91,  81,
	/* 1001.. */  94,  89,  86,  74,  77,  64,
	/* 1002.. */  87,  75,  74,  63,  63,  49,
	/* 1010.. */  94,  89,  88,  77,  76,  67,
	/* 1011.. */  86,  76,  74,  58,  59,  50,
	/* 1012.. */  72,  57,  57,  52,  52,  25,
	/* 1020.. */  -1,  83,  -1,  70,  -1,  54,
	/* 1021.. */  -1,  65,  -1,  58,  -1,  26,
	/* 1022.. */  -1,  53,  -1,  21,  -1,  13,
	/* 1100.. */  95,  90,  88,  76,  76,  70,
	/* 1101.. */  90,  77,  75,  62,  61,  53,
	/* 1102.. */  77,  66,  68,  59,  52,  30,
	/* 1110.. */  89,  78,  76,  67,  62,  58,
	/* 1111.. */  74,  59,  57,  57,  47,  23,
	/* 1112.. */  61,  52,  57,  29,  24,  16,
	/* 1120.. */  -1,  71,  -1,  59,  -1,  30,
	/* 1121.. */  -1,  58,  -1,  26,  -1,  15,
	/* 1122.. */  -1,  23,  -1,  13,  -1,   6,
	/* 2000.. */  93,  87,  86,  72,  75,  58,
	/* 2001.. */  86,  74,  74,  61,  56,  34,
	/* 2002.. */  70,  54,  52,  40,  40,  22,
	/* 2010.. */  85,  75,  74,  55,  62,  51,
	/* 2011.. */  72,  57,  55,  41,  46,  19,
	/* 2012.. */  53,  36,  34,  19,  19,   8,
	/* 2020.. */  -1,  64,  -1,  51,  -1,  20,
	/* 2021.. */  -1,  47,  -1,  21,  -1,  11,
	/* 2022.. */  -1,  24,  -1,   9,  -1,   4,
	/* 2100.. */  88,  75,  73,  53,  60,  50,
	/* 2101.. */  73,  55,  59,  40,  41,  20,
	/* 2102.. */  54,  43,  45,  22,  20,  11,
	/* 2110.. */  75,  55,  58,  45,  40,  21,
	/* 2111.. */  61,  51,  48,  18,  20,   9,
	/* 2112.. */  46,  18,  17,   7,   8,   2,
	/* 2120.. */  -1,  53,  -1,  24,  -1,  14,
	/* 2121.. */  -1,  24,  -1,  12,  -1,   5,
	/* 2122.. */  -1,  10,  -1,   3,  -1,   1
};

/*
 * v4.0 severity levels.  Every scored metric is turned into its "level", the
 * reference calculator's METRIC_LEVELS value in tenths: AV N0 A1 L2 P3,
 * PR N0 L1 H2, UI N0 P1 A2, AC L0 H1, AT N0 P1, VC/VI/VA H0 L1 N2,
 * CR/IR/AR H0 M1 L2, SC H1 L2 N3, SI/SA S0 H1 L2 N3, and E A0 P1 U2 (used
 * for EQ5 only).  Slots of the level array, grouped by EQ:
 */
#define LV_AV 0
#define LV_PR 1
#define LV_UI 2
#define LV_AC 3
#define LV_AT 4
#define LV_VC 5
#define LV_VI 6
#define LV_VA 7
#define LV_CR 8
#define LV_IR 9
#define LV_AR 10
#define LV_SC 11
#define LV_SI 12
#define LV_SA 13
#define LV_E 14
#define LV_COUNT 15

/* highest-severity vectors of each EQ level (reference MAX_COMPOSED) */
typedef struct CtemCvssV4Maxes
{
	uint8_t		n;
	int8_t		lv[5][6];
} CtemCvssV4Maxes;

/* AV, PR, UI */
static const CtemCvssV4Maxes cvss_v4_max_eq1[3] = {
	{1, {{0, 0, 0}}},
	{3, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}},
	{2, {{3, 0, 0}, {1, 1, 1}}}
};

/* AC, AT */
static const CtemCvssV4Maxes cvss_v4_max_eq2[2] = {
	{1, {{0, 0}}},
	{2, {{1, 0}, {0, 1}}}
};

/* VC, VI, VA, CR, IR, AR; [eq3][eq6] */
static const CtemCvssV4Maxes cvss_v4_max_eq3eq6[3][2] = {
	{
		{1, {{0, 0, 0, 0, 0, 0}}},
		{2, {{0, 0, 1, 1, 1, 0}, {0, 0, 0, 1, 1, 1}}}
	},
	{
		{2, {{1, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0}}},
		{5, {{1, 0, 1, 0, 1, 0}, {1, 0, 0, 0, 1, 1}, {0, 1, 0, 1, 0, 1},
		{0, 1, 1, 1, 0, 0}, {1, 1, 0, 0, 0, 1}}}
	},
	{
		{0, {{0}}},
		{1, {{1, 1, 1, 0, 0, 0}}}
	}
};

/* SC, SI, SA */
static const CtemCvssV4Maxes cvss_v4_max_eq4[3] = {
	{1, {{1, 0, 0}}},
	{1, {{1, 1, 1}}},
	{1, {{2, 2, 2}}}
};

/* depth of each MacroVector in 0.1 steps (reference MAX_SEVERITY) */
static const int cvss_v4_depth_eq1[3] = {1, 4, 5};
static const int cvss_v4_depth_eq2[2] = {1, 2};
static const int cvss_v4_depth_eq3eq6[3][2] = {{7, 6}, {8, 8}, {0, 10}};
static const int cvss_v4_depth_eq4[3] = {6, 5, 4};

/* v4.0 metric slots in cvss_v4_metrics */
#define V4_AV 0
#define V4_AC 1
#define V4_AT 2
#define V4_PR 3
#define V4_UI 4
#define V4_VC 5
#define V4_VI 6
#define V4_VA 7
#define V4_SC 8
#define V4_SI 9
#define V4_SA 10
#define V4_E 11
#define V4_CR 12
#define V4_IR 13
#define V4_AR 14
#define V4_MAV 15
#define V4_MAC 16
#define V4_MAT 17
#define V4_MPR 18
#define V4_MUI 19
#define V4_MVC 20
#define V4_MVI 21
#define V4_MVA 22
#define V4_MSC 23
#define V4_MSI 24
#define V4_MSA 25

/* v3.x metric slots in cvss_v3_metrics */
#define V3_AV 0
#define V3_AC 1
#define V3_PR 2
#define V3_UI 3
#define V3_S 4
#define V3_C 5
#define V3_I 6
#define V3_A 7
#define V3_E 8
#define V3_RL 9
#define V3_RC 10
#define V3_CR 11
#define V3_IR 12
#define V3_AR 13
#define V3_MAV 14
#define V3_MAC 15
#define V3_MPR 16
#define V3_MUI 17
#define V3_MS 18
#define V3_MC 19
#define V3_MI 20
#define V3_MA 21

/* v2 metric slots in cvss_v2_metrics */
#define V2_AV 0
#define V2_AC 1
#define V2_AU 2
#define V2_C 3
#define V2_I 4
#define V2_A 5
#define V2_E 6
#define V2_RL 7
#define V2_RC 8
#define V2_CDP 9
#define V2_TD 10
#define V2_CR 11
#define V2_IR 12
#define V2_AR 13

/*
 * v3.x weights, indexed by value index - 1 in the tables above; for optional
 * metrics index 0 is X (Not Defined).
 */
static const double cvss_v3_w_av[] = {0.85, 0.62, 0.55, 0.2};
static const double cvss_v3_w_ac[] = {0.77, 0.44};
static const double cvss_v3_w_pr_u[] = {0.85, 0.62, 0.27};
static const double cvss_v3_w_pr_c[] = {0.85, 0.68, 0.5};
static const double cvss_v3_w_ui[] = {0.85, 0.62};
static const double cvss_v3_w_cia[] = {0.56, 0.22, 0.0};
static const double cvss_v3_w_e[] = {1.0, 1.0, 0.97, 0.94, 0.91};
static const double cvss_v3_w_rl[] = {1.0, 1.0, 0.97, 0.96, 0.95};
static const double cvss_v3_w_rc[] = {1.0, 1.0, 0.96, 0.92};
static const double cvss_v3_w_req[] = {1.0, 1.5, 1.0, 0.5};

/*
 * v2 weights as exact integers, indexed by value index - 1; the last entry
 * of every optional metric is ND.  Scales are noted per table.
 */
static const int64_t cvss_v2_w_av[] = {395, 646, 1000};	/* x1000 */
static const int64_t cvss_v2_w_ac[] = {35, 61, 71};	/* x100 */
static const int64_t cvss_v2_w_au[] = {450, 560, 704};	/* x1000 */
static const int64_t cvss_v2_w_cia[] = {0, 275, 660};	/* x1000 */
static const int64_t cvss_v2_w_e[] = {85, 90, 95, 100, 100};	/* x100 */
static const int64_t cvss_v2_w_rl[] = {87, 90, 95, 100, 100};	/* x100 */
static const int64_t cvss_v2_w_rc[] = {90, 95, 100, 100};	/* x100 */
static const int64_t cvss_v2_w_cdp[] = {0, 1, 3, 4, 5, 0};	/* x10 */
static const int64_t cvss_v2_w_td[] = {0, 25, 75, 100, 100};	/* x100 */
static const int64_t cvss_v2_w_req[] = {50, 100, 151, 100};	/* x100 */

static bool cvss_parse_body(const CtemCvssVersionDef *vd, const char *str,
							size_t len, size_t off, CtemCvss *out,
							CtemCvssError *err);
static bool cvss_fail(CtemCvssError *err, CtemCvssErrorCode code,
					  const char *str, size_t len, size_t pos, size_t end,
					  const char *fmt,...) CTEM_CVSS_PRINTF(7, 8);


/* ----------------------------------------------------------------
 *		Small helpers
 * ----------------------------------------------------------------
 */

static const CtemCvssVersionDef *
cvss_version_def(const CtemCvss *c)
{
	if (c == NULL || c->version < CTEM_CVSS_V2 || c->version > CTEM_CVSS_V40)
		return NULL;
	return &cvss_versions[c->version];
}

/* does NUL-terminated t equal the n bytes at s (which may hold NULs)? */
static inline bool
cvss_match(const char *t, const char *s, size_t n)
{
	size_t		k;

	for (k = 0; k < n; k++)
	{
		if (t[k] == '\0' || t[k] != s[k])
			return false;
	}
	return t[n] == '\0';
}

/* the same, ignoring ASCII case */
static bool
cvss_match_nocase(const char *t, const char *s, size_t n)
{
	size_t		k;

	for (k = 0; k < n; k++)
	{
		char		a = t[k];
		char		b = s[k];

		if (a >= 'a' && a <= 'z')
			a = (char) (a - 'a' + 'A');
		if (b >= 'a' && b <= 'z')
			b = (char) (b - 'a' + 'A');
		if (a == '\0' || a != b)
			return false;
	}
	return t[n] == '\0';
}

/* whitespace, control characters and bytes outside ASCII */
static inline bool
cvss_is_junk(unsigned char ch)
{
	return ch <= ' ' || ch >= 0x7f;
}

static inline uint64_t
cvss_bit(int i)
{
	return ((uint64_t) 1) << i;
}

static inline uint64_t
cvss_base_mask(const CtemCvssVersionDef *vd)
{
	return cvss_bit(vd->nbase) - 1;
}

/*
 * Metric index of name s[0..n), or -1.  The scan starts at slot "first"
 * (the slot after the previous metric) and wraps around, so vectors in
 * specification order find each name at once.
 */
static inline int
cvss_lookup_metric(const CtemCvssVersionDef *vd, const char *s, size_t n,
				   int first)
{
	int			i;

	if (n == 0 || n >= sizeof(vd->metrics[0].name))
		return -1;
	if (first < 0 || first > vd->nmetrics)
		first = 0;
	for (i = first; i < vd->nmetrics; i++)
	{
		if (cvss_match(vd->metrics[i].name, s, n))
			return i;
	}
	for (i = 0; i < first; i++)
	{
		if (cvss_match(vd->metrics[i].name, s, n))
			return i;
	}
	return -1;
}

/* 0-based index of value s[0..n) in the value list of m, or -1 */
static inline int
cvss_lookup_value(const CtemCvssMetric *m, const char *s, size_t n)
{
	int			i;

	for (i = 0; i < m->nvalues; i++)
	{
		if (cvss_match(m->values[i], s, n))
			return i;
	}
	return -1;
}

static inline uint32_t
cvss_word4(const char *p)
{
	uint32_t	w;

	memcpy(&w, p, sizeof(w));
	return w;
}

static inline uint64_t
cvss_word8(const char *p)
{
	uint64_t	w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/*
 * Copy n bytes to dst for display: printable ASCII as is, any other byte as
 * '?', cut with "..." when longer than dstsize - 1.
 */
static void
cvss_sanitize(char *dst, size_t dstsize, const char *src, size_t n)
{
	size_t		k;
	size_t		keep = n;

	if (dstsize < 5)
	{
		if (dstsize > 0)
			dst[0] = '\0';
		return;
	}
	if (n > dstsize - 1)
		keep = dstsize - 4;
	for (k = 0; k < keep; k++)
	{
		unsigned char ch = (unsigned char) src[k];

		dst[k] = (ch >= 0x20 && ch < 0x7f) ? (char) ch : '?';
	}
	if (keep < n)
	{
		memcpy(dst + keep, "...", 3);
		keep += 3;
	}
	dst[keep] = '\0';
}

/* "N, A, L, P": the values of metric m */
static void
cvss_value_list(char *dst, size_t dstsize, const CtemCvssMetric *m)
{
	size_t		used = 0;
	int			i;

	dst[0] = '\0';
	for (i = 0; i < m->nvalues; i++)
	{
		int			w = snprintf(dst + used, dstsize - used, "%s%s",
								 i > 0 ? ", " : "", m->values[i]);

		if (w < 0 || (size_t) w >= dstsize - used)
			break;
		used += (size_t) w;
	}
}

/* "AV, AC, PR": the names of the metrics of vd whose bit is set in mask */
static void
cvss_name_list(char *dst, size_t dstsize, const CtemCvssVersionDef *vd,
			   uint64_t mask)
{
	size_t		used = 0;
	int			i;

	dst[0] = '\0';
	for (i = 0; i < vd->nmetrics; i++)
	{
		int			w;

		if (!(mask & cvss_bit(i)))
			continue;
		w = snprintf(dst + used, dstsize - used, "%s%s",
					 used > 0 ? ", " : "", vd->metrics[i].name);
		if (w < 0 || (size_t) w >= dstsize - used)
			break;
		used += (size_t) w;
	}
}

/*
 * Record an error whose component is str[pos..end).  The component is
 * stored before the detail is formatted, so fmt may print err->component.
 * The hint is cleared; callers set it with one of the cvss_hint functions.
 * Always returns false.
 */
static bool
cvss_fail(CtemCvssError *err, CtemCvssErrorCode code, const char *str,
		  size_t len, size_t pos, size_t end, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return false;
	if (pos > len)
		pos = len;
	if (end > len)
		end = len;
	if (end < pos)
		end = pos;
	err->code = (int) code;
	err->position = (int) (pos > 0x7fffffff ? 0x7fffffff : pos);
	cvss_sanitize(err->component, sizeof(err->component), str + pos,
				  end - pos);
	va_start(ap, fmt);
	if (vsnprintf(err->detail, sizeof(err->detail), fmt, ap) >=
		(int) sizeof(err->detail))
		memcpy(err->detail + sizeof(err->detail) - 4, "...", 4);
	va_end(ap);
	err->hint[0] = '\0';
	return false;
}

/* hint: what a vector of version vd looks like */
static bool
cvss_hint_version(CtemCvssError *err, const CtemCvssVersionDef *vd)
{
	if (err == NULL)
		return false;
	if (vd->version == CTEM_CVSS_V2)
		snprintf(err->hint, sizeof(err->hint),
				 "A %s vector has no prefix and looks like \"%s\".",
				 vd->label, vd->example);
	else
		snprintf(err->hint, sizeof(err->hint),
				 "A %s vector looks like \"%s\".", vd->label, vd->example);
	return false;
}

/* hint: what vectors of every version look like */
static bool
cvss_hint_any(CtemCvssError *err)
{
	if (err == NULL)
		return false;
	snprintf(err->hint, sizeof(err->hint),
			 "A CVSS vector looks like \"%s\", \"%s\" or, for CVSS v2, \"%s\".",
			 cvss_versions[CTEM_CVSS_V40].example,
			 cvss_versions[CTEM_CVSS_V31].example,
			 cvss_versions[CTEM_CVSS_V2].example);
	return false;
}

static bool
cvss_hint_text(CtemCvssError *err, const char *text)
{
	if (err == NULL)
		return false;
	snprintf(err->hint, sizeof(err->hint), "%s", text);
	return false;
}


/* ----------------------------------------------------------------
 *		Parsing: the version prefix
 * ----------------------------------------------------------------
 */

/* is s[0..n) a prefix of (or equal to) "CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/"? */
static bool
cvss_is_prefix_start(const char *s, size_t n)
{
	static const char *const prefixes[] = {"CVSS:3.0/", "CVSS:3.1/", "CVSS:4.0/"};
	int			i;

	for (i = 0; i < 3; i++)
	{
		if (n <= strlen(prefixes[i]) && memcmp(prefixes[i], s, n) == 0)
			return true;
	}
	return false;
}

/*
 * Explain a string that starts with "CVSS:" but not with a supported prefix
 * followed by at least one byte.
 */
static bool
cvss_prefix_error(const char *str, size_t len, CtemCvssError *err)
{
	size_t		e = 5;
	char		tok[24];

	if (err == NULL)
		return false;
	while (e < len && str[e] != '/')
		e++;
	if (cvss_is_prefix_start(str, len))
	{
		if (len == 9)
		{
			cvss_fail(err, CTEM_CVSS_ERR_TRUNCATED, str, len, len, len,
					  "The input ends at position %zu, right after the prefix \"%.8s/\", without any metric.",
					  len, str);
			return cvss_hint_version(err,
									 &cvss_versions[str[5] == '4' ? CTEM_CVSS_V40 :
													str[7] == '0' ? CTEM_CVSS_V30 :
													CTEM_CVSS_V31]);
		}
		cvss_fail(err, CTEM_CVSS_ERR_TRUNCATED, str, len, len, len,
				  "The input ends at position %zu inside the version prefix \"%.*s\", without any metric.",
				  len, (int) len, str);
		return cvss_hint_any(err);
	}

	cvss_sanitize(tok, sizeof(tok), str + 5, e - 5);
	if ((e - 5 == 3 && memcmp(str + 5, "2.0", 3) == 0) ||
		(e - 5 == 1 && str[5] == '2'))
	{
		cvss_fail(err, CTEM_CVSS_ERR_WRONG_PREFIX, str, len, 0, e,
				  "The prefix \"%s\" at position 0 names CVSS v2, whose vectors are written without a prefix.",
				  err->component);
		return cvss_hint_version(err, &cvss_versions[CTEM_CVSS_V2]);
	}
	if (e - 5 == 1 && (str[5] == '3' || str[5] == '4'))
	{
		cvss_fail(err, CTEM_CVSS_ERR_WRONG_PREFIX, str, len, 0, e,
				  "The prefix \"%s\" at position 0 lacks the minor version number.",
				  err->component);
		return cvss_hint_text(err,
							  str[5] == '3' ?
							  "Write the prefix as \"CVSS:3.1/\" or \"CVSS:3.0/\"." :
							  "Write the prefix as \"CVSS:4.0/\".");
	}
	cvss_fail(err, CTEM_CVSS_ERR_WRONG_PREFIX, str, len, 0, e,
			  "The prefix \"%s\" at position 0 names CVSS version \"%s\", which is not supported.",
			  err->component, tok);
	return cvss_hint_text(err,
						  "Supported prefixes are \"CVSS:3.0/\", \"CVSS:3.1/\" and \"CVSS:4.0/\"; CVSS v2 vectors have no prefix.");
}

/*
 * Slow path for everything that does not start with a supported prefix
 * followed by at least one byte: find the version (v2 when there is no
 * prefix) and the offset of the first metric, or fail.
 */
static bool
cvss_parse_prefix(const char *str, size_t len, const CtemCvssVersionDef **vd,
				  size_t *off, CtemCvssError *err)
{
	size_t		first = 0;
	size_t		k;

	if (cvss_is_junk((unsigned char) str[0]))
	{
		k = 1;
		while (k < len && cvss_is_junk((unsigned char) str[k]))
			k++;
		cvss_fail(err, CTEM_CVSS_ERR_LEADING_GARBAGE, str, len, 0, k,
				  "The input starts with whitespace, a control character or a non-ASCII byte at position 0.");
		return cvss_hint_text(err,
								  "Remove the text before the vector, which starts with \"CVSS:\" or, for CVSS v2, with \"AV:\".");
	}
	if (str[0] == '(')
	{
		cvss_fail(err, CTEM_CVSS_ERR_LEADING_GARBAGE, str, len, 0, 1,
				  "Unexpected \"(\" at position 0: vectors are written without parentheses.");
		return cvss_hint_text(err,
								  "Remove the parentheses around the vector.");
	}
	if (len >= 5 && memcmp(str, "CVSS:", 5) == 0)
		return cvss_prefix_error(str, len, err);

	/* "xCVSS:3.1/...": something glued before the prefix */
	while (first < len && str[first] != '/')
		first++;
	for (k = 1; k + 5 <= first; k++)
	{
		if (memcmp(str + k, "CVSS:", 5) == 0)
		{
			cvss_fail(err, CTEM_CVSS_ERR_LEADING_GARBAGE, str, len, 0, k,
					  "Unexpected text \"%s\" at position 0 before the prefix \"CVSS:\".",
					  err ? err->component : "");
			return cvss_hint_text(err,
									  "Remove the text before the vector, which starts with \"CVSS:\" or, for CVSS v2, with \"AV:\".");
		}
	}

	/* "CVSS", "CVSS3.1/...", "cvss:3.1/..." */
	if (len >= 4 && cvss_match_nocase("CVSS", str, 4))
	{
		if (memcmp(str, "CVSS", 4) != 0)
		{
			cvss_fail(err, CTEM_CVSS_ERR_WRONG_PREFIX, str, len, 0, first,
					  "The prefix \"%s\" at position 0 is not in upper case.",
					  err ? err->component : "");
			return cvss_hint_text(err,
									  "Write the prefix in upper case, as \"CVSS:3.1/\" or \"CVSS:4.0/\".");
		}
		if (len == 4)
		{
			cvss_fail(err, CTEM_CVSS_ERR_TRUNCATED, str, len, len, len,
					  "The input ends at position 4 inside the version prefix \"CVSS\", without any metric.");
			return cvss_hint_any(err);
		}
		cvss_fail(err, CTEM_CVSS_ERR_WRONG_PREFIX, str, len, 0, first,
				  "The prefix \"%s\" at position 0 lacks the \":\" after \"CVSS\".",
				  err ? err->component : "");
		return cvss_hint_text(err,
								  "Write the prefix as \"CVSS:3.1/\", \"CVSS:3.0/\" or \"CVSS:4.0/\".");
	}

	*vd = &cvss_versions[CTEM_CVSS_V2];
	*off = 0;
	return true;
}


/* ----------------------------------------------------------------
 *		Parsing: metrics
 * ----------------------------------------------------------------
 */

/* is str[pos..end) a valid "name:value" of a metric not in seen? */
static bool
cvss_component_ok(const CtemCvssVersionDef *vd, const char *str, size_t pos,
				  size_t end, uint64_t seen, int *idx)
{
	const char *colon;
	size_t		vlen;
	int			i;

	if (end <= pos)
		return false;
	colon = memchr(str + pos, ':', end - pos);
	if (colon == NULL || colon == str + pos || colon + 1 == str + end)
		return false;
	vlen = (size_t) (str + end - colon) - 1;
	if (memchr(colon + 1, ':', vlen) != NULL)
		return false;
	i = cvss_lookup_metric(vd, str + pos, (size_t) (colon - str) - pos, -1);
	if (i < 0 || (seen & cvss_bit(i)))
		return false;
	if (cvss_lookup_value(&vd->metrics[i], colon + 1, vlen) < 0)
		return false;
	*idx = i;
	return true;
}

/* is s[0..n) a value of any metric of vd (like "ND" in v2, "X" in v3)? */
static bool
cvss_known_value(const CtemCvssVersionDef *vd, const char *s, size_t n)
{
	int			i;

	for (i = 0; i < vd->nmetrics; i++)
	{
		if (cvss_lookup_value(&vd->metrics[i], s, n) >= 0)
			return true;
	}
	return false;
}

/*
 * Write to buf the versions other than vd that have metric s[0..n), like
 * "CVSS v3.x and CVSS v4.0"; returns false when there is none.
 */
static bool
cvss_other_versions(const CtemCvssVersionDef *vd, const char *s, size_t n,
					char *buf, size_t buflen)
{
	static const uint8_t others[] = {CTEM_CVSS_V2, CTEM_CVSS_V31, CTEM_CVSS_V40};
	const char *found[3];
	int			nfound = 0;
	int			i;

	for (i = 0; i < 3; i++)
	{
		const CtemCvssVersionDef *od = &cvss_versions[others[i]];

		if (od->version == vd->version ||
			(od->version == CTEM_CVSS_V31 && vd->version == CTEM_CVSS_V30))
			continue;
		if (cvss_lookup_metric(od, s, n, -1) >= 0)
			found[nfound++] = od->version == CTEM_CVSS_V31 ? "CVSS v3.x" :
				od->label;
	}
	if (nfound == 0)
		return false;
	if (nfound == 1)
		snprintf(buf, buflen, "%s", found[0]);
	else
		snprintf(buf, buflen, "%s and %s", found[0], found[1]);
	return true;
}

/* detail and hint for a metric value not in the metric's value list */
static bool
cvss_bad_value(const CtemCvssVersionDef *vd, const CtemCvssMetric *m,
			   const char *str, size_t len, size_t pos, size_t end,
			   size_t colon, CtemCvssError *err)
{
	const char *val = str + colon + 1;
	size_t		vlen = end - colon - 1;
	char		list[48];
	char		value[32];
	const char *nd = (vd->version == CTEM_CVSS_V2) ? "ND" : "X";
	const char *ci = NULL;
	int			j;

	cvss_value_list(list, sizeof(list), m);
	cvss_sanitize(value, sizeof(value), val, vlen);
	for (j = 0; j < m->nvalues; j++)
	{
		if (cvss_match_nocase(m->values[j], val, vlen))
			ci = m->values[j];
	}

	if (m->group == CTEM_CVSS_BASE && cvss_match(nd, val, vlen))
		cvss_fail(err, CTEM_CVSS_ERR_BAD_VALUE, str, len, pos, end,
				  "Metric \"%s\" has invalid value \"%s\" at position %zu: \"%s\" (Not Defined) is only allowed for optional metrics, and this base metric takes %s.",
				  m->name, value, pos, value, list);
	else if (vd->version == CTEM_CVSS_V2 && cvss_match("X", val, vlen))
		cvss_fail(err, CTEM_CVSS_ERR_BAD_VALUE, str, len, pos, end,
				  "Metric \"%s\" has invalid value \"X\" at position %zu: CVSS v2 writes Not Defined as \"ND\", and valid values are %s.",
				  m->name, pos, list);
	else if (vd->version != CTEM_CVSS_V2 && cvss_match("ND", val, vlen))
		cvss_fail(err, CTEM_CVSS_ERR_BAD_VALUE, str, len, pos, end,
				  "Metric \"%s\" has invalid value \"ND\" at position %zu: %s writes Not Defined as \"X\", and valid values are %s.",
				  m->name, pos, vd->label, list);
	else if (ci != NULL)
		cvss_fail(err, CTEM_CVSS_ERR_BAD_VALUE, str, len, pos, end,
				  "Metric \"%s\" has invalid value \"%s\" at position %zu: values are case-sensitive (\"%s\"), and valid values are %s.",
				  m->name, value, pos, ci, list);
	else
		cvss_fail(err, CTEM_CVSS_ERR_BAD_VALUE, str, len, pos, end,
				  "Metric \"%s\" has invalid value \"%s\" at position %zu; valid values are %s.",
				  m->name, value, pos, list);
	return cvss_hint_version(err, vd);
}

/*
 * Explain why component str[pos..end) is not a valid "name:value" of vd;
 * seen holds the metrics given before it.  Only called on the error path.
 * Always returns false.
 */
static bool
cvss_component_error(const CtemCvssVersionDef *vd, const char *str,
					 size_t len, size_t pos, size_t end, uint64_t seen,
					 CtemCvssError *err)
{
	uint64_t	need = cvss_base_mask(vd);
	bool		last = (end == len);
	size_t		colon = end;
	size_t		colon2 = end;
	size_t		junk = end;
	size_t		k;
	int			ncolon = 0;
	int			idx;
	char		name[40];

	if (err == NULL)
		return false;

	for (k = pos; k < end; k++)
	{
		if (str[k] == ':')
		{
			if (ncolon == 0)
				colon = k;
			else if (ncolon == 1)
				colon2 = k;
			ncolon++;
		}
		else if (junk == end && cvss_is_junk((unsigned char) str[k]))
			junk = k;
	}

	/* "A:H trailing": a complete vector, then whitespace and more text */
	if (last && junk > pos && junk < end &&
		cvss_component_ok(vd, str, pos, junk, seen, &idx) &&
		((seen | cvss_bit(idx)) & need) == need)
	{
		cvss_fail(err, CTEM_CVSS_ERR_TRAILING_GARBAGE, str, len, junk, end,
				  "Unexpected text \"%s\" at position %zu after the end of the vector.",
				  err->component, junk);
		return cvss_hint_text(err,
								  "Remove the text after the last metric value.");
	}

	/* "AV:N,AC:L,...": another character used as the separator */
	if (ncolon >= 2)
	{
		for (k = colon + 1; k < colon2; k++)
		{
			if (str[k] == ',' || str[k] == ';' || str[k] == '|' ||
				str[k] == '\\' || str[k] == '&' || str[k] == '+' ||
				str[k] == ' ')
			{
				cvss_fail(err, CTEM_CVSS_ERR_BAD_SEPARATOR, str, len, pos, end,
						  "Component \"%s\" at position %zu uses \"%c\" (at position %zu) instead of \"/\" to separate metrics.",
						  err->component, pos, str[k], k);
				snprintf(err->hint, sizeof(err->hint),
						 "Separate metrics with \"/\", as in \"%s\".",
						 vd->example);
				return false;
			}
		}
	}

	if (ncolon == 0)
	{
		if (memchr(str + pos, '=', end - pos) != NULL)
		{
			cvss_fail(err, CTEM_CVSS_ERR_MALFORMED_COMPONENT, str, len, pos,
					  end,
					  "Component \"%s\" at position %zu uses \"=\" instead of \":\" between metric name and value.",
					  err->component, pos);
			return cvss_hint_version(err, vd);
		}
		if (last && (seen & need) == need)
		{
			cvss_fail(err, CTEM_CVSS_ERR_TRAILING_GARBAGE, str, len, pos, end,
					  "Unexpected text \"%s\" at position %zu after the end of the vector.",
					  err->component, pos);
			return cvss_hint_text(err,
									  "Remove the text after the last metric value.");
		}
		cvss_fail(err, CTEM_CVSS_ERR_MALFORMED_COMPONENT, str, len, pos, end,
				  "Component \"%s\" at position %zu has no \":\" between metric name and value.",
				  err->component, pos);
		return cvss_hint_version(err, vd);
	}

	if (colon == pos)
	{
		cvss_fail(err, CTEM_CVSS_ERR_MALFORMED_COMPONENT, str, len, pos, end,
				  "Component \"%s\" at position %zu has an empty metric name.",
				  err->component, pos);
		return cvss_hint_version(err, vd);
	}
	if (ncolon >= 2)
	{
		if (colon2 == colon + 1)
			cvss_fail(err, CTEM_CVSS_ERR_MALFORMED_COMPONENT, str, len, pos,
					  end,
					  "Component \"%s\" at position %zu has \"::\" where a single \":\" belongs.",
					  err->component, pos);
		else
			cvss_fail(err, CTEM_CVSS_ERR_MALFORMED_COMPONENT, str, len, pos,
					  end,
					  "Component \"%s\" at position %zu contains more than one \":\".",
					  err->component, pos);
		return cvss_hint_version(err, vd);
	}
	if (colon + 1 == end)
	{
		cvss_fail(err, CTEM_CVSS_ERR_MALFORMED_COMPONENT, str, len, pos, end,
				  "Component \"%s\" at position %zu has an empty value.",
				  err->component, pos);
		return cvss_hint_version(err, vd);
	}

	cvss_sanitize(name, sizeof(name), str + pos, colon - pos);
	idx = cvss_lookup_metric(vd, str + pos, colon - pos, -1);
	if (idx < 0)
	{
		char		other[40];
		int			i;

		for (i = 0; i < vd->nmetrics; i++)
		{
			if (cvss_match_nocase(vd->metrics[i].name, str + pos, colon - pos))
			{
				cvss_fail(err, CTEM_CVSS_ERR_BAD_CASE, str, len, pos, end,
						  "Component \"%s\" at position %zu names metric \"%s\", but metric names are case-sensitive and %s spells it \"%s\".",
						  err->component, pos, name, vd->label,
						  vd->metrics[i].name);
				return cvss_hint_version(err, vd);
			}
		}
		if (cvss_other_versions(vd, str + pos, colon - pos, other,
								sizeof(other)))
			cvss_fail(err, CTEM_CVSS_ERR_UNKNOWN_METRIC, str, len, pos, end,
					  "Component \"%s\" at position %zu names metric \"%s\", which %s does not have (it is a %s metric).",
					  err->component, pos, name, vd->label, other);
		else
			cvss_fail(err, CTEM_CVSS_ERR_UNKNOWN_METRIC, str, len, pos, end,
					  "Component \"%s\" at position %zu names metric \"%s\", which %s does not have.",
					  err->component, pos, name, vd->label);
		return cvss_hint_version(err, vd);
	}

	if (cvss_lookup_value(&vd->metrics[idx], str + colon + 1,
						  end - colon - 1) < 0)
	{
		const CtemCvssMetric *m = &vd->metrics[idx];
		size_t		vlen = end - colon - 1;
		size_t		p;

		/* "A:HH", "U:Clearx": text glued to the last value of the vector */
		if (last && !(seen & cvss_bit(idx)) &&
			((seen | cvss_bit(idx)) & need) == need &&
			!cvss_known_value(vd, str + colon + 1, vlen))
		{
			for (p = vlen - 1; p > 0; p--)
			{
				if (cvss_lookup_value(m, str + colon + 1, p) >= 0)
				{
					size_t		g = colon + 1 + p;

					cvss_fail(err, CTEM_CVSS_ERR_TRAILING_GARBAGE, str, len,
							  g, end,
							  "Unexpected text \"%s\" at position %zu after the value \"%s\" of metric \"%s\", the end of the vector.",
							  err->component, g, m->values[cvss_lookup_value(m, str + colon + 1, p)],
							  m->name);
					return cvss_hint_text(err,
											  "Remove the text after the last metric value.");
				}
			}
		}
		return cvss_bad_value(vd, m, str, len, pos, end, colon, err);
	}

	/* not reached: the caller found the component invalid */
	cvss_fail(err, CTEM_CVSS_ERR_MALFORMED_COMPONENT, str, len, pos, end,
			  "Component \"%s\" at position %zu is malformed.",
			  err->component, pos);
	return cvss_hint_version(err, vd);
}

/* error for mandatory metrics absent at the end of a body */
static bool
cvss_missing_error(const CtemCvssVersionDef *vd, const char *str, size_t len,
				   uint64_t seen, CtemCvssError *err)
{
	uint64_t	need = cvss_base_mask(vd);
	uint64_t	missing = need & ~seen;
	int			nmissing = 0;
	int			maxgiven = -1;
	int			minmissing = -1;
	int			i;
	char		names[120];

	if (err == NULL)
		return false;
	for (i = 0; i < vd->nbase; i++)
	{
		if (missing & cvss_bit(i))
		{
			nmissing++;
			if (minmissing < 0)
				minmissing = i;
		}
		else
			maxgiven = i;
	}
	cvss_name_list(names, sizeof(names), vd, missing);
	if (nmissing >= 2 && minmissing > maxgiven)
		cvss_fail(err, CTEM_CVSS_ERR_TRUNCATED, str, len, len, len,
				  "The vector ends at position %zu, before the mandatory base metrics %s.",
				  len, names);
	else if (nmissing == 1)
		cvss_fail(err, CTEM_CVSS_ERR_MISSING_MANDATORY, str, len, len, len,
				  "The mandatory base metric \"%s\" is missing from the vector, which ends at position %zu.",
				  names, len);
	else
		cvss_fail(err, CTEM_CVSS_ERR_MISSING_MANDATORY, str, len, len, len,
				  "The mandatory base metrics %s are missing from the vector, which ends at position %zu.",
				  names, len);
	cvss_name_list(names, sizeof(names), vd, need);
	snprintf(err->hint, sizeof(err->hint),
			 "%s requires every base metric (%s), as in \"%s\".",
			 vd->label, names, vd->example);
	return false;
}

/*
 * Report the error in the component that starts at pos, the fast path of
 * cvss_parse_body having found something unusual there.
 */
static bool
cvss_body_error(const CtemCvssVersionDef *vd, const char *str, size_t len,
				size_t off, size_t pos, uint64_t seen, CtemCvssError *err)
{
	size_t		end = pos;

	if (err == NULL)
		return false;
	while (end < len && str[end] != '/')
		end++;
	if (end == pos)
	{
		cvss_fail(err, CTEM_CVSS_ERR_EMPTY_COMPONENT, str, len, pos, pos,
				  "Empty component at position %zu: %s.", pos,
				  pos == len ? "the vector ends with \"/\"" :
				  pos == 0 ? "the vector starts with \"/\"" :
				  pos == off ? "the metrics start with \"/\"" :
				  "two \"/\" follow each other");
		return cvss_hint_text(err,
								  "Separate metrics with a single \"/\", with none at the start or end of the metrics.");
	}
	return cvss_component_error(vd, str, len, pos, end, seen, err);
}

/*
 * Parse the metrics str[off..len) of a vector of version vd into
 * out->values, which must be zeroed.  err may be NULL.
 *
 * The hot path reads each "name:value" component once, copying the name
 * (at most 3 bytes) and the value (at most 7) into NUL-padded words that
 * are compared with the padded table entries.  Any surprise (empty or long
 * parts, a second ':', a NUL byte, an unknown name or value) hands over to
 * cvss_body_error, which rescans the component to explain it.
 */
static bool
cvss_parse_body(const CtemCvssVersionDef *vd, const char *str, size_t len,
				size_t off, CtemCvss *out, CtemCvssError *err)
{
	const CtemCvssMetric *metrics = vd->metrics;
	int			nmetrics = vd->nmetrics;
	uint64_t	seen = 0;
	int			last = -1;
	size_t		pos = off;

	for (;;)
	{
		char		nbuf[4] = {0, 0, 0, 0};
		char		vbuf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
		uint32_t	nkey;
		uint64_t	vkey;
		size_t		p = pos;
		size_t		vstart;
		size_t		end;
		const CtemCvssMetric *m;
		int			idx;
		int			vi;

		/* name */
		while (p < len && p - pos < 4)
		{
			char		ch = str[p];

			if (ch == ':' || ch == '/' || ch == '\0')
				break;
			nbuf[p - pos] = ch;
			p++;
		}
		if (p == pos || p >= len || str[p] != ':')
			return cvss_body_error(vd, str, len, off, pos, seen, err);

		/* value */
		vstart = ++p;
		while (p < len && p - vstart < 8)
		{
			char		ch = str[p];

			if (ch == '/' || ch == ':' || ch == '\0')
				break;
			vbuf[p - vstart] = ch;
			p++;
		}
		end = p;
		if (end == vstart || end - vstart > 7 || (end < len && str[end] != '/'))
			return cvss_body_error(vd, str, len, off, pos, seen, err);

		/* look both up, starting after the previous metric */
		nkey = cvss_word4(nbuf);
		for (idx = last + 1; idx < nmetrics; idx++)
		{
			if (cvss_word4(metrics[idx].name) == nkey)
				break;
		}
		if (idx == nmetrics)
		{
			for (idx = 0; idx <= last; idx++)
			{
				if (cvss_word4(metrics[idx].name) == nkey)
					break;
			}
			if (idx > last)
				return cvss_body_error(vd, str, len, off, pos, seen, err);
		}
		m = &metrics[idx];
		vkey = cvss_word8(vbuf);
		for (vi = 0; vi < m->nvalues; vi++)
		{
			if (cvss_word8(m->values[vi]) == vkey)
				break;
		}
		if (vi == m->nvalues)
			return cvss_body_error(vd, str, len, off, pos, seen, err);

		if (seen & cvss_bit(idx))
		{
			if (err == NULL)
				return false;
			cvss_fail(err, CTEM_CVSS_ERR_DUPLICATE_METRIC, str, len, pos, end,
					  "Metric \"%s\" appears a second time, in component \"%s\" at position %zu.",
					  m->name, err->component, pos);
			return cvss_hint_text(err, "Give each metric at most once.");
		}
		if (vd->fixed_order && idx < last)
		{
			char		names[160];

			if (err == NULL)
				return false;
			cvss_fail(err, CTEM_CVSS_ERR_OUT_OF_ORDER, str, len, pos, end,
					  "Metric \"%s\" in component \"%s\" at position %zu is out of order: %s requires specification order, where \"%s\" comes before \"%s\".",
					  m->name, err->component, pos, vd->label, m->name,
					  metrics[last].name);
			cvss_name_list(names, sizeof(names), vd, ~(uint64_t) 0);
			snprintf(err->hint, sizeof(err->hint),
					 "%s metrics must appear in this order: %s.",
					 vd->label, names);
			return false;
		}

		seen |= cvss_bit(idx);
		out->values[idx] = (uint8_t) (vi + 1);
		last = idx;

		if (end == len)
			break;
		pos = end + 1;
	}

	if ((seen & cvss_base_mask(vd)) != cvss_base_mask(vd))
		return cvss_missing_error(vd, str, len, seen, err);
	return true;
}

/*
 * After a failed body: when the metrics form a valid vector of another
 * version, the prefix (or its absence) is what is wrong.  Replaces *err.
 */
static void
cvss_try_other_versions(const CtemCvssVersionDef *vd, const char *str,
						size_t len, size_t off, CtemCvssError *err)
{
	static const uint8_t others[] = {CTEM_CVSS_V2, CTEM_CVSS_V31, CTEM_CVSS_V40};
	CtemCvss	tmp;
	int			i;

	if (err == NULL)
		return;
	for (i = 0; i < 3; i++)
	{
		const CtemCvssVersionDef *od = &cvss_versions[others[i]];

		if (od->version == vd->version ||
			(od->version == CTEM_CVSS_V31 && vd->version == CTEM_CVSS_V30))
			continue;
		memset(&tmp, 0, sizeof(tmp));
		if (!cvss_parse_body(od, str, len, off, &tmp, NULL))
			continue;

		if (vd->version == CTEM_CVSS_V2)
		{
			cvss_fail(err, CTEM_CVSS_ERR_WRONG_PREFIX, str, len, 0, 0,
					  "The vector has no prefix at position 0, but its metrics are those of %s.",
					  od->version == CTEM_CVSS_V40 ? "CVSS v4.0" : "CVSS v3.x");
			cvss_hint_text(err,
						   od->version == CTEM_CVSS_V40 ?
						   "Start the vector with the prefix \"CVSS:4.0/\"." :
						   "Start the vector with the prefix \"CVSS:3.1/\" (or \"CVSS:3.0/\").");
		}
		else
		{
			cvss_fail(err, CTEM_CVSS_ERR_WRONG_PREFIX, str, len, 0, off - 1,
					  "The prefix \"%s\" at position 0 does not match the metrics that follow, which are those of %s.",
					  err->component,
					  od->version == CTEM_CVSS_V2 ? "CVSS v2" :
					  od->version == CTEM_CVSS_V40 ? "CVSS v4.0" : "CVSS v3.x");
			if (od->version == CTEM_CVSS_V2)
				cvss_hint_version(err, od);
			else
				cvss_hint_text(err,
							   od->version == CTEM_CVSS_V40 ?
							   "Use the prefix \"CVSS:4.0/\" for these metrics." :
							   "Use the prefix \"CVSS:3.1/\" (or \"CVSS:3.0/\") for these metrics.");
		}
		return;
	}
}


/* ----------------------------------------------------------------
 *		Scoring: CVSS v2
 * ----------------------------------------------------------------
 */

/* n / d rounded half away from zero (Decimal ROUND_HALF_UP); d even, > 0 */
static int64_t
cvss_div_round(int64_t n, int64_t d)
{
	if (n >= 0)
		return (n + d / 2) / d;
	return -((-n + d / 2) / d);
}

/*
 * round_to_1_decimal(((0.6 * Impact) + (0.4 * Exploitability) - 1.5) *
 * f(Impact)), in tenths, where Impact = 10.41 * (1 - (1 - C * CR) *
 * (1 - I * IR) * (1 - A * AR)), capped at 10 for the AdjustedImpact.
 * Exact in 64-bit integers:
 *	imp[] x1000 and req[] x100 give (1 - imp * req) x1e5, their product P
 *	and Q = 1 - P x1e15, Impact x1e17 (at most 1.041e18), 0.6 * Impact and
 *	0.4 * Exploitability x1e18 (Exploitability expl8 is x1e8).  The sum S
 *	stays below 8.8e18.  10 * 1.176 * S is then split so that no product
 *	exceeds 2^63: the discarded part is below 1 at scale 1e15, which cannot
 *	move a rounding decision made at scale 1e14.
 */
static int64_t
cvss_v2_base_equation(int64_t expl8, const int64_t imp[3],
					  const int64_t req[3], bool adjusted)
{
	int64_t		p = 1;
	int64_t		q15;
	int64_t		x17;
	int64_t		s18;
	int64_t		u;
	int64_t		n;
	int64_t		t;
	int			k;

	for (k = 0; k < 3; k++)
		p *= 100000 - imp[k] * req[k];
	q15 = INT64_C(1000000000000000) - p;
	if (q15 == 0)
		return 0;				/* f(Impact) = 0 */
	x17 = 1041 * q15;
	if (adjusted && x17 > INT64_C(1000000000000000000))
		x17 = INT64_C(1000000000000000000);
	s18 = 6 * x17 - INT64_C(1500000000000000000) +
		4 * expl8 * INT64_C(1000000000);
	u = s18 < 0 ? -s18 : s18;
	/* 1.176 * u at scale 1e15 */
	n = 1176 * (u / 1000000) + (1176 * (u % 1000000)) / 1000000;
	t = (n + INT64_C(50000000000000)) / INT64_C(100000000000000);
	return s18 < 0 ? -t : t;
}

/* is optional v2 metric i given with a value other than ND? */
static inline bool
cvss_v2_defined(const uint8_t *v, int i)
{
	return v[i] != 0 && v[i] != cvss_v2_metrics[i].nvalues;
}

/* weight of optional v2 metric i; absent counts as ND (the last value) */
static inline int64_t
cvss_v2_opt(const uint8_t *v, int i, const int64_t *w)
{
	return w[(v[i] ? v[i] : cvss_v2_metrics[i].nvalues) - 1];
}

static void
cvss_score_v2(CtemCvss *c)
{
	const uint8_t *v = c->values;
	static const int64_t noreq[3] = {100, 100, 100};
	int64_t		imp[3];
	int64_t		req[3];
	int64_t		expl8;
	int64_t		tmul;
	int64_t		base;

	expl8 = 20 * cvss_v2_w_av[v[V2_AV] - 1] * cvss_v2_w_ac[v[V2_AC] - 1] *
		cvss_v2_w_au[v[V2_AU] - 1];
	imp[0] = cvss_v2_w_cia[v[V2_C] - 1];
	imp[1] = cvss_v2_w_cia[v[V2_I] - 1];
	imp[2] = cvss_v2_w_cia[v[V2_A] - 1];
	/* E * RL * RC, x1e6 */
	tmul = cvss_v2_opt(v, V2_E, cvss_v2_w_e) *
		cvss_v2_opt(v, V2_RL, cvss_v2_w_rl) *
		cvss_v2_opt(v, V2_RC, cvss_v2_w_rc);

	base = cvss_v2_base_equation(expl8, imp, noreq, false);
	if (base < 0)
		base = 0;
	c->score10 = (int16_t) base;
	c->base10 = (int16_t) base;

	c->temporal10 = CTEM_CVSS_SCORE_ABSENT;
	if (cvss_v2_defined(v, V2_E) || cvss_v2_defined(v, V2_RL) ||
		cvss_v2_defined(v, V2_RC))
	{
		int64_t		t = cvss_div_round(base * tmul, 1000000);

		c->temporal10 = (int16_t) (t < 0 ? 0 : t);
	}

	c->env10 = CTEM_CVSS_SCORE_ABSENT;
	if (cvss_v2_defined(v, V2_CDP) || cvss_v2_defined(v, V2_TD) ||
		cvss_v2_defined(v, V2_CR) || cvss_v2_defined(v, V2_IR) ||
		cvss_v2_defined(v, V2_AR))
	{
		int64_t		adjbase;
		int64_t		adjtemp;
		int64_t		env;

		req[0] = cvss_v2_opt(v, V2_CR, cvss_v2_w_req);
		req[1] = cvss_v2_opt(v, V2_IR, cvss_v2_w_req);
		req[2] = cvss_v2_opt(v, V2_AR, cvss_v2_w_req);
		/* like the guide (and Red Hat's library), no clamp in between */
		adjbase = cvss_v2_base_equation(expl8, imp, req, true);
		adjtemp = cvss_div_round(adjbase * tmul, 1000000);
		/* (AT + (10 - AT) * CDP) * TD: tenths x10 x100 */
		env = cvss_div_round((adjtemp * 10 +
							  (100 - adjtemp) * cvss_v2_opt(v, V2_CDP, cvss_v2_w_cdp)) *
							 cvss_v2_opt(v, V2_TD, cvss_v2_w_td), 1000);
		c->env10 = (int16_t) (env < 0 ? 0 : env);
	}
}


/* ----------------------------------------------------------------
 *		Scoring: CVSS v3.0 and v3.1
 * ----------------------------------------------------------------
 */

/*
 * CVSS v3.1 Appendix A Roundup, in tenths: the smallest number of tenths
 * equal to or higher than x, after rounding x to five decimals (which
 * absorbs floating-point noise).  Math.round semantics: ties go up.
 */
static int
cvss_roundup(double x)
{
	double		v;
	int64_t		i;

	if (!(x > 0.0))
		return 0;
	v = x * 100000.0;
	i = (int64_t) v;
	if (v - (double) i >= 0.5)
		i++;
	return (int) (i % 10000 == 0 ? i / 10000 : i / 10000 + 1);
}

/* 0-based base-table index of modified metric mi, defaulting to base bi */
static inline int
cvss_modified(const uint8_t *v, int mi, int bi)
{
	return v[mi] >= 2 ? v[mi] - 2 : v[bi] - 1;
}

static void
cvss_score_v3(CtemCvss *c)
{
	const uint8_t *v = c->values;
	bool		v31 = (c->version == CTEM_CVSS_V31);
	bool		changed = (v[V3_S] == 2);
	bool		mchanged = (cvss_modified(v, V3_MS, V3_S) == 1);
	const double *pr = changed ? cvss_v3_w_pr_c : cvss_v3_w_pr_u;
	const double *mpr = mchanged ? cvss_v3_w_pr_c : cvss_v3_w_pr_u;
	double		e = cvss_v3_w_e[v[V3_E] ? v[V3_E] - 1 : 0];
	double		rl = cvss_v3_w_rl[v[V3_RL] ? v[V3_RL] - 1 : 0];
	double		rc = cvss_v3_w_rc[v[V3_RC] ? v[V3_RC] - 1 : 0];
	double		iss;
	double		impact;
	double		expl;
	double		miss;
	double		mimpact;
	double		mexpl;
	int			base;
	int			env;

	/* base */
	iss = 1.0 - ((1.0 - cvss_v3_w_cia[v[V3_C] - 1]) *
				 (1.0 - cvss_v3_w_cia[v[V3_I] - 1]) *
				 (1.0 - cvss_v3_w_cia[v[V3_A] - 1]));
	if (!changed)
		impact = 6.42 * iss;
	else
		impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15);
	expl = 8.22 * cvss_v3_w_av[v[V3_AV] - 1] * cvss_v3_w_ac[v[V3_AC] - 1] *
		pr[v[V3_PR] - 1] * cvss_v3_w_ui[v[V3_UI] - 1];
	if (impact <= 0.0)
		base = 0;
	else if (!changed)
		base = cvss_roundup(fmin(impact + expl, 10.0));
	else
		base = cvss_roundup(fmin(1.08 * (impact + expl), 10.0));
	c->score10 = (int16_t) base;
	c->base10 = (int16_t) base;

	/* temporal, X weights when absent */
	c->temporal10 = (int16_t) cvss_roundup(base / 10.0 * e * rl * rc);

	/* environmental, X weights when absent */
	miss = 1.0 - ((1.0 - cvss_v3_w_req[v[V3_CR] ? v[V3_CR] - 1 : 0] *
				   cvss_v3_w_cia[cvss_modified(v, V3_MC, V3_C)]) *
				  (1.0 - cvss_v3_w_req[v[V3_IR] ? v[V3_IR] - 1 : 0] *
				   cvss_v3_w_cia[cvss_modified(v, V3_MI, V3_I)]) *
				  (1.0 - cvss_v3_w_req[v[V3_AR] ? v[V3_AR] - 1 : 0] *
				   cvss_v3_w_cia[cvss_modified(v, V3_MA, V3_A)]));
	if (miss > 0.915)
		miss = 0.915;
	if (!mchanged)
		mimpact = 6.42 * miss;
	else if (v31)
		mimpact = 7.52 * (miss - 0.029) -
			3.25 * pow(miss * 0.9731 - 0.02, 13);
	else
		mimpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15);
	mexpl = 8.22 * cvss_v3_w_av[cvss_modified(v, V3_MAV, V3_AV)] *
		cvss_v3_w_ac[cvss_modified(v, V3_MAC, V3_AC)] *
		mpr[cvss_modified(v, V3_MPR, V3_PR)] *
		cvss_v3_w_ui[cvss_modified(v, V3_MUI, V3_UI)];
	if (mimpact <= 0.0)
		env = 0;
	else if (!mchanged)
		env = cvss_roundup(cvss_roundup(fmin(mimpact + mexpl, 10.0)) / 10.0 *
						   e * rl * rc);
	else
		env = cvss_roundup(cvss_roundup(fmin(1.08 * (mimpact + mexpl), 10.0)) /
						   10.0 * e * rl * rc);
	c->env10 = (int16_t) env;
}


/* ----------------------------------------------------------------
 *		Scoring: CVSS v4.0
 * ----------------------------------------------------------------
 */

/*
 * Severity levels of the effective values: modified metrics replace base
 * ones, E:X counts as A and CR/IR/AR:X as H.  With full == false threat and
 * environmental metrics are all taken as X (the base-only score).
 */
static void
cvss_v4_levels(const uint8_t *v, bool full, int lv[LV_COUNT])
{
	lv[LV_AV] = v[V4_AV] - 1;
	lv[LV_AC] = v[V4_AC] - 1;
	lv[LV_AT] = v[V4_AT] - 1;
	lv[LV_PR] = v[V4_PR] - 1;
	lv[LV_UI] = v[V4_UI] - 1;
	lv[LV_VC] = v[V4_VC] - 1;
	lv[LV_VI] = v[V4_VI] - 1;
	lv[LV_VA] = v[V4_VA] - 1;
	lv[LV_SC] = v[V4_SC];
	lv[LV_SI] = v[V4_SI];
	lv[LV_SA] = v[V4_SA];
	lv[LV_E] = 0;
	lv[LV_CR] = 0;
	lv[LV_IR] = 0;
	lv[LV_AR] = 0;
	if (!full)
		return;
	if (v[V4_E] >= 2)
		lv[LV_E] = v[V4_E] - 2;
	if (v[V4_CR] >= 2)
		lv[LV_CR] = v[V4_CR] - 2;
	if (v[V4_IR] >= 2)
		lv[LV_IR] = v[V4_IR] - 2;
	if (v[V4_AR] >= 2)
		lv[LV_AR] = v[V4_AR] - 2;
	if (v[V4_MAV] >= 2)
		lv[LV_AV] = v[V4_MAV] - 2;
	if (v[V4_MAC] >= 2)
		lv[LV_AC] = v[V4_MAC] - 2;
	if (v[V4_MAT] >= 2)
		lv[LV_AT] = v[V4_MAT] - 2;
	if (v[V4_MPR] >= 2)
		lv[LV_PR] = v[V4_MPR] - 2;
	if (v[V4_MUI] >= 2)
		lv[LV_UI] = v[V4_MUI] - 2;
	if (v[V4_MVC] >= 2)
		lv[LV_VC] = v[V4_MVC] - 2;
	if (v[V4_MVI] >= 2)
		lv[LV_VI] = v[V4_MVI] - 2;
	if (v[V4_MVA] >= 2)
		lv[LV_VA] = v[V4_MVA] - 2;
	if (v[V4_MSC] >= 2)
		lv[LV_SC] = v[V4_MSC] - 1;
	if (v[V4_MSI] >= 2)
		lv[LV_SI] = v[V4_MSI] - 2;
	if (v[V4_MSA] >= 2)
		lv[LV_SA] = v[V4_MSA] - 2;
}

/* the six equivalence classes (MacroVector digits) */
static void
cvss_v4_eqs(const int lv[LV_COUNT], int eq[6])
{
	if (lv[LV_AV] == 0 && lv[LV_PR] == 0 && lv[LV_UI] == 0)
		eq[0] = 0;
	else if ((lv[LV_AV] == 0 || lv[LV_PR] == 0 || lv[LV_UI] == 0) &&
			 lv[LV_AV] != 3)
		eq[0] = 1;
	else
		eq[0] = 2;

	eq[1] = (lv[LV_AC] == 0 && lv[LV_AT] == 0) ? 0 : 1;

	if (lv[LV_VC] == 0 && lv[LV_VI] == 0)
		eq[2] = 0;
	else if (lv[LV_VC] == 0 || lv[LV_VI] == 0 || lv[LV_VA] == 0)
		eq[2] = 1;
	else
		eq[2] = 2;

	/* level 0 of SI/SA can only come from MSI:S/MSA:S */
	if (lv[LV_SI] == 0 || lv[LV_SA] == 0)
		eq[3] = 0;
	else if (lv[LV_SC] == 1 || lv[LV_SI] == 1 || lv[LV_SA] == 1)
		eq[3] = 1;
	else
		eq[3] = 2;

	eq[4] = lv[LV_E];

	eq[5] = ((lv[LV_CR] == 0 && lv[LV_VC] == 0) ||
			 (lv[LV_IR] == 0 && lv[LV_VI] == 0) ||
			 (lv[LV_AR] == 0 && lv[LV_VA] == 0)) ? 0 : 1;
}

/* score of a MacroVector in tenths, -1 when there is none */
static int
cvss_v4_lookup(int e1, int e2, int e3, int e4, int e5, int e6)
{
	if (e1 > 2 || e2 > 1 || e3 > 2 || e4 > 2 || e5 > 2 || e6 > 1)
		return -1;
	return cvss_v4_lookup_table[CTEM_CVSS_V4_MACRO(e1, e2, e3, e4, e5, e6)];
}

/*
 * First candidate of mx whose levels are all >= the vector's levels
 * lv[first..first+n-1] (i.e. all severity distances >= 0), or -1.
 */
static int
cvss_v4_pick(const CtemCvssV4Maxes *mx, const int *lv, int n)
{
	int			i;
	int			k;

	for (i = 0; i < mx->n; i++)
	{
		for (k = 0; k < n; k++)
		{
			if (lv[k] < mx->lv[i][k])
				break;
		}
		if (k == n)
			return i;
	}
	return -1;
}

static int
cvss_v4_distance(const CtemCvssV4Maxes *mx, int pick, const int *lv, int n)
{
	int			d = 0;
	int			k;

	for (k = 0; k < n; k++)
		d += lv[k] - mx->lv[pick][k];
	return d;
}

/*
 * The CVSS v4.0 score in tenths, as the reference calculator (2024-11)
 * computes it, but with exact fractions: score = L - mean over the EQs with
 * a lower MacroVector of (L - L_lower) * distance / depth, where L is the
 * MacroVector score and distance the severity distance from the highest
 * severity vector of the MacroVector, in 0.1 steps.  Every term is a
 * fraction over n * product(depths) <= 3000; the result is clamped to
 * [0, 10] and rounded half up.
 */
static int
cvss_v4_score(const int lv[LV_COUNT])
{
	const CtemCvssV4Maxes *m1;
	const CtemCvssV4Maxes *m2;
	const CtemCvssV4Maxes *m36;
	const CtemCvssV4Maxes *m4;
	int			eq[6];
	int			value;
	int			lower[5];
	int			depth[4];
	int			dist[4];
	int			p1,
				p2,
				p36,
				p4;
	int			l36[6];
	int			n = 0;
	int			k;
	int64_t		den;
	int64_t		num;
	int64_t		prod;

	if (lv[LV_VC] == 2 && lv[LV_VI] == 2 && lv[LV_VA] == 2 &&
		lv[LV_SC] == 3 && lv[LV_SI] == 3 && lv[LV_SA] == 3)
		return 0;

	cvss_v4_eqs(lv, eq);
	value = cvss_v4_lookup(eq[0], eq[1], eq[2], eq[3], eq[4], eq[5]);

	lower[0] = cvss_v4_lookup(eq[0] + 1, eq[1], eq[2], eq[3], eq[4], eq[5]);
	lower[1] = cvss_v4_lookup(eq[0], eq[1] + 1, eq[2], eq[3], eq[4], eq[5]);
	if (eq[2] == 0 && eq[5] == 0)
	{
		int			left = cvss_v4_lookup(eq[0], eq[1], 0, eq[3], eq[4], 1);
		int			right = cvss_v4_lookup(eq[0], eq[1], 1, eq[3], eq[4], 0);

		lower[2] = left > right ? left : right;
	}
	else if (eq[2] == 1 && eq[5] == 0)
		lower[2] = cvss_v4_lookup(eq[0], eq[1], 1, eq[3], eq[4], 1);
	else
		lower[2] = cvss_v4_lookup(eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5]);
	lower[3] = cvss_v4_lookup(eq[0], eq[1], eq[2], eq[3] + 1, eq[4], eq[5]);
	lower[4] = cvss_v4_lookup(eq[0], eq[1], eq[2], eq[3], eq[4] + 1, eq[5]);

	/* highest severity vectors: EQ1 AV/PR/UI, EQ2 AC/AT, EQ3+6, EQ4 */
	m1 = &cvss_v4_max_eq1[eq[0]];
	m2 = &cvss_v4_max_eq2[eq[1]];
	m36 = &cvss_v4_max_eq3eq6[eq[2]][eq[5]];
	m4 = &cvss_v4_max_eq4[eq[3]];
	l36[0] = lv[LV_VC];
	l36[1] = lv[LV_VI];
	l36[2] = lv[LV_VA];
	l36[3] = lv[LV_CR];
	l36[4] = lv[LV_IR];
	l36[5] = lv[LV_AR];
	p1 = cvss_v4_pick(m1, &lv[LV_AV], 3);
	p2 = cvss_v4_pick(m2, &lv[LV_AC], 2);
	p36 = cvss_v4_pick(m36, l36, 6);
	p4 = cvss_v4_pick(m4, &lv[LV_SC], 3);
	if (p1 < 0 || p2 < 0 || p36 < 0 || p4 < 0)
	{
		/* the reference then keeps the last combination it tried */
		p1 = m1->n - 1;
		p2 = m2->n - 1;
		p36 = m36->n - 1;
		p4 = m4->n - 1;
	}
	dist[0] = cvss_v4_distance(m1, p1, &lv[LV_AV], 3);
	dist[1] = cvss_v4_distance(m2, p2, &lv[LV_AC], 2);
	dist[2] = cvss_v4_distance(m36, p36, l36, 6);
	dist[3] = cvss_v4_distance(m4, p4, &lv[LV_SC], 3);

	depth[0] = cvss_v4_depth_eq1[eq[0]];
	depth[1] = cvss_v4_depth_eq2[eq[1]];
	depth[2] = cvss_v4_depth_eq3eq6[eq[2]][eq[5]];
	depth[3] = cvss_v4_depth_eq4[eq[3]];

	prod = (int64_t) depth[0] * depth[1] * depth[2] * depth[3];
	num = 0;
	for (k = 0; k < 5; k++)
	{
		if (lower[k] < 0)
			continue;
		n++;
		/* EQ5 always contributes 0, but counts in the mean */
		if (k < 4)
			num += (int64_t) (value - lower[k]) * dist[k] * (prod / depth[k]);
	}
	if (n == 0)
		return value;
	den = prod * n;
	num = (int64_t) value * den - num;
	if (num < 0)
		num = 0;
	if (num > 100 * den)
		num = 100 * den;
	return (int) ((2 * num + den) / (2 * den));
}

static void
cvss_score_v4(CtemCvss *c)
{
	int			lv[LV_COUNT];
	bool		modified = false;
	int			i;

	cvss_v4_levels(c->values, true, lv);
	c->score10 = (int16_t) cvss_v4_score(lv);
	/* the base-only score differs only when a threat/env value is not X */
	for (i = V4_E; i <= V4_MSA; i++)
	{
		if (c->values[i] >= 2)
			modified = true;
	}
	if (modified)
	{
		cvss_v4_levels(c->values, false, lv);
		c->base10 = (int16_t) cvss_v4_score(lv);
	}
	else
		c->base10 = c->score10;
	c->temporal10 = CTEM_CVSS_SCORE_ABSENT;
	c->env10 = CTEM_CVSS_SCORE_ABSENT;
}

static void
cvss_score(CtemCvss *c)
{
	switch (c->version)
	{
		case CTEM_CVSS_V2:
			cvss_score_v2(c);
			break;
		case CTEM_CVSS_V30:
		case CTEM_CVSS_V31:
			cvss_score_v3(c);
			break;
		case CTEM_CVSS_V40:
			cvss_score_v4(c);
			break;
	}
}


/* ----------------------------------------------------------------
 *		Public interface
 * ----------------------------------------------------------------
 */

bool
ctem_cvss_parse(const char *str, size_t len, CtemCvss *out,
				CtemCvssError *err)
{
	const CtemCvssVersionDef *vd = NULL;
	size_t		off = 0;

	memset(out, 0, sizeof(CtemCvss));
	if (str == NULL || len == 0)
	{
		cvss_fail(err, CTEM_CVSS_ERR_EMPTY, "", 0, 0, 0,
				  "The input is empty: no component at position 0.");
		cvss_hint_any(err);
		return false;
	}

	/* fast path: a supported prefix followed by at least one byte */
	if (len > 9 && memcmp(str, "CVSS:", 5) == 0 && str[6] == '.' &&
		str[8] == '/')
	{
		if (str[5] == '3' && str[7] == '1')
			vd = &cvss_versions[CTEM_CVSS_V31];
		else if (str[5] == '4' && str[7] == '0')
			vd = &cvss_versions[CTEM_CVSS_V40];
		else if (str[5] == '3' && str[7] == '0')
			vd = &cvss_versions[CTEM_CVSS_V30];
		off = 9;
	}
	if (vd == NULL && !cvss_parse_prefix(str, len, &vd, &off, err))
		return false;

	if (!cvss_parse_body(vd, str, len, off, out, err))
	{
		cvss_try_other_versions(vd, str, len, off, err);
		memset(out, 0, sizeof(CtemCvss));
		return false;
	}
	out->version = vd->version;
	cvss_score(out);
	return true;
}

/* append s at buf[n] as far as it fits; returns n + strlen(s) */
static size_t
cvss_append(char *buf, size_t buflen, size_t n, const char *s)
{
	for (; *s; s++, n++)
	{
		if (n + 1 < buflen)
			buf[n] = *s;
	}
	return n;
}

size_t
ctem_cvss_format(const CtemCvss *c, char *buf, size_t buflen)
{
	const CtemCvssVersionDef *vd = cvss_version_def(c);
	size_t		n = 0;
	bool		first = true;
	int			i;

	if (vd != NULL)
	{
		n = cvss_append(buf, buflen, n, vd->prefix);
		for (i = 0; i < vd->nmetrics; i++)
		{
			const CtemCvssMetric *m = &vd->metrics[i];
			int			vi = c->values[i];

			if (vi == 0 || vi > m->nvalues)
				continue;
			if (!first)
				n = cvss_append(buf, buflen, n, "/");
			n = cvss_append(buf, buflen, n, m->name);
			n = cvss_append(buf, buflen, n, ":");
			n = cvss_append(buf, buflen, n, m->values[vi - 1]);
			first = false;
		}
	}
	if (buflen > 0)
		buf[n < buflen ? n : buflen - 1] = '\0';
	return n;
}

const char *
ctem_cvss_version_text(const CtemCvss *c)
{
	const CtemCvssVersionDef *vd = cvss_version_def(c);

	return vd != NULL ? vd->text : NULL;
}

const char *
ctem_cvss_severity_text(const CtemCvss *c, int score10)
{
	const CtemCvssVersionDef *vd = cvss_version_def(c);

	if (vd == NULL || score10 < 0 || score10 > 100)
		return NULL;
	if (vd->version == CTEM_CVSS_V2)
		return score10 < 40 ? "Low" : score10 < 70 ? "Medium" : "High";
	if (score10 == 0)
		return "None";
	if (score10 < 40)
		return "Low";
	if (score10 < 70)
		return "Medium";
	if (score10 < 90)
		return "High";
	return "Critical";
}

const char *
ctem_cvss_nomenclature(const CtemCvss *c)
{
	bool		t;
	bool		e = false;
	int			i;

	if (c == NULL || c->version != CTEM_CVSS_V40)
		return NULL;
	t = c->values[V4_E] >= 2;
	for (i = V4_CR; i <= V4_MSA; i++)
	{
		if (c->values[i] >= 2)
			e = true;
	}
	if (t)
		return e ? "CVSS-BTE" : "CVSS-BT";
	return e ? "CVSS-BE" : "CVSS-B";
}

/*
 * Does c describe a valid vector: known version, flags 0, every value index
 * within its list, every base metric given, nothing beyond the table?
 */
static bool
cvss_valid(const CtemCvss *c)
{
	const CtemCvssVersionDef *vd = cvss_version_def(c);
	int			i;

	if (vd == NULL || c->flags != 0)
		return false;
	for (i = 0; i < CTEM_CVSS_MAX_METRICS; i++)
	{
		if (i >= vd->nmetrics)
		{
			if (c->values[i] != 0)
				return false;
		}
		else if (c->values[i] > vd->metrics[i].nvalues ||
				 (i < vd->nbase && c->values[i] == 0))
			return false;
	}
	return true;
}

bool
ctem_cvss_macrovector(const CtemCvss *c, char buf[7])
{
	int			lv[LV_COUNT];
	int			eq[6];
	int			i;

	if (c == NULL || c->version != CTEM_CVSS_V40 || !cvss_valid(c))
		return false;
	cvss_v4_levels(c->values, true, lv);
	cvss_v4_eqs(lv, eq);
	for (i = 0; i < 6; i++)
		buf[i] = (char) ('0' + eq[i]);
	buf[6] = '\0';
	return true;
}

int
ctem_cvss_metric(const CtemCvss *c, const char *name, const char **value)
{
	const CtemCvssVersionDef *vd = cvss_version_def(c);
	int			i;

	if (value != NULL)
		*value = NULL;
	if (vd == NULL || name == NULL)
		return -1;
	i = cvss_lookup_metric(vd, name, strlen(name), -1);
	if (i < 0)
		return -1;
	if (c->values[i] == 0 || c->values[i] > vd->metrics[i].nvalues)
		return 0;
	if (value != NULL)
		*value = vd->metrics[i].values[c->values[i] - 1];
	return 1;
}

int
ctem_cvss_compare(const CtemCvss *a, const CtemCvss *b)
{
	char		ta[CTEM_CVSS_MAX_TEXT];
	char		tb[CTEM_CVSS_MAX_TEXT];
	int			r;

	if (a->score10 != b->score10)
		return a->score10 < b->score10 ? -1 : 1;
	if (ctem_cvss_equal(a, b))
		return 0;
	ctem_cvss_format(a, ta, sizeof(ta));
	ctem_cvss_format(b, tb, sizeof(tb));
	r = strcmp(ta, tb);
	return (r > 0) - (r < 0);
}

bool
ctem_cvss_equal(const CtemCvss *a, const CtemCvss *b)
{
	return a->version == b->version &&
		memcmp(a->values, b->values, sizeof(a->values)) == 0;
}

bool
ctem_cvss_rescore(CtemCvss *c)
{
	CtemCvss	tmp;

	if (!cvss_valid(c))
		return false;
	tmp = *c;
	cvss_score(&tmp);
	*c = tmp;
	return true;
}

const char *
ctem_cvss_error_code_text(int code)
{
	if (code < 0 || code >= (int) CTEM_CVSS_LENGTHOF(cvss_error_names))
		return NULL;
	return cvss_error_names[code];
}
