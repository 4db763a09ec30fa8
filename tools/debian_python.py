"""Run a tool under Debian's Python when it needs Debian's python3-* packages.

    import debian_python
    debian_python.require("pexpect")     # before `import pexpect`

The course installs pytest, pexpect, pygments and markdown-it as Debian
packages (tools/setup.sh), which only Debian's own /usr/bin/python3 can
import. A `python3` that a version manager put first on PATH cannot: then
require() starts the same command again under /usr/bin/python3, so that
`python3 tools/trace.py ...` works as well as `make trace`. If even that
Python lacks the module, it says which package `make setup` installs.
"""
import importlib.util
import os
import sys

DEBIAN_PYTHON = "/usr/bin/python3"
PACKAGES = {"pexpect": "python3-pexpect", "pygments": "python3-pygments",
            "markdown_it": "python3-markdown-it", "pytest": "python3-pytest"}


def require(*modules):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    here = os.path.realpath(sys.executable) if sys.executable else ""
    if os.path.exists(DEBIAN_PYTHON) and here != os.path.realpath(DEBIAN_PYTHON):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON] + sys.argv)
    sys.exit("%s: needs %s (Debian packages %s: `make setup` installs them)"
             % (os.path.basename(sys.argv[0]), ", ".join(missing),
                " ".join(PACKAGES.get(m, m) for m in missing)))
