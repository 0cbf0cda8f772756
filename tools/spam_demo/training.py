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
POOL_BATCHES = 50   # batches formed from one length-sorted pool of shuffled texts
SPAM = 1
ECE_BINS = 10


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


def length_batches(lengths: list[int], rng: random.Random) -> list[list[int]]:
    """Training batches of similar length: shuffle, sort pools of POOL_BATCHES batches by length,
    cut them into batches and shuffle the batches. Short texts then cost little (padding to a
    long neighbour is what made a mixed batch expensive), and every epoch still mixes."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches = []
    pool = BATCH_SIZE * POOL_BATCHES
    for start in range(0, len(order), pool):
        chunk = sorted(order[start:start + pool], key=lambda i: lengths[i])
        batches += [chunk[i:i + BATCH_SIZE] for i in range(0, len(chunk), BATCH_SIZE)]
    rng.shuffle(batches)
    return batches


@torch.no_grad()
def predict_logits(model: PreTrainedModel, data: EncodedSplit, pad_id: int,
                   include_types: bool, by_length: bool = True) -> torch.Tensor:
    """Eager logits in the data's order, batches of BATCH_SIZE padded to the batch's longest;
    by_length: batches of texts of similar length (cheaper; a float model's logits are the same
    either way within float error), else batches in the data's order."""
    model.eval()
    order = sorted(range(len(data.ids)), key=lambda i: len(data.ids[i])) if by_length \
        else list(range(len(data.ids)))
    logits = [None] * len(order)
    for start in range(0, len(order), BATCH_SIZE):
        rows = order[start:start + BATCH_SIZE]
        batch = collate([data.ids[i] for i in rows], pad_id)
        for row, value in zip(rows, model(**model_inputs(batch, include_types)).logits):
            logits[row] = value
    return torch.stack(logits)


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


def logits_of(spam_probability: torch.Tensor) -> torch.Tensor:
    """[ham, spam] logits whose softmax is the given spam probabilities (an ensemble's mean, say)."""
    p = spam_probability.double().clamp(1e-12, 1 - 1e-12)
    return torch.stack([torch.log1p(-p), torch.log(p)], dim=-1)


def scored(logits: torch.Tensor, labels: list[int]) -> dict:
    metrics = classification_metrics(logits.argmax(-1).tolist(), labels)
    metrics["loss"] = torch.nn.functional.cross_entropy(logits, torch.tensor(labels)).item()
    metrics["ham_false_positive_rate"] = metrics["fp"] / (metrics["fp"] + metrics["tn"]) \
        if metrics["fp"] + metrics["tn"] else 0.0
    metrics["ece"] = calibration_error(logits, labels)
    return metrics


def evaluate(model, data: EncodedSplit, pad_id: int, include_types: bool) -> dict:
    return scored(predict_logits(model, data, pad_id, include_types), data.labels)


def calibration_error(logits: torch.Tensor, labels: list[int]) -> float:
    """Expected calibration error: ECE_BINS equal bins of the answered label's probability, the
    gap between mean probability and accuracy in each, weighted by the bin's share of texts."""
    probabilities = torch.softmax(logits.double(), dim=-1)
    confidence, answered = probabilities.max(dim=-1)
    correct = (answered == torch.tensor(labels)).double()
    bins = torch.clamp((confidence * ECE_BINS).long(), max=ECE_BINS - 1)
    error = 0.0
    for b in range(ECE_BINS):
        members = bins == b
        if members.any():
            error += abs(confidence[members].mean().item() - correct[members].mean().item()) \
                * members.sum().item() / len(labels)
    return error


def fit_temperature(logits: torch.Tensor, labels: list[int]) -> float:
    """Temperature scaling (Guo et al. 2017): the T > 0 minimising the cross-entropy of logits / T
    on held-out data. One parameter, so the answered label never changes."""
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    target = torch.tensor(labels)
    values = logits.detach().double()
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(values / log_t.exp(), target)
        loss.backward()
        return loss
    optimizer.step(closure)
    return float(log_t.exp().item())


def train(model: PreTrainedModel, train_data: EncodedSplit, val_data: EncodedSplit, *, pad_id: int,
          include_types: bool, epochs: int, learning_rate: float, log=print) -> dict:
    """AdamW with linear warmup/decay; keeps the weights of the best validation epoch."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    lengths = [len(ids) for ids in train_data.ids]
    steps_per_epoch = len(length_batches(lengths, random.Random(SEED)))
    scheduler = get_linear_schedule_with_warmup(optimizer, steps_per_epoch // 2, steps_per_epoch * epochs)
    order_rng = random.Random(SEED)
    best = {"key": None}
    started = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        total_loss = 0.0
        for rows in length_batches(lengths, order_rng):
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
        log(f"  epoch {epoch}: train loss {total_loss / len(lengths):.4f}, val loss {val['loss']:.4f}, "
            f"val acc {val['accuracy']:.4f}, val spam F1 {val['spam_f1']:.4f}, "
            f"val ham FP {val['ham_false_positive_rate']:.4f} "
            f"({time.perf_counter() - started:.0f}s)")
        key = (val["accuracy"], val["spam_f1"], -val["loss"])
        if best["key"] is None or key > best["key"]:
            best = {"key": key, "epoch": epoch, "validation": val,
                    "state": copy.deepcopy(model.state_dict())}
    model.load_state_dict(best["state"])
    model.eval()
    return {"best_epoch": best["epoch"], "validation": best["validation"],
            "training_seconds": round(time.perf_counter() - started, 1)}
