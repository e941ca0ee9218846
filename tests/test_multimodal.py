"""Multimodal messages: content parts validated at the boundary, text callers unchanged, images
stored by content hash beside a run."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from harness.blobs import BlobStore
from harness.schemas import (
    ImagePart,
    Message,
    SampleRecord,
    SolveOutput,
    TextPart,
    has_images,
    text_of,
)


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
