"""Build a real Jekyll site from enriched and translated posts, and check the pages.

    python scripts/jekyll_site.py OUT [--corpus ../shared/corpus] [--models DIR] [--browser]

Copies the posts into OUT/_posts, runs ``nlp enrich --to en,ja`` on all of them and
``nlp translate --to en,ja`` on the first ``--translate`` (default 40), with the tiny
models (built into DIR, or a temporary folder), runs ``nlp site init``, writes a
minimal site whose post layout renders ``page.summary``, ``page.keywords`` and
``page.title_en`` and holds the two include lines, runs ``jekyll build``, and checks
that every enriched post's page holds its summary and that every hreflang link and
switcher link of every page points to a page that was built.  With ``--browser`` it also
serves the site on 127.0.0.1 and opens pages in headless Chromium (Debian's
``chromium``): the links of the DOM Chromium renders must answer 200.
Prints one JSON line; exit code 1 on any failure.
Needs Debian's ``jekyll`` package (``apt-get install jekyll``), and ``chromium`` for --browser.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

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
<meta name="keywords" content="{{ page.keywords | join: ',' | escape }}">
{% include nlp-alternates.html %}</head>
<body>
{% include nlp-alternates.html switcher=true %}
<h1>{{ page.title }}</h1>
<p class="title-en">{{ page.title_en }}</p>
<p class="summary">{{ page.summary }}</p>
<ul class="keywords">{% for k in page.keywords %}<li>{{ k }}</li>{% endfor %}</ul>
{{ content }}
</body></html>
"""


def nlp(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nlp", *args], capture_output=True, text=True)


_HREF = re.compile(r'<(link|a)\b[^>]*\bhreflang="([^"]+)"[^>]*\bhref="([^"]+)"|<(link|a)\b[^>]*\bhref="([^"]+)"[^>]*\bhreflang="([^"]+)"')


def language_links(page_html: str) -> list[tuple[str, str, str]]:
    """``(tag, hreflang, href)`` of the alternate links and switcher anchors of a page."""
    out = []
    for match in _HREF.finditer(page_html):
        tag, lang, href = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (
            match.group(4), match.group(6), match.group(5))
        out.append((tag, lang, html.unescape(href)))
    return out


def built_file(root: Path, href: str) -> Path | None:
    """The file of ``_site`` that a root-relative link serves, or None."""
    path = unquote(urlsplit(href).path)
    target = root / path.lstrip("/")
    for candidate in (target, target / "index.html", target.with_name(target.name + ".html")):
        if candidate.is_file():
            return candidate
    return None


def check_links(root: Path, pages: list[Path]) -> dict:
    alternates = switchers = 0
    broken: list[str] = []
    linked: list[str] = []
    for page in pages:
        links = language_links(page.read_text(encoding="utf-8"))
        if not links:
            continue
        linked.append("/" + str(page.parent.relative_to(root)) + "/")
        for tag, lang, href in links:
            alternates += tag == "link"
            switchers += tag == "a"
            if built_file(root, href) is None:
                broken.append(f"{page.relative_to(root)} -> {href}")
    return {"alternate_links": alternates, "switcher_links": switchers, "broken_links": broken[:20],
            "linked_pages": sorted(linked)}


def browse(root: Path, paths: list[str]) -> dict:
    """Serve ``root`` on 127.0.0.1, render each path in headless Chromium, and request
    every language link of the rendered DOM."""
    import functools
    import http.server
    import threading
    import urllib.request

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {"ok": False, "error": "chromium is not installed: apt-get install chromium"}
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rendered = followed = 0
    failures: list[str] = []
    try:
        for path in paths:
            url = base + quote(path)
            dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url],
                                 capture_output=True, text=True, timeout=60).stdout
            links = language_links(dom)
            if not links:
                failures.append(f"{path}: no language links in the rendered page")
                continue
            rendered += 1
            for _, _, href in links:
                target = href if href.startswith("http") else base + quote(unquote(href))
                try:
                    with urllib.request.urlopen(target, timeout=10) as answer:
                        followed += answer.status == 200
                except OSError as exc:
                    failures.append(f"{path} -> {href}: {exc}")
    finally:
        server.shutdown()
    return {"ok": rendered == len(paths) and not failures and followed > 0, "pages": rendered,
            "links_followed": followed, "failures": failures[:10]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--models", type=Path, default=None)
    parser.add_argument("--translate", type=int, default=40, help="how many posts to translate whole (NAME.en.md)")
    parser.add_argument("--browser", action="store_true", help="also check the links in headless Chromium")
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
    translated = nlp("translate", *sample, "--to", "en,ja", *flags)
    site_init = nlp("site", "init", str(site))
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
    links = check_links(site / "_site", pages)
    result.update(pages=len(pages), enriched_posts_checked=checked, missing=missing, site_init=site_init.returncode,
                  **links)
    ok = (build.returncode == 0 and checked > 0 and missing == 0 and enriched.returncode == 0
          and site_init.returncode == 0 and links["alternate_links"] > 0 and not links["broken_links"])
    if args.browser and ok:
        result["browser"] = browse(site / "_site", links["linked_pages"][:12])
        ok = ok and result["browser"]["ok"]
    result["linked_pages"] = len(links["linked_pages"])
    result["ok"] = ok
    print(json.dumps(result, ensure_ascii=False))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
