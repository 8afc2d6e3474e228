"""Every way a run can go wrong, as a user meets it: the real ``nlp`` command in a
subprocess, its exit code, its last lines, what it leaves behind."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main

from nlp.cli import app, main

from .conftest import CORPUS, EXAMPLES

NLP = [sys.executable, "-m", "nlp"]


def nlp(*args: str, umask: int | None = None, **kwargs) -> subprocess.CompletedProcess:
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([*NLP, *map(str, args)], capture_output=True, text=True, timeout=300, preexec_fn=preexec,
                          **kwargs)


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr[-3000:]


def tree(root: Path) -> dict:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """40 real posts: enough for a run that lasts a few seconds, with worker processes."""
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    folder = tmp_path_factory.mktemp("sample") / "posts"
    folder.mkdir()
    for path in sorted(CORPUS.rglob("*.md"))[:40]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def clean_run(sample, tmp_path_factory) -> dict:
    """What an uninterrupted run writes."""
    target = tmp_path_factory.mktemp("clean") / "posts"
    shutil.copytree(sample, target)
    cache = tmp_path_factory.mktemp("clean-cache")
    done = nlp("enrich", target, "--workers", "2", env={**os.environ, "NLP_CACHE_DIR": str(cache)})
    assert done.returncode == 0, done.stderr
    return tree(target)


def group_members(pgid: int) -> list[int]:
    """Processes still alive (not zombies) in process group ``pgid``."""
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive.append(int(entry.name))
    return alive


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 120.0) -> None:
    """Until ``path`` exists: how long a start takes depends on the machine (a fresh clone
    compiles every module first), so a test that means to stop a running batch waits for it."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"it ended before {path.name} appeared: {process.communicate()[1]}"
        assert time.monotonic() < deadline, f"no {path} after {timeout:.0f}s"
        time.sleep(0.02)


def holds_open(pgid: int, path: Path) -> bool:
    """Whether a process of group ``pgid`` has ``path`` open."""
    for pid in group_members(pgid):
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if Path(os.readlink(fd)) == path.resolve():
                    return True
            except OSError:
                continue
    return False


@pytest.mark.parametrize("workers, signum, started, after", [
    (1, signal.SIGINT, True, 0.8),  # the 40 posts take about 2 s in one process, 1 s in two
    (2, signal.SIGINT, True, 0.1),
    (2, signal.SIGINT, True, 0.5),
    (2, signal.SIGTERM, True, 0.3),
    (1, signal.SIGTERM, False, 0.3),  # while the command starts
])
def test_a_signal_stops_the_run_cleanly_and_a_rerun_resumes(sample, clean_run, tmp_path, workers, signum, started,
                                                           after):
    target = tmp_path / "posts"
    shutil.copytree(sample, target)
    env = {**os.environ, "NLP_CACHE_DIR": str(tmp_path / "cache")}
    process = subprocess.Popen([*NLP, "enrich", str(target), "--workers", str(workers)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    if started:  # the batch opens its run state once it has counted the posts
        wait_for(tmp_path / "cache" / "runs.sqlite3", process)
    time.sleep(after)
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)  # as a terminal's Ctrl-C: the whole process group
    else:
        process.send_signal(signum)  # as `kill PID`
    _, stderr = process.communicate(timeout=60)
    took = time.monotonic() - sent
    finished_first = "failed in" in stderr and "Interrupted." not in stderr
    if not started and process.returncode == -signum:
        # it came before the interpreter had run any of our code (a slow start): the
        # signal's default action ended it, which a shell reports as 128 + signum too
        assert stderr == ""
    elif not finished_first:
        assert process.returncode == 128 + signum, stderr
        lines = stderr.strip().splitlines()
        if started or lines[-1] != "Interrupted.":  # the batch had started: its counts follow
            assert lines[-2] == "Interrupted." and " done, " in lines[-1], stderr
        # else stopped while starting (how far a start gets in 0.3 s depends on the machine's
        # load): nothing to count
        assert took < 3.0, f"took {took:.1f}s to stop"
    assert "Traceback" not in stderr, stderr
    time.sleep(0.5)
    assert group_members(process.pid) == [], "processes left behind"
    assert not list(target.rglob("*.nlp-tmp")), "a temporary file was left"
    again = subprocess.run([*NLP, "enrich", str(target), "--workers", str(workers)], capture_output=True, text=True,
                           env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert tree(target) == clean_run


@pytest.mark.parametrize("argv", [
    [],
    ["enrich"],
    ["enrich", "--bogus", "x"],
    ["keywords", "-k", "0", "-"],
    ["idf"],
    ["models"],
    ["enrich", "x", "--backend", "foo"],
    ["enrich", "x", "--device", "foo"],
    ["translate", "x", "--engine", "spark"],
    ["enrich", "x", "--workers", "-1"],
    ["summarize", "--max-chars", "5", "-"],
    ["idf", "build", "x"],
])
def test_usage_errors_print_usage_and_exit_2(argv):
    done = nlp(*argv, input="")
    no_traceback(done)
    assert done.returncode == 2, (argv, done.stderr)
    assert "Usage: nlp" in done.stderr or "Usage: nlp" in done.stdout


def test_unwritable_outputs_are_one_line_errors(tmp_path, examples_copy):
    missing = tmp_path / "no-such-folder"
    cases = [
        (["enrich", examples_copy, "--report", missing / "run.json"], "cannot write the report"),
        (["idf", "build", examples_copy, "-o", missing / "idf.tsv"], "cannot write the IDF table"),
        (["enrich", examples_copy, "--report", tmp_path], "is a folder"),
    ]
    for argv, message in cases:
        before = tree(examples_copy)
        done = nlp(*argv)
        no_traceback(done)
        assert done.returncode == 1 and done.stderr.startswith("Error: ") and message in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert tree(examples_copy) == before  # checked before any work


def test_written_files_honour_the_umask(tmp_path):
    for umask, expected in ((0o022, 0o644), (0o077, 0o600)):
        posts = tmp_path / f"posts-{umask:o}"
        shutil.copytree(EXAMPLES, posts)
        in_place = sorted(posts.glob("*.md"))[0]
        os.chmod(in_place, 0o640)
        out = tmp_path / f"out-{umask:o}"
        assert nlp("enrich", posts, "--out", out, umask=umask).returncode == 0
        assert {stat.S_IMODE(p.stat().st_mode) for p in out.glob("*.md")} == {expected}
        assert nlp("enrich", in_place, umask=umask).returncode == 0
        assert stat.S_IMODE(in_place.stat().st_mode) == 0o640  # in place: the original's mode


def test_translated_siblings_honour_the_umask(examples_copy):
    from nlp.config import Config
    from nlp.pipeline.translate import translate

    from .conftest import FakeTranslator

    old = os.umask(0o027)
    try:
        assert translate([examples_copy], Config(to=("en",), workers=1), translators={"en": FakeTranslator()}).count("done") == 3
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in examples_copy.glob("*.en.md")} == {0o640}


@pytest.mark.slow
def test_cuda_without_cuda_is_one_line(tiny_models, examples_copy):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    done = nlp("enrich", examples_copy, "--to", "en", "--device", "cuda", "-m", f"zh-en={tiny_models / 'zh-en'}")
    no_traceback(done)
    assert done.returncode == 1 and done.stderr.startswith("Error: --device cuda: "), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["zh-en", "llm"])
def test_a_compute_type_ctranslate2_cannot_run_is_one_line(tiny_models, examples_copy, tmp_path, kind):
    env = {**os.environ, "NLP_COMPUTE_TYPE": "float12", "NLP_CACHE_DIR": str(tmp_path)}
    done = nlp("translate", examples_copy, "--to", "en", "--backend", "ctranslate2", "-m", f"zh-en={tiny_models / kind}",
               env=env)
    no_traceback(done)
    assert done.returncode == 1 and "cannot compute in float12" in done.stderr and "int8" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def _commands():
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            for sub, subcommand in command.commands.items():
                yield [name, sub], subcommand
        else:
            yield [name], command


def test_no_value_a_user_can_type_gives_a_traceback(tmp_path, capsys, monkeypatch):
    """Each option of each command, missing, empty or nonsense, in-process: whatever
    happens, main() returns an exit code and prints no traceback."""
    import io

    monkeypatch.chdir(tmp_path)  # values such as "@@" are also file names: keep them here
    missing = str(tmp_path / "missing.md")
    for words, command in _commands():
        for param in command.params:
            if not param.opts or param.opts[0] in ("--help", "--version"):
                continue
            flag = param.opts[0]
            values = [[flag]] if getattr(param, "is_flag", False) else [[flag], [flag, ""], [flag, "-1"], [flag, "@@"]]
            for value in values:
                argv = [*words, *value]
                if words[-1] in ("enrich", "translate", "summarize", "keywords", "build"):
                    argv.append(missing)
                if words[-1] == "build" and flag != "--output":
                    argv += ["-o", str(tmp_path / "idf.tsv")]
                monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"))
                code = main(argv)  # an uncaught exception fails the test here, with its argv
                captured = capsys.readouterr()
                assert code in (0, 1, 2), argv
                assert "Traceback" not in captured.err, (argv, captured.err)


def test_out_inside_the_input_is_not_read_as_input(examples_copy):
    out = examples_copy / "enriched"
    first = nlp("enrich", examples_copy, "--out", out)
    assert first.returncode == 0 and "3 done" in first.stderr and len(list(out.glob("*.md"))) == 3
    again = nlp("enrich", examples_copy, "--out", out)
    assert "0 done, 3 skipped" in again.stderr, again.stderr


def test_out_dir_is_complete_when_posts_were_enriched_in_place(examples_copy, tmp_path):
    assert nlp("enrich", examples_copy).returncode == 0
    enriched = tree(examples_copy)
    done = nlp("enrich", examples_copy, "--out", tmp_path / "site")
    assert done.returncode == 0 and "3 done" in done.stderr, done.stderr
    assert tree(tmp_path / "site") == enriched


def test_missing_input_is_named_before_any_model_is_looked_for(tmp_path):
    done = nlp("translate", tmp_path / "nope", "--to", "en", "-m", "zh-en=org/never-looked-up")
    no_traceback(done)
    assert done.returncode == 1 and done.stderr.strip() == f"Error: no such file or folder: {tmp_path / 'nope'}"


def test_unknown_language_lists_the_real_choices(examples_copy):
    for language in ("fr", "ja-pivot"):
        done = nlp("translate", examples_copy, "--to", language)
        assert done.returncode == 1 and done.stderr.strip().endswith("--to takes: en, ja"), done.stderr


def test_offline_without_hf_hub_offline_is_one_quick_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(HF_HOME=str(tmp_path / "hf"), NLP_CACHE_DIR=str(tmp_path / "cache"))
    started = time.monotonic()
    done = subprocess.run([*NLP, "translate", "-", "--to", "en", "-m", "zh-en=nlp-tests/no-such-model"], input="你好。",
                          capture_output=True, text=True, env=env, timeout=120)
    no_traceback(done)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stderr.startswith("Error: model zh-en (nlp-tests/no-such-model) is not available")
    assert time.monotonic() - started < 30


@pytest.mark.slow
def test_pivot_japanese_is_a_first_class_choice(tiny_models, examples_copy):
    done = nlp("translate", examples_copy, "--to", "ja", "--model", "zh-ja=pivot",
               "-m", f"zh-en={tiny_models / 'zh-en'}", "-m", f"en-ja={tiny_models / 'zh-ja'}")
    assert done.returncode == 0, done.stderr
    siblings = sorted(examples_copy.glob("*.ja.md"))
    assert len(siblings) == 3 and not list(examples_copy.glob("*pivot*"))
    text = siblings[0].read_text(encoding="utf-8")
    assert 'lang: "ja"' in text and 'nlp: "pivot(zh-en=' in text


def test_copies_written_into_the_input_by_an_earlier_run_are_not_new_posts(examples_copy):
    from nlp.config import Config
    from nlp.pipeline.results import AN_OUTPUT
    from nlp.pipeline.translate import translate

    from .conftest import FakeTranslator

    assert nlp("enrich", examples_copy, "--out", examples_copy / "copies").returncode == 0
    fake = FakeTranslator()
    report = translate([examples_copy], Config(to=("en",), workers=1), translators={"en": fake})
    assert report.count("done") == 3  # not 6: the copies are outputs of these same posts
    assert sorted(r.reason for r in report.results if r.status == "skipped") == [AN_OUTPUT] * 3
    alone = translate([examples_copy / "copies"], Config(to=("en",), workers=1), translators={"en": fake})
    assert alone.count("done") == 3  # on their own, the copies are the posts to translate


def test_ctrl_c_stops_a_run_that_waits_for_another_runs_lock(sample, tmp_path):
    """Two runs share the cache's run state.  While another run holds its write lock (a
    translate run keeps it between records), Ctrl-C must still stop this one at once:
    SQLite's own busy wait does not return to Python, so a signal waited out the whole
    busy timeout (a minute) before this was fixed."""
    import sqlite3

    from nlp.pipeline.runstate import state_for

    target = tmp_path / "posts"
    shutil.copytree(sample, target)
    cache = tmp_path / "cache"
    state_for(cache).close()  # the file, as an earlier run leaves it
    holder = sqlite3.connect(cache / "runs.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the other run, writing
    try:
        process = subprocess.Popen([*NLP, "enrich", str(target), "--workers", "2"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env={**os.environ, "NLP_CACHE_DIR": str(cache)},
                                   start_new_session=True)
        deadline = time.monotonic() + 120
        while not holds_open(process.pid, cache / "runs.sqlite3"):  # started, and so waiting for the lock
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.05)
        time.sleep(0.5)
        assert process.poll() is None, process.communicate()
        sent = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            pytest.fail("still running 10 s after Ctrl-C")
        took = time.monotonic() - sent
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert process.returncode == 130, stderr
    assert took < 3.0, f"took {took:.1f}s to stop"
    assert "Traceback" not in stderr and stderr.strip().splitlines()[-1].endswith("s"), stderr
    time.sleep(0.5)
    assert group_members(process.pid) == [], "processes left behind"
