/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * The dataplane context: every table the workers read. The control thread is the only writer;
 * workers read lock-free and report quiescent states (lib/rcu.h). Each struct says who writes
 * and who reads it.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "config.h"
#include "rcu.h"
#include "u32map.h"

#define PG_BURST       32
#define PG_IDLE_POLLS  1024 /* empty polls in a row before an idle worker naps (idleSleepUs) */
#define PG_MAX_WORKERS 16
#define PG_RING_SIZE   4096

enum drop_reason {
#define DROP(name, text) DROP_##name,
#include "drop.def"
#undef DROP
	DROP_MAX
};
const char *drop_reason_name(enum drop_reason r);
const char *drop_reason_text(enum drop_reason r);

/* Why a worker hands a packet to the control thread (stored in the mbuf's dynfield). */
enum punt_reason {
	PUNT_LOCAL = 1,	 /* to one of our addresses: kernel via TAP */
	PUNT_ARP,	 /* ARP: snooped by the neighbour module, then to the kernel */
	PUNT_ND,	 /* ICMPv6 neighbour discovery: same */
	PUNT_RESOLVE,	 /* next hop (meta.nh, a DIRECT nh) has no MAC yet: hold and resolve */
	PUNT_CONNECTED,	 /* destination on a connected subnet (meta.nh) with no host route yet */
	PUNT_LINK_LOCAL, /* IPv6 link-local / multicast for the kernel */
	PUNT_ICMP_ERROR, /* dropped (TTL, MTU): answer with an ICMP error; meta.nh = type<<24 |
			  * code<<16 | MTU */
};

/* Punt policing classes: a flood in one class never starves another. */
enum punt_class {
	PUNT_CLASS_CTRL = 0, /* ARP, ND, TCP to us (BGP) */
	PUNT_CLASS_RESOLVE,  /* packets waiting for a neighbour */
	PUNT_CLASS_OTHER,    /* ICMP, UDP and the rest to us */
	PUNT_CLASS_MAX
};

/* Per-packet metadata carried only on the punt path (mbuf dynfield). */
struct pkt_meta {
	uint32_t nh;
	uint16_t reason;
	uint16_t port; /* our port index the packet came in on */
};
extern int pg_meta_offset;
static inline struct pkt_meta *pkt_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, pg_meta_offset, struct pkt_meta *);
}

/* Written by the control thread at start-up, read by workers. */
struct dp_port {
	uint16_t port_id; /* DPDK port id */
	uint16_t index;	  /* our index (counters, next hops) */
	uint16_t vrf;
	uint16_t mtu;
	uint16_t bd; /* bridge domain (L2VNI) of a bridged port, else PG_BD_NONE */
	uint16_t
	    irb_bd; /* virtual: the bridge domain it routes for (its gateway), else PG_BD_NONE */
	bool virt;  /* no device (an L2VNI's gateway interface): never polled or sent to */
	struct rte_ether_addr mac;
	uint64_t mac64; /* mac in the low 6 bytes of a u64 as stored in memory, for one compare */
	uint16_t n_rxq, n_txq;
	bool tx_shared; /* fewer TX queues than workers: tx_lock serialises */
	rte_spinlock_t tx_lock;
	struct rte_ring *inject; /* control -> worker that owns RX queue 0: frames to send as is */
	int tap_fd;		 /* control thread only; -1 without exception path */
	int tap_netns;		 /* namespace fd of the TAP (> 2), 0: Peregrine's own */
	bool xdp_exc;		 /* the kernel behind our XDP program is the exception path */
	unsigned ifindex;	 /* Linux interface index when attached by name, else 0 */
	char name[PG_NAME_MAX];
	char tap_name[PG_IFNAME_MAX];
	char device[PG_DEVSPEC_MAX];
	char driver[32];
	char ifname[PG_IFNAME_MAX]; /* Linux interface when attached by name, else "" */
};

/* Next hops. Published objects are immutable: the control thread builds a new one and swaps the
 * pointer in dp.nh[], freeing the old one after a grace period. Id 0 means "no route". */
enum nh_type {
	NH_NONE = 0,
	NH_BLACKHOLE,
	NH_LOCAL,     /* to us: decapsulate or punt; port = the port owning the address */
	NH_CONNECTED, /* a connected subnet on port: resolve the destination itself */
	NH_DIRECT,    /* a neighbour on port: Ethernet header ready once resolved */
	NH_VXLAN, /* VXLAN tunnel: whole outer header + inner Ethernet addresses as a template */
	NH_IPIP,  /* IPv4-in-IPv4 tunnel: outer Ethernet + IPv4 as a template */
	NH_ECMP,  /* group of other next hops, picked by flow hash */
	NH_BD,	  /* a DIRECT next hop on an L2VNI's gateway port: rewritten, then switched in
		   * its bridge domain (the control side keeps it as NH_DIRECT) */
	NH_TYPE_MAX
};
#define NH_F_RESOLVED 0x01 /* Ethernet destination known (DIRECT, VXLAN, IPIP) */

/* struct nh's fast4: the kinds the IPv4 fast path forwards itself, resolved ones only; anything
 * else (NH_FAST_NONE) takes the full path. One compare instead of type, flags and a mask. */
enum nh_fast {
	NH_FAST_NONE = 0,
	NH_FAST_DIRECT,
	NH_FAST_VXLAN,
	NH_FAST_IPIP,
};

#define NH_VXLAN_HDR_LEN 62 /* outer Eth 14 + IPv4 20 + UDP 8 + VXLAN 8 + inner dst/src MAC 12 */
#define NH_IPIP_HDR_LEN	 34 /* outer Eth 14 + IPv4 20 */
#define VXLAN_OVERHEAD	 50

struct nh {
	uint8_t type;
	uint8_t flags;
	uint16_t port; /* output port index (punt port for LOCAL) */
	uint16_t vrf;  /* VRF the next hop was created in */
	uint16_t mtu;  /* largest inner L3 packet that fits (tunnels: underlay MTU - overhead) */
	uint32_t id;
	uint32_t under; /* tunnels: the underlay DIRECT nh, for resolution punts */
	union {
		uint16_t vni_idx; /* VXLAN: counter slot of the VNI */
		uint16_t n;	  /* ECMP: member count */
	};
	uint16_t ip_csum; /* tunnels: outer IPv4 checksum of the template (total length 0) */
	/* tunnels: the same checksum inverted (~) and in host order: the worker adds the total
	 * length in host order to it (ip4_csum_add_len_h) and stores the result byte-swapped */
	uint16_t ip_csum_hinv;
	uint8_t fast4; /* NH_FAST_*: what the IPv4 fast path does with the packet */
	uint8_t pad;
	union {
		struct {
			struct rte_ether_addr dst, src;
			rte_be16_t type4; /* DIRECT: IPv4, so that the header is one 14-byte copy */
		} eth;			  /* DIRECT, CONNECTED (src only) */
		uint8_t hdr[64];	  /* VXLAN (62 bytes, then the IPv4 inner type), IPIP */
		uint32_t member[PG_ECMP_MAX]; /* ECMP */
	};
} __rte_cache_aligned;

struct fib_lr;

/* One VRF. Published in dp.vrfs[]; the table pointers never change while published. */
struct dp_vrf {
	uint16_t id;
	char name[PG_NAME_MAX];
	struct fib_lr *fib4; /* left-right pair of DIR-24-8 tables (see fib.h) */
	struct fib_lr *fib6; /* left-right pair of rte_fib6 */
};

/* Per-worker counters; one cache-aligned block per worker, summed by the control thread. */
struct dp_port_stats {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, punt, inject;
};
struct dp_vrf_stats {
	uint64_t fwd_pkts, fwd_bytes;
};
struct dp_vni_stats {
	uint64_t decap_pkts, decap_bytes, encap_pkts, encap_bytes;
};
struct dp_stats {
	uint64_t drop[DROP_MAX];
	uint64_t punt_class[PUNT_CLASS_MAX];
	uint64_t ipip_decap, ipip_encap;
	uint64_t l2_learn_lost;	    /* learn events dropped: the learn ring was full */
	uint64_t l2_arp_suppressed; /* ARP requests and neighbour solicitations answered from the
				     * ARP/ND cache */
	uint64_t loops, busy_loops, busy_cycles;
	uint64_t idle_sleeps, idle_sleep_us; /* dataplane.idleSleepUs back-off */
	struct dp_port_stats port[PG_MAX_PORTS];
	struct dp_vrf_stats vrf[PG_MAX_VRFS];
	struct dp_vni_stats vni[PG_MAX_VNIS];
} __rte_cache_aligned;

struct dp_worker;

struct dp_ctx {
	/* Set at start-up. */
	struct rte_mempool *pool;     /* RX and encapsulation */
	struct rte_mempool *ctl_pool; /* packets built by the control thread */
	struct rte_mempool *xdp_pool; /* RX of AF_XDP ports (objects packed, see dp.c) */
	unsigned n_mbufs;
	unsigned n_ports;
	struct dp_port *ports[PG_MAX_PORTS];
	uint16_t port_index[RTE_MAX_ETHPORTS]; /* DPDK port id -> our index */
	unsigned n_workers;
	struct dp_worker *workers[PG_MAX_WORKERS];
	struct dp_stats *stats[PG_MAX_WORKERS];
	struct rte_ring *punt[PUNT_CLASS_MAX]; /* workers -> control, MP/SC */
	uint64_t punt_rate_pps, punt_burst;
	unsigned idle_sleep_us; /* 0: busy-poll; else the longest sleep of an idle worker */
	uint32_t max_nh;
	unsigned fib4_max_routes, fib6_max_routes;

	/* Control thread writes (RCU), workers read. */
	struct nh **nh; /* [max_nh] */
	struct dp_vrf *vrfs[PG_MAX_VRFS];
	struct u32map_ctl vni;	     /* VNI -> (vrf << 16 | counter slot) */
	struct u32map_ctl tun4;	     /* remote IPv4 (network order) -> TUN_F_* | vrf << 16 */
	_Atomic uint32_t vtep4;	     /* our VTEP, network order, 0 = none */
	_Atomic uint16_t vxlan_port; /* VXLAN UDP port, network order (set before start) */
	struct rte_ether_addr
	    vni_rmac[PG_MAX_VNIS]; /* router MAC per VNI slot (control writes once) */

	_Atomic bool running;
};

/* VNI table values: an L2VNI's "VRF" field is VNI_L2 | its bridge domain. */
#define VNI_L2	     0x8000
#define PG_BD_NONE   0xffff
#define PG_PORT_NONE 0xffff

#define TUN_F_VXLAN 0x1
#define TUN_F_IPIP  0x2

extern struct dp_ctx dp;

/* Inline lookups shared by the worker and the tests. */
static inline const struct nh *nh_get(uint32_t id)
{
	return rcu_dereference(dp.nh[id]);
}
