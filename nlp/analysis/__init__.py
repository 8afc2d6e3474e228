"""From text to keywords and summaries: segmentation, boilerplate, keywords, extractive
and abstractive summaries, IDF tables, and the :class:`~nlp.analysis.analyzer.Toolkit`
that ties them together."""
