"""Parse JATS XML articles (PubMed Central's `.nxml`, Europe PMC's full text) with lxml.

The article is rendered into one plain text, block after block (front matter, abstract, sections,
tables, figure captions, back matter, references), and every block keeps its character span in that
text, as the PMC text parser does for its file: a passage can be shown in place, and the reader shows
the rendered article. In-text citations are resolved from `<xref ref-type="bibr" rid=…>` (ranges
written as two xrefs with a dash between are expanded), not from bracket patterns, so author-year
styles work too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from lxml import etree

from qa.corpus import (Block, Document, Figure, Reference, Section, Table, find_abbreviations,
                       parse_legend)
from qa.errors import CorpusError

_XLINK = "{http://www.w3.org/1999/xlink}href"
_WS = re.compile(r"[ \t\r\n]+")
# elements whose text is not part of the reading text
_SKIP = {"object-id", "graphic", "inline-graphic", "tex-math", "media"}
# block-level elements that can sit inside a <p>: they become blocks of their own
_BLOCK_IN_P = {"fig", "table-wrap", "list", "boxed-text", "disp-quote", "supplementary-material",
               "fig-group", "table-wrap-group", "def-list", "statement", "code", "preformat"}
_CITATION_TAGS = ("element-citation", "mixed-citation", "nlm-citation", "citation")


def _local(el) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _text(el) -> str:
    """The whitespace-collapsed text of an element (no citation tracking)."""
    if el is None:
        return ""
    return _inner(el)


def _iter_text(el):
    name = _local(el)
    if name in _SKIP:
        if el.tail:
            yield el.tail
        return
    if name == "alternatives":  # one rendering: MathML or text over TeX and graphics
        kids = [c for c in el if _local(c) not in ("graphic", "tex-math", "inline-graphic")]
        for c in kids[:1]:
            yield from _iter_text(c)
        if el.tail:
            yield el.tail
        return
    if el.text:
        yield el.text
    for c in el:
        yield from _iter_text(c)
    if el.tail:
        yield el.tail


def _inner(el) -> str:
    """Text of an element without its own tail."""
    parts = [el.text or ""]
    for c in el:
        parts.extend(_iter_text(c))
    return _WS.sub(" ", "".join(parts)).strip()


class _Inline:
    """Collects a paragraph's text with whitespace collapsed, recording where bibliography xrefs sit."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.cites: list[tuple[int, int, str]] = []  # (start, end, rid) within the text
        self.dashes: list[int] = []  # positions of range dashes between two xrefs

    def add(self, s: str) -> None:
        if not s:
            return
        s = _WS.sub(" ", s)
        if s.startswith(" ") and (not self.parts or self.parts[-1].endswith(" ")):
            s = s[1:]
        if s:
            self.parts.append(s)
            self.length += len(s)

    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class _Out:
    """The rendered article text and what lies where in it."""

    chunks: list[str] = field(default_factory=list)
    length: int = 0
    blocks: list[Block] = field(default_factory=list)
    headings: list[tuple[tuple[str, ...], int]] = field(default_factory=list)
    written: dict[tuple[str, ...], str] = field(default_factory=dict)  # a heading as written, where it differs
    citations: list[tuple[int, int, tuple[int, ...]]] = field(default_factory=list)

    def write(self, s: str) -> tuple[int, int]:
        if self.chunks:
            self.chunks.append("\n\n")
            self.length += 2
        start = self.length
        self.chunks.append(s)
        self.length += len(s)
        return start, self.length

    def heading(self, path: tuple[str, ...], written: str = "") -> None:
        """Write the heading `path[-1]`; `written`: how the article writes it, where that differs."""
        start, _ = self.write(path[-1])
        self.headings.append((path, start))
        if written and written != path[-1]:
            self.written.setdefault(path, written)


class _Parser:
    def __init__(self, root, doc_id: str, path: str):
        self.root, self.doc_id, self.path = root, doc_id, path
        self.out = _Out()
        self.warnings: list[str] = []
        self.glossary: dict[str, str] = {}
        self.tables: list[Table] = []
        self.figures: list[Figure] = []
        self.ref_numbers: dict[str, int] = {}
        self.references: dict[int, Reference] = {}
        self.float_done: set[str] = set()
        self.tree = root.getroottree()

    # ------------------------------------------------------------------ helpers

    def first(self, xpath: str):
        found = self.root.xpath(xpath)
        return found[0] if found else None

    def inline(self, el, skip_blocks: bool = True) -> tuple[_Inline, list]:
        """The inline text of `el`; block-level children are returned to be rendered after it."""
        buf = _Inline()
        deferred: list = []

        def walk(node, top: bool) -> None:
            name = _local(node)
            if not top:
                if name in _SKIP:
                    buf.add(node.tail or "")
                    return
                if skip_blocks and name in _BLOCK_IN_P:
                    deferred.append(node)
                    buf.add(node.tail or "")
                    return
                if name == "alternatives":
                    kids = [c for c in node if _local(c) not in ("graphic", "tex-math", "inline-graphic")]
                    for c in kids[:1]:
                        walk(c, False)
                    buf.add(node.tail or "")
                    return
                if name == "xref" and node.get("ref-type") == "bibr":
                    start = buf.length
                    label = _inner(node)
                    buf.add(label)
                    if node.get("rid"):
                        buf.cites.append((start, buf.length, node.get("rid")))
                    tail = node.tail or ""
                    if re.fullmatch(r"\s*[\u2013\u2014-]\s*", tail):
                        buf.dashes.append(len(buf.cites) - 1)
                    buf.add(tail)
                    return
            buf.add(node.text or "")
            for c in node:
                walk(c, False)
            if not top:
                buf.add(node.tail or "")

        walk(el, True)
        return buf, deferred

    def resolve(self, buf: _Inline) -> list[tuple[int, int, tuple[int, ...]]]:
        """Citation spans of the buffer: rids to reference numbers, "3–5" ranges expanded."""
        spans = []
        cites = buf.cites
        for i, (s, e, rid) in enumerate(cites):
            nums = [self.ref_numbers[r] for r in rid.split() if r in self.ref_numbers]
            if i - 1 in buf.dashes and i - 1 >= 0:
                prev = [self.ref_numbers.get(r) for r in cites[i - 1][2].split()]
                if prev and prev[-1] is not None and nums and nums[0] > prev[-1]:
                    a, b = prev[-1], nums[0]
                    if b - a < 200:
                        nums = list(range(a + 1, b + 1)) + nums[1:]
            if nums:
                spans.append((s, e, tuple(dict.fromkeys(nums))))
        return spans

    def emit(self, kind: str, section: tuple[str, ...], buf_or_text, context: str = "") -> Block | None:
        if isinstance(buf_or_text, _Inline):
            raw = buf_or_text.text()
            spans = self.resolve(buf_or_text)
        else:
            raw, spans = buf_or_text, []
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        if not text:
            return None
        start, end = self.out.write(text)
        refs: list[int] = []
        for s, e, nums in spans:
            s2, e2 = s - lead, e - lead
            if 0 <= s2 < len(text):
                self.out.citations.append((start + s2, start + min(e2, len(text)), nums))
                refs.extend(nums)
        block = Block(kind, section, text, start, end, tuple(dict.fromkeys(refs)), context)
        self.out.blocks.append(block)
        return block

    # ------------------------------------------------------------------ parts

    def parse(self) -> Document:
        root = self.root
        meta = self.first("/article/front/article-meta") if root.tag == "article" else None
        if meta is None:
            meta = self.first("//article-meta")
        if meta is None:
            raise CorpusError(f"{self.path or self.doc_id}: not a JATS article (no <article-meta>)")
        self.number_references()
        title = _text(meta.find("title-group/article-title"))
        if not title:
            self.warnings.append("no title")
        journal = (_text(self.first("//journal-meta//journal-title")) or
                   _text(self.first("//journal-meta/journal-id[@journal-id-type='nlm-ta']")))
        journal_abbrev = (_text(self.first("//journal-meta/journal-id[@journal-id-type='nlm-ta']")) or
                          _text(self.first("//journal-meta/journal-id[@journal-id-type='iso-abbrev']")) or
                          journal)
        ids = {el.get("pub-id-type"): _text(el) for el in meta.findall("article-id")}
        doi, pmid = ids.get("doi", ""), ids.get("pmid", "")
        pmcid = ids.get("pmc", "") or ids.get("pmcid", "")
        if pmcid and not pmcid.upper().startswith("PMC"):
            pmcid = f"PMC{pmcid}"
        if not doi:
            self.warnings.append("no DOI")
        year = self.year(meta)
        authors, affiliations = self.authors(meta)
        if not authors:
            self.warnings.append("no authors")
        license_text = " ".join(_text(p) for p in meta.xpath("permissions/license//license-p")) or \
            _text(meta.find("permissions/license"))
        license_url = ""
        lic = meta.find("permissions/license")
        if lic is not None:
            license_url = lic.get(_XLINK, "") or ""
        copyright_ = _text(meta.find("permissions/copyright-statement")) or _text(meta.find(".//copyright-statement"))
        if not (license_text or license_url or copyright_):
            self.warnings.append("no licence")
        article_type = root.get("article-type", "") if root.tag == "article" else ""
        subjects = [_text(s) for s in meta.xpath("article-categories//subject")]
        volume, issue = _text(meta.find("volume")), _text(meta.find("issue"))
        fpage, lpage = _text(meta.find("fpage")), _text(meta.find("lpage"))
        eloc = _text(meta.find("elocation-id"))
        corresp = self.correspondence(meta)
        editors = []
        for c in meta.xpath("contrib-group/contrib[@contrib-type='editor']"):
            n = c.find("name")
            if n is None:
                continue
            who = f"{_text(n.find('given-names'))} {_text(n.find('surname'))}".strip()
            role = _text(c.find("role")) or "Editor"
            rids = [r for x in c.xpath("xref[@ref-type='aff']") for r in (x.get("rid") or "").split()]
            aff_el = [a for a in meta.xpath(".//aff") if a.get("id") in rids]
            where_ = f" ({_text(aff_el[0])})" if aff_el else ""
            editors.append(f"{role}: {who}{where_}")
        # --- front matter block (the text the chunker cuts into author / publication / rights)
        names = ", ".join(authors)
        where = "".join(f" Affiliation{'s' if len(places) > 1 else ''} of {name}: {'; '.join(places)}."
                        for name, places in affiliations if places)
        issue_txt = ", ".join(x for x in (
            f"volume {volume}" if volume else "", f"issue {issue}" if issue else "",
            (f"pages {fpage}–{lpage}" if lpage and lpage != fpage else f"article {fpage}") if fpage else
            (f"article {eloc}" if eloc else "")) if x)
        front = (f"{title}. Authors: {names}.{where} Published in the journal {journal}"
                 f"{f', {year}' if year else ''}{f', {issue_txt}' if issue_txt else ''}. "
                 f"DOI: {doi or 'none'}." + (f" PMID: {pmid}." if pmid else "")
                 + (f" Correspondence to: {corresp}." if corresp else "")
                 + "".join(f" {e}." for e in editors)
                 + (f" {copyright_}" if copyright_.startswith(("©", "Copyright")) else
                    f" © {copyright_}." if copyright_ else (" ©" if license_text else ""))
                 + (f" {license_text}" if license_text else "")
                 + (f" ({license_url})" if license_url and license_url not in license_text else ""))
        front = _WS.sub(" ", front).replace(" .", ".").replace("..", ".")
        self.out.heading(("front matter",))
        self.emit("front", ("front matter",), front)
        # --- abstract, keywords
        abstract = self.abstract(meta)
        kwds = [_text(k) for k in meta.xpath("kwd-group[not(@xml:lang) or @xml:lang='en']/kwd")]
        if kwds:
            self.emit("keywords", ("abstract", "keywords"), "Keywords: " + "; ".join(kwds),
                      "Keywords: " + ", ".join(kwds))
        # --- funding and notes of the front
        funding = meta.xpath("funding-group/funding-statement") or meta.xpath("funding-group")
        if funding:
            self.out.heading(("Funding",))
            for f in funding:
                buf, _ = self.inline(f)
                self.emit("paragraph", ("Funding",), buf)
        for fn in meta.xpath("author-notes/fn"):
            kind = fn.get("fn-type", "")
            heading = {"conflict": "Competing interests", "con": "Author contributions",
                       "financial-disclosure": "Funding"}.get(kind)
            if heading is None:
                continue
            self.out.heading((heading,))
            for p in fn.xpath(".//p") or [fn]:
                buf, _ = self.inline(p)
                self.emit("paragraph", (heading,), buf)
        # --- body
        body = self.first("/article/body") if root.tag == "article" else self.first("//body")
        if body is None:
            self.warnings.append("no body text")
        else:
            self.container(body, ())
        # --- floats placed apart from the text
        floats = self.root.xpath("/article/floats-group/*") if root.tag == "article" else []
        pending = [f for f in floats + self.root.xpath("//body//*[self::table-wrap or self::fig]")
                   if self.tree.getpath(f) not in self.float_done and _local(f) in ("table-wrap", "fig")]
        if pending:
            path = ("Tables and figures",)
            self.out.heading(path)
            for f in pending:
                self.float_(f, path)
        # --- back matter
        back = self.first("/article/back") if root.tag == "article" else self.first("//back")
        if back is not None:
            for el in back:
                name = _local(el)
                if name == "ref-list":
                    continue
                if name == "ack":
                    path = (_text(el.find("title")) or "Acknowledgements",)
                    self.out.heading(path)
                    self.container(el, path, titled=True)
                elif name in ("sec", "app-group", "app", "notes", "fn-group", "glossary", "bio"):
                    heading = _text(el.find("title")) or {"fn-group": "Notes", "glossary": "Abbreviations",
                                                        "app-group": "Appendix", "app": "Appendix",
                                                        "notes": "Notes", "bio": "Notes"}.get(name, "Notes")
                    path = (heading,)
                    self.out.heading(path)
                    self.container(el, path, titled=True)
        self.reference_blocks()
        text = "".join(self.out.chunks)
        sections = self.sections(len(text))
        for b in self.out.blocks:
            if b.kind in ("paragraph", "abstract", "figure_caption"):
                for k, v in find_abbreviations(b.text).items():
                    self.glossary.setdefault(k, v)
        cited = {n for _, _, nums in self.out.citations for n in nums}
        missing = sorted(cited - set(self.references))
        if missing:
            self.warnings.append(f"{len(missing)} cited reference numbers not in the bibliography")
        data_sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return Document(
            doc_id=self.doc_id, path=self.path, text=text, sha256=data_sha, title=title,
            journal=journal, authors=tuple(authors), doi=doi, year=year, abstract=abstract,
            keywords=tuple(kwds), sections=sections, blocks=tuple(self.out.blocks),
            references=self.references, glossary=self.glossary, pmid=pmid, pmcid=pmcid,
            license=license_text or license_url or copyright_, article_type=_article_type(article_type, subjects),
            journal_abbrev=journal_abbrev, tables=tuple(self.tables), figures=tuple(self.figures),
            warnings=tuple(self.warnings), citations=tuple(self.out.citations), format="jats",
            affiliations=tuple(affiliations))

    def year(self, meta) -> int | None:
        for xp in ("pub-date[@pub-type='ppub']/year", "pub-date[@date-type='pub']/year",
                   "pub-date[@pub-type='epub']/year", "pub-date[@pub-type='collection']/year",
                   "pub-date/year", "permissions/copyright-year"):
            y = _text(meta.find(xp))
            if re.fullmatch(r"\d{4}", y):
                return int(y)
        self.warnings.append("no publication year")
        return None

    def correspondence(self, meta) -> str:
        """Who to write to, named: "Jose Fafetine, E-mail: jf@example.org", from the authors marked
        corresponding (`corresp="yes"`, or an `xref` to a `corresp` note), with the note's address when
        it says more than the e-mail; the notes alone when no author is marked."""
        notes = {c.get("id", ""): c for c in meta.xpath("author-notes/corresp")}
        named, used = [], set()
        for c in meta.xpath("contrib-group/contrib[not(@contrib-type) or @contrib-type='author']"):
            rids = [r for x in c.xpath("xref[@ref-type='corresp']") for r in (x.get("rid") or "").split()]
            if c.get("corresp") != "yes" and not rids:
                continue
            n = _name_of(c)
            who = (f"{_text(n.find('given-names'))} {_text(n.find('surname'))}".strip() if n is not None
                   else _text(c.find("collab")))
            emails = [_text(e) for e in c.findall("email")] + [
                _text(e) for r in rids if r in notes for e in notes[r].iter("{*}email", "email")]
            used.update(r for r in rids if r in notes)
            if who:
                named.append(who + (f", E-mail: {', '.join(dict.fromkeys(emails))}" if emails else ""))
        said = " ".join(named)
        rest = []
        for key, note in notes.items():
            text = _text(note)
            if not named or key in used:
                # what the note says beyond the e-mail addresses already given ("* E-mail: ...")
                left = re.sub(r"[^.]*\bcorrespondence should be addressed\b[^.]*\.?|E-?mail:?|\*", " ", text)
                for e in note.iter("{*}email", "email"):
                    if _text(e) in said:
                        left = left.replace(_text(e), " ")
                left = _WS.sub(" ", left).strip(" .;,")
                if len(left.split()) >= 2 or (left and not named):
                    rest.append(left)
            else:
                rest.append(text)
        return "; ".join(named + rest)

    def authors(self, meta) -> tuple[list[str], list[tuple[str, tuple[str, ...]]]]:
        affs = {}
        for a in self.root.xpath("//article-meta//aff | //article-meta/contrib-group/aff"):
            parts = [a.text or ""]
            for x in a:
                if _local(x) in ("label", "sup"):
                    parts.append(" " + (x.tail or ""))
                else:
                    parts.append(" " + _text(x) + " " + (x.tail or ""))
            body = _WS.sub(" ", "".join(parts)).strip(" ,;")
            body = re.sub(r"\s+,", ",", body)
            affs[a.get("id", "")] = body
        names: list[str] = []
        places: list[tuple[str, tuple[str, ...]]] = []
        for c in meta.xpath("contrib-group/contrib[not(@contrib-type) or @contrib-type='author']"):
            n = _name_of(c)
            if n is not None:
                surname = _text(n.find("surname"))
                given = _text(n.find("given-names"))
                initials = "".join(w[0] for w in re.split(r"[\s.\-]+", given) if w)
                name = f"{surname} {initials}".strip()
            elif c.find("collab") is not None:
                name = _text(c.find("collab"))
            else:
                continue
            if not name:
                continue
            names.append(name)
            rids = [x.get("rid", "") for x in c.xpath("xref[@ref-type='aff']")]
            mine = tuple(affs[r] for rid in rids for r in rid.split() if affs.get(r))
            if not mine and len(affs) == 1:
                mine = tuple(affs.values())
            places.append((name, mine))
        return names, places

    def abstract(self, meta) -> dict[str, str]:
        out: dict[str, str] = {}
        abstracts = [a for a in meta.findall("abstract") if a.get("abstract-type") in (None, "", "structured")]
        if not abstracts:
            abstracts = [a for a in meta.findall("abstract")
                         if a.get("abstract-type") not in ("toc", "teaser", "graphical", "author-summary")]
        if not abstracts:
            self.warnings.append("no abstract")
            return out
        self.out.heading(("abstract",))
        for ab in abstracts[:1]:
            secs = ab.findall("sec")
            if secs:
                for s in secs:
                    label = _text(s.find("title")) or "Abstract"
                    path = ("abstract", label.lower())
                    self.out.heading(path, label)
                    for p in s.findall("p"):
                        buf, _ = self.inline(p)
                        b = self.emit("abstract", path, buf)
                        if b:
                            out[label] = (out.get(label, "") + " " + b.text).strip()
            else:
                for p in ab.findall("p"):
                    buf, _ = self.inline(p)
                    b = self.emit("abstract", ("abstract",), buf)
                    if b:
                        out["Abstract"] = (out.get("Abstract", "") + " " + b.text).strip()
        # a plain-language summary is part of the abstract too
        for ab in meta.findall("abstract"):
            if ab.get("abstract-type") in ("summary", "author-summary") and ab is not abstracts[0]:
                label = _text(ab.find("title")) or "Author summary"
                path = ("abstract", label.lower())
                self.out.heading(path, label)
                for p in ab.xpath(".//p"):
                    buf, _ = self.inline(p)
                    self.emit("abstract", path, buf)
        return out

    def container(self, el, path: tuple[str, ...], titled: bool = False) -> None:
        """Render the children of a body-like element under `path`."""
        for c in el:
            name = _local(c)
            if name == "title" or name == "label":
                continue
            if name == "sec":
                title = _text(c.find("title"))
                sub = path + (title,) if title else path
                if title:
                    self.out.heading(sub)
                self.container(c, sub)
            elif name == "p":
                self.paragraph(c, path)
            elif name in ("table-wrap", "fig", "table-wrap-group", "fig-group"):
                self.float_(c, path)
            elif name == "list":
                self.list_(c, path)
            elif name in ("boxed-text", "disp-quote", "statement"):
                t = _text(c.find("caption/title")) or _text(c.find("title"))
                self.container(c, path + ((t,) if t else ()))
            elif name == "def-list":
                self.def_list(c, path)
            elif name in ("fn-group", "fn", "notes", "glossary", "app", "ack"):
                self.container(c, path)
            elif name == "ref-list":
                continue
            elif name == "supplementary-material":
                cap = _text(c.find("caption"))
                if cap:
                    label = _text(c.find("label"))
                    self.emit("figure_caption", path, f"{label}. {cap}" if label else cap)
            elif name in ("disp-formula",):
                t = _text(c)
                if t:
                    self.emit("paragraph", path, t)

    def paragraph(self, p, path: tuple[str, ...]) -> None:
        buf, deferred = self.inline(p)
        kind = "paragraph"
        self.emit(kind, path, buf)
        for d in deferred:
            name = _local(d)
            if name in ("fig", "table-wrap", "fig-group", "table-wrap-group"):
                self.float_(d, path)
            elif name == "list":
                self.list_(d, path)
            elif name == "def-list":
                self.def_list(d, path)
            else:
                self.container(d, path)

    def list_(self, lst, path: tuple[str, ...]) -> None:
        for item in lst.findall("list-item"):
            label = _text(item.find("label"))
            for i, c in enumerate(x for x in item if _local(x) != "label"):
                if _local(c) == "p":
                    buf, deferred = self.inline(c)
                    if label and i == 0:
                        buf.parts.insert(0, label + " ")
                        buf.cites = [(s + len(label) + 1, e + len(label) + 1, r) for s, e, r in buf.cites]
                        buf.length += len(label) + 1
                    self.emit("paragraph", path, buf)
                    for d in deferred:
                        self.container(d, path) if _local(d) != "list" else self.list_(d, path)
                elif _local(c) == "list":
                    self.list_(c, path)

    def def_list(self, dl, path: tuple[str, ...]) -> None:
        for item in dl.findall("def-item"):
            term, definition = _text(item.find("term")), _text(item.find("def"))
            if term and definition:
                self.glossary.setdefault(term, definition)
                self.emit("paragraph", path, f"{term}: {definition}")

    def float_(self, el, path: tuple[str, ...]) -> None:
        key = self.tree.getpath(el)
        if key in self.float_done:
            return
        self.float_done.add(key)
        name = _local(el)
        if name in ("fig-group", "table-wrap-group"):
            for c in el:
                if _local(c) in ("fig", "table-wrap"):
                    self.float_(c, path)
            return
        label = _text(el.find("label"))
        cap_el = el.find("caption")
        caption = _text(cap_el) if cap_el is not None else ""
        if name == "fig":
            text = f"{label}. {caption}" if label and caption else (label or caption)
            if text:
                self.emit("figure_caption", path, text)
                self.figures.append(Figure(label, caption))
                for k, v in parse_legend(caption).items():
                    self.glossary.setdefault(k, v)
            return
        self.table(el, label or f"Table {len(self.tables) + 1}", caption, path)

    def table(self, wrap, label: str, caption: str, path: tuple[str, ...]) -> None:
        title = _text(wrap.find("caption/title")) or caption
        cap_text = f"{label}. {caption}" if caption else label
        self.emit("table_caption", path, cap_text)
        tables = wrap.xpath(".//table")
        header_rows: list[list[str]] = []
        body_rows: list[list[str]] = []
        for t in tables:
            h, b = _table_grid(t)
            header_rows = header_rows or h
            body_rows.extend(b)
        if not body_rows:
            self.warnings.append(f"{label}: a caption without table rows")
        ncols = max((len(r) for r in header_rows + body_rows), default=0)
        headers = _column_headers(header_rows, ncols)
        if not header_rows and body_rows and len(body_rows) > 1:
            # no <thead>: a first row of short, number-free cells is the header
            first = body_rows[0]
            if all(c and not re.search(r"\d", c) for c in first[1:]):
                headers = _column_headers([first], ncols)
                body_rows = body_rows[1:]
        foot = [_joined(x) if _local(x) == "fn" else _text(x) for x in wrap.xpath("table-wrap-foot/*")] or ([_text(wrap.find("table-wrap-foot"))]
                                                                         if wrap.find("table-wrap-foot") is not None else [])
        legend: dict[str, str] = {}
        for f in foot:
            legend.update(parse_legend(f))
            for k, v in find_abbreviations(f).items():
                legend.setdefault(k, v)
            # "C.I. confidence interval." / "CI: confidence interval"
            m = re.fullmatch(r"([A-Z][A-Za-z.\-]{0,9})[:,]?\s+([a-z][a-z \-]{3,60})\.?", f)
            if m:
                legend.setdefault(m.group(1).rstrip(".") if m.group(1).count(".") == 1 else m.group(1), m.group(2))
        for k, v in legend.items():
            self.glossary.setdefault(k, v)
        rows_out: list[tuple[str, ...]] = []
        group = ""
        context_head = f"{label}. {title}"
        body_rows = [r for r in body_rows if any(r)]
        # leading label columns (mostly words, not numbers): their empty cells repeat the cell above.
        # A column with a header of its own, every cell filled and mostly digits in them is data
        # ("C4/0.12" under "pNP esters · Best"), whatever its cells begin with.
        nlabel = 1
        while nlabel < ncols - 1 and _label_column([r[nlabel] if nlabel < len(r) else "" for r in body_rows],
                                                   headers[nlabel] if nlabel < len(headers) else ""):
            nlabel += 1
        above = [""] * nlabel
        for row in body_rows:
            cells = list(row) + [""] * (ncols - len(row))
            filled = [c for c in cells if c]
            rows_out.append(tuple(cells))
            if len(set(filled)) == 1 and cells[0] and ncols > 2:
                group = cells[0]  # a group row: "Males", "Stage IV"
                above = [""] * nlabel
                continue
            has_data = any(cells[nlabel:])
            for i in range(nlabel):
                if not cells[i] and has_data and above[i] and any(cells[j] == "" for j in range(i, nlabel)):
                    cells[i] = above[i]
                elif cells[i]:
                    above[i] = cells[i]
                    above[i + 1:] = [""] * (nlabel - i - 1)
            row_head = " · ".join(dict.fromkeys(c for c in cells[:nlabel] if c))
            pairs = []
            for i in range(nlabel, ncols):
                c = cells[i]
                if not c:
                    continue
                h = headers[i] if i < len(headers) else ""
                pairs.append(f"{h}: {c}" if h else c)
            if not pairs:
                pairs = [row_head]
                row_head = ""
            where = label + (", " + " · ".join(x for x in (group, row_head) if x) if group or row_head else "")
            # long rows are cut into parts that each make sense alone
            parts, cur = [], []
            for pair in pairs:
                if cur and len("; ".join(cur + [pair])) > 500:
                    parts.append(cur)
                    cur = []
                cur.append(pair)
            parts.append(cur)
            first_head = " · ".join(h for h in headers[:nlabel] if h)
            for part in parts:
                text = f"{where}: " + "; ".join(part)
                expansions = sorted({f"{a} = {self.glossary[a]}" for a in re.findall(r"[A-Za-z][\w.\-]*", text)
                                     if a in self.glossary})
                ctx = f"{context_head}. {first_head + ': ' + row_head + '. ' if first_head and row_head else ''}" \
                      + "; ".join(expansions)
                self.emit("table_row", path, text, ctx)
        for f in foot:
            if f:
                self.emit("table_note", path, f, context_head)
        self.tables.append(Table(label, title, tuple(headers), tuple(rows_out), tuple(f for f in foot if f)))

    # ------------------------------------------------------------------ references

    def number_references(self) -> None:
        refs = self.root.xpath("//back//ref-list//ref") or self.root.xpath("//ref-list//ref")
        labels = [re.sub(r"[^\d]", "", _text(r.find("label"))) for r in refs]
        use_labels = all(labels) and len(set(labels)) == len(labels)
        for i, r in enumerate(refs, start=1):
            n = int(labels[i - 1]) if use_labels else i
            if r.get("id"):
                self.ref_numbers[r.get("id")] = n
            self.references[n] = _reference(r, n)
            if not self.references[n].title and not self.references[n].journal:
                self.warnings.append(f"reference {n} is unstructured text (no title or source marked)")

    def reference_blocks(self) -> None:
        if not self.references:
            self.warnings.append("no references")
            return
        self.out.heading(("references",))
        for n, ref in self.references.items():
            self.emit("reference", ("references",), f"{n}. {ref.text}", f"Reference {n}. {ref.short()}")
            b = self.out.blocks[-1]
            self.out.blocks[-1] = Block(b.kind, b.section, b.text, b.start, b.end, (n,), b.context)

    def sections(self, end: int) -> tuple[Section, ...]:
        heads = self.out.headings
        out = []
        for k, (p, s0) in enumerate(heads):
            e = end
            for p2, s2 in heads[k + 1:]:
                if len(p2) <= len(p) or p2[:len(p)] != p:
                    e = s2 - 2
                    break
            out.append(Section(p[-1], p, s0, max(e, s0), self.out.written.get(p, "")))
        # one Section per path (a heading repeated in the back matter keeps the first)
        seen, uniq = set(), []
        for s in out:
            if s.path not in seen:
                seen.add(s.path)
                uniq.append(s)
        return tuple(uniq)


def _name_of(contrib):
    """A contributor's `name` element (or the first of its `name-alternatives`), if it has one."""
    n = contrib.find("name")
    return n if n is not None else contrib.find("name-alternatives/name")


def _label_column(cells: list[str], header: str) -> bool:
    """A column of row labels: mostly words, not numbers; and, under a header of its own with every
    cell filled, mostly without digits ("Female", "Stage IV"; not "C4/0.12", "C10/0.02")."""
    filled = [c for c in cells if c]
    if sum(1 for c in filled if not _numeric(c)) <= 0.6 * max(1, len(filled)):
        return False
    if not header.strip() or len(filled) < len(cells):
        return True
    return sum(1 for c in filled if re.search(r"\d", c)) <= 0.5 * len(filled)


def _numeric(cell: str) -> bool:
    """A data cell ("12.5", "<0.001", "0.10, 1.20", "–"), not a label ("1st tertile (<7)", "Female")."""
    if re.fullmatch(r"[\u2013\u2014\-–—]+|NS|n\.?a\.?|n\.?d\.?|ND", cell.strip()):
        return True
    return bool(re.match(r"^[<>≤≥±~\u2212\u2013-]?\s*\d", cell)) and not re.match(r"^\d+(?:st|nd|rd|th)\b", cell)


def _joined(el) -> str:
    """An element's children's texts joined by spaces ("a,b" label + note text), or its own text."""
    kids = [t for t in (_text(c) for c in el) if t]
    own = (el.text or "").strip()
    return _WS.sub(" ", " ".join(([own] if own else []) + kids)).strip() if kids else _text(el)


def _article_type(article_type: str, subjects: list[str]) -> str:
    if article_type == "review-article" or any(re.fullmatch(r"(?i)reviews?", s) for s in subjects):
        return "review"
    return article_type or "article"


def _table_grid(table) -> tuple[list[list[str]], list[list[str]]]:
    """Header rows and body rows of a table with rowspan/colspan laid out on a grid."""
    def rows_of(xpath: str) -> list:
        return table.xpath(xpath)

    head = rows_of("./thead/tr")
    body = rows_of("./tbody/tr") + rows_of("./tr")
    if not head and not body:
        body = table.xpath(".//tr")

    def grid(trs) -> list[list[str]]:
        out: list[list[str]] = []
        carry: dict[int, tuple[str, int]] = {}  # column -> (text, rows left)
        for tr in trs:
            row: list[str] = []
            col = 0
            cells = [c for c in tr if _local(c) in ("td", "th")]
            ci = 0
            while ci < len(cells) or any(k >= col for k in carry):
                if col in carry:
                    text, left = carry[col]
                    row.append(text)
                    if left <= 1:
                        del carry[col]
                    else:
                        carry[col] = (text, left - 1)
                    col += 1
                    continue
                if ci >= len(cells):
                    break
                c = cells[ci]
                ci += 1
                text = _text(c)
                span = _int(c.get("colspan"), 1)
                rspan = _int(c.get("rowspan"), 1)
                for j in range(span):
                    row.append(text)
                    if rspan > 1:
                        carry[col] = (text, rspan - 1)
                    col += 1
            out.append(row)
        return out

    return grid(head), grid(body)


def _int(v, default: int) -> int:
    try:
        return max(1, min(int(v), 200))
    except (TypeError, ValueError):
        return default


def _column_headers(rows: list[list[str]], ncols: int) -> list[str]:
    """One header per column: the header rows' texts joined ("Goats · n"), repeats left out."""
    out = []
    for i in range(ncols):
        parts: list[str] = []
        for r in rows:
            if i < len(r) and r[i] and r[i] not in parts:
                parts.append(r[i])
        out.append(" · ".join(parts))
    return out


def _reference(ref, number: int) -> Reference:
    cit = None
    for tag in _CITATION_TAGS:
        found = ref.xpath(f".//{tag}")
        if found:
            cit = found[0]
            break
    if cit is None:
        cit = ref
    authors = []
    groups = cit.xpath("person-group[@person-group-type='author']") or cit.xpath("person-group")
    holders = groups[0] if groups else cit
    for n in holders.xpath("name | string-name | collab"):
        if _local(n) == "collab":
            authors.append(_text(n))
            continue
        surname = _text(n.find("surname"))
        given = _text(n.find("given-names"))
        initials = given.replace(".", "").replace(" ", "") if given and len(given) <= 4 and given.replace(".", "").replace(" ", "").isupper() \
            else "".join(w[0] for w in re.split(r"[\s.\-]+", given) if w)
        if surname:
            authors.append(f"{surname} {initials}".strip())
    title = _text(cit.find("article-title")) or _text(cit.find("chapter-title"))
    source = _text(cit.find("source"))
    if not title and source:
        title, source_j = source, ""
    else:
        source_j = source
    year_txt = _text(cit.find("year"))
    ym = re.search(r"(1[89]\d\d|20\d\d)", year_txt)
    year = int(ym.group(1)) if ym else None
    pmid = next((_text(p) for p in cit.xpath(".//pub-id[@pub-id-type='pmid']")), None) or None
    doi = next((_text(p) for p in cit.xpath(".//pub-id[@pub-id-type='doi']")), "")
    volume, fpage, lpage = _text(cit.find("volume")), _text(cit.find("fpage")), _text(cit.find("lpage"))
    if _local(cit) == "mixed-citation" and not cit.xpath("*[self::name or self::person-group]") and not title:
        text = _text(cit)
    else:
        who = ", ".join(authors) + (" et al" if cit.find(".//etal") is not None else "")
        pages = f"{fpage}–{lpage}" if fpage and lpage and lpage != fpage else fpage
        text = ". ".join(x for x in (who, title.rstrip("."), source_j,
                                     " ".join(x for x in (str(year) if year else "", volume) if x) +
                                     (f": {pages}" if pages else "")) if x)
        if pmid:
            text += f". PMID {pmid}"
        if not text:
            text = _text(cit)
    return Reference(number, tuple(a for a in authors if a), title, source_j, year, pmid, text, doi)


def parse_jats(data: bytes, doc_id: str = "article", path: str = "") -> Document:
    """Parse one JATS XML article. Raises CorpusError naming the file and line when it is malformed."""
    where = path or doc_id
    # comments are no part of the text (a licence's commented-out RDF block, an editor's note)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False, huge_tree=True,
                             load_dtd=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line = getattr(e, "lineno", None) or (e.position[0] if getattr(e, "position", None) else "?")
        msg = str(e).split("(", 1)[0].strip() or "malformed XML"
        raise CorpusError(f"{where}:{line}: malformed XML ({msg[:120]})") from e
    if root is None or _local(root) not in ("article", "pmc-articleset", "OAI-PMH", "record"):
        if root is None or not root.xpath("//article-meta"):
            raise CorpusError(f"{where}: not a JATS article (root element <{_local(root) if root is not None else ''}>)")
    if _local(root) != "article":
        arts = root.xpath("//*[local-name()='article']")
        if arts:
            root = arts[0]
    _strip_namespaces(root)
    return _Parser(root, doc_id, path).parse()


def _strip_namespaces(root) -> None:
    """JATS in a default namespace (some Europe PMC exports) reads like plain JATS."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{") and not el.tag.startswith("{http://www.w3.org/1998/Math"):
            el.tag = el.tag.rsplit("}", 1)[-1]
