/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-private.h: what the GObject layer's files share, never installed
 *
 * The GObject API wraps the plain C internals; only its .c files see both.
 */
#pragma once

#ifndef VIRTFLOW_COMPILATION
#define VIRTFLOW_COMPILATION
#endif
#include "virtflow-gobject.h"

#include "core/vf-error.h"
#include "host/vf-input.h"
#include "demo/vf-demo.h"
#include "domain/vf-domain-xml.h"
#include "doctor/vf-doctor.h"
#include "domain/vf-domain-xml.h"
#include "flows/vf-passthrough.h"
#include "host/vf-gpu.h"
#include "host/vf-host.h"
#include "host/vf-transition.h"
#include "setup/vf-setup.h"
#include "tune/vf-tune-run.h"
#include "virt/vf-virt.h"

G_BEGIN_DECLS

VfHost *_virtflow_host_get_vf(VirtFlowHost *host);
VfConnection *_virtflow_connection_get_vf(VirtFlowConnection *conn);
/* The demo root the connection's VMs are saved under after a flow, or NULL. */
const char *_virtflow_connection_get_demo_root(VirtFlowConnection *conn);

VirtFlowGpu *_virtflow_gpu_new_from_vf(const VfGpu *gpu);
VirtFlowVm *_virtflow_vm_new_from_vf(const VfDomainInfo *info);

VirtFlowBlocker *_virtflow_blocker_new_from_vf(const VfBlocker *b);
VirtFlowGpuWarning *_virtflow_gpu_warning_new_from_vf(const VfGpuWarning *w);
VirtFlowHolder *_virtflow_holder_new_from_vf(const VfHolder *h);
VirtFlowDevice *_virtflow_device_new_from_vf(const VfPciDevice *dev);
VirtFlowStep *_virtflow_step_new_from_vf(const VfStep *s);
VirtFlowDeviceOrigin *_virtflow_device_origin_new_from_vf(const VfDeviceOrigin *o);
/* The host's report as a snapshot; @host reads the devices' details on demand (owned). */
VirtFlowHostReport *_virtflow_host_report_new_from_vf(VfHost *host, VfHostReport *report);
/* A planned transition of @host (owned, not NULL). */
VirtFlowTransition *_virtflow_transition_new(VirtFlowHost *host, VfTransition *t);
VirtFlowWrite *_virtflow_write_new_from_vf(const VfSysfsWrite *w);
VirtFlowProfile *_virtflow_profile_new_from_vf(const VfProfile *p);
VirtFlowCheck *_virtflow_check_new_from_vf(const VfCheck *c);
VirtFlowSetupChange *_virtflow_setup_change_new_from_vf(const VfSetupChange *c);

/*
 * A mailbox: calls posted from any thread, run in order by the thread that made it, from
 * its thread-default main context. Not g_main_context_invoke() nor a plain idle source:
 * libvirt's event thread (vf_virt_init) iterates the global default main context itself
 * whenever no other thread holds it (a script between two main loop runs), and a signal
 * handler in Python or GJS must run in the thread that owns the loop (GJS aborts: "too much
 * recursion"). A drain that finds itself in another thread leaves the calls queued and looks
 * again 10 ms later.
 */
typedef struct _VirtFlowMailbox VirtFlowMailbox;

VirtFlowMailbox *_virtflow_mailbox_new(void);
VirtFlowMailbox *_virtflow_mailbox_ref(VirtFlowMailbox *mailbox);
void _virtflow_mailbox_unref(VirtFlowMailbox *mailbox);
/* Thread-safe. @destroy (may be NULL) frees @data after the call, or unrun with the box. */
void _virtflow_mailbox_post(VirtFlowMailbox *mailbox, GSourceFunc func, gpointer data,
                            GDestroyNotify destroy);

G_END_DECLS
