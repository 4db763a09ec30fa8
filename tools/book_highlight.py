"""Syntax highlighting for the course book's code blocks (tools/docs_gen.py).

Doxygen highlights C++ itself (a ```cpp block) and links the symbols in it;
it has no lexer for AT&T assembly or for what a terminal shows. Those blocks
are coloured here with Pygments (Debian's python3-pygments) and handed to
Doxygen as finished HTML:

    language(lines)        -> "cpp" | "gas" | "console" | "text": what a block
                              without a language tag most likely holds
    block_html(lines, lang, filename=None, numbered=False)
                           -> one line of HTML: <div class="fragment
                              highlight">...</div>, every character of the
                              block kept (the newlines as &#10;, so the whole
                              block fits on one line of a list item; tabs as &#9;);
                              with lang None, the lexer is the file name's;
                              numbered: each line after its number, which
                              is the anchor "lN" (a link to line N)
    stylesheet()           -> the CSS of the colours

The console lexer knows the course's own output: the prompts of a shell, of
the Bochs debugger and of gdb, the commands we type (make, gdb, tools/...),
the kernel's "[Tag]" log lines and the PASS / FAIL / PANIC words.
"""
import re

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import RegexLexer, bygroups, using
from pygments.lexers import BashLexer, GasLexer, TextLexer, get_lexer_for_filename
from pygments.token import Comment, Generic, Keyword, Number, String, Text, Whitespace
from pygments.util import ClassNotFound

# A line someone types: at a prompt, or a command line of the course.
COMMANDS = r"(?:make|gdb|bochs|python3|/usr/bin/python3|grub-file|readelf|objdump|nm|printf|QEMU_EXTRA=\S*|tools/\S+|\./\S+)\b"


class ConsoleLexer(RegexLexer):
    """Terminal sessions and console logs of the course."""
    name = "console (course)"
    aliases = ["course-console"]
    tokens = {
        "root": [
            # A prompt and what was typed after it; an explanation set off by
            # two spaces or more is a comment of the book's.
            (r"^(<bochs:\d+>|\(gdb\)|\$)( )(.*?)(\s{2,}\S.*)?$",
             bygroups(Generic.Prompt, Whitespace, Generic.Strong, Comment)),
            (r"^(%s)(.*?)(\s+#.*)?$" % COMMANDS, bygroups(using(BashLexer), using(BashLexer), Comment)),
            (r"^#.*$", Comment),
            (r"^\s*\.\.\.\s*$", Comment),
            (r"\b(PANIC|FAIL(?:ED)?|not ok|failed|Unexpected)\b", Generic.Error),
            (r"\b(PASS|ok)\b|\[OK\]", Generic.Inserted),
            (r"^(\s*)(\[[\w .+/-]+\])", bygroups(Whitespace, Keyword)),
            (r"0x[0-9a-fA-F_]+\b", Number.Hex),
            (r"\b\d+(\.\d+)?\b", Number),
            (r'"[^"\n]*"', String),
            (r"[^\S\n]+", Whitespace),
            (r"\w+|.", Text),
            (r"\n", Whitespace),
        ],
    }


_ASM = re.compile(r"""\s*(?:
        [\w.\\]+:(\s|$)                         # a label
      | \.[a-z]\w*\b                            # a directive: .long .if .globl
      | [a-z]{2,10}\s+[-%$*(\w.]                # an instruction with operands
      | [a-z]{2,10}\s*(/\*.*|\#.*|;.*)?$        # one without: cli, sysretq
      | [A-Z][A-Z0-9_]{3,}\b                    # a macro: PUSH_GPRS
      | /\*|\*|\.\.\.                           # a comment, an ellipsis
    )""", re.X)
_CONSOLE = re.compile(r"\s*(<bochs:\d+>|\(gdb\)|\$ |%s|PASS\b|FAIL\b|PANIC|\[[A-Z][\w .+/-]*\]( |$)|#)" % COMMANDS)


def language(lines):
    """A guess at what an untagged block holds, from its lines."""
    text = [l for l in lines if l.strip()]
    if not text:
        return "text"
    if sum(bool(_CONSOLE.match(l)) for l in text) >= max(1, len(text) // 4):
        return "console"
    if any(re.search(r"%[a-z]|\$\w", l) for l in text) and sum(bool(_ASM.match(l)) for l in text) >= 0.8 * len(text):
        return "gas"
    return "text"


LEXERS = {"gas": GasLexer, "console": ConsoleLexer, "text": TextLexer}


def lexer_for(lang, filename=None):
    # stripnl=False: leading and trailing blank lines are part of the block.
    if lang in LEXERS:
        return LEXERS[lang](stripnl=False)
    if filename:
        try:
            return get_lexer_for_filename(filename, stripnl=False)
        except ClassNotFound:
            pass
    return TextLexer(stripnl=False)


def block_html(lines, lang, filename=None, numbered=False):
    """The block as one line of HTML (see the module's comment)."""
    code = "\n".join(lines) + "\n"
    body = highlight(code, lexer_for(lang, filename), HtmlFormatter(nowrap=True))
    if numbered:  # Pygments closes its spans at every line end: each line stands alone
        body = "\n".join('<span class="lineno" id="l%d">%5d</span>%s' % (n, n, line)
                         for n, line in enumerate(body.rstrip("\n").split("\n"), 1))
    # Pygments may drop a trailing newline of its own; we keep the block's.
    # Doxygen would expand a tab into spaces (TAB_SIZE): write it as &#9;.
    # Even between \htmlonly and \endhtmlonly it drops a "$(NAME)" (an
    # environment variable to it): the characters it acts on go as entities.
    # A "*/" would end the comment Doxygen reads the page as: the "/" goes too.
    body = body.rstrip("\n").replace("\n", "&#10;").replace("\t", "&#9;").replace("*/", "*&#47;")
    for c in "$\\@%":
        body = body.replace(c, "&#%d;" % ord(c))
    return '<div class="fragment highlight lang-%s"><pre>%s</pre></div>' % (lang or "file", body)


def stylesheet():
    return HtmlFormatter(style="default").get_style_defs(".highlight")
