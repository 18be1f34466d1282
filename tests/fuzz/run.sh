#!/usr/bin/env bash
# tests/fuzz/run.sh BUILDDIR [SECONDS]: each libFuzzer target of BUILDDIR (a build with
# -Dfuzz=enabled, see meson.build here) replays the inputs that once crashed it
# (regress/TARGET/), then fuzzes for SECONDS (default 12) from its seed corpus
# (corpus/TARGET/, copied to a temporary directory: the tree is never written).
#
# Output: `ok - ...` / `not ok - ...` per target and `fuzz: N passed, M failed`; a crash
# names the input libFuzzer saved (BUILDDIR/fuzz-artifacts/) and the first lines of the
# report. To keep such an input as a regression case: copy it to regress/TARGET/.
# Environment: VF_FUZZ_TARGETS (space-separated names, default all),
#              VF_FUZZ_ARTIFACTS (where crash inputs go; default BUILDDIR/fuzz-artifacts)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TARGETS=${VF_FUZZ_TARGETS:-"domain-xml domain-record hook pci-address setup-manifest transition json tune-record tune-runtime proc-interrupts"}
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); printf 'ok - %s\n' "$1"; }
not_ok() { FAILED=$((FAILED + 1)); printf 'not ok - %s\n' "$1"; }
finish() {
    echo "fuzz: $PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 && $PASSED -gt 0 ]]
    exit $?
}

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUILDDIR [SECONDS]" >&2
    exit 2
fi
BUILDDIR=$1
SECONDS_EACH=${2:-12}
if [[ ! -d $BUILDDIR ]]; then
    not_ok "prerequisite: '$BUILDDIR' is a build directory (CC=clang meson setup $BUILDDIR -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false)"
    finish
fi
BUILDDIR=$(cd "$BUILDDIR" && pwd)
ARTIFACTS=${VF_FUZZ_ARTIFACTS:-$BUILDDIR/fuzz-artifacts}
mkdir -p "$ARTIFACTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# A sanitizer report or an abort ends the input with a crash libFuzzer saves; leaks count.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export G_DEBUG=fatal-criticals

# report LOG: the first lines of a crash report, as comments
report() {
    # GLib's fatal messages read "(fuzz-x:123): virtflow-ERROR **: 12:00:00.000: ..."
    grep -E 'ERROR: |SUMMARY: |invariant broken|runtime error|#[0-9]+ 0x[0-9a-f]+ in |ERROR\*\*|ERROR \*\*|CRITICAL' "$1" |
        grep -vE ' in (__interceptor|__sanitizer|fuzzer::|__libc_start|_start|LLVMFuzzerTestOneInput\b.*fuzz-)' |
        sed -E 's/ \(BuildId: [0-9a-f]+\)//' | head -n 14 | sed 's/^/#   /'
}

for t in $TARGETS; do
    bin=$BUILDDIR/tests/fuzz/fuzz-$t
    if [[ ! -x $bin ]]; then
        not_ok "fuzz $t: $bin is missing (ninja -C $BUILDDIR fuzz)"
        continue
    fi
    dict=()
    case $t in domain-xml | domain-record | hook) dict=(-dict="$HERE/xml.dict") ;; esac

    # 1. the inputs that crashed it once: each must run clean now
    regress=()
    if [[ -d $HERE/regress/$t ]]; then
        mapfile -t regress < <(find "$HERE/regress/$t" -type f | sort)
    fi
    if [[ ${#regress[@]} -gt 0 ]]; then
        if "$bin" -rss_limit_mb=2048 -timeout=10 "${regress[@]}" > "$WORK/$t-regress.log" 2>&1; then
            ok "fuzz $t: ${#regress[@]} regression input(s) of regress/$t run clean"
        else
            failed_input=$(sed -n 's/^Running: //p' "$WORK/$t-regress.log" | tail -n 1)
            not_ok "fuzz $t: regression input ${failed_input:-?} still crashes"
            report "$WORK/$t-regress.log"
        fi
    fi

    # 2. fuzzing from the seed corpus, in a copy
    mkdir -p "$WORK/corpus-$t"
    cp -r "$HERE/corpus/$t/." "$WORK/corpus-$t/"
    rm -f "$ARTIFACTS/$t-"*
    start=$(date +%s)
    "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$ARTIFACTS/$t-" "${dict[@]}" "$WORK/corpus-$t" > "$WORK/$t.log" 2>&1
    rc=$?
    secs=$(($(date +%s) - start))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$t.log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$WORK/$t.log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+' "$WORK/$t.log" | tail -n 1)
    crash=$(find "$ARTIFACTS" -maxdepth 1 -name "$t-*" -type f | head -n 1)
    if [[ $rc -eq 0 && -z $crash ]]; then
        ok "fuzz $t: ${runs:-?} inputs in ${secs} s (${rate:-?}/s, ${cov:-cov: ?} edges), no crash"
    else
        not_ok "fuzz $t: crashed (exit $rc) after ${runs:-?} inputs; input saved as ${crash:-?}; add it to tests/fuzz/regress/$t/ with the fix"
        report "$WORK/$t.log"
    fi
done
finish
