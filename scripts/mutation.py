"""Mutation testing of every domain/ and of libs/contracts: `make mutation`.

mutmut runs from each package's folder (its `[tool.mutmut]` in that folder's pyproject.toml
names the code and the tests); from the repository root it finds no test. It exits 0 even
when mutants survive, so the gate is its `export-cicd-stats` JSON: the share of mutants
killed must reach THRESHOLD in every package. See docs/mutation.md.

    uv run --frozen python scripts/mutation.py                 # every package, fresh run
    uv run --frozen python scripts/mutation.py identity        # one package
    uv run --frozen python scripts/mutation.py --keep notifier # reuse mutants/ (faster)
    uv run --frozen python scripts/mutation.py --report        # print the last results only
    uv run --frozen python scripts/mutation.py --changed       # the domain/ modules HEAD~1..HEAD
                                                               # changed (make mutation-changed)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD = 90.0
PACKAGES = {
    "identity": ROOT / "services/identity",
    "habilitation": ROOT / "services/habilitation",
    "demarche": ROOT / "services/demarche",
    "account-cpf": ROOT / "services/account-cpf",
    "notifier": ROOT / "services/notifier",
    "contracts": ROOT / "libs/contracts",
}


def run(folder: Path, *, keep: bool, children: int, only: tuple[str, ...] = ()) -> bool:
    """Run mutmut in ``folder`` (over the mutants matching the ``only`` patterns, when
    given); False when there is no code to mutate (a domain of records only)."""
    if not keep:
        # A fresh run: mutmut's cache does not notice every change to the tests.
        shutil.rmtree(folder / "mutants", ignore_errors=True)
    # Its progress line is redrawn hundreds of times: keep it, but out of the terminal.
    done = subprocess.run(  # noqa: S603 - a fixed command line, no user input
        [sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *only],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        # mutmut stops with 1 when no test covers any mutant; with no mutant at all (a
        # domain of plain records) there is simply nothing to score.
        if "could not find any test case" in done.stdout and not mutants(folder):
            return False
        # The modules asked for hold no function to mutate (records, constants only).
        if only and "nothing matches" in done.stdout + done.stderr:
            return False
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"mutation: mutmut failed in {folder}")
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "mutmut", "export-cicd-stats"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return True


def score(folder: Path) -> tuple[float, dict[str, int]] | None:
    path = folder / "mutants" / "mutmut-cicd-stats.json"
    if not path.exists():
        return None
    stats = json.loads(path.read_text())
    total = stats["total"] - stats["skipped"]
    # A mutant no test reached, a timeout or a suspicious one is not "killed".
    killed = stats["killed"]
    return (100.0 * killed / total if total else 100.0), stats


def mutants(folder: Path) -> list[str]:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [line.strip() for line in out.splitlines() if "__mutmut_" in line]


def survivors(folder: Path) -> list[str]:
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "mutmut", "results"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip() and "killed" not in line]


def statuses(folder: Path) -> dict[str, str]:
    """Every mutant of the last run in ``folder`` and its status (``killed``, ``survived``,
    ``no tests``, ``timeout``, ``not checked``…)."""
    found = {}
    for line in mutants(folder):
        name, _, status = line.rpartition(": ")
        found[name] = status
    return found


DOMAIN_MODULE = re.compile(r"^(services/[^/]+)/src/(.+/domain/[^/]+)\.py$")


def changed_domain_modules(base: str = "HEAD~1") -> dict[str, list[str]]:
    """The ``domain/`` modules changed between ``base`` and HEAD that still exist, by
    package name: ``{"identity": ["identity.domain.nir"]}``. Empty when HEAD has no parent
    (a clone of one commit, the first commit)."""
    parent = subprocess.run(  # noqa: S603
        ["git", "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if parent.returncode != 0:
        return {}
    names = subprocess.run(  # noqa: S603
        ["git", "diff", "--name-only", "--diff-filter=d", base, "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    by_folder = {folder: name for name, folder in PACKAGES.items()}
    changed: dict[str, list[str]] = {}
    for path in names:
        match = DOMAIN_MODULE.match(path)
        if match is None:
            continue
        package = by_folder.get(ROOT / match.group(1))
        if package is not None:
            changed.setdefault(package, []).append(match.group(2).replace("/", "."))
    return changed


def run_changed(children: int, base: str) -> int:
    """Mutation of the domain/ modules changed since ``base``, gated at THRESHOLD per
    package."""
    changed = changed_domain_modules(base)
    if not changed:
        print("mutation: no domain module changed")
        return 0
    failed = []
    for name, modules in changed.items():
        folder = PACKAGES[name]
        print(f"mutation: running {name} over {', '.join(modules)} …", flush=True)
        patterns = tuple(f"{module}.*" for module in modules)
        if not run(folder, keep=False, children=children, only=patterns):
            print(f"{name:14} nothing to mutate in {', '.join(modules)}  ok")
            continue
        mine = {
            mutant: status
            for mutant, status in statuses(folder).items()
            if any(mutant.startswith(f"{module}.") for module in modules)
        }
        total = sum(1 for status in mine.values() if status != "skipped")
        killed = sum(1 for status in mine.values() if status == "killed")
        percent = 100.0 * killed / total if total else 100.0
        verdict = "ok" if percent >= THRESHOLD else f"FAIL (< {THRESHOLD:.0f} %)"
        print(f"{name:14} {percent:5.1f} % killed  ({killed}/{total})  {verdict}", flush=True)
        for mutant, status in sorted(mine.items()):
            if status not in {"killed", "skipped"}:
                print(f"    {mutant}: {status}")
        if percent < THRESHOLD:
            failed.append(name)
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", metavar="PACKAGE", help=", ".join(PACKAGES))
    parser.add_argument("--keep", action="store_true", help="reuse the last mutants/ folder")
    parser.add_argument("--report", action="store_true", help="only print the last results")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants")
    parser.add_argument(
        "--changed",
        action="store_true",
        help="only the domain/ modules changed between --base and HEAD",
    )
    parser.add_argument("--base", default="HEAD~1", help="with --changed (default HEAD~1)")
    parser.add_argument("--max-children", type=int, default=2)
    args = parser.parse_args()
    if args.changed:
        if args.packages or args.report or args.keep:
            parser.error("--changed takes no package, --report or --keep")
        return run_changed(args.max_children, args.base)
    names = args.packages or list(PACKAGES)
    unknown = [n for n in names if n not in PACKAGES]
    if unknown:
        parser.error(f"unknown package: {unknown}")
    failed = []
    for name in names:
        folder = PACKAGES[name]
        if not args.report:
            print(f"mutation: running {name} …", flush=True)
            if not run(folder, keep=args.keep, children=args.max_children):
                print(f"{name:14} nothing to mutate (its domain/ holds records only)  ok")
                continue
        result = score(folder)
        if result is None:
            print(f"{name:14} no results (run without --report first)")
            failed.append(name)
            continue
        percent, stats = result
        verdict = "ok" if percent >= THRESHOLD else f"FAIL (< {THRESHOLD:.0f} %)"
        print(
            f"{name:14} {percent:5.1f} % killed  "
            f"({stats['killed']}/{stats['total'] - stats['skipped']}, "
            f"{stats['survived']} survived, {stats['no_tests']} without test, "
            f"{stats['timeout']} timeout)  {verdict}",
            flush=True,
        )
        if args.survivors:
            for line in survivors(folder):
                print(f"    {line}")
        if percent < THRESHOLD:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
