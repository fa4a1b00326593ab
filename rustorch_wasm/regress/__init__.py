"""The regression detector: asv results -> series -> change points -> findings.

Stages, each a sub-package with plain data between them (criterion.rs style);
a module imports only from its own stage and the stages before it (a test
checks this):

* ``model``     the data: :class:`~.model.series.Series`, findings and their
  kinds, :class:`~.model.config.DetectorConfig` (every default), the project
  :class:`~.model.profile.Profile`, units and the one value formatter;
* ``io``        asv result files, columns, git history (the only git caller),
  baselines, synthetic histories, atomic writes (the only writer);
* ``analysis``  statistics, change points, spikes, the newest-commit test,
  shared shifts, the rule over all series (:func:`~.analysis.detect.detect`),
  comparisons, re-measurement verdicts, engine attribution;
* ``render``    Markdown, plots and the trend site;
* ``cli``       ``rustorch-regress detect|compare|baseline|gate|site``, and the
  asv runner the gate re-measures with.

Importing this package loads no wasm engine.
"""
