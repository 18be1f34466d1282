/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-passthrough.h: the VM flows — Activate GPU, Start, Stop, Deactivate
 *
 * Orchestrates host/ (devices), domain/ (the XML) and virt/ (libvirt). Each flow is a list
 * of steps reported through a callback as they run; a step that fails undoes the ones
 * before it, in reverse, so the host and the VM are as they were.
 */
#pragma once

#include "domain/vf-domain-profile.h"
#include "host/vf-transition.h"
#include "virt/vf-virt.h"

G_BEGIN_DECLS

typedef enum {
    VF_STEP_WAITING,
    VF_STEP_RUNNING,
    VF_STEP_DONE,
    VF_STEP_FAILED,
    VF_STEP_SKIPPED,
    VF_STEP_LAST
} VfStepState;

const char *vf_step_state_to_string(VfStepState state);

typedef struct {
    const char *id;    /* "check-host", "check-guest", "stop-vm", "bind-gpu", ... */
    const char *title; /* "Check the host" */
    VfStepState state;
    char *detail; /* what happened, the reason of a failure or skip; may be NULL */
} VfStep;

/* @fraction: the share of the flow done, 0..1 */
typedef void (*VfProgressFunc)(const VfStep *step, double fraction, gpointer user_data);

typedef struct {
    guint stop_timeout_s;     /* graceful shutdown budget (default 120) */
    gboolean force;           /* activate: skip the guest checks; stop: switch off at once */
    const VfProfile *profile; /* activate: how the VM is used (view, input); NULL: the
                               * default profile (monitor view, no input handed over) for a
                               * VM not activated yet, and an activated VM left as it is;
                               * given for an activated VM: redone when it differs from
                               * the recorded one */
    VfProgressFunc progress;
    VfWaitFunc wait_tick; /* while waiting for the guest to shut down */
    gpointer user_data;
} VfFlowOptions;

typedef enum {
    VF_FLOW_ACTIVATE,
    VF_FLOW_DEACTIVATE,
    VF_FLOW_START,
    VF_FLOW_STOP,
    VF_FLOW_LAST
} VfFlowKind;

/* What a flow would do (a dry run), or did. */
typedef struct {
    VfFlowKind kind;
    char *vm;
    char *gpu;
    GPtrArray *devices;  /* of char*: host addresses */
    GPtrArray *steps;    /* of VfStep* */
    GPtrArray *writes;   /* of VfSysfsWrite*: in order */
    char *domain_xml;    /* the new definition (activate/deactivate) */
    GPtrArray *warnings; /* of char* */
    VfProfile *profile;  /* activate: the profile applied; start: the one recorded; or NULL */
    GPtrArray *notes;    /* of char*: what the user must know now, in sentences: where the
                          * picture and the sound go, the grab toggle key, ... */
} VfFlow;

void vf_flow_free(VfFlow *flow);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfFlow, vf_flow_free)

/* @gpu NULL: the one eligible GPU of the host. Plans change nothing. */
VfFlow *vf_flow_plan_activate(VfHost *host, VfConnection *conn, const char *vm, const char *gpu,
                              GError **error);
/* As vf_flow_plan_activate(), for @profile (NULL: the default profile). */
VfFlow *vf_flow_plan_activate_profile(VfHost *host, VfConnection *conn, const char *vm,
                                      const char *gpu, const VfProfile *profile, GError **error);
VfFlow *vf_flow_plan_deactivate(VfHost *host, VfConnection *conn, const char *vm, GError **error);
/* The steps of a @kind flow for @vm, all waiting, nothing read: what a start or a stop will
 * go through (they have no dry run), for a front end that shows the list before it runs. */
VfFlow *vf_flow_new_outline(VfFlowKind kind, const char *vm);

/* Each returns the flow with every step's final state (also on failure, via @ret_flow
 * when not NULL), and TRUE when it succeeded. */
gboolean vf_flow_activate(VfHost *host, VfConnection *conn, const char *vm, const char *gpu,
                          const VfFlowOptions *options, VfFlow **ret_flow, GError **error);
gboolean vf_flow_deactivate(VfHost *host, VfConnection *conn, const char *vm,
                            const VfFlowOptions *options, VfFlow **ret_flow, GError **error);
gboolean vf_flow_start(VfHost *host, VfConnection *conn, const char *vm,
                       const VfFlowOptions *options, VfFlow **ret_flow, GError **error);
gboolean vf_flow_stop(VfHost *host, VfConnection *conn, const char *vm,
                      const VfFlowOptions *options, VfFlow **ret_flow, GError **error);

G_END_DECLS
