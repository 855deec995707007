// 创城督办: page behaviour. Loaded with `defer`; the CSP allows no inline script, so every
// behaviour is attached here from data attributes.
(function () {
  "use strict";

  // A progress report lower than the last (<input name=progress data-current data-lower-confirm>)
  // is asked about here, before the photos chosen are sent: yes adds confirm_decrease to the form,
  // no sends nothing. (Without script the server asks, and the files must be chosen again.) In
  // the capture phase: before data-submit-once below and before htmx's own submit handler.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      var input = form.querySelector("input[name=progress][data-current]");
      if (!input || form.querySelector("input[name=confirm_decrease]:checked, input[type=hidden][name=confirm_decrease]")) return;
      var value = parseInt(input.value, 10);
      if (isNaN(value) || !(value < parseInt(input.dataset.current, 10))) return;
      if (window.confirm(input.dataset.lowerConfirm)) {
        var flag = document.createElement("input");
        flag.type = "hidden";
        flag.name = "confirm_decrease";
        flag.value = "on";
        form.appendChild(flag);
      } else {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // <form data-submit-once>: disable the submit buttons once the form is sent, so a slow
  // intranet connection does not turn an impatient second tap into a second request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.classList.add("btn-loading");
      button.setAttribute("aria-disabled", "true");
    });
  });

  // A table wider than a phone scrolls inside its card: make that region reachable from the
  // keyboard (tabindex) and named for screen readers — also for tables htmx swaps in.
  function focusableScrollers(root) {
    (root || document).querySelectorAll(".table-responsive:not([tabindex])").forEach(function (el) {
      el.setAttribute("tabindex", "0");
      if (!el.hasAttribute("role")) el.setAttribute("role", "region");
      if (!el.hasAttribute("aria-label")) {
        var heading = el.closest(".card, section");
        heading = heading && heading.querySelector("h1, h2, h3, .card-title");
        el.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { focusableScrollers(document); });

  // The 我的待办 badge (<span data-todo-count="url">): fetched after the page, so no page waits
  // for it; without a network (or on any error) the link simply shows no badge.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-todo-count]").forEach(function (slot) {
      if (navigator.onLine === false) return;
      fetch(slot.dataset.todoCount, { credentials: "same-origin" })
        .then(function (r) { return r.ok && !r.redirected ? r.text() : ""; })
        .then(function (html) { if (html.trim()) { slot.outerHTML = html; showCurrentLinks(); markAllScrollEdges(); } })
        .catch(function () { /* offline or down: no badge */ });
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) { focusableScrollers(event.target); });

  // A row of links that scrolls sideways on a phone (the top navigation, .app-tabs): the current
  // one may lie past the edge (档案资料 in the navigation, the 退回 tab), so the page would not
  // show where one is. Scroll the row — not the page — to bring it to the middle; again when the
  // 我的待办 badge arrives, since it widens the navigation after the first pass.
  function showCurrentLinks() {
    document.querySelectorAll(".app-nav .container-xl, .app-tabs").forEach(function (row) {
      var current = row.querySelector(".active");
      if (!current || row.scrollWidth <= row.clientWidth) return;
      var box = row.getBoundingClientRect();
      var item = current.getBoundingClientRect();
      // An edge with more past it is faded (app.css, 2.5rem): a link under the fade is not in view.
      var fade = parseFloat(getComputedStyle(document.documentElement).fontSize) * 2.5;
      var more = moreAt(row);
      var inView = item.left >= box.left + (more.start ? fade : 0) && item.right <= box.right - (more.end ? fade : 0);
      var target = inView ? row.scrollLeft : row.scrollLeft + item.left - box.left - (box.width - item.width) / 2;
      // Start at a whole link, not the tail of one (我的待办's badge cut to its last digits read
      // as another count; the badge arriving widens a link after the first pass): a link cut at
      // the start gives way to the next — unless that is the current one (it would sit under
      // the fade).
      var links = row.querySelectorAll("a");
      for (var i = 0; i + 1 < links.length; i++) {
        var link = links[i].getBoundingClientRect();
        var start = row.scrollLeft + link.left - box.left;
        if (start < target - 1 && start + link.width > target + 1) {
          if (links[i + 1] !== current) target = row.scrollLeft + links[i + 1].getBoundingClientRect().left - box.left;
          break;
        }
      }
      if (Math.abs(target - row.scrollLeft) > 1) row.scrollLeft = target;
    });
  }
  document.addEventListener("DOMContentLoaded", showCurrentLinks);

  // The same rows — and tables wider than a phone — give no sign that there is more past the
  // edge (the English 约谈问责 tabs ended exactly at the card's edge, the ranking cut at a column):
  // mark the side(s) with more to scroll to, and app.css fades the row out there. Again on every
  // scroll of a row, on resize and once the page has loaded.
  var SCROLL_ROWS = ".app-nav .container-xl, .app-tabs, .table-responsive";
  function moreAt(row) {
    var more = row.scrollWidth - row.clientWidth;
    return { start: more > 1 && row.scrollLeft > 1, end: more > 1 && row.scrollLeft < more - 1 };
  }
  function markScrollEdges(row) {
    var more = moreAt(row);
    row.classList.toggle("app-more-start", more.start);
    row.classList.toggle("app-more-end", more.end);
  }
  function markAllScrollEdges() {
    document.querySelectorAll(SCROLL_ROWS).forEach(markScrollEdges);
  }
  document.addEventListener("DOMContentLoaded", markAllScrollEdges);
  window.addEventListener("load", markAllScrollEdges);
  window.addEventListener("resize", markAllScrollEdges);
  document.addEventListener("htmx:afterSwap", markAllScrollEdges);
  // A table inside a folded group has no width until the group opens.
  document.addEventListener("toggle", markAllScrollEdges, true);
  document.addEventListener("shown.bs.collapse", markAllScrollEdges);
  document.addEventListener(
    "scroll",
    function (event) {
      var row = event.target;
      if (row instanceof Element && row.matches(SCROLL_ROWS)) markScrollEdges(row);
    },
    { capture: true, passive: true }
  );

  // A list's filter card sent by htmx swaps only the results: count the filters in use on the
  // 筛选 button again, and on a phone (the fields folded under that button) fold them away after
  // 查询 and bring the results into view, instead of leaving the open panel over them.
  // As list_filters.NOT_FILTERS: the chosen states are lit on their chips, not in the panel.
  var NOT_FILTERS = ["q", "page", "ordering", "cursor", "state", "page_size", "csrfmiddlewaretoken"];
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("app-ledger-filter")) return;
    if (!event.detail || !event.detail.successful) return;
    var toggle = form.querySelector("[data-bs-target$='-filter-more']");
    if (!toggle) return;
    var used = {};
    new FormData(form).forEach(function (value, key) {
      if (NOT_FILTERS.indexOf(key) === -1 && typeof value === "string" && value.trim()) used[key] = true;
    });
    var count = Object.keys(used).length;
    var badge = toggle.querySelector(".badge");
    if (!count && badge) badge.remove();
    if (count) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge bg-primary text-primary-fg ms-1";
        toggle.appendChild(badge);
      }
      badge.textContent = String(count);
    }
    var config = event.detail.requestConfig;
    var bySubmit = config && config.triggeringEvent && config.triggeringEvent.type === "submit";
    if (!bySubmit || toggle.offsetParent === null) return; // a wide screen: nothing is folded
    var panel = document.querySelector(toggle.dataset.bsTarget);
    if (panel) panel.classList.remove("show");
    toggle.setAttribute("aria-expanded", "false");
    var results = document.querySelector(form.getAttribute("hx-target"));
    if (results) results.scrollIntoView({ block: "start" });
  });

  // A chip (全部, a state, 超期未改) is a link drawn with the search the results are for: a word
  // typed in the box but not sent yet goes with the tap too, instead of being dropped by it.
  // Capture phase: before htmx's own listener on a boosted link reads its href.
  document.addEventListener(
    "click",
    function (event) {
      var chip = event.target instanceof Element && event.target.closest("a.app-chip");
      if (!chip) return;
      var box = document.querySelector("form.app-ledger-filter input[name=q]");
      if (!box) return;
      var url = new URL(chip.href, window.location.href);
      var typed = box.value.trim();
      if ((url.searchParams.get("q") || "") === typed) return;
      if (typed) url.searchParams.set("q", typed);
      else url.searchParams.delete("q");
      url.searchParams.delete("page");
      chip.href = url.pathname + url.search;
    },
    true
  );

  // A form sent back with errors: its first error into view (on a phone the form can sit far
  // below the top the page reloads at) and its field focused, inside an opened <details>.
  function firstErrorIntoView(root) {
    var bad = (root || document).querySelector("form .app-field-error, form [data-testid=error-form]");
    if (!bad) return;
    var details = bad.closest("details");
    if (details) details.open = true;
    bad.scrollIntoView({ block: "center" });
    // A checklist's first tick, not its filter (which would open a phone's keyboard).
    var input = bad.querySelector("input:not([type=hidden]):not([data-ticklist-filter]), select, textarea");
    if (input) input.focus({ preventScroll: true });
  }
  document.addEventListener("DOMContentLoaded", function () { firstErrorIntoView(document); });
  document.addEventListener("htmx:afterSwap", function (event) { firstErrorIntoView(event.target); });

  // Signing out: drop the capture page's offline copy (static/inspections/sw.js caches it). The
  // outbox of unsent records stays: it is the inspector's work, sent at their next sign-in.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !/\/accounts\/logout\/$/.test(form.action)) return;
    if (window.caches) window.caches.delete("cc-capture-v1");
  });

  // Back/forward through htmx's history puts back the page as it was drawn, and a field's typed
  // value is not part of it; the browser's own Back puts back what was typed last, even if never
  // sent. Either way the filter card's fields are set again from the address, so the box shows
  // the search the results are for (and the next change or chip does not use another word).
  function fieldsFromAddress() {
    var query = new URLSearchParams(window.location.search);
    document.querySelectorAll("form.app-ledger-filter").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.type === "hidden" || field.type === "submit" || field.type === "button") return;
        var values = query.getAll(field.name);
        if (field.tagName === "SELECT") {
          Array.prototype.forEach.call(field.options, function (option, i) {
            // Nothing in the address: the empty choice, or the first (the default sort).
            var none = field.querySelector("option[value='']") ? option.value === "" : i === 0;
            option.selected = values.length ? values.indexOf(option.value) >= 0 : none;
          });
        } else if (field.type === "checkbox" || field.type === "radio") {
          field.checked = values.indexOf(field.value) >= 0;
        } else {
          field.value = values.length ? values[0] : "";
        }
      });
    });
  }
  document.addEventListener("htmx:historyRestore", fieldsFromAddress);
  // Only a page come back to (Back/Forward, from the cache or reloaded from history): on a new
  // visit the fields are the server's already, and a word typed before the page finished
  // loading must stay.
  window.addEventListener("pageshow", function (event) {
    var entry = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    if (event.persisted || (entry && entry.type === "back_forward")) fieldsFromAddress();
  });

  // The language switch returns to the page as it is now: after an htmx search the address
  // (hx-push-url) is no longer the one the page was drawn with. Not on a form's answer (a refused
  // action shown at its POST-only address, which a GET answers with 405): the server's value,
  // the page the form was on, stands (data-follow-address only on a page drawn by a GET).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("app-language-switch")) return;
    var next = form.querySelector("input[name=next]");
    if (next && "followAddress" in form.dataset) next.value = window.location.pathname + window.location.search;
  });

  // Back/forward cache: a restored page must accept a submit again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitted;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.classList.remove("btn-loading");
        button.removeAttribute("aria-disabled");
      });
    });
  });
  // htmx swaps only 2xx answers by default. Our views answer a refused or invalid action with
  // the card or form that explains why (400 bad input, 403 not allowed, 409 state changed):
  // show it in place, as a page without htmx would.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 403 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // <button data-close-panel> inside a 我的待办 card closes the action form it belongs to.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-close-panel]");
    if (!button) return;
    var panel = button.closest(".app-card-panel");
    if (panel) panel.innerHTML = "";
  });

  // htmx-replaced forms are new elements: a form swapped in after a refusal accepts a submit.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target instanceof HTMLFormElement ? event.target : null;
    if (!form || !form.hasAttribute("data-submit-once")) return;
    delete form.dataset.submitted;
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.classList.remove("btn-loading");
      button.removeAttribute("aria-disabled");
    });
  });

  // [data-ticklist] (partials/_checklist.html): the filter hides the ticks whose name does not
  // hold what is typed (ticked ones stay), and the count says how many are ticked.
  // A word is found in a name as a part of it, or as an abbreviation: its characters in order
  // (城管 in 城市管理局, 卫健 in 卫生健康委员会, 区政府 in 金水区人民政府).
  function inOrder(name, word) {
    var at = 0;
    for (var i = 0; i < name.length && at < word.length; i++) if (name[i] === word[at]) at++;
    return word.length > 1 && at === word.length;
  }
  function found(option, words) {
    var own = [option.querySelector("[data-name]").textContent.trim(), option.dataset.short || ""].map(function (n) { return n.toLowerCase(); });
    var parent = (option.dataset.parent || "").toLowerCase();  // a part of it only: 金水 → 金水区's streets
    return words.every(function (word) {
      return parent.indexOf(word) !== -1 ||
        own.some(function (name) { return name.indexOf(word) !== -1 || inOrder(name, word); });
    });
  }
  function filterChecklist(list) {
    var words = list.querySelector("[data-ticklist-filter]").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    list.querySelectorAll("[data-ticklist-option]").forEach(function (option) {
      var keep = !words.length || option.querySelector("input").checked || found(option, words);
      option.hidden = !keep;
      if (keep) shown += 1;
    });
    list.querySelector("[data-ticklist-none]").hidden = shown > 0;
  }
  document.addEventListener("input", function (event) {
    var list = event.target instanceof Element && event.target.matches("[data-ticklist-filter]") &&
      event.target.closest("[data-ticklist]");
    if (list) filterChecklist(list);
  });
  // The count, and the names of the ticked ones (scattered through a long list, often out of sight).
  function countChecklist(list) {
    var ticked = list.querySelectorAll("[data-ticklist-option] input:checked");
    var chosen = list.querySelector("[data-ticklist-chosen]");
    list.querySelector("[data-ticklist-count]").textContent = ticked.length;
    chosen.textContent = ticked.length ? chosen.dataset.lead + Array.prototype.map.call(ticked, function (input) {
      return input.closest("[data-ticklist-option]").querySelector("[data-name]").textContent.trim();
    }).join(chosen.dataset.separator) : "";
  }
  function countChecklists(root) { root.querySelectorAll("[data-ticklist]").forEach(countChecklist); }
  document.addEventListener("DOMContentLoaded", function () { countChecklists(document); });
  document.addEventListener("htmx:afterSwap", function (event) { countChecklists(event.target); });
  document.addEventListener("change", function (event) {
    var list = event.target instanceof Element && event.target.closest("[data-ticklist]");
    if (list && !event.target.matches("[data-ticklist-filter]")) countChecklist(list);
  });
  // Enter in the filter filters; it does not send the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target instanceof Element && event.target.matches("[data-ticklist-filter]")) {
      event.preventDefault();
    }
  });
})();
