"""A headless core: the library never imports Textual, and `import qa` does not load torch.

Each check runs in a fresh interpreter, so what other tests imported does not matter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ["qa", "qa.corpus", "qa.chunking", "qa.index", "qa.retriever", "qa.answer", "qa.chat",
        "qa.embedding", "qa.lexical", "qa.text", "qa.errors", "qa.cli", "qa.conversations", "qa.jats",
        "qa.store", "qa.decision", "qa.faiss_factory", "qa.terms", "qa.settings", "qa.query", "qa.scoring", "qa.parse_cache"]
if (ROOT / "qa" / "evaluation.py").exists():
    CORE.append("qa.evaluation")


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1",
                                            "HOME": str(ROOT / ".no-home")})


def test_core_modules_never_import_textual():
    code = ("import sys\n"
            + "".join(f"import {m}\n" for m in CORE)
            + "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "assert not bad, bad\n"
            "print('ok')\n")
    r = _run(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_import_qa_does_not_import_torch():
    r = _run("import sys, qa\n"
             "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'textual') "
             "if m in sys.modules]\n"
             "assert not heavy, heavy\n"
             "print(qa.__version__)\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()


@pytest.mark.parametrize("module", [m for m in CORE if m != "qa"])
def test_core_sources_have_no_textual_import(module):
    """Also statically: no `import textual` / `from textual` anywhere in a core module (lazy imports
    inside functions included), nor an import of the UI package."""
    path = ROOT / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for n in names:
            assert not n.startswith("textual"), (module, n)
            if module != "qa.cli":  # the CLI opens the chat UI on demand
                assert not n.startswith("qa.tui"), (module, n)


def test_public_api_exports():
    import qa

    for name in ("Retriever", "ChatSession", "Answer", "Citation", "Passage", "Reference", "Document",
                 "CorpusError", "IndexCorruptError", "StaleIndexError", "QuestionError", "QAError",
                 "load_corpus", "MODES"):
        assert hasattr(qa, name), name
        assert name in qa.__all__, name


def test_the_answerer_reads_the_corpus_through_its_typed_protocol_only():
    """The answerer never analyses the question through the retriever (expand, embed, abbreviations,
    named parts: `qa.query.QueryAnalysis` carries them) and reads the corpus only through the
    members `AnswerCorpus` declares; the chat session uses no getattr/hasattr on its parts."""
    import qa.answer as answer

    declared = {n for n in dir(answer.AnswerCorpus) if not n.startswith("_")} | set(
        answer.AnswerCorpus.__annotations__)
    tree = ast.parse((ROOT / "qa" / "answer.py").read_text(encoding="utf-8"))
    used = {node.attr for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
            and node.value.attr == "corpus"}
    assert used and used <= declared, used - declared
    for retired in ("expand_query", "embed", "abbreviations_in", "long_form", "descriptions_asked", "in_named_part",
                    "documents", "vocabulary", "word_vectors"):
        assert retired not in used
    # what a question names (its subjects, names, absent words) is read once, in its analysis
    source = (ROOT / "qa" / "answer.py").read_text(encoding="utf-8")
    assert "SubjectReader" not in source and "qa.names" not in source
    chat = (ROOT / "qa" / "chat.py").read_text(encoding="utf-8")
    assert "getattr(" not in chat and "hasattr(" not in chat


def test_the_ui_talks_to_the_library_through_typed_protocols():
    """`qa.tui` names the library's objects by the protocols of `qa.tui.library` (a retriever, an
    answer, a chat), never `typing.Any`, and reads no attribute by name (getattr/hasattr); a JSON
    record's values are the one `Any`."""
    offenders = []
    for path in sorted((ROOT / "qa" / "tui").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr"):
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}")
            if isinstance(node, ast.Name) and node.id == "Any":
                offenders.append(f"{path.name}:{node.lineno} Any")
    assert set(offenders) <= {"history.py:7 Any", "history.py:12 Any"}, offenders
