/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Per-VRF FIBs and the control-side route table.
 *
 * IPv4: one rte_lpm per VRF, updated in place (every tbl24/tbl8 entry is one atomic store) with
 * tbl8 groups reclaimed through rte_rcu_qsbr, so readers never see a freed group.
 * IPv6: rte_fib6 (TRIE) has no RCU hook and frees tbl8s at once, so each VRF keeps two copies
 * (left-right): updates are logged, applied to the standby copy, the copies are swapped, and after
 * one grace period the log is replayed on the other copy. fib_commit() does this for a whole batch.
 *
 * Writers: control thread only. Readers: workers (fib4_lookup_bulk / fib6_lookup_bulk).
 */

#include <stdint.h>
#include <string.h>

#include <rte_fib6.h>
#include <rte_lpm.h>

#include "addr.h"
#include "dp.h"

enum route_origin {
	ROUTE_LOCAL = 0, /* our own address (/32, /128) */
	ROUTE_CONNECTED, /* subnet of an interface address */
	ROUTE_NEIGH,     /* host route created by neighbour resolution */
	ROUTE_STATIC,    /* configuration */
	ROUTE_BGP,
	ROUTE_ORIGIN_MAX
};
const char *route_origin_name(enum route_origin o);

struct fib_route {
	uint16_t vrf;
	uint8_t origin;
	struct pg_prefix prefix;
	uint32_t nh;
};

struct fib6 {
	struct rte_fib6 *active; /* read by workers (rcu_dereference); NULL until the first route */
	struct rte_fib6 *copy[2];
	unsigned max_routes;
};

int fib_init(unsigned capacity);
void fib_fini(void);

int fib_vrf_create(uint16_t id, const char *name, unsigned max4, unsigned tbl8, unsigned max6);
void fib_vrf_destroy(uint16_t id);

/* Add or replace. *old_nh gets the replaced next hop (0 when new). The caller owns nh references. */
int fib_route_add(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, enum route_origin origin,
		  uint32_t *old_nh);
/* Delete; -ENOENT if absent. *old_nh gets the removed route's next hop. */
int fib_route_del(uint16_t vrf, const struct pg_prefix *p, uint32_t *old_nh);
const struct fib_route *fib_route_find(uint16_t vrf, const struct pg_prefix *p);
/* Longest-prefix match as the workers see it (IPv6: after the last commit). 0 = no route. */
uint32_t fib_lookup_ctl(uint16_t vrf, const struct pg_ip *ip);
/* Walk routes (vrf = UINT16_MAX for all, family 0 for both) in no particular order. */
int fib_route_walk(uint16_t vrf, int family, int (*cb)(const struct fib_route *, void *), void *arg);
unsigned fib_route_count(uint16_t vrf, int family);
/* Publish pending IPv6 changes (one grace period per call, only if something is pending). */
int fib_commit(void);

static inline void fib4_lookup_bulk(const struct dp_vrf *v, const uint32_t *ips_host, uint32_t *nh,
				    unsigned n)
{
	rte_lpm_lookup_bulk(v->fib4, ips_host, nh, n);
	for (unsigned i = 0; i < n; i++)
		nh[i] = (nh[i] & RTE_LPM_LOOKUP_SUCCESS) ? (nh[i] & 0x00ffffff) : 0;
}

static inline void fib6_lookup_bulk(const struct dp_vrf *v, uint8_t ips[][16], uint64_t *nh,
				    unsigned n)
{
	struct rte_fib6 *f = rcu_dereference(v->fib6->active);
	if (unlikely(f == NULL)) {
		memset(nh, 0, n * sizeof(*nh));
		return;
	}
	rte_fib6_lookup_bulk(f, ips, nh, n);
}
