"""What a sandboxed call returns: how it ended, what it printed, what it used, and which limit
stopped it. ``unenforced`` travels with every result, so a record shows what this machine could
not enforce for that very call."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LimitName = Literal["wall_time", "cpu_time", "memory", "file_size", "processes"]
Mode = Literal["bwrap", "unshare", "none"]


class SandboxResult(BaseModel):
    """The outcome of one sandboxed call."""

    model_config = ConfigDict(extra="forbid")

    exit_code: int | None = Field(description="Exit status, or None when a signal ended it.")
    signal: int | None = Field(default=None, description="The signal that ended it, if any.")
    stdout: str = Field(description="Standard output (UTF-8, invalid bytes replaced), truncated.")
    stderr: str = Field(description="Standard error, truncated the same way.")
    stdout_truncated: bool = Field(default=False, description="stdout exceeded output_bytes.")
    stderr_truncated: bool = Field(default=False, description="stderr exceeded output_bytes.")
    wall_seconds: float = Field(description="Wall-clock time from start to exit.")
    cpu_seconds: float = Field(description="User + system CPU time of the process tree.")
    peak_memory_bytes: int = Field(description="Largest resident memory seen for the tree.")
    limit_hit: LimitName | None = Field(
        default=None, description="The limit that stopped the call, or None if none did."
    )
    mode: Mode = Field(description="How it was isolated: bubblewrap, unshare, or not at all.")
    unenforced: list[str] = Field(
        default_factory=list, description="Limits this machine could not enforce, and why."
    )
    workdir: str | None = Field(
        default=None, description="The work directory, when kept (keep_workdir=True)."
    )
    return_value: Any = Field(
        default=None, description="run_python with a function: its JSON return value."
    )
    exception: str | None = Field(
        default=None, description="run_python with a function: the exception it raised, if any."
    )

    @property
    def ok(self) -> bool:
        """Exited 0, no limit hit, and (for a function call) no exception."""
        return self.exit_code == 0 and self.limit_hit is None and self.exception is None
