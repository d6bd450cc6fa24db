"""Entry routes in plain English, shared by the career map and the profession pages."""

from __future__ import annotations

from .layout import esc

# The schema's EntryKindEnum, as the map's entry boxes say it (each fits one line of a box).
ENTRY_KINDS = {
    "degree": "Degree, then training",
    "postgraduate": "Degree, then postgraduate study",
    "apprenticeship": "Apprenticeship",
    "salaried_trainee_post": "Salaried trainee post",
    "from_profession": "From another profession",
    "experience_or_portfolio": "Experience or portfolio",
}


def kind_name(kind: str) -> str:
    """The plain-English name of an entry kind (the raw value for one the site does not know)."""
    return ENTRY_KINDS.get(kind, kind.replace("_", " ").capitalize())


def kind_names(p) -> list[str]:
    """The kinds of a profession's entry routes, in its order, each once."""
    out: list[str] = []
    for r in p.entry_routes:
        name = kind_name(r.entry_kind)
        if name not in out:
            out.append(name)
    return out


def route_html(tax, r, prefix: str) -> str:
    """One entry route as inline HTML: kind, requirements, duration and the professions it
    starts from as links (``prefix`` is the path from the page to the profession pages)."""
    parts = [f"<strong>{esc(kind_name(r.entry_kind))}.</strong> {esc(r.requirements)}"]
    if r.typical_duration:
        parts.append(f"Typical duration: {esc(r.typical_duration)}.")
    starts = [
        f'<a href="{prefix}{esc(pid)}.html">{esc(tax.professions[pid].name)}</a>'
        for pid in r.from_professions
        if pid in tax.professions
    ]
    if starts:
        parts.append(f"Starts from: {', '.join(starts)}.")
    if r.comment:
        parts.append(esc(r.comment))
    if r.confidence:
        parts.append(f'<span class="muted">(confidence: {esc(r.confidence)})</span>')
    return " ".join(parts)
