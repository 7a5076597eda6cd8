/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Next hop, VNI and tunnel endpoint tables (dataplane/nexthop.c, dataplane/vni.c).
 *
 * Next hops: sharing by key and reference counts, freeing after the last reference with the id
 * held back until rcu_reclaim(), ECMP member references, nh_via_get (port from the connected
 * route), nh_neigh_update (a new immutable object with the neighbour's MAC), and tunnel next hops
 * resolved through the default VRF's FIB (underlay DIRECT next hop, header template).
 * VNI table: add/update/delete, worker-side vni_lookup, invalid VNIs, full table.
 * Tunnel endpoints: reference counts per encapsulation, worker-side tun_lookup.
 */
#include <stdatomic.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "dp_setup.h"
#include "fib.h"
#include "nexthop.h"
#include "unit.h"
#include "vni.h"

#define NH_MAX 256

static uint16_t p0, p1; /* net_null ports: p0 in VRF 0, p1 in VRF 1 */
static const char *const p0_mac = "02:00:00:00:00:a0";
static const char *const p1_mac = "02:00:00:00:00:a1";

static unsigned refcnt(uint32_t id)
{
	const struct nh_info *i = nh_info_get(id);
	return i ? i->refcnt : 0;
}

static bool mac_eq(const void *a, const char *text)
{
	struct pg_mac m = unit_mac(text);
	return memcmp(a, m.b, 6) == 0;
}

static int route_add(uint16_t vrf, const char *pfx, uint32_t nh)
{
	struct pg_prefix p = unit_prefix(pfx);
	uint32_t old;
	int ret = fib_route_add(vrf, &p, nh, ROUTE_STATIC, &old);

	fib_commit();
	return ret;
}

/* Delete a route and drop the reference it held. */
static int route_del(uint16_t vrf, const char *pfx)
{
	struct pg_prefix p = unit_prefix(pfx);
	uint32_t old;
	int ret = fib_route_del(vrf, &p, &old);

	fib_commit();
	nh_put(old);
	return ret;
}

static unsigned n_live_nh(void)
{
	unsigned n = 0;
	for (uint32_t id = 1; id < dp.max_nh; id++)
		n += nh_info_get(id) != NULL;
	return n;
}

static void test_basic(void)
{
	uint32_t a, b, c, d, e, f, g;
	struct pg_ip gw = unit_ip("10.0.0.2");

	printf("next hops: sharing and reference counts\n");
	uint32_t bh = nh_blackhole_id();
	CHECK(bh != 0 && nh_get(bh) && nh_get(bh)->type == NH_BLACKHOLE, "blackhole id %u", bh);
	CHECK(nh_get(0) == NULL, "id 0 must mean no next hop");

	CHECK_EQ(nh_local_get(0, p0, &a), 0);
	CHECK_EQ(nh_local_get(0, p0, &b), 0);
	CHECK_EQ(a, b);
	CHECK_EQ(refcnt(a), 2);
	CHECK_EQ(nh_local_get(1, p0, &c), 0); /* the VRF is part of the key */
	CHECK(c != a, "LOCAL next hops of two VRFs share id %u", a);
	const struct nh *n = nh_get(a);
	CHECK(n && n->type == NH_LOCAL && n->port == p0 && n->vrf == 0 && n->id == a,
	      "LOCAL next hop %u: type %d port %d", a, n ? n->type : -1, n ? n->port : -1);
	CHECK_EQ(nh_info_get(a)->key.type, NH_LOCAL);

	CHECK_EQ(nh_connected_get(0, p0, &d), 0);
	n = nh_get(d);
	CHECK(n && n->type == NH_CONNECTED && n->port == p0 && n->mtu == 1500 &&
		  mac_eq(&n->eth.src, p0_mac),
	      "CONNECTED next hop %u", d);

	CHECK_EQ(nh_direct_get(0, p0, &gw, &e), 0);
	CHECK_EQ(nh_direct_get(0, p0, &gw, &f), 0);
	CHECK_EQ(e, f);
	CHECK_EQ(refcnt(e), 2);
	struct pg_ip gw2 = unit_ip("10.0.0.3"), gw6 = unit_ip("fe80::2");
	CHECK_EQ(nh_direct_get(0, p0, &gw2, &g), 0);
	CHECK(g != e, "DIRECT next hops to two gateways share id %u", g);
	uint32_t h;
	CHECK_EQ(nh_direct_get(0, p0, &gw6, &h), 0);
	CHECK(h != e && h != g, "IPv6 gateway shares an id");
	uint32_t bad = 12345;
	CHECK_EQ(nh_direct_get(0, (uint16_t)dp.n_ports, &gw, &bad), -EINVAL);
	n = nh_get(e);
	CHECK(n && n->type == NH_DIRECT && n->port == p0 && n->vrf == 0 && n->id == e &&
		  n->mtu == 1500 && !(n->flags & NH_F_RESOLVED) && mac_eq(&n->eth.src, p0_mac) &&
		  mac_eq(&n->eth.dst, "00:00:00:00:00:00"),
	      "unresolved DIRECT next hop %u", e);
	const struct nh_info *info = nh_info_get(e);
	CHECK(info && info->key.type == NH_DIRECT && info->key.family == AF_INET &&
		  memcmp(info->key.ip, &gw.v4, 4) == 0 && info->key.port == p0,
	      "key of DIRECT next hop %u", e);

	/* release: the object goes after the last reference, its id only after a grace period */
	nh_put(e);
	CHECK_EQ(refcnt(e), 1);
	CHECK(nh_get(e) != NULL, "next hop %u gone with a reference left", e);
	rcu_reclaim();
	unsigned pending_before = rcu_pending();
	nh_put(e);
	CHECK(nh_info_get(e) == NULL, "next hop %u still known after the last nh_put", e);
	CHECK(nh_get(e) == NULL, "next hop %u still published after the last nh_put", e);
	CHECK(rcu_pending() > pending_before, "nothing deferred by the last nh_put (%u)",
	      rcu_pending());
	uint32_t fresh[8];
	bool reused = false;
	for (unsigned i = 0; i < 8; i++) {
		struct pg_ip x = unit_ip("10.0.1.0");
		x.v4 = htonl(ntohl(x.v4) + i);
		CHECK_EQ(nh_direct_get(0, p0, &x, &fresh[i]), 0);
		reused |= fresh[i] == e;
	}
	CHECK(!reused, "id %u handed out again before rcu_reclaim()", e);
	/* the key can be created again: a new id */
	uint32_t e2;
	CHECK_EQ(nh_direct_get(0, p0, &gw, &e2), 0);
	CHECK(e2 != e, "id %u reused before rcu_reclaim()", e);
	CHECK(rcu_reclaim() > 0, "rcu_reclaim() freed nothing");
	CHECK_EQ(rcu_pending(), 0);
	for (unsigned i = 0; i < 8; i++)
		nh_put(fresh[i]);
	nh_put(e2);

	/* harmless calls */
	nh_put(0);
	nh_put(dp.max_nh + 5);
	nh_put(e); /* already free */
	nh_ref(0);
	nh_ref(e); /* free: no effect */
	CHECK(nh_info_get(e) == NULL, "nh_ref brought a free next hop back");

	nh_put(a);
	nh_put(b);
	nh_put(c);
	nh_put(d);
	nh_put(g);
	nh_put(h);
	CHECK(refcnt(a) == 0 && refcnt(g) == 0, "references left");
	rcu_reclaim();
	CHECK_EQ(n_live_nh(), 1); /* the blackhole */
}

/* Every id can be used, and every id comes back after nh_put + rcu_reclaim (no leak). */
static void test_exhaustion(void)
{
	uint32_t *ids = calloc(NH_MAX, sizeof(*ids));
	unsigned n = 0, m = 0;
	int ret;

	printf("next hops: exhaustion and id recycling\n");
	for (;;) {
		struct pg_ip x = {.family = AF_INET, .v4 = htonl(0x0a640000u + n)};
		ret = nh_direct_get(0, p0, &x, &ids[n]);
		if (ret != 0)
			break;
		n++;
	}
	CHECK_EQ(ret, -ENOSPC);
	CHECK_EQ(n, NH_MAX - 2); /* id 0 and the blackhole */
	/* an existing key still works when the table is full */
	struct pg_ip x0 = {.family = AF_INET, .v4 = htonl(0x0a640000u)};
	uint32_t again;
	CHECK_EQ(nh_direct_get(0, p0, &x0, &again), 0);
	CHECK_EQ(again, ids[0]);
	nh_put(again);
	for (unsigned i = 0; i < n; i++)
		nh_put(ids[i]);
	/* not before the grace period */
	struct pg_ip y = {.family = AF_INET, .v4 = htonl(0x0a650000u)};
	uint32_t tmp;
	CHECK_EQ(nh_direct_get(0, p0, &y, &tmp), -ENOSPC);
	rcu_reclaim();
	for (;;) {
		struct pg_ip x = {.family = AF_INET, .v4 = htonl(0x0a650000u + m)};
		if (nh_direct_get(0, p0, &x, &ids[m]) != 0)
			break;
		m++;
	}
	CHECK(m == n, "%u ids after recycling, %u before", m, n);
	for (unsigned i = 0; i < m; i++)
		nh_put(ids[i]);
	rcu_reclaim();
	CHECK_EQ(n_live_nh(), 1);
	free(ids);
}

static void test_ecmp(void)
{
	struct pg_ip g1 = unit_ip("10.0.0.11"), g2 = unit_ip("10.0.0.12");
	uint32_t m1, m2, grp, grp2, loc, bad = 77;

	printf("next hops: ECMP groups\n");
	CHECK_EQ(nh_direct_get(0, p0, &g1, &m1), 0);
	CHECK_EQ(nh_direct_get(0, p0, &g2, &m2), 0);
	uint32_t mem[2] = {m1, m2};
	CHECK_EQ(nh_ecmp_get(0, mem, 2, &grp), 0);
	CHECK_EQ(refcnt(m1), 2);
	CHECK_EQ(refcnt(m2), 2);
	const struct nh *n = nh_get(grp);
	CHECK(n && n->type == NH_ECMP && n->n == 2 && n->member[0] == m1 && n->member[1] == m2,
	      "ECMP next hop %u", grp);
	CHECK_EQ(nh_ecmp_get(0, mem, 2, &grp2), 0);
	CHECK_EQ(grp2, grp);
	CHECK_EQ(refcnt(grp), 2);
	CHECK_EQ(refcnt(m1), 2); /* the group's references are taken once */

	/* members must be DIRECT, VXLAN or IPIP next hops that exist */
	CHECK_EQ(nh_local_get(0, p0, &loc), 0);
	uint32_t with_local[2] = {m1, loc};
	CHECK_EQ(nh_ecmp_get(0, with_local, 2, &bad), -EINVAL);
	uint32_t with_free[2] = {m1, NH_MAX - 1};
	CHECK_EQ(nh_ecmp_get(0, with_free, 2, &bad), -EINVAL);
	uint32_t with_big[2] = {m1, NH_MAX + 100};
	CHECK_EQ(nh_ecmp_get(0, with_big, 2, &bad), -EINVAL);
	uint32_t with_zero[2] = {m1, 0};
	CHECK_EQ(nh_ecmp_get(0, with_zero, 2, &bad), -EINVAL);
	uint32_t with_group[2] = {m1, grp};
	CHECK_EQ(nh_ecmp_get(0, with_group, 2, &bad), -EINVAL);
	CHECK_EQ(nh_ecmp_get(0, mem, 0, &bad), -EINVAL);
	uint32_t many[PG_ECMP_MAX + 1];
	for (unsigned i = 0; i <= PG_ECMP_MAX; i++)
		many[i] = m1;
	CHECK_EQ(nh_ecmp_get(0, many, PG_ECMP_MAX + 1, &bad), -EINVAL);
	uint32_t full;
	CHECK_EQ(nh_ecmp_get(0, many, PG_ECMP_MAX, &full), 0);
	CHECK_EQ(refcnt(m1), 2 + PG_ECMP_MAX);
	nh_put(full);
	CHECK_EQ(refcnt(m1), 2);
	CHECK_EQ(refcnt(m2), 2);

	/* the members live as long as the group */
	nh_put(m1);
	nh_put(m2);
	CHECK(nh_get(m1) != NULL && refcnt(m1) == 1, "member freed while its group holds it");
	nh_put(grp);
	CHECK(nh_get(grp) != NULL, "group freed with a reference left");
	nh_put(grp2);
	CHECK(nh_get(grp) == NULL && nh_info_get(grp) == NULL, "group %u not freed", grp);
	CHECK(nh_info_get(m1) == NULL && nh_info_get(m2) == NULL,
	      "members not freed with the group");
	nh_put(loc);
	rcu_reclaim();
	CHECK_EQ(n_live_nh(), 1);
}

static void test_via(void)
{
	uint32_t conn, conn6, v, v2, x, hostnh, via_nh;
	struct pg_ip gw;

	printf("next hops: nh_via_get\n");
	CHECK_EQ(nh_connected_get(0, p0, &conn), 0);
	CHECK_EQ(route_add(0, "10.0.0.0/24", conn), 0);
	gw = unit_ip("10.0.0.9");
	CHECK_EQ(nh_via_get(0, &gw, -1, &v), 0);
	const struct nh *n = nh_get(v);
	CHECK(n && n->type == NH_DIRECT && n->port == p0, "via 10.0.0.9: type %d port %d",
	      n ? n->type : -1, n ? n->port : -1);
	CHECK_EQ(nh_direct_get(0, p0, &gw, &v2), 0);
	CHECK_EQ(v2, v);
	nh_put(v2);

	gw = unit_ip("10.9.9.9");
	x = 4242;
	CHECK_EQ(nh_via_get(0, &gw, -1, &x), -ENETUNREACH);
	/* an explicit port needs no route */
	CHECK_EQ(nh_via_get(0, &gw, p1, &x), 0);
	n = nh_get(x);
	CHECK(n && n->type == NH_DIRECT && n->port == p1, "via 10.9.9.9 on p1");
	nh_put(x);
	/* no route in another VRF */
	gw = unit_ip("10.0.0.9");
	CHECK_EQ(nh_via_get(1, &gw, -1, &x), -ENETUNREACH);

	/* a gateway behind another router is not resolved recursively */
	CHECK_EQ(nh_via_get(0, &gw, -1, &via_nh), 0); /* 10.0.0.9 on p0 */
	CHECK_EQ(route_add(0, "10.1.0.0/16", via_nh), 0);
	gw = unit_ip("10.1.2.3");
	CHECK_EQ(nh_via_get(0, &gw, -1, &x), -ENETUNREACH);
	/* a host route to the gateway itself (as neighbour resolution installs) is fine */
	gw = unit_ip("10.5.5.5");
	CHECK_EQ(nh_direct_get(0, p1, &gw, &hostnh), 0);
	CHECK_EQ(route_add(0, "10.5.5.5/32", hostnh), 0);
	CHECK_EQ(nh_via_get(0, &gw, -1, &x), 0);
	CHECK_EQ(x, hostnh);
	CHECK(nh_get(x) && nh_get(x)->port == p1, "via the host route: port");
	nh_put(x);

	/* IPv6 */
	CHECK_EQ(nh_connected_get(0, p0, &conn6), 0);
	CHECK_EQ(conn6, conn);
	CHECK_EQ(route_add(0, "2001:db8:1::/64", conn6), 0);
	gw = unit_ip("2001:db8:1::5");
	CHECK_EQ(nh_via_get(0, &gw, -1, &x), 0);
	n = nh_get(x);
	const struct nh_info *info = nh_info_get(x);
	CHECK(n && n->type == NH_DIRECT && n->port == p0 && info && info->key.family == AF_INET6 &&
		  memcmp(info->key.ip, gw.v6, 16) == 0,
	      "via 2001:db8:1::5");
	nh_put(x);
	gw = unit_ip("2001:db8:2::5");
	CHECK_EQ(nh_via_get(0, &gw, -1, &x), -ENETUNREACH);

	CHECK_EQ(route_del(0, "2001:db8:1::/64"), 0);
	CHECK_EQ(route_del(0, "10.5.5.5/32"), 0);
	CHECK_EQ(route_del(0, "10.1.0.0/16"), 0);
	CHECK_EQ(route_del(0, "10.0.0.0/24"), 0);
	nh_put(v);
	rcu_reclaim();
	CHECK_EQ(n_live_nh(), 1);
	CHECK_EQ(fib_route_count(UINT16_MAX, 0), 0);
}

static bool fake_neigh(uint16_t port, const struct pg_ip *ip, struct pg_mac *mac)
{
	if (ip->family != AF_INET || (ntohl(ip->v4) & 0xffffff00u) != 0x0a070700u)
		return false; /* only 10.7.7.0/24 is known */
	*mac = unit_mac("02:77:00:00:00:00");
	mac->b[4] = (uint8_t)port;
	mac->b[5] = (uint8_t)ntohl(ip->v4);
	return true;
}

static void test_neigh(void)
{
	struct pg_ip gw = unit_ip("10.0.0.2"), other = unit_ip("10.0.0.3");
	struct pg_mac m1 = unit_mac("02:11:11:11:11:11"), m2 = unit_mac("02:22:22:22:22:22");
	uint32_t d, o;

	printf("next hops: neighbour updates\n");
	CHECK_EQ(nh_direct_get(0, p0, &gw, &d), 0);
	CHECK_EQ(nh_direct_get(0, p0, &other, &o), 0);
	const struct nh *before = nh_get(d), *other_before = nh_get(o);
	CHECK(before && !(before->flags & NH_F_RESOLVED), "new DIRECT next hop resolved");

	nh_neigh_update(p0, &gw, &m1);
	const struct nh *after = nh_get(d);
	CHECK(after != before, "published next hop modified in place (must be replaced)");
	CHECK(after && (after->flags & NH_F_RESOLVED) && memcmp(&after->eth.dst, m1.b, 6) == 0 &&
		  mac_eq(&after->eth.src, p0_mac) && after->id == d && after->port == p0 &&
		  after->type == NH_DIRECT,
	      "resolved DIRECT next hop %u", d);
	CHECK(nh_get(o) == other_before, "neighbour update touched another next hop");
	CHECK_EQ(refcnt(d), 1);
	/* same MAC again: nothing to do */
	nh_neigh_update(p0, &gw, &m1);
	CHECK(nh_get(d) == after, "unchanged neighbour rebuilt the next hop");
	/* new MAC */
	nh_neigh_update(p0, &gw, &m2);
	CHECK(nh_get(d) != after && nh_get(d) && memcmp(&nh_get(d)->eth.dst, m2.b, 6) == 0 &&
		  (nh_get(d)->flags & NH_F_RESOLVED),
	      "MAC change not applied");
	/* lost */
	nh_neigh_update(p0, &gw, NULL);
	CHECK(nh_get(d) && !(nh_get(d)->flags & NH_F_RESOLVED), "lost neighbour still resolved");
	/* learned again */
	nh_neigh_update(p0, &gw, &m1);
	CHECK(nh_get(d) && (nh_get(d)->flags & NH_F_RESOLVED) &&
		  memcmp(&nh_get(d)->eth.dst, m1.b, 6) == 0,
	      "relearned neighbour");
	/* unknown neighbours, other port, bad port: no effect, no crash */
	const struct nh *cur = nh_get(d);
	struct pg_ip unknown = unit_ip("10.0.0.99");
	nh_neigh_update(p0, &unknown, &m2);
	nh_neigh_update(p1, &gw, &m2);
	nh_neigh_update((uint16_t)dp.n_ports, &gw, &m2);
	nh_neigh_update(UINT16_MAX, &gw, NULL);
	CHECK(nh_get(d) == cur, "update for another neighbour changed next hop %u", d);
	rcu_reclaim();
	nh_put(d);
	nh_put(o);

	/* the neighbour table is asked when a DIRECT next hop is created */
	nh_set_neigh_lookup(fake_neigh);
	struct pg_ip known = unit_ip("10.7.7.7");
	uint32_t k, u;
	CHECK_EQ(nh_direct_get(0, p0, &known, &k), 0);
	CHECK(nh_get(k) && (nh_get(k)->flags & NH_F_RESOLVED) &&
		  mac_eq(&nh_get(k)->eth.dst, "02:77:00:00:00:07"),
	      "DIRECT next hop to a known neighbour not resolved at creation");
	CHECK(nh_get(k) && nh_get(k)->fast4 == NH_FAST_DIRECT &&
		  nh_get(k)->eth.type4 == htons(RTE_ETHER_TYPE_IPV4),
	      "resolved DIRECT next hop: fast kind %d", nh_get(k) ? nh_get(k)->fast4 : -1);
	CHECK_EQ(nh_direct_get(0, p0, &gw, &u), 0);
	CHECK(nh_get(u) && !(nh_get(u)->flags & NH_F_RESOLVED), "unknown neighbour resolved");
	CHECK(nh_get(u) && nh_get(u)->fast4 == NH_FAST_NONE, "unresolved DIRECT next hop is fast");
	nh_set_neigh_lookup(NULL);
	nh_put(k);
	nh_put(u);
	rcu_reclaim();
	CHECK_EQ(n_live_nh(), 1);
}

/* The tunnel template: outer Ethernet + IPv4 (+ UDP + VXLAN + inner MACs). */
static void check_template(uint32_t id, uint8_t proto, const char *remote, const char *dmac,
			   uint32_t vni, const char *inner_dmac, const struct pg_mac *inner_smac)
{
	const struct nh *n = nh_get(id);
	uint32_t vtep = atomic_load(&dp.vtep4);

	if (!n) {
		CHECK(n != NULL, "next hop %u missing", id);
		return;
	}
	const uint8_t *h = n->hdr;
	CHECK(mac_eq(h, dmac), "template %u: outer destination MAC", id);
	CHECK(memcmp(h + 6, &dp.ports[n->port]->mac, 6) == 0, "template %u: outer source MAC", id);
	CHECK(h[12] == 0x08 && h[13] == 0x00, "template %u: ethertype %02x%02x", id, h[12], h[13]);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(h + 14);
	CHECK_EQX(ip->version_ihl, 0x45);
	CHECK_EQX(ip->type_of_service, 0);
	CHECK_EQX(ip->total_length, 0);
	CHECK_EQX(ip->fragment_offset, htons(RTE_IPV4_HDR_DF_FLAG));
	CHECK_EQ(ip->time_to_live, 64);
	CHECK_EQ(ip->next_proto_id, proto);
	CHECK_EQX(ip->src_addr, vtep);
	CHECK_EQX(ip->dst_addr, unit_ip4(remote));
	CHECK_EQX(ip->hdr_checksum, n->ip_csum);
	struct rte_ipv4_hdr copy = *ip;
	copy.hdr_checksum = 0;
	CHECK_EQX(n->ip_csum, rte_ipv4_cksum(&copy));
	CHECK_EQX(n->ip_csum_hinv, (uint16_t)~ntohs(n->ip_csum));
	CHECK_EQ(n->fast4, !(n->flags & NH_F_RESOLVED) ? NH_FAST_NONE
			   : proto == IPPROTO_UDP      ? NH_FAST_VXLAN
						       : NH_FAST_IPIP);
	if (proto != IPPROTO_UDP)
		return;
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(h + 34);
	CHECK_EQX(udp->dst_port, htons(4789));
	CHECK_EQX(udp->dgram_cksum, 0);
	const uint8_t *vx = h + 42;
	uint8_t want_vx[8] = {0x08,	    0, 0, 0, (uint8_t)(vni >> 16), (uint8_t)(vni >> 8),
			      (uint8_t)vni, 0};
	CHECK_MEM(vx, want_vx, 8, "VXLAN header in the template");
	CHECK(mac_eq(h + 50, inner_dmac), "template %u: inner destination MAC", id);
	CHECK(memcmp(h + 56, inner_smac->b, 6) == 0, "template %u: inner source MAC", id);
	CHECK(h[62] == 0x08 && h[63] == 0x00, "template %u: IPv4 inner type after the template",
	      id);
}

static void test_tunnels(void)
{
	struct pg_mac our_rmac = unit_mac("02:50:47:00:13:88"),
		      rmac = unit_mac("02:aa:00:00:00:02");
	struct pg_ip r2 = unit_ip("192.168.0.2"), r3 = unit_ip("192.168.0.3");
	struct pg_ip r6 = unit_ip("2001:db8::2");
	uint32_t vx, vx_again, ip3, conn, flags;
	uint16_t tvrf;

	printf("next hops: tunnels and their underlay\n");
	atomic_store(&dp.vtep4, unit_ip4("192.168.0.1"));
	int slot = vni_add(5000, 1, &our_rmac);
	CHECK(slot > 0, "vni_add(5000) = %d", slot);

	CHECK_EQ(nh_vxlan_get(1, &r6, 5000, &rmac, &vx), -EAFNOSUPPORT);
	CHECK_EQ(nh_vxlan_get(1, &r2, 6000, &rmac, &vx), -ENOENT); /* VNI not configured */
	CHECK_EQ(nh_ipip_get(1, &r6, &vx), -EAFNOSUPPORT);

	/* no underlay route yet */
	CHECK_EQ(nh_vxlan_get(1, &r2, 5000, &rmac, &vx), 0);
	const struct nh *n = nh_get(vx);
	CHECK(n && n->type == NH_VXLAN && !(n->flags & NH_F_RESOLVED) && n->under == 0 &&
		  n->vrf == 1 && n->vni_idx == slot,
	      "VXLAN next hop without underlay: flags %d under %u", n ? n->flags : -1,
	      n ? n->under : 0);
	CHECK_EQ(nh_info_get(vx)->under, 0);
	CHECK_EQ(nh_vxlan_get(1, &r2, 5000, &rmac, &vx_again), 0);
	CHECK_EQ(vx_again, vx);
	nh_put(vx_again);
	CHECK(tun_lookup(r2.v4, &flags, &tvrf) == 0 && flags == TUN_F_VXLAN,
	      "tunnel endpoint of the VXLAN next hop: flags %u", flags);

	/* connected underlay route: an underlay DIRECT next hop, not yet resolved */
	CHECK_EQ(nh_connected_get(0, p0, &conn), 0);
	CHECK_EQ(route_add(0, "192.168.0.0/24", conn), 0);
	nh_tunnels_refresh();
	n = nh_get(vx);
	uint32_t under = n ? n->under : 0;
	CHECK(n && under != 0 && !(n->flags & NH_F_RESOLVED) && n->port == p0 &&
		  n->mtu == 1500 - VXLAN_OVERHEAD,
	      "VXLAN next hop with an unresolved underlay: under %u flags %d mtu %d", under,
	      n ? n->flags : -1, n ? n->mtu : -1);
	CHECK_EQ(nh_info_get(vx)->under, under);
	const struct nh *u = nh_get(under);
	const struct nh_info *ui = nh_info_get(under);
	CHECK(u && u->type == NH_DIRECT && u->port == p0 && u->vrf == 0 && ui &&
		  memcmp(ui->key.ip, &r2.v4, 4) == 0 && !(u->flags & NH_F_RESOLVED),
	      "underlay next hop %u", under);
	CHECK_EQ(refcnt(under), 1); /* held by the tunnel */

	/* the neighbour answers */
	nh_neigh_update(p0, &r2, &(struct pg_mac){{0x02, 0xbb, 0, 0, 0, 0x02}});
	n = nh_get(vx);
	CHECK(n && (n->flags & NH_F_RESOLVED) && n->under == under,
	      "VXLAN next hop after the underlay neighbour resolved: flags %d", n ? n->flags : -1);
	check_template(vx, IPPROTO_UDP, "192.168.0.2", "02:bb:00:00:00:02", 5000,
		       "02:aa:00:00:00:02", &our_rmac);
	CHECK(memcmp(&dp.vni_rmac[slot], our_rmac.b, 6) == 0, "router MAC of VNI slot %d", slot);

	/* IPIP */
	CHECK_EQ(nh_ipip_get(1, &r3, &ip3), 0);
	n = nh_get(ip3);
	CHECK(n && n->type == NH_IPIP && n->under && !(n->flags & NH_F_RESOLVED) &&
		  n->mtu == 1500 - 20,
	      "IPIP next hop before its neighbour resolved");
	CHECK(tun_lookup(r3.v4, &flags, &tvrf) == 0 && flags == TUN_F_IPIP && tvrf == 1,
	      "IPIP tunnel endpoint: flags %u vrf %u", flags, tvrf);
	nh_neigh_update(p0, &r3, &(struct pg_mac){{0x02, 0xbb, 0, 0, 0, 0x03}});
	CHECK(nh_get(ip3) && (nh_get(ip3)->flags & NH_F_RESOLVED), "IPIP next hop resolved");
	check_template(ip3, IPPROTO_IPIP, "192.168.0.3", "02:bb:00:00:00:03", 0, NULL, NULL);
	uint32_t under3 = nh_get(ip3) ? nh_get(ip3)->under : 0;

	/* the underlay route goes: both tunnels unresolved, their underlay next hops freed */
	CHECK_EQ(route_del(0, "192.168.0.0/24"), 0);
	nh_tunnels_refresh();
	n = nh_get(vx);
	CHECK(n && !(n->flags & NH_F_RESOLVED) && n->under == 0,
	      "VXLAN next hop after its underlay route was deleted: flags %d under %u",
	      n ? n->flags : -1, n ? n->under : 0);
	CHECK_EQ(nh_info_get(vx)->under, 0);
	CHECK(nh_get(ip3) && !(nh_get(ip3)->flags & NH_F_RESOLVED) && nh_get(ip3)->under == 0,
	      "IPIP next hop after its underlay route was deleted");
	CHECK(nh_info_get(under) == NULL && nh_info_get(under3) == NULL,
	      "underlay next hops %u/%u not released", under, under3);

	/* a /32 underlay route via a DIRECT next hop is used as is */
	uint32_t d2;
	CHECK_EQ(nh_direct_get(0, p0, &r2, &d2), 0);
	CHECK_EQ(route_add(0, "192.168.0.2/32", d2), 0);
	nh_tunnels_refresh();
	CHECK(nh_get(vx) && nh_get(vx)->under == d2 && nh_get(vx)->port == p0 &&
		  !(nh_get(vx)->flags & NH_F_RESOLVED),
	      "VXLAN next hop over a host route: under %u", nh_get(vx) ? nh_get(vx)->under : 0);
	CHECK_EQ(refcnt(d2), 2); /* the route and the tunnel */
	/* the neighbour becomes known: nh_neigh_update refreshes the tunnels itself */
	nh_neigh_update(p0, &r2, &(struct pg_mac){{0x02, 0xcc, 0, 0, 0, 0x02}});
	CHECK(nh_get(vx) && (nh_get(vx)->flags & NH_F_RESOLVED),
	      "VXLAN over a host route resolved");
	check_template(vx, IPPROTO_UDP, "192.168.0.2", "02:cc:00:00:00:02", 5000,
		       "02:aa:00:00:00:02", &our_rmac);
	CHECK_EQ(route_del(0, "192.168.0.2/32"), 0);
	nh_tunnels_refresh();
	CHECK(nh_info_get(d2) == NULL, "underlay DIRECT next hop %u leaked", d2);
	CHECK(nh_get(vx) && nh_get(vx)->under == 0, "VXLAN next hop still on a deleted underlay");

	/* releasing the tunnels releases their endpoints */
	nh_put(vx);
	CHECK(tun_lookup(r2.v4, &flags, &tvrf) < 0, "VXLAN endpoint left after its last next hop");
	nh_put(ip3);
	CHECK(tun_lookup(r3.v4, &flags, &tvrf) < 0, "IPIP endpoint left after its last next hop");
	CHECK_EQ(vni_del(5000), 0);
	rcu_reclaim();
	CHECK_EQ(n_live_nh(), 1);
	CHECK_EQ(fib_route_count(UINT16_MAX, 0), 0);
}

static void test_vni(void)
{
	struct pg_mac m = unit_mac("02:00:00:00:01:00"), m2 = unit_mac("02:00:00:00:02:00");
	uint16_t vrf = 0, slot = 0;

	printf("VNI table\n");
	int s = vni_add(100, 3, &m);
	CHECK(s > 0 && s < PG_MAX_VNIS, "vni_add(100) = %d", s);
	CHECK_EQ(vni_slot(100), s);
	CHECK(vni_lookup(100, &vrf, &slot) == 0 && vrf == 3 && slot == s,
	      "vni_lookup(100): vrf %u slot %u", vrf, slot);
	CHECK_EQ(vni_of_slot((unsigned)s), 100);
	CHECK_EQ(vni_vrf_of_slot((unsigned)s), 3);
	CHECK(memcmp(&dp.vni_rmac[s], m.b, 6) == 0, "router MAC of slot %d", s);
	/* update in place */
	CHECK_EQ(vni_add(100, 4, &m2), s);
	CHECK(vni_lookup(100, &vrf, &slot) == 0 && vrf == 4 && slot == s, "updated VNI: vrf %u",
	      vrf);
	CHECK(memcmp(&dp.vni_rmac[s], m2.b, 6) == 0, "router MAC of slot %d not updated", s);
	CHECK(vni_lookup(101, &vrf, &slot) < 0, "unknown VNI 101 found");
	/* delete */
	CHECK_EQ(vni_del(100), 0);
	CHECK(vni_lookup(100, &vrf, &slot) < 0, "deleted VNI still found by workers");
	CHECK_EQ(vni_slot(100), -ENOENT);
	CHECK_EQ(vni_of_slot((unsigned)s), 0);
	CHECK_EQ(vni_del(100), -ENOENT);
	CHECK_EQ(vni_of_slot(PG_MAX_VNIS + 3), 0);

	/* invalid VNIs */
	CHECK_EQ(vni_add(0, 1, &m), -EINVAL);
	CHECK_EQ(vni_add(1u << 24, 1, &m), -EINVAL);
	CHECK_EQ(vni_add(UINT32_MAX, 1, &m), -EINVAL);
	vrf = slot = 77;
	CHECK(vni_lookup(0, &vrf, &slot) < 0,
	      "worker-side vni_lookup(0) finds VNI 0 (vrf %u slot %u): u32map_lookup matches the "
	      "empty "
	      "slots' key 0",
	      vrf, slot);
	int s0 = vni_slot(0);
	CHECK(s0 == -ENOENT, "vni_slot(0) = %d: VNI 0 does not exist (a free slot has VNI 0)", s0);
	int d0 = vni_del(0);
	CHECK(d0 == -ENOENT || d0 == -EINVAL, "vni_del(0) = %d for a VNI that cannot exist", d0);
	struct pg_ip r = unit_ip("192.168.9.9");
	uint32_t id = 0;
	int v0 = nh_vxlan_get(1, &r, 0, &m, &id);
	CHECK(v0 < 0, "nh_vxlan_get with VNI 0 = %d (next hop %u)", v0, id);
	if (v0 == 0)
		nh_put(id);
	int top = vni_add(0xffffff, 1, &m);
	CHECK(top > 0, "vni_add(0xffffff) = %d", top);
	CHECK(vni_lookup(0xffffff, &vrf, &slot) == 0 && slot == top, "VNI 0xffffff");
	CHECK_EQ(vni_del(0xffffff), 0);

	/* full table: slots 1..PG_MAX_VNIS-1 */
	unsigned n = 0;
	int ret;
	for (;;) {
		ret = vni_add(200000 + n, (uint16_t)(n % 7), &m);
		if (ret < 0)
			break;
		n++;
		if (n > PG_MAX_VNIS + 5)
			break;
	}
	CHECK_EQ(ret, -ENOSPC);
	CHECK_EQ(n, PG_MAX_VNIS - 1);
	unsigned bad = 0;
	for (unsigned i = 0; i < n; i++) {
		if (vni_lookup(200000 + i, &vrf, &slot) != 0 || vrf != i % 7 ||
		    vni_of_slot(slot) != 200000 + i)
			bad++;
	}
	CHECK(bad == 0, "%u of %u VNIs wrong in a full table", bad, n);
	/* an existing VNI can still be updated when full */
	CHECK(vni_add(200000, 9, &m) > 0, "update in a full table");
	/* delete one, add another */
	CHECK_EQ(vni_del(200005), 0);
	CHECK(vni_add(999999, 2, &m) > 0, "add after a delete in a full table");
	CHECK(vni_lookup(999999, &vrf, &slot) == 0 && vrf == 2, "VNI added in the freed slot");
	CHECK_EQ(vni_del(999999), 0);
	for (unsigned i = 0; i < n; i++)
		if (i != 5 && vni_del(200000 + i) != 0)
			bad++;
	CHECK(bad == 0, "deleting the VNIs failed");
	/* churn: delete and re-add many times (hash key slots are recycled through RCU) */
	for (unsigned round = 0; round < 20; round++) {
		for (unsigned i = 0; i < 500; i++)
			if (vni_add(300000 + round * 1000 + i, 1, &m) < 0)
				bad++;
		for (unsigned i = 0; i < 500; i++)
			if (vni_lookup(300000 + round * 1000 + i, &vrf, &slot) != 0)
				bad++;
		for (unsigned i = 0; i < 500; i++)
			if (vni_del(300000 + round * 1000 + i) != 0)
				bad++;
	}
	CHECK(bad == 0, "%u failures while churning the VNI table", bad);
	for (unsigned s2 = 1; s2 < PG_MAX_VNIS; s2++)
		if (vni_of_slot(s2) != 0)
			bad++;
	CHECK(bad == 0, "%u slots still used", bad);
}

static int walk_cb(uint32_t remote, uint32_t flags, uint16_t vrf, void *arg)
{
	unsigned *n = arg;
	(void)vrf;
	if (remote == unit_ip4("198.51.100.1"))
		CHECK_EQ(flags, TUN_F_VXLAN | TUN_F_IPIP);
	(*n)++;
	return 0;
}

static void test_tun(void)
{
	uint32_t r = unit_ip4("198.51.100.1"), r2 = unit_ip4("198.51.100.2"), flags = 0;
	uint16_t vrf = 0;

	printf("tunnel endpoint table\n");
	CHECK(tun_lookup(r, &flags, &vrf) < 0, "unknown endpoint found");
	CHECK_EQ(tun_ref(r, TUN_F_VXLAN, 0, false), 0);
	CHECK_EQ(tun_ref(r, TUN_F_VXLAN, 0, false), 0);
	CHECK(tun_lookup(r, &flags, &vrf) == 0 && flags == TUN_F_VXLAN, "flags %u", flags);
	CHECK_EQ(tun_ref(r, TUN_F_IPIP, 7, false), 0);
	CHECK(tun_lookup(r, &flags, &vrf) == 0 && flags == (TUN_F_VXLAN | TUN_F_IPIP) && vrf == 7,
	      "flags %u vrf %u", flags, vrf);
	CHECK_EQ(tun_ref(r2, TUN_F_IPIP, 3, false), 0);
	unsigned n = 0;
	tun_walk(walk_cb, &n);
	CHECK_EQ(n, 2);
	tun_unref(r, TUN_F_VXLAN);
	CHECK(tun_lookup(r, &flags, &vrf) == 0 && flags == (TUN_F_VXLAN | TUN_F_IPIP),
	      "one VXLAN reference left: flags %u", flags);
	tun_unref(r, TUN_F_VXLAN);
	CHECK(tun_lookup(r, &flags, &vrf) == 0 && flags == TUN_F_IPIP && vrf == 7,
	      "VXLAN references gone: flags %u vrf %u", flags, vrf);
	tun_unref(r, TUN_F_VXLAN); /* one too many: ignored */
	CHECK(tun_lookup(r, &flags, &vrf) == 0 && flags == TUN_F_IPIP, "extra unref: flags %u",
	      flags);
	tun_unref(r, TUN_F_IPIP);
	CHECK(tun_lookup(r, &flags, &vrf) < 0, "endpoint left without references");
	tun_unref(r, TUN_F_IPIP);
	tun_unref(unit_ip4("203.0.113.1"), TUN_F_VXLAN); /* unknown: no effect */
	CHECK(tun_lookup(r2, &flags, &vrf) == 0 && flags == TUN_F_IPIP && vrf == 3,
	      "other endpoint");
	/* IPIP VRF: the first next hop's VRF, unless a configured tunnel gives one explicitly */
	CHECK_EQ(tun_ref(r2, TUN_F_IPIP, 4, false), 0);
	CHECK(tun_lookup(r2, &flags, &vrf) == 0 && vrf == 3, "second next hop changed the VRF: %u",
	      vrf);
	CHECK_EQ(tun_ref(r2, TUN_F_IPIP, 5, true), 0);
	CHECK(tun_lookup(r2, &flags, &vrf) == 0 && vrf == 5, "explicit VRF not applied: %u", vrf);
	CHECK_EQ(tun_ref(r2, TUN_F_IPIP, 6, false), 0);
	CHECK(tun_lookup(r2, &flags, &vrf) == 0 && vrf == 5,
	      "next hop overrode the explicit VRF: %u", vrf);
	for (int i = 0; i < 4; i++)
		tun_unref(r2, TUN_F_IPIP);
	CHECK(tun_lookup(r2, &flags, &vrf) < 0, "endpoint left after the last IPIP reference");
	CHECK_EQ(tun_ref(r2, TUN_F_IPIP, 8, false), 0);
	CHECK(tun_lookup(r2, &flags, &vrf) == 0 && vrf == 8,
	      "explicit VRF outlived its references: %u", vrf);
	tun_unref(r2, TUN_F_IPIP);
	/* the worker-side table has no entry for 0.0.0.0 */
	CHECK(tun_lookup(0, &flags, &vrf) < 0,
	      "tun_lookup(0.0.0.0) found an entry: flags %u vrf %u", flags, vrf);
	n = 0;
	tun_walk(walk_cb, &n);
	CHECK_EQ(n, 0);
	/* many endpoints, churned */
	unsigned bad = 0;
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned i = 0; i < 3000; i++)
			if (tun_ref(htonl(0x0b000000u + i), TUN_F_VXLAN, 0, false) != 0)
				bad++;
		for (unsigned i = 0; i < 3000; i++)
			if (tun_lookup(htonl(0x0b000000u + i), &flags, &vrf) != 0 ||
			    flags != TUN_F_VXLAN)
				bad++;
		for (unsigned i = 0; i < 3000; i++)
			tun_unref(htonl(0x0b000000u + i), TUN_F_VXLAN);
		for (unsigned i = 0; i < 3000; i += 97)
			if (tun_lookup(htonl(0x0b000000u + i), &flags, &vrf) == 0)
				bad++;
	}
	CHECK(bad == 0, "%u failures with 3000 endpoints", bad);
}

int main(void)
{
	if (unit_eal_init() < 0)
		return 1;
	unit_seed("test_tables");
	struct dp_init_conf dc = {
	    .mbufs = 1023,
	    .max_routes4 = 1024,
	    .tbl8_groups = 256,
	    .max_routes6 = 1024,
	    .punt_rate_pps = 1000,
	    .punt_burst = 100,
	};
	CHECK_EQ(dp_init(&dc), 0);
	CHECK_EQ(fib_init(4096), 0);
	fib_set_nh_release(nh_put);
	CHECK_EQ(nh_init(NH_MAX), 0);
	CHECK_EQ(vni_init(), 0);
	int i0 = unit_port_add("p0", "net_null0", p0_mac, 1500, 0);
	int i1 = unit_port_add("p1", "net_null1", p1_mac, 9000, 1);
	CHECK(i0 >= 0 && i1 >= 0, "ports: %d %d", i0, i1);
	p0 = (uint16_t)i0;
	p1 = (uint16_t)i1;
	CHECK_EQ(fib_vrf_create(0, "default", 1024, 256, 1024), 0);
	CHECK_EQ(fib_vrf_create(1, "red", 1024, 256, 1024), 0);
	if (unit_failures)
		return unit_done("test_tables");
	CHECK(mac_eq(&dp.ports[p0]->mac, p0_mac), "port MAC");

	if (unit_selected("basic"))
		test_basic();
	if (unit_selected("exhaustion"))
		test_exhaustion();
	if (unit_selected("ecmp"))
		test_ecmp();
	if (unit_selected("via"))
		test_via();
	if (unit_selected("neigh"))
		test_neigh();
	if (unit_selected("tunnels"))
		test_tunnels();
	if (unit_selected("vni"))
		test_vni();
	if (unit_selected("tun"))
		test_tun();

	fib_vrf_destroy(0);
	fib_vrf_destroy(1);
	rcu_reclaim();
	fib_fini();
	nh_fini();
	vni_fini();
	dp_ports_stop();
	dp_fini();
	return unit_done("test_tables");
}
