"""Tokenizers trained from scratch (HF `tokenizers`) on the training texts only.

Every tokenizer carries its own post-processor (special tokens), truncation to
MAX_LENGTH and batch-longest padding with the model's own pad token, so that a
consumer of tokenizer.json alone (DJL's HuggingFaceTokenizer, or
`tokenizers.Tokenizer.from_file`) encodes exactly like training did.
"""

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (DebertaV2TokenizerFast, DistilBertTokenizerFast, PreTrainedTokenizerFast,
                          RobertaTokenizerFast)

MAX_LENGTH = 256
BERT_SPECIALS = {"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"}
ROBERTA_SPECIALS = {"cls": "<s>", "pad": "<pad>", "sep": "</s>", "unk": "<unk>", "mask": "<mask>"}


def _finish(tokenizer: Tokenizer, pad_token: str) -> Tokenizer:
    tokenizer.enable_truncation(max_length=MAX_LENGTH)
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id(pad_token), pad_token=pad_token)
    return tokenizer


def _cls_sep_template(tokenizer: Tokenizer, cls: str, sep: str) -> processors.TemplateProcessing:
    return processors.TemplateProcessing(
        single=f"{cls} $A {sep}",
        pair=f"{cls} $A {sep} $B:1 {sep}:1",
        special_tokens=[(cls, tokenizer.token_to_id(cls)), (sep, tokenizer.token_to_id(sep))],
    )


def train_wordpiece(texts: list[str], vocab_size: int) -> Tokenizer:
    """BERT/DistilBERT style: lowercasing BertNormalizer, WordPiece, [CLS] x [SEP]."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=2, limit_alphabet=300,
        special_tokens=[BERT_SPECIALS[k] for k in ("pad", "unk", "cls", "sep", "mask")])
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.post_processor = _cls_sep_template(tokenizer, "[CLS]", "[SEP]")
    return _finish(tokenizer, "[PAD]")


def train_byte_level_bpe(texts: list[str], vocab_size: int) -> Tokenizer:
    """RoBERTa style: byte-level BPE, <s> x </s> via RobertaProcessing."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[ROBERTA_SPECIALS[k] for k in ("cls", "pad", "sep", "unk", "mask")])
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.post_processor = processors.RobertaProcessing(
        sep=("</s>", tokenizer.token_to_id("</s>")), cls=("<s>", tokenizer.token_to_id("<s>")),
        trim_offsets=True, add_prefix_space=False)
    return _finish(tokenizer, "<pad>")


def train_unigram(texts: list[str], vocab_size: int) -> Tokenizer:
    """DeBERTa-v3 style: Unigram with Metaspace (SentencePiece-like), [CLS] x [SEP]."""
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(
        vocab_size=vocab_size, unk_token="[UNK]", max_piece_length=16,
        special_tokens=[BERT_SPECIALS[k] for k in ("pad", "cls", "sep", "unk", "mask")])
    tokenizer.train_from_iterator(texts, trainer)
    tokenizer.post_processor = _cls_sep_template(tokenizer, "[CLS]", "[SEP]")
    return _finish(tokenizer, "[PAD]")


def wrap_for_transformers(tokenizer: Tokenizer, kind: str) -> PreTrainedTokenizerFast:
    """The transformers fast tokenizer class that matches the architecture."""
    common = {"tokenizer_object": tokenizer, "model_max_length": MAX_LENGTH}
    if kind == "roberta":
        s = ROBERTA_SPECIALS
        return RobertaTokenizerFast(
            bos_token=s["cls"], eos_token=s["sep"], sep_token=s["sep"], cls_token=s["cls"],
            unk_token=s["unk"], pad_token=s["pad"], mask_token=s["mask"],
            add_prefix_space=False, trim_offsets=True, **common)
    s = BERT_SPECIALS
    specials = {"unk_token": s["unk"], "sep_token": s["sep"], "pad_token": s["pad"],
                "cls_token": s["cls"], "mask_token": s["mask"]}
    if kind == "distilbert":
        return DistilBertTokenizerFast(do_lower_case=True, **specials, **common)
    if kind == "deberta":
        return DebertaV2TokenizerFast(do_lower_case=True, bos_token=s["cls"], eos_token=s["sep"],
                                      **specials, **common)
    raise ValueError(f"unknown tokenizer kind {kind}")


def unpadded_copy(tokenizer: Tokenizer) -> Tokenizer:
    """Same tokenizer without padding (for per-example encodings)."""
    copy = Tokenizer.from_str(tokenizer.to_str())
    copy.no_padding()
    return copy
