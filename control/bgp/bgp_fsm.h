/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * The BGP finite state machine of RFC 4271 §8 as one pure function: (state, event) → next state
 * and the actions to take. The session code (bgp_session.c) turns socket and timer activity into
 * events, calls bgp_fsm() and performs the actions in a fixed order; the unit test checks the
 * table state by state without sockets.
 *
 * Departures from the RFC's optional machinery: no DelayOpen, no DampPeerOscillations by
 * name — instead every fall back to Idle that the peer did not ask for (errors, lost connection,
 * hold timer) starts an idle hold timer with exponential back-off (BGP_A_IDLE_HOLD), after which
 * the session restarts by itself (the RFC's AutomaticStart), as FRR and BIRD do. A passive peer
 * never connects: it waits in Active for the peer to connect.
 */

#include <stdbool.h>
#include <stdint.h>

enum bgp_state {
	BGP_ST_IDLE,
	BGP_ST_CONNECT,
	BGP_ST_ACTIVE,
	BGP_ST_OPENSENT,
	BGP_ST_OPENCONFIRM,
	BGP_ST_ESTABLISHED,
	BGP_ST_MAX
};

enum bgp_event {
	BGP_EV_START,		/* ManualStart / AutomaticStart */
	BGP_EV_STOP,		/* ManualStop: shut down or deconfigured */
	BGP_EV_CONNECT_RETRY,	/* ConnectRetryTimer_Expires */
	BGP_EV_HOLD_EXPIRED,	/* HoldTimer_Expires */
	BGP_EV_KEEPALIVE_TIMER, /* KeepaliveTimer_Expires */
	BGP_EV_TCP_UP,		/* TcpConnectionConfirmed / Tcp_CR_Acked: our connect
				   succeeded or an incoming connection was taken */
	BGP_EV_TCP_DOWN,	/* TcpConnectionFails: connect failed, peer closed, I/O error */
	BGP_EV_OPEN,		/* BGPOpen: an acceptable OPEN */
	BGP_EV_MSG_ERROR,	/* BGPHeaderErr / BGPOpenMsgErr / UpdateMsgErr needing a reset:
				   the caller supplies the NOTIFICATION */
	BGP_EV_NOTIFICATION,	/* NotifMsg */
	BGP_EV_KEEPALIVE,	/* KeepAliveMsg */
	BGP_EV_UPDATE,		/* UpdateMsg */
	BGP_EV_ROUTE_REFRESH,	/* ROUTE-REFRESH */
	BGP_EV_COLLISION,	/* OpenCollisionDump: this connection loses a collision */
	BGP_EV_MAX
};

/* Actions, performed by the session in this bit order. */
enum bgp_action {
	BGP_A_SEND_NOTIF = 1u << 0, /* NOTIFICATION out->code/subcode (or the caller's) */
	BGP_A_CLOSE = 1u << 1,	    /* drop the TCP connection (after flushing a NOTIFICATION) */
	BGP_A_DOWN = 1u << 2,	    /* leaving Established: flush or mark stale the peer's routes */
	BGP_A_TIMERS_STOP = 1u << 3,	/* stop connect retry, hold and keepalive timers */
	BGP_A_CONNECT = 1u << 4,	/* start a TCP connection to the peer */
	BGP_A_CR_START = 1u << 5,	/* (re)start the connect retry timer */
	BGP_A_SEND_OPEN = 1u << 6,	/* send our OPEN */
	BGP_A_HOLD_LARGE = 1u << 7,	/* hold timer to 4 minutes (waiting for the OPEN) */
	BGP_A_SEND_KEEPALIVE = 1u << 8, /* send a KEEPALIVE */
	BGP_A_HOLD_RESTART = 1u << 9,	/* hold timer to the negotiated hold time */
	BGP_A_KA_RESTART = 1u << 10,	/* keepalive timer to the negotiated keepalive time */
	BGP_A_UP = 1u << 11,		/* entered Established: advertise, count the flap */
	BGP_A_IDLE_HOLD = 1u << 12,	/* back-off, then START again by itself */
	BGP_A_PROCESS = 1u << 13,	/* hand the message (UPDATE, ROUTE-REFRESH) to the RIB */
};

struct bgp_fsm_out {
	enum bgp_state next;
	uint32_t actions;
	/* For BGP_A_SEND_NOTIF when the FSM picks the code (FSM error, hold, cease); zero code
	 * means the caller's NOTIFICATION (BGP_EV_MSG_ERROR). */
	uint8_t code, subcode;
};

void bgp_fsm(enum bgp_state s, enum bgp_event e, bool passive, struct bgp_fsm_out *out);

const char *bgp_state_name(enum bgp_state s); /* "Idle", "Connect", ..., "Established" */
const char *bgp_event_name(enum bgp_event e);

/* How a peer's AS is given: exactly (remote_as), or any AS but ours (external) / only ours
 * (internal), as FRR's remote-as external/internal. */
enum bgp_peer_as_type { BGP_PEER_AS = 0, BGP_PEER_EXTERNAL, BGP_PEER_INTERNAL };

/* Whether an OPEN from AS got is acceptable for a peer configured with type and remote_as,
 * local_as being our AS towards it. */
bool bgp_peer_as_ok(enum bgp_peer_as_type type, uint32_t remote_as, uint32_t local_as,
		    uint32_t got);
/* Whether the session is iBGP as configured (before any OPEN): for the TTL of the socket. */
bool bgp_peer_conf_ibgp(enum bgp_peer_as_type type, uint32_t remote_as, uint32_t local_as);
