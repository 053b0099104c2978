"""Text → search tokens: our own jieba instance with the domain dictionary, for documents and queries alike."""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from .text import normalize  # the normalisation (NFKC, 首台（套）→首台套, lower case) is a text rule

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

# Bump when normalize() (kb/text.py) or the cutting rules change: BM25 indexes built with another version are stale.
TOKENIZER_VERSION = 1

# jieba segments by character class; a token is kept only if it holds a letter, digit or Han character.
_MEANINGFUL = re.compile(r"[0-9a-z\u3400-\u9fff\uf900-\ufaff]")
_ALL_HAN = re.compile(r"[\u3400-\u9fff]+")
# Memo sizes. jieba cuts each run of its block characters (Han, letters, digits, +#&._%-) on its own, so
# a run's tokens do not depend on its neighbours and can be remembered: headings repeated as clause
# context, boilerplate and repeated documents are cut once. Long runs rarely repeat and are not kept.
_MEMO_BLOCK_CHARS = 64
_MEMO_ENTRIES = 100_000


def _read_lines(path: Path) -> Iterable[str]:
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


def read_userdict(path: Path) -> list[tuple[str, int | None, str | None]]:
    """Parse a jieba user dictionary (`word [freq] [tag]`), allowing `#` comment lines."""
    entries: list[tuple[str, int | None, str | None]] = []
    for line in _read_lines(path):
        parts = line.split()  # the line is stripped, so no empty part
        word, freq, tag = parts[0], None, None
        for part in parts[1:3]:
            if part.isdigit():
                freq = int(part)
            else:
                tag = part
        entries.append((normalize(word), freq, tag))
    return entries


def read_stopwords(path: Path) -> frozenset[str]:
    """One stop word a line, `#` comments allowed; normalised like the text they are matched against."""
    return frozenset(normalize(line) for line in _read_lines(path))


class Tokenizer:
    """Cuts text with a private `jieba.Tokenizer` loaded with the domain dictionary.

    Granularity is that of `cut_for_search`: every word, plus the dictionary words inside it
    (jieba itself only looks at 2- and 3-character parts; we look at all lengths, so
    出口信用保险 also yields 信用保险). Stop words and punctuation are dropped.
    """

    def __init__(
        self,
        userdict: Path | None = USERDICT_PATH,
        stopwords: Path | None = STOPWORDS_PATH,
        hmm: bool = True,
    ):
        import jieba

        self._block_re = jieba.re_han_default  # how jieba.cut splits its input into blocks
        self._blocks: dict[str, tuple[str, ...]] = {}  # block → its tokens
        self._words: dict[str, tuple[str, ...]] = {}  # jieba word → its kept tokens
        jieba.setLogLevel(logging.WARNING)  # silence "Building prefix dict …" on stderr
        self._jieba = jieba.Tokenizer()
        self._pos = None  # jieba.posseg over the same dictionary, made on first use (tag_words)
        self._jieba.initialize()
        self.hmm = hmm
        digest = hashlib.sha256(f"v{TOKENIZER_VERSION};jieba {jieba.__version__};hmm={hmm}".encode())
        if userdict is not None:
            for word, freq, tag in read_userdict(Path(userdict)):
                self._jieba.add_word(word, freq, tag)
            digest.update(Path(userdict).read_bytes())
        self.stopwords = read_stopwords(Path(stopwords)) if stopwords is not None else frozenset()
        if stopwords is not None:
            digest.update(Path(stopwords).read_bytes())
        # Recorded beside a BM25 index: a different signature means the index must be rebuilt.
        self.signature = digest.hexdigest()[:16]

    def _keep(self, token: str) -> bool:
        return token not in self.stopwords and _MEANINGFUL.search(token) is not None

    def _expand(self, word: str) -> list[str]:
        """The word's dictionary sub-words (length ≥ 2), then the word itself."""
        if len(word) <= 2 or not _ALL_HAN.fullmatch(word):
            return [word]
        freq = self._jieba.FREQ
        out = []
        for n in range(2, len(word)):
            for i in range(len(word) - n + 1):
                part = word[i : i + n]
                if freq.get(part):
                    out.append(part)
        out.append(word)
        return out

    def _word_tokens(self, word: str) -> tuple[str, ...]:
        """Kept tokens of one jieba word (its sub-words and itself), remembered: words repeat a lot."""
        found = self._words.get(word)
        if found is None:
            found = tuple(t for t in self._expand(word) if self._keep(t))
            if len(self._words) >= _MEMO_ENTRIES:
                self._words.clear()
            self._words[word] = found
        return found

    def _cut_block(self, block: str) -> tuple[str, ...]:
        """Tokens of one block; jieba.cut on the block alone gives what it gives inside a longer text."""
        tokens: list[str] = []
        for word in self._jieba.cut(block, HMM=self.hmm):
            word = word.strip()
            if word:
                tokens.extend(self._word_tokens(word))
        return tuple(tokens)

    def tokenize(self, text: str) -> list[str]:
        """Tokens of `text`, in order of appearance; the same function serves documents and queries."""
        if not text:
            return []
        tokens: list[str] = []
        memo = self._blocks
        for block in self._block_re.split(normalize(text)):
            if not block:
                continue
            found = memo.get(block)
            if found is None:
                found = self._cut_block(block)
                if len(block) <= _MEMO_BLOCK_CHARS:
                    if len(memo) >= _MEMO_ENTRIES:
                        memo.clear()
                    memo[block] = found
            tokens.extend(found)
        return tokens

    __call__ = tokenize

    def tag_words(self, text: str) -> list[tuple[str, str]]:
        """(word, part-of-speech flag) for each word jieba cuts from the text, with our dictionary (not stop-word
        filtered: the tags are about the wording)."""
        if self._pos is None:
            import jieba.posseg

            self._pos = jieba.posseg.POSTokenizer(self._jieba)
        return [(p.word, p.flag) for p in self._pos.cut(text)]

    def words(self, text: str) -> list[str]:
        """The dictionary words jieba cuts the text into, without HMM guesses at unknown runs and with nothing
        dropped (they join back to `text`): where the text's words begin and end."""
        return list(self._jieba.cut(text, HMM=False))

    def known(self, word: str) -> bool:
        """The word is in the dictionary (jieba's or ours), not a boundary the segmenter guessed."""
        return bool(self._jieba.FREQ.get(word))

    def general_idf(self, word: str) -> float:
        """How rare a word is in general Chinese (jieba's dictionary counts): ln(total / (count + 1)).
        Function words score low (不能 7.5, 我们 6.4), subject words high (公积金 11.6, 报销 12.5)."""
        return math.log(self._jieba.total / (self._jieba.FREQ.get(word, 0) + 1))


_default: Tokenizer | None = None
_default_lock = threading.Lock()


def get_tokenizer() -> Tokenizer:
    """The process-wide tokenizer with the packaged dictionary, created once (≈1 s) on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Tokenizer()
    return _default

