"""Machine translation: backends that run a model, the engine that feeds them
(sentences, token limits, deduplication, translation memory), and the translators a run
builds from the registry."""
