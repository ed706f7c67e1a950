"""``mip6lab live SCENARIO --link LINK``: the scenario paced to the wall clock, the kernel on LINK.

It prints the namespace, the kernel's addresses, the mobile node's home address and a ping line to
paste into another terminal, then reads commands (``move LINK``, ``home``, ``status``, ``quit``) until
``quit``, end of input or Ctrl-C. Whatever happens, the namespace and its TAP are removed on the way out.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

HELP = "commands: move LINK | home | status | quit"


def mobile_node(lab: Any) -> str | None:
    for name, spec in lab.topology.nodes.items():
        if spec.role == "mobile-node":
            return str(name)
    return None


def home_link(lab: Any, mn: str) -> str:
    return str(lab.topology.interfaces_of(mn)[0].link)


def status(lab: Any, lv: Any, mn: str | None) -> str:
    lines = [
        f"t={lab.now:.1f}s  kernel on {lv.link} in netns {lv.ns.name}: frames in {lv.frames_in}, out {lv.frames_out}"
    ]
    addrs = ", ".join(f"{a}{' (' + f + ')' if f else ''}" for a, f in lv.addresses()) or "none yet"
    lines.append(f"kernel addresses: {addrs}")
    if mn is not None:
        st = lv.call(lambda: lab.state(mn))
        mob = st.get("mobility", {})
        where = st["links"].get("eth0")
        text = f"{mn} on {where}"
        if mob:
            text += f" ({mob.get('location')}), home address {mob.get('home_address')}"
            if mob.get("care_of_address"):
                text += f", care-of address {mob['care_of_address']}"
            text += ", registered" if mob.get("registered") else ", not registered"
        lines.append(text)
    if lv.errors:
        lines.append(f"errors: {lv.errors[-1]} ({len(lv.errors)} in all)")
    return "\n".join(lines)


def command(line: str, lab: Any, lv: Any, mn: str | None, out: TextIO) -> bool:
    """Carry out one prompt line; False when it is time to quit."""
    from mip6lab.lab import LabError

    words = line.split()
    if not words:
        return True
    verb, args = words[0].lower(), words[1:]
    try:
        if verb in ("quit", "exit", "q"):
            return False
        if verb == "status":
            print(status(lab, lv, mn), file=out)
        elif verb == "move" and len(args) == 1 and mn is not None:
            lab.move(mn, args[0])
            print(f"{mn} moved to {args[0]} at t={lab.now:.1f}s", file=out)
        elif verb == "home" and not args and mn is not None:
            link = home_link(lab, mn)
            lab.move(mn, link)
            print(f"{mn} back on {link} at t={lab.now:.1f}s", file=out)
        else:
            print(HELP, file=out)
    except LabError as e:
        print(f"error: {e}", file=out)
    return True


def run(args: Any, out: TextIO = sys.stdout, inp: TextIO = sys.stdin) -> int:
    from mip6lab.lab import Lab, LabError
    from mip6lab.live.driver import LiveLink
    from mip6lab.live.netns import LiveError, missing_privileges

    why = missing_privileges()
    if why is not None:
        raise LiveError(why)
    try:
        lab = Lab(args.name, seed=args.seed)
        lv = LiveLink(lab, args.link, netns=args.netns)
    except LabError as e:
        raise LiveError(str(e)) from None
    try:
        lv.start()
    except (LiveError, OSError) as e:
        raise LiveError(str(e)) from None
    mn = mobile_node(lab)
    try:
        lv.wait_for(lambda: lv.global_address() is not None, 8.0)
        print(f"namespace {lv.ns.name}: the kernel is on {args.link} as {lv.ns.ifname} ({lv.ns.mac})", file=out)
        for a, flags in lv.addresses():
            print(f"  {a}{'  ' + flags if flags else ''}", file=out)
        if mn is not None:
            hoa = lv.call(lambda: lab.address_of(mn))
            print(f"{mn}'s home address: {hoa}", file=out)
            print(f"try:  ip netns exec {lv.ns.name} ping -6 {hoa}", file=out)
        print(f"watch: ip netns exec {lv.ns.name} tshark -i {lv.ns.ifname}   ({HELP})", file=out)
        while lv.running:
            print("mip6lab> ", end="", file=out, flush=True)
            line = inp.readline()
            if not line:  # end of input
                break
            if not command(line, lab, lv, mn, out):
                break
    except KeyboardInterrupt:
        print("", file=out)
    finally:
        lv.stop()
    print(f"namespace {lv.ns.name} removed", file=out)
    if args.pcap:
        try:
            lab.save_pcap(args.pcap)
        except OSError as e:
            raise LiveError(f"cannot write {args.pcap}: {e.strerror or e}") from None
        print(f"wrote {len(lab.capture)} frames to {args.pcap}", file=out)
    return 0
