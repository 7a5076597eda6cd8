/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FIB unit test (dataplane/fib.c). Random prefixes (random lengths, duplicates, overlaps) are
 * added to and deleted from a VRF while the test keeps its own route list; after fib_commit()
 * the control-side lookup (fib_lookup_ctl) and the worker-side bulk lookups (fib4_lookup_bulk,
 * fib6_lookup_bulk) must agree with a longest-prefix match over that list, for random addresses
 * and for the addresses at and just beyond the edges of every prefix; before the commit the
 * IPv6 worker-side lookups must still give the previous state (left-right copies, which several
 * rounds of churn swap back and forth) and the IPv4 ones the new state already (the table is
 * written in place).
 *
 * Also: fib_route_find/count/walk, replace semantics, -ENOENT, -EINVAL, -ENOSPC at the route
 * limit, VRF isolation, default routes, every route fib_route_add accepts really being in the
 * table, and what the DPDK 22.11 FIB libraries get wrong underneath: routes at the top of the
 * address space (test_top_of_space), IPv6 capacity (test_capacity6) and IPv6 add/delete churn
 * (test_churn). The IPv4 DIR-24-8 table underneath (dataplane/fib4_dir24.h) gets its own tests
 * (test_dir24_*): deletes that uncover the covering route inside a tbl8 group and across tbl24
 * ranges, /0 and /32, every burst size, tbl8 group exhaustion and reuse, groups given back when
 * a /24 collapses to one tbl24 entry, random nested prefixes of every length /0../32 with the
 * exact number of groups in use checked after each commit, and (test_dir24_inplace, on the table
 * directly) a larger scale: 150k Internet-like prefixes, churn in rounds, withdraws of short
 * routes over ranges full of longer ones, groups freed and reused only after
 * fib4_tbl_reclaim() (a grace period).
 *
 * fib_route_add only requires 0 < nh < max_nh (it never dereferences the next hop), so the test
 * uses plain ids after nh_init(). UNIT_SEED=n replays another random sequence, UNIT_ONLY=a,b runs
 * some parts only (names in main()), UNIT_DEBUG=1 prints the routes behind a wrong lookup.
 */
#include <stdatomic.h>

#include "dp.h"
#include "dp_setup.h"
#include "fib.h"
#include "nexthop.h"
#include "unit.h"

#define NH_MAX	 65536
#define MAX4	 16384 /* dp.fib4_max_routes: per-VRF route limit checked by fib_route_add */
#define MAX6	 16384
#define RAND_VRF 1
#define N_BASES	 24

/* An address of either family as a 128-bit number (IPv4: lo only, 32 bits wide). */
struct key {
	uint64_t hi, lo;
};

struct ref_route {
	struct key net;
	uint8_t len;
	uint32_t nh;
	bool live;
	uint32_t cnh; /* as of the last fib_commit(): what the workers see */
	bool clive;
	unsigned walk_seen;
};

/* Every prefix ever added (live or not), indexed by (prefix, length) in an open-addressing map. */
struct ref_table {
	int family;
	unsigned width; /* 32 or 128 */
	struct ref_route *r;
	unsigned n, cap;
	uint32_t *map; /* index + 1, 0 = empty */
	unsigned map_cap;
	unsigned len_count[129];
};

static struct key key_mask(unsigned len, unsigned width)
{
	struct key m = {0, 0};

	if (width == 32)
		m.lo = len ? (0xffffffffull << (32 - len)) & 0xffffffffull : 0;
	else if (len == 0)
		;
	else if (len <= 64)
		m.hi = ~0ull << (64 - len);
	else {
		m.hi = ~0ull;
		m.lo = len == 128 ? ~0ull : ~0ull << (128 - len);
	}
	return m;
}

static struct key key_and(struct key a, struct key m)
{
	return (struct key){a.hi & m.hi, a.lo & m.lo};
}

static bool key_eq(struct key a, struct key b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

static struct key key_add(struct key a, int64_t d, unsigned width)
{
	struct key r = a;

	if (width == 32) {
		r.lo = (a.lo + (uint64_t)d) & 0xffffffffull;
		return r;
	}
	if (d >= 0) {
		r.lo = a.lo + (uint64_t)d;
		if (r.lo < a.lo)
			r.hi++;
	} else {
		r.lo = a.lo - (uint64_t)(-d);
		if (r.lo > a.lo)
			r.hi--;
	}
	return r;
}

static struct key key_rand(unsigned width)
{
	struct key k = {0, 0};

	if (width == 32)
		k.lo = unit_rand32();
	else {
		k.hi = unit_rand64();
		k.lo = unit_rand64();
	}
	return k;
}

static struct pg_ip key_to_ip(struct key k, int family)
{
	struct pg_ip ip = {.family = (uint8_t)family};

	if (family == AF_INET) {
		ip.v4 = htonl((uint32_t)k.lo);
	} else {
		for (int i = 0; i < 8; i++) {
			ip.v6[i] = (uint8_t)(k.hi >> (56 - 8 * i));
			ip.v6[8 + i] = (uint8_t)(k.lo >> (56 - 8 * i));
		}
	}
	return ip;
}

static struct pg_prefix key_to_prefix(struct key k, unsigned len, int family)
{
	struct pg_prefix p = {.ip = key_to_ip(k, family), .len = (uint8_t)len};
	return p;
}

static const char *key_str(struct key k, int family)
{
	static char buf[4][PG_IP_FMT_LEN];
	static unsigned i;
	struct pg_ip ip = key_to_ip(k, family);

	return fmt_ip(&ip, buf[i++ % 4]);
}

static uint64_t ref_hash(struct key net, unsigned len)
{
	uint64_t h = net.hi * 0x9e3779b97f4a7c15ull ^ (net.lo + len) * 0xbf58476d1ce4e5b9ull;

	h ^= h >> 31;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 29);
}

static struct ref_route *ref_find(const struct ref_table *t, struct key net, unsigned len)
{
	if (!t->map_cap)
		return NULL;
	for (uint64_t i = ref_hash(net, len);; i++) {
		uint32_t v = t->map[i & (t->map_cap - 1)];
		if (v == 0)
			return NULL;
		struct ref_route *r = &t->r[v - 1];
		if (r->len == len && key_eq(r->net, net))
			return r;
	}
}

static void ref_map_put(struct ref_table *t, unsigned idx)
{
	for (uint64_t i = ref_hash(t->r[idx].net, t->r[idx].len);; i++) {
		uint32_t *slot = &t->map[i & (t->map_cap - 1)];
		if (*slot == 0) {
			*slot = idx + 1;
			return;
		}
	}
}

static struct ref_route *ref_insert(struct ref_table *t, struct key net, unsigned len)
{
	struct ref_route *r = ref_find(t, net, len);

	if (r)
		return r;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->r = realloc(t->r, t->cap * sizeof(*t->r));
		if (!t->r)
			abort();
	}
	if (2 * (t->n + 1) > t->map_cap) {
		free(t->map);
		t->map_cap = t->map_cap ? t->map_cap * 2 : 4096;
		t->map = calloc(t->map_cap, sizeof(*t->map));
		if (!t->map)
			abort();
		for (unsigned i = 0; i < t->n; i++)
			ref_map_put(t, i);
	}
	r = &t->r[t->n];
	memset(r, 0, sizeof(*r));
	r->net = net;
	r->len = (uint8_t)len;
	ref_map_put(t, t->n++);
	t->len_count[len]++;
	return r;
}

static unsigned ref_live(const struct ref_table *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->n; i++)
		n += t->r[i].live;
	return n;
}

/*
 * Longest-prefix match over the live (or the last committed) reference routes, the obvious way:
 * from the longest length down, is there a route for the address masked to that length?
 */
static uint32_t ref_lookup(const struct ref_table *t, struct key a, bool committed)
{
	/* 240.0.0.0/4 and ff00::/8 are never routed (dataplane/fib.c: kept out of the DPDK tables
	 * because of its top-of-address-space bug; the worker drops or punts them earlier). */
	if (t->width == 32 ? (a.lo >> 28) == 0xf : (a.hi >> 56) == 0xff)
		return 0;
	for (int len = (int)t->width; len >= 0; len--) {
		if (!t->len_count[len])
			continue;
		const struct ref_route *r =
		    ref_find(t, key_and(a, key_mask((unsigned)len, t->width)), (unsigned)len);
		if (r && (committed ? r->clive : r->live))
			return committed ? r->cnh : r->nh;
	}
	return 0;
}

static void ref_commit(struct ref_table *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		t->r[i].clive = t->r[i].live;
		t->r[i].cnh = t->r[i].nh;
	}
}

/* ---- random prefixes that overlap: a few base addresses, random divergence point ---- */

static struct key bases[N_BASES];

static void bases_init(unsigned width)
{
	for (unsigned i = 0; i < N_BASES; i++) {
		bases[i] = key_rand(width);
		if (width == 32) {
			/* Keep IPv4 bases away from nothing in particular: all of 0/0 is fair. */
			continue;
		}
	}
}

/* An address near a base: the first d bits from the base, the rest random. */
static struct key addr_near(unsigned width)
{
	struct key b = bases[unit_rand_below(N_BASES)];
	unsigned d = unit_rand_below(width + 1);
	struct key m = key_mask(d, width);
	struct key r = key_rand(width);

	return (struct key){(b.hi & m.hi) | (r.hi & ~m.hi), (b.lo & m.lo) | (r.lo & ~m.lo)};
}

static unsigned min_len = 1; /* shortest random prefix */
static bool dense_lengths;   /* IPv4: every length /0../32 equally likely (test_dir24_random) */
static bool avoid_top;	     /* no prefix ending at the top of the space (test_top_of_space) */

static bool ends_at_top(struct key net, unsigned len, unsigned width)
{
	struct key m = key_mask(len, width);

	if (width == 32)
		return (net.lo | (~m.lo & 0xffffffffull)) == 0xffffffffull;
	return (net.hi | ~m.hi) == ~0ull && (net.lo | ~m.lo) == ~0ull;
}

static unsigned rand_len_any(unsigned width);

static unsigned rand_len(unsigned width)
{
	unsigned len;

	do
		len = rand_len_any(width);
	while (len < min_len);
	return len;
}

static unsigned rand_len_any(unsigned width)
{
	if (width == 32 && dense_lengths)
		return unit_rand_below(33);
	if (width == 32) {
		/* 1..32 weighted towards 8..32 where tbl24/tbl8 boundaries are. */
		unsigned r = unit_rand_below(100);
		if (r < 5)
			return 1 + unit_rand_below(7);
		if (r < 55)
			return 8 + unit_rand_below(17);
		return 25 + unit_rand_below(8);
	}
	unsigned r = unit_rand_below(100);
	if (r < 5)
		return 1 + unit_rand_below(15);
	if (r < 60)
		return 16 + unit_rand_below(49);
	return 65 + unit_rand_below(64);
}

/* ---- comparing the FIB with the reference ---- */

struct lookup_batch {
	struct ref_table *t;
	uint16_t vrf;
	bool uncommitted; /* changes pending: IPv6 workers and IPv4 compact tables show the last
			     commit (IPv4 DIR-24-8: every change) */
	unsigned n;
	struct key a[PG_BURST];
	unsigned mismatches;
};

static void batch_flush(struct lookup_batch *b)
{
	const struct dp_vrf *v = dp.vrfs[b->vrf];
	uint32_t want[PG_BURST], wantc[PG_BURST], ctl[PG_BURST], bulk[PG_BURST];
	unsigned n = b->n;
	/* IPv4 DIR-24-8 is written in place: the workers see every change at once; a compact
	 * table publishes at the commit, as IPv6 does (its control side has every change) */
	const bool compact = b->t->family == AF_INET && v && !v->fib4->active;
	const bool last = b->uncommitted && (b->t->family == AF_INET6 || compact);

	if (n == 0)
		return;
	for (unsigned i = 0; i < n; i++) {
		struct pg_ip ip = key_to_ip(b->a[i], b->t->family);
		want[i] = ref_lookup(b->t, b->a[i], last); /* the workers' view */
		wantc[i] = last && !compact ? want[i] : ref_lookup(b->t, b->a[i], false);
		ctl[i] = last && !compact ? want[i] : fib_lookup_ctl(b->vrf, &ip);
	}
	if (b->t->family == AF_INET) {
		uint32_t ips[PG_BURST];
		uint64_t nh64[PG_BURST];
		for (unsigned i = 0; i < n; i++)
			ips[i] = (uint32_t)b->a[i].lo;
		fib4_lookup_bulk(v, ips, nh64, n);
		for (unsigned i = 0; i < n; i++)
			bulk[i] = (uint32_t)nh64[i];
		/* the workers' variant (no prefetch of its own) must agree: a mismatch counts */
		const struct fib4_tbl *t = rcu_dereference(v->fib4->active);
		if (t != NULL) {
			fib4_tbl_lookup_bulk_pf(t, ips, nh64, n);
			for (unsigned i = 0; i < n; i++)
				if ((uint32_t)nh64[i] != bulk[i])
					bulk[i] = UINT32_MAX;
		}
	} else {
		uint8_t ips[PG_BURST][16];
		uint64_t nh64[PG_BURST];
		for (unsigned i = 0; i < n; i++) {
			struct pg_ip ip = key_to_ip(b->a[i], AF_INET6);
			memcpy(ips[i], ip.v6, 16);
		}
		fib6_lookup_bulk(v, ips, nh64, n);
		for (unsigned i = 0; i < n; i++)
			bulk[i] = (uint32_t)nh64[i];
	}
	for (unsigned i = 0; i < n; i++) {
		if (ctl[i] == wantc[i] && bulk[i] == want[i])
			continue;
		b->mismatches++;
		if (b->mismatches <= 3 && getenv("UNIT_DEBUG")) {
			for (unsigned j = 0; j < b->t->n; j++) {
				const struct ref_route *r = &b->t->r[j];
				if (key_eq(key_and(b->a[i], key_mask(r->len, b->t->width)),
					   r->net) ||
				    r->nh == bulk[i])
					fprintf(
					    stderr,
					    "  %s %s/%u nh %u live %d committed nh %u live %d\n",
					    r->nh == bulk[i] ? "route with the worker's nh"
							     : "covering",
					    key_str(r->net, b->t->family), r->len, r->nh, r->live,
					    r->cnh, r->clive);
			}
		}
		CHECK(ctl[i] == wantc[i] && bulk[i] == want[i],
		      "VRF %u lookup %s: fib_lookup_ctl %u (reference %u), bulk (worker) %u, "
		      "reference "
		      "LPM %u%s",
		      b->vrf, key_str(b->a[i], b->t->family), ctl[i], wantc[i], bulk[i], want[i],
		      last ? " (bulk: as of the last commit, changes pending)" : "");
	}
	b->n = 0;
}

static void batch_add(struct lookup_batch *b, struct key a)
{
	b->a[b->n++] = a;
	if (b->n == PG_BURST)
		batch_flush(b);
}

static unsigned compare_fib(struct ref_table *t, uint16_t vrf, unsigned n_random, bool uncommitted)
{
	struct lookup_batch b = {.t = t, .vrf = vrf, .uncommitted = uncommitted};
	unsigned width = t->width;

	for (unsigned i = 0; i < n_random; i++)
		batch_add(&b, i & 1 ? addr_near(width) : key_rand(width));
	for (unsigned i = 0; i < t->n; i++) {
		const struct ref_route *r = &t->r[i];
		struct key m = key_mask(r->len, width);
		struct key last = {r->net.hi | (~m.hi & (width == 32 ? 0 : ~0ull)),
				   r->net.lo | (~m.lo & (width == 32 ? 0xffffffffull : ~0ull))};
		batch_add(&b, r->net);
		batch_add(&b, last);
		batch_add(&b, key_add(r->net, -1, width));
		batch_add(&b, key_add(last, 1, width));
		/* and one random address inside */
		struct key in = key_rand(width);
		batch_add(&b, (struct key){r->net.hi | (in.hi & ~m.hi & (width == 32 ? 0 : ~0ull)),
					   r->net.lo | (in.lo & ~m.lo &
							(width == 32 ? 0xffffffffull : ~0ull))});
	}
	batch_flush(&b);
	return b.mismatches;
}

/* fib_route_find / count / walk against the reference. */
static int walk_cb(const struct fib_route *fr, void *arg)
{
	struct ref_table *t = arg;
	struct key k = {0, 0};

	if (t->family == AF_INET) {
		k.lo = ntohl(fr->prefix.ip.v4);
	} else {
		for (int i = 0; i < 8; i++) {
			k.hi = k.hi << 8 | fr->prefix.ip.v6[i];
			k.lo = k.lo << 8 | fr->prefix.ip.v6[8 + i];
		}
	}
	CHECK(fr->prefix.ip.family == t->family, "walk(family %d) visited family %d", t->family,
	      fr->prefix.ip.family);
	struct ref_route *r = ref_find(t, k, fr->prefix.len);
	CHECK(r && r->live, "walk visited %s/%u which is not a live route", key_str(k, t->family),
	      fr->prefix.len);
	if (r) {
		r->walk_seen++;
		CHECK_EQ(fr->nh, r->nh);
	}
	return 0;
}

static void check_rib(struct ref_table *t, uint16_t vrf)
{
	unsigned live = ref_live(t);

	CHECK_EQ(fib_route_count(vrf, t->family), live);
	for (unsigned i = 0; i < t->n; i++) {
		struct ref_route *r = &t->r[i];
		struct pg_prefix p = key_to_prefix(r->net, r->len, t->family);
		const struct fib_route *fr = fib_route_find(vrf, &p);
		r->walk_seen = 0;
		if (!r->live) {
			CHECK(fr == NULL, "deleted route %s/%u still found",
			      key_str(r->net, t->family), r->len);
			continue;
		}
		CHECK(fr != NULL, "route %s/%u not found", key_str(r->net, t->family), r->len);
		if (!fr)
			continue;
		CHECK_EQ(fr->nh, r->nh);
		CHECK_EQ(fr->vrf, vrf);
		CHECK_EQ(fr->origin, ROUTE_STATIC);
		CHECK_EQ(fr->prefix.len, r->len);
		CHECK(ip_equal(&fr->prefix.ip, &p.ip), "route %s/%u stored with another address",
		      key_str(r->net, t->family), r->len);
	}
	fib_route_walk(vrf, t->family, walk_cb, t);
	unsigned bad = 0;
	for (unsigned i = 0; i < t->n; i++)
		if (t->r[i].walk_seen != (t->r[i].live ? 1u : 0u))
			bad++;
	CHECK(bad == 0, "%u routes not visited exactly once by fib_route_walk", bad);
}

/* ---- the random test ---- */

static int expect_compact = -1; /* IPv4 random tests: the VRF's table must be compact (1) or not */

static void random_round(struct ref_table *t, uint16_t vrf, unsigned n_add, unsigned del_pct)
{
	unsigned width = t->width;
	unsigned replaced = 0, same = 0, added = 0, deleted = 0;

	for (unsigned i = 0; i < n_add; i++) {
		struct key net;
		unsigned len;
		if (t->n && unit_rand_below(10) == 0) {
			/* duplicate of an existing (or deleted) prefix */
			const struct ref_route *d = &t->r[unit_rand_below(t->n)];
			net = d->net;
			len = d->len;
		} else {
			do {
				len = rand_len(width);
				net = key_and(addr_near(width), key_mask(len, width));
			} while (avoid_top && ends_at_top(net, len, width));
		}
		struct ref_route *r = ref_insert(t, net, len);
		uint32_t nh = 1 + unit_rand_below(NH_MAX - 1);
		if (r->live && unit_rand_below(4) == 0)
			nh = r->nh; /* same next hop again */
		struct pg_prefix p = key_to_prefix(net, len, t->family);
		uint32_t old = 12345;
		int ret = fib_route_add(vrf, &p, nh, ROUTE_STATIC, &old);
		CHECK(ret == 0, "fib_route_add(%s/%u, nh %u) = %d", key_str(net, t->family), len,
		      nh, ret);
		if (ret != 0)
			continue;
		CHECK(old == (r->live ? r->nh : 0),
		      "fib_route_add(%s/%u) old_nh %u, expected %u (replace returns the old nh)",
		      key_str(net, t->family), len, old, r->live ? r->nh : 0);
		if (r->live && r->nh == nh)
			same++;
		else if (r->live)
			replaced++;
		else
			added++;
		r->nh = nh;
		r->live = true;
	}
	for (unsigned i = 0; i < t->n; i++) {
		struct ref_route *r = &t->r[i];
		if (!r->live || unit_rand_below(100) >= del_pct)
			continue;
		struct pg_prefix p = key_to_prefix(r->net, r->len, t->family);
		uint32_t old = 0;
		int ret = fib_route_del(vrf, &p, &old);
		CHECK(ret == 0, "fib_route_del(%s/%u) = %d", key_str(r->net, t->family), r->len,
		      ret);
		CHECK(old == r->nh, "fib_route_del(%s/%u) old_nh %u, expected %u",
		      key_str(r->net, t->family), r->len, old, r->nh);
		r->live = false;
		deleted++;
	}
	/* delete of a prefix that is not there (deleted or never added) */
	for (unsigned i = 0; i < 20; i++) {
		unsigned len = rand_len(width);
		struct key net = key_and(key_rand(width), key_mask(len, width));
		struct ref_route *r = ref_find(t, net, len);
		if (r && r->live)
			continue;
		struct pg_prefix p = key_to_prefix(net, len, t->family);
		uint32_t old = 777;
		CHECK_EQ(fib_route_del(vrf, &p, &old), -ENOENT);
		CHECK_EQ(old, 0);
	}
	if (t->family == AF_INET && expect_compact >= 0)
		CHECK((dp.vrfs[vrf]->fib4->compact != NULL) == expect_compact,
		      "VRF %u: IPv4 table %s, expected %s", vrf,
		      dp.vrfs[vrf]->fib4->compact ? "compact" : "DIR-24-8",
		      expect_compact ? "compact" : "DIR-24-8");
	/* Before the commit the workers still see the previous state (IPv6, IPv4 compact), or
	 * already the new one (IPv4 DIR-24-8, written in place). */
	unsigned bad = compare_fib(t, vrf, 2000, true);
	CHECK(bad == 0, "%u worker lookups before the commit wrong", bad);
	CHECK_EQ(fib_commit(), 0);
	ref_commit(t);
	printf("  %s round: %u added, %u replaced, %u re-added with the same nh, %u deleted, %u "
	       "live\n",
	       t->family == AF_INET ? "IPv4" : "IPv6", added, replaced, same, deleted, ref_live(t));
}

static void delete_all(struct ref_table *t, uint16_t vrf)
{
	for (unsigned i = 0; i < t->n; i++) {
		struct ref_route *r = &t->r[i];
		if (!r->live)
			continue;
		struct pg_prefix p = key_to_prefix(r->net, r->len, t->family);
		uint32_t old;
		CHECK_EQ(fib_route_del(vrf, &p, &old), 0);
		r->live = false;
	}
	fib_commit();
}

static void test_random(int family, unsigned n_add, unsigned rounds, bool all)
{
	struct ref_table t = {.family = family, .width = family == AF_INET ? 32 : 128};
	double t0 = unit_now();

	min_len = all ? 1 : family == AF_INET ? 8 : 16;
	avoid_top = !all;
	printf("random %s FIB test: %u rounds of %u adds, prefix lengths /%u../%u%s\n",
	       family == AF_INET ? "IPv4" : "IPv6", rounds, n_add, min_len, t.width,
	       all ? "" : ", none ending at the top of the address space");
	CHECK_EQ(fib_vrf_create(RAND_VRF, "rand", MAX4, 8192, 393216), 0);
	bases_init(t.width);
	for (unsigned round = 0; round < rounds; round++) {
		random_round(&t, RAND_VRF, n_add, round + 1 == rounds ? 50 : 30);
		check_rib(&t, RAND_VRF);
		unsigned bad = compare_fib(&t, RAND_VRF, 20000, false);
		CHECK(bad == 0, "%s round %u: %u lookups differ from the reference",
		      family == AF_INET ? "IPv4" : "IPv6", round, bad);
	}
	/* The other family is untouched by all this. */
	CHECK_EQ(fib_route_count(RAND_VRF, family == AF_INET ? AF_INET6 : AF_INET), 0);
	delete_all(&t, RAND_VRF);
	ref_commit(&t);
	CHECK_EQ(fib_route_count(RAND_VRF, family), 0);
	unsigned bad = compare_fib(&t, RAND_VRF, 2000, false);
	CHECK(bad == 0, "after deleting everything: %u lookups still find a route", bad);
	fib_vrf_destroy(RAND_VRF);
	rcu_reclaim();
	free(t.r);
	free(t.map);
	printf("  done in %.2f s\n", unit_now() - t0);
}

/* ---- targeted tests ---- */

/* Control-side lookup. */
static uint32_t lookup(uint16_t vrf, const char *ip)
{
	struct pg_ip a = unit_ip(ip);
	return fib_lookup_ctl(vrf, &a);
}

/* Worker-side lookup (what a worker sees: the last committed state). */
static uint32_t wlookup(uint16_t vrf, const char *ip)
{
	struct pg_ip a = unit_ip(ip);
	const struct dp_vrf *v = vrf < PG_MAX_VRFS ? dp.vrfs[vrf] : NULL;

	if (!v)
		return 0;
	if (a.family == AF_INET) {
		uint32_t h = ntohl(a.v4);
		uint64_t nh = 0;
		fib4_lookup_bulk(v, &h, &nh, 1);
		return (uint32_t)nh;
	}
	uint8_t ips[1][16];
	uint64_t nh = 0;
	memcpy(ips[0], a.v6, 16);
	fib6_lookup_bulk(v, ips, &nh, 1);
	return (uint32_t)nh;
}

/* After a commit both views agree. */
#define CHECK_LOOKUP(vrf, ip, want)                                                               \
	do {                                                                                      \
		uint32_t c_ = lookup(vrf, ip), w_ = wlookup(vrf, ip), e_ = (want);                \
		CHECK(c_ == e_ && w_ == e_,                                                       \
		      "VRF %u %s: fib_lookup_ctl %u, worker lookup %u, expected %u", (vrf), (ip), \
		      c_, w_, e_);                                                                \
	} while (0)

/* Before a commit: the workers still see the previous state (IPv6; IPv4 is written in place and
 * checked with CHECK_LOOKUP). */
#define CHECK_WORKER(vrf, ip, want)                                                    \
	do {                                                                           \
		uint32_t w_ = wlookup(vrf, ip), e_ = (want);                           \
		CHECK(w_ == e_,                                                        \
		      "VRF %u %s: worker lookup %u, expected %u (uncommitted changes " \
		      "must not be visible to workers)",                               \
		      (vrf), (ip), w_, e_);                                            \
	} while (0)

static int add(uint16_t vrf, const char *pfx, uint32_t nh, uint32_t *old)
{
	struct pg_prefix p = unit_prefix(pfx);
	uint32_t o;
	return fib_route_add(vrf, &p, nh, ROUTE_STATIC, old ? old : &o);
}

static int del(uint16_t vrf, const char *pfx, uint32_t *old)
{
	struct pg_prefix p = unit_prefix(pfx);
	uint32_t o;
	return fib_route_del(vrf, &p, old ? old : &o);
}

static int count_cb(const struct fib_route *r, void *arg)
{
	(void)r;
	(*(unsigned *)arg)++;
	return 0;
}

static int stop_cb(const struct fib_route *r, void *arg)
{
	(void)r;
	(*(unsigned *)arg)++;
	return 42;
}

static int vrf_cb(const struct fib_route *r, void *arg)
{
	CHECK(r->vrf == *(uint16_t *)arg, "walk(VRF %u) visited a route of VRF %u",
	      *(uint16_t *)arg, r->vrf);
	return 0;
}

static void test_basic(void)
{
	uint32_t old;

	printf("basic semantics\n");
	CHECK_EQ(fib_vrf_create(2, "two", 4096, 256, 4096), 0);
	CHECK_EQ(fib_vrf_create(2, "again", 4096, 256, 4096), -EEXIST);
	CHECK_EQ(fib_vrf_create(PG_MAX_VRFS, "big", 4096, 256, 4096), -EINVAL);
	CHECK_LOOKUP(2, "10.1.2.3", 0); /* no tables yet */
	CHECK_LOOKUP(2, "2001:db8::1", 0);

	/* invalid arguments */
	CHECK_EQ(add(2, "10.0.0.0/8", 0, &old), -EINVAL);
	CHECK_EQ(add(2, "10.0.0.0/8", NH_MAX, &old), -EINVAL);
	CHECK_EQ(add(7, "10.0.0.0/8", 5, &old), -EINVAL); /* VRF 7 does not exist */
	CHECK_EQ(del(7, "10.0.0.0/8", &old), -EINVAL);
	CHECK_EQ(del(2, "10.0.0.0/8", &old), -ENOENT);
	CHECK_EQ(fib_route_count(2, 0), 0);

	/* add, replace, same again */
	old = 99;
	CHECK_EQ(add(2, "10.0.0.0/8", 5, &old), 0);
	CHECK_EQ(old, 0);
	CHECK_LOOKUP(2, "10.1.2.3", 5); /* IPv4: in place, visible at once */
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "10.1.2.3", 5);
	CHECK_EQ(add(2, "10.0.0.0/8", 6, &old), 0);
	CHECK_EQ(old, 5);
	CHECK_LOOKUP(2, "10.1.2.3", 6);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "10.1.2.3", 6);
	CHECK_EQ(add(2, "10.0.0.0/8", 6, &old), 0);
	CHECK_EQ(old, 6);
	CHECK_EQ(fib_route_count(2, AF_INET), 1);
	struct pg_prefix p8 = unit_prefix("10.0.0.0/8");
	const struct fib_route *fr = fib_route_find(2, &p8);
	CHECK(fr && fr->nh == 6 && fr->origin == ROUTE_STATIC && fr->vrf == 2 &&
		  fr->prefix.len == 8,
	      "find 10/8: %p", (void *)fr);
	/* same prefix and next hop with another origin: the origin is updated */
	CHECK_EQ(fib_route_add(2, &p8, 6, ROUTE_BGP, &old), 0);
	CHECK_EQ(old, 6);
	fr = fib_route_find(2, &p8);
	CHECK(fr && fr->origin == ROUTE_BGP, "origin after re-add: %d", fr ? fr->origin : -1);
	/* more specifics across the tbl24/tbl8 boundary */
	CHECK_EQ(add(2, "10.1.0.0/16", 7, NULL), 0);
	CHECK_EQ(add(2, "10.1.2.0/24", 8, NULL), 0);
	CHECK_EQ(add(2, "10.1.2.128/25", 9, NULL), 0);
	CHECK_EQ(add(2, "10.1.2.3/32", 10, NULL), 0);
	CHECK_LOOKUP(2, "10.1.2.3", 10);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "10.1.2.3", 10);
	CHECK_LOOKUP(2, "10.1.2.4", 8);
	CHECK_LOOKUP(2, "10.1.2.200", 9);
	CHECK_LOOKUP(2, "10.1.2.127", 8);
	CHECK_LOOKUP(2, "10.1.2.128", 9);
	CHECK_LOOKUP(2, "10.1.3.1", 7);
	CHECK_LOOKUP(2, "10.2.0.1", 6);
	CHECK_LOOKUP(2, "10.255.255.255", 6);
	CHECK_LOOKUP(2, "11.0.0.0", 0);
	CHECK_LOOKUP(2, "9.255.255.255", 0);
	CHECK_EQ(del(2, "10.1.2.0/24", &old), 0);
	CHECK_EQ(old, 8);
	CHECK_LOOKUP(2, "10.1.2.4", 7);
	CHECK_EQ(del(2, "10.1.2.0/24", &old), -ENOENT);
	CHECK_EQ(old, 0);
	CHECK_EQ(del(2, "10.1.2.0/23", &old), -ENOENT);
	CHECK_EQ(del(2, "10.1.2.3/32", NULL), 0);
	CHECK_EQ(fib_route_find(2, &(struct pg_prefix){unit_ip("10.1.2.3"), 32}), NULL);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "10.1.2.4", 7);
	CHECK_LOOKUP(2, "10.1.2.3", 7);
	CHECK_LOOKUP(2, "10.1.2.200", 9);
	CHECK_EQ(fib_route_count(2, AF_INET), 3);

	/* IPv6 */
	CHECK_EQ(add(2, "2001:db8::/32", 20, &old), 0);
	CHECK_EQ(old, 0);
	CHECK_EQ(fib_route_count(2, AF_INET6), 1);
	CHECK_WORKER(2, "2001:db8::1", 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8::1", 20);
	CHECK_EQ(add(2, "2001:db8:1::/48", 21, NULL), 0);
	CHECK_EQ(add(2, "2001:db8::/32", 22, &old), 0);
	CHECK_EQ(old, 20);
	CHECK_WORKER(2, "2001:db8:1::1", 20);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8:1::1", 21);
	CHECK_LOOKUP(2, "2001:db8:2::1", 22);
	CHECK_LOOKUP(2, "2001:db9::", 0);
	CHECK_EQ(del(2, "2001:db8:1::/48", &old), 0);
	CHECK_EQ(old, 21);
	CHECK_EQ(fib_route_find(2, &(struct pg_prefix){unit_ip("2001:db8:1::"), 48}), NULL);
	CHECK_WORKER(2, "2001:db8:1::1", 21); /* still published until the commit */
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8:1::1", 22);
	/* both copies carry every change: several commits swap back and forth */
	CHECK_EQ(add(2, "2001:db8:ffff::/48", 23, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(add(2, "2001:db8:fffe::/48", 24, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(add(2, "10.1.2.3/32", 11, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8:1::1", 22);
	CHECK_LOOKUP(2, "2001:db8:ffff::1", 23);
	CHECK_LOOKUP(2, "2001:db8:fffe::1", 24);
	CHECK_LOOKUP(2, "10.1.2.3", 11);
	CHECK_LOOKUP(2, "10.1.2.4", 7);
	CHECK_EQ(del(2, "10.1.2.3/32", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "10.1.2.3", 7);
	CHECK_EQ(fib_commit(), 0); /* nothing pending */
	CHECK_LOOKUP(2, "10.1.2.3", 7);
	CHECK_EQ(del(2, "2001:db8:ffff::/48", NULL), 0);
	CHECK_EQ(del(2, "2001:db8:fffe::/48", NULL), 0);
	CHECK_EQ(del(2, "2001:db8::/32", NULL), 0);
	CHECK_EQ(del(2, "2001:db8::/32", NULL), -ENOENT);
	/* add, delete, add again in one batch: applied in order on both copies */
	CHECK_EQ(add(2, "2001:db8:5::/48", 25, NULL), 0);
	CHECK_EQ(del(2, "2001:db8:5::/48", NULL), 0);
	CHECK_EQ(add(2, "2001:db8:5::/48", 26, NULL), 0);
	CHECK_EQ(add(2, "10.5.0.0/16", 27, NULL), 0);
	CHECK_EQ(del(2, "10.5.0.0/16", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8:5::1", 26);
	CHECK_LOOKUP(2, "10.5.0.1", 6);
	CHECK_EQ(add(2, "10.5.0.0/16", 28, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8:5::1", 26);
	CHECK_LOOKUP(2, "10.5.0.1", 28);
	CHECK_EQ(del(2, "2001:db8:5::/48", NULL), 0);
	CHECK_EQ(del(2, "10.5.0.0/16", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8:5::1", 0);
	CHECK_LOOKUP(2, "10.5.0.1", 6);
	CHECK_EQ(fib_route_count(2, AF_INET6), 0);

	/* walk with filters */
	unsigned n_all = 0, n4 = 0, n6 = 0;
	fib_route_walk(2, 0, count_cb, &n_all);
	fib_route_walk(2, AF_INET, count_cb, &n4);
	fib_route_walk(2, AF_INET6, count_cb, &n6);
	CHECK_EQ(n_all, 3);
	CHECK_EQ(n4, 3);
	CHECK_EQ(n6, 0);
	/* a non-zero return stops the walk and is returned */
	unsigned n_stop = 0;
	CHECK_EQ(fib_route_walk(2, 0, stop_cb, &n_stop), 42);
	CHECK_EQ(n_stop, 1);

	CHECK_EQ(del(2, "10.0.0.0/8", NULL), 0);
	CHECK_EQ(del(2, "10.1.0.0/16", NULL), 0);
	CHECK_EQ(del(2, "10.1.2.128/25", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(fib_route_count(2, 0), 0);
	CHECK_LOOKUP(2, "10.1.2.200", 0);
	fib_vrf_destroy(2);
	CHECK(dp.vrfs[2] == NULL, "VRF 2 still published after fib_vrf_destroy");
	rcu_reclaim();
}

static void test_default_routes(void)
{
	uint32_t old;

	printf("default routes\n");
	CHECK_EQ(fib_vrf_create(2, "two", 4096, 256, 4096), 0);
	/* A router needs 0.0.0.0/0 and ::/0. */
	int ret = add(2, "0.0.0.0/0", 30, &old);
	CHECK(ret == 0, "fib_route_add(0.0.0.0/0) = %d (%s), expected 0", ret, strerror(-ret));
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "192.0.2.1", 30);
	CHECK_LOOKUP(2, "0.0.0.0", 30);
	CHECK_LOOKUP(2, "223.255.255.255", 30);
	CHECK_LOOKUP(2, "255.255.255.255", 0); /* 240/4 is never routed */
	CHECK_EQ(add(2, "192.0.2.0/24", 31, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "192.0.2.1", 31);
	CHECK_EQ(del(2, "192.0.2.0/24", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "192.0.2.1", 30);
	if (ret == 0) {
		CHECK_EQ(del(2, "0.0.0.0/0", &old), 0);
		CHECK_EQ(old, 30);
	}
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "192.0.2.1", 0);

	ret = add(2, "::/0", 32, &old);
	CHECK(ret == 0, "fib_route_add(::/0) = %d", ret);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8::1", 32);
	CHECK_LOOKUP(2, "::", 32);
	CHECK_LOOKUP(2, "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 32);
	CHECK_LOOKUP(2, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0); /* ff00::/8: never routed */
	CHECK_EQ(add(2, "2001:db8::/32", 33, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db8::1", 33);
	CHECK_LOOKUP(2, "2001:db9::1", 32);
	CHECK_EQ(del(2, "2001:db8::/32", NULL), 0);
	if (ret == 0)
		CHECK_EQ(del(2, "::/0", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "2001:db9::1", 0);
	CHECK_EQ(fib_route_count(2, 0), 0);
	fib_vrf_destroy(2);
	rcu_reclaim();
}

static void test_isolation(void)
{
	printf("VRF isolation\n");
	CHECK_EQ(fib_vrf_create(2, "two", 4096, 256, 4096), 0);
	CHECK_EQ(fib_vrf_create(3, "three", 4096, 256, 4096), 0);
	CHECK_EQ(add(2, "172.16.0.0/12", 40, NULL), 0);
	CHECK_EQ(add(3, "172.16.0.0/12", 41, NULL), 0);
	CHECK_EQ(add(2, "2001:db8:aa::/48", 42, NULL), 0);
	CHECK_EQ(add(3, "2001:db8:aa::/48", 43, NULL), 0);
	CHECK_EQ(add(3, "172.16.5.0/24", 44, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "172.16.5.1", 40);
	CHECK_LOOKUP(3, "172.16.5.1", 44);
	CHECK_LOOKUP(3, "172.16.6.1", 41);
	CHECK_LOOKUP(2, "2001:db8:aa::1", 42);
	CHECK_LOOKUP(3, "2001:db8:aa::1", 43);
	CHECK_EQ(lookup(9, "172.16.5.1"), 0); /* no such VRF */
	CHECK_EQ(fib_route_count(2, 0), 2);
	CHECK_EQ(fib_route_count(3, 0), 3);
	CHECK_EQ(fib_route_count(3, AF_INET), 2);
	CHECK_EQ(fib_route_count(3, AF_INET6), 1);
	CHECK_EQ(fib_route_count(UINT16_MAX, 0), 5);
	CHECK_EQ(fib_route_count(UINT16_MAX, AF_INET6), 2);
	struct pg_prefix p = unit_prefix("172.16.0.0/12");
	/* a found route is valid until the next fib_* call: keep a copy of the first */
	const struct fib_route *f2 = fib_route_find(2, &p), *r3;
	struct fib_route r2 = f2 ? *f2 : (struct fib_route){0};
	r3 = fib_route_find(3, &p);
	CHECK(f2 && r3 && r2.nh == 40 && r3->nh == 41 && r2.vrf == 2 && r3->vrf == 3,
	      "find in VRF 2 / 3: %p %p", (void *)f2, (void *)r3);
	CHECK(fib_route_find(4, &p) == NULL, "found in VRF 4 which has no such route");
	/* a walk of one VRF sees only that VRF; UINT16_MAX sees all */
	uint16_t three = 3;
	fib_route_walk(3, 0, vrf_cb, &three);
	unsigned n_all = 0;
	fib_route_walk(UINT16_MAX, 0, count_cb, &n_all);
	CHECK_EQ(n_all, 5);
	/* delete in one VRF leaves the other alone */
	CHECK_EQ(del(2, "172.16.0.0/12", NULL), 0);
	CHECK_EQ(del(2, "2001:db8:aa::/48", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(2, "172.16.6.1", 0);
	CHECK_LOOKUP(3, "172.16.6.1", 41);
	CHECK_LOOKUP(2, "2001:db8:aa::1", 0);
	CHECK_LOOKUP(3, "2001:db8:aa::1", 43);
	CHECK_EQ(del(2, "172.16.5.0/24", NULL), -ENOENT);
	CHECK_EQ(del(3, "172.16.0.0/12", NULL), 0);
	CHECK_EQ(del(3, "172.16.5.0/24", NULL), 0);
	CHECK_EQ(del(3, "2001:db8:aa::/48", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(fib_route_count(3, 0), 0);
	CHECK_EQ(fib_route_count(UINT16_MAX, 0), 0);
	fib_vrf_destroy(2);
	fib_vrf_destroy(3);
	CHECK(dp.vrfs[3] == NULL, "VRF 3 still published after destroy");
	rcu_reclaim();
}

/*
 * Route i of the limit test: IPv4 /32s in 10.64.0.0/18 (64 tbl8 groups), IPv6 /24s in 2000::/3
 * (no tbl8 group at all), so that only the route count limit is tested here.
 */
static struct pg_prefix limit_prefix(int family, unsigned i)
{
	struct pg_prefix p = {.ip.family = (uint8_t)family};

	if (family == AF_INET) {
		p.ip.v4 = htonl(0x0a400000u + i);
		p.len = 32;
	} else {
		p.ip.v6[0] = (uint8_t)(0x20 | ((i >> 16) & 0x1f));
		p.ip.v6[1] = (uint8_t)(i >> 8);
		p.ip.v6[2] = (uint8_t)i;
		p.len = 24;
	}
	return p;
}

/* The route limit (dp.fib4_max_routes / fib6_max_routes per VRF and family). */
static void test_limit(int family)
{
	const unsigned max = family == AF_INET ? MAX4 : MAX6;
	uint32_t old;
	unsigned ok = 0;
	int ret = 0;

	printf("route limit (%s, %u routes)\n", family == AF_INET ? "IPv4" : "IPv6", max);
	CHECK_EQ(fib_vrf_create(4, "limit", MAX4 + 64, 1024, MAX6 * 2), 0);
	for (unsigned i = 0; i < max; i++) {
		struct pg_prefix p = limit_prefix(family, i);
		ret = fib_route_add(4, &p, 1 + i % 1000, ROUTE_STATIC, &old);
		if (ret != 0)
			break;
		ok++;
	}
	CHECK(ok == max, "only %u of %u routes added (last error %d)", ok, max, ret);
	CHECK_EQ(fib_route_count(4, family), ok);
	const char *extra = family == AF_INET ? "10.99.0.0/16" : "2001:db8:99::/48";
	CHECK_EQ(add(4, extra, 5, &old), -ENOSPC);
	CHECK_EQ(old, 0);
	struct pg_prefix pe = unit_prefix(extra);
	CHECK(fib_route_find(4, &pe) == NULL, "route over the limit is in the table");
	CHECK_EQ(fib_route_count(4, family), max);
	/* the other family has its own limit */
	CHECK_EQ(add(4, family == AF_INET ? "2001:db8:98::/48" : "10.98.0.0/16", 5, NULL), 0);
	CHECK_EQ(del(4, family == AF_INET ? "2001:db8:98::/48" : "10.98.0.0/16", NULL), 0);
	/* replacing at the limit is fine */
	const char *first = family == AF_INET ? "10.64.0.0/32" : "2000::/24";
	CHECK_EQ(add(4, first, 999, &old), 0);
	CHECK_EQ(old, 1);
	/* after a delete there is room for one more */
	CHECK_EQ(del(4, first, NULL), 0);
	CHECK_EQ(add(4, extra, 5, &old), 0);
	CHECK_EQ(add(4, first, 6, &old), -ENOSPC);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(4, family == AF_INET ? "10.99.1.1" : "2001:db8:99::1", 5);
	CHECK_LOOKUP(4, family == AF_INET ? "10.64.0.1" : "2000:100::1", 2);
	CHECK_LOOKUP(4, family == AF_INET ? "10.64.0.0" : "2000::1", 0);
	/* clean up */
	CHECK_EQ(del(4, extra, NULL), 0);
	for (unsigned i = 1; i < max; i++) {
		struct pg_prefix p = limit_prefix(family, i);
		if (fib_route_del(4, &p, &old) != 0)
			ret = -1;
	}
	CHECK(ret != -1, "deleting the routes failed");
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(fib_route_count(4, 0), 0);
	fib_vrf_destroy(4);
	rcu_reclaim();
}

/*
 * Every route fib_route_add accepts must be in the table once committed: when the FIB has no
 * room (tbl8 groups) the add must fail instead. VRF sizes as control/apply.c creates them for a
 * non-default VRF (tbl8 = 256 for IPv4; IPv6 max6 = 1024, which fib.c turns into 1024 tbl8s).
 */
static void test_accepted_means_installed(int family)
{
	const unsigned n = 1000;
	unsigned accepted = 0, rejected = 0, missing = 0, rejected_but_found = 0;
	struct pg_prefix *pfx = calloc(n, sizeof(*pfx));
	int *res = calloc(n, sizeof(*res));

	printf("accepted routes are installed (%s, tbl8 exhaustion)\n",
	       family == AF_INET ? "IPv4" : "IPv6");
	CHECK_EQ(fib_vrf_create(5, "small", 1024, 256, 1024), 0);
	for (unsigned i = 0; i < n; i++) {
		struct pg_prefix *p = &pfx[i];
		p->ip.family = (uint8_t)family;
		if (family == AF_INET) {
			/* host routes in 1000 different /24s: one tbl8 group each */
			p->ip.v4 = htonl(0x0b000000u | (i << 8) | 1);
			p->len = 32;
		} else {
			/* host routes under 1000 different /24s: 13 tbl8 groups each */
			for (int b = 0; b < 16; b++)
				p->ip.v6[b] = (uint8_t)unit_rand32();
			p->ip.v6[0] = 0x20;
			p->ip.v6[1] = (uint8_t)(i >> 8);
			p->ip.v6[2] = (uint8_t)i;
			p->len = 128;
		}
		uint32_t old;
		res[i] = fib_route_add(5, p, 100 + i, ROUTE_STATIC, &old);
		if (res[i] == 0)
			accepted++;
		else
			rejected++;
	}
	CHECK_EQ(fib_commit(), 0);
	for (unsigned i = 0; i < n; i++) {
		uint32_t got = fib_lookup_ctl(5, &pfx[i].ip);
		if (res[i] == 0 && got != 100 + i)
			missing++;
		if (res[i] != 0 && (got == 100 + i || fib_route_find(5, &pfx[i])))
			rejected_but_found++;
	}
	printf("  %u accepted, %u rejected (ENOSPC expected once the FIB is full), %u accepted but"
	       " not installed\n",
	       accepted, rejected, missing);
	CHECK(missing == 0,
	      "%s: %u of %u routes accepted by fib_route_add (returned 0) are not in the FIB after"
	      " fib_commit(); fib_route_find/fib_route_count report them all the same",
	      family == AF_INET ? "IPv4" : "IPv6", missing, accepted);
	CHECK_EQ(rejected_but_found, 0);
	CHECK_EQ(fib_route_count(5, family), accepted);
	for (unsigned i = 0; i < n; i++) {
		uint32_t old;
		if (res[i] == 0)
			CHECK_EQ(fib_route_del(5, &pfx[i], &old), 0);
	}
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(fib_route_count(5, 0), 0);
	fib_vrf_destroy(5);
	rcu_reclaim();
	free(pfx);
	free(res);
}

/*
 * Prefixes at the top of the address space (their last address is 255.255.255.255 or
 * ffff:...:ffff) with a covering route added or deleted. Minimal sequences found by the random
 * test; all three corrupt the DPDK 22.11 dataplane tables (rte_fib DIR24_8 / rte_fib6 TRIE
 * modify: the range end wraps to 0), while fib_lookup_ctl (which reads the RIB) stays right.
 */
static void test_top_of_space(void)
{
	printf("routes at the top of the address space\n");
	CHECK_EQ(fib_vrf_create(6, "top", 4096, 256, 4096), 0);

	/* OpenVPN-style 0/1 + 128/1, then a default route */
	CHECK_EQ(add(6, "0.0.0.0/1", 1, NULL), 0);
	CHECK_EQ(add(6, "128.0.0.0/1", 2, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(6, "10.0.0.1", 1);
	CHECK_LOOKUP(6, "200.0.0.1", 2);
	int ret = add(6, "0.0.0.0/0", 3, NULL);
	CHECK(ret == 0, "fib_route_add(0.0.0.0/0) = %d", ret);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(6, "10.0.0.1", 1);
	CHECK_LOOKUP(6, "200.0.0.1", 2);
	CHECK_LOOKUP(6, "223.255.255.255", 2);
	CHECK_LOOKUP(6, "239.255.255.255", 2);
	CHECK_LOOKUP(6, "255.255.255.255", 0); /* 240/4 is never routed */
	CHECK_EQ(del(6, "0.0.0.0/1", NULL), 0);
	CHECK_EQ(del(6, "128.0.0.0/1", NULL), 0);
	if (ret == 0)
		CHECK_EQ(del(6, "0.0.0.0/0", NULL), 0);
	CHECK_EQ(fib_commit(), 0);

	/* 244/6, 248/5, then their cover 240/4 */
	CHECK_EQ(add(6, "244.0.0.0/6", 4, NULL), 0);
	CHECK_EQ(add(6, "248.0.0.0/5", 5, NULL), 0);
	CHECK_EQ(add(6, "240.0.0.0/4", 6, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(6, "10.0.0.1", 0);
	CHECK_LOOKUP(6, "239.0.0.1", 0);
	CHECK_LOOKUP(6, "241.0.0.1", 0); /* inside 240/4: accepted, never routed */
	CHECK_LOOKUP(6, "245.0.0.1", 0);
	CHECK_LOOKUP(6, "250.0.0.1", 0);
	CHECK_EQ(fib_route_count(6, AF_INET), 3);
	CHECK_EQ(del(6, "244.0.0.0/6", NULL), 0);
	CHECK_EQ(del(6, "248.0.0.0/5", NULL), 0);
	CHECK_EQ(del(6, "240.0.0.0/4", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(6, "10.0.0.1", 0);

	/* IPv6: 8000::/2, its cover 8000::/1 and c000::/2; then the cover goes */
	CHECK_EQ(add(6, "8000::/2", 7, NULL), 0);
	CHECK_EQ(add(6, "8000::/1", 8, NULL), 0);
	CHECK_EQ(add(6, "c000::/2", 9, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(6, "8000:5a00::", 7);
	CHECK_LOOKUP(6, "c000::1", 9);
	CHECK_LOOKUP(6, "fe80::1", 9);
	CHECK_LOOKUP(6, "ff02::1", 0); /* ff00::/8 is never routed */
	CHECK_EQ(del(6, "8000::/1", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(6, "8000:5a00::", 7);
	CHECK_LOOKUP(6, "c000::1", 9);
	CHECK_LOOKUP(6, "2001:db8::1", 0);
	CHECK_EQ(del(6, "8000::/2", NULL), 0);
	CHECK_EQ(del(6, "c000::/2", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(fib_route_count(6, 0), 0);
	fib_vrf_destroy(6);
	rcu_reclaim();
}

/*
 * IPv6 capacity: rte_fib6's trie preallocates tbl8 groups and reserves (len - 24) / 8 of them for
 * every route in a /24 of its own; fib.c gives a VRF 2 x max6 groups (docs/config.md). In the
 * worst case (every route in its own /48, as here) that is 2 * max6 / 5 /64 routes or
 * 2 * max6 / 13 /128 routes; routes that share their upper bits share groups. Beyond that the
 * add must fail cleanly with -ENOSPC (and the rebuild attempt must not lose routes).
 * The sizes are those control/apply.c uses for a VRF other than the default one with the default
 * configuration (maxRoutes6 65536 / 16 = 4096).
 */
static void test_capacity6(unsigned len)
{
	const unsigned max6 = 4096;
	unsigned ok = 0;
	int ret = 0;

	printf("IPv6 capacity: /%u routes in a VRF sized for %u\n", len, max6);
	CHECK_EQ(fib_vrf_create(7, "cap", 4096, 256, max6), 0);
	for (unsigned i = 0; i < max6; i++) {
		struct pg_prefix p = {.ip = unit_ip("2001:db8::"), .len = (uint8_t)len};
		/* distinct prefixes spread over the space below 2001:db8::/32 */
		p.ip.v6[4] = (uint8_t)(i >> 4);
		p.ip.v6[5] = (uint8_t)(i << 4);
		if (len == 128)
			p.ip.v6[15] = 1;
		uint32_t old;
		ret = fib_route_add(7, &p, 1 + i, ROUTE_NEIGH, &old);
		if (ret != 0)
			break;
		ok++;
	}
	unsigned want = 2 * max6 / ((len - 24) / 8);
	CHECK(ok >= want && (ok == max6 || ret == -ENOSPC),
	      "%u of %u /%u routes fit in a VRF created with max6 = %u (fib_route_add: %d); "
	      "at least %u must (2 x max6 tbl8 groups, (len - 24) / 8 per route), then -ENOSPC",
	      ok, max6, len, max6, ret, want);
	for (unsigned i = 0; i < ok; i++) {
		struct pg_prefix p = {.ip = unit_ip("2001:db8::"), .len = (uint8_t)len};
		p.ip.v6[4] = (uint8_t)(i >> 4);
		p.ip.v6[5] = (uint8_t)(i << 4);
		if (len == 128)
			p.ip.v6[15] = 1;
		uint32_t old;
		CHECK_EQ(fib_route_del(7, &p, &old), 0);
	}
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(fib_route_count(7, 0), 0);
	fib_vrf_destroy(7);
	rcu_reclaim();
}

/*
 * Route churn must not use up the FIB: adding and deleting the same IPv6 route again and again
 * (neighbour host routes come and go all day) keeps working. The VRF is sized as apply.c sizes a
 * non-default VRF (max6 4096 -> 1024 tbl8 groups); an IPv4 /32 is churned the same way.
 */
static void test_churn(int family, unsigned len)
{
	const unsigned cycles = 2000;
	unsigned done = 0;
	int ret = 0;
	struct pg_prefix p = {.len = (uint8_t)len};

	printf("add/delete churn of one %s /%u route (%u cycles)\n",
	       family == AF_INET ? "IPv4" : "IPv6", len, cycles);
	CHECK_EQ(fib_vrf_create(8, "churn", 4096, 256, 4096), 0);
	p.ip = unit_ip(family == AF_INET ? "10.20.30.40" : "2001:db8:20::1");
	prefix_mask(&p);
	for (; done < cycles; done++) {
		uint32_t old;
		ret = fib_route_add(8, &p, 1 + done % 100, ROUTE_NEIGH, &old);
		if (ret != 0)
			break;
		fib_commit();
		ret = fib_route_del(8, &p, &old);
		if (ret != 0)
			break;
		fib_commit();
	}
	CHECK(done == cycles,
	      "%s /%u route: fib_route_add failed with %d after %u add/delete cycles (the table is "
	      "empty between cycles)",
	      family == AF_INET ? "IPv4" : "IPv6", len, ret, done);
	/* and a different route still fits afterwards */
	struct pg_prefix q = {.ip = unit_ip(family == AF_INET ? "10.20.31.1" : "2001:db8:21::1"),
			      .len = (uint8_t)len};
	prefix_mask(&q);
	uint32_t old;
	ret = fib_route_add(8, &q, 5, ROUTE_NEIGH, &old);
	CHECK(ret == 0, "another /%u route after the churn: %d", len, ret);
	if (ret == 0)
		CHECK_EQ(fib_route_del(8, &q, &old), 0);
	fib_route_del(8, &p, &old);
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(fib_route_count(8, 0), 0);
	fib_vrf_destroy(8);
	rcu_reclaim();
}

/* ---- the IPv4 DIR-24-8 table underneath (dataplane/fib4_dir24.h) ---- */

static const struct fib4_tbl *tbl4(uint16_t vrf)
{
	return dp.vrfs[vrf]->fib4->active;
}

/* The tbl24 entry of addr. */
static uint32_t tbl24_entry(uint16_t vrf, const char *addr)
{
	struct pg_ip a = unit_ip(addr);

	return tbl4(vrf)->tbl24[ntohl(a.v4) >> 8];
}

/*
 * Structure of a table after a commit: the tbl24 entries pointing to a group are as many as the
 * groups in use (want, unless UINT_MAX), each group is used by one entry only, and no group
 * waits for a reclaim any more (the commit's grace period reclaimed them).
 */
static void check_tbl4(uint16_t vrf, unsigned want)
{
	const struct fib4_tbl *t = tbl4(vrf);
	uint8_t *seen = calloc(t->n_tbl8, 1);
	unsigned ext = 0, bad_idx = 0, shared = 0;

	for (uint32_t b = 0; b < FIB4_TBL24_N; b++) {
		uint32_t e = t->tbl24[b];
		if (!(e & FIB4_EXT))
			continue;
		ext++;
		uint32_t g = e & ~FIB4_EXT;
		if (g >= t->n_tbl8) {
			bad_idx++;
			continue;
		}
		shared += seen[g]++ != 0;
	}
	CHECK(bad_idx == 0 && shared == 0,
	      "VRF %u: %u tbl24 entries with a group index out of range, %u groups shared", vrf,
	      bad_idx, shared);
	CHECK(ext == fib4_tbl_tbl8_used(t),
	      "VRF %u: %u tbl24 entries have a tbl8 group, %u groups in use", vrf, ext,
	      fib4_tbl_tbl8_used(t));
	if (want != UINT_MAX)
		CHECK(fib4_tbl_tbl8_used(t) == want, "VRF %u: %u tbl8 groups in use, expected %u",
		      vrf, fib4_tbl_tbl8_used(t), want);
	CHECK_EQ(fib4_tbl_tbl8_pending(t), 0);
	free(seen);
}

/* Covering routes uncovered by deletes, inside one tbl8 group and across tbl24 ranges; groups
 * given back when the last route longer than /24 of a /24 goes. */
static void test_dir24_cover(void)
{
	const uint16_t V = 9;

	printf("DIR-24-8: deletes uncover the covering route, groups collapse\n");
	CHECK_EQ(fib_vrf_create(V, "dir24", 4096, 64, 1024), 0);

	/* within one tbl8 group */
	CHECK_EQ(add(V, "10.1.2.0/24", 1, NULL), 0);
	CHECK_EQ(add(V, "10.1.2.0/25", 2, NULL), 0);
	CHECK_EQ(add(V, "10.1.2.0/26", 3, NULL), 0);
	CHECK_EQ(add(V, "10.1.2.5/32", 4, NULL), 0);
	CHECK_EQ(add(V, "10.1.2.255/32", 5, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 1);
	CHECK(tbl24_entry(V, "10.1.2.0") & FIB4_EXT, "10.1.2.0/24 has no tbl8 group");
	CHECK_LOOKUP(V, "10.1.2.0", 3);
	CHECK_LOOKUP(V, "10.1.2.5", 4);
	CHECK_LOOKUP(V, "10.1.2.63", 3);
	CHECK_LOOKUP(V, "10.1.2.64", 2);
	CHECK_LOOKUP(V, "10.1.2.128", 1);
	CHECK_LOOKUP(V, "10.1.2.254", 1);
	CHECK_LOOKUP(V, "10.1.2.255", 5);
	CHECK_LOOKUP(V, "10.1.3.0", 0);
	CHECK_EQ(del(V, "10.1.2.0/26", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(V, "10.1.2.0", 2);
	CHECK_LOOKUP(V, "10.1.2.5", 4);
	CHECK_LOOKUP(V, "10.1.2.6", 2);
	CHECK_EQ(del(V, "10.1.2.0/25", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(V, "10.1.2.0", 1);
	CHECK_LOOKUP(V, "10.1.2.5", 4);
	CHECK_LOOKUP(V, "10.1.2.127", 1);
	check_tbl4(V, 1);
	CHECK_EQ(del(V, "10.1.2.5/32", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 1); /* 10.1.2.255/32 still needs it */
	CHECK_EQ(del(V, "10.1.2.255/32", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 0);
	CHECK_EQX(tbl24_entry(V, "10.1.2.0"), 1); /* one tbl24 entry again */
	CHECK_LOOKUP(V, "10.1.2.5", 1);
	CHECK_LOOKUP(V, "10.1.2.255", 1);
	/* a longer route whose /24 has the same next hop still gets (then gives back) a group */
	CHECK_EQ(add(V, "10.1.2.64/27", 1, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 1);
	CHECK_LOOKUP(V, "10.1.2.70", 1);
	CHECK_EQ(del(V, "10.1.2.64/27", NULL), 0);
	CHECK_EQ(del(V, "10.1.2.0/24", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 0);
	CHECK_EQX(tbl24_entry(V, "10.1.2.0"), 0);

	/* across tbl24 ranges */
	CHECK_EQ(add(V, "10.0.0.0/8", 11, NULL), 0);
	CHECK_EQ(add(V, "10.1.0.0/16", 12, NULL), 0);
	CHECK_EQ(add(V, "10.1.2.0/23", 13, NULL), 0);
	CHECK_EQ(add(V, "10.1.2.128/25", 14, NULL), 0);
	CHECK_EQ(add(V, "10.1.3.7/32", 15, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 2);
	CHECK_LOOKUP(V, "10.1.2.1", 13);
	CHECK_LOOKUP(V, "10.1.2.200", 14);
	CHECK_LOOKUP(V, "10.1.3.7", 15);
	CHECK_LOOKUP(V, "10.1.3.8", 13);
	CHECK_LOOKUP(V, "10.1.4.0", 12);
	CHECK_LOOKUP(V, "10.2.0.0", 11);
	CHECK_EQ(del(V, "10.1.0.0/16", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(V, "10.1.4.0", 11);
	CHECK_LOOKUP(V, "10.1.255.255", 11);
	CHECK_LOOKUP(V, "10.1.2.1", 13);
	CHECK_LOOKUP(V, "10.1.3.8", 13);
	CHECK_EQ(del(V, "10.1.2.0/23", NULL), 0); /* uncovers the /8 in both groups */
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(V, "10.1.2.1", 11);
	CHECK_LOOKUP(V, "10.1.2.127", 11);
	CHECK_LOOKUP(V, "10.1.2.128", 14);
	CHECK_LOOKUP(V, "10.1.3.6", 11);
	CHECK_LOOKUP(V, "10.1.3.7", 15);
	check_tbl4(V, 2);
	/* replacing a short route repaints around the longer ones */
	CHECK_EQ(add(V, "10.0.0.0/8", 16, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(V, "10.1.2.1", 16);
	CHECK_LOOKUP(V, "10.1.2.128", 14);
	CHECK_LOOKUP(V, "10.1.3.7", 15);
	CHECK_LOOKUP(V, "10.200.0.1", 16);
	CHECK_EQ(del(V, "10.0.0.0/8", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(V, "10.1.2.1", 0);
	CHECK_LOOKUP(V, "10.1.2.128", 14);
	CHECK_LOOKUP(V, "10.1.3.7", 15);
	CHECK_LOOKUP(V, "10.1.3.6", 0);
	CHECK_EQ(del(V, "10.1.2.128/25", NULL), 0);
	CHECK_EQ(del(V, "10.1.3.7/32", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 0);
	CHECK_EQX(tbl24_entry(V, "10.1.2.0"), 0);
	CHECK_EQX(tbl24_entry(V, "10.1.3.0"), 0);

	/* /0 and /32 */
	CHECK_EQ(add(V, "0.0.0.0/0", 21, NULL), 0);
	CHECK_EQ(add(V, "1.2.3.4/32", 22, NULL), 0);
	CHECK_EQ(add(V, "0.0.0.0/32", 23, NULL), 0);
	CHECK_EQ(add(V, "239.255.255.255/32", 24, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 3);
	CHECK_LOOKUP(V, "1.2.3.4", 22);
	CHECK_LOOKUP(V, "1.2.3.5", 21);
	CHECK_LOOKUP(V, "0.0.0.0", 23);
	CHECK_LOOKUP(V, "0.0.0.1", 21);
	CHECK_LOOKUP(V, "239.255.255.254", 21);
	CHECK_LOOKUP(V, "239.255.255.255", 24);
	CHECK_LOOKUP(V, "255.255.255.255", 0);
	CHECK_EQ(del(V, "0.0.0.0/0", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK_LOOKUP(V, "1.2.3.4", 22);
	CHECK_LOOKUP(V, "1.2.3.5", 0);
	CHECK_LOOKUP(V, "0.0.0.0", 23);
	CHECK_LOOKUP(V, "0.0.0.1", 0);
	CHECK_EQ(del(V, "1.2.3.4/32", NULL), 0);
	CHECK_EQ(del(V, "0.0.0.0/32", NULL), 0);
	CHECK_EQ(del(V, "239.255.255.255/32", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 0);

	/* every burst size, the tbl8 path at every position of a block; exact-size buffers (ASan
	 * catches a read or write past the end) */
	CHECK_EQ(add(V, "10.0.0.0/8", 31, NULL), 0);
	CHECK_EQ(add(V, "10.9.9.0/26", 32, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	for (unsigned n = 0; n <= PG_BURST; n++) {
		uint32_t *ips = malloc((n + 1) * sizeof(*ips));
		uint64_t *nh = malloc((n + 1) * sizeof(*nh));
		unsigned bad = 0;
		for (unsigned i = 0; i < n; i++)
			ips[i] = i % 3 == 0   ? 0x0a090900u + i
				 : i % 3 == 1 ? 0x0a000000u + (i << 12)
					      : i;
		ips[n] = 0x0a090901u;
		nh[n] = 0xdeadbeef;
		fib4_lookup_bulk(dp.vrfs[V], ips, nh, n);
		for (unsigned i = 0; i < n; i++) {
			uint64_t one = 0;
			fib4_lookup_bulk(dp.vrfs[V], &ips[i], &one, 1);
			uint64_t want = i % 3 == 0 ? 32 : i % 3 == 1 ? 31 : 0;
			bad += nh[i] != want || one != want;
		}
		CHECK(bad == 0 && nh[n] == 0xdeadbeef, "bulk lookup of %u addresses: %u wrong%s", n,
		      bad, nh[n] == 0xdeadbeef ? "" : ", wrote past the end");
		/* the workers' variant, fib4_tbl_lookup_bulk_pf */
		memset(nh, 0, n * sizeof(*nh));
		fib4_tbl_lookup_bulk_pf(dp.vrfs[V]->fib4->active, ips, nh, n);
		for (unsigned i = 0; i < n; i++)
			bad += nh[i] != (i % 3 == 0 ? 32u : i % 3 == 1 ? 31u : 0u);
		CHECK(bad == 0 && nh[n] == 0xdeadbeef, "lookup_bulk_pf of %u addresses: %u wrong%s",
		      n, bad, nh[n] == 0xdeadbeef ? "" : ", wrote past the end");
		free(ips);
		free(nh);
	}
	CHECK_EQ(del(V, "10.0.0.0/8", NULL), 0);
	CHECK_EQ(del(V, "10.9.9.0/26", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 0);
	CHECK_EQ(fib_route_count(V, 0), 0);
	fib_vrf_destroy(V);
	rcu_reclaim();
}

/* tbl8 groups run out: only a route longer than /24 in a /24 without a group fails; groups of
 * collapsed /24s are reused. */
static void test_dir24_groups(void)
{
	const uint16_t V = 10;
	const unsigned G = 16;
	char buf[64];
	uint32_t old;

	printf("DIR-24-8: tbl8 group exhaustion and reuse (%u groups)\n", G);
	CHECK_EQ(fib_vrf_create(V, "groups", 4096, G, 1024), 0);
	/* /24 i (i < G) gets a /32 and a /25 */
	for (unsigned i = 0; i < G; i++) {
		snprintf(buf, sizeof(buf), "10.7.%u.9/32", i);
		CHECK_EQ(add(V, buf, 100 + i, NULL), 0);
		snprintf(buf, sizeof(buf), "10.7.%u.128/25", i);
		CHECK_EQ(add(V, buf, 200 + i, NULL), 0);
	}
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, G);
	CHECK_EQ(add(V, "10.8.0.1/32", 5, &old), -ENOSPC); /* a new /24 */
	CHECK_EQ(old, 0);
	CHECK_EQ(add(V, "10.8.0.0/25", 5, NULL), -ENOSPC);
	CHECK_EQ(add(V, "10.7.3.10/31", 6, NULL), 0); /* a /24 with a group */
	CHECK_EQ(add(V, "10.8.0.0/24", 7, NULL), 0);  /* no group needed */
	CHECK_EQ(add(V, "10.0.0.0/8", 8, NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, G);
	CHECK_LOOKUP(V, "10.8.0.1", 7);
	CHECK_LOOKUP(V, "10.7.3.10", 6);
	CHECK_LOOKUP(V, "10.7.3.9", 103);
	CHECK_LOOKUP(V, "10.7.3.8", 8);
	CHECK_LOOKUP(V, "10.7.3.200", 203);
	CHECK_EQ(fib_route_find(V, &(struct pg_prefix){unit_ip("10.8.0.1"), 32}), NULL);
	/* cycles: empty one /24 (its group is freed), fill a new one (which reuses it) */
	unsigned cycles = 40, fails = 0;
	for (unsigned c = 0; c < cycles; c++) {
		unsigned gone = c % G, in = G + c;
		snprintf(buf, sizeof(buf), "10.7.%u.9/32", gone);
		fails += del(V, buf, NULL) != 0;
		fails += fib_commit() != 0;
		snprintf(buf, sizeof(buf), "10.%u.%u.1/32", 9 + in / 256, in % 256);
		fails += add(V, buf, 5, NULL) != -ENOSPC; /* the /25 still holds the group */
		snprintf(buf, sizeof(buf), "10.7.%u.128/25", gone);
		fails += del(V, buf, NULL) != 0;
		if (c == 3) /* the other route longer than /24 in 10.7.3.0/24 */
			fails += del(V, "10.7.3.10/31", NULL) != 0;
		snprintf(buf, sizeof(buf), "10.%u.%u.1/32", 9 + in / 256, in % 256);
		fails += add(V, buf, 300 + c, NULL) != 0;
		fails += fib_commit() != 0;
		snprintf(buf, sizeof(buf), "10.%u.%u.1", 9 + in / 256, in % 256);
		fails += lookup(V, buf) != 300 + c || wlookup(V, buf) != 300 + c;
		snprintf(buf, sizeof(buf), "10.%u.%u.2", 9 + in / 256, in % 256);
		fails += lookup(V, buf) != 8 || wlookup(V, buf) != 8;
		snprintf(buf, sizeof(buf), "10.7.%u.200", gone);
		fails += lookup(V, buf) != 8 || wlookup(V, buf) != 8;
		snprintf(buf, sizeof(buf), "10.7.%u.0", gone);
		fails += tbl24_entry(V, buf) != 8; /* collapsed to one entry */
		/* put the emptied /24 back for the next round, in place of the new one */
		snprintf(buf, sizeof(buf), "10.%u.%u.1/32", 9 + in / 256, in % 256);
		fails += del(V, buf, NULL) != 0;
		snprintf(buf, sizeof(buf), "10.7.%u.9/32", gone);
		fails += add(V, buf, 100 + gone, NULL) != 0;
		snprintf(buf, sizeof(buf), "10.7.%u.128/25", gone);
		fails += add(V, buf, 200 + gone, NULL) != 0;
		fails += fib_commit() != 0;
		fails += fib4_tbl_tbl8_used(tbl4(V)) != G;
	}
	CHECK(fails == 0, "%u failures in %u group free/reuse cycles", fails, cycles);
	check_tbl4(V, G);
	for (unsigned i = 0; i < G; i++) {
		snprintf(buf, sizeof(buf), "10.7.%u.9/32", i);
		CHECK_EQ(del(V, buf, NULL), 0);
		snprintf(buf, sizeof(buf), "10.7.%u.128/25", i);
		CHECK_EQ(del(V, buf, NULL), 0);
	}
	CHECK_EQ(del(V, "10.8.0.0/24", NULL), 0);
	CHECK_EQ(del(V, "10.0.0.0/8", NULL), 0);
	CHECK_EQ(fib_commit(), 0);
	check_tbl4(V, 0);
	CHECK_EQ(fib_route_count(V, 0), 0);
	fib_vrf_destroy(V);
	rcu_reclaim();
}

/*
 * Random nested prefixes of every length /0../32 packed into a few /16s (so /24s share their
 * tbl8 groups and most deletes uncover something), churned over several rounds; after each
 * commit lookups must match the reference and the groups in use must be exactly the /24s that
 * hold a route longer than /24 (outside 240/4, which is never installed).
 */
static void test_dir24_random(unsigned n_add, unsigned rounds)
{
	struct ref_table t = {.family = AF_INET, .width = 32};
	double t0 = unit_now();

	printf("DIR-24-8: random nested prefixes /0../32, %u rounds of %u adds\n", rounds, n_add);
	dense_lengths = true;
	min_len = 0;
	avoid_top = false;
	CHECK_EQ(fib_vrf_create(RAND_VRF, "rand24", MAX4, 8192, 1024), 0);
	for (unsigned i = 0; i < N_BASES; i++)
		bases[i].lo = (i < N_BASES / 2 ? 0xc0a80000u : 0x0a010000u) |
			      (unit_rand32() & 0x3ffu) << (i & 1 ? 0 : 6);
	for (unsigned round = 0; round < rounds; round++) {
		random_round(&t, RAND_VRF, n_add, round + 1 == rounds ? 60 : 35);
		check_rib(&t, RAND_VRF);
		unsigned bad = compare_fib(&t, RAND_VRF, 20000, false);
		CHECK(bad == 0, "DIR-24-8 round %u: %u lookups differ from the reference", round,
		      bad);
		/* /24s with a live route longer than /24 */
		unsigned want = 0, cap = 1;
		while (cap < 4 * t.n)
			cap *= 2;
		uint32_t *set = calloc(cap, sizeof(*set));
		for (unsigned i = 0; i < t.n; i++) {
			const struct ref_route *r = &t.r[i];
			uint32_t b = (uint32_t)(r->net.lo >> 8) + 1;
			if (!r->live || r->len <= 24 || (r->net.lo >> 28) == 0xf)
				continue;
			for (uint32_t h = b * 0x9e3779b1u;; h++) {
				uint32_t *s = &set[h & (cap - 1)];
				if (*s == b)
					break;
				if (*s == 0) {
					*s = b;
					want++;
					break;
				}
			}
		}
		free(set);
		check_tbl4(RAND_VRF, want);
	}
	delete_all(&t, RAND_VRF);
	ref_commit(&t);
	CHECK_EQ(fib_route_count(RAND_VRF, AF_INET), 0);
	unsigned bad = compare_fib(&t, RAND_VRF, 2000, false);
	CHECK(bad == 0, "after deleting everything: %u lookups still find a route", bad);
	check_tbl4(RAND_VRF, 0);
	unsigned nonzero = 0;
	const uint32_t *tbl24 = tbl4(RAND_VRF)->tbl24;
	for (uint32_t b = 0; b < FIB4_TBL24_N; b++)
		nonzero += tbl24[b] != 0;
	CHECK(nonzero == 0, "%u tbl24 entries not empty after deleting every route", nonzero);
	fib_vrf_destroy(RAND_VRF);
	rcu_reclaim();
	free(t.r);
	free(t.map);
	dense_lengths = false;
	printf("  done in %.2f s\n", unit_now() - t0);
}

/*
 * The table on its own (no fib.c), written in place. Internet-like prefixes over the whole space
 * (/8../24, more specifics /25../32 packed into 12000 /24s so that groups are shared, freed and
 * reused), churn with replaced next hops and deletes, and now and then a short route over a
 * range full of longer ones added then withdrawn. After each round the table answers as the
 * reference; the groups given up in the round wait for fib4_tbl_reclaim() (no tbl24 entry may
 * point to one of them before), after which they are reused.
 */
static uint32_t tbl_lookup(const struct fib4_tbl *t, uint32_t ip)
{
	uint64_t nh = 0;

	fib4_tbl_lookup_bulk(t, &ip, &nh, 1);
	return (uint32_t)nh;
}

static unsigned tbl_compare(const struct ref_table *ref, const struct fib4_tbl *t,
			    unsigned n_random)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < n_random + 4 * ref->n; i++) {
		struct key a;
		if (i < n_random) {
			a.hi = 0;
			a.lo = unit_rand32();
		} else {
			const struct ref_route *r = &ref->r[(i - n_random) / 4];
			uint64_t size = 1ull << (32 - r->len);
			switch ((i - n_random) % 4) {
			case 0:
				a.lo = r->net.lo;
				break;
			case 1:
				a.lo = r->net.lo + size - 1;
				break;
			case 2:
				a.lo = (r->net.lo - 1) & 0xffffffffu;
				break;
			default:
				a.lo = (r->net.lo + size) & 0xffffffffu;
				break;
			}
			a.hi = 0;
		}
		if ((a.lo >> 28) == 0xf)
			continue; /* ref_lookup leaves 240/4 out (fib.c does), the table does not */
		uint32_t want = ref_lookup(ref, a, false);
		uint32_t got = tbl_lookup(t, (uint32_t)a.lo);
		if (got != want || fib4_tbl_lookup_rib(t, (uint32_t)a.lo) != want) {
			if (bad++ < 3)
				fprintf(stderr, "  %s: table %u, reference %u\n",
					key_str(a, AF_INET), got, want);
		}
	}
	return bad;
}

static unsigned tbl_groups_want(const struct ref_table *ref)
{
	unsigned cap = 1, want = 0;

	while (cap < 4 * ref->n)
		cap *= 2;
	uint32_t *set = calloc(cap, sizeof(*set));
	for (unsigned i = 0; i < ref->n; i++) {
		const struct ref_route *r = &ref->r[i];
		uint32_t b = (uint32_t)(r->net.lo >> 8) + 1;
		if (!r->live || r->len <= 24)
			continue;
		for (uint32_t h = b * 0x9e3779b1u;; h++) {
			uint32_t *s = &set[h & (cap - 1)];
			if (*s == b)
				break;
			if (*s == 0) {
				*s = b;
				want++;
				break;
			}
		}
	}
	free(set);
	return want;
}

static void tbl_route(struct ref_table *ref, struct fib4_tbl *w, uint32_t ip, unsigned len,
		      uint32_t nh)
{
	struct key net = {0, ip & (len ? ~0u << (32 - len) : 0)};
	struct ref_route *r = ref_insert(ref, net, len);
	int ret = fib4_tbl_add(w, (uint32_t)net.lo, (uint8_t)len, nh, 0, NULL);

	CHECK(ret == 0, "fib4_tbl_add(%s/%u) = %d", key_str(net, AF_INET), len, ret);
	if (ret == 0) {
		r->nh = nh;
		r->live = true;
	}
}

static void tbl_unroute(struct ref_table *ref, struct fib4_tbl *w, struct ref_route *r)
{
	int ret = fib4_tbl_del(w, (uint32_t)r->net.lo, r->len, NULL);

	CHECK(ret == (r->live ? 0 : -ENOENT), "fib4_tbl_del(%s/%u) = %d", key_str(r->net, AF_INET),
	      r->len, ret);
	r->live = false;
}

/* Groups pointed to by tbl24 entries: g -> 1 in used[] (n_tbl8 bytes). */
static void tbl_groups_used(const struct fib4_tbl *t, uint8_t *used)
{
	memset(used, 0, t->n_tbl8);
	for (uint32_t b = 0; b < FIB4_TBL24_N; b++)
		if (t->tbl24[b] & FIB4_EXT)
			used[t->tbl24[b] & ~FIB4_EXT] = 1;
}

static void test_dir24_inplace(unsigned n_add, unsigned rounds)
{
	struct ref_table ref = {.family = AF_INET, .width = 32};
	const unsigned n_deep = 12000, n_tbl8 = 16384;
	uint32_t *deep24 = malloc(n_deep * sizeof(*deep24));
	uint8_t *before = malloc(n_tbl8), *after = malloc(n_tbl8);
	double t0 = unit_now();

	printf("DIR-24-8 in place: %u rounds of %u Internet-like adds, churn, range withdraws\n",
	       rounds, n_add);
	struct fib4_tbl *t = fib4_tbl_create(SOCKET_ID_ANY, 4 * n_add, 1024, n_tbl8); /* grows */
	CHECK(t, "creating the table: %s", rte_strerror(rte_errno));
	if (!t) {
		free(deep24);
		free(before);
		free(after);
		return;
	}
	for (unsigned i = 0; i < n_deep; i++)
		deep24[i] = (unit_rand32() % 0xef000000u) & ~0xffu;
	for (unsigned round = 0; round < rounds; round++) {
		tbl_groups_used(t, before);
		for (unsigned i = 0; i < n_add; i++) {
			unsigned r = unit_rand_below(100), len;
			uint32_t ip;
			if (r < 3) {
				len = 8 + unit_rand_below(8);
				ip = unit_rand32();
			} else if (r < 70) {
				len = 16 + unit_rand_below(9);
				ip = unit_rand32();
			} else {
				len = 25 + unit_rand_below(8);
				ip = deep24[unit_rand_below(n_deep)] | (unit_rand32() & 0xff);
			}
			if (ref.n && unit_rand_below(8) == 0) {
				/* an existing prefix again: replace (or re-add) */
				const struct ref_route *d = &ref.r[unit_rand_below(ref.n)];
				ip = (uint32_t)d->net.lo;
				len = d->len;
			}
			tbl_route(&ref, t, ip, len, 1 + unit_rand_below(NH_MAX - 1));
		}
		for (unsigned i = 0; i < ref.n; i++)
			if (ref.r[i].live && unit_rand_below(100) < (round + 1 == rounds ? 50 : 20))
				tbl_unroute(&ref, t, &ref.r[i]);
		/* a short route over a range full of routes, and its withdraw (in the same round
		 * or the next) */
		for (unsigned k = 0; k < 4; k++) {
			uint32_t ip = deep24[unit_rand_below(n_deep)];
			unsigned len = 4 + unit_rand_below(12);
			tbl_route(&ref, t, ip, len, 1 + unit_rand_below(NH_MAX - 1));
			if (k & 1)
				tbl_unroute(
				    &ref, t,
				    ref_find(&ref, (struct key){0, ip & (~0u << (32 - len))}, len));
		}
		/* deletes of absent routes */
		for (unsigned k = 0; k < 20; k++) {
			unsigned len = 16 + unit_rand_below(17);
			uint32_t ip = unit_rand32() & ~0u << (32 - len);
			struct ref_route *r = ref_find(&ref, (struct key){0, ip}, len);
			if (!r || !r->live)
				CHECK_EQ(fib4_tbl_del(t, ip, (uint8_t)len, NULL), -ENOENT);
		}
		ref_commit(&ref);
		unsigned bad = tbl_compare(&ref, t, 20000);
		CHECK(bad == 0, "round %u: %u lookups differ from the reference", round, bad);
		unsigned want = tbl_groups_want(&ref);
		CHECK(fib4_tbl_tbl8_used(t) == want, "round %u: %u groups in use, expected %u",
		      round, fib4_tbl_tbl8_used(t), want);
		CHECK_EQ(fib4_tbl_routes(t), ref_live(&ref));
		/* Groups given up in this round: used before, not now, and not given to another
		 * /24 either before the reclaim. Groups used before and still used are held by the
		 * same /24 (its group is never moved). */
		tbl_groups_used(t, after);
		unsigned gone = 0;
		for (uint32_t g = 0; g < n_tbl8; g++)
			gone += before[g] && !after[g];
		CHECK(fib4_tbl_tbl8_pending(t) >= gone,
		      "round %u: %u groups given up, only %u pending", round, gone,
		      fib4_tbl_tbl8_pending(t));
		unsigned pend = fib4_tbl_tbl8_pending(t);
		fib4_tbl_reclaim(t);
		CHECK_EQ(fib4_tbl_tbl8_pending(t), 0);
		printf("  round %u: %u routes, %u groups, %u given up\n", round, ref_live(&ref),
		       want, pend);
	}

	for (unsigned i = 0; i < ref.n; i++)
		if (ref.r[i].live)
			tbl_unroute(&ref, t, &ref.r[i]);
	fib4_tbl_reclaim(t);
	CHECK_EQ(fib4_tbl_tbl8_used(t), 0);
	CHECK_EQ(fib4_tbl_routes(t), 0);
	unsigned nonzero = 0;
	for (uint32_t b = 0; b < FIB4_TBL24_N; b++)
		nonzero += t->tbl24[b] != 0;
	CHECK(nonzero == 0, "%u tbl24 entries not empty after deleting every route", nonzero);

	/* A group given up is not reused before the reclaim: with the free list empty, a route
	 * longer than /24 in a new /24 fails until then (and the /24 keeps routing as before). */
	uint32_t b0 = 0x01000000u; /* one /32 in each /24 from 1.0.0.0 on */
	for (unsigned k = 0; k < n_tbl8; k++)
		CHECK_EQ(fib4_tbl_add(t, b0 + 256 * k + 1, 32, 7, 0, NULL), 0);
	CHECK_EQ(fib4_tbl_add(t, 0x0a000000u, 8, 9, 0, NULL), 0);
	CHECK_EQ(fib4_tbl_tbl8_used(t), n_tbl8);
	CHECK_EQ(fib4_tbl_del(t, b0 + 1, 32, NULL), 0);
	CHECK_EQ(fib4_tbl_tbl8_used(t), n_tbl8 - 1);
	CHECK_EQ(fib4_tbl_tbl8_pending(t), 1);
	CHECK_EQ(tbl_lookup(t, b0 + 1), 0);
	CHECK_EQ(fib4_tbl_add(t, 0x0a000001u, 32, 8, 0, NULL), -ENOSPC);
	CHECK_EQ(tbl_lookup(t, 0x0a000001u), 9);
	fib4_tbl_reclaim(t);
	CHECK_EQ(fib4_tbl_add(t, 0x0a000001u, 32, 8, 0, NULL), 0);
	CHECK_EQ(tbl_lookup(t, 0x0a000001u), 8);
	CHECK_EQ(tbl_lookup(t, 0x0a000002u), 9);
	CHECK_EQ(fib4_tbl_del(t, 0x0a000001u, 32, NULL), 0);
	CHECK_EQ(fib4_tbl_del(t, 0x0a000000u, 8, NULL), 0);
	for (unsigned k = 1; k < n_tbl8; k++)
		CHECK_EQ(fib4_tbl_del(t, b0 + 256 * k + 1, 32, NULL), 0);
	fib4_tbl_reclaim(t);
	CHECK_EQ(fib4_tbl_tbl8_used(t), 0);
	CHECK_EQ(fib4_tbl_routes(t), 0);
	fib4_tbl_free(t);
	free(ref.r);
	free(ref.map);
	free(deep24);
	free(before);
	free(after);
	printf("  done in %.2f s\n", unit_now() - t0);
}

/* ---- the compact IPv4 table (dataplane/fib4_dxr.h) ---- */

static uint32_t dxr_lookup(const struct fib4_dxr *d, uint32_t ip)
{
	uint64_t nh = 0;

	fib4_dxr_lookup_bulk(d, &ip, &nh, 1);
	return (uint32_t)nh;
}

/*
 * The compact table against the reference: the control view (fib4_dxr_lookup_rib) has every
 * change, the workers' view (bulk lookups of every burst size) the last flush. Addresses: random,
 * and the first, last, before-first and after-last address of every route.
 */
static unsigned dxr_compare(const struct ref_table *ref, const struct fib4_dxr *d,
			    unsigned n_random, bool flushed)
{
	unsigned bad = 0, n = 0;
	uint32_t ips[PG_BURST];
	uint64_t nh[PG_BURST];
	struct key as[PG_BURST];

	for (unsigned i = 0; i < n_random + 4 * ref->n; i++) {
		struct key a = {0, unit_rand32()};
		if (i >= n_random) {
			const struct ref_route *r = &ref->r[(i - n_random) / 4];
			uint64_t size = 1ull << (32 - r->len);
			uint64_t o[4] = {0, size - 1, (uint64_t)-1, size};
			a.lo = (r->net.lo + o[(i - n_random) % 4]) & 0xffffffffu;
		}
		const uint32_t live = ref_lookup(ref, a, false);
		const uint32_t rib = fib4_dxr_lookup_rib(d, (uint32_t)a.lo);
		if (rib != live && bad++ < 3)
			fprintf(stderr, "  %s: control view %u, reference %u\n",
				key_str(a, AF_INET), rib, live);
		as[n] = a;
		ips[n++] = (uint32_t)a.lo;
		if (n < 1 + unit_rand_below(PG_BURST) && i + 1 < n_random + 4 * ref->n)
			continue;
		fib4_dxr_lookup_bulk(d, ips, nh, n);
		for (unsigned k = 0; k < n; k++) {
			const uint32_t want = ref_lookup(ref, as[k], !flushed);
			if ((uint32_t)nh[k] != want && bad++ < 3)
				fprintf(stderr, "  %s: worker view %u, reference %u%s\n",
					key_str(as[k], AF_INET), (uint32_t)nh[k], want,
					flushed ? "" : " (as of the last flush)");
		}
		n = 0;
	}
	return bad;
}

static void dxr_route(struct ref_table *ref, struct fib4_dxr *d, uint32_t ip, unsigned len,
		      uint32_t nh)
{
	struct key net = {0, ip & (len ? ~0u << (32 - len) : 0)};
	struct ref_route *r = ref_insert(ref, net, len);
	struct fib4_route old;
	int ret = fib4_dxr_add(d, (uint32_t)net.lo, (uint8_t)len, nh, 3, &old);

	CHECK(ret == 0, "fib4_dxr_add(%s/%u) = %d", key_str(net, AF_INET), len, ret);
	CHECK(old.nh == (r->live ? r->nh : 0), "fib4_dxr_add(%s/%u): old nh %u, expected %u",
	      key_str(net, AF_INET), len, old.nh, r->live ? r->nh : 0);
	if (ret == 0) {
		r->nh = nh;
		r->live = true;
	}
}

static void dxr_unroute(struct ref_table *ref, struct fib4_dxr *d, struct ref_route *r)
{
	struct fib4_route old;
	int ret = fib4_dxr_del(d, (uint32_t)r->net.lo, r->len, &old);

	CHECK(ret == (r->live ? 0 : -ENOENT), "fib4_dxr_del(%s/%u) = %d", key_str(r->net, AF_INET),
	      r->len, ret);
	CHECK(old.nh == (r->live ? r->nh : 0), "fib4_dxr_del(%s/%u): old nh %u, expected %u",
	      key_str(r->net, AF_INET), r->len, old.nh, r->live ? r->nh : 0);
	r->live = false;
}

/*
 * Random nested prefixes of every length /0../32 around a few bases (so that /16s fill with
 * many overlapping ranges), plus Internet-like ones anywhere, 240.0.0.0/4 included (never
 * routed: the table leaves it as fib4_dir24 does). Replaces (same and other next hop), deletes,
 * deletes of absent routes; after the changes and before the flush the workers' view is the
 * previous one, after it the new one; chunks given up wait for the reclaim. Everything deleted:
 * no chunk, no route, every address 0.
 */
static void test_compact_table(unsigned n_add, unsigned rounds)
{
	struct ref_table ref = {.family = AF_INET, .width = 32};
	double t0 = unit_now();
	struct fib4_dxr_stats st;

	printf("compact table: %u rounds of %u adds, nested /0../32, churn, 240/4\n", rounds,
	       n_add);
	struct fib4_dxr *d = fib4_dxr_create(4 * n_add * rounds, 1024);
	CHECK(d, "creating the table: %s", rte_strerror(rte_errno));
	if (!d)
		return;
	fib4_dxr_stats(d, &st);
	CHECK(st.l1_bytes + st.ctl_bytes + st.pool_bytes < 64 * 1024,
	      "an empty table holds %zu + %zu + %zu bytes", st.l1_bytes, st.ctl_bytes,
	      st.pool_bytes);
	CHECK_EQ(dxr_lookup(d, 0x0a000001u), 0);
	uint32_t base[8];
	for (unsigned i = 0; i < 8; i++)
		base[i] = i == 7 ? 0xf0a00000u : unit_rand32(); /* one inside 240/4 */
	for (unsigned round = 0; round < rounds; round++) {
		for (unsigned i = 0; i < n_add; i++) {
			unsigned len = unit_rand_below(33);
			uint32_t ip = unit_rand32();
			if (unit_rand_below(4) != 0) {
				/* near a base: its first 8..32 bits */
				unsigned k = 8 + unit_rand_below(25);
				uint32_t m = k >= 32 ? ~0u : ~(~0u >> k);
				ip = (base[unit_rand_below(8)] & m) | (ip & ~m);
				len = len < 12 ? len + 12 : len;
			}
			if (ref.n && unit_rand_below(8) == 0) {
				const struct ref_route *x = &ref.r[unit_rand_below(ref.n)];
				ip = (uint32_t)x->net.lo;
				len = x->len;
			}
			dxr_route(&ref, d, ip, len, 1 + unit_rand_below(NH_MAX - 1));
		}
		for (unsigned i = 0; i < ref.n; i++)
			if (ref.r[i].live && unit_rand_below(100) < (round + 1 == rounds ? 50 : 25))
				dxr_unroute(&ref, d, &ref.r[i]);
		for (unsigned k = 0; k < 20; k++) {
			unsigned len = unit_rand_below(33);
			uint32_t ip = unit_rand32() & (len ? ~0u << (32 - len) : 0);
			struct ref_route *r = ref_find(&ref, (struct key){0, ip}, len);
			if (!r || !r->live)
				CHECK_EQ(fib4_dxr_del(d, ip, (uint8_t)len, NULL), -ENOENT);
		}
		CHECK_EQ(fib4_dxr_routes(d), ref_live(&ref));
		unsigned bad = dxr_compare(&ref, d, 5000, false);
		CHECK(bad == 0, "round %u, before the flush: %u lookups wrong", round, bad);
		CHECK(fib4_dxr_dirty(d) > 0, "round %u: no /16 marked changed", round);
		CHECK_EQ(fib4_dxr_flush(d), 0);
		CHECK_EQ(fib4_dxr_dirty(d), 0);
		ref_commit(&ref);
		bad = dxr_compare(&ref, d, 20000, true);
		CHECK(bad == 0, "round %u, after the flush: %u lookups wrong", round, bad);
		unsigned pend = fib4_dxr_pending(d);
		CHECK(round == 0 || pend > 0, "round %u: changed chunks, none pending", round);
		fib4_dxr_reclaim(d);
		CHECK_EQ(fib4_dxr_pending(d), 0);
		/* 240/4 never routes, whatever covers it */
		CHECK_EQ(dxr_lookup(d, 0xf0a00001u), 0);
		CHECK_EQ(fib4_dxr_lookup_rib(d, 0xffffffffu), 0);
		fib4_dxr_stats(d, &st);
		printf("  round %u: %u routes, %u chunks, %u ranges, %u given up\n", round,
		       st.routes, st.chunks, st.ranges, pend);
	}
	for (unsigned i = 0; i < ref.n; i++)
		if (ref.r[i].live)
			dxr_unroute(&ref, d, &ref.r[i]);
	CHECK_EQ(fib4_dxr_flush(d), 0);
	ref_commit(&ref);
	fib4_dxr_stats(d, &st);
	CHECK(st.routes == 0 && st.chunks == 0 && st.ranges == 0,
	      "after deleting everything: %u routes, %u chunks, %u ranges", st.routes, st.chunks,
	      st.ranges);
	unsigned nonzero = 0;
	for (uint32_t i = 0; i < FIB4_DXR_L1_N; i++)
		nonzero += d->l1[i] != 0;
	CHECK(nonzero == 0, "%u l1 entries not empty after deleting every route", nonzero);
	CHECK_EQ(dxr_compare(&ref, d, 2000, true), 0);
	/* the chunks given up come back: the same routes again take no new pool memory */
	fib4_dxr_reclaim(d);
	fib4_dxr_free(d);
	free(ref.r);
	free(ref.map);
	printf("  done in %.2f s\n", unit_now() - t0);
}

/*
 * Memory of the compact table for the EVPN benchmark's feed (scripts/bench-bgp.sh: random
 * prefixes /16../24, 58 % /24, first octets 0, 10, 127 and >= 224 left out): the table for 100k
 * routes must stay well under the 150 bytes per route, and the pool must not grow when
 * the same routes are withdrawn and announced again (chunks given up are reused).
 */
static long rss_bytes(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * 4096;
}

static void test_compact_memory(unsigned n)
{
	struct fib4_dxr_stats st;
	double t0 = unit_now();
	uint32_t *ip = malloc(n * sizeof(*ip));
	uint8_t *len = malloc(n);

	printf("compact table memory: %u random /16../24 prefixes\n", n);
	const long rss0 = rss_bytes();
	struct fib4_dxr *d = fib4_dxr_create(n, 1024);
	CHECK(d != NULL && ip && len, "creating the table");
	if (!d || !ip || !len) {
		free(ip);
		free(len);
		fib4_dxr_free(d);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t r = unit_rand_below(100), a;
		len[i] = r < 58 ? 24 : (uint8_t)(16 + unit_rand_below(8));
		do
			a = unit_rand32();
		while ((a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 || (a >> 24) >= 224);
		ip[i] = a & fib4_depth_mask(len[i]);
		int ret = fib4_dxr_add(d, ip[i], len[i], 1 + (i % 1000), 4, NULL);
		CHECK(ret == 0, "add %u: %d", i, ret);
	}
	double t_add = unit_now() - t0;
	CHECK_EQ(fib4_dxr_flush(d), 0);
	fib4_dxr_reclaim(d);
	fib4_dxr_stats(d, &st);
	size_t total = st.l1_bytes + st.ctl_bytes + st.pool_bytes;
	printf("  %u routes: %u chunks, %u ranges; pool %zu, control %zu, l1 and per-/16 arrays "
	       "%zu: %.1f bytes per route; %.0f ns per add, flush %.1f ms\n",
	       st.routes, st.chunks, st.ranges, st.pool_bytes, st.ctl_bytes, st.l1_bytes,
	       (double)total / st.routes, t_add * 1e9 / n, (unit_now() - t0 - t_add) * 1e3);
	/* per route (pool, control side) and fixed (first level and per-/16 arrays, 1088 KiB at
	 * most): at 100k routes ~96 bytes per route in all */
	CHECK(st.pool_bytes + st.ctl_bytes < (size_t)st.routes * 120 && st.l1_bytes <= 1088 * 1024,
	      "%.1f bytes per route and %zu fixed",
	      (double)(st.pool_bytes + st.ctl_bytes) / st.routes, st.l1_bytes);
	printf("  resident memory of the process grew by %.1f bytes per route\n",
	       (double)(rss_bytes() - rss0) / st.routes);
	/* the same routes into a DIR-24-8 table as a VRF other than the default had it (4 KiB
	 * pages touched as routes arrive, route hash starting at a 16th): the peer for the add rate
	 */
	struct fib4_tbl *t = fib4_tbl_create(SOCKET_ID_ANY, n, n / 16, 4096);
	if (t) {
		double t1 = unit_now();
		for (unsigned i = 0; i < n; i++)
			fib4_tbl_add(t, ip[i], len[i], 1 + (i % 1000), 4, NULL);
		printf("  DIR-24-8 (not pre-faulted): %.0f ns per add\n",
		       (unit_now() - t1) * 1e9 / n);
		fib4_tbl_free(t);
	}
	/* withdraw a third and announce it again, twice: freed chunks are reused (without reuse
	 * the pool would more than double) */
	size_t pool0 = st.pool_bytes;
	for (unsigned k = 0; k < 2; k++) {
		for (unsigned i = k; i < n; i += 3)
			fib4_dxr_del(d, ip[i], len[i], NULL);
		CHECK_EQ(fib4_dxr_flush(d), 0);
		fib4_dxr_reclaim(d);
		for (unsigned i = k; i < n; i += 3)
			fib4_dxr_add(d, ip[i], len[i], 1 + (i % 1000), 4, NULL);
		CHECK_EQ(fib4_dxr_flush(d), 0);
		fib4_dxr_reclaim(d);
	}
	fib4_dxr_stats(d, &st);
	CHECK(st.pool_bytes < pool0 + pool0 / 2, "pool %zu bytes after churn, %zu before",
	      st.pool_bytes, pool0);
	fib4_dxr_free(d);
	free(ip);
	free(len);
}

/*
 * A VRF's table switching kind under a stream of changes (fib.c, compact max 1200 here): routes
 * are added one by one past 1200 (the table becomes DIR-24-8), deleted below 300 (compact again),
 * added again; after every change a commit and lookups of the changed route's edges and random
 * addresses, through both views; a full comparison every 100 changes.
 */
static void test_compact_switch(void)
{
	struct ref_table t = {.family = AF_INET, .width = 32};
	const uint16_t V = 11;
	const unsigned max = 1200;
	double t0 = unit_now();
	unsigned switches = 0, steps = 0;

	printf("VRF table kind switches: compact -> DIR-24-8 at %u routes, back below %u\n", max,
	       max / 4);
	fib4_set_compact_max(max);
	min_len = 8;
	avoid_top = false;
	dense_lengths = false;
	bases_init(32);
	CHECK_EQ(fib_vrf_create(V, "switch", MAX4, 4096, 1024), 0);
	bool was_dir24 = false;
	for (unsigned phase = 0; phase < 3; phase++) {
		const bool up = phase != 1;
		for (;;) {
			unsigned live = ref_live(&t);
			if (up ? live > max + 100 : live < max / 4 - 50)
				break;
			if (up ? unit_rand_below(5) != 0 : unit_rand_below(5) == 0) {
				unsigned len = rand_len(32);
				struct key net = key_and(addr_near(32), key_mask(len, 32));
				struct ref_route *r = ref_insert(&t, net, len);
				struct pg_prefix p = key_to_prefix(net, len, AF_INET);
				uint32_t nh = 1 + unit_rand_below(NH_MAX - 1), old;
				CHECK_EQ(fib_route_add(V, &p, nh, ROUTE_STATIC, &old), 0);
				r->nh = nh;
				r->live = true;
			} else {
				/* the next live route from a random place */
				unsigned k = unit_rand_below(t.n);
				while (!t.r[k].live)
					k = (k + 1) % t.n;
				struct ref_route *r = &t.r[k];
				struct pg_prefix p = key_to_prefix(r->net, r->len, AF_INET);
				uint32_t old;
				CHECK_EQ(fib_route_del(V, &p, &old), 0);
				r->live = false;
			}
			CHECK_EQ(fib_commit(), 0);
			ref_commit(&t);
			steps++;
			const struct fib_lr *lr = dp.vrfs[V]->fib4;
			bool dir24 = lr->active != NULL;
			CHECK(!(lr->active && lr->compact), "step %u: both kinds published", steps);
			switches += dir24 != was_dir24;
			was_dir24 = dir24;
			unsigned n = ref_live(&t);
			CHECK(dir24 ? n > max / 4 - 1 : n <= max,
			      "step %u: %u routes in a %s table", steps, n,
			      dir24 ? "DIR-24-8" : "compact");
			CHECK_EQ(fib_route_count(V, AF_INET), n);
			struct lookup_batch b = {.t = &t, .vrf = V};
			const struct ref_route *r = &t.r[t.n - 1];
			struct key m = key_mask(r->len, 32);
			struct key last = {0, r->net.lo | (~m.lo & 0xffffffffull)};
			batch_add(&b, r->net);
			batch_add(&b, last);
			batch_add(&b, key_add(r->net, -1, 32));
			batch_add(&b, key_add(last, 1, 32));
			for (unsigned k = 0; k < 12; k++)
				batch_add(&b, addr_near(32));
			batch_flush(&b);
			CHECK(b.mismatches == 0, "step %u: %u lookups wrong", steps, b.mismatches);
			if (steps % 100 == 0) {
				unsigned bad = compare_fib(&t, V, 2000, false);
				CHECK(bad == 0, "step %u: %u lookups wrong", steps, bad);
			}
		}
		const struct fib_lr *lr = dp.vrfs[V]->fib4;
		CHECK(up ? lr->active != NULL : lr->compact != NULL && lr->active == NULL,
		      "after phase %u (%u routes): the table is %s", phase, ref_live(&t),
		      lr->active ? "DIR-24-8" : "compact");
	}
	CHECK(switches == 3, "%u switches, expected 3", switches);
	check_rib(&t, V);
	delete_all(&t, V);
	fib_vrf_destroy(V);
	rcu_reclaim();
	fib4_set_compact_max(FIB4_COMPACT_MAX);
	free(t.r);
	free(t.map);
	printf("  %u changes, %u switches, done in %.2f s\n", steps, switches, unit_now() - t0);
}

int main(void)
{
	if (unit_eal_init() < 0)
		return 1;
	unit_seed("test_fib");
	struct dp_init_conf dc = {
	    .mbufs = 1023,
	    .max_routes4 = MAX4,
	    .tbl8_groups = 4096,
	    .max_routes6 = MAX6,
	    .punt_rate_pps = 1000,
	    .punt_burst = 100,
	};
	CHECK_EQ(dp_init(&dc), 0);
	CHECK_EQ(fib_init(4 * (MAX4 + MAX6)), 0);
	fib_set_nh_release(nh_put);
	/* The tests up to the compact ones run with DIR-24-8 tables in every VRF. */
	fib4_set_compact_max(0);
	expect_compact = 0;
	CHECK_EQ(nh_init(NH_MAX), 0);
	if (unit_failures)
		return unit_done("test_fib");

	if (unit_selected("basic"))
		test_basic();
	if (unit_selected("default"))
		test_default_routes();
	if (unit_selected("isolation"))
		test_isolation();
	if (unit_selected("limit4"))
		test_limit(AF_INET);
	if (unit_selected("limit6"))
		test_limit(AF_INET6);
	if (unit_selected("capacity6")) {
		test_capacity6(128);
		test_capacity6(64);
	}
	if (unit_selected("churn")) {
		test_churn(AF_INET, 32);
		test_churn(AF_INET6, 128);
		test_churn(AF_INET6, 64);
	}
	if (unit_selected("top"))
		test_top_of_space();
	/*
	 * First without what test_top_of_space shows to be broken (short prefixes, prefixes ending
	 * at the top of the address space), so that everything else is checked at scale; then
	 * everything.
	 */
	if (unit_selected("random4"))
		test_random(AF_INET, 4000, 4, false);
	if (unit_selected("random6"))
		test_random(AF_INET6, 3000, 4, false);
	if (unit_selected("random4all"))
		test_random(AF_INET, 4000, 2, true);
	if (unit_selected("random6all"))
		test_random(AF_INET6, 3000, 2, true);
	if (unit_selected("accepted4"))
		test_accepted_means_installed(AF_INET);
	if (unit_selected("accepted6"))
		test_accepted_means_installed(AF_INET6);
	if (unit_selected("dir24cover"))
		test_dir24_cover();
	if (unit_selected("dir24groups"))
		test_dir24_groups();
		/* Under ASan (a -O0 build) the short routes of dir24random (a /0 repaints 2^24
		 * entries) would take minutes: smaller rounds there, the same code paths. */
#ifdef __SANITIZE_ADDRESS__
	const unsigned scale = 8;
#else
	const unsigned scale = 1;
#endif
	if (unit_selected("dir24random"))
		test_dir24_random(4000 / scale, 4);
	if (unit_selected("dir24inplace"))
		test_dir24_inplace(50000 / scale, 4);

	/* VRFs other than the default with compact tables, as the daemon has them. */
	fib4_set_compact_max(FIB4_COMPACT_MAX);
	expect_compact = 1;
	if (unit_selected("compact"))
		test_compact_table(6000 / scale, 4);
	if (unit_selected("compactmem"))
		test_compact_memory(100000 / scale);
	if (unit_selected("compact4"))
		test_random(AF_INET, 4000, 4, false);
	if (unit_selected("compact4all"))
		test_random(AF_INET, 4000, 2, true);
	expect_compact = -1;
	if (unit_selected("compactswitch"))
		test_compact_switch();

	CHECK_EQ(fib_route_count(UINT16_MAX, 0), 0);
	fib_fini();
	nh_fini();
	dp_fini();
	return unit_done("test_fib");
}
