/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "bgp_msg.h"
#include "util.h"

const char *bgp_af_name(enum bgp_af af)
{
	static const char *const names[BGP_AF_MAX] = {"ipv4-unicast", "ipv6-unicast", "l2vpn-evpn"};
	return af < BGP_AF_MAX ? names[af] : "?";
}

/* ---- framing ---- */

int bgp_frame(const uint8_t *buf, size_t n, size_t max_len, struct bgp_notif *notif)
{
	static const uint16_t min_len[] = {
	    [BGP_MSG_OPEN] = BGP_OPEN_MIN_LEN,	       [BGP_MSG_UPDATE] = BGP_HDR_LEN + 4,
	    [BGP_MSG_NOTIFICATION] = BGP_HDR_LEN + 2,  [BGP_MSG_KEEPALIVE] = BGP_HDR_LEN,
	    [BGP_MSG_ROUTE_REFRESH] = BGP_HDR_LEN + 4,
	};
	struct bcur c = bcur_make(buf, n);
	const uint8_t *marker = bcur_take(&c, BGP_MARKER_LEN);
	uint16_t len = bcur_u16(&c);
	uint8_t type = bcur_u8(&c);

	if (!bcur_ok(&c))
		return 0;
	for (unsigned i = 0; i < BGP_MARKER_LEN; i++) {
		if (marker[i] != 0xff) {
			bgp_notif_set(notif, BGP_ERR_HEADER, BGP_ERR_HDR_SYNC, NULL, 0);
			return -1;
		}
	}
	if (type == 0 || type >= PG_ARRAY_SIZE(min_len)) {
		bgp_notif_set(notif, BGP_ERR_HEADER, BGP_ERR_HDR_TYPE, &type, 1);
		return -1;
	}
	/* KEEPALIVE is exactly 19 bytes; OPEN is never extended (RFC 8654 §3). */
	if (len < min_len[type] || len > max_len ||
	    (type == BGP_MSG_KEEPALIVE && len != BGP_HDR_LEN) ||
	    (type == BGP_MSG_OPEN && len > BGP_MAX_LEN)) {
		uint8_t d[2] = {(uint8_t)(len >> 8), (uint8_t)len};
		bgp_notif_set(notif, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, d, 2);
		return -1;
	}
	return len <= n ? len : 0;
}

/* ---- OPEN ---- */

static void caps_unknown(struct bgp_caps *caps, uint8_t code)
{
	for (unsigned i = 0; i < caps->n_unknown; i++)
		if (caps->unknown[i] == code)
			return;
	if (caps->n_unknown < BGP_MAX_UNKNOWN_CAPS)
		caps->unknown[caps->n_unknown++] = code;
}

/* One capability (code, value view). Returns 0, or -1 with notif for a malformed one. */
static int cap_parse(uint8_t code, struct bcur v, struct bgp_caps *caps, struct bgp_notif *notif)
{
	size_t len = bcur_left(&v);

	switch (code) {
	case BGP_CAP_MP: {
		if (len != 4)
			goto bad;
		uint16_t afi = bcur_u16(&v);
		bcur_u8(&v); /* reserved */
		uint8_t safi = bcur_u8(&v);
		enum bgp_af af = bgp_af_from(afi, safi);
		if (af < BGP_AF_MAX)
			caps->mp |= BGP_AF_BIT(af);
		else if (caps->n_mp_other < 255)
			caps->n_mp_other++;
		return 0;
	}
	case BGP_CAP_ROUTE_REFRESH:
	case BGP_CAP_ROUTE_REFRESH_OLD:
		if (len != 0)
			goto bad;
		caps->route_refresh = true;
		return 0;
	case BGP_CAP_ENHANCED_RR:
		if (len != 0)
			goto bad;
		caps->enhanced_rr = true;
		return 0;
	case BGP_CAP_AS4:
		if (len != 4)
			goto bad;
		caps->as4 = true;
		caps->as4_asn = bcur_u32(&v);
		return 0;
	case BGP_CAP_EXT_MESSAGE:
		if (len != 0)
			goto bad;
		caps->ext_msg = true;
		return 0;
	case BGP_CAP_EXT_NEXTHOP:
		if (len % 6)
			goto bad;
		caps->ext_nexthop = true;
		return 0;
	case BGP_CAP_GRACEFUL_RESTART: {
		/* Restart flags and time (2), then (AFI, SAFI, flags) tuples. */
		if (len < 2 || (len - 2) % 4)
			goto bad;
		uint16_t ft = bcur_u16(&v);
		caps->gr = true;
		caps->gr_restarting = ft & 0x8000;
		caps->gr_notification = ft & 0x4000;
		caps->gr_time = ft & 0x0fff;
		caps->gr_af = caps->gr_af_fwd = 0;
		while (!bcur_empty(&v)) {
			uint16_t afi = bcur_u16(&v);
			uint8_t safi = bcur_u8(&v);
			uint8_t flags = bcur_u8(&v);
			enum bgp_af af = bgp_af_from(afi, safi);
			if (af == BGP_AF_MAX)
				continue;
			caps->gr_af |= BGP_AF_BIT(af);
			if (flags & 0x80)
				caps->gr_af_fwd |= BGP_AF_BIT(af);
		}
		return 0;
	}
	case BGP_CAP_ADD_PATH:
		if (len == 0 || len % 4)
			goto bad;
		caps->add_path = true;
		return 0;
	case BGP_CAP_LLGR:
		if (len % 7)
			goto bad;
		caps->llgr = true;
		return 0;
	case BGP_CAP_FQDN: {
		/* hostname length + hostname, domain length + domain */
		uint8_t hl = bcur_u8(&v);
		const uint8_t *h = bcur_take(&v, hl);
		uint8_t dl = bcur_u8(&v);
		bcur_skip(&v, dl);
		if (!bcur_ok(&v))
			goto bad;
		caps->fqdn = true;
		size_t n = PG_MIN(hl, sizeof(caps->hostname) - 1);
		for (size_t i = 0; i < n; i++)
			caps->hostname[i] = (h[i] >= 0x20 && h[i] < 0x7f) ? (char)h[i] : '?';
		caps->hostname[n] = 0;
		return 0;
	}
	case BGP_CAP_ROLE:
		if (len != 1)
			goto bad;
		caps->role = true;
		caps->role_value = bcur_u8(&v);
		return 0;
	default:
		caps_unknown(caps, code);
		return 0;
	}
bad:
	/* RFC 5492 leaves the reaction to each capability's spec; a capability we rely on that is
	 * malformed is an OPEN error (unsupported optional parameter is the closest code). */
	bgp_notif_set(notif, BGP_ERR_OPEN, BGP_ERR_OPEN_OPT_PARAM, &code, 1);
	return -1;
}

int bgp_open_parse(const uint8_t *body, size_t len, struct bgp_open *o, struct bgp_notif *notif)
{
	struct bcur c = bcur_make(body, len);
	size_t plen;

	memset(o, 0, sizeof(*o));
	o->version = bcur_u8(&c);
	o->my_as = bcur_u16(&c);
	o->hold_time = bcur_u16(&c);
	o->bgp_id = 0;
	bcur_copy(&c, &o->bgp_id, 4);
	plen = bcur_u8(&c);
	if (!bcur_ok(&c)) {
		bgp_notif_set(notif, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, NULL, 0);
		return -1;
	}
	if (o->version != BGP_VERSION) {
		/* Data: the largest version we support (RFC 4271 §6.2). */
		uint8_t d[2] = {0, BGP_VERSION};
		bgp_notif_set(notif, BGP_ERR_OPEN, BGP_ERR_OPEN_VERSION, d, 2);
		return -1;
	}
	if (o->hold_time == 1 || o->hold_time == 2) {
		bgp_notif_set(notif, BGP_ERR_OPEN, BGP_ERR_OPEN_HOLD_TIME, NULL, 0);
		return -1;
	}
	if (o->bgp_id == 0) {
		bgp_notif_set(notif, BGP_ERR_OPEN, BGP_ERR_OPEN_BGP_ID, NULL, 0);
		return -1;
	}
	/* RFC 9072: length 255 with the first parameter type 255 means 2-byte lengths follow. */
	bool ext = false;
	if (plen == BGP_OPT_EXTENDED && bcur_left(&c) >= 1 && c.p[0] == BGP_OPT_EXTENDED) {
		bcur_u8(&c);
		plen = bcur_u16(&c);
		ext = true;
	}
	if (plen != bcur_left(&c)) {
		bgp_notif_set(notif, BGP_ERR_HEADER, BGP_ERR_HDR_LENGTH, NULL, 0);
		return -1;
	}
	while (!bcur_empty(&c)) {
		uint8_t ptype = bcur_u8(&c);
		size_t pl = ext ? bcur_u16(&c) : bcur_u8(&c);
		struct bcur p = bcur_sub(&c, pl);
		if (!bcur_ok(&c)) {
			bgp_notif_set(notif, BGP_ERR_OPEN, BGP_ERR_OPEN_OPT_PARAM, NULL, 0);
			return -1;
		}
		if (ptype != BGP_OPT_CAPABILITIES) {
			/* RFC 5492 leaves only the capabilities parameter; anything else (the old
			 * authentication parameter) is unsupported. */
			bgp_notif_set(notif, BGP_ERR_OPEN, BGP_ERR_OPEN_OPT_PARAM, &ptype, 1);
			return -1;
		}
		while (!bcur_empty(&p)) {
			uint8_t code = bcur_u8(&p);
			uint8_t cl = bcur_u8(&p);
			struct bcur v = bcur_sub(&p, cl);
			if (!bcur_ok(&p)) {
				bgp_notif_set(notif, BGP_ERR_OPEN, BGP_ERR_OPEN_OPT_PARAM, NULL, 0);
				return -1;
			}
			if (cap_parse(code, v, &o->caps, notif) < 0)
				return -1;
		}
	}
	return 0;
}

static void cap_begin(struct bbuf *b, uint8_t code, uint8_t len)
{
	bbuf_u8(b, code);
	bbuf_u8(b, len);
}

void bgp_open_write(struct bbuf *b, const struct bgp_open *o)
{
	const struct bgp_caps *c = &o->caps;
	size_t at = bgp_msg_begin(b, BGP_MSG_OPEN);

	bbuf_u8(b, BGP_VERSION);
	bbuf_u16(b, o->my_as);
	bbuf_u16(b, o->hold_time);
	bbuf_bytes(b, &o->bgp_id, 4);
	size_t opt_len = bbuf_reserve8(b);
	/* One capabilities parameter holding them all (RFC 5492 allows either form). */
	bbuf_u8(b, BGP_OPT_CAPABILITIES);
	size_t caps_len = bbuf_reserve8(b);
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		uint16_t afi;
		uint8_t safi;
		if (!(c->mp & BGP_AF_BIT(af)))
			continue;
		bgp_af_to(af, &afi, &safi);
		cap_begin(b, BGP_CAP_MP, 4);
		bbuf_u16(b, afi);
		bbuf_u8(b, 0);
		bbuf_u8(b, safi);
	}
	if (c->route_refresh)
		cap_begin(b, BGP_CAP_ROUTE_REFRESH, 0);
	if (c->enhanced_rr)
		cap_begin(b, BGP_CAP_ENHANCED_RR, 0);
	if (c->ext_msg)
		cap_begin(b, BGP_CAP_EXT_MESSAGE, 0);
	if (c->gr) {
		unsigned n = 0;
		for (unsigned af = 0; af < BGP_AF_MAX; af++)
			n += (c->gr_af >> af) & 1;
		cap_begin(b, BGP_CAP_GRACEFUL_RESTART, (uint8_t)(2 + 4 * n));
		bbuf_u16(b, (uint16_t)((c->gr_restarting ? 0x8000 : 0) |
				       (c->gr_notification ? 0x4000 : 0) | (c->gr_time & 0x0fff)));
		for (unsigned af = 0; af < BGP_AF_MAX; af++) {
			uint16_t afi;
			uint8_t safi;
			if (!(c->gr_af & BGP_AF_BIT(af)))
				continue;
			bgp_af_to(af, &afi, &safi);
			bbuf_u16(b, afi);
			bbuf_u8(b, safi);
			bbuf_u8(b, (c->gr_af_fwd & BGP_AF_BIT(af)) ? 0x80 : 0);
		}
	}
	if (c->as4) {
		cap_begin(b, BGP_CAP_AS4, 4);
		bbuf_u32(b, c->as4_asn);
	}
	if (c->fqdn) {
		size_t hl = strnlen(c->hostname, sizeof(c->hostname) - 1);
		cap_begin(b, BGP_CAP_FQDN, (uint8_t)(hl + 2));
		bbuf_u8(b, (uint8_t)hl);
		bbuf_bytes(b, c->hostname, hl);
		bbuf_u8(b, 0);
	}
	bbuf_patch8(b, caps_len);
	bbuf_patch8(b, opt_len);
	bgp_msg_end(b, at, BGP_MAX_LEN);
}

char *bgp_caps_fmt(const struct bgp_caps *c, char *buf, size_t len)
{
	size_t o = 0;
#define OUT(...)                                                                \
	do {                                                                    \
		int r_ = snprintf(buf + o, len > o ? len - o : 0, __VA_ARGS__); \
		if (r_ > 0)                                                     \
			o += (size_t)r_;                                        \
	} while (0)

	if (len)
		buf[0] = 0;
	if (c->mp) {
		const char *sep = "";
		OUT("mp(");
		for (unsigned af = 0; af < BGP_AF_MAX; af++) {
			if (c->mp & BGP_AF_BIT(af)) {
				OUT("%s%s", sep, bgp_af_name(af));
				sep = ",";
			}
		}
		OUT(") ");
	}
	if (c->route_refresh)
		OUT("route-refresh ");
	if (c->enhanced_rr)
		OUT("enhanced-route-refresh ");
	if (c->as4)
		OUT("as4(%u) ", c->as4_asn);
	if (c->ext_msg)
		OUT("extended-message ");
	if (c->gr)
		OUT("graceful-restart(%us%s) ", c->gr_time, c->gr_restarting ? ",restarting" : "");
	if (c->add_path)
		OUT("add-path ");
	if (c->llgr)
		OUT("llgr ");
	if (c->fqdn)
		OUT("fqdn(%s) ", c->hostname);
	if (c->ext_nexthop)
		OUT("extended-nexthop ");
	if (c->role)
		OUT("role(%u) ", c->role_value);
	for (unsigned i = 0; i < c->n_unknown; i++)
		OUT("cap%u ", c->unknown[i]);
	if (o && o <= len)
		buf[o - 1] = 0; /* trailing space */
#undef OUT
	return buf;
}

/* ---- KEEPALIVE, NOTIFICATION, ROUTE-REFRESH ---- */

void bgp_keepalive_write(struct bbuf *b)
{
	size_t at = bgp_msg_begin(b, BGP_MSG_KEEPALIVE);
	bgp_msg_end(b, at, BGP_MAX_LEN);
}

void bgp_notification_write(struct bbuf *b, const struct bgp_notif *n)
{
	size_t at = bgp_msg_begin(b, BGP_MSG_NOTIFICATION);

	bbuf_u8(b, n->code);
	bbuf_u8(b, n->subcode);
	bbuf_bytes(b, n->data, PG_MIN(n->len, sizeof(n->data)));
	bgp_msg_end(b, at, BGP_MAX_LEN);
}

int bgp_notification_parse(const uint8_t *body, size_t len, struct bgp_notification *n)
{
	struct bcur c = bcur_make(body, len);

	memset(n, 0, sizeof(*n));
	n->code = bcur_u8(&c);
	n->subcode = bcur_u8(&c);
	if (!bcur_ok(&c))
		return -1;
	n->len = (uint16_t)bcur_left(&c);
	n->data = n->len ? c.p : NULL;
	/* RFC 8203/9003: shutdown and reset carry a length-prefixed UTF-8 message. */
	if (n->code == BGP_ERR_CEASE &&
	    (n->subcode == BGP_ERR_CEASE_SHUTDOWN || n->subcode == BGP_ERR_CEASE_RESET) && n->len) {
		struct bcur m = bcur_make(n->data, n->len);
		uint8_t ml = bcur_u8(&m);
		const uint8_t *t = bcur_take(&m, ml);
		if (t) {
			size_t k = PG_MIN((size_t)ml, sizeof(n->shutdown_msg) - 1);
			for (size_t i = 0; i < k; i++)
				n->shutdown_msg[i] =
				    (t[i] >= 0x20 && t[i] != 0x7f) ? (char)t[i] : '?';
			n->shutdown_msg[k] = 0;
		}
	}
	return 0;
}

const char *bgp_err_code_name(uint8_t code)
{
	static const char *const names[] = {
	    [BGP_ERR_HEADER] = "Message Header Error",
	    [BGP_ERR_OPEN] = "OPEN Message Error",
	    [BGP_ERR_UPDATE] = "UPDATE Message Error",
	    [BGP_ERR_HOLD] = "Hold Timer Expired",
	    [BGP_ERR_FSM] = "Finite State Machine Error",
	    [BGP_ERR_CEASE] = "Cease",
	    [BGP_ERR_ROUTE_REFRESH] = "ROUTE-REFRESH Message Error",
	};
	return code < PG_ARRAY_SIZE(names) && names[code] ? names[code] : "Unknown";
}

const char *bgp_err_subcode_name(uint8_t code, uint8_t sub)
{
	static const char *const hdr[] = {[1] = "Connection Not Synchronized",
					  [2] = "Bad Message Length",
					  [3] = "Bad Message Type"};
	static const char *const open[] = {[1] = "Unsupported Version Number",
					   [2] = "Bad Peer AS",
					   [3] = "Bad BGP Identifier",
					   [4] = "Unsupported Optional Parameter",
					   [6] = "Unacceptable Hold Time",
					   [7] = "Unsupported Capability",
					   [11] = "Role Mismatch"};
	static const char *const upd[] = {
	    [1] = "Malformed Attribute List",	  [2] = "Unrecognized Well-known Attribute",
	    [3] = "Missing Well-known Attribute", [4] = "Attribute Flags Error",
	    [5] = "Attribute Length Error",	  [6] = "Invalid ORIGIN Attribute",
	    [8] = "Invalid NEXT_HOP Attribute",	  [9] = "Optional Attribute Error",
	    [10] = "Invalid Network Field",	  [11] = "Malformed AS_PATH"};
	static const char *const fsm[] = {[1] = "Unexpected Message in OpenSent",
					  [2] = "Unexpected Message in OpenConfirm",
					  [3] = "Unexpected Message in Established"};
	static const char *const cease[] = {[1] = "Maximum Number of Prefixes Reached",
					    [2] = "Administrative Shutdown",
					    [3] = "Peer De-configured",
					    [4] = "Administrative Reset",
					    [5] = "Connection Rejected",
					    [6] = "Other Configuration Change",
					    [7] = "Connection Collision Resolution",
					    [8] = "Out of Resources",
					    [9] = "Hard Reset"};
	static const char *const rr[] = {[1] = "Invalid Message Length"};
	const char *const *t = NULL;
	size_t n = 0;

#define PICK(a) (t = (a), n = PG_ARRAY_SIZE(a))
	switch (code) {
	case BGP_ERR_HEADER:
		PICK(hdr);
		break;
	case BGP_ERR_OPEN:
		PICK(open);
		break;
	case BGP_ERR_UPDATE:
		PICK(upd);
		break;
	case BGP_ERR_FSM:
		PICK(fsm);
		break;
	case BGP_ERR_CEASE:
		PICK(cease);
		break;
	case BGP_ERR_ROUTE_REFRESH:
		PICK(rr);
		break;
	default:
		return sub == 0 ? "Unspecific" : "Unknown";
	}
#undef PICK
	if (sub == 0)
		return "Unspecific";
	return sub < n && t[sub] ? t[sub] : "Unknown";
}

int bgp_route_refresh_parse(const uint8_t *body, size_t len, struct bgp_route_refresh *rr,
			    struct bgp_notif *notif)
{
	struct bcur c = bcur_make(body, len);

	rr->afi = bcur_u16(&c);
	rr->subtype = bcur_u8(&c);
	rr->safi = bcur_u8(&c);
	if (!bcur_ok(&c) || !bcur_empty(&c)) {
		/* RFC 7313 §5: data = the complete message is best; the body is what we have. */
		bgp_notif_set(notif, BGP_ERR_ROUTE_REFRESH, BGP_ERR_RR_LENGTH, body, len);
		return -1;
	}
	return 0;
}

void bgp_route_refresh_write(struct bbuf *b, enum bgp_af af, uint8_t subtype)
{
	uint16_t afi;
	uint8_t safi;
	size_t at = bgp_msg_begin(b, BGP_MSG_ROUTE_REFRESH);

	bgp_af_to(af, &afi, &safi);
	bbuf_u16(b, afi);
	bbuf_u8(b, subtype);
	bbuf_u8(b, safi);
	bgp_msg_end(b, at, BGP_MAX_LEN);
}
