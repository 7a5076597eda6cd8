/* SPDX-License-Identifier: BSD-3-Clause */
#include "bgp_fsm.h"
#include "bgp_wire.h"

const char *bgp_state_name(enum bgp_state s)
{
	static const char *const names[BGP_ST_MAX] = {"Idle",	  "Connect",	 "Active",
						      "OpenSent", "OpenConfirm", "Established"};
	return s < BGP_ST_MAX ? names[s] : "?";
}

const char *bgp_event_name(enum bgp_event e)
{
	static const char *const names[BGP_EV_MAX] = {
	    "Start",	      "Stop",	      "ConnectRetryTimer", "HoldTimer",
	    "KeepaliveTimer", "TcpUp",	      "TcpDown",	   "Open",
	    "MsgError",	      "Notification", "Keepalive",	   "Update",
	    "RouteRefresh",   "Collision",
	};
	return e < BGP_EV_MAX ? names[e] : "?";
}

/* Leave for Idle: close, stop timers, back off before restarting (unless the operator stopped it).
 */
static void to_idle(struct bgp_fsm_out *o, uint32_t extra)
{
	o->next = BGP_ST_IDLE;
	o->actions |= BGP_A_CLOSE | BGP_A_TIMERS_STOP | extra;
}

static void notify(struct bgp_fsm_out *o, uint8_t code, uint8_t subcode)
{
	o->actions |= BGP_A_SEND_NOTIF;
	o->code = code;
	o->subcode = subcode;
}

/* Events every state with an open connection (OpenSent, OpenConfirm, Established) handles the
 * same way. Returns true when handled. */
static bool open_conn_common(enum bgp_state s, enum bgp_event e, struct bgp_fsm_out *o)
{
	uint32_t down = s == BGP_ST_ESTABLISHED ? BGP_A_DOWN : 0;

	switch (e) {
	case BGP_EV_STOP:
		notify(o, BGP_ERR_CEASE, BGP_ERR_CEASE_SHUTDOWN);
		to_idle(o, down);
		return true;
	case BGP_EV_HOLD_EXPIRED:
		notify(o, BGP_ERR_HOLD, 0);
		to_idle(o, down | BGP_A_IDLE_HOLD);
		return true;
	case BGP_EV_TCP_DOWN:
	case BGP_EV_NOTIFICATION:
		to_idle(o, down | BGP_A_IDLE_HOLD);
		return true;
	case BGP_EV_MSG_ERROR:
		o->actions |= BGP_A_SEND_NOTIF; /* the caller's code */
		to_idle(o, down | BGP_A_IDLE_HOLD);
		return true;
	case BGP_EV_COLLISION:
		notify(o, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION);
		to_idle(o, down);
		return true;
	default:
		return false;
	}
}

void bgp_fsm(enum bgp_state s, enum bgp_event e, bool passive, struct bgp_fsm_out *o)
{
	o->next = s;
	o->actions = 0;
	o->code = o->subcode = 0;

	switch (s) {
	case BGP_ST_IDLE:
		/* Everything but a start is ignored (an incoming connection is refused by the
		 * session before it gets here). */
		if (e == BGP_EV_START) {
			o->next = passive ? BGP_ST_ACTIVE : BGP_ST_CONNECT;
			o->actions = passive ? 0 : BGP_A_CONNECT | BGP_A_CR_START;
		}
		return;

	case BGP_ST_CONNECT:
	case BGP_ST_ACTIVE:
		switch (e) {
		case BGP_EV_START:
			return;
		case BGP_EV_STOP:
			to_idle(o, 0);
			return;
		case BGP_EV_CONNECT_RETRY:
			if (passive) { /* keep waiting */
				o->actions = BGP_A_CR_START;
				return;
			}
			/* Drop a connect in progress and try again. */
			o->next = BGP_ST_CONNECT;
			o->actions = BGP_A_CLOSE | BGP_A_CONNECT | BGP_A_CR_START;
			return;
		case BGP_EV_TCP_UP:
			o->next = BGP_ST_OPENSENT;
			o->actions = BGP_A_TIMERS_STOP | BGP_A_SEND_OPEN | BGP_A_HOLD_LARGE;
			return;
		case BGP_EV_TCP_DOWN:
			/* RFC 4271: Connect → Active with the connect retry timer running (a new
			 * attempt when it fires); Active → Idle. */
			if (s == BGP_ST_CONNECT) {
				o->next = BGP_ST_ACTIVE;
				o->actions = BGP_A_CLOSE | BGP_A_CR_START;
			} else {
				to_idle(o, BGP_A_IDLE_HOLD);
			}
			return;
		default:
			/* Timers that are not running, messages without a connection. */
			to_idle(o, BGP_A_IDLE_HOLD);
			return;
		}

	case BGP_ST_OPENSENT:
		if (open_conn_common(s, e, o))
			return;
		switch (e) {
		case BGP_EV_START:
			return;
		case BGP_EV_TCP_UP: /* a second connection: the session's collision logic */
			return;
		case BGP_EV_OPEN:
			o->next = BGP_ST_OPENCONFIRM;
			o->actions = BGP_A_SEND_KEEPALIVE | BGP_A_HOLD_RESTART | BGP_A_KA_RESTART;
			return;
		default:
			notify(o, BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT);
			to_idle(o, BGP_A_IDLE_HOLD);
			return;
		}

	case BGP_ST_OPENCONFIRM:
		if (open_conn_common(s, e, o))
			return;
		switch (e) {
		case BGP_EV_START:
		case BGP_EV_TCP_UP:
			return;
		case BGP_EV_KEEPALIVE_TIMER:
			o->actions = BGP_A_SEND_KEEPALIVE | BGP_A_KA_RESTART;
			return;
		case BGP_EV_KEEPALIVE:
			o->next = BGP_ST_ESTABLISHED;
			o->actions = BGP_A_HOLD_RESTART | BGP_A_UP;
			return;
		default:
			notify(o, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM);
			to_idle(o, BGP_A_IDLE_HOLD);
			return;
		}

	case BGP_ST_ESTABLISHED:
		if (open_conn_common(s, e, o))
			return;
		switch (e) {
		case BGP_EV_START:
		case BGP_EV_TCP_UP:
			return;
		case BGP_EV_KEEPALIVE_TIMER:
			o->actions = BGP_A_SEND_KEEPALIVE | BGP_A_KA_RESTART;
			return;
		case BGP_EV_KEEPALIVE:
			o->actions = BGP_A_HOLD_RESTART;
			return;
		case BGP_EV_UPDATE:
		case BGP_EV_ROUTE_REFRESH:
			o->actions = BGP_A_HOLD_RESTART | BGP_A_PROCESS;
			return;
		default:
			notify(o, BGP_ERR_FSM, BGP_ERR_FSM_ESTABLISHED);
			to_idle(o, BGP_A_DOWN | BGP_A_IDLE_HOLD);
			return;
		}

	default:
		to_idle(o, 0);
		return;
	}
}

bool bgp_peer_as_ok(enum bgp_peer_as_type type, uint32_t remote_as, uint32_t local_as, uint32_t got)
{
	switch (type) {
	case BGP_PEER_EXTERNAL:
		return got != local_as;
	case BGP_PEER_INTERNAL:
		return got == local_as;
	default:
		return got == remote_as;
	}
}

bool bgp_peer_conf_ibgp(enum bgp_peer_as_type type, uint32_t remote_as, uint32_t local_as)
{
	if (type != BGP_PEER_AS)
		return type == BGP_PEER_INTERNAL;
	return remote_as == local_as;
}
