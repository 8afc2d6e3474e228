"""``--engine ray`` (a local Ray instance, tiny models) writes exactly what the local engine writes."""

from __future__ import annotations

import json
import shutil

import ray  # noqa: F401  - part of the test install (.[all]); a missing Ray must fail, not skip

from nlp.cli import main

from .conftest import CORPUS


def tree(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_ray_engine_writes_the_same_files_as_the_local_engine(corpus_copy, tiny_models, tmp_path, monkeypatch):
    local = corpus_copy
    on_ray = tmp_path / "on-ray"
    shutil.copytree(CORPUS, on_ray)
    models = ["-m", f"zh-en={tiny_models / 'zh-en'}", "-m", f"zh-ja={tiny_models / 'zh-ja'}"]
    args = ["enrich", "--to", "en,ja", *models]

    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "cache-local"))
    assert main([*args, str(local), "--report", str(tmp_path / "local.json")]) == 0
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "cache-ray"))  # no shared translation memory
    assert main([*args, str(on_ray), "--engine", "ray", "--workers", "2", "--report", str(tmp_path / "ray.json")]) == 0

    local_report = json.loads((tmp_path / "local.json").read_text())
    ray_report = json.loads((tmp_path / "ray.json").read_text())
    assert local_report["done"] == ray_report["done"] > 200
    assert (local_report["skipped"], local_report["failed"]) == (ray_report["skipped"], ray_report["failed"])
    assert ray_report["translation"]["ja"]["model_inputs"] > 0
    written_here, written_on_ray = tree(local), tree(on_ray)
    assert written_here.keys() == written_on_ray.keys()
    differing = [str(path) for path in written_here if written_here[path] != written_on_ray[path]]
    assert differing == []
    assert sum(b"title_ja: " in text for text in written_on_ray.values()) > 200

    # The run state is shared by both engines: a second Ray run skips every post unread.
    assert main([*args, str(on_ray), "--engine", "ray", "--report", str(tmp_path / "again.json")]) == 0
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["done"] == 0 and again["failed"] == 0
    assert tree(on_ray) == written_on_ray


def test_engine_and_address_are_checked(capsys, examples_copy):
    assert main(["enrich", str(examples_copy), "--engine", "spark"]) == 2  # a usage error, before any work
    assert "'spark' is not one of 'local', 'ray'" in capsys.readouterr().err
    assert main(["enrich", str(examples_copy), "--address", "auto"]) == 1
    assert "--address needs --engine ray" in capsys.readouterr().err


def test_ray_translate_writes_the_same_siblings_as_the_local_engine(tiny_models, tmp_path, monkeypatch):
    posts = [p for p in sorted(CORPUS.rglob("*.md")) if p.name != "README.md"][:24]  # whole-corpus bodies: minutes
    local, on_ray = tmp_path / "local", tmp_path / "on-ray"
    for root in (local, on_ray):
        root.mkdir()
        for post in posts:
            shutil.copy(post, root / post.name)
    models = ["-m", f"zh-en={tiny_models / 'zh-en'}", "-m", f"zh-ja={tiny_models / 'zh-ja'}"]
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "cache-local"))
    assert main(["translate", str(local), "--to", "en,ja", *models, "--workers", "2"]) == 0
    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "cache-ray"))
    assert main(["translate", str(on_ray), "--to", "en,ja", *models, "--engine", "ray"]) == 0
    written_here, written_on_ray = tree(local), tree(on_ray)
    assert sum(p.name.endswith(".ja.md") for p in written_here) >= 20
    assert written_here == written_on_ray


def test_errors_cross_process_boundaries():
    import pickle

    from nlp.errors import ModelMissingError, PostError

    for error in (ModelMissingError("zh-en", "Helsinki-NLP/opus-mt-zh-en", "the cache"), PostError("a.md", "bad")):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and str(again) == str(error)


def test_missing_model_on_ray_is_one_clear_line(capsys, examples_copy):
    before = tree(examples_copy)
    assert main(["enrich", str(examples_copy), "--engine", "ray", "--to", "en"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("Error: model zh-en (Helsinki-NLP/opus-mt-zh-en) is not available")
    assert "nlp models pull zh-en" in err
    assert tree(examples_copy) == before
