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

# rig_read_results DIR WHAT GUEST QEMU_RC TIMEOUT: after the guest's QEMU has ended, its
# report (DIR/results.log, the second serial port) goes through the caller's count_lines;
# "@@file NAME" ... "@@end" blocks become DIR/files/NAME; "@@done RC" is the guest script's
# exit status. Then one check that WHAT ran to its end (RC 0), with the console's tail
# when not: a panic or an init that died (no @@done), or a hang (QEMU killed by timeout,
# exit 124/137). Sets RIG_DONE_RC ("" when the guest never said).
rig_read_results() {
    local dir=$1 what=$2 guest=$3 rc=$4 timeout=$5
    local line out=''
    RIG_DONE_RC=''
    while IFS= read -r line; do
        line=${line%$'\r'}
        if [[ -n $out ]]; then
            if [[ $line == "@@end" ]]; then out=; else printf '%s\n' "$line" >> "$out"; fi
            continue
        fi
        case $line in
            "@@file "*)
                out=${line#@@file }
                out=$dir/files/${out##*/}
                : > "$out"
                ;;
            "@@done "*) RIG_DONE_RC=${line#@@done } ;;
            *) count_lines <<< "$line" ;;
        esac
    done < <(cat "$dir/results.log" 2> /dev/null)

    if [[ -z $RIG_DONE_RC ]]; then
        local why="$guest ended early (kernel panic, or its init died)"
        if [[ $rc -eq 124 || $rc -eq 137 ]]; then
            why="$guest hung: killed after $timeout s"
        fi
        not_ok "$what ran to its end ($why; QEMU exit $rc)"
        echo "# last $guest console lines ($dir/console.log):"
        tail -n 40 "$dir/console.log" 2> /dev/null | sed 's/^/#   /'
        sed 's/^/#   qemu: /' "$dir/qemu.log"
    elif [[ $RIG_DONE_RC -ne 0 ]]; then
        not_ok "$what: its script exited $RIG_DONE_RC"
        tail -n 20 "$dir/console.log" 2> /dev/null | sed 's/^/#   /'
    else
        ok "$what ran to its end"
    fi
}
