/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_rib_int.h"
#include "bigmem.h"
#include "log.h"
#include "util.h"

#define ATTR_BUF_MAX (2 * BGP_EXT_MAX_LEN)

/*
 * Fixed-size pools for what there is one (or more) of per route: destinations (one pool per key
 * size, rounded to 8 bytes), paths, EVPN imports and VRF destinations. No per-object allocator
 * header (malloc adds 16 bytes to each) and no allocator call: a free list, else the next slot of
 * the current chunk. Chunks double from 64 KiB to 2 MiB and go back at rib_fini only. They are
 * ordinary 4 KiB pages (on the benchmark VM faulting in transparent huge pages while a feed
 * arrived cost four times as much: page clearing 41% of the control thread against 11%),
 * faulted in POOL_POPULATE bytes at a time just before objects are handed out from them: one
 * madvise instead of a page fault per 4 KiB (the faults were ~20% of a 100k-route feed).
 */
#define POOL_CHUNK_MIN (64u << 10)
#define POOL_CHUNK_MAX (2u << 20)
#define POOL_POPULATE  (256u << 10)

struct pool {
	uint32_t size; /* object size, >= sizeof(void *) */
	uint32_t next_chunk;
	void *free;
	uint8_t *cur, *end;
	uint8_t *pop; /* the current chunk is faulted in up to here */
	struct pool_chunk {
		void *p;
		size_t size;
	} * chunks;
	size_t n_chunks, cap_chunks;
	uint64_t bytes;	 /* in chunks */
	uint64_t n_live; /* objects handed out and not freed */
};

static void *pool_alloc(struct pool *p)
{
	void *x = p->free;

	if (x) {
		p->free = *(void **)x;
		memset(x, 0, p->size);
		p->n_live++;
		return x;
	}
	if ((size_t)(p->end - p->cur) < p->size) {
		size_t sz = p->next_chunk ? p->next_chunk : POOL_CHUNK_MIN;
		if (p->n_chunks == p->cap_chunks) {
			size_t cap = p->cap_chunks ? 2 * p->cap_chunks : 16;
			struct pool_chunk *c = realloc(p->chunks, cap * sizeof(*c));
			if (!c)
				return NULL;
			p->chunks = c;
			p->cap_chunks = cap;
		}
		uint8_t *c = pg_fresh_alloc(sz); /* zeroed */
		if (!c)
			return NULL;
		p->chunks[p->n_chunks++] = (struct pool_chunk){c, sz};
		p->bytes += sz;
		p->cur = p->pop = c;
		p->end = c + sz;
		p->next_chunk = (uint32_t)(sz < POOL_CHUNK_MAX ? 2 * sz : sz);
	}
	if (__builtin_expect(p->cur + p->size > p->pop, 0)) {
		size_t n = PG_MIN((size_t)POOL_POPULATE, (size_t)(p->end - p->pop));
		pg_fresh_populate(p->pop, n);
		p->pop += n;
	}
	x = p->cur;
	p->cur += p->size;
	p->n_live++;
	return x; /* never used: still zero */
}

/* Bytes of the objects in use. */
static uint64_t pool_used_bytes(const struct pool *p)
{
	return p->n_live * p->size;
}

static void pool_free(struct pool *p, void *x)
{
	if (!x)
		return;
	*(void **)x = p->free;
	p->free = x;
	p->n_live--;
}

static void pool_fini(struct pool *p)
{
	for (size_t i = 0; i < p->n_chunks; i++)
		pg_fresh_free(p->chunks[i].p, p->chunks[i].size);
	free(p->chunks);
	uint32_t size = p->size;
	memset(p, 0, sizeof(*p));
	p->size = size;
}

static void rib_fib_sync(struct rib_dest *d);
static const struct rib_fib_ops *fib_ops;

/* EVPN route types the RIB keeps (1 and 4 need multihoming, which Peregrine does not do). */
static bool evpn_type_kept(uint8_t type)
{
	return type == BGP_EVPN_MAC_IP || type == BGP_EVPN_IMET || type == BGP_EVPN_PREFIX;
}

/*
 * EVPN import: a type-5 route (or a type-2 MAC/IP with an L3 label) whose route targets match an
 * L3VNI becomes a candidate for that prefix (/32, /128 for type-2) in the L3VNI's VRF. The VRF
 * prefix's best candidates (ECMP across VTEPs) go to the fast path as VXLAN next hops. A candidate
 * copies what it needs (attributes by reference count, VNI, peer), so it never points into a path.
 *
 * L2VNIs import the same way into three more kinds of destination: a type-2 route's MAC in the
 * L2VNI's bridge domain (the best candidate, highest MAC mobility sequence first, becomes the FDB
 * entry towards its VTEP), its IPv4 address if it has one (the ARP cache that answers ARP requests
 * for it locally) and a type-3 route's VTEP in the bridge domain's flood list.
 */
struct vrf_dest;
struct imp {
	struct imp *next_vrf; /* in vrf_dest.cands */
	struct imp *next_src; /* in rib_dest.imports */
	struct vrf_dest *vd;
	struct rib_dest *src;
	struct rib_attr *attr;
	const struct bgp_peer *peer;
	uint32_t vni;
	uint8_t flags; /* RP_STALE, RP_BEST, RP_MULTI */
};

enum vd_kind {
	VD_ROUTE, /* prefix in VRF vrf */
	VD_MAC,	  /* MAC (in prefix.ip.v6[0..6), family 0, len 48) in bridge domain vrf */
	VD_FLOOD, /* VTEP (prefix, /32) in the flood list of bridge domain vrf */
	VD_ARP,	  /* host (prefix, /32 or /128) of a type-2 MAC/IP in bridge domain vrf: ARP/ND
		   * cache */
};
struct vrf_dest {
	struct hnode h;
	struct imp *cands; /* best first after a decision */
	uint32_t fib_sig;
	uint16_t vrf;
	uint8_t flags; /* RD_DIRTY, VD_ORIGINATED */
	uint8_t kind;  /* enum vd_kind */
	struct pg_prefix prefix;
};

/* A VD_ROUTE whose best is a host session's route: we announce it as our type-5. */
#define VD_ORIGINATED 0x80
/* A VD_ROUTE with a best route, counted for the VRF's aggregates (out_agg_route). */
#define VD_AGG 0x40

#define DEST_POOLS ((offsetof(struct rib_dest, key) + RIB_KEY_MAX + 7) / 8 + 1)

static struct {
	bool ready;
	struct pool dest_pool[DEST_POOLS]; /* [i]: destinations of 8 * i bytes */
	struct pool path_pool, imp_pool, vdest_pool;
	const struct bgp_conf *conf; /* the speaker's copy (bgp_session.c) */
	unsigned max_paths;	     /* multipath set size, 1..RIB_MAX_PATHS */
	struct htab vrf_dests;
	bool vrf_dests_sized; /* vdest_get: reserved for the first VRF IPv4 route */
	struct vrf_dest **vdirty;
	size_t n_vdirty, cap_vdirty;
	uint64_t imports;
	struct htab attrs;
	struct otab dests[BGP_AF_MAX];
	struct rib_dest **dirty;
	size_t n_dirty, cap_dirty;
	uint64_t n_paths[BGP_AF_MAX];
	uint64_t attr_bytes, dest_bytes, path_bytes;
	struct rib_stats st;
	uint8_t *abuf;	  /* scratch for canonical attribute encodings */
	unsigned n_pt_up; /* default-VRF (passthrough) host sessions up */
} rib;

static struct pool *dest_pool(unsigned klen)
{
	return &rib.dest_pool[(offsetof(struct rib_dest, key) + klen + 7) / 8];
}

static uint32_t now_s(void)
{
	return (uint32_t)(bgp_now_ms() / 1000);
}

/* ---- keys ---- */

static unsigned key_from_nlri(const struct bgp_nlri *n, uint8_t *k)
{
	unsigned len = 0;

	switch (n->af) {
	case BGP_AF_IPV4:
		k[0] = n->prefix.len;
		memcpy(k + 1, &n->prefix.ip.v4, 4);
		return 5;
	case BGP_AF_IPV6:
		k[0] = n->prefix.len;
		memcpy(k + 1, n->prefix.ip.v6, 16);
		return 17;
	case BGP_AF_EVPN: {
		const struct bgp_evpn *e = &n->evpn;
		k[len++] = e->type;
		memcpy(k + len, e->rd.b, 8);
		len += 8;
		/* RFC 7432 §7.2, 7.3, RFC 9136 §3.1: the fields that identify the route. */
		if (e->type == BGP_EVPN_MAC_IP || e->type == BGP_EVPN_IMET ||
		    e->type == BGP_EVPN_PREFIX) {
			memcpy(k + len, &e->etag, 4);
			len += 4;
		}
		if (e->type == BGP_EVPN_MAC_IP) {
			memcpy(k + len, e->mac.b, 6);
			len += 6;
		}
		if (e->type == BGP_EVPN_PREFIX)
			k[len++] = e->plen;
		k[len++] = e->ip.family == AF_INET6 ? 16 : e->ip.family == AF_INET ? 4 : 0;
		if (e->ip.family == AF_INET) {
			memcpy(k + len, &e->ip.v4, 4);
			len += 4;
		} else if (e->ip.family == AF_INET6) {
			memcpy(k + len, e->ip.v6, 16);
			len += 16;
		}
		return len;
	}
	default:
		return 0;
	}
}

static void nlri_from_key(uint8_t af, const uint8_t *k, unsigned klen, struct bgp_nlri *n)
{
	memset(n, 0, sizeof(*n));
	n->af = af;
	if (af == BGP_AF_IPV4) {
		n->prefix.len = k[0];
		n->prefix.ip.family = AF_INET;
		memcpy(&n->prefix.ip.v4, k + 1, 4);
		return;
	}
	if (af == BGP_AF_IPV6) {
		n->prefix.len = k[0];
		n->prefix.ip.family = AF_INET6;
		memcpy(n->prefix.ip.v6, k + 1, 16);
		return;
	}
	struct bgp_evpn *e = &n->evpn;
	unsigned o = 0;
	e->type = k[o++];
	memcpy(e->rd.b, k + o, 8);
	o += 8;
	if (e->type == BGP_EVPN_MAC_IP || e->type == BGP_EVPN_IMET || e->type == BGP_EVPN_PREFIX) {
		memcpy(&e->etag, k + o, 4);
		o += 4;
	}
	if (e->type == BGP_EVPN_MAC_IP) {
		memcpy(e->mac.b, k + o, 6);
		o += 6;
	}
	if (e->type == BGP_EVPN_PREFIX)
		e->plen = k[o++];
	uint8_t il = k[o++];
	if (il == 4) {
		e->ip.family = AF_INET;
		memcpy(&e->ip.v4, k + o, 4);
	} else if (il == 16) {
		e->ip.family = AF_INET6;
		memcpy(e->ip.v6, k + o, 16);
	}
	if (e->type == BGP_EVPN_PREFIX)
		e->gw.family = e->ip.family;
	(void)klen;
}

/* ---- attribute interning ---- */

void rib_attr_put(struct rib_attr *a)
{
	if (!a || --a->refcnt)
		return;
	htab_del(&rib.attrs, &a->h);
	rib.attr_bytes -= sizeof(*a) + a->len;
	free(a);
}

/* Intern the attributes of an UPDATE (next hop: NEXT_HOP for IPv4 unicast, else the MP one). */
struct rib_attr *rib_attr_get(const struct bgp_attrs *in, const struct pg_ip *nh,
			      const struct pg_ip *nh_ll)
{
	struct bgp_tx_opts canon = {.as4 = true, .ext_msg = true};
	struct bgp_attrs a = *in;
	struct bbuf b = bbuf_make(rib.abuf, ATTR_BUF_MAX);

	a.present &= ~((1ull << BGP_ATTR_MP_REACH) | (1ull << BGP_ATTR_MP_UNREACH) |
		       (1ull << BGP_ATTR_NEXT_HOP));
	bgp_attrs_write(&b, &a, &canon);
	bbuf_u8(&b, nh->family);
	bbuf_bytes(&b, nh->family == AF_INET6 ? (const void *)nh->v6 : (const void *)&nh->v4,
		   nh->family == AF_INET6 ? 16 : 4);
	if (nh_ll && nh_ll->family == AF_INET6)
		bbuf_bytes(&b, nh_ll->v6, 16);
	if (b.err)
		return NULL;
	size_t key_len = b.len;
	uint32_t h = hash_bytes(rib.abuf, key_len, 0x5eed);
	for (struct hnode *n = rib.attrs.b[h & rib.attrs.mask]; n; n = n->next) {
		struct rib_attr *x = (struct rib_attr *)n;
		if (n->hash == h && x->key_len == key_len &&
		    memcmp(x->data, rib.abuf, key_len) == 0) {
			x->refcnt++;
			return x;
		}
	}
	size_t var = (size_t)in->aspath_len + 4u * in->n_communities + 8u * in->n_ext_communities +
		     12u * in->n_large_communities + 4u * in->n_cluster_list;
	if (key_len + var > 0xffff)
		return NULL;
	struct rib_attr *x = calloc(1, sizeof(*x) + key_len + var);
	if (!x)
		return NULL;
	x->h.hash = h;
	x->refcnt = 1;
	x->key_len = (uint16_t)key_len;
	memcpy(x->data, rib.abuf, key_len);
	size_t o = key_len;
#define COPY(ptr, bytes, off_field)                   \
	do {                                          \
		size_t b_ = (bytes);                  \
		x->off_field = (uint16_t)o;           \
		if (b_)                               \
			memcpy(x->data + o, ptr, b_); \
		o += b_;                              \
	} while (0)
	COPY(in->aspath, in->aspath_len, aspath_off);
	COPY(in->communities, 4u * in->n_communities, comm_off);
	COPY(in->ext_communities, 8u * in->n_ext_communities, ext_off);
	COPY(in->large_communities, 12u * in->n_large_communities, large_off);
	COPY(in->cluster_list, 4u * in->n_cluster_list, cluster_off);
#undef COPY
	x->len = (uint16_t)o;
	x->aspath_len = in->aspath_len;
	x->n_comm = in->n_communities;
	x->n_ext = in->n_ext_communities;
	x->n_large = in->n_large_communities;
	x->origin = in->origin;
	x->has_med = bgp_attr_has(in, BGP_ATTR_MED);
	x->med = x->has_med ? in->med : 0;
	x->has_local_pref = bgp_attr_has(in, BGP_ATTR_LOCAL_PREF);
	x->local_pref = x->has_local_pref ? in->local_pref : 100;
	x->aspath_hops = (uint16_t)bgp_aspath_length(in->aspath, in->aspath_len);
	x->neighbor_as = bgp_aspath_first(in->aspath, in->aspath_len);
	x->originator_id = bgp_attr_has(in, BGP_ATTR_ORIGINATOR_ID) ? in->originator_id : 0;
	x->cluster_len = in->n_cluster_list;
	x->nexthop = *nh;
	if (nh_ll)
		x->nexthop_ll = *nh_ll;
	for (unsigned i = 0; i < x->n_ext; i++) {
		const uint8_t *ec = x->data + x->ext_off + 8 * i;
		if (ec[0] == 0x06 && ec[1] == 0x03) { /* RFC 9135 router's MAC */
			x->has_rmac = true;
			memcpy(x->rmac.b, ec + 2, 6);
		}
	}
	htab_add(&rib.attrs, &x->h);
	rib.attr_bytes += sizeof(*x) + x->len;
	return x;
}

/* ---- destinations ---- */

static struct rib_dest *dest_find(enum bgp_af af, const uint8_t *k, unsigned klen, uint32_t h)
{
	const struct otab *t = &rib.dests[af];

	for (size_t i = otab_home(t, h);; i = (i + 1) & t->mask) {
		struct rib_dest *d = t->s[i].p;
		if (!d)
			return NULL;
		if (t->s[i].hash == h && d->klen == klen && memcmp(d->key, k, klen) == 0)
			return d;
	}
}

static void dest_dirty(struct rib_dest *d)
{
	if (d->flags & RD_DIRTY)
		return;
	if (rib.n_dirty == rib.cap_dirty) {
		size_t cap = rib.cap_dirty ? rib.cap_dirty * 2 : 4096;
		struct rib_dest **q = realloc(rib.dirty, cap * sizeof(*q));
		if (!q)
			return; /* decided at the next change; logged by the caller's counters */
		rib.dirty = q;
		rib.cap_dirty = cap;
	}
	d->flags |= RD_DIRTY;
	rib.dirty[rib.n_dirty++] = d;
}

static void path_free(struct rib_dest *d, struct rib_path *p)
{
	rib_attr_put(p->attr);
	rib.n_paths[d->af]--;
	rib.path_bytes -= sizeof(*p);
	pool_free(&rib.path_pool, p);
}

/* Add or replace peer's path to n. */
/* A destination key and its hash, computed once (walk_set hashes a group of NLRIs ahead). */
struct nkey {
	uint8_t k[RIB_KEY_MAX];
	unsigned klen;
	uint32_t h;
};

/*
 * Unicast routes of a peer in a VRF (a host session) are destinations of their own: the key is
 * the default VRF's with the VRF index appended (7 bytes for IPv4, 19 for IPv6), so the prefix
 * reads the same and no VRF route meets a default-VRF one.
 */
static void nkey_make(const struct bgp_peer *peer, const struct bgp_nlri *n, struct nkey *nk)
{
	nk->klen = key_from_nlri(n, nk->k);
	if (peer && peer->conf.vrf && n->af != BGP_AF_EVPN) {
		nk->k[nk->klen++] = (uint8_t)(peer->conf.vrf >> 8);
		nk->k[nk->klen++] = (uint8_t)peer->conf.vrf;
	}
	nk->h = hash_bytes(nk->k, nk->klen, n->af);
}

/* The VRF of a unicast destination (0: the default VRF; EVPN destinations have none). */
static uint16_t dest_vrf(const struct rib_dest *d)
{
	if ((d->af == BGP_AF_IPV4 && d->klen == 7) || (d->af == BGP_AF_IPV6 && d->klen == 19))
		return (uint16_t)(d->key[d->klen - 2] << 8 | d->key[d->klen - 1]);
	return 0;
}

static void path_set(struct bgp_peer *peer, const struct bgp_nlri *n, const struct nkey *nk,
		     struct rib_attr *a, uint32_t now);

void rib_path_set(struct bgp_peer *peer, const struct bgp_nlri *n, struct rib_attr *a)
{
	struct nkey nk;

	nkey_make(peer, n, &nk);
	path_set(peer, n, &nk, a, now_s());
}

/* A unicast family's destination table gets room for as many as the FIB takes
 * (bgp_conf.expect_routes*), so that a full table does not rehash itself a dozen times on the
 * way (that was ~5% of a 100k-route feed: every destination moved once per doubling): at start
 * for the families configured peers negotiate (rib_presize, idle: on huge pages), else at the
 * family's first route (4 KiB pages). */
static void dests_presize(enum bgp_af af, bool idle)
{
	unsigned n = af == BGP_AF_IPV4	 ? rib.conf->expect_routes4
		     : af == BGP_AF_IPV6 ? rib.conf->expect_routes6
					 : 0;

	if (n)
		otab_reserve(&rib.dests[af], n, idle); /* on failure it grows as it goes */
}

/* At start: the destination tables of the unicast families some peer negotiates (af_mask) are
 * sized now, while the daemon is idle, rather than at their first route: 16 bytes a slot at a
 * load of at most 3/4 (4 MiB for maxRoutes4 110,592, 32 MiB for 1,048,576), faulted in (~1 ms of
 * a 100k-route feed when that happened at its first route) and on huge pages (each lookup of a
 * new prefix is a random access: a TLB miss per route on 4 KiB pages). */
void rib_presize(uint32_t af_mask)
{
	if (af_mask & BGP_AF_BIT(BGP_AF_IPV4))
		dests_presize(BGP_AF_IPV4, true);
	if (af_mask & BGP_AF_BIT(BGP_AF_IPV6))
		dests_presize(BGP_AF_IPV6, true);
}

static void path_set(struct bgp_peer *peer, const struct bgp_nlri *n, const struct nkey *nk,
		     struct rib_attr *a, uint32_t now)
{
	const uint8_t *k = nk->k;
	unsigned klen = nk->klen;
	enum bgp_af af = n->af;
	uint32_t h = nk->h;
	struct rib_dest *d = dest_find(af, k, klen, h);
	struct rib_path *p;

	if (!d) {
		if (__builtin_expect(rib.dests[af].n == 0, 0))
			dests_presize(af, false);
		d = pool_alloc(dest_pool(klen));
		if (!d)
			return;
		d->hash = h;
		d->af = (uint8_t)af;
		d->klen = (uint8_t)klen;
		memcpy(d->key, k, klen);
		if (otab_add(&rib.dests[af], h, d) < 0) {
			pool_free(dest_pool(klen), d);
			return;
		}
		rib.dest_bytes += sizeof(*d) + klen;
	}
	for (p = d->paths; p; p = p->next)
		if (p->peer == peer)
			break;
	if (!p) {
		p = pool_alloc(&rib.path_pool);
		if (!p) {
			dest_dirty(d); /* an empty destination is freed by the decision */
			return;
		}
		p->peer = peer;
		p->next = d->paths;
		d->paths = p;
		rib.n_paths[af]++;
		rib.path_bytes += sizeof(*p);
		if (peer)
			peer->rib_prefixes[af]++;
	} else {
		rib_attr_put(p->attr);
	}
	a->refcnt++;
	p->attr = a;
	p->flags &= (uint8_t)~RP_STALE;
	p->changed_s = now;
	if (af == BGP_AF_EVPN) {
		p->n_labels = n->evpn.n_labels;
		p->label[0] = n->evpn.label[0];
		p->label[1] = n->evpn.label[1];
	}
	dest_dirty(d);
}

static void path_unset(struct bgp_peer *peer, const struct bgp_nlri *n, const struct nkey *nk);

void rib_path_unset(struct bgp_peer *peer, const struct bgp_nlri *n)
{
	struct nkey nk;

	nkey_make(peer, n, &nk);
	path_unset(peer, n, &nk);
}

static void path_unset(struct bgp_peer *peer, const struct bgp_nlri *n, const struct nkey *nk)
{
	struct rib_dest *d = dest_find(n->af, nk->k, nk->klen, nk->h);

	if (!d)
		return;
	for (struct rib_path **pp = &d->paths; *pp; pp = &(*pp)->next) {
		if ((*pp)->peer != peer)
			continue;
		struct rib_path *p = *pp;
		*pp = p->next;
		if (peer)
			peer->rib_prefixes[d->af]--;
		path_free(d, p);
		dest_dirty(d);
		return;
	}
}

/* ---- decision process ---- */

/* What the decision process looks at: a path of the RIB, or an EVPN path imported into a VRF. */
struct cand {
	const struct rib_attr *attr;
	const struct bgp_peer *peer; /* NULL: originated by us */
	uint8_t flags;
};

static bool cand_ebgp(const struct cand *c)
{
	return c->peer && c->peer->ebgp;
}

static uint32_t cand_router_id(const struct cand *c)
{
	if (c->attr->originator_id)
		return ntohl(c->attr->originator_id);
	return c->peer ? ntohl(c->peer->open_rcvd.bgp_id) : 0;
}

/*
 * Compare two candidates: < 0 when a is better. stage returns how far the comparison went:
 * candidates equal up to (and including) the IGP-cost step are multipath candidates (RFC 4271
 * §9.1.2.2 with the usual additions: local preference, AS path length, origin, MED among paths
 * from the same neighbour AS, eBGP over iBGP, IGP cost, then the tie-breakers).
 */
enum { CMP_MULTIPATH = 1, CMP_TIEBREAK = 2 };
static int cand_cmp(const struct cand *a, const struct cand *b, int *stage)
{
	const struct rib_attr *x = a->attr, *y = b->attr;

	*stage = 0;
	/* Stale paths (graceful restart) lose against fresh ones. */
	if ((a->flags ^ b->flags) & RP_STALE)
		return (a->flags & RP_STALE) ? 1 : -1;
	if (x->local_pref != y->local_pref)
		return x->local_pref > y->local_pref ? -1 : 1;
	if (x->aspath_hops != y->aspath_hops)
		return x->aspath_hops < y->aspath_hops ? -1 : 1;
	if (x->origin != y->origin)
		return x->origin < y->origin ? -1 : 1;
	if (x->neighbor_as == y->neighbor_as && x->med != y->med)
		return x->med < y->med ? -1 : 1;
	if (cand_ebgp(a) != cand_ebgp(b))
		return cand_ebgp(a) ? -1 : 1;
	/* IGP cost to the next hop: every resolvable next hop costs the same here. */
	*stage = CMP_MULTIPATH;
	/* eBGP multipath only across the same neighbouring AS (as FRR without multipath-relax). */
	if (cand_ebgp(a) && x->neighbor_as != y->neighbor_as)
		*stage = CMP_TIEBREAK;
	uint32_t ia = cand_router_id(a), ib = cand_router_id(b);
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if (x->cluster_len != y->cluster_len)
		return x->cluster_len < y->cluster_len ? -1 : 1;
	if (a->peer && b->peer) {
		const struct pg_ip *pa = &a->peer->conf.addr, *pb = &b->peer->conf.addr;
		int c = memcmp(pa->family == AF_INET ? (const void *)&pa->v4 : (const void *)pa->v6,
			       pb->family == AF_INET ? (const void *)&pb->v4 : (const void *)pb->v6,
			       pa->family == AF_INET ? 4 : 16);
		if (c)
			return c;
	}
	if (!a->peer != !b->peer)
		return a->peer ? 1 : -1; /* locally originated first */
	/* Same source (EVPN routes of one peer under different RDs): the lower next hop. */
	return memcmp(&x->nexthop, &y->nexthop, sizeof(x->nexthop));
}

static int path_cmp(const struct rib_path *a, const struct rib_path *b, int *stage)
{
	struct cand x = {a->attr, a->peer, a->flags}, y = {b->attr, b->peer, b->flags};
	return cand_cmp(&x, &y, stage);
}

/* Sort the paths best first (insertion sort: a handful of paths per destination) and mark the
 * best one and the multipath set. */
static void decide(struct rib_dest *d)
{
	struct rib_path *sorted = NULL;

	for (struct rib_path *p = d->paths, *next; p; p = next) {
		struct rib_path **pp = &sorted;
		int stage;
		next = p->next;
		while (*pp && path_cmp(*pp, p, &stage) <= 0)
			pp = &(*pp)->next;
		p->next = *pp;
		*pp = p;
	}
	d->paths = sorted;
	for (struct rib_path *p = sorted; p; p = p->next) {
		int stage = 0;
		p->flags &= (uint8_t) ~(RP_BEST | RP_MULTI);
		if (p == sorted) {
			p->flags |= RP_BEST | RP_MULTI;
			continue;
		}
		path_cmp(sorted, p, &stage);
		if (stage == CMP_MULTIPATH)
			p->flags |= RP_MULTI;
	}
	rib.st.decisions++;
}

/* ---- EVPN import into VRFs ---- */

static void vdest_dirty(struct vrf_dest *vd)
{
	if (vd->flags & RD_DIRTY)
		return;
	if (rib.n_vdirty == rib.cap_vdirty) {
		size_t cap = rib.cap_vdirty ? rib.cap_vdirty * 2 : 1024;
		struct vrf_dest **q = realloc(rib.vdirty, cap * sizeof(*q));
		if (!q)
			return;
		rib.vdirty = q;
		rib.cap_vdirty = cap;
	}
	vd->flags |= RD_DIRTY;
	rib.vdirty[rib.n_vdirty++] = vd;
}

/* The significant bytes of a destination's address: IPv4, IPv6 or a MAC (family 0). */
static unsigned vd_addr_len(const struct pg_prefix *p)
{
	return p->ip.family == AF_INET ? 4 : p->ip.family == AF_INET6 ? 16 : 6;
}

static const void *vd_addr(const struct pg_prefix *p)
{
	return p->ip.family == AF_INET ? (const void *)&p->ip.v4 : (const void *)p->ip.v6;
}

static uint32_t vdest_hash(uint8_t kind, uint16_t vrf, const struct pg_prefix *p)
{
	uint8_t k[20];
	k[0] = (uint8_t)vrf;
	k[1] = (uint8_t)(vrf >> 8);
	k[2] = p->len;
	k[3] = kind;
	memcpy(k + 4, vd_addr(p), vd_addr_len(p));
	return hash_bytes(k, 4 + vd_addr_len(p), 0x7f);
}

static struct vrf_dest *vdest_get(uint8_t kind, uint16_t vrf, const struct pg_prefix *p)
{
	uint32_t h = vdest_hash(kind, vrf, p);

	for (struct hnode *n = rib.vrf_dests.b[h & rib.vrf_dests.mask]; n; n = n->next) {
		struct vrf_dest *vd = (struct vrf_dest *)n;
		if (n->hash == h && vd->kind == kind && vd->vrf == vrf &&
		    vd->prefix.len == p->len && vd->prefix.ip.family == p->ip.family &&
		    memcmp(vd_addr(&vd->prefix), vd_addr(p), vd_addr_len(p)) == 0)
			return vd;
	}
	/* The first IPv4 prefix imported into a VRF: room for maxRoutes4 of them (a VRF may hold
	 * that many), 8 bytes a bucket, instead of doubling there from 1024 buckets (each doubling
	 * visits every VRF destination: ~10% of a 100k-route type-5 feed). */
	if (__builtin_expect(!rib.vrf_dests_sized, 0) && p->ip.family == AF_INET) {
		rib.vrf_dests_sized = true;
		htab_reserve(&rib.vrf_dests, rib.conf ? rib.conf->expect_routes4 : 0);
	}
	struct vrf_dest *vd = pool_alloc(&rib.vdest_pool);
	if (!vd)
		return NULL;
	vd->h.hash = h;
	vd->kind = kind;
	vd->vrf = vrf;
	vd->prefix = *p;
	htab_add(&rib.vrf_dests, &vd->h);
	return vd;
}

/* Does a route target of a match VNI vni with import RTs import_rt[n_import]? With explicit
 * import RTs, one of them must be there. Otherwise auto-derived RTs are ASN:VNI, and from an eBGP
 * peer any ASN matches (the "*:VNI" rule FRR applies, as every leaf has its own AS). */
static bool rt_match(const struct rib_attr *a, const struct bgp_peer *peer, uint32_t vni,
		     unsigned n_import, const uint64_t *import_rt)
{
	for (unsigned i = 0; i < a->n_ext; i++) {
		const uint8_t *b = a->data + a->ext_off + 8 * i;
		uint64_t ec = 0;
		for (unsigned k = 0; k < 8; k++)
			ec = ec << 8 | b[k];
		if (!bgp_ec_is_rt(ec))
			continue;
		if (n_import) {
			for (unsigned k = 0; k < n_import; k++)
				if (import_rt[k] == ec)
					return true;
			continue;
		}
		if (bgp_ec_rt_local(ec) != vni)
			continue;
		if (peer && peer->ebgp)
			return true;
		uint64_t t = ec & BGP_EC_TYPE_MASK;
		uint32_t as = t == BGP_EC_RT_AS2   ? (uint32_t)(ec >> 32) & 0xffff
			      : t == BGP_EC_RT_AS4 ? (uint32_t)(ec >> 16)
						   : 0;
		if (as == rib.conf->asn)
			return true;
	}
	return false;
}

static void imports_drop(struct rib_dest *d)
{
	while (d->imports) {
		struct imp *c = d->imports;
		d->imports = c->next_src;
		for (struct imp **pp = &c->vd->cands; *pp; pp = &(*pp)->next_vrf)
			if (*pp == c) {
				*pp = c->next_vrf;
				break;
			}
		vdest_dirty(c->vd);
		rib_attr_put(c->attr);
		pool_free(&rib.imp_pool, c);
		rib.imports--;
	}
}

/* Make best (of EVPN destination d) a candidate for vd. */
static void import_add(struct rib_dest *d, struct rib_path *best, struct vrf_dest *vd, uint32_t vni)
{
	struct imp *c = vd ? pool_alloc(&rib.imp_pool) : NULL;

	if (!c)
		return;
	c->vd = vd;
	c->src = d;
	c->attr = best->attr;
	c->attr->refcnt++;
	c->peer = best->peer;
	c->vni = vni;
	c->flags = best->flags & RP_STALE;
	c->next_vrf = vd->cands;
	vd->cands = c;
	c->next_src = d->imports;
	d->imports = c;
	vdest_dirty(vd);
	rib.imports++;
}

/* Type-2 MACs and type-3 flood list entries into the bridge domains of matching L2VNIs. */
static void import_l2(struct rib_dest *d, struct rib_path *best, const struct bgp_nlri *n)
{
	struct pg_prefix key = {0};

	if (n->evpn.type == BGP_EVPN_MAC_IP) {
		memcpy(key.ip.v6, n->evpn.mac.b, 6);
		key.len = 48;
	} else if (n->evpn.type == BGP_EVPN_IMET) {
		key.ip = best->attr->nexthop;
		key.len = 32;
	} else {
		return;
	}
	if (best->attr->nexthop.family != AF_INET) {
		rib.st.import_unusable++; /* VXLAN needs an IPv4 VTEP */
		return;
	}
	for (unsigned i = 0; i < rib.conf->n_l2vnis; i++) {
		const struct bgp_l2vni *l = &rib.conf->l2vnis[i];
		if (!rt_match(best->attr, best->peer, l->vni, l->n_import, l->import_rt))
			continue;
		import_add(
		    d, best,
		    vdest_get(n->evpn.type == BGP_EVPN_IMET ? VD_FLOOD : VD_MAC, l->bd, &key),
		    l->vni);
		if (n->evpn.type == BGP_EVPN_MAC_IP && n->evpn.ip.family) {
			struct pg_prefix host = {.ip = n->evpn.ip,
						 .len = n->evpn.ip.family == AF_INET ? 32 : 128};
			import_add(d, best, vdest_get(VD_ARP, l->bd, &host), l->vni);
		}
	}
}

/* Re-import an EVPN destination's best path after a decision. */
static void import_sync(struct rib_dest *d)
{
	struct rib_path *best = d->paths;
	struct bgp_nlri n;
	struct pg_prefix pfx;
	uint32_t vni;

	imports_drop(d);
	if (!best || !(best->flags & RP_BEST) || !best->peer)
		return;
	nlri_from_key(d->af, d->key, d->klen, &n);
	import_l2(d, best, &n);
	if (n.evpn.type == BGP_EVPN_PREFIX && best->n_labels >= 1) {
		pfx.ip = n.evpn.ip;
		pfx.len = n.evpn.plen;
		vni = best->label[0];
	} else if (n.evpn.type == BGP_EVPN_MAC_IP && n.evpn.ip.family && best->n_labels == 2) {
		/* Symmetric IRB host route (RFC 9135): label 2 is the L3VNI. */
		pfx.ip = n.evpn.ip;
		pfx.len = n.evpn.ip.family == AF_INET ? 32 : 128;
		vni = best->label[1];
	} else {
		return;
	}
	/* VXLAN needs an IPv4 VTEP and the remote router MAC for the inner Ethernet header. */
	if (!best->attr->has_rmac || best->attr->nexthop.family != AF_INET || !vni) {
		rib.st.import_unusable++;
		return;
	}
	for (unsigned i = 0; i < rib.conf->n_l3vnis; i++) {
		const struct bgp_l3vni *l = &rib.conf->l3vnis[i];
		if (rt_match(best->attr, best->peer, l->vni, l->n_import, l->import_rt))
			import_add(d, best, vdest_get(VD_ROUTE, l->vrf, &pfx), vni);
	}
}

/*
 * A host session's routes (destinations of a VRF, dest_vrf() != 0): the best path is a
 * candidate (VNI 0) for the prefix in that VRF, next to the EVPN imports, so one decision per
 * VRF prefix picks between the host and the fabric.
 */
static void host_import_sync(struct rib_dest *d)
{
	struct rib_path *best = d->paths;
	struct bgp_nlri n;
	struct pg_prefix pfx;

	imports_drop(d);
	if (!best || !(best->flags & RP_BEST) || !best->peer)
		return;
	nlri_from_key(d->af, d->key, d->klen, &n);
	pfx = n.prefix;
	import_add(d, best, vdest_get(VD_ROUTE, dest_vrf(d), &pfx), 0);
}

/* Where a path's packets go: a host session's routes to the host (the session's host-side
 * address: Calico's BIRD gives its node address as next hop, which is not on the link), others
 * to their BGP next hop. */
static const struct pg_ip *path_nexthop(const struct bgp_peer *peer, const struct rib_attr *a)
{
	return peer && peer->conf.any_source ? &peer->conf.addr : &a->nexthop;
}

/* The MAC mobility extended community (RFC 7432 §7.7): sequence number, sticky flag. */
static uint32_t attr_mac_seq(const struct rib_attr *a, bool *sticky)
{
	*sticky = false;
	for (unsigned i = 0; i < a->n_ext; i++) {
		const uint8_t *b = a->data + a->ext_off + 8 * i;
		if (b[0] == 0x06 && b[1] == 0x00) {
			*sticky = b[2] & 1;
			return (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 |
			       b[7];
		}
	}
	return 0;
}

/* cand_cmp() for vd's candidates: a MAC goes where its highest mobility sequence says first. */
static int vd_cand_cmp(const struct vrf_dest *vd, const struct imp *a, const struct imp *b,
		       int *stage)
{
	if (vd->kind == VD_MAC) {
		bool sa, sb;
		uint32_t qa = attr_mac_seq(a->attr, &sa), qb = attr_mac_seq(b->attr, &sb);
		if (sa != sb || qa != qb) {
			*stage = 0;
			return sa != sb ? (sa ? -1 : 1) : qa > qb ? -1 : 1;
		}
	}
	struct cand x = {a->attr, a->peer, a->flags}, y = {b->attr, b->peer, b->flags};
	return cand_cmp(&x, &y, stage);
}

static void vdest_decide(struct vrf_dest *vd)
{
	struct imp *sorted = NULL;

	for (struct imp *c = vd->cands, *next; c; c = next) {
		struct imp **pp = &sorted;
		int stage;
		next = c->next_vrf;
		while (*pp) {
			if (vd_cand_cmp(vd, *pp, c, &stage) > 0)
				break;
			pp = &(*pp)->next_vrf;
		}
		c->next_vrf = *pp;
		*pp = c;
	}
	vd->cands = sorted;
	for (struct imp *c = sorted; c; c = c->next_vrf) {
		int stage = 0;
		c->flags &= (uint8_t) ~(RP_BEST | RP_MULTI);
		if (c == sorted) {
			c->flags |= RP_BEST | RP_MULTI;
			continue;
		}
		vd_cand_cmp(vd, sorted, c, &stage);
		if (stage == CMP_MULTIPATH)
			c->flags |= RP_MULTI;
	}
}

/* A bridge domain's MAC or flood list entry: the best candidate's VTEP, or none. */
static void vdest_l2_sync(struct vrf_dest *vd)
{
	const struct imp *best = vd->cands && (vd->cands->flags & RP_BEST) ? vd->cands : NULL;
	bool sticky = false;
	uint32_t seq = 0, sig = 0;
	int rc;

	if (!fib_ops || !fib_ops->l2_mac_set)
		return;
	if (vd->kind == VD_ARP) {
		struct bgp_nlri n;
		if (best)
			nlri_from_key(best->src->af, best->src->key, best->src->klen, &n);
		sig = best ? hash_bytes(n.evpn.mac.b, 6, 0) | 1 : 0;
		if (sig == vd->fib_sig)
			return;
		rc = fib_ops->l2_arp_set(vd->vrf, &vd->prefix.ip, best ? &n.evpn.mac : NULL);
		vd->fib_sig = rc == 0 ? sig : 0;
		return;
	}
	if (best) {
		seq = attr_mac_seq(best->attr, &sticky);
		sig = hash_bytes(&best->attr->nexthop, sizeof(best->attr->nexthop),
				 (uint64_t)seq << 1 | sticky) |
		      1;
	}
	if (sig == vd->fib_sig)
		return;
	if (vd->kind == VD_MAC) {
		struct pg_mac mac;
		memcpy(mac.b, vd->prefix.ip.v6, 6);
		rc = best ? fib_ops->l2_mac_set(vd->vrf, &mac, &best->attr->nexthop, seq, sticky)
			  : fib_ops->l2_mac_del(vd->vrf, &mac);
	} else {
		rc = fib_ops->l2_flood_set(vd->vrf, &vd->prefix.ip, best != NULL);
	}
	if (rc < 0 && best)
		rib.st.fib_install_failed++;
	else if (best)
		rib.st.fib_installed++;
	vd->fib_sig = rc == 0 ? sig : 0;
}

static void vdest_fib_sync(struct vrf_dest *vd)
{
	struct rib_nh nhs[RIB_MAX_PATHS];
	unsigned n = 0;
	uint32_t sig = 0;

	if (vd->kind != VD_ROUTE) {
		vdest_l2_sync(vd);
		return;
	}
	if (!fib_ops)
		return;
	for (struct imp *c = vd->cands; c && n < rib.max_paths; c = c->next_vrf) {
		if (!(c->flags & RP_MULTI))
			break;
		memset(&nhs[n], 0, sizeof(nhs[n]));
		if (c->vni == 0) { /* a host session's route */
			nhs[n].kind = RIB_NH_VIA;
			nhs[n].addr = *path_nexthop(c->peer, c->attr);
		} else {
			nhs[n].kind = RIB_NH_VXLAN;
			nhs[n].addr = c->attr->nexthop;
			nhs[n].vni = c->vni;
			nhs[n].rmac = c->attr->rmac;
		}
		sig = hash_bytes(&nhs[n], sizeof(nhs[n]), sig + 1);
		n++;
	}
	if (n && !sig)
		sig = 1;
	if (sig == vd->fib_sig)
		return;
	if (n) {
		if (fib_ops->route_set(vd->vrf, &vd->prefix, nhs, n) == 0) {
			vd->fib_sig = sig;
			rib.st.fib_installed++;
		} else {
			rib.st.fib_install_failed++;
			if (vd->fib_sig && fib_ops->route_del(vd->vrf, &vd->prefix) == 0)
				vd->fib_sig = 0;
		}
	} else {
		fib_ops->route_del(vd->vrf, &vd->prefix);
		vd->fib_sig = 0;
	}
}

/* The L3VNI of VRF vrf, 0 if it has none. */
static uint32_t vrf_l3vni(uint16_t vrf)
{
	for (unsigned i = 0; i < rib.conf->n_l3vnis; i++)
		if (rib.conf->l3vnis[i].vrf == vrf)
			return rib.conf->l3vnis[i].vni;
	return 0;
}

/*
 * What a VRF prefix's decision means for what we announce: a host session's route that won is
 * our type-5 towards the fabric (next hop our VTEP), and whatever won (host or fabric) goes to
 * the VRF's host sessions as plain unicast with us as next hop, except to the host it came from.
 */
static void vdest_announce(struct vrf_dest *vd)
{
	const struct imp *best = vd->cands && (vd->cands->flags & RP_BEST) ? vd->cands : NULL;
	bool host = best && best->vni == 0 && best->peer;
	uint32_t vni = vrf_l3vni(vd->vrf);

	if (vd->kind != VD_ROUTE)
		return;
	if (rib.conf->n_aggregates && !best != !(vd->flags & VD_AGG)) {
		vd->flags ^= VD_AGG;
		out_agg_route(vd->vrf, &vd->prefix, best != NULL);
	}
	if (host && vni) { /* again when the host's attributes change (export policies) */
		if (out_originate_prefix_src(vni, &vd->prefix, best->attr) == 0)
			vd->flags |= VD_ORIGINATED;
	} else if (!host && (vd->flags & VD_ORIGINATED)) {
		bgp_withdraw_prefix(vni, &vd->prefix);
		vd->flags &= (uint8_t)~VD_ORIGINATED;
	}
	out_vrf_route(vd->vrf, &vd->prefix, best ? best->peer : NULL, best ? best->attr : NULL,
		      best != NULL);
}

/* Queue the routes of host session p's VRF for it (its session came up). */
void rib_vrf_export(struct bgp_peer *p)
{
	for (size_t b = 0; rib.vrf_dests.b && b <= rib.vrf_dests.mask; b++)
		for (struct hnode *h = rib.vrf_dests.b[b]; h; h = h->next) {
			const struct vrf_dest *vd = (const struct vrf_dest *)h;
			const struct imp *best = vd->cands;
			if (vd->kind == VD_ROUTE && vd->vrf == p->conf.vrf && best &&
			    (best->flags & RP_BEST) && best->peer != p)
				out_vrf_push(p, &vd->prefix, best->peer, best->attr);
		}
}

static void vrf_process(void)
{
	for (size_t i = 0; i < rib.n_vdirty; i++) {
		struct vrf_dest *vd = rib.vdirty[i];
		vd->flags &= (uint8_t)~RD_DIRTY;
		vdest_decide(vd);
		vdest_fib_sync(vd);
		vdest_announce(vd);
		if (!vd->cands && !vd->fib_sig) {
			htab_del(&rib.vrf_dests, &vd->h);
			pool_free(&rib.vdest_pool, vd);
		}
	}
	rib.n_vdirty = 0;
}

/* Destinations decided per rib_poll(), at most RIB_BATCH and for at most RIB_PASS_MS: bounds how
 * long one control-loop pass takes (the exception path, timers and the management socket share
 * the thread) while a big feed arrives. Each pass ends in a FIB commit (a grace period waiting
 * for every worker, and a copy of the changed entries), so passes should not be too short
 * either: 16384 took 61 commits for 1M routes, 65536 takes 16 (~30 ms each) and less CPU. */
#define RIB_BATCH   65536
#define RIB_PASS_MS 50

size_t rib_backlog(void)
{
	return rib.n_dirty;
}

/* Prefetch distances (destinations ahead): the destination, then its first path and what its
 * route will touch in the FIB. Each is a cache miss of its own in a big feed. */
#define PF_DEST 16
#define PF_NEXT 8

static void fib_prefetch(const struct rib_dest *d)
{
	struct pg_prefix p;

	if (d->af == BGP_AF_IPV4 && fib_ops && fib_ops->prefetch) {
		p.len = d->key[0];
		p.ip.family = AF_INET;
		memcpy(&p.ip.v4, d->key + 1, 4);
		fib_ops->prefetch(PG_RIB_VRF_DEFAULT, &p);
	}
}

static void rib_process(void)
{
	size_t n = PG_MIN(rib.n_dirty, (size_t)RIB_BATCH);
	uint64_t t0 = bgp_now_ms();

	for (size_t i = 0; i < n; i++) {
		struct rib_dest *d = rib.dirty[i];
		if ((i & 1023) == 1023 && bgp_now_ms() - t0 >= RIB_PASS_MS) {
			n = i; /* the rest in the next pass */
			break;
		}
		if (i + PF_DEST < n)
			__builtin_prefetch(rib.dirty[i + PF_DEST]);
		if (i + PF_NEXT < n) {
			const struct rib_dest *a = rib.dirty[i + PF_NEXT]; /* in cache by now */
			__builtin_prefetch(a->paths);
			fib_prefetch(a);
		}
		d->flags &= (uint8_t)~RD_DIRTY;
		decide(d);
		rib_fib_sync(d);
		if (d->af == BGP_AF_EVPN)
			import_sync(d);
		if (!d->paths && !d->fib_sig && !d->imports) {
			otab_del(&rib.dests[d->af], d->hash, d);
			rib.dest_bytes -= sizeof(*d) + d->klen;
			pool_free(dest_pool(d->klen), d);
		}
	}
	vrf_process();
	if (fib_ops && fib_ops->batch_end)
		fib_ops->batch_end();
	/* Destinations queued while processing (none today) go to the front. */
	memmove(rib.dirty, rib.dirty + n, (rib.n_dirty - n) * sizeof(*rib.dirty));
	rib.n_dirty -= n;
}

/* ---- the fast path ---- */

void rib_set_fib_ops(const struct rib_fib_ops *ops)
{
	fib_ops = ops;
}

/* Bring the fast path in line with d's multipath set (unicast families, default VRF). */
/*
 * OpenPERouter's L3Passthrough: the default VRF's host sessions and the fabric exchange unicast
 * routes, unencapsulated: a host's best route goes to the fabric peers, any learned best route
 * to the host sessions (not back to its own host). Next hop self, AS path of our AS. Withdrawals
 * go only where the route went (RD_TO_*).
 */
static void passthrough_sync(struct rib_dest *d)
{
	const struct rib_path *best = d->paths && (d->paths->flags & RP_BEST) ? d->paths : NULL;
	const struct bgp_peer *from = best ? best->peer : NULL;
	bool to_fabric = from && from->conf.any_source, to_hosts = from != NULL;
	struct bgp_nlri n;

	nlri_from_key(d->af, d->key, d->klen, &n);
	if (to_fabric || (d->flags & RD_TO_FABRIC))
		out_transit(&n.prefix, from, best ? best->attr : NULL, true, to_fabric);
	if (to_hosts || (d->flags & RD_TO_HOSTS))
		out_transit(&n.prefix, from, best ? best->attr : NULL, false, to_hosts);
	d->flags = (uint8_t)((d->flags & ~(RD_TO_FABRIC | RD_TO_HOSTS)) |
			     (to_fabric ? RD_TO_FABRIC : 0) | (to_hosts ? RD_TO_HOSTS : 0));
}

/* A session came up: a passthrough host session gets the default VRF's learned best routes (not
 * its own), a fabric peer what passthrough_sync() passed on from the hosts. */
static void passthrough_export(struct bgp_peer *p)
{
	bool host = p->conf.any_source;

	for (unsigned af = BGP_AF_IPV4; af <= BGP_AF_IPV6; af++) {
		const struct otab *t = &rib.dests[af];
		if (!(p->af & BGP_AF_BIT(af)))
			continue;
		for (size_t i = 0; i <= t->mask; i++) {
			struct rib_dest *d = otab_at(t, i);
			struct bgp_nlri n;
			if (!d || !d->paths || !(d->paths->flags & RP_BEST) || !d->paths->peer ||
			    d->paths->peer == p || dest_vrf(d))
				continue;
			if (host)
				d->flags |=
				    RD_TO_HOSTS; /* its withdrawal must reach the host too */
			else if (!(d->flags & RD_TO_FABRIC))
				continue;
			nlri_from_key(d->af, d->key, d->klen, &n);
			out_vrf_push(p, &n.prefix, d->paths->peer, d->paths->attr);
		}
	}
}

/* A default-VRF destination's learned best route, counted for the aggregates (RD_AGG). */
static void agg_sync(struct rib_dest *d)
{
	bool now = d->paths && (d->paths->flags & RP_BEST) && d->paths->peer;
	struct bgp_nlri n;

	if (now == !!(d->flags & RD_AGG))
		return;
	d->flags ^= RD_AGG;
	nlri_from_key(d->af, d->key, d->klen, &n);
	out_agg_route(0, &n.prefix, now);
}

static void rib_fib_sync(struct rib_dest *d)
{
	struct rib_nh nhs[RIB_MAX_PATHS];
	unsigned n = 0;
	uint32_t sig = 0;
	struct bgp_nlri nl;

	if (d->af != BGP_AF_IPV4 && d->af != BGP_AF_IPV6)
		return;
	if (dest_vrf(d)) {
		host_import_sync(d);
		return;
	}
	if (rib.n_pt_up || (d->flags & (RD_TO_FABRIC | RD_TO_HOSTS)))
		passthrough_sync(d);
	if (rib.conf->n_aggregates)
		agg_sync(d);
	if (!fib_ops)
		return;
	for (struct rib_path *p = d->paths; p && n < rib.max_paths; p = p->next) {
		if (!(p->flags & RP_MULTI))
			break;
		if (!p->attr->nexthop.family)
			continue;
		memset(&nhs[n], 0, sizeof(nhs[n]));
		nhs[n].kind = RIB_NH_VIA;
		nhs[n].addr = *path_nexthop(p->peer, p->attr);
		sig = hash_bytes(&nhs[n].addr, sizeof(nhs[n].addr), sig + 1);
		n++;
	}
	if (n && !sig)
		sig = 1;
	if (sig == d->fib_sig)
		return;
	nlri_from_key(d->af, d->key, d->klen, &nl);
	if (n) {
		if (fib_ops->route_set(PG_RIB_VRF_DEFAULT, &nl.prefix, nhs, n) == 0) {
			d->fib_sig = sig;
			rib.st.fib_installed++;
		} else {
			rib.st.fib_install_failed++;
			if (d->fib_sig && fib_ops->route_del(PG_RIB_VRF_DEFAULT, &nl.prefix) == 0)
				d->fib_sig = 0;
		}
	} else if (d->fib_sig) {
		fib_ops->route_del(PG_RIB_VRF_DEFAULT, &nl.prefix);
		d->fib_sig = 0;
	}
}

/* Decide a unicast prefix again and re-program it, whatever was installed (next-hop tracking:
 * its next hop's resolution may have changed). */
void rib_resync_prefix(const struct pg_prefix *p)
{
	struct bgp_nlri n = {.af = p->ip.family == AF_INET ? BGP_AF_IPV4 : BGP_AF_IPV6,
			     .prefix = *p};
	uint8_t k[RIB_KEY_MAX];
	unsigned klen = key_from_nlri(&n, k);
	struct rib_dest *d = rib.ready ? dest_find(n.af, k, klen, hash_bytes(k, klen, n.af)) : NULL;

	if (!d)
		return;
	d->fib_sig = 0;
	dest_dirty(d);
}

/* ---- input from peers ---- */

static void walk_unset(struct bgp_peer *p, struct bcur v, enum bgp_af af)
{
	struct bgp_nlri n;

	if (af >= BGP_AF_MAX || !(p->af & BGP_AF_BIT(af)))
		return;
	while (bgp_nlri_next(&v, af, &n, NULL) > 0) {
		p->pfx_withdrawn[af]++;
		if (af == BGP_AF_EVPN && !evpn_type_kept(n.evpn.type))
			continue;
		rib_path_unset(p, &n);
	}
}

/*
 * NLRIs go to the RIB in groups: each one's key is hashed and its hash bucket prefetched, then
 * the first destination of each bucket, then they are applied. With a million destinations
 * every bucket and destination is a cache miss; this way the misses of a group overlap instead
 * of coming one after the other.
 */
#define WALK_GROUP 16

static void walk_group(struct bgp_peer *p, struct bgp_nlri *n, struct nkey *nk, unsigned cnt,
		       struct rib_attr *a, uint32_t now)
{
	const struct otab *t = &rib.dests[n[0].af];

	for (unsigned i = 0; i < cnt; i++) {
		nkey_make(p, &n[i], &nk[i]);
		__builtin_prefetch(&t->s[otab_home(t, nk[i].h)]);
	}
	for (unsigned i = 0; i < cnt; i++) { /* the destination, when it is there already */
		const struct oslot *s = &t->s[otab_home(t, nk[i].h)];
		if (s->hash == nk[i].h)
			__builtin_prefetch(s->p);
	}
	for (unsigned i = 0; i < cnt; i++) {
		if (a)
			path_set(p, &n[i], &nk[i], a, now);
		else
			path_unset(p, &n[i], &nk[i]);
	}
}

static void walk_set(struct bgp_peer *p, struct bcur v, enum bgp_af af, struct rib_attr *a)
{
	struct bgp_nlri n[WALK_GROUP];
	struct nkey nk[WALK_GROUP];
	unsigned cnt = 0;
	uint32_t now = now_s();

	if (af >= BGP_AF_MAX || !(p->af & BGP_AF_BIT(af)))
		return;
	while (bgp_nlri_next(&v, af, &n[cnt], NULL) > 0) {
		if (a)
			p->pfx_announced[af]++;
		else
			p->pfx_withdrawn[af]++;
		if (af == BGP_AF_EVPN && !evpn_type_kept(n[cnt].evpn.type))
			continue;
		if (++cnt == WALK_GROUP) {
			walk_group(p, n, nk, cnt, a, now);
			cnt = 0;
		}
	}
	if (cnt)
		walk_group(p, n, nk, cnt, a, now);
}

/*
 * walk_set() through the peer's import policy: each NLRI is evaluated; a rejected one is
 * withdrawn (it may have been accepted before), an accepted one gets the attributes the policy
 * left: interned once per distinct outcome of the UPDATE (r.sig), the unchanged set once.
 */
#define POL_CACHE 8
static void walk_set_policy(struct bgp_peer *p, struct bcur v, enum bgp_af af,
			    const struct bgp_attrs *at, const struct pg_ip *nh,
			    const struct pg_ip *nh_ll)
{
	static struct bgp_pol_route r;
	static struct bgp_attrs m;
	struct rib_attr *plain = NULL, *cache[POL_CACHE];
	uint64_t sigs[POL_CACHE];
	unsigned nc = 0;
	struct bgp_nlri n;
	struct nkey nk;
	uint32_t now = now_s();

	if (af >= BGP_AF_MAX || !(p->af & BGP_AF_BIT(af)))
		return;
	while (bgp_nlri_next(&v, af, &n, NULL) > 0) {
		struct rib_attr *a = NULL;
		p->pfx_announced[af]++;
		if (af == BGP_AF_EVPN && !evpn_type_kept(n.evpn.type))
			continue;
		nkey_make(p, &n, &nk);
		bgp_pol_route_init(&r, &n, p->conf.remote_as ? p->conf.remote_as : 0);
		if (!r.local_as) /* prependAs on import: the peer's AS, as FRR's last-as */
			r.local_as = bgp_aspath_first(at->aspath, at->aspath_len);
		if (!r.local_as)
			r.local_as = bgp_peer_local_as(p);
		bgp_pol_route_attrs(&r, at);
		if (!bgp_policy_eval(rib.conf->policies, &p->conf.import_pol, &r)) {
			p->pol_in_rejected++;
			path_unset(p, &n, &nk);
			continue;
		}
		if (!r.modified) {
			if (!plain)
				plain = rib_attr_get(at, nh, nh_ll);
			a = plain;
		} else {
			for (unsigned i = 0; i < nc && !a; i++)
				if (sigs[i] == r.sig)
					a = cache[i];
			if (!a) {
				memcpy(&m, at, offsetof(struct bgp_attrs, aspath_buf));
				bgp_pol_route_apply(&r, &m);
				a = rib_attr_get(&m, nh, nh_ll);
				if (a && nc < POL_CACHE) {
					sigs[nc] = r.sig;
					cache[nc++] = a;
				} else if (a) {
					path_set(p, &n, &nk, a, now);
					rib_attr_put(a);
					continue;
				}
			}
		}
		if (a)
			path_set(p, &n, &nk, a, now);
		else
			path_unset(p, &n, &nk); /* out of memory: better gone than wrong */
	}
	rib_attr_put(plain);
	for (unsigned i = 0; i < nc; i++)
		rib_attr_put(cache[i]);
}

static void stale_sweep(struct bgp_peer *p, int af_only);

static bool rr_loop(const struct bgp_attrs *at)
{
	if (bgp_attr_has(at, BGP_ATTR_ORIGINATOR_ID) && at->originator_id == rib.conf->router_id)
		return true;
	if (bgp_attr_has(at, BGP_ATTR_CLUSTER_LIST))
		for (unsigned i = 0; i < at->n_cluster_list; i++)
			if (memcmp(at->cluster_list + 4 * i, &rib.conf->cluster_id, 4) == 0)
				return true;
	return false;
}

void rib_peer_update(struct bgp_peer *p, const struct bgp_update *u)
{
	const struct bgp_attrs *at = &u->attrs;
	bool withdraw = u->action == BGP_UPD_WITHDRAW;

	walk_unset(p, u->withdrawn, BGP_AF_IPV4);
	if (bgp_attr_has(at, BGP_ATTR_MP_UNREACH))
		walk_unset(p, at->mp_unreach_nlri, at->mp_unreach_af);

	bool v4 = !bcur_empty(&u->nlri);
	bool mp = bgp_attr_has(at, BGP_ATTR_MP_REACH);
	if (v4 || mp) {
		/* Our own AS in the path: a loop (RFC 4271 §9.1.2); the routes are not usable,
		 * unless the peer is allowed that many occurrences (allowas-in). */
		if (!withdraw && at->aspath_len &&
		    bgp_aspath_count(at->aspath, at->aspath_len, bgp_peer_local_as(p)) >
			p->conf.allowas_in) {
			p->rib_loops++;
			withdraw = true;
		}
		/* Route reflection loops (RFC 4456 §8): our router ID as ORIGINATOR_ID, our
		 * cluster ID in the CLUSTER_LIST. */
		if (!withdraw && !p->ebgp && rr_loop(at)) {
			p->rib_rr_loops++;
			withdraw = true;
		}
		if (v4 && !withdraw && p->conf.import_pol.n) {
			struct pg_ip nh = {.family = AF_INET, .v4 = at->nexthop};
			walk_set_policy(p, u->nlri, BGP_AF_IPV4, at, &nh, NULL);
		} else if (v4) {
			struct rib_attr *a = NULL;
			if (!withdraw) {
				struct pg_ip nh = {.family = AF_INET, .v4 = at->nexthop};
				a = rib_attr_get(at, &nh, NULL);
				if (!a)
					withdraw = true; /* out of memory: better gone than wrong */
			}
			walk_set(p, u->nlri, BGP_AF_IPV4, a);
			rib_attr_put(a);
		}
		if (mp) {
			struct rib_attr *a = NULL;
			bool self = false;
			/* An EVPN route whose next hop is our own VTEP is ours come back (through a
			 * fabric that sends it back, with allowAsIn or an iBGP reflector): it is
			 * not used, as FRR rejects a "self next-hop", or it would be imported as a
			 * tunnel to ourselves once our own route goes. */
			if (!withdraw && at->mp_reach_af == BGP_AF_EVPN && rib.conf->vtep &&
			    at->mp_nexthop.family == AF_INET &&
			    at->mp_nexthop.v4 == rib.conf->vtep) {
				p->rib_self_nh++;
				self = true;
			}
			if (!withdraw && !self && p->conf.import_pol.n) {
				walk_set_policy(p, at->mp_reach_nlri, at->mp_reach_af, at,
						&at->mp_nexthop, &at->mp_nexthop_ll);
			} else {
				if (!withdraw && !self)
					a = rib_attr_get(at, &at->mp_nexthop, &at->mp_nexthop_ll);
				walk_set(p, at->mp_reach_nlri, at->mp_reach_af, a);
				rib_attr_put(a);
			}
		}
	}
	if (u->eor && u->eor_af < BGP_AF_MAX && p->stale)
		stale_sweep(p, u->eor_af);
}

uint32_t rib_peer_prefixes(const struct bgp_peer *p, enum bgp_af af)
{
	return af < BGP_AF_MAX ? p->rib_prefixes[af] : 0;
}

/* Remove p's paths (stale ones only with stale_only) of one family (af_only >= 0) or all. */
static void peer_paths_remove(struct bgp_peer *p, int af_only, bool stale_only)
{
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		if (af_only >= 0 && af != (unsigned)af_only)
			continue;
		struct otab *t = &rib.dests[af];
		for (size_t i = 0; i <= t->mask && p->rib_prefixes[af]; i++) {
			struct rib_dest *d = otab_at(t, i);
			if (d) {
				for (struct rib_path **pp = &d->paths; *pp; pp = &(*pp)->next) {
					struct rib_path *x = *pp;
					if (x->peer != p || (stale_only && !(x->flags & RP_STALE)))
						continue;
					*pp = x->next;
					p->rib_prefixes[af]--;
					path_free(d, x);
					dest_dirty(d);
					break;
				}
			}
		}
	}
}

static void stale_sweep(struct bgp_peer *p, int af_only)
{
	peer_paths_remove(p, af_only, true);
	bool left = false;
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		if (af_only >= 0 && af != (unsigned)af_only && (p->stale_af & BGP_AF_BIT(af)))
			left = true;
	}
	if (af_only >= 0)
		p->stale_af &= ~BGP_AF_BIT(af_only);
	else
		p->stale_af = 0;
	p->stale = left && p->stale_af;
	if (!p->stale)
		p->stale_until = 0;
	LOG_INFO("bgp: peer %s: stale routes swept (%s)", bgp_peer_name(p),
		 af_only >= 0 ? bgp_af_name(af_only) : "all families");
}

void rib_peer_down(struct bgp_peer *p, bool graceful)
{
	if (p->conf.any_source && !p->conf.vrf && rib.n_pt_up)
		rib.n_pt_up--;
	out_peer_down(p);
	if (graceful && p->open_rcvd.caps.gr && p->open_rcvd.caps.gr_time) {
		/* RFC 4724 §4.2: keep the routes (and the fast path), marked stale. */
		uint32_t kept = 0;
		for (unsigned af = 0; af < BGP_AF_MAX; af++) {
			struct otab *t = &rib.dests[af];
			if (!p->rib_prefixes[af])
				continue;
			for (size_t i = 0; i <= t->mask; i++) {
				struct rib_dest *d = otab_at(t, i);
				for (struct rib_path *x = d ? d->paths : NULL; x; x = x->next)
					if (x->peer == p) {
						x->flags |= RP_STALE;
						dest_dirty(d);
					}
			}
			p->stale_af |= BGP_AF_BIT(af);
			kept += p->rib_prefixes[af];
		}
		p->stale = p->stale_af != 0;
		p->stale_until = bgp_now_ms() + (uint64_t)p->open_rcvd.caps.gr_time * 1000;
		LOG_NOTICE("bgp: peer %s: graceful restart, keeping %u routes for %us",
			   bgp_peer_name(p), kept, p->open_rcvd.caps.gr_time);
		return;
	}
	peer_paths_remove(p, -1, false);
	p->stale = false;
	p->stale_af = 0;
	p->stale_until = 0;
}

/* Peer p is deconfigured (its session is down): whatever it left, stale routes included, goes. */
void rib_peer_remove(struct bgp_peer *p)
{
	peer_paths_remove(p, -1, false);
	p->stale = false;
	p->stale_af = 0;
	p->stale_until = 0;
}

void rib_peer_up(struct bgp_peer *p)
{
	/* Back without graceful restart: what it kept is gone. */
	if (p->stale && !p->open_rcvd.caps.gr)
		stale_sweep(p, -1);
	else if (p->stale) /* families it no longer preserves */
		for (unsigned af = 0; af < BGP_AF_MAX; af++)
			if ((p->stale_af & BGP_AF_BIT(af)) &&
			    !(p->open_rcvd.caps.gr_af & BGP_AF_BIT(af)))
				stale_sweep(p, (int)af);
	out_peer_up(p);
	if (p->conf.any_source && !p->conf.vrf)
		rib.n_pt_up++;
	if (rib.n_pt_up && !(p->conf.any_source && p->conf.vrf))
		passthrough_export(p);
}

void rib_peer_refresh(struct bgp_peer *p, enum bgp_af af)
{
	out_peer_refresh(p, af);
	if (rib.n_pt_up && !(p->conf.any_source && p->conf.vrf))
		passthrough_export(p);
}

/* ---- housekeeping ---- */

void rib_poll(void)
{
	uint64_t now = 0;

	if (!rib.ready)
		return;
	for (unsigned i = 0; i < bgp_peers_n(); i++) {
		struct bgp_peer *p = bgp_peer_at(i);
		if (!p->stale || !p->stale_until)
			continue;
		if (!now)
			now = bgp_now_ms();
		if (now >= p->stale_until) {
			LOG_NOTICE("bgp: peer %s: restart time over", bgp_peer_name(p));
			stale_sweep(p, -1);
		}
	}
	if (rib.n_dirty)
		rib_process();
	out_poll();
}

int rib_init(const struct bgp_conf *conf)
{
	memset(&rib, 0, sizeof(rib));
	for (unsigned i = 0; i < DEST_POOLS; i++)
		rib.dest_pool[i].size = (uint32_t)(8 * i);
	rib.path_pool.size = sizeof(struct rib_path);
	rib.imp_pool.size = sizeof(struct imp);
	rib.vdest_pool.size = sizeof(struct vrf_dest);
	rib.conf = conf;
	rib.max_paths =
	    conf->max_paths && conf->max_paths < RIB_MAX_PATHS ? conf->max_paths : RIB_MAX_PATHS;
	rib.abuf = malloc(ATTR_BUF_MAX);
	if (!rib.abuf || htab_init(&rib.attrs, 1024) < 0 || htab_init(&rib.vrf_dests, 1024) < 0)
		goto fail;
	for (unsigned af = 0; af < BGP_AF_MAX; af++)
		if (otab_init(&rib.dests[af], 4096) < 0)
			goto fail;
	if (out_init(conf) < 0)
		goto fail;
	rib.ready = true;
	return 0;
fail:
	rib_fini();
	return -ENOMEM;
}

void rib_fini(void)
{
	out_fini();
	for (size_t i = 0; rib.vrf_dests.b && i <= rib.vrf_dests.mask; i++) {
		struct hnode *n = rib.vrf_dests.b[i];
		while (n) {
			struct hnode *next = n->next;
			struct vrf_dest *vd = (struct vrf_dest *)n;
			while (vd->cands) {
				struct imp *c = vd->cands;
				vd->cands = c->next_vrf;
				rib_attr_put(c->attr);
			}
			n = next;
		}
	}
	free(rib.vrf_dests.b);
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		struct otab *t = &rib.dests[af];
		for (size_t i = 0; t->s && i <= t->mask; i++) {
			struct rib_dest *d = otab_at(t, i);
			while (d && d->paths) {
				struct rib_path *p = d->paths;
				d->paths = p->next;
				path_free(d, p);
			}
		}
		otab_fini(t);
	}
	free(rib.vdirty);
	free(rib.attrs.b);
	free(rib.dirty);
	free(rib.abuf);
	for (unsigned i = 0; i < DEST_POOLS; i++)
		pool_fini(&rib.dest_pool[i]);
	pool_fini(&rib.path_pool);
	pool_fini(&rib.imp_pool);
	pool_fini(&rib.vdest_pool);
	memset(&rib, 0, sizeof(rib));
}

/* ---- views ---- */

int rib_walk(enum bgp_af af, rib_walk_fn cb, void *arg)
{
	struct rib_path_view v[RIB_MAX_PATHS * 2];
	struct otab *t;

	if (af >= BGP_AF_MAX || !rib.ready)
		return 0;
	t = &rib.dests[af];
	for (size_t i = 0; i <= t->mask; i++) {
		struct rib_dest *d = otab_at(t, i);
		if (d) {
			struct bgp_nlri nl;
			unsigned k = 0;
			if (!d->paths)
				continue;
			nlri_from_key(d->af, d->key, d->klen, &nl);
			for (struct rib_path *p = d->paths; p && k < PG_ARRAY_SIZE(v);
			     p = p->next) {
				const struct rib_attr *a = p->attr;
				struct rib_path_view *x = &v[k++];
				memset(x, 0, sizeof(*x));
				x->peer = p->peer;
				x->vrf = dest_vrf(d);
				if (p->peer) {
					x->peer_addr = p->peer->conf.addr;
					x->peer_id = p->peer->open_rcvd.bgp_id;
					x->ebgp = p->peer->ebgp;
				}
				x->best = p->flags & RP_BEST;
				x->multipath = (p->flags & RP_MULTI) && !(p->flags & RP_BEST);
				x->stale = p->flags & RP_STALE;
				x->nexthop = a->nexthop;
				x->origin = a->origin;
				x->has_med = a->has_med;
				x->med = a->med;
				x->has_local_pref = a->has_local_pref;
				x->local_pref = a->local_pref;
				x->aspath = a->data + a->aspath_off;
				x->aspath_len = a->aspath_len;
				x->communities = a->data + a->comm_off;
				x->n_communities = a->n_comm;
				x->ext_communities = a->data + a->ext_off;
				x->n_ext_communities = a->n_ext;
				x->large_communities = a->data + a->large_off;
				x->n_large_communities = a->n_large;
				x->n_labels = p->n_labels;
				x->label[0] = p->label[0];
				x->label[1] = p->label[1];
				x->age_ms = (uint64_t)(now_s() - p->changed_s) * 1000;
			}
			int rc = cb(&nl, v, k, arg);
			if (rc)
				return rc;
		}
	}
	return 0;
}

void rib_stats_get(struct rib_stats *s)
{
	*s = rib.st;
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		s->dests[af] = rib.dests[af].n;
		s->paths[af] = rib.n_paths[af];
	}
	s->attr_sets = rib.attrs.n;
	s->imports = rib.imports;
	s->attr_bytes = rib.attr_bytes;
	/* Attribute sets are malloc'd: the allocator adds about 16 bytes per block. Destinations
	 * and paths count as their pool slots (no per-object overhead; free slots are reused, and
	 * chunks are touched as slots are handed out). Hash buckets and slots grow with the
	 * entries, so they count per entry too. */
	uint64_t pools = pool_used_bytes(&rib.path_pool), buckets = rib.attrs.mask + 1, slots = 0;
	uint64_t reserved = 0;
	for (unsigned i = 0; i < DEST_POOLS; i++)
		pools += pool_used_bytes(&rib.dest_pool[i]);
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		/* A table sized for maxRoutes at its first route (dests_presize) counts per entry
		 * as far as growing with its entries would have made it, the rest as fixed. */
		size_t n = rib.dests[af].mask + 1, grown = 4096;
		while (rib.dests[af].n * 4 > grown * 3)
			grown *= 2;
		slots += n;
		reserved += n > grown ? n - grown : 0;
	}
	s->mem_bytes = rib.attr_bytes + 16 * rib.attrs.n + pools + buckets * sizeof(void *) +
		       slots * sizeof(struct oslot);
	/* the initial buckets and slots, and slots reserved ahead of the entries */
	s->mem_fixed_bytes = 1024 * sizeof(void *) + BGP_AF_MAX * 4096 * sizeof(struct oslot) +
			     reserved * sizeof(struct oslot);
}
