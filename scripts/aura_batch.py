"""Aura headless: words or a design spec -> print-ready STL, one ring, a size run, or a batch.

    python scripts/aura_batch.py --prompt "1 ct oval sapphire, bezel, 18k yellow, UK M" --out ring.stl
    python scripts/aura_batch.py --spec design.json --out ring.stl --report ring.json
    python scripts/aura_batch.py --spec design.json --size-run US:5-10:0.5 --out sizes/
    python scripts/aura_batch.py --batch collection.jsonl --out collection/
    blender -b -P scripts/aura_batch.py -- --spec design.json --out ring.stl

Exit codes: 0 all built; 2 bad input; 3 server unreachable or a generation job failed;
4 a print check failed (the files are still written; the report says which check).
A batch exits with the worst of its items. This script only parses and orchestrates: the
work is in aura_addon/studio/production.py, which the add-on shares.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from anywhere, also as `blender -b -P`

from aura_addon.jewelry import sizes  # noqa: E402
from aura_addon.jewelry.spec import DesignSpec, SpecError  # noqa: E402
from aura_addon.studio import production as prod  # noqa: E402
from aura_addon.studio.urls import TOKEN_ENV, default_url  # noqa: E402

PROG = "aura_batch"


class UsageError(Exception):
    """A command-line mistake: reported as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the whole usage block
        raise UsageError(message)


def script_args(argv: list[str]) -> list[str]:
    """Our arguments: everything after `--` when Blender runs this file (`blender -b -P
    aura_batch.py -- ARGS`: argv holds Blender's own arguments first), else argv[1:]."""
    run_by_python = bool(argv) and Path(argv[0]).resolve() == Path(__file__).resolve()
    head = argv[: argv.index("--")] if "--" in argv else argv
    if run_by_python and not {"-P", "--python"} & set(head):
        return argv[1:]
    return argv[len(head) + 1 :]


def make_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Aura headless: prompt or design spec -> print-ready STL (one ring, a size "
        "run, or a batch).",
        epilog="Exit codes: 0 built; 2 bad input; 3 server unreachable or generation failed; "
        "4 a print check failed. A batch exits with the worst.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--prompt", help="describe the ring in words (planned by the server)")
    src.add_argument("--spec", metavar="FILE.json", help="a design spec JSON file")
    src.add_argument("--batch", metavar="FILE.jsonl", help="one prompt or spec per line")
    src.add_argument(
        "--worker", action="store_true", help="run as a build worker for --broker (fleet mode)"
    )
    p.add_argument("--size", help="override the size: US:7, UK:M 1/2, EU:54, JP:11, mm:17.3")
    p.add_argument("--metal", help="override the metal, e.g. platinum_950")
    p.add_argument("--backend", help="override the motif backend: procedural, shap-e, image-to-3d")
    p.add_argument("--seed", help="override the motif seed (a whole number >= 0)")
    p.add_argument("--size-run", metavar="RANGE", help="every size of a range, e.g. US:5-10:0.5")
    p.add_argument("--out", help="the STL file (a folder for batches and size runs)")
    p.add_argument("--report", help="report JSON (for batches and size runs: the run's summary)")
    p.add_argument("--stones-out", help="stones STL (for batches and size runs: a folder)")
    p.add_argument(
        "--render",
        metavar="DIR",
        help="also write the showcase (renders, drawing, contact sheet, GLB, spec sheet); "
        "one folder per ring in batches and size runs",
    )
    p.add_argument(
        "--render-preset",
        help="render quality: quick (default; 320 px, 16 samples) or client (1024 px, clean)",
    )
    p.add_argument("--render-size", help="render size in pixels (default: the preset's)")
    p.add_argument("--render-samples", help="Cycles samples per pixel (default: the preset's)")
    p.add_argument(
        "--render-turntable",
        action="store_true",
        help="also a 36-frame turntable (animated WebP or GIF; MP4 where ffmpeg is installed)",
    )
    p.add_argument(
        "--name",
        help="name for the design (used in file names of size runs); with --worker: its name",
    )
    p.add_argument("--server", help=f"server URL (default: $AURA_SERVER_URL or {default_url()})")
    p.add_argument("--no-autostart", action="store_true", help="never start a local server")
    p.add_argument("--timeout", default="600", help="seconds to wait for a motif (default 600)")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument(
        "--broker",
        metavar="URL",
        help="fleet mode: build the rings on build workers over this Redis (redis://HOST:6379/0; "
        "or set AURA_BROKER_URL)",
    )
    return p


def _option(flag: str, check, value):
    """A checked option value (None when the option was not given)."""
    if value is None:
        return None
    try:
        return check(value)
    except prod.BadInput as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _whole(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise prod.BadInput(f"{value!r} is not a whole number >= 0") from None


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 1e6:
        raise prod.BadInput(f"{value!r} is not a positive number of seconds")
    return seconds


def _size_run(text: str):
    try:
        return [
            prod.parse_size(f"{system}:{sizes.format_value(value)}")
            for system, value in sizes.parse_size_range(text)
        ]
    except sizes.SizeError as exc:
        raise prod.BadInput(str(exc)) from None


def _load_spec(path: str) -> DesignSpec:
    if not Path(path).is_file():
        raise UsageError(f"--spec: file {path!r} does not exist")
    try:
        return DesignSpec.load(path)
    except SpecError as exc:
        raise UsageError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--spec: cannot read {path!r}: {exc}") from None


class Run:
    """The parsed command line: the items, where their files go, and the shared overrides."""

    def __init__(self, args):
        self.args = args
        if not args.out:
            raise UsageError("--out is required: the STL file, or a folder for batches")
        if args.broker and not args.broker.startswith(("redis://", "rediss://", "unix://")):
            raise UsageError(f"--broker: {args.broker!r} is not a Redis URL (redis://HOST:6379/0)")
        if args.broker and args.render:
            raise UsageError("--render runs here, not on build workers: leave out --broker")
        self.overrides = prod.Overrides(
            size=_option("--size", prod.parse_size, args.size),
            metal=_option("--metal", prod.Overrides.check_metal, args.metal),
            backend=_option("--backend", prod.Overrides.check_backend, args.backend),
            seed=_option("--seed", lambda v: prod.Overrides.check_seed(_whole(v)), args.seed),
        )
        self.timeout_s = _option("--timeout", _seconds, args.timeout)
        self.render = self._render_options(args)
        self.run_sizes = _option("--size-run", _size_run, args.size_run)
        if self.run_sizes and args.size:
            raise UsageError("--size and --size-run cannot be used together")
        self.bad_lines: list[prod.BadLine] = []
        if args.batch:
            if not Path(args.batch).is_file():
                raise UsageError(f"--batch: file {args.batch!r} does not exist")
            try:
                self.items, self.bad_lines = prod.read_batch(args.batch)
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"--batch: cannot read {args.batch!r}: {exc}") from None
            if not self.items and not self.bad_lines:
                raise UsageError(f"--batch: {args.batch!r} holds no prompts or specs")
        elif args.spec:
            spec = _load_spec(args.spec)
            self.items = [prod.Item(args.name or spec.name or "ring", spec=spec, source=args.spec)]
        else:
            if not args.prompt.strip():
                raise UsageError("--prompt: describe the ring in words")
            self.items = [prod.Item(args.name or "ring", prompt=args.prompt, source="--prompt")]
        self.multi = bool(args.batch or self.run_sizes)
        self.targets = {item.name: self._targets(item) for item in self.items}

    @staticmethod
    def _render_options(args) -> prod.Showcase | None:
        """The showcase's folder and quality, checked before Blender is loaded."""
        from aura_addon.showcase.options import ShowcaseError, check_options, check_preset

        if not args.render:
            given = [
                flag
                for flag, value in (
                    ("--render-preset", args.render_preset),
                    ("--render-size", args.render_size),
                    ("--render-samples", args.render_samples),
                    ("--render-turntable", args.render_turntable),
                )
                if value
            ]
            if given:
                raise UsageError(f"{' and '.join(given)} need --render DIR")
            return None
        size = _option("--render-size", _whole, args.render_size) if args.render_size else None
        samples = (
            _option("--render-samples", _whole, args.render_samples)
            if args.render_samples
            else None
        )
        try:
            preset = check_preset(args.render_preset or "quick")
        except ShowcaseError as exc:
            raise UsageError(f"--render-{exc}") from None
        size, samples = size or preset.size, samples or preset.samples
        try:
            check_options(size, samples)
        except ShowcaseError as exc:
            raise UsageError(f"--render: {exc}") from None
        return prod.Showcase(
            Path(args.render), size, samples, preset.name, bool(args.render_turntable)
        )

    def _showcase_for(self, name: str | None) -> prod.Showcase | None:
        if self.render is None or name is None:
            return self.render
        return dataclasses.replace(self.render, folder=self.render.folder / name)

    def _targets(self, item: prod.Item) -> list[prod.Target]:
        a = self.args
        out = Path(a.out)
        if not self.multi:
            if out.is_dir() or a.out.endswith(("/", os.sep)):
                out = out / f"{prod.slug(item.name)}.stl"
            elif out.suffix.lower() != ".stl":
                raise UsageError(f"--out: {a.out!r} must be an .stl file (or an existing folder)")
            report = Path(a.report) if a.report else None
            stones = Path(a.stones_out) if a.stones_out else None
            return [prod.Target(out, stones, report, showcase=self._showcase_for(None))]
        if out.suffix.lower() == ".stl":
            raise UsageError(
                f"--out: {a.out!r} is a file name; batches and size runs need a folder"
            )
        stones = Path(a.stones_out) if a.stones_out else None
        if stones is not None and stones.suffix.lower() == ".stl":
            raise UsageError(f"--stones-out: {a.stones_out!r} is a file name; give a folder here")
        stem = prod.slug(item.name)
        targets = []
        for size in self.run_sizes or [None]:
            name = stem if size is None else f"{stem}_{prod.size_slug(size)}"
            targets.append(
                prod.Target(
                    stl=out / f"{name}.stl",
                    stones=stones / f"{name}_stones.stl" if stones else None,
                    report=out / f"{name}.json",
                    size=size,
                    showcase=self._showcase_for(name),
                )
            )
        return targets

    def check_outputs(self) -> None:
        targets = [t for ts in self.targets.values() for t in ts]
        summary = [Path(self.args.report)] if self.multi and self.args.report else []
        clash = prod.duplicate_output(targets, summary)
        if clash is not None:
            raise UsageError(f"two outputs would be written to {str(clash)!r}; give distinct paths")
        existing = [] if self.args.force else prod.existing_outputs(targets, summary)
        if existing:
            raise UsageError(f"{str(existing[0])!r} exists; pass --force to overwrite it")
        shown = [] if self.args.force else self._existing_showcase(targets)
        if shown:
            names = ", ".join(repr(str(p)) for p in shown[:3]) + (" ..." if len(shown) > 3 else "")
            raise UsageError(
                f"--render: {len(shown)} showcase file(s) exist ({names}); "
                "pass --force to overwrite them"
            )

    @staticmethod
    def _existing_showcase(targets: list[prod.Target]) -> list[Path]:
        from aura_addon.showcase.options import planned_files

        folders = [t.showcase.folder for t in targets if t.showcase is not None]
        return [p for folder in folders for p in planned_files(folder) if p.exists()]


def _mm(value) -> str:
    return "n/a" if value is None else f"{value:.3f} mm"


def print_single(outcome: prod.Outcome) -> None:
    """The one-ring result: the size, the metal weight, the checks and where the files are."""
    r = outcome.report or {}
    size = r.get("size", {})
    others = ", ".join(v["label"] for k, v in size.get("nearest", {}).items() if k != "US")
    print(f"ring:    {size.get('spec')}, inner diameter {_mm(r.get('design_inner_diameter_mm'))} "
          f"(measured on the mesh: {_mm(r.get('inner_diameter_mm'))})")  # fmt: skip
    print(f"         nearest in other systems: {others}")
    metal = r.get("metal", {})
    print(f"metal:   {metal.get('label')}, {r.get('weight_g')} g ({r.get('volume_mm3')} mm3)")
    for gem in r.get("gems", []):
        dims = " x ".join(f"{d:g}" for d in gem["size_mm"])
        count = gem.get("count", 1)
        each = f"{count} x " if count > 1 else ""
        where = f", {gem['where']}" if gem.get("where") else ""
        print(f"stone:   {each}{gem['carat']} ct {gem['cut']} {gem['stone']}, {dims} mm{where}")
    if r.get("stones", {}).get("count", 0) > 1:
        print(f"stones:  {r['stones']['count']} in all, {r['stones']['carat_total']} ct")
    print(f"checks:  {outcome.checks}")
    for check in r.get("checks", []):
        mark = "ok  " if check["passed"] else "FAIL"
        print(f"  {mark} {check['name']}: {check['value']} (limit {check['threshold']})")
        for place in check.get("where", []):  # what to thicken, and where
            x, y, z = place["position_mm"]
            print(f"         {place['value']} mm at the {place['part']}, ({x:.2f}, {y:.2f}, "
                  f"{z:.2f}) mm, {len(place['faces'])} face(s)")  # fmt: skip
    prep = r.get("motif_preparation")
    if prep:
        print(f"motif:   made castable: {prep['thin_vertices_before']} thin vertices grown in "
              f"{prep['rounds']} round(s), {prep['thin_vertices_after']} left"
              + (f"; {'; '.join(prep['notes'])}" if prep["notes"] else ""))  # fmt: skip
    casting = r.get("casting_file")
    if casting and casting["shrinkage_pct"]:
        print(f"casting: files enlarged {casting['shrinkage_pct']:g} % for shrinkage")
    print("files:")
    for kind, path in outcome.files.items():
        print(f"  {kind:7} {Path(path).resolve()}")


def write_summary(path: str, outcomes: list[prod.Outcome], code: int) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    body = {"exit_code": code, "items": [o.as_dict() for o in outcomes]}
    Path(path).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def execute(run: Run) -> int:
    progress = prod.Progress()
    a = run.args
    outcomes = [
        prod.Outcome(item=bad.source, code=prod.EXIT_BAD_INPUT, error=bad.message)
        for bad in run.bad_lines
    ]
    for bad in run.bad_lines:
        progress(f"skipped {bad.source} of {a.batch}: {bad.message}")
    link = prod.ServerLink(
        a.server, token=os.environ.get(TOKEN_ENV), autostart=not a.no_autostart, progress=progress
    )
    builder = None
    if a.broker:
        from scripts.batch_fleet import FleetBuilder

        builder = FleetBuilder(a.broker)
    try:
        with tempfile.TemporaryDirectory(prefix="aura-batch-") as work:
            motifs = prod.MotifStore(link, work, progress, timeout_s=run.timeout_s)
            for n, item in enumerate(run.items, start=1):
                if len(run.items) > 1:
                    progress(f"item {n}/{len(run.items)}: {item.name} ({item.source})")
                outcomes += prod.produce(
                    item, run.targets[item.name], link=link, motifs=motifs,
                    overrides=run.overrides, progress=progress, builder=builder,
                )  # fmt: skip
    finally:
        link.close()
    code = prod.worst(o.code for o in outcomes)
    if a.report and run.multi:
        write_summary(a.report, outcomes, code)
    if not run.multi:
        if outcomes[0].report is not None:
            print_single(outcomes[0])
    else:
        print(prod.summary_table(outcomes))
        if a.report and run.multi:
            print(f"summary: {a.report}")
    built = sum(1 for o in outcomes if o.report is not None)
    failed = len(outcomes) - sum(1 for o in outcomes if o.code == prod.EXIT_OK)
    if not run.multi and outcomes[0].error:
        print(f"{PROG}: error: {outcomes[0].error}", file=sys.stderr)
    progress(f"done: {built} built, {failed} with problems, exit code {code}")
    return code


def main(argv: list[str] | None = None) -> int:
    argv = script_args(sys.argv) if argv is None else argv
    try:
        args = make_parser().parse_args(argv)
        args.broker = args.broker or os.environ.get("AURA_BROKER_URL") or None
        if args.worker:
            if not args.broker:
                raise UsageError("--worker needs --broker redis://HOST:6379/0")
            from scripts.batch_fleet import run_build_worker

            return run_build_worker(args.broker, args.name)
        run = Run(args)
        run.check_outputs()
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return prod.EXIT_BAD_INPUT
    try:
        return execute(run)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
