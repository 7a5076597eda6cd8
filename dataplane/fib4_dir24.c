/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 DIR-24-8 table: control side (see fib4_dir24.h for the layout).
 *
 * The lookup tables always hold, for every address, the next hop of the longest route in the rib
 * that contains it. A route change only affects the addresses of its prefix that no longer
 * route (added/replaced: the route itself; deleted: the route it uncovers, its parent in the
 * rib) minus the ranges of the more specific routes below it: paint() walks those (the rib's
 * "cover" iteration gives the outermost more specific routes in address order) and fills the
 * gaps in between. A gap is made of whole /24s (one tbl24 entry each, never with a tbl8 group:
 * a /24 with a longer route inside is never entirely in a gap) and at most two partial /24s,
 * whose boundary comes from a route longer than /24, so they have a tbl8 group.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rib.h>

#include "fib4_dir24.h"

static inline uint32_t depth_mask(uint8_t depth)
{
	return depth ? ~0u << (32 - depth) : 0;
}

/* The only place a tbl24 is allocated (FIB4_TBL24_N entries, all "no route"). */
static uint32_t *fib4_tbl24_alloc(int socket)
{
	return rte_zmalloc_socket("fib4_tbl24", FIB4_TBL24_N * sizeof(uint32_t),
				  RTE_CACHE_LINE_SIZE, socket);
}

struct fib4_tbl *fib4_tbl_create(const char *name, int socket, unsigned max_routes, unsigned n_tbl8)
{
	/* A binary trie of k routes has at most k - 1 branching nodes without a route. */
	struct rte_rib_conf rc = {.ext_sz = 0, .max_nodes = (int)(2 * max_routes + 64)};
	struct fib4_tbl *t;

	if (name == NULL || max_routes == 0 || max_routes > (1u << 28) || n_tbl8 == 0 ||
	    n_tbl8 > FIB4_MAX_TBL8) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("fib4_tbl", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->n_tbl8 = n_tbl8;
	t->w24 = fib4_tbl24_alloc(socket);
	t->w8 = rte_zmalloc_socket("fib4_tbl8", (size_t)n_tbl8 * FIB4_TBL8_N * sizeof(uint32_t),
				   RTE_CACHE_LINE_SIZE, socket);
	t->free_grp = malloc(n_tbl8 * sizeof(*t->free_grp));
	t->deep = calloc(n_tbl8, sizeof(*t->deep));
	if (t->w24 == NULL || t->w8 == NULL || t->free_grp == NULL || t->deep == NULL) {
		fib4_tbl_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	t->rib = rte_rib_create(name, socket, &rc);
	if (t->rib == NULL) {
		int err = rte_errno;
		fib4_tbl_free(t);
		rte_errno = err;
		return NULL;
	}
	t->tbl24 = t->w24;
	t->tbl8 = t->w8;
	/* Lowest group first. */
	for (uint32_t g = n_tbl8; g-- > 0;)
		t->free_grp[t->n_free++] = g;
	return t;
}

void fib4_tbl_free(struct fib4_tbl *t)
{
	if (t == NULL)
		return;
	rte_rib_free(t->rib);
	rte_free(t->w24);
	rte_free(t->w8);
	free(t->free_grp);
	free(t->deep);
	rte_free(t);
}

/* One more route longer than /24 in the /24 of ip: give the /24 a group if it has none yet,
 * every entry the /24's current next hop. The caller checked that a group is free. */
static void tbl8_ref(struct fib4_tbl *t, uint32_t ip)
{
	uint32_t *e24 = &t->w24[ip >> 8];

	if (*e24 & FIB4_EXT) {
		t->deep[*e24 & ~FIB4_EXT]++;
		return;
	}
	uint32_t g = t->free_grp[--t->n_free];
	uint32_t *grp = &t->w8[(size_t)g * FIB4_TBL8_N];
	for (unsigned i = 0; i < FIB4_TBL8_N; i++)
		grp[i] = *e24;
	t->deep[g] = 1;
	*e24 = FIB4_EXT | g;
}

/* One route longer than /24 fewer in the /24 of ip (already repainted): the last one gone, the
 * /24 routes as a whole again (all 256 entries are equal) and its group is free. */
static void tbl8_unref(struct fib4_tbl *t, uint32_t ip)
{
	uint32_t *e24 = &t->w24[ip >> 8];

	if (!(*e24 & FIB4_EXT))
		return; /* cannot happen: every such route holds a reference */
	uint32_t g = *e24 & ~FIB4_EXT;
	if (--t->deep[g] != 0)
		return;
	*e24 = t->w8[(size_t)g * FIB4_TBL8_N];
	t->free_grp[t->n_free++] = g;
}

/* Every address of [lo, hi) routes to nh (hi <= 2^32). */
static void fill(struct fib4_tbl *t, uint64_t lo, uint64_t hi, uint32_t nh)
{
	while (lo < hi) {
		uint32_t b = (uint32_t)(lo >> 8);
		uint64_t b_end = ((uint64_t)b + 1) << 8;

		if ((lo & 0xff) == 0 && hi >= b_end) {
			/* whole /24s */
			uint32_t n = (uint32_t)((hi - lo) >> 8);
			for (uint32_t i = 0; i < n; i++) {
				uint32_t e = t->w24[b + i];
				if (unlikely(e & FIB4_EXT)) {
					/* not in a gap (see the top); keep lookups right anyway */
					uint32_t *grp =
					    &t->w8[(size_t)(e & ~FIB4_EXT) * FIB4_TBL8_N];
					for (unsigned j = 0; j < FIB4_TBL8_N; j++)
						grp[j] = nh;
					continue;
				}
				t->w24[b + i] = nh;
			}
			lo += (uint64_t)n << 8;
			continue;
		}
		/* part of a /24: it has a group */
		uint64_t end = hi < b_end ? hi : b_end;
		uint32_t e = t->w24[b];
		if (likely(e & FIB4_EXT)) {
			uint32_t *grp = &t->w8[(size_t)(e & ~FIB4_EXT) * FIB4_TBL8_N];
			uint32_t to = (uint32_t)(end - ((uint64_t)b << 8));
			for (uint32_t a = (uint32_t)(lo & 0xff); a < to; a++)
				grp[a] = nh;
		}
		lo = end;
	}
}

/* The addresses of ip/depth not inside a more specific route route to nh. */
static void paint(struct fib4_tbl *t, uint32_t ip, uint8_t depth, uint32_t nh)
{
	struct rte_rib_node *c = NULL;
	uint64_t lo = ip;

	while ((c = rte_rib_get_nxt(t->rib, ip, depth, c, RTE_RIB_GET_NXT_COVER)) != NULL) {
		uint32_t c_ip;
		uint8_t c_depth;
		rte_rib_get_ip(c, &c_ip);
		rte_rib_get_depth(c, &c_depth);
		fill(t, lo, c_ip, nh);
		lo = (uint64_t)c_ip + (1ull << (32 - c_depth));
	}
	fill(t, lo, (uint64_t)ip + (1ull << (32 - depth)), nh);
}

static uint32_t node_nh(const struct rte_rib_node *n)
{
	uint64_t nh = 0;

	if (n != NULL)
		rte_rib_get_nh(n, &nh);
	return (uint32_t)nh;
}

int fib4_tbl_add(struct fib4_tbl *t, uint32_t ip, uint8_t depth, uint32_t nh)
{
	struct rte_rib_node *n;

	if (depth > 32 || nh == 0 || nh >= FIB4_MAX_NH)
		return -EINVAL;
	ip &= depth_mask(depth);
	n = rte_rib_lookup_exact(t->rib, ip, depth);
	if (n != NULL) {
		if (node_nh(n) != nh) {
			rte_rib_set_nh(n, nh);
			paint(t, ip, depth, nh);
		}
		return 0;
	}
	if (depth > 24 && !(t->w24[ip >> 8] & FIB4_EXT) && t->n_free == 0)
		return -ENOSPC;
	n = rte_rib_insert(t->rib, ip, depth);
	if (n == NULL)
		return rte_errno == ENOMEM ? -ENOSPC : -rte_errno;
	rte_rib_set_nh(n, nh);
	if (depth > 24)
		tbl8_ref(t, ip);
	if (node_nh(rte_rib_lookup_parent(n)) != nh)
		paint(t, ip, depth, nh);
	return 0;
}

int fib4_tbl_del(struct fib4_tbl *t, uint32_t ip, uint8_t depth)
{
	struct rte_rib_node *n;

	if (depth > 32)
		return -EINVAL;
	ip &= depth_mask(depth);
	n = rte_rib_lookup_exact(t->rib, ip, depth);
	if (n == NULL)
		return -ENOENT;
	uint32_t cover = node_nh(rte_rib_lookup_parent(n));
	if (node_nh(n) != cover)
		paint(t, ip, depth, cover);
	rte_rib_remove(t->rib, ip, depth);
	if (depth > 24)
		tbl8_unref(t, ip);
	return 0;
}

uint32_t fib4_tbl_lookup_rib(const struct fib4_tbl *t, uint32_t ip)
{
	return node_nh(rte_rib_lookup(t->rib, ip));
}
