"""The three demo architectures: tiny transformers configs built with transformers' own classes."""

from dataclasses import dataclass
from typing import Callable

from tokenizers import Tokenizer
from transformers import (DebertaV2Config, DebertaV2ForSequenceClassification, DistilBertConfig,
                          DistilBertForSequenceClassification, PretrainedConfig, PreTrainedModel,
                          RobertaConfig, RobertaForSequenceClassification)

from . import tokenization
from .tokenization import MAX_LENGTH

LABELS = {"id2label": {0: "ham", 1: "spam"}, "label2id": {"ham": 0, "spam": 1},
          "problem_type": "single_label_classification"}
HIDDEN, LAYERS, HEADS, INTERMEDIATE = 128, 2, 4, 256
VOCAB_SIZE = 4000


@dataclass(frozen=True)
class Architecture:
    name: str                                     # model directory / .pt name
    kind: str                                     # tokenizer wrapper kind
    train_tokenizer: Callable[[list[str], int], Tokenizer]
    model_class: type[PreTrainedModel]
    make_config: Callable[[Tokenizer], PretrainedConfig]
    epochs: int
    learning_rate: float

    def build_model(self, tokenizer: Tokenizer) -> PreTrainedModel:
        config = self.make_config(tokenizer)
        config.architectures = [self.model_class.__name__]
        config._attn_implementation = "eager"  # plain matmul attention: simplest graph for libtorch
        return self.model_class(config)


def _distilbert_config(tokenizer: Tokenizer) -> DistilBertConfig:
    return DistilBertConfig(
        vocab_size=tokenizer.get_vocab_size(), max_position_embeddings=MAX_LENGTH,
        dim=HIDDEN, n_layers=LAYERS, n_heads=HEADS, hidden_dim=INTERMEDIATE,
        pad_token_id=tokenizer.token_to_id("[PAD]"), **LABELS)


def _roberta_config(tokenizer: Tokenizer) -> RobertaConfig:
    # RoBERTa numbers positions from pad_token_id + 1, hence MAX_LENGTH + 2 position slots.
    return RobertaConfig(
        vocab_size=tokenizer.get_vocab_size(), max_position_embeddings=MAX_LENGTH + 2,
        hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE, type_vocab_size=1,
        pad_token_id=tokenizer.token_to_id("<pad>"), bos_token_id=tokenizer.token_to_id("<s>"),
        eos_token_id=tokenizer.token_to_id("</s>"), **LABELS)


def _deberta_config(tokenizer: Tokenizer) -> DebertaV2Config:
    # DeBERTa-v3 layout: relative (disentangled) attention, no absolute positions in the input.
    return DebertaV2Config(
        vocab_size=tokenizer.get_vocab_size(), max_position_embeddings=MAX_LENGTH,
        hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE, type_vocab_size=0, relative_attention=True,
        position_buckets=64, max_relative_positions=-1, pos_att_type=["p2c", "c2p"],
        position_biased_input=False, norm_rel_ebd="layer_norm", share_att_key=True,
        pooler_hidden_size=HIDDEN, pad_token_id=tokenizer.token_to_id("[PAD]"), **LABELS)


ARCHITECTURES = [
    Architecture("spam-distilbert", "distilbert", tokenization.train_wordpiece,
                 DistilBertForSequenceClassification, _distilbert_config, epochs=2, learning_rate=1e-3),
    Architecture("spam-roberta", "roberta", tokenization.train_byte_level_bpe,
                 RobertaForSequenceClassification, _roberta_config, epochs=2, learning_rate=1e-3),
    Architecture("spam-deberta", "deberta", tokenization.train_unigram,
                 DebertaV2ForSequenceClassification, _deberta_config, epochs=3, learning_rate=1e-3),
]
