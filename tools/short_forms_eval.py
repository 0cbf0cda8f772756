"""The demo models on short forms of the held-out messages (issue #18's target check).

Writes models/eval/spamassassin-test-short.jsonl (each test message's short forms, spam_demo.short_forms)
and prints, per model and for their mean-probability ensemble, on the full held-out messages and on
the short forms: accuracy, spam F1, the ham false-positive rate and the expected calibration error
(10 bins of the answered label's probability). Runs the exported TorchScript files as the service
does (tokenizer.json with serving.properties' truncation, softmax), one text per call:

    python tools/short_forms_eval.py [models-dir] [version]

version: 1 (default) or 1-int8 (the int8 variant, also compared label by label with version 1).
Then the ensemble on models/eval/typed-messages.jsonl: 22 messages of the kind people type (one-line
notes, chat, short lures), written for this check and not from the corpus; it prints each one the
ensemble gets wrong.
"""

import json
import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spam_demo.short_forms import short_forms  # noqa: E402

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
    tp = fp = fn = tn = 0
    bins = [[0, 0.0, 0] for _ in range(10)]  # count, confidence sum, correct
    for row, p in zip(rows, spam_probability):
        said_spam = p >= 0.5
        is_spam = row["label"] == "spam"
        tp += said_spam and is_spam
        fp += said_spam and not is_spam
        fn += not said_spam and is_spam
        tn += not said_spam and not is_spam
        confidence = p if said_spam else 1 - p
        b = bins[min(9, int(confidence * 10))]
        b[0] += 1
        b[1] += confidence
        b[2] += said_spam == is_spam
    n = len(rows)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    ece = sum(abs(b[1] / b[0] - b[2] / b[0]) * b[0] / n for b in bins if b[0])
    return {"texts": n, "accuracy": round((tp + tn) / n, 4), "spam_f1": round(f1, 4),
            "ham_false_positive_rate": round(fp / (fp + tn), 4) if fp + tn else 0.0, "ece": round(ece, 4)}


def main(models_dir: Path, version: str) -> None:
    full = [json.loads(line) for line in (models_dir / "eval" / "spamassassin-test.jsonl").read_text().splitlines()
            if line.strip()]
    short = [{"id": m["id"], "form": form, "label": m["label"], "text": text}
             for m in full for form, text in short_forms(m["id"], m["text"])]
    with (models_dir / "eval" / "spamassassin-test-short.jsonl").open("w") as out:
        for row in short:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    results = {}
    ensemble = {"full": [0.0] * len(full), "short": [0.0] * len(short)}
    for name in MODELS:
        labels, probabilities = load(models_dir / name / version)
        spam = labels.index("spam")
        reference = load(models_dir / name / "1")[1] if version != "1" else None
        for kind, rows in (("full", full), ("short", short)):
            p = [probabilities(row["text"])[spam] for row in rows]
            results[f"{name}:{version} {kind}"] = scores(rows, p)
            if reference:
                agree = sum((q >= 0.5) == (reference(row["text"])[spam] >= 0.5) for q, row in zip(p, rows))
                results[f"{name}:{version} {kind}"]["label_agreement_with_1"] = round(agree / len(rows), 4)
            ensemble[kind] = [e + q / len(MODELS) for e, q in zip(ensemble[kind], p)]
    for kind, rows in (("full", full), ("short", short)):
        results[f"ensemble (mean) {kind}"] = scores(rows, ensemble[kind])
    by_form = {}
    for row, p in zip(short, ensemble["short"]):
        by_form.setdefault(row["form"], ([], []))
        by_form[row["form"]][0].append(row)
        by_form[row["form"]][1].append(p)
    for form, (rows, p) in sorted(by_form.items()):
        results[f"ensemble (mean) short/{form}"] = scores(rows, p)
    for key, value in results.items():
        print(f"{key:34s} {json.dumps(value)}")

    typed_file = models_dir / "eval" / "typed-messages.jsonl"
    if typed_file.exists():
        typed = [json.loads(line) for line in typed_file.read_text().splitlines() if line.strip()]
        scorers = [load(models_dir / name / version) for name in MODELS]
        mean = [sum(f(row["text"])[labels.index("spam")] for labels, f in scorers) / len(MODELS) for row in typed]
        print(f"{'ensemble (mean) typed':34s} {json.dumps(scores(typed, mean))}")
        for row, p in zip(typed, mean):
            if (p >= 0.5) != (row["label"] == "spam"):
                print(f"  wrong: {row['label']} {p:.3f} {row['text']!r}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "models"), sys.argv[2] if len(sys.argv) > 2 else "1")
