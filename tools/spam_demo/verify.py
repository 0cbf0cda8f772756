"""Reload an exported model directory from its files alone and score the test split."""

import json
from pathlib import Path

import torch
from tokenizers import Tokenizer

from .training import BATCH_SIZE, SPAM, classification_metrics

LOGIT_TOLERANCE = 1e-4


def _run(module, tokenizer: Tokenizer, texts: list[str], include_types: bool) -> torch.Tensor:
    """tokenizer.json pads (batch-longest), truncates and adds special tokens by itself."""
    encodings = tokenizer.encode_batch(texts)
    inputs = [torch.tensor([e.ids for e in encodings]), torch.tensor([e.attention_mask for e in encodings])]
    if include_types:
        inputs.append(torch.tensor([e.type_ids for e in encodings]))
    with torch.no_grad():
        return module(*inputs)["logits"]


def verify_model_dir(model_dir: Path, name: str, test_rows: list[dict], eager_logits: list[dict]) -> dict:
    """Test metrics of the TorchScript model; checks the eager logits file against it too."""
    include_types = "includeTokenTypes=true" in (model_dir / "serving.properties").read_text()
    module = torch.jit.load(str(model_dir / f"{name}.pt"), map_location="cpu").eval()
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    max_length = json.loads((model_dir / "tokenizer.json").read_text())["truncation"]["max_length"]

    predictions = []
    for start in range(0, len(test_rows), BATCH_SIZE):
        texts = [row["text"] for row in test_rows[start:start + BATCH_SIZE]]
        predictions += _run(module, tokenizer, texts, include_types).argmax(-1).tolist()
    labels = [SPAM if row["label"] == "spam" else 0 for row in test_rows]
    metrics = classification_metrics(predictions, labels)

    text_by_id = {row["id"]: row["text"] for row in test_rows}
    worst = 0.0
    for record in eager_logits:
        encoding = tokenizer.encode(text_by_id[record["id"]])
        if len(encoding.ids) > max_length:
            raise RuntimeError(f"{name}: tokenizer.json did not truncate {record['id']}")
        logits = _run(module, tokenizer, [text_by_id[record["id"]]], include_types)[0]
        worst = max(worst, (logits - torch.tensor(record["logits"])).abs().max().item())
    if worst > LOGIT_TOLERANCE:
        raise RuntimeError(f"{name}: TorchScript logits differ from eager by {worst}")
    metrics["max_abs_logit_diff_vs_eager_file"] = worst
    return metrics
