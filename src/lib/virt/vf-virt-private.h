/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-virt-private.h: what the files of virt/ share, and nobody else sees */
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "virt/vf-virt.h"

struct _VfConnection {
    gint ref_count;
    virConnectPtr conn;
    char *uri;
    VfAgentModelFunc agent_model; /* the demo's guest agents (vf-virt.h) */
};

struct _VfDomain {
    gint ref_count;
    VfConnection *conn;
    virDomainPtr dom;
    char *name;
};

/* The one place where libvirt's last error becomes a GError: libvirt's message is kept,
 * prefixed by what we were doing. */
void vf_virt_set_error(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

VfDomain *vf_domain_new(VfConnection *conn, virDomainPtr dom);
