/* SPDX-License-Identifier: BSD-3-Clause */
#include <limits.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "fib.h"
#include "l2.h"
#include "nexthop.h"
#include "pkt.h"
#include "vni.h"
#include "worker.h"

#define PREFETCH_OFFSET 4

/* A packet and a byte counter += (1, bytes), as two read-modify-write adds: left to itself the
 * optimiser merges the adjacent counters into a vector load, insert, add and store. */
static __rte_always_inline void ctr_add2(uint64_t *pkts, uint64_t *bytes, uint64_t n)
{
#if defined(__x86_64__)
	__asm__("addq $1, %0\n\t"
		"addq %2, %1"
		: "+m"(*pkts), "+m"(*bytes)
		: "r"(n)
		: "cc");
#else
	*pkts += 1;
	*bytes += n;
#endif
}

/* A batch of packets waiting for a FIB lookup, each with the VRF to look it up in. */
struct batch {
	uint16_t n;
	bool one_vrf;		/* every packet is in vrf[0] */
	uint32_t l2mc;		/* bit i: packet i came in a link-layer broadcast/multicast frame */
	uint32_t ip4[PG_BURST]; /* IPv4 batches: destination, host order */
	struct rte_mbuf *m[PG_BURST];
	uint8_t *hdr[PG_BURST]; /* IPv4 batches: rte_pktmbuf_mtod(m[i]) (the Ethernet header) */
	uint64_t nh[PG_BURST];	/* IPv4 batches: next hop ids (route4), beside m[] and hdr[]: one
				 * index register for all three in the forwarding loop */
	uint16_t vrf[PG_BURST]; /* [0] only in b4/b6 (one_vrf); see batch_vrf_scan */
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

/* The per-packet fields of outer headers copied from a VXLAN template at h (the frame, now
 * m->pkt_len bytes, starts there): lengths, checksum, UDP source port; the VNI's counters. */
static inline void vxlan_outer_fill(struct dp_worker *w, struct rte_mbuf *m, uint8_t *h,
				    const struct nh *nh, uint32_t hash, uint32_t inner_len)
{
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
	vxlan_outer_fill(w, m, h, nh, hash, inner_len);
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

static void l2_from_gateway(struct dp_worker *w, struct rte_mbuf *m, uint16_t port);

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
	case NH_BD:
		eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		rte_memcpy(eth, &nh->eth, 12);
		eth->ether_type = type_be;
		if (unlikely(!(nh->flags & NH_F_RESOLVED)))
			punt(w, m, in, PUNT_RESOLVE, PUNT_CLASS_RESOLVE, nh->id);
		else
			l2_from_gateway(w, m, nh->port);
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

/* pkt_len and data_len are adjacent: both change by len in one 64-bit add (neither wraps). */
_Static_assert(offsetof(struct rte_mbuf, data_len) == offsetof(struct rte_mbuf, pkt_len) + 4,
	       "rte_mbuf layout");
static __rte_always_inline void pkt_lens_add(struct rte_mbuf *m, int64_t len)
{
	uint64_t v;

	memcpy(&v, &m->pkt_len, 8);
	v += (uint64_t)len << 32 | (uint32_t)len;
	memcpy(&m->pkt_len, &v, 8);
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
	if (!v6) {
		b->ip4[b->n] = pg_bswap32(ip4_hdr(m)->dst_addr);
		b->hdr[b->n] = rte_pktmbuf_mtod(m, uint8_t *);
	}
	b->m[b->n] = m;
	b->vrf[b->n] = vrf;
	b->n++;
}

/* ---- L2VNI bridging ---- */

#define L2_FROM_VTEP UINT16_MAX /* l2_flood()'s in for decapsulated frames: no local port */

/* Route what was queued for gateway ports: one dp_process_burst() per run of the same port. */
static __rte_noinline void irb_flush(struct dp_worker *w)
{
	struct rte_mbuf *m[PG_BURST];
	uint16_t in[PG_BURST];
	const unsigned n = w->n_irb;

	memcpy(m, w->irb_m, n * sizeof(m[0]));
	memcpy(in, w->irb_in, n * sizeof(in[0]));
	w->n_irb = 0;
	for (unsigned i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && in[j] == in[i]; j++)
			;
		dp_process_burst(w, in[i], &m[i], (uint16_t)(j - i));
	}
}

/* A frame for the gateway (its MAC, or a broadcast it must see): routed as received on the
 * gateway's virtual port, after the current burst. */
static inline void irb_queue(struct dp_worker *w, struct rte_mbuf *m, uint16_t port)
{
	if (unlikely(w->n_irb == PG_BURST))
		irb_flush(w);
	w->irb_in[w->n_irb] = port;
	w->irb_m[w->n_irb++] = m;
}

static inline bool mac_is(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return rte_is_same_ether_addr(a, b);
}

/* Entropy for the outer UDP source port of a bridged frame: the inner IPv4 flow when there is
 * one, else the MAC addresses. */
static inline uint32_t l2_flow_hash(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t macs;
	uint32_t tail;

	if (((const struct rte_ether_hdr *)p)->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    m->data_len >= RTE_ETHER_HDR_LEN + 20)
		return flow_hash4((const struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN));
	memcpy(&macs, p, 8);
	memcpy(&tail, p + 8, 4);
	return pg_crc32_u64(macs, tail);
}

/* Encapsulate a bridged frame (its own Ethernet header stays the inner one) towards the VTEP
 * of nh, an L2VNI's VXLAN next hop, and send it. */
static void l2_vxlan_out(struct dp_worker *w, struct rte_mbuf *m, uint16_t in, const struct nh *nh)
{
	if (unlikely(nh == NULL || nh->type != NH_VXLAN)) {
		pkt_drop(w, m, DROP_NH_INVALID);
		return;
	}
	if (unlikely(m->pkt_len - RTE_ETHER_HDR_LEN > nh->mtu)) {
		pkt_drop(w, m, DROP_MTU_EXCEEDED); /* a bridge does not fragment */
		return;
	}
	uint32_t inner_len = m->pkt_len;
	uint32_t hash = l2_flow_hash(m);
	uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(m, VXLAN_OVERHEAD);
	if (unlikely(h == NULL)) {
		pkt_drop(w, m, DROP_HEADROOM);
		return;
	}
	/* The outer headers of the template, without its inner MACs. */
	rte_memcpy(h, nh->hdr, VXLAN_OVERHEAD);
	vxlan_outer_fill(w, m, h, nh, hash, inner_len);
	nh_output(w, m, in, nh);
}

/* Flood a broadcast, multicast or unknown-unicast frame in bd: to every local port but the one
 * it came in on (in; L2_FROM_VTEP when it came out of a tunnel) and, for frames from a local
 * port, to every VTEP of the flood list (ingress replication). Frames from a VTEP never go back
 * to VTEPs (split horizon). */
static void l2_flood(struct dp_worker *w, const struct dp_bd *bd, struct rte_mbuf *m, uint16_t in,
		     bool to_vteps)
{
	unsigned left = 0;
	/* Broadcast and multicast reach the gateway too (ARP, neighbour discovery). */
	const bool to_irb =
	    bd->irb_port != PG_PORT_NONE && in != bd->irb_port &&
	    rte_is_multicast_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr);

	for (unsigned i = 0; i < bd->n_ports; i++)
		left += bd->ports[i] != in;
	if (to_vteps)
		left += bd->n_flood;
	left += to_irb;
	if (left == 0) {
		pkt_drop(w, m, DROP_L2_FLOOD_EMPTY);
		return;
	}
	/* Every target but the last gets a copy; the last one the frame itself. */
	for (unsigned i = 0; i < bd->n_ports; i++) {
		if (bd->ports[i] == in)
			continue;
		struct rte_mbuf *c = --left ? rte_pktmbuf_copy(m, dp.pool, 0, UINT32_MAX) : m;
		if (unlikely(c == NULL)) {
			w->st->drop[DROP_L2_FLOOD_NO_MBUF]++;
			continue;
		}
		tx_enqueue(w, bd->ports[i], c);
	}
	for (unsigned i = 0; to_vteps && i < bd->n_flood; i++) {
		struct rte_mbuf *c = --left ? rte_pktmbuf_copy(m, dp.pool, 0, UINT32_MAX) : m;
		if (unlikely(c == NULL)) {
			w->st->drop[DROP_L2_FLOOD_NO_MBUF]++;
			continue;
		}
		l2_vxlan_out(w, c, in, nh_get(bd->flood_nh[i]));
	}
	if (to_irb) {
		struct rte_mbuf *c = --left ? rte_pktmbuf_copy(m, dp.pool, 0, UINT32_MAX) : m;
		if (unlikely(c == NULL))
			w->st->drop[DROP_L2_FLOOD_NO_MBUF]++;
		else
			irb_queue(w, c, bd->irb_port);
	}
}

/* Switch a frame in bd: to the gateway, the port or VTEP of its destination, or flooded. */
static inline void l2_switch(struct dp_worker *w, const struct dp_bd *bd, struct rte_mbuf *m,
			     uint16_t in, bool to_vteps)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint64_t val;

	if (bd->irb_port != PG_PORT_NONE && in != bd->irb_port &&
	    mac_is(&eth->dst_addr, &bd->gw_mac)) {
		irb_queue(w, m, bd->irb_port);
		return;
	}
	if (rte_is_multicast_ether_addr(&eth->dst_addr) ||
	    fdb_lookup(bd->id, &eth->dst_addr, &val) < 0) {
		l2_flood(w, bd, m, in, to_vteps);
		return;
	}
	if (val & FDB_F_REMOTE) {
		if (to_vteps)
			l2_vxlan_out(w, m, in, nh_get((uint32_t)val));
		else
			pkt_drop(w, m, DROP_L2_REMOTE_TO_REMOTE);
	} else if ((uint16_t)val == in) {
		pkt_drop(w, m, DROP_L2_SAME_PORT);
	} else {
		tx_enqueue(w, (uint16_t)val, m);
	}
}

/* A frame decapsulated from bd's VNI: to the local port that has its destination, or flooded to
 * the local ports. MACs behind VTEPs are learned from EVPN, not from this traffic. */
static __rte_noinline void l2_from_vxlan(struct dp_worker *w, struct rte_mbuf *m, uint16_t in,
					 uint16_t bd_id)
{
	const struct dp_bd *bd = l2_bd_get(bd_id);

	if (unlikely(bd == NULL)) {
		pkt_drop(w, m, DROP_L2_NO_BD);
		return;
	}
	l2_switch(w, bd, m, L2_FROM_VTEP, false);
}

/* Note where a source MAC was seen: refresh its age when the FDB already says so, else tell the
 * control thread (new MAC, or one that moved here from another port or VTEP). */
static inline void l2_learn(struct dp_worker *w, uint16_t bd, const struct rte_ether_addr *src,
			    uint16_t in, uint32_t now)
{
	uint64_t val;
	int pos = fdb_lookup(bd, src, &val);

	if (likely(pos >= 0 && !(val & FDB_F_REMOTE) && (uint16_t)val == in)) {
		if (unlikely(__atomic_load_n(&pg_fdb_seen[pos], __ATOMIC_RELAXED) != now))
			__atomic_store_n(&pg_fdb_seen[pos], now, __ATOMIC_RELAXED);
		return;
	}
	if (pos >= 0 && (val & FDB_F_STATIC))
		return; /* pinned elsewhere (sticky): never moves */
	struct l2_learn ev = {.key = fdb_key(bd, src), .port = in};
	if (rte_ring_sp_enqueue_elem(l2_learn_ring(w->id), &ev, sizeof(ev)) != 0)
		w->st->l2_learn_lost++;
}

/* A broadcast ARP request for a host the ARP cache knows (from EVPN): answered here, on the port
 * it came from, instead of being flooded to every VTEP (ARP suppression, RFC 7432 §10). */
static __rte_noinline bool arp_suppress(struct dp_worker *w, const struct dp_bd *bd,
					struct rte_mbuf *m, uint16_t in)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	struct rte_ether_addr mac;
	uint32_t sip, tip;

	if (m->data_len < RTE_ETHER_HDR_LEN + sizeof(*a) ||
	    !rte_is_broadcast_ether_addr(&eth->dst_addr) ||
	    a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) ||
	    a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != 6 ||
	    a->arp_plen != 4)
		return false;
	memcpy(&sip, &a->arp_data.arp_sip, 4);
	memcpy(&tip, &a->arp_data.arp_tip, 4);
	if (sip == tip || !arp_cache_lookup(bd->id, tip, &mac))
		return false; /* gratuitous, or unknown: flooded */
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	memcpy(&a->arp_data.arp_tha, &a->arp_data.arp_sha, 6);
	memcpy(&a->arp_data.arp_tip, &sip, 4);
	memcpy(&a->arp_data.arp_sha, &mac, 6);
	memcpy(&a->arp_data.arp_sip, &tip, 4);
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&mac, &eth->src_addr);
	w->st->l2_arp_suppressed++;
	tx_enqueue(w, in, m);
	return true;
}

#define ND_NA_LEN (RTE_ETHER_HDR_LEN + 40 + 32) /* NA with a target link-layer address option */

/* A neighbour solicitation for an IPv6 host the ND cache knows (from EVPN): answered here with a
 * neighbour advertisement (solicited, override) on the port it came from (ND suppression). Not
 * for duplicate address detection (unspecified source). */
static __rte_noinline bool nd_suppress(struct dp_worker *w, const struct dp_bd *bd,
				       struct rte_mbuf *m, uint16_t in)
{
	static const uint8_t unspecified[16];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	uint8_t *icmp = (uint8_t *)(ip + 1);
	struct rte_ether_addr mac;
	uint8_t target[16];

	if (!rte_pktmbuf_is_contiguous(m) || ip->proto != IPPROTO_ICMPV6 || ip->hop_limits != 255 ||
	    icmp[0] != 135 || icmp[1] != 0)
		return false;
	uint32_t plen = pg_bswap16(ip->payload_len);
	if (plen < 24 || RTE_ETHER_HDR_LEN + 40 + plen > m->data_len ||
	    memcmp(ip->src_addr, unspecified, 16) == 0)
		return false;
	memcpy(target, icmp + 8, 16);
	if (!nd_cache_lookup(bd->id, target, &mac))
		return false;
	if (m->data_len < ND_NA_LEN && rte_pktmbuf_tailroom(m) < ND_NA_LEN - m->data_len)
		return false;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&mac, &eth->src_addr);
	memcpy(ip->dst_addr, ip->src_addr, 16);
	memcpy(ip->src_addr, target, 16);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = RTE_BE16(32);
	memset(icmp, 0, 8);
	icmp[0] = 136;	/* neighbour advertisement */
	icmp[4] = 0x60; /* solicited, override */
	icmp[24] = 2;	/* target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, &mac, 6);
	m->data_len = ND_NA_LEN;
	m->pkt_len = ND_NA_LEN;
	uint16_t ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	w->st->l2_arp_suppressed++;
	tx_enqueue(w, in, m);
	return true;
}

/* A burst from a bridged port: learn, then switch each frame in its bridge domain. */
static __rte_noinline void l2_burst(struct dp_worker *w, uint16_t in, const struct dp_port *port,
				    struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_bd *bd = l2_bd_get(port->bd);
	const uint32_t now = l2_now_s();
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		bytes += m->pkt_len;
		if (unlikely(bd == NULL)) {
			pkt_drop(w, m, DROP_L2_NO_BD);
			continue;
		}
		if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
			pkt_drop(w, m, DROP_ETH_TOO_SHORT);
			continue;
		}
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr) ||
			     rte_is_zero_ether_addr(&eth->src_addr))) {
			pkt_drop(w, m, DROP_L2_BAD_SRC_MAC);
			continue;
		}
		l2_learn(w, bd->id, &eth->src_addr, in, now);
		if (unlikely(eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) &&
		    arp_suppress(w, bd, m, in))
			continue;
		/* ICMPv6 (next header 58) long enough for a neighbour solicitation */
		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
		    unlikely(m->data_len >= RTE_ETHER_HDR_LEN + 40 + 24 &&
			     ((const uint8_t *)(eth + 1))[6] == IPPROTO_ICMPV6) &&
		    nd_suppress(w, bd, m, in))
			continue;
		l2_switch(w, bd, m, in, true);
	}
	w->st->port[in].rx_pkts += n;
	w->st->port[in].rx_bytes += bytes;
	if (w->n_irb)
		irb_flush(w);
}

/* A frame leaving a gateway port (routed there, or sent by the kernel behind its TAP: ARP,
 * ICMP, its answers): switched in the port's bridge domain. */
static __rte_noinline void l2_from_gateway(struct dp_worker *w, struct rte_mbuf *m, uint16_t port)
{
	const struct dp_bd *bd = l2_bd_get(dp.ports[port]->irb_bd);

	if (unlikely(bd == NULL))
		pkt_drop(w, m, DROP_L2_NO_BD);
	else if (unlikely(m->data_len < RTE_ETHER_HDR_LEN))
		pkt_drop(w, m, DROP_ETH_TOO_SHORT);
	else
		l2_switch(w, bd, m, port, true);
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

static __rte_always_inline void vxlan_decap(struct dp_worker *w, struct rte_mbuf *m, uint16_t in,
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
	if (unlikely(vrf & VNI_L2)) {
		/* An L2VNI: the inner frame is bridged, whatever its addresses. */
		pkt_adj(m, (uint16_t)(off + 8));
		struct dp_vni_stats *vs = &w->st->vni[slot];
		vs->decap_pkts++;
		vs->decap_bytes += m->pkt_len;
		l2_from_vxlan(w, m, in, (uint16_t)(vrf & ~VNI_L2));
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
				vxlan_decap(w, m, in, ip, ihl, b4, b6);
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

/* Decapsulation batches mix VRFs: find out whether this one holds a single VRF after all (four
 * VRF ids per compare). */
static inline void batch_vrf_scan(struct batch *b)
{
	const uint64_t v = b->vrf[0] * 0x0001000100010001ull;
	uint64_t diff = 0, x;
	uint16_t k = 0;

	for (; k + 4 <= b->n; k += 4) {
		memcpy(&x, &b->vrf[k], 8);
		diff |= x ^ v;
	}
	for (; k < b->n; k++)
		diff |= (uint64_t)(b->vrf[k] ^ b->vrf[0]);
	b->one_vrf = diff == 0;
}

/* fwd4_fast() through a VXLAN next hop. In an order that keeps few values live: the loop around
 * it holds most registers. */
static __rte_always_inline uint32_t vxlan_encap_fast(struct dp_worker *w, struct rte_mbuf *m,
						     uint8_t *p, uint32_t plen, const struct nh *nh)
{
	uint8_t *ip = p + RTE_ETHER_HDR_LEN;
	uint8_t *h = p - VXLAN_OVERHEAD;
	const uint32_t olen = plen + VXLAN_OVERHEAD;

	if (unlikely(m->data_off < VXLAN_OVERHEAD))
		return 0;
	m->data_off = (uint16_t)(m->data_off - VXLAN_OVERHEAD);
	pkt_lens_add(m, VXLAN_OVERHEAD);
	/* The template, then the inner type (IPv4) from the next hop: 64 bytes that end where the
	 * IP header starts. */
	memcpy(h, nh->hdr, NH_VXLAN_HDR_LEN + 2);
	*(uint16_t *)(h + 34) =
	    pg_bswap16((uint16_t)(0xc000 | (flow_hash4((const struct rte_ipv4_hdr *)ip) & 0x3fff)));
	ip4_ttl_dec(ip);
	/* Lengths and checksum in host order, stored byte-swapped (olen < 2^16: the MTU check). */
	const uint16_t tot = (uint16_t)(olen - RTE_ETHER_HDR_LEN);
	*(uint16_t *)(h + 16) = pg_bswap16(tot);
	*(uint16_t *)(h + 24) = pg_bswap16(ip4_csum_add_len_h(nh->ip_csum_hinv, tot));
	*(uint16_t *)(h + 38) = pg_bswap16((uint16_t)(olen - 34));
	struct dp_vni_stats *vs = &w->st->vni[nh->vni_idx];
	ctr_add2(&vs->encap_pkts, &vs->encap_bytes, plen);
	return olen;
}

/*
 * fwd4() for the common cases only: a resolved DIRECT, VXLAN or IPIP next hop (nh->fast4), the
 * packet (plen bytes, Ethernet header at p) within its MTU with a TTL > 1 and, for tunnels, enough
 * headroom. Returns the length of the frame to send on nh->port (the caller queues it and counts
 * plen - 14 as forwarded), or 0 when it did nothing: anything else takes fwd4().
 */
static __rte_always_inline uint32_t fwd4_fast(struct dp_worker *w, struct rte_mbuf *m, uint8_t *p,
					      uint32_t plen, const struct nh *nh, uint64_t *ipip)
{
	uint8_t *ip = p + RTE_ETHER_HDR_LEN;
	const unsigned fast = nh->fast4;

	if (unlikely(plen - RTE_ETHER_HDR_LEN > nh->mtu || ip[8] <= 1))
		return 0;
	if (likely(fast == NH_FAST_DIRECT)) {
		/* MACs and type: 14 bytes as two overlapping 8-byte copies */
		uint64_t e0, e1;
		ip4_ttl_dec(ip);
		memcpy(&e0, &nh->eth, 8);
		memcpy(&e1, (const uint8_t *)&nh->eth + 6, 8);
		memcpy(p, &e0, 8);
		memcpy(p + 6, &e1, 8);
		return plen;
	}
	if (fast == NH_FAST_VXLAN)
		return vxlan_encap_fast(w, m, p, plen, nh);
	if (fast == NH_FAST_IPIP) {
		const uint16_t add = NH_IPIP_HDR_LEN - RTE_ETHER_HDR_LEN;
		const uint16_t off = m->data_off;
		if (unlikely(off < add))
			return 0;
		const uint32_t olen = plen + add;
		uint8_t *h = p - add;
		m->data_off = (uint16_t)(off - add);
		pkt_lens_add(m, add);
		ip4_ttl_dec(ip);
		memcpy(h, nh->hdr, NH_IPIP_HDR_LEN);
		const uint16_t tot = (uint16_t)(olen - RTE_ETHER_HDR_LEN);
		*(uint16_t *)(h + 16) = pg_bswap16(tot);
		*(uint16_t *)(h + 24) = pg_bswap16(ip4_csum_add_len_h(nh->ip_csum_hinv, tot));
		(*ipip)++;
		return olen;
	}
	return 0;
}

/* One packet of route4() off the fast path: every check in the order of the full path. */
static __rte_noinline uint32_t route4_one(struct dp_worker *w, struct rte_mbuf *m, uint16_t in,
					  uint16_t vrf, const struct nh *nh, uint64_t nh_id,
					  bool l2mc, bool decapped, struct batch *b4,
					  struct batch *b6)
{
	if (unlikely(nh == NULL)) {
		pkt_drop(w, m, nh_id == 0 ? DROP_IP4_NO_ROUTE : DROP_NH_INVALID);
		return 0;
	}
	if (nh->type == NH_LOCAL) {
		local4(w, m, in, vrf, decapped, b4, b6);
		return 0;
	}
	if (unlikely(l2mc)) {
		pkt_drop(w, m, DROP_L2_MCAST_FORWARD);
		return 0;
	}
	return fwd4(w, m, in, nh, decapped);
}

/* route4()'s queueing cursor: the TX buffer of the last output port, its count and the bytes
 * queued since they were last written back in registers (a read-modify-write of the buffer's
 * byte count per packet chains every packet to the store of the one before). */
struct tx_cursor {
	struct dp_tx_buf *b; /* NULL: none */
	unsigned idx, n;     /* idx UINT_MAX: none */
	uint64_t bytes;	     /* not yet in b->bytes */
};

static __rte_always_inline void tx_cursor_put(struct dp_worker *w, struct tx_cursor *t,
					      const uint16_t *port, struct rte_mbuf *m,
					      uint32_t len)
{
	if (unlikely(*port != t->idx)) {
		if (t->b) {
			t->b->n = (uint16_t)t->n;
			t->b->bytes += t->bytes;
		}
		/* Read again here, so that the compare above can take the port from memory. */
		t->idx = *(const volatile uint16_t *)port;
		t->b = &w->tx[t->idx];
		t->n = t->b->n;
		t->bytes = 0;
	}
	t->b->m[t->n++] = m;
	t->bytes += len;
	if (unlikely(t->n == PG_BURST)) {
		t->b->n = PG_BURST;
		t->b->bytes += t->bytes;
		tx_flush_port(w, (uint16_t)t->idx);
		t->n = 0;
		t->bytes = 0;
	}
}

/* Write the count and bytes back: before anything else touches the TX buffers. */
static __rte_always_inline void tx_cursor_sync(struct tx_cursor *t)
{
	if (t->b) {
		t->b->n = (uint16_t)t->n;
		t->b->bytes += t->bytes;
		t->b = NULL;
		t->idx = UINT_MAX;
		t->bytes = 0;
	}
}

/* Forward packets [i, j) of b, whose next hops are b->nh[i, j); any_mc: b->l2mc may be non-zero.
 * Returns the number forwarded, adding their IP lengths to *bytes. */
static __rte_always_inline uint64_t route4_run(struct dp_worker *w, uint16_t in, struct batch *b,
					       uint16_t i, uint16_t j, bool any_mc, bool decapped,
					       struct batch *b4, struct batch *b6,
					       struct tx_cursor *t, uint64_t *bytes)
{
	const uint16_t vrf = b->vrf[i];
	uint64_t slow = 0, slow_fwd = 0, len_sum = 0; /* packets through route4_one(), forwarded */
	uint64_t ipip = 0; /* IPIP encapsulations: counted per run, not per packet in memory */
	/* The table itself, not its entries, is fixed: read once, not after every store to a
	 * packet (char stores may alias anything). */
	struct nh *const *nh_tab = dp.nh;

	for (uint16_t k = i; k < j; k++) {
		struct rte_mbuf *m = b->m[k];
		const struct nh *nh = rcu_dereference(nh_tab[(uint32_t)b->nh[k]]);
		const bool mc = any_mc && ((b->l2mc >> k) & 1);
		if (likely(nh != NULL && !mc)) {
			const uint32_t plen = m->pkt_len;
			const uint32_t olen = fwd4_fast(w, m, b->hdr[k], plen, nh, &ipip);
			if (likely(olen != 0)) {
				len_sum += plen - RTE_ETHER_HDR_LEN;
				tx_cursor_put(w, t, &nh->port, m, olen);
				continue;
			}
		}
		tx_cursor_sync(t);
		uint32_t len = route4_one(w, m, in, vrf, nh, b->nh[k], mc, decapped, b4, b6);
		slow++;
		slow_fwd += len != 0;
		len_sum += len;
	}
	*bytes = len_sum;
	w->st->ipip_encap += ipip;
	return (uint64_t)(j - i) - slow + slow_fwd;
}

/* The lookup of a run in a VRF without a DIR-24-8 table (its compact table, or none): out of
 * line, one call per run, so that route4's code for DIR-24-8 tables stays as it was. */
static __rte_noinline void route4_lookup_compact(const struct dp_vrf *v, const uint32_t *ips,
						 uint64_t *nh, unsigned n)
{
	if (likely(v != NULL))
		fib4_lookup_bulk_compact(v, ips, nh, n);
	else
		memset(nh, 0, n * sizeof(*nh));
}

/* Look up a batch (per run of equal VRF) and forward; decapsulated packets land in b4/b6. */
static void route4(struct dp_worker *w, uint16_t in, struct batch *b, bool decapped,
		   struct batch *b4, struct batch *b6)
{
	struct tx_cursor t = {.b = NULL, .idx = UINT_MAX, .n = 0, .bytes = 0};

	for (uint16_t i = 0, j; i < b->n; i = j) {
		const uint16_t vrf = b->vrf[i];
		const struct dp_vrf *v = rcu_dereference(dp.vrfs[vrf]);
		uint64_t pkts, bytes;

		const struct fib4_tbl *ft = v ? rcu_dereference(v->fib4->active) : NULL;

		j = vrf_run_end(b, i);
		if (likely(ft != NULL))
			fib4_tbl_lookup_bulk_pf(ft, &b->ip4[i], &b->nh[i], j - i);
		else
			route4_lookup_compact(v, &b->ip4[i], &b->nh[i], j - i);
		if (likely(b->l2mc == 0))
			pkts = route4_run(w, in, b, i, j, false, decapped, b4, b6, &t, &bytes);
		else
			pkts = route4_run(w, in, b, i, j, true, decapped, b4, b6, &t, &bytes);
		vrf_count(w, vrf, pkts, bytes);
	}
	tx_cursor_sync(&t);
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

/* The state of one dp_process_burst() call, shared with its per-packet slow path. */
struct rx_ctx {
	struct dp_worker *w;
	const struct dp_port *port;
	uint16_t in;
	uint16_t vxlan_port;
	uint32_t vtep;
	/* Only a few fields of the batches are initialised: zeroing them costs per burst. */
	struct batch b4, b6, i4, i6;
};

/* One received frame, every check of the full path (the fast path in dp_process_burst() gave up
 * on it). rx_pkts/rx_bytes are already counted. */
static __rte_noinline void rx_one(struct rx_ctx *c, struct rte_mbuf *m)
{
	struct dp_worker *w = c->w;
	const struct dp_port *port = c->port;
	const uint16_t in = c->in;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
		pkt_drop(w, m, DROP_ETH_TOO_SHORT);
		return;
	}
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint64_t dmac;
	bool l2mc = false;
	memcpy(&dmac, eth, sizeof(dmac));
	dmac &= RTE_BE64(0xffffffffffff0000); /* the 6 destination bytes */
	if (unlikely(dmac != port->mac64)) {
		if (!rte_is_multicast_ether_addr(&eth->dst_addr)) {
			pkt_drop(w, m, DROP_ETH_NOT_FOR_US);
			return;
		}
		l2mc = true;
	}
	const uint16_t ether_type = eth->ether_type;
	if (likely(ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		struct rte_ipv4_hdr *ip = ip4_hdr(m);
		if (likely(ip4_fast_ok(m, ip))) {
			/* VXLAN or IPIP to our VTEP on an underlay port: decapsulate without
			 * looking up our own address first. */
			if (ip->dst_addr == c->vtep && port->vrf == PG_VRF_DEFAULT) {
				if (ip->next_proto_id == IPPROTO_UDP &&
				    m->data_len >= RTE_ETHER_HDR_LEN + 28 &&
				    rte_pktmbuf_mtod_offset(m, const struct rte_udp_hdr *, 34)
					    ->dst_port == c->vxlan_port) {
					vxlan_decap(w, m, c->in, ip, 20, &c->i4, &c->i6);
					return;
				}
				if (ip->next_proto_id == IPPROTO_IPIP) {
					ipip_decap(w, m, ip, 20, &c->i4);
					return;
				}
			}
		} else if (!classify4_slow(w, m, in)) {
			return;
		}
		struct batch *b4 = &c->b4;
		if (unlikely(l2mc))
			b4->l2mc |= 1u << b4->n;
		b4->ip4[b4->n] = pg_bswap32(ip->dst_addr);
		b4->hdr[b4->n] = (uint8_t *)eth;
		b4->m[b4->n++] = m;
	} else if (ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		if (unlikely(!ip6_fast_ok(m, ip6_hdr(m))) && !classify6_slow(w, m, in))
			return;
		if (unlikely(l2mc))
			c->b6.l2mc |= 1u << c->b6.n;
		c->b6.m[c->b6.n++] = m;
	} else if (ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		punt(w, m, in, PUNT_ARP, PUNT_CLASS_CTRL, 0);
	} else {
		pkt_drop(w, m, DROP_ETH_UNSUPPORTED);
	}
}

/*
 * ip4_fast_ok() for the header h (ip4_hdr20_load) of a frame the caller has checked is a single
 * segment with those 20 bytes inside it; l3len is the frame's length from the header on (< 2^16).
 * The checksum as a multiple of 0xffff (the sum is not 0: the first byte is 0x45).
 */
static __rte_always_inline bool ip4_hdr_fast(const struct rte_mbuf *m, const struct ip4_hdr20 *h,
					     uint32_t l3len)
{
	if (unlikely((ip4_hdr20_odd_src(h, l3len) | ip4_hdr20_odd_dst(h)) != 0))
		return false;
	return likely(pg_mult_ffff(ip4_hdr20_sum(h))) ||
	       (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
}

/* The tunnel endpoint table's value for the source address src (network order), 0 if none. */
static __rte_always_inline uint32_t tun_val(const struct u32map *t, uint32_t src)
{
	uint32_t i = pg_crc32_u32(src, 0) & t->mask;

	/* An empty slot has key 0 and value 0: src 0 finds one and gets 0 too. */
	while (unlikely(t->slot[i].key != src)) {
		if (t->slot[i].key == 0)
			return 0;
		i = (i + 1) & t->mask;
	}
	return t->slot[i].val;
}

/* The fast path's VNI: the last one it decapsulated in this burst (valid for the burst, as the
 * full path's cache in struct batch is). */
struct vx_cache {
	uint64_t key;	       /* VXLAN header bytes 0-7 masked with VX_KEY_MASK: I flag and VNI */
	uint64_t rmac;	       /* router MAC of the VNI in the top 6 bytes of a u64 (low 6 << 16) */
	const uint32_t *tbl24; /* the VNI's VRF's IPv4 table, for the early prefetch (or NULL) */
	uint16_t vrf, slot;
};

/* The tbl24 of vrf's published IPv4 table (NULL when it has none). Packets queued for a lookup
 * prefetch their entry at once, a whole burst before the lookup: with a large FIB the entry is
 * a DRAM access, which the lookup's own prefetch a few addresses ahead cannot hide. */
static inline const uint32_t *vrf_tbl24(uint16_t vrf)
{
	const struct dp_vrf *v = rcu_dereference(dp.vrfs[vrf]);
	const struct fib4_tbl *t = v ? rcu_dereference(v->fib4->active) : NULL;

	return t ? t->tbl24 : NULL;
}
#define VX_KEY_MASK 0x00ffffff00000008ull

/* Switch the cache to the VNI of VXLAN header hdr8; false (cache unchanged) if the header is not
 * one to decapsulate fast. */
static __rte_noinline bool vx_cache_fill(struct vx_cache *vc, uint64_t hdr8)
{
	uint16_t vrf, slot;

	if (!(hdr8 & 0x08))
		return false;
	if (vni_lookup(pg_bswap32((uint32_t)(hdr8 >> 32)) >> 8, &vrf, &slot) < 0 || (vrf & VNI_L2))
		return false; /* L2VNIs take the full path */
	vc->key = hdr8 & VX_KEY_MASK;
	vc->rmac = 0;
	memcpy(&vc->rmac, &dp.vni_rmac[slot], 6);
	vc->rmac <<= 16;
	vc->vrf = vrf;
	vc->slot = slot;
	vc->tbl24 = vrf_tbl24(vrf);
	return true;
}

/* Queue m (Ethernet header at p, IPv4 destination dst as stored) and prefetch its tbl24 entry. */
static __rte_always_inline void batch_put4(struct batch *b, unsigned n, struct rte_mbuf *m,
					   uint8_t *p, uint32_t dst, const uint32_t *tbl24)
{
	b->ip4[n] = pg_bswap32(dst);
	if (likely(tbl24 != NULL))
		rte_prefetch0(&tbl24[b->ip4[n] >> 8]);
	b->m[n] = m;
	b->hdr[n] = p;
}

/* Per-burst state of the fast path (locals of dp_process_burst, in registers where they fit: its
 * address is never taken outside the inlined functions, unlike the VNI cache's). */
struct rx_fast {
	uint64_t mac64; /* the port's, << 16 */
	uint32_t vtep;	/* 0 (never a fast destination) on a port outside the underlay */
	uint16_t vxlan_port;
	unsigned n4, ni4; /* c.b4.n and c.i4.n while the fast path runs */
	const struct u32map *tun;
	const uint32_t *tbl24; /* the port VRF's IPv4 table (early prefetch), or NULL */
	/* The VRF of the last IPIP packet decapsulated in this burst (UINT32_MAX: none yet) and its
	 * table's tbl24, for the early prefetch (valid for the burst, as the VNI cache is). */
	uint32_t ipip_vrf;
	const uint32_t *ipip_tbl24;
	uint64_t rx_bytes, vx_bytes, ipip_decaps;
	uint32_t vx_pkts; /* not a u64 next to vx_bytes: the pair would be updated as a vector */
};

/*
 * The fast path for one frame: unicast IPv4 to us in one segment, passing ip4_fast_ok(), routed,
 * or decapsulated (VXLAN with an IPv4 inner packet, IPIP) when addressed to our VTEP. Returns
 * false, having changed nothing, for anything else: the frame then takes rx_one().
 */
static __rte_always_inline bool rx_fast_one(struct rx_ctx *c, struct rx_fast *f,
					    struct vx_cache *vc, struct rte_mbuf *m)
{
	const uint32_t plen = m->pkt_len;
	const uint32_t dlen = m->data_len;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t dmac;
	uint16_t et;

	memcpy(&dmac, p, 8);
	memcpy(&et, p + 12, 2);
	if (unlikely(dmac << 16 != f->mac64 || et != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		     dlen != plen || dlen < RTE_ETHER_HDR_LEN + 20))
		return false;
	const struct ip4_hdr20 h = ip4_hdr20_load(p + RTE_ETHER_HDR_LEN);
	const uint32_t dst = h.c;
	if (unlikely(!ip4_hdr_fast(m, &h, plen - RTE_ETHER_HDR_LEN)))
		return false;
	if (likely(dst != f->vtep)) {
		batch_put4(&c->b4, f->n4++, m, p, dst, f->tbl24);
		return true;
	}
	const uint32_t src = ip4_hdr20_src(&h);
	const uint8_t proto = ip4_hdr20_proto(&h);
	if (proto == IPPROTO_UDP) {
		/* Outer Eth 14 + IPv4 20 + UDP 8 + VXLAN 8, inner Eth 14 + IPv4 20. */
		uint16_t dport;
		memcpy(&dport, p + 36, 2);
		if (dport != f->vxlan_port || dlen < 84 || !(tun_val(f->tun, src) & TUN_F_VXLAN))
			return false;
		uint64_t vx, idmac;
		uint16_t itype;
		memcpy(&vx, p + 42, 8);
		if (unlikely((vx & VX_KEY_MASK) != vc->key)) {
			/* Another VNI: count the last one's packets under its slot first. */
			if (f->vx_pkts) {
				struct dp_vni_stats *vs = &c->w->st->vni[vc->slot];
				vs->decap_pkts += f->vx_pkts;
				vs->decap_bytes += f->vx_bytes;
				f->vx_pkts = f->vx_bytes = 0;
			}
			if (!vx_cache_fill(vc, vx))
				return false;
		}
		memcpy(&idmac, p + 50, 8);
		memcpy(&itype, p + 62, 2);
		if (idmac << 16 != vc->rmac || itype != RTE_BE16(RTE_ETHER_TYPE_IPV4))
			return false;
		const struct ip4_hdr20 ih = ip4_hdr20_load(p + 64);
		if (!ip4_hdr_fast(m, &ih, plen - 64))
			return false;
		m->data_off = (uint16_t)(m->data_off + 50);
		pkt_lens_add(m, -50);
		f->vx_pkts++;
		f->vx_bytes += plen - 50;
		c->i4.vrf[f->ni4] = vc->vrf;
		batch_put4(&c->i4, f->ni4++, m, p + 50, ih.c, vc->tbl24);
		return true;
	}
	if (proto == IPPROTO_IPIP) {
		/* Outer Eth 14 + IPv4 20, inner IPv4 20. */
		if (dlen < 54)
			return false;
		const uint32_t tv = tun_val(f->tun, src);
		if (!(tv & TUN_F_IPIP))
			return false;
		const struct ip4_hdr20 ih = ip4_hdr20_load(p + 34);
		if (!ip4_hdr_fast(m, &ih, plen - 34))
			return false;
		const uint16_t vrf = (uint16_t)(tv >> 16);
		if (unlikely(vrf != f->ipip_vrf)) {
			f->ipip_vrf = vrf;
			f->ipip_tbl24 = vrf_tbl24(vrf);
		}
		m->data_off = (uint16_t)(m->data_off + 20);
		pkt_lens_add(m, -20);
		f->ipip_decaps++;
		c->i4.vrf[f->ni4] = vrf;
		batch_put4(&c->i4, f->ni4++, m, p + 20, ih.c, f->ipip_tbl24);
		return true;
	}
	return false;
}

static __rte_always_inline void rx_frame(struct rx_ctx *c, struct rx_fast *f, struct vx_cache *vc,
					 struct rte_mbuf *m)
{
	f->rx_bytes += m->pkt_len;
	if (likely(rx_fast_one(c, f, vc, m)))
		return;
	c->b4.n = f->n4;
	c->i4.n = f->ni4;
	rx_one(c, m);
	f->n4 = c->b4.n;
	f->ni4 = c->i4.n;
}

void dp_process_burst(struct dp_worker *w, uint16_t in, struct rte_mbuf **pkts, uint16_t n)
{
	const struct dp_port *port = dp.ports[in];
	struct dp_port_stats *ps = &w->st->port[in];
	struct rx_ctx c;
	struct rx_fast f;
	struct vx_cache vc;
	uint16_t i;

	if (unlikely(port->bd != PG_BD_NONE)) {
		l2_burst(w, in, port, pkts, n);
		return;
	}
	c.w = w;
	c.port = port;
	c.in = in;
	c.b4.n = c.b6.n = c.i4.n = c.i6.n = 0;
	c.b4.l2mc = c.b6.l2mc = c.i4.l2mc = c.i6.l2mc = 0;
	c.b4.one_vrf = c.b6.one_vrf = true;
	c.vtep = atomic_load_explicit(&dp.vtep4, memory_order_relaxed);
	c.vxlan_port = atomic_load_explicit(&dp.vxlan_port, memory_order_relaxed);
	c.b4.vrf[0] = c.b6.vrf[0] = port->vrf;
	c.i4.vni_ok = false;

	f.mac64 = port->mac64 << 16; /* compared with the first 8 bytes << 16: the 6 of the MAC */
	f.vtep = port->vrf == PG_VRF_DEFAULT ? c.vtep : 0;
	f.vxlan_port = c.vxlan_port;
	f.n4 = f.ni4 = 0;
	f.tun = rcu_dereference(dp.tun4.pub);
	f.tbl24 = vrf_tbl24(port->vrf);
	f.ipip_vrf = UINT32_MAX;
	f.ipip_tbl24 = NULL;
	vc.key = UINT64_MAX; /* matches no header */
	vc.slot = 0;
	vc.tbl24 = NULL;
	f.rx_bytes = f.vx_pkts = f.vx_bytes = f.ipip_decaps = 0;

	/* Packet data PREFETCH_OFFSET frames ahead, at the usual headroom (a hint: a frame with
	 * another data_off just gets a neighbouring line). */
	for (i = 0; i < n && i < PREFETCH_OFFSET; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i + PREFETCH_OFFSET < n; i++) {
		rte_prefetch0((char *)pkts[i + PREFETCH_OFFSET]->buf_addr + RTE_PKTMBUF_HEADROOM);
		rx_frame(&c, &f, &vc, pkts[i]);
	}
	for (; i < n; i++)
		rx_frame(&c, &f, &vc, pkts[i]);
	c.b4.n = f.n4;
	c.i4.n = f.ni4;
	if (f.vx_pkts) {
		w->st->vni[vc.slot].decap_pkts += f.vx_pkts;
		w->st->vni[vc.slot].decap_bytes += f.vx_bytes;
	}
	w->st->ipip_decap += f.ipip_decaps;
	ps->rx_pkts += n;
	ps->rx_bytes += f.rx_bytes;
	if (c.b4.n)
		route4(w, in, &c.b4, false, &c.i4, &c.i6);
	if (c.b6.n)
		route6(w, in, &c.b6, false);
	/* Decapsulated packets: one more lookup in the VNI's / tunnel's VRF, no further decap. */
	if (c.i4.n) {
		batch_vrf_scan(&c.i4);
		route4(w, in, &c.i4, true, NULL, NULL);
	}
	if (c.i6.n) {
		batch_vrf_scan(&c.i6);
		route6(w, in, &c.i6, true);
	}
	/* Decapsulated L2VNI frames for a gateway. */
	if (unlikely(w->n_irb))
		irb_flush(w);
}

static void inject_drain(struct dp_worker *w, uint16_t idx)
{
	const struct dp_port *p = dp.ports[idx];
	struct rte_mbuf *m[PG_BURST];

	/* Every poll comes here; an inject ring is nearly always empty: two loads tell. */
	if (likely(rte_ring_empty(p->inject)))
		return;
	unsigned n = rte_ring_sc_dequeue_burst(p->inject, (void **)m, PG_BURST, NULL);

	w->st->port[idx].inject += n;
	if (unlikely(p->virt)) {
		for (unsigned i = 0; i < n; i++)
			l2_from_gateway(w, m[i], idx);
		if (w->n_irb)
			irb_flush(w);
		return;
	}
	for (unsigned i = 0; i < n; i++)
		tx_enqueue(w, idx, m[i]);
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

/*
 * Idle back-off (dataplane.idleSleepUs): a worker that found nothing in PG_IDLE_POLLS polls in a
 * row sleeps 1, 2, 4 ... us, at most idle_sleep_us, between polls until a packet comes. It is
 * offline for RCU while asleep, so the control thread's grace periods do not wait for it. Not a
 * fast-path cost: only polls that found nothing get here.
 */
static void worker_nap(struct dp_worker *w, unsigned us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};

	rcu_worker_offline(w->id);
	nanosleep(&ts, NULL);
	rcu_worker_online(w->id);
	w->st->idle_sleeps++;
	w->st->idle_sleep_us += us;
}

int worker_main(void *arg)
{
	struct dp_worker *w = arg;

	w->tsc_hz = rte_get_tsc_hz();
	for (unsigned c = 0; c < PUNT_CLASS_MAX; c++) {
		w->pol[c].tokens = dp.punt_burst;
		w->pol[c].last_tsc = rte_rdtsc();
	}
	if (dp.idle_sleep_us)
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* 1 us, not the default 50 us */
	rcu_worker_register(w->id);
	unsigned idle = 0, nap_us = 0;
	/* One TSC read per poll: a busy poll's cycles run from the previous poll's read to its own
	 * (the loop's bookkeeping included). */
	uint64_t t0 = rte_rdtsc();
	while (atomic_load_explicit(&dp.running, memory_order_relaxed)) {
		unsigned n = worker_poll_once(w);
		uint64_t t1 = rte_rdtsc();
		w->st->loops++;
		if (n) {
			w->st->busy_loops++;
			w->st->busy_cycles += t1 - t0;
			idle = nap_us = 0;
			if (unlikely(w->poll_hook != NULL))
				w->poll_hook(w->poll_hook_arg, n, t1 - t0);
		} else if (unlikely(dp.idle_sleep_us) && ++idle >= PG_IDLE_POLLS) {
			nap_us = nap_us ? RTE_MIN(2 * nap_us, dp.idle_sleep_us) : 1;
			worker_nap(w, nap_us);
			t1 = rte_rdtsc();
		}
		t0 = t1;
		rcu_worker_quiescent(w->id);
	}
	dp_tx_flush(w);
	rcu_worker_unregister(w->id);
	return 0;
}
