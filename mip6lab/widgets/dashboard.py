"""Dashboard: the four views on one Lab, in tabs, wired together.

* every action in the network view (move, run, step, reset) refreshes the other views;
* selecting a message in the sequence chart opens its first frame in the packet inspector (Packets tab);
* "Trace this packet" in the inspector opens it in the algorithm tracer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as W

from mip6lab.widgets.inspector import PacketInspector
from mip6lab.widgets.network import NetworkView
from mip6lab.widgets.sequence import SequenceChart
from mip6lab.widgets.tracer import AlgorithmTracer

if TYPE_CHECKING:
    from mip6lab.lab import Lab
    from mip6lab.net.capture import CaptureRecord

__all__ = ["Dashboard", "dashboard"]

TAB_NETWORK, TAB_SEQUENCE, TAB_PACKETS, TAB_ALGORITHMS = range(4)


class Dashboard:
    """NetworkView, SequenceChart, PacketInspector and AlgorithmTracer on the same Lab."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
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
        self.widget = W.VBox([self.tabs])
        self.widget.add_class("mip6lab-dashboard")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _lab_changed(self, lab: Lab) -> None:
        self.lab = lab
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
