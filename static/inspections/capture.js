// 创城督办 · 现场检查登记: location from the phone, category search, photo preview, the
// 直接交办 switch. Loaded with `defer` (the CSP allows no inline script); everything is bound
// by delegation or re-run after htmx swaps the form in, so it survives each save.
(function () {
  "use strict";

  // --- location: navigator.geolocation fills the hidden latitude/longitude fields ---------
  function locate(box) {
    var status = box.querySelector("[data-geo-status]");
    var lat = box.querySelector("[data-geo-lat]");
    var lng = box.querySelector("[data-geo-lng]");
    if (!status || !lat || !lng) return;
    if (!("geolocation" in navigator) || !window.isSecureContext) {
      status.textContent = box.dataset.msgUnsupported;
      return;
    }
    status.textContent = box.dataset.msgLocating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        var accuracy = Math.round(position.coords.accuracy || 0);
        // shown to 5 decimals (about a metre; the fields keep 6), each number unbroken
        status.textContent =
          box.dataset.msgLocated + " " + (+lat.value).toFixed(5) + ",\u00a0" + (+lng.value).toFixed(5) +
          (accuracy ? box.dataset.msgAccuracy.replace("%s", accuracy) : ""); // brackets in the words: （…） / (…)
      },
      function () {
        lat.value = "";
        lng.value = "";
        status.textContent = box.dataset.msgFailed;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
    );
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-geo-locate]");
    if (!button) return;
    var box = button.closest("[data-geo]");
    if (box) locate(box);
  });

  // --- category search: rebuild the select with the matching options (hiding <option>s does
  // not work on iOS). Typing only narrows the list: the choice (and the unit suggested for it)
  // stays what the person picked, until they pick from the matches — or press Enter on one
  // that is unambiguous (the only exact name, else the only match). -----------------------------
  function setupFilter(input) {
    var select = document.querySelector(input.dataset.filterSelect);
    if (!select || select.dataset.filterReady) return;
    select.dataset.filterReady = "1";
    // the "no match" line the template wrote (translated there) next to the select
    var empty = select.parentElement.querySelector("[data-filter-empty]");
    var original = Array.prototype.map.call(select.children, function (node) {
      return node.cloneNode(true);
    });

    function term() {
      return input.value.trim().toLowerCase();
    }
    function matches(option, group, t) {
      return !t || group.label.toLowerCase().indexOf(t) !== -1 || option.textContent.toLowerCase().indexOf(t) !== -1;
    }

    input.addEventListener("input", function () {
      var t = term();
      var current = select.value;
      var found = 0;
      select.innerHTML = "";
      original.forEach(function (node) {
        if (node.tagName === "OPTGROUP") {
          var group = node.cloneNode(false);
          Array.prototype.forEach.call(node.children, function (option) {
            var match = matches(option, node, t);
            if (match) found += 1;
            // the chosen one stays listed even when it does not match: the choice is kept
            if (match || (current && option.value === current)) {
              group.appendChild(option.cloneNode(true));
            }
          });
          if (group.children.length) select.appendChild(group);
        } else {
          select.appendChild(node.cloneNode(true));
        }
      });
      select.value = current;
      if (empty) empty.hidden = !t || found > 0;
    });

    // A term typed before a refused 保存 comes back with the form (the server writes it into the
    // box): narrow the list by it again.
    if (term()) input.dispatchEvent(new Event("input"));

    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing || event.keyCode === 229) return; // 拼音 being typed
      event.preventDefault(); // Enter in the search box is not 保存
      var t = term();
      if (!t) return;
      var found = [];
      var exact = [];
      original.forEach(function (node) {
        if (node.tagName !== "OPTGROUP") return;
        Array.prototype.forEach.call(node.children, function (option) {
          if (!matches(option, node, t)) return;
          found.push(option.value);
          if (option.textContent.trim().toLowerCase() === t) exact.push(option.value);
        });
      });
      var pick = exact.length === 1 ? exact[0] : found.length === 1 ? found[0] : null;
      if (pick === null) {
        select.focus(); // several (or none): the person picks from the list
        return;
      }
      if (select.value !== pick) {
        select.value = pick;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  // --- photo preview (blob: URLs are allowed by the CSP's img-src) ---------------------------
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-photo-input")) return;
    var preview = input.parentElement.querySelector("[data-photo-preview]");
    if (!preview) return;
    preview.innerHTML = "";
    Array.prototype.forEach.call(input.files || [], function (file) {
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      var frame = document.createElement("span");
      frame.className = "app-thumb";
      frame.appendChild(img);
      preview.appendChild(frame);
    });
  });

  // --- 直接交办: the unit select only matters when the issue is sent at once -------------------
  function syncToggle(box) {
    var target = document.querySelector(box.dataset.toggleTarget);
    if (target) target.hidden = !box.checked;
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box instanceof HTMLInputElement && box.hasAttribute("data-toggle-target")) syncToggle(box);
  });

  function init(root) {
    root.querySelectorAll("[data-filter-select]").forEach(setupFilter);
    root.querySelectorAll("[data-toggle-target]").forEach(syncToggle);
    root.querySelectorAll("[data-geo]").forEach(function (box) {
      var lat = box.querySelector("[data-geo-lat]");
      if (lat && !lat.value) locate(box); // a fresh form: ask for the position at once
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    init(event.detail.target || document);
    // The unit field is swapped on its own; keep it hidden when 直接交办 is off.
    document.querySelectorAll("[data-toggle-target]").forEach(syncToggle);
  });
})();
