"""The regression detector: asv results -> series -> change points -> findings.

Stages, each a module with plain data between them (criterion.rs style):

* ``results``     asv 0.6 result files -> :class:`~.results.ResultSet`;
* ``history``     first-parent commit order from git;
* ``series``      the data model: one :class:`~.series.Series` per
  (machine, env, benchmark, params), points in first-parent commit order;
* ``stats``       Mann-Whitney U, Benjamini-Hochberg, bootstrap ratio CI;
* ``changepoint`` rank-based binary segmentation (``change_points``);
* ``detect``      the rule over all series -> :class:`~.findings.Report`;
* ``compare``     two sample sets side by side (compare, baseline check, gate);
* ``baseline``    ``baselines/<machine>.json``;
* ``findings``    the analysis result and the schema-1 JSON other tools read;
* ``report``      Markdown; ``cli``/``commands`` the command line;
* ``config``      defaults and the per-benchmark override file;
* ``synth``       synthetic asv histories for tests and the evaluation.

Importing this package loads no wasm engine.
"""
