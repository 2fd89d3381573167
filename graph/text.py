"""Text tokens for full-text search, the way Lucene's CJK analyzer makes them.

Neo4j's full-text index uses the ``cjk`` analyzer (Chinese runs become
overlapping bigrams, other words are lower-cased); the embedded store tokenises
the same way so that a query finds the same things on both.

>>> tokens("工业机器人 Robot programming")
['工业', '业机', '机器', '器人', 'robot', 'programming']
>>> tokens("焊")
['焊']
"""

from __future__ import annotations

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_]+", re.UNICODE)
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")

# Lucene's English stop words, which the CJK analyzer drops as well.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)


def tokens(text: str) -> list[str]:
    """Split ``text`` into search tokens: CJK bigrams and lower-cased words, stop words dropped."""
    out: list[str] = []
    for run in _RUN.findall(text):
        if _CJK_RUN.match(run):
            out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            word = run.lower()
            if word not in STOP_WORDS:
                out.append(word)
    return out
