/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "kif.h"
#include "util.h"

/* One request; cb (may be NULL) sees every answer message. 0 or -errno. */
static int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	unsigned portid;
	int ret;

	if (!nl)
		return -errno;
	bool dump = nlh->nlmsg_type == RTM_GETADDR; /* the only dump; the rest end with an ACK */

	nlh->nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ret = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? -errno : 0;
	portid = mnl_socket_get_portid(nl);
	if (ret == 0 && mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = -errno;
	while (ret == 0) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
		if (ret <= MNL_CB_STOP) {
			ret = ret < 0 ? -errno : 0;
			break;
		}
		ret = 0;
	}
	mnl_socket_close(nl);
	return ret;
}

struct addr_walk {
	unsigned ifindex, max, n;
	struct pg_prefix *out;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_walk *w = data;
	const struct nlattr *a, *local = NULL, *addr = NULL;

	if (ifa->ifa_index != w->ifindex || w->n == w->max)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		if (mnl_attr_get_type(a) == IFA_ADDRESS)
			addr = a;
	}
	if (ifa->ifa_family == AF_INET && (local || addr)) {
		struct pg_prefix *p = &w->out[w->n];
		memset(p, 0, sizeof(*p));
		p->ip.family = AF_INET;
		memcpy(&p->ip.v4, mnl_attr_get_payload(local ? local : addr), 4);
		p->len = ifa->ifa_prefixlen;
		w->n++;
	} else if (ifa->ifa_family == AF_INET6 && addr) {
		const uint8_t *v6 = mnl_attr_get_payload(addr);
		if (v6[0] == 0xfe && (v6[1] & 0xc0) == 0x80)
			return MNL_CB_OK; /* link-local: the interface's own */
		struct pg_prefix *p = &w->out[w->n];
		memset(p, 0, sizeof(*p));
		p->ip.family = AF_INET6;
		memcpy(p->ip.v6, v6, 16);
		p->len = ifa->ifa_prefixlen;
		w->n++;
	}
	return MNL_CB_OK;
}

int kif_addrs(const char *ifname, struct pg_prefix *out, unsigned max)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_walk w = {.ifindex = if_nametoindex(ifname), .max = max, .out = out};
	struct ifaddrmsg *ifa;
	int ret;

	if (!w.ifindex)
		return -ENODEV;
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	ret = nl_talk(nlh, addr_cb, &w);
	return ret < 0 ? ret : (int)w.n;
}

int kif_link_add(const char *name, const char *kind)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *info;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nlh, NULL, NULL);
}

int kif_link_del(const char *name)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_DELLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = (int)if_nametoindex(name);
	if (!ifi->ifi_index)
		return -ENODEV;
	return nl_talk(nlh, NULL, NULL);
}

/* Set IFF_UP and, when master_idx >= 0, IFLA_MASTER. */
static int link_set(unsigned idx, int master_idx)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = (int)idx;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (master_idx >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_idx);
	return nl_talk(nlh, NULL, NULL);
}

int kif_set_master(const char *ifname, const char *master)
{
	unsigned idx = if_nametoindex(ifname), m = master ? if_nametoindex(master) : 0;
	int ret;

	if (!idx || (master && !m))
		return -ENODEV;
	if (m && (ret = link_set(m, -1)) < 0)
		return ret;
	return link_set(idx, (int)m);
}

struct master_walk {
	unsigned master;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct master_walk *w = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_MASTER)
			w->master = mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

int kif_get_master(const char *ifname, char master[16])
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct master_walk w = {0};
	struct ifinfomsg *ifi;
	int ret;

	master[0] = '\0';
	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = (int)if_nametoindex(ifname);
	if (!ifi->ifi_index)
		return -ENODEV;
	if ((ret = nl_talk(nlh, link_cb, &w)) < 0)
		return ret;
	if (w.master && !if_indextoname(w.master, master))
		return -errno;
	return 0;
}
