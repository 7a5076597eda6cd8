/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int parse_mac(const char *s, struct pg_mac *out)
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &tail) != 6)
		return -EINVAL;
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		out->b[i] = (uint8_t)v[i];
	return 0;
}

char *fmt_mac(const struct pg_mac *m, char buf[PG_MAC_FMT_LEN])
{
	snprintf(buf, PG_MAC_FMT_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2],
		 m->b[3], m->b[4], m->b[5]);
	return buf;
}

int parse_ip(const char *s, struct pg_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

char *fmt_ip(const struct pg_ip *ip, char buf[PG_IP_FMT_LEN])
{
	if (ip->family == AF_INET)
		inet_ntop(AF_INET, &ip->v4, buf, PG_IP_FMT_LEN);
	else if (ip->family == AF_INET6)
		inet_ntop(AF_INET6, ip->v6, buf, PG_IP_FMT_LEN);
	else
		snprintf(buf, PG_IP_FMT_LEN, "none");
	return buf;
}

void prefix_mask(struct pg_prefix *p)
{
	if (p->ip.family == AF_INET) {
		uint32_t mask = p->len == 0 ? 0 : htonl(~0u << (32 - p->len));
		p->ip.v4 &= mask;
		return;
	}
	for (int i = 0; i < 16; i++) {
		int bits = p->len - i * 8;
		if (bits >= 8)
			continue;
		p->ip.v6[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

int parse_hostport(const char *s, struct pg_ip *ip, uint16_t *port)
{
	char host[64];
	const char *h = s, *colon;
	size_t hl;
	char *end;
	unsigned long v;

	if (*s == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':')
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host) || !isdigit((unsigned char)colon[1]))
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = 0;
	errno = 0;
	v = strtoul(colon + 1, &end, 10);
	if (errno || *end || v == 0 || v > 65535 || parse_ip(host, ip) < 0)
		return -EINVAL;
	if ((*s == '[') != (ip->family == AF_INET6))
		return -EINVAL; /* an IPv6 address needs its brackets, IPv4 none */
	*port = (uint16_t)v;
	return 0;
}

int parse_prefix(const char *s, struct pg_prefix *out, bool strict)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	char *end;
	long len;

	if (n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (parse_ip(tmp, &out->ip) < 0)
		return -EINVAL;
	int max = out->ip.family == AF_INET ? 32 : 128;
	if (!slash) {
		out->len = (uint8_t)max;
		return 0;
	}
	if (slash[1] == '\0')
		return -EINVAL;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno || *end != '\0' || len < 0 || len > max)
		return -EINVAL;
	out->len = (uint8_t)len;
	if (strict) {
		struct pg_prefix m = *out;
		prefix_mask(&m);
		if (!ip_equal(&m.ip, &out->ip))
			return -EINVAL;
	}
	return 0;
}

char *fmt_prefix(const struct pg_prefix *p, char buf[PG_PREFIX_FMT_LEN])
{
	char ip[PG_IP_FMT_LEN];

	snprintf(buf, PG_PREFIX_FMT_LEN, "%s/%u", fmt_ip(&p->ip, ip), p->len);
	return buf;
}

bool ip_equal(const struct pg_ip *a, const struct pg_ip *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	return memcmp(a->v6, b->v6, 16) == 0;
}

bool prefix_contains(const struct pg_prefix *p, const struct pg_ip *ip)
{
	struct pg_prefix a = *p, b = {.ip = *ip, .len = p->len};

	if (p->ip.family != ip->family)
		return false;
	prefix_mask(&a);
	prefix_mask(&b);
	return ip_equal(&a.ip, &b.ip);
}

bool mac_is_zero(const struct pg_mac *m)
{
	static const struct pg_mac zero;
	return memcmp(m, &zero, sizeof(zero)) == 0;
}
