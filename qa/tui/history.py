"""Stored conversations back into library objects: a stored turn's answer (`qa.Answer.to_dict()`)
becomes a `qa.Answer` again, its citations pointing at the retriever's passages, so that a resumed
chat shows its sources and opens them in the reader, and follow-ups lean on its last turn."""

from __future__ import annotations

from typing import Any

from qa.tui.library import AnswerInfo, Library


def restore_answer(record: dict[str, Any], retriever: Library) -> AnswerInfo:
    """A `qa.Answer` from its `to_dict()` record, against the retriever's passages.

    A citation whose passage the index no longer has (it was rebuilt from another article) cannot
    be restored; then the answer keeps its text and loses its citations (it shows no sources).
    """
    from qa import Answer, Citation

    by_id = {p.id: p for p in retriever.passages}
    citations = []
    for c in record.get("citations", []):
        passage = by_id.get(c.get("passage_id"))
        if passage is None:
            citations = []
            break
        numbers = [r.get("number") for r in c.get("references", [])]
        refs = tuple(r for r in passage.refs if r.number in numbers)
        article = retriever.document(passage.doc_id).short_citation()
        citations.append(Citation(int(c["marker"]), passage, c["sentence"], refs, article))
    passages = tuple(by_id[p["id"]] for p in record.get("passages", []) if p.get("id") in by_id)
    return Answer(question=record.get("question", ""), text=record.get("answer", ""),
                  citations=tuple(citations), abstained=bool(record.get("abstained")),
                  passages=passages, query=record.get("query", ""),
                  confidence=float(record.get("confidence", 0.0)),
                  closest_sections=tuple(record.get("closest_sections", ())),
                  reason=record.get("reason", ""), caution=record.get("caution", ""))
