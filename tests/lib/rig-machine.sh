# shellcheck shell=bash
# The kernel rig's machine (see /work notes kernel-rig.md), shared by tests/rig and
# tests/e2e: q35 with VT-d, the iGPU as boot VGA at 00:02.0 and a PCIe root port (rp1)
# for the dGPU. x-speed=5: without a link speed the port never reports the link up
# after a bus reset and the reset fails.
#
#   RIG_QEMU_BASE    machine, VT-d, iGPU, root port (add -m, the dGPU, -kernel ...)
#   RIG_DGPU_AUDIO   the dGPU's HDMI-like audio: function 1 of the dGPU's slot, hence
#                    one IOMMU group with the video function
#   RIG_KERNEL_ARGS  loglevel=4 keeps the console quiet (it is slow under TCG); panic=-1
#                    with -no-reboot turns a guest panic into a QEMU exit
# shellcheck disable=SC2034,SC2054 # used by the sourcing script; commas are QEMU syntax
RIG_QEMU_BASE=(
    -machine q35,kernel-irqchip=split -accel tcg -cpu max -smp 2
    -nodefaults -no-user-config -display none -monitor none -no-reboot
    -device intel-iommu,intremap=on,caching-mode=on
    -audiodev none,id=snd0
    -device VGA,bus=pcie.0,addr=02.0
    -device pcie-root-port,id=rp1,bus=pcie.0,addr=01.0,chassis=1,slot=1,x-speed=5
)
# shellcheck disable=SC2034,SC2054
RIG_DGPU_AUDIO=(
    -device ich9-intel-hda,id=hda1,bus=rp1,addr=00.1
    -device hda-output,bus=hda1.0,audiodev=snd0
)
# shellcheck disable=SC2034
RIG_KERNEL_ARGS="console=ttyS0 panic=-1 loglevel=4"
