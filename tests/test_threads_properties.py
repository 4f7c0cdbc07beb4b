"""Property tests over generated incident chains: problem → follow-ups → resolution, several chains
interleaved in time, matched in time order the way the pipeline does it (`OpeningIndex`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.model import KOMMUNE_APIS, Classification, Environment, Notice
from monitor.route.threads import OpeningIndex, apis_overlap, environments_overlap, find_chain

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)
WORDS = ("motorvogn", "ligningsdata", "folkeregister", "matrikkel", "eiendom", "skattekort", "betaling")
ENVIRONMENTS: tuple[Environment, ...] = ("prod", "test", "both", "unspecified")


@dataclass(frozen=True)
class Event:
    key: str
    chain: int
    notice: Notice
    classification: Classification


@st.composite
def chains(draw: st.DrawFn, disjoint: bool) -> list[Event]:
    count = draw(st.integers(1, len(KOMMUNE_APIS) if disjoint else 6))
    apis_pool = list(KOMMUNE_APIS)
    events: list[Event] = []
    for chain in range(count):
        if disjoint:
            apis: tuple[str, ...] = (apis_pool[chain],)
        else:
            apis = tuple(sorted(draw(st.sets(st.sampled_from([*KOMMUNE_APIS, "*"]), min_size=1, max_size=2))))
            apis = ("*",) if "*" in apis else apis
        environment = draw(st.sampled_from(ENVIRONMENTS))
        start = T0 + timedelta(minutes=draw(st.integers(0, 600)))
        gaps = draw(st.lists(st.integers(5, 300), min_size=1, max_size=4))
        word = WORDS[chain % len(WORDS)]
        moment = start
        for step, gap in enumerate(gaps):
            resolved = step == len(gaps) - 1
            category = "resolved" if resolved else "error"
            title = f"{'Løst: ' if resolved else ''}Feil i {word}"
            notice = Notice(
                "feed", f"c{chain}-{step}", title, f"Tjenesten {word} {category}.", "", published=moment
            )
            classification = Classification(category, None, apis, environment, None)
            events.append(Event(f"feed:c{chain}-{step}", chain, notice, classification))
            moment += timedelta(minutes=gap)
    return sorted(events, key=lambda event: (event.notice.published, event.key))


def run(events: list[Event]) -> dict[str, tuple[str, ...]]:
    """Match every event in time order; returns event key → the chain it threaded under."""
    index = OpeningIndex()
    matched: dict[str, tuple[str, ...]] = {}
    for event in events:
        at = event.notice.published
        assert at is not None
        lookback = timedelta(days=7) if event.classification.category == "resolved" else timedelta(hours=24)
        chain = find_chain(
            event.notice, event.classification, index, at, lookback=lookback, exclude=event.key
        )
        matched[event.key] = chain
        if event.classification.category == "resolved":
            index.close(chain)
        index.add(event.key, event.notice, event.classification)
    return matched


@settings(max_examples=150, deadline=None)
@given(chains(disjoint=False))
def test_find_chain_threads_only_under_open_overlapping_earlier_incidents(events: list[Event]) -> None:
    by_key = {event.key: event for event in events}
    matched = run(events)
    closed: set[str] = set()
    for event in events:
        chain = matched[event.key]
        for key in chain:
            opening = by_key[key]
            assert opening.classification.category == "error"
            assert opening.notice.published is not None and event.notice.published is not None
            assert opening.notice.published <= event.notice.published
            assert apis_overlap(event.classification.apis, opening.classification.apis) is not False
            assert environments_overlap(event.classification.environment, opening.classification.environment)
            assert key not in closed, f"{event.key} threaded under {key}, closed before"
        if event.classification.category == "resolved":
            closed.update(chain)


@settings(max_examples=150, deadline=None)
@given(chains(disjoint=True))
def test_find_chain_disjoint_chains_each_thread_under_their_own_opening(events: list[Event]) -> None:
    matched = run(events)
    for event in events:
        chain = matched[event.key]
        step = int(event.key.rsplit("-", 1)[1])
        if step == 0:
            assert chain == (), "an opening follows up nothing on other APIs"
            continue
        assert chain, f"{event.key} found no thread"
        assert chain[0] == f"feed:c{event.chain}-0"
        assert all(key.startswith(f"feed:c{event.chain}-") for key in chain)
