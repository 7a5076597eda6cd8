/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test for control/config.c. Plain executable: exit 0 when every check passes; each failed
 * check prints FILE:LINE. An optional argument names a config file (conf/example-static.yaml)
 * that must load.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp_policy.h"
#include "config.h"
#include "log.h"

static int failures, checks;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		checks++;                                                                        \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                              \
		}                                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                                    \
	do {                                                                               \
		const char *a_ = (a), *b_ = (b);                                           \
		checks++;                                                                  \
		if (strcmp(a_, b_) != 0) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s == \"%s\", got \"%s\"\n", \
				__FILE__, __LINE__, #a, b_, a_);                           \
			failures++;                                                        \
		}                                                                          \
	} while (0)

static const char *ipstr(const struct pg_ip *ip)
{
	static char buf[4][PG_IP_FMT_LEN];
	static int i;
	return fmt_ip(ip, buf[i++ % 4]);
}

static const char *pfxstr(const struct pg_prefix *p)
{
	static char buf[4][PG_PREFIX_FMT_LEN];
	static int i;
	return fmt_prefix(p, buf[i++ % 4]);
}

static const char *macstr(const struct pg_mac *m)
{
	static char buf[4][PG_MAC_FMT_LEN];
	static int i;
	return fmt_mac(m, buf[i++ % 4]);
}

/* Load that must succeed; on failure print the error against the caller's line. */
static int load_ok_(int line, const char *yaml, struct pg_config *cfg)
{
	char err[1024] = "";
	int rc = config_load_string("t.yaml", yaml, cfg, err, sizeof(err));

	checks++;
	if (rc != 0) {
		fprintf(stderr, "%s:%d: expected success, got %d: %s\n", __FILE__, line, rc, err);
		failures++;
	}
	return rc;
}
#define LOAD_OK(yaml, cfg) load_ok_(__LINE__, (yaml), (cfg))

/*
 * Load that must fail with -EINVAL; the error must start with want_prefix (typically
 * "t.yaml:LINE:COL: field: ") and contain every further string.
 */
static void expect_err_(int line, const char *yaml, const char *const *needles)
{
	const char *want_prefix = *needles++;
	struct pg_config cfg;
	char err[1024] = "";
	int rc = config_load_string("t.yaml", yaml, &cfg, err, sizeof(err));

	checks++;
	if (rc != -EINVAL) {
		fprintf(stderr, "%s:%d: expected -EINVAL, got %d (%s)\n", __FILE__, line, rc, err);
		failures++;
		config_free(&cfg);
		return;
	}
	if (strncmp(err, want_prefix, strlen(want_prefix)) != 0) {
		fprintf(stderr, "%s:%d: error should start with \"%s\", got \"%s\"\n", __FILE__,
			line, want_prefix, err);
		failures++;
	}
	for (; *needles; needles++) {
		if (!strstr(err, *needles)) {
			fprintf(stderr, "%s:%d: error should contain \"%s\", got \"%s\"\n",
				__FILE__, line, *needles, err);
			failures++;
		}
	}
	if (strchr(err, '\n')) {
		fprintf(stderr, "%s:%d: error is not one line: \"%s\"\n", __FILE__, line, err);
		failures++;
	}
	/* cfg must be freeable (and empty) after an error */
	CHECK(cfg.n_ports == 0 && cfg.ports == NULL && cfg.routes == NULL);
	config_free(&cfg);
}
#define EXPECT_ERR(yaml, ...) \
	expect_err_(__LINE__, (yaml), (const char *const[]){__VA_ARGS__, NULL})

/* ------------------------------------------------------------------------------------------ */

#define HDR                                           \
	"apiVersion: peregrine.io/v1alpha1\n" /* 1 */ \
	"kind: Peregrine\n"		      /* 2 */ \
	"spec:\n"			      /* 3 */

/* HDR + one port: the next line is 8 */
#define PORT0                                                            \
	HDR "  ports:\n"					 /* 4 */ \
	    "    - name: uplink\n"				 /* 5 */ \
	    "      device: veth-pe0\n"				 /* 6 */ \
	    "      addresses: [10.100.0.1/24, \"fd00::1/64\"]\n" /* 7 */

/* A routed setup: routes/neighbors lists start at line 11 */
#define BASE                                                                                       \
	HDR "  vtep: 10.100.0.1\n"					  /* 4 */                  \
	    "  vrfs: [{name: red}, {name: blue}]\n"			  /* 5 */                  \
	    "  l3vnis: [{vni: 4096, vrf: red}, {vni: 4097, vrf: blue}]\n" /* 6 */                  \
	    "  ports:\n"						  /* 7 */                  \
	    "    - {name: uplink, device: veth-pe0, addresses: [10.100.0.1/24, \"fd00::1/64\"]}\n" \
	    "    - {name: host, device: veth-host, vrf: red, addresses: [192.168.50.1/24, "        \
	    "\"fd50::1/64\"]}\n"				   /* 9 */                         \
	    "    - {name: other, device: veth-other, vrf: blue}\n" /* 10 */

static const char full_yaml[] =
    "# every key\n"
    "apiVersion: peregrine.io/v1alpha1\n"
    "kind: Peregrine\n"
    "metadata: {name: pe1, labels: {a: b}}\n"
    "spec:\n"
    "  logLevel: debug\n"
    "  dataplane:\n"
    "    lcores: \"0-3,8\"\n"
    "    workers: 3\n"
    "    memoryMB: 2048\n"
    "    hugepages: off\n"
    "    mbufs: 32767\n"
    "    maxRoutes4: 2048\n"
    "    tbl8Groups: 512\n"
    "    maxRoutes6: 4096\n"
    "    maxNexthops: 1024\n"
    "  management:\n"
    "    socket: /tmp/pg.sock\n"
    "  exceptionPath:\n"
    "    puntRatePps: 500\n"
    "    puntBurst: 32\n"
    "  vtep: 10.100.0.1\n"
    "  vrfs:\n"
    "    - name: red\n"
    "    - name: blue.2\n"
    "  ports:\n"
    "    - name: uplink\n"
    "      device: veth-pe0\n"
    "      driver: af_xdp\n"
    "      mac: \"02:00:00:00:00:01\"\n"
    "      mtu: 9000\n"
    "      vrf: default\n"
    "      addresses: [10.100.0.1/24, \"fd00::1/64\", 10.9.9.9/32]\n"
    "      tap: pg-up\n"
    "    - name: host\n"
    "      device: \"0000:03:00.1\"\n"
    "      vrf: red\n"
    "      addresses: [192.168.50.1/24, \"fd50::1/64\", 192.168.60.0/31]\n"
    "    - name: cap\n"
    "      device: net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap\n"
    "      vrf: blue.2\n"
    "      tap: none\n"
    "      addresses: [172.16.0.1/30]\n"
    "    - name: abcdefghijklmno\n"
    "      device: 03:00.0\n"
    "      driver: auto\n" /* line 46: driver not allowed with PCI, replaced below */
    "  l3vnis:\n"
    "    - vni: 4096\n"
    "      vrf: red\n"
    "      routerMac: \"02:00:00:00:10:00\"\n"
    "      vxlanPort: 4790\n"
    "    - {vni: 16777215, vrf: blue.2,\n"
    "       vxlanPort: 4790}\n" /* all L3VNIs share one port */
    "  tunnels:\n"
    "    - type: vxlan\n"
    "      remote: 10.100.0.2\n"
    "    - type: ipip\n"
    "      remote: 10.100.0.3\n"
    "      vrf: red\n"
    "    - type: ipip\n"
    "      remote: 10.100.0.4\n"
    "  routes:\n"
    "    - prefix: 0.0.0.0/0\n"
    "      via: 10.100.0.254\n"
    "    - prefix: 10.244.1.0/26\n"
    "      vrf: red\n"
    "      vxlan: {remote: 10.100.0.2, vni: 4096, routerMac: 66:00:00:00:02:64}\n"
    "    - prefix: 10.244.2.0/24\n"
    "      vrf: red\n"
    "      via: 192.168.50.2\n"
    "      port: host\n"
    "    - prefix: \"fd99::/48\"\n"
    "      vrf: red\n"
    "      via: \"fd50::2\"\n"
    "    - prefix: 198.51.100.0/24\n"
    "      ipip: {remote: 10.100.0.3}\n"
    "    - prefix: 203.0.113.0/24\n"
    "      blackhole: true\n"
    "    - prefix: 10.250.0.0/16\n"
    "      vrf: red\n"
    "      nexthops:\n"
    "        - {via: 192.168.50.3}\n"
    "        - via: \"fe80::1\"\n" /* IPv6 link-local with explicit port: wrong family */
    "          port: host\n"
    "        - {vxlan: {remote: 10.100.0.3, vni: 4096, routerMac: \"66:00:00:00:02:65\"}}\n"
    "    - prefix: 10.244.1.0/26\n" /* same prefix as above, other VRF */
    "      via: 10.100.0.9\n"
    "    - prefix: 10.1.2.3\n" /* bare address = host route */
    "      blackhole: true\n"
    "  neighbors:\n"
    "    - {ip: 10.100.0.254, mac: \"66:00:00:00:00:fe\", port: uplink}\n"
    "    - {ip: \"fd00::fe\", mac: \"66:00:00:00:00:ff\", port: uplink}\n"
    "---\n";

static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t n;
	char *out;

	if (!at) {
		fprintf(stderr, "test bug: '%s' not found\n", from);
		exit(2);
	}
	n = strlen(s) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
	return out;
}

/* replace() into a static buffer (for one EXPECT_ERR at a time) */
static const char *replace_tmp(const char *s, const char *from, const char *to)
{
	static char buf[16384];
	char *r = replace(s, from, to);

	snprintf(buf, sizeof(buf), "%s", r);
	free(r);
	return buf;
}

static void test_full(void)
{
	struct pg_config cfg;
	/* the full config has one deliberate mistake per fix-up below; first check them */
	char *y1 = replace(full_yaml, "      driver: auto\n", "");
	char *y2 = replace(y1, "        - via: \"fe80::1\"\n", "        - via: 192.168.50.4\n");

	EXPECT_ERR(full_yaml, "t.yaml:46:15: spec.ports[3].driver: only allowed when device is a "
			      "Linux interface name ('03:00.0' is a PCI address)");
	EXPECT_ERR(y1,
		   "t.yaml:82:16: spec.routes[6].nexthops[1].via: gateway 'fe80::1' is IPv6 but "
		   "the prefix 10.250.0.0/16 is IPv4");

	if (LOAD_OK(y2, &cfg) == 0) {
		CHECK_STR(cfg.file, "t.yaml");
		CHECK(cfg.log_level == PG_LOG_DEBUG);
		CHECK_STR(cfg.dp.lcores, "0-3,8");
		CHECK(cfg.dp.workers == 3);
		CHECK(cfg.dp.memory_mb == 2048);
		CHECK(cfg.dp.hugepages == CFG_HUGE_OFF);
		CHECK(cfg.dp.mbufs == 32767);
		CHECK(cfg.dp.max_routes4 == 2048);
		CHECK(cfg.dp.tbl8_groups == 512);
		CHECK(cfg.dp.max_routes6 == 4096);
		CHECK(cfg.dp.max_nexthops == 1024);
		CHECK_STR(cfg.mgmt_socket, "/tmp/pg.sock");
		CHECK(cfg.exc.punt_rate_pps == 500);
		CHECK(cfg.exc.punt_burst == 32);
		CHECK(cfg.has_vtep);
		CHECK_STR(ipstr(&cfg.vtep), "10.100.0.1");

		CHECK(cfg.n_vrfs == 3);
		CHECK_STR(cfg.vrfs[0].name, "default");
		CHECK_STR(cfg.vrfs[1].name, "red");
		CHECK(cfg.vrfs[1].line == 24);
		CHECK_STR(cfg.vrfs[2].name, "blue.2");
		CHECK(config_vrf_index(&cfg, "default") == 0);
		CHECK(config_vrf_index(&cfg, "red") == 1);
		CHECK(config_vrf_index(&cfg, "blue.2") == 2);
		CHECK(config_vrf_index(&cfg, "green") == -1);

		CHECK(cfg.n_ports == 4);
		const struct cfg_port *p = &cfg.ports[0];
		CHECK(p->line == 27);
		CHECK_STR(p->name, "uplink");
		CHECK_STR(p->device, "veth-pe0");
		CHECK(p->driver == CFG_DRIVER_AF_XDP);
		CHECK(p->has_mac);
		CHECK_STR(macstr(&p->mac), "02:00:00:00:00:01");
		CHECK(p->mtu == 9000);
		CHECK(p->vrf == 0);
		CHECK(p->n_addrs == 3);
		CHECK_STR(pfxstr(&p->addrs[0]), "10.100.0.1/24"); /* host bits kept */
		CHECK_STR(pfxstr(&p->addrs[1]), "fd00::1/64");
		CHECK_STR(pfxstr(&p->addrs[2]), "10.9.9.9/32");
		CHECK_STR(p->tap, "pg-up");
		CHECK(!p->no_tap);
		p = &cfg.ports[1];
		CHECK_STR(p->name, "host");
		CHECK_STR(p->device, "0000:03:00.1");
		CHECK(p->driver == CFG_DRIVER_AUTO);
		CHECK(!p->has_mac);
		CHECK(p->mtu == 1500);
		CHECK(p->vrf == 1);
		CHECK(p->n_addrs == 3);
		CHECK_STR(pfxstr(&p->addrs[2]), "192.168.60.0/31");
		CHECK_STR(p->tap, "pg-host");
		p = &cfg.ports[2];
		CHECK_STR(p->device, "net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap");
		CHECK(p->vrf == 2);
		CHECK(p->no_tap);
		p = &cfg.ports[3];
		CHECK_STR(p->name, "abcdefghijklmno");
		CHECK_STR(p->device, "03:00.0");
		CHECK_STR(p->tap, "pg-abcdefghijkl"); /* cut to 15 characters */
		CHECK(p->n_addrs == 0);

		CHECK(cfg.n_l3vnis == 2);
		CHECK(cfg.l3vnis[0].vni == 4096);
		CHECK(cfg.l3vnis[0].vrf == 1);
		CHECK(cfg.l3vnis[0].has_rmac);
		CHECK_STR(macstr(&cfg.l3vnis[0].rmac), "02:00:00:00:10:00");
		CHECK(cfg.l3vnis[0].udp_port == 4790);
		CHECK(cfg.l3vnis[1].vni == 16777215);
		CHECK(cfg.l3vnis[1].vrf == 2);
		CHECK(!cfg.l3vnis[1].has_rmac);
		CHECK(cfg.l3vnis[1].udp_port == 4790);

		CHECK(cfg.n_tunnels == 3);
		CHECK(cfg.tunnels[0].type == CFG_TUNNEL_VXLAN);
		CHECK_STR(ipstr(&cfg.tunnels[0].remote), "10.100.0.2");
		CHECK(cfg.tunnels[0].vrf == 0);
		CHECK(cfg.tunnels[1].type == CFG_TUNNEL_IPIP);
		CHECK(cfg.tunnels[1].vrf == 1);
		CHECK(cfg.tunnels[2].type == CFG_TUNNEL_IPIP);
		CHECK(cfg.tunnels[2].vrf == 0);

		CHECK(cfg.n_routes == 9);
		const struct cfg_route *r = &cfg.routes[0];
		CHECK(r->line == 62);
		CHECK_STR(pfxstr(&r->prefix), "0.0.0.0/0");
		CHECK(r->vrf == 0 && r->n_nh == 1);
		CHECK(r->nh[0].kind == CFG_NH_VIA && r->nh[0].port == -1);
		CHECK_STR(ipstr(&r->nh[0].ip), "10.100.0.254");
		r = &cfg.routes[1];
		CHECK(r->vrf == 1 && r->n_nh == 1 && r->nh[0].kind == CFG_NH_VXLAN);
		CHECK(r->nh[0].vni == 4096);
		CHECK_STR(ipstr(&r->nh[0].ip), "10.100.0.2");
		CHECK_STR(macstr(&r->nh[0].rmac), "66:00:00:00:02:64");
		r = &cfg.routes[2];
		CHECK(r->nh[0].kind == CFG_NH_VIA && r->nh[0].port == 1);
		r = &cfg.routes[3];
		CHECK_STR(pfxstr(&r->prefix), "fd99::/48");
		CHECK_STR(ipstr(&r->nh[0].ip), "fd50::2");
		CHECK(r->nh[0].port == -1);
		r = &cfg.routes[4];
		CHECK(r->nh[0].kind == CFG_NH_IPIP);
		CHECK_STR(ipstr(&r->nh[0].ip), "10.100.0.3");
		r = &cfg.routes[5];
		CHECK(r->n_nh == 1 && r->nh[0].kind == CFG_NH_BLACKHOLE);
		r = &cfg.routes[6];
		CHECK(r->n_nh == 3);
		CHECK(r->nh[0].kind == CFG_NH_VIA && r->nh[0].port == -1 && r->nh[0].line == 81);
		CHECK(r->nh[1].kind == CFG_NH_VIA && r->nh[1].port == 1 && r->nh[1].line == 82);
		CHECK(r->nh[2].kind == CFG_NH_VXLAN && r->nh[2].vni == 4096);
		CHECK_STR(macstr(&r->nh[2].rmac), "66:00:00:00:02:65");
		r = &cfg.routes[7];
		CHECK(r->vrf == 0);
		CHECK_STR(pfxstr(&r->prefix), "10.244.1.0/26");
		r = &cfg.routes[8];
		CHECK_STR(pfxstr(&r->prefix), "10.1.2.3/32");

		CHECK(cfg.n_neighbors == 2);
		CHECK(cfg.neighbors[0].port == 0);
		CHECK_STR(ipstr(&cfg.neighbors[0].ip), "10.100.0.254");
		CHECK_STR(macstr(&cfg.neighbors[0].mac), "66:00:00:00:00:fe");
		CHECK_STR(ipstr(&cfg.neighbors[1].ip), "fd00::fe");
		CHECK(cfg.neighbors[1].line == 91);
		config_free(&cfg);
		config_free(&cfg); /* idempotent */
	}
	free(y1);
	free(y2);
}

static void test_defaults(void)
{
	struct pg_config cfg;

	if (LOAD_OK("kind: Peregrine\nspec:\n  ports: [{name: p0, device: eth0}]\n", &cfg))
		return;
	CHECK(cfg.log_level == PG_LOG_NOTICE);
	CHECK_STR(cfg.dp.lcores, "0-1");
	CHECK(cfg.dp.workers == 0);
	CHECK(cfg.dp.memory_mb == 2048);
	CHECK(cfg.dp.hugepages == CFG_HUGE_AUTO);
	CHECK(cfg.dp.mbufs == 16383);
	CHECK(cfg.dp.max_routes4 == 1048576);
	CHECK(cfg.dp.tbl8_groups == 65536);
	CHECK(cfg.dp.max_routes6 == 65536);
	CHECK(cfg.dp.max_nexthops == 65536);
	CHECK(cfg.dp.idle_sleep_us == 0);
	CHECK_STR(cfg.mgmt_socket, "/run/peregrine/peregrine.sock");
	CHECK(cfg.exc.punt_rate_pps == 10000);
	CHECK(cfg.exc.punt_burst == 256);
	CHECK(!cfg.has_vtep);
	CHECK(cfg.n_vrfs == 1);
	CHECK_STR(cfg.vrfs[0].name, "default");
	CHECK(config_vrf_index(&cfg, "default") == 0);
	CHECK(cfg.n_ports == 1);
	CHECK_STR(cfg.ports[0].name, "p0");
	CHECK(cfg.ports[0].line == 3);
	CHECK(cfg.ports[0].mtu == 1500);
	CHECK(cfg.ports[0].vrf == 0);
	CHECK(cfg.ports[0].driver == CFG_DRIVER_AUTO);
	CHECK(!cfg.ports[0].has_mac);
	CHECK(cfg.ports[0].n_addrs == 0);
	CHECK_STR(cfg.ports[0].tap, "pg-p0");
	CHECK(!cfg.ports[0].no_tap);
	CHECK(cfg.ports[0].exception == CFG_EXC_AUTO); /* driver auto: decided at attach time */
	CHECK(cfg.n_l3vnis == 0 && cfg.n_tunnels == 0 && cfg.n_routes == 0 && cfg.n_neighbors == 0);
	config_free(&cfg);

	if (LOAD_OK("kind: Peregrine\nspec:\n  management: {metrics: \"[::1]:9464\"}\n"
		    "  ports: [{name: p0, device: eth0}]\n",
		    &cfg))
		return;
	CHECK_STR(cfg.metrics, "[::1]:9464");
	config_free(&cfg);
	EXPECT_ERR(
	    "kind: Peregrine\nspec:\n  management: {metrics: 9464}\n"
	    "  ports: [{name: p0, device: eth0}]\n",
	    "t.yaml:3:25: spec.management.metrics: expected ADDR:PORT like 127.0.0.1:9464 or "
	    "[::1]:9464, got '9464'");
	EXPECT_ERR("kind: Peregrine\nspec:\n  management: {metrics: \"::1:9464\"}\n"
		   "  ports: [{name: p0, device: eth0}]\n",
		   "t.yaml:3:25: spec.management.metrics: expected ADDR:PORT");
	EXPECT_ERR("kind: Peregrine\nspec:\n  management: {metrics: \"127.0.0.1:0\"}\n"
		   "  ports: [{name: p0, device: eth0}]\n",
		   "t.yaml:3:25: spec.management.metrics: expected ADDR:PORT");

	if (LOAD_OK("kind: Peregrine\nspec:\n  dataplane: {idleSleepUs: 250}\n"
		    "  ports: [{name: p0, device: eth0}]\n",
		    &cfg))
		return;
	CHECK(cfg.dp.idle_sleep_us == 250);
	config_free(&cfg);

	/* exception path: xdp by default for AF_XDP ports, unless a TAP is named */
	if (LOAD_OK("kind: Peregrine\nspec:\n  ports:\n"
		    "    - {name: p0, device: eth0, driver: af_xdp}\n"
		    "    - {name: p1, device: eth1, driver: af_xdp, tap: t1}\n"
		    "    - {name: p2, device: eth2, driver: af_xdp, exception: tap}\n"
		    "    - {name: p3, device: eth3, exception: auto}\n"
		    "    - {name: p4, device: eth4, driver: af_xdp, exception: xdp}\n"
		    "    - {name: p5, device: eth5, driver: pcap}\n"
		    "    - {name: p6, device: eth6, tap: t6}\n"
		    "    - {name: p7, device: net_tap0}\n",
		    &cfg) == 0) {
		CHECK(cfg.ports[0].exception == CFG_EXC_XDP && cfg.ports[0].no_tap);
		CHECK(cfg.ports[1].exception == CFG_EXC_TAP && !cfg.ports[1].no_tap);
		CHECK_STR(cfg.ports[1].tap, "t1");
		CHECK(cfg.ports[2].exception == CFG_EXC_TAP && !cfg.ports[2].no_tap);
		CHECK_STR(cfg.ports[2].tap, "pg-p2");
		CHECK(cfg.ports[3].exception == CFG_EXC_AUTO && !cfg.ports[3].no_tap);
		CHECK_STR(cfg.ports[3].tap, "pg-p3"); /* in case it ends up on libpcap */
		CHECK(cfg.ports[4].exception == CFG_EXC_XDP && cfg.ports[4].no_tap);
		CHECK(cfg.ports[5].exception == CFG_EXC_TAP);
		CHECK(cfg.ports[6].exception == CFG_EXC_TAP);
		CHECK(cfg.ports[7].exception == CFG_EXC_TAP);
		config_free(&cfg);
	}

	/* empty sections and null values are fine */
	if (LOAD_OK("kind: Peregrine\nspec:\n  dataplane:\n  management: {}\n  vrfs: []\n"
		    "  routes:\n  neighbors: ~\n  ports: [{name: p0, device: eth0}]\n",
		    &cfg) == 0)
		config_free(&cfg);
	/* workers: auto; an empty document and other kinds around */
	if (LOAD_OK("---\n---\nkind: Peregrine\nspec:\n  dataplane: "
		    "{workers: auto, lcores: \"3\"}\n  ports: [{name: p0, device: eth0}]\n...\n",
		    &cfg) == 0) {
		CHECK(cfg.dp.workers == 0);
		CHECK_STR(cfg.dp.lcores, "3");
		config_free(&cfg);
	}
	/* quoted numbers, bool spellings, log levels */
	if (LOAD_OK(PORT0 "  logLevel: warning\n  dataplane: {mbufs: \"1023\"}\n", &cfg) == 0) {
		CHECK(cfg.log_level == PG_LOG_WARN);
		CHECK(cfg.dp.mbufs == 1023);
		config_free(&cfg);
	}
	if (LOAD_OK(BASE "  routes: [{prefix: 10.0.0.0/8, blackhole: True}]\n", &cfg) == 0) {
		CHECK(cfg.routes[0].nh[0].kind == CFG_NH_BLACKHOLE);
		config_free(&cfg);
	}
	/* blackhole: false = no blackhole key */
	if (LOAD_OK(BASE "  routes: [{prefix: 10.0.0.0/8, blackhole: false, via: 10.100.0.2}]\n",
		    &cfg) == 0) {
		CHECK(cfg.routes[0].nh[0].kind == CFG_NH_VIA);
		config_free(&cfg);
	}
	/* same address on ports of different VRFs, /31 and /127 with zero host part */
	if (LOAD_OK(HDR "  vrfs: [{name: a}]\n  ports:\n"
			"    - {name: p0, device: eth0, addresses: [10.0.0.1/24, 10.1.0.0/31]}\n"
			"    - {name: p1, device: eth1, vrf: a, addresses: [10.0.0.1/24, "
			"\"fd00::/127\", \"fd01::/128\"]}\n",
		    &cfg) == 0)
		config_free(&cfg);
	/* a VIA gateway on an unnumbered port needs port: */
	if (LOAD_OK(PORT0 "    - {name: p1, device: eth1}\n"
			  "  routes: [{prefix: \"::/0\", via: \"fe80::1\", port: p1}]\n",
		    &cfg) == 0) {
		CHECK(cfg.routes[0].nh[0].port == 1);
		config_free(&cfg);
	}
	/* anchors and aliases work */
	if (LOAD_OK(PORT0
		    "  routes:\n    - {prefix: 10.1.0.0/16, nexthops: &nh [{via: 10.100.0.2}, "
		    "{via: 10.100.0.3}]}\n    - {prefix: 10.2.0.0/16, nexthops: *nh}\n",
		    &cfg) == 0) {
		CHECK(cfg.n_routes == 2 && cfg.routes[1].n_nh == 2);
		config_free(&cfg);
	}
	/* PG_ECMP_MAX next hops */
	{
		char y[4096];
		int o =
		    snprintf(y, sizeof(y),
			     "%s  routes:\n    - prefix: 10.1.0.0/16\n      nexthops:\n", PORT0);
		for (int i = 0; i < PG_ECMP_MAX; i++)
			o += snprintf(y + o, sizeof(y) - (size_t)o, "        - via: 10.100.0.%d\n",
				      10 + i);
		if (LOAD_OK(y, &cfg) == 0) {
			CHECK(cfg.routes[0].n_nh == PG_ECMP_MAX);
			config_free(&cfg);
		}
		o += snprintf(y + o, sizeof(y) - (size_t)o, "        - via: 10.100.0.99\n");
		EXPECT_ERR(
		    y, "t.yaml:11:9: spec.routes[0].nexthops: expected 2..16 next hops, got 17");
	}
}

/* Limits: counts up to the limits of config.h load, one more fails. */
static void test_limits(void)
{
	struct pg_config cfg;
	size_t cap = 1 << 20;
	char *y = malloc(cap);
	int o;

	/* PG_MAX_PORTS ports */
	o = snprintf(y, cap, HDR "  ports:\n");
	for (int i = 0; i < PG_MAX_PORTS; i++)
		o += snprintf(y + o, cap - (size_t)o, "    - {name: p%d, device: eth%d}\n", i, i);
	if (LOAD_OK(y, &cfg) == 0) {
		CHECK(cfg.n_ports == PG_MAX_PORTS);
		config_free(&cfg);
	}
	snprintf(y + o, cap - (size_t)o, "    - {name: px, device: ethx}\n");
	EXPECT_ERR(y, "t.yaml:5:5: spec.ports: 33 ports configured, at most 32 allowed");

	/* PG_MAX_VRFS including default */
	o = snprintf(y, cap, PORT0 "  vrfs:\n");
	for (int i = 1; i < PG_MAX_VRFS; i++)
		o += snprintf(y + o, cap - (size_t)o, "    - name: v%d\n", i);
	if (LOAD_OK(y, &cfg) == 0) {
		CHECK(cfg.n_vrfs == PG_MAX_VRFS);
		CHECK(config_vrf_index(&cfg, "v255") == 255);
		config_free(&cfg);
	}
	snprintf(y + o, cap - (size_t)o, "    - name: vx\n");
	EXPECT_ERR(y, "t.yaml:9:5: spec.vrfs: 256 VRFs configured, at most 255 allowed");

	/* PG_MAX_ADDRS */
	o = snprintf(y, cap, HDR "  ports:\n  - name: p\n    device: eth0\n    addresses:\n");
	for (int i = 1; i <= PG_MAX_ADDRS; i++)
		o += snprintf(y + o, cap - (size_t)o, "    - 10.0.%d.1/24\n", i);
	if (LOAD_OK(y, &cfg) == 0) {
		CHECK(cfg.ports[0].n_addrs == PG_MAX_ADDRS);
		config_free(&cfg);
	}
	snprintf(y + o, cap - (size_t)o, "    - 10.0.99.1/24\n");
	EXPECT_ERR(y, "t.yaml:8:5: spec.ports[0].addresses: 17 addresses, at most 16 allowed");

	/* PG_MAX_VNIS L3VNIs in as many VRFs */
	o = snprintf(y, cap, PORT0 "  vtep: 10.100.0.1\n  vrfs:\n");
	for (int i = 1; i < PG_MAX_VRFS; i++)
		o += snprintf(y + o, cap - (size_t)o, "    - name: v%d\n", i);
	o += snprintf(y + o, cap - (size_t)o, "  l3vnis:\n");
	for (int i = 1; i <= PG_MAX_VNIS; i++)
		o += snprintf(y + o, cap - (size_t)o, "    - {vni: %d, vrf: v%d}\n", i,
			      1 + (i - 1) % (PG_MAX_VRFS - 1));
	/* more VNIs than VRFs: the 256th VNI reuses a VRF */
	EXPECT_ERR(y, "t.yaml:", "spec.l3vnis[255].vrf: VRF 'v1' already has L3VNI 1");

	/* many routes: no fixed limit, duplicates found quickly */
	o = snprintf(y, cap, PORT0 "  routes:\n");
	for (int i = 0; i < 20000; i++)
		o += snprintf(y + o, cap - (size_t)o,
			      "    - {prefix: 10.%d.%d.0/24, blackhole: true}\n", i / 256, i % 256);
	if (LOAD_OK(y, &cfg) == 0) {
		CHECK(cfg.n_routes == 20000);
		config_free(&cfg);
	}
	snprintf(y + o, cap - (size_t)o, "    - {prefix: 10.3.7.0/24, blackhole: true}\n");
	EXPECT_ERR(y,
		   "t.yaml:20009:16: spec.routes[20000].prefix: duplicate route 10.3.7.0/24 in VRF "
		   "'default' (first at line 784)");
	free(y);
}

static void test_document_errors(void)
{
	EXPECT_ERR("", "t.yaml:1:1: empty configuration");
	EXPECT_ERR("# only a comment\n\n", "t.yaml:1:1: empty configuration");
	EXPECT_ERR("---\n", "t.yaml:1:1: no document with kind: Peregrine");
	EXPECT_ERR(
	    "kind: Underlay\nspec: {}\n---\nkind: L3VNI\n",
	    "t.yaml:1:1: missing required key 'apiVersion' (network.openperouter.io/v1alpha1, "
	    "or openpe.openperouter.github.io/v1alpha1 up to v0.2.0)");
	EXPECT_ERR("spec: {}\n", "t.yaml:1:1: missing required key 'kind'");
	EXPECT_ERR("---\n---\napiVersion: v1\nspec: {}\n",
		   "t.yaml:3:1: missing required key 'kind'");
	EXPECT_ERR("- kind: Peregrine\n", "t.yaml:1:1: a document must be a mapping", "a sequence");
	EXPECT_ERR("just a string\n", "t.yaml:1:1: a document must be a mapping",
		   "'just a string'");
	EXPECT_ERR("kind: [Peregrine]\n", "t.yaml:1:7: kind: expected a string, got a sequence");
	EXPECT_ERR("kind: Peregrine\nspec:\n  ports: [{name: a, device: eth0}]\n---\n"
		   "kind: Peregrine\nspec: {}\n",
		   "t.yaml:5:7: kind: more than one document with kind: Peregrine (the first is at "
		   "line 1)");
	EXPECT_ERR("kind: Peregrine\n", "t.yaml:1:1: missing required key 'spec'");
	EXPECT_ERR("kind: Peregrine\nspec:\n", "t.yaml:2:6: spec: must not be empty");
	EXPECT_ERR("kind: Peregrine\nspec: 42\n", "t.yaml:2:7: spec: expected a mapping, got '42'");
	EXPECT_ERR("kind: Peregrine\nspec: {}\n",
		   "t.yaml:2:7: spec: missing required key 'ports' (at least one port)");
	EXPECT_ERR("kind: Peregrine\nspecs: {}\n",
		   "t.yaml:2:1: unknown key 'specs' (allowed: apiVersion, kind, metadata, spec)");
	EXPECT_ERR("kind: Peregrine\nkind: Peregrine\nspec: {}\n",
		   "t.yaml:2:1: duplicate key 'kind' (first at line 1)");
	EXPECT_ERR(PORT0 "  ports: []\n",
		   "t.yaml:8:3: spec: duplicate key 'ports' (first at line 4)");
	EXPECT_ERR(PORT0 "  [a]: 1\n",
		   "t.yaml:8:3: spec: keys must be plain strings, got a sequence");
	EXPECT_ERR(
	    PORT0 "  routs: []\n",
	    "t.yaml:8:3: spec: unknown key 'routs' (allowed: logLevel, dataplane, management, "
	    "exceptionPath, vtep, vrfs, ports, l3vnis, l2vnis, tunnels, routes, neighbors, bgp, "
	    "nodeIndex, nodeLabels, hostSessions, loopbacks)");

	/* YAML syntax errors carry libyaml's problem and position */
	EXPECT_ERR("kind: Peregrine\nspec:\n  ports: [\n",
		   "t.yaml:4:1: YAML syntax error: ", "while parsing a flow node");
	EXPECT_ERR("kind: Peregrine\n  spec: 1\n", "t.yaml:2:7: YAML syntax error: mapping values "
						   "are not allowed in this context");
	EXPECT_ERR("kind: Peregrine\nspec:\n\tports: []\n",
		   "t.yaml:3:1: YAML syntax error: ", "cannot start any token");
	EXPECT_ERR("kind: Peregrine\nspec: *nope\n",
		   "t.yaml:2:7: YAML syntax error: ", "undefined alias");
	EXPECT_ERR("kind: \"Pere\n", "t.yaml:2:1: YAML syntax error: ", "quoted scalar");
	EXPECT_ERR("kind: Peregrine\nspec:\n  vtep: \xff\xfe\n",
		   "t.yaml:3:9: invalid input: ", "UTF-8");
	/* NUL inside a scalar, control characters in messages are escaped */
	EXPECT_ERR(PORT0 "  vtep: \"10.0.0.1\\0x\"\n",
		   "t.yaml:8:9: spec.vtep: expected an IPv4 address, got a string with a NUL "
		   "character");
	EXPECT_ERR(PORT0 "  logLevel: \"a\\nb\"\n", "t.yaml:8:13: spec.logLevel: unknown value "
						    "'a\\x0ab' (allowed: error, warning, notice, "
						    "info, debug)");
	/* long values are cut */
	EXPECT_ERR(PORT0
		   "  logLevel: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		   "t.yaml:8:13: spec.logLevel: unknown value 'xxxx", "...' (allowed:");
	/* a cyclic alias is just a wrong type */
	EXPECT_ERR(HDR "  ports: &a [*a]\n",
		   "t.yaml:4:10: spec.ports[0]: expected a mapping, got a sequence");
	EXPECT_ERR(
	    HDR "  ports: &a [{name: a, device: eth0, addresses: *a}]\n",
	    "t.yaml:4:14: spec.ports[0].addresses[0]: expected an address with prefix length",
	    "got a mapping");
}

static void test_top_errors(void)
{
	EXPECT_ERR(PORT0 "  logLevel: verbose\n",
		   "t.yaml:8:13: spec.logLevel: unknown value 'verbose' (allowed: error, warning, "
		   "notice, info, debug)");
	EXPECT_ERR(
	    PORT0 "  logLevel: {a: 1}\n",
	    "t.yaml:8:13: spec.logLevel: expected one of error, warning, notice, info, debug, "
	    "got a mapping");
	EXPECT_ERR(PORT0 "  dataplane: [1]\n",
		   "t.yaml:8:14: spec.dataplane: expected a mapping, got a sequence");
	EXPECT_ERR(PORT0 "  dataplane:\n    lcore: 1\n",
		   "t.yaml:9:5: spec.dataplane: unknown key 'lcore' (allowed: lcores, workers, "
		   "memoryMB, hugepages, mbufs, maxRoutes4, tbl8Groups, maxRoutes6, maxNexthops, "
		   "idleSleepUs)");
	EXPECT_ERR(PORT0 "  dataplane: {lcores: \"0-\"}\n",
		   "t.yaml:8:23: spec.dataplane.lcores: expected a core list like \"0-3,8\"",
		   "got '0-'");
	EXPECT_ERR(PORT0 "  dataplane: {lcores: \"3-1\"}\n", "t.yaml:8:23: spec.dataplane.lcores:");
	EXPECT_ERR(PORT0 "  dataplane: {lcores: 0-1024}\n", "t.yaml:8:23: spec.dataplane.lcores:");
	EXPECT_ERR(PORT0 "  dataplane: {lcores: \"\"}\n",
		   "t.yaml:8:23: spec.dataplane.lcores: must not be empty");
	EXPECT_ERR(PORT0 "  dataplane: {lcores: \"0-1\", workers: 2}\n",
		   "t.yaml:8:39: spec.dataplane.workers: 2 workers need 3 lcores (one control + "
		   "workers), but lcores '0-1' has 2");
	EXPECT_ERR(PORT0 "  dataplane: {workers: many}\n",
		   "t.yaml:8:24: spec.dataplane.workers: expected an integer 0..1023 or auto, got "
		   "'many'");
	EXPECT_ERR(PORT0 "  dataplane: {memoryMB: 63}\n",
		   "t.yaml:8:25: spec.dataplane.memoryMB: 63 is out of range (allowed: 64..65536)");
	EXPECT_ERR(
	    PORT0 "  dataplane: {memoryMB: 65537}\n",
	    "t.yaml:8:25: spec.dataplane.memoryMB: 65537 is out of range (allowed: 64..65536)");
	EXPECT_ERR(PORT0 "  dataplane: {memoryMB: -1}\n",
		   "t.yaml:8:25: spec.dataplane.memoryMB: expected an integer 64..65536, got '-1'");
	EXPECT_ERR(
	    PORT0 "  dataplane: {memoryMB: 99999999999999999999999}\n",
	    "t.yaml:8:25: spec.dataplane.memoryMB: '99999999999999999999999' is out of range");
	EXPECT_ERR(
	    PORT0 "  dataplane: {memoryMB: 1.5}\n",
	    "t.yaml:8:25: spec.dataplane.memoryMB: expected an integer 64..65536, got '1.5'");
	EXPECT_ERR(PORT0 "  dataplane: {memoryMB: }\n",
		   "t.yaml:8:25: spec.dataplane.memoryMB: expected an integer 64..65536, got null");
	EXPECT_ERR(
	    PORT0 "  dataplane: {hugepages: maybe}\n",
	    "t.yaml:8:26: spec.dataplane.hugepages: unknown value 'maybe' (allowed: auto, on, "
	    "off)");
	EXPECT_ERR(
	    PORT0 "  dataplane: {mbufs: 1022}\n",
	    "t.yaml:8:22: spec.dataplane.mbufs: 1022 is out of range (allowed: 1023..4194303)");
	EXPECT_ERR(PORT0 "  dataplane: {mbufs: 4194304}\n", "t.yaml:8:22: spec.dataplane.mbufs:");
	EXPECT_ERR(PORT0 "  dataplane: {maxRoutes4: 1023}\n",
		   "t.yaml:8:27: spec.dataplane.maxRoutes4: 1023 is out of range (allowed: "
		   "1024..16777216)");
	EXPECT_ERR(PORT0 "  dataplane: {maxRoutes4: 16777217}\n",
		   "t.yaml:8:27: spec.dataplane.maxRoutes4:");
	EXPECT_ERR(PORT0 "  dataplane: {tbl8Groups: 255}\n",
		   "t.yaml:8:27: spec.dataplane.tbl8Groups: 255 is out of range (allowed: "
		   "256..16777216)");
	EXPECT_ERR(PORT0 "  dataplane: {maxRoutes6: 1023}\n",
		   "t.yaml:8:27: spec.dataplane.maxRoutes6: 1023 is out of range (allowed: "
		   "1024..16777216)");
	EXPECT_ERR(PORT0 "  dataplane: {maxNexthops: 15}\n",
		   "t.yaml:8:28: spec.dataplane.maxNexthops: 15 is out of range (allowed: "
		   "16..16777215)");
	EXPECT_ERR(PORT0 "  dataplane: {idleSleepUs: 100001}\n",
		   "t.yaml:8:28: spec.dataplane.idleSleepUs: 100001 is out of range");
	EXPECT_ERR(PORT0 "  dataplane: {maxNexthops: 16777216}\n",
		   "t.yaml:8:28: spec.dataplane.maxNexthops:");
	EXPECT_ERR(PORT0 "  management: {sock: x}\n",
		   "t.yaml:8:16: spec.management: unknown key 'sock' (allowed: socket, metrics)");
	EXPECT_ERR(PORT0
		   "  management: {socket: /run/"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock}\n",
		   "t.yaml:8:24: spec.management.socket: ", "is too long (at most 107 characters)");
	EXPECT_ERR(PORT0 "  exceptionPath: {puntRatePps: 0}\n",
		   "t.yaml:8:32: spec.exceptionPath.puntRatePps: 0 is out of range (allowed: "
		   "1..10000000)");
	EXPECT_ERR(PORT0 "  exceptionPath: {puntRatePps: 10000001}\n",
		   "t.yaml:8:32: spec.exceptionPath.puntRatePps:");
	EXPECT_ERR(PORT0 "  exceptionPath: {puntBurst: 65537}\n",
		   "t.yaml:8:30: spec.exceptionPath.puntBurst: 65537 is out of range (allowed: "
		   "1..65536)");
	EXPECT_ERR(
	    PORT0 "  exceptionPath: {puntburst: 1}\n",
	    "t.yaml:8:19: spec.exceptionPath: unknown key 'puntburst' (allowed: puntRatePps, "
	    "puntBurst)");

	/* vtep */
	EXPECT_ERR(PORT0 "  vtep: \"fd00::1\"\n",
		   "t.yaml:8:9: spec.vtep: expected an IPv4 address, got IPv6 address 'fd00::1'");
	EXPECT_ERR(PORT0 "  vtep: 10.100.0.300\n",
		   "t.yaml:8:9: spec.vtep: expected an IPv4 address, got '10.100.0.300'");
	EXPECT_ERR(PORT0 "  vtep: 10.100.0.2\n",
		   "t.yaml:8:9: spec.vtep: '10.100.0.2' is not an address of a port in the default "
		   "VRF (IPv4 addresses there: 10.100.0.1)");
	EXPECT_ERR(
	    HDR "  vtep: 10.1.0.1\n  vrfs: [{name: red}]\n"
		"  ports: [{name: a, device: eth0, vrf: red, addresses: [10.1.0.1/24]}]\n",
	    "t.yaml:4:9: spec.vtep: '10.1.0.1' is not an address of a port in the default VRF "
	    "(IPv4 addresses there: none)");
	EXPECT_ERR(PORT0 "  vrfs: [{name: red}]\n  l3vnis: [{vni: 10, vrf: red}]\n",
		   "t.yaml:9:12: spec.l3vnis[0]: needs spec.vtep (the local IPv4 tunnel endpoint "
		   "address) to be set");
	EXPECT_ERR(PORT0 "  tunnels:\n    - type: ipip\n      remote: 10.1.1.1\n",
		   "t.yaml:9:7: spec.tunnels[0]: needs spec.vtep");
	EXPECT_ERR(PORT0 "  routes:\n    - prefix: 10.0.0.0/8\n      ipip: {remote: 10.1.1.1}\n",
		   "t.yaml:10:7: spec.routes[0].ipip: needs spec.vtep");
	EXPECT_ERR(PORT0 "  vtep: 10.100.0.1\n  routes:\n    - prefix: \"fd00:9::/64\"\n"
			 "      ipip: {remote: 10.1.1.1}\n",
		   "t.yaml:11:7: spec.routes[0].ipip: IPIP carries IPv4 only, but the prefix "
		   "fd00:9::/64 is IPv6");
	EXPECT_ERR(
	    PORT0
	    "    - {name: h, device: eth9, vrf: red, addresses: [10.9.0.1/24]}\n"
	    "    - {name: h2, device: eth8, vrf: blue, addresses: [10.8.0.1/24]}\n"
	    "  vtep: 10.100.0.1\n  vrfs: [{name: red}, {name: blue}]\n"
	    "  l3vnis:\n    - {vni: 1, vrf: red}\n    - {vni: 2, vrf: blue, vxlanPort: 4790}\n",
	    "t.yaml:14:38: spec.l3vnis[1].vxlanPort: all L3VNIs share one VXLAN UDP port: "
	    "4790 differs from 4789 (line 13)");
	/* a VXLAN next hop needs an L3VNI, which asks for the vtep first */
	EXPECT_ERR(PORT0
		   "    - {name: p1, device: eth1, vrf: red, addresses: [10.50.0.1/24]}\n"
		   "  vrfs: [{name: red}]\n  l3vnis: [{vni: 1, vrf: red}]\n  routes:\n"
		   "    - {prefix: 10.0.0.0/8, vrf: red, nexthops: [{via: 10.50.0.2}, {vxlan: "
		   "{remote: 1.1.1.1, vni: 1, routerMac: \"02:00:00:00:00:01\"}}]}\n",
		   "t.yaml:10:12: spec.l3vnis[0]: needs spec.vtep");
}

static void test_vrf_errors(void)
{
	EXPECT_ERR(PORT0 "  vrfs: [{name: default}]\n",
		   "t.yaml:8:17: spec.vrfs[0].name: 'default' is reserved");
	EXPECT_ERR(PORT0 "  vrfs:\n    - name: red\n    - name: red\n",
		   "t.yaml:10:13: spec.vrfs[1].name: duplicate VRF name 'red' (first at line 9)");
	EXPECT_ERR(
	    PORT0 "  vrfs: [{name: \"has space\"}]\n",
	    "t.yaml:8:17: spec.vrfs[0].name: 'has space' is not a valid name (1..15 characters "
	    "from A-Z a-z 0-9 _ . -)");
	EXPECT_ERR(PORT0 "  vrfs: [{name: abcdefghijklmnop}]\n",
		   "t.yaml:8:17: spec.vrfs[0].name: 'abcdefghijklmnop' is not a valid name");
	EXPECT_ERR(PORT0 "  vrfs: [{name: \"\"}]\n", "t.yaml:8:17: spec.vrfs[0].name: '' is not a "
						     "valid name");
	EXPECT_ERR(PORT0 "  vrfs: [red]\n",
		   "t.yaml:8:10: spec.vrfs[0]: expected a mapping, got 'red'");
	EXPECT_ERR(PORT0 "  vrfs: [{}]\n",
		   "t.yaml:8:10: spec.vrfs[0]: missing required key 'name'");
	EXPECT_ERR(PORT0 "  vrfs: [{name: r, table: 5}]\n",
		   "t.yaml:8:20: spec.vrfs[0]: unknown key 'table' (allowed: name)");
	EXPECT_ERR(PORT0 "  vrfs: {name: red}\n",
		   "t.yaml:8:9: spec.vrfs: expected a sequence, got a mapping");
}

static void test_port_errors(void)
{
	EXPECT_ERR(HDR "  ports: []\n", "t.yaml:4:10: spec.ports: at least one port is required");
	EXPECT_ERR(HDR "  ports:\n", "t.yaml:4:9: spec.ports: at least one port is required");
	EXPECT_ERR(HDR "  ports:\n    - name: a\n      device: eth0\n      mtuu: 1500\n",
		   "t.yaml:7:7: spec.ports[0]: unknown key 'mtuu' (allowed: name, device, driver, "
		   "mac, mtu, vrf, addresses, tap, exception, linuxBridge)");
	EXPECT_ERR(HDR "  ports:\n    - name: a\n      device: eth0\n      mtu: abc\n",
		   "t.yaml:7:12: spec.ports[0].mtu: expected an integer 68..9216, got 'abc'");
	EXPECT_ERR(HDR "  ports:\n    - name: a\n      device: eth0\n      mtu: 67\n",
		   "t.yaml:7:12: spec.ports[0].mtu: 67 is out of range (allowed: 68..9216)");
	EXPECT_ERR(HDR "  ports:\n    - name: a\n      device: eth0\n      mtu: 9217\n",
		   "t.yaml:7:12: spec.ports[0].mtu: 9217 is out of range (allowed: 68..9216)");
	EXPECT_ERR(
	    HDR "  ports:\n    - name: a\n      device: eth0\n      mtu: 1500\n      mtu: 9000\n",
	    "t.yaml:8:7: spec.ports[0]: duplicate key 'mtu' (first at line 7)");
	EXPECT_ERR(HDR "  ports:\n    - device: eth0\n",
		   "t.yaml:5:7: spec.ports[0]: missing required key 'name'");
	EXPECT_ERR(HDR "  ports:\n    - name: a\n",
		   "t.yaml:5:7: spec.ports[0]: missing required key 'device'");
	EXPECT_ERR(HDR "  ports:\n    -\n",
		   "t.yaml:5:6: spec.ports[0]: expected a mapping with name "
		   "and device, got null");
	EXPECT_ERR(HDR "  ports:\n    - eth0\n",
		   "t.yaml:5:7: spec.ports[0]: expected a mapping, got 'eth0'");
	EXPECT_ERR(
	    PORT0 "    - {name: uplink, device: eth1}\n",
	    "t.yaml:8:14: spec.ports[1].name: duplicate port name 'uplink' (first at line 5)");
	EXPECT_ERR(PORT0 "    - {name: b, device: veth-pe0}\n",
		   "t.yaml:8:25: spec.ports[1].device: device 'veth-pe0' is already used by port "
		   "'uplink' (line 5)");
	EXPECT_ERR(PORT0 "    - {name: \"a/b\", device: eth1}\n",
		   "t.yaml:8:14: spec.ports[1].name: 'a/b' is not a valid name");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1234567890123}\n",
		   "t.yaml:8:25: spec.ports[1].device: 'eth1234567890123' is not a Linux interface "
		   "name (1..15 characters, no '/', ':' or spaces), a DPDK vdev (\"net_...\") or a "
		   "PCI address (DDDD:BB:DD.F)");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: \"0000:03:00.8\"}\n",
	    "t.yaml:8:25: spec.ports[1].device: '0000:03:00.8' is not a Linux interface name");
	EXPECT_ERR(PORT0 "    - {name: b, device: \"eth 0\"}\n",
		   "t.yaml:8:25: spec.ports[1].device: 'eth 0' is not a Linux interface name");
	EXPECT_ERR(PORT0 "    - {name: b, device: net_}\n",
		   "t.yaml:8:25: spec.ports[1].device: 'net_' is not a DPDK vdev (expected "
		   "net_<driver><n>[,key=value...])");
	EXPECT_ERR(PORT0 "    - {name: b, device: \"\"}\n",
		   "t.yaml:8:25: spec.ports[1].device: must not be empty");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: net_tap0, driver: af_packet}\n",
	    "t.yaml:8:43: spec.ports[1].driver: only allowed when device is a Linux interface "
	    "name ('net_tap0' is a DPDK vdev)");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: eth1, exception: xdp}\n",
	    "t.yaml:8:42: spec.ports[1].exception: xdp needs a Linux interface attached with "
	    "driver: af_xdp");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: net_tap0, exception: xdp}\n",
	    "t.yaml:8:46: spec.ports[1].exception: xdp needs a Linux interface attached with "
	    "driver: af_xdp");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, driver: af_xdp, exception: xdp, tap: t1}\n",
		   "t.yaml:8:68: spec.ports[1].tap: a port with exception: xdp has no TAP");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: eth1, driver: af_xdp, exception: kernel}\n",
	    "t.yaml:8:58: spec.ports[1].exception: unknown value 'kernel' (allowed: auto, tap, "
	    "xdp)");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: eth1, driver: xdp}\n",
	    "t.yaml:8:39: spec.ports[1].driver: unknown value 'xdp' (allowed: auto, af_packet, "
	    "af_xdp, pcap)");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, mac: 02:00:00:00:00}\n",
		   "t.yaml:8:36: spec.ports[1].mac: expected a MAC address like "
		   "\"02:00:00:00:00:01\", got '02:00:00:00:00'");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, mac: \" 2:00:00:00:00:01\"}\n",
		   "t.yaml:8:36: spec.ports[1].mac: expected a MAC address");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, mac: \"01:00:5e:00:00:01\"}\n",
		   "t.yaml:8:36: spec.ports[1].mac: '01:00:5e:00:00:01' is a multicast MAC address "
		   "(must be unicast)");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, mac: \"00:00:00:00:00:00\"}\n",
		   "t.yaml:8:36: spec.ports[1].mac: '00:00:00:00:00:00' is the zero MAC address");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, vrf: red}\n",
		   "t.yaml:8:36: spec.ports[1].vrf: unknown VRF 'red' (configured: default)");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, addresses: 10.0.0.1/24}\n",
		   "t.yaml:8:42: spec.ports[1].addresses: expected a sequence, got '10.0.0.1/24'");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: eth1, addresses: [10.0.0.0/24]}\n",
	    "t.yaml:8:43: spec.ports[1].addresses[0]: '10.0.0.0/24' has an all-zero host part");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: eth1, addresses: [10.0.0.0/30]}\n",
	    "t.yaml:8:43: spec.ports[1].addresses[0]: '10.0.0.0/30' has an all-zero host part");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, addresses: [10.0.0.3/30]}\n",
		   "t.yaml:8:43: spec.ports[1].addresses[0]: '10.0.0.3/30' is the subnet broadcast "
		   "address");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: eth1, addresses: [\"fd01::/64\"]}\n",
	    "t.yaml:8:43: spec.ports[1].addresses[0]: 'fd01::/64' has an all-zero host part");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: eth1, addresses: [\"fd01::/126\"]}\n",
	    "t.yaml:8:43: spec.ports[1].addresses[0]: 'fd01::/126' has an all-zero host part");
	EXPECT_ERR(
	    PORT0 "    - {name: b, device: eth1, addresses: [10.0.0.1/33]}\n",
	    "t.yaml:8:43: spec.ports[1].addresses[0]: expected an address with prefix length "
	    "like 10.0.0.1/24, got '10.0.0.1/33'");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, addresses: [10.0.0.1/]}\n",
		   "t.yaml:8:43: spec.ports[1].addresses[0]: expected an address");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, addresses: [10.0.0.1/24, 10.0.0.1/16]}\n",
		   "t.yaml:8:56: spec.ports[1].addresses[1]: duplicate address 10.0.0.1 (also "
		   "spec.ports[1].addresses[0])");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, addresses: [\"fd00::1/64\"]}\n",
		   "t.yaml:8:43: spec.ports[1].addresses[0]: address fd00::1 is already on port "
		   "'uplink' (line 5) in the same VRF");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, tap: \"a b\"}\n",
		   "t.yaml:8:36: spec.ports[1].tap: 'a b' is not a valid Linux interface name");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, tap: pg-uplink}\n",
		   "t.yaml:8:36: spec.ports[1].tap: TAP name 'pg-uplink' is also the TAP of port "
		   "'uplink' (line 5)");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, tap: veth-pe0}\n",
		   "t.yaml:8:36: spec.ports[1].tap: TAP name 'veth-pe0' is the device of port "
		   "'uplink' (line 5)");
	EXPECT_ERR(PORT0 "    - {name: b, device: eth1, tap: eth1}\n",
		   "t.yaml:8:36: spec.ports[1].tap: TAP name 'eth1' is the port's own device");
	EXPECT_ERR(PORT0 "    - {name: b, device: pg-uplink}\n",
		   "t.yaml:8:25: spec.ports[1].device: device 'pg-uplink' is the TAP name of port "
		   "'uplink' (line 5)");
	EXPECT_ERR(HDR "  ports:\n    - {name: abcdefghijklmn1, device: eth0}\n"
		       "    - {name: abcdefghijklmn2, device: eth1}\n",
		   "t.yaml:6:14: spec.ports[1].tap: default TAP name (pg-<name>) 'pg-abcdefghijkl' "
		   "is also the TAP of port 'abcdefghijklmn1' (line 5)");
	/* with tap: none there is no clash */
	{
		struct pg_config cfg;
		if (LOAD_OK(HDR "  ports:\n    - {name: abcdefghijklmn1, device: eth0, tap: none}\n"
				"    - {name: abcdefghijklmn2, device: eth1}\n",
			    &cfg) == 0) {
			CHECK(cfg.ports[0].no_tap && !cfg.ports[1].no_tap);
			config_free(&cfg);
		}
	}
}

static void test_l3vni_tunnel_errors(void)
{
#define VR PORT0 "  vtep: 10.100.0.1\n  vrfs: [{name: red}, {name: blue}]\n" /* next line 10 */
	EXPECT_ERR(VR "  l3vnis: [{vni: 0, vrf: red}]\n",
		   "t.yaml:10:18: spec.l3vnis[0].vni: 0 is out of range (allowed: 1..16777215)");
	EXPECT_ERR(VR "  l3vnis: [{vni: 16777216, vrf: red}]\n",
		   "t.yaml:10:18: spec.l3vnis[0].vni: 16777216 is out of range");
	EXPECT_ERR(VR "  l3vnis:\n    - {vni: 5, vrf: red}\n    - {vni: 5, vrf: blue}\n",
		   "t.yaml:12:13: spec.l3vnis[1].vni: duplicate VNI 5 (first at line 11)");
	EXPECT_ERR(VR "  l3vnis:\n    - {vni: 5, vrf: red}\n    - {vni: 6, vrf: red}\n",
		   "t.yaml:12:21: spec.l3vnis[1].vrf: VRF 'red' already has L3VNI 5 (line 11)");
	EXPECT_ERR(VR "  l3vnis: [{vni: 5, vrf: default}]\n",
		   "t.yaml:10:26: spec.l3vnis[0].vrf: an L3VNI needs its own VRF, not 'default'");
	EXPECT_ERR(
	    VR "  l3vnis: [{vni: 5, vrf: green}]\n",
	    "t.yaml:10:26: spec.l3vnis[0].vrf: unknown VRF 'green' (configured: default, red, "
	    "blue)");
	EXPECT_ERR(VR "  l3vnis: [{vni: 5}]\n",
		   "t.yaml:10:12: spec.l3vnis[0]: missing required key 'vrf'");
	EXPECT_ERR(VR "  l3vnis: [{vrf: red}]\n",
		   "t.yaml:10:12: spec.l3vnis[0]: missing required key 'vni'");
	EXPECT_ERR(VR "  l3vnis: [{vni: 5, vrf: red, vxlanPort: 0}]\n",
		   "t.yaml:10:42: spec.l3vnis[0].vxlanPort: 0 is out of range (allowed: 1..65535)");
	EXPECT_ERR(VR "  l3vnis: [{vni: 5, vrf: red, vxlanPort: 65536}]\n",
		   "t.yaml:10:42: spec.l3vnis[0].vxlanPort: 65536 is out of range");
	EXPECT_ERR(VR "  l3vnis: [{vni: 5, vrf: red, routerMac: zz}]\n",
		   "t.yaml:10:42: spec.l3vnis[0].routerMac: expected a MAC address");
	EXPECT_ERR(
	    VR "  l3vnis: [{vni: 5, vrf: red, rmac: \"02:00:00:00:00:01\"}]\n",
	    "t.yaml:10:31: spec.l3vnis[0]: unknown key 'rmac' (allowed: vni, vrf, routerMac, "
	    "vxlanPort, importRTs, exportRTs)");
	/* Route targets: ASN:NN (type 0 with a 2-byte ASN, type 2 beyond), IPv4:NN (type 1). */
	{
		struct pg_config cfg;
		if (LOAD_OK(VR "  l3vnis: [{vni: 5, vrf: red, importRTs: [\"65000:5\", "
			       "\"10.0.0.1:7\"], exportRTs: [\"4200000000:9\"]}]\n",
			    &cfg) == 0) {
			CHECK(cfg.l3vnis[0].n_import_rts == 2 && cfg.l3vnis[0].n_export_rts == 1);
			CHECK(cfg.l3vnis[0].import_rts[0] == 0x0002fde800000005ull);
			CHECK(cfg.l3vnis[0].import_rts[1] == 0x01020a0000010007ull);
			CHECK(cfg.l3vnis[0].export_rts[0] == 0x0202fa56ea000009ull);
			config_free(&cfg);
		}
	}
	EXPECT_ERR(VR "  l3vnis: [{vni: 5, vrf: red, importRTs: [\"65000\"]}]\n",
		   "t.yaml:10:43: spec.l3vnis[0].importRTs[0]: expected a route target ASN:NN");
	EXPECT_ERR(VR "  l3vnis: [{vni: 5, vrf: red, exportRTs: [\"4200000000:70000\"]}]\n",
		   "t.yaml:10:43: spec.l3vnis[0].exportRTs[0]: expected a route target");
	EXPECT_ERR(VR "  l3vnis: [{vni: 5, vrf: red, importRTs: [\"1:1\", \"1:1\"]}]\n",
		   "t.yaml:10:50: spec.l3vnis[0].importRTs[1]: duplicate route target '1:1'");
	EXPECT_ERR(VR "  l3vnis: [{vni: 5, vrf: red, importRTs: \"1:1\"}]\n",
		   "t.yaml:10:42: spec.l3vnis[0].importRTs: expected a sequence");

	EXPECT_ERR(
	    VR "  tunnels: [{type: gre, remote: 10.1.1.1}]\n",
	    "t.yaml:10:20: spec.tunnels[0].type: unknown value 'gre' (allowed: vxlan, ipip)");
	EXPECT_ERR(VR "  tunnels: [{remote: 10.1.1.1}]\n",
		   "t.yaml:10:13: spec.tunnels[0]: missing required key 'type'");
	EXPECT_ERR(VR "  tunnels: [{type: ipip}]\n",
		   "t.yaml:10:13: spec.tunnels[0]: missing required key 'remote'");
	EXPECT_ERR(
	    VR "  tunnels: [{type: ipip, remote: \"fd00::9\"}]\n",
	    "t.yaml:10:34: spec.tunnels[0].remote: expected an IPv4 address, got IPv6 address "
	    "'fd00::9'");
	EXPECT_ERR(VR "  tunnels: [{type: vxlan, remote: 10.1.1.1, vrf: red}]\n",
		   "t.yaml:10:50: spec.tunnels[0].vrf: only allowed with type: ipip");
	EXPECT_ERR(VR "  tunnels: [{type: ipip, remote: 10.1.1.1, vrf: pink}]\n",
		   "t.yaml:10:49: spec.tunnels[0].vrf: unknown VRF 'pink'");
	EXPECT_ERR(
	    VR "  tunnels:\n    - {type: ipip, remote: 10.1.1.1}\n"
	       "    - {type: vxlan, remote: 10.1.1.1}\n"
	       "    - {type: ipip, remote: 10.1.1.1, vrf: red}\n",
	    "t.yaml:13:28: spec.tunnels[2].remote: duplicate ipip tunnel to '10.1.1.1' (first "
	    "at line 11)");
	EXPECT_ERR(
	    VR "  tunnels:\n    -\n",
	    "t.yaml:11:6: spec.tunnels[0]: expected a mapping with type and remote, got null");
#undef VR
}

static void test_route_errors(void)
{
	/* BASE: routes start at line 12 after "  routes:\n" on line 11 */
#define R BASE "  routes:\n"
	EXPECT_ERR(
	    R "    - {prefix: 10.244.1.1/26, blackhole: true}\n",
	    "t.yaml:12:16: spec.routes[0].prefix: '10.244.1.1/26' has host bits set (did you "
	    "mean 10.244.1.0/26?)");
	EXPECT_ERR(R "    - {prefix: \"fd00::1/64\", blackhole: true}\n",
		   "t.yaml:12:16: spec.routes[0].prefix: 'fd00::1/64' has host bits set (did you "
		   "mean fd00::/64?)");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/99, blackhole: true}\n",
		   "t.yaml:12:16: spec.routes[0].prefix: expected a prefix like 10.0.0.0/24 or "
		   "fd00::/64, got '10.0.0.0/99'");
	EXPECT_ERR(R "    - {blackhole: true}\n",
		   "t.yaml:12:7: spec.routes[0]: missing required key 'prefix'");
	EXPECT_ERR(
	    R "    - {prefix: 10.0.0.0/8}\n",
	    "t.yaml:12:7: spec.routes[0]: needs a next hop: exactly one of via, vxlan, ipip, "
	    "blackhole, nexthops");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, blackhole: false}\n",
		   "t.yaml:12:7: spec.routes[0]: needs a next hop");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, blackhole: yes}\n",
		   "t.yaml:12:39: spec.routes[0].blackhole: expected true or false, got 'yes'");
	EXPECT_ERR(
	    R "    - {prefix: 10.0.0.0/8, via: 10.100.0.2, blackhole: true}\n",
	    "t.yaml:12:45: spec.routes[0]: 'via' and 'blackhole' are mutually exclusive (use "
	    "exactly one of: via, vxlan, ipip, blackhole, nexthops)");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, ipip: {remote: 10.1.1.1}, via: 10.100.0.2}\n",
		   "t.yaml:12:54: spec.routes[0]: 'ipip' and 'via' are mutually exclusive");
	EXPECT_ERR(
	    R "    - {prefix: 10.0.0.0/8, vrf: pink, blackhole: true}\n",
	    "t.yaml:12:33: spec.routes[0].vrf: unknown VRF 'pink' (configured: default, red, "
	    "blue)");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, via: \"fd00::2\"}\n",
		   "t.yaml:12:33: spec.routes[0].via: gateway 'fd00::2' is IPv6 but the prefix "
		   "10.0.0.0/8 is IPv4");
	EXPECT_ERR(R "    - {prefix: \"fd99::/48\", via: 10.100.0.2}\n",
		   "t.yaml:12:34: spec.routes[0].via: gateway '10.100.0.2' is IPv4 but the prefix "
		   "fd99::/48 is IPv6");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, via: bogus}\n",
		   "t.yaml:12:33: spec.routes[0].via: expected an IP address, got 'bogus'");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, via: 10.200.0.2}\n",
		   "t.yaml:12:33: spec.routes[0].via: gateway '10.200.0.2' is not in a connected "
		   "subnet of VRF 'default'");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, vrf: red, via: 10.100.0.2}\n",
		   "t.yaml:12:43: spec.routes[0].via: gateway '10.100.0.2' is not in a connected "
		   "subnet of VRF 'red'");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, via: 10.100.0.1}\n",
		   "t.yaml:12:33: spec.routes[0].via: gateway '10.100.0.1' is our own address on "
		   "port 'uplink'");
	EXPECT_ERR(
	    R "    - {prefix: 10.0.0.0/8, via: 10.100.0.2, port: nope}\n",
	    "t.yaml:12:51: spec.routes[0].port: unknown port 'nope' (configured: uplink, host, "
	    "other)");
	EXPECT_ERR(
	    R "    - {prefix: 10.0.0.0/8, via: 10.100.0.2, port: host}\n",
	    "t.yaml:12:51: spec.routes[0].port: port 'host' is in VRF 'red', but the route is "
	    "in VRF 'default'");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, blackhole: true, port: uplink}\n",
		   "t.yaml:12:45: spec.routes[0].port: only allowed with via (not with blackhole)");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, ipip: {remote: 10.1.1.1}, port: uplink}\n",
		   "t.yaml:12:54: spec.routes[0].port: only allowed with via (not with ipip)");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, ipip: {remote: \"fd00::5\"}}\n",
		   "t.yaml:12:43: spec.routes[0].ipip.remote: expected an IPv4 address, got IPv6 "
		   "address 'fd00::5'");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, ipip: 10.1.1.1}\n",
		   "t.yaml:12:34: spec.routes[0].ipip: expected a mapping, got '10.1.1.1'");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, ipip: {}}\n",
		   "t.yaml:12:34: spec.routes[0].ipip: missing required key 'remote'");

	/* vxlan */
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n      vrf: red\n"
	      "      vxlan: {remote: 10.100.0.2, vni: 5000, routerMac: \"02:00:00:00:00:09\"}\n",
	    "t.yaml:14:40: spec.routes[0].vxlan.vni: 5000 is not a configured L3VNI "
	    "(configured: 4096, 4097)");
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n      vrf: red\n"
	      "      vxlan: {remote: 10.100.0.2, vni: 4097, routerMac: \"02:00:00:00:00:09\"}\n",
	    "t.yaml:14:40: spec.routes[0].vxlan.vni: L3VNI 4097 belongs to VRF 'blue', but "
	    "the route is in VRF 'red'");
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n"
	      "      vxlan: {remote: 10.100.0.2, vni: 4096, routerMac: \"02:00:00:00:00:09\"}\n",
	    "t.yaml:13:40: spec.routes[0].vxlan.vni: L3VNI 4096 belongs to VRF 'red', but the "
	    "route is in VRF 'default'");
	EXPECT_ERR(R "    - prefix: 10.0.0.0/8\n      vrf: red\n"
		     "      vxlan: {remote: 10.100.0.2, vni: 4096}\n",
		   "t.yaml:14:14: spec.routes[0].vxlan: missing required key 'routerMac'");
	EXPECT_ERR(R "    - prefix: 10.0.0.0/8\n      vrf: red\n"
		     "      vxlan: {vni: 4096, routerMac: \"02:00:00:00:00:09\"}\n",
		   "t.yaml:14:14: spec.routes[0].vxlan: missing required key 'remote'");
	EXPECT_ERR(R "    - prefix: 10.0.0.0/8\n      vrf: red\n"
		     "      vxlan: {remote: 10.100.0.2, routerMac: \"02:00:00:00:00:09\"}\n",
		   "t.yaml:14:14: spec.routes[0].vxlan: missing required key 'vni'");
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n      vrf: red\n"
	      "      vxlan: {remote: 10.100.0.2, vni: 4096, routerMac: \"ff:ff:ff:ff:ff:ff\"}\n",
	    "t.yaml:14:57: spec.routes[0].vxlan.routerMac: 'ff:ff:ff:ff:ff:ff' is a multicast "
	    "MAC address");
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n      vrf: red\n"
	      "      vxlan: {remote: \"fd00::2\", vni: 4096, routerMac: \"02:00:00:00:00:09\"}\n",
	    "t.yaml:14:23: spec.routes[0].vxlan.remote: expected an IPv4 address");
	EXPECT_ERR(R
		   "    - prefix: 10.0.0.0/8\n      vrf: red\n"
		   "      vxlan: {remote: 10.100.0.2, vni: 4096, routerMac: \"02:00:00:00:00:09\", "
		   "port: 1}\n",
		   "t.yaml:14:78: spec.routes[0].vxlan: unknown key 'port' (allowed: remote, vni, "
		   "routerMac)");

	/* nexthops */
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, nexthops: [{via: 10.100.0.2}]}\n",
		   "t.yaml:12:38: spec.routes[0].nexthops: expected 2..16 next hops, got 1");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, nexthops: []}\n",
		   "t.yaml:12:38: spec.routes[0].nexthops: expected 2..16 next hops, got 0");
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, nexthops: {via: 10.100.0.2}}\n",
		   "t.yaml:12:38: spec.routes[0].nexthops: expected a sequence, got a mapping");
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n      nexthops:\n        - via: 10.100.0.2\n"
	      "        - blackhole: true\n",
	    "t.yaml:15:11: spec.routes[0].nexthops[1]: blackhole is not allowed in nexthops");
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n      nexthops:\n        - via: 10.100.0.2\n"
	      "        - {}\n",
	    "t.yaml:15:11: spec.routes[0].nexthops[1]: needs a next hop: exactly one of via, "
	    "vxlan, ipip");
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n      nexthops:\n        - via: 10.100.0.2\n"
	      "        -\n",
	    "t.yaml:15:10: spec.routes[0].nexthops[1]: expected a mapping with via, vxlan or "
	    "ipip, got null");
	EXPECT_ERR(R "    - prefix: 10.0.0.0/8\n      nexthops:\n        - via: 10.100.0.2\n"
		     "        - {via: 10.100.0.3, ipip: {remote: 10.1.1.1}}\n",
		   "t.yaml:15:29: spec.routes[0].nexthops[1]: 'via' and 'ipip' are mutually "
		   "exclusive (use exactly one of: via, vxlan, ipip)");
	EXPECT_ERR(
	    R "    - prefix: 10.0.0.0/8\n      nexthops:\n        - via: 10.100.0.2\n"
	      "        - {via: 10.100.0.3, vrf: red}\n",
	    "t.yaml:15:29: spec.routes[0].nexthops[1]: unknown key 'vrf' (allowed: via, port, "
	    "vxlan, ipip, blackhole)");
	EXPECT_ERR(R "    - prefix: 10.0.0.0/8\n      nexthops:\n        - via: 10.100.0.2\n"
		     "        - {ipip: {remote: 10.1.1.1}, port: uplink}\n",
		   "t.yaml:15:38: spec.routes[0].nexthops[1].port: only allowed with via (not with "
		   "ipip)");
	EXPECT_ERR(R "    - prefix: 10.0.0.0/8\n      port: uplink\n      nexthops:\n"
		     "        - via: 10.100.0.2\n        - via: 10.100.0.3\n",
		   "t.yaml:13:7: spec.routes[0].port: only allowed with via (put it inside the "
		   "nexthops items)");
	EXPECT_ERR(R "    - prefix: 10.0.0.0/8\n      nexthops:\n        - via: 10.100.0.2\n"
		     "        - via: 10.100.0.2\n",
		   "t.yaml:15:11: spec.routes[0].nexthops[1]: same next hop as "
		   "spec.routes[0].nexthops[0]");
	EXPECT_ERR(R "    - prefix: 10.0.0.0/8\n      vrf: red\n      nexthops:\n"
		     "        - via: 192.168.50.2\n        - via: 192.168.50.3\n          port: "
		     "uplink\n",
		   "t.yaml:17:17: spec.routes[0].nexthops[1].port: port 'uplink' is in VRF "
		   "'default', but the route is in VRF 'red'");
	EXPECT_ERR(
	    R
	    "    - prefix: 10.0.0.0/8\n      vrf: red\n      nexthops:\n"
	    "        - via: 192.168.50.2\n"
	    "        - vxlan: {remote: 10.100.0.2, vni: 5000, routerMac: \"02:00:00:00:00:09\"}\n",
	    "t.yaml:16:44: spec.routes[0].nexthops[1].vxlan.vni: 5000 is not a configured "
	    "L3VNI (configured: 4096, 4097)");

	/* duplicates */
	EXPECT_ERR(
	    R "    - {prefix: 10.0.0.0/8, blackhole: true}\n"
	      "    - {prefix: 10.0.0.0/8, via: 10.100.0.2}\n",
	    "t.yaml:13:16: spec.routes[1].prefix: duplicate route 10.0.0.0/8 in VRF 'default' "
	    "(first at line 12)");
	EXPECT_ERR(R "    - {prefix: \"fd00:0::/64\", blackhole: true, vrf: red}\n"
		     "    - {prefix: \"fd00::/64\", vrf: red, blackhole: true}\n",
		   "t.yaml:13:16: spec.routes[1].prefix: duplicate route fd00::/64 in VRF 'red' "
		   "(first at line 12)");
	{
		struct pg_config cfg;
		/* same prefix in two VRFs, or two lengths, is fine */
		if (LOAD_OK(R "    - {prefix: 10.0.0.0/8, blackhole: true}\n"
			      "    - {prefix: 10.0.0.0/8, blackhole: true, vrf: red}\n"
			      "    - {prefix: 10.0.0.0/9, blackhole: true}\n",
			    &cfg) == 0) {
			CHECK(cfg.n_routes == 3);
			config_free(&cfg);
		}
	}
	EXPECT_ERR(R "    - {prefix: 10.0.0.0/8, blackhole: true, metric: 5}\n",
		   "t.yaml:12:45: spec.routes[0]: unknown key 'metric' (allowed: via, port, vxlan, "
		   "ipip, blackhole, nexthops, prefix, vrf)");
#undef R
}

static void test_neighbor_errors(void)
{
#define N BASE "  neighbors:\n" /* items from line 12 */
	EXPECT_ERR(N "    - {ip: 10.100.0.2, port: uplink}\n",
		   "t.yaml:12:7: spec.neighbors[0]: missing required key 'mac'");
	EXPECT_ERR(N "    - {ip: 10.100.0.2, mac: \"02:00:00:00:00:09\"}\n",
		   "t.yaml:12:7: spec.neighbors[0]: missing required key 'port'");
	EXPECT_ERR(N "    - {mac: \"02:00:00:00:00:09\", port: uplink}\n",
		   "t.yaml:12:7: spec.neighbors[0]: missing required key 'ip'");
	EXPECT_ERR(N "    - {ip: 10.100.0.2, mac: \"02:00:00:00:00:09\", port: up}\n",
		   "t.yaml:12:56: spec.neighbors[0].port: unknown port 'up' (configured: uplink, "
		   "host, other)");
	EXPECT_ERR(
	    N "    - {ip: 10.100.0.2/32, mac: \"02:00:00:00:00:09\", port: uplink}\n",
	    "t.yaml:12:12: spec.neighbors[0].ip: expected an IP address, got '10.100.0.2/32'");
	EXPECT_ERR(N "    - {ip: 10.100.0.2, mac: 2:0:0:0:0:9, port: uplink}\n",
		   "t.yaml:12:29: spec.neighbors[0].mac: expected a MAC address");
	EXPECT_ERR(N "    - {ip: 10.100.0.2, mac: \"02:00:00:00:00:09\", port: uplink}\n"
		     "    - {ip: 10.100.0.2, mac: \"02:00:00:00:00:0a\", port: uplink}\n",
		   "t.yaml:13:12: spec.neighbors[1].ip: duplicate neighbor '10.100.0.2' on port "
		   "'uplink' (first at line 12)");
	EXPECT_ERR(N "    - {ip: 10.100.0.2, mac: \"02:00:00:00:00:09\", port: uplink, vrf: red}\n",
		   "t.yaml:12:64: spec.neighbors[0]: unknown key 'vrf' (allowed: ip, mac, port)");
	{
		struct pg_config cfg;
		if (LOAD_OK(N "    - {ip: 10.100.0.2, mac: \"02:00:00:00:00:09\", port: uplink}\n"
			      "    - {ip: 10.100.0.2, mac: \"02:00:00:00:00:09\", port: host}\n",
			    &cfg) == 0) {
			CHECK(cfg.neighbors[1].port == 1);
			config_free(&cfg);
		}
	}
#undef N
}

/* spec.bgp: lines 1-7 are the header and two ports, `bgp:` is line 8 */
#define BGPHDR                                                                                     \
	HDR "  vtep: 10.100.0.1\n" /* 4 */                                                         \
	    "  ports:\n"	   /* 5 */                                                         \
	    "    - {name: uplink, device: veth-pe0, addresses: [10.100.0.1/24, \"fd00::1/64\"]}\n" \
	    "    - {name: host, device: veth-host, addresses: [192.168.50.1/24]}\n" /* 7 */        \
	    "  bgp:\n"								    /* 8 */

static const char bgp_yaml[] =
    BGPHDR "    asn: 65001\n" /* 9 */
	   "    routerId: 10.0.0.1\n"
	   "    listenPort: 1179\n"
	   "    holdTime: 60\n"
	   "    keepaliveTime: 15\n"
	   "    connectTime: 10\n"
	   "    gracefulRestart: false\n"
	   "    restartTime: 300\n"
	   "    neighbors:\n"		   /* 17 */
	   "      - address: 10.100.0.2\n" /* 18 */
	   "        asn: 65002\n"
	   "        localAsn: 65010\n"
	   "        passive: false\n"
	   "        shutdown: true\n"
	   "        updateSource: 10.100.0.1\n"
	   "        ebgpMultiHop: 2\n"
	   "        password: \"s3cret key\"\n"
	   "        holdTime: 9\n"
	   "        keepaliveTime: 3\n"
	   "        connectTime: 1m\n"
	   "        families: [ipv4-unicast, l2vpn-evpn]\n"
	   "        description: spine1\n"
	   "      - address: \"fd00::2\"\n" /* 31 */
	   "        asn: 4200000000\n"
	   "        ebgpMultiHop: true\n"
	   "        passive: true\n"
	   "        families: [l2vpn-evpn, ipv6-unicast, ipv4-unicast]\n"
	   "      - {address: 192.168.50.2, asn: 65100, ebgpMultiHop: false, "
	   "holdTime: \"1m30s\", allowAsIn: 2}\n"; /* 36 */

static void test_bgp(void)
{
	struct pg_config cfg;
	struct pg_ip ip;

	if (LOAD_OK(bgp_yaml, &cfg) == 0) {
		const struct cfg_bgp *b = &cfg.bgp;
		const struct cfg_bgp_neighbor *n = b->neighbors;

		CHECK(b->enabled);
		CHECK(b->line == 9);
		CHECK(b->asn == 65001);
		CHECK(b->has_router_id);
		CHECK(b->router_id == htonl(0x0a000001));
		CHECK(b->listen_port == 1179);
		CHECK(b->hold_time == 60);
		CHECK(b->keepalive == 15);
		CHECK(b->connect_retry == 10);
		CHECK(!b->graceful_restart);
		CHECK(b->restart_time == 300);
		CHECK(b->n_neighbors == 3);

		CHECK(n[0].line == 18);
		CHECK_STR(ipstr(&n[0].addr), "10.100.0.2");
		CHECK(n[0].asn == 65002);
		CHECK(n[0].local_asn == 65010);
		CHECK(!n[0].passive);
		CHECK(n[0].shutdown);
		CHECK(n[0].update_source.family == AF_INET);
		CHECK_STR(ipstr(&n[0].update_source), "10.100.0.1");
		CHECK(n[0].ttl == 2);
		CHECK_STR(n[0].password, "s3cret key");
		CHECK(n[0].hold_time == 9);
		CHECK(n[0].keepalive == 3);
		CHECK(n[0].connect_retry == 60);
		CHECK(n[0].families == (CFG_BGP_AF_IPV4 | CFG_BGP_AF_EVPN));
		CHECK_STR(n[0].description, "spine1");

		CHECK(n[1].line == 31);
		CHECK_STR(ipstr(&n[1].addr), "fd00::2");
		CHECK(n[1].asn == 4200000000u);
		CHECK(n[1].local_asn == 0);
		CHECK(n[1].passive);
		CHECK(!n[1].shutdown);
		CHECK(n[1].update_source.family == 0);
		CHECK(n[1].ttl == 255);
		CHECK_STR(n[1].password, "");
		CHECK(n[1].hold_time == 60);	 /* bgp level */
		CHECK(n[1].keepalive == 15);	 /* bgp level (explicit) */
		CHECK(n[1].connect_retry == 10); /* bgp level */
		CHECK(n[1].families == (CFG_BGP_AF_IPV4 | CFG_BGP_AF_IPV6 | CFG_BGP_AF_EVPN));
		CHECK_STR(n[1].description, "");

		CHECK(n[2].line == 36);
		CHECK(n[2].ttl == 0);
		CHECK(n[0].allowas_in == 0 && n[1].allowas_in == 0 && n[2].allowas_in == 2);
		CHECK(n[2].hold_time == 90);
		CHECK(n[2].keepalive == 15); /* the explicit bgp-level keepaliveTime */
		CHECK(n[2].families == CFG_BGP_AF_IPV4);
		config_free(&cfg);
		CHECK(cfg.bgp.neighbors == NULL && !cfg.bgp.enabled);
	}

	/* defaults: router ID from vtep, timers, families per address family */
	if (LOAD_OK(BGPHDR "    asn: 65001\n"
			   "    neighbors:\n"
			   "      - {address: 10.100.0.2, asn: 65002}\n"
			   "      - {address: \"fd00::2\", asn: 65001}\n"
			   "      - {address: 10.100.0.3, asn: 65003, holdTime: 30}\n"
			   "      - {address: 10.100.0.4, asn: 65003, holdTime: 0}\n",
		    &cfg) == 0) {
		const struct cfg_bgp *b = &cfg.bgp;
		const struct cfg_bgp_neighbor *n = b->neighbors;

		CHECK(b->enabled);
		CHECK(!b->has_router_id);
		CHECK(b->router_id == cfg.vtep.v4);
		CHECK(b->router_id == htonl(0x0a640001)); /* 10.100.0.1 */
		CHECK(b->listen_port == 179);
		CHECK(b->hold_time == 90);
		CHECK(b->keepalive == 30);
		CHECK(b->connect_retry == 5);
		CHECK(b->graceful_restart);
		CHECK(b->restart_time == 120);
		CHECK(b->n_neighbors == 4);
		CHECK(n[0].families == CFG_BGP_AF_IPV4);
		CHECK(n[1].families == CFG_BGP_AF_IPV6);
		for (unsigned i = 0; i < 2; i++) {
			CHECK(n[i].local_asn == 0);
			CHECK(!n[i].passive && !n[i].shutdown);
			CHECK(n[i].update_source.family == 0);
			CHECK(n[i].ttl == 0);
			CHECK(n[i].password[0] == '\0' && n[i].description[0] == '\0');
			CHECK(n[i].hold_time == 90 && n[i].keepalive == 30 &&
			      n[i].connect_retry == 5);
		}
		CHECK(n[2].hold_time == 30 && n[2].keepalive == 10); /* its own holdTime / 3 */
		CHECK(n[3].hold_time == 0 && n[3].keepalive == 0);
		config_free(&cfg);
	}

	/* no vtep: the first IPv4 address of a default-VRF port, else of any port */
	if (LOAD_OK(HDR "  vrfs: [{name: red}]\n"
			"  ports:\n"
			"    - {name: a, device: eth0, vrf: red, addresses: [192.168.1.1/24]}\n"
			"    - {name: b, device: eth1, addresses: [\"fd00::1/64\", 10.1.1.1/24]}\n"
			"  bgp: {asn: 65001, holdTime: 0, keepaliveTime: 100}\n",
		    &cfg) == 0) {
		CHECK(parse_ip("10.1.1.1", &ip) == 0 && cfg.bgp.router_id == ip.v4);
		CHECK(cfg.bgp.hold_time == 0 && cfg.bgp.keepalive == 100);
		CHECK(cfg.bgp.n_neighbors == 0 && cfg.bgp.neighbors == NULL);
		config_free(&cfg);
	}
	if (LOAD_OK(HDR "  vrfs: [{name: red}]\n"
			"  ports:\n"
			"    - {name: a, device: eth0, vrf: red, addresses: [192.168.1.1/24]}\n"
			"    - {name: b, device: eth1, addresses: [\"fd00::1/64\"]}\n"
			"  bgp:\n"
			"    asn: 65001\n"
			"    holdTime: 3\n"
			"    listenPort: 0\n",
		    &cfg) == 0) {
		CHECK(parse_ip("192.168.1.1", &ip) == 0 && cfg.bgp.router_id == ip.v4);
		CHECK(cfg.bgp.hold_time == 3 && cfg.bgp.keepalive == 1);
		CHECK(cfg.bgp.listen_port == 0);
		config_free(&cfg);
	}
	/* no bgp key: disabled */
	if (LOAD_OK(PORT0, &cfg) == 0) {
		CHECK(!cfg.bgp.enabled && cfg.bgp.n_neighbors == 0 && cfg.bgp.neighbors == NULL);
		config_free(&cfg);
	}
	/* durations as OpenPERouter writes them, and the limits of each timer */
	if (LOAD_OK(BGPHDR "    {asn: 4294967295, holdTime: 65535, keepaliveTime: 1h,\n"
			   "     connectTime: 65535, restartTime: 4095}\n",
		    &cfg) == 0) {
		CHECK(cfg.bgp.asn == 4294967295u);
		CHECK(cfg.bgp.hold_time == 65535 && cfg.bgp.keepalive == 3600);
		CHECK(cfg.bgp.connect_retry == 65535 && cfg.bgp.restart_time == 4095);
		config_free(&cfg);
	}
	/* at most CFG_BGP_MAX_NEIGHBORS: exactly that many load, one more does not */
	{
		size_t cap = 64 * (CFG_BGP_MAX_NEIGHBORS + 1) + 512;
		char *y = malloc(cap);
		size_t o = (size_t)snprintf(y, cap, "%s    asn: 65001\n    neighbors:\n", BGPHDR);
		for (unsigned i = 0; i < CFG_BGP_MAX_NEIGHBORS; i++)
			o += (size_t)snprintf(y + o, cap - o,
					      "      - {address: 10.1.%u.%u, asn: 65002}\n",
					      i / 250, i % 250 + 1);
		if (LOAD_OK(y, &cfg) == 0) {
			CHECK(cfg.bgp.n_neighbors == CFG_BGP_MAX_NEIGHBORS);
			config_free(&cfg);
		}
		snprintf(y + o, cap - o, "      - {address: 10.2.0.1, asn: 65002}\n");
		EXPECT_ERR(y, "t.yaml:11:7: spec.bgp.neighbors: 1025 neighbors configured, at most "
			      "1024 allowed");
		free(y);
	}
	/* truncations of the example never crash and always say something */
	for (size_t i = 0, len = strlen(bgp_yaml); i <= len; i++) {
		char *buf = strndup(bgp_yaml, i), err[256] = "";
		int rc = config_load_string("t.yaml", buf, &cfg, err, sizeof(err));

		CHECK(rc == 0 || (rc == -EINVAL && strncmp(err, "t.yaml:", 7) == 0));
		config_free(&cfg);
		free(buf);
	}
}

static void test_bgp_errors(void)
{
#define B  BGPHDR "    asn: 65001\n"			     /* next line 10 */
#define BN B "    neighbors:\n      - address: 10.100.0.2\n" /* neighbor keys from line 12 */
	/* the bgp mapping */
	EXPECT_ERR(BGPHDR "    routerId: 10.0.0.1\n",
		   "t.yaml:9:5: spec.bgp: missing required key 'asn'");
	EXPECT_ERR(HDR "  ports: [{name: p, device: eth0}]\n  bgp:\n",
		   "t.yaml:5:7: spec.bgp: missing required key 'asn'");
	EXPECT_ERR(BGPHDR "    asn: 0\n",
		   "t.yaml:9:10: spec.bgp.asn: 0 is out of range (allowed: 1..4294967295)");
	EXPECT_ERR(
	    BGPHDR "    asn: 4294967296\n",
	    "t.yaml:9:10: spec.bgp.asn: 4294967296 is out of range (allowed: 1..4294967295)");
	EXPECT_ERR(BGPHDR "    asn: 99999999999999999999999\n",
		   "t.yaml:9:10: spec.bgp.asn: '99999999999999999999999' is out of range (allowed: "
		   "1..4294967295)");
	EXPECT_ERR(BGPHDR "    asn: 65000.100\n",
		   "t.yaml:9:10: spec.bgp.asn: expected an integer 1..4294967295, got '65000.100'");
	EXPECT_ERR(BGPHDR "    asn: 23456\n",
		   "t.yaml:9:10: spec.bgp.asn: 23456 is AS_TRANS (RFC 6793)",
		   "allowed: 1..4294967295 except 23456");
	EXPECT_ERR(B "    routerId: 10.0.0\n",
		   "t.yaml:10:15: spec.bgp.routerId: expected an IPv4 address, got '10.0.0'");
	EXPECT_ERR(B "    routerId: \"fd00::1\"\n",
		   "t.yaml:10:15: spec.bgp.routerId: expected an IPv4 address, got IPv6 address "
		   "'fd00::1'");
	EXPECT_ERR(B "    routerId: 0.0.0.0\n",
		   "t.yaml:10:15: spec.bgp.routerId: 0.0.0.0 is not a valid BGP identifier "
		   "(allowed: a non-zero IPv4 address)");
	EXPECT_ERR(HDR "  ports: [{name: p, device: eth0, addresses: [\"fd00::1/64\"]}]\n"
		       "  bgp: {asn: 65001}\n",
		   "t.yaml:5:8: spec.bgp: missing routerId: there is no default (spec.vtep is not "
		   "set and no port has an IPv4 address)");
	EXPECT_ERR(B "    listenPort: 65536\n",
		   "t.yaml:10:17: spec.bgp.listenPort: 65536 is out of range (allowed: 0..65535)");
	EXPECT_ERR(B "    holdTime: 2\n",
		   "t.yaml:10:15: spec.bgp.holdTime: 2 is out of range (allowed: 0 or 3..65535 "
		   "seconds)");
	EXPECT_ERR(B "    holdTime: 1\n",
		   "t.yaml:10:15: spec.bgp.holdTime: 1 is out of range (allowed: 0 or 3..65535 "
		   "seconds)");
	EXPECT_ERR(
	    B "    holdTime: 2s\n",
	    "t.yaml:10:15: spec.bgp.holdTime: '2s' is 2 seconds, out of range (allowed: 0 or "
	    "3..65535 seconds)");
	EXPECT_ERR(B "    holdTime: 65536\n",
		   "t.yaml:10:15: spec.bgp.holdTime: 65536 is out of range (allowed: 0 or 3..65535 "
		   "seconds)");
	EXPECT_ERR(
	    B "    holdTime: 500ms\n",
	    "t.yaml:10:15: spec.bgp.holdTime: expected seconds: an integer or a duration like "
	    "\"90s\" or \"1m30s\" (units h, m, s), got '500ms'");
	EXPECT_ERR(B "    holdTime: 30s1m\n",
		   "t.yaml:10:15: spec.bgp.holdTime: expected seconds: an integer or a duration");
	EXPECT_ERR(B "    holdTime: -3\n", "t.yaml:10:15: spec.bgp.holdTime: expected seconds");
	EXPECT_ERR(B "    holdTime: 30\n    keepaliveTime: 31\n",
		   "t.yaml:11:20: spec.bgp.keepaliveTime: 31 is greater than holdTime 30 (allowed: "
		   "1..holdTime");
	EXPECT_ERR(B "    keepaliveTime: 91\n",
		   "t.yaml:10:20: spec.bgp.keepaliveTime: 91 is greater than holdTime 90");
	EXPECT_ERR(B "    keepaliveTime: 0\n",
		   "t.yaml:10:20: spec.bgp.keepaliveTime: 0 is out of range (allowed: 1..65535 "
		   "seconds)");
	EXPECT_ERR(B "    connectTime: 0\n",
		   "t.yaml:10:18: spec.bgp.connectTime: 0 is out of range (allowed: 1..65535 "
		   "seconds)");
	EXPECT_ERR(B "    restartTime: 4096\n",
		   "t.yaml:10:18: spec.bgp.restartTime: 4096 is out of range (allowed: 1..4095 "
		   "seconds)");
	EXPECT_ERR(B "    gracefulRestart: yes\n",
		   "t.yaml:10:22: spec.bgp.gracefulRestart: expected true or false, got 'yes'");
	EXPECT_ERR(
	    B "    neighbour: []\n",
	    "t.yaml:10:5: spec.bgp: unknown key 'neighbour' (allowed: asn, routerId, "
	    "listenPort, holdTime, keepaliveTime, connectTime, gracefulRestart, restartTime, "
	    "neighbors, networks, maximumPaths, prefixSets, communitySets, policies, "
	    "aggregates, clusterId)");
	/* networks */
	EXPECT_ERR(B "    networks: [10.1.0.1/16]\n",
		   "t.yaml:10:16: spec.bgp.networks[0]: '10.1.0.1/16' has host bits set (did you "
		   "mean 10.1.0.0/16?)");
	EXPECT_ERR(B "    networks: [10.1.0.0/16, \"fd00::/64\", 10.1.0.0/16]\n",
		   "t.yaml:10:42: spec.bgp.networks[2]: '10.1.0.0/16' is listed twice (first at "
		   "index 0)");
	EXPECT_ERR(B "    networks: 10.1.0.0/16\n",
		   "t.yaml:10:15: spec.bgp.networks: expected a sequence");
	{
		struct pg_config cfg;
		if (LOAD_OK(B "    networks: [10.1.0.0/16, \"fd00::/64\", 10.100.0.1/32]\n",
			    &cfg) == 0) {
			char b0[PG_PREFIX_FMT_LEN], b1[PG_PREFIX_FMT_LEN], b2[PG_PREFIX_FMT_LEN];
			CHECK(cfg.bgp.n_networks == 3);
			CHECK_STR(fmt_prefix(&cfg.bgp.networks[0], b0), "10.1.0.0/16");
			CHECK_STR(fmt_prefix(&cfg.bgp.networks[1], b1), "fd00::/64");
			CHECK_STR(fmt_prefix(&cfg.bgp.networks[2], b2), "10.100.0.1/32");
			config_free(&cfg);
		}
	}
	/* aggregates */
	EXPECT_ERR(
	    B "    aggregates: [{prefix: 10.244.0.1/16}]\n",
	    "t.yaml:10:27: spec.bgp.aggregates[0].prefix: '10.244.0.1/16' has host bits set");
	EXPECT_ERR(B "    aggregates: [{prefix: 10.244.0.0/16, vrf: blue}]\n",
		   "t.yaml:10:47: spec.bgp.aggregates[0].vrf: unknown VRF 'blue'");
	EXPECT_ERR(B "    aggregates: [{prefix: 10.244.0.0/16, summaryOnly: 1}]\n",
		   "t.yaml:10:55: spec.bgp.aggregates[0].summaryOnly: expected true or false");
	EXPECT_ERR(B "    aggregates: [{prefix: 0.0.0.0/0}]\n",
		   "t.yaml:10:27: spec.bgp.aggregates[0].prefix: '0.0.0.0/0' covers everything");
	EXPECT_ERR(B "    aggregates: [{summaryOnly: true}]\n",
		   "t.yaml:10:18: spec.bgp.aggregates[0]: missing required key 'prefix'");
	EXPECT_ERR(B "    aggregates: [{prefix: 10.244.0.0/16, vfr: x}]\n",
		   "t.yaml:10:42: spec.bgp.aggregates[0]: unknown key 'vfr' (allowed: prefix, vrf, "
		   "summaryOnly)");
	EXPECT_ERR(
	    B "    aggregates:\n      - {prefix: 10.244.0.0/16}\n"
	      "      - {prefix: \"fd00::/48\"}\n      - {prefix: 10.244.0.0/16, vrf: default}\n",
	    "t.yaml:13:18: spec.bgp.aggregates[2].prefix: '10.244.0.0/16' is listed twice for "
	    "VRF 'default' (first at line 11)");
	EXPECT_ERR(B "    asn: 65002\n",
		   "t.yaml:10:5: spec.bgp: duplicate key 'asn' (first at line 9)");
	EXPECT_ERR(B "    neighbors: {address: 10.100.0.2, asn: 65002}\n",
		   "t.yaml:10:16: spec.bgp.neighbors: expected a sequence, got a mapping");
	EXPECT_ERR(B "    neighbors: 10.100.0.2\n",
		   "t.yaml:10:16: spec.bgp.neighbors: expected a sequence, got '10.100.0.2'");
	EXPECT_ERR(HDR "  ports: [{name: p, device: eth0}]\n  bgp: [asn, 65001]\n",
		   "t.yaml:5:8: spec.bgp: expected a mapping, got a sequence");

	/* neighbors */
	EXPECT_ERR(B "    neighbors:\n      -\n",
		   "t.yaml:11:8: spec.bgp.neighbors[0]: expected a mapping with address and asn, "
		   "got null");
	EXPECT_ERR(B "    neighbors:\n      - {asn: 65002}\n",
		   "t.yaml:11:9: spec.bgp.neighbors[0]: missing required key 'address'");
	EXPECT_ERR(BN "        passive: true\n",
		   "t.yaml:11:9: spec.bgp.neighbors[0]: missing required key 'asn'");
	EXPECT_ERR(BN "        asn: 0\n",
		   "t.yaml:12:14: spec.bgp.neighbors[0].asn: 0 is out of range (allowed: "
		   "1..4294967295)");
	EXPECT_ERR(BN "        asn: 4294967296\n",
		   "t.yaml:12:14: spec.bgp.neighbors[0].asn: 4294967296 is out of range");
	EXPECT_ERR(BN "        asn: 65002\n        localAsn: 4294967296\n",
		   "t.yaml:13:19: spec.bgp.neighbors[0].localAsn: 4294967296 is out of range "
		   "(allowed: 1..4294967295)");
	EXPECT_ERR(B "    neighbors:\n      - {address: 10.100.0, asn: 65002}\n",
		   "t.yaml:11:19: spec.bgp.neighbors[0].address: expected an IP address, got "
		   "'10.100.0'");
	EXPECT_ERR(
	    B "    neighbors:\n      - {address: 10.100.0.1, asn: 65002}\n",
	    "t.yaml:11:19: spec.bgp.neighbors[0].address: '10.100.0.1' is our own address on "
	    "port 'uplink' (line 6)");
	EXPECT_ERR(
	    B "    neighbors:\n      - {address: 224.0.0.5, asn: 65002}\n",
	    "t.yaml:11:19: spec.bgp.neighbors[0].address: '224.0.0.5' is a multicast address "
	    "(allowed: a unicast IPv4 or IPv6 address)");
	EXPECT_ERR(
	    B "    neighbors:\n      - {address: \"fe80::1\", asn: 65002}\n",
	    "t.yaml:11:19: spec.bgp.neighbors[0].address: 'fe80::1' is a link-local address");
	EXPECT_ERR(B "    neighbors:\n"
		     "      - {address: 10.100.0.2, asn: 65002}\n"
		     "      - {address: 10.100.0.3, asn: 65002}\n"
		     "      - {address: 10.100.0.2, asn: 65003}\n",
		   "t.yaml:13:19: spec.bgp.neighbors[2].address: duplicate neighbor '10.100.0.2' "
		   "(first at line 11)");
	EXPECT_ERR(B "    neighbors:\n"
		     "      - {address: \"fd00::2\", asn: 65002}\n"
		     "      - {address: \"fd00:0::2\", asn: 65002}\n",
		   "t.yaml:12:19: spec.bgp.neighbors[1].address: duplicate neighbor 'fd00:0::2' "
		   "(first at line 11)");
#define BA BN "        asn: 65002\n" /* next line 13 */
	EXPECT_ERR(BA "        updateSource: \"fd00::1\"\n",
		   "t.yaml:13:23: spec.bgp.neighbors[0].updateSource: 'fd00::1' is IPv6 but the "
		   "neighbor address 10.100.0.2 is IPv4 (allowed: an IPv4 address of a port)");
	EXPECT_ERR(
	    BA "        updateSource: 10.100.0.9\n",
	    "t.yaml:13:23: spec.bgp.neighbors[0].updateSource: '10.100.0.9' is not an address "
	    "of any port");
	EXPECT_ERR(BA "        updateSource: 10.100.0.1/24\n",
		   "t.yaml:13:23: spec.bgp.neighbors[0].updateSource: expected an IP address, got "
		   "'10.100.0.1/24'");
	EXPECT_ERR(BA "        ebgpMultiHop: 0\n",
		   "t.yaml:13:23: spec.bgp.neighbors[0].ebgpMultiHop: 0 is out of range (allowed: "
		   "true, false or an integer 1..255 (the TTL))");
	EXPECT_ERR(
	    BA "        ebgpMultiHop: 256\n",
	    "t.yaml:13:23: spec.bgp.neighbors[0].ebgpMultiHop: 256 is out of range (allowed: "
	    "true, false or an integer 1..255 (the TTL))");
	EXPECT_ERR(BA "        ebgpMultiHop: yes\n",
		   "t.yaml:13:23: spec.bgp.neighbors[0].ebgpMultiHop: expected true, false or an "
		   "integer 1..255 (the TTL), got 'yes'");
	EXPECT_ERR(BA "        allowAsIn: 11\n",
		   "t.yaml:13:20: spec.bgp.neighbors[0].allowAsIn: 11 is out of range (allowed: "
		   "0..10)");
	EXPECT_ERR(BA "        ebgpMultiHop:\n",
		   "t.yaml:13:22: spec.bgp.neighbors[0].ebgpMultiHop: expected true, false or an "
		   "integer 1..255 (the TTL), got null");
	{
		char pw[81], y[1024];
		memset(pw, 'k', 80);
		pw[80] = '\0';
		snprintf(y, sizeof(y), BA "        password: \"%s\"\n", pw);
		EXPECT_ERR(
		    y, "t.yaml:13:19: spec.bgp.neighbors[0].password: is too long: 80 characters "
		       "(allowed: 1..79; the TCP MD5 key limit is 80 bytes)");
		/* the key is never echoed */
		struct pg_config cfg;
		char err[512];
		CHECK(config_load_string("t.yaml", y, &cfg, err, sizeof(err)) == -EINVAL);
		CHECK(strstr(err, "kkkk") == NULL);
		config_free(&cfg);
		pw[79] = '\0'; /* 79 is fine */
		snprintf(y, sizeof(y), BA "        password: \"%s\"\n", pw);
		if (LOAD_OK(y, &cfg) == 0) {
			CHECK(strlen(cfg.bgp.neighbors[0].password) == 79);
			config_free(&cfg);
		}
	}
	EXPECT_ERR(BA "        password: \"\"\n",
		   "t.yaml:13:19: spec.bgp.neighbors[0].password: must not be empty");
	EXPECT_ERR(BA "        holdTime: 2\n",
		   "t.yaml:13:19: spec.bgp.neighbors[0].holdTime: 2 is out of range (allowed: 0 or "
		   "3..65535 seconds)");
	EXPECT_ERR(BA "        holdTime: 30\n        keepaliveTime: 31\n",
		   "t.yaml:14:24: spec.bgp.neighbors[0].keepaliveTime: 31 is greater than holdTime "
		   "30");
	EXPECT_ERR(BGPHDR "    asn: 65001\n"
			  "    keepaliveTime: 20\n"
			  "    neighbors:\n"
			  "      - {address: 10.100.0.2, asn: 65002, holdTime: 10}\n",
		   "t.yaml:12:53: spec.bgp.neighbors[0].holdTime: 10 is less than "
		   "spec.bgp.keepaliveTime 20 (set keepaliveTime here too");
	EXPECT_ERR(BA "        connectTime: 0\n",
		   "t.yaml:13:22: spec.bgp.neighbors[0].connectTime: 0 is out of range (allowed: "
		   "1..65535 seconds)");
	EXPECT_ERR(
	    BA "        families: [ipv4-unicast, evpn]\n",
	    "t.yaml:13:34: spec.bgp.neighbors[0].families[1]: unknown value 'evpn' (allowed: "
	    "ipv4-unicast, ipv6-unicast, l2vpn-evpn)");
	EXPECT_ERR(BA "        families: [l2vpn-evpn, ipv4-unicast, l2vpn-evpn]\n",
		   "t.yaml:13:46: spec.bgp.neighbors[0].families[2]: duplicate family 'l2vpn-evpn' "
		   "(also spec.bgp.neighbors[0].families[0])");
	EXPECT_ERR(BA "        families: []\n",
		   "t.yaml:13:19: spec.bgp.neighbors[0].families: at least one family is required "
		   "(allowed: ipv4-unicast, ipv6-unicast, l2vpn-evpn)");
	EXPECT_ERR(BA "        families: ipv4-unicast\n",
		   "t.yaml:13:19: spec.bgp.neighbors[0].families: expected a sequence, got "
		   "'ipv4-unicast'");
	EXPECT_ERR(BA "        description: "
		      "\"0123456789012345678901234567890123456789012345678901234567890123\"\n",
		   "t.yaml:13:22: spec.bgp.neighbors[0].description: '0123456789",
		   "is too long (at most 63 characters)");
	EXPECT_ERR(
	    BA "        passive: maybe\n",
	    "t.yaml:13:18: spec.bgp.neighbors[0].passive: expected true or false, got 'maybe'");
	EXPECT_ERR(BA "        shutdown: 1\n",
		   "t.yaml:13:19: spec.bgp.neighbors[0].shutdown: expected true or false, got '1'");
	EXPECT_ERR(BGPHDR "    asn: 65001\n"
			  "    listenPort: 0\n"
			  "    neighbors:\n"
			  "      - {address: 10.100.0.2, asn: 65002, passive: true}\n",
		   "t.yaml:12:52: spec.bgp.neighbors[0].passive: a passive neighbor never comes up "
		   "with spec.bgp.listenPort 0");
	EXPECT_ERR(BA "        remoteAs: 65002\n",
		   "t.yaml:13:9: spec.bgp.neighbors[0]: unknown key 'remoteAs' (allowed: address, "
		   "asn, localAsn, passive, shutdown, updateSource, ebgpMultiHop, password, "
		   "holdTime, keepaliveTime, connectTime, families, description, type, port, "
		   "allowAsIn, importPolicy, exportPolicy, defaultOriginate, asOverride)");
#undef BA
#undef BN
#undef B
}

/* conf/example-bgp.yaml, next to the example given on the command line, must load. */
static void test_bgp_example(const char *example)
{
	struct pg_config cfg;
	char path[512], err[512];
	const char *slash = example ? strrchr(example, '/') : NULL;
	int rc;

	if (!example)
		return;
	snprintf(path, sizeof(path), "%.*s%sexample-bgp.yaml", slash ? (int)(slash - example) : 0,
		 example, slash ? "/" : "");
	rc = config_load(path, &cfg, err, sizeof(err));
	CHECK(rc == 0);
	if (rc) {
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, err);
		return;
	}
	CHECK(cfg.bgp.enabled);
	CHECK(cfg.bgp.n_neighbors == 2);
	if (cfg.bgp.n_neighbors == 2) {
		CHECK(cfg.bgp.neighbors[0].families & CFG_BGP_AF_EVPN);
		CHECK(cfg.bgp.neighbors[1].passive);
	}
	config_free(&cfg);
}

/* Files: config_load reads them; open errors are reported with errno. */
static void test_files(const char *example)
{
	char path[] = "/tmp/test_config_XXXXXX";
	struct pg_config cfg;
	char err[512];
	int fd = mkstemp(path);
	const char *y = "kind: Peregrine\nspec:\n  ports: [{name: p, device: eth0, mtu: 0}]\n";

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, y, strlen(y)) == (ssize_t)strlen(y));
	close(fd);
	CHECK(config_load(path, &cfg, err, sizeof(err)) == -EINVAL);
	char want[256];
	snprintf(want, sizeof(want), "%s:3:40: spec.ports[0].mtu: 0 is out of range", path);
	CHECK(strncmp(err, want, strlen(want)) == 0);
	config_free(&cfg);
	unlink(path);

	CHECK(config_load("/nonexistent/peregrine.yaml", &cfg, err, sizeof(err)) == -ENOENT);
	CHECK(strstr(err, "/nonexistent/peregrine.yaml: cannot open: ") == err);
	config_free(&cfg);
	CHECK(config_load("/tmp", &cfg, err, sizeof(err)) == -EISDIR);
	config_free(&cfg);

	if (example) {
		int rc = config_load(example, &cfg, err, sizeof(err));
		CHECK(rc == 0);
		if (rc)
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, err);
		else
			CHECK_STR(cfg.file, example);
		config_free(&cfg);
	}
}

/* Truncations and corruptions of a good config never crash and always say something. */
static void test_garbage(void)
{
	struct pg_config cfg;
	char err[256];
	size_t n = strlen(full_yaml);
	char *buf = malloc(n + 1);
	unsigned seed = 12345;

	for (size_t i = 0; i <= n; i++) {
		memcpy(buf, full_yaml, i);
		buf[i] = '\0';
		err[0] = '\0';
		int rc = config_load_string("t.yaml", buf, &cfg, err, sizeof(err));
		CHECK(rc == 0 || rc == -EINVAL);
		CHECK(rc == 0 || strncmp(err, "t.yaml:", 7) == 0);
		CHECK(strchr(err, '\n') == NULL);
		config_free(&cfg);
	}
	static const char junk[] = "{}[]:,-&*!|>'\"%@` #\n\t\\?0aZ\x01\xff";
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(buf, full_yaml, n + 1);
		int edits = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 4;
		for (int e = 0; e < edits; e++) {
			seed = seed * 1103515245 + 12345;
			size_t at = (seed >> 8) % n;
			seed = seed * 1103515245 + 12345;
			buf[at] = junk[(seed >> 8) % (sizeof(junk) - 1)];
		}
		err[0] = '\0';
		int rc = config_load_string("t.yaml", buf, &cfg, err, sizeof(err));
		CHECK(rc == 0 || rc == -EINVAL);
		CHECK(rc == 0 || strncmp(err, "t.yaml:", 7) == 0);
		config_free(&cfg);
	}
	/* a tiny error buffer is fine, so is none */
	CHECK(config_load_string("t.yaml", "x", &cfg, err, 4) == -EINVAL);
	CHECK(strcmp(err, "t.y") == 0);
	CHECK(config_load_string("t.yaml", "x", &cfg, NULL, 0) == -EINVAL);
	config_free(&cfg);
	free(buf);
}

#define L2BASE                                                                               \
	PORT0 "    - {name: h1, device: eth1}\n"				    /* 8 */  \
	      "    - {name: h2, device: eth2}\n"				    /* 9 */  \
	      "    - {name: r, device: eth3, vrf: red, addresses: [10.9.0.1/24]}\n" /* 10 */ \
	      "  vtep: 10.100.0.1\n"						    /* 11 */ \
	      "  vrfs: [{name: red}]\n"						    /* 12 */ \
	      "  l3vnis: [{vni: 5000, vrf: red}]\n"				    /* 13 */

static void test_l2vni(void)
{
	struct pg_config cfg;

	if (LOAD_OK(L2BASE "  l2vnis:\n"
			   "    - {vni: 100, ports: [h1, h2], macAgeing: 60, importRTs: "
			   "[\"65000:100\"]}\n"
			   "    - {vni: 200, gatewayMac: \"02:00:00:00:00:c8\"}\n",
		    &cfg) == 0) {
		CHECK(cfg.n_l2vnis == 2);
		CHECK(cfg.l2vnis[0].vni == 100);
		CHECK(cfg.l2vnis[0].n_ports == 2);
		CHECK(cfg.l2vnis[0].ports[0] == 1 && cfg.l2vnis[0].ports[1] == 2);
		CHECK(cfg.ports[1].l2vni == 0 && cfg.ports[2].l2vni == 0 &&
		      cfg.ports[0].l2vni == -1);
		CHECK(cfg.l2vnis[0].mac_ageing == 60);
		CHECK(cfg.l2vnis[0].n_import_rts == 1 && cfg.l2vnis[0].n_export_rts == 0);
		CHECK(cfg.l2vnis[0].udp_port == 4789);
		/* OpenPERouter's default gateway MAC: 00:f3 then VNI + 1 */
		CHECK_STR(macstr(&cfg.l2vnis[0].gw_mac), "00:f3:00:00:00:65");
		CHECK(cfg.l2vnis[1].mac_ageing == 300);
		CHECK(cfg.l2vnis[1].n_ports == 0);
		CHECK_STR(macstr(&cfg.l2vnis[1].gw_mac), "02:00:00:00:00:c8");
		config_free(&cfg);
	}
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 5000}]\n", "t.yaml:14:", "l2vnis[0].vni",
		   "VNI 5000 is already an L3VNI (line 13)");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1}, {vni: 1}]\n", "t.yaml:14:", "l2vnis[1].vni",
		   "duplicate VNI 1");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 0}]\n", "t.yaml:14:", "l2vnis[0].vni");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, ports: [nope]}]\n",
		   "t.yaml:14:", "l2vnis[0].ports[0]", "unknown port");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, ports: [h1]}, {vni: 2, ports: [h1]}]\n",
		   "t.yaml:14:", "l2vnis[1].ports[0]", "already in L2VNI 1");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, ports: [uplink]}]\n",
		   "t.yaml:14:", "l2vnis[0].ports[0]", "has addresses");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, ports: [r]}]\n", "t.yaml:14:", "l2vnis[0].ports[0]");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, vrf: red}]\n", "t.yaml:14:", "l2vnis[0].vrf",
		   "needs gatewayIPs");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, gatewayIPs: [10.20.0.1/24]}]\n",
		   "t.yaml:14:", "l2vnis[0].gatewayIPs", "set vrf");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, vrf: red, gatewayIPs: [10.9.0.254/16]}]\n",
		   "t.yaml:14:", "l2vnis[0]",
		   "gateway 10.9.0.254/16 overlaps 10.9.0.1/24 of port 'r'");
	EXPECT_ERR(L2BASE
		   "  l2vnis: [{vni: 1, vrf: red, gatewayIPs: [10.20.0.1/24, 10.21.0.1/24]}]\n",
		   "t.yaml:14:", "l2vnis[0].gatewayIPs[1]", "two IPv4 gateway addresses");
	EXPECT_ERR(
	    PORT0 "    - {name: irb7, device: eth1}\n  vtep: 10.100.0.1\n  vrfs: [{name: red}]\n"
		  "  l2vnis: [{vni: 7, vrf: red, gatewayIPs: [10.20.0.1/24]}]\n",
	    "t.yaml:11:", "l2vnis[0]", "port 'irb7' (line 8) has the name of this L2VNI's gateway");
	if (LOAD_OK(L2BASE "  l2vnis:\n    - {vni: 100, ports: [h1], vrf: red, gatewayIPs: "
			   "[10.20.0.1/24, \"fd20::1/64\"]}\n",
		    &cfg) == 0) {
		CHECK(cfg.n_ports == 5);
		const struct cfg_port *g = &cfg.ports[4];
		CHECK(cfg.l2vnis[0].irb_port == 4);
		CHECK_STR(g->name, "irb100");
		CHECK_STR(g->tap, "pg-irb100");
		CHECK(g->irb && g->l2vni == 0 && g->vrf == 1 && g->n_addrs == 2);
		CHECK(g->has_mac);
		CHECK_STR(macstr(&g->mac), "00:f3:00:00:00:65");
		CHECK(cfg.ports[1].l2vni == 0 && !cfg.ports[1].irb);
		config_free(&cfg);
	}
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, vxlanPort: 4790}]\n",
		   "t.yaml:14:", "l2vnis[0].vxlanPort", "4790 differs from 4789");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, macAgeing: -1}]\n",
		   "t.yaml:14:", "l2vnis[0].macAgeing");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, bogus: 1}]\n", "t.yaml:14:", "bogus");
	EXPECT_ERR(PORT0 "  l2vnis: [{vni: 1}]\n", "t.yaml:8:", "needs spec.vtep");

	/* static flood list and MACs */
	if (LOAD_OK(L2BASE "  l2vnis:\n    - vni: 100\n      ports: [h1, h2]\n"
			   "      floodVteps: [10.100.0.7, 10.100.0.8]\n"
			   "      staticMacs:\n        - {mac: \"02:00:00:00:00:01\", port: h2}\n"
			   "        - {mac: \"02:00:00:00:00:02\", vtep: 10.100.0.7}\n",
		    &cfg) == 0) {
		const struct cfg_l2vni *l = &cfg.l2vnis[0];
		CHECK(l->n_flood == 2 && l->flood[1] == htonl(0x0a640008));
		CHECK(l->n_macs == 2);
		CHECK(l->macs[0].port == 2 && l->macs[1].port == -1);
		CHECK(l->macs[1].vtep == htonl(0x0a640007));
		CHECK(l->macs[0].line == 19);
		config_free(&cfg);
	}
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, floodVteps: [10.1.1.1, 10.1.1.1]}]\n",
		   "t.yaml:14:", "l2vnis[0].floodVteps[1]", "duplicate VTEP");
	EXPECT_ERR(L2BASE "  l2vnis: [{vni: 1, floodVteps: [\"fd00::1\"]}]\n",
		   "t.yaml:14:", "l2vnis[0].floodVteps[0]", "expected an IPv4 address");
	EXPECT_ERR(
	    L2BASE
	    "  l2vnis: [{vni: 1, ports: [h1], staticMacs: [{mac: \"02:00:00:00:00:01\"}]}]\n",
	    "t.yaml:14:", "l2vnis[0].staticMacs[0]", "exactly one of port and vtep");
	EXPECT_ERR(L2BASE
		   "  l2vnis: [{vni: 1, ports: [h1], staticMacs: [{mac: \"02:00:00:00:00:01\", "
		   "port: h1, vtep: 1.1.1.1}]}]\n",
		   "t.yaml:14:", "l2vnis[0].staticMacs[0]", "exactly one of port and vtep");
	EXPECT_ERR(L2BASE
		   "  l2vnis: [{vni: 1, ports: [h1], staticMacs: [{mac: \"02:00:00:00:00:01\", "
		   "port: h2}]}]\n",
		   "t.yaml:14:", "l2vnis[0].staticMacs[0].port", "not in this L2VNI's ports");
	EXPECT_ERR(L2BASE
		   "  l2vnis: [{vni: 1, ports: [h1], staticMacs: [{mac: \"01:00:5e:00:00:01\", "
		   "port: h1}]}]\n",
		   "t.yaml:14:", "l2vnis[0].staticMacs[0].mac", "multicast MAC");
	EXPECT_ERR(L2BASE
		   "  l2vnis: [{vni: 1, ports: [h1], staticMacs: [{mac: \"02:00:00:00:00:01\", "
		   "port: h1}, {mac: \"02:00:00:00:00:01\", vtep: 1.1.1.1}]}]\n",
		   "t.yaml:14:", "l2vnis[0].staticMacs[1].mac", "duplicate MAC");
}

/* ------------------------------------------------------------------------------------------
 * config_print: what it prints loads back to the same configuration and prints the same again.
 */

/* cfg printed to a string (free it). */
static char *print_cfg(const struct pg_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	CHECK(config_print(cfg, f) == 0);
	fclose(f);
	return buf;
}

/* Byte-equal after clearing what is not configuration (source lines, pointers). */
#define SAME_BYTES(T, x, y, clear)                 \
	({                                         \
		T a_, b_;                          \
		memcpy(&a_, (x), sizeof(a_));      \
		memcpy(&b_, (y), sizeof(b_));      \
		clear(&a_);                        \
		clear(&b_);                        \
		memcmp(&a_, &b_, sizeof(a_)) == 0; \
	})

static void clear_port(struct cfg_port *p)
{
	p->line = 0;
}
static void clear_l3vni(struct cfg_l3vni *l)
{
	l->line = 0;
	/* routerMac is printed even when derived: explicit or not, the same MAC */
	if (!l->has_rmac)
		config_default_rmac(l->vni, &l->rmac);
	l->has_rmac = true;
}
static void clear_l2vni(struct cfg_l2vni *l)
{
	l->line = 0;
	l->macs = NULL;
}
static void clear_l2mac(struct cfg_l2mac *m)
{
	m->line = 0;
}
static void clear_tunnel(struct cfg_tunnel *t)
{
	t->line = 0;
}
static void clear_route(struct cfg_route *r)
{
	r->line = 0;
	for (unsigned i = 0; i < PG_ECMP_MAX; i++)
		r->nh[i].line = 0;
}
static void clear_neighbor(struct cfg_neighbor *n)
{
	n->line = 0;
}
static void clear_bgp_neighbor(struct cfg_bgp_neighbor *n)
{
	n->line = 0;
}
static void clear_aggregate(struct cfg_bgp_aggregate *a)
{
	a->line = 0;
}
static void clear_host_session(struct cfg_host_session *h)
{
	h->line = 0;
}
static void clear_top(struct pg_config *c)
{
	memset(c->file, 0, sizeof(c->file));
	c->ports = NULL;
	c->vrfs = NULL;
	c->l3vnis = NULL;
	c->l2vnis = NULL;
	c->cap_l2vnis = 0;
	c->tunnels = NULL;
	c->routes = NULL;
	c->neighbors = NULL;
	c->bgp.line = 0;
	c->bgp.neighbors = NULL;
	c->bgp.networks = NULL;
	c->bgp.aggregates = NULL;
	c->bgp.policies = NULL; /* compared as printed text (round_trip_) */
	c->host_sessions = NULL;
	c->bgp.has_router_id = c->bgp.enabled; /* printed even when derived */
}

/* The same configuration in every field but source lines; names the first difference. */
static const char *config_diff(const struct pg_config *a, const struct pg_config *b)
{
	static char what[64];

	if (!SAME_BYTES(struct pg_config, a, b, clear_top))
		return "spec (scalars, counts, dataplane, exceptionPath, bgp)";
#define EACH(T, n, arr, clear)                                           \
	for (unsigned i = 0; i < a->n; i++)                              \
		if (!SAME_BYTES(T, &a->arr[i], &b->arr[i], clear)) {     \
			snprintf(what, sizeof(what), "%s[%u]", #arr, i); \
			return what;                                     \
		}
	for (unsigned i = 0; i < a->n_vrfs; i++)
		if (strcmp(a->vrfs[i].name, b->vrfs[i].name) != 0)
			return "vrfs";
	EACH(struct cfg_port, n_ports, ports, clear_port);
	EACH(struct cfg_l3vni, n_l3vnis, l3vnis, clear_l3vni);
	EACH(struct cfg_l2vni, n_l2vnis, l2vnis, clear_l2vni);
	for (unsigned v = 0; v < a->n_l2vnis; v++)
		for (unsigned i = 0; i < a->l2vnis[v].n_macs; i++)
			if (!SAME_BYTES(struct cfg_l2mac, &a->l2vnis[v].macs[i],
					&b->l2vnis[v].macs[i], clear_l2mac))
				return "l2vnis[].staticMacs";
	EACH(struct cfg_tunnel, n_tunnels, tunnels, clear_tunnel);
	EACH(struct cfg_route, n_routes, routes, clear_route);
	EACH(struct cfg_neighbor, n_neighbors, neighbors, clear_neighbor);
	EACH(struct cfg_bgp_neighbor, bgp.n_neighbors, bgp.neighbors, clear_bgp_neighbor);
	EACH(struct cfg_host_session, n_host_sessions, host_sessions, clear_host_session);
	EACH(struct cfg_bgp_aggregate, bgp.n_aggregates, bgp.aggregates, clear_aggregate);
	if (a->bgp.n_networks &&
	    memcmp(a->bgp.networks, b->bgp.networks, a->bgp.n_networks * sizeof(*a->bgp.networks)))
		return "bgp.networks";
#undef EACH
	return NULL;
}

/*
 * Print cfg, load the text, print again: both texts must be the same and both configurations
 * equal. Returns the first text (free it) with *out the reloaded configuration, or NULL.
 */
static char *round_trip_(int line, const struct pg_config *cfg, struct pg_config *out)
{
	char err[1024] = "";
	char *t1 = print_cfg(cfg), *t2 = NULL;
	const char *diff;

	checks++;
	if (!t1) {
		fprintf(stderr, "%s:%d: open_memstream failed\n", __FILE__, line);
		failures++;
		return NULL;
	}
	if (config_load_string(cfg->file, t1, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s:%d: the printed configuration does not load: %s\n---\n%s---\n",
			__FILE__, line, err, t1);
		failures++;
		free(t1);
		return NULL;
	}
	t2 = print_cfg(out);
	checks++;
	if (!t2 || strcmp(t1, t2) != 0) {
		fprintf(stderr,
			"%s:%d: printed twice, different:\n--- first\n%s--- second\n%s---\n",
			__FILE__, line, t1, t2 ? t2 : "(none)");
		failures++;
	}
	free(t2);
	checks++;
	if ((diff = config_diff(cfg, out)) != NULL) {
		fprintf(stderr, "%s:%d: reloaded configuration differs in %s:\n%s", __FILE__, line,
			diff, t1);
		failures++;
	}
	return t1;
}
#define ROUND_TRIP(cfg, out) round_trip_(__LINE__, (cfg), (out))

/* Load yaml, round-trip it; returns the printed text (free it) or NULL. */
static char *round_trip_yaml_(int line, const char *yaml, struct pg_config *out)
{
	struct pg_config cfg;
	char *t;

	if (load_ok_(line, yaml, &cfg) != 0)
		return NULL;
	t = round_trip_(line, &cfg, out);
	config_free(&cfg);
	if (!t)
		config_free(out);
	return t;
}
#define ROUND_TRIP_YAML(yaml, out) round_trip_yaml_(__LINE__, (yaml), (out))

/* spec.loopbacks: accepted forms, uses (updateSource, vtep), errors, printed back. */
static void test_loopbacks(void)
{
	struct pg_config cfg;
	char *t;

	if (LOAD_OK(PORT0 "  loopbacks: [10.255.0.1, \"fd00:255::1/128\", 10.255.0.2/32]\n"
			  "  vtep: 10.255.0.2\n"
			  "  bgp:\n    asn: 65001\n    neighbors:\n"
			  "      - {address: 10.100.0.2, asn: 65002, updateSource: 10.255.0.1}\n",
		    &cfg) == 0) {
		CHECK(cfg.n_loopbacks == 3);
		CHECK_STR(ipstr(&cfg.loopbacks[0]), "10.255.0.1");
		CHECK_STR(ipstr(&cfg.loopbacks[1]), "fd00:255::1");
		CHECK(cfg.has_vtep && cfg.bgp.n_neighbors == 1);
		CHECK_STR(ipstr(&cfg.bgp.neighbors[0].update_source), "10.255.0.1");
		t = print_cfg(&cfg);
		CHECK(t && strstr(t, "  loopbacks: [10.255.0.1, \"fd00:255::1\", 10.255.0.2]\n"));
		free(t);
		config_free(&cfg);
	}
	if (LOAD_OK(PORT0, &cfg) == 0) {
		CHECK(cfg.n_loopbacks == 0);
		config_free(&cfg);
	}
	EXPECT_ERR(PORT0 "  loopbacks: [10.255.0.0/24]\n",
		   "t.yaml:8:15: spec.loopbacks[0]: '10.255.0.0/24': a loopback is one address");
	EXPECT_ERR(PORT0 "  loopbacks: [10.100.0.1]\n",
		   "t.yaml:8:15: spec.loopbacks[0]: '10.100.0.1' is already an address of port "
		   "'uplink' (line 5)");
	EXPECT_ERR(PORT0 "  loopbacks: [10.255.0.1, 10.255.0.1/32]\n",
		   "t.yaml:8:27: spec.loopbacks[1]: '10.255.0.1/32' is listed twice");
	EXPECT_ERR(PORT0 "  loopbacks: [127.0.0.2]\n",
		   "t.yaml:8:15: spec.loopbacks[0]: '127.0.0.2' is a loopback address");
	EXPECT_ERR(PORT0 "  loopbacks: [224.0.0.5]\n",
		   "t.yaml:8:15: spec.loopbacks[0]: '224.0.0.5' is a multicast address");
	EXPECT_ERR(PORT0 "  loopbacks: 10.255.0.1\n", "t.yaml:8:14: spec.loopbacks: ");
	EXPECT_ERR(PORT0 "  loopbacks: [10.255.0.1]\n"
			 "  bgp:\n    asn: 65001\n    neighbors:\n"
			 "      - {address: 10.255.0.1, asn: 65002}\n",
		   "t.yaml:12:19: spec.bgp.neighbors[0].address: '10.255.0.1' is our own address "
		   "(spec.loopbacks)");
	EXPECT_ERR(PORT0 "  bgp:\n    asn: 65001\n    neighbors:\n"
			 "      - {address: 10.100.0.2, asn: 65002, updateSource: 10.255.0.1}\n",
		   "t.yaml:11:57: spec.bgp.neighbors[0].updateSource: '10.255.0.1' is not an "
		   "address of any port or loopback");
}

static void test_print(void)
{
	struct pg_config cfg;
	char *t;

	/* every key of test_full */
	char *y1 = replace(full_yaml, "      driver: auto\n", "");
	char *y2 = replace(y1, "        - via: \"fe80::1\"\n", "        - via: 192.168.50.4\n");
	if ((t = ROUND_TRIP_YAML(y2, &cfg))) {
		CHECK(strstr(t, "kind: Peregrine\n") && strstr(t, "\nspec:\n"));
		CHECK(strstr(t, "    lcores: \"0-3,8\"\n"));
		CHECK(strstr(
		    t, "      device: \"net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap\"\n"));
		CHECK(strstr(t, "      device: \"0000:03:00.1\"\n"));
		CHECK(strstr(t, "      addresses: [10.100.0.1/24, \"fd00::1/64\", 10.9.9.9/32]\n"));
		CHECK(strstr(t, "      tap: none\n"));
		CHECK(strstr(t, "      tap: pg-abcdefghijkl\n")); /* derived, cut to 15 */
		CHECK(
		    strstr(t, "routerMac: \"02:50:47:ff:ff:ff\"")); /* derived from VNI 16777215 */
		CHECK(strstr(t, "        - {via: 192.168.50.4, port: host}\n"));
		CHECK(cfg.n_ports == 4 && cfg.n_routes == 9 && cfg.n_neighbors == 2);
		CHECK_STR(cfg.ports[2].device,
			  "net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap");
		CHECK(cfg.ports[2].no_tap && cfg.ports[0].exception == CFG_EXC_TAP);
		CHECK(cfg.l3vnis[1].has_rmac && cfg.l3vnis[1].udp_port == 4790);
		CHECK(cfg.routes[6].n_nh == 3 && cfg.routes[6].nh[1].port == 1);
		CHECK(cfg.dp.hugepages == CFG_HUGE_OFF && cfg.dp.workers == 3);
		free(t);
		config_free(&cfg);
	}
	free(y1);
	free(y2);

	/* the exception path and TAP of each kind of port */
	if ((t = ROUND_TRIP_YAML("kind: Peregrine\nspec:\n  ports:\n"
				 "    - {name: p0, device: eth0, driver: af_xdp}\n"
				 "    - {name: p1, device: eth1, driver: af_xdp, tap: t1}\n"
				 "    - {name: p2, device: eth2, driver: af_xdp, exception: tap}\n"
				 "    - {name: p3, device: eth3, exception: auto}\n"
				 "    - {name: p4, device: eth4, driver: af_xdp, exception: xdp}\n"
				 "    - {name: p5, device: eth5, driver: pcap}\n"
				 "    - {name: p6, device: eth6, tap: t6}\n"
				 "    - {name: p7, device: net_tap0}\n"
				 "    - {name: p8, device: eth8, tap: none}\n",
				 &cfg))) {
		CHECK(cfg.ports[0].exception == CFG_EXC_XDP && cfg.ports[0].no_tap);
		CHECK(cfg.ports[3].exception == CFG_EXC_AUTO && !cfg.ports[3].no_tap);
		CHECK_STR(cfg.ports[3].tap, "pg-p3");
		CHECK(cfg.ports[8].exception == CFG_EXC_TAP && cfg.ports[8].no_tap);
		CHECK(strstr(t, "# tap: pg-p3")); /* auto: a tap key would make it tap */
		free(t);
		config_free(&cfg);
	}

	/* defaults that were not in the input */
	if ((t = ROUND_TRIP_YAML(L2BASE "  l2vnis:\n"
					"    - {vni: 100, ports: [h1, h2], vrf: red, "
					"gatewayIPs: [10.20.0.1/24]}\n"
					"  bgp: {asn: 65000, neighbors: [{address: 10.100.0.2, "
					"asn: 65001}]}\n",
				 &cfg))) {
		static const char *const want[] = {
		    "  logLevel: notice\n",
		    "    memoryMB: 2048\n",
		    "    socket: /run/peregrine/peregrine.sock\n",
		    "    puntBurst: 256\n",
		    "      mtu: 1500\n",
		    "      vrf: default\n",
		    "      exception: auto\n",
		    "      routerMac: \"02:50:47:00:13:88\"", /* VNI 5000 */
		    "      vxlanPort: 4789\n",
		    "      macAgeing: 300\n",
		    "      gatewayMac: \"00:f3:00:00:00:65\"",
		    "      floodVteps: []\n",
		    "    routerId: 10.100.0.1", /* the vtep */
		    "    listenPort: 179\n",
		    "    holdTime: 90\n",
		    "    # keepaliveTime: 30 (holdTime/3)\n",
		    "    restartTime: 120\n",
		    "    gracefulRestart: true\n",
		    "        holdTime: 90\n",
		    "        keepaliveTime: 30\n",
		    "        connectTime: 5\n",
		    "        families: [ipv4-unicast]\n",
		    "        ebgpMultiHop: false",
		    "# exportRTs: auto (65000:100)",
		};
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			checks++;
			if (!strstr(t, want[i])) {
				fprintf(stderr, "%s:%d: printed text lacks \"%s\":\n%s", __FILE__,
					__LINE__, want[i], t);
				failures++;
			}
		}
		CHECK(!strstr(t, "name: irb100")); /* the irb port comes from the l2vnis entry */
		CHECK(cfg.n_ports == 5 && cfg.ports[4].irb && cfg.l2vnis[0].irb_port == 4);
		CHECK(cfg.bgp.router_id == htonl(0x0a640001) && cfg.bgp.keepalive == 30);
		CHECK(cfg.l2vnis[0].mac_ageing == 300);
		free(t);
		config_free(&cfg);
	}

	/* L2VNIs with everything; neighbors and routes on the irb port by name */
	if ((t = ROUND_TRIP_YAML(
		 L2BASE "  l2vnis:\n"
			"    - vni: 100\n"
			"      ports: [h1, h2]\n"
			"      vrf: red\n"
			"      gatewayIPs: [10.20.0.1/24, \"fd20::1/64\"]\n"
			"      gatewayMac: \"02:00:00:00:00:c8\"\n"
			"      macAgeing: 0\n"
			"      importRTs: [\"65000:100\", \"10.0.0.1:7\", \"4200000000:9\"]\n"
			"      exportRTs: [\"65000:4294967295\"]\n"
			"      floodVteps: [10.100.0.7, 10.100.0.8]\n"
			"      staticMacs:\n"
			"        - {mac: \"02:00:00:00:00:01\", port: h2}\n"
			"        - {mac: \"02:00:00:00:00:02\", vtep: 10.100.0.7}\n"
			"    - {vni: 200}\n"
			"  routes:\n"
			"    - {prefix: 10.30.0.0/16, vrf: red, via: 10.20.0.9, port: irb100}\n"
			"  neighbors:\n"
			"    - {ip: 10.20.0.5, mac: \"02:00:00:00:00:05\", port: irb100}\n",
		 &cfg))) {
		const struct cfg_l2vni *l = &cfg.l2vnis[0];
		CHECK(strstr(t, "importRTs: [\"65000:100\", \"10.0.0.1:7\", \"4200000000:9\"]\n"));
		CHECK(strstr(t, "exportRTs: [\"65000:4294967295\"]\n"));
		CHECK(strstr(t, "gatewayIPs: [10.20.0.1/24, \"fd20::1/64\"]\n"));
		CHECK(strstr(t, "# gateway interface: port irb100, TAP pg-irb100\n"));
		CHECK(!strstr(t, "name: irb100"));
		CHECK(cfg.n_l2vnis == 2 && l->n_ports == 2 && l->has_vrf && l->n_gw == 2);
		CHECK(l->n_import_rts == 3 && l->n_export_rts == 1 && l->mac_ageing == 0);
		CHECK(l->n_flood == 2 && l->n_macs == 2 && l->macs[0].port == 2);
		CHECK_STR(macstr(&l->gw_mac), "02:00:00:00:00:c8");
		CHECK(!cfg.l2vnis[1].has_vrf && cfg.l2vnis[1].irb_port == -1);
		CHECK(cfg.neighbors[0].port == l->irb_port &&
		      cfg.routes[0].nh[0].port == l->irb_port);
		free(t);
		config_free(&cfg);
	}

	/* BGP: every key, then the defaults (a neighbor with holdTime 0 has no keepalive) */
	if ((t = ROUND_TRIP_YAML(bgp_yaml, &cfg))) {
		CHECK(strstr(t, "password: \"s3cret key\"\n"));
		CHECK(strstr(t, "    keepaliveTime: 15\n"));
		CHECK(cfg.bgp.neighbors[0].local_asn == 65010 && cfg.bgp.neighbors[0].ttl == 2);
		CHECK(cfg.bgp.neighbors[1].ttl == 255 && cfg.bgp.neighbors[2].keepalive == 15);
		CHECK(cfg.bgp.neighbors[0].allowas_in == 0 && cfg.bgp.neighbors[2].allowas_in == 2);
		CHECK_STR(cfg.bgp.neighbors[0].description, "spine1");
		free(t);
		config_free(&cfg);
	}
	if ((t = ROUND_TRIP_YAML(BGPHDR "    asn: 65001\n"
					"    networks: [10.100.0.1/32, \"fd00:99::/64\"]\n"
					"    neighbors:\n"
					"      - {address: 10.100.0.2, asn: 65002}\n"
					"      - {address: \"fd00::2\", asn: 65001}\n"
					"      - {address: 10.100.0.3, asn: 65003, holdTime: 30}\n"
					"      - {address: 10.100.0.4, asn: 65003, holdTime: 0}\n",
				 &cfg))) {
		CHECK(cfg.bgp.neighbors[3].hold_time == 0 && cfg.bgp.neighbors[3].keepalive == 0);
		CHECK(cfg.bgp.neighbors[2].keepalive == 10);
		free(t);
		config_free(&cfg);
	}
	if ((t = ROUND_TRIP_YAML(HDR "  vrfs: [{name: red}]\n"
				     "  ports:\n"
				     "    - {name: a, device: eth0, vrf: red, addresses: "
				     "[192.168.1.1/24]}\n"
				     "    - {name: b, device: eth1, addresses: [\"fd00::1/64\", "
				     "10.1.1.1/24]}\n"
				     "  bgp: {asn: 4200000000, holdTime: 0, keepaliveTime: 100, "
				     "listenPort: 0}\n"
				     "  l3vnis: [{vni: 7, vrf: red}]\n  vtep: 10.1.1.1\n",
				 &cfg))) {
		CHECK(cfg.bgp.hold_time == 0 && cfg.bgp.keepalive == 100);
		CHECK(strstr(t, "# exportRTs: auto (4200000000:7)"));
		free(t);
		config_free(&cfg);
	}

	/* strings YAML needs quoted; names YAML 1.1 reads as something else */
	if ((t = ROUND_TRIP_YAML(
		 HDR "  management: {socket: \"/tmp/a b#c.sock\"}\n"
		     "  vrfs: [{name: \"null\"}, {name: \"yes\"}, {name: \"1.5\"}]\n"
		     "  ports:\n"
		     "    - {name: \"off\", device: \"eth0\", addresses: [10.0.0.1/24]}\n"
		     "    - {name: \"-x\", device: \"net_memif0,role=server,socket=/tmp/m:1\", "
		     "vrf: \"null\", tap: \"t#1\"}\n"
		     "  bgp:\n"
		     "    asn: 65000\n"
		     "    neighbors:\n"
		     "      - address: 10.0.0.2\n"
		     "        asn: 65001\n"
		     "        password: \"a \\\"quoted\\\" \\\\ key: #1\"\n"
		     "        description: \"true\"\n",
		 &cfg))) {
		CHECK_STR(cfg.mgmt_socket, "/tmp/a b#c.sock");
		CHECK_STR(cfg.vrfs[1].name, "null");
		CHECK_STR(cfg.ports[0].name, "off");
		CHECK_STR(cfg.ports[1].name, "-x");
		CHECK_STR(cfg.ports[1].tap, "t#1");
		CHECK_STR(cfg.bgp.neighbors[0].password, "a \"quoted\" \\ key: #1");
		CHECK_STR(cfg.bgp.neighbors[0].description, "true");
		free(t);
		config_free(&cfg);
	}
}

/* Each configuration file given to the test prints and loads back the same. */
static void test_print_file(const char *path)
{
	struct pg_config cfg, back;
	char err[1024];
	char *t;

	if (config_load(path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, err);
		failures++;
		return;
	}
	if ((t = ROUND_TRIP(&cfg, &back))) {
		CHECK(back.n_ports == cfg.n_ports && back.n_routes == cfg.n_routes);
		CHECK(back.bgp.enabled == cfg.bgp.enabled);
		free(t);
		config_free(&back);
	}
	config_free(&cfg);
}

/* spec.hostSessions: the session, and the port the loader adds for it */
static void test_host_sessions(void)
{
#define HSB                                       \
	BGPHDR "    asn: 65001\n"	 /* 9 */  \
	       "  vrfs: [{name: red}]\n" /* 10 */ \
	       "  hostSessions:\n"	 /* 11 */
	struct pg_config cfg;
	char b[PG_PREFIX_FMT_LEN];
	char *t;

	if (LOAD_OK(HSB "    - name: host-e-100\n"
			"      vrf: red\n"
			"      asn: 64514\n"
			"      hostASN: 64515\n"
			"      mtu: 1450\n"
			"      addresses:\n"
			"        - {router: 192.169.10.1/24, host: 192.169.10.2/24}\n"
			"        - {router: \"fd00:10::1/64\", host: \"fd00:10::2/64\"}\n"
			"    - {name: pt-host, hostType: internal,\n"
			"       addresses: [{router: 192.169.11.1/30, host: 192.169.11.2/30}]}\n",
		    &cfg) == 0) {
		const struct cfg_host_session *h = cfg.host_sessions;
		CHECK(cfg.n_host_sessions == 2);
		CHECK_STR(h[0].name, "host-e-100");
		CHECK(h[0].line == 12 && h[1].line == 20);
		CHECK(h[0].vrf == 1 && h[1].vrf == 0);
		CHECK(h[0].asn == 64514 && h[1].asn == 0);
		CHECK(h[0].host_type == CFG_PEER_BY_ASN && h[0].host_asn == 64515);
		CHECK(h[1].host_type == CFG_PEER_INTERNAL);
		CHECK(h[0].mtu == 1450 && h[1].mtu == 1500);
		CHECK(h[0].n_addrs == 2 && h[1].n_addrs == 1);
		CHECK_STR(fmt_prefix(&h[0].router[1], b), "fd00:10::1/64");
		CHECK_STR(fmt_prefix(&h[0].host[0], b), "192.169.10.2/24");
		/* the ports: after the two of the file */
		CHECK(cfg.n_ports == 4 && h[0].port == 2 && h[1].port == 3);
		const struct cfg_port *p = &cfg.ports[2];
		CHECK_STR(p->name, "host-e-100");
		CHECK_STR(p->device, "net_tap_hs0,iface=host-e-100");
		CHECK_STR(p->tap, "pg-host-e-100");
		CHECK(p->vrf == 1 && p->mtu == 1450 && p->host_session == 0);
		CHECK(p->exception == CFG_EXC_TAP && !p->irb && p->l2vni == -1);
		CHECK(p->n_addrs == 2);
		CHECK_STR(fmt_prefix(&p->addrs[0], b), "192.169.10.1/24");
		CHECK(cfg.ports[0].host_session == -1);
		config_free(&cfg);
	}
	if ((t = ROUND_TRIP_YAML(HSB
				 "    - {name: host-e-100, vrf: red, hostASN: 64515, "
				 "addresses: [{router: 192.169.10.1/24, host: 192.169.10.2/24}, "
				 "{router: \"fd00:10::1/64\", host: \"fd00:10::2/64\"}]}\n"
				 "    - {name: pt-host, hostType: external, addresses: [{router: "
				 "192.169.11.1/30, host: 192.169.11.2/30}]}\n",
				 &cfg))) {
		CHECK(strstr(t, "hostSessions:") != NULL);
		CHECK(cfg.n_host_sessions == 2 && cfg.n_ports == 4);
		free(t);
		config_free(&cfg);
	}
	/* asOverride, routeReflectorClient (iBGP only), bgp.clusterId */
	if (LOAD_OK(BGPHDR
		    "    asn: 65001\n    clusterId: 10.0.0.99\n"
		    "  vrfs: [{name: red}]\n  hostSessions:\n"
		    "    - {name: h1, vrf: red, hostASN: 65001, routeReflectorClient: true,\n"
		    "       addresses: [{router: 10.9.0.1/24, host: 10.9.0.2/24}]}\n"
		    "    - {name: h2, vrf: red, hostType: internal, routeReflectorClient: true,\n"
		    "       addresses: [{router: 10.8.0.1/24, host: 10.8.0.2/24}]}\n"
		    "    - {name: h3, vrf: red, hostASN: 64515, asOverride: true,\n"
		    "       addresses: [{router: 10.7.0.1/24, host: 10.7.0.2/24}]}\n",
		    &cfg) == 0) {
		const struct cfg_host_session *h = cfg.host_sessions;
		CHECK(cfg.bgp.cluster_id == htonl(0x0a000063));
		CHECK(h[0].rr_client && h[1].rr_client && !h[2].rr_client);
		CHECK(!h[0].as_override && h[2].as_override);
		struct pg_config back;
		if ((t = ROUND_TRIP(&cfg, &back))) {
			CHECK(strstr(t, "  clusterId: 10.0.0.99\n"));
			CHECK(strstr(t, "    routeReflectorClient: true\n"));
			CHECK(strstr(t, "    asOverride: true\n"));
			free(t);
			config_free(&back);
		}
		config_free(&cfg);
	}
	EXPECT_ERR(HSB "    - {name: h1, hostASN: 7, routeReflectorClient: true, addresses: []}\n",
		   "t.yaml:12:52: spec.hostSessions[0].routeReflectorClient: a route reflector "
		   "client is an iBGP peer: hostASN must be our AS 65001");
	EXPECT_ERR(BGPHDR "    asn: 65001\n    clusterId: 0.0.0.0\n",
		   "t.yaml:10:16: spec.bgp.clusterId: 0.0.0.0 is not a valid cluster ID");
	EXPECT_ERR(HSB "    - {name: h1, addresses: [{router: 10.9.0.1/24, host: 10.9.0.2/24}]}\n",
		   "t.yaml:12:7: spec.hostSessions[0]: missing hostASN (or hostType: "
		   "external|internal)");
	EXPECT_ERR(HSB "    - {name: h1, hostASN: 1, hostType: external, addresses: []}\n",
		   "t.yaml:12:40: spec.hostSessions[0].hostType: give either hostASN or hostType");
	EXPECT_ERR(HSB "    - {name: h1, hostType: ibgp, addresses: []}\n",
		   "t.yaml:12:28: spec.hostSessions[0].hostType:", "(allowed: external, internal)");
	EXPECT_ERR(HSB "    - {name: h1, hostASN: 7, addresses: []}\n",
		   "t.yaml:12:41: spec.hostSessions[0].addresses: 0 address pairs");
	EXPECT_ERR(HSB "    - {name: h1, hostASN: 7, addresses: [{router: 10.9.0.1/24, host: "
		       "10.9.1.2/24}]}\n",
		   "t.yaml:12:70: spec.hostSessions[0].addresses[0].host: 10.9.1.2/24 is not in "
		   "the subnet of router 10.9.0.1/24");
	EXPECT_ERR(HSB "    - {name: h1, hostASN: 7, addresses: [{router: 10.9.0.1/24, host: "
		       "10.9.0.1/24}]}\n",
		   "t.yaml:12:70: spec.hostSessions[0].addresses[0].host: 10.9.0.1/24 is also the "
		   "router's address");
	EXPECT_ERR(HSB "    - {name: h1, hostASN: 7, addresses: [{router: 10.9.0.1/24, host: "
		       "10.9.0.2/24}, {router: 10.8.0.1/24, host: 10.8.0.2/24}]}\n",
		   "t.yaml:12:84: spec.hostSessions[0].addresses[1]: a second IPv4 pair");
	EXPECT_ERR(HSB "    - {name: h1, hostASN: 7, addresses: [{router: 10.9.0.1/31, host: "
		       "10.9.0.0/31}]}\n",
		   "t.yaml:12:51: spec.hostSessions[0].addresses[0].router: /31 leaves no room");
	EXPECT_ERR(HSB "    - {name: host, hostASN: 7, addresses: [{router: 10.9.0.1/24, host: "
		       "10.9.0.2/24}]}\n",
		   "t.yaml:12:7: spec.hostSessions[0]: 'host' is already used by port 'host' (line "
		   "7)");
	EXPECT_ERR(
	    HSB "    - {name: h1, hostASN: 7, addresses: [{router: 10.100.0.9/24, host: "
		"10.100.0.8/24}]}\n",
	    "t.yaml:12:7: spec.hostSessions[0]: 10.100.0.9/24 overlaps 10.100.0.1/24 of port "
	    "'uplink' (line 6) in the same VRF");
	EXPECT_ERR(HSB "    - {name: h1, hostASN: 7, addresses: [{router: 10.9.0.1/24, host: "
		       "10.9.0.2/24}]}\n    - {name: h1, hostASN: 7, addresses: []}\n",
		   "t.yaml:13:14: spec.hostSessions[1].name: host session 'h1' is defined twice "
		   "(first at line 12)");
	EXPECT_ERR(HSB "    - {name: h1, vrf: blue, hostASN: 7, addresses: []}\n",
		   "t.yaml:12:23: spec.hostSessions[0].vrf: unknown VRF 'blue'");
	EXPECT_ERR(HDR "  ports: [{name: p, device: eth0}]\n  hostSessions:\n"
		       "    - {name: h1, hostASN: 7, addresses: [{router: 10.9.0.1/24, host: "
		       "10.9.0.2/24}]}\n",
		   "t.yaml:6:5: spec.hostSessions: host sessions need spec.bgp");
#undef HSB
}

/* ------------------------------------------------------------------------------------------
 * OpenPERouter kinds (config_opr.c)
 */

static int load_opts_(int line, const char *yaml, int index, const char *label,
		      struct pg_config *cfg)
{
	const char *labels[1] = {label};
	struct config_opts o = {.node_index = index, .n_labels = label ? 1 : 0, .labels = labels};
	char err[1024] = "";
	int rc = config_load_string_opts("t.yaml", yaml, &o, cfg, err, sizeof(err));

	checks++;
	if (rc != 0) {
		fprintf(stderr, "%s:%d: expected success, got %d: %s\n", __FILE__, line, rc, err);
		failures++;
	}
	return rc;
}
#define LOAD_NODE(yaml, index, label, cfg) load_opts_(__LINE__, (yaml), (index), (label), (cfg))

static void expect_err_opts_(int line, const char *yaml, int index, const char *label,
			     const char *want)
{
	const char *labels[1] = {label};
	struct config_opts o = {.node_index = index, .n_labels = label ? 1 : 0, .labels = labels};
	struct pg_config cfg;
	char err[1024] = "";
	int rc = config_load_string_opts("t.yaml", yaml, &o, &cfg, err, sizeof(err));

	checks++;
	if (rc != -EINVAL || strcmp(err, want) != 0) {
		fprintf(stderr, "%s:%d: expected -EINVAL \"%s\", got %d \"%s\"\n", __FILE__, line,
			want, rc, err);
		failures++;
	}
	config_free(&cfg);
}
#define EXPECT_ERR_NODE(yaml, index, label, want) \
	expect_err_opts_(__LINE__, (yaml), (index), (label), (want))

/* Round trip of an OpenPERouter configuration: host sessions are only compared when the printer
 * writes them (the Peregrine kind's spec.hostSessions). */
static void round_trip_opr_(int line, const struct pg_config *cfg)
{
	struct pg_config copy = *cfg, back;
	char *t;

	char *text = print_cfg(cfg);

	if (!text || !strstr(text, "hostSessions"))
		copy.n_host_sessions = 0;
	free(text);
	if ((t = round_trip_(line, &copy, &back))) {
		free(t);
		config_free(&back);
	}
}
#define ROUND_TRIP_OPR(cfg) round_trip_opr_(__LINE__, (cfg))

static const char *ip4s(uint32_t v4)
{
	struct pg_ip ip = {.family = AF_INET, .v4 = v4};
	return ipstr(&ip);
}

static bool has_network(const struct pg_config *cfg, const char *pfx)
{
	for (unsigned i = 0; i < cfg->bgp.n_networks; i++)
		if (!strcmp(pfxstr(&cfg->bgp.networks[i]), pfx))
			return true;
	return false;
}

/* examples/evpn/calico/openpe.yaml of openperouter/openperouter (HEAD) */
static const char opr_calico[] = "apiVersion: network.openperouter.io/v1alpha1\n"
				 "kind: L3VNI\n"
				 "metadata:\n"
				 "  name: red\n"
				 "  namespace: openperouter-system\n"
				 "spec:\n"
				 "  vrf: red\n"
				 "  hostSession:\n"
				 "    asn: 64514\n"
				 "    hostASN: 64515\n"
				 "    localCIDR:\n"
				 "      ipv4: 192.169.10.0/24\n"
				 "  vni: 100\n"
				 "---\n"
				 "apiVersion: network.openperouter.io/v1alpha1\n"
				 "kind: Underlay\n"
				 "metadata:\n"
				 "  name: underlay\n"
				 "  namespace: openperouter-system\n"
				 "spec:\n"
				 "  asn: 64514\n"
				 "  tunnelEndpoint:\n"
				 "    cidrs:\n"
				 "    - 100.65.0.0/24\n"
				 "  interfaces:\n"
				 "    - type: NetworkDevice\n"
				 "      networkDevice:\n"
				 "        interfaceName: toswitch1\n"
				 "  neighbors:\n"
				 "    - asn: 64512\n"
				 "      address: 192.168.11.2\n";

/* examples/evpn/layer2/openpe.yaml (HEAD): opr_calico's L3VNI and Underlay and this L2VNI */
static const char opr_l2vni[] = "---\n"
				"apiVersion: network.openperouter.io/v1alpha1\n"
				"kind: L2VNI\n"
				"metadata:\n"
				"  name: layer2\n"
				"  namespace: openperouter-system\n"
				"spec:\n"
				"  vni: 110\n"
				"  routingDomain:\n"
				"    type: L3VNI\n"
				"    l3vni:\n"
				"      name: red\n"
				"  hostMaster:\n"
				"    type: LinuxBridge\n"
				"    linuxBridge:\n"
				"      lifecycle: Managed\n"
				"  gatewayIPs: [\"192.170.1.1/24\"]\n";

/* examples/evpn/metallb/openpe.yaml (HEAD): opr_calico and this second L3VNI */
static const char opr_blue[] = "---\n"
			       "apiVersion: network.openperouter.io/v1alpha1\n"
			       "kind: L3VNI\n"
			       "metadata:\n"
			       "  name: blue\n"
			       "  namespace: openperouter-system\n"
			       "spec:\n"
			       "  vrf: blue\n"
			       "  hostSession:\n"
			       "    asn: 64514\n"
			       "    hostType: External\n"
			       "    localCIDR:\n"
			       "      ipv4: 192.169.11.0/24\n"
			       "  vni: 200\n";

/* examples/passthrough/metallb/openpe.yaml (HEAD) */
static const char opr_passthrough[] = "apiVersion: network.openperouter.io/v1alpha1\n"
				      "kind: L3Passthrough\n"
				      "metadata:\n"
				      "  name: passthrough\n"
				      "  namespace: openperouter-system\n"
				      "spec:\n"
				      "  hostSession:\n"
				      "    asn: 64514\n"
				      "    hostASN: 64515\n"
				      "    localCIDR:\n"
				      "      ipv4: 192.169.10.0/24\n"
				      "---\n"
				      "apiVersion: network.openperouter.io/v1alpha1\n"
				      "kind: Underlay\n"
				      "metadata:\n"
				      "  name: underlay\n"
				      "  namespace: openperouter-system\n"
				      "spec:\n"
				      "  asn: 64514\n"
				      "  interfaces:\n"
				      "    - type: NetworkDevice\n"
				      "      networkDevice:\n"
				      "        interfaceName: toswitch1\n"
				      "  neighbors:\n"
				      "    - asn: 64512\n"
				      "      address: 192.168.11.2\n";

/* examples/evpn/multi-cluster/cluster-b-openpe.yaml (HEAD) */
static const char opr_cluster_b[] = "apiVersion: network.openperouter.io/v1alpha1\n"
				    "kind: L3VNI\n"
				    "metadata:\n"
				    "  name: red\n"
				    "  namespace: openperouter-system\n"
				    "spec:\n"
				    "  vni: 100\n"
				    "  vrf: red\n"
				    "---\n"
				    "apiVersion: network.openperouter.io/v1alpha1\n"
				    "kind: L2VNI\n"
				    "metadata:\n"
				    "  name: layer2\n"
				    "  namespace: openperouter-system\n"
				    "spec:\n"
				    "  hostMaster:\n"
				    "    type: LinuxBridge\n"
				    "    linuxBridge:\n"
				    "      lifecycle: Managed\n"
				    "  gatewayIPs: [\"192.170.1.1/24\"]\n"
				    "  vni: 110\n"
				    "  routingDomain:\n"
				    "    type: L3VNI\n"
				    "    l3vni:\n"
				    "      name: red\n"
				    "---\n"
				    "apiVersion: network.openperouter.io/v1alpha1\n"
				    "kind: Underlay\n"
				    "metadata:\n"
				    "  name: underlay\n"
				    "  namespace: openperouter-system\n"
				    "spec:\n"
				    "  asn: 64518\n"
				    "  tunnelEndpoint:\n"
				    "    cidrs:\n"
				    "    - 100.65.1.0/24\n"
				    "  routerIDCIDR: 10.0.1.0/24\n"
				    "  interfaces:\n"
				    "    - type: NetworkDevice\n"
				    "      networkDevice:\n"
				    "        interfaceName: toswitch1\n"
				    "  neighbors:\n"
				    "    - asn: 64516\n"
				    "      address: 192.168.12.2\n";

/* examples/evpn/route-reflector/openpe.yaml (HEAD; the old API group with newer fields) */
static const char opr_rr[] = "---\n"
			     "apiVersion: openpe.openperouter.github.io/v1alpha1\n"
			     "kind: Underlay\n"
			     "metadata:\n"
			     "  name: route-reflector\n"
			     "  namespace: openperouter-system\n"
			     "spec:\n"
			     "  asn: 64514\n"
			     "  interfaces:\n"
			     "    - type: NetworkDevice\n"
			     "      networkDevice:\n"
			     "        interfaceName: toswitch1\n"
			     "  nodeSelector:\n"
			     "    matchExpressions:\n"
			     "      - key: node-role.kubernetes.io/control-plane\n"
			     "        operator: Exists\n"
			     "  routeReflector:\n"
			     "    clusterID: 192.0.2.1\n"
			     "  neighbors:\n"
			     "    - type: internal\n"
			     "      listenRange: 192.168.11.0/24\n"
			     "---\n"
			     "apiVersion: openpe.openperouter.github.io/v1alpha1\n"
			     "kind: Underlay\n"
			     "metadata:\n"
			     "  name: client\n"
			     "  namespace: openperouter-system\n"
			     "spec:\n"
			     "  asn: 64514\n"
			     "  interfaces:\n"
			     "    - type: NetworkDevice\n"
			     "      networkDevice:\n"
			     "        interfaceName: toswitch1\n"
			     "  nodeSelector:\n"
			     "    matchExpressions:\n"
			     "      - key: node-role.kubernetes.io/control-plane\n"
			     "        operator: DoesNotExist\n"
			     "  tunnelEndpoint:\n"
			     "    cidrs:\n"
			     "      - 100.65.0.0/24\n"
			     "  neighbors:\n"
			     "    - type: internal\n"
			     "      address: 192.168.11.3\n"
			     "---\n"
			     "apiVersion: openpe.openperouter.github.io/v1alpha1\n"
			     "kind: L2VNI\n"
			     "metadata:\n"
			     "  name: reflected\n"
			     "  namespace: openperouter-system\n"
			     "spec:\n"
			     "  vni: 300\n"
			     "  nodeSelector:\n"
			     "    matchExpressions:\n"
			     "      - key: node-role.kubernetes.io/control-plane\n"
			     "        operator: DoesNotExist\n"
			     "  hostmaster:\n"
			     "    type: linux-bridge\n"
			     "    linuxBridge:\n"
			     "      autoCreate: true\n";

/* v0.1.0 field names (the openpe.openperouter.github.io group) */
static const char opr_legacy[] = "apiVersion: openpe.openperouter.github.io/v1alpha1\n" /* 1 */
				 "kind: Underlay\n"
				 "metadata: {name: underlay}\n"
				 "spec:\n"
				 "  asn: 64514\n" /* 5 */
				 "  routeridcidr: 10.1.0.0/16\n"
				 "  nics: [eth1, eth2]\n"
				 "  evpn: {vtepcidr: 100.64.0.0/24}\n"
				 "  neighbors:\n"
				 "    - address: 192.168.11.2\n" /* 10 */
				 "      asn: 64512\n"
				 "      hostasn: 64515\n"
				 "      holdTime: 1m30s\n"
				 "      keepaliveTime: 30s\n"
				 "      connectTime: 10s\n" /* 15 */
				 "      ebgpMultiHop: true\n"
				 "      password: s3cret\n"
				 "      bfd: {receiveInterval: 100, echoMode: true}\n"
				 "    - address: \"fd00::2\"\n"
				 "      type: external\n" /* 20 */
				 "      holdTimeSeconds: 0\n"
				 "      keepaliveTimeSeconds: 0\n"
				 "      port: 1790\n"
				 "      addressFamilies: [{type: ipv6unicast}, {type: evpn}]\n"
				 "---\n" /* 25 */
				 "apiVersion: openpe.openperouter.github.io/v1alpha1\n"
				 "kind: L3VNI\n"
				 "metadata: {name: red}\n"
				 "spec:\n"
				 "  vrf: red\n" /* 30 */
				 "  vni: 100\n"
				 "  vxlanport: 4790\n"
				 "  hostsession:\n"
				 "    asn: 64514\n"
				 "    hosttype: internal\n" /* 35 */
				 "    localcidr: {ipv4: 192.169.10.0/24, ipv6: \"fd00:10::/64\"}\n"
				 "  importRTs: [\"64512:100\"]\n"
				 "  exportRTs: [\"10.0.0.1:100\"]\n"
				 "---\n"
				 "apiVersion: openpe.openperouter.github.io/v1alpha1\n" /* 40 */
				 "kind: L2VNI\n"
				 "metadata: {name: l2}\n"
				 "spec:\n"
				 "  vni: 110\n"
				 "  vrf: red\n" /* 45 */
				 "  vxlanport: 4790\n"
				 "  l2gatewayips: [192.170.1.1/24, \"fd00:170::1/64\"]\n"
				 "  hostmaster:\n"
				 "    type: linux-bridge\n"
				 "    linuxBridge: {name: br0}\n" /* 50 */
				 "---\n"
				 "apiVersion: openpe.openperouter.github.io/v1alpha1\n"
				 "kind: L2VNI\n"
				 "metadata: {name: old}\n"
				 "spec:\n" /* 55 */
				 "  vni: 120\n"
				 "  vxlanport: 4790\n"
				 "  hostmaster: {type: bridge, autocreate: true}\n"
				 "status: {anything: 1}\n";

static void test_opr_examples(void)
{
	struct pg_config cfg;
	char *y;

	/* node 0 and node 1 of the Calico example */
	for (int node = 0; node < 2; node++) {
		if (LOAD_NODE(opr_calico, node, NULL, &cfg))
			continue;
		CHECK_STR(ip4s(cfg.bgp.router_id), node ? "10.0.0.2" : "10.0.0.1");
		CHECK(cfg.has_vtep);
		CHECK_STR(ipstr(&cfg.vtep), node ? "100.65.0.1" : "100.65.0.0");
		CHECK(has_network(&cfg, node ? "100.65.0.1/32" : "100.65.0.0/32"));
		CHECK(cfg.bgp.enabled && cfg.bgp.asn == 64514 && cfg.bgp.n_neighbors == 1);
		const struct cfg_bgp_neighbor *nb = &cfg.bgp.neighbors[0];
		CHECK_STR(ipstr(&nb->addr), "192.168.11.2");
		CHECK(nb->type == CFG_PEER_BY_ASN && nb->asn == 64512 && nb->port == 179);
		CHECK(nb->hold_time == 180 && nb->keepalive == 60 && nb->connect_retry == 120);
		CHECK(nb->families == (CFG_BGP_AF_IPV4 | CFG_BGP_AF_EVPN) && nb->ttl == 0);
		/* OpenPERouter's "allowas-in": the other nodes' routes carry our (the cluster's) AS
		 */
		CHECK(nb->allowas_in == 3);
		CHECK(cfg.n_vrfs == 2 && !strcmp(cfg.vrfs[1].name, "red"));
		CHECK(cfg.n_l3vnis == 1 && cfg.l3vnis[0].vni == 100 && cfg.l3vnis[0].vrf == 1);
		CHECK(cfg.l3vnis[0].udp_port == 4789 && cfg.l3vnis[0].n_import_rts == 0);
		/* the Underlay's interface, and the port of the L3VNI's host session */
		CHECK(cfg.n_ports == 2 && cfg.n_host_sessions == 1);
		CHECK_STR(cfg.ports[0].name, "toswitch1");
		CHECK(cfg.host_sessions[0].port == 1 && cfg.ports[1].host_session == 0);
		CHECK_STR(cfg.ports[1].name, "host-e-100");
		CHECK(cfg.ports[1].vrf == 1 && cfg.ports[1].n_addrs == 1);
		CHECK_STR(cfg.ports[0].device, "toswitch1");
		CHECK(cfg.ports[0].n_addrs == 0 && cfg.ports[0].vrf == 0);
		CHECK(cfg.ports[0].driver == CFG_DRIVER_AUTO &&
		      cfg.ports[0].exception == CFG_EXC_AUTO);
		CHECK(cfg.n_host_sessions == 1);
		const struct cfg_host_session *h = &cfg.host_sessions[0];
		CHECK_STR(h->name, "host-e-100");
		CHECK(h->vrf == 1 && h->asn == 64514 && h->host_type == CFG_PEER_BY_ASN);
		CHECK(h->host_asn == 64515 && h->mtu == 1500 && h->n_addrs == 1);
		CHECK_STR(pfxstr(&h->router[0]), "192.169.10.1/24");
		CHECK_STR(pfxstr(&h->host[0]), node ? "192.169.10.3/24" : "192.169.10.2/24");
		ROUND_TRIP_OPR(&cfg);
		config_free(&cfg);
	}

	/* the layer2 example: the L2VNI's host TAP, its managed bridge and the gateway */
	y = malloc(sizeof(opr_calico) + sizeof(opr_l2vni));
	sprintf(y, "%s%s", opr_calico, opr_l2vni);
	if (!LOAD_NODE(y, 1, NULL, &cfg)) {
		CHECK(cfg.n_l2vnis == 1 && cfg.n_ports == 3 + cfg.n_host_sessions);
		const struct cfg_l2vni *l = &cfg.l2vnis[0];
		CHECK(l->vni == 110 && l->has_vrf && l->vrf == 1 && l->n_gw == 1);
		CHECK_STR(pfxstr(&l->gw[0]), "192.170.1.1/24");
		CHECK_STR(macstr(&l->gw_mac), "00:f3:00:00:00:6f");
		CHECK(l->n_ports == 1 && l->irb_port == 2 && cfg.ports[2].irb);
		const struct cfg_port *p = &cfg.ports[l->ports[0]];
		CHECK_STR(p->name, "host-e-110");
		CHECK_STR(p->device, "net_tap_l2v110,iface=host-e-110");
		CHECK_STR(p->bridge, "br-hs-110");
		CHECK(p->bridge_create && p->l2vni == 0 && p->no_tap && p->n_addrs == 0);
		CHECK(cfg.bgp.neighbors[0].families == (CFG_BGP_AF_IPV4 | CFG_BGP_AF_EVPN));
		char iface[PG_IFNAME_MAX];
		CHECK(config_tap_iface(p->device, iface) && !strcmp(iface, "host-e-110"));
		ROUND_TRIP_OPR(&cfg);
		config_free(&cfg);
	}
	free(y);

	/* the metallb example: a second L3VNI whose host is any external AS */
	y = malloc(sizeof(opr_calico) + sizeof(opr_blue));
	sprintf(y, "%s%s", opr_calico, opr_blue);
	if (!LOAD_NODE(y, 1, NULL, &cfg)) {
		CHECK(cfg.n_l3vnis == 2 && cfg.n_vrfs == 3 && cfg.n_host_sessions == 2);
		const struct cfg_host_session *h = &cfg.host_sessions[1];
		CHECK_STR(h->name, "host-e-200");
		CHECK(h->vrf == 2 && h->host_type == CFG_PEER_EXTERNAL && h->host_asn == 0);
		CHECK_STR(pfxstr(&h->router[0]), "192.169.11.1/24");
		CHECK_STR(pfxstr(&h->host[0]), "192.169.11.3/24");
		ROUND_TRIP_OPR(&cfg);
		config_free(&cfg);
	}
	free(y);

	/* the passthrough example: pt-host in the default VRF, its host /32 announced */
	for (int node = 0; node < 2; node++) {
		if (LOAD_NODE(opr_passthrough, node, NULL, &cfg))
			continue;
		CHECK(!cfg.has_vtep && cfg.n_host_sessions == 1);
		const struct cfg_host_session *h = &cfg.host_sessions[0];
		CHECK_STR(h->name, "pt-host");
		CHECK(h->vrf == 0 && h->host_asn == 64515);
		CHECK_STR(pfxstr(&h->host[0]), node ? "192.169.10.3/24" : "192.169.10.2/24");
		CHECK(has_network(&cfg, node ? "192.169.10.3/32" : "192.169.10.2/32"));
		CHECK(cfg.bgp.neighbors[0].families == CFG_BGP_AF_IPV4);
		ROUND_TRIP_OPR(&cfg);
		config_free(&cfg);
	}

	/* multi-cluster, cluster B: its own routerIDCIDR; no host session */
	if (!LOAD_NODE(opr_cluster_b, 1, NULL, &cfg)) {
		CHECK_STR(ip4s(cfg.bgp.router_id), "10.0.1.2");
		CHECK_STR(ipstr(&cfg.vtep), "100.65.1.1");
		CHECK(cfg.bgp.asn == 64518 && cfg.bgp.neighbors[0].asn == 64516);
		CHECK(cfg.n_host_sessions == 0 && cfg.n_l2vnis == 1);
		ROUND_TRIP_OPR(&cfg);
		config_free(&cfg);
	}

	/* route reflector: the node labels pick the client Underlay */
	if (!LOAD_NODE(opr_rr, 0, "kubernetes.io/hostname=worker", &cfg)) {
		CHECK(cfg.bgp.n_neighbors == 1);
		CHECK(cfg.bgp.neighbors[0].type == CFG_PEER_INTERNAL &&
		      cfg.bgp.neighbors[0].asn == 0);
		CHECK(cfg.n_l2vnis == 1 && !cfg.l2vnis[0].has_vrf);
		CHECK_STR(cfg.ports[1].bridge, "br-hs-300");
		ROUND_TRIP_OPR(&cfg);
		config_free(&cfg);
	}
	EXPECT_ERR_NODE(opr_rr, 0, "node-role.kubernetes.io/control-plane=",
			"t.yaml:17:3: Underlay route-reflector: spec: routeReflector is not "
			"supported: Peregrine does not reflect routes (RFC 4456)");
	EXPECT_ERR_NODE(opr_rr, 0, NULL, /* without labels both Underlays apply */
			"t.yaml:17:3: Underlay route-reflector: spec: routeReflector is not "
			"supported: Peregrine does not reflect routes (RFC 4456)");
	char *y2 = replace(opr_rr, "  routeReflector:\n    clusterID: 192.0.2.1\n", "");
	EXPECT_ERR_NODE(y2, 0, NULL,
			"t.yaml:19:7: Underlay route-reflector: spec.neighbors[0]: listenRange "
			"(dynamic neighbors) is not supported yet: list each neighbor with its "
			"address");
	free(y2);

	/* legacy names, node 2 */
	if (!LOAD_NODE(opr_legacy, 2, NULL, &cfg)) {
		CHECK_STR(ip4s(cfg.bgp.router_id), "10.1.0.3");
		CHECK_STR(ipstr(&cfg.vtep), "100.64.0.2");
		/* eth1, eth2, host-e-110, host-e-120, irb110, and the host sessions' */
		CHECK(cfg.n_ports == 5 + cfg.n_host_sessions);
		CHECK_STR(cfg.ports[0].name, "eth1");
		CHECK_STR(cfg.ports[2].name, "host-e-110");
		CHECK_STR(cfg.ports[2].bridge, "br0");
		CHECK(!cfg.ports[2].bridge_create);
		CHECK_STR(cfg.ports[3].bridge, "br-hs-120");
		CHECK(cfg.ports[3].bridge_create && cfg.ports[4].irb);
		const struct cfg_bgp_neighbor *a = &cfg.bgp.neighbors[0],
					      *b = &cfg.bgp.neighbors[1];
		CHECK(a->hold_time == 90 && a->keepalive == 30 && a->connect_retry == 10);
		CHECK(a->ttl == 255 && !strcmp(a->password, "s3cret"));
		CHECK(a->families == (CFG_BGP_AF_IPV4 | CFG_BGP_AF_EVPN));
		CHECK(b->type == CFG_PEER_EXTERNAL && b->port == 1790 && b->hold_time == 0);
		CHECK(b->keepalive == 0 && b->families == (CFG_BGP_AF_IPV6 | CFG_BGP_AF_EVPN));
		CHECK(cfg.l3vnis[0].udp_port == 4790 && cfg.l3vnis[0].n_import_rts == 1);
		CHECK(cfg.l3vnis[0].n_export_rts == 1);
		const struct cfg_host_session *h = &cfg.host_sessions[0];
		CHECK(h->host_type == CFG_PEER_INTERNAL && h->n_addrs == 2);
		CHECK_STR(pfxstr(&h->router[1]), "fd00:10::1/64");
		CHECK_STR(pfxstr(&h->host[1]), "fd00:10::4/64");
		CHECK_STR(pfxstr(&h->host[0]), "192.169.10.4/24");
		CHECK(cfg.l2vnis[0].has_vrf && cfg.l2vnis[0].n_gw == 2);
		CHECK(!cfg.l2vnis[1].has_vrf && cfg.l2vnis[1].udp_port == 4790);
		ROUND_TRIP_OPR(&cfg);
		config_free(&cfg);
	}

	/* with a Peregrine document: DPDK settings, the underlay port refined, nodeIndex and
	 * nodeLabels there (the command line would win) */
	y = malloc(sizeof(opr_calico) + 512);
	sprintf(y,
		"kind: Peregrine\n"
		"spec:\n"
		"  nodeIndex: 4\n"
		"  nodeLabels: {rack: r1}\n"
		"  dataplane: {workers: 1}\n"
		"  vrfs: [{name: red}]\n"
		"  ports:\n"
		"    - {name: toswitch1, device: toswitch1, driver: pcap, addresses: "
		"[192.168.11.3/24]}\n"
		"  routes: [{prefix: 10.99.0.0/16, vrf: red, blackhole: true}]\n"
		"  bgp: {asn: 64514, holdTime: 30}\n"
		"---\n%s",
		opr_calico);
	if (!LOAD_NODE(y, -1, NULL, &cfg)) {
		CHECK_STR(ip4s(cfg.bgp.router_id), "10.0.0.5");
		CHECK(cfg.n_ports == 1 + cfg.n_host_sessions &&
		      cfg.ports[0].driver == CFG_DRIVER_PCAP);
		CHECK(cfg.ports[0].n_addrs == 1 && cfg.dp.workers == 1 && cfg.n_vrfs == 2);
		CHECK(cfg.bgp.hold_time == 30 && cfg.bgp.neighbors[0].hold_time == 180);
		CHECK(cfg.n_routes == 1 && cfg.routes[0].vrf == 1);
		ROUND_TRIP_OPR(&cfg);
		config_free(&cfg);
	}
	if (!LOAD_NODE(y, 7, NULL, &cfg)) {
		CHECK_STR(ip4s(cfg.bgp.router_id), "10.0.0.8");
		config_free(&cfg);
	}
	free(y);
}

/* One Underlay (lines 1-9) and an L3VNI (10-): errors are made by appending or replacing. */
#define OU                                                                              \
	"apiVersion: network.openperouter.io/v1alpha1\n" /* 1 */                        \
	"kind: Underlay\n"                                                              \
	"metadata: {name: u}\n"                                                         \
	"spec:\n"                                                                       \
	"  asn: 64514\n" /* 5 */                                                        \
	"  tunnelEndpoint: {cidrs: [100.65.0.0/24]}\n"                                  \
	"  interfaces: [{type: NetworkDevice, networkDevice: {interfaceName: eth1}}]\n" \
	"  neighbors:\n"                                                                \
	"    - address: 192.168.11.2\n"
#define OL3                                              \
	"---\n" /* 10 */                                 \
	"apiVersion: network.openperouter.io/v1alpha1\n" \
	"kind: L3VNI\n"                                  \
	"metadata: {name: red}\n"                        \
	"spec:\n"                                        \
	"  vrf: red\n" /* 15 */                          \
	"  vni: 100\n"

/* EXPECT_ERR on a text from replace(), freed */
#define EXPECT_ERR_FREE(text, ...)                                                   \
	do {                                                                         \
		char *t_ = (text);                                                   \
		expect_err_(__LINE__, t_, (const char *const[]){__VA_ARGS__, NULL}); \
		free(t_);                                                            \
	} while (0)

static void test_opr_errors(void)
{
	struct pg_config cfg;

	if (!LOAD_NODE(OU "      asn: 64512\n" OL3, 0, NULL, &cfg))
		config_free(&cfg);
	/* kinds and documents */
	EXPECT_ERR("apiVersion: network.openperouter.io/v1alpha1\nkind: L3VPN\nspec: {}\n",
		   "t.yaml:2:7: kind: OpenPERouter's kind L3VPN is not supported: it is an SRv6 "
		   "L3VPN and Peregrine's dataplane has no SRv6 (use an L3VNI: EVPN over VXLAN)");
	EXPECT_ERR("kind: RawFRRConfig\n", "t.yaml:1:7: kind: OpenPERouter's kind RawFRRConfig is "
					   "not supported: it carries FRR configuration text");
	EXPECT_ERR("kind: OpenPERouter\n",
		   "t.yaml:1:7: kind: OpenPERouter's kind OpenPERouter is not supported: it "
		   "configures the OpenPERouter operator's deployment");
	EXPECT_ERR("kind: RouterNodeConfigurationStatus\n",
		   "t.yaml:1:7: kind: OpenPERouter's kind RouterNodeConfigurationStatus is not "
		   "supported: it is a status object");
	EXPECT_ERR("kind: Underlayy\n",
		   "t.yaml:1:7: kind: unknown kind 'Underlayy' (accepted: Peregrine, Underlay, "
		   "L3VNI, L2VNI, L3Passthrough)");
	EXPECT_ERR("apiVersion: v1\nkind: L3VNI\nspec: {}\n",
		   "t.yaml:1:13: apiVersion: unknown apiVersion 'v1' for kind L3VNI (allowed: "
		   "network.openperouter.io/v1alpha1, openpe.openperouter.github.io/v1alpha1)");
	EXPECT_ERR(OU "      asn: 64512\n" OL3 "---\n" OL3,
		   "t.yaml:21:7: L3VNI red: a second L3VNI named 'red' (the first is at line 12)");
	EXPECT_ERR(OL3, "t.yaml:2:1: L3VNI red: needs an Underlay (its asn and neighbors) or the "
			"Peregrine document's bgp");
	EXPECT_ERR(
	    OU "      asn: 64512\n  bogus: 1\n",
	    "t.yaml:11:3: Underlay u: spec: unknown key 'bogus' (allowed: nodeSelector, asn,");

	/* Underlay */
	EXPECT_ERR(OU "      asn: 64512\n      holdTimeSeconds: 2\n      keepaliveTimeSeconds: 1\n",
		   "t.yaml:11:24: Underlay u: spec.neighbors[0].holdTimeSeconds: 2 is out of range "
		   "(allowed: 0 or 3..65535 seconds)");
	EXPECT_ERR(OU "      asn: 64512\n      holdTimeSeconds: 30\n",
		   "t.yaml:11:7: Underlay u: spec.neighbors[0]: holdTimeSeconds and "
		   "keepaliveTimeSeconds must be both set or both unset");
	EXPECT_ERR(OU
		   "      asn: 64512\n      holdTimeSeconds: 30\n      keepaliveTimeSeconds: 31\n",
		   "t.yaml:12:29: Underlay u: spec.neighbors[0].keepaliveTimeSeconds: 31 is out of "
		   "range: keepaliveTimeSeconds must be at most holdTimeSeconds 30 (allowed: "
		   "1..holdTimeSeconds)");
	EXPECT_ERR(
	    OU "      asn: 64512\n      holdTimeSeconds: 30\n      holdTime: 30s\n",
	    "t.yaml:12:7: Underlay u: spec.neighbors[0]: 'holdTimeSeconds' and 'holdTime' are "
	    "the same field (the current and the legacy name); give one");
	EXPECT_ERR(
	    OU "      asn: 64512\n      type: External\n",
	    "t.yaml:11:7: Underlay u: spec.neighbors[0]: asn and type cannot be set together");
	EXPECT_ERR(OU "      type: Externel\n",
		   "t.yaml:10:13: Underlay u: spec.neighbors[0].type: unknown value 'Externel' "
		   "(allowed: External, Internal)");
	EXPECT_ERR(OU "      asn: 64512\n      passwordSecret: s\n",
		   "t.yaml:11:7: Underlay u: spec.neighbors[0]: passwordSecret is not supported: "
		   "Peregrine does not read Kubernetes Secrets; put the key in password");
	EXPECT_ERR(OU "      asn: 64512\n      password: \"a b\"\n",
		   "t.yaml:11:17: Underlay u: spec.neighbors[0].password: must not contain white "
		   "space");
	EXPECT_ERR(OU "      asn: 64512\n      port: 20000\n",
		   "t.yaml:11:13: Underlay u: spec.neighbors[0].port: 20000 is out of range "
		   "(allowed: 1..16384)");
	EXPECT_ERR(OU "      asn: 64512\n      connectTimeSeconds: 0\n",
		   "t.yaml:11:27: Underlay u: spec.neighbors[0].connectTimeSeconds: 0 is out of "
		   "range (allowed: 1..65535 seconds)");
	EXPECT_ERR(
	    OU "      asn: 64512\n      properties: [{type: ebgpMultiHop, ebgpMultiHop: "
	       "{ttl: 0}}]\n",
	    "t.yaml:11:61: Underlay u: spec.neighbors[0].properties[0].ebgpMultiHop.ttl: 0 is "
	    "out of range (allowed: 1..255)");
	EXPECT_ERR(
	    OU "      asn: 64512\n      addressFamilies: [{type: ipv4vpn}]\n",
	    "t.yaml:11:32: Underlay u: spec.neighbors[0].addressFamilies[0].type: ipv4vpn is "
	    "not supported (VPN families carry SRv6 L3VPNs; allowed: ipv4unicast, "
	    "ipv6unicast, evpn)");
	EXPECT_ERR(
	    OU "      asn: 64512\n      addressFamilies: [{type: evpn, properties: [{type: "
	       "routeReflectorClient}]}]\n",
	    "t.yaml:11:58: Underlay u: spec.neighbors[0].addressFamilies[0].properties[0].type: "
	    "routeReflectorClient is not supported: Peregrine does not reflect routes");
	EXPECT_ERR(
	    OU "      asn: 64512\n      interface: eth1\n",
	    "t.yaml:11:7: Underlay u: spec.neighbors[0]: interface (BGP unnumbered over IPv6 "
	    "link-local addresses) is not supported yet: give the neighbor's address");
	EXPECT_ERR(OU "      asn: 64512\n    - listenRange: 10.0.0.0/24\n      asn: 1\n",
		   "t.yaml:11:7: Underlay u: spec.neighbors[1]: listenRange (dynamic neighbors) is "
		   "not supported yet: list each neighbor with its address");
	EXPECT_ERR(OU "      asn: 64512\n    - {address: 192.168.11.2, asn: 1}\n",
		   "t.yaml:11:7: Underlay u: spec.neighbors[1].address: duplicate neighbor address "
		   "192.168.11.2 (first at line 9)");
	EXPECT_ERR(OU "      asn: 64512\n  isis: {}\n",
		   "t.yaml:11:3: Underlay u: spec: isis is not supported: Peregrine has no IS-IS");
	EXPECT_ERR(
	    OU "      asn: 64512\n  srv6: {}\n",
	    "t.yaml:11:3: Underlay u: spec: srv6 is not supported: Peregrine's dataplane has no "
	    "SRv6");
	EXPECT_ERR(
	    OU "      asn: 64512\n  gracefulRestart: {restartTimeSeconds: 5000}\n",
	    "t.yaml:11:41: Underlay u: spec.gracefulRestart.restartTimeSeconds: 5000 is out of "
	    "range (allowed: 1..4095)");
	EXPECT_ERR_NODE(
	    OU "      asn: 64512\n  routerIDCIDR: 10.0.0.0/30\n", 3, NULL,
	    "t.yaml:11:17: Underlay u: spec.routerIDCIDR: node index 3 is out of range for "
	    "routerIDCIDR 10.0.0.0/30 (the router ID is its address number 4; it has 4)");
	EXPECT_ERR_NODE(OU "      asn: 64512\n", 256, NULL,
			"t.yaml:5:3: Underlay u: spec: node index 256 is out of range for "
			"routerIDCIDR 10.0.0.0/24 (the router ID is its address number 257; it "
			"has 256)");
	EXPECT_ERR(
	    OU "      asn: 64512\n  tunnelEndpoint: {cidrs: [\"fd00::/64\"]}\n",
	    "t.yaml:11:3: Underlay u: spec: duplicate key 'tunnelEndpoint' (first at line 6)");
	EXPECT_ERR_FREE(replace(OU "      asn: 64512\n", "[100.65.0.0/24]", "[\"fd00::/64\"]"),
			"t.yaml:6:28: Underlay u: spec.tunnelEndpoint.cidrs[0]: IPv6 VTEPs are not "
			"supported (Peregrine's VXLAN tunnel endpoint is IPv4; give an IPv4 CIDR)");
	EXPECT_ERR_FREE(
	    replace(OU "      asn: 64512\n",
		    "{type: NetworkDevice, networkDevice: "
		    "{interfaceName: eth1}}",
		    "{type: CNIDevice, cniDevice: {}}"),
	    "t.yaml:7:23: Underlay u: spec.interfaces[0].type: CNIDevice is not supported");
	EXPECT_ERR_FREE(
	    replace(OU "      asn: 64512\n", "interfaceName: eth1", "interfaceName: 1eth"),
	    "t.yaml:7:69: Underlay u: spec.interfaces[0].networkDevice.interfaceName: '1eth' is "
	    "not a valid name (1..15 characters: a letter, then letters, digits, '_', '-', "
	    "'.')");
	EXPECT_ERR(
	    OU "      asn: 64512\n  evpn: {vtepcidr: 10.0.0.0/24}\n",
	    "t.yaml:11:3: Underlay u: spec: 'tunnelEndpoint' and 'evpn' are the current and the "
	    "legacy field; give one");
	char *y3 = replace(OU, "{name: u}", "{name: v}");
	char *y4 = malloc(strlen(y3) + 512);
	sprintf(y4, "%s      asn: 64512\n---\n%s      asn: 64512\n", OU, y3);
	EXPECT_ERR(y4,
		   "t.yaml:12:1: Underlay v: more than one Underlay applies to this node (the "
		   "other is Underlay u at line 1); give them nodeSelectors that do not overlap");
	free(y3);
	free(y4);
	EXPECT_ERR(OU "      asn: 64512\n---\n" OU "      asn: 64512\n",
		   "t.yaml:13:7: Underlay u: a second Underlay named 'u' (the first is at line 1)");

	/* L3VNI */
	EXPECT_ERR(OU "      asn: 64512\n" OL3 "  underlayAddressFamily: IPv6\n",
		   "t.yaml:18:26: L3VNI red: spec.underlayAddressFamily: IPv6 VTEPs are not "
		   "supported (Peregrine's VXLAN tunnel endpoint is IPv4; allowed: IPv4)");
	EXPECT_ERR_FREE(
	    replace(OU "      asn: 64512\n" OL3, "vrf: red", "vrf: redredredredredred"),
	    "t.yaml:16:8: L3VNI red: spec.vrf: 'redredredredredred' is not a valid name (1..15 "
	    "characters: a letter, then letters, digits, '_', '-')");
	EXPECT_ERR(OU "      asn: 64512\n" OL3 "  importRTs: [\"1.2.3.4:70000\"]\n",
		   "t.yaml:18:15: L3VNI red: spec.importRTs[0]: expected a route target ASN:NN");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL3
	       "  hostSession: {asn: 64514, hostASN: 64514, localCIDR: {ipv4: 10.1.0.0/24}}\n",
	    "t.yaml:18:38: L3VNI red: spec.hostSession.hostASN: hostASN must be different from "
	    "asn (64514): the host session of an L3VNI is eBGP (use hostType: Internal for "
	    "iBGP)");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL3 "  hostSession: {asn: 64514, localCIDR: {}}\n",
	    "t.yaml:18:16: L3VNI red: spec.hostSession: needs hostASN or hostType (either must "
	    "be set)");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL3
	       "  hostSession: {asn: 1, hostType: Internal, localCIDR: {}}\n",
	    "t.yaml:18:56: L3VNI red: spec.hostSession.localCIDR: at least one of ipv4 or ipv6 "
	    "must be specified");
	EXPECT_ERR_NODE(
	    OU "      asn: 64512\n" OL3
	       "  hostSession: {asn: 1, hostType: Internal, localCIDR: {ipv4: "
	       "10.1.0.0/30}}\n",
	    2, NULL,
	    "t.yaml:18:63: L3VNI red: spec.hostSession.localCIDR.ipv4: node index 2 is "
	    "out of range for localCIDR 10.1.0.0/30 (the host side is its address 4; it "
	    "has 4)");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL3
	       "  hostSession: {asn: 1, hostType: Internal, localCIDR: {ipv4: 10.1.0.128/25}}\n",
	    "t.yaml:18:63: L3VNI red: spec.hostSession.localCIDR.ipv4: the router side would be "
	    "10.1.0.128, the subnet address of 10.1.0.128/25, which Peregrine cannot use as an "
	    "interface address (use a CIDR whose first address ends in 0, e.g. a /24)");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL3 "---\n"
	       "apiVersion: network.openperouter.io/v1alpha1\nkind: L3VNI\nmetadata: {name: "
	       "b}\nspec: {vrf: red, vni: 200}\n",
	    "t.yaml:22:13: L3VNI b: spec.vrf: more than one L3VNI in VRF 'red' (also L3VNI red "
	    "at line 12)");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL3 "---\n"
	       "apiVersion: network.openperouter.io/v1alpha1\nkind: L2VNI\nmetadata: {name: "
	       "b}\nspec: {vni: 100}\n",
	    "t.yaml:22:13: L2VNI b: spec.vni: duplicate VNI 100 (also L3VNI red at line 12)");
	EXPECT_ERR(OU "      asn: 64512\n" OL3 "  vxlanPort: 4790\n---\n"
		      "apiVersion: network.openperouter.io/v1alpha1\nkind: L2VNI\nmetadata: {name: "
		      "b}\nspec: {vni: 200}\n",
		   "t.yaml:23:7: L2VNI b: spec.vxlanPort: all VNIs share one VXLAN UDP port in "
		   "Peregrine: 4789 differs from 4790 (line 12)");

	/* L2VNI */
#define OL2 "---\napiVersion: network.openperouter.io/v1alpha1\nkind: L2VNI\nmetadata: {name: l2}\n"
	EXPECT_ERR(OU "      asn: 64512\n" OL2 "spec: {vni: 5, gatewayIPs: [10.1.1.1/24]}\n",
		   "t.yaml:15:28: L2VNI l2: spec.gatewayIPs: gatewayIPs cannot be set without "
		   "routingDomain");
	EXPECT_ERR(OU "      asn: 64512\n" OL2
		      "spec: {vni: 5, routingDomain: {type: L3VNI, l3vni: {name: blue}}}\n",
		   "t.yaml:15:59: L2VNI l2: spec.routingDomain.l3vni.name: no L3VNI named 'blue' "
		   "applies to this node (L3VNIs: none)");
	EXPECT_ERR(OU "      asn: 64512\n" OL2
		      "spec: {vni: 5, routingDomain: {type: L3VPN, l3vpn: {name: blue}}}\n",
		   "t.yaml:15:38: L2VNI l2: spec.routingDomain.type: L3VPN routing domains are not "
		   "supported (SRv6 L3VPNs are not; allowed: L3VNI)");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL3 OL2
	       "spec: {vni: 5, routingDomain: {type: L3VNI, l3vni: {name: red}}, gatewayIPs: "
	       "[10.1.1.1/24, 10.2.1.1/24]}\n",
	    "t.yaml:22:92: L2VNI l2: spec.gatewayIPs[1]: two IPv4 addresses: if 2 addresses are "
	    "provided, one must be IPv4 and one IPv6");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL2
	       "spec: {vni: 5, hostMaster: {type: OVSBridge, ovsBridge: {lifecycle: Managed}}}\n",
	    "t.yaml:15:35: L2VNI l2: spec.hostMaster.type: OVS bridges are not supported: "
	    "Peregrine attaches the host interface to Linux bridges only (allowed: "
	    "LinuxBridge)");
	EXPECT_ERR(OU "      asn: 64512\n" OL2
		      "spec: {vni: 5, hostMaster: {type: LinuxBridge, linuxBridge: {lifecycle: "
		      "Managed, name: br1}}}\n",
		   "t.yaml:15:88: L2VNI l2: spec.hostMaster.linuxBridge: name must be set when the "
		   "bridge is External (not created), and must not be set when it is Managed "
		   "(created as br-hs-<VNI>)");
	EXPECT_ERR(OU "      asn: 64512\n" OL2
		      "spec: {vni: 5, hostMaster: {type: LinuxBridge, linuxBridge: {lifecycle: "
		      "External}}}\n",
		   "t.yaml:15:61: L2VNI l2: spec.hostMaster.linuxBridge: name must be set when the "
		   "bridge is External");
	EXPECT_ERR(OU "      asn: 64512\n" OL2 "spec: {vni: 5}\n" OL2 "spec: {vni: 6}\n",
		   "t.yaml:18:7: L2VNI l2: a second L2VNI named 'l2' (the first is at line 12)");
	EXPECT_ERR(
	    OL2 "spec: {vni: 5}\n",
	    "t.yaml:2:1: L2VNI l2: needs an Underlay (its asn and neighbors) or the Peregrine "
	    "document's bgp");
	EXPECT_ERR_FREE(
	    replace(OU "      asn: 64512\n" OL2 "spec: {vni: 5}\n",
		    "  tunnelEndpoint: {cidrs: [100.65.0.0/24]}\n", ""),
	    "t.yaml:11:1: L2VNI l2: needs a VTEP: the Underlay's tunnelEndpoint.cidrs (or the "
	    "Peregrine document's vtep)");

	/* L3Passthrough */
#define OPT "---\napiVersion: network.openperouter.io/v1alpha1\nkind: L3Passthrough\n"
	EXPECT_ERR(OU "      asn: 64512\n" OPT "metadata: {name: a}\nspec: {}\n",
		   "t.yaml:15:7: L3Passthrough a: spec: missing required key 'hostSession'");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OPT
	       "metadata: {name: a}\nspec: {hostSession: {asn: 1, hostASN: 2, localCIDR: "
	       "{ipv4: 10.1.0.0/24}}}\n" OPT
	       "metadata: {name: b}\nspec: {hostSession: {asn: 1, hostASN: 2, localCIDR: "
	       "{ipv4: 10.2.0.0/24}}}\n",
	    "t.yaml:17:1: L3Passthrough b: can't have more than one L3Passthrough per node (the "
	    "other is L3Passthrough a at line 12)");
	EXPECT_ERR(
	    OU "      asn: 64512\n" OL3
	       "  hostSession: {asn: 1, hostType: External, localCIDR: {ipv4: 10.1.0.0/16}}\n" OPT
	       "metadata: {name: a}\nspec: {hostSession: {asn: 1, hostASN: 2, localCIDR: "
	       "{ipv4: 10.1.5.0/24}}}\n",
	    "t.yaml:23:60: L3Passthrough a: spec.hostSession: localCIDR 10.1.5.0/24 overlaps "
	    "10.1.0.0/16 of L3VNI red (line 12)");

	/* nodeSelector */
	EXPECT_ERR_NODE(OU
			"      asn: 64512\n  nodeSelector: {matchExpressions: [{key: a, operator: "
			"In}]}\n",
			0, "a=b",
			"t.yaml:11:37: Underlay u: spec.nodeSelector.matchExpressions[0].values: "
			"operator In needs at least one value");
	EXPECT_ERR_NODE(OU "      asn: 64512\n  nodeSelector: {matchLabels: {a: c}}\n", 0, "a=b",
			"t.yaml:1:1: no ports: give the Peregrine document's spec.ports or an "
			"Underlay's interfaces");

	/* with the Peregrine document: the same thing twice must be the same */
	EXPECT_ERR("kind: Peregrine\nspec:\n  ports: [{name: p, device: eth9}]\n"
		   "  bgp: {asn: 65000}\n---\n" OU "      asn: 64512\n",
		   "t.yaml:10:8: Underlay u: spec.asn: 64514 differs from the Peregrine document's "
		   "bgp.asn 65000 (line 4)");
	EXPECT_ERR(
	    "kind: Peregrine\nspec:\n  ports: [{name: eth1, device: eth2}]\n---\n" OU
	    "      asn: 64512\n",
	    "t.yaml:11:69: Underlay u: spec.interfaces: interface 'eth1' is port 'eth1' of the "
	    "Peregrine document (line 3) with device 'eth2'; the same port there needs device "
	    "'eth1' in the default VRF");
	EXPECT_ERR(
	    "kind: Peregrine\nspec:\n  ports: [{name: p, device: eth9}]\n  vtep: 1.2.3.4\n"
	    "---\n" OU "      asn: 64512\n",
	    "t.yaml:11:28: Underlay u: spec.tunnelEndpoint: the VTEP of node 0 is 100.65.0.0, "
	    "but the Peregrine document's vtep is 1.2.3.4");
	EXPECT_ERR(
	    "kind: Peregrine\nspec:\n  ports: [{name: p, device: eth9}]\n"
	    "  bgp: {asn: 64514, neighbors: [{address: 192.168.11.2, asn: 64512}]}\n---\n" OU
	    "      asn: 64512\n",
	    "t.yaml:14:7: Underlay u: spec.neighbors[0]: neighbor 192.168.11.2 is also in the "
	    "Peregrine document (line 4) with other settings: define it once, or identically");
	EXPECT_ERR("kind: Peregrine\nspec:\n  nodeIndex: -1\n",
		   "t.yaml:3:14: spec.nodeIndex: expected an integer 0..65535, got '-1'");
	EXPECT_ERR("kind: Peregrine\nspec:\n  nodeLabels: [a]\n",
		   "t.yaml:3:15: spec.nodeLabels: expected a mapping of labels (key: value), got a "
		   "sequence");
	/* the Peregrine kind's new keys */
	EXPECT_ERR(BGPHDR "    asn: 65001\n    neighbors: [{address: 10.100.0.2, asn: 1, type: "
			  "internal}]\n",
		   "t.yaml:10:47: spec.bgp.neighbors[0]: asn and type are mutually exclusive");
	EXPECT_ERR(HDR "  ports: [{name: a, device: eth0, linuxBridge: {name: br0}}]\n",
		   "t.yaml:4:48: spec.ports[0].linuxBridge: only for a net_tap device with "
		   "iface=NAME");
}
#undef OU
#undef OL3
#undef OL2
#undef OPT

/* ------------------------------------------------------------------------------------------
 * Routing policy: prefixSets, communitySets, policies, importPolicy/exportPolicy
 */
#define POLHDR                                                                                    \
	BGPHDR                                                                                    \
	"    asn: 65001\n"							   /* 9 */        \
	"    prefixSets:\n"							   /* 10 */       \
	"      blocks:\n"							   /* 11 */       \
	"        - {prefix: 10.244.0.0/16, ge: 26, le: 26}\n"			   /* 12 */       \
	"        - prefix: 10.0.0.0/8\n"					   /* 13 */       \
	"      v6:\n"								   /* 14 */       \
	"        - {prefix: \"fd00::/8\", le: 64}\n"				   /* 15 */       \
	"    communitySets:\n"							   /* 16 */       \
	"      tag: [\"65001:100\", \"65001:1:2\", no-export, \"65002:*\"]\n"	   /* 17 */       \
	"    policies:\n"							   /* 18 */       \
	"      in:\n"								   /* 19 */       \
	"        - match: {prefixSet: blocks, community: tag}\n"		   /* 20 */       \
	"          set: {localPref: 200, med: 5, addCommunities: [\"65001:7\"]}\n" /* 21 */       \
	"          action: accept\n"						   /* 22 */       \
	"        - set: {prependAs: {asn: 65009, times: 3}, removeCommunities: "                  \
	"[\"65001:*\"]}\n"	   /* 23 */                                                       \
	"          action: next\n" /* 24 */                                                       \
	"        - match: {asPathContains: 65010, originAs: 65011, family: ipv4-unicast}\n" /* 25 \
											     */   \
	"          action: reject\n" /* 26 */                                                     \
	"      out: []\n"	     /* 27 */

static void test_aggregates(void)
{
	struct pg_config cfg, back;
	char *t;
	if (LOAD_OK(BGPHDR "    asn: 65001\n"
			   "    aggregates:\n      - {prefix: 10.244.0.0/16, summaryOnly: true}\n"
			   "      - {prefix: \"fd00::/48\"}\n",
		    &cfg) == 0) {
		char b0[PG_PREFIX_FMT_LEN], b1[PG_PREFIX_FMT_LEN];
		CHECK(cfg.bgp.n_aggregates == 2);
		CHECK_STR(fmt_prefix(&cfg.bgp.aggregates[0].prefix, b0), "10.244.0.0/16");
		CHECK_STR(fmt_prefix(&cfg.bgp.aggregates[1].prefix, b1), "fd00::/48");
		CHECK(cfg.bgp.aggregates[0].summary_only && !cfg.bgp.aggregates[1].summary_only);
		CHECK(cfg.bgp.aggregates[0].vrf == 0 && cfg.bgp.aggregates[0].line == 11);
		if ((t = ROUND_TRIP(&cfg, &back))) {
			CHECK(strstr(t, "  aggregates: [{prefix: 10.244.0.0/16, vrf: default, "
					"summaryOnly: true}, {prefix: \"fd00::/48\", vrf: "
					"default, summaryOnly: false}]\n"));
			free(t);
			config_free(&back);
		}
		config_free(&cfg);
	}
}

static void test_policy(void)
{
	struct pg_config cfg;
	char *t;

	if (LOAD_OK(POLHDR "    maximumPaths: 2\n"
			   "    neighbors:\n"
			   "      - {address: 10.100.0.2, asn: 65002, importPolicy: in,\n"
			   "         exportPolicy: [out, in], defaultOriginate: true}\n"
			   "      - {address: 10.100.0.3, asn: 65002}\n",
		    &cfg) == 0) {
		const struct bgp_policy_db *db = cfg.bgp.policies;
		CHECK(cfg.bgp.max_paths == 2);
		CHECK(db && db->n_pfx == 2 && db->n_comm == 1 && db->n_pol == 2);
		if (db && db->n_pfx == 2 && db->n_comm == 1 && db->n_pol == 2) {
			CHECK(!strcmp(db->pfx[0].name, "blocks") && db->pfx[0].n == 2);
			CHECK(db->pfx[0].ents[0].ge == 26 && db->pfx[0].ents[0].le == 26);
			CHECK(db->pfx[0].ents[1].ge == 8 && db->pfx[0].ents[1].le == 8);
			CHECK(db->pfx[1].ents[0].ge == 8 && db->pfx[1].ents[0].le == 64);
			CHECK(db->comm[0].n == 4 && db->comm[0].ents[1].large &&
			      db->comm[0].ents[2].v[0] == 0xFFFFFF01u &&
			      db->comm[0].ents[3].wild == 2);
			const struct bgp_pol_term *t0 = &db->pol[0].terms[0];
			CHECK(db->pol[0].n_terms == 3 && db->pol[1].n_terms == 0);
			CHECK(t0->match == (BGP_PM_PREFIX | BGP_PM_COMM) && t0->pfx_set == 0);
			CHECK(t0->local_pref == 200 && t0->med == 5 && t0->n_add == 1 &&
			      t0->add[0].v[0] == (65001u << 16 | 7) &&
			      t0->action == BGP_POL_ACCEPT);
			const struct bgp_pol_term *t1 = &db->pol[0].terms[1];
			CHECK(t1->match == 0 && t1->prepend_as == 65009 && t1->prepend_n == 3 &&
			      t1->n_remove == 1 && t1->action == BGP_POL_NEXT);
			const struct bgp_pol_term *t2 = &db->pol[0].terms[2];
			CHECK(t2->aspath_as == 65010 && t2->origin_as == 65011 && t2->family == 0 &&
			      t2->action == BGP_POL_REJECT && t2->line == 25);
		}
		const struct cfg_bgp_neighbor *nb = cfg.bgp.neighbors;
		CHECK(nb[0].import_pol.n == 1 && nb[0].import_pol.idx[0] == 0);
		CHECK(nb[0].export_pol.n == 2 && nb[0].export_pol.idx[0] == 1 &&
		      nb[0].export_pol.idx[1] == 0);
		CHECK(nb[0].default_originate && !nb[1].default_originate);
		CHECK(nb[1].import_pol.n == 0 && nb[1].export_pol.n == 0);
		struct pg_config back;
		if ((t = ROUND_TRIP(&cfg, &back))) {
			CHECK(strstr(t, "        - {prefix: 10.244.0.0/16, ge: 26, le: 26}\n"));
			CHECK(strstr(t, "      tag: [\"65001:100\", \"65001:1:2\", \"no-export\", "
					"\"65002:*\"]\n"));
			CHECK(strstr(t, "        - set: {removeCommunities: [\"65001:*\"], "
					"prependAs: {asn: "
					"65009, times: 3}}\n"));
			CHECK(strstr(t, "        exportPolicy: [out, in]\n"));
			CHECK(strstr(t, "      out: []\n"));
			free(t);
			config_free(&back);
		}
		config_free(&cfg);
	}
	/* without any: no database, maximumPaths 16 (today's multipath) */
	if (LOAD_OK(BGPHDR "    asn: 65001\n", &cfg) == 0) {
		CHECK(cfg.bgp.policies == NULL && cfg.bgp.max_paths == 16);
		config_free(&cfg);
	}

#define PN POLHDR "    neighbors:\n      - address: 10.100.0.2\n        asn: 65002\n" /* 31 */
	EXPECT_ERR(PN "        importPolicy: nope\n",
		   "t.yaml:31:23: spec.bgp.neighbors[0].importPolicy: unknown policy 'nope' "
		   "(defined: in, out)");
	EXPECT_ERR(PN "        exportPolicy: [in, out, in]\n",
		   "t.yaml:31:33: spec.bgp.neighbors[0].exportPolicy[2]: 'in' is in the "
		   "chain twice");
	EXPECT_ERR(PN "        exportPolicy: []\n",
		   "t.yaml:31:23: spec.bgp.neighbors[0].exportPolicy: an empty list");
	EXPECT_ERR(PN "        defaultOriginate: 2\n",
		   "t.yaml:31:27: spec.bgp.neighbors[0].defaultOriginate: expected true or false");
	EXPECT_ERR(BGPHDR "    asn: 65001\n    neighbors:\n      - {address: 10.100.0.2, asn: 1, "
			  "importPolicy: x}\n",
		   "t.yaml:11:53: spec.bgp.neighbors[0].importPolicy: unknown policy 'x' "
		   "(defined: "
		   "none)");
#undef PN
#define PE(from, to, ...) EXPECT_ERR(replace_tmp(POLHDR, from, to), __VA_ARGS__)
	PE("ge: 26, le: 26", "ge: 15, le: 26",
	   "t.yaml:12:39: spec.bgp.prefixSets.blocks[0].ge: 15 is less than the prefix "
	   "length 16 "
	   "(allowed: 16..32)");
	PE("ge: 26, le: 26", "ge: 26, le: 25",
	   "t.yaml:12:47: spec.bgp.prefixSets.blocks[0].le: 25 is less than ge 26 "
	   "(allowed: "
	   "26..32)");
	PE("ge: 26, le: 26", "ge: 26, le: 33",
	   "t.yaml:12:47: spec.bgp.prefixSets.blocks[0].le: 33 is out of range (allowed: "
	   "0..32)");
	PE("le: 64", "le: 7",
	   "t.yaml:15:36: spec.bgp.prefixSets.v6[0].le: 7 is less than the prefix length 8 "
	   "(allowed: 8..128)");
	PE("10.0.0.0/8", "10.0.0.1/8",
	   "t.yaml:13:19: spec.bgp.prefixSets.blocks[1].prefix: '10.0.0.1/8' has host bits "
	   "set");
	PE("- prefix: 10.0.0.0/8", "- {ge: 8}",
	   "t.yaml:13:11: spec.bgp.prefixSets.blocks[1]: missing required key 'prefix'");
	PE("- prefix: 10.0.0.0/8", "- {prefix: 10.0.0.0/8, lee: 9}",
	   "t.yaml:13:32: spec.bgp.prefixSets.blocks[1]: unknown key 'lee' (allowed: "
	   "prefix, ge, "
	   "le)");
	PE("      v6:\n", "      blocks:\n",
	   "t.yaml:14:7: spec.bgp.prefixSets: 'blocks' is defined twice (first at line "
	   "11)");
	PE("      v6:\n", "      \"v 6\":\n",
	   "t.yaml:14:7: spec.bgp.prefixSets: 'v 6' is not a valid name");
	PE("\"65001:100\"", "\"65001:65536\"",
	   "t.yaml:17:13: spec.bgp.communitySets.tag[0]: expected a community A:B "
	   "(0..65535 each)");
	PE("\"65001:100\"", "\"65001:1:2\"",
	   "t.yaml:17:26: spec.bgp.communitySets.tag[1]: '65001:1:2' is listed twice "
	   "(first at "
	   "index 0)");
	PE("\"65001:100\"", "\"no-such\"",
	   "t.yaml:17:13: spec.bgp.communitySets.tag[0]: expected a community");
	PE("prefixSet: blocks,", "prefixSet: block,",
	   "t.yaml:20:30: spec.bgp.policies.in[0].match.prefixSet: unknown prefix set "
	   "'block' "
	   "(defined: blocks, v6)");
	PE("community: tag}", "community: tags}",
	   "t.yaml:20:49: spec.bgp.policies.in[0].match.community: unknown community set "
	   "'tags' "
	   "(defined: tag)");
	PE("family: ipv4-unicast", "family: ipv4",
	   "t.yaml:25:67: spec.bgp.policies.in[2].match.family: unknown value 'ipv4' "
	   "(allowed: "
	   "ipv4-unicast, ipv6-unicast, l2vpn-evpn)");
	PE("originAs: 65011", "originAs: 0",
	   "t.yaml:25:52: spec.bgp.policies.in[2].match.originAs: 0 is out of range");
	PE("localPref: 200", "localPref: 4294967296",
	   "t.yaml:21:28: spec.bgp.policies.in[0].set.localPref: 4294967296 is out of "
	   "range "
	   "(allowed: 0..4294967295)");
	PE("addCommunities: [\"65001:7\"]", "addCommunities: [\"65001:*\"]",
	   "t.yaml:21:58: spec.bgp.policies.in[0].set.addCommunities[0]: '65001:*' is a "
	   "pattern");
	PE("times: 3", "times: 11",
	   "t.yaml:23:48: spec.bgp.policies.in[1].set.prependAs.times: 11 is out of range "
	   "(allowed: "
	   "1..10)");
	PE("{asn: 65009, times: 3}", "0",
	   "t.yaml:23:28: spec.bgp.policies.in[1].set.prependAs: 0 is out of range "
	   "(allowed: "
	   "1..10)");
	PE("set: {localPref", "sett: {localPref",
	   "t.yaml:21:11: spec.bgp.policies.in[0]: unknown key 'sett' (allowed: match, "
	   "set, "
	   "action)");
	PE("          action: next\n", "",
	   "t.yaml:23:11: spec.bgp.policies.in[1]: missing required key 'action'");
	PE("action: next", "action: permit",
	   "t.yaml:24:19: spec.bgp.policies.in[1].action: unknown value 'permit' (allowed: "
	   "accept, "
	   "reject, next)");
	PE("          action: reject\n", "          set: {med: 1}\n          action: reject\n",
	   "t.yaml:26:11: spec.bgp.policies.in[2].set: a set on a reject term does "
	   "nothing");
#undef PE
	EXPECT_ERR(BGPHDR "    asn: 65001\n    maximumPaths: 0\n",
		   "t.yaml:10:19: spec.bgp.maximumPaths: 0 is out of range (allowed: 1..16)");
	EXPECT_ERR(BGPHDR "    asn: 65001\n    policies: [a]\n",
		   "t.yaml:10:15: spec.bgp.policies: expected a mapping of policies by name");
}

int main(int argc, char **argv)
{
	test_full();
	test_defaults();
	test_limits();
	test_document_errors();
	test_top_errors();
	test_loopbacks();
	test_vrf_errors();
	test_port_errors();
	test_l3vni_tunnel_errors();
	test_l2vni();
	test_route_errors();
	test_neighbor_errors();
	test_bgp();
	test_bgp_errors();
	test_policy();
	test_aggregates();
	test_host_sessions();
	test_files(argc > 1 ? argv[1] : NULL);
	test_bgp_example(argc > 1 ? argv[1] : NULL);
	test_garbage();
	test_print();
	test_opr_examples();
	test_opr_errors();
	for (int i = 1; i < argc; i++)
		test_print_file(argv[i]);

	if (failures) {
		fprintf(stderr, "test_config: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("test_config: all %d checks passed\n", checks);
	return 0;
}
