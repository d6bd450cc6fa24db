"""The home page: the profession groups and every profession."""

from __future__ import annotations

from .layout import esc, page


def render(tax) -> str:
    sections = []
    for group in tax.groups.values():
        members = [p for p in tax if p.group == group.id]
        also = [p for p in tax if group.id in p.other_groups]
        if not members and not also:
            continue
        items = "\n".join(_item(p) for p in members)
        body = f"<ul>\n{items}\n</ul>" if members else ""
        if also:
            extra = "\n".join(_item(p) for p in also)
            body += f'<p class="muted">Also counted in this group:</p>\n<ul>\n{extra}\n</ul>'
        sections.append(
            f'<section aria-labelledby="group-{esc(group.id)}">\n'
            f'<h2 id="group-{esc(group.id)}">{esc(group.name)}</h2>\n'
            f"<p>{esc(group.description)}</p>\n{body}\n</section>"
        )
    n = len(tax.professions)
    body = f"""<h1>The UK psychological professions</h1>
<p class="lede">An open reference of the {n} psychological professions in the NHS in England:
their names and protected titles, levels and Agenda for Change pay bands, routes in, regulation
and the occupation codes each should carry. Choose a profession, or explore the
<a href="career-map.html">career map</a>, the <a href="levels.html">levels matrix</a> and the
<a href="crosswalk.html">code crosswalk</a>.</p>
<div class="groups">
{chr(10).join(sections)}
</div>"""
    return page("Professions", body, current="index.html", data_version=tax.data_version)


def _item(p) -> str:
    status = "" if p.status == "established" else f' <span class="badge">{esc(p.status)}</span>'
    return f'<li><a href="professions/{esc(p.id)}.html">{esc(p.name)}</a>{status}</li>'
