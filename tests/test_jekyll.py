"""A real Jekyll build of the enriched and translated sample (issue: what we write must build)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import CORPUS, ROOT


def test_jekyll_builds_the_enriched_and_translated_corpus(tmp_path, tiny_models):
    if shutil.which("jekyll") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's jekyll package (.ci/run does)")
        pytest.skip("Debian's jekyll package is not installed here (apt-get install jekyll)")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "jekyll_site.py"), str(tmp_path / "site"), "--corpus", str(CORPUS),
         "--models", str(tiny_models)],
        capture_output=True, text=True, env={**os.environ, "NLP_CACHE_DIR": str(tmp_path / "cache")},
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0 and result["ok"], result
    assert result["enriched_posts_checked"] >= 200 and result["pages"] >= 250  # 219 posts + 40 translations
