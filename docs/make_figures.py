"""Regenerate the README's images from a simulation run: `.venv/bin/python docs/make_figures.py`."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from mip6lab import Lab  # noqa: E402
from mip6lab.widgets import sequence_figure  # noqa: E402

OUT = Path(__file__).parent / "img"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    lab = Lab("return-routability", seed=0)
    lab.run()
    fig = sequence_figure(lab, kinds="signalling", limit=24)
    fig.savefig(OUT / "return-routability.png", dpi=80, bbox_inches="tight")
    print(f"wrote {OUT / 'return-routability.png'}")


if __name__ == "__main__":
    main()
