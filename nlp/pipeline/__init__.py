"""Batch jobs over an archive: ``enrich`` and ``translate`` as stages that one driver runs
locally (worker processes) or on Ray, with resumable run state and provenance.

The library's entry points for whole archives are :func:`nlp.pipeline.enrich.enrich` and
:func:`nlp.pipeline.translate.translate`; the CLI's ``nlp enrich`` and ``nlp translate``
each make one call to them."""
