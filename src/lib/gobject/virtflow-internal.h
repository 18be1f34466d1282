/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-internal.h: the bridge from the GObject API to the C internals, for the front
 * ends built in this tree (the desktop app), never installed
 *
 * A front end that uses the GObject API for most of its work and the C API for the rest
 * (docs/DESIGN.md, "The GObject API") must reach the same VfHost and VfConnection: the demo's
 * test driver keeps its VMs per connection, and one libvirt initialisation decides for the
 * process. Not for bindings: these are not introspected and not in the ABI list.
 */
#pragma once

#include <virtflow-gobject.h>

#include "host/vf-host.h"
#include "virt/vf-virt.h"

G_BEGIN_DECLS

/* The host @host wraps (transfer none: valid while @host lives). */
VfHost *_virtflow_host_get_vf(VirtFlowHost *host);
/* The connection @conn wraps (transfer none: valid while @conn lives). */
VfConnection *_virtflow_connection_get_vf(VirtFlowConnection *conn);

G_END_DECLS
