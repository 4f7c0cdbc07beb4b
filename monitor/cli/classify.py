"""classify FILE..., eval LABELS [FILE...]: the notice classifier on post files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.cli.common import ERROR, OK
from monitor.errors import UserError

if TYPE_CHECKING:
    from monitor.cli.common import Commands


def add(commands: Commands) -> None:
    classify = commands.add_parser(
        "classify", help="classify post files: one JSON label (GUIDE.md keys) per line"
    )
    classify.add_argument("files", type=Path, nargs="+", metavar="FILE", help="post file (.md, front matter)")
    classify.add_argument("--explain", action="store_true", help="add a 'reasons' list to each line")
    classify.set_defaults(handler=_classify)
    evaluate = commands.add_parser("eval", help="measure the classifier against labelled posts")
    evaluate.add_argument("labels", type=Path, metavar="LABELS.jsonl", help="labels (GUIDE.md format)")
    evaluate.add_argument(
        "files",
        type=Path,
        nargs="*",
        default=[],
        metavar="FILE",
        help="posts (default: <labels>/../corpus/posts/)",
    )
    evaluate.add_argument(
        "--rules", type=Path, help="rules for recipient recall/precision (default as for run, when present)"
    )
    evaluate.add_argument("--first-sight-log", type=Path, metavar="FILE", help="append this batch's row")
    evaluate.add_argument("--batch", metavar="NAME", help="batch name for --first-sight-log")
    evaluate.set_defaults(handler=_eval)


def _classify(args: argparse.Namespace) -> int:
    from monitor.catalogue.components import component_apis
    from monitor.classify import classify
    from monitor.sources.postfile import read_post

    failed = False
    for path in args.files:
        try:
            notice = read_post(path)
        except UserError as error:
            print(f"Error: {error}", file=sys.stderr)
            failed = True
            continue
        result = classify(notice, components=component_apis)
        line = result.as_label(path.name)
        if args.explain:
            line["reasons"] = list(result.reasons)
            line["unsure"] = sorted(result.unsure)
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return ERROR if failed else OK


def _eval(args: argparse.Namespace) -> int:
    from monitor.cli.evaluate import evaluate, format_report
    from monitor.cli.reach import reach_report

    report = evaluate(args.labels, args.files or None)
    print(format_report(report))
    print("\n".join(reach_report(report.routed, args.rules)))
    if args.first_sight_log is not None:
        from monitor.cli.firstsight import log_first_sight

        print(log_first_sight(report, args.first_sight_log, args.batch))
    return OK
