"""Reader text of the generated appendices, kept in templates under ``book/_bijlagen/``.

An editor changes the Dutch of the questionnaire, the methods appendix, the assumptions log,
the downloads and the colophon in those Markdown files, without touching Python; ``book``
computes only the values they show. The templates are Jinja2 (``{{ value }}``, ``{% if %}``,
``{% for %}``, filters such as ``{{ n|woord }}``), with two changes so that Quarto's own
syntax stays as it is typed:

- a Jinja comment is ``{## … ##}``, so that Quarto's ``{#sec-x}`` labels are plain text;
- a block tag on a line of its own leaves no empty line behind (``trim_blocks``,
  ``lstrip_blocks``).

A template that names a value the package does not give, or that cannot be read, raises
``TemplateError`` naming the template, the line and the value; nothing is written.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2
from jinja2 import meta


class TemplateError(ValueError):
    """A template of the book cannot be filled in."""


def dec(value: float, decimals: int = 2) -> str:
    """A number with a Dutch decimal comma: ``dec(1.5)`` is ``'1,50'``."""
    return f"{value:.{decimals}f}".replace(".", ",")


def opsomming(parts, last: str = "en") -> str:
    """Dutch enumeration: ``['a', 'b', 'c']`` becomes ``'a, b en c'``."""
    parts = [str(p) for p in parts]
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {last} {parts[-1]}"


def woord(n: int) -> str:
    """A count as Dutch house style writes it in running text: 'één', 'vier', 'twintig', '21'."""
    from .conclusions import number_word

    return "één" if int(n) == 1 else number_word(int(n))


def cursief(text: str) -> str:
    """Markdown emphasis: ``cursief('G40')`` is ``'*G40*'``."""
    return f"*{text}*"


def _environment(folder: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        comment_start_string="{##",
        comment_end_string="##}",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(dec=dec, opsomming=opsomming, woord=woord, cursief=cursief)
    return env


def _line(exc: BaseException, path: Path) -> str:
    """', line N' of the template where ``exc`` happened (Jinja keeps it in the traceback)."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return f", line {lines[-1]}" if lines else ""


def fill(path: str | Path, **values) -> str:
    """The text of the template at ``path`` with ``values`` filled in.

    Parameters
    ----------
    path
        A Jinja2 template (see the module docstring for its syntax).
    **values
        The values the template names; values it does not name are ignored, so an editor may
        leave a sentence out.

    Raises
    ------
    TemplateError
        When the template is missing or not valid Jinja2, names a value that is not given
        (listing every such name), or uses a field or key a value does not have.
    """
    path = Path(path)
    if not path.is_file():
        raise TemplateError(f"template {path} does not exist")
    env = _environment(path.parent)
    source = path.read_text(encoding="utf-8")
    try:
        tree = env.parse(source, name=path.name, filename=str(path))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{path}, line {exc.lineno}: {exc.message}") from exc
    missing = sorted(meta.find_undeclared_variables(tree) - set(values) - set(env.globals))
    if missing:
        raise TemplateError(
            f"{path}: no value for placeholder{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (given: {', '.join(sorted(values)) or 'none'})"
        )
    try:
        return env.get_template(path.name).render(**values)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"{path}{_line(exc, path)}: {exc.message}") from exc
    except jinja2.TemplateError as exc:  # pragma: no cover - anything else Jinja refuses
        raise TemplateError(f"{path}: {exc}") from exc
