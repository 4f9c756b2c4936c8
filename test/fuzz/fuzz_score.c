/*-------------------------------------------------------------------------
 *
 * fuzz_score.c
 *		libFuzzer harness of the risk scoring core (src/core/score_core.c).
 *
 * Builds a policy (the default with some fields mutated, or every field
 * from the fuzz bytes, NaN and infinities included) and a score input
 * from the data, scores it and checks the invariants: score finite in
 * 0-100 with one decimal, priority 1-4, floors and SSVC consistent, factor
 * ranges under a policy that ctem_policy_check accepts, and explain text
 * (full and compact) that jansson parses as an object, below
 * CTEM_EXPLAIN_MAX, with snprintf semantics on short buffers.  A checking
 * CtemJsonSink also receives both explanations: the calls must make one
 * well-formed document (a key before each member, none in an array,
 * balanced begins and ends, JSON number text), as the glue's jsonb sink
 * (pushJsonbValue) expects.
 *
 * Build and run:
 *	  clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *		  test/fuzz/fuzz_score.c src/core/score_core.c \
 *		  $(pkg-config --cflags --libs jansson) -lm -o fuzz_score
 *	  ./fuzz_score -runs=1000000
 *
 * test/fuzz/fuzz_score.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/score_core.h"

/* reads the fuzz input front to back; zeros once it is used up */
typedef struct FuzzReader
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
} FuzzReader;

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, \
					__FILE__, __LINE__); \
			abort(); \
		} \
	} while (0)

static uint8_t
take_u8(FuzzReader *r)
{
	if (r->pos >= r->size)
		return 0;
	return r->data[r->pos++];
}

static int
take_int(FuzzReader *r)
{
	uint32_t	v = 0;
	int			i;

	for (i = 0; i < 4; i++)
		v = (v << 8) | take_u8(r);
	return (int) v;
}

static double
take_raw_double(FuzzReader *r)
{
	uint64_t	bits = 0;
	double		d;
	int			i;

	for (i = 0; i < 8; i++)
		bits = (bits << 8) | take_u8(r);
	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* a double that is usually in [lo, hi], sometimes special */
static double
take_double(FuzzReader *r, double lo, double hi)
{
	uint8_t		sel = take_u8(r);

	switch (sel & 7)
	{
		case 0:
			return NAN;
		case 1:
			return take_raw_double(r);
		case 2:
			return (sel & 8) ? INFINITY : -INFINITY;
		case 3:
			return (sel & 8) ? lo : hi;
		default:
			{
				uint16_t	v = (uint16_t) ((take_u8(r) << 8) | take_u8(r));

				/* slightly beyond the range on both sides */
				return lo - (hi - lo) * 0.1 + (hi - lo) * 1.2 * v / 65535.0;
			}
	}
}

/* a small int usually in [lo, hi], sometimes anything */
static int
take_small(FuzzReader *r, int lo, int hi)
{
	uint8_t		sel = take_u8(r);

	if ((sel & 15) == 15)
		return take_int(r);
	return lo + (int) (sel % (unsigned) (hi - lo + 1));
}

static void
mutate_policy(FuzzReader *r, CtemPolicy *p)
{
	int			n = take_u8(r) & 7;
	int			i;

	for (i = 0; i < n; i++)
	{
		uint8_t		field = take_u8(r);
		int			k = take_u8(r);

		switch (field % 20)
		{
			case 0:
				p->sev_high = take_double(r, 0.0, 10.0);
				break;
			case 1:
				p->sev_missing = take_double(r, 0.0, 10.0);
				break;
			case 2:
				p->l_kev = take_double(r, 0.0, 1.0);
				break;
			case 3:
				p->l_mat_poc = take_double(r, 0.0, 1.0);
				break;
			case 4:
				p->n_epss_bands = take_small(r, -1, 9);
				break;
			case 5:
				p->epss_threshold[k % CTEM_EPSS_BANDS_MAX] = take_double(r, 0.0, 1.0);
				break;
			case 6:
				p->epss_value[k % CTEM_EPSS_BANDS_MAX] = take_double(r, 0.0, 1.0);
				break;
			case 7:
				p->l_min = take_double(r, 0.0, 1.0);
				break;
			case 8:
				p->l_max = take_double(r, 0.0, 1.0);
				break;
			case 9:
				p->a_by_criticality[k % 5] = take_double(r, 0.0, 1.0);
				break;
			case 10:
				p->x_unknown = take_double(r, 0.0, 1.0);
				break;
			case 11:
				p->x_attack_path = take_double(r, 0.0, 1.0);
				break;
			case 12:
				p->c_max = take_double(r, 0.0, 1.0);
				break;
			case 13:
				p->v_blocked = take_double(r, 0.0, 1.0);
				break;
			case 14:
				p->p1_min = take_double(r, 0.0, 100.0);
				break;
			case 15:
				p->p3_min = take_double(r, 0.0, 100.0);
				break;
			case 16:
				p->sla_days[k % 4] = take_small(r, 0, 400);
				break;
			case 17:
				p->sla_override[k % 5][(k / 5) % 4] = take_small(r, -1, 400);
				break;
			case 18:
				p->use_ssvc = !p->use_ssvc;
				break;
			default:
				p->version = take_small(r, -1, 5);
				break;
		}
	}
}

static void
random_policy(FuzzReader *r, CtemPolicy *p)
{
	int			i;
	int			j;

	p->version = take_small(r, 0, 3);
	p->sev_critical = take_double(r, 0.0, 10.0);
	p->sev_high = take_double(r, 0.0, 10.0);
	p->sev_medium = take_double(r, 0.0, 10.0);
	p->sev_low = take_double(r, 0.0, 10.0);
	p->sev_info = take_double(r, 0.0, 10.0);
	p->sev_missing = take_double(r, 0.0, 10.0);
	p->l_kev = take_double(r, 0.0, 1.0);
	p->l_validated = take_double(r, 0.0, 1.0);
	p->l_mat_high = take_double(r, 0.0, 1.0);
	p->l_mat_functional = take_double(r, 0.0, 1.0);
	p->l_mat_poc = take_double(r, 0.0, 1.0);
	p->l_mat_unproven = take_double(r, 0.0, 1.0);
	p->n_epss_bands = take_small(r, -1, 9);
	for (i = 0; i < CTEM_EPSS_BANDS_MAX; i++)
	{
		p->epss_threshold[i] = take_double(r, 0.0, 1.0);
		p->epss_value[i] = take_double(r, 0.0, 1.0);
	}
	p->l_epss_unknown = take_double(r, 0.0, 1.0);
	p->l_min = take_double(r, 0.0, 1.0);
	p->l_max = take_double(r, 0.0, 1.0);
	for (i = 0; i < 5; i++)
		p->a_by_criticality[i] = take_double(r, 0.0, 1.0);
	p->a_unknown = take_double(r, 0.0, 1.0);
	p->x_internet = take_double(r, 0.0, 1.0);
	p->x_attack_path = take_double(r, 0.0, 1.0);
	p->x_internal = take_double(r, 0.0, 1.0);
	p->x_unknown = take_double(r, 0.0, 1.0);
	p->c_max = take_double(r, 0.0, 1.0);
	p->v_blocked = take_double(r, 0.0, 1.0);
	p->p1_min = take_double(r, 0.0, 100.0);
	p->p2_min = take_double(r, 0.0, 100.0);
	p->p3_min = take_double(r, 0.0, 100.0);
	for (i = 0; i < 4; i++)
		p->sla_days[i] = take_small(r, -1, 400);
	for (i = 0; i < 5; i++)
		for (j = 0; j < 4; j++)
			p->sla_override[i][j] = (take_u8(r) & 3) ? 0 : take_small(r, -1, 400);
	p->use_ssvc = take_u8(r) & 1;
}

/* a sink that checks the shape of what it receives */
#define SHAPE_MAX_DEPTH 16

typedef struct ShapeSink
{
	CtemJsonSink sink;
	int			depth;
	bool		in_object[SHAPE_MAX_DEPTH];
	bool		have_key;		/* in an object: a key waits for its value */
	int			values;			/* complete values at the top level */
} ShapeSink;

/* a value may start here: as an array element, a member or the document */
static void
shape_value(ShapeSink *k)
{
	if (k->depth == 0)
		FUZZ_ASSERT(k->values == 0);
	else if (k->in_object[k->depth - 1])
	{
		FUZZ_ASSERT(k->have_key);
		k->have_key = false;
	}
}

static void
shape_done(ShapeSink *k)
{
	if (k->depth == 0)
		k->values++;
}

static void
shape_begin(ShapeSink *k, bool object)
{
	shape_value(k);
	FUZZ_ASSERT(k->depth < SHAPE_MAX_DEPTH);
	k->in_object[k->depth++] = object;
}

static void
shape_end(ShapeSink *k, bool object)
{
	FUZZ_ASSERT(k->depth > 0 && k->in_object[k->depth - 1] == object);
	FUZZ_ASSERT(!k->have_key);
	k->depth--;
	shape_done(k);
}

static void
shape_begin_object(void *arg)
{
	shape_begin((ShapeSink *) arg, true);
}

static void
shape_end_object(void *arg)
{
	shape_end((ShapeSink *) arg, true);
}

static void
shape_begin_array(void *arg)
{
	shape_begin((ShapeSink *) arg, false);
}

static void
shape_end_array(void *arg)
{
	shape_end((ShapeSink *) arg, false);
}

static void
shape_key(void *arg, const char *key)
{
	ShapeSink  *k = (ShapeSink *) arg;
	const char *c;

	FUZZ_ASSERT(k->depth > 0 && k->in_object[k->depth - 1]);
	FUZZ_ASSERT(!k->have_key);
	FUZZ_ASSERT(key[0] != '\0');
	for (c = key; *c; c++)
		FUZZ_ASSERT(*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\');
	k->have_key = true;
}

static void
shape_string(void *arg, const char *s, size_t len)
{
	ShapeSink  *k = (ShapeSink *) arg;

	FUZZ_ASSERT(memchr(s, '\0', len) == NULL);
	shape_value(k);
	shape_done(k);
}

static const char *
skip_digits(const char *c)
{
	while (*c >= '0' && *c <= '9')
		c++;
	return c;
}

/* text is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
json_number_text(const char *c)
{
	const char *d;

	if (*c == '-')
		c++;
	if (*c == '0')
		c++;
	else if (*c >= '1' && *c <= '9')
		c = skip_digits(c);
	else
		return false;
	if (*c == '.')
	{
		d = skip_digits(c + 1);
		if (d == c + 1)
			return false;
		c = d;
	}
	if (*c == 'e' || *c == 'E')
	{
		c++;
		if (*c == '+' || *c == '-')
			c++;
		d = skip_digits(c);
		if (d == c)
			return false;
		c = d;
	}
	return *c == '\0';
}

static void
shape_number(void *arg, const char *text)
{
	ShapeSink  *k = (ShapeSink *) arg;

	FUZZ_ASSERT(json_number_text(text));
	shape_value(k);
	shape_done(k);
}

static void
shape_boolean(void *arg, bool value)
{
	ShapeSink  *k = (ShapeSink *) arg;

	FUZZ_ASSERT(value == true || value == false);
	shape_value(k);
	shape_done(k);
}

static void
shape_null(void *arg)
{
	ShapeSink  *k = (ShapeSink *) arg;

	shape_value(k);
	shape_done(k);
}

static void
shape_init(ShapeSink *k)
{
	memset(k, 0, sizeof(*k));
	k->sink.begin_object = shape_begin_object;
	k->sink.end_object = shape_end_object;
	k->sink.begin_array = shape_begin_array;
	k->sink.end_array = shape_end_array;
	k->sink.key = shape_key;
	k->sink.string = shape_string;
	k->sink.number = shape_number;
	k->sink.boolean = shape_boolean;
	k->sink.null = shape_null;
	k->sink.arg = k;
}

static void
check_shapes(const CtemPolicy *p, const CtemScoreInput *in,
			 const CtemScoreResult *res)
{
	ShapeSink	k;
	char		buf[CTEM_EXPLAIN_MAX];
	size_t		len;
	json_t	   *root;

	shape_init(&k);
	ctem_score_explain_emit(p, in, res, &k.sink);
	FUZZ_ASSERT(k.depth == 0 && k.values == 1);
	shape_init(&k);
	ctem_score_explain_compact_emit(p, res, &k.sink);
	FUZZ_ASSERT(k.depth == 0 && k.values == 1);

	len = ctem_score_explain_compact(p, res, buf, sizeof(buf));
	FUZZ_ASSERT(len < CTEM_EXPLAIN_MAX);
	FUZZ_ASSERT(strlen(buf) == len);
	root = json_loadb(buf, len, 0, NULL);
	FUZZ_ASSERT(root != NULL && json_is_object(root));
	FUZZ_ASSERT(json_number_value(json_object_get(root, "score")) == res->score);
	FUZZ_ASSERT(json_is_object(json_object_get(root, "factors")));
	json_decref(root);
}

static void
check_explain(const CtemPolicy *p, const CtemScoreInput *in,
			  const CtemScoreResult *res, size_t short_len)
{
	char		buf[CTEM_EXPLAIN_MAX];
	char		shortbuf[CTEM_EXPLAIN_MAX];
	size_t		len;
	size_t		len2;
	json_t	   *root;
	json_error_t err;

	len = ctem_score_explain(p, in, res, buf, sizeof(buf));
	FUZZ_ASSERT(len < CTEM_EXPLAIN_MAX);
	FUZZ_ASSERT(strlen(buf) == len);

	root = json_loadb(buf, len, 0, &err);
	if (root == NULL)
		fprintf(stderr, "bad JSON (%s at %d): %s\n", err.text, err.position,
				buf);
	FUZZ_ASSERT(root != NULL);
	FUZZ_ASSERT(json_is_object(root));
	FUZZ_ASSERT(json_number_value(json_object_get(root, "score")) == res->score);
	FUZZ_ASSERT(json_is_object(json_object_get(root, "factors")));
	FUZZ_ASSERT(json_is_array(json_object_get(root, "floors_applied")));
	FUZZ_ASSERT(json_is_array(json_object_get(root, "defaults_used")));
	FUZZ_ASSERT(p->use_ssvc ? json_is_object(json_object_get(root, "ssvc")) :
				json_is_null(json_object_get(root, "ssvc")));
	json_decref(root);

	/* snprintf semantics on a short buffer */
	short_len %= len + 2;
	memset(shortbuf, 'Z', sizeof(shortbuf));
	len2 = ctem_score_explain(p, in, res, short_len ? shortbuf : NULL,
							  short_len);
	FUZZ_ASSERT(len2 == len);
	if (short_len > 0)
	{
		size_t		kept = short_len - 1 < len ? short_len - 1 : len;

		FUZZ_ASSERT(shortbuf[kept] == '\0');
		FUZZ_ASSERT(memcmp(shortbuf, buf, kept) == 0);
		if (kept + 1 < sizeof(shortbuf))
			FUZZ_ASSERT(shortbuf[kept + 1] == 'Z' || kept + 1 >= short_len);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FuzzReader	rd = {data, size, 0};
	CtemPolicy	p;
	CtemScoreInput in;
	CtemScoreResult res;
	char		errbuf[CTEM_POLICY_ERR_MAX];
	char		source[512];
	bool		policy_ok;
	uint8_t		mode;
	size_t		rest;
	size_t		short_len;
	double		tenfold;
	double		eff[4];
	double		combined;
	int			i;

	mode = take_u8(&rd);
	ctem_policy_default(&p);
	if (mode & 1)
		random_policy(&rd, &p);
	else
		mutate_policy(&rd, &p);

	policy_ok = ctem_policy_check(&p, errbuf, sizeof(errbuf));
	FUZZ_ASSERT(policy_ok ? errbuf[0] == '\0' : errbuf[0] != '\0');

	ctem_score_input_init(&in);
	in.cvss = take_double(&rd, 0.0, 10.0);
	in.severity = (CtemSeverity) take_small(&rd, 0, 5);
	in.kev = take_small(&rd, -1, 1);
	in.validation = (CtemValidation) take_small(&rd, 0, 3);
	in.maturity = (CtemExploitMaturity) take_small(&rd, 0, 4);
	in.epss = take_double(&rd, 0.0, 1.0);
	in.criticality = take_small(&rd, 0, 5);
	in.internet_facing = take_small(&rd, -1, 1);
	in.on_attack_path = take_small(&rd, -1, 1);
	for (i = 0; i < 4; i++)
		eff[i] = take_double(&rd, 0.0, 1.0);
	combined = ctem_controls_combine(eff, take_u8(&rd) % 5);
	FUZZ_ASSERT(combined >= 0.0 && combined <= 1.0);
	in.control_effectiveness = (mode & 2) ? combined :
		take_double(&rd, 0.0, 1.0);
	in.n_controls = take_small(&rd, 0, 4);
	in.ssvc_exploitation = take_small(&rd, -1, 2);
	in.ssvc_automatable = take_small(&rd, -1, 1);
	in.ssvc_technical_impact = take_small(&rd, -1, 1);
	in.ssvc_mission = take_small(&rd, -1, 2);
	short_len = take_u8(&rd) | ((size_t) take_u8(&rd) << 8);

	/* the rest is the cvss source text */
	rest = rd.pos < size ? size - rd.pos : 0;
	if (rest >= sizeof(source))
		rest = sizeof(source) - 1;
	memcpy(source, data + rd.pos, rest);
	source[rest] = '\0';
	in.cvss_source = (mode & 4) ? NULL : source;

	ctem_score_compute(&p, &in, &res);

	/* invariants for any policy */
	FUZZ_ASSERT(isfinite(res.score));
	FUZZ_ASSERT(res.score >= 0.0 && res.score <= 100.0);
	tenfold = res.score * 10.0;
	FUZZ_ASSERT(fabs(tenfold - (double) (long) (tenfold + 0.5)) < 1e-6);
	FUZZ_ASSERT(res.priority >= 1 && res.priority <= 4);
	FUZZ_ASSERT(res.priority_by_score >= 1 && res.priority_by_score <= 4);
	FUZZ_ASSERT(res.s_source && res.l_source && res.a_source &&
				res.x_source && res.c_source && res.v_source);
	if (p.use_ssvc)
	{
		FUZZ_ASSERT(res.ssvc >= CTEM_SSVC_TRACK && res.ssvc <= CTEM_SSVC_ACT);
		FUZZ_ASSERT(res.priority ==
					ctem_ssvc_priority((CtemSsvcDecision) res.ssvc));
		FUZZ_ASSERT(res.floors == 0);
		FUZZ_ASSERT(res.ssvc == (int) ctem_ssvc_decision(res.ssvc_exploitation,
														 res.ssvc_automatable,
														 res.ssvc_technical_impact,
														 res.ssvc_mission));
	}
	else
	{
		FUZZ_ASSERT(res.ssvc == -1);
		FUZZ_ASSERT(res.priority <= res.priority_by_score);
		FUZZ_ASSERT((res.floors == 0) ==
					(res.priority == res.priority_by_score));
		if (in.kev == 1 && in.internet_facing == 1)
			FUZZ_ASSERT(res.priority == 1);
		if (in.kev == 1 || in.validation == CTEM_VAL_EXPLOITABLE)
			FUZZ_ASSERT(res.priority <= 2);
	}

	/* invariants for a checked policy */
	if (policy_ok)
	{
		FUZZ_ASSERT(res.s >= 0.0 && res.s <= 10.0);
		FUZZ_ASSERT(res.l >= p.l_min && res.l <= p.l_max);
		FUZZ_ASSERT(res.a >= 0.0 && res.a <= 1.0);
		FUZZ_ASSERT(res.x >= 0.0 && res.x <= 1.0);
		FUZZ_ASSERT(res.c >= 0.0 && res.c <= p.c_max);
		FUZZ_ASSERT(res.v >= 0.0 && res.v <= 1.0);
		FUZZ_ASSERT(res.sla_days >= 1);
		if (!p.use_ssvc)
			FUZZ_ASSERT(res.priority_by_score ==
						(res.score >= p.p1_min ? 1 :
						 res.score >= p.p2_min ? 2 :
						 res.score >= p.p3_min ? 3 : 4));
	}

	check_explain(&p, &in, &res, short_len);
	check_shapes(&p, &in, &res);

	/* helpers on arbitrary values */
	{
		int			a = take_int(&rd);
		int			b = take_int(&rd);
		CtemSsvcDecision d = ctem_ssvc_decision(a % 5 - 1, b % 4 - 1,
												(a >> 8) % 4 - 1,
												(b >> 8) % 5 - 1);

		FUZZ_ASSERT(d == CTEM_SSVC_INVALID ||
					(d >= CTEM_SSVC_TRACK && d <= CTEM_SSVC_ACT));
		FUZZ_ASSERT(ctem_ssvc_automatable_from_cvss(a % 3 - 1, b % 3 - 1,
													a % 5 - 2, b % 7) >= -1);
		(void) ctem_severity_parse(source);
		(void) ctem_maturity_parse(source);
		(void) ctem_validation_parse(source);
		(void) ctem_ssvc_decision_parse(source);
	}
	return 0;
}
