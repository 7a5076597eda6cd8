/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What Peregrine announces: the routes it originates (EVPN type-5 for the prefixes of its
 * L3VNI VRFs) and, per peer, the queue of announcements and withdrawals still to be sent.
 *
 * Export policy: a peer receives our own routes of the families it negotiated; routes learned
 * from one peer are not passed on to another (a PE is not a transit; per-peer policies that
 * re-advertise come with the host sessions). The AS path is the one of the route an
 * announcement stands for (a host's route re-originated as type-5, a VRF route sent to a host
 * session: FRR's behaviour), empty for our own, with our AS in front for eBGP peers (and
 * asOverride, export_path()); iBGP peers get LOCAL_PREF 100. The next hop of EVPN routes is our
 * VTEP.
 *
 * Queued entries carry their own copy of the route and a reference to the attribute template, so
 * an origin can go away while its withdrawal waits in a queue. UPDATEs are packed: consecutive
 * entries with the same template share one message as far as the size allows. Output to a peer
 * pauses while its socket buffer holds more than OUT_PACE_BYTES.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>

#include "bgp_rib_int.h"
#include "log.h"
#include "util.h"

#define OUT_PACE_BYTES (1u << 20)
#define OUT_BATCH      512 /* routes per UPDATE at most (the message size usually cuts first) */

/* Attributes shared by the routes of one VRF or L2VNI. */
struct out_tmpl {
	uint32_t refcnt;
	uint8_t origin;
	uint8_t n_ec;
	uint8_t ec[20][8]; /* extended communities, wire order: RTs, encapsulation, router MAC,
			    * MAC mobility */
	bool pmsi;	   /* type-3: PMSI tunnel attribute, ingress replication to nexthop */
	bool aggregate;	   /* an aggregate: ATOMIC_AGGREGATE and AGGREGATOR (us) */
	uint32_t pmsi_label;
	struct pg_ip nexthop;
};

/* Template cache keys: an L3VNI's is its VNI, an L2VNI's MAC routes' and type-3 route's these. */
#define TMPL_L2_MAC   (1u << 24)
#define TMPL_L2_IMET  (2u << 24)
#define TMPL_L2_MACIP (3u << 24)
#define TMPL_NETWORK  (4u << 24) /* unicast networks: next hop self (family 0) */
#define TMPL_AGG      (5u << 24) /* an L3VNI's aggregates (type-5) */
#define TMPL_AGG_NET  (6u << 24) /* unicast aggregates: next hop self */
/* Auto RDs router-id:index: an L3VNI's index is its VRF's, an L2VNI's this plus its BD. */
#define RD_L2_BASE 512

struct orig {
	struct hnode h;
	struct bgp_nlri n;
	struct out_tmpl *t;
	struct rib_attr *src; /* the learned route it stands for (a host's), for export policies */
	int32_t agg_vrf;      /* counted for the aggregates of this VRF (-1: not counted) */
	bool suppressed;      /* inside a summaryOnly aggregate: not sent */
};

struct outq_ent {
	struct bgp_nlri n;
	struct out_tmpl *t;   /* NULL: withdraw */
	struct rib_attr *src; /* what export policies match (NULL: our own route) */
	bool initial;	      /* part of a full table (session up, refresh): never sent before */
	uint32_t rr_orig;     /* reflected (RFC 4456): the ORIGINATOR_ID (network order), else 0 */
};

struct peer_out {
	struct outq_ent *q;
	size_t head, n, cap;
	uint32_t eor_pending; /* BGP_AF_BIT: End-of-RIB to send once the queue is empty */
	bool up;
	uint64_t announced, withdrawn;
	uint64_t unsendable; /* next hop self of a family the session has no address of */
	uint64_t pol_rejected;
};

static struct {
	bool ready;
	const struct bgp_conf *conf; /* the speaker's copy (bgp_session.c) */
	struct htab origs;
	struct out_tmpl *tmpl_by_vni[64]; /* small cache; see tmpl_for() */
	uint32_t tmpl_vni[64];
	unsigned n_tmpl;
	struct peer_out *po;
	unsigned n_po;
	uint64_t n_origs;
	uint32_t *agg_n; /* per bgp_conf.aggregates[]: more specific routes (0: not announced) */
} out;

static void agg_count(uint16_t vrf, const struct pg_prefix *p, int delta);

static void tmpl_put(struct out_tmpl *t)
{
	if (t && --t->refcnt == 0)
		free(t);
}

static struct peer_out *po_of(const struct bgp_peer *p)
{
	for (unsigned i = 0; i < out.n_po; i++)
		if (bgp_peer_at(i) == p)
			return &out.po[i];
	return NULL;
}

static struct outq_ent *q_push(struct peer_out *o, const struct bgp_nlri *n, struct out_tmpl *t,
			       struct rib_attr *src, bool initial)
{
	if (o->head + o->n == o->cap) {
		if (o->head) {
			memmove(o->q, o->q + o->head, o->n * sizeof(*o->q));
			o->head = 0;
		}
		if (o->n == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 256;
			struct outq_ent *q = realloc(o->q, cap * sizeof(*q));
			if (!q)
				return NULL; /* the route refresh of the peer will fix it */
			o->q = q;
			o->cap = cap;
		}
	}
	struct outq_ent *e = &o->q[o->head + o->n++];
	e->n = *n;
	e->t = t;
	e->src = t ? src : NULL;
	e->initial = initial;
	e->rr_orig = 0;
	if (t)
		t->refcnt++;
	if (e->src)
		e->src->refcnt++;
	return e;
}

/* Release the n entries from the head of o's queue. */
static void q_pop(struct peer_out *o, size_t n)
{
	for (size_t x = 0; x < n; x++) {
		tmpl_put(o->q[o->head + x].t);
		rib_attr_put(o->q[o->head + x].src);
	}
	o->head += n;
	o->n -= n;
}

static void q_clear(struct peer_out *o)
{
	q_pop(o, o->n);
	o->head = 0;
	o->eor_pending = 0;
}

/* Our originations are the default VRF's: a host session in another VRF gets its VRF's routes
 * instead (out_vrf_route). */
static bool gets_origins(const struct bgp_peer *p)
{
	return !(p->conf.any_source && p->conf.vrf);
}

/* Queue every origin of the families in af_mask for peer i. */
static void enqueue_all(unsigned i, uint32_t af_mask)
{
	if (!gets_origins(bgp_peer_at(i)))
		return;
	for (size_t b = 0; b <= out.origs.mask; b++)
		for (struct hnode *h = out.origs.b[b]; h; h = h->next) {
			struct orig *r = (struct orig *)h;
			if ((af_mask & BGP_AF_BIT(r->n.af)) && !r->suppressed)
				q_push(&out.po[i], &r->n, r->t, r->src, true);
		}
}

/* Queue n for every established peer of its family. */
static void enqueue_everyone(const struct bgp_nlri *n, struct out_tmpl *t, struct rib_attr *src)
{
	for (unsigned i = 0; i < out.n_po; i++) {
		struct bgp_peer *p = bgp_peer_at(i);
		if (out.po[i].up && (p->af & BGP_AF_BIT(n->af)) && gets_origins(p))
			q_push(&out.po[i], n, t, src, false);
	}
}

/* ---- origination ---- */

static struct orig *orig_find(const struct bgp_nlri *n, uint32_t *hash)
{
	char k[BGP_NLRI_FMT_LEN];
	bgp_nlri_fmt(n, k, sizeof(k)); /* the text form is unique per route key and cheap enough */
	*hash = hash_bytes(k, strlen(k), n->af);
	for (struct hnode *h = out.origs.b[*hash & out.origs.mask]; h; h = h->next) {
		struct orig *r = (struct orig *)h;
		char k2[BGP_NLRI_FMT_LEN];
		if (h->hash == *hash && r->n.af == n->af &&
		    strcmp(bgp_nlri_fmt(&r->n, k2, sizeof(k2)), k) == 0)
			return r;
	}
	return NULL;
}

/* The RIB's copy of one of our routes (shown with the learned ones, "from local"). */
static void rib_local(const struct bgp_nlri *n, const struct out_tmpl *t)
{
	static struct bgp_attrs a;
	struct rib_attr *ra;

	memset(&a, 0, offsetof(struct bgp_attrs, aspath_buf));
	a.present = 1ull << BGP_ATTR_ORIGIN | 1ull << BGP_ATTR_AS_PATH;
	a.origin = t->origin;
	if (t->n_ec) {
		a.present |= 1ull << BGP_ATTR_EXT_COMMUNITIES;
		a.ext_communities = t->ec[0];
		a.n_ext_communities = t->n_ec;
	}
	ra = rib_attr_get(&a, &t->nexthop, NULL);
	if (!ra)
		return;
	rib_path_set(NULL, n, ra);
	rib_attr_put(ra);
}

/* Append the export route targets of VNI vni: the configured ones, else ASN:VNI (RFC 8365
 * §5.1.2.1 auto-derivation; a 4-octet ASN takes the AS4 form, which leaves 16 bits for the VNI). */
static unsigned rts_add(uint64_t *ecs, unsigned n, unsigned max, uint32_t vni, unsigned n_export,
			const uint64_t *export_rt)
{
	if (n_export) {
		for (unsigned k = 0; k < n_export && n < max; k++)
			ecs[n++] = export_rt[k];
	} else if (n < max) {
		ecs[n++] = out.conf->asn <= 0xffff
			       ? bgp_ec_rt_as2((uint16_t)out.conf->asn, vni)
			       : BGP_EC_RT_AS4 | (uint64_t)out.conf->asn << 16 | (vni & 0xffff);
	}
	return n;
}

/*
 * The attributes of our routes for VNI vni: its route targets (and those of L3VNI l3 when it is
 * another VNI: a symmetric IRB type-2 carries both), VXLAN encapsulation, l3's router MAC, a MAC
 * mobility sequence (seq > 0), and for a type-3 route the PMSI tunnel attribute. Templates are
 * cached by key, except those with a mobility sequence (one per moved MAC).
 */
static struct out_tmpl *tmpl_get(uint32_t key, uint32_t vni, unsigned n_export,
				 const uint64_t *export_rt, const struct bgp_l3vni *l3,
				 uint32_t seq, bool pmsi)
{
	struct out_tmpl *t = NULL;

	for (unsigned i = 0; seq == 0 && i < out.n_tmpl; i++)
		if (out.tmpl_vni[i] == key)
			return out.tmpl_by_vni[i];
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->origin = BGP_ORIGIN_IGP;
	t->nexthop.family = AF_INET;
	t->nexthop.v4 = out.conf->vtep;
	t->pmsi = pmsi;
	t->pmsi_label = vni; /* RFC 8365 §5.1.3: the VNI in the 24-bit label field */
	uint64_t ecs[PG_ARRAY_SIZE(t->ec)];
	const unsigned max_rts = PG_ARRAY_SIZE(ecs) - 3; /* room for the three below */
	unsigned n = rts_add(ecs, 0, max_rts, vni, n_export, export_rt);
	if (l3 && l3->vni != vni)
		n = rts_add(ecs, n, max_rts, l3->vni, l3->n_export, l3->export_rt);
	ecs[n++] = 0x030c000000000000ull | BGP_ENCAP_VXLAN;
	if (l3) {
		uint64_t rm = 0x0603000000000000ull;
		for (unsigned k = 0; k < 6; k++)
			rm |= (uint64_t)l3->rmac.b[k] << (8 * (5 - k));
		ecs[n++] = rm;
	}
	if (seq)
		ecs[n++] = 0x0600000000000000ull | seq;
	for (unsigned e = 0; e < n; e++)
		for (unsigned k = 0; k < 8; k++)
			t->ec[e][k] = (uint8_t)(ecs[e] >> (8 * (7 - k)));
	t->n_ec = (uint8_t)n;
	if (seq == 0 && out.n_tmpl < PG_ARRAY_SIZE(out.tmpl_by_vni)) {
		t->refcnt = 1; /* the cache's */
		out.tmpl_vni[out.n_tmpl] = key;
		out.tmpl_by_vni[out.n_tmpl++] = t;
	}
	return t;
}

static struct out_tmpl *tmpl_for(const struct bgp_l3vni *l)
{
	return tmpl_get(l->vni, l->vni, l->n_export, l->export_rt, l, 0, false);
}

static int type5(uint32_t vni, const struct pg_prefix *p, struct bgp_nlri *n,
		 const struct bgp_l3vni **l3)
{
	*l3 = NULL;
	for (unsigned i = 0; i < out.conf->n_l3vnis; i++)
		if (out.conf->l3vnis[i].vni == vni)
			*l3 = &out.conf->l3vnis[i];
	if (!*l3)
		return -ENOENT;
	memset(n, 0, sizeof(*n));
	n->af = BGP_AF_EVPN;
	n->evpn.type = BGP_EVPN_PREFIX;
	/* Auto RD router-id:index (RFC 7432 §7.9), the index being the VRF's. */
	n->evpn.rd = bgp_rd_type1(out.conf->router_id, (*l3)->vrf);
	n->evpn.ip = p->ip;
	n->evpn.plen = p->len;
	n->evpn.gw.family = p->ip.family;
	n->evpn.n_labels = 1;
	n->evpn.label[0] = vni;
	return 0;
}

/* The prefix of a unicast or type-5 route. */
static void nlri_prefix(const struct bgp_nlri *n, struct pg_prefix *p)
{
	if (n->af == BGP_AF_EVPN) {
		p->ip = n->evpn.ip;
		p->len = n->evpn.plen;
	} else {
		*p = n->prefix;
	}
}

/* Announce route n with the attributes of t (taking a reference), or announce it again when t
 * differs from what it had. agg_vrf >= 0: a route of ours in that VRF, counted for its
 * aggregates (the first announcement only); suppressed: inside a summaryOnly aggregate, kept
 * (and in the RIB) but not sent. */
static int originate_src(const struct bgp_nlri *n, struct out_tmpl *t, struct rib_attr *src,
			 int agg_vrf, bool suppressed)
{
	uint32_t h;
	struct orig *r = orig_find(n, &h);

	if (!t)
		return -ENOMEM;
	if (r && r->t == t && r->src == src && r->suppressed == suppressed)
		return 0;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r) {
			t->refcnt++; /* a template from no cache goes away here */
			tmpl_put(t);
			return -ENOMEM;
		}
		r->h.hash = h;
		r->n = *n;
		r->agg_vrf = -1;
		htab_add(&out.origs, &r->h);
		out.n_origs++;
		if (agg_vrf >= 0 && out.conf->n_aggregates) {
			struct pg_prefix p;
			nlri_prefix(n, &p);
			r->agg_vrf = agg_vrf;
			agg_count((uint16_t)agg_vrf, &p, 1);
		}
	}
	r->suppressed = suppressed;
	t->refcnt++;
	tmpl_put(r->t);
	r->t = t;
	if (src)
		src->refcnt++;
	rib_attr_put(r->src);
	r->src = src;
	rib_local(n, t);
	if (!suppressed)
		enqueue_everyone(n, t, src);
	return 0;
}

static int originate(const struct bgp_nlri *n, struct out_tmpl *t)
{
	return originate_src(n, t, NULL, -1, false);
}

static int withdraw(const struct bgp_nlri *n)
{
	uint32_t h;
	struct orig *r = orig_find(n, &h);

	if (!r)
		return -ENOENT;
	htab_del(&out.origs, &r->h);
	out.n_origs--;
	rib_path_unset(NULL, n);
	if (!r->suppressed)
		enqueue_everyone(n, NULL, NULL);
	if (r->agg_vrf >= 0) {
		struct pg_prefix p;
		nlri_prefix(n, &p);
		agg_count((uint16_t)r->agg_vrf, &p, -1);
	}
	tmpl_put(r->t);
	rib_attr_put(r->src);
	free(r);
	return 0;
}

int out_originate_prefix_src(uint32_t vni, const struct pg_prefix *p, struct rib_attr *src)
{
	const struct bgp_l3vni *l3;
	struct bgp_nlri n;

	if (!out.ready)
		return -ENOTCONN;
	if (!out.conf->vtep)
		return -EADDRNOTAVAIL;
	if (type5(vni, p, &n, &l3) < 0)
		return -ENOENT;
	/* our own routes count for the VRF's aggregates here, a host's in the RIB (its VRF
	 * route, whether it wins or an EVPN import does) */
	return originate_src(&n, tmpl_for(l3), src, src ? -1 : l3->vrf,
			     out_agg_suppressed(l3->vrf, p));
}

int bgp_originate_prefix(uint32_t vni, const struct pg_prefix *p)
{
	return out_originate_prefix_src(vni, p, NULL);
}

int bgp_withdraw_prefix(uint32_t vni, const struct pg_prefix *p)
{
	const struct bgp_l3vni *l3;
	struct bgp_nlri n;

	if (!out.ready || type5(vni, p, &n, &l3) < 0)
		return -ENOENT;
	return withdraw(&n);
}

static const struct bgp_l2vni *l2vni_of(uint32_t vni)
{
	for (unsigned i = 0; i < out.conf->n_l2vnis; i++)
		if (out.conf->l2vnis[i].vni == vni)
			return &out.conf->l2vnis[i];
	return NULL;
}

/* Type-2 (MAC only) or type-3 route of L2VNI l. */
static void l2_nlri(const struct bgp_l2vni *l, uint8_t type, const struct pg_mac *mac,
		    struct bgp_nlri *n)
{
	memset(n, 0, sizeof(*n));
	n->af = BGP_AF_EVPN;
	n->evpn.type = type;
	n->evpn.rd = bgp_rd_type1(out.conf->router_id, (uint16_t)(RD_L2_BASE + l->bd));
	if (type == BGP_EVPN_IMET) {
		n->evpn.ip.family = AF_INET;
		n->evpn.ip.v4 = out.conf->vtep;
		return;
	}
	n->evpn.mac = *mac;
	n->evpn.n_labels = 1;
	n->evpn.label[0] = l->vni;
}

int bgp_originate_mac(uint32_t vni, const struct pg_mac *mac, uint32_t seq)
{
	const struct bgp_l2vni *l = out.ready ? l2vni_of(vni) : NULL;
	struct bgp_nlri n;

	if (!l)
		return -ENOENT;
	if (!out.conf->vtep)
		return -EADDRNOTAVAIL;
	l2_nlri(l, BGP_EVPN_MAC_IP, mac, &n);
	return originate(
	    &n, tmpl_get(vni | TMPL_L2_MAC, vni, l->n_export, l->export_rt, NULL, seq, false));
}

static const struct bgp_l3vni *l3vni_of(uint32_t vni)
{
	for (unsigned i = 0; i < out.conf->n_l3vnis; i++)
		if (out.conf->l3vnis[i].vni == vni)
			return &out.conf->l3vnis[i];
	return NULL;
}

/* The type-2 MAC/IP route of a host of L2VNI vni routed in L3VNI l3vni: labels L2VNI, L3VNI
 * (RFC 9135). Returns the L2VNI (and *l3), or NULL when either VNI is unknown. */
static const struct bgp_l2vni *macip_nlri(uint32_t vni, uint32_t l3vni, const struct pg_mac *mac,
					  const struct pg_ip *ip, const struct bgp_l3vni **l3,
					  struct bgp_nlri *n)
{
	const struct bgp_l2vni *l = out.ready ? l2vni_of(vni) : NULL;

	*l3 = out.ready ? l3vni_of(l3vni) : NULL;
	if (!l || !*l3)
		return NULL;
	l2_nlri(l, BGP_EVPN_MAC_IP, mac, n);
	n->evpn.ip = *ip;
	n->evpn.n_labels = 2;
	n->evpn.label[1] = l3vni;
	return l;
}

int bgp_originate_mac_ip(uint32_t vni, const struct pg_mac *mac, const struct pg_ip *ip,
			 uint32_t l3vni)
{
	const struct bgp_l3vni *l3;
	struct bgp_nlri n;
	const struct bgp_l2vni *l = macip_nlri(vni, l3vni, mac, ip, &l3, &n);

	if (!l)
		return -ENOENT;
	if (!out.conf->vtep)
		return -EADDRNOTAVAIL;
	return originate(
	    &n, tmpl_get(vni | TMPL_L2_MACIP, vni, l->n_export, l->export_rt, l3, 0, false));
}

int bgp_withdraw_mac_ip(uint32_t vni, const struct pg_mac *mac, const struct pg_ip *ip,
			uint32_t l3vni)
{
	const struct bgp_l3vni *l3;
	struct bgp_nlri n;

	if (!macip_nlri(vni, l3vni, mac, ip, &l3, &n))
		return -ENOENT;
	return withdraw(&n);
}

int bgp_withdraw_mac(uint32_t vni, const struct pg_mac *mac)
{
	const struct bgp_l2vni *l = out.ready ? l2vni_of(vni) : NULL;
	struct bgp_nlri n;

	if (!l)
		return -ENOENT;
	l2_nlri(l, BGP_EVPN_MAC_IP, mac, &n);
	return withdraw(&n);
}

void out_originate_imet(void)
{
	for (unsigned i = 0; out.conf->vtep && i < out.conf->n_l2vnis; i++) {
		const struct bgp_l2vni *l = &out.conf->l2vnis[i];
		struct bgp_nlri n;
		l2_nlri(l, BGP_EVPN_IMET, NULL, &n);
		if (originate(&n, tmpl_get(l->vni | TMPL_L2_IMET, l->vni, l->n_export, l->export_rt,
					   NULL, 0, true)) < 0)
			LOG_ERR("bgp: type-3 of L2VNI %u: out of memory", l->vni);
	}
}

/* The attributes of our unicast networks: ORIGIN IGP, no communities, and no next hop of their
 * own: each peer gets its session's local address (export_nexthop). */
static struct out_tmpl *tmpl_network(void)
{
	struct out_tmpl *t;

	for (unsigned i = 0; i < out.n_tmpl; i++)
		if (out.tmpl_vni[i] == TMPL_NETWORK)
			return out.tmpl_by_vni[i];
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->origin = BGP_ORIGIN_IGP;
	if (out.n_tmpl < PG_ARRAY_SIZE(out.tmpl_by_vni)) {
		t->refcnt = 1;
		out.tmpl_vni[out.n_tmpl] = TMPL_NETWORK;
		out.tmpl_by_vni[out.n_tmpl++] = t;
	}
	return t;
}

/* The IPv4/IPv6 unicast NLRI of prefix pf (our networks, routes for host sessions). */
static void unicast_nlri(const struct pg_prefix *pf, struct bgp_nlri *n)
{
	memset(n, 0, sizeof(*n));
	n->af = pf->ip.family == AF_INET ? BGP_AF_IPV4 : BGP_AF_IPV6;
	n->prefix = *pf;
}

int bgp_network_set(const struct pg_prefix *p, bool announce)
{
	struct bgp_nlri n;

	if (!out.ready)
		return -ENOTCONN;
	unicast_nlri(p, &n);
	return announce ? originate_src(&n, tmpl_network(), NULL, 0, out_agg_suppressed(0, p))
			: withdraw(&n);
}

void out_originate_networks(void)
{
	for (unsigned i = 0; i < out.conf->n_networks; i++) {
		const struct pg_prefix *pf = &out.conf->networks[i];
		struct bgp_nlri n;
		char b[PG_PREFIX_FMT_LEN];
		unicast_nlri(pf, &n);
		if (originate_src(&n, tmpl_network(), NULL, 0, out_agg_suppressed(0, pf)) < 0)
			LOG_ERR("bgp: network %s: out of memory", fmt_prefix(pf, b));
	}
}

/* ---- host sessions: their VRF's routes ---- */

/*
 * iBGP between host sessions (RFC 4456): a route learned from an iBGP host session goes to
 * another iBGP host session only when one of them is a route reflector client, and then as a
 * reflected route (*orig: its ORIGINATOR_ID, the route's own or the BGP identifier of the client
 * it came from). Routes from eBGP peers and the fabric, and towards eBGP peers, are not
 * concerned (*orig 0).
 */
static bool rr_allowed(const struct bgp_peer *from, const struct bgp_peer *q,
		       const struct rib_attr *src, uint32_t *orig)
{
	*orig = 0;
	if (!from || from->ebgp || q->ebgp || !from->conf.any_source || !q->conf.any_source)
		return true;
	if (!from->conf.rr_client && !q->conf.rr_client)
		return false; /* iBGP split horizon (RFC 4271 §9.2) */
	*orig = src && src->originator_id ? src->originator_id : from->open_rcvd.bgp_id;
	return true;
}

/* q_push() of what host session q gets of route n learned from `from` (announcement or, where
 * route reflection forbids it, a withdrawal). */
static void q_push_host(struct peer_out *o, const struct bgp_peer *q, const struct bgp_nlri *n,
			const struct bgp_peer *from, struct rib_attr *src, bool present,
			bool initial)
{
	uint32_t orig;
	bool ok = rr_allowed(from, q, src, &orig);
	struct outq_ent *e;

	if (initial && !ok)
		return;
	e = q_push(o, n, present && ok ? tmpl_network() : NULL, src, initial);
	if (e && e->t)
		e->rr_orig = orig;
}

void out_vrf_route(uint16_t vrf, const struct pg_prefix *p, const struct bgp_peer *from,
		   struct rib_attr *src, bool present)
{
	struct bgp_nlri n;

	if (out_agg_suppressed(vrf, p))
		return;
	unicast_nlri(p, &n);
	for (unsigned i = 0; i < out.n_po; i++) {
		struct bgp_peer *q = bgp_peer_at(i);
		if (!out.po[i].up || !q->conf.any_source || q->conf.vrf != vrf ||
		    !(q->af & BGP_AF_BIT(n.af)))
			continue;
		/* next hop self (the template has none); never back to the host it came from */
		q_push_host(&out.po[i], q, &n, from, src, present && from != q, false);
	}
}

void out_transit(const struct pg_prefix *p, const struct bgp_peer *from, struct rib_attr *src,
		 bool fabric, bool present)
{
	struct bgp_nlri n;

	if (out_agg_suppressed(0, p))
		return;
	unicast_nlri(p, &n);
	for (unsigned i = 0; i < out.n_po; i++) {
		struct bgp_peer *q = bgp_peer_at(i);
		bool host = q->conf.any_source;
		if (!out.po[i].up || q == from || host == fabric || (host && q->conf.vrf) ||
		    !(q->af & BGP_AF_BIT(n.af)))
			continue;
		q_push_host(&out.po[i], q, &n, from, src, present, false);
	}
}

void out_vrf_push(struct bgp_peer *p, const struct pg_prefix *pfx, const struct bgp_peer *from,
		  struct rib_attr *src)
{
	struct peer_out *o = po_of(p);
	struct bgp_nlri n;

	unicast_nlri(pfx, &n);
	if (o && (p->af & BGP_AF_BIT(n.af)) && !out_agg_suppressed(p->conf.vrf, pfx))
		q_push_host(o, p, &n, from, src, true, true);
}

/* ---- aggregates ---- */

/* Is p strictly inside aggregate a of VRF vrf? */
static bool agg_covers(const struct bgp_aggregate *a, uint16_t vrf, const struct pg_prefix *p)
{
	return a->vrf == vrf && a->prefix.ip.family == p->ip.family && p->len > a->prefix.len &&
	       prefix_contains(&a->prefix, &p->ip);
}

bool out_agg_suppressed(uint16_t vrf, const struct pg_prefix *p)
{
	for (unsigned i = 0; out.ready && i < out.conf->n_aggregates; i++)
		if (out.conf->aggregates[i].summary_only &&
		    agg_covers(&out.conf->aggregates[i], vrf, p))
			return true;
	return false;
}

/* The attributes of aggregates: those of t, plus ATOMIC_AGGREGATE and AGGREGATOR. */
static struct out_tmpl *tmpl_agg(const struct bgp_l3vni *l3)
{
	struct out_tmpl *t;

	if (l3) {
		t = tmpl_get(l3->vni | TMPL_AGG, l3->vni, l3->n_export, l3->export_rt, l3, 0,
			     false);
	} else {
		for (unsigned i = 0; i < out.n_tmpl; i++)
			if (out.tmpl_vni[i] == TMPL_AGG_NET)
				return out.tmpl_by_vni[i];
		t = calloc(1, sizeof(*t));
		if (t) {
			t->origin = BGP_ORIGIN_IGP;
			if (out.n_tmpl < PG_ARRAY_SIZE(out.tmpl_by_vni)) {
				t->refcnt = 1;
				out.tmpl_vni[out.n_tmpl] = TMPL_AGG_NET;
				out.tmpl_by_vni[out.n_tmpl++] = t;
			}
		}
	}
	if (t)
		t->aggregate = true;
	return t;
}

/* Queue the announced aggregates of p's VRF for host session p (session up, refresh). */
static void agg_push(struct bgp_peer *p, struct peer_out *o, uint32_t af_mask)
{
	for (unsigned i = 0; i < out.conf->n_aggregates; i++) {
		const struct bgp_aggregate *a = &out.conf->aggregates[i];
		struct bgp_nlri n;
		if (!out.agg_n[i] || a->vrf != p->conf.vrf)
			continue;
		unicast_nlri(&a->prefix, &n);
		if ((p->af & af_mask & BGP_AF_BIT(n.af)) && !out_agg_suppressed(a->vrf, &a->prefix))
			q_push(o, &n, tmpl_agg(NULL), NULL, true);
	}
}

/* Aggregate i starts (up) or stops: in the default VRF a unicast route to the peers that get
 * our networks; in another VRF our type-5 (when it has an L3VNI) and a route to its host
 * sessions. */
static void agg_announce(unsigned i, bool up)
{
	const struct bgp_aggregate *a = &out.conf->aggregates[i];
	bool supp = out_agg_suppressed(a->vrf, &a->prefix); /* inside another summaryOnly one */
	char b[PG_PREFIX_FMT_LEN];
	struct bgp_nlri n;

	LOG_INFO("bgp: aggregate %s (VRF %u) %s", fmt_prefix(&a->prefix, b), a->vrf,
		 up ? "announced" : "withdrawn");
	if (a->vrf == 0) {
		unicast_nlri(&a->prefix, &n);
		if (up)
			originate_src(&n, tmpl_agg(NULL), NULL, -1, supp);
		else
			withdraw(&n);
		return;
	}
	for (unsigned k = 0; out.conf->vtep && k < out.conf->n_l3vnis; k++) {
		const struct bgp_l3vni *l3;
		if (out.conf->l3vnis[k].vrf != a->vrf ||
		    type5(out.conf->l3vnis[k].vni, &a->prefix, &n, &l3) < 0)
			continue;
		if (up)
			originate_src(&n, tmpl_agg(l3), NULL, -1, supp);
		else
			withdraw(&n);
	}
	if (supp)
		return;
	unicast_nlri(&a->prefix, &n);
	for (unsigned k = 0; k < out.n_po; k++) {
		struct bgp_peer *q = bgp_peer_at(k);
		if (out.po[k].up && q->conf.any_source && q->conf.vrf == a->vrf &&
		    (q->af & BGP_AF_BIT(n.af)))
			q_push(&out.po[k], &n, up ? tmpl_agg(NULL) : NULL, NULL, false);
	}
}

/* A route p of VRF vrf appears (delta 1) or goes (-1): the aggregates it is inside of count it,
 * and start with their first route, stop with their last. */
static void agg_count(uint16_t vrf, const struct pg_prefix *p, int delta)
{
	for (unsigned i = 0; out.agg_n && i < out.conf->n_aggregates; i++) {
		if (!agg_covers(&out.conf->aggregates[i], vrf, p))
			continue;
		if (delta > 0 && out.agg_n[i]++ == 0)
			agg_announce(i, true);
		else if (delta < 0 && out.agg_n[i] && --out.agg_n[i] == 0)
			agg_announce(i, false);
	}
}

void out_agg_route(uint16_t vrf, const struct pg_prefix *p, bool present)
{
	if (out.ready)
		agg_count(vrf, p, present ? 1 : -1);
}

/* defaultOriginate: 0.0.0.0/0 and ::/0 on the unicast families p negotiated, next hop self. */
static void default_originate(struct bgp_peer *p, struct peer_out *o, uint32_t af_mask)
{
	for (unsigned af = BGP_AF_IPV4; af <= BGP_AF_IPV6; af++) {
		struct bgp_nlri n;
		if (!p->conf.default_originate || !(p->af & af_mask & BGP_AF_BIT(af)))
			continue;
		memset(&n, 0, sizeof(n));
		n.af = (uint8_t)af;
		n.prefix.ip.family = af == BGP_AF_IPV4 ? AF_INET : AF_INET6;
		q_push(o, &n, tmpl_network(), NULL, true);
	}
}

/* ---- sessions ---- */

void out_peer_up(struct bgp_peer *p)
{
	struct peer_out *o = po_of(p);

	if (!o)
		return;
	q_clear(o);
	o->up = true;
	o->announced = o->withdrawn = 0;
	enqueue_all((unsigned)(o - out.po), p->af);
	default_originate(p, o, p->af);
	if (p->conf.any_source && p->conf.vrf) {
		agg_push(p, o, p->af);
		rib_vrf_export(p);
	}
	/* End-of-RIB per family once the initial table is out (RFC 4724 §2). */
	o->eor_pending = p->af;
}

void out_peer_down(struct bgp_peer *p)
{
	struct peer_out *o = po_of(p);

	if (!o)
		return;
	q_clear(o);
	o->up = false;
}

/* A peer was appended to the speaker's list: its output state, idle. */
int out_peer_added(void)
{
	struct peer_out *po = realloc(out.po, (out.n_po + 1) * sizeof(*po));

	if (!po)
		return -ENOMEM;
	out.po = po;
	memset(&out.po[out.n_po++], 0, sizeof(*po));
	return 0;
}

/* Peer i of the speaker's list goes away (it is down): the ones after it move down one. */
void out_peer_removed(unsigned i)
{
	if (i >= out.n_po)
		return;
	q_clear(&out.po[i]);
	free(out.po[i].q);
	memmove(&out.po[i], &out.po[i + 1], (out.n_po - i - 1) * sizeof(*out.po));
	out.n_po--;
}

void out_peer_refresh(struct bgp_peer *p, enum bgp_af af)
{
	struct peer_out *o = po_of(p);

	if (!o || !o->up)
		return;
	enqueue_all((unsigned)(o - out.po), BGP_AF_BIT(af));
	default_originate(p, o, BGP_AF_BIT(af));
	if (p->conf.any_source && p->conf.vrf) {
		agg_push(p, o, BGP_AF_BIT(af));
		rib_vrf_export(p);
	}
	o->eor_pending |= BGP_AF_BIT(af); /* tells a GR-aware peer the refresh is complete */
}

/* The attributes a peer sees for template t; the AS path comes from export_path(). */
static void export_attrs(const struct bgp_peer *p, const struct out_tmpl *t, struct bgp_attrs *a)
{
	memset(a, 0, offsetof(struct bgp_attrs, aspath_buf));
	a->present = 1ull << BGP_ATTR_ORIGIN | 1ull << BGP_ATTR_AS_PATH;
	a->origin = t->origin;
	if (!p->ebgp) {
		a->present |= 1ull << BGP_ATTR_LOCAL_PREF;
		a->local_pref = 100;
	}
	if (t->n_ec) {
		a->present |= 1ull << BGP_ATTR_EXT_COMMUNITIES;
		a->ext_communities = t->ec[0];
		a->n_ext_communities = t->n_ec;
	}
	if (t->aggregate) { /* RFC 4271 §5.1.6, §5.1.7 */
		a->present |= 1ull << BGP_ATTR_ATOMIC_AGGREGATE | 1ull << BGP_ATTR_AGGREGATOR;
		a->aggregator_as = bgp_peer_local_as(p);
		a->aggregator_id = out.conf->router_id;
	}
	if (t->pmsi) {
		a->present |= 1ull << BGP_ATTR_PMSI_TUNNEL;
		a->pmsi_flags = 0;
		a->pmsi_type = 6; /* ingress replication (RFC 6514 §5) */
		a->pmsi_label = t->pmsi_label;
		a->pmsi_id = t->nexthop;
	}
}

/*
 * The AS path peer p gets, as FRR sends it: the path of the route (path[len]: the learned route
 * a host's type-5 or a VRF route stands for, as the export policy left it; empty for our own),
 * with our AS in front towards an eBGP peer, and with asOverride every occurrence of the peer's
 * AS replaced by ours (Calico nodes sharing one AS). 0, or -1 when it does not fit.
 */
static int export_path(const struct bgp_peer *p, const uint8_t *path, uint16_t len,
		       struct bgp_attrs *a)
{
	static uint8_t buf[BGP_EXT_MAX_LEN];
	uint32_t us = bgp_peer_local_as(p);
	uint32_t them = p->ebgp && p->conf.as_override ? bgp_open_asn(&p->open_rcvd) : 0;
	int n = bgp_aspath_export(path, len, p->ebgp ? us : 0, them, us, buf, sizeof(buf));

	if (n < 0)
		return -1;
	a->aspath = buf;
	a->aspath_len = (uint16_t)n;
	return 0;
}

/* A reflected route (RFC 4456 §8): ORIGINATOR_ID, our cluster ID in front of the CLUSTER_LIST,
 * and the route's LOCAL_PREF, MED and (without an export policy, which starts from them)
 * communities, as a reflector leaves them. The next hop stays ours (next-hop-self). */
static void reflect_attrs(const struct outq_ent *e, bool comm, struct bgp_attrs *a)
{
	static uint8_t cl[4 + 4 * 255];
	const struct rib_attr *s = e->src;
	unsigned n = s ? PG_MIN(s->cluster_len, 254u) : 0;

	a->present |= 1ull << BGP_ATTR_ORIGINATOR_ID | 1ull << BGP_ATTR_CLUSTER_LIST;
	a->originator_id = e->rr_orig;
	memcpy(cl, &out.conf->cluster_id, 4);
	if (n)
		memcpy(cl + 4, s->data + s->cluster_off, 4 * n);
	a->cluster_list = cl;
	a->n_cluster_list = (uint16_t)(n + 1);
	if (!s)
		return;
	a->local_pref = s->local_pref;
	if (s->has_med) {
		a->present |= 1ull << BGP_ATTR_MED;
		a->med = s->med;
	}
	if (comm && s->n_comm) {
		a->present |= 1ull << BGP_ATTR_COMMUNITIES;
		a->communities = s->data + s->comm_off;
		a->n_communities = s->n_comm;
	}
	if (comm && s->n_large) {
		a->present |= 1ull << BGP_ATTR_LARGE_COMMUNITIES;
		a->large_communities = s->data + s->large_off;
		a->n_large_communities = s->n_large;
	}
}

/* Do a and b (RIB attributes, NULL: none) give the same AS path? */
static bool same_path(const struct rib_attr *a, const struct rib_attr *b)
{
	if (a == b)
		return true;
	uint16_t la = a ? a->aspath_len : 0, lb = b ? b->aspath_len : 0;
	return la == lb &&
	       (!la || memcmp(a->data + a->aspath_off, b->data + b->aspath_off, la) == 0);
}

/* ---- export policy ---- */

static struct bgp_pol_route pol_first, pol_next;

/* Peer p's export policy on queued announcement e: the route's prefix and the attributes of
 * the route it stands for (e->src: a host's; none for our own). */
static bool export_eval(const struct bgp_peer *p, const struct outq_ent *e, struct bgp_pol_route *r)
{
	const struct rib_attr *s = e->src;

	bgp_pol_route_init(r, &e->n, bgp_peer_local_as(p));
	r->no_prepend = !p->ebgp; /* an iBGP peer would see its own AS: a loop */
	if (s) {
		r->aspath = s->data + s->aspath_off;
		r->aspath_len = s->aspath_len;
		r->comm = s->data + s->comm_off;
		r->n_comm = s->n_comm;
		r->large = s->data + s->large_off;
		r->n_large = s->n_large;
	}
	return bgp_policy_eval(out.conf->policies, &p->conf.export_pol, r);
}

/* What the export policy leaves, into the attributes export_attrs() built: LOCAL_PREF (iBGP),
 * MED, the route's communities as the policy left them (the AS path: drain, export_path()). */
static void export_apply(const struct bgp_peer *p, const struct bgp_pol_route *r,
			 struct bgp_attrs *a)
{
	if ((r->modified & BGP_PR_LP) && !p->ebgp)
		a->local_pref = r->lp;
	if (r->modified & BGP_PR_MED) {
		a->present |= 1ull << BGP_ATTR_MED;
		a->med = r->med;
	}
	if (r->n_comm) {
		a->present |= 1ull << BGP_ATTR_COMMUNITIES;
		a->communities = r->comm;
		a->n_communities = r->n_comm;
	}
	if (r->n_large) {
		a->present |= 1ull << BGP_ATTR_LARGE_COMMUNITIES;
		a->large_communities = r->large;
		a->n_large_communities = r->n_large;
	}
}

/* Send what fits of peer i's queue. */
static void drain(unsigned i)
{
	static uint8_t buf[BGP_EXT_MAX_LEN];
	static struct bgp_nlri batch[OUT_BATCH];
	static struct bgp_attrs a;
	struct peer_out *o = &out.po[i];
	struct bgp_peer *p = bgp_peer_at(i);
	bool pol = p->conf.export_pol.n && out.conf->policies;

	while (o->n && bgp_peer_queued(p) < OUT_PACE_BYTES) {
		struct outq_ent *e = &o->q[o->head];
		struct out_tmpl *t = e->t;
		enum bgp_af af = e->n.af;
		unsigned k = 0;

		if (pol && t) {
			/* Export policy: a run of entries with the same outcome. A rejected one is
			 * withdrawn, unless it was never sent (a full table's). */
			bool acc = export_eval(p, e, &pol_first);
			if (!acc) {
				o->pol_rejected++;
				p->pol_out_rejected++;
				if (e->initial) {
					q_pop(o, 1);
					continue;
				}
			}
			batch[k++] = e->n;
			while (k < o->n && k < OUT_BATCH) {
				const struct outq_ent *x = &o->q[o->head + k];
				if (x->t != t || x->src != e->src || x->n.af != af ||
				    x->rr_orig != e->rr_orig)
					break;
				bool xa = export_eval(p, x, &pol_next);
				if (acc ? !xa || pol_next.sig != pol_first.sig : xa || x->initial)
					break;
				if (!xa) {
					o->pol_rejected++;
					p->pol_out_rejected++;
				}
				batch[k++] = x->n;
			}
			if (!acc)
				t = NULL;
		} else {
			/* A run of entries of one family with the same template (or all
			 * withdrawals). */
			while (k < o->n && k < OUT_BATCH && o->q[o->head + k].t == t &&
			       o->q[o->head + k].n.af == af &&
			       same_path(o->q[o->head + k].src, e->src) &&
			       o->q[o->head + k].rr_orig == e->rr_orig &&
			       (!e->rr_orig || o->q[o->head + k].src == e->src)) {
				batch[k] = o->q[o->head + k].n;
				k++;
			}
		}
		struct bbuf b = bbuf_make(buf, sizeof(buf));
		const struct pg_ip *nh = t ? &t->nexthop : NULL;
		int sent;
		if (t && !nh->family) {
			/* next hop self: the session's local address, of the route's family */
			nh = &p->local_ip;
			if (nh->family != (af == BGP_AF_IPV6 ? AF_INET6 : AF_INET)) {
				o->unsendable += k;
				q_pop(o, k);
				continue;
			}
		}
		if (t) {
			const struct rib_attr *s = e->src;
			const uint8_t *path = s ? s->data + s->aspath_off : NULL;
			uint16_t plen = s ? s->aspath_len : 0;
			export_attrs(p, t, &a);
			if (e->rr_orig)
				reflect_attrs(e, !pol, &a);
			if (pol) {
				export_apply(p, &pol_first, &a);
				if (pol_first.modified & BGP_PR_ASPATH) {
					path = pol_first.aspath;
					plen = pol_first.aspath_len;
				}
			}
			sent =
			    export_path(p, path, plen, &a) < 0
				? 0
				: bgp_update_write_announce(&b, af, &a, nh, NULL, batch, k, &p->tx);
		} else {
			sent = bgp_update_write_withdraw(&b, af, batch, k, &p->tx);
		}
		if (sent <= 0) {
			/* Cannot be encoded (never expected): drop the entry, not the session. */
			LOG_ERR("bgp: peer %s: cannot encode an UPDATE, route dropped",
				bgp_peer_name(p));
			sent = 1;
		} else if (bgp_peer_send(p, buf, b.len) < 0) {
			q_clear(o);
			return;
		}
		if (t)
			o->announced += (uint64_t)sent;
		else
			o->withdrawn += (uint64_t)sent;
		q_pop(o, (size_t)sent);
	}
	if (!o->n) {
		o->head = 0;
		for (unsigned af = 0; af < BGP_AF_MAX && o->eor_pending; af++) {
			if (!(o->eor_pending & BGP_AF_BIT(af)))
				continue;
			struct bbuf b = bbuf_make(buf, sizeof(buf));
			bgp_update_write_eor(&b, af);
			if (!b.err)
				bgp_peer_send(p, buf, b.len);
			o->eor_pending &= ~BGP_AF_BIT(af);
		}
	}
}

void out_poll(void)
{
	if (!out.ready)
		return;
	for (unsigned i = 0; i < out.n_po; i++)
		if (out.po[i].up && (out.po[i].n || out.po[i].eor_pending))
			drain(i);
}

int out_init(const struct bgp_conf *conf)
{
	memset(&out, 0, sizeof(out));
	out.conf = conf;
	out.n_po = conf->n_peers;
	out.po = calloc(out.n_po ? out.n_po : 1, sizeof(*out.po));
	out.agg_n = calloc(conf->n_aggregates ? conf->n_aggregates : 1, sizeof(*out.agg_n));
	if (!out.po || !out.agg_n || htab_init(&out.origs, 256) < 0) {
		out_fini();
		return -ENOMEM;
	}
	out.ready = true;
	return 0;
}

void out_fini(void)
{
	for (unsigned i = 0; out.po && i < out.n_po; i++) {
		q_clear(&out.po[i]);
		free(out.po[i].q);
	}
	for (size_t b = 0; out.origs.b && b <= out.origs.mask; b++) {
		struct hnode *h = out.origs.b[b];
		while (h) {
			struct hnode *next = h->next;
			struct orig *r = (struct orig *)h;
			tmpl_put(r->t);
			rib_attr_put(r->src);
			free(r);
			h = next;
		}
	}
	for (unsigned i = 0; i < out.n_tmpl; i++)
		tmpl_put(out.tmpl_by_vni[i]);
	free(out.origs.b);
	free(out.po);
	free(out.agg_n);
	memset(&out, 0, sizeof(out));
}

uint64_t bgp_out_advertised(const struct bgp_peer *p)
{
	const struct peer_out *o = po_of(p);
	return o ? o->announced : 0;
}
