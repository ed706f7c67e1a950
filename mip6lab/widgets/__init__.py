"""ipywidgets views over a Lab: they read state, captures and traces and call only Lab verbs.

``dashboard("ping")`` shows all four views on one scenario. Each view is one object you can show on
its own (``NetworkView(lab)``, ``SequenceChart(lab)``, ``PacketInspector(lab)``,
``AlgorithmTracer(lab)``); ``sequence_figure(lab)`` draws the message sequence chart as a static
matplotlib figure.
"""

from mip6lab.widgets.dashboard import Dashboard, dashboard
from mip6lab.widgets.inspector import PacketInspector
from mip6lab.widgets.network import NetworkView
from mip6lab.widgets.sequence import SequenceChart, sequence_figure
from mip6lab.widgets.tracer import AlgorithmTracer

__all__ = [
    "AlgorithmTracer",
    "Dashboard",
    "NetworkView",
    "PacketInspector",
    "SequenceChart",
    "dashboard",
    "sequence_figure",
]
