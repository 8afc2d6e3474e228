"""Build tiny random-weight models laid out like the real ones, for offline tests.

    python scripts/make_tiny_models.py DIR [--arch tiny|base|big]

Writes Hugging Face folders that ``from_pretrained`` loads like the real models:

- ``DIR/zh-en``: Marian, one shared vocab.json (as Helsinki-NLP/opus-mt-zh-en);
- ``DIR/zh-ja``: Marian, separate source and target vocabularies (as the opus-mt-tc-big
  models);
- ``DIR/summarizer``: a tiny mT5 (as csebuetnlp/mT5_multilingual_XLSum) for abstractive
  summaries;
- ``DIR/llm``: a tiny Qwen3 causal LM (as Qwen/Qwen3-*) with a byte-level BPE tokenizer
  (``Qwen2Tokenizer``, as the real ones) trained on the fixture text and a ChatML chat
  template that honours ``enable_thinking``: the decoder-only translator and summarizer
  of the quality tier.  ``--llm-arch wide`` keeps Qwen3-0.6B's width (1024, 16 heads, 8 KV
  heads) with 4 layers: the shape the LLM benchmark runs;

each with a source sentencepiece model trained on Chinese fixture text and a target one
trained on English / Japanese text (``scripts/tiny_text``, written for this project).
Weights are random, so the output is garbage, but it is garbage in the target script:
the logits of source-only pieces are masked with ``final_logits_bias``.  ``--arch base``
and ``--arch big`` give the real architectures' sizes (for benchmarks).
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

TEXT = Path(__file__).resolve().parent / "tiny_text"
SPECIALS = ["</s>", "<unk>"]

ARCHS = {
    # layers, d_model, ffn, heads, max positions
    "tiny": dict(encoder_layers=2, decoder_layers=2, d_model=32, encoder_ffn_dim=64, decoder_ffn_dim=64,
                 encoder_attention_heads=2, decoder_attention_heads=2),
    "base": dict(encoder_layers=6, decoder_layers=6, d_model=512, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
                 encoder_attention_heads=8, decoder_attention_heads=8),
    "big": dict(encoder_layers=6, decoder_layers=6, d_model=1024, encoder_ffn_dim=4096, decoder_ffn_dim=4096,
                encoder_attention_heads=16, decoder_attention_heads=16),
}


def train_spm(text_file: Path, prefix: Path, vocab_size: int, coverage: float) -> list[str]:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        input=str(text_file), model_writer=model, vocab_size=vocab_size, character_coverage=coverage,
        model_type="unigram", hard_vocab_limit=False, bos_id=-1, eos_id=2, unk_id=1, pad_id=-1,
        minloglevel=2,
    )
    prefix.with_suffix(".spm").write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def ordered_vocab(*piece_lists: list[str], size: int = 0) -> dict[str, int]:
    """``</s>`` 0, ``<unk>`` 1, the pieces, then ``<pad>`` last (as in the real Marian
    conversions; CTranslate2's converter relies on it), padded to ``size`` entries."""
    vocab: dict[str, int] = {}
    for token in SPECIALS:
        vocab[token] = len(vocab)
    for pieces in piece_lists:
        for piece in pieces:
            if piece not in vocab and piece not in ("<s>", "<pad>"):
                vocab[piece] = len(vocab)
    while len(vocab) < size - 1:
        vocab[f"<unused{len(vocab)}>"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


def build(out: Path, target: str, separate_vocabs: bool, arch: str, seed: int, vocab_size: int = 0) -> Path:
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder = out / f"zh-{target}"
    folder.mkdir(parents=True, exist_ok=True)
    source_pieces = train_spm(TEXT / "zh.txt", folder / "source", 400, 1.0)
    target_pieces = train_spm(TEXT / f"{target}.txt", folder / "target", 400, 1.0)
    if separate_vocabs:
        # Both vocabularies get the same size so that <pad> has one id in both.
        size = max(len(ordered_vocab(source_pieces)), len(ordered_vocab(target_pieces)), vocab_size)
        source_vocab, target_vocab = ordered_vocab(source_pieces, size=size), ordered_vocab(target_pieces, size=size)
        (folder / "vocab.json").write_text(json.dumps(source_vocab, ensure_ascii=False), encoding="utf-8")
        (folder / "target_vocab.json").write_text(json.dumps(target_vocab, ensure_ascii=False), encoding="utf-8")
    else:
        source_vocab = target_vocab = ordered_vocab(source_pieces, target_pieces, size=vocab_size)
        (folder / "vocab.json").write_text(json.dumps(source_vocab, ensure_ascii=False), encoding="utf-8")
    pad = source_vocab["<pad>"]
    config = MarianConfig(
        vocab_size=len(source_vocab),
        decoder_vocab_size=len(target_vocab),
        share_encoder_decoder_embeddings=not separate_vocabs,
        max_position_embeddings=512,
        pad_token_id=pad,
        eos_token_id=0,
        decoder_start_token_id=target_vocab["<pad>"],
        forced_eos_token_id=0,
        bad_words_ids=[[target_vocab["<pad>"]]],
        max_length=512,
        num_beams=1,
        # Large random weights make the output depend on the input (with the default
        # 0.02 every input decodes to the same string), which the order tests need.
        init_std=0.02 if arch != "tiny" else 0.35,
        **ARCHS[arch],
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    allowed = set(target_pieces) | set(SPECIALS)
    with torch.no_grad():
        bias = model.final_logits_bias
        for piece, index in target_vocab.items():
            if piece not in allowed:
                bias[0, index] = -1e4
    model.save_pretrained(folder)
    tokenizer = MarianTokenizer(
        source_spm=str(folder / "source.spm"), target_spm=str(folder / "target.spm"),
        vocab=str(folder / "vocab.json"),
        target_vocab_file=str(folder / "target_vocab.json") if separate_vocabs else None,
        separate_vocabs=separate_vocabs, source_lang="zh", target_lang=target, model_max_length=512,
    )
    tokenizer.save_pretrained(folder)
    return folder


def build_summarizer(out: Path, seed: int) -> Path:
    """A tiny random mT5 with a sentencepiece vocabulary trained on the fixture text
    (transformers 5 builds a T5 tokenizer from a list of (piece, score) pairs)."""
    import sentencepiece as spm
    import torch
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    folder = out / "summarizer"
    folder.mkdir(parents=True, exist_ok=True)
    text = folder / "text.txt"
    text.write_text((TEXT / "zh.txt").read_text(encoding="utf-8") * 3, encoding="utf-8")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        input=str(text), model_writer=model, vocab_size=500, character_coverage=1.0, model_type="unigram",
        hard_vocab_limit=False, pad_id=0, eos_id=1, unk_id=2, bos_id=-1, minloglevel=2,
    )
    text.unlink()
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    vocab = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0, model_max_length=512)
    config = MT5Config(
        vocab_size=len(tokenizer), d_model=32, d_ff=64, d_kv=16, num_layers=2, num_decoder_layers=2, num_heads=2,
        decoder_start_token_id=tokenizer.pad_token_id, pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id, tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    MT5ForConditionalGeneration(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


LLM_ARCHS = {
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, head_dim=16),
    "wide": dict(hidden_size=1024, intermediate_size=3072, num_hidden_layers=4, num_attention_heads=16,
                 num_key_value_heads=8, head_dim=128),
}
# Qwen3-0.6B's own shape: all 28 layers (about 0.6B parameters with its vocabulary)
LLM_ARCHS["qwen3-0.6b"] = {**LLM_ARCHS["wide"], "num_hidden_layers": 28}
LLM_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]
# ChatML as the Qwen3 models write it; with enable_thinking=False the assistant turn
# opens with an empty think block (the models' documented way to switch thinking off).
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif %}"
)


def build_llm(out: Path, seed: int, arch: str = "tiny", name: str = "llm", vocab_size: int = 0) -> Path:
    """A tiny random Qwen3 causal LM with a byte-level BPE tokenizer trained on the
    fixture text (Chinese, English, Japanese) and a chat template.  ``vocab_size`` pads
    the vocabulary with pieces no text encodes to (Qwen3's is 151,669 tokens): the
    embedding and output layer then cost what the real ones cost."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, Qwen2Tokenizer, Qwen3Config, Qwen3ForCausalLM

    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1500, special_tokens=LLM_SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train([str(TEXT / f"{lang}.txt") for lang in ("zh", "en", "ja")], trainer)
    model_data = json.loads(bpe.to_str())["model"]
    for i in range(len(model_data["vocab"]), vocab_size):
        model_data["vocab"][f"unused{i}"] = i  # no merge leads to these: never produced by encoding
    tokenizer = Qwen2Tokenizer(vocab=model_data["vocab"], merges=[tuple(m) for m in model_data["merges"]],
                               eos_token="<|im_end|>", pad_token="<|endoftext|>", model_max_length=4096)
    tokenizer.add_special_tokens({"additional_special_tokens": LLM_SPECIALS[1:]})
    tokenizer.chat_template = CHAT_TEMPLATE
    end, pad = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    config = Qwen3Config(vocab_size=len(tokenizer), max_position_embeddings=4096, tie_word_embeddings=True,
                         bos_token_id=None, eos_token_id=end, pad_token_id=pad,
                         # as the Marian ones: large random weights make the output depend on the input
                         initializer_range=0.02 if arch != "tiny" else 0.35, **LLM_ARCHS[arch])
    torch.manual_seed(seed)
    model = Qwen3ForCausalLM(config).eval()
    model.generation_config = GenerationConfig(eos_token_id=[end], pad_token_id=pad, do_sample=False)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--arch", choices=sorted(ARCHS), default="tiny")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vocab-size", type=int, default=0, help="pad vocabularies to this size (real: 65001)")
    parser.add_argument("--llm-arch", choices=sorted(LLM_ARCHS), default="tiny")
    parser.add_argument("--llm-vocab-size", type=int, default=0, help="pad the LLM's vocabulary (Qwen3: 151669)")
    args = parser.parse_args()
    for target, separate in (("en", False), ("ja", True)):
        folder = build(args.out, target, separate, args.arch, args.seed, args.vocab_size)
        print(folder)
    print(build_summarizer(args.out, args.seed))
    print(build_llm(args.out, args.seed, args.llm_arch, vocab_size=args.llm_vocab_size))


if __name__ == "__main__":
    main()
