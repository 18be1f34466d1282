/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-demo.h: the demo machine — a simulated host and libvirt's test driver
 *
 * `--demo` lets a newcomer walk the whole flow on any machine: the host is the kernel
 * model's desktop (an AM5 board: Ryzen 9 7950X whose Raphael iGPU is the boot display, an
 * NVIDIA RTX 4090 with HDMI audio), the hypervisor is libvirt's own test driver with a Windows 11
 * VM. The test driver forgets everything when the connection closes, so the demo keeps its domains
 * (XML and run state) under ROOT/libvirt and feeds them back through a
 * test:///ROOT/libvirt/node.xml on the next open.
 */
#pragma once

#include "host/vf-host.h"
#include "virt/vf-virt.h"

G_BEGIN_DECLS

/* The default demo root: $XDG_STATE_HOME/virtflow/demo-host (or $VIRTFLOW_DEMO_ROOT). */
char *vf_demo_dup_default_root(void);
/* The demo's simulated host under @root, built when missing (no libvirt involved). */
VfHost *vf_demo_open_host(const char *root, GError **error);
/* Builds the demo under @root when missing and opens it; @ret_conn may be NULL.
 * $VIRTFLOW_DEMO_VMS=N adds N ordinary shut-off VMs "demo-vm-01"... (0..1000), e.g. for
 * benchmarks of long lists; they are kept by vf_demo_save() like the others. */
gboolean vf_demo_open(const char *root, VfHost **ret_host, VfConnection **ret_conn, GError **error);
/* Writes the domains of @conn back under @root, for the next open. */
gboolean vf_demo_save(const char *root, VfConnection *conn, GError **error);

/*
 * The demo guests' QEMU guest agents (a VfAgentModelFunc, see virt/vf-virt.h): the reply
 * qemu-guest-agent would give to @command in the running guest described by @domain_xml,
 * or NULL + the error libvirt would give. vf_demo_open() gives it to the demo connection.
 */
char *vf_demo_agent_answer(const char *domain_xml, const char *command, GError **error);

G_END_DECLS
