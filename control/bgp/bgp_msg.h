/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * BGP message framing and the session messages: OPEN with its capabilities (RFC 5492), KEEPALIVE,
 * NOTIFICATION (RFC 4271 §4.5, RFC 8203 shutdown communication) and ROUTE-REFRESH (RFC 2918,
 * RFC 7313). UPDATE lives in bgp_update.h.
 */

#include "bgp_wire.h"

/*
 * Framing: look at the start of a byte stream. Returns the length of the first complete message
 * (header included, >= 19), 0 when more bytes are needed, or -1 for a bad header (notif: marker,
 * length outside 19..max_len or below the type's minimum, unknown type).
 */
int bgp_frame(const uint8_t *buf, size_t n, size_t max_len, struct bgp_notif *notif);

/* ---- capabilities ---- */
#define BGP_MAX_UNKNOWN_CAPS 16

struct bgp_caps {
	uint32_t mp;	    /* BGP_AF_BIT of each multiprotocol family announced (ours only) */
	uint8_t n_mp_other; /* MP capabilities for families we do not speak */
	bool route_refresh; /* code 2 (or the pre-standard 128) */
	bool enhanced_rr;   /* RFC 7313 */
	bool as4;	    /* RFC 6793 */
	uint32_t as4_asn;
	bool ext_msg;	  /* RFC 8654 */
	bool ext_nexthop; /* RFC 8950 (recorded, not used) */
	/* Graceful restart (RFC 4724) */
	bool gr;
	bool gr_restarting;   /* R bit: the sender has restarted */
	bool gr_notification; /* N bit (RFC 8538) */
	uint16_t gr_time;     /* restart time, seconds (12 bits) */
	uint32_t gr_af;	      /* families the sender preserves state for */
	uint32_t gr_af_fwd;   /* ... whose forwarding state was preserved (F bit) */
	/* Recorded so that the session can show them; Peregrine does not use them. */
	bool add_path; /* RFC 7911 */
	bool llgr;     /* long-lived graceful restart */
	bool fqdn;
	char hostname[65];
	bool role;
	uint8_t role_value;
	/* Anything else, by code. */
	uint8_t n_unknown;
	uint8_t unknown[BGP_MAX_UNKNOWN_CAPS];
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as; /* 2-octet field (AS_TRANS when the real AS is in the AS4 capability) */
	uint16_t hold_time;
	uint32_t bgp_id; /* network order */
	struct bgp_caps caps;
};

/* The speaker's AS: the AS4 capability's when present, else the 2-octet field. */
static inline uint32_t bgp_open_asn(const struct bgp_open *o)
{
	return o->caps.as4 ? o->caps.as4_asn : o->my_as;
}

/*
 * Parse an OPEN body (after the header). Syntax only: version 4, hold time 0 or >= 3, a non-zero
 * BGP identifier, optional parameters well formed (RFC 9072 extended length accepted), only the
 * capabilities parameter, every capability inside its parameter. Unknown capabilities are
 * recorded and tolerated. Peer AS and identifier policy checks are the session's job. Returns 0
 * or -1 with notif filled (OPEN message error).
 */
int bgp_open_parse(const uint8_t *body, size_t len, struct bgp_open *o, struct bgp_notif *notif);

/* Write a complete OPEN message. Capabilities sent: MP for each family in caps.mp, route refresh,
 * enhanced route refresh, AS4, graceful restart (when caps.gr), extended message (when
 * caps.ext_msg), FQDN (when hostname is set). */
void bgp_open_write(struct bbuf *b, const struct bgp_open *o);

/* A human-readable list of capabilities ("mp(ipv4-unicast,l2vpn-evpn) rr err as4 gr(120s)"). */
char *bgp_caps_fmt(const struct bgp_caps *c, char *buf, size_t len);

/* ---- other session messages ---- */
void bgp_keepalive_write(struct bbuf *b);
void bgp_notification_write(struct bbuf *b, const struct bgp_notif *n);

struct bgp_notification {
	uint8_t code, subcode;
	const uint8_t *data;
	uint16_t len;
	/* Cease / shutdown or reset with an RFC 8203 message: the text (sanitised, terminated). */
	char shutdown_msg[256];
};
int bgp_notification_parse(const uint8_t *body, size_t len, struct bgp_notification *n);
/* "Cease/Administrative Shutdown" etc. */
const char *bgp_err_code_name(uint8_t code);
const char *bgp_err_subcode_name(uint8_t code, uint8_t subcode);

/* ROUTE-REFRESH: subtype 0 = normal, 1 = begin of enhanced refresh, 2 = end (RFC 7313). */
enum { BGP_RR_NORMAL = 0, BGP_RR_BORR = 1, BGP_RR_EORR = 2 };
struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype;
	uint8_t safi;
};
/* Returns 0, or -1 with notif (ROUTE-REFRESH error / invalid length when the body is not 4). */
int bgp_route_refresh_parse(const uint8_t *body, size_t len, struct bgp_route_refresh *rr,
			    struct bgp_notif *notif);
void bgp_route_refresh_write(struct bbuf *b, enum bgp_af af, uint8_t subtype);
