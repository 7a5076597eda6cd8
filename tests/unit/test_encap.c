/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet path through the real pipeline, byte for byte. Two net_ring ports (a net_ring vdev made
 * from devargs alone uses one ring per queue for both directions, so what a port transmits is
 * read back with rte_eth_rx_burst on the same port):
 *   pA  "net_ring0"  VRF 1 (customer side)
 *   pB  "net_ring1"  VRF 0 (underlay; VTEP 192.168.0.1 on 192.168.0.0/24)
 * Packets are built by hand, handed to dp_process_burst() on worker 0 and the transmitted frames
 * are checked field by field: VXLAN (IPv4 and IPv6 inner), IPIP, plain rewrite, VXLAN and IPIP
 * decapsulation, and the drops (TTL, hop limit, MTU, unknown VNI/VTEP, inner MAC, headroom);
 * mixed bursts against the same frames one by one.
 * The table APIs are called directly (control/apply.c does the same from the configuration).
 */
#include <stdatomic.h>
#include <sys/wait.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "dp_setup.h"
#include "fib.h"
#include "nexthop.h"
#include "unit.h"
#include "unit_pkt.h"
#include "vni.h"
#include "worker.h"

static uint16_t pA, pB;
static struct dp_worker *w;
static int vni_slot_5000;
static uint32_t nh_vx, nh_ipip, nh_direct, nh_direct6;

#define A_MAC	  "02:00:00:00:01:01"
#define B_MAC	  "02:00:00:00:02:02"
#define HOST_MAC  "02:00:00:00:99:99" /* the sender on pA */
#define OUR_RMAC  "02:50:47:00:13:88" /* router MAC of VNI 5000 */
#define PEER_RMAC "02:aa:00:00:00:02" /* the remote router's MAC in VNI 5000 */
#define VTEP2_MAC "02:bb:00:00:00:02" /* underlay neighbour 192.168.0.2 */
#define VTEP3_MAC "02:bb:00:00:00:03" /* underlay neighbour 192.168.0.3 */
#define GW_MAC	  "02:cc:00:00:00:01" /* customer router 10.1.0.1 / fe80::1 on pA */
#define VTEP	  "192.168.0.1"

/* ---- packet building ---- */

struct pkt_spec {
	const char *dmac, *smac;
	int family;
	const char *src, *dst;
	uint8_t ttl;
	uint16_t sport, dport;
	unsigned payload; /* bytes after the UDP header */
};

static void put_mac(uint8_t *p, const char *text)
{
	struct pg_mac m = unit_mac(text);
	memcpy(p, m.b, 6);
}

/* Ethernet + IPv4/IPv6 + UDP + payload into buf; returns the frame length. */
static unsigned build(uint8_t *buf, const struct pkt_spec *s)
{
	unsigned l4 = 8 + s->payload, off = 14;

	put_mac(buf, s->dmac);
	put_mac(buf + 6, s->smac);
	if (s->family == AF_INET) {
		buf[12] = 0x08;
		buf[13] = 0x00;
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = htons((uint16_t)(20 + l4));
		ip->packet_id = htons(0x1234);
		ip->time_to_live = s->ttl;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = unit_ip4(s->src);
		ip->dst_addr = unit_ip4(s->dst);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		off += 20;
	} else {
		buf[12] = 0x86;
		buf[13] = 0xdd;
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + 14);
		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = htonl(6u << 28 | 0x12345);
		ip->payload_len = htons((uint16_t)l4);
		ip->proto = IPPROTO_UDP;
		ip->hop_limits = s->ttl;
		struct pg_ip a = unit_ip(s->src), b = unit_ip(s->dst);
		memcpy(ip->src_addr, a.v6, 16);
		memcpy(ip->dst_addr, b.v6, 16);
		off += 40;
	}
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(buf + off);
	udp->src_port = htons(s->sport);
	udp->dst_port = htons(s->dport);
	udp->dgram_len = htons((uint16_t)l4);
	udp->dgram_cksum = 0;
	for (unsigned i = 0; i < s->payload; i++)
		buf[off + 8 + i] = (uint8_t)(i * 7 + 3);
	return off + l4;
}

/* Process one frame arriving on port `in`, flush, and collect what each port sent. */
static void run(uint16_t in, const uint8_t *frame, unsigned len, struct out *o)
{
	struct rte_mbuf *m = mbuf_from(frame, len);

	dp_process_burst(w, in, &m, 1);
	dp_tx_flush(w);
	collect(o);
}

static uint64_t drops(enum drop_reason r)
{
	return dp.stats[0]->drop[r];
}

/* Exactly one frame out, on port want_port; returns its bytes (linear) and length. */
static const uint8_t *one_out(struct out *o, uint16_t want_port, unsigned *len)
{
	CHECK(o->n == 1, "%u frames transmitted, expected 1", o->n);
	if (o->n < 1)
		return NULL;
	CHECK(o->port[0] == want_port, "frame left on port %u, expected %u", o->port[0], want_port);
	CHECK(rte_pktmbuf_is_contiguous(o->m[0]), "transmitted mbuf is segmented");
	*len = rte_pktmbuf_pkt_len(o->m[0]);
	return rte_pktmbuf_mtod(o->m[0], const uint8_t *);
}

static bool mac_eq_text(const uint8_t *p, const char *text)
{
	struct pg_mac m = unit_mac(text);
	return memcmp(p, m.b, 6) == 0;
}

static bool ip4_cksum_valid(const void *hdr)
{
	return rte_raw_cksum(hdr, 20) == 0xffff;
}

/* The inner/forwarded IPv4 packet: original bytes except TTL - 1 and a valid checksum. */
static void check_ip4_forwarded(const uint8_t *got, const uint8_t *orig, unsigned l3len)
{
	uint8_t want[2048];

	memcpy(want, orig, l3len);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)want;
	ip->time_to_live--;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	CHECK_MEM(got, want, l3len, "forwarded IPv4 packet (TTL - 1, checksum updated)");
	CHECK(ip4_cksum_valid(got), "forwarded IPv4 header checksum invalid");
}

static void check_ip6_forwarded(const uint8_t *got, const uint8_t *orig, unsigned l3len)
{
	uint8_t want[2048];

	memcpy(want, orig, l3len);
	want[7]--; /* hop limit */
	CHECK_MEM(got, want, l3len, "forwarded IPv6 packet (hop limit - 1)");
}

/* ---- setup ---- */

static int route(uint16_t vrf, const char *pfx, uint32_t nh)
{
	struct pg_prefix p = unit_prefix(pfx);
	uint32_t old;

	nh_ref(nh); /* the route holds its own reference */
	int ret = fib_route_add(vrf, &p, nh, ROUTE_STATIC, &old);
	if (ret == 0 && old)
		fib_release_after_commit(old);
	return ret;
}

static void setup(void)
{
	struct dp_init_conf dc = {
	    .mbufs = 4095,
	    .max_routes4 = 1024,
	    .tbl8_groups = 256,
	    .max_routes6 = 1024,
	    .punt_rate_pps = 100000,
	    .punt_burst = 1000,
	};
	CHECK_EQ(dp_init(&dc), 0);
	CHECK_EQ(fib_init(4096), 0);
	fib_set_nh_release(nh_put);
	CHECK_EQ(nh_init(256), 0);
	CHECK_EQ(vni_init(), 0);
	int ia = unit_port_add("a", "net_ring0", A_MAC, 1500, 1);
	int ib = unit_port_add("b", "net_ring1", B_MAC, 1500, 0);
	CHECK(ia >= 0 && ib >= 0, "ports: %d %d", ia, ib);
	pA = (uint16_t)ia;
	pB = (uint16_t)ib;
	CHECK_EQ(fib_vrf_create(0, "default", 1024, 256, 1024), 0);
	CHECK_EQ(fib_vrf_create(1, "red", 1024, 256, 1024), 0);
	CHECK_EQ(dp_ports_start(), 0);
	CHECK_EQ(dp_workers_setup(1), 0);
	w = dp.workers[0];

	/* underlay: our VTEP and its subnet */
	atomic_store(&dp.vtep4, unit_ip4(VTEP));
	uint32_t local, conn;
	CHECK_EQ(nh_local_get(0, pB, &local), 0);
	CHECK_EQ(nh_connected_get(0, pB, &conn), 0);
	CHECK_EQ(route(0, VTEP "/32", local), 0);
	CHECK_EQ(route(0, "192.168.0.0/24", conn), 0);
	nh_put(local);
	nh_put(conn);

	/* overlay: VNI 5000 = VRF 1 */
	struct pg_mac rmac = unit_mac(OUR_RMAC), peer = unit_mac(PEER_RMAC);
	vni_slot_5000 = vni_add(5000, 1, &rmac);
	CHECK(vni_slot_5000 > 0, "vni_add: %d", vni_slot_5000);
	struct pg_ip r2 = unit_ip("192.168.0.2"), r3 = unit_ip("192.168.0.3");
	CHECK_EQ(nh_vxlan_get(1, &r2, 5000, &peer, &nh_vx), 0);
	CHECK_EQ(nh_ipip_get(1, &r3, &nh_ipip), 0);
	struct pg_mac m2 = unit_mac(VTEP2_MAC), m3 = unit_mac(VTEP3_MAC), gwm = unit_mac(GW_MAC);
	nh_neigh_update(pB, &r2, &m2);
	nh_neigh_update(pB, &r3, &m3);
	struct pg_ip gw = unit_ip("10.1.0.1"), gw6 = unit_ip("fe80::1");
	CHECK_EQ(nh_direct_get(1, pA, &gw, &nh_direct), 0);
	CHECK_EQ(nh_direct_get(1, pA, &gw6, &nh_direct6), 0);
	nh_neigh_update(pA, &gw, &gwm);
	nh_neigh_update(pA, &gw6, &gwm);
	CHECK(nh_get(nh_vx) && (nh_get(nh_vx)->flags & NH_F_RESOLVED), "VXLAN next hop unresolved");
	CHECK(nh_get(nh_ipip) && (nh_get(nh_ipip)->flags & NH_F_RESOLVED),
	      "IPIP next hop unresolved");
	CHECK(nh_get(nh_direct) && (nh_get(nh_direct)->flags & NH_F_RESOLVED), "DIRECT unresolved");

	CHECK_EQ(route(1, "10.2.0.0/16", nh_vx), 0);
	CHECK_EQ(route(1, "2001:db8:2::/48", nh_vx), 0);
	CHECK_EQ(route(1, "10.3.0.0/16", nh_ipip), 0);
	CHECK_EQ(route(1, "10.4.0.0/16", nh_direct), 0);
	CHECK_EQ(route(1, "2001:db8:4::/48", nh_direct6), 0);
	CHECK_EQ(fib_commit(), 0);
}

/* ---- the policer of a worker driven without worker_main() ---- */

static void test_punt_without_worker_main(void)
{
	printf("punt from a worker driven by dp_process_burst() (no worker_main)\n");
	/*
	 * worker.h offers worker_poll_once()/dp_process_burst() to tests and benchmarks, but the
	 * punt policer divides by w->tsc_hz, which only worker_main() sets (dp_workers_setup()
	 * leaves it 0). Check in a child process: an ARP request must be punted, not crash.
	 */
	CHECK(w->tsc_hz != 0, "dp_workers_setup() leaves dp_worker.tsc_hz = 0 (set only by "
			      "worker_main), and policer_take() divides by it");
	uint8_t arp[60] = {0};
	put_mac(arp, "ff:ff:ff:ff:ff:ff");
	put_mac(arp + 6, HOST_MAC);
	arp[12] = 0x08;
	arp[13] = 0x06;
	/* DPDK memory (--no-huge: memfd) is shared with the child: the mbuf is allocated here */
	struct rte_mbuf *m = mbuf_from(arp, sizeof(arp));
	uint64_t punts0 = dp.stats[0]->punt_class[PUNT_CLASS_CTRL];
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		dp_process_burst(w, pA, &m, 1);
		_exit(dp.stats[0]->punt_class[PUNT_CLASS_CTRL] == punts0 + 1 ? 0 : 3);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rte_pktmbuf_free(m); /* the child died holding it */
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "punting an ARP frame through a worker set up by dp_workers_setup(): %s %d",
	      WIFSIGNALED(status) ? "killed by signal" : "exit status",
	      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	/* What worker_main() does, so that the rest of the test can punt. */
	if (w->tsc_hz == 0) {
		w->tsc_hz = rte_get_tsc_hz();
		for (unsigned c = 0; c < PUNT_CLASS_MAX; c++) {
			w->pol[c].tokens = dp.punt_burst;
			w->pol[c].last_tsc = rte_rdtsc();
		}
	}
}

/* ---- encapsulation ---- */

static void check_vxlan_outer(const uint8_t *f, unsigned len, unsigned inner_len, uint32_t vni,
			      uint16_t inner_type)
{
	CHECK_EQ(len, inner_len + 50);
	/* outer Ethernet */
	uint8_t eth[14];
	put_mac(eth, VTEP2_MAC);
	put_mac(eth + 6, B_MAC);
	eth[12] = 0x08;
	eth[13] = 0x00;
	CHECK_MEM(f, eth, 14, "outer Ethernet header");
	/* outer IPv4 */
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	CHECK_EQX(ip->version_ihl, 0x45);
	CHECK_EQX(ip->type_of_service, 0);
	CHECK_EQ(ntohs(ip->total_length), len - 14);
	CHECK_EQX(ntohs(ip->fragment_offset), RTE_IPV4_HDR_DF_FLAG);
	CHECK_EQ(ip->time_to_live, 64);
	CHECK_EQ(ip->next_proto_id, IPPROTO_UDP);
	CHECK_EQX(ip->src_addr, unit_ip4(VTEP));
	CHECK_EQX(ip->dst_addr, unit_ip4("192.168.0.2"));
	struct rte_ipv4_hdr c = *ip;
	c.hdr_checksum = 0;
	CHECK_EQX(ip->hdr_checksum, rte_ipv4_cksum(&c));
	/* UDP */
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(f + 34);
	uint16_t sport = ntohs(udp->src_port);
	CHECK(sport >= 49152, "VXLAN UDP source port %u outside 49152..65535", sport);
	CHECK_EQ(ntohs(udp->dst_port), 4789);
	CHECK_EQ(ntohs(udp->dgram_len), len - 34);
	CHECK_EQX(udp->dgram_cksum, 0);
	/* VXLAN */
	uint8_t vx[8] = {0x08, 0, 0, 0, (uint8_t)(vni >> 16), (uint8_t)(vni >> 8), (uint8_t)vni, 0};
	CHECK_MEM(f + 42, vx, 8, "VXLAN header");
	/* inner Ethernet */
	uint8_t ieth[14];
	put_mac(ieth, PEER_RMAC);
	put_mac(ieth + 6, OUR_RMAC);
	ieth[12] = (uint8_t)(inner_type >> 8);
	ieth[13] = (uint8_t)inner_type;
	CHECK_MEM(f + 50, ieth, 14, "inner Ethernet header");
}

static void test_vxlan_encap(void)
{
	uint8_t frame[2048];
	struct out o;
	unsigned len, olen;

	printf("VXLAN encapsulation (IPv4 inner)\n");
	struct pkt_spec s = {A_MAC, HOST_MAC, AF_INET, "10.1.0.5", "10.2.3.4", 64, 1234, 5678, 100};
	len = build(frame, &s);
	uint64_t encap0 = dp.stats[0]->vni[vni_slot_5000].encap_pkts;
	uint64_t fwd0 = dp.stats[0]->vrf[1].fwd_pkts, tx0 = dp.stats[0]->port[pB].tx_pkts;
	run(pA, frame, len, &o);
	const uint8_t *f = one_out(&o, pB, &olen);
	if (f) {
		check_vxlan_outer(f, olen, len, 5000, 0x0800);
		check_ip4_forwarded(f + 64, frame + 14, len - 14);
	}
	out_free(&o);
	CHECK_EQ(dp.stats[0]->vni[vni_slot_5000].encap_pkts, encap0 + 1);
	CHECK_EQ(dp.stats[0]->vrf[1].fwd_pkts, fwd0 + 1);
	CHECK_EQ(dp.stats[0]->port[pB].tx_pkts, tx0 + 1);

	/* the UDP source port follows the flow: same flow, same port; flows spread */
	uint16_t first = 0;
	unsigned distinct = 0;
	uint16_t seen[32];
	for (unsigned i = 0; i < 32; i++) {
		s.sport = (uint16_t)(1000 + i);
		len = build(frame, &s);
		run(pA, frame, len, &o);
		f = one_out(&o, pB, &olen);
		uint16_t sp = f ? ntohs(((const struct rte_udp_hdr *)(f + 34))->src_port) : 0;
		out_free(&o);
		if (i == 0)
			first = sp;
		bool dup = false;
		for (unsigned k = 0; k < distinct; k++)
			dup |= seen[k] == sp;
		if (!dup)
			seen[distinct++] = sp;
	}
	CHECK(distinct >= 8, "32 flows used only %u VXLAN source ports", distinct);
	s.sport = 1000;
	len = build(frame, &s);
	run(pA, frame, len, &o);
	f = one_out(&o, pB, &olen);
	CHECK(f && ntohs(((const struct rte_udp_hdr *)(f + 34))->src_port) == first,
	      "same flow, different VXLAN source port");
	out_free(&o);

	/* largest inner packet that fits the underlay MTU, and one byte more */
	s.payload = 1500 - 28;
	len = build(frame, &s);
	CHECK_EQ(len - 14, 1500);
	uint64_t mtu0 = drops(DROP_MTU_EXCEEDED);
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_MTU_EXCEEDED), mtu0 + 1);
	out_free(&o);
	s.payload = 1450 - 28;
	len = build(frame, &s);
	run(pA, frame, len, &o);
	f = one_out(&o, pB, &olen);
	if (f) {
		CHECK_EQ(olen, 1514);
		check_vxlan_outer(f, olen, len, 5000, 0x0800);
		check_ip4_forwarded(f + 64, frame + 14, len - 14);
	}
	out_free(&o);
	s.payload = 1451 - 28;
	len = build(frame, &s);
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_MTU_EXCEEDED), mtu0 + 2);
	out_free(&o);

	printf("VXLAN encapsulation (IPv6 inner)\n");
	struct pkt_spec s6 = {A_MAC, HOST_MAC, AF_INET6, "2001:db8:1::5", "2001:db8:2::9", 64,
			      1234,  5678,     60};
	len = build(frame, &s6);
	run(pA, frame, len, &o);
	f = one_out(&o, pB, &olen);
	if (f) {
		check_vxlan_outer(f, olen, len, 5000, 0x86dd);
		check_ip6_forwarded(f + 64, frame + 14, len - 14);
	}
	out_free(&o);
}

static void test_ipip_and_direct(void)
{
	uint8_t frame[2048];
	struct out o;
	unsigned len, olen;

	printf("IPIP encapsulation\n");
	struct pkt_spec s = {A_MAC, HOST_MAC, AF_INET, "10.1.0.5", "10.3.0.7", 17, 1, 2, 33};
	len = build(frame, &s);
	uint64_t ipip0 = dp.stats[0]->ipip_encap;
	run(pA, frame, len, &o);
	const uint8_t *f = one_out(&o, pB, &olen);
	if (f) {
		CHECK_EQ(olen, len + 20);
		uint8_t eth[14];
		put_mac(eth, VTEP3_MAC);
		put_mac(eth + 6, B_MAC);
		eth[12] = 0x08;
		eth[13] = 0x00;
		CHECK_MEM(f, eth, 14, "IPIP outer Ethernet header");
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
		CHECK_EQX(ip->version_ihl, 0x45);
		CHECK_EQ(ntohs(ip->total_length), olen - 14);
		CHECK_EQX(ntohs(ip->fragment_offset), RTE_IPV4_HDR_DF_FLAG);
		CHECK_EQ(ip->time_to_live, 64);
		CHECK_EQ(ip->next_proto_id, IPPROTO_IPIP);
		CHECK_EQX(ip->src_addr, unit_ip4(VTEP));
		CHECK_EQX(ip->dst_addr, unit_ip4("192.168.0.3"));
		CHECK(ip4_cksum_valid(ip), "IPIP outer checksum invalid");
		check_ip4_forwarded(f + 34, frame + 14, len - 14);
	}
	out_free(&o);
	CHECK_EQ(dp.stats[0]->ipip_encap, ipip0 + 1);
	/* IPv6 cannot go into an IPv4-in-IPv4 tunnel */
	CHECK_EQ(route(1, "2001:db8:3::/48", nh_ipip), 0);
	CHECK_EQ(fib_commit(), 0);
	struct pkt_spec s6 = {A_MAC, HOST_MAC, AF_INET6, "2001:db8:1::5", "2001:db8:3::1", 64,
			      1,     2,	       10};
	len = build(frame, &s6);
	uint64_t v6ipip0 = drops(DROP_IPIP_INNER_V6);
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_IPIP_INNER_V6), v6ipip0 + 1);
	out_free(&o);

	printf("plain forwarding (DIRECT next hops)\n");
	s = (struct pkt_spec){A_MAC, HOST_MAC, AF_INET, "10.1.0.5", "10.4.0.8", 2, 9, 9, 0};
	len = build(frame, &s);
	run(pA, frame, len, &o);
	f = one_out(&o, pA, &olen);
	if (f) {
		CHECK_EQ(olen, len);
		uint8_t eth[14];
		put_mac(eth, GW_MAC);
		put_mac(eth + 6, A_MAC);
		eth[12] = 0x08;
		eth[13] = 0x00;
		CHECK_MEM(f, eth, 14, "rewritten Ethernet header");
		check_ip4_forwarded(f + 14, frame + 14, len - 14);
	}
	out_free(&o);
	s6 = (struct pkt_spec){A_MAC, HOST_MAC, AF_INET6, "2001:db8:1::5", "2001:db8:4::8", 2,
			       9,     9,	5};
	len = build(frame, &s6);
	run(pA, frame, len, &o);
	f = one_out(&o, pA, &olen);
	if (f) {
		uint8_t eth[14];
		put_mac(eth, GW_MAC);
		put_mac(eth + 6, A_MAC);
		eth[12] = 0x86;
		eth[13] = 0xdd;
		CHECK_MEM(f, eth, 14, "rewritten Ethernet header (IPv6)");
		check_ip6_forwarded(f + 14, frame + 14, len - 14);
	}
	out_free(&o);
	/* checksum 0xffff corner of the incremental update: many TTL / id values */
	unsigned bad = 0;
	for (unsigned ttl = 2; ttl < 256; ttl++) {
		for (unsigned id = 0; id < 256; id += 17) {
			s = (struct pkt_spec){A_MAC,	  HOST_MAC,   AF_INET,
					      "10.1.0.5", "10.4.0.8", (uint8_t)ttl,
					      9,	  9,	      0};
			len = build(frame, &s);
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);
			ip->packet_id = htons((uint16_t)(id << 8 | ttl));
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			run(pA, frame, len, &o);
			if (o.n != 1 ||
			    !ip4_cksum_valid(rte_pktmbuf_mtod_offset(o.m[0], void *, 14)))
				bad++;
			out_free(&o);
		}
	}
	CHECK(bad == 0, "%u forwarded packets with a wrong header checksum", bad);
}

static void test_drops(void)
{
	uint8_t frame[2048];
	struct out o;
	unsigned len;

	printf("drops\n");
	/* TTL 1 and 0 */
	uint64_t ttl0 = drops(DROP_IP4_TTL_EXCEEDED);
	struct pkt_spec s = {A_MAC, HOST_MAC, AF_INET, "10.1.0.5", "10.2.3.4", 1, 1, 2, 20};
	len = build(frame, &s);
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(drops(DROP_IP4_TTL_EXCEEDED), ttl0 + 1);
	CHECK_EQ(dp.stats[0]->drop[DROP_IP4_TTL_EXCEEDED], ttl0 + 1);
	s.ttl = 0;
	len = build(frame, &s);
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(drops(DROP_IP4_TTL_EXCEEDED), ttl0 + 2);
	/* hop limit 1 */
	uint64_t hl0 = drops(DROP_IP6_HOP_LIMIT);
	struct pkt_spec s6 = {A_MAC, HOST_MAC, AF_INET6, "2001:db8:1::5", "2001:db8:2::9", 1,
			      1,     2,	       20};
	len = build(frame, &s6);
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(drops(DROP_IP6_HOP_LIMIT), hl0 + 1);
	/* no route */
	uint64_t nr0 = drops(DROP_IP4_NO_ROUTE);
	s = (struct pkt_spec){A_MAC, HOST_MAC, AF_INET, "10.1.0.5", "10.99.0.1", 64, 1, 2, 20};
	len = build(frame, &s);
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(drops(DROP_IP4_NO_ROUTE), nr0 + 1);
	/* bad header checksum */
	uint64_t ck0 = drops(DROP_IP4_BAD_CHECKSUM);
	s.dst = "10.2.3.4";
	len = build(frame, &s);
	frame[14 + 10] ^= 0x55;
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(drops(DROP_IP4_BAD_CHECKSUM), ck0 + 1);
	/* not our MAC */
	uint64_t nfu0 = drops(DROP_ETH_NOT_FOR_US);
	s.dmac = "02:00:00:00:77:77";
	len = build(frame, &s);
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(drops(DROP_ETH_NOT_FOR_US), nfu0 + 1);
	/* not enough headroom for the VXLAN header */
	s.dmac = A_MAC;
	len = build(frame, &s);
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	m->data_off = 16;
	memcpy(rte_pktmbuf_append(m, (uint16_t)len), frame, len);
	uint64_t hr0 = drops(DROP_HEADROOM);
	dp_process_burst(w, pA, &m, 1);
	dp_tx_flush(w);
	CHECK_EQ(drops(DROP_HEADROOM), hr0 + 1);
	collect(&o);
	CHECK_EQ(o.n, 0);
	out_free(&o);

	/* unresolved underlay: held for resolution (punted with the underlay next hop) */
	struct pg_ip r9 = unit_ip("192.168.0.9");
	struct pg_mac peer = unit_mac(PEER_RMAC);
	uint32_t vx9;
	CHECK_EQ(nh_vxlan_get(1, &r9, 5000, &peer, &vx9), 0);
	CHECK_EQ(route(1, "10.9.0.0/16", vx9), 0);
	CHECK_EQ(fib_commit(), 0);
	s.dst = "10.9.1.1";
	len = build(frame, &s);
	uint64_t res0 = dp.stats[0]->punt_class[PUNT_CLASS_RESOLVE];
	run(pA, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(dp.stats[0]->punt_class[PUNT_CLASS_RESOLVE], res0 + 1);
	struct rte_mbuf *pm = NULL;
	CHECK(rte_ring_dequeue(dp.punt[PUNT_CLASS_RESOLVE], (void **)&pm) == 0, "nothing punted");
	if (pm) {
		const struct pkt_meta *meta = pkt_meta(pm);
		CHECK(meta->reason == PUNT_RESOLVE && meta->port == pA &&
			  meta->nh == nh_get(vx9)->under && meta->nh != 0,
		      "punt meta: reason %u port %u nh %u (underlay %u)", meta->reason, meta->port,
		      meta->nh, nh_get(vx9)->under);
		rte_pktmbuf_free(pm);
	}
}

/* ---- decapsulation ---- */

struct vx_spec {
	const char *outer_src;
	uint32_t vni;
	uint8_t flags;
	const char *inner_dmac;
	struct pkt_spec inner;
};

static unsigned build_vxlan(uint8_t *buf, const struct vx_spec *v, unsigned *inner_off)
{
	unsigned ilen = build(buf + 50, &v->inner);
	put_mac(buf, B_MAC);
	put_mac(buf + 6, VTEP2_MAC);
	buf[12] = 0x08;
	buf[13] = 0x00;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	memset(ip, 0, 20);
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(ilen + 36));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = unit_ip4(v->outer_src);
	ip->dst_addr = unit_ip4(VTEP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(buf + 34);
	udp->src_port = htons(54321);
	udp->dst_port = htons(4789);
	udp->dgram_len = htons((uint16_t)(ilen + 16));
	udp->dgram_cksum = 0;
	uint8_t *vx = buf + 42;
	memset(vx, 0, 8);
	vx[0] = v->flags;
	vx[4] = (uint8_t)(v->vni >> 16);
	vx[5] = (uint8_t)(v->vni >> 8);
	vx[6] = (uint8_t)v->vni;
	put_mac(buf + 50, v->inner_dmac);
	*inner_off = 50;
	return ilen + 50;
}

static void test_decap(void)
{
	uint8_t frame[2048];
	struct out o;
	unsigned len, olen, ioff;

	printf("VXLAN decapsulation\n");
	struct vx_spec v = {"192.168.0.2",
			    5000,
			    0x08,
			    OUR_RMAC,
			    {"x", PEER_RMAC, AF_INET, "10.2.0.5", "10.4.1.1", 63, 7, 8, 40}};
	v.inner.dmac = OUR_RMAC;
	len = build_vxlan(frame, &v, &ioff);
	uint64_t dec0 = dp.stats[0]->vni[vni_slot_5000].decap_pkts;
	run(pB, frame, len, &o);
	const uint8_t *f = one_out(&o, pA, &olen);
	if (f) {
		CHECK_EQ(olen, len - 50);
		uint8_t eth[14];
		put_mac(eth, GW_MAC);
		put_mac(eth + 6, A_MAC);
		eth[12] = 0x08;
		eth[13] = 0x00;
		CHECK_MEM(f, eth, 14, "Ethernet header after decapsulation and rewrite");
		check_ip4_forwarded(f + 14, frame + ioff + 14, len - ioff - 14);
	}
	out_free(&o);
	CHECK_EQ(dp.stats[0]->vni[vni_slot_5000].decap_pkts, dec0 + 1);

	/* IPv6 inner */
	v.inner = (struct pkt_spec){
	    OUR_RMAC, PEER_RMAC, AF_INET6, "2001:db8:2::5", "2001:db8:4::1", 50, 7, 8, 40};
	len = build_vxlan(frame, &v, &ioff);
	run(pB, frame, len, &o);
	f = one_out(&o, pA, &olen);
	if (f) {
		CHECK_EQ(olen, len - 50);
		check_ip6_forwarded(f + 14, frame + ioff + 14, len - ioff - 14);
	}
	out_free(&o);

	/* the decapsulated packet is looked up in the VNI's VRF only */
	v.inner = (struct pkt_spec){OUR_RMAC, PEER_RMAC, AF_INET, "10.2.0.5", "192.168.0.2",
				    64,	      7,	 8,	  10};
	len = build_vxlan(frame, &v, &ioff);
	uint64_t nr0 = drops(DROP_IP4_NO_ROUTE);
	run(pB, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(drops(DROP_IP4_NO_ROUTE), nr0 + 1);

	struct {
		const char *what;
		const char *src;
		uint32_t vni;
		uint8_t flags;
		const char *idmac;
		enum drop_reason want;
	} bad[] = {
	    {"unknown VNI", "192.168.0.2", 5001, 0x08, OUR_RMAC, DROP_VXLAN_UNKNOWN_VNI},
	    {"VNI 0", "192.168.0.2", 0, 0x08, "00:00:00:00:00:00", DROP_VXLAN_UNKNOWN_VNI},
	    {"VNI 0 with our router MAC", "192.168.0.2", 0, 0x08, OUR_RMAC, DROP_VXLAN_UNKNOWN_VNI},
	    {"unknown VTEP", "192.168.0.99", 5000, 0x08, OUR_RMAC, DROP_VXLAN_UNKNOWN_VTEP},
	    {"IPIP-only endpoint", "192.168.0.3", 5000, 0x08, OUR_RMAC, DROP_VXLAN_UNKNOWN_VTEP},
	    {"no I flag", "192.168.0.2", 5000, 0x00, OUR_RMAC, DROP_VXLAN_BAD_FLAGS},
	    {"inner MAC not ours", "192.168.0.2", 5000, 0x08, "02:00:00:00:12:34",
	     DROP_VXLAN_INNER_DMAC},
	};
	/* VRF 0 has a route for the inner destination, so a leak into VRF 0 would be sent */
	uint32_t leak;
	struct pg_ip leak_gw = unit_ip("192.168.0.2");
	CHECK_EQ(nh_direct_get(0, pB, &leak_gw, &leak), 0);
	CHECK_EQ(route(0, "10.4.0.0/16", leak), 0);
	nh_put(leak);
	CHECK_EQ(fib_commit(), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = (struct vx_spec){
		    bad[i].src,
		    bad[i].vni,
		    bad[i].flags,
		    bad[i].idmac,
		    {bad[i].idmac, PEER_RMAC, AF_INET, "10.2.0.5", "10.4.1.1", 63, 7, 8, 40}};
		len = build_vxlan(frame, &v, &ioff);
		uint64_t d0 = drops(bad[i].want);
		run(pB, frame, len, &o);
		CHECK(o.n == 0, "%s: %u frames sent (on port %u), expected a drop", bad[i].what,
		      o.n, o.n ? o.port[0] : 0);
		CHECK(drops(bad[i].want) == d0 + 1, "%s: not counted as %s", bad[i].what,
		      drop_reason_name(bad[i].want));
		out_free(&o);
	}
	uint32_t old;
	struct pg_prefix lp = unit_prefix("10.4.0.0/16");
	CHECK_EQ(fib_route_del(0, &lp, &old), 0);
	fib_release_after_commit(old);
	CHECK_EQ(fib_commit(), 0);

	/* One burst alternating two VNIs: each packet is routed in its own VNI's VRF (the worker
	 * remembers the last VNI of a burst). VRF 2 (VNI 5002) has no route for the inner
	 * destination, VRF 1 (VNI 5000) sends it out of port A. */
	CHECK_EQ(fib_vrf_create(2, "blue", 1024, 256, 1024), 0);
	struct pg_mac rmac = unit_mac(OUR_RMAC);
	int slot5002 = vni_add(5002, 2, &rmac);
	CHECK(slot5002 > 0, "vni_add 5002: %d", slot5002);
	{
		static const uint32_t vnis[] = {5000, 5002, 5000, 5002, 5002, 5000};
		struct rte_mbuf *burst[6];
		uint64_t nr = drops(DROP_IP4_NO_ROUTE);
		uint64_t d5000 = dp.stats[0]->vni[vni_slot_5000].decap_pkts;
		for (unsigned i = 0; i < 6; i++) {
			v = (struct vx_spec){
			    "192.168.0.2",
			    vnis[i],
			    0x08,
			    OUR_RMAC,
			    {OUR_RMAC, PEER_RMAC, AF_INET, "10.2.0.5", "10.4.1.1", 63, 7, 8, 40}};
			len = build_vxlan(frame, &v, &ioff);
			burst[i] = mbuf_from(frame, len);
		}
		dp_process_burst(w, pB, burst, 6);
		dp_tx_flush(w);
		collect(&o);
		CHECK(o.n == 3, "alternating VNIs: %u frames sent, want the 3 of VNI 5000", o.n);
		for (unsigned i = 0; i < o.n; i++)
			CHECK(o.port[i] == pA, "frame %u left on port %u", i, o.port[i]);
		out_free(&o);
		CHECK_EQ(drops(DROP_IP4_NO_ROUTE), nr + 3);
		CHECK_EQ(dp.stats[0]->vni[vni_slot_5000].decap_pkts, d5000 + 3);
		if (slot5002 > 0)
			CHECK_EQ(dp.stats[0]->vni[slot5002].decap_pkts, 3);
	}
	CHECK_EQ(vni_del(5002), 0);
	fib_vrf_destroy(2);
	CHECK_EQ(fib_commit(), 0);

	printf("IPIP decapsulation\n");
	struct pkt_spec in4 = {B_MAC, VTEP3_MAC, AF_INET, "10.3.0.5", "10.4.2.2", 30, 1, 2, 12};
	uint8_t inner[256];
	unsigned ilen = build(inner, &in4) - 14;
	memcpy(frame, inner, 14); /* Ethernet */
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + 14);
	memset(ip, 0, 20);
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(20 + ilen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_IPIP;
	ip->src_addr = unit_ip4("192.168.0.3");
	ip->dst_addr = unit_ip4(VTEP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(frame + 34, inner + 14, ilen);
	len = 34 + ilen;
	uint64_t ipd0 = dp.stats[0]->ipip_decap;
	run(pB, frame, len, &o);
	f = one_out(&o, pA, &olen);
	if (f) {
		CHECK_EQ(olen, 14 + ilen);
		check_ip4_forwarded(f + 14, inner + 14, ilen);
	}
	out_free(&o);
	CHECK_EQ(dp.stats[0]->ipip_decap, ipd0 + 1);
	/* from an endpoint that is not an IPIP peer */
	ip->src_addr = unit_ip4("192.168.0.2");
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uint64_t up0 = drops(DROP_IPIP_UNKNOWN_PEER);
	run(pB, frame, len, &o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	CHECK_EQ(drops(DROP_IPIP_UNKNOWN_PEER), up0 + 1);
}

/*
 * Route replace and delete as control/apply.c does them (fib_route_add/del, then nh_put of the
 * old next hop), with packets arriving before the next fib_commit(): the workers still use the
 * last committed FIB, so the packet must go out through the old next hop (or the new one, or the
 * covering route), not be dropped because the old next hop was already unpublished.
 */
static void test_hitless(void)
{
	uint8_t frame[256];
	struct out o;
	unsigned len, olen;
	struct pg_ip g2 = unit_ip("10.1.0.2"), g3 = unit_ip("10.1.0.3"), g4 = unit_ip("10.1.0.4");
	struct pg_mac m2 = unit_mac("02:cc:00:00:00:02"), m3 = unit_mac("02:cc:00:00:00:03"),
		      m4 = unit_mac("02:cc:00:00:00:04");
	uint32_t n2, n3, n4, old;

	printf("route replace/delete between commits\n");
	CHECK_EQ(nh_direct_get(1, pA, &g2, &n2), 0);
	CHECK_EQ(nh_direct_get(1, pA, &g3, &n3), 0);
	CHECK_EQ(nh_direct_get(1, pA, &g4, &n4), 0);
	nh_neigh_update(pA, &g2, &m2);
	nh_neigh_update(pA, &g3, &m3);
	nh_neigh_update(pA, &g4, &m4);
	struct pg_prefix p5 = unit_prefix("10.5.0.0/16"), p6 = unit_prefix("10.6.0.0/16");
	CHECK_EQ(fib_route_add(1, &p5, n2, ROUTE_STATIC, &old),
		 0); /* the route owns n2's reference */
	CHECK_EQ(fib_route_add(1, &p6, n4, ROUTE_STATIC, &old), 0);
	CHECK_EQ(route(1, "10.0.0.0/8", nh_direct), 0); /* covers 10.6/16 */
	CHECK_EQ(fib_commit(), 0);

	struct pkt_spec s = {A_MAC, HOST_MAC, AF_INET, "10.1.0.5", "10.5.0.1", 64, 1, 2, 10};
	len = build(frame, &s);
	run(pA, frame, len, &o);
	const uint8_t *f = one_out(&o, pA, &olen);
	CHECK(f && mac_eq_text(f, "02:cc:00:00:00:02"), "10.5.0.1 before the replace");
	out_free(&o);

	/* replace 10.5/16: n2 -> n3; n2 loses its last reference */
	CHECK_EQ(fib_route_add(1, &p5, n3, ROUTE_STATIC, &old), 0);
	CHECK_EQ(old, n2);
	fib_release_after_commit(old);
	uint64_t inv0 = drops(DROP_NH_INVALID);
	run(pA, frame, len, &o);
	CHECK(o.n == 1,
	      "packet to a route being replaced (before fib_commit): %u sent, %" PRIu64
	      " dropped as NH_INVALID",
	      o.n, drops(DROP_NH_INVALID) - inv0);
	if (o.n == 1) {
		f = rte_pktmbuf_mtod(o.m[0], const uint8_t *);
		CHECK(mac_eq_text(f, "02:cc:00:00:00:02") || mac_eq_text(f, "02:cc:00:00:00:03"),
		      "sent to neither the old nor the new next hop");
	}
	out_free(&o);
	CHECK_EQ(fib_commit(), 0);
	run(pA, frame, len, &o);
	f = one_out(&o, pA, &olen);
	CHECK(f && mac_eq_text(f, "02:cc:00:00:00:03"), "10.5.0.1 after the replace");
	out_free(&o);

	/* delete 10.6/16 (covered by 10/8): n4 loses its last reference */
	s.dst = "10.6.0.1";
	len = build(frame, &s);
	CHECK_EQ(fib_route_del(1, &p6, &old), 0);
	CHECK_EQ(old, n4);
	fib_release_after_commit(old);
	inv0 = drops(DROP_NH_INVALID);
	run(pA, frame, len, &o);
	CHECK(o.n == 1,
	      "packet to a route being deleted (before fib_commit): %u sent, %" PRIu64
	      " dropped as NH_INVALID",
	      o.n, drops(DROP_NH_INVALID) - inv0);
	out_free(&o);
	CHECK_EQ(fib_commit(), 0);
	run(pA, frame, len, &o);
	f = one_out(&o, pA, &olen);
	CHECK(f && mac_eq_text(f, GW_MAC), "10.6.0.1 via the covering route after the delete");
	out_free(&o);

	CHECK_EQ(fib_route_del(1, &p5, &old), 0);
	fib_release_after_commit(old);
	struct pg_prefix p8 = unit_prefix("10.0.0.0/8");
	CHECK_EQ(fib_route_del(1, &p8, &old), 0);
	fib_release_after_commit(old);
	CHECK_EQ(fib_commit(), 0);
	rcu_reclaim();
}

/*
 * The worker handles a burst in batches (the fast path, the full path for anything odd, one
 * lookup per VRF, decapsulated packets after the others, TX buffers per port): a burst must have
 * exactly the effect of its frames one by one. Mixed bursts of every path, most frames valid,
 * the rest with a byte flipped, a low TTL, truncated or padded; compared: the frames sent on each
 * port (as a set: decapsulated packets leave after the others) and every counter but the punt
 * ones (the punt policer depends on time).
 */
#define MIX_MAX 32
struct mix_out {
	unsigned n[2];
	uint16_t len[2][2 * MIX_MAX];
	uint8_t data[2][2 * MIX_MAX][320];
};

static void mix_keep(struct mix_out *mo, uint16_t p, struct rte_mbuf *m)
{
	unsigned k = mo->n[p]++;

	CHECK(k < 2 * MIX_MAX && m->pkt_len <= 320, "%u frames / %u bytes out", k, m->pkt_len);
	if (k < 2 * MIX_MAX && m->pkt_len <= 320) {
		const void *d = rte_pktmbuf_read(m, 0, m->pkt_len, mo->data[p][k]);
		if (d != mo->data[p][k])
			memcpy(mo->data[p][k], d, m->pkt_len);
		mo->len[p][k] = (uint16_t)m->pkt_len;
	}
	rte_pktmbuf_free(m);
}

static void mix_collect(struct mix_out *mo)
{
	for (uint16_t p = 0; p < 2; p++) {
		struct rte_mbuf *got[32];
		uint16_t n;
		while ((n = rte_eth_rx_burst(dp.ports[p]->port_id, 0, got, 32)) > 0)
			for (uint16_t i = 0; i < n; i++)
				mix_keep(mo, p, got[i]);
	}
	struct rte_mbuf *pm;
	for (unsigned c = 0; c < PUNT_CLASS_MAX; c++)
		while (rte_ring_dequeue(dp.punt[c], (void **)&pm) == 0)
			rte_pktmbuf_free(pm);
}

/* Equal as multisets (n^2, n <= 64). */
static bool mix_same(const struct mix_out *x, const struct mix_out *y, uint16_t p)
{
	bool used[2 * MIX_MAX] = {false};

	if (x->n[p] != y->n[p])
		return false;
	for (unsigned a = 0; a < x->n[p] && a < 2 * MIX_MAX; a++) {
		unsigned b;
		for (b = 0; b < y->n[p]; b++)
			if (!used[b] && x->len[p][a] == y->len[p][b] &&
			    memcmp(x->data[p][a], y->data[p][b], x->len[p][a]) == 0)
				break;
		if (b == y->n[p])
			return false;
		used[b] = true;
	}
	return true;
}

static struct dp_stats mix_s0, mix_s1, mix_s2;

/* Counter differences between (b - a) and (d - c), punts aside; prints the first few. */
static unsigned mix_stats_diff(const struct dp_stats *a, const struct dp_stats *b,
			       const struct dp_stats *c, const struct dp_stats *d)
{
	unsigned bad = 0;
#define MIX_FIELD(name, expr)                                                                     \
	do {                                                                                      \
		uint64_t x_ = (b->expr) - (a->expr), y_ = (d->expr) - (c->expr);                  \
		if (x_ != y_ && bad++ < 8)                                                        \
			fprintf(stderr, "  %s: one by one %" PRIu64 ", as a burst %" PRIu64 "\n", \
				name, x_, y_);                                                    \
	} while (0)
	for (unsigned r = 0; r < DROP_MAX; r++)
		if (r != DROP_PUNT_POLICED && r != DROP_PUNT_RING_FULL)
			MIX_FIELD(drop_reason_name((enum drop_reason)r), drop[r]);
	MIX_FIELD("ipip_decap", ipip_decap);
	MIX_FIELD("ipip_encap", ipip_encap);
	for (unsigned p = 0; p < PG_MAX_PORTS; p++) {
		MIX_FIELD("port rx_pkts", port[p].rx_pkts);
		MIX_FIELD("port rx_bytes", port[p].rx_bytes);
		MIX_FIELD("port tx_pkts", port[p].tx_pkts);
		MIX_FIELD("port tx_bytes", port[p].tx_bytes);
	}
	for (unsigned v = 0; v < PG_MAX_VRFS; v++) {
		MIX_FIELD("vrf fwd_pkts", vrf[v].fwd_pkts);
		MIX_FIELD("vrf fwd_bytes", vrf[v].fwd_bytes);
	}
	for (unsigned v = 0; v < PG_MAX_VNIS; v++) {
		MIX_FIELD("vni decap_pkts", vni[v].decap_pkts);
		MIX_FIELD("vni decap_bytes", vni[v].decap_bytes);
		MIX_FIELD("vni encap_pkts", vni[v].encap_pkts);
		MIX_FIELD("vni encap_bytes", vni[v].encap_bytes);
	}
#undef MIX_FIELD
	return bad;
}

static void test_burst_mix(void)
{
	enum { N_BASE = 14 };
	uint8_t base[N_BASE][256], frames[MIX_MAX][320];
	unsigned blen[N_BASE], flen[MIX_MAX], io;
	uint16_t bport[N_BASE];
	static struct mix_out one, all;

	printf("bursts of mixed frames against the same frames one by one\n");
	/* a VRF 0 route for plain underlay forwarding (back out of port B) */
	uint32_t under;
	struct pg_ip g = unit_ip("192.168.0.2");
	CHECK_EQ(nh_direct_get(0, pB, &g, &under), 0);
	CHECK_EQ(route(0, "10.20.0.0/16", under), 0);
	nh_put(under);
	CHECK_EQ(fib_commit(), 0);

	unsigned nb = 0;
	struct pkt_spec in4 = {OUR_RMAC, PEER_RMAC, AF_INET, "10.2.0.5", "10.4.1.1", 63, 7, 8, 40};
	struct vx_spec v = {"192.168.0.2", 5000, 0x08, OUR_RMAC, in4};
	static const char *const vx_dst[] = {"10.4.1.1", "10.2.7.7", "10.3.1.1", "10.9.9.9"};
	for (unsigned i = 0; i < 4; i++) {
		v.inner.dst = vx_dst[i];
		blen[nb] = build_vxlan(base[nb], &v, &io);
		bport[nb++] = pB;
	}
	v.inner = (struct pkt_spec){
	    OUR_RMAC, PEER_RMAC, AF_INET6, "2001:db8:2::5", "2001:db8:4::1", 50, 7, 8, 40};
	blen[nb] = build_vxlan(base[nb], &v, &io);
	bport[nb++] = pB;
	/* IPIP from 192.168.0.3 (routed in VRF 1) */
	struct pkt_spec ii = {B_MAC, VTEP3_MAC, AF_INET, "10.3.0.5", "10.4.2.2", 30, 1, 2, 12};
	uint8_t inner[256];
	unsigned ilen = build(inner, &ii) - 14;
	memcpy(base[nb], inner, 14);
	struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)(base[nb] + 14);
	memset(oip, 0, 20);
	oip->version_ihl = 0x45;
	oip->total_length = htons((uint16_t)(20 + ilen));
	oip->time_to_live = 64;
	oip->next_proto_id = IPPROTO_IPIP;
	oip->src_addr = unit_ip4("192.168.0.3");
	oip->dst_addr = unit_ip4(VTEP);
	oip->hdr_checksum = rte_ipv4_cksum(oip);
	memcpy(base[nb] + 34, inner + 14, ilen);
	blen[nb] = 34 + ilen;
	bport[nb++] = pB;
	/* VXLAN and IPIP whose inner packet is shorter than the frame says (padding after it): the
	 * full path trims it, in the middle of fast-path frames */
	for (unsigned t = 0; t < 2; t++) {
		unsigned b = t ? nb - 1 : 0;
		memcpy(base[nb], base[b], blen[b]);
		memset(base[nb] + blen[b], 0, 6);
		blen[nb] = blen[b] + 6;
		oip = (struct rte_ipv4_hdr *)(base[nb] + 14);
		oip->total_length = htons((uint16_t)(blen[nb] - 14));
		oip->hdr_checksum = 0;
		oip->hdr_checksum = rte_ipv4_cksum(oip);
		if (!t)
			((struct rte_udp_hdr *)(base[nb] + 34))->dgram_len =
			    htons((uint16_t)(blen[nb] - 34));
		bport[nb++] = pB;
	}
	struct pkt_spec u = {B_MAC, VTEP2_MAC, AF_INET, "192.168.0.2", "10.20.1.1", 9, 3, 4, 20};
	blen[nb] = build(base[nb], &u);
	bport[nb++] = pB;
	static const char *const a_dst[] = {"10.2.3.4", "10.3.3.3", "10.4.4.4", "10.9.9.9"};
	struct pkt_spec a = {A_MAC, HOST_MAC, AF_INET, "10.1.0.5", NULL, 64, 1234, 5678, 30};
	for (unsigned i = 0; i < 4; i++) {
		a.dst = a_dst[i];
		blen[nb] = build(base[nb], &a);
		bport[nb++] = pA;
	}
	a = (struct pkt_spec){A_MAC, HOST_MAC, AF_INET6, "fd00:1::5", "2001:db8:2::9",
			      64,    1,	       2,	 30};
	blen[nb] = build(base[nb], &a);
	bport[nb++] = pA;
	CHECK_EQ(nb, N_BASE);
	/* each base frame alone: where it goes (-1: dropped) */
	static const int to_a = 0, to_b = 1;
	const int want_port[N_BASE] = {to_a, to_b, to_b, -1,   to_a, to_a, to_a,
				       to_a, to_b, to_b, to_b, to_a, -1,   to_b};
	for (unsigned b = 0; b < nb; b++) {
		struct out o;
		run(bport[b], base[b], blen[b], &o);
		int want = want_port[b] < 0 ? -1 : (want_port[b] == to_a ? pA : pB);
		CHECK((want < 0 && o.n == 0) || (want >= 0 && o.n == 1 && o.port[0] == want),
		      "base frame %u: %u frames sent (first on port %u), want port %d", b, o.n,
		      o.n ? o.port[0] : 0, want);
		out_free(&o);
	}

	unsigned bad_rounds = 0, frames_total = 0, sent_total = 0;
	for (unsigned round = 0; round < 400; round++) {
		uint16_t in = unit_rand_below(2) ? pA : pB;
		unsigned n = 1 + unit_rand_below(MIX_MAX);
		for (unsigned k = 0; k < n; k++) {
			unsigned b;
			do
				b = unit_rand_below(N_BASE);
			while (bport[b] != in);
			unsigned len = blen[b];
			uint8_t *f = frames[k];
			memcpy(f, base[b], len);
			/* vary the flow (inner or only UDP source port, checksums left alone) */
			switch (unit_rand_below(8)) {
			case 0: /* a byte flipped in the headers */
				f[unit_rand_below(RTE_MIN(len, 100u))] ^=
				    (uint8_t)(1 + unit_rand_below(255));
				break;
			case 1: /* low TTL on the outer or inner IPv4 header */
				f[(len > 84 && unit_rand_below(2) ? 50 : 0) + 22] =
				    (uint8_t)unit_rand_below(3);
				break;
			case 2: /* truncated */
				len = 1 + unit_rand_below(len);
				break;
			case 3: /* longer than its headers say */
				len += unit_rand_below(40);
				memset(f + blen[b], 0xa5, len - blen[b]);
				break;
			default:
				break;
			}
			flen[k] = len;
		}
		frames_total += n;

		memset(&one, 0, sizeof(one));
		memset(&all, 0, sizeof(all));
		mix_collect(&one); /* nothing pending */
		one.n[0] = one.n[1] = 0;
		mix_s0 = *dp.stats[0];
		for (unsigned k = 0; k < n; k++) {
			struct rte_mbuf *m = mbuf_from(frames[k], flen[k]);
			dp_process_burst(w, in, &m, 1);
			dp_tx_flush(w);
			mix_collect(&one);
		}
		mix_s1 = *dp.stats[0];
		struct rte_mbuf *burst[MIX_MAX];
		for (unsigned k = 0; k < n; k++)
			burst[k] = mbuf_from(frames[k], flen[k]);
		dp_process_burst(w, in, burst, (uint16_t)n);
		dp_tx_flush(w);
		mix_collect(&all);
		mix_s2 = *dp.stats[0];

		sent_total += all.n[0] + all.n[1];
		unsigned bad = mix_stats_diff(&mix_s0, &mix_s1, &mix_s1, &mix_s2);
		for (uint16_t p = 0; p < 2; p++)
			if (!mix_same(&one, &all, p)) {
				bad++;
				fprintf(stderr, "  port %u: %u frames one by one, %u as a burst\n",
					p, one.n[p], all.n[p]);
			}
		if (bad && bad_rounds++ < 3)
			fprintf(stderr, "round %u: burst of %u frames on port %u differs\n", round,
				n, in);
	}
	CHECK(bad_rounds == 0, "%u of 400 bursts (%u frames) differ from their frames one by one",
	      bad_rounds, frames_total);
	CHECK(sent_total > frames_total / 3, "only %u of %u frames sent", sent_total, frames_total);

	uint32_t old;
	struct pg_prefix up = unit_prefix("10.20.0.0/16");
	CHECK_EQ(fib_route_del(0, &up, &old), 0);
	fib_release_after_commit(old);
	CHECK_EQ(fib_commit(), 0);
}

/*
 * Malformed input never crashes the worker or leaks an mbuf: valid frames of every path, then
 * truncated at every length, with random bytes flipped, and pure noise, through both ports
 * (run it under ASan: `meson test -C build-asan encap`).
 */
static void test_fuzz(void)
{
	uint8_t base[6][256], f[300];
	unsigned blen[6], n = 0, io;
	struct out o;

	printf("malformed packets (truncation, bit flips, noise)\n");
	struct pkt_spec s4 = {A_MAC, HOST_MAC, AF_INET, "10.1.0.5", "10.5.0.1", 64, 1, 2, 30};
	struct pkt_spec s6 = {A_MAC, HOST_MAC, AF_INET6, "fd00:1::5", "fd00:2::1", 64, 1, 2, 30};
	blen[n++] = build(base[0], &s4);
	blen[n++] = build(base[1], &s6);
	struct vx_spec v = {"192.168.0.2", 5000, 0x08, OUR_RMAC, s4};
	v.inner.dmac = OUR_RMAC;
	blen[n] = build_vxlan(base[n], &v, &io);
	n++;
	v.inner = s6;
	v.inner.dmac = OUR_RMAC;
	blen[n] = build_vxlan(base[n], &v, &io);
	n++;
	/* IPIP: the IPv4 frame with an outer header to our VTEP from 192.168.0.3 */
	memcpy(base[n], base[2], 14); /* the underlay Ethernet header of the VXLAN frame */
	memcpy(base[n] + 34, base[0] + 14, blen[0] - 14);
	memcpy(base[n] + 14, base[2] + 14, 20);
	struct rte_ipv4_hdr *oip = (struct rte_ipv4_hdr *)(base[n] + 14);
	oip->next_proto_id = IPPROTO_IPIP;
	oip->src_addr = unit_ip4("192.168.0.3");
	oip->total_length = rte_cpu_to_be_16((uint16_t)(20 + blen[0] - 14));
	oip->hdr_checksum = 0;
	oip->hdr_checksum = rte_ipv4_cksum(oip);
	blen[n] = 20 + blen[0];
	n++;
	/* ARP request for our VTEP */
	static const uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2,	 0,   0, 0, 0x99,
					0x99, 0x08, 0x06, 0,	1,    8,    0,	 6,   4, 0, 1,
					2,    0,    0,	  0,	0x99, 0x99, 192, 168, 0, 2, 0,
					0,    0,    0,	  0,	0,    192,  168, 0,   1};
	memcpy(base[n], arp, sizeof(arp));
	blen[n++] = sizeof(arp);

	unsigned sent = 0;
	for (unsigned round = 0; round < 20000; round++) {
		unsigned b = unit_rand_below(n), len = blen[b];
		memcpy(f, base[b], len);
		switch (unit_rand_below(4)) {
		case 0: /* truncate */
			len = 1 + unit_rand_below(len);
			break;
		case 1: /* flip 1..4 bytes */
			for (unsigned k = 1 + unit_rand_below(4); k > 0; k--)
				f[unit_rand_below(len)] ^= (uint8_t)(1 + unit_rand_below(255));
			break;
		case 2: /* noise after the Ethernet header, or all of it */
			for (unsigned k = unit_rand_below(2) ? 14 : 0; k < len; k++)
				f[k] = (uint8_t)unit_rand32();
			break;
		default: /* longer than its headers say */
			len = RTE_MIN(len + unit_rand_below(40), (unsigned)sizeof(f));
		}
		uint16_t in = unit_rand_below(2) ? pA : pB;
		/* our MAC on the receiving port, so most frames get past the Ethernet check */
		if (unit_rand_below(4))
			put_mac(f, in == pA ? A_MAC : B_MAC);
		struct rte_mbuf *m = mbuf_from(f, len);
		dp_process_burst(w, in, &m, 1);
		dp_tx_flush(w);
		collect(&o);
		out_free(&o);
		struct rte_mbuf *pm;
		for (unsigned c = 0; c < PUNT_CLASS_MAX; c++)
			while (rte_ring_dequeue(dp.punt[c], (void **)&pm) == 0)
				rte_pktmbuf_free(pm);
		sent++;
	}
	CHECK(sent == 20000, "sent %u", sent);
}

/* Every mbuf is back in the pool once the test is done with them. */
static void check_no_leak(void)
{
	struct out o;
	collect(&o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	struct rte_mbuf *m = NULL;
	for (unsigned c = 0; c < PUNT_CLASS_MAX; c++)
		while (rte_ring_dequeue(dp.punt[c], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	/* net_ring keeps no mbufs; the mempool cache of this lcore may hold some */
	unsigned avail = rte_mempool_avail_count(dp.pool);
	CHECK(avail == dp.pool->size, "%u of %u mbufs back in the pool", avail, dp.pool->size);
}

/*
 * VRF red (not the default VRF) has a compact IPv4 table (dataplane/fib4_dxr.h). Routes nested
 * inside one /16 give that /16 a chunk of ranges; packets from the host port are routed through
 * it, in one burst (the bulk lookup) and one by one: VXLAN (+50 bytes) or IPIP (+20) towards
 * port B, or dropped without a route. A delete is seen by the workers at the commit.
 */
static void test_compact_vrf(void)
{
	uint8_t frames[8][256];
	struct rte_mbuf *ms[8];
	unsigned len[8];
	struct out o;

	printf("forwarding through a compact VRF table\n");
	const struct fib_lr *lr = dp.vrfs[1]->fib4;
	CHECK(lr->compact != NULL && lr->active == NULL, "VRF red: IPv4 table not compact");
	if (lr->compact == NULL)
		return;
	CHECK_EQ(route(1, "10.5.0.0/16", nh_vx), 0);
	CHECK_EQ(route(1, "10.5.7.0/24", nh_ipip), 0);
	CHECK_EQ(route(1, "10.5.7.64/26", nh_vx), 0);
	CHECK_EQ(route(1, "10.5.7.16/32", nh_vx), 0);
	CHECK_EQ(fib_commit(), 0);
	CHECK(lr->compact->l1[0x0a05] & FIB4_DXR_EXT, "10.5.0.0/16 has no chunk: l1 %#x",
	      lr->compact->l1[0x0a05]);
	const struct {
		const char *dst;
		unsigned grow; /* 50 VXLAN, 20 IPIP, 0 dropped */
	} c[8] = {{"10.5.7.70", 50}, {"10.5.7.10", 20},	 {"10.5.7.16", 50},  {"10.5.7.17", 20},
		  {"10.5.9.1", 50},  {"10.5.7.127", 50}, {"10.5.7.128", 20}, {"10.6.0.1", 0}};
	unsigned want_vx = 0, want_ipip = 0, want_drop = 0;
	for (unsigned i = 0; i < 8; i++) {
		struct pkt_spec sp = {A_MAC, HOST_MAC, AF_INET, "10.1.0.5", c[i].dst,
				      64,    1000,     2000,	60};
		len[i] = build(frames[i], &sp);
		ms[i] = mbuf_from(frames[i], len[i]);
		want_vx += c[i].grow == 50;
		want_ipip += c[i].grow == 20;
		want_drop += c[i].grow == 0;
	}
	uint64_t nr0 = drops(DROP_IP4_NO_ROUTE);
	dp_process_burst(w, pA, ms, 8);
	dp_tx_flush(w);
	collect(&o);
	unsigned vx = 0, ipip = 0, other = 0;
	for (unsigned i = 0; i < o.n; i++) {
		unsigned l = rte_pktmbuf_pkt_len(o.m[i]);
		bool on_b = o.port[i] == pB;
		vx += on_b && l == len[0] + 50;
		ipip += on_b && l == len[0] + 20;
		other += !on_b || (l != len[0] + 50 && l != len[0] + 20);
	}
	CHECK(vx == want_vx && ipip == want_ipip && other == 0,
	      "burst: %u VXLAN, %u IPIP, %u other frames; expected %u, %u, 0", vx, ipip, other,
	      want_vx, want_ipip);
	CHECK_EQ(drops(DROP_IP4_NO_ROUTE), nr0 + want_drop);
	out_free(&o);
	for (unsigned i = 0; i < 8; i++) {
		run(pA, frames[i], len[i], &o);
		if (c[i].grow == 0) {
			CHECK(o.n == 0, "%s: %u frames sent, expected a drop", c[i].dst, o.n);
		} else {
			unsigned olen;
			if (one_out(&o, pB, &olen))
				CHECK(olen == len[i] + c[i].grow, "%s: %u bytes sent, expected %u",
				      c[i].dst, olen, len[i] + c[i].grow);
		}
		out_free(&o);
	}
	/* delete the /26: the workers keep the old route until the commit */
	struct pg_prefix p26 = unit_prefix("10.5.7.64/26");
	uint32_t old, olen;
	CHECK_EQ(fib_route_del(1, &p26, &old), 0);
	fib_release_after_commit(old);
	run(pA, frames[0], len[0], &o);
	if (one_out(&o, pB, &olen))
		CHECK(olen == len[0] + 50, "10.5.7.70 before the commit: %u bytes, expected VXLAN",
		      olen);
	out_free(&o);
	CHECK_EQ(fib_commit(), 0);
	run(pA, frames[0], len[0], &o);
	if (one_out(&o, pB, &olen))
		CHECK(olen == len[0] + 20, "10.5.7.70 after the commit: %u bytes, expected IPIP",
		      olen);
	out_free(&o);
	const char *gone[] = {"10.5.7.0/24", "10.5.7.16/32", "10.5.0.0/16"};
	for (unsigned i = 0; i < 3; i++) {
		struct pg_prefix p = unit_prefix(gone[i]);
		CHECK_EQ(fib_route_del(1, &p, &old), 0);
		fib_release_after_commit(old);
	}
	CHECK_EQ(fib_commit(), 0);
	CHECK_EQ(lr->compact->l1[0x0a05], 0);
}

int main(void)
{
	if (unit_eal_init() < 0)
		return 1;
	unit_seed("test_encap");
	setup();
	if (unit_failures)
		return unit_done("test_encap");
	if (unit_selected("punt"))
		test_punt_without_worker_main();
	if (w->tsc_hz == 0)
		w->tsc_hz = rte_get_tsc_hz(); /* see test_punt_without_worker_main() */
	if (unit_selected("vxlan"))
		test_vxlan_encap();
	if (unit_selected("ipip"))
		test_ipip_and_direct();
	if (unit_selected("drops"))
		test_drops();
	if (unit_selected("decap"))
		test_decap();
	if (unit_selected("hitless"))
		test_hitless();
	if (unit_selected("mix"))
		test_burst_mix();
	if (unit_selected("compact"))
		test_compact_vrf();
	if (unit_selected("fuzz"))
		test_fuzz();
	check_no_leak();

	dp_workers_free();
	dp_ports_stop();
	fib_fini();
	nh_fini();
	vni_fini();
	rcu_reclaim();
	dp_fini();
	return unit_done("test_encap");
}
