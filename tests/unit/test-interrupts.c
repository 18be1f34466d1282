/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-interrupts: vfio's interrupts in /proc/interrupts and doctor's MSI check (issue 14)
 *
 * The /proc/interrupts texts are shaped like a real 4-CPU host's while a VM runs with its
 * GPU (0000:01:00.0) and HDMI audio (0000:01:00.1) passed through: a Windows guest before
 * MSI is enabled (INTx for both), after (MSI for the GPU, MSI-X for audio), and a guest
 * still booting (no vfio line).
 */
#include "vf-test-util.h"

#include "doctor/vf-doctor.h"
#include "host/vf-interrupts.h"

#define VF_HEAD                                                                                    \
    "            CPU0       CPU1       CPU2       CPU3       \n"                                   \
    "   0:         44          0          0          0   IO-APIC   2-edge      timer\n"            \
    "   8:          0          0          0          1   IO-APIC   8-edge      rtc0\n"             \
    " 120:          0          0          0          0   DMAR-MSI   0-edge      dmar0\n"           \
    " 130:       4411          0      20399          0  PCI-MSIX-0000:02:00.0 0-edge      "        \
    "nvme0q0\n"
#define VF_TAIL                                                                                    \
    " NMI:          4          3          3          3   Non-maskable interrupts\n"                \
    " LOC:    1203344    1101230    1198213     999120   Local timer interrupts\n"                 \
    " ERR:          0\n"

/* a Windows guest as installed: both functions on their legacy line (shared with ahci) */
static const char vf_intx[] =
    VF_HEAD "  16:      93012          0        112          0   IO-APIC  16-fasteoi   "
            "vfio-intx(0000:01:00.0), ahci[0000:00:17.0]\n"
            "  17:        310          0          0          0   IO-APIC  17-fasteoi   "
            "vfio-intx(0000:01:00.1)\n" VF_TAIL;

/* MSISupported=1: the GPU on MSI, its audio on MSI-X (two vectors) */
static const char vf_msi[] =
    VF_HEAD " 140:          0     120399          0          0  PCI-MSI 1048576-edge      "
            "vfio-msi[0](0000:01:00.0)\n"
            " 141:         11          0          0          0  PCI-MSIX-0000:01:00.1 0-edge      "
            "vfio-msix[0](0000:01:00.1)\n"
            " 142:          0          5          0          0  PCI-MSIX-0000:01:00.1 1-edge      "
            "vfio-msix[1](0000:01:00.1)\n" VF_TAIL;

static const char vf_booting[] = VF_HEAD VF_TAIL;

static const char *const vf_devices[] = {"0000:01:00.0", "0000:01:00.1", NULL};

static void
test_parse(void)
{
    g_autoptr(GArray) intx = vf_interrupts_parse_vfio(vf_intx);
    g_autoptr(GArray) msi = vf_interrupts_parse_vfio(vf_msi);
    g_autoptr(GArray) none = vf_interrupts_parse_vfio(vf_booting);
    g_autoptr(GArray) bad = vf_interrupts_parse_vfio(
        " 1: 5 IO-APIC vfio-intx(01:00.0\n 2: x vfio-msi[0](0000:01:00.0)\n"
        " 3: 1 PCI-MSI vfio-msi[](0000:01:00.0)\n 4: 1 PCI-MSI vfio-msi[1](0000:01:20.0)\n"
        " 5: 1 PCI-MSI vfio-msix[2](0000:01:00.0)x\nvfio-msi[0](0000:01:00.0)\n");
    const VfVfioIrq *v;

    g_assert_cmpuint(intx->len, ==, 2);
    v = &g_array_index(intx, VfVfioIrq, 0);
    g_assert_cmpint(v->kind, ==, VF_IRQ_INTX);
    g_assert_cmpstr(v->address, ==, "0000:01:00.0");
    g_assert_cmpuint(v->count, ==, 93124);
    g_assert_cmpuint(msi->len, ==, 3);
    v = &g_array_index(msi, VfVfioIrq, 0);
    g_assert_cmpint(v->kind, ==, VF_IRQ_MSI);
    g_assert_cmpuint(v->count, ==, 120399);
    v = &g_array_index(msi, VfVfioIrq, 2);
    g_assert_cmpint(v->kind, ==, VF_IRQ_MSIX);
    g_assert_cmpuint(v->vector, ==, 1);
    g_assert_cmpstr(v->address, ==, "0000:01:00.1");
    g_assert_cmpuint(none->len, ==, 0);
    /* a malformed name, count, address or a line without "IRQ:" is not a vfio line */
    g_assert_cmpuint(bad->len, ==, 0);
}

static const VfKmodelDevice vf_small_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {NULL},
};
static const VfKmodelHost vf_small_host = {.devices = vf_small_devices};

static VfDoctor *
vf_doctor_on(const char *interrupts)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_small_host, FALSE);
    VfDoctor *doctor = vf_doctor_new();

    if (interrupts)
        vf_test_host_write(th, "proc/interrupts", interrupts);
    vf_doctor_check_vm_interrupts(doctor, th->host, "win11", vf_devices);
    return doctor;
}

static void
test_doctor_intx(void)
{
    g_autoptr(VfDoctor) doctor = vf_doctor_on(vf_intx);
    const VfCheck *c = vf_doctor_get_check(doctor, "vm-msi");

    g_assert_nonnull(c);
    g_assert_cmpint(c ? (int)c->status : -1, ==, VF_CHECK_WARN);
    vf_assert_contains(c ? c->detail : NULL,
                       "0000:01:00.0: legacy INTx (vfio-intx): the guest did not enable MSI "
                       "(93124 interrupts so far)");
    vf_assert_contains(c ? c->fix : NULL, "Enable MSI in the guest for 0000:01:00.0, 0000:01:00.1");
    vf_assert_contains(c ? c->fix : NULL, "Interrupt Management");
    vf_assert_contains(c ? c->fix : NULL, "MessageSignaledInterruptProperties");
    vf_assert_contains(c ? c->fix : NULL, "MSISupported = 1");
    vf_assert_contains(c ? c->fix : NULL, "MSI utility");
}

static void
test_doctor_msi(void)
{
    g_autoptr(VfDoctor) doctor = vf_doctor_on(vf_msi);
    const VfCheck *c = vf_doctor_get_check(doctor, "vm-msi");

    g_assert_nonnull(c);
    g_assert_cmpint(c ? (int)c->status : -1, ==, VF_CHECK_PASS);
    vf_assert_contains(c ? c->detail : NULL, "0000:01:00.0: MSI, 1 vector (120399 interrupts");
    vf_assert_contains(c ? c->detail : NULL, "0000:01:00.1: MSI-X, 2 vectors (16 interrupts");
    g_assert_null(c ? c->fix : "x");
}

static void
test_doctor_booting(void)
{
    g_autoptr(VfDoctor) doctor = vf_doctor_on(vf_booting);
    g_autoptr(VfDoctor) unreadable = vf_doctor_on(NULL);
    const VfCheck *c = vf_doctor_get_check(doctor, "vm-msi");
    const VfCheck *u = vf_doctor_get_check(unreadable, "vm-msi");

    g_assert_cmpint(c ? (int)c->status : -1, ==, VF_CHECK_SKIP);
    vf_assert_contains(c ? c->detail : NULL, "No vfio interrupt in /proc/interrupts for win11");
    g_assert_cmpint(u ? (int)u->status : -1, ==, VF_CHECK_SKIP);
    vf_assert_contains(u ? u->detail : NULL, "/proc/interrupts");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    g_test_add_func("/interrupts/parse", test_parse);
    g_test_add_func("/interrupts/doctor/intx-warns", test_doctor_intx);
    g_test_add_func("/interrupts/doctor/msi-passes", test_doctor_msi);
    g_test_add_func("/interrupts/doctor/booting", test_doctor_booting);
    return g_test_run();
}
