#!/usr/bin/env python3
"""The inference threads' CPU by leaf function, per 1,000 samples of MKL's GEMM kernel.

Reads async-profiler's collapsed stacks taken with `threads` (each stack starts with the thread's
name in brackets; bench/forward-profile.sh writes them) and prints a Markdown table, one column a
profile: NAME=FILE arguments. The threads whose names start with --threads are counted by leaf
(the service's forward-0, forward-1, ...; InProcessBench's bench-0, ...; several prefixes by
comma), every other thread of the process in one last row: what the process spends beside its
inference per unit of it (the service's pipeline, the JIT, the collector).
Normalising by the GEMM kernel, the compute-bound part that does the same work per text in every
process, lets starts of different speed compare: what grows against it is what a process adds.
"""
import argparse
import collections
import sys

# (category, test on the leaf frame); the first match wins, in this order
LEAF_CATEGORIES = [
    ("GEMM kernel", lambda leaf: "sgemm_kernel" in leaf),
    ("GEMM packing and scaling", lambda leaf: "sgemm_scopy" in leaf or "sgemm_mscale" in leaf),
    ("malloc and free", lambda leaf: any(
        name in leaf for name in ("malloc", "_int_free", "free", "unlink_chunk", "consolidate", "je_", "arena_"))),
    ("memcpy and memset", lambda leaf: any(name in leaf for name in ("memcpy", "memset", "memmove"))),
    ("exp", lambda leaf: "Sleef_exp" in leaf),
    ("softmax", lambda leaf: "softmax" in leaf),
    ("ATen element-wise and layer norm", lambda leaf: any(
        name in leaf for name in ("TensorIter", "AVX2", "LayerNorm", "Rowwise"))),
]
TOKENIZER = "the tokenizer (other leaves)"
OTHER = "the rest (interpreter, dispatch, kernel entry, Java)"
OTHER_THREADS = "the process's other threads (pipeline, JIT, GC)"
ROWS = ["all"] + [name for name, _ in LEAF_CATEGORIES] + [TOKENIZER, OTHER, OTHER_THREADS]


def categorise(path, prefixes):
    """Samples per category of the threads named by prefixes."""
    counts = collections.Counter()
    with open(path, encoding="utf-8", errors="replace") as lines:
        for line in lines:
            stack, _, samples = line.rstrip("\n").rpartition(" ")
            if not stack or not samples.isdigit():
                continue
            frames = stack.split(";")
            thread = frames[0].lstrip("[")
            n = int(samples)
            if not any(thread.startswith(prefix) for prefix in prefixes):
                counts[OTHER_THREADS] += n
                continue
            leaf = frames[-1]
            counts["all"] += n
            for name, test in LEAF_CATEGORIES:
                if test(leaf):
                    counts[name] += n
                    break
            else:
                tokenizer = "tokenizers" in stack or "Tokenizer" in stack or "unicode" in leaf
                counts[TOKENIZER if tokenizer else OTHER] += n
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", default="forward-,bench-",
                        help="thread name prefixes, comma-separated (default: forward-,bench-)")
    parser.add_argument("profiles", nargs="+", metavar="NAME=FILE")
    args = parser.parse_args()
    prefixes = [prefix for prefix in args.threads.split(",") if prefix]
    columns = {}
    for argument in args.profiles:
        name, sep, path = argument.partition("=")
        if not sep:
            parser.error(f"{argument}: NAME=FILE")
        columns[name] = categorise(path, prefixes)
        if columns[name]["GEMM kernel"] == 0:
            sys.exit(f"{path}: no GEMM-kernel samples on threads {args.threads}")
    print("| per 1,000 GEMM-kernel samples | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for row in ROWS:
        cells = [f"{counts[row] * 1000 / counts['GEMM kernel']:,.0f}" for counts in columns.values()]
        print(f"| {row} | " + " | ".join(cells) + " |")
    print("| samples on the inference threads | " + " | ".join(f"{c['all']:,}" for c in columns.values()) + " |")


if __name__ == "__main__":
    main()
