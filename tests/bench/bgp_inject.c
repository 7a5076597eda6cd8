/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peregrine-bgp-inject: a fast, deterministic BGP speaker that feeds one peer N routes, for the
 * control-plane convergence benchmark (scripts/bench-bgp.sh).
 *
 *   peregrine-bgp-inject --local IP --remote IP --as N --peer-as N --family ipv4|evpn
 *                        --routes N [--diverse] [--seed S] [--hold 90] [--port 179]
 *
 * Before connecting, every UPDATE is encoded into one buffer (the BGP codec of control/bgp):
 * N distinct random IPv4 prefixes, /16../24 with an Internet-like length mix, deterministic by
 * the seed, packed as many per 4096-byte UPDATE as fit, then End-of-RIB. IPv4 unicast carries
 * ORIGIN IGP, AS_PATH [--as], NEXT_HOP --local, MED 0; with --diverse, 1000 attribute sets (AS
 * paths of 1..5 ASNs starting with --as, 0..4 communities, MED) are assigned round-robin. EVPN
 * sends type-5 routes (RD --local:i%1000, the prefix, label/VNI 5000, gateway 0) with next hop
 * --local and extended communities RT --as:5000, encapsulation VXLAN and router MAC
 * 02:00:00:00:aa:01.
 *
 * Then it connects to --remote port 179 from --local, sends OPEN (MP for the family, route
 * refresh, 4-octet AS), waits for the peer's OPEN and KEEPALIVE (Established, time t0), and
 * writes the buffer with blocking sends (a few large send() calls, no per-route system calls).
 * When all of it is written it prints one JSON line on stdout:
 *   {"t0_unix_ms":..., "t0_unix_us":..., "established_ms":..., "sent_ms":..., "sent_us":...,
 *    "gen_ms":..., "routes":N, "updates":M, "bytes":B}
 * (t0_unix_ms/_us: wall clock at Established; established_ms: connect to Established;
 * sent_ms/_us: Established to the last byte handed to the kernel; gen_ms: encoding). It then keeps
 * the session up with keepalives, discarding what the peer sends, until SIGTERM or SIGINT (Cease /
 * administrative shutdown, exit 0). Exit status 1: bad usage, 2: setup or session failure
 * before the routes went out, 3: the session went down afterwards.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "bgp_msg.h"
#include "bgp_update.h"

#define N_DIVERSE   1000  /* attribute sets with --diverse */
#define CHUNK	    65536 /* routes encoded per batch of struct bgp_nlri */
#define SEND_CHUNK  (4u << 20)
#define EVPN_VNI    5000
#define EVPN_RD_MOD 1000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- deterministic randomness (splitmix64) ---- */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(rng_next() % n);
}

/* ---- prefixes ---- */
struct pfx {
	uint32_t addr; /* host order, host bits zero */
	uint8_t len;
};

/* A set of prefixes (open addressing over a power-of-two table of keys; 0 = empty). */
struct pset {
	uint64_t *keys;
	size_t mask;
};

static uint64_t pfx_key(uint32_t addr, uint8_t len)
{
	return (uint64_t)len << 32 | addr;
}

static int pset_init(struct pset *s, size_t n)
{
	size_t cap = 1024;

	while (cap < 2 * n)
		cap <<= 1;
	s->keys = calloc(cap, sizeof(*s->keys));
	s->mask = cap - 1;
	return s->keys ? 0 : -1;
}

/* Insert key; false when it was already there. */
static bool pset_add(struct pset *s, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & s->mask;

	while (s->keys[i]) {
		if (s->keys[i] == key)
			return false;
		i = (i + 1) & s->mask;
	}
	s->keys[i] = key;
	return true;
}

/* Prefix length mix, roughly the Internet's IPv4 table restricted to /16../24 (percent). */
static const struct {
	uint8_t len, pct;
} len_mix[] = {
    {24, 58}, {23, 9}, {22, 11}, {21, 5}, {20, 5}, {19, 4}, {18, 3}, {17, 2}, {16, 3},
};

static uint8_t pick_len(void)
{
	uint32_t r = rng_below(100), acc = 0;

	for (size_t i = 0; i < sizeof(len_mix) / sizeof(len_mix[0]); i++) {
		acc += len_mix[i].pct;
		if (r < acc)
			return len_mix[i].len;
	}
	return 24;
}

/* First octets left out: 0/8, 10/8 (the benchmark's links), 127/8, 224/3 (multicast, class E). */
static bool first_octet_ok(uint32_t o)
{
	return o != 0 && o != 10 && o != 127 && o < 224;
}

static struct pfx *gen_prefixes(size_t n)
{
	struct pfx *v = malloc(n * sizeof(*v));
	struct pset s;

	if (!v || pset_init(&s, n) < 0) {
		free(v);
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		uint8_t len = pick_len();
		uint32_t addr = (uint32_t)rng_next();

		addr &= ~0u << (32 - len);
		if (!first_octet_ok(addr >> 24) || !pset_add(&s, pfx_key(addr, len)))
			continue;
		v[i].addr = addr;
		v[i].len = len;
		i++;
	}
	free(s.keys);
	return v;
}

/* ---- attribute sets ---- */
struct aset {
	struct bgp_attrs a;
	uint8_t aspath[2 + 5 * 4];
	uint8_t comm[4 * 4];
	uint8_t ec[3 * 8];
};

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void be64_put(uint8_t *p, uint64_t v)
{
	be32_put(p, (uint32_t)(v >> 32));
	be32_put(p + 4, (uint32_t)v);
}

/* Attribute set k of n (k = 0 with n = 1: the plain one). */
static void aset_make(struct aset *s, unsigned k, unsigned n, uint32_t as, uint32_t peer_as,
		      uint32_t nh, enum bgp_af af)
{
	unsigned path_len = 1, n_comm = 0;

	memset(&s->a, 0, sizeof(s->a));
	if (n > 1) {
		path_len = 1 + k % 5;
		n_comm = (k / 5) % 5;
	}
	s->aspath[0] = BGP_ASPATH_SEQUENCE;
	s->aspath[1] = (uint8_t)path_len;
	be32_put(s->aspath + 2, as);
	for (unsigned i = 1; i < path_len; i++) {
		uint32_t x = 64512 + (uint32_t)rng_below(400);

		be32_put(s->aspath + 2 + 4 * i, x == peer_as || x == as ? x + 400 : x);
	}
	for (unsigned i = 0; i < n_comm; i++)
		be32_put(s->comm + 4 * i,
			 (as & 0xffff) << 16 | (uint32_t)(100 + rng_below(900) + 1000 * i));
	s->a.present = 1ull << BGP_ATTR_ORIGIN | 1ull << BGP_ATTR_AS_PATH | 1ull << BGP_ATTR_MED;
	s->a.origin = BGP_ORIGIN_IGP;
	s->a.aspath = s->aspath;
	s->a.aspath_len = (uint16_t)(2 + 4 * path_len);
	s->a.med = n > 1 ? k % 7 * 10 : 0;
	s->a.nexthop = nh;
	if (af == BGP_AF_IPV4)
		s->a.present |= 1ull << BGP_ATTR_NEXT_HOP;
	if (n_comm) {
		s->a.present |= 1ull << BGP_ATTR_COMMUNITIES;
		s->a.communities = s->comm;
		s->a.n_communities = (uint16_t)n_comm;
	}
	if (af == BGP_AF_EVPN) {
		static const uint8_t encap[8] = {0x03, 0x0c, 0, 0, 0, 0, 0, BGP_ENCAP_VXLAN};
		static const uint8_t rmac[8] = {0x06, 0x03, 0x02, 0x00, 0x00, 0x00, 0xaa, 0x01};

		if (as <= 0xffff)
			be64_put(s->ec, bgp_ec_rt_as2((uint16_t)as, EVPN_VNI));
		else
			be64_put(s->ec, BGP_EC_RT_AS4 | (uint64_t)as << 16 | EVPN_VNI);
		memcpy(s->ec + 8, encap, 8);
		memcpy(s->ec + 16, rmac, 8);
		s->a.present |= 1ull << BGP_ATTR_EXT_COMMUNITIES;
		s->a.ext_communities = s->ec;
		s->a.n_ext_communities = 3;
	}
}

/* ---- the output buffer ---- */
static int room(struct bbuf *b, size_t need)
{
	if (b->cap - b->len >= need)
		return 0;
	size_t cap = b->cap ? b->cap : 1u << 20;
	while (cap - b->len < need)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static void nlri_fill(struct bgp_nlri *n, enum bgp_af af, const struct pfx *p, size_t i,
		      uint32_t local)
{
	memset(n, 0, sizeof(*n));
	n->af = (uint8_t)af;
	if (af == BGP_AF_IPV4) {
		n->prefix.ip.family = AF_INET;
		n->prefix.ip.v4 = htonl(p->addr);
		n->prefix.len = p->len;
		return;
	}
	n->evpn.type = BGP_EVPN_PREFIX;
	n->evpn.rd = bgp_rd_type1(local, (uint16_t)(i % EVPN_RD_MOD));
	n->evpn.ip.family = AF_INET;
	n->evpn.ip.v4 = htonl(p->addr);
	n->evpn.plen = p->len;
	n->evpn.gw.family = AF_INET;
	n->evpn.n_labels = 1;
	n->evpn.label[0] = EVPN_VNI;
}

/*
 * Encode the whole feed: for each attribute set s (of n_sets), the routes i with i % n_sets == s,
 * packed into UPDATEs; then End-of-RIB. Returns the number of UPDATEs with routes, -1 on error.
 */
static long encode_feed(struct bbuf *b, enum bgp_af af, const struct pfx *pfx, size_t n,
			const struct aset *sets, unsigned n_sets, uint32_t local)
{
	const struct bgp_tx_opts o = {.as4 = true};
	const struct pg_ip nh = {.family = AF_INET, .v4 = local};
	struct bgp_nlri *chunk = malloc(CHUNK * sizeof(*chunk));
	long updates = 0;

	if (!chunk)
		return -1;
	for (unsigned s = 0; s < n_sets; s++) {
		size_t i = s;

		while (i < n) {
			unsigned k = 0;

			for (; k < CHUNK && i < n; k++, i += n_sets)
				nlri_fill(&chunk[k], af, &pfx[i], i, local);
			for (unsigned done = 0; done < k;) {
				int w;

				if (room(b, 2 * BGP_MAX_LEN) < 0)
					goto fail;
				w = bgp_update_write_announce(b, af, &sets[s].a, &nh, NULL,
							      chunk + done, k - done, &o);
				if (w <= 0)
					goto fail;
				done += (unsigned)w;
				updates++;
			}
		}
	}
	if (room(b, BGP_MAX_LEN) < 0)
		goto fail;
	bgp_update_write_eor(b, af);
	if (b->err)
		goto fail;
	free(chunk);
	return updates;
fail:
	free(chunk);
	return -1;
}

/* ---- session ---- */
static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n > SEND_CHUNK ? SEND_CHUNK : n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR && !stop)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_msg_keepalive(int fd)
{
	uint8_t m[BGP_HDR_LEN];
	struct bbuf b = bbuf_make(m, sizeof(m));

	bgp_keepalive_write(&b);
	return send_all(fd, b.p, b.len);
}

static void send_cease(int fd)
{
	uint8_t m[64];
	struct bbuf b = bbuf_make(m, sizeof(m));
	struct bgp_notif n;

	bgp_notif_set(&n, BGP_ERR_CEASE, BGP_ERR_CEASE_SHUTDOWN, NULL, 0);
	bgp_notification_write(&b, &n);
	send_all(fd, b.p, b.len);
}

struct rx {
	uint8_t buf[4 * BGP_EXT_MAX_LEN];
	size_t len;
	bool got_open, got_keepalive;
	uint8_t notified; /* the code of the NOTIFICATION the peer sent, 0: none */
	uint16_t hold;
};

/* Handle every complete message in r. Returns 0, or -1 when the session is over. */
static int rx_process(int fd, struct rx *r)
{
	size_t off = 0;

	for (;;) {
		struct bgp_notif nf;
		const uint8_t *m = r->buf + off;
		int len = bgp_frame(m, r->len - off, BGP_EXT_MAX_LEN, &nf);

		if (len == 0)
			break;
		if (len < 0) {
			fprintf(stderr, "bgp-inject: bad message header from the peer\n");
			return -1;
		}
		const uint8_t *body = m + BGP_HDR_LEN;
		size_t blen = (size_t)len - BGP_HDR_LEN;
		switch (m[18]) {
		case BGP_MSG_OPEN: {
			struct bgp_open op;

			if (bgp_open_parse(body, blen, &op, &nf) < 0) {
				fprintf(stderr, "bgp-inject: bad OPEN from the peer\n");
				return -1;
			}
			r->got_open = true;
			if (op.hold_time < r->hold)
				r->hold = op.hold_time;
			if (send_msg_keepalive(fd) < 0)
				return -1;
			break;
		}
		case BGP_MSG_KEEPALIVE:
			r->got_keepalive = true;
			break;
		case BGP_MSG_NOTIFICATION: {
			struct bgp_notification n;

			if (bgp_notification_parse(body, blen, &n) == 0)
				fprintf(stderr,
					"bgp-inject: NOTIFICATION from the peer: %s / %s %s\n",
					bgp_err_code_name(n.code),
					bgp_err_subcode_name(n.code, n.subcode), n.shutdown_msg);
			r->notified = n.code ? n.code : BGP_ERR_CEASE;
			return -1;
		}
		default: /* UPDATE, ROUTE-REFRESH: not our business */
			break;
		}
		off += (size_t)len;
	}
	if (off) {
		memmove(r->buf, r->buf + off, r->len - off);
		r->len -= off;
	}
	return 0;
}

/* Read what is there (waiting up to timeout_ms for the first byte). -1: closed or error. */
static int rx_read(int fd, struct rx *r, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int n = poll(&pfd, 1, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return 0;
	for (;;) {
		ssize_t got = recv(fd, r->buf + r->len, sizeof(r->buf) - r->len, MSG_DONTWAIT);

		if (got == 0) {
			fprintf(stderr, "bgp-inject: connection closed by the peer\n");
			return -1;
		}
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bgp-inject: recv: %s\n", strerror(errno));
			return -1;
		}
		r->len += (size_t)got;
		if (rx_process(fd, r) < 0)
			return -1;
		if (r->len == sizeof(r->buf)) {
			fprintf(stderr, "bgp-inject: message too long\n");
			return -1;
		}
	}
}

static int connect_to(const struct pg_ip *local, const struct pg_ip *remote, uint16_t port)
{
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = local->v4};
	struct sockaddr_in dst = {
	    .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = remote->v4};
	uint64_t end = now_ms(CLOCK_MONOTONIC) + 60000;

	/* The peer may not listen yet: retry for a minute. */
	while (!stop && now_ms(CLOCK_MONOTONIC) < end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;

		if (fd < 0)
			return -1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			fprintf(stderr, "bgp-inject: bind: %s\n", strerror(errno));
			close(fd);
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0)
			return fd;
		close(fd);
		usleep(100000);
	}
	fprintf(stderr, "bgp-inject: cannot connect\n");
	return -1;
}

/*
 * Connect, exchange OPEN and KEEPALIVE. Returns the socket once Established, -1 when the attempt
 * failed in a way worth retrying (refused, reset, closed, Cease), -2 when it is pointless (OPEN
 * message error, no answer within 60 s).
 */
static int session_up(const struct pg_ip *local, const struct pg_ip *remote, uint16_t port,
		      uint32_t as, uint16_t hold, enum bgp_af af, struct rx *r)
{
	uint8_t obuf[256];
	struct bbuf ob = bbuf_make(obuf, sizeof(obuf));
	struct bgp_open op = {.version = BGP_VERSION,
			      .my_as = as > 0xffff ? BGP_AS_TRANS : (uint16_t)as,
			      .hold_time = hold,
			      .bgp_id = local->v4};
	uint64_t c0;
	int fd = connect_to(local, remote, port);

	if (fd < 0)
		return -2;
	memset(r, 0, sizeof(*r));
	r->hold = hold;
	op.caps.mp = BGP_AF_BIT(af);
	op.caps.route_refresh = true;
	op.caps.as4 = true;
	op.caps.as4_asn = as;
	bgp_open_write(&ob, &op);
	if (ob.err || send_all(fd, ob.p, ob.len) < 0) {
		close(fd);
		return -1;
	}
	c0 = now_ms(CLOCK_MONOTONIC);
	while (!(r->got_open && r->got_keepalive)) {
		if (stop || now_ms(CLOCK_MONOTONIC) - c0 > 60000) {
			close(fd);
			return -2;
		}
		if (rx_read(fd, r, 200) < 0) {
			close(fd);
			return r->notified == BGP_ERR_OPEN ? -2 : -1;
		}
	}
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: peregrine-bgp-inject --local IP --remote IP --as N --peer-as N "
			"--family ipv4|evpn --routes N [--diverse] [--seed S] [--hold 90] "
			"[--port 179]\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"local", required_argument, NULL, 'l'},  {"remote", required_argument, NULL, 'r'},
	    {"as", required_argument, NULL, 'a'},     {"peer-as", required_argument, NULL, 'p'},
	    {"family", required_argument, NULL, 'f'}, {"routes", required_argument, NULL, 'n'},
	    {"diverse", no_argument, NULL, 'd'},      {"seed", required_argument, NULL, 's'},
	    {"hold", required_argument, NULL, 'h'},   {"port", required_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'H'},	      {NULL, 0, NULL, 0},
	};
	struct pg_ip local = {0}, remote = {0};
	unsigned long as = 0, peer_as = 0, hold = 90, port = BGP_PORT;
	unsigned long long n = 0, seed = 1;
	enum bgp_af af = BGP_AF_MAX;
	bool diverse = false;
	int c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (parse_ip(optarg, &local) < 0 || local.family != AF_INET)
				goto bad;
			break;
		case 'r':
			if (parse_ip(optarg, &remote) < 0 || remote.family != AF_INET)
				goto bad;
			break;
		case 'a':
			as = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			peer_as = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			if (!strcmp(optarg, "ipv4"))
				af = BGP_AF_IPV4;
			else if (!strcmp(optarg, "evpn"))
				af = BGP_AF_EVPN;
			else
				goto bad;
			break;
		case 'n':
			n = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			diverse = true;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'h':
			hold = strtoul(optarg, NULL, 0);
			break;
		case 'P':
			port = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			usage();
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc || !local.family || !remote.family || !as || as > UINT32_MAX ||
	    !peer_as || peer_as > UINT32_MAX || af == BGP_AF_MAX || n == 0 || n > 16000000 ||
	    (hold && hold < 3) || hold > 65535 || port == 0 || port > 65535)
		goto bad;

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* ---- encode the feed ---- */
	uint64_t g0 = now_ms(CLOCK_MONOTONIC);
	unsigned n_sets = diverse ? N_DIVERSE : 1;
	struct aset *sets = calloc(n_sets, sizeof(*sets));
	struct bbuf feed = {0};
	struct pfx *pfx;
	long updates;

	rng_state = seed;
	pfx = gen_prefixes((size_t)n);
	if (!sets || !pfx) {
		fprintf(stderr, "bgp-inject: out of memory\n");
		return 2;
	}
	for (unsigned k = 0; k < n_sets; k++)
		aset_make(&sets[k], k, n_sets, (uint32_t)as, (uint32_t)peer_as, local.v4, af);
	updates = encode_feed(&feed, af, pfx, (size_t)n, sets, n_sets, local.v4);
	free(pfx);
	if (updates < 0) {
		fprintf(stderr, "bgp-inject: encoding failed\n");
		return 2;
	}
	uint64_t gen_ms = now_ms(CLOCK_MONOTONIC) - g0;
	fprintf(stderr,
		"bgp-inject: %llu routes in %ld UPDATEs, %zu bytes, encoded in %" PRIu64 " ms\n", n,
		updates, feed.len, gen_ms);

	/* ---- session up ---- */
	struct rx *r = calloc(1, sizeof(*r));
	uint64_t c0 = now_ms(CLOCK_MONOTONIC);
	int fd = -1;

	if (!r)
		return 2;
	/* A peer that is not ready yet may refuse or reset the connection: retry for a minute. */
	while ((fd = session_up(&local, &remote, (uint16_t)port, (uint32_t)as, (uint16_t)hold, af,
				r)) < 0) {
		if (fd == -2 || stop || now_ms(CLOCK_MONOTONIC) - c0 > 60000) {
			fprintf(stderr, "bgp-inject: no session\n");
			return 2;
		}
		usleep(250000);
	}
	uint64_t t0_us = now_us(CLOCK_MONOTONIC), t0_unix_us = now_us(CLOCK_REALTIME);
	uint64_t t0 = t0_us / 1000, t0_unix = t0_unix_us / 1000;
	fprintf(stderr, "bgp-inject: Established at %" PRIu64 " (hold %u s)\n", t0_unix, r->hold);

	/* ---- the feed: large blocking sends, draining what the peer sends in between ---- */
	for (size_t off = 0; off < feed.len;) {
		size_t k = feed.len - off > SEND_CHUNK ? SEND_CHUNK : feed.len - off;

		if (send_all(fd, feed.p + off, k) < 0) {
			fprintf(stderr, "bgp-inject: send: %s\n", strerror(errno));
			return 3;
		}
		off += k;
		if (rx_read(fd, r, 0) < 0)
			return 3;
	}
	uint64_t t_sent_us = now_us(CLOCK_MONOTONIC), t_sent = t_sent_us / 1000;
	printf("{\"t0_unix_ms\":%" PRIu64 ",\"t0_unix_us\":%" PRIu64 ",\"established_ms\":%" PRIu64
	       ",\"sent_ms\":%" PRIu64 ",\"sent_us\":%" PRIu64 ",\"gen_ms\":%" PRIu64
	       ",\"routes\":%llu,\"updates\":%ld,\"bytes\":%zu}\n",
	       t0_unix, t0_unix_us, t0 - c0, t_sent - t0, t_sent_us - t0_us, gen_ms, n, updates,
	       feed.len);
	fflush(stdout);
	free(feed.p);

	/* ---- keep the session up ---- */
	uint64_t ka = r->hold ? (uint64_t)r->hold * 1000 / 3 : 0, last = now_ms(CLOCK_MONOTONIC);
	while (!stop) {
		if (rx_read(fd, r, 500) < 0)
			return 3;
		if (ka && now_ms(CLOCK_MONOTONIC) - last >= ka) {
			if (send_msg_keepalive(fd) < 0)
				return 3;
			last = now_ms(CLOCK_MONOTONIC);
		}
	}
	send_cease(fd);
	close(fd);
	return 0;
bad:
	usage();
	return 1;
}
