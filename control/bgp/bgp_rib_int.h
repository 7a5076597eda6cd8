/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Inside the RIB: the structures shared by the decision process (bgp_rib.c) and the routes we
 * originate and send (bgp_out.c). Control thread only. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_int.h"
#include "bgp_rib.h"
#include "bigmem.h"

/* ---- a chained hash table of intrusive nodes ---- */
struct hnode {
	struct hnode *next;
	uint32_t hash;
};

struct htab {
	struct hnode **b;
	size_t mask, n;
};

static inline int htab_init(struct htab *t, size_t buckets)
{
	t->b = calloc(buckets, sizeof(*t->b));
	t->mask = buckets - 1;
	t->n = 0;
	return t->b ? 0 : -ENOMEM;
}

/* Rehash into nb (a power of two) buckets; on failure the table stays as it was. */
static inline void htab_resize(struct htab *t, size_t nb)
{
	/* Not calloc: fresh memory would be read (b[j]) before written, i.e. mapped to the zero
	 * page and then copied, each copy a TLB shootdown across the process's CPUs. Zeroing it
	 * ourselves writes it first. */
	struct hnode **b = malloc(nb * sizeof(*b));

	if (!b)
		return;			    /* longer chains, still correct */
	explicit_bzero(b, nb * sizeof(*b)); /* gcc turns malloc + memset into calloc */
	for (size_t i = 0; i <= t->mask; i++) {
		struct hnode *n = t->b[i];
		while (n) {
			struct hnode *next = n->next;
			size_t j = n->hash & (nb - 1);
			n->next = b[j];
			b[j] = n;
			n = next;
		}
	}
	free(t->b);
	t->b = b;
	t->mask = nb - 1;
}

static inline void htab_grow(struct htab *t)
{
	htab_resize(t, (t->mask + 1) * 2);
}

/* Room for n entries without growing (one rehash instead of doubling there step by step: a
 * chained table's rehash visits every node, a cache miss each). */
static inline void htab_reserve(struct htab *t, size_t n)
{
	size_t nb = t->mask + 1;

	while (n > nb)
		nb *= 2;
	if (nb > t->mask + 1)
		htab_resize(t, nb);
}

static inline void htab_add(struct htab *t, struct hnode *n)
{
	size_t i = n->hash & t->mask;

	n->next = t->b[i];
	t->b[i] = n;
	if (++t->n > t->mask + 1)
		htab_grow(t);
}

static inline void htab_del(struct htab *t, struct hnode *n)
{
	struct hnode **pp = &t->b[n->hash & t->mask];

	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = n->next;
		t->n--;
	}
}

/* 64-bit multiply-xorshift over 8-byte words: fast, good enough for prefixes and blobs. */
static inline uint32_t hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const uint8_t *s = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);

	while (len >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		s += 8;
		len -= 8;
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, s, len);
		h = (h ^ w) * 0x94d049bb133111ebull;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* ---- an open-addressing table of (hash, pointer) ---- */
/*
 * For the destinations (one per prefix: a million in a full table). A lookup compares 32-bit
 * hashes in one cache line of slots and dereferences only a matching entry, so a new prefix
 * costs one cache miss, where a chained table took the bucket and every node of the chain;
 * growing reads the old slots in order instead of every node. Linear probing, no tombstones
 * (backward-shift delete), at most 3/4 full. Iterate with otab_at().
 */
struct oslot {
	uint32_t hash;
	void *p; /* NULL: empty */
};

struct otab {
	struct oslot *s;
	size_t mask, n;
	bool big; /* s is pg_big_alloc'ed (huge pages), not pg_fresh_alloc'ed */
};

/* Slot arrays are fresh pages faulted in at once (lib/bigmem.h): a new array is written all
 * over straight away (every slot by the rehash or the probes), so one populate call instead of
 * a page fault per 4 KiB, and no zeroing pass (fresh pages are zero). big: on transparent huge
 * pages (pg_big_alloc, from 1 MiB), for a table sized while the daemon is idle (otab_reserve):
 * the slots are read and written at random, and on the benchmark VM a random access to 32 MiB of
 * 4 KiB pages cost 40-60 ns (TLB misses) against ~6 ns on huge pages; faulting huge pages in
 * while a feed arrives was slower than 4 KiB ones, so tables grown then stay on those. */
static inline struct oslot *otab_slots(size_t n, bool big)
{
	if (big)
		return pg_big_alloc(n * sizeof(struct oslot), true);

	struct oslot *s = pg_fresh_alloc(n * sizeof(*s));

	if (s)
		pg_fresh_populate(s, n * sizeof(*s));
	return s;
}

static inline void otab_slots_free(struct oslot *s, size_t n, bool big)
{
	if (big)
		pg_big_free(s, n * sizeof(*s), true);
	else
		pg_fresh_free(s, n * sizeof(*s));
}

static inline int otab_init(struct otab *t, size_t slots)
{
	t->big = false;
	t->s = otab_slots(slots, false);
	t->mask = slots - 1;
	t->n = 0;
	return t->s ? 0 : -ENOMEM;
}

static inline void otab_fini(struct otab *t)
{
	if (t->s)
		otab_slots_free(t->s, t->mask + 1, t->big);
	t->s = NULL;
	t->mask = t->n = 0;
	t->big = false;
}

/* The first slot to look at for hash h. */
static inline size_t otab_home(const struct otab *t, uint32_t h)
{
	return h & t->mask;
}

static inline void *otab_at(const struct otab *t, size_t i)
{
	return t->s[i].p;
}

static inline void otab_place(struct oslot *s, size_t mask, uint32_t h, void *p)
{
	size_t i = h & mask;

	while (s[i].p)
		i = (i + 1) & mask;
	s[i].hash = h;
	s[i].p = p;
}

/* Move every entry into a new slot array of nb slots. Faulted in before use (otab_slots): fresh
 * memory read before written maps the zero page and is then copied, each copy a TLB shootdown
 * across the process's CPUs. -ENOMEM leaves the table as it was. */
static inline int otab_rehash(struct otab *t, size_t nb, bool big)
{
	struct oslot *s = otab_slots(nb, big);

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i <= t->mask; i++)
		if (t->s[i].p)
			otab_place(s, nb - 1, t->s[i].hash, t->s[i].p);
	otab_slots_free(t->s, t->mask + 1, t->big);
	t->s = s;
	t->mask = nb - 1;
	t->big = big;
	return 0;
}

/* Room for n entries at a load of at most 3/4 (rehashing what is there), on huge pages with big
 * (see otab_slots): -ENOMEM if it cannot. */
static inline int otab_reserve(struct otab *t, size_t n, bool big)
{
	size_t nb = t->mask + 1;

	while (n * 4 > nb * 3)
		nb *= 2;
	return nb == t->mask + 1 ? 0 : otab_rehash(t, nb, big);
}

/* -ENOMEM when it had to grow and could not (p not added). */
static inline int otab_add(struct otab *t, uint32_t h, void *p)
{
	if ((t->n + 1) * 4 > (t->mask + 1) * 3 && otab_rehash(t, (t->mask + 1) * 2, false) < 0)
		return -ENOMEM;
	otab_place(t->s, t->mask, h, p);
	t->n++;
	return 0;
}

static inline void otab_del(struct otab *t, uint32_t h, const void *p)
{
	size_t i = h & t->mask, j;

	while (t->s[i].p && t->s[i].p != p)
		i = (i + 1) & t->mask;
	if (!t->s[i].p)
		return;
	t->n--;
	for (j = i;;) {
		j = (j + 1) & t->mask;
		if (!t->s[j].p)
			break;
		size_t k = t->s[j].hash & t->mask;
		/* slot j stays unless its home is cyclically outside (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		t->s[i] = t->s[j];
		i = j;
	}
	t->s[i].p = NULL;
}

/* ---- interned attribute sets ---- */
struct rib_attr {
	struct hnode h;
	uint32_t refcnt;
	/* Decision inputs, decoded once. */
	uint32_t local_pref, med;
	uint32_t neighbor_as; /* first AS of the path (0: empty path, i.e. iBGP-originated) */
	uint32_t originator_id;
	uint16_t aspath_hops, cluster_len;
	uint8_t origin;
	bool has_med, has_local_pref;
	bool has_rmac; /* EVPN router's MAC extended community */
	struct pg_mac rmac;
	struct pg_ip nexthop, nexthop_ll;
	/* Copies of the variable parts, for the CLI and the EVPN import. */
	uint16_t aspath_off, aspath_len;
	uint16_t comm_off, n_comm, ext_off, n_ext, large_off, n_large;
	uint16_t cluster_off; /* CLUSTER_LIST: cluster_len entries of 4 bytes */
	uint16_t key_len;     /* the canonical encoding (hash and equality): data[0 .. key_len) */
	uint16_t len;
	uint8_t data[];
};

/* ---- destinations and paths ---- */
enum { RP_STALE = 1, RP_BEST = 2, RP_MULTI = 4 };

struct rib_path {
	struct rib_path *next;
	struct bgp_peer *peer;
	struct rib_attr *attr;
	uint32_t label[2];
	uint32_t changed_s; /* monotonic seconds */
	uint8_t n_labels;
	uint8_t flags;
};

/* RD_TO_FABRIC / RD_TO_HOSTS: a default-VRF route we passed on (passthrough host sessions).
 * RD_AGG: a default-VRF route with a learned best, counted for the aggregates (out_agg_route). */
enum { RD_DIRTY = 1, RD_TO_FABRIC = 2, RD_TO_HOSTS = 4, RD_AGG = 8 };

/* Key: IPv4/IPv6: [plen][address bytes]; EVPN: [type][RD 8][type's key fields] (rib_key_evpn). */
#define RIB_KEY_MAX 40
struct imp;
struct rib_dest {
	struct rib_path *paths; /* best first after a decision */
	struct imp *imports;	/* EVPN: where its best path is imported (VRF routes) */
	uint32_t fib_sig;	/* what is installed in the fast path (0: nothing) */
	uint32_t hash;		/* of the key, in rib.dests */
	uint8_t af, klen, flags;
	uint8_t key[];
};

/* Shared RIB operations (bgp_rib.c). */
struct rib_attr *rib_attr_get(const struct bgp_attrs *in, const struct pg_ip *nh,
			      const struct pg_ip *nh_ll);
void rib_attr_put(struct rib_attr *a);
/* Add/replace or remove the path of peer (NULL: our own) for n; a gets its own reference. */
void rib_path_set(struct bgp_peer *peer, const struct bgp_nlri *n, struct rib_attr *a);
void rib_path_unset(struct bgp_peer *peer, const struct bgp_nlri *n);

/* Adj-RIB-Out (bgp_out.c). */
int out_init(const struct bgp_conf *conf);
void out_fini(void);
void out_peer_up(struct bgp_peer *p);
void out_peer_down(struct bgp_peer *p);
int out_peer_added(void);
void out_peer_removed(unsigned i);
void out_peer_refresh(struct bgp_peer *p, enum bgp_af af);
void out_poll(void);
/* Announce the type-3 route of every L2VNI (at start). */
void out_originate_imet(void);
/* A VRF prefix's best changed: announce it (present, learned from `from`, NULL: ours) to the
 * VRF's host sessions, or withdraw it. */
void out_vrf_route(uint16_t vrf, const struct pg_prefix *p, const struct bgp_peer *from,
		   struct rib_attr *src, bool present);
/* Default VRF with passthrough host sessions: pass a best route (from `from`) on to the fabric
 * peers (fabric) or to the default VRF's host sessions (!fabric), or withdraw it there. */
void out_transit(const struct pg_prefix *p, const struct bgp_peer *from, struct rib_attr *src,
		 bool fabric, bool present);
/* Aggregates (bgp_conf.aggregates): a learned route p of VRF vrf (0: default) became a best
 * route (present) or stopped being one; is p inside a summaryOnly aggregate of vrf (not sent)? */
void out_agg_route(uint16_t vrf, const struct pg_prefix *p, bool present);
bool out_agg_suppressed(uint16_t vrf, const struct pg_prefix *p);
/* Queue one VRF prefix for host session p (at session start). */
void out_vrf_push(struct bgp_peer *p, const struct pg_prefix *pfx, const struct bgp_peer *from,
		  struct rib_attr *src);
/* bgp_originate_prefix() for a host's route src (export policies match its attributes). */
int out_originate_prefix_src(uint32_t vni, const struct pg_prefix *p, struct rib_attr *src);
/* Queue every best route of p's VRF for it, except its own (bgp_rib.c). */
void rib_vrf_export(struct bgp_peer *p);
/* The configured unicast networks (bgp_conf.networks), once at start. */
void out_originate_networks(void);
uint64_t bgp_out_advertised(const struct bgp_peer *p);
