/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_udp.h>

#include "fib.h"
#include "log.h"
#include "nexthop.h"
#include "vni.h"

/* Control-side state, control thread only. */
struct nh_ctl {
	struct nh_info info;
	bool used;
	bool resolved; /* DIRECT: mac is valid */
	struct pg_mac mac;
};

static struct nh_ctl *ctl;
static uint32_t *free_ids;
static uint32_t n_free;
static struct rte_hash *by_key;
static uint32_t blackhole_id;
static nh_neigh_lookup_fn neigh_lookup;

void nh_set_neigh_lookup(nh_neigh_lookup_fn fn)
{
	neigh_lookup = fn;
}
static unsigned seq;

static int nh_key_get(const struct nh_key *k, uint32_t *id);

static const char *const type_names[NH_TYPE_MAX] = {
    "none", "blackhole", "local", "connected", "direct", "vxlan", "ipip", "ecmp", "bridged",
};

const char *nh_type_name(uint8_t type)
{
	return type < NH_TYPE_MAX ? type_names[type] : "?";
}

static void nh_obj_free(void *p)
{
	free(p);
}

static void nh_id_release(void *p)
{
	free_ids[n_free++] = (uint32_t)(uintptr_t)p;
}

static void nh_publish(uint32_t id, struct nh *n)
{
	struct nh *old = dp.nh[id];

	rcu_assign_pointer(dp.nh[id], n);
	if (old)
		rcu_defer_free(nh_obj_free, old);
}

static struct nh *nh_alloc(void)
{
	struct nh *n = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*n));

	if (n)
		memset(n, 0, sizeof(*n));
	return n;
}

static void tmpl_eth(uint8_t *h, const struct pg_mac *dst, const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)h;

	if (dst)
		memcpy(&eth->dst_addr, dst, 6);
	else
		memset(&eth->dst_addr, 0, 6);
	rte_ether_addr_copy(src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
}

static uint16_t tmpl_ip4(uint8_t *h, uint8_t proto, uint32_t src, uint32_t dst)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)h;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip->hdr_checksum;
}

/* Build the worker object for id from the control state. */
static struct nh *nh_build(uint32_t id)
{
	struct nh_ctl *c = &ctl[id];
	const struct nh_key *k = &c->info.key;
	struct nh *n = nh_alloc();
	const struct dp_port *port;

	if (!n)
		return NULL;
	n->id = id;
	n->type = k->type;
	n->vrf = k->vrf;
	n->port = k->port;
	switch (k->type) {
	case NH_LOCAL:
	case NH_BLACKHOLE:
		break;
	case NH_CONNECTED:
	case NH_DIRECT:
		port = dp.ports[k->port];
		n->mtu = port->mtu;
		rte_ether_addr_copy(&port->mac, &n->eth.src);
		n->eth.type4 = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		if (k->type == NH_DIRECT && c->resolved) {
			memcpy(&n->eth.dst, &c->mac, 6);
			n->flags |= NH_F_RESOLVED;
		}
		if (k->type == NH_DIRECT && port->virt)
			n->type = NH_BD;
		else if (k->type == NH_DIRECT && c->resolved)
			n->fast4 = NH_FAST_DIRECT;
		break;
	case NH_VXLAN:
	case NH_IPIP: {
		uint32_t under = c->info.under;
		const struct nh_ctl *u = under ? &ctl[under] : NULL;
		uint32_t remote;
		struct rte_ether_addr zero_src = {0};

		memcpy(&remote, k->ip, 4);
		n->under = under;
		port = u ? dp.ports[u->info.key.port] : NULL;
		n->port = port ? port->index : 0;
		tmpl_eth(n->hdr, u && u->resolved ? &u->mac : NULL, port ? &port->mac : &zero_src);
		if (u && u->resolved)
			n->flags |= NH_F_RESOLVED;
		if (k->type == NH_IPIP) {
			n->mtu =
			    port ? port->mtu - 20 : UINT16_MAX; /* no underlay: dropped later */
			n->ip_csum =
			    tmpl_ip4(n->hdr + 14, IPPROTO_IPIP, atomic_load(&dp.vtep4), remote);
			n->ip_csum_hinv = (uint16_t)~rte_be_to_cpu_16(n->ip_csum);
			if (n->flags & NH_F_RESOLVED)
				n->fast4 = NH_FAST_IPIP;
			break;
		}
		int slot = vni_slot(k->vni);
		n->vni_idx = slot > 0 ? (uint16_t)slot : 0;
		n->mtu = port ? port->mtu - VXLAN_OVERHEAD : UINT16_MAX;
		n->ip_csum = tmpl_ip4(n->hdr + 14, IPPROTO_UDP, atomic_load(&dp.vtep4), remote);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(n->hdr + 34);
		udp->dst_port = atomic_load(&dp.vxlan_port);
		uint8_t *vx = n->hdr + 42;
		vx[0] = 0x08; /* I flag */
		vx[4] = (uint8_t)(k->vni >> 16);
		vx[5] = (uint8_t)(k->vni >> 8);
		vx[6] = (uint8_t)k->vni;
		memcpy(n->hdr + 50, &k->rmac, 6); /* inner dst: remote router MAC */
		rte_ether_addr_copy(&dp.vni_rmac[n->vni_idx],
				    (struct rte_ether_addr *)(n->hdr + 56));
		/* The inner type of IPv4 packets after the template: the fast path copies 64 bytes.
		 */
		n->hdr[NH_VXLAN_HDR_LEN] = RTE_ETHER_TYPE_IPV4 >> 8;
		n->hdr[NH_VXLAN_HDR_LEN + 1] = RTE_ETHER_TYPE_IPV4 & 0xff;
		n->ip_csum_hinv = (uint16_t)~rte_be_to_cpu_16(n->ip_csum);
		if (n->flags & NH_F_RESOLVED)
			n->fast4 = NH_FAST_VXLAN;
		break;
	}
	case NH_ECMP:
		n->n = k->n;
		memcpy(n->member, k->member, sizeof(n->member));
		break;
	}
	return n;
}

static int nh_rebuild(uint32_t id)
{
	struct nh *n = nh_build(id);

	if (!n)
		return -ENOMEM;
	nh_publish(id, n);
	return 0;
}

int nh_init(uint32_t max)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
	    .name = name,
	    .entries = max,
	    .key_len = sizeof(struct nh_key),
	    .hash_func = rte_jhash,
	    .socket_id = SOCKET_ID_ANY,
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	if (max < 16 || max > (1u << 24))
		return -EINVAL;
	dp.max_nh = max;
	dp.nh = calloc(max, sizeof(*dp.nh));
	ctl = calloc(max, sizeof(*ctl));
	free_ids = calloc(max, sizeof(*free_ids));
	snprintf(name, sizeof(name), "nhkey%u", seq++);
	by_key = rte_hash_create(&hp);
	if (!dp.nh || !ctl || !free_ids || !by_key) {
		nh_fini();
		return -ENOMEM;
	}
	/* Id 0 is "no route"; hand out low ids first. */
	n_free = 0;
	for (uint32_t id = max - 1; id >= 1; id--)
		free_ids[n_free++] = id;
	struct nh_key k = {.type = NH_BLACKHOLE};
	blackhole_id = 0;
	uint32_t id;
	if (nh_key_get(&k, &id) < 0)
		return -ENOMEM;
	blackhole_id = id; /* keeps its first reference forever */
	return 0;
}

void nh_fini(void)
{
	if (dp.nh) {
		for (uint32_t i = 0; i < dp.max_nh; i++)
			free(dp.nh[i]);
	}
	free(dp.nh);
	free(ctl);
	free(free_ids);
	rte_hash_free(by_key);
	dp.nh = NULL;
	ctl = NULL;
	free_ids = NULL;
	by_key = NULL;
	n_free = 0;
}

uint32_t nh_blackhole_id(void)
{
	return blackhole_id;
}

static void nh_resolve_tunnel(uint32_t id);

/* Find or create the next hop with this key; takes a reference. */
static int nh_key_get(const struct nh_key *k, uint32_t *id)
{
	void *data;

	if (rte_hash_lookup_data(by_key, k, &data) >= 0) {
		*id = (uint32_t)(uintptr_t)data;
		ctl[*id].info.refcnt++;
		return 0;
	}
	if (n_free == 0)
		return -ENOSPC;
	uint32_t nid = free_ids[--n_free];
	struct nh_ctl *c = &ctl[nid];
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->info.key = *k;
	c->info.refcnt = 1;
	if (rte_hash_add_key_data(by_key, k, (void *)(uintptr_t)nid) < 0) {
		free_ids[n_free++] = nid;
		c->used = false;
		return -ENOSPC;
	}
	if (k->type == NH_ECMP)
		for (unsigned i = 0; i < k->n; i++)
			nh_ref(k->member[i]);
	if (k->type == NH_DIRECT && neigh_lookup) {
		struct pg_ip ip = {.family = k->family};
		memcpy(k->family == AF_INET ? (void *)&ip.v4 : ip.v6, k->ip,
		       k->family == AF_INET ? 4 : 16);
		c->resolved = neigh_lookup(k->port, &ip, &c->mac);
	}
	if (k->type == NH_VXLAN || k->type == NH_IPIP) {
		uint32_t remote;
		memcpy(&remote, k->ip, 4);
		tun_ref(remote, k->type == NH_VXLAN ? TUN_F_VXLAN : TUN_F_IPIP, k->vrf, false);
		nh_resolve_tunnel(nid); /* publishes */
	} else if (nh_rebuild(nid) < 0) {
		nh_put(nid);
		return -ENOMEM;
	}
	*id = nid;
	return 0;
}

void nh_ref(uint32_t id)
{
	if (id && id < dp.max_nh && ctl[id].used)
		ctl[id].info.refcnt++;
}

void nh_put(uint32_t id)
{
	struct nh_ctl *c;

	if (id == 0 || id >= dp.max_nh || !ctl[id].used)
		return;
	c = &ctl[id];
	if (--c->info.refcnt > 0)
		return;
	struct nh_key k = c->info.key;
	rte_hash_del_key(by_key, &k);
	c->used = false;
	nh_publish(id, NULL);
	/* The id may still be in a worker's hands until a grace period passes. */
	rcu_defer_free(nh_id_release, (void *)(uintptr_t)id);
	if (k.type == NH_ECMP)
		for (unsigned i = 0; i < k.n; i++)
			nh_put(k.member[i]);
	if (k.type == NH_VXLAN || k.type == NH_IPIP) {
		uint32_t remote;
		memcpy(&remote, k.ip, 4);
		tun_unref(remote, k.type == NH_VXLAN ? TUN_F_VXLAN : TUN_F_IPIP);
		nh_put(c->info.under);
		c->info.under = 0;
	}
}

static void key_ip(struct nh_key *k, const struct pg_ip *ip)
{
	k->family = ip->family;
	if (ip->family == AF_INET)
		memcpy(k->ip, &ip->v4, 4);
	else
		memcpy(k->ip, ip->v6, 16);
}

int nh_local_get(uint16_t vrf, uint16_t port, uint32_t *id)
{
	struct nh_key k = {.type = NH_LOCAL, .vrf = vrf, .port = port};
	return nh_key_get(&k, id);
}

int nh_connected_get(uint16_t vrf, uint16_t port, uint32_t *id)
{
	struct nh_key k = {.type = NH_CONNECTED, .vrf = vrf, .port = port};
	return nh_key_get(&k, id);
}

int nh_direct_get(uint16_t vrf, uint16_t port, const struct pg_ip *gw, uint32_t *id)
{
	struct nh_key k = {.type = NH_DIRECT, .port = port};

	/* A neighbour lives on a port, and so in the port's VRF, whoever asks. */
	(void)vrf;
	if (port >= dp.n_ports)
		return -EINVAL;
	k.vrf = dp.ports[port]->vrf;
	key_ip(&k, gw);
	return nh_key_get(&k, id);
}

int nh_vxlan_get(uint16_t vrf, const struct pg_ip *remote, uint32_t vni, const struct pg_mac *rmac,
		 uint32_t *id)
{
	struct nh_key k = {.type = NH_VXLAN, .vrf = vrf, .vni = vni, .rmac = *rmac};

	if (remote->family != AF_INET)
		return -EAFNOSUPPORT;
	if (vni == 0 || vni_slot(vni) < 0)
		return -ENOENT;
	key_ip(&k, remote);
	return nh_key_get(&k, id);
}

int nh_ipip_get(uint16_t vrf, const struct pg_ip *remote, uint32_t *id)
{
	struct nh_key k = {.type = NH_IPIP, .vrf = vrf};

	if (remote->family != AF_INET)
		return -EAFNOSUPPORT;
	key_ip(&k, remote);
	return nh_key_get(&k, id);
}

int nh_ecmp_get(uint16_t vrf, const uint32_t *members, unsigned n, uint32_t *id)
{
	struct nh_key k = {.type = NH_ECMP, .vrf = vrf, .n = (uint16_t)n};

	if (n < 1 || n > PG_ECMP_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		uint8_t t = members[i] < dp.max_nh && ctl[members[i]].used
				? ctl[members[i]].info.key.type
				: NH_NONE;
		if (t != NH_DIRECT && t != NH_VXLAN && t != NH_IPIP)
			return -EINVAL;
		k.member[i] = members[i];
	}
	return nh_key_get(&k, id);
}

int nh_via_get(uint16_t vrf, const struct pg_ip *gw, int port, uint32_t *id)
{
	if (port < 0) {
		uint32_t c = fib_lookup_ctl(vrf, gw);
		if (c == 0 || !ctl[c].used)
			return -ENETUNREACH;
		const struct nh_key *ck = &ctl[c].info.key;
		if (ck->type == NH_CONNECTED)
			port = ck->port;
		else if (ck->type == NH_DIRECT && ck->family == gw->family &&
			 memcmp(ck->ip, gw->family == AF_INET ? (const void *)&gw->v4 : gw->v6,
				gw->family == AF_INET ? 4 : 16) == 0)
			port = ck->port;
		else
			return -ENETUNREACH;
	}
	return nh_direct_get(vrf, (uint16_t)port, gw, id);
}

/* Find the underlay DIRECT next hop for a tunnel endpoint in the default VRF (referenced). */
static uint32_t nh_underlay_get(const uint8_t *remote4)
{
	struct pg_ip ip = {.family = AF_INET};
	uint32_t c, id;

	memcpy(&ip.v4, remote4, 4);
	c = fib_lookup_ctl(PG_VRF_DEFAULT, &ip);
	if (c == 0 || !ctl[c].used)
		return 0;
	switch (ctl[c].info.key.type) {
	case NH_CONNECTED:
		if (nh_direct_get(PG_VRF_DEFAULT, ctl[c].info.key.port, &ip, &id) < 0)
			return 0;
		return id;
	case NH_DIRECT:
		nh_ref(c);
		return c;
	case NH_ECMP:
		/* Underlay ECMP for tunnels: first member for now (see docs/architecture.md). */
		if (ctl[ctl[c].info.key.member[0]].info.key.type == NH_DIRECT) {
			nh_ref(ctl[c].info.key.member[0]);
			return ctl[c].info.key.member[0];
		}
		return 0;
	default:
		return 0;
	}
}

static void nh_resolve_tunnel(uint32_t id)
{
	struct nh_ctl *c = &ctl[id];
	uint32_t old = c->info.under;
	uint32_t under = nh_underlay_get(c->info.key.ip);
	const struct nh *cur = dp.nh[id];

	c->info.under = under;
	/* Rebuild when the underlay next hop or its resolution state changed. */
	if (!cur || old != under ||
	    (under && !!(cur->flags & NH_F_RESOLVED) != ctl[under].resolved) ||
	    (under && ctl[under].resolved && memcmp(cur->hdr, &ctl[under].mac, 6) != 0))
		nh_rebuild(id);
	nh_put(old);
}

void nh_tunnels_refresh(void)
{
	for (uint32_t id = 1; id < dp.max_nh; id++) {
		if (!ctl[id].used)
			continue;
		uint8_t t = ctl[id].info.key.type;
		if (t == NH_VXLAN || t == NH_IPIP)
			nh_resolve_tunnel(id);
	}
}

void nh_neigh_update(uint16_t port, const struct pg_ip *ip, const struct pg_mac *mac)
{
	struct nh_key k = {.type = NH_DIRECT, .port = port};
	void *data;

	if (port >= dp.n_ports)
		return;
	k.vrf = dp.ports[port]->vrf;
	key_ip(&k, ip);
	if (rte_hash_lookup_data(by_key, &k, &data) < 0)
		return;
	uint32_t id = (uint32_t)(uintptr_t)data;
	struct nh_ctl *c = &ctl[id];
	bool changed = mac ? (!c->resolved || memcmp(&c->mac, mac, 6) != 0) : c->resolved;
	if (!changed)
		return;
	c->resolved = mac != NULL;
	if (mac)
		c->mac = *mac;
	nh_rebuild(id);
	nh_tunnels_refresh();
}

const struct nh_info *nh_info_get(uint32_t id)
{
	if (id == 0 || id >= dp.max_nh || !ctl[id].used)
		return NULL;
	return &ctl[id].info;
}

int nh_walk(int (*cb)(uint32_t id, const struct nh *, const struct nh_info *, void *), void *arg)
{
	for (uint32_t id = 1; id < dp.max_nh; id++) {
		if (!ctl[id].used || !dp.nh[id])
			continue;
		int ret = cb(id, dp.nh[id], &ctl[id].info, arg);
		if (ret)
			return ret;
	}
	return 0;
}
