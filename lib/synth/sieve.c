/*
 * sieve.c — Xenakis's sieves: sets of integers built from residue classes.
 *
 * A residue class M@R (Xenakis writes M_R) is every integer congruent to R
 * modulo M; union, intersection and complement of such classes give the
 * "sieves" Xenakis used for scales and rhythms (Formalized Music, ch. VII
 * and "Sieves", Perspectives of New Music 28, 1990). A sieve here is a
 * small expression tree parsed once and then asked "is n in?"; a sieve is
 * periodic with the lcm of its moduli. The grammar is in grym/synth.h.
 */
#include "grym/synth.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SIEVE_MAX_NODES 4096
#define SIEVE_MAX_DEPTH 200
#define SIEVE_MAX_MOD 1000000000LL

enum node_op { OP_CLASS, OP_NOT, OP_AND, OP_OR, OP_DIFF };

typedef struct node {
	enum node_op op;
	int64_t m, r;           /* OP_CLASS */
	int a, b;               /* children (node indexes) */
} node;

struct grym_sieve {
	node *nodes;
	int n, cap, root;
};

typedef struct parser {
	const char *s;
	size_t pos;
	int depth;
	grym_sieve *sv;
	grym_error *err;
} parser;

static int fail(parser *p, const char *what)
{
	return grym_error_set(p->err, GRYM_ERR_INVALID, "sieve: column %zu: %s",
			      p->pos + 1, what);
}

static void skip_space(parser *p)
{
	while (p->s[p->pos] && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static int add_node(parser *p, node nd)
{
	grym_sieve *sv = p->sv;
	if (sv->n == sv->cap) {
		int cap = sv->cap ? sv->cap * 2 : 16;
		node *nn;
		if (cap > SIEVE_MAX_NODES)
			return fail(p, "expression too long");
		if (!(nn = realloc(sv->nodes, (size_t)cap * sizeof *nn)))
			return grym_error_set(p->err, GRYM_ERR_NOMEM, "out of memory");
		sv->nodes = nn;
		sv->cap = cap;
	}
	sv->nodes[sv->n] = nd;
	return sv->n++;
}

static int parse_expr(parser *p);

static int parse_int(parser *p, int64_t *v)
{
	int64_t x = 0;
	skip_space(p);
	if (!isdigit((unsigned char)p->s[p->pos]))
		return fail(p, "expected a number");
	while (isdigit((unsigned char)p->s[p->pos])) {
		x = x * 10 + (p->s[p->pos] - '0');
		if (x > SIEVE_MAX_MOD)
			return fail(p, "number too large");
		p->pos++;
	}
	*v = x;
	return 0;
}

static int parse_factor(parser *p)
{
	int r;
	skip_space(p);
	if (++p->depth > SIEVE_MAX_DEPTH)
		return fail(p, "expression nested too deeply");
	if (p->s[p->pos] == '!') {
		p->pos++;
		if ((r = parse_factor(p)) < 0)
			return r;
		r = add_node(p, (node){ .op = OP_NOT, .a = r });
	} else if (p->s[p->pos] == '(') {
		p->pos++;
		if ((r = parse_expr(p)) < 0)
			return r;
		skip_space(p);
		if (p->s[p->pos] != ')')
			return fail(p, "expected ')'");
		p->pos++;
	} else if (isdigit((unsigned char)p->s[p->pos])) {
		int64_t m, res;
		size_t at = p->pos;
		if ((r = parse_int(p, &m)) < 0)
			return r;
		skip_space(p);
		if (p->s[p->pos] != '@')
			return fail(p, "expected '@' after the modulus");
		p->pos++;
		if ((r = parse_int(p, &res)) < 0)
			return r;
		if (m < 1) {
			p->pos = at;
			return fail(p, "modulus must be at least 1");
		}
		r = add_node(p, (node){ .op = OP_CLASS, .m = m, .r = res % m });
	} else if (p->s[p->pos] == '\0')
		return fail(p, "unexpected end of expression");
	else
		return fail(p, "expected M@R, '(' or '!'");
	p->depth--;
	return r;
}

static int parse_term(parser *p)
{
	int a = parse_factor(p), b;
	while (a >= 0) {
		skip_space(p);
		if (p->s[p->pos] != '&')
			break;
		p->pos++;
		if ((b = parse_factor(p)) < 0)
			return b;
		a = add_node(p, (node){ .op = OP_AND, .a = a, .b = b });
	}
	return a;
}

static int parse_expr(parser *p)
{
	int a = parse_term(p), b;
	while (a >= 0) {
		char c;
		skip_space(p);
		c = p->s[p->pos];
		if (c != '|' && c != '-')
			break;
		p->pos++;
		if ((b = parse_term(p)) < 0)
			return b;
		a = add_node(p, (node){ .op = c == '|' ? OP_OR : OP_DIFF, .a = a, .b = b });
	}
	return a;
}

grym_sieve *grym_sieve_parse(const char *expr, grym_error *err)
{
	grym_sieve *sv;
	parser p = { .s = expr ? expr : "", .err = err };
	int root;

	if (!(sv = calloc(1, sizeof *sv))) {
		grym_error_set(err, GRYM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	p.sv = sv;
	root = parse_expr(&p);
	if (root >= 0) {
		skip_space(&p);
		if (p.s[p.pos] == ')')
			root = fail(&p, "unbalanced ')'");
		else if (p.s[p.pos])
			root = fail(&p, "expected '|', '&', '-' or the end");
	}
	if (root < 0) {
		grym_sieve_free(sv);
		return NULL;
	}
	sv->root = root;
	return sv;
}

static int64_t mod(int64_t n, int64_t m)
{
	int64_t r = n % m;
	return r < 0 ? r + m : r;
}

static int contains(const grym_sieve *s, int i, int64_t n)
{
	const node *nd = &s->nodes[i];
	switch (nd->op) {
	case OP_CLASS: return mod(n, nd->m) == nd->r;
	case OP_NOT:   return !contains(s, nd->a, n);
	case OP_AND:   return contains(s, nd->a, n) && contains(s, nd->b, n);
	case OP_OR:    return contains(s, nd->a, n) || contains(s, nd->b, n);
	case OP_DIFF:  return contains(s, nd->a, n) && !contains(s, nd->b, n);
	}
	return 0;
}

int grym_sieve_contains(const grym_sieve *s, int64_t n)
{
	return contains(s, s->root, n);
}

size_t grym_sieve_eval(const grym_sieve *s, int64_t lo, int64_t hi, int64_t *out, size_t max)
{
	size_t count = 0;
	for (int64_t n = lo; n <= hi; n++) {
		if (contains(s, s->root, n)) {
			if (out && count < max)
				out[count] = n;
			count++;
		}
		if (n == INT64_MAX)
			break;
	}
	return count;
}

static int64_t gcd(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int64_t grym_sieve_period(const grym_sieve *s)
{
	int64_t l = 1;
	for (int i = 0; i < s->n; i++) {
		if (s->nodes[i].op != OP_CLASS)
			continue;
		int64_t m = s->nodes[i].m, q = m / gcd(l, m);
		if (l > INT64_MAX / 2 / q)
			return INT64_MAX / 2;
		l *= q;
	}
	return l;
}

void grym_sieve_free(grym_sieve *s)
{
	if (!s)
		return;
	free(s->nodes);
	free(s);
}
