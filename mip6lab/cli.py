"""The ``mip6lab`` command: list scenarios, run one headless or live, open the workbook, benchmark.

Every user error ends in one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
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
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("scenarios", help="list the named scenarios, one per line")
    sub.add_parser("seams", help="list the seams a reader's component plugs into: name, role, protocol, chapter")
    r = sub.add_parser("run", help="run a scenario headless and print its messages")
    r.add_argument("name")
    r.add_argument("--seed", type=_seed, default=0)
    r.add_argument("--until", type=_time, default=None, help="simulated seconds (default: the scenario's)")
    r.add_argument("--pcap", default=None, help="write a pcapng capture (one interface per link)")
    r.add_argument(
        "--esp",
        choices=("off", "null", "aes"),
        default="null",
        help="ESP protection of MN-HA signalling (default null: integrity only, readable)",
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
    return p


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

    try:
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
    cmd = [jupyter, "lab", f"--notebook-dir={nb.parent}", "notebooks/00-start-here.ipynb"]
    if args.no_browser:
        cmd.append("--no-browser")
    if args.port:
        cmd.append(f"--port={args.port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return subprocess.call(cmd, cwd=nb.parent)


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
