"""The ``mip6lab`` command: list scenarios and seams, run one headless or live, open the workbook,
benchmark, fuzz, grade.

Every user error ends in one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path


class UserError(Exception):
    """Bad input from the person at the keyboard: printed as one line."""


def _time(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a time in seconds: {text!r}") from None
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise argparse.ArgumentTypeError(f"time must be a finite number of seconds >= 0, not {text!r}")
    return value


def _number(text: str) -> float | str:
    """A number if it is one; else the text, so that the Lab refuses it with the message Python users see."""
    try:
        return float(text)
    except ValueError:
        return text


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer, not {text!r}") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UserError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mip6lab", description="Mobile IPv6 (RFC 6275) teaching lab")
    sub = p.add_subparsers(dest="command", required=False, parser_class=_Parser)
    sub.add_parser("scenarios", help="list the named scenarios, one per line")
    sub.add_parser("seams", help="list the seams a reader's component plugs into: name, role, protocol, chapter")
    r = sub.add_parser("run", help="run a scenario headless and print its messages")
    r.add_argument("name")
    r.add_argument("--seed", type=_seed, default=0)
    r.add_argument("--until", type=_number, default=None, help="simulated seconds (default: the scenario's)")
    r.add_argument("--pcap", default=None, help="write a pcapng capture (one interface per link)")
    r.add_argument(
        "--esp",
        default="null",
        help="ESP protection of MN-HA signalling: off, null (default: integrity only, readable) or aes",
    )
    r.add_argument("--all", action="store_true", help="every frame on every link, Neighbor Discovery included")
    r.add_argument(
        "--mobile-nodes", type=_count, default=None, help="how many mobile nodes (scenarios with that parameter: scale)"
    )
    lv = sub.add_parser("live", help="run a scenario in real time with the Linux kernel on one of its links")
    lv.add_argument("name")
    lv.add_argument("--link", required=True, help="the Ethernet link the kernel joins (e.g. cn-link, home)")
    lv.add_argument("--netns", default="mip6lab", help="network namespace to create (default mip6lab)")
    lv.add_argument("--pcap", default=None, help="write the capture on exit (pcapng, wall-clock timestamps)")
    lv.add_argument("--seed", type=_seed, default=0)
    lab = sub.add_parser("lab", help="open the workbook in JupyterLab")
    lab.add_argument("--no-browser", action="store_true")
    lab.add_argument("--port", type=int, default=None)
    b = sub.add_parser("bench", help="measure the simulator against scapy and ns-3, bindings, scale")
    b.add_argument("--json", default=None, metavar="FILE", help="write every figure as one JSON object")
    b.add_argument("--quick", action="store_true", help="small sizes (seconds, for tests); figures are rough")
    b.add_argument("--mobile-nodes", default=None, help="scale sizes to run, comma-separated (default 100,1000,10000)")
    b.add_argument("--scale-until", type=_time, default=None, help="simulated seconds per scale run (default 15)")
    g = sub.add_parser("grade", help="grade exercise notebooks in fresh kernels and print a score table")
    g.add_argument("paths", nargs="+", metavar="PATH")
    g.add_argument("--json", action="store_true", help="one JSON document: per notebook and task score/max_score")
    g.add_argument("--timeout", type=_time, default=60.0, help="seconds per cell before it fails (default 60)")
    g.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    f = sub.add_parser("fuzz", help="inject mutated real packets into running scenarios and check invariants")
    f.add_argument("--count", type=_count, default=2000, help="mutated packets to inject (default 2000)")
    f.add_argument("--seed", type=_seed, default=0)
    f.add_argument("--scenario", action="append", default=None, help="a scenario to fuzz (repeatable)")
    return p


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"count must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"count must be at least 1, not {value}")
    return value


COMMANDS = {
    "scenarios": "list the named scenarios, one per line",
    "seams": "list the seams a reader's component plugs into: name, role, protocol, chapter",
    "run": "run a scenario headless and print its messages (mip6lab run NAME [--pcap FILE])",
    "live": "run a scenario in real time with the Linux kernel on a link (mip6lab live NAME --link LINK)",
    "lab": "open the workbook in JupyterLab",
    "bench": "measure simulator and codec speed against scapy",
    "fuzz": "inject mutated packets into running scenarios (mip6lab fuzz --count N --seed S)",
    "grade": "grade exercise notebooks in fresh kernels (mip6lab grade PATH... [--json])",
}


def cmd_help() -> int:
    print("usage: mip6lab COMMAND [options]   (mip6lab COMMAND --help for its options)")
    print()
    for name, text in COMMANDS.items():
        print(f"  {name:<10} {text}")
    return 0


def cmd_fuzz(args: argparse.Namespace) -> int:
    from mip6lab.fuzz import fuzz
    from mip6lab.scenarios import SCENARIOS

    for name in args.scenario or []:
        if name not in SCENARIOS:
            raise UserError(f"unknown scenario {name!r} (known: {', '.join(SCENARIOS)})")
    report = fuzz(args.count, seed=args.seed, scenarios=tuple(args.scenario) if args.scenario else None)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def _check_pcap_path(path: str) -> None:
    """Fail before running: the folder must exist and the file must be writable."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: folder {folder} does not exist")
    if p.is_dir():
        raise UserError(f"cannot write {path}: it is a folder")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UserError(f"cannot write {path}: permission denied")


def cmd_scenarios() -> int:
    from mip6lab.scenarios import SCENARIOS

    for s in SCENARIOS.values():
        print(f"{s.name}  {s.description}")
    return 0


def cmd_seams() -> int:
    from mip6lab.seams import SEAMS

    for s in SEAMS.values():
        print(s.line())
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from mip6lab.lab import Lab, LabError
    from mip6lab.scenarios import SCENARIOS

    if args.pcap:
        _check_pcap_path(args.pcap)
    try:  # the Lab checks the arguments: the same message as from Python
        scenario = args.name
        if args.mobile_nodes is not None:
            if scenario not in SCENARIOS:
                raise LabError(f"unknown scenario {scenario!r} (known: {', '.join(SCENARIOS)})")
            scenario = SCENARIOS[scenario].with_parameters(mobile_nodes=args.mobile_nodes)
        lab = Lab(scenario, seed=args.seed, esp=args.esp)
        lab.run(until=args.until if args.until is not None else lab.scenario.duration)
    except LabError as e:
        raise UserError(str(e)) from None
    if args.all:  # every frame on every link
        for row in lab.messages():
            print(row.line())
    else:  # each packet once, where it was sent; Neighbor Discovery hidden
        for row in lab.messages(signalling_only=True, first_hop_only=True):
            print(row.packet_line())
    if args.pcap:
        try:
            lab.save_pcap(args.pcap)
        except OSError as e:
            raise UserError(f"cannot write {args.pcap}: {e.strerror or e}") from None
        print(f"wrote {len(lab.capture)} frames to {args.pcap}")
        if lab.esp_sa_table():
            keys = f"{args.pcap}.esp_sa"
            n = lab.save_esp_keys(keys)
            print(f"wrote {n} ESP security associations to {keys} (Wireshark: copy it to ~/.config/wireshark/esp_sa)")
    return 0


def workbook_dir() -> Path:
    """The notebooks folder of a source checkout (the workbook is not shipped inside the wheel)."""
    here = Path(__file__).resolve().parent.parent
    for cand in (Path.cwd() / "notebooks", here / "notebooks"):
        if cand.is_dir():
            return cand
    raise UserError("cannot find the notebooks/ folder: run `mip6lab lab` from the mip6lab checkout")


def cmd_lab(args: argparse.Namespace) -> int:
    nb = workbook_dir()
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or shutil.which("jupyter")
    if jupyter is None:
        raise UserError("JupyterLab is not installed in this environment (pip install jupyterlab)")
    start = "notebooks/00-start-here.ipynb"
    # default_url: the URL JupyterLab prints (for a machine without a browser) opens the front page too.
    cmd = [jupyter, "lab", f"--notebook-dir={nb.parent}", f"--LabApp.default_url=/lab/tree/{start}", start]
    if args.no_browser:
        cmd.append("--no-browser")
    if args.port:
        cmd.append(f"--port={args.port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    # exec, not a child process: stopping `mip6lab lab` (or scripts/lab) with a signal stops JupyterLab.
    os.chdir(nb.parent)
    os.execv(jupyter, cmd)
    return 0  # not reached (execv replaces this process)


def cmd_bench(args: argparse.Namespace) -> int:
    from mip6lab.bench import main as bench_main

    sizes = None
    if args.mobile_nodes:
        try:
            sizes = tuple(_count(x) for x in args.mobile_nodes.split(","))
        except argparse.ArgumentTypeError as e:
            raise UserError(f"--mobile-nodes: {e}") from None
    if args.json:
        try:
            open(args.json, "a").close()
        except OSError as e:
            raise UserError(f"cannot write {args.json}: {e.strerror or e}") from None
    return bench_main(json_path=args.json, quick=args.quick, scale_sizes=sizes, scale_until=args.scale_until)


def cmd_grade(args: argparse.Namespace) -> int:
    from mip6lab.grading.grader import format_table, grade, to_json

    if args.jobs < 1:
        raise UserError(f"--jobs must be at least 1, not {args.jobs}")
    grades = grade(args.paths, jobs=args.jobs, cell_timeout=args.timeout)
    print(to_json(grades) if args.json else format_table(grades))
    return 0 if all(g.max_score and g.score == g.max_score for g in grades) else 1


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            return cmd_help()
        if args.command == "scenarios":
            return cmd_scenarios()
        if args.command == "seams":
            return cmd_seams()
        if args.command == "run":
            return cmd_run(args)
        if args.command == "lab":
            return cmd_lab(args)
        if args.command == "live":
            from mip6lab.live.cli import run as cmd_live
            from mip6lab.live.netns import LiveError

            try:
                return cmd_live(args)
            except LiveError as e:
                raise UserError(str(e)) from None
        if args.command == "bench":
            return cmd_bench(args)
        if args.command == "grade":
            return cmd_grade(args)
        if args.command == "fuzz":
            return cmd_fuzz(args)
        raise UserError(f"unknown command {args.command!r}")
    except UserError as e:
        print(f"mip6lab: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
