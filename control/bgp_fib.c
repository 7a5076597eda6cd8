/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP Loc-RIB → fast path: the RIB's route_set/route_del become next hop objects and FIB routes
 * through the same writer API the configuration uses (apply.c). Routes of other origins (local,
 * connected, static, neighbour) win over BGP: a BGP route never replaces them.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "bgp_fib.h"
#include "bgp_rib.h"
#include "fib.h"
#include "l2ctl.h"
#include "nexthop.h"

static bool in_batch;

/*
 * Next hop ids of the batch: a feed gives thousands of routes the same next hop (set), so the id
 * made for one route (its key hashed and looked up, a reference taken) is remembered for the
 * rest of the batch. Each entry holds a reference of its own, dropped at the end of the batch.
 */
#define MEMO_N 16
static struct nh_memo {
	uint16_t vrf;
	uint8_t n;    /* 0: empty */
	bool tracked; /* the next hops are watched by next-hop tracking (see nh_for) */
	uint32_t id;
	struct rib_nh nhs[RIB_MAX_PATHS];
} memo[MEMO_N];

static struct nh_memo *memo_slot(uint16_t vrf, const struct rib_nh *nhs, unsigned n)
{
	uint32_t h = vrf * 0x9e3779b1u + n;

	for (unsigned i = 0; i < n; i++) {
		uint32_t a;
		memcpy(&a, (const uint8_t *)&nhs[i].addr + offsetof(struct pg_ip, v4), 4);
		h = (h ^ a ^ nhs[i].vni) * 0x85ebca6bu;
	}
	return &memo[(h >> 16) % MEMO_N];
}

static bool memo_match(const struct nh_memo *m, uint16_t vrf, const struct rib_nh *nhs, unsigned n)
{
	if (m->n != n || m->vrf != vrf)
		return false;
	/* One next hop (the common case, once per route): a fixed size gcc compares inline
	 * instead of calling memcmp (~3% of a 100k-route feed). */
	if (n == 1)
		return memcmp(m->nhs, nhs, sizeof(*nhs)) == 0;
	return memcmp(m->nhs, nhs, n * sizeof(*nhs)) == 0;
}

static void memo_clear(void)
{
	for (unsigned i = 0; i < MEMO_N; i++) {
		if (memo[i].n)
			nh_put(memo[i].id);
		memo[i].n = 0;
	}
}

static void batch(void)
{
	if (!in_batch) {
		apply_batch_begin();
		in_batch = true;
	}
}

/*
 * Next-hop tracking. A BGP next hop that is not on a connected subnet resolves recursively through
 * the longest route covering it (not the default route, not the route being resolved); such
 * routes, and those whose next hop does not resolve at all, are remembered under their next hop.
 * When a default-VRF route covering a remembered next hop changes, its routes are decided and
 * programmed again (rib_resync_prefix); a resolution that comes out the same changes nothing.
 */
struct nht {
	struct nht *next;
	struct pg_ip addr;
	size_t n, cap;
	struct pg_prefix *routes;
};
static struct nht *nht_list;
static uint64_t nht_resyncs;

static void nht_track(const struct pg_ip *addr, const struct pg_prefix *p)
{
	struct nht *t;

	for (t = nht_list; t && !ip_equal(&t->addr, addr); t = t->next)
		;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return;
		t->addr = *addr;
		t->next = nht_list;
		nht_list = t;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct pg_prefix *r = realloc(t->routes, cap * sizeof(*r));
		if (!r)
			return;
		t->routes = r;
		t->cap = cap;
	}
	t->routes[t->n++] = *p;
}

/* A default-VRF route p changed: re-resolve the routes of every next hop inside it. */
static void nht_route_changed(const struct pg_prefix *p)
{
	for (struct nht **pp = &nht_list; *pp;) {
		struct nht *t = *pp;
		if (!prefix_contains(p, &t->addr)) {
			pp = &t->next;
			continue;
		}
		*pp = t->next; /* still unresolved or recursive: tracked again by route_set */
		for (size_t i = 0; i < t->n; i++)
			rib_resync_prefix(&t->routes[i]);
		nht_resyncs += t->n;
		free(t->routes);
		free(t);
	}
}

/* The next hop of the longest route covering gw, other than the default route and self. */
static int nh_recursive(uint16_t vrf, const struct pg_ip *gw, const struct pg_prefix *self,
			uint32_t *id)
{
	for (int len = gw->family == AF_INET ? 32 : 128; len >= 1; len--) {
		struct pg_prefix q = {.ip = *gw, .len = (uint8_t)len};
		prefix_mask(&q);
		if (self && self->len == q.len && ip_equal(&self->ip, &q.ip))
			continue;
		const struct fib_route *r = fib_route_find(vrf, &q);
		if (!r)
			continue;
		const struct nh_info *ni = nh_info_get(r->nh);
		if (!ni)
			return -ENETUNREACH;
		switch (ni->key.type) {
		case NH_DIRECT:
		case NH_ECMP:
		case NH_VXLAN:
		case NH_IPIP:
			nh_ref(r->nh);
			*id = r->nh;
			return 0;
		default: /* local, blackhole, connected (nh_via_get's case) */
			return -ENETUNREACH;
		}
	}
	return -ENETUNREACH;
}

static int nh_for(uint16_t vrf, const struct rib_nh *n, const struct pg_prefix *p, uint32_t *id,
		  bool *tracked)
{
	int ret;

	switch (n->kind) {
	case RIB_NH_VIA:
		ret = nh_via_get(vrf, &n->addr, -1, id);
		if (ret == -ENETUNREACH) {
			ret = nh_recursive(vrf, &n->addr, p, id);
			nht_track(&n->addr, p);
			*tracked = true;
		}
		return ret;
	case RIB_NH_VXLAN:
		return nh_vxlan_get(vrf, &n->addr, n->vni, &n->rmac, id);
	default:
		return -EINVAL;
	}
}

static int route_set(uint16_t vrf, const struct pg_prefix *p, const struct rib_nh *nhs, unsigned n)
{
	/* fib_route_find()'s answer lasts until the next fib_* call (nh_for makes some): keep it.
	 */
	const struct fib_route *r = fib_route_find(vrf, p);
	const bool installed = r != NULL;
	const uint32_t cur_nh = r ? r->nh : 0;
	uint32_t ids[RIB_MAX_PATHS], id;
	unsigned k = 0;
	bool tracked = false;
	int ret = 0;

	if (r && r->origin != ROUTE_BGP)
		return -EEXIST;
	r = NULL;
	n = n < RIB_MAX_PATHS ? n : RIB_MAX_PATHS;
	struct nh_memo *m = memo_slot(vrf, nhs, n);
	if (memo_match(m, vrf, nhs, n)) {
		for (unsigned i = 0; m->tracked && i < n; i++)
			if (nhs[i].kind == RIB_NH_VIA)
				nht_track(&nhs[i].addr, p);
		id = m->id;
		nh_ref(id); /* the route's */
		goto install;
	}
	for (unsigned i = 0; i < n && k < RIB_MAX_PATHS; i++) {
		ret = nh_for(vrf, &nhs[i], p, &ids[k], &tracked);
		if (ret == 0)
			k++;
	}
	if (k == 0) {
		if (installed) { /* its next hops stopped resolving: out of the FIB, still in the
				    RIB */
			batch();
			apply_route_del(vrf, p);
		}
		return ret < 0 ? ret : -ENETUNREACH;
	}
	if (k == 1) {
		id = ids[0];
	} else {
		ret = nh_ecmp_get(vrf, ids, k, &id);
		for (unsigned i = 0; i < k; i++)
			nh_put(ids[i]); /* the group holds its own references */
		if (ret < 0)
			return ret;
	}
	if (k == n) { /* every next hop usable: remember the id for the batch */
		if (m->n)
			nh_put(m->id);
		m->vrf = vrf;
		m->n = (uint8_t)n;
		m->tracked = tracked;
		memcpy(m->nhs, nhs, n * sizeof(*nhs));
		m->id = id;
		nh_ref(id);
	}
install:
	if (installed && cur_nh == id) { /* resolved as before (next-hop tracking asked again) */
		nh_put(id);
		return 0;
	}
	batch();
	return apply_route_add(vrf, p, id, ROUTE_BGP);
}

static int route_del(uint16_t vrf, const struct pg_prefix *p)
{
	const struct fib_route *r = fib_route_find(vrf, p);

	if (!r || r->origin != ROUTE_BGP)
		return 0;
	batch();
	return apply_route_del(vrf, p);
}

static void batch_end(void)
{
	memo_clear();
	if (in_batch)
		apply_batch_end();
	in_batch = false;
}

static void route_prefetch(uint16_t vrf, const struct pg_prefix *p)
{
	fib_route_prefetch(vrf, p);
}

static const struct rib_fib_ops ops = {
    .route_set = route_set,
    .route_del = route_del,
    .batch_end = batch_end,
    .prefetch = route_prefetch,
    .l2_mac_set = l2ctl_remote_mac_set,
    .l2_mac_del = l2ctl_remote_mac_del,
    .l2_flood_set = l2ctl_flood_set,
    .l2_arp_set = l2ctl_arp_set,
};

void bgp_fib_attach(void)
{
	rib_set_fib_ops(&ops);
	apply_set_route_hook(nht_route_changed);
}

void bgp_fib_nht_stats(unsigned *nexthops, uint64_t *routes, uint64_t *resyncs)
{
	*nexthops = 0;
	*routes = 0;
	for (const struct nht *t = nht_list; t; t = t->next) {
		(*nexthops)++;
		*routes += t->n;
	}
	*resyncs = nht_resyncs;
}
