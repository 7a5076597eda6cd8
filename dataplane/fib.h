/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Per-VRF FIBs and the control-side route table.
 *
 * IPv4: one table per VRF, of one of two kinds. The default VRF, and other VRFs once they hold more
 * than FIB4_COMPACT_MAX routes, have our DIR-24-8 (fib4_dir24.h), updated in place while the
 * workers read it (as rte_lpm is): changes are visible at once. Other VRFs have a compact table
 * (fib4_dxr.h, DXR-style: 256 KiB first level, chunks of address ranges per /16, ~100 bytes per
 * route) whose changes are published by fib_commit() (copy-on-write per changed /16). A VRF
 * switches kind when it grows past FIB4_COMPACT_MAX or shrinks below a quarter of it: the new
 * table is built from the route set, published, and the old one freed after a grace period
 * (workers read lr->active, the DIR-24-8 table, and lr->compact when that is NULL).
 * fib_commit() waits one grace period when something was given up (next hops of replaced or
 * deleted routes, tbl8 groups, compact chunks) and then releases it. IPv4 routes live in the
 * table's route set (fib4_rset.h, origin as its tag).
 * IPv6: two copies of DPDK's rte_fib6 TRIE used left-right (it does not support RCU: a deleted
 * route's tbl8 group is recycled at once): the control thread applies every change to the
 * standby copy immediately, and fib_commit() swaps the copies, waits one grace period and replays
 * the batch on the other copy, so workers only ever read an IPv6 copy nobody writes. IPv6 routes
 * live in an rte_hash.
 * rte_lpm (which has RCU) was measured and rejected: its rule table makes each insert O(routes),
 * 26k routes/s at 100k routes. IPv4 uses its own table rather than rte_fib so that the bulk
 * lookup is inline in the worker.
 * Tables are created with the first route of their family (an IPv4 DIR-24-8 table is 64 MiB of
 * tbl24 + 1 KiB per tbl8 group, see fib4_dir24.h; a compact one tens of KiB when small; an IPv6
 * VRF table 2 x 74 MiB outside the default VRF, see docs/architecture.md).
 *
 * Writers: control thread only. Readers: workers (fib4_lookup_bulk / fib6_lookup_bulk).
 */

#include <stdint.h>
#include <string.h>

#include <rte_fib6.h>

#include "addr.h"
#include "dp.h"
#include "fib4_dir24.h"
#include "fib4_dxr.h"

enum route_origin {
	ROUTE_LOCAL = 0, /* our own address (/32, /128) */
	ROUTE_CONNECTED, /* subnet of an interface address */
	ROUTE_NEIGH,	 /* host route created by neighbour resolution */
	ROUTE_STATIC,	 /* configuration */
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

/* The FIB of one VRF and family: IPv4 either a compact table (struct fib4_dxr, in compact) or a
 * DIR-24-8 one (struct fib4_tbl, copy[0] and active), never both; IPv6 a left-right pair of struct
 * rte_fib6. */
struct fib_lr {
	void *active; /* read by workers (rcu_dereference); NULL until the first route */
	void *copy[2];
	/* IPv4: the compact table, while the VRF is small (active is NULL then). Read by workers
	 * when active is NULL. */
	struct fib4_dxr *compact;
	unsigned max_routes, tbl8;
	unsigned init_routes; /* IPv4: routes the route hash has room for at first */
	bool rebuild;	  /* control: the standby copy was rebuilt, rebuild the other at commit */
	unsigned full_at; /* control: route count at which a rebuild found the table full (IPv4:
			     at which a switch to DIR-24-8 failed) */
};

/*
 * IPv4 tables of VRFs other than the default start compact (fib4_dxr.h) and switch to DIR-24-8
 * when they grow past max routes, back to compact when they shrink below max / 4 (hysteresis: a
 * switch costs a rebuild of every route). max 0: every VRF gets DIR-24-8 at once. The default VRF
 * always has DIR-24-8 (sized by dataplane.maxRoutes4, expected to be large). Applies to tables
 * created or switched from then on. Default FIB4_COMPACT_MAX.
 */
#define FIB4_COMPACT_MAX 524288u
void fib4_set_compact_max(unsigned max);

/* capacity: IPv6 routes of all VRFs (IPv4 routes live in their VRF's fib4 route set). */
int fib_init(unsigned capacity);
void fib_fini(void);

int fib_vrf_create(uint16_t id, const char *name, unsigned max4, unsigned tbl8, unsigned max6);
void fib_vrf_destroy(uint16_t id);

/* Add or replace. *old_nh gets the replaced next hop (0 when new). The caller owns nh references.
 */
int fib_route_add(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, enum route_origin origin,
		  uint32_t *old_nh);
/* Delete; -ENOENT if absent. *old_nh gets the removed route's next hop. */
int fib_route_del(uint16_t vrf, const struct pg_prefix *p, uint32_t *old_nh);
/* A fib_route_add/del of p in vrf follows soon: start loading what it touches (IPv4). */
void fib_route_prefetch(uint16_t vrf, const struct pg_prefix *p);
/* The route, NULL if absent. Valid until the next fib_* call. */
const struct fib_route *fib_route_find(uint16_t vrf, const struct pg_prefix *p);
/* Longest-prefix match over every change, committed or not (the control plane's view). 0 = no
 * route. Addresses in 240.0.0.0/4 and ff00::/8 are never routed and always give 0. */
uint32_t fib_lookup_ctl(uint16_t vrf, const struct pg_ip *ip);
/* Walk routes (vrf = UINT16_MAX for all, family 0 for both) in no particular order; the route
 * passed to cb is valid during the call. No changes while walking. */
int fib_route_walk(uint16_t vrf, int family, int (*cb)(const struct fib_route *, void *),
		   void *arg);
unsigned fib_route_count(uint16_t vrf, int family);
/* The kind of vrf's IPv4 table: "dir24-8", "compact" or "none" (no IPv4 route yet). */
const char *fib4_table_kind(uint16_t vrf);
/* Publish pending changes (IPv6; IPv4 changes are published as they are written), wait one grace
 * period if anything was given up or published, then release what was given up: the next hops
 * queued with fib_release_after_commit(), IPv4 tbl8 groups. */
int fib_commit(void);
/* Route changes leave the old next hop reachable (from the published IPv6 copy, or from an IPv4
 * entry a worker loaded just before the change) until the commit: the caller hands its
 * reference here instead of dropping it. fn is nh_put (set once at start). */
void fib_set_nh_release(void (*fn)(uint32_t));
void fib_release_after_commit(uint32_t nh);

/* fib4_lookup_bulk for a VRF without a DIR-24-8 table: its compact table, or no route. */
static inline void fib4_lookup_bulk_compact(const struct dp_vrf *v, const uint32_t *ips_host,
					    uint64_t *nh, unsigned n)
{
	const struct fib4_dxr *d = rcu_dereference(v->fib4->compact);

	if (likely(d != NULL))
		fib4_dxr_lookup_bulk(d, ips_host, nh, n);
	else
		memset(nh, 0, n * sizeof(*nh));
}

/* n <= PG_BURST host-order addresses; nh[i] = 0: no route. Inline, no call per packet. */
static inline void fib4_lookup_bulk(const struct dp_vrf *v, uint32_t *ips_host, uint64_t *nh,
				    unsigned n)
{
	const struct fib4_tbl *t = rcu_dereference(v->fib4->active);

	if (likely(t != NULL)) {
		fib4_tbl_lookup_bulk(t, ips_host, nh, n);
		return;
	}
	fib4_lookup_bulk_compact(v, ips_host, nh, n);
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
