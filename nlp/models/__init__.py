"""Everything that finds, converts and runs a model, below the translation and analysis
layers that use it: the registry (``registry``: which model serves which task, found
on disk or in the HF cache), CTranslate2 conversions (``convert``), the device
(``device``), the map from a ``--backend`` to its runtimes (``runtimes``),
decoder-only models (``llm``: kind, prompts, two runtimes) and the one check every
model output goes through (``hygiene``)."""
