"""No words reach a user outside the translation functions.

Templates are read twice: their HTML text and the attributes people read (``title``, ``alt``,
``placeholder``, ``aria-label``), with every Jinja construct taken out; and their Jinja syntax tree
(``env.parse``), for string constants an ``{{ ... }}`` prints. Python is read with ``ast``: the
arguments of ``flash()``, ``abort()``, ``render_template()``'s keyword arguments, ``ServiceError``,
``LoginRefused`` and ``ValidationError``, form field labels, descriptions and choices, validator
messages, ``Markup``, and e-mail subjects and bodies. What may stay as written is listed below:
proper nouns, codes, symbols and punctuation (``ALLOWED_WORDS``), and single literals with the
reason they are not for translation (``ALLOWED_LITERALS``).
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import pytest
from jinja2 import nodes

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "fines", "sla", "backups", "assistance")

#: Words that read the same in every language: product and standard names, units, codes.
ALLOWED_WORDS = frozenset({
    "FleetDesk", "PDF", "PDFs", "CSV", "JSON", "OCR", "SLA", "SHA", "IMAP", "SMTP", "API", "OpenAPI", "UTC",
    "EUR", "HTML", "URL", "ID", "MB", "Prometheus",
    # The language selector names each language in its own language, in every interface.
    "English", "Nederlands", "Français",
})
#: Literals shown as they are, each with the reason (path relative to the repository, the literal).
ALLOWED_LITERALS: dict[tuple[str, str], str] = {
    # The synthetic e-mail that records an upload keeps English headers, like any received e-mail: it is
    # data shown as received (its words for the screens come from its source code), not interface text.
    ("fines/intake/services.py", " by "): "the stored header of a synthetic e-mail (data)",
    ("fines/intake/services.py", "Files taken in by "): "the stored body of a synthetic e-mail (data)",
    # "Re:" is how every mail program marks a reply, whatever its language.
    ("fines/intake/replies.py", "Re: "): "the reply prefix of e-mail, the same in every language",
}
WORD = re.compile(r"[^\W\d_]{2,}")
#: Template attributes people read (or hear, with a screen reader).
READ_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label", "label"})
JINJA_CONSTRUCT = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
MARKER = re.compile(r"\x00(\d+)\x00")
TRANSLATORS = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext", "_l", "lazy_gettext",
                         "lazy_pgettext", "lazy_ngettext"})


def words_left(text: str) -> list[str]:
    """The words of ``text`` that would need a translation.

    Allowed names, symbols and numbers are left out, and so are codes written in two or three capitals
    (country codes ``BE``, ``NL``; ``PV``).
    """
    return [word for word in WORD.findall(text)
            if word not in ALLOWED_WORDS and not (word.isupper() and len(word) <= 3)]


# --- Templates ---------------------------------------------------------------------------------


#: Elements whose content is not prose: scripts, styles, and code or commands shown as they are typed.
UNREAD_ELEMENTS = frozenset({"script", "style", "code", "pre", "kbd", "samp"})


class _ReadText(HTMLParser):
    """The text and read attributes of an HTML page (scripts, styles and code left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNREAD_ELEMENTS:
            self._skip += 1
        self.found.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in UNREAD_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.found.append(data.strip())


#: Where an expression prints what it holds as it is: the branches of ``a if c else b``, the parts of
#: ``a ~ b``, the value of ``'text'|upper`` and the fallback of ``x|default('text')``, a literal
#: ``{...}[key]``'s values. A call's or a comparison's constants are codes, not looked into.
_PRINTED: tuple[tuple[type | tuple[type, ...], Callable[[Any], list[Any]]], ...] = (
    (nodes.CondExpr, lambda n: [n.expr1, n.expr2]),
    (nodes.Concat, lambda n: list(n.nodes)),
    ((nodes.Tuple, nodes.List), lambda n: list(n.items)),
    ((nodes.Or, nodes.And, nodes.Add), lambda n: [n.left, n.right]),
    (nodes.Mod, lambda n: [n.left]),
    (nodes.Filter, lambda n: [n.node, *(n.args if n.name in ("default", "d") else [])]),
    (nodes.Getitem, lambda n: [pair.value for pair in n.node.items] if isinstance(n.node, nodes.Dict) else []),
)


def _shown_constants(node: nodes.Node | None) -> Iterator[str]:
    """The string constants an expression prints as they are (not those it passes to a call or compares)."""
    if isinstance(node, nodes.Const):
        if isinstance(node.value, str):
            yield node.value
        return
    for kind, children in _PRINTED:
        if isinstance(node, kind):
            for child in children(node):
                yield from _shown_constants(child)


def template_findings(source: str, env: jinja2.Environment | None = None) -> list[str]:
    """The untranslated words a template shows.

    Each ``{{ ... }}`` becomes a marker before the HTML is read, so that only the expressions printed
    as text or into a read attribute are looked into (a ``class`` or ``href`` holds codes); the whole
    template is parsed by Jinja first, so that a syntax error fails here too.
    """
    env = env or jinja2.Environment(extensions=["jinja2.ext.i18n"])
    env.parse(source)
    expressions: list[str] = []

    def mark(match: re.Match[str]) -> str:
        if not match.group(0).startswith("{{"):
            return " "
        expressions.append(match.group(0))
        return f"\x00{len(expressions) - 1}\x00"

    reader = _ReadText()
    reader.feed(JINJA_CONSTRUCT.sub(mark, source))
    reader.close()
    texts: list[str] = []
    for found in reader.found:
        texts.append(MARKER.sub(" ", found))
        for index in MARKER.findall(found):
            for output in env.parse(expressions[int(index)]).find_all(nodes.Output):
                for child in output.nodes:
                    texts.extend(_shown_constants(child))
    return [text for text in texts if words_left(text)]


def _templates() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("templates/**/*.html"))


def test_templates_show_no_untranslated_words() -> None:
    templates = _templates()
    assert len(templates) > 30
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    found = [f"{path.relative_to(ROOT)}: {text!r}" for path in templates
             for text in template_findings(path.read_text(encoding="utf-8"), env)]
    assert not found, "untranslated words in templates (wrap them in _()):\n" + "\n".join(found)


# --- Python ------------------------------------------------------------------------------------

#: Calls whose positional arguments (by index) or keyword arguments people read.
VISIBLE_ARGUMENTS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "flash": ((0,), ("message",)),
    "abort": ((1,), ("description",)),
    "ServiceError": ((0,), ("message",)),
    "ValidationError": ((0,), ("message",)),
    "StopValidation": ((0,), ("message",)),
    "Markup": ((0,), ()),
    "set_content": ((0,), ()),
    "_error": ((1, 2), ("title", "message")),
}
#: WTForms validators: their ``message``.
VALIDATORS = frozenset({"DataRequired", "InputRequired", "Length", "Email", "EqualTo", "Regexp", "NumberRange",
                        "Optional", "AnyOf", "NoneOf", "URL", "FileRequired", "FileAllowed", "FileSize"})


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _literal_texts(node: ast.AST | None) -> Iterator[str]:
    """The literal text in an expression (a translation call, or any call, stops the search)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            yield from _literal_texts(part)
    elif isinstance(node, ast.BinOp):
        yield from _literal_texts(node.left)
        if not isinstance(node.op, ast.Mod):
            yield from _literal_texts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literal_texts(node.body)
        yield from _literal_texts(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literal_texts(value)


def _shown_choices(call: ast.Call) -> Iterator[ast.AST]:
    """The words of a field's ``choices=[(code, words), ...]``."""
    for keyword in call.keywords:
        if keyword.arg == "choices" and isinstance(keyword.value, (ast.List, ast.Tuple)):
            for choice in keyword.value.elts:
                if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                    yield choice.elts[1]


def _shown_by_call(call: ast.Call) -> Iterator[ast.AST]:
    name = _name(call)
    if name in TRANSLATORS:
        return
    positions, keywords = VISIBLE_ARGUMENTS.get(name, ((), ()))
    if name.endswith("Field"):  # a form field: its label, description and choices
        positions, keywords = (0,), ("label", "description")
        yield from _shown_choices(call)
    elif name in VALIDATORS:
        keywords = ("message",)
    elif name == "render_template":  # keyword arguments that are sentences, not codes
        yield from (keyword.value for keyword in call.keywords
                    if " " in "".join(_literal_texts(keyword.value)))
    for index in positions:
        if index < len(call.args):
            yield call.args[index]
    for keyword in call.keywords:
        if keyword.arg in keywords:
            yield keyword.value


def _shown_by_assignment(node: ast.Assign) -> Iterator[ast.AST]:
    """``msg["Subject"] = ...``: an e-mail's subject."""
    for target in node.targets:
        if (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
                and str(target.slice.value).lower() == "subject"):
            yield node.value


def python_findings(source: str, path: str = "<module>") -> list[str]:
    """The untranslated words a module gives to users, as ``line: text``."""
    found: list[tuple[int, int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            shown = list(_shown_by_call(node))
        elif isinstance(node, ast.Assign):
            shown = list(_shown_by_assignment(node))
        else:
            continue
        is_markup = isinstance(node, ast.Call) and _name(node) == "Markup"
        for expression in shown:
            for text in _literal_texts(expression):
                if (path, text) in ALLOWED_LITERALS:
                    continue
                visible = re.sub(r"<[^>]*>", " ", text) if is_markup else text
                if words_left(visible):
                    found.append((expression.lineno, expression.col_offset, f"{expression.lineno}: {text!r}"))
    return [text for _line, _column, text in sorted(found)]


def _modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
                  if "migrations" not in path.parts)


def test_python_gives_users_no_untranslated_words() -> None:
    found = []
    for path in _modules():
        relative = str(path.relative_to(ROOT))
        found.extend(f"{relative}:{line}" for line in python_findings(path.read_text(encoding="utf-8"), relative))
    assert not found, "untranslated words given to users (wrap them in _() or _l()):\n" + "\n".join(found)


# --- The check itself --------------------------------------------------------------------------


def test_the_check_finds_a_new_untranslated_template_literal() -> None:
    template = """{% extends "base.html" %}{% block content %}
<h1>{{ _('Fines') }}</h1><p title="Open the file">Fines to process</p>
<td>{{ 'Yes' if ok else 'No' }}</td><td>{{ value|default('nothing yet') }}</td>
<script>var s = "Save";</script>{% endblock %}"""
    assert template_findings(template) == ["Open the file", "Fines to process", "Yes", "No", "nothing yet"]


def test_the_check_accepts_translated_text_codes_and_symbols() -> None:
    template = """<h1>{{ _('Fines') }} ({{ n|number }})</h1><p>{{ _('Save') }} → — … {{ '—' }} FleetDesk CSV 12:00</p>
<a class="button" href="{{ url_for('fines.index', state='review') }}">{{ ticket_label('state', 'closed') }}</a>
<span title="{{ _('escalated') }}">↑</span>{% if x == 'waiting_info' %}&nbsp;{% endif %}
<tr class="{{ 'internal' if x else '' }}"><td><code>fleetdesk backups list</code></td></tr>"""
    assert template_findings(template) == []


def test_the_check_finds_a_new_untranslated_python_literal() -> None:
    module = '''
from flask import abort, flash
from wtforms import StringField
from wtforms.validators import DataRequired

class Form:
    name = StringField("Name", validators=[DataRequired(message="Say who you are.")])
    kind = SelectField(_l("Kind"), choices=[("a", "Alpha"), ("b", _l("Beta"))])

def view(n):
    flash(f"Saved {n} contracts.")
    flash(_("Saved %(n)s contracts.", n=n))
    abort(400, description="Bad month")
    raise ServiceError("The plate is taken.", field="plate")

def mail(msg, subject):
    msg["Subject"] = "Your fines"
    msg.set_content(_("Hello"))
'''
    assert python_findings(module) == ["7: 'Name'", "7: 'Say who you are.'", "8: 'Alpha'", "11: ' contracts.'",
                                       "11: 'Saved '", "13: 'Bad month'", "14: 'The plate is taken.'",
                                       "17: 'Your fines'"]


@pytest.mark.parametrize("text", ["FleetDesk", "CSV", "—", "12:00", "3/11/2026", "€ 58,00", "SHA-256", "→", ""])
def test_names_codes_symbols_and_punctuation_need_no_translation(text: str) -> None:
    assert words_left(text) == []
