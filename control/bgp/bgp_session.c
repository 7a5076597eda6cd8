/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * BGP sessions: sockets, timers and message dispatch around the pure FSM of bgp_fsm.c.
 *
 * A peer has one connection the FSM drives (conn) and, while a session is being opened, possibly
 * a second, incoming one (pending) that raced our own connect. Both send an OPEN; when the peer's
 * OPEN arrives on either, RFC 4271 §6.8 decides: the connection opened by the side with the
 * higher BGP identifier survives, the other gets Cease / Connection Collision Resolution. A
 * connection that arrives while the session is Established is refused the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bgp_rib_int.h"
#include "log.h"
#include "netns.h"
#include "util.h"

#define RBUF_SIZE	 (2 * BGP_EXT_MAX_LEN)
#define MSGS_PER_READ	 64	     /* messages handled per readiness event before yielding */
#define HOLD_LARGE_S	 240	     /* RFC 4271 §8.2.2: "a large value", 4 minutes suggested */
#define IDLE_HOLD_MIN_MS 1000	     /* first back-off after a failure */
#define IDLE_HOLD_MAX_MS 60000	     /* back-off cap */
#define WBUF_MAX	 (64u << 20) /* bytes queued to a peer that does not read: reset */

/* epoll data for the listening socket; connections use their struct bgp_conn. */
/* Listening sockets: [0] in Peregrine's namespace, then one per other namespace peers use. */
#define MAX_LISTENERS 65
static struct bgp_conn listeners[MAX_LISTENERS];
static int listener_ns[MAX_LISTENERS];
static int listener_fam[MAX_LISTENERS];	  /* its socket's family */
static bool listener_dual[MAX_LISTENERS]; /* an IPv6 wildcard socket that also takes IPv4 */
static unsigned n_listeners;

static struct {
	bool running;
	struct bgp_conf conf;
	struct bgp_peer **peers; /* each allocated on its own: the RIB holds pointers to them */
	unsigned n_peers;
	int ep;
	uint64_t unknown_conns, refused_conns;
} bgp = {.ep = -1};

uint64_t bgp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *peer_name(const struct bgp_peer *p)
{
	static char buf[PG_IP_FMT_LEN];
	return fmt_ip(&p->conf.addr, buf);
}

static void peer_error(struct bgp_peer *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void peer_error(struct bgp_peer *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->last_error, sizeof(p->last_error), fmt, ap);
	va_end(ap);
	LOG_NOTICE("bgp: peer %s: %s", peer_name(p), p->last_error);
}

/* ---- connections ---- */

static void conn_init(struct bgp_conn *c, struct bgp_peer *p)
{
	memset(c, 0, sizeof(*c));
	c->peer = p;
	c->fd = -1;
}

static int conn_alloc(struct bgp_conn *c)
{
	if (!c->rbuf && !(c->rbuf = malloc(RBUF_SIZE)))
		return -ENOMEM;
	c->rlen = 0;
	c->whead = c->wlen = 0;
	return 0;
}

static void conn_epoll(struct bgp_conn *c, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};

	if (c->fd < 0 || c->want_out == out)
		return;
	c->want_out = out;
	epoll_ctl(bgp.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_close(struct bgp_conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(bgp.ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->connecting = c->want_out = false;
	c->rlen = 0;
	c->whead = c->wlen = 0;
}

static void conn_free(struct bgp_conn *c)
{
	conn_close(c);
	free(c->rbuf);
	free(c->wbuf);
	c->rbuf = c->wbuf = NULL;
	c->wcap = 0;
}

/* Write as much of the queue as the socket takes. Returns -1 on a socket error. */
static int conn_flush(struct bgp_conn *c)
{
	while (c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->whead, c->wlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->whead += (size_t)n;
		c->wlen -= (size_t)n;
	}
	if (!c->wlen)
		c->whead = 0;
	conn_epoll(c, c->wlen != 0);
	return 0;
}

/* Room for n more bytes at the end of the write queue, or NULL. */
static uint8_t *conn_wroom(struct bgp_conn *c, size_t n)
{
	if (c->whead && c->whead + c->wlen + n > c->wcap) {
		memmove(c->wbuf, c->wbuf + c->whead, c->wlen);
		c->whead = 0;
	}
	if (c->wlen + n > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 65536;
		while (cap < c->wlen + n)
			cap *= 2;
		if (cap > WBUF_MAX)
			return NULL;
		uint8_t *b = realloc(c->wbuf, cap);
		if (!b)
			return NULL;
		c->wbuf = b;
		c->wcap = cap;
	}
	return c->wbuf + c->whead + c->wlen;
}

/* Queue one message built in msg (len bytes) and try to send. */
static int conn_send(struct bgp_conn *c, const uint8_t *msg, size_t len)
{
	uint8_t *w;

	if (c->fd < 0)
		return -1;
	w = conn_wroom(c, len);
	if (!w)
		return -1;
	memcpy(w, msg, len);
	c->wlen += len;
	if (c->peer && len >= BGP_HDR_LEN && msg[18] < 6)
		c->peer->msgs_out[msg[18]]++;
	return conn_flush(c);
}

/* ---- timers and state ---- */

static void timer_set(uint64_t *t, uint32_t seconds)
{
	*t = bgp_now_ms() + (uint64_t)seconds * 1000;
}

static void set_state(struct bgp_peer *p, enum bgp_state s)
{
	if (p->state == s)
		return;
	if (s == BGP_ST_ESTABLISHED || p->state == BGP_ST_ESTABLISHED)
		LOG_NOTICE("bgp: peer %s (AS %u): %s -> %s", peer_name(p),
			   p->conf.remote_as ? p->conf.remote_as : bgp_open_asn(&p->open_rcvd),
			   bgp_state_name(p->state), bgp_state_name(s));
	else
		LOG_INFO("bgp: peer %s: %s -> %s", peer_name(p), bgp_state_name(p->state),
			 bgp_state_name(s));
	p->state = s;
	p->state_since = bgp_now_ms();
}

uint32_t bgp_peer_local_as(const struct bgp_peer *p)
{
	return p->conf.local_as ? p->conf.local_as : bgp.conf.asn;
}

static void send_notification(struct bgp_conn *c, const struct bgp_notif *n)
{
	uint8_t buf[BGP_HDR_LEN + 2 + sizeof(n->data)];
	struct bbuf b = bbuf_make(buf, sizeof(buf));

	bgp_notification_write(&b, n);
	if (c->peer) {
		c->peer->notif_sent[0] = n->code;
		c->peer->notif_sent[1] = n->subcode;
		LOG_NOTICE("bgp: peer %s: sending NOTIFICATION %s/%s", peer_name(c->peer),
			   bgp_err_code_name(n->code), bgp_err_subcode_name(n->code, n->subcode));
	}
	if (!b.err)
		conn_send(c, buf, b.len);
}

static void send_open(struct bgp_peer *p, struct bgp_conn *c)
{
	uint8_t buf[BGP_MAX_LEN];
	struct bbuf b = bbuf_make(buf, sizeof(buf));
	struct bgp_open *o = &p->open_sent;
	uint32_t as = bgp_peer_local_as(p);

	memset(o, 0, sizeof(*o));
	o->version = BGP_VERSION;
	o->my_as = as > 0xffff ? BGP_AS_TRANS : (uint16_t)as;
	o->hold_time = p->conf.hold_time;
	o->bgp_id = bgp.conf.router_id;
	o->caps.mp = p->conf.af_mask;
	o->caps.route_refresh = true;
	o->caps.enhanced_rr = true;
	o->caps.as4 = true;
	o->caps.as4_asn = as;
	if (bgp.conf.graceful_restart) {
		/* Helper mode (RFC 4724 §3 "Receiving Speaker"): we announce the capability
		 * without preserving forwarding state ourselves. */
		o->caps.gr = true;
		o->caps.gr_time = bgp.conf.restart_time;
		o->caps.gr_notification = true;
	}
	if (gethostname(o->caps.hostname, sizeof(o->caps.hostname) - 1) == 0 && o->caps.hostname[0])
		o->caps.fqdn = true;
	bgp_open_write(&b, o);
	if (!b.err)
		conn_send(c, buf, b.len);
}

static void send_keepalive(struct bgp_conn *c)
{
	uint8_t buf[BGP_HDR_LEN];
	struct bbuf b = bbuf_make(buf, sizeof(buf));

	bgp_keepalive_write(&b);
	conn_send(c, buf, b.len);
}

static void idle_hold_start(struct bgp_peer *p)
{
	p->established_at = 0;
	p->t_idle = bgp_now_ms() + p->idle_hold_ms;
	p->idle_hold_ms = PG_MIN(p->idle_hold_ms * 2, IDLE_HOLD_MAX_MS);
}

static int conn_connect(struct bgp_peer *p);
static void conn_local_ip(const struct bgp_conn *c, struct pg_ip *ip);

/* RFC 4724 §4.2 and RFC 8538: the peer's routes are kept (stale) when the session ends without
 * a NOTIFICATION, or with one other than Hard Reset when both sides set the N bit; never when we
 * or the operator stopped it. */
static void peer_down(struct bgp_peer *p, enum bgp_event e)
{
	bool nbit = p->open_rcvd.caps.gr_notification && p->open_sent.caps.gr_notification;
	bool hard = (p->notif_rcvd[0] == BGP_ERR_CEASE &&
		     p->notif_rcvd[1] == BGP_ERR_CEASE_HARD_RESET && e == BGP_EV_NOTIFICATION);
	bool graceful = bgp.conf.graceful_restart && p->open_rcvd.caps.gr &&
			(e == BGP_EV_TCP_DOWN || (nbit && e != BGP_EV_STOP && !hard));

	rib_peer_down(p, graceful);
	memset(p->eor_rcvd, 0, sizeof(p->eor_rcvd));
}

static void peer_up(struct bgp_peer *p)
{
	/* RFC 4271 §6.8: an Established session wins over a connection still opening. */
	if (p->pending.fd >= 0) {
		struct bgp_notif n;
		bgp_notif_set(&n, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL, 0);
		send_notification(&p->pending, &n);
		conn_close(&p->pending);
	}
	/* The back-off grows only while sessions fail to come up. */
	p->idle_hold_ms = IDLE_HOLD_MIN_MS;
	p->established_count++;
	p->established_at = bgp_now_ms();
	conn_local_ip(&p->conn, &p->local_ip);
	memset(p->pfx_announced, 0, sizeof(p->pfx_announced));
	memset(p->pfx_withdrawn, 0, sizeof(p->pfx_withdrawn));
	memset(p->eor_rcvd, 0, sizeof(p->eor_rcvd));
	p->last_error[0] = 0;
	rib_peer_up(p);
}

/* Run the FSM for event e on the peer's main connection and perform its actions. */
static void fsm_event(struct bgp_peer *p, enum bgp_event e)
{
	struct bgp_fsm_out o;
	uint32_t a;

	bgp_fsm(p->state, e, p->conf.passive, &o);
	a = o.actions;
	if (a & BGP_A_SEND_NOTIF) {
		struct bgp_notif n = p->pending_notif;
		/* The FSM's code, unless the operator's Cease (clear) goes with a stop. */
		if (o.code && !(e == BGP_EV_STOP && n.code == BGP_ERR_CEASE))
			bgp_notif_set(&n, o.code, o.subcode, NULL, 0);
		if (p->conn.fd >= 0 && !p->conn.connecting)
			send_notification(&p->conn, &n);
	}
	memset(&p->pending_notif, 0, sizeof(p->pending_notif));
	if (a & BGP_A_CLOSE) {
		conn_close(&p->conn);
		if (o.next == BGP_ST_IDLE)
			conn_close(&p->pending);
	}
	if (a & BGP_A_DOWN)
		peer_down(p, e);
	if (a & BGP_A_TIMERS_STOP)
		p->t_connect = p->t_hold = p->t_keepalive = 0;
	set_state(p, o.next);
	if (a & BGP_A_CONNECT) {
		if (conn_connect(p) < 0) {
			/* Could not even start: treat as a failed connection. */
			fsm_event(p, BGP_EV_TCP_DOWN);
			return;
		}
	}
	if (a & BGP_A_CR_START)
		timer_set(&p->t_connect, p->conf.connect_retry);
	if (a & BGP_A_SEND_OPEN)
		send_open(p, &p->conn);
	if (a & BGP_A_HOLD_LARGE)
		timer_set(&p->t_hold, HOLD_LARGE_S);
	if (a & BGP_A_SEND_KEEPALIVE)
		send_keepalive(&p->conn);
	if (a & BGP_A_HOLD_RESTART)
		p->t_hold = p->hold ? bgp_now_ms() + (uint64_t)p->hold * 1000 : 0;
	if (a & BGP_A_KA_RESTART)
		p->t_keepalive = p->keepalive ? bgp_now_ms() + (uint64_t)p->keepalive * 1000 : 0;
	if (a & BGP_A_UP)
		peer_up(p);
	if (a & BGP_A_IDLE_HOLD)
		idle_hold_start(p);
}

/* ---- sockets ---- */

static void sockaddr_from(const struct pg_ip *ip, uint16_t port, struct sockaddr_storage *ss,
			  socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr.s_addr = ip->v4;
		*len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, ip->v6, 16);
		*len = sizeof(*s);
	}
}

/* The address of a socket address, IPv4-mapped IPv6 turned into IPv4. */
static void ip_from_sockaddr(const struct sockaddr_storage *ss, struct pg_ip *ip, uint16_t *port);

/* The local address of a connected socket (family 0 when it cannot be read). */
static void conn_local_ip(const struct bgp_conn *c, struct pg_ip *ip)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(ip, 0, sizeof(*ip));
	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) == 0)
		ip_from_sockaddr(&ss, ip, NULL);
}

static void ip_from_sockaddr(const struct sockaddr_storage *ss, struct pg_ip *ip, uint16_t *port)
{
	memset(ip, 0, sizeof(*ip));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
		ip->family = AF_INET;
		ip->v4 = s->sin_addr.s_addr;
		if (port)
			*port = ntohs(s->sin_port);
		return;
	}
	const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
	if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr)) {
		ip->family = AF_INET;
		memcpy(&ip->v4, &s->sin6_addr.s6_addr[12], 4);
	} else {
		ip->family = AF_INET6;
		memcpy(ip->v6, &s->sin6_addr, 16);
	}
	if (port)
		*port = ntohs(s->sin6_port);
}

/* mapped: fd is a dual-stack IPv6 socket, where IPv4 peers are v4-mapped addresses */
static int md5_set(int fd, const struct pg_ip *peer, const char *password, bool mapped)
{
	struct tcp_md5sig sig;
	socklen_t len;

	memset(&sig, 0, sizeof(sig));
	sockaddr_from(peer, 0, (struct sockaddr_storage *)&sig.tcpm_addr, &len);
	if (mapped && peer->family == AF_INET) {
		/* The listener is an IPv6 socket: IPv4 peers arrive as v4-mapped addresses. */
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&sig.tcpm_addr;
		struct sockaddr_in6 m = {.sin6_family = AF_INET6};
		m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&m.sin6_addr.s6_addr[12], &peer->v4, 4);
		*s = m;
	}
	sig.tcpm_keylen = (uint16_t)strlen(password);
	memcpy(sig.tcpm_key, password, sig.tcpm_keylen);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig));
}

/* TTL and TOS of a session socket: eBGP 1 hop unless configured, iBGP 255 (RFC 4271 leaves it
 * open; FRR and BIRD do the same). Control traffic precedence as routers mark it. */
static void sock_opts(int fd, const struct bgp_peer *p)
{
	bool ibgp = bgp_peer_conf_ibgp(p->conf.as_type, p->conf.remote_as, bgp_peer_local_as(p));
	int ttl = p->conf.ttl ? p->conf.ttl : ibgp ? 255 : 1;
	int tos = IPTOS_PREC_INTERNETCONTROL;

	if (p->conf.addr.family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	}
}

static int conn_connect(struct bgp_peer *p)
{
	struct bgp_conn *c = &p->conn;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	conn_close(c);
	if (conn_alloc(c) < 0)
		return -1;
	fd = pg_netns_socket(p->conf.netns, p->conf.addr.family,
			     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		peer_error(p, "socket: %s", strerror(errno));
		return -1;
	}
	sock_opts(fd, p);
	if (p->conf.password[0] && md5_set(fd, &p->conf.addr, p->conf.password, false) < 0) {
		peer_error(p, "TCP MD5: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (p->conf.update_source.family) {
		sockaddr_from(&p->conf.update_source, 0, &ss, &len);
		if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
			peer_error(p, "update-source: %s", strerror(errno));
			close(fd);
			return -1;
		}
	}
	sockaddr_from(&p->conf.addr, p->conf.port ? p->conf.port : BGP_PORT, &ss, &len);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		peer_error(p, "connect: %s", strerror(errno));
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->outgoing = true;
	c->connecting = true;
	c->want_out = true;
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
	epoll_ctl(bgp.ep, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

/* The (first) peer with address ip, in any namespace: for operator commands. */
static struct bgp_peer *peer_by_addr(const struct pg_ip *ip)
{
	for (unsigned i = 0; i < bgp.n_peers; i++)
		if (ip_equal(&bgp.peers[i]->conf.addr, ip))
			return bgp.peers[i];
	return NULL;
}

/* The peer of a connection from ip to the listener of namespace ns: its address, else an
 * any-source peer of that namespace and of ip's family. */
static struct bgp_peer *peer_find(const struct pg_ip *ip, int ns)
{
	struct bgp_peer *any = NULL;

	for (unsigned i = 0; i < bgp.n_peers; i++) {
		struct bgp_peer *p = bgp.peers[i];
		if ((p->conf.netns > 0 ? p->conf.netns : -1) != ns)
			continue;
		if (ip_equal(&p->conf.addr, ip))
			return p;
		if (p->conf.any_source && p->conf.addr.family == ip->family && !any)
			any = p;
	}
	return any;
}

static void conn_adopt(struct bgp_conn *c, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

	c->fd = fd;
	c->outgoing = false;
	c->connecting = false;
	c->want_out = false;
	epoll_ctl(bgp.ep, EPOLL_CTL_ADD, fd, &ev);
}

static void listener_accept(unsigned li)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct pg_ip ip;
		char buf[PG_IP_FMT_LEN];
		int fd = accept4(listeners[li].fd, (struct sockaddr *)&ss, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		ip_from_sockaddr(&ss, &ip, NULL);
		struct bgp_peer *p = peer_find(&ip, listener_ns[li]);
		if (!p) {
			bgp.unknown_conns++;
			LOG_INFO("bgp: connection from %s: not a configured peer",
				 fmt_ip(&ip, buf));
			close(fd);
			continue;
		}
		sock_opts(fd, p);
		switch (p->state) {
		case BGP_ST_IDLE:
			/* Shut down or backing off: refuse. */
			bgp.refused_conns++;
			close(fd);
			break;
		case BGP_ST_CONNECT:
		case BGP_ST_ACTIVE:
			/* Our own attempt (if any) gives way to the connection that made it. */
			conn_close(&p->conn);
			if (conn_alloc(&p->conn) < 0) {
				close(fd);
				break;
			}
			conn_adopt(&p->conn, fd);
			fsm_event(p, BGP_EV_TCP_UP);
			break;
		case BGP_ST_OPENSENT:
		case BGP_ST_OPENCONFIRM:
			/* Collision candidate: both connections open; the OPENs decide. */
			if (p->pending.fd >= 0 || conn_alloc(&p->pending) < 0) {
				bgp.refused_conns++;
				close(fd);
				break;
			}
			conn_adopt(&p->pending, fd);
			send_open(p, &p->pending);
			p->pending_open_sent = true;
			break;
		case BGP_ST_ESTABLISHED:
		default: {
			/* RFC 4271 §6.8: an Established session wins. */
			struct bgp_conn tmp;
			struct bgp_notif n;
			conn_init(&tmp, NULL);
			tmp.fd = fd;
			bgp_notif_set(&n, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL, 0);
			send_notification(&tmp, &n);
			free(tmp.wbuf);
			close(fd);
			bgp.refused_conns++;
			break;
		}
		}
	}
}

/* A listening socket on one address (family AF_INET or AF_INET6), in Peregrine's namespace. */
static int listener_open_addr(uint16_t port, const struct pg_ip *ip)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd = socket(ip->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ip->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	sockaddr_from(ip, port, &ss, &len);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 64) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int listener_open(uint16_t port, int ns)
{
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	int one = 1, zero = 0;
	int fd = pg_netns_socket(ns, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&s6, sizeof(s6)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) { /* no IPv6 in this namespace */
		fd = pg_netns_socket(ns, AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
	}
	if (listen(fd, 64) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* ---- receiving ---- */

/* Collision resolution when the peer's OPEN arrives on conn (main or pending) while the other
 * connection is also open. Returns the connection that continues (NULL: conn was dropped). */
static struct bgp_conn *collision(struct bgp_peer *p, struct bgp_conn *conn, uint32_t remote_id)
{
	struct bgp_conn *other = conn == &p->conn ? &p->pending : &p->conn;
	struct bgp_notif n;

	if (other->fd < 0)
		return conn;
	/* Keep the connection initiated by the side with the higher identifier (compared as
	 * host-order integers, RFC 6286). */
	bool keep_ours = ntohl(bgp.conf.router_id) > ntohl(remote_id);
	struct bgp_conn *loser = (conn->outgoing == keep_ours) ? other : conn;
	bgp_notif_set(&n, BGP_ERR_CEASE, BGP_ERR_CEASE_COLLISION, NULL, 0);
	LOG_INFO("bgp: peer %s: connection collision, keeping the %s connection", peer_name(p),
		 keep_ours ? "outgoing" : "incoming");
	send_notification(loser, &n);
	conn_close(loser);
	if (loser == &p->conn) {
		/* The pending connection takes over the session (it has sent its OPEN). */
		struct bgp_conn tmp = p->conn;
		p->conn = p->pending;
		p->pending = tmp;
		p->conn.peer = p->pending.peer = p;
		conn_epoll(&p->conn, p->conn.wlen != 0);
		struct epoll_event ev = {.events = EPOLLIN | (p->conn.want_out ? EPOLLOUT : 0),
					 .data.ptr = &p->conn};
		epoll_ctl(bgp.ep, EPOLL_CTL_MOD, p->conn.fd, &ev);
		if (p->state == BGP_ST_OPENCONFIRM)
			set_state(p, BGP_ST_OPENSENT); /* the new connection has not seen an OPEN */
		return &p->conn;
	}
	return conn == &p->conn ? conn : NULL;
}

/* Check an OPEN against the configuration and negotiate. Returns 0, or -1 with a NOTIFICATION
 * in p->pending_notif. */
static int open_accept(struct bgp_peer *p, const struct bgp_open *o)
{
	uint32_t as = bgp_open_asn(o);

	if (!bgp_peer_as_ok(p->conf.as_type, p->conf.remote_as, bgp_peer_local_as(p), as)) {
		uint8_t d[2] = {(uint8_t)(o->my_as >> 8), (uint8_t)o->my_as};
		bgp_notif_set(&p->pending_notif, BGP_ERR_OPEN, BGP_ERR_OPEN_PEER_AS, d, 2);
		if (p->conf.as_type == BGP_PEER_AS)
			peer_error(p, "OPEN from AS %u, expected AS %u", as, p->conf.remote_as);
		else
			peer_error(p, "OPEN from AS %u, expected %s AS %u (type %s)", as,
				   p->conf.as_type == BGP_PEER_INTERNAL ? "our" : "any but our",
				   bgp_peer_local_as(p),
				   p->conf.as_type == BGP_PEER_INTERNAL ? "internal" : "external");
		return -1;
	}
	/* RFC 6286: an iBGP peer must not use our identifier. */
	if (as == bgp_peer_local_as(p) && o->bgp_id == bgp.conf.router_id) {
		bgp_notif_set(&p->pending_notif, BGP_ERR_OPEN, BGP_ERR_OPEN_BGP_ID, NULL, 0);
		peer_error(p, "OPEN with our own BGP identifier");
		return -1;
	}
	p->open_rcvd = *o;
	p->hold = PG_MIN(p->conf.hold_time, o->hold_time);
	p->keepalive =
	    p->hold ? (p->conf.keepalive ? PG_MIN(p->conf.keepalive, p->hold / 3) : p->hold / 3)
		    : 0;
	if (p->hold && !p->keepalive)
		p->keepalive = 1;
	/* RFC 4760 §8: a speaker without multiprotocol capabilities speaks IPv4 unicast. */
	uint32_t theirs = o->caps.mp || o->caps.n_mp_other ? o->caps.mp : BGP_AF_BIT(BGP_AF_IPV4);
	p->af = p->conf.af_mask & theirs;
	p->as4 = o->caps.as4;
	p->ext_msg = o->caps.ext_msg && p->open_sent.caps.ext_msg;
	p->ebgp = as != bgp_peer_local_as(p);
	p->rx = (struct bgp_rx_opts){.as4 = p->as4, .ebgp = p->ebgp, .af_mask = p->af};
	p->tx = (struct bgp_tx_opts){.as4 = p->as4, .ext_msg = p->ext_msg};
	if (!p->af)
		peer_error(p, "no address family in common (we offer 0x%x, peer 0x%x)",
			   p->conf.af_mask, theirs);
	return 0;
}

static void handle_update(struct bgp_peer *p, const uint8_t *body, size_t len)
{
	static struct bgp_update u; /* large (AS path buffer); control thread only */
	enum bgp_upd_action act = bgp_update_parse(body, len, &p->rx, &u);

	if (act == BGP_UPD_RESET) {
		p->pending_notif = u.notif;
		peer_error(p, "malformed UPDATE: %s / %s", bgp_err_code_name(u.notif.code),
			   bgp_err_subcode_name(u.notif.code, u.notif.subcode));
		fsm_event(p, BGP_EV_MSG_ERROR);
		return;
	}
	fsm_event(p, BGP_EV_UPDATE);
	if (p->state != BGP_ST_ESTABLISHED)
		return;
	if (act == BGP_UPD_WITHDRAW) {
		p->upd_withdrawn_7606++;
		peer_error(p, "UPDATE treated as withdraw (RFC 7606): %s",
			   bgp_err_subcode_name(u.notif.code, u.notif.subcode));
	} else if (act == BGP_UPD_ATTR_DISCARD) {
		p->attr_discarded_7606++;
	}
	if (u.eor) {
		if (u.eor_af < BGP_AF_MAX)
			p->eor_rcvd[u.eor_af] = true;
		LOG_INFO("bgp: peer %s: End-of-RIB %s", peer_name(p), bgp_af_name(u.eor_af));
	}
	rib_peer_update(p, &u);
}

/* One framed message on connection c. Returns false when the connection is gone. */
static bool handle_msg(struct bgp_peer *p, struct bgp_conn *c, const uint8_t *msg, size_t len)
{
	const uint8_t *body = msg + BGP_HDR_LEN;
	size_t blen = len - BGP_HDR_LEN;
	uint8_t type = msg[18];
	struct bgp_notif n;

	p->msgs_in[type]++;
	if (c == &p->pending) {
		/* The racing connection only ever expects an OPEN. */
		struct bgp_open o;
		if (type != BGP_MSG_OPEN || bgp_open_parse(body, blen, &o, &n) < 0) {
			conn_close(c);
			return false;
		}
		struct bgp_conn *keep = collision(p, c, o.bgp_id);
		if (keep != &p->conn)
			return false; /* the pending one lost and is closed */
		/* It won and is now the main connection, in OpenSent: process its OPEN. */
		if (open_accept(p, &o) < 0) {
			fsm_event(p, BGP_EV_MSG_ERROR);
			return false;
		}
		fsm_event(p, BGP_EV_OPEN);
		return p->conn.fd >= 0;
	}
	switch (type) {
	case BGP_MSG_OPEN: {
		struct bgp_open o;
		if (bgp_open_parse(body, blen, &o, &n) < 0) {
			p->pending_notif = n;
			peer_error(p, "bad OPEN: %s / %s", bgp_err_code_name(n.code),
				   bgp_err_subcode_name(n.code, n.subcode));
			fsm_event(p, BGP_EV_MSG_ERROR);
			return false;
		}
		if (p->state == BGP_ST_OPENSENT) {
			struct bgp_conn *keep = collision(p, c, o.bgp_id);
			if (keep != c)
				return false;
			if (open_accept(p, &o) < 0) {
				fsm_event(p, BGP_EV_MSG_ERROR);
				return false;
			}
		}
		fsm_event(p, BGP_EV_OPEN);
		break;
	}
	case BGP_MSG_KEEPALIVE:
		fsm_event(p, BGP_EV_KEEPALIVE);
		break;
	case BGP_MSG_UPDATE:
		handle_update(p, body, blen);
		break;
	case BGP_MSG_NOTIFICATION: {
		struct bgp_notification m;
		if (bgp_notification_parse(body, blen, &m) == 0) {
			p->notif_rcvd[0] = m.code;
			p->notif_rcvd[1] = m.subcode;
			peer_error(p, "received NOTIFICATION %s / %s%s%s",
				   bgp_err_code_name(m.code),
				   bgp_err_subcode_name(m.code, m.subcode),
				   m.shutdown_msg[0] ? ": " : "", m.shutdown_msg);
		}
		fsm_event(p, BGP_EV_NOTIFICATION);
		return false;
	}
	case BGP_MSG_ROUTE_REFRESH: {
		struct bgp_route_refresh rr;
		if (!p->open_sent.caps.route_refresh) {
			LOG_INFO("bgp: peer %s: ROUTE-REFRESH without the capability, ignored",
				 peer_name(p));
			break;
		}
		if (bgp_route_refresh_parse(body, blen, &rr, &n) < 0) {
			p->pending_notif = n;
			fsm_event(p, BGP_EV_MSG_ERROR);
			return false;
		}
		fsm_event(p, BGP_EV_ROUTE_REFRESH);
		if (p->state == BGP_ST_ESTABLISHED) {
			enum bgp_af af = bgp_af_from(rr.afi, rr.safi);
			if (af < BGP_AF_MAX && (p->af & BGP_AF_BIT(af)) &&
			    rr.subtype == BGP_RR_NORMAL)
				rib_peer_refresh(p, af);
		}
		break;
	}
	default:
		break;
	}
	return p->conn.fd >= 0 && c == &p->conn;
}

/* The main connection failed. While the session is being opened and a second (incoming)
 * connection races it, that one carries on instead: it has sent its OPEN and waits for the
 * peer's (RFC 4271 §6.8 would have closed one of the two anyway). */
static void main_conn_down(struct bgp_peer *p)
{
	if (p->pending.fd >= 0 && (p->state == BGP_ST_OPENSENT || p->state == BGP_ST_OPENCONFIRM)) {
		struct bgp_conn tmp = p->conn;
		conn_close(&tmp);
		p->conn = p->pending;
		p->pending = tmp;
		p->conn.peer = p->pending.peer = p;
		struct epoll_event ev = {.events = EPOLLIN | (p->conn.want_out ? EPOLLOUT : 0),
					 .data.ptr = &p->conn};
		epoll_ctl(bgp.ep, EPOLL_CTL_MOD, p->conn.fd, &ev);
		set_state(p, BGP_ST_OPENSENT);
		timer_set(&p->t_hold, HOLD_LARGE_S);
		p->t_keepalive = 0;
		return;
	}
	fsm_event(p, BGP_EV_TCP_DOWN);
}

static void conn_readable(struct bgp_peer *p, struct bgp_conn *c)
{
	unsigned handled = 0;
	size_t max = p->ext_msg ? BGP_EXT_MAX_LEN : BGP_MAX_LEN;

	for (;;) {
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, MSG_DONTWAIT);
		if (n == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			if (n == 0)
				peer_error(p, "connection closed by the peer");
			else
				peer_error(p, "recv: %s", strerror(errno));
			if (c == &p->pending) {
				conn_close(c);
				return;
			}
			main_conn_down(p);
			return;
		}
		if (n < 0)
			return;
		c->rlen += (size_t)n;
		size_t off = 0;
		for (;;) {
			struct bgp_notif notif;
			int len = bgp_frame(c->rbuf + off, c->rlen - off, max, &notif);
			if (len == 0)
				break;
			if (len < 0) {
				p->pending_notif = notif;
				peer_error(p, "bad message header: %s",
					   bgp_err_subcode_name(notif.code, notif.subcode));
				if (c == &p->pending) {
					conn_close(c);
					return;
				}
				fsm_event(p, BGP_EV_MSG_ERROR);
				return;
			}
			if (!handle_msg(p, c, c->rbuf + off, (size_t)len))
				return; /* the connection was closed or replaced */
			off += (size_t)len;
			handled++;
		}
		if (off) {
			memmove(c->rbuf, c->rbuf + off, c->rlen - off);
			c->rlen -= off;
		}
		if (handled >= MSGS_PER_READ)
			return; /* level-triggered: the rest next round */
	}
}

static void conn_event(struct bgp_conn *c, uint32_t events)
{
	struct bgp_peer *p = c->peer;

	if (c->fd < 0)
		return;
	if (c->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		c->connecting = false;
		if (err) {
			peer_error(p, "connect: %s", strerror(err));
			fsm_event(p, BGP_EV_TCP_DOWN);
			return;
		}
		conn_epoll(c, false);
		fsm_event(p, BGP_EV_TCP_UP);
		return;
	}
	if (events & EPOLLOUT) {
		if (conn_flush(c) < 0) {
			peer_error(p, "send: %s", strerror(errno));
			if (c == &p->pending)
				conn_close(c);
			else
				main_conn_down(p);
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_readable(p, c);
}

static void timers_run(void)
{
	uint64_t now = bgp_now_ms();

	for (unsigned i = 0; i < bgp.n_peers; i++) {
		struct bgp_peer *p = bgp.peers[i];
		if (p->conf.shutdown)
			continue;
		if (p->t_idle && now >= p->t_idle) {
			p->t_idle = 0;
			if (p->state == BGP_ST_IDLE)
				fsm_event(p, BGP_EV_START);
		}
		if (p->t_connect && now >= p->t_connect) {
			p->t_connect = 0;
			fsm_event(p, BGP_EV_CONNECT_RETRY);
		}
		if (p->t_hold && now >= p->t_hold) {
			p->t_hold = 0;
			peer_error(p, "hold timer expired");
			fsm_event(p, BGP_EV_HOLD_EXPIRED);
		}
		if (p->t_keepalive && now >= p->t_keepalive) {
			p->t_keepalive = 0;
			fsm_event(p, BGP_EV_KEEPALIVE_TIMER);
		}
		/* A write queue that no longer drains (peer not reading) ends the session. */
		if (p->conn.fd >= 0 && p->conn.wlen >= WBUF_MAX / 2) {
			peer_error(p, "peer does not read (%zu bytes queued)", p->conn.wlen);
			bgp_notif_set(&p->pending_notif, BGP_ERR_CEASE, BGP_ERR_CEASE_RESOURCES,
				      NULL, 0);
			fsm_event(p, BGP_EV_MSG_ERROR);
		}
	}
}

/* The listener of namespace ns (-1: Peregrine's), opened when there is none yet. */
static int listener_ensure(int ns)
{
	unsigned k = 0;
	int rc;

	while (k < n_listeners && listener_ns[k] != ns)
		k++;
	if (k < n_listeners)
		return 0;
	if (n_listeners == MAX_LISTENERS) {
		LOG_ERR("bgp: more than %d namespaces to listen in", MAX_LISTENERS);
		return -ENOSPC;
	}
	rc = listener_open(bgp.conf.listen_port, ns);
	if (rc < 0) {
		LOG_ERR("bgp: cannot listen on port %u%s: %s", bgp.conf.listen_port,
			ns >= 0 ? " in a VRF's namespace" : "", strerror(-rc));
		return rc;
	}
	conn_init(&listeners[n_listeners], NULL);
	listeners[n_listeners].fd = rc;
	listener_ns[n_listeners] = ns;
	{
		struct sockaddr_storage ls;
		socklen_t ll = sizeof(ls);
		listener_fam[n_listeners] =
		    getsockname(rc, (struct sockaddr *)&ls, &ll) == 0 ? ls.ss_family : AF_INET;
		listener_dual[n_listeners] = listener_fam[n_listeners] == AF_INET6;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listeners[n_listeners]};
	epoll_ctl(bgp.ep, EPOLL_CTL_ADD, rc, &ev);
	n_listeners++;
	return 0;
}

/* Set (password non-NULL) or remove p's TCP MD5 key on the listeners of its namespace. */
static void listeners_md5(struct bgp_peer *p, const char *password)
{
	for (unsigned k = 0; k < n_listeners; k++)
		if (listener_ns[k] == (p->conf.netns > 0 ? p->conf.netns : -1) &&
		    (listener_dual[k] || listener_fam[k] == p->conf.addr.family) &&
		    md5_set(listeners[k].fd, &p->conf.addr, password ? password : "",
			    listener_dual[k]) < 0 &&
		    password)
			peer_error(p, "TCP MD5 on the listening socket: %s", strerror(errno));
}

/* A new peer: configuration, Idle, then started unless shut down. */
static void peer_start(struct bgp_peer *p, const struct bgp_peer_conf *c)
{
	p->conf = *c;
	p->state = BGP_ST_IDLE;
	p->state_since = bgp_now_ms();
	p->idle_hold_ms = IDLE_HOLD_MIN_MS;
	conn_init(&p->conn, p);
	conn_init(&p->pending, p);
	if (p->conf.password[0])
		listeners_md5(p, p->conf.password);
	if (!p->conf.shutdown)
		fsm_event(p, BGP_EV_START);
}

/* ---- API ---- */

int bgp_fd(void)
{
	return bgp.ep;
}

bool bgp_running(void)
{
	return bgp.running;
}

bool bgp_busy(void)
{
	return bgp.running && rib_backlog() > 0;
}

void bgp_poll(void)
{
	struct epoll_event evs[32];
	int n;

	if (!bgp.running)
		return;
	/* While the RIB is behind, leave the sockets alone: TCP pushes back on the peers. */
	n = rib_backlog() < RIB_BACKLOG_MAX ? epoll_wait(bgp.ep, evs, 32, 0) : 0;
	for (int i = 0; i < n; i++) {
		struct bgp_conn *c = evs[i].data.ptr;
		if (c >= listeners && c < listeners + n_listeners)
			listener_accept((unsigned)(c - listeners));
		else
			conn_event(c, evs[i].events);
	}
	timers_run();
	rib_poll();
}

/* What bgp_start() set up besides the RIB: sockets, peers, the configuration's copy. */
static void release(void)
{
	for (unsigned i = 0; i < n_listeners; i++)
		if (listeners[i].fd >= 0)
			close(listeners[i].fd);
	n_listeners = 0;
	if (bgp.ep >= 0)
		close(bgp.ep);
	bgp.ep = -1;
	for (unsigned i = 0; bgp.peers && i < bgp.n_peers; i++)
		free(bgp.peers[i]);
	free(bgp.peers);
	bgp.peers = NULL;
	bgp.n_peers = 0;
	free(bgp.conf.l3vnis);
	bgp.conf.l3vnis = NULL;
	free(bgp.conf.l2vnis);
	bgp.conf.l2vnis = NULL;
	free(bgp.conf.networks);
	bgp.conf.networks = NULL;
	free(bgp.conf.aggregates);
	bgp.conf.aggregates = NULL;
	bgp_policy_db_unref(bgp.conf.policies);
	bgp.conf.policies = NULL;
}

int bgp_start(const struct bgp_conf *conf)
{
	int rc = -ENOMEM;

	if (bgp.running)
		return -EALREADY;
	/* The one copy of the configuration the RIB and the output side also read. */
	bgp.conf = *conf;
	bgp.conf.peers = NULL;
	bgp.conf.l3vnis = NULL;
	bgp.conf.l2vnis = NULL;
	bgp.conf.networks = NULL;
	bgp.conf.aggregates = NULL;
	if (!bgp.conf.cluster_id)
		bgp.conf.cluster_id = conf->router_id;
	bgp.conf.policies = bgp_policy_db_ref(conf->policies);
	n_listeners = 0;
	bgp.peers = calloc(conf->n_peers ? conf->n_peers : 1, sizeof(*bgp.peers));
	for (unsigned i = 0; bgp.peers && i < conf->n_peers; i++, bgp.n_peers++)
		if (!(bgp.peers[i] = calloc(1, sizeof(**bgp.peers))))
			goto fail;
	if (conf->n_l3vnis) {
		bgp.conf.l3vnis = calloc(conf->n_l3vnis, sizeof(*bgp.conf.l3vnis));
		if (bgp.conf.l3vnis)
			memcpy(bgp.conf.l3vnis, conf->l3vnis,
			       conf->n_l3vnis * sizeof(*bgp.conf.l3vnis));
	}
	if (conf->n_l2vnis) {
		bgp.conf.l2vnis = calloc(conf->n_l2vnis, sizeof(*bgp.conf.l2vnis));
		if (bgp.conf.l2vnis)
			memcpy(bgp.conf.l2vnis, conf->l2vnis,
			       conf->n_l2vnis * sizeof(*bgp.conf.l2vnis));
	}
	if (conf->n_networks) {
		bgp.conf.networks = calloc(conf->n_networks, sizeof(*bgp.conf.networks));
		if (bgp.conf.networks)
			memcpy(bgp.conf.networks, conf->networks,
			       conf->n_networks * sizeof(*bgp.conf.networks));
	}
	if (conf->n_aggregates) {
		bgp.conf.aggregates = calloc(conf->n_aggregates, sizeof(*bgp.conf.aggregates));
		if (bgp.conf.aggregates)
			memcpy(bgp.conf.aggregates, conf->aggregates,
			       conf->n_aggregates * sizeof(*bgp.conf.aggregates));
	}
	if (!bgp.peers || (conf->n_l3vnis && !bgp.conf.l3vnis) ||
	    (conf->n_l2vnis && !bgp.conf.l2vnis) || (conf->n_networks && !bgp.conf.networks) ||
	    (conf->n_aggregates && !bgp.conf.aggregates))
		goto fail;
	bgp.ep = epoll_create1(EPOLL_CLOEXEC);
	if (bgp.ep < 0) {
		rc = -errno;
		goto fail;
	}
	/* Listeners: Peregrine's namespace (on the wildcard or the given addresses), then every
	 * other namespace a peer uses. */
	for (unsigned i = 0; conf->listen_port && i < conf->n_listen && i < 16; i++) {
		char b[PG_IP_FMT_LEN];
		if (n_listeners == MAX_LISTENERS) {
			LOG_ERR("bgp: more than %d listening sockets", MAX_LISTENERS);
			rc = -ENOSPC;
			goto fail;
		}
		rc = listener_open_addr(conf->listen_port, &conf->listen[i]);
		if (rc < 0) {
			LOG_ERR("bgp: cannot listen on %s port %u: %s", fmt_ip(&conf->listen[i], b),
				conf->listen_port, strerror(-rc));
			goto fail;
		}
		conn_init(&listeners[n_listeners], NULL);
		listeners[n_listeners].fd = rc;
		listener_ns[n_listeners] = -1;
		listener_fam[n_listeners] = conf->listen[i].family;
		listener_dual[n_listeners] = false;
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listeners[n_listeners]};
		epoll_ctl(bgp.ep, EPOLL_CTL_ADD, rc, &ev);
		n_listeners++;
	}
	for (unsigned i = conf->n_listen ? 1 : 0; conf->listen_port && i <= conf->n_peers; i++) {
		rc = listener_ensure(i && conf->peers[i - 1].netns > 0 ? conf->peers[i - 1].netns
								       : -1);
		if (rc < 0)
			goto fail;
	}
	rc = rib_init(&bgp.conf);
	if (rc < 0) {
		LOG_ERR("bgp: RIB: %s", strerror(-rc));
		goto fail;
	}
	out_originate_imet();
	out_originate_networks();
	bgp.running = true;
	for (unsigned i = 0; i < bgp.n_peers; i++)
		peer_start(bgp.peers[i], &conf->peers[i]);
	uint32_t afs = 0;
	for (unsigned i = 0; i < conf->n_peers; i++)
		afs |= conf->peers[i].af_mask;
	rib_presize(afs);
	LOG_NOTICE("bgp: AS %u, router id %s, %u peer(s), %s", conf->asn,
		   inet_ntoa((struct in_addr){.s_addr = conf->router_id}), conf->n_peers,
		   n_listeners ? "listening" : "not listening");
	return 0;
fail:
	release();
	return rc;
}

void bgp_stop(void)
{
	if (!bgp.running)
		return;
	for (unsigned i = 0; i < bgp.n_peers; i++) {
		struct bgp_peer *p = bgp.peers[i];
		if (p->state >= BGP_ST_OPENSENT)
			fsm_event(p, BGP_EV_STOP);
		conn_free(&p->conn);
		conn_free(&p->pending);
	}
	rib_fini();
	release();
	bgp.running = false;
}

unsigned bgp_peer_count(void)
{
	return bgp.n_peers;
}

bool bgp_peer_get(unsigned i, struct bgp_peer_info *info)
{
	const struct bgp_peer *p;

	if (i >= bgp.n_peers)
		return false;
	p = bgp.peers[i];
	memset(info, 0, sizeof(*info));
	info->conf = p->conf;
	info->has_password = p->conf.password[0] != 0;
	info->conf.password[0] = 0; /* never shown */
	info->local_as = bgp_peer_local_as(p);
	if (p->conf.as_type != BGP_PEER_AS && p->state >= BGP_ST_OPENCONFIRM)
		info->conf.remote_as = bgp_open_asn(&p->open_rcvd); /* learned: type external */
	info->state = p->state;
	info->state_since_ms = p->state_since;
	if (p->state >= BGP_ST_OPENCONFIRM) {
		info->remote_id = p->open_rcvd.bgp_id;
		info->caps_rcvd = p->open_rcvd.caps;
	}
	if (p->state >= BGP_ST_OPENSENT)
		info->caps_sent = p->open_sent.caps;
	if (p->state == BGP_ST_ESTABLISHED) {
		info->hold = p->hold;
		info->keepalive = p->keepalive;
		info->af_negotiated = p->af;
		info->as4 = p->as4;
		info->ext_msg = p->ext_msg;
	}
	if (p->conn.fd >= 0 && !p->conn.connecting) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		if (getsockname(p->conn.fd, (struct sockaddr *)&ss, &len) == 0)
			ip_from_sockaddr(&ss, &info->local_addr, &info->local_port);
		len = sizeof(ss);
		if (getpeername(p->conn.fd, (struct sockaddr *)&ss, &len) == 0)
			ip_from_sockaddr(&ss, &info->remote_addr, &info->remote_port);
	}
	memcpy(info->msgs_in, p->msgs_in, sizeof(info->msgs_in));
	memcpy(info->msgs_out, p->msgs_out, sizeof(info->msgs_out));
	memcpy(info->prefixes_announced, p->pfx_announced, sizeof(info->prefixes_announced));
	memcpy(info->prefixes_withdrawn, p->pfx_withdrawn, sizeof(info->prefixes_withdrawn));
	memcpy(info->eor_rcvd, p->eor_rcvd, sizeof(info->eor_rcvd));
	for (unsigned af = 0; af < BGP_AF_MAX; af++)
		info->prefixes[af] = rib_peer_prefixes(p, af);
	info->advertised = bgp_out_advertised(p);
	info->updates_withdrawn_7606 = p->upd_withdrawn_7606;
	info->attrs_discarded_7606 = p->attr_discarded_7606;
	info->updates_as_loop = p->rib_loops;
	info->updates_cluster_loop = p->rib_rr_loops;
	info->updates_self_nh = p->rib_self_nh;
	info->prefixes_import_rejected = p->pol_in_rejected;
	info->prefixes_export_rejected = p->pol_out_rejected;
	info->established_count = p->established_count;
	memcpy(info->last_notif_sent, p->notif_sent, 2);
	memcpy(info->last_notif_rcvd, p->notif_rcvd, 2);
	memcpy(info->last_error, p->last_error, sizeof(info->last_error));
	return true;
}

int bgp_peer_send(struct bgp_peer *p, const uint8_t *msg, size_t len)
{
	if (p->state != BGP_ST_ESTABLISHED)
		return -1;
	return conn_send(&p->conn, msg, len);
}

size_t bgp_peer_queued(const struct bgp_peer *p)
{
	return p->conn.wlen;
}

const char *bgp_peer_name(const struct bgp_peer *p)
{
	return peer_name(p);
}

unsigned bgp_peers_n(void)
{
	return bgp.n_peers;
}

struct bgp_peer *bgp_peer_at(unsigned i)
{
	return bgp.peers[i];
}

/* ---- configuration changes (live reload) ---- */

int bgp_peer_add(const struct bgp_peer_conf *c)
{
	struct bgp_peer **v, *p;
	int rc;

	if (!bgp.running)
		return -ENOTCONN;
	for (unsigned i = 0; i < bgp.n_peers; i++)
		if (!bgp.peers[i]->conf.any_source && bgp.peers[i]->conf.netns == c->netns &&
		    ip_equal(&bgp.peers[i]->conf.addr, &c->addr))
			return -EEXIST;
	if (bgp.conf.listen_port && (rc = listener_ensure(c->netns > 0 ? c->netns : -1)) < 0)
		return rc;
	v = realloc(bgp.peers, (bgp.n_peers + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	bgp.peers = v;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if ((rc = out_peer_added()) < 0) {
		free(p);
		return rc;
	}
	bgp.peers[bgp.n_peers++] = p;
	peer_start(p, c);
	LOG_NOTICE("bgp: peer %s added", peer_name(p));
	return 0;
}

int bgp_peer_remove(const struct pg_ip *addr)
{
	unsigned i = 0;
	struct bgp_peer *p;

	while (i < bgp.n_peers &&
	       (bgp.peers[i]->conf.any_source || !ip_equal(&bgp.peers[i]->conf.addr, addr)))
		i++;
	if (i == bgp.n_peers)
		return -ENOENT;
	p = bgp.peers[i];
	/* RFC 4486: Cease, peer de-configured; no graceful restart for a peer that goes. */
	if (p->state >= BGP_ST_OPENSENT)
		bgp_notif_set(&p->pending_notif, BGP_ERR_CEASE, BGP_ERR_CEASE_DECONFIGURED, NULL,
			      0);
	if (p->state != BGP_ST_IDLE)
		fsm_event(p, BGP_EV_STOP);
	rib_peer_remove(p);
	if (p->conf.password[0])
		listeners_md5(p, NULL);
	conn_free(&p->conn);
	conn_free(&p->pending);
	LOG_NOTICE("bgp: peer %s removed", peer_name(p));
	out_peer_removed(i);
	memmove(&bgp.peers[i], &bgp.peers[i + 1], (bgp.n_peers - i - 1) * sizeof(*bgp.peers));
	bgp.n_peers--;
	free(p);
	return 0;
}

/* ---- operator actions ---- */

int bgp_peer_clear(const struct pg_ip *addr)
{
	struct bgp_peer *p = peer_by_addr(addr);

	if (!p)
		return -ENOENT;
	if (p->state >= BGP_ST_OPENSENT) {
		bgp_notif_set(&p->pending_notif, BGP_ERR_CEASE, BGP_ERR_CEASE_RESET, NULL, 0);
		peer_error(p, "cleared by the operator");
		/* A reset the operator asked for: no graceful restart, restart right away. */
		fsm_event(p, BGP_EV_STOP);
		p->idle_hold_ms = IDLE_HOLD_MIN_MS;
	}
	if (!p->conf.shutdown && p->state == BGP_ST_IDLE)
		p->t_idle = bgp_now_ms() + IDLE_HOLD_MIN_MS;
	return 0;
}

int bgp_peer_soft_in(const struct pg_ip *addr)
{
	struct bgp_peer *p = peer_by_addr(addr);
	uint8_t buf[BGP_HDR_LEN + 4];

	if (!p)
		return -ENOENT;
	if (p->state != BGP_ST_ESTABLISHED)
		return -ENOTCONN;
	if (!p->open_rcvd.caps.route_refresh)
		return -EOPNOTSUPP;
	for (unsigned af = 0; af < BGP_AF_MAX; af++) {
		if (!(p->af & BGP_AF_BIT(af)))
			continue;
		struct bbuf b = bbuf_make(buf, sizeof(buf));
		bgp_route_refresh_write(&b, af, BGP_RR_NORMAL);
		if (!b.err)
			conn_send(&p->conn, buf, b.len);
	}
	return 0;
}

int bgp_peer_soft_out(const struct pg_ip *addr)
{
	struct bgp_peer *p = peer_by_addr(addr);

	if (!p)
		return -ENOENT;
	if (p->state != BGP_ST_ESTABLISHED)
		return -ENOTCONN;
	for (unsigned af = 0; af < BGP_AF_MAX; af++)
		if (p->af & BGP_AF_BIT(af))
			rib_peer_refresh(p, af);
	return 0;
}
