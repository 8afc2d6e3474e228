"""``--engine ray`` (a local Ray instance, tiny models) writes exactly what the local engine writes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

import ray  # noqa: F401  - part of the test install (.[all]); a missing Ray must fail, not skip

from nlp.cli import main

from .conftest import CORPUS


def tree(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
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


@pytest.mark.slow
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


def _ray_processes() -> int:
    done = subprocess.run(["ps", "-eo", "cmd"], capture_output=True, text=True)
    return sum(1 for line in done.stdout.splitlines() if "raylet" in line or "gcs_server" in line or "ray::" in line)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_a_ray_run_cleanly(corpus_copy, tmp_path, signum):
    """Ctrl-C (to the process group) or kill (to the driver) once posts are being written."""
    before = _ray_processes()
    env = {**os.environ, "NLP_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen([sys.executable, "-m", "nlp", "enrich", str(corpus_copy), "--engine", "ray"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    posts = [p for p in sorted(corpus_copy.rglob("*.md")) if p.name != "README.md"]
    deadline = time.monotonic() + 180
    while process.poll() is None and time.monotonic() < deadline:
        if any(b"\nnlp: " in p.read_bytes() for p in posts[:40]):
            break
        time.sleep(0.2)
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    if process.returncode != 0:  # (a fast machine may have finished first)
        assert process.returncode == 128 + signum, stderr
        assert stderr.strip().splitlines()[-2] == "Interrupted.", stderr
        assert time.monotonic() - sent < 5
    assert "Traceback" not in stderr
    time.sleep(2)
    assert _ray_processes() <= before
    again = subprocess.run([sys.executable, "-m", "nlp", "enrich", str(corpus_copy)], capture_output=True, text=True,
                           env=env, timeout=600)
    assert again.returncode == 0 and " 0 failed" in again.stderr


@pytest.mark.slow
def test_ray_actors_hold_an_llm_and_write_what_the_local_engine_writes(tiny_models, examples_copy, tmp_path, monkeypatch):
    """The quality tier on Ray: the model actors hold the decoder-only translator, the
    workers the LLM summarizer; the files are the local engine's, byte for byte."""
    on_ray = tmp_path / "on-ray"
    shutil.copytree(examples_copy, on_ray)
    llm = str(tiny_models / "llm")
    args = ["--to", "en", "-m", f"zh-en={llm}"]
    for root, engine in ((examples_copy, []), (on_ray, ["--engine", "ray"])):
        monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / f"cache-{root.name}"))
        assert main(["enrich", str(root), *args, "--summarizer", llm, *engine]) == 0
        assert main(["translate", str(root), *args, *engine]) == 0
    assert tree(examples_copy) == tree(on_ray)
    assert sum(p.name.endswith(".en.md") for p in tree(on_ray)) == 3


@pytest.mark.parametrize("forkable, asked, expected", [(True, 0, 7), (False, 0, 1), (False, 3, 3)])
def test_ray_prepares_with_one_actor_when_a_model_summarizes(forkable, asked, expected):
    """Each prepare actor rebuilds the stages, so each would load a model summarizer: one
    actor unless --workers asks for more (the extractive path takes the free CPUs)."""
    from types import SimpleNamespace

    from nlp.config import Config
    from nlp.pipeline.ray_runner import RayRunner

    runner = object.__new__(RayRunner)  # no cluster: only the sizing is under test
    runner.config, runner.cpus, runner.gpus, runner.pool = Config(workers=asked), 8, 0, object()
    runner.start(SimpleNamespace(forkable=forkable), posts=500)
    assert runner.workers == expected
