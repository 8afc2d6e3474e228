"""Hostile input: every case ends in a correct result or a one-line error naming the
file; never a traceback, never a changed or truncated original."""

from __future__ import annotations

import pytest

import errno
import os
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.pipeline.enrich import enrich
from nlp.posts.post import parse_post

from .conftest import ROOT

GOOD_BODY = "<p>政府今天宣布新的经济政策，市场反应积极。</p><p>专家认为通货膨胀将在明年放缓。</p>\n"

# name -> (bytes, expected: "done" | "failed" | "skipped"); each case says why it exists.
NASTY: dict[str, tuple[bytes, str]] = {
    "bom.md": (("\ufeff---\ntitle: 带BOM的文章\n---\n" + GOOD_BODY).encode(), "done"),
    "crlf.md": (("---\r\ntitle: Windows换行\r\n---\r\n" + GOOD_BODY.replace("\n", "\r\n")).encode(), "done"),
    "no-newline.md": (("---\ntitle: 没有结尾换行\n---\n" + GOOD_BODY.rstrip("\n")).encode(), "done"),
    "dashes-in-body.md": (("---\ntitle: 正文有分隔线\n---\n" + GOOD_BODY + "---\n<p>另一段。</p>\n---\n").encode(), "done"),
    "anchors.md": (("---\nbase: &b {a: 1}\nother: *b\ntitle: 锚点\n---\n" + GOOD_BODY).encode(), "done"),
    "tab-indent.md": (("---\ntitle: x\nmeta:\n\tkey: 1\n---\n" + GOOD_BODY).encode(), "failed"),
    "huge-front-matter.md": (("---\ntitle: 大量字段\n" + "".join(f"k{i}: {'值' * 50}\n" for i in range(20000)) + "---\n" + GOOD_BODY).encode(), "done"),
    "latin1.md": (b"---\ntitle: caf\xe9\n---\n<p>caf\xe9</p>\n", "failed"),
    "zero.md": (b"", "skipped"),  # in a folder, like any file without front matter
    "binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "failed"),
    "only-open.md": (b"---\ntitle: never closed\n", "failed"),
    "list-front-matter.md": (b"---\n- a\n- b\n---\nbody\n", "failed"),
    # the author's own keywords are kept as they are, and the post gets the rest (issue 16)
    "theirs.md": (("---\ntitle: 作者自己的关键词\nkeywords: [甲, 乙]\n---\n" + GOOD_BODY).encode(), "done"),
    "long-sentence.md": (("---\ntitle: 超长句子\n---\n<p>" + "经济学家认为市场需要更多透明度" * 3500 + "。</p>\n").encode(), "done"),
    "nested.md": (("---\ntitle: 深层嵌套\n---\n" + "<div>" * 5000 + "深处的文字。" + "</div>" * 5000 + "\n").encode(), "done"),
    "unclosed.md": ("---\ntitle: 未闭合\n---\n<div><p>没有闭合的段落。<span>还有<b>更多<p>文字。\n".encode(), "done"),
    "illegal:name?.md": (("---\ntitle: 文件名\n---\n" + GOOD_BODY).encode(), "done"),
    "new\nline.md": (("---\ntitle: 换行文件名\n---\n" + GOOD_BODY).encode(), "done"),
    "empty-body.md": ("---\ntitle: \n---\n".encode(), "skipped"),
    "null-title.md": (("---\ntitle:\n---\nnull\n" + GOOD_BODY).encode(), "done"),
}


def write_cases(folder):
    folder.mkdir(exist_ok=True)
    for name, (data, _) in NASTY.items():
        (folder / name).write_bytes(data)
    (folder / "link.md").symlink_to(folder / "bom.md")
    (folder / "dangling.md").symlink_to(folder / "missing-target.md")
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.exists()}


def test_nasty_cases(tmp_path):
    folder = tmp_path / "nasty"
    before = write_cases(folder)
    report = enrich([folder])
    by_name = {os.path.basename(r.path): r for r in report.results}
    for name, (_, expected) in NASTY.items():
        assert by_name[name].status == expected, (name, by_name[name])
        if expected == "failed":
            assert (folder / name).read_bytes() == before[name], name
            assert by_name[name].reason and "\n" not in by_name[name].reason
    assert by_name["dangling.md"].status == "failed" and "cannot read" in by_name["dangling.md"].reason
    assert by_name["theirs.md"].kept == ("keywords",)
    assert (folder / "theirs.md").read_text(encoding="utf-8").count("keywords: [甲, 乙]\n") == 1
    tried = 0
    for path in folder.iterdir():
        if path.is_symlink() or not path.exists() or by_name[path.name].status != "done":
            continue
        tried += 1
        old, new = parse_post(before[path.name]), parse_post(path.read_bytes())
        assert new.front_matter.startswith(old.front_matter) and new.body == old.body, path.name
        assert new.meta["nlp"]
    assert tried >= 12
    assert (folder / "link.md").is_symlink()  # the link survives; its target was enriched
    print(f"nasty cases tried: {len(NASTY) + 2}, failures of the tool: 0")


def test_cli_never_prints_a_traceback(tmp_path):
    folder = tmp_path / "nasty"
    write_cases(folder)
    done = subprocess.run([sys.executable, "-m", "nlp", "enrich", str(folder)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "NLP_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    failed = [line for line in done.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed) == sum(1 for _, e in NASTY.values() if e == "failed") + 1  # + the dangling link


def test_full_disk_and_read_only_output_fail_cleanly(tmp_path, monkeypatch, examples_copy):
    before = {p: p.read_bytes() for p in examples_copy.iterdir()}
    real_replace = os.replace

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    report = enrich([examples_copy])
    assert report.count("failed") == 3
    assert all(r.reason == "cannot write: No space left on device" for r in report.failures)
    assert {p: p.read_bytes() for p in examples_copy.iterdir()} == before  # no temp files left either
    monkeypatch.setattr(os, "replace", real_replace)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr("tempfile.mkstemp", read_only)
    report = enrich([examples_copy], out=tmp_path / "out")
    assert report.count("failed") == 3 and "Read-only file system" in report.failures[0].reason
    assert {p: p.read_bytes() for p in examples_copy.iterdir()} == before


def test_two_runs_at_once_cooperate(tmp_path, corpus_copy):
    """Writes are atomic and the output is deterministic: concurrent runs leave every
    post in one consistent enriched state."""
    env = {**os.environ, "NLP_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.Popen([sys.executable, "-m", "nlp", "enrich", str(corpus_copy), "--workers", "1"],
                             env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate()[1] for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    snapshot = {p: p.read_bytes() for p in corpus_copy.rglob("*") if p.is_file()}
    again = enrich([corpus_copy])
    assert again.count("done") == 0
    assert {p: p.read_bytes() for p in corpus_copy.rglob("*") if p.is_file()} == snapshot
    assert not [p for p in corpus_copy.rglob("*.nlp-tmp")]


front_matter_values = st.one_of(
    st.text(max_size=30), st.integers(), st.booleans(), st.none(), st.lists(st.text(max_size=8), max_size=3),
)
bodies = st.lists(
    st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<br>", "政府宣布", "新政策。", "---\n", "\r\n", "\n", "&amp;",
                     "<script>x</script>", "[链接](http://x)", "\t", "\ufeff", "\u3000", "<", "**粗**", "null"]),
    max_size=30,
).map("".join)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), front_matter_values, max_size=5),
       body=bodies, crlf=st.booleans(), bom=st.booleans())
@pytest.mark.slow
def test_generated_posts_keep_every_original_byte(tmp_path_factory, meta, body, crlf, bom):
    import yaml

    meta.pop("nlp", None)
    for key in ("summary", "keywords", "title_en", "title_ja", "summary_en", "summary_ja", "keywords_en", "keywords_ja"):
        meta.pop(key, None)
    folder = tmp_path_factory.mktemp("gen")
    head = yaml.safe_dump(meta, allow_unicode=True) if meta else ""
    text = ("\ufeff" if bom else "") + "---\n" + head + "---\n" + body
    if crlf:
        text = text.replace("\n", "\r\n")
    path = folder / "post.md"
    path.write_bytes(text.encode("utf-8"))
    report = enrich([folder])
    result = report.results[0]
    after = path.read_bytes()
    if result.status != "done":
        assert after == text.encode("utf-8")
        return
    old, new = parse_post(text.encode("utf-8")), parse_post(after)
    assert new.front_matter.startswith(old.front_matter) and new.body == old.body
    assert after.startswith(text.encode("utf-8")[: len(text[: old.fm_end].encode("utf-8"))])
    assert enrich([folder]).count("done") == 0
