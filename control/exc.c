/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exception path: one kernel TAP per port, with the port's MAC, MTU and addresses, so the kernel
 * terminates ARP, ND, ICMP and TCP (BGP) for the router. Workers punt into rings (policed per
 * class); this thread writes those frames into the TAP. Frames the kernel sends on a TAP go to the
 * port's inject ring and out through its worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "dp.h"
#include "exc.h"
#include "icmp.h"
#include "log.h"
#include "neigh.h"
#include "util.h"

struct exc_stats exc_stats;

static int if_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret;

	if (s < 0)
		return -errno;
	ret = ioctl(s, req, ifr) < 0 ? -errno : 0;
	close(s);
	return ret;
}

/* One netlink request with an ACK. Returns 0 or -errno (the kernel's error). */
static int nl_request(struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int ret;

	if (!nl)
		return -errno;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ret = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID);
	if (ret == 0 && mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = -errno;
	if (ret == 0) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		ret = n < 0 ? -errno
			    : mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, mnl_socket_get_portid(nl),
					 NULL, NULL);
		ret = ret < 0 ? -errno : 0;
	}
	mnl_socket_close(nl);
	return ret;
}

int exc_if_addr(unsigned ifindex, const struct pg_prefix *a, bool add, bool excl)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	if (add)
		nlh->nlmsg_flags = NLM_F_CREATE | (excl ? NLM_F_EXCL : NLM_F_REPLACE);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = a->ip.family;
	ifa->ifa_prefixlen = a->len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	if (a->ip.family == AF_INET) {
		mnl_attr_put(nlh, IFA_LOCAL, 4, &a->ip.v4);
		mnl_attr_put(nlh, IFA_ADDRESS, 4, &a->ip.v4);
	} else {
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put(nlh, IFA_ADDRESS, 16, a->ip.v6);
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return nl_request(nlh);
}

int exc_if_default_route(unsigned ifindex, const struct pg_ip *gw)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = gw->family;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if (gw->family == AF_INET)
		mnl_attr_put(nlh, RTA_GATEWAY, 4, &gw->v4);
	else
		mnl_attr_put(nlh, RTA_GATEWAY, 16, gw->v6);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nl_request(nlh);
}

int exc_if_up(const char *ifname, uint16_t mtu)
{
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	pg_strlcpy(ifr.ifr_name, ifname, IFNAMSIZ);
	ifr.ifr_mtu = mtu;
	if ((ret = if_ioctl(SIOCSIFMTU, &ifr)) < 0 || (ret = if_ioctl(SIOCGIFFLAGS, &ifr)) < 0)
		return ret;
	ifr.ifr_flags |= IFF_UP;
	return if_ioctl(SIOCSIFFLAGS, &ifr);
}

int exc_tap_create(struct dp_port *p, const struct cfg_port *cp)
{
	struct ifreq ifr;
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		LOG_ERR("port %s: /dev/net/tun: %s", p->name, strerror(errno));
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	pg_strlcpy(ifr.ifr_name, cp->tap, IFNAMSIZ);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		LOG_ERR("port %s: creating TAP %s: %s", p->name, cp->tap, strerror(errno));
		close(fd);
		return ret;
	}
	pg_strlcpy(p->tap_name, ifr.ifr_name, sizeof(p->tap_name));

	memset(&ifr, 0, sizeof(ifr));
	pg_strlcpy(ifr.ifr_name, p->tap_name, IFNAMSIZ);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, &p->mac, 6);
	if ((ret = if_ioctl(SIOCSIFHWADDR, &ifr)) < 0)
		goto fail;
	ifr.ifr_mtu = p->mtu;
	if ((ret = if_ioctl(SIOCSIFMTU, &ifr)) < 0)
		goto fail;
	if ((ret = if_ioctl(SIOCGIFFLAGS, &ifr)) < 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP;
	if ((ret = if_ioctl(SIOCSIFFLAGS, &ifr)) < 0)
		goto fail;
	if ((ret = if_ioctl(SIOCGIFINDEX, &ifr)) < 0)
		goto fail;
	for (unsigned i = 0; i < cp->n_addrs; i++) {
		char b[PG_PREFIX_FMT_LEN];
		ret = exc_if_addr((unsigned)ifr.ifr_ifindex, &cp->addrs[i], true, false);
		if (ret < 0) {
			LOG_ERR("port %s: address %s on %s: %s", p->name,
				fmt_prefix(&cp->addrs[i], b), p->tap_name, strerror(-ret));
			goto fail;
		}
	}
	p->tap_fd = fd;
	return 0;
fail:
	LOG_ERR("port %s: configuring TAP %s: %s", p->name, p->tap_name, strerror(-ret));
	close(fd);
	return ret;
}

void exc_tap_close(struct dp_port *p)
{
	if (p->tap_fd >= 0)
		close(p->tap_fd);
	p->tap_fd = -1;
}

void exc_inject(uint16_t port, struct rte_mbuf *m)
{
	if (port >= dp.n_ports || rte_ring_sp_enqueue(dp.ports[port]->inject, m) != 0) {
		exc_stats.inject_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	exc_stats.injected++;
}

static void tap_write(uint16_t port, struct rte_mbuf *m)
{
	const struct dp_port *p = port < dp.n_ports ? dp.ports[port] : NULL;
	struct iovec iov[16];
	int n = 0;

	if (!p || p->tap_fd < 0) {
		exc_stats.no_tap++;
		rte_pktmbuf_free(m);
		return;
	}
	for (struct rte_mbuf *s = m; s && n < 16; s = s->next, n++) {
		iov[n].iov_base = rte_pktmbuf_mtod(s, void *);
		iov[n].iov_len = s->data_len;
	}
	if (writev(p->tap_fd, iov, n) < 0)
		exc_stats.tap_write_errors++;
	else
		exc_stats.to_kernel++;
	rte_pktmbuf_free(m);
}

static void punt_handle(struct rte_mbuf *m)
{
	struct pkt_meta *meta = pkt_meta(m);

	switch (meta->reason) {
	case PUNT_ARP:
		neigh_snoop_arp(meta->port, m);
		tap_write(meta->port, m);
		break;
	case PUNT_ND:
		neigh_snoop_nd(meta->port, m);
		tap_write(meta->port, m);
		break;
	case PUNT_RESOLVE:
		neigh_hold(meta->nh, m);
		break;
	case PUNT_CONNECTED:
		neigh_connected(meta->nh, m);
		break;
	case PUNT_ICMP_ERROR:
		icmp_error_send(m);
		break;
	default:
		tap_write(meta->port, m);
	}
}

unsigned exc_punt_drain(unsigned budget)
{
	/* Control traffic first, so a flood in another class cannot delay BGP or ARP. */
	static const unsigned share[PUNT_CLASS_MAX] = {2, 1, 1};
	unsigned done = 0;

	for (unsigned c = 0; c < PUNT_CLASS_MAX; c++) {
		struct rte_mbuf *pkts[PG_BURST];
		unsigned quota = budget * share[c] / 4, n;
		while (quota > 0 &&
		       (n = rte_ring_sc_dequeue_burst(dp.punt[c], (void **)pkts,
						      PG_MIN(quota, PG_BURST), NULL)) > 0) {
			for (unsigned i = 0; i < n; i++)
				punt_handle(pkts[i]);
			quota -= n;
			done += n;
		}
	}
	return done;
}

unsigned exc_tap_read(struct dp_port *p, unsigned budget)
{
	unsigned done = 0;

	while (done < budget) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp.ctl_pool);
		if (!m) {
			exc_stats.inject_dropped++;
			break;
		}
		ssize_t n = read(p->tap_fd, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_tailroom(m));
		if (n <= 0) {
			rte_pktmbuf_free(m);
			break;
		}
		m->data_len = (uint16_t)n;
		m->pkt_len = (uint32_t)n;
		exc_inject(p->index, m);
		exc_stats.from_kernel++;
		done++;
	}
	return done;
}
