"""The passages of a search entry that get a vector each.

A case has its title with the summary, its key facts (tags, themes, towns) and its story
(starting point, goals, implementation, results, lessons, transfer details) in chunks of a
few paragraphs; a guide, glossary entry or event the same from its own text. Every passage
starts with the heading, so a chunk about "the shop" still knows which shop. The model reads
at most 512 tokens; a chunk of CHUNK_WORDS words stays well below that.
"""

import hashlib

CHUNK_WORDS = 120
MAX_CHUNKS = 12


def _chunks(text, size=CHUNK_WORDS):
    """Paragraphs gathered into chunks of about ``size`` words; a longer paragraph is cut."""
    chunks, current, count = [], [], 0
    for paragraph in (p.strip() for p in text.split("\n")):
        words = paragraph.split()
        while len(words) > size:  # one very long paragraph: cut it
            if current:
                chunks.append(" ".join(current))
                current, count = [], 0
            chunks.append(" ".join(words[:size]))
            words = words[size:]
        if not words:
            continue
        if count + len(words) > size and current:
            chunks.append(" ".join(current))
            current, count = [], 0
        current.extend(words)
        count += len(words)
    if current:
        chunks.append(" ".join(current))
    return chunks


def entry_passages(entry):
    """The texts to embed for one SearchEntry (any object with its fields)."""
    heading = entry.heading.strip()
    passages = [f"{heading}. {entry.summary.strip()}".strip()]
    facts = [part for part in (entry.tags, entry.theme_names, entry.towns) if part]
    if facts:
        passages.append(f"{heading}. " + "; ".join(p.replace("|", ", ") for p in facts))
    for chunk in _chunks(entry.text)[:MAX_CHUNKS]:
        passages.append(f"{heading}. {chunk}")
    return passages


def passages_hash(passages, model_id):
    """What the vectors of an entry depend on: its passages and the model."""
    digest = hashlib.sha1(model_id.encode(), usedforsecurity=False)
    for passage in passages:
        digest.update(b"\0" + passage.encode())
    return digest.hexdigest()
