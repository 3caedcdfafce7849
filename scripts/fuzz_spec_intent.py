"""The long fuzz run of the spec loader and the intent parser: the suite's own tests
(tests/test_fuzz_spec_intent.py), random instead of derandomized, many more examples.

    python scripts/fuzz_spec_intent.py                 # 20,000 examples per test
    python scripts/fuzz_spec_intent.py --examples 200000

A failure prints hypothesis' smallest failing input; add it to the suite as a fixed case.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000, help="examples per test")
    args = parser.parse_args()
    env = dict(os.environ, AURA_FUZZ="long", AURA_FUZZ_EXAMPLES=str(args.examples))
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "test_fuzz_spec_intent.py")],
        cwd=ROOT, env=env,
    )  # fmt: skip
    print(f"fuzz: {args.examples} examples per test, {time.perf_counter() - t0:.0f} s")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
