/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * Neighbour resolution (ARP, IPv6 ND) on the control thread. Workers punt ARP/ND (snooped here,
 * then handed to the kernel), packets whose next hop has no MAC yet (held here, up to a few per
 * neighbour, while we probe) and packets to connected hosts with no host route (a host route and a
 * DIRECT next hop are created, then resolved). Entries are refreshed while in use and expire
 * when a neighbour stops answering. No static ARP is needed anywhere. On ports whose exception path
 * is the kernel (exception: xdp) the kernel sends and receives ARP/ND: we ask it to resolve and
 * follow its neighbour table over rtnetlink instead.
 */

#include <stdint.h>

#include <rte_mbuf.h>

#include "addr.h"

int neigh_init(void);
void neigh_fini(void);
void neigh_static_add(uint16_t port, const struct pg_ip *ip, const struct pg_mac *mac);
/* A static entry removed from the configuration: an ordinary one from now on, probed at once
 * (it stays while the neighbour answers). */
void neigh_static_del(uint16_t port, const struct pg_ip *ip);
/* Punted packets. They take ownership of m except snoop, which only reads it. */
void neigh_snoop_arp(uint16_t port, struct rte_mbuf *m);
void neigh_snoop_nd(uint16_t port, struct rte_mbuf *m);
void neigh_hold(uint32_t nh_id, struct rte_mbuf *m);
void neigh_connected(uint32_t nh_id, struct rte_mbuf *m);
/* Ports with the kernel as exception path: follow the kernel's neighbour table. open returns
 * the socket to poll (-1 when no port needs it), read handles what arrived. */
int neigh_kernel_open(void);
void neigh_kernel_read(void);
void neigh_kernel_close(void);
/* Timers: call every few ms. */
void neigh_tick(uint64_t now_ms);

struct neigh_view {
	uint16_t port;
	struct pg_ip ip;
	struct pg_mac mac;
	const char *state;
	uint32_t age_ms;
	unsigned held;
};
int neigh_walk(int (*cb)(const struct neigh_view *, void *), void *arg);

/* Counters kept by the control thread. */
struct neigh_stats {
	uint64_t arp_sent, ns_sent, learned, held, held_dropped, failed, flushed;
	uint64_t kernel_requests, kernel_learned, kernel_errors; /* exception: xdp ports */
};
extern struct neigh_stats neigh_stats;
