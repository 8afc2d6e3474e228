"""`nlp report`: a run's JSON as one static page (issue 16)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from nlp.config import Config
from nlp.pipeline.enrich import enrich
from nlp.pipeline.report_html import render_report

from .conftest import FakeTranslator


def run_report(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    body = "<p>港务局周一宣布，港口将扩建两个码头。扩建后，港口吞吐量将增加一半。</p>\n"
    (posts / "2024-01-01-a.md").write_text(f"---\ntitle: 港口\nauthor: 港口日报\n---\n{body}", encoding="utf-8")
    (posts / "2024-01-02-b.md").write_text(f"---\ntitle: 码头\nfrom: https://news.example.org/x\nsummary: 作者的摘要。\n---\n{body}",
                                           encoding="utf-8")
    (posts / "2024-01-03-bad.md").write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    (posts / "notes.md").write_text("no front matter\n", encoding="utf-8")
    report = enrich([posts], Config(to=("en",)), translators={"en": FakeTranslator("en")})
    data = json.loads(json.dumps(report.as_dict()))  # what --report writes
    data["translation"] = {"en": {"units": 9, "memory_hits": 1, "model_inputs": 8, "passthrough": 0, "retried": 1,
                                  "degenerate": 1, "examples": [{"source": "港口<扩建>", "output": "port port port",
                                                                 "problem": "repeats"}]}}
    return data


def test_the_page_shows_what_a_maintainer_needs(tmp_path):
    data = run_report(tmp_path)
    assert data["job"] == "enrich" and len(data["posts"]) == 4 and data["started"] > 0
    page = render_report(data, "run.json")
    assert "<svg" in page and "Throughput over time" in page
    assert "港口日报" in page and "news.example.org" in page  # posts per outlet
    assert "2024-01-03-bad.md" in page and "invalid YAML front matter" in page  # failures with their reason
    assert "not a post (no front matter)" in page  # skip reasons
    assert "港口&lt;扩建&gt;" in page and "port port port" in page  # degenerate output beside its source, escaped
    assert "2024-01-02-b.md" in page and ">summary<" in page  # the author's summary kept
    assert "Slowest posts" in page
    data["summary_fallbacks"] = {"number": 2}
    assert "<td>number</td><td class=\"num\">2</td>" in render_report(data, "run.json")  # LLM summaries replaced
    assert "no sentence held an inline element" in page
    data["inline"] = {"nodes": 12, "empty": 0, "by_length": 5, "unanchored": 3}
    assert "<td class=\"num\">12</td><td class=\"num\">5</td><td class=\"num\">3</td>" in render_report(data, "run.json")
    # static: no script, nothing fetched from elsewhere
    assert "<script" not in page and not re.search(r'(?:src|href)="(?:https?:)?//', page)


def test_the_command_writes_the_page_and_refuses_what_is_not_a_report(tmp_path):
    data = run_report(tmp_path)
    (tmp_path / "run.json").write_text(json.dumps(data), encoding="utf-8")
    run = [sys.executable, "-m", "nlp", "report"]
    done = subprocess.run(run + [str(tmp_path / "run.json"), "-o", str(tmp_path / "r.html")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    (tmp_path / "old.json").write_text(json.dumps({"done": 1, "skipped": 0, "failed": 0}), encoding="utf-8")
    done = subprocess.run(run + [str(tmp_path / "old.json"), "-o", str(tmp_path / "o.html")], capture_output=True, text=True)
    assert done.returncode == 1 and "without per-post records" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    done = subprocess.run(run + [str(tmp_path / "junk.json"), "-o", str(tmp_path / "j.html")], capture_output=True, text=True)
    assert done.returncode == 1 and "not a run report" in done.stderr
    done = subprocess.run(run + [str(tmp_path / "run.json"), "-o", str(tmp_path / "missing" / "r.html")],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
