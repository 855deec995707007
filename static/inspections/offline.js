// 创城督办 · forms that must survive a bad signal (`<form data-offline>`): 现场检查登记, the
// unit's 提交核查 (rectification with after-photos) and — its draft only (data-offline="draft":
// it sends and resends itself) — the 模拟测评 checklist at a site. Loaded with `defer`.
//
// - Every record carries a key this page makes (hidden `client_key`): the server keeps one issue
//   per key and person, so a record sent twice — a retry after a dropped connection — is one issue.
// - Saving while offline (or when the send fails on the way) puts the record, photos included,
//   in the browser's IndexedDB outbox; the page lists what waits and sends it when the network
//   is back (and at every load), oldest first.
// - What is being typed is kept as a draft in IndexedDB too, so a reload — even offline, the
//   service worker (/inspections/sw.js) serves the page from its cache — keeps it.
(function () {
  "use strict";

  var DB_NAME = "cc-capture";
  var OUTBOX = "outbox";
  var DRAFTS = "drafts";
  var PAGE_CACHE = "cc-capture-v1";
  var lastSnapshot = null;
  var flushing = false;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(OUTBOX, { keyPath: "key" });
        request.result.createObjectStore(DRAFTS, { keyPath: "url" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(store, mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var request = action(tx.objectStore(store));
        tx.oncomplete = function () { resolve(request && request.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  // Keys the server says it already has (the issue page lists this person's submissions).
  function receivedKeys() {
    var el = document.querySelector("[data-received-keys]");
    return el && el.dataset.receivedKeys ? el.dataset.receivedKeys.split(",") : [];
  }

  function keyOf(record) {
    var key = "";
    record.fields.forEach(function (pair) { if (pair[0] === "client_key") key = pair[1]; });
    return key || record.key;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function captureForm() {
    return document.querySelector("form[data-offline]");
  }

  function ensureKey(form) {
    var input = form && form.querySelector("[data-client-key]");
    if (input && !input.value) input.value = newKey();
  }

  function snapshot(form) {
    var fields = [];
    var files = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) {
        if (value.size) files.push({ name: name, blob: value, filename: value.name, type: value.type });
      } else {
        fields.push([name, value]);
      }
    });
    var key = form.querySelector("[data-client-key]");
    return { key: key ? key.value : newKey(), url: form.action, fields: fields, files: files, at: Date.now() };
  }

  function asFormData(record) {
    var data = new FormData();
    record.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    record.files.forEach(function (f) { data.append(f.name, f.blob, f.filename); });
    return data;
  }

  // --- the outbox -------------------------------------------------------------------------------

  function box() {
    return document.querySelector("[data-outbox]");
  }

  // The address this page's records are for: its form's, or — once the form is gone (the issue
  // moved on) — the one the panel names, so what waits or was refused is still shown here.
  function here() {
    var form = captureForm();
    if (form) return form.action;
    var panel = box();
    return panel && panel.dataset.outboxUrl ? new URL(panel.dataset.outboxUrl, location.href).href : null;
  }

  function render() {
    var panel = box();
    if (!panel) return Promise.resolve();
    return run(OUTBOX, "readonly", function (store) { return store.getAll(); }).then(function (records) {
      records = (records || []).filter(function (r) { return r.url === here(); });
      panel.hidden = records.length === 0;
      panel.querySelectorAll("[data-outbox-count]").forEach(function (count) { count.textContent = String(records.length); });
      var refused = records.length > 0 && records.every(function (r) { return r.error; });
      var waiting = panel.querySelector("[data-outbox-waiting]");
      var stopped = panel.querySelector("[data-outbox-refused]");
      if (waiting) waiting.hidden = refused;
      if (stopped) stopped.hidden = !refused;
      panel.classList.toggle("alert-danger", refused);
      panel.classList.toggle("alert-warning", !refused);
      var list = panel.querySelector("[data-outbox-list]");
      if (!list) return;
      list.innerHTML = "";
      records.forEach(function (r) {
        var item = document.createElement("li");
        var text = "";
        r.fields.forEach(function (pair) { if (pair[0] === "description" || pair[0] === "measures") text = pair[1]; });
        var line = document.createElement("span");
        line.textContent = new Date(r.at).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" }) +
          " · " + (text || panel.dataset.msgNoText) + " · " + r.files.length + " " + panel.dataset.msgPhotos +
          (r.error ? " · " + r.error : "");
        if (r.error) line.className = "text-danger";
        item.appendChild(line);
        // A record the server refused is not sent again on its own: the person deletes it.
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "btn btn-sm btn-link p-0 ms-2 align-baseline";
        drop.textContent = panel.dataset.msgDelete;
        drop.setAttribute("data-testid", "outbox-delete");
        drop.addEventListener("click", function () {
          run(OUTBOX, "readwrite", function (store) { return store.delete(r.key); }).then(render);
        });
        item.appendChild(drop);
        list.appendChild(item);
      });
    });
  }

  // Why the server refused a record, in its words (the page it answered with names the field).
  function refusal(html) {
    try {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var parts = [];
      doc.querySelectorAll("[data-testid=alert-title], [data-testid=error-form], .invalid-feedback").forEach(function (el) {
        var text = el.textContent.trim();
        if (text && parts.indexOf(text) === -1) parts.push(text);
      });
      return parts.join(" ");
    } catch (e) {
      return "";
    }
  }

  function queue(record) {
    // A form that stands for one submission (data-offline="single", 提交核查) keeps one record:
    // filling it in again replaces what waits, never adds a second copy.
    var form = captureForm();
    var single = form && form.dataset.offline === "single";
    return run(OUTBOX, "readwrite", function (store) {
      if (single) {
        store.openCursor().onsuccess = function (event) {
          var cursor = event.target.result;
          if (!cursor) return;
          if (cursor.value.url === record.url && cursor.value.key !== record.key) cursor.delete();
          cursor.continue();
        };
      }
      return store.put(record);
    }).then(render).then(show);
  }

  // The panel sits above the form: on a phone the person is scrolled far below it.
  function show() {
    var panel = box();
    if (panel && !panel.hidden) panel.scrollIntoView({ block: "start" });
  }

  function flush() {
    if (flushing || navigator.onLine === false) return Promise.resolve();
    flushing = true;
    var sent = 0;
    return run(OUTBOX, "readonly", function (store) { return store.getAll(); })
      .then(function (records) {
        var received = receivedKeys();
        var url = here();
        // Only this page's records, and not those the server refused: a submission kept for one
        // issue is sent from that page, where its author sees what becomes of it.
        records = (records || [])
          .filter(function (r) { return r.url === url && !r.error; })
          .sort(function (a, b) { return a.at - b.at; });
        return records.reduce(function (chain, record) {
          return chain.then(function (stop) {
            if (stop) return true;
            if (received.indexOf(keyOf(record)) !== -1) {
              return run(OUTBOX, "readwrite", function (store) { return store.delete(record.key); }).then(function () { return false; });
            }
            return fetch(record.url, {
              method: "POST",
              body: asFormData(record),
              credentials: "same-origin",
              headers: { "X-Requested-With": "fetch" },
            }).then(function (response) {
              if (response.ok && response.redirected && /\/accounts\/login\//.test(response.url)) {
                return true; // signed out: keep it until the person signs in again
              }
              if (response.ok) {
                sent += 1;
                return run(OUTBOX, "readwrite", function (store) { return store.delete(record.key); }).then(function () { return false; });
              }
              return response.text().then(function (html) {
                record.error = refusal(html) || (box() && box().dataset.msgRefused) || String(response.status);
                return queue(record).then(function () { return false; });
              });
            }, function () { return true; }); // still no network: try again later
          });
        }, Promise.resolve(false));
      })
      .then(function () {
        flushing = false;
        var panel = box();
        var status = document.querySelector("[data-outbox-sent]");
        if (sent && status && panel) {
          status.hidden = false;
          status.textContent = panel.dataset.msgSent.replace("%s", sent);
        }
        if (sent) {
          // The page shows what just arrived (the new state, the capture count): reload,
          // and say after the reload what was sent.
          try {
            window.sessionStorage.setItem("cc-outbox-sent", JSON.stringify({ path: location.pathname, n: sent }));
          } catch (e) { /* private mode */ }
          window.location.reload();
        }
        return render();
      }, function () { flushing = false; });
  }

  // --- the draft --------------------------------------------------------------------------------

  var draftTimer = null;
  function saveDraft() {
    var form = captureForm();
    if (!form) return;
    window.clearTimeout(draftTimer);
    draftTimer = window.setTimeout(function () {
      var record = snapshot(form);
      record.url = form.action;
      run(DRAFTS, "readwrite", function (store) { return store.put(record); });
    }, 300);
  }

  function dropDraft() {
    var form = captureForm();
    if (!form) return Promise.resolve();
    window.clearTimeout(draftTimer);
    return run(DRAFTS, "readwrite", function (store) { return store.delete(form.action); });
  }

  function restoreDraft() {
    var form = captureForm();
    if (!form) return Promise.resolve();
    return run(DRAFTS, "readonly", function (store) { return store.get(form.action); }).then(function (draft) {
      if (!draft) return;
      if (receivedKeys().indexOf(keyOf(draft)) !== -1) return dropDraft(); // it arrived: nothing to restore
      draft.fields.forEach(function (pair) {
        var name = pair[0];
        var value = pair[1];
        if (name === "csrfmiddlewaretoken") return;
        form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") el.checked = el.value === value;
          else if (el.type !== "file") el.value = value;
        });
      });
      if (draft.files.length && window.DataTransfer) {
        // Each file input gets its own photos back (photos; a checklist's photo_<item>).
        var byName = {};
        draft.files.forEach(function (f) { (byName[f.name] = byName[f.name] || []).push(f); });
        Object.keys(byName).forEach(function (name) {
          var input = form.querySelector("input[type=file][name='" + name + "']");
          if (!input) return;
          var transfer = new DataTransfer();
          byName[name].forEach(function (f) { transfer.items.add(new File([f.blob], f.filename, { type: f.type || "image/jpeg" })); });
          input.files = transfer.files;
          input.dispatchEvent(new Event("change", { bubbles: true }));
        });
      }
      var note = document.querySelector("[data-draft-restored]");
      if (note) note.hidden = false;
      var details = form.closest("details");
      if (details) details.open = true; // the restored text and photo are where the person sees them
    });
  }

  // --- the form ---------------------------------------------------------------------------------

  function resetForNext(form) {
    ["description", "address", "latitude", "longitude", "measures"].forEach(function (name) {
      var el = form.querySelector("[name=" + name + "]");
      if (el) el.value = "";
    });
    var photos = form.querySelector("input[type=file][name=photos]");
    if (photos) photos.value = "";
    // A plain (non-htmx) form kept for later: let it be sent again once it is back online.
    delete form.dataset.submitted;
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.classList.remove("btn-loading");
      button.removeAttribute("aria-disabled");
    });
    var preview = form.querySelector("[data-photo-preview]");
    if (preview) preview.innerHTML = "";
    var key = form.querySelector("[data-client-key]");
    if (key) key.value = newKey();
    var note = document.querySelector("[data-draft-restored]");
    if (note) note.hidden = true;
  }

  // A required input left empty, said next to it (the server's words, put on the page by the form).
  function fieldMissing(input, name, message) {
    var field = input.closest(".mb-3") || input.parentNode;
    field.classList.add("app-field-error");
    var note = field.querySelector("[data-testid=error-" + name + "]");
    if (!note) {
      note = document.createElement("div");
      note.className = "invalid-feedback d-block";
      note.setAttribute("data-testid", "error-" + name);
      note.setAttribute("data-client-error", "");
      field.appendChild(note);
    }
    note.textContent = message;
    return field;
  }

  // A field asked for is given: its note goes at once, not at the next tap on the button.
  function clearGiven(event) {
    var input = event.target;
    var field = input && input.closest && input.closest(".app-field-error");
    var note = field && field.querySelector("[data-client-error]");
    if (!note) return;
    if (input.type === "file" ? input.files.length : input.value.trim()) {
      note.remove();
      field.classList.remove("app-field-error");
    }
  }
  document.addEventListener("input", clearGiven);
  document.addEventListener("change", clearGiven);

  function clearMissing(form) {
    form.querySelectorAll("[data-client-error]").forEach(function (note) {
      note.parentNode.classList.remove("app-field-error");
      note.remove();
    });
  }

  // Offline: keep the record instead of sending it (before htmx sees the submit).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || form !== captureForm()) return;
      if (form.dataset.offline === "draft") return; // it sends (and resends) itself: only the draft is ours
      ensureKey(form);
      lastSnapshot = snapshot(form);
      // What the server would refuse is said now, next to each field at once (the after-photo,
      // the measures), while the person is still at the site — online too: no round trip that
      // reloads the page at its top, and not one refusal per try.
      clearMissing(form);
      var missing = [];
      var need = form.dataset.needPhoto && form.querySelector("input[type=file][name=photos]");
      if (need && !need.files.length) missing.push([need, "photos", form.dataset.needPhoto]);
      form.querySelectorAll("textarea[data-required-message]").forEach(function (box) {
        if (!box.value.trim()) missing.push([box, box.name, box.dataset.requiredMessage]);
      });
      if (missing.length) {
        event.preventDefault();
        event.stopImmediatePropagation();
        missing.forEach(function (m) { fieldMissing(m[0], m[1], m[2]); });
        (missing[0][0].closest(".mb-3") || missing[0][0]).scrollIntoView({ block: "center" });
        missing[0][0].focus({ preventScroll: true });
        return;
      }
      if (navigator.onLine !== false) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      queue(lastSnapshot).then(dropDraft).then(function () { resetForNext(form); });
    },
    true
  );

  // Online, but the request never reached the server: keep the record the same way.
  document.addEventListener("htmx:sendError", function (event) {
    if (event.target !== captureForm() || !lastSnapshot) return;
    var form = captureForm();
    queue(lastSnapshot).then(dropDraft).then(function () { resetForNext(form); });
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful && event.target === captureForm()) dropDraft();
  });
  document.addEventListener("htmx:afterSwap", function () {
    ensureKey(captureForm());
    render();
  });
  document.addEventListener("input", function (event) {
    if (event.target.form && event.target.form === captureForm()) saveDraft();
  });
  document.addEventListener("change", function (event) {
    if (event.target.form && event.target.form === captureForm()) saveDraft();
  });
  window.addEventListener("online", flush);

  // The page and its assets, cached by the service worker so the page opens without a network.
  function installWorker() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    var worker = document.querySelector("[data-capture-worker]");
    if (!worker) return;
    navigator.serviceWorker.register(worker.dataset.captureWorker, { scope: worker.dataset.scope }).then(function () {
      var assets = [location.href];
      document.querySelectorAll("script[src], link[rel=stylesheet][href]").forEach(function (el) {
        assets.push(el.src || el.href);
      });
      return caches.open(PAGE_CACHE).then(function (cache) { return cache.addAll(assets); });
    }).catch(function () { /* no worker: the page still works online */ });
  }

  function announceSent() {
    var sent = null;
    try {
      var note = JSON.parse(window.sessionStorage.getItem("cc-outbox-sent") || "null");
      window.sessionStorage.removeItem("cc-outbox-sent");
      if (note && note.path === location.pathname) sent = String(note.n); // never on another page
    } catch (e) { /* private mode */ }
    var panel = box();
    var status = document.querySelector("[data-outbox-sent]");
    if (sent && status && panel) {
      status.hidden = false;
      status.textContent = panel.dataset.msgSent.replace("%s", sent);
      status.scrollIntoView({ block: "start" });
    }
  }

  // For a form that sends itself (the 模拟测评 checklist): forget the draft once it arrived.
  window.ccOffline = { dropDraft: dropDraft };

  document.addEventListener("DOMContentLoaded", function () {
    ensureKey(captureForm());
    announceSent();
    restoreDraft().then(render).then(flush);
    installWorker();
  });
})();
