/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 DIR-24-8 table: control side (see fib4_dir24.h for the layout).
 *
 * The lookup tables always hold, for every address, the next hop of the longest route that
 * contains it. Beside each entry the route set keeps that route's prefix length (d24, d8: 0 for
 * /0 and for "no route", which paint the same way), as rte_lpm keeps it in the entry itself; so
 * a route change touches only its own range and needs no search for the routes inside it:
 *
 *   add ip/len, nh        entries of the range whose length is <= len get (nh, len)
 *   replace               entries of the range whose length is == len (they are the route's) get nh
 *   delete                those get the parent's (nh, length): the longest shorter route that
 *                         covers ip/len, found by one hash probe per shorter length in use
 *
 * A range of a route up to /24 is a run of tbl24 entries; where one of them has a tbl8 group, the
 * same rule applies to the group's 256 entries. A route longer than /24 paints part of one group.
 * An add or delete is therefore O(its range) with no trie walk: a /24 is one tbl24 entry, one
 * length byte and one hash slot.
 *
 * The workers read the table while it is written (fib4_dir24.h): entries are stored one by one
 * (4 bytes, atomic), a new group is filled before its tbl24 entry points to it, and a group given
 * up goes to a pending list that fib4_tbl_reclaim() empties after a grace period.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_debug.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "bigmem.h"
#include "fib4_dir24.h"

/* Control thread only. */
struct fib4_rs {
	unsigned max_routes;
	struct fib4_rset set; /* the routes */
	bool dense;	      /* created for its full size: big arrays on huge pages, faulted in */
	/* Prefix length of the route each entry holds (meaningless for a tbl24 entry with a group).
	 */
	uint8_t *d24;	 /* [FIB4_TBL24_N] */
	uint8_t *d8;	 /* [n_tbl8 * FIB4_TBL8_N] */
	uint64_t *ext24; /* [FIB4_TBL24_N / 64] bit b: tbl24 entry b has a group */
	/* tbl8 groups: free stack, groups given up since the last reclaim (workers may still read
	 * them), routes longer than /24 inside each group's /24. */
	uint32_t n_tbl8, n_free, n_pend;
	uint32_t *free_grp;
	uint32_t *pend_grp;
	uint16_t *deep;
};

/* One entry as the workers see it: a single aligned 4-byte store. */
static inline void entry_set(uint32_t *e, uint32_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELAXED);
}

#define depth_mask fib4_depth_mask

/* Bits [b, e) of a bitmap (e > b) as masks of its words. */
#define BITS_FOREACH_WORD(b, e, w, m, body)                   \
	for (uint32_t w = (b) / 64; w <= ((e)-1) / 64; w++) { \
		uint64_t m = ~0ull;                           \
		if (w == (b) / 64)                            \
			m &= ~0ull << ((b) % 64);             \
		if (w == ((e)-1) / 64)                        \
			m &= ~0ull >> (63 - ((e)-1) % 64);    \
		body                                          \
	}

/* ---- tables ---- */

/* The only place a tbl24 is allocated (FIB4_TBL24_N entries, all "no route"): hugepage memory
 * from the EAL, or, when it runs without (--no-huge), ordinary memory (*mapped): for a dense
 * table transparent huge pages resident from the start as hugepage memory is, else 4 KiB pages
 * touched as routes arrive (lib/bigmem.h). */
static uint32_t *fib4_tbl24_alloc(int socket, bool dense, bool *mapped)
{
	*mapped = !rte_eal_has_hugepages();
	if (*mapped)
		return pg_big_alloc(FIB4_TBL24_N * sizeof(uint32_t), dense);
	return rte_zmalloc_socket("fib4_tbl24", FIB4_TBL24_N * sizeof(uint32_t),
				  RTE_CACHE_LINE_SIZE, socket);
}

static void fib4_tbl24_free(uint32_t *w24, bool mapped, bool dense)
{
	if (mapped)
		pg_big_free(w24, FIB4_TBL24_N * sizeof(uint32_t), dense);
	else
		rte_free(w24);
}

static void rs_free(struct fib4_rs *rs)
{
	if (rs == NULL)
		return;
	fib4_rset_fini(&rs->set);
	pg_big_free(rs->d24, FIB4_TBL24_N, rs->dense);
	free(rs->d8);
	free(rs->ext24);
	free(rs->free_grp);
	free(rs->pend_grp);
	free(rs->deep);
	free(rs);
}

static struct fib4_rs *rs_create(unsigned max_routes, unsigned init_routes, unsigned n_tbl8)
{
	struct fib4_rs *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->max_routes = max_routes;
	rs->n_tbl8 = n_tbl8;
	/* calloc: pages are touched as routes arrive */
	rs->dense = init_routes >= max_routes;
	rs->d24 = pg_big_alloc(FIB4_TBL24_N, rs->dense);
	rs->d8 = calloc((size_t)n_tbl8, FIB4_TBL8_N);
	rs->ext24 = calloc(FIB4_TBL24_N / 64, sizeof(uint64_t));
	rs->free_grp = malloc(n_tbl8 * sizeof(*rs->free_grp));
	rs->pend_grp = malloc(n_tbl8 * sizeof(*rs->pend_grp));
	rs->deep = calloc(n_tbl8, sizeof(*rs->deep));
	if (rs->d24 == NULL || rs->d8 == NULL || rs->ext24 == NULL || rs->free_grp == NULL ||
	    rs->pend_grp == NULL || rs->deep == NULL ||
	    fib4_rset_init(&rs->set, init_routes, rs->dense) < 0) {
		rs_free(rs);
		return NULL;
	}
	/* Lowest group first. */
	for (uint32_t g = n_tbl8; g-- > 0;)
		rs->free_grp[rs->n_free++] = g;
	return rs;
}

static struct fib4_tbl *tbl_alloc(int socket, uint32_t n_tbl8, bool dense)
{
	struct fib4_tbl *t =
	    rte_zmalloc_socket("fib4_tbl", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);

	if (t == NULL)
		return NULL;
	t->n_tbl8 = n_tbl8;
	t->w24_dense = dense;
	t->w24 = fib4_tbl24_alloc(socket, dense, &t->w24_mapped);
	t->w8 = rte_zmalloc_socket("fib4_tbl8", (size_t)n_tbl8 * FIB4_TBL8_N * sizeof(uint32_t),
				   RTE_CACHE_LINE_SIZE, socket);
	if (t->w24 == NULL || t->w8 == NULL) {
		fib4_tbl24_free(t->w24, t->w24_mapped, dense);
		rte_free(t->w8);
		rte_free(t);
		return NULL;
	}
	t->tbl24 = t->w24;
	t->tbl8 = t->w8;
	return t;
}

struct fib4_tbl *fib4_tbl_create(int socket, unsigned max_routes, unsigned init_routes,
				 unsigned n_tbl8)
{
	struct fib4_tbl *t;

	if (max_routes == 0 || max_routes > (1u << 28) || n_tbl8 == 0 || n_tbl8 > FIB4_MAX_TBL8) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (init_routes == 0 || init_routes > max_routes)
		init_routes = max_routes;
	t = tbl_alloc(socket, n_tbl8, init_routes == max_routes);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->rs = rs_create(max_routes, init_routes, n_tbl8);
	if (t->rs == NULL) {
		fib4_tbl_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	return t;
}

void fib4_tbl_free(struct fib4_tbl *t)
{
	if (t == NULL)
		return;
	rs_free(t->rs);
	fib4_tbl24_free(t->w24, t->w24_mapped, t->w24_dense);
	rte_free(t->w8);
	rte_free(t);
}

unsigned fib4_tbl_tbl8_used(const struct fib4_tbl *t)
{
	return t->rs->n_tbl8 - t->rs->n_free - t->rs->n_pend;
}

unsigned fib4_tbl_tbl8_pending(const struct fib4_tbl *t)
{
	return t->rs->n_pend;
}

void fib4_tbl_reclaim(struct fib4_tbl *t)
{
	struct fib4_rs *rs = t->rs;

	while (rs->n_pend)
		rs->free_grp[rs->n_free++] = rs->pend_grp[--rs->n_pend];
}

unsigned fib4_tbl_routes(const struct fib4_tbl *t)
{
	return t->rs->set.n_routes;
}

/* ---- writing ---- */

/* One more route longer than /24 in the /24 of ip: give the /24 a group if it has none yet,
 * every entry the /24's current next hop and length, filled before the tbl24 entry points to it
 * (release: a worker that sees the group sees it filled). The caller checked that a group is
 * free. */
static void tbl8_ref(struct fib4_tbl *t, uint32_t ip)
{
	struct fib4_rs *rs = t->rs;
	uint32_t b = ip >> 8, *e24 = &t->w24[b];

	if (*e24 & FIB4_EXT) {
		rs->deep[*e24 & ~FIB4_EXT]++;
		return;
	}
	uint32_t g = rs->free_grp[--rs->n_free];
	uint32_t *grp = &t->w8[(size_t)g * FIB4_TBL8_N];
	for (unsigned i = 0; i < FIB4_TBL8_N; i++)
		grp[i] = *e24;
	memset(&rs->d8[(size_t)g * FIB4_TBL8_N], rs->d24[b], FIB4_TBL8_N);
	rs->deep[g] = 1;
	__atomic_store_n(e24, FIB4_EXT | g, __ATOMIC_RELEASE);
	rs->ext24[b / 64] |= 1ull << (b % 64);
}

/* One route longer than /24 fewer in the /24 of ip (already repainted): the last one gone, the
 * /24 routes as a whole again (all 256 entries hold the same route up to /24) and its group is
 * free once no worker can be reading it any more (fib4_tbl_reclaim). */
static void tbl8_unref(struct fib4_tbl *t, uint32_t ip)
{
	struct fib4_rs *rs = t->rs;
	uint32_t b = ip >> 8, *e24 = &t->w24[b];

	if (!(*e24 & FIB4_EXT))
		return; /* cannot happen: every such route holds a reference */
	uint32_t g = *e24 & ~FIB4_EXT;
	if (--rs->deep[g] != 0)
		return;
	entry_set(e24, t->w8[(size_t)g * FIB4_TBL8_N]);
	rs->d24[b] = rs->d8[(size_t)g * FIB4_TBL8_N];
	rs->pend_grp[rs->n_pend++] = g;
	rs->ext24[b / 64] &= ~(1ull << (b % 64));
}

/* Entries [from, from + n) of group g whose route length is <= len (le) or == len (!le) get
 * (nh, nd). */
static void paint8(struct fib4_tbl *t, uint32_t g, uint32_t from, uint32_t n, uint8_t len, bool le,
		   uint32_t nh, uint8_t nd)
{
	size_t o = (size_t)g * FIB4_TBL8_N + from;
	uint32_t *e = &t->w8[o];
	uint8_t *d = &t->rs->d8[o];

	if (!t->rs->dense)
		pg_touch_pages(d, n);
	if (le) {
		for (uint32_t k = 0; k < n; k++)
			if (d[k] <= len) {
				e[k] = nh;
				d[k] = nd;
			}
	} else {
		for (uint32_t k = 0; k < n; k++)
			if (d[k] == len) {
				e[k] = nh;
				d[k] = nd;
			}
	}
}

/* In the range of ip/len, the entries whose route length is <= len (le) or == len (!le) get
 * (nh, nd). */
static void paint(struct fib4_tbl *t, uint32_t ip, uint8_t len, bool le, uint32_t nh, uint8_t nd)
{
	struct fib4_rs *rs = t->rs;

	if (ip >= FIB4_TOP)
		return; /* never routed */
	if (len > 24) {
		/* inside one group (the caller made sure the /24 has one) */
		paint8(t, t->w24[ip >> 8] & ~FIB4_EXT, ip & 0xff, 1u << (32 - len), len, le, nh,
		       nd);
		return;
	}
	uint32_t b = ip >> 8, e = b + (1u << (24 - len));
	if (e > FIB4_TOP >> 8)
		e = FIB4_TOP >> 8;
	uint32_t *w24 = t->w24;
	uint8_t *d24 = rs->d24;
	if (!rs->dense) {
		pg_touch_pages(&w24[b], (e - b) * sizeof(*w24));
		pg_touch_pages(&d24[b], e - b);
	}
	/* Branch-free, so that gcc vectorises it (a /8 is 65536 entries); entries with a group
	 * are left alone here and painted below, found through ext24. */
	if (le) {
		for (uint32_t i = b; i < e; i++) {
			uint32_t x = w24[i];
			bool hit = !(x & FIB4_EXT) && d24[i] <= len;
			w24[i] = hit ? nh : x;
			d24[i] = hit ? nd : d24[i];
		}
	} else {
		for (uint32_t i = b; i < e; i++) {
			uint32_t x = w24[i];
			bool hit = !(x & FIB4_EXT) && d24[i] == len;
			w24[i] = hit ? nh : x;
			d24[i] = hit ? nd : d24[i];
		}
	}
	BITS_FOREACH_WORD(b, e, w, m, {
		for (uint64_t x = rs->ext24[w] & m; x; x &= x - 1) {
			uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(x);
			paint8(t, w24[i] & ~FIB4_EXT, 0, FIB4_TBL8_N, len, le, nh, nd);
		}
	})
}

int fib4_tbl_add(struct fib4_tbl *t, uint32_t ip, uint8_t depth, uint32_t nh, uint8_t tag,
		 struct fib4_route *old)
{
	struct fib4_rs *rs = t->rs;
	struct fib4_route *r;

	if (old != NULL)
		old->nh = 0;
	if (depth > 32 || nh == 0 || nh >= FIB4_MAX_NH)
		return -EINVAL;
	ip &= depth_mask(depth);
	r = fib4_rset_find(&rs->set, ip, depth);
	if (r != NULL) {
		if (old != NULL)
			*old = *r;
		r->tag = tag;
		if (r->nh != nh) {
			r->nh = nh;
			paint(t, ip, depth, false, nh, depth);
		}
		return 0;
	}
	bool deep = depth > 24 && ip < FIB4_TOP;
	if (deep && !(t->w24[ip >> 8] & FIB4_EXT) && rs->n_free == 0)
		return -ENOSPC;
	if (rs->set.n_routes >= rs->max_routes)
		return -ENOSPC;
	int ret = fib4_rset_insert(&rs->set, ip, depth, nh, tag);
	if (ret < 0)
		return ret;
	if (deep)
		tbl8_ref(t, ip);
	paint(t, ip, depth, true, nh, depth);
	return 0;
}

int fib4_tbl_del(struct fib4_tbl *t, uint32_t ip, uint8_t depth, struct fib4_route *old)
{
	struct fib4_rs *rs = t->rs;
	struct fib4_route *r;
	uint8_t plen;

	if (old != NULL)
		old->nh = 0;
	if (depth > 32)
		return -EINVAL;
	ip &= depth_mask(depth);
	r = fib4_rset_find(&rs->set, ip, depth);
	if (r == NULL)
		return -ENOENT;
	if (old != NULL)
		*old = *r;
	fib4_rset_remove(&rs->set, r);
	uint32_t pnh = fib4_rset_parent(&rs->set, ip, depth, &plen);
	paint(t, ip, depth, false, pnh, plen);
	if (depth > 24 && ip < FIB4_TOP)
		tbl8_unref(t, ip);
	return 0;
}

void fib4_tbl_prefetch(const struct fib4_tbl *t, uint32_t ip, uint8_t depth)
{
	const struct fib4_rs *rs = t->rs;

	if (depth > 32)
		return;
	ip &= depth_mask(depth);
	rte_prefetch0(&rs->set.slot[fib4_rset_home(&rs->set, ip, depth)]);
	rte_prefetch0(&t->w24[ip >> 8]);
	rte_prefetch0(&rs->d24[ip >> 8]);
}

const struct fib4_route *fib4_tbl_find(const struct fib4_tbl *t, uint32_t ip, uint8_t depth)
{
	if (depth > 32)
		return NULL;
	return fib4_rset_find(&t->rs->set, ip & depth_mask(depth), depth);
}

int fib4_tbl_walk(const struct fib4_tbl *t, int (*cb)(const struct fib4_route *, void *), void *arg)
{
	return fib4_rset_walk(&t->rs->set, cb, arg);
}

uint32_t fib4_tbl_lookup_rib(const struct fib4_tbl *t, uint32_t ip)
{
	uint32_t e = t->w24[ip >> 8];

	if (e & FIB4_EXT)
		e = t->w8[(size_t)(e & ~FIB4_EXT) * FIB4_TBL8_N + (ip & 0xff)];
	return e;
}
