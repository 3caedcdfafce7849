"""The model weights the diffusers backends use: which, where they are, and managing them.

Every model has a key, the same one ``serve --model KEY=VALUE`` overrides and
``python -m ai_server models download KEY`` fetches. A value is a Hugging Face repo id (its
files live in the Hugging Face cache), a local directory saved with ``save_pretrained``, or, for
background removal, a rembg model name or a local ``.onnx`` file.

Nothing here loads a model or imports torch: ``models list`` answers in well under a second.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from ai_server.backends.base import BackendError

DIFFUSERS = "diffusers"
REMBG = "rembg"


@dataclass(frozen=True)
class ModelEntry:
    key: str  # --model key and `models download` name
    backend: str
    role: str  # what it does, for people
    default: str  # repo id (diffusers) or rembg model name
    kind: str  # DIFFUSERS | REMBG


MODEL_ENTRIES: tuple[ModelEntry, ...] = (
    ModelEntry("shap-e", "shap-e", "text -> 3D", "openai/shap-e", DIFFUSERS),
    ModelEntry(
        "image-to-3d.text2image",
        "image-to-3d",
        "text -> image",
        "stabilityai/sdxl-turbo",
        DIFFUSERS,
    ),
    ModelEntry(
        "image-to-3d.img2mesh", "image-to-3d", "image -> 3D", "openai/shap-e-img2img", DIFFUSERS
    ),
    ModelEntry("image-to-3d.rembg", "image-to-3d", "background removal", "u2net", REMBG),
)
ENTRIES_BY_KEY = {entry.key: entry for entry in MODEL_ENTRIES}


class ModelsError(BackendError):
    """A models command that cannot be done; the message says why and what to do."""


def describe_error(exc: BaseException) -> str:
    """``Type: message`` without a trailing period, to sit inside a sentence."""
    return f"{type(exc).__name__}: {str(exc).strip().rstrip('.')}"


def download_command(name: str) -> str:
    return f"python -m ai_server models download {name}"


def download_name(entry: ModelEntry, value: str) -> str:
    """What to pass to ``models download`` for this model: its key when it is the default,
    else the overriding repo id or rembg name itself."""
    return entry.key if value == entry.default else value


def model_value(key: str, overrides: dict[str, str] | None = None) -> str:
    """The configured model for ``key``: the --model override, else the default."""
    return (overrides or {}).get(key) or ENTRIES_BY_KEY[key].default


def is_local_path(value: str) -> bool:
    """A local path rather than a hub id (``owner/name``) or a rembg model name."""
    path = Path(value).expanduser()
    return (
        path.is_absolute()
        or value.startswith(("./", "../", "~"))
        or value.endswith(".onnx")
        or path.exists()
    )


# --------------------------------------------------------------------------------- presence


def _cache_dir() -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def diffusers_weights_present(value: str) -> bool:
    """True when a diffusers pipeline is on disk: a local dir with model_index.json, or the
    repo's model_index.json in the Hugging Face cache. Reads no weights, asks no server."""
    if is_local_path(value):
        return (Path(value).expanduser() / "model_index.json").is_file()
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(value, "model_index.json"), str)
    except ValueError:  # not a valid repo id
        return False


def rembg_model_file(value: str) -> Path:
    """Where a rembg model lives: the .onnx path itself, or rembg's own model folder."""
    if is_local_path(value):
        return Path(value).expanduser()
    from rembg.sessions.base import BaseSession

    return Path(BaseSession.u2net_home()) / f"{value}.onnx"


def rembg_session_names() -> list[str]:
    from rembg.sessions import sessions_names

    return [name for name in sessions_names if not name.endswith("_custom")]


def is_present(entry: ModelEntry, value: str) -> bool:
    if entry.kind == REMBG:
        return rembg_model_file(value).is_file()
    return diffusers_weights_present(value)


def missing_message(entry: ModelEntry, value: str) -> str:
    """The one message a user sees when weights are absent: which model, how to get it."""
    if is_local_path(value):
        wanted = "an .onnx file" if entry.kind == REMBG else "a directory with model_index.json"
        return (
            f"Model '{value}' ({entry.key}, {entry.role}) was not found: expected {wanted}. "
            f"Fix the path given to --model {entry.key}=..., or leave it out to use "
            f"'{entry.default}' (get it with: {download_command(entry.key)})."
        )
    return (
        f"Model '{value}' (backend {entry.backend}, {entry.role}) is not downloaded. "
        f"Run: {download_command(download_name(entry, value))}"
    )


class LazyModel:
    """A configured model, loaded on first use and then kept for the server's life.

    Subclasses say how to load it (``_load``); a missing file is their ModelMissing.
    """

    def __init__(self, entry_key: str, overrides: dict[str, str]):
        self.entry = ENTRIES_BY_KEY[entry_key]
        self.model = model_value(entry_key, overrides)
        self._value = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def present(self) -> bool:
        return is_present(self.entry, self.model)

    def missing_message(self) -> str:
        return missing_message(self.entry, self.model)

    def get(self):
        """The loaded model; loads it the first time."""
        with self._lock:
            if self._value is None:
                self._value = self._load()
            return self._value

    def _load(self):
        raise NotImplementedError


# ------------------------------------------------------------------------------------- list


def _format_size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return "-"
    size = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _cached_repos() -> dict[str, object]:
    """repo id -> huggingface_hub CachedRepoInfo, for the models in the HF cache."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        info = scan_cache_dir(_cache_dir())
    except CacheNotFound:
        return {}
    return {repo.repo_id: repo for repo in info.repos if repo.repo_type == "model"}


def models_list(overrides: dict[str, str] | None = None, *, echo: bool = True) -> list[dict]:
    """One row per model: key, backend, role, model, where, downloaded, size (bytes, text).
    With ``echo`` (what ``models list`` does) the table is printed too."""
    repos = _cached_repos()
    rows = []
    for entry in MODEL_ENTRIES:
        value = model_value(entry.key, overrides)
        present = is_present(entry, value)
        size, where = None, None
        if entry.kind == REMBG or is_local_path(value):
            path = rembg_model_file(value) if entry.kind == REMBG else Path(value).expanduser()
            where = str(path)
            if path.is_file():
                size = path.stat().st_size
            elif path.is_dir():
                size = _directory_size(path)
        elif value in repos:
            size, where = repos[value].size_on_disk, str(repos[value].repo_path)
        rows.append(
            {
                "name": entry.key,
                "backend": entry.backend,
                "role": entry.role,
                "model": value,
                "downloaded": present,
                "size_bytes": size,
                "size": _format_size(size),
                "path": where,
            }
        )
    if echo:
        print(format_models_table(rows))
    return rows


def format_models_table(rows: list[dict]) -> str:
    header = ("NAME", "MODEL", "ROLE", "DOWNLOADED", "SIZE")
    lines = [header] + [
        (r["name"], r["model"], r["role"], "yes" if r["downloaded"] else "no", r["size"])
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
    return text.rstrip() + f"\n(Hugging Face cache: {_cache_dir()})"


# ---------------------------------------------------------------------------- download


def resolve(name: str, overrides: dict[str, str] | None = None) -> list[tuple[ModelEntry, str]]:
    """(entry, model) pairs a ``models download|remove NAME`` means: a model key, a backend
    (all its models), a rembg model name, or any Hugging Face repo id ``owner/name`` (for a
    model given with ``serve --model KEY=owner/name``)."""
    if name in ENTRIES_BY_KEY:
        return [(ENTRIES_BY_KEY[name], model_value(name, overrides))]
    by_backend = [e for e in MODEL_ENTRIES if e.backend == name]
    if by_backend:
        return [(e, model_value(e.key, overrides)) for e in by_backend]
    by_default = [e for e in MODEL_ENTRIES if e.default == name]
    if by_default:
        return [(e, name) for e in by_default]
    if name in rembg_session_names():
        return [(ENTRIES_BY_KEY["image-to-3d.rembg"], name)]
    owner, slash, repo = name.partition("/")
    if slash and owner and repo and "/" not in repo and not is_local_path(name):
        return [(ModelEntry(name, "-", "diffusers pipeline", name, DIFFUSERS), name)]
    known = sorted({e.key for e in MODEL_ENTRIES} | {e.backend for e in MODEL_ENTRIES})
    raise ModelsError(
        f"unknown model '{name}'; use one of {', '.join(known)}, a rembg model name, "
        "or a Hugging Face repo id (owner/name)"
    )


def _is_weight_file(name: str) -> bool:
    return name.endswith((".safetensors", ".bin"))


def _pipeline_files(repo_files: list[str], components: list[str]) -> list[str]:
    """The files ``from_pretrained`` (no variant) reads: model_index.json, each component's
    configs and tokenizer files, and its default-precision weights, safetensors before .bin.
    Leaves out single-file checkpoints, other precisions (".fp16." etc.), ONNX and Flax."""
    wanted = ["model_index.json"]
    for component in components:
        files = [f for f in repo_files if f.startswith(component + "/") and f.count("/") == 1]
        wanted += [f for f in files if f.endswith((".json", ".txt", ".model"))]
        # "model.safetensors" is the default precision; "model.fp16.safetensors" a variant.
        default_weights = [f for f in files if _is_weight_file(f) and Path(f).name.count(".") == 1]
        for extension in (".safetensors", ".bin"):
            chosen = [f for f in default_weights if f.endswith(extension)]
            if chosen:
                wanted += chosen
                break
    return wanted


def _download_diffusers(entry: ModelEntry, repo_id: str) -> str:
    from huggingface_hub import HfApi, hf_hub_download, snapshot_download

    index_path = hf_hub_download(repo_id, "model_index.json")
    index = json.loads(Path(index_path).read_text())
    components = [
        name
        for name, value in index.items()
        if not name.startswith("_") and isinstance(value, list) and value[0] is not None
    ]
    files = _pipeline_files(HfApi().list_repo_files(repo_id), components)
    print(f"{entry.key}: downloading {repo_id} ({len(files)} files) ...", flush=True)
    # snapshot_download shows a progress bar per file and resumes interrupted downloads.
    return snapshot_download(repo_id, allow_patterns=files)


def _download_rembg(entry: ModelEntry, value: str) -> str:
    if value not in rembg_session_names():
        raise ModelsError(
            f"'{value}' is not a rembg model; known: {', '.join(rembg_session_names())}"
        )
    from rembg import new_session

    print(f"{entry.key}: downloading rembg model '{value}' ...", flush=True)
    new_session(value)  # rembg fetches its model on first use, with a progress bar
    return str(rembg_model_file(value))


def _offline() -> bool:
    from huggingface_hub import constants

    flag = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    return flag or constants.HF_HUB_OFFLINE


def models_download(name: str, overrides: dict[str, str] | None = None) -> list[str]:
    """Download a model (or all of a backend's); returns where each one is on disk."""
    paths = []
    for entry, value in resolve(name, overrides):
        if is_local_path(value):
            raise ModelsError(
                f"{entry.key} is set to the local path '{value}': there is nothing to download"
            )
        if _offline():
            raise ModelsError(
                f"cannot download '{value}' ({entry.key}): offline mode is on (HF_HUB_OFFLINE "
                "is set). Unset HF_HUB_OFFLINE on a machine with network access and run again."
            )
        try:
            if entry.kind == REMBG:
                paths.append(_download_rembg(entry, value))
            else:
                paths.append(_download_diffusers(entry, value))
        except ModelsError:
            raise
        except Exception as exc:  # network, auth, disk: one clear line, not a traceback
            raise ModelsError(
                f"could not download '{value}' ({entry.key}): {describe_error(exc)}. "
                "Check the network connection (and HF_TOKEN for a gated model)."
            ) from exc
        print(f"{entry.key}: ready at {paths[-1]}", flush=True)
    return paths


# ------------------------------------------------------------------------------- remove


def models_remove(
    name: str, overrides: dict[str, str] | None = None, *, echo: bool = True
) -> list[str]:
    """Delete a model's files from the cache; returns (and prints, with ``echo``) a line per
    model saying what was freed."""
    done = []
    repos = None
    for entry, value in resolve(name, overrides):
        if is_local_path(value):
            raise ModelsError(
                f"{entry.key} is the local path '{value}': Aura does not delete your own files"
            )
        if entry.kind == REMBG:
            path = rembg_model_file(value)
            if not path.is_file():
                done.append(f"{entry.key}: '{value}' was not downloaded")
                continue
            size = path.stat().st_size
            path.unlink()
            done.append(f"{entry.key}: removed '{value}' ({_format_size(size)})")
            continue
        repos = _cached_repos() if repos is None else repos
        repo = repos.get(value)
        if repo is None:
            done.append(f"{entry.key}: '{value}' was not downloaded")
            continue
        shutil.rmtree(repo.repo_path)  # the repo's blobs, snapshots and refs: nothing shared
        done.append(f"{entry.key}: removed '{value}' ({_format_size(repo.size_on_disk)})")
    if echo:
        print("\n".join(done))
    return done
