"""A real Jekyll build of the enriched and translated sample (what we write must build),
with the include of `nlp site init`: every hreflang and switcher link points to a built
page, in the files and in the DOM headless Chromium renders from a server on 127.0.0.1."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import CORPUS, ROOT


@pytest.mark.slow
def test_jekyll_builds_the_enriched_and_translated_corpus(tmp_path, tiny_models):
    for tool in ("jekyll", "chromium"):
        if shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"CI must install Debian's {tool} package (.ci/run does)")
            pytest.skip(f"Debian's {tool} package is not installed here (apt-get install {tool})")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "jekyll_site.py"), str(tmp_path / "site"), "--corpus", str(CORPUS),
         "--models", str(tiny_models), "--browser"],
        capture_output=True, text=True, env={**os.environ, "NLP_CACHE_DIR": str(tmp_path / "cache")},
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0 and result["ok"], result
    assert result["enriched_posts_checked"] >= 200 and result["pages"] >= 290  # 219 posts + 2 x 40 translations
    assert result["linked_pages"] == 120 and result["alternate_links"] == 360 and result["broken_links"] == []
    assert result["browser"]["pages"] == 12 and result["browser"]["links_followed"] == 72  # 3 link tags + 3 anchors each
