/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>

#include "ctl.h"
#include "dp.h"
#include "exc.h"
#include "icmp.h"

#define ICMP4_QUOTE_MAX (576 - 20 - 8)	/* RFC 1812 4.3.2.3: the error fits in 576 bytes */
#define ICMP6_QUOTE_MAX (1280 - 40 - 8) /* RFC 4443 2.4(c): fits in the minimum MTU */

struct icmp_stats icmp_stats;

static const struct pg_prefix *port_addr(uint16_t port, int family)
{
	const struct cfg_port *cp = &ctl_cfg()->ports[port];

	for (unsigned i = 0; i < cp->n_addrs; i++)
		if (cp->addrs[i].ip.family == family)
			return &cp->addrs[i];
	return NULL;
}

/* Never answer an error with an error, nor a packet whose source is not one host. */
static bool icmp4_allowed(const struct rte_ipv4_hdr *ip, uint32_t len)
{
	uint32_t ihl = (uint32_t)(ip->version_ihl & 0xf) << 2;
	uint8_t s0 = (uint8_t)ip->src_addr;

	if (ip->src_addr == 0 || s0 >= 224 || s0 == 127)
		return false;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK))
		return false; /* only the first fragment */
	if (ip->next_proto_id == IPPROTO_ICMP && len >= ihl + 1) {
		uint8_t t = *((const uint8_t *)ip + ihl);
		if (t != RTE_IP_ICMP_ECHO_REQUEST && t != RTE_IP_ICMP_ECHO_REPLY && t != 13 &&
		    t != 14)
			return false;
	}
	return true;
}

static struct rte_mbuf *reply_alloc(const struct rte_ether_hdr *oeth, uint16_t port,
				    uint16_t ether_type, size_t len, uint8_t **out)
{
	struct rte_mbuf *r = rte_pktmbuf_alloc(dp.ctl_pool);
	struct rte_ether_hdr *eth;

	if (!r)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(r, (uint16_t)(sizeof(*eth) + len));
	if (!eth) {
		rte_pktmbuf_free(r);
		return NULL;
	}
	rte_ether_addr_copy(&oeth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&dp.ports[port]->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(ether_type);
	*out = (uint8_t *)(eth + 1);
	return r;
}

static void icmp4_error(struct rte_mbuf *m, uint16_t port, uint8_t type, uint8_t code, uint16_t mtu)
{
	const struct rte_ether_hdr *oeth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)(oeth + 1);
	uint32_t olen = m->data_len - (uint32_t)sizeof(*oeth);
	const struct pg_prefix *src = port_addr(port, AF_INET);
	uint8_t *p;

	if (!src || !icmp4_allowed(oip, olen)) {
		icmp_stats.suppressed++;
		return;
	}
	uint32_t quote = RTE_MIN(olen, (uint32_t)ICMP4_QUOTE_MAX);
	struct rte_mbuf *r = reply_alloc(oeth, port, RTE_ETHER_TYPE_IPV4, 20 + 8 + quote, &p);
	if (!r)
		return;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	memset(ip, 0, 28);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0xc0; /* internetwork control */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(28 + quote));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = src->ip.v4;
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uint8_t *icmp = p + 20;
	icmp[0] = type;
	icmp[1] = code;
	if (type == 3 && code == 4) {
		icmp[6] = (uint8_t)(mtu >> 8);
		icmp[7] = (uint8_t)mtu;
	}
	memcpy(icmp + 8, oip, quote);
	uint16_t ck = (uint16_t)~rte_raw_cksum(icmp, 8 + quote);
	memcpy(icmp + 2, &ck, 2);
	exc_inject(port, r);
	icmp_stats.sent4++;
}

static void icmp6_error(struct rte_mbuf *m, uint16_t port, uint8_t type, uint8_t code, uint16_t mtu)
{
	const struct rte_ether_hdr *oeth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *oip = (const struct rte_ipv6_hdr *)(oeth + 1);
	uint32_t olen = m->data_len - (uint32_t)sizeof(*oeth);
	const struct pg_prefix *src = port_addr(port, AF_INET6);
	static const uint8_t unspec[16];
	uint8_t *p;

	/* Not to multicast/unspecified sources, not in answer to an ICMPv6 error. */
	if (!src || oip->src_addr[0] == 0xff || memcmp(oip->src_addr, unspec, 16) == 0 ||
	    (oip->proto == IPPROTO_ICMPV6 && olen > sizeof(*oip) &&
	     *((const uint8_t *)(oip + 1)) < 128)) {
		icmp_stats.suppressed++;
		return;
	}
	uint32_t quote = RTE_MIN(olen, (uint32_t)ICMP6_QUOTE_MAX);
	struct rte_mbuf *r = reply_alloc(oeth, port, RTE_ETHER_TYPE_IPV6, 40 + 8 + quote, &p);
	if (!r)
		return;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;
	memset(ip, 0, 48);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, src->ip.v6, 16);
	memcpy(ip->dst_addr, oip->src_addr, 16);
	uint8_t *icmp = p + 40;
	icmp[0] = type;
	icmp[1] = code;
	if (type == 2) {
		icmp[6] = (uint8_t)(mtu >> 8);
		icmp[7] = (uint8_t)mtu;
	}
	memcpy(icmp + 8, oip, quote);
	uint16_t ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	exc_inject(port, r);
	icmp_stats.sent6++;
}

void icmp_error_send(struct rte_mbuf *m)
{
	const struct pkt_meta *meta = pkt_meta(m);
	uint8_t type = (uint8_t)(meta->nh >> 24), code = (uint8_t)(meta->nh >> 16);
	uint16_t mtu = (uint16_t)meta->nh;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (meta->port < dp.n_ports && m->data_len >= sizeof(*eth) + 20) {
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
			icmp4_error(m, meta->port, type, code, mtu);
		else if (m->data_len >= sizeof(*eth) + 40)
			icmp6_error(m, meta->port, type, code, mtu);
	}
	rte_pktmbuf_free(m);
}
