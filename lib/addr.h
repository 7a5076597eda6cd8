/* SPDX-License-Identifier: BSD-3-Clause */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* Domain address types with one parse_/fmt_ pair each, shared by YAML, CLI and logs. */

struct pg_mac {
	uint8_t b[6];
};

struct pg_ip {
	uint8_t family; /* AF_INET or AF_INET6 */
	union {
		uint32_t v4; /* network byte order */
		uint8_t v6[16];
	};
};

struct pg_prefix {
	struct pg_ip ip;
	uint8_t len;
};

#define PG_MAC_FMT_LEN	  18
#define PG_IP_FMT_LEN	  46
#define PG_PREFIX_FMT_LEN 50

int parse_mac(const char *s, struct pg_mac *out);
char *fmt_mac(const struct pg_mac *m, char buf[PG_MAC_FMT_LEN]);

/* Accepts dotted quad or IPv6 text. */
int parse_ip(const char *s, struct pg_ip *out);
char *fmt_ip(const struct pg_ip *ip, char buf[PG_IP_FMT_LEN]);

/*
 * "a.b.c.d/len" or "x::y/len"; a bare address is a host prefix. With strict, host bits must be
 * zero (-EINVAL otherwise); without, they are kept (interface addresses are "10.0.0.1/24").
 */
int parse_prefix(const char *s, struct pg_prefix *out, bool strict);
/* "ADDR:PORT" or "[V6ADDR]:PORT", port 1..65535. 0 or -EINVAL. */
int parse_hostport(const char *s, struct pg_ip *ip, uint16_t *port);
char *fmt_prefix(const struct pg_prefix *p, char buf[PG_PREFIX_FMT_LEN]);

/* Zero the host bits of p. */
void prefix_mask(struct pg_prefix *p);
/* True when ip lies inside p. */
bool prefix_contains(const struct pg_prefix *p, const struct pg_ip *ip);
bool ip_equal(const struct pg_ip *a, const struct pg_ip *b);

static inline bool prefix_equal(const struct pg_prefix *a, const struct pg_prefix *b)
{
	return a->len == b->len && ip_equal(&a->ip, &b->ip);
}
bool mac_is_zero(const struct pg_mac *m);
