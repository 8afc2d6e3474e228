"""Jekyll posts: read front matter and body, add keys without touching other bytes.

The front matter is parsed (PyYAML, safe loader) only to *read* it.  It is never
re-dumped: new keys are spliced in as text after the existing lines, so every
original byte stays where it was, and a second run that removes and re-adds its own
keys reproduces the file exactly.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html as htmllib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import yaml

from ..errors import NotAPost, PostError
from ..languages import target_codes
from ..signature import EnrichSignature, Provenance

PROVENANCE_KEY = "nlp"
TRANSLATION_KEY = "translation_of"  # in a translated sibling: the original file name
LANGS = target_codes()  # every language nlp may write fields in (nlp.languages)


@dataclass(frozen=True)
class OutputKeys:
    """The one declaration of the front matter fields nlp writes, under a site's names.

    An enriched original gets ``summary`` and ``keywords`` (a site may rename them:
    ``--summary-key description``), each field's translation ``KEY_XX`` (``title_en``,
    ``description_en``, ``keywords_ja``) and the provenance ``nlp``.  A translated
    sibling gets ``title``, ``lang``, ``translation_of``, its URL keys, the original's
    ``KEY_XX`` values under ``KEY`` and the provenance.  Every reader of these names
    (what a re-run replaces, what an author's value keeps, what enrich writes, what a
    sibling carries over) asks this class."""

    summary: str = "summary"
    keywords: str = "keywords"

    FIELDS = ("title", "summary", "keywords")  # what a post's translated fields are made of
    OWN = ("summary", "keywords")  # written into the original (its title is the author's)

    def key(self, field: str) -> str:
        """The key ``field`` goes under (``summary`` -> ``description`` on such a site)."""
        return {"title": "title", "summary": self.summary, "keywords": self.keywords}[field]

    def translated(self, field: str, lang: str) -> str:
        """The key of ``field`` in ``lang``: ``description_en``."""
        return f"{self.key(field)}_{lang}"

    @property
    def managed(self) -> frozenset[str]:
        """Every key ``nlp enrich`` may write, under these names and the default ones (so
        that what an earlier run wrote under them is still known as ours)."""
        keys = {PROVENANCE_KEY}
        for names in {self, OutputKeys()}:
            keys |= {names.key(field) for field in self.OWN}
            keys |= {names.translated(field, lang) for field in self.FIELDS for lang in LANGS}
        return frozenset(keys)


MANAGED_KEYS = OutputKeys().managed

_OPEN = re.compile(r"\A(\ufeff?)---[ \t]*(\r?\n)")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
_TOP_KEY = re.compile(r"^([A-Za-z0-9_][^:\s]*)[ \t]*:(?:[ \t]|$)")


@dataclass(frozen=True)
class Post:
    """One post as read from disk.  ``text`` is the whole file, unchanged."""

    path: Path
    text: str
    fm_start: int  # offset of the first front matter line
    fm_end: int  # offset just after the last front matter line (start of closing line)
    body_start: int
    newline: str
    meta: Mapping[str, Any]

    @property
    def front_matter(self) -> str:
        return self.text[self.fm_start : self.fm_end]

    @property
    def body(self) -> str:
        return self.text[self.body_start :]

    @property
    def title(self) -> str:
        value = self.meta.get("title")
        return "" if value is None else str(value).strip()


def read_post(path: str | os.PathLike[str]) -> Post:
    """Read and parse a post, or raise :class:`PostError` saying why it is not one."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise PostError(path, "is a directory") from None
    except OSError as exc:
        raise PostError(path, f"cannot read: {exc.strerror or exc}") from None
    return parse_post(data, path)


def parse_post(data: bytes, path: str | os.PathLike[str] = "<stdin>") -> Post:
    path = Path(path)
    if not data:
        raise NotAPost(path, "empty file, not a post (no front matter)")
    if b"\x00" in data[:8192]:
        raise PostError(path, "binary file, not a post")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PostError(path, f"not UTF-8 text (byte {exc.start}: {data[exc.start:exc.start + 1]!r})") from None
    opening = _OPEN.match(text)
    if not opening:
        raise NotAPost(path, "no front matter (the file must start with a '---' line)")
    newline = opening.group(2)
    fm_start = opening.end()
    closing = _CLOSE.search(text, fm_start)
    if not closing:
        raise PostError(path, "front matter is not closed (no second '---' line)")
    fm_end = closing.start()
    try:
        meta = yaml.safe_load(text[fm_start:fm_end])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PostError(path, f"invalid YAML front matter{where}: {problem}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise PostError(path, f"front matter is a {type(meta).__name__}, not a mapping of keys")
    return Post(path, text, fm_start, fm_end, closing.end(), newline, meta)


# Characters YAML does not allow raw or reads as line breaks inside a quoted scalar.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _yaml_scalar(value: Any) -> str:
    # JSON strings are valid YAML double-quoted scalars (also for Jekyll's Psych):
    # one line, no surprises with ':' '#' '[' 'yes' 'null' or leading spaces.
    text = json.dumps(value, ensure_ascii=False)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def format_fields(fields: Mapping[str, Any], newline: str = "\n") -> str:
    lines = []
    for key, value in fields.items():
        if isinstance(value, (list, tuple)):
            rendered = "[" + ", ".join(_yaml_scalar(str(v)) for v in value) + "]"
        elif isinstance(value, (_dt.date, _dt.datetime)):
            rendered = value.isoformat()
        else:
            rendered = _yaml_scalar(value)
        lines.append(f"{key}: {rendered}{newline}")
    return "".join(lines)


def _key_lines(front_matter: str) -> Iterator[tuple[str, str | None, bool]]:
    """``(line, key, starts)`` for each line: the top-level key whose block it belongs to
    (a ``key:`` line and its indented or ``- `` continuation lines), or None."""
    key: str | None = None
    for line in front_matter.splitlines(keepends=True):
        match = _TOP_KEY.match(line)
        if match:
            key = match.group(1)
        elif key is not None and not (line[:1] in (" ", "\t", "-") or not line.strip()):
            key = None
        yield line, key, bool(match)


def strip_keys(front_matter: str, keys: Iterable[str]) -> str:
    """Remove top-level ``key:`` blocks (with their indented or ``- `` continuation lines)."""
    keys = set(keys)
    return "".join(line for line, key, _ in _key_lines(front_matter) if key not in keys)


def set_key(front_matter: str, key: str, value: Any, newline: str = "\n") -> str:
    """Replace the top-level ``key:`` block in place (or append it), other lines untouched."""
    new = format_fields({key: value}, newline)
    out: list[str] = []
    done = False
    for line, owner, starts in _key_lines(front_matter):
        if owner != key:
            out.append(line)
        elif starts and not done:
            out.append(new)
            done = True
    if not done:
        out.append(new)
    return "".join(out)


def managed_keys(summary_key: str = "summary", keywords_key: str = "keywords") -> frozenset[str]:
    """:attr:`OutputKeys.managed` of a site's key names."""
    return OutputKeys(summary_key, keywords_key).managed


def kept_keys(post: Post, managed: frozenset[str] = MANAGED_KEYS) -> set[str]:
    """Keys nlp writes that hold the author's own values, which nlp never touches: in a
    post nlp has not enriched, every such key present; later, those its provenance
    lists as kept."""
    if PROVENANCE_KEY not in post.meta:
        return (managed & set(map(str, post.meta))) - {PROVENANCE_KEY}
    return set(Provenance.parse(str(post.meta[PROVENANCE_KEY])).kept)


def own_keys(post: Post, managed: frozenset[str] = MANAGED_KEYS) -> set[str]:
    """Keys an earlier run of nlp wrote into the post (an author's values excluded)."""
    if PROVENANCE_KEY not in post.meta:
        return set()
    recorded = EnrichSignature.parse(Provenance.parse(str(post.meta[PROVENANCE_KEY])).signature)
    if recorded is not None:  # an earlier run may have used other key names (--summary-key)
        managed = managed | managed_keys(*recorded.keys())
    return (managed & set(map(str, post.meta))) - kept_keys(post, managed)


def with_fields(post: Post, fields: Mapping[str, Any], managed: frozenset[str] = MANAGED_KEYS) -> str:
    """The post's text with ``fields`` set after the original front matter lines.

    Keys written by an earlier run are removed first, so re-running is idempotent and
    the original front matter stays a byte-for-byte prefix.  A key holding the author's
    value is never written over (the caller records it as kept in the provenance).
    """
    kept = kept_keys(post, managed)
    original = strip_keys(post.front_matter, own_keys(post, managed))
    if original and not original.endswith(("\n", "\r")):
        original += post.newline
    text = post.text
    return (
        text[: post.fm_start]
        + original
        + format_fields({k: v for k, v in fields.items() if k not in kept}, post.newline)
        + text[post.fm_end :]
    )


def clean_title(value: str) -> str:
    """Titles in the archive carry HTML entities, sometimes escaped twice."""
    for _ in range(2):
        unescaped = htmllib.unescape(value)
        if unescaped == value:
            break
        value = unescaped
    return value.strip()


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


def original_text(post: Post, managed: frozenset[str] = MANAGED_KEYS) -> str:
    """The post as it was before any enrichment of ours (our keys removed)."""
    if PROVENANCE_KEY not in post.meta:
        return post.text
    fm = strip_keys(post.front_matter, own_keys(post, managed))
    return post.text[: post.fm_start] + fm + post.text[post.fm_end :]


TEMP_SUFFIX = ".nlp-tmp"
_TEMP_PID = re.compile(r"\.(\d+)\.[^.]+" + re.escape(TEMP_SUFFIX) + "$")


def remove_stale_temp(path: Path) -> bool:
    """Delete a temporary file of ours whose writing process is gone (killed mid-write)."""
    match = _TEMP_PID.search(path.name)
    if not match or not path.name.startswith("."):
        return False
    try:
        os.kill(int(match.group(1)), 0)
        return False  # its writer is still running
    except ProcessLookupError:
        pass
    except PermissionError:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    return True


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    Readers see the old file or the new one, never half of one.  A symlink is
    followed so the link itself survives; an existing file keeps its mode, a new one
    gets the mode ``open()`` would give it under the user's umask.
    """
    target = Path(os.path.realpath(path))
    data = text.encode("utf-8")
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()  # what open() would give a new file (mkstemp gives 0600)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:60]}.{os.getpid()}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
