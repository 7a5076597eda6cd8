/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * A compact IPv4 table for VRFs that are small (DXR-style, after Zec, Rizzo and Mikuc, "DXR:
 * towards a billion routing lookups per second in software", 2012). fib.c uses it for every VRF
 * but the default one until the VRF grows past FIB4_COMPACT_MAX routes, then switches that VRF to
 * DIR-24-8 (fib4_dir24.h; see fib.h for the switch).
 *
 * Worker side: l1 has one 32-bit entry per /16 (256 KiB). An entry without FIB4_DXR_EXT is the
 * next hop of the whole /16 (0 = no route); with FIB4_DXR_EXT its low 31 bits are the offset, in
 * 8-byte units, of a chunk in the table's pool: the /16 cut into address ranges, each with one
 * next hop, neighbours always with different next hops:
 *
 *   uint32_t n;             ranges, >= 2
 *   uint16_t start[n];      first address of each range (low 16 bits), ascending, start[0] = 0
 *   (pad to 4 bytes)
 *   uint32_t nh[n];         next hop of each range
 *
 * A lookup is one load of l1 and, below a /16 with longer routes, a branch-free binary search
 * over start[] (log2(n) steps, 32 starts per cache line) and one load of nh[]. A /16 whose routes
 * all lead to one next hop has no chunk. Memory: 8 to 24 bytes per range plus 4 per chunk,
 * rounded up to a power of two (pool classes); 100k random /16../24 prefixes make ~50k chunks of
 * 2-5 ranges.
 *
 * Writer: the control thread. A change is made at once in the control side (route set, per /16
 * the ranges with the prefix length of the route behind each, as fib4_dir24 keeps route lengths
 * beside its entries), which fib4_dxr_lookup_rib() reads; the /16s it touched are marked and
 * published by fib4_dxr_flush() (fib_commit): each changed /16 gets a new chunk (copy-on-write)
 * and its l1 entry is switched with one release store; the old chunk goes to a pending list that
 * fib4_dxr_reclaim() returns to the pool after a grace period. So a batch of changes costs one
 * chunk build per changed /16, however many routes it changed there.
 *
 * Memory: l1 and the control side's per-/16 arrays (next hop, route length: 320 KiB) are 4 KiB
 * pages touched as routes arrive, the pool is one address-space reservation (FIB4_DXR_POOL)
 * touched as it fills: an empty table is a few KiB, one with a handful of routes tens of KiB.
 * Addresses in 240.0.0.0/4 are never painted (as in fib4_dir24).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_prefetch.h>

#include "fib4_rset.h"

#define FIB4_DXR_EXT  0x80000000u /* l1 entry: low 31 bits are a chunk offset (8-byte units) */
#define FIB4_DXR_L1_N (1u << 16)
#define FIB4_DXR_POOL ((size_t)1 << 30) /* address space reserved per table for chunks */

struct fib4_dxr_ctl; /* the control side (fib4_dxr.c) */

struct fib4_dxr {
	/* Read by the workers. */
	const uint32_t *l1;   /* [FIB4_DXR_L1_N] */
	const uint32_t *pool; /* a chunk at offset o starts at pool + 2 * o */
	/* Control thread only. */
	struct fib4_dxr_ctl *c;
};

/* An empty table for up to max_routes, its route hash with room for init_routes at first. NULL
 * (rte_errno set) on failure. */
struct fib4_dxr *fib4_dxr_create(unsigned max_routes, unsigned init_routes);
/* No worker may be reading d any more. */
void fib4_dxr_free(struct fib4_dxr *d);
/* As fib4_tbl_add / fib4_tbl_del, but the workers see the change at the next fib4_dxr_flush().
 * -ENOSPC: max_routes reached; -ENOMEM: out of memory (nothing changed). */
int fib4_dxr_add(struct fib4_dxr *d, uint32_t ip, uint8_t depth, uint32_t nh, uint8_t tag,
		 struct fib4_route *old);
int fib4_dxr_del(struct fib4_dxr *d, uint32_t ip, uint8_t depth, struct fib4_route *old);
const struct fib4_route *fib4_dxr_find(const struct fib4_dxr *d, uint32_t ip, uint8_t depth);
int fib4_dxr_walk(const struct fib4_dxr *d, int (*cb)(const struct fib4_route *, void *),
		  void *arg);
void fib4_dxr_prefetch(const struct fib4_dxr *d, uint32_t ip, uint8_t depth);
/* Longest-prefix match over every change, flushed or not (control thread). */
uint32_t fib4_dxr_lookup_rib(const struct fib4_dxr *d, uint32_t ip);
unsigned fib4_dxr_routes(const struct fib4_dxr *d);
/* /16s changed since the last flush. */
unsigned fib4_dxr_dirty(const struct fib4_dxr *d);
/* Publish the changed /16s to the workers. Chunks replaced are pending until a reclaim. 0, or
 * -ENOMEM when the pool is exhausted (what could not be published stays marked). */
int fib4_dxr_flush(struct fib4_dxr *d);
/* Chunks given up since the last reclaim (workers may still read them), their bytes. */
unsigned fib4_dxr_pending(const struct fib4_dxr *d);
size_t fib4_dxr_pending_bytes(const struct fib4_dxr *d);
/* Pool handed out so far (live chunks, pending ones, free lists). */
size_t fib4_dxr_pool_bytes(const struct fib4_dxr *d);
/* A grace period has passed since they were given up: back to the pool. */
void fib4_dxr_reclaim(struct fib4_dxr *d);

struct fib4_dxr_stats {
	unsigned routes, chunks, ranges; /* /16s with longer routes, their control ranges */
	size_t pool_bytes;		 /* pool in use (live, pending and free lists) */
	size_t ctl_bytes;		 /* control side: route hash, per-/16 ranges */
	size_t l1_bytes;		 /* l1 and per-/16 arrays: resident 4 KiB pages */
};
void fib4_dxr_stats(const struct fib4_dxr *d, struct fib4_dxr_stats *st);

/* The next hop of host-order ip given its l1 entry e. */
static inline uint32_t fib4_dxr_resolve(const uint32_t *pool, uint32_t e, uint32_t ip)
{
	if (likely(!(e & FIB4_DXR_EXT)))
		return e;
	const uint32_t *c = pool + (size_t)(uint32_t)(e << 1); /* e << 1 drops FIB4_DXR_EXT */
	const uint16_t *s = (const uint16_t *)(c + 1);
	const uint32_t n = c[0], x = ip & 0xffff;
	uint32_t lo = 0, len = n;

	/* The last range whose start is <= x (start[0] = 0): branch-free, cmov per step. */
	while (len > 1) {
		const uint32_t half = len >> 1;
		lo = s[lo + half] <= x ? lo + half : lo;
		len -= half;
	}
	return c[1 + ((n + 1) >> 1) + lo];
}

/*
 * Next hop ids (0 = no route) of n host-order addresses, n <= PG_BURST. No call. Two passes: the
 * l1 entries of every address (independent loads) with a prefetch of each chunk's header, parked
 * in nh[]; then the chunk searches. A small table is in cache anyway; for a large one the chunk
 * loads of the burst overlap.
 */
static inline void fib4_dxr_lookup_bulk(const struct fib4_dxr *d, const uint32_t *ips, uint64_t *nh,
					unsigned n)
{
	const uint32_t *l1 = d->l1, *pool = d->pool;

	for (unsigned i = 0; i < n; i++) {
		const uint32_t e = l1[ips[i] >> 16];
		if (e & FIB4_DXR_EXT)
			rte_prefetch0(pool + (size_t)(uint32_t)(e << 1));
		nh[i] = e;
	}
	for (unsigned i = 0; i < n; i++)
		nh[i] = fib4_dxr_resolve(pool, (uint32_t)nh[i], ips[i]);
}
