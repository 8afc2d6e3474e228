"""The one exception tree of the toolkit.

Library code raises these; the CLI turns any of them into ``Error: <message>``
and exit code 1 in one place (``nlp.cli``).  Messages say how to fix the problem.
"""

from __future__ import annotations


class NlpError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class PostError(NlpError):
    """A file is not a post we can process (and was left untouched)."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def __reduce__(self):  # picklable: errors cross process boundaries (workers, Ray)
        return type(self), (self.path, self.reason)


class NotAPost(PostError):
    """A file without front matter: in a folder it is skipped (a README, notes), named on
    the command line it is an error."""


class ConfigError(NlpError):
    """A bad option, option value or configuration file."""


class ModelMissingError(NlpError):
    """A model is not available locally (offline or not downloaded)."""

    def __init__(self, name: str, model_id: str, looked_in: str, pull: str = "") -> None:
        self.name = name
        self.model_id = model_id
        self.looked_in = looked_in
        self.pull = pull or name  # what `nlp models pull` takes: a registry name or a hub id
        super().__init__(
            f"model {name} ({model_id}) is not available: looked in {looked_in}; "
            f"on a connected machine run `nlp models pull {self.pull}`"
        )

    def __reduce__(self):
        return type(self), (self.name, self.model_id, self.looked_in, self.pull)


class ModelError(NlpError):
    """A model loaded but misbehaved (failed self-test, wrong kind...)."""
