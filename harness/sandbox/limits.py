"""What a sandboxed call may use. Every limit is required to be positive: a zero or negative
limit is a mistake in the caller's configuration, reported as a :class:`UserError`, not a
sandbox that kills everything at once (or nothing ever)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import UserError

MiB = 1 << 20


class SandboxLimits(BaseModel):
    """Limits of one sandboxed call. The defaults fit compiling and testing a small project."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    wall_seconds: float = Field(default=60.0, gt=0, description="Wall-clock time, in seconds.")
    cpu_seconds: float = Field(
        default=60.0, gt=0, description="CPU time of the whole process tree, in seconds."
    )
    memory_bytes: int = Field(
        default=2048 * MiB, gt=0, description="Resident memory of the whole process tree."
    )
    file_size_bytes: int = Field(
        default=256 * MiB, gt=0, description="Largest file any process may write (RLIMIT_FSIZE)."
    )
    processes: int = Field(
        default=512,
        gt=0,
        description="Processes and threads alive at once (a JVM alone starts about 20 threads).",
    )
    open_files: int = Field(default=1024, gt=0, description="Open file descriptors per process.")
    output_bytes: int = Field(
        default=1 * MiB,
        gt=0,
        description="Bytes of stdout and of stderr kept; the rest is counted.",
    )

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'limits'}: {err['msg']}"
                for err in exc.errors()
            )
            raise UserError(f"bad sandbox limits: {problems}") from None
