/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>
#include <rte_arp.h>
#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_jhash.h>

#include "apply.h"
#include "ctl.h"
#include "dp.h"
#include "exc.h"
#include "fib.h"
#include "l2ctl.h"
#include "log.h"
#include "util.h"
#include "neigh.h"
#include "nexthop.h"

#define NEIGH_MAX	   16384
#define NEIGH_HOLD	   8
#define NEIGH_RETRANS_MS   1000
#define NEIGH_PROBES	   3
#define NEIGH_REACHABLE_MS 30000
#define NEIGH_FAILED_GC_MS 20000

enum neigh_state { N_INCOMPLETE, N_REACHABLE, N_PROBE, N_FAILED, N_PERMANENT };
static const char *const state_names[] = {"incomplete", "reachable", "probe", "failed",
					  "permanent"};

struct neigh_key {
	uint16_t port;
	uint8_t family;
	uint8_t pad;
	uint8_t ip[16];
};

struct neigh {
	struct neigh_key key;
	struct pg_ip ip;
	struct pg_mac mac;
	enum neigh_state state;
	uint64_t updated_ms, next_ms;
	unsigned probes;
	unsigned n_held;
	struct rte_mbuf *held[NEIGH_HOLD];
	bool host_route;
	uint16_t vrf;
};

struct neigh_stats neigh_stats;
static struct neigh *neigh_find(uint16_t port, const struct pg_ip *ip);
static struct rte_hash *table;
static uint64_t now_cache;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* For the next hop table: the MAC of a neighbour we already know. */
static bool neigh_known(uint16_t port, const struct pg_ip *ip, struct pg_mac *mac)
{
	const struct neigh *n = neigh_find(port, ip);

	if (!n || (n->state != N_REACHABLE && n->state != N_PROBE && n->state != N_PERMANENT))
		return false;
	*mac = n->mac;
	return true;
}

int neigh_init(void)
{
	struct rte_hash_parameters hp = {
	    .name = "neigh",
	    .entries = NEIGH_MAX,
	    .key_len = sizeof(struct neigh_key),
	    .hash_func = rte_jhash,
	    .socket_id = SOCKET_ID_ANY,
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	table = rte_hash_create(&hp);
	if (!table)
		return -ENOMEM;
	nh_set_neigh_lookup(neigh_known);
	return 0;
}

static void held_free(struct neigh *n)
{
	for (unsigned i = 0; i < n->n_held; i++)
		rte_pktmbuf_free(n->held[i]);
	neigh_stats.held_dropped += n->n_held;
	n->n_held = 0;
}

void neigh_fini(void)
{
	const void *k;
	void *d;
	uint32_t it = 0;

	if (!table)
		return;
	while (rte_hash_iterate(table, &k, &d, &it) >= 0) {
		held_free(d);
		free(d);
	}
	rte_hash_free(table);
	table = NULL;
}

static void key_make(struct neigh_key *k, uint16_t port, const struct pg_ip *ip)
{
	memset(k, 0, sizeof(*k));
	k->port = port;
	k->family = ip->family;
	if (ip->family == AF_INET)
		memcpy(k->ip, &ip->v4, 4);
	else
		memcpy(k->ip, ip->v6, 16);
}

static struct neigh *neigh_find(uint16_t port, const struct pg_ip *ip)
{
	struct neigh_key k;
	void *d;

	key_make(&k, port, ip);
	return rte_hash_lookup_data(table, &k, &d) >= 0 ? d : NULL;
}

static struct neigh *neigh_create(uint16_t port, const struct pg_ip *ip)
{
	struct neigh *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	key_make(&n->key, port, ip);
	n->ip = *ip;
	n->state = N_INCOMPLETE;
	n->vrf = dp.ports[port]->vrf;
	n->updated_ms = now_cache;
	if (rte_hash_add_key_data(table, &n->key, n) < 0) {
		free(n);
		return NULL;
	}
	return n;
}

static void neigh_delete(struct neigh *n)
{
	held_free(n);
	if (n->host_route) {
		struct pg_prefix p = {.ip = n->ip, .len = n->ip.family == AF_INET ? 32 : 128};
		const struct fib_route *r = fib_route_find(n->vrf, &p);
		if (r && r->origin == ROUTE_NEIGH)
			apply_route_del(n->vrf, &p);
	}
	rte_hash_del_key(table, &n->key);
	free(n);
}

/* Pick our source address on port for talking to target (same subnet first). */
static bool port_src_addr(uint16_t port, const struct pg_ip *target, struct pg_ip *out)
{
	const struct cfg_port *cp = &ctl_cfg()->ports[port];
	bool found = false;

	for (unsigned i = 0; i < cp->n_addrs; i++) {
		if (cp->addrs[i].ip.family != target->family)
			continue;
		if (prefix_contains(&cp->addrs[i], target)) {
			*out = cp->addrs[i].ip;
			return true;
		}
		if (!found) {
			*out = cp->addrs[i].ip;
			found = true;
		}
	}
	if (!found && target->family == AF_INET6) {
		/* fe80::/64 with the modified EUI-64 of the port MAC, as the kernel gives the TAP.
		 */
		const uint8_t *m = dp.ports[port]->mac.addr_bytes;
		memset(out, 0, sizeof(*out));
		out->family = AF_INET6;
		out->v6[0] = 0xfe;
		out->v6[1] = 0x80;
		out->v6[8] = m[0] ^ 0x02;
		out->v6[9] = m[1];
		out->v6[10] = m[2];
		out->v6[11] = 0xff;
		out->v6[12] = 0xfe;
		out->v6[13] = m[3];
		out->v6[14] = m[4];
		out->v6[15] = m[5];
		found = true;
	}
	return found;
}

static void send_arp(struct neigh *n, bool unicast)
{
	const struct dp_port *p = dp.ports[n->key.port];
	struct pg_ip src;
	struct rte_mbuf *m;

	if (!port_src_addr(n->key.port, &n->ip, &src))
		return;
	m = rte_pktmbuf_alloc(dp.ctl_pool);
	if (!m)
		return;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_append(
	    m, sizeof(*eth) + sizeof(struct rte_arp_hdr));
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	if (unicast)
		memcpy(&eth->dst_addr, &n->mac, 6);
	else
		memset(&eth->dst_addr, 0xff, 6);
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&p->mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = src.v4;
	memset(&arp->arp_data.arp_tha, 0, 6);
	arp->arp_data.arp_tip = n->ip.v4;
	exc_inject(n->key.port, m);
	neigh_stats.arp_sent++;
}

static void send_ns(struct neigh *n, bool unicast)
{
	const struct dp_port *p = dp.ports[n->key.port];
	struct pg_ip src;
	struct rte_mbuf *m;
	const uint8_t *t = n->ip.v6;

	if (!port_src_addr(n->key.port, &n->ip, &src))
		return;
	m = rte_pktmbuf_alloc(dp.ctl_pool);
	if (!m)
		return;
	size_t icmp_len = 4 + 4 + 16 + 8;
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, 14 + 40 + icmp_len);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + 14);
	uint8_t *icmp = f + 54;

	memset(f, 0, 14 + 40 + icmp_len);
	if (unicast) {
		memcpy(&eth->dst_addr, &n->mac, 6);
		memcpy(ip->dst_addr, t, 16);
	} else {
		const uint8_t d[6] = {0x33, 0x33, 0xff, t[13], t[14], t[15]};
		memcpy(&eth->dst_addr, d, 6);
		const uint8_t sn[16] = {
		    0xff, 0x02, [11] = 0x01, [12] = 0xff, [13] = t[13], [14] = t[14], [15] = t[15]};
		memcpy(ip->dst_addr, sn, 16);
	}
	rte_ether_addr_copy(&p->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)icmp_len);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, src.v6, 16);
	icmp[0] = 135;
	memcpy(icmp + 8, t, 16);
	icmp[24] = 1; /* source link-layer address option */
	icmp[25] = 1;
	memcpy(icmp + 26, &p->mac, 6);
	uint16_t ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	exc_inject(n->key.port, m);
	neigh_stats.ns_sent++;
}

static void kernel_resolve(struct neigh *n);

static void neigh_probe(struct neigh *n, bool unicast)
{
	if (dp.ports[n->key.port]->xdp_exc)
		kernel_resolve(n);
	else if (n->ip.family == AF_INET)
		send_arp(n, unicast);
	else
		send_ns(n, unicast);
	n->probes++;
	n->next_ms = now_cache + NEIGH_RETRANS_MS;
}

static void held_flush(struct neigh *n)
{
	for (unsigned i = 0; i < n->n_held; i++) {
		struct rte_mbuf *m = n->held[i];
		memcpy(rte_pktmbuf_mtod(m, void *), &n->mac, 6);
		exc_inject(n->key.port, m);
	}
	neigh_stats.flushed += n->n_held;
	n->n_held = 0;
}

/* A neighbour's MAC is known (mac) or lost (NULL): next hops, and the EVPN route of a host
 * behind an L2VNI's gateway. */
static void neigh_changed(uint16_t port, const struct pg_ip *ip, const struct pg_mac *mac)
{
	nh_neigh_update(port, ip, mac);
	if (dp.ports[port]->virt)
		l2ctl_gateway_host(port, ip, mac);
}

static void neigh_learn(struct neigh *n, const struct pg_mac *mac)
{
	bool changed =
	    n->state == N_INCOMPLETE || n->state == N_FAILED || memcmp(&n->mac, mac, 6) != 0;

	if (n->state == N_PERMANENT)
		return;
	n->mac = *mac;
	n->state = N_REACHABLE;
	n->probes = 0;
	n->updated_ms = now_cache;
	n->next_ms = now_cache + NEIGH_REACHABLE_MS;
	if (changed) {
		neigh_stats.learned++;
		neigh_changed(n->key.port, &n->ip, mac);
	}
	held_flush(n);
}

void neigh_static_add(uint16_t port, const struct pg_ip *ip, const struct pg_mac *mac)
{
	struct neigh *n = neigh_find(port, ip);

	now_cache = now_ms();
	if (!n)
		n = neigh_create(port, ip);
	if (!n)
		return;
	n->mac = *mac;
	n->state = N_PERMANENT;
	n->updated_ms = now_cache;
	nh_neigh_update(port, ip, mac);
}

void neigh_static_del(uint16_t port, const struct pg_ip *ip)
{
	struct neigh *n = neigh_find(port, ip);

	if (!n || n->state != N_PERMANENT)
		return;
	now_cache = now_ms();
	n->state = N_REACHABLE;
	n->next_ms = now_cache;
}

static bool is_our_addr(uint16_t port, const struct pg_ip *ip)
{
	const struct cfg_port *cp = &ctl_cfg()->ports[port];

	for (unsigned i = 0; i < cp->n_addrs; i++)
		if (ip_equal(&cp->addrs[i].ip, ip))
			return true;
	return false;
}

/* A sender seen in ARP/ND: update a known entry, or create one when it talked to us. */
static void neigh_seen(uint16_t port, const struct pg_ip *ip, const struct pg_mac *mac, bool to_us)
{
	struct neigh *n;

	now_cache = now_ms();
	n = neigh_find(port, ip);
	if (!n && to_us && rte_hash_count(table) < NEIGH_MAX)
		n = neigh_create(port, ip);
	if (n)
		neigh_learn(n, mac);
}

void neigh_snoop_arp(uint16_t port, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp;
	struct pg_ip sip = {.family = AF_INET}, tip = {.family = AF_INET};
	struct pg_mac sha;

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*arp))
		return;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || arp->arp_hlen != 6 ||
	    arp->arp_plen != 4)
		return;
	sip.v4 = arp->arp_data.arp_sip;
	tip.v4 = arp->arp_data.arp_tip;
	memcpy(&sha, &arp->arp_data.arp_sha, 6);
	if (sip.v4 == 0 || mac_is_zero(&sha) || (sha.b[0] & 1))
		return;
	neigh_seen(port, &sip, &sha, is_our_addr(port, &tip));
}

void neigh_snoop_nd(uint16_t port, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip;
	const uint8_t *icmp, *opt, *end;
	struct pg_ip who = {.family = AF_INET6};
	bool to_us;

	if (m->data_len < 14 + 40 + 24)
		return;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, 14);
	icmp = (const uint8_t *)(ip + 1);
	end = rte_pktmbuf_mtod(m, const uint8_t *) + m->data_len;
	if (ip->hop_limits != 255)
		return;
	if (icmp[0] == 136) { /* NA: target + target link-layer address */
		memcpy(who.v6, icmp + 8, 16);
		to_us = false;
	} else if (icmp[0] == 135) { /* NS: source + source link-layer address */
		memcpy(who.v6, ip->src_addr, 16);
		struct pg_ip tgt = {.family = AF_INET6};
		memcpy(tgt.v6, icmp + 8, 16);
		to_us = is_our_addr(port, &tgt);
	} else {
		return;
	}
	static const uint8_t unspec[16];
	if (memcmp(who.v6, unspec, 16) == 0)
		return;
	uint8_t want = icmp[0] == 136 ? 2 : 1;
	for (opt = icmp + 24; opt + 8 <= end && opt[1] != 0; opt += opt[1] * 8) {
		if (opt[0] == want && opt[1] == 1) {
			struct pg_mac mac;
			memcpy(&mac, opt + 2, 6);
			neigh_seen(port, &who, &mac, to_us);
			return;
		}
	}
}

void neigh_hold(uint32_t nh_id, struct rte_mbuf *m)
{
	const struct nh_info *info = nh_info_get(nh_id);
	struct pg_ip ip = {0};
	struct neigh *n;

	if (!info || info->key.type != NH_DIRECT) {
		rte_pktmbuf_free(m);
		neigh_stats.held_dropped++;
		return;
	}
	now_cache = now_ms();
	ip.family = info->key.family;
	if (ip.family == AF_INET)
		memcpy(&ip.v4, info->key.ip, 4);
	else
		memcpy(ip.v6, info->key.ip, 16);
	n = neigh_find(info->key.port, &ip);
	if (!n && rte_hash_count(table) < NEIGH_MAX)
		n = neigh_create(info->key.port, &ip);
	if (!n) {
		rte_pktmbuf_free(m);
		neigh_stats.held_dropped++;
		return;
	}
	if (n->state == N_REACHABLE || n->state == N_PROBE || n->state == N_PERMANENT) {
		/* Known, but the next hop was built before: publish the MAC and send. */
		nh_neigh_update(n->key.port, &n->ip, &n->mac);
		n->held[n->n_held++] = m;
		held_flush(n);
		return;
	}
	if (n->n_held == NEIGH_HOLD) {
		rte_pktmbuf_free(n->held[0]);
		memmove(n->held, n->held + 1, (NEIGH_HOLD - 1) * sizeof(n->held[0]));
		n->n_held--;
		neigh_stats.held_dropped++;
	}
	n->held[n->n_held++] = m;
	neigh_stats.held++;
	if (n->state == N_FAILED) {
		n->state = N_INCOMPLETE;
		n->probes = 0;
	}
	if (n->probes == 0)
		neigh_probe(n, false);
}

void neigh_connected(uint32_t nh_id, struct rte_mbuf *m)
{
	const struct nh_info *info = nh_info_get(nh_id);
	struct pg_prefix host = {0};
	uint32_t id;

	if (!info || info->key.type != NH_CONNECTED) {
		rte_pktmbuf_free(m);
		neigh_stats.held_dropped++;
		return;
	}
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		host.ip.family = AF_INET;
		host.ip.v4 = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->dst_addr;
		host.len = 32;
	} else {
		host.ip.family = AF_INET6;
		memcpy(host.ip.v6, rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->dst_addr,
		       16);
		host.len = 128;
	}
	if (nh_direct_get(info->key.vrf, info->key.port, &host.ip, &id) < 0) {
		rte_pktmbuf_free(m);
		neigh_stats.held_dropped++;
		return;
	}
	if (!fib_route_find(info->key.vrf, &host)) {
		nh_ref(id);
		if (apply_route_add(info->key.vrf, &host, id, ROUTE_NEIGH) == 0) {
			struct neigh *n = neigh_find(info->key.port, &host.ip);
			now_cache = now_ms();
			if (!n && rte_hash_count(table) < NEIGH_MAX)
				n = neigh_create(info->key.port, &host.ip);
			if (n)
				n->host_route = true;
		}
	}
	neigh_hold(id, m);
	nh_put(id);
}

void neigh_tick(uint64_t unused)
{
	const void *k;
	void *d;
	uint32_t it = 0;
	struct neigh *gc[64];
	unsigned n_gc = 0;

	(void)unused;
	now_cache = now_ms();
	while (rte_hash_iterate(table, &k, &d, &it) >= 0) {
		struct neigh *n = d;
		if (n->state == N_PERMANENT || n->next_ms > now_cache)
			continue;
		switch (n->state) {
		case N_INCOMPLETE:
			if (n->probes >= NEIGH_PROBES) {
				n->state = N_FAILED;
				neigh_stats.failed++;
				held_free(n);
				n->next_ms = now_cache + NEIGH_FAILED_GC_MS;
			} else {
				neigh_probe(n, false);
			}
			break;
		case N_REACHABLE:
			n->state = N_PROBE;
			n->probes = 0;
			neigh_probe(n, true);
			break;
		case N_PROBE:
			if (n->probes >= NEIGH_PROBES) {
				n->state = N_FAILED;
				neigh_stats.failed++;
				neigh_changed(n->key.port, &n->ip, NULL);
				n->next_ms = now_cache + NEIGH_FAILED_GC_MS;
			} else {
				neigh_probe(n, n->probes < NEIGH_PROBES - 1);
			}
			break;
		case N_FAILED:
			if (n_gc < PG_ARRAY_SIZE(gc))
				gc[n_gc++] = n;
			break;
		case N_PERMANENT:
			break;
		}
	}
	for (unsigned i = 0; i < n_gc; i++)
		neigh_delete(gc[i]);
}

int neigh_walk(int (*cb)(const struct neigh_view *, void *), void *arg)
{
	const void *k;
	void *d;
	uint32_t it = 0;
	uint64_t now = now_ms();

	while (rte_hash_iterate(table, &k, &d, &it) >= 0) {
		const struct neigh *n = d;
		struct neigh_view v = {
		    .port = n->key.port,
		    .ip = n->ip,
		    .mac = n->mac,
		    .state = state_names[n->state],
		    .age_ms = (uint32_t)(now - n->updated_ms),
		    .held = n->n_held,
		};
		int ret = cb(&v, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Ports whose exception path is the kernel (exception: xdp): ARP and ND go to the port's own
 * Linux interface, so the kernel is the one that resolves. We ask it to (RTM_NEWNEIGH with
 * NTF_USE starts or refreshes resolution, RTM_GETNEIGH reads the entry back) and follow its
 * neighbour table (RTNLGRP_NEIGH): what it learns for entries we are resolving is published to
 * the next hops like a snooped ARP reply; a failed kernel entry fails ours.
 */
static struct mnl_socket *knl;
static uint32_t knl_seq;

static int port_of_ifindex(unsigned ifindex)
{
	for (unsigned i = 0; i < dp.n_ports; i++)
		if (dp.ports[i]->xdp_exc && dp.ports[i]->ifindex == ifindex)
			return (int)i;
	return -1;
}

static void knl_send(uint16_t type, uint16_t flags, uint8_t ndm_flags, unsigned ifindex,
		     const struct pg_ip *ip)
{
	char buf[128];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++knl_seq;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = ip ? ip->family : AF_UNSPEC;
	ndm->ndm_ifindex = (int)ifindex;
	ndm->ndm_flags = ndm_flags;
	if (ip)
		mnl_attr_put(nlh, NDA_DST, ip->family == AF_INET ? 4 : 16,
			     ip->family == AF_INET ? (const void *)&ip->v4 : (const void *)ip->v6);
	if (mnl_socket_sendto(knl, nlh, nlh->nlmsg_len) < 0)
		neigh_stats.kernel_errors++;
	else
		neigh_stats.kernel_requests++;
}

static void kernel_resolve(struct neigh *n)
{
	const struct dp_port *p = dp.ports[n->key.port];

	if (knl) {
		/* Have the kernel resolve or re-confirm the entry (the answer comes as an event),
		 * then read it back (answers at once when it is usable). In this order a FAILED
		 * entry of an earlier attempt is INCOMPLETE again before we read it. */
		knl_send(RTM_NEWNEIGH, NLM_F_CREATE, NTF_USE, p->ifindex, &n->ip);
		knl_send(RTM_GETNEIGH, 0, 0, p->ifindex, &n->ip);
	}
	n->probes++;
	n->next_ms = now_cache + NEIGH_RETRANS_MS;
}

static int knl_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, NDA_MAX) >= 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int knl_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[NDA_MAX + 1] = {0};
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	struct pg_ip ip = {0};
	int port;

	(void)arg;
	if (nlh->nlmsg_type != RTM_NEWNEIGH || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ndm)))
		return MNL_CB_OK;
	port = port_of_ifindex((unsigned)ndm->ndm_ifindex);
	if (port < 0 || (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ndm), knl_attr, tb);
	size_t alen = ndm->ndm_family == AF_INET ? 4 : 16;
	if (!tb[NDA_DST] || mnl_attr_get_payload_len(tb[NDA_DST]) != alen)
		return MNL_CB_OK;
	ip.family = ndm->ndm_family;
	memcpy(ip.family == AF_INET ? (void *)&ip.v4 : (void *)ip.v6,
	       mnl_attr_get_payload(tb[NDA_DST]), alen);
	if ((ndm->ndm_state &
	     (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)) &&
	    tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == 6) {
		neigh_stats.kernel_learned++;
		neigh_seen((uint16_t)port, &ip, mnl_attr_get_payload(tb[NDA_LLADDR]), false);
	} else if (ndm->ndm_state & NUD_FAILED) {
		struct neigh *n = neigh_find((uint16_t)port, &ip);
		if (n && n->state != N_PERMANENT && n->state != N_FAILED) {
			now_cache = now_ms();
			n->state = N_FAILED;
			neigh_stats.failed++;
			held_free(n);
			nh_neigh_update(n->key.port, &n->ip, NULL);
			n->next_ms = now_cache + NEIGH_FAILED_GC_MS;
		}
	}
	return MNL_CB_OK;
}

int neigh_kernel_open(void)
{
	bool any = false;

	for (unsigned i = 0; i < dp.n_ports; i++)
		any |= dp.ports[i]->xdp_exc;
	if (!any)
		return -1;
	knl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!knl || mnl_socket_bind(knl, RTMGRP_NEIGH, MNL_SOCKET_AUTOPID) < 0) {
		LOG_ERR("neighbour events from the kernel: %s", strerror(errno));
		if (knl)
			mnl_socket_close(knl);
		knl = NULL;
		return -1;
	}
	knl_send(RTM_GETNEIGH, NLM_F_DUMP, 0, 0, NULL);
	return mnl_socket_get_fd(knl);
}

void neigh_kernel_read(void)
{
	static char buf[32768];

	for (unsigned i = 0; knl && i < 64; i++) {
		ssize_t n = mnl_socket_recvfrom(knl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == ENOBUFS) { /* events lost: read the whole table again */
				neigh_stats.kernel_errors++;
				knl_send(RTM_GETNEIGH, NLM_F_DUMP, 0, 0, NULL);
				continue;
			}
			break;
		}
		/* Errors for our requests (a GET of an entry the kernel does not have) stop the
		 * walk of that datagram only: they come alone. */
		mnl_cb_run(buf, (size_t)n, 0, 0, knl_msg, NULL);
	}
}

void neigh_kernel_close(void)
{
	if (knl)
		mnl_socket_close(knl);
	knl = NULL;
}
