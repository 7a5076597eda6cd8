/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * The BGP RIB: received paths (each peer's Adj-RIB-In is the set of paths it owns), the Loc-RIB
 * (best path and multipath set per destination), and the hand-off of Loc-RIB changes to the fast
 * path. Control thread only.
 *
 * Storage: one table per address family (EVPN: keyed by RD and the route type's key fields,
 * RFC 7432 §7); a destination holds its paths, one per peer (no ADD-PATH); path attributes are
 * interned (one copy per distinct set, shared by every path that carries it), so a feed where
 * many prefixes share attributes costs one pointer per path. Changes mark destinations dirty;
 * rib_poll() runs the decision process on them in batches, so an UPDATE of 500 prefixes costs
 * one pass, not 500.
 */

#include <stdbool.h>
#include <stdint.h>

#include "bgp.h"

struct bgp_peer;

int rib_init(const struct bgp_conf *conf);

/* How Loc-RIB results reach the fast path (set by the daemon; tests use their own). */
#define RIB_MAX_PATHS	   16 /* multipath set size (the fast path's ECMP limit) */
#define PG_RIB_VRF_DEFAULT 0
enum rib_nh_kind {
	RIB_NH_VIA = 1, /* a gateway address, resolved like a static route's */
	RIB_NH_VXLAN,	/* remote VTEP addr, VNI and router MAC (EVPN) */
};
struct rib_nh {
	uint8_t kind;
	struct pg_ip addr;
	uint32_t vni;
	struct pg_mac rmac;
};
struct rib_fib_ops {
	/* Install (or replace) prefix p in vrf with n (1..RIB_MAX_PATHS) next hops. 0 or -errno. */
	int (*route_set)(uint16_t vrf, const struct pg_prefix *p, const struct rib_nh *nhs,
			 unsigned n);
	int (*route_del)(uint16_t vrf, const struct pg_prefix *p);
	/* After a batch of the above (optional). */
	void (*batch_end)(void);
	/* A route_set/route_del for p follows soon: start loading what it will touch (optional). */
	void (*prefetch)(uint16_t vrf, const struct pg_prefix *p);
	/* L2VNIs (optional): the FDB entry of mac in bridge domain bd towards VTEP vtep, with its
	 * MAC mobility sequence and sticky flag (RFC 7432 §7.7), or none; VTEP vtep in or out of
	 * bd's flood list (type-3, ingress replication). 0 or -errno. */
	int (*l2_mac_set)(uint16_t bd, const struct pg_mac *mac, const struct pg_ip *vtep,
			  uint32_t seq, bool sticky);
	int (*l2_mac_del)(uint16_t bd, const struct pg_mac *mac);
	int (*l2_flood_set)(uint16_t bd, const struct pg_ip *vtep, bool add);
	/* The ARP cache entry of IPv4 host ip in bd (mac NULL: none). */
	int (*l2_arp_set)(uint16_t bd, const struct pg_ip *ip, const struct pg_mac *mac);
};
void rib_set_fib_ops(const struct rib_fib_ops *ops);
/* Next-hop tracking: decide and program unicast prefix p again (its next hop may resolve
 * differently now). */
void rib_resync_prefix(const struct pg_prefix *p);
void rib_fini(void);
/* Deferred work: decision process on dirty destinations (a bounded batch per call), fast-path
 * programming, stale sweeps, output to peers. */
void rib_poll(void);
/* Destinations waiting for the decision process: the sessions stop reading while it is large. */
size_t rib_backlog(void);
/* Size the destination tables of the unicast families in af_mask (BGP_AF_BIT) for the routes the
 * configuration expects (bgp_conf.expect_routes*), now instead of at their first route. */
void rib_presize(uint32_t af_mask);
#define RIB_BACKLOG_MAX 65536

void rib_peer_up(struct bgp_peer *p);
/* Session lost: the peer's paths are withdrawn, or kept as stale when it negotiated graceful
 * restart (until it comes back and sends End-of-RIB, or the restart time runs out). */
void rib_peer_down(struct bgp_peer *p, bool graceful);
/* p is deconfigured, its session down: remove every path it left (stale ones too). */
void rib_peer_remove(struct bgp_peer *p);
void rib_peer_update(struct bgp_peer *p, const struct bgp_update *u);
/* ROUTE-REFRESH received: send our Adj-RIB-Out for af again. */
void rib_peer_refresh(struct bgp_peer *p, enum bgp_af af);
uint32_t rib_peer_prefixes(const struct bgp_peer *p, enum bgp_af af);

/* ---- views for the CLI ---- */
struct rib_path_view {
	const struct bgp_peer *peer; /* NULL for routes we originate */
	struct pg_ip peer_addr;
	uint32_t peer_id; /* network order */
	bool best, multipath, stale, ebgp;
	struct pg_ip nexthop;
	uint8_t origin;
	bool has_med, has_local_pref;
	uint32_t med, local_pref;
	const uint8_t *aspath;
	uint16_t aspath_len;
	const uint8_t *communities, *ext_communities, *large_communities;
	uint16_t n_communities, n_ext_communities, n_large_communities;
	uint8_t n_labels;
	uint32_t label[2];
	uint64_t age_ms; /* since the path was last changed */
	uint16_t vrf;	 /* the destination's VRF: 0, or a host session's for its unicast routes */
};

/* Call cb for each destination of af (in no particular order) with its paths (best first).
 * Stops when cb returns non-zero (returned). */
typedef int (*rib_walk_fn)(const struct bgp_nlri *n, const struct rib_path_view *paths,
			   unsigned n_paths, void *arg);
int rib_walk(enum bgp_af af, rib_walk_fn cb, void *arg);

struct rib_stats {
	uint64_t dests[BGP_AF_MAX], paths[BGP_AF_MAX];
	uint64_t attr_sets, attr_bytes;
	uint64_t mem_bytes;	  /* destinations + paths + attribute sets + hash tables */
	uint64_t mem_fixed_bytes; /* of which the empty tables' initial size */
	uint64_t fib_installed, fib_install_failed, fib_skipped;
	uint64_t imports;	  /* EVPN paths imported into VRFs */
	uint64_t import_unusable; /* EVPN routes without an IPv4 VTEP, router MAC or VNI */
	uint64_t decisions;	  /* destinations run through the decision process */
};
void rib_stats_get(struct rib_stats *s);
