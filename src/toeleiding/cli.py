"""Command line of the pipeline stages: ``python -m toeleiding <stage> ...``.

Every stage gets its inputs and outputs as arguments, so ``dvc.yaml`` shows exactly what each
stage reads and writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .calibration import CalibrationError, check, load_calibration
from .codebook import load_codebook
from .io import write_csv
from .synthesize import synthesize
from .validate import ValidationError, validate_file


def _synthesize(args: argparse.Namespace) -> int:
    cb = load_codebook(args.codebook)
    df = synthesize(cb, load_calibration(args.calibration), args.seed)
    write_csv(df, args.out)
    print(f"wrote {args.out}: {len(df)} municipalities, {df.shape[1]} columns")
    return 0


def _validate(args: argparse.Namespace) -> int:
    cb = load_codebook(args.codebook)
    status = 0
    for raw in args.raw:
        _, problems = validate_file(raw, cb)
        if problems:
            status = 1
            print(f"{raw}: {len(problems)} problem(s)", file=sys.stderr)
            for p in problems:
                print(f"  {p}", file=sys.stderr)
        else:
            print(f"{raw}: valid against codebook {cb.wave}")
    return status


def _clean(args: argparse.Namespace) -> int:
    from .clean import clean_file

    cb = load_codebook(args.codebook)
    try:
        df = clean_file(args.raw, cb, args.out)
    except ValidationError as exc:
        print(f"{args.raw}: {len(exc.problems)} problem(s); nothing written", file=sys.stderr)
        for p in exc.problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {len(df)} municipalities, {df.shape[1]} columns")
    return 0


def _check_calibration(args: argparse.Namespace) -> int:
    cb = load_codebook(args.codebook)
    outcomes = check(pd.read_parquet(args.clean), cb, load_calibration(args.calibration))
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        print(f"MISMATCH {o.target.describe()}: data give {o.actual}", file=sys.stderr)
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} targets reproduced")
    return 1 if failed else 0


def _read_params(path: Path) -> dict:
    import yaml

    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _execute(args: argparse.Namespace) -> int:
    from .execute import ExecutionError, execute_chapter

    params = _read_params(args.params)
    try:
        done = execute_chapter(
            args.notebook,
            params["years"],
            args.clean_dir,
            args.codebook_dir,
            args.out,
            workers=int(params["execute"]["workers"]),
            synthetic=bool(params["execute"]["synthetic"]),
        )
    except ExecutionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for path in done:
        print(f"executed {path}")
    return 0


def _metrics(args: argparse.Namespace) -> int:
    from .metrics import headline, write_metrics

    cb = load_codebook(args.codebook)
    values = headline(pd.read_parquet(args.clean), cb)
    write_metrics(values, args.out)
    print(f"wrote {args.out}: {len(values)} indicators")
    return 0


def _book(args: argparse.Namespace) -> int:
    from .book import BookError, assemble, render

    years = [int(y) for y in _read_params(args.params)["years"]]
    common = dict(
        book_dir=args.book,
        build_dir=args.build,
        codebook_dir=args.codebook_dir,
        assumptions=args.assumptions,
        lock_path=args.lock,
        metrics_dir=args.metrics,
    )
    try:
        if args.command == "render":
            site = render(years, site=args.out, **common)
            print(f"rendered {len(years)} editions into {site}")
        else:
            for year in years:
                print(f"assembled {assemble(year, years, out=args.out / str(year), **common)}")
    except BookError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run a stage from the command line."""
    parser = argparse.ArgumentParser(prog="toeleiding", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synthesize", help="write a calibrated synthetic raw export")
    p.add_argument("--codebook", type=Path, required=True)
    p.add_argument("--calibration", type=Path, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_synthesize)

    p = sub.add_parser("validate", help="list every problem of raw exports")
    p.add_argument("--codebook", type=Path, required=True)
    p.add_argument("raw", type=Path, nargs="+")
    p.set_defaults(func=_validate)

    p = sub.add_parser("clean", help="validate a raw export and write the cleaned table")
    p.add_argument("--codebook", type=Path, required=True)
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_clean)

    p = sub.add_parser("check-calibration", help="recompute the published figures")
    p.add_argument("--codebook", type=Path, required=True)
    p.add_argument("--calibration", type=Path, required=True)
    p.add_argument("--clean", type=Path, required=True)
    p.set_defaults(func=_check_calibration)

    p = sub.add_parser("execute", help="execute a chapter notebook for every edition")
    p.add_argument("--params", type=Path, required=True, help="params.yaml (years, workers)")
    p.add_argument("--notebook", type=Path, required=True)
    p.add_argument("--clean-dir", type=Path, required=True)
    p.add_argument("--codebook-dir", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_execute)

    p = sub.add_parser("metrics", help="write the headline indicators of an edition")
    p.add_argument("--codebook", type=Path, required=True)
    p.add_argument("--clean", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=_metrics)

    for name, text in (
        ("book", "assemble the Quarto source of every edition (no Quarto needed)"),
        ("render", "render every edition with Quarto into the site"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--params", type=Path, required=True, help="params.yaml (years)")
        p.add_argument("--book", type=Path, required=True, help="the book template folder")
        p.add_argument("--build", type=Path, required=True, help="executed chapters")
        p.add_argument("--codebook-dir", type=Path, required=True)
        p.add_argument("--assumptions", type=Path, required=True)
        p.add_argument("--lock", type=Path, required=True, help="dvc.lock (data hashes)")
        p.add_argument("--metrics", type=Path, required=True)
        p.add_argument("--out", type=Path, required=True)
        p.set_defaults(func=_book)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CalibrationError as exc:
        print(f"calibration error: {exc}", file=sys.stderr)
        return 2
