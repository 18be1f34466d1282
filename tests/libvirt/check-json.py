#!/usr/bin/env python3
"""JSON and domain-XML checks of the libvirt test (tests/libvirt/run.sh).

Prints one TAP-like line per check ("ok - ..." / "not ok - ..."); run.sh counts them.
Always exits 0 unless called wrongly (exit 2).

  check-json.py list FILE LABEL [NAME STATE UUID]...
      FILE holds `virtflow list --json`: {"domains": [{"name", "uuid", "state",
      "passthrough", "gpu", ...}]}. Each NAME is listed once, with STATE and UUID,
      passthrough false and gpu null (the test's domains have no GPU).
  check-json.py plan FILE ORIG_XML LABEL VM GPU BDF...
      FILE holds `virtflow activate VM --dry-run --json`: {"vm", "gpu", "devices",
      "steps": [{"id", "title"}], "sysfs_writes": [{"path", "value"}], "domain_xml"}.
      ORIG_XML is `virsh dumpxml --inactive VM` before the call. The new domain XML must
      keep the domain (name, uuid, kernel, serial console, guest-agent channel, metadata),
      drop every <graphics>, and carry a PCI <hostdev> for each BDF.
  check-json.py plan-xml FILE NEWNAME
      Print the plan's domain_xml renamed to NEWNAME, without its <uuid>, so that the
      harness can ask libvirt whether it accepts the document (define + undefine).
"""

import json
import sys
import xml.etree.ElementTree as ET

TEST_NS = "https://virtflow.invalid/test"


def report(ok, msg):
    print(("ok - " if ok else "not ok - ") + msg)
    return ok


def load_json(path, label):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        report(False, f"{label}: output readable ({e})")
        return None
    try:
        data = json.loads(text)
    except ValueError as e:
        head = text.strip().splitlines()[:1]
        report(False, f"{label}: output is one JSON document ({e}; starts {head!r})")
        return None
    report(True, f"{label}: output is one JSON document")
    return data


def check_list(path, label, triples):
    data = load_json(path, label)
    if data is None:
        for name, _, _ in triples:
            report(False, f"{label}: '{name}' listed (no JSON)")
        return
    domains = data.get("domains") if isinstance(data, dict) else None
    if not report(isinstance(domains, list), f'{label}: top level is {{"domains": [...]}}'):
        domains = []
    bad_entries = []
    for d in domains:
        if not isinstance(d, dict):
            bad_entries.append(repr(d))
            continue
        problems = [k for k, t in (("name", str), ("uuid", str), ("state", str),
                                   ("passthrough", bool)) if not isinstance(d.get(k), t)]
        if "gpu" not in d or not (d["gpu"] is None or isinstance(d["gpu"], str)):
            problems.append("gpu")
        if problems:
            bad_entries.append(f"{d.get('name')!r}: bad {','.join(problems)}")
    report(not bad_entries, f"{label}: every entry has name, uuid, state (strings), passthrough "
           f"(bool), gpu (string or null)" + (f": {'; '.join(bad_entries)}" if bad_entries else ""))
    for name, state, uuid in triples:
        found = [d for d in domains if isinstance(d, dict) and d.get("name") == name]
        if len(found) != 1:
            report(False, f"{label}: '{name}' listed once (found {len(found)}; names: "
                   f"{[d.get('name') for d in domains if isinstance(d, dict)]})")
            continue
        d = found[0]
        problems = []
        if d.get("state") != state:
            problems.append(f"state {d.get('state')!r} != {state!r}")
        if str(d.get("uuid", "")).lower() != uuid.lower():
            problems.append(f"uuid {d.get('uuid')!r} != {uuid!r}")
        if d.get("passthrough") is not False:
            problems.append(f"passthrough {d.get('passthrough')!r} != false")
        if d.get("gpu") is not None:
            problems.append(f"gpu {d.get('gpu')!r} != null")
        report(not problems, f"{label}: '{name}' listed as {state!r}, uuid {uuid}, no passthrough"
               + (f": {'; '.join(problems)}" if problems else ""))


def bdf_address(bdf):
    """'0000:01:00.1' -> (0, 1, 0, 1)"""
    dom, bus, rest = bdf.split(":")
    slot, fn = rest.split(".")
    return int(dom, 16), int(bus, 16), int(slot, 16), int(fn, 16)


def xml_address(addr):
    try:
        return tuple(int(addr.get(k, "0"), 0) for k in ("domain", "bus", "slot", "function"))
    except ValueError:
        return None


def check_plan(path, orig_path, label, vm, gpu, bdfs):
    data = load_json(path, label)
    if data is None:
        return
    if not report(isinstance(data, dict), f"{label}: top level is an object"):
        return
    missing = [k for k in ("vm", "gpu", "devices", "steps", "sysfs_writes", "domain_xml")
               if k not in data]
    report(not missing, f"{label}: has vm, gpu, devices, steps, sysfs_writes, domain_xml"
           + (f": missing {missing}" if missing else ""))
    report(data.get("vm") == vm, f"{label}: vm is {vm!r} (got {data.get('vm')!r})")
    report(data.get("gpu") == gpu, f"{label}: gpu is {gpu} (got {data.get('gpu')!r})")

    devices = data.get("devices")
    dev_text = json.dumps(devices) if isinstance(devices, list) else ""
    lost = [b for b in bdfs if b not in dev_text]
    report(isinstance(devices, list) and not lost,
           f"{label}: devices list {', '.join(bdfs)}"
           + (f": missing {lost} in {dev_text[:200]}" if lost else ""))

    steps = data.get("steps")
    ok = (isinstance(steps, list) and steps and all(
        isinstance(s, dict) and isinstance(s.get("id"), str) and isinstance(s.get("title"), str)
        and s["id"] and s["title"] for s in steps))
    report(bool(ok), f"{label}: steps is a non-empty list of {{id, title}}"
           + ("" if ok else f" (got {json.dumps(steps)[:200]})"))

    writes = data.get("sysfs_writes")
    ok = (isinstance(writes, list) and writes and all(
        isinstance(w, dict) and isinstance(w.get("path"), str) and isinstance(w.get("value"), str)
        for w in writes))
    report(bool(ok), f"{label}: sysfs_writes is a non-empty list of {{path, value}}"
           + ("" if ok else f" (got {json.dumps(writes)[:200]})"))
    if ok:
        lost = [b for b in bdfs if not any(b in w["path"] for w in writes)]
        report(not lost, f"{label}: sysfs_writes touch {', '.join(bdfs)}"
               + (f": none for {lost}" if lost else ""))

    text = data.get("domain_xml")
    if not report(isinstance(text, str) and text.lstrip().startswith("<domain"),
                  f"{label}: domain_xml is a <domain> document"):
        return
    try:
        new = ET.fromstring(text)
    except ET.ParseError as e:
        report(False, f"{label}: domain_xml parses ({e})")
        return
    report(True, f"{label}: domain_xml parses")
    try:
        orig = ET.parse(orig_path).getroot()
    except (OSError, ET.ParseError) as e:
        report(False, f"{label}: original XML {orig_path} parses ({e})")
        return

    def keeps(what, xpath, attr=None):
        o, n = orig.find(xpath), new.find(xpath)
        if o is None:
            return report(False, f"{label}: original domain has {what} (harness)")
        ov = o.get(attr) if attr else (o.text or "").strip()
        nv = None if n is None else (n.get(attr) if attr else (n.text or "").strip())
        return report(ov == nv, f"{label}: domain_xml keeps {what} ({nv!r})")

    keeps("the name", "name")
    keeps("the uuid", "uuid")
    keeps("the kernel", "os/kernel")
    keeps("the kernel command line", "os/cmdline")
    keeps("the serial console file", "devices/serial/source", "path")
    agent = [c for c in new.findall("devices/channel")
             if (c.find("target") is not None
                 and c.find("target").get("name") == "org.qemu.guest_agent.0")]
    report(len(agent) == 1, f"{label}: domain_xml keeps the guest-agent channel "
           f"(found {len(agent)})")
    report(new.find(f"metadata/{{{TEST_NS}}}test") is not None,
           f"{label}: domain_xml keeps foreign <metadata> (the test's own element)")

    report(bool(orig.findall("devices/graphics")),
           f"{label}: original domain has <graphics> (harness)")
    graphics = new.findall("devices/graphics")
    report(not graphics, f"{label}: domain_xml has no <graphics> (found "
           f"{[g.get('type') for g in graphics]})")

    hostdevs = {}
    for h in new.findall("devices/hostdev"):
        if h.get("mode") == "subsystem" and h.get("type") == "pci":
            a = h.find("source/address")
            if a is not None:
                hostdevs[xml_address(a)] = h
    for b in bdfs:
        report(bdf_address(b) in hostdevs,
               f"{label}: domain_xml has <hostdev mode='subsystem' type='pci'> for {b}")
    extra = set(hostdevs) - {bdf_address(b) for b in bdfs}
    report(not extra, f"{label}: domain_xml has no other PCI <hostdev>"
           + (f" (extra {sorted(extra)})" if extra else ""))


def plan_xml(path, newname):
    try:
        with open(path, encoding="utf-8") as f:
            root = ET.fromstring(json.load(f)["domain_xml"])
    except (OSError, ValueError, KeyError, TypeError, ET.ParseError) as e:
        print(f"check-json: no domain_xml in {path}: {e}", file=sys.stderr)
        return 1
    name = root.find("name")
    if name is None:
        print("check-json: domain_xml has no <name>", file=sys.stderr)
        return 1
    name.text = newname
    uuid = root.find("uuid")
    if uuid is not None:
        root.remove(uuid)
    sys.stdout.write(ET.tostring(root, encoding="unicode") + "\n")
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "list" and (len(argv) - 4) % 3 == 0:
        rest = argv[4:]
        check_list(argv[2], argv[3], [tuple(rest[i:i + 3]) for i in range(0, len(rest), 3)])
        return 0
    if len(argv) >= 8 and argv[1] == "plan":
        check_plan(argv[2], argv[3], argv[4], argv[5], argv[6], argv[7:])
        return 0
    if len(argv) == 4 and argv[1] == "plan-xml":
        return plan_xml(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
