"""The regression detector: asv results -> series -> change points -> findings.

Stages, each a module with plain data between them (criterion.rs style):

* ``series``   the data model: one :class:`~.series.Series` per
  (machine, env, benchmark, params), points in first-parent commit order;
* ``findings`` the analysis result: :class:`~.findings.Finding` and the JSON
  shape other tools read.

Importing this package loads no wasm engine.
"""
