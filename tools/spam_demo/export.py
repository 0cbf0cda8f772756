"""TorchScript export in the layout djl-convert writes for text-classification models.

models/<name>/<version>/ holds exactly: <name>.pt, tokenizer.json, tokenizer_config.json,
config.json and serving.properties, and sha256sums (their checksums, as sha256sum writes them).
The traced module divides the logits by the model's fitted temperature (calibration inside the
file: DJL's translator applies softmax as it always does). The int8 variant is the same model with
dynamic int8 quantisation of its linear layers (weights int8, activations quantised per call).
"""

import copy
import hashlib
import shutil
from pathlib import Path

import torch
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerFast

from .tokenization import MAX_LENGTH
from .training import collate, model_inputs

TOLERANCE = 1e-5
MAX_DIR_BYTES = 5 * 1024 * 1024
TRANSLATOR_FACTORY = "ai.djl.huggingface.translator.TextClassificationTranslatorFactory"


class ClassifierWrapper(nn.Module):
    """forward(input_ids, attention_mask[, token_type_ids]) -> {"logits": model logits / temperature}."""

    def __init__(self, model: PreTrainedModel, include_types: bool, temperature: float = 1.0):
        super().__init__()
        self.model = model
        self.include_types = include_types
        self.register_buffer("temperature", torch.tensor(temperature, dtype=torch.float32))

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        if self.include_types:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids)
        else:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        return {"logits": out.logits / self.temperature}


def quantized_int8(model: PreTrainedModel) -> PreTrainedModel:
    """A copy with dynamic int8 quantisation of every nn.Linear (fbgemm/x86 kernels on CPU)."""
    torch.backends.quantized.engine = "x86" if "x86" in torch.backends.quantized.supported_engines \
        else "fbgemm"
    return torch.ao.quantization.quantize_dynamic(copy.deepcopy(model).eval(), {nn.Linear}, dtype=torch.qint8)


def takes_token_types(hf_tokenizer: PreTrainedTokenizerFast) -> bool:
    """djl-convert's rule: token_type_ids is an input iff the tokenizer produces it."""
    return "token_type_ids" in hf_tokenizer.model_input_names


def positional(batch: dict, include_types: bool) -> tuple:
    return tuple(model_inputs(batch, include_types).values())


def trace(model: PreTrainedModel, include_types: bool, example: list[list[int]], pad_id: int,
          temperature: float = 1.0):
    model.eval()
    wrapper = ClassifierWrapper(model, include_types, temperature).eval()
    with torch.no_grad():
        return torch.jit.trace(wrapper, positional(collate(example, pad_id), include_types), strict=False)


def max_trace_error(traced, model: PreTrainedModel, include_types: bool,
                    batches: list[list[list[int]]], pad_id: int, temperature: float = 1.0) -> float:
    """Largest |traced - eager / temperature| logit difference over the given batches."""
    worst = 0.0
    with torch.no_grad():
        for sequences in batches:
            batch = collate(sequences, pad_id)
            eager = model(**model_inputs(batch, include_types)).logits / temperature
            scripted = traced(*positional(batch, include_types))["logits"]
            worst = max(worst, (eager - scripted).abs().max().item())
    return worst


def serving_properties(name: str, include_types: bool) -> str:
    lines = ["engine=PyTorch", f"option.modelName={name}", "option.mapLocation=true",
             f"translatorFactory={TRANSLATOR_FACTORY}", f"maxLength={MAX_LENGTH}",
             "truncation=true", "padding=true"]
    if include_types:
        lines.append("includeTokenTypes=true")
    return "\n".join(lines) + "\n"


def write_model_dir(model_dir: Path, name: str, traced, model: PreTrainedModel,
                    hf_tokenizer: PreTrainedTokenizerFast, include_types: bool) -> int:
    """Write the five files and their checksum manifest; returns the directory size in bytes."""
    if model_dir.exists():
        shutil.rmtree(model_dir)
    model_dir.mkdir(parents=True)
    hf_tokenizer.save_pretrained(model_dir)
    for path in model_dir.iterdir():  # like djl-convert: keep only tokenizer.json + tokenizer_config.json
        if path.name not in ("tokenizer.json", "tokenizer_config.json"):
            path.unlink()
    model.config.save_pretrained(model_dir)
    traced.save(str(model_dir / f"{name}.pt"))
    (model_dir / "serving.properties").write_text(serving_properties(name, include_types))

    expected = {f"{name}.pt", "tokenizer.json", "tokenizer_config.json", "config.json", "serving.properties"}
    found = {p.name for p in model_dir.iterdir()}
    if found != expected:
        raise RuntimeError(f"{model_dir} holds {sorted(found)}, expected {sorted(expected)}")
    write_manifest(model_dir)
    size = sum(p.stat().st_size for p in model_dir.iterdir())
    if size > MAX_DIR_BYTES:
        raise RuntimeError(f"{model_dir} is {size} bytes, over the {MAX_DIR_BYTES} byte budget")
    return size


def write_manifest(model_dir: Path) -> None:
    """sha256sums in the format `sha256sum * > sha256sums` writes: the service checks every listed
    file at load and refuses the version, naming the file, when one differs."""
    lines = []
    for path in sorted(p for p in model_dir.iterdir() if p.name != "sha256sums"):
        lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}")
    (model_dir / "sha256sums").write_text("\n".join(lines) + "\n")

