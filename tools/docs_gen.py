#!/usr/bin/python3
"""The course book: what Doxygen cannot do itself.

    docs_gen.py measure   run the measuring targets whose figures are missing
                          or older than the code they measure
    docs_gen.py pages     write build/docs/gen: the book's pages, before Doxygen
    docs_gen.py link      after Doxygen: point each page's `name`s at the
                          declarations its chapter compiles

tools/docs.sh runs the three in that order, with Doxygen between `pages` and
`link`. Doxygen (docs/Doxyfile) reads the pages and the sources, colours and
links C++, resolves \\link and \\ref to pages, sections and files, and draws
the diagrams (\\dotfile). What is left here:

- the *.md files become pages: the first heading names the page, every other
  heading gets a label that a GitHub-style link (`build.md#the-book`) reaches;
  a link or a `path` naming a file becomes a link to it in the book; every
  code span reaches Doxygen with each character kept (doxygen_code); a block
  that is not C++ is coloured by Pygments (tools/book_highlight.py); and the
  lines `<!-- transcript: FILE -->` and `<!-- diagram: NAME.dot -->` become a
  "from FILE" note and the diagram;
- the generated pages and parts: each chapter's files and `make diff`, the
  chapter map and the overlay grid, the Measurements page, listings of the
  files Doxygen does not show (scripts, test expectations, build outputs, and
  the assembly, linker scripts and C it cannot parse);
- which declaration a `name` means: every chapter compiles its own
  kernel_main, and Doxygen would link chapter 04's text to chapter 08's (for
  one name it links the declaration it parsed last), or stop the build for a
  name it does not document; `link` reads Doxygen's tag file instead (and
  mends the anchors Doxygen's navigation tree gets wrong);
- checks: a link to a file that does not exist, or a diagram whose
  "// check: FILE: TEXT" facts no longer hold, fails the build.
"""
import html
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import debian_python  # noqa: E402
debian_python.require("pygments", "markdown_it")
from markdown_it import MarkdownIt  # noqa: E402
import bench  # noqa: E402  (tools/bench.py: the benchmark files, their tables and plot)
import book_highlight  # noqa: E402  (tools/book_highlight.py: code blocks in colour)
import compose  # noqa: E402  (tools/compose.py: the chapters and their overlay)

GEN = os.path.join(ROOT, "build", "docs", "gen")
HTML_DIR = os.path.join(ROOT, "build", "docs", "html")
TAGFILE = os.path.join(ROOT, "build", "docs", "book.tag")
DIAGRAMS = os.path.join(ROOT, "docs", "diagrams")
MARKDOWN = MarkdownIt("commonmark").enable("table")  # the parser tools/test_docs.py checks with

# The sources Doxygen reads (docs/Doxyfile: INPUT, FILE_PATTERNS, EXCLUDE_PATTERNS).
SOURCE_DIRS = ("common", "kernel", "user", "chapters")
SOURCE_EXTS = (".h", ".cpp", ".S", ".ld", ".c")
LISTED_EXTS = (".S", ".ld", ".c")  # Doxygen sees only their first comment: the book lists them

# Where one io_uring_enter's instructions go (chapter 06 quotes it).
PROFILE = "build/06-io_uring/profile/sys_io_uring_enter.txt"
# What the Measurements page shows, and which command writes each file.
# A file is (re)made by `measure` when it is missing or older than any file
# of the code it measures: the chapter's composed sources, common/, kernel/,
# the user runtime, the programs it runs and the measuring tool itself.
MEASUREMENTS = [
    # file                               command              chapter        programs          tool
    ("build/04-user/syscall-cost.txt",   "make trace CH=04",  "04-user",     ["null-syscall"], "tools/trace.py"),
    ("build/04-user/gs-trace.txt",       "make trace CH=04",  "04-user",     ["null-syscall"], "tools/trace.py"),
    ("build/05-percpu/syscall-cost.txt", "make trace CH=05",  "05-percpu",   ["null-syscall"], "tools/trace.py"),
    ("build/05-percpu/gs-trace.txt",     "make trace CH=05",  "05-percpu",   ["null-syscall"], "tools/trace.py"),
    ("build/06-io_uring/bench.txt",      "make bench CH=06 LINUX=no", "06-io_uring", ["uring-bench", "pipe-bench"],
     "tools/bench.py"),
    (PROFILE, "tools/syscall_profile.py 06-io_uring uring-bench sys_io_uring_enter", "06-io_uring",
     ["uring-bench"], "tools/syscall_profile.py"),
]
# Linux's figures (build/linux/bench/PROG.txt) are not in this list: `make
# docs` never fetches Linux. The page shows them when `make bench` has
# measured them with the same build of the program, and otherwise says how.
PLOT = "bench-batch.svg"  # drawn into build/docs/gen from the measured files

# A Markdown code span: a run of backticks, text, the same run.
CODE_SPAN = r"(`+)(.+?)(?<!`)\1(?!`)"
# Lines of a page that the book replaces: the run a block of console output
# comes from (tools/test_docs.py checks the block against the file), and a
# diagram of docs/diagrams.
TRANSCRIPT = re.compile(r"^\s*<!--\s*transcript:\s*(\S+)\s*-->\s*$")
DIAGRAM = re.compile(r"^\s*<!--\s*diagram:\s*(\S+)\s*-->\s*$")
HEADING = re.compile(r"\s*(#*)\s*(.*?)\s*(?:\{#([\w-]+)\})?\s*$")  # its title, and the label it gives itself

problems = []


def problem(where, text):
    problems.append("%s: error: %s" % (where, text))


def rel(path):
    return os.path.relpath(path, ROOT)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def write(path, text):
    if os.path.exists(path) and read(path) == text:
        return  # unchanged files keep their time: Doxygen's dot cache stays valid
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def number(chapter):
    return chapter[:2]


def is_source(path):
    """PATH (from the root) is a source Doxygen documents."""
    parts = path.split("/")
    return parts[0] in SOURCE_DIRS and path.endswith(SOURCE_EXTS) and "tests" not in parts


def owner(path):
    """Whose version a file is: "04" for chapters/04-user/..., else the path."""
    return path.split("/")[1][:2] if path.startswith("chapters/") else path


# ------------------------------------------------------------ measurements

def stale_reason(path, chapter, programs, tool):
    if not os.path.exists(os.path.join(ROOT, path)):
        return "missing"
    sources = list(compose.overlay(chapter).values()) + [os.path.join(ROOT, tool)]
    sources += [os.path.join(ROOT, "user", "programs", p + ".cpp") for p in programs]
    for shared in ("common", "kernel", "user/runtime"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, shared)):
            dirnames[:] = [d for d in dirnames if d != "tests"]
            sources += [os.path.join(dirpath, f) for f in filenames]
    made = os.path.getmtime(os.path.join(ROOT, path))
    newer = [f for f in sources if os.path.exists(f) and os.path.getmtime(f) > made]
    return "older than %s" % rel(max(newer, key=os.path.getmtime)) if newer else None


def cmd_measure():
    done = set()
    for path, command, chapter, programs, tool in MEASUREMENTS:
        reason = stale_reason(path, chapter, programs, tool)
        if reason is None or command in done:
            continue
        print("docs: %s is %s: running `%s`" % (path, reason, command), flush=True)
        make = command.startswith("make ")
        result = subprocess.run(command.split() + (["--no-print-directory"] if make else []), cwd=ROOT,
                                stdout=None if make else subprocess.DEVNULL)
        if result.returncode != 0:
            sys.exit("docs: `%s` failed (status %d); the Measurements page needs %s"
                     % (command, result.returncode, path))
        done.add(command)
        if not os.path.exists(os.path.join(ROOT, path)):
            sys.exit("docs: `%s` did not write %s" % (command, path))


# ---------------------------------------------------------------- the pages

class Page:
    """One page of the book: Doxygen's page LABEL, written to GEN/NAME."""

    def __init__(self, label, name, source=None, chapter=None, title=None):
        self.label, self.name, self.source, self.chapter, self.title = label, name, source, chapter, title
        self.text = ""
        self.anchors = {}   # GitHub-style slug of a heading -> its label
        self.headings = {}  # line number -> the heading's label (None for the title)

    @property
    def html(self):
        return "index.html" if self.label == "index" else self.label + ".html"


class Book:
    def __init__(self):
        self.chapters = compose.chapters()
        self.overlays = {c: compose.overlay(c) for c in self.chapters}
        self.pages = {}      # label -> Page
        self.by_source = {}  # the *.md a page is made from -> Page
        self.listings = {}   # path -> its listing Page
        self.live_quotes = []  # (page source, measurement file) shown live
        self.diagrams = {}   # NAME.dot -> its caption
        self.diagrams_drawn = set()
        self.asm_labels = {}  # chapter -> {global label of its assembly: (file, line)}

    def add(self, page):
        if page.label in self.pages:
            other = self.pages[page.label]
            problem(page.source or page.name, "two pages are labelled '%s' (the other: %s)"
                    % (page.label, other.source or other.name))
        self.pages[page.label] = page
        return page

    def add_markdown(self, source, label, name, chapter=None):
        page = Page(label, name, source, chapter)
        lines = read(source).split("\n")
        used = set()
        for tok in MARKDOWN.parse("\n".join(lines)):
            if tok.type != "heading_open":
                continue
            title, explicit = HEADING.match(lines[tok.map[0]]).group(2, 3)
            if page.title is None:  # the first heading is the page's title and may name it
                page.title, page.label = title, explicit or label
                page.headings[tok.map[0]] = None
                continue
            slug = github_slug(title)
            section = explicit or "%s_%s" % (page.label, re.sub(r"[^a-z0-9]+", "_", slug).strip("_") or "section")
            while section in used:
                section += "_"
            used.add(section)
            page.anchors.setdefault(slug, section)
            page.headings[tok.map[0]] = section
        self.by_source[source] = page
        return self.add(page)

    def discover(self):
        """Every *.md of the book, and the generated pages that always exist."""
        self.add_markdown("README.md", "index", "index.md")
        self.add(Page("measurements", "measurements.md", title="Measurements"))
        self.add(Page("listings", "listings.md", title="Other files"))
        for ch in self.chapters:
            folder = "chapters/" + ch
            for name in sorted(f for f in os.listdir(os.path.join(ROOT, folder)) if f.endswith(".md")):
                label = "chapter" + number(ch) + ("" if name == "README.md" else "_" + re.sub(r"\W+", "_", name[:-3]))
                self.add_markdown(folder + "/" + name, label, label + ".md", ch)
        for top in ("docs", "user"):
            for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
                dirnames[:] = sorted(d for d in dirnames if d not in ("tests", "diagrams"))
                for name in sorted(f for f in filenames if f.endswith(".md")):
                    stem = re.sub(r"\W+", "_", rel(os.path.join(dirpath, name))[:-3])
                    self.add_markdown(rel(os.path.join(dirpath, name)), stem, stem + ".md")

    def chapter_page(self, ch):
        return self.by_source.get("chapters/%s/README.md" % ch)

    def chapter_label(self, ch):
        p = self.chapter_page(ch)
        return p.label if p else "chapter" + number(ch)

    def overlay_for(self, chapter):
        return self.overlays[chapter or self.chapters[-1]]

    # -- names and paths -> links ---------------------------------------------
    def resolve(self, target, page, strict):
        """A link or a `path` -> what Doxygen's \\link takes to reach it (a
        page or section label, a source's or a folder's path), or None.
        strict: a link, whose file must exist (a code span may be anything)."""
        path, _, frag = target.partition("#")
        if not path:
            return None
        overlay = self.overlay_for(page.chapter)
        candidates = [os.path.normpath(os.path.join(os.path.dirname(page.source or ""), path)),
                      os.path.normpath(path)]
        if path in overlay:
            candidates.append(rel(overlay[path]))
        if "/" not in path.rstrip("/") and page.chapter:  # a file of the chapter, by its name alone
            same = [r for r in overlay if os.path.basename(r) == path]
            candidates += [rel(overlay[same[0]])] if len(same) == 1 else []
            candidates.append(os.path.join("chapters", page.chapter, path))
        for cand in candidates:
            full = os.path.join(ROOT, cand)
            if cand.startswith("..") or os.path.isabs(cand):
                continue
            if cand.startswith("build/docs/") and os.path.exists(full):
                return None  # the book itself
            if cand in self.by_source:
                linked = self.by_source[cand]
                if frag and frag not in linked.anchors:
                    problem(page.source, "link to '%s#%s': no such heading there" % (cand, frag))
                return linked.anchors.get(frag, linked.label)
            if os.path.isdir(full):
                has_sources = any(is_source(rel(os.path.join(d, f))) for d, _, fs in os.walk(full) for f in fs)
                return cand.rstrip("/") if has_sources else None
            if os.path.isfile(full):
                return self.file_target(cand) if is_text(full) else None
        if strict:
            problem(page.source, "link to '%s': no such file (looked for %s)"
                    % (target, ", ".join(sorted(set(c for c in candidates if not c.startswith(".."))))))
        return None

    def file_target(self, path):
        """A file's place in the book: its page in the reference, or its listing."""
        return path if is_source(path) and not path.endswith(LISTED_EXTS) else self.listing(path).label

    def file_link(self, path, text=None):
        return doxygen_link(self.file_target(path), "<code>%s</code>" % doxygen_code(text or path))

    def listing(self, path):
        if path not in self.listings:
            label = "listing_" + re.sub(r"\W+", "_", path).strip("_")
            self.listings[path] = self.add(Page(label, label + ".md", title=path))
        return self.listings[path]

    def asm_label(self, chapter, name):
        """(file, line) where the chapter's assembly defines the global NAME:
        the label is the real thing, a C++ declaration only how C++ calls it."""
        if chapter not in self.asm_labels:
            labels = self.asm_labels[chapter] = {}
            files = [rel(f) for f in self.overlays[chapter].values() if f.endswith(".S")]
            for top in ("common", "kernel", "user/runtime"):
                files += sorted(top + "/" + f for f in os.listdir(os.path.join(ROOT, top)) if f.endswith(".S"))
            for path in files:
                text = read(path)
                declared = {n.strip() for names in re.findall(r"\.globa?l\s+([\w, ]+)", text) for n in names.split(",")}
                for n, line in enumerate(text.split("\n"), 1):
                    m = re.match(r"(\w+):", line)
                    if m and m.group(1) in declared:
                        labels.setdefault(m.group(1), (path, n))
        return self.asm_labels[chapter].get(name)

    def code_link(self, page, text, span):
        """SPAN (a code span's HTML) as a link to what TEXT names, if anything."""
        body = text.strip()
        if re.fullmatch(r"[\w.+-]+(/[\w.+-]*)+|[\w+-]+\.(h|cpp|S|ld|c|md|py|sh|mk|expect|txt)", body):
            target = self.resolve(body, page, strict=False)
            return doxygen_link(target, span) if target else span
        m = re.fullmatch(r"([A-Za-z_]\w*(?:::~?[A-Za-z_]\w*)*)(\([\w\s,.*&:+-]*\))?", body)
        if not m or len(m.group(1)) <= 2:
            return span
        chapter = page.chapter or self.chapters[-1]
        asm = self.asm_label(chapter, m.group(1))
        if asm:
            return '<a class="el" href="%s.html#l%d">%s</a>' % (self.listing(asm[0]).label, asm[1], span)
        # `link` finds the declaration after Doxygen ("::" would make Doxygen read a reference).
        return "[%s](book:sym/%s/%s)" % (span, chapter, m.group(1).replace("::", "--"))

    # -- a *.md file -> a page ---------------------------------------------------
    def transform(self, page):
        """The page's Markdown for Doxygen: each heading, paragraph, table row,
        code block and marker line rewritten, the rest kept as it is."""
        lines = read(page.source).split("\n")
        done = {}  # first line -> (line after the last, what replaces them)
        for tok in MARKDOWN.parse("\n".join(lines)):
            if not tok.map or tok.map[0] in done:
                continue
            start, end = tok.map
            if tok.type == "fence":
                done[start] = end, self.code_block(page, tok, lines[start])
            elif tok.type == "heading_open":
                done[start] = end, self.heading(page, tok, lines[start])
            elif tok.type == "inline":  # a paragraph, a heading's text, a table row
                done[start] = end, self.inline(page, "\n".join(lines[start:end]))
            elif tok.type == "html_block":
                done[start] = end, self.marker(page, lines[start:end])
        out, i = [], 0
        while i < len(lines):
            end, text = done.get(i, (i + 1, lines[i]))
            out.append(text)
            i = end
        return "\n".join(out)

    def heading(self, page, tok, line):
        hashes = "#" * int(tok.tag[1])  # an underlined heading becomes a "#" one
        title, label = HEADING.match(line).group(2), page.headings[tok.map[0]]
        if label is None:  # the title
            return "%s %s" % (hashes, title) + ("" if page.label == "index" else " {#%s}" % page.label)
        # Doxygen 1.9.4 shows a heading's code span as "<tt>" in the table of
        # contents and the navigation tree: drop the backticks.
        return "%s %s {#%s}" % (hashes, escape_text(title.replace("`", "")), label)

    def marker(self, page, lines):
        text = "\n".join(lines)
        t, d = TRANSCRIPT.match(text), DIAGRAM.match(text)
        if t:
            return ("\\htmlonly[block]<div class=\"transcript\" title=\"make test checks that the lines below "
                    "are in this file, in this order\">from <code>%s</code></div>\\endhtmlonly" % html.escape(t.group(1)))
        if d:
            name = d.group(1)
            if name not in self.diagrams:
                problem(page.source, "no diagram docs/diagrams/%s" % name)
                return ""
            self.diagrams_drawn.add(name)
            return '@dotfile %s "%s"' % (name, self.diagrams[name].replace('"', "'"))
        return text

    def code_block(self, page, tok, opening):
        """A fenced block: C++ stays a fence for Doxygen to colour and link;
        anything else becomes Pygments' HTML (tools/book_highlight.py)."""
        indent = opening[:len(opening) - len(opening.lstrip())]
        block = tok.content[:-1].split("\n") if tok.content else []
        first = next((l.strip() for l in block if l.strip()), None)
        for path, *_ in MEASUREMENTS:  # a block that quotes a measurement file shows it as it is now
            live = read(path).rstrip("\n").split("\n") if os.path.exists(os.path.join(ROOT, path)) else []
            if first and live and live[0].strip() == first:
                self.live_quotes.append((page.source, path))
                block = live
                break
        tag = tok.info.strip("{}. ")
        lang = {"c++": "cpp", "c": "cpp", "asm": "gas", "sh": "console", "shell": "console"}.get(tag, tag)
        lang = lang or book_highlight.language(block)
        # Doxygen strips the indentation all lines of a block share (a quote
        # from inside a function): such a block goes to Pygments, which keeps it.
        if lang == "cpp" and textwrap.dedent("\n".join(block)) == "\n".join(block):
            return "\n".join([indent + "~~~{.cpp}"] + [indent + l if l else l for l in block] + [indent + "~~~"])
        return indent + "\\htmlonly[block]" + book_highlight.block_html(block, lang) + "\\endhtmlonly"

    def inline(self, page, text):
        """The links, images and code spans of a paragraph, and the markup
        Doxygen 1.9.4 would misread."""
        saved = []

        def keep(s):
            saved.append(s)
            return "\x00%d\x00" % (len(saved) - 1)

        def code_html(m):
            return "<code>%s</code>" % doxygen_code(code_span_text(m.group(2)))

        def link(m):
            label, target = re.sub(CODE_SPAN, code_html, m.group(2), flags=re.S), m.group(3)
            if re.match(r"[a-z]+:", target) or target.startswith(("@ref", "\\ref")):
                return keep(m.group(0))
            if target.startswith("#"):
                if target[1:] not in page.anchors:
                    problem(page.source, "link to '%s': no such heading on the page" % target)
                return keep(doxygen_link(page.anchors.get(target[1:], page.label), label))
            r = self.resolve(target, page, strict=True)
            return keep(label if r is None else doxygen_link(r, label))

        text = re.sub(r"(!?)\[((?:[^\[\]`]|`[^`]*`)*)\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)", link, text)

        def code(m):
            span_text = code_span_text(m.group(2))
            return keep(self.code_link(page, span_text, "<code>%s</code>" % doxygen_code(span_text)))

        text = re.sub(CODE_SPAN, code, text, flags=re.S)
        # Doxygen 1.9.4 does not see "**`x`**" as bold (nor "*`x`*" as
        # emphasis): say it in HTML, which it always understands.
        text = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"<b>\1</b>", text, flags=re.S)
        text = re.sub(r"(?<![\w*])\*(?=\x00)(.+?)(?<=\S)\*(?![\w*])|(?<![\w*])\*(?=\S)(.+?\x00)\*(?![\w*])",
                      lambda m: "<em>%s</em>" % (m.group(1) or m.group(2)), text, flags=re.S)
        # Doxygen shows text between double quotes as it is, HTML and all:
        # a quoted code span ("`Next at t=N`") would show its <code> tags.
        text = escape_text(text.replace('"', '\\"'))
        return re.sub("\x00(\\d+)\x00", lambda m: saved[int(m.group(1))], text)

    # -- the generated parts of the pages --------------------------------------
    def changes(self, ch):
        """Files chapter CH adds, replaces and removes (its removed.txt), relative to the chapter before it."""
        i = self.chapters.index(ch)
        now, before = self.overlays[ch], self.overlays[self.chapters[i - 1]] if i else {}
        return (sorted(r for r in now if r not in before),
                sorted(r for r in now if r in before and now[r] != before[r]),
                sorted(r for r in before if r not in now), before)

    def changes_section(self, ch):
        added, replaced, removed, before = self.changes(ch)
        now, i = self.overlays[ch], self.chapters.index(ch)
        intro = ("**The files, as the build composes them** (tools/compose.py lays chapters %s to %s over each "
                 "other):" % (number(self.chapters[0]), number(ch)) if i else
                 "**The files** (chapter %s starts from an empty tree):" % number(ch))
        lines = ["", "<div class=\"changes\">", "", intro, "", "| %File | Status | What it is |", "|---|---|---|"]
        for r in added:
            lines.append("| %s | new | %s |" % (self.file_link(rel(now[r]), r), what_it_is(rel(now[r]))))
        for r in replaced:
            old = rel(before[r])
            lines.append("| %s | replaces %s | %s |" % (self.file_link(rel(now[r]), r), doxygen_link(
                self.file_target(old), "%s's" % owner(old)), what_it_is(rel(now[r]))))
        for r in removed:
            old = rel(before[r])
            lines.append("| %s | removes %s (%s) | %s |" % (
                doxygen_code(r), self.file_link(old, "%s's" % owner(old)),
                self.file_link("chapters/%s/removed.txt" % ch, "removed.txt"), what_it_is(old)))
        if not added and not replaced and not removed:
            lines.append("| (none) | | |")
        folder = os.path.join(ROOT, "chapters", ch)
        tests = sorted(f for f in os.listdir(folder) if f.endswith(".expect"))
        if os.path.isdir(os.path.join(folder, "tests")):
            tests += ["tests/" + f for f in sorted(os.listdir(os.path.join(folder, "tests"))) if f.endswith((".cpp", ".h"))]
        lines.append("")
        if tests:
            lines += ["Its tests: " + ", ".join(self.file_link("chapters/%s/%s" % (ch, t), t) for t in tests) + ".", ""]
        stats = self.diffs[ch]["stats"]
        lines.append("The whole change, as `make diff CH=%s` prints it (%d files, +%d -%d lines): @subpage %s_diff"
                     % (number(ch), stats[0], stats[1], stats[2], self.chapter_label(ch)))
        return "\n".join(lines + ["", "</div>", ""])

    def ref_chapter(self, ch, text):
        page = self.chapter_page(ch)
        return '@ref %s "%s"' % (page.label, text) if page else text

    def nav(self, ch):
        i = self.chapters.index(ch)
        parts = []
        if i > 0 and self.chapter_page(self.chapters[i - 1]):
            prev = self.chapter_page(self.chapters[i - 1])
            parts.append('<span class="prev">@ref %s "&larr; %s"</span>' % (prev.label, plain(prev.title)))
        parts.append('<span class="up">@ref index "The book"</span>')
        if i + 1 < len(self.chapters) and self.chapter_page(self.chapters[i + 1]):
            nxt = self.chapter_page(self.chapters[i + 1])
            parts.append('<span class="next">@ref %s "%s &rarr;"</span>' % (nxt.label, plain(nxt.title)))
        return '<div class="chapter-nav">%s</div>' % " ".join(parts)

    def chapter_text(self, page, text):
        """A chapter's README.md: the chapter navigation at the top and the
        bottom, its files at the end of "What changed since", its other pages."""
        ch, lines = page.chapter, text.split("\n")
        if not any(l.strip() == "[TOC]" for l in lines[:6]):
            lines.insert(1, "\n[TOC]")
        text = "\n".join(lines)
        m = re.search(r"^## What changed since[^\n]*\n", text, re.M)
        if m:
            nxt = re.search(r"^## ", text[m.end():], re.M)
            at = m.end() + nxt.start() if nxt else len(text)
            text = text[:at].rstrip("\n") + "\n" + self.changes_section(ch) + "\n" + text[at:]
        else:
            i = self.chapters.index(ch)
            title = "What changed since chapter %s" % number(self.chapters[i - 1]) if i else "The files of this chapter"
            text = text.rstrip("\n") + "\n\n## %s {#%s_changes}\n%s" % (title, page.label, self.changes_section(ch))
        more = [p.label for p in self.by_source.values() if p.chapter == ch and p is not page]
        if more:
            text = text.rstrip("\n") + "\n\n## More on this chapter {#%s_more}\n\n%s\n" % (
                page.label, "\n".join("- @subpage %s" % label for label in more))
        lines = text.split("\n")
        lines.insert(1, "\n" + self.nav(ch) + "\n")
        return "\n".join(lines).rstrip("\n") + "\n\n" + self.nav(ch) + "\n"

    def reading_order(self):
        """The top-level pages after the main page, in the order of the book."""
        order = [self.chapter_label(ch) for ch in self.chapters if self.chapter_page(ch)]
        first = [self.by_source[s].label if s in self.by_source else s
                 for s in ("docs/bochs-swapgs.md", "measurements", "docs/build.md")]
        order += [x for x in first if x in self.pages]
        order += [p.label for p in self.by_source.values()
                  if not p.chapter and p.label != "index" and p.label not in order]
        return order + ["listings"]

    def main_page(self, text):
        """README.md as the front page: the chapter map and the overlay after
        the chapter table, and every page of the book in reading order."""
        chapter_map = ("\n@dotfile chapter-map.dot \"The chapter map: each chapter is the ones before it plus "
                       "its own folder. Solid arrows: builds on; dashed: also replaces files of (click a "
                       "chapter to open it)\"\n")
        m = re.search(r"^## Chapters[^\n]*\n", text, re.M)
        if m:
            nxt = re.search(r"^## ", text[m.end():], re.M)
            at = m.end() + nxt.start() if nxt else len(text)
            text = text[:at].rstrip("\n") + "\n" + chapter_map + "\n" + self.overlay_section() + "\n" + text[at:]
        else:
            text += "\n## The chapter map {#index_chapter_map}\n" + chapter_map + "\n" + self.overlay_section()
        # The navigation tree lists the pages in the order of INPUT (pages.doxy);
        # as subpages of the main page they would not be in it at all.
        order = self.reading_order()
        lines = ["", "## The book, page by page {#index_pages}", "",
                 "Read the chapters in order; each one ends with what it changed and a link to the next.", ""]
        lines += ["- @ref %s" % l for l in order if self.pages[l].chapter]
        lines += ["", "Beside the chapters:", ""]
        lines += ["- @ref %s" % l for l in order if not self.pages[l].chapter]
        lines.append("- The reference: every documented [file](files.html), [class](annotated.html) and "
                     "[function](globals.html) of `common/`, `kernel/`, `user/` and each chapter.")
        return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"

    def overlay_section(self):
        """A grid of every source path against every chapter: where each
        version of a file lives and which chapters compile it."""
        paths = sorted(set(r for o in self.overlays.values() for r in o))
        rows = []
        for path in paths:
            cells = []
            for c in self.chapters:
                src = self.overlays[c].get(path)
                if src is None:
                    cells.append("<td></td>")
                    continue
                mine = rel(src).split("/")[1] == c
                title = "%s compiles chapter %s's version" % (number(c), number(rel(src).split("/")[1]))
                mark = "&#9632;" if mine else "&#9474;"
                if mine and is_source(rel(src)):  # `link` points book:file/PATH at the file's page
                    target = self.file_target(rel(src))
                    url = "book:file/" + target if target == rel(src) else target + ".html"
                    mark = '<a href="%s" title="%s">%s</a>' % (url, title, mark)
                cells.append('<td class="%s" title="%s">%s</td>' % ("own" if mine else "kept", title, mark))
            rows.append("<tr><th>%s</th>%s</tr>" % (html.escape(path), "".join(cells)))
        head = "".join('<th>%s</th>' % html.escape(number(c)) for c in self.chapters)
        write(os.path.join(GEN, "overlay.html"),
              '<details class="overlay"><summary>The overlay, file by file (%d paths)</summary>\n'
              '<table class="overlay"><tr><th>file in the composed tree</th>%s</tr>\n%s\n</table>\n</details>\n'
              % (len(paths), head, "\n".join(rows)))
        return ("\n### How the course is built: the overlay {#index_overlay}\n\n"
                "Each chapter folder holds only the files it adds or changes. To build chapter N, "
                "tools/compose.py lays chapters 01 to N over each other: a file at the same path in a "
                "later chapter replaces the earlier one, and `common/` and `kernel/` are shared by all. "
                "In the grid, a square is a chapter's own version of a file (click it to read it), and a "
                "bar means the chapter compiles an earlier chapter's version unchanged. The whole "
                "story, with the tests and the emulators, is in @ref build.\n\n"
                "@htmlinclude overlay.html\n")

    def chapter_map(self):
        """The chapter map, drawn from the chapter folders (a new chapter appears
        by itself) and README.md's chapter table (what each one adds)."""
        readme = read("README.md")
        adds = dict(re.findall(r"^\|\s*`?(\d\d)-[\w-]+`?\s*\|\s*([^|]+?)\s*\|", readme, re.M))
        later = re.search(r"^\|\s*later\s*\|\s*([^|]+?)\s*\|", readme, re.M)
        out = ["digraph chapters {",
               '  graph [rankdir=TB, nodesep=0.3, ranksep=0.25, fontname="DejaVu Sans", fontsize=10.5, bgcolor="transparent"];',
               '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4f6fa8", '
               'fontname="DejaVu Sans", fontsize=10.5, margin="0.12,0.06"];',
               '  edge [color="#4f6fa8", fontname="DejaVu Sans", fontsize=9];']
        for i, ch in enumerate(self.chapters):
            added, replaced, removed, _ = self.changes(ch)
            page = self.chapter_page(ch)
            title = re.sub(r"^Chapter \d+:\s*", "", plain(page.title)) if page else ch
            rows = ["<b>%s</b>" % html.escape(ch)]
            if title != ch:
                rows.append(html.escape(wrap(title, 60)).replace("\n", "<br/>"))
            what = plain(adds.get(number(ch), ""))
            if what:  # dot rejects an empty <font>
                rows.append('<font point-size="8">%s</font>' % html.escape(wrap(what, 70)).replace("\n", "<br/>"))
            rows.append('<font point-size="8" color="#555555">+%d files, %d replaced%s</font>'
                        % (len(added), len(replaced), ", %d removed" % len(removed) if removed else ""))
            url = ', URL="\\ref %s", tooltip="%s"' % (page.label, html.escape(title)) if page else ""
            out.append('  c%s [label=<%s>%s];' % (number(ch), "<br/>".join(rows), url))
            if i:
                prev = self.chapters[i - 1]
                out.append("  c%s -> c%s;" % (number(prev), number(ch)))
                for other in sorted(set(rel(self.overlays[prev][r]).split("/")[1] for r in replaced) - {prev}):
                    out.append('  c%s -> c%s [style=dashed, color="#999999", constraint=false];'
                               % (number(ch), number(other)))
        if later:
            out.append('  later [label="%s", style="rounded,dashed", fillcolor=white];'
                       % ("later:\\n" + wrap(plain(later.group(1)), 24).replace("\n", "\\n")))
            out.append("  c%s -> later [style=dashed];" % number(self.chapters[-1]))
        out.append('  shared [label=<<b>common/ and kernel/</b><br/><font point-size="8">shared by every '
                   'chapter</font>>, fillcolor="#f4f4f4", color="#888888"];')
        out.append('  shared -> c%s [style=dotted, color="#888888"];' % number(self.chapters[0]))
        write(os.path.join(GEN, "chapter-map.dot"), "\n".join(out + ["}"]) + "\n")

    def diff_page(self, ch):
        out = subprocess.run(["bash", os.path.join(ROOT, "tools", "diff.sh"), ch], cwd=ROOT,
                             capture_output=True, text=True)
        if out.returncode != 0:
            problem("tools/diff.sh", "failed for %s: %s" % (ch, out.stderr.strip()))
        self.diffs[ch] = render_diff(out.stdout)
        write(os.path.join(GEN, "diff-%s.html" % ch), self.diffs[ch]["html"])
        i, label, stats = self.chapters.index(ch), self.chapter_label(ch), self.diffs[ch]["stats"]
        page = self.add(Page(label + "_diff", "chapter%s_diff.md" % number(ch), chapter=ch,
                             title="make diff CH=%s" % number(ch)))
        page.text = "\n".join([
            "# make diff CH=%s {#%s}" % (number(ch), page.label), "",
            "What chapter %s changes%s: a unified diff of the composed source trees "
            "(tools/diff.sh, which `make diff CH=%s` runs), made when this book was built. "
            "%d files, +%d -%d lines. Back to @ref %s." % (
                number(ch), " against chapter %s" % number(self.chapters[i - 1]) if i else ", from an empty tree",
                number(ch), stats[0], stats[1], stats[2], label), "",
            "@htmlinclude diff-%s.html" % ch, ""])

    # -- the Measurements page -------------------------------------------------
    def measurements_page(self):
        t = ["# Measurements {#measurements}", "", "[TOC]", "",
             "The figures on this page are not typed in: the book's build reads them from the files "
             "the measuring targets write, and shows each file beside its table. "
             "When a file is missing, or older than the code it measures, `make docs` runs its "
             "command first (see @ref measurements_refresh).", ""]
        costs = {chapter: (path, command, parse_keyvalue(path))
                 for path, command, chapter, _, _ in MEASUREMENTS if path.endswith("syscall-cost.txt")}
        t += ["## The null system call: flat entry against swapgs {#measurements_syscall}", "",
              "One `getpid`, counted in instructions by the Bochs debugger from the user's `syscall` to the "
              "instruction after it (tools/trace.py: the median of getpids 3 to 10 of "
              "user/programs/null-syscall.cpp, with `validate=1` off). %s enters through one "
              "global kernel stack; %s through `swapgs` and the per-CPU block." % (
                  self.ref_chapter("04-user", "Chapter 04"), self.ref_chapter("05-percpu", "chapter 05")), "",
              "| Chapter | Entry | Whole syscall | Entry part | Dispatch (getpid) | Exit part | Samples | Command |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
        for chapter, (path, command, kv) in costs.items():
            if kv is not None:
                t.append("| %s | %s | **%s** | %s | %s | %s | %s | `%s` |" % (
                    chapter, kv.get("entry", "?"), kv.get("null_syscall_instructions", "?"),
                    kv.get("entry_instructions", "?"), kv.get("dispatch_instructions", "?"),
                    kv.get("exit_instructions", "?"), kv.get("samples", "?"), command))
        pair = [kv for _, (_, _, kv) in sorted(costs.items()) if kv]
        if len(pair) == 2 and all("null_syscall_instructions" in kv for kv in pair):
            a, b = (int(kv["null_syscall_instructions"]) for kv in pair)
            ea, eb = (int(kv.get("entry_instructions", 0)) + int(kv.get("exit_instructions", 0)) for kv in pair)
            t += ["", "The per-CPU entry costs **%+d instructions** per system call (%+.0f%%); entry and exit "
                  "together go from %d to %d instructions, the rest is the dispatcher and getpid itself.%s" % (
                      b - a, 100.0 * (b - a) / a, ea, eb,
                      " That is the price of the two `swapgs`, the `gs:` loads and stores, the statistics and the "
                      "non-canonical-RIP check, paid for a kernel that can run on more than one CPU."
                      if b > a else "")]
        bochs = self.by_source.get("docs/bochs-swapgs.md")
        t += ["", "Read from: " + ", ".join(self.file_link(p) for p, _, _ in costs.values()) + ". "
              "Each run also writes a stop-by-stop transcript of the GS bases: "
              + ", ".join(self.file_link(p) for p, *_ in MEASUREMENTS if p.endswith("gs-trace.txt"))
              + " (see %s)." % ('@ref %s "Debugging swapgs in Bochs"' % bochs.label if bochs
                                else "Debugging swapgs in Bochs"), ""]
        t += self.bench_section() + self.profile_section()
        t += ["## Refreshing the figures {#measurements_refresh}", "",
              "| %File | Written by | Measures |", "|---|---|---|"]
        for path, command, chapter, programs, tool in MEASUREMENTS:
            t.append("| %s | `%s` (%s) | chapter %s, %s |" % (
                self.file_link(path), command, tool, chapter,
                ", ".join("user/programs/%s.cpp" % p for p in programs)))
        for program in self.bench_programs():
            t.append("| `%s` | `make bench CH=06` (tools/bench.py) | Debian's Linux, user/programs/%s.cpp |" % (
                rel(bench.linux_path(program)), program))
        t += ["", "`make docs` runs a command when its file is missing or older than any source of the "
              "chapter it measures (its composed tree, `common/`, `kernel/`, the user runtime, the program "
              "and the measuring tool), so the book never shows figures of older code. To measure again by "
              "hand, run the command and then `make docs`. The trace needs Bochs, the benchmark QEMU; "
              "both are deterministic, so a rerun on the same code gives the same numbers.", ""]
        self.pages["measurements"].text = "\n".join(t)

    def profile_section(self):
        """Where the instructions of one io_uring_enter go (tools/syscall_profile.py)."""
        if not os.path.exists(os.path.join(ROOT, PROFILE)):
            problem(PROFILE, "missing: run `%s`" % next(c for p, c, *_ in MEASUREMENTS if p == PROFILE))
            return []
        lines = read(PROFILE).rstrip("\n").split("\n")
        # The title and the functions; not the source lines `--lines` adds after a blank line.
        table = lines[:3 + lines[3:].index("")] if "" in lines[3:] else lines
        return ["## Where one io_uring_enter goes {#measurements_profile}", "",
                "The uring-bench row `nop x1` above counts whole operations, the program's own part "
                "included. tools/syscall_profile.py takes one of those system calls, `io_uring_enter` "
                "with one NOP, and steps it in the Bochs debugger from `syscall_entry` to `sysretq`, "
                "attributing each kernel instruction to its function: *self* in the function itself, "
                "*total* with the functions it calls, *calls* how often it was entered. "
                "%s explains the rows." % self.ref_chapter("06-io_uring", "Chapter 06"), "",
                "\\htmlonly[block]" + book_highlight.block_html(table, "text") + "\\endhtmlonly", "",
                "Read from: %s (with `--lines`, the same file also counts the instructions of each "
                "source line)." % self.file_link(PROFILE), ""]

    def bench_programs(self):
        return next(programs for p, _, _, programs, _ in MEASUREMENTS if p.endswith("bench.txt"))

    def bench_section(self):
        """Chapter 06's benchmarks against Linux: a table per program, the plot,
        and how to make each figure again."""
        path = next(p for p, *_ in MEASUREMENTS if p.endswith("bench.txt"))
        ours = bench.read_results(os.path.join(ROOT, path))
        if not ours:
            problem(path, "missing or empty: run `make bench CH=06 LINUX=no`")
        linux = bench.linux_results(self.bench_programs())
        kernel = bench.linux_name(linux)
        first = next(iter(ours.values()), None)
        t = ["## Our kernel against Linux {#measurements_uring}", "",
             "Each benchmark is a static Linux program built with the user runtime "
             "(user/runtime/bench.h), so the very same ELF file runs natively, in chapter 06's kernel and in "
             "Debian's Linux kernel. tools/bench.py boots each kernel in QEMU with the same machine, "
             "`qemu-system-x86_64 %s`, where the guest's time-stamp counter advances by one per instruction: "
             "the figures are **instructions per operation**, the same on every run and every machine. "
             "Each figure is the median of %s repetitions of %s operations inside the program; the spread is "
             "the cheapest and the dearest repetition. The ratio is ours divided by Linux's; the course's "
             "target is at most 1.00 for every row." % (
                 " ".join(bench.QEMU_MACHINE), first.reps if first else "?", first.ops if first else "?"), ""]
        missing = [p for p in ours if p not in linux]
        stale = [p for p in ours if p in linux and not bench.same_build(ours[p], linux[p])]
        if kernel and not missing and not stale:
            t += ["The Linux side is %s, booted with `-kernel` and an initramfs whose `/init` is the program "
                  "(tools/initramfs.py), with `%s`. Both runs saw the CPU model \"%s\"%s." % (
                      kernel, bench.LINUX_APPEND, first.cpu if first else "?",
                      "" if all(ours[p].cpu == linux[p].cpu for p in ours) else " (**not** the same in both)"), ""]
        if missing:
            t += ["**Linux's figures are not measured on the machine that built this book** (%s). "
                  "`make bench CH=06` measures them: it fetches Debian's kernel package (about 70 MB) into "
                  "`build/linux/` the first time. The Linux columns stay empty until then." % ", ".join(missing), ""]
        if stale:
            t += ["**Linux's figures on this machine were measured with another build of %s**, so they are "
                  "not shown: `make bench CH=06` measures them again." % ", ".join(stale), ""]
        for program, r in ours.items():
            other_side = linux.get(program)
            t += ["### %s {#measurements_%s}" % (program, re.sub(r"\W", "_", program)), "",
                  "user/programs/%s.cpp: %s" % (program, what_it_is("user/programs/%s.cpp" % program)), "",
                  "| Row | Calls per op | Ours | Spread | Linux | Spread | Ours / Linux | Target |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
            for name, calls, mine, other, ratio in bench.compare(r, other_side):
                t.append("| %s | %s | **%d** | %s | %s | %s | %s | %s |" % (
                    name, calls, mine[0], bench.spread(mine), other[0] if other else "-",
                    bench.spread(other) if other else "-", "%.2f" % ratio if ratio is not None else "-",
                    bench.verdict(ratio)))
            t += ["| %s | FAILED %s | | | | | | |" % (name, why) for name, why in r.failed]
            files = [self.file_link(path)] + ([self.file_link(rel(bench.linux_path(program)))] if other_side else [])
            t += ["", "Read from: %s." % ", ".join(files), ""]
            if bench.batch_points(r):
                error = bench.plot(r, other_side, os.path.join(GEN, PLOT), "this kernel (chapter 06)")
                if error:
                    problem(path, "the plot: " + error)
                t += ["@image html %s \"The cost of one NOP against how many share an io_uring_enter: "
                      "ours and Linux's (drawn by gnuplot, tools/bench-plot.gp, from the files above)\"" % PLOT, ""]
        t += ["### Making each figure again {#measurements_reproduce}", "",
              "- `make bench CH=06`: every row of every table, ours and Linux's, printed as these tables "
              "(also kept in `build/06-io_uring/bench-tables.txt`), and the plot.",
              "- `make bench CH=06 LINUX=no`: our column only (what `make docs` runs when "
              "`build/06-io_uring/bench.txt` is missing or older than the code).",
              "- One row by hand: boot the program alone, `make run CH=06 PROGRAMS=uring-bench "
              "QEMU_EXTRA=\"-icount shift=0\"`, and read its lines on the console.",
              "- On this machine's own Linux, natively: `build/user/uring-bench.elf` (and `pipe-bench.elf`). "
              "There the TSC counts time, not instructions, so the figures differ from run to run.",
              "- `n=COUNT` as the program's argument changes the operations per repetition "
              "(natively; the kernels run the default).", ""]
        return t

    # -- listings ----------------------------------------------------------------
    def listings_page(self):
        for path, page in self.listings.items():
            # C and C++: Doxygen includes the file itself (EXAMPLE_PATH has the
            # root), coloured and linked. Anything else is coloured by Pygments,
            # with line numbers a link can point at (Doxygen's colouring of
            # Python puts zero-width joiners into the code: a reader could not copy it).
            # The HTML goes in a file of its own: Doxygen's scanner stops at a
            # token of 256 KB, and a script's listing can be longer.
            if path.endswith((".c", ".cpp", ".h")):
                body = "@include{lineno} " + path
            else:
                lang = "gas" if path.endswith(".S") else "console" if path.endswith((".expect", ".txt", ".log", ".rc")) else None
                write(os.path.join(GEN, page.label + "-body.html"), book_highlight.block_html(
                    read(path).rstrip("\n").split("\n"), lang, filename=path, numbered=True) + "\n")
                body = "@htmlinclude %s-body.html" % page.label
            page.text = "\n".join(["# %s {#%s}" % (path, page.label), "", listing_note(path), "", body, ""])
        self.pages["listings"].text = "\n".join(
            ["# Other files {#listings}", "",
             "Scripts, test expectations, build outputs and the sources Doxygen cannot read (assembly, "
             "linker scripts, C), as they were when this book was built. (The kernel's and the programs' "
             "C++ sources are in the reference: [Files](files.html).)", ""]
            + ["- @subpage %s" % self.listings[path].label for path in sorted(self.listings)]) + "\n"

    # -- writing -----------------------------------------------------------------
    def read_diagrams(self):
        """Each diagram's caption; and its "// check: FILE: TEXT" facts, which must hold."""
        for name in sorted(f for f in os.listdir(DIAGRAMS) if f.endswith(".dot")):
            self.diagrams[name] = name
            for n, line in enumerate(read("docs/diagrams/" + name).split("\n"), 1):
                m = re.match(r"\s*//\s*(caption|check):\s*(.*?)\s*$", line)
                if m and m.group(1) == "caption":
                    self.diagrams[name] = m.group(2)
                elif m:
                    path, sep, fact = m.group(2).partition(": ")
                    where = "docs/diagrams/%s:%d" % (name, n)
                    if not sep or not os.path.isfile(os.path.join(ROOT, path)):
                        problem(where, "check names no file: '%s'" % m.group(2))
                    elif squash(fact) not in squash(read(path)):
                        problem(where, "the diagram no longer matches the code: %s does not contain '%s'"
                                % (path, fact))

    def write_all(self):
        os.makedirs(GEN, exist_ok=True)
        self.read_diagrams()
        self.diffs = {}
        for ch in self.chapters:
            if self.chapter_page(ch):
                self.diff_page(ch)
        for page in list(self.by_source.values()):
            text = self.transform(page)
            if page.label == "index":
                text = self.main_page(text)
            elif page is self.chapter_page(page.chapter):
                text = self.chapter_text(page, text)
            page.text = text
        for name in sorted(set(self.diagrams) - self.diagrams_drawn):
            problem("docs/diagrams/" + name, "on no page: put <!-- diagram: %s --> where a page shows it" % name)
        self.measurements_page()
        self.listings_page()
        self.chapter_map()
        for page in self.pages.values():
            write(os.path.join(GEN, page.name), page.text.rstrip("\n") + "\n")
        # The navigation tree keeps the order of INPUT: the book's reading order.
        order = ["index"] + self.reading_order()
        write(os.path.join(GEN, "pages.doxy"), "# Written by tools/docs_gen.py: the pages, in reading order.\n"
              + "".join("INPUT += build/docs/gen/%s\n" % self.pages[l].name
                        for l in order + [l for l in self.pages if l not in order]))
        write(os.path.join(GEN, "pygments.css"), "/* The colours of the code blocks (tools/book_highlight.py). */\n"
              + book_highlight.stylesheet() + "\n")
        write(os.path.join(GEN, "manifest.json"), json.dumps({
            "chapters": {ch: self.chapter_page(ch).html if self.chapter_page(ch) else None for ch in self.chapters},
            "pages": {p.label: {"html": p.html, "title": p.title, "source": p.source} for p in self.pages.values()},
            "diagrams": sorted(self.diagrams) + ["chapter-map.dot"],
            "live_quotes": self.live_quotes}, indent=1, sort_keys=True))
        known = {p.name for p in self.pages.values()} | {"diff-%s.html" % ch for ch in self.chapters} | {
            p.label + "-body.html" for p in self.listings.values()} | {
            "pages.doxy", "manifest.json", "chapter-map.dot", "overlay.html", "pygments.css", PLOT, PLOT[:-4] + ".dat"}
        for name in set(os.listdir(GEN)) - known:
            os.remove(os.path.join(GEN, name))


# -------------------------------------------------------------- helpers

def github_slug(title):
    t = re.sub(r"`|\*|_(?=\W)|\[|\]|\(.*?\)", "", title.lower())
    return re.sub(r"[^\w\- ]", "", t).replace(" ", "-")


def is_text(path):
    try:
        if os.path.getsize(path) > 300_000:
            return False
        with open(path, encoding="utf-8") as f:
            f.read()
        return True
    except (OSError, UnicodeDecodeError):
        return False


def doxygen_link(target, text):
    """TEXT (markup and all) as a link Doxygen resolves itself: TARGET is a
    page or section label, or a source file's or folder's path. (Doxygen
    1.9.4 sends `\\link index` to an anchor "index" of the current page:
    the main page is always index.html.)"""
    return "[%s](index.html)" % text if target == "index" else "\\link %s %s\\endlink" % (target, text)


def code_span_text(body):
    """What a Markdown code span shows (CommonMark): line ends are spaces,
    and one space is dropped at each end if both ends have one."""
    text = body.replace("\n", " ")
    return text[1:-1] if len(text) > 2 and text[0] == " " and text[-1] == " " and text.strip() else text


def doxygen_code(text):
    """TEXT for Doxygen between <code> and </code>, every character kept.
    Doxygen reads markup and commands even there: each character it could
    take for one is escaped with a backslash (\\% \\@ \\* \\- ...), a word gets
    a % so that Doxygen does not link it (the book links names itself), and
    "file:" or "http:" is cut by an empty <em> so that it is not a URL."""
    out = []
    for i, c in enumerate(text):
        before = text[i - 1] if i else " "
        if c in "\\@%#$&<>\"*`[]|-.!":
            out.append("\\" + c)
        elif c == "_" and (not before.isalnum() or i + 1 == len(text) or not text[i + 1].isalnum()):
            out.append("\\_")
        elif c.isalpha() and not (before.isalnum() or before in "_:"):
            out.append("%" + c)
        elif c == ":" and re.search(r"(?:^|\W)(file|https?|s?ftps?|news)$", text[:i]):
            out.append("<em></em>:")
        else:
            out.append(c)
    return "".join(out)


def escape_text(line):
    # x86 exception names (#PF, #GP(0)...) would be read as links to symbols.
    return re.sub(r"(^|[^\w&\\`])#([A-Z][A-Z])\b", r"\1\\#\2", line)


def plain(text):
    """Heading text without markdown, for a link's text or a diagram label."""
    return re.sub(r"[`*\"]", "", re.sub(r"\{#[\w-]+\}", "", text)).strip()


def squash(text):
    return re.sub(r"\s+", " ", text).strip()


def wrap(text, width):
    lines = [""]
    for word in text.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = (lines[-1] + " " + word).strip()
    return "\n".join(lines)


def what_it_is(path):
    """A file's one-line description: its @brief, the "PATH - text" of its
    first comment, or a script's first "# " line. (Doxygen's \\copybrief
    of a file shows a link to the file instead, in a table cell.)"""
    text = read(path)
    m = (re.search(r"@brief\s+(.*?)(?:\n\s*\*\s*\n|\n\s*\*/|\n\s*\*\s*@)", text, re.S)
         or re.match(r"\s*/\*+\s*\n?\s*\*?\s*\S+ - (.*?)(?:\n\s*\*\s*\n|\*/)", text, re.S)
         or re.match(r"#\s*(.*)", text))
    return escape_text(re.sub(r"\s*\n\s*\*?\s*", " ", m.group(1)).strip().replace("|", "\\|")) if m else ""


def listing_note(path):
    command = next((c for p, c, *_ in MEASUREMENTS if p == path), None)
    if command:
        return ("Written by `%s` and read back by the book when it was built; the figures on "
                "@ref measurements come from here." % command)
    if path.startswith("build/"):
        return "A build output, as it was when this book was built."
    if path.endswith(".expect"):
        return ("A boot test's expectations: the lines the console must show, in order "
                "(the format is in @ref build).")
    return "The file as it is in the repository."


def parse_keyvalue(path):
    if not os.path.exists(os.path.join(ROOT, path)):
        problem(path, "missing: run `make docs`, which measures first (or the command on the Measurements page)")
        return None
    kv = dict(re.findall(r"^\s*([\w.-]+)\s*=\s*(.*?)\s*$", read(path), re.M))
    if "null_syscall_instructions" not in kv:
        problem(path, "no null_syscall_instructions= line: has tools/trace.py changed its format?")
    return kv


def render_diff(text):
    """`make diff` output -> an HTML fragment: one folding block per file."""
    files = []
    for line in text.split("\n"):
        if line.startswith("diff "):
            files.append({"name": line.split()[-1].split("/", 2)[-1], "lines": [], "+": 0, "-": 0})
        elif files and not line.startswith(("--- ", "+++ ")):
            kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "ctx")
            if line[:1] in "+-" and line:
                files[-1][line[0]] += 1
            files[-1]["lines"].append('<span class="%s">%s</span>' % (kind, html.escape(line) or " "))
    out = ['<div class="diff">']
    for f in files:
        # Each line is a block of its own: no newline between them inside <pre>.
        out.append('<details class="diff-file"%s><summary><code>%s</code> <span class="stat">'
                   '+%d -%d</span> %s</summary><pre class="diff">%s</pre></details>' % (
                       ' open="open"' if len(f["lines"]) <= 150 else "", html.escape(f["name"]), f["+"], f["-"],
                       "new file" if f["lines"] and "@@ -0,0 " in f["lines"][0] else "", "".join(f["lines"])))
    out.append("<p>No differences.</p>" if not files else "")
    return {"html": "\n".join(o for o in out if o) + "\n</div>\n",
            "stats": (len(files), sum(f["+"] for f in files), sum(f["-"] for f in files))}


# ------------------------------------------------------------------ link

def cmd_link():
    """After Doxygen: a page's `name` (a link to book:sym/CH/NAME) goes to the
    declaration chapter CH compiles, as Doxygen's tag file lists it, or stays
    plain code if Doxygen documents no such name; a square of the overlay
    grid (book:file/PATH) goes to the file's page."""
    overlays = {c: compose.overlay(c) for c in compose.chapters()}
    files, compounds, members = {}, {}, {}  # path / name -> page; name -> [(rank of its scope, page#anchor)]
    shared = tuple(os.path.join(ROOT, d) + "/" for d in ("common", "kernel", "user"))
    for c in ET.parse(TAGFILE).getroot().iter("compound"):
        kind, name, page = c.get("kind"), c.findtext("name"), html_file(c.findtext("filename"))
        if kind == "file":
            scope = os.path.normpath(os.path.join(c.findtext("path") or "", name))
            files[scope] = page
        elif kind in ("class", "struct", "union", "namespace"):
            compounds[name] = scope = page
        else:
            continue
        for m in c.findall("member"):
            entry = (kind, scope, "%s#%s" % (html_file(m.findtext("anchorfile")), m.findtext("anchor")))
            members.setdefault(m.findtext("name"), []).append(entry)
            if kind != "file":
                members.setdefault("%s::%s" % (name, m.findtext("name")), []).append(entry)

    def rank(chapter, kind, scope):
        """The chapter's own header first, then its source, a shared file, a
        namespace, a class; another chapter's file only as a last resort."""
        if kind != "file":
            return 3 if kind == "namespace" else 4
        if scope in overlays[chapter].values():
            return 0 if scope.endswith(".h") else 1
        return 2 if scope.startswith(shared) else 6

    def symbol(chapter, name):
        if name in compounds:
            return compounds[name]
        ranked = sorted((rank(chapter, kind, scope), url) for kind, scope, url in members.get(name, []))
        if ranked and ranked[0][0] == 4 and len({u for r, u in ranked if r == 4}) > 1:
            return None  # a bare member name of several classes is too ambiguous to link
        return ranked[0][1] if ranked else None

    def replace(m):
        kind, _, what = m.group(1).partition("/")
        if kind == "file":
            target = files.get(os.path.join(ROOT, what))
            if target is None:
                problem("build/docs/html", "nothing in the reference for book:" + m.group(1))
        else:
            chapter, _, name = what.partition("/")
            target = symbol(chapter, name.replace("--", "::"))
        return '<a class="el" href="%s"%s>%s</a>' % (target, m.group(2), m.group(3)) if target else m.group(3)

    for name in os.listdir(HTML_DIR):
        path = os.path.join(HTML_DIR, name)
        text = read(path) if name.endswith(".html") else ""
        if "book:" in text:
            write(path, re.sub(r'<a href="book:([^"]*)"([^>]*)>(.*?)</a>', replace, text, flags=re.S))
    fix_navtree({url.partition("#")[2]: url.partition("#")[0] for entries in members.values() for *_, url in entries})


def fix_navtree(pages):
    """Doxygen 1.9.4's navigation tree sends a namespace's member to the page
    of the file that declares it, where it has no anchor, and an enum value
    without a comment of its own to an anchor no page has. PAGES: anchor ->
    the page that has it (the tag file's); failing that, the page itself."""
    ids = {}

    def fix(m):
        page, anchor = m.group(1), m.group(2)
        for candidate in (page, pages.get(anchor)):
            if candidate and candidate not in ids:
                ids[candidate] = set(re.findall(r'\b(?:id|name)="([^"]+)"', read(os.path.join(HTML_DIR, candidate))))
            if candidate and anchor in ids[candidate]:
                return '"%s#%s"' % (candidate, anchor)
        return '"%s"' % page

    for name in os.listdir(HTML_DIR):
        if name.endswith(".js") and not name.startswith(("jquery", "menu", "navtree.", "resize", "dynsections")):
            path = os.path.join(HTML_DIR, name)
            write(path, re.sub(r'"([\w.-]+\.html)#(\w+)"', fix, read(path)))


def html_file(name):
    return name if name.endswith(".html") else name + ".html"


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("measure", "pages", "link"):
        sys.exit("usage: docs_gen.py measure|pages|link")
    if sys.argv[1] == "measure":
        cmd_measure()
    elif sys.argv[1] == "pages":
        book = Book()
        book.discover()
        book.write_all()
    else:
        cmd_link()
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        sys.exit("docs: %d problem(s) above" % len(problems))


if __name__ == "__main__":
    main()
