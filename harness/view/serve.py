"""``harness view``: serve the app with uvicorn, or export the static site."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from harness.errors import UserError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_root(root: Path) -> None:
    if not root.exists():
        raise UserError(f"{root}: no such directory (give a folder of runs, or a run directory)")
    if not root.is_dir():
        raise UserError(f"{root}: not a directory")


def serve(root: Path, host: str, port: int, token: str | None) -> int:
    """Serve until interrupted. A non-loopback ``host`` needs a ``token``."""
    check_root(root)
    if not is_loopback(host) and not token:
        raise UserError(
            f"--host {host} is reachable from other machines: give --token SECRET too "
            "(every request must carry it)"
        )
    if not 0 <= port <= 65535:
        raise UserError(f"--port {port}: not a port number")
    from harness.view.app import _missing_extra, create_app

    try:
        import uvicorn
    except ImportError as exc:
        raise _missing_extra(exc) from None
    app = create_app(root.resolve(), token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    query = f"/?token={token}" if token else "/"

    async def started() -> None:
        sock = server.servers[0].sockets[0] if server.servers else None
        real = sock.getsockname()[1] if sock is not None else port
        print(f"harness view: serving {root} at http://{shown}:{real}{query}", flush=True)

    import asyncio

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        if server.started:
            await started()
        await task

    try:
        asyncio.run(main())
    except OSError as exc:
        raise UserError(f"cannot serve on {host}:{port} ({exc.strerror or exc})") from None
    if not server.started:
        raise UserError(f"cannot serve on {host}:{port} (see the message above)")
    print("harness view: stopped", file=sys.stderr)
    return 0


def export(root: Path, out: Path) -> int:
    check_root(root)
    from harness.view.export import export_site

    n = export_site(root, out)
    print(f"harness view: wrote {n} pages to {out} (open {out / 'index.html'})")
    return 0
