"""Markdown rendering: markdown-it-py (raw HTML off) then nh3; nothing executable survives."""
import re
from html.parser import HTMLParser

import pytest

from kb.render import render_markdown

# Each payload tries a different way to get script into the page.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[klick](javascript:alert(1))",
    "[klick](JaVaScRiPt:alert(1))",
    "[klick](javascript&#58;alert(1))",
    "[klick](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[klick](&#x6A;avascript:alert(1))",
    "[klick](java\tscript:alert(1))",
    "[klick](java&#9;script:alert(1))",
    "[klick](java&#x09;script:alert(1))",
    "[klick]( javascript:alert(1))",
    "[klick](vbscript:msgbox(1))",
    "[klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[klick](DATA:text/html,<script>alert(1)</script>)",
    "![bild](javascript:alert(1))",
    "![bild](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=javascript:alert(1)></object>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[a]: javascript:alert(1)\n\n[länk][a]",
    "<javascript:alert(1)>",
    '[x](https://ok.example "onmouseover=alert(1)")',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "``<script>alert(1)</script>`` and <details open ontoggle=alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
]

class _Tags(HTMLParser):
    """Collects the real elements and attributes of an HTML string (escaped text is not markup)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


SAFE_TAGS = {"a", "p", "em", "strong", "code", "pre", "ul", "ol", "li", "h2", "h3", "blockquote", "br", "hr"}


def unsafe_parts(html: str) -> list[str]:
    """Every element, attribute or URL in `html` that could run script."""
    problems = []
    for tag, attrs in _Tags(html).found:
        if tag not in SAFE_TAGS:
            problems.append(f"element <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in {"style", "src", "action", "formaction", "data", "xlink:href"}:
                problems.append(f"attribute {name}= on <{tag}>")
            if name == "href" and re.match(r"\s*[a-z][a-z0-9+.\-]*:", value or "", re.I):
                if not re.match(r"\s*(https?|mailto):", value, re.I):
                    problems.append(f"href {value!r}")
    return problems


def test_xss_corpus_has_at_least_twenty_payloads():
    assert len(XSS_PAYLOADS) >= 20


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_render_xss_payload_is_neutralised(payload):
    html = str(render_markdown(payload))
    assert unsafe_parts(html) == [], html


@pytest.mark.parametrize(
    "raw",
    ['<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">x</a>', "<script>x</script>", '<p style="x">'],
)
def test_unsafe_parts_detects_unsanitised_html(raw):
    # The detector itself works on raw markup, so the passing tests above mean something.
    assert unsafe_parts(raw)


def test_render_markdown_keeps_ordinary_formatting():
    html = str(render_markdown("## Rubrik\n\n*kursiv* och **fet** [länk](https://example.se)\n\n- a\n- b"))
    assert "<h2>Rubrik</h2>" in html
    assert "<em>kursiv</em>" in html and "<strong>fet</strong>" in html
    assert '<a href="https://example.se" rel="noopener noreferrer nofollow">länk</a>' in html
    assert "<ul>" in html


def test_render_markdown_demotes_h1_below_page_title():
    assert "<h1>" not in str(render_markdown("# Stor rubrik"))


def test_render_markdown_escapes_raw_html_as_text():
    html = str(render_markdown("Skriv <b>så här</b>"))
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_render_many_brackets_is_rendered_as_text():
    # Python-Markdown needs ~12 s on this input; markdown-it-py is linear. How long it takes
    # is measured by `flask kb bench` (render lines), never asserted here: a loaded CI
    # machine made a 1-second bound fail at 2.1 s. This checks the output only.
    html = str(render_markdown("[" * 8000))
    assert html.count("[") == 8000 and "<a" not in html
