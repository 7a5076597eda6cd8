/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * VNI table (VNI -> VRF and counter slot) and tunnel endpoint table (remote IPv4 -> which
 * encapsulations it may send us). Both are copy-on-write u32maps: lock-free lookups of a few
 * cycles for workers, rebuilt and swapped under RCU by the control thread on every change.
 */

#include <stdint.h>

#include "addr.h"
#include "dp.h"

int vni_init(void);
void vni_fini(void);

/* Returns the counter slot (>= 0) or -errno. */
int vni_add(uint32_t vni, uint16_t vrf, const struct pg_mac *rmac);
int vni_del(uint32_t vni);
int vni_slot(uint32_t vni);
uint32_t vni_of_slot(unsigned slot); /* 0 if the slot is free */
uint16_t vni_vrf_of_slot(unsigned slot);

/*
 * Tunnel endpoints are reference counted per flag: next hops and config each take one. vrf is
 * where IPIP packets from the endpoint are routed: an explicit one (configured tunnel) wins over
 * the VRF of the first next hop that referenced the endpoint.
 */
int tun_ref(uint32_t remote_be, uint32_t flag, uint16_t vrf, bool explicit_vrf);
void tun_unref(uint32_t remote_be, uint32_t flag);
int tun_walk(int (*cb)(uint32_t remote_be, uint32_t flags, uint16_t vrf, void *), void *arg);

/* Worker side. */
static inline int vni_lookup(uint32_t vni, uint16_t *vrf, uint16_t *slot)
{
	uint32_t v;

	if (!u32map_lookup(rcu_dereference(dp.vni.pub), vni, &v))
		return -1;
	*vrf = (uint16_t)(v >> 16);
	*slot = (uint16_t)v;
	return 0;
}

static inline int tun_lookup(uint32_t remote_be, uint32_t *flags, uint16_t *vrf)
{
	uint32_t v;

	if (!u32map_lookup(rcu_dereference(dp.tun4.pub), remote_be, &v))
		return -1;
	*flags = v & 0xffff;
	*vrf = (uint16_t)(v >> 16);
	return 0;
}
