"""``nlp models verify``: translate the registry's known sentence pairs, fail on garbage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ..errors import ConfigError
from ..models.hygiene import in_language
from ..models.registry import spec_for
from .translator import build_translator


@dataclass
class Verification:
    ok: bool
    lines: list[str]
    verdict: str


def verify(name: str, overrides: Mapping[str, str] = {}) -> Verification:
    """Translate the registry's known pairs; fail on wrong script, loops or missing words."""
    spec = spec_for(name)
    if not spec.pairs:
        raise ConfigError(f"the registry has no known pairs for {name}")
    translator = build_translator(name, overrides)
    outputs = translator.translate([p.source for p in spec.pairs])
    lines, failures = [], 0
    for pair, output in zip(spec.pairs, outputs):
        missing = [w for w in pair.expect if w.lower() not in output.lower()]
        script_ok = in_language(output, spec.target, pair.source)
        ok = script_ok and not missing
        failures += not ok
        lines.append(f"{'ok  ' if ok else 'FAIL'} {pair.source} -> {output}" + (f"  (missing: {', '.join(missing)})" if missing else ""))
    if failures:
        hint = " (try --model zh-ja=... or the registry's zh-ja-pivot)" if spec.target == "ja" and not spec.pivot else ""
        verdict = f"{name}: {failures} of {len(spec.pairs)} known pairs came out wrong{hint}"
    else:
        verdict = f"{name}: all {len(spec.pairs)} known pairs translated as expected"
    return Verification(failures == 0, lines, verdict)
