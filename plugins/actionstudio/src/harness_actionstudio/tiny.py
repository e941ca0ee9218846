"""A tiny randomly initialised causal LM with a real byte-level BPE tokenizer, built locally.

``--base-model tiny`` uses it: no download, trains on a CPU in seconds. The tokenizer is trained
on the given texts (plus a fixed seed text), so every string is encodable (byte-level) and the
chat-template markers are single special tokens."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from harness_actionstudio.templates import CHATML_SPECIAL, CHATML_TOOLS

SEED_TEXT = (
    "The quick brown fox jumps over the lazy dog. 0123456789 {}[]:,\"'<>/_-+=*.!? "
    "user assistant tool system function name arguments order item return exchange "
    "What is 2 + 3? The answer is 5. Reverse the string abc: cba."
)


def build_tokenizer(
    texts: Iterable[str], vocab_size: int = 1024, whole_text: bool = False
):  # -> PreTrainedTokenizerFast
    """``whole_text``: merges may cross spaces and punctuation (no word split), so text repeated in
    ``texts`` (tool schemas) becomes a few tokens: short sequences for tests on long prompts."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=not whole_text)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", *CHATML_SPECIAL, "<pad>"]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator([SEED_TEXT, *texts], trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<pad>",
        unk_token="<|endoftext|>",
    )
    fast.chat_template = CHATML_TOOLS
    return fast


def build_tiny_model(
    out_dir: Path,
    texts: Iterable[str],
    seed: int = 0,
    hidden: int = 64,
    layers: int = 2,
    vocab_size: int = 1024,
    max_positions: int = 4096,
    whole_text: bool = False,
) -> Path:
    """Write a tiny Llama (random weights, ``seed``) and its tokenizer to ``out_dir``; its
    context (``max_positions``) should cover the longest training example."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer(texts, vocab_size, whole_text)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir
