/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-gobject.h: the GObject API of VirtFlow (namespace VirtFlow 1.0)
 *
 * Reference-counted types with properties, signals and _async/_finish calls over the
 * plain C library, introspected for Python, GJS and every GObject language:
 *
 *   from gi.repository import VirtFlow
 *   host = VirtFlow.Host.new("/")
 *   gpu = host.get_passthrough_gpus()[0]
 */
#pragma once

#define VIRTFLOW_INSIDE

#include "virtflow-error.h"
#include "virtflow-types.h"
#include "virtflow-enums.h"
#include "virtflow-host-report.h"
#include "virtflow-transition.h"
#include "virtflow-host.h"
#include "virtflow-gpu.h"
#include "virtflow-vm.h"
#include "virtflow-connection.h"
#include "virtflow-flow.h"
#include "virtflow-doctor.h"
#include "virtflow-setup.h"
#include "virtflow-tune.h"

#undef VIRTFLOW_INSIDE
