"""Notice text → clean sentences the classifier can read.

Removes what a reader does not see as the notice's message: struck-through text (`~~...~~`,
`<del>`/`<s>`), HTML comments (the feed's `<!-- -->` where a link text was), HTML tags, markdown
link targets (the link text stays), entities, zero-width spaces and no-break spaces. Whitespace
inside a line is folded to one space; line breaks stay as sentence boundaries.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_STRUCK = re.compile(r"~~.*?~~|<(del|s|strike)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^>\n]*>")
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_MD_INVERTED_LINK = re.compile(r"\(([^()\n]*)\)\[(https?://[^\]\s]*)\]")
_MD_MARKUP = re.compile(r"(\*\*|__|`+|^#+\s*|^\s*>\s*)", re.MULTILINE)
# A list item is a line of its own even when it starts in lower case ("* fredag 10. november kl 18-22").
_LIST_ITEM = re.compile(r"^\s*[*+-]\s+", re.MULTILINE)
_ITEM_MARK = "\u2022 "
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_CONTINUATION = re.compile(r"\n(?=[a-zæøå])")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}.*$", re.MULTILINE)
# A sentence ends at a line break, or at . ! ? followed by a capital letter (not at "kl. 16"
# or "27. februar", whose next character is a digit or a lower-case letter).
_SENTENCE_END = re.compile(r"\n+|(?<=[.!?])\s+(?=[A-ZÆØÅ«\"(])")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a notice; `in_title` for the title, `index` counts body sentences from 0."""

    text: str
    in_title: bool
    index: int
    paragraph: int


@dataclass(frozen=True)
class Prepared:
    """A notice ready for matching: cleaned title, body and their sentences (title first)."""

    title: str
    body: str
    sentences: tuple[Sentence, ...]

    @property
    def body_sentences(self) -> tuple[Sentence, ...]:
        return tuple(sentence for sentence in self.sentences if not sentence.in_title)

    @property
    def full_text(self) -> str:
        return self.title + "\n" + self.body


def without_struck(text: str) -> str:
    """The text without its struck-through parts (`~~...~~`, `<del>`): what a reader no longer reads."""
    return _STRUCK.sub(" ", text)


def clean(text: str) -> str:
    """Readable text: struck-through parts, comments, tags and link targets removed."""
    text = _STRUCK.sub(" ", text)
    text = _COMMENT.sub(" ", text)
    text = _MD_LINK.sub(lambda match: match.group(1), text)
    text = _MD_INVERTED_LINK.sub(lambda match: match.group(1), text)
    text = re.sub(r"<br\s*/?>|</p>|</li>|</tr>|</h\d>", "\n", text, flags=re.IGNORECASE)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    # A second pass: entities may have hidden struck-through markup or tags.
    text = _STRUCK.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _TABLE_RULE.sub("", text)
    text = _LIST_ITEM.sub(_ITEM_MARK, text)
    text = _MD_MARKUP.sub(" ", text)
    text = text.replace("\u2019", "'").replace("\u00b4", "'")
    lines = (_SPACES.sub(" ", line).strip(" |") for line in text.splitlines())
    joined = "\n".join(line.strip() for line in lines if line.strip())
    # A line that starts in lower case continues the sentence of the line before.
    return _CONTINUATION.sub(" ", joined).replace(_ITEM_MARK, "")


def split_sentences(text: str) -> list[str]:
    """Sentences of cleaned text, in order, without empty ones."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def prepare(title: str, text: str) -> Prepared:
    """Clean the title and body and split them into sentences."""
    clean_title = " ".join(clean(title).split())
    clean_body = clean(text)
    sentences = [Sentence(clean_title, True, -1, -1)] if clean_title else []
    index = 0
    paragraphs = _paragraphs(_STRUCK.sub(" ", text))
    paragraph_of_line: dict[str, int] = {}
    for number, paragraph in enumerate(paragraphs):
        for line in clean(paragraph).splitlines():
            paragraph_of_line.setdefault(line, number)
    for line in clean_body.splitlines():
        number = paragraph_of_line.get(line, len(paragraphs))
        for part in split_sentences(line):
            sentences.append(Sentence(part, False, index, number))
            index += 1
    return Prepared(clean_title, clean_body, tuple(sentences))


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs; one that ends with ':' continues into the next (its list)."""
    merged: list[str] = []
    for part in re.split(r"\n\s*\n", text):
        if merged and merged[-1].rstrip().endswith(":"):
            merged[-1] += "\n" + part
        else:
            merged.append(part)
    return merged
