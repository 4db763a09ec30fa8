#!/usr/bin/env bash
# tools/setup.sh - install what the course needs on a Debian machine.
#
# Called by `make run`, `make test` and the other targets before they start.
# Each requirement is a file that proves a package is installed; only the
# missing packages are installed, so a ready machine costs a few stat()s.
#     tools/setup.sh          install what is missing (apt-get, as root or via sudo)
#     tools/setup.sh --check  only report what is missing (exit 1 if anything is)
set -u

# file-that-must-exist  debian-package
REQUIREMENTS="
/usr/bin/g++                                 g++
/usr/bin/make                                make
/usr/bin/python3                             python3
/usr/bin/grub-mkrescue                       grub-common
/usr/lib/grub/i386-pc/multiboot2.mod         grub-pc-bin
/usr/bin/xorriso                             xorriso
/usr/bin/mformat                             mtools
/usr/bin/qemu-system-x86_64                  qemu-system-x86
/usr/bin/bochs                               bochs
/usr/share/bochs/BIOS-bochs-latest           bochsbios
/usr/share/bochs/VGABIOS-lgpl-latest         vgabios
/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so.0.0.0 bochs-term
/usr/include/criterion/criterion.h           libcriterion-dev
/usr/bin/doxygen                             doxygen
/usr/bin/dot                                 graphviz
/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core
/usr/bin/chromium                            chromium
/usr/bin/musl-gcc                            musl-tools
/usr/bin/gnuplot-nox                         gnuplot-nox
/usr/share/doxygen-awesome-css/doxygen-awesome.css doxygen-awesome-css
/usr/lib/python3/dist-packages/pexpect/__init__.py python3-pexpect
/usr/lib/python3/dist-packages/pytest/__init__.py  python3-pytest
/usr/lib/python3/dist-packages/pygments/__init__.py python3-pygments
/usr/lib/python3/dist-packages/markdown_it/__init__.py python3-markdown-it
/usr/bin/clang++-14                          clang-14
/usr/bin/clang-format-16                     clang-format-16
/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev
"

missing=$(echo "$REQUIREMENTS" | while read -r file package; do
    [ -n "$file" ] && [ ! -e "$file" ] && echo "$package"
done | sort -u | tr '\n' ' ')
missing=${missing% }

[ -z "$missing" ] && exit 0

if [ "${1:-}" = "--check" ]; then
    echo "setup: missing packages: $missing"
    echo "setup: install them with: sudo apt-get install $missing"
    exit 1
fi

if [ "$(id -u)" = 0 ]; then
    SUDO=
elif command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
else
    echo "setup: missing packages: $missing" >&2
    echo "setup: not root and no sudo; as root run: apt-get install $missing" >&2
    exit 1
fi

echo "setup: installing $missing"
export DEBIAN_FRONTEND=noninteractive
if ! { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends $missing; } \
        > build-setup.log 2>&1; then
    tail -20 build-setup.log >&2
    echo "setup: apt-get failed (log: build-setup.log); install by hand: apt-get install $missing" >&2
    exit 1
fi
rm -f build-setup.log
exec "$0" --check
