"""Each exercise's checks, one module per exercise notebook (``from mip6lab.grading.checks import seqno``).

Importing any of them shows check failures in IPython as their verdict line instead of a traceback.
"""

from mip6lab.grading.core import install_ipython_handler

install_ipython_handler()
