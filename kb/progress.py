"""Build progress as one fraction: the stages `build_index` reports (its `progress` callback) and their shares."""

from __future__ import annotations

# Measured shares of a seed build's time: parsing dominates, tokenising is quick, embedding is the rest.
PROGRESS_STAGES = {"解析文件": (0.0, 0.85), "分词": (0.85, 0.9), "向量": (0.9, 1.0)}


def progress_fraction(stage: str, done: int, total: int) -> float:
    """Overall progress 0–1 from a build stage and its count; unknown stages sit near the end."""
    lo, hi = PROGRESS_STAGES.get(stage, (0.9, 1.0))
    share = (done / total) if total > 0 else 1.0
    return max(0.0, min(1.0, lo + (hi - lo) * max(0.0, min(1.0, share))))



def progress_text(stage: str, done: float, total: int) -> str:
    """The bar's caption: 解析文件：第 1/3 个（40%） while a file is parsed, else 分词：120/189."""
    if total <= 0:
        return stage
    whole = int(done)
    if stage == "解析文件" and whole < total:
        share = done - whole
        return f"{stage}：第 {whole + 1}/{total} 个" + (f"（{share:.0%}）" if share > 0 else "")
    return f"{stage}：{min(whole, total)}/{total}"
