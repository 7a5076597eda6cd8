/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP routing policy: the compiled sets and the evaluator (see bgp_policy.h).
 *
 * Prefix sets: the entries of each family are sorted by (length, address) and the distinct
 * lengths kept; a route of length L is looked up once per distinct length l <= L (its address
 * cut to l, binary search), so a large set costs a few searches, not a scan. Community sets are
 * short lists of patterns (wildcards allowed) scanned per community of the route.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_policy.h"
#include "bgp_update.h"
#include "bgp_wire.h"

/* ---- communities ---- */

static const struct {
	const char *name;
	uint32_t v;
} comm_names[] = {
    {"no-export", 0xFFFFFF01u},		  {"no-advertise", 0xFFFFFF02u},
    {"no-export-subconfed", 0xFFFFFF03u}, {"blackhole", 0xFFFF029Au},
    {"graceful-shutdown", 0xFFFF0000u},
};

/* One part: decimal up to max, or "*". */
static int comm_part(const char *s, size_t len, uint32_t max, uint32_t *v, bool *wild)
{
	uint64_t x = 0;

	*wild = false;
	if (len == 1 && s[0] == '*') {
		*wild = true;
		*v = 0;
		return 0;
	}
	if (len == 0 || len > 10)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

int bgp_comm_parse(const char *s, struct bgp_comm_pat *out)
{
	const char *part[4];
	size_t plen[4];
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(comm_names) / sizeof(comm_names[0]); i++)
		if (strcmp(s, comm_names[i].name) == 0) {
			out->v[0] = comm_names[i].v;
			return 0;
		}
	for (const char *p = s;;) {
		const char *c = strchr(p, ':');
		if (n == 3)
			return -EINVAL;
		part[n] = p;
		plen[n++] = c ? (size_t)(c - p) : strlen(p);
		if (!c)
			break;
		p = c + 1;
	}
	if (n == 2) {
		uint32_t hi, lo;
		bool wh, wl;
		if (comm_part(part[0], plen[0], 0xffff, &hi, &wh) ||
		    comm_part(part[1], plen[1], 0xffff, &lo, &wl))
			return -EINVAL;
		out->v[0] = hi << 16 | lo;
		out->wild = (uint8_t)((wh ? 1 : 0) | (wl ? 2 : 0));
		return 0;
	}
	if (n == 3) {
		out->large = true;
		for (unsigned i = 0; i < 3; i++) {
			bool w;
			if (comm_part(part[i], plen[i], 0xffffffffu, &out->v[i], &w))
				return -EINVAL;
			if (w)
				out->wild |= (uint8_t)(1u << i);
		}
		return 0;
	}
	return -EINVAL;
}

char *bgp_comm_fmt(const struct bgp_comm_pat *c, char *buf, size_t len)
{
	char p[3][12];

	if (!c->large && !c->wild)
		for (size_t i = 0; i < sizeof(comm_names) / sizeof(comm_names[0]); i++)
			if (c->v[0] == comm_names[i].v) {
				snprintf(buf, len, "%s", comm_names[i].name);
				return buf;
			}
	if (c->large) {
		for (unsigned i = 0; i < 3; i++) {
			if (c->wild & (1u << i))
				snprintf(p[i], sizeof(p[i]), "*");
			else
				snprintf(p[i], sizeof(p[i]), "%u", c->v[i]);
		}
		snprintf(buf, len, "%s:%s:%s", p[0], p[1], p[2]);
		return buf;
	}
	if (c->wild & 1)
		snprintf(p[0], sizeof(p[0]), "*");
	else
		snprintf(p[0], sizeof(p[0]), "%u", c->v[0] >> 16);
	if (c->wild & 2)
		snprintf(p[1], sizeof(p[1]), "*");
	else
		snprintf(p[1], sizeof(p[1]), "%u", c->v[0] & 0xffff);
	snprintf(buf, len, "%s:%s", p[0], p[1]);
	return buf;
}

static bool std_match(const struct bgp_comm_pat *c, uint32_t v)
{
	uint32_t mask = ((c->wild & 1) ? 0 : 0xffff0000u) | ((c->wild & 2) ? 0 : 0xffffu);
	return !c->large && (v & mask) == (c->v[0] & mask);
}

static bool large_match(const struct bgp_comm_pat *c, const uint32_t v[3])
{
	if (!c->large)
		return false;
	for (unsigned i = 0; i < 3; i++)
		if (!(c->wild & (1u << i)) && v[i] != c->v[i])
			return false;
	return true;
}

static uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void wr32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static bool pats_match_std(const struct bgp_comm_pat *p, unsigned n, uint32_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (std_match(&p[i], v))
			return true;
	return false;
}

static bool pats_match_large(const struct bgp_comm_pat *p, unsigned n, const uint8_t *b)
{
	uint32_t v[3] = {rd32(b), rd32(b + 4), rd32(b + 8)};

	for (unsigned i = 0; i < n; i++)
		if (large_match(&p[i], v))
			return true;
	return false;
}

/* ---- prefix sets ---- */

static unsigned fam_of(const struct pg_ip *ip)
{
	return ip->family == AF_INET6 ? 1 : 0;
}

static const uint8_t *addr_bytes(const struct pg_ip *ip)
{
	return ip->family == AF_INET6 ? ip->v6 : (const uint8_t *)&ip->v4;
}

static int ent_cmp_key(const struct bgp_pfx_ent *e, uint8_t len, const uint8_t *a, size_t alen)
{
	if (e->prefix.len != len)
		return e->prefix.len < len ? -1 : 1;
	return memcmp(addr_bytes(&e->prefix.ip), a, alen);
}

static int ent_cmp(const void *x, const void *y)
{
	const struct bgp_pfx_ent *a = x, *b = y;
	size_t alen = a->prefix.ip.family == AF_INET6 ? 16 : 4;
	int c = ent_cmp_key(a, b->prefix.len, addr_bytes(&b->prefix.ip), alen);

	if (c)
		return c;
	return a->ge != b->ge ? (a->ge < b->ge ? -1 : 1) : (a->le > b->le) - (a->le < b->le);
}

int bgp_pfx_set_compile(struct bgp_pfx_set *s)
{
	for (unsigned f = 0; f < 2; f++) {
		unsigned n = 0;
		free(s->sorted[f]);
		s->sorted[f] = NULL;
		s->n_sorted[f] = s->n_lens[f] = 0;
		for (unsigned i = 0; i < s->n; i++)
			n += fam_of(&s->ents[i].prefix.ip) == f;
		if (!n)
			continue;
		s->sorted[f] = malloc(n * sizeof(*s->sorted[f]));
		if (!s->sorted[f])
			return -ENOMEM;
		for (unsigned i = 0; i < s->n; i++)
			if (fam_of(&s->ents[i].prefix.ip) == f)
				s->sorted[f][s->n_sorted[f]++] = s->ents[i];
		qsort(s->sorted[f], n, sizeof(*s->sorted[f]), ent_cmp);
		for (unsigned i = 0; i < n; i++) {
			uint8_t l = s->sorted[f][i].prefix.len;
			if (!s->n_lens[f] || s->lens[f][s->n_lens[f] - 1] != l)
				s->lens[f][s->n_lens[f]++] = l;
		}
	}
	return 0;
}

bool bgp_pfx_set_match(const struct bgp_pfx_set *s, const struct pg_prefix *p)
{
	unsigned f = fam_of(&p->ip);
	size_t alen = f ? 16 : 4;
	const uint8_t *a = addr_bytes(&p->ip);
	const struct bgp_pfx_ent *v = s->sorted[f];
	uint8_t key[16];

	for (unsigned li = 0; li < s->n_lens[f]; li++) {
		uint8_t l = s->lens[f][li];
		if (l > p->len)
			break;
		memcpy(key, a, alen);
		for (unsigned b = l; b < alen * 8; b++)
			key[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
		/* first entry >= (l, key) */
		size_t lo = 0, hi = s->n_sorted[f];
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (ent_cmp_key(&v[mid], l, key, alen) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < s->n_sorted[f] && ent_cmp_key(&v[lo], l, key, alen) == 0; lo++)
			if (p->len >= v[lo].ge && p->len <= v[lo].le)
				return true;
	}
	return false;
}

/* ---- the database ---- */

struct bgp_policy_db *bgp_policy_db_new(void)
{
	struct bgp_policy_db *db = calloc(1, sizeof(*db));

	if (db)
		db->refcnt = 1;
	return db;
}

struct bgp_policy_db *bgp_policy_db_ref(struct bgp_policy_db *db)
{
	if (db)
		db->refcnt++;
	return db;
}

void bgp_policy_db_unref(struct bgp_policy_db *db)
{
	if (!db || --db->refcnt)
		return;
	for (unsigned i = 0; i < db->n_pfx; i++) {
		free(db->pfx[i].ents);
		free(db->pfx[i].sorted[0]);
		free(db->pfx[i].sorted[1]);
	}
	for (unsigned i = 0; i < db->n_comm; i++)
		free(db->comm[i].ents);
	for (unsigned i = 0; i < db->n_pol; i++) {
		for (unsigned t = 0; t < db->pol[i].n_terms; t++) {
			free(db->pol[i].terms[t].add);
			free(db->pol[i].terms[t].remove);
		}
		free(db->pol[i].terms);
	}
	free(db->pfx);
	free(db->comm);
	free(db->pol);
	free(db);
}

int bgp_policy_find_pfx(const struct bgp_policy_db *db, const char *name)
{
	for (unsigned i = 0; db && i < db->n_pfx; i++)
		if (strcmp(db->pfx[i].name, name) == 0)
			return (int)i;
	return -1;
}

int bgp_policy_find_comm(const struct bgp_policy_db *db, const char *name)
{
	for (unsigned i = 0; db && i < db->n_comm; i++)
		if (strcmp(db->comm[i].name, name) == 0)
			return (int)i;
	return -1;
}

int bgp_policy_find(const struct bgp_policy_db *db, const char *name)
{
	for (unsigned i = 0; db && i < db->n_pol; i++)
		if (strcmp(db->pol[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- evaluation ---- */

static bool match_comm(const struct bgp_comm_set *cs, const struct bgp_pol_route *r)
{
	for (unsigned i = 0; i < r->n_comm; i++)
		if (pats_match_std(cs->ents, cs->n, rd32(r->comm + 4 * i)))
			return true;
	for (unsigned i = 0; i < r->n_large; i++)
		if (pats_match_large(cs->ents, cs->n, r->large + 12 * i))
			return true;
	return false;
}

/* The last AS of the path's last segment (a SET's last member alike), 0 when empty. */
static uint32_t aspath_origin(const uint8_t *p, uint16_t len)
{
	uint32_t last = 0;

	for (uint16_t o = 0; o + 2 <= len;) {
		uint8_t cnt = p[o + 1];
		if (o + 2u + 4u * cnt > len)
			break;
		if (cnt)
			last = rd32(p + o + 2 + 4 * (cnt - 1));
		o = (uint16_t)(o + 2 + 4 * cnt);
	}
	return last;
}

static bool aspath_has(const uint8_t *p, uint16_t len, uint32_t as)
{
	for (uint16_t o = 0; o + 2 <= len;) {
		uint8_t cnt = p[o + 1];
		if (o + 2u + 4u * cnt > len)
			break;
		for (unsigned i = 0; i < cnt; i++)
			if (rd32(p + o + 2 + 4 * i) == as)
				return true;
		o = (uint16_t)(o + 2 + 4 * cnt);
	}
	return false;
}

static bool term_matches(const struct bgp_policy_db *db, const struct bgp_pol_term *t,
			 const struct bgp_pol_route *r)
{
	if ((t->match & BGP_PM_FAMILY) && r->af != t->family)
		return false;
	if ((t->match & BGP_PM_PREFIX) &&
	    (!r->has_prefix || !bgp_pfx_set_match(&db->pfx[t->pfx_set], &r->prefix)))
		return false;
	if ((t->match & BGP_PM_COMM) && !match_comm(&db->comm[t->comm_set], r))
		return false;
	if ((t->match & BGP_PM_ASPATH) && !aspath_has(r->aspath, r->aspath_len, t->aspath_as))
		return false;
	if ((t->match & BGP_PM_ORIGIN) &&
	    (!r->aspath_len || aspath_origin(r->aspath, r->aspath_len) != t->origin_as))
		return false;
	return true;
}

/* Remove the route's communities matching t->remove, then add t->add (standard and large). */
static void set_communities(const struct bgp_pol_term *t, struct bgp_pol_route *r)
{
	uint8_t tmp[12 * BGP_POL_WORK_COMM];
	unsigned n = 0;

	/* standard */
	for (unsigned i = 0; i < r->n_comm; i++) {
		uint32_t v = rd32(r->comm + 4 * i);
		if (!pats_match_std(t->remove, t->n_remove, v))
			wr32(tmp + 4 * n++, v);
	}
	for (unsigned a = 0; a < t->n_add; a++) {
		if (t->add[a].large)
			continue;
		bool have = false;
		for (unsigned i = 0; i < n && !have; i++)
			have = rd32(tmp + 4 * i) == t->add[a].v[0];
		if (!have && n < BGP_POL_WORK_COMM)
			wr32(tmp + 4 * n++, t->add[a].v[0]);
	}
	if (n != r->n_comm || t->n_add) {
		memcpy(r->comm_buf, tmp, 4 * n);
		r->comm = r->comm_buf;
		r->n_comm = (uint16_t)n;
		r->modified |= BGP_PR_COMM;
	}
	/* large */
	n = 0;
	for (unsigned i = 0; i < r->n_large; i++)
		if (!pats_match_large(t->remove, t->n_remove, r->large + 12 * i))
			memcpy(tmp + 12 * n++, r->large + 12 * i, 12);
	bool large_added = false;
	for (unsigned a = 0; a < t->n_add; a++) {
		if (!t->add[a].large)
			continue;
		uint8_t b[12];
		bool have = false;
		wr32(b, t->add[a].v[0]);
		wr32(b + 4, t->add[a].v[1]);
		wr32(b + 8, t->add[a].v[2]);
		for (unsigned i = 0; i < n && !have; i++)
			have = memcmp(tmp + 12 * i, b, 12) == 0;
		if (!have && n < BGP_POL_WORK_COMM) {
			memcpy(tmp + 12 * n++, b, 12);
			large_added = true;
		}
	}
	if (n != r->n_large || large_added) {
		memcpy(r->large_buf, tmp, 12 * n);
		r->large = r->large_buf;
		r->n_large = (uint16_t)n;
		r->modified |= BGP_PR_LARGE;
	}
}

/* Prepend as n times: a new leading SEQUENCE segment, or the first one grown (up to 255). */
static void set_prepend(uint32_t as, unsigned n, struct bgp_pol_route *r)
{
	uint8_t tmp[BGP_POL_WORK_ASPATH];
	size_t o = 0;

	if (r->aspath_len + 2u + 4u * n > sizeof(tmp))
		return;
	if (r->aspath_len >= 2 && r->aspath[0] == BGP_ASPATH_SEQUENCE && r->aspath[1] + n <= 255) {
		tmp[o++] = BGP_ASPATH_SEQUENCE;
		tmp[o++] = (uint8_t)(r->aspath[1] + n);
		for (unsigned i = 0; i < n; i++, o += 4)
			wr32(tmp + o, as);
		memcpy(tmp + o, r->aspath + 2, r->aspath_len - 2u);
		o += r->aspath_len - 2u;
	} else {
		tmp[o++] = BGP_ASPATH_SEQUENCE;
		tmp[o++] = (uint8_t)n;
		for (unsigned i = 0; i < n; i++, o += 4)
			wr32(tmp + o, as);
		if (r->aspath_len)
			memcpy(tmp + o, r->aspath, r->aspath_len);
		o += r->aspath_len;
	}
	memcpy(r->aspath_buf, tmp, o);
	r->aspath = r->aspath_buf;
	r->aspath_len = (uint16_t)o;
	r->modified |= BGP_PR_ASPATH;
}

static void term_apply(const struct bgp_pol_term *t, struct bgp_pol_route *r)
{
	if (t->set & BGP_PS_LOCALPREF) {
		r->has_lp = true;
		r->lp = t->local_pref;
		r->modified |= BGP_PR_LP;
	}
	if (t->set & BGP_PS_MED) {
		r->has_med = true;
		r->med = t->med;
		r->modified |= BGP_PR_MED;
	}
	if (t->set & (BGP_PS_ADD | BGP_PS_REMOVE))
		set_communities(t, r);
	if ((t->set & BGP_PS_PREPEND) && !r->no_prepend)
		set_prepend(t->prepend_as ? t->prepend_as : r->local_as, t->prepend_n, r);
}

bool bgp_policy_eval(const struct bgp_policy_db *db, const struct bgp_chain *ch,
		     struct bgp_pol_route *r)
{
	r->modified = 0;
	r->sig = 0;
	if (!ch || !ch->n)
		return true;
	for (unsigned c = 0; c < ch->n; c++) {
		const struct bgp_policy *pol = &db->pol[ch->idx[c]];
		for (unsigned i = 0; i < pol->n_terms; i++) {
			const struct bgp_pol_term *t = &pol->terms[i];
			if (!term_matches(db, t, r))
				continue;
			if (t->set) {
				term_apply(t, r);
				r->sig =
				    (r->sig ^ ((uint64_t)c << 32 | i)) * 0x9e3779b97f4a7c15ull + 1;
			}
			if (t->action == BGP_POL_ACCEPT)
				return true;
			if (t->action == BGP_POL_REJECT)
				return false;
		}
	}
	return false;
}

/* ---- routes from and into the codec's structures ---- */

void bgp_pol_route_init(struct bgp_pol_route *r, const struct bgp_nlri *n, uint32_t prepend_as)
{
	r->af = n->af;
	r->has_prefix = false;
	r->local_as = prepend_as;
	r->no_prepend = false;
	r->has_lp = r->has_med = false;
	r->lp = r->med = 0;
	r->aspath = r->comm = r->large = NULL;
	r->aspath_len = r->n_comm = r->n_large = 0;
	r->modified = 0;
	r->sig = 0;
	if (n->af == BGP_AF_IPV4 || n->af == BGP_AF_IPV6) {
		r->has_prefix = true;
		r->prefix = n->prefix;
	} else if (n->af == BGP_AF_EVPN && n->evpn.type == BGP_EVPN_PREFIX) {
		r->has_prefix = true;
		memset(&r->prefix, 0, sizeof(r->prefix));
		r->prefix.ip = n->evpn.ip;
		r->prefix.len = n->evpn.plen;
	} else if (n->af == BGP_AF_EVPN && n->evpn.type == BGP_EVPN_MAC_IP &&
		   (n->evpn.ip.family == AF_INET || n->evpn.ip.family == AF_INET6)) {
		r->has_prefix = true;
		memset(&r->prefix, 0, sizeof(r->prefix));
		r->prefix.ip = n->evpn.ip;
		r->prefix.len = n->evpn.ip.family == AF_INET ? 32 : 128;
	}
}

void bgp_pol_route_attrs(struct bgp_pol_route *r, const struct bgp_attrs *a)
{
	r->aspath = a->aspath;
	r->aspath_len = a->aspath ? a->aspath_len : 0;
	if (bgp_attr_has(a, BGP_ATTR_COMMUNITIES)) {
		r->comm = a->communities;
		r->n_comm = a->n_communities;
	}
	if (bgp_attr_has(a, BGP_ATTR_LARGE_COMMUNITIES)) {
		r->large = a->large_communities;
		r->n_large = a->n_large_communities;
	}
	r->has_lp = bgp_attr_has(a, BGP_ATTR_LOCAL_PREF);
	r->lp = a->local_pref;
	r->has_med = bgp_attr_has(a, BGP_ATTR_MED);
	r->med = a->med;
}

void bgp_pol_route_apply(const struct bgp_pol_route *r, struct bgp_attrs *a)
{
	if (r->modified & BGP_PR_LP) {
		a->present |= 1ull << BGP_ATTR_LOCAL_PREF;
		a->local_pref = r->lp;
	}
	if (r->modified & BGP_PR_MED) {
		a->present |= 1ull << BGP_ATTR_MED;
		a->med = r->med;
	}
	if (r->modified & BGP_PR_COMM) {
		a->communities = r->comm;
		a->n_communities = r->n_comm;
		if (r->n_comm)
			a->present |= 1ull << BGP_ATTR_COMMUNITIES;
		else
			a->present &= ~(1ull << BGP_ATTR_COMMUNITIES);
	}
	if (r->modified & BGP_PR_LARGE) {
		a->large_communities = r->large;
		a->n_large_communities = r->n_large;
		if (r->n_large)
			a->present |= 1ull << BGP_ATTR_LARGE_COMMUNITIES;
		else
			a->present &= ~(1ull << BGP_ATTR_LARGE_COMMUNITIES);
	}
	if (r->modified & BGP_PR_ASPATH) {
		a->aspath = r->aspath;
		a->aspath_len = r->aspath_len;
		a->present |= 1ull << BGP_ATTR_AS_PATH;
	}
}
