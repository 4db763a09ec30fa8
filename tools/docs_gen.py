#!/usr/bin/python3
"""Make the course book's pages from the repository, and link them up.

    docs_gen.py measure   run the measuring targets whose figures are missing
                          or older than the code they measure
    docs_gen.py pages     write build/docs/gen: every page of the book, before Doxygen
    docs_gen.py link      after Doxygen: point the pages' code names at the reference

tools/docs.sh runs the three in that order, with Doxygen between `pages` and
`link`. Nothing in the book is typed twice: the pages are the *.md files of
the repository, and what they cannot say without going stale is generated
here, at every build, from the files themselves:

- each chapter's page is its README.md with, at the end of its "What changed
  since chapter NN" section, the files it adds and replaces (from the same
  overlay tools/compose.py builds) and a page with its `make diff`;
- the diagrams (docs/diagrams/*.dot) are put into the pages their header
  comments name, after checking the facts they show against the code
  ("// check: FILE: TEXT" lines: FILE must contain TEXT);
- the chapter map and the overlay grid are drawn from the chapter folders;
- the Measurements page reads the files `make trace` and `make bench` write;
- every code span reaches Doxygen as <code> with each character Doxygen
  would take for markup escaped (doxygen_code), so `%gs:0x18` keeps its
  `%`; a C++ block stays a block for Doxygen, any other block is coloured by
  tools/book_highlight.py (Pygments);
- a link or a `code name` that names a file gets a link to that file in the
  book: a source file to its reference page, a script, a test expectation or
  a build output to a listing page of its own. A `name` that is a symbol is
  linked to its documentation by `link`, which reads Doxygen's tag file,
  preferring the declaration the chapter itself compiles.

A link to a file that does not exist, or a diagram whose facts no longer
match the code, is an error: the book fails to build instead of drifting.
"""
import html
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import debian_python  # noqa: E402
debian_python.require("pygments")
import bench  # noqa: E402  (tools/bench.py: the benchmark files, their tables and plot)
import compose  # noqa: E402  (tools/compose.py: the chapters and their overlay)
import book_highlight  # noqa: E402  (tools/book_highlight.py: code blocks in colour)

GEN = os.path.join(ROOT, "build", "docs", "gen")
HTML_DIR = os.path.join(ROOT, "build", "docs", "html")
TAGFILE = os.path.join(ROOT, "build", "docs", "book.tag")
DIAGRAMS = os.path.join(ROOT, "docs", "diagrams")

# Files Doxygen reads as sources (docs/Doxyfile: INPUT and FILE_PATTERNS).
BOOK_DIRS = ("common", "kernel", "user", "chapters")
BOOK_EXTS = (".h", ".cpp", ".S", ".ld", ".c")
FOREIGN_EXTS = (".S", ".ld", ".c")  # read through tools/doxygen_filter.py: listing only

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

problems = []

# A Markdown code span: a run of backticks, text, the same run.
CODE_SPAN = r"(`+)(.+?)(?<!`)\1(?!`)"
# The line before a block of console output that names the run it comes
# from: <!-- transcript: build/05-percpu/test/qemu-05-percpu.txt -->.
# tools/test_docs.py checks the block against that file; the book shows
# the file's name above the block.
TRANSCRIPT = re.compile(r"^\s*<!--\s*transcript:\s*(\S+)\s*-->\s*$")


def problem(where, text):
    problems.append("%s: error: %s" % (where, text))


def rel(path):
    return os.path.relpath(path, ROOT)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    old = None
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
    if old != text:  # unchanged files keep their time: Doxygen's dot cache stays valid
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def chapters():
    return compose.chapters()


def number(chapter):
    return chapter[:2]


def is_book_source(relpath):
    parts = relpath.split("/")
    return (parts[0] in BOOK_DIRS and relpath.endswith(BOOK_EXTS) and "tests" not in parts
            and os.path.isfile(os.path.join(ROOT, relpath)))


def is_text(path):
    try:
        if os.path.getsize(path) > 300_000:
            return False
        with open(path, encoding="utf-8") as f:
            f.read()
        return True
    except (OSError, UnicodeDecodeError):
        return False


# ------------------------------------------------------------ measurements

def measured_sources(chapter, programs, tool):
    files = list(compose.overlay(chapter).values())
    for shared in ("common", "kernel", "user/runtime"):
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, shared)):
            dirnames[:] = [d for d in dirnames if d != "tests"]
            files += [os.path.join(dirpath, f) for f in filenames]
    files += [os.path.join(ROOT, "user", "programs", p + ".cpp") for p in programs]
    files.append(os.path.join(ROOT, tool))
    return [f for f in files if os.path.exists(f)]


def stale_reason(path, chapter, programs, tool):
    full = os.path.join(ROOT, path)
    if not os.path.exists(full):
        return "missing"
    made = os.path.getmtime(full)
    newer = [f for f in measured_sources(chapter, programs, tool) if os.path.getmtime(f) > made]
    if newer:
        return "older than %s" % rel(max(newer, key=os.path.getmtime))
    return None


def cmd_measure():
    done = set()
    for path, command, chapter, programs, tool in MEASUREMENTS:
        reason = stale_reason(path, chapter, programs, tool)
        if reason is None or command in done:
            continue
        print("docs: %s is %s: running `%s`" % (path, reason, command), flush=True)
        argv = command.split() + (["--no-print-directory"] if command.startswith("make ") else [])
        result = subprocess.run(argv, cwd=ROOT, stdout=None if command.startswith("make ") else subprocess.DEVNULL)
        if result.returncode != 0:
            sys.exit("docs: `%s` failed (status %d); the Measurements page needs %s"
                     % (command, result.returncode, path))
        done.add(command)
        if not os.path.exists(os.path.join(ROOT, path)):
            sys.exit("docs: `%s` did not write %s" % (command, path))


# ---------------------------------------------------------------- the pages

class Page:
    """One page of the book: its source, label, title and generated text."""

    def __init__(self, source, label, gen_name, chapter=None):
        self.source = source        # repository-relative path of the *.md, or None
        self.label = label          # Doxygen page name: the page is LABEL.html
        self.gen_name = gen_name    # file name under build/docs/gen
        self.chapter = chapter      # NN-slug for a chapter's pages
        self.title = None
        self.text = ""
        self.anchors = {}           # GitHub-style heading slug -> section label
        self.children = []          # labels of its subpages, in order
        self.listed = None          # for a listing page: the file it shows

    @property
    def html(self):
        return "index.html" if self.label == "index" else self.label + ".html"


class Book:
    def __init__(self):
        self.chapters = chapters()
        self.overlays = {c: compose.overlay(c) for c in self.chapters}
        self.pages = {}             # label -> Page
        self.by_source = {}         # repository path of an *.md -> Page
        self.listings = {}          # repository path -> Page (listing of a non-source file)
        self.diagrams = self.read_diagrams()
        self.live_quotes = []       # (page source, measurement file) shown live

    # -- discovering the pages ----------------------------------------------
    def add(self, page):
        if page.label in self.pages:
            problem(page.source or page.gen_name, "two pages are labelled '%s' (the other: %s)"
                    % (page.label, self.pages[page.label].source or self.pages[page.label].gen_name))
        self.pages[page.label] = page
        if page.source:
            self.by_source[page.source] = page
        return page

    def discover(self):
        self.add(Page("README.md", "index", "index.md"))
        self.add(Page(None, "measurements", "measurements.md")).title = "Measurements"
        self.add(Page(None, "listings", "listings.md")).title = "Other files"
        for ch in self.chapters:
            folder = os.path.join("chapters", ch)
            for name in sorted(os.listdir(os.path.join(ROOT, folder))):
                if not name.endswith(".md"):
                    continue
                src = folder + "/" + name
                if name == "README.md":
                    label = heading_label(src) or "chapter" + number(ch)
                    self.add(Page(src, label, "chapter%s.md" % number(ch), ch))
                else:
                    stem = re.sub(r"\W+", "_", name[:-3])
                    label = heading_label(src) or "chapter%s_%s" % (number(ch), stem)
                    self.add(Page(src, label, "chapter%s_%s.md" % (number(ch), stem), ch))
        for top in ("docs", "user"):
            for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
                dirnames[:] = sorted(d for d in dirnames if d not in ("tests", "diagrams"))
                for name in sorted(filenames):
                    if name.endswith(".md"):
                        src = rel(os.path.join(dirpath, name))
                        stem = re.sub(r"\W+", "_", src[:-3])
                        self.add(Page(src, heading_label(src) or stem, stem + ".md"))

    def chapter_page(self, ch):
        return next((p for p in self.pages.values()
                     if p.chapter == ch and p.source == "chapters/%s/README.md" % ch), None)

    # -- resolving names ------------------------------------------------------
    def overlay_for(self, chapter):
        return self.overlays[chapter or self.chapters[-1]]

    def resolve(self, target, page, strict):
        """A link or code name -> what Doxygen's \\link takes to reach it (a
        page or section label, a source file's or folder's path), or None.
        strict: a link, whose target must exist (a code name may be anything)."""
        target, _, frag = target.partition("#")
        if not target:
            return None
        base = os.path.dirname(page.source) if page.source else ""
        overlay = self.overlay_for(page.chapter)
        candidates = [os.path.normpath(os.path.join(base, target)), os.path.normpath(target)]
        if target in overlay:
            candidates.append(rel(overlay[target]))
        if "/" not in target.rstrip("/") and page.chapter:
            same = [r for r in overlay if os.path.basename(r) == target]
            if len(same) == 1:
                candidates.append(rel(overlay[same[0]]))
            candidates.append(os.path.join("chapters", page.chapter, target))
        for cand in candidates:
            if cand.startswith("..") or os.path.isabs(cand):
                continue
            full = os.path.join(ROOT, cand)
            if cand in self.by_source:
                linked = self.by_source[cand]
                anchor = linked.anchors.get(frag) if frag else None
                if frag and anchor is None:
                    problem(page.source, "link to '%s#%s': no such heading there" % (cand, frag))
                return anchor or linked.label
            if os.path.isdir(full):
                if (cand.split("/")[0] in BOOK_DIRS and "tests" not in cand.split("/")
                        and any(f.endswith(BOOK_EXTS) for _, _, fs in os.walk(full) for f in fs)):
                    return cand.rstrip("/")
                return None
            if os.path.isfile(full):
                if cand.startswith("build/docs/"):
                    return None  # the book itself
                if is_book_source(cand):
                    return cand
                if is_text(full):
                    return self.listing(cand).label
                return None
        if strict:
            problem(page.source, "link to '%s': no such file (looked for %s)"
                    % (target, ", ".join(sorted(set(c for c in candidates if not c.startswith(".."))))))
        return None

    def listing(self, path):
        """The listing page of a text file that is not a source of the book."""
        if path not in self.listings:
            label = "listing_" + re.sub(r"\W+", "_", path).strip("_")
            page = Page(None, label, label + ".md")
            page.title = path
            page.listed = path
            self.listings[path] = page
            self.add(page)
        return self.listings[path]

    # -- diagrams -------------------------------------------------------------
    def read_diagrams(self):
        found = []
        if not os.path.isdir(DIAGRAMS):
            return found
        for name in sorted(os.listdir(DIAGRAMS)):
            if not name.endswith(".dot"):
                continue
            meta = {"name": name, "checks": [], "pages": [], "section": None, "caption": name}
            for n, line in enumerate(read(os.path.join(DIAGRAMS, name)).split("\n"), 1):
                m = re.match(r"\s*//\s*(caption|page|section|check):\s*(.*?)\s*$", line)
                if not m:
                    continue
                key, value = m.groups()
                if key == "check":
                    meta["checks"].append((n, value))
                elif key == "page":
                    # "page: LABEL" or "page: LABEL: heading text" (else the "section:" line)
                    label, _, section = value.partition(": ")
                    meta["pages"].append((label.strip(), section.strip() or None))
                else:
                    meta[key] = value
            found.append(meta)
        return found

    def check_diagrams(self):
        for d in self.diagrams:
            where = "docs/diagrams/" + d["name"]
            for n, check in d["checks"]:
                path, sep, text = check.partition(": ")
                full = os.path.join(ROOT, path)
                if not sep or not os.path.isfile(full):
                    problem("%s:%d" % (where, n), "check names no file: '%s'" % check)
                    continue
                squash = lambda s: re.sub(r"\s+", " ", s).strip()
                if squash(text) not in squash(read(full)):
                    problem("%s:%d" % (where, n), "the diagram no longer matches the code: %s does not contain '%s'"
                            % (path, text))

    # -- markdown -------------------------------------------------------------
    def transform(self, page, text):
        """Rewrite one *.md for the book: labels on headings, links resolved,
        code names linked, diagrams drawn, #XX escaped."""
        out = []
        fence, opening, block = None, "", []  # an open code fence: its first line, its lines
        lines = text.split("\n")
        first_heading = True
        used = set()
        list_context = False
        prev_blank = True
        in_code = False
        para = []  # the lines of the current paragraph: a code span may run across them

        def flush():
            if para:
                out.extend(self.inline(page, "\n".join(para)).split("\n"))
                para.clear()

        for line in lines:
            stripped = line.strip()
            if fence:
                if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                    out.extend(self.code_block(page, block, opening))
                    fence = None
                else:
                    block.append(line)
                continue
            t = TRANSCRIPT.match(line)
            if t:
                flush()
                out.append("\\htmlonly[block]<div class=\"transcript\" title=\"make test checks that the lines "
                           "below are in this file, in this order\">from <code>%s</code></div>\\endhtmlonly"
                           % html.escape(t.group(1)))
                prev_blank = True
                continue
            m = re.match(r"\s*(`{3,}|~{3,})", line)
            if m:
                flush()
                fence = m.group(1)
                opening = line
                block = []
                continue
            indent = len(line) - len(line.lstrip(" "))
            if not stripped:
                flush()
                out.append(line)
                prev_blank = True
                continue
            if re.match(r"\s*([-*+]|\d+\.)\s", line):
                list_context = True
            elif indent == 0:
                list_context = False
            in_code = indent >= (8 if list_context else 4) and (prev_blank or in_code)
            prev_blank = False
            if in_code:
                flush()
                out.append(line)
                continue
            h = re.match(r"(#{1,6})\s+(.*?)\s*(\{#([\w-]+)\})?\s*$", line)
            if h and indent == 0:
                flush()
                hashes, title, _, label = h.groups()
                if first_heading:
                    first_heading = False
                    page.title = title
                    if page.label == "index":
                        out.append("%s %s" % (hashes, title))
                    else:
                        out.append("%s %s {#%s}" % (hashes, title, page.label))
                    continue
                slug = github_slug(title)
                if not label:
                    label = "%s_%s" % (page.label, re.sub(r"[^a-z0-9]+", "_", slug).strip("_") or "section")
                    while label in used:
                        label += "_"
                used.add(label)
                page.anchors.setdefault(slug, label)
                # Doxygen 1.9.4 shows a code span of a heading as "<tt>" in the
                # table of contents and the navigation tree: drop the backticks.
                out.append("%s %s {#%s}" % (hashes, escape_text(title.replace("`", "")), label))
                continue
            if stripped.startswith("|") or re.match(r"\s*([-*+]|\d+\.)\s", line):
                flush()  # a table row or a list item starts a paragraph of its own
            para.append(line)
            if stripped.startswith("|"):
                flush()
        flush()
        return "\n".join(out)

    def code_block(self, page, block, opening):
        """A fenced block: C++ stays a fence for Doxygen to colour and link;
        anything else becomes Pygments' HTML (tools/book_highlight.py)."""
        indent = opening[:len(opening) - len(opening.lstrip())]
        tag = opening.strip().lstrip("`~").strip("{}. ")
        block = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in block]
        block = self.live_block(page, block)
        lang = {"c++": "cpp", "c": "cpp", "asm": "gas", "sh": "console", "shell": "console"}.get(tag, tag)
        if not lang:
            lang = book_highlight.language(block)
        if lang == "cpp":
            return [indent + "~~~{.cpp}"] + [indent + l if l else l for l in block] + [indent + "~~~"]
        return [indent + "\\htmlonly[block]" + book_highlight.block_html(block, lang) + "\\endhtmlonly"]

    def live_block(self, page, block):
        """A code block that quotes a measurement file (its first line is
        the file's first line) shows the file as it is now, not as it was
        when the page was written."""
        first = next((l.strip() for l in block if l.strip()), None)
        for path, command, *_ in MEASUREMENTS:
            full = os.path.join(ROOT, path)
            if first and os.path.exists(full):
                live = read(full).rstrip("\n").split("\n")
                if live and live[0].strip() == first:
                    self.live_quotes.append((page.source, path))
                    return live
        return block

    def inline(self, page, line):
        """Links, images and code names of one paragraph of text."""
        saved = []

        def keep(s):
            saved.append(s)
            return "\x00%d\x00" % (len(saved) - 1)

        def code_html(m):
            return "<code>%s</code>" % doxygen_code(code_span_text(m.group(2)))

        def link(m):
            bang, label, target = m.group(1), m.group(2), m.group(3)
            label = re.sub(CODE_SPAN, code_html, label, flags=re.S)
            if re.match(r"[a-z]+:", target) or target.startswith("@ref") or target.startswith("\\ref"):
                return keep(m.group(0))
            if target.startswith("#"):
                anchor = page.anchors.get(target[1:]) or self.pending_anchor(page, target[1:])
                return keep(doxygen_link(anchor, label))
            if bang and target.endswith(".dot"):
                return keep('@dotfile %s "%s"' % (os.path.basename(target), label.replace('"', "'")))
            r = self.resolve(target, page, strict=True)
            return keep(label if r is None else doxygen_link(r, label))

        line = re.sub(r"(!?)\[((?:[^\[\]`]|`[^`]*`)*)\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)", link, line)

        def code(m):
            text = code_span_text(m.group(2))
            span = "<code>%s</code>" % doxygen_code(text)
            kind, target = self.code_target(page, text)
            if kind == "ref":
                return keep(doxygen_link(target, span))
            return keep("[%s](%s)" % (span, target) if target else span)

        line = re.sub(CODE_SPAN, code, line, flags=re.S)
        # Doxygen 1.9.4 does not see "**`x`**" as bold (nor "*`x`*" as
        # emphasis): say it in HTML, which it always understands.
        line = re.sub(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", r"<b>\1</b>", line, flags=re.S)
        line = re.sub(r"(?<![\w*])\*(?=\x00)(.+?)(?<=\S)\*(?![\w*])|(?<![\w*])\*(?=\S)(.+?\x00)\*(?![\w*])",
                      lambda m: "<em>%s</em>" % (m.group(1) or m.group(2)), line, flags=re.S)
        # Doxygen shows text between double quotes as it is, HTML and all:
        # a quoted code span ("`Next at t=N`") would show its <code> tags.
        line = line.replace('"', '\\"')
        line = escape_text(line)
        return re.sub("\x00(\\d+)\x00", lambda m: saved[int(m.group(1))], line)

    def pending_anchor(self, page, slug):
        # A link to a heading further down the same page: its label is made
        # the same way transform() makes it.
        return "%s_%s" % (page.label, re.sub(r"[^a-z0-9]+", "_", slug).strip("_"))

    def code_target(self, page, body):
        """("ref", what \\link takes) for a path; ("sym", book:sym/... for
        the link step) for a name; (None, None) for anything else."""
        body = body.strip()
        if re.fullmatch(r"[\w.+-]+(/[\w.+-]*)+|[\w+-]+\.(h|cpp|S|ld|c|md|py|sh|mk|expect|txt)", body):
            r = self.resolve(body, page, strict=False)
            return ("ref", r) if r else (None, None)
        m = re.fullmatch(r"([A-Za-z_]\w*(?:::~?[A-Za-z_]\w*)*)(\([\w\s,.*&:+-]*\))?", body)
        if m and len(m.group(1)) > 2:
            # Which declaration a name means depends on the chapter (each
            # compiles its own kernel_main): Doxygen cannot know, the link
            # step does. "::" would make Doxygen read the URL as a reference.
            ch = page.chapter or self.chapters[-1]
            return "sym", "book:sym/%s/%s" % (ch, m.group(1).replace("::", "--"))
        return None, None

    # -- generated parts of a chapter page ------------------------------------
    def changes(self, ch):
        """Files chapter CH adds and replaces, relative to the chapter before it."""
        i = self.chapters.index(ch)
        now = self.overlays[ch]
        before = self.overlays[self.chapters[i - 1]] if i else {}
        added = sorted(r for r in now if r not in before)
        replaced = sorted(r for r in now if r in before and now[r] != before[r])
        removed = sorted(r for r in before if r not in now)  # named in the chapter's removed.txt
        return added, replaced, removed, before

    def file_link(self, relpath, text=None):
        span = "<code>%s</code>" % doxygen_code(text or relpath)
        return doxygen_link(relpath if is_book_source(relpath) else self.listing(relpath).label, span)

    def changes_section(self, ch):
        added, replaced, removed, before = self.changes(ch)
        prev = self.chapters[self.chapters.index(ch) - 1] if self.chapters.index(ch) else None
        now = self.overlays[ch]
        if prev:
            intro = ("**The files, as the build composes them** (tools/compose.py lays chapters %s to %s "
                     "over each other):" % (number(self.chapters[0]), number(ch)))
        else:
            intro = "**The files** (chapter %s starts from an empty tree):" % number(ch)
        lines = ["", "<div class=\"changes\">", "", intro, "",
                 "| %File | Status | What it is |", "|---|---|---|"]
        for r in added:
            lines.append("| %s | new | %s |" % (self.file_link(rel(now[r]), r), brief_of(now[r])))
        for r in replaced:
            old = rel(before[r])
            owner = old.split("/")[1][:2] if old.startswith("chapters/") else old
            target = old if is_book_source(old) else self.listing(old).label
            lines.append("| %s | replaces %s | %s |" % (
                self.file_link(rel(now[r]), r), doxygen_link(target, "%s's" % owner), brief_of(now[r])))
        for r in removed:
            old = rel(before[r])
            owner = old.split("/")[1][:2] if old.startswith("chapters/") else old
            lines.append("| %s | removes %s (%s) | %s |" % (
                doxygen_code(r), self.file_link(old, "%s's" % owner),
                self.file_link("chapters/%s/removed.txt" % ch, "removed.txt"), brief_of(before[r])))
        if not added and not replaced and not removed:
            lines.append("| (none) | | |")
        tests = sorted(f for f in os.listdir(os.path.join(ROOT, "chapters", ch)) if f.endswith(".expect"))
        tdir = os.path.join(ROOT, "chapters", ch, "tests")
        if os.path.isdir(tdir):
            tests += ["tests/" + f for f in sorted(os.listdir(tdir)) if f.endswith((".cpp", ".h"))]
        lines.append("")
        if tests:
            lines.append("Its tests: " + ", ".join(self.file_link("chapters/%s/%s" % (ch, t), t) for t in tests)
                         + ".")
            lines.append("")
        stats = self.diffs[ch]["stats"]
        lines.append("The whole change, as `make diff CH=%s` prints it (%d files, +%d -%d lines): @subpage %s_diff"
                     % (number(ch), stats[0], stats[1], stats[2], self.chapter_label(ch)))
        lines += ["", "</div>", ""]
        return "\n".join(lines)

    def ref_chapter(self, ch, text=None):
        """A reference to chapter CH's page (plain text while it has none)."""
        page = self.chapter_page(ch)
        if page is None:
            return text or "chapter %s" % number(ch)
        return '@ref %s "%s"' % (page.label, (text or "chapter %s" % number(ch)))

    def ref_source(self, source, text):
        page = self.by_source.get(source)
        return '@ref %s "%s"' % (page.label, text) if page else text

    def chapter_label(self, ch):
        p = self.chapter_page(ch)
        return p.label if p else "chapter" + number(ch)

    def nav(self, ch):
        i = self.chapters.index(ch)
        parts = []
        if i > 0 and self.chapter_page(self.chapters[i - 1]):
            prev = self.chapters[i - 1]
            parts.append('<span class="prev">@ref %s "&larr; %s"</span>' % (
                self.chapter_label(prev), plain(self.chapter_page(prev).title or prev)))
        parts.append('<span class="up">@ref index "The book"</span>')
        if i + 1 < len(self.chapters) and self.chapter_page(self.chapters[i + 1]):
            nxt = self.chapters[i + 1]
            parts.append('<span class="next">@ref %s "%s &rarr;"</span>' % (
                self.chapter_label(nxt), plain(self.chapter_page(nxt).title or nxt)))
        return '<div class="chapter-nav">%s</div>' % " ".join(parts)

    def diagrams_for(self, label):
        found = []
        for d in self.diagrams:
            for page, section in d["pages"]:
                if page == label:
                    found.append(dict(d, section=section or d["section"]))
        return found

    # -- the diff pages -------------------------------------------------------
    def make_diffs(self):
        self.diffs = {}
        for ch in self.chapters:
            out = subprocess.run(["bash", os.path.join(ROOT, "tools", "diff.sh"), ch], cwd=ROOT,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                problem("tools/diff.sh", "failed for %s: %s" % (ch, out.stderr.strip()))
            self.diffs[ch] = render_diff(out.stdout)

    # -- writing --------------------------------------------------------------
    def write_all(self):
        os.makedirs(GEN, exist_ok=True)
        self.check_diagrams()
        self.make_diffs()
        # Titles and heading anchors first: links may point at any page.
        for page in list(self.pages.values()):
            if page.source:
                scan_headings(page, read(os.path.join(ROOT, page.source)))
        # Each chapter's other pages (e.g. a walk-through) come under it.
        for ch in self.chapters:
            cp = self.chapter_page(ch)
            if cp:
                cp.children = [p.label for p in self.pages.values()
                               if p.chapter == ch and p is not cp and p.source]
        sources = [p for p in self.pages.values() if p.source]
        for page in sources:
            text = self.transform(page, read(os.path.join(ROOT, page.source)))
            if page.label == "index":
                text = self.main_page(text)
            elif page.chapter and page.source.endswith("/README.md"):
                text = self.chapter_text(page, text)
            else:
                text = insert_diagrams(text, self.diagrams_for(page.label), page)
            page.text = text
        self.measurements_page()
        for ch in self.chapters:
            if self.chapter_page(ch):
                self.diff_page(ch)
        self.listings_page()
        for page in self.pages.values():
            write(os.path.join(GEN, page.gen_name), page.text.rstrip("\n") + "\n")
        self.chapter_map()
        write(os.path.join(GEN, "pages.doxy"), self.doxy_include())
        write(os.path.join(GEN, "pygments.css"), "/* The colours of the code blocks (tools/book_highlight.py). */\n"
              + book_highlight.stylesheet() + "\n")
        manifest = {
            "chapters": {ch: (self.chapter_page(ch).html if self.chapter_page(ch) else None)
                         for ch in self.chapters},
            "pages": {p.label: {"html": p.html, "title": p.title, "source": p.source}
                      for p in self.pages.values()},
            "diagrams": [d["name"] for d in self.diagrams] + ["chapter-map.dot"],
            "live_quotes": self.live_quotes,
        }
        write(os.path.join(GEN, "manifest.json"), json.dumps(manifest, indent=1, sort_keys=True))
        known = {p.gen_name for p in self.pages.values()} | {
            "pages.doxy", "manifest.json", "chapter-map.dot", "overlay.html", "pygments.css", PLOT, PLOT[:-4] + ".dat"} | {
            "diff-%s.html" % ch for ch in self.chapters}
        for name in os.listdir(GEN):
            if name not in known:
                os.remove(os.path.join(GEN, name))

    def doxy_include(self):
        lines = ["# Generated by tools/docs_gen.py: the book's pages, in reading order (the navigation",
                 "# tree keeps it), and the folders Doxygen skips."]
        order = ["index"] + self.reading_order()
        order += [l for l in self.pages if l not in order]
        for label in order:
            lines.append("INPUT += build/docs/gen/" + self.pages[label].gen_name)
        for top in BOOK_DIRS:
            for dirpath, dirnames, _ in os.walk(os.path.join(ROOT, top)):
                dirnames.sort()
                if os.path.basename(dirpath) == "tests":
                    lines.append("EXCLUDE += " + rel(dirpath))
                    dirnames[:] = []
        lines.append("EXAMPLE_PATH += build/docs/gen .")
        lines.append("IMAGE_PATH += build/docs/gen")
        return "\n".join(lines) + "\n"

    def chapter_text(self, page, text):
        ch = page.chapter
        text = insert_diagrams(text, self.diagrams_for(page.label), page)
        lines = text.split("\n")
        if not any(l.strip() == "[TOC]" for l in lines[:6]):
            lines.insert(1, "\n[TOC]")
        text = "\n".join(lines)
        section = self.changes_section(ch)
        m = re.search(r"^## What changed since[^\n]*\n", text, re.M)
        if m:
            nxt = re.search(r"^## ", text[m.end():], re.M)
            at = m.end() + nxt.start() if nxt else len(text)
            text = text[:at].rstrip("\n") + "\n" + section + "\n" + text[at:]
        else:
            prev = self.chapters[self.chapters.index(ch) - 1] if self.chapters.index(ch) else None
            title = "What changed since chapter %s" % number(prev) if prev else "The files of this chapter"
            text = text.rstrip("\n") + "\n\n## %s {#%s_changes}\n%s" % (title, page.label, section)
        if page.children:
            text = text.rstrip("\n") + "\n\n## More on this chapter {#%s_more}\n\n%s\n" % (
                page.label, "\n".join("- @subpage %s" % c for c in page.children))
        lines = text.split("\n")
        lines.insert(1, "\n" + self.nav(ch) + "\n")
        return "\n".join(lines).rstrip("\n") + "\n\n" + self.nav(ch) + "\n"

    def main_page(self, text):
        """README.md as the front page: the chapter map after the chapter table,
        the overlay after it, and every page of the book in reading order."""
        chapter_map = ("\n@dotfile chapter-map.dot \"The chapter map: each chapter is the ones before it plus "
                       "its own folder. Solid arrows: builds on; dashed: also replaces files of (click a "
                       "chapter to open it)\"\n")
        overlay = self.overlay_section()
        m = re.search(r"^## Chapters[^\n]*\n", text, re.M)
        if m:
            nxt = re.search(r"^## ", text[m.end():], re.M)
            at = m.end() + nxt.start() if nxt else len(text)
            text = text[:at].rstrip("\n") + "\n" + chapter_map + "\n" + overlay + "\n" + text[at:]
        else:
            text += "\n## The chapter map {#index_chapter_map}\n" + chapter_map + "\n" + overlay
        # The book's order is the order of INPUT (see doxy_include): chapters
        # first, then the other pages. Subpages would hide them from the
        # navigation tree, which does not show the main page's children.
        order = self.reading_order()
        chapters = [l for l in order if self.pages[l].chapter]
        others = [l for l in order if not self.pages[l].chapter]
        lines = ["", "## The book, page by page {#index_pages}", "",
                 "Read the chapters in order; each one ends with what it changed and a link to the next.", ""]
        lines += ["- @ref %s" % l for l in chapters]
        lines += ["", "Beside the chapters:", ""]
        lines += ["- @ref %s" % l for l in others]
        lines.append("- The reference: every documented [file](files.html), [class](annotated.html) and "
                     "[function](globals.html) of `common/`, `kernel/`, `user/` and each chapter.")
        return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"

    def reading_order(self):
        """The top-level pages after the main page, in the order of the book."""
        order = [self.chapter_label(ch) for ch in self.chapters if self.chapter_page(ch)]
        first = [self.by_source[s].label if s in self.by_source else s
                 for s in ("docs/bochs-swapgs.md", "measurements", "docs/build.md")]
        order += [x for x in first if x in self.pages]
        order += [p.label for p in self.pages.values()
                  if p.source and not p.chapter and p.label != "index" and p.label not in order]
        return order + ["listings"]

    def overlay_section(self):
        """A grid of every source path against every chapter: where each
        version of a file lives and which chapters compile it."""
        paths = sorted(set(r for o in self.overlays.values() for r in o))
        head = "".join('<th>%s</th>' % html.escape(number(c)) for c in self.chapters)
        rows = []
        for path in paths:
            cells = []
            for c in self.chapters:
                src = self.overlays[c].get(path)
                if src is None:
                    cells.append("<td></td>")
                    continue
                owner = rel(src).split("/")[1]
                mine = owner == c
                url = "book:file/" + rel(src) if is_book_source(rel(src)) else None
                mark = "&#9632;" if mine else "&#9474;"
                title = "%s compiles chapter %s's version" % (number(c), number(owner))
                cell = ('<a href="%s" title="%s">%s</a>' % (url, title, mark)) if url and mine else mark
                cells.append('<td class="%s" title="%s">%s</td>' % ("own" if mine else "kept", title, cell))
            rows.append("<tr><th>%s</th>%s</tr>" % (html.escape(path), "".join(cells)))
        table = ('<details class="overlay"><summary>The overlay, file by file (%d paths)</summary>\n'
                 '<table class="overlay"><tr><th>file in the composed tree</th>%s</tr>\n%s\n</table>\n</details>'
                 % (len(paths), head, "\n".join(rows)))
        write(os.path.join(GEN, "overlay.html"), table + "\n")
        return ("\n### How the course is built: the overlay {#index_overlay}\n\n"
                "Each chapter folder holds only the files it adds or changes. To build chapter N, "
                "tools/compose.py lays chapters 01 to N over each other: a file at the same path in a "
                "later chapter replaces the earlier one, and `common/` and `kernel/` are shared by all. "
                "In the grid, a square is a chapter's own version of a file (click it to read it), and a "
                "bar means the chapter compiles an earlier chapter's version unchanged. The whole "
                "story, with the tests and the emulators, is in @ref build.\n\n"
                "@htmlinclude overlay.html\n")

    def chapter_map(self):
        """docs/diagrams has the hand-drawn diagrams; the chapter map is drawn
        from the chapter folders, so a new chapter appears in it by itself."""
        readme = read(os.path.join(ROOT, "README.md"))
        adds = {}
        for m in re.finditer(r"^\|\s*`?(\d\d)-[\w-]+`?\s*\|\s*([^|]+?)\s*\|", readme, re.M):
            adds[m.group(1)] = m.group(2)
        later = re.search(r"^\|\s*later\s*\|\s*([^|]+?)\s*\|", readme, re.M)
        out = ["digraph chapters {",
               '  graph [rankdir=TB, nodesep=0.3, ranksep=0.25, fontname="DejaVu Sans", fontsize=10.5, bgcolor="transparent"];',
               '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4f6fa8", '
               'fontname="DejaVu Sans", fontsize=10.5, margin="0.12,0.06"];',
               '  edge [color="#4f6fa8", fontname="DejaVu Sans", fontsize=9];']
        for i, ch in enumerate(self.chapters):
            added, replaced, removed, _ = self.changes(ch)
            page = self.chapter_page(ch)
            title = page.title if page and page.title else ch
            title = re.sub(r"^Chapter \d+:\s*", "", plain(title))
            what = plain(adds.get(number(ch), ""))
            rows = ["<b>%s</b>" % html.escape(ch)]
            if title != ch:
                rows.append(html.escape(wrap(title, 60)).replace("\n", "<br/>"))
            if what:  # dot rejects an empty <font>
                rows.append('<font point-size="8">%s</font>' % html.escape(wrap(what, 70)).replace("\n", "<br/>"))
            rows.append('<font point-size="8" color="#555555">+%d files, %d replaced%s</font>'
                        % (len(added), len(replaced), ", %d removed" % len(removed) if removed else ""))
            label = "<%s>" % "<br/>".join(rows)
            url = ', URL="\\ref %s", tooltip="%s"' % (page.label, html.escape(title)) if page else ""
            out.append('  c%s [label=%s%s];' % (number(ch), label, url))
            if i:
                out.append("  c%s -> c%s;" % (number(self.chapters[i - 1]), number(ch)))
                owners = sorted(set(rel(self.overlays[self.chapters[i - 1]][r]).split("/")[1] for r in replaced))
                for owner in owners:
                    if owner != self.chapters[i - 1]:
                        out.append('  c%s -> c%s [style=dashed, color="#999999", constraint=false];'
                                   % (number(ch), number(owner)))
        if later:
            out.append('  later [label="%s", style="rounded,dashed", fillcolor=white];'
                       % ("later:\\n" + wrap(plain(later.group(1)), 24).replace("\n", "\\n")))
            out.append("  c%s -> later [style=dashed];" % number(self.chapters[-1]))
        out.append('  shared [label=<<b>common/ and kernel/</b><br/><font point-size="8">shared by every '
                   'chapter</font>>, fillcolor="#f4f4f4", color="#888888"];')
        out.append('  shared -> c%s [style=dotted, color="#888888"];' % number(self.chapters[0]))
        out.append("}")
        write(os.path.join(GEN, "chapter-map.dot"), "\n".join(out) + "\n")

    def diff_page(self, ch):
        label = self.chapter_label(ch)
        i = self.chapters.index(ch)
        prev = self.chapters[i - 1] if i else None
        d = self.diffs[ch]
        write(os.path.join(GEN, "diff-%s.html" % ch), d["html"])
        page = self.add(Page(None, label + "_diff", "chapter%s_diff.md" % number(ch), ch))
        page.title = "make diff CH=%s" % number(ch)
        page.text = "\n".join([
            "# make diff CH=%s {#%s}" % (number(ch), page.label), "",
            "What chapter %s changes%s: a unified diff of the composed source trees "
            "(tools/diff.sh, which `make diff CH=%s` runs), made when this book was built. "
            "%d files, +%d -%d lines. Back to @ref %s." % (
                number(ch), " against chapter %s" % number(prev) if prev else ", from an empty tree",
                number(ch), d["stats"][0], d["stats"][1], d["stats"][2], label), "",
            "@htmlinclude diff-%s.html" % ch, ""])

    def measurements_page(self):
        page = self.pages["measurements"]
        t = ["# Measurements {#measurements}", "", "[TOC]", "",
             "The figures on this page are not typed in: the book's build reads them from the files "
             "the measuring targets write, and shows each file beside its table. "
             "When a file is missing, or older than the code it measures, `make docs` runs its "
             "command first (see @ref measurements_refresh).", ""]
        costs = {}
        for path, command, chapter, _, _ in MEASUREMENTS:
            if path.endswith("syscall-cost.txt"):
                costs[chapter] = (path, command, parse_keyvalue(path))
        t += ["## The null system call: flat entry against swapgs {#measurements_syscall}", "",
              "One `getpid`, counted in instructions by the Bochs debugger from the user's `syscall` to the "
              "instruction after it (tools/trace.py: the median of getpids 3 to 10 of "
              "user/programs/null-syscall.cpp, with `validate=1` off). %s enters through one "
              "global kernel stack; %s through `swapgs` and the per-CPU block." % (
                  self.ref_chapter("04-user", "Chapter 04"), self.ref_chapter("05-percpu", "chapter 05")), "",
              "| Chapter | Entry | Whole syscall | Entry part | Dispatch (getpid) | Exit part | Samples | Command |",
              "|---|---|---:|---:|---:|---:|---:|---|"]
        for chapter, (path, command, kv) in costs.items():
            if kv is None:
                continue
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
        t += ["", "Read from: " + ", ".join(self.file_link(p) for p, _, _ in costs.values()) + ". "
              "Each run also writes a stop-by-stop transcript of the GS bases: "
              + ", ".join(self.file_link(p) for p, _, _, _, _ in MEASUREMENTS if p.endswith("gs-trace.txt"))
              + " (see %s)." % self.ref_source("docs/bochs-swapgs.md", "Debugging swapgs in Bochs"), ""]
        t += self.bench_section()
        t += self.profile_section()
        t += ["## Refreshing the figures {#measurements_refresh}", "",
              "| %File | Written by | Measures |", "|---|---|---|"]
        for path, command, chapter, programs, tool in MEASUREMENTS:
            t.append("| %s | `%s` (%s) | chapter %s, %s |" % (
                self.file_link(path), command, tool, chapter, ", ".join("user/programs/%s.cpp" % p
                                                                        for p in programs)))
        for program in self.bench_programs():
            t.append("| `%s` | `make bench CH=06` (tools/bench.py) | Debian's Linux, user/programs/%s.cpp |" % (
                rel(bench.linux_path(program)), program))
        t += ["", "`make docs` runs a command when its file is missing or older than any source of the "
              "chapter it measures (its composed tree, `common/`, `kernel/`, the user runtime, the program "
              "and the measuring tool), so the book never shows figures of older code. To measure again by "
              "hand, run the command and then `make docs`. The trace needs Bochs, the benchmark QEMU; "
              "both are deterministic, so a rerun on the same code gives the same numbers.", ""]
        page.text = "\n".join(t)

    def profile_section(self):
        """Where the instructions of one io_uring_enter go (tools/syscall_profile.py)."""
        full = os.path.join(ROOT, PROFILE)
        if not os.path.exists(full):
            problem(PROFILE, "missing: run `%s`" % next(c for p, c, *_ in MEASUREMENTS if p == PROFILE))
            return []
        lines = read(full).rstrip("\n").split("\n")
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
            l = linux.get(program)
            t += ["### %s {#measurements_%s}" % (program, re.sub(r"\W", "_", program)), "",
                  "user/programs/%s.cpp: %s" % (program, brief_of(os.path.join(ROOT, "user", "programs",
                                                                                program + ".cpp"))), "",
                  "| Row | Calls per op | Ours | Spread | Linux | Spread | Ours / Linux | Target |",
                  "|---|---:|---:|---:|---:|---:|---:|---|"]
            for name, calls, mine, other, ratio in bench.compare(r, l):
                t.append("| %s | %s | **%d** | %s | %s | %s | %s | %s |" % (
                    name, calls, mine[0], bench.spread(mine), other[0] if other else "-",
                    bench.spread(other) if other else "-", "%.2f" % ratio if ratio is not None else "-",
                    bench.verdict(ratio)))
            for name, why in r.failed:
                t.append("| %s | FAILED %s | | | | | | |" % (name, why))
            files = [self.file_link(path)]
            if l is not None:
                files.append(self.file_link(rel(bench.linux_path(program))))
            t += ["", "Read from: %s." % ", ".join(files), ""]
            if bench.batch_points(r):
                error = bench.plot(r, l, os.path.join(GEN, PLOT), "this kernel (chapter 06)")
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

    def listings_page(self):
        for page in list(self.listings.values()):
            # C and C++: Doxygen includes the file itself (EXAMPLE_PATH has
            # the root), coloured and linked. Anything else is coloured by
            # Pygments (Doxygen's Python colouring puts zero-width joiners
            # into the code, so a reader could not copy it).
            path = page.listed
            if path.endswith((".c", ".cpp", ".h")):
                body = "@include{lineno} " + path
            else:
                lang = "console" if path.endswith((".expect", ".txt", ".log", ".rc")) else None
                body = ("\\htmlonly[block]%s\\endhtmlonly" % book_highlight.block_html(
                    read(os.path.join(ROOT, path)).rstrip("\n").split("\n"), lang, filename=path))
            page.text = "\n".join(["# %s {#%s}" % (path, page.label), "", listing_note(path), "", body, ""])
        index = self.pages["listings"]
        lines = ["# Other files {#listings}", "",
                 "Scripts, test expectations and build outputs the pages link to, as they were when this "
                 "book was built. (The kernel's and the programs' sources are in the reference: "
                 "[Files](files.html).)", ""]
        for path in sorted(self.listings):
            lines.append("- @subpage %s" % self.listings[path].label)
        index.text = "\n".join(lines) + "\n"


# -------------------------------------------------------------- helpers

def heading_label(source):
    for line in read(os.path.join(ROOT, source)).split("\n"):
        m = re.match(r"#\s+.*?\{#([\w-]+)\}\s*$", line)
        if m:
            return m.group(1)
        if line.startswith("# "):
            return None
    return None


def github_slug(title):
    t = re.sub(r"`|\*|_(?=\W)|\[|\]|\(.*?\)", "", title.lower())
    t = re.sub(r"[^\w\- ]", "", t)
    return t.replace(" ", "-")


def scan_headings(page, text):
    fence = None
    first = True
    used = set()
    for line in text.split("\n"):
        m = re.match(r"\s*(`{3,}|~{3,})", line)
        if fence:
            if line.strip() == fence or (m and m.group(1)[0] == fence[0] and set(line.strip()) == {fence[0]}):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        h = re.match(r"(#{1,6})\s+(.*?)\s*(\{#([\w-]+)\})?\s*$", line)
        if not h:
            continue
        if first:
            first = False
            page.title = h.group(2)
            continue
        slug = github_slug(h.group(2))
        label = h.group(4) or "%s_%s" % (page.label, re.sub(r"[^a-z0-9]+", "_", slug).strip("_") or "section")
        while label in used:
            label += "_"
        used.add(label)
        page.anchors.setdefault(slug, label)


def doxygen_link(target, text):
    """TEXT (markup and all) as a link Doxygen resolves itself: TARGET is a
    page or section label, or a source file's or folder's path. (Doxygen
    1.9.4 sends `\\link index` to an anchor "index" of the current page:
    the main page is always index.html.)"""
    if target == "index":
        return "[%s](index.html)" % text
    if target.endswith(FOREIGN_EXTS) and is_book_source(target):
        return "[%s](book:file/%s)" % (text, target)   # to its listing: the link step
    return "\\link %s %s\\endlink" % (target, text)


def code_span_text(body):
    """What a Markdown code span shows (CommonMark): line ends are spaces,
    and one space is dropped at each end if both ends have one."""
    text = body.replace("\n", " ")
    if len(text) > 2 and text[0] == " " and text[-1] == " " and text.strip():
        text = text[1:-1]
    return text


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


def wrap(text, width):
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def brief_of(path):
    """A file's one-line description, from its header comment."""
    try:
        text = read(path)
    except (OSError, UnicodeDecodeError):
        return ""
    m = re.search(r"@brief\s+(.*?)(?:\n\s*\*\s*\n|\n\s*\*/|\n\s*\*\s*@)", text, re.S)
    if m:
        brief = m.group(1)
    else:
        m = re.match(r"\s*/\*+\s*\n?\s*\*?\s*\S+ - (.*?)(?:\n\s*\*\s*\n|\*/)", text, re.S)
        if m:
            brief = m.group(1)
        else:
            m = re.match(r"#\s*(.*)", text)
            brief = m.group(1) if m else ""
    brief = re.sub(r"\s*\n\s*\*?\s*", " ", brief).strip()
    brief = brief.replace("|", "\\|")
    return escape_text(brief)


def listing_note(path):
    if path.startswith("build/"):
        for p, command, *_ in MEASUREMENTS:
            if p == path:
                return ("Written by `%s` and read back by the book when it was built; the figures on "
                        "@ref measurements come from here." % command)
        return "A build output, as it was when this book was built."
    if path.endswith(".expect"):
        return ("A boot test's expectations: the lines the console must show, in order "
                "(the format is in @ref build).")
    return "The file as it is in the repository."


def parse_keyvalue(path):
    full = os.path.join(ROOT, path)
    if not os.path.exists(full):
        problem(path, "missing: run `make docs`, which measures first (or the command on the Measurements page)")
        return None
    kv = {}
    for line in read(full).split("\n"):
        m = re.match(r"\s*([\w.-]+)\s*=\s*(.*?)\s*$", line)
        if m and not line.lstrip().startswith("#"):
            kv[m.group(1)] = m.group(2)
    if "null_syscall_instructions" not in kv:
        problem(path, "no null_syscall_instructions= line: has tools/trace.py changed its format?")
    return kv


def render_diff(text):
    """`make diff` output -> an HTML fragment: one folding block per file."""
    files, cur = [], None
    added = removed = 0
    for line in text.split("\n"):
        if line.startswith("diff "):
            cur = {"name": line.split()[-1].split("/", 2)[-1], "lines": [], "add": 0, "del": 0}
            files.append(cur)
            continue
        if cur is None or line.startswith(("--- ", "+++ ")):
            continue
        if line.startswith("+"):
            cls = "add"
            cur["add"] += 1
        elif line.startswith("-"):
            cls = "del"
            cur["del"] += 1
        elif line.startswith("@@"):
            cls = "hunk"
        else:
            cls = "ctx"
        cur["lines"].append('<span class="%s">%s</span>' % (cls, html.escape(line) or " "))
    out = ['<div class="diff">']
    for f in files:
        added += f["add"]
        removed += f["del"]
        kind = "new file" if f["lines"] and "@@ -0,0 " in f["lines"][0] else ""
        # Each line is a block of its own: no newline between them inside <pre>.
        out.append('<details class="diff-file"%s><summary><code>%s</code> <span class="stat">'
                   '+%d -%d</span> %s</summary><pre class="diff">%s</pre></details>' % (
                       ' open="open"' if len(f["lines"]) <= 150 else "", html.escape(f["name"]),
                       f["add"], f["del"], kind, "".join(f["lines"])))
    if not files:
        out.append("<p>No differences.</p>")
    out.append("</div>")
    return {"html": "\n".join(out) + "\n", "stats": (len(files), added, removed)}


def insert_diagrams(text, diagrams, page):
    """Draw each diagram at the end of the text of the section its header
    names, before any subsection (or before "What changed", or at the end
    of the page), unless the page already draws it itself."""
    for d in diagrams:
        if ("@dotfile %s" % d["name"]) in text:
            continue
        block = '\n@dotfile %s "%s"\n' % (d["name"], d["caption"].replace('"', "'"))
        at = None
        if d["section"]:
            for m in re.finditer(r"^(#{2,4}) (.*)$", text, re.M):
                if d["section"].lower() in m.group(2).lower():
                    # at the end of the section's own text, before any subsection
                    nxt = re.search(r"^#{2,6} ", text[m.end():], re.M)
                    at = m.end() + nxt.start() if nxt else len(text)
                    break
            if at is None:
                problem("docs/diagrams/" + d["name"], "section '%s' not found in %s"
                        % (d["section"], page.source or page.label))
        if at is None:
            m = re.search(r"^## What changed", text, re.M)
            at = m.start() if m else len(text)
        text = text[:at].rstrip("\n") + "\n" + block + "\n" + text[at:]
    return text


# ------------------------------------------------------------------ link

class Reference:
    """Doxygen's tag file: every documented file, symbol and page."""

    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.files = {}      # absolute path -> html
        self.dirs = {}       # absolute path -> html
        self.members = {}    # name -> [(scope kind, scope, html#anchor)]
        self.compounds = {}  # qualified name -> html
        for c in root.findall("compound"):
            kind = c.get("kind")
            name = c.findtext("name")
            filename = c.findtext("filename")
            if filename and not filename.endswith(".html"):
                filename += ".html"
            if kind == "file":
                full = os.path.normpath(os.path.join(c.findtext("path") or "", name))
                self.files[full] = filename
                scope = full
            elif kind == "dir":
                self.dirs[os.path.normpath(c.findtext("path") or name)] = filename
                continue
            elif kind in ("class", "struct", "union", "namespace"):
                self.compounds[name] = filename
                scope = name
            else:
                continue
            for m in c.findall("member"):
                mname = m.findtext("name")
                url = "%s#%s" % (m.findtext("anchorfile"), m.findtext("anchor"))
                self.members.setdefault(mname, []).append((kind, scope, url))
                if kind != "file":
                    self.members.setdefault("%s::%s" % (name, mname), []).append((kind, scope, url))


def cmd_link():
    ref = Reference(TAGFILE)
    book = Book()
    unresolved = []

    def source_page(page_html):
        base = page_html[:-len(".html")] + "_source.html"
        return base if os.path.exists(os.path.join(HTML_DIR, base)) else page_html

    def file_url(relpath):
        page_html = ref.files.get(os.path.join(ROOT, relpath))
        if page_html is None:
            return None
        return source_page(page_html) if relpath.endswith(FOREIGN_EXTS) else page_html

    asm_labels = {}

    def asm_symbol(chapter, name):
        if chapter not in asm_labels:
            labels = {}
            files = [f for f in book.overlays[chapter].values() if f.endswith(".S")]
            for top in ("common", "kernel", "user/runtime"):
                d = os.path.join(ROOT, top)
                files += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".S")]
            for f in files:
                text = read(f)
                glob = set(re.findall(r"\.globa?l\s+([\w, ]+)", text))
                names = {n.strip() for g in glob for n in g.split(",")}
                for n, line in enumerate(text.split("\n"), 1):
                    m = re.match(r"(\w+):", line)
                    if m and m.group(1) in names:
                        labels.setdefault(m.group(1), (rel(f), n))
            asm_labels[chapter] = labels
        return asm_labels[chapter].get(name)

    def sym_url(chapter, name):
        own = set(book.overlays[chapter].values())
        shared = tuple(os.path.join(ROOT, d) + "/" for d in ("common", "kernel", "user"))
        cands = ref.members.get(name, [])
        if name in ref.compounds:
            return ref.compounds[name]
        ranked = []
        for kind, scope, url in cands:
            if kind == "file":
                if scope in own:
                    rank = 0 if scope.endswith(".h") else 1
                elif scope.startswith(shared):
                    rank = 2
                else:
                    rank = 6
            elif kind == "namespace":
                rank = 3
            else:
                rank = 4
            ranked.append((rank, url))
        ranked.sort()
        # A bare member name of several classes is too ambiguous to link.
        if ranked and ranked[0][0] == 4 and len({u for r, u in ranked if r == 4}) > 1:
            ranked = []
        # A label the chapter's assembly defines is the real thing: a C++
        # declaration of it is only how C++ code reaches it.
        asm = asm_symbol(chapter, name)
        if asm:
            url = file_url(asm[0])
            if url:
                return "%s#l%05d" % (source_page(url), asm[1])
        return ranked[0][1] if ranked and ranked[0][0] < 6 else (ranked[0][1] if ranked else None)

    def replace(m):
        url, attrs, inner = m.group(1), m.group(2), m.group(3)
        kind, _, what = url[len("book:"):].partition("/")
        target = None
        if kind == "file":         # from the overlay grid, which is HTML of its own
            target = file_url(what)
        elif kind == "sym":
            chapter, _, name = what.partition("/")
            target = sym_url(chapter, name.replace("--", "::"))
            if target is None:
                return inner  # not a documented symbol: plain code
        if target is None:
            unresolved.append(url)
            return inner
        return '<a class="el" href="%s"%s>%s</a>' % (target, attrs, inner)

    pattern = re.compile(r'<a href="(book:[^"]*)"([^>]*)>(.*?)</a>', re.S)
    for name in os.listdir(HTML_DIR):
        if not name.endswith(".html"):
            continue
        path = os.path.join(HTML_DIR, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if "book:" not in text:
            continue
        new = pattern.sub(replace, text)
        if new != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
    fix_navtree(ref)
    for url in sorted(set(unresolved)):
        problem("build/docs/html", "nothing in the reference for %s" % url)


def fix_navtree(ref):
    """Doxygen 1.9.4's navigation tree sends a member of a namespace to the
    page of the file that declares it, where it has no anchor (its
    documentation is on the namespace's page). Point each such entry at the
    page that has the anchor, as the tag file says."""
    where = {}
    for entries in ref.members.values():
        for _, _, url in entries:
            page, _, anchor = url.partition("#")
            where.setdefault(anchor, page)
    ids = {}

    def has(page, anchor):
        if page not in ids:
            try:
                ids[page] = set(re.findall(r'\b(?:id|name)="([^"]+)"', read(os.path.join(HTML_DIR, page))))
            except OSError:
                ids[page] = set()
        return anchor in ids[page]

    def fix(m):
        page, anchor = m.group(1), m.group(2)
        if has(page, anchor):
            return m.group(0)
        # An enum value's anchor is its enum's anchor followed by its own.
        owner = where.get(anchor) or next((where[a] for a in (anchor[:33],) if a in where), None)
        if owner and has(owner, anchor):
            return '"%s#%s"' % (owner, anchor)
        return '"%s"' % page  # at least the page
    for name in os.listdir(HTML_DIR):
        if name.endswith(".js") and not name.startswith(("jquery", "menu", "navtree.", "resize", "dynsections")):
            path = os.path.join(HTML_DIR, name)
            text = read(path)
            new = re.sub(r'"([\w.-]+\.html)#([\w]+)"', fix, text)
            if new != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)


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
