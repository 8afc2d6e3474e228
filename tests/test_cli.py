"""What users see: stdout, `Error: ...` lines and exit codes."""

import io
import json
import re
import sys


from nlp.cli import app, main

from .conftest import ROOT


def run(capsys, monkeypatch, *argv, stdin=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8"))
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


TEXT = "亚马逊宣布扩大云服务投资。云服务需求持续增长。互联汽车需要云服务支持。"


def test_keywords_from_stdin(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "keywords", "-", "--top-k", "2", stdin=TEXT)
    assert code == 0 and out.startswith("云服务, ") and out.count(",") == 1


def test_lines_and_json(capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, "summarize", "--lines", "--json", "-s", "1", stdin="第一篇。很好。\n\n第二篇文章。\n")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and records == [{"summary": "第一篇。"}, {"summary": "第二篇文章。"}]


def test_keywords_json_for_posts(capsys, monkeypatch, examples_copy):
    code, out, _ = run(capsys, monkeypatch, "keywords", str(examples_copy), "--json", "-k", "3")
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == 3
    assert all(set(r) == {"path", "keywords"} and len(r["keywords"]) == 3 for r in records)


def test_enrich_reports_bad_files_and_goes_on(capsys, monkeypatch, examples_copy):
    (examples_copy / "broken.md").write_text("---\ntitle: [oops\n---\nbody\n", encoding="utf-8")
    (examples_copy / "latin1.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    before = (examples_copy / "broken.md").read_bytes()
    code, out, err = run(capsys, monkeypatch, "enrich", str(examples_copy))
    assert code == 1
    assert f"failed: {examples_copy / 'broken.md'}: invalid YAML front matter at line 3" in err
    assert f"failed: {examples_copy / 'latin1.md'}: not UTF-8 text" in err
    assert re.search(r"^3 done, 0 skipped, 2 failed in [\d.]+s$", err, re.MULTILINE)
    assert (examples_copy / "broken.md").read_bytes() == before
    code, _, err = run(capsys, monkeypatch, "enrich", str(examples_copy))
    assert re.search(r"^0 done, 3 skipped, 2 failed", err, re.MULTILINE)


def test_enrich_dry_run_writes_nothing(capsys, monkeypatch, examples_copy):
    before = {p: p.read_bytes() for p in examples_copy.iterdir()}
    code, out, err = run(capsys, monkeypatch, "enrich", "--dry-run", str(examples_copy))
    assert code == 0 and out.count("+++ b/") == 3 and "+summary: " in out
    assert {p: p.read_bytes() for p in examples_copy.iterdir()} == before


def test_enrich_out_dir_and_report(capsys, monkeypatch, examples_copy, tmp_path):
    report = tmp_path / "report.json"
    code, _, _ = run(capsys, monkeypatch, "enrich", str(examples_copy), "--out", str(tmp_path / "out"), "--report", str(report))
    assert code == 0 and len(list((tmp_path / "out").glob("*.md"))) == 3
    assert json.loads(report.read_text())["done"] == 3
    code, _, err = run(capsys, monkeypatch, "enrich", str(examples_copy), "--out", str(tmp_path / "out"))
    assert "0 done, 3 skipped" in err


def test_changed_options_redo_and_changed_content_redoes(capsys, monkeypatch, examples_copy):
    run(capsys, monkeypatch, "enrich", str(examples_copy))
    _, _, err = run(capsys, monkeypatch, "enrich", str(examples_copy), "--top-k", "3")
    assert "3 done" in err
    post = sorted(examples_copy.glob("*.md"))[0]
    post.write_text(post.read_text(encoding="utf-8").replace("</div>", "<p>新增一段。</p></div>"), encoding="utf-8")
    _, _, err = run(capsys, monkeypatch, "enrich", str(examples_copy), "--top-k", "3")
    assert "1 done, 2 skipped" in err


def test_explicit_non_post_is_an_error(capsys, monkeypatch, tmp_path):
    note = tmp_path / "note.md"
    note.write_text("just text", encoding="utf-8")
    code, _, err = run(capsys, monkeypatch, "enrich", str(note))
    assert code == 1 and "no front matter" in err


def test_error_boundary_for_library_errors(capsys, monkeypatch, tmp_path):
    code, out, err = run(capsys, monkeypatch, "keywords", "--idf", str(tmp_path / "missing.tsv"), "-", stdin=TEXT)
    assert code == 1 and out == ""
    assert err.strip() == f"Error: {tmp_path / 'missing.tsv'}: cannot read IDF table: No such file or directory"


def test_bad_model_option(capsys, monkeypatch, examples_copy):
    code, _, err = run(capsys, monkeypatch, "enrich", str(examples_copy), "--to", "en", "--model", "zh-en")
    assert code == 1 and err.startswith("Error: --model takes NAME=ID_OR_PATH")


def test_every_command_has_help_and_is_in_the_readme(capsys):
    import typer.main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    names = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            names += [f"{name} {sub}" for sub in command.commands]
        else:
            names.append(name)
    for name in names:
        assert main([*name.split(), "--help"]) == 0
        assert capsys.readouterr().out.strip()
        assert f"nlp {name}" in readme, f"`nlp {name}` is not in the README"
