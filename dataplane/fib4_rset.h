/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * The IPv4 route set of one VRF table: a hash of prefix -> (next hop, tag), shared by both kinds
 * of IPv4 table (fib4_dir24.h, fib4_dxr.h). Open addressing, linear probing, no tombstones
 * (backward-shift delete); slots are struct fib4_route (12 bytes), nh 0 marks an empty slot (a
 * route's next hop is never 0), so zeroed memory is an empty set. It grows by doubling past a
 * load of 3/4: 1.33 to 2.67 slots per route.
 *
 * Control thread only.
 */

#include <stdbool.h>
#include <stdint.h>

/* A route as the route set keeps it: tag is the caller's (fib.c: the route's origin). */
struct fib4_route {
	uint32_t ip; /* host order */
	uint32_t nh;
	uint8_t len;
	uint8_t tag;
};

struct fib4_rset {
	struct fib4_route *slot;
	uint32_t mask; /* slots - 1 */
	uint8_t bits;  /* log2(slots) */
	bool slot_pop; /* slot array faulted in at allocation (pg_big_alloc populate) */
	bool dense;    /* sized for its full size at creation: first array faulted in */
	unsigned n_routes;
	uint32_t len_n[33]; /* routes per prefix length */
};

static inline uint32_t fib4_depth_mask(uint8_t depth)
{
	return depth ? ~0u << (32 - depth) : 0;
}

/* An empty set with room for init_routes; dense: its first slot array is faulted in at once (on
 * huge pages). 0 or -ENOMEM. */
int fib4_rset_init(struct fib4_rset *rs, unsigned init_routes, bool dense);
void fib4_rset_fini(struct fib4_rset *rs);
/* A new slot array of 2^bits, the routes moved in. 0 or -ENOMEM. */
int fib4_rset_resize(struct fib4_rset *rs, uint8_t bits);
/* Bytes of the slot array. */
static inline size_t fib4_rset_bytes(const struct fib4_rset *rs)
{
	return ((size_t)rs->mask + 1) * sizeof(struct fib4_route);
}

static inline uint32_t fib4_rset_home(const struct fib4_rset *rs, uint32_t ip, uint8_t len)
{
	uint64_t k = ((uint64_t)ip << 6 | len) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(k >> (64 - rs->bits));
}

static inline struct fib4_route *fib4_rset_find(const struct fib4_rset *rs, uint32_t ip,
						uint8_t len)
{
	for (uint32_t i = fib4_rset_home(rs, ip, len);; i = (i + 1) & rs->mask) {
		struct fib4_route *r = &rs->slot[i];
		if (r->nh == 0)
			return NULL;
		if (r->ip == ip && r->len == len)
			return r;
	}
}

static inline void fib4_rset_place(struct fib4_rset *rs, const struct fib4_route *x)
{
	uint32_t i = fib4_rset_home(rs, x->ip, x->len);

	while (rs->slot[i].nh != 0)
		i = (i + 1) & rs->mask;
	rs->slot[i] = *x;
}

/* The caller checked that ip/len is absent. Grows (doubling) past a load of 3/4: -ENOMEM if it
 * cannot. */
static inline int fib4_rset_insert(struct fib4_rset *rs, uint32_t ip, uint8_t len, uint32_t nh,
				   uint8_t tag)
{
	if ((uint64_t)(rs->n_routes + 1) * 4 > ((uint64_t)rs->mask + 1) * 3) {
		int ret = fib4_rset_resize(rs, (uint8_t)(rs->bits + 1));
		if (ret < 0)
			return ret;
	}
	fib4_rset_place(rs, &(struct fib4_route){.ip = ip, .nh = nh, .len = len, .tag = tag});
	rs->n_routes++;
	rs->len_n[len]++;
	return 0;
}

static inline void fib4_rset_remove(struct fib4_rset *rs, struct fib4_route *r)
{
	uint32_t i = (uint32_t)(r - rs->slot), j = i;

	rs->n_routes--;
	rs->len_n[r->len]--;
	for (;;) {
		j = (j + 1) & rs->mask;
		if (rs->slot[j].nh == 0)
			break;
		uint32_t k = fib4_rset_home(rs, rs->slot[j].ip, rs->slot[j].len);
		/* slot j may move back to i unless its home lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		rs->slot[i] = rs->slot[j];
		i = j;
	}
	rs->slot[i].nh = 0;
}

/* The longest route strictly shorter than len covering ip: its next hop and length, or (0, 0). */
static inline uint32_t fib4_rset_parent(const struct fib4_rset *rs, uint32_t ip, uint8_t len,
					uint8_t *plen)
{
	for (int l = (int)len - 1; l >= 0; l--) {
		if (rs->len_n[l] == 0)
			continue;
		const struct fib4_route *r =
		    fib4_rset_find(rs, ip & fib4_depth_mask((uint8_t)l), (uint8_t)l);
		if (r != NULL) {
			*plen = (uint8_t)l;
			return r->nh;
		}
	}
	*plen = 0;
	return 0;
}

/* Longest-prefix match over the set (up to 33 probes, one per length in use). 0 = no route. */
static inline uint32_t fib4_rset_lpm(const struct fib4_rset *rs, uint32_t ip)
{
	uint8_t plen;

	return fib4_rset_parent(rs, ip, 33, &plen);
}

/* cb for every route, in no order, until it returns non-zero (returned). No changes meanwhile. */
static inline int fib4_rset_walk(const struct fib4_rset *rs,
				 int (*cb)(const struct fib4_route *, void *), void *arg)
{
	for (uint32_t i = 0; i <= rs->mask; i++) {
		if (rs->slot[i].nh == 0)
			continue;
		int ret = cb(&rs->slot[i], arg);
		if (ret)
			return ret;
	}
	return 0;
}
