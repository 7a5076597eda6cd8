/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP Loc-RIB → fast path: the RIB's route_set/route_del become next hop objects and FIB routes
 * through the same writer API the configuration uses (apply.c). Routes of other origins (local,
 * connected, static, neighbour) win over BGP: a BGP route never replaces them.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "apply.h"
#include "bgp_fib.h"
#include "bgp_rib.h"
#include "fib.h"
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
	uint8_t n; /* 0: empty */
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
	return m->n == n && m->vrf == vrf && memcmp(m->nhs, nhs, n * sizeof(*nhs)) == 0;
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

static int nh_for(uint16_t vrf, const struct rib_nh *n, uint32_t *id)
{
	switch (n->kind) {
	case RIB_NH_VIA:
		return nh_via_get(vrf, &n->addr, -1, id);
	case RIB_NH_VXLAN:
		return nh_vxlan_get(vrf, &n->addr, n->vni, &n->rmac, id);
	default:
		return -EINVAL;
	}
}

static int route_set(uint16_t vrf, const struct pg_prefix *p, const struct rib_nh *nhs, unsigned n)
{
	const struct fib_route *r = fib_route_find(vrf, p);
	uint32_t ids[RIB_MAX_PATHS], id;
	unsigned k = 0;
	int ret = 0;

	if (r && r->origin != ROUTE_BGP)
		return -EEXIST;
	n = n < RIB_MAX_PATHS ? n : RIB_MAX_PATHS;
	struct nh_memo *m = memo_slot(vrf, nhs, n);
	if (memo_match(m, vrf, nhs, n)) {
		nh_ref(m->id); /* the route's */
		batch();
		return apply_route_add(vrf, p, m->id, ROUTE_BGP);
	}
	for (unsigned i = 0; i < n && k < RIB_MAX_PATHS; i++) {
		ret = nh_for(vrf, &nhs[i], &ids[k]);
		if (ret == 0)
			k++;
	}
	if (k == 0)
		return ret < 0 ? ret : -ENETUNREACH;
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
		memcpy(m->nhs, nhs, n * sizeof(*nhs));
		m->id = id;
		nh_ref(id);
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
};

void bgp_fib_attach(void)
{
	rib_set_fib_ops(&ops);
}
