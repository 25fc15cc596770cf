/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rules_meta_parse - a meta rule's expression -> reverse Polish notation.
 *
 * PURPOSE  Metas combine other rules and symbols with ! - + * / < <= > >=
 *	    == != && ||; rules_eval.c runs the RPN with a bounded stack.
 *	    Operand names are kept as text here and resolved to rules or
 *	    symbols by the second pass (rules_resolve.c).
 * OWNS     The token array and operand names belong to the rule.
 * LIMITS   VG_RULES_META_MAX_TOKENS tokens, VG_RULES_META_NEST levels of
 *	    parentheses and unary operators, names of VG_RULES_META_NAME_MAX
 *	    bytes: beyond them the rule is an error.
 * ERRORS   VG_ECONFIG with a static reason; VG_ENOMEM.
 * THREADS  No shared state.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/num.h"
#include "rules/rules_parse_int.h"

/*
 * Meta expressions: a recursive-descent parser over a token list, writing
 * reverse Polish notation.  Precedence, loosest first: || ; && ; the
 * comparisons ; + - ; * / ; unary ! and -.  Parentheses nest at most
 * VG_RULES_META_NEST deep, so no expression can exhaust the stack.
 */

struct vg_meta_parser {
	const char *s; /* expression text */
	struct vg_meta_tok *out;
	size_t nout;
	unsigned nest;
	const char *why;                       /* first error, static */
	char name[VG_RULES_META_NAME_MAX + 1]; /* last identifier scanned */
	enum vg_meta_op tokop;
	enum {
		MT_END,
		MT_NUM,
		MT_IDENT,
		MT_OP,
		MT_LPAR,
		MT_RPAR,
		MT_BAD
	} tok;
	double num;
};

/* vg_meta_next - scan the next token */
static void
vg_meta_next(struct vg_meta_parser *mp)
{
	const char *s = mp->s;

	while (vg_rules_isspace(*s))
		s++;
	mp->tok = MT_BAD;
	if (*s == '\0') {
		mp->tok = MT_END;
	} else if ((*s >= '0' && *s <= '9') || *s == '.') {
		char tmp[64];
		size_t n = 0;

		while (((s[n] >= '0' && s[n] <= '9') || s[n] == '.') &&
		    n < sizeof(tmp) - 1) {
			tmp[n] = s[n];
			n++;
		}
		tmp[n] = '\0';
		s += n;
		if (vg_num_double(&mp->num, tmp, -1e12, 1e12, NULL) == 0)
			mp->tok = MT_NUM;
	} else if (*s == '_' || (*s >= 'a' && *s <= 'z') ||
	    (*s >= 'A' && *s <= 'Z')) {
		size_t n = 0;

		while (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9'))
			n++;
		if (n < sizeof(mp->name)) {
			memcpy(mp->name, s, n);
			mp->name[n] = '\0';
			mp->tok = MT_IDENT;
		}
		s += n;
	} else if (*s == '(') {
		mp->tok = MT_LPAR;
		s++;
	} else if (*s == ')') {
		mp->tok = MT_RPAR;
		s++;
	} else {
		static const struct {
			const char *text;
			enum vg_meta_op op;
		} ops[] = {
		    {"&&", VG_META_AND},
		    {"||", VG_META_OR},
		    {">=", VG_META_GE},
		    {"<=", VG_META_LE},
		    {"==", VG_META_EQ},
		    {"!=", VG_META_NE},
		    {">", VG_META_GT},
		    {"<", VG_META_LT},
		    {"!", VG_META_NOT},
		    {"+", VG_META_ADD},
		    {"-", VG_META_SUB},
		    {"*", VG_META_MUL},
		    {"/", VG_META_DIV},
		};
		size_t i;

		for (i = 0; i < VG_NELEM(ops); i++) {
			size_t n = strlen(ops[i].text);

			if (strncmp(s, ops[i].text, n) == 0) {
				mp->tok = MT_OP;
				mp->tokop = ops[i].op;
				s += n;
				break;
			}
		}
	}
	mp->s = s;
}

/* vg_meta_emit - append one RPN token; false when the expression is full */
static bool
vg_meta_emit(
    struct vg_meta_parser *mp, enum vg_meta_op op, double num, const char *name)
{
	struct vg_meta_tok *t;

	if (mp->nout >= VG_RULES_META_MAX_TOKENS) {
		mp->why = "meta expression too long";
		return false;
	}
	t = &mp->out[mp->nout];
	memset(t, 0, sizeof(*t));
	t->op = op;
	t->num = num;
	if (name != NULL && (t->name = vg_strdup(name)) == NULL) {
		mp->why = "out of memory";
		return false;
	}
	mp->nout++;
	return true;
}

static bool vg_meta_or(struct vg_meta_parser *mp);

/* vg_meta_unary - ! x, - x, number, name, ( expr ) */
static bool
vg_meta_unary(struct vg_meta_parser *mp)
{
	if (mp->tok == MT_OP &&
	    (mp->tokop == VG_META_NOT || mp->tokop == VG_META_SUB)) {
		enum vg_meta_op op =
		    mp->tokop == VG_META_NOT ? VG_META_NOT : VG_META_NEG;

		if (++mp->nest > VG_RULES_META_NEST) {
			mp->why = "meta expression nested too deep";
			return false;
		}
		vg_meta_next(mp);
		if (!vg_meta_unary(mp))
			return false;
		mp->nest--;
		return vg_meta_emit(mp, op, 0, NULL);
	}
	if (mp->tok == MT_NUM) {
		double v = mp->num;

		vg_meta_next(mp);
		return vg_meta_emit(mp, VG_META_NUM, v, NULL);
	}
	if (mp->tok == MT_IDENT) {
		if (!vg_meta_emit(mp, VG_META_RULE, 0, mp->name))
			return false;
		vg_meta_next(mp);
		return true;
	}
	if (mp->tok == MT_LPAR) {
		if (++mp->nest > VG_RULES_META_NEST) {
			mp->why = "meta expression nested too deep";
			return false;
		}
		vg_meta_next(mp);
		if (!vg_meta_or(mp))
			return false;
		if (mp->tok != MT_RPAR) {
			mp->why = "missing ')' in meta expression";
			return false;
		}
		mp->nest--;
		vg_meta_next(mp);
		return true;
	}
	mp->why = mp->tok == MT_END ? "meta expression ends early"
	    : mp->tok == MT_BAD     ? "bad token in meta expression"
	                            : "operand expected in meta expression";
	return false;
}

/* vg_meta_binary - one precedence level of left-associative operators */
static bool
vg_meta_binary(struct vg_meta_parser *mp, int level)
{
	static const enum vg_meta_op levels[][6] = {
	    {VG_META_OR},
	    {VG_META_AND},
	    {VG_META_LT, VG_META_LE, VG_META_GT, VG_META_GE, VG_META_EQ,
	        VG_META_NE},
	    {VG_META_ADD, VG_META_SUB},
	    {VG_META_MUL, VG_META_DIV},
	};
	static const size_t nops[] = {1, 1, 6, 2, 2};
	size_t i;

	if (level == (int)VG_NELEM(nops))
		return vg_meta_unary(mp);
	if (!vg_meta_binary(mp, level + 1))
		return false;
	for (;;) {
		enum vg_meta_op op;
		bool found = false;

		if (mp->tok != MT_OP)
			return true;
		for (i = 0; i < nops[level]; i++)
			if (levels[level][i] == mp->tokop)
				found = true;
		if (!found)
			return true;
		op = mp->tokop;
		vg_meta_next(mp);
		if (!vg_meta_binary(mp, level + 1))
			return false;
		if (!vg_meta_emit(mp, op, 0, NULL))
			return false;
	}
}

/* vg_meta_or - a whole expression */
static bool
vg_meta_or(struct vg_meta_parser *mp)
{
	return vg_meta_binary(mp, 0);
}

/*
 * vg_rules_meta_compile - expression text -> rule->rpn; names resolved
 * later.  VG_ECONFIG with a static reason in *why, or VG_ENOMEM.
 */
int
vg_rules_meta_compile(struct vg_rule *rule, const char *expr, const char **why)
{
	struct vg_meta_parser mp;
	size_t i;

	memset(&mp, 0, sizeof(mp));
	mp.s = expr;
	mp.out = vg_calloc(VG_RULES_META_MAX_TOKENS, sizeof(*mp.out));
	if (mp.out == NULL)
		return VG_ENOMEM;
	vg_meta_next(&mp);
	if (vg_meta_or(&mp) && mp.tok != MT_END)
		mp.why = mp.tok == MT_RPAR
		    ? "unbalanced ')' in meta expression"
		    : "operator expected in meta expression";
	if (mp.why != NULL) {
		for (i = 0; i < mp.nout; i++)
			vg_free(mp.out[i].name);
		vg_free(mp.out);
		*why = mp.why;
		return strcmp(mp.why, "out of memory") == 0 ? VG_ENOMEM
		                                            : VG_ECONFIG;
	}
	rule->rpn = mp.out;
	rule->nrpn = mp.nout;
	return 0;
}
