"""The compliance report as one self-contained printable HTML page (Norwegian, inline CSS, no
scripts, no external resources) an admin can attach to an audit. Every value is escaped."""

from __future__ import annotations

from html import escape

from monitor.catalogue.apis import api_display_name
from monitor.deliver.render import CATEGORY_SHORT
from monitor.localtime import local_time
from monitor.report.compliance import REQUIREMENT_NAMES, STATUSES, ComplianceReport, KommuneReport
from monitor.report.output import STATUS_NAMES, counts

STYLE = """
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 2px solid #333; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; } caption { text-align: left; font-weight: bold; padding: 0.3em 0; }
.gap { background: #fdd; font-weight: bold; } .ok { background: #dfd; }
.status-dead, .status-not_sent { background: #fdd; } .status-silenced, .status-pending { background: #ffd; }
@media print { body { margin: 0; font-size: 9pt; } section + section { break-before: page; }
  tr { break-inside: avoid; } th { background: #eee !important; print-color-adjust: exact; } }
"""


def report_html(report: ComplianceReport) -> str:
    period = f"fra {local_time(report.since)}" if report.since else "hele den lagrede historikken"
    parts = [
        '<!DOCTYPE html>\n<html lang="nb">\n<head>\n<meta charset="utf-8">',
        "<title>Etterlevelsesrapport for driftsvarsler</title>",
        f"<style>{STYLE}</style>\n</head>\n<body>",
        "<h1>Etterlevelsesrapport for driftsvarsler fra Skatteetaten</h1>",
        f"<p>Laget {_e(local_time(report.generated_at))} fra regelfila {_e(str(report.rules.path))}; "
        f"periode: {_e(period)}. Avtalen forplikter kommunen til å følge med på endringer, feil og "
        "nedetid, også i testmiljøet.</p>",
    ]
    for kommune in report.kommuner:
        parts += _kommune(kommune)
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _kommune(report: KommuneReport) -> list[str]:
    name = f"{report.kommune.name} ({report.kommune.number})"
    parts = [f"<section>\n<h2>{_e(name)}</h2>"]
    pakker = ", ".join(report.kommune.rettighetspakker) or "ingen"
    parts.append(f"<p>Rettighetspakker: {_e(pakker)}</p>")
    parts.append("<table>\n<caption>API-er kommunen bruker, og hvorfor</caption>")
    parts.append("<tr><th>API</th><th>Hvorfor</th></tr>")
    parts += [
        f"<tr><td>{_e(api_display_name(api))}</td><td>{_e(why)}</td></tr>" for api, why in report.apis.items()
    ]
    parts.append("</table>\n<table>\n<caption>Mottar kommunen alt avtalen krever?</caption>")
    parts.append("<tr><th>Krav</th><th>Vurdering</th><th>Kanaler</th><th>Filtrert bort av</th></tr>")
    for item in report.coverage:
        verdict = '<td class="gap">MANGLER</td>' if item.gap else '<td class="ok">ok</td>'
        filtered = "; ".join(f"{by}: {why}" for by, why in item.filtered) or "-"
        parts.append(
            f"<tr><td>{_e(REQUIREMENT_NAMES[item.requirement])}</td>{verdict}"
            f"<td>{_e(', '.join(item.channels) or '-')}</td><td>{_e(filtered)}</td></tr>"
        )
    if report.silences:
        parts.append(
            "</table>\n<table>\n<caption>Dempinger som kunne holde tilbake kommunens varsler</caption>"
        )
        parts.append(
            "<tr><th>Nr.</th><th>Gjelder</th><th>Fra</th><th>Til</th><th>Satt av</th><th>Hvorfor</th></tr>"
        )
        parts += [
            f"<tr><td>{silence.id}</td><td>{_e(silence.matchers())}</td><td>{_e(local_time(silence.starts_at))}</td>"
            f"<td>{_e(local_time(silence.ends_at))}</td><td>{_e(silence.created_by)}</td>"
            f"<td>{_e(silence.reason)}</td></tr>"
            for silence in report.silences
        ]
    total = counts(report)
    summary = ", ".join(f"{STATUS_NAMES[status]}: {total[status]}" for status in STATUSES)
    parts.append(f"</table>\n<p>Varsler i perioden: {len(report.ledger)} rader ({_e(summary)}).</p>")
    parts.append("<table>\n<caption>Varsler om kommunens API-er, og hva som ble av dem</caption>")
    parts.append(
        "<tr><th>Sett</th><th>Varsel</th><th>Kategori</th><th>Kanal</th><th>Status</th>"
        "<th>Tidspunkt</th><th>Forklaring</th></tr>"
    )
    for row in report.ledger:
        category = CATEGORY_SHORT[row.version.classification.category] if row.version.classification else "-"
        title = row.version.notice.title + (
            f" (versjon {row.version.version})" if row.version.version > 1 else ""
        )
        parts.append(
            f'<tr class="status-{row.status}"><td>{_e(local_time(row.version.seen_at))}</td>'
            f"<td>{_e(title)}</td>"
            f"<td>{_e(category)}</td><td>{_e(row.channel)}</td><td>{_e(STATUS_NAMES[row.status])}</td>"
            f"<td>{_e(local_time(row.at))}</td><td>{_e(row.detail)}</td></tr>"
        )
    if not report.ledger:
        parts.append('<tr><td colspan="7">Ingen varsler om kommunens API-er i perioden.</td></tr>')
    parts.append("</table>\n</section>")
    return parts


def _e(text: str) -> str:
    return escape(text, quote=True)
