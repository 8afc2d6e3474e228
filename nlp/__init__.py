"""nlp: enrich and translate archives of Chinese Jekyll news posts."""

__version__ = "0.4.0"
