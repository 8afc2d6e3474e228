"""Build a real Jekyll site from enriched and translated posts, and check the pages.

    python scripts/jekyll_site.py OUT [--corpus ../shared/corpus] [--models DIR]

Copies the posts into OUT/_posts, runs ``nlp enrich --to en,ja`` on all of them and
``nlp translate --to en`` on the first ``--translate`` (default 40), with the tiny
models (built into DIR, or a temporary folder), writes a
minimal site whose post layout renders ``page.summary``, ``page.keywords`` and
``page.title_en``, runs ``jekyll build``, and checks that every enriched post's page
holds its summary.  Prints one JSON line; exit code 1 on any failure.
Needs Debian's ``jekyll`` package (``apt-get install jekyll``).
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """title: nlp test site
markdown: kramdown
permalink: /:year/:month/:day/:title/
exclude: [README.md, MANIFEST.tsv]
"""

LAYOUT = """<!DOCTYPE html>
<html lang="{{ page.lang | default: 'zh' }}">
<head><meta charset="utf-8"><title>{{ page.title }}</title>
<meta name="description" content="{{ page.summary | escape }}">
<meta name="keywords" content="{{ page.keywords | join: ',' | escape }}"></head>
<body>
<h1>{{ page.title }}</h1>
<p class="title-en">{{ page.title_en }}</p>
<p class="summary">{{ page.summary }}</p>
<ul class="keywords">{% for k in page.keywords %}<li>{{ k }}</li>{% endfor %}</ul>
{{ content }}
</body></html>
"""


def nlp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nlp", *args], capture_output=True, text=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--models", type=Path, default=None)
    parser.add_argument("--translate", type=int, default=40, help="how many posts to translate whole (NAME.en.md)")
    args = parser.parse_args()
    if shutil.which("jekyll") is None:
        print(json.dumps({"ok": False, "error": "jekyll is not installed: apt-get install jekyll"}))
        sys.exit(1)
    site = args.out
    if site.exists():
        shutil.rmtree(site)
    (site / "_layouts").mkdir(parents=True)
    (site / "_config.yml").write_text(CONFIG, encoding="utf-8")
    (site / "_layouts" / "post.html").write_text(LAYOUT, encoding="utf-8")
    posts = site / "_posts"
    posts.mkdir()
    for path in args.corpus.rglob("*.md"):
        if path.name != "README.md" and "\n" not in path.name:  # Jekyll cannot route a name with a newline
            shutil.copy2(path, posts / path.name)
    models = args.models or Path(tempfile.mkdtemp())
    if not (models / "zh-en").is_dir():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_tiny_models.py"), str(models)],
                       check=True, capture_output=True)
    flags = ["--model", f"zh-en={models / 'zh-en'}", "--model", f"zh-ja={models / 'zh-ja'}", "--backend", "ctranslate2"]
    enriched = nlp("enrich", str(posts), "--to", "en,ja", *flags)
    # whole-post translation of a slice keeps the run short; enrich --to covers every post
    sample = sorted(str(p) for p in posts.glob("*.md"))[: args.translate]
    translated = nlp("translate", *sample, "--to", "en", *flags)
    build = subprocess.run(["jekyll", "build", "--source", str(site), "--destination", str(site / "_site")],
                           capture_output=True, text=True)
    result = {
        "enrich": enriched.stderr.strip().splitlines()[-1:] ,
        "translate": translated.stderr.strip().splitlines()[-1:],
        "jekyll_exit": build.returncode,
        "jekyll_tail": build.stderr.strip().splitlines()[-5:],
    }
    pages = list((site / "_site").rglob("index.html")) if build.returncode == 0 else []
    checked = missing = 0
    if pages:
        bodies = "\n".join(page.read_text(encoding="utf-8") for page in pages)
        from nlp.posts.post import read_post

        for path in posts.glob("*.md"):
            post = read_post(path)
            summary = post.meta.get("summary")
            if not summary:
                continue
            checked += 1
            needles = [html.escape(str(summary), quote=False)[:40], str(post.meta.get("title_en", ""))[:20]]
            if not all(n in bodies or html.escape(n) in bodies for n in needles if n):
                missing += 1
    result.update(pages=len(pages), enriched_posts_checked=checked, missing=missing,
                  ok=build.returncode == 0 and checked > 0 and missing == 0 and enriched.returncode == 0)
    print(json.dumps(result, ensure_ascii=False))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
