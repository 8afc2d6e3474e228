"""Character alignments between a sentence and its translation, and tag transfer.

A *character map* of a translation is a list with one entry per character of the
output: the index of the source character it was aligned to, or -1.  Backends make
one from the model's own cross-attention (each target token points at the source
token it attends to most); the engine composes them over sentence splits, prefixes and
pivots; :func:`distribute` uses one to cut a translated run of text back into the text
nodes its inline elements (``<a>``, ``<strong>``...) held in the source.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence

CharMap = list[int]

_SPACE = "\u2581"  # sentencepiece's word-start mark


def piece_spans(text: str, pieces: Sequence[str], specials: frozenset[str] = frozenset()) -> list[tuple[int, int]]:
    """The span of ``text`` each tokenizer piece covers, found left to right.

    Pieces are compared after NFKC (what sentencepiece's normaliser does); a piece that
    cannot be found (``<unk>``, a special token) covers the gap up to the next found one,
    or nothing."""
    normal: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for n in unicodedata.normalize("NFKC", char):
            normal.append(n)
            origin.append(index)
    flat = "".join(normal)
    spans: list[tuple[int, int] | None] = []
    position = 0
    for piece in pieces:
        word = unicodedata.normalize("NFKC", piece.replace(_SPACE, " ")).strip()
        if not word or piece in specials:
            spans.append(None)
            continue
        found = flat.find(word, position, position + len(word) + 16)
        if found < 0:
            spans.append(None)
            continue
        spans.append((origin[found], origin[found + len(word) - 1] + 1))
        position = found + len(word)
    # unfound pieces take the gap between their found neighbours
    out: list[tuple[int, int]] = []
    for index, span in enumerate(spans):
        if span is not None:
            out.append(span)
            continue
        start = out[-1][1] if out else 0
        following = next((s for s in spans[index + 1 :] if s is not None), None)
        end = following[0] if following else len(text)
        out.append((start, max(start, end)) if pieces[index] not in specials else (start, start))
    return out


def char_map(source: str, source_pieces: Sequence[str], output: str, output_pieces: Sequence[str],
             links: Sequence[int], specials: frozenset[str] = frozenset()) -> CharMap:
    """Output character -> source character, from ``links`` (output piece -> source piece)."""
    source_spans = piece_spans(source, source_pieces, specials)
    output_spans = piece_spans(output, output_pieces, specials)
    mapped = [-1] * len(output)
    for (start, end), link in zip(output_spans, links):
        if not 0 <= link < len(source_spans):
            continue
        s_start, s_end = source_spans[link]
        if s_end <= s_start:
            continue
        width = end - start
        for offset in range(width):  # spread the piece over its source piece, in order
            mapped[start + offset] = s_start + (offset * (s_end - s_start)) // max(1, width)
    return mapped


def proportional(source_length: int, output_length: int, start: int = 0) -> CharMap:
    """The map a translation gets when the model gave none: monotone, by length."""
    if source_length <= 0:
        return [-1] * output_length
    return [start + (i * source_length) // max(1, output_length) for i in range(output_length)]


def shifted(mapped: CharMap | None, offset: int, source_length: int, output_length: int) -> CharMap:
    """``mapped`` moved by ``offset`` source characters, or a proportional map if None."""
    if mapped is None or len(mapped) != output_length:
        return proportional(source_length, output_length, offset)
    return [offset + i if 0 <= i < source_length else -1 for i in mapped]


def rescaled(mapped: CharMap, old_length: int, new_length: int) -> CharMap:
    """A map onto a source of ``old_length`` characters, onto one of ``new_length``
    (text converted between scripts is rarely a different length, but can be)."""
    if old_length == new_length or old_length <= 0:
        return mapped
    return [(i * new_length) // old_length if i >= 0 else -1 for i in mapped]


def compose(outer: CharMap, inner: CharMap) -> CharMap:
    """Through a pivot: ``outer`` maps final -> middle characters, ``inner`` middle -> source."""
    return [inner[i] if 0 <= i < len(inner) else -1 for i in outer]


def encode(mapped: CharMap | None) -> str:
    """A map as stored in the translation memory ('' for none)."""
    return "" if mapped is None else " ".join(map(str, mapped)) or "-"


def decode(stored: str) -> CharMap | None:
    if not stored:
        return None
    return [] if stored == "-" else [int(i) for i in stored.split()]


# ---- tag transfer

# A unit is never cut: a Latin word or number, or one character, with the spaces around it
# (leading spaces only at the start: a unit of spaces alone would give a node nothing to show).
_UNIT = re.compile(r"\s*(?:[0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff'’_.\-]+|\S)\s*")


def distribute(output: str, mapped: CharMap, spans: Sequence[tuple[int, int]]) -> tuple[list[str], int]:
    """Cut ``output`` into ``len(spans)`` contiguous, in-order pieces, one per source
    text node (its span in the source), so that each output unit goes to the node its
    aligned source characters fall in wherever the order allows.

    Every piece is non-empty when the output has at least as many units as there are
    nodes.  A space between two words ends the piece of the word before it.  Returns the pieces and how many nodes got no output unit aligned to them
    (placed by order alone)."""
    count = len(spans)
    if count == 1:
        return [output], 0
    def node_of(source_index: int) -> int:
        for node, (start, end) in enumerate(spans):
            if start <= source_index < end:
                return node
        return -1

    units = []
    for m in _UNIT.finditer(output):
        # a unit whose characters the map puts in two nodes is two units ("slowly." with
        # the full stop aligned to a node of its own)
        start = m.start()
        for i in range(m.start() + 1, m.end()):
            if (i < len(mapped) and mapped[i] >= 0 and mapped[i - 1] >= 0 and not output[i].isspace()
                    and node_of(mapped[i]) != node_of(mapped[i - 1])):
                units.append((start, i))
                start = i
        units.append((start, m.end()))
    if len(units) < count:  # too few words: cut between characters
        units = [(i, i + 1) for i in range(len(output))]

    votes: list[int] = []
    for start, end in units:
        tally: dict[int, int] = {}
        for i in mapped[start:end]:
            node = node_of(i) if i >= 0 else -1
            if node >= 0:
                tally[node] = tally.get(node, 0) + 1
        votes.append(max(sorted(tally), key=lambda n: tally[n]) if tally else -1)

    n_units = len(units)
    if n_units < count:  # fewer characters than nodes: the first ones get one each
        pieces = [output[s:e] for s, e in units] + [""] * (count - n_units)
        return pieces, sum(1 for p in pieces if not p.strip())
    # best[u][k]: fewest disagreements with units[:u+1] assigned monotonically, unit u in node k,
    # every node up to k holding at least one unit.
    inf = float("inf")
    best = [[inf] * count for _ in range(n_units)]
    came_from = [[0] * count for _ in range(n_units)]
    for u in range(n_units):
        for k in range(min(u + 1, count)):
            if n_units - u < count - k:  # not enough units left for the nodes after k
                continue
            cost = 0 if votes[u] in (-1, k) else 1
            if u == 0:
                best[u][k] = cost if k == 0 else inf
                continue
            stay, advance = best[u - 1][k], best[u - 1][k - 1] if k else inf
            if stay <= advance:  # ties keep the unit with the node before it
                best[u][k], came_from[u][k] = stay + cost, k
            else:
                best[u][k], came_from[u][k] = advance + cost, k - 1
    nodes = [0] * n_units
    k = count - 1
    for u in range(n_units - 1, -1, -1):
        nodes[u] = k
        k = came_from[u][k]
    pieces = [""] * count
    for (start, end), node in zip(units, nodes):
        pieces[node] += output[start:end]
    anchored = {node for node, vote in zip(nodes, votes) if node == vote}
    return pieces, count - len(anchored)
