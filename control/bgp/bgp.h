/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * The BGP speaker of the control thread: peers, their sessions over ordinary kernel TCP sockets
 * (the kernel reaches the ports through the exception path), timers, and the hand-off of received
 * UPDATEs to the RIB. Single-threaded: everything runs in the control thread's loop.
 *
 * Event loop integration: bgp_fd() is an epoll fd aggregating the listening and session sockets;
 * add it to the caller's epoll (EPOLLIN) and call bgp_poll() when it fires and at least every few
 * milliseconds (timers).
 */

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "bgp_fsm.h"
#include "bgp_msg.h"
#include "bgp_policy.h"
#include "bgp_update.h"

struct bgp_peer_conf {
	int line; /* in the configuration file, for messages */
	struct pg_ip addr;
	uint16_t port;	 /* TCP port to connect to; 0: 179 */
	uint8_t as_type; /* enum bgp_peer_as_type: how remote_as is checked */
	uint32_t remote_as;
	uint32_t local_as;	    /* 0: the global AS */
	bool passive;		    /* never connect, wait for the peer */
	bool shutdown;		    /* configured but administratively down */
	struct pg_ip update_source; /* family 0: the kernel picks */
	uint8_t ttl;		    /* 0: 1 for eBGP (directly connected), 255 for iBGP */
	uint8_t allowas_in;	    /* our AS may be in a path this often (allowas-in); 0: a loop */
	char password[80];	    /* TCP MD5 (RFC 2385); empty: none */
	uint16_t hold_time;	    /* 0 or >= 3 seconds */
	uint16_t keepalive;	    /* seconds; 0: hold / 3 */
	uint16_t connect_retry;	    /* seconds */
	uint32_t af_mask;	    /* BGP_AF_BIT of the families to negotiate */
	char description[64];
	/* Network namespace of the session's sockets (the VRF's exception path), <= 0: Peregrine's
	 * own. A listener is opened in every namespace a peer uses. */
	int netns;
	/* Also take an incoming connection from any other address of its namespace (a host
	 * session: whatever reaches that namespace comes from the host, e.g. Calico's BIRD, which
	 * connects from the node's address rather than the link's). */
	bool any_source;
	uint16_t vrf; /* VRF of the session (host sessions), 0: the default VRF */
	/* Routing policy (bgp_conf.policies): chains applied to what it sends us and to what we
	 * send it (n 0: none); a default route sent to it whatever we have (default-originate). */
	struct bgp_chain import_pol, export_pol;
	bool default_originate;
	bool as_override; /* eBGP: the peer's AS in a path we send becomes ours (as-override) */
	bool rr_client;	  /* iBGP host session: a route reflector client (RFC 4456) */
};

/* An L3VNI: EVPN routes whose route targets match are imported into its VRF. */
struct bgp_l3vni {
	uint32_t vni;
	uint16_t vrf;
	struct pg_mac rmac; /* ours, announced in the router's MAC extended community */
	/* Explicit route targets (extended-community values); none: auto-derived ASN:VNI. */
	uint8_t n_import, n_export;
	uint64_t import_rt[8], export_rt[8];
};

/* An L2VNI: EVPN type-2 and type-3 routes whose route targets match are imported into its bridge
 * domain (FDB, flood list); we announce its type-3 and the type-2 of its local MACs. */
struct bgp_l2vni {
	uint32_t vni;
	uint16_t bd;
	uint8_t n_import, n_export;
	uint64_t import_rt[8], export_rt[8];
};

/* An aggregate (FRR's aggregate-address): originated while a more specific route exists in its
 * VRF (default VRF: IPv4/IPv6 unicast to the peers that get our networks; another VRF: our
 * type-5 and the VRF's host sessions); summary_only: those more specific routes are not sent
 * where the aggregate goes. */
struct bgp_aggregate {
	struct pg_prefix prefix;
	uint16_t vrf;
	bool summary_only;
};

struct bgp_conf {
	uint32_t asn;
	uint32_t router_id;   /* network order */
	uint32_t vtep;	      /* our VXLAN tunnel endpoint (IPv4, network order), 0: none */
	uint16_t listen_port; /* 0: do not listen (passive peers then never come up) */
	bool graceful_restart;
	uint16_t restart_time; /* seconds, announced in the GR capability */
	unsigned max_paths;    /* multipath set size, 1..16 (0: 16) */
	uint32_t cluster_id;   /* network order, route reflection (0: router_id) */
	/* Unicast destinations the RIB should expect (dataplane.maxRoutes4 / maxRoutes6, which
	 * bound what the FIB takes): its destination table is sized for them at the first route of
	 * the family instead of doubling its way there (0: no hint). */
	unsigned expect_routes4, expect_routes6;
	unsigned n_peers;
	struct bgp_peer_conf *peers;
	unsigned n_l3vnis;
	struct bgp_l3vni *l3vnis;
	unsigned n_l2vnis;
	struct bgp_l2vni *l2vnis;
	/* Prefixes we originate in IPv4/IPv6 unicast (FRR's `network`): next hop self, that is the
	 * session's local address (a prefix of the other family than the session's is not sent). */
	unsigned n_networks;
	struct pg_prefix *networks;
	unsigned n_aggregates;
	struct bgp_aggregate *aggregates;
	/* Addresses to listen on in Peregrine's own namespace; none: all (the wildcard). With host
	 * sessions the host's BGP daemon (Calico's BIRD) listens on the node's address there too.
	 */
	unsigned n_listen;
	struct pg_ip listen[16];
	/* prefixSets, communitySets, policies (bgp_policy.h), NULL: none. bgp_start() takes a
	 * reference. */
	struct bgp_policy_db *policies;
};

/* Start the speaker: listening socket, one session per peer. Returns 0 or -errno (logged). */
int bgp_start(const struct bgp_conf *conf);
/* Send Cease to every established peer, close everything. */
void bgp_stop(void);
bool bgp_running(void);
int bgp_fd(void);
void bgp_poll(void);
/* bgp_poll() has work left that no fd signals (routes waiting for the decision process after a
 * pass that ended on its time limit): the caller should not sleep before calling it again. */
bool bgp_busy(void);

/* Originate (or withdraw) the EVPN type-5 route of prefix p in the VRF of L3VNI vni: auto RD
 * router-id:VRF index, route target ASN:VNI, VXLAN encapsulation, the L3VNI's router MAC, our
 * VTEP as next hop. 0, -ENOENT (unknown VNI / route), -EADDRNOTAVAIL (no VTEP) or -ENOMEM. */
int bgp_originate_prefix(uint32_t vni, const struct pg_prefix *p);
/* A unicast network (bgp_conf.networks) announced or withdrawn after start (reload). 0, -ENOENT
 * (withdrawing what is not announced) or -ENOMEM. */
int bgp_network_set(const struct pg_prefix *p, bool announce);
int bgp_withdraw_prefix(uint32_t vni, const struct pg_prefix *p);

/* Announce (or withdraw) the EVPN type-2 route of a MAC learned on a port of L2VNI vni: ESI 0,
 * Ethernet tag 0, no IP, label = the VNI, the L2VNI's route targets, VXLAN encapsulation and, when
 * seq > 0, a MAC mobility extended community (RFC 7432 §15). Announcing again replaces it.
 * The type-3 route of every L2VNI is announced by bgp_start() itself. */
int bgp_originate_mac(uint32_t vni, const struct pg_mac *mac, uint32_t seq);
int bgp_withdraw_mac(uint32_t vni, const struct pg_mac *mac);
/* The same with the host's IP for a routed L2VNI (symmetric IRB, RFC 9135): labels L2VNI and
 * l3vni, the route targets of both, the L3VNI's router MAC. Remote PEs install a host route. */
int bgp_originate_mac_ip(uint32_t vni, const struct pg_mac *mac, const struct pg_ip *ip,
			 uint32_t l3vni);
int bgp_withdraw_mac_ip(uint32_t vni, const struct pg_mac *mac, const struct pg_ip *ip,
			uint32_t l3vni);

/* ---- runtime view (for the CLI) ---- */
struct bgp_peer_info {
	struct bgp_peer_conf conf;
	uint32_t local_as; /* the peer's local AS, or the global one */
	bool has_password; /* conf.password is cleared in the copy */
	enum bgp_state state;
	uint64_t state_since_ms;  /* monotonic ms of the last state change */
	uint32_t remote_id;	  /* network order, 0 until an OPEN arrived */
	uint16_t hold, keepalive; /* negotiated */
	uint32_t af_negotiated;
	struct bgp_caps caps_sent, caps_rcvd;
	bool as4, ext_msg;
	struct pg_ip local_addr, remote_addr;
	uint16_t local_port, remote_port;
	uint64_t msgs_in[6], msgs_out[6]; /* by message type; [0] unused */
	uint64_t prefixes_announced[BGP_AF_MAX], prefixes_withdrawn[BGP_AF_MAX];
	uint32_t prefixes[BGP_AF_MAX]; /* in the Adj-RIB-In now */
	uint64_t advertised;	       /* routes announced to the peer since the session came up */
	bool eor_rcvd[BGP_AF_MAX];
	uint64_t updates_withdrawn_7606, attrs_discarded_7606; /* RFC 7606 outcomes */
	uint64_t updates_as_loop; /* UPDATEs not used: our AS in the path (beyond allowas_in) */
	uint64_t updates_cluster_loop; /* iBGP UPDATEs not used: our ORIGINATOR_ID / cluster ID */
	uint64_t updates_self_nh;      /* EVPN UPDATEs not used: next hop our VTEP */
	uint64_t prefixes_import_rejected, prefixes_export_rejected; /* by the policies */
	unsigned established_count;
	uint8_t last_notif_sent[2], last_notif_rcvd[2]; /* code, subcode */
	char last_error[160];
};

/* Live reload: start a new peer (-EEXIST: a neighbor with that address exists), or stop and
 * forget a configured neighbor (not a host session): Cease "peer de-configured" (RFC 4486), its
 * routes withdrawn at once (no graceful restart). The other sessions are not touched. */
int bgp_peer_add(const struct bgp_peer_conf *c);
int bgp_peer_remove(const struct pg_ip *addr);

/* Operator actions on a peer (by address): a hard reset (Cease / Administrative Reset, then the
 * session restarts), asking the peer to send its routes again (ROUTE-REFRESH for every negotiated
 * family; needs the peer's route refresh capability) or sending ours again. 0, -ENOENT (no such
 * peer), -ENOTCONN (not Established) or -EOPNOTSUPP (no route refresh capability). */
int bgp_peer_clear(const struct pg_ip *addr);
int bgp_peer_soft_in(const struct pg_ip *addr);
int bgp_peer_soft_out(const struct pg_ip *addr);

unsigned bgp_peer_count(void);
/* Fill info for peer i (0 .. count-1). Returns false past the end. */
bool bgp_peer_get(unsigned i, struct bgp_peer_info *info);
uint64_t bgp_now_ms(void);
