/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "fib.h"
#include "nexthop.h"
#include "pkt.h"
#include "vni.h"
#include "worker.h"

#define PREFETCH_OFFSET 4

/* A batch of packets waiting for a FIB lookup, each with the VRF to look it up in. */
struct batch {
	uint16_t n;
	bool one_vrf;		/* every packet is in vrf[0] */
	uint32_t l2mc;		/* bit i: packet i came in a link-layer broadcast/multicast frame */
	uint32_t ip4[PG_BURST]; /* IPv4 batches: destination, host order */
	struct rte_mbuf *m[PG_BURST];
	uint16_t vrf[PG_BURST];
	/* Decapsulation batch (inner IPv4): the last VNI looked up in this burst. An L3VNI carries
	 * a whole VRF, so a burst mostly holds few VNIs; the table cannot be freed while the worker
	 * is inside a burst, so the answer stays valid for its length. */
	bool vni_ok;
	uint32_t vni;
	uint16_t vni_vrf, vni_slot;
};

static inline void pkt_drop(struct dp_worker *w, struct rte_mbuf *m, enum drop_reason r)
{
	w->st->drop[r]++;
	rte_pktmbuf_free(m);
}

static inline bool policer_take(struct dp_worker *w, enum punt_class cls)
{
	struct dp_policer *p = &w->pol[cls];
	uint64_t now = rte_rdtsc();
	uint64_t elapsed = now - p->last_tsc;

	if (elapsed > w->tsc_hz)
		elapsed = w->tsc_hz;
	if (elapsed * dp.punt_rate_pps >= w->tsc_hz) {
		p->tokens += elapsed * dp.punt_rate_pps / w->tsc_hz;
		if (p->tokens > dp.punt_burst)
			p->tokens = dp.punt_burst;
		p->last_tsc = now;
	}
	if (p->tokens == 0)
		return false;
	p->tokens--;
	return true;
}

static void punt(struct dp_worker *w, struct rte_mbuf *m, uint16_t in, enum punt_reason reason,
		 enum punt_class cls, uint32_t nh)
{
	struct pkt_meta *meta;

	if (!policer_take(w, cls)) {
		pkt_drop(w, m, DROP_PUNT_POLICED);
		return;
	}
	meta = pkt_meta(m);
	meta->reason = (uint16_t)reason;
	meta->port = in;
	meta->nh = nh;
	if (rte_ring_mp_enqueue(dp.punt[cls], m) != 0) {
		pkt_drop(w, m, DROP_PUNT_RING_FULL);
		return;
	}
	w->st->punt_class[cls]++;
	w->st->port[in].punt++;
}

/*
 * The packet is dropped (and counted under reason); unless it came out of a tunnel, the control
 * thread answers its sender with an ICMP error (policed like other punts, silently when over).
 */
static void drop_icmp(struct dp_worker *w, struct rte_mbuf *m, uint16_t in, enum drop_reason reason,
		      bool decapped, uint8_t type, uint8_t code, uint16_t mtu)
{
	struct pkt_meta *meta;

	w->st->drop[reason]++;
	if (decapped || !policer_take(w, PUNT_CLASS_OTHER)) {
		rte_pktmbuf_free(m);
		return;
	}
	meta = pkt_meta(m);
	meta->reason = PUNT_ICMP_ERROR;
	meta->port = in;
	meta->nh = (uint32_t)type << 24 | (uint32_t)code << 16 | mtu;
	if (rte_ring_mp_enqueue(dp.punt[PUNT_CLASS_OTHER], m) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	w->st->punt_class[PUNT_CLASS_OTHER]++;
}

static inline enum punt_class punt_class_l4(uint8_t proto)
{
	return proto == IPPROTO_TCP ? PUNT_CLASS_CTRL : PUNT_CLASS_OTHER;
}

static void tx_flush_port(struct dp_worker *w, uint16_t idx)
{
	struct dp_tx_buf *b = &w->tx[idx];
	const struct dp_port *p = dp.ports[idx];
	uint64_t bytes = b->bytes;
	uint16_t sent;

	if (p->tx_shared)
		rte_spinlock_lock((rte_spinlock_t *)&p->tx_lock);
	sent = rte_eth_tx_burst(p->port_id, w->txq[idx], b->m, b->n);
	if (p->tx_shared)
		rte_spinlock_unlock((rte_spinlock_t *)&p->tx_lock);
	if (sent < b->n) {
		for (uint16_t i = sent; i < b->n; i++) {
			bytes -= b->m[i]->pkt_len;
			pkt_drop(w, b->m[i], DROP_TX_FULL);
		}
	}
	w->st->port[idx].tx_pkts += sent;
	w->st->port[idx].tx_bytes += bytes;
	b->n = 0;
	b->bytes = 0;
}

static inline void tx_enqueue(struct dp_worker *w, uint16_t idx, struct rte_mbuf *m)
{
	struct dp_tx_buf *b = &w->tx[idx];

	b->bytes += m->pkt_len;
	b->m[b->n++] = m;
	if (b->n == PG_BURST)
		tx_flush_port(w, idx);
}

void dp_tx_flush(struct dp_worker *w)
{
	for (uint16_t i = 0; i < dp.n_ports; i++)
		if (w->tx[i].n)
			tx_flush_port(w, i);
}

static inline struct rte_ipv4_hdr *ip4_hdr(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
}

static inline struct rte_ipv6_hdr *ip6_hdr(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
}

/* First octet of an IPv4 address: what the fast path must leave to the full checks. */
#define O1_SRC_BAD 0x1 /* 127/8, multicast, class E: martian source */
#define O1_DST_ODD 0x2 /* 0/8, 127/8, multicast, class E, limited broadcast: not plain unicast */
static const uint8_t ip4_o1[256] = {
    [0] = O1_DST_ODD,
    [127] = O1_SRC_BAD | O1_DST_ODD,
    [224 ... 255] = O1_SRC_BAD | O1_DST_ODD,
};

/*
 * The common IPv4 packet: 20-byte header, no Ethernet padding, good checksum, unicast source and
 * destination. Everything else takes ip4_validate() (same verdicts, slower).
 */
static inline bool ip4_fast_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	/* Every test at once, without a branch each (the header bytes are inside the mbuf's
	 * buffer even when the frame is shorter; then the length test fails). */
	uint32_t odd = (uint32_t)(m->data_len < RTE_ETHER_HDR_LEN + 20) |
		       (uint32_t)(ip->version_ihl ^ 0x45) |
		       (((uint32_t)pg_bswap16(ip->total_length) + RTE_ETHER_HDR_LEN) ^ m->pkt_len) |
		       (ip4_o1[(uint8_t)ip->src_addr] & O1_SRC_BAD) |
		       (ip4_o1[(uint8_t)ip->dst_addr] & O1_DST_ODD);
	return likely(odd == 0) &&
	       ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD ||
		ip4_cksum20_ok(ip));
}

/* The common IPv6 packet: no padding, not ICMPv6, unicast global destination, sane source. */
static inline bool ip6_fast_ok(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip)
{
	return likely(m->data_len >= RTE_ETHER_HDR_LEN + sizeof(*ip) &&
		      (ip->vtc_flow & pg_bswap32(0xf0000000)) == pg_bswap32(0x60000000) &&
		      pg_bswap16(ip->payload_len) + sizeof(*ip) + RTE_ETHER_HDR_LEN == m->pkt_len &&
		      ip->proto != IPPROTO_ICMPV6 && ip->src_addr[0] != 0xff &&
		      ip->src_addr[0] != 0 && ip->dst_addr[0] != 0xff && ip->dst_addr[0] != 0xfe);
}

/* RFC 1812 receive checks. Returns DROP_MAX when the packet is good (trimmed to its IP length). */
static inline enum drop_reason ip4_validate(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr)))
		return DROP_IP4_TOO_SHORT;
	ip = ip4_hdr(m);
	ihl = (uint32_t)(ip->version_ihl & 0xf) << 2;
	if (unlikely((ip->version_ihl >> 4) != 4 || ihl < 20))
		return DROP_IP4_BAD_VERSION;
	tot = pg_bswap16(ip->total_length);
	if (unlikely(tot < ihl || tot + RTE_ETHER_HDR_LEN > m->pkt_len ||
		     RTE_ETHER_HDR_LEN + ihl > m->data_len))
		return DROP_IP4_BAD_LENGTH;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD) {
		if (unlikely((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
				 RTE_MBUF_F_RX_IP_CKSUM_BAD ||
			     !ip4_cksum_ok(ip, ihl)))
			return DROP_IP4_BAD_CHECKSUM;
	}
	uint8_t s0 = (uint8_t)ip->src_addr; /* first octet: network order */
	if (unlikely(s0 >= 224 || s0 == 127))
		return DROP_IP4_BAD_SOURCE;
	uint8_t d0 = (uint8_t)ip->dst_addr;
	if (unlikely(d0 == 0 || d0 == 127 || (d0 >= 240 && ip->dst_addr != 0xffffffff)))
		return DROP_IP4_MARTIAN_DEST;
	if (unlikely(tot + RTE_ETHER_HDR_LEN < m->pkt_len))
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - tot - RTE_ETHER_HDR_LEN));
	return DROP_MAX;
}

static inline enum drop_reason ip6_validate(struct rte_mbuf *m)
{
	struct rte_ipv6_hdr *ip;
	uint32_t plen;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr)))
		return DROP_IP6_TOO_SHORT;
	ip = ip6_hdr(m);
	if (unlikely((pg_bswap32(ip->vtc_flow) >> 28) != 6))
		return DROP_IP6_BAD_VERSION;
	plen = pg_bswap16(ip->payload_len);
	if (unlikely(plen + sizeof(*ip) + RTE_ETHER_HDR_LEN > m->pkt_len))
		return DROP_IP6_BAD_LENGTH;
	static const uint8_t loopback[16] = {[15] = 1};
	if (unlikely(ip->src_addr[0] == 0xff || memcmp(ip->src_addr, loopback, 16) == 0))
		return DROP_IP6_BAD_SOURCE;
	if (unlikely(plen + sizeof(*ip) + RTE_ETHER_HDR_LEN < m->pkt_len))
		rte_pktmbuf_trim(m,
				 (uint16_t)(m->pkt_len - plen - sizeof(*ip) - RTE_ETHER_HDR_LEN));
	return DROP_MAX;
}

static inline uint32_t flow_hash4(const struct rte_ipv4_hdr *ip)
{
	uint32_t h = pg_crc32_u64(((uint64_t)ip->src_addr << 32) | ip->dst_addr, ip->next_proto_id);
	if ((ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP) &&
	    !(ip->fragment_offset & pg_bswap16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))) {
		uint32_t ports;
		memcpy(&ports, (const uint8_t *)ip + ((ip->version_ihl & 0xf) << 2), 4);
		h = pg_crc32_u32(ports, h);
	}
	return h;
}

static inline uint32_t flow_hash6(const struct rte_ipv6_hdr *ip)
{
	uint64_t a[4];
	memcpy(a, ip->src_addr, sizeof(a)); /* source and destination */
	uint32_t h = pg_crc32_u64(a[0], ip->proto);
	h = pg_crc32_u64(a[1], h);
	h = pg_crc32_u64(a[2], h);
	h = pg_crc32_u64(a[3], h);
	if (ip->proto == IPPROTO_TCP || ip->proto == IPPROTO_UDP) {
		uint32_t ports;
		memcpy(&ports, ip + 1, 4);
		h = pg_crc32_u32(ports, h);
	}
	return h;
}

/* Prepend the VXLAN template in front of the packet's (inner) Ethernet header. */
static inline int vxlan_encap(struct dp_worker *w, struct rte_mbuf *m, const struct nh *nh,
			      uint16_t ether_type_be, uint32_t hash)
{
	uint32_t inner_len = m->pkt_len;
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, VXLAN_OVERHEAD);

	if (unlikely(h == NULL))
		return -1;
	rte_memcpy(h, nh->hdr, NH_VXLAN_HDR_LEN);
	*(uint16_t *)(h + NH_VXLAN_HDR_LEN) = ether_type_be;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(h + RTE_ETHER_HDR_LEN);
	uint16_t tot = pg_bswap16((uint16_t)(m->pkt_len - RTE_ETHER_HDR_LEN));
	ip->total_length = tot;
	ip->hdr_checksum = nh_ip_csum_add_len(nh->ip_csum, tot);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(h + 34);
	udp->src_port = pg_bswap16((uint16_t)(0xc000 | (hash & 0x3fff)));
	udp->dgram_len = pg_bswap16((uint16_t)(m->pkt_len - 34));
	struct dp_vni_stats *vs = &w->st->vni[nh->vni_idx];
	vs->encap_pkts++;
	vs->encap_bytes += inner_len;
	return 0;
}

/* Replace the Ethernet header of an IPv4 packet by the IPIP template. */
static inline int ipip_encap(struct dp_worker *w, struct rte_mbuf *m, const struct nh *nh)
{
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, NH_IPIP_HDR_LEN - RTE_ETHER_HDR_LEN);

	if (unlikely(h == NULL))
		return -1;
	rte_memcpy(h, nh->hdr, NH_IPIP_HDR_LEN);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(h + RTE_ETHER_HDR_LEN);
	uint16_t tot = pg_bswap16((uint16_t)(m->pkt_len - RTE_ETHER_HDR_LEN));
	ip->total_length = tot;
	ip->hdr_checksum = nh_ip_csum_add_len(nh->ip_csum, tot);
	w->st->ipip_encap++;
	return 0;
}

/* Send or hold an encapsulated / rewritten packet whose next hop needs a MAC. */
static inline void nh_output(struct dp_worker *w, struct rte_mbuf *m, uint16_t in,
			     const struct nh *nh)
{
	if (likely(nh->flags & NH_F_RESOLVED)) {
		tx_enqueue(w, nh->port, m);
		return;
	}
	uint32_t want = nh->type == NH_DIRECT ? nh->id : nh->under;
	if (want == 0) {
		pkt_drop(w, m, DROP_TUNNEL_NO_UNDERLAY);
		return;
	}
	punt(w, m, in, PUNT_RESOLVE, PUNT_CLASS_RESOLVE, want);
}

/*
 * The packet is longer than nh's MTU, or nh has none (ECMP group, blackhole): pick the ECMP member,
 * drop for a blackhole, drop too-big packets (with an ICMP error when icmp_ok). Returns the next
 * hop to forward through, or NULL when the packet was consumed.
 */
static const struct nh *fwd_over_mtu(struct dp_worker *w, struct rte_mbuf *m, uint16_t in,
				     const struct nh *nh, uint32_t l3len, uint32_t hash,
				     bool decapped, bool icmp_ok, uint8_t icmp_type,
				     uint8_t icmp_code)
{
	if (nh->type == NH_ECMP) {
		nh = nh_get(nh->member[hash % nh->n]);
		if (unlikely(nh == NULL)) {
			pkt_drop(w, m, DROP_NH_INVALID);
			return NULL;
		}
	}
	if (nh->type == NH_BLACKHOLE) {
		pkt_drop(w, m, DROP_BLACKHOLE);
		return NULL;
	}
	if (l3len <= nh->mtu)
		return nh;
	if (icmp_ok)
		drop_icmp(w, m, in, DROP_MTU_EXCEEDED, decapped, icmp_type, icmp_code, nh->mtu);
	else
		pkt_drop(w, m, DROP_MTU_EXCEEDED);
	return NULL;
}

/* Rewrite or encapsulate a routed packet (TTL already done) for next hop nh and send it. */
static __rte_always_inline void nh_send(struct dp_worker *w, struct rte_mbuf *m, uint16_t in,
					const struct nh *nh, const void *l3, bool v6)
{
	const uint16_t type_be =
	    v6 ? pg_bswap16(RTE_ETHER_TYPE_IPV6) : pg_bswap16(RTE_ETHER_TYPE_IPV4);
	struct rte_ether_hdr *eth;

	if (likely(nh->type == NH_DIRECT)) {
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		rte_memcpy(eth, &nh->eth, 12);
		eth->ether_type = type_be;
		nh_output(w, m, in, nh);
		return;
	}
	switch (nh->type) {
	case NH_CONNECTED:
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		memset(&eth->dst_addr, 0, 6);
		rte_ether_addr_copy(&nh->eth.src, &eth->src_addr);
		eth->ether_type = type_be;
		punt(w, m, in, PUNT_CONNECTED, PUNT_CLASS_RESOLVE, nh->id);
		break;
	case NH_VXLAN:
		if (unlikely(vxlan_encap(w, m, nh, type_be, v6 ? flow_hash6(l3) : flow_hash4(l3)) <
			     0)) {
			pkt_drop(w, m, DROP_HEADROOM);
			break;
		}
		nh_output(w, m, in, nh);
		break;
	case NH_IPIP:
		if (v6) {
			pkt_drop(w, m, DROP_IPIP_INNER_V6);
			break;
		}
		if (unlikely(ipip_encap(w, m, nh) < 0)) {
			pkt_drop(w, m, DROP_HEADROOM);
			break;
		}
		nh_output(w, m, in, nh);
		break;
	default:
		pkt_drop(w, m, DROP_NH_INVALID);
	}
}

/*
 * Forward an IPv4 packet through next hop nh. Returns its IP length when it counts as forwarded
 * in its VRF (it passed the TTL check; the caller adds the VRF counters per run), else 0.
 */
static inline uint32_t fwd4(struct dp_worker *w, struct rte_mbuf *m, uint16_t in,
			    const struct nh *nh, bool decapped)
{
	struct rte_ipv4_hdr *ip = ip4_hdr(m);
	uint32_t l3len = m->pkt_len - RTE_ETHER_HDR_LEN;

	/* Kinds without an MTU (ECMP groups, blackholes) take this branch too. */
	if (unlikely(l3len > nh->mtu)) {
		/* We do not fragment: with DF the sender learns the MTU (RFC 1191). */
		bool df = ip->fragment_offset & pg_bswap16(RTE_IPV4_HDR_DF_FLAG);
		nh = fwd_over_mtu(w, m, in, nh, l3len, flow_hash4(ip), decapped, df, 3, 4);
		if (!nh)
			return 0;
	}
	if (unlikely(ip->time_to_live <= 1)) {
		drop_icmp(w, m, in, DROP_IP4_TTL_EXCEEDED, decapped, 11, 0, 0);
		return 0;
	}
	/* TTL - 1 with incremental checksum update (RFC 1624: never turn 0x0000 into 0xffff). */
	ip->time_to_live--;
	uint32_t sum = (uint32_t)ip->hdr_checksum + pg_bswap16(0x0100);
	ip->hdr_checksum = (uint16_t)(sum + (sum >= 0xffff));

	nh_send(w, m, in, nh, ip, false);
	return l3len;
}

static inline uint32_t fwd6(struct dp_worker *w, struct rte_mbuf *m, uint16_t in,
			    const struct nh *nh, bool decapped)
{
	struct rte_ipv6_hdr *ip = ip6_hdr(m);
	uint32_t l3len = m->pkt_len - RTE_ETHER_HDR_LEN;

	if (unlikely(l3len > nh->mtu)) {
		nh = fwd_over_mtu(w, m, in, nh, l3len, flow_hash6(ip), decapped, true, 2, 0);
		if (!nh)
			return 0;
	}
	if (unlikely(ip->hop_limits <= 1)) {
		drop_icmp(w, m, in, DROP_IP6_HOP_LIMIT, decapped, 3, 0, 0);
		return 0;
	}
	ip->hop_limits--;

	nh_send(w, m, in, nh, ip, true);
	return l3len;
}

static inline bool mac_eq(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	uint32_t a4, b4;
	uint16_t a2, b2;

	memcpy(&a4, a, 4);
	memcpy(&b4, b, 4);
	memcpy(&a2, &a->addr_bytes[4], 2);
	memcpy(&b2, &b->addr_bytes[4], 2);
	return ((a4 ^ b4) | (uint32_t)(a2 ^ b2)) == 0;
}

/* Strip len bytes of headers the caller has already checked are in the first segment. */
static inline void pkt_adj(struct rte_mbuf *m, uint16_t len)
{
	m->data_off = (uint16_t)(m->data_off + len);
	m->data_len = (uint16_t)(m->data_len - len);
	m->pkt_len -= len;
}

/* Validate a decapsulated inner packet (Ethernet header in front) and queue it for lookup. */
static __rte_always_inline void inner_enqueue(struct dp_worker *w, struct rte_mbuf *m, uint16_t vrf,
					      bool v6, struct batch *b4, struct batch *b6)
{
	struct batch *b = v6 ? b6 : b4;
	bool fast = v6 ? ip6_fast_ok(m, ip6_hdr(m)) : ip4_fast_ok(m, ip4_hdr(m));

	if (unlikely(!fast)) {
		enum drop_reason r = v6 ? ip6_validate(m) : ip4_validate(m);
		if (unlikely(r != DROP_MAX)) {
			pkt_drop(w, m, r);
			return;
		}
	}
	if (!v6)
		b->ip4[b->n] = pg_bswap32(ip4_hdr(m)->dst_addr);
	b->m[b->n] = m;
	b->vrf[b->n] = vrf;
	b->one_vrf &= vrf == b->vrf[0]; /* vrf[0] is this one when the batch was empty */
	b->n++;
}

static inline int vni_lookup_cached(struct batch *c, uint32_t vni, uint16_t *vrf, uint16_t *slot)
{
	if (likely(c->vni_ok && c->vni == vni)) {
		*vrf = c->vni_vrf;
		*slot = c->vni_slot;
		return 0;
	}
	if (vni_lookup(vni, vrf, slot) < 0)
		return -1;
	c->vni_ok = true;
	c->vni = vni;
	c->vni_vrf = *vrf;
	c->vni_slot = *slot;
	return 0;
}

static __rte_always_inline void vxlan_decap(struct dp_worker *w, struct rte_mbuf *m,
					    struct rte_ipv4_hdr *ip, uint32_t ihl, struct batch *b4,
					    struct batch *b6)
{
	uint32_t off = RTE_ETHER_HDR_LEN + ihl + sizeof(struct rte_udp_hdr);
	uint32_t flags;
	uint16_t tvrf, vrf, slot;

	if (unlikely(m->data_len < off + 8 + RTE_ETHER_HDR_LEN)) {
		pkt_drop(w, m, DROP_VXLAN_TOO_SHORT);
		return;
	}
	if (unlikely(tun_lookup(ip->src_addr, &flags, &tvrf) < 0 || !(flags & TUN_F_VXLAN))) {
		pkt_drop(w, m, DROP_VXLAN_UNKNOWN_VTEP);
		return;
	}
	const uint8_t *vx = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	if (unlikely(!(vx[0] & 0x08))) {
		pkt_drop(w, m, DROP_VXLAN_BAD_FLAGS);
		return;
	}
	uint32_t vni_w;
	memcpy(&vni_w, vx + 4, 4);
	uint32_t vni = pg_bswap32(vni_w) >> 8;
	if (unlikely(vni_lookup_cached(b4, vni, &vrf, &slot) < 0)) {
		pkt_drop(w, m, DROP_VXLAN_UNKNOWN_VNI);
		return;
	}
	const struct rte_ether_hdr *ieth = (const struct rte_ether_hdr *)(vx + 8);
	if (unlikely(!mac_eq(&ieth->dst_addr, &dp.vni_rmac[slot]))) {
		pkt_drop(w, m, DROP_VXLAN_INNER_DMAC);
		return;
	}
	uint16_t type = ieth->ether_type;
	if (unlikely(type != pg_bswap16(RTE_ETHER_TYPE_IPV4) &&
		     type != pg_bswap16(RTE_ETHER_TYPE_IPV6))) {
		pkt_drop(w, m, DROP_VXLAN_INNER_TYPE);
		return;
	}
	pkt_adj(m, (uint16_t)(off + 8));
	struct dp_vni_stats *vs = &w->st->vni[slot];
	vs->decap_pkts++;
	vs->decap_bytes += m->pkt_len;
	inner_enqueue(w, m, vrf, type == pg_bswap16(RTE_ETHER_TYPE_IPV6), b4, b6);
}

static __rte_always_inline void ipip_decap(struct dp_worker *w, struct rte_mbuf *m,
					   struct rte_ipv4_hdr *ip, uint32_t ihl, struct batch *b4)
{
	uint32_t flags;
	uint16_t vrf;

	if (unlikely(tun_lookup(ip->src_addr, &flags, &vrf) < 0 || !(flags & TUN_F_IPIP))) {
		pkt_drop(w, m, DROP_IPIP_UNKNOWN_PEER);
		return;
	}
	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN + ihl + sizeof(struct rte_ipv4_hdr))) {
		pkt_drop(w, m, DROP_IPIP_TOO_SHORT);
		return;
	}
	/* Drop the outer IPv4 header; the 14 bytes before the inner header become its Ethernet. */
	pkt_adj(m, (uint16_t)ihl);
	w->st->ipip_decap++;
	inner_enqueue(w, m, vrf, false, b4, NULL);
}

/* Packet to one of our addresses: terminate a tunnel or hand it to the kernel. */
static inline void local4(struct dp_worker *w, struct rte_mbuf *m, uint16_t in, uint16_t vrf,
			  bool decapped, struct batch *b4, struct batch *b6)
{
	struct rte_ipv4_hdr *ip = ip4_hdr(m);
	uint32_t ihl = (uint32_t)(ip->version_ihl & 0xf) << 2;
	/* Tunnels terminate in the underlay (default VRF) only: a tenant cannot inject VXLAN or
	 * IPIP into other VRFs by sending it to an address of its own VRF. */
	bool underlay = vrf == PG_VRF_DEFAULT;
	bool to_vtep =
	    underlay && ip->dst_addr == atomic_load_explicit(&dp.vtep4, memory_order_relaxed);

	if (ip->next_proto_id == IPPROTO_UDP && to_vtep &&
	    m->data_len >= RTE_ETHER_HDR_LEN + ihl + sizeof(struct rte_udp_hdr)) {
		const struct rte_udp_hdr *udp =
		    rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, RTE_ETHER_HDR_LEN + ihl);
		if (udp->dst_port == atomic_load_explicit(&dp.vxlan_port, memory_order_relaxed)) {
			if (unlikely(decapped))
				pkt_drop(w, m, DROP_TUNNEL_LOOP);
			else
				vxlan_decap(w, m, ip, ihl, b4, b6);
			return;
		}
	}
	if (ip->next_proto_id == IPPROTO_IPIP && underlay) {
		if (unlikely(decapped))
			pkt_drop(w, m, DROP_TUNNEL_LOOP);
		else
			ipip_decap(w, m, ip, ihl, b4);
		return;
	}
	punt(w, m, in, PUNT_LOCAL, punt_class_l4(ip->next_proto_id), 0);
}

/* End of the run of packets in the same VRF as packet i. */
static inline uint16_t vrf_run_end(const struct batch *b, uint16_t i)
{
	uint16_t j = i + 1;

	if (b->one_vrf)
		return b->n;
	while (j < b->n && b->vrf[j] == b->vrf[i])
		j++;
	return j;
}

static inline void vrf_count(struct dp_worker *w, uint16_t vrf, uint64_t pkts, uint64_t bytes)
{
	w->st->vrf[vrf].fwd_pkts += pkts;
	w->st->vrf[vrf].fwd_bytes += bytes;
}

/* Look up a batch (per run of equal VRF) and forward; decapsulated packets land in b4/b6. */
static void route4(struct dp_worker *w, uint16_t in, struct batch *b, bool decapped,
		   struct batch *b4, struct batch *b6)
{
	uint64_t nhs[PG_BURST];

	for (uint16_t i = 0, j; i < b->n; i = j) {
		const uint16_t vrf = b->vrf[i];
		const struct dp_vrf *v = rcu_dereference(dp.vrfs[vrf]);
		uint64_t pkts = 0, bytes = 0;

		j = vrf_run_end(b, i);
		if (likely(v != NULL))
			fib4_lookup_bulk(v, &b->ip4[i], &nhs[i], j - i);
		else
			memset(&nhs[i], 0, (j - i) * sizeof(nhs[0]));
		for (uint16_t k = i; k < j; k++) {
			struct rte_mbuf *m = b->m[k];
			if (k + PREFETCH_OFFSET < j)
				rte_prefetch0(nh_get((uint32_t)nhs[k + PREFETCH_OFFSET]));
			const struct nh *nh = nh_get((uint32_t)nhs[k]);
			if (unlikely(nh == NULL)) {
				pkt_drop(w, m, nhs[k] == 0 ? DROP_IP4_NO_ROUTE : DROP_NH_INVALID);
				continue;
			}
			if (nh->type == NH_LOCAL) {
				local4(w, m, in, vrf, decapped, b4, b6);
				continue;
			}
			if (unlikely(b->l2mc) && (b->l2mc >> k) & 1) {
				pkt_drop(w, m, DROP_L2_MCAST_FORWARD);
				continue;
			}
			uint32_t len = fwd4(w, m, in, nh, decapped);
			pkts += len != 0;
			bytes += len;
		}
		vrf_count(w, vrf, pkts, bytes);
	}
}

static void route6(struct dp_worker *w, uint16_t in, struct batch *b, bool decapped)
{
	uint8_t ips[PG_BURST][16];
	uint64_t nhs[PG_BURST];

	for (uint16_t k = 0; k < b->n; k++)
		rte_memcpy(ips[k], ip6_hdr(b->m[k])->dst_addr, 16);
	for (uint16_t i = 0, j; i < b->n; i = j) {
		const uint16_t vrf = b->vrf[i];
		const struct dp_vrf *v = rcu_dereference(dp.vrfs[vrf]);
		uint64_t pkts = 0, bytes = 0;

		j = vrf_run_end(b, i);
		if (likely(v != NULL))
			fib6_lookup_bulk(v, &ips[i], &nhs[i], j - i);
		else
			memset(&nhs[i], 0, (j - i) * sizeof(nhs[0]));
		for (uint16_t k = i; k < j; k++) {
			struct rte_mbuf *m = b->m[k];
			const struct nh *nh = nh_get((uint32_t)nhs[k]);
			if (unlikely(nh == NULL)) {
				pkt_drop(w, m, nhs[k] == 0 ? DROP_IP6_NO_ROUTE : DROP_NH_INVALID);
				continue;
			}
			if (nh->type == NH_LOCAL) {
				punt(w, m, in, PUNT_LOCAL, punt_class_l4(ip6_hdr(m)->proto), 0);
				continue;
			}
			if (unlikely(b->l2mc) && (b->l2mc >> k) & 1) {
				pkt_drop(w, m, DROP_L2_MCAST_FORWARD);
				continue;
			}
			uint32_t len = fwd6(w, m, in, nh, decapped);
			pkts += len != 0;
			bytes += len;
		}
		vrf_count(w, vrf, pkts, bytes);
	}
}

/* IPv6 destinations the kernel must see before any route lookup: ND, link-local, multicast. */
static inline bool ip6_punt_early(struct dp_worker *w, struct rte_mbuf *m, uint16_t in)
{
	struct rte_ipv6_hdr *ip = ip6_hdr(m);

	if (ip->proto == IPPROTO_ICMPV6 && m->data_len >= RTE_ETHER_HDR_LEN + sizeof(*ip) + 1) {
		uint8_t type = *(const uint8_t *)(ip + 1);
		if (type >= 133 && type <= 137) {
			punt(w, m, in, PUNT_ND, PUNT_CLASS_CTRL, 0);
			return true;
		}
	}
	if (ip->dst_addr[0] == 0xff) {
		if (ip->dst_addr[1] == 0x02)
			punt(w, m, in, PUNT_LINK_LOCAL, PUNT_CLASS_OTHER, 0);
		else
			pkt_drop(w, m, DROP_IP_MULTICAST);
		return true;
	}
	if (ip->dst_addr[0] == 0xfe && (ip->dst_addr[1] & 0xc0) == 0x80) {
		punt(w, m, in, PUNT_LINK_LOCAL, punt_class_l4(ip->proto), 0);
		return true;
	}
	return false;
}

static inline bool ip4_punt_early(struct dp_worker *w, struct rte_mbuf *m, uint16_t in)
{
	uint32_t dst = pg_bswap32(ip4_hdr(m)->dst_addr);

	if (likely((dst >> 28) != 0xe && dst != 0xffffffff))
		return false;
	/* Local network control block and limited broadcast go to the kernel, the rest is dropped.
	 */
	if (dst == 0xffffffff || (dst >> 8) == 0xe00000)
		punt(w, m, in, PUNT_LOCAL, PUNT_CLASS_OTHER, 0);
	else
		pkt_drop(w, m, DROP_IP_MULTICAST);
	return true;
}

/* IPv4 packets off the fast test: full checks, then what goes to the kernel before any lookup.
 * Returns true when the packet goes on to the route lookup. */
static __rte_noinline bool classify4_slow(struct dp_worker *w, struct rte_mbuf *m, uint16_t in)
{
	enum drop_reason r = ip4_validate(m);

	if (unlikely(r != DROP_MAX)) {
		pkt_drop(w, m, r);
		return false;
	}
	return !ip4_punt_early(w, m, in);
}

static __rte_noinline bool classify6_slow(struct dp_worker *w, struct rte_mbuf *m, uint16_t in)
{
	enum drop_reason r = ip6_validate(m);

	if (unlikely(r != DROP_MAX)) {
		pkt_drop(w, m, r);
		return false;
	}
	return !ip6_punt_early(w, m, in);
}

void dp_process_burst(struct dp_worker *w, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_port *port = dp.ports[in];
	struct dp_port_stats *ps = &w->st->port[in];
	struct batch b4, b6, i4, i6; /* only .n is initialised: zeroing 4 batches costs per burst */
	uint64_t rx_bytes = 0;

	b4.n = b6.n = i4.n = i6.n = 0;
	b4.l2mc = b6.l2mc = i4.l2mc = i6.l2mc = 0;
	b4.one_vrf = b6.one_vrf = true;
	const uint32_t vtep = atomic_load_explicit(&dp.vtep4, memory_order_relaxed);
	const uint16_t vxlan_port = atomic_load_explicit(&dp.vxlan_port, memory_order_relaxed);
	b4.vrf[0] = b6.vrf[0] = port->vrf;
	i4.one_vrf = i6.one_vrf = true;
	i4.vni_ok = false;

	for (uint16_t i = 0; i < n && i < PREFETCH_OFFSET; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + PREFETCH_OFFSET < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_OFFSET], void *));
		rx_bytes += m->pkt_len;
		if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
			pkt_drop(w, m, DROP_ETH_TOO_SHORT);
			continue;
		}
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		uint64_t dmac;
		bool l2mc = false;
		memcpy(&dmac, eth, sizeof(dmac));
		dmac &= RTE_BE64(0xffffffffffff0000); /* the 6 destination bytes */
		if (unlikely(dmac != port->mac64)) {
			if (!rte_is_multicast_ether_addr(&eth->dst_addr)) {
				pkt_drop(w, m, DROP_ETH_NOT_FOR_US);
				continue;
			}
			l2mc = true;
		}
		const uint16_t ether_type = eth->ether_type;
		if (likely(ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
			struct rte_ipv4_hdr *ip = ip4_hdr(m);
			if (likely(ip4_fast_ok(m, ip))) {
				/* VXLAN or IPIP to our VTEP on an underlay port: decapsulate
				 * without looking up our own address first. */
				if (ip->dst_addr == vtep && port->vrf == PG_VRF_DEFAULT) {
					if (ip->next_proto_id == IPPROTO_UDP &&
					    m->data_len >= RTE_ETHER_HDR_LEN + 28 &&
					    rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *,
								    34)
						    ->dst_port == vxlan_port) {
						vxlan_decap(w, m, ip, 20, &i4, &i6);
						continue;
					}
					if (ip->next_proto_id == IPPROTO_IPIP) {
						ipip_decap(w, m, ip, 20, &i4);
						continue;
					}
				}
			} else if (!classify4_slow(w, m, in)) {
				continue;
			}
			if (unlikely(l2mc))
				b4.l2mc |= 1u << b4.n;
			b4.ip4[b4.n] = pg_bswap32(ip->dst_addr);
			b4.m[b4.n++] = m;
		} else if (ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
			if (unlikely(!ip6_fast_ok(m, ip6_hdr(m))) && !classify6_slow(w, m, in))
				continue;
			if (unlikely(l2mc))
				b6.l2mc |= 1u << b6.n;
			b6.m[b6.n++] = m;
		} else if (ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			punt(w, m, in, PUNT_ARP, PUNT_CLASS_CTRL, 0);
		} else {
			pkt_drop(w, m, DROP_ETH_UNSUPPORTED);
		}
	}
	ps->rx_pkts += n;
	ps->rx_bytes += rx_bytes;
	if (b4.n)
		route4(w, in, &b4, false, &i4, &i6);
	if (b6.n)
		route6(w, in, &b6, false);
	/* Decapsulated packets: one more lookup in the VNI's / tunnel's VRF, no further decap. */
	if (i4.n)
		route4(w, in, &i4, true, NULL, NULL);
	if (i6.n)
		route6(w, in, &i6, true);
}

static void inject_drain(struct dp_worker *w, uint16_t idx)
{
	const struct dp_port *p = dp.ports[idx];
	struct rte_mbuf *m[PG_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(p->inject, (void **)m, PG_BURST, NULL);

	for (unsigned i = 0; i < n; i++)
		tx_enqueue(w, idx, m[i]);
	w->st->port[idx].inject += n;
}

unsigned worker_poll_once(struct dp_worker *w)
{
	struct rte_mbuf *pkts[PG_BURST];
	unsigned total = 0;

	for (unsigned q = 0; q < w->n_rxq; q++) {
		const struct dp_rxq *rq = &w->rxq[q];
		uint16_t n =
		    rte_eth_rx_burst(dp.ports[rq->port]->port_id, rq->queue, pkts, PG_BURST);
		if (n) {
			dp_process_burst(w, rq->port, pkts, n);
			total += n;
		}
	}
	for (unsigned i = 0; i < w->n_inject; i++)
		inject_drain(w, w->inject_port[i]);
	dp_tx_flush(w);
	return total;
}

int worker_main(void *arg)
{
	struct dp_worker *w = arg;

	w->tsc_hz = rte_get_tsc_hz();
	for (unsigned c = 0; c < PUNT_CLASS_MAX; c++) {
		w->pol[c].tokens = dp.punt_burst;
		w->pol[c].last_tsc = rte_rdtsc();
	}
	rcu_worker_register(w->id);
	while (atomic_load_explicit(&dp.running, memory_order_relaxed)) {
		uint64_t t0 = rte_rdtsc();
		unsigned n = worker_poll_once(w);
		w->st->loops++;
		if (n) {
			w->st->busy_loops++;
			w->st->busy_cycles += rte_rdtsc() - t0;
		}
		rcu_worker_quiescent(w->id);
	}
	dp_tx_flush(w);
	rcu_worker_unregister(w->id);
	return 0;
}
