"""Build a tiny, randomly initialised causal LM checkpoint locally (no download), for tests.

``build_tiny_checkpoint(path)`` writes what a trainer plugin writes: ``config.json``,
``generation_config.json``, safetensors weights and a fast tokenizer (a byte-level BPE trained here
on a few generated sentences) with a ChatML-style chat template. The model answers gibberish; it
exists so that the ``hf/`` backend, batching and checkpoint loading can be exercised on CPU in
seconds. ``tools_template=False`` writes a template that cannot render tools (the fallback path).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]

# Our own ChatML-style templates. The first renders tools (and tool calls as <tool_call> JSON).
TOOLS_TEMPLATE = (
    "{% if tools %}<|im_start|>system\n"
    "{% if messages and messages[0].role == 'system' %}{{ messages[0].content }}\n\n{% endif %}"
    'Available tools (call one as <tool_call>{"name": ..., "arguments": {...}}</tool_call>):'
    "{% for t in tools %}{{ '\\n' }}{{ t | tojson }}{% endfor %}<|im_end|>\n"
    "{% endif %}"
    "{% for m in messages %}"
    "{% if not (tools and loop.first and m.role == 'system') %}"
    "<|im_start|>{{ m.role }}\n{{ m.content }}"
    "{% if m.tool_calls %}{% for c in m.tool_calls %}"
    '<tool_call>{"name": "{{ c.function.name }}", "arguments": '
    "{{ c.function.arguments | tojson }}}</tool_call>"
    "{% endfor %}{% endif %}<|im_end|>\n"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
PLAIN_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _corpus(seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [
        "what",
        "is",
        "the",
        "answer",
        "to",
        "reverse",
        "the",
        "word",
        "count",
        "letters",
        "in",
        "how",
        "many",
        "add",
        "multiply",
        "tool",
        "call",
        "result",
        "name",
        "arguments",
        "system",
        "user",
        "assistant",
        "please",
        "reply",
        "only",
        "with",
        "a",
        "number",
        "single",
        "word",
        "final",
    ]
    lines = []
    for _ in range(400):
        a, b = rng.randint(0, 999), rng.randint(0, 999)
        lines.append(f"What is {a} + {b}? {' '.join(rng.choices(words, k=6))} {a + b}")
        lines.append(f'{{"name": "add", "arguments": {{"a": {a}, "b": {b}}}}}')
    return lines


def build_tiny_tokenizer(seed: int = 0, tools_template: bool = True) -> object:
    """A fast tokenizer (byte-level BPE, about 500 tokens) with a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_corpus(seed), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<pad>",
        unk_token="<|endoftext|>",
    )
    fast.chat_template = TOOLS_TEMPLATE if tools_template else PLAIN_TEMPLATE
    return fast


def _llama_config(vocab: int, ids: dict[str, int], hidden: int, layers: int) -> Any:
    """The tiny random Llama both builders use (text model, or a VLM's language model)."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=ids["<|im_end|>"],
        pad_token_id=ids["<pad>"],
        tie_word_embeddings=False,
        initializer_range=0.3,
    )


def build_tiny_checkpoint(
    path: Path | str,
    *,
    seed: int = 0,
    tools_template: bool = True,
    layers: int = 2,
    hidden: int = 64,
) -> Path:
    """Write a tiny random Llama-architecture checkpoint with its tokenizer to ``path``."""
    import torch
    from transformers import GenerationConfig, LlamaForCausalLM

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tok = build_tiny_tokenizer(seed, tools_template)
    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIALS}  # type: ignore[attr-defined]
    config = _llama_config(len(tok), ids, hidden, layers)  # type: ignore[arg-type]
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=config.eos_token_id,
        pad_token_id=config.pad_token_id,
    )
    model.save_pretrained(path)
    tok.save_pretrained(path)  # type: ignore[attr-defined]
    return path


IMAGE_TOKEN = "<image>"
# Our own template for the tiny vision-language model: an image part becomes <image>, which the
# processor expands into one token per image patch.
VLM_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m.role }}\n"
    "{% if m.content is string %}{{ m.content }}{% else %}{% for p in m.content %}"
    "{% if p.type == 'image' %}" + IMAGE_TOKEN + "{% else %}{{ p.text }}{% endif %}"
    "{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def build_tiny_vlm_checkpoint(
    path: Path | str,
    *,
    seed: int = 0,
    layers: int = 2,
    hidden: int = 64,
    image_size: int = 16,
    patch_size: int = 8,
) -> Path:
    """Write a tiny random vision-language checkpoint (LLaVA architecture: a one-layer CLIP vision
    tower, a projector and a Llama text model) with its processor (a CLIP image processor that
    resizes to ``image_size`` pixels, the tiny tokenizer plus an ``<image>`` token, a chat
    template that places images) to ``path``. ``AutoProcessor`` and
    ``AutoModelForImageTextToText`` load it; each image costs ``(image_size/patch_size)**2``
    tokens. Built in a second or two on CPU, no download."""
    import torch
    from transformers import (
        CLIPVisionConfig,
        GenerationConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    try:  # transformers 5 names the PIL-backed processor (no torchvision needed)
        from transformers import CLIPImageProcessorPil as ImageProcessor
    except ImportError:  # pragma: no cover - older transformers
        from transformers import CLIPImageProcessor as ImageProcessor  # type: ignore[assignment]

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tok: Any = build_tiny_tokenizer(seed)
    tok.add_special_tokens({"additional_special_tokens": [IMAGE_TOKEN]})
    ids = {t: tok.convert_tokens_to_ids(t) for t in [*SPECIALS, IMAGE_TOKEN]}
    text = _llama_config(len(tok), ids, hidden, layers)
    vision = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=image_size,
        patch_size=patch_size,
        projection_dim=32,
    )
    config = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=ids[IMAGE_TOKEN],
        image_seq_length=(image_size // patch_size) ** 2,
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",  # drop CLS: one token per patch
        projector_hidden_act="gelu",
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        bos_token_id=text.bos_token_id,
        eos_token_id=text.eos_token_id,
        pad_token_id=text.pad_token_id,
    )
    images = ImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    )
    processor = LlavaProcessor(
        image_processor=images,
        tokenizer=tok,
        patch_size=patch_size,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # the CLS token the vision tower adds (then dropped)
        chat_template=VLM_TEMPLATE,
        image_token=IMAGE_TOKEN,
    )
    model.save_pretrained(path)
    processor.save_pretrained(path)
    return path
