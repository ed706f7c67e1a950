"""The browser test's fixture notebook is opened in JupyterLab by the test, not run by nbval."""

collect_ignore_glob = ["fixtures/*"]
