"""Command line: ``serve`` runs the server; ``models list|download|remove`` manages weights."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from pathlib import Path

from ai_server import __version__
from ai_server.config import (
    DEFAULT_HOST,
    DEFAULT_JOB_TIMEOUT_S,
    DEFAULT_KEEP_DAYS,
    DEFAULT_KEEP_MB,
    DEFAULT_MAX_QUEUED,
    DEFAULT_PORT,
    MIN_TOKEN_CHARS,
    ServerConfig,
    default_data_dir,
)
from aura_addon.studio.urls import TOKEN_ENV, is_loopback_host  # shared with the add-on


class UsageError(Exception):
    """A bad command line: printed as one line, exit status 2."""


def _model_override(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE (e.g. shap-e=openai/shap-e), got '{text}'"
        )
    return key.strip(), value.strip()


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got '{text}'")
    return value


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of 0 or more, got '{text}'")
    return value


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got '{text}'")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    from ai_server.backends import BACKENDS

    parser = argparse.ArgumentParser(
        prog="python -m ai_server", description="Aura's local AI inference server"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server (models load once and stay)")
    serve.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST})"
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"jobs database and files (default {default_data_dir()}, or AURA_DATA_DIR)",
    )
    serve.add_argument(
        "--token-file",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"require 'Authorization: Bearer TOKEN', the token read from FILE (or set "
        f"{TOKEN_ENV}); needed off loopback; at least {MIN_TOKEN_CHARS} characters",
    )
    serve.add_argument(
        "--token",
        default=None,
        help=f"the token itself: visible to every user in the process list, prefer "
        f"--token-file or {TOKEN_ENV}",
    )
    serve.add_argument(
        "--keep-days",
        type=_non_negative,
        default=DEFAULT_KEEP_DAYS,
        metavar="DAYS",
        help=f"delete ended jobs (files and history) after DAYS (default {DEFAULT_KEEP_DAYS:g})",
    )
    serve.add_argument(
        "--keep-mb",
        type=_non_negative,
        default=DEFAULT_KEEP_MB,
        metavar="MB",
        help=f"past MB of job files the oldest ended jobs go first (default {DEFAULT_KEEP_MB:g})",
    )
    serve.add_argument(
        "--max-queued",
        type=_count,
        default=DEFAULT_MAX_QUEUED,
        metavar="N",
        help=f"refuse new jobs (HTTP 429) while N wait (default {DEFAULT_MAX_QUEUED})",
    )
    serve.add_argument(
        "--preload",
        nargs="+",
        default=[],
        choices=list(BACKENDS),
        metavar="BACKEND",
        help="load these models at startup",
    )
    serve.add_argument(
        "--model",
        action="append",
        type=_model_override,
        default=[],
        metavar="KEY=VALUE",
        help="override a model id",
    )
    serve.add_argument(
        "--job-timeout",
        type=_positive_seconds,
        default=DEFAULT_JOB_TIMEOUT_S,
        metavar="SECONDS",
        help="per-job time limit",
    )
    serve.add_argument(
        "--llm-url",
        default=None,
        metavar="URL",
        help="OpenAI-compatible endpoint for design intent, e.g. http://localhost:11434/v1 "
        "(key from AURA_LLM_API_KEY)",
    )
    serve.add_argument("--llm-model", default=None, metavar="MODEL", help="model name at --llm-url")
    serve.add_argument(
        "--llm-timeout",
        type=_positive_seconds,
        default=None,
        metavar="SECONDS",
        help="LLM request time limit (default 30); the rules answer past it",
    )
    serve.add_argument(
        "--broker",
        default=None,
        type=_broker_url,
        metavar="URL",
        help="fleet mode: hand jobs to Celery workers over this Redis, e.g. redis://host:6379/0 "
        f"(or set {BROKER_ENV}, which keeps a password off the command line)",
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    worker = commands.add_parser(
        "worker", help="fleet mode: run jobs from a Redis broker (models load once and stay)"
    )
    worker.add_argument(
        "--broker",
        default=None,
        type=_broker_url,
        metavar="URL",
        help=f"the Redis (or {BROKER_ENV})",
    )
    worker.add_argument(
        "--backends",
        nargs="+",
        default=["procedural"],
        choices=list(BACKENDS),
        metavar="BACKEND",
        help="backends to serve; the worker takes jobs from their queues (gpu: shap-e and "
        "image-to-3d, cpu: procedural)",
    )
    worker.add_argument(
        "--device", default=None, metavar="DEVICE", help="cuda, cuda:N or cpu (default: auto)"
    )
    worker.add_argument(
        "--model",
        action="append",
        type=_model_override,
        default=[],
        metavar="KEY=VALUE",
        help="override a model id",
    )
    worker.add_argument("--preload", action="store_true", help="load the models before taking jobs")
    worker.add_argument("--name", default=None, help="worker name (default kind@host:pid)")
    worker.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )

    models = commands.add_parser(
        "models", help="list, download or remove model weights (Hugging Face cache)"
    )
    actions = models.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="models, whether they are cached, and their size on disk")
    download = actions.add_parser("download", help="download a model's weights")
    download.add_argument("name")
    remove = actions.add_parser("remove", help="delete a model's weights from the cache")
    remove.add_argument("name")
    return parser


def read_token(args: argparse.Namespace) -> str | None:
    """The token from --token-file, --token or the environment (empty there means unset);
    one that is empty or short is refused."""
    if args.token_file is not None:
        try:
            token, source = args.token_file.expanduser().read_text().strip(), "--token-file"
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the token file {args.token_file}: {exc}") from None
    elif args.token is not None:
        token, source = args.token, "--token"
        print(
            f"warning: a token on the command line is visible to other users (ps); use "
            f"--token-file or {TOKEN_ENV} instead",
            file=sys.stderr,
        )
    else:
        token, source = os.environ.get(TOKEN_ENV) or None, TOKEN_ENV
        if token is None:
            return None
    if len(token) < MIN_TOKEN_CHARS:
        raise UsageError(
            f"the token from {source} is {len(token)} characters; use at least "
            f"{MIN_TOKEN_CHARS} (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return token


BROKER_ENV = "AURA_BROKER_URL"


def broker_from(value: str | None) -> str | None:
    """--broker, else $AURA_BROKER_URL (checked the same way), else None."""
    if value is not None:
        return value
    env = os.environ.get(BROKER_ENV)
    if not env:
        return None
    try:
        return _broker_url(env)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{BROKER_ENV}: {exc}") from None


def _broker_url(text: str) -> str:
    if not text.startswith(("redis://", "rediss://", "unix://")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a Redis URL; expected redis://HOST:PORT/DB (or rediss://, unix://)"
        )
    return text


def serve_config(args: argparse.Namespace) -> ServerConfig:
    token = read_token(args)
    if not is_loopback_host(args.host) and not token:
        raise UsageError(
            f"refusing to listen on {args.host} without a token: anyone on the network could use the "
            f"server. Set {TOKEN_ENV} or pass --token-file FILE, or bind 127.0.0.1."
        )
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be 1..65535, got {args.port}")
    return ServerConfig(
        host=args.host,
        port=args.port,
        data_dir=(args.data_dir or default_data_dir()).expanduser().resolve(),
        token=token,
        preload=list(dict.fromkeys(args.preload)),
        models=dict(args.model),
        job_timeout_s=args.job_timeout,
        llm_url=args.llm_url,
        llm_model=args.llm_model,
        llm_timeout_s=args.llm_timeout,
        keep_days=args.keep_days,
        keep_mb=args.keep_mb,
        max_queued=args.max_queued,
        broker=broker_from(args.broker),
    )


def serve(args: argparse.Namespace) -> int:
    config = serve_config(args)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    import uvicorn

    from ai_server.app import create_app

    try:
        app = create_app(config)
    except (OSError, sqlite3.Error) as exc:
        raise UsageError(f"cannot use the data dir {config.data_dir}: {exc}") from exc
    logging.getLogger("ai_server").info(
        "Aura AI server %s on http://%s:%d (data: %s)",
        __version__,
        config.host,
        config.port,
        config.data_dir,
    )
    uvicorn.run(app, host=config.host, port=config.port, log_level=args.log_level, access_log=False)
    return 0


def run_fleet_worker(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from ai_server.fleet.worker import run_worker, select_device

    broker = broker_from(args.broker)
    if broker is None:
        raise UsageError(f"a worker needs a broker: --broker redis://HOST:6379/0 (or {BROKER_ENV})")
    try:
        select_device(args.device)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return run_worker(
        broker,
        list(dict.fromkeys(args.backends)),
        device=args.device,
        models=dict(args.model),
        preload=args.preload,
        name=args.name,
        log_level=args.log_level,
    )


def run_models(args: argparse.Namespace) -> int:
    from ai_server import models  # lazily: it pulls in huggingface_hub

    if args.action == "list":
        result = models.models_list()
    elif args.action == "download":
        result = models.models_download(args.name)
    else:
        result = models.models_remove(args.name)
    return result if isinstance(result, int) else 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "worker":
            return run_fleet_worker(args)
        return run_models(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from ai_server.backends.base import BackendError

        if not isinstance(exc, BackendError):
            raise
        print(f"error: {exc}", file=sys.stderr)  # e.g. an unknown model name, a failed download
        return 1
    except KeyboardInterrupt:
        return 130
