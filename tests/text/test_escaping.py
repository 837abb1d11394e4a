"""Untrusted text cannot break out of any output format: property tests over hostile input.

Each format's rule (:mod:`vigie.text`) is checked for what that format interprets: Slack ``<...>`` (pings such
as ``<!channel>``, ``<@U123>``, links ``<url|label>``), entities and ``mrkdwn`` formatting; the Adaptive Card
Markdown subset (emphasis, ``[label](url)`` links, list markers); HTML tags, attributes and entities; email
header lines. Under all of them: no scheme (``://``), no bare host name a client would link, no ping
(``@here``, ``!channel``). Examples of each rule's output pin its readability.
"""

from __future__ import annotations

import html
import re
from email.message import EmailMessage
from email.policy import SMTP
from html.parser import HTMLParser
from urllib.parse import unquote

import jinja2
from hypothesis import given, settings
from hypothesis import strategies as st

from vigie.text.defang import WORD_JOINER, defang, link_url, one_line
from vigie.text.headers import header_text, header_token
from vigie.text.html import TEMPLATE_FILTERS, html_text
from vigie.text.slack import slack_mrkdwn, slack_mrkdwn_within, slack_plain
from vigie.text.teams import teams_markdown

FRAGMENTS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U024BE7LH>",
    "<#C123|general>",
    "<https://evil.example|ici>",
    "@here",
    "@channel",
    "!subteam",
    "[click](https://evil.example/login)",
    "](",
    "https://",
    "http://x.fr",
    "www.evil-site.com",
    "_evil.com_",
    "café.fr",
    "evil.example_x",
    "<script>",
    "</b>",
    "&amp;",
    "&lt;",
    "&",
    "*",
    "_",
    "~",
    "`",
    ">",
    "|",
    "\\",
    "- ",
    "+ ",
    "12. ",
    "\n",
    "\r\n",
    "\t",
    "\x00",
    "\x1b",
    "\u2028",
    "\x85",
    "\ud800",
    "\u00a0",
    "\u202f",
    '"',
    "'",
    "=",
    ".",
    ":",
    "//",
    "é",
    "Saint-Malo",
    " ",
)
hostile = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=24).map("".join)
PROPERTY = settings(max_examples=150, deadline=None)

PING = re.compile(r"[@!][A-Za-z0-9_]")
HOST = re.compile(r"(?<![^\W_])(?<!-)(?:(?:[^\W_]|-)+\.)+[^\W\d_]{2,24}(?![^\W_]|-)")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def assert_no_link_or_ping(text: str) -> None:
    assert "://" not in text, text
    assert PING.search(text) is None, text
    assert HOST.search(text) is None, text
    assert CONTROL.search(text) is None, text


def assert_slack_entities_only(text: str) -> None:
    """No ``<`` or ``>`` at all, and every ``&`` opens one of the three escapes Slack documents."""
    assert "<" not in text and ">" not in text, text
    assert re.fullmatch(r"(?:[^&]|&amp;|&lt;|&gt;)*", text, re.DOTALL), text


@PROPERTY
@given(hostile)
def test_defang_breaks_every_link_and_ping_and_keeps_other_text(text: str) -> None:
    out = defang(text)
    assert_no_link_or_ping(out)
    if not re.search(r"[.:@!\x00-\x1f\x7f\ud800-\udfff]", text):
        assert out == text


@PROPERTY
@given(hostile)
def test_slack_plain_and_mrkdwn_cannot_ping_link_or_format(text: str) -> None:
    for out in (slack_plain(text), slack_mrkdwn(text)):
        assert_slack_entities_only(out)
        assert_no_link_or_ping(html.unescape(out))
    formatted = slack_mrkdwn(text)
    # Every formatting character is followed by a word joiner: none opens or closes bold, italics, strike,
    # code or a quote.
    assert re.search(rf"[*_~`|](?!{WORD_JOINER})", formatted) is None, formatted


@PROPERTY
@given(hostile, st.integers(min_value=0, max_value=200))
def test_slack_cuts_fit_their_budget_and_never_split_an_escape(text: str, limit: int) -> None:
    out = slack_mrkdwn_within(text, limit)
    assert len(out) <= limit
    assert_slack_entities_only(out)


def _unescaped_teams(text: str) -> str:
    """The text as the Markdown subset reads it: each ``\\x`` pair is a literal (here ``#``)."""
    return re.sub(r"\\.", "#", text, flags=re.DOTALL)


@PROPERTY
@given(hostile)
def test_teams_markdown_cannot_ping_link_or_format(text: str) -> None:
    out = teams_markdown(text)
    assert "<" not in out and ">" not in out, out
    live = _unescaped_teams(out)
    assert not set("*_[]\\") & set(live), out
    assert re.search(r"^\s*(?:[-+]|\d+\.)(?:\s|$)", live, re.MULTILINE) is None, out
    assert_no_link_or_ping(out)


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup: list[str] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.markup.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.markup.append(tag)

    def handle_comment(self, data: str) -> None:
        self.markup.append("<!--")

    def handle_decl(self, decl: str) -> None:
        self.markup.append(decl)

    def handle_data(self, data: str) -> None:
        self.data.append(data)


@PROPERTY
@given(hostile)
def test_html_text_is_character_data_only(text: str) -> None:
    out = str(html_text(text))
    parser = _Markup()
    parser.feed(f'<p title="{out}">{out}</p>')
    parser.close()
    assert parser.markup == ["p", "p"], out  # no tag, comment or declaration of its own, and the quote holds
    assert "<" not in out and '"' not in out and "'" not in out
    assert html.unescape(out) == defang(text)  # nothing lost but the links and pings
    assert_no_link_or_ping(html.unescape(out))


@PROPERTY
@given(hostile)
def test_templates_apply_the_html_rule(text: str) -> None:
    environment = jinja2.Environment(autoescape=True)
    environment.filters.update(TEMPLATE_FILTERS)
    assert environment.from_string("{{ x | defang }}").render(x=text) == str(html_text(text))


@PROPERTY
@given(hostile, st.integers(min_value=1, max_value=300))
def test_header_text_is_one_encodable_line(text: str, limit: int) -> None:
    out = header_text(text, limit)
    assert len(out) <= limit and re.search(r"[\x00-\x1f\x7f\u2028\u2029\x85\ud800-\udfff]", out) is None
    message = EmailMessage(policy=SMTP)
    message["Subject"] = out
    rendered = message.as_bytes()
    assert rendered.count(b"Subject:") == 1 and rendered[-4:] == b"\r\n\r\n"


@PROPERTY
@given(hostile)
def test_header_tokens_are_plain_ascii_and_reversible(text: str) -> None:
    token = header_token(text)
    assert token.isascii() and token.isprintable() and " " not in token
    assert unquote(token, errors="surrogatepass") == text


@PROPERTY
@given(hostile)
def test_link_targets_cannot_end_their_link(text: str) -> None:
    out = link_url(text)
    assert out.isascii() and not set(out) & set(' <>|"\\`^{}') and CONTROL.search(out) is None


def test_examples_stay_readable() -> None:
    assert defang("see https://evil.example/x @here") == "see https[:]//evil[.]example/x @\u2060here"
    assert defang("_evil.com_ et café.fr") == "_evil[.]com_ et café[.]fr"
    assert slack_mrkdwn("<!channel> *x*") == "&lt;!\u2060channel&gt; *\u2060x*\u2060"
    assert teams_markdown("[a](b)") == "\\[a\\](b)"  # brackets escaped: no link
    assert teams_markdown("Saint-Malo (06/12) !") == "Saint-Malo (06/12) !"  # Teams mobile shows escapes
    assert teams_markdown("- x") == "\\- x" and teams_markdown("12. x") == "12\\. x"
    assert str(html_text("<b>a</b> & b.fr")) == "&lt;b&gt;a&lt;/b&gt; &amp; b[.]fr"
    assert header_text("Saint-Malo\r\nBcc: x") == "Saint-Malo Bcc: x"
    assert one_line("Gravité\u00a0:  3\u202f200\n\nfin", 12) == "Gravité\u00a0: 3…"
    assert (
        header_token("hook:saint-malo:negative_surge:20261127T0800:0")
        == "hook:saint-malo:negative_surge:20261127T0800:0"
    )
