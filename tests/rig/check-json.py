#!/usr/bin/env python3
"""Host-side checks of the JSON that `virtflow gpu list --json` printed in the guest.

Usage: check-json.py SCENARIO DIR

DIR holds the files the guest handed over (gpu-list.json, facts, ...). Prints one
`ok - ...` / `not ok - ...` line per check, like the guest does; run.sh counts them.
JSON is checked here rather than in the guest because busybox has no JSON parser and a
grep over JSON passes or fails on formatting instead of content.
"""

import json
import os
import sys

IGPU = "0000:00:02.0"
GPU = "0000:01:00.0"
AUD = "0000:01:00.1"


class Checker:
    def __init__(self, scenario, folder):
        self.scenario = scenario
        self.folder = folder

    def report(self, good, desc, detail=None):
        print(f"{'ok' if good else 'not ok'} - {self.scenario}: {desc}")
        if not good and detail is not None:
            for line in str(detail).splitlines():
                print(f"#   {line}")
        return good

    def facts(self):
        facts = {}
        try:
            with open(os.path.join(self.folder, "facts"), encoding="utf-8") as f:
                for line in f:
                    key, sep, value = line.strip().partition("=")
                    if sep:
                        facts[key] = value
        except OSError:
            pass
        return facts

    def load(self, name):
        """The parsed document, or None after reporting why it is unusable."""
        path = os.path.join(self.folder, name)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            self.report(False, f"{name}: handed over by the guest", e)
            return None
        if not text.strip():
            self.report(False, f"{name}: virtflow printed JSON", "it printed nothing")
            return None
        try:
            doc = json.loads(text)
        except ValueError as e:
            self.report(False, f"{name}: valid JSON", f"{e}\n{text[:2000]}")
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("gpus"), list):
            self.report(False, f"{name}: has a 'gpus' list", text[:2000])
            return None
        self.report(True, f"{name}: valid JSON with a 'gpus' list")
        return doc

    def gpu(self, doc, name, address):
        for g in doc["gpus"]:
            if isinstance(g, dict) and g.get("address") == address:
                return g
        listed = [g.get("address") for g in doc["gpus"] if isinstance(g, dict)]
        self.report(False, f"{name}: lists {address}", f"listed: {listed}")
        return None

    def expect(self, desc, got, want, context=None):
        detail = f"got {json.dumps(got)}, expected {json.dumps(want)}"
        if context is not None:
            detail += f"\n{json.dumps(context, indent=1)[:2000]}"
        return self.report(got == want, desc, detail)

    def blocker_codes(self, gpu):
        return [b.get("code") for b in gpu.get("blockers") or [] if isinstance(b, dict)]

    def expect_blocker(self, desc, gpu, code):
        codes = self.blocker_codes(gpu)
        return self.report(code in codes, desc, f"blockers: {json.dumps(gpu.get('blockers'))}")

    def expect_eligible(self, desc, gpu):
        # When not eligible, the blockers are the useful part of the message.
        return self.report(
            gpu.get("eligible") is True, desc,
            f"eligible={json.dumps(gpu.get('eligible'))} "
            f"blockers: {json.dumps(gpu.get('blockers'), indent=1)}")


def check_a(c):
    facts = c.facts()
    doc = c.load("gpu-list.json")
    if doc is not None:
        c.expect("gpu-list: iommu.enabled is true",
                 (doc.get("iommu") or {}).get("enabled"), True, doc.get("iommu"))
        g = c.gpu(doc, "gpu-list", GPU)
        if g is not None:
            c.expect(f"gpu-list: {GPU} passthrough_devices is [{GPU}, {AUD}]",
                     g.get("passthrough_devices"), [GPU, AUD])
            c.expect_eligible(f"gpu-list: {GPU} eligible", g)
            c.expect(f"gpu-list: {GPU} driver is bochs-drm", g.get("driver"), "bochs-drm")
            c.expect(f"gpu-list: {GPU} vendor_id/class", [g.get("vendor_id"), g.get("class")],
                     ["1234", "030000"])
            c.expect(f"gpu-list: {GPU} boot_vga is false", g.get("boot_vga"), False)
            if "dgpu_group" in facts:
                c.expect(f"gpu-list: {GPU} iommu_group matches sysfs",
                         g.get("iommu_group"), int(facts["dgpu_group"]))
        i = c.gpu(doc, "gpu-list", IGPU)
        if i is not None:
            c.expect_blocker(f"gpu-list: {IGPU} has blocker boot-vga", i, "boot-vga")
            c.expect(f"gpu-list: {IGPU} eligible is false", i.get("eligible"), False)
            c.expect(f"gpu-list: {IGPU} boot_vga is true", i.get("boot_vga"), True)

    doc = c.load("gpu-list-bound.json")
    if doc is not None:
        g = c.gpu(doc, "gpu-list after bind", GPU)
        if g is not None:
            c.expect(f"gpu-list after bind: {GPU} driver is vfio-pci",
                     g.get("driver"), "vfio-pci")

    doc = c.load("gpu-list-held.json")
    if doc is not None:
        g = c.gpu(doc, "gpu-list while held", GPU)
        if g is not None:
            c.expect_blocker(f"gpu-list while held: {GPU} has blocker in-use", g, "in-use")
            c.expect(f"gpu-list while held: {GPU} eligible is false",
                     g.get("eligible"), False)
            holders = [h for h in g.get("holders") or [] if isinstance(h, dict)]
            pid = int(facts.get("holder_pid", "-1"))
            match = [h for h in holders if h.get("pid") == pid]
            c.report(bool(match), f"gpu-list while held: holders name pid {pid}",
                     f"holders: {json.dumps(holders)}")
            if match:
                # The contract does not say whether "node" is a path or a name.
                node = str(match[0].get("node"))
                want = facts.get("holder_node", "")
                c.report(node == want or node == os.path.basename(want),
                         f"gpu-list while held: holder's node is {want}",
                         f"holders: {json.dumps(holders)}")
                c.expect("gpu-list while held: holder's comm", match[0].get("comm"), "sleep")


def check_b(c):
    doc = c.load("gpu-list.json")
    if doc is None:
        return
    g = c.gpu(doc, "gpu-list", GPU)
    if g is None:
        return
    c.expect(f"gpu-list: {GPU} vendor_id is 1002", g.get("vendor_id"), "1002")
    c.expect(f"gpu-list: {GPU} device_id is 5159", g.get("device_id"), "5159")
    c.expect(f"gpu-list: {GPU} driver is radeon", g.get("driver"), "radeon")
    c.expect(f"gpu-list: {GPU} passthrough_devices is [{GPU}, {AUD}]",
             g.get("passthrough_devices"), [GPU, AUD])
    c.expect_eligible(f"gpu-list: {GPU} eligible", g)

    doc = c.load("gpu-list-bound.json")
    if doc is not None:
        g = c.gpu(doc, "gpu-list after bind", GPU)
        if g is not None:
            c.expect(f"gpu-list after bind: {GPU} driver is vfio-pci",
                     g.get("driver"), "vfio-pci")


def check_c(c):
    doc = c.load("gpu-list.json")
    if doc is None:
        return
    c.expect("gpu-list: iommu.enabled is false",
             (doc.get("iommu") or {}).get("enabled"), False, doc.get("iommu"))
    g = c.gpu(doc, "gpu-list", GPU)
    if g is None:
        return
    c.expect_blocker(f"gpu-list: {GPU} has blocker no-iommu", g, "no-iommu")
    c.expect(f"gpu-list: {GPU} eligible is false", g.get("eligible"), False)
    c.expect(f"gpu-list: {GPU} iommu_group is null", g.get("iommu_group"), None)


def check_e(c):
    doc = c.load("gpu-list.json")
    if doc is None:
        return
    g = c.gpu(doc, "gpu-list", GPU)
    if g is None:
        return
    c.expect_blocker(f"gpu-list: {GPU} has blocker display-active", g, "display-active")
    c.expect(f"gpu-list: {GPU} eligible is false", g.get("eligible"), False)


def main():
    if len(sys.argv) != 3:
        print("usage: check-json.py SCENARIO DIR", file=sys.stderr)
        return 2
    scenario, folder = sys.argv[1], sys.argv[2]
    checks = {"A": check_a, "B": check_b, "C": check_c, "E": check_e}
    if scenario not in checks:
        print(f"check-json.py: unknown scenario {scenario}", file=sys.stderr)
        return 2
    checks[scenario](Checker(scenario, folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
