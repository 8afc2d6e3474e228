"""The ``nlp`` command: a thin typer layer over the library.

Each command turns its options into a :class:`~nlp.config.Config`, makes one library
call and renders the result.  Defaults come from ``Config``; choices are its enums.
Errors raised by the library become ``Error: <message>`` and exit code 1 in
:func:`main`, the one error boundary.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Callable, List, Optional

import typer
from rich.console import Console

from . import __version__
from .analysis.analyzer import Toolkit
from .analysis.idf import build_idf
from .analysis.inputs import read_inputs
from .config import RESERVED_KEYS, Backend, Config, Device, Engine, parse_languages, parse_models, project_settings
from .errors import ConfigError, NlpError, PostError
from .models.registry import pull, registry_status
from .posts.files import check_writable
from .posts.post import atomic_write
from .posts.site import INCLUDE, init_site
from .pipeline.enrich import enrich as enrich_posts
from .pipeline.report_html import load_report, render_report
from .pipeline.results import FileResult, Report
from .pipeline.translate import translate as translate_posts
from .translation.translator import translate_text
from .translation.verify import verify

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
site_app = typer.Typer(help="Fit a Jekyll site: links between a post and its translations.", no_args_is_help=True)
app.add_typer(site_app, name="site")

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

PathsArg = typer.Argument(None, help="Posts, folders (searched recursively), or - for standard input.")
TopK = typer.Option(Config.top_k, "--top-k", "-k", min=1, help="Number of keywords.")
Sentences = typer.Option(Config.sentences, "--sentences", "-s", min=1, help="Sentences per summary.")
MaxChars = typer.Option(None, "--max-chars", min=10, help="Character budget of a summary (default 100 per sentence).")
IdfOpt = typer.Option(None, "--idf", help="IDF table from `nlp idf build` (default: jieba's).")
UserDict = typer.Option(None, "--userdict", help="Extra jieba user dictionary (word [freq] [pos] per line).")
Lines = typer.Option(False, "--lines", help="Each input line is one document.")
Json = typer.Option(False, "--json", help="One JSON object per document per line.")
ModelOpt = typer.Option([], "--model", "-m", help="Override a model: NAME=HUB_ID_OR_FOLDER (repeatable).")
BackendOpt = typer.Option(Config.backend, "--backend", help="Model runtime.")
DeviceOpt = typer.Option(Config.device, "--device", help="Where models run (auto: CUDA when available).")
SummarizerOpt = typer.Option(
    Config.summarizer, "--summarizer",
    help="textrank (extractive, offline), summarizer (the registry's model), a registry LLM (qwen3-4b...), "
    "or a hub id / folder (seq2seq or decoder-only: the model's config says which).",
)
WorkersOpt = typer.Option(Config.workers, "--workers", "-j", min=0,
                          help="Processes (Ray: tasks) for reading and analysis (0: one per core for big runs).")
EngineOpt = typer.Option(Config.engine, "--engine", help="local (this machine's processes) or ray (Ray Data and actor pools).")
AddressOpt = typer.Option(None, "--address", help="With --engine ray: the Ray cluster to join (default: a new local instance).")
RefreshOpt = typer.Option(False, "--refresh", help="Also redo posts done with an older signature (another version, model revision or backend).")
ReportOpt = typer.Option(None, "--report", help="Write the run's summary as JSON.")


def _key_name(value: Optional[str]) -> Optional[str]:
    """A bad --summary-key / --keywords-key is a usage error (exit 2), like other values."""
    if value is not None:
        try:
            Config(summary_key=value, keywords_key="keywords" if value != "keywords" else "summary")
        except ConfigError:
            raise typer.BadParameter(f"{value!r} is not a key nlp can write: use letters, digits, _ or -, and none "
                                     f"of {', '.join(sorted(RESERVED_KEYS))}") from None
    return value


SummaryKey = typer.Option(None, "--summary-key", callback=_key_name, help="Front matter key of the summary (default "
                          "summary; description for jekyll-seo-tag). Also settable in nlp.toml or [tool.nlp].")
KeywordsKey = typer.Option(None, "--keywords-key", callback=_key_name, help="Front matter key of the keywords (default keywords).")


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


def _verbose() -> bool:
    return logging.getLogger().isEnabledFor(logging.INFO)


def _quiet_transformers() -> None:
    """Model loading draws progress bars on stderr; ours is the only one we want."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def _config(**options) -> Config:
    """A Config from the options given, over the project's settings file (nlp.toml or
    [tool.nlp] in pyproject.toml, nearest to the working folder), over Config's defaults."""
    settings, _ = project_settings()
    config = Config(**{**settings, **{k: v for k, v in options.items() if v is not None}})
    if config.to or not config.extractive:
        _quiet_transformers()
    return config


def _s(value: Optional[Path]) -> Optional[str]:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- one document at a time


def _per_document(paths, lines: bool, as_json: bool, config: Config, key: str, compute, as_text) -> int:
    """Run ``compute(toolkit, doc)`` on every document and print it: as text (with
    ``==> path <==`` headers when there are several) or as one JSON object per line."""
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

    def summary(toolkit, doc) -> str:
        text, note = toolkit.summary_noted(doc)
        if note:  # a model's summary failed its checks twice: say so, once per document
            err.print(f"note: the model's summary was rejected ({note.partition(':')[2]}); "
                      "the extractive summary is shown", markup=False, highlight=False)
        return text

    return _per_document(paths, lines, as_json, config, "summary", summary, str)


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


# --------------------------------------------------------------------------- batch jobs


class _Progress:
    """A rich progress bar fed by a batch job's ``on_start`` and ``on_result``."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("posts"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True,
                            disable=not err.is_terminal)
        self.task = None
        self.sentences = 0
        self.seen = Report()  # what finished so far: the counts shown if the run is interrupted
        self.started = time.perf_counter()

    def start(self, total: int) -> None:
        self.task = self.bar.add_task("posts", total=total, rate="")

    def advance(self, result: FileResult) -> None:
        self.seen.results.append(result)
        self.sentences += result.sentences
        self.bar.advance(self.task)
        task = self.bar.tasks[0]
        if task.elapsed:
            self.bar.update(self.task, rate=f"{task.completed / task.elapsed:.1f} posts/s, "
                                            f"{self.sentences / task.elapsed:.0f} sentences/s")

    def __enter__(self) -> "_Progress":
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)


def _batch(job: Callable[..., Report], paths, config: Config, report_file: Optional[Path], **options) -> int:
    """Run a batch job with a progress bar, then print its failures and totals."""
    if report_file is not None:
        check_writable(report_file, "the report")
    with _Progress() as progress:
        try:
            report = job(paths, config, verbose=_verbose(), on_start=progress.start, on_result=progress.advance,
                         **options)
        except (KeyboardInterrupt, Terminated) as exc:
            progress.bar.stop()
            progress.seen.seconds = time.perf_counter() - progress.started
            err.print("Interrupted.")
            err.print(progress.seen.line())
            raise Interrupted(143 if isinstance(exc, Terminated) else 130) from None
    if options.get("dry_run"):
        for result in report.results:
            if result.diff:
                out.print(result.diff, end="")
    for failure in report.failures:
        err.print(f"failed: {failure.path}: {failure.reason}")
    for line in report.translation_lines():
        err.print(line)
    err.print(report.line())
    if report_file is not None:
        try:
            atomic_write(report_file, json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:
            raise ConfigError(f"cannot write the report {report_file}: {exc.strerror or exc}") from None
    return 1 if report.failures else 0


@app.command()
def enrich(
    paths: List[Path] = typer.Argument(..., help="Posts or folders (searched recursively)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write enriched copies under DIR instead of in place."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the diff of each post; write nothing."),
    to: Optional[str] = typer.Option(None, "--to", help="Also translate title, summary and keywords: en, ja or en,ja."),
    model: List[str] = ModelOpt,
    backend: Backend = BackendOpt,
    device: Device = DeviceOpt,
    top_k: int = TopK,
    sentences: int = Sentences,
    max_chars: Optional[int] = MaxChars,
    summarizer: str = SummarizerOpt,
    idf: Optional[Path] = IdfOpt,
    userdict: Optional[Path] = UserDict,
    workers: int = WorkersOpt,
    refresh: bool = RefreshOpt,
    engine: Engine = EngineOpt,
    address: Optional[str] = AddressOpt,
    report_file: Optional[Path] = ReportOpt,
    summary_key: Optional[str] = SummaryKey,
    keywords_key: Optional[str] = KeywordsKey,
) -> int:
    """Write summary, keywords and provenance into each post's front matter.  A value
    the author wrote under those keys is kept, never overwritten."""
    config = _config(
        top_k=top_k, sentences=sentences, max_chars=max_chars, idf=_s(idf), userdict=_s(userdict),
        to=parse_languages(to), models=parse_models(model), backend=backend, device=device, summarizer=summarizer,
        workers=workers, engine=engine, address=address, summary_key=summary_key, keywords_key=keywords_key,
    )
    return _batch(enrich_posts, paths, config, report_file, out=out_dir, dry_run=dry_run, refresh=refresh)


@app.command()
def translate(
    paths: List[str] = typer.Argument(..., help="Posts or folders, or - to translate standard input text."),
    to: str = typer.Option("en", "--to", help="Target languages: en, ja or en,ja (fr, de, es, ko with --model zh-XX=...)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="Write translations under DIR instead of beside the posts."),
    model: List[str] = ModelOpt,
    backend: Backend = BackendOpt,
    device: Device = DeviceOpt,
    workers: int = WorkersOpt,
    refresh: bool = RefreshOpt,
    engine: Engine = EngineOpt,
    address: Optional[str] = AddressOpt,
    report_file: Optional[Path] = ReportOpt,
    summary_key: Optional[str] = SummaryKey,
    keywords_key: Optional[str] = KeywordsKey,
) -> int:
    """Write each post translated beside it as NAME.en.md / NAME.ja.md (with lang,
    translation_of and a /LANG/ permalink; the summary key gets the post's translated
    summary when it has one)."""
    config = _config(to=parse_languages(to), models=parse_models(model), backend=backend, device=device,
                     workers=workers, engine=engine, address=address, summary_key=summary_key, keywords_key=keywords_key)
    if paths == ["-"]:
        for lang, result in translate_text(sys.stdin.read(), config).items():
            out.print(result if len(config.to) == 1 else f"[{lang}] {result}")
        return 0
    return _batch(translate_posts, paths, config, report_file, out=out_dir, refresh=refresh)


# --------------------------------------------------------------------------- idf, models


@idf_app.command("build")
def idf_build(
    paths: Optional[List[str]] = PathsArg,
    output: Path = typer.Option(..., "--out", "--output", "-o", help="Where to write the table."),
    lines: bool = Lines,
    userdict: Optional[Path] = UserDict,
) -> int:
    """Count word and phrase document frequencies (and recurring boilerplate) of an archive."""
    built = build_idf(paths or ["-"], output, lines=lines, config=_config(userdict=_s(userdict)))
    for failure in built.failures:
        err.print(f"failed: {failure}")
    err.print(f"{built.docs} documents, {built.terms} terms, {built.words} new words, {built.boilerplate} boilerplate blocks -> {output}")
    return 1 if built.failures else 0


@app.command()
def report(
    run: Path = typer.Argument(..., help="A run report written by --report."),
    output: Path = typer.Option(..., "--out", "--output", "-o", help="The HTML page to write."),
) -> int:
    """Turn a run's --report JSON into one static HTML page (no server, no network)."""
    check_writable(output, "the HTML report")
    page = render_report(load_report(run), run.name)
    try:
        atomic_write(output, page)
    except OSError as exc:
        raise ConfigError(f"cannot write the HTML report {output}: {exc.strerror or exc}") from None
    err.print(f"wrote {output}")
    return 0


@site_app.command("init")
def site_init(
    root: Path = typer.Argument(Path("."), help="The site's folder (the one holding _posts)."),
) -> int:
    """Write _includes/nlp-alternates.html and _data/nlp_translations.json (run it again
    after translating: it maps each post to the languages it has)."""
    done = init_site(root)
    err.print(f"{done.originals} posts with {done.siblings} translations -> {done.data}")
    err.print(f"wrote {done.include}; add to the layout's <head>:  {{% include {INCLUDE} %}}")
    err.print(f"and where the language switcher goes:      {{% include {INCLUDE} switcher=true %}}")
    return 0


@models_app.command("list")
def models_list() -> int:
    """Show the registry's models and whether each is present locally."""
    for row in registry_status():
        out.print(
            f"{row['name']:<14} {row['task']:<13} {row['model']:<34} {row['license']:<20} "
            f"{row['size']:<9} {'present' if row['present'] else 'missing'}", markup=False, highlight=False
        )
        if row["note"]:
            out.print(f"{'':<14} note: {row['note']}", markup=False, highlight=False)
    return 0


@models_app.command("pull")
def models_pull(names: Optional[List[str]] = typer.Argument(None, help="Registry names (default: all).")) -> int:
    """Download models into the Hugging Face cache (needs a network connection)."""
    for name, where in pull(names or []):
        out.print(f"{name}: {where}")
    return 0


@models_app.command("verify")
def models_verify(
    name: str = typer.Argument(..., help="Registry name, e.g. zh-en."),
    model: List[str] = ModelOpt,
) -> int:
    """Translate the registry's known sentence pairs and fail on garbage."""
    _quiet_transformers()
    result = verify(name, parse_models(model))
    for line in result.lines:
        out.print(line)
    out.print(result.verdict)
    return 0 if result.ok else 1


# --------------------------------------------------------------------------- the error boundary


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that a run stops as on Ctrl-C (exit 143)."""


class Interrupted(BaseException):
    """A batch run stopped by a signal, its counts already shown; ``code`` is the exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _terminate(signum, frame) -> None:
    raise Terminated()

# typer vendors its own copy of click: its usage errors are not click's classes.
_CLICK_ERROR = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")


def main(argv: Optional[list[str]] = None) -> int:
    """Run the CLI; the one place where errors become messages and exit codes."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main_thread else None
    try:
        value = app(args=argv, prog_name="nlp", standalone_mode=False)
    except NlpError as exc:
        err.print(f"Error: {exc}")
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except _CLICK_ERROR as exc:
        exc.show()
        return exc.exit_code
    except typer.Abort:
        err.print("Aborted.")
        return 130
    except Interrupted as exc:
        return exc.code
    except (KeyboardInterrupt, Terminated) as exc:
        err.print("Interrupted.")
        return 143 if isinstance(exc, Terminated) else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if value == 130:  # typer returns Ctrl-C outside a batch run as the code 130
        err.print("Interrupted.")
    return value if isinstance(value, int) else 0


def run() -> None:  # console script entry point
    sys.exit(main())
