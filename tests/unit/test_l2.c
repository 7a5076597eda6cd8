/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2VNI bridging through the real pipeline, byte for byte. Three net_ring ports:
 *   p1 "net_ring2"  bridged into BD 0 (VNI 100), host H1 behind it
 *   p2 "net_ring3"  bridged into BD 0, host H2 behind it
 *   pU "net_ring4"  underlay, VTEP 192.168.0.1 on 192.168.0.0/24; remote VTEP 192.168.0.2
 * Checked: flooding of broadcast and unknown unicast to the other local ports and by ingress
 * replication to the flood list (VXLAN with VNI 100 and the frame as it was inside), learn events
 * and the "last seen" stamp, unicast to a local port and to a remote VTEP, same-port filtering,
 * decapsulation to a local port and flooding of decapsulated frames to local ports only (split
 * horizon), and the drops (bad source MAC, remote to remote, no bridge domain, learn ring full).
 * IRB: the gateway port "irb" (virtual, VRF red, 10.100.0.1/24, gateway MAC): frames to the
 * gateway MAC are routed (from a port and from a VTEP), broadcasts reach it as punted ARP,
 * packets routed to a host of the subnet are rewritten and switched, what the kernel sends
 * from its TAP is switched, an unresolved host is punted for resolution.
 */
#include <inttypes.h>
#include <stdatomic.h>

#include <rte_launch.h>
#include <rte_lcore.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "dp_setup.h"
#include "fib.h"
#include "l2.h"
#include "nexthop.h"
#include "unit.h"
#include "unit_pkt.h"
#include "vni.h"
#include "worker.h"

#define P1_MAC	  "02:00:00:00:01:01"
#define P2_MAC	  "02:00:00:00:01:02"
#define U_MAC	  "02:00:00:00:02:02"
#define H1	  "02:11:00:00:00:01"
#define H2	  "02:22:00:00:00:02"
#define R1	  "02:33:00:00:00:03" /* behind the remote VTEP */
#define VTEP2_MAC "02:bb:00:00:00:02"
#define VTEP	  "192.168.0.1"
#define VTEP2	  "192.168.0.2"
#define VNI	  100
#define GW_MAC	  "00:f3:00:00:00:65"

static uint16_t p1, p2, pU, pG;
static struct dp_worker *w;
static int slot;
static uint32_t nh_r;  /* L2 VXLAN next hop to VTEP2 in VNI 100 */
static uint32_t nh_h3; /* 10.100.0.3 on the gateway port, never resolved */

static void put_mac(uint8_t *p, const char *text)
{
	struct pg_mac m = unit_mac(text);
	memcpy(p, m.b, 6);
}

static bool mac_eq_text(const uint8_t *p, const char *text)
{
	struct pg_mac m = unit_mac(text);
	return memcmp(p, m.b, 6) == 0;
}

static unsigned frame_to(uint8_t *b, const char *dst, const char *src, bool arp, const char *ipdst);

/* An Ethernet frame dst <- src carrying an IPv4/UDP packet (or ARP when arp), len bytes. */
static unsigned frame(uint8_t *b, const char *dst, const char *src, bool arp)
{
	return frame_to(b, dst, src, arp, "10.100.0.2");
}

static unsigned frame_to(uint8_t *b, const char *dst, const char *src, bool arp, const char *ipdst)
{
	memset(b, 0, 80);
	put_mac(b, dst);
	put_mac(b + 6, src);
	if (arp) {
		b[12] = 0x08;
		b[13] = 0x06;
		for (unsigned i = 14; i < 42; i++)
			b[i] = (uint8_t)i;
		return 60;
	}
	b[12] = 0x08;
	b[13] = 0x00;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + 14);
	ip->version_ihl = 0x45;
	ip->total_length = htons(20 + 8 + 18);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = unit_ip4("10.100.0.1");
	ip->dst_addr = unit_ip4(ipdst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	b[34] = 0x30;
	b[35] = 0x39;
	b[36] = 0x00;
	b[37] = 0x35;
	b[39] = 26;
	return 14 + 20 + 8 + 18;
}

/* The frame inside VXLAN from VTEP2 to us, VNI vni; returns the outer length. */
static unsigned vxlan_from(uint8_t *b, const uint8_t *inner, unsigned ilen, uint32_t vni)
{
	memset(b, 0, 50);
	put_mac(b, U_MAC);
	put_mac(b + 6, VTEP2_MAC);
	b[12] = 0x08;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + 14);
	ip->version_ihl = 0x45;
	ip->total_length = htons((uint16_t)(36 + ilen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = unit_ip4(VTEP2);
	ip->dst_addr = unit_ip4(VTEP);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)(b + 34);
	u->src_port = htons(50000);
	u->dst_port = htons(4789);
	u->dgram_len = htons((uint16_t)(16 + ilen));
	b[42] = 0x08;
	b[46] = (uint8_t)(vni >> 16);
	b[47] = (uint8_t)(vni >> 8);
	b[48] = (uint8_t)vni;
	memcpy(b + 50, inner, ilen);
	return 50 + ilen;
}

static void run(uint16_t in, const uint8_t *f, unsigned len, struct out *o)
{
	struct rte_mbuf *m = mbuf_from(f, len);

	dp_process_burst(w, in, &m, 1);
	dp_tx_flush(w);
	collect(o);
}

static uint64_t drops(enum drop_reason r)
{
	return dp.stats[0]->drop[r];
}

/* The frame sent on port, if exactly one was. */
static const uint8_t *sent_on(const struct out *o, uint16_t port, unsigned *len)
{
	const uint8_t *got = NULL;
	unsigned n = 0;

	for (unsigned i = 0; i < o->n; i++)
		if (o->port[i] == port) {
			n++;
			got = rte_pktmbuf_mtod(o->m[i], const uint8_t *);
			*len = rte_pktmbuf_pkt_len(o->m[i]);
		}
	CHECK(n == 1, "%u frames on port %u, expected 1", n, port);
	return n == 1 ? got : NULL;
}

/* A VXLAN frame from us to VTEP2 carrying inner (ilen bytes) in VNI 100, field by field. */
static void check_vxlan_to_vtep2(const uint8_t *f, unsigned len, const uint8_t *inner,
				 unsigned ilen)
{
	if (!f)
		return;
	CHECK_EQ(len, ilen + 50);
	uint8_t want_eth[14];
	put_mac(want_eth, VTEP2_MAC);
	put_mac(want_eth + 6, U_MAC);
	want_eth[12] = 0x08;
	want_eth[13] = 0x00;
	CHECK_MEM(f, want_eth, 14, "outer Ethernet");
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
	CHECK_EQ(ip->version_ihl, 0x45);
	CHECK_EQ(ntohs(ip->total_length), ilen + 36);
	CHECK_EQ(ip->next_proto_id, IPPROTO_UDP);
	CHECK_EQ(ip->src_addr, unit_ip4(VTEP));
	CHECK_EQ(ip->dst_addr, unit_ip4(VTEP2));
	CHECK(rte_raw_cksum(ip, 20) == 0xffff, "outer IPv4 checksum invalid");
	const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)(f + 34);
	CHECK_EQ(ntohs(u->dst_port), 4789);
	CHECK_EQ(ntohs(u->dgram_len), ilen + 16);
	CHECK(ntohs(u->src_port) >= 0xc000, "UDP source port %u outside 49152-65535",
	      ntohs(u->src_port));
	static const uint8_t vx[8] = {0x08, 0, 0, 0, 0, 0, VNI, 0};
	CHECK_MEM(f + 42, vx, 8, "VXLAN header (I flag, VNI 100)");
	CHECK_MEM(f + 50, inner, ilen, "inner frame unchanged");
}

static unsigned learn_drain(struct l2_learn *ev, unsigned max)
{
	unsigned n = 0;
	struct l2_learn e;

	while (rte_ring_sc_dequeue_elem(l2_learn_ring(0), &e, sizeof(e)) == 0)
		if (n < max)
			ev[n++] = e;
	return n;
}

static unsigned punted(uint16_t *port, uint16_t *reason)
{
	struct rte_mbuf *m = NULL;
	unsigned n = 0;

	for (unsigned c = 0; c < PUNT_CLASS_MAX; c++)
		while (rte_ring_dequeue(dp.punt[c], (void **)&m) == 0) {
			*port = pkt_meta(m)->port;
			*reason = pkt_meta(m)->reason;
			rte_pktmbuf_free(m);
			n++;
		}
	return n;
}

static void setup(void)
{
	struct dp_init_conf dc = {.mbufs = 4095,
				  .max_routes4 = 1024,
				  .tbl8_groups = 256,
				  .max_routes6 = 1024,
				  .punt_rate_pps = 100000,
				  .punt_burst = 1000};
	CHECK_EQ(dp_init(&dc), 0);
	CHECK_EQ(fib_init(4096), 0);
	fib_set_nh_release(nh_put);
	CHECK_EQ(nh_init(256), 0);
	CHECK_EQ(vni_init(), 0);
	CHECK_EQ(l2_init(1024), 0);
	struct dp_port_conf pc = {.device = "net_ring2",
				  .has_mac = true,
				  .mtu = 1500,
				  .bridged = true,
				  .bd = 0,
				  .n_queues = 1};
	pc.name = "p1";
	pc.mac = unit_mac(P1_MAC);
	CHECK_EQ(dp_port_add(&pc, &p1), 0);
	pc.name = "p2";
	pc.device = "net_ring3";
	pc.mac = unit_mac(P2_MAC);
	CHECK_EQ(dp_port_add(&pc, &p2), 0);
	int iu = unit_port_add("u", "net_ring4", U_MAC, 1500, 0);
	CHECK(iu >= 0, "underlay port: %d", iu);
	pU = (uint16_t)iu;
	struct dp_port_conf gc = {.name = "irb", .mtu = 1500, .vrf = 1, .mac = unit_mac(GW_MAC)};
	CHECK_EQ(dp_port_add_virtual(&gc, 0, &pG), 0);
	CHECK_EQ(fib_vrf_create(0, "default", 1024, 256, 1024), 0);
	CHECK_EQ(fib_vrf_create(1, "red", 1024, 256, 1024), 0);
	CHECK_EQ(dp_ports_start(), 0);
	CHECK_EQ(dp_workers_setup(1), 0);
	w = dp.workers[0];
	w->tsc_hz = rte_get_tsc_hz();

	atomic_store(&dp.vtep4, unit_ip4(VTEP));
	atomic_store(&dp.vxlan_port, htons(4789));
	uint32_t local, conn;
	struct pg_prefix a = unit_prefix(VTEP "/32"), s = unit_prefix("192.168.0.0/24");
	CHECK_EQ(nh_local_get(0, pU, &local), 0);
	CHECK_EQ(nh_connected_get(0, pU, &conn), 0);
	uint32_t old;
	CHECK_EQ(fib_route_add(0, &a, local, ROUTE_STATIC, &old), 0);
	CHECK_EQ(fib_route_add(0, &s, conn, ROUTE_STATIC, &old), 0);

	struct pg_mac zero = {0};
	slot = vni_add(VNI, VNI_L2 | 0, &zero);
	CHECK(slot > 0, "vni_add: %d", slot);
	struct pg_ip r2 = unit_ip(VTEP2);
	CHECK_EQ(nh_vxlan_get(0, &r2, VNI, &zero, &nh_r), 0);
	struct pg_mac m2 = unit_mac(VTEP2_MAC);
	nh_neigh_update(pU, &r2, &m2);
	CHECK(nh_get(nh_r) && (nh_get(nh_r)->flags & NH_F_RESOLVED), "L2 VXLAN nh unresolved");

	struct dp_bd bd = {.vni = VNI, .id = 0, .irb_port = pG, .n_ports = 2, .n_flood = 1};
	memcpy(&bd.gw_mac, unit_mac(GW_MAC).b, 6);
	bd.ports[0] = p1;
	bd.ports[1] = p2;
	bd.flood_nh[0] = nh_r;
	CHECK_EQ(l2_bd_set(&bd), 0);

	/* the gateway in VRF red: 10.100.0.1 local, 10.100.0.0/24 connected, H2 = 10.100.0.2 */
	uint32_t glocal, gconn, h2;
	struct pg_prefix ga = unit_prefix("10.100.0.1/32"), gs = unit_prefix("10.100.0.0/24"),
			 h2p = unit_prefix("10.100.0.2/32"), h3p = unit_prefix("10.100.0.3/32");
	struct pg_ip h2ip = unit_ip("10.100.0.2"), h3ip = unit_ip("10.100.0.3");
	CHECK_EQ(nh_local_get(1, pG, &glocal), 0);
	CHECK_EQ(nh_connected_get(1, pG, &gconn), 0);
	CHECK_EQ(nh_direct_get(1, pG, &h2ip, &h2), 0);
	struct pg_mac h2m = unit_mac(H2);
	nh_neigh_update(pG, &h2ip, &h2m);
	CHECK(nh_get(h2) && nh_get(h2)->type == NH_BD && (nh_get(h2)->flags & NH_F_RESOLVED),
	      "host next hop on the gateway port is not a resolved NH_BD");
	CHECK_EQ(nh_direct_get(1, pG, &h3ip, &nh_h3), 0);
	CHECK_EQ(fib_route_add(1, &ga, glocal, ROUTE_STATIC, &old), 0);
	CHECK_EQ(fib_route_add(1, &gs, gconn, ROUTE_STATIC, &old), 0);
	CHECK_EQ(fib_route_add(1, &h2p, h2, ROUTE_STATIC, &old), 0);
	CHECK_EQ(fib_route_add(1, &h3p, nh_h3, ROUTE_STATIC, &old), 0);
	CHECK_EQ(fib_commit(), 0);
}

static void test_flood_and_learn(void)
{
	uint8_t f[128];
	struct out o;
	struct l2_learn ev[8];
	unsigned len, olen;

	printf(
	    "broadcast from a local port: other local port + ingress replication, learn event\n");
	len = frame(f, "ff:ff:ff:ff:ff:ff", H1, true);
	uint64_t enc0 = dp.stats[0]->vni[slot].encap_pkts;
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 2);
	const uint8_t *g = sent_on(&o, p2, &olen);
	if (g) {
		CHECK_EQ(olen, len);
		CHECK_MEM(g, f, len, "flooded copy unchanged");
	}
	g = sent_on(&o, pU, &olen);
	check_vxlan_to_vtep2(g, olen, f, len);
	out_free(&o);
	CHECK_EQ(dp.stats[0]->vni[slot].encap_pkts, enc0 + 1);
	CHECK_EQ(learn_drain(ev, 8), 1);
	struct rte_ether_addr h1;
	memcpy(&h1, unit_mac(H1).b, 6);
	CHECK_EQ(ev[0].key, fdb_key(0, &h1));
	CHECK_EQ(ev[0].port, p1);

	printf("unknown unicast floods too; a known local MAC gets only its port\n");
	len = frame(f, H1, H2, false);
	run(p2, f, len, &o);
	CHECK_EQ(o.n, 2); /* H1 not in the FDB yet: p1 + VTEP2 */
	out_free(&o);
	learn_drain(ev, 8);
	CHECK_EQ(fdb_set(0, &h1, p1), 0);
	run(p2, f, len, &o);
	g = sent_on(&o, p1, &olen);
	CHECK_EQ(o.n, 1);
	if (g)
		CHECK_MEM(g, f, len, "switched frame unchanged");
	out_free(&o);
	learn_drain(ev, 8); /* H2 again */

	printf("a known MAC refreshes its stamp, no learn event; same port is filtered\n");
	uint64_t v;
	int pos = fdb_lookup(0, &h1, &v);
	CHECK(pos >= 0, "H1 not in the FDB");
	pg_fdb_seen[pos] = 1;
	len = frame(f, H2, H1, false);
	run(p1, f, len, &o);
	out_free(&o);
	CHECK_EQ(learn_drain(ev, 8), 0);
	CHECK(pg_fdb_seen[pos] > 1, "last-seen stamp not refreshed");
	len = frame(f, H1, H2, false);
	struct rte_ether_addr h2;
	memcpy(&h2, unit_mac(H2).b, 6);
	CHECK_EQ(fdb_set(0, &h2, p2), 0);
	uint64_t same0 = drops(DROP_L2_SAME_PORT);
	len = frame(f, H2, "02:44:00:00:00:04", false);
	run(p2, f, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_L2_SAME_PORT), same0 + 1);
	learn_drain(ev, 8);

	printf("a MAC seen on another port reports a move\n");
	len = frame(f, "ff:ff:ff:ff:ff:ff", H1, true);
	run(p2, f, len, &o);
	out_free(&o);
	CHECK_EQ(learn_drain(ev, 8), 1);
	CHECK_EQ(ev[0].port, p2);

	printf("bad source MACs are dropped\n");
	uint64_t bad0 = drops(DROP_L2_BAD_SRC_MAC);
	len = frame(f, H2, "01:00:5e:00:00:01", false);
	run(p1, f, len, &o);
	len = frame(f, H2, "00:00:00:00:00:00", false);
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_L2_BAD_SRC_MAC), bad0 + 2);
}

static void test_remote(void)
{
	uint8_t f[128], vx[256];
	struct out o;
	unsigned len, olen, vlen;
	struct rte_ether_addr r1, h1;

	memcpy(&r1, unit_mac(R1).b, 6);
	memcpy(&h1, unit_mac(H1).b, 6);
	CHECK_EQ(fdb_set(0, &h1, p1), 0);
	printf("unicast to a MAC behind a VTEP: VXLAN to that VTEP only\n");
	CHECK_EQ(fdb_set(0, &r1, FDB_F_REMOTE | nh_r), 0);
	len = frame(f, R1, H1, false);
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 1);
	const uint8_t *e = sent_on(&o, pU, &olen);
	check_vxlan_to_vtep2(e, olen, f, len);
	out_free(&o);

	printf("decapsulation: to the local port of the inner destination\n");
	len = frame(f, H1, R1, false);
	vlen = vxlan_from(vx, f, len, VNI);
	uint64_t dec0 = dp.stats[0]->vni[slot].decap_pkts;
	run(pU, vx, vlen, &o);
	CHECK_EQ(o.n, 1);
	const uint8_t *g = sent_on(&o, p1, &olen);
	if (g) {
		CHECK_EQ(olen, len);
		CHECK_MEM(g, f, len, "decapsulated frame");
	}
	out_free(&o);
	CHECK_EQ(dp.stats[0]->vni[slot].decap_pkts, dec0 + 1);

	printf("decapsulated broadcast and unknown unicast: local ports only (split horizon)\n");
	len = frame(f, "ff:ff:ff:ff:ff:ff", R1, true);
	vlen = vxlan_from(vx, f, len, VNI);
	run(pU, vx, vlen, &o);
	CHECK_EQ(o.n, 2);
	sent_on(&o, p1, &olen);
	sent_on(&o, p2, &olen);
	out_free(&o);
	len = frame(f, "02:55:00:00:00:05", R1, false);
	vlen = vxlan_from(vx, f, len, VNI);
	run(pU, vx, vlen, &o);
	CHECK_EQ(o.n, 2);
	out_free(&o);

	printf("decapsulated frame for another remote MAC is dropped\n");
	uint64_t rr0 = drops(DROP_L2_REMOTE_TO_REMOTE);
	len = frame(f, R1, "02:66:00:00:00:06", false);
	vlen = vxlan_from(vx, f, len, VNI);
	run(pU, vx, vlen, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_L2_REMOTE_TO_REMOTE), rr0 + 1);

	printf("an L2VNI never takes the L3 path; unknown VNIs still drop\n");
	uint64_t uv0 = drops(DROP_VXLAN_UNKNOWN_VNI);
	vlen = vxlan_from(vx, f, len, VNI + 1);
	run(pU, vx, vlen, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_VXLAN_UNKNOWN_VNI), uv0 + 1);
	CHECK_EQ(fdb_del(0, &r1), 0);
	CHECK_EQ(fdb_del(0, &h1), 0);
}

static void test_arp_suppression(void)
{
	uint8_t f[128];
	struct out o;
	unsigned len, olen;
	struct l2_learn ev[8];
	struct rte_ether_addr r1;

	printf("ARP suppression: a request for a host in the ARP cache is answered on its port\n");
	memcpy(&r1, unit_mac(R1).b, 6);
	CHECK_EQ(arp_cache_set(0, unit_ip4("10.100.0.33"), &r1), 0);
	len = frame(f, "ff:ff:ff:ff:ff:ff", H1, true);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + 14);
	a->arp_hardware = htons(RTE_ARP_HRD_ETHER);
	a->arp_protocol = htons(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = htons(RTE_ARP_OP_REQUEST);
	memcpy(&a->arp_data.arp_sha, unit_mac(H1).b, 6);
	uint32_t sip = unit_ip4("10.100.0.10"), tip = unit_ip4("10.100.0.33");
	memcpy(&a->arp_data.arp_sip, &sip, 4);
	memset(&a->arp_data.arp_tha, 0, 6);
	memcpy(&a->arp_data.arp_tip, &tip, 4);
	uint64_t sup0 = dp.stats[0]->l2_arp_suppressed;
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 1);
	const uint8_t *g = sent_on(&o, p1, &olen);
	if (g) {
		uint8_t want[64];
		memcpy(want, f, 42);
		put_mac(want, H1);
		put_mac(want + 6, R1);
		struct rte_arp_hdr *w2 = (struct rte_arp_hdr *)(want + 14);
		w2->arp_opcode = htons(RTE_ARP_OP_REPLY);
		memcpy(&w2->arp_data.arp_sha, unit_mac(R1).b, 6);
		memcpy(&w2->arp_data.arp_sip, &tip, 4);
		memcpy(&w2->arp_data.arp_tha, unit_mac(H1).b, 6);
		memcpy(&w2->arp_data.arp_tip, &sip, 4);
		CHECK_MEM(g, want, 42, "ARP reply from the cache");
	}
	out_free(&o);
	CHECK_EQ(dp.stats[0]->l2_arp_suppressed, sup0 + 1);

	printf("ARP suppression: unknown targets and gratuitous ARP are flooded\n");
	tip = unit_ip4("10.100.0.34");
	memcpy(&a->arp_data.arp_tip, &tip, 4);
	run(p1, f, len, &o);
	CHECK(o.n >= 2, "unknown target: %u frames out, expected a flood", o.n);
	out_free(&o);
	memcpy(&a->arp_data.arp_tip, &sip, 4);
	run(p1, f, len, &o);
	CHECK(o.n >= 2, "gratuitous ARP: %u frames out, expected a flood", o.n);
	out_free(&o);
	CHECK_EQ(dp.stats[0]->l2_arp_suppressed, sup0 + 1);
	CHECK_EQ(arp_cache_del(0, unit_ip4("10.100.0.33")), 0);
	struct rte_ether_addr x;
	CHECK(!arp_cache_lookup(0, unit_ip4("10.100.0.33"), &x), "deleted ARP cache entry found");
	uint16_t pp, reason;
	punted(&pp, &reason);
	learn_drain(ev, 8);
}

/* A neighbour solicitation from H1 (source src) for target, with a source link-layer option. */
static unsigned ns_frame(uint8_t *b, const char *src, const char *target)
{
	struct pg_ip s = unit_ip(src), t = unit_ip(target);
	const uint8_t *tg = t.v6;

	memset(b, 0, 86);
	const uint8_t dmac[6] = {0x33, 0x33, 0xff, tg[13], tg[14], tg[15]};
	memcpy(b, dmac, 6);
	put_mac(b + 6, H1);
	b[12] = 0x86;
	b[13] = 0xdd;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(b + 14);
	ip->vtc_flow = htonl(6u << 28);
	ip->payload_len = htons(32);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, s.v6, 16);
	const uint8_t sn[16] = {
	    0xff, 0x02, [11] = 1, [12] = 0xff, [13] = tg[13], [14] = tg[14], [15] = tg[15]};
	memcpy(ip->dst_addr, sn, 16);
	uint8_t *icmp = b + 54;
	icmp[0] = 135;
	memcpy(icmp + 8, tg, 16);
	icmp[24] = 1;
	icmp[25] = 1;
	put_mac(icmp + 26, H1);
	uint16_t ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	return 86;
}

static void test_nd_suppression(void)
{
	uint8_t f[128];
	struct out o;
	unsigned len, olen;
	struct l2_learn ev[8];
	struct rte_ether_addr r1;
	struct pg_ip t = unit_ip("2001:db8:100::33");

	printf("ND suppression: a solicitation for a host in the ND cache gets an advertisement\n");
	memcpy(&r1, unit_mac(R1).b, 6);
	CHECK_EQ(nd_cache_set(0, t.v6, &r1), 0);
	len = ns_frame(f, "2001:db8:100::10", "2001:db8:100::33");
	uint64_t sup0 = dp.stats[0]->l2_arp_suppressed;
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 1);
	const uint8_t *g = sent_on(&o, p1, &olen);
	if (g) {
		CHECK_EQ(olen, 86);
		CHECK(mac_eq_text(g, H1) && mac_eq_text(g + 6, R1), "NA Ethernet addresses");
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(g + 14);
		struct pg_ip s = unit_ip("2001:db8:100::10");
		CHECK_MEM(ip->src_addr, t.v6, 16, "NA source = the target");
		CHECK_MEM(ip->dst_addr, s.v6, 16, "NA destination = the solicitor");
		CHECK_EQ(ip->hop_limits, 255);
		CHECK_EQ(ntohs(ip->payload_len), 32);
		const uint8_t *icmp = g + 54;
		CHECK_EQ(icmp[0], 136);
		CHECK_EQ(icmp[4], 0x60);
		CHECK_MEM(icmp + 8, t.v6, 16, "NA target");
		CHECK(icmp[24] == 2 && icmp[25] == 1 && mac_eq_text(icmp + 26, R1),
		      "target link-layer address option");
		CHECK(rte_ipv6_udptcp_cksum_verify(ip, icmp) == 0, "ICMPv6 checksum invalid");
	}
	out_free(&o);
	CHECK_EQ(dp.stats[0]->l2_arp_suppressed, sup0 + 1);

	printf("ND suppression: duplicate address detection and unknown targets are flooded\n");
	len = ns_frame(f, "::", "2001:db8:100::33");
	run(p1, f, len, &o);
	CHECK(o.n >= 2, "DAD: %u frames out, expected a flood", o.n);
	out_free(&o);
	len = ns_frame(f, "2001:db8:100::10", "2001:db8:100::34");
	run(p1, f, len, &o);
	CHECK(o.n >= 2, "unknown target: %u frames out, expected a flood", o.n);
	out_free(&o);
	CHECK_EQ(dp.stats[0]->l2_arp_suppressed, sup0 + 1);
	CHECK_EQ(nd_cache_del(0, t.v6), 0);
	uint16_t pp, reason;
	punted(&pp, &reason);
	learn_drain(ev, 8);
}

static void test_edges(void)
{
	uint8_t f[128];
	struct out o;
	unsigned len;

	printf("learn ring full: events counted as lost, frames still switched\n");
	struct l2_learn ev[1];
	uint64_t lost0 = dp.stats[0]->l2_learn_lost;
	char mac[32];
	unsigned sent = 0;
	for (unsigned i = 0; i < L2_LEARN_RING_SIZE + 10; i++) {
		snprintf(mac, sizeof(mac), "02:77:00:00:%02x:%02x", (i >> 8) & 0xff, i & 0xff);
		len = frame(f, "ff:ff:ff:ff:ff:ff", mac, true);
		run(p1, f, len, &o);
		sent += o.n;
		out_free(&o);
	}
	CHECK_EQ(sent, 2 * (L2_LEARN_RING_SIZE + 10));
	CHECK(dp.stats[0]->l2_learn_lost > lost0, "no learn event counted as lost");
	learn_drain(ev, 1);

	printf("flood with no other member; bridge domain removed\n");
	struct dp_bd bd = *l2_bd_ctl(0);
	bd.n_ports = 1;
	bd.n_flood = 0;
	bd.irb_port = PG_PORT_NONE;
	CHECK_EQ(l2_bd_set(&bd), 0);
	uint64_t e0 = drops(DROP_L2_FLOOD_EMPTY);
	len = frame(f, "ff:ff:ff:ff:ff:ff", H1, true);
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_L2_FLOOD_EMPTY), e0 + 1);
	l2_bd_del(0);
	uint64_t nb0 = drops(DROP_L2_NO_BD);
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(drops(DROP_L2_NO_BD), nb0 + 1);
	learn_drain(ev, 1);
}

static void test_irb(void)
{
	uint8_t f[128], vx[256];
	struct out o;
	unsigned len, olen, vlen;
	uint16_t pp = 0, reason = 0;
	struct l2_learn ev[8];
	struct rte_ether_addr h1, h2;

	memcpy(&h1, unit_mac(H1).b, 6);
	memcpy(&h2, unit_mac(H2).b, 6);
	CHECK_EQ(fdb_set(0, &h1, p1), 0);
	CHECK_EQ(fdb_set(0, &h2, p2), 0);
	punted(&pp, &reason); /* the broadcasts of the tests before */

	printf("IRB: a frame to the gateway MAC is routed; the host route rewrites and switches\n");
	len = frame(f, GW_MAC, H1, false); /* 10.100.0.1 -> 10.100.0.2 */
	uint64_t red0 = dp.stats[0]->vrf[1].fwd_pkts;
	run(p1, f, len, &o);
	const uint8_t *g = sent_on(&o, p2, &olen);
	CHECK_EQ(o.n, 1);
	if (g) {
		uint8_t want[128];
		memcpy(want, f, len);
		put_mac(want, H2);
		put_mac(want + 6, GW_MAC);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(want + 14);
		ip->time_to_live--;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		CHECK_EQ(olen, len);
		CHECK_MEM(g, want, len, "routed frame: H2 <- gateway MAC, TTL - 1");
	}
	out_free(&o);
	CHECK_EQ(dp.stats[0]->vrf[1].fwd_pkts, red0 + 1);
	learn_drain(ev, 8);

	printf("IRB: to the gateway address: punted to the gateway port's TAP\n");
	len = frame_to(f, GW_MAC, H1, false, "10.100.0.1");
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(punted(&pp, &reason), 1);
	CHECK_EQ(pp, pG);
	CHECK_EQ(reason, PUNT_LOCAL);

	printf("IRB: a broadcast ARP is flooded and reaches the gateway (punted ARP)\n");
	len = frame(f, "ff:ff:ff:ff:ff:ff", H1, true);
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 2); /* p2 + VTEP2 */
	out_free(&o);
	CHECK_EQ(punted(&pp, &reason), 1);
	CHECK_EQ(pp, pG);
	CHECK_EQ(reason, PUNT_ARP);

	printf("IRB: a host without a MAC yet: punted for resolution\n");
	len = frame_to(f, GW_MAC, H1, false, "10.100.0.3");
	run(p1, f, len, &o);
	CHECK_EQ(o.n, 0);
	CHECK_EQ(punted(&pp, &reason), 1);
	CHECK_EQ(reason, PUNT_RESOLVE);

	printf("IRB: from a VTEP to the gateway MAC: routed too\n");
	len = frame(f, GW_MAC, R1, false);
	vlen = vxlan_from(vx, f, len, VNI);
	run(pU, vx, vlen, &o);
	CHECK_EQ(o.n, 1);
	sent_on(&o, p2, &olen);
	out_free(&o);

	printf("IRB: what the kernel sends from the TAP is switched in the bridge domain\n");
	len = frame_to(f, H1, GW_MAC, false, "10.100.0.2");
	struct rte_mbuf *m = mbuf_from(f, len);
	CHECK_EQ(rte_ring_enqueue(dp.ports[pG]->inject, m), 0);
	worker_poll_once(w);
	collect(&o);
	CHECK_EQ(o.n, 1);
	g = sent_on(&o, p1, &olen);
	if (g)
		CHECK_MEM(g, f, len, "kernel frame switched unchanged");
	out_free(&o);
	len = frame(f, "ff:ff:ff:ff:ff:ff", GW_MAC, true);
	m = mbuf_from(f, len);
	CHECK_EQ(rte_ring_enqueue(dp.ports[pG]->inject, m), 0);
	worker_poll_once(w);
	collect(&o);
	CHECK_EQ(o.n, 3); /* p1, p2, VTEP2; not back to the gateway */
	out_free(&o);
	CHECK_EQ(punted(&pp, &reason), 0);
	learn_drain(ev, 8);
	CHECK_EQ(fdb_del(0, &h1), 0);
	CHECK_EQ(fdb_del(0, &h2), 0);
}

/* ---- FDB and bridge domain churn while a worker switches (RCU) ---- */

#define STRESS_MACS 16
static atomic_bool stress_stop;
static uint64_t stress_out_p2, stress_out_vx, stress_bad;

static void stress_mac(unsigned i, struct rte_ether_addr *m)
{
	struct pg_mac x = unit_mac("02:66:00:00:00:00");
	memcpy(m, x.b, 6);
	m->addr_bytes[5] = (uint8_t)i;
}

/* lcore 1: bursts from p1 (source H1, pinned there) to the stress MACs; what comes out must be on
 * p2 unchanged or VXLAN VNI 100 to VTEP2/VTEP3, never on p1. */
static int stress_worker(void *arg)
{
	uint8_t f[128];
	unsigned k = 0;

	(void)arg;
	rcu_worker_register(0);
	while (!atomic_load(&stress_stop)) {
		struct rte_mbuf *m[PG_BURST];
		for (unsigned i = 0; i < PG_BURST; i++, k++) {
			struct rte_ether_addr d;
			unsigned len = frame(f, H2, H1, false);
			stress_mac(k % STRESS_MACS, &d);
			memcpy(f, &d, 6);
			m[i] = mbuf_from(f, len);
		}
		dp_process_burst(w, p1, m, PG_BURST);
		dp_tx_flush(w);
		for (uint16_t p = 0; p < dp.n_ports; p++) {
			struct rte_mbuf *got[64];
			if (dp.ports[p]->virt)
				continue;
			uint16_t n = rte_eth_rx_burst(dp.ports[p]->port_id, 0, got, 64);
			for (uint16_t i = 0; i < n; i++) {
				const uint8_t *g = rte_pktmbuf_mtod(got[i], const uint8_t *);
				uint32_t dst;
				if (p == p2) {
					stress_out_p2++;
				} else if (p == pU && rte_pktmbuf_pkt_len(got[i]) >= 110) {
					memcpy(&dst, g + 30, 4);
					if ((dst == unit_ip4(VTEP2) ||
					     dst == unit_ip4("192.168.0.3")) &&
					    g[48] == VNI)
						stress_out_vx++;
					else
						stress_bad++;
				} else {
					stress_bad++;
				}
				rte_pktmbuf_free(got[i]);
			}
		}
		rcu_worker_quiescent(0);
	}
	rcu_worker_unregister(0);
	return 0;
}

static void test_stress(void)
{
	struct rte_ether_addr h1, mac;
	struct pg_mac none = {0};
	struct pg_ip r2 = unit_ip(VTEP2), r3 = unit_ip("192.168.0.3");
	struct pg_mac m3 = unit_mac("02:bb:00:00:00:03");
	uint64_t cur[STRESS_MACS] = {0}, rng = 0x9e3779b97f4a7c15ull;
	unsigned ops = 0, reclaimed = 0;

	printf("FDB and flood list churn while a worker switches (RCU, lock-free hash)\n");
	memcpy(&h1, unit_mac(H1).b, 6);
	CHECK_EQ(fdb_set(0, &h1, FDB_F_STATIC | p1), 0);
	/* A next hop to VTEP3 held throughout, so its underlay neighbour exists to be resolved. */
	uint32_t hold3;
	CHECK_EQ(nh_vxlan_get(0, &r3, VNI, &none, &hold3), 0);
	nh_neigh_update(pU, &r3, &m3);
	CHECK(nh_get(hold3) && (nh_get(hold3)->flags & NH_F_RESOLVED), "VTEP3 next hop unresolved");
	const struct dp_bd saved = *l2_bd_ctl(0);
	struct dp_bd bd = saved;
	bd.n_ports = 2;
	bd.ports[0] = p1;
	bd.ports[1] = p2;
	bd.irb_port = PG_PORT_NONE;
	CHECK_EQ(l2_bd_set(&bd), 0);
	atomic_store(&stress_stop, false);
	CHECK_EQ(rte_eal_remote_launch(stress_worker, NULL, rte_get_next_lcore(-1, 1, 0)), 0);
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() * 3 / 2;
	while (rte_get_tsc_cycles() < end) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		unsigned i = (unsigned)(rng % STRESS_MACS), op = (unsigned)(rng >> 8) % 4;
		stress_mac(i, &mac);
		uint64_t old = cur[i];
		if (op == 0) {
			cur[i] = p2;
			CHECK_EQ(fdb_set(0, &mac, cur[i]), 0);
		} else if (op == 1) {
			uint32_t id;
			CHECK_EQ(nh_vxlan_get(0, (rng >> 20) & 1 ? &r2 : &r3, VNI, &none, &id), 0);
			cur[i] = FDB_F_REMOTE | id;
			CHECK_EQ(fdb_set(0, &mac, cur[i]), 0);
		} else if (op == 2) {
			if (cur[i])
				CHECK_EQ(fdb_del(0, &mac), 0);
			cur[i] = 0;
		} else {
			bd.n_flood = (rng >> 24) & 1;
			CHECK_EQ(l2_bd_set(&bd), 0);
			old = 0;
		}
		if (old & FDB_F_REMOTE)
			nh_put((uint32_t)old);
		if (++ops % 256 == 0)
			reclaimed += rcu_reclaim();
	}
	atomic_store(&stress_stop, true);
	rte_eal_mp_wait_lcore();
	printf("  %u operations, %u objects reclaimed; out: %" PRIu64 " on p2, %" PRIu64
	       " VXLAN, %" PRIu64 " wrong\n",
	       ops, reclaimed, stress_out_p2, stress_out_vx, stress_bad);
	CHECK(ops > 10000, "only %u operations", ops);
	CHECK(stress_out_p2 > 0 && stress_out_vx > 0, "no traffic out: %" PRIu64 "/%" PRIu64,
	      stress_out_p2, stress_out_vx);
	CHECK_EQ(stress_bad, 0);
	for (unsigned i = 0; i < STRESS_MACS; i++) {
		stress_mac(i, &mac);
		if (cur[i])
			fdb_del(0, &mac);
		if (cur[i] & FDB_F_REMOTE)
			nh_put((uint32_t)cur[i]);
	}
	fdb_del(0, &h1);
	nh_put(hold3);
	CHECK_EQ(l2_bd_set(&saved), 0);
	struct l2_learn ev[8];
	learn_drain(ev, 8);
	rcu_reclaim();
}

int main(void)
{
	if (unit_eal_init() < 0)
		return 1;
	setup();
	if (unit_failures)
		return unit_done("test_l2");
	test_flood_and_learn();
	test_remote();
	test_irb();
	test_arp_suppression();
	test_nd_suppression();
	test_stress();
	test_edges();
	rcu_reclaim();
	uint16_t pp, reason;
	punted(&pp, &reason);
	struct out o;
	collect(&o);
	CHECK_EQ(o.n, 0);
	out_free(&o);
	unsigned avail = rte_mempool_avail_count(dp.pool);
	CHECK(avail == dp.pool->size, "%u of %u mbufs back in the pool", avail, dp.pool->size);

	dp_workers_free();
	dp_ports_stop();
	l2_fini();
	fib_fini();
	nh_fini();
	vni_fini();
	rcu_reclaim();
	dp_fini();
	return unit_done("test_l2");
}
