/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * The effective configuration: what config_load() builds from YAML, fully validated (every name
 * reference resolved, every value in range), with defaults filled in. The control thread applies
 * it to the tables; nothing else reads the YAML.
 *
 * YAML: one or more documents; the one with `kind: Peregrine` carries `spec:` (see
 * docs/config.md). Every struct keeps the line of the YAML node it came from so later checks can
 * say file:line.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

#define CFG_MAX_LOOPBACKS 16
#define PG_NAME_MAX	  32
#define PG_IFNAME_MAX	  16 /* Linux IFNAMSIZ */
#define PG_DEVSPEC_MAX	  256
#define PG_PATH_MAX	  256
#define PG_ECMP_MAX	  16
#define PG_VRF_DEFAULT	  0
#define PG_MAX_PORTS	  32
#define PG_MAX_VRFS	  256
#define PG_MAX_VNIS	  1024
#define PG_MAX_ADDRS	  16
#define PG_VXLAN_PORT	  4789

enum cfg_hugepages { CFG_HUGE_AUTO = 0, CFG_HUGE_ON, CFG_HUGE_OFF };

/* Where a port's control traffic (ARP/ND, ICMP and TCP to the router) is terminated. */
enum cfg_exc_kind {
	CFG_EXC_AUTO = 0, /* driver auto: XDP if the port attaches with AF_XDP, else TAP */
	CFG_EXC_TAP,	  /* a TAP per port, fed by the workers' punt rings */
	CFG_EXC_XDP,	  /* the port's own interface, behind Peregrine's XDP program (AF_XDP) */
};

/* How a Linux interface name is attached. */
enum cfg_driver { CFG_DRIVER_AUTO = 0, CFG_DRIVER_AF_PACKET, CFG_DRIVER_AF_XDP, CFG_DRIVER_PCAP };

struct cfg_port {
	int line;
	char name[PG_NAME_MAX]; /* our name for the port, unique */
	char
	    device[PG_DEVSPEC_MAX]; /* Linux ifname, vdev devargs ("net_pcap0,rx_pcap=..") or PCI */
	enum cfg_driver driver;	    /* only for Linux interface names */
	bool has_mac;
	struct pg_mac mac; /* override; default: the device's MAC */
	uint16_t mtu;	   /* L3 MTU, default 1500 */
	uint16_t vrf;	   /* index into cfg.vrfs (0 = default) */
	unsigned n_addrs;
	struct pg_prefix addrs[PG_MAX_ADDRS]; /* interface addresses, host bits kept */
	char tap[PG_IFNAME_MAX]; /* exception TAP name, default "pg-<name>" cut to 15 chars */
	bool no_tap;		 /* `tap: none` or exception xdp: no TAP for this port */
	enum cfg_exc_kind exception;
	int l2vni; /* index into cfg.l2vnis when the port is bridged (or irb), else -1 */
	bool irb;  /* not a device: the routed interface of L2VNI l2vni (its anycast gateway),
		    * added by the configuration loader after the ports of the file */
	int host_session; /* index into cfg.host_sessions when the port is one's router side (a
			   * net_tap device the loader adds), else -1 */
	/* linuxBridge: a net_tap port whose kernel interface (iface=) joins this Linux bridge at
	 * start (an OpenPERouter L2VNI's hostMaster); bridge_create: Peregrine creates the bridge
	 * and deletes it at exit (lifecycle Managed) */
	char bridge[PG_IFNAME_MAX];
	bool bridge_create;
};

struct cfg_vrf {
	int line;
	char name[PG_NAME_MAX]; /* "default" is always index 0 */
};

#define CFG_MAX_RTS 8

struct cfg_l3vni {
	int line;
	uint32_t vni; /* 1..16777215 */
	/* Route targets as extended-community values (bgp_update.h encoding); none: auto-derived
	 * ASN:VNI, and on import from eBGP any ASN with the VNI. */
	unsigned n_import_rts, n_export_rts;
	uint64_t import_rts[CFG_MAX_RTS], export_rts[CFG_MAX_RTS];
	uint16_t vrf;	    /* index into cfg.vrfs, must not be the default VRF */
	struct pg_mac rmac; /* our router MAC for this L3VNI; default: derived (see docs) */
	bool has_rmac;
	uint16_t udp_port; /* default 4789 */
};

/* A MAC pinned in an L2VNI: on one of its ports, or behind a remote VTEP. */
struct cfg_l2mac {
	int line;
	struct pg_mac mac;
	int port;      /* index into cfg.ports, or -1 */
	uint32_t vtep; /* network order when port is -1 */
};

#define CFG_L2_FLOOD_MAX 64
#define CFG_L2_MACS_MAX	 4096

/* An L2VNI: a bridge domain stretched over VXLAN (EVPN type-2/3), optionally routed (IRB) in a
 * VRF through a distributed anycast gateway. */
struct cfg_l2vni {
	int line;
	uint32_t vni;	  /* 1..16777215, unique among L2 and L3 VNIs */
	unsigned n_ports; /* host-facing ports bridged into it (no addresses of their own) */
	uint16_t ports[PG_MAX_PORTS];
	bool has_vrf; /* IRB: routed in vrf through the gateway */
	uint16_t vrf;
	unsigned n_gw; /* anycast gateway addresses (at most one IPv4 and one IPv6) */
	struct pg_prefix gw[2];
	struct pg_mac gw_mac; /* default 00:f3 + VNI+1 (4 bytes, big-endian), as OpenPERouter */
	int irb_port;	      /* with a vrf: index of its irb port in cfg.ports, else -1 */
	uint16_t udp_port;    /* must match the L3VNIs' */
	unsigned mac_ageing;  /* seconds, 0 = never; default 300 */
	unsigned n_import_rts, n_export_rts;
	uint64_t import_rts[CFG_MAX_RTS], export_rts[CFG_MAX_RTS];
	unsigned n_flood; /* static flood list (ingress replication without EVPN) */
	uint32_t flood[CFG_L2_FLOOD_MAX];
	unsigned n_macs;
	struct cfg_l2mac *macs;
};

enum cfg_tunnel_type { CFG_TUNNEL_VXLAN = 1, CFG_TUNNEL_IPIP = 2 };

/* A remote tunnel endpoint accepted for decapsulation (next hops add their own implicitly). */
struct cfg_tunnel {
	int line;
	enum cfg_tunnel_type type;
	struct pg_ip remote; /* IPv4 */
	uint16_t vrf;	     /* IPIP: VRF of decapsulated packets (default VRF by default) */
};

enum cfg_nh_kind {
	CFG_NH_VIA = 1, /* gateway address, resolved by ARP/ND; port found by connected route */
	CFG_NH_VXLAN,	/* remote VTEP, VNI, remote router MAC */
	CFG_NH_IPIP,	/* remote IPv4 endpoint */
	CFG_NH_BLACKHOLE,
};

struct cfg_nexthop {
	int line;
	enum cfg_nh_kind kind;
	struct pg_ip ip;    /* VIA: gateway; VXLAN/IPIP: remote endpoint (IPv4) */
	uint32_t vni;	    /* VXLAN: must be a configured L3VNI */
	struct pg_mac rmac; /* VXLAN: remote router MAC */
	int port;	    /* VIA: optional explicit port index, -1 = by connected route */
};

struct cfg_route {
	int line;
	uint16_t vrf;
	struct pg_prefix prefix; /* host bits zero */
	unsigned n_nh;		 /* 1 .. PG_ECMP_MAX; more than one = ECMP */
	struct cfg_nexthop nh[PG_ECMP_MAX];
};

struct cfg_neighbor {
	int line;
	int port; /* port index */
	struct pg_ip ip;
	struct pg_mac mac;
};

/*
 * A BGP session with the host Peregrine runs on (Calico's BIRD, MetalLB, frr-k8s...) over a
 * host-facing interface Peregrine creates (a TAP named `name` in Peregrine's network namespace,
 * carrying the host-side addresses): OpenPERouter's hostSession of an L3VNI (in that VRF) or of
 * the L3Passthrough (default VRF). The loader adds a port for it (same name) in the VRF with the
 * router-side addresses.
 */
/* A chain of routing policies (importPolicy/exportPolicy): indices into the policy database's
 * policies (control/bgp/bgp_policy.h), applied in order; n == 0: none. */
#define CFG_CHAIN_MAX 8
struct cfg_chain {
	uint8_t n;
	uint16_t idx[CFG_CHAIN_MAX];
};

enum cfg_peer_type { CFG_PEER_BY_ASN = 0, CFG_PEER_EXTERNAL, CFG_PEER_INTERNAL };
#define CFG_MAX_HOST_SESSIONS 64

struct cfg_host_session {
	int line;
	char name[PG_IFNAME_MAX]; /* host-side interface, e.g. host-e-100 (OpenPERouter's veth name)
				   */
	uint16_t vrf;		  /* index into cfg.vrfs; 0 (default) for an L3Passthrough */
	uint32_t asn;		  /* our AS on the session; 0: spec.bgp.asn */
	enum cfg_peer_type host_type;
	uint32_t host_asn;	    /* the host's AS when host_type is CFG_PEER_BY_ASN */
	uint16_t mtu;		    /* of both ends; default 1500 */
	unsigned n_addrs;	    /* 1 or 2: at most one IPv4 and one IPv6 pair */
	struct pg_prefix router[2]; /* our side (the port's addresses), localCIDR length */
	struct pg_prefix host[2];   /* the host side, same order; the BGP neighbours */
	int port;		    /* index of the port the loader added for it */
	struct cfg_chain import_pol, export_pol;
	bool as_override; /* the host's AS in paths we send becomes ours (asOverride) */
	bool rr_client;	  /* iBGP: a route reflector client (routeReflectorClient) */
};

struct cfg_dataplane {
	char lcores[64];    /* EAL -l list; default "0-1" (first is the control thread) */
	unsigned workers;   /* default: lcores - 1 */
	unsigned memory_mb; /* default 1024 */
	enum cfg_hugepages hugepages;
	unsigned mbufs;		/* mempool size, default 16383 */
	unsigned max_routes4;	/* per VRF, default 1048576 for the default VRF */
	unsigned tbl8_groups;	/* rte_lpm tbl8 groups per VRF, default 65536 */
	unsigned max_routes6;	/* per VRF, default 65536 */
	unsigned max_nexthops;	/* default 65536 (< 2^24) */
	unsigned idle_sleep_us; /* longest nap of an idle worker; default 0 = busy-poll */
};

struct cfg_exception {
	unsigned punt_rate_pps; /* per class and worker, default 10000 */
	unsigned punt_burst;	/* token bucket depth, default 256 */
};

/*
 * BGP (spec.bgp). Separate from the speaker's struct bgp_conf (control/bgp/bgp.h): main.c copies
 * these over. Every timer is resolved here (no "0 = default" left except where noted).
 */
#define CFG_BGP_MAX_NEIGHBORS 1024
#define CFG_BGP_PASSWORD_MAX  80 /* TCP MD5 key limit: at most 79 characters + NUL */
#define CFG_BGP_DESCR_MAX     64
/* Address family bits of cfg_bgp_neighbor.families: same order as enum bgp_af (bgp_wire.h). */
#define CFG_BGP_AF_IPV4 (1u << 0) /* ipv4-unicast */
#define CFG_BGP_AF_IPV6 (1u << 1) /* ipv6-unicast */
#define CFG_BGP_AF_EVPN (1u << 2) /* l2vpn-evpn */

struct cfg_bgp_neighbor {
	int line;
	struct pg_ip addr;	    /* IPv4 or IPv6, unique */
	enum cfg_peer_type type;    /* BY_ASN: asn; EXTERNAL: any AS but ours; INTERNAL: ours */
	uint32_t asn;		    /* remote AS (type BY_ASN), else 0 */
	uint16_t port;		    /* TCP port to connect to, default 179 */
	uint32_t local_asn;	    /* 0: the bgp-level asn */
	bool passive;		    /* never connect, wait for the peer */
	bool shutdown;		    /* configured but administratively down */
	struct pg_ip update_source; /* family 0: the kernel picks; else a port address */
	uint8_t ttl;		    /* 0: default (1 for eBGP, 255 for iBGP); ebgpMultiHop */
	uint8_t allowas_in;	    /* 0..10: times our AS may be in a path (allowAsIn) */
	char password[CFG_BGP_PASSWORD_MAX]; /* TCP MD5 key; empty: none */
	uint16_t hold_time;		     /* 0 (no keepalives) or 3..65535 seconds */
	uint16_t keepalive;		     /* seconds, <= hold_time; 0 only when hold_time is 0 */
	uint16_t connect_retry;		     /* seconds, 1..65535 */
	uint32_t families;		     /* CFG_BGP_AF_* bits, at least one */
	char description[CFG_BGP_DESCR_MAX];
	struct cfg_chain import_pol, export_pol;
	bool default_originate; /* send a default route (defaultOriginate) */
	bool as_override;	/* the neighbor's AS in paths we send becomes ours (asOverride) */
};

/* spec.bgp.aggregates[]: a route originated while a more specific route exists in its VRF. */
struct cfg_bgp_aggregate {
	int line;
	struct pg_prefix prefix; /* host bits zero */
	uint16_t vrf;		 /* index into cfg.vrfs; 0: the default VRF */
	bool summary_only;	 /* the more specific routes are not sent where it goes */
};

struct bgp_policy_db;
struct cfg_bgp {
	bool enabled; /* spec.bgp was present */
	int line;
	uint32_t asn;		/* 1..4294967295 */
	uint32_t router_id;	/* network order; routerId, else vtep, else a port's IPv4 address */
	bool has_router_id;	/* routerId was given explicitly */
	uint16_t listen_port;	/* 0: do not listen; default 179 */
	uint16_t hold_time;	/* default 90 */
	uint16_t keepalive;	/* default hold_time / 3 */
	uint16_t connect_retry; /* default 5 */
	uint16_t restart_time;	/* graceful restart time, 1..4095, default 120 */
	bool graceful_restart;	/* helper mode, default true */
	unsigned n_neighbors;	/* 0 .. CFG_BGP_MAX_NEIGHBORS */
	struct cfg_bgp_neighbor *neighbors;
	/* Prefixes originated in IPv4/IPv6 unicast with ourselves as next hop (FRR's `network`),
	 * e.g. the VTEP /32 that OpenPERouter announces. Host bits zero, unique. */
	unsigned n_networks;
	struct pg_prefix *networks;
	unsigned max_paths;    /* maximumPaths, 1..16, default 16 */
	uint32_t cluster_id;   /* network order; clusterId, 0: the router ID */
	unsigned n_aggregates; /* 0 .. CFG_BGP_MAX_AGGREGATES */
	struct cfg_bgp_aggregate *aggregates;
	/* prefixSets, communitySets, policies (control/bgp/bgp_policy.h); NULL: none. Reference
	 * counted: the speaker takes its own reference. */
	struct bgp_policy_db *policies;
};

struct pg_config {
	char file[PG_PATH_MAX];
	struct cfg_dataplane dp;
	struct cfg_exception exc;
	char mgmt_socket[PG_PATH_MAX]; /* default /run/peregrine/peregrine.sock */
	char metrics[64];	       /* management.metrics "ADDR:PORT"; empty: no endpoint */
	int log_level;		       /* enum pg_log_level, default notice */
	bool has_vtep;
	struct pg_ip vtep; /* local VTEP / IPIP source (IPv4) */
	/* spec.loopbacks: the router's own addresses on no port (default VRF), as on `lo`. */
	unsigned n_loopbacks;
	struct pg_ip loopbacks[CFG_MAX_LOOPBACKS];

	unsigned n_ports, n_vrfs, n_l3vnis, n_l2vnis, n_tunnels, n_routes, n_neighbors;
	struct cfg_port *ports;
	struct cfg_vrf *vrfs; /* vrfs[0] is "default" */
	struct cfg_l3vni *l3vnis;
	struct cfg_l2vni *l2vnis;
	unsigned cap_l2vnis; /* allocated (a failed load may leave a partly parsed one) */
	struct cfg_tunnel *tunnels;
	struct cfg_route *routes;
	struct cfg_neighbor *neighbors;
	struct cfg_bgp bgp;
	unsigned n_host_sessions;
	struct cfg_host_session *host_sessions;
};

/*
 * Inputs of the loader that are not configuration: which node this is, for OpenPERouter's
 * per-node derivations and nodeSelectors. They override spec.nodeIndex / spec.nodeLabels.
 */
struct config_opts {
	int node_index;		   /* -1: spec.nodeIndex, else 0 */
	unsigned n_labels;	   /* 0: spec.nodeLabels */
	const char *const *labels; /* "key=value" */
};

/*
 * Parse and validate. On error returns -EINVAL and writes one line
 * "FILE:LINE:COL: FIELD: what is wrong (allowed: ...)" into err.
 */
int config_load(const char *path, struct pg_config *cfg, char *err, size_t errlen);
/* Same, from a string (tests); name is used as FILE in messages. */
int config_load_string(const char *name, const char *yaml, struct pg_config *cfg, char *err,
		       size_t errlen);
/* The same with loader options (opts may be NULL: no node index or labels given). */
int config_load_opts(const char *path, const struct config_opts *opts, struct pg_config *cfg,
		     char *err, size_t errlen);
int config_load_string_opts(const char *name, const char *yaml, const struct config_opts *opts,
			    struct pg_config *cfg, char *err, size_t errlen);
void config_free(struct pg_config *cfg);
/*
 * The effective configuration as a kind: Peregrine YAML document (peregrine --print-config):
 * every key with its value after defaults and derivations, which config_load() reads back to the
 * same configuration (derived values such as the L3VNI router MAC and the BGP router ID become
 * explicit). The irb<VNI> ports are not printed; they come back from their L2VNIs. 0, or
 * -errno when writing failed.
 */
int config_print(const struct pg_config *cfg, FILE *f);
/* One spec.bgp.neighbors entry as config_print() writes it (what reload compares). */
int config_print_bgp_neighbor(const struct pg_config *cfg, const struct cfg_bgp_neighbor *nb,
			      FILE *f);
/* The router MAC of an L3VNI without routerMac: 02:50:47 followed by the 24-bit VNI. */
void config_default_rmac(uint32_t vni, struct pg_mac *mac);
/* The kernel interface of a net_tap vdev ("net_tap0,iface=NAME"): false if there is none. */
bool config_tap_iface(const char *device, char iface[PG_IFNAME_MAX]);
/* The VXLAN UDP port (every L3VNI shares one; 4789 without any). */
static inline uint16_t cfg_vxlan_port(const struct pg_config *cfg)
{
	return cfg->n_l3vnis ? cfg->l3vnis[0].udp_port : PG_VXLAN_PORT;
}
/* Index of a VRF by name, -1 if unknown. */
int config_vrf_index(const struct pg_config *cfg, const char *name);
