/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Next hop table (control side). Next hops are shared by key and reference counted; a published
 * struct nh is never modified: changes (a neighbour's MAC, a tunnel's underlay) build a new object,
 * swap the pointer in dp.nh[] and free the old one after a grace period.
 *
 * Tunnel next hops are resolved here, not in the worker: each keeps a reference on the DIRECT next
 * hop of its underlay route and copies that neighbour's MAC and port into its header template, so a
 * worker encapsulates with one template copy and no second FIB lookup. nh_tunnels_refresh()
 * re-resolves them when the underlay changes.
 */

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "dp.h"

struct nh_key {
	uint8_t type;
	uint8_t family;
	uint16_t vrf;
	uint16_t port;
	uint16_t n;
	uint32_t vni;
	uint8_t ip[16];
	struct pg_mac rmac;
	uint16_t pad;
	uint32_t member[PG_ECMP_MAX];
};

/* Control-side view of one next hop. */
struct nh_info {
	struct nh_key key;
	uint32_t refcnt;
	uint32_t under; /* tunnels: underlay DIRECT nh holding a reference, 0 if unresolved */
};

int nh_init(uint32_t max);
void nh_fini(void);

uint32_t nh_blackhole_id(void);
int nh_local_get(uint16_t vrf, uint16_t port, uint32_t *id);
int nh_connected_get(uint16_t vrf, uint16_t port, uint32_t *id);
int nh_direct_get(uint16_t vrf, uint16_t port, const struct pg_ip *gw, uint32_t *id);
int nh_vxlan_get(uint16_t vrf, const struct pg_ip *remote, uint32_t vni, const struct pg_mac *rmac,
		 uint32_t *id);
int nh_ipip_get(uint16_t vrf, const struct pg_ip *remote, uint32_t *id);
/* Members must be DIRECT/VXLAN/IPIP next hops; the group takes its own references on them. */
int nh_ecmp_get(uint16_t vrf, const uint32_t *members, unsigned n, uint32_t *id);
/* Resolve a gateway the way a static route does: port from the connected route in vrf. */
int nh_via_get(uint16_t vrf, const struct pg_ip *gw, int port, uint32_t *id);

/* The control plane's neighbour table, asked when a DIRECT next hop is created. */
typedef bool (*nh_neigh_lookup_fn)(uint16_t port, const struct pg_ip *ip, struct pg_mac *mac);
void nh_set_neigh_lookup(nh_neigh_lookup_fn fn);

void nh_ref(uint32_t id);
void nh_put(uint32_t id);

/* The neighbour module learned (mac != NULL) or lost (mac == NULL) ip on port. */
void nh_neigh_update(uint16_t port, const struct pg_ip *ip, const struct pg_mac *mac);
/* Re-resolve every tunnel next hop against the current default-VRF FIB. */
void nh_tunnels_refresh(void);

const struct nh_info *nh_info_get(uint32_t id);
const char *nh_type_name(uint8_t type);
int nh_walk(int (*cb)(uint32_t id, const struct nh *, const struct nh_info *, void *), void *arg);

/* Per-packet helper for worker and control thread: total length into a template checksum. */
static inline uint16_t nh_ip_csum_add_len(uint16_t tmpl_csum, uint16_t len_be)
{
	uint32_t s = (uint16_t)~tmpl_csum;
	s += len_be;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
