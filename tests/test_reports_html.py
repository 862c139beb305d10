"""Tests of ``bot.py report --html``: one self-contained file whose charts really render.

The rendering test opens the file in headless Chromium (offline, no network services) and
reads back the DOM plotly.js built. CI installs Chromium (``.ci/run``), so there a missing
Chromium fails the test; on a developer's machine without it (``CI`` unset) it is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers.report_data import HTML_COMMENT, INJECTED_COMMENT, empty_database, fill_march, run_bot

import texts

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]


@pytest.fixture(autouse=True)
def _no_local_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder, so a developer's config.yaml is never picked up."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


@pytest.fixture(scope="module")
def march_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    db = fill_march(folder / "danvan.db")
    page = folder / "báo cáo.html"
    result = run_bot("report", "--db", str(db), "--html", str(page))
    assert result.status == 0, result.err
    assert texts.REPORT_HTML_WRITTEN.format(path=page) in result.out
    return page


@pytest.fixture(scope="module")
def empty_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("empty-html")
    page = folder / "empty.html"
    result = run_bot("report", "--db", str(empty_database(folder / "e.db")), "--html", str(page))
    assert result.status == 0, result.err
    return page


class _Resources(HTMLParser):
    """Every URL the page would load or link to, and the text outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.urls.append((tag, name, value))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def parse(page: Path) -> _Resources:
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_html_is_self_contained(march_html: Path) -> None:
    source = march_html.read_text(encoding="utf-8")
    page = parse(march_html)
    external = [
        (tag, name, value)
        for tag, name, value in page.urls
        if re.match(r"\s*(https?:)?//", value, re.I)
    ]
    assert external == []
    # No script or stylesheet is loaded from anywhere: plotly.js is inline.
    assert not [attrs for tag, attrs in page.tags if tag == "script" and attrs.get("src")]
    assert not [attrs for tag, attrs in page.tags if tag == "link"]
    assert "@import" not in source and "@font-face" not in source
    assert len(source) > 3_000_000  # plotly.js itself, about 4.8 MB
    # A Content-Security-Policy forbids every fetch, as a second line of defence.
    csp = [
        a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
    ]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")


def test_html_head_and_escaping(march_html: Path) -> None:
    source = march_html.read_text(encoding="utf-8")
    assert source.startswith('<!DOCTYPE html>\n<html lang="vi">')
    assert '<meta charset="utf-8">' in source
    page = parse(march_html)
    text = "".join(page.text)
    # Citizens' words appear as text, never as markup.
    assert HTML_COMMENT in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert "<script>alert(1)</script>" not in source
    assert INJECTED_COMMENT in text
    for title in (texts.REPORT_TITLE_FACTORS, texts.REPORT_TITLE_INBOX, texts.HTML_HEADING):
        assert title in text
    assert "Tiếp nhận, xử lý ý kiến góp ý, phản ánh, kiến nghị" in text
    assert "53,3%" in text and "60,0%" in text and "50,0%" in text


def chromium() -> str:
    """The Chromium binary; skipped locally when missing, a failure in CI."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        if os.environ.get("CI") is None:
            pytest.skip("Chromium is not installed (CI installs it: apt-get install chromium)")
        pytest.fail("Chromium is missing in CI: the HTML report cannot be checked")
    return found


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM of ``page`` after its scripts ran, from headless Chromium."""
    done = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def plots(dom: str) -> list[str]:
    """The markup of each rendered plotly chart (the div plotly marks js-plotly-plot)."""
    starts = [m.start() for m in re.finditer(r'<div[^>]*class="[^"]*js-plotly-plot', dom)]
    return [dom[start:end] for start, end in zip(starts, [*starts[1:], len(dom)], strict=True)]


def drawn_bars(plot: str) -> list[tuple[float, float]]:
    """(width, height) in pixels of the bars drawn in one chart with a visible area.

    plotly draws each bar as ``M x0,y0 V y1 H x1 V y0 Z``; a bar of value 0 keeps its path
    but has no width (horizontal bars) or no height (vertical ones).
    """
    number = r"(-?[\d.]+)"
    shape = re.compile(rf"M{number},{number}V{number}H{number}V{number}Z")
    sizes = []
    for path in re.findall(r'<g class="point"><path d="([^"]+)"', plot):
        found = shape.fullmatch(path)
        assert found, path
        x0, y0, y1, x1, _ = (float(value) for value in found.groups())
        sizes.append((abs(x1 - x0), abs(y1 - y0)))
    return [(w, h) for w, h in sizes if w > 0.5 and h > 0.5]


def test_charts_render_in_chromium(march_html: Path, tmp_path: Path) -> None:
    dom = dump_dom(march_html, tmp_path / "profile")
    charts = plots(dom)
    assert len(charts) == 3
    assert all(chart.count('class="main-svg"') >= 1 for chart in charts)
    factors, weekly, outcomes = charts
    assert 'id="chart-factors"' in factors
    # Five factors, two bars each: the average (1-5) and the share satisfied (4-5).
    assert len(drawn_bars(factors)) == 9  # "result" has 0% satisfied: no bar
    assert "Tiếp cận dịch vụ" in factors
    # Two weeks: four outcomes in the first, answered and unanswered in the second.
    assert len(drawn_bars(weekly)) == 6
    slices = re.findall(r'<g class="slice"><path class="surface" d="(M[^"]+)"', outcomes)
    assert len(slices) == 3  # answered, ambiguous, unanswered
    assert "50,0%" in outcomes
    # The buttons plotly drew: no "Share chart" (plotly.js 3 shows it by default; it uploads
    # the data to Plotly Cloud), no plotly logo linking out, no link out at all.
    buttons = set(re.findall(r'data-title="([^"]*)"', dom))
    assert "Download plot as a PNG" in buttons
    assert not [title for title in buttons if "Share" in title or "Plotly" in title]
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", dom, flags=re.S)
    assert re.findall(r"<[a-z]+\b[^>]*(?:href|src)=\"(?:https?:)?//[^\"]*", markup) == []


def test_empty_report_charts_render(empty_html: Path, tmp_path: Path) -> None:
    dom = dump_dom(empty_html, tmp_path / "profile")
    charts = plots(dom)
    assert len(charts) == 3
    assert all('class="main-svg"' in chart for chart in charts)
    assert texts.CHART_NO_QUESTIONS in charts[2]
