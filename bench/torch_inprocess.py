"""In-process PyTorch counterpart of an HTTP load run, for bench/compare.sh.

--procs processes (default 2), each with torch.set_num_threads(1), each classifying one text at a
time (batch 1) for a fixed time, each text through every model of --models in turn, soft-voted as
the seed design's infer() does; no HTTP, no JSON. Models are loaded as ../shared/peers/seed-fastapi/
app.py loads them (tokenizer.json + serving.properties + torch.jit.load), so the gap between this
row and the seed-fastapi peer is what FastAPI/uvicorn cost, and the gap to in-process DJL is
DJL's. Processes, not threads: that is how the seed scales on CPU (uvicorn workers), and it keeps
the GIL out of the number. Throughput is counted over --measure seconds after --warmup seconds.

Run with the peers' venv python:
  "$PEERS_VENV/bin/python" bench/torch_inprocess.py --texts "$PEERS_WORK/texts-2000.jsonl" \
      [--models spam-distilbert] [--procs 2] [--warmup 60] [--measure 30] [--models-dir models]
--texts takes JSON lines with a "text" field. Without --models, all three demo models.
Prints one line: RESULT {json}.
"""

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

GOLDEN = 0.6180339887498949  # per-process start offsets, spread as texts.lua spreads wrk threads
DEFAULT_MODELS = "spam-distilbert,spam-roberta,spam-deberta"


def _properties(path: Path) -> dict:
    props = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            props[key.strip()] = value.strip()
    return props


class Classifier:
    """The seed peer's Classifier (app.py), copied: importing app.py would start its server setup."""

    def __init__(self, root: Path, name: str, version: str):
        import torch
        from tokenizers import Tokenizer

        model_dir = root / name / version
        props = _properties(model_dir / "serving.properties")
        self.name = name
        self.include_types = props.get("includeTokenTypes", "false").lower() == "true"
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        if props.get("truncation", "true").lower() == "true":
            self.tokenizer.enable_truncation(max_length=int(props.get("maxLength", "512")))
        padding = self.tokenizer.padding or {}
        self.tokenizer.enable_padding(pad_id=padding.get("pad_id", 0),
                                      pad_type_id=padding.get("pad_type_id", 0),
                                      pad_token=padding.get("pad_token", "[PAD]"))
        self.module = torch.jit.load(str(model_dir / f"{name}.pt"), map_location="cpu").eval()

    def logits(self, texts):
        import torch

        encodings = self.tokenizer.encode_batch(texts)
        inputs = [torch.tensor([e.ids for e in encodings], dtype=torch.int64),
                  torch.tensor([e.attention_mask for e in encodings], dtype=torch.int64)]
        if self.include_types:
            inputs.append(torch.tensor([e.type_ids for e in encodings], dtype=torch.int64))
        with torch.inference_mode():
            out = self.module(*inputs)
        return out["logits"] if isinstance(out, dict) else out[0]


def _status(key: str) -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return float(line.split()[1])
    except OSError:
        pass
    return float("nan")


def worker(index, args, texts, ready, start, results):
    # before torch is imported: its thread pools are sized at import
    os.environ["OMP_NUM_THREADS"] = str(args.torch_threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    import torch

    torch.set_num_threads(args.torch_threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    classifiers = [Classifier(Path(args.models_dir), name, args.version) for name in args.models.split(",")]

    def infer(batch):
        probs = [torch.softmax(c.logits(batch).float(), dim=-1) for c in classifiers]
        mean = torch.stack(probs).mean(dim=0)
        return int(mean[0].argmax())

    infer([texts[0]])
    ready.put(index)
    measure_from, measure_until = start.get()
    latencies = []
    position = int(((index * GOLDEN) % 1) * len(texts))
    while (now := time.monotonic()) < measure_until:
        infer([texts[position]])
        position = (position + 1) % len(texts)
        end = time.monotonic()
        if measure_from <= end <= measure_until:  # counted when it ends in the window, as in wrk
            latencies.append(end - now)
    results.put({"index": index, "latencies": latencies, "rss_kib": _status("VmRSS:"),
                 "threads": _status("Threads:")})


def _process_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def _machine_ticks():
    """(busy, total) ticks of all CPUs from /proc/stat: user nice system idle iowait irq softirq steal."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    return sum(values) - values[3] - values[4], sum(values)


def _machine_cores(start, end):
    total = end[1] - start[1]
    return round((end[0] - start[0]) / total * os.cpu_count(), 2) if total > 0 else float("nan")


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    import math
    return sorted_values[min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1)] * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", required=True)
    parser.add_argument("--models", default=DEFAULT_MODELS)
    parser.add_argument("--models-dir", default="models")
    parser.add_argument("--version", default="1")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--torch-threads", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--measure", type=float, default=30)
    parser.add_argument("--load-timeout", type=float, default=300)
    args = parser.parse_args()

    with open(args.texts) as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    if not texts:
        sys.exit(f"no texts in {args.texts}")

    # spawn: every process loads torch and its models itself, nothing shared through fork
    ctx = mp.get_context("spawn")
    ready, results = ctx.Queue(), ctx.Queue()
    starts = [ctx.Queue() for _ in range(args.procs)]
    procs = [ctx.Process(target=worker, args=(i, args, texts, ready, starts[i], results), daemon=True)
             for i in range(args.procs)]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=args.load_timeout)
    # one shared window for all processes: CLOCK_MONOTONIC is system-wide on Linux
    measure_from = time.monotonic() + args.warmup
    measure_until = measure_from + args.measure
    for q in starts:
        q.put((measure_from, measure_until))
    # CPU in the measured window: the workers', and the whole machine's, to show a neighbour
    time.sleep(max(0.0, measure_from - time.monotonic()))
    cpu_from, machine_from = sum(_process_ticks(p.pid) for p in procs), _machine_ticks()
    time.sleep(max(0.0, measure_until - time.monotonic()))
    cpu_until, machine_until = sum(_process_ticks(p.pid) for p in procs), _machine_ticks()
    collected = [results.get(timeout=args.warmup + args.measure + 120) for _ in procs]
    for p in procs:
        p.join(timeout=30)

    latencies = sorted(x for r in collected for x in r["latencies"])
    result = {
        "models": args.models.split(","), "procs": args.procs, "torch_threads": args.torch_threads,
        "texts": len(texts), "warmup_s": args.warmup, "duration_s": args.measure,
        "requests": len(latencies), "rps": round(len(latencies) / args.measure, 2),
        "latency_ms": {"p50": round(percentile(latencies, 0.50), 3), "p90": round(percentile(latencies, 0.90), 3),
                       "p99": round(percentile(latencies, 0.99), 3),
                       "max": round(latencies[-1] * 1000, 3) if latencies else float("nan")},
        "rss_mib": round(sum(r["rss_kib"] for r in collected) / 1024, 1),
        "threads_os": int(sum(r["threads"] for r in collected)),
        "cpu_cores": round((cpu_until - cpu_from) / os.sysconf("SC_CLK_TCK") / args.measure, 2),
        "machine_cores": _machine_cores(machine_from, machine_until),
    }
    # JSON has no NaN (no texts measured): null
    print("RESULT " + json.dumps(result).replace("NaN", "null"), flush=True)


if __name__ == "__main__":
    main()
