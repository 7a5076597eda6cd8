/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/* Inside the BGP speaker: the peer and connection structures shared by the session code
 * (bgp_session.c) and the RIB (bgp_rib.c). Control thread only. */

#include <stddef.h>
#include <stdint.h>

#include "bgp.h"

struct bgp_conn {
	struct bgp_peer *peer;
	int fd;
	bool outgoing;
	bool connecting; /* non-blocking connect in progress */
	bool want_out;	 /* EPOLLOUT registered */
	uint8_t *rbuf;
	size_t rlen;
	uint8_t *wbuf;
	size_t whead, wlen, wcap;
};

struct bgp_peer {
	struct bgp_peer_conf conf;
	enum bgp_state state;
	uint64_t state_since;
	struct bgp_conn conn;
	struct bgp_conn pending; /* incoming connection in a collision, fd -1 when none */
	bool pending_open_sent;
	/* Timers: absolute monotonic ms, 0 = stopped. */
	uint64_t t_connect, t_hold, t_keepalive, t_idle;
	uint32_t idle_hold_ms;
	uint64_t established_at;
	struct pg_ip local_ip; /* the session's local address, from Established on */
	/* Negotiated at OPEN. */
	struct bgp_open open_sent, open_rcvd;
	uint16_t hold, keepalive;
	uint32_t af;
	bool as4, ext_msg, ebgp;
	struct bgp_rx_opts rx;
	struct bgp_tx_opts tx;
	/* Counters for the CLI. */
	uint64_t msgs_in[6], msgs_out[6];
	uint64_t pfx_announced[BGP_AF_MAX], pfx_withdrawn[BGP_AF_MAX];
	bool eor_rcvd[BGP_AF_MAX];
	uint64_t upd_withdrawn_7606, attr_discarded_7606;
	unsigned established_count;
	uint8_t notif_sent[2], notif_rcvd[2];
	char last_error[160];
	/* RIB bookkeeping (bgp_rib.c) */
	uint32_t rib_prefixes[BGP_AF_MAX];
	uint64_t rib_loops; /* UPDATEs whose AS path holds our AS (more than allowas_in times) */
	uint64_t
	    rib_rr_loops; /* iBGP UPDATEs with our router ID as ORIGINATOR_ID or our cluster ID */
	uint64_t rib_self_nh; /* EVPN UPDATEs with our VTEP as next hop (ours come back) */
	uint64_t pol_in_rejected, pol_out_rejected; /* prefixes the import/export policy rejected */
	bool stale;				    /* graceful restart: paths kept as stale */
	uint32_t stale_af;
	uint64_t stale_until;		/* monotonic ms */
	struct bgp_notif pending_notif; /* the caller's NOTIFICATION for BGP_EV_MSG_ERROR */
};

/* Queue a complete message to the peer's session (dropped when there is none). 0 or -1. */
int bgp_peer_send(struct bgp_peer *p, const uint8_t *msg, size_t len);
/* Bytes queued and not yet taken by the socket (the RIB paces its output on it). */
size_t bgp_peer_queued(const struct bgp_peer *p);
const char *bgp_peer_name(const struct bgp_peer *p);
/* Our AS towards p: its local AS when configured, else the global one. */
uint32_t bgp_peer_local_as(const struct bgp_peer *p);
unsigned bgp_peers_n(void);
struct bgp_peer *bgp_peer_at(unsigned i);
