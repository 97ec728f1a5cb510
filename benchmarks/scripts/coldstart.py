#!/usr/bin/env python3
# Cold start of `walstream receive` up to a refused connection (a closed port: everything before the first
# packet), as a user starts it: wall and CPU (user + sys, getrusage of the children) per run, the variants
# alternating, medians after one warm-up. Run from the repository root after packaging cli:
#   python3 benchmarks/scripts/coldstart.py [RUNS]
# BEFORE=/path/to/another/checkout (its jar built, e.g. a git worktree of an earlier commit) adds its launcher and
# its java -jar, for a before/after in the same rounds; BEFORE_JAR=/path/to/old/walstream.jar adds a java -jar row.
# The launcher row maps its class archive only once a receive through it has ended well (exit 0), e.g. a
# `walstream bench catchup` run: a receive that fails to connect does not keep one.
import os, resource, shutil, statistics, subprocess, sys, tempfile, time

runs = int(sys.argv[1]) if len(sys.argv) > 1 else 16
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
archive = tempfile.mkdtemp(prefix="coldstart-")
args = ["receive", "-D", archive, "-d", "host=127.0.0.1 port=1 user=x", "-n"]
variants = {}
if os.environ.get("BEFORE"):
    before = os.environ["BEFORE"]
    variants["before: java -jar"] = ["java", "-jar", os.path.join(before, "cli/target/walstream.jar")] + args
    variants["before: walstream (class archive)"] = [os.path.join(before, "walstream")] + args
if os.environ.get("BEFORE_JAR"):
    variants["before: java -jar BEFORE_JAR"] = ["java", "-jar", os.environ["BEFORE_JAR"]] + args
variants["java -jar cli/target/walstream.jar"] = ["java", "-jar", os.path.join(root, "cli/target/walstream.jar")] + args
variants["./walstream (class archive)"] = [os.path.join(root, "walstream")] + args
variants["java -version"] = ["java", "-version"]
results = {name: ([], []) for name in variants}
for i in range(runs):
    for name, command in variants.items():
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = (time.perf_counter() - t0) * 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
        if i > 0:
            results[name][0].append(wall)
            results[name][1].append(cpu)
print(f"{'variant':40} {'wall ms':>8} {'CPU ms':>8}   (medians of {runs - 1} runs after a warm-up,"
      f" load {os.getloadavg()[0]:.1f})")
for name, (wall, cpu) in results.items():
    print(f"{name:40} {statistics.median(wall):8.0f} {statistics.median(cpu):8.0f}")
shutil.rmtree(archive, ignore_errors=True)
