/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BGP FSM (RFC 4271 §8.2.2) as a table: for every state and every event, the next state, the
 * actions and the NOTIFICATION, for an active and a passive peer. Each row is written from the
 * RFC's text, not from the code.
 */
#include "bgp_fsm.h"
#include "bgp_wire.h"
#include "unit.h"
#include "util.h"

#define NOTIF BGP_A_SEND_NOTIF
#define CLOSE BGP_A_CLOSE
#define DOWN  BGP_A_DOWN
#define STOPT BGP_A_TIMERS_STOP
#define CONN  BGP_A_CONNECT
#define CR    BGP_A_CR_START
#define OPEN  BGP_A_SEND_OPEN
#define HLRG  BGP_A_HOLD_LARGE
#define KA    BGP_A_SEND_KEEPALIVE
#define HOLD  BGP_A_HOLD_RESTART
#define KAT   BGP_A_KA_RESTART
#define UP    BGP_A_UP
#define IHOLD BGP_A_IDLE_HOLD
#define PROC  BGP_A_PROCESS

/* Leaving a connected state because of a problem: close, stop timers, back off. */
#define FAIL (CLOSE | STOPT | IHOLD)

struct row {
	enum bgp_state s;
	enum bgp_event e;
	enum bgp_state next;
	uint32_t actions;
	uint8_t code, subcode;
};

#define I  BGP_ST_IDLE
#define C  BGP_ST_CONNECT
#define A  BGP_ST_ACTIVE
#define OS BGP_ST_OPENSENT
#define OC BGP_ST_OPENCONFIRM
#define E  BGP_ST_ESTABLISHED

/* Active (connecting) peer. */
static const struct row active_rows[] = {
    /* Idle: only a start does anything. */
    {I, BGP_EV_START, C, CONN | CR},
    {I, BGP_EV_STOP, I, 0},
    {I, BGP_EV_CONNECT_RETRY, I, 0},
    {I, BGP_EV_HOLD_EXPIRED, I, 0},
    {I, BGP_EV_KEEPALIVE_TIMER, I, 0},
    {I, BGP_EV_TCP_UP, I, 0},
    {I, BGP_EV_TCP_DOWN, I, 0},
    {I, BGP_EV_OPEN, I, 0},
    {I, BGP_EV_MSG_ERROR, I, 0},
    {I, BGP_EV_NOTIFICATION, I, 0},
    {I, BGP_EV_KEEPALIVE, I, 0},
    {I, BGP_EV_UPDATE, I, 0},
    {I, BGP_EV_ROUTE_REFRESH, I, 0},
    {I, BGP_EV_COLLISION, I, 0},
    /* Connect */
    {C, BGP_EV_START, C, 0},
    {C, BGP_EV_STOP, I, CLOSE | STOPT},
    {C, BGP_EV_CONNECT_RETRY, C, CLOSE | CONN | CR},
    {C, BGP_EV_HOLD_EXPIRED, I, FAIL},
    {C, BGP_EV_KEEPALIVE_TIMER, I, FAIL},
    {C, BGP_EV_TCP_UP, OS, STOPT | OPEN | HLRG},
    {C, BGP_EV_TCP_DOWN, A, CLOSE | CR},
    {C, BGP_EV_OPEN, I, FAIL},
    {C, BGP_EV_MSG_ERROR, I, FAIL},
    {C, BGP_EV_NOTIFICATION, I, FAIL},
    {C, BGP_EV_KEEPALIVE, I, FAIL},
    {C, BGP_EV_UPDATE, I, FAIL},
    {C, BGP_EV_ROUTE_REFRESH, I, FAIL},
    {C, BGP_EV_COLLISION, I, FAIL},
    /* Active */
    {A, BGP_EV_START, A, 0},
    {A, BGP_EV_STOP, I, CLOSE | STOPT},
    {A, BGP_EV_CONNECT_RETRY, C, CLOSE | CONN | CR},
    {A, BGP_EV_HOLD_EXPIRED, I, FAIL},
    {A, BGP_EV_KEEPALIVE_TIMER, I, FAIL},
    {A, BGP_EV_TCP_UP, OS, STOPT | OPEN | HLRG},
    {A, BGP_EV_TCP_DOWN, I, FAIL},
    {A, BGP_EV_OPEN, I, FAIL},
    {A, BGP_EV_MSG_ERROR, I, FAIL},
    {A, BGP_EV_NOTIFICATION, I, FAIL},
    {A, BGP_EV_KEEPALIVE, I, FAIL},
    {A, BGP_EV_UPDATE, I, FAIL},
    {A, BGP_EV_ROUTE_REFRESH, I, FAIL},
    {A, BGP_EV_COLLISION, I, FAIL},
    /* OpenSent: waiting for the peer's OPEN. */
    {OS, BGP_EV_START, OS, 0},
    {OS, BGP_EV_STOP, I, NOTIF | CLOSE | STOPT, BGP_ERR_CEASE, BGP_ERR_CEASE_SHUTDOWN},
    {OS, BGP_EV_CONNECT_RETRY, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT},
    {OS, BGP_EV_HOLD_EXPIRED, I, NOTIF | FAIL, BGP_ERR_HOLD, 0},
    {OS, BGP_EV_KEEPALIVE_TIMER, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT},
    {OS, BGP_EV_TCP_UP, OS, 0},
    {OS, BGP_EV_TCP_DOWN, I, FAIL},
    {OS, BGP_EV_OPEN, OC, KA | HOLD | KAT},
    {OS, BGP_EV_MSG_ERROR, I, NOTIF | FAIL, 0, 0},
    {OS, BGP_EV_NOTIFICATION, I, FAIL},
    {OS, BGP_EV_KEEPALIVE, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT},
    {OS, BGP_EV_UPDATE, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT},
    {OS, BGP_EV_ROUTE_REFRESH, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENSENT},
    {OS, BGP_EV_COLLISION, I, NOTIF | CLOSE | STOPT, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION},
    /* OpenConfirm: waiting for the KEEPALIVE that confirms our OPEN. */
    {OC, BGP_EV_START, OC, 0},
    {OC, BGP_EV_STOP, I, NOTIF | CLOSE | STOPT, BGP_ERR_CEASE, BGP_ERR_CEASE_SHUTDOWN},
    {OC, BGP_EV_CONNECT_RETRY, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM},
    {OC, BGP_EV_HOLD_EXPIRED, I, NOTIF | FAIL, BGP_ERR_HOLD, 0},
    {OC, BGP_EV_KEEPALIVE_TIMER, OC, KA | KAT},
    {OC, BGP_EV_TCP_UP, OC, 0},
    {OC, BGP_EV_TCP_DOWN, I, FAIL},
    {OC, BGP_EV_OPEN, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM},
    {OC, BGP_EV_MSG_ERROR, I, NOTIF | FAIL, 0, 0},
    {OC, BGP_EV_NOTIFICATION, I, FAIL},
    {OC, BGP_EV_KEEPALIVE, E, HOLD | UP},
    {OC, BGP_EV_UPDATE, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM},
    {OC, BGP_EV_ROUTE_REFRESH, I, NOTIF | FAIL, BGP_ERR_FSM, BGP_ERR_FSM_OPENCONFIRM},
    {OC, BGP_EV_COLLISION, I, NOTIF | CLOSE | STOPT, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION},
    /* Established: routes flow; leaving it takes the peer's routes down. */
    {E, BGP_EV_START, E, 0},
    {E, BGP_EV_STOP, I, NOTIF | CLOSE | STOPT | DOWN, BGP_ERR_CEASE, BGP_ERR_CEASE_SHUTDOWN},
    {E, BGP_EV_CONNECT_RETRY, I, NOTIF | FAIL | DOWN, BGP_ERR_FSM, BGP_ERR_FSM_ESTABLISHED},
    {E, BGP_EV_HOLD_EXPIRED, I, NOTIF | FAIL | DOWN, BGP_ERR_HOLD, 0},
    {E, BGP_EV_KEEPALIVE_TIMER, E, KA | KAT},
    {E, BGP_EV_TCP_UP, E, 0},
    {E, BGP_EV_TCP_DOWN, I, FAIL | DOWN},
    {E, BGP_EV_OPEN, I, NOTIF | FAIL | DOWN, BGP_ERR_FSM, BGP_ERR_FSM_ESTABLISHED},
    {E, BGP_EV_MSG_ERROR, I, NOTIF | FAIL | DOWN, 0, 0},
    {E, BGP_EV_NOTIFICATION, I, FAIL | DOWN},
    {E, BGP_EV_KEEPALIVE, E, HOLD},
    {E, BGP_EV_UPDATE, E, HOLD | PROC},
    {E, BGP_EV_ROUTE_REFRESH, E, HOLD | PROC},
    {E, BGP_EV_COLLISION, I, NOTIF | CLOSE | STOPT | DOWN, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION},
};

/* A passive peer differs only where connecting is involved. */
static const struct row passive_rows[] = {
    {I, BGP_EV_START, A, 0},	      {A, BGP_EV_CONNECT_RETRY, A, CR},
    {C, BGP_EV_CONNECT_RETRY, C, CR}, {A, BGP_EV_TCP_UP, OS, STOPT | OPEN | HLRG},
    {A, BGP_EV_TCP_DOWN, I, FAIL},
};

static void check_rows(const struct row *rows, size_t n, bool passive, const char *what)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		struct bgp_fsm_out o;

		bgp_fsm(r->s, r->e, passive, &o);
		CHECK(o.next == r->next && o.actions == r->actions && o.code == r->code &&
			  o.subcode == r->subcode,
		      "%s %s + %s: got %s actions 0x%x notif %u/%u, want %s 0x%x %u/%u", what,
		      bgp_state_name(r->s), bgp_event_name(r->e), bgp_state_name(o.next), o.actions,
		      o.code, o.subcode, bgp_state_name(r->next), r->actions, r->code, r->subcode);
	}
}

int main(void)
{
	unit_seed("test_bgp_fsm");
	/* The active table covers every state x event. */
	CHECK_EQ(PG_ARRAY_SIZE(active_rows), BGP_ST_MAX * BGP_EV_MAX);
	for (int s = 0; s < BGP_ST_MAX; s++)
		for (int e = 0; e < BGP_EV_MAX; e++) {
			bool found = false;
			for (size_t i = 0; i < PG_ARRAY_SIZE(active_rows); i++)
				found |= active_rows[i].s == (enum bgp_state)s &&
					 active_rows[i].e == (enum bgp_event)e;
			CHECK(found, "no row for %s + %s", bgp_state_name(s), bgp_event_name(e));
		}
	check_rows(active_rows, PG_ARRAY_SIZE(active_rows), false, "active");
	check_rows(passive_rows, PG_ARRAY_SIZE(passive_rows), true, "passive");
	/* States past Active behave the same for passive peers. */
	for (size_t i = 0; i < PG_ARRAY_SIZE(active_rows); i++) {
		const struct row *r = &active_rows[i];
		if (r->s < BGP_ST_OPENSENT)
			continue;
		check_rows(r, 1, true, "passive (same as active)");
	}
	/* A full session: Idle → Connect → OpenSent → OpenConfirm → Established → Idle. */
	static const enum bgp_event walk[] = {BGP_EV_START,	BGP_EV_TCP_UP, BGP_EV_OPEN,
					      BGP_EV_KEEPALIVE, BGP_EV_UPDATE, BGP_EV_TCP_DOWN};
	static const enum bgp_state after[] = {C, OS, OC, E, E, I};
	enum bgp_state s = I;
	for (size_t i = 0; i < PG_ARRAY_SIZE(walk); i++) {
		struct bgp_fsm_out o;
		bgp_fsm(s, walk[i], false, &o);
		CHECK(o.next == after[i], "walk step %zu: %s", i, bgp_state_name(o.next));
		s = o.next;
	}
	/* The peer's AS in its OPEN: exact, or by type (FRR's remote-as external/internal). */
	CHECK(bgp_peer_as_ok(BGP_PEER_AS, 65001, 65000, 65001), "asn");
	CHECK(!bgp_peer_as_ok(BGP_PEER_AS, 65001, 65000, 65002), "asn");
	CHECK(!bgp_peer_as_ok(BGP_PEER_AS, 65001, 65000, 65000), "asn");
	CHECK(bgp_peer_as_ok(BGP_PEER_EXTERNAL, 0, 65000, 65002), "external");
	CHECK(bgp_peer_as_ok(BGP_PEER_EXTERNAL, 0, 65000, 4200000000u), "external");
	CHECK(!bgp_peer_as_ok(BGP_PEER_EXTERNAL, 0, 65000, 65000), "external");
	CHECK(bgp_peer_as_ok(BGP_PEER_INTERNAL, 0, 65000, 65000), "internal");
	CHECK(!bgp_peer_as_ok(BGP_PEER_INTERNAL, 0, 65000, 65001), "internal");
	CHECK(bgp_peer_conf_ibgp(BGP_PEER_INTERNAL, 0, 65000), "ibgp");
	CHECK(!bgp_peer_conf_ibgp(BGP_PEER_EXTERNAL, 0, 65000), "ebgp");
	CHECK(bgp_peer_conf_ibgp(BGP_PEER_AS, 65000, 65000), "ibgp");
	CHECK(!bgp_peer_conf_ibgp(BGP_PEER_AS, 65001, 65000), "ebgp");
	CHECK(strcmp(bgp_state_name(BGP_ST_ESTABLISHED), "Established") == 0, "name");
	CHECK(strcmp(bgp_state_name(BGP_ST_MAX), "?") == 0, "name");
	return unit_done("test_bgp_fsm");
}
