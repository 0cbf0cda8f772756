"""The drift reference of a model version: how its scores and labels fall on the held-out set.

Scores every text of models/eval/spamassassin-test.jsonl with the exported TorchScript model and its
tokenizer.json (as the service does: truncation to serving.properties' maxLength, softmax over the
logits) and writes <model dir>/drift-reference.json: the positive label's probability (the last label
in config.json's id2label order) counted in 10 equal buckets over [0, 1], and the answered labels.
The service compares the scores of recent answers with it (population stability index) and reports
drift (README: Drift). train_demo_models.py runs it after each export; run it alone with:

    python tools/drift_reference.py models/spam-distilbert/1 [models/...]

then write the directory's sha256sums again (the export tool does).
"""

import json
import sys
from pathlib import Path

import torch
from tokenizers import Tokenizer

BUCKETS = 10
HELD_OUT = Path(__file__).resolve().parent.parent / "models" / "eval" / "spamassassin-test.jsonl"


def _properties(path: Path) -> dict:
    props = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            props[key.strip()] = value.strip()
    return props


def reference(model_dir: Path, texts: list[str]) -> dict:
    props = _properties(model_dir / "serving.properties")
    name = props.get("option.modelName", model_dir.parent.name)
    config = json.loads((model_dir / "config.json").read_text())
    labels = [config["id2label"][str(i)] for i in range(len(config["id2label"]))]
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    if props.get("truncation", "true").lower() == "true":
        tokenizer.enable_truncation(max_length=int(props.get("maxLength", "512")))
    with_types = props.get("includeTokenTypes", "false").lower() == "true"
    module = torch.jit.load(str(model_dir / f"{name}.pt"), map_location="cpu").eval()
    score_counts = [0] * BUCKETS
    label_counts = {label: 0 for label in labels}
    with torch.no_grad():
        for text in texts:
            encoding = tokenizer.encode(text)
            inputs = [torch.tensor([encoding.ids]), torch.tensor([encoding.attention_mask])]
            if with_types:
                inputs.append(torch.tensor([encoding.type_ids]))
            out = module(*inputs)
            logits = out["logits"] if isinstance(out, dict) else out[0]
            probabilities = torch.softmax(logits[0], dim=-1)
            positive = float(probabilities[-1])
            score_counts[min(BUCKETS - 1, int(positive * BUCKETS))] += 1
            label_counts[labels[int(torch.argmax(probabilities))]] += 1
    return {
        "source": f"held-out test split ({HELD_OUT.name}), scored at export",
        "texts": len(texts),
        "positiveLabel": labels[-1],
        "scoreCounts": score_counts,
        "labelCounts": label_counts,
    }


def main(directories: list[str]) -> None:
    texts = [json.loads(line)["text"] for line in HELD_OUT.read_text().splitlines() if line.strip()]
    for directory in directories:
        model_dir = Path(directory)
        result = reference(model_dir, texts)
        (model_dir / "drift-reference.json").write_text(json.dumps(result, indent=2) + "\n")
        print(model_dir, result["scoreCounts"], result["labelCounts"])


if __name__ == "__main__":
    main(sys.argv[1:])
