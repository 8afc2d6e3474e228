"""Interrupted runs resume: SIGKILL at random points, rerun, same bytes as a clean run."""

import importlib.util
import os

import pytest

from .conftest import CORPUS, ROOT


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_sigkill_at_random_points_then_rerun_gives_the_same_bytes(corpus_copy, tmp_path):
    kill_resume = load_script("kill_resume")
    for workers, seed in (("1", 7), ("2", 8)):
        result = kill_resume.check(CORPUS, kills=3, seed=seed, extra=["--workers", workers],
                                   env={"NLP_CACHE_DIR": str(tmp_path / "cache")})
        assert result["identical"], result
        assert result["final_run"].endswith("0 failed in " + result["final_run"].split(" in ")[-1])


def test_stale_temp_files_of_killed_runs_are_removed(tmp_path):
    from nlp.posts.files import iter_sources
    from nlp.posts.post import remove_stale_temp

    dead = tmp_path / ".post.md.999999999.abc.nlp-tmp"
    alive = tmp_path / f".post.md.{os.getpid()}.abc.nlp-tmp"
    dead.write_text("half")
    alive.write_text("half")
    list(iter_sources([tmp_path]))
    assert not dead.exists() and alive.exists()
    assert remove_stale_temp(tmp_path / "other.md") is False
