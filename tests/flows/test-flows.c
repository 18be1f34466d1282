/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-flows: the VM flows (activate, deactivate, start, stop) as a user sees them
 *
 * Each test gets the demo machine of its own: the kernel model's AM5 desktop (Raphael iGPU
 * 0000:0e:00.0 as boot VGA, an NVIDIA-like dGPU 0000:01:00.0 with HDMI audio 0000:01:00.1,
 * an NVMe) in a
 * temporary directory, and a private connection to libvirt's in-process test driver
 * (test:///TMP/node.xml) holding the demo's Windows 11 domain, taken from the demo itself
 * so that the two never drift apart. Nothing outside the temporary directory is read or
 * written, and no libvirt daemon is involved.
 *
 * What is checked is what a user relies on: the state and detail of every step, the
 * domain definition libvirt keeps (dumpxml), the drivers of the devices and a snapshot
 * of the whole host tree; and that a failure at any step leaves the domain byte for byte,
 * the host and the VM's run state as they were.
 */
#include "vf-test-util.h"

#include "domain/vf-domain-xml.h"
#include "demo/vf-demo.h"
#include "doctor/vf-doctor.h"
#include "flows/vf-passthrough-private.h"
#include "flows/vf-passthrough.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <sys/file.h>
#include <unistd.h>

#define VF_VM    "Windows 11"
#define VF_GPU   "0000:01:00.0"
#define VF_AUDIO "0000:01:00.1"
#define VF_IGPU  "0000:0e:00.0"
#define VF_NVME  "0000:02:00.0"
/* a second domain whose name a shell would choke on */
#define VF_ODD_VM   "Win 11 \"été\" $(x)"
#define VF_ODD_UUID "0b7c8d9e-aaaa-4bbb-8ccc-0123456789ab"

#define VF_TEST_NS "http://libvirt.org/schemas/domain/test/1.0"

static const char *const vf_gpu_set[] = {VF_GPU, VF_AUDIO, NULL};

/* The demo's Windows 11 domain (main() reads it from a demo built in a temporary root). */
static char *vf_win11_xml;

/* ---- the machine of one test ---- */

typedef struct {
    char *dir;          /* the temporary directory */
    VfTestHost th;      /* the demo host under DIR/host (root, host) */
    char *node;         /* DIR/node.xml */
    VfConnection *conn; /* test:///DIR/node.xml, private to this test */
} VfFx;

/* Appends to @node the demo's domain with @name and @uuid, and the test driver's run state
 * (shut off): a node.xml <domain> entry. */
static void
vf_node_append_domain(GString *node, const char *name, const char *uuid)
{
    g_autofree char *escaped = g_markup_escape_text(name, -1);
    g_autoptr(GString) xml = g_string_new(vf_win11_xml);
    g_autofree char *name_elt = g_strdup_printf("<name>%s</name>", escaped);
    g_autofree char *uuid_elt = g_strdup_printf("<uuid>%s</uuid>", uuid);

    g_assert_cmpuint(g_string_replace(xml, "<name>" VF_VM "</name>", name_elt, 1), ==, 1);
    g_assert_cmpuint(
        g_string_replace(xml, "<uuid>6a1f6a4e-1b2c-4d5e-8f90-0a1b2c3d4e5f</uuid>", uuid_elt, 1), ==,
        1);
    g_assert_cmpuint(g_string_replace(xml, "<domain type='test'>",
                                      "<domain type='test' xmlns:test='" VF_TEST_NS "'>", 1),
                     ==, 1);
    g_assert_cmpuint(
        g_string_replace(xml, "</domain>", "  <test:runstate>5</test:runstate>\n</domain>", 1), ==,
        1);
    g_string_append(node, xml->str);
}

static VfFx *
vf_fx_new_full(gboolean odd_domain)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) node = g_string_new("<node>\n");
    g_autofree char *uri = NULL;
    VfFx *fx = g_new0(VfFx, 1);

    fx->dir = g_dir_make_tmp("virtflow-test-flows-XXXXXX", &error);
    g_assert_no_error(error);
    fx->th.root = g_build_filename(fx->dir, "host", NULL);
    fx->th.host = vf_demo_open_host(fx->th.root, &error);
    g_assert_no_error(error);
    g_assert_nonnull(fx->th.host);

    vf_node_append_domain(node, VF_VM, "6a1f6a4e-1b2c-4d5e-8f90-0a1b2c3d4e5f");
    if (odd_domain)
        vf_node_append_domain(node, VF_ODD_VM, VF_ODD_UUID);
    g_string_append(node, "</node>\n");
    fx->node = g_build_filename(fx->dir, "node.xml", NULL);
    g_file_set_contents(fx->node, node->str, -1, &error);
    g_assert_no_error(error);

    uri = g_strconcat("test://", fx->node, NULL);
    fx->conn = vf_connection_open(uri, &error);
    g_assert_no_error(error);
    g_assert_nonnull(fx->conn);
    return fx;
}

static VfFx *
vf_fx_new(void)
{
    return vf_fx_new_full(FALSE);
}

static void
vf_fx_free(VfFx *fx)
{
    vf_flow_inject_failure(NULL);
    g_clear_pointer(&fx->conn, vf_connection_unref);
    g_clear_pointer(&fx->th.host, vf_host_unref);
    if (fx->dir && strstr(fx->dir, "virtflow-test-flows-"))
        vf_test_rm_rf(fx->dir);
    g_free(fx->th.root);
    g_free(fx->node);
    g_free(fx->dir);
    g_free(fx);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfFx, vf_fx_free)

static VfDomain *
vf_fx_domain(VfFx *fx, const char *vm)
{
    g_autoptr(GError) error = NULL;
    VfDomain *dom = vf_connection_lookup_domain(fx->conn, vm, &error);

    g_assert_no_error(error);
    return dom;
}

/* `virsh dumpxml [--inactive]` through the test's connection */
static char *
vf_fx_xml(VfFx *fx, const char *vm, gboolean inactive)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomain) dom = vf_fx_domain(fx, vm);
    char *xml = dom ? vf_domain_dup_xml(dom, inactive, &error) : NULL;

    g_assert_no_error(error);
    return xml;
}

static VfDomainState
vf_fx_state(VfFx *fx, const char *vm)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomain) dom = vf_fx_domain(fx, vm);
    VfDomainState state = VF_DOMAIN_STATE_LAST;

    if (dom)
        vf_domain_get_state(dom, &state, &error);
    g_assert_no_error(error);
    return state;
}

/* `virsh start`, behind VirtFlow's back */
static void
vf_fx_start_vm(VfFx *fx, const char *vm)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomain) dom = vf_fx_domain(fx, vm);

    g_assert_true(dom && vf_domain_start(dom, &error));
    g_assert_no_error(error);
    g_assert_cmpint(vf_fx_state(fx, vm), ==, VF_DOMAIN_STATE_RUNNING);
}

static char *
vf_fx_snapshot(VfFx *fx)
{
    return vf_kmodel_snapshot(fx->th.root);
}

/* "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel" from a fresh read of the tree */
static char *
vf_fx_drivers(VfFx *fx)
{
    return vf_test_drivers(&fx->th, vf_gpu_set);
}

#define VF_HOST_DRIVERS VF_GPU "=nvidia " VF_AUDIO "=snd_hda_intel"
#define VF_VFIO_DRIVERS VF_GPU "=vfio-pci " VF_AUDIO "=vfio-pci"

/* ---- flows and their steps ---- */

/* What a front end sees of a flow's progress */
typedef struct {
    GString *log;  /* "check-host:running check-host:done ..." */
    double last;   /* the last fraction reported */
    gboolean back; /* a fraction went backwards */
} VfProgress;

static void
vf_progress_cb(const VfStep *step, double fraction, gpointer user_data)
{
    VfProgress *p = user_data;

    g_string_append_printf(p->log, "%s%s:%s", p->log->len ? " " : "", step->id,
                           vf_step_state_to_string(step->state));
    if (fraction < p->last || fraction < 0 || fraction > 1)
        p->back = TRUE;
    p->last = fraction;
}

/* The options of a flow run by a test: a progress log when @p, and --force when @force (the
 * test driver has no guest agent, so checking a running guest fails without it). */
static VfFlowOptions
vf_options(VfProgress *p, gboolean force)
{
    VfFlowOptions o = {.stop_timeout_s = 5, .force = force};

    if (p) {
        o.progress = vf_progress_cb;
        o.user_data = p;
    }
    return o;
}

static const VfStep *
vf_flow_step(VfFlow *flow, const char *id)
{
    for (guint i = 0; flow && i < flow->steps->len; i++) {
        const VfStep *step = flow->steps->pdata[i];

        if (g_str_equal(step->id, id))
            return step;
    }
    g_test_fail_printf("the flow has no step '%s'", id);
    return NULL;
}

#define VF_STEP_DETAIL(flow, id)                                                                   \
    (vf_flow_step((flow), (id)) ? vf_flow_step((flow), (id))->detail : NULL)

/* "check-host=done check-guest=skipped ...": every step's final state, in order */
static char *
vf_flow_states(VfFlow *flow)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; flow && i < flow->steps->len; i++) {
        const VfStep *step = flow->steps->pdata[i];

        g_string_append_printf(out, "%s%s=%s", i ? " " : "", step->id,
                               vf_step_state_to_string(step->state));
    }
    return g_string_free(out, FALSE);
}

static char *
vf_flow_ids(VfFlow *flow)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; flow && i < flow->steps->len; i++)
        g_string_append_printf(out, "%s%s", i ? " " : "",
                               ((const VfStep *)flow->steps->pdata[i])->id);
    return g_string_free(out, FALSE);
}

static char *
vf_flow_warnings(VfFlow *flow)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; flow && i < flow->warnings->len; i++)
        g_string_append_printf(out, "%s%s", i ? "\n" : "", (char *)flow->warnings->pdata[i]);
    return g_string_free(out, FALSE);
}

/* A failed flow: @failed is 'failed' with the error's message as its detail, every step
 * before it finished (done or skipped), every step after it skipped. */
static void
vf_assert_failed_at(VfFlow *flow, const char *failed, const GError *error)
{
    gboolean seen = FALSE;

    g_assert_nonnull(flow);
    for (guint i = 0; flow && i < flow->steps->len; i++) {
        const VfStep *step = flow->steps->pdata[i];

        if (g_str_equal(step->id, failed)) {
            seen = TRUE;
            if (step->state != VF_STEP_FAILED)
                g_test_fail_printf("step %s is %s, not failed", step->id,
                                   vf_step_state_to_string(step->state));
            if (error)
                g_assert_cmpstr(step->detail, ==, error->message);
        } else if (seen && step->state != VF_STEP_SKIPPED) {
            g_test_fail_printf("step %s after the failed %s is %s, not skipped", step->id, failed,
                               vf_step_state_to_string(step->state));
        } else if (!seen && step->state != VF_STEP_DONE && step->state != VF_STEP_SKIPPED) {
            g_test_fail_printf("step %s before the failed %s is %s", step->id, failed,
                               vf_step_state_to_string(step->state));
        }
    }
    if (!seen)
        g_test_fail_printf("no step '%s'", failed);
}

static gboolean
vf_activate(VfFx *fx, const char *vm, const char *gpu, gboolean force, VfFlow **ret_flow,
            GError **error)
{
    VfFlowOptions o = vf_options(NULL, force);

    return vf_flow_activate(fx->th.host, fx->conn, vm, gpu, &o, ret_flow, error);
}

/* Activation that must succeed (the preparation of other tests) */
static void
vf_fx_activate(VfFx *fx, const char *vm)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;

    g_assert_true(vf_activate(fx, vm, NULL, TRUE, &flow, &error));
    g_assert_no_error(error);
}

static void
vf_fx_flow_start(VfFx *fx, const char *vm)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;

    g_assert_true(vf_flow_start(fx->th.host, fx->conn, vm, NULL, &flow, &error));
    g_assert_no_error(error);
    g_assert_cmpint(vf_fx_state(fx, vm), ==, VF_DOMAIN_STATE_RUNNING);
}

/* `virtflow stop` of a VM that is already off: gives an activated VM's GPU back */
static void
vf_fx_flow_stop(VfFx *fx, const char *vm)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;

    g_assert_true(vf_flow_stop(fx->th.host, fx->conn, vm, NULL, &flow, &error));
    g_assert_no_error(error);
}

/* ---- the domain XML ---- */

/* The number of nodes @expr (XPath, prefix vf: for VirtFlow's namespace) selects in @xml */
static int
vf_xpath_count(const char *xml, const char *expr)
{
    xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlXPathContextPtr ctx;
    xmlXPathObjectPtr res;
    int n = -1;

    if (doc == NULL)
        return -1;
    ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, (const xmlChar *)"vf", (const xmlChar *)VF_DOMAIN_XML_NAMESPACE);
    res = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    if (res && res->type == XPATH_NODESET)
        n = res->nodesetval ? res->nodesetval->nodeNr : 0;
    else if (res && res->type == XPATH_NUMBER)
        n = (int)res->floatval;
    xmlXPathFreeObject(res);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return n;
}

#define vf_assert_xpath(xml, expr, n) g_assert_cmpint(vf_xpath_count((xml), (expr)), ==, (n))

#define VF_HOSTDEV(bus, fn)                                                                        \
    "/domain/devices/hostdev[@mode='subsystem'][@type='pci']/source/"                              \
    "address[@domain='0x0000'][@bus='" bus "'][@slot='0x00'][@function='" fn "']"

/* What an activated Windows 11 looks like */
static void
vf_assert_activated_xml(const char *xml)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    g_autofree char *gpu = NULL;

    vf_assert_xpath(xml, "/domain/devices/hostdev", 2);
    vf_assert_xpath(xml, VF_HOSTDEV("0x01", "0x0"), 1);
    vf_assert_xpath(xml, VF_HOSTDEV("0x01", "0x1"), 1);
    vf_assert_xpath(xml, "/domain/devices/hostdev[@managed='no']", 2);
    vf_assert_xpath(xml, "/domain/devices/graphics", 0);
    vf_assert_xpath(xml, "/domain/devices/sound", 0);
    /* no audio backend: the rewrite puts <audio type='none'/> (recorded in its metadata)
     * in place of SPICE's, so that libvirt does not add a default one */
    vf_assert_xpath(xml, "/domain/devices/audio[@type!='none']", 0);
    vf_assert_xpath(xml, "/domain/devices/audio", 1);
    vf_assert_xpath(xml, "/domain/devices/redirdev", 0);
    vf_assert_xpath(xml, "/domain/devices/channel[@type='spicevmc']", 0);
    vf_assert_xpath(xml, "/domain/devices/video", 1);
    vf_assert_xpath(xml, "/domain/devices/video/model[@type='none']", 1);
    vf_assert_xpath(xml, "/domain/devices/channel/target[@name='org.qemu.guest_agent.0']", 1);
    /* the rest of the machine is untouched */
    vf_assert_xpath(xml, "/domain/devices/disk/source[@file='/var/lib/libvirt/images/win11.qcow2']",
                    1);
    vf_assert_xpath(xml, "/domain/devices/interface/mac[@address='52:54:00:6a:1f:6a']", 1);
    vf_assert_xpath(xml, "/domain/metadata/*[local-name()='libosinfo']", 1);
    /* VirtFlow's record: the GPU and each device's host driver */
    vf_assert_xpath(xml, "/domain/metadata/vf:*", 1);
    g_assert_true(vf_domain_xml_get_passthrough(xml, &gpu, &devices, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(gpu, ==, VF_GPU);
    g_assert_nonnull(devices);
    if (devices && devices->len == 2) {
        const VfPassthroughDevice *d0 = devices->pdata[0], *d1 = devices->pdata[1];

        g_assert_cmpstr(d0->address, ==, VF_GPU);
        g_assert_cmpstr(d0->driver, ==, "nvidia");
        g_assert_cmpstr(d1->address, ==, VF_AUDIO);
        g_assert_cmpstr(d1->driver, ==, "snd_hda_intel");
    } else {
        g_test_fail_printf("the metadata records %u devices, not 2", devices ? devices->len : 0);
    }
}

/* ---- activate ---- */

static void
test_activate_off(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *drivers_before = vf_fx_drivers(fx);
    g_autofree char *states = NULL, *warnings = NULL, *after = NULL, *live = NULL;
    g_autofree char *drivers = NULL;
    VfProgress p = {g_string_new(NULL), 0, FALSE};
    VfFlowOptions o = vf_options(&p, FALSE);

    g_assert_cmpstr(drivers_before, ==, VF_HOST_DRIVERS);
    vf_assert_xpath(before, "/domain/devices/graphics[@type='spice']", 1);

    g_assert_true(vf_flow_activate(fx->th.host, fx->conn, VF_VM, NULL, &o, &flow, &error));
    g_assert_no_error(error);
    g_assert_nonnull(flow);

    states = vf_flow_states(flow);
    g_assert_cmpstr(states, ==,
                    "check-host=done check-guest=skipped stop-vm=skipped bind-gpu=done "
                    "rewrite-vm=done define-vm=done");
    g_assert_cmpstr(flow->vm, ==, VF_VM);
    g_assert_cmpstr(flow->gpu, ==, VF_GPU);
    g_assert_cmpuint(flow->devices->len, ==, 2);
    vf_assert_contains(VF_STEP_DETAIL(flow, "check-host"), VF_GPU);
    vf_assert_contains(VF_STEP_DETAIL(flow, "check-guest"), "off");
    vf_assert_contains(VF_STEP_DETAIL(flow, "stop-vm"), "already off");
    /* the user is warned that the guest was not checked */
    warnings = vf_flow_warnings(flow);
    vf_assert_contains(warnings, "guest agent");
    vf_assert_contains(warnings, "VM '" VF_VM "' is off");

    /* the progress a front end shows: each step running, then its end, never backwards */
    g_assert_cmpstr(p.log->str, ==,
                    "check-host:running check-host:done check-guest:running check-guest:skipped "
                    "stop-vm:running stop-vm:skipped bind-gpu:running bind-gpu:done "
                    "rewrite-vm:running rewrite-vm:done define-vm:running define-vm:done");
    g_assert_false(p.back);
    g_assert_cmpfloat(p.last, ==, 1.0);
    g_string_free(p.log, TRUE);

    after = vf_fx_xml(fx, VF_VM, TRUE);
    vf_assert_activated_xml(after);
    live = vf_fx_xml(fx, VF_VM, FALSE);
    g_assert_cmpstr(live, ==, after); /* off: the live definition is the persistent one */
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);

    drivers = vf_fx_drivers(fx);
    g_assert_cmpstr(drivers, ==, VF_VFIO_DRIVERS);
    {
        /* the IOMMU group of the dGPU is usable by QEMU: /dev/vfio/12 */
        g_autofree char *node = vf_test_host_path(&fx->th, "dev/vfio/12");

        g_assert_true(g_file_test(node, G_FILE_TEST_EXISTS));
    }
    {
        /* the iGPU and the NVMe are untouched */
        const char *const others[] = {VF_IGPU, VF_NVME, NULL};
        g_autofree char *d = vf_test_drivers(&fx->th, others);

        g_assert_cmpstr(d, ==, VF_IGPU "=amdgpu " VF_NVME "=nvme");
    }
}

/* The test driver has no guest agent: a running guest cannot be checked. Without --force
 * activation stops at check-guest, before anything changed. */
static void
test_activate_running_unchecked(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *before = NULL, *snap = NULL, *after = NULL, *snap_after = NULL;

    vf_fx_start_vm(fx, VF_VM);
    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);

    g_assert_false(vf_activate(fx, VF_VM, NULL, FALSE, &flow, &error));
    g_assert_nonnull(error);
    vf_assert_contains(VF_MSG(error), "guest");
    /* the fix is the guest agent's, not "the VM is gone" (both are NOT_FOUND) */
    g_assert_error(error, VF_ERROR, VF_ERROR_NOT_FOUND);
    vf_assert_contains(vf_error_get_fix(error), "org.qemu.guest_agent.0");
    vf_assert_contains(vf_error_get_fix(error), "activate anyway");
    vf_assert_failed_at(flow, "check-guest", error);

    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_RUNNING);
}

static void
test_activate_running(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *states = NULL, *after = NULL, *drivers = NULL, *warnings = NULL;

    vf_fx_start_vm(fx, VF_VM);
    g_assert_true(vf_activate(fx, VF_VM, NULL, TRUE, &flow, &error));
    g_assert_no_error(error);

    states = vf_flow_states(flow);
    /* check-guest: skipped, the agent does not answer and --force was given */
    g_assert_cmpstr(states, ==,
                    "check-host=done check-guest=skipped stop-vm=done bind-gpu=done "
                    "rewrite-vm=done define-vm=done");
    vf_assert_contains(VF_STEP_DETAIL(flow, "check-guest"), "--force");
    vf_assert_contains(VF_STEP_DETAIL(flow, "stop-vm"), "is off");
    warnings = vf_flow_warnings(flow);
    vf_assert_contains(warnings, "--force");

    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    vf_assert_activated_xml(after);
    drivers = vf_fx_drivers(fx);
    g_assert_cmpstr(drivers, ==, VF_VFIO_DRIVERS);
}

/* The demo's guest agents (vf_demo_agent_answer()) answer as a real Windows guest with the
 * virtio-win tools does: a running demo VM is checked and activated without --force. */
static void
test_activate_running_demo_agent(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *states = NULL;

    vf_connection_set_agent_model(fx->conn, vf_demo_agent_answer);
    vf_fx_start_vm(fx, VF_VM);
    g_assert_true(vf_activate(fx, VF_VM, NULL, FALSE, &flow, &error));
    g_assert_no_error(error);
    states = vf_flow_states(flow);
    g_assert_cmpstr(states, ==,
                    "check-host=done check-guest=done stop-vm=done bind-gpu=done "
                    "rewrite-vm=done define-vm=done");
    g_assert_cmpstr(VF_STEP_DETAIL(flow, "check-guest"), ==,
                    "the guest agent answers; VirtIO storage and network drivers are in");
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
}

/* The demo agent models a guest as its XML describes it: no agent channel, no answer (with
 * libvirt's words); a Windows guest lists a driver per VirtIO device; a Linux guest has no
 * guest-get-devices; an unknown command is the agent's CommandNotFound. */
static void
test_demo_agent_model(void)
{
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
    g_autoptr(GString) no_agent = g_string_new(vf_win11_xml);
    g_autoptr(GString) linux_xml = g_string_new(vf_win11_xml);
    g_autofree char *devices = NULL, *os = NULL, *ping = NULL, *linux_devices = NULL;
    g_autofree char *none = NULL, *unknown = NULL;

    g_string_replace(no_agent, "org.qemu.guest_agent.0", "org.example.other", 0);
    g_string_replace(linux_xml, "http://microsoft.com/win/11", "http://debian.org/debian/12", 0);

    ping = vf_demo_agent_answer(vf_win11_xml, "{\"execute\":\"guest-ping\"}", NULL);
    g_assert_cmpstr(ping, ==, "{\"return\": {}}");
    os = vf_demo_agent_answer(vf_win11_xml, "{\"execute\":\"guest-get-osinfo\"}", NULL);
    vf_assert_contains(os, "\"id\": \"mswindows\"");
    devices = vf_demo_agent_answer(vf_win11_xml, "{\"execute\":\"guest-get-devices\"}", NULL);
    vf_assert_contains(devices, "\"device-id\": 4162");          /* the virtio disk */
    vf_assert_contains(devices, "\"device-id\": 4161");          /* the virtio NIC */
    g_assert_false(vf_guest_devices_have_virtio_input(devices)); /* no virtio input in the XML */

    none = vf_demo_agent_answer(no_agent->str, "{\"execute\":\"guest-ping\"}", &e1);
    g_assert_null(none);
    g_assert_error(e1, VF_ERROR, VF_ERROR_NOT_FOUND);
    vf_assert_contains(e1->message, "QEMU guest agent is not configured");
    vf_assert_contains(vf_error_get_fix(e1), "org.qemu.guest_agent.0");

    linux_devices =
        vf_demo_agent_answer(linux_xml->str, "{\"execute\":\"guest-get-devices\"}", &e2);
    g_assert_null(linux_devices);
    g_assert_error(e2, VF_ERROR, VF_ERROR_LIBVIRT);
    unknown = vf_demo_agent_answer(vf_win11_xml, "{\"execute\":\"guest-exec\"}", &e3);
    g_assert_null(unknown);
    vf_assert_contains(e3->message, "guest-exec has not been found");
}

/* A host without an IOMMU (the kernel made no groups): Activate fails at check-host with
 * the IOMMU's own fix, not "the VM or device is gone". */
static void
test_activate_no_iommu(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *groups = g_build_filename(fx->th.root, "sys/kernel/iommu_groups", NULL);
    g_autofree char *units = g_build_filename(fx->th.root, "sys/class/iommu", NULL);
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *after = NULL;

    vf_test_rm_rf(groups);
    vf_test_rm_rf(units);
    g_assert_false(vf_activate(fx, VF_VM, NULL, FALSE, &flow, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_NO_IOMMU);
    vf_assert_failed_at(flow, "check-host", error);
    vf_assert_contains(vf_error_get_fix(error), "iommu");
    g_assert_null(strstr(vf_error_get_fix(error), "gone"));
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
}

/* A fix survives what the flows do to an error on its way to a front end: a prefix, a
 * copy into another thread, and a later fix replaces an earlier one. */
static void
test_error_fix(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) copy = NULL;
    g_autoptr(GError) other = g_error_new_literal(G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "x");

    g_set_error(&error, VF_ERROR, VF_ERROR_NOT_FOUND, "gone");
    g_assert_null(vf_error_get_fix(error));
    vf_error_add_fix(&error, "do %s", "this");
    g_prefix_error(&error, "while doing: ");
    g_assert_cmpstr(vf_error_get_fix(error), ==, "do this");
    copy = g_error_copy(error);
    vf_error_set_fix(error, "do that");
    g_assert_cmpstr(vf_error_get_fix(copy), ==, "do this");
    g_assert_cmpstr(vf_error_get_fix(error), ==, "do that");
    vf_error_set_fix(other, "ignored");
    g_assert_null(vf_error_get_fix(other));
    g_assert_null(vf_error_get_fix(NULL));
}

static void
test_activate_twice(gconstpointer data)
{
    const char *gpu = data; /* NULL: no --gpu; else the same GPU named again */
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *first = NULL, *snap = NULL, *states = NULL, *second = NULL;
    g_autofree char *snap_after = NULL;

    vf_fx_activate(fx, VF_VM);
    first = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);

    g_assert_true(vf_activate(fx, VF_VM, gpu, FALSE, &flow, &error));
    g_assert_no_error(error);
    states = vf_flow_states(flow);
    g_assert_cmpstr(states, ==,
                    "check-host=done check-guest=skipped stop-vm=skipped bind-gpu=skipped "
                    "rewrite-vm=skipped define-vm=skipped");
    vf_assert_contains(VF_STEP_DETAIL(flow, "check-host"), "already");
    vf_assert_contains(VF_STEP_DETAIL(flow, "define-vm"), "already");
    g_assert_cmpstr(flow->gpu, ==, VF_GPU);

    second = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(second, ==, first);
    vf_assert_xpath(second, "/domain/devices/hostdev", 2);
    vf_assert_xpath(second, "/domain/metadata/vf:*", 1);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* ---- deactivate ---- */

static void
test_deactivate_round_trip(gconstpointer data)
{
    gboolean running = GPOINTER_TO_INT(data); /* deactivate a running VM */
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *states = NULL, *after = NULL, *live = NULL, *snap_after = NULL;
    VfFlowOptions o = vf_options(NULL, FALSE);

    vf_fx_activate(fx, VF_VM);
    if (running)
        vf_fx_flow_start(fx, VF_VM);

    g_assert_true(vf_flow_deactivate(fx->th.host, fx->conn, VF_VM, &o, &flow, &error));
    g_assert_no_error(error);
    states = vf_flow_states(flow);
    g_assert_cmpstr(states, ==,
                    running ? "stop-vm=done rewrite-vm=done define-vm=done restore-gpu=done"
                            : "stop-vm=skipped rewrite-vm=done define-vm=done restore-gpu=done");
    vf_assert_contains(VF_STEP_DETAIL(flow, "restore-gpu"), VF_GPU);

    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    live = vf_fx_xml(fx, VF_VM, FALSE);
    g_assert_cmpstr(live, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
}

/* A function of the set whose device record is gone (VirtFlow cannot know its host driver)
 * stays on vfio-pci: Deactivate says so as a warning of the flow, naming it. */
static void
test_deactivate_left_warned(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *record = NULL, *warnings = NULL, *drivers = NULL;
    VfFlowOptions o = vf_options(NULL, FALSE);

    vf_fx_activate(fx, VF_VM);
    record = vf_host_dup_state_path(fx->th.host, "devices/" VF_AUDIO ".conf");
    g_assert_cmpint(g_unlink(record), ==, 0);

    g_assert_true(vf_flow_deactivate(fx->th.host, fx->conn, VF_VM, &o, &flow, &error));
    g_assert_no_error(error);
    warnings = vf_flow_warnings(flow);
    vf_assert_contains(warnings, VF_AUDIO);
    vf_assert_contains(warnings, "vfio-pci");
    drivers = vf_fx_drivers(fx);
    g_assert_cmpstr(drivers, ==, VF_GPU "=nvidia " VF_AUDIO "=vfio-pci");
}

static void
test_deactivate_not_active(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *after = NULL, *snap_after = NULL;

    g_assert_false(vf_flow_deactivate(fx->th.host, fx->conn, VF_VM, NULL, &flow, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "nothing to deactivate");
    vf_assert_failed_at(flow, "stop-vm", error);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* ---- start and stop ---- */

static void
test_start_stop(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autofree char *snap0 = vf_fx_snapshot(fx);
    g_autofree char *activated = NULL;

    vf_fx_activate(fx, VF_VM);
    activated = vf_fx_xml(fx, VF_VM, TRUE);

    /* twice: first with the GPU still on vfio-pci from the activation, then with the GPU
     * the first stop gave back, which start must bind again */
    for (int round = 0; round < 2; round++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfFlow) start = NULL, stop = NULL;
        g_autofree char *states = NULL, *drivers = NULL, *snap = NULL, *xml = NULL;
        g_autofree char *warnings = NULL;

        g_test_message("round %d", round + 1);
        g_assert_true(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &start, &error));
        g_assert_no_error(error);
        states = vf_flow_states(start);
        g_assert_cmpstr(states, ==, "check-host=done bind-gpu=done start-vm=done");
        vf_assert_contains(VF_STEP_DETAIL(start, "bind-gpu"),
                           round == 0 ? "already on vfio-pci" : "moved to vfio-pci");
        vf_assert_contains(VF_STEP_DETAIL(start, "start-vm"), "with the GPU");
        g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_RUNNING);
        drivers = vf_fx_drivers(fx);
        g_assert_cmpstr(drivers, ==, VF_VFIO_DRIVERS);
        g_clear_pointer(&states, g_free);
        g_clear_pointer(&drivers, g_free);

        g_assert_true(vf_flow_stop(fx->th.host, fx->conn, VF_VM, NULL, &stop, &error));
        g_assert_no_error(error);
        states = vf_flow_states(stop);
        g_assert_cmpstr(states, ==, "stop-vm=done return-gpu=done");
        vf_assert_contains(VF_STEP_DETAIL(stop, "return-gpu"), "back on the host");
        /* no hook in this host's /etc/libvirt/hooks: VirtFlow gave the GPU back itself,
         * and it says so (a user must know whether the hook works) */
        vf_assert_contains(VF_STEP_DETAIL(stop, "return-gpu"), "VirtFlow");
        warnings = vf_flow_warnings(stop);
        vf_assert_not_contains(warnings, "hook did not");
        g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
        drivers = vf_fx_drivers(fx);
        g_assert_cmpstr(drivers, ==, VF_HOST_DRIVERS);
        snap = vf_fx_snapshot(fx);
        vf_assert_snapshot_equal(snap0, snap);
        /* start and stop never change the definition */
        xml = vf_fx_xml(fx, VF_VM, TRUE);
        g_assert_cmpstr(xml, ==, activated);
    }
}

/* start/stop of a VM VirtFlow did not activate: no GPU step, nothing on the host */
static void
test_start_stop_plain(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) start = NULL, stop = NULL;
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *states = NULL, *states2 = NULL, *snap_after = NULL;

    g_assert_true(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &start, &error));
    g_assert_no_error(error);
    states = vf_flow_states(start);
    g_assert_cmpstr(states, ==, "check-host=skipped bind-gpu=skipped start-vm=done");
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_RUNNING);
    g_assert_true(vf_flow_stop(fx->th.host, fx->conn, VF_VM, NULL, &stop, &error));
    g_assert_no_error(error);
    states2 = vf_flow_states(stop);
    g_assert_cmpstr(states2, ==, "stop-vm=done return-gpu=skipped");
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* ---- issue 14: Start/Stop of a tuned VM without the libvirt hook ---- */

#define VF_TUNE_RECORD                                                                             \
    "    <vftune:tune xmlns:vftune=\"https://virtflow.org/xmlns/tune/1.0\" host-cpus=\"0-1\" "     \
    "vm-cpus=\"2-3\">\n"                                                                           \
    "      <vftune:hugepages size-kib=\"2048\" count=\"512\"/>\n"                                  \
    "    </vftune:tune>\n"                                                                         \
    "  </metadata>"

/* The demo machine with its Windows 11 tuned (not activated), and @max 2 MiB pages for the
 * kernel to find. */
static VfFx *
vf_fx_new_tuned(guint64 max)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) tuned = g_string_new(vf_win11_xml);
    char *plain = vf_win11_xml;
    VfFx *fx;

    g_assert_cmpuint(g_string_replace(tuned, "  </metadata>", VF_TUNE_RECORD, 1), ==, 1);
    vf_win11_xml = tuned->str;
    fx = vf_fx_new();
    vf_win11_xml = plain;
    g_assert_true(vf_kmodel_add_hugepages(fx->th.root, 2048, 0, 0, max, &error));
    g_assert_no_error(error);
    /* the model reads its pool when it is opened */
    g_clear_pointer(&fx->th.host, vf_host_unref);
    fx->th.host = vf_demo_open_host(fx->th.root, &error);
    g_assert_no_error(error);
    return fx;
}

static char *
vf_fx_nr_hugepages(VfFx *fx)
{
    g_autofree char *path = g_build_filename(
        fx->th.root, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", NULL);
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return g_strchomp(text);
}

static char *vf_flow_notes(VfFlow *flow);

/* No hook: Start reserves the pages before the VM starts, Stop gives them back after. */
static void
test_start_tuned_no_hook(void)
{
    g_autoptr(VfFx) fx = vf_fx_new_tuned(100000);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) start = NULL, stop = NULL;
    g_autofree char *snap0 = vf_fx_snapshot(fx);
    g_autofree char *snap = NULL, *nr = NULL, *nr2 = NULL, *notes = NULL, *notes2 = NULL;

    g_assert_true(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &start, &error));
    g_assert_no_error(error);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_RUNNING);
    nr = vf_fx_nr_hugepages(fx);
    g_assert_cmpstr(nr, ==, "512");
    notes = vf_flow_notes(start);
    vf_assert_contains(notes, "512 huge pages of 2M (1 GiB): 512 reserved");

    g_assert_true(vf_flow_stop(fx->th.host, fx->conn, VF_VM, NULL, &stop, &error));
    g_assert_no_error(error);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
    nr2 = vf_fx_nr_hugepages(fx);
    g_assert_cmpstr(nr2, ==, "0");
    notes2 = vf_flow_notes(stop);
    vf_assert_contains(notes2, "given back");
    snap = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap0, snap);
}

/* No hook, too few pages: refused before the VM starts, with the numbers; nothing taken. */
static void
test_start_tuned_no_hook_too_few(void)
{
    g_autoptr(VfFx) fx = vf_fx_new_tuned(100);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) start = NULL;
    g_autofree char *snap0 = vf_fx_snapshot(fx);
    g_autofree char *snap = NULL;

    g_assert_false(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &start, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_VERIFY);
    vf_assert_contains(error->message, "wanted 512, got 100");
    vf_assert_failed_at(start, "check-host", error);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
    snap = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap0, snap);
}

/* No hook and not root (the host has a helper): refused before anything changed, naming
 * `virtflow setup` as the fix. */
static void
test_start_tuned_no_hook_not_root(void)
{
    g_autoptr(VfFx) fx = vf_fx_new_tuned(100000);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) start = NULL;
    g_autofree char *snap0 = vf_fx_snapshot(fx);
    g_autofree char *snap = NULL;

    vf_host_set_helper(fx->th.host, "/nonexistent/virtflow-helper");
    g_assert_false(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &start, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_PERMISSION);
    vf_assert_contains(error->message, "VM '" VF_VM "' is tuned (huge pages)");
    vf_assert_contains(error->message, "hook");
    vf_assert_contains(error->message, "nothing was changed");
    vf_assert_contains(vf_error_get_fix(error), "virtflow setup");
    vf_assert_failed_at(start, "check-host", error);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
    snap = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap0, snap);
}

static void
test_start_running(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *states = NULL;

    vf_fx_activate(fx, VF_VM);
    vf_fx_flow_start(fx, VF_VM);
    g_assert_true(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &flow, &error));
    g_assert_no_error(error);
    states = vf_flow_states(flow);
    g_assert_cmpstr(states, ==, "check-host=done bind-gpu=skipped start-vm=skipped");
    vf_assert_contains(VF_STEP_DETAIL(flow, "check-host"), "already running");
}

/* ---- a failure at each step ---- */

typedef struct {
    const char *step;
    gboolean running; /* the VM runs before the flow */
    gboolean bound;   /* start: the GPU is on vfio-pci before (else on its host drivers) */
} VfFault;

static const char *const vf_activate_ids[] = {"check-host", "check-guest", "stop-vm",
                                              "bind-gpu",   "rewrite-vm",  "define-vm"};
static const char *const vf_deactivate_ids[] = {"stop-vm", "rewrite-vm", "define-vm",
                                                "restore-gpu"};
static const char *const vf_start_ids[] = {"check-host", "bind-gpu", "start-vm"};
static const char *const vf_stop_ids[] = {"stop-vm", "return-gpu"};

static void
vf_assert_injected(const GError *error, const char *step)
{
    g_autofree char *want = g_strdup_printf("Injected failure at step '%s'", step);

    g_assert_error(error, VF_ERROR, VF_ERROR_FAILED);
    vf_assert_contains(VF_MSG(error), want);
}

static void
test_activate_fault(gconstpointer data)
{
    const VfFault *f = data;
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *before = NULL, *snap = NULL, *after = NULL, *snap_after = NULL;
    g_autofree char *warnings = NULL;
    gboolean stopped_first =
        f->running && (g_str_equal(f->step, "bind-gpu") || g_str_equal(f->step, "rewrite-vm") ||
                       g_str_equal(f->step, "define-vm"));

    if (f->running)
        vf_fx_start_vm(fx, VF_VM);
    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);

    vf_flow_inject_failure(f->step);
    g_assert_false(vf_activate(fx, VF_VM, NULL, TRUE, &flow, &error));
    vf_flow_inject_failure(NULL);
    vf_assert_injected(error, f->step);
    vf_assert_failed_at(flow, f->step, error);

    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==,
                    f->running ? VF_DOMAIN_STATE_RUNNING : VF_DOMAIN_STATE_SHUTOFF);
    warnings = vf_flow_warnings(flow);
    if (stopped_first)
        vf_assert_contains(warnings, "Undo: VM '" VF_VM "' was started again");
    if (g_str_equal(f->step, "rewrite-vm") || g_str_equal(f->step, "define-vm"))
        vf_assert_contains(warnings, "Undo: the GPU is back on its host drivers");
}

static void
test_deactivate_fault(gconstpointer data)
{
    const VfFault *f = data;
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *original = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *before = NULL, *snap = NULL, *after = NULL, *snap_after = NULL;
    gboolean restore = g_str_equal(f->step, "restore-gpu");

    vf_fx_activate(fx, VF_VM);
    if (f->running)
        vf_fx_flow_start(fx, VF_VM);
    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);

    vf_flow_inject_failure(f->step);
    g_assert_false(vf_flow_deactivate(fx->th.host, fx->conn, VF_VM, NULL, &flow, &error));
    vf_flow_inject_failure(NULL);
    vf_assert_injected(error, f->step);
    vf_assert_failed_at(flow, f->step, error);

    after = vf_fx_xml(fx, VF_VM, TRUE);
    snap_after = vf_fx_snapshot(fx);
    /* the GPU stays on vfio-pci either way */
    vf_assert_snapshot_equal(snap, snap_after);
    if (restore) {
        /* the domain is deactivated; the GPU is the user's to give back, and they are told
         * how */
        g_assert_cmpstr(after, ==, original);
        vf_assert_contains(VF_MSG(error), "is deactivated");
        vf_assert_contains(VF_MSG(error), "virtflow gpu restore " VF_GPU);
        g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
    } else {
        g_assert_cmpstr(after, ==, before);
        g_assert_cmpint(vf_fx_state(fx, VF_VM), ==,
                        f->running ? VF_DOMAIN_STATE_RUNNING : VF_DOMAIN_STATE_SHUTOFF);
    }
}

static void
test_start_fault(gconstpointer data)
{
    const VfFault *f = data;
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *before = NULL, *snap = NULL, *after = NULL, *snap_after = NULL;
    g_autofree char *drivers = NULL;

    vf_fx_activate(fx, VF_VM);
    if (!f->bound)
        vf_fx_flow_stop(fx, VF_VM); /* the GPU back on the host: start must bind */
    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);
    drivers = vf_fx_drivers(fx);
    g_assert_cmpstr(drivers, ==, f->bound ? VF_VFIO_DRIVERS : VF_HOST_DRIVERS);

    vf_flow_inject_failure(f->step);
    g_assert_false(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &flow, &error));
    vf_flow_inject_failure(NULL);
    vf_assert_injected(error, f->step);
    vf_assert_failed_at(flow, f->step, error);

    /* only what this start bound goes back: the GPU is where it was */
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
}

static void
test_stop_fault(gconstpointer data)
{
    const VfFault *f = data;
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *snap = NULL, *snap_after = NULL;

    vf_fx_activate(fx, VF_VM);
    vf_fx_flow_start(fx, VF_VM);
    snap = vf_fx_snapshot(fx);

    vf_flow_inject_failure(f->step);
    g_assert_false(vf_flow_stop(fx->th.host, fx->conn, VF_VM, NULL, &flow, &error));
    vf_flow_inject_failure(NULL);
    vf_assert_injected(error, f->step);
    vf_assert_failed_at(flow, f->step, error);
    /* stop-vm: nothing happened; return-gpu: the VM is off, its GPU still on vfio-pci */
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==,
                    g_str_equal(f->step, "stop-vm") ? VF_DOMAIN_STATE_RUNNING
                                                    : VF_DOMAIN_STATE_SHUTOFF);
}

/* ---- a failure in the kernel (sysfs), not in VirtFlow ---- */

static void
test_activate_sysfs_fault(gconstpointer data)
{
    gboolean running = GPOINTER_TO_INT(data);
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *before = NULL, *snap = NULL, *after = NULL, *snap_after = NULL;

    if (running)
        vf_fx_start_vm(fx, VF_VM);
    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);

    /* the audio function's probe by vfio-pci fails: the last write of the bind */
    vf_kmodel_inject(vf_kmodel_get(fx->th.host), VF_KMODEL_OP_PROBE, VF_AUDIO, EIO, 1);
    g_assert_false(vf_activate(fx, VF_VM, NULL, TRUE, &flow, &error));
    g_assert_nonnull(error);
    vf_assert_contains(VF_MSG(error), VF_AUDIO);
    vf_assert_failed_at(flow, "bind-gpu", error);

    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==,
                    running ? VF_DOMAIN_STATE_RUNNING : VF_DOMAIN_STATE_SHUTOFF);
}

/* The kernel refuses to give the GPU back during deactivation: the VM is deactivated, the
 * user is told what to run. */
static void
test_deactivate_sysfs_fault(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *original = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *after = NULL, *drivers = NULL;

    vf_fx_activate(fx, VF_VM);
    vf_kmodel_inject(vf_kmodel_get(fx->th.host), VF_KMODEL_OP_PROBE, VF_GPU, EIO, 1);
    g_assert_false(vf_flow_deactivate(fx->th.host, fx->conn, VF_VM, NULL, &flow, &error));
    g_assert_nonnull(error);
    vf_assert_failed_at(flow, "restore-gpu", error);
    vf_assert_contains(VF_MSG(error), "virtflow gpu restore " VF_GPU);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, original);
    /* the transaction of the restore put the devices back where it found them */
    drivers = vf_fx_drivers(fx);
    g_assert_cmpstr(drivers, ==, VF_VFIO_DRIVERS);
}

/* ---- dry runs ---- */

static const char *const vf_bind_writes[][2] = {
    {"/sys/bus/pci/devices/" VF_GPU "/driver_override", "vfio-pci"},
    {"/sys/bus/pci/devices/" VF_AUDIO "/driver_override", "vfio-pci"},
    {"/sys/bus/pci/devices/" VF_GPU "/driver/unbind", VF_GPU},
    {"/sys/bus/pci/devices/" VF_AUDIO "/driver/unbind", VF_AUDIO},
    {"/sys/bus/pci/drivers_probe", VF_GPU},
    {"/sys/bus/pci/drivers_probe", VF_AUDIO},
};

/* virt-xml-validate FILE domain (libvirt's own schema); skipped without the tool */
static void
vf_assert_valid_domain(const char *dir, const char *xml)
{
    const char *tool = g_getenv("VF_VIRT_XML_VALIDATE");
    g_autofree char *found = NULL;
    g_autofree char *path = g_build_filename(dir, "plan.xml", NULL);
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = -1;

    if (tool == NULL || *tool == '\0')
        tool = found = g_find_program_in_path("virt-xml-validate");
    if (tool == NULL) {
        g_test_message("virt-xml-validate not found: the schema check is skipped");
        return;
    }
    g_file_set_contents(path, xml, -1, &error);
    g_assert_no_error(error);
    {
        const char *argv[] = {tool, path, "domain", NULL};

        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                     &error);
    }
    g_assert_no_error(error);
    if (!g_spawn_check_wait_status(status, NULL))
        g_test_fail_printf("virt-xml-validate refuses the plan's domain XML:\n%s%s", out, err);
    g_unlink(path);
}

static void
test_plan_activate(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) plan = NULL;
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *ids = NULL, *states = NULL, *after = NULL, *snap_after = NULL;
    guint n_writes = vf_kmodel_get_n_writes(vf_kmodel_get(fx->th.host));

    plan = vf_flow_plan_activate(fx->th.host, fx->conn, VF_VM, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(plan);
    if (plan == NULL)
        return;
    g_assert_cmpint(plan->kind, ==, VF_FLOW_ACTIVATE);
    ids = vf_flow_ids(plan);
    g_assert_cmpstr(ids, ==, "check-host check-guest stop-vm bind-gpu rewrite-vm define-vm");
    states = vf_flow_states(plan);
    vf_assert_not_contains(states, "=done");
    g_assert_cmpstr(plan->gpu, ==, VF_GPU);
    g_assert_cmpuint(plan->devices->len, ==, 2);
    g_assert_cmpstr(plan->devices->pdata[0], ==, VF_GPU);
    g_assert_cmpstr(plan->devices->pdata[1], ==, VF_AUDIO);

    /* the writes, in order, as they would go to this machine's /sys (not the model root) */
    g_assert_cmpuint(plan->writes->len, ==, G_N_ELEMENTS(vf_bind_writes));
    for (guint i = 0; i < MIN(plan->writes->len, G_N_ELEMENTS(vf_bind_writes)); i++) {
        const VfSysfsWrite *w = plan->writes->pdata[i];

        g_assert_cmpstr(w->path, ==, vf_bind_writes[i][0]);
        g_assert_cmpstr(w->value, ==, vf_bind_writes[i][1]);
    }

    g_assert_nonnull(plan->domain_xml);
    vf_assert_activated_xml(plan->domain_xml);
    vf_assert_valid_domain(fx->dir, plan->domain_xml);

    /* a plan changes nothing */
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    g_assert_cmpuint(vf_kmodel_get_n_writes(vf_kmodel_get(fx->th.host)), ==, n_writes);
}

/* What activate defines is what its dry run showed (the plan is not a guess) */
static void
test_plan_activate_is_what_runs(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) plan = NULL;
    g_autofree char *after = NULL;
    g_autoptr(VfFx) fx2 = vf_fx_new();
    g_autofree char *defined_plan = NULL;

    plan = vf_flow_plan_activate(fx->th.host, fx->conn, VF_VM, NULL, &error);
    g_assert_no_error(error);
    vf_fx_activate(fx, VF_VM);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    /* libvirt formats what it is given: define the plan's XML elsewhere, compare dumpxml */
    if (plan) {
        g_autoptr(VfDomain) dom = vf_connection_define_xml(fx2->conn, plan->domain_xml, &error);

        g_assert_no_error(error);
        g_assert_nonnull(dom);
        defined_plan = vf_fx_xml(fx2, VF_VM, TRUE);
    }
    g_assert_cmpstr(after, ==, defined_plan);
}

static void
test_plan_deactivate(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) plan = NULL;
    g_autofree char *original = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *before = NULL, *snap = NULL, *ids = NULL, *after = NULL;
    g_autofree char *snap_after = NULL;
    g_autoptr(VfFx) fx2 = vf_fx_new();

    vf_fx_activate(fx, VF_VM);
    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);

    plan = vf_flow_plan_deactivate(fx->th.host, fx->conn, VF_VM, &error);
    g_assert_no_error(error);
    g_assert_nonnull(plan);
    if (plan == NULL)
        return;
    ids = vf_flow_ids(plan);
    g_assert_cmpstr(ids, ==, "stop-vm rewrite-vm define-vm restore-gpu");
    g_assert_cmpstr(plan->gpu, ==, VF_GPU);
    g_assert_cmpuint(plan->devices->len, ==, 2);
    /* the restore's writes: the overrides cleared, unbound from vfio-pci, probed */
    g_assert_cmpuint(plan->writes->len, >=, 6);
    for (guint i = 0; i < plan->writes->len; i++) {
        const VfSysfsWrite *w = plan->writes->pdata[i];

        g_assert_true(g_str_has_prefix(w->path, "/sys/bus/pci/"));
    }
    vf_assert_valid_domain(fx->dir, plan->domain_xml);
    vf_assert_xpath(plan->domain_xml, "/domain/devices/hostdev", 0);
    vf_assert_xpath(plan->domain_xml, "/domain/metadata/vf:*", 0);
    {
        /* defined, the plan's XML is the domain from before the activation */
        g_autoptr(VfDomain) dom = vf_connection_define_xml(fx2->conn, plan->domain_xml, &error);
        g_autofree char *defined = NULL;

        g_assert_no_error(error);
        g_assert_nonnull(dom);
        defined = vf_fx_xml(fx2, VF_VM, TRUE);
        g_assert_cmpstr(defined, ==, original);
    }

    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* ---- bad input ---- */

static void
test_unknown_vm(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *snap_after = NULL;
    const char *name = "No Such VM";

    for (int kind = 0; kind < 6; kind++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfFlow) flow = NULL;
        gboolean ok = TRUE;

        switch (kind) {
        case 0:
            ok = vf_flow_activate(fx->th.host, fx->conn, name, NULL, NULL, &flow, &error);
            break;
        case 1:
            ok = vf_flow_deactivate(fx->th.host, fx->conn, name, NULL, &flow, &error);
            break;
        case 2:
            ok = vf_flow_start(fx->th.host, fx->conn, name, NULL, &flow, &error);
            break;
        case 3:
            ok = vf_flow_stop(fx->th.host, fx->conn, name, NULL, &flow, &error);
            break;
        case 4:
            flow = vf_flow_plan_activate(fx->th.host, fx->conn, name, NULL, &error);
            ok = flow != NULL;
            break;
        default:
            flow = vf_flow_plan_deactivate(fx->th.host, fx->conn, name, &error);
            ok = flow != NULL;
            break;
        }
        g_test_message("flow %d", kind);
        g_assert_false(ok);
        g_assert_error(error, VF_ERROR, VF_ERROR_NOT_FOUND);
        vf_assert_contains(VF_MSG(error), "'No Such VM'");
        if (kind < 4 && flow) {
            /* a name that matches no VM is an error before any step: none ran */
            g_autofree char *states = vf_flow_states(flow);

            vf_assert_not_contains(states, "=done");
            vf_assert_not_contains(states, "=running");
            vf_assert_not_contains(states, "=skipped");
        }
    }
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* By UUID too, as virsh does */
static void
test_vm_by_uuid(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *xml = NULL;

    g_assert_true(
        vf_activate(fx, "6a1f6a4e-1b2c-4d5e-8f90-0a1b2c3d4e5f", NULL, FALSE, &flow, &error));
    g_assert_no_error(error);
    xml = vf_fx_xml(fx, VF_VM, TRUE);
    vf_assert_activated_xml(xml);
}

static void
test_odd_name(void)
{
    g_autoptr(VfFx) fx = vf_fx_new_full(TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL, back = NULL;
    g_autofree char *other = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *before = vf_fx_xml(fx, VF_ODD_VM, TRUE);
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *activated = NULL, *after = NULL, *other_after = NULL, *snap_after = NULL;
    g_autoptr(GPtrArray) list = NULL;

    vf_assert_xpath(before, "/domain/name[text()='" VF_ODD_VM "']", 1);
    g_assert_true(vf_activate(fx, VF_ODD_VM, NULL, FALSE, &flow, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(flow->vm, ==, VF_ODD_VM);
    vf_assert_contains(VF_STEP_DETAIL(flow, "define-vm"), "'" VF_ODD_VM "'");
    activated = vf_fx_xml(fx, VF_ODD_VM, TRUE);
    vf_assert_activated_xml(activated);
    vf_assert_xpath(activated, "/domain/name[text()='" VF_ODD_VM "']", 1);

    /* `virtflow list` sees it, the other VM is untouched */
    list = vf_connection_list_domains(fx->conn, &error);
    g_assert_no_error(error);
    for (guint i = 0; list && i < list->len; i++) {
        const VfDomainInfo *d = list->pdata[i];

        g_assert_cmpint(d->passthrough, ==, g_str_equal(d->name, VF_ODD_VM));
        g_assert_cmpstr(d->gpu, ==, d->passthrough ? VF_GPU : NULL);
    }
    other_after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(other_after, ==, other);

    g_assert_true(vf_flow_deactivate(fx->th.host, fx->conn, VF_ODD_VM, NULL, &back, &error));
    g_assert_no_error(error);
    after = vf_fx_xml(fx, VF_ODD_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

static const struct {
    const char *gpu;
    int code;
    const char *says;
    const char *fix; /* what the failure says to do (vf_error_get_fix()) */
} vf_bad_gpus[] = {
    {VF_NVME, VF_ERROR_INVALID_ARGUMENT, "not a GPU", "Choose one of this host's GPUs"},
    {VF_IGPU, VF_ERROR_BOOT_VGA, "boot-vga", "Pass through the other GPU"},
    {"0000:09:00.0", VF_ERROR_NOT_FOUND, "does not exist", "Choose one of this host's GPUs"},
    {"not-a-bdf", VF_ERROR_INVALID_ARGUMENT, "not-a-bdf", "e.g. 0000:01:00.0"},
};

static void
test_bad_gpu(gconstpointer data)
{
    guint k = GPOINTER_TO_UINT(data);
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL, plan_error = NULL;
    g_autoptr(VfFlow) flow = NULL, plan = NULL;
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *after = NULL, *snap_after = NULL;

    plan = vf_flow_plan_activate(fx->th.host, fx->conn, VF_VM, vf_bad_gpus[k].gpu, &plan_error);
    g_assert_null(plan);
    g_assert_error(plan_error, VF_ERROR, vf_bad_gpus[k].code);

    g_assert_false(vf_activate(fx, VF_VM, vf_bad_gpus[k].gpu, TRUE, &flow, &error));
    g_assert_error(error, VF_ERROR, vf_bad_gpus[k].code);
    vf_assert_contains(VF_MSG(error), vf_bad_gpus[k].says);
    vf_assert_contains(vf_error_get_fix(error), vf_bad_gpus[k].fix);
    vf_assert_failed_at(flow, "check-host", error);

    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* ---- two VMs with the same GPU ---- */

/* A GPU can be given to two VMs (one runs at a time). While one of them runs with it,
 * stopping or deactivating the other, which is off, must not take the GPU from under the
 * running one (on a real host that unbinds vfio-pci from a device QEMU holds), and
 * starting the other is refused. */
static void
test_shared_gpu(gconstpointer data)
{
    const char *what = data;
    g_autoptr(VfFx) fx = vf_fx_new_full(TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *snap = NULL, *snap_after = NULL, *drivers = NULL, *states = NULL;
    g_autofree char *odd_before = NULL, *odd_after = NULL, *original = NULL;
    const char *gpu_step = NULL;
    gboolean ok;

    original = vf_fx_xml(fx, VF_ODD_VM, TRUE);
    vf_fx_activate(fx, VF_VM);
    vf_fx_activate(fx, VF_ODD_VM);
    vf_fx_flow_start(fx, VF_VM);
    snap = vf_fx_snapshot(fx);
    odd_before = vf_fx_xml(fx, VF_ODD_VM, TRUE);

    if (g_str_equal(what, "deactivate")) {
        ok = vf_flow_deactivate(fx->th.host, fx->conn, VF_ODD_VM, NULL, &flow, &error);
        gpu_step = "restore-gpu";
    } else if (g_str_equal(what, "stop")) {
        ok = vf_flow_stop(fx->th.host, fx->conn, VF_ODD_VM, NULL, &flow, &error);
        gpu_step = "return-gpu";
    } else {
        ok = vf_flow_start(fx->th.host, fx->conn, VF_ODD_VM, NULL, &flow, &error);
    }
    states = vf_flow_states(flow);
    g_test_message("%s: %s; %s", what, error ? error->message : "ok", states);
    if (gpu_step) {
        /* the flow succeeds; its GPU step says why it left the GPU alone */
        g_assert_no_error(error);
        g_assert_true(ok);
        g_assert_cmpint(vf_flow_step(flow, gpu_step) ? (int)vf_flow_step(flow, gpu_step)->state
                                                     : -1,
                        ==, VF_STEP_SKIPPED);
        vf_assert_contains(VF_STEP_DETAIL(flow, gpu_step), "'" VF_VM "'");
    } else {
        g_assert_false(ok);
        g_assert_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE);
        vf_assert_contains(VF_MSG(error), "'" VF_VM "'");
        vf_assert_failed_at(flow, "check-host", error);
        g_assert_cmpint(vf_fx_state(fx, VF_ODD_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
    }
    odd_after = vf_fx_xml(fx, VF_ODD_VM, TRUE);
    g_assert_cmpstr(odd_after, ==, g_str_equal(what, "deactivate") ? original : odd_before);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_RUNNING);
    drivers = vf_fx_drivers(fx);
    g_assert_cmpstr(drivers, ==, VF_VFIO_DRIVERS);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* ---- one operation at a time ---- */

static void
test_busy(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autofree char *state = vf_test_host_path(&fx->th, "var/lib/virtflow");
    g_autofree char *lock = g_build_filename(state, "operation.lock", NULL);
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *after = NULL, *snap_after = NULL;
    gint64 start, elapsed_ms;
    int fd;

    g_assert_cmpint(g_mkdir_with_parents(state, 0755), ==, 0);
    fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(flock(fd, LOCK_EX | LOCK_NB), ==, 0);

    start = g_get_monotonic_time();
    g_assert_false(vf_activate(fx, VF_VM, NULL, TRUE, &flow, &error));
    elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    g_assert_error(error, VF_ERROR, VF_ERROR_BUSY);
    vf_assert_contains(VF_MSG(error), "operation.lock");
    g_test_message("BUSY after %" G_GINT64_FORMAT " ms", elapsed_ms);
    g_assert_cmpint(elapsed_ms, <=, 7000);
    close(fd);

    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    /* let go, it works */
    g_clear_error(&error);
    g_clear_pointer(&flow, vf_flow_free);
    g_assert_true(vf_activate(fx, VF_VM, NULL, TRUE, &flow, &error));
    g_assert_no_error(error);
}

/* A demo tree an older VirtFlow built for another machine (here: a model without a name, as
 * every tree before the AM5 demo) is kept aside as ROOT.old and a new one is built; a tree of
 * the current machine is used as it is. */
static void
test_demo_old_machine_moved_aside(void)
{
    static const VfKmodelDevice old_devices[] = {
        {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1},
        {NULL},
    };
    static const VfKmodelHost old_machine = {.devices = old_devices};
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("virtflow-test-flows-XXXXXX", &error);
    g_autofree char *root = g_build_filename(dir, "demo-host", NULL);
    g_autofree char *aside = g_build_filename(dir, "demo-host.old", NULL);
    g_autofree char *aside_vm = g_build_filename(aside, "my-vm.xml", NULL);
    g_autofree char *vm = g_build_filename(root, "my-vm.xml", NULL);
    g_autofree char *mine = g_build_filename(root, "mine", NULL);
    g_autofree char *aside2 = g_build_filename(dir, "demo-host.old.2", NULL);
    g_autofree char *machine = NULL;
    g_autofree char *none = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfHost) again = NULL;

    g_assert_no_error(error);
    g_assert_true(vf_kmodel_build(root, &old_machine, &error));
    g_assert_no_error(error);
    g_assert_true(g_file_set_contents(vm, "<domain/>", -1, NULL));
    none = vf_kmodel_dup_machine(root);
    g_assert_null(none);

    host = vf_demo_open_host(root, &error);
    g_assert_no_error(error);
    g_assert_nonnull(host);
    machine = vf_kmodel_dup_machine(root);
    g_assert_cmpstr(machine, ==, VF_KMODEL_DEMO_MACHINE);
    /* the new machine's iGPU, and the old tree kept whole, not deleted */
    g_assert_true(vf_host_exists(host, "/sys/bus/pci/devices/0000:0e:00.0"));
    g_assert_true(g_file_test(aside_vm, G_FILE_TEST_EXISTS));

    /* opened again: the same tree, nothing moved */
    g_assert_true(g_file_set_contents(mine, "x", -1, NULL));
    again = vf_demo_open_host(root, &error);
    g_assert_no_error(error);
    g_assert_true(vf_host_exists(again, "/mine"));
    g_assert_false(g_file_test(aside2, G_FILE_TEST_EXISTS));
    vf_test_rm_rf(dir);
}

/* ---- main ---- */

/* The demo's own Windows 11 XML, from a demo built in a temporary root */
static char *
vf_read_demo_xml(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *root = g_dir_make_tmp("virtflow-test-flows-XXXXXX", &error);
    g_autofree char *path = NULL;
    g_autoptr(VfConnection) conn = NULL;
    char *xml = NULL;

    g_assert_no_error(error);
    g_assert_true(vf_demo_open(root, NULL, &conn, &error));
    g_assert_no_error(error);
    /* the demo keeps its VM as libvirt prints it, named by its UUID */
    path = g_build_filename(root, "libvirt", "domains", "6a1f6a4e-1b2c-4d5e-8f90-0a1b2c3d4e5f.xml",
                            NULL);
    g_file_get_contents(path, &xml, NULL, &error);
    g_assert_no_error(error);
    vf_test_rm_rf(root);
    return xml;
}

static void
vf_add_fault_tests(const char *flow, const char *const *ids, guint n, GTestDataFunc func,
                   const char *variant_a, const char *variant_b, GPtrArray *keep)
{
    for (guint i = 0; i < n; i++) {
        for (int v = 0; v < 2; v++) {
            VfFault *f = g_new0(VfFault, 1);
            g_autofree char *name = NULL;

            f->step = ids[i];
            if (g_str_equal(flow, "start"))
                f->bound = v == 0;
            else
                f->running = v == 0;
            name =
                g_strdup_printf("/flows/%s/fault/%s/%s", flow, ids[i], v ? variant_b : variant_a);
            g_test_add_data_func(name, f, func);
            g_ptr_array_add(keep, f);
        }
    }
}

/* ---- lifecycle events (what the desktop app listens to) ---- */

typedef struct {
    GMutex lock;
    GCond cond;
    GString *seen; /* "NAME:EVENT;" for every event */
    gboolean destroyed;
    GThread *thread; /* the thread the last call ran on */
} VfEvents;

static void
vf_events_cb(VfConnection *conn, const char *name, VfLifecycleEvent event, gpointer data)
{
    VfEvents *ev = data;

    g_mutex_lock(&ev->lock);
    g_string_append_printf(ev->seen, "%s:%s;", name, vf_lifecycle_event_to_string(event));
    ev->thread = g_thread_self();
    g_cond_broadcast(&ev->cond);
    g_mutex_unlock(&ev->lock);
}

static void
vf_events_destroy(gpointer data)
{
    VfEvents *ev = data;

    g_mutex_lock(&ev->lock);
    ev->destroyed = TRUE;
    g_cond_broadcast(&ev->cond);
    g_mutex_unlock(&ev->lock);
}

/* Waits up to 5 s for @what in the events seen */
static gboolean
vf_events_wait(VfEvents *ev, const char *what)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;
    gboolean found;

    g_mutex_lock(&ev->lock);
    while (!(found = strstr(ev->seen->str, what) != NULL))
        if (!g_cond_wait_until(&ev->cond, &ev->lock, deadline))
            break;
    found = strstr(ev->seen->str, what) != NULL;
    g_mutex_unlock(&ev->lock);
    return found;
}

static void
test_watch_lifecycle(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomain) dom = vf_fx_domain(fx, VF_VM);
    VfEvents ev = {0};
    guint id;

    g_mutex_init(&ev.lock);
    g_cond_init(&ev.cond);
    ev.seen = g_string_new(NULL);
    id = vf_connection_watch_lifecycle(fx->conn, vf_events_cb, &ev, vf_events_destroy, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(id, >, 0);

    g_assert_true(vf_domain_start(dom, &error));
    g_assert_no_error(error);
    if (!vf_events_wait(&ev, VF_VM ":started;"))
        g_test_fail_printf("no 'started' event within 5 s; seen: '%s'", ev.seen->str);
    /* on libvirt's event thread, not ours */
    g_assert_true(ev.thread != g_thread_self());
    g_assert_true(vf_domain_destroy(dom, &error));
    g_assert_no_error(error);
    if (!vf_events_wait(&ev, VF_VM ":stopped;"))
        g_test_fail_printf("no 'stopped' event within 5 s; seen: '%s'", ev.seen->str);

    vf_connection_unwatch_lifecycle(fx->conn, id);
    /* the free callback runs from the event loop: wait for it */
    g_mutex_lock(&ev.lock);
    {
        gint64 deadline = g_get_monotonic_time() + 5 * G_TIME_SPAN_SECOND;

        while (!ev.destroyed && g_cond_wait_until(&ev.cond, &ev.lock, deadline))
            ;
    }
    g_assert_true(ev.destroyed);
    g_string_truncate(ev.seen, 0);
    g_mutex_unlock(&ev.lock);
    /* unwatched: starting again is not reported */
    g_assert_true(vf_domain_start(dom, &error));
    g_assert_no_error(error);
    g_usleep(200 * 1000);
    g_mutex_lock(&ev.lock);
    g_assert_cmpstr(ev.seen->str, ==, "");
    g_mutex_unlock(&ev.lock);
    vf_domain_destroy(dom, NULL);

    g_string_free(ev.seen, TRUE);
    g_mutex_clear(&ev.lock);
    g_cond_clear(&ev.cond);
}

/* the list has what the desktop app's details show: vCPUs and memory */
static void
test_list_sizes(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = vf_connection_list_domains_with_sizes(fx->conn, &error);
    const VfDomainInfo *info;

    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 1);
    info = list->pdata[0];
    g_assert_cmpstr(info->name, ==, VF_VM);
    g_assert_cmpuint(info->vcpus, ==, 8);
    g_assert_cmpuint(info->memory_kib, ==, 16777216);
}

/* ---- doctor VM ---- */

/* `virtflow doctor VM` on the test's machine: the host checks, libvirt and the VM. */
static VfDoctor *
vf_fx_doctor(VfFx *fx, const char *vm)
{
    VfDoctor *doctor = vf_doctor_new();

    vf_doctor_check_host(doctor, fx->th.host);
    vf_doctor_check_libvirt(doctor, fx->conn, NULL, NULL);
    vf_doctor_check_vm(doctor, fx->th.host, fx->conn, vm);
    return doctor;
}

static const VfCheck *
vf_doctor_assert(VfDoctor *doctor, const char *id, VfCheckStatus status)
{
    const VfCheck *check = vf_doctor_get_check(doctor, id);

    if (check == NULL || check->status != status) {
        g_test_message("check '%s': %s, expected %s; detail: %s; fix: %s", id,
                       check ? vf_check_status_to_string(check->status) : "missing",
                       vf_check_status_to_string(status), check ? check->detail : "",
                       check && check->fix ? check->fix : "(none)");
        g_test_fail();
    }
    return check;
}

#define VF_CDETAIL(check) ((check) ? (check)->detail : NULL)
#define VF_CFIX(check)    ((check) ? (check)->fix : NULL)

static void
test_doctor_vm(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(VfDoctor) before = vf_fx_doctor(fx, VF_VM);
    g_autoptr(VfDoctor) after = NULL;
    g_autoptr(VfDoctor) running = NULL;
    const VfCheck *c;

    /* not activated yet: exists, agent channel there, the fix is to activate it */
    c = vf_doctor_assert(before, "libvirt", VF_CHECK_PASS);
    vf_assert_contains(VF_CDETAIL(c), "test://");
    c = vf_doctor_assert(before, "vm", VF_CHECK_PASS);
    vf_assert_contains(VF_CDETAIL(c), "shut off");
    c = vf_doctor_assert(before, "vm-xml", VF_CHECK_WARN);
    vf_assert_contains(VF_CDETAIL(c), "not activated");
    g_assert_cmpstr(VF_CFIX(c), ==, "virtflow activate '" VF_VM "'");
    vf_doctor_assert(before, "vm-hook-log", VF_CHECK_SKIP);
    vf_doctor_assert(before, "vm-agent", VF_CHECK_PASS);

    /* activated: the record and the <hostdev>s agree, no display is left; the GPU waits
     * on vfio-pci for that VM, which libvirt knows is off */
    vf_fx_activate(fx, VF_VM);
    after = vf_fx_doctor(fx, VF_VM);
    c = vf_doctor_assert(after, "vm-xml", VF_CHECK_PASS);
    vf_assert_contains(VF_CDETAIL(c), "Activated for GPU " VF_GPU);
    vf_assert_contains(VF_CDETAIL(c), VF_AUDIO " (host driver snd_hda_intel)");
    c = vf_doctor_assert(after, "vm-hook-log", VF_CHECK_WARN);
    vf_assert_contains(VF_CDETAIL(c), "has no line for '" VF_VM "'");
    c = vf_doctor_assert(after, "gpu-stuck:" VF_GPU, VF_CHECK_WARN);
    vf_assert_contains(VF_CDETAIL(c), "bound for VM '" VF_VM "'");
    g_assert_cmpstr(VF_CFIX(c), ==, "virtflow gpu restore " VF_GPU);

    /* running: the test driver runs no QEMU, so only libvirt can say the GPU is in use */
    vf_fx_flow_start(fx, VF_VM);
    running = vf_fx_doctor(fx, VF_VM);
    c = vf_doctor_assert(running, "gpu-stuck:" VF_GPU, VF_CHECK_PASS);
    vf_assert_contains(VF_CDETAIL(c), "assigned to VM '" VF_VM "'");
    vf_assert_contains(VF_CDETAIL(c), "running");
}

/* Someone edited the activated VM: a <hostdev> removed, a SPICE display added back. */
static void
test_doctor_vm_edited(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(VfDoctor) doctor = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomain) dom = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(GString) edited = NULL;
    g_autoptr(GRegex) audio_hostdev = NULL;
    g_autofree char *without = NULL;
    const VfCheck *c;

    vf_fx_activate(fx, VF_VM);
    xml = vf_fx_xml(fx, VF_VM, TRUE);
    /* the <hostdev> whose source is the audio function (function='0x1' in <source>); no
     * <driver name='vfio'/> any more (issue 12), but a domain of older VirtFlow has one */
    audio_hostdev = g_regex_new("<hostdev[^>]*>\\s*(?:<driver[^>]*/>\\s*)?<source>\\s*<address[^>]*"
                                "function='0x1'/>.*?</hostdev>\\s*",
                                G_REGEX_DOTALL, 0, &error);
    g_assert_no_error(error);
    without = g_regex_replace(audio_hostdev, xml, -1, 0, "", 0, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(without, !=, xml);
    edited = g_string_new(without);
    g_assert_cmpuint(g_string_replace(edited, "</devices>",
                                      "<graphics type='spice' autoport='yes'/></devices>", 1),
                     ==, 1);
    dom = vf_connection_define_xml(fx->conn, edited->str, &error);
    g_assert_no_error(error);

    doctor = vf_fx_doctor(fx, VF_VM);
    c = vf_doctor_assert(doctor, "vm-xml", VF_CHECK_FAIL);
    vf_assert_contains(VF_CDETAIL(c), VF_AUDIO " is in the record but has no <hostdev>");
    vf_assert_not_contains(VF_CDETAIL(c), VF_GPU " is in the record but has no <hostdev>");
    vf_assert_contains(VF_CDETAIL(c), "<graphics type='spice'> is still there");
    vf_assert_contains(VF_CFIX(c),
                       "virtflow deactivate '" VF_VM "' && virtflow activate '" VF_VM "'");
}

static void
test_doctor_vm_hook_log(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(VfDoctor) doctor = NULL;
    g_autoptr(GString) log = g_string_new(NULL);
    g_autofree char *path = g_build_filename(fx->th.root, "var/log/libvirt", NULL);
    g_autofree char *file = g_build_filename(path, "qemu-hook.log", NULL);
    g_autoptr(GError) error = NULL;
    const VfCheck *c;

    /* the hook's format (src/hook/virtflow-hook.c), seven calls for the VM, one for another
     * VM whose name starts the same */
    for (int i = 1; i <= 7; i++)
        g_string_append_printf(log,
                               "2026-11-25T10:00:0%d.000+00:00 domain=\"" VF_VM "\" "
                               "operation=%s gpu=" VF_GPU " devices=" VF_GPU "," VF_AUDIO
                               " result=ok detail=\"call %d\" duration_ms=12\n",
                               i, i % 2 ? "prepare" : "release", i);
    g_string_append(log, "2026-11-25T10:00:08.000+00:00 domain=\"" VF_VM " copy\" "
                         "operation=prepare gpu=" VF_GPU " devices=- result=refused "
                         "reason=\"other VM\" duration_ms=3\n");
    g_assert_cmpint(g_mkdir_with_parents(path, 0700), ==, 0);
    g_file_set_contents(file, log->str, -1, &error);
    g_assert_no_error(error);

    vf_fx_activate(fx, VF_VM);
    doctor = vf_fx_doctor(fx, VF_VM);
    c = vf_doctor_assert(doctor, "vm-hook-log", VF_CHECK_PASS);
    /* the last five of this VM's, none of the other's */
    vf_assert_contains(VF_CDETAIL(c), "Last 5 line(s)");
    vf_assert_contains(VF_CDETAIL(c), "call 3");
    vf_assert_contains(VF_CDETAIL(c), "call 7");
    vf_assert_not_contains(VF_CDETAIL(c), "call 2\"");
    vf_assert_not_contains(VF_CDETAIL(c), "other VM");

    /* the last call refused the start: its reason is shown, and it is a warning */
    g_string_append(log, "2026-11-25T10:00:09.000+00:00 domain=\"" VF_VM "\" operation=prepare "
                         "gpu=" VF_GPU " devices=" VF_GPU " result=refused reason=\"in-use: "
                         "pid 77 (Xorg) holds /dev/dri/card1\" duration_ms=9\n");
    g_file_set_contents(file, log->str, -1, &error);
    g_assert_no_error(error);
    vf_doctor_free(g_steal_pointer(&doctor));
    doctor = vf_fx_doctor(fx, VF_VM);
    c = vf_doctor_assert(doctor, "vm-hook-log", VF_CHECK_WARN);
    vf_assert_contains(VF_CDETAIL(c), "pid 77 (Xorg)");
    g_assert_nonnull(VF_CFIX(c));
}

static void
test_doctor_unknown_vm(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(VfDoctor) doctor = vf_fx_doctor(fx, "no-such-vm");
    const VfCheck *c = vf_doctor_assert(doctor, "vm", VF_CHECK_FAIL);

    vf_assert_contains(VF_CDETAIL(c), "no-such-vm");
    vf_assert_contains(VF_CFIX(c), "virtflow list");
    vf_doctor_assert(doctor, "vm-xml", VF_CHECK_SKIP);
    vf_doctor_assert(doctor, "vm-agent", VF_CHECK_SKIP);
    /* the host checks ran all the same */
    vf_doctor_assert(doctor, "iommu", VF_CHECK_PASS);
}

/* ---- the profile: view, input hand-over, notes (issue 11) ---- */

/* The demo host's keyboard and mouse (behind its chipset's USB controller 0000:0b:00.0) */
#define VF_KBD         "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd"
#define VF_KBD_NODE    "dev/input/event4"
#define VF_MOUSE       "/dev/input/by-id/usb-Logitech_G502_HERO_Gaming_Mouse_0E6D395D3333-event-mouse"
#define VF_USB_CTRL    "0000:0b:00.0"
#define VF_TOGGLE_NOTE "Press both Ctrl keys to switch the keyboard and mouse between host and VM."

static VfProfile *
vf_test_profile(VfView view, gboolean keyboard, gboolean mouse)
{
    VfProfile *p = vf_profile_new();

    p->view = view;
    if (keyboard)
        g_ptr_array_add(p->evdev, vf_evdev_input_new(VF_INPUT_KIND_KEYBOARD, VF_KBD));
    if (mouse)
        g_ptr_array_add(p->evdev, vf_evdev_input_new(VF_INPUT_KIND_MOUSE, VF_MOUSE));
    return p;
}

static char *
vf_flow_notes(VfFlow *flow)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; flow && flow->notes && i < flow->notes->len; i++)
        g_string_append_printf(out, "%s%s", i ? "\n" : "", (char *)flow->notes->pdata[i]);
    return g_string_free(out, FALSE);
}

static gboolean
vf_activate_profile(VfFx *fx, const VfProfile *profile, VfFlow **ret_flow, GError **error)
{
    VfFlowOptions o = vf_options(NULL, FALSE);

    o.profile = profile;
    return vf_flow_activate(fx->th.host, fx->conn, VF_VM, NULL, &o, ret_flow, error);
}

/* Monitor view with the keyboard and mouse handed over: what the user is told, what the
 * domain and its record say, and Start telling the toggle again. */
static void
test_profile_monitor(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL, start = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_MONITOR, TRUE, TRUE);
    g_autoptr(VfProfile) recorded = NULL;
    g_autofree char *notes = NULL, *start_notes = NULL, *xml = NULL;

    g_assert_true(vf_activate_profile(fx, want, &flow, &error));
    g_assert_no_error(error);
    notes = vf_flow_notes(flow);
    /* the GPU's connectors, read before it moved (connected first), and the sound */
    vf_assert_contains(notes,
                       "The VM's screen is the monitor on the GPU's outputs (HDMI-A-2, DP-2).");
    vf_assert_contains(notes,
                       "Sound comes out of that monitor (the GPU's HDMI/DP audio moves with it).");
    vf_assert_contains(notes, VF_TOGGLE_NOTE);
    vf_assert_contains(notes, VF_KBD);
    /* off: the guest could not be asked about VirtIO input */
    vf_assert_contains(notes, "VM '" VF_VM "' is off: whether it has VirtIO input drivers could "
                              "not be checked, so it keeps its PS/2 keyboard and mouse.");
    g_assert_nonnull(flow->profile);
    if (flow->profile) {
        g_assert_cmpint(flow->profile->view, ==, VF_VIEW_MONITOR);
        g_assert_cmpuint(flow->profile->evdev->len, ==, 2);
        g_assert_false(flow->profile->virtio_input);
    }
    vf_assert_contains(VF_STEP_DETAIL(flow, "rewrite-vm"), "2 evdev inputs");

    xml = vf_fx_xml(fx, VF_VM, TRUE);
    vf_assert_activated_xml(xml);
    vf_assert_xpath(xml, "/domain/devices/input[@type='evdev']/source[@dev='" VF_KBD "']", 1);
    vf_assert_xpath(xml, "/domain/devices/input[@type='evdev']/source[@dev='" VF_MOUSE "']", 1);
    vf_assert_xpath(xml, "/domain/devices/input[@type='evdev']/source[@grabToggle='ctrl-ctrl']", 1);
    vf_assert_valid_domain(fx->dir, xml);
    g_assert_true(vf_domain_xml_get_profile(xml, &recorded, &error));
    g_assert_no_error(error);
    if (recorded)
        g_assert_cmpuint(recorded->evdev->len, ==, 2);

    /* every start says how to get the keyboard back */
    g_assert_true(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &start, &error));
    g_assert_no_error(error);
    start_notes = vf_flow_notes(start);
    vf_assert_contains(start_notes, VF_TOGGLE_NOTE);
    g_assert_nonnull(start->profile);
}

/* Looking Glass with evdev input: sized for the host's largest screen (the demo iGPU's
 * 2560x1440 monitor, not the dGPU's 4K monitor that goes to the VM); Deactivate gives back
 * the domain byte for byte (issue 11: it removes exactly what it added). */
static void
test_profile_looking_glass_round_trip(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL, deact = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_LOOKING_GLASS, TRUE, TRUE);
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *notes = NULL, *xml = NULL, *after = NULL, *snap_after = NULL;

    g_assert_true(vf_activate_profile(fx, want, &flow, &error));
    g_assert_no_error(error);
    g_assert_nonnull(flow->profile);
    if (flow->profile) {
        g_assert_cmpint(flow->profile->view, ==, VF_VIEW_LOOKING_GLASS);
        g_assert_cmpuint(flow->profile->lg_width, ==, 2560);
        g_assert_cmpuint(flow->profile->lg_height, ==, 1440);
    }
    notes = vf_flow_notes(flow);
    vf_assert_contains(notes, "open it with looking-glass-client on the host");
    vf_assert_contains(notes, "2560x1440, 64 MiB");
    /* the demo host has had no 'virtflow setup' */
    vf_assert_contains(notes, "/dev/shm/looking-glass is not set up for the desktop user yet: "
                              "run 'sudo virtflow setup' once");
    vf_assert_contains(notes, VF_TOGGLE_NOTE);
    vf_assert_not_contains(notes, "GPU's outputs");
    xml = vf_fx_xml(fx, VF_VM, TRUE);
    vf_assert_xpath(xml, "/domain/devices/shmem[@name='looking-glass']/size[.='64']", 1);
    vf_assert_xpath(xml, "/domain/devices/input[@type='evdev']", 2);
    vf_assert_xpath(xml, "/domain/devices/hostdev", 2);
    vf_assert_valid_domain(fx->dir, xml);

    g_assert_true(vf_flow_deactivate(fx->th.host, fx->conn, VF_VM, NULL, &deact, &error));
    g_assert_no_error(error);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* Activating again: with the same profile nothing happens; with another, the profile part
 * is redone (the way to fix an unplugged keyboard); deactivation still gives back the
 * original. */
static void
test_profile_again(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) f1 = NULL, f2 = NULL, f3 = NULL, f4 = NULL;
    g_autoptr(VfProfile) monitor = vf_test_profile(VF_VIEW_MONITOR, TRUE, TRUE);
    g_autoptr(VfProfile) lg = vf_test_profile(VF_VIEW_LOOKING_GLASS, TRUE, FALSE);
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *first = NULL, *second = NULL, *third = NULL, *after = NULL;
    g_autofree char *states = NULL;

    g_assert_true(vf_activate_profile(fx, monitor, &f1, &error));
    g_assert_no_error(error);
    first = vf_fx_xml(fx, VF_VM, TRUE);

    g_assert_true(vf_activate_profile(fx, monitor, &f2, &error));
    g_assert_no_error(error);
    vf_assert_contains(VF_STEP_DETAIL(f2, "define-vm"), "already");
    second = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(second, ==, first);

    g_assert_true(vf_activate_profile(fx, lg, &f3, &error));
    g_assert_no_error(error);
    states = vf_flow_states(f3);
    vf_assert_contains(states, "rewrite-vm=done define-vm=done");
    third = vf_fx_xml(fx, VF_VM, TRUE);
    vf_assert_xpath(third, "/domain/devices/shmem[@name='looking-glass']", 1);
    vf_assert_xpath(third, "/domain/devices/input[@type='evdev']", 1);
    vf_assert_xpath(third, "/domain/devices/hostdev", 2);

    g_assert_true(vf_flow_deactivate(fx->th.host, fx->conn, VF_VM, NULL, &f4, &error));
    g_assert_no_error(error);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
}

typedef struct {
    const char *name;
    VfView view;
    const char *paths[3];
    guint lg_width, lg_height;
    const char *usb_controller;
    VfErrorCode code;
    const char *message; /* a part of the error's message */
} VfBadProfile;

static const VfBadProfile vf_bad_profiles[] = {
    {"link-to-nothing",
     VF_VIEW_MONITOR,
     {"/dev/input/by-id/usb-Gone_Keyboard-event-kbd"},
     0,
     0,
     NULL,
     VF_ERROR_INVALID_ARGUMENT,
     "usb-Gone_Keyboard-event-kbd"},
    {"no-such-path",
     VF_VIEW_MONITOR,
     {"/dev/input/by-id/usb-Nothing-event-kbd"},
     0,
     0,
     NULL,
     VF_ERROR_INVALID_ARGUMENT,
     "usb-Nothing-event-kbd"},
    {"not-evdev",
     VF_VIEW_MONITOR,
     {"/dev/input/by-id"},
     0,
     0,
     NULL,
     VF_ERROR_INVALID_ARGUMENT,
     "/dev/input/by-id"},
    {"twice",
     VF_VIEW_LOOKING_GLASS,
     {VF_KBD, VF_KBD},
     0,
     0,
     NULL,
     VF_ERROR_INVALID_ARGUMENT,
     VF_KBD},
    {"twice-by-node",
     VF_VIEW_MONITOR,
     {VF_KBD, "/dev/input/by-id/usb-Alias-event-kbd"},
     0,
     0,
     NULL,
     VF_ERROR_INVALID_ARGUMENT,
     "same input device"},
    {"lg-too-large",
     VF_VIEW_LOOKING_GLASS,
     {NULL},
     99999,
     99999,
     NULL,
     VF_ERROR_INVALID_ARGUMENT,
     "99999x99999"},
    {"usb-controller-in-use",
     VF_VIEW_MONITOR,
     {NULL},
     0,
     0,
     VF_USB_CTRL,
     VF_ERROR_DEVICE_IN_USE,
     "Logitech"},
    {"usb-controller-not-usb",
     VF_VIEW_MONITOR,
     {NULL},
     0,
     0,
     VF_NVME,
     VF_ERROR_INVALID_ARGUMENT,
     VF_NVME},
};

/* Bad input is refused at check-host, naming the thing; nothing changed. */
static void
test_profile_bad(gconstpointer data)
{
    const VfBadProfile *bad = &vf_bad_profiles[GPOINTER_TO_UINT(data)];
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL, plan_error = NULL;
    g_autoptr(VfFlow) flow = NULL, plan = NULL;
    g_autoptr(VfProfile) p = vf_profile_new();
    g_autofree char *gone =
        vf_test_host_path(&fx->th, "dev/input/by-id/usb-Gone_Keyboard-event-kbd");
    g_autofree char *alias = vf_test_host_path(&fx->th, "dev/input/by-id/usb-Alias-event-kbd");
    g_autofree char *before = NULL, *snap = NULL, *after = NULL, *snap_after = NULL;

    /* a keyboard unplugged: udev's link is left pointing to nothing; and a second link to
     * the demo keyboard's node */
    g_assert_cmpint(symlink("../event42", gone), ==, 0);
    g_assert_cmpint(symlink("../event4", alias), ==, 0);
    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);
    p->view = bad->view;
    p->lg_width = bad->lg_width;
    p->lg_height = bad->lg_height;
    p->usb_controller = g_strdup(bad->usb_controller);
    for (guint i = 0; bad->paths[i]; i++)
        g_ptr_array_add(p->evdev, vf_evdev_input_new(VF_INPUT_KIND_KEYBOARD, bad->paths[i]));

    plan = vf_flow_plan_activate_profile(fx->th.host, fx->conn, VF_VM, NULL, p, &plan_error);
    g_assert_null(plan);
    g_assert_error(plan_error, VF_ERROR, (gint)bad->code);
    vf_assert_contains(VF_MSG(plan_error), bad->message);

    g_assert_false(vf_activate_profile(fx, p, &flow, &error));
    g_assert_error(error, VF_ERROR, (gint)bad->code);
    vf_assert_contains(VF_MSG(error), bad->message);
    vf_assert_failed_at(flow, "check-host", error);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* A keyboard unplugged between Activate and Start: Start refuses before anything moves,
 * naming the device and the fix; plugged in again, it starts. */
/* doctor VM and a profile: Looking Glass's SPICE and video are there on purpose; an evdev
 * keyboard unplugged since Activate is named with the fix; a tampered record fails. */
static void
test_doctor_vm_profile(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_LOOKING_GLASS, TRUE, TRUE);
    g_autoptr(VfFlow) flow = NULL;
    g_autoptr(VfDoctor) doctor = NULL, unplugged = NULL, tampered = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomain) dom = NULL;
    g_autofree char *node = vf_test_host_path(&fx->th, VF_KBD_NODE);
    g_autofree char *saved = g_strconcat(fx->dir, "/event4.unplugged", NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GString) edited = NULL;
    const VfCheck *c;

    g_assert_true(vf_activate_profile(fx, want, &flow, &error));
    g_assert_no_error(error);
    doctor = vf_fx_doctor(fx, VF_VM);
    c = vf_doctor_assert(doctor, "vm-xml", VF_CHECK_PASS);
    vf_assert_contains(VF_CDETAIL(c), "view looking-glass");
    vf_assert_not_contains(VF_CDETAIL(c), "is still there");
    c = vf_doctor_assert(doctor, "vm-input", VF_CHECK_PASS);

    g_assert_cmpint(rename(node, saved), ==, 0);
    unplugged = vf_fx_doctor(fx, VF_VM);
    c = vf_doctor_assert(unplugged, "vm-input", VF_CHECK_FAIL);
    vf_assert_contains(VF_CDETAIL(c), VF_KBD);
    vf_assert_contains(VF_CFIX(c), "--input");
    g_assert_cmpint(rename(saved, node), ==, 0);

    /* a record that would put a host disk back into the VM */
    xml = vf_fx_xml(fx, VF_VM, TRUE);
    edited = g_string_new(xml);
    g_assert_cmpuint(g_string_replace(edited, "</virtflow:passthrough>",
                                      "<virtflow:removed position=\"1\"><disk type=\"block\" "
                                      "device=\"disk\"><source dev=\"/dev/sda\"/><target "
                                      "dev=\"vdz\" bus=\"virtio\"/></disk></virtflow:removed>"
                                      "</virtflow:passthrough>",
                                      1),
                     ==, 1);
    dom = vf_connection_define_xml(fx->conn, edited->str, &error);
    g_assert_no_error(error);
    tampered = vf_fx_doctor(fx, VF_VM);
    c = vf_doctor_assert(tampered, "vm-xml", VF_CHECK_FAIL);
    vf_assert_contains(VF_CDETAIL(c), "disk");
    vf_assert_contains(VF_CFIX(c), "<virtflow:passthrough>");
}

static void
test_profile_start_unplugged(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL, start = NULL, again = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_MONITOR, TRUE, TRUE);
    g_autofree char *node = vf_test_host_path(&fx->th, VF_KBD_NODE);
    g_autofree char *saved = g_strconcat(fx->dir, "/event4.unplugged", NULL);
    g_autofree char *xml = NULL, *snap = NULL, *xml_after = NULL, *snap_after = NULL;
    g_autofree char *drivers = NULL, *drivers_after = NULL;

    g_assert_true(vf_activate_profile(fx, want, &flow, &error));
    g_assert_no_error(error);
    /* the GPU back on the host first, so that a start would have to move it */
    vf_fx_flow_stop(fx, VF_VM);
    g_assert_cmpint(rename(node, saved), ==, 0);
    xml = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);
    drivers = vf_fx_drivers(fx);

    g_assert_false(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &start, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_NOT_FOUND);
    vf_assert_contains(VF_MSG(error), VF_KBD);
    vf_assert_contains(VF_MSG(error), "VM '" VF_VM "' cannot start");
    vf_assert_contains(VF_MSG(error), "--input");
    vf_assert_failed_at(start, "check-host", error);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_SHUTOFF);
    xml_after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(xml_after, ==, xml);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
    drivers_after = vf_fx_drivers(fx);
    g_assert_cmpstr(drivers_after, ==, drivers);
    g_assert_cmpstr(drivers_after, ==, VF_HOST_DRIVERS);

    /* plugged in again */
    g_clear_error(&error);
    g_assert_cmpint(rename(saved, node), ==, 0);
    g_assert_true(vf_flow_start(fx->th.host, fx->conn, VF_VM, NULL, &again, &error));
    g_assert_no_error(error);
    g_assert_cmpint(vf_fx_state(fx, VF_VM), ==, VF_DOMAIN_STATE_RUNNING);
}

/* The plan shows the profile and the notes, and changes nothing. */
static void
test_profile_plan(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) plan = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_LOOKING_GLASS, TRUE, TRUE);
    g_autofree char *before = vf_fx_xml(fx, VF_VM, TRUE);
    g_autofree char *snap = vf_fx_snapshot(fx);
    g_autofree char *notes = NULL, *after = NULL, *snap_after = NULL;

    want->lg_width = 1920;
    want->lg_height = 1080;
    want->grab_toggle = VF_GRAB_TOGGLE_SCROLLLOCK;
    /* setup made the shared memory the desktop user's: nothing to say about it */
    vf_test_host_write(&fx->th, "etc/tmpfiles.d/virtflow-looking-glass.conf",
                       "f /dev/shm/looking-glass 0660 alice kvm -\n");
    g_free(snap);
    snap = vf_fx_snapshot(fx);
    plan = vf_flow_plan_activate_profile(fx->th.host, fx->conn, VF_VM, NULL, want, &error);
    g_assert_no_error(error);
    g_assert_nonnull(plan);
    if (plan == NULL)
        return;
    g_assert_nonnull(plan->profile);
    g_assert_cmpuint(plan->profile->lg_width, ==, 1920);
    notes = vf_flow_notes(plan);
    vf_assert_contains(notes, "1920x1080, 32 MiB");
    vf_assert_not_contains(notes, "not set up");
    vf_assert_contains(notes, "Press Scroll Lock to switch the keyboard and mouse between host "
                              "and VM.");
    vf_assert_xpath(plan->domain_xml, "/domain/devices/shmem/size[.='32']", 1);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* A running VM whose agent does not answer (the test driver has none), with --force: the
 * plan says the agent decides VirtIO input; the flow says it could not ask. */
static void
test_profile_running_forced(void)
{
    g_autoptr(VfFx) fx = vf_fx_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) plan = NULL, flow = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_MONITOR, TRUE, FALSE);
    g_autofree char *plan_notes = NULL, *notes = NULL;
    VfFlowOptions o = vf_options(NULL, TRUE);

    vf_fx_start_vm(fx, VF_VM);
    plan = vf_flow_plan_activate_profile(fx->th.host, fx->conn, VF_VM, NULL, want, &error);
    g_assert_no_error(error);
    plan_notes = vf_flow_notes(plan);
    vf_assert_contains(plan_notes, "VirtIO keyboard and mouse are added if the guest agent "
                                   "reports VirtIO input drivers");
    o.profile = want;
    g_assert_true(vf_flow_activate(fx->th.host, fx->conn, VF_VM, NULL, &o, &flow, &error));
    g_assert_no_error(error);
    notes = vf_flow_notes(flow);
    vf_assert_contains(notes, "The guest did not answer the check: whether it has VirtIO input "
                              "drivers could not be checked, so it keeps its PS/2 keyboard and "
                              "mouse.");
    g_assert_false(flow->profile && flow->profile->virtio_input);
}

/* The GPU's set and the demo's USB controller (0000:0b:00.0, its own IOMMU group) */
static const char *const vf_gpu_usb_set[] = {VF_GPU, VF_AUDIO, VF_USB_CTRL, NULL};

#define VF_USB_HOST_DRIVERS VF_HOST_DRIVERS " " VF_USB_CTRL "=xhci_hcd"
#define VF_USB_VFIO_DRIVERS VF_VFIO_DRIVERS " " VF_USB_CTRL "=vfio-pci"

/* A demo host whose USB controller has nothing of the user's behind it any more */
static VfFx *
vf_fx_new_usb(void)
{
    VfFx *fx = vf_fx_new();
    g_autofree char *drivers = NULL;

    for (guint event = 4; event <= 6; event++)
        g_assert_true(vf_kmodel_unplug_input(fx->th.root, event));
    drivers = vf_test_drivers(&fx->th, vf_gpu_usb_set);
    g_assert_cmpstr(drivers, ==, VF_USB_HOST_DRIVERS);
    return fx;
}

/* --input usb-controller:BDF: Activate binds the GPU's set and then the controller's, the
 * domain passes the controller through in its own guest slot, Stop and Start move both,
 * and Deactivate gives the original domain and host back. */
static void
test_profile_usb_controller(void)
{
    g_autoptr(VfFx) fx = vf_fx_new_usb();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL, deact = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_MONITOR, FALSE, FALSE);
    g_autoptr(VfProfile) recorded = NULL;
    g_autofree char *before = NULL, *snap = NULL, *xml = NULL, *drivers = NULL;
    g_autofree char *after = NULL, *snap_after = NULL, *stopped = NULL, *started = NULL;
    g_autofree char *notes = NULL;
    g_autofree char *record = vf_host_dup_state_path(fx->th.host, "devices/" VF_USB_CTRL ".conf");

    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);
    want->usb_controller = g_strdup("0b:00.0");
    g_assert_true(vf_activate_profile(fx, want, &flow, &error));
    g_assert_no_error(error);
    drivers = vf_test_drivers(&fx->th, vf_gpu_usb_set);
    g_assert_cmpstr(drivers, ==, VF_USB_VFIO_DRIVERS);
    /* recorded as VirtFlow's move, with the driver it goes back to */
    g_assert_true(g_file_test(record, G_FILE_TEST_EXISTS));
    vf_assert_contains(VF_STEP_DETAIL(flow, "rewrite-vm"), "3 hostdevs in");
    notes = vf_flow_notes(flow);
    vf_assert_contains(notes, "USB controller " VF_USB_CTRL " is the VM's while it runs");
    g_assert_null(strstr(notes, "No keyboard or mouse"));
    g_assert_cmpuint(flow->devices->len, ==, 3);

    xml = vf_fx_xml(fx, VF_VM, TRUE);
    vf_assert_xpath(xml, "/domain/devices/hostdev[@managed='no']", 3);
    vf_assert_xpath(xml, "/domain/devices/graphics", 0);
    vf_assert_xpath(xml,
                    "/domain/devices/hostdev[@type='pci']/source/address[@bus='0x0b' and "
                    "@slot='0x00' and @function='0x0']",
                    1);
    vf_assert_xpath(xml, "/domain/devices/hostdev[@type='pci']", 3);
    vf_assert_xpath(xml, "/domain/metadata/vf:passthrough/vf:device[@address='" VF_USB_CTRL "']",
                    1);
    vf_assert_valid_domain(fx->dir, xml);
    g_assert_true(vf_domain_xml_get_profile(xml, &recorded, &error));
    g_assert_no_error(error);
    if (recorded)
        g_assert_cmpstr(recorded->usb_controller, ==, VF_USB_CTRL);

    /* stop gives both back; start takes both again */
    vf_fx_flow_stop(fx, VF_VM);
    stopped = vf_test_drivers(&fx->th, vf_gpu_usb_set);
    g_assert_cmpstr(stopped, ==, VF_USB_HOST_DRIVERS);
    g_assert_false(g_file_test(record, G_FILE_TEST_EXISTS));
    vf_fx_flow_start(fx, VF_VM);
    started = vf_test_drivers(&fx->th, vf_gpu_usb_set);
    g_assert_cmpstr(started, ==, VF_USB_VFIO_DRIVERS);

    g_assert_true(vf_flow_deactivate(fx->th.host, fx->conn, VF_VM, NULL, &deact, &error));
    g_assert_no_error(error);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* Activated again without the controller: it goes back to the host, the GPU stays. */
static void
test_profile_usb_controller_dropped(void)
{
    g_autoptr(VfFx) fx = vf_fx_new_usb();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL, again = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_MONITOR, FALSE, FALSE);
    g_autoptr(VfProfile) plain = vf_test_profile(VF_VIEW_MONITOR, FALSE, FALSE);
    g_autofree char *drivers = NULL, *xml = NULL;

    want->usb_controller = g_strdup(VF_USB_CTRL);
    g_assert_true(vf_activate_profile(fx, want, &flow, &error));
    g_assert_no_error(error);
    g_assert_true(vf_activate_profile(fx, plain, &again, &error));
    g_assert_no_error(error);
    drivers = vf_test_drivers(&fx->th, vf_gpu_usb_set);
    g_assert_cmpstr(drivers, ==, VF_VFIO_DRIVERS " " VF_USB_CTRL "=xhci_hcd");
    xml = vf_fx_xml(fx, VF_VM, TRUE);
    vf_assert_xpath(xml, "/domain/devices/hostdev", 2);
}

/* A failure after the controller moved (the definition) undoes both binds. */
static void
test_profile_usb_controller_undo(void)
{
    g_autoptr(VfFx) fx = vf_fx_new_usb();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_MONITOR, FALSE, FALSE);
    g_autofree char *before = NULL, *snap = NULL, *after = NULL, *snap_after = NULL;
    g_autofree char *warnings = NULL;

    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);
    want->usb_controller = g_strdup(VF_USB_CTRL);
    vf_flow_inject_failure("define-vm");
    g_assert_false(vf_activate_profile(fx, want, &flow, &error));
    vf_flow_inject_failure(NULL);
    g_assert_nonnull(error);
    vf_assert_failed_at(flow, "define-vm", error);
    warnings = vf_flow_warnings(flow);
    vf_assert_contains(warnings, "the GPU and the USB controller are back on its host drivers");
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* The controller's bind fails in the kernel: the GPU the same Activate moved goes back. */
static void
test_profile_usb_controller_bind_fails(void)
{
    g_autoptr(VfFx) fx = vf_fx_new_usb();
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autoptr(VfProfile) want = vf_test_profile(VF_VIEW_MONITOR, FALSE, FALSE);
    g_autofree char *before = NULL, *snap = NULL, *after = NULL, *snap_after = NULL;

    before = vf_fx_xml(fx, VF_VM, TRUE);
    snap = vf_fx_snapshot(fx);
    want->usb_controller = g_strdup(VF_USB_CTRL);
    vf_kmodel_inject(vf_kmodel_get(fx->th.host), VF_KMODEL_OP_PROBE, VF_USB_CTRL, EIO, 1);
    g_assert_false(vf_activate_profile(fx, want, &flow, &error));
    g_assert_nonnull(error);
    vf_assert_contains(VF_MSG(error), "USB controller " VF_USB_CTRL);
    vf_assert_failed_at(flow, "bind-gpu", error);
    after = vf_fx_xml(fx, VF_VM, TRUE);
    g_assert_cmpstr(after, ==, before);
    snap_after = vf_fx_snapshot(fx);
    vf_assert_snapshot_equal(snap, snap_after);
}

/* What the guest agent's guest-get-devices says about Windows's VirtIO input driver */
static void
test_profile_guest_virtio_input(void)
{
    g_assert_true(vf_guest_devices_have_virtio_input(
        "{\"return\": [{\"driver-name\": \"VirtIO Input Driver\", \"driver-version\": "
        "\"100.94.104.24000\", \"id\": {\"type\": \"pci\", \"vendor-id\": 6900, \"device-id\": "
        "4178}}]}"));
    g_assert_true(vf_guest_devices_have_virtio_input("{\"return\": [{\"driver-name\": "
                                                     "\"vioinput\"}]}"));
    g_assert_false(vf_guest_devices_have_virtio_input(
        "{\"return\": [{\"driver-name\": \"Red Hat VirtIO SCSI controller\"}, {\"driver-name\": "
        "\"Red Hat VirtIO Ethernet Adapter\"}]}"));
    g_assert_false(vf_guest_devices_have_virtio_input(NULL));
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    g_assert_true(vf_virt_init(&error));
    g_assert_no_error(error);
    vf_win11_xml = vf_read_demo_xml();

    g_test_add_func("/flows/activate/off", test_activate_off);
    g_test_add_func("/flows/start/tuned-no-hook", test_start_tuned_no_hook);
    g_test_add_func("/flows/start/tuned-no-hook-too-few", test_start_tuned_no_hook_too_few);
    g_test_add_func("/flows/start/tuned-no-hook-not-root", test_start_tuned_no_hook_not_root);
    g_test_add_func("/flows/activate/running", test_activate_running);
    g_test_add_func("/flows/activate/running-unchecked", test_activate_running_unchecked);
    g_test_add_func("/flows/activate/running-demo-agent", test_activate_running_demo_agent);
    g_test_add_func("/flows/demo-agent", test_demo_agent_model);
    g_test_add_func("/flows/demo/old-machine-moved-aside", test_demo_old_machine_moved_aside);
    g_test_add_func("/flows/error-fix", test_error_fix);
    g_test_add_func("/flows/activate/no-iommu", test_activate_no_iommu);
    g_test_add_data_func("/flows/activate/twice", NULL, test_activate_twice);
    g_test_add_data_func("/flows/activate/twice-same-gpu", VF_GPU, test_activate_twice);
    g_test_add_data_func("/flows/deactivate/round-trip/off", GINT_TO_POINTER(FALSE),
                         test_deactivate_round_trip);
    g_test_add_data_func("/flows/deactivate/round-trip/running", GINT_TO_POINTER(TRUE),
                         test_deactivate_round_trip);
    g_test_add_func("/flows/deactivate/not-active", test_deactivate_not_active);
    g_test_add_func("/flows/deactivate/left-warned", test_deactivate_left_warned);
    g_test_add_func("/flows/start-stop/activated", test_start_stop);
    g_test_add_func("/flows/start-stop/plain", test_start_stop_plain);
    g_test_add_func("/flows/start/running", test_start_running);

    vf_add_fault_tests("activate", vf_activate_ids, G_N_ELEMENTS(vf_activate_ids),
                       test_activate_fault, "vm-on", "vm-off", keep);
    vf_add_fault_tests("deactivate", vf_deactivate_ids, G_N_ELEMENTS(vf_deactivate_ids),
                       test_deactivate_fault, "vm-on", "vm-off", keep);
    vf_add_fault_tests("start", vf_start_ids, G_N_ELEMENTS(vf_start_ids), test_start_fault,
                       "gpu-on-vfio", "gpu-on-host", keep);
    for (guint i = 0; i < G_N_ELEMENTS(vf_stop_ids); i++) {
        VfFault *f = g_new0(VfFault, 1);
        g_autofree char *name = g_strdup_printf("/flows/stop/fault/%s", vf_stop_ids[i]);

        f->step = vf_stop_ids[i];
        f->running = TRUE;
        g_test_add_data_func(name, f, test_stop_fault);
        g_ptr_array_add(keep, f);
    }
    g_test_add_data_func("/flows/activate/sysfs-fault/vm-on", GINT_TO_POINTER(TRUE),
                         test_activate_sysfs_fault);
    g_test_add_data_func("/flows/activate/sysfs-fault/vm-off", GINT_TO_POINTER(FALSE),
                         test_activate_sysfs_fault);
    g_test_add_func("/flows/deactivate/sysfs-fault", test_deactivate_sysfs_fault);

    g_test_add_func("/flows/plan/activate", test_plan_activate);
    g_test_add_func("/flows/plan/activate-is-what-runs", test_plan_activate_is_what_runs);
    g_test_add_func("/flows/plan/deactivate", test_plan_deactivate);

    g_test_add_func("/flows/input/unknown-vm", test_unknown_vm);
    g_test_add_func("/flows/input/vm-by-uuid", test_vm_by_uuid);
    g_test_add_func("/flows/input/odd-name", test_odd_name);
    for (guint k = 0; k < G_N_ELEMENTS(vf_bad_gpus); k++) {
        g_autofree char *name = g_strdup_printf("/flows/input/gpu/%s", vf_bad_gpus[k].gpu);

        g_test_add_data_func(name, GUINT_TO_POINTER(k), test_bad_gpu);
    }
    g_test_add_data_func("/flows/shared-gpu/stop-other", "stop", test_shared_gpu);
    g_test_add_data_func("/flows/shared-gpu/deactivate-other", "deactivate", test_shared_gpu);
    g_test_add_data_func("/flows/shared-gpu/start-other", "start", test_shared_gpu);
    g_test_add_func("/flows/busy", test_busy);
    g_test_add_func("/flows/events/lifecycle", test_watch_lifecycle);
    g_test_add_func("/flows/list/sizes", test_list_sizes);
    g_test_add_func("/flows/doctor/vm", test_doctor_vm);
    g_test_add_func("/flows/doctor/vm-edited", test_doctor_vm_edited);
    g_test_add_func("/flows/doctor/vm-hook-log", test_doctor_vm_hook_log);
    g_test_add_func("/flows/doctor/unknown-vm", test_doctor_unknown_vm);

    g_test_add_func("/flows/profile/monitor", test_profile_monitor);
    g_test_add_func("/flows/profile/doctor", test_doctor_vm_profile);
    g_test_add_func("/flows/profile/looking-glass-round-trip",
                    test_profile_looking_glass_round_trip);
    g_test_add_func("/flows/profile/again", test_profile_again);
    g_test_add_func("/flows/profile/start-unplugged", test_profile_start_unplugged);
    g_test_add_func("/flows/profile/plan", test_profile_plan);
    g_test_add_func("/flows/profile/running-forced", test_profile_running_forced);
    g_test_add_func("/flows/profile/usb-controller", test_profile_usb_controller);
    g_test_add_func("/flows/profile/usb-controller/undo", test_profile_usb_controller_undo);
    g_test_add_func("/flows/profile/usb-controller/dropped", test_profile_usb_controller_dropped);
    g_test_add_func("/flows/profile/usb-controller/bind-fails",
                    test_profile_usb_controller_bind_fails);
    g_test_add_func("/flows/profile/guest-virtio-input", test_profile_guest_virtio_input);
    for (guint k = 0; k < G_N_ELEMENTS(vf_bad_profiles); k++) {
        g_autofree char *name = g_strdup_printf("/flows/profile/bad/%s", vf_bad_profiles[k].name);

        g_test_add_data_func(name, GUINT_TO_POINTER(k), test_profile_bad);
    }

    rc = g_test_run();
    g_free(vf_win11_xml);
    return rc;
}
