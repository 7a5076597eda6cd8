/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
/*
 * XDP program of an AF_XDP port whose exception path is the kernel itself (`exception: xdp`).
 *
 * The port's own Linux interface carries the router's addresses; this program leaves to the
 * kernel what the kernel terminates for the router — ARP, IPv6 neighbour discovery, link-local
 * and local-network multicast, and anything addressed to one of the port's addresses except
 * tunnel traffic (VXLAN to the configured UDP port, IPIP) — and redirects everything else to
 * Peregrine's AF_XDP socket of the receive queue (XDP_PASS when that queue has none).
 *
 * Maps filled by the control thread (found by name through the attached program):
 *   pg_local4: IPv4 address (network order) -> 1
 *   pg_local6: IPv6 address -> 1
 *   pg_cfg:    [0] = VXLAN UDP destination port (network order)
 * xsks_map is the name DPDK's af_xdp driver looks for and fills with its sockets.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} pg_local4 SEC(".maps");

struct in6_key {
	__u8 a[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct in6_key);
	__type(value, __u32);
} pg_local6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} pg_cfg SEC(".maps");

#define IPPROTO_ICMPV6_ 58

static __always_inline int to_peregrine(struct xdp_md *ctx)
{
	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
}

static __always_inline int ip4(struct xdp_md *ctx, void *l3, void *end)
{
	struct iphdr *ip = l3;
	__u32 zero = 0;

	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return to_peregrine(ctx);
	/* Limited broadcast and 224.0.0.0/24 (routing protocols, VRRP...) are link-local. */
	if (ip->daddr == 0xffffffff || (bpf_ntohl(ip->daddr) >> 8) == 0xe00000)
		return XDP_PASS;
	if (ip->protocol == IPPROTO_IPIP)
		return to_peregrine(ctx);
	if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = (void *)ip + ip->ihl * 4;
		__u32 *vxlan_port = bpf_map_lookup_elem(&pg_cfg, &zero);
		if ((void *)(udp + 1) <= end && vxlan_port && udp->dest == *vxlan_port)
			return to_peregrine(ctx);
	}
	if (bpf_map_lookup_elem(&pg_local4, &ip->daddr))
		return XDP_PASS;
	return to_peregrine(ctx);
}

static __always_inline int ip6(struct xdp_md *ctx, void *l3, void *end)
{
	struct ipv6hdr *ip = l3;

	if ((void *)(ip + 1) > end)
		return to_peregrine(ctx);
	if (ip->nexthdr == IPPROTO_ICMPV6_) {
		__u8 *type = (void *)(ip + 1);
		if ((void *)(type + 1) <= end && *type >= 133 && *type <= 137)
			return XDP_PASS; /* RS, RA, NS, NA, redirect */
	}
	/* ff02::/16 link-scope multicast and fe80::/10 link-local unicast. */
	if (ip->daddr.in6_u.u6_addr8[0] == 0xff && ip->daddr.in6_u.u6_addr8[1] == 0x02)
		return XDP_PASS;
	if (ip->daddr.in6_u.u6_addr8[0] == 0xfe && (ip->daddr.in6_u.u6_addr8[1] & 0xc0) == 0x80)
		return XDP_PASS;
	struct in6_key k;
	__builtin_memcpy(k.a, &ip->daddr, 16);
	if (bpf_map_lookup_elem(&pg_local6, &k))
		return XDP_PASS;
	return to_peregrine(ctx);
}

SEC("xdp")
int pg_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return to_peregrine(ctx);
	switch (eth->h_proto) {
	case bpf_htons(ETH_P_ARP):
		return XDP_PASS;
	case bpf_htons(ETH_P_IP):
		return ip4(ctx, eth + 1, end);
	case bpf_htons(ETH_P_IPV6):
		return ip6(ctx, eth + 1, end);
	default:
		return to_peregrine(ctx);
	}
}

char _license[] SEC("license") = "Dual BSD/GPL";
