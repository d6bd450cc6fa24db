"""One page per profession."""

from __future__ import annotations

from .entry_routes import route_html
from .layout import esc, page, pay_text

LABEL_KINDS = {
    "alternative": "Alternative name",
    "acronym": "Acronym",
    "historic": "Historic name",
    "protected_title": "Protected title",
}
REGULATION = {
    "statutory": "Statutory regulation",
    "accredited_register": "Accredited register",
    "none": "Not regulated",
}


def render(tax, p) -> str:
    group = tax.groups.get(p.group)
    parts = [
        f'<p class="muted"><a href="../index.html#group-{esc(p.group)}">'
        f"{esc(group.name if group else p.group)}</a></p>",
        f"<h1>{esc(p.name)}</h1>",
        f'<p><span class="badge status-{esc(p.status)}">Status: {esc(p.status)}</span></p>',
    ]
    if p.is_deprecated:
        note = "This profession is deprecated."
        if p.replaced_by:
            target = tax.professions.get(p.replaced_by)
            name = target.name if target else p.replaced_by
            note += f' Use <a href="{esc(p.replaced_by)}.html">{esc(name)}</a> instead.'
        parts.append(f"<p><strong>{note}</strong></p>")
    parts.append(f'<p class="lede">{esc(p.description)}</p>')
    parts.append(_facts(tax, p, group))
    parts.append(_names(p))
    parts.append(_levels(tax, p))
    parts.append(_routes(tax, p))
    parts.append(_regulation(tax, p))
    parts.append(_codes(tax, p))
    parts.append(_sources(tax, p))
    body = "\n".join(x for x in parts if x)
    return page(p.name, body, current="", data_version=tax.data_version, depth=1)


def _facts(tax, p, group) -> str:
    other = ", ".join(esc(tax.groups[g].name) for g in p.other_groups if g in tax.groups)
    rows = [
        ("Identifier", f"<code>{esc(p.id)}</code>"),
        ("Group", esc(group.name if group else p.group)),
    ]
    if other:
        rows.append(("Also in", other))
    rows.append(("One of the core twelve", "Yes" if p.core_twelve else "No"))
    rows.append(("Regulation", esc(REGULATION.get(p.regulation_kind, p.regulation_kind))))
    dl = "\n".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return f'<h2 id="facts">At a glance</h2>\n<dl class="facts">\n{dl}\n</dl>'


def _names(p) -> str:
    protected = p.protected_titles
    others = [lab for lab in p.labels if lab.kind in LABEL_KINDS and lab.kind != "protected_title"]
    out = ['<h2 id="names">Protected titles and other names</h2>']
    if protected:
        items = "".join(f"<li>{esc(t)}</li>" for t in protected)
        out.append(f"<h3>Protected titles</h3>\n<ul>{items}</ul>")
    else:
        out.append("<p>No protected title of its own.</p>")
    if others:
        items = "".join(
            f'<li>{esc(lab.text)} <span class="muted">({esc(LABEL_KINDS[lab.kind].lower())})'
            "</span></li>"
            for lab in others
        )
        out.append(f"<h3>Other names</h3>\n<ul>{items}</ul>")
    return "\n".join(out)


def _levels(tax, p) -> str:
    rows = []
    for pl in p.levels:
        lv = tax.levels.get(pl.level)
        name = lv.name if lv else pl.level
        rows.append(
            f'<tr id="level-{esc(pl.level)}"><th scope="row">{esc(name)}</th>'
            f"<td>{esc(pl.title or '')}</td>"
            f'<td class="band">{esc(pay_text(pl))}</td>'
            f"<td>{esc(pl.pay_note or '')}</td><td>{esc(pl.confidence or '')}</td></tr>"
        )
    return f"""<h2 id="levels">Levels and pay bands</h2>
<div class="table-wrap"><table>
<caption class="visually-hidden">Levels of {esc(p.name)} with Agenda for Change bands</caption>
<thead><tr><th scope="col">Level</th><th scope="col">Job title</th>
<th scope="col">Agenda for Change</th><th scope="col">Pay note</th>
<th scope="col">Confidence</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></div>"""


def _routes(tax, p) -> str:
    out = ['<h2 id="routes">Entry and training routes</h2>']
    if p.entry_routes:
        items = "".join(f"<li>{route_html(tax, r, '')}</li>" for r in p.entry_routes)
        out.append(
            f'<h3 id="entry-routes">Entry routes</h3>\n<ul class="entry-routes">{items}</ul>'
        )
    if p.entry_route:
        head = "In short" if p.entry_routes else "Entry route"
        out.append(f"<h3>{head}</h3>\n<p>{esc(p.entry_route)}</p>")
    elif not p.entry_routes:
        out.append("<h3>Entry route</h3>\n<p>Not recorded.</p>")
    out.append(f"<h3>Training route</h3>\n<p>{esc(p.training_route or 'Not recorded.')}</p>")
    onward = [g for g in p.progressions if g.to_profession in tax.professions]
    inward = [
        q for q in tax if any(g.to_profession == p.id for g in q.progressions) and q.id != p.id
    ]
    if onward:
        items = "".join(
            f'<li><a href="{esc(g.to_profession)}.html">'
            f"{esc(tax.professions[g.to_profession].name)}</a>"
            + (f" \u2013 {esc(g.requirements)}" if g.requirements else "")
            + (f" Typical duration: {esc(g.typical_duration)}." if g.typical_duration else "")
            + (f" {esc(g.comment)}" if g.comment and not g.requirements else "")
            + "</li>"
            for g in onward
        )
        out.append(f"<h3>Routes on to other professions</h3>\n<ul>{items}</ul>")
    if inward:
        items = "".join(f'<li><a href="{esc(q.id)}.html">{esc(q.name)}</a></li>' for q in inward)
        out.append(f"<h3>Professions that lead here</h3>\n<ul>{items}</ul>")
    return "\n".join(out)


def _regulation(tax, p) -> str:
    out = ['<h2 id="regulation">Regulator and registers</h2>']
    if p.regulator and p.regulator in tax.regulators:
        reg = tax.regulators[p.regulator]
        name = esc(reg.name)
        if reg.url:
            name = f'<a href="{esc(reg.url)}">{name}</a>'
        out.append(f"<p>Regulator: {name}</p>")
    else:
        out.append("<p>No statutory regulator.</p>")
    if p.registrations:
        rows = []
        for r in p.registrations:
            register = tax.registers.get(r.register)
            name = esc(register.name if register else r.register)
            if register and register.url:
                name = f'<a href="{esc(register.url)}">{name}</a>'
            mandatory = {True: "Yes", False: "No", None: "Not known"}[r.mandatory]
            if r.mandatory and r.mandatory_since:
                mandatory += f" (since {esc(r.mandatory_since)})"
            via = ", ".join(esc(_body_name(tax, b)) for b in r.via)
            rows.append(
                f'<tr><th scope="row">{name}</th><td>{mandatory}</td><td>{via}</td>'
                f"<td>{esc(r.comment or '')}</td></tr>"
            )
        out.append(
            '<div class="table-wrap"><table><caption class="visually-hidden">Registers</caption>'
            '<thead><tr><th scope="col">Register</th><th scope="col">Mandatory</th>'
            '<th scope="col">Through</th><th scope="col">Note</th></tr></thead><tbody>'
            + "\n".join(rows)
            + "</tbody></table></div>"
        )
    if p.professional_bodies:
        items = "".join(f"<li>{esc(_body_name(tax, b))}</li>" for b in p.professional_bodies)
        out.append(f"<h3>Professional bodies</h3>\n<ul>{items}</ul>")
    return "\n".join(out)


def _body_name(tax, body_id: str) -> str:
    body = tax.professional_bodies.get(body_id)
    if body is None:
        return body_id
    return f"{body.name} ({body.acronym})" if body.acronym else body.name


def _codes(tax, p) -> str:
    rank = {lid: lv.rank for lid, lv in tax.levels.items()}
    maps = sorted(
        (m for m in tax.mappings if m.profession == p.id),
        key=lambda m: (rank.get(m.level or "", 0), m.code_system, m.code or ""),
    )
    rows = []
    for m in maps:
        level = tax.levels[m.level].name if m.level in tax.levels else "All levels"
        system = tax.code_systems.get(m.code_system)
        system_name = system.name if system else m.code_system
        if m.no_match or m.code is None:
            code, name = "No match", esc(m.comment or "")
        else:
            oc = tax.occupation_code(m.code, m.code_system)
            code = f"<code>{esc(m.code)}</code>"
            name = esc(oc.name if oc else "")
            if m.target_retired or (oc is not None and not oc.is_valid):
                name += " (retired)"
        rows.append(
            f"<tr><td>{esc(level)}</td><td>{esc(system_name)}</td><td>{code}</td>"
            f"<td>{name}</td><td>{esc(m.predicate)}</td><td>{esc(m.confidence)}</td></tr>"
        )
    if not rows:
        return '<h2 id="codes">Occupation codes and crosswalks</h2>\n<p>No crosswalk rows.</p>'
    return f"""<h2 id="codes">Occupation codes and crosswalks</h2>
<p>The NHS occupation code each level should carry, and the matching codes in other
classifications. <a href="../crosswalk.html">Browse the whole crosswalk</a>.</p>
<div class="table-wrap"><table>
<caption class="visually-hidden">Crosswalk codes of {esc(p.name)} by level</caption>
<thead><tr><th scope="col">Level</th><th scope="col">Code system</th><th scope="col">Code</th>
<th scope="col">Name or note</th><th scope="col">Match</th><th scope="col">Confidence</th></tr>
</thead><tbody>
{chr(10).join(rows)}
</tbody></table></div>"""


def _sources(tax, p) -> str:
    ids = list(p.sources)
    for pl in p.levels:
        ids.extend(s for s in pl.sources if s not in ids)
    items = []
    for sid in ids:
        s = tax.sources.get(sid)
        if s is None:
            continue
        pub = f" \u2013 {esc(s.publisher)}" if s.publisher else ""
        items.append(f'<li><a href="{esc(s.url)}">{esc(s.title)}</a>{pub}</li>')
    return '<h2 id="sources">Sources</h2>\n<ol>\n' + "\n".join(items) + "\n</ol>"
