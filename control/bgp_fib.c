/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP Loc-RIB → fast path: the RIB's route_set/route_del become next hop objects and FIB routes
 * through the same writer API the configuration uses (apply.c). Routes of other origins (local,
 * connected, static, neighbour) win over BGP: a BGP route never replaces them.
 */
#include <errno.h>

#include "apply.h"
#include "bgp_fib.h"
#include "bgp_rib.h"
#include "fib.h"
#include "l2ctl.h"
#include "nexthop.h"

static bool in_batch;

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
	if (in_batch)
		apply_batch_end();
	in_batch = false;
}

static const struct rib_fib_ops ops = {
    .route_set = route_set,
    .route_del = route_del,
    .batch_end = batch_end,
    .l2_mac_set = l2ctl_remote_mac_set,
    .l2_mac_del = l2ctl_remote_mac_del,
    .l2_flood_set = l2ctl_flood_set,
    .l2_arp_set = l2ctl_arp_set,
};

void bgp_fib_attach(void)
{
	rib_set_fib_ops(&ops);
}
