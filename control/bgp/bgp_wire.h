/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

/*
 * BGP wire format: protocol constants, the one bounds-checked read cursor every parser uses, and
 * the write buffer every encoder uses.
 *
 * Reading: a struct bcur is a view [p, end). Every getter checks the remaining length; a short
 * read sets err, moves p to end and returns zero bytes, so a parser may read a whole structure and
 * test bcur_ok() once. bcur_sub() carves a length-delimited sub-view (an attribute, a capability)
 * off the front: the sub-view cannot read past its own end, and a sub-view that does not fit marks
 * both as failed. Nothing is ever read through a raw pointer plus a length taken from the wire.
 *
 * Writing: a struct bbuf writes into a caller-supplied buffer; running out of room sets err and
 * further writes do nothing. Lengths that are only known afterwards are reserved with
 * bbuf_reserve16() and filled with bbuf_patch16().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- message header ---- */
#define BGP_HDR_LEN	 19
#define BGP_MARKER_LEN	 16
#define BGP_MAX_LEN	 4096
#define BGP_EXT_MAX_LEN	 65535 /* RFC 8654, once negotiated */
#define BGP_VERSION	 4
#define BGP_PORT	 179
#define BGP_AS_TRANS	 23456
#define BGP_OPEN_MIN_LEN (BGP_HDR_LEN + 10)

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

/* ---- NOTIFICATION codes (RFC 4271 §4.5, RFC 4486, RFC 7313, RFC 8203) ---- */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7,
};
enum { /* BGP_ERR_HEADER */
       BGP_ERR_HDR_SYNC = 1,
       BGP_ERR_HDR_LENGTH = 2,
       BGP_ERR_HDR_TYPE = 3,
};
enum { /* BGP_ERR_OPEN */
       BGP_ERR_OPEN_VERSION = 1,
       BGP_ERR_OPEN_PEER_AS = 2,
       BGP_ERR_OPEN_BGP_ID = 3,
       BGP_ERR_OPEN_OPT_PARAM = 4,
       BGP_ERR_OPEN_HOLD_TIME = 6,
       BGP_ERR_OPEN_CAPABILITY = 7,
       BGP_ERR_OPEN_ROLE = 11,
};
enum { /* BGP_ERR_UPDATE */
       BGP_ERR_UPD_ATTR_LIST = 1,
       BGP_ERR_UPD_WELL_KNOWN = 2,
       BGP_ERR_UPD_MISSING = 3,
       BGP_ERR_UPD_FLAGS = 4,
       BGP_ERR_UPD_LENGTH = 5,
       BGP_ERR_UPD_ORIGIN = 6,
       BGP_ERR_UPD_NEXT_HOP = 8,
       BGP_ERR_UPD_OPTIONAL = 9,
       BGP_ERR_UPD_NETWORK = 10,
       BGP_ERR_UPD_AS_PATH = 11,
};
enum { /* BGP_ERR_FSM (RFC 6608) */
       BGP_ERR_FSM_OPENSENT = 1,
       BGP_ERR_FSM_OPENCONFIRM = 2,
       BGP_ERR_FSM_ESTABLISHED = 3,
};
enum { /* BGP_ERR_CEASE (RFC 4486, RFC 8538) */
       BGP_ERR_CEASE_MAX_PREFIX = 1,
       BGP_ERR_CEASE_SHUTDOWN = 2,
       BGP_ERR_CEASE_DECONFIGURED = 3,
       BGP_ERR_CEASE_RESET = 4,
       BGP_ERR_CEASE_REJECTED = 5,
       BGP_ERR_CEASE_CONFIG = 6,
       BGP_ERR_CEASE_COLLISION = 7,
       BGP_ERR_CEASE_RESOURCES = 8,
       BGP_ERR_CEASE_HARD_RESET = 9,
};
enum { /* BGP_ERR_ROUTE_REFRESH (RFC 7313) */
       BGP_ERR_RR_LENGTH = 1,
};

/* ---- OPEN optional parameters and capabilities ---- */
#define BGP_OPT_CAPABILITIES 2
#define BGP_OPT_EXTENDED     255 /* RFC 9072 extended optional parameters length */
enum bgp_cap_code {
	BGP_CAP_MP = 1,
	BGP_CAP_ROUTE_REFRESH = 2,
	BGP_CAP_EXT_NEXTHOP = 5,
	BGP_CAP_EXT_MESSAGE = 6,
	BGP_CAP_ROLE = 9,
	BGP_CAP_GRACEFUL_RESTART = 64,
	BGP_CAP_AS4 = 65,
	BGP_CAP_ADD_PATH = 69,
	BGP_CAP_ENHANCED_RR = 70,
	BGP_CAP_LLGR = 71,
	BGP_CAP_FQDN = 73,
	BGP_CAP_SOFT_VERSION = 75,
	BGP_CAP_ROUTE_REFRESH_OLD = 128, /* pre-standard code, still sent by some */
};

/* ---- address families ---- */
#define BGP_AFI_IPV4	 1
#define BGP_AFI_IPV6	 2
#define BGP_AFI_L2VPN	 25
#define BGP_SAFI_UNICAST 1
#define BGP_SAFI_EVPN	 70

/* The address families Peregrine speaks, as bit positions in masks. */
enum bgp_af {
	BGP_AF_IPV4 = 0, /* IPv4 unicast */
	BGP_AF_IPV6,	 /* IPv6 unicast */
	BGP_AF_EVPN,	 /* L2VPN EVPN */
	BGP_AF_MAX
};
#define BGP_AF_BIT(af) (1u << (af))

/* AFI/SAFI to enum bgp_af; BGP_AF_MAX when not one of ours. */
static inline enum bgp_af bgp_af_from(uint16_t afi, uint8_t safi)
{
	if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST)
		return BGP_AF_IPV4;
	if (afi == BGP_AFI_IPV6 && safi == BGP_SAFI_UNICAST)
		return BGP_AF_IPV6;
	if (afi == BGP_AFI_L2VPN && safi == BGP_SAFI_EVPN)
		return BGP_AF_EVPN;
	return BGP_AF_MAX;
}

static inline void bgp_af_to(enum bgp_af af, uint16_t *afi, uint8_t *safi)
{
	static const uint16_t afis[BGP_AF_MAX] = {BGP_AFI_IPV4, BGP_AFI_IPV6, BGP_AFI_L2VPN};
	static const uint8_t safis[BGP_AF_MAX] = {BGP_SAFI_UNICAST, BGP_SAFI_UNICAST,
						  BGP_SAFI_EVPN};
	*afi = afis[af];
	*safi = safis[af];
}

const char *bgp_af_name(enum bgp_af af); /* "ipv4-unicast", "ipv6-unicast", "l2vpn-evpn" */

/* ---- path attributes ---- */
#define BGP_ATTR_F_OPTIONAL   0x80
#define BGP_ATTR_F_TRANSITIVE 0x40
#define BGP_ATTR_F_PARTIAL    0x20
#define BGP_ATTR_F_EXTLEN     0x10

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_EXT_COMMUNITIES = 16,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_PMSI_TUNNEL = 22,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};

enum { BGP_ORIGIN_IGP = 0, BGP_ORIGIN_EGP = 1, BGP_ORIGIN_INCOMPLETE = 2 };
enum {
	BGP_ASPATH_SET = 1,
	BGP_ASPATH_SEQUENCE = 2,
	BGP_ASPATH_CONFED_SEQUENCE = 3,
	BGP_ASPATH_CONFED_SET = 4
};

/* ---- read cursor ---- */
struct bcur {
	const uint8_t *p, *end;
	bool err;
};

static inline struct bcur bcur_make(const void *p, size_t n)
{
	return (struct bcur){.p = p, .end = (const uint8_t *)p + n, .err = false};
}

static inline size_t bcur_left(const struct bcur *c)
{
	return (size_t)(c->end - c->p);
}

static inline bool bcur_ok(const struct bcur *c)
{
	return !c->err;
}

static inline bool bcur_empty(const struct bcur *c)
{
	return c->p == c->end;
}

/* Mark the cursor failed and exhausted. */
static inline void bcur_fail(struct bcur *c)
{
	c->err = true;
	c->p = c->end;
}

/* Pointer to the next n bytes (advancing past them), or NULL (and failed) when fewer are left. */
static inline const uint8_t *bcur_take(struct bcur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (n > bcur_left(c)) {
		bcur_fail(c);
		return NULL;
	}
	c->p += n;
	return p;
}

static inline uint8_t bcur_u8(struct bcur *c)
{
	const uint8_t *p = bcur_take(c, 1);
	return p ? p[0] : 0;
}

static inline uint16_t bcur_u16(struct bcur *c)
{
	const uint8_t *p = bcur_take(c, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

static inline uint32_t bcur_u24(struct bcur *c)
{
	const uint8_t *p = bcur_take(c, 3);
	return p ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : 0;
}

static inline uint32_t bcur_u32(struct bcur *c)
{
	const uint8_t *p = bcur_take(c, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}

/* Copy n bytes out; on a short read dst is zeroed. */
static inline bool bcur_copy(struct bcur *c, void *dst, size_t n)
{
	const uint8_t *p = bcur_take(c, n);

	if (!p) {
		memset(dst, 0, n);
		return false;
	}
	memcpy(dst, p, n);
	return true;
}

static inline bool bcur_skip(struct bcur *c, size_t n)
{
	return bcur_take(c, n) != NULL;
}

/* The next n bytes as their own view; if fewer are left, both views are failed and empty. */
static inline struct bcur bcur_sub(struct bcur *c, size_t n)
{
	const uint8_t *p = bcur_take(c, n);
	struct bcur s = {.p = p, .end = p ? p + n : NULL, .err = p == NULL};

	if (!p)
		s.p = s.end = c->end;
	return s;
}

/* ---- write buffer ---- */
struct bbuf {
	uint8_t *p;
	size_t len, cap;
	bool err;
};

static inline struct bbuf bbuf_make(void *p, size_t cap)
{
	return (struct bbuf){.p = p, .len = 0, .cap = cap, .err = false};
}

/* Room for n more bytes: a pointer to them, or NULL (and err set). */
static inline uint8_t *bbuf_room(struct bbuf *b, size_t n)
{
	uint8_t *p;

	if (b->err || n > b->cap - b->len) {
		b->err = true;
		return NULL;
	}
	p = b->p + b->len;
	b->len += n;
	return p;
}

static inline void bbuf_u8(struct bbuf *b, uint8_t v)
{
	uint8_t *p = bbuf_room(b, 1);
	if (p)
		p[0] = v;
}

static inline void bbuf_u16(struct bbuf *b, uint16_t v)
{
	uint8_t *p = bbuf_room(b, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void bbuf_u24(struct bbuf *b, uint32_t v)
{
	uint8_t *p = bbuf_room(b, 3);
	if (p) {
		p[0] = (uint8_t)(v >> 16);
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)v;
	}
}

static inline void bbuf_u32(struct bbuf *b, uint32_t v)
{
	uint8_t *p = bbuf_room(b, 4);
	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

static inline void bbuf_bytes(struct bbuf *b, const void *src, size_t n)
{
	uint8_t *p = bbuf_room(b, n);
	if (p && n)
		memcpy(p, src, n);
}

/* Reserve a 1- or 2-byte length field; returns its offset (for bbuf_patch*). */
static inline size_t bbuf_reserve8(struct bbuf *b)
{
	size_t at = b->len;
	bbuf_u8(b, 0);
	return at;
}

static inline size_t bbuf_reserve16(struct bbuf *b)
{
	size_t at = b->len;
	bbuf_u16(b, 0);
	return at;
}

/* Fill a reserved field with the number of bytes written after it. Fails (err) on overflow. */
static inline void bbuf_patch8(struct bbuf *b, size_t at)
{
	size_t n = b->len - at - 1;
	if (b->err)
		return;
	if (n > 0xff) {
		b->err = true;
		return;
	}
	b->p[at] = (uint8_t)n;
}

static inline void bbuf_patch16(struct bbuf *b, size_t at)
{
	size_t n = b->len - at - 2;
	if (b->err)
		return;
	if (n > 0xffff) {
		b->err = true;
		return;
	}
	b->p[at] = (uint8_t)(n >> 8);
	b->p[at + 1] = (uint8_t)n;
}

/* ---- NOTIFICATION to send: the outcome of a parse error ---- */
struct bgp_notif {
	uint8_t code, subcode;
	uint16_t len;	   /* of data */
	uint8_t data[128]; /* RFC 4271 data field (e.g. the faulty attribute), cut to fit */
};

static inline void bgp_notif_set(struct bgp_notif *n, uint8_t code, uint8_t subcode,
				 const void *data, size_t len)
{
	if (!n)
		return;
	n->code = code;
	n->subcode = subcode;
	n->len = (uint16_t)(len < sizeof(n->data) ? len : sizeof(n->data));
	if (n->len)
		memcpy(n->data, data, n->len);
}

/* ---- message header ---- */
/* Start a message of type at the end of b (marker, length placeholder, type); returns its offset
 * for bgp_msg_end(). */
static inline size_t bgp_msg_begin(struct bbuf *b, uint8_t type)
{
	size_t at = b->len;
	uint8_t *m = bbuf_room(b, BGP_MARKER_LEN);

	if (m)
		memset(m, 0xff, BGP_MARKER_LEN);
	bbuf_u16(b, 0);
	bbuf_u8(b, type);
	return at;
}

/* Fill in the length of the message started at at; fails (err) beyond max_len. */
static inline void bgp_msg_end(struct bbuf *b, size_t at, size_t max_len)
{
	size_t n = b->len - at;

	if (b->err)
		return;
	if (n > max_len) {
		b->err = true;
		return;
	}
	b->p[at + BGP_MARKER_LEN] = (uint8_t)(n >> 8);
	b->p[at + BGP_MARKER_LEN + 1] = (uint8_t)n;
}
