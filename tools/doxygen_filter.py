#!/usr/bin/env python3
"""Doxygen input filter for the files Doxygen cannot parse: assembly (*.S),
the linker script (*.ld) and the plain-C Linux programs (user/linux/*.c).

    doxygen_filter.py FILE      (Doxygen runs it; see FILTER_PATTERNS in docs/Doxyfile)

Each of these files opens with a comment of the form

    /*
     * path/to/file.S - what it is for.
     *
     * The details: register state on entry, the steps, the invariants...
     */

The filter turns that comment into the file's documentation (the text after
" - " is the brief, the rest is shown verbatim, as it reads in the file) and
blanks every other line. Nothing else of the file is parsed, so an assembly
label can never be mistaken for a C++ declaration; the line count is kept,
so the book's listing of the file (which Doxygen makes from the real file,
FILTER_SOURCE_FILES is off) and its line anchors are unchanged.
"""
import re
import sys


def doc_escape(text):
    """Escape what Doxygen would read as a command or markup in the brief."""
    return re.sub(r'([\\@%<>&#$])', r'\\\1', text)


def filter_foreign(lines):
    out = [""] * len(lines)
    if not lines or not lines[0].lstrip().startswith("/*"):
        out[0] = "/** @file */"
        return out
    end = next((i for i, l in enumerate(lines) if "*/" in l), len(lines) - 1)
    body = []
    for line in lines[1:end]:
        body.append(re.sub(r"^\s*\*( |$)", "", line))
    # The first paragraph, after "path - ", is the brief.
    para = []
    while body and body[0].strip():
        para.append(body.pop(0).strip())
    brief = " ".join(para)
    brief = re.sub(r"^\S+ - ", "", brief)
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    text = ["/** @file", " * @brief " + doc_escape(brief)]
    if body:
        text.append(" * @verbatim")
        text.extend(" " + l.replace("@endverbatim", "@ endverbatim") for l in body)
        text.append(" * @endverbatim")
    text.append(" */")
    # Squeeze the comment into the lines the original one used (joining the
    # surplus onto its last line), so every line after it keeps its number.
    span = end + 1
    if len(text) <= span:
        out[: len(text)] = text
    else:
        out[: span - 1] = text[: span - 1]
        out[span - 1] = "\n".join(text[span - 1:])
        # The extra newlines would shift the rest: take them back from the
        # blank lines that follow.
        extra = len(text) - span
        del out[span: span + extra]
    return out


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    sys.stdout.write("\n".join(filter_foreign(lines)))


if __name__ == "__main__":
    main()
