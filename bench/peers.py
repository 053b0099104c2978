"""Peer pipelines on the same judgements, rebuilt from their published defaults (not their code):

- BM25 over 250/50 chunks: Langchain-Chatchat's default splitting (CHUNK_SIZE 250, OVERLAP_SIZE 50, a Chinese
  recursive splitter on paragraph, sentence and clause punctuation), jieba tokens, BM25 (k1 1.5, b 0.75).
- Chatchat-style ensemble: its default hybrid, langchain's EnsembleRetriever over BM25 and the vector store, equal
  weights, weighted reciprocal-rank fusion with c = 60, over the same chunks (vectors: the default model here).
- RAGFlow-style hybrid: 0.7 · keyword similarity + 0.3 · vector similarity (vector_similarity_weight 0.3), over
  the same chunks, each score normalised to [0, 1] over the candidates.

A chunk counts as relevant when it comes from the judged document and contains the judged text (the judgements'
rule); R in the ideal DCG is the number of chunks that do, so nDCG stays ≤ 1. Units differ from kb's clauses:
the mean returned length is printed beside the figures. Used by bench/run.py; alone:

    python bench/peers.py --index bench/out/seed_index
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.evaluate import Query, load_queries, normalise  # noqa: E402

CHUNK, OVERLAP = 250, 50
SEPARATORS = ("\n\n", "\n", "。|！|？", r"\.\s|\!\s|\?\s", r"；|;\s", r"，|,\s")


@dataclass
class Chunk:
    source: str
    text: str


def split_text(text: str, size: int = CHUNK, overlap: int = OVERLAP, seps: tuple[str, ...] = SEPARATORS) -> list[str]:
    """Recursive splitting as Chatchat's ChineseRecursiveTextSplitter describes it: split on the coarsest separator
    present, keep the separators with the text, merge pieces up to `size` with `overlap` characters carried."""
    text = text.strip()
    if len(text) <= size:
        return [text] if text else []
    sep = next((s for s in seps if re.search(s, text)), None)
    if sep is None:
        return [text[i : i + size] for i in range(0, len(text), size - overlap)]
    rest = seps[seps.index(sep) + 1 :]
    parts = [p for p in re.split(f"(?<=(?:{sep}))", text) if p.strip()]
    pieces: list[str] = []
    for p in parts:
        pieces.extend([p] if len(p) <= size else split_text(p, size, overlap, rest))
    chunks, current = [], ""
    for p in pieces:
        if current and len(current) + len(p) > size:
            chunks.append(current.strip())
            current = current[-overlap:] if overlap else ""
        current += p
    if current.strip():
        chunks.append(current.strip())
    return [re.sub(r"\n{2,}", "\n", c) for c in chunks if c]


def chunk_corpus(documents) -> list[Chunk]:
    return [Chunk(d.source, t) for d in documents for t in split_text(d.text)]  # the whole file, as a peer sees it


class Peers:
    """The three peer retrievers over one chunking of the corpus."""

    def __init__(self, documents, embedder):
        from kb.bm25 import BM25Index
        from kb.tokenize import get_tokenizer

        self.chunks = chunk_corpus(documents)
        self.tok = get_tokenizer()
        self.bm25 = BM25Index.build([self.tok.tokenize(c.text) for c in self.chunks])
        self.embedder = embedder
        self.vecs = embedder.embed_passages([c.text for c in self.chunks]) if embedder is not None else None

    def bm25_scores(self, q: str) -> np.ndarray:
        return self.bm25.scores(self.tok.tokenize(q)).astype(np.float64)

    def dense_scores(self, q: str) -> np.ndarray:
        return self.vecs @ self.embedder.embed_query(q)

    def rank(self, q: str, how: str, k: int = 10) -> list[int]:
        b = self.bm25_scores(q)
        if how == "bm25":
            idx = np.flatnonzero(b > 0)
            return idx[np.lexsort((idx, -b[idx]))][:k].tolist()
        d = self.dense_scores(q)
        if how == "chatchat":
            # EnsembleRetriever: each retriever's top list, weighted RRF (weights 0.5/0.5, c = 60).
            fused: dict[int, float] = {}
            for scores, weight, only_pos in ((b, 0.5, True), (d, 0.5, False)):
                idx = np.flatnonzero(scores > 0) if only_pos else np.arange(scores.size)
                order = idx[np.lexsort((idx, -scores[idx]))][: max(k, 10)]
                for r, i in enumerate(order, start=1):
                    fused[int(i)] = fused.get(int(i), 0.0) + weight / (r + 60)
            return [i for i, _ in sorted(fused.items(), key=lambda t: (-t[1], t[0]))][:k]
        if how == "ragflow":
            bn = b / b.max() if b.max() > 0 else b
            dn = (d - d.min()) / (d.max() - d.min()) if d.max() > d.min() else np.zeros_like(d)
            s = 0.7 * bn + 0.3 * dn
            return np.lexsort((np.arange(s.size), -s))[:k].tolist()
        raise ValueError(how)


def _relevant(chunk: Chunk, q: Query) -> bool:
    text = normalise(chunk.text)
    return any(chunk.source == j.doc and normalise(j.contains) in text for j in q.relevant)


def evaluate_peer(peers: Peers, queries: list[Query], how: str, k: int = 10) -> dict:
    nd, rr, rc, lengths, empty = [], [], [], [], []
    for q in queries:
        ranked = peers.rank(q.query, how, k)
        lengths.extend(len(peers.chunks[i].text) for i in ranked)
        if q.offtopic:
            empty.append(float(not ranked))
            continue
        rel = [_relevant(peers.chunks[i], q) for i in ranked]
        total = sum(_relevant(c, q) for c in peers.chunks)
        dcg = sum(1 / math.log2(r + 2) for r, x in enumerate(rel) if x)
        ideal = sum(1 / math.log2(r + 2) for r in range(min(k, max(total, sum(rel)))))
        nd.append(dcg / ideal if ideal else 0.0)
        rr.append(next((1 / (r + 1) for r, x in enumerate(rel) if x), 0.0))
        found = [any(peers.chunks[i].source == j.doc and normalise(j.contains) in normalise(peers.chunks[i].text)
                     for i in ranked) for j in q.relevant]
        rc.append(sum(found) / len(found) if found else 0.0)
    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else 0.0

    return {"ndcg": mean(nd), "mrr": mean(rr), "recall": mean(rc), "empty": mean(empty) if empty else None,
            "unit_chars": mean(lengths)}


PEERS = {"bm25": "BM25 over 250/50 chunks", "chatchat": "Chatchat-style ensemble (BM25 + vectors, RRF 0.5/0.5)",
         "ragflow": "RAGFlow-style hybrid (0.7 keyword + 0.3 vector)"}


def main() -> None:
    from kb.search import KnowledgeBase

    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "bench" / "out" / "seed_index"))
    args = ap.parse_args()
    kb = KnowledgeBase.load(Path(args.index))
    peers = Peers(kb.documents, kb.embedder)
    print(f"{len(peers.chunks)} chunks")
    for name in ("dev_queries.jsonl", "heldout_queries.jsonl", "offtopic_queries.jsonl"):
        qs = load_queries(ROOT / "eval" / name)
        for how in PEERS:
            print(name, how, {k: (round(v, 3) if v is not None else None) for k, v in evaluate_peer(peers, qs, how).items()})


if __name__ == "__main__":
    main()
