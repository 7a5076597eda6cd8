/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * peregrine -c FILE.yaml [--check | --print-config] [-- EAL args]
 *
 * The main lcore is the control thread: it builds the tables, owns the TAPs, the management socket
 * and the neighbour resolver, and is the single writer of every table. The other lcores are
 * workers (dataplane/worker.c).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "apply.h"
#include "config.h"
#include "ctl.h"
#include "dp.h"
#include "dp_setup.h"
#include "netns.h"
#include "exc.h"
#include "fib.h"
#include "kif.h"
#include "kiso.h"
#include "l2ctl.h"
#include "bgp.h"
#include "bgp_cli.h"
#include "bgp_conf.h"
#include "bgp_fib.h"
#include "xdp.h"
#include "log.h"
#include "metrics.h"
#include "reload.h"
#include "mgmt.h"
#include "neigh.h"
#include "nexthop.h"
#include "vni.h"
#include "worker.h"
#include "util.h"

static struct pg_config cfg;

const struct pg_config *ctl_cfg(void)
{
	return &cfg;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: peregrine -c FILE.yaml [options] [-- EAL options]\n"
	    "  -c, --config FILE     configuration (YAML: kind Peregrine and/or OpenPERouter's\n"
	    "                        Underlay, L3VNI, L2VNI, L3Passthrough)\n"
	    "      --node-index N    this node's index for OpenPERouter's per-node addresses\n"
	    "                        (router ID, VTEP, host sessions; overrides spec.nodeIndex)\n"
	    "      --node-label K=V  a label of this node for nodeSelectors (repeatable;\n"
	    "                        replaces spec.nodeLabels)\n"
	    "      --check           validate the configuration and exit\n"
	    "      --print-config    print the effective configuration (every key, defaults\n"
	    "                        and derived values filled in) as YAML and exit\n"
	    "  -l, --log-level LVL   error|warning|notice|info|debug (overrides the config)\n"
	    "  -V, --version         print the version\n"
	    "  -h, --help            this text\n"
	    "EAL options after -- are passed to DPDK; by default Peregrine picks lcores,\n"
	    "memory (hugepages when free ones exist, else --no-huge) and --in-memory.\n");
}

/* Free hugepage memory in MiB, from /proc/meminfo. */
static unsigned long hugepages_free_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long free_pages = 0, size_kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	return free_pages * size_kb / 1024;
}

static bool user_has(int argc, char **argv, const char *const *opts)
{
	for (int i = 0; i < argc; i++)
		for (const char *const *o = opts; *o; o++)
			if (strncmp(argv[i], *o, strlen(*o)) == 0)
				return true;
	return false;
}

/* EAL arguments: ours for whatever the user did not say after "--". */
static int eal_args_build(int uargc, char **uargv, char **out, int max)
{
	static char mem[32], lcores[80], prefix[64];
	bool nohuge = user_has(uargc, uargv, (const char *const[]){"--no-huge", NULL});
	static const char *const o_lcores[] = {"-l", "--lcores", "-c", NULL};
	static const char *const o_mem[] = {"-m", "--socket-mem", "--no-huge", NULL};
	static const char *const o_inmem[] = {"--in-memory", "--file-prefix", NULL};
	static const char *const o_pci[] = {"-a", "--allow", "-b", "--block", "--no-pci", NULL};
	int n = 0;

	out[n++] = "peregrine";
	if (!user_has(uargc, uargv, o_lcores)) {
		snprintf(lcores, sizeof(lcores), "%s", cfg.dp.lcores);
		out[n++] = "-l";
		out[n++] = lcores;
	}
	if (!user_has(uargc, uargv, o_mem)) {
		unsigned long free_mb = hugepages_free_mb();
		snprintf(mem, sizeof(mem), "%u", cfg.dp.memory_mb);
		bool huge = cfg.dp.hugepages == CFG_HUGE_ON ||
			    (cfg.dp.hugepages == CFG_HUGE_AUTO && free_mb >= cfg.dp.memory_mb);
		if (!huge) {
			/* --no-huge implies legacy memory, which --in-memory refuses. */
			out[n++] = "--no-huge";
			out[n++] = "--no-shconf";
			nohuge = true;
			printf("peregrine: %s: running on %u MiB of ordinary memory (--no-huge)\n",
			       cfg.dp.hugepages == CFG_HUGE_OFF
				   ? "hugepages off in the configuration"
			       : free_mb ? "not enough free hugepages"
					 : "no free hugepages",
			       cfg.dp.memory_mb);
		}
		out[n++] = "-m";
		out[n++] = mem;
	}
	if (!user_has(uargc, uargv, o_inmem)) {
		if (nohuge) {
			snprintf(prefix, sizeof(prefix), "--file-prefix=peregrine-%d",
				 (int)getpid());
			out[n++] = prefix;
		} else {
			out[n++] = "--in-memory";
		}
	}
	if (!user_has(uargc, uargv, o_pci)) {
		bool pci = false;
		for (unsigned i = 0; i < cfg.n_ports; i++)
			if (!dp_devspec_is_ifname(cfg.ports[i].device) &&
			    strncmp(cfg.ports[i].device, "net_", 4) != 0)
				pci = true;
		if (!pci)
			out[n++] = "--no-pci";
	}
	out[n++] = "--log-level=*:warning";
	for (int i = 0; i < uargc && n < max - 1; i++)
		out[n++] = uargv[i];
	out[n] = NULL;
	return n;
}

/*
 * Namespaces of the exception path: the TAPs of a VRF's ports live in a namespace of the VRF's
 * own (its kernel routing and TCP apart from the others' and the host's), those of the default
 * VRF in Peregrine's, except a host session's, which always gets one (the host side of its link
 * is in Peregrine's namespace: the kernel must not see both ends). Anonymous, created on first
 * use, gone at exit.
 */
static int vrf_ns[PG_MAX_VRFS], hs_ns[CFG_MAX_HOST_SESSIONS];

/* The namespace fd of port cp's TAP (> 2), 0 for Peregrine's own, or -errno. */
static int port_netns(const struct cfg_port *cp)
{
	int *slot = cp->host_session >= 0 && cp->vrf == PG_VRF_DEFAULT ? &hs_ns[cp->host_session]
		    : cp->vrf != PG_VRF_DEFAULT			       ? &vrf_ns[cp->vrf]
								       : NULL;

	if (!slot)
		return 0;
	if (*slot <= 0) {
		int fd = pg_netns_new();
		if (fd < 0) {
			LOG_ERR(
			    "port %s: cannot create a network namespace for its exception path: "
			    "%s",
			    cp->name, strerror(-fd));
			return fd;
		}
		*slot = fd;
	}
	return *slot;
}

static void netns_close_all(void)
{
	for (unsigned i = 0; i < PG_MAX_VRFS; i++)
		if (vrf_ns[i] > 0)
			close(vrf_ns[i]);
	for (unsigned i = 0; i < CFG_MAX_HOST_SESSIONS; i++)
		if (hs_ns[i] > 0)
			close(hs_ns[i]);
	memset(vrf_ns, 0, sizeof(vrf_ns));
	memset(hs_ns, 0, sizeof(hs_ns));
	pg_netns_fini();
}

/* The TAP of port p in its namespace; a host session's namespace also routes everything else
 * to the host (Calico's BIRD connects from the node's address, not the link's). */
static int port_tap_create(struct dp_port *p, const struct cfg_port *cp)
{
	int ns = port_netns(cp), ret;

	if (ns < 0)
		return ns;
	if ((ret = pg_netns_enter(ns)) < 0) {
		LOG_ERR("port %s: entering its namespace: %s", cp->name, strerror(-ret));
		return ret;
	}
	ret = exc_tap_create(p, cp);
	if (ret == 0)
		p->tap_netns = ns;
	if (ret == 0 && cp->host_session >= 0) {
		const struct cfg_host_session *hs = &cfg.host_sessions[cp->host_session];
		unsigned ifx = if_nametoindex(p->tap_name);
		for (unsigned i = 0; i < hs->n_addrs && ifx; i++) {
			int rc = exc_if_default_route(ifx, &hs->host[i].ip);
			if (rc < 0)
				LOG_ERR("port %s: default route via the host in its namespace: %s",
					cp->name, strerror(-rc));
		}
	}
	if (ns > 0)
		pg_netns_leave();
	return ret;
}

/* The host side of each host session: the Linux end of its net_tap (in Peregrine's namespace)
 * gets the host addresses, the MTU, and goes up. */
static int host_sessions_setup(void)
{
	for (unsigned i = 0; i < cfg.n_host_sessions; i++) {
		const struct cfg_host_session *hs = &cfg.host_sessions[i];
		unsigned ifx = if_nametoindex(hs->name);
		char b[PG_PREFIX_FMT_LEN];
		int ret;

		if (!ifx) {
			LOG_ERR("host session %s: its interface did not appear", hs->name);
			return -ENODEV;
		}
		if ((ret = exc_if_up(hs->name, hs->mtu)) < 0) {
			LOG_ERR("host session %s: MTU/up: %s", hs->name, strerror(-ret));
			return ret;
		}
		for (unsigned a = 0; a < hs->n_addrs; a++)
			if ((ret = exc_if_addr(ifx, &hs->host[a], true, false)) < 0) {
				LOG_ERR("host session %s: address %s: %s", hs->name,
					fmt_prefix(&hs->host[a], b), strerror(-ret));
				return ret;
			}
		LOG_NOTICE(
		    "host session %s: VRF %s, host side %s%s%s", hs->name, cfg.vrfs[hs->vrf].name,
		    fmt_prefix(&hs->host[0], b), hs->n_addrs > 1 ? " and " : "",
		    hs->n_addrs > 1 ? fmt_prefix(&hs->host[1], (char[PG_PREFIX_FMT_LEN]){0}) : "");
	}
	return 0;
}

static int ports_setup(unsigned n_workers)
{
	for (unsigned i = 0; i < cfg.n_ports; i++) {
		const struct cfg_port *cp = &cfg.ports[i];
		struct dp_port_conf pc = {
		    .name = cp->name,
		    .device = cp->device,
		    .driver = cp->driver,
		    .has_mac = cp->has_mac,
		    .mac = cp->mac,
		    .mtu = cp->mtu,
		    .vrf = cp->vrf,
		    .bridged = cp->l2vni >= 0 && !cp->irb,
		    .bd = (uint16_t)(cp->l2vni >= 0 ? cp->l2vni : 0),
		    .n_queues = (uint16_t)n_workers,
		    .xdp_prog = NULL,
		};
		uint16_t idx;
		bool ifname = dp_devspec_is_ifname(cp->device);

		if (cp->irb) {
			/* An L2VNI's gateway: no device, the kernel behind a TAP holds its
			 * addresses and answers ARP/ND and pings for them. */
			int ret = dp_port_add_virtual(&pc, (uint16_t)cp->l2vni, &idx);
			if (ret == 0)
				ret = port_tap_create(dp.ports[idx], cp);
			if (ret < 0)
				return ret;
			LOG_NOTICE("port %s: gateway of L2VNI %u, exception path %s", cp->name,
				   cfg.l2vnis[cp->l2vni].vni, dp.ports[idx]->tap_name);
			continue;
		}
		if (ifname && kiso_ifindex(cp->device) < 0) {
			LOG_ERR("%s:%d: port %s: no Linux interface '%s' here", cfg.file, cp->line,
				cp->name, cp->device);
			return -ENODEV;
		}
		/* A bridged port has no addresses and so no exception path: every frame,
		 * ARP and the rest, is switched (AF_XDP then loads DPDK's default program). */
		bool bridged = cp->l2vni >= 0 && !cp->irb;
		if (!bridged && cp->exception != CFG_EXC_TAP && !(pc.xdp_prog = xdp_prog_path()))
			return -EIO;
		int ret = dp_port_add(&pc, &idx);
		if (ret < 0)
			return ret;
		struct dp_port *p = dp.ports[idx];
		if (ifname && strcmp(p->driver, "af_xdp") != 0)
			kiso_attach(cp->device);
		bool xdp_exc = !bridged &&
			       (cp->exception == CFG_EXC_XDP || (cp->exception == CFG_EXC_AUTO &&
								 strcmp(p->driver, "af_xdp") == 0));
		if (xdp_exc) {
			ret = xdp_port_setup(cp->device, cp->addrs, cp->n_addrs,
					     cp->vrf == PG_VRF_DEFAULT ? cfg.loopbacks : NULL,
					     cp->vrf == PG_VRF_DEFAULT ? cfg.n_loopbacks : 0,
					     rte_cpu_to_be_16(cfg_vxlan_port(&cfg)));
			if (ret < 0)
				return ret;
			p->xdp_exc = true;
			p->ifindex = (unsigned)kiso_ifindex(cp->device);
		}
		if (!cp->no_tap && !xdp_exc && !bridged) {
			ret = port_tap_create(p, cp);
			if (ret < 0)
				return ret;
		}
		char mac[PG_MAC_FMT_LEN];
		LOG_NOTICE("port %s: %s (%s) mac %s, %u queue(s), exception path %s", p->name,
			   p->device, p->driver, fmt_mac((const struct pg_mac *)&p->mac, mac),
			   p->n_rxq,
			   bridged	    ? "none (bridged)"
			   : p->xdp_exc	    ? "xdp (the interface itself)"
			   : p->tap_fd >= 0 ? p->tap_name
					    : "none");
	}
	return 0;
}

/* Linux interfaces listed without addresses (an OpenPERouter Underlay's interfaces) take the
 * addresses the kernel has on them at start. */
static bool kaddrs_taken[PG_MAX_PORTS], kaddrs_moved[PG_MAX_PORTS];

static void ports_kernel_addrs(void)
{
	char b[PG_PREFIX_FMT_LEN];

	for (unsigned i = 0; i < cfg.n_ports; i++) {
		struct cfg_port *cp = &cfg.ports[i];
		if (cp->irb || cp->l2vni >= 0 || cp->n_addrs || !dp_devspec_is_ifname(cp->device))
			continue;
		int n = kif_addrs(cp->device, cp->addrs, PG_MAX_ADDRS);
		if (n <= 0) {
			if (n < 0 && n != -ENODEV)
				LOG_WARN("port %s: addresses of %s: %s", cp->name, cp->device,
					 strerror(-n));
			continue;
		}
		cp->n_addrs = (unsigned)n;
		kaddrs_taken[i] = true;
		for (int a = 0; a < n; a++)
			LOG_NOTICE("port %s: address %s from the kernel's %s", cp->name,
				   fmt_prefix(&cp->addrs[a], b), cp->device);
	}
}

/* With a TAP exception path the TAP holds the addresses taken from the kernel interface: they
 * leave the interface while Peregrine runs (its own ARP would never be answered). */
static void ports_kernel_addrs_move(bool back)
{
	for (unsigned i = 0; i < cfg.n_ports && i < dp.n_ports; i++) {
		const struct cfg_port *cp = &cfg.ports[i];
		int ifindex = kaddrs_taken[i] ? kiso_ifindex(cp->device) : -1;
		if (ifindex < 0 || (!back && dp.ports[i]->tap_fd < 0) || (back && !kaddrs_moved[i]))
			continue;
		for (unsigned a = 0; a < cp->n_addrs; a++)
			exc_if_addr((unsigned)ifindex, &cp->addrs[a], back, false);
		kaddrs_moved[i] = !back;
	}
}

/* spec.loopbacks on the kernel's `lo` (the exception path's kernel terminates their traffic,
 * whichever port it came in on); those that were there before stay at exit. */
static bool lo_added[CFG_MAX_LOOPBACKS];

static int loopbacks_kernel(bool add)
{
	unsigned lo = if_nametoindex("lo");
	char b[PG_IP_FMT_LEN];

	for (unsigned i = 0; lo && i < cfg.n_loopbacks; i++) {
		struct pg_prefix a = {.ip = cfg.loopbacks[i],
				      .len = cfg.loopbacks[i].family == AF_INET ? 32 : 128};
		if (!add) {
			if (lo_added[i])
				exc_if_addr(lo, &a, false, false);
			lo_added[i] = false;
			continue;
		}
		int ret = exc_if_addr(lo, &a, true, true);
		if (ret < 0 && ret != -EEXIST) {
			LOG_ERR("loopback %s on lo: %s", fmt_ip(&a.ip, b), strerror(-ret));
			return ret;
		}
		lo_added[i] = ret == 0;
		LOG_NOTICE("loopback %s%s", fmt_ip(&a.ip, b), ret == 0 ? "" : " (already on lo)");
	}
	return 0;
}

/* The Linux bridges net_tap ports join (an OpenPERouter L2VNI's hostMaster). */
static bool bridge_created[PG_MAX_PORTS];

static int ports_bridges(void)
{
	for (unsigned i = 0; i < cfg.n_ports; i++) {
		const struct cfg_port *cp = &cfg.ports[i];
		char iface[PG_IFNAME_MAX];
		int ret;
		if (!cp->bridge[0] || !config_tap_iface(cp->device, iface))
			continue;
		if (cp->bridge_create) {
			ret = kif_link_add(cp->bridge, "bridge");
			if (ret < 0 && ret != -EEXIST) {
				LOG_ERR("port %s: creating bridge %s: %s", cp->name, cp->bridge,
					strerror(-ret));
				return ret;
			}
			bridge_created[i] = ret == 0;
		}
		ret = kif_set_master(iface, cp->bridge);
		if (ret < 0) {
			LOG_ERR("port %s: %s into bridge %s: %s", cp->name, iface, cp->bridge,
				strerror(-ret));
			return ret;
		}
		LOG_NOTICE("port %s: %s is a port of bridge %s%s", cp->name, iface, cp->bridge,
			   bridge_created[i] ? " (created)" : "");
	}
	return 0;
}

static void ports_bridges_delete(void)
{
	for (unsigned i = 0; i < cfg.n_ports; i++)
		if (bridge_created[i]) {
			kif_link_del(cfg.ports[i].bridge);
			bridge_created[i] = false;
		}
}

static void ports_teardown(void)
{
	loopbacks_kernel(false);
	ports_kernel_addrs_move(true);
	for (unsigned i = 0; i < dp.n_ports; i++) {
		struct dp_port *p = dp.ports[i];
		exc_tap_close(p);
		if (strcmp(p->driver, "af_xdp") != 0 && p->ifname[0])
			kiso_detach(p->ifname);
	}
	dp_ports_stop();
	xdp_teardown();
	ports_bridges_delete();
}

/* --no-huge runs use a per-process EAL runtime directory; leave nothing behind. */
static void runtime_dir_remove(void)
{
	char dir[128], path[512];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/var/run/dpdk/peregrine-%d", (int)getpid());
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* EVPN type-5 for what each L3VNI's VRF reaches by itself: its ports' subnets and its static
 * routes that leave through a port (not those pointing into tunnels). */
static void bgp_originate_vrfs(const struct pg_config *cfg)
{
	char b[PG_PREFIX_FMT_LEN];

	for (unsigned i = 0; i < cfg->n_l3vnis; i++) {
		const struct cfg_l3vni *l = &cfg->l3vnis[i];
		for (unsigned p = 0; p < cfg->n_ports; p++) {
			/* not a host session's link: its subnet is the same on every node */
			if (cfg->ports[p].vrf != l->vrf || cfg->ports[p].host_session >= 0)
				continue;
			for (unsigned a = 0; a < cfg->ports[p].n_addrs; a++) {
				struct pg_prefix net = cfg->ports[p].addrs[a];
				prefix_mask(&net);
				int rc = bgp_originate_prefix(l->vni, &net);
				if (rc < 0)
					LOG_ERR("bgp: type-5 %s (VNI %u): %s", fmt_prefix(&net, b),
						l->vni, strerror(-rc));
			}
		}
		for (unsigned r = 0; r < cfg->n_routes; r++) {
			const struct cfg_route *rt = &cfg->routes[r];
			if (rt->vrf != l->vrf || rt->nh[0].kind != CFG_NH_VIA)
				continue;
			int rc = bgp_originate_prefix(l->vni, &rt->prefix);
			if (rc < 0)
				LOG_ERR("bgp: type-5 %s (VNI %u): %s", fmt_prefix(&rt->prefix, b),
					l->vni, strerror(-rc));
		}
	}
}

/* The BGP speaker from spec.bgp (nothing when the section is absent). */
static int bgp_setup(const struct pg_config *cfg)
{
	struct bgp_conf bc = {0};
	int ret;

	if (!cfg->bgp.enabled)
		return 0;
	bc.asn = cfg->bgp.asn;
	bc.router_id = cfg->bgp.router_id;
	bc.listen_port = cfg->bgp.listen_port;
	bc.graceful_restart = cfg->bgp.graceful_restart;
	bc.restart_time = cfg->bgp.restart_time;
	bc.expect_routes4 = cfg->dp.max_routes4;
	bc.expect_routes6 = cfg->dp.max_routes6;
	bc.max_paths = cfg->bgp.max_paths;
	bc.cluster_id = cfg->bgp.cluster_id;
	bc.policies = cfg->bgp.policies; /* bgp_start() takes a reference */
	bc.n_peers = cfg->bgp.n_neighbors;
	for (unsigned i = 0; i < cfg->n_host_sessions; i++)
		bc.n_peers += cfg->host_sessions[i].n_addrs;
	bc.peers = calloc(bc.n_peers ? bc.n_peers : 1, sizeof(*bc.peers));
	if (!bc.peers)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->bgp.n_neighbors; i++)
		bgp_conf_neighbor(&cfg->bgp.neighbors[i], &bc.peers[i]);
	/* Host sessions: one session per address family, like Calico's bird and bird6, in the
	 * namespace of the session's link; we connect to the host side, and take the host's
	 * connection from whatever address it comes (BIRD uses the node's). */
	for (unsigned i = 0, k = cfg->bgp.n_neighbors; i < cfg->n_host_sessions; i++) {
		const struct cfg_host_session *hs = &cfg->host_sessions[i];
		int ns = port_netns(&cfg->ports[hs->port]);
		for (unsigned a = 0; a < hs->n_addrs; a++, k++) {
			struct bgp_peer_conf *p = &bc.peers[k];
			p->line = hs->line;
			p->addr = hs->host[a].ip;
			p->remote_as = hs->host_asn;
			p->as_type = bgp_conf_as_type(hs->host_type);
			p->local_as = hs->asn && hs->asn != cfg->bgp.asn ? hs->asn : 0;
			p->hold_time = cfg->bgp.hold_time;
			p->keepalive = cfg->bgp.keepalive;
			p->connect_retry = cfg->bgp.connect_retry;
			p->af_mask =
			    hs->host[a].ip.family == AF_INET ? CFG_BGP_AF_IPV4 : CFG_BGP_AF_IPV6;
			snprintf(p->description, sizeof(p->description), "host session %s",
				 hs->name);
			p->netns = ns > 0 ? ns : 0;
			p->any_source = true;
			p->vrf = hs->vrf;
			bgp_conf_chain(&p->import_pol, &hs->import_pol);
			bgp_conf_chain(&p->export_pol, &hs->export_pol);
			p->as_override = hs->as_override;
			p->rr_client = hs->rr_client;
		}
	}
	bc.n_l3vnis = cfg->n_l3vnis;
	bc.l3vnis = calloc(bc.n_l3vnis ? bc.n_l3vnis : 1, sizeof(*bc.l3vnis));
	if (!bc.l3vnis) {
		free(bc.peers);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < bc.n_l3vnis; i++) {
		const struct cfg_l3vni *l = &cfg->l3vnis[i];
		bc.l3vnis[i].vni = l->vni;
		bc.l3vnis[i].vrf = l->vrf;
		if (l->has_rmac)
			bc.l3vnis[i].rmac = l->rmac;
		else
			config_default_rmac(l->vni, &bc.l3vnis[i].rmac);
		bc.l3vnis[i].n_import = (uint8_t)l->n_import_rts;
		bc.l3vnis[i].n_export = (uint8_t)l->n_export_rts;
		memcpy(bc.l3vnis[i].import_rt, l->import_rts, sizeof(l->import_rts));
		memcpy(bc.l3vnis[i].export_rt, l->export_rts, sizeof(l->export_rts));
	}
	bc.n_l2vnis = cfg->n_l2vnis;
	bc.l2vnis = calloc(bc.n_l2vnis ? bc.n_l2vnis : 1, sizeof(*bc.l2vnis));
	if (!bc.l2vnis) {
		free(bc.peers);
		free(bc.l3vnis);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < bc.n_l2vnis; i++) {
		const struct cfg_l2vni *l = &cfg->l2vnis[i];
		bc.l2vnis[i].vni = l->vni;
		bc.l2vnis[i].bd = (uint16_t)i;
		bc.l2vnis[i].n_import = (uint8_t)l->n_import_rts;
		bc.l2vnis[i].n_export = (uint8_t)l->n_export_rts;
		memcpy(bc.l2vnis[i].import_rt, l->import_rts, sizeof(l->import_rts));
		memcpy(bc.l2vnis[i].export_rt, l->export_rts, sizeof(l->export_rts));
	}
	bc.vtep = cfg->has_vtep ? cfg->vtep.v4 : 0;
	/* With host sessions the host's own BGP daemon (Calico's BIRD, bindMode NodeIP) listens on
	 * the node's address in this namespace: listen on ours only. */
	for (unsigned i = 0; cfg->n_host_sessions && i < cfg->n_ports; i++) {
		const struct cfg_port *cp = &cfg->ports[i];
		if (cp->vrf != PG_VRF_DEFAULT || cp->host_session >= 0)
			continue;
		for (unsigned a = 0; a < cp->n_addrs && bc.n_listen < PG_ARRAY_SIZE(bc.listen); a++)
			bc.listen[bc.n_listen++] = cp->addrs[a].ip;
	}
	bc.n_networks = cfg->bgp.n_networks;
	bc.networks = cfg->bgp.networks; /* bgp_start() keeps its own copy */
	bc.n_aggregates = cfg->bgp.n_aggregates;
	bc.aggregates = calloc(bc.n_aggregates ? bc.n_aggregates : 1, sizeof(*bc.aggregates));
	for (unsigned i = 0; bc.aggregates && i < bc.n_aggregates; i++) {
		bc.aggregates[i].prefix = cfg->bgp.aggregates[i].prefix;
		bc.aggregates[i].vrf = cfg->bgp.aggregates[i].vrf;
		bc.aggregates[i].summary_only = cfg->bgp.aggregates[i].summary_only;
	}
	bgp_fib_attach();
	ret = bc.aggregates ? bgp_start(&bc) : -ENOMEM;
	free(bc.aggregates);
	free(bc.peers);
	free(bc.l3vnis);
	free(bc.l2vnis);
	if (ret < 0)
		return ret;
	bgp_cli_register(bc.asn, bc.router_id);
	bgp_originate_vrfs(cfg);
	l2ctl_bgp_sync();
	return 0;
}

/* Tell the BGP peers (Cease) and keep the exception path running for a moment, so that the
 * NOTIFICATIONs leave through the TAPs and the workers before the ports stop. */
static void bgp_shutdown_linger(void)
{
	if (!bgp_running())
		return;
	bgp_stop();
	for (uint64_t end = mono_ms() + 200; mono_ms() < end;) {
		unsigned busy = exc_punt_drain(256);
		for (unsigned i = 0; i < dp.n_ports; i++)
			if (dp.ports[i]->tap_fd >= 0)
				busy += exc_tap_read(dp.ports[i], 64);
		if (!busy)
			usleep(1000);
	}
}

static void reload_on_sighup(void)
{
	struct reload_result r;
	char err[768];

	if (reload_run(&r, err, sizeof(err)) < 0) {
		LOG_ERR("SIGHUP: reload refused: %s", err);
		return;
	}
	LOG_NOTICE("SIGHUP: reloaded: routes +%u -%u ~%u (%u failed), neighbors +%u -%u, networks "
		   "+%u -%u, BGP peers +%u -%u ~%u (%u failed)%s",
		   r.routes_added, r.routes_removed, r.routes_changed, r.route_errors,
		   r.neighbors_added, r.neighbors_removed, r.networks_added, r.networks_removed,
		   r.peers_added, r.peers_removed, r.peers_changed, r.peer_errors,
		   r.log_level_changed ? ", log level changed" : "");
}

/* The control loop: signals, management socket, TAPs, punt rings, BGP, timers, RCU reclamation. */
static int control_loop(void)
{
	struct epoll_event ev, evs[32];
	sigset_t mask;
	int ep, sfd;
	uint64_t last_tick = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0)
		return -errno;
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = UINT64_MAX};
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.u64 = UINT64_MAX - 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, mgmt_fd(), &ev);
	for (unsigned i = 0; i < dp.n_ports; i++) {
		if (dp.ports[i]->tap_fd < 0)
			continue;
		ev.data.u64 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, dp.ports[i]->tap_fd, &ev);
	}
	int kfd = neigh_kernel_open();
	if (kfd >= 0) {
		ev.data.u64 = UINT64_MAX - 2;
		epoll_ctl(ep, EPOLL_CTL_ADD, kfd, &ev);
	}
	if (bgp_running()) {
		ev.data.u64 = UINT64_MAX - 3;
		epoll_ctl(ep, EPOLL_CTL_ADD, bgp_fd(), &ev);
	}
	if (metrics_fd() >= 0) {
		ev.data.u64 = UINT64_MAX - 4;
		epoll_ctl(ep, EPOLL_CTL_ADD, metrics_fd(), &ev);
	}

	for (;;) {
		unsigned busy = exc_punt_drain(256);
		int n = epoll_wait(ep, evs, 32, busy || bgp_busy() ? 0 : 1);
		for (int i = 0; i < n; i++) {
			uint64_t d = evs[i].data.u64;
			if (d == UINT64_MAX) {
				struct signalfd_siginfo si;
				if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						reload_on_sighup();
						continue;
					}
					LOG_NOTICE("%s: shutting down",
						   strsignal((int)si.ssi_signo));
					bgp_shutdown_linger();
					neigh_kernel_close();
					close(sfd);
					close(ep);
					return 0;
				}
			} else if (d == UINT64_MAX - 1) {
				mgmt_poll();
			} else if (d == UINT64_MAX - 2) {
				neigh_kernel_read();
			} else if (d == UINT64_MAX - 3) {
				/* bgp_poll() runs below on every iteration */
			} else if (d == UINT64_MAX - 4) {
				metrics_poll();
			} else if (d < dp.n_ports) {
				exc_tap_read(dp.ports[d], 64);
			}
		}
		bgp_poll();
		uint64_t now = mono_ms();
		l2ctl_poll(now);
		if (now - last_tick >= 100) {
			neigh_tick(now);
			metrics_poll(); /* its connection timeouts */
			last_tick = now;
		}
		fib_commit();
		rcu_reclaim();
	}
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'k'},
	    {"print-config", no_argument, NULL, 'p'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"node-index", required_argument, NULL, 'n'},
	    {"node-label", required_argument, NULL, 'L'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cfg_path = NULL, *log_level = NULL;
	bool check = false, print_config = false;
	static const char *labels[64];
	struct config_opts copts = {.node_index = -1, .labels = labels};
	char err[1024];
	char *eal_argv[128];
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:l:Vh", lopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'p':
			print_config = true;
			break;
		case 'l':
			log_level = optarg;
			break;
		case 'n': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || optarg[0] == '-' || v > 65535) {
				fprintf(stderr,
					"peregrine: --node-index: '%s' (allowed: an integer "
					"0..65535)\n",
					optarg);
				return 64;
			}
			copts.node_index = (int)v;
			break;
		}
		case 'L':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr,
					"peregrine: --node-label: '%s' (expected KEY=VALUE)\n",
					optarg);
				return 64;
			}
			if (copts.n_labels == PG_ARRAY_SIZE(labels)) {
				fprintf(stderr, "peregrine: --node-label: at most %zu labels\n",
					PG_ARRAY_SIZE(labels));
				return 64;
			}
			labels[copts.n_labels++] = optarg;
			break;
		case 'V':
			printf("peregrine %s\n", PEREGRINE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 64;
		}
	}
	if (!cfg_path) {
		fprintf(stderr, "peregrine: missing -c FILE.yaml\n");
		usage(stderr);
		return 64;
	}
	if (config_load_opts(cfg_path, &copts, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "peregrine: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	pg_log_threshold = (enum pg_log_level)cfg.log_level;
	if (log_level) {
		enum pg_log_level lvl;
		if (pg_log_level_parse(log_level, &lvl) < 0) {
			fprintf(stderr,
				"peregrine: --log-level: '%s' (allowed: error, warning, "
				"notice, info, debug)\n",
				log_level);
			return 64;
		}
		pg_log_threshold = lvl;
	}
	if (print_config) {
		ret = config_print(&cfg, stdout);
		config_free(&cfg);
		if (ret < 0) {
			fprintf(stderr, "peregrine: --print-config: cannot write: %s\n",
				strerror(-ret));
			return 1;
		}
		return 0;
	}
	if (check) {
		printf(
		    "%s: configuration OK (%u ports, %u VRFs, %u L3VNIs, %u L2VNIs, %u routes)\n",
		    cfg_path, cfg.n_ports, cfg.n_vrfs, cfg.n_l3vnis, cfg.n_l2vnis, cfg.n_routes);
		config_free(&cfg);
		return 0;
	}

	/* Block the signals before EAL starts its threads, so they inherit the mask and the
	 * control loop's signalfd is the only receiver. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);

	int eal_argc = eal_args_build(argc - optind, argv + optind, eal_argv, 128);
	ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "peregrine: DPDK initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	unsigned avail = rte_lcore_count() - 1;
	unsigned n_workers = cfg.dp.workers ? cfg.dp.workers : avail;
	if (avail == 0 || n_workers > avail || n_workers > PG_MAX_WORKERS) {
		LOG_ERR("%u worker(s) wanted, %u worker lcore(s) available (lcores '%s': the first "
			"is the control thread)",
			n_workers ? n_workers : 1, avail, cfg.dp.lcores);
		rte_eal_cleanup();
		return 1;
	}

	struct dp_init_conf dc = {
	    .mbufs = cfg.dp.mbufs,
	    .max_routes4 = cfg.dp.max_routes4,
	    .tbl8_groups = cfg.dp.tbl8_groups,
	    .max_routes6 = cfg.dp.max_routes6,
	    .punt_rate_pps = cfg.exc.punt_rate_pps,
	    .punt_burst = cfg.exc.punt_burst,
	    .idle_sleep_us = cfg.dp.idle_sleep_us,
	};
	if ((ret = rcu_init()) < 0 || (ret = dp_init(&dc)) < 0 ||
	    (ret = fib_init(cfg.dp.max_routes6 + 65536)) < 0 ||
	    (ret = nh_init(cfg.dp.max_nexthops)) < 0 || (ret = vni_init()) < 0 ||
	    (ret = neigh_init()) < 0) {
		LOG_ERR("table initialisation failed: %s", strerror(-ret));
		goto out;
	}
	fib_set_nh_release(nh_put);
	ports_kernel_addrs();
	if ((ret = ports_setup(n_workers)) < 0 || (ret = ports_bridges()) < 0 ||
	    (ret = host_sessions_setup()) < 0)
		goto out_ports;
	ports_kernel_addrs_move(false);
	if ((ret = loopbacks_kernel(true)) < 0)
		goto out_ports;
	if ((ret = apply_tables(&cfg)) < 0 || (ret = l2ctl_setup(&cfg)) < 0)
		goto out_ports;
	if ((ret = dp_workers_setup(n_workers)) < 0 || (ret = dp_ports_start()) < 0)
		goto out_ports;
	if ((ret = mgmt_init(cfg.mgmt_socket)) < 0) {
		LOG_ERR("management socket %s: %s", cfg.mgmt_socket, strerror(-ret));
		goto out_ports;
	}
	if ((ret = metrics_init(cfg.metrics)) < 0) {
		LOG_ERR("metrics endpoint %s: %s", cfg.metrics, strerror(-ret));
		mgmt_fini();
		goto out_ports;
	}
	cli_register();
	l2ctl_cli_register();
	reload_init(cfg_path, &copts, &cfg);
	reload_cli_register();

	unsigned w = 0, lcore;
	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (w == n_workers)
			break;
		dp.workers[w]->lcore = lcore;
		rte_eal_remote_launch(worker_main, dp.workers[w], lcore);
		w++;
	}
	if ((ret = bgp_setup(&cfg)) < 0) {
		LOG_ERR("BGP: %s", strerror(-ret));
		atomic_store(&dp.running, false);
		rte_eal_mp_wait_lcore();
		metrics_fini();
		mgmt_fini();
		goto out_ports;
	}
	LOG_NOTICE("running: %u port(s), %u worker(s), management socket %s", dp.n_ports, n_workers,
		   cfg.mgmt_socket);
	printf("peregrine: ready\n");
	fflush(stdout);

	ret = control_loop();

	bgp_stop(); /* no-op after a signal (bgp_shutdown_linger); for the other exits */
	atomic_store(&dp.running, false);
	rte_eal_mp_wait_lcore();
	metrics_fini();
	mgmt_fini();
out_ports:
	ports_teardown();
	dp_workers_free();
out:
	l2ctl_fini();
	neigh_fini();
	fib_fini();
	rcu_reclaim(); /* deferred frees still point into the next hop table */
	nh_fini();
	vni_fini();
	rcu_fini();
	dp_fini();
	rte_eal_cleanup();
	netns_close_all();
	runtime_dir_remove();
	config_free(&cfg);
	return ret < 0 ? 1 : 0;
}
