#!/usr/bin/env python3
"""Make an initramfs that runs one static program as Linux's first process.

    initramfs.py PROGRAM OUTPUT.cpio.gz

The archive holds three entries, in the "newc" cpio format that Linux
unpacks into its root file system at boot:

    dev/            a directory
    dev/console     the character device 5:1, the console: Linux opens it as
                    the first process's standard input, output and error, so
                    without it the program's output is lost
    init            PROGRAM, mode 0755: Linux runs /init as process 1

`mknod dev/console c 5 1` and `cpio -o` would need root and the cpio
package; writing the format here needs neither. Every entry is owned by
root and dated 1970, and gzip's header carries no date, so the same program
always gives the same bytes.

The format (Linux's Documentation/driver-api/early-userspace/buffer-format.rst):
each entry is a 110-byte ASCII header ("070701" and thirteen 8-digit hex
fields), the NUL-terminated name, padding to a multiple of 4 bytes, the
data, padding to 4 again; the archive ends with an entry named "TRAILER!!!".
parse() reads that format back, for tools/test_bench.py.
"""
import gzip
import os
import stat
import sys

MAGIC = b"070701"
FIELDS = ("ino", "mode", "uid", "gid", "nlink", "mtime", "filesize",
          "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check")
HEADER_BYTES = len(MAGIC) + 8 * len(FIELDS)  # 110
TRAILER = "TRAILER!!!"


def pad4(n):
    """Bytes of padding that bring @p n up to a multiple of 4."""
    return (4 - n % 4) % 4


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    """One archive member: header, name, padding, data, padding."""
    encoded = name.encode() + b"\0"
    values = {"ino": ino, "mode": mode, "uid": 0, "gid": 0, "nlink": 2 if stat.S_ISDIR(mode) else 1,
              "mtime": 0, "filesize": len(data), "devmajor": 0, "devminor": 0,
              "rdevmajor": rdev[0], "rdevminor": rdev[1], "namesize": len(encoded), "check": 0}
    header = MAGIC + b"".join(b"%08X" % values[f] for f in FIELDS)
    out = header + encoded + b"\0" * pad4(HEADER_BYTES + len(encoded))
    return out + data + b"\0" * pad4(len(data))


def archive(program_bytes):
    """The uncompressed cpio archive: dev/, dev/console, init, the trailer."""
    return b"".join([
        entry(1, "dev", stat.S_IFDIR | 0o755),
        entry(2, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)),
        entry(3, "init", stat.S_IFREG | 0o755, program_bytes),
        entry(0, TRAILER, 0),
    ])


def parse(blob):
    """The entries of an uncompressed newc archive, up to its trailer, as
    dicts of the header fields plus "name" and "data"."""
    entries, at = [], 0
    while True:
        if blob[at:at + len(MAGIC)] != MAGIC:
            raise ValueError("no newc magic at byte %d" % at)
        fields = {f: int(blob[at + 6 + 8 * i:at + 14 + 8 * i], 16) for i, f in enumerate(FIELDS)}
        name_at = at + HEADER_BYTES
        raw_name = blob[name_at:name_at + fields["namesize"]]
        if not raw_name.endswith(b"\0"):
            raise ValueError("name at byte %d is not NUL-terminated" % name_at)
        fields["name"] = raw_name[:-1].decode()
        data_at = name_at + fields["namesize"] + pad4(HEADER_BYTES + fields["namesize"])
        fields["data"] = blob[data_at:data_at + fields["filesize"]]
        at = data_at + fields["filesize"] + pad4(fields["filesize"])
        if fields["name"] == TRAILER:
            return entries
        entries.append(fields)


def write(program, output):
    """Write the gzipped archive for the file @p program to @p output."""
    with open(program, "rb") as f:
        blob = archive(f.read())
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "wb") as f:
        f.write(gzip.compress(blob, mtime=0))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: initramfs.py PROGRAM OUTPUT.cpio.gz")
    write(sys.argv[1], sys.argv[2])


if __name__ == "__main__":
    main()
