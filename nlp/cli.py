"""The ``nlp`` command: a thin typer layer over the library.

Each command parses its options, makes one library call and renders the result.
Errors raised by the library become ``Error: <message>`` and exit code 1 in
:func:`main`, the one error boundary.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import List, Optional

import click
import typer
from rich.console import Console

from . import __version__
from .config import Config, parse_models
from .errors import ConfigError, NlpError

app = typer.Typer(
    help="Enrich and translate archives of Chinese Jekyll news posts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
idf_app = typer.Typer(help="Build IDF tables from your own archive.", no_args_is_help=True)
models_app = typer.Typer(help="List, download and check translation models.", no_args_is_help=True)
app.add_typer(idf_app, name="idf")
app.add_typer(models_app, name="models")

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

PathsArg = typer.Argument(None, help="Posts, folders (searched recursively), or - for standard input.")
TopK = typer.Option(5, "--top-k", "-k", min=1, help="Number of keywords.")
Sentences = typer.Option(2, "--sentences", "-s", min=1, help="Sentences per summary.")
MaxChars = typer.Option(None, "--max-chars", min=10, help="Character budget of a summary (default 100 per sentence).")
IdfOpt = typer.Option(None, "--idf", help="IDF table from `nlp idf build` (default: jieba's).")
UserDict = typer.Option(None, "--userdict", help="Extra jieba user dictionary (word [freq] [pos] per line).")
Lines = typer.Option(False, "--lines", help="Each input line is one document.")
Json = typer.Option(False, "--json", help="One JSON object per document per line.")
ModelOpt = typer.Option([], "--model", "-m", help="Override a model: NAME=HUB_ID_OR_FOLDER (repeatable).")
BackendOpt = typer.Option("transformers", "--backend", help="Model runtime: transformers or ctranslate2.")
DeviceOpt = typer.Option("auto", "--device", help="auto, cpu or cuda.")
SummarizerOpt = typer.Option("textrank", "--summarizer", help="textrank (extractive, offline), summarizer (the registry's model), or a seq2seq hub id / folder.")


def _version(value: bool) -> None:
    if value:
        out.print(f"nlp {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens."),
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    import jieba  # it sets its own logger to DEBUG on import: import first, then quiet it

    jieba.setLogLevel(logging.WARNING)
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")
    if not verbose:
        logging.getLogger("huggingface_hub").setLevel(logging.ERROR)


def _quiet_transformers() -> None:
    """Model loading draws progress bars on stderr; ours is the only one we want."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _config(**options) -> Config:
    return Config(**{k: v for k, v in options.items() if v is not None})


def _per_document(paths, lines: bool, as_json: bool, config: Config, key: str, compute, as_text) -> int:
    """Run ``compute(toolkit, doc)`` on every document and print it: as text (with
    ``==> path <==`` headers when there are several) or as one JSON object per line."""
    from .analyze import Toolkit, read_inputs
    from .errors import PostError

    toolkit = Toolkit(config)
    failures = []
    inputs = list(read_inputs(paths or ["-"], lines))
    many = len(inputs) > 1 and not lines
    for item in inputs:
        if isinstance(item, PostError):
            failures.append(item)
            continue
        value = compute(toolkit, toolkit.from_input(item))
        if as_json:
            record = {"path": item.label} if item.label != "-" and not lines else {}
            record[key] = value
            out.print(json.dumps(record, ensure_ascii=False))
        else:
            if many:
                out.print(f"==> {item.label} <==")
            out.print(as_text(value))
    for failure in failures:
        err.print(f"Error: {failure}")
    return 1 if failures else 0


@app.command()
def summarize(
    paths: Optional[List[str]] = PathsArg,
    sentences: int = Sentences,
    max_chars: Optional[int] = MaxChars,
    idf: Optional[Path] = IdfOpt,
    userdict: Optional[Path] = UserDict,
    summarizer: str = SummarizerOpt,
    lines: bool = Lines,
    as_json: bool = Json,
) -> int:
    """Print the summary of each post or text."""
    config = _config(sentences=sentences, max_chars=max_chars, idf=_s(idf), userdict=_s(userdict), summarizer=summarizer)
    if summarizer != "textrank":
        _quiet_transformers()
    return _per_document(paths, lines, as_json, config, "summary", lambda tk, doc: tk.summary(doc), str)


@app.command()
def keywords(
    paths: Optional[List[str]] = PathsArg,
    top_k: int = TopK,
    idf: Optional[Path] = IdfOpt,
    userdict: Optional[Path] = UserDict,
    lines: bool = Lines,
    as_json: bool = Json,
) -> int:
    """Print the keywords of each post or text, best first."""
    config = _config(top_k=top_k, idf=_s(idf), userdict=_s(userdict))
    return _per_document(paths, lines, as_json, config, "keywords", lambda tk, doc: tk.keywords(doc), ", ".join)


def _s(value: Optional[Path]) -> Optional[str]:
    return None if value is None else str(value)


def _languages(value: Optional[str]) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _progress(total: int, label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _finish(report, report_file: Optional[Path]) -> int:
    for failure in report.failures:
        err.print(f"failed: {failure.path}: {failure.reason}")
    if report_file is not None:
        report_file.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for line in report.translation_lines():
        err.print(line)
    err.print(report.line())
    return 1 if report.failures else 0


WorkersOpt = typer.Option(0, "--workers", "-j", min=0, help="Processes (Ray: tasks) for reading and analysis (0: one per core for big runs).")
EngineOpt = typer.Option("local", "--engine", help="local (this machine's processes) or ray (Ray Data tasks and actor pools).")
AddressOpt = typer.Option(None, "--address", help="With --engine ray: the Ray cluster to join (default: a new local instance).")
RefreshOpt = typer.Option(False, "--refresh", help="Also redo posts done with an older signature (another version, model revision or backend).")


def _check_engine(engine: str, address: Optional[str]) -> None:
    if engine not in ("local", "ray"):
        raise ConfigError(f"unknown engine {engine!r}; choose local or ray")
    if address and engine != "ray":
        raise ConfigError("--address needs --engine ray")


def _verbose() -> bool:
    return logging.getLogger().isEnabledFor(logging.INFO)



def _run_batch(function, paths, report_file, auto_workers: bool = True, **kwargs) -> int:
    from .enrich import default_workers
    from .files import iter_sources

    total = sum(1 for _ in iter_sources(paths))
    if auto_workers and kwargs.get("workers") == 0:  # auto: processes pay off only for bigger runs
        kwargs["workers"] = default_workers() if total >= 100 else 1
    with _progress(total, "posts") as progress:
        task = progress.add_task("posts", total=total, rate="")
        sentences = 0

        def advance(result):
            nonlocal sentences
            sentences += result.sentences
            progress.advance(task)
            elapsed = progress.tasks[0].elapsed or 0
            if elapsed:
                posts = progress.tasks[0].completed
                progress.update(task, rate=f"{posts / elapsed:.1f} posts/s, {sentences / elapsed:.0f} sentences/s")

        report = function(paths, on_result=advance, **kwargs)
    return _finish(report, report_file)


@app.command()
def enrich(
    paths: List[Path] = typer.Argument(..., help="Posts or folders (searched recursively)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write enriched copies under DIR instead of in place."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the diff of each post; write nothing."),
    to: Optional[str] = typer.Option(None, "--to", help="Also translate title, summary and keywords: en, ja or en,ja."),
    model: List[str] = ModelOpt,
    backend: str = BackendOpt,
    device: str = DeviceOpt,
    top_k: int = TopK,
    sentences: int = Sentences,
    max_chars: Optional[int] = MaxChars,
    summarizer: str = SummarizerOpt,
    idf: Optional[Path] = IdfOpt,
    userdict: Optional[Path] = UserDict,
    workers: int = WorkersOpt,
    refresh: bool = RefreshOpt,
    engine: str = EngineOpt,
    address: Optional[str] = AddressOpt,
    report_file: Optional[Path] = typer.Option(None, "--report", help="Write the run's summary as JSON."),
) -> int:
    """Write summary, keywords and provenance into each post's front matter."""
    config = _config(
        top_k=top_k, sentences=sentences, max_chars=max_chars, idf=_s(idf), userdict=_s(userdict),
        to=_languages(to), models=parse_models(model), backend=backend, device=device, summarizer=summarizer,
    )
    if summarizer != "textrank":
        _quiet_transformers()
    _check_engine(engine, address)
    if engine == "ray":
        from .ray_engine import enrich_ray as run  # the models load in Ray actors, quiet by environment

        extra: dict = {"address": address, "verbose": _verbose()}
    else:
        from .enrich import enrich as run

        extra = {"translator": None}
        if config.to:
            from .translate import FieldTranslator

            _quiet_transformers()
            extra["translator"] = FieldTranslator.from_config(config)
    if dry_run:
        report = run(paths, config, out=out_dir, dry_run=True, workers=workers, refresh=refresh, **extra)
        return _print_diffs(report, report_file)
    return _run_batch(run, paths, report_file, auto_workers=engine == "local", config=config, out=out_dir,
                      workers=workers, refresh=refresh, **extra)


def _print_diffs(report, report_file: Optional[Path]) -> int:
    for result in report.results:
        if result.diff:
            out.print(result.diff, end="")
    return _finish(report, report_file)


@app.command()
def translate(
    paths: List[str] = typer.Argument(..., help="Posts or folders, or - to translate standard input text."),
    to: str = typer.Option("en", "--to", help="Target languages: en, ja or en,ja."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write translations under DIR instead of beside the posts."),
    model: List[str] = ModelOpt,
    backend: str = BackendOpt,
    device: str = DeviceOpt,
    workers: int = WorkersOpt,
    refresh: bool = RefreshOpt,
    engine: str = EngineOpt,
    address: Optional[str] = AddressOpt,
    report_file: Optional[Path] = typer.Option(None, "--report", help="Write the run's summary as JSON."),
) -> int:
    """Write each post translated beside it as NAME.en.md / NAME.ja.md."""
    from .translate import translate_text
    from .translate_posts import translate_posts

    config = _config(to=_languages(to), models=parse_models(model), backend=backend, device=device)
    _check_engine(engine, address)
    _quiet_transformers()
    if paths == ["-"]:
        text = sys.stdin.read()
        for lang, result in translate_text(text, config).items():
            out.print(result if len(config.to) == 1 else f"[{lang}] {result}")
        return 0
    if engine == "ray":
        from .ray_engine import translate_ray

        return _run_batch(translate_ray, paths, report_file, auto_workers=False, config=config, out=out_dir,
                          workers=workers, refresh=refresh, address=address, verbose=_verbose())
    return _run_batch(translate_posts, paths, report_file, config=config, out=out_dir, refresh=refresh, workers=workers)


@idf_app.command("build")
def idf_build(
    paths: Optional[List[str]] = PathsArg,
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the table."),
    lines: bool = Lines,
    userdict: Optional[Path] = UserDict,
) -> int:
    """Count word and phrase document frequencies (and recurring boilerplate) of an archive."""
    from .idf import build_idf

    built = build_idf(paths or ["-"], output, lines=lines, config=_config(userdict=_s(userdict)))
    for failure in built.failures:
        err.print(f"failed: {failure}")
    err.print(f"{built.docs} documents, {built.terms} terms, {built.boilerplate} boilerplate blocks -> {output}")
    return 1 if built.failures else 0


@models_app.command("list")
def models_list() -> int:
    """Show the registry's models and whether each is present locally."""
    from .models import registry_status

    for row in registry_status():
        out.print(
            f"{row['name']:<12} {row['task']:<10} {row['model']:<40} {row['license']:<14} "
            f"{row['size']:<8} {'present' if row['present'] else 'missing'}"
        )
    return 0


@models_app.command("pull")
def models_pull(names: Optional[List[str]] = typer.Argument(None, help="Registry names (default: all).")) -> int:
    """Download models into the Hugging Face cache (needs a network connection)."""
    from .models import pull

    for name, where in pull(names or []):
        out.print(f"{name}: {where}")
    return 0


@models_app.command("verify")
def models_verify(
    name: str = typer.Argument(..., help="Registry name, e.g. zh-en."),
    model: List[str] = ModelOpt,
) -> int:
    """Translate the registry's known sentence pairs and fail on garbage."""
    from .models import verify

    _quiet_transformers()
    result = verify(name, parse_models(model))
    for line in result.lines:
        out.print(line)
    out.print(result.verdict)
    return 0 if result.ok else 1


def main(argv: Optional[list[str]] = None) -> int:
    """Run the CLI; the one place where errors become messages and exit codes."""
    try:
        value = app(args=argv, prog_name="nlp", standalone_mode=False)
    except NlpError as exc:
        err.print(f"Error: {exc}")
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        err.print("Aborted.")
        return 130
    except KeyboardInterrupt:
        err.print("Interrupted.")
        return 130
    return value if isinstance(value, int) else 0


def run() -> None:  # console script entry point
    sys.exit(main())
