// 创城督办 · 模拟测评 checklist at a site. Loaded with `defer` (the CSP allows no inline script).
// The form is sent with fetch so that a dropped network loses nothing: what was filled in (and
// the photos chosen) stays in the page, a banner says so, and the same form is sent again when
// the phone is back online (or on a tap). The server keys answers on site and item, so sending
// twice never doubles anything. What is typed is also kept in the browser's IndexedDB
// (static/inspections/offline.js, <form data-offline>), so a reload or a closed tab keeps it.
(function () {
  "use strict";

  function locate(form) {
    var lat = form.querySelector("[name=latitude]");
    var lng = form.querySelector("[name=longitude]");
    var status = form.querySelector("[data-geo-status]");
    if (!lat || !lng || !("geolocation" in navigator) || !window.isSecureContext) {
      if (status) status.textContent = form.dataset.msgNoGeo;
      return;
    }
    navigator.geolocation.getCurrentPosition(
      function (p) {
        lat.value = p.coords.latitude.toFixed(6);
        lng.value = p.coords.longitude.toFixed(6);
        if (status) status.textContent = form.dataset.msgGeo + " " + lat.value + ", " + lng.value;
      },
      function () {
        if (status) status.textContent = form.dataset.msgNoGeo;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  function showFailure(card) {
    var result = card.querySelector("input[type=radio]:checked");
    var extra = card.querySelector("[data-fail-extra]");
    if (extra) extra.hidden = !(result && result.value === "fail");
  }

  function banner(form, text, level) {
    var box = form.querySelector("[data-status]");
    if (!box) return;
    box.hidden = !text;
    box.className = "alert alert-" + (level || "info");
    box.textContent = text || "";
  }

  function send(form) {
    if (form.dataset.sending === "1") return;
    form.dataset.sending = "1";
    banner(form, form.dataset.msgSending, "info");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (r) {
        form.dataset.sending = "";
        form.dataset.pending = "";
        if (r.data.ok) {
          // What was kept on the phone (static/inspections/offline.js) has arrived: forget it.
          var kept = window.ccOffline ? window.ccOffline.dropDraft() : Promise.resolve();
          kept.then(null, function () { /* nothing kept */ }).then(function () { window.location.assign(r.data.redirect); });
          return;
        }
        banner(form, r.data.message, "danger");
        var field = r.data.field && form.querySelector("[data-item-card='" + r.data.field + "']");
        if (field) field.scrollIntoView({ block: "center" });
      })
      .catch(function () {
        // No answer from the server (offline, or the connection dropped): keep everything and retry.
        form.dataset.sending = "";
        form.dataset.pending = "1";
        banner(form, form.dataset.msgOffline, "warning");
      });
  }

  function setup(form) {
    locate(form);
    form.querySelectorAll("[data-item-card]").forEach(showFailure);
    form.addEventListener("change", function (event) {
      var card = event.target.closest("[data-item-card]");
      if (card) showFailure(card);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send(form);
    });
    window.addEventListener("online", function () {
      if (form.dataset.pending === "1") send(form);
    });
    window.setInterval(function () {
      if (form.dataset.pending === "1" && navigator.onLine !== false) send(form);
    }, 10000);
    window.addEventListener("beforeunload", function (event) {
      if (form.dataset.pending === "1") {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-checklist]").forEach(setup);
  });
})();
