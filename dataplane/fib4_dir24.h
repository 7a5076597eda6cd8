/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Our IPv4 DIR-24-8 table (replaces rte_fib's dir24_8 under the per-VRF FIB, see fib.h).
 *
 * tbl24 has one 32-bit entry per /24. An entry without FIB4_EXT is the next hop id of the whole
 * /24 (0 = no route); with FIB4_EXT its low 24 bits are the index of a tbl8 group: 256 entries,
 * one per address of the /24, each a plain next hop id. Next hop ids need 31 bits at most
 * (nh_init allows < 2^24), so they never collide with FIB4_EXT.
 *
 * A /24 has a tbl8 group exactly when at least one route longer than /24 lies inside it; the
 * group goes back to the free list as soon as the last one is deleted (the /24 collapses to a
 * single tbl24 entry again). So an add needs a new group only for a route longer than /24 in a
 * /24 without one, and that is checked before anything is written: an add either fails with
 * -ENOSPC and changes nothing, or succeeds; deletes and shorter routes never need a group.
 *
 * The table is updated in place while the workers read it, as rte_lpm is: every entry is written
 * with one aligned 4-byte store, so a lookup sees either the old or the new next hop of an
 * address, never a mix. A /24 that gets a tbl8 group has the group filled (every entry the /24's
 * current next hop) before its tbl24 entry is switched to the group (a release store). A group
 * whose /24 collapses back to one tbl24 entry may still be read by a worker that loaded the old
 * tbl24 entry: it is not written again and goes back to the free list only at
 * fib4_tbl_reclaim(), which the caller runs after an RCU grace period (fib_commit). A deleted or
 * replaced route's next hop stays valid for the same grace period (fib_release_after_commit), so
 * a worker holding a stale entry still finds a live next hop.
 *
 * Control side: the route set (a hash of prefix -> next hop), the prefix length of the route
 * behind every tbl24 and tbl8 entry, the tbl8 group allocation.
 *
 * Memory: tbl24 (64 MiB, fib4_tbl24_alloc) + 1 KiB per tbl8 group (hugepage memory via
 * rte_malloc) + the route set on the heap: 16 MiB of tbl24 route lengths, 2 MiB of "has a group"
 * bits, 256 B + 10 B per tbl8 group, 12 B per hash slot (1.33 to 2.67 slots per route).
 * Without hugepages in the EAL the tbl24 is heap memory too. A table created for its full size
 * (the default VRF's) has its tbl24, route lengths and route hash on transparent huge pages
 * faulted in at creation, as hugepage memory would be: a feed of random prefixes touches them
 * everywhere, and a 2 MiB page instead of 512 4 KiB pages saves the TLB misses. Other tables
 * (other VRFs past FIB4_COMPACT_MAX routes, see fib.h, or any VRF with compact tables disabled)
 * are 4 KiB pages touched as routes arrive: their memory follows
 * their routes.
 *
 * Writer: the control thread only. Readers: fib4_tbl_lookup_bulk, inline, in the workers,
 * lock-free.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_prefetch.h>

#include "fib4_rset.h"

#define FIB4_EXT      0x80000000u /* tbl24 entry: low 24 bits are a tbl8 group index */
#define FIB4_TBL24_N  (1u << 24)
#define FIB4_TBL8_N   256u
#define FIB4_MAX_TBL8 (1u << 24)
#define FIB4_MAX_NH   FIB4_EXT /* next hop ids must be below this */

#define FIB4_TOP 0xf0000000u /* 240.0.0.0/4 never routes (see below) */

struct fib4_rs; /* the control side (fib4_dir24.c) */

struct fib4_tbl {
	/* Read by the workers. */
	const uint32_t *tbl24; /* [FIB4_TBL24_N] */
	const uint32_t *tbl8;  /* [n_tbl8 * FIB4_TBL8_N] */
	/* Control thread only. */
	uint32_t *w24, *w8; /* the same tables, writable */
	struct fib4_rs *rs;
	uint32_t n_tbl8;
	bool w24_mapped; /* tbl24 from pg_big_alloc (no hugepages in the EAL), not rte_malloc */
	bool w24_dense;	 /* ... with populate */
};

/* An empty table for up to max_routes; its route hash starts with room for init_routes (0:
 * max_routes) and doubles as needed. A table created for max_routes is expected to fill up
 * (dense): without EAL hugepages its tbl24, route lengths and hash are huge pages faulted in now;
 * otherwise they are 4 KiB pages touched as routes arrive. NULL with rte_errno set on failure. */
struct fib4_tbl *fib4_tbl_create(int socket, unsigned max_routes, unsigned init_routes,
				 unsigned n_tbl8);
/* No worker may be reading t any more (free it after a grace period). */
void fib4_tbl_free(struct fib4_tbl *t);
/*
 * Add or replace ip/depth (host order, bits beyond depth ignored), visible to the workers at
 * once. 0 < nh < FIB4_MAX_NH. old (may be NULL) gets the route replaced (nh 0: none). -ENOSPC (no
 * tbl8 group left, max_routes reached) or -ENOMEM (the route hash could not grow) leaves the
 * table unchanged; with groups waiting for fib4_tbl_reclaim() (fib4_tbl_tbl8_pending), -ENOSPC
 * may go away after a grace period and a reclaim. Routes inside 240.0.0.0/4, and that part of
 * shorter ones, are kept but never painted: those addresses are dropped or punted before any
 * lookup, so they always look up 0 (and take no tbl8 group).
 */
int fib4_tbl_add(struct fib4_tbl *t, uint32_t ip, uint8_t depth, uint32_t nh, uint8_t tag,
		 struct fib4_route *old);
/* -ENOENT if absent. old (may be NULL) gets the route deleted. */
int fib4_tbl_del(struct fib4_tbl *t, uint32_t ip, uint8_t depth, struct fib4_route *old);
/* The route ip/depth, NULL if absent; valid until the next change. */
const struct fib4_route *fib4_tbl_find(const struct fib4_tbl *t, uint32_t ip, uint8_t depth);
/* cb for every route, in no order, until it returns non-zero (returned). No changes meanwhile. */
int fib4_tbl_walk(const struct fib4_tbl *t, int (*cb)(const struct fib4_route *, void *),
		  void *arg);
/* Start loading what an add or delete of ip/depth in t will touch first (its hash slot, its
 * tbl24 entry and route length). */
void fib4_tbl_prefetch(const struct fib4_tbl *t, uint32_t ip, uint8_t depth);
/* tbl8 groups given up since the last reclaim: the workers may still read them. */
unsigned fib4_tbl_tbl8_pending(const struct fib4_tbl *t);
/* A grace period has passed since those groups were given up: they may be reused. */
void fib4_tbl_reclaim(struct fib4_tbl *t);
/* Longest-prefix match, from the control thread. */
uint32_t fib4_tbl_lookup_rib(const struct fib4_tbl *t, uint32_t ip);
/* tbl8 groups in use (held by a /24; not counting those waiting for a reclaim). */
unsigned fib4_tbl_tbl8_used(const struct fib4_tbl *t);
/* Routes in the route set. */
unsigned fib4_tbl_routes(const struct fib4_tbl *t);

/* The next hop of *ip given its tbl24 entry e: a second load below a /24 with longer routes
 * (e << 8 drops FIB4_EXT and gives the group's first entry). */
static inline uint32_t fib4_tbl_resolve(const uint32_t *tbl8, uint32_t e, const uint32_t *ip)
{
	if (unlikely(e & FIB4_EXT))
		e = tbl8[(uint32_t)(e << 8) | (*ip & 0xff)];
	return e;
}

/* Prefetch the tbl24 entries of ips[0..3]; e[] gets their addresses. */
static inline void fib4_tbl_prefetch4(const uint32_t *tbl24, const uint32_t *ips,
				      const uint32_t *e[4])
{
	for (unsigned k = 0; k < 4; k++) {
		e[k] = &tbl24[ips[k] >> 8];
		rte_prefetch0(e[k]);
	}
}

static inline void fib4_tbl_resolve4(const uint32_t *tbl8, const uint32_t *ips,
				     const uint32_t *const e[4], uint64_t *nh)
{
	for (unsigned k = 0; k < 4; k++)
		nh[k] = fib4_tbl_resolve(tbl8, *e[k], &ips[k]);
}

/*
 * Next hop ids (0 = no route) of n host-order addresses, n <= PG_BURST. No call, one load per
 * address (two below a /24 with longer routes). From 8 addresses on they go in blocks of 4, the
 * tbl24 entries of the next block prefetched (4 to 7 addresses ahead) before this block is
 * resolved, and the entry addresses kept from the prefetch to the load; the loop body does two
 * blocks so that the two sets of addresses swap roles without copies. The last 0 to 7 addresses
 * and bursts under 8 go one by one, without prefetch. Measured in route4 (callgrind, gcc 12 -O3,
 * x86-64-v2, bursts of 32): about 10 instructions per address, rte_fib_lookup_bulk took about 20
 * plus the call. (Prefetching the last 0 to 7 too made gcc's code for the loop worse.)
 */
static inline void fib4_tbl_lookup_bulk(const struct fib4_tbl *t, const uint32_t *ips, uint64_t *nh,
					unsigned n)
{
	const uint32_t *tbl24 = t->tbl24, *tbl8 = t->tbl8;
	const uint32_t *p = ips, *end = ips + n;
	const uint32_t *a[4], *b[4];

	if (n >= 8) {
		fib4_tbl_prefetch4(tbl24, p, a);
		/* a: the 4 addresses at p, prefetched; at least 8 left */
		for (; end - p >= 16; p += 8, nh += 8) {
			fib4_tbl_prefetch4(tbl24, p + 4, b);
			fib4_tbl_resolve4(tbl8, p, a, nh);
			fib4_tbl_prefetch4(tbl24, p + 8, a);
			fib4_tbl_resolve4(tbl8, p + 4, b, nh + 4);
		}
		/* 8 to 15 left */
		fib4_tbl_prefetch4(tbl24, p + 4, b);
		fib4_tbl_resolve4(tbl8, p, a, nh);
		fib4_tbl_resolve4(tbl8, p + 4, b, nh + 4);
		p += 8;
		nh += 8;
	}
	for (; p < end; p++, nh++)
		*nh = fib4_tbl_resolve(tbl8, tbl24[*p >> 8], p);
}

/*
 * fib4_tbl_lookup_bulk() for addresses whose tbl24 entries were prefetched well before (the
 * workers do as they queue each packet, a burst ahead of the lookup): no prefetch of its own, the
 * four tbl24 loads of a block issued before any of them is resolved. In the workers' route4,
 * 1M routes: about 2 cycles per packet fewer than fib4_tbl_lookup_bulk (median of full-burst
 * polls, underlay and VXLAN decap), 1.4 instructions fewer. Prefetching the tbl8 entries too (a
 * pass over the burst reading the tbl24 entries, branch-free) and looking up inside the
 * forwarding loop instead of before it were both slower: see docs/PERFORMANCE.md.
 */
static inline void fib4_tbl_lookup_bulk_pf(const struct fib4_tbl *t, const uint32_t *ips,
					   uint64_t *nh, unsigned n)
{
	const uint32_t *tbl24 = t->tbl24, *tbl8 = t->tbl8;
	const uint32_t *end = ips + n;

	for (; end - ips >= 4; ips += 4, nh += 4) {
		const uint32_t e0 = tbl24[ips[0] >> 8], e1 = tbl24[ips[1] >> 8];
		const uint32_t e2 = tbl24[ips[2] >> 8], e3 = tbl24[ips[3] >> 8];
		nh[0] = fib4_tbl_resolve(tbl8, e0, &ips[0]);
		nh[1] = fib4_tbl_resolve(tbl8, e1, &ips[1]);
		nh[2] = fib4_tbl_resolve(tbl8, e2, &ips[2]);
		nh[3] = fib4_tbl_resolve(tbl8, e3, &ips[3]);
	}
	for (; ips < end; ips++, nh++)
		*nh = fib4_tbl_resolve(tbl8, tbl24[*ips >> 8], ips);
}
