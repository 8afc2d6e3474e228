"""Where models run, and giving memory back: shared by every model-backed part."""

from __future__ import annotations

from functools import lru_cache

from ..errors import ConfigError


def resolve_device(requested: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` only where
    there is one (else one clear error, not torch's traceback)."""
    import torch

    requested = str(requested)
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        why = "this torch is a CPU-only build" if torch.version.cuda is None else "no CUDA device is visible"
        raise ConfigError(f"--device {requested}: {why}; use --device cpu (or auto)")
    return requested


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


def release_memory() -> None:
    """Give freed native memory back to the system (glibc keeps the buffers of finished
    batches in its arenas, so a long run's resident memory would creep up)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
