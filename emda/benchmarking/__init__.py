"""Comparing methods over seeds, in four steps (``tools/compare.py`` is
their command line; ``docs/user_guides/compare.md``):

- :mod:`~emda.benchmarking.metafile`: what each config is (method, paper,
  setting, target supervision), from ``configs/<method>/metafile.yaml``;
- :mod:`~emda.benchmarking.plan`: configs and suites, seeds -> runs and
  their training options;
- :mod:`~emda.benchmarking.run`: each run in a subprocess, with resume,
  signals and ``run_info.json``;
- :mod:`~emda.benchmarking.collect`: each run's validations from MMEngine's
  ``vis_data/scalars.json`` (across resumes), aggregated over seeds;
- :mod:`~emda.benchmarking.report`: markdown, CSV and PNG outputs.

Importing the package is light (no torch, mmseg or matplotlib), so the
command line answers ``--help`` at once.
"""
