"""Peak-memory estimate of a run, checked before any adopter array is allocated."""

from __future__ import annotations

BYTES_PER_ADOPTER = 600  # peak bytes per unit at degree 8: 10^6 units peaked at ~570 MB


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def check_memory(n_adopters: int, degree: int, parallel: int = 1) -> None:
    """Refuse runs whose estimated peak memory exceeds what the machine has free.

    Args:
        n_adopters: adopter units per run.
        degree: network links per unit (memory grows with it).
        parallel: runs held in memory at once (local worker processes).

    Raises:
        ValueError: saying how much is needed, how much is free and how many adopters fit.
    """
    per_run = n_adopters * BYTES_PER_ADOPTER * max(1.0, degree / 8)
    need = per_run * parallel
    free = available_memory()
    if free is not None and need > 0.8 * free:
        workers = f" x {parallel} workers" if parallel > 1 else ""
        raise ValueError(
            f"n_adopters = {n_adopters}{workers} needs about {need / 2**30:.1f} GiB but only "
            f"{free / 2**30:.1f} GiB is available; use fewer adopters or workers (about "
            f"{int(0.8 * free / parallel / (per_run / n_adopters)):,} adopters per run fit)"
        )
