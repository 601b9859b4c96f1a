"""``symbackprop serve``: its options and what it runs (imported by the command line; light to import)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    """The options of ``symbackprop serve``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for a classroom network)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    parser.add_argument("--variants", metavar="FILE.json", type=Path, help="variants.json of symbackprop homework: students load their own questions")
    parser.add_argument("--db", metavar="FILE.sqlite", type=Path, help="record every check in this SQLite database (created if missing)")
    parser.add_argument("--rate-limit", type=float, default=60.0, metavar="N", help="checks per minute per client (previews: 4N); 0 turns the limit off (default 60)")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="checking processes per network (default: every core)")
    parser.add_argument("--time-limit", type=float, default=5.0, metavar="S", help="seconds per answer's optional stages; a check is killed after 2S+5 s (default 5)")
    parser.add_argument("--explore", action=argparse.BooleanOptionalAction, default=None,
                        help="serve the Explore page (worked derivations); default: on, but off with --variants")
    parser.add_argument("--export", metavar="OUT.csv", type=Path,
                        help="with --db: write the submissions CSV (id,part,answer,conventions: each student's latest answer per part) "
                             "for symbackprop grade, and exit (symbackprop grade --db reads the database directly)")
    parser.add_argument("--force", action="store_true", help="with --export: replace an existing file that symbackprop did not write")


def run(args: argparse.Namespace) -> int:
    from ..errors import SpecError
    from ..limits import checked_time_limit, checked_workers

    if args.export is not None:
        if args.db is None:
            raise SpecError("--export needs --db FILE: the database to export")
        from .store import export_submissions

        summary = export_submissions(args.db, args.export, force=args.force)
        noun = "submission" if summary.written == 1 else "submissions"
        print(f"wrote {summary.written} {noun} (each student's latest answer per part) to {args.export}")
        if summary.without_student_or_part:
            print(f"{summary.without_student_or_part} of {summary.checks} recorded checks had no student id or part "
                  "(practice on a chosen network); they stay in the database", file=sys.stderr)
        return 0
    if not 0 <= args.port <= 65535:
        raise SpecError("--port must be between 0 and 65535")
    if not (math.isfinite(args.rate_limit) and args.rate_limit >= 0):
        raise SpecError("--rate-limit must be 0 (no limit) or a positive number of checks per minute")
    checked_time_limit(args.time_limit, name="--time-limit")
    if args.workers is not None:
        checked_workers(args.workers, name="--workers")
    from .server import serve
    from .app import Settings

    settings = Settings(
        variants=args.variants, db=args.db, rate_limit=args.rate_limit, workers=args.workers, time_limit=args.time_limit, explore=args.explore
    )
    return serve(settings, host=args.host, port=args.port)
