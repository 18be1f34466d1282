#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A pseudo-translation of a POT file: every msgstr is "⟦" + msgid + "⟧" (plurals too), so
that a UI run under it shows at a glance, and to a test, every string that escaped gettext.

    pseudo-po.py IN.pot > OUT.po      (then msgfmt OUT.po -o LOCALE/xx/LC_MESSAGES/virtflow.mo)
"""
import re
import sys


def entries(lines):
    """(msgctxt, msgid, msgid_plural) of each entry, strings as escaped in the file."""
    cur, key = {}, None
    for line in lines + [""]:
        line = line.rstrip("\n")
        m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if m:
            key = m.group(1)
            if key == "msgctxt" and "msgid" in cur:
                yield cur
                cur = {}
            cur[key] = m.group(2)
        elif line.startswith('"') and key:
            cur[key] += line[1:-1]
        elif not line.strip() and "msgid" in cur:
            yield cur
            cur, key = {}, None


def bracket(msgid):
    """⟦msgid⟧, with a leading or trailing newline kept outside (msgfmt insists)."""
    head = "\\n" if msgid.startswith("\\n") else ""
    tail = "\\n" if msgid.endswith("\\n") and len(msgid) > len(head) else ""
    body = msgid[len(head):len(msgid) - len(tail)]
    return f"{head}⟦{body}⟧{tail}"


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.readlines()
    out = ['msgid ""', 'msgstr ""',
           '"Content-Type: text/plain; charset=UTF-8\\n"',
           '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"', ""]
    for e in entries(lines):
        if e["msgid"] == "":
            continue
        if "msgctxt" in e:
            out.append(f'msgctxt "{e["msgctxt"]}"')
        out.append(f'msgid "{e["msgid"]}"')
        if "msgid_plural" in e:
            out.append(f'msgid_plural "{e["msgid_plural"]}"')
            out.append(f'msgstr[0] "{bracket(e["msgid"])}"')
            out.append(f'msgstr[1] "{bracket(e["msgid_plural"])}"')
        else:
            out.append(f'msgstr "{bracket(e["msgid"])}"')
        out.append("")
    sys.stdout.write("\n".join(out) + "\n")


main()
