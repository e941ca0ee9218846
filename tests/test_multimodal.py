"""Multimodal messages: content parts validated at the boundary, text callers unchanged, images
stored by content hash beside a run."""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from harness.blobs import BlobStore
from harness.context import SolveContext
from harness.errors import ImageInputError, UserError
from harness.hookspecs import hookimpl
from harness.plugins.manager import PluginManager, get_manager
from harness.run.runner import Runner
from harness.schemas import (
    GenerateConfig,
    ImagePart,
    Message,
    RunConfig,
    Sample,
    SampleRecord,
    SolveOutput,
    TextPart,
    has_images,
    text_of,
)
from harness.task import Task


def png_bytes(color: tuple[int, int, int] = (255, 0, 0), size: int = 8) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "red.png"
    path.write_bytes(png_bytes())
    return path


def test_text_content_is_unchanged() -> None:
    m = Message(role="user", content="hello")
    assert m.content == "hello" and m.text == "hello" and m.images == []
    assert m.to_openai() == {"role": "user", "content": "hello"}
    assert json.loads(m.model_dump_json())["content"] == "hello"
    assert not has_images([m]) and not has_images("text")


def test_parts_from_path_bytes_and_data_url(png: Path) -> None:
    data = png.read_bytes()
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    m = Message(
        role="user",
        content=[
            {"type": "text", "text": "What colour?"},
            {"type": "image", "path": str(png)},
            ImagePart(data=data),
            {"type": "image_url", "image_url": {"url": url}},  # OpenAI's shape is read too
        ],
    )
    assert isinstance(m.content, list) and isinstance(m.content[0], TextPart)
    assert [p.media_type for p in m.images] == ["image/png"] * 3
    assert {p.read_bytes() for p in m.images} == {data}
    assert len({p.digest() for p in m.images}) == 1
    assert m.text == "What colour?"
    assert text_of(m, show_images=True).startswith(f"What colour?\n[image {png}]")
    out = m.to_openai()["content"]
    assert out[0] == {"type": "text", "text": "What colour?"}
    assert [p["image_url"]["url"] for p in out[1:]] == [url] * 3
    # bytes travel as base64 in JSON and come back equal
    again = Message.model_validate_json(m.model_dump_json())
    assert again == m
    assert "null" not in json.dumps(json.loads(m.model_dump_json())["content"])


@pytest.mark.parametrize(
    ("part", "says"),
    [
        ({"type": "audio", "data": "x"}, "unknown type 'audio'"),
        ({"type": "image", "path": "/no/such/image.png"}, "image file not found"),
        ({"type": "image"}, "exactly one of path, data, url or blob"),
        ({"type": "image", "data": b"plain text"}, "not an image format"),
        ({"type": "image", "url": "https://example.com/a.png"}, "data:image/"),
        ({"type": "image", "blob": "md5:abc"}, "sha256:"),
        ({"type": "text"}, "text: Field required"),
    ],
)
def test_bad_parts_are_one_clear_error(part: dict, says: str) -> None:
    with pytest.raises(ValidationError) as info:
        Message(role="user", content=[part])
    errors = info.value.errors()
    assert len(errors) == 1 and says in errors[0]["msg"], errors


def test_blobs_store_by_hash_once(tmp_path: Path, png: Path) -> None:
    store = BlobStore(tmp_path / "run" / "blobs")
    red, blue = png_bytes(), png_bytes((0, 0, 255))
    user = Message(
        role="user",
        content=[
            "look",
            ImagePart(path=str(png)),
            ImagePart(data=red),
            {"type": "image", "data": base64.b64encode(blue).decode()},
        ],
    )
    record = SampleRecord(
        sample_id="s",
        status="ok",
        input=[user],
        output=SolveOutput(
            completion="red", messages=[user, Message(role="assistant", content="red")]
        ),
    )
    stored = store.store_record(record)
    line = stored.model_dump_json()
    assert base64.b64encode(red).decode()[:40] not in line  # never inline
    assert str(png) not in line
    files = sorted(p for p in (tmp_path / "run" / "blobs").rglob("*") if p.is_file())
    assert len(files) == 2  # red twice (path and bytes) and in input and transcript: stored once
    again = SampleRecord.model_validate_json(line)
    parts = again.input[0].images  # type: ignore[union-attr]
    refs = [p.blob for p in parts]
    assert refs[0] == refs[1] and refs[0] != refs[2]
    assert parts[0].read_bytes(store.root) == red and parts[2].read_bytes(store.root) == blue
    assert {f.name for f in files} == {r.split(":")[1] for r in refs if r}
    # a record without images is handed back as it is
    plain = SampleRecord(sample_id="t", status="ok", input="hi")
    assert store.store_record(plain) is plain


# --------------------------------------------------------------------------- runs with images


class ImageOptions(BaseModel):
    image_dir: str
    missing: bool = False


class ImageQA(Task):
    """Three samples asking about an image file (two share one), optionally a fourth whose
    image does not exist."""

    name = "test-image-qa"
    description = "images in samples (test)"
    Options = ImageOptions

    def samples(self) -> Iterator[Sample]:
        folder = Path(self.options.image_dir)
        names = ["red.png", "red.png", "blue.png"] + (["gone.png"] * self.options.missing)
        for i, name in enumerate(names):
            content = [
                TextPart(text="What colour is this?"),
                {"type": "image", "path": str(folder / name)},
            ]
            yield Sample(id=str(i), input=[Message(role="user", content=content)], target=name[:-4])

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        assert not isinstance(sample.input, str)
        reply = await ctx.model.generate(sample.input, max_tokens=4)
        return SolveOutput(
            completion=reply.text,
            messages=[*sample.input, reply.message()],
            metadata={"input_tokens": reply.usage.input_tokens},
        )


class ImagePlugin:
    @hookimpl
    def register_tasks(self, register: Any) -> None:
        register(ImageQA.name, ImageQA, description=ImageQA.description)


@pytest.fixture
def image_task(tmp_path: Path) -> Iterator[tuple[PluginManager, Path]]:
    folder = tmp_path / "images"
    folder.mkdir()
    (folder / "red.png").write_bytes(png_bytes((255, 0, 0), 24))
    (folder / "blue.png").write_bytes(png_bytes((0, 0, 255), 24))
    manager = get_manager()
    if ImageQA.name not in manager.registry("tasks").names():
        manager.register_plugin(ImagePlugin(), ImageQA.name)
        manager.collect()
    yield manager, folder


def _run(manager: PluginManager, folder: Path, out: Path, model: str, **opts: Any) -> Path:
    cfg = RunConfig(task=ImageQA.name, task_params={"image_dir": str(folder), **opts}, model=model)
    run_dir, _ = Runner(cfg, out, manager=manager).run()
    return run_dir


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    from harness.backends.hf.tiny import build_tiny_vlm_checkpoint

    return build_tiny_vlm_checkpoint(tmp_path_factory.mktemp("vlm") / "tiny-vlm")


def test_a_multimodal_run_through_hf_on_a_tiny_vlm(
    image_task: tuple[PluginManager, Path], tiny_vlm: Path, tmp_path: Path
) -> None:
    manager, folder = image_task
    run_dir = _run(manager, folder, tmp_path / "runs", f"hf/{tiny_vlm}")
    lines = (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    records = [SampleRecord.model_validate_json(x) for x in lines]
    assert [r.status for r in records] == ["ok"] * 3, [r.error for r in records]
    # the processor put one token per image patch (16 px / 8 px patches = 4) into the prompt
    text_only = HFTokens(tiny_vlm).count("What colour is this?")
    assert {r.output.metadata["input_tokens"] for r in records if r.output} == {text_only + 4}
    # images are stored once each by hash beside the run, never inline in the journal
    blobs = sorted(p for p in (run_dir / "blobs").rglob("*") if p.is_file())
    red, blue = (folder / "red.png").read_bytes(), (folder / "blue.png").read_bytes()
    assert sorted(b.read_bytes() for b in blobs) == sorted([red, blue])
    journal = "\n".join(lines)
    assert str(folder) not in journal and base64.b64encode(red).decode()[:32] not in journal
    parts = [p for r in records for m in r.output.messages for p in m.images]  # type: ignore[union-attr]
    assert len(parts) == 3 and all(p.blob for p in parts)
    assert parts[0].read_bytes(run_dir / "blobs") == red
    # the viewer's transcript shows a reference to the stored image
    from harness.view.data import conversation

    turns = conversation(records[2])
    assert any(f"[image {parts[2].blob}]" in t.content for t in turns)


class HFTokens:
    """Token counts by the tiny VLM's own processor (the prompt without its image)."""

    def __init__(self, path: Path) -> None:
        from transformers import AutoProcessor

        self.proc = AutoProcessor.from_pretrained(path)

    def count(self, text: str) -> int:
        msgs = [{"role": "user", "content": [{"type": "text", "text": text}]}]
        prompt = self.proc.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
        return len(self.proc.tokenizer(prompt, add_special_tokens=False)["input_ids"])


def test_the_embedded_model_refuses_an_image_as_the_samples_error(
    image_task: tuple[PluginManager, Path], tmp_path: Path
) -> None:
    manager, folder = image_task
    run_dir = _run(manager, folder, tmp_path / "runs", "llamacpp/smollm2")
    records = [
        SampleRecord.model_validate_json(x)
        for x in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [r.status for r in records] == ["error"] * 3
    for r in records:
        assert r.error is not None and r.error.type == "ImageInputError"
        assert "llamacpp/smollm2 cannot take images" in r.error.message
    assert all(p.blob for r in records for p in r.input[0].images)  # type: ignore[union-attr]


def test_a_text_only_hf_checkpoint_refuses_an_image(tmp_path: Path, png: Path) -> None:
    pytest.importorskip("transformers")
    from harness.backends.hf.model import HFModel
    from harness.backends.hf.tiny import build_tiny_checkpoint

    model = HFModel(str(build_tiny_checkpoint(tmp_path / "tiny", layers=1, hidden=32)))
    msg = Message(role="user", content=["what is this", ImagePart(path=str(png))])
    with pytest.raises(ImageInputError, match="cannot take images"):
        asyncio.run(model.generate([msg], None, GenerateConfig(max_tokens=2)))
    # text still works on it
    reply = asyncio.run(
        model.generate([Message(role="user", content="hi")], None, GenerateConfig(max_tokens=2))
    )
    assert reply.usage.input_tokens > 0


def test_a_missing_image_is_rejected_at_load(
    image_task: tuple[PluginManager, Path], tmp_path: Path
) -> None:
    manager, folder = image_task
    with pytest.raises(UserError, match=r"image file not found: .*gone\.png"):
        _run(manager, folder, tmp_path / "runs", "scripted/echo", missing=True)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").rglob("samples.jsonl"))


def test_vllm_builds_multimodal_inputs_from_the_processor(tiny_vlm: Path, png: Path) -> None:
    """vllm is not installed here: what its offline engine would get is built and checked on
    CPU (the real engine runs in the gpu-marked test below)."""
    from harness.backends.vllm.model import VLLMModel, _Request

    model = VLLMModel.create(str(tiny_vlm), {})
    msg = Message(role="user", content=["What colour?", ImagePart(path=str(png))])
    text_req = _Request([Message(role="user", content="hi")], None, GenerateConfig(seed=1))
    image_req = _Request([msg], None, GenerateConfig(seed=2, max_tokens=3))
    assert text_req.key() != image_req.key()  # never batched together
    p = model.payload([image_req])
    (item,) = p["prompts"]
    assert (
        item["prompt"] == "<|im_start|>user\nWhat colour?<image><|im_end|>\n<|im_start|>assistant\n"
    )
    image = item["multi_modal_data"]["image"]
    assert image.size == (8, 8) and image.getpixel((0, 0)) == (255, 0, 0)
    assert p["sampling"][0]["seed"] == 2 and p["sampling"][0]["max_tokens"] == 3
    # a text-only checkpoint refuses the image, request by request
    from harness.backends.hf.tiny import build_tiny_checkpoint

    plain = VLLMModel.create(str(build_tiny_checkpoint(tiny_vlm.parent / "plain", layers=1)), {})
    (err,) = plain._run_batch([image_req], 0)
    assert isinstance(err, ImageInputError)


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vllm not installed")
def test_vllm_engine_answers_an_image(tiny_vlm: Path, png: Path) -> None:
    from harness.backends.vllm.model import VLLMModel

    model = VLLMModel.create(
        str(tiny_vlm), {"gpu_memory_utilization": 0.3, "enforce_eager": True, "max_model_len": 512}
    )
    model.check()
    msg = Message(role="user", content=["What colour?", ImagePart(path=str(png))])

    async def go() -> Any:
        try:
            return await model.generate([msg], None, GenerateConfig(max_tokens=4))
        finally:
            await model.aclose()

    reply = asyncio.run(go())
    assert reply.usage.input_tokens > 4  # the image's patch tokens are in the prompt
