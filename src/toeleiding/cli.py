"""Command line of the pipeline stages: ``python -m toeleiding <stage> ...``.

Every stage gets its inputs and outputs as arguments, so ``dvc.yaml`` shows exactly what each
stage reads and writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .codebook import CodebookError, load_codebook
from .errors import CalibrationError


def _synthesize(args: argparse.Namespace) -> int:
    from .calibration import load_calibration
    from .io import write_csv
    from .synthesize import synthesize

    cb = load_codebook(args.codebook)
    df = synthesize(cb, load_calibration(args.calibration), args.seed)
    write_csv(df, args.out)
    print(f"wrote {args.out}: {len(df)} municipalities, {df.shape[1]} columns")
    return 0


def _print_problems(source: Path, problems: list) -> None:
    print(f"{source}: {len(problems)} problem(s)", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    from .exports import MappingError, load_mapping, validate_export
    from .validate import validate_file

    cb = load_codebook(args.codebook)
    try:
        mapping = load_mapping(args.mapping) if args.mapping else None
    except MappingError as exc:
        print(exc, file=sys.stderr)
        return 1
    status = 0
    for raw in args.raw:
        if mapping is None and raw.suffix.lower() == ".csv":
            _, problems = validate_file(raw, cb)  # the canonical raw form, read strictly
        else:
            _, problems = validate_export(raw, cb, mapping)
        if problems:
            status = 1
            _print_problems(raw, problems)
        else:
            print(f"{raw}: valid against codebook {cb.wave}")
    return status


def _add_export(args: argparse.Namespace) -> int:
    """Validate an export, write it as the wave's raw file, track it and update params.

    Nothing is written when the export has a problem, or when the raw file exists and is not
    the synthetic one (without ``--force``). If ``dvc add`` fails, the raw file and
    ``params.yaml`` are put back as they were.
    """
    import subprocess

    from .exports import MappingError, load_mapping, params_with_export, validate_export
    from .io import atomic_path, write_csv, write_text

    cb = load_codebook(args.codebook)
    try:
        mapping = load_mapping(args.mapping)
    except MappingError as exc:
        print(f"{exc}\nnothing written", file=sys.stderr)
        return 1
    df, problems = validate_export(args.export, cb, mapping)
    if problems:
        _print_problems(args.export, problems)
        print("nothing written", file=sys.stderr)
        return 1
    old_params = args.params.read_text(encoding="utf-8")
    new_params = params_with_export(old_params, cb.wave)
    synthetic = cb.wave in _read_params(args.params)["synthesize"]["years"]
    out = args.raw_dir / f"{cb.wave}.csv"
    previous = (out.read_bytes(), out.stat().st_mode) if out.exists() else None
    if previous and not synthetic and not args.force:
        print(
            f"{out} exists and is not synthetic (an export added before?); nothing written. "
            "Pass --force to replace it (`dvc add` keeps the old version in the DVC cache).",
            file=sys.stderr,
        )
        return 1
    if previous:
        print(f"replacing {'the synthetic ' if synthetic else ''}{out}")
    write_csv(df, out, mode=0o444)  # raw data are read-only: the pipeline only reads them
    # params.yaml first: `dvc add` refuses a file that is still a synthesize stage's output.
    write_text(new_params, args.params)
    if not args.no_dvc:
        try:
            failed = subprocess.run(["dvc", "add", str(out)]).returncode
        except OSError as exc:  # dvc is not installed or not on PATH
            failed = exc.strerror or str(exc)
        if failed:
            write_text(old_params, args.params)
            if previous is None:
                out.unlink()
            else:
                with atomic_path(out, previous[1] & 0o777) as tmp:
                    tmp.write_bytes(previous[0])
            print(
                f"`dvc add {out}` failed ({failed}); {out} and {args.params} are back as they were",
                file=sys.stderr,
            )
            return 1
    print(f"wrote {out}: {len(df)} municipalities; {args.params} now builds {cb.wave} from it")
    print("next: `dvc repro` (or `make repro`) builds every edition")
    return 0


def _clean(args: argparse.Namespace) -> int:
    from .clean import clean_file
    from .validate import ValidationError

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
    import pandas as pd

    from .calibration import check, load_calibration

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
            synthetic_years=[int(y) for y in params["synthesize"]["years"]],
        )
    except ExecutionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for path in done:
        print(f"executed {path}")
    return 0


def _metrics(args: argparse.Namespace) -> int:
    import pandas as pd

    from .metrics import headline, write_metrics

    cb = load_codebook(args.codebook)
    values = headline(pd.read_parquet(args.clean), cb)
    write_metrics(values, args.out)
    print(f"wrote {args.out}: {len(values)} indicators")
    return 0


def _book(args: argparse.Namespace) -> int:
    # As in `execute`: keep nbformat's jsonschema from compiling a grammar it never uses.
    sys.modules.setdefault("rfc3987_syntax", None)
    from .book import BookError, assemble, render

    params = _read_params(args.params)
    years = [int(y) for y in params["years"]]
    synthetic_years = [int(y) for y in params["synthesize"]["years"]]
    common = dict(
        book_dir=args.book,
        build_dir=args.build,
        codebook_dir=args.codebook_dir,
        assumptions=args.assumptions,
        lock_path=args.lock,
        metrics_dir=args.metrics,
        clean_dir=args.clean_dir,
        min_count=int(params["disclosure"]["min_count"]),
    )
    try:
        if args.command == "render":
            workers = (params.get("render") or {}).get("workers")
            done = render(
                years, site=args.out, synthetic_years=synthetic_years, cache=args.cache,
                workers=int(workers) if workers else None, force=args.force, check=args.check,
                log=None if args.check else print, **common,
            )  # fmt: skip
            if args.check:
                todo = "; ".join(f"{y}: {what}" for y, what in sorted(done.items()))
                print(f"Book out of date ({todo}): run `make render`" if done else
                      f"Book up to date: {args.out}")  # fmt: skip
            elif not done:
                print(f"Book up to date: {args.out}")
            else:
                print(f"rendered {len(done)} of {len(years)} editions into {args.out}")
        else:
            for year in years:
                out = args.out / str(year)
                src = assemble(year, years, out=out, synthetic=year in synthetic_years, **common)
                print(f"assembled {src}")
    except BookError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


def _release(args: argparse.Namespace) -> int:
    sys.modules.setdefault("rfc3987_syntax", None)  # as in `book`
    from .book import BookError, assemble, render
    from .releases import ReleaseError, make_release, quarto_available

    params = _read_params(args.params)
    years = [int(y) for y in params["years"]]
    synthetic_years = [int(y) for y in params["synthesize"]["years"]]
    common = dict(
        book_dir=args.book, build_dir=args.build, codebook_dir=args.codebook_dir,
        assumptions=args.assumptions, lock_path=args.lock, metrics_dir=args.metrics,
        clean_dir=args.clean_dir, min_count=int(params["disclosure"]["min_count"]),
    )  # fmt: skip

    def assemble_book() -> None:  # `make site`, at the release commit
        for year in years:
            assemble(year, years, out=args.out / str(year), synthetic=year in synthetic_years,
                     **common)  # fmt: skip

    def render_book() -> None:  # `make render FORCE=1`: every edition names the release
        workers = (params.get("render") or {}).get("workers")
        render(years, site=args.site, synthetic_years=synthetic_years, force=True, log=print,
               workers=int(workers) if workers else None, **common)  # fmt: skip

    try:
        make_release(
            args.book.resolve().parent, args.version, args.notes, years=years,
            synthetic_years=synthetic_years, book_dir=args.book, build_dir=args.build,
            lock_path=args.lock, assemble_book=assemble_book,
            render_book=render_book if quarto_available() else None, push=not args.no_push,
        )  # fmt: skip
    except (ReleaseError, BookError) as exc:
        print(f"release {args.version}: {exc}", file=sys.stderr)
        return 1
    if not quarto_available():
        print("Quarto not found: the book was assembled, not rendered (`make render FORCE=1`).")
    return 0


def _check_release(args: argparse.Namespace) -> int:
    from .book import chapter_slugs, load_template
    from .releases import ReleaseError, check_build, load_records

    root = args.book.resolve().parent
    try:
        record = load_records(root).get(args.version)
        if record is None:
            print(f"no record of release {args.version} in {root / 'releases'}", file=sys.stderr)
            return 1
        problems = check_build(root, record, args.build, chapter_slugs(load_template(args.book)))
    except ReleaseError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} file(s) differ from release {args.version}", file=sys.stderr)
        return 1
    n = sum(len(e["items"]) for e in record["editions"].values())
    print(f"identical to release {args.version}: the raw and cleaned data of "
          f"{len(record['editions'])} waves and {n} CSV downloads")  # fmt: skip
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

    p = sub.add_parser("validate", help="list every problem of raw or real exports")
    p.add_argument("--codebook", type=Path, required=True)
    p.add_argument(
        "--mapping", type=Path, help="mapping file of a real export (columns, CSV format)"
    )
    p.add_argument("raw", type=Path, nargs="+", help=".csv, .xlsx or .sav files")
    p.set_defaults(func=_validate)

    p = sub.add_parser("add-export", help="use a real survey export for a wave")
    p.add_argument("--codebook", type=Path, required=True, help="the wave's codebook")
    p.add_argument("--export", type=Path, required=True, help=".csv, .xlsx or .sav export")
    p.add_argument("--mapping", type=Path, help="mapping file (columns, CSV format)")
    p.add_argument("--params", type=Path, default=Path("params.yaml"))
    p.add_argument("--raw-dir", type=Path, default=Path("data/raw"))
    p.add_argument("--no-dvc", action="store_true", help="do not run `dvc add` on the raw file")
    p.add_argument("--force", action="store_true", help="replace a raw file that is not synthetic")
    p.set_defaults(func=_add_export)

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
        ("release", "make a release: record, changelog, commit, tag, book (README, Releases)"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--params", type=Path, required=True, help="params.yaml (years, disclosure)")
        p.add_argument("--book", type=Path, required=True, help="the book template folder")
        p.add_argument("--build", type=Path, required=True, help="executed chapters")
        p.add_argument("--codebook-dir", type=Path, required=True)
        p.add_argument("--clean-dir", type=Path, required=True, help="cleaned waves (checks)")
        p.add_argument("--assumptions", type=Path, required=True)
        p.add_argument("--lock", type=Path, required=True, help="dvc.lock (data hashes)")
        p.add_argument("--metrics", type=Path, required=True)
        p.add_argument("--out", type=Path, required=True)
        if name == "render":
            p.add_argument("--cache", type=Path, help="kept Quarto projects (default: "
                           "<out>/../.book-cache)")  # fmt: skip
            p.add_argument("--force", action="store_true", help="render every edition whole")
            p.add_argument("--check", action="store_true", help="only say what would render")
        p.set_defaults(func=_book)
        if name == "release":  # --out: the assembled sources; --site: the rendered book
            p.add_argument("--version", required=True, help="the new version, MAJOR.MINOR.PATCH")
            p.add_argument("--notes", required=True, help="what changed since the last release")
            p.add_argument("--site", type=Path, default=Path("_site"), help="where Quarto "
                           "renders the book, if installed (default: _site)")  # fmt: skip
            p.add_argument("--no-push", action="store_true", help="do not run `dvc push`")
            p.set_defaults(func=_release)

    p = sub.add_parser("check-release", help="compare the data and CSVs with a release's record")
    p.add_argument("version", help="the release, e.g. 1.0.0 (releases/<version>.json)")
    p.add_argument("--book", type=Path, default=Path("book"), help="the book template folder")
    p.add_argument("--build", type=Path, default=Path("build"), help="executed chapters")
    p.set_defaults(func=_check_release)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CalibrationError as exc:
        print(f"calibration error: {exc}", file=sys.stderr)
        return 2
    except CodebookError as exc:
        print(f"codebook error: {exc}", file=sys.stderr)
        return 2
