/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_rib6.h>

#include "fib.h"
#include "log.h"
#include "util.h"

struct route_key {
	uint16_t vrf;
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

struct fib_op {
	uint16_t vrf;
	uint8_t family;
	uint8_t len;
	uint8_t del;
	uint32_t nh;
	uint8_t addr[16];
};

/* Control thread only. The IPv6 routes (IPv4 routes are kept in their VRF's fib4 route set, with
 * the origin as its tag). */
static struct rte_hash *rib;
static unsigned route_counts[PG_MAX_VRFS][2];
/* IPv6 changes applied to the standby copies, not yet to the others (IPv4 tables are written in
 * place, fib4_dir24.h). */
static struct fib_op *oplog;
static unsigned log_n, log_cap;
static unsigned fib_seq;
static unsigned rebuilds_pending;  /* fib_lr with .rebuild set */
static bool touched4[PG_MAX_VRFS]; /* IPv4 table written since the last commit */
static unsigned n_touched4;
/* Next hops of replaced or deleted routes: released once no published copy can lead to them. */
static uint32_t *put_q;
static unsigned put_n, put_cap;
static void (*nh_release)(uint32_t);
static unsigned compact_max = FIB4_COMPACT_MAX; /* fib4_set_compact_max */

void fib4_set_compact_max(unsigned max)
{
	compact_max = max;
}

void fib_set_nh_release(void (*fn)(uint32_t))
{
	nh_release = fn;
}

static void put_run(void)
{
	for (unsigned i = 0; i < put_n; i++)
		nh_release(put_q[i]);
	put_n = 0;
}

void fib_release_after_commit(uint32_t nh)
{
	if (!nh)
		return;
	if (!nh_release)
		return;
	if (put_n == put_cap) {
		unsigned cap = put_cap ? put_cap * 2 : 256;
		uint32_t *q = realloc(put_q, cap * sizeof(*q));
		if (!q) {
			/* Out of memory: publish now, then release. */
			fib_commit();
			nh_release(nh);
			return;
		}
		put_q = q;
		put_cap = cap;
	}
	put_q[put_n++] = nh;
}

static const char *const origin_names[ROUTE_ORIGIN_MAX] = {"local", "connected", "neighbor",
							   "static", "bgp"};

const char *route_origin_name(enum route_origin o)
{
	return o < ROUTE_ORIGIN_MAX ? origin_names[o] : "?";
}

int fib_init(unsigned capacity)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
	    .name = name,
	    .entries = capacity,
	    .key_len = sizeof(struct route_key),
	    .hash_func = rte_jhash,
	    .socket_id = SOCKET_ID_ANY,
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "rib%u", fib_seq++);
	rib = rte_hash_create(&hp);
	if (!rib) {
		LOG_ERR("route table of %u entries: %s", capacity, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	memset(route_counts, 0, sizeof(route_counts));
	return 0;
}

static void route_key_make(struct route_key *k, uint16_t vrf, const struct pg_prefix *p)
{
	memset(k, 0, sizeof(*k));
	k->vrf = vrf;
	k->family = p->ip.family;
	k->len = p->len;
	if (p->ip.family == AF_INET)
		memcpy(k->addr, &p->ip.v4, 4);
	else
		memcpy(k->addr, p->ip.v6, 16);
}

void fib_fini(void)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	for (unsigned v = 0; v < PG_MAX_VRFS; v++)
		fib_vrf_destroy((uint16_t)v);
	if (rib) {
		while (rte_hash_iterate(rib, &key, &data, &it) >= 0)
			free(data);
		rte_hash_free(rib);
		rib = NULL;
	}
	free(oplog);
	oplog = NULL;
	log_n = log_cap = 0;
	put_run();
	free(put_q);
	put_q = NULL;
	put_cap = 0;
}

static void *fib_table_create(uint16_t id, int family, const struct fib_lr *lr, int copy)
{
	char name[64];

	if (family == AF_INET)
		return fib4_tbl_create(SOCKET_ID_ANY, lr->max_routes, lr->init_routes, lr->tbl8);
	snprintf(name, sizeof(name), "f6_%u_%d_%u", id, copy, fib_seq++);
	struct rte_fib6_conf c = {
	    .type = RTE_FIB6_TRIE,
	    .default_nh = 0,
	    .max_routes = (int)lr->max_routes,
	    .trie = {.nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = lr->tbl8},
	};
	return rte_fib6_create(name, SOCKET_ID_ANY, &c);
}

static void fib_table_free(int family, void *t)
{
	if (!t)
		return;
	if (family == AF_INET)
		fib4_tbl_free(t);
	else
		rte_fib6_free(t);
}

static void fib_lr_free(int family, struct fib_lr *lr)
{
	if (!lr)
		return;
	fib4_dxr_free(lr->compact);
	fib_table_free(family, lr->copy[0]);
	fib_table_free(family, lr->copy[1]);
	rte_free(lr);
}

static struct fib_lr *fib_lr_alloc(unsigned max_routes, unsigned tbl8)
{
	struct fib_lr *lr = rte_zmalloc("fib_lr", sizeof(*lr), 0);

	if (lr) {
		lr->max_routes = max_routes;
		lr->tbl8 = tbl8;
	}
	return lr;
}

int fib_vrf_create(uint16_t id, const char *name, unsigned max4, unsigned tbl8, unsigned max6)
{
	struct dp_vrf *v;

	if (id >= PG_MAX_VRFS)
		return -EINVAL;
	if (dp.vrfs[id])
		return -EEXIST;
	v = rte_zmalloc("vrf", sizeof(*v), RTE_CACHE_LINE_SIZE);
	if (!v)
		return -ENOMEM;
	v->id = id;
	pg_strlcpy(v->name, name, sizeof(v->name));
	v->fib4 = fib_lr_alloc(max4, tbl8);
	/* The default VRF's route hash is sized for max4 at once (a full table arrives without a
	 * rehash); other VRFs start at a 16th and grow: their memory follows their routes. */
	if (v->fib4)
		v->fib4->init_routes = id == PG_VRF_DEFAULT ? max4 : PG_MAX(max4 / 16, 1024u);
	/* rte_fib6 reserves up to (len - 24) / 8 tbl8 groups (1 KiB each) per route: a /64 in a
	 * /24 of its own takes 5, a /128 13. 2 x max6 groups (4096 .. 262144), as documented. */
	unsigned tbl8_6 = 2 * max6 < 4096 ? 4096 : 2 * max6 > 262144 ? 262144 : 2 * max6;
	v->fib6 = fib_lr_alloc(max6, tbl8_6);
	if (!v->fib4 || !v->fib6) {
		fib_lr_free(AF_INET, v->fib4);
		fib_lr_free(AF_INET6, v->fib6);
		rte_free(v);
		return -ENOMEM;
	}
	rcu_assign_pointer(dp.vrfs[id], v);
	return 0;
}

static void vrf_free(void *p)
{
	struct dp_vrf *v = p;

	fib_lr_free(AF_INET, v->fib4);
	fib_lr_free(AF_INET6, v->fib6);
	rte_free(v);
}

void fib_vrf_destroy(uint16_t id)
{
	struct dp_vrf *v;

	if (id >= PG_MAX_VRFS || !dp.vrfs[id])
		return;
	v = dp.vrfs[id];
	rcu_assign_pointer(dp.vrfs[id], NULL);
	route_counts[id][0] = 0; /* they go with its fib4 route set */
	rcu_defer_free(vrf_free, v);
}

/* The tables on first use: IPv4 one, written in place (copy[0], always published); IPv6 both
 * copies, copy[0] published, copy[1] the standby. */
static int fib_lr_tables_create(struct dp_vrf *v, int family)
{
	struct fib_lr *lr = family == AF_INET ? v->fib4 : v->fib6;

	if (family == AF_INET && v->id != PG_VRF_DEFAULT && compact_max > 0) {
		struct fib4_dxr *d = fib4_dxr_create(lr->max_routes, lr->init_routes);
		if (!d) {
			LOG_ERR("VRF %s: IPv4 FIB (compact, %u routes): %s", v->name,
				lr->max_routes, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		rcu_assign_pointer(lr->compact, d);
		return 0;
	}
	for (int c = 0; c < (family == AF_INET ? 1 : 2); c++) {
		lr->copy[c] = fib_table_create(v->id, family, lr, c);
		if (!lr->copy[c]) {
			LOG_ERR("VRF %s: IPv%d FIB (%u routes, %u tbl8 groups): %s", v->name,
				family == AF_INET ? 4 : 6, lr->max_routes, lr->tbl8,
				rte_strerror(rte_errno));
			fib_table_free(family, lr->copy[0]);
			lr->copy[0] = NULL;
			return -ENOMEM;
		}
	}
	rcu_assign_pointer(lr->active, lr->copy[0]);
	return 0;
}

/* The copy the control thread writes and looks up: the standby (IPv6), the table (IPv4). */
static inline void *fib_lr_standby(const struct fib_lr *lr)
{
	if (!lr->copy[1])
		return lr->active;
	return lr->active == lr->copy[0] ? lr->copy[1] : lr->copy[0];
}

/* IPv6 only (IPv4 goes through fib4_route_set / fib4_route_unset). */
static int fib_table_apply(int family, void *t, const uint8_t *addr, uint8_t len, uint32_t nh,
			   int del)
{
	RTE_VERIFY(family == AF_INET6);
	return del ? rte_fib6_delete(t, addr, len) : rte_fib6_add(t, addr, len, nh);
}

static int log_append(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, int del)
{
	if (log_n == log_cap) {
		unsigned cap = log_cap ? log_cap * 2 : 1024;
		struct fib_op *n = realloc(oplog, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		oplog = n;
		log_cap = cap;
	}
	struct fib_op *op = &oplog[log_n++];
	op->vrf = vrf;
	op->family = p->ip.family;
	op->len = p->len;
	op->del = (uint8_t)del;
	op->nh = nh;
	memcpy(op->addr, p->ip.family == AF_INET ? (const void *)&p->ip.v4 : p->ip.v6,
	       p->ip.family == AF_INET ? 4 : 16);
	return 0;
}

/*
 * DPDK 22.11's rte_fib6 (and rte_fib, which IPv4 used before fib4_dir24) mis-handles prefixes
 * whose range ends at the very top of the address space (the range end wraps to 0 and the whole
 * space is overwritten; e.g. 0/1, 128/1, then 0/0 makes every address use the default route). The
 * top block of each family is never looked up (240.0.0.0/4 and ff00::/8 are dropped or punted
 * before the FIB), so we keep it out of the tables (both families alike, so that it is never
 * routed in either, as fib_lookup_ctl documents). IPv6: a route containing it is installed as
 * the pieces of its range around it (::/0 becomes ::/1, 8000::/2, ... fe00::/8), routes inside it
 * are not installed, and each piece carries the next hop of the longest route that covers it.
 * IPv4: fib4_dir24 keeps every route and just never paints 240.0.0.0/4.
 */
enum top_rel { TOP_NONE, TOP_INSIDE, TOP_CONTAINS, TOP_PIECE };

static void top_block(int family, struct pg_prefix *t)
{
	memset(t, 0, sizeof(*t));
	t->ip.family = (uint8_t)family;
	if (family == AF_INET) {
		t->ip.v4 = rte_cpu_to_be_32(0xf0000000);
		t->len = 4;
	} else {
		t->ip.v6[0] = 0xff;
		t->len = 8;
	}
}

static inline uint8_t *ip_bytes(struct pg_ip *ip)
{
	return ip->family == AF_INET ? (uint8_t *)&ip->v4 : ip->v6;
}

/* The piece of the top block's path at level l: T's first l bits, bit l flipped, length l + 1. */
static void top_piece(const struct pg_prefix *t, unsigned l, struct pg_prefix *q)
{
	*q = *t;
	ip_bytes(&q->ip)[l / 8] ^= (uint8_t)(0x80 >> (l % 8));
	q->len = (uint8_t)(l + 1);
	prefix_mask(q);
}

static enum top_rel top_relation(const struct pg_prefix *p)
{
	struct pg_prefix t, q;

	top_block(p->ip.family, &t);
	if (p->len >= t.len && prefix_contains(&t, &p->ip))
		return TOP_INSIDE;
	if (p->len < t.len && prefix_contains(p, &t.ip))
		return TOP_CONTAINS;
	if (p->len == 0 || p->len > t.len)
		return TOP_NONE;
	top_piece(&t, p->len - 1u, &q);
	return ip_equal(&q.ip, &p->ip) ? TOP_PIECE : TOP_NONE;
}

static int fib_lr_rebuild(struct dp_vrf *v, int family);

/* Write one prefix into the standby table and log it for the replay at commit. */
static int fib_dpdk_write(struct dp_vrf *v, const struct pg_prefix *p, uint32_t nh, int del,
			  bool *rebuilt)
{
	struct fib_lr *lr = p->ip.family == AF_INET ? v->fib4 : v->fib6;
	struct pg_ip ip = p->ip;
	int ret;

	if (!lr->active) {
		if (del)
			return -ENOENT;
		ret = fib_lr_tables_create(v, p->ip.family);
		if (ret < 0)
			return ret;
	}
	ret = fib_table_apply(p->ip.family, fib_lr_standby(lr), ip_bytes(&ip), p->len, nh, del);
	unsigned count = route_counts[v->id][1];
	if (ret == -ENOSPC && !del && count <= lr->max_routes && rebuilt &&
	    (lr->full_at == 0 || count < lr->full_at)) {
		/* rte_fib6's tbl8 accounting drifts with churn (fixed upstream after 22.11):
		 * rebuilding both copies from the route table gives the space back. The route
		 * table already holds this route, so the rebuild installs it. */
		ret = fib_lr_rebuild(v, p->ip.family);
		*rebuilt = ret == 0;
		/* Really full: do not rebuild again before routes go away. */
		lr->full_at = ret == -ENOSPC ? count : 0;
		return ret;
	}
	if (ret < 0)
		return ret;
	ret = log_append(v->id, p, nh, del);
	if (ret < 0) {
		/* Cannot replay later: publish now so both copies stay equal. */
		fib_commit();
		return fib_table_apply(p->ip.family, fib_lr_standby(lr), ip_bytes(&ip), p->len, nh,
				       del);
	}
	return 0;
}

/* The next hop a top piece carries: the longest route equal to it or covering it. */
static uint32_t top_piece_nh(uint16_t vrf, const struct pg_prefix *t, unsigned l)
{
	struct pg_prefix q;
	const struct fib_route *r;

	top_piece(t, l, &q);
	if ((r = fib_route_find(vrf, &q)) != NULL)
		return r->nh;
	for (int j = (int)l; j >= 0; j--) {
		q = *t;
		q.len = (uint8_t)j;
		prefix_mask(&q);
		if ((r = fib_route_find(vrf, &q)) != NULL)
			return r->nh;
	}
	return 0;
}

/* Recompute every top piece of one VRF and family from the route table. */
static int top_refresh(struct dp_vrf *v, int family, bool *rebuilt)
{
	struct pg_prefix t, q;
	int ret;

	top_block(family, &t);
	for (unsigned l = 0; l < t.len; l++) {
		uint32_t nh = top_piece_nh(v->id, &t, l);
		top_piece(&t, l, &q);
		ret = fib_dpdk_write(v, &q, nh, nh == 0, rebuilt);
		if (rebuilt && *rebuilt)
			return 0;
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	return 0;
}

/* Make the tables agree with the route table for prefix p (already updated there). */
static int fib_table_sync(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, int del)
{
	struct dp_vrf *v = dp.vrfs[vrf];
	bool rebuilt = false;
	int ret;

	switch (top_relation(p)) {
	case TOP_INSIDE:
		return 0;
	case TOP_NONE:
		ret = fib_dpdk_write(v, p, nh, del, &rebuilt);
		return ret == -ENOENT && del ? 0 : ret;
	default:
		return top_refresh(v, p->ip.family, &rebuilt);
	}
}

/* Fill a fresh table with every route of vrf/family. */
static int fib_table_fill(void *t, uint16_t vrf, int family)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	struct pg_prefix top, q;
	int ret;

	while (rte_hash_iterate(rib, &key, &data, &it) >= 0) {
		struct fib_route *r = data;
		if (r->vrf != vrf || r->prefix.ip.family != family ||
		    top_relation(&r->prefix) != TOP_NONE)
			continue;
		struct pg_ip ip = r->prefix.ip;
		ret = fib_table_apply(family, t, ip_bytes(&ip), r->prefix.len, r->nh, 0);
		if (ret < 0)
			return ret;
	}
	top_block(family, &top);
	for (unsigned l = 0; l < top.len; l++) {
		uint32_t nh = top_piece_nh(vrf, &top, l);
		if (!nh)
			continue;
		top_piece(&top, l, &q);
		ret = fib_table_apply(family, t, ip_bytes(&q.ip), q.len, nh, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * Replace the standby copy by a fresh table filled from the route table (which already has every
 * change); the commit publishes it and rebuilds the other copy the same way.
 */
static int fib_lr_rebuild(struct dp_vrf *v, int family)
{
	struct fib_lr *lr = family == AF_INET ? v->fib4 : v->fib6;
	void *n = fib_table_create(v->id, family, lr, 2);
	int c = lr->copy[0] == lr->active ? 1 : 0;
	int ret = n ? fib_table_fill(n, v->id, family) : -ENOMEM;

	if (ret < 0) {
		fib_table_free(family, n);
		if (ret != -ENOSPC)
			LOG_ERR("VRF %s: rebuilding the IPv%d FIB failed: %s", v->name,
				family == AF_INET ? 4 : 6, strerror(-ret));
		else
			LOG_WARN("VRF %s: IPv%d FIB full (%u routes): grow dataplane.%s", v->name,
				 family == AF_INET ? 4 : 6, route_counts[v->id][family == AF_INET6],
				 family == AF_INET ? "tbl8Groups" : "maxRoutes6");
		return ret;
	}
	fib_table_free(family, lr->copy[c]); /* the standby: no worker reads it */
	lr->copy[c] = n;
	if (!lr->rebuild) {
		lr->rebuild = true;
		rebuilds_pending++;
	}
	LOG_INFO("VRF %s: IPv%d FIB standby copy rebuilt (%u routes)", v->name,
		 family == AF_INET ? 4 : 6, route_counts[v->id][family == AF_INET6]);
	return 0;
}

static void touch4(uint16_t vrf)
{
	if (!touched4[vrf]) {
		touched4[vrf] = true;
		n_touched4++;
	}
}

/*
 * IPv4: the route set of the VRF's fib4 table is the route table (tag = origin). The table is
 * written in place (the workers see each change at once); fib4_dir24 paints the addresses of
 * 240.0.0.0/4 never, so no top pieces.
 */
/* The VRF has an IPv4 table (of either kind). */
static inline bool has4(const struct fib_lr *lr)
{
	return lr->active || lr->compact;
}

static void tbl_free_cb(void *t)
{
	fib4_tbl_free(t);
}

struct fill4 {
	struct fib4_tbl *t;
	struct fib4_dxr *d;
	int ret;
};

static int fill4_cb(const struct fib4_route *r, void *arg)
{
	struct fill4 *f = arg;

	f->ret = f->t ? fib4_tbl_add(f->t, r->ip, r->len, r->nh, r->tag, NULL)
		      : fib4_dxr_add(f->d, r->ip, r->len, r->nh, r->tag, NULL);
	return f->ret;
}

/*
 * The VRF's compact table has grown past compact_max: build a DIR-24-8 table with every route,
 * publish it (workers read active first), and free the compact one after a grace period. On
 * failure (no memory, tbl8 groups too few for the routes longer than /24) the compact table
 * stays, and the switch is tried again 65536 routes later.
 */
static void fib4_switch_dir24(struct dp_vrf *v)
{
	struct fib_lr *lr = v->fib4;
	struct fib4_dxr *d = lr->compact;
	const unsigned n = fib4_dxr_routes(d);

	if (lr->full_at && n < lr->full_at + 65536)
		return;
	unsigned init = PG_MIN(PG_MAX(2 * n, lr->init_routes), lr->max_routes);
	struct fill4 f = {.t = fib4_tbl_create(SOCKET_ID_ANY, lr->max_routes, init, lr->tbl8)};
	if (f.t)
		fib4_dxr_walk(d, fill4_cb, &f);
	if (!f.t || f.ret < 0) {
		LOG_WARN("VRF %s: IPv4 FIB stays compact at %u routes (DIR-24-8: %s)", v->name, n,
			 f.t ? strerror(-f.ret) : rte_strerror(rte_errno));
		fib4_tbl_free(f.t);
		lr->full_at = n;
		return;
	}
	lr->full_at = 0;
	lr->copy[0] = f.t;
	rcu_assign_pointer(lr->active, f.t);
	/* A worker that read active just before it was set reads compact next: it stays set
	 * until no worker can be doing that (one grace period, once per switch); after it no
	 * worker reads compact any more. */
	rcu_synchronize();
	rcu_assign_pointer(lr->compact, NULL);
	fib4_dxr_free(d);
	LOG_INFO("VRF %s: IPv4 FIB switched to DIR-24-8 at %u routes", v->name, n);
}

/* The VRF's DIR-24-8 table has shrunk below compact_max / 4: back to a compact table. */
static void fib4_switch_compact(struct dp_vrf *v)
{
	struct fib_lr *lr = v->fib4;
	struct fib4_tbl *t = lr->active;
	const unsigned n = fib4_tbl_routes(t);
	struct fill4 f = {.d = fib4_dxr_create(lr->max_routes, PG_MAX(2 * n, 1024u))};

	if (f.d) {
		fib4_tbl_walk(t, fill4_cb, &f);
		if (f.ret == 0)
			f.ret = fib4_dxr_flush(f.d);
	}
	if (!f.d || f.ret < 0) {
		fib4_dxr_free(f.d);
		return; /* tried again at the next delete */
	}
	/* compact first: a worker that finds active NULL finds the compact table */
	rcu_assign_pointer(lr->compact, f.d);
	rcu_assign_pointer(lr->active, NULL);
	lr->copy[0] = NULL;
	if (rcu_defer_free(tbl_free_cb, t) < 0) {
		rcu_synchronize();
		fib4_tbl_free(t);
	}
	LOG_INFO("VRF %s: IPv4 FIB switched to compact at %u routes", v->name, n);
}

/*
 * IPv4: the route set of the VRF's fib4 table is the route table (tag = origin). A DIR-24-8 table
 * is written in place (the workers see each change at once), a compact one publishes at
 * fib_commit; both never paint the addresses of 240.0.0.0/4, so no top pieces.
 */
static int fib4_route_set(struct dp_vrf *v, const struct pg_prefix *p, uint32_t nh,
			  enum route_origin origin, uint32_t *old_nh)
{
	struct fib_lr *lr = v->fib4;
	uint32_t ip = rte_be_to_cpu_32(p->ip.v4);
	struct fib4_route old;
	int ret;

	if (!has4(lr)) {
		ret = fib_lr_tables_create(v, AF_INET);
		if (ret < 0)
			return ret;
	}
	struct fib4_tbl *t = lr->active;
	const struct fib4_route *r =
	    t ? fib4_tbl_find(t, ip, p->len) : fib4_dxr_find(lr->compact, ip, p->len);
	if (r) {
		*old_nh = r->nh;
		if (r->nh == nh && r->tag == origin)
			return 0;
	} else if (route_counts[v->id][0] >= dp.fib4_max_routes) {
		return -ENOSPC;
	}
	if (!t) {
		ret = fib4_dxr_add(lr->compact, ip, p->len, nh, (uint8_t)origin, &old);
	} else {
		ret = fib4_tbl_add(t, ip, p->len, nh, (uint8_t)origin, &old);
		if (ret == -ENOSPC && fib4_tbl_tbl8_pending(t)) {
			/* tbl8 groups given up in this batch come back after a grace period */
			rcu_synchronize();
			fib4_tbl_reclaim(t);
			ret = fib4_tbl_add(t, ip, p->len, nh, (uint8_t)origin, &old);
		}
	}
	if (ret < 0) {
		LOG_WARN("FIB write failed: %s", strerror(-ret));
		*old_nh = 0;
		return ret;
	}
	if (!old.nh)
		route_counts[v->id][0]++;
	touch4(v->id);
	if (!t && route_counts[v->id][0] > compact_max)
		fib4_switch_dir24(v);
	return 0;
}

static int fib4_route_unset(struct dp_vrf *v, const struct pg_prefix *p, uint32_t *old_nh)
{
	struct fib_lr *lr = v->fib4;
	struct fib4_route old;
	const uint32_t ip = rte_be_to_cpu_32(p->ip.v4);
	int ret;

	if (!has4(lr))
		return -ENOENT;
	if (lr->active)
		ret = fib4_tbl_del(lr->active, ip, p->len, &old);
	else
		ret = fib4_dxr_del(lr->compact, ip, p->len, &old);
	if (ret < 0)
		return ret;
	*old_nh = old.nh;
	route_counts[v->id][0]--;
	touch4(v->id);
	if (lr->active && v->id != PG_VRF_DEFAULT && compact_max > 0 &&
	    route_counts[v->id][0] < compact_max / 4)
		fib4_switch_compact(v);
	return 0;
}

static void fib_route_from4(struct fib_route *fr, uint16_t vrf, const struct fib4_route *r)
{
	memset(fr, 0, sizeof(*fr));
	fr->vrf = vrf;
	fr->origin = r->tag;
	fr->prefix.ip.family = AF_INET;
	fr->prefix.ip.v4 = rte_cpu_to_be_32(r->ip);
	fr->prefix.len = r->len;
	fr->nh = r->nh;
}

int fib_route_add(uint16_t vrf, const struct pg_prefix *p, uint32_t nh, enum route_origin origin,
		  uint32_t *old_nh)
{
	struct route_key k;
	struct fib_route *r = NULL;
	unsigned fam = p->ip.family == AF_INET6;
	bool created = false;
	uint8_t old_origin = 0;
	int ret;

	*old_nh = 0;
	if (vrf >= PG_MAX_VRFS || !dp.vrfs[vrf] || nh == 0 || nh >= dp.max_nh)
		return -EINVAL;
	if (p->ip.family == AF_INET)
		return fib4_route_set(dp.vrfs[vrf], p, nh, origin, old_nh);
	route_key_make(&k, vrf, p);
	if (rte_hash_lookup_data(rib, &k, (void **)&r) >= 0) {
		*old_nh = r->nh;
		old_origin = r->origin;
		if (r->nh == nh && r->origin == origin)
			return 0;
	} else {
		unsigned max = fam ? dp.fib6_max_routes : dp.fib4_max_routes;
		if (route_counts[vrf][fam] >= max)
			return -ENOSPC;
		r = malloc(sizeof(*r));
		if (!r)
			return -ENOMEM;
		r->vrf = vrf;
		r->prefix = *p;
		if (rte_hash_add_key_data(rib, &k, r) < 0) {
			free(r);
			return -ENOSPC;
		}
		route_counts[vrf][fam]++;
		created = true;
	}
	r->nh = nh;
	r->origin = (uint8_t)origin;
	ret = fib_table_sync(vrf, p, nh, 0);
	if (ret < 0) {
		LOG_WARN("FIB write failed: %s", strerror(-ret));
		if (created) {
			rte_hash_del_key(rib, &k);
			route_counts[vrf][fam]--;
			free(r);
		} else {
			r->nh = *old_nh;
			r->origin = old_origin;
		}
		*old_nh = 0;
		return ret;
	}
	return 0;
}

int fib_route_del(uint16_t vrf, const struct pg_prefix *p, uint32_t *old_nh)
{
	struct route_key k;
	struct fib_route *r;
	struct pg_prefix pfx = *p;
	int ret;

	*old_nh = 0;
	if (vrf >= PG_MAX_VRFS || !dp.vrfs[vrf])
		return -EINVAL;
	if (p->ip.family == AF_INET)
		return fib4_route_unset(dp.vrfs[vrf], p, old_nh);
	route_key_make(&k, vrf, p);
	if (rte_hash_lookup_data(rib, &k, (void **)&r) < 0)
		return -ENOENT;
	*old_nh = r->nh;
	rte_hash_del_key(rib, &k);
	route_counts[vrf][p->ip.family == AF_INET6]--;
	free(r);
	ret = fib_table_sync(vrf, &pfx, 0, 1);
	if (ret < 0)
		LOG_WARN("FIB delete failed: %s", strerror(-ret));
	return 0;
}

void fib_route_prefetch(uint16_t vrf, const struct pg_prefix *p)
{
	const struct dp_vrf *v = vrf < PG_MAX_VRFS ? dp.vrfs[vrf] : NULL;

	if (p->ip.family != AF_INET || !v)
		return;
	if (v->fib4->active)
		fib4_tbl_prefetch(v->fib4->active, rte_be_to_cpu_32(p->ip.v4), p->len);
	else if (v->fib4->compact)
		fib4_dxr_prefetch(v->fib4->compact, rte_be_to_cpu_32(p->ip.v4), p->len);
}

const struct fib_route *fib_route_find(uint16_t vrf, const struct pg_prefix *p)
{
	static struct fib_route found4;
	struct route_key k;
	struct fib_route *r;

	if (p->ip.family == AF_INET) {
		const struct dp_vrf *v = vrf < PG_MAX_VRFS ? dp.vrfs[vrf] : NULL;
		const uint32_t ip = rte_be_to_cpu_32(p->ip.v4);
		const struct fib4_route *r4 =
		    !v		       ? NULL
		    : v->fib4->active  ? fib4_tbl_find(v->fib4->active, ip, p->len)
		    : v->fib4->compact ? fib4_dxr_find(v->fib4->compact, ip, p->len)
				       : NULL;
		if (!r4)
			return NULL;
		fib_route_from4(&found4, vrf, r4);
		return &found4;
	}
	route_key_make(&k, vrf, p);
	if (rte_hash_lookup_data(rib, &k, (void **)&r) < 0)
		return NULL;
	return r;
}

uint32_t fib_lookup_ctl(uint16_t vrf, const struct pg_ip *ip)
{
	struct dp_vrf *v = vrf < PG_MAX_VRFS ? dp.vrfs[vrf] : NULL;
	uint64_t nh = 0;

	if (!v)
		return 0;
	/* The standby copy always has every change, committed or not. */
	if (ip->family == AF_INET) {
		if (v->fib4->active)
			return fib4_tbl_lookup_rib(v->fib4->active, rte_be_to_cpu_32(ip->v4));
		if (v->fib4->compact)
			return fib4_dxr_lookup_rib(v->fib4->compact, rte_be_to_cpu_32(ip->v4));
		return 0;
	}
	if (!v->fib6->active)
		return 0;
	struct rte_rib6_node *n =
	    rte_rib6_lookup(rte_fib6_get_rib(fib_lr_standby(v->fib6)), ip->v6);
	if (n)
		rte_rib6_get_nh(n, &nh);
	return (uint32_t)nh;
}

struct walk4 {
	uint16_t vrf;
	int (*cb)(const struct fib_route *, void *);
	void *arg;
};

static int walk4_cb(const struct fib4_route *r, void *arg)
{
	const struct walk4 *w = arg;
	struct fib_route fr;

	fib_route_from4(&fr, w->vrf, r);
	return w->cb(&fr, w->arg);
}

int fib_route_walk(uint16_t vrf, int family, int (*cb)(const struct fib_route *, void *), void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;
	int ret;

	for (unsigned v = 0; v < PG_MAX_VRFS && family != AF_INET6; v++) {
		const struct dp_vrf *d = dp.vrfs[v];
		struct walk4 w = {(uint16_t)v, cb, arg};
		if ((vrf != UINT16_MAX && v != vrf) || !d || !has4(d->fib4))
			continue;
		ret = d->fib4->active ? fib4_tbl_walk(d->fib4->active, walk4_cb, &w)
				      : fib4_dxr_walk(d->fib4->compact, walk4_cb, &w);
		if (ret)
			return ret;
	}
	if (family == AF_INET)
		return 0;
	while (rte_hash_iterate(rib, &key, &data, &it) >= 0) {
		const struct fib_route *r = data;
		if (vrf != UINT16_MAX && r->vrf != vrf)
			continue;
		if (family && r->prefix.ip.family != family)
			continue;
		ret = cb(r, arg);
		if (ret)
			return ret;
	}
	return 0;
}

const char *fib4_table_kind(uint16_t vrf)
{
	const struct dp_vrf *v = vrf < PG_MAX_VRFS ? dp.vrfs[vrf] : NULL;

	if (!v || !has4(v->fib4))
		return "none";
	return v->fib4->active ? "dir24-8" : "compact";
}

unsigned fib_route_count(uint16_t vrf, int family)
{
	unsigned n = 0;

	for (unsigned v = 0; v < PG_MAX_VRFS; v++) {
		if (vrf != UINT16_MAX && v != vrf)
			continue;
		if (family != AF_INET6)
			n += route_counts[v][0];
		if (family != AF_INET)
			n += route_counts[v][1];
	}
	return n;
}

/*
 * IPv4 tables are written in place: their changes are published already; what they gave up
 * (next hops of replaced and deleted routes, tbl8 groups) is released after one grace period.
 * IPv6 tables are left-right copies: the standby copies are published, and after the grace
 * period the others are brought up to date by replaying the batch (or rebuilt).
 */
int fib_commit(void)
{
	static bool touched6[PG_MAX_VRFS];
	bool groups = false;

	for (unsigned v = 0; v < PG_MAX_VRFS && n_touched4; v++) {
		const struct dp_vrf *vrf = dp.vrfs[v];
		if (!touched4[v] || !vrf)
			continue;
		if (vrf->fib4->active && fib4_tbl_tbl8_pending(vrf->fib4->active))
			groups = true;
		/* compact tables: publish the changed /16s. Their old chunks wait for a grace
		 * period, but not necessarily this commit's: a commit that gives up nothing
		 * else does not wait until they pass a quarter of the pool (at least 1 MiB),
		 * so a feed of adds waits a few times instead of once per commit. */
		struct fib4_dxr *d = vrf->fib4->active ? NULL : vrf->fib4->compact;
		if (d && fib4_dxr_flush(d) < 0)
			LOG_ERR("VRF %s: IPv4 FIB (compact) out of memory, changes not published",
				vrf->name);
		if (d &&
		    fib4_dxr_pending_bytes(d) > PG_MAX((size_t)1 << 20, fib4_dxr_pool_bytes(d) / 4))
			groups = true;
	}
	if (log_n == 0 && rebuilds_pending == 0 && !groups && (put_n == 0 || n_touched4 == 0)) {
		/* Nothing to wait for: no IPv6 copy to publish, and nothing given up since
		 * workers last saw a table change (or nothing changed since the last grace
		 * period, so nothing published still points to them). */
		memset(touched4, 0, sizeof(touched4));
		n_touched4 = 0;
		put_run();
		return 0;
	}
	memset(touched6, 0, sizeof(touched6));
	for (unsigned i = 0; i < log_n; i++)
		if (oplog[i].family == AF_INET6)
			touched6[oplog[i].vrf] = true;
	/* The IPv6 standby copies already have the batch: publish them. */
	for (unsigned v = 0; v < PG_MAX_VRFS; v++) {
		struct dp_vrf *vrf = dp.vrfs[v];
		if (!vrf)
			continue;
		struct fib_lr *lr = vrf->fib6;
		if ((touched6[v] || lr->rebuild) && lr->active)
			rcu_assign_pointer(lr->active, fib_lr_standby(lr));
	}
	rcu_synchronize();
	/* Nobody reads what was given up any more: IPv4 tbl8 groups back to their free lists;
	 * IPv6: replay the batch on the old copies, or rebuild them. */
	for (unsigned v = 0; v < PG_MAX_VRFS && n_touched4; v++) {
		struct dp_vrf *vrf = dp.vrfs[v];
		if (!touched4[v])
			continue;
		touched4[v] = false;
		n_touched4--;
		if (vrf && vrf->fib4->active)
			fib4_tbl_reclaim(vrf->fib4->active);
	}
	/* compact chunks given up before the grace period, in every VRF */
	for (unsigned v = 0; v < PG_MAX_VRFS; v++) {
		struct dp_vrf *vrf = dp.vrfs[v];
		if (vrf && !vrf->fib4->active && vrf->fib4->compact &&
		    fib4_dxr_pending(vrf->fib4->compact))
			fib4_dxr_reclaim(vrf->fib4->compact);
	}
	for (unsigned i = 0; i < log_n; i++) {
		const struct fib_op *op = &oplog[i];
		struct dp_vrf *v = dp.vrfs[op->vrf];
		if (!v)
			continue;
		struct fib_lr *lr = op->family == AF_INET ? v->fib4 : v->fib6;
		if (!lr->active || lr->rebuild)
			continue;
		int ret = fib_table_apply(op->family, fib_lr_standby(lr), op->addr, op->len, op->nh,
					  op->del);
		if (ret < 0 && !(op->del && ret == -ENOENT))
			LOG_ERR("FIB replay in VRF %u failed: %s", op->vrf, strerror(-ret));
	}
	log_n = 0;
	for (unsigned v = 0; v < PG_MAX_VRFS && rebuilds_pending; v++) {
		struct dp_vrf *vrf = dp.vrfs[v];
		for (int f = 0; f < 2 && vrf; f++) {
			struct fib_lr *lr = f ? vrf->fib6 : vrf->fib4;
			if (!lr->rebuild)
				continue;
			int fam = f ? AF_INET6 : AF_INET, c = lr->copy[0] == lr->active ? 1 : 0;
			void *n = fib_table_create(vrf->id, fam, lr, 3);
			if (n && fib_table_fill(n, vrf->id, fam) == 0) {
				fib_table_free(fam, lr->copy[c]);
				lr->copy[c] = n;
			} else {
				/* Keep the drifted copy; the next ENOSPC tries again. */
				fib_table_free(fam, n);
				LOG_ERR("VRF %s: rebuilding the second IPv%d FIB copy failed",
					vrf->name, f ? 6 : 4);
			}
			lr->rebuild = false;
			rebuilds_pending--;
		}
	}
	rebuilds_pending = 0;
	put_run();
	return 0;
}
