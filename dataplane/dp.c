/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mbuf_dyn.h>

#include "dp.h"
#include "dp_setup.h"
#include "log.h"
#include "util.h"
#include "worker.h"

struct dp_ctx dp;
int pg_meta_offset = -1;

static const char *const drop_names[DROP_MAX] = {
#define DROP(name, text) #name,
#include "drop.def"
#undef DROP
};
static const char *const drop_texts[DROP_MAX] = {
#define DROP(name, text) text,
#include "drop.def"
#undef DROP
};

const char *drop_reason_name(enum drop_reason r)
{
	return r < DROP_MAX ? drop_names[r] : "?";
}

const char *drop_reason_text(enum drop_reason r)
{
	return r < DROP_MAX ? drop_texts[r] : "?";
}

int dp_init(const struct dp_init_conf *c)
{
	static const struct rte_mbuf_dynfield meta_desc = {
	    .name = "peregrine_meta",
	    .size = sizeof(struct pkt_meta),
	    .align = __alignof__(struct pkt_meta),
	};
	static const char *const ring_names[PUNT_CLASS_MAX] = {"punt_ctrl", "punt_resolve",
							       "punt_other"};

	memset(&dp, 0, sizeof(dp));
	pg_meta_offset = rte_mbuf_dynfield_register(&meta_desc);
	if (pg_meta_offset < 0) {
		LOG_ERR("mbuf dynfield: %s", rte_strerror(rte_errno));
		return -rte_errno;
	}
	dp.pool = rte_pktmbuf_pool_create("pg_pool", c->mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	dp.ctl_pool = rte_pktmbuf_pool_create("pg_ctl_pool", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					      SOCKET_ID_ANY);
	dp.n_mbufs = c->mbufs;
	if (!dp.pool || !dp.ctl_pool) {
		LOG_ERR("mbuf pool of %u buffers: %s", c->mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (unsigned i = 0; i < PUNT_CLASS_MAX; i++) {
		dp.punt[i] =
		    rte_ring_create(ring_names[i], PG_RING_SIZE, SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (!dp.punt[i])
			return -ENOMEM;
	}
	dp.punt_rate_pps = c->punt_rate_pps;
	dp.punt_burst = c->punt_burst;
	dp.idle_sleep_us = c->idle_sleep_us;
	dp.fib4_max_routes = c->max_routes4;
	dp.fib6_max_routes = c->max_routes6;
	atomic_store(&dp.vxlan_port, rte_cpu_to_be_16(PG_VXLAN_PORT));
	atomic_store(&dp.running, true);
	return 0;
}

static bool is_pci_addr(const char *s)
{
	unsigned a, b, c, d;
	char tail;

	return sscanf(s, "%x:%x:%x.%x%c", &a, &b, &c, &d, &tail) == 4 ||
	       sscanf(s, "%x:%x.%x%c", &a, &b, &c, &tail) == 3;
}

bool dp_devspec_is_ifname(const char *s)
{
	return strncmp(s, "net_", 4) != 0 && !is_pci_addr(s);
}

/*
 * The mbuf pool of AF_XDP ports. DPDK 22.11's af_xdp driver registers the pool's memory as UMEM
 * from its first object for populated_size * object size bytes, i.e. it assumes the objects are
 * packed back to back (fixed in DPDK 24.07). A default pool keeps objects from crossing page
 * boundaries (4 KiB pages without hugepages), leaving gaps, so the UMEM ends long before the
 * last mbufs: the kernel discards fill-ring entries and TX descriptors that point there, the fill
 * ring drains and the port stops receiving once the pool has been cycled through (a punt flood
 * does that quickly). This pool is created with RTE_MEMPOOL_F_NO_IOVA_CONTIG, which packs the
 * objects, in one memory chunk; the ports run in copy mode (see port_probe), where the kernel
 * handles buffers that cross pages.
 */
static struct rte_mempool *xdp_pool_get(void)
{
	struct rte_pktmbuf_pool_private priv = {
	    .mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
	    .mbuf_priv_size = 0,
	};
	struct rte_mempool *mp;

	if (dp.xdp_pool)
		return dp.xdp_pool;
	mp = rte_mempool_create_empty("pg_xdp_pool", dp.n_mbufs,
				      sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, 256,
				      sizeof(priv), SOCKET_ID_ANY, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (!mp)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) < 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0 || mp->nb_mem_chunks != 1) {
		LOG_ERR("AF_XDP mbuf pool: %u mbufs not in one memory chunk", dp.n_mbufs);
		goto fail;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	dp.xdp_pool = mp;
	return mp;
fail:
	rte_mempool_free(mp);
	return NULL;
}

/* Turn a device spec into EAL devargs and probe it. Returns the DPDK port id. */
static int port_probe(const struct dp_port_conf *pc, struct dp_port *p)
{
	char devargs[PG_DEVSPEC_MAX + 128];
	uint16_t pid;
	int ret;

	if (dp_devspec_is_ifname(pc->device) &&
	    (pc->driver == CFG_DRIVER_PCAP || pc->driver == CFG_DRIVER_AUTO)) {
		/* libpcap on the interface: slower, but no fanout (AF_PACKET's fanout reassembles
		 * IPv4 fragments, which a router must forward as they are). */
		snprintf(devargs, sizeof(devargs), "net_pcap_%s,iface=%s,phy_mac=1", pc->device,
			 pc->device);
		pg_strlcpy(p->driver, "pcap", sizeof(p->driver));
		pg_strlcpy(p->ifname, pc->device, sizeof(p->ifname));
	} else if (dp_devspec_is_ifname(pc->device)) {
		bool xdp = pc->driver == CFG_DRIVER_AF_XDP;
		/* AF_XDP in copy mode: the packed pool (xdp_pool_get) has buffers that straddle
		 * pages, which zero-copy drivers reject unless the pages are physically contiguous;
		 * the kernel copies into them without that constraint. (veth is copy mode anyway.)
		 */
		if (xdp)
			snprintf(devargs, sizeof(devargs),
				 "net_af_xdp_%s,iface=%s,queue_count=%u,force_copy=1%s%s",
				 pc->device, pc->device, pc->n_queues,
				 pc->xdp_prog ? ",xdp_prog=" : "",
				 pc->xdp_prog ? pc->xdp_prog : "");
		else
			snprintf(devargs, sizeof(devargs), "net_af_packet_%s,iface=%s,qpairs=%u",
				 pc->device, pc->device, pc->n_queues);
		pg_strlcpy(p->driver, xdp ? "af_xdp" : "af_packet", sizeof(p->driver));
		pg_strlcpy(p->ifname, pc->device, sizeof(p->ifname));
	} else {
		snprintf(devargs, sizeof(devargs), "%s", pc->device);
		pg_strlcpy(p->driver, is_pci_addr(pc->device) ? "pci" : "vdev", sizeof(p->driver));
	}
	ret = rte_dev_probe(devargs);
	if (ret < 0) {
		pg_log(pc->attempt ? PG_LOG_INFO : PG_LOG_ERR, "port %s: cannot attach '%s': %s",
		       pc->name, devargs, rte_strerror(-ret));
		return ret;
	}
	/* The port name is the devargs' first field. */
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(devargs, ",");
	snprintf(name, sizeof(name), "%.*s", (int)n, devargs);
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		LOG_ERR("port %s: device '%s' attached but has no ethdev", pc->name, name);
		return -ENODEV;
	}
	return pid;
}

/* Frames the control thread sends out of port index (TAP reads, ARP/ND it builds). */
static struct rte_ring *inject_ring(unsigned index)
{
	char rname[RTE_RING_NAMESIZE];

	snprintf(rname, sizeof(rname), "inject%u", index);
	return rte_ring_create(rname, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

static int port_add_one(const struct dp_port_conf *pc, uint16_t *index)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf = {0};
	struct dp_port *p;
	int pid, ret;

	if (dp.n_ports >= PG_MAX_PORTS)
		return -ENOSPC;
	p = rte_zmalloc("dp_port", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (!p)
		return -ENOMEM;
	pg_strlcpy(p->name, pc->name, sizeof(p->name));
	pg_strlcpy(p->device, pc->device, sizeof(p->device));
	p->tap_fd = -1;
	pid = port_probe(pc, p);
	if (pid < 0) {
		rte_free(p);
		return pid;
	}
	p->port_id = (uint16_t)pid;
	p->index = (uint16_t)dp.n_ports;
	p->vrf = pc->vrf;
	p->bd = pc->bridged ? pc->bd : PG_BD_NONE;
	p->irb_bd = PG_BD_NONE;
	p->mtu = pc->mtu;
	rte_spinlock_init(&p->tx_lock);

	ret = rte_eth_dev_info_get(p->port_id, &info);
	if (ret != 0)
		goto fail;
	p->n_rxq = (uint16_t)RTE_MIN(pc->n_queues, info.max_rx_queues);
	p->n_txq = (uint16_t)RTE_MIN(pc->n_queues, info.max_tx_queues);
	if (p->n_rxq == 0)
		p->n_rxq = 1;
	if (p->n_txq == 0)
		p->n_txq = 1;
	p->tx_shared = p->n_txq < pc->n_queues;
	if (p->n_rxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
	}
	ret = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf);
	if (ret < 0) {
		pg_log(pc->attempt ? PG_LOG_INFO : PG_LOG_ERR,
		       "port %s: configure %u/%u queues: %s", pc->name, p->n_rxq, p->n_txq,
		       rte_strerror(-ret));
		goto fail;
	}
	uint16_t nrxd = 1024, ntxd = 1024;
	rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nrxd, &ntxd);
	struct rte_mempool *rxpool = strcmp(p->driver, "af_xdp") == 0 ? xdp_pool_get() : dp.pool;
	if (!rxpool) {
		ret = -ENOMEM;
		goto fail;
	}
	for (uint16_t q = 0; q < p->n_rxq; q++) {
		ret = rte_eth_rx_queue_setup(p->port_id, q, nrxd, SOCKET_ID_ANY, NULL, rxpool);
		if (ret < 0) {
			pg_log(pc->attempt ? PG_LOG_INFO : PG_LOG_ERR, "port %s: RX queue %u: %s",
			       pc->name, q, rte_strerror(-ret));
			goto fail;
		}
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		ret = rte_eth_tx_queue_setup(p->port_id, q, ntxd, SOCKET_ID_ANY, NULL);
		if (ret < 0) {
			LOG_ERR("port %s: TX queue %u: %s", pc->name, q, rte_strerror(-ret));
			goto fail;
		}
	}
	if (pc->has_mac) {
		struct rte_ether_addr a;
		memcpy(&a, &pc->mac, 6);
		ret = rte_eth_dev_default_mac_addr_set(p->port_id, &a);
		if (ret < 0)
			LOG_INFO("port %s: device keeps its MAC (%s); using the configured one",
				 pc->name, rte_strerror(-ret));
		p->mac = a;
	} else {
		rte_eth_macaddr_get(p->port_id, &p->mac);
	}
	p->mac64 = 0;
	memcpy(&p->mac64, &p->mac, 6);
	p->inject = inject_ring(p->index);
	if (!p->inject) {
		ret = -ENOMEM;
		goto fail;
	}
	dp.port_index[p->port_id] = p->index;
	dp.ports[dp.n_ports++] = p;
	*index = p->index;
	return 0;
fail:
	rte_eth_dev_close(p->port_id);
	rte_free(p);
	return ret < 0 ? ret : -EINVAL;
}

/*
 * A Linux interface with driver auto: AF_XDP (with Peregrine's XDP program when the caller gave
 * it) when the L3 MTU fits the 2 KiB mbufs, else — or when AF_XDP cannot attach, e.g. another
 * XDP program holds the interface — libpcap.
 */
int dp_port_add(const struct dp_port_conf *pc, uint16_t *index)
{
	if (!dp_devspec_is_ifname(pc->device) || pc->driver != CFG_DRIVER_AUTO)
		return port_add_one(pc, index);
	struct dp_port_conf c = *pc;
	c.attempt = true;
	if (pc->mtu <= 1500) {
		c.driver = CFG_DRIVER_AF_XDP;
		if (port_add_one(&c, index) == 0)
			return 0;
		/* An interface with fewer queues than workers (a veth has one): one queue. */
		c.n_queues = 1;
		if (pc->n_queues > 1 && port_add_one(&c, index) == 0) {
			LOG_NOTICE("port %s: AF_XDP on one queue of %s (fewer queues than workers)",
				   pc->name, pc->device);
			return 0;
		}
		LOG_NOTICE("port %s: AF_XDP unavailable on %s, attaching with libpcap instead",
			   pc->name, pc->device);
		c.n_queues = pc->n_queues;
	}
	c.driver = CFG_DRIVER_PCAP;
	c.xdp_prog = NULL;
	c.attempt = false;
	return port_add_one(&c, index);
}

int dp_port_add_virtual(const struct dp_port_conf *pc, uint16_t irb_bd, uint16_t *index)
{
	struct dp_port *p;

	if (dp.n_ports >= PG_MAX_PORTS)
		return -ENOSPC;
	p = rte_zmalloc("dp_port", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (!p)
		return -ENOMEM;
	pg_strlcpy(p->name, pc->name, sizeof(p->name));
	pg_strlcpy(p->driver, "irb", sizeof(p->driver));
	p->tap_fd = -1;
	p->virt = true;
	p->port_id = UINT16_MAX;
	p->index = (uint16_t)dp.n_ports;
	p->vrf = pc->vrf;
	p->bd = PG_BD_NONE;
	p->irb_bd = irb_bd;
	p->mtu = pc->mtu;
	p->n_txq = 1;
	memcpy(&p->mac, &pc->mac, 6);
	memcpy(&p->mac64, &p->mac, 6);
	rte_spinlock_init(&p->tx_lock);
	p->inject = inject_ring(p->index);
	if (!p->inject) {
		rte_free(p);
		return -ENOMEM;
	}
	dp.ports[dp.n_ports++] = p;
	*index = p->index;
	return 0;
}

int dp_ports_start(void)
{
	for (unsigned i = 0; i < dp.n_ports; i++) {
		struct dp_port *p = dp.ports[i];
		if (p->virt)
			continue;
		int ret = rte_eth_dev_start(p->port_id);
		if (ret < 0) {
			LOG_ERR("port %s: start: %s", p->name, rte_strerror(-ret));
			return ret;
		}
		rte_eth_allmulticast_enable(p->port_id);
		/* A bridge port receives frames for every MAC behind it. */
		if (p->bd != PG_BD_NONE && rte_eth_promiscuous_enable(p->port_id) != 0)
			LOG_WARN("port %s: cannot enable promiscuous mode", p->name);
	}
	return 0;
}

void dp_ports_stop(void)
{
	for (unsigned i = 0; i < dp.n_ports; i++) {
		struct dp_port *p = dp.ports[i];
		if (!p->virt) {
			rte_eth_dev_stop(p->port_id);
			rte_eth_dev_close(p->port_id);
		}
		rte_ring_free(p->inject);
		rte_free(p);
		dp.ports[i] = NULL;
	}
	dp.n_ports = 0;
}

int dp_workers_setup(unsigned n_workers)
{
	if (n_workers == 0 || n_workers > PG_MAX_WORKERS)
		return -EINVAL;
	dp.n_workers = n_workers;
	for (unsigned w = 0; w < n_workers; w++) {
		struct dp_worker *wk = rte_zmalloc("worker", sizeof(*wk), RTE_CACHE_LINE_SIZE);
		dp.stats[w] = rte_zmalloc("stats", sizeof(struct dp_stats), RTE_CACHE_LINE_SIZE);
		if (!wk || !dp.stats[w])
			return -ENOMEM;
		wk->id = w;
		wk->st = dp.stats[w];
		wk->tsc_hz = rte_get_tsc_hz();
		for (unsigned c = 0; c < PUNT_CLASS_MAX; c++) {
			wk->pol[c].tokens = dp.punt_burst;
			wk->pol[c].last_tsc = rte_rdtsc();
		}
		dp.workers[w] = wk;
	}
	/* RX queues round robin over workers, starting where the last port left off so that
	 * single-queue ports spread too; the owner of queue 0 also drains the inject ring. */
	unsigned next = 0;
	for (unsigned i = 0; i < dp.n_ports; i++) {
		struct dp_port *p = dp.ports[i];
		if (p->virt) /* nothing to poll; what the kernel sends goes through worker 0 */
			dp.workers[0]->inject_port[dp.workers[0]->n_inject++] = (uint16_t)i;
		for (uint16_t q = 0; q < p->n_rxq; q++) {
			struct dp_worker *wk = dp.workers[next++ % n_workers];
			wk->rxq[wk->n_rxq++] = (struct dp_rxq){.port = (uint16_t)i, .queue = q};
			if (q == 0)
				wk->inject_port[wk->n_inject++] = (uint16_t)i;
		}
		for (unsigned w = 0; w < n_workers; w++)
			dp.workers[w]->txq[i] = (uint16_t)(w % p->n_txq);
	}
	return 0;
}

void dp_workers_free(void)
{
	for (unsigned w = 0; w < dp.n_workers; w++) {
		rte_free(dp.workers[w]);
		rte_free(dp.stats[w]);
		dp.workers[w] = NULL;
		dp.stats[w] = NULL;
	}
	dp.n_workers = 0;
}

void dp_stats_sum(struct dp_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned w = 0; w < dp.n_workers; w++) {
		const uint64_t *src = (const uint64_t *)dp.stats[w];
		uint64_t *dst = (uint64_t *)out;
		for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
			dst[i] += src[i];
	}
}

void dp_fini(void)
{
	for (unsigned i = 0; i < PUNT_CLASS_MAX; i++) {
		struct rte_mbuf *m;
		while (dp.punt[i] && rte_ring_dequeue(dp.punt[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(dp.punt[i]);
		dp.punt[i] = NULL;
	}
	rte_mempool_free(dp.ctl_pool);
	rte_mempool_free(dp.xdp_pool);
	rte_mempool_free(dp.pool);
	dp.pool = dp.ctl_pool = dp.xdp_pool = NULL;
}
