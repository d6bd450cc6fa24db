"""The crosswalk browser: every mapping row, filtered in the page by text and code system."""

from __future__ import annotations

from .layout import esc, page

SCRIPT = """<script>
(function () {
  var q = document.getElementById("q");
  var system = document.getElementById("system");
  var count = document.getElementById("count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#crosswalk tbody tr"));
  function apply() {
    var words = q.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var sys = system.value;
    var shown = 0;
    rows.forEach(function (tr) {
      var text = tr.getAttribute("data-text");
      var ok = (!sys || tr.getAttribute("data-system") === sys) &&
        words.every(function (w) { return text.indexOf(w) !== -1; });
      tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = "Showing " + shown + " of " + rows.length + " crosswalk rows.";
  }
  q.addEventListener("input", apply);
  system.addEventListener("change", apply);
  apply();
}());
</script>"""


def render(tax) -> str:
    rank = {lid: lv.rank for lid, lv in tax.levels.items()}
    maps = sorted(
        tax.mappings,
        key=lambda m: (m.profession, rank.get(m.level or "", 0), m.code_system, m.code or ""),
    )
    rows = []
    for m in maps:
        p = tax.professions.get(m.profession)
        pname = p.name if p else m.profession
        level = tax.levels[m.level].name if m.level in tax.levels else "All levels"
        system = tax.code_systems.get(m.code_system)
        sname = system.name if system else m.code_system
        if m.no_match or m.code is None:
            code, cname = "No match", m.comment or ""
            code_html = code
        else:
            oc = tax.occupation_code(m.code, m.code_system)
            code, cname = m.code, oc.name if oc else ""
            code_html = f"<code>{esc(code)}</code>"
        text = " ".join((pname, m.profession, level, sname, code, cname, m.predicate)).lower()
        rows.append(
            f'<tr data-system="{esc(m.code_system)}" data-text="{esc(text)}">'
            f'<td><a href="professions/{esc(m.profession)}.html">{esc(pname)}</a></td>'
            f"<td>{esc(level)}</td><td>{esc(sname)}</td><td>{code_html}</td>"
            f"<td>{esc(cname)}</td><td>{esc(m.predicate)}</td><td>{esc(m.confidence)}</td></tr>"
        )
    options = "".join(
        f'<option value="{esc(cs.id)}">{esc(cs.name)}</option>' for cs in tax.code_systems.values()
    )
    body = f"""<h1>Crosswalk</h1>
<p class="lede">Every row of the crosswalk from professions (at a level, or at all levels) to
NHS occupation codes and the other code systems. Type to search; the table filters as you
type. The same rows are in the <a href="downloads.html">downloadable CSV, SSSOM and FHIR
files</a>.</p>
<form class="filters" role="search" aria-label="Filter the crosswalk" onsubmit="return false;">
<div><label for="q">Search</label>
<input type="search" id="q" name="q" autocomplete="off"
 aria-describedby="q-hint"><br><span id="q-hint" class="muted">Profession, level, code or
code name, e.g. <code>S8L</code> or <code>trainee cbt</code></span></div>
<div><label for="system">Code system</label>
<select id="system" name="system"><option value="">All code systems</option>{options}</select>
</div>
</form>
<p id="count" role="status" aria-live="polite">Showing {len(rows)} of {len(rows)} crosswalk
rows.</p>
<div class="table-wrap">
<table id="crosswalk">
<caption class="visually-hidden">Crosswalk rows</caption>
<thead><tr><th scope="col">Profession</th><th scope="col">Level</th>
<th scope="col">Code system</th><th scope="col">Code</th><th scope="col">Code name or note</th>
<th scope="col">Match</th><th scope="col">Confidence</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</div>"""
    return page(
        "Crosswalk",
        body,
        current="crosswalk.html",
        data_version=tax.data_version,
        scripts=SCRIPT,
    )
