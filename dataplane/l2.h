/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * L2VNI bridge domains and the MAC table (FDB).
 *
 * A bridge domain (BD) is one L2VNI: its local (host-facing) ports, the remote VTEPs of its
 * flood list (EVPN type-3, ingress replication), the VRF it is routed in (IRB) and its anycast
 * gateway MAC. BDs are immutable objects published under RCU; a change builds a new one.
 *
 * The FDB maps (BD, MAC) to a local port or a remote VTEP's L2 VXLAN next hop. It is a DPDK
 * rte_hash in lock-free read mode with the control thread as its only writer; deleted slots are
 * recycled after a DPDK RCU grace period. Workers never write it: they report source MACs they
 * do not know (or that moved) through a per-worker learn ring, and stamp a per-slot "last seen"
 * second that the control thread reads for ageing.
 *
 * Writers: control thread. Readers: workers (l2_bd_get, fdb_lookup, fdb_seen_stamp).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ring.h>

#include "addr.h"
#include "dp.h"

#define PG_MAX_BDS	   1024
#define L2_FLOOD_MAX	   64	 /* remote VTEPs per bridge domain */
#define FDB_DEFAULT_SIZE   65536 /* MAC entries over all bridge domains */
#define L2_LEARN_RING_SIZE 1024	 /* per worker */

struct dp_bd {
	uint32_t vni;
	uint16_t id;
	uint16_t irb_port; /* the gateway's virtual port (routed in its VRF), or PG_PORT_NONE */
	struct rte_ether_addr gw_mac;
	uint32_t l2_nh_vni; /* VNI put on what we send (the L2VNI itself) */
	uint16_t n_ports;
	uint16_t ports[PG_MAX_PORTS]; /* local ports, our port indexes */
	uint16_t n_flood;
	uint32_t flood_nh[L2_FLOOD_MAX]; /* L2 VXLAN next hops of the type-3 list */
};

/* FDB entry values: flags, the MAC mobility sequence (bits 32-61) and, in the low 32 bits, the
 * next hop id (remote) or the port index (local). */
#define FDB_F_REMOTE  0x8000000000000000ull
#define FDB_F_STATIC  0x4000000000000000ull /* sticky: never aged, never moves */
#define FDB_F_CONFIG  0x2000000000000000ull /* from the configuration: EVPN leaves it alone */
#define FDB_SEQ_MAX   0x1fffffffu
#define FDB_SEQ(v)    ((uint32_t)((v) >> 32) & FDB_SEQ_MAX)
#define FDB_MK_SEQ(s) ((uint64_t)((s)&FDB_SEQ_MAX) << 32)

struct l2_learn {
	uint64_t key;  /* fdb_key() */
	uint16_t port; /* where the MAC was seen */
	uint16_t pad[3];
};

int l2_init(unsigned fdb_size);
void l2_fini(void);

/* Bridge domains (control thread). */
int l2_bd_set(const struct dp_bd *bd); /* add or replace bd->id */
void l2_bd_del(uint16_t id);
const struct dp_bd *l2_bd_ctl(uint16_t id); /* the published version */

/* FDB (control thread). */
int fdb_set(uint16_t bd, const struct rte_ether_addr *mac, uint64_t val);
int fdb_del(uint16_t bd, const struct rte_ether_addr *mac);
/* Walk every entry: cb(bd, mac, value, seconds since seen (UINT32_MAX: never)). */
int fdb_walk(int (*cb)(uint16_t bd, const struct rte_ether_addr *mac, uint64_t val, uint32_t idle_s,
		       void *arg),
	     void *arg);
unsigned fdb_count(void);

/* ARP suppression (control thread): IPv4 address -> MAC of hosts in bridge domain bd, from EVPN
 * type-2 MAC/IP routes. A broadcast ARP request from a local port for such an address is answered
 * by the worker instead of being flooded. */
int arp_cache_set(uint16_t bd, uint32_t ip_be, const struct rte_ether_addr *mac);
int arp_cache_del(uint16_t bd, uint32_t ip_be);
int arp_cache_walk(int (*cb)(uint16_t bd, uint32_t ip_be, const struct rte_ether_addr *mac,
			     void *arg),
		   void *arg);
unsigned arp_cache_count(void); /* IPv4 and IPv6 entries */
/* The same for IPv6 hosts: neighbour solicitations answered from it (ND suppression). */
int nd_cache_set(uint16_t bd, const uint8_t *ip6, const struct rte_ether_addr *mac);
int nd_cache_del(uint16_t bd, const uint8_t *ip6);
int nd_cache_walk(int (*cb)(uint16_t bd, const uint8_t *ip6, const struct rte_ether_addr *mac,
			    void *arg),
		  void *arg);

/* Seconds on the TSC clock (workers and control thread alike; never 0). */
static inline uint32_t l2_now_s(void)
{
	return (uint32_t)(rte_rdtsc() / rte_get_tsc_hz()) + 1;
}

/* Learn events, worker -> control. */
struct rte_ring *l2_learn_ring(unsigned worker);
/* Drain every worker's learn ring into fn (control thread). Returns the number of events. */
unsigned l2_learn_drain(void (*fn)(const struct l2_learn *, void *), void *arg);

/* ---- worker side ---- */
extern struct rte_hash *pg_fdb;
extern struct rte_hash *pg_arp_cache;
extern struct rte_hash *pg_nd_cache;

struct nd_key {
	uint32_t bd;
	uint8_t ip[16];
};

static inline struct nd_key nd_key(uint16_t bd, const uint8_t *ip6)
{
	struct nd_key k = {.bd = bd};
	memcpy(k.ip, ip6, 16);
	return k;
}

static inline bool nd_cache_lookup(uint16_t bd, const uint8_t *ip6, struct rte_ether_addr *mac)
{
	struct nd_key k = nd_key(bd, ip6);
	void *data;

	if (rte_hash_lookup_data(pg_nd_cache, &k, &data) < 0)
		return false;
	uint64_t v = (uint64_t)(uintptr_t)data;
	memcpy(mac, &v, 6);
	return true;
}
extern uint32_t *pg_fdb_seen; /* [capacity], seconds (l2_now_s), per key slot */
extern struct dp_bd *pg_bds[PG_MAX_BDS];

static inline uint64_t fdb_key(uint16_t bd, const struct rte_ether_addr *mac)
{
	uint64_t k = (uint64_t)bd << 48;
	for (unsigned i = 0; i < 6; i++)
		k |= (uint64_t)mac->addr_bytes[i] << (8 * (5 - i));
	return k;
}

static inline const struct dp_bd *l2_bd_get(uint16_t id)
{
	return id < PG_MAX_BDS ? rcu_dereference(pg_bds[id]) : NULL;
}

static inline bool arp_cache_lookup(uint16_t bd, uint32_t ip_be, struct rte_ether_addr *mac)
{
	uint64_t k = (uint64_t)bd << 32 | ip_be;
	void *data;

	if (rte_hash_lookup_data(pg_arp_cache, &k, &data) < 0)
		return false;
	uint64_t v = (uint64_t)(uintptr_t)data;
	memcpy(mac, &v, 6);
	return true;
}

/* Returns the key slot (>= 0) with *val, or < 0 when unknown. */
static inline int fdb_lookup(uint16_t bd, const struct rte_ether_addr *mac, uint64_t *val)
{
	uint64_t k = fdb_key(bd, mac);
	void *data;
	int pos = rte_hash_lookup_data(pg_fdb, &k, &data);

	if (pos >= 0)
		*val = (uint64_t)(uintptr_t)data;
	return pos;
}
