"""The levels matrix: every profession against the generic levels, with pay bands."""

from __future__ import annotations

from .layout import bands_text, esc, page, pay_text


def render(tax) -> str:
    levels = list(tax.levels.values())
    head = "".join(
        f'<th scope="col">{esc(lv.name)}<br><span class="muted">'
        f"{esc(bands_text(lv.band_min, lv.band_max))}</span></th>"
        for lv in levels
    )
    rows = []
    for group, members in tax.professions_by_group():
        rows.append(
            f'<tr><th scope="rowgroup" colspan="{len(levels) + 1}">{esc(group.name)}</th></tr>'
        )
        for p in members:
            cells = []
            for lv in levels:
                pl = p.level(lv.id)
                if pl is None:
                    cells.append(
                        '<td><span aria-hidden="true">\u2013</span>'
                        '<span class="visually-hidden">not held</span></td>'
                    )
                else:
                    cells.append(
                        f"<td>{esc(pl.title or lv.name)}<br>"
                        f'<span class="band">{esc(pay_text(pl))}'
                        "</span></td>"
                    )
            rows.append(
                f'<tr><th scope="row"><a href="professions/{esc(p.id)}.html">{esc(p.name)}</a>'
                f"</th>{''.join(cells)}</tr>"
            )
    body = f"""<h1>Levels matrix</h1>
<p class="lede">Each profession at the generic levels it holds, with its job title and typical
Agenda for Change bands. The column headings give the generic level's own band range.</p>
<div class="table-wrap">
<table>
<caption class="visually-hidden">Professions by level, with job titles and pay bands</caption>
<thead><tr><th scope="col">Profession</th>{head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</div>"""
    return page("Levels matrix", body, current="levels.html", data_version=tax.data_version)
