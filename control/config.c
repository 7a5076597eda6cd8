/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML configuration loader: libyaml's document API gives a node tree with source marks; small
 * schema helpers walk it so that every error is one line "FILE:LINE:COL: FIELD: message".
 * See docs/config.md for the format.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <yaml.h>

#include "config.h"
#include "config_int.h"
#include "bgp_policy.h"
#include "bgp_update.h"
#include "log.h"
#include "util.h"

#define KIND_PEREGRINE "Peregrine"
#define DEFAULT_SOCKET "/run/peregrine/peregrine.sock"
#define SOCKET_MAX     (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define LCORE_MAX      1024

/* --------------------------------------------------------------------------------------------
 * Messages
 */

static int vfail_at(struct ctx *c, int line, int col, const char *path, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (c->err && c->errlen) {
		if (path && *path)
			snprintf(c->err, c->errlen, "%s:%d:%d: %s: %s", c->file, line, col, path,
				 msg);
		else
			snprintf(c->err, c->errlen, "%s:%d:%d: %s", c->file, line, col, msg);
		/* always exactly one line */
		for (char *p = c->err; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
	return -EINVAL;
}

int __attribute__((format(printf, 5, 6)))
cy_fail_at(struct ctx *c, int line, int col, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(c, line, col, path, fmt, ap);
	va_end(ap);
	return rc;
}

int cy_line_of(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 1;
}

int cy_col_of(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.column + 1 : 1;
}

/* Error at node n (its first character). path may be NULL for document-level errors. */
int __attribute__((format(printf, 4, 5)))
cy_fail(struct ctx *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail_at(c, cy_line_of(n), cy_col_of(n), path, fmt, ap);
	va_end(ap);
	return rc;
}

int cy_fail_nomem(struct ctx *c)
{
	if (c->err && c->errlen)
		snprintf(c->err, c->errlen, "%s: out of memory", c->file);
	return -ENOMEM;
}

/* 'text' with control characters escaped and long values cut. */
const char *cy_quote(const char *s, size_t len, char *buf)
{
	size_t o = 0;

	buf[o++] = '\'';
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (o > QLEN - 10) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(buf + o, QLEN - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

bool cy_is_null(const yaml_node_t *n)
{
	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE)
		return false;
	if (n->tag && strcmp((const char *)n->tag, YAML_NULL_TAG) == 0)
		return true;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* What a node is, for "got ..." */
const char *cy_describe(const yaml_node_t *n, char *buf)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_SCALAR_NODE:
		if (cy_is_null(n))
			return "null";
		return cy_quote((const char *)n->data.scalar.value, n->data.scalar.length, buf);
	default:
		return "nothing";
	}
}

const char *cy_subpath(char *buf, size_t len, const char *path, const char *key)
{
	size_t o = 0;

	buf[0] = '\0';
	if (path && *path) {
		pg_strlcpy(buf, path, len);
		o = strlen(buf);
		if (o + 1 < len) {
			buf[o++] = '.';
			buf[o] = '\0';
		}
	}
	pg_strlcpy(buf + o, key, len - o);
	return buf;
}

const char *cy_idxpath(char *buf, size_t len, const char *path, size_t i)
{
	char num[24];
	size_t o;

	snprintf(num, sizeof(num), "[%zu]", i);
	pg_strlcpy(buf, path, len);
	o = strlen(buf);
	pg_strlcpy(buf + o, num, len - o);
	return buf;
}

/* "a, b, c" */
const char *cy_join(const char *const *names, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", names[i]);
	return buf;
}

/* --------------------------------------------------------------------------------------------
 * Schema helpers
 */

yaml_node_t *cy_node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

bool cy_scalar_is(const yaml_node_t *n, const char *s)
{
	return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
	       memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

/*
 * Check that n is a mapping (null counts as an empty one) whose keys are all in keys[], each at
 * most once; out[i] gets key i.
 */
int cy_get_map(struct ctx *c, yaml_node_t *n, const char *path, const char *const keys[],
	       size_t nkeys, struct fld out[])
{
	memset(out, 0, nkeys * sizeof(out[0]));
	if (cy_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return cy_fail(c, n, path, "expected a mapping, got %s", Q(n));
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = cy_node(c, p->key), *v = cy_node(c, p->value);
		size_t i;

		if (!k || !v)
			return cy_fail(c, n, path, "malformed mapping");
		if (k->type != YAML_SCALAR_NODE)
			return cy_fail(c, k, path, "keys must be plain strings, got %s", Q(k));
		for (i = 0; i < nkeys; i++)
			if (cy_scalar_is(k, keys[i]))
				break;
		if (i == nkeys) {
			char allowed[512];
			return cy_fail(c, k, path, "unknown key %s (allowed: %s)", Q(k),
				       cy_join(keys, nkeys, allowed, sizeof(allowed)));
		}
		if (out[i].k)
			return cy_fail(c, k, path, "duplicate key '%s' (first at line %d)", keys[i],
				       cy_line_of(out[i].k));
		out[i].k = k;
		out[i].v = v;
	}
	return 0;
}

int cy_require(struct ctx *c, yaml_node_t *map, const char *path, const struct fld *f,
	       const char *key)
{
	if (f->v)
		return 0;
	return cy_fail(c, map, path, "missing required key '%s'", key);
}

/* A sequence (null counts as an empty one). */
int cy_get_seq(struct ctx *c, yaml_node_t *n, const char *path, yaml_node_item_t **items,
	       size_t *count)
{
	*items = NULL;
	*count = 0;
	if (cy_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return cy_fail(c, n, path, "expected a sequence, got %s", Q(n));
	*items = n->data.sequence.items.start;
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 0;
}

/* A non-null scalar; expect says what we wanted ("a string", "an IPv4 address", ...). */
int cy_get_scalar(struct ctx *c, yaml_node_t *n, const char *path, const char *expect,
		  const char **out)
{
	if (!n || n->type != YAML_SCALAR_NODE || cy_is_null(n))
		return cy_fail(c, n, path, "expected %s, got %s", expect, Q(n));
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return cy_fail(c, n, path, "expected %s, got a string with a NUL character",
			       expect);
	*out = (const char *)n->data.scalar.value;
	return 0;
}

/* A string that fits in size bytes (at least one character). */
int cy_get_string(struct ctx *c, yaml_node_t *n, const char *path, char *dst, size_t size)
{
	const char *s = NULL;
	int rc = cy_get_scalar(c, n, path, "a string", &s);

	if (rc)
		return rc;
	if (!*s)
		return cy_fail(c, n, path, "must not be empty");
	if (strlen(s) >= size)
		return cy_fail(c, n, path, "%s is too long (at most %zu characters)", Q(n),
			       size - 1);
	pg_strlcpy(dst, s, size);
	return 0;
}

/* Decimal digits only; false on anything else or overflow. */
bool cy_parse_decimal(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (~0ull - 9) / 10)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return true;
}

/*
 * An integer in min..max. If keyword is given, that word is accepted too: returns 1 and leaves
 * *out alone.
 */
int cy_get_uint_kw(struct ctx *c, yaml_node_t *n, const char *path, unsigned long long min,
		   unsigned long long max, const char *keyword, unsigned long long *out)
{
	unsigned long long v;
	const char *s = NULL;
	char expect[96];

	snprintf(expect, sizeof(expect), "an integer %llu..%llu%s%s", min, max,
		 keyword ? " or " : "", keyword ? keyword : "");
	if (cy_get_scalar(c, n, path, expect, &s))
		return -EINVAL;
	if (keyword && strcmp(s, keyword) == 0)
		return 1;
	if (!cy_parse_decimal(s, &v)) {
		/* a long run of digits is a number too big, not a non-number */
		bool digits = true;
		for (const char *p = s; *p; p++)
			digits &= *p >= '0' && *p <= '9';
		if (!digits)
			return cy_fail(c, n, path, "expected %s, got %s", expect, Q(n));
		return cy_fail(c, n, path, "%s is out of range (allowed: %llu..%llu)", Q(n), min,
			       max);
	}
	if (v < min || v > max)
		return cy_fail(c, n, path, "%llu is out of range (allowed: %llu..%llu)", v, min,
			       max);
	*out = v;
	return 0;
}

int cy_get_uint(struct ctx *c, yaml_node_t *n, const char *path, unsigned long long min,
		unsigned long long max, unsigned *out)
{
	unsigned long long v;
	int rc = cy_get_uint_kw(c, n, path, min, max, NULL, &v);

	if (rc)
		return rc < 0 ? rc : -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* One of names[]; *out = its index. */
int cy_get_enum(struct ctx *c, yaml_node_t *n, const char *path, const char *const names[],
		size_t count, int *out)
{
	char allowed[256];

	cy_join(names, count, allowed, sizeof(allowed));
	if (!n || n->type != YAML_SCALAR_NODE || cy_is_null(n))
		return cy_fail(c, n, path, "expected one of %s, got %s", allowed, Q(n));
	for (size_t i = 0; i < count; i++) {
		if (cy_scalar_is(n, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	return cy_fail(c, n, path, "unknown value %s (allowed: %s)", Q(n), allowed);
}

/* true/True/TRUE or false/False/FALSE; false when n is neither. */
bool cy_bool_value(const yaml_node_t *n, bool *out)
{
	static const char *const t[] = {"true", "True", "TRUE"}, *const f[] = {"false", "False",
									       "FALSE"};

	for (size_t i = 0; i < PG_ARRAY_SIZE(t); i++) {
		if (cy_scalar_is(n, t[i])) {
			*out = true;
			return true;
		}
		if (cy_scalar_is(n, f[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

int cy_get_bool(struct ctx *c, yaml_node_t *n, const char *path, bool *out)
{
	if (cy_bool_value(n, out))
		return 0;
	return cy_fail(c, n, path, "expected true or false, got %s", Q(n));
}

const char *cy_family_name(int family)
{
	return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "IP";
}

/* An address; family 0 = either. */
int cy_get_ip(struct ctx *c, yaml_node_t *n, const char *path, int family, struct pg_ip *out)
{
	char expect[32];
	const char *s = NULL;

	snprintf(expect, sizeof(expect), "an %s address", cy_family_name(family));
	if (cy_get_scalar(c, n, path, expect, &s))
		return -EINVAL;
	if (parse_ip(s, out) < 0)
		return cy_fail(c, n, path, "expected %s, got %s", expect, Q(n));
	if (family && out->family != family)
		return cy_fail(c, n, path, "expected %s, got %s address %s", expect,
			       cy_family_name(out->family), Q(n));
	return 0;
}

/* strict: a route prefix (host bits must be zero); otherwise an interface address. */
int cy_get_prefix(struct ctx *c, yaml_node_t *n, const char *path, bool strict,
		  struct pg_prefix *out)
{
	const char *expect = strict ? "a prefix like 10.0.0.0/24 or fd00::/64"
				    : "an address with prefix length like 10.0.0.1/24";
	struct pg_prefix m;
	const char *s = NULL;

	if (cy_get_scalar(c, n, path, expect, &s))
		return -EINVAL;
	if (parse_prefix(s, out, false) < 0)
		return cy_fail(c, n, path, "expected %s, got %s", expect, Q(n));
	m = *out;
	prefix_mask(&m);
	if (strict && !ip_equal(&m.ip, &out->ip)) {
		char buf[PG_PREFIX_FMT_LEN];
		return cy_fail(c, n, path, "%s has host bits set (did you mean %s?)", Q(n),
			       fmt_prefix(&m, buf));
	}
	return 0;
}

static bool mac_syntax_ok(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* A unicast, non-zero MAC address. */
int cy_get_mac(struct ctx *c, yaml_node_t *n, const char *path, struct pg_mac *out)
{
	const char *expect = "a MAC address like \"02:00:00:00:00:01\"";
	const char *s = NULL;

	if (cy_get_scalar(c, n, path, expect, &s))
		return -EINVAL;
	if (!mac_syntax_ok(s) || parse_mac(s, out) < 0)
		return cy_fail(c, n, path, "expected %s, got %s", expect, Q(n));
	if (mac_is_zero(out))
		return cy_fail(c, n, path, "%s is the zero MAC address", Q(n));
	if (out->b[0] & 1)
		return cy_fail(c, n, path, "%s is a multicast MAC address (must be unicast)", Q(n));
	return 0;
}

/* Our names for ports and VRFs: 1..15 of [A-Za-z0-9_.-]. */
int cy_get_name(struct ctx *c, yaml_node_t *n, const char *path, char *dst, size_t size)
{
	const char *s = NULL;
	size_t len;

	if (cy_get_scalar(c, n, path, "a name", &s))
		return -EINVAL;
	len = strlen(s);
	bool ok = len >= 1 && len <= 15 && len < size;
	for (const char *p = s; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-';
	if (!ok)
		return cy_fail(c, n, path,
			       "%s is not a valid name (1..15 characters from A-Z a-z 0-9 _ . -)",
			       Q(n));
	pg_strlcpy(dst, s, size);
	return 0;
}

/* Linux dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace. */
bool cy_is_ifname(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= PG_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= 0x20 || ch >= 0x7f || ch == '/' || ch == ':')
			return false;
	}
	return true;
}

static bool hexn(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* DDDD:BB:DD.F or BB:DD.F */
static bool is_pci(const char *s)
{
	size_t len = strlen(s);

	if (len == 12) {
		if (!hexn(s, 4) || s[4] != ':')
			return false;
		s += 5;
	} else if (len != 7) {
		return false;
	}
	return hexn(s, 2) && s[2] == ':' && hexn(s + 3, 2) && s[5] == '.' && s[6] >= '0' &&
	       s[6] <= '7';
}

bool cy_is_vdev(const char *s)
{
	return strncmp(s, "net_", 4) == 0;
}

/* "0-3,8": count the distinct cores; -1 on syntax error. */
static int parse_lcores(const char *s)
{
	uint8_t seen[LCORE_MAX / 8] = {0};
	int n = 0;

	for (;;) {
		char *end;
		unsigned long a, b;

		if (!isdigit((unsigned char)*s))
			return -1;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			s = end + 1;
			if (!isdigit((unsigned char)*s))
				return -1;
			b = strtoul(s, &end, 10);
		}
		if (a >= LCORE_MAX || b >= LCORE_MAX || b < a)
			return -1;
		for (unsigned long i = a; i <= b; i++) {
			if (!(seen[i / 8] & (1u << (i % 8))))
				n++;
			seen[i / 8] |= (uint8_t)(1u << (i % 8));
		}
		if (*end == '\0')
			return n;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
}

/* --------------------------------------------------------------------------------------------
 * Duplicate detection for large lists (routes, neighbors, tunnels): an open-addressing set of
 * fixed-size keys remembering the index of the first holder.
 */

#define DUPKEY 24

struct dupent {
	bool used;
	uint8_t key[DUPKEY];
	size_t idx;
};

struct dupset {
	size_t cap, n;
	struct dupent *e;
};

static uint64_t dup_hash(const uint8_t *k)
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < DUPKEY; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

/* 1 = already there (*first set), 0 = added, -ENOMEM. */
static int dupset_add(struct dupset *s, const uint8_t key[DUPKEY], size_t idx, size_t *first)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct dupent *e = calloc(cap, sizeof(*e));

		if (!e)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->e[i].used)
				continue;
			size_t j = dup_hash(s->e[i].key) & (cap - 1);
			while (e[j].used)
				j = (j + 1) & (cap - 1);
			e[j] = s->e[i];
		}
		free(s->e);
		s->e = e;
		s->cap = cap;
	}
	size_t j = dup_hash(key) & (s->cap - 1);
	while (s->e[j].used) {
		if (memcmp(s->e[j].key, key, DUPKEY) == 0) {
			*first = s->e[j].idx;
			return 1;
		}
		j = (j + 1) & (s->cap - 1);
	}
	s->e[j].used = true;
	memcpy(s->e[j].key, key, DUPKEY);
	s->e[j].idx = idx;
	s->n++;
	return 0;
}

static void dupset_free(struct dupset *s)
{
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/* key = tag(2) family(1) len(1) address(16) */
static void ip_key(uint8_t key[DUPKEY], unsigned tag, const struct pg_ip *ip, unsigned len)
{
	memset(key, 0, DUPKEY);
	key[0] = (uint8_t)(tag >> 8);
	key[1] = (uint8_t)tag;
	key[2] = ip->family;
	key[3] = (uint8_t)len;
	if (ip->family == AF_INET)
		memcpy(key + 4, &ip->v4, 4);
	else
		memcpy(key + 4, ip->v6, 16);
}

/* --------------------------------------------------------------------------------------------
 * Name lookups
 */

int config_vrf_index(const struct pg_config *cfg, const char *name)
{
	if (strcmp(name, "default") == 0)
		return PG_VRF_DEFAULT;
	for (unsigned i = 1; i < cfg->n_vrfs; i++)
		if (strcmp(cfg->vrfs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int cy_port_index(const struct pg_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A VRF reference; absent = default. */
static int get_vrf_ref(struct ctx *c, yaml_node_t *n, const char *path, uint16_t *out)
{
	const struct pg_config *cfg = c->cfg;
	const char *s = NULL;
	int i;

	if (!n) {
		*out = PG_VRF_DEFAULT;
		return 0;
	}
	if (cy_get_scalar(c, n, path, "a VRF name", &s))
		return -EINVAL;
	i = config_vrf_index(cfg, s);
	if (i < 0) {
		char list[256];
		size_t o = 0;
		for (unsigned j = 0; j < cfg->n_vrfs && o < sizeof(list); j++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", j ? ", " : "",
					      cfg->vrfs[j].name);
		return cy_fail(c, n, path, "unknown VRF %s (configured: %s)", Q(n), list);
	}
	*out = (uint16_t)i;
	return 0;
}

static int get_port_ref(struct ctx *c, yaml_node_t *n, const char *path, int *out)
{
	const struct pg_config *cfg = c->cfg;
	const char *s = NULL;
	int i;

	if (cy_get_scalar(c, n, path, "a port name", &s))
		return -EINVAL;
	i = cy_port_index(cfg, s);
	if (i < 0) {
		char list[256];
		size_t o = 0;
		for (unsigned j = 0; j < cfg->n_ports && o < sizeof(list); j++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", j ? ", " : "",
					      cfg->ports[j].name);
		return cy_fail(c, n, path, "unknown port %s (configured: %s)", Q(n), list);
	}
	*out = i;
	return 0;
}

static void need_vtep(struct ctx *c, const yaml_node_t *n, const char *path)
{
	if (c->vtep_user)
		return;
	c->vtep_user = n;
	pg_strlcpy(c->vtep_user_path, path, sizeof(c->vtep_user_path));
}

/* --------------------------------------------------------------------------------------------
 * Sections
 */

enum { D_LCORES, D_WORKERS, D_MEM, D_HUGE, D_MBUFS, D_R4, D_TBL8, D_R6, D_NH, D_IDLE, D_N };
static const char *const dataplane_keys[D_N] = {
    [D_LCORES] = "lcores",    [D_WORKERS] = "workers", [D_MEM] = "memoryMB",
    [D_HUGE] = "hugepages",   [D_MBUFS] = "mbufs",     [D_R4] = "maxRoutes4",
    [D_TBL8] = "tbl8Groups",  [D_R6] = "maxRoutes6",   [D_NH] = "maxNexthops",
    [D_IDLE] = "idleSleepUs",
};
static const char *const hugepage_names[] = {
    [CFG_HUGE_AUTO] = "auto", [CFG_HUGE_ON] = "on", [CFG_HUGE_OFF] = "off"};

static int parse_dataplane(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = dataplane_keys;
	struct cfg_dataplane *dp = &c->cfg->dp;
	struct fld f[D_N];
	char p[PATHBUF];
	int ncores = 2, rc;

	if ((rc = cy_get_map(c, n, path, keys, D_N, f)))
		return rc;
	if (f[D_LCORES].v) {
		SUB(p, path, keys[D_LCORES]);
		if ((rc = cy_get_string(c, f[D_LCORES].v, p, dp->lcores, sizeof(dp->lcores))))
			return rc;
		ncores = parse_lcores(dp->lcores);
		if (ncores < 0)
			return cy_fail(c, f[D_LCORES].v, p,
				       "expected a core list like \"0-3,8\" (cores 0..%d), got %s",
				       LCORE_MAX - 1, Q(f[D_LCORES].v));
	}
	if (f[D_WORKERS].v) {
		unsigned long long v;
		SUB(p, path, keys[D_WORKERS]);
		rc = cy_get_uint_kw(c, f[D_WORKERS].v, p, 0, LCORE_MAX - 1, "auto", &v);
		if (rc < 0)
			return rc;
		dp->workers = rc == 1 ? 0 : (unsigned)v;
		if (dp->workers && dp->workers > (unsigned)ncores - 1)
			return cy_fail(
			    c, f[D_WORKERS].v, p,
			    "%u workers need %u lcores (one control + workers), but lcores "
			    "'%s' has %d",
			    dp->workers, dp->workers + 1, dp->lcores, ncores);
	}
	if (f[D_MEM].v &&
	    (rc = cy_get_uint(c, f[D_MEM].v, SUB(p, path, keys[D_MEM]), 64, 65536, &dp->memory_mb)))
		return rc;
	if (f[D_HUGE].v) {
		int v = 0;
		if ((rc = cy_get_enum(c, f[D_HUGE].v, SUB(p, path, keys[D_HUGE]), hugepage_names,
				      PG_ARRAY_SIZE(hugepage_names), &v)))
			return rc;
		dp->hugepages = (enum cfg_hugepages)v;
	}
	if (f[D_MBUFS].v && (rc = cy_get_uint(c, f[D_MBUFS].v, SUB(p, path, keys[D_MBUFS]), 1023,
					      4194303, &dp->mbufs)))
		return rc;
	if (f[D_R4].v && (rc = cy_get_uint(c, f[D_R4].v, SUB(p, path, keys[D_R4]), 1024, 16777216,
					   &dp->max_routes4)))
		return rc;
	if (f[D_TBL8].v && (rc = cy_get_uint(c, f[D_TBL8].v, SUB(p, path, keys[D_TBL8]), 256,
					     16777216, &dp->tbl8_groups)))
		return rc;
	if (f[D_R6].v && (rc = cy_get_uint(c, f[D_R6].v, SUB(p, path, keys[D_R6]), 1024, 16777216,
					   &dp->max_routes6)))
		return rc;
	if (f[D_NH].v && (rc = cy_get_uint(c, f[D_NH].v, SUB(p, path, keys[D_NH]), 16, 16777215,
					   &dp->max_nexthops)))
		return rc;
	if (f[D_IDLE].v && (rc = cy_get_uint(c, f[D_IDLE].v, SUB(p, path, keys[D_IDLE]), 0, 100000,
					     &dp->idle_sleep_us)))
		return rc;
	return 0;
}

static const char *const mgmt_keys[] = {"socket", "metrics"};

static int parse_management(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = mgmt_keys;
	struct fld f[2];
	char p[PATHBUF];
	int rc;

	if ((rc = cy_get_map(c, n, path, keys, 2, f)))
		return rc;
	if (f[0].v) {
		SUB(p, path, keys[0]);
		if ((rc = cy_get_string(c, f[0].v, p, c->cfg->mgmt_socket, SOCKET_MAX + 1)))
			return rc;
	}
	if (f[1].v) {
		struct pg_ip ip;
		uint16_t port;
		SUB(p, path, keys[1]);
		if ((rc = cy_get_string(c, f[1].v, p, c->cfg->metrics, sizeof(c->cfg->metrics))))
			return rc;
		if (parse_hostport(c->cfg->metrics, &ip, &port) < 0)
			return cy_fail(
			    c, f[1].v, p,
			    "expected ADDR:PORT like 127.0.0.1:9464 or [::1]:9464, got %s",
			    Q(f[1].v));
	}
	return 0;
}

static const char *const exc_keys[] = {"puntRatePps", "puntBurst"};

static int parse_exception(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = exc_keys;
	struct fld f[2];
	char p[PATHBUF];
	int rc;

	if ((rc = cy_get_map(c, n, path, keys, 2, f)))
		return rc;
	if (f[0].v && (rc = cy_get_uint(c, f[0].v, SUB(p, path, keys[0]), 1, 10000000,
					&c->cfg->exc.punt_rate_pps)))
		return rc;
	if (f[1].v &&
	    (rc = cy_get_uint(c, f[1].v, SUB(p, path, keys[1]), 1, 65536, &c->cfg->exc.punt_burst)))
		return rc;
	return 0;
}

static const char *const vrf_keys[] = {"name"};

static int parse_vrfs(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = vrf_keys;
	struct pg_config *cfg = c->cfg;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count + cfg->n_vrfs > PG_MAX_VRFS)
		return cy_fail(c, n, path,
			       "%zu VRFs configured, at most %d allowed (plus 'default')",
			       count + cfg->n_vrfs - 1, PG_MAX_VRFS - 1);
	struct cfg_vrf *v = realloc(cfg->vrfs, (cfg->n_vrfs + count) * sizeof(*v));
	if (!v)
		return cy_fail_nomem(c);
	cfg->vrfs = v;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_vrf *vrf = &cfg->vrfs[cfg->n_vrfs];
		char ip[PATHBUF], p[PATHBUF];
		struct fld f[1];

		IDX(ip, path, i);
		if (cy_is_null(item))
			return cy_fail(c, item, ip, "expected a mapping with a name, got null");
		if ((rc = cy_get_map(c, item, ip, keys, 1, f)))
			return rc;
		if ((rc = cy_require(c, item, ip, &f[0], "name")))
			return rc;
		memset(vrf, 0, sizeof(*vrf));
		vrf->line = cy_line_of(item);
		SUB(p, ip, "name");
		if ((rc = cy_get_name(c, f[0].v, p, vrf->name, sizeof(vrf->name))))
			return rc;
		if (strcmp(vrf->name, "default") == 0)
			return cy_fail(c, f[0].v, p,
				       "'default' is reserved (the default VRF always exists)");
		int dup = config_vrf_index(cfg, vrf->name);
		if (dup > 0 && (unsigned)dup < c->n_opr_vrfs)
			continue; /* also an OpenPERouter L3VNI's VRF: the same VRF */
		if (dup >= 0)
			return cy_fail(c, f[0].v, p, "duplicate VRF name '%s' (first at line %d)",
				       vrf->name, cfg->vrfs[dup].line);
		cfg->n_vrfs++;
	}
	return 0;
}

/* The device kinds, for the driver: check and name clashes with TAPs. */
enum dev_kind { DEV_IFNAME, DEV_VDEV, DEV_PCI };

static enum dev_kind dev_kind(const char *s)
{
	return cy_is_vdev(s) ? DEV_VDEV : is_pci(s) ? DEV_PCI : DEV_IFNAME;
}

static int parse_addresses(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_port *port)
{
	struct pg_config *cfg = c->cfg;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count > PG_MAX_ADDRS)
		return cy_fail(c, n, path, "%zu addresses, at most %d allowed", count,
			       PG_MAX_ADDRS);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct pg_prefix *a = &port->addrs[port->n_addrs];
		char p[PATHBUF], buf[PG_PREFIX_FMT_LEN];

		IDX(p, path, i);
		if ((rc = cy_get_prefix(c, item, p, false, a)))
			return rc;
		struct pg_prefix m = *a;
		prefix_mask(&m);
		bool v4 = a->ip.family == AF_INET;
		if (a->len < (v4 ? 31 : 127) && ip_equal(&m.ip, &a->ip))
			return cy_fail(
			    c, item, p,
			    "%s has an all-zero host part (that is the subnet itself; give "
			    "the interface address, e.g. %s/%u with the last bit set)",
			    Q(item), v4 ? "10.0.0.1" : "fd00::1", a->len);
		if (v4 && a->len < 31) {
			uint32_t mask = htonl(a->len ? ~0u << (32 - a->len) : 0);
			if ((a->ip.v4 | mask) == 0xffffffffu)
				return cy_fail(c, item, p, "%s is the subnet broadcast address",
					       Q(item));
		}
		/* same address twice in this VRF */
		for (unsigned j = 0; j < port->n_addrs; j++)
			if (ip_equal(&port->addrs[j].ip, &a->ip))
				return cy_fail(c, item, p, "duplicate address %s (also %s[%u])",
					       fmt_ip(&a->ip, buf), path, j);
		for (unsigned pi = 0; pi < cfg->n_ports; pi++) {
			const struct cfg_port *o = &cfg->ports[pi];
			if (o == port || o->vrf != port->vrf)
				continue;
			for (unsigned j = 0; j < o->n_addrs; j++)
				if (ip_equal(&o->addrs[j].ip, &a->ip))
					return cy_fail(
					    c, item, p,
					    "address %s is already on port '%s' (line %d) in "
					    "the same VRF",
					    fmt_ip(&a->ip, buf), o->name, o->line);
		}
		port->n_addrs++;
	}
	return 0;
}

enum { P_NAME, P_DEVICE, P_DRIVER, P_MAC, P_MTU, P_VRF, P_ADDRS, P_TAP, P_EXC, P_BR, P_N };
static const char *const port_keys[P_N] = {
    [P_NAME] = "name",	   [P_DEVICE] = "device",  [P_DRIVER] = "driver",   [P_MAC] = "mac",
    [P_MTU] = "mtu",	   [P_VRF] = "vrf",	   [P_ADDRS] = "addresses", [P_TAP] = "tap",
    [P_EXC] = "exception", [P_BR] = "linuxBridge",
};
static const char *const bridge_keys[] = {"name", "create"};

/* The kernel interface of a net_tap vdev ("net_tap0,iface=host-e-110"), or false. */
bool config_tap_iface(const char *device, char iface[PG_IFNAME_MAX])
{
	const char *a;

	if (strncmp(device, "net_tap", 7) != 0 || !(a = strstr(device, ",iface=")))
		return false;
	a += 7;
	size_t n = strcspn(a, ",");
	if (n == 0 || n >= PG_IFNAME_MAX)
		return false;
	memcpy(iface, a, n);
	iface[n] = '\0';
	return true;
}

/* linuxBridge: {name, create}: the Linux bridge a net_tap port's kernel interface joins. */
static int parse_port_bridge(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_port *port)
{
	char iface[PG_IFNAME_MAX], p[PATHBUF];
	struct fld f[2];
	int rc;

	if ((rc = cy_get_map(c, n, path, bridge_keys, 2, f)) ||
	    (rc = cy_require(c, n, path, &f[0], "name")))
		return rc;
	if (!config_tap_iface(port->device, iface))
		return cy_fail(c, n, path,
			       "only for a net_tap device with iface=NAME (the bridge takes the "
			       "TAP's kernel interface), not '%s'",
			       port->device);
	SUB(p, path, "name");
	if ((rc = cy_get_string(c, f[0].v, p, port->bridge, sizeof(port->bridge))))
		return rc;
	if (!cy_is_ifname(port->bridge) || !strcmp(port->bridge, iface))
		return cy_fail(c, f[0].v, p,
			       "%s is not a Linux interface name (1..15 characters, no '/', ':' or "
			       "spaces) other than the TAP's own",
			       Q(f[0].v));
	if (f[1].v && (rc = cy_get_bool(c, f[1].v, SUB(p, path, "create"), &port->bridge_create)))
		return rc;
	return 0;
}
static const char *const exception_names[] = {
    [CFG_EXC_AUTO] = "auto", [CFG_EXC_TAP] = "tap", [CFG_EXC_XDP] = "xdp"};
static const char *const driver_names[] = {[CFG_DRIVER_AUTO] = "auto",
					   [CFG_DRIVER_AF_PACKET] = "af_packet",
					   [CFG_DRIVER_AF_XDP] = "af_xdp",
					   [CFG_DRIVER_PCAP] = "pcap"};

static int parse_port(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_port *port)
{
	const char *const *keys = port_keys;
	struct pg_config *cfg = c->cfg;
	struct fld f[P_N];
	char p[PATHBUF];
	int rc;

	if (cy_is_null(n))
		return cy_fail(c, n, path, "expected a mapping with name and device, got null");
	if ((rc = cy_get_map(c, n, path, keys, P_N, f)))
		return rc;
	if ((rc = cy_require(c, n, path, &f[P_NAME], "name")) ||
	    (rc = cy_require(c, n, path, &f[P_DEVICE], "device")))
		return rc;
	port->line = cy_line_of(n);
	port->mtu = 1500;
	port->vrf = PG_VRF_DEFAULT;
	port->driver = CFG_DRIVER_AUTO;
	port->l2vni = -1;
	port->host_session = -1;

	SUB(p, path, keys[P_NAME]);
	if ((rc = cy_get_name(c, f[P_NAME].v, p, port->name, sizeof(port->name))))
		return rc;
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, port->name) == 0)
			return cy_fail(c, f[P_NAME].v, p,
				       "duplicate port name '%s' (first at line %d)", port->name,
				       cfg->ports[i].line);

	SUB(p, path, keys[P_DEVICE]);
	if ((rc = cy_get_string(c, f[P_DEVICE].v, p, port->device, sizeof(port->device))))
		return rc;
	enum dev_kind kind = dev_kind(port->device);
	if (kind == DEV_IFNAME && !cy_is_ifname(port->device))
		return cy_fail(c, f[P_DEVICE].v, p,
			       "%s is not a Linux interface name (1..15 characters, no '/', ':' or "
			       "spaces), a DPDK vdev (\"net_...\") or a PCI address (DDDD:BB:DD.F)",
			       Q(f[P_DEVICE].v));
	if (kind == DEV_VDEV && !isalnum((unsigned char)port->device[4]))
		return cy_fail(c, f[P_DEVICE].v, p,
			       "%s is not a DPDK vdev (expected net_<driver><n>[,key=value...])",
			       Q(f[P_DEVICE].v));
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].device, port->device) == 0)
			return cy_fail(c, f[P_DEVICE].v, p,
				       "device '%s' is already used by port '%s' (line %d)",
				       port->device, cfg->ports[i].name, cfg->ports[i].line);

	if (f[P_DRIVER].v) {
		int v = 0;
		SUB(p, path, keys[P_DRIVER]);
		if ((rc = cy_get_enum(c, f[P_DRIVER].v, p, driver_names,
				      PG_ARRAY_SIZE(driver_names), &v)))
			return rc;
		if (kind != DEV_IFNAME)
			return cy_fail(
			    c, f[P_DRIVER].v, p,
			    "only allowed when device is a Linux interface name ('%s' is a "
			    "%s)",
			    port->device, kind == DEV_VDEV ? "DPDK vdev" : "PCI address");
		port->driver = (enum cfg_driver)v;
	}
	if (f[P_MAC].v) {
		if ((rc = cy_get_mac(c, f[P_MAC].v, SUB(p, path, keys[P_MAC]), &port->mac)))
			return rc;
		port->has_mac = true;
	}
	if (f[P_MTU].v) {
		unsigned v;
		if ((rc = cy_get_uint(c, f[P_MTU].v, SUB(p, path, keys[P_MTU]), 68, 9216, &v)))
			return rc;
		port->mtu = (uint16_t)v;
	}
	if ((rc = get_vrf_ref(c, f[P_VRF].v, SUB(p, path, keys[P_VRF]), &port->vrf)))
		return rc;
	if ((rc = parse_addresses(c, f[P_ADDRS].v, SUB(p, path, keys[P_ADDRS]), port)))
		return rc;
	if (f[P_BR].v && (rc = parse_port_bridge(c, f[P_BR].v, SUB(p, path, keys[P_BR]), port)))
		return rc;

	/* this port's device against the TAPs of earlier ports */
	if (kind == DEV_IFNAME) {
		for (unsigned i = 0; i < cfg->n_ports; i++) {
			const struct cfg_port *o = &cfg->ports[i];
			if (!o->no_tap && strcmp(o->tap, port->device) == 0)
				return cy_fail(c, f[P_DEVICE].v, SUB(p, path, keys[P_DEVICE]),
					       "device '%s' is the TAP name of port '%s' (line %d)",
					       port->device, o->name, o->line);
		}
	}
	/* Exception path: the kernel behind our XDP program (AF_XDP ports only) or a TAP. */
	int exc = CFG_EXC_AUTO;
	if (f[P_EXC].v && (rc = cy_get_enum(c, f[P_EXC].v, SUB(p, path, keys[P_EXC]),
					    exception_names, PG_ARRAY_SIZE(exception_names), &exc)))
		return rc;
	bool af_xdp = kind == DEV_IFNAME && port->driver == CFG_DRIVER_AF_XDP;
	bool auto_drv = kind == DEV_IFNAME && port->driver == CFG_DRIVER_AUTO;
	if (exc == CFG_EXC_XDP && !af_xdp)
		return cy_fail(c, f[P_EXC].v, p,
			       "xdp needs a Linux interface attached with driver: af_xdp (the XDP "
			       "program hands control traffic to that interface)");
	/* auto: an explicit tap key asks for a TAP; with driver auto it is decided at attach
	 * time (a TAP name is kept in case the port ends up on libpcap) */
	if (exc == CFG_EXC_AUTO && (f[P_TAP].v || !auto_drv))
		exc = af_xdp && !f[P_TAP].v ? CFG_EXC_XDP : CFG_EXC_TAP;
	port->exception = (enum cfg_exc_kind)exc;
	if (exc == CFG_EXC_XDP) {
		if (f[P_TAP].v)
			return cy_fail(
			    c, f[P_TAP].v, SUB(p, path, keys[P_TAP]),
			    "a port with exception: xdp has no TAP (its own interface "
			    "terminates control traffic); remove tap or set exception: tap");
		port->no_tap = true;
		return 0;
	}

	/* TAP name: explicit, "none", or pg-<name> cut to 15 characters */
	yaml_node_t *tapnode = f[P_TAP].v ? f[P_TAP].v : f[P_NAME].v;
	SUB(p, path, keys[P_TAP]);
	if (f[P_TAP].v) {
		const char *s;
		if ((rc = cy_get_scalar(c, f[P_TAP].v, p, "an interface name or none", &s)))
			return rc;
		if (strcmp(s, "none") == 0) {
			port->no_tap = true;
		} else {
			if (!cy_is_ifname(s))
				return cy_fail(c, f[P_TAP].v, p,
					       "%s is not a valid Linux interface name (1..15 "
					       "characters, no '/', ':' or spaces) or none",
					       Q(f[P_TAP].v));
			pg_strlcpy(port->tap, s, sizeof(port->tap));
		}
	} else {
		char t[PG_NAME_MAX + 4];
		snprintf(t, sizeof(t), "pg-%s", port->name);
		pg_strlcpy(port->tap, t, sizeof(port->tap));
	}
	if (!port->no_tap) {
		const char *how = f[P_TAP].v ? "TAP name" : "default TAP name (pg-<name>)";
		if (kind == DEV_IFNAME && strcmp(port->tap, port->device) == 0)
			return cy_fail(c, tapnode, p, "%s '%s' is the port's own device", how,
				       port->tap);
		for (unsigned i = 0; i < cfg->n_ports; i++) {
			const struct cfg_port *o = &cfg->ports[i];
			if (!o->no_tap && strcmp(o->tap, port->tap) == 0)
				return cy_fail(c, tapnode, p,
					       "%s '%s' is also the TAP of port '%s' (line %d)",
					       how, port->tap, o->name, o->line);
			if (dev_kind(o->device) == DEV_IFNAME && !strcmp(o->device, port->tap))
				return cy_fail(c, tapnode, p,
					       "%s '%s' is the device of port '%s' (line %d)", how,
					       port->tap, o->name, o->line);
		}
	}
	return 0;
}

static int parse_ports(struct ctx *c, yaml_node_t *spec, yaml_node_t *n, const char *path)
{
	struct pg_config *cfg = c->cfg;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if (!n && opr_has_ports(c))
		return 0; /* the Underlay's interfaces */
	if (!n)
		return cy_fail(c, spec, "spec", "missing required key 'ports' (at least one port)");
	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count == 0)
		return cy_fail(c, n, path, "at least one port is required");
	if (count > PG_MAX_PORTS)
		return cy_fail(c, n, path, "%zu ports configured, at most %d allowed", count,
			       PG_MAX_PORTS);
	cfg->ports = calloc(count, sizeof(*cfg->ports));
	if (!cfg->ports)
		return cy_fail_nomem(c);
	for (size_t i = 0; i < count; i++) {
		char p[PATHBUF];
		if ((rc = parse_port(c, cy_node(c, items[i]), IDX(p, path, i), &cfg->ports[i])))
			return rc;
		cfg->n_ports++;
	}
	return 0;
}

/* spec.vtep: an address of a port in the default VRF, or a loopback address announced as a /32
 * network (OpenPERouter's VTEP, which sits on lo). */
static int check_vtep(struct ctx *c, yaml_node_t *n, const char *path)
{
	const struct pg_config *cfg = c->cfg;
	char list[256], buf[PG_IP_FMT_LEN];
	size_t o = 0;

	for (unsigned i = 0; i < cfg->bgp.n_networks; i++)
		if (cfg->bgp.networks[i].len == 32 &&
		    ip_equal(&cfg->bgp.networks[i].ip, &cfg->vtep))
			return 0;
	if (cy_is_loopback(cfg, &cfg->vtep))
		return 0;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct cfg_port *port = &cfg->ports[i];
		if (port->vrf != PG_VRF_DEFAULT)
			continue;
		for (unsigned j = 0; j < port->n_addrs; j++) {
			if (ip_equal(&port->addrs[j].ip, &cfg->vtep))
				return 0;
			if (port->addrs[j].ip.family == AF_INET && o < sizeof(list))
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
						      o ? ", " : "",
						      fmt_ip(&port->addrs[j].ip, buf));
		}
	}
	return cy_fail(
	    c, n, path,
	    "%s is not an address of a port in the default VRF (IPv4 addresses there: %s)", Q(n),
	    o ? list : "none");
}

/*
 * A sequence of mappings parsed into an array: its items, and a zeroed array of one element (of
 * size bytes) per item in *arr (left NULL when the sequence is empty or absent). More than max
 * items is an error naming what ("L3VNIs", "neighbors").
 */
int cy_get_list(struct ctx *c, yaml_node_t *n, const char *path, size_t max, const char *what,
		size_t size, yaml_node_item_t **items, size_t *count, void **arr)
{
	int rc;

	if ((rc = cy_get_seq(c, n, path, items, count)))
		return rc;
	if (*count > max)
		return cy_fail(c, n, path, "%zu %s configured, at most %zu allowed", *count, what,
			       max);
	if (*count == 0)
		return 0;
	*arr = calloc(*count, size);
	return *arr ? 0 : cy_fail_nomem(c);
}

/* One element of a list that must be a mapping of keys (what: the keys it needs, for the error). */
int cy_get_item_map(struct ctx *c, yaml_node_t *item, const char *path, const char *const *keys,
		    unsigned n_keys, struct fld *f, const char *what)
{
	if (cy_is_null(item))
		return cy_fail(c, item, path, "expected a mapping with %s, got null", what);
	return cy_get_map(c, item, path, keys, n_keys, f);
}

/* A list of route targets ("65000:100", "10.0.0.1:5", "4200000000:7"). */
int cy_get_rts(struct ctx *c, yaml_node_t *n, const char *path, uint64_t *out, unsigned *count)
{
	yaml_node_item_t *items;
	size_t k;
	int rc;

	if ((rc = cy_get_seq(c, n, path, &items, &k)))
		return rc;
	if (k > CFG_MAX_RTS)
		return cy_fail(c, n, path, "%zu route targets, at most %d allowed", k, CFG_MAX_RTS);
	*count = 0;
	for (size_t i = 0; i < k; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		char ip[PATHBUF], s[64];
		uint64_t rt;
		IDX(ip, path, i);
		if ((rc = cy_get_string(c, item, ip, s, sizeof(s))))
			return rc;
		if (bgp_rt_parse(s, &rt) < 0)
			return cy_fail(
			    c, item, ip,
			    "expected a route target ASN:NN (ASN up to 4294967295; NN up to "
			    "4294967295 with a 2-byte ASN, else 65535) or IPv4:NN (NN up to "
			    "65535), got %s",
			    Q(item));
		for (unsigned j = 0; j < *count; j++)
			if (out[j] == rt)
				return cy_fail(c, item, ip, "duplicate route target %s", Q(item));
		out[(*count)++] = rt;
	}
	return 0;
}

enum { V_VNI, V_VRF, V_RMAC, V_PORT, V_IMP, V_EXP, V_N };
static const char *const l3vni_keys[V_N] = {
    [V_VNI] = "vni",	    [V_VRF] = "vrf",	   [V_RMAC] = "routerMac",
    [V_PORT] = "vxlanPort", [V_IMP] = "importRTs", [V_EXP] = "exportRTs"};

static int parse_l3vnis(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = l3vni_keys;
	struct pg_config *cfg = c->cfg;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_list(c, n, path, PG_MAX_VNIS, "L3VNIs", sizeof(*cfg->l3vnis), &items,
			      &count, (void **)&cfg->l3vnis)) ||
	    count == 0)
		return rc;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_l3vni *l = &cfg->l3vnis[i];
		char ip[PATHBUF], p[PATHBUF];
		struct fld f[V_N];
		unsigned v;

		IDX(ip, path, i);
		if ((rc = cy_get_item_map(c, item, ip, keys, V_N, f, "vni and vrf")) ||
		    (rc = cy_require(c, item, ip, &f[V_VNI], "vni")) ||
		    (rc = cy_require(c, item, ip, &f[V_VRF], "vrf")))
			return rc;
		l->line = cy_line_of(item);
		l->udp_port = PG_VXLAN_PORT;
		SUB(p, ip, keys[V_VNI]);
		if ((rc = cy_get_uint(c, f[V_VNI].v, p, 1, 16777215, &l->vni)))
			return rc;
		for (unsigned j = 0; j < cfg->n_l3vnis; j++)
			if (cfg->l3vnis[j].vni == l->vni)
				return cy_fail(c, f[V_VNI].v, p,
					       "duplicate VNI %u (first at line %d)", l->vni,
					       cfg->l3vnis[j].line);
		SUB(p, ip, keys[V_VRF]);
		if ((rc = get_vrf_ref(c, f[V_VRF].v, p, &l->vrf)))
			return rc;
		if (l->vrf == PG_VRF_DEFAULT)
			return cy_fail(
			    c, f[V_VRF].v, p,
			    "an L3VNI needs its own VRF, not 'default' (declare one under "
			    "spec.vrfs)");
		for (unsigned j = 0; j < cfg->n_l3vnis; j++)
			if (cfg->l3vnis[j].vrf == l->vrf)
				return cy_fail(c, f[V_VRF].v, p,
					       "VRF '%s' already has L3VNI %u (line %d)",
					       cfg->vrfs[l->vrf].name, cfg->l3vnis[j].vni,
					       cfg->l3vnis[j].line);
		if (f[V_RMAC].v) {
			if ((rc = cy_get_mac(c, f[V_RMAC].v, SUB(p, ip, keys[V_RMAC]), &l->rmac)))
				return rc;
			l->has_rmac = true;
		}
		if (f[V_IMP].v && (rc = cy_get_rts(c, f[V_IMP].v, SUB(p, ip, keys[V_IMP]),
						   l->import_rts, &l->n_import_rts)))
			return rc;
		if (f[V_EXP].v && (rc = cy_get_rts(c, f[V_EXP].v, SUB(p, ip, keys[V_EXP]),
						   l->export_rts, &l->n_export_rts)))
			return rc;
		if (f[V_PORT].v) {
			if ((rc = cy_get_uint(c, f[V_PORT].v, SUB(p, ip, keys[V_PORT]), 1, 65535,
					      &v)))
				return rc;
			l->udp_port = (uint16_t)v;
			for (unsigned j = 0; j < cfg->n_l3vnis; j++)
				if (cfg->l3vnis[j].udp_port != l->udp_port)
					return cy_fail(
					    c, f[V_PORT].v, p,
					    "all L3VNIs share one VXLAN UDP port: %u differs "
					    "from %u (line %d)",
					    l->udp_port, cfg->l3vnis[j].udp_port,
					    cfg->l3vnis[j].line);
		} else {
			for (unsigned j = 0; j < cfg->n_l3vnis; j++)
				if (cfg->l3vnis[j].udp_port != l->udp_port)
					return cy_fail(
					    c, item, ip,
					    "all L3VNIs share one VXLAN UDP port: 4789 (the "
					    "default) differs from %u (line %d)",
					    cfg->l3vnis[j].udp_port, cfg->l3vnis[j].line);
		}
		need_vtep(c, item, ip);
		cfg->n_l3vnis++;
	}
	return 0;
}

/* OpenPERouter's anycast gateway MAC: 00:f3 followed by VNI+1 as 4 big-endian bytes. */
void cy_l2vni_default_gw_mac(uint32_t vni, struct pg_mac *m)
{
	uint32_t v = vni + 1;
	m->b[0] = 0x00;
	m->b[1] = 0xf3;
	m->b[2] = (uint8_t)(v >> 24);
	m->b[3] = (uint8_t)(v >> 16);
	m->b[4] = (uint8_t)(v >> 8);
	m->b[5] = (uint8_t)v;
}

/* Addresses a loader-made port (an IRB, a host session) gets must not overlap those of another
 * port in its VRF; what: how the error names them ("gateway", "" for a plain address). */
static int synth_overlap(struct ctx *c, yaml_node_t *n, const char *path, uint16_t vrf,
			 const struct pg_prefix *addrs, unsigned n_addrs, const char *what)
{
	const struct pg_config *cfg = c->cfg;
	char b[PG_PREFIX_FMT_LEN], b2[PG_PREFIX_FMT_LEN];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct cfg_port *o = &cfg->ports[i];
		if (o->vrf != vrf)
			continue;
		for (unsigned a = 0; a < o->n_addrs; a++)
			for (unsigned k = 0; k < n_addrs; k++)
				if (prefix_contains(&o->addrs[a], &addrs[k].ip) ||
				    prefix_contains(&addrs[k], &o->addrs[a].ip))
					return cy_fail(c, n, path,
						       "%s%s overlaps %s of port '%s' (line %d) in "
						       "the same VRF",
						       what, fmt_prefix(&addrs[k], b),
						       fmt_prefix(&o->addrs[a], b2), o->name,
						       o->line);
	}
	return 0;
}

/*
 * The routed interface of L2VNI l (cfg.l2vnis[cfg->n_l2vnis]): a port without a device, named
 * irb<VNI>, in the L2VNI's VRF with its gateway addresses and MAC, its exception path a TAP.
 */
int cy_l2vni_irb_port(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_l2vni *l)
{
	struct pg_config *cfg = c->cfg;
	struct cfg_port *port;

	if (cfg->n_ports == PG_MAX_PORTS)
		return cy_fail(c, n, path,
			       "its gateway interface would be port %u, at most %d ports allowed",
			       cfg->n_ports + 1, PG_MAX_PORTS);
	port = realloc(cfg->ports, (cfg->n_ports + 1) * sizeof(*port));
	if (!port)
		return cy_fail_nomem(c);
	cfg->ports = port;
	port = &cfg->ports[cfg->n_ports];
	memset(port, 0, sizeof(*port));
	port->line = l->line;
	snprintf(port->name, sizeof(port->name), "irb%u", l->vni);
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, port->name) == 0)
			return cy_fail(c, n, path,
				       "port '%s' (line %d) has the name of this L2VNI's gateway "
				       "interface",
				       port->name, cfg->ports[i].line);
	port->mtu = 1500;
	port->vrf = l->vrf;
	port->has_mac = true;
	port->mac = l->gw_mac;
	port->n_addrs = l->n_gw;
	memcpy(port->addrs, l->gw, l->n_gw * sizeof(l->gw[0]));
	snprintf(port->tap, sizeof(port->tap), "pg-%.12s", port->name);
	port->exception = CFG_EXC_TAP;
	port->l2vni = (int)cfg->n_l2vnis;
	port->host_session = -1;
	port->irb = true;
	int rc = synth_overlap(c, n, path, port->vrf, l->gw, l->n_gw, "gateway ");
	if (rc)
		return rc;
	l->irb_port = (int)cfg->n_ports++;
	return 0;
}

/* floodVteps: remote VTEPs that get a copy of every broadcast/unknown frame (static ingress
 * replication; EVPN type-3 routes add to it). */
static int l2vni_flood(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_l2vni *l)
{
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count > CFG_L2_FLOOD_MAX)
		return cy_fail(c, n, path, "%zu VTEPs, at most %d allowed", count,
			       CFG_L2_FLOOD_MAX);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *v = cy_node(c, items[i]);
		char ip[PATHBUF];
		struct pg_ip a;
		if ((rc = cy_get_ip(c, v, IDX(ip, path, i), AF_INET, &a)))
			return rc;
		for (unsigned k = 0; k < l->n_flood; k++)
			if (l->flood[k] == a.v4)
				return cy_fail(c, v, ip, "duplicate VTEP %s", Q(v));
		l->flood[l->n_flood++] = a.v4;
	}
	return 0;
}

enum { M_MAC, M_PORT, M_VTEP, M_N };
static const char *const l2mac_keys[M_N] = {[M_MAC] = "mac", [M_PORT] = "port", [M_VTEP] = "vtep"};

/* staticMacs: [{mac, port} | {mac, vtep}]: pinned FDB entries, never aged or moved. */
static int l2vni_macs(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_l2vni *l)
{
	const char *const *keys = l2mac_keys;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_list(c, n, path, CFG_L2_MACS_MAX, "static MACs", sizeof(*l->macs), &items,
			      &count, (void **)&l->macs)) ||
	    count == 0)
		return rc;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_l2mac *m = &l->macs[i];
		char ip[PATHBUF], p[PATHBUF];
		struct fld f[M_N];
		struct pg_ip a;

		IDX(ip, path, i);
		if ((rc = cy_get_item_map(c, item, ip, keys, M_N, f, "mac and port or vtep")) ||
		    (rc = cy_require(c, item, ip, &f[M_MAC], "mac")) ||
		    (rc = cy_get_mac(c, f[M_MAC].v, SUB(p, ip, keys[M_MAC]), &m->mac)))
			return rc;
		m->line = cy_line_of(item);
		m->port = -1;
		if (!f[M_PORT].v == !f[M_VTEP].v)
			return cy_fail(c, item, ip, "needs exactly one of port and vtep");
		if (m->mac.b[0] & 1)
			return cy_fail(c, f[M_MAC].v, p, "%s is a multicast MAC", Q(f[M_MAC].v));
		for (unsigned k = 0; k < l->n_macs; k++)
			if (memcmp(&l->macs[k].mac, &m->mac, 6) == 0)
				return cy_fail(c, f[M_MAC].v, p,
					       "duplicate MAC %s (first at line %d)", Q(f[M_MAC].v),
					       l->macs[k].line);
		if (f[M_PORT].v) {
			SUB(p, ip, keys[M_PORT]);
			if ((rc = get_port_ref(c, f[M_PORT].v, p, &m->port)))
				return rc;
			bool member = false;
			for (unsigned k = 0; k < l->n_ports; k++)
				member |= l->ports[k] == m->port;
			if (!member)
				return cy_fail(c, f[M_PORT].v, p,
					       "port %s is not in this L2VNI's ports",
					       Q(f[M_PORT].v));
		} else {
			if ((rc = cy_get_ip(c, f[M_VTEP].v, SUB(p, ip, keys[M_VTEP]), AF_INET, &a)))
				return rc;
			m->vtep = a.v4;
		}
		l->n_macs++;
	}
	return 0;
}

enum { L_VNI, L_PORTS, L_VRF, L_GW, L_GWMAC, L_PORT, L_AGE, L_IMP, L_EXP, L_FLOOD, L_MACS, L_N };
static const char *const l2vni_keys[L_N] = {
    [L_VNI] = "vni",	      [L_PORTS] = "ports",	[L_VRF] = "vrf",
    [L_GW] = "gatewayIPs",    [L_GWMAC] = "gatewayMac", [L_PORT] = "vxlanPort",
    [L_AGE] = "macAgeing",    [L_IMP] = "importRTs",	[L_EXP] = "exportRTs",
    [L_FLOOD] = "floodVteps", [L_MACS] = "staticMacs"};

static int parse_l2vnis(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = l2vni_keys;
	struct pg_config *cfg = c->cfg;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	/* L2 and L3 VNIs share the VNI table. */
	if ((rc =
		 cy_get_list(c, n, path, PG_MAX_VNIS - cfg->n_l3vnis, "L2VNIs (besides the L3VNIs)",
			     sizeof(*cfg->l2vnis), &items, &count, (void **)&cfg->l2vnis)) ||
	    count == 0)
		return rc;
	cfg->cap_l2vnis = (unsigned)count;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_l2vni *l = &cfg->l2vnis[i];
		char ip[PATHBUF], p[PATHBUF];
		struct fld f[L_N];
		unsigned v;

		IDX(ip, path, i);
		if ((rc = cy_get_item_map(c, item, ip, keys, L_N, f, "vni and ports")) ||
		    (rc = cy_require(c, item, ip, &f[L_VNI], "vni")))
			return rc;
		l->line = cy_line_of(item);
		l->udp_port = cfg->n_l3vnis ? cfg->l3vnis[0].udp_port : PG_VXLAN_PORT;
		l->mac_ageing = 300;
		SUB(p, ip, keys[L_VNI]);
		if ((rc = cy_get_uint(c, f[L_VNI].v, p, 1, 16777215, &l->vni)))
			return rc;
		for (unsigned j = 0; j < cfg->n_l3vnis; j++)
			if (cfg->l3vnis[j].vni == l->vni)
				return cy_fail(c, f[L_VNI].v, p,
					       "VNI %u is already an L3VNI (line %d)", l->vni,
					       cfg->l3vnis[j].line);
		for (unsigned j = 0; j < cfg->n_l2vnis; j++)
			if (cfg->l2vnis[j].vni == l->vni)
				return cy_fail(c, f[L_VNI].v, p,
					       "duplicate VNI %u (first at line %d)", l->vni,
					       cfg->l2vnis[j].line);
		cy_l2vni_default_gw_mac(l->vni, &l->gw_mac);
		if (f[L_PORTS].v) {
			yaml_node_item_t *pi;
			size_t pn;
			SUB(p, ip, keys[L_PORTS]);
			if ((rc = cy_get_seq(c, f[L_PORTS].v, p, &pi, &pn)))
				return rc;
			for (size_t k = 0; k < pn; k++) {
				yaml_node_t *pnode = cy_node(c, pi[k]);
				char pp[PATHBUF], name[PG_NAME_MAX];
				int idx = -1;
				IDX(pp, p, k);
				if ((rc = cy_get_string(c, pnode, pp, name, sizeof(name))))
					return rc;
				for (unsigned j = 0; j < cfg->n_ports; j++)
					if (strcmp(cfg->ports[j].name, name) == 0)
						idx = (int)j;
				if (idx < 0)
					return cy_fail(c, pnode, pp, "unknown port %s", Q(pnode));
				struct cfg_port *port = &cfg->ports[idx];
				if (port->l2vni >= 0)
					return cy_fail(c, pnode, pp,
						       "port '%s' is already in L2VNI %u (line %d)",
						       name, cfg->l2vnis[port->l2vni].vni,
						       cfg->l2vnis[port->l2vni].line);
				if (port->n_addrs)
					return cy_fail(
					    c, pnode, pp,
					    "port '%s' has addresses (line %d): a bridged port has "
					    "none (the L2VNI's gatewayIPs are its router "
					    "addresses)",
					    name, port->line);
				if (port->vrf != PG_VRF_DEFAULT)
					return cy_fail(
					    c, pnode, pp,
					    "port '%s' has a vrf (line %d): a bridged port takes "
					    "the L2VNI's",
					    name, port->line);
				port->l2vni = (int)cfg->n_l2vnis;
				l->ports[l->n_ports++] = (uint16_t)idx;
			}
		}
		if (f[L_VRF].v) {
			SUB(p, ip, keys[L_VRF]);
			if ((rc = get_vrf_ref(c, f[L_VRF].v, p, &l->vrf)))
				return rc;
			l->has_vrf = true;
		}
		if (f[L_GW].v) {
			yaml_node_item_t *gi;
			size_t gn;
			SUB(p, ip, keys[L_GW]);
			if (!l->has_vrf)
				return cy_fail(
				    c, f[L_GW].v, p,
				    "gateway addresses need the L2VNI to be routed: set vrf");
			if ((rc = cy_get_seq(c, f[L_GW].v, p, &gi, &gn)))
				return rc;
			if (gn > 2)
				return cy_fail(
				    c, f[L_GW].v, p,
				    "%zu gateway addresses, at most one IPv4 and one IPv6", gn);
			for (size_t k = 0; k < gn; k++) {
				yaml_node_t *gnode = cy_node(c, gi[k]);
				char gp[PATHBUF];
				IDX(gp, p, k);
				if ((rc = cy_get_prefix(c, gnode, gp, false, &l->gw[k])))
					return rc;
				if (k == 1 && l->gw[0].ip.family == l->gw[1].ip.family)
					return cy_fail(
					    c, gnode, gp,
					    "two %s gateway addresses: at most one IPv4 and one "
					    "IPv6",
					    l->gw[1].ip.family == AF_INET ? "IPv4" : "IPv6");
				l->n_gw++;
			}
		}
		if (f[L_GWMAC].v &&
		    (rc = cy_get_mac(c, f[L_GWMAC].v, SUB(p, ip, keys[L_GWMAC]), &l->gw_mac)))
			return rc;
		if (f[L_PORT].v) {
			if ((rc = cy_get_uint(c, f[L_PORT].v, SUB(p, ip, keys[L_PORT]), 1, 65535,
					      &v)))
				return rc;
			uint16_t want = cfg->n_l3vnis	? cfg->l3vnis[0].udp_port
					: cfg->n_l2vnis ? cfg->l2vnis[0].udp_port
							: (uint16_t)v;
			if (v != want)
				return cy_fail(
				    c, f[L_PORT].v, p,
				    "all VNIs share one VXLAN UDP port: %u differs from %u", v,
				    want);
			l->udp_port = (uint16_t)v;
		}
		if (f[L_AGE].v && (rc = cy_get_uint(c, f[L_AGE].v, SUB(p, ip, keys[L_AGE]), 0,
						    86400, &l->mac_ageing)))
			return rc;
		if (f[L_IMP].v && (rc = cy_get_rts(c, f[L_IMP].v, SUB(p, ip, keys[L_IMP]),
						   l->import_rts, &l->n_import_rts)))
			return rc;
		if (f[L_EXP].v && (rc = cy_get_rts(c, f[L_EXP].v, SUB(p, ip, keys[L_EXP]),
						   l->export_rts, &l->n_export_rts)))
			return rc;
		if (f[L_FLOOD].v &&
		    (rc = l2vni_flood(c, f[L_FLOOD].v, SUB(p, ip, keys[L_FLOOD]), l)))
			return rc;
		if (f[L_MACS].v && (rc = l2vni_macs(c, f[L_MACS].v, SUB(p, ip, keys[L_MACS]), l)))
			return rc;
		need_vtep(c, item, ip);
		l->irb_port = -1;
		if (l->has_vrf) {
			if (!l->n_gw)
				return cy_fail(
				    c, f[L_VRF].v, SUB(p, ip, keys[L_VRF]),
				    "a routed L2VNI needs gatewayIPs (its anycast gateway "
				    "addresses)");
			if ((rc = cy_l2vni_irb_port(c, item, ip, l)))
				return rc;
		}
		cfg->n_l2vnis++;
	}
	return 0;
}

enum { T_TYPE, T_REMOTE, T_VRF, T_N };
static const char *const tunnel_keys[T_N] = {
    [T_TYPE] = "type", [T_REMOTE] = "remote", [T_VRF] = "vrf"};
static const char *const tunnel_types[] = {"vxlan", "ipip"};

static int parse_tunnels(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = tunnel_keys;
	struct pg_config *cfg = c->cfg;
	struct dupset seen = {0};
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_list(c, n, path, SIZE_MAX, "tunnels", sizeof(*cfg->tunnels), &items,
			      &count, (void **)&cfg->tunnels)) ||
	    count == 0)
		return rc;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_tunnel *t = &cfg->tunnels[i];
		char ip[PATHBUF], p[PATHBUF];
		uint8_t key[DUPKEY];
		struct fld f[T_N];
		size_t first;
		int v = 0;

		IDX(ip, path, i);
		rc = cy_is_null(item)
			 ? cy_fail(c, item, ip, "expected a mapping with type and remote, got null")
			 : cy_get_map(c, item, ip, keys, T_N, f);
		if (!rc && !(rc = cy_require(c, item, ip, &f[T_TYPE], "type")))
			rc = cy_require(c, item, ip, &f[T_REMOTE], "remote");
		if (rc)
			goto out;
		t->line = cy_line_of(item);
		if ((rc = cy_get_enum(c, f[T_TYPE].v, SUB(p, ip, keys[T_TYPE]), tunnel_types, 2,
				      &v)))
			goto out;
		t->type = v == 0 ? CFG_TUNNEL_VXLAN : CFG_TUNNEL_IPIP;
		SUB(p, ip, keys[T_REMOTE]);
		if ((rc = cy_get_ip(c, f[T_REMOTE].v, p, AF_INET, &t->remote)))
			goto out;
		ip_key(key, (unsigned)t->type, &t->remote, 32);
		rc = dupset_add(&seen, key, i, &first);
		if (rc < 0) {
			rc = cy_fail_nomem(c);
			goto out;
		}
		if (rc) {
			rc = cy_fail(c, f[T_REMOTE].v, p,
				     "duplicate %s tunnel to %s (first at line %d)",
				     tunnel_types[v], Q(f[T_REMOTE].v), cfg->tunnels[first].line);
			goto out;
		}
		t->vrf = PG_VRF_DEFAULT;
		if (f[T_VRF].v) {
			SUB(p, ip, keys[T_VRF]);
			if (t->type != CFG_TUNNEL_IPIP) {
				rc = cy_fail(
				    c, f[T_VRF].v, p,
				    "only allowed with type: ipip (VXLAN takes the VRF from "
				    "the L3VNI)");
				goto out;
			}
			if ((rc = get_vrf_ref(c, f[T_VRF].v, p, &t->vrf)))
				goto out;
		}
		need_vtep(c, item, ip);
		cfg->n_tunnels++;
	}
	rc = 0;
out:
	dupset_free(&seen);
	return rc;
}

/* Route and next hop keys share the indices below. */
enum { NH_VIA, NH_PORT, NH_VXLAN, NH_IPIP, NH_BLACKHOLE, NH_NEXTHOPS, R_PREFIX, R_VRF, R_N };
static const char *const route_keys[R_N] = {
    [NH_VIA] = "via",
    [NH_PORT] = "port",
    [NH_VXLAN] = "vxlan",
    [NH_IPIP] = "ipip",
    [NH_BLACKHOLE] = "blackhole",
    [NH_NEXTHOPS] = "nexthops",
    [R_PREFIX] = "prefix",
    [R_VRF] = "vrf",
};

/* Exactly one of the alternatives among f[0..n); returns its index. */
static int exactly_one(struct ctx *c, yaml_node_t *map, const char *path, const struct fld *f,
		       size_t n, int *which)
{
	char alts[128];
	size_t o = 0;

	/* "port" is not an alternative; blackhole is not one inside nexthops */
	alts[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (i != NH_PORT && (i != NH_BLACKHOLE || n > NH_NEXTHOPS))
			o += (size_t)snprintf(alts + o, sizeof(alts) - o, "%s%s", o ? ", " : "",
					      route_keys[i]);
	*which = -1;
	for (size_t i = 0; i < n; i++) {
		if (i == NH_PORT || !f[i].v)
			continue;
		if (*which >= 0) {
			/* report at the later of the two keys */
			const struct fld *a = &f[*which], *b = &f[i];
			bool b_later = b->k->start_mark.index > a->k->start_mark.index;
			const struct fld *later = b_later ? b : a;
			return cy_fail(
			    c, later->k, path,
			    "'%s' and '%s' are mutually exclusive (use exactly one of: %s)",
			    route_keys[b_later ? (size_t)*which : i],
			    route_keys[b_later ? i : (size_t)*which], alts);
		}
		*which = (int)i;
	}
	if (*which < 0)
		return cy_fail(c, map, path, "needs a next hop: exactly one of %s", alts);
	return 0;
}

enum { X_REMOTE, X_VNI, X_RMAC, X_N };
static const char *const vxlan_nh_keys[X_N] = {
    [X_REMOTE] = "remote", [X_VNI] = "vni", [X_RMAC] = "routerMac"};

static int parse_vxlan_nh(struct ctx *c, yaml_node_t *n, const char *path, uint16_t vrf,
			  struct cfg_nexthop *nh)
{
	const char *const *keys = vxlan_nh_keys;
	struct pg_config *cfg = c->cfg;
	struct fld f[X_N];
	char p[PATHBUF];
	int rc;

	if (cy_is_null(n))
		return cy_fail(c, n, path,
			       "expected a mapping with remote, vni and routerMac, got null");
	if ((rc = cy_get_map(c, n, path, keys, X_N, f)))
		return rc;
	for (int i = 0; i < X_N; i++)
		if ((rc = cy_require(c, n, path, &f[i], keys[i])))
			return rc;
	nh->kind = CFG_NH_VXLAN;
	if ((rc = cy_get_ip(c, f[X_REMOTE].v, SUB(p, path, keys[X_REMOTE]), AF_INET, &nh->ip)))
		return rc;
	SUB(p, path, keys[X_VNI]);
	if ((rc = cy_get_uint(c, f[X_VNI].v, p, 1, 16777215, &nh->vni)))
		return rc;
	const struct cfg_l3vni *l = NULL;
	for (unsigned i = 0; i < cfg->n_l3vnis; i++)
		if (cfg->l3vnis[i].vni == nh->vni)
			l = &cfg->l3vnis[i];
	if (!l) {
		char list[128];
		size_t o = 0;
		for (unsigned i = 0; i < cfg->n_l3vnis && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%u", i ? ", " : "",
					      cfg->l3vnis[i].vni);
		return cy_fail(c, f[X_VNI].v, p, "%u is not a configured L3VNI (configured: %s)",
			       nh->vni, o ? list : "none");
	}
	if (l->vrf != vrf)
		return cy_fail(c, f[X_VNI].v, p,
			       "L3VNI %u belongs to VRF '%s', but the route is in VRF '%s'",
			       nh->vni, cfg->vrfs[l->vrf].name, cfg->vrfs[vrf].name);
	if ((rc = cy_get_mac(c, f[X_RMAC].v, SUB(p, path, keys[X_RMAC]), &nh->rmac)))
		return rc;
	return 0;
}

static const char *const ipip_nh_keys[] = {"remote"};

static int parse_ipip_nh(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_nexthop *nh)
{
	const char *const *keys = ipip_nh_keys;
	struct fld f[1];
	char p[PATHBUF];
	int rc;

	if (cy_is_null(n))
		return cy_fail(c, n, path, "expected a mapping with remote, got null");
	if ((rc = cy_get_map(c, n, path, keys, 1, f)) ||
	    (rc = cy_require(c, n, path, &f[0], "remote")))
		return rc;
	nh->kind = CFG_NH_IPIP;
	return cy_get_ip(c, f[0].v, SUB(p, path, keys[0]), AF_INET, &nh->ip);
}

/* One next hop from the via/port/vxlan/ipip keys of map (f indexed like route_keys). */
static int parse_nh(struct ctx *c, yaml_node_t *map, const char *path, const struct fld *f,
		    int which, const struct cfg_route *r, struct cfg_nexthop *nh)
{
	const struct pg_config *cfg = c->cfg;
	char p[PATHBUF], buf[PG_PREFIX_FMT_LEN];
	int rc;

	nh->line = cy_line_of(f[which].v);
	nh->port = -1;
	if (which != NH_VIA && f[NH_PORT].v)
		return cy_fail(c, f[NH_PORT].k, SUB(p, path, "port"),
			       "only allowed with via (not with %s)", route_keys[which]);
	switch (which) {
	case NH_VIA:
		nh->kind = CFG_NH_VIA;
		SUB(p, path, "via");
		if ((rc = cy_get_ip(c, f[NH_VIA].v, p, 0, &nh->ip)))
			return rc;
		if (nh->ip.family != r->prefix.ip.family)
			return cy_fail(c, f[NH_VIA].v, p,
				       "gateway %s is %s but the prefix %s is %s", Q(f[NH_VIA].v),
				       cy_family_name(nh->ip.family), fmt_prefix(&r->prefix, buf),
				       cy_family_name(r->prefix.ip.family));
		for (unsigned i = 0; i < cfg->n_ports; i++) {
			const struct cfg_port *port = &cfg->ports[i];
			for (unsigned j = 0; j < port->n_addrs; j++)
				if (port->vrf == r->vrf && ip_equal(&port->addrs[j].ip, &nh->ip))
					return cy_fail(c, f[NH_VIA].v, p,
						       "gateway %s is our own address on port '%s'",
						       Q(f[NH_VIA].v), port->name);
		}
		if (f[NH_PORT].v) {
			SUB(p, path, "port");
			if ((rc = get_port_ref(c, f[NH_PORT].v, p, &nh->port)))
				return rc;
			const struct cfg_port *port = &cfg->ports[nh->port];
			if (port->vrf != r->vrf)
				return cy_fail(
				    c, f[NH_PORT].v, p,
				    "port '%s' is in VRF '%s', but the route is in VRF '%s'",
				    port->name, cfg->vrfs[port->vrf].name, cfg->vrfs[r->vrf].name);
		} else {
			bool connected = false;
			for (unsigned i = 0; i < cfg->n_ports && !connected; i++) {
				const struct cfg_port *port = &cfg->ports[i];
				if (port->vrf != r->vrf)
					continue;
				for (unsigned j = 0; j < port->n_addrs; j++)
					connected |= prefix_contains(&port->addrs[j], &nh->ip);
			}
			if (!connected)
				return cy_fail(
				    c, f[NH_VIA].v, p,
				    "gateway %s is not in a connected subnet of VRF '%s' "
				    "(add port: to name the port)",
				    Q(f[NH_VIA].v), cfg->vrfs[r->vrf].name);
		}
		return 0;
	case NH_VXLAN:
		need_vtep(c, f[NH_VXLAN].k, SUB(p, path, "vxlan"));
		return parse_vxlan_nh(c, f[NH_VXLAN].v, p, r->vrf, nh);
	case NH_IPIP:
		need_vtep(c, f[NH_IPIP].k, SUB(p, path, "ipip"));
		if (r->prefix.ip.family != AF_INET)
			return cy_fail(c, f[NH_IPIP].k, p,
				       "IPIP carries IPv4 only, but the prefix %s is IPv6",
				       fmt_prefix(&r->prefix, buf));
		return parse_ipip_nh(c, f[NH_IPIP].v, p, nh);
	}
	return cy_fail(c, map, path, "internal error: bad next hop kind");
}

static bool nh_equal(const struct cfg_nexthop *a, const struct cfg_nexthop *b)
{
	return a->kind == b->kind && ip_equal(&a->ip, &b->ip) && a->port == b->port &&
	       (a->kind != CFG_NH_VXLAN ||
		(a->vni == b->vni && memcmp(&a->rmac, &b->rmac, sizeof(a->rmac)) == 0));
}

static int parse_ecmp(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_route *r)
{
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count < 2 || count > PG_ECMP_MAX)
		return cy_fail(c, n, path,
			       "expected 2..%d next hops, got %zu (for one, put via, vxlan or ipip "
			       "on the route itself)",
			       PG_ECMP_MAX, count);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_nexthop *nh = &r->nh[i];
		char ip[PATHBUF];
		struct fld f[NH_NEXTHOPS];
		int which;

		IDX(ip, path, i);
		if (cy_is_null(item))
			return cy_fail(c, item, ip,
				       "expected a mapping with via, vxlan or ipip, got null");
		/* the item keys are the first NH_NEXTHOPS route keys */
		if ((rc = cy_get_map(c, item, ip, route_keys, NH_NEXTHOPS, f)))
			return rc;
		if (f[NH_BLACKHOLE].v)
			return cy_fail(
			    c, f[NH_BLACKHOLE].k, ip,
			    "blackhole is not allowed in nexthops (make the whole route a "
			    "blackhole)");
		if ((rc = exactly_one(c, item, ip, f, NH_NEXTHOPS, &which)))
			return rc;
		if ((rc = parse_nh(c, item, ip, f, which, r, nh)))
			return rc;
		nh->line = cy_line_of(item);
		for (size_t j = 0; j < i; j++)
			if (nh_equal(&r->nh[j], nh))
				return cy_fail(c, item, ip, "same next hop as %s[%zu]", path, j);
		r->n_nh++;
	}
	return 0;
}

static int parse_route(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_route *r)
{
	struct fld f[R_N];
	char p[PATHBUF];
	int rc, which;

	if (cy_is_null(n))
		return cy_fail(c, n, path,
			       "expected a mapping with prefix and a next hop, got null");
	if ((rc = cy_get_map(c, n, path, route_keys, R_N, f)))
		return rc;
	if ((rc = cy_require(c, n, path, &f[R_PREFIX], "prefix")))
		return rc;
	r->line = cy_line_of(n);
	if ((rc = cy_get_prefix(c, f[R_PREFIX].v, SUB(p, path, "prefix"), true, &r->prefix)))
		return rc;
	if ((rc = get_vrf_ref(c, f[R_VRF].v, SUB(p, path, "vrf"), &r->vrf)))
		return rc;
	if (f[NH_BLACKHOLE].v) {
		bool b = false;
		if ((rc = cy_get_bool(c, f[NH_BLACKHOLE].v, SUB(p, path, "blackhole"), &b)))
			return rc;
		if (!b) /* blackhole: false is the same as no blackhole key */
			f[NH_BLACKHOLE].k = f[NH_BLACKHOLE].v = NULL;
	}
	if ((rc = exactly_one(c, n, path, f, NH_NEXTHOPS + 1, &which)))
		return rc;
	if (which == NH_NEXTHOPS) {
		if (f[NH_PORT].v)
			return cy_fail(c, f[NH_PORT].k, SUB(p, path, "port"),
				       "only allowed with via (put it inside the nexthops items)");
		return parse_ecmp(c, f[NH_NEXTHOPS].v, SUB(p, path, "nexthops"), r);
	}
	if (which == NH_BLACKHOLE) {
		if (f[NH_PORT].v)
			return cy_fail(c, f[NH_PORT].k, SUB(p, path, "port"),
				       "only allowed with via (not with blackhole)");
		r->nh[0].line = cy_line_of(f[NH_BLACKHOLE].v);
		r->nh[0].kind = CFG_NH_BLACKHOLE;
		r->nh[0].port = -1;
		r->n_nh = 1;
		return 0;
	}
	if ((rc = parse_nh(c, n, path, f, which, r, &r->nh[0])))
		return rc;
	r->n_nh = 1;
	return 0;
}

static int parse_routes(struct ctx *c, yaml_node_t *n, const char *path)
{
	struct pg_config *cfg = c->cfg;
	struct dupset seen = {0};
	yaml_node_item_t *items;
	size_t count;
	int rc = 0;

	if ((rc = cy_get_list(c, n, path, SIZE_MAX, "routes", sizeof(*cfg->routes), &items, &count,
			      (void **)&cfg->routes)) ||
	    count == 0)
		return rc;
	for (size_t i = 0; i < count; i++) {
		struct cfg_route *r = &cfg->routes[i];
		yaml_node_t *item = cy_node(c, items[i]);
		char ip[PATHBUF], buf[PG_PREFIX_FMT_LEN];
		uint8_t key[DUPKEY];
		size_t first;

		if ((rc = parse_route(c, item, IDX(ip, path, i), r)))
			break;
		ip_key(key, r->vrf, &r->prefix.ip, r->prefix.len);
		rc = dupset_add(&seen, key, i, &first);
		if (rc < 0) {
			rc = cy_fail_nomem(c);
			break;
		}
		if (rc) {
			char p[PATHBUF];
			const yaml_node_t *pn = item;
			/* point at the prefix value */
			for (yaml_node_pair_t *pp = item->data.mapping.pairs.start;
			     pp < item->data.mapping.pairs.top; pp++)
				if (cy_scalar_is(cy_node(c, pp->key), "prefix"))
					pn = cy_node(c, pp->value);
			rc = cy_fail(c, pn, SUB(p, ip, "prefix"),
				     "duplicate route %s in VRF '%s' (first at line %d)",
				     fmt_prefix(&r->prefix, buf), cfg->vrfs[r->vrf].name,
				     cfg->routes[first].line);
			break;
		}
		cfg->n_routes++;
	}
	dupset_free(&seen);
	return rc;
}

enum { N_IP, N_MAC, N_PORT, N_N };
static const char *const neighbor_keys[N_N] = {[N_IP] = "ip", [N_MAC] = "mac", [N_PORT] = "port"};

static int parse_neighbors(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = neighbor_keys;
	struct pg_config *cfg = c->cfg;
	struct dupset seen = {0};
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_list(c, n, path, SIZE_MAX, "neighbors", sizeof(*cfg->neighbors), &items,
			      &count, (void **)&cfg->neighbors)) ||
	    count == 0)
		return rc;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_neighbor *nb = &cfg->neighbors[i];
		char ip[PATHBUF], p[PATHBUF];
		uint8_t key[DUPKEY];
		struct fld f[N_N];
		size_t first;

		IDX(ip, path, i);
		rc =
		    cy_is_null(item)
			? cy_fail(c, item, ip, "expected a mapping with ip, mac and port, got null")
			: cy_get_map(c, item, ip, keys, N_N, f);
		for (int k = 0; k < N_N && !rc; k++)
			rc = cy_require(c, item, ip, &f[k], keys[k]);
		if (rc)
			goto out;
		nb->line = cy_line_of(item);
		if ((rc = cy_get_ip(c, f[N_IP].v, SUB(p, ip, keys[N_IP]), 0, &nb->ip)) ||
		    (rc = cy_get_mac(c, f[N_MAC].v, SUB(p, ip, keys[N_MAC]), &nb->mac)) ||
		    (rc = get_port_ref(c, f[N_PORT].v, SUB(p, ip, keys[N_PORT]), &nb->port)))
			goto out;
		ip_key(key, (unsigned)nb->port, &nb->ip, 0);
		rc = dupset_add(&seen, key, i, &first);
		if (rc < 0) {
			rc = cy_fail_nomem(c);
			goto out;
		}
		if (rc) {
			rc = cy_fail(c, f[N_IP].v, SUB(p, ip, keys[N_IP]),
				     "duplicate neighbor %s on port '%s' (first at line %d)",
				     Q(f[N_IP].v), cfg->ports[nb->port].name,
				     cfg->neighbors[first].line);
			goto out;
		}
		cfg->n_neighbors++;
	}
	rc = 0;
out:
	dupset_free(&seen);
	return rc;
}

/* --------------------------------------------------------------------------------------------
 * BGP (spec.bgp)
 */

#define BGP_AS_TRANS 23456 /* RFC 6793: the 2-byte stand-in for 4-byte AS numbers */

static const char *const bgp_af_names[] = {"ipv4-unicast", "ipv6-unicast", "l2vpn-evpn"};

/* An AS number: 1..4294967295, not AS_TRANS. */
int cy_get_asn(struct ctx *c, yaml_node_t *n, const char *path, uint32_t *out)
{
	unsigned v;
	int rc = cy_get_uint(c, n, path, 1, UINT32_MAX, &v);

	if (rc)
		return rc;
	if (v == BGP_AS_TRANS)
		return cy_fail(c, n, path,
			       "%u is AS_TRANS (RFC 6793), not usable as an AS number (allowed: "
			       "1..4294967295 except %u)",
			       v, BGP_AS_TRANS);
	*out = v;
	return 0;
}

/* "90s", "1m30s", "2h": components h, m, s in that order, each at most once; whole seconds. */
bool cy_parse_duration(const char *s, unsigned long long *out)
{
	static const struct {
		char unit;
		unsigned mult;
	} units[] = {{'h', 3600}, {'m', 60}, {'s', 1}};
	unsigned long long total = 0;
	size_t next = 0;

	if (!*s)
		return false;
	while (*s) {
		unsigned long long v = 0;
		const char *d = s;
		size_t u;

		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > 1000000000ull)
				return false;
			v = v * 10 + (unsigned)(*s - '0');
		}
		if (s == d)
			return false;
		for (u = next; u < PG_ARRAY_SIZE(units) && units[u].unit != *s; u++)
			;
		if (u == PG_ARRAY_SIZE(units) || (*s == 'm' && s[1] == 's'))
			return false; /* unknown or out-of-order unit, or milliseconds */
		total += v * units[u].mult;
		next = u + 1;
		s++;
	}
	*out = total;
	return true;
}

/*
 * Seconds in min..max (or 0 when zero_ok): a plain integer or a duration of whole seconds like
 * "90s" or "1m30s" (OpenPERouter writes its timers that way).
 */
int cy_get_seconds(struct ctx *c, yaml_node_t *n, const char *path, unsigned min, unsigned max,
		   bool zero_ok, uint16_t *out)
{
	unsigned long long v = 0;
	const char *s = NULL;
	char allowed[64];
	bool digits = true;

	snprintf(allowed, sizeof(allowed), "%s%u..%u seconds", zero_ok ? "0 or " : "", min, max);
	if (cy_get_scalar(c, n, path, "seconds (an integer or a duration like \"90s\")", &s))
		return -EINVAL;
	for (const char *p = s; *p; p++)
		digits &= *p >= '0' && *p <= '9';
	if (digits && *s) {
		if (!cy_parse_decimal(s, &v))
			return cy_fail(c, n, path, "%s is out of range (allowed: %s)", Q(n),
				       allowed);
		if ((v < min || v > max) && !(zero_ok && v == 0))
			return cy_fail(c, n, path, "%llu is out of range (allowed: %s)", v,
				       allowed);
	} else {
		if (!cy_parse_duration(s, &v))
			return cy_fail(c, n, path,
				       "expected seconds: an integer or a duration like \"90s\" or "
				       "\"1m30s\" (units h, m, s), got %s",
				       Q(n));
		if ((v < min || v > max) && !(zero_ok && v == 0))
			return cy_fail(c, n, path, "%s is %llu seconds, out of range (allowed: %s)",
				       Q(n), v, allowed);
	}
	*out = (uint16_t)v;
	return 0;
}

/* ebgpMultiHop: true (TTL 255), false (default TTL, 0) or a TTL 1..255. */
int cy_get_multihop(struct ctx *c, yaml_node_t *n, const char *path, uint8_t *ttl)
{
	const char *allowed = "true, false or an integer 1..255 (the TTL)";
	unsigned long long v;
	const char *s = NULL;
	bool b;

	if (cy_bool_value(n, &b)) {
		*ttl = b ? 255 : 0;
		return 0;
	}
	if (cy_get_scalar(c, n, path, allowed, &s))
		return -EINVAL;
	if (!cy_parse_decimal(s, &v)) {
		bool digits = *s != '\0';
		for (const char *p = s; *p; p++)
			digits &= *p >= '0' && *p <= '9';
		if (!digits)
			return cy_fail(c, n, path, "expected %s, got %s", allowed, Q(n));
		return cy_fail(c, n, path, "%s is out of range (allowed: %s)", Q(n), allowed);
	}
	if (v < 1 || v > 255)
		return cy_fail(c, n, path, "%llu is out of range (allowed: %s)", v, allowed);
	*ttl = (uint8_t)v;
	return 0;
}

/* The TCP MD5 key: 1..79 characters. Never quoted back in messages. */
int cy_get_password(struct ctx *c, yaml_node_t *n, const char *path, char *dst, size_t size)
{
	const char *s = NULL;
	size_t len;

	if (cy_get_scalar(c, n, path, "a string", &s))
		return -EINVAL;
	len = strlen(s);
	if (len == 0)
		return cy_fail(c, n, path, "must not be empty (leave password out for none)");
	if (len >= size)
		return cy_fail(
		    c, n, path,
		    "is too long: %zu characters (allowed: 1..%zu; the TCP MD5 key limit is "
		    "%zu bytes)",
		    len, size - 1, size);
	pg_strlcpy(dst, s, size);
	return 0;
}

static int parse_bgp_families(struct ctx *c, yaml_node_t *n, const char *path, uint32_t *out)
{
	char allowed[128];
	yaml_node_item_t *items;
	size_t count;
	int rc;

	cy_join(bgp_af_names, PG_ARRAY_SIZE(bgp_af_names), allowed, sizeof(allowed));
	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count == 0)
		return cy_fail(c, n, path, "at least one family is required (allowed: %s)",
			       allowed);
	*out = 0;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		char ip[PATHBUF];
		int af = 0;

		IDX(ip, path, i);
		if ((rc = cy_get_enum(c, item, ip, bgp_af_names, PG_ARRAY_SIZE(bgp_af_names), &af)))
			return rc;
		if (*out & (1u << af)) {
			size_t j = 0;
			while (j < i && !cy_scalar_is(cy_node(c, items[j]), bgp_af_names[af]))
				j++;
			return cy_fail(c, item, ip, "duplicate family '%s' (also %s[%zu])",
				       bgp_af_names[af], path, j);
		}
		*out |= 1u << af;
	}
	return 0;
}

/* An address of one of our ports (any VRF), or NULL. */
const struct cfg_port *cy_own_address(const struct pg_config *cfg, const struct pg_ip *ip)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		for (unsigned j = 0; j < cfg->ports[i].n_addrs; j++)
			if (ip_equal(&cfg->ports[i].addrs[j].ip, ip))
				return &cfg->ports[i];
	return NULL;
}

bool cy_is_loopback(const struct pg_config *cfg, const struct pg_ip *ip)
{
	for (unsigned i = 0; i < cfg->n_loopbacks; i++)
		if (ip_equal(&cfg->loopbacks[i], ip))
			return true;
	return false;
}

/* A unicast address a session can be opened to. NULL if fine, else what is wrong. */
const char *cy_bad_peer_address(const struct pg_ip *ip)
{
	if (ip->family == AF_INET) {
		uint32_t a = ntohl(ip->v4);
		if (a == 0)
			return "the unspecified address";
		if ((a >> 28) == 0xe)
			return "a multicast address";
		if (a == 0xffffffffu)
			return "the broadcast address";
		if ((a >> 24) == 127)
			return "a loopback address";
		return NULL;
	}
	static const uint8_t zero[16], one[16] = {[15] = 1};
	if (!memcmp(ip->v6, zero, 16))
		return "the unspecified address";
	if (!memcmp(ip->v6, one, 16))
		return "the loopback address";
	if (ip->v6[0] == 0xff)
		return "a multicast address";
	if (ip->v6[0] == 0xfe && (ip->v6[1] & 0xc0) == 0x80)
		return "a link-local address (sessions over link-local addresses need an "
		       "interface, "
		       "which is not supported)";
	return NULL;
}

enum {
	BN_ADDR,
	BN_ASN,
	BN_LASN,
	BN_PASSIVE,
	BN_SHUT,
	BN_USRC,
	BN_MHOP,
	BN_PW,
	BN_HOLD,
	BN_KA,
	BN_CONN,
	BN_FAM,
	BN_DESC,
	BN_TYPE,
	BN_PORT,
	BN_ALLOWAS,
	BN_IMPORT,
	BN_EXPORT,
	BN_DEFORIG,
	BN_ASOVR,
	BN_N
};

static const char *const bgp_neighbor_keys[BN_N] = {
    [BN_ADDR] = "address",
    [BN_ASN] = "asn",
    [BN_LASN] = "localAsn",
    [BN_PASSIVE] = "passive",
    [BN_SHUT] = "shutdown",
    [BN_USRC] = "updateSource",
    [BN_MHOP] = "ebgpMultiHop",
    [BN_PW] = "password",
    [BN_HOLD] = "holdTime",
    [BN_KA] = "keepaliveTime",
    [BN_CONN] = "connectTime",
    [BN_FAM] = "families",
    [BN_DESC] = "description",
    [BN_TYPE] = "type",
    [BN_PORT] = "port",
    [BN_ALLOWAS] = "allowAsIn",
    [BN_IMPORT] = "importPolicy",
    [BN_EXPORT] = "exportPolicy",
    [BN_DEFORIG] = "defaultOriginate",
    [BN_ASOVR] = "asOverride",
};
static const char *const peer_type_names[] = {"external", "internal"};
static int parse_chain(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_chain *ch);

/*
 * One neighbor; f[] is filled for the caller's duplicate check. ka_explicit: spec.bgp.keepaliveTime
 * was given (then it is the default keepalive; otherwise the neighbor's hold time / 3).
 */
static int parse_bgp_neighbor(struct ctx *c, yaml_node_t *n, const char *path, bool ka_explicit,
			      struct fld f[BN_N], struct cfg_bgp_neighbor *nb)
{
	const char *const *keys = bgp_neighbor_keys;
	const struct cfg_bgp *bgp = &c->cfg->bgp;
	char p[PATHBUF], buf[PG_IP_FMT_LEN];
	const char *bad;
	int rc;

	if (cy_is_null(n))
		return cy_fail(c, n, path, "expected a mapping with address and asn, got null");
	if ((rc = cy_get_map(c, n, path, keys, BN_N, f)) ||
	    (rc = cy_require(c, n, path, &f[BN_ADDR], keys[BN_ADDR])))
		return rc;
	if (f[BN_ASN].v && f[BN_TYPE].v)
		return cy_fail(c, f[BN_TYPE].k, path,
			       "asn and type are mutually exclusive (type external/internal "
			       "accepts any AS but ours / only ours)");
	if (!f[BN_TYPE].v && (rc = cy_require(c, n, path, &f[BN_ASN], keys[BN_ASN])))
		return rc;
	nb->line = cy_line_of(n);

	SUB(p, path, keys[BN_ADDR]);
	if ((rc = cy_get_ip(c, f[BN_ADDR].v, p, 0, &nb->addr)))
		return rc;
	if ((bad = cy_bad_peer_address(&nb->addr)))
		return cy_fail(c, f[BN_ADDR].v, p,
			       "%s is %s (allowed: a unicast IPv4 or IPv6 address)",
			       Q(f[BN_ADDR].v), bad);
	const struct cfg_port *own = cy_own_address(c->cfg, &nb->addr);
	if (own)
		return cy_fail(c, f[BN_ADDR].v, p, "%s is our own address on port '%s' (line %d)",
			       Q(f[BN_ADDR].v), own->name, own->line);
	if (cy_is_loopback(c->cfg, &nb->addr))
		return cy_fail(c, f[BN_ADDR].v, p, "%s is our own address (spec.loopbacks)",
			       Q(f[BN_ADDR].v));

	if (f[BN_TYPE].v) {
		int t = 0;
		if ((rc = cy_get_enum(c, f[BN_TYPE].v, SUB(p, path, keys[BN_TYPE]), peer_type_names,
				      2, &t)))
			return rc;
		nb->type = t ? CFG_PEER_INTERNAL : CFG_PEER_EXTERNAL;
	} else if ((rc = cy_get_asn(c, f[BN_ASN].v, SUB(p, path, keys[BN_ASN]), &nb->asn))) {
		return rc;
	}
	nb->port = 179;
	if (f[BN_PORT].v) {
		unsigned v;
		if ((rc = cy_get_uint(c, f[BN_PORT].v, SUB(p, path, keys[BN_PORT]), 1, 65535, &v)))
			return rc;
		nb->port = (uint16_t)v;
	}
	if (f[BN_LASN].v &&
	    (rc = cy_get_asn(c, f[BN_LASN].v, SUB(p, path, keys[BN_LASN]), &nb->local_asn)))
		return rc;
	if (f[BN_PASSIVE].v &&
	    (rc = cy_get_bool(c, f[BN_PASSIVE].v, SUB(p, path, keys[BN_PASSIVE]), &nb->passive)))
		return rc;
	if (nb->passive && bgp->listen_port == 0)
		return cy_fail(c, f[BN_PASSIVE].v, p,
			       "a passive neighbor never comes up with spec.bgp.listenPort 0 (not "
			       "listening)");
	if (f[BN_SHUT].v &&
	    (rc = cy_get_bool(c, f[BN_SHUT].v, SUB(p, path, keys[BN_SHUT]), &nb->shutdown)))
		return rc;

	if (f[BN_USRC].v) {
		SUB(p, path, keys[BN_USRC]);
		if ((rc = cy_get_ip(c, f[BN_USRC].v, p, 0, &nb->update_source)))
			return rc;
		if (nb->update_source.family != nb->addr.family)
			return cy_fail(c, f[BN_USRC].v, p,
				       "%s is %s but the neighbor address %s is %s (allowed: an %s "
				       "address of a port)",
				       Q(f[BN_USRC].v), cy_family_name(nb->update_source.family),
				       fmt_ip(&nb->addr, buf), cy_family_name(nb->addr.family),
				       cy_family_name(nb->addr.family));
		if (!cy_own_address(c->cfg, &nb->update_source) &&
		    !cy_is_loopback(c->cfg, &nb->update_source))
			return cy_fail(
			    c, f[BN_USRC].v, p,
			    "%s is not an address of any port or loopback (allowed: an address "
			    "from the ports' addresses or spec.loopbacks)",
			    Q(f[BN_USRC].v));
	}
	if (f[BN_MHOP].v &&
	    (rc = cy_get_multihop(c, f[BN_MHOP].v, SUB(p, path, keys[BN_MHOP]), &nb->ttl)))
		return rc;
	if (f[BN_PW].v && (rc = cy_get_password(c, f[BN_PW].v, SUB(p, path, keys[BN_PW]),
						nb->password, sizeof(nb->password))))
		return rc;
	if (f[BN_ALLOWAS].v) {
		unsigned v;
		if ((rc = cy_get_uint(c, f[BN_ALLOWAS].v, SUB(p, path, keys[BN_ALLOWAS]), 0, 10,
				      &v)))
			return rc;
		nb->allowas_in = (uint8_t)v;
	}

	/* timers: default to the bgp-level values */
	nb->hold_time = bgp->hold_time;
	nb->connect_retry = bgp->connect_retry;
	if (f[BN_HOLD].v && (rc = cy_get_seconds(c, f[BN_HOLD].v, SUB(p, path, keys[BN_HOLD]), 3,
						 65535, true, &nb->hold_time)))
		return rc;
	nb->keepalive = ka_explicit ? bgp->keepalive : (uint16_t)(nb->hold_time / 3);
	if (f[BN_KA].v) {
		SUB(p, path, keys[BN_KA]);
		if ((rc = cy_get_seconds(c, f[BN_KA].v, p, 1, 65535, false, &nb->keepalive)))
			return rc;
		if (nb->hold_time && nb->keepalive > nb->hold_time)
			return cy_fail(c, f[BN_KA].v, p,
				       "%u is greater than holdTime %u (allowed: 1..holdTime, "
				       "typically holdTime/3)",
				       nb->keepalive, nb->hold_time);
	} else if (nb->hold_time && nb->keepalive > nb->hold_time) {
		return cy_fail(
		    c, f[BN_HOLD].v, SUB(p, path, keys[BN_HOLD]),
		    "%u is less than spec.bgp.keepaliveTime %u (set keepaliveTime here too, "
		    "at most holdTime)",
		    nb->hold_time, nb->keepalive);
	}
	if (f[BN_CONN].v && (rc = cy_get_seconds(c, f[BN_CONN].v, SUB(p, path, keys[BN_CONN]), 1,
						 65535, false, &nb->connect_retry)))
		return rc;

	if (f[BN_FAM].v) {
		if ((rc = parse_bgp_families(c, f[BN_FAM].v, SUB(p, path, keys[BN_FAM]),
					     &nb->families)))
			return rc;
	} else {
		nb->families = nb->addr.family == AF_INET ? CFG_BGP_AF_IPV4 : CFG_BGP_AF_IPV6;
	}
	if (f[BN_DESC].v && (rc = cy_get_string(c, f[BN_DESC].v, SUB(p, path, keys[BN_DESC]),
						nb->description, sizeof(nb->description))))
		return rc;
	if ((f[BN_IMPORT].v && (rc = parse_chain(c, f[BN_IMPORT].v, SUB(p, path, keys[BN_IMPORT]),
						 &nb->import_pol))) ||
	    (f[BN_EXPORT].v &&
	     (rc = parse_chain(c, f[BN_EXPORT].v, SUB(p, path, keys[BN_EXPORT]), &nb->export_pol))))
		return rc;
	if (f[BN_DEFORIG].v && (rc = cy_get_bool(c, f[BN_DEFORIG].v, SUB(p, path, keys[BN_DEFORIG]),
						 &nb->default_originate)))
		return rc;
	if (f[BN_ASOVR].v &&
	    (rc = cy_get_bool(c, f[BN_ASOVR].v, SUB(p, path, keys[BN_ASOVR]), &nb->as_override)))
		return rc;
	return 0;
}

static int parse_bgp_neighbors(struct ctx *c, yaml_node_t *n, const char *path, bool ka_explicit)
{
	struct cfg_bgp *bgp = &c->cfg->bgp;
	struct dupset seen = {0};
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if ((rc = cy_get_list(c, n, path, CFG_BGP_MAX_NEIGHBORS, "neighbors",
			      sizeof(*bgp->neighbors), &items, &count, (void **)&bgp->neighbors)) ||
	    count == 0)
		return rc;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct cfg_bgp_neighbor *nb = &bgp->neighbors[i];
		char ip[PATHBUF], p[PATHBUF];
		struct fld f[BN_N];
		uint8_t key[DUPKEY];
		size_t first;

		IDX(ip, path, i);
		if ((rc = parse_bgp_neighbor(c, item, ip, ka_explicit, f, nb)))
			goto out;
		ip_key(key, 0, &nb->addr, 0);
		rc = dupset_add(&seen, key, i, &first);
		if (rc < 0) {
			rc = cy_fail_nomem(c);
			goto out;
		}
		if (rc) {
			rc = cy_fail(c, f[BN_ADDR].v, SUB(p, ip, bgp_neighbor_keys[BN_ADDR]),
				     "duplicate neighbor %s (first at line %d)", Q(f[BN_ADDR].v),
				     bgp->neighbors[first].line);
			goto out;
		}
		bgp->n_neighbors++;
	}
	rc = 0;
out:
	dupset_free(&seen);
	return rc;
}

/* Default router ID: vtep, else the first IPv4 address of a port in the default VRF, else of
 * any port. */
static bool default_router_id(const struct pg_config *cfg, uint32_t *out)
{
	if (cfg->has_vtep) {
		*out = cfg->vtep.v4;
		return true;
	}
	for (int any = 0; any < 2; any++)
		for (unsigned i = 0; i < cfg->n_ports; i++) {
			const struct cfg_port *port = &cfg->ports[i];
			if (!any && port->vrf != PG_VRF_DEFAULT)
				continue;
			for (unsigned j = 0; j < port->n_addrs; j++)
				if (port->addrs[j].ip.family == AF_INET) {
					*out = port->addrs[j].ip.v4;
					return true;
				}
		}
	return false;
}

/* networks: prefixes we originate in IPv4/IPv6 unicast (like FRR's `network`). */
#define CFG_BGP_MAX_NETWORKS 4096

static int parse_bgp_networks(struct ctx *c, yaml_node_t *n, const char *path)
{
	struct cfg_bgp *bgp = &c->cfg->bgp;
	yaml_node_item_t *items;
	size_t count;
	void *arr = NULL;
	char p[PATHBUF];
	int rc;

	if ((rc = cy_get_list(c, n, path, CFG_BGP_MAX_NETWORKS, "networks", sizeof(*bgp->networks),
			      &items, &count, &arr)))
		return rc;
	bgp->networks = arr;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *it = cy_node(c, items[i]);
		struct pg_prefix *pf = &bgp->networks[i];
		cy_idxpath(p, sizeof(p), path, i);
		if ((rc = cy_get_prefix(c, it, p, true, pf)))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (bgp->networks[j].len == pf->len &&
			    ip_equal(&bgp->networks[j].ip, &pf->ip))
				return cy_fail(c, it, p, "%s is listed twice (first at index %zu)",
					       Q(it), j);
		bgp->n_networks++;
	}
	return 0;
}

static const char *vrf_name(const struct pg_config *cfg, unsigned vrf)
{
	return vrf < cfg->n_vrfs ? cfg->vrfs[vrf].name : "?";
}

/* spec.bgp.aggregates: [{prefix, vrf, summaryOnly}] */
#define CFG_BGP_MAX_AGGREGATES 256
enum { AG_PREFIX, AG_VRF, AG_SUMMARY, AG_N };
static const char *const aggregate_keys[AG_N] = {
    [AG_PREFIX] = "prefix", [AG_VRF] = "vrf", [AG_SUMMARY] = "summaryOnly"};

static int parse_bgp_aggregates(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = aggregate_keys;
	struct cfg_bgp *bgp = &c->cfg->bgp;
	yaml_node_item_t *items;
	size_t count;
	void *arr = NULL;
	char ip[PATHBUF], p[PATHBUF];
	int rc;

	if ((rc = cy_get_list(c, n, path, CFG_BGP_MAX_AGGREGATES, "aggregates",
			      sizeof(*bgp->aggregates), &items, &count, &arr)))
		return rc;
	bgp->aggregates = arr;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *it = cy_node(c, items[i]);
		struct cfg_bgp_aggregate *ag = &bgp->aggregates[i];
		struct fld f[AG_N];
		IDX(ip, path, i);
		if ((rc = cy_get_item_map(c, it, ip, keys, AG_N, f, "prefix")) ||
		    (rc = cy_require(c, it, ip, &f[AG_PREFIX], keys[AG_PREFIX])))
			return rc;
		ag->line = cy_line_of(it);
		if ((rc = cy_get_prefix(c, f[AG_PREFIX].v, SUB(p, ip, keys[AG_PREFIX]), true,
					&ag->prefix)) ||
		    (rc = get_vrf_ref(c, f[AG_VRF].v, SUB(p, ip, keys[AG_VRF]), &ag->vrf)) ||
		    (f[AG_SUMMARY].v &&
		     (rc = cy_get_bool(c, f[AG_SUMMARY].v, SUB(p, ip, keys[AG_SUMMARY]),
				       &ag->summary_only))))
			return rc;
		if (ag->prefix.len == 0)
			return cy_fail(
			    c, f[AG_PREFIX].v, SUB(p, ip, keys[AG_PREFIX]),
			    "%s covers everything (allowed: a prefix of length 1 or more; "
			    "a default route is defaultOriginate)",
			    Q(f[AG_PREFIX].v));
		for (size_t j = 0; j < i; j++)
			if (bgp->aggregates[j].vrf == ag->vrf &&
			    bgp->aggregates[j].prefix.len == ag->prefix.len &&
			    ip_equal(&bgp->aggregates[j].prefix.ip, &ag->prefix.ip))
				return cy_fail(c, f[AG_PREFIX].v, SUB(p, ip, keys[AG_PREFIX]),
					       "%s is listed twice for VRF '%s' (first at line %d)",
					       Q(f[AG_PREFIX].v), vrf_name(c->cfg, ag->vrf),
					       bgp->aggregates[j].line);
		bgp->n_aggregates++;
	}
	return 0;
}

/* --------------------------------------------------------------------------------------------
 * Routing policy (spec.bgp.prefixSets, communitySets, policies; importPolicy/exportPolicy),
 * compiled into a struct bgp_policy_db (control/bgp/bgp_policy.h)
 */

static const char *const pfx_ent_keys[] = {"prefix", "ge", "le"};
enum { PT_MATCH, PT_SET, PT_ACTION, PT_N };
static const char *const pol_term_keys[PT_N] = {
    [PT_MATCH] = "match", [PT_SET] = "set", [PT_ACTION] = "action"};
enum { PM_PFX, PM_COMM, PM_ASPATH, PM_ORIGIN, PM_FAM, PM_N };
static const char *const pol_match_keys[PM_N] = {[PM_PFX] = "prefixSet",
						 [PM_COMM] = "community",
						 [PM_ASPATH] = "asPathContains",
						 [PM_ORIGIN] = "originAs",
						 [PM_FAM] = "family"};
enum { PS_LP, PS_MED, PS_ADD, PS_REMOVE, PS_PREPEND, PS_N };
static const char *const pol_set_keys[PS_N] = {[PS_LP] = "localPref",
					       [PS_MED] = "med",
					       [PS_ADD] = "addCommunities",
					       [PS_REMOVE] = "removeCommunities",
					       [PS_PREPEND] = "prependAs"};
static const char *const pol_prepend_keys[] = {"asn", "times"};
static const char *const pol_action_names[] = {"accept", "reject", "next"};

/* The policy database of the configuration, created on first use. */
static struct bgp_policy_db *pol_db(struct ctx *c)
{
	if (!c->cfg->bgp.policies)
		c->cfg->bgp.policies = bgp_policy_db_new();
	return c->cfg->bgp.policies;
}

/* A named mapping NAME: VALUE (prefixSets, communitySets, policies): its pairs, names checked
 * (1..63 of [A-Za-z0-9_.-]) and unique. */
static int pol_named_map(struct ctx *c, yaml_node_t *n, const char *path, const char *what,
			 yaml_node_pair_t **pairs, size_t *count)
{
	*pairs = NULL;
	*count = 0;
	if (cy_is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return cy_fail(c, n, path, "expected a mapping of %s by name, got %s", what, Q(n));
	*pairs = n->data.mapping.pairs.start;
	*count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (*count > BGP_POL_MAX_SETS)
		return cy_fail(c, n, path, "%zu %s configured, at most %d allowed", *count, what,
			       BGP_POL_MAX_SETS);
	for (size_t i = 0; i < *count; i++) {
		yaml_node_t *k = cy_node(c, (*pairs)[i].key);
		const char *s;
		bool ok;
		if (!k || !cy_node(c, (*pairs)[i].value))
			return cy_fail(c, n, path, "malformed mapping");
		if (cy_get_scalar(c, k, path, "a name", &s))
			return -EINVAL;
		ok = strlen(s) >= 1 && strlen(s) < BGP_POL_NAME_MAX;
		for (const char *p = s; ok && *p; p++)
			ok = isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-';
		if (!ok)
			return cy_fail(c, k, path,
				       "%s is not a valid name (1..63 characters from A-Z a-z 0-9 "
				       "_ . -)",
				       Q(k));
		for (size_t j = 0; j < i; j++)
			if (cy_scalar_is(cy_node(c, (*pairs)[j].key), s))
				return cy_fail(c, k, path, "%s is defined twice (first at line %d)",
					       Q(k), cy_line_of(cy_node(c, (*pairs)[j].key)));
	}
	return 0;
}

/* "a, b, c" of the defined names (for messages). */
static const char *pol_names(const char *(*name)(const struct bgp_policy_db *, unsigned),
			     const struct bgp_policy_db *db, unsigned n, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < n && o + 4 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", name(db, i));
	if (!n)
		snprintf(buf, len, "none");
	else if (o >= len - 4)
		snprintf(buf + len - 4, 4, "...");
	return buf;
}
static const char *pfx_name(const struct bgp_policy_db *db, unsigned i)
{
	return db->pfx[i].name;
}
static const char *comm_name(const struct bgp_policy_db *db, unsigned i)
{
	return db->comm[i].name;
}
static const char *policy_name(const struct bgp_policy_db *db, unsigned i)
{
	return db->pol[i].name;
}

static int parse_pfx_ent(struct ctx *c, yaml_node_t *n, const char *path, struct bgp_pfx_ent *e)
{
	struct fld f[3];
	char p[PATHBUF];
	unsigned max, v;
	int rc;

	if ((rc = cy_get_item_map(c, n, path, pfx_ent_keys, 3, f, "prefix")) ||
	    (rc = cy_require(c, n, path, &f[0], "prefix")) ||
	    (rc = cy_get_prefix(c, f[0].v, SUB(p, path, "prefix"), true, &e->prefix)))
		return rc;
	max = e->prefix.ip.family == AF_INET6 ? 128 : 32;
	e->ge = e->prefix.len;
	e->le = f[1].v ? (uint8_t)max : e->prefix.len;
	if (f[1].v) {
		SUB(p, path, "ge");
		if ((rc = cy_get_uint(c, f[1].v, p, 0, max, &v)))
			return rc;
		if (v < e->prefix.len)
			return cy_fail(c, f[1].v, p,
				       "%u is less than the prefix length %u (allowed: %u..%u)", v,
				       e->prefix.len, e->prefix.len, max);
		e->ge = (uint8_t)v;
		e->has_ge = true;
	}
	if (f[2].v) {
		SUB(p, path, "le");
		if ((rc = cy_get_uint(c, f[2].v, p, 0, max, &v)))
			return rc;
		if (v < e->ge)
			return cy_fail(c, f[2].v, p, "%u is less than %s %u (allowed: %u..%u)", v,
				       f[1].v ? "ge" : "the prefix length", e->ge, e->ge, max);
		e->le = (uint8_t)v;
		e->has_le = true;
	}
	return 0;
}

static int parse_prefix_sets(struct ctx *c, yaml_node_t *n, const char *path)
{
	yaml_node_pair_t *pairs;
	size_t count;
	int rc;

	if ((rc = pol_named_map(c, n, path, "prefix sets", &pairs, &count)) || !count)
		return rc;
	struct bgp_policy_db *db = pol_db(c);
	if (!db || !(db->pfx = calloc(count, sizeof(*db->pfx))))
		return cy_fail_nomem(c);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *k = cy_node(c, pairs[i].key), *v = cy_node(c, pairs[i].value);
		struct bgp_pfx_set *s = &db->pfx[db->n_pfx++];
		yaml_node_item_t *items;
		size_t ni;
		char sp[PATHBUF], ip[PATHBUF];
		void *arr = NULL;

		pg_strlcpy(s->name, (const char *)k->data.scalar.value, sizeof(s->name));
		s->line = cy_line_of(k);
		SUB(sp, path, s->name);
		if ((rc = cy_get_list(c, v, sp, BGP_POL_MAX_PFX, "prefixes", sizeof(*s->ents),
				      &items, &ni, &arr)))
			return rc;
		s->ents = arr;
		for (size_t j = 0; j < ni; j++) {
			if ((rc = parse_pfx_ent(c, cy_node(c, items[j]), IDX(ip, sp, j),
						&s->ents[j])))
				return rc;
			s->n++;
		}
		if (bgp_pfx_set_compile(s) < 0)
			return cy_fail_nomem(c);
	}
	return 0;
}

/* A list of communities; wild: patterns allowed (removeCommunities, sets). */
static int parse_comm_list(struct ctx *c, yaml_node_t *n, const char *path, bool wild,
			   struct bgp_comm_pat **out, unsigned *count)
{
	yaml_node_item_t *items;
	size_t ni;
	void *arr = NULL;
	char ip[PATHBUF], s[64];
	int rc;

	if ((rc = cy_get_list(c, n, path, BGP_POL_MAX_COMM, "communities", sizeof(**out), &items,
			      &ni, &arr)))
		return rc;
	*out = arr;
	*count = 0;
	for (size_t j = 0; j < ni; j++) {
		yaml_node_t *it = cy_node(c, items[j]);
		struct bgp_comm_pat *e = &(*out)[j];
		IDX(ip, path, j);
		if ((rc = cy_get_string(c, it, ip, s, sizeof(s))))
			return rc;
		if (bgp_comm_parse(s, e) < 0)
			return cy_fail(
			    c, it, ip,
			    "expected a community A:B (0..65535 each), a large community "
			    "A:B:C (0..4294967295 each)%s, or no-export, no-advertise, "
			    "no-export-subconfed, blackhole, graceful-shutdown; got %s",
			    wild ? ", * for any value of a part" : "", Q(it));
		if (e->wild && !wild)
			return cy_fail(c, it, ip,
				       "%s is a pattern: only removeCommunities and communitySets "
				       "take wildcards",
				       Q(it));
		for (size_t k = 0; k < j; k++)
			if (!memcmp(&(*out)[k], e, sizeof(*e)))
				return cy_fail(c, it, ip, "%s is listed twice (first at index %zu)",
					       Q(it), k);
		(*count)++;
	}
	return 0;
}

static int parse_community_sets(struct ctx *c, yaml_node_t *n, const char *path)
{
	yaml_node_pair_t *pairs;
	size_t count;
	int rc;

	if ((rc = pol_named_map(c, n, path, "community sets", &pairs, &count)) || !count)
		return rc;
	struct bgp_policy_db *db = pol_db(c);
	if (!db || !(db->comm = calloc(count, sizeof(*db->comm))))
		return cy_fail_nomem(c);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *k = cy_node(c, pairs[i].key), *v = cy_node(c, pairs[i].value);
		struct bgp_comm_set *s = &db->comm[db->n_comm++];
		char sp[PATHBUF];

		pg_strlcpy(s->name, (const char *)k->data.scalar.value, sizeof(s->name));
		s->line = cy_line_of(k);
		SUB(sp, path, s->name);
		if ((rc = parse_comm_list(c, v, sp, true, &s->ents, &s->n)))
			return rc;
	}
	return 0;
}

/* A reference to a named set or policy: its index, or an error listing the defined ones. */
static int pol_ref(struct ctx *c, yaml_node_t *n, const char *path, const char *what,
		   int (*find)(const struct bgp_policy_db *, const char *),
		   const char *(*name)(const struct bgp_policy_db *, unsigned), unsigned n_defined,
		   uint16_t *out)
{
	const char *s;
	char names[256];
	int i;

	if (cy_get_scalar(c, n, path, "a name", &s))
		return -EINVAL;
	i = find(c->cfg->bgp.policies, s);
	if (i < 0)
		return cy_fail(
		    c, n, path, "unknown %s %s (defined: %s)", what, Q(n),
		    pol_names(name, c->cfg->bgp.policies, n_defined, names, sizeof(names)));
	*out = (uint16_t)i;
	return 0;
}

static int parse_pol_match(struct ctx *c, yaml_node_t *n, const char *path, struct bgp_pol_term *t)
{
	const struct bgp_policy_db *db = c->cfg->bgp.policies;
	struct fld f[PM_N];
	char p[PATHBUF];
	int rc, af;

	if ((rc = cy_get_map(c, n, path, pol_match_keys, PM_N, f)))
		return rc;
	if (f[PM_PFX].v) {
		if ((rc =
			 pol_ref(c, f[PM_PFX].v, SUB(p, path, pol_match_keys[PM_PFX]), "prefix set",
				 bgp_policy_find_pfx, pfx_name, db ? db->n_pfx : 0, &t->pfx_set)))
			return rc;
		t->match |= BGP_PM_PREFIX;
	}
	if (f[PM_COMM].v) {
		if ((rc = pol_ref(c, f[PM_COMM].v, SUB(p, path, pol_match_keys[PM_COMM]),
				  "community set", bgp_policy_find_comm, comm_name,
				  db ? db->n_comm : 0, &t->comm_set)))
			return rc;
		t->match |= BGP_PM_COMM;
	}
	if (f[PM_ASPATH].v) {
		if ((rc = cy_get_asn(c, f[PM_ASPATH].v, SUB(p, path, pol_match_keys[PM_ASPATH]),
				     &t->aspath_as)))
			return rc;
		t->match |= BGP_PM_ASPATH;
	}
	if (f[PM_ORIGIN].v) {
		if ((rc = cy_get_asn(c, f[PM_ORIGIN].v, SUB(p, path, pol_match_keys[PM_ORIGIN]),
				     &t->origin_as)))
			return rc;
		t->match |= BGP_PM_ORIGIN;
	}
	if (f[PM_FAM].v) {
		if ((rc = cy_get_enum(c, f[PM_FAM].v, SUB(p, path, pol_match_keys[PM_FAM]),
				      bgp_af_names, PG_ARRAY_SIZE(bgp_af_names), &af)))
			return rc;
		t->family = (uint8_t)af;
		t->match |= BGP_PM_FAMILY;
	}
	return 0;
}

static int parse_pol_set(struct ctx *c, yaml_node_t *n, const char *path, struct bgp_pol_term *t)
{
	struct fld f[PS_N];
	char p[PATHBUF];
	unsigned v;
	int rc;

	if ((rc = cy_get_map(c, n, path, pol_set_keys, PS_N, f)))
		return rc;
	if (f[PS_LP].v) {
		if ((rc = cy_get_uint(c, f[PS_LP].v, SUB(p, path, pol_set_keys[PS_LP]), 0,
				      0xffffffffu, &t->local_pref)))
			return rc;
		t->set |= BGP_PS_LOCALPREF;
	}
	if (f[PS_MED].v) {
		if ((rc = cy_get_uint(c, f[PS_MED].v, SUB(p, path, pol_set_keys[PS_MED]), 0,
				      0xffffffffu, &t->med)))
			return rc;
		t->set |= BGP_PS_MED;
	}
	if (f[PS_ADD].v) {
		if ((rc = parse_comm_list(c, f[PS_ADD].v, SUB(p, path, pol_set_keys[PS_ADD]), false,
					  &t->add, &t->n_add)))
			return rc;
		t->set |= BGP_PS_ADD;
	}
	if (f[PS_REMOVE].v) {
		if ((rc = parse_comm_list(c, f[PS_REMOVE].v, SUB(p, path, pol_set_keys[PS_REMOVE]),
					  true, &t->remove, &t->n_remove)))
			return rc;
		t->set |= BGP_PS_REMOVE;
	}
	if (f[PS_PREPEND].v) {
		yaml_node_t *pv = f[PS_PREPEND].v;
		SUB(p, path, pol_set_keys[PS_PREPEND]);
		t->prepend_n = 1;
		if (pv->type == YAML_MAPPING_NODE) {
			struct fld g[2];
			char q[PATHBUF];
			t->prepend_map = true;
			if ((rc = cy_get_map(c, pv, p, pol_prepend_keys, 2, g)))
				return rc;
			if (g[0].v &&
			    (rc = cy_get_asn(c, g[0].v, SUB(q, p, "asn"), &t->prepend_as)))
				return rc;
			if (g[1].v) {
				if ((rc = cy_get_uint(c, g[1].v, SUB(q, p, "times"), 1,
						      BGP_POL_PREPEND_MAX, &v)))
					return rc;
				t->prepend_n = (uint8_t)v;
			}
		} else {
			if ((rc = cy_get_uint(c, pv, p, 1, BGP_POL_PREPEND_MAX, &v)))
				return rc;
			t->prepend_n = (uint8_t)v;
		}
		t->set |= BGP_PS_PREPEND;
	}
	return 0;
}

static int parse_policies(struct ctx *c, yaml_node_t *n, const char *path)
{
	yaml_node_pair_t *pairs;
	size_t count;
	int rc;

	if ((rc = pol_named_map(c, n, path, "policies", &pairs, &count)) || !count)
		return rc;
	struct bgp_policy_db *db = pol_db(c);
	if (!db || !(db->pol = calloc(count, sizeof(*db->pol))))
		return cy_fail_nomem(c);
	/* names first: a policy's terms do not refer to policies, but messages list them */
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *k = cy_node(c, pairs[i].key);
		pg_strlcpy(db->pol[i].name, (const char *)k->data.scalar.value,
			   sizeof(db->pol[i].name));
		db->pol[i].line = cy_line_of(k);
	}
	db->n_pol = (unsigned)count;
	for (size_t i = 0; i < count; i++) {
		struct bgp_policy *pol = &db->pol[i];
		yaml_node_t *v = cy_node(c, pairs[i].value);
		yaml_node_item_t *items;
		size_t nt;
		char pp[PATHBUF], ip[PATHBUF], p[PATHBUF];
		void *arr = NULL;

		SUB(pp, path, pol->name);
		if ((rc = cy_get_list(c, v, pp, BGP_POL_MAX_TERMS, "terms", sizeof(*pol->terms),
				      &items, &nt, &arr)))
			return rc;
		pol->terms = arr;
		for (size_t j = 0; j < nt; j++) {
			yaml_node_t *it = cy_node(c, items[j]);
			struct bgp_pol_term *t = &pol->terms[j];
			struct fld f[PT_N];
			int act;
			IDX(ip, pp, j);
			pol->n_terms++;
			t->line = cy_line_of(it);
			if ((rc = cy_get_item_map(c, it, ip, pol_term_keys, PT_N, f, "action")) ||
			    (rc = cy_require(c, it, ip, &f[PT_ACTION], pol_term_keys[PT_ACTION])))
				return rc;
			if (f[PT_MATCH].v &&
			    (rc = parse_pol_match(c, f[PT_MATCH].v,
						  SUB(p, ip, pol_term_keys[PT_MATCH]), t)))
				return rc;
			if (f[PT_SET].v &&
			    (rc = parse_pol_set(c, f[PT_SET].v, SUB(p, ip, pol_term_keys[PT_SET]),
						t)))
				return rc;
			if ((rc = cy_get_enum(c, f[PT_ACTION].v,
					      SUB(p, ip, pol_term_keys[PT_ACTION]),
					      pol_action_names, 3, &act)))
				return rc;
			t->action = (uint8_t)act;
			if (t->action == BGP_POL_REJECT && t->set)
				return cy_fail(c, f[PT_SET].k, SUB(p, ip, pol_term_keys[PT_SET]),
					       "a set on a reject term does nothing (allowed with "
					       "accept or next)");
		}
	}
	return 0;
}

/* importPolicy / exportPolicy: a policy name or a list of them (a chain). */
static int parse_chain(struct ctx *c, yaml_node_t *n, const char *path, struct cfg_chain *ch)
{
	const struct bgp_policy_db *db = c->cfg->bgp.policies;
	unsigned nd = db ? db->n_pol : 0;
	yaml_node_item_t *items;
	size_t ni;
	char ip[PATHBUF];
	int rc;

	ch->n = 0;
	if (n->type == YAML_SCALAR_NODE) {
		rc = pol_ref(c, n, path, "policy", bgp_policy_find, policy_name, nd, &ch->idx[0]);
		if (!rc)
			ch->n = 1;
		return rc;
	}
	if ((rc = cy_get_seq(c, n, path, &items, &ni)))
		return rc;
	if (ni == 0)
		return cy_fail(c, n, path, "an empty list (leave the key out for no policy)");
	if (ni > CFG_CHAIN_MAX)
		return cy_fail(c, n, path, "%zu policies in a chain, at most %d allowed", ni,
			       CFG_CHAIN_MAX);
	for (size_t j = 0; j < ni; j++) {
		yaml_node_t *it = cy_node(c, items[j]);
		IDX(ip, path, j);
		if ((rc = pol_ref(c, it, ip, "policy", bgp_policy_find, policy_name, nd,
				  &ch->idx[j])))
			return rc;
		for (size_t k = 0; k < j; k++)
			if (ch->idx[k] == ch->idx[j])
				return cy_fail(c, it, ip, "%s is in the chain twice", Q(it));
		ch->n++;
	}
	return 0;
}

enum {
	B_ASN,
	B_RID,
	B_PORT,
	B_HOLD,
	B_KA,
	B_CONN,
	B_GR,
	B_RT,
	B_NEIGH,
	B_NET,
	B_MAXP,
	B_PSETS,
	B_CSETS,
	B_POLS,
	B_AGG,
	B_CLUSTER,
	B_N
};
static const char *const bgp_keys[B_N] = {
    [B_ASN] = "asn",
    [B_RID] = "routerId",
    [B_PORT] = "listenPort",
    [B_HOLD] = "holdTime",
    [B_KA] = "keepaliveTime",
    [B_CONN] = "connectTime",
    [B_GR] = "gracefulRestart",
    [B_RT] = "restartTime",
    [B_NEIGH] = "neighbors",
    [B_NET] = "networks",
    [B_MAXP] = "maximumPaths",
    [B_PSETS] = "prefixSets",
    [B_CSETS] = "communitySets",
    [B_POLS] = "policies",
    [B_AGG] = "aggregates",
    [B_CLUSTER] = "clusterId",
};

static int parse_bgp(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = bgp_keys;
	struct cfg_bgp *bgp = &c->cfg->bgp;
	struct fld f[B_N];
	char p[PATHBUF];
	unsigned v;
	int rc;

	if ((rc = cy_get_map(c, n, path, keys, B_N, f)) ||
	    (rc = cy_require(c, n, path, &f[B_ASN], keys[B_ASN])))
		return rc;
	bgp->enabled = true;
	bgp->line = cy_line_of(n);
	bgp->listen_port = 179;
	bgp->hold_time = 90;
	bgp->connect_retry = 5;
	bgp->graceful_restart = true;
	bgp->restart_time = 120;

	if ((rc = cy_get_asn(c, f[B_ASN].v, SUB(p, path, keys[B_ASN]), &bgp->asn)))
		return rc;
	if (f[B_RID].v) {
		struct pg_ip rid;
		SUB(p, path, keys[B_RID]);
		if ((rc = cy_get_ip(c, f[B_RID].v, p, AF_INET, &rid)))
			return rc;
		if (rid.v4 == 0)
			return cy_fail(c, f[B_RID].v, p,
				       "0.0.0.0 is not a valid BGP identifier (allowed: a non-zero "
				       "IPv4 address)");
		bgp->router_id = rid.v4;
		bgp->has_router_id = true;
	} else if (!opr_router_id(c, &bgp->router_id) &&
		   !default_router_id(c->cfg, &bgp->router_id)) {
		return cy_fail(c, n, path,
			       "missing routerId: there is no default (spec.vtep is not set and no "
			       "port has an IPv4 address); set routerId to an IPv4 address");
	}
	if (f[B_PORT].v) {
		if ((rc = cy_get_uint(c, f[B_PORT].v, SUB(p, path, keys[B_PORT]), 0, 65535, &v)))
			return rc;
		bgp->listen_port = (uint16_t)v;
	}
	if (f[B_HOLD].v && (rc = cy_get_seconds(c, f[B_HOLD].v, SUB(p, path, keys[B_HOLD]), 3,
						65535, true, &bgp->hold_time)))
		return rc;
	bgp->keepalive = (uint16_t)(bgp->hold_time / 3);
	if (f[B_KA].v) {
		SUB(p, path, keys[B_KA]);
		if ((rc = cy_get_seconds(c, f[B_KA].v, p, 1, 65535, false, &bgp->keepalive)))
			return rc;
		if (bgp->hold_time && bgp->keepalive > bgp->hold_time)
			return cy_fail(c, f[B_KA].v, p,
				       "%u is greater than holdTime %u (allowed: 1..holdTime, "
				       "typically holdTime/3)",
				       bgp->keepalive, bgp->hold_time);
	}
	if (f[B_CONN].v && (rc = cy_get_seconds(c, f[B_CONN].v, SUB(p, path, keys[B_CONN]), 1,
						65535, false, &bgp->connect_retry)))
		return rc;
	if (f[B_GR].v &&
	    (rc = cy_get_bool(c, f[B_GR].v, SUB(p, path, keys[B_GR]), &bgp->graceful_restart)))
		return rc;
	if (f[B_RT].v) {
		if ((rc = cy_get_seconds(c, f[B_RT].v, SUB(p, path, keys[B_RT]), 1, 4095, false,
					 &bgp->restart_time)))
			return rc;
	}
	if ((f[B_NET].v && (rc = parse_bgp_networks(c, f[B_NET].v, SUB(p, path, keys[B_NET])))) ||
	    (f[B_AGG].v && (rc = parse_bgp_aggregates(c, f[B_AGG].v, SUB(p, path, keys[B_AGG])))))
		return rc;
	if (f[B_CLUSTER].v) {
		struct pg_ip cid;
		SUB(p, path, keys[B_CLUSTER]);
		if ((rc = cy_get_ip(c, f[B_CLUSTER].v, p, AF_INET, &cid)))
			return rc;
		if (cid.v4 == 0)
			return cy_fail(
			    c, f[B_CLUSTER].v, p,
			    "0.0.0.0 is not a valid cluster ID (allowed: a non-zero IPv4 "
			    "address)");
		bgp->cluster_id = cid.v4;
	}
	bgp->max_paths = 16;
	if (f[B_MAXP].v) {
		if ((rc = cy_get_uint(c, f[B_MAXP].v, SUB(p, path, keys[B_MAXP]), 1, 16, &v)))
			return rc;
		bgp->max_paths = v;
	}
	if ((f[B_PSETS].v &&
	     (rc = parse_prefix_sets(c, f[B_PSETS].v, SUB(p, path, keys[B_PSETS])))) ||
	    (f[B_CSETS].v &&
	     (rc = parse_community_sets(c, f[B_CSETS].v, SUB(p, path, keys[B_CSETS])))) ||
	    (f[B_POLS].v && (rc = parse_policies(c, f[B_POLS].v, SUB(p, path, keys[B_POLS])))))
		return rc;
	return parse_bgp_neighbors(c, f[B_NEIGH].v, SUB(p, path, keys[B_NEIGH]), f[B_KA].v != NULL);
}

/* --------------------------------------------------------------------------------------------
 * hostSessions: BGP with the host itself over an interface Peregrine creates
 */

enum {
	HS_NAME,
	HS_VRF,
	HS_ASN,
	HS_HASN,
	HS_HTYPE,
	HS_MTU,
	HS_ADDRS,
	HS_IMPORT,
	HS_EXPORT,
	HS_ASOVR,
	HS_RRC,
	HS_N
};
static const char *const host_session_keys[HS_N] = {
    [HS_NAME] = "name",
    [HS_VRF] = "vrf",
    [HS_ASN] = "asn",
    [HS_HASN] = "hostASN",
    [HS_HTYPE] = "hostType",
    [HS_MTU] = "mtu",
    [HS_ADDRS] = "addresses",
    [HS_IMPORT] = "importPolicy",
    [HS_EXPORT] = "exportPolicy",
    [HS_ASOVR] = "asOverride",
    [HS_RRC] = "routeReflectorClient",
};
static const char *const hs_addr_keys[] = {"router", "host"};

/* One {router, host} pair: same family and length, one subnet, two different addresses. */
static int host_session_pair(struct ctx *c, yaml_node_t *n, const char *path,
			     struct cfg_host_session *hs)
{
	struct fld f[2];
	char p[PATHBUF], b[PG_PREFIX_FMT_LEN], b2[PG_PREFIX_FMT_LEN];
	struct pg_prefix r = {0}, h = {0}, rn, hn;
	int rc;

	if ((rc = cy_get_item_map(c, n, path, hs_addr_keys, 2, f, "router and host")) ||
	    (rc = cy_require(c, n, path, &f[0], "router")) ||
	    (rc = cy_require(c, n, path, &f[1], "host")))
		return rc;
	if ((rc = cy_get_prefix(c, f[0].v, SUB(p, path, "router"), false, &r)) ||
	    (rc = cy_get_prefix(c, f[1].v, SUB(p, path, "host"), false, &h)))
		return rc;
	rn = r;
	hn = h;
	prefix_mask(&rn);
	prefix_mask(&hn);
	if (r.ip.family != h.ip.family || r.len != h.len || !ip_equal(&rn.ip, &hn.ip))
		return cy_fail(c, f[1].v, p,
			       "%s is not in the subnet of router %s (both ends share one)",
			       fmt_prefix(&h, b), fmt_prefix(&r, b2));
	if (ip_equal(&r.ip, &h.ip))
		return cy_fail(c, f[1].v, p, "%s is also the router's address", fmt_prefix(&h, b));
	if ((r.ip.family == AF_INET && r.len > 30) || (r.ip.family == AF_INET6 && r.len > 127))
		return cy_fail(
		    c, f[0].v, SUB(p, path, "router"),
		    "/%u leaves no room for two hosts (allowed: up to /30, /127 for IPv6)", r.len);
	for (unsigned i = 0; i < hs->n_addrs; i++)
		if (hs->router[i].ip.family == r.ip.family)
			return cy_fail(c, n, path,
				       "a second %s pair (at most one IPv4 and one IPv6 pair)",
				       cy_family_name(r.ip.family));
	hs->router[hs->n_addrs] = r;
	hs->host[hs->n_addrs++] = h;
	return 0;
}

/*
 * The port of host session cfg.host_sessions[idx] (filled): a DPDK net_tap whose Linux side is
 * the host interface, in the session's VRF, with the router-side addresses and a TAP exception
 * path. Shared by the Peregrine kind and OpenPERouter's hostSession.
 */
int config_host_session_port(struct ctx *c, yaml_node_t *n, const char *path, unsigned idx)
{
	struct pg_config *cfg = c->cfg;
	struct cfg_host_session *hs = &cfg->host_sessions[idx];
	struct cfg_port *port;

	if (cfg->n_ports == PG_MAX_PORTS)
		return cy_fail(c, n, path,
			       "its interface would be port %u, at most %d ports allowed",
			       cfg->n_ports + 1, PG_MAX_PORTS);
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct cfg_port *o = &cfg->ports[i];
		if (!strcmp(o->name, hs->name) || (!o->irb && !strcmp(o->device, hs->name)) ||
		    !strcmp(o->tap, hs->name))
			return cy_fail(c, n, path,
				       "'%s' is already used by port '%s' (line %d) as its name, "
				       "device or TAP",
				       hs->name, o->name, o->line);
	}
	int rc = synth_overlap(c, n, path, hs->vrf, hs->router, hs->n_addrs, "");
	if (rc)
		return rc;
	port = realloc(cfg->ports, (cfg->n_ports + 1) * sizeof(*port));
	if (!port)
		return cy_fail_nomem(c);
	cfg->ports = port;
	port = &cfg->ports[cfg->n_ports];
	memset(port, 0, sizeof(*port));
	port->line = hs->line;
	pg_strlcpy(port->name, hs->name, sizeof(port->name));
	snprintf(port->device, sizeof(port->device), "net_tap_hs%u,iface=%s", idx, hs->name);
	port->mtu = hs->mtu;
	port->vrf = hs->vrf;
	port->n_addrs = hs->n_addrs;
	memcpy(port->addrs, hs->router, hs->n_addrs * sizeof(hs->router[0]));
	snprintf(port->tap, sizeof(port->tap), "pg-%.12s", port->name);
	port->exception = CFG_EXC_TAP;
	port->l2vni = -1;
	port->host_session = (int)idx;
	hs->port = (int)cfg->n_ports++;
	return 0;
}

static int parse_host_sessions(struct ctx *c, yaml_node_t *n, const char *path)
{
	const char *const *keys = host_session_keys;
	struct pg_config *cfg = c->cfg;
	yaml_node_item_t *items;
	size_t count;
	void *arr = NULL;
	int rc;

	if ((rc = cy_get_list(c, n, path, CFG_MAX_HOST_SESSIONS, "host sessions",
			      sizeof(*cfg->host_sessions), &items, &count, &arr)))
		return rc;
	cfg->host_sessions = arr;
	c->hs_node = count ? n : NULL; /* needs bgp: final_checks() */
	for (size_t i = 0; i < count; i++) {
		struct cfg_host_session *hs = &cfg->host_sessions[i];
		yaml_node_t *it = cy_node(c, items[i]);
		char ip[PATHBUF], p[PATHBUF];
		struct fld f[HS_N];
		yaml_node_item_t *ai;
		size_t na;

		cy_idxpath(ip, sizeof(ip), path, i);
		if ((rc = cy_get_item_map(c, it, ip, keys, HS_N, f, "name and addresses")) ||
		    (rc = cy_require(c, it, ip, &f[HS_NAME], keys[HS_NAME])) ||
		    (rc = cy_require(c, it, ip, &f[HS_ADDRS], keys[HS_ADDRS])))
			return rc;
		hs->line = cy_line_of(it);
		hs->mtu = 1500;
		if ((rc = cy_get_name(c, f[HS_NAME].v, SUB(p, ip, keys[HS_NAME]), hs->name,
				      sizeof(hs->name))))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cfg->host_sessions[j].name, hs->name))
				return cy_fail(
				    c, f[HS_NAME].v, p,
				    "host session '%s' is defined twice (first at line %d)",
				    hs->name, cfg->host_sessions[j].line);
		if (f[HS_VRF].v &&
		    (rc = get_vrf_ref(c, f[HS_VRF].v, SUB(p, ip, keys[HS_VRF]), &hs->vrf)))
			return rc;
		if (f[HS_ASN].v &&
		    (rc = cy_get_asn(c, f[HS_ASN].v, SUB(p, ip, keys[HS_ASN]), &hs->asn)))
			return rc;
		if (f[HS_HASN].v && f[HS_HTYPE].v)
			return cy_fail(c, f[HS_HTYPE].v, SUB(p, ip, keys[HS_HTYPE]),
				       "give either hostASN or hostType, not both");
		if (!f[HS_HASN].v && !f[HS_HTYPE].v)
			return cy_fail(c, it, ip,
				       "missing hostASN (or hostType: external|internal)");
		if (f[HS_HASN].v &&
		    (rc = cy_get_asn(c, f[HS_HASN].v, SUB(p, ip, keys[HS_HASN]), &hs->host_asn)))
			return rc;
		if (f[HS_HTYPE].v) {
			int v = 0;
			SUB(p, ip, keys[HS_HTYPE]);
			if ((rc = cy_get_enum(c, f[HS_HTYPE].v, p, peer_type_names,
					      PG_ARRAY_SIZE(peer_type_names), &v)))
				return rc;
			hs->host_type = v ? CFG_PEER_INTERNAL : CFG_PEER_EXTERNAL;
		}
		if (f[HS_MTU].v) {
			unsigned v;
			if ((rc = cy_get_uint(c, f[HS_MTU].v, SUB(p, ip, keys[HS_MTU]), 1280, 9000,
					      &v)))
				return rc;
			hs->mtu = (uint16_t)v;
		}
		if ((f[HS_IMPORT].v &&
		     (rc = parse_chain(c, f[HS_IMPORT].v, SUB(p, ip, keys[HS_IMPORT]),
				       &hs->import_pol))) ||
		    (f[HS_EXPORT].v &&
		     (rc = parse_chain(c, f[HS_EXPORT].v, SUB(p, ip, keys[HS_EXPORT]),
				       &hs->export_pol))))
			return rc;
		if (f[HS_ASOVR].v && (rc = cy_get_bool(c, f[HS_ASOVR].v, SUB(p, ip, keys[HS_ASOVR]),
						       &hs->as_override)))
			return rc;
		if (f[HS_RRC].v) {
			SUB(p, ip, keys[HS_RRC]);
			if ((rc = cy_get_bool(c, f[HS_RRC].v, p, &hs->rr_client)))
				return rc;
			uint32_t ours = hs->asn ? hs->asn : cfg->bgp.asn;
			if (hs->rr_client &&
			    !(hs->host_type == CFG_PEER_INTERNAL ||
			      (hs->host_type == CFG_PEER_BY_ASN && hs->host_asn == ours)))
				return cy_fail(
				    c, f[HS_RRC].v, p,
				    "a route reflector client is an iBGP peer: hostASN must be "
				    "our AS %u (or hostType: internal)",
				    ours);
		}
		SUB(p, ip, keys[HS_ADDRS]);
		if ((rc = cy_get_seq(c, f[HS_ADDRS].v, p, &ai, &na)))
			return rc;
		if (na == 0 || na > 2)
			return cy_fail(
			    c, f[HS_ADDRS].v, p,
			    "%zu address pairs (allowed: one IPv4 and/or one IPv6 {router, "
			    "host} pair)",
			    na);
		for (size_t k = 0; k < na; k++) {
			char ap[PATHBUF];
			if ((rc = host_session_pair(c, cy_node(c, ai[k]), IDX(ap, p, k), hs)))
				return rc;
		}
		cfg->n_host_sessions++;
		if ((rc = config_host_session_port(c, it, ip, (unsigned)i)))
			return rc;
	}
	return 0;
}

enum {
	S_LOG,
	S_DP,
	S_MGMT,
	S_EXC,
	S_VTEP,
	S_VRFS,
	S_PORTS,
	S_L3VNIS,
	S_L2VNIS,
	S_TUNNELS,
	S_ROUTES,
	S_NEIGH,
	S_BGP,
	S_NINDEX,
	S_NLABELS,
	S_HS,
	S_LOOP,
	S_N
};
static const char *const spec_keys[S_N] = {
    [S_LOG] = "logLevel",      [S_DP] = "dataplane",	 [S_MGMT] = "management",
    [S_EXC] = "exceptionPath", [S_VTEP] = "vtep",	 [S_VRFS] = "vrfs",
    [S_PORTS] = "ports",       [S_L3VNIS] = "l3vnis",	 [S_L2VNIS] = "l2vnis",
    [S_TUNNELS] = "tunnels",   [S_ROUTES] = "routes",	 [S_NEIGH] = "neighbors",
    [S_BGP] = "bgp",	       [S_NINDEX] = "nodeIndex", [S_NLABELS] = "nodeLabels",
    [S_HS] = "hostSessions",   [S_LOOP] = "loopbacks",
};
static const char *const log_level_names[] = {"error", "warning", "notice", "info", "debug"};

/* spec.loopbacks: host addresses of the router on no port (bare, /32 or /128). */
static int parse_loopbacks(struct ctx *c, yaml_node_t *n, const char *path)
{
	struct pg_config *cfg = c->cfg;
	yaml_node_item_t *items;
	size_t count;
	int rc;

	if (!n || cy_is_null(n))
		return 0;
	if ((rc = cy_get_seq(c, n, path, &items, &count)))
		return rc;
	if (count > CFG_MAX_LOOPBACKS)
		return cy_fail(c, n, path, "%zu loopback addresses, at most %d allowed", count,
			       CFG_MAX_LOOPBACKS);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cy_node(c, items[i]);
		struct pg_prefix a;
		const char *bad;
		char ip[PATHBUF];

		IDX(ip, path, i);
		if ((rc = cy_get_prefix(c, item, ip, false, &a)))
			return rc;
		if (a.len != (a.ip.family == AF_INET ? 32 : 128))
			return cy_fail(c, item, ip,
				       "%s: a loopback is one address (/32 or /128, or no length)",
				       Q(item));
		if ((bad = cy_bad_peer_address(&a.ip)) != NULL)
			return cy_fail(c, item, ip, "%s is %s", Q(item), bad);
		const struct cfg_port *own = cy_own_address(cfg, &a.ip);
		if (own)
			return cy_fail(c, item, ip,
				       "%s is already an address of port '%s' (line %d)", Q(item),
				       own->name, own->line);
		for (unsigned k = 0; k < cfg->n_loopbacks; k++)
			if (ip_equal(&cfg->loopbacks[k], &a.ip))
				return cy_fail(c, item, ip, "%s is listed twice", Q(item));
		cfg->loopbacks[cfg->n_loopbacks++] = a.ip;
	}
	return 0;
}

static int parse_spec(struct ctx *c, yaml_node_t *n)
{
	const char *const *keys = spec_keys;
	struct pg_config *cfg = c->cfg;
	struct fld f[S_N];
	char p[PATHBUF];
	int rc;

	if (cy_is_null(n) && !opr_has_ports(c))
		return cy_fail(c, n, "spec", "must not be empty (at least ports are required)");
	if ((rc = cy_get_map(c, n, "spec", keys, S_N, f)))
		return rc;
	if (f[S_LOG].v) {
		enum pg_log_level lvl;
		int v = 0;
		SUB(p, "spec", keys[S_LOG]);
		if ((rc = cy_get_enum(c, f[S_LOG].v, p, log_level_names,
				      PG_ARRAY_SIZE(log_level_names), &v)))
			return rc;
		if (pg_log_level_parse(log_level_names[v], &lvl) < 0)
			return cy_fail(c, f[S_LOG].v, p, "internal error: log level");
		cfg->log_level = (int)lvl;
	}
	if ((rc = parse_dataplane(c, f[S_DP].v, SUB(p, "spec", keys[S_DP]))) ||
	    (rc = parse_management(c, f[S_MGMT].v, SUB(p, "spec", keys[S_MGMT]))) ||
	    (rc = parse_exception(c, f[S_EXC].v, SUB(p, "spec", keys[S_EXC]))))
		return rc;
	if (f[S_VTEP].v) {
		if ((rc = cy_get_ip(c, f[S_VTEP].v, SUB(p, "spec", keys[S_VTEP]), AF_INET,
				    &cfg->vtep)))
			return rc;
		cfg->has_vtep = true;
	}
	if ((rc = parse_vrfs(c, f[S_VRFS].v, SUB(p, "spec", keys[S_VRFS]))) ||
	    (rc = parse_ports(c, n, f[S_PORTS].v, SUB(p, "spec", keys[S_PORTS]))) ||
	    (rc = parse_loopbacks(c, f[S_LOOP].v, SUB(p, "spec", keys[S_LOOP]))))
		return rc;
	c->pe_vtep = f[S_VTEP].v;
	if ((rc = parse_l3vnis(c, f[S_L3VNIS].v, SUB(p, "spec", keys[S_L3VNIS]))) ||
	    (rc = parse_l2vnis(c, f[S_L2VNIS].v, SUB(p, "spec", keys[S_L2VNIS]))) ||
	    (rc = parse_tunnels(c, f[S_TUNNELS].v, SUB(p, "spec", keys[S_TUNNELS]))) ||
	    (rc = parse_routes(c, f[S_ROUTES].v, SUB(p, "spec", keys[S_ROUTES]))) ||
	    (rc = parse_neighbors(c, f[S_NEIGH].v, SUB(p, "spec", keys[S_NEIGH]))))
		return rc;
	if (f[S_BGP].k && (rc = parse_bgp(c, f[S_BGP].v, SUB(p, "spec", keys[S_BGP]))))
		return rc;
	if (f[S_HS].v && (rc = parse_host_sessions(c, f[S_HS].v, SUB(p, "spec", keys[S_HS]))))
		return rc;
	return 0; /* nodeIndex and nodeLabels: node_identity() */
}

/* After the Peregrine document and the OpenPERouter objects: what needs both. */
static int final_checks(struct ctx *c)
{
	const struct pg_config *cfg = c->cfg;

	if (cfg->n_ports == 0)
		return cy_fail_at(c, 1, 1, NULL,
				  "no ports: give the Peregrine document's spec.ports or an "
				  "Underlay's interfaces");
	if (c->vtep_user && !cfg->has_vtep)
		return cy_fail(
		    c, c->vtep_user, c->vtep_user_path,
		    "needs spec.vtep (the local IPv4 tunnel endpoint address) to be set");
	if (c->hs_node && !cfg->bgp.enabled)
		return cy_fail(c, c->hs_node, "spec.hostSessions",
			       "host sessions need spec.bgp (the BGP speaker) or an Underlay");
	if (cfg->has_vtep && c->pe_vtep)
		return check_vtep(c, c->pe_vtep, "spec.vtep");
	return 0;
}

/* This node's index and labels: the command line, else spec.nodeIndex / spec.nodeLabels. */
static int node_identity(struct ctx *c, const struct config_opts *o, yaml_node_t *pe_root)
{
	yaml_node_t *spec = NULL, *idx = NULL, *labels = NULL;
	char p[PATHBUF];
	int rc;

	for (yaml_node_pair_t *pp = pe_root ? pe_root->data.mapping.pairs.start : NULL;
	     pp && pp < pe_root->data.mapping.pairs.top; pp++)
		if (cy_scalar_is(cy_node(c, pp->key), "spec"))
			spec = cy_node(c, pp->value);
	if (spec && spec->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *pp = spec->data.mapping.pairs.start;
		     pp < spec->data.mapping.pairs.top; pp++) {
			if (cy_scalar_is(cy_node(c, pp->key), spec_keys[S_NINDEX]))
				idx = cy_node(c, pp->value);
			if (cy_scalar_is(cy_node(c, pp->key), spec_keys[S_NLABELS]))
				labels = cy_node(c, pp->value);
		}
	c->node_index = 0;
	if (idx) {
		unsigned v;
		if ((rc = cy_get_uint(c, idx, SUB(p, "spec", spec_keys[S_NINDEX]), 0, 65535, &v)))
			return rc;
		c->node_index = (int)v;
	}
	if (o && o->node_index >= 0)
		c->node_index = o->node_index;

	if (o && o->n_labels) {
		c->labels = calloc(o->n_labels, sizeof(*c->labels));
		if (!c->labels)
			return cy_fail_nomem(c);
		for (unsigned i = 0; i < o->n_labels; i++) {
			const char *eq = strchr(o->labels[i], '=');
			size_t kl = eq ? (size_t)(eq - o->labels[i]) : strlen(o->labels[i]);
			c->labels[i].key = strndup(o->labels[i], kl);
			c->labels[i].val = strdup(eq ? eq + 1 : "");
			c->n_labels++;
			if (!c->labels[i].key || !c->labels[i].val)
				return cy_fail_nomem(c);
		}
		return 0;
	}
	SUB(p, "spec", spec_keys[S_NLABELS]);
	if (!labels || cy_is_null(labels))
		return 0;
	if (labels->type != YAML_MAPPING_NODE)
		return cy_fail(c, labels, p, "expected a mapping of labels (key: value), got %s",
			       Q(labels));
	size_t n = (size_t)(labels->data.mapping.pairs.top - labels->data.mapping.pairs.start);
	c->labels = calloc(n, sizeof(*c->labels));
	if (!c->labels)
		return cy_fail_nomem(c);
	for (yaml_node_pair_t *pp = labels->data.mapping.pairs.start;
	     pp < labels->data.mapping.pairs.top; pp++) {
		yaml_node_t *k = cy_node(c, pp->key), *v = cy_node(c, pp->value);
		const char *ks = NULL, *vs = "";
		char kp[PATHBUF];
		if ((rc = cy_get_scalar(c, k, p, "a label key", &ks)))
			return rc;
		if (!cy_is_null(v) &&
		    (rc = cy_get_scalar(c, v, SUB(kp, p, ks), "a label value", &vs)))
			return rc;
		for (unsigned i = 0; i < c->n_labels; i++)
			if (!strcmp(c->labels[i].key, ks))
				return cy_fail(c, k, p, "duplicate label '%s'", ks);
		c->labels[c->n_labels].key = strdup(ks);
		c->labels[c->n_labels].val = strdup(vs);
		c->n_labels++;
		if (!c->labels[c->n_labels - 1].key || !c->labels[c->n_labels - 1].val)
			return cy_fail_nomem(c);
	}
	return 0;
}

enum { DOC_API, DOC_KIND, DOC_META, DOC_SPEC, DOC_N };
static const char *const doc_keys[DOC_N] = {
    [DOC_API] = "apiVersion", [DOC_KIND] = "kind", [DOC_META] = "metadata", [DOC_SPEC] = "spec"};

/* The Peregrine document: apiVersion and metadata are accepted and ignored. */
static int parse_document(struct ctx *c, yaml_node_t *root)
{
	const char *const *keys = doc_keys;
	struct fld f[DOC_N];
	int rc;

	if ((rc = cy_get_map(c, root, NULL, keys, DOC_N, f)))
		return rc;
	if (!f[DOC_SPEC].v)
		return cy_fail(c, root, NULL,
			       "missing required key 'spec' in the kind: Peregrine document");
	return parse_spec(c, f[DOC_SPEC].v);
}

/* --------------------------------------------------------------------------------------------
 * Loading
 */

static void set_defaults(struct pg_config *cfg)
{
	pg_strlcpy(cfg->dp.lcores, "0-1", sizeof(cfg->dp.lcores));
	cfg->dp.workers = 0;
	cfg->dp.memory_mb = 2048;
	cfg->dp.hugepages = CFG_HUGE_AUTO;
	cfg->dp.mbufs = 16383;
	cfg->dp.max_routes4 = 1048576;
	cfg->dp.tbl8_groups = 65536;
	cfg->dp.max_routes6 = 65536;
	cfg->dp.max_nexthops = 65536;
	cfg->exc.punt_rate_pps = 10000;
	cfg->exc.punt_burst = 256;
	pg_strlcpy(cfg->mgmt_socket, DEFAULT_SOCKET, sizeof(cfg->mgmt_socket));
	cfg->log_level = PG_LOG_NOTICE;
}

/* 1-based line and column of a byte offset, for reader errors (which carry no mark). */
static void offset_pos(const unsigned char *buf, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int syntax_error(struct ctx *c, const yaml_parser_t *parser, const unsigned char *buf,
			size_t len)
{
	int line, col;

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		return cy_fail_nomem(c);
	case YAML_READER_ERROR:
		offset_pos(buf, len, parser->problem_offset, &line, &col);
		return cy_fail_at(c, line, col, NULL, "invalid input: %s",
				  parser->problem ? parser->problem : "unreadable");
	default:
		line = (int)parser->problem_mark.line + 1;
		col = (int)parser->problem_mark.column + 1;
		if (parser->context)
			return cy_fail_at(c, line, col, NULL,
					  "YAML syntax error: %s (%s at line %d, column %d)",
					  parser->problem ? parser->problem : "error",
					  parser->context, (int)parser->context_mark.line + 1,
					  (int)parser->context_mark.column + 1);
		return cy_fail_at(c, line, col, NULL, "YAML syntax error: %s",
				  parser->problem ? parser->problem : "error");
	}
}

/* The kind of a document's root mapping, or NULL (error set). */
static int doc_kind(struct ctx *c, yaml_node_t *root, yaml_node_t **kind)
{
	*kind = NULL;
	if (root->type != YAML_MAPPING_NODE)
		return cy_fail(
		    c, root, NULL,
		    "a document must be a mapping with apiVersion, kind, metadata and spec, "
		    "got %s",
		    Q(root));
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		if (cy_scalar_is(cy_node(c, p->key), "kind")) {
			*kind = cy_node(c, p->value);
			break;
		}
	}
	if (!*kind)
		return cy_fail(c, root, NULL,
			       "missing required key 'kind' (every document needs one, e.g. kind: "
			       "Peregrine)");
	if ((*kind)->type != YAML_SCALAR_NODE || cy_is_null(*kind))
		return cy_fail(c, *kind, "kind", "expected a string, got %s", Q(*kind));
	return 0;
}

static int load_buffer(const char *name, const unsigned char *buf, size_t len,
		       const struct config_opts *opts, struct pg_config *cfg, char *err,
		       size_t errlen)
{
	struct ctx c = {.file = name, .err = err, .errlen = errlen, .cfg = cfg};
	yaml_document_t *docs = NULL;
	size_t ndocs = 0, cap = 0, pe = 0;
	yaml_node_t *pe_root = NULL, *pe_kind = NULL;
	yaml_parser_t parser;
	int rc = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!yaml_parser_initialize(&parser))
		return cy_fail_nomem(&c);
	yaml_parser_set_input_string(&parser, buf, len);
	for (;;) {
		yaml_document_t d;

		if (!yaml_parser_load(&parser, &d)) {
			rc = syntax_error(&c, &parser, buf, len);
			goto out;
		}
		if (!yaml_document_get_root_node(&d)) { /* end of stream */
			yaml_document_delete(&d);
			break;
		}
		if (ndocs == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			yaml_document_t *nd = realloc(docs, ncap * sizeof(*nd));
			if (!nd) {
				yaml_document_delete(&d);
				rc = cy_fail_nomem(&c);
				goto out;
			}
			docs = nd;
			cap = ncap;
		}
		docs[ndocs++] = d;
	}
	if (ndocs == 0) {
		rc = cy_fail_at(&c, 1, 1, NULL,
				"empty configuration (expected a document with kind: Peregrine)");
		goto out;
	}
	for (size_t i = 0; i < ndocs; i++) {
		yaml_node_t *root, *kind;

		c.doc = &docs[i];
		root = yaml_document_get_root_node(c.doc);
		if (cy_is_null(root)) /* empty document, e.g. a trailing --- */
			continue;
		if ((rc = doc_kind(&c, root, &kind)))
			goto out;
		if (!cy_scalar_is(kind, KIND_PEREGRINE)) {
			if ((rc = opr_add_doc(&c, c.doc, root, kind)))
				goto out;
			continue;
		}
		if (pe_root) {
			rc = cy_fail(
			    &c, kind, "kind",
			    "more than one document with kind: Peregrine (the first is at line "
			    "%d)",
			    cy_line_of(pe_kind));
			goto out;
		}
		pe_root = root;
		pe_kind = kind;
		pe = i;
	}
	if (!pe_root && !c.opr) {
		c.doc = NULL;
		rc = cy_fail_at(&c, 1, 1, NULL,
				"no document with kind: Peregrine or an OpenPERouter kind "
				"(Underlay, L3VNI, L2VNI, L3Passthrough)");
		goto out;
	}
	c.doc = pe_root ? &docs[pe] : NULL;
	if ((rc = node_identity(&c, opts, pe_root)) || (rc = opr_parse(&c)) ||
	    (rc = opr_pre_vrfs(&c)))
		goto out;
	c.doc = pe_root ? &docs[pe] : NULL;
	if (pe_root && (rc = parse_document(&c, pe_root)))
		goto out;
	if ((rc = opr_merge(&c)))
		goto out;
	c.doc = pe_root ? &docs[pe] : NULL;
	rc = final_checks(&c);
out:
	opr_free(&c);
	for (unsigned i = 0; i < c.n_labels; i++) {
		free(c.labels[i].key);
		free(c.labels[i].val);
	}
	free(c.labels);
	for (size_t i = 0; i < ndocs; i++)
		yaml_document_delete(&docs[i]);
	free(docs);
	yaml_parser_delete(&parser);
	return rc;
}

static int load_common(const char *name, const unsigned char *buf, size_t len,
		       const struct config_opts *opts, struct pg_config *cfg, char *err,
		       size_t errlen)
{
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	pg_strlcpy(cfg->file, name, sizeof(cfg->file));
	set_defaults(cfg);
	cfg->vrfs = calloc(1, sizeof(*cfg->vrfs));
	if (!cfg->vrfs) {
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	cfg->n_vrfs = 1;
	pg_strlcpy(cfg->vrfs[0].name, "default", sizeof(cfg->vrfs[0].name));

	rc = load_buffer(name, buf, len, opts, cfg, err, errlen);
	if (rc < 0) {
		/* leave nothing half-built behind; cfg stays freeable */
		config_free(cfg);
		pg_strlcpy(cfg->file, name, sizeof(cfg->file));
	}
	return rc;
}

int config_load_string_opts(const char *name, const char *yaml, const struct config_opts *opts,
			    struct pg_config *cfg, char *err, size_t errlen)
{
	if (!name)
		name = "<string>";
	if (!yaml)
		yaml = "";
	return load_common(name, (const unsigned char *)yaml, strlen(yaml), opts, cfg, err, errlen);
}

int config_load_string(const char *name, const char *yaml, struct pg_config *cfg, char *err,
		       size_t errlen)
{
	return config_load_string_opts(name, yaml, NULL, cfg, err, errlen);
}

int config_load(const char *path, struct pg_config *cfg, char *err, size_t errlen)
{
	return config_load_opts(path, NULL, cfg, err, errlen);
}

int config_load_opts(const char *path, const struct config_opts *opts, struct pg_config *cfg,
		     char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	FILE *f;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "rb");
	if (!f) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(EISDIR));
		return -EISDIR;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			unsigned char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				fclose(f);
				if (err && errlen)
					snprintf(err, errlen, "%s: out of memory", path);
				return -ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				rc = errno ? -errno : -EIO;
				free(buf);
				fclose(f);
				if (err && errlen)
					snprintf(err, errlen, "%s: cannot read: %s", path,
						 strerror(-rc));
				return rc;
			}
			break;
		}
	}
	fclose(f);
	rc = load_common(path, buf, len, opts, cfg, err, errlen);
	free(buf);
	return rc;
}

void config_free(struct pg_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->ports);
	free(cfg->vrfs);
	free(cfg->l3vnis);
	for (unsigned i = 0; cfg->l2vnis && i < cfg->cap_l2vnis; i++)
		free(cfg->l2vnis[i].macs);
	free(cfg->l2vnis);
	free(cfg->tunnels);
	free(cfg->routes);
	free(cfg->neighbors);
	free(cfg->host_sessions);
	free(cfg->bgp.neighbors);
	free(cfg->bgp.networks);
	free(cfg->bgp.aggregates);
	bgp_policy_db_unref(cfg->bgp.policies);
	memset(cfg, 0, sizeof(*cfg));
}

/* --------------------------------------------------------------------------------------------
 * Printing: the effective configuration as YAML that config_load() reads back to the same
 * configuration. Derived and automatic values are printed as keys where a key gives the same
 * result, else (auto route targets, the TAP an auto port gets on libpcap) as comments.
 */

void config_default_rmac(uint32_t vni, struct pg_mac *mac)
{
	mac->b[0] = 0x02;
	mac->b[1] = 0x50;
	mac->b[2] = 0x47; /* "PG" */
	mac->b[3] = (uint8_t)(vni >> 16);
	mac->b[4] = (uint8_t)(vni >> 8);
	mac->b[5] = (uint8_t)vni;
}

struct yout {
	FILE *f;
	int ind;   /* indentation of the keys */
	bool dash; /* the next key starts a list item */
};

/* "key: " at the current indentation, or "- key: " for the first key of a list item. */
static void ykey(struct yout *y, const char *key)
{
	if (y->dash)
		fprintf(y->f, "%*s- %s: ", y->ind - 2, "", key);
	else
		fprintf(y->f, "%*s%s: ", y->ind, "", key);
	y->dash = false;
}

/* "key:" opening a nested mapping. */
static void yopen(struct yout *y, const char *key)
{
	if (y->dash)
		fprintf(y->f, "%*s- %s:\n", y->ind - 2, "", key);
	else
		fprintf(y->f, "%*s%s:\n", y->ind, "", key);
	y->dash = false;
	y->ind += 2;
}

/* "key:" opening a block list: the items' "- " two columns in, their keys four. */
static void yopen_list(struct yout *y, const char *key)
{
	yopen(y, key);
	y->ind += 2;
}

static void __attribute__((format(printf, 2, 3))) ycomment(struct yout *y, const char *fmt, ...)
{
	va_list ap;

	fprintf(y->f, "%*s# ", y->ind, "");
	va_start(ap, fmt);
	vfprintf(y->f, fmt, ap);
	va_end(ap);
	fputc('\n', y->f);
}

/* A plain scalar reads back as the same string (and the same in YAML 1.1 tools): a letter or '/'
 * first, then only [A-Za-z0-9_./-], and not a word YAML 1.1 gives a meaning (null, yes, off..). */
static bool plain_ok(const char *s)
{
	static const char *const words[] = {"y",   "n",	   "yes",   "no",  "on",
					    "off", "true", "false", "null"};

	if (!isalpha((unsigned char)*s) && *s != '/')
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_./-", *p))
			return false;
	for (size_t i = 0; i < PG_ARRAY_SIZE(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return false;
	return true;
}

/* A string: plain when plain_ok() (and not quote), else double-quoted with escapes. */
static void put_str(FILE *f, const char *s, bool quote)
{
	if (!quote && plain_ok(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* IPv6 is quoted (the colons confuse YAML in flow collections), IPv4 is not. */
static void put_ip(FILE *f, const struct pg_ip *ip)
{
	char b[PG_IP_FMT_LEN];

	fprintf(f, ip->family == AF_INET6 ? "\"%s\"" : "%s", fmt_ip(ip, b));
}

static void put_ip4(FILE *f, uint32_t v4)
{
	struct pg_ip ip = {.family = AF_INET, .v4 = v4};

	put_ip(f, &ip);
}

static void put_prefix(FILE *f, const struct pg_prefix *p)
{
	char b[PG_PREFIX_FMT_LEN];

	fprintf(f, p->ip.family == AF_INET6 ? "\"%s\"" : "%s", fmt_prefix(p, b));
}

/* MACs are always quoted (YAML 1.1 reads some unquoted ones as numbers). */
static void put_mac(FILE *f, const struct pg_mac *m)
{
	char b[PG_MAC_FMT_LEN];

	fprintf(f, "\"%s\"", fmt_mac(m, b));
}

/* A route target in the form cy_get_rts() reads: "ASN:NN" or "a.b.c.d:NN". */
static void put_rt(FILE *f, uint64_t rt)
{
	char b[BGP_EC_FMT_LEN];

	bgp_ec_fmt(rt, b, sizeof(b));
	fprintf(f, "\"%s\"", strncmp(b, "rt:", 3) == 0 ? b + 3 : b);
}

static void put_rts(struct yout *y, const char *key, const uint64_t *rts, unsigned n)
{
	ykey(y, key);
	fputc('[', y->f);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			fputs(", ", y->f);
		put_rt(y->f, rts[i]);
	}
	fputs("]\n", y->f);
}

/* importRTs/exportRTs of a VNI; without any, the automatic ones are described in a comment. */
static void print_rts(struct yout *y, const struct pg_config *cfg, const char *imp_key,
		      const char *exp_key, uint32_t vni, const uint64_t *imp, unsigned n_imp,
		      const uint64_t *exp, unsigned n_exp)
{
	char b[BGP_EC_FMT_LEN] = "ASN:VNI";

	if (cfg->bgp.enabled) {
		uint32_t asn = cfg->bgp.asn;
		uint64_t rt = asn <= 0xffff ? bgp_ec_rt_as2((uint16_t)asn, vni)
					    : BGP_EC_RT_AS4 | (uint64_t)asn << 16 | (vni & 0xffff);
		bgp_ec_fmt(rt, b, sizeof(b));
		memmove(b, b + 3, strlen(b + 3) + 1); /* without "rt:" */
	}
	if (n_imp)
		put_rts(y, imp_key, imp, n_imp);
	else
		ycomment(y, "%s: auto (%s; from eBGP peers any ASN:%u)", imp_key, b, vni);
	if (n_exp)
		put_rts(y, exp_key, exp, n_exp);
	else
		ycomment(y, "%s: auto (%s)", exp_key, b);
}

static const char *port_name(const struct pg_config *cfg, int port)
{
	return port >= 0 && (unsigned)port < cfg->n_ports ? cfg->ports[port].name : "?";
}

static void print_dataplane(struct yout *y, const struct pg_config *cfg)
{
	const struct cfg_dataplane *dp = &cfg->dp;
	const char *const *k = dataplane_keys;

	yopen(y, spec_keys[S_DP]);
	ykey(y, k[D_LCORES]);
	put_str(y->f, dp->lcores, true);
	fputc('\n', y->f);
	ykey(y, k[D_WORKERS]);
	if (dp->workers)
		fprintf(y->f, "%u\n", dp->workers);
	else
		fprintf(y->f, "auto  # one per lcore after the first\n");
	ykey(y, k[D_MEM]);
	fprintf(y->f, "%u\n", dp->memory_mb);
	ykey(y, k[D_HUGE]);
	fprintf(y->f, "%s\n", hugepage_names[dp->hugepages]);
	ykey(y, k[D_MBUFS]);
	fprintf(y->f, "%u\n", dp->mbufs);
	ykey(y, k[D_R4]);
	fprintf(y->f, "%u\n", dp->max_routes4);
	ykey(y, k[D_TBL8]);
	fprintf(y->f, "%u\n", dp->tbl8_groups);
	ykey(y, k[D_R6]);
	fprintf(y->f, "%u\n", dp->max_routes6);
	ykey(y, k[D_NH]);
	fprintf(y->f, "%u\n", dp->max_nexthops);
	ykey(y, k[D_IDLE]);
	if (dp->idle_sleep_us)
		fprintf(y->f, "%u\n", dp->idle_sleep_us);
	else
		fprintf(y->f, "0  # busy-poll\n");
	y->ind -= 2;
}

static void print_port(struct yout *y, const struct pg_config *cfg, const struct cfg_port *port)
{
	const char *const *k = port_keys;

	y->dash = true;
	ykey(y, k[P_NAME]);
	put_str(y->f, port->name, false);
	fputc('\n', y->f);
	ykey(y, k[P_DEVICE]);
	put_str(y->f, port->device, false);
	fputc('\n', y->f);
	if (dev_kind(port->device) == DEV_IFNAME) {
		ykey(y, k[P_DRIVER]);
		fprintf(y->f, "%s\n", driver_names[port->driver]);
	}
	if (port->has_mac) {
		ykey(y, k[P_MAC]);
		put_mac(y->f, &port->mac);
		fputc('\n', y->f);
	} else {
		ycomment(y, "%s: the device's", k[P_MAC]);
	}
	ykey(y, k[P_MTU]);
	fprintf(y->f, "%u\n", port->mtu);
	ykey(y, k[P_VRF]);
	put_str(y->f, vrf_name(cfg, port->vrf), false);
	fputc('\n', y->f);
	ykey(y, k[P_ADDRS]);
	fputc('[', y->f);
	for (unsigned a = 0; a < port->n_addrs; a++) {
		if (a)
			fputs(", ", y->f);
		put_prefix(y->f, &port->addrs[a]);
	}
	fputs("]\n", y->f);
	if (port->bridge[0]) {
		ykey(y, k[P_BR]);
		fprintf(y->f, "{%s: ", bridge_keys[0]);
		put_str(y->f, port->bridge, false);
		fprintf(y->f, ", %s: %s}\n", bridge_keys[1],
			port->bridge_create ? "true" : "false");
	}
	/* exception: auto stays auto only without a tap key (a tap key would make it tap) */
	ykey(y, k[P_EXC]);
	fprintf(y->f, "%s\n", exception_names[port->exception]);
	if (port->exception == CFG_EXC_TAP) {
		ykey(y, k[P_TAP]);
		put_str(y->f, port->no_tap ? "none" : port->tap, false);
		fputc('\n', y->f);
	} else if (port->exception == CFG_EXC_AUTO && !port->no_tap) {
		ycomment(y, "%s: %s (if the port ends up on libpcap)", k[P_TAP], port->tap);
	}
}

static void print_l3vni(struct yout *y, const struct pg_config *cfg, const struct cfg_l3vni *l)
{
	const char *const *k = l3vni_keys;
	struct pg_mac def;

	y->dash = true;
	ykey(y, k[V_VNI]);
	fprintf(y->f, "%u\n", l->vni);
	ykey(y, k[V_VRF]);
	put_str(y->f, vrf_name(cfg, l->vrf), false);
	fputc('\n', y->f);
	/* what routerMac gives and what leaving it out gives are the same L3VNI */
	ykey(y, k[V_RMAC]);
	config_default_rmac(l->vni, &def);
	put_mac(y->f, l->has_rmac ? &l->rmac : &def);
	fputs(!l->has_rmac || !memcmp(&def, &l->rmac, sizeof(def))
		  ? "  # the default (from the VNI)\n"
		  : "\n",
	      y->f);
	ykey(y, k[V_PORT]);
	fprintf(y->f, "%u\n", l->udp_port);
	print_rts(y, cfg, k[V_IMP], k[V_EXP], l->vni, l->import_rts, l->n_import_rts, l->export_rts,
		  l->n_export_rts);
}

static void print_l2vni(struct yout *y, const struct pg_config *cfg, const struct cfg_l2vni *l)
{
	const char *const *k = l2vni_keys;
	struct pg_mac gw;

	y->dash = true;
	ykey(y, k[L_VNI]);
	fprintf(y->f, "%u\n", l->vni);
	ykey(y, k[L_PORTS]);
	fputc('[', y->f);
	for (unsigned i = 0; i < l->n_ports; i++) {
		if (i)
			fputs(", ", y->f);
		put_str(y->f, port_name(cfg, l->ports[i]), false);
	}
	fputs("]\n", y->f);
	if (l->has_vrf) {
		ykey(y, k[L_VRF]);
		put_str(y->f, vrf_name(cfg, l->vrf), false);
		fputc('\n', y->f);
		ykey(y, k[L_GW]);
		fputc('[', y->f);
		for (unsigned i = 0; i < l->n_gw; i++) {
			if (i)
				fputs(", ", y->f);
			put_prefix(y->f, &l->gw[i]);
		}
		fputs("]\n", y->f);
		if (l->irb_port >= 0 && (unsigned)l->irb_port < cfg->n_ports) {
			const struct cfg_port *irb = &cfg->ports[l->irb_port];
			ycomment(y, "gateway interface: port %s, TAP %s", irb->name, irb->tap);
		}
	} else {
		ycomment(y, "%s: none (bridged only)", k[L_VRF]);
	}
	ykey(y, k[L_GWMAC]);
	put_mac(y->f, &l->gw_mac);
	cy_l2vni_default_gw_mac(l->vni, &gw);
	fputs(memcmp(&gw, &l->gw_mac, sizeof(gw)) ? "\n" : "  # the default (from the VNI)\n",
	      y->f);
	ykey(y, k[L_PORT]);
	fprintf(y->f, "%u\n", l->udp_port);
	ykey(y, k[L_AGE]);
	fprintf(y->f, "%u\n", l->mac_ageing);
	print_rts(y, cfg, k[L_IMP], k[L_EXP], l->vni, l->import_rts, l->n_import_rts, l->export_rts,
		  l->n_export_rts);
	ykey(y, k[L_FLOOD]);
	fputc('[', y->f);
	for (unsigned i = 0; i < l->n_flood; i++) {
		if (i)
			fputs(", ", y->f);
		put_ip4(y->f, l->flood[i]);
	}
	fputs("]\n", y->f);
	if (!l->n_macs) {
		ykey(y, k[L_MACS]);
		fputs("[]\n", y->f);
		return;
	}
	yopen_list(y, k[L_MACS]);
	for (unsigned i = 0; i < l->n_macs; i++) {
		const struct cfg_l2mac *m = &l->macs[i];
		fprintf(y->f, "%*s- {%s: ", y->ind - 2, "", l2mac_keys[M_MAC]);
		put_mac(y->f, &m->mac);
		if (m->port >= 0) {
			fprintf(y->f, ", %s: ", l2mac_keys[M_PORT]);
			put_str(y->f, port_name(cfg, m->port), false);
		} else {
			fprintf(y->f, ", %s: ", l2mac_keys[M_VTEP]);
			put_ip4(y->f, m->vtep);
		}
		fputs("}\n", y->f);
	}
	y->ind -= 4;
}

/* One next hop as flow-mapping entries ("via: 10.0.0.1, port: p" or "vxlan: {...}"). */
static void put_nexthop(FILE *f, const struct pg_config *cfg, const struct cfg_nexthop *nh)
{
	switch (nh->kind) {
	case CFG_NH_VIA:
		fprintf(f, "%s: ", route_keys[NH_VIA]);
		put_ip(f, &nh->ip);
		if (nh->port >= 0) {
			fprintf(f, ", %s: ", route_keys[NH_PORT]);
			put_str(f, port_name(cfg, nh->port), false);
		}
		break;
	case CFG_NH_VXLAN:
		fprintf(f, "%s: {%s: ", route_keys[NH_VXLAN], vxlan_nh_keys[X_REMOTE]);
		put_ip(f, &nh->ip);
		fprintf(f, ", %s: %u, %s: ", vxlan_nh_keys[X_VNI], nh->vni, vxlan_nh_keys[X_RMAC]);
		put_mac(f, &nh->rmac);
		fputc('}', f);
		break;
	case CFG_NH_IPIP:
		fprintf(f, "%s: {%s: ", route_keys[NH_IPIP], ipip_nh_keys[0]);
		put_ip(f, &nh->ip);
		fputc('}', f);
		break;
	case CFG_NH_BLACKHOLE:
		fprintf(f, "%s: true", route_keys[NH_BLACKHOLE]);
		break;
	}
}

static void print_route(struct yout *y, const struct pg_config *cfg, const struct cfg_route *r)
{
	y->dash = true;
	ykey(y, route_keys[R_PREFIX]);
	put_prefix(y->f, &r->prefix);
	fputc('\n', y->f);
	ykey(y, route_keys[R_VRF]);
	put_str(y->f, vrf_name(cfg, r->vrf), false);
	fputc('\n', y->f);
	if (r->n_nh == 1 && r->nh[0].kind == CFG_NH_VIA) {
		ykey(y, route_keys[NH_VIA]);
		put_ip(y->f, &r->nh[0].ip);
		fputc('\n', y->f);
		if (r->nh[0].port >= 0) {
			ykey(y, route_keys[NH_PORT]);
			put_str(y->f, port_name(cfg, r->nh[0].port), false);
			fputc('\n', y->f);
		}
		return;
	}
	if (r->n_nh == 1) { /* "vxlan: {...}", "ipip: {...}", "blackhole: true" */
		fprintf(y->f, "%*s", y->ind, "");
		put_nexthop(y->f, cfg, &r->nh[0]);
		fputc('\n', y->f);
		return;
	}
	yopen_list(y, route_keys[NH_NEXTHOPS]);
	for (unsigned i = 0; i < r->n_nh; i++) {
		fprintf(y->f, "%*s- {", y->ind - 2, "");
		put_nexthop(y->f, cfg, &r->nh[i]);
		fputs("}\n", y->f);
	}
	y->ind -= 4;
}

/* importPolicy / exportPolicy: one name, or a list for a chain. */
static void print_chain(struct yout *y, const struct pg_config *cfg, const char *key,
			const struct cfg_chain *ch)
{
	if (!ch->n)
		return;
	ykey(y, key);
	if (ch->n > 1)
		fputc('[', y->f);
	for (unsigned i = 0; i < ch->n; i++) {
		if (i)
			fputs(", ", y->f);
		put_str(y->f, cfg->bgp.policies->pol[ch->idx[i]].name, false);
	}
	fputs(ch->n > 1 ? "]\n" : "\n", y->f);
}

static void print_comm_list(FILE *f, const struct bgp_comm_pat *c, unsigned n)
{
	char b[BGP_COMM_FMT_LEN];

	fputc('[', f);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", bgp_comm_fmt(&c[i], b, sizeof(b)));
	fputc(']', f);
}

static void print_pol_term(struct yout *y, const struct bgp_policy_db *db,
			   const struct bgp_pol_term *t)
{
	FILE *f = y->f;
	const char *sep = "";

	y->dash = true;
	if (t->match) {
		ykey(y, pol_term_keys[PT_MATCH]);
		fputc('{', f);
		if (t->match & BGP_PM_PREFIX) {
			fprintf(f, "%s: ", pol_match_keys[PM_PFX]);
			put_str(f, db->pfx[t->pfx_set].name, false);
			sep = ", ";
		}
		if (t->match & BGP_PM_COMM) {
			fprintf(f, "%s%s: ", sep, pol_match_keys[PM_COMM]);
			put_str(f, db->comm[t->comm_set].name, false);
			sep = ", ";
		}
		if (t->match & BGP_PM_ASPATH) {
			fprintf(f, "%s%s: %u", sep, pol_match_keys[PM_ASPATH], t->aspath_as);
			sep = ", ";
		}
		if (t->match & BGP_PM_ORIGIN) {
			fprintf(f, "%s%s: %u", sep, pol_match_keys[PM_ORIGIN], t->origin_as);
			sep = ", ";
		}
		if (t->match & BGP_PM_FAMILY)
			fprintf(f, "%s%s: %s", sep, pol_match_keys[PM_FAM],
				bgp_af_names[t->family]);
		fputs("}\n", f);
	}
	if (t->set) {
		sep = "";
		ykey(y, pol_term_keys[PT_SET]);
		fputc('{', f);
		if (t->set & BGP_PS_LOCALPREF) {
			fprintf(f, "%s: %u", pol_set_keys[PS_LP], t->local_pref);
			sep = ", ";
		}
		if (t->set & BGP_PS_MED) {
			fprintf(f, "%s%s: %u", sep, pol_set_keys[PS_MED], t->med);
			sep = ", ";
		}
		if (t->set & BGP_PS_ADD) {
			fprintf(f, "%s%s: ", sep, pol_set_keys[PS_ADD]);
			print_comm_list(f, t->add, t->n_add);
			sep = ", ";
		}
		if (t->set & BGP_PS_REMOVE) {
			fprintf(f, "%s%s: ", sep, pol_set_keys[PS_REMOVE]);
			print_comm_list(f, t->remove, t->n_remove);
			sep = ", ";
		}
		if (t->set & BGP_PS_PREPEND) {
			fprintf(f, "%s%s: ", sep, pol_set_keys[PS_PREPEND]);
			if (t->prepend_map) {
				fputc('{', f);
				if (t->prepend_as)
					fprintf(f, "asn: %u, ", t->prepend_as);
				fprintf(f, "times: %u}", t->prepend_n);
			} else {
				fprintf(f, "%u", t->prepend_n);
			}
		}
		fputs("}\n", f);
	}
	ykey(y, pol_term_keys[PT_ACTION]);
	fprintf(f, "%s\n", pol_action_names[t->action]);
}

/* prefixSets, communitySets, policies (inside bgp). */
static void print_policies(struct yout *y, const struct bgp_policy_db *db)
{
	const char *const *k = bgp_keys;
	FILE *f = y->f;

	if (!db)
		return;
	if (db->n_pfx) {
		yopen(y, k[B_PSETS]);
		for (unsigned i = 0; i < db->n_pfx; i++) {
			const struct bgp_pfx_set *s = &db->pfx[i];
			fprintf(f, "%*s", y->ind, "");
			put_str(f, s->name, false);
			if (!s->n) {
				fputs(": []\n", f);
				continue;
			}
			fputs(":\n", f);
			for (unsigned j = 0; j < s->n; j++) {
				const struct bgp_pfx_ent *e = &s->ents[j];
				fprintf(f, "%*s- {%s: ", y->ind + 2, "", pfx_ent_keys[0]);
				put_prefix(f, &e->prefix);
				if (e->has_ge)
					fprintf(f, ", %s: %u", pfx_ent_keys[1], e->ge);
				if (e->has_le)
					fprintf(f, ", %s: %u", pfx_ent_keys[2], e->le);
				fputs("}\n", f);
			}
		}
		y->ind -= 2;
	}
	if (db->n_comm) {
		yopen(y, k[B_CSETS]);
		for (unsigned i = 0; i < db->n_comm; i++) {
			fprintf(f, "%*s", y->ind, "");
			put_str(f, db->comm[i].name, false);
			fputs(": ", f);
			print_comm_list(f, db->comm[i].ents, db->comm[i].n);
			fputc('\n', f);
		}
		y->ind -= 2;
	}
	if (db->n_pol) {
		yopen(y, k[B_POLS]);
		for (unsigned i = 0; i < db->n_pol; i++) {
			const struct bgp_policy *pol = &db->pol[i];
			fprintf(f, "%*s", y->ind, "");
			put_str(f, pol->name, false);
			if (!pol->n_terms) {
				fputs(": []\n", f);
				continue;
			}
			fputs(":\n", f);
			y->ind += 4;
			for (unsigned j = 0; j < pol->n_terms; j++)
				print_pol_term(y, db, &pol->terms[j]);
			y->ind -= 4;
		}
		y->ind -= 2;
	}
}

static void print_bgp_neighbor(struct yout *y, const struct pg_config *cfg,
			       const struct cfg_bgp_neighbor *nb)
{
	const char *const *k = bgp_neighbor_keys;

	y->dash = true;
	ykey(y, k[BN_ADDR]);
	put_ip(y->f, &nb->addr);
	fputc('\n', y->f);
	if (nb->type == CFG_PEER_BY_ASN) {
		ykey(y, k[BN_ASN]);
		fprintf(y->f, "%u\n", nb->asn);
	} else {
		ykey(y, k[BN_TYPE]);
		fprintf(y->f, "%s  # %s\n", peer_type_names[nb->type == CFG_PEER_INTERNAL ? 1 : 0],
			nb->type == CFG_PEER_INTERNAL ? "only our AS" : "any AS but ours");
	}
	ykey(y, k[BN_PORT]);
	fprintf(y->f, "%u\n", nb->port);
	if (nb->local_asn) {
		ykey(y, k[BN_LASN]);
		fprintf(y->f, "%u\n", nb->local_asn);
	} else {
		ycomment(y, "%s: %u (bgp.asn)", k[BN_LASN], cfg->bgp.asn);
	}
	ykey(y, k[BN_PASSIVE]);
	fprintf(y->f, "%s\n", nb->passive ? "true" : "false");
	ykey(y, k[BN_SHUT]);
	fprintf(y->f, "%s\n", nb->shutdown ? "true" : "false");
	if (nb->update_source.family) {
		ykey(y, k[BN_USRC]);
		put_ip(y->f, &nb->update_source);
		fputc('\n', y->f);
	} else {
		ycomment(y, "%s: chosen by the kernel", k[BN_USRC]);
	}
	ykey(y, k[BN_MHOP]);
	if (nb->ttl)
		fprintf(y->f, "%u\n", nb->ttl);
	else
		fprintf(y->f, "false  # TTL 1 for eBGP, 255 for iBGP\n");
	ykey(y, k[BN_ALLOWAS]);
	fprintf(y->f, "%u%s\n", nb->allowas_in,
		nb->allowas_in ? "" : "  # a path with our AS is a loop");
	if (nb->password[0]) {
		ykey(y, k[BN_PW]);
		put_str(y->f, nb->password, true);
		fputc('\n', y->f);
	}
	ykey(y, k[BN_HOLD]);
	fprintf(y->f, "%u\n", nb->hold_time);
	if (nb->keepalive) { /* 0 only with holdTime 0, where no key gives it */
		ykey(y, k[BN_KA]);
		fprintf(y->f, "%u\n", nb->keepalive);
	}
	ykey(y, k[BN_CONN]);
	fprintf(y->f, "%u\n", nb->connect_retry);
	ykey(y, k[BN_FAM]);
	fputc('[', y->f);
	for (unsigned i = 0, n = 0; i < PG_ARRAY_SIZE(bgp_af_names); i++)
		if (nb->families & (1u << i))
			fprintf(y->f, "%s%s", n++ ? ", " : "", bgp_af_names[i]);
	fputs("]\n", y->f);
	if (nb->description[0]) {
		ykey(y, k[BN_DESC]);
		put_str(y->f, nb->description, true);
		fputc('\n', y->f);
	}
	print_chain(y, cfg, k[BN_IMPORT], &nb->import_pol);
	print_chain(y, cfg, k[BN_EXPORT], &nb->export_pol);
	if (nb->default_originate) {
		ykey(y, k[BN_DEFORIG]);
		fputs("true\n", y->f);
	}
	if (nb->as_override) {
		ykey(y, k[BN_ASOVR]);
		fputs("true\n", y->f);
	}
}

int config_print_bgp_neighbor(const struct pg_config *cfg, const struct cfg_bgp_neighbor *nb,
			      FILE *f)
{
	struct yout y = {.f = f, .ind = 2};

	print_bgp_neighbor(&y, cfg, nb);
	return ferror(f) ? -EIO : 0;
}

static void print_bgp(struct yout *y, const struct pg_config *cfg)
{
	const struct cfg_bgp *bgp = &cfg->bgp;
	const char *const *k = bgp_keys;
	uint32_t rid;

	if (!bgp->enabled) {
		ycomment(y, "%s: none (no BGP speaker)", spec_keys[S_BGP]);
		return;
	}
	yopen(y, spec_keys[S_BGP]);
	ykey(y, k[B_ASN]);
	fprintf(y->f, "%u\n", bgp->asn);
	/* explicit or not, the same identifier (set from then on, whatever the vtep becomes) */
	ykey(y, k[B_RID]);
	put_ip4(y->f, bgp->router_id);
	if (default_router_id(cfg, &rid) && rid == bgp->router_id)
		fprintf(y->f, "  # the default (%s)\n",
			cfg->has_vtep ? "the vtep" : "the first IPv4 address of a port");
	else
		fputc('\n', y->f);
	ykey(y, k[B_PORT]);
	fprintf(y->f, "%u\n", bgp->listen_port);
	ykey(y, k[B_HOLD]);
	fprintf(y->f, "%u\n", bgp->hold_time);
	/* holdTime/3 is what leaving the key out gives; an explicit key would also become the
	 * keepalive of neighbors with holdTime 0, which have none */
	if (bgp->keepalive != bgp->hold_time / 3) {
		ykey(y, k[B_KA]);
		fprintf(y->f, "%u\n", bgp->keepalive);
	} else {
		ycomment(y, "%s: %u (holdTime/3)", k[B_KA], bgp->keepalive);
	}
	ykey(y, k[B_CONN]);
	fprintf(y->f, "%u\n", bgp->connect_retry);
	ykey(y, k[B_GR]);
	fprintf(y->f, "%s\n", bgp->graceful_restart ? "true" : "false");
	ykey(y, k[B_RT]);
	fprintf(y->f, "%u\n", bgp->restart_time);
	ykey(y, k[B_NET]);
	fputc('[', y->f);
	for (unsigned i = 0; i < bgp->n_networks; i++) {
		if (i)
			fputs(", ", y->f);
		put_prefix(y->f, &bgp->networks[i]);
	}
	fputs("]\n", y->f);
	ykey(y, k[B_MAXP]);
	fprintf(y->f, "%u\n", bgp->max_paths);
	if (bgp->cluster_id) {
		ykey(y, k[B_CLUSTER]);
		put_ip4(y->f, bgp->cluster_id);
		fputc('\n', y->f);
	} else {
		ycomment(y, "%s: the router ID", k[B_CLUSTER]);
	}
	ykey(y, k[B_AGG]);
	fputc('[', y->f);
	for (unsigned i = 0; i < bgp->n_aggregates; i++) {
		const struct cfg_bgp_aggregate *ag = &bgp->aggregates[i];
		fprintf(y->f, "%s{%s: ", i ? ", " : "", aggregate_keys[AG_PREFIX]);
		put_prefix(y->f, &ag->prefix);
		fprintf(y->f, ", %s: ", aggregate_keys[AG_VRF]);
		put_str(y->f, vrf_name(cfg, ag->vrf), false);
		fprintf(y->f, ", %s: %s}", aggregate_keys[AG_SUMMARY],
			ag->summary_only ? "true" : "false");
	}
	fputs("]\n", y->f);
	print_policies(y, bgp->policies);
	if (!bgp->n_neighbors) {
		ykey(y, k[B_NEIGH]);
		fputs("[]\n", y->f);
	} else {
		yopen_list(y, k[B_NEIGH]);
		for (unsigned i = 0; i < bgp->n_neighbors; i++)
			print_bgp_neighbor(y, cfg, &bgp->neighbors[i]);
		y->ind -= 4;
	}
	y->ind -= 2;
}

static void print_host_session(struct yout *y, const struct pg_config *cfg,
			       const struct cfg_host_session *hs)
{
	const char *const *k = host_session_keys;

	y->dash = true;
	ykey(y, k[HS_NAME]);
	put_str(y->f, hs->name, false);
	fputc('\n', y->f);
	ykey(y, k[HS_VRF]);
	put_str(y->f, vrf_name(cfg, hs->vrf), false);
	fputc('\n', y->f);
	if (hs->asn) {
		ykey(y, k[HS_ASN]);
		fprintf(y->f, "%u\n", hs->asn);
	} else {
		ycomment(y, "%s: %u (bgp.asn)", k[HS_ASN], cfg->bgp.asn);
	}
	if (hs->host_type == CFG_PEER_BY_ASN) {
		ykey(y, k[HS_HASN]);
		fprintf(y->f, "%u\n", hs->host_asn);
	} else {
		ykey(y, k[HS_HTYPE]);
		fprintf(y->f, "%s\n", peer_type_names[hs->host_type == CFG_PEER_INTERNAL ? 1 : 0]);
	}
	ykey(y, k[HS_MTU]);
	fprintf(y->f, "%u\n", hs->mtu);
	ykey(y, k[HS_ADDRS]);
	fputc('[', y->f);
	for (unsigned i = 0; i < hs->n_addrs; i++) {
		fprintf(y->f, "%s{%s: ", i ? ", " : "", hs_addr_keys[0]);
		put_prefix(y->f, &hs->router[i]);
		fprintf(y->f, ", %s: ", hs_addr_keys[1]);
		put_prefix(y->f, &hs->host[i]);
		fputc('}', y->f);
	}
	fputs("]\n", y->f);
	print_chain(y, cfg, k[HS_IMPORT], &hs->import_pol);
	print_chain(y, cfg, k[HS_EXPORT], &hs->export_pol);
	if (hs->as_override) {
		ykey(y, k[HS_ASOVR]);
		fputs("true\n", y->f);
	}
	if (hs->rr_client) {
		ykey(y, k[HS_RRC]);
		fputs("true\n", y->f);
	}
}

/* "key:" with a block list, or "key: []" when count is 0. */
static bool ylist(struct yout *y, const char *key, unsigned count)
{
	if (count) {
		yopen_list(y, key);
		return true;
	}
	ykey(y, key);
	fputs("[]\n", y->f);
	return false;
}

int config_print(const struct pg_config *cfg, FILE *f)
{
	struct yout yo = {.f = f}, *y = &yo;
	const char *const *k = spec_keys;
	unsigned n_user_ports = 0;

	fputs("# The effective configuration of ", f);
	for (const char *p = cfg->file; *p; p++)
		fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
	fputs(" (peregrine --print-config):\n"
	      "# every key with its value after defaults and derivations; what has no key of its "
	      "own is a comment.\n",
	      f);
	fprintf(f, "%s: peregrine.io/v1alpha1\n%s: %s\n%s:\n", doc_keys[DOC_API],
		doc_keys[DOC_KIND], KIND_PEREGRINE, doc_keys[DOC_SPEC]);
	y->ind = 2;
	ykey(y, k[S_LOG]);
	fprintf(f, "%s\n",
		(unsigned)cfg->log_level < PG_ARRAY_SIZE(log_level_names)
		    ? log_level_names[cfg->log_level]
		    : "notice");
	print_dataplane(y, cfg);
	yopen(y, k[S_MGMT]);
	ykey(y, mgmt_keys[0]);
	put_str(f, cfg->mgmt_socket, false);
	fputc('\n', f);
	if (cfg->metrics[0]) {
		ykey(y, mgmt_keys[1]);
		put_str(f, cfg->metrics, true);
		fputc('\n', f);
	} else {
		ycomment(y, "%s: none (no metrics endpoint)", mgmt_keys[1]);
	}
	y->ind -= 2;
	yopen(y, k[S_EXC]);
	ykey(y, exc_keys[0]);
	fprintf(f, "%u\n", cfg->exc.punt_rate_pps);
	ykey(y, exc_keys[1]);
	fprintf(f, "%u\n", cfg->exc.punt_burst);
	y->ind -= 2;
	if (cfg->has_vtep) {
		ykey(y, k[S_VTEP]);
		put_ip(f, &cfg->vtep);
		fputc('\n', f);
	} else {
		ycomment(y, "%s: none", k[S_VTEP]);
	}
	if (cfg->n_loopbacks) {
		ykey(y, k[S_LOOP]);
		fputc('[', f);
		for (unsigned i = 0; i < cfg->n_loopbacks; i++) {
			fputs(i ? ", " : "", f);
			put_ip(f, &cfg->loopbacks[i]);
		}
		fputs("]\n", f);
	} else {
		ycomment(y, "%s: none", k[S_LOOP]);
	}
	if (ylist(y, k[S_VRFS], cfg->n_vrfs > 1 ? cfg->n_vrfs - 1 : 0)) {
		for (unsigned i = 1; i < cfg->n_vrfs; i++) {
			y->dash = true;
			ykey(y, vrf_keys[0]);
			put_str(f, cfg->vrfs[i].name, false);
			fputc('\n', f);
		}
		y->ind -= 4;
	}
	/* the irb<VNI> ports come back from their l2vnis entries, host session ports from
	 * hostSessions */
	for (unsigned i = 0; i < cfg->n_ports; i++)
		n_user_ports += !cfg->ports[i].irb && cfg->ports[i].host_session < 0;
	if (ylist(y, k[S_PORTS], n_user_ports)) {
		for (unsigned i = 0; i < cfg->n_ports; i++)
			if (!cfg->ports[i].irb && cfg->ports[i].host_session < 0)
				print_port(y, cfg, &cfg->ports[i]);
		y->ind -= 4;
	}
	if (ylist(y, k[S_L3VNIS], cfg->n_l3vnis)) {
		for (unsigned i = 0; i < cfg->n_l3vnis; i++)
			print_l3vni(y, cfg, &cfg->l3vnis[i]);
		y->ind -= 4;
	}
	if (ylist(y, k[S_L2VNIS], cfg->n_l2vnis)) {
		for (unsigned i = 0; i < cfg->n_l2vnis; i++)
			print_l2vni(y, cfg, &cfg->l2vnis[i]);
		y->ind -= 4;
	}
	if (ylist(y, k[S_TUNNELS], cfg->n_tunnels)) {
		for (unsigned i = 0; i < cfg->n_tunnels; i++) {
			const struct cfg_tunnel *t = &cfg->tunnels[i];
			y->dash = true;
			ykey(y, tunnel_keys[T_TYPE]);
			fprintf(f, "%s\n", tunnel_types[t->type == CFG_TUNNEL_VXLAN ? 0 : 1]);
			ykey(y, tunnel_keys[T_REMOTE]);
			put_ip(f, &t->remote);
			fputc('\n', f);
			if (t->type == CFG_TUNNEL_IPIP) { /* VXLAN takes the L3VNI's VRF */
				ykey(y, tunnel_keys[T_VRF]);
				put_str(f, vrf_name(cfg, t->vrf), false);
				fputc('\n', f);
			}
		}
		y->ind -= 4;
	}
	if (ylist(y, k[S_ROUTES], cfg->n_routes)) {
		for (unsigned i = 0; i < cfg->n_routes; i++)
			print_route(y, cfg, &cfg->routes[i]);
		y->ind -= 4;
	}
	if (ylist(y, k[S_NEIGH], cfg->n_neighbors)) {
		for (unsigned i = 0; i < cfg->n_neighbors; i++) {
			const struct cfg_neighbor *nb = &cfg->neighbors[i];
			fprintf(f, "%*s- {%s: ", y->ind - 2, "", neighbor_keys[N_IP]);
			put_ip(f, &nb->ip);
			fprintf(f, ", %s: ", neighbor_keys[N_MAC]);
			put_mac(f, &nb->mac);
			fprintf(f, ", %s: ", neighbor_keys[N_PORT]);
			put_str(f, port_name(cfg, nb->port), false);
			fputs("}\n", f);
		}
		y->ind -= 4;
	}
	print_bgp(y, cfg);
	if (cfg->n_host_sessions) {
		yopen_list(y, k[S_HS]);
		for (unsigned i = 0; i < cfg->n_host_sessions; i++)
			print_host_session(y, cfg, &cfg->host_sessions[i]);
		y->ind -= 4;
	}
	if (fflush(f) != 0 || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}
