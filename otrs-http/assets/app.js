// otrs-rs agent interface: small progressive enhancements. Every page works without this file.
"use strict";

// The texts this script shows, in the page's language: the server renders a table of them
// (English text -> translation) into <body data-texts>; a text without entry stays English.
// `%{name}` placeholders are filled from `values`.
var otrsText = (function () {
  var table = {};
  try { table = JSON.parse((document.body && document.body.getAttribute("data-texts")) || "{}"); } catch (e) { table = {}; }
  return function (text, values) {
    var out = table[text] || text;
    Object.keys(values || {}).forEach(function (k) { out = out.split("%{" + k + "}").join(String(values[k])); });
    return out;
  };
})();

(function () {
  var doc = document;

  // Menus: one open at a time; Escape or a click outside closes them.
  doc.addEventListener("click", function (e) {
    doc.querySelectorAll("details.menu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  doc.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      doc.querySelectorAll("details.menu[open]").forEach(function (d) {
        d.removeAttribute("open");
        var s = d.querySelector("summary");
        if (s) s.focus();
      });
    }
  });

  // Organizer hover preview: the list's first rows, fetched once.
  doc.querySelectorAll(".organizer a[data-preview]").forEach(function (a) {
    var box = null, timer = null;
    function show() {
      timer = setTimeout(function () {
        if (!box) {
          box = doc.createElement("div");
          box.className = "preview";
          box.setAttribute("role", "tooltip");
          box.textContent = otrsText("Loading…");
          fetch(a.dataset.preview, { credentials: "same-origin" })
            .then(function (r) { return r.text(); })
            .then(function (html) { box.innerHTML = html; });
        }
        a.parentNode.appendChild(box);
      }, 300);
    }
    function hide() { clearTimeout(timer); if (box && box.parentNode) box.parentNode.removeChild(box); }
    a.addEventListener("mouseenter", show);
    a.addEventListener("mouseleave", hide);
    a.addEventListener("focus", show);
    a.addEventListener("blur", hide);
  });

  function rowsFrom(html) {
    var t = doc.createElement("template");
    t.innerHTML = "<table><tbody>" + html + "</tbody></table>";
    return Array.prototype.slice.call(t.content.querySelectorAll("tbody > tr"));
  }

  // Selection: "select all visible" and the count of selected rows.
  var table = doc.querySelector("table.list[data-selectable]");
  function updateSelected() {
    if (!table) return;
    var boxes = table.querySelectorAll("tbody input[name=ids]");
    var n = 0;
    boxes.forEach(function (b) { if (b.checked) n++; });
    var out = doc.getElementById("selected-count");
    if (out) out.textContent = n ? otrsText("%{count} selected", { count: n }) : "";
    doc.querySelectorAll("[data-needs-selection]").forEach(function (b) { b.disabled = n === 0; });
    var all = table.querySelector("thead input.select-all");
    if (all) all.checked = n > 0 && n === boxes.length;
  }
  if (table) {
    table.addEventListener("change", function (e) {
      if (e.target.classList.contains("select-all")) {
        table.querySelectorAll("tbody input[name=ids]").forEach(function (b) { b.checked = e.target.checked; });
      }
      updateSelected();
    });
    updateSelected();
  }

  // Load more as the agent scrolls (the link also works by itself).
  var more = doc.querySelector("a.load-more[data-rows]");
  var loading = false;
  function loadMore() {
    if (!more || loading || !table) return;
    loading = true;
    var page = parseInt(more.dataset.page, 10);
    fetch(more.dataset.rows + "&page=" + page, { credentials: "same-origin" })
      .then(function (r) { return r.text().then(function (t) { return [r, t]; }); })
      .then(function (rt) {
        var tbody = table.querySelector("tbody");
        rowsFrom(rt[1]).forEach(function (tr) { tbody.appendChild(tr); });
        more.dataset.page = String(page + 1);
        var shown = doc.getElementById("shown-count");
        if (shown) shown.textContent = String(tbody.querySelectorAll("tr").length);
        if (rt[0].headers.get("X-Has-More") !== "1") { more.parentNode.removeChild(more); more = null; }
        loading = false;
        updateSelected();
      })
      .catch(function () { loading = false; });
  }
  if (more && "IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      entries.forEach(function (en) { if (en.isIntersecting) loadMore(); });
    }).observe(more);
    more.addEventListener("click", function (e) { e.preventDefault(); loadMore(); });
  }

  // Live updates: default mode shows a notice; pulse mode updates rows in place.
  var live = doc.querySelector("[data-events]");
  if (live && table && "EventSource" in window) {
    var toggle = doc.getElementById("pulse-toggle");
    var key = "otrs.pulse";
    var pulse = localStorage.getItem(key) === "1";
    function showMode() {
      if (toggle) { toggle.setAttribute("aria-pressed", pulse ? "true" : "false"); toggle.textContent = pulse ? otrsText("Pulse: on") : otrsText("Pulse: off"); }
    }
    showMode();
    if (toggle) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () { pulse = !pulse; localStorage.setItem(key, pulse ? "1" : "0"); showMode(); });
    }
    var notice = doc.getElementById("new-data");
    var source = new EventSource(live.dataset.events);
    // Leaving the page ends the stream at once (browsers allow only a few connections per site).
    window.addEventListener("pagehide", function () { source.close(); });
    window.addEventListener("beforeunload", function () { source.close(); });
    source.addEventListener("update", function (ev) {
      var data = JSON.parse(ev.data);
      var total = doc.getElementById("total-count");
      if (!pulse) { if (notice) notice.hidden = false; return; }
      var tbody = table.querySelector("tbody");
      var count = tbody.querySelectorAll("tr[data-id]").length;
      fetch(live.dataset.refresh + "&upto=" + Math.max(count, 1), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = rowsFrom(html);
          var old = {};
          tbody.querySelectorAll("tr[data-id]").forEach(function (tr) { if (!tr.classList.contains("leaving")) old[tr.dataset.id] = tr; });
          var keep = {};
          fresh.forEach(function (tr) {
            var prev = old[tr.dataset.id];
            keep[tr.dataset.id] = true;
            if (prev && prev.dataset.version === tr.dataset.version) { tbody.appendChild(prev); return; }
            if (prev) {
              var box = prev.querySelector("input[name=ids]"), nb = tr.querySelector("input[name=ids]");
              if (box && nb) nb.checked = box.checked;
              prev.parentNode.removeChild(prev);
            }
            tr.classList.add("flash");
            tbody.appendChild(tr);
          });
          Object.keys(old).forEach(function (id) {
            if (keep[id]) return;
            var tr = old[id];
            tr.classList.add("leaving");
            var box = tr.querySelector("input[name=ids]");
            if (box) { box.checked = false; box.disabled = true; }
            setTimeout(function () { if (tr.parentNode) tr.parentNode.removeChild(tr); }, 4000);
          });
          if (total) total.textContent = String(data.total);
          var shown = doc.getElementById("shown-count");
          if (shown) shown.textContent = String(tbody.querySelectorAll("tr[data-id]:not(.leaving)").length);
          updateSelected();
        });
    });
  }

  // Export dialog: move columns up and down.
  doc.querySelectorAll("ol.columns").forEach(function (list) {
    list.addEventListener("click", function (e) {
      var b = e.target.closest("button[data-move]");
      if (!b) return;
      e.preventDefault();
      var li = b.closest("li");
      if (b.dataset.move === "up" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
      if (b.dataset.move === "down" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
      b.focus();
    });
  });

  // Confirmations for actions that cannot be undone.
  doc.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });
})();

/* --- statsui: the statistic editor's live preview. */
(function () {
  var doc = document;
  var form = doc.querySelector("form[data-stats-preview]");
  var box = doc.getElementById("stats-preview");
  if (form && box && window.fetch) {
    var timer = null, seq = 0;
    var refresh = function () {
      var mine = ++seq;
      var data = new URLSearchParams(new FormData(form));
      data.delete("save");
      box.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-stats-preview"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: data.toString()
      }).then(function (r) { return r.text(); }).then(function (html) {
        // Only the latest answer counts; the fragment is the server's own escaped markup.
        if (mine === seq) { box.innerHTML = html; box.removeAttribute("aria-busy"); }
      }).catch(function () { box.removeAttribute("aria-busy"); });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(refresh, 400); };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    refresh();
  }
})();

/* --- calui: the Calendar Overview (the pages work without this; it adds the sidebar's live
   filter, saving the checkboxes as they change, adding by dragging over a time range, and
   moving an appointment by dragging it to another time or day). */
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");

  var filter = doc.getElementById("calendar-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var needle = filter.value.trim().toLowerCase();
      doc.querySelectorAll(".cal-list li[data-name]").forEach(function (li) {
        li.hidden = needle !== "" && li.dataset.name.indexOf(needle) < 0;
      });
    });
  }
  var visibility = doc.getElementById("calendar-visibility");
  if (visibility) {
    visibility.addEventListener("change", function (e) {
      if (e.target.name === "show") visibility.submit();
    });
  }

  var main = doc.getElementById("calendar");
  if (!main) return;
  var csrf = main.dataset.csrf;
  var view = main.dataset.view;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Adding by dragging over a time range of one day in a timeline.
  var picking = null;
  function slotsBetween(a, b) {
    var lo = Math.min(a, b), hi = Math.max(a, b), out = [];
    main.querySelectorAll("td.slot[data-date=\"" + picking.date + "\"]").forEach(function (td) {
      var h = parseInt(td.dataset.hour, 10);
      if (h >= lo && h <= hi) out.push(td);
    });
    return out;
  }
  function mark(hour) {
    main.querySelectorAll("td.selecting").forEach(function (td) { td.classList.remove("selecting"); });
    slotsBetween(picking.from, hour).forEach(function (td) { td.classList.add("selecting"); });
    picking.to = hour;
  }
  main.addEventListener("mousedown", function (e) {
    var td = e.target.closest("td.slot");
    if (!td || e.button !== 0 || e.target.closest("a")) return;
    e.preventDefault();
    picking = { date: td.dataset.date, from: parseInt(td.dataset.hour, 10), to: parseInt(td.dataset.hour, 10) };
    mark(picking.from);
  });
  main.addEventListener("mouseover", function (e) {
    if (!picking) return;
    var td = e.target.closest("td.slot");
    if (td && td.dataset.date === picking.date) mark(parseInt(td.dataset.hour, 10));
  });
  doc.addEventListener("mouseup", function () {
    if (!picking) return;
    var lo = Math.min(picking.from, picking.to), hi = Math.max(picking.from, picking.to) + 1;
    var start = picking.date + "T" + pad(lo) + ":00";
    var end = hi >= 24 ? null : picking.date + "T" + pad(hi) + ":00";
    picking = null;
    var url = "/agent/calendar/appointments/new?view=" + encodeURIComponent(view) + "&start=" + encodeURIComponent(start);
    if (end) url += "&end=" + encodeURIComponent(end);
    window.location.href = url;
  });

  // Moving: the server checks and applies it; a series asks which occurrences move.
  function post(id, occurrence, to, scope) {
    var body = new URLSearchParams();
    body.set("occurrence", occurrence);
    body.set("to", to);
    body.set("scope", scope);
    return fetch("/agent/calendar/appointments/" + id + "/move", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (r) {
      if (r.ok) { window.location.reload(); return; }
      return r.text().then(function (t) { window.alert(main.dataset.moveFailed + " " + t); });
    });
  }
  function ask(then) {
    var d = doc.createElement("dialog");
    d.className = "cal-dialog";
    // The page renders the question in the agent's language.
    d.appendChild(doc.getElementById("cal-move-question").content.cloneNode(true));
    doc.body.appendChild(d);
    d.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) return;
      d.close();
      d.parentNode.removeChild(d);
      if (b.value !== "cancel") then(b.value);
    });
    d.showModal();
  }
  window.otrsCalendarMove = function (id, occurrence, series, to) {
    if (series) ask(function (scope) { post(id, occurrence, to, scope); });
    else post(id, occurrence, to, "all");
  };
  var dragged = null;
  main.addEventListener("dragstart", function (e) {
    var a = e.target.closest && e.target.closest("a.appt");
    if (!a) return;
    dragged = a;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", a.dataset.id);
  });
  function target(e) { return e.target.closest && e.target.closest("td[data-date]"); }
  main.addEventListener("dragover", function (e) {
    if (dragged && target(e)) { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }
  });
  main.addEventListener("dragenter", function (e) {
    var td = target(e);
    if (dragged && td) td.classList.add("drop-target");
  });
  main.addEventListener("dragleave", function (e) {
    var td = target(e);
    if (td) td.classList.remove("drop-target");
  });
  main.addEventListener("drop", function (e) {
    var td = target(e);
    if (!dragged || !td) return;
    e.preventDefault();
    td.classList.remove("drop-target");
    var a = dragged;
    dragged = null;
    // A timeline slot names a time; a day of the grid (or the all-day row) keeps the time of day.
    var to = td.dataset.start || td.dataset.date;
    window.otrsCalendarMove(a.dataset.id, a.dataset.occurrence, a.dataset.series === "1", to);
  });
  main.addEventListener("dragend", function () { dragged = null; });
})();

// --- detail: the ticket detail view
(function () {
  var doc = document;
  // Pen icons open the small form in place instead of the edit page.
  doc.addEventListener("click", function (e) {
    var pen = e.target.closest("a.pen[data-inline]");
    if (pen) {
      var form = doc.getElementById(pen.getAttribute("data-inline"));
      if (form) {
        e.preventDefault();
        form.hidden = false;
        var field = form.querySelector("select, input:not([type=hidden])");
        if (field) field.focus();
      }
      return;
    }
    var cancel = e.target.closest("[data-inline-cancel]");
    if (cancel) {
      var f = cancel.closest("form.inline-edit");
      if (f) { f.hidden = true; f.reset(); }
      return;
    }
    // Copy Article Link: the link with the article anchor goes to the clipboard.
    var copy = e.target.closest("[data-copy-link]");
    if (copy && navigator.clipboard) {
      e.preventDefault();
      var url = new URL(copy.getAttribute("data-copy-link"), window.location.href).href;
      navigator.clipboard.writeText(url).then(function () { copy.textContent = otrsText("Link copied"); });
      return;
    }
    var target = e.target.closest("[data-copy-target]");
    if (target) {
      var input = doc.getElementById(target.getAttribute("data-copy-target"));
      if (input) {
        input.select();
        if (navigator.clipboard) navigator.clipboard.writeText(input.value);
        target.textContent = otrsText("Copied");
      }
    }
  });
  // The link field shows the full address.
  doc.querySelectorAll("input[data-absolute]").forEach(function (input) {
    input.value = new URL(input.value, window.location.href).href;
  });
})();

/* --- actions: create screens (customer type-ahead and widgets, rich text, dropped files) */
(function () {
  "use strict";
  var doc = document;

  // Customer-user type-ahead: suggestions as buttons under the field; choosing one fills the
  // Customer ID (and To when empty) and reloads the customer widgets.
  doc.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var form = input.form;
    var list = doc.createElement("ul");
    list.className = "suggestions plain";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", otrsText("Customer user suggestions"));
    list.hidden = true;
    input.parentNode.insertBefore(list, input.nextSibling);
    var timer = null, asked = "";
    function info(login) {
      var box = doc.getElementById("customer-widgets");
      if (!box || !input.dataset.info) return;
      fetch(input.dataset.info + "?login=" + encodeURIComponent(login), { credentials: "same-origin" })
        .then(function (r) { return r.text(); })
        .then(function (html) { box.outerHTML = html; });
    }
    function choose(s) {
      input.value = s.login;
      list.hidden = true;
      var cid = form && form.querySelector("input[name=customer_id]");
      if (cid) cid.value = s.customer_id;
      var to = form && form.querySelector("input[name=to]");
      if (to && !to.value) to.value = s.email;
      info(s.login);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q === asked) return;
        asked = q;
        if (q !== "**" && q.replace(/\*/g, "").length < 2) { list.hidden = true; return; }
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (items) {
            list.innerHTML = "";
            items.forEach(function (s) {
              var li = doc.createElement("li");
              var b = doc.createElement("button");
              b.type = "button";
              b.className = "link";
              b.setAttribute("role", "option");
              b.dataset.login = s.login;
              b.textContent = s.label;
              b.addEventListener("click", function () { choose(s); });
              li.appendChild(b);
              list.appendChild(li);
            });
            list.hidden = items.length === 0;
          });
      }, 200);
    });
  });

  // Rich text: "Rich text" turns the plain textarea into a small editor; the form then sends
  // both the HTML (the server sanitises it again) and the plain text.
  doc.querySelectorAll("[data-rich-text]").forEach(function (box) {
    var area = box.querySelector("textarea");
    var html = box.querySelector("input[name=body_html]");
    if (!area || !html) return;
    var toggle = doc.createElement("button");
    toggle.type = "button";
    toggle.className = "rte-toggle";
    toggle.textContent = otrsText("Rich text");
    box.insertBefore(toggle, area);
    function start() {
      toggle.hidden = true;
      var bar = doc.createElement("div");
      bar.className = "rte-bar";
      bar.setAttribute("role", "toolbar");
      bar.setAttribute("aria-label", otrsText("Formatting"));
      var editor = doc.createElement("div");
      editor.className = "rte";
      editor.contentEditable = "true";
      editor.setAttribute("role", "textbox");
      editor.setAttribute("aria-multiline", "true");
      editor.setAttribute("aria-label", otrsText("Text"));
      if (html.value) {
        editor.innerHTML = html.value;
      } else {
        area.value.split("\n").forEach(function (line, i) {
          if (i) editor.appendChild(doc.createElement("br"));
          editor.appendChild(doc.createTextNode(line));
        });
      }
      function sync() {
        html.value = editor.innerHTML;
        area.value = editor.innerText;
      }
      [["bold", "B", "Bold"], ["italic", "I", "Italic"], ["underline", "U", "Underline"],
       ["insertUnorderedList", "•", "Bulleted list"], ["insertOrderedList", "1.", "Numbered list"]]
        .forEach(function (c) {
          var b = doc.createElement("button");
          b.type = "button";
          b.textContent = c[1];
          b.title = otrsText(c[2]);
          b.setAttribute("aria-label", otrsText(c[2]));
          b.addEventListener("click", function () { editor.focus(); doc.execCommand(c[0]); sync(); });
          bar.appendChild(b);
        });
      editor.addEventListener("input", sync);
      area.hidden = true;
      box.insertBefore(editor, area);
      box.insertBefore(bar, editor);
      if (area.form) area.form.addEventListener("submit", sync);
      editor.focus();
    }
    toggle.addEventListener("click", start);
    if (html.value) start();
  });

  // Attachments: files dropped on the zone go to its file picker.
  doc.querySelectorAll("[data-dropzone]").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) return;
    var names = doc.createElement("span");
    names.className = "muted dropped";
    zone.appendChild(names);
    function show() {
      names.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join(", ");
    }
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; show(); }
    });
    input.addEventListener("change", show);
  });
})();
