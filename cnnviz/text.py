"""Numbers, sizes, shapes and durations as the app writes them for people (one place, so every page agrees).

Plain functions, no Streamlit and no TensorFlow: the library, the pages and the tests share them.
"""


def n(value: int) -> str:
    """An int with thousands separators: 18496 → "18,496"."""
    return f"{value:,}"


def short(count: int) -> str:
    """18,496 / 2.63 M / 1.2 G: big counts that fit in a metric."""
    for limit, unit in ((1e9, "G"), (1e6, "M")):
        if count >= limit:
            return f"{count / limit:.3g} {unit}"
    return f"{count:,}"


def shape_text(shape: tuple[int, ...]) -> str:
    """28×28×1."""
    return "×".join(map(str, shape))


def format_bytes(size: int) -> str:
    """A byte count for people: 147456 → "144 KiB" (binary units, 3 significant digits)."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def duration_text(seconds: float) -> str:
    """ "42 s" or "3 min 05 s"."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
