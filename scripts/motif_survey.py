"""How many motifs fuse into rings that pass every measured check (figures, not assertions).

Every keyword motif of the procedural backend, seeded organic shapes and a thin sheet (a
backdrop, or a leaf an image model made paper-thin) are made as the server makes them
(backend + cleanup, in-process), then each is built on a plain US 7 band in 18k yellow gold
through the one pipeline, and the failing checks are listed with where they fail.

    python scripts/motif_survey.py [--organic 30] [--solitaire heart]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trimesh  # noqa: E402

from ai_server.backends import motifs  # noqa: E402
from ai_server.backends.base import JobContext  # noqa: E402
from ai_server.backends.procedural import ProceduralBackend  # noqa: E402
from ai_server.cleanup import clean_mesh, write_obj  # noqa: E402
from ai_server.config import ServerConfig  # noqa: E402

SIZE_MM = 12.0


def make_motifs(folder: Path, organic: int) -> dict[str, Path]:
    backend = ProceduralBackend(ServerConfig())
    jobs = [(name, f"a {name}", 0) for name in motifs.MOTIFS]
    jobs += [(f"organic{seed}", "a sleeping dragon", seed) for seed in range(organic)]
    paths = {}
    for name, prompt, seed in jobs:
        ctx = JobContext("0" * 32, prompt, seed, SIZE_MM, {}, None, folder)
        mesh, _report = clean_mesh(backend.generate(ctx), size_mm=SIZE_MM, detect_backdrops=False)
        paths[name] = folder / f"{name}.obj"
        write_obj(mesh, paths[name])
    sheet = trimesh.creation.box(extents=(10.0, 8.0, 0.4)).subdivide_to_size(0.4)
    paths["thin sheet"] = folder / "sheet.obj"
    sheet.export(paths["thin sheet"])
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--organic", type=int, default=30)
    parser.add_argument("--solitaire", default="heart", help="also on a solitaire's shoulders")
    args = parser.parse_args()

    import bpy

    from aura_addon.builder import pipeline
    from aura_addon.jewelry.spec import DesignSpec

    with tempfile.TemporaryDirectory() as tmp:
        paths = make_motifs(Path(tmp), args.organic)
        runs = [(name, path, None) for name, path in paths.items()]
        if args.solitaire:
            runs.append((f"{args.solitaire} on a solitaire", paths[args.solitaire], "solitaire"))
        passed, failures = 0, []
        for name, path, kind in runs:
            spec = {"size": {"system": "US", "value": 7}, "metal": "gold_18k_yellow",
                    "motif": {"prompt": name, "size_mm": SIZE_MM}}  # fmt: skip
            if kind is None:
                spec["gem"] = None
            t0 = time.perf_counter()
            result = pipeline.build(DesignSpec.from_dict(spec), path)
            seconds = time.perf_counter() - t0
            bad = [c for c in result.report["checks"] if not c["passed"]]
            passed += not bad
            text = ", ".join(
                f"{c['name']} {c['value']} at {c['where'][0]['part'] if c['where'] else '-'}"
                for c in bad
            )
            print(f"{name:28s} {seconds:5.2f} s  {'ok' if not bad else 'FAIL ' + text}")
            if bad:
                failures.append(name)
            for obj in [result.metal, *result.stones]:
                bpy.data.objects.remove(obj)
        print(f"passed every check: {passed} of {len(runs)}; failing: {', '.join(failures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
