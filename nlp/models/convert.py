"""CTranslate2 conversions of Hugging Face folders, made once and cached.

Shared by the seq2seq translation backend and the decoder-only (LLM) runtime: a folder
is converted in a separate process into the cache, keyed by model, revision and
stored weight type, and renamed into place only when complete.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import ConfigError
from .registry import LocalModel


def _import():
    try:
        import ctranslate2
    except ImportError:
        raise ConfigError("the ctranslate2 backend needs CTranslate2: pip install 'nlp[ct2]'") from None
    return ctranslate2


def compute_type_for(device: str, requested: str | None) -> str:
    """The CTranslate2 compute type to run with: ``requested``, or int8 on CPU and
    int8_float16 on GPU, checked against what this build supports on the device (a CPU
    has no bfloat16 in CTranslate2; CTranslate2's own message would be a traceback)."""
    ctranslate2 = _import()
    kind = "cuda" if device.startswith("cuda") else "cpu"
    chosen = requested or ("int8_float16" if kind == "cuda" else "int8")
    try:
        supported = set(ctranslate2.get_supported_compute_types(kind))
    except (RuntimeError, ValueError):
        return chosen  # the device itself is not there: the runtime says so
    if chosen not in supported | {"default", "auto"}:
        raise ConfigError(f"CTranslate2 cannot compute in {chosen} on this {kind.upper()} (it can: "
                          f"{', '.join(sorted(supported))}); set NLP_COMPUTE_TYPE to one of those or leave it unset")
    return chosen


def stored_type(compute_type: str) -> str | None:
    """The weight type a conversion stores for ``compute_type``: int8 weights serve every
    int8 compute type (CPU and GPU), and loading them needs no float32 copy in memory.
    None: as the model is (float32)."""
    if compute_type.startswith("int8"):
        return "int8"
    if compute_type in ("int16", "float16", "bfloat16"):
        return compute_type
    return None


def converted(model: LocalModel, cache_dir: Path, quantization: str | None = None) -> Path:
    """The CTranslate2 conversion of ``model`` with ``quantization``, made once and cached."""
    ctranslate2 = _import()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model.ref)[-80:]
    name = f"{safe}-{model.revision[:16]}-{quantization or 'float32'}-ct2{ctranslate2.__version__}"
    target = Path(cache_dir) / "ct2" / name
    if (target / "model.bin").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        # In a fresh interpreter: converting holds the whole float32 model in memory, and a
        # long run should not keep what the allocator does not give back.  (Not
        # multiprocessing's spawn, which re-runs the caller's unguarded main script.)
        code = "import sys; from nlp.models.convert import _convert; _convert(*sys.argv[1:3], sys.argv[3] or None)"
        done = subprocess.run([sys.executable, "-c", code, str(model.path), str(work / "model"), quantization or ""],
                              capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise ConfigError(f"cannot convert {model.ref} for CTranslate2: {last}")
        os.replace(work / "model", target)  # atomic: a half-converted model is never used
    except OSError:
        if not (target / "model.bin").is_file():
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _convert(model_path: str, output: str, quantization: str | None) -> None:
    ctranslate2 = _import()
    ctranslate2.converters.TransformersConverter(model_path).convert(output, quantization=quantization, force=True)
    _split_vocabularies(Path(model_path), Path(output))


def _split_vocabularies(model_path: Path, output: Path) -> None:
    """CTranslate2's Marian converter writes only the source vocabulary; models with
    separate vocabularies (the opus-mt-tc-big ones) need their target one too."""
    import json

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    if not getattr(tokenizer, "separate_vocabs", False):
        return

    def ordered(mapping: dict[str, int]) -> list[str]:
        tokens = [token for token, _ in sorted(mapping.items(), key=lambda item: item[1])]
        return tokens[:-1] if tokens and tokens[-1] == "<pad>" else tokens

    shared = output / "shared_vocabulary.json"
    (output / "source_vocabulary.json").write_text(json.dumps(ordered(tokenizer.encoder), ensure_ascii=False), encoding="utf-8")
    (output / "target_vocabulary.json").write_text(json.dumps(ordered(tokenizer.target_encoder), ensure_ascii=False), encoding="utf-8")
    shared.unlink(missing_ok=True)
