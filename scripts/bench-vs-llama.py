#!/usr/bin/env python3
"""sinan bench and llama.cpp's llama-bench on the same GGUF files, alternating, in one session.

    scripts/bench-vs-llama.py --llama-bench /path/to/llama-bench [--rounds 2] [-r 3] FILE.gguf ...

For each file and round it runs `sinan bench FILE -p 512 -n 128 -t T -r R --json`, then
`llama-bench -m FILE -p 512 -n 128 -t T -r R -o json`, so both see the same machine state (on a shared
VM the speed drifts by tens of percent within minutes; ratios are taken within a round). Prints one
Markdown row per file and round, and writes every raw result to --json-out (default bench-vs-llama.json).
Processes whose command line contains --pause-pattern (e.g. "sinan synth") are stopped (SIGSTOP) while
a measurement runs and continued after it, so background jobs do not disturb the timings. sinan's
share of the roofline is given twice: against its best-of-7 bandwidth probe and against the plain reads
it interleaves with its generated tokens (what the memory delivered while its tg test ran).
llama.cpp is not part of sinan: build it yourself from its public source.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pids_matching(pattern):
    if not pattern:
        return []
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out if int(p) != os.getpid()]


def signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def run_json(cmd, pause_pattern):
    paused = pids_matching(pause_pattern)
    signal_all(paused, signal.SIGSTOP)
    try:
        time.sleep(1 if paused else 0)
        proc = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        signal_all(paused, signal.SIGCONT)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--llama-bench", required=True)
    ap.add_argument("--sinan", default=os.path.join(ROOT, "build/apps/sinan"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("-r", "--repetitions", type=int, default=3)
    ap.add_argument("-t", "--threads", type=int, default=os.cpu_count())
    ap.add_argument("-p", "--n-prompt", type=int, default=512)
    ap.add_argument("-n", "--n-gen", type=int, default=128)
    ap.add_argument("-d", "--depth", type=int, default=0, help="tokens in the cache before each test (llama-bench -d)")
    ap.add_argument("--pause-pattern", default="")
    ap.add_argument("--json-out", default="bench-vs-llama.json")
    args = ap.parse_args()

    results = []
    if os.path.exists(args.json_out):
        with open(args.json_out) as f:
            results = json.load(f)
    print("| file | round | sinan pp | llama.cpp pp | ratio | sinan tg | llama.cpp tg | ratio | roofline tg | sinan % of roofline |"
          " sinan % of interleaved reads |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for path in args.files:
        for rnd in range(1, args.rounds + 1):
            common = ["-p", str(args.n_prompt), "-n", str(args.n_gen), "-t", str(args.threads), "-r", str(args.repetitions)]
            if args.depth:
                common += ["-d", str(args.depth)]
            s = run_json([args.sinan, "bench", path, *common, "--json"], args.pause_pattern)
            l = run_json([args.llama_bench, "-m", path, *common, "-o", "json"], args.pause_pattern)
            l_pp = next(x["avg_ts"] for x in l if x["n_prompt"] > 0)
            l_pp_sd = next(x["stddev_ts"] for x in l if x["n_prompt"] > 0)
            l_tg = next(x["avg_ts"] for x in l if x["n_gen"] > 0)
            l_tg_sd = next(x["stddev_ts"] for x in l if x["n_gen"] > 0)
            row = {
                "file": os.path.basename(path) + (f" @ d{args.depth}" if args.depth else ""), "round": rnd, "date": time.strftime("%Y-%m-%d %H:%M"),
                "sinan": s, "llama_pp": l_pp, "llama_pp_sd": l_pp_sd, "llama_tg": l_tg, "llama_tg_sd": l_tg_sd,
            }
            results.append(row)
            with open(args.json_out, "w") as f:
                json.dump(results, f, indent=1)
            roof = s["roofline_tokens_per_s"]
            # Plain reads after each of sinan's generated tokens: what the memory gave while sinan's tg ran.
            inter = s.get("interleaved_roofline_tokens_per_s", 0)
            print(f"| {row['file']} | {rnd} | {s['pp_tokens_per_s']:.1f} ± {s['pp_stddev']:.1f} | {l_pp:.1f} ± {l_pp_sd:.1f} | "
                  f"{s['pp_tokens_per_s'] / l_pp:.2f} | {s['tg_tokens_per_s']:.2f} ± {s['tg_stddev']:.2f} | "
                  f"{l_tg:.2f} ± {l_tg_sd:.2f} | {s['tg_tokens_per_s'] / l_tg:.2f} | {roof:.1f} | "
                  f"{100 * s['tg_tokens_per_s'] / roof if roof else 0:.0f}% | "
                  f"{100 * s['tg_tokens_per_s'] / inter if inter else 0:.0f}% |", flush=True)


if __name__ == "__main__":
    main()
