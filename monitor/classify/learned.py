"""A small statistical model of a notice's category: multinomial naive Bayes over binary features.

Features (struck-through text removed, all lower-cased, digits folded to '#'): title words and
word pairs (`t:`), body words and word pairs (`w:`), word stems of 5 and 7 letters from title and
body (`s:`, so "nedetida" and "nedetidsvarsel" share "nedet"), and the first two words of every body
line (`l:`, where status lines such as "Løst – ..." and "Status: Overvåkes" live).

    features(title, body) -> frozenset[str]
    train(examples, smoothing) -> NaiveBayes             deterministic: no randomness, sorted output
    NaiveBayes.predict(features) -> Prediction           category, probability, the features behind it
    NaiveBayes.to_json() / NaiveBayes.from_json(text)    the shipped file, monitor/data/category_model.json

Pure: no I/O here (the shipped file is read by `monitor.classify.blend`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.classify.text import without_struck
from monitor.model import CATEGORIES, Category

_WORD = re.compile(r"[a-zæøåäöüé0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_STEMS = (5, 7)
_DECIMALS = 4


def _words(text: str) -> list[str]:
    return [_DIGITS.sub("#", word) for word in _WORD.findall(text.lower())]


def features(title: str, body: str) -> frozenset[str]:
    """The set of features of one notice (see the module docstring)."""
    found: set[str] = set()
    title, body = without_struck(title), without_struck(body)
    for prefix, words in (("t:", _words(title)), ("w:", _words(body))):
        found.update(prefix + word for word in words)
        found.update(f"{prefix}{first} {second}" for first, second in zip(words, words[1:], strict=False))
        for word in words:
            found.update("s:" + word[:size] for size in _STEMS if len(word) > size)
    for line in body.lower().splitlines():
        head = _words(line)[:2]
        if head:
            found.add("l:" + " ".join(head))
    return frozenset(found)


@dataclass(frozen=True)
class Prediction:
    """The model's category, its probability (0..1), the features that pushed hardest for it, and
    how many of the notice's features the model knows (few known features: little evidence)."""

    category: Category
    probability: float
    evidence: tuple[str, ...]
    known: int

    def describe(self) -> str:
        return (
            f"model: {self.category} (p={self.probability:.3f} from {self.known} known features; strongest "
            + ", ".join(repr(name) for name in self.evidence)
            + ")"
        )


@dataclass(frozen=True)
class NaiveBayes:
    """Log priors per category and, per feature, its smoothed log likelihood in each category (CATEGORIES
    order). Features the model never kept (seen in fewer than `min_count` notices) are ignored."""

    priors: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]

    def predict(self, found: Iterable[str], evidence: int = 5) -> Prediction:
        """The most probable category for a notice with these features."""
        known = sorted(name for name in set(found) if name in self.weights)
        scores = list(self.priors)
        for name in known:
            for index, weight in enumerate(self.weights[name]):
                scores[index] += weight
        best = max(range(len(scores)), key=lambda index: (scores[index], -index))
        top = max(scores)
        total = sum(math.exp(score - top) for score in scores)
        probability = 1.0 / total

        def lift(name: str) -> float:
            row = self.weights[name]
            others = [weight for index, weight in enumerate(row) if index != best]
            return row[best] - max(others)

        strongest = sorted(known, key=lambda name: (-lift(name), name))[:evidence]
        return Prediction(CATEGORIES[best], probability, tuple(strongest), len(known))

    def to_json(self) -> str:
        """A stable text form: sorted keys, rounded numbers, one feature per line."""
        lines = ["{", f'"categories": {json.dumps(list(CATEGORIES))},']
        lines.append(f'"priors": {json.dumps(list(self.priors))},')
        lines.append('"weights": {')
        rows = [
            f"{json.dumps(name, ensure_ascii=False)}: {json.dumps(list(self.weights[name]))}"
            for name in sorted(self.weights)
        ]
        lines.append(",\n".join(rows))
        lines += ["}", "}", ""]
        return "\n".join(lines)

    @classmethod
    def from_json(cls, text: str) -> NaiveBayes:
        """Raises ValueError when the text is not a model for today's categories."""
        data = json.loads(text)
        if data.get("categories") != list(CATEGORIES):
            raise ValueError(f"model categories {data.get('categories')} are not {list(CATEGORIES)}")
        weights = {str(name): tuple(float(value) for value in row) for name, row in data["weights"].items()}
        return cls(tuple(float(value) for value in data["priors"]), weights)


def train(
    examples: Iterable[tuple[frozenset[str], Category]], smoothing: float = 0.5, min_count: int = 2
) -> NaiveBayes:
    """Multinomial naive Bayes with Laplace smoothing over features seen in >= `min_count` notices.

    Deterministic: the same examples (in any order) give the same model.
    """
    rows = list(examples)
    seen: dict[str, int] = {}
    for found, _ in rows:
        for name in found:
            seen[name] = seen.get(name, 0) + 1
    vocabulary = sorted(name for name, count in seen.items() if count >= min_count)
    kept = set(vocabulary)
    counts = {name: [0] * len(CATEGORIES) for name in vocabulary}
    totals = [0] * len(CATEGORIES)
    documents = [0] * len(CATEGORIES)
    for found, category in rows:
        index = CATEGORIES.index(category)
        documents[index] += 1
        for name in found & kept:
            counts[name][index] += 1
            totals[index] += 1
    size = len(vocabulary)
    denominators = [total + smoothing * size for total in totals]
    priors = tuple(
        round(math.log((count + 1) / (len(rows) + len(CATEGORIES))), _DECIMALS) for count in documents
    )
    weights = {
        name: tuple(
            round(math.log((row[index] + smoothing) / denominators[index]), _DECIMALS)
            for index in range(len(CATEGORIES))
        )
        for name, row in counts.items()
    }
    return NaiveBayes(priors, weights)
