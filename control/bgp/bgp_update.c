/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UPDATE codec: NLRI (IPv4/IPv6 unicast, EVPN), route distinguishers and extended communities,
 * path attributes with the RFC 7606 error handling, and the message encoders.
 *
 * Every read goes through struct bcur, every write through struct bbuf (bgp_wire.h). The parser
 * does not allocate: attributes are views into the message, except a 2-octet peer's AS path which
 * is rebuilt in attrs->aspath_buf.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bgp_update.h"

/* ---- small helpers ---- */

/* Bounded appending to a text buffer: output is cut, never overrun. */
struct sbuf {
	char *p;
	size_t len, at;
};

static void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->len == 0 || s->at >= s->len - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->p + s->at, s->len - s->at, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s->at += (size_t)n;
	if (s->at > s->len - 1)
		s->at = s->len - 1;
}

static char *sb_start(struct sbuf *s, char *buf, size_t len)
{
	s->p = buf;
	s->len = len;
	s->at = 0;
	if (len)
		buf[0] = 0;
	return buf;
}

/* A view that may be given a NULL pointer (with length 0). */
static struct bcur view(const void *p, size_t n)
{
	static const uint8_t none;

	return p ? bcur_make(p, n) : bcur_make(&none, 0);
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* An IP address of bits 32 or 128 from the cursor. */
static void cur_ip(struct bcur *c, struct pg_ip *ip, unsigned bits)
{
	if (bits == 32) {
		ip->family = AF_INET;
		bcur_copy(c, &ip->v4, 4);
	} else {
		ip->family = AF_INET6;
		bcur_copy(c, ip->v6, 16);
	}
}

static void buf_ip(struct bbuf *b, const struct pg_ip *ip)
{
	if (ip->family == AF_INET)
		bbuf_bytes(b, &ip->v4, 4);
	else if (ip->family == AF_INET6)
		bbuf_bytes(b, ip->v6, 16);
}

static unsigned ip_bits(const struct pg_ip *ip)
{
	return ip->family == AF_INET ? 32 : ip->family == AF_INET6 ? 128 : 0;
}

/* ---- NLRI ---- */

/* IPv4/IPv6 unicast: out->prefix is all that is set (the rest of *out is left alone). */
static int prefix_next(struct bcur *c, enum bgp_af af, struct bgp_nlri *out,
		       struct bgp_notif *notif)
{
	bool v4 = af == BGP_AF_IPV4;
	uint8_t plen = bcur_u8(c);
	const uint8_t *b = plen <= (v4 ? 32 : 128) ? bcur_take(c, (plen + 7u) / 8) : NULL;

	if (!b) {
		bcur_fail(c);
		bgp_notif_set(notif, BGP_ERR_UPDATE, BGP_ERR_UPD_NETWORK, NULL, 0);
		return -1;
	}
	memset(&out->prefix, 0, sizeof(out->prefix));
	out->prefix.ip.family = v4 ? AF_INET : AF_INET6;
	out->prefix.len = plen;
	if (v4) {
		/* Built in a register: bytes copied into v4 and then masked as a word would stall
		 * on store forwarding (a load spanning several smaller stores). */
		uint32_t a = 0;
		for (unsigned i = 0; i < (plen + 7u) / 8; i++)
			a |= (uint32_t)b[i] << (24 - 8 * i);
		a &= plen ? ~0u << (32 - plen) : 0; /* lenient with host bits, like FRR and BIRD */
		out->prefix.ip.v4 = htonl(a);
		return 1;
	}
	memcpy(out->prefix.ip.v6, b, (plen + 7u) / 8);
	prefix_mask(&out->prefix);
	return 1;
}

/* One EVPN route (RFC 7432 §7, RFC 9136 §3): 1 or -1. */
static int evpn_next(struct bcur *c, struct bgp_evpn *e)
{
	uint8_t type = bcur_u8(c), len = bcur_u8(c);
	struct bcur b = bcur_sub(c, len);
	uint8_t iplen;
	size_t rest;

	if (!bcur_ok(c))
		return -1;
	e->type = type;
	switch (type) {
	case BGP_EVPN_AD: /* RD, ESI, Ethernet tag, MPLS label */
		if (len != 25)
			return -1;
		bcur_copy(&b, e->rd.b, 8);
		bcur_copy(&b, e->esi, 10);
		e->etag = bcur_u32(&b);
		e->label[0] = bcur_u24(&b);
		e->n_labels = 1;
		break;
	case BGP_EVPN_MAC_IP: /* RD, ESI, tag, MAC len, MAC, IP len, IP, label1, [label2] */
		bcur_copy(&b, e->rd.b, 8);
		bcur_copy(&b, e->esi, 10);
		e->etag = bcur_u32(&b);
		if (bcur_u8(&b) != 48)
			return -1;
		bcur_copy(&b, e->mac.b, 6);
		iplen = bcur_u8(&b);
		if (iplen == 32 || iplen == 128)
			cur_ip(&b, &e->ip, iplen);
		else if (iplen != 0)
			return -1;
		rest = bcur_left(&b);
		if (!bcur_ok(&b) || (rest != 3 && rest != 6))
			return -1;
		e->label[0] = bcur_u24(&b);
		e->n_labels = 1;
		if (rest == 6) {
			e->label[1] = bcur_u24(&b);
			e->n_labels = 2;
		}
		break;
	case BGP_EVPN_IMET: /* RD, tag, IP len, originating router's IP */
		bcur_copy(&b, e->rd.b, 8);
		e->etag = bcur_u32(&b);
		iplen = bcur_u8(&b);
		if ((iplen != 32 || len != 17) && (iplen != 128 || len != 29))
			return -1;
		cur_ip(&b, &e->ip, iplen);
		break;
	case BGP_EVPN_ES: /* RD, ESI, IP len, originating router's IP */
		bcur_copy(&b, e->rd.b, 8);
		bcur_copy(&b, e->esi, 10);
		iplen = bcur_u8(&b);
		if ((iplen != 32 || len != 23) && (iplen != 128 || len != 35))
			return -1;
		cur_ip(&b, &e->ip, iplen);
		break;
	case BGP_EVPN_PREFIX: { /* RD, ESI, tag, prefix len, prefix, gateway, label */
		unsigned bits = len == 34 ? 32 : len == 58 ? 128 : 0;
		struct pg_prefix p = {0};

		if (!bits)
			return -1;
		bcur_copy(&b, e->rd.b, 8);
		bcur_copy(&b, e->esi, 10);
		e->etag = bcur_u32(&b);
		e->plen = bcur_u8(&b);
		if (e->plen > bits)
			return -1;
		cur_ip(&b, &p.ip, bits);
		p.len = e->plen;
		prefix_mask(&p);
		e->ip = p.ip;
		cur_ip(&b, &e->gw, bits);
		e->label[0] = bcur_u24(&b);
		e->n_labels = 1;
		break;
	}
	default: /* unknown route type: skipped by its length */
		return 1;
	}
	return bcur_ok(&b) && bcur_empty(&b) ? 1 : -1;
}

int bgp_nlri_next(struct bcur *c, enum bgp_af af, struct bgp_nlri *out, struct bgp_notif *notif)
{
	if (af != BGP_AF_IPV4 && af != BGP_AF_IPV6)
		memset(out, 0, sizeof(*out));
	out->af = (uint8_t)af;
	if (!bcur_ok(c)) {
		bgp_notif_set(notif, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST, NULL, 0);
		return -1;
	}
	if (bcur_empty(c))
		return 0;
	switch (af) {
	case BGP_AF_IPV4:
	case BGP_AF_IPV6:
		return prefix_next(c, af, out, notif);
	case BGP_AF_EVPN:
		if (evpn_next(c, &out->evpn) < 0) {
			bcur_fail(c);
			bgp_notif_set(notif, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST, NULL, 0);
			return -1;
		}
		return 1;
	default:
		bcur_fail(c);
		bgp_notif_set(notif, BGP_ERR_UPDATE, BGP_ERR_UPD_OPTIONAL, NULL, 0);
		return -1;
	}
}

static void evpn_write(struct bbuf *b, const struct bgp_evpn *e)
{
	size_t at;
	unsigned bits;

	bbuf_u8(b, e->type);
	at = bbuf_reserve8(b);
	switch (e->type) {
	case BGP_EVPN_AD:
		bbuf_bytes(b, e->rd.b, 8);
		bbuf_bytes(b, e->esi, 10);
		bbuf_u32(b, e->etag);
		bbuf_u24(b, e->label[0]);
		break;
	case BGP_EVPN_MAC_IP:
		bbuf_bytes(b, e->rd.b, 8);
		bbuf_bytes(b, e->esi, 10);
		bbuf_u32(b, e->etag);
		bbuf_u8(b, 48);
		bbuf_bytes(b, e->mac.b, 6);
		bbuf_u8(b, (uint8_t)ip_bits(&e->ip));
		buf_ip(b, &e->ip);
		bbuf_u24(b, e->label[0]);
		if (e->n_labels >= 2)
			bbuf_u24(b, e->label[1]);
		break;
	case BGP_EVPN_IMET:
		bbuf_bytes(b, e->rd.b, 8);
		bbuf_u32(b, e->etag);
		bits = e->ip.family == AF_INET6 ? 128 : 32;
		bbuf_u8(b, (uint8_t)bits);
		if (ip_bits(&e->ip) == bits)
			buf_ip(b, &e->ip);
		else
			bbuf_u32(b, 0); /* no address: 0.0.0.0 */
		break;
	case BGP_EVPN_ES:
		bbuf_bytes(b, e->rd.b, 8);
		bbuf_bytes(b, e->esi, 10);
		bits = e->ip.family == AF_INET6 ? 128 : 32;
		bbuf_u8(b, (uint8_t)bits);
		if (ip_bits(&e->ip) == bits)
			buf_ip(b, &e->ip);
		else
			bbuf_u32(b, 0);
		break;
	case BGP_EVPN_PREFIX: {
		static const uint8_t zero[16];
		bool v6 = e->ip.family == AF_INET6;

		bbuf_bytes(b, e->rd.b, 8);
		bbuf_bytes(b, e->esi, 10);
		bbuf_u32(b, e->etag);
		bbuf_u8(b, e->plen);
		if (e->ip.family == AF_INET || v6)
			buf_ip(b, &e->ip);
		else
			bbuf_bytes(b, zero, 4);
		if (e->gw.family == (v6 ? AF_INET6 : AF_INET))
			buf_ip(b, &e->gw);
		else
			bbuf_bytes(b, zero, v6 ? 16 : 4);
		bbuf_u24(b, e->label[0]);
		break;
	}
	default:
		break;
	}
	bbuf_patch8(b, at);
}

static void nlri_write_af(struct bbuf *b, enum bgp_af af, const struct bgp_nlri *n)
{
	unsigned max, bits;
	const uint8_t *src;

	switch (af) {
	case BGP_AF_IPV4:
	case BGP_AF_IPV6:
		max = af == BGP_AF_IPV4 ? 32 : 128;
		bits = n->prefix.len > max ? max : n->prefix.len;
		src = af == BGP_AF_IPV4 ? (const uint8_t *)&n->prefix.ip.v4 : n->prefix.ip.v6;
		bbuf_u8(b, (uint8_t)bits);
		bbuf_bytes(b, src, (bits + 7) / 8);
		break;
	case BGP_AF_EVPN:
		evpn_write(b, &n->evpn);
		break;
	default:
		b->err = true;
		break;
	}
}

void bgp_nlri_write(struct bbuf *b, const struct bgp_nlri *n)
{
	nlri_write_af(b, (enum bgp_af)n->af, n);
}

static size_t nlri_size(enum bgp_af af, const struct bgp_nlri *n)
{
	uint8_t tmp[64];
	struct bbuf b = bbuf_make(tmp, sizeof(tmp));

	nlri_write_af(&b, af, n);
	return b.err ? SIZE_MAX / 4 : b.len;
}

static void sb_esi(struct sbuf *s, const uint8_t esi[10])
{
	for (int i = 0; i < 10; i++)
		sb_printf(s, "%s%02x", i ? ":" : "", esi[i]);
}

char *bgp_nlri_fmt(const struct bgp_nlri *n, char *buf, size_t len)
{
	struct sbuf s;
	char rd[BGP_RD_FMT_LEN], ip[PG_IP_FMT_LEN], mac[PG_MAC_FMT_LEN], pfx[PG_PREFIX_FMT_LEN];
	const struct bgp_evpn *e = &n->evpn;

	sb_start(&s, buf, len);
	if (n->af == BGP_AF_IPV4 || n->af == BGP_AF_IPV6) {
		sb_printf(&s, "%s", fmt_prefix(&n->prefix, pfx));
		return buf;
	}
	if (n->af != BGP_AF_EVPN) {
		sb_printf(&s, "?");
		return buf;
	}
	if (e->type >= BGP_EVPN_AD && e->type <= BGP_EVPN_PREFIX)
		sb_printf(&s, "RD %s ", bgp_rd_fmt(&e->rd, rd, sizeof(rd)));
	sb_printf(&s, "[%u]", e->type);
	switch (e->type) {
	case BGP_EVPN_AD:
		sb_printf(&s, ":[%u]:[", e->etag);
		sb_esi(&s, e->esi);
		sb_printf(&s, "]");
		break;
	case BGP_EVPN_MAC_IP:
		sb_printf(&s, ":[%u]:[48]:[%s]", e->etag, fmt_mac(&e->mac, mac));
		if (e->ip.family)
			sb_printf(&s, ":[%u]:[%s]", ip_bits(&e->ip), fmt_ip(&e->ip, ip));
		break;
	case BGP_EVPN_IMET:
		sb_printf(&s, ":[%u]:[%u]:[%s]", e->etag, ip_bits(&e->ip), fmt_ip(&e->ip, ip));
		break;
	case BGP_EVPN_ES:
		sb_printf(&s, ":[");
		sb_esi(&s, e->esi);
		sb_printf(&s, "]:[%u]:[%s]", ip_bits(&e->ip), fmt_ip(&e->ip, ip));
		break;
	case BGP_EVPN_PREFIX:
		sb_printf(&s, ":[%u]:[%u]:[%s]", e->etag, e->plen, fmt_ip(&e->ip, ip));
		break;
	default:
		break;
	}
	return buf;
}

/* ---- route distinguishers and route targets ---- */

/* Strict decimal: digits only, at most 10 of them, <= UINT32_MAX. */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* "ASN:VAL" (is_ip false, hi = ASN) or "a.b.c.d:VAL" (is_ip true, hi = the address in network
 * order). */
static int parse_pair(const char *s, bool *is_ip, uint32_t *hi, uint32_t *lo)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	size_t n;
	char tmp[INET_ADDRSTRLEN];

	if (!colon || strchr(colon + 1, ':'))
		return -EINVAL;
	n = (size_t)(colon - s);
	if (parse_u32(colon + 1, strlen(colon + 1), lo) < 0)
		return -EINVAL;
	*is_ip = memchr(s, '.', n) != NULL;
	if (!*is_ip)
		return parse_u32(s, n, hi);
	if (n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return inet_pton(AF_INET, tmp, hi) == 1 ? 0 : -EINVAL;
}

int bgp_rd_parse(const char *s, struct bgp_rd *rd)
{
	bool is_ip;
	uint32_t hi, lo;
	uint8_t *b = rd->b;

	if (parse_pair(s, &is_ip, &hi, &lo) < 0)
		return -EINVAL;
	memset(rd, 0, sizeof(*rd));
	if (is_ip) {
		if (lo > 0xffff)
			return -EINVAL;
		*rd = bgp_rd_type1(hi, (uint16_t)lo);
		return 0;
	}
	if (hi <= 0xffff) { /* type 0: 2-octet AS, 4-octet number */
		b[2] = (uint8_t)(hi >> 8);
		b[3] = (uint8_t)hi;
		b[4] = (uint8_t)(lo >> 24);
		b[5] = (uint8_t)(lo >> 16);
		b[6] = (uint8_t)(lo >> 8);
		b[7] = (uint8_t)lo;
		return 0;
	}
	if (lo > 0xffff) /* type 2: 4-octet AS, 2-octet number */
		return -EINVAL;
	b[1] = 2;
	b[2] = (uint8_t)(hi >> 24);
	b[3] = (uint8_t)(hi >> 16);
	b[4] = (uint8_t)(hi >> 8);
	b[5] = (uint8_t)hi;
	b[6] = (uint8_t)(lo >> 8);
	b[7] = (uint8_t)lo;
	return 0;
}

char *bgp_rd_fmt(const struct bgp_rd *rd, char *buf, size_t len)
{
	struct bcur c = bcur_make(rd->b, sizeof(rd->b));
	uint16_t type = bcur_u16(&c);
	struct sbuf s;
	uint32_t a;

	sb_start(&s, buf, len);
	switch (type) {
	case 0:
		a = bcur_u16(&c);
		sb_printf(&s, "%u:%u", a, bcur_u32(&c));
		break;
	case 1:
		sb_printf(&s, "%u.%u.%u.%u", rd->b[2], rd->b[3], rd->b[4], rd->b[5]);
		bcur_skip(&c, 4);
		sb_printf(&s, ":%u", bcur_u16(&c));
		break;
	case 2:
		a = bcur_u32(&c);
		sb_printf(&s, "%u:%u", a, bcur_u16(&c));
		break;
	default:
		sb_printf(&s, "%u:", type);
		for (int i = 2; i < 8; i++)
			sb_printf(&s, "%02x", rd->b[i]);
		break;
	}
	return buf;
}

struct bgp_rd bgp_rd_type1(uint32_t ip, uint16_t index)
{
	struct bgp_rd rd = {{0, 1}};

	memcpy(&rd.b[2], &ip, 4);
	rd.b[6] = (uint8_t)(index >> 8);
	rd.b[7] = (uint8_t)index;
	return rd;
}

char *bgp_ec_fmt(uint64_t ec, char *buf, size_t len)
{
	uint8_t type = (uint8_t)(ec >> 56), sub = (uint8_t)(ec >> 48);
	struct sbuf s;

	sb_start(&s, buf, len);
	if (sub == 0x02 && type == 0x00) {
		sb_printf(&s, "rt:%u:%u", (unsigned)(ec >> 32) & 0xffff, (unsigned)ec);
	} else if (sub == 0x02 && type == 0x01) {
		sb_printf(&s, "rt:%u.%u.%u.%u:%u", (unsigned)(ec >> 40) & 0xff,
			  (unsigned)(ec >> 32) & 0xff, (unsigned)(ec >> 24) & 0xff,
			  (unsigned)(ec >> 16) & 0xff, (unsigned)ec & 0xffff);
	} else if (sub == 0x02 && type == 0x02) {
		sb_printf(&s, "rt:%u:%u", (unsigned)(ec >> 16), (unsigned)ec & 0xffff);
	} else if (type == 0x03 && sub == 0x0c) {
		if ((ec & 0xffff) == BGP_ENCAP_VXLAN)
			sb_printf(&s, "encap:vxlan");
		else
			sb_printf(&s, "encap:%u", (unsigned)ec & 0xffff);
	} else if (type == 0x03 && sub == 0x0d) {
		sb_printf(&s, "defgw");
	} else if (type == 0x06 && sub == 0x03) {
		sb_printf(&s, "rmac:%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(ec >> 40) & 0xff,
			  (unsigned)(ec >> 32) & 0xff, (unsigned)(ec >> 24) & 0xff,
			  (unsigned)(ec >> 16) & 0xff, (unsigned)(ec >> 8) & 0xff,
			  (unsigned)ec & 0xff);
	} else if (type == 0x06 && sub == 0x00) {
		sb_printf(&s, "mm:%u%s", (unsigned)ec, (ec >> 40) & 1 ? ",sticky" : "");
	} else {
		sb_printf(&s, "0x%016llx", (unsigned long long)ec);
	}
	return buf;
}

int bgp_rt_parse(const char *s, uint64_t *ec)
{
	bool is_ip;
	uint32_t hi, lo;

	if (s && strncmp(s, "rt:", 3) == 0) /* the form bgp_ec_fmt prints */
		s += 3;
	if (parse_pair(s, &is_ip, &hi, &lo) < 0)
		return -EINVAL;
	if (is_ip) {
		if (lo > 0xffff)
			return -EINVAL;
		*ec = BGP_EC_RT_IP4 | (uint64_t)ntohl(hi) << 16 | lo;
	} else if (hi <= 0xffff) {
		*ec = bgp_ec_rt_as2((uint16_t)hi, lo);
	} else {
		if (lo > 0xffff)
			return -EINVAL;
		*ec = BGP_EC_RT_AS4 | (uint64_t)hi << 16 | lo;
	}
	return 0;
}

void bgp_evpn_ecs_get(const struct bgp_attrs *a, struct bgp_evpn_ecs *out)
{
	struct bcur c;

	memset(out, 0, sizeof(*out));
	if (!bgp_attr_has(a, BGP_ATTR_EXT_COMMUNITIES) || !a->ext_communities)
		return;
	c = bcur_make(a->ext_communities, (size_t)a->n_ext_communities * 8);
	for (const uint8_t *p; (p = bcur_take(&c, 8)) != NULL;) {
		uint64_t ec = be64(p);
		uint8_t type = p[0], sub = p[1];

		if (bgp_ec_is_rt(ec)) {
			if (out->n_rt < sizeof(out->rt) / sizeof(out->rt[0]))
				out->rt[out->n_rt++] = ec;
		} else if (type == 0x03 && sub == 0x0c) {
			out->has_encap = true;
			if ((ec & 0xffff) == BGP_ENCAP_VXLAN)
				out->encap_vxlan = true;
		} else if (type == 0x03 && sub == 0x0d) {
			out->default_gw = true;
		} else if (type == 0x06 && sub == 0x03) {
			out->has_rmac = true;
			memcpy(out->rmac.b, p + 2, 6);
		} else if (type == 0x06 && sub == 0x00) {
			out->has_mobility = true;
			out->sticky = p[2] & 0x01;
			out->mobility_seq = (uint32_t)ec;
		}
	}
}

/* ---- AS paths (4-octet form) ---- */

struct aseg {
	uint8_t type, n;
	struct bcur as; /* n 4-octet ASNs */
};

/* Next well-formed segment; false at the end or at the first malformed one. */
static bool aseg_next(struct bcur *c, struct aseg *s)
{
	if (bcur_empty(c))
		return false;
	s->type = bcur_u8(c);
	s->n = bcur_u8(c);
	s->as = bcur_sub(c, (size_t)s->n * 4);
	return bcur_ok(c) && s->n > 0 && s->type >= BGP_ASPATH_SET &&
	       s->type <= BGP_ASPATH_CONFED_SET;
}

static bool aseg_confed(const struct aseg *s)
{
	return s->type == BGP_ASPATH_CONFED_SEQUENCE || s->type == BGP_ASPATH_CONFED_SET;
}

unsigned bgp_aspath_length(const uint8_t *p, uint16_t len)
{
	struct bcur c = view(p, len);
	struct aseg s;
	unsigned n = 0;

	while (aseg_next(&c, &s))
		if (s.type == BGP_ASPATH_SEQUENCE)
			n += s.n;
		else if (s.type == BGP_ASPATH_SET)
			n++;
	return n;
}

uint32_t bgp_aspath_first(const uint8_t *p, uint16_t len)
{
	struct bcur c = view(p, len);
	struct aseg s;

	if (aseg_next(&c, &s) && s.type == BGP_ASPATH_SEQUENCE)
		return bcur_u32(&s.as);
	return 0;
}

bool bgp_aspath_contains(const uint8_t *p, uint16_t len, uint32_t as)
{
	struct bcur c = view(p, len);
	struct aseg s;

	while (aseg_next(&c, &s))
		while (!bcur_empty(&s.as))
			if (bcur_u32(&s.as) == as)
				return true;
	return false;
}

unsigned bgp_aspath_count(const uint8_t *p, uint16_t len, uint32_t as)
{
	struct bcur c = view(p, len);
	struct aseg s;
	unsigned n = 0;

	while (aseg_next(&c, &s))
		while (!bcur_empty(&s.as))
			n += bcur_u32(&s.as) == as;
	return n;
}

static size_t bgp_put_u32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
	return 4;
}

int bgp_aspath_export(const uint8_t *p, uint16_t len, uint32_t prepend, uint32_t replace,
		      uint32_t with, uint8_t *out, size_t cap)
{
	struct bcur c = view(p, len);
	struct aseg s;
	size_t o = 0;
	bool first = true;

	if (prepend && (len < 2 || p[0] != BGP_ASPATH_SEQUENCE || p[1] == 255)) {
		/* a segment of its own: the path starts with something else or a full SEQUENCE */
		if (cap < 6)
			return -1;
		out[o++] = BGP_ASPATH_SEQUENCE;
		out[o++] = 1;
		o += bgp_put_u32(out + o, prepend);
		prepend = 0;
	}
	while (aseg_next(&c, &s)) {
		bool pre = first && prepend;
		if (o + 2 + 4u * (s.n + pre) > cap)
			return -1;
		out[o++] = s.type;
		out[o++] = (uint8_t)(s.n + pre);
		if (pre)
			o += bgp_put_u32(out + o, prepend);
		while (!bcur_empty(&s.as)) {
			uint32_t as = bcur_u32(&s.as);
			o += bgp_put_u32(out + o, replace && as == replace ? with : as);
		}
		first = false;
	}
	return (int)o;
}

char *bgp_aspath_fmt(const uint8_t *p, uint16_t len, char *buf, size_t buflen)
{
	struct bcur c = view(p, len);
	struct aseg s;
	struct sbuf sb;
	static const char *const open[] = {"", "{", "", "(", "["}, *const close[] = {"", "}", "",
										     ")", "]"};

	sb_start(&sb, buf, buflen);
	while (aseg_next(&c, &s)) {
		const char *sep =
		    s.type == BGP_ASPATH_SET || s.type == BGP_ASPATH_CONFED_SET ? "," : " ";
		sb_printf(&sb, "%s%s", sb.at ? " " : "", open[s.type]);
		for (unsigned i = 0; !bcur_empty(&s.as); i++)
			sb_printf(&sb, "%s%u", i ? sep : "", bcur_u32(&s.as));
		sb_printf(&sb, "%s", close[s.type]);
	}
	return buf;
}

/* Segments of asize-octet ASNs, well formed (RFC 7606 §7.2); confederation segments allowed in
 * AS_PATH, not in AS4_PATH (RFC 6793 §3). */
static bool aspath_valid(struct bcur c, size_t asize, bool confed_ok)
{
	while (!bcur_empty(&c)) {
		uint8_t type = bcur_u8(&c), n = bcur_u8(&c);

		if (!bcur_ok(&c) || n == 0 || type < BGP_ASPATH_SET ||
		    type > (confed_ok ? BGP_ASPATH_CONFED_SET : BGP_ASPATH_SEQUENCE))
			return false;
		if (!bcur_skip(&c, n * asize))
			return false;
	}
	return true;
}

/* A valid 2-octet AS_PATH into the 4-octet form in a->aspath_buf. */
static bool aspath_widen(struct bcur c, struct bgp_attrs *a)
{
	struct bbuf b = bbuf_make(a->aspath_buf, sizeof(a->aspath_buf));

	while (!bcur_empty(&c)) {
		uint8_t type = bcur_u8(&c), n = bcur_u8(&c);

		bbuf_u8(&b, type);
		bbuf_u8(&b, n);
		for (unsigned i = 0; i < n; i++)
			bbuf_u32(&b, bcur_u16(&c));
	}
	if (b.err || !bcur_ok(&c))
		return false;
	a->aspath = a->aspath_buf;
	a->aspath_len = (uint16_t)b.len;
	return true;
}

/*
 * RFC 6793 §4.2.3: the path from a 2-octet peer is the leading part of AS_PATH (as many ASNs as
 * AS_PATH has more than AS4_PATH, confederation segments kept) followed by AS4_PATH. Done in place
 * in aspath_buf: the kept part never grows.
 */
static void aspath_merge(struct bgp_attrs *a, struct bcur as4)
{
	unsigned n_path = bgp_aspath_length(a->aspath, a->aspath_len);
	unsigned n_as4 = bgp_aspath_length(as4.p, (uint16_t)bcur_left(&as4));
	unsigned keep;
	uint8_t *buf = a->aspath_buf;
	struct bcur c = bcur_make(buf, a->aspath_len);
	struct bbuf b;
	struct aseg s;
	size_t cut = 0, last_seq = SIZE_MAX;
	bool first = true;

	if (n_path < n_as4 || a->aspath != buf ||
	    (size_t)a->aspath_len + bcur_left(&as4) > sizeof(a->aspath_buf))
		return; /* AS4_PATH ignored */
	keep = n_path - n_as4;
	for (;;) {
		size_t at = (size_t)(c.p - buf);

		if (!aseg_next(&c, &s))
			break;
		if (aseg_confed(&s)) {
			cut = (size_t)(c.p - buf);
			last_seq = SIZE_MAX;
			continue;
		}
		if (keep == 0)
			break;
		if (s.type == BGP_ASPATH_SET) {
			keep--;
			cut = (size_t)(c.p - buf);
			last_seq = SIZE_MAX;
			continue;
		}
		/* SEQUENCE: up to keep of its ASNs */
		unsigned take = s.n < keep ? s.n : keep;
		keep -= take;
		buf[at + 1] = (uint8_t)take;
		cut = at + 2 + (size_t)take * 4;
		last_seq = at;
		if (take < s.n)
			break;
	}
	b = bbuf_make(buf, sizeof(a->aspath_buf));
	b.len = cut;
	while (aseg_next(&as4, &s)) {
		if (first && s.type == BGP_ASPATH_SEQUENCE && last_seq != SIZE_MAX &&
		    buf[last_seq + 1] + s.n <= 255)
			buf[last_seq + 1] = (uint8_t)(buf[last_seq + 1] + s.n);
		else {
			bbuf_u8(&b, s.type);
			bbuf_u8(&b, s.n);
		}
		while (!bcur_empty(&s.as))
			bbuf_u32(&b, bcur_u32(&s.as));
		first = false;
	}
	if (!b.err)
		a->aspath_len = (uint16_t)b.len;
}

/* ---- UPDATE parsing ---- */

struct upd_ctx {
	struct bgp_update *u;
	const struct bgp_rx_opts *o;
	uint64_t seen[4]; /* attribute types met so far */
	struct bcur as4_path;
	bool has_as4_path, has_as4_agg;
	uint32_t as4_agg_as, as4_agg_id;
};

/* Record an error; the worst action wins, and within one action the first error is kept. */
static void upd_err(struct bgp_update *u, enum bgp_upd_action act, uint8_t subcode,
		    const void *data, size_t len)
{
	if (act <= u->action)
		return;
	u->action = act;
	bgp_notif_set(&u->notif, BGP_ERR_UPDATE, subcode, data, len);
}

static void upd_discard(struct bgp_update *u, uint8_t type, uint8_t subcode, const void *data,
			size_t len)
{
	if (type < 64)
		u->discarded |= 1ull << type;
	upd_err(u, BGP_UPD_ATTR_DISCARD, subcode, data, len);
}

/* Attribute flags (optional and transitive bits) the spec gives a known type, or -1. */
static int attr_flags_expected(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_LOCAL_PREF:
	case BGP_ATTR_ATOMIC_AGGREGATE:
		return BGP_ATTR_F_TRANSITIVE;
	case BGP_ATTR_MED:
	case BGP_ATTR_ORIGINATOR_ID:
	case BGP_ATTR_CLUSTER_LIST:
	case BGP_ATTR_MP_REACH:
	case BGP_ATTR_MP_UNREACH:
		return BGP_ATTR_F_OPTIONAL;
	case BGP_ATTR_AGGREGATOR:
	case BGP_ATTR_COMMUNITIES:
	case BGP_ATTR_EXT_COMMUNITIES:
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
	case BGP_ATTR_PMSI_TUNNEL:
	case BGP_ATTR_LARGE_COMMUNITIES:
		return BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE;
	default:
		return -1;
	}
}

static bool nh4_valid(uint32_t nh) /* network order */
{
	uint32_t h = ntohl(nh);

	return h != 0 && h != 0xffffffffu && (h >> 28) != 0xe && (h >> 24) != 127;
}

/* MP_REACH_NLRI (RFC 4760 §3): any malformation resets the session (RFC 7606 §7.11). */
static void mp_reach_parse(struct upd_ctx *x, struct bcur v, const uint8_t *attr, size_t attr_len)
{
	struct bgp_attrs *a = &x->u->attrs;
	uint16_t afi = bcur_u16(&v);
	uint8_t safi = bcur_u8(&v), nhlen = bcur_u8(&v);
	struct bcur nh = bcur_sub(&v, nhlen);
	enum bgp_af af = bgp_af_from(afi, safi);
	bool ok;

	bcur_skip(&v, 1); /* reserved */
	if (!bcur_ok(&v)) {
		upd_err(x->u, BGP_UPD_RESET, BGP_ERR_UPD_OPTIONAL, attr, attr_len);
		return;
	}
	a->mp_reach_afi = afi;
	a->mp_reach_safi = safi;
	a->mp_reach_af = (uint8_t)af;
	a->mp_reach_nlri = v;
	a->present |= 1ull << BGP_ATTR_MP_REACH;
	if (af == BGP_AF_MAX || !(x->o->af_mask & BGP_AF_BIT(af)))
		return; /* not ours: left for the caller to ignore */
	switch (af) {
	case BGP_AF_IPV4:
		ok = nhlen == 4;
		break;
	case BGP_AF_IPV6:
		ok = nhlen == 16 || nhlen == 32;
		break;
	default:
		ok = nhlen == 4 || nhlen == 16;
		break;
	}
	if (!ok) {
		upd_err(x->u, BGP_UPD_RESET, BGP_ERR_UPD_OPTIONAL, attr, attr_len);
		return;
	}
	cur_ip(&nh, &a->mp_nexthop, nhlen == 4 ? 32 : 128);
	if (nhlen == 32)
		cur_ip(&nh, &a->mp_nexthop_ll, 128);
}

static void mp_unreach_parse(struct upd_ctx *x, struct bcur v, const uint8_t *attr, size_t attr_len)
{
	struct bgp_attrs *a = &x->u->attrs;
	uint16_t afi = bcur_u16(&v);
	uint8_t safi = bcur_u8(&v);

	if (!bcur_ok(&v)) {
		upd_err(x->u, BGP_UPD_RESET, BGP_ERR_UPD_OPTIONAL, attr, attr_len);
		return;
	}
	a->mp_unreach_afi = afi;
	a->mp_unreach_safi = safi;
	a->mp_unreach_af = (uint8_t)bgp_af_from(afi, safi);
	a->mp_unreach_nlri = v;
	a->present |= 1ull << BGP_ATTR_MP_UNREACH;
}

/* A list attribute of elem-byte entries, non-empty (RFC 7606 §7.8, 7.10, 7.14...): withdraw. */
static bool list_attr(struct upd_ctx *x, struct bcur *v, size_t elem, const uint8_t **p,
		      uint16_t *n, const uint8_t *attr, size_t attr_len)
{
	size_t len = bcur_left(v);

	if (len == 0 || len % elem) {
		upd_err(x->u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_LENGTH, attr, attr_len);
		return false;
	}
	*p = bcur_take(v, len);
	*n = (uint16_t)(len / elem);
	return true;
}

/* One attribute whose value v lies wholly inside the attribute area. */
static void attr_parse(struct upd_ctx *x, uint8_t flags, uint8_t type, struct bcur v,
		       const uint8_t *attr, size_t attr_len)
{
	struct bgp_update *u = x->u;
	struct bgp_attrs *a = &u->attrs;
	size_t len = bcur_left(&v);
	int want = attr_flags_expected(type);
	bool accept = false;
	uint32_t w;

	if (x->seen[type / 64] >> (type % 64) & 1) {
		if (type == BGP_ATTR_MP_REACH || type == BGP_ATTR_MP_UNREACH)
			upd_err(u, BGP_UPD_RESET, BGP_ERR_UPD_ATTR_LIST, NULL, 0);
		else /* RFC 7606 §3 g: the first one stands */
			upd_discard(u, type, BGP_ERR_UPD_ATTR_LIST, attr, attr_len);
		return;
	}
	x->seen[type / 64] |= 1ull << (type % 64);

	if (want < 0) {
		if (!(flags & BGP_ATTR_F_OPTIONAL))
			upd_err(u, BGP_UPD_RESET, BGP_ERR_UPD_WELL_KNOWN, attr, attr_len);
		else if ((flags & BGP_ATTR_F_TRANSITIVE) && a->n_unknown < BGP_MAX_UNKNOWN_ATTRS)
			a->unknown[a->n_unknown++] =
			    (struct bgp_attr_view){.p = attr, .len = (uint16_t)attr_len};
		return;
	}
	/* From a 4-octet peer AS4_PATH / AS4_AGGREGATOR mean nothing (RFC 6793 §4.2.2). */
	if (x->o->as4 && (type == BGP_ATTR_AS4_PATH || type == BGP_ATTR_AS4_AGGREGATOR))
		return;
	if ((flags & (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE)) != want) {
		/* RFC 7606 §3 c. The multiprotocol attributes are still read: their NLRI are
		 * what treat-as-withdraw withdraws. */
		upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_FLAGS, attr, attr_len);
		if (type != BGP_ATTR_MP_REACH && type != BGP_ATTR_MP_UNREACH)
			return;
	}

	switch (type) {
	case BGP_ATTR_ORIGIN:
		w = bcur_u8(&v);
		if (len != 1)
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_LENGTH, attr, attr_len);
		else if (w > BGP_ORIGIN_INCOMPLETE)
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_ORIGIN, attr, attr_len);
		else
			accept = true;
		if (accept)
			a->origin = (uint8_t)w;
		break;
	case BGP_ATTR_AS_PATH:
		if (!aspath_valid(v, x->o->as4 ? 4 : 2, true)) {
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_AS_PATH, attr, attr_len);
		} else if (x->o->as4) {
			a->aspath = bcur_take(&v, len);
			a->aspath_len = (uint16_t)len;
			accept = true;
		} else if (!aspath_widen(v, a)) { /* longer than aspath_buf */
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_AS_PATH, attr, attr_len);
		} else {
			accept = true;
		}
		break;
	case BGP_ATTR_NEXT_HOP:
		bcur_copy(&v, &w, 4);
		if (len != 4)
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_LENGTH, attr, attr_len);
		else if (!nh4_valid(w))
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_NEXT_HOP, attr, attr_len);
		else
			accept = true;
		if (accept)
			a->nexthop = w;
		break;
	case BGP_ATTR_MED:
	case BGP_ATTR_LOCAL_PREF:
		if (type == BGP_ATTR_LOCAL_PREF && x->o->ebgp) { /* RFC 7606 §7.5 */
			upd_discard(u, type, BGP_ERR_UPD_ATTR_LIST, attr, attr_len);
			break;
		}
		w = bcur_u32(&v);
		if (len != 4) {
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_LENGTH, attr, attr_len);
			break;
		}
		*(type == BGP_ATTR_MED ? &a->med : &a->local_pref) = w;
		accept = true;
		break;
	case BGP_ATTR_ATOMIC_AGGREGATE:
		if (len != 0)
			upd_discard(u, type, BGP_ERR_UPD_LENGTH, attr, attr_len);
		else
			accept = true;
		break;
	case BGP_ATTR_AGGREGATOR:
		if (len != (x->o->as4 ? 8u : 6u)) {
			upd_discard(u, type, BGP_ERR_UPD_LENGTH, attr, attr_len);
			break;
		}
		a->aggregator_as = x->o->as4 ? bcur_u32(&v) : bcur_u16(&v);
		bcur_copy(&v, &a->aggregator_id, 4);
		accept = true;
		break;
	case BGP_ATTR_COMMUNITIES:
		accept = list_attr(x, &v, 4, &a->communities, &a->n_communities, attr, attr_len);
		break;
	case BGP_ATTR_ORIGINATOR_ID:
		if (len != 4) {
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_LENGTH, attr, attr_len);
			break;
		}
		bcur_copy(&v, &a->originator_id, 4);
		accept = true;
		break;
	case BGP_ATTR_CLUSTER_LIST:
		accept = list_attr(x, &v, 4, &a->cluster_list, &a->n_cluster_list, attr, attr_len);
		break;
	case BGP_ATTR_MP_REACH:
		mp_reach_parse(x, v, attr, attr_len);
		break;
	case BGP_ATTR_MP_UNREACH:
		mp_unreach_parse(x, v, attr, attr_len);
		break;
	case BGP_ATTR_EXT_COMMUNITIES:
		accept =
		    list_attr(x, &v, 8, &a->ext_communities, &a->n_ext_communities, attr, attr_len);
		break;
	case BGP_ATTR_AS4_PATH:
		if (!aspath_valid(v, 4, false)) {
			upd_discard(u, type, BGP_ERR_UPD_AS_PATH, attr, attr_len);
			break;
		}
		x->as4_path = v;
		x->has_as4_path = true;
		break;
	case BGP_ATTR_AS4_AGGREGATOR:
		if (len != 8) {
			upd_discard(u, type, BGP_ERR_UPD_LENGTH, attr, attr_len);
			break;
		}
		x->as4_agg_as = bcur_u32(&v);
		bcur_copy(&v, &x->as4_agg_id, 4);
		x->has_as4_agg = true;
		break;
	case BGP_ATTR_PMSI_TUNNEL: /* RFC 6514 §5: flags, type, label, tunnel identifier */
		if (len != 5 && len != 5 + 4 && len != 5 + 16) {
			upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_LENGTH, attr, attr_len);
			break;
		}
		a->pmsi_flags = bcur_u8(&v);
		a->pmsi_type = bcur_u8(&v);
		a->pmsi_label = bcur_u24(&v);
		if (len > 5)
			cur_ip(&v, &a->pmsi_id, len == 9 ? 32 : 128);
		accept = true;
		break;
	case BGP_ATTR_LARGE_COMMUNITIES:
		accept = list_attr(x, &v, 12, &a->large_communities, &a->n_large_communities, attr,
				   attr_len);
		break;
	default:
		break;
	}
	if (accept)
		a->present |= 1ull << type;
}

/* RFC 6793 §4.2.3: a 2-octet peer's AS4_PATH / AS4_AGGREGATOR folded into the 4-octet view. */
static void as4_merge(struct upd_ctx *x)
{
	struct bgp_attrs *a = &x->u->attrs;

	if (bgp_attr_has(a, BGP_ATTR_AGGREGATOR)) {
		if (a->aggregator_as != BGP_AS_TRANS)
			return; /* AS4_AGGREGATOR and AS4_PATH are ignored */
		if (x->has_as4_agg) {
			a->aggregator_as = x->as4_agg_as;
			a->aggregator_id = x->as4_agg_id;
		}
	}
	if (x->has_as4_path && bgp_attr_has(a, BGP_ATTR_AS_PATH))
		aspath_merge(a, x->as4_path);
}

/* Walk a view of af's NLRI to check every route. */
static bool nlri_valid(struct bcur c, enum bgp_af af, const struct bgp_rx_opts *o,
		       struct bgp_update *u)
{
	struct bgp_nlri n;
	int r;

	if (af >= BGP_AF_MAX || !(o->af_mask & BGP_AF_BIT(af)))
		return true;
	if (af == BGP_AF_IPV4 || af == BGP_AF_IPV6) {
		/* Unicast: lengths only (what prefix_next checks), nothing decoded. */
		const unsigned max = af == BGP_AF_IPV4 ? 32 : 128;
		const uint8_t *p = c.p, *end = c.end;
		bool bad = false;
		while (bcur_ok(&c) && p < end) {
			unsigned plen = *p++;
			if (plen > max || (size_t)(end - p) < (plen + 7u) / 8) {
				bad = true;
				break;
			}
			p += (plen + 7u) / 8;
		}
		if (bcur_ok(&c) && !bad)
			return true;
		if (!bcur_ok(&c))
			bgp_notif_set(&u->notif, BGP_ERR_UPDATE, BGP_ERR_UPD_ATTR_LIST, NULL, 0);
		else
			bgp_notif_set(&u->notif, BGP_ERR_UPDATE, BGP_ERR_UPD_NETWORK, NULL, 0);
		u->action = BGP_UPD_RESET;
		return false;
	}
	while ((r = bgp_nlri_next(&c, af, &n, &u->notif)) > 0)
		;
	if (r == 0)
		return true;
	u->action = BGP_UPD_RESET; /* notif was set by bgp_nlri_next */
	return false;
}

enum bgp_upd_action bgp_update_parse(const uint8_t *body, size_t len, const struct bgp_rx_opts *o,
				     struct bgp_update *u)
{
	struct bcur c = view(body, len), ac;
	struct upd_ctx x = {.u = u, .o = o};
	struct bgp_attrs *a = &u->attrs;
	bool announce;

	/* Everything but the 8 KB AS path buffer. */
	memset(u, 0, offsetof(struct bgp_update, attrs) + offsetof(struct bgp_attrs, aspath_buf));
	memset((uint8_t *)u + offsetof(struct bgp_update, attrs) + sizeof(u->attrs), 0,
	       sizeof(*u) - offsetof(struct bgp_update, attrs) - sizeof(u->attrs));

	u->withdrawn = bcur_sub(&c, bcur_u16(&c));
	ac = bcur_sub(&c, bcur_u16(&c));
	if (!bcur_ok(&c)) {
		upd_err(u, BGP_UPD_RESET, BGP_ERR_UPD_ATTR_LIST, NULL, 0);
		return u->action;
	}
	u->nlri = bcur_sub(&c, bcur_left(&c));
	if (bcur_empty(&u->withdrawn) && bcur_empty(&ac) && bcur_empty(&u->nlri)) {
		u->eor = true;
		u->eor_af = BGP_AF_IPV4;
		return u->action;
	}

	while (!bcur_empty(&ac) && u->action != BGP_UPD_RESET) {
		const uint8_t *attr = ac.p;
		uint8_t flags = bcur_u8(&ac), type = bcur_u8(&ac);
		size_t vlen = flags & BGP_ATTR_F_EXTLEN ? bcur_u16(&ac) : bcur_u8(&ac);
		struct bcur v = bcur_sub(&ac, vlen);

		if (!bcur_ok(&ac)) { /* header or value overruns the attribute area */
			upd_err(u, BGP_UPD_RESET, BGP_ERR_UPD_ATTR_LIST, NULL, 0);
			break;
		}
		attr_parse(&x, flags, type, v, attr, (size_t)(v.end - attr));
	}
	if (u->action == BGP_UPD_RESET)
		return u->action;

	if (!o->as4)
		as4_merge(&x);
	/* Folded into aspath / aggregator (the encoder rebuilds them for 2-octet peers). */
	a->present &= ~(1ull << BGP_ATTR_AS4_PATH | 1ull << BGP_ATTR_AS4_AGGREGATOR);

	/* Missing well-known attributes (RFC 7606 §3 d). */
	announce = !bcur_empty(&u->nlri) || bgp_attr_has(a, BGP_ATTR_MP_REACH);
	if (announce) {
		static const uint8_t need[] = {BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH,
					       BGP_ATTR_NEXT_HOP};

		for (unsigned i = 0; i < sizeof(need); i++) {
			if (need[i] == BGP_ATTR_NEXT_HOP && bcur_empty(&u->nlri))
				continue;
			if (!bgp_attr_has(a, need[i]))
				upd_err(u, BGP_UPD_WITHDRAW, BGP_ERR_UPD_MISSING, &need[i], 1);
		}
	}

	/* Every NLRI must be well formed before any of them is applied. */
	if (!nlri_valid(u->withdrawn, BGP_AF_IPV4, o, u) || !nlri_valid(u->nlri, BGP_AF_IPV4, o, u))
		return u->action;
	if (bgp_attr_has(a, BGP_ATTR_MP_REACH) &&
	    !nlri_valid(a->mp_reach_nlri, (enum bgp_af)a->mp_reach_af, o, u))
		return u->action;
	if (bgp_attr_has(a, BGP_ATTR_MP_UNREACH) &&
	    !nlri_valid(a->mp_unreach_nlri, (enum bgp_af)a->mp_unreach_af, o, u))
		return u->action;

	/* End-of-RIB for a multiprotocol family (RFC 4724 §2). */
	if (bgp_attr_has(a, BGP_ATTR_MP_UNREACH) && bcur_empty(&a->mp_unreach_nlri) &&
	    !bgp_attr_has(a, BGP_ATTR_MP_REACH) && bcur_empty(&u->withdrawn) &&
	    bcur_empty(&u->nlri)) {
		u->eor = true;
		u->eor_af = a->mp_unreach_af;
	}
	return u->action;
}

/* ---- encoding ---- */

static void attr_hdr(struct bbuf *b, uint8_t flags, uint8_t type, size_t len)
{
	flags &= (uint8_t)~BGP_ATTR_F_EXTLEN;
	if (len > 0xffff) {
		b->err = true;
	} else if (len > 0xff) {
		bbuf_u8(b, flags | BGP_ATTR_F_EXTLEN);
		bbuf_u8(b, type);
		bbuf_u16(b, (uint16_t)len);
	} else {
		bbuf_u8(b, flags);
		bbuf_u8(b, type);
		bbuf_u8(b, (uint8_t)len);
	}
}

#define F_WT  BGP_ATTR_F_TRANSITIVE
#define F_ONT BGP_ATTR_F_OPTIONAL
#define F_OT  (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE)

/* The well-formed leading part of a 4-octet path (all of it, for one the parser produced). */
static size_t aspath_valid_len(const struct bgp_attrs *a)
{
	struct bcur c = view(a->aspath, a->aspath_len);
	struct aseg s;
	size_t n = 0;

	while (aseg_next(&c, &s))
		n = (size_t)(c.p - a->aspath);
	return n;
}

/* AS_PATH for a 2-octet peer (AS_TRANS for the large ASNs), or its AS4_PATH (as4: 4-octet,
 * confederation segments left out). Returns whether any ASN needs AS4_PATH. */
static bool aspath_write_compat(struct bbuf *b, const struct bgp_attrs *a, bool as4, bool write)
{
	struct bcur c = view(a->aspath, aspath_valid_len(a));
	struct aseg s;
	size_t len = 0;
	bool big = false;

	while (aseg_next(&c, &s)) {
		if (as4 && aseg_confed(&s))
			continue;
		len += 2 + (size_t)s.n * (as4 ? 4 : 2);
		while (!bcur_empty(&s.as))
			if (bcur_u32(&s.as) > 0xffff && !aseg_confed(&s))
				big = true;
	}
	if (!write)
		return big;
	attr_hdr(b, as4 ? F_OT : F_WT, as4 ? BGP_ATTR_AS4_PATH : BGP_ATTR_AS_PATH, len);
	c = view(a->aspath, aspath_valid_len(a));
	while (aseg_next(&c, &s)) {
		if (as4 && aseg_confed(&s))
			continue;
		bbuf_u8(b, s.type);
		bbuf_u8(b, s.n);
		while (!bcur_empty(&s.as)) {
			uint32_t as = bcur_u32(&s.as);

			if (as4)
				bbuf_u32(b, as);
			else
				bbuf_u16(b, as > 0xffff ? BGP_AS_TRANS : (uint16_t)as);
		}
	}
	return big;
}

static void list_write(struct bbuf *b, uint8_t flags, uint8_t type, const uint8_t *p, uint16_t n,
		       size_t elem)
{
	if (!p || !n)
		return;
	attr_hdr(b, flags, type, n * elem);
	bbuf_bytes(b, p, n * elem);
}

enum nh_mode { NH_ATTRS, NH_OVERRIDE, NH_NONE };

/* The multiprotocol attribute a message writer adds. */
struct mp_part {
	uint8_t type; /* 0, BGP_ATTR_MP_REACH or BGP_ATTR_MP_UNREACH */
	enum bgp_af af;
	const struct pg_ip *nh, *nh_ll; /* MP_REACH; nh_ll NULL unless IPv6 with a link-local */
	const struct bgp_nlri *routes;
	unsigned n;
	size_t nlri_bytes;
};

static size_t mp_base_len(const struct mp_part *m)
{
	if (m->type == BGP_ATTR_MP_UNREACH)
		return 3;
	return 5 + (m->nh->family == AF_INET ? 4 : 16) + (m->nh_ll ? 16 : 0);
}

static void mp_write(struct bbuf *b, const struct mp_part *m)
{
	uint16_t afi;
	uint8_t safi;

	bgp_af_to(m->af, &afi, &safi);
	attr_hdr(b, F_ONT, m->type, mp_base_len(m) + m->nlri_bytes);
	bbuf_u16(b, afi);
	bbuf_u8(b, safi);
	if (m->type == BGP_ATTR_MP_REACH) {
		bbuf_u8(b, (uint8_t)(mp_base_len(m) - 5));
		buf_ip(b, m->nh);
		if (m->nh_ll)
			buf_ip(b, m->nh_ll);
		bbuf_u8(b, 0); /* reserved */
	}
	for (unsigned i = 0; i < m->n; i++)
		nlri_write_af(b, m->af, &m->routes[i]);
}

static void known_write(struct bbuf *b, const struct bgp_attrs *a, const struct bgp_tx_opts *o,
			unsigned t, enum nh_mode nhm, uint32_t nh4)
{
	bool as4 = o && o->as4;

	if (t == BGP_ATTR_NEXT_HOP && nhm != NH_ATTRS) {
		if (nhm == NH_OVERRIDE) {
			attr_hdr(b, F_WT, BGP_ATTR_NEXT_HOP, 4);
			bbuf_bytes(b, &nh4, 4);
		}
		return;
	}
	if (!a)
		return;
	if (t == BGP_ATTR_AS4_PATH) {
		if (!as4 && bgp_attr_has(a, BGP_ATTR_AS_PATH) &&
		    aspath_write_compat(b, a, true, false))
			aspath_write_compat(b, a, true, true);
		return;
	}
	if (t == BGP_ATTR_AS4_AGGREGATOR) {
		if (!as4 && bgp_attr_has(a, BGP_ATTR_AGGREGATOR) && a->aggregator_as > 0xffff) {
			attr_hdr(b, F_OT, BGP_ATTR_AS4_AGGREGATOR, 8);
			bbuf_u32(b, a->aggregator_as);
			bbuf_bytes(b, &a->aggregator_id, 4);
		}
		return;
	}
	if (!bgp_attr_has(a, t))
		return;
	switch (t) {
	case BGP_ATTR_ORIGIN:
		attr_hdr(b, F_WT, BGP_ATTR_ORIGIN, 1);
		bbuf_u8(b, a->origin);
		break;
	case BGP_ATTR_AS_PATH:
		if (as4) {
			size_t n = aspath_valid_len(a);

			attr_hdr(b, F_WT, BGP_ATTR_AS_PATH, n);
			bbuf_bytes(b, a->aspath, n);
		} else {
			aspath_write_compat(b, a, false, true);
		}
		break;
	case BGP_ATTR_NEXT_HOP:
		attr_hdr(b, F_WT, BGP_ATTR_NEXT_HOP, 4);
		bbuf_bytes(b, &a->nexthop, 4);
		break;
	case BGP_ATTR_MED:
		attr_hdr(b, F_ONT, BGP_ATTR_MED, 4);
		bbuf_u32(b, a->med);
		break;
	case BGP_ATTR_LOCAL_PREF:
		attr_hdr(b, F_WT, BGP_ATTR_LOCAL_PREF, 4);
		bbuf_u32(b, a->local_pref);
		break;
	case BGP_ATTR_ATOMIC_AGGREGATE:
		attr_hdr(b, F_WT, BGP_ATTR_ATOMIC_AGGREGATE, 0);
		break;
	case BGP_ATTR_AGGREGATOR:
		attr_hdr(b, F_OT, BGP_ATTR_AGGREGATOR, as4 ? 8 : 6);
		if (as4)
			bbuf_u32(b, a->aggregator_as);
		else
			bbuf_u16(b, a->aggregator_as > 0xffff ? BGP_AS_TRANS
							      : (uint16_t)a->aggregator_as);
		bbuf_bytes(b, &a->aggregator_id, 4);
		break;
	case BGP_ATTR_COMMUNITIES:
		list_write(b, F_OT, BGP_ATTR_COMMUNITIES, a->communities, a->n_communities, 4);
		break;
	case BGP_ATTR_ORIGINATOR_ID:
		attr_hdr(b, F_ONT, BGP_ATTR_ORIGINATOR_ID, 4);
		bbuf_bytes(b, &a->originator_id, 4);
		break;
	case BGP_ATTR_CLUSTER_LIST:
		list_write(b, F_ONT, BGP_ATTR_CLUSTER_LIST, a->cluster_list, a->n_cluster_list, 4);
		break;
	case BGP_ATTR_EXT_COMMUNITIES:
		list_write(b, F_OT, BGP_ATTR_EXT_COMMUNITIES, a->ext_communities,
			   a->n_ext_communities, 8);
		break;
	case BGP_ATTR_PMSI_TUNNEL:
		attr_hdr(b, F_OT, BGP_ATTR_PMSI_TUNNEL, 5 + ip_bits(&a->pmsi_id) / 8);
		bbuf_u8(b, a->pmsi_flags);
		bbuf_u8(b, a->pmsi_type);
		bbuf_u24(b, a->pmsi_label);
		buf_ip(b, &a->pmsi_id);
		break;
	case BGP_ATTR_LARGE_COMMUNITIES:
		list_write(b, F_OT, BGP_ATTR_LARGE_COMMUNITIES, a->large_communities,
			   a->n_large_communities, 12);
		break;
	default: /* MP_REACH / MP_UNREACH: the message writers' */
		break;
	}
}

/* An unrecognised optional transitive attribute passed on, with the partial bit (RFC 4271 §5). */
static void unknown_write(struct bbuf *b, const struct bgp_attr_view *v, unsigned t)
{
	struct bcur c = view(v->p, v->len);
	uint8_t flags = bcur_u8(&c), type = bcur_u8(&c);
	size_t len = flags & BGP_ATTR_F_EXTLEN ? bcur_u16(&c) : bcur_u8(&c);
	const uint8_t *val = bcur_take(&c, len);

	if (type != t || !val)
		return;
	attr_hdr(b, (flags & (BGP_ATTR_F_OPTIONAL | BGP_ATTR_F_TRANSITIVE)) | BGP_ATTR_F_PARTIAL,
		 type, len);
	bbuf_bytes(b, val, len);
}

static void attrs_write_ex(struct bbuf *b, const struct bgp_attrs *a, const struct bgp_tx_opts *o,
			   enum nh_mode nhm, uint32_t nh4, const struct mp_part *mp)
{
	for (unsigned t = 0; t < 256; t++) {
		known_write(b, a, o, t, nhm, nh4);
		if (mp && mp->type == t)
			mp_write(b, mp);
		for (unsigned i = 0; a && i < a->n_unknown && i < BGP_MAX_UNKNOWN_ATTRS; i++)
			unknown_write(b, &a->unknown[i], t);
	}
}

void bgp_attrs_write(struct bbuf *b, const struct bgp_attrs *a, const struct bgp_tx_opts *o)
{
	attrs_write_ex(b, a, o, NH_ATTRS, 0, NULL);
}

/* The whole message of an update_write() with k routes (msg length left to the caller). */
struct upd_w {
	enum bgp_af af;
	bool withdraw;
	const struct bgp_attrs *a;
	const struct bgp_tx_opts *o;
	uint32_t nh4;
	const struct bgp_nlri *routes;
	struct mp_part mp;
};

static size_t msg_write(struct bbuf *b, struct upd_w *w, unsigned k, size_t bytes)
{
	size_t at = bgp_msg_begin(b, BGP_MSG_UPDATE), len;

	len = bbuf_reserve16(b);
	if (w->af == BGP_AF_IPV4 && w->withdraw)
		for (unsigned i = 0; i < k; i++)
			nlri_write_af(b, w->af, &w->routes[i]);
	bbuf_patch16(b, len);
	len = bbuf_reserve16(b);
	w->mp.n = k;
	w->mp.nlri_bytes = bytes;
	if (w->af != BGP_AF_IPV4)
		attrs_write_ex(b, w->withdraw ? NULL : w->a, w->o, NH_NONE, 0, &w->mp);
	else if (!w->withdraw) /* an IPv4 withdrawal has no attributes */
		attrs_write_ex(b, w->a, w->o, NH_OVERRIDE, w->nh4, NULL);
	bbuf_patch16(b, len);
	if (w->af == BGP_AF_IPV4 && !w->withdraw)
		for (unsigned i = 0; i < k; i++)
			nlri_write_af(b, w->af, &w->routes[i]);
	return at;
}

static int update_write(struct bbuf *b, struct upd_w *w, unsigned n)
{
	size_t max = w->o && w->o->ext_msg ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	size_t start = b->len, fixed, limit, used, bytes = 0, base = 0;
	unsigned k;

	if (b->err)
		return -1;
	if (n == 0)
		return 0;
	if (!w->routes) {
		b->err = true;
		return -1;
	}
	/* The message without routes, to learn what is left for them. */
	msg_write(b, w, 0, 0);
	if (b->err) {
		b->len = start;
		return -1;
	}
	fixed = b->len - start;
	b->len = start;
	limit = b->cap - start < max ? b->cap - start : max;
	if (w->af != BGP_AF_IPV4)
		base = mp_base_len(&w->mp);
	used = fixed;
	for (k = 0; k < n; k++) {
		size_t sz = nlri_size(w->af, &w->routes[k]);
		/* MP attribute crossing 255 bytes of value: one more length byte */
		size_t extra = base && base + bytes <= 0xff && base + bytes + sz > 0xff ? 1 : 0;

		if (used + sz + extra > limit)
			break;
		used += sz + extra;
		bytes += sz;
	}
	if (k == 0) {
		b->err = true;
		return -1;
	}
	bgp_msg_end(b, msg_write(b, w, k, bytes), max);
	if (b->err) {
		b->len = start;
		return -1;
	}
	return (int)k;
}

int bgp_update_write_announce(struct bbuf *b, enum bgp_af af, const struct bgp_attrs *a,
			      const struct pg_ip *nh, const struct pg_ip *nh_ll,
			      const struct bgp_nlri *routes, unsigned n,
			      const struct bgp_tx_opts *o)
{
	struct upd_w w = {.af = af, .a = a, .o = o, .routes = routes};

	if (af >= BGP_AF_MAX || !nh || (af == BGP_AF_IPV4 && nh->family != AF_INET) ||
	    (af == BGP_AF_IPV6 && nh->family != AF_INET6) ||
	    (nh->family != AF_INET && nh->family != AF_INET6)) {
		b->err = true;
		return -1;
	}
	if (af == BGP_AF_IPV4) {
		w.nh4 = nh->v4;
	} else {
		w.mp = (struct mp_part){
		    .type = BGP_ATTR_MP_REACH, .af = af, .nh = nh, .routes = routes};
		if (af == BGP_AF_IPV6 && nh_ll && nh_ll->family == AF_INET6)
			w.mp.nh_ll = nh_ll;
	}
	return update_write(b, &w, n);
}

int bgp_update_write_withdraw(struct bbuf *b, enum bgp_af af, const struct bgp_nlri *routes,
			      unsigned n, const struct bgp_tx_opts *o)
{
	struct upd_w w = {.af = af, .withdraw = true, .o = o, .routes = routes};

	if (af >= BGP_AF_MAX) {
		b->err = true;
		return -1;
	}
	if (af != BGP_AF_IPV4)
		w.mp = (struct mp_part){.type = BGP_ATTR_MP_UNREACH, .af = af, .routes = routes};
	return update_write(b, &w, n);
}

void bgp_update_write_eor(struct bbuf *b, enum bgp_af af)
{
	size_t at, len;
	uint16_t afi;
	uint8_t safi;

	if (af >= BGP_AF_MAX) {
		b->err = true;
		return;
	}
	at = bgp_msg_begin(b, BGP_MSG_UPDATE);
	bbuf_u16(b, 0); /* withdrawn routes length */
	len = bbuf_reserve16(b);
	if (af != BGP_AF_IPV4) {
		bgp_af_to(af, &afi, &safi);
		attr_hdr(b, F_ONT, BGP_ATTR_MP_UNREACH, 3);
		bbuf_u16(b, afi);
		bbuf_u8(b, safi);
	}
	bbuf_patch16(b, len);
	bgp_msg_end(b, at, BGP_MAX_LEN);
}
