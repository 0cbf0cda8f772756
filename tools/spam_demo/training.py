"""Seeding, batching, the training loop and spam/ham metrics."""

import copy
import random
import time
from dataclasses import dataclass

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import PreTrainedModel, get_linear_schedule_with_warmup

SEED = 20240601
BATCH_SIZE = 32
SPAM = 1


def seed_everything(seed: int = SEED) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(2)


@dataclass
class EncodedSplit:
    ids: list[list[int]]   # token ids per message, special tokens added, truncated, unpadded
    labels: list[int]      # 0 ham, 1 spam


def encode_split(tokenizer: Tokenizer, texts: list[str], labels: list[str]) -> EncodedSplit:
    """`tokenizer` must be unpadded (see tokenization.unpadded_copy)."""
    return EncodedSplit([e.ids for e in tokenizer.encode_batch(texts)],
                        [SPAM if label == "spam" else 0 for label in labels])


def collate(sequences: list[list[int]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad to the longest sequence; int64 input_ids / attention_mask / token_type_ids."""
    width = max(len(s) for s in sequences)
    input_ids = torch.full((len(sequences), width), pad_id, dtype=torch.int64)
    attention_mask = torch.zeros((len(sequences), width), dtype=torch.int64)
    for row, seq in enumerate(sequences):
        input_ids[row, :len(seq)] = torch.tensor(seq, dtype=torch.int64)
        attention_mask[row, :len(seq)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "token_type_ids": torch.zeros_like(input_ids)}


def model_inputs(batch: dict[str, torch.Tensor], include_types: bool) -> dict[str, torch.Tensor]:
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if include_types else [])
    return {name: batch[name] for name in names}


@torch.no_grad()
def predict_logits(model: PreTrainedModel, data: EncodedSplit, pad_id: int,
                   include_types: bool) -> torch.Tensor:
    """Eager logits in the data's order, batches of BATCH_SIZE padded to the batch's longest."""
    model.eval()
    chunks = []
    for start in range(0, len(data.ids), BATCH_SIZE):
        batch = collate(data.ids[start:start + BATCH_SIZE], pad_id)
        chunks.append(model(**model_inputs(batch, include_types)).logits)
    return torch.cat(chunks)


def classification_metrics(predictions: list[int], labels: list[int]) -> dict:
    pairs = list(zip(predictions, labels))
    tp = sum(p == SPAM and y == SPAM for p, y in pairs)
    fp = sum(p == SPAM and y != SPAM for p, y in pairs)
    fn = sum(p != SPAM and y == SPAM for p, y in pairs)
    tn = len(pairs) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"accuracy": (tp + tn) / len(pairs), "spam_precision": precision, "spam_recall": recall,
            "spam_f1": f1, "tp": tp, "fp": fp, "fn": fn, "tn": tn, "count": len(pairs)}


def evaluate(model, data: EncodedSplit, pad_id: int, include_types: bool) -> dict:
    logits = predict_logits(model, data, pad_id, include_types)
    metrics = classification_metrics(logits.argmax(-1).tolist(), data.labels)
    metrics["loss"] = torch.nn.functional.cross_entropy(logits, torch.tensor(data.labels)).item()
    return metrics


def train(model: PreTrainedModel, train_data: EncodedSplit, val_data: EncodedSplit, *, pad_id: int,
          include_types: bool, epochs: int, learning_rate: float, log=print) -> dict:
    """AdamW with linear warmup/decay; keeps the weights of the best validation epoch."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    steps_per_epoch = -(-len(train_data.ids) // BATCH_SIZE)
    scheduler = get_linear_schedule_with_warmup(optimizer, steps_per_epoch // 2, steps_per_epoch * epochs)
    order_rng = random.Random(SEED)
    best = {"key": None}
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        order = list(range(len(train_data.ids)))
        order_rng.shuffle(order)
        total_loss = 0.0
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start:start + BATCH_SIZE]
            batch = collate([train_data.ids[i] for i in rows], pad_id)
            labels = torch.tensor([train_data.labels[i] for i in rows])
            loss = model(**model_inputs(batch, include_types), labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            total_loss += loss.item() * len(rows)
        val = evaluate(model, val_data, pad_id, include_types)
        log(f"  epoch {epoch}: train loss {total_loss / len(order):.4f}, val loss {val['loss']:.4f}, "
            f"val acc {val['accuracy']:.4f}, val spam F1 {val['spam_f1']:.4f} "
            f"({time.perf_counter() - started:.0f}s)")
        key = (val["accuracy"], val["spam_f1"], -val["loss"])
        if best["key"] is None or key > best["key"]:
            best = {"key": key, "epoch": epoch, "validation": val,
                    "state": copy.deepcopy(model.state_dict())}
    model.load_state_dict(best["state"])
    model.eval()
    return {"best_epoch": best["epoch"], "validation": best["validation"],
            "training_seconds": round(time.perf_counter() - started, 1)}
