"""``harness view``: a local web viewer of run directories (runs, a run, its samples, one
sample's transcript, two runs compared, plots), and ``--export`` to a static site.

Layers: :mod:`harness.view.data` reads runs through the run index (:mod:`harness.run.index`) and
the run files, with metrics from :mod:`harness.run.results` (the numbers ``harness show``
prints); :mod:`harness.view.plots` draws SVG; :mod:`harness.view.app` is the Starlette app;
:mod:`harness.view.export` writes the static site. Needs the ``view`` extra
(``pip install 'agentharness[view]'``: starlette, uvicorn, jinja2)."""
