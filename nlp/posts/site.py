"""A Jekyll site around the posts: where a translated sibling lives, and the links
between languages.

A sibling ``NAME.en.md`` gets the original's slug and the site's own permalink pattern
under ``/en``, so ``/2020/07/25/slug/`` and ``/en/2020/07/25/slug/`` sit side by side
(the same pattern, date, categories and slug: only the prefix differs).  The links
between them need no search over all posts at build time: ``_data/nlp_translations.json``
maps each original file name to the languages it has siblings in, and the include that
``nlp site init`` writes turns that and ``page.url`` into ``<link rel="alternate"
hreflang>`` tags and a language switcher.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from ..errors import ConfigError, NlpError
from .post import TRANSLATION_KEY, atomic_write, read_post

# Jekyll's built-in permalink styles (https://jekyllrb.com/docs/permalinks/).
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
_POST_NAME = re.compile(r"^(\d{2,4}-\d{1,2}-\d{1,2})-(.+)\.[^.]+$")
INCLUDE = "nlp-alternates.html"
DATA = "nlp_translations.json"


def site_root(path: Path) -> Path | None:
    """The site a post belongs to: the folder holding the ``_posts`` it is under."""
    for parent in path.resolve().parents:
        if parent.name == "_posts":
            return parent.parent
    return None


@lru_cache(maxsize=16)
def permalink_pattern(root: Path | None) -> str:
    """The site's permalink pattern (its ``_config.yml``, else Jekyll's default)."""
    value = None
    if root is not None and (root / "_config.yml").is_file():
        try:
            config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            config = {}
        value = config.get("permalink") if isinstance(config, dict) else None
    value = str(value or "date")
    return STYLES.get(value, value if value.startswith("/") else STYLES["date"])


def sibling_keys(source: Path, meta: Mapping, lang: str, pattern: str | None = None) -> dict[str, str]:
    """``slug`` and ``permalink`` of the ``lang`` sibling of the post at ``source``: the
    original's URL under ``/lang``."""
    match = _POST_NAME.match(source.name)
    own = meta.get("permalink")
    if isinstance(own, str) and own.startswith("/"):
        return {"permalink": f"/{lang}{own}"}
    if not match:
        return {}
    pattern = pattern or permalink_pattern(site_root(source))
    slug = meta.get("slug") if isinstance(meta.get("slug"), str) else match.group(2)
    return {"slug": slug, "permalink": f"/{lang}{pattern}"}


@dataclass
class SiteInit:
    include: Path
    data: Path
    originals: int
    siblings: int


def init_site(root: str | os.PathLike[str]) -> SiteInit:
    """Write the include and the translations map of the site at ``root``."""
    root = Path(root)
    posts = root / "_posts"
    if not posts.is_dir():
        raise ConfigError(f"{root}: not a Jekyll site (no _posts folder)")
    mapping: dict[str, list[str]] = {}
    siblings = 0
    for path in sorted(posts.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in (".md", ".markdown", ".html"):
            continue
        try:
            meta = read_post(path).meta
        except NlpError:
            continue
        source = meta.get(TRANSLATION_KEY)
        lang = meta.get("lang")
        if source and lang and (path.parent / str(source)).is_file():
            mapping.setdefault(str(source), []).append(str(lang))
            siblings += 1
    for langs in mapping.values():
        langs.sort()
    include = root / "_includes" / INCLUDE
    data = root / "_data" / DATA
    try:
        include.parent.mkdir(parents=True, exist_ok=True)
        data.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(include, _INCLUDE_TEXT)
        atomic_write(data, json.dumps(mapping, ensure_ascii=False, sort_keys=True, indent=0) + "\n")
    except OSError as exc:
        raise ConfigError(f"cannot write into {root}: {exc.strerror or exc}") from None
    return SiteInit(include, data, len(mapping), siblings)


# Liquid.  Ours are the pages that have an entry in the data file (originals) or a
# translation_of key (siblings); the URL of every version is the original's URL with
# /LANG in front, so no page searches site.posts.
_INCLUDE_TEXT = """{%- comment -%}
Written by `nlp site init`: links between a post and its translations.
In the layout's <head>:       {% include nlp-alternates.html %}
Where the switcher should go: {% include nlp-alternates.html switcher=true %}
{%- endcomment -%}
{%- assign nlp_name = page.translation_of | default: page.path | split: "/" | last -%}
{%- assign nlp_langs = site.data.nlp_translations[nlp_name] -%}
{%- if nlp_langs -%}
{%- assign nlp_home = site.lang | default: "zh" -%}
{%- if page.translation_of -%}
{%- assign nlp_cut = "/" | append: page.lang -%}
{%- assign nlp_base = page.url | remove_first: nlp_cut -%}
{%- else -%}
{%- assign nlp_base = page.url -%}
{%- endif -%}
{%- if include.switcher -%}
<nav class="nlp-languages" aria-label="Languages">
<a href="{{ nlp_base | relative_url }}" hreflang="{{ nlp_home }}" lang="{{ nlp_home }}"{% unless page.translation_of %} aria-current="page"{% endunless %}>{{ nlp_home }}</a>
{%- for nlp_lang in nlp_langs %}
<a href="{{ '/' | append: nlp_lang | append: nlp_base | relative_url }}" hreflang="{{ nlp_lang }}" lang="{{ nlp_lang }}"{% if page.lang == nlp_lang and page.translation_of %} aria-current="page"{% endif %}>{{ nlp_lang }}</a>
{%- endfor %}
</nav>
{%- else -%}
<link rel="alternate" hreflang="{{ nlp_home }}" href="{{ nlp_base | absolute_url }}">
{%- for nlp_lang in nlp_langs %}
<link rel="alternate" hreflang="{{ nlp_lang }}" href="{{ '/' | append: nlp_lang | append: nlp_base | absolute_url }}">
{%- endfor %}
{%- endif -%}
{%- endif -%}
"""
