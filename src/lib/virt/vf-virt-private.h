/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-virt-private.h: what the files of virt/ share, and nobody else sees */
#pragma once

#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "virt/vf-libvirt-dl.h"
#include "virt/vf-virt.h"

/*
 * Every libvirt function virt/ calls, resolved by vf_libvirt_load() (vf-libvirt-dl.c) and
 * called through its pointer: sym_virConnectOpen(uri). Each pointer has the type of libvirt's
 * own prototype, so the compiler checks the calls as before. A function missing here fails
 * the link (libvirtflow does not link libvirt): add it to the list.
 */
#define VF_LIBVIRT_SYMBOLS(X)                                                                      \
    X(virConnectClose)                                                                             \
    X(virConnectDomainEventDeregisterAny)                                                          \
    X(virConnectDomainEventRegisterAny)                                                            \
    X(virConnectGetAllDomainStats)                                                                 \
    X(virConnectListAllDomains)                                                                    \
    X(virConnectOpen)                                                                              \
    X(virDomainCreate)                                                                             \
    X(virDomainDefineXML)                                                                          \
    X(virDomainDestroy)                                                                            \
    X(virDomainFree)                                                                               \
    X(virDomainGetInfo)                                                                            \
    X(virDomainGetMetadata)                                                                        \
    X(virDomainGetName)                                                                            \
    X(virDomainGetState)                                                                           \
    X(virDomainGetUUIDString)                                                                      \
    X(virDomainGetXMLDesc)                                                                         \
    X(virDomainIsPersistent)                                                                       \
    X(virDomainLookupByName)                                                                       \
    X(virDomainLookupByUUIDString)                                                                 \
    X(virDomainShutdown)                                                                           \
    X(virDomainShutdownFlags)                                                                      \
    X(virDomainStatsRecordListFree)                                                                \
    X(virEventRegisterDefaultImpl)                                                                 \
    X(virEventRunDefaultImpl)                                                                      \
    X(virGetLastError)                                                                             \
    X(virInitialize)                                                                               \
    X(virResetLastError)                                                                           \
    X(virSetErrorFunc)
/* ... and libvirt-qemu's */
#define VF_LIBVIRT_QEMU_SYMBOLS(X) X(virDomainQemuAgentCommand)

#define VF_LIBVIRT_DECLARE_SYM(name) extern __typeof__(name) *sym_##name;
VF_LIBVIRT_SYMBOLS(VF_LIBVIRT_DECLARE_SYM)
VF_LIBVIRT_QEMU_SYMBOLS(VF_LIBVIRT_DECLARE_SYM)
#undef VF_LIBVIRT_DECLARE_SYM

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
