#!/usr/bin/env python3
"""Generate a synthetic git-annex repository, for benchmarks and tests.

Usage: make_annex_repo.py TARGET [--keys N] [--seed S] [--no-checkout] [--csv DIR] [--quiet]

TARGET must not exist or be an empty directory. The result is a non-bare git repository that
git-annex 10 accepts without `git annex init` (annex.uuid and annex.version=10 in .git/config):

- branch git-annex, one commit: uuid.log (5 repositories; the local one is "laptop"), trust.log
  ("usb drive" untrusted), group.log, remote.log ("dirremote", a directory special remote),
  numcopies.log (2), and for every key `aaa/bbb/KEY.log` (hashdirlower: md5 over the key), about
  2.5 repositories in effect per key. Some logs have superseded lines (a `1` then a newer `0` for
  the same UUID, or an older `0` before a `1`), duplicated lines (as union merges leave), equal
  timestamps with different states (the line that comes first wins), lines in no particular order
  and older microsecond timestamps among git-annex 10's nanosecond ones. About 5% of the keys have
  `KEY.log.web` (one or two URLs, plus the web special remote's presence line in `KEY.log`) and
  about 5% have `KEY.log.met` (one value base64 with '!', and sometimes a later line removing a
  value).
- branch master (checked out unless --no-checkout): `data/NNN/file-NNNNNNN.dat`, 1000 per
  directory, each a symlink to `../../.git/annex/objects/Xx/Yy/KEY/KEY` (hashdirmixed). No content
  is present anywhere: only the location logs say where it is.

Keys are `SHA256E-s<size>--<64 hex>.dat`, the hex being sha256("<seed>:<index>"), so the same seed
and N always give the same repository (byte for byte, commit ids included).

--csv DIR also writes what a migration should end up with, computed from the generated lines
(newest line per key and UUID/URL wins; on equal timestamps the first line in the file):
locations.csv (annex_key,uuid,status,ts), urls.csv (annex_key,url,status,ts), metadata.csv
(annex_key,field,value: the values currently set, base64 decoded) and repositories.csv
(uuid,description), each with a header line; ts is the timestamp without its trailing 's'.

How: Python writes each branch's objects straight into a pack file (whole objects, zlib level 1),
`git index-pack` indexes it and `git update-ref` points the branch at its commit; the two branches
are made by two processes at once. The git-annex branch is written walking the keys in md5 order,
so each `aaa/bbb/` tree is finished as soon as the walk leaves it; memory is the sorted key order
(about 60 bytes a key) plus one directory. (`git fast-import` was tried first: at 1M keys it took
250 s of CPU and 620 MB, mostly scanning its in-memory trees entry by entry.)
"""
import argparse
import base64
import hashlib
import multiprocessing
import os
import random
import subprocess
import struct
import sys
import time
import uuid as uuidlib
import zlib

WEB_UUID = "00000000-0000-0000-0000-000000000001"
# (description, share of the keys it has, groups)
REPOSITORIES = [
    ("laptop", 0.25, "client"),
    ("server", 0.80, "backup"),
    ("usb drive", 0.40, "transfer"),
    ("dirremote", 0.55, "backup"),
    ("archive", 0.50, "archive"),
]
USB, DIRREMOTE = 2, 3
MIXED = "0123456789zqjxkmvwgpfZQJXKMVWGPF"
COMMIT_TIME = 1700000000
NS = 10**9


def key_of(seed, i):
    digest = hashlib.sha256(f"{seed}:{i}".encode()).hexdigest()
    size = 1 + int(digest[:6], 16) % 50_000_000
    return f"SHA256E-s{size}--{digest}.dat"


def hashdirlower(md5hex):
    return f"{md5hex[:3]}/{md5hex[3:6]}/"


def hashdirmixed(md5bytes):
    w = int.from_bytes(md5bytes[:4], "little")
    c = [MIXED[(w >> (6 * i)) & 31] for i in range(4)]
    return f"{c[1]}{c[0]}/{c[3]}{c[2]}/"


def fmt_ts(ns, micro=False):
    if micro:
        return f"{ns // NS}.{(ns % NS) // 1000:06d}s"
    return f"{ns // NS}.{ns % NS:09d}s"


def ts_value(ns, micro=False):
    """The exact timestamp as written, without the 's' (for the CSV files)."""
    return fmt_ts(ns, micro)[:-1]


class Pack:
    """Writes a git pack file (whole objects, no deltas); finish() indexes it into the repository."""

    TYPES = {b"commit": 1, b"tree": 2, b"blob": 3}

    def __init__(self, target, name):
        self.directory = os.path.join(target, ".git", "objects", "pack")
        self.path = os.path.join(self.directory, f"tmp-{name}.pack")
        self.file = open(self.path, "wb", buffering=1 << 20)
        self.file.write(b"PACK" + struct.pack(">II", 2, 0))  # the count is patched in finish()
        self.count = 0

    def add(self, kind, data):
        """Adds one object; returns its binary object id."""
        oid = hashlib.sha1(b"%s %d\0%s" % (kind, len(data), data)).digest()
        n = len(data)
        header = [(self.TYPES[kind] << 4) | (n & 15)]
        n >>= 4
        while n:
            header[-1] |= 0x80
            header.append(n & 0x7F)
            n >>= 7
        self.file.write(bytes(header))
        self.file.write(zlib.compress(data, 1))
        self.count += 1
        return oid

    def tree(self, entries):
        """entries: (name, mode, oid) with mode b"40000", b"100644" or b"120000"."""
        entries.sort(key=lambda e: e[0] + ("/" if e[1] == b"40000" else ""))
        return self.add(b"tree", b"".join(b"%s %s\0%s" % (mode, name.encode(), oid)
                                          for name, mode, oid in entries))

    def commit(self, tree, message):
        who = b"bench <bench@example.org> %d +0000" % COMMIT_TIME
        return self.add(b"commit", b"tree %s\nauthor %s\ncommitter %s\n\n%s\n"
                        % (tree.hex().encode(), who, who, message.encode()))

    def finish(self):
        self.file.seek(8)
        self.file.write(struct.pack(">I", self.count))
        self.file.close()
        checksum = hashlib.sha1()
        with open(self.path, "rb") as f:
            while chunk := f.read(1 << 20):
                checksum.update(chunk)
        with open(self.path, "ab") as f:
            f.write(checksum.digest())
        final = os.path.join(self.directory, f"pack-{checksum.hexdigest()}.pack")
        os.rename(self.path, final)
        subprocess.run(["git", "index-pack", final], check=True, stdout=subprocess.DEVNULL)


def key_logs(rng, i, n, key, uuids, ts_start, ts_span):
    """The lines of one key's .log, .log.web and .log.met, and what is in effect."""
    micro = rng.random() < 0.02  # written by an older git-annex (microseconds)
    added = ts_start + (ts_span * i) // n + rng.randrange(NS * 3600)
    entries = []  # (ns, status, uuid)
    present = [u for u, (_, share, _) in zip(uuids, REPOSITORIES) if rng.random() < share]
    for u in present:
        entries.append((added + rng.randrange(NS * 86400 * 30), "1", u))
    absent = [u for u in uuids if u not in present]
    if absent and (not present or rng.random() < 0.10):
        # Got there, later dropped: a 1 superseded by a newer 0.
        u = rng.choice(absent)
        t1 = added + rng.randrange(NS * 86400 * 30)
        entries.append((t1, "1", u))
        entries.append((t1 + 1 + rng.randrange(NS * 86400 * 100), "0", u))
    if present and rng.random() < 0.04:
        # Dropped once, got again later: an older 0 superseded by the 1.
        u = rng.choice(present)
        t = next(e[0] for e in entries if e[2] == u)
        entries.append((t - 1 - rng.randrange(NS * 86400), "0", u))
    urls = []
    if rng.random() < 0.05:
        urls.append(f"https://example.org/bench/{i}/file-{i}.dat")
        if rng.random() < 0.1:
            urls.append(f"http://mirror.example.net/pub/{key}")
        t = added + rng.randrange(NS * 60)
        entries.append((t, "1", WEB_UUID))
    ordered = rng.random() < 0.7
    if ordered:
        entries.sort()
    else:
        rng.shuffle(entries)
    lines = [(t, s, u) for t, s, u in entries]
    if present and rng.random() < 0.002:
        # Two lines with the same timestamp and different states: the first one wins.
        k = rng.randrange(len(lines))
        t, s, u = lines[k]
        if s == "1" and u != WEB_UUID:
            lines.insert(k + rng.randrange(2), (t, "0", u))
    if rng.random() < 0.05:
        # Union merges leave the same line twice.
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(lines))

    log = "".join(f"{fmt_ts(t, micro)} {s} {u}\n" for t, s, u in lines)
    effect = {}
    for t, s, u in lines:
        if micro:
            t -= t % 1000  # compare what was written
        if u not in effect or t > effect[u][0]:
            effect[u] = (t, s)

    web = None
    url_effect = {}
    if urls:
        t = next(t for t, _, u in lines if u == WEB_UUID)
        web = "".join(f"{fmt_ts(t + k, micro)} 1 {url}\n" for k, url in enumerate(urls))
        url_effect = {url: (t + k, "1") for k, url in enumerate(urls)}

    met = None
    values = []
    if rng.random() < 0.05:
        title = f"file {i} of the bench"
        encoded = "!" + base64.b64encode(title.encode()).decode()
        t = added + rng.randrange(NS * 86400)
        met = f"{fmt_ts(t, micro)} author +alice tag +bench +photo title +{encoded}\n"
        tags = ["bench", "photo"]
        if rng.random() < 0.3:
            met += f"{fmt_ts(t + 1 + rng.randrange(NS * 86400), micro)} tag -photo +reviewed\n"
            tags = ["bench", "reviewed"]
        values = [("author", "alice")] + [("tag", v) for v in tags] + [("title", title)]
    return log, web, met, micro, effect, url_effect, values


def repository_uuids(seed):
    rng = random.Random(seed)
    return [str(uuidlib.UUID(int=rng.getrandbits(128), version=4)) for _ in REPOSITORIES]


def make_annex_branch(args, target, csv):
    """The git-annex branch (and the CSV files). Keys are visited in md5 order, so each hash
    directory's tree is complete when the walk leaves it: only the key order is held in memory."""
    uuids = repository_uuids(args.seed)
    n = args.keys
    ts_start = 1600000000 * NS
    ts_span = 90_000_000 * NS
    pack = Pack(target, "git-annex")
    setup_ns = ts_start - NS * 86400
    stamp = f"timestamp={fmt_ts(setup_ns)}"
    top = [
        ("uuid.log", "".join(f"{u} {d} {stamp}\n" for u, (d, _, _) in zip(uuids, REPOSITORIES))),
        ("trust.log", f"{uuids[USB]} 0 {stamp}\n"),
        ("group.log", "".join(f"{u} {g} {stamp}\n" for u, (_, _, g) in zip(uuids, REPOSITORIES))),
        ("remote.log", f"{uuids[DIRREMOTE]} directory=/srv/bench-dirremote encryption=none "
                       f"name=dirremote type=directory {stamp}\n"),
        ("numcopies.log", f"{fmt_ts(setup_ns)} 2\n"),
    ]
    root = [(name, b"100644", pack.add(b"blob", text.encode())) for name, text in top]
    if csv:
        csv["repositories"].write("".join(
            f"{u},{d}\n" for u, (d, _, _) in zip(uuids, REPOSITORIES)))

    order = sorted(hashlib.md5(key_of(args.seed, i).encode()).digest() + i.to_bytes(4, "big")
                   for i in range(n))
    outer = inner = None
    outer_entries, inner_entries = [], []
    for done, entry in enumerate(order):
        i = int.from_bytes(entry[16:], "big")
        key = key_of(args.seed, i)
        md5hex = entry[:3].hex()
        if md5hex[:3] != outer:
            if inner is not None:
                outer_entries.append((inner, b"40000", pack.tree(inner_entries)))
                root.append((outer, b"40000", pack.tree(outer_entries)))
            outer, inner, outer_entries, inner_entries = md5hex[:3], md5hex[3:6], [], []
        elif md5hex[3:6] != inner:
            outer_entries.append((inner, b"40000", pack.tree(inner_entries)))
            inner, inner_entries = md5hex[3:6], []
        rng = random.Random(args.seed * 1_000_000_007 + i)
        log, web, met, micro, effect, url_effect, values = key_logs(
            rng, i, n, key, uuids, ts_start, ts_span)
        inner_entries.append((key + ".log", b"100644", pack.add(b"blob", log.encode())))
        if web:
            inner_entries.append((key + ".log.web", b"100644", pack.add(b"blob", web.encode())))
        if met:
            inner_entries.append((key + ".log.met", b"100644", pack.add(b"blob", met.encode())))
        if csv:
            csv["locations"].write("".join(
                f"{key},{u},{s},{ts_value(t, micro)}\n" for u, (t, s) in effect.items()))
            if url_effect:
                csv["urls"].write("".join(
                    f"{key},{url},{s},{ts_value(t, micro)}\n" for url, (t, s) in url_effect.items()))
            if values:
                csv["metadata"].write("".join(f"{key},{f},{v}\n" for f, v in values))
        if not args.quiet and done and done % 250000 == 0:
            print(f"  git-annex branch: {done} keys ({time.monotonic() - args.started:.0f} s)",
                  file=sys.stderr)
    del order
    outer_entries.append((inner, b"40000", pack.tree(inner_entries)))
    root.append((outer, b"40000", pack.tree(outer_entries)))
    commit = pack.commit(pack.tree(root), "synthetic git-annex branch (tests/bench/make_annex_repo.py)")
    pack.finish()
    git(target, "update-ref", "refs/heads/git-annex", commit.hex())
    return uuids


def make_master(args, target):
    """The master branch: one annexed symlink per key, 1000 per directory; checked out unless
    --no-checkout."""
    n = args.keys
    pack = Pack(target, "master")
    width = max(6, len(str(n - 1)))
    dwidth = max(3, len(str((n - 1) // 1000)))
    directories = []
    for start in range(0, n, 1000):
        files = []
        for i in range(start, min(n, start + 1000)):
            key = key_of(args.seed, i)
            link = (f"../../.git/annex/objects/{hashdirmixed(hashlib.md5(key.encode()).digest())}"
                    f"{key}/{key}")
            files.append((f"file-{i:0{width}d}.dat", b"120000", pack.add(b"blob", link.encode())))
        directories.append((f"{start // 1000:0{dwidth}d}", b"40000", pack.tree(files)))
    root = pack.tree([("data", b"40000", pack.tree(directories))])
    commit = pack.commit(root, f"{n} annexed files")
    pack.finish()
    git(target, "update-ref", "refs/heads/master", commit.hex())
    if not args.no_checkout:
        git(target, "reset", "-q", "--hard", "master")


def git(target, *argv, **kw):
    subprocess.run(["git", "-C", target, *argv], check=True, **kw)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target")
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-checkout", action="store_true",
                        help="leave the work tree and index empty (git annex find then needs --branch=master)")
    parser.add_argument("--csv", metavar="DIR", help="also write the expected rows as CSV files into DIR")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    args.started = time.monotonic()
    if args.keys < 1:
        parser.error("--keys must be at least 1")
    target = os.path.abspath(args.target)
    if os.path.exists(target) and os.listdir(target):
        parser.error(f"{target} exists and is not empty")

    subprocess.run(["git", "init", "-q", target], check=True)
    git(target, "symbolic-ref", "HEAD", "refs/heads/master")

    csv = None
    if args.csv:
        os.makedirs(args.csv, exist_ok=True)
        headers = {"locations": "annex_key,uuid,status,ts", "urls": "annex_key,url,status,ts",
                   "metadata": "annex_key,field,value", "repositories": "uuid,description"}
        csv = {}
        for name, header in headers.items():
            f = open(os.path.join(args.csv, name + ".csv"), "w", buffering=1 << 20)
            f.write(header + "\n")
            csv[name] = f

    # The two branches are independent: master (and its checkout, mostly the kernel's time)
    # is made by a second process while this one makes the git-annex branch.
    side = multiprocessing.get_context("fork").Process(target=make_master, args=(args, target))
    side.start()
    uuids = make_annex_branch(args, target, csv)
    if csv:
        for f in csv.values():
            f.close()
    side.join()
    if side.exitcode != 0:
        sys.exit("make_annex_repo: making the master branch failed")

    git(target, "config", "annex.uuid", uuids[0])
    git(target, "config", "annex.version", "10")
    if not args.quiet:
        print(f"{target}: {args.keys} keys, seed {args.seed}, in {time.monotonic() - args.started:.1f} s",
              file=sys.stderr)
        for u, (d, _, _) in zip(uuids, REPOSITORIES):
            print(f"  {u} {d}{' (here)' if u == uuids[0] else ''}", file=sys.stderr)


if __name__ == "__main__":
    main()
