/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the session's view of a byte stream. Frames messages the way the session
 * reader does (the first input byte picks the 4096 or 65535 limit), hands OPEN, NOTIFICATION and
 * ROUTE-REFRESH bodies to their parsers, formats what they found, and checks that an accepted
 * OPEN written back by bgp_open_write() parses to the same capabilities.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_msg.h"

static void check_open(const uint8_t *body, size_t len)
{
	struct bgp_open o, p;
	struct bgp_notif n;
	uint8_t buf[BGP_MAX_LEN];
	char txt[512];

	if (bgp_open_parse(body, len, &o, &n) < 0) {
		if (n.len > sizeof(n.data))
			abort();
		return;
	}
	bgp_caps_fmt(&o.caps, txt, sizeof(txt));
	struct bbuf b = bbuf_make(buf, sizeof(buf));
	bgp_open_write(&b, &o);
	if (b.err)
		return; /* e.g. a hostname too long to fit once more: fine */
	if (bgp_frame(buf, b.len, BGP_MAX_LEN, &n) != (int)b.len)
		abort();
	if (bgp_open_parse(buf + BGP_HDR_LEN, b.len - BGP_HDR_LEN, &p, &n) < 0)
		abort();
	if (p.caps.mp != o.caps.mp || p.caps.as4 != o.caps.as4 ||
	    p.caps.as4_asn != o.caps.as4_asn || p.caps.gr != o.caps.gr ||
	    p.caps.gr_af != o.caps.gr_af || p.caps.gr_time != o.caps.gr_time ||
	    p.hold_time != o.hold_time || p.bgp_id != o.bgp_id || p.my_as != o.my_as)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_notif n;
	size_t max;

	if (size < 1)
		return 0;
	max = (data[0] & 1) ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;
	data++;
	size--;
	while (size) {
		int r = bgp_frame(data, size, max, &n);
		if (r <= 0)
			break;
		if ((size_t)r > size || r < BGP_HDR_LEN)
			abort();
		const uint8_t *body = data + BGP_HDR_LEN;
		size_t blen = (size_t)r - BGP_HDR_LEN;
		switch (data[18]) {
		case BGP_MSG_OPEN:
			check_open(body, blen);
			break;
		case BGP_MSG_NOTIFICATION: {
			struct bgp_notification m;
			if (bgp_notification_parse(body, blen, &m) == 0) {
				if (strlen(m.shutdown_msg) >= sizeof(m.shutdown_msg))
					abort();
				(void)bgp_err_subcode_name(m.code, m.subcode);
			}
			break;
		}
		case BGP_MSG_ROUTE_REFRESH: {
			struct bgp_route_refresh rr;
			bgp_route_refresh_parse(body, blen, &rr, &n);
			break;
		}
		default:
			break;
		}
		data += r;
		size -= (size_t)r;
	}
	return 0;
}
