"""Dashboard: the four views on one Lab, in tabs, wired together.

* a scenario picker offers every named scenario with the white paper figures it reproduces (from the
  scenarios' own ``figures``): a reader reaches each one without typing its name;
* every action in the network view (move, run, step, reset) refreshes the other views;
* selecting a message in the sequence chart opens its first frame in the packet inspector (Packets tab);
* "Trace this packet" in the inspector opens it in the algorithm tracer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as W

from mip6lab.widgets._util import esc
from mip6lab.widgets.inspector import PacketInspector
from mip6lab.widgets.network import NetworkView
from mip6lab.widgets.sequence import SequenceChart
from mip6lab.widgets.tracer import AlgorithmTracer

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.net.capture import CaptureRecord

__all__ = ["Dashboard", "dashboard", "scenario_choices"]

TAB_NETWORK, TAB_SEQUENCE, TAB_PACKETS, TAB_ALGORITHMS = range(4)


def _figures(figures: tuple[int, ...]) -> str:
    nums = sorted(figures)
    if not nums:
        return "no figure"
    return ("Figure " if len(nums) == 1 else "Figures ") + ", ".join(str(n) for n in nums)


def scenario_choices() -> list[tuple[str, str]]:
    """(label, name) for every named scenario, in ``mip6lab scenarios`` order; the label names the
    white paper figures the scenario reproduces."""
    from mip6lab.scenarios import SCENARIOS

    return [(f"{s.name} \u2014 {_figures(s.figures)}", s.name) for s in SCENARIOS.values()]


class Dashboard:
    """A scenario picker over NetworkView, SequenceChart, PacketInspector and AlgorithmTracer on the same Lab."""

    def __init__(self, lab: Lab) -> None:
        from mip6lab.scenarios import SCENARIOS

        self.lab = lab
        choices = scenario_choices()
        named = lab.scenario.name in SCENARIOS and SCENARIOS[lab.scenario.name] is lab.scenario
        self.scenario = W.Dropdown(
            options=choices if named else [(lab.scenario.name, lab.scenario.name), *choices],
            value=lab.scenario.name,
            description="Scenario",
            layout=W.Layout(width="560px"),
        )
        self.scenario.add_class("mip6lab-scenario-picker")
        self.about = W.HTML()
        self.about.add_class("mip6lab-scenario-about")
        self.scenario.observe(lambda ch: self.load(ch["new"]), names="value")
        self.network = NetworkView(lab)
        self.sequence = SequenceChart(lab)
        self.inspector = PacketInspector(lab)
        self.tracer = AlgorithmTracer(lab)
        self.tabs = W.Tab(
            children=[self.network.widget, self.sequence.widget, self.inspector.widget, self.tracer.widget]
        )
        for i, t in enumerate(["Network", "Message sequence", "Packets", "Algorithms"]):
            self.tabs.set_title(i, t)
        self.network.on_change(self._lab_changed)
        self.sequence.on_select(self._open_in_inspector)
        self.inspector.on_trace(self._open_in_tracer)
        self.widget = W.VBox([W.HBox([self.scenario]), self.about, self.tabs])
        self.widget.add_class("mip6lab-dashboard")
        self._describe()

    def _describe(self) -> None:
        s = self.lab.scenario
        self.about.value = (
            f'<div style="font:12px sans-serif;color:#333;margin:2px 0 6px 0"><b>{esc(_figures(s.figures))}</b>: '
            f"{esc(s.description)} (runs {s.duration:g} s; seed {self.lab.seed})</div>"
        )

    def load(self, name: str) -> Lab:
        """Build scenario ``name`` (same seed and ESP mode), run it to its end, show it in every view."""
        from mip6lab.lab import Lab

        if name == self.lab.scenario.name and self.lab.now > 0:
            return self.lab
        lab = Lab(name, seed=self.lab.seed, esp=self.lab.esp)
        lab.run()
        self.network.set_lab(lab)  # notifies the other views through _lab_changed
        self.lab = lab
        self._describe()
        if self.scenario.value != name:
            self.scenario.value = name
        return lab

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _lab_changed(self, lab: Lab) -> None:
        self.lab = lab
        self._describe()
        for v in (self.sequence, self.inspector, self.tracer):
            if v.lab is not lab:
                v.set_lab(lab)
            else:
                v.refresh(force=False)

    def _open_in_inspector(self, record: CaptureRecord) -> None:
        self.inspector.select_record(record.index)
        self.tabs.selected_index = TAB_PACKETS

    def _open_in_tracer(self, record: CaptureRecord) -> None:
        self.tracer.select_record(record.index)
        self.tabs.selected_index = TAB_ALGORITHMS


def dashboard(scenario: str = "ping", *, seed: int = 0, run: bool | float = True, esp: str = "null") -> Dashboard:
    """A Lab for ``scenario`` and the dashboard over it, in one call.

    ``run=True`` runs the scenario's script to its end first, a number runs to that simulated
    time, ``False`` starts at t = 0 (then use Run / Step in the Network tab).
    """
    from mip6lab.lab import Lab

    lab = Lab(scenario, seed=seed, esp=esp)
    if run is True:
        lab.run()
    elif run is not False:
        lab.run(until=run)  # the Lab refuses anything but a finite number of seconds (LabError)
    return Dashboard(lab)
