/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peregrine-bench: one fast path on one worker core, with the real worker loop and tables.
 *
 *   peregrine-bench --path P --routes N [--frames 64|imix] [--macs M] [--json] --write-pcap FILE
 *                   write the input frames (no DPDK); with --json, a line describing them
 *   peregrine-bench --path P --routes N [--macs M] --pcap FILE [--duration S] [--json]
 *                   [--poll-cycles [--io]] [--compact-max M] -- EAL args
 *
 * Paths: underlay, vxlan-encap, vxlan-decap, ipip-encap, ipip-decap, l2vni-encap, l2vni-decap.
 * The FIB of the looked-up VRF holds N random prefixes (seeded, so every run and the pcap agree);
 * the frames' destinations are spread over those prefixes. The L2VNI paths bridge in bridge
 * domain 0 (VNI 200) with an FDB of M MACs (default 65536) behind 16 remote VTEPs (encap: a
 * bridged port's frames to those MACs) or on the bridged port (decap: VXLAN in, frames to those
 * MACs out); the frames' destination MACs are spread over them. Frames: 64 bytes on the wire, or
 * the simple IMIX (7 x 64 : 4 x 576 : 1 x 1500 bytes, interleaved); for encapsulation paths these
 * are the inner frames, decapsulation paths get their encapsulated form. Port 0 reads the pcap
 * (net_pcap infinite_rx), port 1 is net_null; both have a 9000-byte MTU (a VXLAN underlay).
 * The result is the worker's packet rate and TSC cycles per packet, after checking that the
 * packets were really forwarded (not dropped). With --poll-cycles, first a line with percentiles
 * of the cycles per packet of single full-burst polls (see poll_worker).
 * The VXLAN paths look up VRF red, whose IPv4 table is compact (dataplane/fib4_dxr.h) up to
 * FIB4_COMPACT_MAX routes and DIR-24-8 beyond; --compact-max M moves that limit (0: DIR-24-8
 * from the first route), so both kinds can be measured with the same routes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dp.h"
#include "dp_setup.h"
#include "fib.h"
#include "l2.h"
#include "nexthop.h"
#include "rcu.h"
#include "vni.h"
#include "worker.h"

enum path {
	P_UNDERLAY,
	P_VXLAN_ENCAP,
	P_VXLAN_DECAP,
	P_IPIP_ENCAP,
	P_IPIP_DECAP,
	P_L2VNI_ENCAP,
	P_L2VNI_DECAP,
	P_MAX
};
static const char *const path_names[P_MAX] = {"underlay",   "vxlan-encap", "vxlan-decap",
					      "ipip-encap", "ipip-decap",  "l2vni-encap",
					      "l2vni-decap"};

#define N_NH	 16
#define N_FRAMES 4096
#define VNI	 100
#define L2VNI	 200
#define VRF_RED	 1
#define N_HOSTS	 256 /* l2vni-encap: source MACs on the bridged port */
#define PORT_MTU 9000
static const uint8_t in_mac[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t out_mac[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t our_rmac[6] = {0x02, 0, 0, 0, 0x01, 0x00};
static const uint8_t peer_rmac[6] = {0x66, 0, 0, 0, 0x02, 0x64};
static bool imix;
static unsigned n_macs = 65536;

/* FDB MACs of the L2VNI paths: i-th remote (behind VTEP i % N_NH) and i-th local MAC. */
static void mac_remote(uint8_t *m, uint32_t i)
{
	const uint8_t b[6] = {0x02, 0x52, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	memcpy(m, b, 6);
}

static void mac_local(uint8_t *m, uint32_t i)
{
	const uint8_t b[6] = {0x02, 0x4c, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
	memcpy(m, b, 6);
}

/* Frame i's length without the FCS: 60, or the simple IMIX 7:4:1 of 64, 576 and 1500 bytes on
 * the wire, interleaved in a pattern of 12. */
static uint16_t frame_len(unsigned i)
{
	static const uint16_t pat[12] = {64, 576, 64, 64, 576, 64, 1500, 64, 576, 64, 64, 576};
	return (uint16_t)((imix ? pat[i % 12] : 64) - 4);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

struct pfx {
	uint32_t ip; /* host order */
	uint8_t len;
};

/* N random prefixes outside 10/8 and 127/8 and the multicast range, mostly /24 like real tables. */
static struct pfx *routes_make(unsigned n)
{
	struct pfx *p = malloc(n * sizeof(*p));

	for (unsigned i = 0; i < n; i++) {
		uint32_t r = rnd() % 100, len;
		if (r < 70)
			len = 24;
		else if (r < 90)
			len = 17 + rnd() % 7;
		else
			len = 25 + rnd() % 8;
		uint32_t ip;
		do {
			ip = rnd();
		} while ((ip >> 24) == 10 || (ip >> 24) == 127 || (ip >> 24) == 0 ||
			 (ip >> 24) >= 224);
		ip &= len == 32 ? ~0u : ~(~0u >> len);
		p[i] = (struct pfx){ip, (uint8_t)len};
	}
	return p;
}

static uint32_t dst_in(const struct pfx *p)
{
	uint32_t host = p->len == 32 ? 0 : rnd() & (~0u >> p->len);
	return p->ip | host;
}

static uint16_t csum_ip(uint8_t *ip)
{
	((struct rte_ipv4_hdr *)ip)->hdr_checksum = 0;
	return rte_ipv4_cksum((struct rte_ipv4_hdr *)ip);
}

static size_t put_ip(uint8_t *b, uint8_t proto, uint32_t src, uint32_t dst, uint16_t payload)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + payload));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = csum_ip(b);
	return 20;
}

static size_t put_eth(uint8_t *b, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b[12] = (uint8_t)(type >> 8);
	b[13] = (uint8_t)type;
	return 14;
}

/* An Ethernet/IPv4/UDP frame of len bytes (len + 4 on the wire with the FCS), len >= 60. */
static size_t put_frame(uint8_t *b, const uint8_t *dmac, const uint8_t *smac, uint32_t src,
			uint32_t dst, uint16_t sport, uint16_t len)
{
	uint16_t ulen = (uint16_t)(len - 34);
	size_t o = put_eth(b, dmac, smac, 0x0800);
	o += put_ip(b + o, IPPROTO_UDP, src, dst, ulen);
	uint8_t *u = b + o;
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = 0;
	u[3] = 80;
	u[4] = (uint8_t)(ulen >> 8);
	u[5] = (uint8_t)ulen;
	u[6] = u[7] = 0;
	memset(u + 8, 0xab, ulen - 8u);
	return len;
}

static size_t put_inner(uint8_t *b, const uint8_t *dmac, uint32_t src, uint32_t dst, uint16_t sport,
			uint16_t len)
{
	return put_frame(b, dmac, (const uint8_t[]){0x02, 0, 0, 0, 0, 0x99}, src, dst, sport, len);
}

/* Outer Ethernet/IPv4/UDP/VXLAN from remote to our VTEP 10.0.0.1 for an inner frame of ilen. */
static size_t put_vxlan(uint8_t *b, uint32_t remote, uint32_t vni, uint16_t sport, size_t ilen)
{
	size_t o = put_eth(b, in_mac, (const uint8_t[]){0x02, 0, 0, 0, 0, 0x22}, 0x0800);
	o += put_ip(b + o, IPPROTO_UDP, remote, 0x0a000001, (uint16_t)(8 + 8 + ilen));
	uint8_t *u = b + o;
	memset(u, 0, 16);
	u[0] = (uint8_t)(sport >> 8);
	u[1] = (uint8_t)sport;
	u[2] = 0x12;
	u[3] = 0xb5; /* 4789 */
	u[4] = (uint8_t)((8 + 8 + ilen) >> 8);
	u[5] = (uint8_t)(8 + 8 + ilen);
	u[8] = 0x08;
	u[12] = (uint8_t)(vni >> 16);
	u[13] = (uint8_t)(vni >> 8);
	u[14] = (uint8_t)vni;
	return o + 16;
}

static int write_pcap(const char *file, enum path path, const struct pfx *routes, unsigned n,
		      bool json)
{
	FILE *f = fopen(file, "wb");
	uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1};
	uint64_t bytes = 0;

	if (!f)
		return -errno;
	fwrite(gh, sizeof(gh), 1, f);
	for (unsigned i = 0; i < N_FRAMES; i++) {
		uint8_t b[2048], inner[2048], dmac[6], smac[6];
		size_t len = 0, ilen;
		uint32_t dst = dst_in(&routes[rnd() % n]);
		uint32_t src = 0x0a000000 | (0x000200 + (i & 0xff)); /* 10.0.2.x */
		uint32_t remote = 0x0a000002 + (i % N_NH);	     /* 10.0.0.2.. */
		uint16_t sport = (uint16_t)(1024 + i), flen = frame_len(i);
		uint32_t k;

		switch (path) {
		case P_UNDERLAY:
		case P_VXLAN_ENCAP:
		case P_IPIP_ENCAP:
			len = put_inner(b, in_mac, src, dst, sport, flen);
			break;
		case P_VXLAN_DECAP:
			ilen = put_inner(inner, our_rmac, src, dst, sport, flen);
			len = put_vxlan(b, remote, VNI, (uint16_t)(0xc000 | (i & 0xff)), ilen);
			memcpy(b + len, inner, ilen);
			len += ilen;
			break;
		case P_IPIP_DECAP: {
			size_t o =
			    put_eth(b, in_mac, (const uint8_t[]){0x02, 0, 0, 0, 0, 0x22}, 0x0800);
			put_inner(inner, in_mac, src, dst, sport, flen);
			o += put_ip(b + o, IPPROTO_IPIP, remote, 0x0a000001, (uint16_t)(flen - 14));
			memcpy(b + o, inner + 14, flen - 14u);
			len = o + flen - 14;
			break;
		}
		case P_L2VNI_ENCAP: /* host i % N_HOSTS to a MAC behind a VTEP */
			k = rnd() % n_macs;
			mac_remote(dmac, k);
			mac_local(smac, n_macs + i % N_HOSTS);
			len = put_frame(b, dmac, smac, src, 0x0a000300 | (k & 0xff), sport, flen);
			break;
		case P_L2VNI_DECAP: /* from a MAC behind VTEP k % N_NH to a MAC on the port */
			k = rnd() % n_macs;
			mac_local(dmac, k);
			mac_remote(smac, k);
			ilen =
			    put_frame(inner, dmac, smac, src, 0x0a000300 | (k & 0xff), sport, flen);
			len = put_vxlan(b, 0x0a000002 + k % N_NH, L2VNI,
					(uint16_t)(0xc000 | (i & 0xff)), ilen);
			memcpy(b + len, inner, ilen);
			len += ilen;
			break;
		default:
			break;
		}
		uint32_t rh[4] = {0, i, (uint32_t)len, (uint32_t)len};
		fwrite(rh, sizeof(rh), 1, f);
		fwrite(b, len, 1, f);
		bytes += len + 4;
	}
	if (fclose(f) != 0)
		return -errno;
	if (json)
		printf("{\"path\":\"%s\",\"frames\":\"%s\",\"packets\":%u,"
		       "\"avg_wire_bytes\":%.1f,\"pcap\":\"%s\"}\n",
		       path_names[path], imix ? "imix" : "64", N_FRAMES, (double)bytes / N_FRAMES,
		       file);
	return 0;
}

/*
 * --poll-cycles: the TSC cycles of every busy poll in a histogram. Peregrine runs worker_main()
 * itself, which reports each poll through its poll_hook: a poll's cycles run from the loop's
 * previous TSC read to its own, so they include the RX burst, the processing, the TX and the
 * loop's bookkeeping (counters, RCU quiescent state, the TSC read). On a shared VM a run's rate
 * drops whenever the worker's vCPU is taken away, for the whole run or in bursts; the cycles of one
 * poll are only inflated when that poll was interrupted, so the median and low percentiles of the
 * per-poll figure are stable across runs where Mpps is not (the figure to compare two builds
 * with). With --io a loop of the same shape only moves the frames from the input to the output
 * port (rx burst, tx burst: testpmd's io mode), which gives the I/O floor in the same figure.
 */
#define HIST_N 8192 /* cycles per poll, 4-cycle buckets: up to 32k cycles, the rest in the last */
struct poll_hist {
	struct dp_worker *w;
	_Atomic bool counting; /* set by the main thread after the warm-up */
	uint16_t in, out;      /* port indexes (--io) */
	uint64_t bucket[HIST_N];
	uint64_t polls, pkts;
};

static void poll_record(void *arg, unsigned n, uint64_t dt)
{
	struct poll_hist *h = arg;

	if (n == PG_BURST && atomic_load_explicit(&h->counting, memory_order_relaxed)) {
		h->bucket[dt / 4 < HIST_N ? dt / 4 : HIST_N - 1]++;
		h->polls++;
	}
}

static unsigned io_poll_once(struct poll_hist *h)
{
	struct dp_worker *w = h->w;
	struct rte_mbuf *m[PG_BURST];
	uint16_t n = rte_eth_rx_burst(dp.ports[h->in]->port_id, 0, m, PG_BURST);

	if (n) {
		uint16_t sent = rte_eth_tx_burst(dp.ports[h->out]->port_id, w->txq[h->out], m, n);
		for (uint16_t i = sent; i < n; i++)
			rte_pktmbuf_free(m[i]);
		w->st->port[h->in].rx_pkts += n;
		w->st->port[h->out].tx_pkts += sent;
	}
	return n;
}

/* --io: worker_main()'s loop around io_poll_once(). */
static int io_worker(void *arg)
{
	struct poll_hist *h = arg;
	struct dp_worker *w = h->w;

	rcu_worker_register(w->id);
	uint64_t t0 = rte_rdtsc();
	while (atomic_load_explicit(&dp.running, memory_order_relaxed)) {
		unsigned n = io_poll_once(h);
		uint64_t t1 = rte_rdtsc();
		w->st->loops++;
		if (n) {
			w->st->busy_loops++;
			w->st->busy_cycles += t1 - t0;
			poll_record(h, n, t1 - t0);
		}
		t0 = t1;
		rcu_worker_quiescent(w->id);
	}
	rcu_worker_unregister(w->id);
	return 0;
}

/* Cycles per packet at percentile q of the full-burst polls. */
static double hist_pct(const struct poll_hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->polls), acc = 0;

	for (unsigned i = 0; i < HIST_N; i++) {
		acc += h->bucket[i];
		if (acc > want)
			return (i * 4.0 + 2.0) / PG_BURST;
	}
	return 0;
}

static int add_port(const char *name, const char *dev, const uint8_t *mac, uint16_t vrf,
		    bool bridged)
{
	struct dp_port_conf pc = {.name = name,
				  .device = dev,
				  .has_mac = true,
				  .mtu = PORT_MTU,
				  .vrf = vrf,
				  .bridged = bridged,
				  .bd = 0,
				  .n_queues = 1};
	uint16_t idx;

	memcpy(&pc.mac, mac, 6);
	return dp_port_add(&pc, &idx) < 0 ? -1 : idx;
}

static struct pg_ip ip4(uint32_t host)
{
	struct pg_ip ip = {.family = AF_INET, .v4 = rte_cpu_to_be_32(host)};
	return ip;
}

static int route_local(uint16_t vrf, uint16_t port, uint32_t addr, uint8_t len)
{
	struct pg_prefix net = {.ip = ip4(addr), .len = len}, host = {.ip = ip4(addr), .len = 32};
	uint32_t id, old;

	prefix_mask(&net);
	if (nh_connected_get(vrf, port, &id) < 0 ||
	    fib_route_add(vrf, &net, id, ROUTE_CONNECTED, &old))
		return -1;
	if (nh_local_get(vrf, port, &id) < 0 || fib_route_add(vrf, &host, id, ROUTE_LOCAL, &old))
		return -1;
	return 0;
}

/*
 * L2VNI 200 in bridge domain 0 with the bridged port (in for encap, out for decap) and the 16
 * remote VTEPs of the underlay port as its flood list; the FDB has n_macs MACs, each behind VTEP
 * i % N_NH (encap) or on the bridged port (decap), and for encap the N_HOSTS source MACs of the
 * bridged port (so that no frame is a learn event).
 */
static int l2_setup(enum path path, int in, int out)
{
	int under = path == P_L2VNI_ENCAP ? out : in, br = path == P_L2VNI_ENCAP ? in : out;
	uint32_t base = path == P_L2VNI_ENCAP ? 0x0a000102 : 0x0a000002; /* remote VTEPs */
	struct pg_mac zero = {0};
	struct dp_bd bd = {
	    .vni = L2VNI, .id = 0, .irb_port = PG_PORT_NONE, .n_ports = 1, .n_flood = N_NH};
	struct rte_ether_addr mac;

	bd.ports[0] = (uint16_t)br;
	if (vni_add(L2VNI, VNI_L2 | 0, &zero) < 0)
		return -1;
	for (unsigned i = 0; i < N_NH; i++) {
		struct pg_ip remote = ip4(base + i);
		struct pg_mac nmac = {{0x02, 0, 0, 0, 0x10, (uint8_t)i}};
		if (nh_vxlan_get(0, &remote, L2VNI, &zero, &bd.flood_nh[i]) < 0)
			return -1;
		nh_neigh_update((uint16_t)under, &remote, &nmac);
		const struct nh *nh = nh_get(bd.flood_nh[i]);
		if (!nh || !(nh->flags & NH_F_RESOLVED)) {
			fprintf(stderr, "L2 VXLAN next hop %u unresolved\n", i);
			return -1;
		}
	}
	if (l2_bd_set(&bd) < 0)
		return -1;
	for (uint32_t i = 0; i < n_macs; i++) {
		uint64_t val = path == P_L2VNI_ENCAP ? FDB_F_REMOTE | bd.flood_nh[i % N_NH]
						     : (uint64_t)(uint16_t)br;
		if (path == P_L2VNI_ENCAP)
			mac_remote(mac.addr_bytes, i);
		else
			mac_local(mac.addr_bytes, i);
		if (fdb_set(0, &mac, val) < 0) {
			fprintf(stderr, "MAC %u: FDB full\n", i);
			return -1;
		}
	}
	for (uint32_t i = 0; path == P_L2VNI_ENCAP && i < N_HOSTS; i++) {
		mac_local(mac.addr_bytes, n_macs + i);
		if (fdb_set(0, &mac, (uint16_t)br) < 0)
			return -1;
	}
	return 0;
}

static int tables_setup(enum path path, const struct pfx *routes, unsigned n, int in, int out)
{
	uint16_t fib_vrf = (path == P_VXLAN_ENCAP || path == P_VXLAN_DECAP) ? VRF_RED : 0;
	uint32_t nh[N_NH], old;
	struct pg_mac rmac, pmac;

	if (fib_vrf_create(0, "default", n + 1024, 1u << 17, 1024) < 0 ||
	    fib_vrf_create(VRF_RED, "red", n + 1024, 1u << 17, 1024) < 0)
		return -1;
	atomic_store(&dp.vtep4, rte_cpu_to_be_32(0x0a000001));
	memcpy(&rmac, our_rmac, 6);
	memcpy(&pmac, peer_rmac, 6);
	if (vni_add(VNI, VRF_RED, &rmac) < 0)
		return -1;
	/* in: 10.0.0.1/24 (underlay side or host side), out: 10.0.1.1/24 */
	if (route_local(dp.ports[in]->vrf, (uint16_t)in, 0x0a000001, 24) < 0 ||
	    route_local(dp.ports[out]->vrf, (uint16_t)out, 0x0a000101, 24) < 0)
		return -1;
	for (unsigned i = 0; i < N_NH; i++) {
		/* the routes' next hops (l2vni-decap: on the underlay port, which is in) */
		uint16_t gw_port = (uint16_t)(path == P_L2VNI_DECAP ? in : out);
		struct pg_ip gw = ip4((path == P_L2VNI_DECAP ? 0x0a000002 : 0x0a000102) + i),
			     remote = ip4(0x0a000102 + i);
		struct pg_ip peer = ip4(0x0a000002 + i);
		struct pg_mac mac = {{0x02, 0, 0, 0, 0x10, (uint8_t)i}};
		int ret;
		switch (path) {
		case P_VXLAN_ENCAP:
			ret = nh_vxlan_get(VRF_RED, &remote, VNI, &pmac, &nh[i]);
			break;
		case P_IPIP_ENCAP:
			ret = nh_ipip_get(0, &remote, &nh[i]);
			break;
		default:
			ret = nh_direct_get(dp.ports[gw_port]->vrf, gw_port, &gw, &nh[i]);
		}
		if (ret < 0)
			return -1;
		if (path == P_VXLAN_DECAP)
			tun_ref(peer.v4, TUN_F_VXLAN, 0, true);
		if (path == P_IPIP_DECAP)
			tun_ref(peer.v4, TUN_F_IPIP, 0, true);
		nh_neigh_update(gw_port, &gw, &mac);
	}
	if ((path == P_L2VNI_ENCAP || path == P_L2VNI_DECAP) && l2_setup(path, in, out) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct pg_prefix p = {.ip = ip4(routes[i].ip), .len = routes[i].len};
		uint32_t id = nh[i % N_NH];
		nh_ref(id);
		if (fib_route_add(fib_vrf, &p, id, ROUTE_STATIC, &old) < 0) {
			fprintf(stderr, "route %u: FIB full\n", i);
			return -1;
		}
		if (old)
			nh_put(old);
	}
	fib_commit();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"path", required_argument, NULL, 'p'},
	    {"routes", required_argument, NULL, 'r'},
	    {"pcap", required_argument, NULL, 'f'},
	    {"write-pcap", required_argument, NULL, 'w'},
	    {"duration", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"mbufs", required_argument, NULL, 'm'},
	    {"poll-cycles", no_argument, NULL, 'c'},
	    {"io", no_argument, NULL, 'i'},
	    {"compact-max", required_argument, NULL, 'x'},
	    {"frames", required_argument, NULL, 'F'},
	    {"macs", required_argument, NULL, 'M'},
	    {NULL, 0, NULL, 0},
	};
	enum path path = P_MAX;
	unsigned n_routes = 1000000, mbufs = 8191;
	double duration = 5;
	const char *pcap = NULL, *wpcap = NULL;
	bool json = false, poll_cycles = false, io = false;
	int o;

	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (o) {
		case 'p':
			for (int i = 0; i < P_MAX; i++)
				if (strcmp(optarg, path_names[i]) == 0)
					path = (enum path)i;
			break;
		case 'r':
			n_routes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			pcap = optarg;
			break;
		case 'w':
			wpcap = optarg;
			break;
		case 'd':
			duration = strtod(optarg, NULL);
			break;
		case 'j':
			json = true;
			break;
		case 'm':
			mbufs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			poll_cycles = true;
			break;
		case 'i':
			io = poll_cycles = true;
			break;
		case 'x':
			fib4_set_compact_max((unsigned)strtoul(optarg, NULL, 10));
			break;
		case 'F':
			if (strcmp(optarg, "imix") == 0)
				imix = true;
			else if (strcmp(optarg, "64") != 0)
				return 64;
			break;
		case 'M':
			n_macs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			return 64;
		}
	}
	if (path == P_MAX || n_routes == 0 || n_macs == 0 || n_macs > (1u << 22) ||
	    (!pcap && !wpcap)) {
		fprintf(stderr, "usage: peregrine-bench --path underlay|vxlan-encap|vxlan-decap|"
				"ipip-encap|ipip-decap|l2vni-encap|l2vni-decap [--routes N] "
				"[--macs M] (--write-pcap F [--frames 64|imix] [--json] | --pcap F "
				"[--duration S] [--json] [--mbufs N] [--poll-cycles [--io]] "
				"[--compact-max M] -- EAL args)\n");
		return 64;
	}
	struct pfx *routes = routes_make(n_routes);
	if (wpcap)
		return write_pcap(wpcap, path, routes, n_routes, json) < 0 ? 1 : 0;

	char *eal[64];
	int ne = 0;
	eal[ne++] = argv[0];
	for (int i = optind; i < argc && ne < 63; i++)
		eal[ne++] = argv[i];
	eal[ne] = NULL;
	if (rte_eal_init(ne, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	struct dp_init_conf dc = {.mbufs = mbufs,
				  .max_routes4 = n_routes + 1024,
				  .tbl8_groups = 1u << 17,
				  .max_routes6 = 1024,
				  .punt_rate_pps = 1000,
				  .punt_burst = 64};
	char dev[512];
	snprintf(dev, sizeof(dev), "net_pcap_bench,rx_pcap=%s,infinite_rx=1", pcap);
	uint16_t in_vrf = path == P_VXLAN_ENCAP ? VRF_RED : 0;
	uint16_t out_vrf = path == P_VXLAN_DECAP ? VRF_RED : 0;
	bool l2 = path == P_L2VNI_ENCAP || path == P_L2VNI_DECAP;
	int in, out;
	if (rcu_init() < 0 || dp_init(&dc) < 0 || fib_init(n_routes + 65536) < 0 ||
	    nh_init(65536) < 0 || vni_init() < 0 || (l2 && l2_init(2 * n_macs + 4096) < 0) ||
	    (in = add_port("in", dev, in_mac, in_vrf, path == P_L2VNI_ENCAP)) < 0 ||
	    (out = add_port("out", "net_null_bench,no-rx=1", out_mac, out_vrf,
			    path == P_L2VNI_DECAP)) < 0) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	uint64_t t0 = rte_get_tsc_cycles();
	if (tables_setup(path, routes, n_routes, in, out) < 0) {
		fprintf(stderr, "tables setup failed\n");
		return 1;
	}
	double setup_s = (double)(rte_get_tsc_cycles() - t0) / (double)rte_get_tsc_hz();
	if (dp_workers_setup(1) < 0 || dp_ports_start() < 0)
		return 1;
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "need a worker lcore (-l 0-1)\n");
		return 1;
	}
	dp.workers[0]->lcore = lcore;
	struct poll_hist *hist = NULL;
	if (poll_cycles) {
		hist = rte_zmalloc(NULL, sizeof(*hist), 64);
		hist->w = dp.workers[0];
		hist->in = (uint16_t)in;
		hist->out = (uint16_t)out;
	}
	if (hist && io) {
		rte_eal_remote_launch(io_worker, hist, lcore);
	} else {
		if (hist) {
			dp.workers[0]->poll_hook = poll_record;
			dp.workers[0]->poll_hook_arg = hist;
		}
		rte_eal_remote_launch(worker_main, dp.workers[0], lcore);
	}

	struct dp_stats *a = rte_zmalloc(NULL, sizeof(*a), 0),
			*b = rte_zmalloc(NULL, sizeof(*b), 0);
	sleep(1); /* warm up: caches, pcap ring */
	if (hist)
		atomic_store_explicit(&hist->counting, true, memory_order_relaxed);
	dp_stats_sum(a);
	uint64_t c0 = rte_get_tsc_cycles();
	usleep((useconds_t)(duration * 1e6));
	dp_stats_sum(b);
	uint64_t c1 = rte_get_tsc_cycles();
	atomic_store(&dp.running, false);
	rte_eal_mp_wait_lcore();

	double secs = (double)(c1 - c0) / (double)rte_get_tsc_hz();
	uint64_t rx = b->port[in].rx_pkts - a->port[in].rx_pkts;
	uint64_t tx = b->port[out].tx_pkts - a->port[out].tx_pkts;
	uint64_t drops = 0;
	int worst = -1;
	for (int r = 0; r < DROP_MAX; r++) {
		uint64_t d = b->drop[r] - a->drop[r];
		drops += d;
		if (d && (worst < 0 || d > b->drop[worst] - a->drop[worst]))
			worst = r;
	}
	double mpps = (double)rx / secs / 1e6;
	double cpp = rx ? (double)rte_get_tsc_hz() * secs / (double)rx : 0;
	double busy_cpp = rx ? (double)(b->busy_cycles - a->busy_cycles) / (double)rx : 0;
	double fwd = rx ? (double)tx / (double)rx : 0;
	if (hist)
		printf("{\"path\":\"%s\",\"polls\":%lu,\"poll_p10\":%.2f,\"poll_p25\":%.2f,"
		       "\"poll_p50\":%.2f,\"poll_p75\":%.2f}\n",
		       path_names[path], (unsigned long)hist->polls, hist_pct(hist, 0.10),
		       hist_pct(hist, 0.25), hist_pct(hist, 0.50), hist_pct(hist, 0.75));
	if (json)
		printf("{\"path\":\"%s\",\"impl\":\"peregrine\",\"routes\":%u,\"mpps\":%.3f,"
		       "\"cycles_per_packet\":%.1f,\"busy_cycles_per_packet\":%.1f,"
		       "\"forwarded_ratio\":%.4f,\"drops\":%lu,\"fib_setup_s\":%.2f,"
		       "\"total_rx\":%lu}\n",
		       path_names[path], n_routes, mpps, cpp, busy_cpp, fwd, (unsigned long)drops,
		       setup_s, (unsigned long)b->port[in].rx_pkts);
	else
		printf("%-12s peregrine  %7.3f Mpps  %6.1f cycles/packet  forwarded %.1f%%  "
		       "(%u routes installed in %.2f s)%s%s\n",
		       path_names[path], mpps, cpp, fwd * 100, n_routes, setup_s,
		       worst >= 0 ? "  top drop: " : "", worst >= 0 ? drop_reason_name(worst) : "");
	return fwd > 0.99 ? 0 : 2;
}
