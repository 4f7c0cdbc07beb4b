"""The status page as Norwegian HTML: headings for every section, tables with captions, a
text alternative for every 7-day bar, colours with text labels (never colour alone), a small
inline stylesheet that works on a phone, no JavaScript, and a meta refresh."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape

from monitor.deliver.render import API_NAMES, CATEGORY_SHORT, ENVIRONMENT_NAMES, window_text
from monitor.model import Window
from monitor.web.view import OSLO, DayShare, NoticeView, Overview, ProbeView, SourceView

REFRESH_SECONDS = 60
STATE_NAMES = {"up": "Oppe", "down": "Nede", "misconfigured": "Feilkonfigurert", "unknown": "Ukjent"}
STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:0 1rem 2rem;
color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin:1rem 0 .25rem}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d0d7de}
p.meta,.muted{color:#57606a}a{color:#0b5cad}
table{border-collapse:collapse;width:100%}caption{text-align:left;color:#57606a;padding:.25rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top}
.badge{display:inline-block;padding:0 .45rem;border-radius:.25rem;color:#fff;font-weight:600;
white-space:nowrap}
.ok{background:#1a7f37}.bad{background:#b42318}.warn{background:#9a6700}.none{background:#57606a}
.bar{display:inline-flex;gap:2px}.bar span{display:inline-block;width:.9rem;height:1.5rem;border-radius:2px}
ul.notices{list-style:none;padding:0}
ul.notices li{border-left:4px solid #b42318;padding:.25rem .75rem;margin:.5rem 0}
ul.notices li.planned{border-color:#9a6700}
details{margin-top:.25rem}summary{cursor:pointer;color:#0b5cad}
@media (max-width:40rem){table,caption,thead,tbody,tr,th,td{display:block}
thead{position:absolute;left:-9999px}
td{border:0;padding:.15rem 0}tr{border-bottom:1px solid #d0d7de;padding:.5rem 0}}
"""


def render_page(view: Overview) -> str:
    """The whole page."""
    updated = _time(view.now)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nb"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">',
        "<title>Driftsvarsel – status for delingstjenestene</title>",
        f"<style>{STYLE}</style></head><body><main>",
        "<h1>Driftsstatus for Skatteetatens delingstjenester</h1>",
        f'<p class="meta">Oppdatert {updated}. Siden oppdateres av seg selv hvert minutt. '
        '<a href="/status.json">Samme innhold som JSON</a>.</p>',
        _incidents("Pågående feil og nedetid", view.current, "Ingen pågående feil eller nedetid."),
        _incidents("Varslet vedlikehold", view.maintenance, "Ikke noe varslet vedlikehold."),
        _probes(view.probes),
        _recent(view.recent),
        _deliveries(view),
        _sources(view.sources),
        "</main></body></html>",
    ]
    return "\n".join(parts)


def _incidents(title: str, notices: Iterable[NoticeView], empty: str) -> str:
    items = [
        f'<li class="{"planned" if n.planned else "unplanned"}"><strong>{_link(n)}</strong><br>'
        f"{escape(_category(n))} · {escape(_apis(n.apis))}"
        + (f" · Tidsrom: {escape(_window(n))}" if n.window_start or n.window_end else "")
        + f' <span class="muted">(sist oppdatert {_time(n.when)})</span></li>'
        for n in notices
    ]
    body = f'<ul class="notices">{"".join(items)}</ul>' if items else f"<p>{empty}</p>"
    return f"<section><h2>{title}</h2>{body}</section>"


def _probes(probes: Iterable[ProbeView]) -> str:
    rows = [
        f"<tr><td>{escape(API_NAMES.get(p.api, p.api))}</td>"
        f"<td>{escape(ENVIRONMENT_NAMES.get(p.environment, p.environment))}</td>"
        f"<td>{_badge(p.state)}</td><td>{_time(p.since)}</td><td>{_latency(p.latency_ms)}</td>"
        f"<td>{_bar(p.days)}</td></tr>"
        for p in probes
    ]
    if not rows:
        return "<section><h2>API-ene</h2><p>Ingen API-er er helsesjekket ennå.</p></section>"
    head = "<tr><th>API</th><th>Miljø</th><th>Tilstand</th><th>Siden</th><th>Svartid</th>"
    head += "<th>Siste 7 døgn</th></tr>"
    caption = "Helsesjekk av API-ene kommunene bruker"
    return f"<section><h2>API-ene</h2>{_table(caption, head, rows)}</section>"


def _recent(notices: Iterable[NoticeView]) -> str:
    rows = [
        f'<tr><td>{_time(n.when)}</td><td>{_link(n)}<br><span class="muted">{escape(n.source)}</span></td>'
        f"<td>{escape(_category(n))}</td><td>{escape(_apis(n.apis))}</td><td>{_reasons(n.reasons)}</td></tr>"
        for n in notices
    ]
    if not rows:
        return "<section><h2>Siste varsler</h2><p>Ingen varsler ennå.</p></section>"
    head = "<tr><th>Tid</th><th>Varsel</th><th>Kategori</th><th>API-er</th><th>Hvorfor</th></tr>"
    caption = "De nyeste varslene fra Skatteetaten og hvordan de ble klassifisert"
    return f"<section><h2>Siste varsler</h2>{_table(caption, head, rows)}</section>"


def _deliveries(view: Overview) -> str:
    rows = [
        f"<tr><td>{escape(view.kommune_names.get(d.kommune, d.kommune))} ({escape(d.kommune)})</td>"
        f"<td>{d.pending}</td><td>{_count(d.failing, 'warn')}</td><td>{_count(d.dead, 'bad')}</td>"
        f"<td>{escape(d.last_error or '')}</td></tr>"
        for d in view.deliveries
    ]
    if not rows:
        return "<section><h2>Levering til kommunene</h2><p>Alle meldinger er levert.</p></section>"
    head = "<tr><th>Kommune</th><th>I kø</th><th>Feiler</th><th>Gitt opp</th><th>Siste feil</th></tr>"
    caption = "Meldinger som ikke er levert ennå, per kommune"
    return f"<section><h2>Levering til kommunene</h2>{_table(caption, head, rows)}</section>"


def _sources(sources: Iterable[SourceView]) -> str:
    rows = [
        f"<tr><td>{escape(s.name)}</td><td>{escape(s.kind)}</td><td>{_source_badge(s)}</td>"
        f"<td>{_time(s.last_ok_at)}</td><td>{escape(s.error or '')}</td></tr>"
        for s in sources
    ]
    head = "<tr><th>Kilde</th><th>Type</th><th>Tilstand</th><th>Sist lest</th><th>Feil</th></tr>"
    return f"<section><h2>Kildene</h2>{_table('Kildene driftsvarsel leser', head, rows)}</section>"


def _table(caption: str, head: str, rows: list[str]) -> str:
    return f"<table><caption>{caption}</caption><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _bar(days: Iterable[DayShare]) -> str:
    labels, cells = [], []
    for day in days:
        date = f"{day.day[8:10]}.{day.day[5:7]}"
        if day.total == 0:
            labels.append(f"{date}: ingen målinger")
            cells.append('<span class="none"></span>')
            continue
        share = round(100 * day.up / day.total)
        labels.append(f"{date}: {share} % oppe")
        css = "ok" if share == 100 else "bad" if share < 90 else "warn"
        cells.append(f'<span class="{css}"></span>')
    label = escape("Siste 7 døgn – " + "; ".join(labels), quote=True)
    return f'<span class="bar" role="img" aria-label="{label}" title="{label}">{"".join(cells)}</span>'


def _badge(state: str) -> str:
    css = {"up": "ok", "down": "bad", "misconfigured": "warn"}.get(state, "none")
    return f'<span class="badge {css}">{STATE_NAMES.get(state, escape(state))}</span>'


def _source_badge(source: SourceView) -> str:
    if source.ok is None:
        return '<span class="badge none">Ikke lest ennå</span>'
    if source.ok:
        return '<span class="badge ok">OK</span>'
    return f'<span class="badge bad">Feiler ({source.failures} ganger)</span>'


def _count(count: int, css: str) -> str:
    return f'<span class="badge {css}">{count}</span>' if count else "0"


def _link(notice: NoticeView) -> str:
    title = escape(notice.title)
    if notice.link.startswith(("https://", "http://")):
        return f'<a href="{escape(notice.link, quote=True)}">{title}</a>'
    return title


def _category(notice: NoticeView) -> str:
    name = CATEGORY_SHORT.get(notice.category, notice.category)
    if notice.category == "downtime" and notice.planned is not None:
        return f"{name} ({'planlagt' if notice.planned else 'uplanlagt'})"
    return name


def _apis(apis: tuple[str, ...]) -> str:
    return ", ".join(API_NAMES.get(api, api) for api in apis) if apis else "Ingen kommune-API"


def _window(notice: NoticeView) -> str:
    return window_text(Window(notice.window_start, notice.window_end))


def _reasons(reasons: tuple[str, ...]) -> str:
    if not reasons:
        return ""
    items = "".join(f"<li>{escape(reason)}</li>" for reason in reasons)
    return f"<details><summary>Vis {len(reasons)} grunner</summary><ul>{items}</ul></details>"


def _latency(milliseconds: float | None) -> str:
    return "–" if milliseconds is None else f"{milliseconds:.0f} ms"


def _time(moment: datetime | None) -> str:
    if moment is None:
        return "–"
    return f"{moment.astimezone(OSLO):%d.%m.%Y kl. %H:%M}"
