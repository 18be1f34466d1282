/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-passthrough-private.h: test-only internals of the VM flows
 */
#pragma once

#include "flows/vf-passthrough.h"

G_BEGIN_DECLS

/* From now on, the step @step_id ("bind-gpu", "define-vm", ...) of every flow fails as it
 * begins, so that tests can prove the undo of the steps before it. NULL: none. */
void vf_flow_inject_failure(const char *step_id);

/* From now on, every step of every flow that ends done sleeps @ms after its progress report
 * (0: none), so that a front end's tests can act while a flow runs (the app's
 * VIRTFLOW_GTK_TEST_STEP_MS, in test builds only). */
void vf_flow_inject_step_delay(guint ms);

/* Whether the guest agent's guest-get-devices answer (@devices, JSON) shows Windows's
 * VirtIO input driver (vioinput, "VirtIO Input Driver"): the check-guest step adds a VirtIO
 * keyboard and mouse to the profile only then. */
gboolean vf_guest_devices_have_virtio_input(const char *devices);

G_END_DECLS
