"""The demo models on short forms of the held-out messages (issue #18's target check).

Prints, per model and for their mean-probability ensemble, on the held-out messages, on their short
forms (models/eval/spamassassin-test-short.jsonl, written by train_demo_models.py) and on the typed
messages below: accuracy, spam F1, the ham false-positive rate and the expected calibration error
(10 bins of the answered label's probability). Runs the exported TorchScript files as the service
does (tokenizer.json with serving.properties' truncation, softmax), one text per call:

    python tools/short_forms_eval.py [models-dir] [version]

version: 1 (default) or 1-int8 (the int8 variant, also compared label by label with version 1).
models/eval/typed-messages.jsonl holds 22 messages of the kind people type (one-line notes, chat,
short lures), written for this check and not from the corpus; each one the ensemble gets wrong is
printed.
"""

import json
import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spam_demo.training import SPAM, logits_of, scored  # noqa: E402

MODELS = ["spam-distilbert", "spam-roberta", "spam-deberta"]


def load(model_dir: Path):
    props = dict(line.split("=", 1) for line in (model_dir / "serving.properties").read_text().splitlines()
                 if "=" in line and not line.startswith("#"))
    config = json.loads((model_dir / "config.json").read_text())
    labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    if props.get("truncation", "true").strip().lower() == "true":
        tokenizer.enable_truncation(max_length=int(props.get("maxLength", "512")))
    with_types = props.get("includeTokenTypes", "false").strip().lower() == "true"
    name = props.get("option.modelName", model_dir.parent.name).strip()
    module = torch.jit.load(str(model_dir / f"{name}.pt"), map_location="cpu").eval()

    def probabilities(text: str) -> list[float]:
        encoding = tokenizer.encode(text)
        inputs = [torch.tensor([encoding.ids]), torch.tensor([encoding.attention_mask])]
        if with_types:
            inputs.append(torch.tensor([encoding.type_ids]))
        with torch.no_grad():
            out = module(*inputs)
        logits = out["logits"] if isinstance(out, dict) else out[0]
        return torch.softmax(logits[0], dim=-1).tolist()
    return labels, probabilities


def scores(rows: list[dict], spam_probability: list[float]) -> dict:
    """Accuracy, spam F1, the ham false-positive rate and the ECE (training.scored's)."""
    labels = [SPAM if row["label"] == "spam" else 0 for row in rows]
    metrics = scored(logits_of(torch.tensor(spam_probability)), labels)
    return {"texts": len(rows), **{key: round(metrics[key], 4)
                                   for key in ("accuracy", "spam_f1", "ham_false_positive_rate", "ece")}}


def main(models_dir: Path, version: str) -> None:
    def jsonl(name: str) -> list[dict]:
        path = models_dir / "eval" / name
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    sets = {"full": jsonl("spamassassin-test.jsonl"), "short": jsonl("spamassassin-test-short.jsonl"),
            "typed": jsonl("typed-messages.jsonl")}
    sets = {kind: rows for kind, rows in sets.items() if rows}
    results = {}
    ensemble = {kind: [0.0] * len(rows) for kind, rows in sets.items()}
    for name in MODELS:
        labels, probabilities = load(models_dir / name / version)
        spam = labels.index("spam")
        reference = load(models_dir / name / "1")[1] if version != "1" else None
        for kind, rows in sets.items():
            p = [probabilities(row["text"])[spam] for row in rows]
            results[f"{name}:{version} {kind}"] = scores(rows, p)
            if reference:
                agree = sum((q >= 0.5) == (reference(row["text"])[spam] >= 0.5) for q, row in zip(p, rows))
                results[f"{name}:{version} {kind}"]["label_agreement_with_1"] = round(agree / len(rows), 4)
            ensemble[kind] = [e + q / len(MODELS) for e, q in zip(ensemble[kind], p)]
    for kind, rows in sets.items():
        results[f"ensemble (mean) {kind}"] = scores(rows, ensemble[kind])
    by_form = {}
    for row, p in zip(sets.get("short", []), ensemble.get("short", [])):
        by_form.setdefault(row["form"], ([], []))
        by_form[row["form"]][0].append(row)
        by_form[row["form"]][1].append(p)
    for form, (rows, p) in sorted(by_form.items()):
        results[f"ensemble (mean) short/{form}"] = scores(rows, p)
    for key, value in results.items():
        print(f"{key:34s} {json.dumps(value)}")
    for row, p in zip(sets.get("typed", []), ensemble.get("typed", [])):
        if (p >= 0.5) != (row["label"] == "spam"):
            print(f"  typed, wrong: {row['label']} {p:.3f} {row['text']!r}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "models"), sys.argv[2] if len(sys.argv) > 2 else "1")
