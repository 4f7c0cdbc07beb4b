"""The compliance report as JSON (shape: README, "JSON output"), CSV (one ledger row per line) and a
Norwegian text table. The HTML page is `monitor.report.html`."""

from __future__ import annotations

import csv
import io
from collections import Counter

from monitor.catalogue.apis import api_display_name
from monitor.deliver.render import CATEGORY_SHORT
from monitor.localtime import local_iso, local_time
from monitor.report.compliance import (
    REQUIREMENT_NAMES,
    STATUSES,
    ComplianceReport,
    KommuneReport,
    LedgerRow,
)

#: The ledger statuses in Norwegian, for the table, the CSV and the HTML page.
STATUS_NAMES = {
    "delivered": "levert",
    "silenced": "dempet",
    "dead": "ikke levert",
    "pending": "venter",
    "filtered": "filtrert bort",
    "not_sent": "ikke sendt",
}
CSV_COLUMNS = (
    "kommunenummer", "kommune", "varsel", "versjon", "tittel", "kategori", "miljø", "sett",
    "kanal", "status", "tidspunkt", "forklaring",
)  # fmt: skip


def counts(report: KommuneReport) -> dict[str, int]:
    found = Counter(row.status for row in report.ledger)
    return {status: found.get(status, 0) for status in STATUSES}


def report_json(report: ComplianceReport) -> dict[str, object]:
    return {
        "rules": str(report.rules.path),
        "generated_at": local_iso(report.generated_at),
        "since": local_iso(report.since),
        "kommuner": [_kommune_json(kommune) for kommune in report.kommuner],
    }


def _kommune_json(report: KommuneReport) -> dict[str, object]:
    return {
        "kommunenummer": report.kommune.number,
        "navn": report.kommune.name,
        "rettighetspakker": list(report.kommune.rettighetspakker),
        "apis": [{"api": api, "why": why} for api, why in report.apis.items()],
        "coverage": [
            {
                "requirement": item.requirement,
                "channels": list(item.channels),
                "filtered": [{"by": by, "why": why} for by, why in item.filtered],
                "gap": item.gap,
            }
            for item in report.coverage
        ],
        "gaps": [item.requirement for item in report.gaps],
        "counts": counts(report),
        "ledger": [_row_json(row) for row in report.ledger],
        "silences": [
            {
                "id": silence.id,
                "matchers": silence.matchers(),
                "starts_at": local_iso(silence.starts_at),
                "ends_at": local_iso(silence.ends_at),
                "created_by": silence.created_by,
                "reason": silence.reason,
            }
            for silence in report.silences
        ],
    }


def _row_json(row: LedgerRow) -> dict[str, object]:
    classification = row.version.classification
    return {
        "notice_key": row.version.key,
        "version": row.version.version,
        "title": row.version.notice.title,
        "category": classification.category if classification else None,
        "environment": classification.environment if classification else None,
        "seen_at": local_iso(row.version.seen_at),
        "channel": row.channel,
        "status": row.status,
        "at": local_iso(row.at),
        "detail": row.detail,
    }


def report_csv(report: ComplianceReport) -> str:
    """One line per ledger row, Norwegian column names, times in Europe/Oslo with the offset."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for kommune in report.kommuner:
        for row in kommune.ledger:
            classification = row.version.classification
            writer.writerow(
                [
                    kommune.kommune.number, kommune.kommune.name, row.version.key, row.version.version,
                    row.version.notice.title, classification.category if classification else "",
                    classification.environment if classification else "", local_iso(row.version.seen_at),
                    row.channel, STATUS_NAMES[row.status], local_iso(row.at) or "", row.detail,
                ]
            )  # fmt: skip
    return out.getvalue()


def report_lines(report: ComplianceReport) -> list[str]:
    """The Norwegian text form: per kommune its APIs, what it receives (gaps marked), its ledger."""
    period = f"fra {local_time(report.since)}" if report.since else "hele historikken"
    lines = [f"Etterlevelsesrapport, laget {local_time(report.generated_at)} ({period})"]
    for kommune in report.kommuner:
        lines += ["", f"== {kommune.kommune.name} ({kommune.kommune.number})"]
        lines += [f"   API: {api_display_name(api)}: {why}" for api, why in kommune.apis.items()]
        for item in kommune.coverage:
            name = REQUIREMENT_NAMES[item.requirement]
            if item.gap:
                why = "; ".join(f"{by}: {text}" for by, text in item.filtered)
                lines.append(f"   MANGLER  {name}: ingen kanal får dem ({why})")
            else:
                lines.append(f"   ok       {name}: {', '.join(item.channels)}")
        lines += [
            f"   Demping {silence.id} ({silence.matchers()}) {local_time(silence.starts_at)} til "
            f"{local_time(silence.ends_at)}, satt av {silence.created_by}: {silence.reason}"
            for silence in kommune.silences
        ]
        total = counts(kommune)
        summary = ", ".join(f"{STATUS_NAMES[status]} {total[status]}" for status in STATUSES)
        lines.append(f"   Varsler: {len(kommune.ledger)} rader ({summary})")
        for row in kommune.ledger:
            when = local_time(row.at) if row.at else "-"
            category = (
                CATEGORY_SHORT[row.version.classification.category] if row.version.classification else "-"
            )
            lines.append(
                f"   {local_time(row.version.seen_at)}  {category:<12} {row.channel:<10} "
                f"{STATUS_NAMES[row.status]:<13} "
                f"{when:<22} {row.version.notice.title[:60]} ({row.detail})"
            )
    return lines
