#!/usr/bin/python3
"""The docs test of `make test`: build the book and check it, as TAP.

    test_docs.py [--no-build] [--screenshots DIR] [--part all|book|transcripts]

1. `tools/docs.sh` builds the book with zero warnings: Doxygen's, and the
   page generator's (broken links in a page, diagrams that no longer match
   the code, a measurement file that cannot be read).
2. Every chapter folder has its page (chapters/NN-slug/README.md, made into
   build/docs/html/chapterNN.html or its own label), with its changes and its
   diff page, and the main page links to it.
3. Every diagram is drawn (an SVG for each docs/diagrams/*.dot and the chapter
   map), and the Measurements page shows the figures of the files it reads.
4. Every internal link resolves: each href, src and xlink:href of every HTML
   and SVG file of the book, and every page of the navigation tree, names a
   file inside build/docs/html, and its #anchor exists in that file.
5. Every code span and code block of every Markdown page is on its HTML
   page, character for character (an AT&T `%gs:0x18` keeps its `%`), and no
   Markdown markup (`**`, a backtick) shows as text; the comparison is first
   run on a doctored page, which it must report.
6. Every block of console output in a Markdown page comes from a run the
   build makes: it is either a live quote of a measurement file (the book
   shows the file itself) or marked with the file it was taken from,
   `<!-- transcript: build/05-percpu/test/qemu-05-percpu.txt -->` on the
   line before it, and then each of its lines is in that file, in order
   (consecutive lines of the block are consecutive there; a line `...`
   stands for lines left out). The check is first run on doctored blocks,
   which it must report. The files are the ones `make test` writes before
   this test runs.
7. Headless Chromium renders the main page, the last chapter's page, the
   Bochs page and every diagram with no console error, no uncaught exception
   and no failed load (it is driven through the DevTools protocol on a pipe,
   --remote-debugging-pipe), and in each diagram every label inside its box
   or table cell as the browser draws it (first checked on a box too small
   for its label, which must be reported); screenshots are left in
   build/docs/screenshots/ for a human to look at.

Runs under Debian's Python (/usr/bin/python3): it reads the Markdown with
Debian's python3-markdown-it, an independent CommonMark parser.

Prints TAP on stdout: `make test` keeps it in build/results/docs.tap.
"""
import argparse
import base64
import html
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "build", "docs")
HTML_DIR = os.path.join(DOCS, "html")
GEN = os.path.join(DOCS, "gen")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import debian_python  # noqa: E402
debian_python.require("markdown_it")
import compose  # noqa: E402

results = []


def report(ok, name, details=()):
    results.append(ok)
    print("%s %d - %s" % ("ok" if ok else "not ok", len(results), name))
    for line in list(details)[:40]:
        print("#   " + line)
    sys.stdout.flush()


# ------------------------------------------------------------------ 1. build

def build():
    proc = subprocess.run(["bash", os.path.join(ROOT, "tools", "docs.sh")], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    warnings_file = os.path.join(DOCS, "warnings.txt")
    doxygen = []
    if os.path.exists(warnings_file):
        with open(warnings_file) as f:
            doxygen = [l.rstrip() for l in f if l.strip()]
    problems = [l for l in proc.stdout.split("\n") if ": error: " in l or ": warning: " in l]
    ok = proc.returncode == 0 and not doxygen
    details = ["%d Doxygen warning line(s), docs.sh exit status %d" % (len(doxygen), proc.returncode)]
    if not ok:
        details += (doxygen or problems or proc.stdout.strip().split("\n"))[-30:]
    report(ok, "make docs builds the book with zero warnings (%d)" % len(doxygen), [] if ok else details)


# ---------------------------------------------------------------- 2. pages

def manifest():
    try:
        with open(os.path.join(GEN, "manifest.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"chapters": {}, "pages": {}, "diagrams": []}


def title_of(path):
    with open(path, encoding="utf-8") as f:
        m = re.search(r'<div class="title">(.*?)</div>', f.read(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else ""


def chapter_pages(man):
    missing = []
    index = os.path.join(HTML_DIR, "index.html")
    index_text = open(index, encoding="utf-8").read() if os.path.exists(index) else ""
    for ch in compose.chapters():
        page = man["chapters"].get(ch)
        if not os.path.exists(os.path.join(ROOT, "chapters", ch, "README.md")):
            missing.append("%s: no chapters/%s/README.md, so no page" % (ch, ch))
            continue
        if not page or not os.path.exists(os.path.join(HTML_DIR, page)):
            missing.append("%s: its page %s was not written" % (ch, page))
            continue
        text = open(os.path.join(HTML_DIR, page), encoding="utf-8").read()
        label = page[:-len(".html")]
        if not os.path.exists(os.path.join(HTML_DIR, label + "_diff.html")):
            missing.append("%s: no diff page %s_diff.html" % (ch, label))
        if 'class="changes"' not in text:
            missing.append("%s: %s has no list of the files the chapter changes" % (ch, page))
        if 'href="%s"' % page not in index_text:
            missing.append("%s: the main page does not link to %s" % (ch, page))
        if not title_of(os.path.join(HTML_DIR, page)):
            missing.append("%s: %s has no title" % (ch, page))
    report(not missing, "every chapter folder has its page, with its changes and diff (%d chapters)"
           % len(compose.chapters()), missing)


def diagrams_and_figures(man):
    problems = []
    for name in man.get("diagrams", []):
        svg = os.path.join(HTML_DIR, "dot_" + name[:-len(".dot")] + ".svg")
        if not os.path.exists(svg):
            problems.append("%s: not drawn (no %s)" % (name, os.path.relpath(svg, ROOT)))
    used = set()
    for name in os.listdir(HTML_DIR) if os.path.isdir(HTML_DIR) else []:
        if name.endswith(".html"):
            used.update(re.findall(r'src="(dot_[^"]+\.svg)"', open(os.path.join(HTML_DIR, name),
                                                                   encoding="utf-8").read()))
    for name in man.get("diagrams", []):
        if "dot_" + name[:-len(".dot")] + ".svg" not in used:
            problems.append("%s: drawn, but on no page" % name)
    # The Measurements page shows what the measurement files say.
    meas = os.path.join(HTML_DIR, "measurements.html")
    text = open(meas, encoding="utf-8").read() if os.path.exists(meas) else ""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import docs_gen
    for path, *_ in docs_gen.MEASUREMENTS:
        full = os.path.join(ROOT, path)
        if not os.path.exists(full):
            problems.append("%s: missing" % path)
            continue
        content = open(full).read()
        if path.endswith("syscall-cost.txt"):
            m = re.search(r"^null_syscall_instructions=(\d+)", content, re.M)
            if not m or not re.search(r"<b>%s</b>" % m.group(1), text):
                problems.append("measurements.html does not show %s's null_syscall_instructions" % path)
        elif path.endswith("bench.txt"):
            import bench
            for program, result in bench.read_results(full).items():
                if not result.rows:
                    problems.append("%s: no rows of %s" % (path, program))
                for name, _, median, _, _ in result.rows:
                    if not re.search(r"<b>%d</b>" % median, text):
                        problems.append("measurements.html does not show %s '%s' = %d from %s"
                                        % (program, name, median, path))
            if 'src="bench-batch.svg"' not in text and "bench-batch.svg" not in text:
                problems.append("measurements.html does not show the plot bench-batch.svg")
    report(not problems, "every diagram is drawn on a page; the Measurements page shows the measured files",
           problems)


# ----------------------------------------------------------------- 4. links

def check_links():
    ids = {}

    def anchors(path):
        if path not in ids:
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
            except OSError:
                text = ""
            ids[path] = set(re.findall(r'\b(?:id|name)="([^"]+)"', text))
        return ids[path]

    broken = []
    checked = 0
    files = []
    for dirpath, _, filenames in os.walk(HTML_DIR):
        # doxygen.svg is Doxygen's own logo in the footer (it refers to a path it lacks).
        files += [os.path.join(dirpath, f) for f in filenames
                  if f.endswith((".html", ".svg")) and f != "doxygen.svg"]
    for path in sorted(files):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        # Script bodies hold code, not links.
        text = re.sub(r"<script\b.*?</script>", "", text, flags=re.S)
        for m in re.finditer(r'\b(?:href|src|xlink:href)="([^"]*)"', text):
            checked += 1
            problem = resolve(path, html.unescape(m.group(1)), anchors)
            if problem:
                broken.append("%s: %s" % (os.path.relpath(path, HTML_DIR), problem))
    # The navigation tree is JavaScript: every entry is a page (and anchor) of the book.
    for name in sorted(os.listdir(HTML_DIR)) if os.path.isdir(HTML_DIR) else []:
        if re.match(r"navtree(data|index\d+)\.js$", name):
            text = open(os.path.join(HTML_DIR, name), encoding="utf-8").read()
            for m in re.finditer(r'"([\w.-]+\.html(?:#[\w.-]+)?)"', text):
                checked += 1
                problem = resolve(os.path.join(HTML_DIR, name), m.group(1), anchors)
                if problem:
                    broken.append("%s: %s" % (name, problem))
    report(checked > 0 and not broken, "every internal link resolves (%d links in %d files, %d broken)"
           % (checked, len(files), len(broken)), sorted(set(broken)))


def resolve(source, url, anchors):
    if not url or url.startswith(("http:", "https:", "mailto:", "javascript:", "data:")):
        return None
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return "link out of the book: %s" % url
    target = source if not parts.path else os.path.normpath(
        os.path.join(os.path.dirname(source), unquote(parts.path)))
    if not (target + "/").startswith(HTML_DIR + "/"):
        return "leaves the book: %s" % url
    if not os.path.isfile(target):
        return "no such file: %s" % url
    if parts.fragment and target.endswith((".html", ".svg")) and parts.fragment not in anchors(target):
        return "no anchor #%s in %s" % (parts.fragment, os.path.relpath(target, HTML_DIR))
    return None


# ------------------------------------------------------------- 5. code spans
# Every character of code must reach the reader: an AT&T `%gs:0x18` that
# loses its `%`, a `**` around code shown as text, a span broken across two
# lines that shows its backticks. The reference for what the Markdown says is
# markdown-it (CommonMark, Debian's python3-markdown-it), not the book's own
# generator; the HTML is read back with Python's HTML parser.

def markdown_code(text):
    """[(kind, text, line)] of a Markdown text, in order: kind is "inline"
    (a code span), "block" (a fenced or indented block) or "heading" (a code
    span in a heading, which the book shows as plain text)."""
    from markdown_it import MarkdownIt
    found = []
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    heading = False
    for t in tokens:
        line = t.map[0] + 1 if t.map else 0
        if t.type in ("fence", "code_block"):
            found.append(("block", t.content.rstrip("\n"), line))
        elif t.type == "heading_open":
            heading = True
        elif t.type == "heading_close":
            heading = False
        elif t.type == "inline":
            for child in t.children or []:
                if child.type == "code_inline":
                    found.append(("heading" if heading else "inline", child.content, line))
    return found


class CodeReader(HTMLParser):
    """The code of a page of the book, as a reader sees it: the text of each
    <code> (inline), of each code fragment (Doxygen's div.fragment, one
    div.line a line, or Pygments' <pre> in it; Doxygen's pre.fragment of
    a verbatim file), and of each heading. Line numbers are not code."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items = []         # [(kind, text)]
        self.stack = []         # open elements: (tag, kind being collected or None)
        self.buffers = []       # text being collected: [kind, [pieces]]
        self.prose = []         # the text outside code

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            return
        classes = (dict(attrs).get("class") or "").split()
        kind = None
        if tag in ("div", "pre") and "fragment" in classes:
            kind = "block"
        elif tag == "code" and not any(k == "block" for _, k in self.buffers):
            kind = "inline"
        elif re.fullmatch(r"h[1-6]", tag) or (tag == "div" and "title" in classes):
            kind = "heading"
        elif (tag == "div" and "ttc" in classes) or (tag == "span" and "lineno" in classes):
            kind = "hidden"     # the tooltip of a symbol in a code fragment, a line number
        self.stack.append((tag, kind))
        if kind:
            self.buffers.append([kind, []])

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, kind = self.stack.pop()
            if kind:
                k, pieces = self.buffers.pop()
                if k != "hidden":
                    self.items.append((k, "".join(pieces)))
            if open_tag == tag:
                break

    def handle_data(self, data):
        if any(k == "hidden" for k, _ in self.buffers):
            return
        for _, pieces in self.buffers:
            pieces.append(data)
        if not any(k in ("inline", "block") for k, _ in self.buffers) and not any(
                t in ("script", "style") for t, _ in self.stack):
            self.prose.append(data)


def html_code(text):
    reader = CodeReader()
    reader.feed(text)
    return reader.items, "".join(reader.prose)


def markdown_prose(text):
    """The text of a Markdown source outside code, markup removed."""
    from markdown_it import MarkdownIt
    out = []
    for t in MarkdownIt("commonmark").enable("table").parse(text):
        out += [c.content for c in t.children or [] if c.type in ("text", "html_inline")]
    return "".join(out)


def block_text(text):
    """A block as the eye sees it: Doxygen writes a blank line of code as one
    space and expands tabs (TAB_SIZE 4); nothing else may differ."""
    return "\n".join(l.expandtabs(4).rstrip() for l in text.rstrip("\n").split("\n"))


def compare_code(md_text, html_text, replaced=None):
    """The differences between the code of a Markdown source and of its page:
    each span must appear on the page, in the order of the source (the page
    may have more: the generated parts). REPLACED maps a block's text to the
    text the page shows instead (a live measurement)."""
    replaced = replaced or {}
    items, prose = html_code(html_text)
    problems = []
    # Markup the Markdown consumed must not show as text on the page.
    source_prose = markdown_prose(md_text)
    for marker in ("**", "`"):
        if marker in prose and marker not in source_prose:
            at_text = prose.index(marker)
            problems.append("the page shows %r as text: ...%s..." % (marker, prose[max(0, at_text - 40):at_text + 40]))
    at = {"inline": 0, "block": 0, "heading": 0}
    for kind, text, line in markdown_code(md_text):
        want = replaced.get(text, text) if kind == "block" else text
        pool = [i for i, (k, t) in enumerate(items) if k == kind]
        if kind == "heading":
            pool = [i for i, (k, t) in enumerate(items) if k == "heading" and want in t]
        elif kind == "block":
            want = block_text(want)
            pool = [i for i, (k, t) in enumerate(items) if k == kind and block_text(t) == want]
        else:
            pool = [i for i, (k, t) in enumerate(items) if k == kind and t == want]
        later = [i for i in pool if i >= at[kind]]
        if later:
            # Two code spans of one heading are both in its text.
            at[kind] = later[0] + (kind != "heading")
            continue
        near = [t for k, t in items[at[kind]:] if k == kind][:1] if kind != "heading" else []
        problems.append("line %d: %s code %r is not on the page%s" % (
            line, kind, want[:120], (" (next on the page: %r)" % near[0][:120]) if near else ""))
    return problems


def code_spans(man):
    problems = []
    pages = 0
    live = {}
    for source, path in man.get("live_quotes", []):
        full = os.path.join(ROOT, path)
        if os.path.exists(full):
            live.setdefault(source, []).append(open(full, encoding="utf-8").read().rstrip("\n"))
    for label, page in sorted(man["pages"].items()):
        source = page.get("source")
        target = os.path.join(HTML_DIR, page["html"])
        if not source or not source.endswith(".md"):
            continue
        if not os.path.exists(target):
            problems.append("%s: no page %s" % (source, page["html"]))
            continue
        md_text = open(os.path.join(ROOT, source), encoding="utf-8").read()
        # A block that quotes a measurement file shows the file as it is now.
        replaced = {}
        for _, text, _ in [c for c in markdown_code(md_text) if c[0] == "block"]:
            for now in live.get(source, []):
                if text.split("\n")[0].strip() == now.split("\n")[0].strip():
                    replaced[text] = now
        pages += 1
        problems += ["%s: %s" % (source, p)
                     for p in compare_code(md_text, open(target, encoding="utf-8").read(), replaced)]
    report(pages > 0 and not problems, "every code span and block of the %d Markdown pages is on its page, "
           "character for character" % pages, problems)


def listings(man):
    """A listing page (a script, a test expectation, a build output the
    pages mention) shows its file as the book's build found it."""
    problems, checked = [], 0
    for label, page in sorted(man["pages"].items()):
        path = page.get("title") or ""
        target = os.path.join(HTML_DIR, page["html"])
        if not label.startswith("listing_") or not os.path.exists(target):
            continue
        items, _ = html_code(open(target, encoding="utf-8").read())
        blocks = [t for k, t in items if k == "block"]
        want = open(os.path.join(ROOT, path), encoding="utf-8", errors="replace").read()
        checked += 1
        if not blocks or block_text(blocks[0]) != block_text(want):
            problems.append("%s: does not show %s as it is" % (page["html"], path))
    report(checked > 0 and not problems, "every listing page shows its file (%d pages)" % checked, problems)


def code_check_fails():
    """The comparison must be able to fail: a page that lost a % of AT&T
    assembly, kept the ** of a bold span, or dropped a block."""
    md_text = "Store with `mov %rsp, %gs:0x00`, **`swapgs`** first.\n\n```\nmov %gs:0x18, %rax\n```\n"
    good = ('<p>Store with <code>mov %rsp, %gs:0x00</code>, <b><code>swapgs</code></b> first.</p>'
            '<div class="fragment"><div class="line">mov %gs:0x18, %rax</div></div>')
    doctored = {
        "a lost %": good.replace("%rsp", "rsp"),
        "a code span split in two": good.replace("%rsp, %gs", "%rsp,</code> <code>%gs"),
        "a changed block": good.replace("%gs:0x18", "gs:0x18"),
        "a missing block": good.split("<div")[0],
        "bold shown as **": good.replace("<b>", "**").replace("</b>", "**"),
        "backticks shown": good.replace("<code>swapgs</code>", "`swapgs`"),
    }
    problems = []
    if compare_code(md_text, good):
        problems.append("the faithful page was reported: %s" % compare_code(md_text, good))
    for what, page in doctored.items():
        if not compare_code(md_text, page):
            problems.append("%s went unnoticed" % what)
    report(not problems, "the code comparison fails on a doctored page (%d cases)" % len(doctored), problems)


# ------------------------------------------------------------ 6. transcripts
# Console output is not typed in: a block of it names the file it comes
# from, and must still be in that file.

TRANSCRIPT_MARK = re.compile(r"^\s*<!--\s*transcript:\s*(\S+)\s*-->\s*$")
# A line a run prints: a kernel log line ("[Process] ..."), a panic, the
# Bochs debugger's stops and prompts, a test's verdict, a program's check.
CONSOLE_LINE = re.compile(r"^\s*(\[[A-Z][\w-]*\] |PANIC: |Next at t=|\(0\) [\[B]|<bochs:\d+>|"
                          r"(PASS|FAIL) +(qemu|bochs|linux|trace) |[a-z][\w-]*: .*( ok| FAILED)$)")


def md_blocks(md_text):
    """[(marked path or None, block text, line)] for every fenced block, and
    the problems of markers that precede no block."""
    from markdown_it import MarkdownIt
    blocks, problems, mark = [], [], None
    for t in MarkdownIt("commonmark").enable("table").parse(md_text):
        line = t.map[0] + 1 if t.map else 0
        if t.type == "html_block" and TRANSCRIPT_MARK.match(t.content.strip()):
            if mark:
                problems.append("line %d: a transcript marker with no code block after it" % mark[1])
            mark = (TRANSCRIPT_MARK.match(t.content.strip()).group(1), line)
            continue
        if t.type in ("fence", "code_block"):
            blocks.append((mark[0] if mark else None, t.content.rstrip("\n"), line))
        elif mark and t.type.endswith("_open") and t.level == 0 or mark and t.type == "html_block":
            problems.append("line %d: a transcript marker with no code block right after it" % mark[1])
        else:
            continue
        mark = None
    if mark:
        problems.append("line %d: a transcript marker with no code block after it" % mark[1])
    return blocks, problems


def transcript_mismatch(block, text):
    """Why BLOCK is not a quote of TEXT (None if it is): each run of lines
    between `...` lines must be consecutive lines of TEXT, the runs in order.
    Trailing spaces and carriage returns do not count."""
    have = [l.rstrip() for l in text.split("\n")]
    runs, run = [], []
    for n, l in enumerate(block.split("\n")):
        if l.strip() == "...":
            runs.append(run)
            run = []
        else:
            run.append((n + 1, l.rstrip()))
    runs.append(run)
    at = 0
    for run in [r for r in runs if r]:
        want = [l for _, l in run]
        found = next((i for i in range(at, len(have) - len(want) + 1) if have[i:i + len(want)] == want), None)
        if found is not None:
            at = found + len(want)
            continue
        # Say which line breaks the run: the longest start of it that is there.
        best = 0
        for i in range(at, len(have)):
            k = 0
            while k < len(want) and i + k < len(have) and have[i + k] == want[k]:
                k += 1
            best = max(best, k)
        n, l = run[min(best, len(run) - 1)]
        if best == 0:
            return "block line %d is not in the file after line %d: %r" % (n, at, l[:120])
        return "block line %d does not follow the line before it as it does in the file: %r" % (n, l[:120])
    return None


def transcripts(man):
    problems, checked, pages = [], 0, 0
    import docs_gen
    live_files = [os.path.join(ROOT, p) for p, *_ in docs_gen.MEASUREMENTS]
    live_first = {open(f, encoding="utf-8").readline().strip() for f in live_files if os.path.exists(f)}
    for label, page in sorted(man["pages"].items()):
        source = page.get("source")
        if not source or not source.endswith(".md"):
            continue
        pages += 1
        blocks, marker_problems = md_blocks(open(os.path.join(ROOT, source), encoding="utf-8").read())
        problems += ["%s: %s" % (source, p) for p in marker_problems]
        for path, text, line in blocks:
            first = next((l.strip() for l in text.split("\n") if l.strip()), "")
            if path is None:
                console = [l for l in text.split("\n") if CONSOLE_LINE.match(l)]
                # A block that shows the marker itself documents the mechanism (docs/build.md).
                if console and first not in live_first and "<!-- transcript:" not in text:
                    problems.append("%s:%d: console output with no <!-- transcript: FILE --> marker: %r"
                                    % (source, line, console[0][:100]))
                continue
            checked += 1
            full = os.path.join(ROOT, path)
            if not os.path.isfile(full):
                problems.append("%s:%d: %s does not exist (make test writes it)" % (source, line, path))
                continue
            why = transcript_mismatch(text, open(full, encoding="utf-8", errors="replace").read())
            if why:
                problems.append("%s:%d: not as in %s: %s" % (source, line, path, why))
    if problems:
        problems.append("if only numbers moved, `make transcripts` brings the blocks up to date")
    report(checked > 0 and not problems, "every console block of the %d Markdown pages is a live quote or "
           "matches the run it names (%d blocks)" % (pages, checked), problems)


def transcript_check_fails(man):
    """The transcript check must be able to fail: a changed address, lines
    swapped, a gap with no `...`, a line no run printed, a marker without
    its block; and one real block of the book, doctored."""
    text = "\n".join(["[Boot] Long mode: kernel_main at 0xffffffff80102f00", "[Boot] Command line: \"\"",
                      "[Memory] 261631 KiB available", "[OK] Chapter 01: boot complete",
                      "[Power] off status=0", ""]).replace("\n", "\r\n")
    good = "[Boot] Long mode: kernel_main at 0xffffffff80102f00\n...\n[OK] Chapter 01: boot complete\n[Power] off status=0"
    doctored = {
        "a changed address": good.replace("2f00", "2f10"),
        "two lines swapped": "[Power] off status=0\n...\n[OK] Chapter 01: boot complete",
        "a gap without ...": good.replace("...\n", ""),
        "a line no run printed": good + "\n[OK] all is well",
    }
    problems = []
    if transcript_mismatch(good, text):
        problems.append("the faithful block was reported: %s" % transcript_mismatch(good, text))
    for what, block in doctored.items():
        if not transcript_mismatch(block, text):
            problems.append("%s went unnoticed" % what)
    _, marker_problems = md_blocks("Text.\n\n<!-- transcript: build/x.txt -->\n\nMore text.\n")
    if not marker_problems:
        problems.append("a marker followed by text, not a block, went unnoticed")
    _, marker_problems = md_blocks("<!-- transcript: build/x.txt -->\n```\nout\n```\n")
    if marker_problems:
        problems.append("a marked block was reported: %s" % marker_problems)
    # A real block of the book: change one character of a line that is not
    # `...` (a digit if it has one) and the file it names must refuse it.
    real = None
    for label, page in sorted(man["pages"].items()):
        source = page.get("source")
        if source and source.endswith(".md"):
            blocks, _ = md_blocks(open(os.path.join(ROOT, source), encoding="utf-8").read())
            real = next(((p, t) for p, t, _ in blocks if p and os.path.isfile(os.path.join(ROOT, p))), None)
            if real:
                break
    if real is None:
        problems.append("no marked block of the book to doctor")
    else:
        path, block = real
        lines = block.split("\n")
        i = next(i for i, l in enumerate(lines) if l.strip() and l.strip() != "...")
        lines[i] = re.sub(r"\d(?=\D*$)", lambda m: str((int(m.group()) + 1) % 10), lines[i], count=1) \
            if re.search(r"\d", lines[i]) else lines[i] + "!"
        if not transcript_mismatch("\n".join(lines), open(os.path.join(ROOT, path), encoding="utf-8").read()):
            problems.append("a doctored copy of a block quoting %s went unnoticed" % path)
    report(not problems, "the transcript check fails on a doctored block (%d cases, one of them a real block)"
           % (len(doctored) + 2), problems)


# --------------------------------------------------------------- 7. Chromium

# In a diagram (Graphviz's SVG), each label must lie inside the smallest
# shape of its node that holds the label's middle: its box, or its cell of a
# table. Run in the page; the answer is a list of the labels that do not.
LABELS_FIT = """(() => {
  const bad = [];
  for (const node of document.querySelectorAll('g.node, g.cluster')) {
    const shapes = [...node.querySelectorAll('polygon, path, ellipse')].map(e => e.getBBox());
    for (const text of node.querySelectorAll('text')) {
      const t = text.getBBox();
      const cx = t.x + t.width / 2;
      const around = shapes.filter(b => b.x <= cx && cx <= b.x + b.width &&
                                        b.y <= t.y + t.height / 2 && t.y + t.height / 2 <= b.y + b.height)
                           .sort((a, b) => a.width * a.height - b.width * b.height)[0];
      if (around && (t.x < around.x - 0.5 || t.x + t.width > around.x + around.width + 0.5))
        bad.push('"' + text.textContent + '" is ' + Math.round(t.width) + ' px wide, its box ' +
                 Math.round(around.width) + ' px (' + (node.querySelector('title') || {}).textContent + ')');
    }
  }
  return bad;
})()"""


def render(url, screenshot, width=1280, height=1000, settle=1.0, timeout=40, check=None):
    """Load URL in headless Chromium through the DevTools protocol (on a pipe:
    fd 3 carries our commands, fd 4 its answers, NUL-terminated JSON) and
    return the console errors, exceptions and failed loads it reported, and
    the problems the JavaScript expression CHECK (a list of strings) found."""
    chrome = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chrome:
        return ["no chromium: run `make setup`"]
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()
    profile = tempfile.mkdtemp(prefix="docs-chromium-")

    def child():
        os.dup2(to_chrome_r, 3)
        os.dup2(from_chrome_w, 4)

    proc = subprocess.Popen(
        [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions",
         "--user-data-dir=" + profile, "--window-size=%d,%d" % (width, height), "about:blank"],
        preexec_fn=child, pass_fds=(3, 4), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    events, pending = [], b""
    counter = [0]
    deadline = time.time() + timeout

    def send(method, params=None, session=None):
        counter[0] += 1
        message = {"id": counter[0], "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(to_chrome_w, json.dumps(message).encode() + b"\0")
        return counter[0]

    def pump(until, wait=None):
        """Read messages until `until` (an id, or a predicate on an event) is
        met; with `wait`, just read for that many seconds."""
        nonlocal pending
        stop = time.time() + wait if wait is not None else deadline
        while True:
            while b"\0" in pending:
                raw, pending = pending.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    if message["id"] == until:
                        if "error" in message:
                            raise RuntimeError(str(message["error"]))
                        return message.get("result", {})
                else:
                    events.append(message)
                    if callable(until) and until(message):
                        return message
            left = min(stop, deadline) - time.time()
            if left <= 0:
                if wait is not None and time.time() < deadline:
                    return None
                raise TimeoutError("Chromium did not answer within %d s" % timeout)
            ready, _, _ = select.select([from_chrome_r], [], [], left)
            if ready:
                chunk = os.read(from_chrome_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed its end of the pipe")
                pending += chunk

    errors = []
    try:
        target = pump(send("Target.createTarget", {"url": "about:blank"}))["targetId"]
        session = pump(send("Target.attachToTarget", {"targetId": target, "flatten": True}))["sessionId"]
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            pump(send(method, session=session))
        pump(send("Page.navigate", {"url": url}, session=session))
        pump(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session)
        pump(None, wait=settle)  # the navigation tree and search load after the page
        if check:
            found = pump(send("Runtime.evaluate", {"expression": check, "returnByValue": True},
                              session=session))
            errors += found.get("result", {}).get("value") or []
        shot = pump(send("Page.captureScreenshot", {"format": "png"}, session=session))
        os.makedirs(os.path.dirname(screenshot), exist_ok=True)
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        send("Browser.close")
    except (OSError, RuntimeError, TimeoutError, KeyError, ValueError) as e:
        errors.append("driving Chromium failed: %s" % e)
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        shutil.rmtree(profile, ignore_errors=True)
    for e in events:
        method, p = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append("console.%s: %s" % (p["type"], " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            errors.append("uncaught: %s %s" % (d.get("text", ""), d.get("exception", {}).get("description", "")))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            entry = p["entry"]
            errors.append("%s: %s %s" % (entry.get("source"), entry.get("text"), entry.get("url", "")))
    return errors


def labels_check_fails(shots):
    """The label check must be able to fail: a box drawn too small for its
    label (fixedsize) is reported, a box that fits is not."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="docs-labels-") as tmp:
        for name, attrs, should_fail in (("tight", 'fixedsize=true, width=0.6', True), ("roomy", "", False)):
            svg = os.path.join(tmp, name + ".svg")
            dot = 'digraph { node [shape=box, fontname="DejaVu Sans", fontsize=10.5, %s]; ' \
                  'a [label="mov %%gs:0x18, %%rax: this CPU\'s id"]; }' % attrs
            made = subprocess.run(["dot", "-Tsvg", "-o", svg], input=dot, text=True, capture_output=True)
            if made.returncode != 0:
                problems.append("dot failed: %s" % made.stderr.strip())
                continue
            found = [e for e in render("file://" + svg, os.path.join(tmp, name + ".png"), check=LABELS_FIT)
                     if " px wide, its box " in e]
            if bool(found) != should_fail:
                problems.append("%s box: %s" % (name, found or "the overflowing label was not reported"))
    report(not problems, "the label check fails on a box too small for its label", problems)


def browser(man, shots):
    labels_check_fails(shots)
    pages = [("index.html", "the main page")]
    chapter = next((man["chapters"][c] for c in reversed(compose.chapters()) if man["chapters"].get(c)), None)
    if chapter:
        pages.append((chapter, "chapter page %s" % chapter))
    # A page of assembly and debugger sessions, and every diagram on its own
    # (to look at: do the labels fit their boxes?).
    if os.path.exists(os.path.join(HTML_DIR, "bochs_swapgs.html")):
        pages.append(("bochs_swapgs.html", "the Bochs page"))
    for name in man.get("diagrams", []):
        pages.append(("dot_" + name[:-len(".dot")] + ".svg", "the diagram " + name))
    for page, what in pages:
        diagram = page.endswith(".svg")
        path = os.path.join(HTML_DIR, page)
        if not os.path.exists(path):
            report(False, "Chromium renders %s without console errors" % what, ["%s does not exist" % page])
            continue
        shot = os.path.join(shots, re.sub(r"\.(html|svg)$", ".png", page))
        errors = render("file://" + path, shot, check=LABELS_FIT if diagram else None)
        report(not errors, "Chromium renders %s without console errors%s (screenshot: %s)"
               % (what, ", every label inside its box" if diagram else "", os.path.relpath(shot, ROOT)), errors)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-build", action="store_true", help="check the book already in build/docs")
    ap.add_argument("--screenshots", default=os.path.join(DOCS, "screenshots"))
    ap.add_argument("--part", choices=("all", "book", "transcripts"), default="all",
                    help="book: 1-5 and 7, which need no boot test's run (make test runs them beside the boots); "
                         "transcripts: 6 alone, on the book already built (make test runs it last)")
    args = ap.parse_args()
    print("TAP version 13")
    if not args.no_build and args.part != "transcripts":
        build()
    man = manifest()
    if args.part != "transcripts":
        chapter_pages(man)
        diagrams_and_figures(man)
        check_links()
        code_check_fails()
        code_spans(man)
        listings(man)
    if args.part != "book":
        transcript_check_fails(man)
        transcripts(man)
    if args.part != "transcripts":
        browser(man, args.screenshots)
    print("1..%d" % len(results))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
