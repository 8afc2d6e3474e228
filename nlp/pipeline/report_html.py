"""``nlp report RUN.json -o report.html``: one static page to judge a batch run by.

The page is self-contained (inline CSS and SVG, no script, no network): totals,
throughput over time, posts per outlet, skip reasons, failures with their reasons,
degenerate translations with source and output side by side, posts whose author
values were kept, and the slowest posts.  It reads what ``--report`` wrote and nothing
else.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from collections import Counter
from pathlib import Path

from ..errors import ConfigError

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:2rem auto;max-width:1100px;color:#1b1f24;padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:2rem 0 .6rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.sub{color:#57606a;margin:0 0 1rem}.tiles{display:flex;flex-wrap:wrap;gap:.8rem}
.tile{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:8rem}.tile b{display:block;font-size:1.4rem}
.failed b{color:#cf222e}.done b{color:#1a7f37}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eaeef2;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.path{word-break:break-all;max-width:28rem}
.none{color:#57606a;font-style:italic}svg text{font:11px system-ui,sans-serif;fill:#57606a}
"""


def load_report(path: str | os.PathLike[str]) -> dict:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the run report: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a run report written by --report ({exc})") from None
    if not isinstance(data, dict) or "done" not in data:
        raise ConfigError(f"{path}: not a run report written by --report")
    if "posts" not in data:
        raise ConfigError(f"{path}: written by an older nlp without per-post records; run the job again with --report")
    return data


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset(), empty: str = "none") -> str:
    if not rows:
        return f'<p class="none">{_e(empty)}</p>'
    head = "".join(f'<th class="num">{_e(h)}</th>' if i in numeric else f"<th>{_e(h)}</th>" for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(
            f'<td class="num">{cell}</td>' if i in numeric else (f'<td class="path">{cell}</td>' if headers[i] in ("post", "source", "output") else f"<td>{cell}</td>")
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _bars(items: list[tuple[str, int]], width: int = 640, bar: int = 18) -> str:
    """Horizontal bars, one per ``(label, count)``."""
    if not items:
        return '<p class="none">none</p>'
    top = max(count for _, count in items) or 1
    label_w = 200
    height = len(items) * (bar + 6) + 6
    rows = []
    for i, (label, count) in enumerate(items):
        y = 6 + i * (bar + 6)
        w = max(1, round((width - label_w - 60) * count / top))
        rows.append(f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end">{_e(label[:28])}</text>'
                    f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" fill="#54aeff"><title>{_e(label)}: {count}</title></rect>'
                    f'<text x="{label_w + w + 6}" y="{y + bar - 5}">{count}</text>')
    return f'<svg width="{width}" height="{height}" role="img" aria-label="posts per outlet">{"".join(rows)}</svg>'


def _throughput(posts: list[dict], started: float, width: int = 880, height: int = 220, bins: int = 40) -> str:
    """Posts finished per interval of the run (done, skipped, failed stacked)."""
    times = [(p["finished"] - started, p["status"]) for p in posts if p.get("finished")]
    if not times or started <= 0:
        return '<p class="none">no timestamps in this report</p>'
    span = max(t for t, _ in times) or 1.0
    step = span / bins
    counts = [Counter() for _ in range(bins)]
    for t, status in times:
        counts[min(bins - 1, int(max(0.0, t) / step))][status] += 1
    top = max(sum(c.values()) for c in counts) or 1
    left, bottom, plot_h = 44, 28, height - 40
    bar_w = (width - left - 10) / bins
    colours = {"done": "#2da44e", "skipped": "#d0d7de", "failed": "#cf222e"}
    parts = [f'<line x1="{left}" y1="{height - bottom}" x2="{width - 6}" y2="{height - bottom}" stroke="#8c959f"/>',
             f'<text x="{left - 6}" y="{height - bottom - plot_h + 10}" text-anchor="end">{top}</text>',
             f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>',
             f'<text x="{left}" y="{height - 8}">0 s</text>',
             f'<text x="{width - 6}" y="{height - 8}" text-anchor="end">{span:.0f} s</text>',
             f'<text x="{(left + width) / 2}" y="{height - 8}" text-anchor="middle">posts per {step:.1f} s</text>']
    for i, c in enumerate(counts):
        y = height - bottom
        for status in ("done", "skipped", "failed"):
            if c[status]:
                h = plot_h * c[status] / top
                y -= h
                parts.append(f'<rect x="{left + i * bar_w + 1:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                             f'fill="{colours[status]}"><title>{c[status]} {status}</title></rect>')
    return f'<svg width="{width}" height="{height}" role="img" aria-label="throughput over time">{"".join(parts)}</svg>'


def render_report(data: dict, name: str = "run") -> str:
    posts = data.get("posts", [])
    started = float(data.get("started") or 0)
    seconds = float(data.get("seconds") or 0)
    when = dt.datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M") if started else "unknown time"
    done = data.get("done", 0)
    rate = f"{done / seconds:.1f}" if seconds else "–"
    tiles = [("done", done), ("skipped", data.get("skipped", 0)), ("failed", data.get("failed", 0)),
             ("sentences", data.get("sentences", 0)), ("seconds", f"{seconds:.1f}"), ("posts done / s", rate)]
    tiles_html = "".join(f'<div class="tile {k}"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in tiles)

    outlets = Counter(p.get("outlet") or "(unknown)" for p in posts if p["status"] == "done")
    reasons = Counter(p.get("reason") or "" for p in posts if p["status"] == "skipped")
    failures = [p for p in posts if p["status"] == "failed"]
    slow = sorted((p for p in posts if p["status"] == "done"), key=lambda p: -p.get("seconds", 0))[:20]
    kept = [p for p in posts if p.get("kept")]

    inline = data.get("inline") or {}
    translation_rows, examples = [], []
    for lang, stats in (data.get("translation") or {}).items():
        translation_rows.append([_e(lang)] + [_e(stats.get(k, 0)) for k in
                                              ("units", "memory_hits", "model_inputs", "passthrough", "retried", "degenerate",
                                               "blocks", "block_fallback")])
        for example in stats.get("examples", []):
            examples.append([_e(lang), _e(example.get("source", "")), _e(example.get("output", "")), _e(example.get("problem", ""))])

    sections = [
        f"<h1>nlp {_e(data.get('job') or '')} run</h1><p class=\"sub\">{_e(name)} · started {_e(when)}</p>",
        f'<div class="tiles">{tiles_html}</div>',
        "<h2>Throughput over time</h2>" + _throughput(posts, started),
        "<h2>Posts done per outlet</h2>" + _bars(outlets.most_common(15)),
        "<h2>Failures</h2>" + _table(["post", "reason"], [[_e(p["path"]), _e(p["reason"])] for p in failures[:500]],
                                     empty="no post failed"),
        "<h2>Skipped, by reason</h2>" + _table(["reason", "posts"], [[_e(r or "(none)"), _e(n)] for r, n in reasons.most_common()],
                                               {1}, "nothing was skipped"),
        "<h2>Translation</h2>" + _table(["language", "sentences", "from memory", "to the model", "passed through",
                                         "retried", "degenerate", "LLM blocks", "blocks redone by sentence"],
                                        translation_rows, {1, 2, 3, 4, 5, 6, 7, 8}, "no translation in this run"),
        "<h3>Model summaries replaced by the extractive one</h3>"
        + _table(["reason", "posts"], [[_e(k), _e(v)] for k, v in sorted((data.get("summary_fallbacks") or {}).items())],
                 {1}, "none"),
        "<h3>Inline elements (tag transfer)</h3>"
        + _table(["text nodes placed", "by length (no alignment)", "by order alone", "left empty"],
                 [[_e(inline.get(k, 0)) for k in ("nodes", "by_length", "unanchored", "empty")]] if inline.get("nodes") else [],
                 {0, 1, 2, 3}, "no sentence held an inline element"),
        "<h3>Degenerate outputs (kept after a retry), source and output side by side</h3>"
        + _table(["language", "source", "output", "problem"], examples, empty="none"),
        "<h2>Author values kept</h2>" + _table(["post", "keys"], [[_e(p["path"]), _e(", ".join(p["kept"]))] for p in kept[:200]],
                                               empty="no post held its own summary or keywords"),
        "<h2>Slowest posts</h2><p class=\"sub\">reading, analysing and writing (model time is shared by a batch)</p>"
        + _table(["post", "seconds", "sentences", "outlet"],
                 [[_e(p["path"]), f"{p.get('seconds', 0):.3f}", _e(p.get("sentences", 0)), _e(p.get("outlet", ""))] for p in slow],
                 {1, 2}),
    ]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>nlp run report: {_e(name)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(sections) + "\n</body></html>\n")
