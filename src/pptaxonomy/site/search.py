"""The job-title search page: a static, client-side search over every label and level title.

The index (every profession's name and labels of every kind, including hidden and historic
ones, and every level title) is written into the page, so the search needs no server and no
network. A query is lower-cased, split into words, and common short forms are expanded
(``snr`` to ``senior``, ``clin`` to ``clinical``, ``psych`` to ``psychologist``); each entry
is scored by the share of query words it holds (word or word prefix of three letters or more)
and, second, by the share of its own words the query covers, so the closest title ranks first.
"""

from __future__ import annotations

from .layout import js_literal, page, pay_text

# Short forms seen in NHS job titles, expanded before matching (kept small and obvious).
SHORT_FORMS = {
    "snr": "senior",
    "sr": "senior",
    "jnr": "junior",
    "clin": "clinical",
    "psych": "psychologist",
    "psychol": "psychologist",
    "ther": "therapist",
    "prac": "practitioner",
    "trn": "trainee",
    "asst": "assistant",
}

SCRIPT = """<script>
(function () {
  var INDEX = %(index)s, SHORT = %(short)s;
  function words(t) {
    return t.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim().split(" ").filter(Boolean)
      .map(function (w) { return SHORT[w] || w; });
  }
  function has(ws, q) {
    return ws.some(function (w) { return w === q || (q.length >= 3 && w.indexOf(q) === 0); });
  }
  function score(q, e) {
    var hit = q.filter(function (w) { return has(e.w, w); }).length;
    if (!hit) { return 0; }
    var cover = e.w.filter(function (w) { return q.indexOf(w) >= 0; }).length;
    return 2 * hit / q.length + cover / e.w.length;
  }
  INDEX.forEach(function (e) { e.w = words(e.t); });
  var box = document.getElementById("title-q"), list = document.getElementById("results"),
      status = document.getElementById("results-status");
  function run() {
    var q = words(box.value);
    list.textContent = "";
    if (!q.length) { status.textContent = ""; return; }
    var best = {};
    INDEX.forEach(function (e) {
      var s = score(q, e), key = e.p + "|" + e.l;
      if (s && (!best[key] || s > best[key].s)) { best[key] = {s: s, e: e}; }
    });
    var ranked = Object.keys(best).map(function (k) { return best[k]; })
      .sort(function (a, b) { return b.s - a.s || (a.e.n < b.e.n ? -1 : 1); }).slice(0, 10);
    status.textContent = ranked.length ? ranked.length + " result(s)" : "No profession found";
    ranked.forEach(function (r) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = "professions/" + r.e.p + ".html" + (r.e.l ? "#level-" + r.e.l : "");
      a.textContent = r.e.n + (r.e.ln ? " \\u2013 " + r.e.ln : "");
      li.appendChild(a);
      var why = " (matched \\u201c" + r.e.t + "\\u201d, " + r.e.k + ")";
      li.appendChild(document.createTextNode(why));
      list.appendChild(li);
    });
  }
  box.addEventListener("input", run);
  run();
})();
</script>"""


def index(tax) -> list[dict[str, str]]:
    """One entry per searchable text: t text, k kind, p profession, n name, l level, ln level."""
    out: list[dict[str, str]] = []
    for p in tax:
        if p.is_deprecated:
            continue
        base = {"p": p.id, "n": p.name, "l": "", "ln": ""}
        out.append({**base, "t": p.name, "k": "name"})
        for lab in p.labels:
            out.append({**base, "t": lab.text, "k": lab.kind.replace("_", " ")})
        for pl in p.levels:
            if pl.title:
                lv = tax.levels[pl.level].name
                ln = f"{lv} level" + (f", {pay_text(pl)}" if pay_text(pl) else "")
                out.append({**base, "l": pl.level, "ln": ln, "t": pl.title, "k": "level title"})
    return out


def render(tax) -> str:
    """The search page."""
    body = (
        "<h1>Find a job title</h1>\n"
        "<p>Type a job title as it appears in a post or staff record, such as PWP, HIT or "
        "Snr Clin Psych. The search runs in your browser over every name, acronym, former name "
        "and level title in the taxonomy; the closest profession and level come first.</p>\n"
        '<label for="title-q">Job title</label>\n'
        '<input id="title-q" type="search" autocomplete="off" spellcheck="false">\n'
        '<p id="results-status" role="status" aria-live="polite"></p>\n'
        '<ol id="results"></ol>\n'
        "<noscript><p>The search needs JavaScript; the professions page lists every "
        "profession.</p></noscript>"
    )
    script = SCRIPT % {"index": js_literal(index(tax)), "short": js_literal(SHORT_FORMS)}
    return page(
        "Find a job title",
        body,
        current="search.html",
        data_version=tax.data_version,
        scripts=script,
    )
