"""Production: words or a design spec -> (plan) -> (motif) -> build -> files, for one design in
one size or a whole size run, and batches of such items.

No UI and no bpy at import (the pipeline is imported when a ring is built): the batch script
and the add-on's operators share this code (reaching the server, planning, fetching motifs,
the one-line summaries); the operators only add threads, progress and Blender state. Failures are `ProductionError`s carrying the exit
code the batch script reports: 2 bad input, 3 server unreachable or a generation job failed,
4 a print check failed.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..jewelry import sizes
from ..jewelry.materials import METALS, STONES
from ..jewelry.spec import BACKENDS, DesignSpec, Motif, RingSize, SpecError
from . import client as aura_client
from . import downloads
from .errors import UserError
from .urls import default_url, is_loopback_url

EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug, never a user mistake: reported with its traceback
EXIT_BAD_INPUT = 2
EXIT_SERVER = 3
EXIT_CHECKS = 4
# Worst first: nothing built at all outranks a ring that was built but failed a check.
_SEVERITY = {EXIT_OK: 0, EXIT_CHECKS: 1, EXIT_BAD_INPUT: 2, EXIT_SERVER: 3, EXIT_INTERNAL: 4}


def worst(codes) -> int:
    return max(codes, key=lambda c: _SEVERITY.get(c, 5), default=EXIT_OK)


class ProductionError(UserError):
    code = EXIT_INTERNAL


class BadInput(ProductionError):
    code = EXIT_BAD_INPUT


class ServerFailure(ProductionError):
    code = EXIT_SERVER


# Progress ------------------------------------------------------------------------------------


class Progress:
    """One line per stage, prefixed by the time since the run began."""

    def __init__(self, emit: Callable[[str], None] | None = None):
        self.start = time.perf_counter()
        self._emit = emit or (lambda line: print(line, file=sys.stderr, flush=True))

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def __call__(self, message: str) -> None:
        self._emit(f"[{self.elapsed():7.2f}s] {message}")


def _quiet(_message: str) -> None:
    pass


# Inputs: sizes, overrides, batch lines -------------------------------------------------------


def parse_size(text: str) -> RingSize:
    """'US:7', 'UK:M 1/2', 'EU:54', 'JP:11', or 'mm:17.3' (a raw inner diameter)."""
    system, sep, value = str(text).partition(":")
    system, value = system.strip().upper(), value.strip()
    if not sep or not value:
        raise BadInput(f"size {text!r}: write SYSTEM:VALUE, e.g. US:7, UK:M 1/2, EU:54 or mm:17.3")
    if system == "MM":
        try:
            diameter = float(value)
        except ValueError:
            raise BadInput(f"size {text!r}: {value!r} is not a number of millimetres") from None
        size = RingSize(system=None, value=None, diameter_mm=diameter)
    else:
        if system not in sizes.SYSTEMS:
            allowed = ", ".join(sizes.SYSTEMS)
            raise BadInput(f"size {text!r}: system {system!r} is unknown; allowed: {allowed}, mm")
        if system != "UK":
            try:
                number = float(value)
            except ValueError:
                raise BadInput(f"size {text!r}: {value!r} is not a {system} size number") from None
            value = int(number) if number.is_integer() else number
        size = RingSize(system=system, value=value)
    try:
        size.validate()
    except SpecError as exc:
        raise BadInput(f"size {text!r}: {exc.allowed}") from None
    return size


def size_slug(size: RingSize) -> str:
    """A file-name-safe size tag: US7, US7.5, UK_M, UK_M_half, EU54, 17.3mm."""
    if size.diameter_mm is not None:
        return f"{size.diameter_mm:g}mm"
    value = sizes.format_value(size.value)
    if size.system == "UK":
        return "UK_" + value.replace(" 1/2", "_half").replace(" ", "")
    return f"{size.system}{value}"


def slug(text: str, fallback: str = "ring") -> str:
    tag = re.sub(r"[^a-z0-9._-]+", "-", str(text).lower()).strip("-._")[:60]
    return tag or fallback


@dataclass
class Overrides:
    """Values forced onto a planned or loaded spec (the command line's --size, --metal, ...)."""

    size: RingSize | None = None
    metal: str | None = None
    backend: str | None = None
    seed: int | None = None

    @staticmethod
    def check_metal(metal: str) -> str:
        if metal not in METALS:
            raise BadInput(f"metal {metal!r} is unknown; allowed: {', '.join(METALS)}")
        return metal

    @staticmethod
    def check_backend(backend: str) -> str:
        if backend not in BACKENDS:
            raise BadInput(f"backend {backend!r} is unknown; allowed: {', '.join(BACKENDS)}")
        return backend

    @staticmethod
    def check_seed(seed) -> int:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise BadInput(f"seed {seed!r} is not allowed; a whole number >= 0")
        return seed

    def then(self, other: Overrides) -> Overrides:
        """These overrides with `other`'s set values on top."""
        picked = {k: v for k, v in other.__dict__.items() if v is not None}
        return replace(self, **picked)

    def apply(self, spec: DesignSpec) -> DesignSpec:
        data = spec.to_dict()
        if self.size is not None:
            data["size"] = dict(self.size.__dict__)
        if self.metal is not None:
            data["metal"] = self.metal
        if data.get("motif"):
            if self.backend is not None:
                data["motif"]["backend"] = self.backend
            if self.seed is not None:
                data["motif"]["seed"] = self.seed
        try:
            return DesignSpec.from_dict(data)
        except SpecError as exc:
            raise BadInput(f"{exc}") from None


@dataclass
class Item:
    """One design to make: a prompt (planned by the server) or a spec, plus overrides."""

    name: str
    prompt: str | None = None
    spec: DesignSpec | None = None
    overrides: Overrides = field(default_factory=Overrides)
    source: str = ""  # where it came from, for messages ("line 3")


@dataclass
class BadLine:
    source: str
    message: str


_LINE_KEYS = ("prompt", "spec", "name", "size", "metal", "backend", "seed")


def parse_batch_line(text: str, source: str) -> Item:
    """One JSONL line: a JSON string (a prompt), {"prompt": ...}, {"spec": {...}}, or a bare
    spec object; the objects may add "name", "size" ("US:7"), "metal", "backend", "seed"."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if isinstance(data, str):
        data = {"prompt": data}
    if not isinstance(data, dict):
        raise BadInput(f"expected a prompt string or a JSON object, not {type(data).__name__}")
    if "prompt" not in data and "spec" not in data:
        data = {"spec": data}  # a bare design spec
    unknown = [k for k in data if k not in _LINE_KEYS]
    if unknown:
        raise BadInput(f"unknown key {unknown[0]!r}; allowed: {', '.join(_LINE_KEYS)}")
    if ("prompt" in data) == ("spec" in data):
        raise BadInput("give either a prompt or a spec, not both")
    overrides = Overrides(
        size=parse_size(data["size"]) if data.get("size") is not None else None,
        metal=Overrides.check_metal(data["metal"]) if data.get("metal") is not None else None,
        backend=Overrides.check_backend(data["backend"])
        if data.get("backend") is not None
        else None,
        seed=Overrides.check_seed(data["seed"]) if data.get("seed") is not None else None,
    )
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise BadInput(f"name {name!r} must be a text")
    if "prompt" in data:
        prompt = data["prompt"]
        if not isinstance(prompt, str) or not prompt.strip():
            raise BadInput("prompt must be a non-empty text")
        return Item(name or "", prompt=prompt, overrides=overrides, source=source)
    try:
        spec = DesignSpec.from_dict(data["spec"])
    except SpecError as exc:
        raise BadInput(str(exc)) from None
    return Item(name or spec.name, spec=spec, overrides=overrides, source=source)


def read_batch(path) -> tuple[list[Item], list[BadLine]]:
    """Items and bad lines of a JSONL file; blank lines and # comments are skipped. Every item
    gets a unique name (its own, else item<line>) so output files never collide."""
    items, bad = [], []
    taken: set[str] = set()
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            source = f"line {number}"
            try:
                item = parse_batch_line(text, source)
            except BadInput as exc:
                bad.append(BadLine(source, str(exc)))
                continue
            base = slug(item.name, fallback=f"item{number:03d}")
            name, k = base, 2
            while name in taken:
                name, k = f"{base}-{k}", k + 1
            taken.add(name)
            item.name = name
            items.append(item)
    return items, bad


# The server: connected on first use, started locally when none answers -----------------------

CLI_START_HINT = (
    "start one with `python -m ai_server serve`, or leave out --no-autostart to have one started"
)


class ServerLink:
    """The AI server for a run (the batch script's) or for one action (the panel's). Nothing
    is contacted until a prompt or motif needs it; when nothing answers at a loopback URL and
    `autostart` is on, a local server is started as a child process (`local_server()` makes
    it: the panel's Start Server puts it on the URL's port) and stopped by `close()`, unless
    `keep_local()` took it over."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        autostart: bool = True,
        progress: Callable[[str], None] = _quiet,
        server_command=None,
        start_timeout_s: float = 90.0,
        *,
        timeout: float = 30.0,
        local_server: Callable[[], aura_client.LocalServer] | None = None,
        start_hint: str = CLI_START_HINT,
    ):
        self.url = (url or default_url()).rstrip("/")
        self.token = token
        self.autostart = autostart
        self.progress = progress
        self.server_command = server_command
        self.start_timeout_s = start_timeout_s
        self.timeout = timeout  # per request, seconds
        # what to start when nothing answers (default: a server on a free port)
        self.local_server = local_server or (
            lambda: aura_client.LocalServer(command=self.server_command)
        )
        self.start_hint = start_hint
        self.local: aura_client.LocalServer | None = None
        self._client: aura_client.AuraClient | None = None
        self._failure: ProductionError | None = None

    def client(self) -> aura_client.AuraClient:
        if self._client is not None:
            return self._client
        if self._failure is not None:
            raise self._failure
        try:
            self._client = self._connect()
        except ProductionError as exc:
            self._failure = exc  # every later item fails the same way, without retrying
            raise
        return self._client

    def _connect(self) -> aura_client.AuraClient:
        try:
            candidate = aura_client.AuraClient(self.url, token=self.token, timeout=self.timeout)
        except ValueError as exc:
            raise BadInput(f"server: {exc}") from None
        try:
            candidate.health(timeout=3.0)
            return candidate
        except aura_client.ServerError as exc:
            candidate.close()
            raise ServerFailure(f"the server at {self.url} is not healthy: {exc}") from None
        except aura_client.ServerUnreachable as exc:
            candidate.close()
            unreachable = exc
        if not self.autostart:
            raise ServerFailure(f"{unreachable}; {self.start_hint}")
        if not is_loopback_url(self.url):
            raise ServerFailure(f"{unreachable}; a local server is only started for a loopback URL")
        self.progress(f"server: nothing answers at {self.url}; starting a local server")
        t0 = time.perf_counter()
        self.local = self.local_server()
        try:
            self.local.start(timeout_s=self.start_timeout_s)
        except aura_client.ServerStartError as exc:
            self.local = None
            raise ServerFailure(str(exc)) from None
        self.progress(
            f"server: local server up at {self.local.url} ({time.perf_counter() - t0:.2f}s)"
        )
        return aura_client.AuraClient(self.local.url, token=self.token, timeout=self.timeout)

    def keep_local(self) -> aura_client.LocalServer | None:
        """Hand over the local server this link started: close() no longer stops it."""
        local, self.local = self.local, None
        return local

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.local is not None:
            self.local.stop()
            self.progress("server: local server stopped")
            self.local = None


def _server_failure(exc: Exception, what: str) -> ProductionError:
    """A client error during `what` as the right production error."""
    if isinstance(exc, aura_client.ServerError) and exc.status in (400, 413, 422):
        return BadInput(f"{what}: {exc.message}")  # the server refused what we sent
    return ServerFailure(f"{what}: {exc}")


def _spec_answer(answer: dict, what: str) -> tuple[DesignSpec, dict]:
    """A design answer of the server -> (DesignSpec, the rest of the answer)."""
    try:
        spec = DesignSpec.from_dict(answer.get("spec"))
    except SpecError as exc:
        raise BadInput(f"{what}: the spec the server sent is not valid: {exc}") from None
    return spec, {k: v for k, v in answer.items() if k != "spec"}


def plan(link: ServerLink, prompt: str, progress: Callable[[str], None] = _quiet):
    """Words -> (DesignSpec, plan info: provider, understood, text) through /v1/plan."""
    client = link.client()
    t0 = time.perf_counter()
    try:
        answer = client.plan(prompt)
    except aura_client.ClientError as exc:
        raise _server_failure(exc, "plan") from None
    spec, info = _spec_answer(answer, "plan")
    info["text"] = prompt
    provider = info.get("provider", "?")
    progress(f"plan: {describe(spec)} [{provider}] ({time.perf_counter() - t0:.2f}s)")
    return spec, info


def refine(link: ServerLink, spec: DesignSpec, instruction: str) -> tuple[DesignSpec, dict]:
    """A design changed as the words say -> (DesignSpec, info: provider, ...) via /v1/refine."""
    try:
        answer = link.client().refine(spec.to_dict(), instruction)
    except aura_client.ClientError as exc:
        raise _server_failure(exc, "refine") from None
    return _spec_answer(answer, "refine")


def variations(link: ServerLink, spec: DesignSpec, n: int, seed: int) -> list[DesignSpec]:
    """n alternatives to a design (/v1/variations)."""
    try:
        found = link.client().variations(spec.to_dict(), n=n, seed=seed)
    except aura_client.ClientError as exc:
        raise _server_failure(exc, "variations") from None
    try:
        return [DesignSpec.from_dict(data) for data in found]
    except SpecError as exc:
        raise BadInput(f"variations: a proposed spec is not valid: {exc}") from None


def _follow(client, job: dict, on_job, timeout_s: float, poll_s: float, cancel_event) -> dict:
    """A created job followed to its end; `on_job(job)` sees it and every change."""
    if on_job is not None:
        on_job(job)
    return client.wait(
        job["id"], on_progress=on_job, poll_s=poll_s, timeout_s=timeout_s,
        cancel_event=cancel_event,
    )  # fmt: skip


class MotifStore:
    """Motif meshes generated on the server, once per (prompt, backend, seed, size, params,
    concept): a size run or a batch of the same motif pays for it once.

    `on_job(job)` and `cancel_event` (a threading.Event) are for a caller that shows progress
    and can cancel (the panel); cancelling raises client.WaitCancelled after the job is
    cancelled on the server."""

    def __init__(
        self, link: ServerLink, folder, progress=_quiet, timeout_s: float = 600.0, poll_s=0.5
    ):
        self.link = link
        self.folder = Path(folder)
        self.progress = progress
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self._made: dict[tuple, tuple[Path, dict]] = {}

    def get(
        self, motif: Motif, *, params=None, concept=None, on_job=None, cancel_event=None
    ) -> tuple[Path, dict]:
        """(OBJ path, job info) for a motif (from a concept image "<job id>/<index>" when
        `concept` is given)."""
        key = (motif.prompt, motif.backend, motif.seed, motif.size_mm, json.dumps(params), concept)
        if key in self._made:
            path, info = self._made[key]
            self.progress(f"motif: reusing job {info['job_id'][:8]} ({motif.prompt!r})")
            return path, info
        t0 = time.perf_counter()
        client = self.link.client()
        label = f"motif {motif.prompt!r} ({motif.backend}, seed {motif.seed})"
        self.progress(f"{label}: queued on the server")
        stages: list[str] = []

        def on_progress(job: dict) -> None:
            if on_job is not None:
                on_job(job)
            stage = job.get("stage") or job.get("status")
            if stage and stage not in stages and job.get("status") == "running":
                stages.append(stage)
                self.progress(f"motif: {stage} ({int(100 * (job.get('progress') or 0))}%)")

        try:
            job = client.create_job(
                motif.prompt or None, motif.backend, motif.seed, motif.size_mm,
                params=params, concept=concept,
            )  # fmt: skip
            done = _follow(client, job, on_progress, self.timeout_s, self.poll_s, cancel_event)
            path = client.download_mesh(job["id"], self.folder / f"motif_{job['id']}.obj")
            downloads.prune(self.folder, keep=[path])
        except aura_client.WaitCancelled:
            raise  # the caller cancelled: not a failure
        except aura_client.JobFailed as exc:
            raise ServerFailure(f"{label}: generation job failed: {exc.error}") from None
        except aura_client.ClientError as exc:
            raise _server_failure(exc, label) from None
        seconds = time.perf_counter() - t0
        result = done.get("result") or {}
        info = {
            "job_id": job["id"],
            "prompt": motif.prompt,
            "backend": motif.backend,
            "seed": motif.seed,
            "size_mm": motif.size_mm,
            "faces": result.get("faces"),
            "seconds": round(seconds, 3),
        }
        faces = f", {result['faces']} faces" if result.get("faces") else ""
        self.progress(f"motif: job {job['id'][:8]} succeeded{faces} ({seconds:.2f}s)")
        self._made[key] = (path, info)
        return path, info

    def concepts(
        self, prompt: str, n: int, seed: int, *, params=None, on_job=None, cancel_event=None
    ) -> list[tuple[Path, str]]:
        """Concept images of a motif to pick from: [(PNG path, concept reference)]."""
        client = self.link.client()
        try:
            job = client.concepts(prompt, n=n, seed=seed, params=params)
            done = _follow(client, job, on_job, self.timeout_s, self.poll_s, cancel_event)
            found = []
            for entry in (done.get("result") or {}).get("images", []):
                index = int(entry["index"])
                path = self.folder / f"{job['id']}_{index}.png"
                client.download_concept(job["id"], index, path)
                found.append((path, aura_client.concept_ref(job["id"], index)))
            downloads.prune(self.folder, keep=[path for path, _ref in found])
        except aura_client.WaitCancelled:
            raise
        except aura_client.JobFailed as exc:
            raise ServerFailure(f"concept images: the job failed: {exc.error}") from None
        except aura_client.ClientError as exc:
            raise _server_failure(exc, "concept images") from None
        return found


# Building ----------------------------------------------------------------------------------


def describe(spec: DesignSpec) -> str:
    """A design in one line, for the panel's lists and messages and the batch's progress:
    "US 7 · 18K yellow gold · comfort shank · 1 ct round diamond, 4 prongs · motif 'a rose'"."""
    parts = [spec.size.label, METALS[spec.metal].label, f"{spec.shank.profile} shank"]
    if spec.gem is not None:
        g = spec.gem
        weight = f"{g.carat:g} ct" if g.carat is not None else f"{g.carat_weight():.2f} ct"
        kind = spec.setting.type
        held = f"{spec.setting.prongs} prongs" if kind == "prong" else f"{kind} setting"
        parts.append(f"{weight} {g.cut} {STONES[g.stone].label.lower()}, {held}")
    if spec.motif is not None:
        parts.append(f"motif {spec.motif.prompt[:24]!r}")
    return " · ".join(parts)


@dataclass
class Showcase:
    """Where the showcase of a ring goes, and its render quality."""

    folder: Path
    size: int
    samples: int
    preset: str = "quick"
    turntable: bool = False


@dataclass
class Target:
    """Where one size of a design goes. `size` None keeps the spec's own size."""

    stl: Path
    stones: Path | None = None
    report: Path | None = None
    size: RingSize | None = None
    showcase: Showcase | None = None


@dataclass
class Outcome:
    """One row of the summary: a ring built (or not) and its files."""

    item: str
    size: str = "-"
    code: int = EXIT_OK
    weight_g: float | None = None
    checks: str = ""
    files: dict = field(default_factory=dict)
    error: str = ""
    report: dict | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d.pop("report")
        return d


def write_report(path, report: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def checks_text(report: dict) -> str:
    """A report's checks in one line: "7/7 passed", or "FAILED name (value vs threshold), ..."."""
    checks = report.get("checks", [])
    failed = [c for c in checks if not c["passed"]]
    if not failed:
        return f"{len(checks)}/{len(checks)} passed"
    return "FAILED " + ", ".join(f"{c['name']} ({c['value']} vs {c['threshold']})" for c in failed)


def _pipeline(progress: Callable[[str], None]):
    """The geometry pipeline, imported when a ring is first built (it pulls in bpy, which
    takes a moment; argument errors and server-only work never pay for it)."""
    loaded = "bpy" in sys.modules
    t0 = time.perf_counter()
    from ..builder import pipeline

    if not loaded:
        progress(f"blender: bpy loaded ({time.perf_counter() - t0:.2f}s)")
    return pipeline


def build_one(
    spec: DesignSpec,
    target: Target,
    *,
    item: str = "ring",
    motif_path=None,
    extra_report: dict | None = None,
    keep_objects: bool = False,
    progress: Callable[[str], None] = _quiet,
) -> Outcome:
    """Build, check and export one ring; the files are written even when a check fails (the
    report says which), and the outcome's code is then EXIT_CHECKS."""
    pipeline = _pipeline(progress)
    from ..geometry import motif as motif_mesh
    from ..geometry import scene

    t0 = time.perf_counter()
    label = spec.size.label
    try:
        result = pipeline.build(spec, motif_path, name=f"{item} {label}")
    except motif_mesh.MotifError as exc:
        raise ServerFailure(f"the motif mesh from the server cannot be used: {exc}") from None
    except SpecError as exc:
        raise BadInput(str(exc)) from None
    try:
        if extra_report:
            result.report.update(extra_report)
        for path in (target.stl, target.stones, target.report):
            if path is not None:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        files = pipeline.export_files(result, target.stl, target.stones, target.report)
        if target.showcase is not None:
            from ..showcase import make_showcase

            shown = make_showcase(
                result,
                target.showcase.folder,
                preset=target.showcase.preset,
                size=target.showcase.size,
                samples=target.showcase.samples,
                turntable=target.showcase.turntable,
            )
            files["showcase"] = shown["spec_html"]
            progress(
                f"showcase {item} {label}: {len(shown['renders'])} views "
                f"({shown['timings_s']['total']:.1f}s) in {target.showcase.folder}"
            )
    finally:
        if not keep_objects:
            for obj in [result.metal, *result.stones]:
                scene.remove_object(obj)
    report = result.report
    outcome = Outcome(
        item=item,
        size=label,
        code=EXIT_OK if result.passed else EXIT_CHECKS,
        weight_g=report.get("weight_g"),
        checks=checks_text(report),
        files=files,
        report=report,
        seconds=round(time.perf_counter() - t0, 3),
    )
    progress(
        f"build {item} {label}: {outcome.weight_g} g {spec.metal}, checks {outcome.checks} "
        f"({outcome.seconds:.2f}s)"
    )
    return outcome


def resolve(item: Item, link: ServerLink, overrides: Overrides, progress=_quiet):
    """The item's final spec (planned when it is a prompt) and its plan info."""
    if item.prompt is not None:
        spec, info = plan(link, item.prompt, progress)
    else:
        spec, info = item.spec, None
    return item.overrides.then(overrides).apply(spec), info


@dataclass
class BuildJob:
    """One ring to build: a design at its final size, and where its files go."""

    spec: DesignSpec
    target: Target


def build_here(
    item: str,
    jobs: list[BuildJob],
    *,
    motif_path=None,
    extra_report: dict | None = None,
    progress: Callable[[str], None] = _quiet,
    keep_objects: bool = False,
) -> list[Outcome]:
    """Build each ring in this process. Never raises for a user or server problem."""
    outcomes = []
    for job in jobs:
        label = job.spec.size.label
        try:
            outcomes.append(
                build_one(
                    job.spec, job.target, item=item, motif_path=motif_path,
                    extra_report=extra_report, keep_objects=keep_objects, progress=progress,
                )
            )  # fmt: skip
        except ProductionError as exc:
            progress(f"{item} {label}: {exc}")
            outcomes.append(_failed(item, exc, 0.0, label))
        except Exception as exc:  # a bug: keep going with the rest, but show it in full
            traceback.print_exc()
            error = ProductionError(f"internal error: {type(exc).__name__}: {exc}")
            outcomes.append(_failed(item, error, 0.0, label))
    return outcomes


def produce(
    item: Item,
    targets: list[Target],
    *,
    link: ServerLink,
    motifs: MotifStore,
    overrides: Overrides | None = None,
    progress: Callable[[str], None] = _quiet,
    keep_objects: bool = False,
    builder: Callable[..., list[Outcome]] | None = None,
) -> list[Outcome]:
    """One design in every target size: plan (if a prompt), generate its motif once, then
    build and export each size (here, or on build workers when `builder` sends them there,
    with build_here's arguments). Never raises for a user or server problem: the outcomes say."""
    t0 = time.perf_counter()
    try:
        spec, plan_info = resolve(item, link, overrides or Overrides(), progress)
        motif_path, motif_info = (None, None)
        if spec.motif is not None:
            motif_path, motif_info = motifs.get(spec.motif)
    except ProductionError as exc:
        progress(f"{item.name}: {exc}")
        return [_failed(item.name, exc, time.perf_counter() - t0)]
    extra = {"production": {"item": item.name, "plan": plan_info, "motif": motif_info}}
    jobs = [
        BuildJob(spec if target.size is None else _with_size(spec, target.size), target)
        for target in targets
    ]
    if builder is None:
        return build_here(
            item.name, jobs, motif_path=motif_path, extra_report=extra, progress=progress,
            keep_objects=keep_objects,
        )  # fmt: skip
    return builder(item.name, jobs, motif_path=motif_path, extra_report=extra, progress=progress)


def _with_size(spec: DesignSpec, size: RingSize) -> DesignSpec:
    return Overrides(size=size).apply(spec)


def _failed(item: str, exc: ProductionError, seconds: float, size: str = "-") -> Outcome:
    return Outcome(item=item, size=size, code=exc.code, error=str(exc), seconds=round(seconds, 3))


# Outputs -------------------------------------------------------------------------------------


def existing_outputs(targets: list[Target], extra=()) -> list[Path]:
    paths = [p for t in targets for p in (t.stl, t.stones, t.report) if p is not None]
    paths += [Path(t.stl).with_suffix(".3mf") for t in targets]  # written beside the STL
    return [Path(p) for p in [*paths, *extra] if p is not None and Path(p).exists()]


def duplicate_output(targets: list[Target], extra=()) -> Path | None:
    seen = set()
    paths = [p for t in targets for p in (t.stl, t.stones, t.report) if p is not None]
    for p in [*paths, *(e for e in extra if e is not None)]:
        key = Path(p).resolve()
        if key in seen:
            return Path(p)
        seen.add(key)
    return None


def summary_table(outcomes: list[Outcome]) -> str:
    """Item, size, weight, checks, file or error: one row per ring."""
    header = ("item", "size", "weight", "checks", "file or error")
    rows = [header]
    for o in outcomes:
        weight = f"{o.weight_g:.3f} g" if o.weight_g is not None else "-"
        rows.append((o.item, o.size, weight, o.checks or "-", o.files.get("stl") or o.error))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = []
    for r in rows:
        cells = [r[i].ljust(widths[i]) for i in range(len(widths))]
        lines.append("  ".join([*cells, r[-1]]))
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(header[-1]))
    return "\n".join(lines)
