"""The result table of git-annex-dolt's benches (migrate_bench.sh, sync_bench.sh): reads the
RESULTS file that bench_lib.sh's measure/ours_measure/record write (name, seconds, peak KiB,
status ok|na|failed, note; tab-separated) and prints one row per measurement."""


class Results:
    def __init__(self, path):
        self.rows, self.seconds, self.kib = {}, {}, {}
        for line in open(path):
            name, s, k, status, note = line.rstrip("\n").split("\t")
            self.rows[name] = (status, note)
            if status == "ok":
                if s:
                    self.seconds[name] = float(s)
                if k:
                    self.kib[name] = int(k)

    def print_table(self, labels, width):
        """labels: (name, label) in the order to print; a measurement's dolt sql-server row
        (NAME-dolt-server, from ours_measure) follows it."""
        print(f"{'':<{width}} {'seconds':>9} {'peak RSS':>10}")
        for name, label in labels:
            shown = [(name, label)]
            if name + "-dolt-server" in self.rows:
                shown.append((name + "-dolt-server", "    its dolt sql-server"))
            for row, text in shown:
                status, note = self.rows.get(row, ("na", "not run"))
                if status != "ok":
                    print(f"{text:<{width}} {note}")
                    continue
                s = f"{self.seconds[row]:9.2f}" if row in self.seconds else f"{'-':>9}"
                m = f"{self.kib[row] / 1024:6.1f} MiB" if row in self.kib else ""
                print(f"{text:<{width}} {s} {m:>10}{'  ' + note if note else ''}")

    def ratio(self, top, bottom):
        """sum of the seconds of names top / those of bottom, or None when one did not run."""
        if not all(n in self.seconds for n in top + bottom):
            return None
        t, b = sum(self.seconds[n] for n in top), sum(self.seconds[n] for n in bottom)
        return t / b if b > 0 else float("inf")


def read_extra(path):
    """name<TAB>value lines."""
    return dict(line.rstrip("\n").split("\t", 1) for line in open(path))
