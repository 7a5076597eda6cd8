/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus metrics: libmicrohttpd in "external epoll" mode (MHD_USE_EPOLL without an internal
 * thread), so requests are served by the control thread between its other work, reading the same
 * counters as `peregrinectl show ...`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <rte_malloc.h>

#include "bgp.h"
#include "config.h"
#include "ctl.h"
#include "dp.h"
#include "dp_setup.h"
#include "exc.h"
#include "fib.h"
#include "icmp.h"
#include "log.h"
#include "metrics.h"
#include "neigh.h"
#include "util.h"
#include "vni.h"

static struct MHD_Daemon *mhd;

/* A label value with \, " and newlines escaped as the format wants. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void help(FILE *f, const char *name, const char *type, const char *text)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static const char *vrf_name(const struct pg_config *c, uint16_t id)
{
	return id < c->n_vrfs ? c->vrfs[id].name : "?";
}

static void write_ports(FILE *f, const struct dp_stats *st, const struct pg_config *c)
{
	static const struct {
		const char *name, *text;
		size_t off;
	} ctr[] = {
	    {"peregrine_port_rx_packets_total", "Packets received on the port",
	     offsetof(struct dp_port_stats, rx_pkts)},
	    {"peregrine_port_rx_bytes_total", "Bytes received on the port",
	     offsetof(struct dp_port_stats, rx_bytes)},
	    {"peregrine_port_tx_packets_total", "Packets sent on the port",
	     offsetof(struct dp_port_stats, tx_pkts)},
	    {"peregrine_port_tx_bytes_total", "Bytes sent on the port",
	     offsetof(struct dp_port_stats, tx_bytes)},
	    {"peregrine_port_punted_packets_total",
	     "Packets of the port handed to the exception path",
	     offsetof(struct dp_port_stats, punt)},
	    {"peregrine_port_injected_packets_total",
	     "Packets the kernel sent out of the port through the exception path",
	     offsetof(struct dp_port_stats, inject)},
	};

	for (size_t k = 0; k < PG_ARRAY_SIZE(ctr); k++) {
		help(f, ctr[k].name, "counter", ctr[k].text);
		for (unsigned i = 0; i < dp.n_ports; i++) {
			const struct dp_port *p = dp.ports[i];
			const uint64_t *v =
			    (const uint64_t *)((const char *)&st->port[i] + ctr[k].off);
			fprintf(f, "%s{port=\"", ctr[k].name);
			label(f, p->name);
			fputs("\",vrf=\"", f);
			label(f, vrf_name(c, p->vrf));
			fprintf(f, "\"} %" PRIu64 "\n", *v);
		}
	}
}

static void write_dataplane(FILE *f, const struct dp_stats *st, const struct pg_config *c)
{
	static const char *const class_names[PUNT_CLASS_MAX] = {"control", "resolve", "other"};

	help(f, "peregrine_drops_total", "counter", "Packets dropped by the dataplane, by reason");
	for (unsigned r = 0; r < DROP_MAX; r++)
		fprintf(f, "peregrine_drops_total{reason=\"%s\"} %" PRIu64 "\n",
			drop_reason_name((enum drop_reason)r), st->drop[r]);
	help(f, "peregrine_punted_packets_total", "counter",
	     "Packets punted to the control thread, by class");
	for (unsigned k = 0; k < PUNT_CLASS_MAX; k++)
		fprintf(f, "peregrine_punted_packets_total{class=\"%s\"} %" PRIu64 "\n",
			class_names[k], st->punt_class[k]);
	help(f, "peregrine_vrf_forwarded_packets_total", "counter", "Packets routed in the VRF");
	for (unsigned v = 0; v < c->n_vrfs; v++) {
		fputs("peregrine_vrf_forwarded_packets_total{vrf=\"", f);
		label(f, c->vrfs[v].name);
		fprintf(f, "\"} %" PRIu64 "\n", st->vrf[v].fwd_pkts);
	}
	help(f, "peregrine_vrf_forwarded_bytes_total", "counter", "Bytes routed in the VRF");
	for (unsigned v = 0; v < c->n_vrfs; v++) {
		fputs("peregrine_vrf_forwarded_bytes_total{vrf=\"", f);
		label(f, c->vrfs[v].name);
		fprintf(f, "\"} %" PRIu64 "\n", st->vrf[v].fwd_bytes);
	}
	help(f, "peregrine_vrf_routes", "gauge", "Routes in the VRF's FIB, by family");
	for (unsigned v = 0; v < c->n_vrfs; v++)
		for (int fam = 0; fam < 2; fam++) {
			fputs("peregrine_vrf_routes{vrf=\"", f);
			label(f, c->vrfs[v].name);
			fprintf(f, "\",family=\"%s\"} %u\n", fam ? "ipv6" : "ipv4",
				fib_route_count((uint16_t)v, fam ? AF_INET6 : AF_INET));
		}
	static const char *const vni_ctr[4][2] = {
	    {"peregrine_vni_encap_packets_total", "Packets encapsulated into the VNI"},
	    {"peregrine_vni_encap_bytes_total", "Bytes encapsulated into the VNI"},
	    {"peregrine_vni_decap_packets_total", "Packets decapsulated from the VNI"},
	    {"peregrine_vni_decap_bytes_total", "Bytes decapsulated from the VNI"},
	};
	for (unsigned k = 0; k < 4; k++) {
		help(f, vni_ctr[k][0], "counter", vni_ctr[k][1]);
		for (unsigned s = 1; s < PG_MAX_VNIS; s++) {
			uint32_t vni = vni_of_slot(s);
			if (!vni)
				continue;
			const uint64_t v[4] = {st->vni[s].encap_pkts, st->vni[s].encap_bytes,
					       st->vni[s].decap_pkts, st->vni[s].decap_bytes};
			fprintf(f, "%s{vni=\"%u\",type=\"%s\"} %" PRIu64 "\n", vni_ctr[k][0], vni,
				(vni_vrf_of_slot(s) & VNI_L2) ? "L2" : "L3", v[k]);
		}
	}
	help(f, "peregrine_ipip_packets_total", "counter", "IPIP packets, by direction");
	fprintf(f, "peregrine_ipip_packets_total{direction=\"encap\"} %" PRIu64 "\n",
		st->ipip_encap);
	fprintf(f, "peregrine_ipip_packets_total{direction=\"decap\"} %" PRIu64 "\n",
		st->ipip_decap);
	help(f, "peregrine_worker_busy_cycles_total", "counter",
	     "TSC cycles a worker spent on polls that found packets");
	for (unsigned w = 0; w < dp.n_workers; w++)
		fprintf(f, "peregrine_worker_busy_cycles_total{worker=\"%u\"} %" PRIu64 "\n", w,
			dp.stats[w]->busy_cycles);
	help(f, "peregrine_worker_loops_total", "counter", "Polling loops of a worker");
	for (unsigned w = 0; w < dp.n_workers; w++)
		fprintf(f, "peregrine_worker_loops_total{worker=\"%u\"} %" PRIu64 "\n", w,
			dp.stats[w]->loops);
	help(f, "peregrine_worker_idle_sleeps_total", "counter",
	     "Naps of an idle worker (dataplane.idleSleepUs)");
	for (unsigned w = 0; w < dp.n_workers; w++)
		fprintf(f, "peregrine_worker_idle_sleeps_total{worker=\"%u\"} %" PRIu64 "\n", w,
			dp.stats[w]->idle_sleeps);
}

static void write_control(FILE *f)
{
	help(f, "peregrine_exception_packets_total", "counter",
	     "Exception path: frames to and from the kernel, and what was lost");
	fprintf(f,
		"peregrine_exception_packets_total{what=\"to_kernel\"} %" PRIu64 "\n"
		"peregrine_exception_packets_total{what=\"from_kernel\"} %" PRIu64 "\n"
		"peregrine_exception_packets_total{what=\"injected\"} %" PRIu64 "\n"
		"peregrine_exception_packets_total{what=\"inject_dropped\"} %" PRIu64 "\n"
		"peregrine_exception_packets_total{what=\"no_tap\"} %" PRIu64 "\n"
		"peregrine_exception_packets_total{what=\"tap_write_errors\"} %" PRIu64 "\n",
		exc_stats.to_kernel, exc_stats.from_kernel, exc_stats.injected,
		exc_stats.inject_dropped, exc_stats.no_tap, exc_stats.tap_write_errors);
	help(f, "peregrine_neighbor_events_total", "counter", "Neighbour resolution");
	fprintf(f,
		"peregrine_neighbor_events_total{what=\"arp_requests_sent\"} %" PRIu64 "\n"
		"peregrine_neighbor_events_total{what=\"ns_sent\"} %" PRIu64 "\n"
		"peregrine_neighbor_events_total{what=\"learned\"} %" PRIu64 "\n"
		"peregrine_neighbor_events_total{what=\"failed\"} %" PRIu64 "\n"
		"peregrine_neighbor_events_total{what=\"held_dropped\"} %" PRIu64 "\n",
		neigh_stats.arp_sent, neigh_stats.ns_sent, neigh_stats.learned, neigh_stats.failed,
		neigh_stats.held_dropped);
	help(f, "peregrine_icmp_errors_sent_total", "counter", "ICMP errors the router sent");
	fprintf(f,
		"peregrine_icmp_errors_sent_total{family=\"ipv4\"} %" PRIu64 "\n"
		"peregrine_icmp_errors_sent_total{family=\"ipv6\"} %" PRIu64 "\n",
		icmp_stats.sent4, icmp_stats.sent6);
}

static void peer_labels(FILE *f, const struct bgp_peer_info *in)
{
	char b[PG_IP_FMT_LEN];

	fputs("{peer=\"", f);
	label(f, fmt_ip(&in->conf.addr, b));
	fputs("\",description=\"", f);
	label(f, in->conf.description);
	fputc('"', f);
}

static void write_bgp(FILE *f)
{
	static const char *const msg_names[6] = {
	    "", "open", "update", "notification", "keepalive", "route_refresh"};
	struct bgp_peer_info in;
	uint64_t now = bgp_now_ms();

	if (!bgp_running())
		return;
	help(f, "peregrine_bgp_peer_up", "gauge", "1 when the session is Established");
	for (unsigned i = 0; bgp_peer_get(i, &in); i++) {
		fputs("peregrine_bgp_peer_up", f);
		peer_labels(f, &in);
		fprintf(f, ",state=\"%s\"} %d\n", bgp_state_name(in.state),
			in.state == BGP_ST_ESTABLISHED);
	}
	help(f, "peregrine_bgp_peer_state_seconds", "gauge", "Seconds in the current state");
	for (unsigned i = 0; bgp_peer_get(i, &in); i++) {
		fputs("peregrine_bgp_peer_state_seconds", f);
		peer_labels(f, &in);
		fprintf(f, "} %" PRIu64 "\n", (now - in.state_since_ms) / 1000);
	}
	help(f, "peregrine_bgp_peer_established_total", "counter",
	     "Times the session became Established");
	for (unsigned i = 0; bgp_peer_get(i, &in); i++) {
		fputs("peregrine_bgp_peer_established_total", f);
		peer_labels(f, &in);
		fprintf(f, "} %u\n", in.established_count);
	}
	help(f, "peregrine_bgp_peer_prefixes", "gauge",
	     "Prefixes of the peer in the Adj-RIB-In, by family");
	for (unsigned i = 0; bgp_peer_get(i, &in); i++)
		for (unsigned af = 0; af < BGP_AF_MAX; af++) {
			if (!(in.conf.af_mask & (1u << af)))
				continue;
			fputs("peregrine_bgp_peer_prefixes", f);
			peer_labels(f, &in);
			fprintf(f, ",family=\"%s\"} %u\n", bgp_af_name((enum bgp_af)af),
				in.prefixes[af]);
		}
	help(f, "peregrine_bgp_peer_advertised_total", "counter",
	     "Routes announced to the peer since its session came up");
	for (unsigned i = 0; bgp_peer_get(i, &in); i++) {
		fputs("peregrine_bgp_peer_advertised_total", f);
		peer_labels(f, &in);
		fprintf(f, "} %" PRIu64 "\n", in.advertised);
	}
	help(f, "peregrine_bgp_messages_received_total", "counter", "BGP messages, by type");
	for (unsigned i = 0; bgp_peer_get(i, &in); i++)
		for (unsigned t = 1; t < 6; t++) {
			fputs("peregrine_bgp_messages_received_total", f);
			peer_labels(f, &in);
			fprintf(f, ",type=\"%s\"} %" PRIu64 "\n", msg_names[t], in.msgs_in[t]);
		}
	help(f, "peregrine_bgp_messages_sent_total", "counter", "BGP messages, by type");
	for (unsigned i = 0; bgp_peer_get(i, &in); i++)
		for (unsigned t = 1; t < 6; t++) {
			fputs("peregrine_bgp_messages_sent_total", f);
			peer_labels(f, &in);
			fprintf(f, ",type=\"%s\"} %" PRIu64 "\n", msg_names[t], in.msgs_out[t]);
		}
}

void metrics_write(FILE *f)
{
	const struct pg_config *c = ctl_cfg();
	struct dp_stats *st = rte_zmalloc(NULL, sizeof(*st), 0);

	help(f, "peregrine_info", "gauge", "Always 1; the version in a label");
	fprintf(f, "peregrine_info{version=\"%s\"} 1\n", PEREGRINE_VERSION);
	if (st) {
		dp_stats_sum(st);
		write_ports(f, st, c);
		write_dataplane(f, st, c);
		rte_free(st);
	}
	write_control(f);
	write_bgp(f);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_len, void **ctx)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;
	char *body = NULL;
	size_t len = 0;

	(void)cls, (void)version, (void)upload, (void)upload_len, (void)ctx;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("only GET /metrics\n");
	} else if (strcmp(url, "/metrics") != 0) {
		status = MHD_HTTP_NOT_FOUND;
		body = strdup("not found: Peregrine serves /metrics\n");
	} else {
		FILE *f = open_memstream(&body, &len);
		if (!f)
			return MHD_NO;
		metrics_write(f);
		fclose(f);
	}
	if (!body)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
						      : "text/plain");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

int metrics_init(const char *listen)
{
	struct sockaddr_storage ss;
	struct pg_ip ip;
	uint16_t port;

	if (!listen || !*listen)
		return 0;
	if (parse_hostport(listen, &ip, &port) < 0)
		return -EINVAL;
	memset(&ss, 0, sizeof(ss));
	if (ip.family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = ip.v4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip.v6, 16);
	}
	mhd = MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), port,
			       NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &ss,
			       MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
			       MHD_OPTION_END);
	if (!mhd) {
		int e = errno ? errno : EADDRINUSE;
		LOG_ERR("metrics: cannot listen on %s: %s", listen, strerror(e));
		return -e;
	}
	LOG_NOTICE("metrics: http://%s/metrics", listen);
	return 0;
}

int metrics_fd(void)
{
	const union MHD_DaemonInfo *i =
	    mhd ? MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	return i ? i->epoll_fd : -1;
}

void metrics_poll(void)
{
	if (mhd)
		MHD_run(mhd);
}

void metrics_fini(void)
{
	if (mhd)
		MHD_stop_daemon(mhd);
	mhd = NULL;
}
