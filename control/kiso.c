/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kiso.h"
#include "log.h"

int kiso_ifindex(const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);
	return idx ? (int)idx : -ENODEV;
}

/* Values we changed, restored by kiso_detach (one interface per port). */
struct saved {
	char ifname[32];
	char ipv6[8], arp[8];
};
static struct saved saved[64];

static void sysctl_read(const char *path, char *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void sysctl_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0)
		LOG_DEBUG("%s: %s", path, strerror(errno));
	close(fd);
}

int kiso_attach(const char *ifname)
{
	struct bpf_insn prog[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = TC_ACT_SHOT},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	char path[128];
	int idx = kiso_ifindex(ifname), fd, ret;

	if (idx < 0)
		return idx;
	struct saved *sv = NULL;
	for (unsigned i = 0; i < 64 && !sv; i++)
		if (saved[i].ifname[0] == '\0')
			sv = &saved[i];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	if (sv)
		sysctl_read(path, sv->ipv6, sizeof(sv->ipv6));
	sysctl_write(path, "1");
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_ignore", ifname);
	if (sv) {
		sysctl_read(path, sv->arp, sizeof(sv->arp));
		snprintf(sv->ifname, sizeof(sv->ifname), "%s", ifname);
	}
	sysctl_write(path, "8");

	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "pg_kiso", "GPL", prog, 2, NULL);
	if (fd < 0) {
		LOG_WARN("%s: cannot load the kernel isolation program (%s): the kernel may answer "
			 "on this interface too",
			 ifname, strerror(errno));
		return -errno;
	}
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = idx, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = fd, .handle = 0x9e, .priority = 1);
	ret = bpf_tc_hook_create(&hook);
	if (ret < 0 && ret != -EEXIST)
		goto out;
	ret = bpf_tc_attach(&hook, &opts);
out:
	close(fd); /* the attachment keeps the program */
	if (ret < 0)
		LOG_WARN("%s: tc ingress attach failed: %s", ifname, strerror(-ret));
	return ret < 0 ? ret : 0;
}

void kiso_detach(const char *ifname)
{
	int idx = kiso_ifindex(ifname);
	char path[128];

	for (unsigned i = 0; i < 64; i++) {
		struct saved *sv = &saved[i];
		if (strcmp(sv->ifname, ifname) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
		if (sv->ipv6[0])
			sysctl_write(path, sv->ipv6);
		snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/arp_ignore", ifname);
		if (sv->arp[0])
			sysctl_write(path, sv->arp);
		sv->ifname[0] = '\0';
	}
	if (idx < 0)
		return;
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = idx, .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x9e, .priority = 1);
	bpf_tc_detach(&hook, &opts);
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
}
